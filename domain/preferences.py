from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids


class ChatPreferences(Aggregate):
    """One member's settings for one chat: whether it pushes, whether it is
    pinned to the top of their list, whether it is archived out of it."""

    # Read by preferences stored (or snapshotted) before pins and archive existed.
    pinned = False
    archived = False
    archived_through = ""  # the chat's newest message when it was archived ("" for none)

    @staticmethod
    def create_id(chat_id: UUID, user_id: str):
        return ids.preferences_id(chat_id, user_id)

    @event("Started")
    def __init__(self, chat_id: UUID, user_id: str):
        self.chat_id = chat_id
        self.user_id = user_id
        self.muted = False

    def mute(self) -> None:
        if not self.muted:
            self._muted(chat_id=self.chat_id, user_id=self.user_id)

    @event("Muted")
    def _muted(self, chat_id: UUID, user_id: str) -> None:
        self.muted = True

    def unmute(self) -> None:
        if self.muted:
            self._unmuted(chat_id=self.chat_id, user_id=self.user_id)

    @event("Unmuted")
    def _unmuted(self, chat_id: UUID, user_id: str) -> None:
        self.muted = False

    def pin(self) -> None:
        if not self.pinned:
            self._pinned(chat_id=self.chat_id, user_id=self.user_id)

    @event("Pinned")
    def _pinned(self, chat_id: UUID, user_id: str) -> None:
        self.pinned = True

    def unpin(self) -> None:
        if self.pinned:
            self._unpinned(chat_id=self.chat_id, user_id=self.user_id)

    @event("Unpinned")
    def _unpinned(self, chat_id: UUID, user_id: str) -> None:
        self.pinned = False

    def is_archived(self, newest: str) -> bool:
        """Archived, and no message has come since (`newest`: the chat's newest now)."""
        return self.archived and self.archived_through == newest

    def archive(self, newest: str) -> None:
        """Out of the member's list until a message newer than `newest` arrives."""
        if not self.is_archived(newest):
            self._archived(chat_id=self.chat_id, user_id=self.user_id, through=newest)

    @event("Archived")
    def _archived(self, chat_id: UUID, user_id: str, through: str) -> None:
        self.archived = True
        self.archived_through = through

    def unarchive(self, newest: str) -> None:
        if self.is_archived(newest):
            self._unarchived(chat_id=self.chat_id, user_id=self.user_id)

    @event("Unarchived")
    def _unarchived(self, chat_id: UUID, user_id: str) -> None:
        self.archived = False
        self.archived_through = ""
