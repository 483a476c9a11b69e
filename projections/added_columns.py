"""Columns added to the inbox's tables after a store first made them
(CREATE TABLE IF NOT EXISTS leaves an existing table as it was): an existing
store gains each, with its default, when a process opens it. Each default is
what every event stored before the column says (nothing was pinned, archived
or mentioned before those existed), so nothing needs replaying."""

import sqlite3

import psycopg
from eventsourcing.persistence import PersistenceError

DATABASE_ERRORS = (PersistenceError, sqlite3.Error, psycopg.Error)

ADDED_COLUMNS = (  # table, column, definition: as in projections/inbox_view.py TABLES
    ("inbox_members", "pinned", "BIGINT NOT NULL DEFAULT 0"),
    ("inbox_members", "archived", "INTEGER NOT NULL DEFAULT 0"),
    ("inbox_members", "mentions_unread", "BIGINT NOT NULL DEFAULT 0"),
    ("inbox_messages", "mentions", "TEXT NOT NULL DEFAULT ''"),
)


def add_missing_columns(view, columns=ADDED_COLUMNS) -> list[str]:
    """Adds those the view's tables lack; returns them as table.column."""
    added = []
    for table, column, definition in columns:
        if _has(view, table, column):
            continue
        try:
            with view.datastore.transaction(commit=True) as c:
                c.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        except DATABASE_ERRORS:
            if not _has(view, table, column):  # else another process added it first
                raise
        added.append(f"{table}.{column}")
    return added


def _has(view, table: str, column: str) -> bool:
    """Asked the same way of both stores: can the column be selected?"""
    try:
        with view.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT {column} FROM {table} LIMIT 0")
    except DATABASE_ERRORS:
        return False
    return True
