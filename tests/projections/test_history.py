"""The inbox view's history: a chat's messages oldest first, a page at a
time, with edits, deletions, read receipts and the files they carry."""

import pytest

from domain.errors import MessageNotFoundError


def contents(records) -> list[str]:
    return [record.content for record in records]


def test_history_is_oldest_first_and_pages_backwards(app, view):
    chat_id = app.create_chat("anna", ["boris"], "").id
    sent = [app.post_message(chat_id, "anna" if n % 2 else "boris", f"#{n}").id
            for n in range(5)]
    chat = str(chat_id)
    assert contents(view.messages(chat)) == ["#0", "#1", "#2", "#3", "#4"]
    assert [m.message_id for m in view.messages(chat)] == [str(m) for m in sent]
    assert contents(view.messages(chat, limit=2)) == ["#3", "#4"]
    assert contents(view.messages(chat, limit=2, before=str(sent[3]))) == ["#1", "#2"]
    assert contents(view.messages(chat, limit=2, before=str(sent[1]))) == ["#0"]
    assert view.last_message_id(chat) == str(sent[4])


def test_paging_before_a_message_of_another_chat_is_refused(app, view):
    chat_id = app.create_chat("anna", ["boris"], "").id
    elsewhere = app.post_message(app.create_chat("anna", ["vera"], "").id, "anna", "Там").id
    with pytest.raises(MessageNotFoundError):
        view.messages(str(chat_id), before=str(elsewhere))


def test_an_edited_message_shows_its_new_text_and_when_it_was_edited(app, view):
    chat_id = app.create_chat("anna", ["boris"], "").id
    first = app.post_message(chat_id, "anna", "В 10").id
    app.post_message(chat_id, "anna", "Жду")
    app.edit_message("anna", first, "В 11")
    older, newer = view.messages(str(chat_id))
    assert (older.content, newer.content) == ("В 11", "Жду")
    assert older.edited_at and older.edited_at >= older.created_at
    assert newer.edited_at == ""
    assert view.chat("boris", str(chat_id)).last_message == "Жду"


def test_an_edit_of_the_newest_message_is_the_chats_last_message(app, view):
    chat_id = app.create_chat("anna", ["boris"], "").id
    message_id = app.post_message(chat_id, "anna", "В 10").id
    app.edit_message("anna", message_id, "В 11")
    assert view.chat("boris", str(chat_id)).last_message == "В 11"


def test_a_deleted_message_stays_in_history_without_its_text_or_files(app, view):
    chat_id = app.create_chat("anna", ["boris"], "").id
    upload = app.record_upload("anna", "image/png", 10, "cd" * 32, has_thumbnail=False).id
    message_id = app.post_message(chat_id, "anna", "Фото", attachments=(upload,)).id
    app.delete_message("anna", message_id)
    [deleted] = view.messages(str(chat_id))
    assert (deleted.message_id, deleted.deleted, deleted.content, deleted.attachments) == (
        str(message_id), True, "", ())


def test_a_message_is_read_once_every_other_member_has_read_it(app, view):
    chat_id = app.create_chat("anna", ["boris", "vera"], "Салон").id
    message_id = app.post_message(chat_id, "anna", "Собрание в 9").id
    read = lambda: view.message(str(message_id), "anna").is_read  # noqa: E731
    assert not read()
    app.mark_read(chat_id, "boris", message_id)
    assert not read()
    app.mark_read(chat_id, "vera", message_id)
    assert read()


def test_a_reader_sees_a_message_only_in_their_own_chats(app, view):
    chat_id = app.create_chat("anna", ["boris"], "").id
    message_id = str(app.post_message(chat_id, "anna", "Нам двоим").id)
    assert view.message(message_id, "boris").content == "Нам двоим"
    assert view.message(message_id, "vera") is None


def test_a_file_is_readable_by_its_owner_and_the_members_of_chats_it_was_sent_to(app, view):
    chat_id = app.create_chat("anna", ["boris"], "").id
    upload = app.record_upload("anna", "application/pdf", 2048, "ef" * 32, has_thumbnail=False,
                               name="Прайс-лист.pdf").id
    file = str(upload)
    stored = ("application/pdf", "ef" * 32, False, "Прайс-лист.pdf")
    assert view.readable_file("anna", file) == stored
    assert view.readable_file("boris", file) is None  # not sent yet
    message_id = app.post_message(chat_id, "anna", "Прайс", attachments=(upload,)).id
    [attachment] = view.messages(str(chat_id))[0].attachments
    assert attachment == (file, "Прайс-лист.pdf", "application/pdf", 2048, False)
    assert attachment.kind == "document"
    assert view.message(str(message_id), "boris").attachments == (attachment,)
    assert view.readable_file("boris", file) == stored
    assert view.readable_file("vera", file) is None
    app.delete_message("anna", message_id)
    assert view.readable_file("boris", file) is None
    assert view.readable_file("anna", file) is not None


def test_many_messages_are_read_at_once_with_their_chats_unread_counts(app, view):
    direct = app.create_chat("anna", ["boris"], "").id
    group = app.create_chat("anna", ["boris", "vera"], "Салон").id
    one = str(app.post_message(direct, "anna", "Лично").id)
    two = str(app.post_message(group, "boris", "Всем").id)
    records, unread = view.messages_by_id([one, two, "not-a-message"])
    assert {key: record.content for key, record in records.items()} == {one: "Лично", two: "Всем"}
    assert {chat: {user: counts.unread for user, counts in members.items()}
            for chat, members in unread.items()} == {
        str(direct): {"anna": 0, "boris": 1}, str(group): {"anna": 1, "boris": 0, "vera": 1}}
    assert view.messages_by_id([]) == ({}, {})
