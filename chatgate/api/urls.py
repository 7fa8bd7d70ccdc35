from django.urls import path

from . import views

urlpatterns = [
    path("widgets/<slug:slug>/state/", views.WidgetStateView.as_view(), name="widget-state"),
]
