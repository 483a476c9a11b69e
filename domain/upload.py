from eventsourcing.domain import Aggregate, event


class Upload(Aggregate):
    """A file a user uploaded, to be attached to a message. The bytes live in
    file storage under the upload's id; the facts about them live here."""

    @event("Stored")
    def __init__(self, owner: str, content_type: str, size: int, sha256: str,
                 has_thumbnail: bool):
        self.owner = owner
        self.content_type = content_type
        self.size = size
        self.sha256 = sha256
        self.has_thumbnail = has_thumbnail
