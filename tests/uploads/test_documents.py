"""Documents, on each store over real HTTP and WebSockets: any file is
uploaded with its name, typed from its bytes, sent in a message to both
protocol versions, downloaded by the chat's members only, as an attachment."""

import json
import os
import random
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import jsonschema
import pytest
import tornado.httpclient

from messenger.uploads import sniffing
from tests.support import documents
from tests.support.harness import PROTOCOL, SERVICE_TOKEN, Harness
from tests.uploads.test_images import png

NOISE = random.Random(1).randbytes(3000)
UPLOAD_REPLY = {"$defs": PROTOCOL.schema["$defs"], "$ref": "#/$defs/upload"}


async def fetch(harness, path: str, user: str | None = "anna", **request):
    headers = request.pop("headers", {})
    if user:
        headers["Authorization"] = f"Bearer {harness.tokens.issue(user)}"
    return await tornado.httpclient.AsyncHTTPClient().fetch(
        f"http://127.0.0.1:{harness.config.port}{path}", headers=headers, raise_error=False,
        **request)


async def upload(harness, data: bytes, name: str | None = None, user: str = "anna",
                 **request) -> tuple[int, dict]:
    """Raw bytes, named with ?filename= if a name is given."""
    path = "/api/v1/uploads" + ("" if name is None else "?filename=" + quote(name))
    answer = await fetch(harness, path, user, method="POST", body=data, **request)
    body = json.loads(answer.body)
    if answer.code == 201:
        jsonschema.validate(body, UPLOAD_REPLY)
    return answer.code, body


async def upload_form(harness, data: bytes, name: str, user: str = "anna") -> tuple[int, dict]:
    """A browser's form: the part names the file (in UTF-8, as browsers send it)."""
    boundary = "b0undary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: image/png\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    answer = await fetch(harness, "/api/v1/uploads", user, method="POST", body=body,
                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    return answer.code, json.loads(answer.body)


def attachment(reply: dict, thumbnail: bool = False) -> dict:
    """The attachment a message shows for this upload reply."""
    url = f"/api/v1/files/{reply['upload_id']}"
    return {"upload_id": reply["upload_id"], "url": url,
            "thumbnail_url": url + "?thumbnail=1" if thumbnail else None,
            "name": reply["name"], "content_type": reply["content_type"],
            "size": reply["size"], "kind": "image" if thumbnail else "document"}


@pytest.mark.gen_test(timeout=60)
async def test_a_price_list_and_a_photo_reach_both_versions_and_only_the_members(harness):
    anna = await harness.connect("anna", version=2)
    boris = await harness.connect("boris", version=2)
    vera = await harness.connect("vera")  # version 1
    [created] = await anna.call("create_chat", {"with_user_id": [{"user_id": "boris"},
                                                                 {"user_id": "vera"}],
                                                "chat_name": "Салон"})
    chat_id = created["data"]["chat_id"]
    pdf = documents.pdf()

    # The client's Content-Type is its word: the bytes say PDF.
    code, price_list = await upload(harness, pdf, "Прайс-лист весна.pdf",
                                    headers={"Content-Type": "image/png"})
    assert code == 201
    assert price_list == {"upload_id": price_list["upload_id"], "name": "Прайс-лист весна.pdf",
                          "content_type": "application/pdf", "size": len(pdf),
                          "kind": "document", "has_thumbnail": False}
    _, photo = await upload(harness, png(), "витрина.png")
    shown = [attachment(price_list), attachment(photo, thumbnail=True)]

    [sent] = await anna.call("send_message", {
        "chat_id": chat_id, "content": "Новые цены",
        "attachments": [price_list["upload_id"], photo["upload_id"]]})
    assert sent["type"] == "message_new" and sent["data"]["attachments"] == shown
    assert (await boris.push("message_new"))["data"]["attachments"] == shown
    window = await vera.push("chat_messages")
    assert window["data"][-1]["attachments"] == shown

    # In history, on either version.
    [page] = await boris.call("get_chat_messages", {"chat_id": chat_id})
    assert page["data"][-1]["attachments"] == shown
    history = await vera.call("get_chat_messages", {"chat_id": chat_id})
    assert history[0]["data"][-1]["attachments"] == shown
    # An edit's frames are read back from the view: the files are still named.
    message_id = sent["data"]["id"]
    [edited] = await anna.call("edit_message", {"message_id": message_id, "content": "Цены"})
    assert edited["data"]["attachments"] == shown
    assert (await boris.push("message_edited"))["data"]["attachments"] == shown

    # Members download it, as a file to save; nobody else learns it exists.
    got = await fetch(harness, shown[0]["url"], "boris")
    assert got.code == 200 and got.body == pdf
    assert got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Disposition"] == (
        "attachment; filename=\"Prays-list vesna.pdf\"; filename*=UTF-8''"
        + quote("Прайс-лист весна.pdf", safe=""))
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in got.headers["Content-Security-Policy"]
    assert (await fetch(harness, shown[0]["url"] + "?thumbnail=1", "vera")).code == 404
    assert (await fetch(harness, shown[0]["url"], "mallory")).code == 404
    picture = await fetch(harness, shown[1]["url"], "vera")
    assert picture.headers["Content-Disposition"].startswith('inline; filename="vitrina.png"')
    assert "Content-Security-Policy" not in picture.headers
    thumbnail = await fetch(harness, shown[1]["thumbnail_url"], "vera")
    assert thumbnail.code == 200 and thumbnail.headers["Content-Type"] == "image/jpeg"

    await anna.call("delete_message", {"message_id": message_id})
    assert (await fetch(harness, shown[0]["url"], "boris")).code == 404
    assert (await fetch(harness, shown[0]["url"], "anna")).code == 200  # still its uploader's


KINDS = [  # (bytes, name sent, sent as a form, the type kept, what serving it says)
    (documents.docx(), "Договор аренды.docx", True, sniffing.DOCX, sniffing.DOCX),
    (documents.ooxml("xl", "workbook.xml"), "график.xlsx", False, sniffing.XLSX, sniffing.XLSX),
    (documents.compound_file("WordDocument"), "старый.doc", True, sniffing.DOC, sniffing.DOC),
    ("Услуга;Цена\nСтрижка;1500\n".encode(), "цены.csv", False, sniffing.TEXT,
     "text/plain; charset=utf-8"),
    (b"<html><script>alert(document.cookie)</script></html>", "page.html", False, sniffing.TEXT,
     "text/plain; charset=utf-8"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "logo.svg", True,
     sniffing.TEXT, "text/plain; charset=utf-8"),
    (NOISE, "data.bin", False, sniffing.OCTET_STREAM, sniffing.OCTET_STREAM),
    # Begins as a JPEG, is none: a document of no known type, never a picture.
    (b"\xff\xd8\xff\xe0" + NOISE, "photo.jpg", True, sniffing.OCTET_STREAM, sniffing.OCTET_STREAM),
    (png()[:60], "cut-off.png", False, sniffing.OCTET_STREAM, sniffing.OCTET_STREAM),
]


@pytest.mark.gen_test(timeout=60)
async def test_every_kind_of_file_is_kept_typed_from_its_bytes_and_served_to_save(harness):
    for data, name, as_form, content_type, served in KINDS:
        code, reply = await (upload_form(harness, data, name) if as_form
                             else upload(harness, data, name))
        assert code == 201, (name, reply)
        assert (reply["name"], reply["content_type"], reply["kind"], reply["size"]) == (
            name, content_type, "document", len(data)), name
        path = f"/api/v1/files/{reply['upload_id']}"
        got = await fetch(harness, path)
        assert (got.code, got.body, got.headers["Content-Type"]) == (200, data, served), name
        assert got.headers["Content-Disposition"].startswith("attachment; "), name
        assert (await fetch(harness, path + "?thumbnail=1")).code == 404


@pytest.mark.gen_test(timeout=60)
async def test_a_name_cannot_reach_the_file_system_and_no_name_is_named_for_its_type(harness):
    files = Path(harness.config.uploads_directory)
    for given, kept in [("../../etc/passwd", "passwd"), ("..\\..\\boot.ini", "boot.ini"),
                        ("/tmp/../x.pdf", "x.pdf"), ("..", "file.pdf"),
                        ("счёт\x00\r\n.pdf", "счёт .pdf"), ("a\u202efdp.exe", "afdp.exe")]:
        code, reply = await upload(harness, documents.pdf(), given)
        assert (code, reply["name"]) == (201, kept), given
        got = await fetch(harness, f"/api/v1/files/{reply['upload_id']}")
        assert "\r" not in got.headers["Content-Disposition"]
        assert "/" not in got.headers["Content-Disposition"].split("filename*")[0]
    not_utf8 = await fetch(harness, "/api/v1/uploads?filename=%FF.pdf", method="POST",
                           body=documents.pdf())
    assert not_utf8.code == 400
    assert (await upload(harness, documents.pdf()))[1]["name"] == "file.pdf"
    assert (await upload(harness, documents.pdf(), ""))[1]["name"] == "file.pdf"
    # Only content hashes under the uploads directory, and nothing beside it.
    assert all(len(name) == 64 for name in os.listdir(files))
    assert not (files.parent / "passwd").exists() and not (files / "x.pdf").exists()
    long = "Отчёт за квартал " * 20 + ".xlsx"
    code, reply = await upload(harness, documents.ooxml("xl", "workbook.xml"), long)
    assert code == 201 and len(reply["name"]) == 200 and reply["name"].endswith(".xlsx")


@pytest.mark.gen_test(timeout=60)
async def test_the_size_cap_holds_for_documents(io_loop, config):
    harness = Harness(replace(config, max_upload_bytes=2000))
    await harness.start()
    try:
        text = "строка\n".encode() * 154  # 2,002 bytes
        code, body = await upload(harness, text[:2000], "ровно.txt")
        assert code == 201 and body["size"] == 2000
        code, body = await upload(harness, text, "больше.txt")  # refused on Content-Length
        assert code == 413 and body["error"]["status"] == 413
        assert (await upload_form(harness, text, "больше.txt"))[0] == 413  # on the file itself
    finally:
        await harness.stop()


@pytest.mark.gen_test(timeout=60)
async def test_the_audit_names_each_file_a_message_carried(harness):
    from tests.audit.test_audit import audited

    anna = await harness.connect("anna")
    [reply] = await anna.call("create_chat", {"with_user_id": [{"user_id": "boris"}]})
    chat_id = reply["data"][0]["chat_id"]
    _, document = await upload(harness, documents.docx(), "Договор.docx")
    await anna.call("send_message", {"chat_id": chat_id, "content": "",
                                     "attachments": [document["upload_id"]]})
    await audited(harness)
    base = f"/api/v1/audit/chats/{chat_id}"
    audit = await fetch(harness, base, None, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
    [posted] = [json.loads(line) for line in audit.body.decode().splitlines()
                if json.loads(line)["type"] == "Message.Posted"]
    [file] = posted["files"]
    assert posted["attachments"] == [document["upload_id"]]
    assert {key: file[key] for key in ("upload_id", "name", "content_type", "size", "kind")} == {
        "upload_id": document["upload_id"], "name": "Договор.docx",
        "content_type": sniffing.DOCX, "size": document["size"], "kind": "document"}
    assert len(file["sha256"]) == 64
    at = quote("2100-01-01T00:00:00+00:00")
    past = await fetch(harness, f"{base}?at={at}", None,
                       headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
    [_, message] = [json.loads(line) for line in past.body.decode().splitlines()]
    assert message["files"] == [file]
