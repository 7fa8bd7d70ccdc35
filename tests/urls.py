from django.contrib import admin
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path
from django.utils.translation import get_language

PAGE = """{% load chatgate %}<!doctype html><html lang="{{ lang }}"><head><meta charset="utf-8">
<title>Test page</title></head><body><h1>Shop</h1>{% chatgate_widget slug headless=headless %}</body></html>"""


def page(request, slug: str, headless: bool = False) -> HttpResponse:
    """A host page with the widget on it, rendered by the current engine (TEMPLATES may be overridden)."""
    template = engines["django"].from_string(PAGE)
    context = {"slug": slug, "lang": get_language(), "headless": headless}
    return HttpResponse(template.render(context, request))


urlpatterns = [
    path("admin/", admin.site.urls),
    path("chatgate/", include("chatgate.urls")),
    path("page/<slug:slug>/", page),
    path("headless/<slug:slug>/", page, {"headless": True}),
]
