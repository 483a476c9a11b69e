"""Pictures: uploaded with the client's token, attached to a message, served
to the chat's members only."""

import io
import json

import pytest
import tornado.httpclient
from PIL import Image


def png(width=64, height=32) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(buffer, "PNG")
    return buffer.getvalue()


async def http(harness, method, path, user, body=None):
    answer = await tornado.httpclient.AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{harness.config.port}{path}", method=method, body=body,
        headers={"Authorization": f"Bearer {harness.tokens.issue(user)}"}, raise_error=False)
    return answer


@pytest.mark.gen_test(timeout=60)
async def test_a_picture_reaches_both_versions_and_only_members_can_fetch_it(harness):
    anna = await harness.connect("anna")
    boris = await harness.connect("boris", version=2)
    [reply] = await anna.call("create_chat", {"with_user_id": [{"user_id": "boris"}]})
    chat_id = reply["data"][0]["chat_id"]
    picture = png()

    uploaded = await http(harness, "POST", "/api/v1/uploads", "anna", picture)
    assert uploaded.code == 201
    upload_id = json.loads(uploaded.body)["upload_id"]

    # Someone else's upload cannot be attached.
    [refused] = await boris.call("send_message", {"chat_id": chat_id, "content": "",
                                                  "attachments": [upload_id]})
    assert refused["data"]["code"] == "not_found"

    sent = await anna.call("send_message", {"chat_id": chat_id, "content": "",
                                            "attachments": [upload_id]})
    [attachment] = sent[1]["data"][-1]["attachments"]
    assert attachment == {"upload_id": upload_id, "url": f"/api/v1/files/{upload_id}",
                          "thumbnail_url": f"/api/v1/files/{upload_id}?thumbnail=1",
                          "name": "image.png", "content_type": "image/png",
                          "size": len(picture), "kind": "image"}
    new = await boris.push("message_new")
    assert new["data"]["attachments"] == [attachment] and new["data"]["content"] == ""

    fetched = await http(harness, "GET", attachment["url"], "boris")
    assert fetched.code == 200 and fetched.body == picture
    assert fetched.headers["Content-Type"] == "image/png"
    thumbnail = await http(harness, "GET", attachment["thumbnail_url"], "boris")
    assert thumbnail.code == 200 and thumbnail.headers["Content-Type"] == "image/jpeg"
    assert (await http(harness, "GET", attachment["url"], "mallory")).code == 404


@pytest.mark.gen_test(timeout=60)
async def test_an_empty_upload_or_one_without_a_token_is_refused(harness):
    assert (await http(harness, "POST", "/api/v1/uploads", "anna", b"")).code == 400
    answer = await tornado.httpclient.AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{harness.config.port}/api/v1/uploads", method="POST", body=png(),
        raise_error=False)
    assert answer.code == 401


@pytest.mark.gen_test(timeout=60)
async def test_a_picture_sent_twice_stays_readable_in_both_chats_until_deleted(harness):
    anna = await harness.connect("anna")
    chats = []
    for other in ("boris", "carol"):
        [reply] = await anna.call("create_chat", {"with_user_id": [{"user_id": other}]})
        chats.append(reply["data"][0]["chat_id"])
    upload_id = json.loads((await http(harness, "POST", "/api/v1/uploads", "anna", png())).body)[
        "upload_id"]
    assert (await http(harness, "GET", f"/api/v1/files/{upload_id}", "anna")).code == 200
    sent = [await anna.call("send_message", {"chat_id": chat_id, "content": "",
                                             "attachments": [upload_id]}) for chat_id in chats]
    for reader in ("boris", "carol"):
        assert (await http(harness, "GET", f"/api/v1/files/{upload_id}", reader)).code == 200

    await anna.call("delete_message", {"message_id": sent[0][1]["data"][-1]["id"]})
    assert (await http(harness, "GET", f"/api/v1/files/{upload_id}", "boris")).code == 404
    assert (await http(harness, "GET", f"/api/v1/files/{upload_id}", "carol")).code == 200
    await anna.call("delete_chat", {"chat_id": chats[1]})
    assert (await http(harness, "GET", f"/api/v1/files/{upload_id}", "carol")).code == 404
