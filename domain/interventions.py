"""An operator's use case: a follower told to pass over an event it cannot process."""

from uuid import UUID

from domain import ids
from domain.intervention import Intervention
from domain.saving import Saved, SavingApplication


class InterventionUseCases(SavingApplication):
    def skip_event(self, follower: str, position: int, event_type: str, chat_id: UUID | None,
                   by: str, reason: str) -> Saved:
        """An operator tells a follower of the events to pass over the one it
        cannot process. Asking again for the same event changes nothing."""
        def skipping():
            about = ids.skipped_event_id(follower, position)
            if self._exists(about):
                return about, []
            return about, [Intervention(follower=follower, position=position,
                                        event_type=event_type, chat_id=chat_id, by=by,
                                        reason=reason)]

        return self._save(skipping)
