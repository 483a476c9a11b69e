"""Phones and browsers that receive pushes: a token belongs to the newest
user who registered it, until they unregister it or the provider rejects it."""

from domain import ids
from domain.device import Device
from tests.domain.story import exists, stored_nothing


def owner(app, platform: str, token: str) -> str | None:
    return app.repository.get(ids.device_id(platform, token)).user_id


def test_a_registered_device_receives_its_users_pushes(app):
    saved = app.register_device("anna", "ios", "token-1")
    assert saved.created and owner(app, "ios", "token-1") == "anna"


def test_the_same_token_on_another_platform_is_another_device(app):
    app.register_device("anna", "ios", "token-1")
    app.register_device("boris", "android", "token-1")
    assert (owner(app, "ios", "token-1"), owner(app, "android", "token-1")) == ("anna", "boris")


def test_a_phone_handed_to_another_user_pushes_to_them(app):
    app.register_device("anna", "android", "token-1")
    saved = app.register_device("boris", "android", "token-1")
    assert [type(event) for event in saved.events] == [Device.RegisteredAgain]
    assert owner(app, "android", "token-1") == "boris"


def test_registering_a_device_again_stores_nothing(app):
    app.register_device("anna", "web", "token-1")
    assert stored_nothing(app.register_device("anna", "web", "token-1"))


def test_only_its_current_user_unregisters_a_device(app):
    app.register_device("anna", "ios", "token-1")
    assert stored_nothing(app.unregister_device("boris", "ios", "token-1"))
    assert owner(app, "ios", "token-1") == "anna"
    app.unregister_device("anna", "ios", "token-1")
    assert owner(app, "ios", "token-1") is None


def test_an_unknown_token_unregistered_or_rejected_changes_nothing(app):
    assert stored_nothing(app.unregister_device("anna", "ios", "never-seen"))
    assert stored_nothing(app.reject_device("ios", "never-seen", "BadDeviceToken"))
    assert not exists(app, ids.device_id("ios", "never-seen"))


def test_a_token_the_provider_rejects_pushes_to_nobody_until_registered_again(app):
    app.register_device("anna", "ios", "token-1")
    saved = app.reject_device("ios", "token-1", "Unregistered")
    assert saved.events[0].reason == "Unregistered"
    assert owner(app, "ios", "token-1") is None
    assert stored_nothing(app.reject_device("ios", "token-1", "Unregistered"))
    app.register_device("anna", "ios", "token-1")
    assert owner(app, "ios", "token-1") == "anna"
