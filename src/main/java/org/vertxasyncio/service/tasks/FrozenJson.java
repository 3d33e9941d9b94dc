package org.vertxasyncio.service.tasks;

import io.vertx.core.json.JsonObject;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A JSON object that no one changes once made, held in two arrays instead of a {@code LinkedHashMap} (a
 * table and an entry per field): a task keeps its spec's echo as long as it is kept, and every object it
 * holds is one more that the garbage collector marks and moves while the task is young.
 *
 * <p>Its fields keep their order. Changing it throws {@link UnsupportedOperationException}; its copies
 * ({@link JsonObject#copy()}) are ordinary, changeable objects, whose fields Vert.x keeps in no set order.
 */
final class FrozenJson extends AbstractMap<String, Object> {
  private final String[] keys;
  private final Object[] values;

  private FrozenJson(String[] keys, Object[] values) {
    this.keys = keys;
    this.values = values;
  }

  /** {@code o}'s fields, in their order, frozen (the values themselves as they are). */
  static JsonObject freeze(JsonObject o) {
    Map<String, Object> m = o.getMap();
    String[] keys = new String[m.size()];
    Object[] values = new Object[m.size()];
    int i = 0;
    for (Map.Entry<String, Object> e : m.entrySet()) {
      keys[i] = e.getKey();
      values[i] = e.getValue();
      i++;
    }
    return new JsonObject(new FrozenJson(keys, values));
  }

  private int indexOf(Object key) {
    for (int i = 0; i < keys.length; i++) {
      if (keys[i].equals(key)) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public int size() {
    return keys.length;
  }

  @Override
  public boolean containsKey(Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  public Object get(Object key) {
    int i = indexOf(key);
    return i < 0 ? null : values[i];
  }

  @Override
  public Set<Entry<String, Object>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public int size() {
        return keys.length;
      }

      @Override
      public Iterator<Entry<String, Object>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < keys.length;
          }

          @Override
          public Entry<String, Object> next() {
            if (next >= keys.length) {
              throw new NoSuchElementException();
            }
            int i = next++;
            return new SimpleImmutableEntry<>(keys[i], values[i]);
          }
        };
      }
    };
  }
}
