"""Replies and reactions in the inbox view: a reply shows its original as it
is now; each message's reactions, emoji in the order first used, counted per
member; a deleted message loses them; none of it counts as unread."""

from projections.changes import REACTIONS
from projections.inbox_replies import EXCERPT_CHARS, ReplyTo


def salon(app):
    return app.create_chat("anna", ["boris", "vera"], "Салон").id


def reactions(view, message_id, reader="anna"):
    record = view.message(str(message_id), reader)
    return [(reaction.emoji, sorted(reaction.users)) for reaction in record.reactions]


def test_a_reply_shows_its_original_as_it_is_now(app, view):
    chat_id = salon(app)
    original = app.post_message(chat_id, "anna", "Кто выйдет в субботу? " + "." * 200).id
    reply = app.post_message(chat_id, "boris", "Я", reply_to=original).id
    quoted = lambda: view.message(str(reply), "vera").reply_to  # noqa: E731
    excerpt = ("Кто выйдет в субботу? " + "." * 200)[:EXCERPT_CHARS]
    assert quoted() == ReplyTo(str(original), "anna", excerpt, False)
    assert view.message(str(original), "vera").reply_to is None
    app.edit_message("anna", original, "Кто выйдет в воскресенье?")
    assert quoted() == ReplyTo(str(original), "anna", "Кто выйдет в воскресенье?", False)
    [_, in_history] = view.messages(str(chat_id))
    assert in_history.reply_to == quoted()
    app.delete_message("anna", original)
    assert quoted() == ReplyTo(str(original), "anna", "", True)  # never its old text
    records, _ = view.messages_by_id([str(reply)])
    assert records[str(reply)].reply_to == quoted()


def test_the_writer_is_told_a_replys_original_without_reading_it_back(app, view):
    chat_id = salon(app)
    original = app.post_message(chat_id, "anna", "Закупка в пятницу").id
    told: list[dict] = []
    app.on_recorded = told.append
    saved = app.post_message(chat_id, "vera", "Список у меня", reply_to=original)
    app.post_message(chat_id, "vera", "Без ответа")
    record, _ = told[0]["committed"].posted[saved.positions[0]]
    assert record.reply_to == ReplyTo(str(original), "anna", "Закупка в пятницу", False)
    [(plain, _)] = told[1]["committed"].posted.values()
    assert plain.reply_to is None


def test_reactions_are_counted_per_emoji_in_the_order_first_used(app, view):
    chat_id = salon(app)
    message_id = app.post_message(chat_id, "anna", "Премия за месяц!").id
    app.react("boris", message_id, "🎉")
    app.react("vera", message_id, "❤️")
    app.react("vera", message_id, "🎉")
    app.react("anna", message_id, "🎉")
    assert reactions(view, message_id) == [("🎉", ["anna", "boris", "vera"]),
                                           ("❤️", ["vera"])]
    app.unreact("boris", message_id, "🎉")  # the first to use it: 🎉 keeps its place
    assert reactions(view, message_id) == [("🎉", ["anna", "vera"]), ("❤️", ["vera"])]
    app.unreact("anna", message_id, "🎉")
    app.unreact("vera", message_id, "🎉")  # nobody has it now: used again, it comes last
    app.react("boris", message_id, "🎉")
    assert reactions(view, message_id) == [("❤️", ["vera"]), ("🎉", ["boris"])]
    [record] = view.messages(str(chat_id))
    assert record.reactions == view.message(str(message_id), "vera").reactions


def test_reactions_move_no_unread_count_and_tell_every_member(app, view):
    chat_id = salon(app)
    message_id = app.post_message(chat_id, "anna", "Собрание в 9").id
    before = app.recorder.max_notification_id()
    app.react("boris", message_id, "👍")
    app.unreact("boris", message_id, "👍")
    _, changes = view.changes_after(before)
    assert [(c.what, c.chat_id, c.users, c.message_id) for c in changes if c.what] == [
        (REACTIONS, str(chat_id), ("anna", "boris", "vera"), str(message_id))] * 2
    assert [view.chat(user, str(chat_id)).unread for user in ("anna", "boris", "vera")] == [0, 1, 1]


def test_a_deleted_message_or_chat_loses_its_reactions(app, view):
    chat_id = salon(app)
    kept = app.post_message(chat_id, "anna", "Остаётся").id
    gone = app.post_message(chat_id, "anna", "Уйдёт").id
    for message_id in (kept, gone):
        app.react("boris", message_id, "👍")
    app.delete_message("anna", gone)
    deleted = [m for m in view.messages(str(chat_id)) if m.deleted]
    assert [m.reactions for m in deleted] == [()]
    assert reactions(view, kept) == [("👍", ["boris"])]
    direct = app.create_chat("anna", ["boris"], "").id
    old = app.post_message(direct, "anna", "Старое").id
    app.react("boris", old, "😂")
    app.delete_chat("anna", direct)
    app.create_chat("anna", ["boris"], "")
    new = app.post_message(direct, "anna", "Новое").id
    assert view.message(str(new), "boris").reactions == ()
    with view.datastore.transaction(commit=False) as c:
        c.execute("SELECT COUNT(*) AS n FROM inbox_reactions")
        assert c.fetchone()["n"] == 1  # Boris's 👍 on the message kept
