"""Messages: posted by members, edited and deleted by their sender alone,
stored once however often they are resent, carrying their sender's uploads."""

import uuid

from domain import ids
from domain.chat import SUPPORT
from domain.errors import (
    ChatNotFoundError, ForbiddenError, InvalidChatError, MessageNotFoundError, UploadNotFoundError)
from domain.message import Message
from tests.domain.story import refused, stored_nothing


def direct(app):
    return app.create_chat("anna", ["boris"], "").id


def test_a_member_posts_a_message_to_the_chat(app):
    chat_id = direct(app)
    saved = app.post_message(chat_id, "anna", "Клиент опаздывает", sender_name="Анна П.")
    message = app.repository.get(saved.id)
    assert saved.created and [type(event) for event in saved.events] == [Message.Posted]
    assert (message.chat_id, message.sender, message.content, message.sender_name) == (
        chat_id, "anna", "Клиент опаздывает", "Анна П.")


def test_someone_outside_the_chat_cannot_post_to_it(app):
    chat_id = direct(app)
    with refused(app, ChatNotFoundError):
        app.post_message(chat_id, "vera", "Можно к вам?")
    with refused(app, ChatNotFoundError):
        app.post_message(uuid.uuid4(), "anna", "Куда это?")


def test_the_support_side_answers_in_a_users_support_chat(app):
    support_chat = ids.system_chat_id(SUPPORT, "anna")
    app.post_message(support_chat, "anna", "Не открывается касса")
    assert app.post_message(support_chat, "support", "Уже смотрим").created


def test_a_resend_with_the_same_source_key_stores_nothing_new(app):
    chat_id = direct(app)
    first = app.post_message(chat_id, "anna", "Один раз", source_key="client:anna:42")
    again = app.post_message(chat_id, "anna", "Один раз", source_key="client:anna:42")
    assert again.id == first.id == Message.create_id("client:anna:42")
    assert stored_nothing(again)


def test_a_source_key_already_used_in_another_chat_is_refused(app):
    app.post_message(direct(app), "anna", "Сюда", source_key="telegram:7")
    other = app.create_chat("anna", ["vera"], "").id
    with refused(app, InvalidChatError):
        app.post_message(other, "anna", "И туда", source_key="telegram:7")


def test_only_its_sender_edits_or_deletes_a_message(app):
    chat_id = direct(app)
    message_id = app.post_message(chat_id, "anna", "Моё").id
    with refused(app, ForbiddenError):
        app.edit_message("boris", message_id, "Уже моё")
    with refused(app, ForbiddenError):
        app.delete_message("boris", message_id)
    app.edit_message("anna", message_id, "Моё, исправленное")
    assert app.repository.get(message_id).content == "Моё, исправленное"


def test_an_edit_to_the_same_text_stores_nothing(app):
    message_id = app.post_message(direct(app), "anna", "Без изменений").id
    assert stored_nothing(app.edit_message("anna", message_id, "Без изменений"))


def test_a_deleted_message_cannot_be_edited_or_deleted_again(app):
    message_id = app.post_message(direct(app), "anna", "Ошибка").id
    app.delete_message("anna", message_id)
    assert app.repository.get(message_id).is_deleted
    with refused(app, MessageNotFoundError):
        app.edit_message("anna", message_id, "Исправлю")
    with refused(app, MessageNotFoundError):
        app.delete_message("anna", message_id)


def test_messages_of_a_deleted_chat_cannot_be_edited(app):
    chat_id = app.create_chat("anna", ["boris", "vera"], "Салон").id
    message_id = app.post_message(chat_id, "boris", "До закрытия").id
    app.delete_chat("anna", chat_id)
    with refused(app, MessageNotFoundError):
        app.edit_message("boris", message_id, "После закрытия")


def test_an_unknown_message_is_not_found(app):
    chat_id = direct(app)
    with refused(app, MessageNotFoundError):
        app.edit_message("anna", uuid.uuid4(), "Что?")
    with refused(app, MessageNotFoundError):  # an aggregate, but not a message
        app.delete_message("anna", chat_id)


def test_an_outsider_cannot_edit_a_message_they_cannot_see(app):
    message_id = app.post_message(direct(app), "anna", "Только нам").id
    with refused(app, MessageNotFoundError):
        app.edit_message("vera", message_id, "И мне")


def test_a_message_carries_only_its_senders_own_uploads(app):
    chat_id = direct(app)
    upload = app.record_upload("anna", "image/jpeg", 1024, "ab" * 32, has_thumbnail=True).id
    assert app.repository.get(upload).owner == "anna"
    message_id = app.post_message(chat_id, "anna", "Фото", attachments=(upload,)).id
    assert app.repository.get(message_id).attachments == [str(upload)]
    with refused(app, UploadNotFoundError):
        app.post_message(chat_id, "boris", "И я", attachments=(upload,))
    with refused(app, UploadNotFoundError):
        app.post_message(chat_id, "anna", "Нет файла", attachments=(uuid.uuid4(),))
    with refused(app, UploadNotFoundError):  # an aggregate, but not an upload
        app.post_message(chat_id, "anna", "Не файл", attachments=(chat_id,))
