package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.createTask;
import static org.vertxasyncio.asyncio.Asyncio.sleep;
import static org.vertxasyncio.asyncio.Asyncio.waitFor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Ported from CPython's test_queues: Queue, LifoQueue and PriorityQueue. */
class QueueTest extends LoopTestBase {

  private static Queue<Integer> newQueue(String kind) {
    return switch (kind) {
      case "Queue" -> new Queue<>();
      case "LifoQueue" -> new LifoQueue<>();
      case "PriorityQueue" -> new PriorityQueue<>();
      default -> throw new IllegalArgumentException(kind);
    };
  }

  // ------------------------------------------------------------------ basics

  @Test
  void reprShowsItemsGettersPuttersAndTasks() {
    loop.runUntilComplete(async(() -> {
      Queue<Integer> q = new Queue<>();
      assertEquals("<Queue maxsize=0>", q.toString());
      Task<Integer> getter = createTask(q.get());
      await(sleep(0));
      assertTrue(q.toString().contains("_getters[1]"), q.toString());
      q.putNowait(0);
      assertEquals(0, await(getter));

      Queue<Integer> bounded = new Queue<>(1);
      bounded.putNowait(1);
      Task<Void> putter = createTask(bounded.put(2));
      await(sleep(0));
      assertEquals("<Queue maxsize=1 _queue=[1] _putters[1] tasks=1>", bounded.toString());
      bounded.getNowait();
      await(putter);
      assertEquals("<Queue maxsize=1 _queue=[2] tasks=2>", bounded.toString());
    }));
    assertEquals("<LifoQueue maxsize=0>", new LifoQueue<Integer>().toString());
    assertEquals("<PriorityQueue maxsize=3>", new PriorityQueue<Integer>(3).toString());
  }

  @Test
  void emptyAndFullFollowTheItems() {
    Queue<Integer> q = new Queue<>();
    assertTrue(q.empty());
    assertFalse(q.full()); // an unbounded queue is never full
    loop.runUntilComplete(async(() -> {
      await(q.put(1));
      assertFalse(q.empty());
      assertEquals(1, await(q.get()));
      assertTrue(q.empty());

      Queue<Integer> bounded = new Queue<>(1);
      await(bounded.put(1));
      assertTrue(bounded.full());
      assertEquals(1, bounded.qsize());
    }));
  }

  @Test
  void queueIsFifo() {
    Queue<Integer> q = new Queue<>();
    assertEquals(List.of(1, 3, 2), putThenGet(q, 1, 3, 2));
  }

  @Test
  void lifoQueueGivesTheNewestFirst() {
    assertEquals(List.of(2, 3, 1), putThenGet(new LifoQueue<>(), 1, 3, 2));
  }

  @Test
  void priorityQueueGivesTheSmallestFirst() {
    assertEquals(List.of(1, 2, 3), putThenGet(new PriorityQueue<>(), 1, 3, 2));
    assertEquals(List.of(3, 2, 1), putThenGet(new PriorityQueue<>(0, Comparator.reverseOrder()), 1, 3, 2));
  }

  private List<Integer> putThenGet(Queue<Integer> q, Integer... items) {
    return loop.runUntilComplete(async(() -> {
      for (Integer i : items) {
        await(q.put(i));
      }
      List<Integer> out = new ArrayList<>();
      for (int k = 0; k < items.length; k++) {
        out.add(await(q.get()));
      }
      return out;
    }));
  }

  @Test
  void queueHoldsNullItems() {
    // Python queues hold None like any item
    Queue<String> q = new Queue<>();
    LifoQueue<String> lifo = new LifoQueue<>();
    loop.runUntilComplete(async(() -> {
      q.putNowait(null);
      await(q.put("a"));
      assertEquals(2, q.qsize());
      assertNull(await(q.get()));
      assertEquals("a", q.getNowait());
      lifo.putNowait("a");
      lifo.putNowait(null);
      assertNull(lifo.getNowait());
      assertEquals("a", await(lifo.get()));
    }));
  }

  @Test
  void maxsizeBlocksThePutterUntilAGet() {
    Queue<Integer> q = new Queue<>(2);
    assertEquals(2, q.maxsize());
    List<Integer> haveBeenPut = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      Task<Boolean> t = createTask(async(() -> {
        for (int i = 0; i < 3; i++) {
          await(q.put(i));
          haveBeenPut.add(i);
        }
        return true;
      }));
      await(sleep(0));
      await(sleep(0));
      // the putter is blocked after putting two items
      assertEquals(List.of(0, 1), haveBeenPut);
      assertEquals(0, await(q.get()));

      // the putter resumes and puts the last item
      await(sleep(0));
      assertEquals(List.of(0, 1, 2), haveBeenPut);
      assertEquals(1, await(q.get()));
      assertEquals(2, await(q.get()));
      assertTrue(t.done());
      assertTrue(t.result());
    }));
  }

  // ------------------------------------------------------------------ get

  @Test
  void getNowaitOnAnEmptyQueueRaisesQueueEmpty() {
    Queue<Integer> q = new Queue<>();
    assertThrows(QueueEmpty.class, q::getNowait);
    q.putNowait(1);
    assertEquals(1, q.getNowait());
    assertThrows(QueueEmpty.class, q::getNowait);
  }

  @Test
  void getWaitsForAnItem() {
    Queue<Integer> q = new Queue<>();
    Event started = new Event();
    boolean[] finished = {false};
    loop.runUntilComplete(async(() -> {
      Task<Integer> getTask = createTask(async(() -> {
        started.set();
        int res = await(q.get());
        finished[0] = true;
        return res;
      }));
      await(started.await());
      assertFalse(finished[0]);
      Asyncio.getRunningLoop().callLater(0.01, () -> q.putNowait(1));
      assertEquals(1, await(getTask));
      assertTrue(finished[0]);
    }));
  }

  @Test
  void getTakesFromAFullQueueAndWakesAPutter() {
    Queue<String> q = new Queue<>(1);
    loop.runUntilComplete(async(() -> {
      createTask(q.put("a"));
      createTask(q.put("b"));
      assertEquals("a", await(q.get()));
      assertEquals("b", await(q.get()));
    }));
  }

  @Test
  void cancelledGetterDoesNotBlockTheNextGetter() {
    Queue<String> q = new Queue<>();
    loop.runUntilComplete(async(() -> {
      Task<String> t1 = createTask(q.get());
      Task<String> t2 = createTask(q.get());
      await(sleep(0));
      t1.cancel();
      await(sleep(0));
      assertTrue(t1.done());
      await(q.put("a"));
      await(sleep(0));
      assertEquals("a", await(t2));
    }));
  }

  @Test
  void producerAndConsumerThroughAQueueOfOne() {
    Queue<Integer> q = new Queue<>(1);
    List<Integer> got = new ArrayList<>();
    loop.runUntilComplete(async(() -> TaskGroup.run(tg -> {
      tg.createTask(async(() -> {
        for (int i = 0; i < 5; i++) {
          await(q.put(i));
        }
      }));
      tg.createTask(async(() -> {
        for (int i = 0; i < 5; i++) {
          got.add(await(q.get()));
        }
      }));
      return null;
    })));
    assertEquals(List.of(0, 1, 2, 3, 4), got);
  }

  @Test
  void getterTimedOutLeavesNoGetterBehind() {
    Queue<Integer> q = new Queue<>(5);
    loop.runUntilComplete(async(() -> {
      assertThrows(TimeoutError.class, () -> await(waitFor(q.get(), 0.02)));
      assertEquals("<Queue maxsize=5>", q.toString());
    }));
  }

  /** A getter woken by a put and cancelled before it runs passes its wake-up on: no item is lost. */
  @Test
  void cancelledGetterPassesItsWakeupOn() {
    Queue<Integer> q = new Queue<>();
    int result = loop.runUntilComplete(async(() -> {
      Task<Integer> reader = createTask(q.get());
      await(sleep(0));
      q.putNowait(1);
      q.putNowait(2);
      reader.cancel();
      try {
        await(reader);
      } catch (CancelledError e) {
        reader = createTask(q.get()); // try again
        await(reader);
      }
      return reader.result();
    }));
    assertEquals(1, result); // 2 would mean that 1 was dropped
  }

  @Test
  void cancelledGetterAmongManyPassesItsWakeupOn() {
    Queue<Integer> q = new Queue<>();
    Set<Integer> got = new HashSet<>();
    loop.runUntilComplete(async(() -> {
      Task<Integer> reader1 = createTask(q.get());
      Task<Integer> reader2 = createTask(q.get());
      Task<Integer> reader3 = createTask(q.get());
      await(sleep(0));
      q.putNowait(1);
      q.putNowait(2);
      reader1.cancel();
      assertThrows(CancelledError.class, () -> await(reader1));
      got.add(await(reader3));
      got.add(await(reader2));
    }));
    assertEquals(Set.of(1, 2), got); // in which order concurrent readers get them is undefined
  }

  // ------------------------------------------------------------------ put

  @Test
  void putNowaitOnAFullQueueRaisesQueueFull() {
    Queue<Integer> q = new Queue<>(1);
    q.putNowait(1);
    assertThrows(QueueFull.class, () -> q.putNowait(2));
    assertEquals(1, q.qsize());
  }

  @Test
  void unboundedPutDoesNotWait() {
    Queue<Integer> q = new Queue<>();
    loop.runUntilComplete(async(() -> {
      await(q.put(1));
      assertEquals(1, await(q.get()));
    }));
  }

  @Test
  void putWaitsForAFreeSlot() {
    Queue<Integer> q = new Queue<>(1);
    Event started = new Event();
    boolean[] finished = {false};
    loop.runUntilComplete(async(() -> {
      Asyncio.getRunningLoop().callLater(0.01, q::getNowait);
      Task<Void> putTask = createTask(async(() -> {
        started.set();
        await(q.put(1));
        await(q.put(2));
        finished[0] = true;
      }));
      await(started.await());
      assertFalse(finished[0]);
      await(putTask);
      assertTrue(finished[0]);
    }));
  }

  /** A putter woken by a get and cancelled before it runs passes its wake-up on: the retry gets in. */
  @Test
  void cancelledPutterPassesItsWakeupOn() {
    Queue<Integer> q = new Queue<>(1);
    loop.runUntilComplete(async(() -> {
      q.putNowait(1);
      Task<Void> writer = createTask(q.put(2)); // has to wait: the queue is full
      await(sleep(0));
      assertEquals(1, q.getNowait());
      writer.cancel();
      try {
        await(writer);
      } catch (CancelledError e) {
        writer = createTask(q.put(2)); // try again
        await(writer);
      }
      assertEquals(2, q.getNowait());
      assertEquals(0, q.qsize());
    }));
  }

  @Test
  void cancelledPutterDoesNotBlockTheNextPutter() {
    Queue<String> q = new Queue<>(1);
    loop.runUntilComplete(async(() -> {
      Task<Void> putA = createTask(q.put("a"));
      Task<Void> putB = createTask(q.put("b"));
      Task<Void> putC = createTask(q.put("X"));
      await(sleep(0));
      assertTrue(putA.done());
      assertFalse(putB.done());

      putC.cancel();
      await(sleep(0));
      assertTrue(putC.done());
      assertEquals("a", q.getNowait());
      await(sleep(0));
      assertEquals("b", q.getNowait());
      await(putB);
      assertTrue(q.empty());
    }));
  }

  @Test
  void putWakesAWaitingGetter() {
    Queue<String> q = new Queue<>();
    loop.runUntilComplete(async(() -> {
      Task<String> t = createTask(q.get());
      await(sleep(0));
      await(q.put("a"));
      assertEquals("a", await(t));
    }));
  }

  @Test
  void getLetsAPendingPutterTaskFinish() {
    Queue<Integer> q = new Queue<>();
    loop.runUntilComplete(async(() -> {
      Task<Boolean> t = createTask(async(() -> {
        await(q.put(1));
        return true;
      }));
      assertEquals(1, await(q.get()));
      assertTrue(t.done());
      assertTrue(t.result());
    }));
  }

  @Test
  void everyPutterGetsInWhenAGetterDrainsTheQueue() {
    Queue<Integer> q = new Queue<>(2);
    loop.runUntilComplete(async(() -> TaskGroup.run(tg -> {
      tg.createTask(async(() -> {
        await(sleep(0));
        for (int n = q.qsize(); n > 0; n--) {
          q.getNowait();
        }
      }));
      for (int i = 0; i < 4; i++) {
        tg.createTask(q.put(i));
      }
      return null;
    })));
    assertEquals(2, q.qsize());
    assertEquals(2, q.getNowait());
    assertEquals(3, q.getNowait());
  }

  @Test
  void cancelledPutterLeavesNoPutterBehind() {
    Queue<Integer> q = new Queue<>(1);
    loop.runUntilComplete(async(() -> {
      q.putNowait(1);
      Task<Void> putTask = createTask(q.put(1));
      await(sleep(0));
      assertTrue(q.toString().contains("_putters[1]"), q.toString());
      putTask.cancel();
      assertThrows(CancelledError.class, () -> await(putTask));
      assertFalse(q.toString().contains("_putters"), q.toString());
    }));
  }

  @Test
  void putterCancelledAfterGetNowaitRemovedItStillEndsCancelled() {
    Queue<Integer> q = new Queue<>(1);
    loop.runUntilComplete(async(() -> {
      q.putNowait(1);
      Task<Void> putTask = createTask(q.put(1));
      await(sleep(0));
      q.getNowait(); // takes the putter's future out of the putters
      putTask.cancel(); // the put's own removal must not fail
      assertThrows(CancelledError.class, () -> await(putTask));
    }));
  }

  // ------------------------------------------------------------------ task_done, join

  @ParameterizedTest
  @ValueSource(strings = {"Queue", "LifoQueue", "PriorityQueue"})
  void taskDoneCalledTooManyTimesFails(String kind) {
    Queue<Integer> q = newQueue(kind);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, q::taskDone);
    assertEquals("task_done() called too many times", e.getMessage());
    q.putNowait(1);
    q.getNowait();
    q.taskDone();
    assertThrows(IllegalArgumentException.class, q::taskDone);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Queue", "LifoQueue", "PriorityQueue"})
  void joinWaitsUntilEveryItemIsDone(String kind) {
    Queue<Integer> q = newQueue(kind);
    for (int i = 0; i < 100; i++) {
      q.putNowait(i);
    }
    int[] accumulator = {0};
    boolean[] running = {true};
    loop.runUntilComplete(async(() -> TaskGroup.run(tg -> {
      List<Task<Void>> tasks = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        tasks.add(tg.createTask(async(() -> {
          while (running[0]) {
            int item = await(q.get());
            accumulator[0] += item;
            q.taskDone();
          }
        })));
      }
      await(q.join());
      assertEquals(4950, accumulator[0]);
      // let the workers end
      running[0] = false;
      for (int i = 0; i < tasks.size(); i++) {
        q.putNowait(0);
      }
      return null;
    })));
  }

  @Test
  void joinWaitsForTaskDoneNotForGet() {
    Queue<Integer> q = new Queue<>();
    List<String> trace = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      q.putNowait(1);
      Task<Void> joiner = createTask(async(() -> {
        await(q.join());
        trace.add("joined");
      }));
      q.getNowait();
      await(sleep(0));
      await(sleep(0));
      assertFalse(joiner.done()); // taken, but not done
      trace.add("task_done");
      q.taskDone();
      await(joiner);
    }));
    assertEquals(List.of("task_done", "joined"), trace);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Queue", "LifoQueue", "PriorityQueue"})
  void joinOfAnEmptyQueueReturnsAtOnce(String kind) {
    Queue<Integer> q = newQueue(kind);
    loop.runUntilComplete(async(() -> {
      await(q.join());
      await(q.join());
    }));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Queue", "LifoQueue", "PriorityQueue"})
  void reprCountsUnfinishedTasks(String kind) {
    Queue<Integer> q = newQueue(kind);
    assertEquals("<" + kind + " maxsize=0>", q.toString());
    q.putNowait(1);
    q.putNowait(2);
    q.getNowait();
    q.getNowait();
    assertEquals("<" + kind + " maxsize=0 tasks=2>", q.toString());
  }

  @Test
  void lifoQueueReprListsItemsInInsertionOrder() {
    // as Python shows its list: the next item out is the last one
    LifoQueue<Integer> q = new LifoQueue<>();
    q.putNowait(1);
    q.putNowait(3);
    q.putNowait(2);
    assertEquals("<LifoQueue maxsize=0 _queue=[1, 3, 2] tasks=3>", q.toString());
  }

  // ------------------------------------------------------------------ shutdown (3.13)
  // CPython 3.13's Queue.shutdown (Lib/asyncio/queues.py and the asyncio-queue documentation): not in 3.11/3.12.

  @ParameterizedTest
  @ValueSource(strings = {"Queue", "LifoQueue", "PriorityQueue"})
  void afterShutdownPutsFailAndGetsTakeWhatIsLeftThenFail(String kind) {
    loop.runUntilComplete(async(() -> {
      Queue<Integer> q = newQueue(kind);
      q.putNowait(1);
      q.shutdown();
      assertThrows(QueueShutDown.class, () -> q.putNowait(2));
      assertThrows(QueueShutDown.class, () -> await(q.put(2)));
      assertEquals(1, await(q.get()));
      assertThrows(QueueShutDown.class, q::getNowait);
      assertThrows(QueueShutDown.class, () -> await(q.get()));
      assertEquals("<" + kind + " maxsize=0 tasks=1 shutdown>", q.toString());
      q.taskDone();
      await(q.join());
    }));
  }

  @Test
  void shutdownWakesTheWaitingGettersAndPuttersToFail() {
    List<String> log = loop.runUntilComplete(async(() -> {
      List<String> out = new ArrayList<>();
      Queue<Integer> empty = new Queue<>();
      Queue<Integer> full = new Queue<>(1);
      full.putNowait(0);
      List<Task<?>> waiters = List.of(createTask(empty.get()), createTask(empty.get()), createTask(full.put(1)));
      await(sleep(0));
      empty.shutdown();
      full.shutdown();
      for (Task<?> w : waiters) {
        try {
          await(w);
          out.add("returned");
        } catch (QueueShutDown e) {
          out.add("QueueShutDown");
        }
      }
      out.add("left in the full queue: " + full.getNowait());
      return out;
    }));
    assertEquals(List.of("QueueShutDown", "QueueShutDown", "QueueShutDown", "left in the full queue: 0"), log);
  }

  @Test
  void aWaitingGetterTakesAnItemPutBeforeTheShutdown() {
    List<Object> got = loop.runUntilComplete(async(() -> {
      Queue<Integer> q = new Queue<>();
      Task<Integer> getter = createTask(q.get());
      await(sleep(0));
      q.putNowait(5); // wakes the getter, which has not run yet
      q.shutdown();
      return List.of(await(getter), q.qsize());
    }));
    assertEquals(List.of(5, 0), got);
  }

  @Test
  void immediateShutdownDropsTheItemsMarksThemDoneAndReleasesJoin() {
    List<String> log = loop.runUntilComplete(async(() -> {
      List<String> out = new ArrayList<>();
      Queue<Integer> q = new Queue<>();
      q.putNowait(1);
      q.putNowait(2);
      q.putNowait(3);
      Task<Void> joiner = createTask(async(() -> {
        await(q.join());
        out.add("join released");
      }));
      await(sleep(0));
      q.shutdown(true);
      out.add("size " + q.qsize());
      assertThrows(QueueShutDown.class, () -> await(q.get()));
      await(joiner);
      return out;
    }));
    assertEquals(List.of("size 0", "join released"), log);
  }

  @Test
  void immediateShutdownLeavesTheItemsAlreadyTakenUnfinished() {
    List<String> log = loop.runUntilComplete(async(() -> {
      List<String> out = new ArrayList<>();
      Queue<Integer> q = new Queue<>();
      q.putNowait(1);
      q.putNowait(2);
      q.getNowait(); // taken, not done
      Task<Void> joiner = createTask(async(() -> {
        await(q.join());
        out.add("join released");
      }));
      q.shutdown(true);
      await(sleep(0.01));
      out.add("still joining: " + !joiner.done());
      q.taskDone();
      await(joiner);
      return out;
    }));
    assertEquals(List.of("still joining: true", "join released"), log);
  }
}
