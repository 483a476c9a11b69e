"""Answers auditors from the event store: a chat's every event, the chat as it
stood at a moment, and whether the stored events still match their hash chain.
Reads a page at a time, so a chat of a million events is audited in bounded memory."""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.application import Messenger
from domain.message import Message
from projections.audit_view import GENESIS, AuditView, event_hash, stored_event
from projections.inbox import stamp

ACTOR_FIELDS = ("by", "sender", "started_by", "user_id", "user")
HIDDEN_FIELDS = {"originator_id", "originator_version", "originator_topic", "timestamp"}
AT_EXAMPLE = "2026-12-01T10:00:00+03:00"


class UnknownChatError(LookupError):
    pass


class BadMomentError(ValueError):
    pass


def moment_of(text: str) -> datetime:
    """An ISO-8601 time with its zone: without one, which zone was meant is a guess."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadMomentError(f"{text!r} is not an ISO-8601 time such as {AT_EXAMPLE}") from None
    if moment.tzinfo is None:
        raise BadMomentError(f"{text!r} has no time zone: give one, as in {AT_EXAMPLE}"
                             " or 2026-12-01T07:00:00Z (ISO-8601)")
    return moment


@dataclass
class Verification:
    events: int = 0
    chats: int = 0
    problems: list[str] = field(default_factory=list)


class Auditor:
    def __init__(self, app: Messenger, view: AuditView):
        self._app = app
        self._view = view
        self.on_read: Callable[[], None] = lambda: None  # once per indexed event read

    def events(self, chat_id: str, after: int = 0) -> Iterator[dict]:
        """Every event of the chat in order: what, who, when, and its own fields."""
        self._check(chat_id)
        for link in self._view.chain(chat_id):
            if link["seq"] <= after:
                continue
            self.on_read()
            stored = self._stored(link["notification_id"])
            if stored is not None:
                entry = describe(link["notification_id"], self._app.mapper.to_domain_event(stored))
                if entry.get("attachments"):
                    entry["files"] = self._files(entry["attachments"])
                yield {"seq": link["seq"], **entry}

    def as_at(self, chat_id: str, moment: datetime) -> Iterator[dict]:
        """The chat as it stood at `moment`: first the chat, then each message
        with its text at that moment (a message's later edits are not shown)."""
        self._check(chat_id)
        chat: dict[str, Any] = {"chat_id": chat_id, "at": stamp(moment), "exists": False}
        started = 0  # messages before the last deletion or reopening are not in the chat
        for entry in self._until(chat_id, moment):
            if entry["type"].startswith("Chat."):
                chat.update(_chat_change(entry, chat))
            if entry["type"] in ("Chat.Deleted", "Chat.Reopened"):
                started = entry["seq"]
        yield chat
        if not chat["exists"]:
            return
        # A second pass, so that nothing grows with the number of messages.
        for entry in self._until(chat_id, moment):
            if entry["type"] == "Message.Posted" and entry["seq"] > started:
                yield self._message_at(uuid.UUID(entry["message_id"]), moment)

    def _until(self, chat_id: str, moment: datetime) -> Iterator[dict]:
        for entry in self.events(chat_id):
            if entry["at"] > stamp(moment):
                return
            yield entry

    def verify(self, chat_id: str | None = None) -> list[str]:
        """What no longer matches the chain: one line per event changed,
        removed or reordered since it was indexed."""
        return self.verification(chat_id).problems

    def verification(self, chat_id: str | None = None) -> Verification:
        """verify(), and how many events and chats it checked."""
        verification = Verification()
        problems = verification.problems
        for chat in [chat_id] if chat_id else self._view.chats():
            self._check(chat)
            verification.chats += 1
            previous, last_position = GENESIS, 0
            for link in self._view.chain(chat):
                self.on_read()
                verification.events += 1
                where = f"chat {chat}: event {link['notification_id']} (#{link['seq']} in the chat)"
                stored = self._stored(link["notification_id"])
                if stored is None or (str(stored.originator_id), stored.originator_version) != (
                        link["originator_id"], link["originator_version"]):
                    problems.append(f"{where} was removed or replaced")
                elif link["notification_id"] <= last_position:
                    problems.append(f"{where} is out of order")
                elif event_hash(previous, stored) != link["hash"]:
                    problems.append(f"{where} was changed")
                previous, last_position = link["hash"], link["notification_id"]
        return verification

    def count(self, chat_id: str | None = None) -> int:
        """How many events are indexed, for the chat or for all."""
        return self._view.count(chat_id)

    def knows(self, chat_id: str) -> bool:
        return self._view.knows(chat_id)

    def chats_of(self, user_id: str) -> list[str]:
        """Every chat the user was ever in, deleted ones included."""
        return self._view.chats_of(user_id)

    def chats_described(self, user_id: str) -> Iterator[dict]:
        """Every chat the user was ever in, as it is now: its kind and name,
        whether it is deleted and whether the user is still in it."""
        for chat_id in self.chats_of(user_id):
            chat = self._app.repository.get(uuid.UUID(chat_id))
            yield {"chat_id": chat_id, "kind": chat.kind, "name": chat.name,
                   "deleted": chat.is_deleted, "member": user_id in chat.members}

    def _message_at(self, message_id: uuid.UUID, moment: datetime) -> dict:
        message: dict[str, Any] = {"message_id": str(message_id)}
        for event in self._app.events.get(message_id):
            if event.timestamp > moment:
                break
            if isinstance(event, Message.Posted):
                reply_to = getattr(event, "reply_to", None)  # stored before replies were: none
                message.update(sender=event.sender, content=event.content,
                               created_at=stamp(event.timestamp), deleted=False,
                               attachments=list(event.attachments),
                               reply_to=str(reply_to) if reply_to else None)
                if event.attachments:
                    message["files"] = self._files(event.attachments)
            elif isinstance(event, Message.Edited):
                message.update(content=event.content, edited_at=stamp(event.timestamp))
            elif isinstance(event, Message.Deleted):
                message.update(deleted=True, deleted_by=event.by)
        return message

    def _files(self, upload_ids) -> list[dict]:
        """What each attached upload was, from its own event (uploads belong
        to no chat, so they are not in the chat's chain)."""
        files = []
        for upload_id in upload_ids:
            upload = self._app.repository.get(uuid.UUID(upload_id))
            files.append({"upload_id": upload_id, "name": upload.name,
                          "content_type": upload.content_type, "size": upload.size,
                          "kind": upload.kind, "sha256": upload.sha256})
        return files

    def _stored(self, notification_id: int):
        return stored_event(self._app.recorder, notification_id)

    def _check(self, chat_id: str) -> None:
        if not self._view.knows(chat_id):
            raise UnknownChatError(chat_id)


def describe(notification_id: int, event) -> dict:
    fields = {name: _plain(value) for name, value in vars(event).items()
              if name not in HIDDEN_FIELDS}
    actor = next((fields[name] for name in ACTOR_FIELDS if name in fields), "")
    entry = {"event_id": notification_id, "type": type(event).__qualname__, "actor": actor,
             "at": stamp(event.timestamp), **fields}
    if isinstance(event, Message.Event):
        entry["message_id"] = str(event.originator_id)
    return entry


def _chat_change(entry: dict, chat: dict) -> dict:
    kind = entry["type"]
    if kind == "Chat.Started":
        return {"exists": True, "kind": entry["kind"], "name": entry["name"],
                "members": entry["members"], "admin": entry["admin"]}
    if kind == "Chat.Renamed" or kind == "Chat.Reopened":
        return {"name": entry["name"], "exists": True}
    if kind == "Chat.Deleted":
        return {"exists": False}
    if kind == "Chat.MembersAdded":
        return {"members": chat["members"] + entry["users"]}
    if kind == "Chat.MembersRemoved":
        return {"members": [m for m in chat["members"] if m not in entry["users"]]}
    if kind == "Chat.Left":
        return {"members": [m for m in chat["members"] if m != entry["user"]],
                "admin": entry["admin"]}
    return {}


def _plain(value):
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value

