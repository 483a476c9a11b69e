"""Issue 17's features in the console, end to end: a page in headless
Chromium and other users over real WebSockets (version 2), on both stores.
Replies and reactions, mentions, pins, the archive and the unread total,
documents, search, typing and presence: each done on the page and seen by
the other side, and the other way round."""

import json
import re
from dataclasses import replace

import pytest
import tornado.httpclient
from playwright.async_api import expect

from tests.http.test_console import Browser, needs_chromium, signed_in
from tests.http.test_console_features import DESKTOP, PHONE, console_url, start_chat
from tests.support.harness import Harness, by_id




@pytest.fixture
def console_harness(io_loop, config):
    """A whole server, as in development; a user gone is shown offline soon."""
    harness = Harness(replace(config, dev_tokens=True, presence_offline_after_s=0.2))
    io_loop.run_sync(harness.start)
    yield harness
    io_loop.run_sync(harness.stop)


async def page_of(browser, harness, user_id="alice", name="Alice Liddell", viewport=DESKTOP):
    page = await signed_in(browser, console_url(harness), user_id, name, viewport=viewport)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def in_list(page, chat_id: str):
    return page.locator(f'[data-testid=chat][data-chat-id="{chat_id}"]')


def member(chats: list[dict], chat_id: str, user_id: str) -> dict:
    return next(user for user in by_id(chats, chat_id)["users"] if user["user_id"] == user_id)


def message_on(page, message_id: str):
    return page.locator(f'[data-testid=message][data-message-id="{message_id}"]')


@needs_chromium
@pytest.mark.gen_test(timeout=120)
async def test_a_document_is_sent_as_a_card_and_fetched(console_harness, tmp_path):
    harness = console_harness
    bob = await harness.connect("bob", "Bob Marley", version=2)
    async with Browser() as browser:
        alice = await page_of(browser, harness)
        await start_chat(alice, "bob")
        notes = tmp_path / "shift notes.txt"
        notes.write_text("Friday: Anna 9-17, Boris 12-20\n")
        await alice.get_by_test_id("file-input").set_input_files(str(notes))
        await expect(alice.get_by_test_id("pending-document")).to_contain_text("shift notes.txt")
        await alice.get_by_test_id("message-input").fill("the rota")
        await alice.get_by_test_id("send-button").click()
        sent = await bob.push("message_new", lambda frame: frame["data"]["attachments"])
        [attachment] = sent["data"]["attachments"]
        assert (attachment["name"], attachment["kind"], attachment["thumbnail_url"]) == (
            "shift notes.txt", "document", None)
        assert attachment["content_type"].startswith("text/plain")
        card = alice.get_by_test_id("message-document")
        await expect(card.get_by_test_id("document-name")).to_have_text("shift notes.txt")
        await expect(card.get_by_test_id("document-about")).to_have_text(
            re.compile(r"^text/plain.* · 31 B$"))
        await expect(alice.get_by_test_id("message-picture")).to_have_count(0)
        fetched = await tornado.httpclient.AsyncHTTPClient().fetch(
            await card.get_attribute("href"))
        assert fetched.body == notes.read_bytes()
        assert browser.problems == []


@needs_chromium
@pytest.mark.gen_test(timeout=120)
async def test_a_reply_quotes_its_original_and_reactions_toggle(console_harness):
    harness = console_harness
    bob = await harness.connect("bob", "Bob Marley", version=2)
    async with Browser() as browser:
        alice = await page_of(browser, harness)
        chat_id = await start_chat(alice, "bob")
        [asked] = await bob.call("send_message", {"chat_id": chat_id,
                                                  "content": "Can you cover Friday?"})
        original = message_on(alice, asked["data"]["id"])
        await expect(original.get_by_test_id("message-content")).to_have_text(
            "Can you cover Friday?")

        # A reply: the strip above the composer, then the quote above the reply.
        await original.get_by_test_id("reply-message").click()
        await expect(alice.get_by_test_id("replying-to")).to_have_text("Bob Marley")
        await alice.get_by_test_id("message-input").fill("Yes, from 9")
        await alice.get_by_test_id("message-input").press("Enter")
        reply = await bob.push("message_new", lambda frame: frame["data"]["sender"] == "alice")
        assert reply["data"]["reply_to"] == {"id": asked["data"]["id"], "sender": "bob",
                                             "excerpt": "Can you cover Friday?", "deleted": False}
        await expect(alice.get_by_test_id("replying")).to_be_hidden()
        mine = message_on(alice, reply["data"]["id"])
        await expect(mine.get_by_test_id("reply-sender")).to_have_text("Bob Marley")
        await expect(mine.get_by_test_id("reply-excerpt")).to_have_text("Can you cover Friday?")
        await mine.get_by_test_id("reply-quote").click()
        await expect(original).to_have_class(re.compile("flash"))

        # Reactions: picked on the page, seen by Bob; his shows on the page.
        await original.get_by_test_id("react-message").click()
        await original.locator("[data-testid=pick-reaction][data-emoji='👍']").click()
        live = await bob.push("reactions_changed")
        assert live["data"]["reactions"] == [{"emoji": "👍", "count": 1, "me": False}]
        shown = original.get_by_test_id("reaction")
        await expect(shown).to_have_text(["👍 1"])
        await expect(shown).to_have_attribute("aria-pressed", "true")
        await bob.call("react", {"message_id": asked["data"]["id"], "emoji": "👍"})
        await bob.call("react", {"message_id": asked["data"]["id"], "emoji": "🎉"})
        await expect(shown).to_have_text(["👍 2", "🎉 1"])
        await expect(shown.first).to_have_attribute("aria-pressed", "true")
        await expect(shown.last).to_have_attribute("aria-pressed", "false")
        await shown.first.click()  # hers taken back
        live = await bob.push("reactions_changed")
        assert live["data"]["reactions"] == [{"emoji": "👍", "count": 1, "me": True},
                                             {"emoji": "🎉", "count": 1, "me": True}]
        await expect(shown).to_have_text(["👍 1", "🎉 1"])
        await expect(shown.first).to_have_attribute("aria-pressed", "false")

        # The original deleted: the quote says so, live and after a reload.
        await bob.call("delete_message", {"message_id": asked["data"]["id"]})
        await expect(mine.get_by_test_id("reply-excerpt")).to_have_text("message deleted")
        await alice.reload()
        await expect(mine.get_by_test_id("reply-excerpt")).to_have_text("message deleted")
        await expect(original.get_by_test_id("reaction")).to_have_count(0)
        assert browser.problems == []


@needs_chromium
@pytest.mark.gen_test(timeout=120)
async def test_search_over_all_chats_and_in_one(console_harness):
    harness = console_harness
    bob = await harness.connect("bob", "Bob Marley", version=2)
    async with Browser() as browser:
        alice = await page_of(browser, harness)
        group = await start_chat(alice, "bob, carol", "Front desk")
        direct = await start_chat(alice, "bob")
        [target] = await bob.call("send_message", {"chat_id": group,
                                                   "content": "🎉 the new plan for Friday"})
        for n in range(22):
            await bob.call("send_message", {"chat_id": direct, "content": f"old plan {n}"})

        await alice.get_by_test_id("search-input").fill("plan")
        await alice.get_by_test_id("search-input").press("Enter")
        results = alice.get_by_test_id("search-result")
        await expect(results).to_have_count(20)
        await expect(alice.get_by_test_id("chats-screen")).to_be_hidden()
        await expect(results.locator("mark").first).to_have_text("plan")
        await alice.get_by_test_id("search-more").click()
        await expect(results).to_have_count(23)
        await expect(alice.get_by_test_id("search-more")).to_be_hidden()
        found = alice.locator(f'[data-testid=search-result][data-message-id="{target["data"]["id"]}"]')
        await expect(found.get_by_test_id("result-chat")).to_have_text("Front desk")
        await expect(found.get_by_test_id("result-excerpt")).to_have_text(
            "🎉 the new plan for Friday")
        await expect(found.locator("mark")).to_have_text(["plan"])
        await found.click()
        await expect(alice.get_by_test_id("chat-title")).to_have_text("Front desk")
        await expect(message_on(alice, target["data"]["id"])).to_have_class(re.compile("flash"))

        # In the open chat: that chat's messages only.
        await alice.get_by_test_id("search-close").click()
        await in_list(alice, direct).click()
        await alice.get_by_test_id("chat-search-toggle").click()
        await alice.get_by_test_id("chat-search-input").fill("friday")
        await alice.get_by_test_id("chat-search-input").press("Enter")
        await expect(alice.get_by_test_id("chat-search-none")).to_be_visible()
        await alice.get_by_test_id("chat-search-input").fill("plan")
        await alice.get_by_test_id("chat-search-input").press("Enter")
        in_chat = alice.get_by_test_id("chat-search-results").get_by_test_id("search-result")
        await expect(in_chat).to_have_count(20)
        await expect(in_chat.get_by_test_id("result-excerpt").first).to_have_text("old plan 21")
        await expect(in_chat.get_by_test_id("result-chat")).to_have_count(0)
        await alice.get_by_test_id("chat-search-more").click()
        await expect(in_chat).to_have_count(22)
        assert browser.problems == []


@needs_chromium
@pytest.mark.gen_test(timeout=120)
async def test_mentions_are_marked_and_counted_in_the_list(console_harness):
    harness = console_harness
    bob = await harness.connect("bob", "Bob Marley", version=2)
    async with Browser() as browser:
        alice = await page_of(browser, harness)
        group = await start_chat(alice, "bob, carol", "Front desk")
        direct = await start_chat(alice, "bob")

        # Bob mentions her in the group while she is in another chat.
        await bob.call("send_message", {"chat_id": group, "content": "@alice can you check?"})
        badge = in_list(alice, group).get_by_test_id("chat-mentions")
        await expect(badge).to_have_text("@1")
        await expect(in_list(alice, group).get_by_test_id("chat-unread")).to_have_text("1")
        await in_list(alice, group).click()
        await expect(alice.locator("mark.mention.me")).to_have_text("@alice")
        await expect(alice.get_by_test_id("message").first).to_have_class(re.compile("mentions-me"))
        await expect(badge).to_be_hidden()

        # Her "@bob" mentions him: the server reads it from the text.
        await alice.get_by_test_id("message-input").fill("@bob done, and @nobody")
        await alice.get_by_test_id("message-input").press("Enter")
        sent = await bob.push("message_new", lambda frame: frame["data"]["sender"] == "alice")
        assert sent["data"]["mentions"] == ["bob"]
        await expect(alice.locator("[data-testid=message].mine").get_by_test_id(
            "mention")).to_have_text(["@bob"])
        await alice.reload()
        await expect(badge).to_be_hidden()
        await expect(in_list(alice, direct)).to_have_count(1)
        assert browser.problems == []


@needs_chromium
@pytest.mark.gen_test(timeout=120)
async def test_pins_the_archive_and_the_unread_total(console_harness):
    harness = console_harness
    bob = await harness.connect("bob", "Bob Marley", version=2)
    async with Browser() as browser:
        alice = await page_of(browser, harness)
        group = await start_chat(alice, "bob, carol", "Front desk")
        direct = await start_chat(alice, "bob")
        await alice.goto(console_url(harness))  # nothing open: what comes is unread
        total = alice.get_by_test_id("unread-total")
        await expect(total).to_be_hidden()
        for text in ("one", "two"):
            await bob.call("send_message", {"chat_id": direct, "content": text})
        await bob.call("send_message", {"chat_id": group, "content": "three"})
        await expect(total).to_have_text("3 unread")
        await expect(alice).to_have_title("(3) Messenger console")

        # Pinned: first in the list, marked, on her other connections too.
        elsewhere = await harness.connect("alice", "Alice Liddell", version=2)
        await expect(alice.get_by_test_id("chat").first).to_have_attribute("data-chat-id", group)
        await in_list(alice, direct).click()
        await expect(total).to_have_text("1 unread")  # reading it leaves the group's
        await alice.get_by_test_id("chat-details-toggle").click()
        await alice.get_by_test_id("pin-button").click()
        await expect(alice.get_by_test_id("pin-button")).to_have_text("Unpin")
        updated = await elsewhere.push("chat_updated")
        assert (updated["data"]["chat_id"], updated["data"]["pinned"]) == (direct, True)
        await bob.call("send_message", {"chat_id": group, "content": "newer"})
        await expect(in_list(alice, group).get_by_test_id("chat-unread")).to_have_text("2")
        await expect(alice.get_by_test_id("chat").first).to_have_attribute("data-chat-id", direct)
        await expect(in_list(alice, direct).get_by_test_id("chat-pinned")).to_be_visible()
        await alice.reload()
        await expect(alice.get_by_test_id("chat").first).to_have_attribute("data-chat-id", direct)

        # Archived: off the list and out of the total, on the archived screen.
        await in_list(alice, group).click()
        await expect(total).to_be_hidden()
        await bob.call("send_message", {"chat_id": direct, "content": "are you there?"})
        await expect(total).to_have_text("1 unread")
        await alice.get_by_test_id("chat-details-toggle").click()
        await alice.get_by_test_id("archive-button").click()
        await expect(in_list(alice, group)).to_have_count(0)
        await expect(alice.get_by_test_id("chat-archived-mark")).to_be_visible()
        assert group not in [chat["chat_id"] for chat in (
            await harness.connect("alice", version=2)).initial_chats]
        await alice.get_by_test_id("archived-button").click()
        archived = alice.get_by_test_id("archived-chat")
        await expect(archived).to_have_count(1)
        await expect(archived).to_have_attribute("data-chat-id", group)
        await alice.get_by_test_id("archived-back").click()
        await in_list(alice, direct).click()
        await expect(total).to_be_hidden()

        # A message in it brings it back, unread.
        await bob.call("send_message", {"chat_id": group, "content": "back to work"})
        await expect(in_list(alice, group).get_by_test_id("chat-unread")).to_have_text("1")
        await expect(total).to_have_text("1 unread")
        await alice.get_by_test_id("archived-button").click()
        await expect(alice.get_by_test_id("archived-chat")).to_have_count(0)
        await expect(alice.get_by_test_id("no-archived")).to_be_visible()
        assert browser.problems == []


@needs_chromium
@pytest.mark.gen_test(timeout=120)
async def test_typing_and_presence_on_both_sides(console_harness):
    harness = console_harness
    bob = await harness.connect("bob", "Bob Marley", version=2)
    async with Browser() as browser:
        alice = await page_of(browser, harness, viewport=PHONE)
        chat_id = await start_chat(alice, "bob")
        presence = alice.get_by_test_id("chat-presence")
        await expect(presence).to_have_text("online")

        # She types: Bob hears it, once for a burst of keys.
        await alice.get_by_test_id("message-input").press_sequentially("On my")
        typing = await bob.push("typing")
        assert typing["data"] == {"chat_id": chat_id, "user_id": "alice", "name": "Alice Liddell",
                                  "expires_in_s": 5}

        # He types: shown until his message comes.
        bob.socket.write_message(json.dumps({"type": "typing", "data": {"chat_id": chat_id}}))
        await expect(alice.get_by_test_id("typing")).to_have_text("Bob Marley is typing…")
        await bob.call("send_message", {"chat_id": chat_id, "content": "see you"})
        await expect(alice.get_by_test_id("typing")).to_be_hidden()

        # He goes: last seen, in the heading and the members panel.
        bob.close()
        await expect(presence).to_have_text(re.compile(r"^last seen \d{1,2}:\d\d"))
        await alice.get_by_test_id("chat-details-toggle").click()
        await expect(alice.locator("[data-testid=member][data-user-id=bob]").get_by_test_id(
            "member-presence")).to_have_text(re.compile("^last seen"))
        bob = await harness.connect("bob", "Bob Marley", version=2)
        await expect(presence).to_have_text("online")
        assert member(bob.initial_chats, chat_id, "alice")["online"] is True

        # She hides her presence: Bob is told, and a reload keeps the setting.
        await alice.get_by_test_id("back").click()
        await alice.get_by_test_id("settings-toggle").click()
        await alice.get_by_test_id("presence-visible").uncheck()
        hidden = await bob.push("presence", lambda frame: frame["data"]["user_id"] == "alice"
                                and not frame["data"]["online"])
        assert hidden["data"]["last_seen_at"] is None
        await alice.reload()
        await alice.get_by_test_id("settings-toggle").click()
        await expect(alice.get_by_test_id("presence-visible")).not_to_be_checked()
        again = await harness.connect("bob", version=2)
        shown = member(again.initial_chats, chat_id, "alice")
        assert (shown["online"], shown["last_seen_at"]) == (False, None)
        assert browser.problems == []
