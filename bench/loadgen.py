"""The load generator's worker: one OS process with its own asyncio loop,
holding a share of the benchmark's WebSocket clients. The coordinator
(run_bench.py) sends it commands over a multiprocessing pipe and gets back
plain numbers and lists of times; it never shares memory with it. Here:
connecting (also the storm's), chats and closing; the timed loops are in
loops.py.

Frames are told apart without parsing whole JSON documents: the server's
frames begin with {"type":"…" and a reply ends with "request_id":N}, and the
bench's message contents ("bench <token> <time>") are found with a regular
expression. A frame that does not look like that is parsed as JSON."""

import asyncio
import ctypes
import json
import os
import re
import resource
import signal
import time
import traceback

import jwt
from tornado.websocket import websocket_connect

from loops import REPLY_TIMEOUT_S, Loops

CONNECT_CONCURRENCY = 50  # connections opened at once by one worker
TYPE = re.compile(r'\{"type":"(\w+)"')
REQUEST_ID = re.compile(r'"request_id":(\d+)\}$')
TOKEN = re.compile(r'bench ([\w.-]+) (\d+\.\d+)')

# What a pushed new message is, and what answers create_chat.
NEW_MESSAGE = {1: "chat_messages", 2: "message_new"}
CREATE_REPLY = {1: "chat_list", 2: "chat_updated"}


def frame_kind(text: str) -> tuple[str, int | None]:
    """A frame's type and request_id (None for a pushed frame)."""
    kind = TYPE.match(text)
    tail = REQUEST_ID.search(text, max(0, len(text) - 40))
    if kind is not None and (tail is not None or '"request_id"' not in text[-40:]):
        return kind.group(1), int(tail.group(1)) if tail else None
    frame = json.loads(text)
    request_id = frame.get("request_id")
    return str(frame.get("type")), request_id if isinstance(request_id, int) else None


class Client:
    """One WebSocket connection of one user."""

    def __init__(self, worker: "Worker", user: str, port: int, pair: int, role: str):
        self.worker, self.user, self.port, self.pair, self.role = worker, user, port, pair, role
        self.pending: dict[int, tuple[str, asyncio.Future]] = {}
        self.last_id = 0
        self.ws = None
        self.closed = None

    async def connect(self) -> None:
        worker = self.worker
        token = jwt.encode({"sub": self.user}, worker.secret, algorithm="HS256")
        loop = asyncio.get_running_loop()
        self.ready, self.closed = loop.create_future(), loop.create_future()
        self.ws = await websocket_connect(
            f"ws://127.0.0.1:{self.port}/ws?token={token}&v={worker.version}",
            connect_timeout=REPLY_TIMEOUT_S, on_message_callback=self.on_message,
            max_message_size=256 * 1024 * 1024)
        await asyncio.wait_for(self.ready, REPLY_TIMEOUT_S)  # the chat_list sent on connect

    def on_message(self, text) -> None:
        now = time.time()
        if text is None:  # closed
            if not self.closed.done():
                self.closed.set_result(now)
            for _, future in self.pending.values():
                if not future.done():
                    future.set_exception(ConnectionError(f"{self.user}: connection closed"))
            self.pending.clear()
            return
        kind, request_id = frame_kind(text)
        if request_id is None:
            if not self.ready.done():
                if kind == "chat_list":
                    self.ready.set_result(now)
            elif self.role == "receiver" and kind == NEW_MESSAGE[self.worker.version]:
                delivered = self.worker.delivered
                for token, _ in TOKEN.findall(text):
                    if token not in delivered:
                        delivered[token] = now
            return
        entry = self.pending.get(request_id)
        if entry is not None and kind in (entry[0], "error"):
            del self.pending[request_id]
            if not entry[1].done():
                entry[1].set_result((kind, text, now))

    def request(self, kind: str, data: dict, want: str) -> asyncio.Future:
        """Sends without waiting; the future gets (type, text, arrival) of the
        reply frame of type `want`, or of an error."""
        self.last_id += 1
        future = asyncio.get_running_loop().create_future()
        self.pending[self.last_id] = (want, future)
        self.ws.write_message(json.dumps({"type": kind, "data": data,
                                          "request_id": self.last_id}))
        return future

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()


class Worker(Loops):
    def __init__(self, index: int, workers: int):
        self.index, self.workers = index, workers
        self.clients: list[Client] = []
        self.pairs: dict[int, dict] = {}  # pair -> {"sender", "receiver", "chat_id"}
        self.delivered: dict[str, float] = {}
        self.version, self.secret = 2, ""
        self.figure = 0

    # --- commands -----------------------------------------------------------

    async def connect(self, secret: str, version: int, clients: list[dict]) -> dict:
        """clients: {"user", "port", "pair", "role"}; connects them all, a few at a time."""
        self.secret, self.version = secret, version
        started, semaphore, failures = time.time(), asyncio.Semaphore(CONNECT_CONCURRENCY), []

        async def one(spec):
            client = Client(self, spec["user"], spec["port"], spec["pair"], spec["role"])
            async with semaphore:
                try:
                    await client.connect()
                except Exception as error:
                    failures.append(f"{spec['user']}: {error!r}")
                    client.close()
                    return
            self.clients.append(client)
            pair = self.pairs.setdefault(spec["pair"], {})
            pair[spec["role"]] = client

        await asyncio.gather(*(one(spec) for spec in clients))
        return {"connected": len(self.clients), "failed": len(failures),
                "failures": failures[:3], "seconds": time.time() - started}

    async def chats(self) -> dict:
        """Each complete pair's sender asks for the direct chat with its receiver."""
        started, failures = time.time(), []
        want = CREATE_REPLY[self.version]

        async def one(pair):
            sender, receiver = pair["sender"], pair["receiver"]
            try:
                kind, text, _ = await asyncio.wait_for(sender.request(
                    "create_chat", {"with_user_id": [{"user_id": receiver.user}],
                                    "chat_name": "bench"}, want), REPLY_TIMEOUT_S)
                if kind == "error":
                    raise RuntimeError(text)
                data = json.loads(text)["data"]
                chats = data if isinstance(data, list) else [data]
                pair["chat_id"] = next(
                    chat["chat_id"] for chat in chats if not chat.get("IsGroupChat")
                    and receiver.user in {user["user_id"] for user in chat["users"]})
            except Exception as error:
                failures.append(f"{sender.user}: {error!r}"[:300])

        complete = [pair for pair in self.pairs.values() if "sender" in pair and "receiver" in pair]
        semaphore = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def limited(pair):
            async with semaphore:
                await one(pair)

        await asyncio.gather(*(limited(pair) for pair in complete))
        return {"chats": len(complete) - len(failures), "failed": len(failures),
                "failures": failures[:3], "seconds": time.time() - started}

    def _ready_pairs(self) -> list[dict]:
        return [pair for _, pair in sorted(self.pairs.items()) if "chat_id" in pair]

    async def storm(self, secret: str, version: int, clients: list[dict]) -> dict:
        """clients: {"user", "port", "at"}; each connects at its own time `at`,
        whatever the others do (as after a deploy), and stays connected. The
        seconds from each one's start to its chat_list, and how late it started."""
        self.secret, self.version = secret, version
        seconds, lag, failures = [], [], []

        async def one(spec):
            await asyncio.sleep(max(0.0, spec["at"] - time.time()))
            started = time.time()
            lag.append(started - spec["at"])
            client = Client(self, spec["user"], spec["port"], -1, "storm")
            try:
                await client.connect()
            except Exception as error:
                failures.append(f"{spec['user']}: {error!r}"[:300])
                client.close()
                return
            self.clients.append(client)
            seconds.append(client.ready.result() - started)

        await asyncio.gather(*(one(spec) for spec in clients))
        return {"seconds": seconds, "lag": lag, "errors": len(failures),
                "failures": failures[:3]}

    async def close(self) -> dict:
        for client in self.clients:
            client.close()
        closing = [c.closed for c in self.clients if c.closed is not None]
        if closing:
            await asyncio.wait(closing, timeout=10)
        count = len(self.clients)
        self.clients, self.pairs = [], {}
        self.delivered.clear()
        return {"closed": count}

    def _forget(self, prefix: str) -> None:
        for token in [t for t in self.delivered if t.startswith(prefix + ".")]:
            del self.delivered[token]


def _die_with_parent() -> None:
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _raise_open_files() -> None:
    """Soft RLIMIT_NOFILE up to the hard limit: a storm holds thousands of
    connections in one worker (the coordinator raised its own already; this
    holds when a worker is started some other way)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass


def main(connection, index: int, workers: int) -> None:
    """The worker process: answers commands from the pipe until "exit"."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator decides when to stop
    _raise_open_files()
    try:
        import uvloop  # optional
        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_serve(connection, Worker(index, workers)))


async def _serve(connection, worker: Worker) -> None:
    loop = asyncio.get_running_loop()
    incoming: asyncio.Queue = asyncio.Queue()

    def readable():
        try:
            incoming.put_nowait(connection.recv())
        except EOFError:
            loop.remove_reader(connection.fileno())
            incoming.put_nowait(("exit", {}))

    loop.add_reader(connection.fileno(), readable)
    # uvloop makes a watched descriptor non-blocking; a big result must still
    # be sent whole.
    os.set_blocking(connection.fileno(), True)
    while True:
        command, arguments = await incoming.get()
        if command == "exit":
            await worker.close()
            return
        try:
            result = await getattr(worker, command)(**arguments)
            connection.send(("ok", result))
        except Exception:
            connection.send(("error", f"worker {worker.index} {command}: "
                                      + traceback.format_exc()))


if __name__ == "__main__":
    raise SystemExit("run bench/run_bench.py; this module is its worker")
