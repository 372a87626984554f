"""Root URLconf: admin, the API (one include per app), its root, schema, docs, browsable API login and metrics."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from aipal.api.docs import RedocView, SwaggerView
from aipal.api.root import ApiRootView
from aipal.api.routing import api_path
from aipal.api.throttling import throttled_login
from cachehealth.metrics import metrics_view

handler400 = "aipal.api.exceptions.bad_request"
handler403 = "aipal.api.exceptions.permission_denied"
handler404 = "aipal.api.exceptions.not_found"
handler500 = "aipal.api.exceptions.server_error"

urlpatterns = [
    # The admin's login form, behind the same login throttle as the token login.
    path("admin/login/", throttled_login(admin.site.login)),
    # The admin cache page (staff only, through admin.site.admin_view): before the admin's catch-all.
    path("admin/cache/", include("cachehealth.admin_urls")),
    path("admin/", admin.site.urls),
    # The browsable API's session login (throttled like the admin's) and logout.
    path("api-auth/", include("aipal.api.session_urls")),
    path("", RedirectView.as_view(url="/api/"), name="home"),
    re_path(r"^api/?$", ApiRootView.as_view(), name="api-root"),
    path("", include("aipal.accounts.api.urls")),
    path("", include("ari.api.urls")),
    path("", include("goals.api.urls")),
    path("", include("tasks.api.urls")),
    path("", include("aipal.dashboard.api.urls")),
    path("", include("cachehealth.urls")),
    api_path("schema", SpectacularAPIView.as_view(throttle_classes=[]), "schema"),
    # The docs pages send a Content-Security-Policy allowing this origin only (aipal.api.docs).
    api_path("docs", SwaggerView.as_view(url_name="schema", throttle_classes=[]), "docs"),
    api_path(
        "redoc",
        RedocView.as_view(url_name="schema", template_name="aipal/redoc.html", throttle_classes=[]),
        "redoc",
    ),
    re_path(r"^metrics/?$", metrics_view, name="prometheus-django-metrics"),
]
