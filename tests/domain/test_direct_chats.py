"""Direct chats: one per pair of users, either of whom renames or deletes it;
asked for again after it was deleted, it starts afresh."""

import uuid

import pytest

from domain import ids
from domain.chat import DIRECT, SUPPORT
from domain.errors import (
    ChatNotFoundError, InvalidChatError, MessageNotFoundError, SystemChatError, SystemIdentityError)
from domain.user import User
from tests.domain.story import refused, stored_nothing


def test_two_users_share_one_direct_chat_whoever_starts_it(app):
    started = app.create_chat("anna", ["boris"], "")
    assert started.created and started.id == ids.direct_chat_id("anna", "boris")
    again = app.create_chat("boris", ["anna"], "Другое имя")
    assert again.id == started.id and stored_nothing(again)
    chat = app.repository.get(started.id)
    assert (chat.kind, chat.members, chat.admin) == (DIRECT, ["anna", "boris"], "")


def test_an_unnamed_direct_chat_is_named_after_its_members(app):
    chat = app.repository.get(app.create_chat("anna", ["boris"], "").id)
    assert chat.name == "Анна, Борис"


def test_starting_a_chat_with_someone_unknown_registers_them(app):
    chat_id = app.create_chat("anna", ["gleb"], "").id
    assert app.repository.get(ids.user_id("gleb")).name == ""
    assert app.repository.get(ids.system_chat_id(SUPPORT, "gleb")).members == ["gleb", "support"]
    assert app.repository.get(chat_id).name == "Анна, gleb"


@pytest.mark.parametrize("others", [[], ["anna"], ["anna", "anna"]],
                         ids=["nobody", "oneself", "oneself twice"])
def test_a_chat_with_nobody_else_is_refused(app, others):
    with refused(app, InvalidChatError):
        app.create_chat("anna", others, "Я одна")


def test_a_system_identity_cannot_start_or_join_a_direct_chat(app):
    with refused(app, SystemIdentityError):
        app.create_chat("anna", ["support"], "")
    with refused(app, SystemIdentityError):
        app.create_chat("bookings", ["anna"], "")


def test_either_member_renames_a_direct_chat(app):
    chat_id = app.create_chat("anna", ["boris"], "").id
    app.rename_chat("boris", chat_id, "Смены")
    assert app.repository.get(chat_id).name == "Смены"
    app.rename_chat("anna", chat_id, "График")
    assert app.repository.get(chat_id).name == "График"


def test_someone_outside_a_chat_cannot_rename_or_delete_it(app):
    chat_id = app.create_chat("anna", ["boris"], "").id
    with refused(app, ChatNotFoundError):
        app.rename_chat("vera", chat_id, "Моё")
    with refused(app, ChatNotFoundError):
        app.delete_chat("vera", chat_id)
    with refused(app, ChatNotFoundError):
        app.rename_chat("anna", uuid.uuid4(), "Нет такого")
    with refused(app, ChatNotFoundError):  # an aggregate, but not a chat
        app.rename_chat("anna", ids.user_id("anna"), "Не чат")


def test_a_deleted_chat_takes_no_more_messages_or_changes(app):
    chat_id = app.create_chat("anna", ["boris"], "").id
    app.delete_chat("boris", chat_id)
    assert app.repository.get(chat_id).is_deleted
    with refused(app, ChatNotFoundError):
        app.post_message(chat_id, "anna", "Ты здесь?")
    with refused(app, ChatNotFoundError):
        app.rename_chat("anna", chat_id, "Снова")
    with refused(app, ChatNotFoundError):
        app.delete_chat("anna", chat_id)


def test_a_deleted_direct_chat_asked_for_again_starts_afresh_without_its_old_messages(app):
    chat_id = app.create_chat("anna", ["boris"], "").id
    old = app.post_message(chat_id, "anna", "Старое").id
    app.delete_chat("anna", chat_id)
    reopened = app.create_chat("boris", ["anna"], "Заново")
    assert reopened.id == chat_id and not reopened.created
    chat = app.repository.get(chat_id)
    assert (chat.is_deleted, chat.name, chat.generation) == (False, "Заново", 1)
    with refused(app, MessageNotFoundError):
        app.edit_message("anna", old, "Правка старого")
    new = app.post_message(chat_id, "anna", "Новое").id
    app.edit_message("anna", new, "Новое, исправленное")
    assert app.repository.get(new).content == "Новое, исправленное"


@pytest.mark.parametrize("change", [
    lambda app, chat_id: app.rename_chat("anna", chat_id, "Моя поддержка"),
    lambda app, chat_id: app.delete_chat("anna", chat_id),
    lambda app, chat_id: app.leave_chat("anna", chat_id),
], ids=["renamed", "deleted", "left"])
def test_the_tech_support_chat_cannot_be_renamed_deleted_or_left(app, change):
    with refused(app, SystemChatError):
        change(app, ids.system_chat_id(SUPPORT, "anna"))


def test_a_new_chat_with_unknown_users_stores_everything_in_one_go(app):
    saved = app.create_chat("anna", ["gleb"], "")
    users = [event for event in saved.events if isinstance(event, User.Registered)]
    assert [event.user_id for event in users] == ["gleb"]
    assert saved.positions == tuple(range(saved.positions[0], saved.positions[0] + 3))
