"""Presence, kept in the inbox's database: who is connected to which server
process (each process heartbeats its lease), what other users are shown
(online, and when last seen), and who hides it (from their User events, with
the inbox). Mixed into the inbox view, so that a version 2 chat list reads
presence in the same query as the members' names.

The shown state lags the connections on purpose: a user whose last
connection anywhere closed is shown offline only `offline_after_s` later (a
row in presence_leaving until then), so a reconnect, to this process or
another, is never shown as offline and online again."""

import json
import time
from dataclasses import dataclass, field

from eventsourcing.persistence import Tracking

from projections.sql_view import PostgresView

TABLES = (
    "CREATE TABLE IF NOT EXISTS presence_servers ("
    " process_id TEXT PRIMARY KEY, seen_at TEXT NOT NULL, expires_ms BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS presence_connections ("
    " process_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (process_id, user_id))",
    "CREATE INDEX IF NOT EXISTS presence_connections_by_user ON presence_connections (user_id)",
    "CREATE TABLE IF NOT EXISTS presence_users ("
    " user_id TEXT PRIMARY KEY, online INTEGER NOT NULL, last_seen_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS presence_leaving ("
    " user_id TEXT PRIMARY KEY, due_ms BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS presence_leaving_by_due ON presence_leaving (due_ms)",
    # From User.PresenceVisibilitySet events: the one part a rebuild replays.
    "CREATE TABLE IF NOT EXISTS inbox_presence_hidden (user_id TEXT PRIMARY KEY)",
)
# The rest is about connections, not events: a rebuild keeps it.
TABLE_NAMES = ("inbox_presence_hidden",)

LOCK_KEY = 0x70726573  # "pres": presence writes of all processes, one at a time


@dataclass
class PresenceNews:
    """What one write changed in what others are shown."""

    online: list[str] = field(default_factory=list)
    offline: list[tuple[str, str]] = field(default_factory=list)  # user, last seen at
    # False when the process's lease had run out and another process retired
    # its connections (it stalled for that long): they are to be written again.
    lease_kept: bool = True


class PresenceRecords:
    """Mixed into the inbox view (an SQLView). Times are given, in seconds
    since the epoch (`now`) and as a stamp (`at`), so every process and
    test agrees on one clock per write."""

    # --- the setting, from events ---------------------------------------------

    def set_presence_hidden(self, user_id: str, hidden: bool, tracking: Tracking) -> None:
        with self._write(tracking) as c:
            if hidden:
                self._run(c, "INSERT INTO inbox_presence_hidden VALUES (:user)"
                             " ON CONFLICT DO NOTHING", user=user_id)
            else:
                self._run(c, "DELETE FROM inbox_presence_hidden WHERE user_id = :user",
                          user=user_id)

    # --- connections, written by each process ---------------------------------

    def record_presence(self, process_id: str, connected: list[str], gone: list[str],
                        now: float, at: str, lease_s: float, offline_after_s: float,
                        sweep: bool) -> PresenceNews:
        """One transaction: renews this process's lease, records who connected
        here and whose last connection here closed, retires processes whose
        lease ran out (if `sweep`), and shows offline whoever has been gone
        from everywhere for offline_after_s. Processes write one at a time,
        so what each one decides, it decides on what the others committed."""
        news = PresenceNews()
        now_ms = int(now * 1000)
        with self.datastore.transaction(commit=True) as c:
            self._lock_presence(c)
            self._run(c, "SELECT 1 FROM presence_servers WHERE process_id = :process",
                      process=process_id)
            news.lease_kept = c.fetchone() is not None
            self._run(c, "INSERT INTO presence_servers VALUES (:process, :at, :expires)"
                         " ON CONFLICT (process_id) DO UPDATE SET seen_at = :at,"
                         " expires_ms = :expires", process=process_id, at=at,
                      expires=now_ms + int(lease_s * 1000))
            if connected:
                users = self._user_list(connected)
                self._run(c, "INSERT INTO presence_connections (process_id, user_id)"
                             f" SELECT :process, r.user_id FROM {self._each('users')} WHERE true"
                             " ON CONFLICT DO NOTHING", process=process_id, users=users)
                self._run(c, "INSERT INTO presence_users (user_id, online, last_seen_at)"
                             f" SELECT r.user_id, 1, '' FROM {self._each('users')} WHERE true"
                             " ON CONFLICT (user_id) DO UPDATE SET online = 1"
                             " WHERE presence_users.online = 0 RETURNING user_id", users=users)
                news.online = [row["user_id"] for row in c.fetchall()]
            if gone:
                users = self._user_list(gone)
                self._run(c, "DELETE FROM presence_connections WHERE process_id = :process"
                             f" AND {self._in('user_id', 'users')}", process=process_id,
                          users=users)
                self._leaving(c, f"SELECT r.user_id FROM {self._each('users')}", at,
                              now_ms + int(offline_after_s * 1000), users=users)
            if sweep:
                self._run(c, "SELECT process_id, seen_at FROM presence_servers"
                             " WHERE expires_ms < :now", now=now_ms)
                for stale in c.fetchall():  # crashed: its users were last seen at its last beat
                    self._retire(c, stale["process_id"], stale["seen_at"], now_ms)
            news.offline = self._gone_long_enough(c, now_ms)
        return news

    def leave_process(self, process_id: str, at: str, due_s: float) -> None:
        """A process stopping: its users were last seen now, and are shown
        offline at due_s unless they reconnect (anywhere) before."""
        with self.datastore.transaction(commit=True) as c:
            self._lock_presence(c)
            self._retire(c, process_id, at, int(due_s * 1000))

    def presence_due(self, now: float) -> bool:
        """Whether someone's offline_after_s is up, or a process's lease ran out."""
        now_ms = int(now * 1000)
        with self._read() as c:
            self._run(c, "SELECT 1 FROM presence_leaving WHERE due_ms <= :now UNION ALL"
                         " SELECT 1 FROM presence_servers WHERE expires_ms < :now", now=now_ms)
            return c.fetchone() is not None

    def is_online(self, user_id: str, now: float | None = None) -> bool:
        """Connected now to a process whose lease runs (the push sender's
        question: no debounce here)."""
        now = time.time() if now is None else now
        with self._read() as c:
            self._run(c, "SELECT 1 FROM presence_connections c JOIN presence_servers s"
                         " ON s.process_id = c.process_id WHERE c.user_id = :user"
                         " AND s.expires_ms >= :now", user=user_id, now=int(now * 1000))
            return c.fetchone() is not None

    # --- who is told ------------------------------------------------------------

    def presence_watchers(self, subjects: list[str], candidates: list[str]
                          ) -> tuple[list[tuple[str, str]], set[str]]:
        """(subject, watcher) for each of `candidates` sharing a chat with a
        subject, and which subjects hide their presence: two queries, however
        many of either."""
        subjects_list, candidates_list = self._user_list(subjects), self._user_list(candidates)
        with self._read() as c:
            self._run(c, "SELECT DISTINCT a.user_id AS subject, b.user_id AS watcher"
                         " FROM inbox_members a JOIN inbox_chats ch ON ch.chat_id = a.chat_id"
                         " AND ch.deleted = 0 JOIN inbox_members b ON b.chat_id = a.chat_id"
                         " AND b.user_id <> a.user_id"
                         f" WHERE {self._in('a.user_id', 'subjects')}"
                         f" AND {self._in('b.user_id', 'watchers', lookup=False)}",
                      subjects=subjects_list, watchers=candidates_list)
            pairs = [(row["subject"], row["watcher"]) for row in c.fetchall()]
            self._run(c, "SELECT user_id FROM inbox_presence_hidden"
                         f" WHERE {self._in('user_id', 'subjects')}", subjects=subjects_list)
            hidden = {row["user_id"] for row in c.fetchall()}
        return pairs, hidden

    def shown_presence(self, user_id: str) -> tuple[bool, str]:
        """What others would see of the user were they not hiding it."""
        with self._read() as c:
            self._run(c, "SELECT online, last_seen_at FROM presence_users WHERE user_id = :user",
                      user=user_id)
            row = c.fetchone()
        return (bool(row["online"]), row["last_seen_at"]) if row else (False, "")

    # --- helpers ----------------------------------------------------------------

    def _retire(self, c, process_id: str, seen_at: str, due_ms: int) -> None:
        """A process's connections are gone: its users leave, as of seen_at."""
        self._leaving(c, "SELECT user_id FROM presence_connections WHERE process_id = :process",
                      seen_at, due_ms, process=process_id)
        self._run(c, "DELETE FROM presence_connections WHERE process_id = :process",
                  process=process_id)
        self._run(c, "DELETE FROM presence_servers WHERE process_id = :process",
                  process=process_id)

    def _leaving(self, c, users_sql: str, at: str, due_ms: int, **params) -> None:
        """The users `users_sql` selects were last seen `at`, and are shown
        offline at due_ms unless connected anywhere by then."""
        self._run(c, "INSERT INTO presence_users (user_id, online, last_seen_at)"
                     f" SELECT u.user_id, 0, :at FROM ({users_sql}) AS u WHERE true"
                     " ON CONFLICT (user_id) DO UPDATE SET last_seen_at = :at", at=at, **params)
        self._run(c, "INSERT INTO presence_leaving (user_id, due_ms)"
                     f" SELECT u.user_id, :due FROM ({users_sql}) AS u WHERE true"
                     " ON CONFLICT (user_id) DO UPDATE SET due_ms = excluded.due_ms",
                  due=due_ms, **params)

    def _gone_long_enough(self, c, now_ms: int) -> list[tuple[str, str]]:
        self._run(c, "DELETE FROM presence_leaving WHERE due_ms <= :now RETURNING user_id",
                  now=now_ms)
        due = [row["user_id"] for row in c.fetchall()]
        if not due:
            return []
        self._run(c, "UPDATE presence_users SET online = 0 WHERE online = 1"
                     f" AND {self._in('user_id', 'users')} AND NOT EXISTS"
                     " (SELECT 1 FROM presence_connections c JOIN presence_servers s"
                     " ON s.process_id = c.process_id WHERE c.user_id = presence_users.user_id"
                     " AND s.expires_ms >= :now) RETURNING user_id, last_seen_at",
                  users=self._user_list(due), now=now_ms)
        return [(row["user_id"], row["last_seen_at"]) for row in c.fetchall()]

    # A list of user ids as one parameter, whatever its length: an array on
    # PostgreSQL, JSON that SQLite's json_each() reads as rows.

    def _each(self, name: str) -> str:
        """A FROM item: the users of parameter `name`, in a column r.user_id."""
        if isinstance(self, PostgresView):
            return f"unnest(CAST(:{name} AS text[])) AS r(user_id)"
        return f"(SELECT value AS user_id FROM json_each(:{name})) AS r"

    def _in(self, column: str, name: str, lookup: bool = True) -> str:
        """`column` is one of the users of parameter `name`. Not `lookup`:
        only tested row by row (SQLite would otherwise look up every user of
        a long list in the column's index for each row: seconds, not ms)."""
        if isinstance(self, PostgresView):
            return f"{column} = ANY(CAST(:{name} AS text[]))"
        return f"{'' if lookup else '+'}{column} IN (SELECT value FROM json_each(:{name}))"

    def _user_list(self, users: list[str]):
        users = list(dict.fromkeys(users))
        return users if isinstance(self, PostgresView) else json.dumps(users)

    def _lock_presence(self, c) -> None:
        """SQLite: the transaction's first write takes the file's lock."""
        if isinstance(self, PostgresView):
            self._run(c, "SELECT pg_advisory_xact_lock(:key)", key=LOCK_KEY)
