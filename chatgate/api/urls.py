from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from . import docs, views

router = SimpleRouter()
router.register("schedules", views.ScheduleViewSet, basename="schedule")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("agents", views.AgentViewSet, basename="agent")
router.register("widgets", views.WidgetViewSet, basename="widget")

urlpatterns = [
    path("widgets/<slug:slug>/state/", views.WidgetStateView.as_view(), name="widget-state"),
    path("widgets/<slug:slug>/tickets/", views.TicketCreateView.as_view(), name="widget-tickets"),
    path("agent/status/", views.AgentStatusView.as_view(), name="agent-status"),
    path("agent/heartbeat/", views.AgentHeartbeatView.as_view(), name="agent-heartbeat"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", docs.api_docs, name="docs"),
    *router.urls,
    re_path(r"^(?P<path>[\s\S]*/)\Z", views.not_found),
]
