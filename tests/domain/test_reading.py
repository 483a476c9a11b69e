"""What each member keeps of a chat for themself: how far they have read,
and whether they muted it; neither changes the chat everyone posts to."""

import uuid

from domain import ids
from domain.errors import ChatNotFoundError, MessageNotFoundError
from tests.domain.story import exists, refused, stored_nothing


def chat_with_a_message(app):
    chat_id = app.create_chat("anna", ["boris", "vera"], "Салон").id
    return chat_id, app.post_message(chat_id, "anna", "Завтра санитарный день").id


def test_a_member_marks_a_message_read(app):
    chat_id, message_id = chat_with_a_message(app)
    app.mark_read(chat_id, "boris", message_id)
    assert app.repository.get(ids.reading_id(chat_id, "boris")).message_id == message_id
    assert not exists(app, ids.reading_id(chat_id, "vera"))


def test_marking_the_same_message_read_again_stores_nothing(app):
    chat_id, message_id = chat_with_a_message(app)
    app.mark_read(chat_id, "boris", message_id)
    assert stored_nothing(app.mark_read(chat_id, "boris", message_id))


def test_only_a_message_of_the_chat_is_marked_read_in_it(app):
    chat_id, _ = chat_with_a_message(app)
    elsewhere = app.post_message(app.create_chat("anna", ["boris"], "").id, "anna", "Лично").id
    with refused(app, MessageNotFoundError):
        app.mark_read(chat_id, "boris", elsewhere)
    with refused(app, MessageNotFoundError):
        app.mark_read(chat_id, "boris", uuid.uuid4())


def test_only_a_member_marks_read(app):
    chat_id, message_id = chat_with_a_message(app)
    with refused(app, ChatNotFoundError):
        app.mark_read(chat_id, "gleb", message_id)


def test_a_member_mutes_and_unmutes_a_chat_for_themself(app):
    chat_id, _ = chat_with_a_message(app)
    app.mute_chat("boris", chat_id, True)
    assert app.repository.get(ids.preferences_id(chat_id, "boris")).muted
    assert not exists(app, ids.preferences_id(chat_id, "vera"))
    app.mute_chat("boris", chat_id, False)
    assert not app.repository.get(ids.preferences_id(chat_id, "boris")).muted


def test_muting_a_muted_chat_stores_nothing(app):
    chat_id, _ = chat_with_a_message(app)
    app.mute_chat("boris", chat_id, True)
    assert stored_nothing(app.mute_chat("boris", chat_id, True))


def test_only_a_member_mutes_a_chat(app):
    chat_id, _ = chat_with_a_message(app)
    with refused(app, ChatNotFoundError):
        app.mute_chat("gleb", chat_id, True)


def test_reading_and_muting_leave_the_chat_itself_alone(app):
    chat_id, message_id = chat_with_a_message(app)
    version = app.repository.get(chat_id).version
    app.mark_read(chat_id, "boris", message_id)
    app.mute_chat("vera", chat_id, True)
    assert app.repository.get(chat_id).version == version
