"""CPython's peer: N coroutines each awaiting asyncio.sleep(1), gathered, as asyncio's gather example writes it.

python3 sleeps.py <n> <warm-up n>: one warm-up round of the smaller size first, then the measured round
on the same loop; prints the measured round's elapsed time (from before the first coroutine is made to
the gather's end), its overhead beyond the 1 s sleep, its CPU time, and the process's peak RSS.
"""
import asyncio
import gc
import sys
import time

from benchlib import cpu_seconds, int_arg, metric, peak_rss_mb


async def do_some_work(x):
    await asyncio.sleep(x)


def run_round(loop, n, prefix):
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    coros = [do_some_work(1) for _ in range(n)]
    results = loop.run_until_complete(asyncio.gather(*coros))
    t1 = time.perf_counter()
    if len(results) != n:
        raise RuntimeError(f"gather gave {len(results)} results, not {n}")
    metric(prefix + "elapsed_s", t1 - t0)
    metric(prefix + "overhead_s", t1 - t0 - 1.0)
    metric(prefix + "cpu_s", cpu_seconds() - cpu0)


def main():
    n, warmup = int_arg(sys.argv[1]), int_arg(sys.argv[2])
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    if warmup > 0:
        run_round(loop, warmup, "warmup.")
        gc.collect()
    run_round(loop, n, "")
    metric("peak_rss_mb", peak_rss_mb())


if __name__ == "__main__":
    main()
