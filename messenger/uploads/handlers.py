"""POST /api/v1/uploads and GET /api/v1/files/{upload_id}, for clients
holding a user's JWT (as a bearer token or ?token=). Any type of file may be
uploaded; pictures are shown inline, every other file only downloaded."""

import uuid
from collections.abc import Callable
from typing import Any

import tornado.web
from tornado import httputil

from domain.application import Messenger
from messenger.auth import InvalidTokenError, Tokens
from messenger.http.base import AuthenticatedBody, JsonErrors, QuietAboutQueries, bearer_token
from messenger.store.commands import Commands
from messenger.uploads.decoding import DecodePool
from messenger.uploads.files import FileStorage
from messenger.uploads.images import MAX_PIXELS
from messenger.uploads.intake import UploadError, accept, default_name
from messenger.uploads.names import content_disposition
from messenger.uploads.sniffing import TEXT

# Room for multipart boundaries and part headers around the file itself.
MULTIPART_OVERHEAD = 64 * 1024
CACHE_FOREVER = "private, max-age=31536000, immutable"  # a file id's bytes never change

# The upload (projections.inbox_reads.StoredFile: content_type, sha256,
# has_thumbnail, name) when the user may read it, else None.
CanRead = Callable[[str, str], Any]
# A document is never rendered in the server's origin, even by a client that
# ignores `attachment`: an HTML or SVG file would run there with its cookies.
DOCUMENT_POLICY = "default-src 'none'; sandbox"


class UploadEndpoint(JsonErrors, QuietAboutQueries, tornado.web.RequestHandler):
    def initialize(self, tokens: Tokens, commands: Commands, app: Messenger,
                   storage: FileStorage, max_bytes: int, can_read: CanRead,
                   decoding: DecodePool | None = None,
                   max_pixels: int = MAX_PIXELS) -> None:
        self.decoding = decoding
        self.max_pixels = max_pixels
        self.tokens = tokens
        self.commands = commands
        self.app = app
        self.storage = storage
        self.max_bytes = max_bytes
        self.can_read = can_read

    def authenticate(self) -> None:
        token = bearer_token(self.request) or self.get_query_argument("token", None)
        try:
            self.identity = self.tokens.verify(token)
        except InvalidTokenError:
            raise tornado.web.HTTPError(401, reason="missing or invalid token") from None

    def prepare(self) -> None:
        self.authenticate()


@tornado.web.stream_request_body
class UploadHandler(AuthenticatedBody, UploadEndpoint):
    # Streamed: an unauthorised or oversized upload is refused unread.

    authenticate = UploadEndpoint.authenticate  # not AuthenticatedBody's, earlier in the MRO

    @property
    def max_body_bytes(self) -> int:
        return self.max_bytes + (MULTIPART_OVERHEAD if self._is_multipart() else 0)

    def _is_multipart(self) -> bool:
        return self.request.headers.get("Content-Type", "").startswith("multipart/form-data")

    def _file(self) -> tuple[bytes, str]:
        """The file, and its name: the `filename` query parameter, or else a
        form's file name."""
        body, name = self.body, self.get_query_argument("filename", "")
        if not self._is_multipart():
            return body, name
        files: dict = {}
        try:
            httputil.parse_body_arguments(self.request.headers["Content-Type"], body, {}, files,
                                          self.request.headers)
        except httputil.HTTPInputError as error:
            raise tornado.web.HTTPError(400, reason=str(error)) from None
        if not files.get("file"):
            raise tornado.web.HTTPError(400, reason="the form has no 'file' field")
        # The part's content type is the client's word: ignored (the bytes say).
        part = files["file"][0]
        return part.body, name or part.filename

    async def post(self) -> None:
        data, name = self._file()
        self._chunks = []  # the body's memory is freed before decoding
        try:
            # Never on the store's threads: see DecodePool.
            accepted = await self.decoding.run(accept, data, self.max_bytes, self.storage, name,
                                               max_pixels=self.max_pixels)
        except UploadError as error:
            raise tornado.web.HTTPError(error.status, reason=error.message) from None
        saved = await self.commands.run(None, self.app.record_upload, self.identity.user_id,
                                        accepted.content_type, accepted.size, accepted.sha256,
                                        accepted.has_thumbnail, accepted.name)
        self.set_status(201)
        self.finish({"upload_id": str(saved.id), "name": accepted.name,
                     "content_type": accepted.content_type, "size": accepted.size,
                     "kind": accepted.kind, "has_thumbnail": accepted.has_thumbnail})


class FileHandler(UploadEndpoint):
    async def get(self, upload_id: str) -> None:
        # One answer for "no such file" and "not yours": outsiders learn nothing.
        not_found = tornado.web.HTTPError(404, reason="no such file")
        try:
            upload_id = str(uuid.UUID(upload_id))
        except ValueError:
            raise not_found from None
        readable = await self.commands.query(self.can_read, self.identity.user_id, upload_id)
        if readable is None:
            raise not_found
        content_type, key = readable.content_type, readable.sha256
        if self.get_query_argument("thumbnail", "0") in ("1", "true"):
            if not readable.has_thumbnail:  # a document: there is only the file itself
                raise tornado.web.HTTPError(404, reason="this file has no thumbnail")
            content_type, key = "image/jpeg", readable.sha256 + ".thumb"
        elif readable.has_thumbnail:  # a picture: shown where it is opened
            self.set_header("Content-Disposition", content_disposition(
                "inline", readable.name or default_name(content_type, True)))
        else:  # a document: saved, never rendered
            self.set_header("Content-Disposition", content_disposition(
                "attachment", readable.name or default_name(content_type, False)))
            self.set_header("Content-Security-Policy", DOCUMENT_POLICY)
        self.set_header("Cache-Control", CACHE_FOREVER)
        self.set_header("X-Content-Type-Options", "nosniff")
        # The storage key names exactly these bytes; a revalidation that
        # matches is answered without reading the file.
        self.set_header("Etag", f'"{key}"')
        if self.check_etag_header():
            self.set_status(304)
            self.finish()
            return
        data = await self.commands.query(self.storage.get, key)
        # Text is typed only once it is known to be UTF-8 (sniffing.py).
        self.set_header("Content-Type", content_type + ("; charset=utf-8"
                                                        if content_type == TEXT else ""))
        self.finish(data)


def routes(tokens: Tokens, commands: Commands, app: Messenger, storage: FileStorage,
           max_bytes: int, can_read: CanRead, *, decoding: DecodePool,
           max_pixels: int = MAX_PIXELS) -> list:
    """The upload endpoints' routes, for the server's tornado.web.Application.
    Uploads are checked and stored on `decoding`, pictures of more than max_pixels refused."""
    kwargs = dict(tokens=tokens, commands=commands, app=app, storage=storage,
                  max_bytes=max_bytes, can_read=can_read,
                  decoding=decoding, max_pixels=max_pixels)
    return [
        (r"/api/v1/uploads", UploadHandler, kwargs),
        (r"/api/v1/files/([^/]+)", FileHandler, kwargs),
    ]
