#!/usr/bin/env python3
"""Load generator for the messenger server's v1 WebSocket protocol.

Starts the server as a subprocess on a fresh store, drives it with real
WebSocket clients from this process, prints one summary line per figure and
always stops the server (and drops the PostgreSQL database) at the end.
See bench/README.md."""

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
import time
import urllib.request
from uuid import UUID

import jwt
from tornado.websocket import websocket_connect

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
CONFIG = os.path.join(REPO, "configs", "dev.toml")
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REPLY_TIMEOUT_S = 30
RUN = secrets.token_hex(3)  # keeps this run's users apart from any other's


class ServerError(Exception):
    pass


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

    def close(self) -> None:
        self.ws.close()

    def _on_message(self, text) -> None:
        now = time.time()
        if text is None:  # connection closed
            for _, future in self.pending.values():
                if not future.done():
                    future.set_exception(ConnectionError(f"{self.user}: connection closed"))
            return
        frame = json.loads(text)
        request_id = frame.get("request_id")
        if request_id is None:
            if frame["type"] == "chat_list" and not self.ready.done():
                self.ready.set_result(frame)
            elif frame["type"] == "chat_messages":
                self.on_push(frame, now)
            return
        want, future = self.pending.get(request_id, (None, None))
        if future is not None and frame["type"] in (want, "error"):
            del self.pending[request_id]
            future.set_result((frame, now))

    def request(self, kind: str, data: dict, want: str) -> asyncio.Future:
        """Sends without waiting; the future gets (reply frame of type `want` or error, time)."""
        self.last_id += 1
        future = asyncio.get_running_loop().create_future()
        self.pending[self.last_id] = (want, future)
        self.ws.write_message(json.dumps({"type": kind, "data": data, "request_id": self.last_id}))
        return future

    async def call(self, kind: str, data: dict, want: str) -> tuple[dict, float]:
        """Sends and waits for the reply; returns it and the seconds it took."""
        started = time.time()
        frame, at = await asyncio.wait_for(self.request(kind, data, want), REPLY_TIMEOUT_S)
        if frame["type"] == "error":
            raise ServerError(f"{kind} by {self.user}: {frame['data']}")
        return frame, at - started

    async def send_message(self, chat_id: str, content: str) -> float:
        return (await self.call("send_message", {"chat_id": chat_id, "content": content},
                                "chat_messages"))[1]


class Deliveries:
    """Content is 'bench <token> <send time>'; a receiver records the latency of
    each token the first time it appears in a chat_messages frame it is pushed."""

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
        """Waits until every token was delivered or timeout; returns how many were."""
        deadline = time.time() + timeout_s
        while time.time() < deadline and any(t not in self.latency for t in tokens):
            await asyncio.sleep(0.05)
        return sum(t in self.latency for t in tokens)


async def make_pairs(name: str, n: int, port: int, secret: str, deliveries: Deliveries):
    """n (sender, receiver, chat_id): each pair in a direct chat, both connected."""
    receivers = await asyncio.gather(*(Client(f"{RUN}-{name}-r{i}", deliveries.on_push)
                                       .connect(port, secret) for i in range(n)))
    senders = await asyncio.gather(*(Client(f"{RUN}-{name}-s{i}").connect(port, secret)
                                     for i in range(n)))
    pairs = []
    for sender, receiver in zip(senders, receivers):
        frame, _ = await sender.call("create_chat", {"with_user_id": [{"user_id": receiver.user}],
                                                     "chat_name": f"{name} bench"}, "chat_list")
        chat_id = next(chat["chat_id"] for chat in frame["data"] if chat["kind"] == "direct"
                       and {"user_id": receiver.user} in chat["users"])
        pairs.append((sender, receiver, chat_id))
    return pairs


def close_pairs(pairs) -> None:
    for sender, receiver, _ in pairs:
        sender.close()
        receiver.close()


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))] if values else float("nan")


async def throughput(args, port: int, secret: str) -> None:
    deliveries = Deliveries()
    pairs = await make_pairs("tp", args.pairs, port, secret, deliveries)
    acked: list[str] = []
    start = time.time()
    end = start + args.duration

    async def closed_loop(i, sender, chat_id):
        seq = 0
        while time.time() < end:
            seq += 1
            token = f"tp{i}-{seq}"
            await sender.send_message(chat_id, deliveries.content(token, time.time()))
            acked.append(token)

    await asyncio.gather(*(closed_loop(i, s, chat) for i, (s, _, chat) in enumerate(pairs)))
    elapsed = time.time() - start
    delivered = await deliveries.drain(acked, 10)
    close_pairs(pairs)
    print(f"throughput store={args.store} pairs={args.pairs} duration_s={elapsed:.1f}"
          f" sent_per_s={len(acked) / elapsed:.1f} delivered_per_s={delivered / elapsed:.1f}"
          f" delivered={delivered}/{len(acked)}", flush=True)


async def latency(args, port: int, secret: str) -> None:
    """Open loop: message i is due at t0 + i/rate whatever the replies do; the
    content carries the due time, so a late send counts against the server."""
    deliveries = Deliveries()
    pairs = await make_pairs("lt", args.pairs, port, secret, deliveries)
    replies, tokens = [], []
    t0 = time.time() + 0.1
    for i in range(int(args.duration * args.rate)):
        due = t0 + i / args.rate
        if due > time.time():
            await asyncio.sleep(due - time.time())
        sender, _, chat_id = pairs[i % len(pairs)]
        tokens.append(f"lt{i}")
        replies.append(sender.request("send_message", {
            "chat_id": chat_id, "content": deliveries.content(tokens[-1], due)}, "chat_messages"))
    delivered = await deliveries.drain(tokens, 15)
    done, _ = await asyncio.wait(replies, timeout=5)
    errors = sum(1 for r in done if r.exception() or r.result()[0]["type"] == "error")
    close_pairs(pairs)
    ms = [deliveries.latency[t] * 1000 for t in tokens if t in deliveries.latency]
    print(f"latency store={args.store} rate={args.rate:g} pairs={args.pairs}"
          f" p50_ms={percentile(ms, 0.5):.1f} p99_ms={percentile(ms, 0.99):.1f}"
          f" max_ms={max(ms, default=float('nan')):.1f} delivered={delivered}/{len(tokens)}"
          f" errors={errors + len(replies) - len(done)}", flush=True)


def fill(database_url: str, chat_id: str, sender: str, n: int) -> str:
    """Posts n messages through the application itself, one save each, as the
    server would; returns the last content. Runs in a worker thread."""
    from domain.application import Messenger
    from messenger import config as settings
    from messenger.store import store_env

    config = settings.load(CONFIG, server_env(database_url, "unused", {}))
    app = Messenger(env=store_env(config))
    try:
        for i in range(n):
            app.post_message(UUID(chat_id), sender, f"fill {RUN} {i}")
    finally:
        app.close()
    return f"fill {RUN} {n - 1}"


async def wait_for_view(port: int, secret: str, user: str, chat_id: str, content: str,
                        timeout_s: float) -> None:
    """Polls with short-lived connections (a member connected meanwhile would be
    pushed a frame per filled message) until the newest message is `content`."""
    deadline = time.time() + timeout_s
    while True:
        client = await Client(user).connect(port, secret)
        try:
            frame, _ = await client.call("get_chat_messages", {"chat_id": chat_id, "limit": 1},
                                         "chat_messages")
        finally:
            client.close()
        if frame["data"] and frame["data"][-1]["content"] == content:
            return
        if time.time() > deadline:
            raise TimeoutError(f"the view did not catch up within {timeout_s:.0f}s")
        await asyncio.sleep(1)


async def history(args, port: int, secret: str, database_url: str) -> None:
    users = [f"{RUN}-h-a", f"{RUN}-h-b"]
    a, b = [await Client(user).connect(port, secret) for user in users]
    frame, _ = await a.call("create_chat", {"with_user_id": [{"user_id": b.user}],
                                            "chat_name": "history bench"}, "chat_list")
    chat_id = next(c["chat_id"] for c in frame["data"] if c["kind"] == "direct")
    for i in range(10):
        await a.send_message(chat_id, f"start {i}")

    async def mean_ms(sender: Client) -> float:
        took = [await sender.send_message(chat_id, f"sample {i}") for i in range(args.samples)]
        return sum(took) / len(took) * 1000

    small = await mean_ms(a)
    a.close()
    b.close()
    count = 10 + args.samples
    fill_s = catchup_s = 0.0
    if args.history > count:
        started = time.time()
        last = await asyncio.to_thread(fill, database_url, chat_id, users[0], args.history - count)
        fill_s = time.time() - started
        started = time.time()
        await wait_for_view(port, secret, users[0], chat_id, last, args.catchup_timeout)
        catchup_s = time.time() - started
        count = args.history
    a, b = [await Client(user).connect(port, secret) for user in users]
    large = await mean_ms(a)
    a.close()
    b.close()
    filled = max(0, count - 10 - args.samples)
    print(f"history store={args.store} samples={args.samples} at10_ms={small:.2f}"
          f" at{count}_ms={large:.2f} ratio={large / small:.2f} fill_s={fill_s:.1f}"
          f" fill_per_s={filled / fill_s if fill_s else 0:.0f} catchup_s={catchup_s:.1f}",
          flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent() -> None:
    """In the server's process: be sent SIGTERM if the bench dies, even by SIGKILL."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def server_env(database_url: str, secret: str, base: dict) -> dict:
    # Secrets come from the environment, never from files in var/.
    return dict(base, MESSENGER_DATABASE_URL=database_url, MESSENGER_JWT_SECRET=secret,
                MESSENGER_SERVICE_TOKEN=secrets.token_urlsafe(32))


def start_server(database_url: str, secret: str, port: int, log) -> subprocess.Popen:
    env = server_env(database_url, secret, os.environ)
    server = subprocess.Popen(
        [sys.executable, "run.py", "serve", "--config", CONFIG, "--host", "127.0.0.1",
         "--port", str(port)], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent)
    deadline = time.time() + 60
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return server
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
    """Prints, to stderr, the count of bad lines and the log from the first one."""
    with open(path, errors="replace") as log:
        lines = [line.rstrip() for line in log]
    bad = [i for i, line in enumerate(lines) if any(
        word in line for word in ("ERROR", "WARNING", "Traceback"))]
    print(f"server log: {len(bad)} error/warning lines", file=sys.stderr)
    for line in lines[bad[0]:bad[0] + 60] if bad else []:
        print("  | " + line, file=sys.stderr)


async def run_figures(args, port: int, secret: str, database_url: str) -> None:
    figures = args.figures.split(",")
    if "throughput" in figures:
        await throughput(args, port, secret)
    if "latency" in figures:
        await latency(args, port, secret)
    if "history" in figures:
        await history(args, port, secret, database_url)


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
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the finally blocks run

    secret = secrets.token_urlsafe(32)
    workdir = tempfile.mkdtemp(prefix="messenger-bench-")
    database = f"bench_{RUN}"
    server = None
    try:
        if args.store == "postgres":
            import psycopg
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{database}"')
            database_url = f"postgresql://postgres@127.0.0.1:5432/{database}"
        else:
            database_url = f"sqlite:///{workdir}/bench.db"
        port = free_port()
        log_path = os.path.join(workdir, "server.log")
        with open(log_path, "w") as log:
            server = start_server(database_url, secret, port, log)
        asyncio.run(asyncio.wait_for(run_figures(args, port, secret, database_url), args.timeout))
        return 0
    finally:
        if server is not None:
            stop_server(server)
            report_server_log(log_path)
        if args.store == "postgres":
            import psycopg
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
