"""What parsing a request's fields shares: the error codes, ProtocolError,
and the checked readers of a frame's `data` (messenger/wire/protocol.py and
messenger/wire/more_requests.py parse with them)."""

from uuid import UUID

from messenger import strings
from messenger.wire.requests import Limits

MAX_CHAT_USERS = 500

BAD_REQUEST = "bad_request"
UNKNOWN_TYPE = "unknown_type"
FORBIDDEN = "forbidden"
NOT_FOUND = "not_found"
TOO_LARGE = "too_large"
UNAVAILABLE = "unavailable"
RATE_LIMITED = "rate_limited"


class ProtocolError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Fields:
    def __init__(self, data: dict):
        self._data = data

    def text(self, name: str, *, required: bool = True, default: str = "") -> str:
        value = self._data.get(name)
        if value is None and not required:
            return default
        if not isinstance(value, str):
            raise ProtocolError(BAD_REQUEST, f"'{name}' must be a string")
        return value

    def name(self, field: str, *, required: bool) -> str:
        value = strings.one_line(self.text(field, required=required), field)
        if required and not value:
            raise ProtocolError(BAD_REQUEST, f"'{field}' must not be empty")
        return value

    def chat_id(self) -> UUID:
        return self.uuid("chat_id", "chat")

    def uuid(self, name: str, what: str) -> UUID:
        value = self.text(name)
        try:
            return UUID(value)
        except ValueError:
            raise ProtocolError(NOT_FOUND, f"no such {what}") from None

    def users(self, name: str = "with_user_id") -> list[str]:
        entries = self._data.get(name)
        if not isinstance(entries, list) or not entries:
            raise ProtocolError(BAD_REQUEST, f"'{name}' must be a non-empty list of {{\"user_id\": …}}")
        if len(entries) > MAX_CHAT_USERS:
            raise ProtocolError(BAD_REQUEST, f"at most {MAX_CHAT_USERS} users in a chat")
        users = []
        for n, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("user_id"), str) \
                    or not entry["user_id"]:
                raise ProtocolError(BAD_REQUEST, f"each '{name}' entry needs a string 'user_id'")
            users.append(strings.identifier(entry["user_id"], f"{name}[{n}].user_id"))
        return users

    def content(self, limits: "Limits", *, required: bool = True) -> str:
        content = strings.content(self.text("content", required=required))
        if required and not content.strip():
            raise ProtocolError(BAD_REQUEST, "'content' must not be empty")
        if len(content) > limits.max_content_chars:
            raise ProtocolError(TOO_LARGE,
                                f"'content' is longer than {limits.max_content_chars} characters")
        return content

    def acting_user(self, field: str, user_id: str) -> None:
        """Optional, as in the seed; if given it must be the token's user."""
        value = self._data.get(field)
        if value is not None and value != user_id:
            raise ProtocolError(FORBIDDEN, f"'{field}' must be your own user id")

    def optional_int(self, name: str, low: int, high: int) -> int | None:
        value = self._data.get(name)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ProtocolError(BAD_REQUEST, f"'{name}' must be an integer from {low} to {high}")
        return value
