"""/healthz tells a load balancer whether this process can serve."""

import logging

import pytest
import tornado.httpclient


async def health(harness) -> int:
    answer = await tornado.httpclient.AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{harness.config.port}/healthz", raise_error=False)
    return answer.code


@pytest.mark.gen_test(timeout=60)
async def test_healthy_while_serving_and_not_once_the_projection_has_stopped(harness):
    assert await health(harness) == 200
    harness.server.store.runner.stop()
    assert await health(harness) == 503


@pytest.mark.gen_test(timeout=60)
async def test_tokens_never_reach_the_logs(harness, caplog):
    caplog.set_level(logging.DEBUG)
    alice = await harness.connect("alice")
    await alice.call("send_message", {"chat_id": alice.support_chat_id, "content": "hi"})
    token = harness.tokens.issue("alice")
    assert "token=" not in caplog.text and token.split(".")[0] not in caplog.text
