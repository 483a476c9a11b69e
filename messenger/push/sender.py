"""Sends a push for each new message to every member who has no connection
open anywhere, has not muted the chat (or is mentioned in it), and is not
its sender. Follows the event log with tracking; each push sent is recorded
at once, so a restart in the middle of a backlog sends each push once."""

import logging
import threading
import time
from collections.abc import Callable

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from domain.application import Messenger
from domain.chat import GROUP, SYSTEM_KINDS
from domain.device import Device
from domain.message import Message
from messenger.naming import sender_line, shown
from messenger.push.providers import Outcome, Provider, Push, deliver
from projections.inbox_view import InboxView
from projections.push_deliveries import PushView

log = logging.getLogger(__name__)

BODY_CHARS = 180
MENTION = "упоминает вас"  # "Вера Иванова (vera) упоминает вас · Смена"
# A push about a message older than this is news to nobody: after a long outage,
# or when push is switched on for an existing store, old messages are not pushed.
MAX_AGE_S = 600
INBOX_POLL_S = 0.02


class StoppedError(Exception):
    """Stopping mid-event: it is not tracked, so it is taken up again after a start."""


class PushSender(Projection[PushView]):
    name = "PushSender"
    topics = tuple(get_topic(cls) for cls in (
        Message.Posted, Device.Registered, Device.RegisteredAgain, Device.Unregistered,
        Device.Rejected))

    def __init__(self, view: PushView, inbox: InboxView, providers: dict[str, Provider],
                 reject: Callable[[str, str, str], object], stopping: threading.Event):
        super().__init__(view)
        self._inbox = inbox
        self._providers = providers  # by platform
        self._reject = reject
        self._stopping = stopping

    @singledispatchmethod
    def process_event(self, domain_event, tracking: Tracking) -> None:
        self.view.skip(tracking)

    @process_event.register
    def device_registered(self, event: Device.Registered, tracking: Tracking) -> None:
        self.view.set_device(event.platform, event.token, event.user_id, tracking)

    @process_event.register
    def device_registered_again(self, event: Device.RegisteredAgain, tracking: Tracking) -> None:
        self.view.set_device(event.platform, event.token, event.user_id, tracking)

    @process_event.register
    def device_unregistered(self, event: Device.Unregistered, tracking: Tracking) -> None:
        self.view.drop_device(event.platform, event.token, tracking)

    @process_event.register
    def device_rejected(self, event: Device.Rejected, tracking: Tracking) -> None:
        self.view.drop_device(event.platform, event.token, tracking)

    @process_event.register
    def message_posted(self, event: Message.Posted, tracking: Tracking) -> None:
        # Members, mutes and badges come from the inbox view: let it catch up first.
        if time.time() - event.timestamp.timestamp() > MAX_AGE_S:
            self.view.skip(tracking)
            return
        self._wait_for_inbox(tracking.notification_id)
        chat_id, message_id = str(event.chat_id), str(event.originator_id)
        kind, chat_name, members = self._inbox.audience(chat_id)
        sender = ""  # looked up for the first push it heads
        mentioned = set(event.mentions)  # who hears of it even if they muted the chat
        for user_id, muted in members:
            if user_id == event.sender or (muted and user_id not in mentioned) \
                    or self.view.is_online(user_id):
                continue
            devices = self.view.devices_of(user_id)
            if devices:
                sender = sender or sender_line(event.sender, self._inbox.user_name(event.sender),
                                               event.sender_name)
                push = Push(title=_title(kind, chat_name, sender, user_id in mentioned),
                            body=_shorten(event.content),
                            badge=self._inbox.total_unread(user_id),
                            chat_id=chat_id, message_id=message_id)
                self._push(push, devices)
        self.view.skip(tracking)

    def _push(self, push: Push, devices: list[tuple[str, str]]) -> None:
        for platform, token in devices:
            provider = self._providers.get(platform)
            if provider is None or self.view.was_sent(push.message_id, platform, token):
                continue
            result = deliver(provider, token, push, self._stopping)
            if self._stopping.is_set() and result.outcome is Outcome.RETRY:
                raise StoppedError
            if result.outcome is Outcome.SENT:
                self.view.mark_sent(push.message_id, platform, token)
            elif result.outcome is Outcome.DEAD:
                log.info("%s token rejected (%s): removing the device", provider.name,
                         result.reason)
                self._reject(platform, token, result.reason)

    def _wait_for_inbox(self, position: int) -> None:
        while (self._inbox.max_tracking_id(Messenger.name) or 0) < position:
            if self._stopping.wait(INBOX_POLL_S):
                raise StoppedError


def _title(kind: str, chat_name: str, sender: str, mention: bool = False) -> str:
    """System chats speak for themselves; otherwise the sender, by their
    registered name and id (messenger/naming.py), on one line, saying so
    when the message mentions the one it is pushed to (only groups have mentions)."""
    if kind in SYSTEM_KINDS:
        return shown(chat_name)
    if mention:
        sender = f"{sender} {MENTION}"
    return f"{sender} · {shown(chat_name)}" if kind == GROUP else sender


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= BODY_CHARS else text[:BODY_CHARS - 1] + "…"
