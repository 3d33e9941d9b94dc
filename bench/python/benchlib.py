"""What every CPython benchmark program reports, in the lines bench/run.sh reads: METRIC <key>=<value>.

Standard library only. Peak RSS is resource.getrusage(RUSAGE_SELF).ru_maxrss (KiB on Linux): the
process's high-water mark, the same kernel figure as VmHWM, which the Java programs print.
"""
import math
import resource
import time


def metric(key, value):
    print(f"METRIC {key}={float(value)!r}", flush=True)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def cpu_seconds():
    return time.process_time()


def int_arg(s):
    return int(s.replace("_", ""))


def delays_ms(n, max_ms, seed):
    """The lateness workload's delays, 1..max_ms: the same sequence as Probe.delaysMs in Java."""
    out = []
    x = seed
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out.append(1 + x % max_ms)
    return out


def lateness(prefix, lateness_s):
    """p50, p99 and max (nearest rank) of lateness values in seconds, printed in ms."""
    s = sorted(lateness_s)

    def rank(q):
        i = math.ceil(q * len(s)) - 1
        return s[max(0, min(len(s) - 1, i))]

    metric(prefix + "p50_ms", rank(0.50) * 1e3)
    metric(prefix + "p99_ms", rank(0.99) * 1e3)
    metric(prefix + "max_ms", s[-1] * 1e3)
    metric(prefix + "min_ms", s[0] * 1e3)
