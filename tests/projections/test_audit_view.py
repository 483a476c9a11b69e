"""The audit index, driven directly (a follower runs it in the server): each
chat's events in order, each hash chained to the one before, and every chat
each user was ever in."""

from functools import partial

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from domain import ids
from domain.application import Messenger
from domain.chat import SUPPORT
from messenger.config import Config
from messenger.store.store import Store
from projections.audit import AuditProjection, chat_of
from projections.audit_view import GENESIS, event_hash, stored_event


@pytest.fixture
def store(database_url):
    store = Store(Config(database_url=database_url, jwt_secret="x" * 40, service_token="y" * 40))
    for user, name in (("anna", "Анна"), ("boris", "Борис"), ("vera", "Вера")):
        store.app.register_user(user, name)
    yield store
    store.close()


def stored(store, start: int = 1) -> list:
    """(domain event, tracking, stored event) from `start` on, as a follower reads them."""
    app = store.app
    return [(app.mapper.to_domain_event(n), Tracking(Messenger.name, n.id), n)
            for n in app.recorder.select_notifications(start=start, limit=10_000)]


def projection(store) -> AuditProjection:
    return AuditProjection(store.audit_view, partial(stored_event, store.app.recorder))


def index(store) -> None:
    """Indexes every event not indexed yet, in one batch."""
    after = store.audit_view.max_tracking_id(Messenger.name) or 0
    projection(store).process_batch(stored(store, after + 1))


def assert_chained(store, chat_id) -> None:
    previous = GENESIS
    for link in store.audit_view.chain(str(chat_id)):
        assert link["hash"] == event_hash(previous, stored_event(store.app.recorder,
                                                                 link["notification_id"]))
        previous = link["hash"]


def a_chats_story(app):
    chat_id = app.create_chat("anna", ["boris", "vera"], "Салон").id
    message_id = app.post_message(chat_id, "boris", "Привет").id
    app.edit_message("boris", message_id, "Привет всем")
    app.mark_read(chat_id, "anna", message_id)
    app.mute_chat("vera", chat_id, True)
    app.add_users("anna", chat_id, ["gleb"])
    app.remove_users("anna", chat_id, ["boris"])
    app.delete_chat("anna", chat_id)
    return chat_id


def test_every_event_of_a_chat_is_indexed_in_order(store):
    chat_id = a_chats_story(store.app)
    index(store)
    ours = [(event, n) for event, _, n in stored(store) if chat_of(event) == str(chat_id)]
    assert [type(event).__qualname__ for event, _ in ours] == [
        "Chat.Started", "Message.Posted", "Message.Edited", "Reading.Started",
        "Reading.Advanced", "ChatPreferences.Started", "ChatPreferences.Muted",
        "Chat.MembersAdded", "Chat.MembersRemoved", "Chat.Deleted"]
    chain = list(store.audit_view.chain(str(chat_id)))
    assert [(link["seq"], link["originator_id"], link["originator_version"],
             link["notification_id"]) for link in chain] == [
        (seq, str(n.originator_id), n.originator_version, n.id)
        for seq, (_, n) in enumerate(ours, start=1)]
    assert store.audit_view.count(str(chat_id)) == len(ours)


def test_each_link_hashes_the_stored_event_chained_to_the_one_before(store):
    chat_id = a_chats_story(store.app)
    index(store)
    assert_chained(store, chat_id)


def test_events_about_no_chat_are_passed_over_yet_tracked(store):
    store.app.register_user("anna", "Анна Петрова")
    store.app.register_device("anna", "ios", "token-1")
    store.app.record_upload("anna", "image/png", 10, "bb" * 32, has_thumbnail=False)
    index(store)
    last = store.app.recorder.max_notification_id()
    assert store.audit_view.max_tracking_id(Messenger.name) == last
    # the three support chats are the only chats so far, a Started event each
    assert store.audit_view.count() == len(store.audit_view.chats()) == 3


def support(user: str) -> str:
    return str(ids.system_chat_id(SUPPORT, user))


def test_every_chat_a_user_was_ever_in_is_listed_deleted_ones_included(store):
    app = store.app
    group = a_chats_story(app)  # boris removed, gleb added, then deleted
    direct = app.create_chat("boris", ["vera"], "").id
    index(store)
    assert store.audit_view.chats_of("boris") == sorted(
        [str(group), str(direct), support("boris")])
    assert store.audit_view.chats_of("gleb") == sorted([str(group), support("gleb")])
    assert store.audit_view.knows(str(group)) and not store.audit_view.knows("no-such-chat")


def test_an_event_indexed_again_is_refused_whole_leaving_the_chain_as_it_was(store):
    chat_id = a_chats_story(store.app)
    index(store)
    chain = list(store.audit_view.chain(str(chat_id)))
    with pytest.raises(IntegrityError):
        projection(store).process_batch(stored(store)[-3:])
    assert list(store.audit_view.chain(str(chat_id))) == chain


def test_one_event_at_a_time_and_in_batches_index_the_same_chain(store):
    chat_id = a_chats_story(store.app)
    events = stored(store)
    one_by_one = projection(store)
    for event, tracking, _ in events[:len(events) // 2]:
        one_by_one.process_event(event, tracking)
    projection(store).process_batch(events[len(events) // 2:])
    assert store.audit_view.count(str(chat_id)) == 10
    assert_chained(store, chat_id)
    assert store.audit_view.max_tracking_id(Messenger.name) == events[-1][1].notification_id


def test_an_operators_skip_is_part_of_the_chats_story(store):
    chat_id = a_chats_story(store.app)
    skipped = store.app.skip_event("push", 3, "Message.Posted", chat_id, "ops-olga", "bad token")
    index(store)
    last = list(store.audit_view.chain(str(chat_id)))[-1]
    assert last["originator_id"] == str(skipped.id)
