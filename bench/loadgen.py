"""The load generator's worker: one OS process with its own asyncio loop,
holding a share of the benchmark's WebSocket clients. The coordinator
(run_bench.py) sends it commands over a multiprocessing pipe and gets back
plain numbers and lists of times; it never shares memory with it.

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

REPLY_TIMEOUT_S = 30
CONNECT_CONCURRENCY = 50  # connections opened at once by one worker
TYPE = re.compile(r'\{"type":"(\w+)"')
REQUEST_ID = re.compile(r'"request_id":(\d+)\}$')
TOKEN = re.compile(r'bench ([\w.-]+) (\d+\.\d+)')

# What a pushed new message is, and what ends the reply to send_message.
NEW_MESSAGE = {1: "chat_messages", 2: "message_new"}
SEND_REPLY = {1: "chat_messages", 2: "message_new"}
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


class Worker:
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
                    and {"user_id": receiver.user} in chat["users"])
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

    async def throughput(self, start_at: float, end_at: float, drain_s: float) -> dict:
        """Closed loop: each sender sends its next message once the reply to the
        last one arrived, from start_at until end_at."""
        self.figure += 1
        prefix = f"t{self.figure}.w{self.index}"
        acks: list[float] = []
        errors, error_samples, tokens = 0, [], []
        want = SEND_REPLY[self.version]
        await asyncio.sleep(max(0.0, start_at - time.time()))

        async def closed_loop(number, pair):
            nonlocal errors
            sender, chat_id, seq = pair["sender"], pair["chat_id"], 0
            while time.time() < end_at:
                seq += 1
                token = f"{prefix}.{number}.{seq}"
                content = f"bench {token} {time.time():.6f}"
                try:
                    kind, text, at = await asyncio.wait_for(sender.request(
                        "send_message", {"chat_id": chat_id, "content": content}, want),
                        REPLY_TIMEOUT_S)
                except Exception as error:
                    errors += 1
                    error_samples.append(repr(error)[:200])
                    await asyncio.sleep(0.1)
                    continue
                if kind == "error":
                    errors += 1
                    error_samples.append(text[:200])
                    continue
                acks.append(at)
                tokens.append(token)

        await asyncio.gather(*(closed_loop(n, pair) for n, pair in enumerate(self._ready_pairs())))
        deadline = time.time() + drain_s
        while time.time() < deadline and any(t not in self.delivered for t in tokens):
            await asyncio.sleep(0.05)
        delivered = [self.delivered[t] for t in tokens if t in self.delivered]
        self._forget(prefix)
        return {"acks": acks, "deliveries": delivered, "errors": errors,
                "error_samples": error_samples[:3]}

    async def latency(self, t0: float, rate: float, count: int, drain_s: float,
                      max_backlog_s: float = 2.0) -> dict:
        """Open loop: message i of the whole run is due at t0 + i/rate, whatever
        the replies do; this worker sends i = index, index + workers, … round-robin
        over its pairs. The content carries the due time, so a late send counts
        against the server, not hidden by it (the generator's own lag is reported).
        Once more than max_backlog_s worth of messages wait for their reply or
        their delivery, the server is saturated: sending stops there."""
        self.figure += 1
        prefix = f"l{self.figure}.w{self.index}"
        pairs = self._ready_pairs()
        want = SEND_REPLY[self.version]
        pending, due_of, lag = set(), {}, []
        saturated, errors = False, 0
        max_backlog = max(10, rate / self.workers * max_backlog_s)
        known = len(self.delivered)

        def answered(reply):
            # Counted as it comes, not kept: a soak sends hundreds of thousands.
            nonlocal errors
            pending.discard(reply)
            if reply.cancelled():
                return
            if reply.exception() is not None or reply.result()[0] == "error":
                errors += 1

        for k, i in enumerate(range(self.index, count, self.workers)):
            if not pairs:
                break
            if k % 20 == 0 and max(len(pending),
                                   len(due_of) - (len(self.delivered) - known)) > max_backlog:
                saturated = True
                break
            due = t0 + i / rate
            delay = due - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            pair = pairs[k % len(pairs)]
            token = f"{prefix}.{i}"
            due_of[token] = due
            lag.append(time.time() - due)
            reply = pair["sender"].request(
                "send_message", {"chat_id": pair["chat_id"], "content": f"bench {token} {due:.6f}"},
                want)
            pending.add(reply)
            reply.add_done_callback(answered)
        deadline = time.time() + drain_s
        while time.time() < deadline and any(t not in self.delivered for t in due_of):
            await asyncio.sleep(0.05)
        latencies = [self.delivered[t] - due for t, due in due_of.items() if t in self.delivered]
        if pending:
            await asyncio.wait(set(pending), timeout=max(0.5, deadline - time.time()))
        await asyncio.sleep(0)  # the done callbacks already scheduled run first
        unanswered = len(pending)
        for reply in list(pending):
            reply.cancel()
        self._forget(prefix)
        return {"latencies": latencies, "sent": len(due_of), "errors": errors,
                "unanswered": unanswered, "lag": lag, "saturated": saturated}

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

    async def samples(self, count: int, text: str) -> dict:
        """The first pair's sender sends `count` messages one after the other;
        the seconds from each send to its own reply."""
        seconds = []
        if count:
            pair = self._ready_pairs()[0]
            want = SEND_REPLY[self.version]
            for i in range(count):
                started = time.time()
                kind, reply, at = await asyncio.wait_for(pair["sender"].request(
                    "send_message", {"chat_id": pair["chat_id"], "content": f"{text} {i}"},
                    want), REPLY_TIMEOUT_S)
                if kind == "error":
                    raise RuntimeError(reply[:300])
                seconds.append(at - started)
        return {"seconds": seconds}

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
