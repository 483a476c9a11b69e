"""Image uploads against a small real server: the upload routes only, a real
Messenger on SQLite, real files in a temp directory."""

import io
import json
import random
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import tornado.httpclient
import tornado.httpserver
import tornado.testing
import tornado.web
from PIL import Image

from domain.application import Messenger
from domain.upload import Upload
from messenger.auth import Tokens
from messenger.store.commands import Commands
from messenger.store.settings import persistence_env
from messenger.uploads import images
from messenger.uploads.decoding import DecodePool
from messenger.uploads.files import FileStorage, InvalidKeyError, LocalFileStorage
from messenger.uploads.handlers import routes
from messenger.uploads.intake import UploadError, accept
from messenger.uploads.sniffing import OCTET_STREAM
from projections.inbox_files import StoredFile

TOKENS = Tokens("a-test-secret-of-at-least-32-bytes!!")
# A minimal ISO BMFF 'ftyp' box as HEIC files begin: size, 'ftyp', major
# brand, minor version, compatible brands.
FAKE_HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 32


def picture(fmt: str, size=(640, 480), mode="RGB", **save) -> bytes:
    """A noisy image, so that compression cannot hide truncation."""
    rng = random.Random(0)
    image = Image.frombytes(mode, size, rng.randbytes(size[0] * size[1] * len(mode)))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


class MemoryStorage:
    """A FileStorage that keeps files in a dict, as a second implementation."""

    def __init__(self):
        self.files: dict[str, bytes] = {}

    def put(self, key: str, data: bytes) -> None:
        self.files[key] = data

    def get(self, key: str) -> bytes:
        try:
            return self.files[key]
        except KeyError:
            raise FileNotFoundError(key) from None

    def exists(self, key: str) -> bool:
        return key in self.files


class Server:
    def __init__(self, tmp_path, max_bytes: int):
        self.app = Messenger(persistence_env("sqlite:///" + str(tmp_path / "m.db")))
        self.executor = ThreadPoolExecutor(2)
        self.decoding = DecodePool()
        self.files = tmp_path / "files"
        storage = LocalFileStorage(self.files)
        socket, self.port = tornado.testing.bind_unused_port()
        web = tornado.web.Application(
            routes(TOKENS, Commands(self.app, self.executor), self.app, storage, max_bytes, self.can_read,
                   decoding=self.decoding))
        self.http = tornado.httpserver.HTTPServer(web)
        self.http.add_sockets([socket])

    def can_read(self, user_id: str, upload_id: str):
        """Stands in for the lead's check (is the file in one of the user's chats?)."""
        if user_id != "alice":
            return None
        upload = self.app.repository.get(uuid.UUID(upload_id))
        return StoredFile(upload.content_type, upload.sha256, upload.has_thumbnail, upload.name)

    def close(self) -> None:
        self.http.stop()
        self.executor.shutdown()
        self.decoding.shutdown()
        self.app.close()

    async def fetch(self, path: str, user: str | None = "alice", via_query=False, **request):
        headers = request.pop("headers", {})
        if user and via_query:
            path += ("&" if "?" in path else "?") + "token=" + TOKENS.issue(user)
        elif user:
            headers["Authorization"] = "Bearer " + TOKENS.issue(user)
        return await tornado.httpclient.AsyncHTTPClient().fetch(
            f"http://127.0.0.1:{self.port}{path}", headers=headers, raise_error=False, **request)

    async def upload(self, data: bytes, user: str | None = "alice", **request):
        answer = await self.fetch("/api/v1/uploads", user, method="POST", body=data, **request)
        return answer.code, json.loads(answer.body or b"null")

    async def upload_form(self, data: bytes, field="file", user="alice"):
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
                f"filename=\"photo.jpg\"\r\nContent-Type: text/plain\r\n\r\n").encode()
        body += data + f"\r\n--{boundary}--\r\n".encode()
        return await self.upload(body, user, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}"})

    def stored(self) -> list[str]:
        return sorted(path.name for path in self.files.iterdir())


@pytest.fixture
def max_bytes():
    return 1024 * 1024


@pytest.fixture
def server(io_loop, tmp_path, max_bytes):
    server = Server(tmp_path, max_bytes)
    yield server
    server.close()


def error_of(answer) -> tuple[int, str]:
    code, body = answer
    assert body["error"]["status"] == code
    return code, body["error"]["message"]


@pytest.mark.gen_test
async def test_png_raw_and_jpeg_multipart_are_stored_with_thumbnails(server):
    png, jpeg = picture("PNG"), picture("JPEG")
    code, body = await server.upload(png)
    assert code == 201
    assert body == {"upload_id": body["upload_id"], "name": "image.png",
                    "content_type": "image/png", "size": len(png), "kind": "image",
                    "has_thumbnail": True}
    code, body2 = await server.upload_form(jpeg)
    assert code == 201 and body2["content_type"] == "image/jpeg" and body2["has_thumbnail"]
    assert (body2["name"], body2["kind"]) == ("photo.jpg", "image")  # the form's file name

    upload_id = uuid.UUID(body["upload_id"])
    events = server.app.recorder.select_events(upload_id)
    assert [event.topic for event in events] == ["domain.upload:Upload.Stored"]
    upload = server.app.repository.get(upload_id)
    assert isinstance(upload, Upload)
    assert (upload.owner, upload.size, upload.has_thumbnail) == ("alice", len(png), True)
    assert (upload.name, upload.kind) == ("image.png", "image")


@pytest.mark.gen_test
async def test_alice_downloads_the_file_and_a_small_jpeg_thumbnail(server):
    png = picture("PNG", size=(800, 400))
    _, body = await server.upload(png)
    path = f"/api/v1/files/{body['upload_id']}"

    answer = await server.fetch(path)
    assert answer.code == 200 and answer.body == png
    assert answer.headers["Content-Type"] == "image/png"
    assert answer.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Disposition"] == 'inline; filename="image.png"'
    etag = answer.headers["Etag"]
    assert etag.strip('"') == server.app.repository.get(uuid.UUID(body["upload_id"])).sha256

    thumb = await server.fetch(path + "?thumbnail=1", via_query=True)
    assert thumb.code == 200 and thumb.headers["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(thumb.body))
    assert image.format == "JPEG" and max(image.size) <= 320 and image.size == (320, 160)

    again = await server.fetch(path, headers={"If-None-Match": etag})
    assert again.code == 304 and not again.body


@pytest.mark.gen_test
async def test_others_and_strangers_learn_nothing(server):
    _, body = await server.upload(picture("PNG"))
    path = f"/api/v1/files/{body['upload_id']}"
    bobs = await server.fetch(path, "bob")
    nobodys = await server.fetch(f"/api/v1/files/{uuid.uuid4()}", "bob")
    nonsense = await server.fetch("/api/v1/files/not-an-id")
    assert bobs.code == nobodys.code == nonsense.code == 404
    assert bobs.body == nobodys.body == nonsense.body
    assert (await server.fetch(path, None)).code == 401
    assert (await server.fetch(path + "?token=forged", None)).code == 401


@pytest.mark.gen_test
async def test_uploads_need_a_valid_token(server):
    assert error_of(await server.upload(picture("PNG"), None))[0] == 401
    assert error_of(await server.upload(picture("PNG"), None, headers={
        "Authorization": "Bearer " + Tokens("another-secret-of-at-least-32-bytes").issue("alice")
    }))[0] == 401
    assert server.stored() == []
    code, _ = await server.upload(picture("PNG"), "alice", via_query=True)
    assert code == 201


@pytest.mark.gen_test
async def test_bad_uploads_are_refused_and_nothing_is_stored(server):
    png = picture("PNG")
    assert error_of(await server.upload(b"")) == (400, "the upload is empty")
    assert error_of(await server.upload_form(png, field="photo"))[0] == 400
    assert error_of(await server.upload(b"--x\r\n", headers={
        "Content-Type": "multipart/form-data; boundary=x"}))[0] == 400
    assert server.stored() == []


@pytest.mark.parametrize("max_bytes", [1000])
@pytest.mark.gen_test
async def test_too_large_is_413_raw_or_in_a_form(server):
    big = picture("PNG", size=(64, 64))
    assert len(big) > 1000
    assert error_of(await server.upload(big))[0] == 413  # refused on Content-Length
    assert error_of(await server.upload_form(big))[0] == 413  # refused on the file itself
    code, _ = await server.upload(picture("PNG", size=(8, 8)))
    assert code == 201


@pytest.mark.gen_test
async def test_the_same_bytes_twice_are_stored_once(server):
    jpeg = picture("JPEG")
    _, first = await server.upload(jpeg)
    _, second = await server.upload_form(jpeg)
    assert first["upload_id"] != second["upload_id"]
    assert len(server.stored()) == 2  # the file and its thumbnail
    assert all(name.startswith(tuple("0123456789abcdef")) for name in server.stored())


@pytest.mark.gen_test
async def test_webp_is_accepted(server):
    code, body = await server.upload(picture("WEBP"))
    assert code == 201 and body["content_type"] == "image/webp" and body["has_thumbnail"]


@pytest.mark.gen_test
async def test_a_chunked_upload_is_accepted(server):
    png = picture("PNG")

    async def produce(write):
        for start in range(0, len(png), 4096):
            await write(png[start:start + 4096])

    answer = await server.fetch("/api/v1/uploads", method="POST", body_producer=produce)
    assert answer.code == 201 and json.loads(answer.body)["size"] == len(png)


def test_sniffing():
    assert images.sniff(picture("JPEG", (4, 4))) == "image/jpeg"
    assert images.sniff(picture("PNG", (4, 4))) == "image/png"
    assert images.sniff(picture("WEBP", (4, 4))) == "image/webp"
    assert images.sniff(picture("GIF", (4, 4))) == "image/gif"
    assert images.sniff(FAKE_HEIC) == "image/heic"
    mif1 = b"\x00\x00\x00\x14ftypmif1\x00\x00\x00\x00heic" + b"\x00" * 8
    assert images.sniff(mif1) == "image/heic"
    avif = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 8
    assert images.sniff(avif) is None
    for data in (b"", b"GIF8" + b"\x00" * 20, b"RIFF\x00\x00\x00\x00WAVE", b"<svg/>",
                 b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00mp41"):
        assert images.sniff(data) is None


def test_thumbnail_is_upright_and_flattened():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    rotated = io.BytesIO()
    Image.new("RGB", (400, 200), "red").save(rotated, "JPEG", exif=exif)
    thumb = Image.open(io.BytesIO(images.thumbnail(rotated.getvalue(), 100)))
    assert thumb.size == (50, 100)

    transparent = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(transparent, "PNG")
    thumb = Image.open(io.BytesIO(images.thumbnail(transparent.getvalue(), 100)))
    assert thumb.mode == "RGB" and min(thumb.getpixel((5, 5))) > 240  # white, not black


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_too_many_pixels_are_refused_before_decoding(monkeypatch):
    data = picture("PNG", size=(20, 20))
    assert images.thumbnail(data, 10, max_pixels=400) is not None
    with pytest.raises(images.TooManyPixelsError):
        images.thumbnail(data, 10, max_pixels=399)
    with pytest.raises(UploadError) as refused:
        accept(data, 10_000, MemoryStorage(), max_pixels=399)
    assert refused.value.status == 413
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # Pillow raises DecompressionBombError
    with pytest.raises(images.TooManyPixelsError):
        images.thumbnail(data, 10)


def test_heic_without_a_decoder_is_kept_as_a_document(monkeypatch):
    monkeypatch.setattr(images, "decodable", lambda content_type: False)
    storage = MemoryStorage()
    accepted = accept(FAKE_HEIC, 10_000, storage)
    assert (accepted.content_type, accepted.has_thumbnail) == ("image/heic", False)
    assert (accepted.kind, accepted.name) == ("document", "file.heic")
    assert list(storage.files) == [accepted.sha256]


def test_heic_with_pillow_heif_gets_a_thumbnail_and_a_fake_one_is_no_picture():
    pytest.importorskip("pillow_heif")
    assert images.decodable("image/heic")
    out = io.BytesIO()
    Image.new("RGB", (64, 32), "blue").save(out, "HEIF")
    accepted = accept(out.getvalue(), 100_000, MemoryStorage())
    assert (accepted.content_type, accepted.has_thumbnail) == ("image/heic", True)
    fake = accept(FAKE_HEIC, 10_000, MemoryStorage(), "IMG_0001.HEIC")
    assert (fake.content_type, fake.kind, fake.name) == (OCTET_STREAM, "document", "IMG_0001.HEIC")


def test_local_storage(tmp_path):
    storage = LocalFileStorage(tmp_path / "files")
    assert isinstance(storage, FileStorage)
    key = "ab" * 32
    assert not storage.exists(key)
    with pytest.raises(FileNotFoundError):
        storage.get(key)
    storage.put(key, b"one")
    storage.put(key + ".thumb", b"two")
    assert storage.exists(key) and storage.get(key) == b"one"
    assert storage.get(key + ".thumb") == b"two"
    assert sorted(p.name for p in (tmp_path / "files").iterdir()) == [key, key + ".thumb"]
    for bad in ("../" + key, key.upper(), key[:-1], key + ".png", "", key + "/x", ".put-x"):
        with pytest.raises(InvalidKeyError):
            storage.put(bad, b"x")
        with pytest.raises(InvalidKeyError):
            storage.exists(bad)
