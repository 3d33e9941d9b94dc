"""CPython's peer for the streams suite: an echo server (asyncio.start_server) and its client
(asyncio.open_connection) on one loop, over TCP on loopback, as AsyncioStreams writes them in Java.

python3 streams.py <round trips> <bulk bytes> <warm-up round trips> <warm-up bulk bytes>: a warm-up of
each workload, then
- round trips: write of a 64-byte message, drain, readexactly(64) of the echo, one at a time:
  round_trips_per_s, cpu_per_round_trip_us;
- bulk: the client writes 64 KiB chunks with a drain after each while a task of the same loop reads the
  echo back with read(65536): bulk_mb_per_s (10^6 bytes), cpu_per_mb_ms.
The server echoes with read(65536), write, drain.
"""
import asyncio
import gc
import sys
import time

from benchlib import cpu_seconds, int_arg, metric, peak_rss_mb

MESSAGE = 64
CHUNK = 64 * 1024


async def echo(reader, writer):
    while True:
        data = await reader.read(CHUNK)
        if not data:
            break
        writer.write(data)
        await writer.drain()
    writer.close()


async def round_trips(reader, writer, n, prefix):
    message = b'x' * MESSAGE
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    for _ in range(n):
        writer.write(message)
        await writer.drain()
        back = await reader.readexactly(MESSAGE)
        if back[-1:] != b'x':
            raise RuntimeError("the echo changed the message")
    elapsed = time.perf_counter() - t0
    cpu = cpu_seconds() - cpu0
    metric(prefix + "round_trips_per_s", n / elapsed)
    metric(prefix + "cpu_per_round_trip_us", cpu / n * 1e6)


async def bulk(reader, writer, total, prefix):
    chunk = b'y' * CHUNK

    async def read_all():
        got = 0
        while got < total:
            data = await reader.read(CHUNK)
            if not data:
                raise RuntimeError(f"the echo ended after {got} of {total} bytes")
            got += len(data)
        return got

    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    reading = asyncio.create_task(read_all())
    sent = 0
    while sent < total:
        writer.write(chunk)
        await writer.drain()
        sent += CHUNK
    got = await reading
    elapsed = time.perf_counter() - t0
    cpu = cpu_seconds() - cpu0
    if got != total:
        raise RuntimeError(f"read {got} bytes, not {total}")
    metric(prefix + "bulk_mb_per_s", total / 1e6 / elapsed)
    metric(prefix + "cpu_per_mb_ms", cpu / (total / 1e6) * 1e3)


async def main(n, total, warm_n, warm_total):
    server = await asyncio.start_server(echo, '127.0.0.1', 0)
    reader, writer = await asyncio.open_connection('127.0.0.1', server.sockets[0].getsockname()[1])
    await round_trips(reader, writer, warm_n, "warmup.")
    await bulk(reader, writer, warm_total, "warmup.")
    gc.collect()
    await round_trips(reader, writer, n, "")
    await bulk(reader, writer, total, "")
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main(int_arg(sys.argv[1]), int_arg(sys.argv[2]), int_arg(sys.argv[3]), int_arg(sys.argv[4])))
    metric("peak_rss_mb", peak_rss_mb())
