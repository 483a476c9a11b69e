"""Checks an uploaded file and puts it, and a picture's thumbnail, into storage."""

import hashlib
from dataclasses import dataclass

from domain.upload import kind_of
from messenger.uploads import images, names, sniffing
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
    name: str

    @property
    def kind(self) -> str:
        return kind_of(self.has_thumbnail)


def accept(data: bytes, max_bytes: int, storage: FileStorage, name: str = "",
           thumbnail_px: int = 320, max_pixels: int = images.MAX_PIXELS) -> Accepted:
    """Any type of file up to max_bytes; a picture this server decodes gets a
    thumbnail. Blocking (decodes and writes files): run it on the DecodePool."""
    if not data:
        raise UploadError(400, "the upload is empty")
    if len(data) > max_bytes:
        raise UploadError(413, f"the upload is larger than {max_bytes} bytes")
    content_type = sniffing.sniff(data)
    thumb = None
    if images.decodable(content_type):
        try:
            thumb = images.thumbnail(data, thumbnail_px, max_pixels)
        except images.TooManyPixelsError as error:
            raise UploadError(413, str(error)) from None
        if thumb is None:
            # Begins like a picture, does not decode as one: kept as a file
            # of no known type, never shown as a picture.
            content_type = sniffing.OCTET_STREAM
    name = names.clean(name) or default_name(content_type, thumb is not None)
    sha256 = hashlib.sha256(data).hexdigest()
    # Content-addressed: bytes already stored are not written again. The
    # thumbnail goes first so a stored original always has its thumbnail.
    if thumb is not None and not storage.exists(sha256 + ".thumb"):
        storage.put(sha256 + ".thumb", thumb)
    if not storage.exists(sha256):
        storage.put(sha256, data)
    return Accepted(content_type, len(data), sha256, thumb is not None, name)


def default_name(content_type: str, picture: bool) -> str:
    """For a file its client did not name (or named only with a path)."""
    return ("image" if picture else "file") + sniffing.EXTENSIONS.get(content_type, "")
