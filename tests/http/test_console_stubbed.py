"""The console's drawing of issue 17's wire, before and beside the server:
a real session whose socket runs through a relay in the page, which answers
some requests with frames of the decided shapes (docs/protocol.md) and feeds
in live frames. What the page sends is checked as the server will read it.
The same features end to end against the server: test_console_messenger.py."""

import json
import re
import uuid
from datetime import datetime, timezone

import pytest
from playwright.async_api import expect

from tests.http.test_console import (  # noqa: F401 (fixture)
    Browser, console_harness, needs_chromium, signed_in
)
from tests.http.test_console_features import DESKTOP, console_url, start_chat
from tests.support.harness import by_id, until


class Relay:
    """The page's socket to the real server, with `stubs` (request type ->
    frames answering it instead of the server) and `inject` (a frame to the page)."""

    def __init__(self):
        self.stubs = {}
        self.sent: list[dict] = []  # what the page sent, in order
        self.received: list[dict] = []  # what the server sent the page
        self._route = None

    async def install(self, page) -> None:
        await page.route_web_socket(re.compile(r"/ws\b"), self._connected)

    def _connected(self, route) -> None:
        self._route = route
        server = route.connect_to_server()

        def from_page(message) -> None:
            frame = json.loads(message)
            self.sent.append(frame)
            stub = self.stubs.get(frame["type"])
            if stub is None:
                server.send(message)
                return
            for answer in stub(frame["data"]):
                if "request_id" in frame:
                    answer = {**answer, "request_id": frame["request_id"]}
                route.send(json.dumps(answer))

        def from_server(message) -> None:
            self.received.append(json.loads(message))
            route.send(message)

        route.on_message(from_page)
        server.on_message(from_server)

    def inject(self, kind: str, data) -> None:
        self._route.send(json.dumps({"type": kind, "data": data}))

    async def request(self, kind: str, where=lambda data: True) -> dict:
        """The data of the first request of this kind the page sent that fits."""
        found = []

        def seen():
            found[:] = [frame for frame in self.sent if frame["type"] == kind and where(frame["data"])]
            return bool(found)

        await until(seen, 15)
        return found[0]

    async def loaded(self, chat_id: str) -> None:
        """Until the server has answered the page's request for the chat's messages."""
        await until(lambda: any(frame["type"] == "chat_messages" and frame["chat_id"] == chat_id
                                for frame in self.received), 15)

    def count(self, kind: str) -> int:
        return sum(frame["type"] == kind for frame in self.sent)


def message(chat_id: str, sender: str, content: str, **news) -> dict:
    """A message in the version 2 shape, with issue 17's fields."""
    now = datetime.now(timezone.utc).isoformat()
    return {"id": str(uuid.uuid4()), "chat_id": chat_id, "sender": sender, "content": content,
            "is_read": False, "created_at": now, "updated_at": now, "edited_at": None,
            "deleted": False, "attachments": [], "reply_to": None, "reactions": [],
            "mentions": [], **news}


def answer(kind: str, build):
    return lambda data: [{"type": kind, "data": build(data)}]


async def relayed(browser, harness, user_id: str, name: str):
    relay = Relay()
    page = await signed_in(browser, console_url(harness), user_id, name, before=relay.install,
                           viewport=DESKTOP)
    page.on("dialog", lambda dialog: dialog.accept())
    return page, relay


@needs_chromium
@pytest.mark.gen_test(timeout=120)
async def test_replies_reactions_mentions_and_documents_are_drawn_from_the_wire(console_harness):
    harness = console_harness
    await harness.connect("bob", "Bob Marley", version=2)
    await harness.connect("carol", "Carol King", version=2)
    async with Browser() as browser:
        alice, relay = await relayed(browser, harness, "alice", "Alice Liddell")
        relay.stubs["mark_read"] = lambda data: []  # the messages below are not stored
        chat_id = await start_chat(alice, "bob, carol", "Front desk")
        await relay.loaded(chat_id)

        # A mention: the words are marked, one's own more strongly.
        greeting = message(chat_id, "bob", "Morning @alice and @carol <b>x</b>",
                           mentions=["alice", "carol"])
        relay.inject("message_new", greeting)
        first = alice.locator(f'[data-message-id="{greeting["id"]}"]')
        await expect(first.get_by_test_id("message-content")).to_have_text(
            "Morning @alice and @carol <b>x</b>")
        await expect(first.get_by_test_id("mention")).to_have_text(["@alice", "@carol"])
        await expect(first.locator("mark.mention.me")).to_have_text("@alice")
        await expect(first).to_have_class(re.compile("mentions-me"))

        # A reply: quoted above the composer, sent with reply_to, quoted above itself.
        await first.get_by_test_id("reply-message").click()
        await expect(alice.get_by_test_id("replying-to")).to_have_text("Bob Marley")
        await expect(alice.get_by_test_id("replying-excerpt")).to_have_text(greeting["content"])
        relay.stubs["send_message"] = answer("message_new", lambda data: message(
            chat_id, "alice", data["content"], reply_to={
                "id": data["reply_to"], "sender": "bob", "excerpt": greeting["content"],
                "deleted": False}))
        await alice.get_by_test_id("message-input").fill("On my way")
        await alice.get_by_test_id("message-input").press("Enter")
        sent = await relay.request("send_message")
        assert sent["data"]["reply_to"] == greeting["id"]
        await expect(alice.get_by_test_id("replying")).to_be_hidden()
        reply = alice.locator("[data-testid=message].mine")
        await expect(reply.get_by_test_id("reply-sender")).to_have_text("Bob Marley")
        await expect(reply.get_by_test_id("reply-excerpt")).to_have_text(greeting["content"])
        await reply.get_by_test_id("reply-quote").click()
        await expect(first).to_have_class(re.compile("flash"))

        # Reactions: the picker, one's own highlighted, a click takes it back.
        def reacted(data):
            me = relay.sent[-1]["type"] == "react"
            return {"chat_id": chat_id, "message_id": data["message_id"],
                    "reactions": [{"emoji": data["emoji"], "count": 1 + me, "me": me}]}
        relay.stubs["react"] = relay.stubs["unreact"] = answer("reactions_changed", reacted)
        await first.get_by_test_id("react-message").click()
        await expect(first.get_by_test_id("pick-reaction")).to_have_count(6)
        await first.locator("[data-testid=pick-reaction][data-emoji='👍']").click()
        assert (await relay.request("react"))["data"] == {"message_id": greeting["id"],
                                                          "emoji": "👍"}
        shown = first.get_by_test_id("reaction")
        await expect(shown).to_have_text(["👍 2"])
        await expect(shown).to_have_attribute("aria-pressed", "true")
        await expect(first.get_by_test_id("reaction-picker")).to_have_count(0)
        await shown.click()
        assert (await relay.request("unreact"))["data"]["emoji"] == "👍"
        await expect(shown).to_have_text(["👍 1"])
        await expect(shown).to_have_attribute("aria-pressed", "false")
        relay.inject("reactions_changed", {"chat_id": chat_id, "message_id": greeting["id"],
                                           "reactions": [{"emoji": "👍", "count": 1, "me": False},
                                                         {"emoji": "😂", "count": 1, "me": False}]})
        await expect(shown).to_have_text(["👍 1", "😂 1"])

        # The original deleted: the reply's quote says so.
        relay.inject("message_deleted", {**greeting, "deleted": True, "content": ""})
        await expect(reply.get_by_test_id("reply-excerpt")).to_have_text("message deleted")

        # A document: a card with its name, type and size, linking to the file.
        upload_id = str(uuid.uuid4())
        rota = message(chat_id, "carol", "", attachments=[{
            "upload_id": upload_id, "url": f"/api/v1/files/{upload_id}", "thumbnail_url": None,
            "name": "rota <May>.pdf", "content_type": "application/pdf", "size": 48213,
            "kind": "document"}])
        relay.inject("message_new", rota)
        card = alice.get_by_test_id("message-document")
        await expect(card.get_by_test_id("document-name")).to_have_text("rota <May>.pdf")
        await expect(card.get_by_test_id("document-about")).to_have_text("application/pdf · 47 KB")
        await expect(card).to_have_attribute("href", re.compile(f"/api/v1/files/{upload_id}\\?token="))
        await expect(card).to_have_attribute("download", "rota <May>.pdf")
        await expect(alice.get_by_test_id("message-picture")).to_have_count(0)
        assert browser.problems == []


@needs_chromium
@pytest.mark.gen_test(timeout=120)
async def test_the_list_pins_archives_counts_and_searches(console_harness):
    harness = console_harness
    await harness.connect("bob", "Bob Marley", version=2)
    async with Browser() as browser:
        alice, relay = await relayed(browser, harness, "alice", "Alice Liddell")
        relay.stubs["mark_read"] = lambda data: []
        desk = await start_chat(alice, "bob, carol", "Front desk")
        other = await start_chat(alice, "bob, dave", "Stock room")  # the more recent
        await relay.loaded(other)
        entries = (await harness.connect("alice", "Alice Liddell", version=2)).initial_chats
        entry = {**by_id(entries, desk), "pinned": False, "archived": False, "mentions_unread": 0}

        # The total, in the header and the title.
        relay.inject("unread", {"chat_id": other, "unread": 0, "unread_total": 7})
        await expect(alice.get_by_test_id("unread-total")).to_have_text("7 unread")
        await expect(alice).to_have_title("(7) Messenger console")

        # A mention in a chat not open: a badge, gone once it is opened.
        relay.inject("message_new", message(desk, "bob", "@alice look", mentions=["alice"]))
        in_list = alice.locator(f'[data-testid=chat][data-chat-id="{desk}"]')
        await expect(in_list.get_by_test_id("chat-mentions")).to_have_text("@1")
        await in_list.click()
        await expect(in_list.get_by_test_id("chat-mentions")).to_be_hidden()
        await relay.loaded(desk)

        # Pinned: first in the list, with a pin.
        relay.stubs["pin_chat"] = answer("chat_updated", lambda data: {**entry, "pinned": True})
        relay.inject("message_new", message(other, "bob", "newer"))
        await expect(alice.get_by_test_id("chat").first).to_have_attribute("data-chat-id", other)
        await alice.get_by_test_id("chat-details-toggle").click()
        await alice.get_by_test_id("pin-button").click()
        assert (await relay.request("pin_chat"))["data"] == {"chat_id": desk}
        await expect(alice.get_by_test_id("chat").first).to_have_attribute("data-chat-id", desk)
        await expect(in_list.get_by_test_id("chat-pinned")).to_be_visible()
        await expect(alice.get_by_test_id("pin-button")).to_have_text("Unpin")

        # Archived: off the list, on the archived screen, and back.
        relay.stubs["archive_chat"] = answer("chat_updated", lambda data: {**entry, "archived": True})
        relay.stubs["unarchive_chat"] = answer("chat_updated", lambda data: entry)
        relay.stubs["get_archived_chats"] = answer("archived_chats",
                                                   lambda data: [{**entry, "archived": True}])
        await alice.get_by_test_id("archive-button").click()
        await expect(in_list).to_have_count(0)
        await expect(alice.get_by_test_id("chat-archived-mark")).to_be_visible()
        await alice.get_by_test_id("archived-button").click()
        await expect(alice.get_by_test_id("archived-chat")).to_have_count(1)
        await alice.get_by_test_id("archived-back").click()
        await alice.locator(f'[data-testid=chat][data-chat-id="{other}"]').click()
        await alice.get_by_test_id("archived-button").click()
        await alice.get_by_test_id("archived-chat").click()
        await expect(alice.get_by_test_id("chat-title")).to_have_text("Front desk")
        await alice.get_by_test_id("chat-details-toggle").click()
        await alice.get_by_test_id("archive-button").click()
        await expect(alice.get_by_test_id("archived-chat")).to_have_count(0)
        await alice.get_by_test_id("archived-back").click()
        await expect(in_list).to_have_count(1)

        # Search over all chats: the chat's name, the matches marked by code point.
        found = message(desk, "bob", "🎉 the plan for Friday: plan B")
        older = message(other, "bob", "old plan")

        def results(data):
            page = [found] if "before" not in data else [older]
            return {"text": data["text"], "chat_id": data.get("chat_id"), "next": (
                None if "before" in data else "cursor-1"), "results": [
                {"chat_id": m["chat_id"], "chat_name": "Front desk" if m is found else "",
                 "message": m, "excerpt": m["content"],
                 "highlights": [[6, 10], [23, 27]] if m is found else [[4, 8]]} for m in page]}
        relay.stubs["search_messages"] = answer("search_results", results)
        await alice.get_by_test_id("search-input").fill("plan")
        await alice.get_by_test_id("search-input").press("Enter")
        assert (await relay.request("search_messages"))["data"] == {"text": "plan", "limit": 20}
        result = alice.get_by_test_id("search-result")
        await expect(result.get_by_test_id("result-chat")).to_have_text(["Front desk"])
        await expect(result.get_by_test_id("result-excerpt")).to_have_text([found["content"]])
        await expect(result.locator("mark")).to_have_text(["plan", "plan"])
        await expect(alice.get_by_test_id("chats-screen")).to_be_hidden()
        await alice.get_by_test_id("search-more").click()
        more = await relay.request("search_messages", lambda data: "before" in data)
        assert more["data"]["before"] == "cursor-1"
        await expect(result.get_by_test_id("result-chat")).to_have_text(["Front desk", "Stock room"])
        await expect(alice.get_by_test_id("search-more")).to_be_hidden()
        await result.first.click()
        await expect(alice.get_by_test_id("chat-title")).to_have_text("Front desk")
        await alice.get_by_test_id("search-close").click()
        await expect(alice.get_by_test_id("chats-screen")).to_be_visible()

        # Search in the open chat: that chat only.
        await alice.get_by_test_id("chat-search-toggle").click()
        await alice.get_by_test_id("chat-search-input").fill("plan")
        await alice.get_by_test_id("chat-search-input").press("Enter")
        asked = await relay.request("search_messages", lambda data: "chat_id" in data)
        assert asked["data"]["chat_id"] == desk
        await expect(alice.get_by_test_id("chat-search-results").locator("mark")).to_have_text(
            ["plan", "plan"])
        assert browser.problems == []


@needs_chromium
@pytest.mark.gen_test(timeout=120)
async def test_typing_and_presence_are_shown_and_sent(console_harness):
    harness = console_harness
    await harness.connect("bob", "Bob Marley", version=2)
    async with Browser() as browser:
        alice, relay = await relayed(browser, harness, "alice", "Alice Liddell")
        chat_id = await start_chat(alice, "bob")

        # Typing is said at most every 3 s, with no request_id (no reply comes).
        await alice.get_by_test_id("message-input").press_sequentially("Hello there")
        typing = await relay.request("typing")
        assert typing == {"type": "typing", "data": {"chat_id": chat_id}}
        assert relay.count("typing") == 1

        relay.inject("typing", {"chat_id": chat_id, "user_id": "bob", "name": "Bob Marley",
                                "expires_in_s": 1})
        await expect(alice.get_by_test_id("typing")).to_have_text("Bob Marley is typing…")
        await expect(alice.get_by_test_id("typing")).to_be_hidden(timeout=3000)

        # Presence: in the heading of a chat of two and in the members panel.
        relay.inject("presence", {"user_id": "bob", "online": True, "last_seen_at": None})
        await expect(alice.get_by_test_id("chat-presence")).to_have_text("online")
        await alice.get_by_test_id("chat-details-toggle").click()
        bob = alice.locator("[data-testid=member][data-user-id=bob]")
        await expect(bob.get_by_test_id("member-presence")).to_have_text("online")
        seen = datetime.now(timezone.utc).isoformat()
        relay.inject("presence", {"user_id": "bob", "online": False, "last_seen_at": seen})
        await expect(alice.get_by_test_id("chat-presence")).to_have_text(
            re.compile(r"^last seen \d{1,2}:\d\d"))
        relay.inject("presence", {"user_id": "bob", "online": False, "last_seen_at": None})
        await expect(alice.get_by_test_id("chat-presence")).to_be_hidden()

        # One's own presence hidden: asked for, and kept over a reload.
        relay.stubs["set_presence_visible"] = answer("presence_settings",
                                                     lambda data: {"visible": data["visible"]})
        await alice.get_by_test_id("settings-toggle").click()
        await alice.get_by_test_id("presence-visible").uncheck()
        assert (await relay.request("set_presence_visible"))["data"] == {"visible": False}
        await alice.reload()
        await alice.get_by_test_id("settings-toggle").click()
        await expect(alice.get_by_test_id("presence-visible")).not_to_be_checked()
        assert browser.problems == []
