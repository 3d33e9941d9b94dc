package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskGroupTest extends LoopTestBase {

  @Test
  void taskGroupWaitsForAllItsTasks() {
    List<String> r = loop.runUntilComplete(async(() -> {
      List<Task<String>> ts = new ArrayList<>();
      TaskGroup.run(tg -> {
        ts.add(tg.createTask(GatherTest.after(0.03, "a")));
        ts.add(tg.createTask(GatherTest.after(0.01, "b")));
        return null;
      });
      List<String> out = new ArrayList<>();
      for (Task<String> t : ts) {
        assertTrue(t.done());
        out.add(t.result());
      }
      return out;
    }));
    assertEquals(List.of("a", "b"), r);
  }

  @Test
  void theFirstFailureCancelsTheSiblingsAndErrorsComeOutTogether() {
    IllegalStateException boom = new IllegalStateException("boom");
    List<Task<?>> ts = new ArrayList<>();
    ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> loop.runUntilComplete(async(() -> TaskGroup.run(tg -> {
      ts.add(tg.createTask(GatherTest.after(10, "sibling")));
      ts.add(tg.createTask(async(() -> {
        await(sleep(0.01));
        throw boom;
      })));
      await(sleep(10));
      return null;
    }))));
    assertEquals("unhandled errors in a TaskGroup (1 sub-exception)", eg.getMessage());
    assertEquals(1, eg.exceptions().size());
    assertSame(boom, eg.exceptions().get(0));
    assertTrue(ts.get(0).cancelled());
  }

  @Test
  void aFailingBodyCancelsTheTasksAndJoinsTheGroup() {
    RuntimeException bodyError = new RuntimeException("body");
    List<Task<?>> ts = new ArrayList<>();
    ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> loop.runUntilComplete(async(() -> TaskGroup.run(tg -> {
      ts.add(tg.createTask(GatherTest.after(10, "x")));
      await(sleep(0));
      throw bodyError;
    }))));
    assertSame(bodyError, eg.exceptions().get(0));
    assertTrue(ts.get(0).cancelled());
  }

  @Test
  void createTaskAfterTheGroupFinishedIsRefused() {
    TaskGroup[] group = new TaskGroup[1];
    loop.runUntilComplete(async(() -> TaskGroup.run(tg -> {
      group[0] = tg;
      return null;
    })));
    IllegalStateException e = loop.runUntilComplete(async(() -> {
      try {
        group[0].createTask(async(() -> 1));
        return null;
      } catch (IllegalStateException ex) {
        return ex;
      }
    }));
    assertTrue(e.getMessage().endsWith("is finished"), e.getMessage());
  }

  @Test
  void taskGroupOutsideATaskIsRefused() {
    assertThrows(IllegalStateException.class, () -> TaskGroup.run(tg -> null));
  }
}
