"""Who is in a group: the admin adds and removes members, anyone leaves, and
an admin who leaves hands the group on."""

from uuid import UUID

from domain import ids
from domain.errors import (
    ChatNotFoundError, ForbiddenError, MessageNotFoundError, NotChatAdminError)
from tests.domain.story import refused, stored_nothing


def group(app) -> UUID:
    return app.create_chat("anna", ["boris", "vera"], "Салон").id


def test_a_member_added_by_the_admin_can_post_at_once(app):
    chat_id = group(app)
    app.add_users("anna", chat_id, ["gleb"])
    assert app.repository.get(chat_id).members == ["anna", "boris", "vera", "gleb"]
    assert app.repository.get(ids.user_id("gleb")).user_id == "gleb"  # registered on the spot
    assert app.post_message(chat_id, "gleb", "Привет всем").created


def test_adding_someone_already_in_the_group_stores_nothing(app):
    chat_id = group(app)
    assert stored_nothing(app.add_users("anna", chat_id, ["boris", "vera"]))


def test_only_the_admin_adds_or_removes_members(app):
    chat_id = group(app)
    with refused(app, NotChatAdminError):
        app.add_users("boris", chat_id, ["gleb"])
    with refused(app, NotChatAdminError):
        app.remove_users("boris", chat_id, ["vera"])
    with refused(app, ChatNotFoundError):
        app.add_users("gleb", chat_id, ["gleb"])


def test_a_direct_chat_has_no_members_added_or_removed(app):
    chat_id = app.create_chat("anna", ["boris"], "").id
    with refused(app, ForbiddenError):
        app.add_users("anna", chat_id, ["vera"])
    with refused(app, ForbiddenError):
        app.remove_users("anna", chat_id, ["boris"])


def test_a_member_removed_from_a_group_can_no_longer_post_or_touch_their_messages(app):
    chat_id = group(app)
    earlier = app.post_message(chat_id, "boris", "Я выйду в субботу").id
    app.remove_users("anna", chat_id, ["boris"])
    assert app.repository.get(chat_id).members == ["anna", "vera"]
    with refused(app, ChatNotFoundError):
        app.post_message(chat_id, "boris", "Можно ещё слово?")
    with refused(app, MessageNotFoundError):
        app.edit_message("boris", earlier, "Я не выйду")
    with refused(app, MessageNotFoundError):
        app.delete_message("boris", earlier)
    with refused(app, ChatNotFoundError):
        app.mark_read(chat_id, "boris", earlier)
    assert app.post_message(chat_id, "vera", "А я здесь").created


def test_the_admin_cannot_remove_themself_but_can_leave(app):
    chat_id = group(app)
    assert stored_nothing(app.remove_users("anna", chat_id, ["anna"]))
    assert "anna" in app.repository.get(chat_id).members


def test_an_admin_who_leaves_hands_the_group_to_the_longest_standing_member(app):
    chat_id = group(app)
    app.add_users("anna", chat_id, ["gleb"])
    app.leave_chat("anna", chat_id)
    chat = app.repository.get(chat_id)
    assert (chat.admin, chat.members) == ("boris", ["boris", "vera", "gleb"])
    with refused(app, NotChatAdminError):
        app.add_users("vera", chat_id, ["dina"])
    app.add_users("boris", chat_id, ["dina"])
    with refused(app, ChatNotFoundError):
        app.post_message(chat_id, "anna", "Я вернулась?")


def test_a_member_who_leaves_leaves_the_admin_in_place(app):
    chat_id = group(app)
    app.leave_chat("vera", chat_id)
    chat = app.repository.get(chat_id)
    assert (chat.admin, chat.members) == ("anna", ["anna", "boris"])


def test_a_direct_chat_is_deleted_not_left(app):
    chat_id = app.create_chat("anna", ["boris"], "").id
    with refused(app, ForbiddenError):
        app.leave_chat("anna", chat_id)


def test_someone_not_in_a_group_cannot_leave_it(app):
    chat_id = group(app)
    with refused(app, ChatNotFoundError):
        app.leave_chat("gleb", chat_id)
    app.leave_chat("vera", chat_id)
    with refused(app, ChatNotFoundError):
        app.leave_chat("vera", chat_id)
