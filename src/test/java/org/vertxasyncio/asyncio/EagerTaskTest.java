package org.vertxasyncio.asyncio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vertxasyncio.asyncio.Asyncio.async;
import static org.vertxasyncio.asyncio.Asyncio.await;
import static org.vertxasyncio.asyncio.Asyncio.gather;
import static org.vertxasyncio.asyncio.Asyncio.sleep;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Eager tasks: {@code loop.set_task_factory(asyncio.eager_task_factory)} and
 * {@code create_eager_task_factory} are CPython 3.12's (not in 3.11); the behaviour here is read from 3.12's
 * and 3.13's Lib/asyncio/tasks.py ({@code Task.__eager_start}) and the "Eager Task Factory" section of the
 * asyncio-task documentation.
 */
class EagerTaskTest extends LoopTestBase {

  @Test
  void anEagerTaskRunsInsideCreateTaskUntilItFirstSuspends() {
    loop.setTaskFactory(Asyncio::eagerTaskFactory);
    List<String> log = loop.runUntilComplete(async(() -> {
      List<String> out = new ArrayList<>();
      Task<Void> t = Asyncio.createTask(async(() -> {
        out.add("child starts");
        await(sleep(0));
        out.add("child resumes");
      }));
      out.add("createTask returned");
      await(t);
      return out;
    }));
    assertEquals(List.of("child starts", "createTask returned", "child resumes"), log);
  }

  @Test
  void aCoroutineThatNeverSuspendsGivesATaskThatIsAlreadyDone() {
    loop.setTaskFactory(Asyncio::eagerTaskFactory);
    Object[] seen = loop.runUntilComplete(async(() -> {
      Task<Integer> t = Asyncio.createTask(async(() -> 42));
      return new Object[] {t.done(), t.result(), Asyncio.allTasks().contains(t)};
    }));
    assertEquals(true, seen[0]);
    assertEquals(42, seen[1]);
    assertEquals(false, seen[2]);
  }

  @Test
  void duringItsFirstStepTheEagerTaskIsTheCurrentTaskAndTheCreatorIsAfterwards() {
    loop.setTaskFactory(Asyncio::eagerTaskFactory);
    List<Object> seen = loop.runUntilComplete(async(() -> {
      List<Object> out = new ArrayList<>();
      Task<?> me = Asyncio.currentTask();
      Task<?>[] child = new Task<?>[1];
      child[0] = Asyncio.createTask(async(() -> {
        out.add(Asyncio.currentTask());
        out.add(Asyncio.allTasks().contains(Asyncio.currentTask()));
      }));
      out.add(child[0]);
      out.add(Asyncio.currentTask() == me);
      return out;
    }));
    assertSame(seen.get(0), seen.get(2), "the child was current in its own first step");
    assertEquals(true, seen.get(1), "and among all_tasks() then");
    assertEquals(true, seen.get(3), "the creator is current again");
  }

  @Test
  void anEagerTaskRunsInItsOwnCopyOfTheContext() {
    loop.setTaskFactory(Asyncio::eagerTaskFactory);
    ContextVar<String> var = new ContextVar<>("var", "unset");
    List<String> seen = loop.runUntilComplete(async(() -> {
      var.set("parent");
      Task<String> t = Asyncio.createTask(async(() -> {
        String before = var.get();
        var.set("child");
        return before;
      }));
      return List.of(t.result(), var.get(), t.getContext().get(var));
    }));
    assertEquals(List.of("parent", "parent", "child"), seen);
  }

  @Test
  void onALoopThatIsNotRunningAnEagerTaskStartsAsUsual() {
    loop.setTaskFactory(Asyncio::eagerTaskFactory);
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    Task<Void> t = loop.createTask(async(() -> {
      log.add("ran");
    }));
    assertFalse(t.done());
    assertEquals(List.of(), log);
    loop.runUntilComplete(t);
    assertEquals(List.of("ran"), log);
  }

  @Test
  void anEagerTaskKeepsItsNameAndGetsTheNextNumber() {
    loop.setTaskFactory(Asyncio::eagerTaskFactory);
    List<String> names = loop.runUntilComplete(async(() -> List.of(
        Asyncio.createTask(async(() -> 1), "named").getName(),
        Asyncio.createTask(async(() -> 1)).getName())));
    assertEquals("named", names.get(0));
    assertTrue(names.get(1).matches("Task-\\d+"), names.get(1));
  }

  static final class CountingTask<T> extends Task<T> {
    static int made;

    CountingTask(Coroutine<T> coro, EventLoop loop, String name, ContextVars context, boolean eagerStart) {
      super(coro, loop, name, context, eagerStart);
      made++;
    }
  }

  @Test
  void createEagerTaskFactoryUsesTheGivenConstructor() {
    CountingTask.made = 0;
    EventLoop.TaskFactory factory = Asyncio.createEagerTaskFactory(CountingTask::new);
    loop.setTaskFactory(factory);
    assertSame(factory, loop.getTaskFactory());
    Object[] r = loop.runUntilComplete(async(() -> {
      Task<Integer> t = Asyncio.createTask(async(() -> 7));
      return new Object[] {t.getClass(), t.done()};
    }));
    assertSame(CountingTask.class, r[0]);
    assertEquals(true, r[1], "started eagerly");
    assertEquals(2, CountingTask.made, "the main coroutine's task (made by the factory, not eager: the loop was stopped) and the child's");
    loop.setTaskFactory(null);
    assertNull(loop.getTaskFactory());
  }

  @Test
  void gatherAndTaskGroupWorkWithEagerTasks() {
    loop.setTaskFactory(Asyncio::eagerTaskFactory);
    List<Object> r = loop.runUntilComplete(async(() -> {
      List<Object> out = new ArrayList<>(await(gather(async(() -> 1), async(() -> {
        await(sleep(0.001));
        return 2;
      }))));
      out.add(TaskGroup.run(tg -> {
        Task<Integer> a = tg.createTask(async(() -> 3));
        Task<Integer> b = tg.createTask(async(() -> {
          await(sleep(0));
          return 4;
        }));
        return List.of(a, b);
      }).stream().map(Task::result).toList());
      return out;
    }));
    assertEquals(List.of(1, 2, List.of(3, 4)), r);
  }

  // CPython 3.13 (gh-128550): a task that fails eagerly still reaches the group through its done callback,
  // so the group cancels its parent only after the body's next await, not inside createTask
  @Test
  void anEagerTaskThatFailsAtOnceFailsItsGroupThroughItsDoneCallback() {
    loop.setTaskFactory(Asyncio::eagerTaskFactory);
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    ExceptionGroup eg = org.junit.jupiter.api.Assertions.assertThrows(ExceptionGroup.class, () -> loop.runUntilComplete(async(() -> {
      TaskGroup.run(tg -> {
        tg.createTask(async(() -> {
          throw new IllegalArgumentException("at once");
        }));
        log.add("body goes on after createTask");
        await(sleep(1));
        log.add("not reached");
        return null;
      });
    })));
    assertEquals("at once", eg.exceptions().get(0).getMessage());
    assertEquals(List.of("body goes on after createTask"), log);
  }
}
