"""What can go wrong with a command, in the product's words."""


class MessengerError(Exception):
    """A command was refused; nothing was stored."""


class ChatNotFoundError(MessengerError):
    """No such chat for this user: it may exist, but they are not in it."""


class MessageNotFoundError(MessengerError):
    """No such message in this chat."""


class UploadNotFoundError(MessengerError):
    """No such upload of this user's to attach."""


class ForbiddenError(MessengerError):
    """The user is in the chat but may not do this."""


class NotChatAdminError(ForbiddenError):
    """Only the group's admin may do this."""


class SystemChatError(ForbiddenError):
    """System chats cannot be renamed, deleted or left."""


class ReadOnlyChatError(ForbiddenError):
    """Notification chats are written by the system only."""


class InvalidChatError(MessengerError):
    """The chat asked for cannot be made (for example, with nobody else in it)."""


class GroupTooLargeError(InvalidChatError):
    """A group would have more members than the configured maximum."""


class TooManyNewUsersError(GroupTooLargeError):
    """One request would register more unknown users than the configured maximum."""


class SystemIdentityError(MessengerError):
    """The support side and the bookings sender are not users: they cannot
    connect, be registered, or be made a member of a chat by anyone."""


class TooManyReactionsError(MessengerError):
    """One user would put more different emoji on a message than allowed."""


class DuplicateSourceError(MessengerError):
    """An outside id (a booking event_id) was already used for something else."""


class InvalidMentionError(MessengerError):
    """A mention names someone not in the chat, or is made outside a group."""
