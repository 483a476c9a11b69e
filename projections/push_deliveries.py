"""What the push sender keeps: each user's devices (from Device events, with
tracking), and which pushes went out (so none goes twice, also across a
restart). Who is connected anywhere is in the inbox's database
(projections/presence.py)."""

from eventsourcing.persistence import Tracking

from projections.sql_view import PostgresView, SQLiteView, SQLView


class PushView(SQLView):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS push_devices ("
        " platform TEXT NOT NULL, token TEXT NOT NULL, user_id TEXT NOT NULL,"
        " PRIMARY KEY (platform, token))",
        "CREATE INDEX IF NOT EXISTS push_devices_by_user ON push_devices (user_id)",
        "CREATE TABLE IF NOT EXISTS push_sent ("
        " message_id TEXT NOT NULL, platform TEXT NOT NULL, token TEXT NOT NULL,"
        " PRIMARY KEY (message_id, platform, token))",
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


class SQLitePushView(SQLiteView, PushView):
    pass


class PostgresPushView(PostgresView, PushView):
    pass
