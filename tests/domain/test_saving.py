"""How commands are saved: through the process's one writer, several at once,
each answered on its own; on a store other processes write to as well."""

import uuid

import pytest

from domain import ids
from domain.application import Messenger
from domain.errors import ChatNotFoundError, SystemIdentityError
from domain.intervention import Intervention
from messenger.store.settings import persistence_env
from tests.domain.story import stored_nothing


def test_commands_sent_at_once_are_each_answered_and_a_refusal_fails_alone(app):
    chat_id = app.create_chat("anna", ["boris"], "").id
    sent = [app.submit(app.post_message, chat_id, "anna", f"Сообщение {n}") for n in range(10)]
    outsider = app.submit(app.post_message, chat_id, "vera", "Я не отсюда")
    sent += [app.submit(app.post_message, chat_id, "boris", "Ответ")]
    with pytest.raises(ChatNotFoundError):
        outsider.result()
    saved = [future.result() for future in sent]
    assert all(s.created for s in saved)
    assert [app.repository.get(s.id).content for s in saved] == [
        *(f"Сообщение {n}" for n in range(10)), "Ответ"]
    positions = [s.positions[0] for s in saved]
    assert positions == sorted(positions)


def test_two_changes_of_one_chat_sent_at_once_are_both_kept_in_order(app):
    chat_id = app.create_chat("anna", ["boris"], "").id
    first = app.submit(app.rename_chat, "anna", chat_id, "Первое")
    second = app.submit(app.rename_chat, "boris", chat_id, "Второе")
    assert first.result().positions[0] < second.result().positions[0]
    chat = app.repository.get(chat_id)
    assert chat.name == "Второе" and chat.version == 3


def test_a_refusal_before_the_save_arrives_through_the_future_too(app):
    with pytest.raises(SystemIdentityError):
        app.submit(app.register_user, "support", "").result()


def test_a_change_made_by_another_server_process_is_decided_on(open_messenger):
    here, there = open_messenger(), open_messenger()
    chat_id = here.create_chat("anna", ["boris", "vera"], "Салон").id
    there.post_message(chat_id, "boris", "Я тут")  # there has the chat in its cache now
    here.remove_users("anna", chat_id, ["boris"])
    with pytest.raises(ChatNotFoundError):
        there.post_message(chat_id, "boris", "А теперь?")
    there.rename_chat("anna", chat_id, "Салон без Бориса")
    here.leave_chat("vera", chat_id)  # each decides on what the other stored: nothing is lost
    chat = open_messenger().repository.get(chat_id)
    assert (chat.name, chat.members) == ("Салон без Бориса", ["anna"])


def test_a_chat_with_a_long_history_reads_back_as_it_was_left(open_messenger):
    app = open_messenger()
    chat_id = app.create_chat("anna", ["boris", "vera"], "Салон").id
    for n in range(60):  # past the snapshotting interval
        app.add_users("anna", chat_id, [f"guest-{n}"])
        if n % 2:
            app.remove_users("anna", chat_id, [f"guest-{n - 1}"])
    app.rename_chat("anna", chat_id, "Салон, итог")
    members = app.repository.get(chat_id).members
    assert members[:3] == ["anna", "boris", "vera"] and len(members) == 33
    fresh = open_messenger()
    assert list(fresh.snapshots.get(chat_id))  # it is read from a snapshot on
    chat = fresh.repository.get(chat_id)
    assert (chat.members, chat.name) == (members, "Салон, итог")


def test_a_closed_messenger_takes_no_more_commands(tmp_path):
    app = Messenger(persistence_env(f"sqlite:///{tmp_path}/closed.db"))
    app.register_user("anna")
    app.close()
    with pytest.raises(RuntimeError):
        app.register_user("boris")
    with pytest.raises(RuntimeError):
        app.submit(app.register_user, "boris").result()


def test_an_operator_skips_an_event_once(app):
    chat_id = uuid.uuid4()
    saved = app.skip_event("push", 42, "Message.Posted", chat_id, "ops-olga", "bad token")
    assert saved.id == ids.skipped_event_id("push", 42)
    skipped = app.repository.get(saved.id)
    assert isinstance(skipped, Intervention)
    assert (skipped.follower, skipped.position, skipped.by, skipped.reason) == (
        "push", 42, "ops-olga", "bad token")
    assert stored_nothing(app.skip_event("push", 42, "Message.Posted", chat_id, "ops-ivan", ""))
    assert app.skip_event("audit", 42, "Message.Posted", chat_id, "ops-olga", "").created
