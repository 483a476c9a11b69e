"""The inbox view's chat lists: each user's chats, most recent first, with
their members, names, unread counts and mute switches."""

from domain import ids
from domain.chat import GROUP, SUPPORT
from projections.inbox_reads import ChatSummary


def ids_of(view, user: str) -> list[str]:
    return [chat.chat_id for chat in view.chat_list(user)]


def summary(view, user: str, chat_id) -> ChatSummary | None:
    return view.chat(user, str(chat_id))


def support_of(app, user: str) -> str:
    return str(ids.system_chat_id(SUPPORT, user))


def test_a_new_user_lists_only_their_tech_support_chat(view):
    [support] = view.chat_list("anna")
    assert (support.kind, support.name, support.members) == (
        SUPPORT, "Техподдержка", ("anna", "support"))
    assert (support.unread, support.last_message, support.muted) == (0, "", False)


def test_chats_are_listed_most_recent_activity_first(app, view):
    direct = app.create_chat("anna", ["boris"], "").id
    group = app.create_chat("anna", ["boris", "vera"], "Салон").id
    assert ids_of(view, "anna") == [str(group), str(direct), support_of(app, "anna")]
    app.post_message(direct, "boris", "Ты где?")
    assert ids_of(view, "anna")[:2] == [str(direct), str(group)]
    app.rename_chat("anna", group, "Салон на Невском")
    assert ids_of(view, "anna")[:2] == [str(group), str(direct)]


def test_a_group_is_listed_for_each_member_with_its_admin_and_members(app, view):
    chat_id = app.create_chat("anna", ["boris", "vera"], "").id
    for user in ("anna", "boris", "vera"):
        chat = summary(view, user, chat_id)
        assert (chat.kind, chat.name, chat.admin) == (GROUP, "Анна, Борис, Вера", "anna")
        assert chat.members == ("anna", "boris", "vera")
    assert summary(view, "gleb", chat_id) is None


def test_a_message_is_unread_for_the_others_until_they_read_it(app, view):
    chat_id = app.create_chat("anna", ["boris"], "").id
    first = app.post_message(chat_id, "boris", "Раз").id
    second = app.post_message(chat_id, "boris", "Два").id
    assert (summary(view, "anna", chat_id).unread, summary(view, "boris", chat_id).unread) == (2, 0)
    assert summary(view, "anna", chat_id).last_message == "Два"
    app.mark_read(chat_id, "anna", first)
    assert summary(view, "anna", chat_id).unread == 1
    app.mark_read(chat_id, "anna", second)
    assert summary(view, "anna", chat_id).unread == 0


def test_read_positions_only_move_forward(app, view):
    chat_id = app.create_chat("anna", ["boris"], "").id
    sent = [app.post_message(chat_id, "boris", text).id for text in ("Раз", "Два", "Три")]
    app.mark_read(chat_id, "anna", sent[2])
    marked = app.mark_read(chat_id, "anna", sent[0])
    assert marked.positions  # the domain records it...
    assert summary(view, "anna", chat_id).unread == 0  # ...the view keeps the furthest
    assert all(message.is_read for message in view.messages(str(chat_id)))


def test_writing_in_a_chat_reads_it(app, view):
    chat_id = app.create_chat("anna", ["boris"], "").id
    app.post_message(chat_id, "boris", "Раз")
    app.post_message(chat_id, "boris", "Два")
    app.post_message(chat_id, "anna", "Вижу")
    assert summary(view, "anna", chat_id).unread == 0
    assert summary(view, "boris", chat_id).unread == 1


def test_a_deleted_message_is_no_longer_unread_nor_the_last_message(app, view):
    chat_id = app.create_chat("anna", ["boris"], "").id
    app.post_message(chat_id, "boris", "Раз")
    mistake = app.post_message(chat_id, "boris", "Не туда").id
    app.delete_message("boris", mistake)
    chat = summary(view, "anna", chat_id)
    assert (chat.unread, chat.last_message) == (1, "Раз")


def test_the_badge_counts_what_is_unread_in_every_chat(app, view):
    direct = app.create_chat("anna", ["boris"], "").id
    group = app.create_chat("vera", ["anna", "boris"], "Смена").id
    app.post_message(direct, "boris", "Раз")
    app.post_message(group, "vera", "Два")
    app.post_message(group, "boris", "Три")
    assert [view.total_unread(user) for user in ("anna", "boris", "vera")] == [3, 0, 1]
    app.delete_chat("vera", group)
    assert view.total_unread("anna") == 1


def test_a_member_added_later_sees_nothing_unread_until_the_next_message(app, view):
    chat_id = app.create_chat("anna", ["boris", "vera"], "Салон").id
    app.post_message(chat_id, "boris", "До тебя")
    app.add_users("anna", chat_id, ["gleb"])
    assert summary(view, "gleb", chat_id).unread == 0
    assert summary(view, "anna", chat_id).members == ("anna", "boris", "vera", "gleb")
    app.post_message(chat_id, "anna", "Добро пожаловать")
    assert summary(view, "gleb", chat_id).unread == 1


def test_a_removed_member_no_longer_sees_the_chat(app, view):
    chat_id = app.create_chat("anna", ["boris", "vera"], "Салон").id
    message_id = app.post_message(chat_id, "anna", "Привет").id
    app.remove_users("anna", chat_id, ["boris"])
    assert str(chat_id) not in ids_of(view, "boris")
    assert view.message(str(message_id), "boris") is None
    assert summary(view, "vera", chat_id).members == ("anna", "vera")


def test_an_admin_who_leaves_is_listed_as_gone_and_the_next_member_as_admin(app, view):
    chat_id = app.create_chat("anna", ["boris", "vera"], "Салон").id
    app.leave_chat("anna", chat_id)
    assert str(chat_id) not in ids_of(view, "anna")
    chat = summary(view, "vera", chat_id)
    assert (chat.admin, chat.members) == ("boris", ("boris", "vera"))


def test_a_renamed_chat_and_a_renamed_user_show_their_new_names(app, view):
    chat_id = app.create_chat("anna", ["boris"], "").id
    app.rename_chat("boris", chat_id, "Смены")
    app.register_user("anna", "Анна Петрова")
    assert summary(view, "anna", chat_id).name == "Смены"
    assert (view.user_name("anna"), view.user_name("nobody")) == ("Анна Петрова", "")


def test_a_deleted_chat_leaves_every_members_list_with_its_history(app, view):
    chat_id = app.create_chat("anna", ["boris"], "").id
    app.post_message(chat_id, "anna", "Удалится")
    app.delete_chat("boris", chat_id)
    assert str(chat_id) not in ids_of(view, "anna") + ids_of(view, "boris")
    assert view.messages(str(chat_id)) == []
    assert view.audience(str(chat_id)) == ("", "", [])


def test_a_direct_chat_started_again_has_no_old_history_and_nothing_unread(app, view):
    chat_id = app.create_chat("anna", ["boris"], "").id
    app.post_message(chat_id, "boris", "Старое")
    app.delete_chat("anna", chat_id)
    app.create_chat("boris", ["anna"], "Заново")
    chat = summary(view, "anna", chat_id)
    assert (chat.name, chat.unread, chat.last_message) == ("Заново", 0, "")
    assert view.messages(str(chat_id)) == []
    app.post_message(chat_id, "boris", "Новое")
    assert [m.content for m in view.messages(str(chat_id))] == ["Новое"]
    assert summary(view, "anna", chat_id).unread == 1


def test_a_muted_chat_is_muted_for_that_member_only(app, view):
    chat_id = app.create_chat("anna", ["boris"], "").id
    app.mute_chat("anna", chat_id, True)
    assert (summary(view, "anna", chat_id).muted, summary(view, "boris", chat_id).muted) == (
        True, False)
    assert view.audience(str(chat_id))[2] == [("anna", True), ("boris", False)]
    app.mute_chat("anna", chat_id, False)
    assert not summary(view, "anna", chat_id).muted
