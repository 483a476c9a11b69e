"""Answers a connected client's requests: checks the frame, runs the command
or query off the IOLoop, waits until the view includes what was stored, and
replies in the seed's shapes. Rules live in the domain; this only translates."""

import asyncio
import logging
from uuid import UUID

from eventsourcing.persistence import PersistenceError

from domain.application import Messenger, Saved
from domain.errors import (
    ChatNotFoundError,
    ForbiddenError,
    InvalidChatError,
    MessageNotFoundError,
)
from messenger import protocol
from messenger.auth import Identity
from messenger.commands import Commands
from messenger.connections import Connection, Connections
from messenger.frames import Frames
from messenger.position import ViewPosition
from messenger.protocol import (
    CreateChat,
    DeleteChat,
    GetChatMessages,
    MuteChat,
    ProtocolError,
    RegisterDevice,
    RenameChat,
    SendMessage,
    UnregisterDevice,
)

log = logging.getLogger(__name__)

VIEW_WAIT_S = 10.0


class Session:
    def __init__(self, app: Messenger, frames: Frames, commands: Commands,
                 position: ViewPosition, connections: Connections, limits: protocol.Limits):
        self._app = app
        self._frames = frames
        self._commands = commands
        self._position = position
        self._connections = connections
        self._limits = limits

    async def connected(self, connection: Connection, identity: Identity) -> None:
        """A first connection registers the user (and so their tech-support
        chat) before their chat list is sent."""
        self._connections.add(connection)
        saved = await self._commands.run(connection, self._app.register_user,
                                         identity.user_id, identity.name)
        await self._caught_up(saved)
        chat_list = await self._commands.query(self._frames.chat_list, identity.user_id)
        connection.send(protocol.encode(chat_list))

    def disconnected(self, connection: Connection) -> None:
        self._connections.discard(connection)

    async def handle(self, connection: Connection, text: str | bytes) -> None:
        request_type, request_id = "", None
        try:
            request_type, request_id, data = protocol.envelope(text)
            request = protocol.parse(request_type, data, connection.user_id, self._limits)
            frames = await self._answer(connection, request)
        except ProtocolError as error:
            frames = [protocol.error_frame(error.code, error.message, request_type)]
        except (ChatNotFoundError, MessageNotFoundError) as error:
            what = "message" if isinstance(error, MessageNotFoundError) else "chat"
            frames = [protocol.error_frame(protocol.NOT_FOUND, f"no such {what}", request_type)]
        except ForbiddenError as error:
            frames = [protocol.error_frame(protocol.FORBIDDEN, str(error), request_type)]
        except InvalidChatError as error:
            frames = [protocol.error_frame(protocol.BAD_REQUEST, str(error), request_type)]
        except (PersistenceError, asyncio.TimeoutError):
            log.exception("store unavailable for %s", request_type)
            frames = [protocol.error_frame(protocol.UNAVAILABLE, "store unavailable, try again",
                                           request_type)]
        for frame in frames:
            connection.send(protocol.encode(frame, request_id))

    async def _answer(self, connection: Connection, request) -> list[dict]:
        user_id = connection.user_id
        match request:
            case CreateChat(with_users, name):
                await self._command(connection, self._app.create_chat, user_id, with_users, name)
                return [await self._commands.query(self._frames.chat_list, user_id)]
            case RenameChat(chat_id, name):
                await self._command(connection, self._app.rename_chat, user_id, chat_id, name)
                return [await self._commands.query(self._frames.chat_list, user_id)]
            case DeleteChat(chat_id):
                await self._command(connection, self._app.delete_chat, user_id, chat_id)
                return [await self._commands.query(self._frames.chat_list, user_id)]
            case SendMessage(chat_id, content, sender_fio):
                await self._command(connection, self._app.post_message, chat_id, user_id, content,
                                    sender_fio or connection.user_name)
                return await self._commands.query(self._frames.after_message, user_id, str(chat_id))
            case RegisterDevice(platform, token):
                await self._command(connection, self._app.register_device, user_id, platform, token)
                return [protocol.device_frame("device_registered", platform, token)]
            case UnregisterDevice(platform, token):
                await self._command(connection, self._app.unregister_device, user_id, platform,
                                    token)
                return [protocol.device_frame("device_unregistered", platform, token)]
            case MuteChat(chat_id, muted):
                await self._command(connection, self._app.mute_chat, user_id, chat_id, muted)
                return [await self._commands.query(self._frames.chat_list, user_id)]
            case GetChatMessages(chat_id, limit, before):
                await self._read_all(connection, chat_id)
                return await self._commands.query(self._frames.history, user_id, str(chat_id),
                                                  limit, before)
        raise AssertionError(f"unhandled request {request!r}")

    async def _read_all(self, connection: Connection, chat_id: UUID) -> None:
        """Opening a chat's messages reads everything in it (the seed's rule)."""
        chat = await self._commands.query(self._frames.chat, connection.user_id, str(chat_id))
        if chat.unread:
            newest = await self._commands.query(self._frames.newest_message_id, str(chat_id))
            await self._command(connection, self._app.mark_read, chat_id, connection.user_id,
                                UUID(newest))

    async def _command(self, connection: Connection, command, *args) -> Saved:
        saved = await self._commands.run(connection, command, *args)
        await self._caught_up(saved)
        return saved

    async def _caught_up(self, saved: Saved) -> None:
        if saved.positions:
            await self._position.reached(max(saved.positions), VIEW_WAIT_S)
