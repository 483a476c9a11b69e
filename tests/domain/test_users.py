"""Users: registered once with their tech-support chat, renamed when told a
new name; the system identities are never users."""

import pytest

from domain import ids
from domain.chat import SUPPORT
from domain.errors import SystemIdentityError
from domain.user import User
from tests.domain.story import refused, stored_nothing


def test_a_new_user_gets_their_tech_support_chat_with_the_support_side(open_messenger):
    app = open_messenger()
    saved = app.register_user("anna", "Анна Петрова")
    assert saved.created and saved.id == ids.user_id("anna")
    assert app.repository.get(ids.user_id("anna")).name == "Анна Петрова"
    support = app.repository.get(ids.system_chat_id(SUPPORT, "anna"))
    assert (support.kind, support.members, support.name) == (
        SUPPORT, ["anna", "support"], "Техподдержка")


def test_registering_again_with_a_new_name_renames_the_user_and_keeps_their_chat(app):
    saved = app.register_user("anna", "Анна Сергеевна")
    assert not saved.created
    assert [type(event) for event in saved.events] == [User.Renamed]
    assert app.repository.get(ids.user_id("anna")).name == "Анна Сергеевна"
    assert app.repository.get(ids.system_chat_id(SUPPORT, "anna")).version == 1


@pytest.mark.parametrize("name", ["Анна", ""], ids=["same name", "no name"])
def test_registering_again_without_a_new_name_stores_nothing(app, name):
    assert stored_nothing(app.register_user("anna", name))
    assert app.repository.get(ids.user_id("anna")).name == "Анна"


@pytest.mark.parametrize("identity", ["support", "bookings"])
def test_the_support_side_and_the_bookings_sender_cannot_be_registered(app, identity):
    with refused(app, SystemIdentityError):
        app.register_user(identity, "Кто-то")


def test_the_system_identities_are_the_configured_ones(open_messenger):
    app = open_messenger(SUPPORT_USER_ID="helpdesk", SUPPORT_CHAT_NAME="Помощь")
    app.register_user("anna")
    support = app.repository.get(ids.system_chat_id(SUPPORT, "anna"))
    assert (support.members, support.name) == (["anna", "helpdesk"], "Помощь")
    with refused(app, SystemIdentityError):
        app.register_user("helpdesk")
    assert app.register_user("support", "Обычный пользователь").created


def test_a_user_hides_presence_and_shows_it_again_each_change_stored_once(app):
    assert app.repository.get(ids.user_id("anna")).presence_visible is True  # by default
    hidden = app.set_presence_visible("anna", False)
    assert [type(event) for event in hidden.events] == [User.PresenceVisibilitySet]
    assert app.repository.get(ids.user_id("anna")).presence_visible is False
    assert stored_nothing(app.set_presence_visible("anna", False))
    app.set_presence_visible("anna", True)
    assert app.repository.get(ids.user_id("anna")).presence_visible is True


def test_users_registered_before_the_setting_existed_load_visible(open_messenger):
    app = open_messenger()
    app.events.put([User.Registered(originator_id=ids.user_id("old"), originator_version=1,
                                    timestamp=User.Registered.create_timestamp(),
                                    originator_topic="domain.user:User",
                                    user_id="old", name="Старый")])
    assert app.repository.get(ids.user_id("old")).presence_visible is True
    assert app.set_presence_visible("old", False).events
