"""Group chats: started by their admin with two others or more, changed by
the admin alone, held to the configured sizes."""

import pytest

from domain import ids
from domain.application import MAX_DEFAULT_NAME_CHARS
from domain.chat import GROUP
from domain.errors import (
    GroupTooLargeError, NotChatAdminError, SystemIdentityError, TooManyNewUsersError)
from tests.domain.story import refused


def test_a_group_is_started_by_its_admin_with_each_member_once(app):
    chat_id = app.create_chat("anna", ["boris", "vera", "boris", "anna"], "Салон").id
    chat = app.repository.get(chat_id)
    assert (chat.kind, chat.name, chat.admin) == (GROUP, "Салон", "anna")
    assert chat.members == ["anna", "boris", "vera"]


def test_every_new_group_is_a_chat_of_its_own(app):
    first = app.create_chat("anna", ["boris", "vera"], "Смена").id
    assert app.create_chat("anna", ["boris", "vera"], "Смена").id != first


def test_an_unnamed_group_is_named_after_its_members_by_their_names_or_ids(app):
    chat_id = app.create_chat("anna", ["boris", "gleb"], "").id
    assert app.repository.get(chat_id).name == "Анна, Борис, gleb"


def test_a_long_default_name_is_cut_with_an_ellipsis(app):
    others = [f"master-{n:02}" for n in range(30)]
    name = app.repository.get(app.create_chat("anna", others, "").id).name
    assert len(name) == MAX_DEFAULT_NAME_CHARS and name.endswith("…")
    assert name.startswith("Анна, master-00, master-01")


def test_only_the_admin_renames_or_deletes_a_group(app):
    chat_id = app.create_chat("anna", ["boris", "vera"], "Салон").id
    with refused(app, NotChatAdminError):
        app.rename_chat("boris", chat_id, "Бар")
    with refused(app, NotChatAdminError):
        app.delete_chat("vera", chat_id)
    app.rename_chat("anna", chat_id, "Салон на Невском")
    assert app.repository.get(chat_id).name == "Салон на Невском"
    app.delete_chat("anna", chat_id)
    assert app.repository.get(chat_id).is_deleted


def test_a_group_larger_than_the_limit_is_refused(open_messenger):
    app = open_messenger(MAX_GROUP_MEMBERS="3")
    with refused(app, GroupTooLargeError):
        app.create_chat("anna", ["boris", "vera", "gleb"], "Четверо")
    chat_id = app.create_chat("anna", ["boris", "vera"], "Трое").id
    with refused(app, GroupTooLargeError):
        app.add_users("anna", chat_id, ["gleb"])
    assert app.repository.get(chat_id).members == ["anna", "boris", "vera"]


def test_one_request_registers_at_most_the_limit_of_unknown_users(open_messenger):
    app = open_messenger(MAX_NEW_USERS="2")
    with refused(app, TooManyNewUsersError):
        app.create_chat("anna", ["boris", "vera"], "Все новые")  # anna is unknown too
    app.register_user("anna")
    chat_id = app.create_chat("anna", ["boris", "vera"], "Двое новых").id
    with refused(app, TooManyNewUsersError):
        app.add_users("anna", chat_id, ["gleb", "dina", "egor"])
    app.add_users("anna", chat_id, ["gleb", "dina"])
    assert app.repository.get(ids.user_id("dina")).user_id == "dina"


@pytest.mark.parametrize("command", [
    lambda app, chat_id: app.create_chat("anna", ["boris", "support"], "С поддержкой"),
    lambda app, chat_id: app.create_chat("support", ["anna", "boris"], "От поддержки"),
    lambda app, chat_id: app.add_users("anna", chat_id, ["bookings"]),
], ids=["started with", "started by", "added"])
def test_a_system_identity_is_never_made_a_member_of_a_group(app, command):
    chat_id = app.create_chat("anna", ["boris", "vera"], "Салон").id
    with refused(app, SystemIdentityError):
        command(app, chat_id)
