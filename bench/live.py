"""The figures with --clients connected: ceiling (against the bare relay), rss,
throughput, latency at each --rate, soak and scaling. See bench/README.md."""

import os
import sys
import time

from common import BENCH, RUN, cpu_seconds, f1, f2, line, percentile, progress
from processes import Servers

WARMUP_S = 2.0  # closed loops run this long before the counted window
THROUGHPUT_DRAIN_S = 5.0
LATENCY_DRAIN_S = 10.0
MAX_BACKLOG_S = 2.0  # the open loops stop offering once this much waits


def open_loop_summary(results: list[dict], offered: int) -> dict:
    """The workers' results of one open loop (their `latency` command)."""
    ms = [s * 1000 for r in results for s in r["latencies"]]
    lag = [s * 1000 for r in results for s in r["lag"]]
    sent = sum(r["sent"] for r in results)
    # A message not delivered by the end counts as infinitely late.
    every = ms + [float("inf")] * (sent - len(ms))
    return {"p50_ms": f1(percentile(every, 0.5)), "p99_ms": f1(percentile(every, 0.99)),
            "max_delivered_ms": f1(max(ms, default=float("nan"))),
            "offered": offered, "sent": sent, "delivered": f"{len(ms)}/{sent}",
            "saturated": "yes" if any(r["saturated"] for r in results) else "no",
            "errors": sum(r["errors"] for r in results),
            "unanswered": sum(r["unanswered"] for r in results),
            "gen_lag_p99_ms": f1(percentile(lag, 0.99))}


class LiveFigures:
    """Part of run_bench.Bench: the phases with live clients."""

    def measure_ceiling(self, version: int) -> None:
        progress(f"bare relay, protocol {version}")
        relay = Servers(self.workdir, f"bare-v{version}",
                        [sys.executable, os.path.join(BENCH, "bare_server.py")],
                        dict(os.environ, BENCH_JWT_SECRET=self.secret))
        self.servers.append(relay)
        try:
            relay.start(1)
            connected = self.connect(f"{RUN}-bare{version}", version, relay.ports, bare=True)
            self.chats()
            result = self.throughput(relay)
            self.close_clients()
        finally:
            relay.stop()
            self.servers.remove(relay)
        self.ceiling[version] = result["delivered_per_s"]
        line("ceiling", server="bare", protocol=version, processes=1, clients=connected,
             duration_s=f1(self.args.duration), sent_per_s=f1(result["sent_per_s"]),
             delivered_per_s=f1(result["delivered_per_s"]),
             delivered=f"{result['delivered']}/{result['acked']}", errors=result["errors"],
             server_cpu=result["server_cpu"], gen_cpu=result["gen_cpu"])

    def throughput(self, servers: Servers) -> dict:
        """Closed loop over every connected pair (see README); also the CPU
        the servers and the load generator used in the counted window."""
        duration = self.args.duration
        start_at = time.time() + 0.3
        window = (start_at + WARMUP_S, start_at + WARMUP_S + duration)
        self.workers.send("throughput", {"start_at": start_at, "end_at": window[1],
                                         "drain_s": THROUGHPUT_DRAIN_S})
        time.sleep(max(0.0, window[0] - time.time()))
        server_cpu, gen_cpu = cpu_seconds(servers.pids), cpu_seconds(self.workers.pids)
        time.sleep(max(0.0, window[1] - time.time()))
        server_cpu = cpu_seconds(servers.pids) - server_cpu
        gen_cpu = cpu_seconds(self.workers.pids) - gen_cpu
        results = self.workers.collect("throughput", THROUGHPUT_DRAIN_S + 120)
        acks = [t for r in results for t in r["acks"]]
        deliveries = [t for r in results for t in r["deliveries"]]
        errors = sum(r["errors"] for r in results)
        if errors:
            progress(f"  errors: {[s for r in results for s in r['error_samples']][:3]}")
        return {
            "sent_per_s": sum(window[0] <= t < window[1] for t in acks) / duration,
            "delivered_per_s": sum(window[0] <= t < window[1] for t in deliveries) / duration,
            "delivered": len(deliveries), "acked": len(acks), "errors": errors,
            "server_cpu": f2(server_cpu / duration), "gen_cpu": f2(gen_cpu / duration),
        }

    def latency(self, rate: float) -> dict:
        duration = self.args.duration
        count = int(duration * rate)
        results = self.workers.call(
            "latency", {"t0": time.time() + 0.5, "rate": rate, "count": count,
                        "drain_s": LATENCY_DRAIN_S, "max_backlog_s": MAX_BACKLOG_S},
            duration + LATENCY_DRAIN_S + 120)
        return open_loop_summary(results, count)

    def warm_up(self, servers: Servers, local, version: int, prefix: str) -> None:
        """4 pairs of `prefix` (registered already) go through every step once,
        so that a baseline taken next has every code path loaded and every
        pool grown; then the servers go idle."""
        self.connect(prefix, version, servers.ports, pairs=4)
        self.chats()
        self.workers.call("latency", {"t0": time.time() + 0.1, "rate": 50, "count": 40,
                                      "drain_s": 5}, 60)
        self.close_clients()
        self.settle(servers, local)
        time.sleep(1)

    def live_figures(self, database_url: str, version: int) -> None:
        """rss, throughput, latency, soak and scaling, with --clients connected."""
        args, figures, store = self.args, self.figures(), self.store
        n = args.processes
        tag = {"store": store, "protocol": version}
        progress(f"{store}, protocol {version}, {n} server process(es)")
        servers = self.messenger(database_url, f"{store}-v{version}")
        try:
            servers.start(n)
            local = self.local(database_url)
            prefix, warm = f"{RUN}-v{version}", f"{RUN}-v{version}-warm"
            # Users are registered beforehand, as the booking platform does, so
            # that the connections measured below are only connections.
            started = time.time()
            local.register(self.users(prefix) + self.users(warm, 4))
            progress(f"  registered {args.clients + 8} users in {time.time() - started:.1f} s;"
                     f" views caught up in {local.caught_up(args.catchup_timeout):.1f} s")
            self.warm_up(servers, local, version, warm)
            before = servers.rss_kib()
            connected = self.connect(prefix, version, servers.ports)
            time.sleep(2)
            after = servers.rss_kib()
            if "rss" in figures:
                line("rss", **tag, processes=n, idle_connections=connected,
                     kib_per_connection=f1((after - before) / max(connected, 1)),
                     rss_before_mib=f1(before / 1024), rss_after_mib=f1(after / 1024))
            self.chats()
            measured: dict[int, float] = {}
            if figures & {"throughput", "scaling"}:
                result = self.throughput(servers)
                measured[n] = result["delivered_per_s"]
                if "throughput" in figures:
                    ceiling = self.ceiling.get(version, float("nan"))
                    line("throughput", **tag, processes=n, clients=connected,
                         duration_s=f1(args.duration), sent_per_s=f1(result["sent_per_s"]),
                         delivered_per_s=f1(result["delivered_per_s"]),
                         delivered=f"{result['delivered']}/{result['acked']}",
                         errors=result["errors"], ceiling_per_s=f1(ceiling),
                         of_ceiling=f2(result["delivered_per_s"] / ceiling),
                         server_cpu=result["server_cpu"], gen_cpu=result["gen_cpu"])
                self.settle(servers, local)
            if "latency" in figures:
                for i, rate in enumerate(args.rate):
                    if i:
                        self.settle(servers, local)  # a saturated rate's queue is not the next's
                    line("latency", **tag, processes=n, clients=connected, rate=f"{rate:g}",
                         duration_s=f1(args.duration), **self.latency(rate))
            if "soak" in figures:
                self.settle(servers, local)
                self.soak(servers, tag, connected, measured.get(n))
            self.close_clients()
            if "scaling" in figures:
                for count in (1, 2):
                    if count in measured:
                        continue
                    self.settle(servers, local)
                    if count > len(servers.processes):
                        servers.start(count - len(servers.processes))
                    else:
                        servers.stop(keep=count)
                    progress(f"  scaling: {count} server process(es)")
                    self.connect(prefix, version, servers.ports)
                    self.chats()
                    measured[count] = self.throughput(servers)["delivered_per_s"]
                    self.close_clients()
                line("scaling", **tag, clients=args.clients, processes=2,
                     over_1=f2(measured[2] / measured[1]) if measured[1] else "nan",
                     per_s_1=f1(measured[1]), per_s_2=f1(measured[2]))
        finally:
            servers.stop()
            self.servers.remove(servers)
