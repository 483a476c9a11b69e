"""The browser console at /console: one static page (plain HTML, CSS and
JavaScript in messenger/http/console/, no build step) that speaks protocol version 2
over /ws on the same host. In development, POST /console/token mints a token
for any user id: only while the JWT secret is the one made on first start in
var/ (config.dev_tokens). Otherwise that route does not exist and the page
asks for a token pasted from `python run.py token USER_ID`."""

from pathlib import Path

import tornado.web

from messenger.auth import Tokens
from messenger.http.base import JsonEndpoint
from messenger.strings import MAX_NAME_CHARS

STATIC = Path(__file__).with_name("console")
DEV_TOKEN_TTL_S = 12 * 3600
# Scripts and styles only from our own files (none inline), sockets to this host.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class _Secured:
    def set_default_headers(self) -> None:
        for name, value in HEADERS.items():
            self.set_header(name, value)


class ConsolePage(_Secured, tornado.web.RequestHandler):
    def initialize(self, page: bytes) -> None:
        self.page = page

    def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(self.page)


class ConsoleFiles(_Secured, tornado.web.StaticFileHandler):
    pass


class MintToken(JsonEndpoint):
    """Development only: anyone who can reach it may act as any user."""

    def initialize(self, tokens: Tokens) -> None:
        self.tokens = tokens

    def authenticate(self) -> None:
        """Anyone: the route exists only with a development secret."""

    def post(self) -> None:
        body = self.json_body()
        user_id, name = body.get("user_id"), body.get("name") or ""
        if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > MAX_NAME_CHARS:
            raise tornado.web.HTTPError(400, reason="'user_id' must be a non-empty string")
        if not isinstance(name, str) or len(name) > MAX_NAME_CHARS:
            raise tornado.web.HTTPError(400, reason="'name' must be a string")
        self.finish({"token": self.tokens.issue(user_id.strip(), name.strip(),
                                                ttl_s=DEV_TOKEN_TTL_S)})

def routes(tokens: Tokens, dev_tokens: bool) -> list:
    page = (STATIC / "index.html").read_bytes()
    if dev_tokens:
        page = page.replace(b'data-dev-tokens="false"', b'data-dev-tokens="true"', 1)
    found = [
        (r"/console", ConsolePage, {"page": page}),
        (r"/console/", tornado.web.RedirectHandler, {"url": "/console"}),
        (r"/console/((?:[\w-]+)\.(?:js|css))", ConsoleFiles, {"path": str(STATIC)}),
    ]
    if dev_tokens:
        found.append((r"/console/token", MintToken, {"tokens": tokens}))
    return found
