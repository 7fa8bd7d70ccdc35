"""The URLconf the OpenAPI schema describes: chatgate's API under ``api/``, whatever the site's prefix."""

from django.urls import include, path

urlpatterns = [path("api/", include("chatgate.api.urls"))]
