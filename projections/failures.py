"""Where a follower of the events is stuck, kept beside its tracking (in the
same database, the projection's own file on SQLite): the leader writes it as
it fails and clears it once past, and an operator's `run.py followers`, in
another process, reads it and asks the leader through it to try again now."""

from dataclasses import asdict, dataclass

FAILURES_TABLE = (
    "CREATE TABLE IF NOT EXISTS follower_failures ("
    " follower TEXT PRIMARY KEY, event_position BIGINT, event_type TEXT NOT NULL,"
    " error TEXT NOT NULL, since TEXT NOT NULL, last_at TEXT NOT NULL,"
    " attempts BIGINT NOT NULL, retry_requested INTEGER NOT NULL DEFAULT 0)"
)


@dataclass
class Failure:
    follower: str
    position: int | None  # None: it failed before reaching an event (the database, say)
    event_type: str
    error: str  # one line
    since: str  # ISO-8601 UTC, the first attempt that failed
    last_at: str
    attempts: int

    def as_json(self) -> dict:
        return asdict(self)


class Failures:
    """The follower_failures table of one view (any SQLView)."""

    def __init__(self, view):
        self._view = view

    def get(self, follower: str) -> Failure | None:
        with self._view.datastore.transaction(commit=False) as c:
            self._view._run(c, "SELECT * FROM follower_failures WHERE follower = :follower",
                            follower=follower)
            row = c.fetchone()
        if row is None:
            return None
        row = dict(row)
        return Failure(row["follower"], row["event_position"], row["event_type"], row["error"],
                       row["since"], row["last_at"], row["attempts"])

    def save(self, failure: Failure) -> None:
        """Leaves a pending retry request alone: it may have come in meanwhile."""
        with self._view.datastore.transaction(commit=True) as c:
            self._view._run(
                c, "INSERT INTO follower_failures (follower, event_position, event_type, error,"
                   " since, last_at, attempts) VALUES (:follower, :position, :event_type, :error,"
                   " :since, :last_at, :attempts) ON CONFLICT (follower) DO UPDATE SET"
                   " event_position = :position, event_type = :event_type, error = :error,"
                   " since = :since, last_at = :last_at, attempts = :attempts",
                **failure.as_json())

    def clear(self, follower: str) -> None:
        with self._view.datastore.transaction(commit=True) as c:
            self._view._run(c, "DELETE FROM follower_failures WHERE follower = :follower",
                            follower=follower)

    def request_retry(self, follower: str) -> bool:
        """False if the follower is not failing."""
        return self._update("UPDATE follower_failures SET retry_requested = 1"
                            " WHERE follower = :follower RETURNING follower", follower)

    def take_retry(self, follower: str) -> bool:
        """Whether a retry was asked for since the last call."""
        return self._update("UPDATE follower_failures SET retry_requested = 0"
                            " WHERE follower = :follower AND retry_requested = 1"
                            " RETURNING follower", follower)

    def _update(self, sql: str, follower: str) -> bool:
        with self._view.datastore.transaction(commit=True) as c:
            self._view._run(c, sql, follower=follower)
            return c.fetchone() is not None
