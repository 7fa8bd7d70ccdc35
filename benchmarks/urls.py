"""The demo's URLs, and two of the benchmark's own: the bare view (the framework's ceiling) and
the state with its cache entry just invalidated (what every request after a change costs)."""

from django.http import JsonResponse
from django.urls import path

from chatgate import cached
from chatgate.api.views import WidgetStateView
from project.urls import urlpatterns as demo

state = WidgetStateView.as_view()


def bare(request):
    return JsonResponse({"status": "online"})


def invalidated_state(request, slug: str):
    cached.bump_state()  # what a status change, an agent back or a chat started does
    return state(request, slug=slug)


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/invalidated/<slug:slug>/", invalidated_state),
    *demo,
]
