from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("", TemplateView.as_view(template_name="shop/home.html"), name="home"),
    path("product/", TemplateView.as_view(template_name="shop/product.html"), name="product"),
    path("gate/", TemplateView.as_view(template_name="shop/gate.html"), name="gate"),
    # The widget in messaging mode: threads that never end, answered when someone is back.
    path("messages/", TemplateView.as_view(template_name="shop/messages.html"), name="messages"),
    path("admin/", admin.site.urls),
    path("chatgate/", include("chatgate.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # the language switcher's set_language
]
