from projections.inbox_view import InboxView
from projections.sql_view import PostgresView

CHANNEL = "messenger_inbox"


class PostgresInboxView(PostgresView, InboxView):
    def _announce(self, c, head: int) -> None:
        # Delivered to every listener when, and only if, the batch commits.
        self._run(c, "SELECT pg_notify(:channel, :head)", channel=CHANNEL, head=str(head))
