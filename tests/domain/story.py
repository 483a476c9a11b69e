"""What the domain's stories assert again and again."""

from contextlib import contextmanager

import pytest
from eventsourcing.application import AggregateNotFoundError


@contextmanager
def refused(app, error: type[Exception]):
    """The command in the block is refused with `error`, and nothing is stored."""
    before = app.recorder.max_notification_id()
    with pytest.raises(error):
        yield
    assert app.recorder.max_notification_id() == before


def stored_nothing(saved) -> bool:
    return saved.positions == () and saved.events == ()


def exists(app, aggregate_id) -> bool:
    try:
        app.repository.get(aggregate_id)
    except AggregateNotFoundError:
        return False
    return True
