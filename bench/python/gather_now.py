"""CPython's peer: asyncio.gather of N coroutines that finish at once (no await in them).

python3 gather_now.py <n> <warm-up n>: see AsyncioGatherNow.java; the same rounds and figures.
"""
import asyncio
import gc
import sys
import time

from benchlib import cpu_seconds, int_arg, metric, peak_rss_mb


async def work():
    pass


def run_round(loop, n, prefix):
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    coros = [work() for _ in range(n)]
    results = loop.run_until_complete(asyncio.gather(*coros))
    t1 = time.perf_counter()
    if len(results) != n:
        raise RuntimeError(f"gather gave {len(results)} results, not {n}")
    metric(prefix + "elapsed_s", t1 - t0)
    metric(prefix + "per_coroutine_ns", (t1 - t0) * 1e9 / n)
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
