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

  // ------------------------------------------------------------------ the object (CPython 3.11-3.13 agree)

  @Test
  void aGroupIsMadeFirstAndEnteredLater() {
    List<Object> r = loop.runUntilComplete(async(() -> {
      TaskGroup tg = new TaskGroup();
      assertEquals("<TaskGroup>", tg.toString());
      Task<String> t = tg.asyncWith(g -> {
        assertSame(tg, g);
        assertEquals("<TaskGroup entered>", g.toString());
        return g.createTask(GatherTest.after(0.01, "x"), "named");
      });
      return List.of(t.done(), t.result(), t.getName());
    }));
    assertEquals(List.of(true, "x", "named"), r);
  }

  @Test
  void createTaskBeforeTheGroupIsEnteredIsRefused() {
    TaskGroup tg = new TaskGroup();
    Coroutine<Integer> c = async(() -> 1);
    assertEquals("TaskGroup <TaskGroup> has not been entered",
        assertThrows(IllegalStateException.class, () -> tg.createTask(c)).getMessage());
  }

  @Test
  void aGroupCannotBeEnteredTwice() {
    String msg = loop.runUntilComplete(async(() -> {
      TaskGroup tg = new TaskGroup();
      tg.asyncWith(g -> null);
      try {
        tg.asyncWith(g -> null);
        return "entered again";
      } catch (IllegalStateException e) {
        return e.getMessage();
      }
    }));
    assertEquals("TaskGroup <TaskGroup entered> has already been entered", msg);
  }

  @Test
  void createTaskAfterExitSaysTheGroupIsFinished() {
    String msg = loop.runUntilComplete(async(() -> {
      TaskGroup tg = new TaskGroup();
      tg.asyncWith(g -> null);
      try {
        tg.createTask(async(() -> 1));
        return "created";
      } catch (IllegalStateException e) {
        return e.getMessage();
      }
    }));
    assertEquals("TaskGroup <TaskGroup entered> is finished", msg);
  }

  @Test
  void enteringInACallbackCannotDetermineTheParentTask() {
    String[] msg = new String[1];
    loop.callSoon(() -> {
      try {
        new TaskGroup().aenter();
      } catch (IllegalStateException e) {
        msg[0] = e.getMessage();
      }
      loop.stop();
    });
    loop.runForever();
    assertEquals("TaskGroup <TaskGroup> cannot determine the parent task", msg[0]);
  }

  @Test
  void enteringWithNoRunningLoopSaysSo() {
    assertEquals("no running event loop",
        assertThrows(IllegalStateException.class, () -> new TaskGroup().aenter()).getMessage());
  }

  @Test
  void aenterAndAexitAreTheBlocksEdges() {
    List<String> log = loop.runUntilComplete(async(() -> {
      List<String> out = new ArrayList<>();
      TaskGroup tg = new TaskGroup();
      assertSame(tg, tg.aenter());
      tg.createTask(async(() -> {
        await(sleep(0.01));
        out.add("task done");
      }));
      out.add("body done");
      tg.aexit(null); // waits for the task
      out.add("exited");
      return out;
    }));
    assertEquals(List.of("body done", "task done", "exited"), log);
  }

  @Test
  void aexitThrowsTheBodysFailureWithTheTasksInAnExceptionGroup() {
    IllegalArgumentException body = new IllegalArgumentException("body");
    // async with tg: tg.create_task(fails()); try: await sleep(1) except CancelledError: raise ValueError('body')
    ExceptionGroup eg = assertThrows(ExceptionGroup.class, () -> loop.runUntilComplete(async(() -> {
      TaskGroup tg = new TaskGroup().aenter();
      tg.createTask(async(() -> {
        throw new IllegalStateException("task");
      }));
      Throwable blockEnded = null;
      try {
        await(sleep(1)); // the failing task cancels the group's parent: this one
      } catch (CancelledError e) {
        blockEnded = body;
      }
      tg.aexit(blockEnded);
    })));
    assertEquals(List.of("task", "body"), eg.exceptions().stream().map(Throwable::getMessage).toList());
  }

  @Test
  void aexitOfAGroupNeverEnteredOrAlreadyExitedIsRefused() {
    assertEquals("TaskGroup <TaskGroup> has not been entered",
        assertThrows(IllegalStateException.class, () -> new TaskGroup().aexit(null)).getMessage());
    String msg = loop.runUntilComplete(async(() -> {
      TaskGroup tg = new TaskGroup().aenter();
      tg.aexit(null);
      try {
        tg.aexit(null);
        return "exited twice";
      } catch (IllegalStateException e) {
        return e.getMessage();
      }
    }));
    assertEquals("TaskGroup <TaskGroup entered> has already been exited", msg);
  }

  @Test
  void createTaskTakesAContext() {
    ContextVar<String> var = new ContextVar<>("var", "unset");
    ContextVars ctx = new ContextVars();
    ctx.run(() -> var.set("given"));
    String seen = loop.runUntilComplete(async(() -> TaskGroup.run(tg -> tg.createTask(async(() -> var.get()), null, ctx)).result()));
    assertEquals("given", seen);
  }
}
