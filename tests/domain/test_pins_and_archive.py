"""A member pins a chat to the top of their list, or archives it out of the
list until something new is said there; each only for themself, and asking
twice stores nothing."""

from domain import ids
from domain.errors import ChatNotFoundError
from domain.preferences import ChatPreferences
from tests.domain.story import exists, refused, stored_nothing


def group(app):
    return app.create_chat("anna", ["boris", "vera"], "Салон").id


def preferences(app, chat_id, user) -> ChatPreferences:
    return app.repository.get(ids.preferences_id(chat_id, user))


def test_a_member_pins_and_unpins_a_chat_for_themself(app):
    chat_id = group(app)
    saved = app.pin_chat("boris", chat_id, True)
    assert [type(event) for event in saved.events] == [ChatPreferences.Started,
                                                       ChatPreferences.Pinned]
    assert preferences(app, chat_id, "boris").pinned
    assert not exists(app, ids.preferences_id(chat_id, "vera"))
    app.pin_chat("boris", chat_id, False)
    assert not preferences(app, chat_id, "boris").pinned


def test_pinning_a_pinned_chat_or_unpinning_one_never_pinned_stores_nothing(app):
    chat_id = group(app)
    assert stored_nothing(app.pin_chat("boris", chat_id, False))
    assert not exists(app, ids.preferences_id(chat_id, "boris"))  # not even its Started
    app.pin_chat("boris", chat_id, True)
    assert stored_nothing(app.pin_chat("boris", chat_id, True))


def test_an_archived_chat_stays_archived_until_a_newer_message(app):
    chat_id = group(app)
    first = str(app.post_message(chat_id, "anna", "Смена в 9").id)
    saved = app.archive_chat("boris", chat_id, True, first)
    assert [type(event) for event in saved.events][-1] is ChatPreferences.Archived
    assert saved.events[-1].through == first
    assert preferences(app, chat_id, "boris").is_archived(first)
    assert stored_nothing(app.archive_chat("boris", chat_id, True, first))
    # A newer message brought the chat back: archiving it again is a change.
    second = str(app.post_message(chat_id, "anna", "Кто придёт?").id)
    assert not preferences(app, chat_id, "boris").is_archived(second)
    assert stored_nothing(app.archive_chat("boris", chat_id, False, second))  # out already
    assert app.archive_chat("boris", chat_id, True, second).events[-1].through == second


def test_unarchiving_brings_a_chat_back_and_twice_stores_nothing(app):
    chat_id = group(app)
    app.archive_chat("vera", chat_id, True, "")  # no messages yet
    saved = app.archive_chat("vera", chat_id, False, "")
    assert [type(event) for event in saved.events] == [ChatPreferences.Unarchived]
    assert not preferences(app, chat_id, "vera").archived
    assert stored_nothing(app.archive_chat("vera", chat_id, False, ""))


def test_only_a_member_pins_or_archives_a_chat(app):
    chat_id = group(app)
    with refused(app, ChatNotFoundError):
        app.pin_chat("gleb", chat_id, True)
    with refused(app, ChatNotFoundError):
        app.archive_chat("gleb", chat_id, True, "")


def test_pins_mutes_and_archive_are_one_members_settings_and_leave_the_chat_alone(app):
    chat_id = group(app)
    version = app.repository.get(chat_id).version
    app.mute_chat("boris", chat_id, True)
    app.pin_chat("boris", chat_id, True)
    app.archive_chat("boris", chat_id, True, "")
    mine = preferences(app, chat_id, "boris")
    assert (mine.muted, mine.pinned, mine.archived) == (True, True, True)
    assert app.repository.get(chat_id).version == version


def test_preferences_stored_before_pins_existed_read_as_neither_pinned_nor_archived(app):
    chat_id = group(app)
    app.mute_chat("boris", chat_id, True)
    mine = preferences(app, chat_id, "boris")
    for name in ("pinned", "archived", "archived_through"):
        mine.__dict__.pop(name, None)  # as a snapshot taken by the earlier version holds it
    assert (mine.pinned, mine.archived, mine.is_archived("")) == (False, False, False)
