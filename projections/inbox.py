"""Turns the messenger's events into the inbox view, one handler per event,
a batch of events per transaction, and records what changed for whom (the
change log, projections/changes.py) in that same transaction."""

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from domain.chat import Chat
from domain.message import Message
from domain.preferences import ChatPreferences
from domain.reactions import Reactions
from domain.reading import Reading
from domain.upload import Upload
from domain.user import User
from projections.changes import (
    CHAT, MESSAGE_DELETED, MESSAGE_EDITED, MESSAGE_NEW, REACTIONS, READ, Change, Committed)
from projections.inbox_files import Attachment
from projections.inbox_reads import MessageRecord
from projections.inbox_replies import ReplyTo
from projections.inbox_view import InboxView, Post


# A change older than this is not delivered live: a rebuild replaying history
# must not send it to connected clients again.
LIVE_WINDOW_S = 300


def _runs_of_posts(batch: list[tuple[Any, Tracking]]) -> list[list[tuple[Any, Tracking]]]:
    """The batch in order, messages posted in a row together, every other event alone."""
    runs: list[list[tuple[Any, Tracking]]] = []
    for item in batch:
        if runs and isinstance(item[0], Message.Posted) and isinstance(runs[-1][0][0], Message.Posted):
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def stamp(moment: datetime) -> str:
    """Fixed-width UTC ISO-8601, so stored stamps also sort as text."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def replied_to(event: Message.Posted) -> str:
    """The id of the message it replies to, or "" (as stored before replies were)."""
    reply_to = getattr(event, "reply_to", None)
    return str(reply_to) if reply_to else ""


def posted_record(event: Message.Posted, uploads: dict[str, Attachment] | None = None,
                  reply_to: ReplyTo | None = None) -> MessageRecord:
    """The message as messages_posted writes it: for the sender's reply,
    without reading back what its own transaction wrote (`uploads`: its
    attachments, from InboxView.attachments, when it has any; `reply_to`: the
    original, if it replies to one, as that transaction read it)."""
    at = stamp(event.timestamp)
    uploads = uploads or {}
    return MessageRecord(message_id=str(event.originator_id), chat_id=str(event.chat_id),
                         sender=event.sender, content=event.content, created_at=at,
                         updated_at=at, is_read=False,
                         attachments=tuple(uploads.get(upload) or Attachment(upload)
                                           for upload in event.attachments),
                         reply_to=reply_to, mentions=tuple(event.mentions))


class InboxProjection(Projection[InboxView]):
    name = "Inbox"

    def __init__(self, view: InboxView):
        super().__init__(view)
        # Told the position of each batch once it is committed.
        self.on_committed: Callable[[int], None] = lambda position: None
        self._local = threading.local()  # several store threads write at once

    def process_batch(self, batch: list[tuple[Any, Tracking, Any]]) -> None:
        """A batch read back from the store (a rebuild): a transaction of its own."""
        with self.view.datastore.transaction(commit=True) as c:
            head = self.project(c, [(event, tracking) for event, tracking, _ in batch])
        self.on_committed(head)

    def project(self, c, batch: list[tuple[Any, Tracking]],
                committed: Committed | None = None) -> int:
        """Writes what a batch of events changed, and for whom, with the cursor
        of the transaction that stores them: the view holds every event, or
        the event is not stored. Returns the batch's last position; adds what
        changed to `committed`, if given."""
        live_since = datetime.now(timezone.utc) - timedelta(seconds=LIVE_WINDOW_S)
        head = batch[-1][1].notification_id
        self._local.posted = posted = {}
        with self.view.batch(c):
            changes = []
            for run in _runs_of_posts(batch):
                self._local.changes = []
                if isinstance(run[0][0], Message.Posted):
                    self.messages_posted(run)  # one change per message
                    caused = zip((event for event, _ in run), self._local.changes)
                else:
                    self.process_event(*run[0])
                    caused = ((run[0][0], change) for change in self._local.changes)
                for event, change in caused:
                    if change.what and event.timestamp >= live_since:
                        changes.append(replace(
                            change, at_us=int(event.timestamp.timestamp() * 1e6)))
            self.view.record_changes(c, changes, batch[0][1].notification_id, head)
        if committed is not None:
            committed.first = committed.first or batch[0][1].notification_id
            committed.head = head
            committed.changes.extend(changes)
            committed.posted.update(posted)
        return head

    def messages_posted(self, run: list[tuple[Message.Posted, Tracking]]) -> None:
        """Messages in a row are written together (on PostgreSQL, one round trip)."""
        posts = [Post(str(event.chat_id), str(event.originator_id), event.sender, event.content,
                      list(event.attachments), stamp(event.timestamp), tracking,
                      replied_to(event), tuple(event.mentions))
                 for event, tracking in run]
        written = self.view.post_messages(posts)
        # Read only for a run that attaches files or replies, in the transaction writing it.
        uploads = self.view.attachments([upload for post in posts for upload in post.attachments])
        replies = [post.reply_to for post in posts if post.reply_to]
        originals = self.view.originals(replies, run[-1][1]) if replies else {}
        for (event, _), post, members in zip(run, posts, written):
            position = post.tracking.notification_id
            self._changed(Change(position, post.chat_id, MESSAGE_NEW,
                                 tuple(user for user, _ in members), message_id=post.message_id))
            if members:
                self._local.posted[position] = (
                    posted_record(event, uploads, originals.get(post.reply_to)), dict(members))

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.skip(tracking)
        self._changed(Change(tracking.notification_id))

    @process_event.register
    def user_registered(self, event: User.Registered, tracking: Tracking) -> None:
        self.view.register_user(event.user_id, event.name, tracking)
        self._changed(Change(tracking.notification_id))

    @process_event.register
    def user_renamed(self, event: User.Renamed, tracking: Tracking) -> None:
        self.view.register_user(event.user_id, event.name, tracking)
        self._changed(Change(tracking.notification_id))

    @process_event.register
    def presence_visibility_set(self, event: User.PresenceVisibilitySet,
                                tracking: Tracking) -> None:
        self.view.set_presence_hidden(event.user_id, not event.visible, tracking)
        self._changed(Change(tracking.notification_id))

    @process_event.register
    def chat_started(self, event: Chat.Started, tracking: Tracking) -> None:
        chat_id = str(event.originator_id)
        self.view.start_chat(chat_id, event.kind, event.name, event.admin, event.members,
                             stamp(event.timestamp), tracking)
        self._changed(Change(tracking.notification_id, chat_id, CHAT,
                             tuple(dict.fromkeys(event.members))))

    @process_event.register
    def chat_renamed(self, event: Chat.Renamed, tracking: Tracking) -> None:
        chat_id = str(event.originator_id)
        members = self.view.rename_chat(chat_id, event.name, stamp(event.timestamp), tracking)
        self._changed(Change(tracking.notification_id, chat_id, CHAT, tuple(members)))

    @process_event.register
    def chat_deleted(self, event: Chat.Deleted, tracking: Tracking) -> None:
        chat_id = str(event.originator_id)
        members = self.view.delete_chat(chat_id, tracking)
        self.view.forget_reactions(tracking, chat_id=chat_id)
        self._changed(Change(tracking.notification_id, chat_id, CHAT, removed=tuple(members)))

    @process_event.register
    def chat_reopened(self, event: Chat.Reopened, tracking: Tracking) -> None:
        chat_id = str(event.originator_id)
        members = self.view.reopen_chat(chat_id, event.name, stamp(event.timestamp), tracking)
        self._changed(Change(tracking.notification_id, chat_id, CHAT, tuple(members)))

    @process_event.register
    def members_added(self, event: Chat.MembersAdded, tracking: Tracking) -> None:
        chat_id = str(event.originator_id)
        members = self.view.add_members(chat_id, event.users, tracking)
        self._changed(Change(tracking.notification_id, chat_id, CHAT, tuple(members)))

    @process_event.register
    def members_removed(self, event: Chat.MembersRemoved, tracking: Tracking) -> None:
        chat_id = str(event.originator_id)
        members = self.view.remove_members(chat_id, event.users, None, tracking)
        self._changed(Change(tracking.notification_id, chat_id, CHAT, tuple(members),
                             tuple(event.users)))

    @process_event.register
    def member_left(self, event: Chat.Left, tracking: Tracking) -> None:
        chat_id = str(event.originator_id)
        members = self.view.remove_members(chat_id, [event.user], event.admin, tracking)
        self._changed(Change(tracking.notification_id, chat_id, CHAT, tuple(members),
                             (event.user,)))

    @process_event.register
    def message_edited(self, event: Message.Edited, tracking: Tracking) -> None:
        chat_id, message_id = str(event.chat_id), str(event.originator_id)
        members = self.view.edit_message(chat_id, message_id, event.content,
                                         stamp(event.timestamp), tracking)
        self._changed(Change(tracking.notification_id, chat_id, MESSAGE_EDITED, tuple(members),
                             message_id=message_id))

    @process_event.register
    def message_deleted(self, event: Message.Deleted, tracking: Tracking) -> None:
        chat_id, message_id = str(event.chat_id), str(event.originator_id)
        members = self.view.delete_message(chat_id, message_id, stamp(event.timestamp), tracking)
        self.view.forget_reactions(tracking, message_id=message_id)
        self._changed(Change(tracking.notification_id, chat_id, MESSAGE_DELETED, tuple(members),
                             message_id=message_id))

    @process_event.register
    def reaction_added(self, event: Reactions.Added, tracking: Tracking) -> None:
        self._reactions_changed(event, self.view.add_reaction, tracking)

    @process_event.register
    def reaction_removed(self, event: Reactions.Removed, tracking: Tracking) -> None:
        self._reactions_changed(event, self.view.remove_reaction, tracking)

    def _reactions_changed(self, event, write, tracking: Tracking) -> None:
        """No unread count moves, and no push: members are told the new reactions."""
        message_id = str(event.message_id)
        members = write(message_id, event.user_id, event.emoji, tracking)
        self._changed(Change(tracking.notification_id, str(event.chat_id), REACTIONS,
                             tuple(members), message_id=message_id))

    @process_event.register
    def read_advanced(self, event: Reading.Advanced, tracking: Tracking) -> None:
        chat_id, message_id = str(event.chat_id), str(event.message_id)
        members = self.view.read_up_to(chat_id, event.user_id, message_id, tracking)
        self._changed(Change(tracking.notification_id, chat_id, READ, tuple(members),
                             message_id=message_id, reader=event.user_id))

    @process_event.register
    def upload_stored(self, event: Upload.Stored, tracking: Tracking) -> None:
        self.view.store_upload(str(event.originator_id), event.owner, event.content_type,
                               event.sha256, event.has_thumbnail, event.name, event.size,
                               tracking)
        self._changed(Change(tracking.notification_id))

    @process_event.register
    def chat_muted(self, event: ChatPreferences.Muted, tracking: Tracking) -> None:
        self._set_muted(event, True, tracking)

    @process_event.register
    def chat_unmuted(self, event: ChatPreferences.Unmuted, tracking: Tracking) -> None:
        self._set_muted(event, False, tracking)

    def _set_muted(self, event, muted: bool, tracking: Tracking) -> None:
        self.view.set_muted(str(event.chat_id), event.user_id, muted, tracking)
        self._changed_for_member(event, tracking)

    @process_event.register
    def chat_pinned(self, event: ChatPreferences.Pinned, tracking: Tracking) -> None:
        self.view.set_pinned(str(event.chat_id), event.user_id, True, tracking)
        self._changed_for_member(event, tracking)

    @process_event.register
    def chat_unpinned(self, event: ChatPreferences.Unpinned, tracking: Tracking) -> None:
        self.view.set_pinned(str(event.chat_id), event.user_id, False, tracking)
        self._changed_for_member(event, tracking)

    @process_event.register
    def chat_archived(self, event: ChatPreferences.Archived, tracking: Tracking) -> None:
        self.view.set_archived(str(event.chat_id), event.user_id, True, event.through, tracking)
        self._changed_for_member(event, tracking)

    @process_event.register
    def chat_unarchived(self, event: ChatPreferences.Unarchived, tracking: Tracking) -> None:
        self.view.set_archived(str(event.chat_id), event.user_id, False, "", tracking)
        self._changed_for_member(event, tracking)

    def _changed_for_member(self, event, tracking: Tracking) -> None:
        """A member's own setting: their connections hear of it, nobody else's."""
        self._changed(Change(tracking.notification_id, str(event.chat_id), CHAT, (event.user_id,)))

    def _changed(self, change: Change) -> None:
        self._local.changes.append(change)
