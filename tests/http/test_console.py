"""The browser console at /console: its HTTP routes, and two pages in headless
Chromium (Debian's, driven by Playwright) chatting with each other live over
protocol version 2, on both stores."""

import json
import os
import uuid
from dataclasses import replace

import pytest
import tornado.httpclient
import tornado.httpserver
import tornado.netutil
import tornado.web
from playwright.async_api import async_playwright, expect

from messenger.auth import Tokens
from messenger.config import load
from messenger.http import console
from tests.support.harness import SECRET, Harness

CHROMIUM = os.environ.get("MESSENGER_TEST_CHROMIUM", "/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason=f"Chromium not found at {CHROMIUM}: console tests skipped "
           "(apt-get install chromium; .ci/run installs it)")
WAIT_MS = 15_000  # how long an expectation about a page may take to come true


@pytest.fixture
def console_harness(io_loop, config):
    """A whole server, as in development: the console may mint tokens."""
    harness = Harness(replace(config, dev_tokens=True))
    io_loop.run_sync(harness.start)
    yield harness
    io_loop.run_sync(harness.stop)


class ConsoleOnly:
    """Just the console's routes, without a store: enough for its HTTP side."""

    def __init__(self, dev_tokens: bool):
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self.http = tornado.httpserver.HTTPServer(
            tornado.web.Application(console.routes(Tokens(SECRET), dev_tokens)))
        self.http.add_sockets(sockets)

    async def fetch(self, path: str, **kwargs):
        return await tornado.httpclient.AsyncHTTPClient().fetch(
            f"http://127.0.0.1:{self.port}{path}", raise_error=False, **kwargs)

    def stop(self) -> None:
        self.http.stop()


@pytest.fixture
def console_only(io_loop):
    started = []

    def start(dev_tokens: bool) -> ConsoleOnly:
        started.append(ConsoleOnly(dev_tokens))
        return started[-1]

    yield start
    for server in started:
        server.stop()


class Browser:
    """Headless Chromium; each page in a context of its own (its own storage),
    every script error and refused resource (CSP) collected."""

    def __init__(self):
        self.problems: list[str] = []

    async def __aenter__(self):
        self._playwright = await async_playwright().start()
        self._browser = await self._playwright.chromium.launch(executable_path=CHROMIUM,
                                                               headless=True)
        expect.set_options(timeout=WAIT_MS)
        return self

    async def page(self, url: str, before=None, **context_options):
        """`before`: awaited with the page before it loads (to route its socket)."""
        context = await self._browser.new_context(**context_options)
        context.set_default_timeout(WAIT_MS)
        page = await context.new_page()
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("console", self._console)
        if before is not None:
            await before(page)
        await page.goto(url)
        return page

    def _console(self, message) -> None:
        # A socket refused while the server restarts is expected; the page retries.
        if message.type == "error" and not message.text.startswith("WebSocket connection"):
            self.problems.append(f"console: {message.text}")

    async def __aexit__(self, *exc):
        await self._browser.close()
        await self._playwright.stop()


async def signed_in(browser: Browser, url: str, user_id: str, name: str = "", before=None,
                    **context_options):
    """A page that has minted a token for the user and is connected."""
    page = await browser.page(url, before, **context_options)
    await page.get_by_test_id("mint-user").fill(user_id)
    await page.get_by_test_id("mint-name").fill(name)
    await page.get_by_test_id("mint-button").click()
    await expect(page.get_by_test_id("status")).to_have_text(
        f"connected as {user_id}" + (f" ({name})" if name else ""))
    return page


def open_chat_id(page) -> str:
    """The open chat, as the page's address names it."""
    return page.url.split("#", 1)[1]


# --- HTTP ---------------------------------------------------------------------

@pytest.mark.gen_test(timeout=30)
async def test_in_development_the_console_mints_tokens(console_only):
    server = console_only(dev_tokens=True)
    page = await server.fetch("/console")
    assert page.code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert b'data-dev-tokens="true"' in page.body
    assert "script-src" not in page.headers["Content-Security-Policy"]  # default-src 'self'
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    modules = sorted(path.stem for path in console.STATIC.glob("*.js"))
    assert {"console", "connection", "frames", "messages", "search", "reactions"} <= set(modules)
    for module in modules:
        script = await server.fetch(f"/console/{module}.js")
        assert script.code == 200 and "javascript" in script.headers["Content-Type"], module
        assert b"innerHTML" not in script.body, module  # text is set with textContent
    assert b"textContent" in (await server.fetch("/console/messages.js")).body
    assert (await server.fetch("/console/")).code == 200  # redirected to /console
    for outside in ("/console/..%2Fconsole.py", "/console/%2E%2E/auth.py", "/console/x.py"):
        assert (await server.fetch(outside)).code == 404

    answer = await server.fetch("/console/token", method="POST",
                                body=json.dumps({"user_id": "alice", "name": "Алиса Петрова"}))
    assert answer.code == 200
    identity = Tokens(SECRET).verify(json.loads(answer.body)["token"])
    assert (identity.user_id, identity.name) == ("alice", "Алиса Петрова")
    assert identity.expires_at is not None  # a minted token does not last for ever

    for body in ("not json", "[]", "{}", '{"user_id": ""}', '{"user_id": 7}',
                 '{"user_id": "bob", "name": ["Bob"]}', json.dumps({"user_id": "x" * 201})):
        refused = await server.fetch("/console/token", method="POST", body=body)
        assert refused.code == 400, body
        assert json.loads(refused.body)["error"]["status"] == 400


@pytest.mark.gen_test(timeout=30)
async def test_elsewhere_there_is_no_minting_and_the_page_asks_for_a_token(console_only):
    server = console_only(dev_tokens=False)
    page = await server.fetch("/console")
    assert page.code == 200 and b'data-dev-tokens="false"' in page.body
    assert b"run.py token" in page.body
    for method, body in (("POST", '{"user_id": "alice"}'), ("GET", None)):
        assert (await server.fetch("/console/token", method=method, body=body)).code == 404


@pytest.mark.parametrize("jwt_secret_file, environ, minted", [
    ("var/dev-jwt-secret", {}, True),  # made on first start: development
    ("var/dev-jwt-secret", {"MESSENGER_JWT_SECRET": "s" * 40}, False),  # the environment's
    ("/etc/messenger/jwt-secret", {}, False),  # anywhere else, made or not: it may matter
    ("secrets/jwt", {}, False),
])
@pytest.mark.gen_test(timeout=30)
async def test_tokens_are_minted_only_with_the_development_secret_made_in_var(
        console_only, tmp_path, monkeypatch, jwt_secret_file, environ, minted):
    monkeypatch.chdir(tmp_path)
    if jwt_secret_file.startswith("/"):
        jwt_secret_file = str(tmp_path / jwt_secret_file.lstrip("/"))
    (tmp_path / "messenger.toml").write_text(
        f'[auth]\njwt_secret_file = "{jwt_secret_file}"\n'
        'service_token_file = "var/dev-service-token"\ncreate_missing_secret = true\n')
    server = console_only(dev_tokens=load("messenger.toml", environ=environ).dev_tokens)
    answer = await server.fetch("/console/token", method="POST", body='{"user_id": "alice"}')
    assert answer.code == (200 if minted else 404)


# --- in the browser -------------------------------------------------------------

@needs_chromium
@pytest.mark.gen_test(timeout=60)
async def test_without_minting_the_page_offers_only_pasting(console_only):
    server = console_only(dev_tokens=False)
    async with Browser() as browser:
        page = await browser.page(f"http://127.0.0.1:{server.port}/console")
        await expect(page.get_by_test_id("paste-hint")).to_contain_text("python run.py token")
        await expect(page.get_by_test_id("token-input")).to_be_visible()
        await expect(page.get_by_test_id("mint-form")).to_be_hidden()
        await page.get_by_test_id("token-input").fill("not a token")
        await page.get_by_test_id("connect-button").click()
        await expect(page.get_by_test_id("error")).to_contain_text("not a token")
        assert browser.problems == []


@needs_chromium
@pytest.mark.gen_test(timeout=180)
async def test_two_pages_chat_with_each_other(console_harness):
    harness = console_harness
    url = f"http://127.0.0.1:{harness.config.port}/console"
    async with Browser() as browser:
        # Alice mints a token on the page; Bob pastes one from `run.py token`.
        alice = await browser.page(url)
        await alice.get_by_test_id("mint-user").fill("alice")
        await alice.get_by_test_id("mint-name").fill("Alice Liddell")
        await alice.get_by_test_id("mint-button").click()
        await expect(alice.get_by_test_id("status")).to_have_text(
            "connected as alice (Alice Liddell)")
        await expect(alice.locator("[data-testid=chat][data-kind=support]")).to_have_count(1)

        bob = await browser.page(url)
        await bob.get_by_test_id("token-input").fill(Tokens("not-the-secret-" + uuid.uuid4().hex).issue("bob"))
        await bob.get_by_test_id("connect-button").click()
        await expect(bob.get_by_test_id("error")).to_contain_text("the token was refused")
        await expect(bob.get_by_test_id("status")).to_have_text("signed out")
        await bob.get_by_test_id("token-input").fill(harness.tokens.issue("bob", "Bob Marley"))
        await bob.get_by_test_id("connect-button").click()
        await expect(bob.get_by_test_id("status")).to_have_text("connected as bob (Bob Marley)")
        await expect(bob.get_by_test_id("chat")).to_have_count(1)  # tech support

        # The server's refusals are shown in words, until closed or for a few seconds.
        await alice.get_by_test_id("new-chat-users").fill("alice")
        await alice.get_by_test_id("new-chat-button").click()
        await expect(alice.get_by_test_id("error-text")).to_have_text(
            "Could not start the chat: the user list must name someone other than you.")
        await alice.get_by_test_id("error-close").click()
        await expect(alice.get_by_test_id("error")).to_be_hidden()
        await alice.get_by_test_id("new-chat-users").fill("support")
        await alice.get_by_test_id("new-chat-button").click()
        await expect(alice.get_by_test_id("error")).to_contain_text("Could not start the chat: ")
        await expect(alice.get_by_test_id("error")).to_be_hidden()  # by itself

        # Alice starts a chat with Bob: it opens on her page, appears on his.
        await alice.get_by_test_id("new-chat-users").fill("bob")
        await alice.get_by_test_id("new-chat-button").click()
        await expect(alice.get_by_test_id("error")).to_be_hidden()
        opened = alice.locator("[data-testid=chat][aria-current=true]")
        await expect(opened).to_have_count(1)
        chat_id = await opened.get_attribute("data-chat-id")
        await expect(alice.get_by_test_id("chat-title")).to_be_visible()
        on_bob = bob.locator(f'[data-testid=chat][data-chat-id="{chat_id}"]')
        await expect(on_bob).to_have_count(1)
        await expect(on_bob.get_by_test_id("chat-unread")).to_be_hidden()

        # She writes; it is on Bob's list at once, unread, shown as text.
        hello = "Hello Bob! <b>not bold</b> <img src=x onerror=alert(1)>"
        await alice.get_by_test_id("message-input").fill(hello)
        await alice.get_by_test_id("message-input").press("Enter")
        await expect(alice.get_by_test_id("message-content")).to_have_text([hello])
        await expect(on_bob.get_by_test_id("chat-unread")).to_have_text("1")
        await expect(on_bob.get_by_test_id("chat-unread")).to_be_visible()
        await expect(on_bob.get_by_test_id("chat-last")).to_have_text(hello)
        await expect(bob.locator("[data-testid=chat]").first).to_have_attribute(
            "data-chat-id", chat_id)  # the most recent activity first

        # Bob opens it: the message is there, and now read.
        await on_bob.click()
        await expect(bob.get_by_test_id("message-content")).to_have_text([hello])
        await expect(bob.get_by_test_id("chat-subtitle")).to_have_text("with Alice Liddell")  # her name, not id
        await expect(bob.get_by_test_id("message-sender")).to_have_count(0)  # a chat of two
        await expect(on_bob.get_by_test_id("chat-unread")).to_be_hidden()
        assert await bob.locator("#messages b, #messages img").count() == 0
        await expect(alice.get_by_test_id("message-meta")).to_contain_text(["read"])

        # He replies; Alice, with the chat open, sees it at once and has read it.
        await bob.get_by_test_id("message-input").fill("Hi Alice,\ntwo lines")
        await bob.get_by_test_id("send-button").click()
        await expect(alice.get_by_test_id("message-content")).to_have_text(
            [hello, "Hi Alice,\ntwo lines"])
        await expect(alice.locator("[data-testid=message].mine")).to_have_count(1)
        await expect(bob.get_by_test_id("message-meta").last).to_contain_text("read")
        alices_chat = alice.locator(f'[data-testid=chat][data-chat-id="{chat_id}"]')
        await expect(alices_chat.get_by_test_id("chat-unread")).to_be_hidden()

        # Alice renames it: Bob's list and open chat follow.
        await alice.get_by_test_id("chat-details-toggle").click()
        await alice.get_by_test_id("rename-input").fill("Shift swap")
        await alice.get_by_test_id("rename-button").click()
        await expect(alices_chat.get_by_test_id("chat-name")).to_have_text("Shift swap")
        await expect(on_bob.get_by_test_id("chat-name")).to_have_text("Shift swap")
        await expect(bob.get_by_test_id("chat-title")).to_have_text("Shift swap")

        # A named group: Bob sees it appear; a message in it is unread while he
        # is in another chat.
        await alice.get_by_test_id("new-chat-users").fill("bob, carol")
        await alice.get_by_test_id("new-chat-name").fill("Front desk")
        await alice.get_by_test_id("new-chat-button").click()
        await expect(alice.get_by_test_id("chat-title")).to_have_text("Front desk")
        group = bob.locator("[data-testid=chat]", has_text="Front desk")
        await expect(group).to_have_count(1)
        await alice.get_by_test_id("message-input").fill("Team meeting at 9")
        await alice.get_by_test_id("send-button").click()
        await expect(group.get_by_test_id("chat-unread")).to_have_text("1")
        await expect(bob.get_by_test_id("message-content")).to_have_text(
            [hello, "Hi Alice,\ntwo lines"])  # his open chat is unchanged

        # The server restarts: both pages reconnect by themselves and chat on.
        await harness.restart()
        await expect(bob.get_by_test_id("status")).to_have_text("connected as bob (Bob Marley)")
        await expect(alice.get_by_test_id("status")).to_have_text(
            "connected as alice (Alice Liddell)")
        await bob.get_by_test_id("message-input").fill("back again")
        await bob.get_by_test_id("send-button").click()
        await expect(bob.get_by_test_id("message-content")).to_have_text(
            [hello, "Hi Alice,\ntwo lines", "back again"])
        await expect(alices_chat.get_by_test_id("chat-unread")).to_have_text("1")
        await expect(alices_chat.get_by_test_id("chat-last")).to_have_text("back again")

        assert browser.problems == []
