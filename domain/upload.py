from eventsourcing.domain import Aggregate, event

IMAGE, DOCUMENT = "image", "document"


class Upload(Aggregate):
    """A file a user uploaded, to be attached to a message. The bytes live in
    file storage under their sha256; the facts about them live here. A picture
    is a file that decoded as one, so it has a thumbnail; any other file is a
    document."""

    class Stored(Aggregate.Created):
        owner: str
        content_type: str
        size: int
        sha256: str
        has_thumbnail: bool
        name: str = ""  # a default on the event itself: uploads stored before names load

    @event(Stored)
    def __init__(self, owner: str, content_type: str, size: int, sha256: str,
                 has_thumbnail: bool, name: str = ""):
        self.owner = owner
        self.content_type = content_type
        self.size = size
        self.sha256 = sha256
        self.has_thumbnail = has_thumbnail
        self.name = name

    @property
    def kind(self) -> str:
        return kind_of(self.has_thumbnail)


def kind_of(has_thumbnail: bool) -> str:
    return IMAGE if has_thumbnail else DOCUMENT
