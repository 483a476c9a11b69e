"""The console in headless Chromium: a phone's two screens, an open chat kept
over a reload, and every protocol v2 feature done through the page (edits,
deletions, members, mute, pictures) and seen by another real client over
WebSocket, on both stores."""

import re
from datetime import datetime, timedelta

import pytest
import tornado.httpclient
from PIL import Image
from playwright.async_api import expect

from tests.http.test_console import (  # noqa: F401 (fixture)
    Browser, console_harness, needs_chromium, open_chat_id, signed_in
)
from tests.support.harness import by_id

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def console_url(harness) -> str:
    return f"http://127.0.0.1:{harness.config.port}/console"


async def start_chat(page, with_users: str, name: str = "") -> str:
    """A new chat, opened on the page: its id."""
    before = page.url
    await page.get_by_test_id("new-chat-users").fill(with_users)
    await page.get_by_test_id("new-chat-name").fill(name)
    await page.get_by_test_id("new-chat-button").click()
    await expect(page.get_by_test_id("chat-view")).to_be_visible()
    await expect(page).to_have_url(re.compile("#."))
    if "#" in before:  # another chat was open
        await expect(page).not_to_have_url(before)
    return open_chat_id(page)


def agree_to_every_question(page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


@needs_chromium
@pytest.mark.gen_test(timeout=120)
async def test_on_a_phone_the_list_and_the_open_chat_are_two_screens(console_harness):
    async with Browser() as browser:
        alice = await signed_in(browser, console_url(console_harness), "alice", "Alice Liddell",
                                viewport=PHONE)
        await expect(alice.get_by_test_id("chats")).to_be_visible()
        await expect(alice.get_by_test_id("chat-pane")).to_be_hidden()
        chat_id = await start_chat(alice, "bob")

        # The open chat takes the whole width; the list waits behind "back".
        await expect(alice.get_by_test_id("chats")).to_be_hidden()
        await expect(alice.get_by_test_id("back")).to_be_visible()
        await expect(alice.get_by_test_id("chat-subtitle")).to_have_text("with bob")
        text = ("Could you take my nine o'clock client on Friday? "
                "She wants a trim and a colour, about two hours.")
        await alice.get_by_test_id("message-input").fill(text)
        await alice.get_by_test_id("message-input").press("Enter")
        content = alice.get_by_test_id("message-content")
        await expect(content).to_have_text([text])
        assert (await content.bounding_box())["width"] >= 300
        assert await alice.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        # A reload keeps the open chat.
        await alice.reload()
        await expect(alice.get_by_test_id("message-content")).to_have_text([text])
        await expect(alice.get_by_test_id("chats")).to_be_hidden()

        # Back to the list, which a reload keeps too; the chat opens again from it.
        await alice.get_by_test_id("back").click()
        await expect(alice.get_by_test_id("chats")).to_be_visible()
        await expect(alice.get_by_test_id("chat-pane")).to_be_hidden()
        await alice.reload()
        await expect(alice.get_by_test_id("chats")).to_be_visible()
        await expect(alice.get_by_test_id("chat-pane")).to_be_hidden()
        await alice.locator(f'[data-testid=chat][data-chat-id="{chat_id}"]').click()
        await expect(alice.get_by_test_id("message-content")).to_have_text([text])
        await alice.go_back()  # the browser's own back button
        await expect(alice.get_by_test_id("chats")).to_be_visible()

        # On a desktop both panes show, with a hint until a chat is chosen.
        await alice.set_viewport_size(DESKTOP)
        await expect(alice.get_by_test_id("chat-hint")).to_be_visible()
        await expect(alice.get_by_test_id("back")).to_be_hidden()
        await alice.locator(f'[data-testid=chat][data-chat-id="{chat_id}"]').click()
        await expect(alice.get_by_test_id("message-content")).to_have_text([text])
        await expect(alice.get_by_test_id("chats")).to_be_visible()
        await expect(alice.get_by_test_id("chat-hint")).to_be_hidden()
        assert browser.problems == []


@needs_chromium
@pytest.mark.gen_test(timeout=120)
async def test_own_messages_are_edited_and_deleted_and_the_other_member_sees_it(
        console_harness):
    harness = console_harness
    bob = await harness.connect("bob", "Bob Marley", version=2)
    async with Browser() as browser:
        alice = await signed_in(browser, console_url(harness), "alice", "Alice Liddell",
                                viewport=DESKTOP)
        agree_to_every_question(alice)
        chat_id = await start_chat(alice, "bob")
        await bob.call("send_message", {"chat_id": chat_id, "content": "Morning!"})
        theirs = alice.locator("[data-testid=message]:not(.mine)")
        await expect(theirs.get_by_test_id("message-content")).to_have_text("Morning!")
        await expect(theirs.get_by_test_id("edit-message")).to_have_count(0)
        await expect(theirs.get_by_test_id("delete-message")).to_have_count(0)

        await alice.get_by_test_id("message-input").fill("See you at 9")
        await alice.get_by_test_id("send-button").click()
        posted = await bob.push("message_new", lambda frame: frame["data"]["sender"] == "alice")
        mine = alice.locator("[data-testid=message].mine")

        # Edit: the text comes back into the composer, and Enter saves it.
        await mine.get_by_test_id("edit-message").click()
        await expect(alice.get_by_test_id("editing")).to_be_visible()
        await expect(alice.get_by_test_id("message-input")).to_have_value("See you at 9")
        await alice.get_by_test_id("message-input").fill("See you at 10")
        await alice.get_by_test_id("message-input").press("Enter")
        edited = await bob.push("message_edited")
        assert (edited["data"]["id"], edited["data"]["content"]) == (
            posted["data"]["id"], "See you at 10")
        await expect(mine.get_by_test_id("message-content")).to_have_text("See you at 10")
        await expect(mine.get_by_test_id("message-edited")).to_be_visible()
        await expect(alice.get_by_test_id("editing")).to_be_hidden()
        await expect(alice.get_by_test_id("message-input")).to_have_value("")

        # Delete, once confirmed.
        await mine.get_by_test_id("delete-message").click()
        deleted = await bob.push("message_deleted")
        assert (deleted["data"]["id"], deleted["data"]["deleted"]) == (posted["data"]["id"], True)
        await expect(mine.get_by_test_id("message-content")).to_have_text("message deleted")
        await expect(mine.get_by_test_id("edit-message")).to_have_count(0)
        await alice.reload()
        await expect(alice.get_by_test_id("message-content")).to_have_text(
            ["Morning!", "message deleted"])

        # Today's messages show the time of day, older ones their date; all of it on hover.
        sent_at = alice.get_by_test_id("message-time").first
        await expect(sent_at).to_have_text(re.compile(r"^\d{1,2}:\d\d"))
        assert str(datetime.now().year) in await sent_at.get_attribute("title")
        await alice.clock.set_fixed_time(datetime.now() + timedelta(days=2))
        await alice.reload()
        await expect(sent_at).to_be_visible()
        await expect(sent_at).not_to_have_text(re.compile(r"\d:\d\d"))
        assert browser.problems == []


@needs_chromium
@pytest.mark.gen_test(timeout=120)
async def test_members_are_added_and_removed_and_one_leaves(console_harness):
    harness = console_harness
    carol = await harness.connect("carol", version=2)
    dave = await harness.connect("dave", version=2)
    async with Browser() as browser:
        alice = await signed_in(browser, console_url(harness), "alice", "Alice Liddell",
                                viewport=DESKTOP)
        agree_to_every_question(alice)
        chat_id = await start_chat(alice, "bob, carol", "Front desk")
        await alice.get_by_test_id("chat-details-toggle").click()
        names = alice.get_by_test_id("member-name")
        await expect(names).to_have_text(["you", "bob", "carol"])

        await alice.get_by_test_id("add-member-users").fill("dave")
        await alice.get_by_test_id("add-member-button").click()
        added = await dave.push("chat_updated", lambda frame: frame["data"]["chat_id"] == chat_id)
        assert [user["user_id"] for user in added["data"]["users"]] == [
            "alice", "bob", "carol", "dave"]
        await expect(names).to_have_text(["you", "bob", "carol", "dave"])

        await alice.locator("[data-testid=member][data-user-id=carol]").get_by_test_id(
            "remove-member").click()
        await carol.push("chat_removed", lambda frame: frame["data"]["chat_id"] == chat_id)
        await expect(names).to_have_text(["you", "bob", "dave"])
        await expect(alice.get_by_test_id("chat-subtitle")).to_have_text(
            "3 members: you, bob, dave")

        # In a group each message says who wrote it.
        await dave.call("send_message", {"chat_id": chat_id, "content": "Hi all"})
        await expect(alice.get_by_test_id("message-sender")).to_have_text(["dave"])

        # Alice leaves: the chat is gone from her page, and Bob is its admin now.
        await alice.get_by_test_id("leave-button").click()
        await expect(alice.get_by_test_id("chat-hint")).to_be_visible()
        await expect(alice.locator(f'[data-testid=chat][data-chat-id="{chat_id}"]')).to_have_count(0)
        left = await dave.push("chat_updated", lambda frame: frame["data"]["chat_id"] == chat_id
                               and "alice" not in [u["user_id"] for u in frame["data"]["users"]])
        assert left["data"]["group_admin"] == "bob"
        assert "#" not in alice.url
        assert browser.problems == []


@needs_chromium
@pytest.mark.gen_test(timeout=120)
async def test_a_chat_is_muted_and_a_picture_is_sent_with_its_thumbnail(
        console_harness, tmp_path):
    harness = console_harness
    bob = await harness.connect("bob", version=2)
    async with Browser() as browser:
        alice = await signed_in(browser, console_url(harness), "alice", "Alice Liddell",
                                viewport=DESKTOP)
        chat_id = await start_chat(alice, "bob")
        in_list = alice.locator(f'[data-testid=chat][data-chat-id="{chat_id}"]')

        # Muted: her other connections are told, and a reload shows it.
        await alice.get_by_test_id("chat-details-toggle").click()
        await alice.get_by_test_id("mute-button").click()
        await expect(alice.get_by_test_id("mute-button")).to_have_text("Unmute")
        await expect(in_list.get_by_test_id("chat-muted")).to_be_visible()
        elsewhere = await harness.connect("alice", version=2)
        assert by_id(elsewhere.initial_chats, chat_id)["muted"] is True
        await alice.reload()
        await expect(alice.get_by_test_id("chat-muted-mark")).to_be_visible()
        await alice.get_by_test_id("chat-details-toggle").click()
        await alice.get_by_test_id("mute-button").click()
        await expect(alice.get_by_test_id("mute-button")).to_have_text("Mute")
        await expect(in_list.get_by_test_id("chat-muted")).to_be_hidden()
        again = await harness.connect("alice", version=2)
        assert by_id(again.initial_chats, chat_id)["muted"] is False

        # A picture with a caption: uploaded, shown as a thumbnail, Bob can fetch it.
        picture = tmp_path / "shift-plan.png"
        Image.new("RGB", (800, 600), (200, 40, 40)).save(picture)
        await alice.get_by_test_id("file-input").set_input_files(str(picture))
        await expect(alice.get_by_test_id("pending-picture")).to_have_count(1)
        await alice.get_by_test_id("message-input").fill("Friday's plan")
        await alice.get_by_test_id("send-button").click()
        sent = await bob.push("message_new", lambda frame: frame["data"]["attachments"])
        assert sent["data"]["content"] == "Friday's plan"
        [attachment] = sent["data"]["attachments"]
        thumbnail = await tornado.httpclient.AsyncHTTPClient().fetch(
            f"http://127.0.0.1:{harness.config.port}{attachment['thumbnail_url']}",
            headers={"Authorization": f"Bearer {harness.tokens.issue('bob')}"})
        assert thumbnail.headers["Content-Type"] == "image/jpeg"
        shown = alice.get_by_test_id("message-picture")
        await expect(shown).to_have_count(1)
        await expect(shown).to_have_attribute("src", re.compile(r"thumbnail=1"))
        await alice.wait_for_function(
            "document.querySelector('[data-testid=message-picture]').naturalWidth > 0")
        await expect(alice.get_by_test_id("pending-picture")).to_have_count(0)

        # An empty file is refused in words.
        empty = tmp_path / "empty.png"
        empty.write_bytes(b"")
        await alice.get_by_test_id("file-input").set_input_files(str(empty))
        await expect(alice.get_by_test_id("error-text")).to_have_text("empty.png is empty or broken.")
        await expect(alice.get_by_test_id("pending-picture")).to_have_count(0)
        assert [problem for problem in browser.problems if "status of 400" not in problem] == []


@needs_chromium
@pytest.mark.gen_test(timeout=120)
async def test_a_system_chat_names_its_sender_and_cannot_be_written_to(console_harness):
    harness = console_harness
    status, _ = await harness.post("/api/v1/notifications/bookings", {
        "event_id": "evt-1", "user_id": "alice", "source": "bot", "event": "created",
        "booking": {"id": 42, "client_name": "Иван Петров"}})
    assert status == 201
    async with Browser() as browser:
        alice = await signed_in(browser, console_url(harness), "alice", "Alice Liddell",
                                viewport=DESKTOP)
        await alice.locator("[data-testid=chat][data-kind=bot_bookings]").click()
        chat_name = harness.config.bot_bookings_chat_name
        await expect(alice.get_by_test_id("message-sender")).to_have_text([chat_name])
        await expect(alice.get_by_test_id("message-content")).to_contain_text(["Иван Петров"])
        await expect(alice.get_by_test_id("send-form")).to_be_hidden()
        await expect(alice.get_by_test_id("chat-subtitle")).to_have_text("booking notices")
        assert browser.problems == []
