"""The soak figure: the latency figure's open loop held for --soak-duration
over the same clients, the servers' RSS sampled meanwhile, to show a leak or
a slowdown that a 15 s figure cannot. See bench/README.md."""

import time

from common import f1, line, progress
from live import LATENCY_DRAIN_S, MAX_BACKLOG_S, open_loop_summary

SAMPLE_S = 5.0  # seconds between RSS samples
FIRST_MINUTE_S = 60.0
DEFAULT_RATE = 500.0  # messages/s when no throughput figure ran


class SoakFigure:
    """Part of run_bench.Bench: runs inside the live phase, after latency."""

    def soak(self, servers, tag: dict, connected: int, throughput_per_s: float | None) -> None:
        duration = self.args.soak_duration
        rate = self.args.soak_rate
        if rate is None:
            # Half of what this store and protocol delivered closed-loop: a
            # load it can hold for long, not its limit.
            rate = round(throughput_per_s / 2) if throughput_per_s else DEFAULT_RATE
        count = int(duration * rate)
        progress(f"  soak: {rate:g} messages/s for {duration:g} s")
        t0 = time.time() + 0.5
        self.workers.send("latency", {"t0": t0, "rate": rate, "count": count,
                                      "drain_s": LATENCY_DRAIN_S,
                                      "max_backlog_s": MAX_BACKLOG_S})
        # RSS every SAMPLE_S from the first send to the last one due.
        times = [i * SAMPLE_S for i in range(int(duration / SAMPLE_S) + 1)]
        if times[-1] < duration:
            times.append(duration)
        samples = []
        for at in times:
            time.sleep(max(0.0, t0 + at - time.time()))
            samples.append(servers.rss_kib())
        results = self.workers.collect("latency", LATENCY_DRAIN_S + 120)
        summary = open_loop_summary(results, count)
        # "The end of the first minute", or half-way through a run shorter
        # than two minutes (a smoke test), so that growth still means something.
        first_at = min(FIRST_MINUTE_S, duration / 2)
        first = samples[min(range(len(times)), key=lambda i: abs(times[i] - first_at))]
        end = samples[-1]
        progress("  soak RSS MiB every 5 s: " + " ".join(f"{kib / 1024:.0f}" for kib in samples))
        line("soak", **tag, processes=len(servers.pids), clients=connected,
             duration_s=f1(duration), rate=f"{rate:g}", sent=summary["sent"],
             delivered=summary["delivered"], errors=summary["errors"],
             p99_ms=summary["p99_ms"], rss_first_min_mib=f1(first / 1024),
             rss_end_mib=f1(end / 1024), rss_growth=f"{end / first - 1:.3f}",
             saturated=summary["saturated"])
