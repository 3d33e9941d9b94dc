"""CPython's per-operation costs: the twins of OpsBench.java's benchmarks, with the same drivers and batches.

python3 ops.py <warm-up iterations> <measured iterations> <seconds per iteration> [name...]

Measured as JMH measures the Java side: each iteration calls the benchmark function (one batch of
operations run by loop.run_until_complete) until the iteration's time is up, and scores elapsed time /
operations; warm-up iterations are thrown away; the figure is the median of the measured iterations.
Prints METRIC <name>.ns_per_op=<median> and each measured iteration's score, <name>.iter<k>.
"""
import asyncio
import statistics
import sys
import time

from benchlib import metric

BATCH = 10_000
AWAIT_DONE_BATCH = 1_000_000
YIELD_TASKS = 100
YIELDS_PER_TASK = 1_000
CALL_SOON_BATCH = 100_000
DONE_FUTURES = 1024


def run_empty(loop):
    """The hand-off alone: run_until_complete of a coroutine that returns at once (per call)."""
    async def one():
        return 1
    return loop.run_until_complete(one())


def countdown(loop, n):
    """A pending future and a done callback that finishes it after n calls, summing results."""
    all_done = loop.create_future()
    left = n
    total = 0

    def cb(f):
        nonlocal left, total
        total += f.result()
        left -= 1
        if left == 0:
            all_done.set_result(total)
    return all_done, cb


def future_callback(loop):
    """create_future + add_done_callback + set_result, and the callback run by the loop."""
    async def driver():
        all_done, cb = countdown(loop, BATCH)
        for i in range(BATCH):
            f = loop.create_future()
            f.add_done_callback(cb)
            f.set_result(i)
        return await all_done
    return loop.run_until_complete(driver())


async def value(v):
    return v


def task_callback(loop):
    """create_task of a coroutine that returns at once + add_done_callback, run to the callback."""
    async def driver():
        all_done, cb = countdown(loop, BATCH)
        for i in range(BATCH):
            t = loop.create_task(value(i))
            t.add_done_callback(cb)
        return await all_done
    return loop.run_until_complete(driver())


def await_done(loop, done_futures=[]):
    """await of a future that is already done (no suspension), 1,024 of them in turn."""
    if not done_futures:
        for i in range(DONE_FUTURES):
            f = loop.create_future()
            f.set_result(i & 1)
            done_futures.append(f)
    futs = done_futures

    async def driver():
        s = 0
        for i in range(AWAIT_DONE_BATCH):
            s += await futs[i & (DONE_FUTURES - 1)]
        return s
    return loop.run_until_complete(driver())


def await_yield(loop):
    """await with a real suspend and resume: asyncio.sleep(0) in 100 concurrent tasks, gathered."""
    async def yielder():
        for _ in range(YIELDS_PER_TASK):
            await asyncio.sleep(0)

    async def driver():
        return await asyncio.gather(*[yielder() for _ in range(YIELD_TASKS)])
    return loop.run_until_complete(driver())


def call_soon(loop):
    """loop.call_soon of a callback, and the loop running it."""
    async def driver():
        all_done = loop.create_future()
        left = CALL_SOON_BATCH

        def cb():
            nonlocal left
            left -= 1
            if left == 0:
                all_done.set_result(0)
        for _ in range(CALL_SOON_BATCH):
            loop.call_soon(cb)
        return await all_done
    return loop.run_until_complete(driver())


BENCHMARKS = {
    "run_empty": (run_empty, 1),
    "future_callback": (future_callback, BATCH),
    "task_callback": (task_callback, BATCH),
    "await_done": (await_done, AWAIT_DONE_BATCH),
    "await_yield": (await_yield, YIELD_TASKS * YIELDS_PER_TASK),
    "call_soon": (call_soon, CALL_SOON_BATCH),
}


def iteration(loop, fn, ops, seconds):
    n = 0
    t0 = time.perf_counter()
    deadline = t0 + seconds
    while True:
        fn(loop)
        n += 1
        t = time.perf_counter()
        if t >= deadline:
            return (t - t0) * 1e9 / (n * ops)


def main():
    warmups, iterations, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    names = sys.argv[4:] or list(BENCHMARKS)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    for name in names:
        fn, ops = BENCHMARKS[name]
        for _ in range(warmups):
            iteration(loop, fn, ops, seconds)
        scores = [iteration(loop, fn, ops, seconds) for _ in range(iterations)]
        metric(name + ".ns_per_op", statistics.median(scores))
        for k, score in enumerate(scores, 1):
            metric(f"{name}.iter{k}", score)


if __name__ == "__main__":
    main()
