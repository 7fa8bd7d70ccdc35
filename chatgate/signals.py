"""Signals: chatgate's extension points. Each is sent after the transaction commits.

``ticket_created(sender=Ticket, ticket)``
    A visitor's form submission was stored.
``status_changed(sender=Agent, agent, status, previous)``
    An agent set an explicit presence status (``online``, ``away``, ``invisible``, ``offline``).
"""

from django.dispatch import Signal

ticket_created = Signal()
status_changed = Signal()
