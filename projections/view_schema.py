"""A view made from the events is rebuilt, not migrated, when a version
changes its tables: the digest of its CREATE statements is kept beside it,
and a view whose digest differs (or that an earlier version made without
one) is dropped before its tables are made afresh. The store then takes in
every event again (WritesInbox.catch_up_inbox), as after rebuild-projections."""

import hashlib
import logging

log = logging.getLogger(__name__)

SCHEMA_TABLE = "view_schemas"
LOCK_KEY = 7_176_017  # PostgreSQL advisory lock: one process checks and makes the tables


class RebuiltWhenChanged:
    """Mixed into a view's backend class, before it (it overrides the
    library's create_table). The view is an SQLView."""

    VIEW_NAME = "inbox"

    @property
    def schema_digest(self) -> str:
        """Of every statement that makes the view (a store's own indexes too)."""
        return hashlib.sha256("\n".join(self.schema_statements()).encode()).hexdigest()[:32]

    def create_table(self) -> None:
        # Under the lock, the digest is written with the drop: a process that
        # comes next finds it current and keeps what the first one makes.
        with self.datastore.transaction(commit=True) as c:
            self.lock_alone(c, LOCK_KEY)
            if self._is_stale(c):
                log.warning("the %s view's tables differ from this version's: dropped, it is"
                            " made again from the events", self.VIEW_NAME)
                self._drop_tables(c)
            self._run(c, f"INSERT INTO {SCHEMA_TABLE} VALUES (:view, :digest)"
                         " ON CONFLICT (view_name) DO UPDATE SET digest = :digest",
                      view=self.VIEW_NAME, digest=self.schema_digest)
        super().create_table()

    def _is_stale(self, c) -> bool:
        c.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} ("
                  " view_name TEXT PRIMARY KEY, digest TEXT NOT NULL)")
        self._run(c, f"SELECT digest FROM {SCHEMA_TABLE} WHERE view_name = :view",
                  view=self.VIEW_NAME)
        row = c.fetchone()
        if row is not None:
            return row["digest"] != self.schema_digest
        # Made by a version before digests were kept, if its tables are there.
        self._run(c, self.TABLE_EXISTS, name=self.TABLE_NAMES[0])
        return c.fetchone() is not None
