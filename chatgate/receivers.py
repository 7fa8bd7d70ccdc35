"""Signal receivers: any configuration change invalidates the cached snapshots and states;
a conversation saved (started, for one) invalidates the cached states."""

from django.contrib.auth import get_user_model
from django.core.signals import setting_changed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from . import agent_sessions, cached, models, store

CONFIGURATION = (
    models.Agent,  # the cached roster: capacity, departments
    models.Schedule,
    models.WeeklyRange,
    models.ScheduleException,
    models.Department,
    models.Widget,
    models.Form,
    models.FormField,
)
#: Their texts per language (django-parler's translation tables).
TEXTS = tuple(
    model._parler_meta.root_model
    for model in (models.Department, models.Widget, models.Form, models.FormField)
)


@receiver(post_save)
@receiver(post_delete)
def configuration_changed(sender, **kwargs) -> None:
    if sender in CONFIGURATION or sender in TEXTS:
        cached.invalidate()
    elif sender is models.Conversation:
        cached.state_changed()  # its agents' load and its department's queue


@receiver(post_save)
@receiver(post_delete)
def agent_user_changed(sender, instance, **kwargs) -> None:
    """A heartbeat's copy of the user and its agent profile is not used again
    (``agent_sessions``); proxies and subclasses of either count."""
    if issubclass(sender, models.Agent):
        agent_sessions.forget(instance.user_id)
    elif issubclass(sender, get_user_model()):
        agent_sessions.forget(instance.pk)


@receiver(pre_save)
def agent_moved(sender, instance, **kwargs) -> None:
    """An agent profile given to another user: its former user's copy goes too."""
    if issubclass(sender, models.Agent) and instance.pk is not None:
        before = models.Agent.objects.filter(pk=instance.pk).values_list("user_id", flat=True)
        former = before.first()
        if former is not None and former != instance.user_id:
            agent_sessions.forget(former)


@receiver(m2m_changed, sender=models.Widget.departments.through)
@receiver(m2m_changed, sender=models.Agent.departments.through)
def memberships_changed(sender, **kwargs) -> None:
    cached.invalidate()


@receiver(setting_changed)
def cache_settings_changed(setting, **kwargs) -> None:
    if setting in ("CACHES", "CHATGATE_CACHE"):
        store.reset()  # copies and failures belonged to the previous cache
