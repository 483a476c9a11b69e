"""What a user decides about their own presence: a use case."""

from eventsourcing.application import AggregateNotFoundError

from domain import ids
from domain.saving import Saved, SavingApplication


class PresenceUseCases(SavingApplication):
    def _new_user(self, user_id: str, name: str) -> list:
        raise NotImplementedError  # the Messenger's

    def set_presence_visible(self, user_id: str, visible: bool) -> Saved:
        """Stored only when it changes; a user not registered yet is registered."""
        def setting():
            try:
                user = self.repository.get(ids.user_id(user_id))
            except AggregateNotFoundError:
                aggregates = self._new_user(user_id, "")
                aggregates[0].show_presence(visible)
                return ids.user_id(user_id), aggregates
            user.show_presence(visible)
            return user.id, [user]

        return self._save(setting)
