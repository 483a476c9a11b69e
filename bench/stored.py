"""The figures of what is stored: history (sending in a long chat against a
short one) and chat_list (one user in 1,000 chats). See bench/README.md."""

import statistics
import time
from uuid import UUID

from common import RUN, f1, f2, line, percentile, postgres_in, progress
from local import Local

FILL_BATCH = 500
CHAT_LIST_CHATS = 1000
CHAT_LIST_SAMPLES = 200


class StoredFigures:
    """Part of run_bench.Bench: the phase with history and chat_list."""

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
        """InboxView.chat_list(owner), with the names version 2 reads, timed in
        this process on the same database once the server's view caught up;
        and the frame built from it."""
        from messenger.wire import protocol, shapes
        view = local.store.view
        chats = view.chat_list(owner, with_names=True)
        if len(chats) < CHAT_LIST_CHATS:
            raise RuntimeError(f"chat_list: {len(chats)} chats, expected {CHAT_LIST_CHATS}+")
        for _ in range(5):
            view.chat_list(owner, with_names=True)
        query, frame = [], []
        for _ in range(CHAT_LIST_SAMPLES):
            started = time.perf_counter()
            chats = view.chat_list(owner, with_names=True)
            middle = time.perf_counter()
            protocol.encode(shapes.chat_list_frame(chats))
            ended = time.perf_counter()
            query.append((middle - started) * 1000)
            frame.append((ended - started) * 1000)
        line("chat_list", store=self.store, processes=self.args.processes, chats=len(chats),
             samples=CHAT_LIST_SAMPLES, p50_ms=f2(percentile(query, 0.5)),
             p99_ms=f2(percentile(query, 0.99)), frame_p50_ms=f2(percentile(frame, 0.5)),
             frame_p99_ms=f2(percentile(frame, 0.99)), build_s=f1(build_s))

    def samples(self, count: int, text: str) -> list[float]:
        """Worker 0's one pair: `count` sends one after the other; each one's
        seconds from send to its own reply."""
        results = self.workers.call("samples", [{"count": count, "text": text}]
                                    + [{"count": 0, "text": text}] * (len(self.workers) - 1),
                                    count * 35 + 60)
        return results[0]["seconds"]
