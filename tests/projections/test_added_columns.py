"""A store whose inbox tables an earlier version made (without the columns
for pins, archive and mentions) gains them when it is opened, and works."""

from domain.application import Messenger
from messenger.store.settings import persistence_env
from projections.added_columns import ADDED_COLUMNS


def test_tables_made_by_an_earlier_version_gain_the_new_columns(app, view, database_url):
    group = app.create_chat("anna", ["boris", "vera"], "Салон").id
    app.post_message(group, "boris", "До обновления")
    with view.datastore.transaction(commit=True) as c:  # the tables as an earlier version made them
        for table, column, _ in ADDED_COLUMNS:
            c.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    app.close()
    again = Messenger(persistence_env(database_url))
    try:
        again.post_message(group, "anna", "После, @vera")
        again.pin_chat("vera", group, True)
        [chat] = [chat for chat in again.recorder.inbox.view.chat_list("vera")
                  if chat.chat_id == str(group)]
        assert (chat.unread, chat.mentions_unread, chat.pinned, chat.archived) == (
            2, 1, True, False)
        messages = again.recorder.inbox.view.messages(str(group))
        assert [message.mentions for message in messages] == [(), ("vera",)]
    finally:
        again.close()
