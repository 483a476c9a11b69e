"""The inbox view is derived: dropped and replayed from the events it gives
the same chat lists, history, files and change log; events stored without it
are taken in before the next write lands on top of them."""

import time

from domain.application import Messenger
from domain.chat import Chat
from messenger.store.settings import persistence_env

USERS = ("anna", "boris", "vera", "gleb")


def a_day_at_the_salon(app) -> str:
    """Every kind of event the inbox holds; returns an upload's id."""
    app.register_user("anna", "Анна Петрова")
    direct = app.create_chat("anna", ["boris"], "").id
    group = app.create_chat("anna", ["boris", "vera"], "Салон").id
    upload = app.record_upload("vera", "image/jpeg", 100, "aa" * 32, has_thumbnail=True).id
    first = app.post_message(group, "vera", "Фото витрины", attachments=(upload,)).id
    second = app.post_message(group, "boris", "Красиво").id
    app.edit_message("boris", second, "Очень красиво")
    app.post_message(direct, "boris", "Ты завтра работаешь?")
    gone = app.post_message(direct, "anna", "Не туда").id
    app.delete_message("anna", gone)
    app.mark_read(group, "anna", first)
    app.mute_chat("vera", group, True)
    app.add_users("anna", group, ["gleb"])
    app.remove_users("anna", group, ["boris"])
    app.leave_chat("anna", group)
    app.rename_chat("vera", group, "Салон без администратора")
    app.delete_chat("boris", direct)
    app.create_chat("anna", ["boris"], "Снова вдвоём")
    app.set_presence_visible("vera", False)
    app.set_presence_visible("gleb", False)
    app.set_presence_visible("gleb", True)
    # Connected (not an event: a rebuild keeps it): Vera hides it, Gleb shows it.
    app.recorder.inbox.view.record_presence("a-process", ["vera", "gleb"], [], time.time(),
                                            "2026-11-24T09:00:00.000000Z", 90, 5, False)
    return str(upload)


def everything(view, upload: str) -> dict:
    chats = {chat.chat_id for user in USERS for chat in view.chat_list(user)}
    return {
        "lists": {user: view.chat_list(user) for user in USERS},
        "badges": {user: view.total_unread(user) for user in USERS},
        "names": {user: view.user_name(user) for user in USERS},
        "history": {chat: view.messages(chat) for chat in chats},
        "files": {user: view.readable_file(user, upload) for user in USERS},
        "changes": view.changes_after(0),
        "presence": {user: [chat.presence for chat in view.chat_list(user, with_names=True)]
                     for user in USERS},
    }


def salon_as_shown_to(view, viewer: str) -> dict:
    """The group's members' presence, (online, last seen), as `viewer` is shown it."""
    [salon] = [chat for chat in view.chat_list(viewer, with_names=True) if chat.kind == "group"]
    return dict(zip(salon.members, salon.presence))


def test_a_rebuild_from_the_events_gives_the_same_view(app, view, database_url):
    upload = a_day_at_the_salon(app)
    before = everything(view, upload)
    assert salon_as_shown_to(view, "gleb")["vera"] == (False, "")  # she hides it
    assert salon_as_shown_to(view, "vera")["gleb"] == (True, "")  # he does not
    view.drop_tables()
    rebuilt = Messenger(persistence_env(database_url))  # makes the view's tables afresh
    try:
        again = rebuilt.recorder.inbox.view
        assert again.chat_list("anna") == []
        read = rebuilt.recorder.catch_up_inbox(rebuilt.mapper.to_domain_event)
        assert read == app.recorder.max_notification_id()
        assert everything(again, upload) == before
    finally:
        rebuilt.close()


def test_events_stored_without_the_view_are_taken_in_before_the_next_write(app, view):
    group = Chat.start_group("anna", ["boris", "vera"], "Записан в обход")
    app.events.put(group.collect_events())  # past the Messenger, as an older version would
    assert view.chat("anna", str(group.id)) is None
    app.post_message(group.id, "boris", "Нас видно?")
    chat = view.chat("anna", str(group.id))
    assert (chat.name, chat.last_message, chat.unread) == ("Записан в обход", "Нас видно?", 1)
