"""eventsourcing 9.5.6 opens its SQLite connections with cached_statements=True,
which sqlite3 takes as a cache of one statement: every statement but the last
is compiled again each time it runs. Compiling was most of the SQLite view's
cost per message (measured: post_message's inbox writes ~90 -> ~35 us, the
chat row's UPDATE ~30 -> ~6 us). The library's module is given a sqlite3
whose connect keeps STATEMENTS_CACHED statements instead."""

import sqlite3
import types

from eventsourcing import sqlite as library

STATEMENTS_CACHED = 256


class _CachingSqlite3(types.ModuleType):
    """sqlite3 itself, but for connect."""

    def __getattr__(self, name: str):
        return getattr(sqlite3, name)

    @staticmethod
    def connect(*args, **kwargs):
        if kwargs.get("cached_statements") is True:
            kwargs["cached_statements"] = STATEMENTS_CACHED
        return sqlite3.connect(*args, **kwargs)


def cache_statements() -> None:
    """For every SQLite connection the library opens from now on."""
    if not isinstance(library.sqlite3, _CachingSqlite3):
        library.sqlite3 = _CachingSqlite3("sqlite3")
