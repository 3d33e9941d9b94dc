"""CPython's peer, timer lateness: N coroutines each sleeping until an instant due 1..max ms (random, the
same for every peer) after a set-up allowance, gathered; each records (resume - due) right after its
`await asyncio.sleep(...)` returns.

python3 lateness.py <n> <max ms> <allowance ms> <seed> <warm-up n>: see AsyncioLateness.java; the same
rounds, delays and figures.
"""
import asyncio
import gc
import sys
import time

from benchlib import delays_ms, int_arg, lateness, metric, peak_rss_mb


def run_round(loop, n, max_ms, allowance_ms, seed, prefix):
    delays = delays_ms(n, max_ms, seed)
    late = [0.0] * n
    started = 0
    setup_end = 0.0
    start = time.monotonic()  # loop.time() is time.monotonic(), as Java's System.nanoTime() is CLOCK_MONOTONIC
    base = start + allowance_ms / 1e3
    due = [base + d / 1e3 for d in delays]

    async def sleeper(k):
        nonlocal started, setup_end
        when = due[k]
        started += 1
        if started == n:
            setup_end = time.monotonic()
        await asyncio.sleep(when - time.monotonic())
        late[k] = time.monotonic() - when

    coros = [sleeper(k) for k in range(n)]
    loop.run_until_complete(asyncio.gather(*coros))
    metric(prefix + "setup_s", setup_end - start)
    metric(prefix + "due_during_setup", sum(1 for d in due if d < setup_end))
    lateness(prefix, late)


def main():
    n, max_ms, allowance_ms = int_arg(sys.argv[1]), int_arg(sys.argv[2]), int_arg(sys.argv[3])
    seed, warmup = int(sys.argv[4]), int_arg(sys.argv[5])
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    if warmup > 0:
        run_round(loop, warmup, max(1, max_ms // 10), allowance_ms // 4, seed + 1, "warmup.")
        gc.collect()
    run_round(loop, n, max_ms, allowance_ms, seed, "")
    metric("peak_rss_mb", peak_rss_mb())


if __name__ == "__main__":
    main()
