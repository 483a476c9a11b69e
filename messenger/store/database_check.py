"""Whether the store's database can be opened, said in one line. `serve` and
`check-config` ask before anything else, so that a wrong URL is named at once,
not after the store's pool has retried for seconds and ended in a traceback.
A database lost later is the store's business (retries, /healthz 503)."""

import os
import re
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

from messenger.store.settings import connect_postgres, is_postgres, persistence_env


class DatabaseUnusableError(Exception):
    """The message is one line naming the problem."""


def check(database_url: str) -> None:
    env = persistence_env(database_url)
    if is_postgres(database_url):
        _check_postgres(env)
    else:
        _check_sqlite(Path(env["SQLITE_DBNAME"]))


def _check_postgres(env: dict[str, str]) -> None:
    import psycopg
    where = f"{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}"
    try:
        connect_postgres(env).close()
    except psycopg.Error as error:
        raise DatabaseUnusableError(_postgres_problem(str(error), where)) from None


def _postgres_problem(message: str, where: str) -> str:
    """libpq's several lines, as one: what the server said if it answered
    ("database "x" does not exist"), or why it could not be reached."""
    answered = re.search(r"FATAL:\s+(.+)", message)
    if answered:
        return f"{answered.group(1).strip()} on {where}"
    cause = message.splitlines()[0].rsplit(" failed: ", 1)[-1].strip()
    return f"cannot reach {where} ({cause[:1].lower()}{cause[1:]})"


def _check_sqlite(file: Path) -> None:
    if not file.exists():
        # The store makes the file; the folder (checked with the URL) must let it.
        if not os.access(file.parent, os.W_OK):
            raise DatabaseUnusableError(f"cannot create {file}: folder {file.parent} "
                                        "is not writable")
        return
    try:
        # Read-only, so that checking never changes the file.
        with closing(sqlite3.connect(f"file:{quote(str(file))}?mode=ro", uri=True)) as db:
            db.execute("PRAGMA schema_version")
    except sqlite3.Error as error:
        raise DatabaseUnusableError(f"{file}: {error}") from None
