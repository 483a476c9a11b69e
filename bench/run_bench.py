#!/usr/bin/env python3
"""The messenger's benchmark: starts the server (one or more `run.py serve`
processes on a fresh store) and a bare Tornado relay, drives them with real
WebSocket clients from separate load-generator processes, prints one summary
line per figure, and always stops what it started. See bench/README.md.

This module runs the phases in turn (its flags are in arguments.py); the figures are in live.py (ceiling,
rss, throughput, latency, scaling), soak.py, storm.py and stored.py (history,
chat_list), audit_catchup.py (audit) and search_figure.py (search); the processes in processes.py, the
bench's own store in local.py."""

import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
import traceback

from arguments import parse_args
from common import (CONFIG, RUN, cpu_seconds, line, load_average, postgres, progress,
                    raise_open_files, server_env)
from live import LiveFigures
from local import Local
from processes import Servers, Workers
from search_figure import SearchFigure
from soak import SoakFigure
from storm import StormFigure
from stored import StoredFigures

LIVE = {"throughput", "latency", "rss", "scaling", "soak"}
IDLE_CPU = 0.15  # cores: below this for a second, the servers are idle


class BenchTimeout(BaseException):
    """--timeout passed (a BaseException, so no `except Exception` swallows it)."""


class Bench(LiveFigures, SoakFigure, StormFigure, StoredFigures, SearchFigure):
    """The run: its processes, stores and clients; each figure's phase is a
    method of one of the classes it is made of."""

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
                    if figures & LIVE:
                        self.phase(f"live-v{version}", self.live_figures, database_url, version)
                    if "storm" in figures:
                        self.phase(f"storm-v{version}", self.storm_figure, database_url, version)
                if figures & {"history", "chat_list"}:
                    self.phase("stored", self.stored_figures, database_url, protocols)
                if "statements" in figures:
                    self.phase("statements", self.statement_figure, database_url)
                if "audit" in figures:
                    self.phase("audit", self.audit_figure)
                if "search" in figures:
                    self.phase("search", self.search_figure)
            finally:
                self.drop_store(store)

    def statement_figure(self, database_url: str) -> None:
        """SQL statements of one message sent alone (bench/statements.py)."""
        from statements import per_message
        line("statements", store=self.store, per_message=f"{per_message(database_url):.1f}")

    def audit_figure(self) -> None:
        """The audit index catching up on --history events, on a fresh store
        of this kind of its own (bench/audit_catchup.py)."""
        from audit_catchup import fresh_store, measure
        progress(f"{self.store}, audit")
        with fresh_store(self.store) as database_url:
            measure(database_url, self.args.history, self.args.catchup_timeout)

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


def main() -> int:
    args = parse_args()

    def timed_out(*_):
        raise BenchTimeout(f"--timeout {args.timeout:g} s passed")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally below runs
    signal.signal(signal.SIGALRM, timed_out)
    signal.setitimer(signal.ITIMER_REAL, args.timeout)
    # Workers and servers started from here on inherit it (see README).
    soft, hard = raise_open_files()
    progress(f"run {RUN}: store={args.store} protocol={args.protocol} clients={args.clients}"
             f" processes={args.processes} duration={args.duration:g} history={args.history}"
             f" figures={args.figures} timeout={args.timeout:g}; open files {soft}/{hard};"
             f" load average {load_average()}")
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
