"""Checks an uploaded file and puts it, and its thumbnail, into storage."""

import hashlib
from dataclasses import dataclass

from messenger.uploads import images
from messenger.uploads.files import FileStorage


class UploadError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Accepted:
    content_type: str
    size: int
    sha256: str
    has_thumbnail: bool


def accept(data: bytes, max_bytes: int, storage: FileStorage, thumbnail_px: int = 320,
           max_pixels: int = images.MAX_PIXELS) -> Accepted:
    """Blocking (decodes and writes files): run it on the DecodePool."""
    if not data:
        raise UploadError(400, "the upload is empty")
    if len(data) > max_bytes:
        raise UploadError(413, f"the upload is larger than {max_bytes} bytes")
    content_type = images.sniff(data)
    if content_type is None:
        raise UploadError(415, "only JPEG, PNG, WebP and HEIC images are accepted")
    try:
        thumb = images.thumbnail(data, thumbnail_px, max_pixels)
    except images.TooManyPixelsError as error:
        raise UploadError(413, str(error)) from None
    if thumb is None and images.decodable(content_type):
        raise UploadError(400, "not a valid image")
    sha256 = hashlib.sha256(data).hexdigest()
    # Content-addressed: bytes already stored are not written again. The
    # thumbnail goes first so a stored original always has its thumbnail.
    if thumb is not None and not storage.exists(sha256 + ".thumb"):
        storage.put(sha256 + ".thumb", thumb)
    if not storage.exists(sha256):
        storage.put(sha256, data)
    return Accepted(content_type, len(data), sha256, thumb is not None)
