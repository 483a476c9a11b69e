"""Booking notices from the booking platform: the request body checked, and the
sentence a person reads, from the templates in the config."""

from dataclasses import dataclass
from datetime import datetime

from domain.chat import BOT_BOOKINGS, ONLINE_BOOKINGS
from messenger.strings import InvalidInputError, content, identifier

CHAT_KINDS = {"bot": BOT_BOOKINGS, "online": ONLINE_BOOKINGS}
EVENTS = ("created", "cancelled", "confirmed")
OPTIONAL_FIELDS = ("client_name", "client_phone", "service", "staff_name", "starts_at",
                   "ends_at", "comment")
MAX_FIELD_CHARS = 1000


class InvalidNoticeError(ValueError):
    pass


@dataclass(frozen=True)
class BookingNotice:
    event_id: str
    user_id: str
    chat_kind: str
    event: str
    booking: dict[str, str]


def parse_notice(body: dict) -> BookingNotice:
    event_id = _identifier(body, "event_id")
    user_id = _identifier(body, "user_id", integers=False)
    if body.get("source") not in CHAT_KINDS:
        raise InvalidNoticeError("'source' must be \"bot\" or \"online\"")
    if body.get("event") not in EVENTS:
        raise InvalidNoticeError("'event' must be one of " + ", ".join(EVENTS))
    booking = body.get("booking")
    if not isinstance(booking, dict):
        raise InvalidNoticeError("'booking' must be an object")
    fields = {"id": _identifier(booking, "id", "booking.")}
    for name in OPTIONAL_FIELDS:
        value = booking.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, str) or len(value) > MAX_FIELD_CHARS:
            raise InvalidNoticeError(f"'booking.{name}' must be a string of at most "
                                     f"{MAX_FIELD_CHARS} characters")
        try:
            fields[name] = content(value, f"booking.{name}")
        except InvalidInputError as error:
            raise InvalidNoticeError(str(error)) from None
    for name in ("starts_at", "ends_at"):
        if name in fields:
            try:
                datetime.fromisoformat(fields[name])
            except ValueError:
                raise InvalidNoticeError(f"'booking.{name}' must be an ISO-8601 time") from None
    return BookingNotice(event_id, user_id, CHAT_KINDS[body["source"]], body["event"], fields)


def describe(notice: BookingNotice, templates: dict, fragments: dict, time_format: str) -> str:
    """E.g. «Новая запись №42: клиент Иван (+7 900), услуга «Стрижка», мастер Анна,
    25.11.2026 10:00 – 11:00.»"""
    shown = dict(notice.booking)
    if "starts_at" in shown:
        starts = datetime.fromisoformat(shown["starts_at"])
        shown["starts_at"] = starts.strftime(time_format)
        if "ends_at" in shown:
            ends = datetime.fromisoformat(shown["ends_at"])
            same_day = ends.date() == starts.date()
            shown["ends_at"] = ends.strftime("%H:%M" if same_day else time_format)
    elif "ends_at" in shown:
        shown["ends_at"] = datetime.fromisoformat(shown["ends_at"]).strftime(time_format)
    details = "".join(fragment.format(**shown) for name, fragment in fragments.items()
                      if name in shown)
    return templates[notice.event].format(details=details.rstrip("."))


def _identifier(data: dict, name: str, prefix: str = "", integers: bool = True) -> str:
    value = data.get(name)
    if integers and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    try:
        return identifier(value, prefix + name)
    except InvalidInputError as error:
        raise InvalidNoticeError(str(error)) from None
