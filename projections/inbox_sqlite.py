from eventsourcing.sqlite import SQLiteTrackingRecorder

from projections.inbox_view import TABLES, InboxView


class SQLiteInboxView(InboxView, SQLiteTrackingRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *TABLES]
