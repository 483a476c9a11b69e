"""The change log: what each event changed for whom, written with it, read in
order from any position by every process for live delivery."""

from domain import ids
from domain.chat import SUPPORT
from projections.changes import (
    CHAT, MESSAGE_DELETED, MESSAGE_EDITED, MESSAGE_NEW, READ, Committed)


def changes_of(app, view, command):
    """Runs the command; returns what it saved and the changes it logged,
    as (what, chat, users, removed, message, reader)."""
    before = app.recorder.max_notification_id()
    saved = command()
    head, changes = view.changes_after(before)
    assert head == app.recorder.max_notification_id()
    return saved, [(c.what, c.chat_id, c.users, c.removed, c.message_id, c.reader)
                   for c in changes]


def group(app):
    return app.create_chat("anna", ["boris", "vera"], "Салон").id


def test_a_new_chat_tells_its_members(app, view):
    chat_id, changes = changes_of(app, view, lambda: group(app))
    assert changes == [(CHAT, str(chat_id), ("anna", "boris", "vera"), (), "", "")]


def test_a_new_user_hears_of_their_tech_support_chat_but_a_user_is_no_chat(app, view):
    _, changes = changes_of(app, view, lambda: app.register_user("gleb", "Глеб"))
    support = str(ids.system_chat_id(SUPPORT, "gleb"))
    assert changes == [(CHAT, support, ("gleb", "support"), (), "", "")]
    _, changes = changes_of(app, view, lambda: app.register_user("gleb", "Глеб Иванов"))
    assert changes == []  # yet the head moved past it: see changes_of


def test_a_message_tells_every_member_in_join_order_when_it_was_posted(app, view):
    chat_id = group(app)
    before = app.recorder.max_notification_id()
    saved = app.post_message(chat_id, "vera", "Всем привет")
    _, [change] = view.changes_after(before)
    assert (change.position, change.what, change.users, change.message_id) == (
        saved.positions[0], MESSAGE_NEW, ("anna", "boris", "vera"), str(saved.id))
    assert change.at_us == int(saved.events[0].timestamp.timestamp() * 1e6)


def test_edits_and_deletions_tell_every_member(app, view):
    chat_id = group(app)
    message_id = app.post_message(chat_id, "boris", "В 10").id
    members = ("anna", "boris", "vera")
    _, changes = changes_of(app, view, lambda: app.edit_message("boris", message_id, "В 11"))
    assert changes == [(MESSAGE_EDITED, str(chat_id), members, (), str(message_id), "")]
    _, changes = changes_of(app, view, lambda: app.delete_message("boris", message_id))
    assert changes == [(MESSAGE_DELETED, str(chat_id), members, (), str(message_id), "")]


def test_a_read_tells_the_members_who_read_what_and_a_read_that_moves_nothing_tells_nobody(
        app, view):
    chat_id = group(app)
    first = app.post_message(chat_id, "anna", "Раз").id
    second = app.post_message(chat_id, "anna", "Два").id
    _, changes = changes_of(app, view, lambda: app.mark_read(chat_id, "boris", second))
    assert changes == [(READ, str(chat_id), ("anna", "boris", "vera"), (), str(second), "boris")]
    _, changes = changes_of(app, view, lambda: app.mark_read(chat_id, "boris", first))
    assert changes == [(READ, str(chat_id), (), (), str(first), "boris")]


def test_a_removed_member_and_one_who_left_are_told_the_chat_is_gone_for_them(app, view):
    chat_id = group(app)
    app.add_users("anna", chat_id, ["gleb"])
    _, changes = changes_of(app, view, lambda: app.remove_users("anna", chat_id, ["boris"]))
    assert changes == [(CHAT, str(chat_id), ("anna", "vera", "gleb"), ("boris",), "", "")]
    _, changes = changes_of(app, view, lambda: app.leave_chat("vera", chat_id))
    assert changes == [(CHAT, str(chat_id), ("anna", "gleb"), ("vera",), "", "")]


def test_a_deleted_chat_is_gone_for_every_member(app, view):
    chat_id = group(app)
    _, changes = changes_of(app, view, lambda: app.delete_chat("anna", chat_id))
    assert changes == [(CHAT, str(chat_id), (), ("anna", "boris", "vera"), "", "")]


def test_a_mute_is_told_to_that_member_alone(app, view):
    chat_id = group(app)
    _, changes = changes_of(app, view, lambda: app.mute_chat("vera", chat_id, True))
    assert changes == [(CHAT, str(chat_id), ("vera",), (), "", "")]


def test_the_log_is_read_in_order_from_any_position(app, view):
    chat_id = group(app)
    for n in range(4):
        app.post_message(chat_id, "anna", f"#{n}")
    head, changes = view.changes_after(0)
    positions = [change.position for change in changes]
    assert positions == sorted(set(positions)) and positions[-1] == head
    middle = positions[len(positions) // 2]
    assert [c.position for c in view.changes_after(middle)[1]] == [
        p for p in positions if p > middle]
    assert view.changes_after(head) == (head, [])


def test_the_process_that_stores_a_message_is_told_what_changed_without_reading_it_back(app):
    chat_id = group(app)
    told: list[dict] = []
    app.on_recorded = told.append
    saved = app.post_message(chat_id, "boris", "Срочно")
    [notes] = told
    committed = notes["committed"]
    assert isinstance(committed, Committed)
    position = saved.positions[0]
    assert (committed.first, committed.head) == (position, position)
    assert [(c.what, c.message_id) for c in committed.changes] == [(MESSAGE_NEW, str(saved.id))]
    record, unread = committed.posted[position]
    assert (record.content, record.sender) == ("Срочно", "boris")
    assert {user: counts.unread for user, counts in unread.items()} == {
        "anna": 1, "boris": 0, "vera": 1}
