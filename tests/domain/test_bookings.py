"""Booking notices: each lands once in the user's notification chat of its
kind, which the system writes and the user only reads."""

import pytest

from domain import ids
from domain.chat import BOT_BOOKINGS, ONLINE_BOOKINGS
from domain.errors import (
    DuplicateSourceError, ReadOnlyChatError, SystemChatError, SystemIdentityError)
from tests.domain.story import refused, stored_nothing


def test_the_first_notice_starts_the_notification_chat_and_registers_the_user(open_messenger):
    app = open_messenger()
    saved = app.notify_booking("gleb", BOT_BOOKINGS, "ev-1", "Новая запись №1")
    chat = app.repository.get(ids.system_chat_id(BOT_BOOKINGS, "gleb"))
    assert (chat.kind, chat.members, chat.name) == (
        BOT_BOOKINGS, ["gleb", "bookings"], "Записи через бота")
    notice = app.repository.get(saved.id)
    assert (notice.chat_id, notice.sender, notice.content) == (
        chat.id, "bookings", "Новая запись №1")
    assert app.repository.get(ids.user_id("gleb")).user_id == "gleb"


def test_later_notices_join_the_same_chat(app):
    first = app.notify_booking("anna", BOT_BOOKINGS, "ev-1", "Новая запись")
    second = app.notify_booking("anna", BOT_BOOKINGS, "ev-2", "Запись отменена")
    assert app.repository.get(first.id).chat_id == app.repository.get(second.id).chat_id
    assert app.repository.get(app.repository.get(second.id).chat_id).version == 1


def test_the_same_notice_again_stores_nothing(app):
    first = app.notify_booking("anna", BOT_BOOKINGS, "ev-1", "Новая запись")
    again = app.notify_booking("anna", BOT_BOOKINGS, "ev-1", "Новая запись")
    assert again.id == first.id and stored_nothing(again)


@pytest.mark.parametrize("user, kind", [("boris", BOT_BOOKINGS), ("anna", ONLINE_BOOKINGS)],
                         ids=["another user", "another kind"])
def test_an_event_id_used_for_another_notice_is_refused(app, user, kind):
    app.notify_booking("anna", BOT_BOOKINGS, "ev-1", "Новая запись")
    with refused(app, DuplicateSourceError):
        app.notify_booking(user, kind, "ev-1", "Новая запись")


def test_each_kind_of_notice_has_its_chat_named_as_configured(open_messenger):
    app = open_messenger(ONLINE_BOOKINGS_CHAT_NAME="Запись с сайта")
    bot = app.notify_booking("anna", BOT_BOOKINGS, "ev-1", "Через бота")
    online = app.notify_booking("anna", ONLINE_BOOKINGS, "ev-2", "С сайта")
    chat = app.repository.get(app.repository.get(online.id).chat_id)
    assert chat.id != app.repository.get(bot.id).chat_id
    assert (chat.kind, chat.name) == (ONLINE_BOOKINGS, "Запись с сайта")


def test_a_notification_chat_is_read_only_for_its_user(app):
    app.notify_booking("anna", BOT_BOOKINGS, "ev-1", "Новая запись")
    chat_id = ids.system_chat_id(BOT_BOOKINGS, "anna")
    with refused(app, ReadOnlyChatError):
        app.post_message(chat_id, "anna", "Спасибо!")
    with refused(app, SystemChatError):
        app.rename_chat("anna", chat_id, "Мои записи")
    with refused(app, SystemChatError):
        app.leave_chat("anna", chat_id)


@pytest.mark.parametrize("identity", ["support", "bookings"])
def test_a_system_identity_gets_no_booking_notice(app, identity):
    with refused(app, SystemIdentityError):
        app.notify_booking(identity, BOT_BOOKINGS, "ev-1", "Новая запись")
