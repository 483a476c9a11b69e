"""Reactions: a member puts emoji on a message of their chat and takes them
back; each member's reactions to a message are theirs alone, so many
reacting at once never contend."""

import uuid

import pytest

from domain import ids
from domain.errors import MessageNotFoundError, TooManyReactionsError
from domain.reactions import MAX_EMOJI_PER_USER, Reactions
from tests.domain.story import exists, refused, stored_nothing


@pytest.fixture
def message(app):
    chat_id = app.create_chat("anna", ["boris", "vera"], "Салон").id
    return app.post_message(chat_id, "anna", "Завтра выходной").id


def test_a_member_reacts_and_takes_it_back(app, message):
    saved = app.react("boris", message, "🎉")
    assert [type(event).__qualname__ for event in saved.events] == [
        "Reactions.Started", "Reactions.Added"]
    assert saved.events[-1].emoji == "🎉" and saved.events[-1].user_id == "boris"
    app.react("boris", message, "👍")
    assert app.repository.get(ids.reactions_id(message, "boris")).emoji == ["🎉", "👍"]
    [removed] = app.unreact("boris", message, "🎉").events
    assert type(removed) is Reactions.Removed
    assert app.repository.get(ids.reactions_id(message, "boris")).emoji == ["👍"]


def test_each_member_has_reactions_of_their_own(app, message):
    app.react("boris", message, "👍")
    app.react("vera", message, "👍")
    assert ids.reactions_id(message, "boris") != ids.reactions_id(message, "vera")
    assert not exists(app, ids.reactions_id(message, "anna"))
    assert app.repository.get(message).version == 1  # the message itself is not touched


def test_the_same_emoji_again_or_one_never_put_there_stores_nothing(app, message):
    app.react("boris", message, "👍")
    assert stored_nothing(app.react("boris", message, "👍"))
    assert stored_nothing(app.unreact("boris", message, "❤️"))
    assert stored_nothing(app.unreact("vera", message, "👍"))  # Vera never reacted
    assert not exists(app, ids.reactions_id(message, "vera"))


def test_a_member_puts_at_most_so_many_different_emoji_on_a_message(app, message):
    emoji = [chr(0x1F600 + n) for n in range(MAX_EMOJI_PER_USER + 1)]
    for one in emoji[:-1]:
        app.react("boris", message, one)
    with refused(app, TooManyReactionsError):
        app.react("boris", message, emoji[-1])
    app.react("vera", message, emoji[-1])  # a cap per member, not per message
    app.unreact("boris", message, emoji[0])
    app.react("boris", message, emoji[-1])


def test_no_reaction_to_a_deleted_message_or_from_outside_the_chat(app, message):
    with refused(app, MessageNotFoundError):
        app.react("gleb", message, "👀")
    app.react("boris", message, "👍")
    app.delete_message("anna", message)
    for react in (app.react, app.unreact):
        with refused(app, MessageNotFoundError):
            react("boris", message, "👍")
    with refused(app, MessageNotFoundError):
        app.react("boris", uuid.uuid4(), "👍")


def test_a_member_who_left_no_longer_reacts_there(app, message):
    chat_id = app.repository.get(message).chat_id
    app.react("vera", message, "👍")
    app.leave_chat("vera", chat_id)
    with refused(app, MessageNotFoundError):
        app.unreact("vera", message, "👍")
