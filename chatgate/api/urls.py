from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from . import conversation_views as chats
from . import docs, views

#: A visitor's token (``secrets.token_urlsafe``); anything else is a 404 before any lookup.
TOKEN = "[-A-Za-z0-9_]{20,100}"

router = SimpleRouter()
router.register("schedules", views.ScheduleViewSet, basename="schedule")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("agents", views.AgentViewSet, basename="agent")
router.register("widgets", views.WidgetViewSet, basename="widget")
router.register("forms", views.FormViewSet, basename="form")
router.register("tickets", views.TicketViewSet, basename="ticket")

urlpatterns = [
    path("widgets/<slug:slug>/state/", views.WidgetStateView.as_view(), name="widget-state"),
    path("widgets/<slug:slug>/tickets/", views.TicketCreateView.as_view(), name="widget-tickets"),
    path(
        "widgets/<slug:slug>/conversations/",
        chats.ConversationStartView.as_view(),
        name="widget-conversations",
    ),
    re_path(
        rf"^conversations/(?P<token>{TOKEN})/messages/$",
        chats.VisitorMessagesView.as_view(),
        name="conversation-messages",
    ),
    re_path(
        rf"^conversations/(?P<token>{TOKEN})/close/$",
        chats.VisitorCloseView.as_view(),
        name="conversation-close",
    ),
    path("agent/conversations/", chats.AgentQueueView.as_view(), name="agent-conversations"),
    path(
        "agent/conversations/<int:pk>/accept/",
        chats.AgentAcceptView.as_view(),
        name="agent-conversation-accept",
    ),
    path(
        "agent/conversations/<int:pk>/messages/",
        chats.AgentMessagesView.as_view(),
        name="agent-conversation-messages",
    ),
    path(
        "agent/conversations/<int:pk>/close/",
        chats.AgentCloseView.as_view(),
        name="agent-conversation-close",
    ),
    path("agent/status/", views.AgentStatusView.as_view(), name="agent-status"),
    path("agent/heartbeat/", views.AgentHeartbeatView.as_view(), name="agent-heartbeat"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", docs.api_docs, name="docs"),
    *router.urls,
    re_path(r"^(?P<path>[\s\S]*/)\Z", views.not_found),
]
