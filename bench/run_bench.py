#!/usr/bin/env python3
"""The messenger's benchmark: starts the server (one or more `run.py serve`
processes on a fresh store) and a bare Tornado relay, drives them with real
WebSocket clients from separate load-generator processes, prints one summary
line per figure, and always stops what it started. See bench/README.md."""

import argparse
import ctypes
import multiprocessing
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
sys.path.insert(0, REPO)
CONFIG = os.path.join(BENCH, "bench.toml")
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
RUN = secrets.token_hex(3)  # keeps this run's users and databases apart from any other's
FIGURES = ("throughput", "latency", "history", "chat_list", "rss", "scaling", "statements")
SUITES = {
    # What `--suite` sets unless given on the command line.
    "full": {"duration": 15.0, "history": 100_000, "samples": 200},
    "quick": {"duration": 10.0, "history": 20_000, "samples": 100},
}
WARMUP_S = 2.0  # closed loops run this long before the counted window
THROUGHPUT_DRAIN_S = 5.0
LATENCY_DRAIN_S = 10.0
MAX_BACKLOG_S = 2.0
STALL_S = 30.0  # views behind and not moving this long: something is broken
IDLE_CPU = 0.15  # cores: below this for a second, the servers are idle  # the latency figure stops offering once this much waits
FILL_BATCH = 500
CHAT_LIST_CHATS = 1000
CHAT_LIST_SAMPLES = 200
STARTED = time.time()


class BenchTimeout(BaseException):
    """--timeout passed (a BaseException, so no `except Exception` swallows it)."""


def progress(text: str) -> None:
    print(f"[{time.time() - STARTED:6.1f}s] {text}", file=sys.stderr, flush=True)


def line(figure: str, **fields) -> None:
    """One summary line: the figure's name, then key=value pairs."""
    print(figure + "".join(f" {key}={value}" for key, value in fields.items()), flush=True)


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[round(p * (len(values) - 1))] if values else float("nan")


def f1(value: float) -> str:
    return f"{value:.1f}"


def f2(value: float) -> str:
    return f"{value:.2f}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def die_with_parent() -> None:
    """Runs in a child: it gets SIGTERM if the bench dies, even by SIGKILL."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for entry in status:
            if entry.startswith("VmRSS:"):
                return int(entry.split()[1])
    return 0


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load: the bench shares its cores."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes used so far."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def postgres(statement: str) -> None:
    postgres_in(ADMIN_URL, statement)


def postgres_in(url: str, statement: str) -> None:
    import psycopg
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


def server_env(database_url: str, secret: str, base) -> dict:
    """Secrets come from the environment, so nothing is read or made in var/."""
    return dict(base, MESSENGER_DATABASE_URL=database_url, MESSENGER_JWT_SECRET=secret,
                MESSENGER_SERVICE_TOKEN=secrets.token_urlsafe(32))


# --- processes ---------------------------------------------------------------

class Servers:
    """`run.py serve` processes on one store (or bare relays), each on its own
    free port, logging to a file of its own."""

    def __init__(self, workdir: str, name: str, command: list[str], env: dict):
        self.workdir, self.name, self.command, self.env = workdir, name, command, env
        self.processes: list[tuple[subprocess.Popen, int, str]] = []

    @property
    def ports(self) -> list[int]:
        return [port for _, port, _ in self.processes]

    @property
    def pids(self) -> list[int]:
        return [process.pid for process, _, _ in self.processes]

    def start(self, count: int) -> None:
        started = []
        for _ in range(count):
            port = free_port()
            log_path = os.path.join(self.workdir, f"{self.name}-{len(self.processes)}.log")
            with open(log_path, "w") as log:
                process = subprocess.Popen(
                    [*self.command, "--port", str(port)], cwd=REPO, env=self.env, stdout=log,
                    stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
            self.processes.append((process, port, log_path))
            started.append((process, port))
            # The first one takes the leader lock (and may create the tables) alone.
            if len(self.processes) == 1:
                self._wait_healthy(process, port)
        for process, port in started:
            self._wait_healthy(process, port)

    @staticmethod
    def _wait_healthy(process: subprocess.Popen, port: int) -> None:
        deadline = time.time() + 60
        while time.time() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"a server exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",
                                            timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("a server did not become healthy within 60 s")

    def rss_kib(self) -> int:
        return sum(rss_kib(pid) for pid in self.pids)

    def stop(self, keep: int = 0) -> None:
        """Stops all but the first `keep`, newest first; reports their logs."""
        stopping, self.processes = self.processes[keep:], self.processes[:keep]
        for process, _, _ in stopping:
            if process.poll() is None:
                process.terminate()
        for process, _, _ in stopping:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for _, _, log_path in stopping:
            report_log(log_path)


def report_log(path: str) -> None:
    """To stderr: how many lines look bad, the kinds of them, and the first one
    in full (a server's log is otherwise left alone; the bench reports, it does
    not judge)."""
    try:
        with open(path, errors="replace") as log:
            lines = [entry.rstrip() for entry in log]
    except OSError:
        return
    levels = (" ERROR ", " WARNING ", " CRITICAL ")
    bad = [i for i, entry in enumerate(lines) if any(level in entry for level in levels)]
    tracebacks = sum(entry.startswith("Traceback") for entry in lines)
    if not bad and not tracebacks:
        return
    kinds: dict[str, int] = {}
    for i in bad:
        kind = lines[i].split(" ", 2)[-1][:110]  # without the timestamp
        kinds[kind] = kinds.get(kind, 0) + 1
    progress(f"{os.path.basename(path)}: {len(bad)} error/warning lines, "
             f"{tracebacks} tracebacks")
    for kind, count in sorted(kinds.items(), key=lambda item: -item[1])[:5]:
        print(f"  | {count} x {kind}", file=sys.stderr)
    first = bad[0] if bad else next(i for i, e in enumerate(lines) if e.startswith("Traceback"))
    following = [e for e in lines[first + 1:first + 40]]
    end = next((j for j, e in enumerate(following) if e[:4].isdigit()), len(following))
    for entry in [lines[first], *following[:end]][-14:]:
        print("  |   " + entry, file=sys.stderr)


class Workers:
    """The load generator: worker processes (bench/loadgen.py), each with its
    own asyncio loop and a share of the clients."""

    def __init__(self, count: int):
        import loadgen
        context = multiprocessing.get_context("spawn")
        self.pipes, self.processes = [], []
        for index in range(count):
            ours, theirs = context.Pipe()
            process = context.Process(target=loadgen.main, args=(theirs, index, count),
                                      daemon=True, name=f"loadgen-{index}")
            process.start()
            theirs.close()
            self.pipes.append(ours)
            self.processes.append(process)

    def __len__(self) -> int:
        return len(self.pipes)

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def call(self, command: str, arguments: list[dict] | dict, timeout_s: float) -> list:
        """Runs a command on every worker (its own arguments, or the same for
        all) and returns their results in worker order."""
        self.send(command, arguments)
        return self.collect(command, timeout_s)

    def send(self, command: str, arguments: list[dict] | dict) -> None:
        if isinstance(arguments, dict):
            arguments = [arguments] * len(self.pipes)
        for pipe, args in zip(self.pipes, arguments):
            pipe.send((command, args))

    def collect(self, command: str, timeout_s: float) -> list:
        results, deadline = [], time.time() + timeout_s
        for pipe in self.pipes:
            if not pipe.poll(max(0.0, deadline - time.time())):
                raise TimeoutError(f"load generator: {command} took over {timeout_s:.0f} s")
            status, result = pipe.recv()
            if status != "ok":
                raise RuntimeError(result)
            results.append(result)
        return results

    def stop(self) -> None:
        for pipe in self.pipes:
            try:
                pipe.send(("exit", {}))
            except OSError:
                pass
        for process in self.processes:
            process.join(5)
            if process.is_alive():
                process.terminate()
                process.join(5)


class Local:
    """The store opened in this process, as the server opens it (without
    running the projections): to register users, fill history, build a user
    with many chats, wait for the server's views and time chat_list."""

    def __init__(self, database_url: str, secret: str):
        from messenger import config as settings
        from messenger.store import Store
        self.config = settings.load(CONFIG, server_env(database_url, secret, {}))
        self.store = Store(self.config)
        self.app = self.store.app
        self.pool = ThreadPoolExecutor(8, "bench-store")  # concurrent saves share commits

    def register(self, users: list[str]) -> None:
        for _ in self.pool.map(self.app.register_user, users):
            pass

    def direct_chat(self, one: str, other: str, name: str) -> UUID:
        return self.app.create_chat(one, [other], name).id

    def caught_up(self, timeout_s: float) -> float:
        """Waits until the inbox and the audit index include every event stored
        so far (whichever server process runs them); returns the seconds it took."""
        from domain.application import Messenger
        started = time.time()
        last = self.app.recorder.max_notification_id() or 0
        report, seen, moved = started + 15, None, started
        while True:
            inbox = self.store.view.max_tracking_id(Messenger.name) or 0
            audit = self.store.audit_view.max_tracking_id(Messenger.name) or 0
            if inbox >= last and audit >= last:
                return time.time() - started
            if (inbox, audit) != seen:
                seen, moved = (inbox, audit), time.time()
            if time.time() > moved + STALL_S:
                raise TimeoutError(f"the views stopped following: no progress in {STALL_S:.0f} s"
                                   f" (inbox {inbox}, audit {audit} of {last}; see the"
                                   f" server's log)")
            if time.time() > started + timeout_s:
                raise TimeoutError(f"the views did not catch up within {timeout_s:.0f} s "
                                   f"(inbox {inbox}, audit {audit} of {last})")
            if time.time() > report:
                progress(f"  views catching up: inbox {inbox}, audit {audit} of {last}")
                report = time.time() + 15
            time.sleep(0.1)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.store.close()


# --- the bench ---------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.args = args
        self.workdir = tempfile.mkdtemp(prefix="messenger-bench-")
        self.secret = secrets.token_urlsafe(32)
        self.workers: Workers | None = None
        self.servers: list[Servers] = []
        self.locals: list[Local] = []
        self.databases: list[str] = []
        self.ceiling: dict[int, float] = {}
        self.failures = 0
        self.store = ""

    def figures(self) -> set[str]:
        return set(self.args.figures.split(","))

    # --- clients --------------------------------------------------------------

    def connect(self, prefix: str, version: int, ports: list[int], pairs: int | None = None,
                bare: bool = False) -> int:
        """Connects `pairs` sender/receiver pairs (all of --clients by default),
        spread over the ports and the workers; returns how many are connected."""
        pairs = self.args.clients // 2 if pairs is None else pairs
        specs: list[list[dict]] = [[] for _ in range(len(self.workers))]
        n = len(ports)
        for p in range(pairs):
            # Senders round-robin over the processes; receivers so that each
            # process holds as many of both and, with n > 1, a pair sits on
            # two processes (n-1)/n of the time, as users would at random.
            sender_port = ports[p % n]
            receiver_port = ports[0] if bare else ports[(p + p // n) % n]
            worker = specs[p % len(self.workers)]
            worker.append({"user": f"{prefix}-s{p}", "port": sender_port, "pair": p,
                           "role": "sender"})
            worker.append({"user": f"{prefix}-r{p}", "port": receiver_port, "pair": p,
                           "role": "receiver"})
        results = self.workers.call("connect", [{"secret": self.secret, "version": version,
                                                 "clients": spec} for spec in specs], 600)
        connected = sum(r["connected"] for r in results)
        failed = sum(r["failed"] for r in results)
        progress(f"  connected {connected} clients in {max(r['seconds'] for r in results):.1f} s"
                 + (f", {failed} failed: {[f for r in results for f in r['failures']][:2]}"
                    if failed else ""))
        return connected

    def chats(self) -> int:
        results = self.workers.call("chats", {}, 600)
        made = sum(r["chats"] for r in results)
        failed = sum(r["failed"] for r in results)
        progress(f"  {made} direct chats in {max(r['seconds'] for r in results):.1f} s"
                 + (f", {failed} failed: {[f for r in results for f in r['failures']][:2]}"
                    if failed else ""))
        return made

    def close_clients(self) -> None:
        self.workers.call("close", {}, 60)

    def users(self, prefix: str, pairs: int | None = None) -> list[str]:
        pairs = self.args.clients // 2 if pairs is None else pairs
        return [f"{prefix}-{role}{p}" for p in range(pairs) for role in "sr"]

    # --- measurements -----------------------------------------------------------

    def throughput(self, servers: "Servers") -> dict:
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

    def latency(self) -> dict:
        args = self.args
        count = int(args.duration * args.rate)
        results = self.workers.call(
            "latency", {"t0": time.time() + 0.5, "rate": args.rate, "count": count,
                        "drain_s": LATENCY_DRAIN_S, "max_backlog_s": MAX_BACKLOG_S},
            args.duration + LATENCY_DRAIN_S + 120)
        ms = [s * 1000 for r in results for s in r["latencies"]]
        lag = [s * 1000 for r in results for s in r["lag"]]
        sent = sum(r["sent"] for r in results)
        # A message not delivered by the end counts as infinitely late.
        every = ms + [float("inf")] * (sent - len(ms))
        return {"p50_ms": f1(percentile(every, 0.5)), "p99_ms": f1(percentile(every, 0.99)),
                "max_delivered_ms": f1(max(ms, default=float("nan"))),
                "offered": count, "sent": sent, "delivered": f"{len(ms)}/{sent}",
                "saturated": "yes" if any(r["saturated"] for r in results) else "no",
                "errors": sum(r["errors"] for r in results),
                "unanswered": sum(r["unanswered"] for r in results),
                "gen_lag_p99_ms": f1(percentile(lag, 0.99))}

    def samples(self, count: int, text: str) -> list[float]:
        """Worker 0's one pair: `count` sends one after the other; each one's
        seconds from send to its own reply."""
        results = self.workers.call("samples", [{"count": count, "text": text}]
                                    + [{"count": 0, "text": text}] * (len(self.workers) - 1),
                                    count * 35 + 60)
        return results[0]["seconds"]

    # --- phases -----------------------------------------------------------------

    def run(self) -> None:
        args = self.args
        self.workers = Workers(args.workers)
        figures = self.figures()
        protocols = [2, 1] if args.protocol == "both" else [int(args.protocol)]
        stores = ["sqlite", "postgres"] if args.store == "both" else [args.store]
        if "throughput" in figures:
            for version in protocols:
                self.phase(f"ceiling-v{version}", self.measure_ceiling, version)
        for store in stores:
            self.store = store
            database_url = self.make_store(store)
            try:
                for version in protocols:
                    if figures & {"throughput", "latency", "rss", "scaling"}:
                        self.phase(f"live-v{version}", self.live_figures, database_url, version)
                if figures & {"history", "chat_list"}:
                    self.phase("stored", self.stored_figures, database_url, protocols)
                if "statements" in figures:
                    self.phase("statements", self.statement_figure, database_url)
            finally:
                self.drop_store(store)

    def statement_figure(self, database_url: str) -> None:
        """SQL statements of one message sent alone (bench/statements.py)."""
        from statements import per_message
        line("statements", store=self.store, per_message=f"{per_message(database_url):.1f}")

    def phase(self, name: str, function, *args) -> None:
        """Runs a phase; if it fails, says so in an `error` line and goes on
        with the next (its server processes are stopped by then)."""
        try:
            function(*args)
        except Exception as error:
            self.failures += 1
            progress(f"{self.store} {name} failed:\n{traceback.format_exc()}")
            message = " ".join(str(error).split())[:300].replace('"', "'")
            line("error", store=self.store, phase=name, message=f'"{message}"')
            try:
                self.close_clients()
            except Exception as closing:
                progress(f"closing the clients: {closing!r}")

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

    def make_store(self, store: str) -> str:
        if store == "postgres":
            database = f"bench_{RUN}_{len(self.databases)}"
            postgres(f'CREATE DATABASE "{database}"')
            self.databases.append(database)
            return f"postgresql://postgres@127.0.0.1:5432/{database}"
        directory = os.path.join(self.workdir, f"sqlite-{len(self.databases)}")
        os.makedirs(directory)
        self.databases.append(directory)
        return f"sqlite:///{directory}/bench.db"

    def drop_store(self, store: str) -> None:
        for local in self.locals:
            local.close()
        self.locals.clear()
        database = self.databases[-1]
        if store == "postgres":
            postgres(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        else:
            shutil.rmtree(database, ignore_errors=True)

    def messenger(self, database_url: str, name: str) -> Servers:
        servers = Servers(self.workdir, name,
                          [sys.executable, "run.py", "serve", "--config", CONFIG,
                           "--host", "127.0.0.1"],
                          server_env(database_url, self.secret, os.environ))
        self.servers.append(servers)
        return servers

    def local(self, database_url: str) -> Local:
        if not self.locals:
            self.locals.append(Local(database_url, self.secret))
        return self.locals[0]

    def settle(self, servers: Servers, local: Local) -> None:
        """Waits until the servers are idle (what a saturated figure left queued
        is done) and the views include every event, so that the next figure
        starts from rest."""
        started = time.time()
        local.caught_up(self.args.catchup_timeout)
        quiet, used = 0, cpu_seconds(servers.pids)
        while quiet < 2 and time.time() < started + self.args.catchup_timeout:
            time.sleep(0.5)
            now = cpu_seconds(servers.pids)
            quiet, used = (quiet + 1 if now - used < IDLE_CPU * 0.5 else 0), now
        if time.time() - started > 2:
            progress(f"  servers settled in {time.time() - started:.1f} s")

    def live_figures(self, database_url: str, version: int) -> None:
        """rss, throughput, latency and scaling, with --clients connected."""
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
            # A few clients go through every step once, so the baseline below
            # has every code path loaded and every pool grown.
            self.connect(warm, version, servers.ports, pairs=4)
            self.chats()
            self.workers.call("latency", {"t0": time.time() + 0.1, "rate": 50, "count": 40,
                                          "drain_s": 5}, 60)
            self.close_clients()
            self.settle(servers, local)
            time.sleep(1)
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
                line("latency", **tag, processes=n, clients=connected, rate=f"{args.rate:g}",
                     duration_s=f1(args.duration), **self.latency())
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

    def stored_figures(self, database_url: str, protocols: list[int]) -> None:
        """history and chat_list: a chat filled with --history messages and a
        user in 1,000 chats, stored straight through the application."""
        args, figures, store = self.args, self.figures(), self.store
        progress(f"{store}, history and chat_list")
        servers = self.messenger(database_url, f"{store}-stored")
        try:
            servers.start(args.processes)
            local = self.local(database_url)
            owner = f"{RUN}-many"
            small, large, fill_s, build_s = {}, {}, 0.0, 0.0
            big = (f"{RUN}-big-s0", f"{RUN}-big-r0")
            if store == "postgres":
                # Both points are measured with fresh planner statistics (see below).
                local.caught_up(args.catchup_timeout)
                postgres_in(database_url, "ANALYZE")
            if "history" in figures:
                # The small point: a chat of its own per protocol, 10 messages in it.
                for version in protocols:
                    pair = (f"{RUN}-small{version}-s0", f"{RUN}-small{version}-r0")
                    local.register(list(pair))
                    local.direct_chat(*pair, "history")
                    local.caught_up(args.catchup_timeout)
                    self.history_clients(version, servers.ports, *pair)
                    self.samples(10, "start")
                    small[version] = self.samples(args.samples, f"small v{version}")
                    self.close_clients()
                # The large point: one chat filled with --history messages,
                # its members disconnected so nobody is pushed every one of them.
                local.register(list(big))
                chat_id = local.direct_chat(*big, "history")
                started = time.time()
                self.fill(local, chat_id, big[0], args.history)
                fill_s = time.time() - started
                progress(f"  filled {args.history} messages in {fill_s:.1f} s")
            if "chat_list" in figures:
                started = time.time()
                local.register([owner])
                others = [f"{owner}-{i}" for i in range(CHAT_LIST_CHATS)]
                for _ in local.pool.map(lambda other: local.direct_chat(owner, other, ""),
                                        others):
                    pass
                build_s = time.time() - started
                progress(f"  {CHAT_LIST_CHATS} chats for one user in {build_s:.1f} s")
            catchup_s = local.caught_up(args.catchup_timeout)
            progress(f"  views caught up in {catchup_s:.1f} s")
            if store == "postgres":
                # Tables that grew by 100,000 rows in seconds still have the
                # planner statistics of empty ones; autovacuum would have
                # analyzed them long before a chat grew that big for real.
                postgres_in(database_url, "ANALYZE")
            if "history" in figures:
                for version in protocols:
                    self.history_clients(version, servers.ports, *big)
                    large[version] = self.samples(args.samples, f"large v{version}")
                    self.close_clients()
                for version in protocols:
                    at10, at_n = statistics.mean(small[version]), statistics.mean(large[version])
                    line("history", store=store, protocol=version, processes=args.processes,
                         history=args.history, samples=args.samples,
                         at10_ms=f2(at10 * 1000), **{f"at{args.history}_ms": f2(at_n * 1000)},
                         ratio=f2(at_n / at10),
                         at10_p50_ms=f2(percentile(small[version], 0.5) * 1000),
                         **{f"at{args.history}_p50_ms":
                            f2(percentile(large[version], 0.5) * 1000)},
                         fill_s=f1(fill_s), fill_per_s=f"{args.history / fill_s:.0f}",
                         catchup_s=f1(catchup_s))
            if "chat_list" in figures:
                self.chat_list(local, owner, build_s)
        finally:
            servers.stop()
            self.servers.remove(servers)

    def history_clients(self, version: int, ports: list[int], sender: str,
                        receiver: str) -> None:
        """The two members of a chat, connected on worker 0, and their chat."""
        specs = [{"user": sender, "port": ports[0], "pair": 0, "role": "sender"},
                 {"user": receiver, "port": ports[-1], "pair": 0, "role": "receiver"}]
        results = self.workers.call("connect", [{"secret": self.secret, "version": version,
                                                 "clients": specs}]
                                    + [{"secret": self.secret, "version": version,
                                        "clients": []}] * (len(self.workers) - 1), 120)
        if results[0]["connected"] != 2:
            raise RuntimeError(f"history clients: {results[0]['failures']}")
        results = self.workers.call("chats", {}, 120)
        if sum(r["chats"] for r in results) != 1:
            raise RuntimeError(f"history clients: no chat: {results}")

    @staticmethod
    def fill(local: Local, chat_id: UUID, sender: str, n: int) -> None:
        """Posts n messages as post_message would (the same event, one Message
        aggregate each), saved FILL_BATCH to a transaction to keep it short."""
        from domain.message import Message
        chat = local.app.repository.get(chat_id)
        chat.check_can_post(sender)
        done = 0
        while done < n:
            batch = [Message(chat_id=chat_id, sender=sender, content=f"fill {RUN} {done + i}",
                             generation=chat.generation)
                     for i in range(min(FILL_BATCH, n - done))]
            local.app.save(*batch)
            done += len(batch)

    def chat_list(self, local: Local, owner: str, build_s: float) -> None:
        """InboxView.chat_list(owner) timed in this process, on the same
        database, after the server's view caught up; and the frame built from it."""
        from messenger import protocol, shapes
        view = local.store.view
        chats = view.chat_list(owner)
        if len(chats) < CHAT_LIST_CHATS:
            raise RuntimeError(f"chat_list: {len(chats)} chats, expected {CHAT_LIST_CHATS}+")
        for _ in range(5):
            view.chat_list(owner)
        query, frame = [], []
        for _ in range(CHAT_LIST_SAMPLES):
            started = time.perf_counter()
            chats = view.chat_list(owner)
            middle = time.perf_counter()
            protocol.encode(shapes.chat_list_frame(chats))
            ended = time.perf_counter()
            query.append((middle - started) * 1000)
            frame.append((ended - started) * 1000)
        line("chat_list", store=self.store, processes=self.args.processes, chats=len(chats),
             samples=CHAT_LIST_SAMPLES, p50_ms=f2(percentile(query, 0.5)),
             p99_ms=f2(percentile(query, 0.99)), frame_p50_ms=f2(percentile(frame, 0.5)),
             frame_p99_ms=f2(percentile(frame, 0.99)), build_s=f1(build_s))

    def cleanup(self) -> None:
        for servers in self.servers:
            try:
                servers.stop()
            except Exception as error:
                progress(f"stopping servers: {error!r}")
        if self.workers is not None:
            self.workers.stop()
        for local in self.locals:
            try:
                local.close()
            except Exception as error:
                progress(f"closing the local store: {error!r}")
        for database in self.databases:
            if not database.startswith("/"):
                try:
                    postgres(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                except Exception as error:
                    progress(f"dropping {database}: {error!r}")
        shutil.rmtree(self.workdir, ignore_errors=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=tuple(SUITES), default="full",
                        help="defaults for --duration, --history, --samples (default full)")
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--protocol", choices=("1", "2", "both"), default="both")
    parser.add_argument("--processes", type=int, default=1, help="server processes on one store")
    parser.add_argument("--clients", type=int, default=1000,
                        help="connected clients, in sender/receiver pairs")
    parser.add_argument("--rate", type=float, default=1000, help="offered msgs/s (latency)")
    parser.add_argument("--duration", type=float, help="seconds per timed figure")
    parser.add_argument("--history", type=int, help="messages in the big chat")
    parser.add_argument("--samples", type=int, help="sends per history point")
    parser.add_argument("--workers", type=int, default=2, help="load generator processes")
    parser.add_argument("--figures", default=",".join(FIGURES),
                        help="comma-separated, of: " + ",".join(FIGURES))
    parser.add_argument("--catchup-timeout", type=float, default=300, help="seconds")
    parser.add_argument("--timeout", type=float, default=1200, help="hard limit, seconds")
    args = parser.parse_args(argv)
    for key, value in SUITES[args.suite].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    unknown = set(args.figures.split(",")) - set(FIGURES)
    if unknown:
        parser.error(f"unknown figures: {', '.join(sorted(unknown))}")
    if args.clients < 2 or args.processes < 1 or args.workers < 1:
        parser.error("--clients must be at least 2, --processes and --workers at least 1")
    return args


def main() -> int:
    args = parse_args()

    def timed_out(*_):
        raise BenchTimeout(f"--timeout {args.timeout:g} s passed")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally below runs
    signal.signal(signal.SIGALRM, timed_out)
    signal.setitimer(signal.ITIMER_REAL, args.timeout)
    progress(f"run {RUN}: store={args.store} protocol={args.protocol} clients={args.clients}"
             f" processes={args.processes} duration={args.duration:g} history={args.history}"
             f" figures={args.figures}; load average {load_average()}")
    bench = Bench(args)
    try:
        bench.run()
        progress((f"done, {bench.failures} phase(s) failed" if bench.failures else "done")
                 + f"; load average {load_average()}")
        return 1 if bench.failures else 0
    except BenchTimeout as error:
        progress(f"stopped: {error}")
        return 124
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        bench.cleanup()


if __name__ == "__main__":
    sys.exit(main())
