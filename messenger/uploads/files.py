"""Where uploaded bytes live. Keys are content hashes, so a file never
changes once written and the same bytes are kept once."""

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol, runtime_checkable

KEY = re.compile(r"[0-9a-f]{64}(\.thumb)?")


class InvalidKeyError(ValueError):
    pass


def check_key(key: str) -> str:
    # Keys become file names (or object names): anything else could escape the directory.
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise InvalidKeyError(f"not a storage key: {key!r}")
    return key


@runtime_checkable
class FileStorage(Protocol):
    """What uploads need of a store; an S3-compatible bucket can provide it too.
    All methods block: call them from a thread pool."""

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes:
        """The bytes under `key`; raises FileNotFoundError when there are none."""
        ...

    def exists(self, key: str) -> bool: ...


class LocalFileStorage:
    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.directory / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        # Written aside and renamed into place: a crash leaves either the whole
        # file or none, and readers never see a half-written one. The temp name
        # is never a valid key, so get() cannot return it.
        fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".put-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp, path)
        except BaseException:
            os.unlink(temp)
            raise

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()
