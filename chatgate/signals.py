"""Signals: chatgate's extension points. Each is sent after the transaction commits.

``ticket_created(sender=Ticket, ticket)``
    A visitor's form submission was stored (``ticket.conversation`` is set when it
    came from a chat nobody answered; ``ticket.transcript`` holds its messages).
``status_changed(sender=Agent, agent, status, previous)``
    An agent set an explicit presence status (``online``, ``away``, ``invisible``, ``offline``).
``conversation_started(sender=Conversation, conversation)``
    A visitor started a chat; it waits in ``conversation.department``'s queue.
``conversation_accepted(sender=Conversation, conversation, agent)``
    ``agent`` accepted the waiting ``conversation`` (it is now ``active``).
``conversation_closed(sender=Conversation, conversation, by)``
    The chat ended; ``by`` is ``"visitor"``, ``"agent"`` or ``"system"`` (it became a ticket).
``message_created(sender=Message, message)``
    A message was added to ``message.conversation``: ``message.author`` is ``"visitor"``,
    ``"agent"`` or ``"system"`` (an event such as an agent joining; ``message.code`` names it).
"""

from django.dispatch import Signal

ticket_created = Signal()
status_changed = Signal()
conversation_started = Signal()
conversation_accepted = Signal()
conversation_closed = Signal()
message_created = Signal()
