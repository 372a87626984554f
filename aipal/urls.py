"""Root URLconf: admin, the API (one include per app), schema, docs and metrics."""

from django.contrib import admin
from django.urls import include, path, re_path
from django_prometheus import exports
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from aipal.api.routing import api_path
from aipal.api.throttling import throttled_login

handler400 = "aipal.api.exceptions.bad_request"
handler403 = "aipal.api.exceptions.permission_denied"
handler404 = "aipal.api.exceptions.not_found"
handler500 = "aipal.api.exceptions.server_error"

urlpatterns = [
    # The admin's login form, behind the same login throttle as the token login.
    path("admin/login/", throttled_login(admin.site.login)),
    path("admin/", admin.site.urls),
    path("", include("aipal.accounts.api.urls")),
    path("", include("ari.api.urls")),
    path("", include("goals.api.urls")),
    path("", include("tasks.api.urls")),
    path("", include("aipal.dashboard.api.urls")),
    path("", include("cachehealth.urls")),
    api_path("schema", SpectacularAPIView.as_view(throttle_classes=[]), "schema"),
    api_path("docs", SpectacularSwaggerView.as_view(url_name="schema", throttle_classes=[]), "docs"),
    re_path(r"^metrics/?$", exports.ExportToDjangoView, name="prometheus-django-metrics"),
]
