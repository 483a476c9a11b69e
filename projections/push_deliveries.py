"""What the push sender keeps: each user's devices (from Device events, with
tracking), which pushes went out (so none goes twice, also across a restart),
and who is connected to any server process (presence, with heartbeats so a
crashed process stops counting)."""

import time

from eventsourcing.persistence import Tracking

from projections.sql_view import PostgresView, SQLiteView, SQLView

PRESENCE_TTL_S = 90  # three missed heartbeats


class PushView(SQLView):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS push_devices ("
        " platform TEXT NOT NULL, token TEXT NOT NULL, user_id TEXT NOT NULL,"
        " PRIMARY KEY (platform, token))",
        "CREATE INDEX IF NOT EXISTS push_devices_by_user ON push_devices (user_id)",
        "CREATE TABLE IF NOT EXISTS push_sent ("
        " message_id TEXT NOT NULL, platform TEXT NOT NULL, token TEXT NOT NULL,"
        " PRIMARY KEY (message_id, platform, token))",
        "CREATE TABLE IF NOT EXISTS presence ("
        " process_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (process_id, user_id))",
        "CREATE INDEX IF NOT EXISTS presence_by_user ON presence (user_id)",
        "CREATE TABLE IF NOT EXISTS presence_processes ("
        " process_id TEXT PRIMARY KEY, heartbeat_at BIGINT NOT NULL)",
    )
    TABLE_NAMES = ("push_devices", "push_sent")

    # --- devices, from events ---------------------------------------------------

    def set_device(self, platform: str, token: str, user_id: str, tracking: Tracking) -> None:
        with self._write(tracking) as c:
            self._run(c, "INSERT INTO push_devices VALUES (:platform, :token, :user)"
                         " ON CONFLICT (platform, token) DO UPDATE SET user_id = :user",
                      platform=platform, token=token, user=user_id)

    def drop_device(self, platform: str, token: str, tracking: Tracking) -> None:
        with self._write(tracking) as c:
            self._run(c, "DELETE FROM push_devices WHERE platform = :platform AND token = :token",
                      platform=platform, token=token)

    def devices_of(self, user_id: str) -> list[tuple[str, str]]:
        with self._read() as c:
            self._run(c, "SELECT platform, token FROM push_devices WHERE user_id = :user"
                         " ORDER BY platform, token", user=user_id)
            return [(row["platform"], row["token"]) for row in c.fetchall()]

    # --- pushes sent ------------------------------------------------------------

    def was_sent(self, message_id: str, platform: str, token: str) -> bool:
        with self._read() as c:
            self._run(c, "SELECT 1 FROM push_sent WHERE message_id = :message"
                         " AND platform = :platform AND token = :token",
                      message=message_id, platform=platform, token=token)
            return c.fetchone() is not None

    def mark_sent(self, message_id: str, platform: str, token: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            self._run(c, "INSERT INTO push_sent VALUES (:message, :platform, :token)"
                         " ON CONFLICT DO NOTHING", message=message_id, platform=platform,
                      token=token)

    # --- presence ---------------------------------------------------------------

    def joined(self, process_id: str, user_id: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            self._run(c, "INSERT INTO presence VALUES (:process, :user) ON CONFLICT DO NOTHING",
                      process=process_id, user=user_id)

    def left(self, process_id: str, user_id: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            self._run(c, "DELETE FROM presence WHERE process_id = :process AND user_id = :user",
                      process=process_id, user=user_id)

    def heartbeat(self, process_id: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            self._run(c, "INSERT INTO presence_processes VALUES (:process, :now)"
                         " ON CONFLICT (process_id) DO UPDATE SET heartbeat_at = :now",
                      process=process_id, now=int(time.time()))

    def forget_process(self, process_id: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            self._run(c, "DELETE FROM presence WHERE process_id = :process", process=process_id)
            self._run(c, "DELETE FROM presence_processes WHERE process_id = :process",
                      process=process_id)

    def is_online(self, user_id: str) -> bool:
        """Connected to some process whose heartbeat is recent."""
        with self._read() as c:
            self._run(c, "SELECT 1 FROM presence p JOIN presence_processes s"
                         " ON s.process_id = p.process_id WHERE p.user_id = :user"
                         " AND s.heartbeat_at >= :fresh", user=user_id,
                      fresh=int(time.time()) - PRESENCE_TTL_S)
            return c.fetchone() is not None


class SQLitePushView(SQLiteView, PushView):
    pass


class PostgresPushView(PostgresView, PushView):
    pass
