from django.contrib import admin
from django.http import HttpResponse
from django.template import RequestContext, Template
from django.urls import include, path
from django.utils.translation import get_language

PAGE = Template(
    """{% load chatgate %}<!doctype html><html lang="{{ lang }}"><head><meta charset="utf-8">
<title>Test page</title></head><body><h1>Shop</h1>{% chatgate_widget slug %}</body></html>"""
)


def page(request, slug: str) -> HttpResponse:
    """A host page with the widget on it, for the browser tests."""
    return HttpResponse(
        PAGE.render(RequestContext(request, {"slug": slug, "lang": get_language()}))
    )


urlpatterns = [
    path("admin/", admin.site.urls),
    path("chatgate/", include("chatgate.urls")),
    path("page/<slug:slug>/", page),
]
