"""What every HTTP route of ours shares: logs without secrets, a body
authenticated before it is read, JSON in and JSON errors out."""

import logging

import tornado.web

from messenger import strings

# The most body any route reads unless it says otherwise (the server's
# default too): a JSON request of ours is well under a kilobyte.
MAX_BODY_BYTES = 64 * 1024

log = logging.getLogger(__name__)


def loggable_path(path: str) -> str:
    """A path fit for logs: no query (tokens) and no webhook secret."""
    head, secret, _ = path.partition("/telegram/webhook/")
    return head + secret + ("…" if secret else "")


class QuietAboutQueries:
    """Tornado logs a request's whole URI on errors; ours carry secrets."""

    def _request_summary(self) -> str:
        return f"{self.request.method} {loggable_path(self.request.path)} ({self.request.remote_ip})"

    def log_exception(self, typ, value, tb) -> None:
        if isinstance(value, tornado.web.HTTPError):
            super().log_exception(typ, value, tb)
        else:
            log.error("Uncaught exception %s", self._request_summary(), exc_info=(typ, value, tb))


class AuthenticatedBody:
    """For handlers marked @tornado.web.stream_request_body: Tornado then runs
    prepare() as soon as the headers are in, before any of the body is read.
    A caller who may not be served, or whose body is over the route's limit,
    is answered at once, and Tornado closes the connection rather than read
    the rest: the server never holds an unauthorised 64 MiB POST."""

    max_body_bytes = MAX_BODY_BYTES

    def authenticate(self) -> None:
        """Raises HTTPError (401, 403) unless the request may be served."""
        raise NotImplementedError

    def prepare(self) -> None:
        self.authenticate()
        limit = self.max_body_bytes
        length = self.request.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            raise tornado.web.HTTPError(413, reason=f"the body is larger than {limit} bytes")
        # Replaces the server-wide limit for this request; a chunked body that
        # grows past it is cut off by Tornado itself (400, connection closed).
        self.request.connection.set_max_body_size(limit)
        self._chunks: list[bytes] = []

    def data_received(self, chunk: bytes) -> None:
        self._chunks.append(chunk)

    @property
    def body(self) -> bytes:
        return b"".join(self._chunks)


class JsonErrors:
    """Errors answered as JSON, in the one shape every route of ours uses."""

    def write_error(self, status_code: int, **kwargs) -> None:
        self.finish({"error": {"status": status_code, "message": self._reason}})


@tornado.web.stream_request_body
class JsonEndpoint(JsonErrors, AuthenticatedBody, QuietAboutQueries, tornado.web.RequestHandler):
    """HTTP endpoints that take a JSON object and answer errors in JSON."""

    def json_body(self) -> dict:
        try:
            body = strings.loads(self.body)
        except strings.InvalidInputError as error:
            raise tornado.web.HTTPError(400, reason=str(error) if error.field
                                        else f"body {error}") from None
        if not isinstance(body, dict):
            raise tornado.web.HTTPError(400, reason="body must be a JSON object")
        return body


def bearer_token(request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None
