"""The inbox view is derived: dropped and replayed from the events it gives
the same chat lists, history, files and change log; events stored without it
are taken in before the next write lands on top of them."""

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
    again = app.create_chat("anna", ["boris"], "Снова вдвоём").id
    # Pins, archive and mentions: each member's own list and counts.
    app.post_message(group, "gleb", "@vera, ключи у тебя?")
    app.pin_chat("vera", group, True)
    app.pin_chat("boris", again, True)
    app.archive_chat("anna", again, True, "")
    app.archive_chat("gleb", group, True, "")
    app.post_message(group, "vera", "Да, @gleb", mentions=("gleb",))  # back for Gleb
    app.archive_chat("gleb", app.create_chat("gleb", ["vera"], "").id, True, "")
    return str(upload)


def everything(view, upload: str) -> dict:
    chats = {chat.chat_id for user in USERS for chat in view.chat_list(user)}
    return {
        "lists": {user: view.chat_list(user) for user in USERS},
        "archived": {user: view.chat_list(user, archived=True) for user in USERS},
        "badges": {user: view.total_unread(user) for user in USERS},
        "names": {user: view.user_name(user) for user in USERS},
        "history": {chat: view.messages(chat) for chat in chats},
        "files": {user: view.readable_file(user, upload) for user in USERS},
        "changes": view.changes_after(0),
    }


def test_a_rebuild_from_the_events_gives_the_same_view(app, view, database_url):
    upload = a_day_at_the_salon(app)
    before = everything(view, upload)
    vera, gleb = before["lists"]["vera"][0], before["lists"]["gleb"][0]
    # Vera answered Gleb's mention (so read it); Gleb has not read hers.
    assert (vera.pinned, vera.mentions_unread, gleb.mentions_unread) == (True, 0, 1)
    assert [len(before["archived"][user]) for user in USERS] == [1, 0, 0, 1]
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
