"""/healthz tells a load balancer whether this process can serve."""

import logging

import pytest
import tornado.httpclient


async def health(harness) -> int:
    answer = await tornado.httpclient.AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{harness.config.port}/healthz", raise_error=False)
    return answer.code


@pytest.mark.gen_test(timeout=60)
async def test_an_event_the_view_cannot_take_is_not_stored_and_a_retry_works(harness):
    """The inbox is written in the transaction that stores the events: a view
    that fails makes the command fail whole, and nothing is half-kept."""
    assert await health(harness) == 200
    alice = await harness.connect("alice")
    view = harness.server.store.view
    original = view.post_messages

    def fails_once(*args, **kwargs):
        view.post_messages = original
        raise ConnectionError("the database went away for a moment")

    view.post_messages = fails_once
    [error] = await alice.call("send_message", {"chat_id": alice.support_chat_id,
                                                "content": "lost?", "client_msg_id": "m1"})
    assert error["data"]["code"] == "unavailable"
    history = await alice.call("get_chat_messages", {"chat_id": alice.support_chat_id})
    assert history[0]["data"] == []  # not stored: neither the event nor the view
    replies = await alice.call("send_message", {"chat_id": alice.support_chat_id,
                                                "content": "lost?", "client_msg_id": "m1"})
    assert replies[1]["data"][-1]["content"] == "lost?"
    assert await health(harness) == 200


@pytest.mark.gen_test(timeout=60)
async def test_a_connection_ends_when_its_token_expires(harness):
    import tornado.websocket

    # Expired 27 s ago: accepted within the 30 s of clock skew, for 2 to 3 seconds more.
    socket = await tornado.websocket.websocket_connect(
        f"{harness.url}?token={harness.tokens.issue('alice', ttl_s=-27)}")
    assert (await socket.read_message()) is not None  # the chat list
    assert await socket.read_message() is None
    assert socket.close_code == 1008


@pytest.mark.gen_test(timeout=60)
async def test_tokens_never_reach_the_logs(harness, caplog):
    caplog.set_level(logging.DEBUG)
    alice = await harness.connect("alice")
    await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "hi"})
    token = harness.tokens.issue("alice")
    assert "token=" not in caplog.text and token.split(".")[0] not in caplog.text


@pytest.mark.gen_test(timeout=60)
async def test_production_logs_are_json_lines_with_request_ids_and_no_content(
        harness, monkeypatch):
    import io
    import json

    from messenger import logs
    from messenger.wire.frames import Frames

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    written = io.StringIO()
    logs.setup("json", logging.DEBUG, written)
    try:
        alice = await harness.connect("alice")
        await alice.call("send_message", {"chat_id": alice.support_chat_id,
                                          "content": "words nobody else may read"})

        def broken(*args, **kwargs):
            raise RuntimeError("a bug")

        monkeypatch.setattr(Frames, "history", broken)
        [refused] = await alice.call("get_chat_messages", {"chat_id": alice.support_chat_id},
                                     request_id="rq-42")
        assert refused["data"]["code"] == "unavailable"
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    entries = [json.loads(line) for line in written.getvalue().splitlines()]
    [failure] = [e for e in entries if e["level"] == "ERROR"]
    assert failure["request_id"].endswith(":rq-42") and "RuntimeError: a bug" in failure["error"]
    assert "nobody else may read" not in written.getvalue()
    assert harness.tokens.issue("alice").split(".")[0] not in written.getvalue()
