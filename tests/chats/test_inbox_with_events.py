"""The inbox view is written in the transaction that stores its events: a
reply needs no follower, and events stored without the view (by an earlier
version, or a tool) are taken in before the next write lands on top of them."""

import pytest

from domain.chat import Chat
from tests.support.harness import by_id


@pytest.mark.gen_test(timeout=60)
async def test_events_stored_without_the_view_are_taken_in_by_the_next_write(harness):
    app = harness.server.store.app
    alice = await harness.connect("alice")
    await harness.connect("bob")
    group = Chat.start_group("alice", ["bob", "carol"], "stored without the view")
    # Past the Messenger's save, as an earlier version or a tool would store it.
    await harness.server.commands.query(app.events.put, group.collect_events())
    assert str(group.id) not in [chat["chat_id"] for chat in await alice.chats()]
    await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "next"})
    chat = by_id(await alice.chats(), str(group.id))
    assert chat["chat_name"] == "stored without the view"
    replies = await alice.call("send_message", {"chat_id": str(group.id), "content": "hi"})
    assert replies[1]["data"][-1]["content"] == "hi"

