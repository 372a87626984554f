"""Routes of the system endpoints (with and without a trailing slash)."""

from aipal.api.routing import api_path
from cachehealth import views

urlpatterns = [
    api_path("system/cache-health", views.CacheHealthView.as_view(), "cache-health"),
    api_path("health", views.HealthView.as_view(), "health"),
]
