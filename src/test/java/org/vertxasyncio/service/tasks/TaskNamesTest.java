package org.vertxasyncio.service.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vertxasyncio.service.store.StoreException;

/** Task names from reserved blocks, with the reservations held and answered by the test. */
class TaskNamesTest {
  /** Reservations asked for, answered when the test says. */
  static final class Reserver {
    record Asked(int block, Promise<Long> promise) {
    }

    final List<Integer> blocks = new ArrayList<>();
    final List<Asked> pending = new ArrayList<>();
    long next = 1;

    Future<Long> reserve(int block) {
      blocks.add(block);
      Asked a = new Asked(block, Promise.promise());
      pending.add(a);
      return a.promise().future();
    }

    /** Commits the oldest reservation asked for. */
    void commit() {
      Asked a = pending.remove(0);
      long first = next;
      next += a.block();
      a.promise().complete(first);
    }

    void fail() {
      pending.remove(0).promise().fail(new StoreException("the disk is full (a test)"));
    }
  }

  @Test
  void namesAreTaskNInOrderFromTheReservedBlocks() {
    Reserver r = new Reserver();
    TaskNames names = new TaskNames(r::reserve);
    Future<List<String>> first = names.take(2);
    assertFalse(first.isComplete(), "nothing reserved yet: it waits for the store");
    assertEquals(List.of(TaskNames.BLOCK), r.blocks);
    r.commit();
    assertEquals(List.of("Task-1", "Task-2"), first.result());
    Future<List<String>> next = names.take(3);
    assertTrue(next.isComplete(), "reserved numbers are handed out at once");
    assertEquals(List.of("Task-3", "Task-4", "Task-5"), next.result());
    assertEquals(1, r.blocks.size(), "no new reservation while more than half a block is left");
  }

  @Test
  void theNextBlockIsReservedAheadSoTakersDoNotWait() {
    Reserver r = new Reserver();
    TaskNames names = new TaskNames(r::reserve);
    Future<List<String>> first = names.take(1);
    r.commit();
    List<String> given = new ArrayList<>(first.result());
    given.addAll(names.take(1).result());
    given.addAll(names.take(TaskNames.BLOCK / 2).result());
    assertEquals(2, r.blocks.size(), "half a block used: the next one is asked for");
    given.addAll(names.take(1).result());
    assertEquals(2, r.blocks.size(), "one reservation at a time");
    r.commit();
    Future<List<String>> across = names.take(TaskNames.BLOCK);
    assertTrue(across.isComplete(), "the block reserved ahead was there in time");
    given.addAll(across.result());
    for (int i = 0; i < given.size(); i++) {
      assertEquals("Task-" + (i + 1), given.get(i), "in order, none skipped");
    }
  }

  @Test
  void waitersAreServedInOrderAndABigRequestGetsWhatItLacks() {
    Reserver r = new Reserver();
    TaskNames names = new TaskNames(r::reserve);
    Future<List<String>> a = names.take(1);
    Future<List<String>> b = names.take(3 * TaskNames.BLOCK);
    assertEquals(1, r.blocks.size(), "one reservation at a time");
    r.commit();
    assertEquals(List.of("Task-1"), a.result());
    assertFalse(b.isComplete(), "the first block is too small for it");
    assertTrue(r.blocks.get(1) >= 3 * TaskNames.BLOCK - (TaskNames.BLOCK - 1), "the next reservation covers it: " + r.blocks);
    r.commit();
    assertEquals(3 * TaskNames.BLOCK, b.result().size());
    assertEquals("Task-2", b.result().get(0));
    assertEquals("Task-" + (3 * TaskNames.BLOCK + 1), b.result().get(b.result().size() - 1));
  }

  @Test
  void aFailedReservationFailsTheWaitersAndTheNextTakeAsksAgain() {
    Reserver r = new Reserver();
    TaskNames names = new TaskNames(r::reserve);
    Future<List<String>> a = names.take(1);
    r.fail();
    assertTrue(a.failed());
    assertSame(StoreException.class, a.cause().getClass());
    Future<List<String>> b = names.take(1);
    assertEquals(2, r.blocks.size(), "asked again");
    r.commit();
    assertEquals(List.of("Task-1"), b.result(), "the failed reservation reserved nothing");
    assertEquals(List.of(), names.take(0).result());
  }
}
