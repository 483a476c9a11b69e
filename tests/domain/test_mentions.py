"""A message in a group mentions members: named in a list, or as `@user_id`
in its text. Other chats have no mentions, and a mention names a member."""

import uuid

from domain.errors import InvalidMentionError
from domain.message import Message
from tests.domain.story import refused


def group(app):
    return app.create_chat("anna", ["boris", "vera"], "Салон").id


def mentions_of(app, saved) -> list[str]:
    return list(app.repository.get(saved.id).mentions)


def test_a_message_mentions_the_members_listed_and_named_in_its_text(app):
    chat_id = group(app)
    saved = app.post_message(chat_id, "anna", "@vera, подменишь @boris? А @gleb не в группе",
                             mentions=("boris",))
    assert mentions_of(app, saved) == ["boris", "vera"]
    assert saved.events[0].mentions == ("boris", "vera")


def test_the_sender_is_never_among_those_mentioned(app):
    chat_id = group(app)
    assert mentions_of(app, app.post_message(chat_id, "anna", "@anna напомню себе",
                                             mentions=("anna",))) == []


def test_words_that_only_look_like_mentions_mention_nobody(app):
    chat_id = group(app)
    saved = app.post_message(chat_id, "anna", "почта vera@salon.ru, @, @@vera и @veranda")
    assert mentions_of(app, saved) == []


def test_an_explicit_mention_of_someone_outside_the_chat_is_refused(app):
    chat_id = group(app)
    with refused(app, InvalidMentionError):
        app.post_message(chat_id, "anna", "Привет", mentions=("gleb",))


def test_a_direct_chat_has_no_mentions(app):
    chat_id = app.create_chat("anna", ["boris"], "").id
    with refused(app, InvalidMentionError):
        app.post_message(chat_id, "anna", "Привет", mentions=("boris",))
    assert mentions_of(app, app.post_message(chat_id, "anna", "@boris, ты тут?")) == []


def test_a_message_stored_before_mentions_existed_mentions_nobody(app):
    event = object.__new__(Message.Posted)
    object.__setattr__(event, "__dict__", {"chat_id": uuid.uuid4(), "sender": "anna"})
    assert event.mentions == ()
    message = Message(chat_id=uuid.uuid4(), sender="anna", content="Старое")  # as replayed
    assert message.mentions == []
