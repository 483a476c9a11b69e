"""The inbox view's reads of uploads: what a file's reader may see, and the
files a message shows. Mixed into the inbox's reads (projections/inbox_reads.py)."""

from typing import NamedTuple

from domain.upload import kind_of


class Attachment(NamedTuple):
    """An upload as a message shows it."""

    upload_id: str
    name: str = ""
    content_type: str = "application/octet-stream"
    size: int = 0
    has_thumbnail: bool = False

    @property
    def kind(self) -> str:
        return kind_of(self.has_thumbnail)


class StoredFile(NamedTuple):
    content_type: str
    sha256: str
    has_thumbnail: bool
    name: str = ""


class InboxFiles:
    """Mixed into the inbox view (an SQLView)."""

    def readable_file(self, user_id: str, upload_id: str) -> StoredFile | None:
        """An upload its owner may read, and the members of the chats it is
        attached to (in a message not deleted, in a chat not deleted)."""
        with self._read() as c:
            self._run(c, "SELECT u.content_type, u.sha256, u.has_thumbnail, u.name"
                         " FROM inbox_uploads u"
                         " WHERE u.upload_id = :upload AND (u.owner = :user OR EXISTS (SELECT 1"
                         " FROM inbox_attachments a JOIN inbox_chats c ON c.chat_id = a.chat_id"
                         " JOIN inbox_members m ON m.chat_id = a.chat_id"
                         " WHERE a.upload_id = u.upload_id AND c.deleted = 0"
                         " AND m.user_id = :user))", upload=upload_id, user=user_id)
            row = c.fetchone()
        if row is None:
            return None
        return StoredFile(row["content_type"], row["sha256"], bool(row["has_thumbnail"]),
                          row["name"])

    def attachments(self, upload_ids) -> dict[str, Attachment]:
        """Uploads as messages show them, by id: no query when there are none.
        Inside a batch of the projection, read in its transaction."""
        if not upload_ids:
            return {}
        with self._read_here() as c:
            return self._attachments(c, upload_ids)

    def _attachments(self, c, upload_ids) -> dict[str, Attachment]:
        ids = {f"u{n}": upload for n, upload in enumerate(dict.fromkeys(upload_ids))}
        if not ids:
            return {}
        names = ", ".join(f":{name}" for name in ids)
        self._run(c, "SELECT upload_id, name, content_type, size, has_thumbnail"
                     f" FROM inbox_uploads WHERE upload_id IN ({names})", **ids)
        return {row["upload_id"]: Attachment(row["upload_id"], row["name"], row["content_type"],
                                             row["size"], bool(row["has_thumbnail"]))
                for row in c.fetchall()}

    def _uploads_of(self, c, rows) -> dict[str, Attachment]:
        """The uploads attached to these message rows: a query only when some have any."""
        return self._attachments(c, [upload for row in rows
                                     for upload in row["attachments"].split()])
