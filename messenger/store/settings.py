"""MESSENGER_DATABASE_URL turned into eventsourcing's own persistence keys,
set in this one place."""

from pathlib import Path
from urllib.parse import unquote, urlsplit

# Recorders that write the inbox view with the events (messenger/store/inbox_recorders.py).
SQLITE_RECORDER_TOPIC = "messenger.store.inbox_recorders:SQLiteInboxRecorder"
POSTGRES_RECORDER_TOPIC = "messenger.store.inbox_recorders:PostgresInboxRecorder"
# The development state folder (git-ignored), made on first start like the
# development secrets in it. Any other folder must exist already: a mistyped
# path is an error, not a new empty store.
STATE_FOLDER = "var"


class DatabaseURLError(ValueError):
    pass


def is_postgres(database_url: str) -> bool:
    return database_url.startswith(("postgresql://", "postgres://"))


def persistence_env(database_url: str) -> dict[str, str]:
    if database_url.startswith("sqlite:///"):
        return _sqlite_env(database_url.removeprefix("sqlite:///"))
    if is_postgres(database_url):
        return _postgres_env(database_url)
    raise DatabaseURLError(
        f"unsupported database URL {database_url!r}: use sqlite:///file.db or "
        "postgresql://user:pass@host:port/dbname"
    )


def connect_postgres(env: dict[str, str]):
    """A connection of its own (autocommit), outside the store's pools: for
    LISTEN and for holding a lock as long as it lives."""
    import psycopg
    return psycopg.connect(
        host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"], dbname=env["POSTGRES_DBNAME"],
        user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"], autocommit=True,
        connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")))


def _sqlite_env(path: str) -> dict[str, str]:
    from messenger.store.sqlite_statements import cache_statements
    cache_statements()  # before the library opens its first connection
    if not path or path == "/":
        raise DatabaseURLError("sqlite URL names no file")
    folder = Path(path).parent
    if not folder.exists() and folder.resolve() == Path(STATE_FOLDER).resolve():
        folder.mkdir()
    if not folder.is_dir():
        raise DatabaseURLError(f"folder {folder} does not exist" if not folder.exists()
                               else f"{folder} is not a folder")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": path,
        "SQLITE_LOCK_TIMEOUT": "10",
        "APPLICATION_RECORDER_TOPIC": SQLITE_RECORDER_TOPIC,
    }


def _postgres_env(database_url: str) -> dict[str, str]:
    url = urlsplit(database_url)
    dbname = url.path.lstrip("/")
    if not dbname:
        raise DatabaseURLError("postgresql URL names no database")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(dbname),
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "APPLICATION_RECORDER_TOPIC": POSTGRES_RECORDER_TOPIC,
        # Every recorder, view and follower has a pool of its own: each keeps
        # one connection open and grows only when used, so that a process
        # idles on about a dozen connections and several fit in max_connections.
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_MAX_OVERFLOW": "12",
    }
