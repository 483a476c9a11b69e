"""Replies: a message may answer another one of the same chat that is still
there; the reply keeps only which one, whatever becomes of it later."""

import uuid

from domain.errors import ChatNotFoundError, MessageNotFoundError
from domain.message import Message
from tests.domain.story import refused


def test_a_member_replies_to_a_message_of_the_chat(app):
    chat_id = app.create_chat("anna", ["boris", "vera"], "Салон").id
    question = app.post_message(chat_id, "anna", "Кто завтра с утра?").id
    answer = app.post_message(chat_id, "boris", "Я", reply_to=question)
    [posted] = answer.events
    assert isinstance(posted, Message.Posted) and posted.reply_to == question
    assert app.repository.get(answer.id).reply_to == question
    assert app.repository.get(app.post_message(chat_id, "vera", "И я").id).reply_to is None


def test_only_a_message_of_the_same_chat_still_there_is_replied_to(app):
    chat_id = app.create_chat("anna", ["boris"], "").id
    elsewhere = app.post_message(app.create_chat("anna", ["vera"], "").id, "anna", "Вере").id
    with refused(app, MessageNotFoundError):
        app.post_message(chat_id, "anna", "Не туда", reply_to=elsewhere)
    gone = app.post_message(chat_id, "boris", "Ошибся").id
    app.delete_message("boris", gone)
    with refused(app, MessageNotFoundError):
        app.post_message(chat_id, "anna", "На удалённое", reply_to=gone)
    with refused(app, MessageNotFoundError):
        app.post_message(chat_id, "anna", "На несуществующее", reply_to=uuid.uuid4())
    with refused(app, MessageNotFoundError):  # an aggregate, but not a message
        app.post_message(chat_id, "anna", "На чат", reply_to=chat_id)


def test_a_message_from_before_a_direct_chat_was_started_again_is_not_replied_to(app):
    chat_id = app.create_chat("anna", ["boris"], "").id
    old = app.post_message(chat_id, "boris", "Старое").id
    app.delete_chat("anna", chat_id)
    app.create_chat("anna", ["boris"], "")
    with refused(app, MessageNotFoundError):
        app.post_message(chat_id, "anna", "Ответ на старое", reply_to=old)


def test_an_outsider_cannot_reply_in_a_chat_they_are_not_in(app):
    chat_id = app.create_chat("anna", ["boris"], "").id
    message_id = app.post_message(chat_id, "anna", "Только нам").id
    with refused(app, ChatNotFoundError):
        app.post_message(chat_id, "vera", "А я отвечу", reply_to=message_id)


def test_an_edit_or_deletion_of_the_original_leaves_the_reply_as_it_was(app):
    chat_id = app.create_chat("anna", ["boris"], "").id
    original = app.post_message(chat_id, "anna", "В 10").id
    reply = app.post_message(chat_id, "boris", "Хорошо", reply_to=original).id
    app.edit_message("anna", original, "В 11")
    app.delete_message("anna", original)
    assert app.repository.get(reply).reply_to == original


def test_a_message_stored_before_replies_existed_still_loads(app):
    chat_id = app.create_chat("anna", ["boris"], "").id
    message = Message(chat_id=chat_id, sender="anna", content="Из прошлой версии")
    [posted] = message.collect_events()
    del posted.__dict__["reply_to"]  # stored as an earlier version stored it
    app.events.put([posted])
    assert app.repository.get(message.id).reply_to is None
    app.post_message(chat_id, "boris", "Отвечаю", reply_to=message.id)
