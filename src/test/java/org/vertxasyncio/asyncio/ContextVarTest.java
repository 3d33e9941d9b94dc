package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.gather;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

/**
 * {@link ContextVar} and {@link ContextVars}: Python's {@code contextvars}, and how asyncio uses them
 * (checked against CPython 3.11; {@code Task.get_context()} is 3.12's, read from its Lib/asyncio/tasks.py).
 */
class ContextVarTest extends LoopTestBase {
  private final ContextVar<String> var = new ContextVar<>("var", "unset");

  private Coroutine<Void> child(List<String> log, String name) {
    return async(() -> {
      log.add(name + " starts with " + var.get());
      var.set(name);
      await(sleep(0));
      log.add(name + " ends with " + var.get());
    });
  }

  // the same program in CPython 3.11 prints these lines, in this order
  @Test
  void eachTaskAndCallbackRunsInTheContextOfWhereItWasScheduled() {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    loop.runUntilComplete(async(() -> {
      var.set("parent");
      Task<Void> t = Asyncio.createTask(child(log, "a"));
      var.set("parent-later");
      await(t);
      log.add("parent sees " + var.get());
      EventLoop loop = Asyncio.getRunningLoop();
      loop.callSoon(() -> log.add("callback sees " + var.get()));
      var.set("after call_soon");
      await(sleep(0));
      AsyncFuture<Integer> fut = loop.createFuture();
      fut.addDoneCallback(f -> log.add("done callback sees " + var.get()));
      var.set("after add_done_callback");
      fut.setResult(1);
      await(sleep(0));
      ContextVars ctx = new ContextVars();
      loop.callSoon(() -> log.add("given context: " + var.get()), ctx);
      await(sleep(0));
      Task<Void> t2 = Asyncio.createTask(child(log, "b"), null, ctx);
      await(t2);
      log.add("ctx after b: " + ctx.get(var));
      log.add("to_thread sees " + await(Asyncio.toThread(var::get)));
      loop.callSoon(() -> var.set("set in callback"));
      await(sleep(0));
      log.add("parent after callback set: " + var.get());
      loop.callSoon(() -> log.add("next callback sees " + var.get()));
      await(sleep(0));
    }));
    assertEquals(List.of(
        "a starts with parent",
        "a ends with a",
        "parent sees parent-later",
        "callback sees parent-later",
        "done callback sees after call_soon",
        "given context: unset",
        "b starts with unset",
        "b ends with b",
        "ctx after b: b",
        "to_thread sees after add_done_callback",
        "parent after callback set: after add_done_callback",
        "next callback sees after add_done_callback"), log);
  }

  @Test
  void siblingTasksDoNotSeeEachOthersValues() {
    List<String> seen = loop.runUntilComplete(async(() -> {
      var.set("request");
      List<String> out = Collections.synchronizedList(new ArrayList<>());
      await(gather(async(() -> {
        var.set("first");
        await(sleep(0.2)); // long after the second's turn, however loaded the machine
        out.add("first sees " + var.get());
      }), async(() -> {
        await(sleep(0));
        out.add("second sees " + var.get());
        var.set("second");
      })));
      out.add("parent sees " + var.get());
      return out;
    }));
    assertEquals(List.of("second sees request", "first sees first", "parent sees request"), seen);
  }

  @Test
  void taskGetContextIsTheContextItRunsIn() {
    ContextVars given = new ContextVars();
    Task<String> t = loop.createTask(async(() -> {
      var.set("in task");
      return var.get();
    }), null, given);
    assertSame(given, t.getContext());
    assertEquals("in task", loop.runUntilComplete(t));
    assertEquals("in task", given.get(var));
    Task<Void> other = loop.createTask(async(() -> { }));
    assertFalse(other.getContext() == given);
    loop.runUntilComplete(other);
  }

  // a task made where no variable has a value holds no context object until it needs one: what it does
  // with its context must not show the difference
  @Test
  void aTaskMadeInAnEmptyContextKeepsWhatItSetsAcrossItsStepsAndSeesNoOneElses() {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    Task<Void> quiet = loop.createTask(async(() -> {
      await(sleep(0));
      log.add("quiet sees " + var.get());
      await(sleep(0));
      log.add("quiet still sees " + var.get());
    }));
    Task<Void> setter = loop.createTask(async(() -> {
      log.add("setter starts with " + var.get());
      ContextVar.Token<String> token = var.set("setter");
      await(sleep(0));
      log.add("setter sees " + var.get());
      var.reset(token); // a token of one step resets in a later one: the same context
      log.add("setter after reset sees " + var.get());
      await(sleep(0));
    }));
    Task<ContextVars> asker = loop.createTask(async(() -> {
      ContextVars mine = Asyncio.currentTask().getContext();
      await(sleep(0));
      assertSame(mine, Asyncio.currentTask().getContext());
      return mine;
    }));
    Task<Void> later = loop.createTask(async(() -> {
      await(sleep(0));
      await(sleep(0));
      log.add("later sees " + var.get());
    }));
    loop.runUntilComplete(gather(quiet, setter, asker, later));
    assertEquals(List.of("setter starts with unset", "quiet sees unset", "setter sees setter",
        "setter after reset sees unset", "quiet still sees unset", "later sees unset"), log);
    assertSame(asker.result(), asker.getContext());
    ContextVars before = quiet.getContext();
    assertSame(before, quiet.getContext());
    assertEquals(0, before.size());
    assertFalse(before == later.getContext());
  }

  @Test
  void anEagerTaskStartedInsideAStepHasAContextOfItsOwn() {
    List<String> log = new ArrayList<>();
    loop.runUntilComplete(async(() -> {
      Task<Void> eager = new Task<>(async(() -> {
        var.set("eager");
        log.add("eager sees " + var.get());
        await(sleep(0));
        log.add("eager still sees " + var.get());
      }), Asyncio.getRunningLoop(), null, null, true);
      log.add("parent sees " + var.get());
      await(eager);
      log.add("parent still sees " + var.get());
    }));
    assertEquals(List.of("eager sees eager", "parent sees unset", "eager still sees eager", "parent still sees unset"), log);
  }

  @Test
  void timersAndDoneCallbacksTakeAGivenContext() {
    ContextVars ctx = new ContextVars();
    ctx.run(() -> var.set("ctx"));
    List<String> log = new ArrayList<>();
    AsyncFuture<Integer> fut = loop.createFuture();
    fut.addDoneCallback(f -> log.add("done callback: " + var.get()), ctx);
    loop.callLater(0.001, () -> log.add("callLater: " + var.get()), ctx);
    loop.callAt(loop.time() + 0.002, () -> log.add("callAt: " + var.get()), ctx);
    loop.callSoonThreadsafe(() -> fut.setResult(1), ctx);
    loop.runUntilComplete(async(() -> {
      for (int i = 0; i < 1000 && log.size() < 3; i++) {
        await(sleep(0.005));
      }
    }));
    assertEquals(java.util.Set.of("done callback: ctx", "callLater: ctx", "callAt: ctx"), new java.util.HashSet<>(log));
    assertEquals(3, log.size());
  }

  @Test
  void getWithoutAValueOrADefaultIsALookupError() {
    ContextVar<Integer> noDefault = new ContextVar<>("n");
    NoSuchElementException e = assertThrows(NoSuchElementException.class, noDefault::get);
    assertTrue(e.getMessage().matches("<ContextVar name='n' at 0x[0-9a-f]+>"), e.getMessage());
    assertEquals(5, noDefault.get(5));
    assertEquals("unset", var.get());
    assertEquals("method default", var.get("method default"), "get(default) prefers its own default");
    assertTrue(var.toString().matches("<ContextVar name='var' default='unset' at 0x[0-9a-f]+>"), var.toString());
  }

  @Test
  void setGivesATokenThatResetsOnce() {
    ContextVars ctx = new ContextVars();
    ctx.run(() -> {
      ContextVar.Token<String> t1 = var.set("one");
      assertSame(ContextVar.Token.MISSING, t1.getOldValue());
      assertSame(var, t1.getVar());
      ContextVar.Token<String> t2 = var.set("two");
      assertEquals("one", t2.getOldValue());
      var.reset(t2);
      assertEquals("one", var.get());
      IllegalStateException used = assertThrows(IllegalStateException.class, () -> var.reset(t2));
      assertTrue(used.getMessage().matches("<Token used var=<ContextVar name='var' default='unset' at 0x[0-9a-f]+> at 0x[0-9a-f]+> has already been used once"),
          used.getMessage());
      var.reset(t1);
      assertFalse(ctx.containsKey(var));
      assertEquals("unset", var.get());
    });
  }

  @Test
  void resetRefusesAnotherVariablesOrAnotherContextsToken() {
    ContextVar<String> other = new ContextVar<>("other");
    ContextVars a = new ContextVars();
    ContextVar.Token<String> token = a.run(() -> var.set("x"));
    a.run(() -> assertTrue(assertThrows(IllegalArgumentException.class, () -> other.reset(token))
        .getMessage().endsWith(" was created by a different ContextVar")));
    new ContextVars().run(() -> assertTrue(assertThrows(IllegalArgumentException.class, () -> var.reset(token))
        .getMessage().endsWith(" was created in a different Context")));
  }

  @Test
  void aContextCannotBeEnteredTwice() {
    ContextVars ctx = new ContextVars();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ctx.run(() -> ctx.run(() -> { })));
    assertTrue(e.getMessage().matches("cannot enter context: <ContextVars vars=0 at 0x[0-9a-f]+> is already entered"), e.getMessage());
  }

  @Test
  void aCopyIsASnapshot() {
    ContextVars ctx = new ContextVars();
    ContextVars copy = ctx.run(() -> {
      var.set("before");
      ContextVars c = ContextVars.copyContext();
      var.set("after");
      return c;
    });
    assertEquals("before", copy.get(var));
    assertEquals("after", ctx.get(var));
    assertEquals(1, copy.size());
    assertEquals(java.util.Set.of(var), copy.keys());
    assertEquals(java.util.Map.of(var, "before"), copy.items());
    assertNull(new ContextVars().get(var), "a context's get ignores the variable's default");
    assertEquals("d", new ContextVars().get(var, "d"));
    ContextVars second = copy.copy();
    assertEquals("before", second.get(var));
    assertFalse(second == copy);
  }

  @Test
  void runGivesTheResultAndTheExceptionAsTheyAre() {
    ContextVars ctx = new ContextVars();
    assertEquals(3, ctx.run(() -> 3));
    java.io.IOException boom = new java.io.IOException("boom");
    assertSame(boom, assertThrows(java.io.IOException.class, () -> ctx.run(() -> {
      throw boom;
    })));
    assertEquals("unset", var.get(), "the caller's context is current again");
  }
}
