"""Each member's own settings of a chat, in the inbox view: muted, pinned,
archived. Mixed into projections/inbox_view.py's InboxView (an SQLView)."""

from eventsourcing.persistence import Tracking

# Archived unless a message came after the one it was archived at (:through,
# "" for none): the domain's rule (ChatPreferences.is_archived), so that a
# message posted meanwhile brings the chat back here as it does in the domain.
ARCHIVED_IF_NOTHING_NEWER = (
    "CASE WHEN EXISTS (SELECT 1 FROM inbox_messages m WHERE m.chat_id = :chat AND m.seq >"
    " COALESCE((SELECT seq FROM inbox_messages WHERE message_id = :through"
    " AND chat_id = :chat), 0)) THEN 0 ELSE 1 END"
)


class PreferenceWrites:
    def set_muted(self, chat_id: str, user_id: str, muted: bool, tracking: Tracking) -> None:
        self._set(chat_id, user_id, "muted = :muted", tracking, muted=int(muted))

    def set_pinned(self, chat_id: str, user_id: str, pinned: bool, tracking: Tracking) -> None:
        """Pinned chats sort by when they were pinned: the latest first."""
        self._set(chat_id, user_id, "pinned = :pinned", tracking,
                  pinned=tracking.notification_id if pinned else 0)

    def set_archived(self, chat_id: str, user_id: str, archived: bool, through: str,
                     tracking: Tracking) -> None:
        """A new message takes the chat out of the archive again (post_message)."""
        self._set(chat_id, user_id, f"archived = {ARCHIVED_IF_NOTHING_NEWER}" if archived
                  else "archived = 0", tracking, through=through)

    def _set(self, chat_id: str, user_id: str, assignment: str, tracking: Tracking,
             **params) -> None:
        with self._write(tracking) as c:
            self._run(c, f"UPDATE inbox_members SET {assignment} WHERE chat_id = :chat"
                         " AND user_id = :user", chat=chat_id, user=user_id, **params)
