"""Background work: notifications leave the visitor's request through Django's tasks framework.

``django.tasks`` on Django 6, the ``django-tasks`` backport on 5.2. The host's
``TASKS`` setting chooses the backend (``CHATGATE_TASK_BACKEND`` names its alias): a database or queue backend with its
worker sends emails outside every request (``chatgate.W005`` warns when the
default immediate backend would send them inside the visitor's request). If
enqueueing fails, the ticket is still committed and waits for
``chatgate_send_notifications``, the safety net run from cron.
"""

from __future__ import annotations

import logging

from .conf import app_settings

try:
    from django.tasks import task
except ImportError:  # Django 5.2
    try:
        from django_tasks import task
    except ImportError:  # reported by the check chatgate.E003
        task = None

logger = logging.getLogger("chatgate")


def notify_ticket(ticket_id: int) -> str:
    """Send a ticket's email (``chatgate.tickets.send_notification``); a task when possible."""
    from .tickets import send_notification  # tickets imports this module

    return send_notification(ticket_id)


if task is not None:
    notify_ticket = task(notify_ticket)  # keeps its name: workers import it by its path


def enqueue_ticket_notification(ticket_id: int) -> None:
    """Queue the ticket's email on ``CHATGATE_TASK_BACKEND``; called after commit. Never raises."""
    try:
        if task is None:
            notify_ticket(ticket_id)
        else:
            notify_ticket.using(backend=app_settings.TASK_BACKEND).enqueue(ticket_id)
    except Exception:
        logger.exception(
            "chatgate: could not queue the notification of ticket %s; "
            "chatgate_send_notifications will send it",
            ticket_id,
        )


def notify_visitor(conversation_id: int, reply_id: int) -> str:
    """Email a visitor the reply they have not seen (``chatgate.conversations.unseen``)."""
    from .conversations import unseen  # conversations imports this module's neighbours

    return unseen.send(conversation_id, reply_id)


if task is not None:
    notify_visitor = task(notify_visitor)


def enqueue_visitor_notification(conversation_id: int, reply_id: int) -> None:
    """Queue the visitor's email; if that fails, the next ``chatgate_tick`` tries again."""
    try:
        if task is None:
            notify_visitor(conversation_id, reply_id)
        else:
            notify_visitor.using(backend=app_settings.TASK_BACKEND).enqueue(
                conversation_id, reply_id
            )
    except Exception:
        from .conversations import unseen

        logger.exception(
            "chatgate: could not queue the email to conversation %s's visitor", conversation_id
        )
        unseen.release(conversation_id, reply_id)
