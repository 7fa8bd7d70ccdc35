from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatgateConfig(AppConfig):
    name = "chatgate"
    verbose_name = _("Chat availability")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401  (registers checks and receivers)
