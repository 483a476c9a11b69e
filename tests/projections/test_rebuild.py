"""The inbox view is derived: dropped and replayed from the events it gives
the same chat lists, history (with replies and reactions), files and change
log; events stored without it are taken in before the next write lands on top
of them."""

from domain.application import Messenger
from domain.chat import Chat
from domain.upload import Upload
from messenger.store.settings import persistence_env
from projections.search_terms import terms

USERS = ("anna", "boris", "vera", "gleb")


def an_upload_stored_before_names_were_kept(app):
    """An Upload.Stored event as an earlier version stored it: without `name`."""
    upload = Upload(owner="vera", content_type="image/png", size=80, sha256="bb" * 32,
                    has_thumbnail=True)
    [stored] = upload.collect_events()
    del vars(stored)["name"]
    app.events.put([stored])
    return upload.id


def a_day_at_the_salon(app) -> str:
    """Every kind of event the inbox holds; returns an upload's id."""
    app.register_user("anna", "Анна Петрова")
    direct = app.create_chat("anna", ["boris"], "").id
    group = app.create_chat("anna", ["boris", "vera"], "Салон").id
    upload = app.record_upload("vera", "image/jpeg", 100, "aa" * 32, has_thumbnail=True,
                               name="витрина.jpg").id
    price_list = app.record_upload("vera", "application/pdf", 5000, "cc" * 32,
                                   has_thumbnail=False, name="Прайс-лист.pdf").id
    older = an_upload_stored_before_names_were_kept(app)
    first = app.post_message(group, "vera", "Фото витрины",
                             attachments=(upload, price_list, older)).id
    second = app.post_message(group, "boris", "Красиво", reply_to=first).id
    app.edit_message("boris", second, "Очень красиво")
    app.post_message(group, "vera", "Спасибо", reply_to=second)
    for user, emoji in (("anna", "🔥"), ("boris", "👍"), ("anna", "👍"), ("vera", "🔥")):
        app.react(user, first, emoji)
    app.unreact("anna", first, "🔥")
    typo = app.post_message(group, "boris", "Опечтака").id
    app.react("vera", typo, "😂")
    app.post_message(group, "vera", "Что?", reply_to=typo)
    app.delete_message("boris", typo)
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
        "search": {(user, text): view.search_messages(user, terms(text)) for user in USERS
                   for text in ("фото", "красиво", "завтра", "туда")},
    }


def test_a_rebuild_from_the_events_gives_the_same_view(app, view, database_url):
    upload = a_day_at_the_salon(app)
    before = everything(view, upload)
    [shown] = [message for message in before["history"].values() if message
               and message[0].attachments]
    # Each file with its name and type, an older one without a name.
    assert [(a.name, a.content_type, a.size, a.kind) for a in shown[0].attachments] == [
        ("витрина.jpg", "image/jpeg", 100, "image"),
        ("Прайс-лист.pdf", "application/pdf", 5000, "document"), ("", "image/png", 80, "image")]
    history = [m for messages in before["history"].values() for m in messages]
    assert [m.reply_to.deleted for m in history if m.reply_to] == [False, False, True]
    assert [(r.emoji, len(r.users)) for m in history for r in m.reactions] == [
        ("🔥", 1), ("👍", 2)]
    assert [hit.message.content for hit in before["search"]["vera", "красиво"].hits] == [
        "Очень красиво"]  # the edit, found as it is now; a deleted message is not
    assert not any(page.hits for (_, text), page in before["search"].items() if text == "туда")
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


def test_a_view_an_earlier_version_made_is_rebuilt_when_the_store_opens(app, view, database_url):
    """No migrations: an earlier version's tables (here without the upload's
    name, and without the digest it did not keep) are dropped and the view is
    made again from the events."""
    upload = a_day_at_the_salon(app)
    before = everything(view, upload)
    with view.datastore.transaction(commit=True) as c:
        c.execute("ALTER TABLE inbox_uploads DROP COLUMN name")
        c.execute("DELETE FROM view_schemas")
    reopened = Messenger(persistence_env(database_url))
    try:
        read = reopened.recorder.catch_up_inbox(reopened.mapper.to_domain_event)
        assert read == app.recorder.max_notification_id()
        assert everything(reopened.recorder.inbox.view, upload) == before
    finally:
        reopened.close()


def test_a_view_of_this_version_is_kept_when_the_store_opens(app, view, database_url):
    upload = a_day_at_the_salon(app)
    before = everything(view, upload)
    reopened = Messenger(persistence_env(database_url))
    try:
        assert reopened.recorder.catch_up_inbox(reopened.mapper.to_domain_event) == 0
        assert everything(reopened.recorder.inbox.view, upload) == before
    finally:
        reopened.close()
