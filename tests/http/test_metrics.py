"""GET /metrics in Prometheus's text format, with the counters moving as
clients connect, send and are refused."""

import pytest
import tornado.httpclient
from prometheus_client.parser import text_string_to_metric_families


async def scrape(harness) -> dict:
    answer = await tornado.httpclient.AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{harness.config.port}/metrics")
    assert answer.headers["Content-Type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.body.decode())
            for sample in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.gen_test(timeout=60)
async def test_metrics_show_connections_requests_messages_latency_and_lag(harness):
    before = await scrape(harness)
    alice, bob = await harness.connect("alice"), await harness.connect("bob")
    [created] = await alice.call("create_chat", {"with_user_id": [{"user_id": "bob"}]})
    chat_id = created["data"][0]["chat_id"]
    for text in ("one", "two"):
        await alice.call("send_message", {"chat_id": chat_id, "content": text})
        await bob.push("chat_messages", lambda f, t=text: f["data"][-1]["content"] == t)
    await alice.call("send_message", {"chat_id": chat_id, "content": ""})  # bad_request
    after = await scrape(harness)

    assert value(after, "messenger_connections") - value(before, "messenger_connections") == 2
    sent = ("messenger_requests_total", {"type": "send_message", "result": "ok"})
    refused = ("messenger_requests_total", {"type": "send_message", "result": "bad_request"})
    assert value(after, sent[0], **sent[1]) - value(before, sent[0], **sent[1]) == 2
    assert value(after, refused[0], **refused[1]) - value(before, refused[0], **refused[1]) == 1
    assert value(after, "messenger_messages_sent_total") - value(
        before, "messenger_messages_sent_total") == 2
    for histogram in ("messenger_fanout_seconds_count", "messenger_delivery_seconds_count"):
        assert value(after, histogram) > value(before, histogram), histogram
    assert value(after, "messenger_follower_lag_events", follower="inbox") >= 0
    assert ("messenger_follower_lag_events", (("follower", "audit"),)) in after
