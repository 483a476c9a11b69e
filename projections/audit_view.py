"""The audit index: for each chat, its events in order, each with a hash that
chains it to the one before, so a stored event changed, removed or reordered
behind the server's back is found by `run.py audit verify`."""

import hashlib

from eventsourcing.persistence import StoredEvent, Tracking

from projections.sql_view import PostgresView, SQLiteView, SQLView, storable

GENESIS = "0" * 64


def stored_event(recorder, notification_id: int):
    """The event as it is in the store now, or None if it is not there."""
    found = recorder.select_notifications(start=notification_id, limit=1)
    return found[0] if found and found[0].id == notification_id else None


def event_hash(previous: str, stored: StoredEvent) -> str:
    """The hash of a stored event's bytes, chained to its predecessor's."""
    digest = hashlib.sha256(previous.encode())
    digest.update(f"\x1f{stored.originator_id}\x1f{stored.originator_version}"
                  f"\x1f{stored.topic}\x1f".encode())
    digest.update(bytes(stored.state))
    return digest.hexdigest()


class AuditView(SQLView):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS audit_chain ("
        " chat_id TEXT NOT NULL, seq BIGINT NOT NULL, notification_id BIGINT NOT NULL,"
        " originator_id TEXT NOT NULL, originator_version BIGINT NOT NULL,"
        " hash TEXT NOT NULL, PRIMARY KEY (chat_id, seq))",
        "CREATE TABLE IF NOT EXISTS audit_memberships ("
        " user_id TEXT NOT NULL, chat_id TEXT NOT NULL, PRIMARY KEY (user_id, chat_id))",
    )
    TABLE_NAMES = ("audit_chain", "audit_memberships")
    PAGE = 500

    def append(self, chat_id: str, stored: StoredEvent, users: list[str],
               tracking: Tracking) -> None:
        self.append_all([(chat_id, stored, users, tracking)], tracking)

    def append_all(self, entries: list[tuple[str, StoredEvent, list[str], Tracking]],
                   tracking: Tracking) -> None:
        """Many events at once: each chat's head is read once, the rows go in
        one executemany each."""
        with self._write(tracking) as c:
            heads: dict[str, tuple[int, str]] = {}
            chain, memberships = [], []
            for chat_id, stored, users, entry_tracking in entries:
                if chat_id not in heads:
                    self._run(c, "SELECT seq, hash FROM audit_chain WHERE chat_id = :chat"
                                 " ORDER BY seq DESC LIMIT 1", chat=chat_id)
                    head = c.fetchone()
                    heads[chat_id] = (head["seq"], head["hash"]) if head else (0, GENESIS)
                seq, previous = heads[chat_id]
                heads[chat_id] = seq + 1, event_hash(previous, stored)
                chain.append({"chat": chat_id, "seq": seq + 1,
                              "notification": entry_tracking.notification_id,
                              "originator": str(stored.originator_id),
                              "version": stored.originator_version, "hash": heads[chat_id][1]})
                memberships.extend(storable({"user": user, "chat": chat_id}) for user in users)
            if chain:
                c.executemany(self.placeholders(
                    "INSERT INTO audit_chain VALUES (:chat, :seq, :notification, :originator,"
                    " :version, :hash)"), chain)
            if memberships:
                c.executemany(self.placeholders(
                    "INSERT INTO audit_memberships VALUES (:user, :chat) ON CONFLICT DO NOTHING"),
                    memberships)

    def chain(self, chat_id: str):
        """The chat's chain, in order, a page at a time (a chat may be long)."""
        after = 0
        while True:
            with self._read() as c:
                self._run(c, "SELECT * FROM audit_chain WHERE chat_id = :chat AND seq > :after"
                             " ORDER BY seq LIMIT :page", chat=chat_id, after=after,
                          page=self.PAGE)
                rows = [dict(row) for row in c.fetchall()]
            yield from rows
            if len(rows) < self.PAGE:
                return
            after = rows[-1]["seq"]

    def count(self, chat_id: str | None = None) -> int:
        """How many events are indexed, for one chat or all (a progress line's total)."""
        with self._read() as c:
            if chat_id is None:
                self._run(c, "SELECT COUNT(*) AS n FROM audit_chain")
            else:
                self._run(c, "SELECT COUNT(*) AS n FROM audit_chain WHERE chat_id = :chat",
                          chat=chat_id)
            return c.fetchone()["n"]

    def chats(self) -> list[str]:
        with self._read() as c:
            self._run(c, "SELECT DISTINCT chat_id FROM audit_chain ORDER BY chat_id")
            return [row["chat_id"] for row in c.fetchall()]

    def chats_of(self, user_id: str) -> list[str]:
        with self._read() as c:
            self._run(c, "SELECT chat_id FROM audit_memberships WHERE user_id = :user"
                         " ORDER BY chat_id", user=user_id)
            return [row["chat_id"] for row in c.fetchall()]

    def knows(self, chat_id: str) -> bool:
        with self._read() as c:
            self._run(c, "SELECT 1 FROM audit_chain WHERE chat_id = :chat LIMIT 1", chat=chat_id)
            return c.fetchone() is not None


class SQLiteAuditView(SQLiteView, AuditView):
    pass


class PostgresAuditView(PostgresView, AuditView):
    pass
