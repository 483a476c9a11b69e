#!/usr/bin/env python3
"""Load generator for the messenger's v1 WebSocket protocol: starts the server on
a fresh store, drives it with real WebSocket clients, prints one line per figure
and always stops the server (and drops the PostgreSQL database). See README.md."""

import argparse
import asyncio
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from uuid import UUID

import jwt
from tornado.websocket import websocket_connect

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
CONFIG = os.path.join(REPO, "bench", "bench.toml")
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REPLY_TIMEOUT_S = 30
RUN = secrets.token_hex(3)  # keeps this run's users and database apart from any other's


class Client:
    """One WebSocket connection. Replies are matched to requests by request_id;
    pushed chat_messages frames (no request_id) go to on_push(frame, now)."""

    def __init__(self, user: str, on_push=None):
        self.user = user
        self.on_push = on_push or (lambda frame, now: None)
        self.pending: dict[int, tuple[str, asyncio.Future]] = {}
        self.last_id = 0

    async def connect(self, port: int, secret: str) -> "Client":
        token = jwt.encode({"sub": self.user}, secret, algorithm="HS256")
        self.ready = asyncio.get_running_loop().create_future()
        self.ws = await websocket_connect(f"ws://127.0.0.1:{port}/ws?token={token}",
                                          connect_timeout=REPLY_TIMEOUT_S,
                                          on_message_callback=self._on_message)
        await asyncio.wait_for(self.ready, REPLY_TIMEOUT_S)  # the chat_list sent on connect
        return self

    def _on_message(self, text) -> None:
        now = time.time()
        if text is None:  # connection closed
            for _, future in self.pending.values():
                if not future.done():
                    future.set_exception(ConnectionError(f"{self.user}: connection closed"))
            return
        frame = json.loads(text)
        if frame.get("request_id") is None:
            if frame["type"] == "chat_list" and not self.ready.done():
                self.ready.set_result(frame)
            elif frame["type"] == "chat_messages":
                self.on_push(frame, now)
            return
        want, future = self.pending.get(frame["request_id"], (None, None))
        if future is not None and frame["type"] in (want, "error"):
            del self.pending[frame["request_id"]]
            future.set_result((frame, now))

    def request(self, kind: str, data: dict, want: str) -> asyncio.Future:
        """Sends without waiting; the future gets (reply of type `want` or error, time)."""
        self.last_id += 1
        future = asyncio.get_running_loop().create_future()
        self.pending[self.last_id] = (want, future)
        self.ws.write_message(json.dumps({"type": kind, "data": data, "request_id": self.last_id}))
        return future

    async def call(self, kind: str, data: dict, want: str) -> tuple[dict, float]:
        """Sends and waits; returns the reply and the seconds it took."""
        started = time.time()
        frame, at = await asyncio.wait_for(self.request(kind, data, want), REPLY_TIMEOUT_S)
        if frame["type"] == "error":
            raise RuntimeError(f"{kind} by {self.user}: {frame['data']}")
        return frame, at - started

    async def send_message(self, chat_id: str, content: str) -> float:
        data = {"chat_id": chat_id, "content": content}
        return (await self.call("send_message", data, "chat_messages"))[1]


class Deliveries:
    """Contents are 'bench <token> <send time>'; a receiver records a token's
    latency the first time it shows up in a chat_messages frame pushed to it."""

    def __init__(self):
        self.sent: dict[str, float] = {}
        self.latency: dict[str, float] = {}

    def content(self, token: str, at: float) -> str:
        self.sent[token] = at
        return f"bench {token} {at:.6f}"

    def on_push(self, frame: dict, now: float) -> None:
        for message in frame["data"]:
            parts = message["content"].split()
            if len(parts) == 3 and parts[0] == "bench" and parts[1] in self.sent \
                    and parts[1] not in self.latency:
                self.latency[parts[1]] = now - float(parts[2])

    async def drain(self, tokens: list[str], timeout_s: float) -> int:
        """Waits until all tokens are delivered or timeout; returns how many are."""
        deadline = time.time() + timeout_s
        while time.time() < deadline and any(t not in self.latency for t in tokens):
            await asyncio.sleep(0.05)
        return sum(t in self.latency for t in tokens)


class Bench:
    def __init__(self, args, port: int, secret: str, database_url: str):
        self.args, self.port, self.secret, self.database_url = args, port, secret, database_url

    async def connect(self, *users: str, on_push=None) -> list[Client]:
        return await asyncio.gather(*(Client(user, on_push).connect(self.port, self.secret)
                                      for user in users))

    async def pairs(self, name: str, deliveries: Deliveries) -> list[tuple[Client, Client, str]]:
        """(sender, receiver, chat_id) per pair, each pair in a direct chat, all connected."""
        n = range(self.args.pairs)
        receivers = await self.connect(*(f"{RUN}-{name}-r{i}" for i in n), on_push=deliveries.on_push)
        senders = await self.connect(*(f"{RUN}-{name}-s{i}" for i in n))
        return [(s, r, await direct_chat(s, r)) for s, r in zip(senders, receivers)]


async def direct_chat(one: Client, other: Client) -> str:
    frame, _ = await one.call("create_chat", {"with_user_id": [{"user_id": other.user}],
                                              "chat_name": "bench"}, "chat_list")
    return next(chat["chat_id"] for chat in frame["data"] if chat["kind"] == "direct"
                and {"user_id": other.user} in chat["users"])


def close(*clients: Client) -> None:
    for client in clients:
        client.ws.close()


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[round(p * (len(values) - 1))] if values else float("nan")


async def throughput(bench: Bench) -> None:
    """Closed loop: each sender sends its next message once its reply arrived."""
    args, deliveries = bench.args, Deliveries()
    pairs = await bench.pairs("tp", deliveries)
    acked: list[str] = []
    start = time.time()

    async def closed_loop(i, sender, chat_id):
        seq = 0
        while time.time() < start + args.duration:
            seq += 1
            token = f"tp{i}-{seq}"
            await sender.send_message(chat_id, deliveries.content(token, time.time()))
            acked.append(token)

    await asyncio.gather(*(closed_loop(i, s, chat) for i, (s, _, chat) in enumerate(pairs)))
    elapsed = time.time() - start
    delivered = await deliveries.drain(acked, 10)
    close(*(client for pair in pairs for client in pair[:2]))
    print(f"throughput store={args.store} pairs={args.pairs} duration_s={elapsed:.1f}"
          f" sent_per_s={len(acked) / elapsed:.1f} delivered_per_s={delivered / elapsed:.1f}"
          f" delivered={delivered}/{len(acked)}", flush=True)


async def latency(bench: Bench) -> None:
    """Open loop: message i is due at t0 + i/rate whatever the replies do; the
    content carries the due time, so a late send counts against the server."""
    args, deliveries = bench.args, Deliveries()
    pairs = await bench.pairs("lt", deliveries)
    replies, tokens = [], []
    t0 = time.time() + 0.1
    for i in range(int(args.duration * args.rate)):
        due = t0 + i / args.rate
        await asyncio.sleep(max(0.0, due - time.time()))
        sender, _, chat_id = pairs[i % len(pairs)]
        tokens.append(f"lt{i}")
        data = {"chat_id": chat_id, "content": deliveries.content(tokens[-1], due)}
        replies.append(sender.request("send_message", data, "chat_messages"))
    delivered = await deliveries.drain(tokens, 15)
    done, _ = await asyncio.wait(replies, timeout=5)
    errors = len(replies) - sum(1 for r in done if not r.exception()
                                and r.result()[0]["type"] != "error")
    close(*(client for pair in pairs for client in pair[:2]))
    ms = [deliveries.latency[t] * 1000 for t in tokens if t in deliveries.latency]
    print(f"latency store={args.store} rate={args.rate:g} pairs={args.pairs}"
          f" p50_ms={percentile(ms, 0.5):.1f} p99_ms={percentile(ms, 0.99):.1f}"
          f" max_ms={max(ms, default=float('nan')):.1f} delivered={delivered}/{len(tokens)}"
          f" errors={errors}", flush=True)


def fill(database_url: str, chat_id: str, sender: str, n: int, stop: threading.Event) -> str:
    """Posts n messages through the application itself, one save each as the
    server does; returns the last one's content. Runs in a worker thread."""
    from domain.application import Messenger
    from messenger import config as settings
    from messenger.store import store_env

    app = Messenger(env=store_env(settings.load(CONFIG, server_env(database_url, "-", {}))))
    try:
        for i in range(n):
            if stop.is_set():  # the bench was cancelled: don't keep asyncio.run waiting
                break
            app.post_message(UUID(chat_id), sender, f"fill {RUN} {i}")
    finally:
        app.close()
    return f"fill {RUN} {n - 1}"


async def wait_for_view(bench: Bench, user: str, chat_id: str, content: str) -> None:
    """Polls on short-lived connections (a member connected all along would be
    pushed a frame per filled message) until the newest message is `content`."""
    deadline = time.time() + bench.args.catchup_timeout
    while True:
        [client] = await bench.connect(user)
        try:
            frame, _ = await client.call("get_chat_messages", {"chat_id": chat_id, "limit": 1},
                                         "chat_messages")
        finally:
            close(client)
        if frame["data"] and frame["data"][-1]["content"] == content:
            return
        if time.time() > deadline:
            raise TimeoutError("the view did not catch up within --catchup-timeout")
        await asyncio.sleep(1)


async def history(bench: Bench) -> None:
    """Mean send -> own reply time with 10 messages in the chat, then with --history."""
    args, users = bench.args, [f"{RUN}-h-a", f"{RUN}-h-b"]
    a, b = await bench.connect(*users)
    chat_id = await direct_chat(a, b)
    for i in range(10):
        await a.send_message(chat_id, f"start {i}")

    async def mean_ms(sender: Client) -> float:
        took = [await sender.send_message(chat_id, f"sample {i}") for i in range(args.samples)]
        return sum(took) / len(took) * 1000

    small = await mean_ms(a)
    close(a, b)  # while filling: else the server pushes every filled message to them
    count, fill_s, catchup_s = 10 + args.samples, 0.0, 0.0
    if args.history > count:
        started, stop = time.time(), threading.Event()
        try:
            last = await asyncio.to_thread(fill, bench.database_url, chat_id, users[0],
                                           args.history - count, stop)
        except asyncio.CancelledError:
            stop.set()
            raise
        fill_s = time.time() - started
        await wait_for_view(bench, users[0], chat_id, last)
        catchup_s = time.time() - started - fill_s
        count = args.history
    a, b = await bench.connect(*users)
    large = await mean_ms(a)
    close(a, b)
    filled = count - 10 - args.samples
    print(f"history store={args.store} samples={args.samples} at10_ms={small:.2f}"
          f" at{count}_ms={large:.2f} ratio={large / small:.2f} fill_s={fill_s:.1f}"
          f" fill_per_s={filled / fill_s if fill_s else 0:.0f} catchup_s={catchup_s:.1f}",
          flush=True)


def server_env(database_url: str, secret: str, base) -> dict:
    """Secrets come from the environment, so nothing is read or made in var/."""
    return dict(base, MESSENGER_DATABASE_URL=database_url, MESSENGER_JWT_SECRET=secret,
                MESSENGER_SERVICE_TOKEN=secrets.token_urlsafe(32))


def die_with_parent() -> None:
    """Runs in the server's process: it gets SIGTERM if the bench dies, even by SIGKILL."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def start_server(database_url: str, secret: str, port: int, log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "run.py", "serve", "--config", CONFIG, "--host", "127.0.0.1",
         "--port", str(port)], cwd=REPO, env=server_env(database_url, secret, os.environ),
        stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)


def wait_healthy(server: subprocess.Popen, port: int) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not become healthy within 60s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def report_server_log(path: str) -> None:
    """To stderr: how many lines look bad, and the log from the first of them."""
    with open(path, errors="replace") as log:
        lines = [line.rstrip() for line in log]
    bad = [i for i, line in enumerate(lines)
           if any(word in line for word in ("ERROR", "WARNING", "Traceback"))]
    print(f"server log: {len(bad)} error/warning lines", file=sys.stderr)
    for line in lines[bad[0]:bad[0] + 60] if bad else []:
        print("  | " + line, file=sys.stderr)


def postgres(statement: str) -> None:
    import psycopg
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(statement)


async def run_figures(bench: Bench) -> None:
    for figure in (throughput, latency, history):
        if figure.__name__ in bench.args.figures.split(","):
            await figure(bench)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--duration", type=float, default=30, help="seconds per timed figure")
    parser.add_argument("--rate", type=float, default=100, help="offered msgs/s (latency)")
    parser.add_argument("--pairs", type=int, default=4, help="sender/receiver pairs")
    parser.add_argument("--history", type=int, default=100_000, help="messages in the big chat")
    parser.add_argument("--samples", type=int, default=200, help="sends per history point")
    parser.add_argument("--catchup-timeout", type=float, default=900, help="seconds")
    parser.add_argument("--figures", default="throughput,latency,history")
    parser.add_argument("--timeout", type=float, default=1800, help="hard limit, seconds")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally below runs

    secret, database = secrets.token_urlsafe(32), f"bench_{RUN}"
    workdir = tempfile.mkdtemp(prefix="messenger-bench-")
    log_path, server = os.path.join(workdir, "server.log"), None
    try:
        if args.store == "postgres":
            postgres(f'CREATE DATABASE "{database}"')
            database_url = f"postgresql://postgres@127.0.0.1:5432/{database}"
        else:
            database_url = f"sqlite:///{workdir}/bench.db"
        with socket.socket() as s:  # a free port
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with open(log_path, "w") as log:
            server = start_server(database_url, secret, port, log)
        wait_healthy(server, port)
        bench = Bench(args, port, secret, database_url)
        asyncio.run(asyncio.wait_for(run_figures(bench), args.timeout))
        return 0
    finally:
        if server is not None:
            stop_server(server)
            report_server_log(log_path)
        if args.store == "postgres":
            postgres(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
