"""The load generator's timed commands (part of loadgen.Worker): the closed
loop of the throughput figure, the open loop of latency and soak, and the
history figure's one-at-a-time samples."""

import asyncio
import time

REPLY_TIMEOUT_S = 30
SEND_REPLY = {1: "chat_messages", 2: "message_new"}  # what ends the reply to send_message


class Loops:
    """Mixed into loadgen.Worker: uses its pairs, its `delivered` tokens and _forget."""

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
