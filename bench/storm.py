"""The storm figure: --storm-clients users all reconnect within
--storm-window seconds, as after a deploy; each one's time from the start of
its connection to its chat_list, and what the connections cost the servers in
RSS. See bench/README.md."""

import math
import resource
import time

from common import RUN, f1, line, percentile, progress

SERVER_SPARE_FILES = 256  # a server's own: its store's connections, logs, listening sockets
WORKER_SPARE_FILES = 64


class StormFigure:
    """Part of run_bench.Bench: a phase of its own per store and protocol."""

    def check_open_files(self) -> None:
        """Every connection is a descriptor in a worker and one in a server,
        which inherit the bench's limit (raised to the hard limit at start)."""
        clients, args = self.args.storm_clients, self.args
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        server = math.ceil(clients / args.processes) + SERVER_SPARE_FILES
        worker = math.ceil(clients / args.workers) + WORKER_SPARE_FILES
        if soft < max(server, worker):
            raise RuntimeError(
                f"RLIMIT_NOFILE is {soft} (hard limit {hard}): {clients} storm clients need"
                f" about {server} open files in each server process and {worker} in each load"
                f" generator worker; raise the hard limit (ulimit -Hn) or lower --storm-clients")

    def storm_figure(self, database_url: str, version: int) -> None:
        args, store = self.args, self.store
        clients, window, n = args.storm_clients, args.storm_window, args.processes
        self.check_open_files()
        progress(f"{store}, protocol {version}, storm of {clients} clients in {window:g} s")
        servers = self.messenger(database_url, f"{store}-storm-v{version}")
        try:
            servers.start(n)
            local = self.local(database_url)
            users = [f"{RUN}-storm{version}-{i}" for i in range(clients)]
            warm = f"{RUN}-storm{version}-warm"
            started = time.time()
            local.register_new(users + self.users(warm, 4))
            progress(f"  registered {clients + 8} users in {time.time() - started:.1f} s;"
                     f" views caught up in {local.caught_up(args.catchup_timeout):.1f} s")
            self.warm_up(servers, local, version, warm)
            before = servers.rss_kib()
            # Client i starts at t0 + i * window / clients, on worker i mod workers
            # and server process i mod processes: evenly spread over all three.
            t0 = time.time() + 1.0
            specs: list[list[dict]] = [[] for _ in range(len(self.workers))]
            for i, user in enumerate(users):
                specs[i % len(self.workers)].append(
                    {"user": user, "port": servers.ports[i % n], "at": t0 + i * window / clients})
            results = self.workers.call(
                "storm", [{"secret": self.secret, "version": version, "clients": spec}
                          for spec in specs], window + 180)
            time.sleep(2)  # as the rss figure: let what the connections started settle
            after = servers.rss_kib()
            ms = [s * 1000 for r in results for s in r["seconds"]]
            lag = [s * 1000 for r in results for s in r["lag"]]
            errors = sum(r["errors"] for r in results)
            if errors:
                progress(f"  storm errors: {[f for r in results for f in r['failures']][:3]}")
            # A client without its chat_list counts as infinitely late.
            every = ms + [float("inf")] * (clients - len(ms))
            line("storm", store=store, protocol=version, processes=n, clients=clients,
                 window_s=f1(window), p50_ms=f1(percentile(every, 0.5)),
                 p99_ms=f1(percentile(every, 0.99)), max_ms=f1(max(ms, default=float("nan"))),
                 got_chat_list=f"{len(ms)}/{clients}", errors=errors,
                 rss_mib_after=f1(after / 1024),
                 kib_per_connection=f1((after - before) / max(len(ms), 1)),
                 rss_mib_before=f1(before / 1024), gen_lag_p99_ms=f1(percentile(lag, 0.99)))
            self.close_clients()
        finally:
            servers.stop()
            self.servers.remove(servers)
