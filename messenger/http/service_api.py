"""The service API for the booking platform and other trusted back-ends:
bearer-token auth, JSON in and out, idempotent on the caller's ids."""

import hmac
import itertools
import json

import tornado.web

from domain import ids
from domain.application import Messenger
from domain.chat import SUPPORT
from domain.errors import DuplicateSourceError, MessengerError
from domain.saving import Saved
from messenger.audit.auditor import Auditor, BadMomentError, moment_of
from messenger.config import Config
from messenger.http.base import JsonEndpoint, bearer_token
from messenger.http.bookings import InvalidNoticeError, describe, parse_notice
from messenger.store.commands import Commands
from messenger.strings import InvalidInputError, identifier, one_line


class ServiceEndpoint(JsonEndpoint):
    def initialize(self, app: Messenger, commands: Commands, config: Config) -> None:
        self.app = app
        self.commands = commands
        self.config = config

    def authenticate(self) -> None:
        """Before any of the body is read (JsonEndpoint)."""
        token = bearer_token(self.request) or ""
        expected = self.config.service_token
        # Constant-time comparison: the token is the back-end's only credential.
        if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            raise tornado.web.HTTPError(401, reason="missing or wrong service token")

    async def run(self, command, *args) -> Saved:
        """Runs a command; its effects are visible to clients once it returns
        (the view is written in the command's own transaction)."""
        try:
            saved = await self.commands.run(None, command, *args)
        except DuplicateSourceError as error:
            raise tornado.web.HTTPError(409, reason=str(error)) from None
        except MessengerError as error:  # refused: nothing was stored
            raise tornado.web.HTTPError(400, reason=str(error)) from None
        return saved

class Users(ServiceEndpoint):
    async def post(self) -> None:
        body = self.json_body()
        user_id, name = body.get("user_id"), body.get("name", "")
        if not isinstance(name, str):
            raise tornado.web.HTTPError(400, reason="'name' must be a string")
        try:
            user_id, name = identifier(user_id, "user_id"), one_line(name, "name")
        except InvalidInputError as error:
            raise tornado.web.HTTPError(400, reason=str(error)) from None
        saved = await self.run(self.app.register_user, user_id, name)
        self.set_status(201 if saved.created else 200)
        self.finish({"user_id": user_id, "registered": saved.created,
                     "support_chat_id": str(ids.system_chat_id(SUPPORT, user_id))})


class BookingNotifications(ServiceEndpoint):
    async def post(self) -> None:
        try:
            notice = parse_notice(self.json_body())
        except InvalidNoticeError as error:
            raise tornado.web.HTTPError(400, reason=str(error)) from None
        config = self.config
        text = describe(notice, config.booking_templates, config.booking_fragments,
                        config.booking_time_format)
        saved = await self.run(self.app.notify_booking, notice.user_id, notice.chat_kind,
                               notice.event_id, text)
        self.set_status(201 if saved.created else 200)
        self.finish({"event_id": notice.event_id, "duplicate": not saved.created,
                     "message_id": str(saved.id),
                     "chat_id": str(ids.system_chat_id(notice.chat_kind, notice.user_id))})


class AuditChat(ServiceEndpoint):
    """A chat's history as JSON lines, streamed a page at a time: every event,
    or with ?at=ISO-8601 the chat and its messages as they stood then."""

    PAGE = 500

    def initialize(self, auditor: Auditor, **kwargs) -> None:
        super().initialize(**kwargs)
        self.auditor = auditor

    async def get(self, chat_id: str) -> None:
        if not await self.commands.query(self.auditor.knows, chat_id):
            raise tornado.web.HTTPError(404, reason="no such chat")
        at = self.get_query_argument("at", None)
        if at is None:
            records = self.auditor.events(chat_id)
        else:
            try:
                moment = moment_of(at)  # with its offset, as the command line's --at
            except BadMomentError as bad:
                raise tornado.web.HTTPError(400, reason=f"at: {bad}") from None
            records = self.auditor.as_at(chat_id, moment)
        self.set_header("Content-Type", "application/x-ndjson; charset=utf-8")
        while page := await self.commands.query(lambda: list(itertools.islice(records, self.PAGE))):
            self.write("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in page))
            await self.flush()
        self.finish()


class AuditUser(ServiceEndpoint):
    """?user=ID: every chat the user was ever in, deleted ones included."""

    def initialize(self, auditor: Auditor, **kwargs) -> None:
        super().initialize(**kwargs)
        self.auditor = auditor

    async def get(self) -> None:
        user_id = self.get_query_argument("user", "")
        if not user_id:
            raise tornado.web.HTTPError(400, reason="give ?user=USER_ID")
        self.finish({"user_id": user_id,
                     "chats": await self.commands.query(self.auditor.chats_of, user_id)})
