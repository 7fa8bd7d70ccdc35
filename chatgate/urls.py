"""Include with ``path("chatgate/", include("chatgate.urls"))``; namespace ``chatgate``."""

from django.urls import include, path

app_name = "chatgate"

urlpatterns = [
    path("api/", include("chatgate.api.urls")),
]
