"""Answers a connected client's requests: checks the frame, runs the command
or query off the IOLoop, and replies from the view its command's own
transaction wrote, in the seed's shapes. Rules live in the domain; this only translates."""

import asyncio
import json
import logging
from collections.abc import Callable
from uuid import UUID

from eventsourcing.persistence import PersistenceError

from domain.application import Messenger
from domain.errors import (
    ChatNotFoundError, ForbiddenError, GroupTooLargeError, InvalidChatError, InvalidMentionError,
    MessageNotFoundError, SystemIdentityError, TooManyReactionsError, UploadNotFoundError
)
from domain.saving import Saved
from messenger.auth import Identity
from messenger.live.connections import Connection, Connections
from messenger.logs import REQUEST_ID
from messenger.metrics import DATABASE_ERRORS, MESSAGES, REQUESTS
from messenger.store.commands import Commands
from messenger.strings import loggable
from messenger.wire import protocol, shapes
from messenger.wire.frames import Frames
from messenger.wire.protocol import ProtocolError
from messenger.wire.requests import (
    AddUsers, ArchiveChat, CreateChat, DeleteChat, DeleteMessage, EditMessage, GetArchivedChats,
    GetChatMessages, LeaveChat, Limits, MarkRead, MuteChat, PinChat, React, RegisterDevice,
    RemoveUsers, RenameChat, SearchMessages, SendMessage, Unreact, UnregisterDevice
)
from messenger.ws.rate_limit import TokenBucket
from projections.inbox import posted_record

log = logging.getLogger(__name__)

# Requests answered with the chat after their use case (the application's
# method of this name, called with the user, the chat and the request's fields).
CHANGES_TO_A_CHAT = {RenameChat: "rename_chat", DeleteChat: "delete_chat", AddUsers: "add_users",
                     RemoveUsers: "remove_users", LeaveChat: "leave_chat", MuteChat: "mute_chat",
                     PinChat: "pin_chat"}


class Session:
    def __init__(self, app: Messenger, frames: Frames, commands: Commands,
                 connections: Connections,
                 database_up: Callable[[], bool], limits: Limits):
        self._app = app
        self._frames = frames
        self._commands = commands
        self._connections = connections
        self._database_up = database_up
        self._limits = limits
        self._buckets: dict[Connection, TokenBucket] = {}
        self._user_buckets: dict[str, TokenBucket] = {}
        self._answering = 0  # requests being answered now
        self._idle = asyncio.Event()
        self._stopping = False

    async def finish(self, timeout_s: float) -> None:
        """For a graceful stop: answers no new request, and waits (at most
        timeout_s) for those being answered, so each gets its reply."""
        self._stopping = True
        if self._answering:
            self._idle.clear()
            try:
                await asyncio.wait_for(self._idle.wait(), timeout_s)
            except asyncio.TimeoutError:
                log.warning("stopping with %d requests unanswered", self._answering)

    async def connected(self, connection: Connection, identity: Identity) -> None:
        """A first connection registers the user (and so their tech-support
        chat) before their chat list is sent."""
        if len(self._connections.of(identity.user_id)) >= self._limits.max_connections_per_user:
            connection.close(1008, "too many connections for this user")
            return
        if not self._database_up():
            connection.close(1013, "the store is unavailable: reconnect later")
            return
        self._connections.add(connection)
        # Read first: a returning user (nearly every connection, and all of a
        # reconnect storm) needs nothing from the writer, whose queue is serial.
        if not await self._commands.query(self._frames.is_registered, identity.user_id,
                                          identity.name):
            await self._commands.run(connection, self._app.register_user, identity.user_id,
                                     identity.name)
        chat_list = await self._commands.query(self._frames.chat_list, identity.user_id,
                                               connection.version)
        connection.open_with(protocol.encode(chat_list))

    def disconnected(self, connection: Connection) -> None:
        self._connections.discard(connection)
        self._buckets.pop(connection, None)
        if not self._connections.of(connection.user_id):
            self._user_buckets.pop(connection.user_id, None)

    def _bucket(self, connection: Connection) -> TokenBucket:
        bucket = self._buckets.get(connection)
        if bucket is None:
            bucket = self._buckets[connection] = TokenBucket(self._limits.requests_per_s,
                                                             self._limits.request_burst)
        return bucket

    def _wait_s(self, connection: Connection) -> float:
        """0 if the request may go: within its connection's and its user's limits."""
        wait_s = self._bucket(connection).take()
        if wait_s:
            return wait_s
        bucket = self._user_buckets.get(connection.user_id)
        if bucket is None:
            bucket = self._user_buckets[connection.user_id] = TokenBucket(
                self._limits.user_requests_per_s, self._limits.user_request_burst)
        return bucket.take()

    async def handle(self, connection: Connection, text: str | bytes) -> None:
        if self._stopping:
            return  # the connection is about to be closed with 1012: the client resends
        self._answering += 1
        try:
            await self._handle(connection, text)
        finally:
            self._answering -= 1
            if not self._answering:
                self._idle.set()

    async def _handle(self, connection: Connection, text: str | bytes) -> None:
        request_type, request_id = "", None
        REQUEST_ID.set(f"{connection.connection_id}:-")
        wait_s = self._wait_s(connection)  # malformed frames count too
        try:
            request_type, request_id, data = protocol.envelope(text)
            REQUEST_ID.set(f"{connection.connection_id}:{loggable(request_id)}")
            if wait_s:
                connection.send(protocol.encode(protocol.error_frame(
                    protocol.RATE_LIMITED, "too many requests; slow down", request_type,
                    retry_after_s=round(wait_s, 3)), request_id))
                return
            request = protocol.parse(request_type, data, connection.user_id, self._limits)
            if self._database_up():
                frames = await self._answer(connection, request)
            else:  # answered at once, not after the store's own timeouts
                frames = [protocol.error_frame(protocol.UNAVAILABLE,
                                               "store unavailable, try again", request_type)]
        except ProtocolError as error:
            frames = [protocol.error_frame(error.code, error.message, request_type)]
        except (ChatNotFoundError, MessageNotFoundError, UploadNotFoundError) as error:
            what = {MessageNotFoundError: "message", UploadNotFoundError: "upload"}.get(
                type(error), "chat")
            frames = [protocol.error_frame(protocol.NOT_FOUND, f"no such {what}", request_type)]
        except ForbiddenError as error:
            frames = [protocol.error_frame(protocol.FORBIDDEN, str(error), request_type)]
        except (GroupTooLargeError, TooManyReactionsError) as error:
            frames = [protocol.error_frame(protocol.TOO_LARGE, str(error), request_type)]
        except (InvalidChatError, InvalidMentionError, SystemIdentityError) as error:
            frames = [protocol.error_frame(protocol.BAD_REQUEST, str(error), request_type)]
        except (PersistenceError, asyncio.TimeoutError):
            DATABASE_ERRORS.labels("request").inc()
            log.exception("store unavailable for %s", request_type)
            frames = [protocol.error_frame(protocol.UNAVAILABLE, "store unavailable, try again",
                                           request_type)]
        except Exception:
            # A bug must not cost the client its connection (Tornado would drop it).
            log.exception("request %s failed", request_type)
            frames = [protocol.error_frame(protocol.UNAVAILABLE, "the server could not answer",
                                           request_type)]
        result = frames[0]["data"]["code"] if frames and frames[0]["type"] == "error" else "ok"
        REQUESTS.labels(request_type if request_type in protocol.REQUEST_TYPES else "unknown",
                        result).inc()
        if request_type == "send_message" and result == "ok":
            MESSAGES.inc()
        for frame in frames:
            connection.send(protocol.encode(frame, request_id))

    async def _answer(self, connection: Connection, request) -> list[dict]:
        user_id, version, query = connection.user_id, connection.version, self._commands.query
        use_case = CHANGES_TO_A_CHAT.get(type(request))
        if use_case is not None:  # the use case, then the chat as it is now
            chat_id, *rest = (getattr(request, field) for field in request.__match_args__)
            await self._command(connection, getattr(self._app, use_case), user_id, chat_id, *rest)
            return await query(self._frames.chat_reply, user_id, str(chat_id), version)
        match request:
            case CreateChat(with_users, name):
                saved = await self._command(connection, self._app.create_chat, user_id,
                                            with_users, name)
                return await query(self._frames.chat_reply, user_id, str(saved.id), version)
            case SendMessage(chat_id, content, sender_fio, attachments, client_msg_id, reply_to,
                             mentions):
                # A resend after a reconnect (same client_msg_id) answers with the
                # message already stored instead of storing it twice.
                # JSON, so that no user id and client id pair reads as another's.
                source_key = ("client:" + json.dumps([user_id, client_msg_id])
                              if client_msg_id else "")
                saved = await self._command(connection, self._app.post_message, chat_id, user_id,
                                            content, sender_fio or connection.user_name,
                                            source_key, attachments, reply_to, mentions)
                if saved.events:  # stored now: the reply is what it wrote
                    if version == 1:
                        return await query(self._frames.after_message, user_id, str(chat_id))
                    # A quote and files are read back from the view: only those pay.
                    if reply_to is None and not saved.events[-1].attachments:
                        return [shapes.message_frame("message_new",
                                                     posted_record(saved.events[-1]))]
                return await query(self._frames.message_reply, user_id, str(saved.id),
                                   "message_new", version)
            case EditMessage(message_id, content):
                await self._command(connection, self._app.edit_message, user_id, message_id,
                                    content)
                return await query(self._frames.message_reply, user_id, str(message_id),
                                   "message_edited", version)
            case DeleteMessage(message_id):
                await self._command(connection, self._app.delete_message, user_id, message_id)
                return await query(self._frames.message_reply, user_id, str(message_id),
                                   "message_deleted", version)
            case React(message_id, emoji) | Unreact(message_id, emoji):
                use_case = self._app.react if isinstance(request, React) else self._app.unreact
                await self._command(connection, use_case, user_id, message_id, emoji)
                return await query(self._frames.reactions_reply, user_id, str(message_id), version)
            case MarkRead(chat_id, message_id):
                await query(self._frames.message, user_id, str(message_id))
                await self._command(connection, self._app.mark_read, chat_id, user_id, message_id)
                return await query(self._frames.unread_reply, user_id, str(chat_id), version)
            case GetChatMessages(chat_id, limit, before):
                await self._read_all(connection, chat_id, before)
                return await query(self._frames.history, user_id, str(chat_id), limit, before,
                                   version)
            case SearchMessages(text, terms, chat_id, limit, before):
                return await query(self._frames.search, user_id, text, terms,
                                   None if chat_id is None else str(chat_id), limit, before)
            case ArchiveChat(chat_id, archived):
                # Archived until a message newer than the newest the user can see now.
                newest = await query(self._frames.newest_message_id, str(chat_id))
                await self._command(connection, self._app.archive_chat, user_id, chat_id,
                                    archived, newest or "")
                return await query(self._frames.chat_reply, user_id, str(chat_id), version)
            case GetArchivedChats():
                return [await query(self._frames.archived_chats, user_id, version)]
            case RegisterDevice(platform, token):
                await self._command(connection, self._app.register_device, user_id, platform, token)
                return [shapes.device_frame("device_registered", platform, token)]
            case UnregisterDevice(platform, token):
                await self._command(connection, self._app.unregister_device, user_id, platform,
                                    token)
                return [shapes.device_frame("device_unregistered", platform, token)]
        raise AssertionError(f"unhandled request {request!r}")

    async def _read_all(self, connection: Connection, chat_id: UUID, before: str | None) -> None:
        """Opening a chat's messages reads everything in it (the seed's rule);
        asking for a page before a message not in it reads nothing."""
        chat = await self._commands.query(self._frames.chat, connection.user_id, str(chat_id))
        if before is not None:
            message = await self._commands.query(self._frames.message, connection.user_id, before)
            if message.chat_id != str(chat_id):
                raise MessageNotFoundError(before)
        if chat.unread:
            newest = await self._commands.query(self._frames.newest_message_id, str(chat_id))
            if newest is not None:  # None if the chat was emptied meanwhile
                await self._command(connection, self._app.mark_read, chat_id,
                                    connection.user_id, UUID(newest))

    async def _command(self, connection: Connection, command, *args) -> Saved:
        # The view was written in the command's own transaction: what it
        # stored is there to read, with nothing to wait for.
        return await self._commands.run(connection, command, *args)
