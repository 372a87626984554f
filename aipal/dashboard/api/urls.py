from aipal.api.routing import api_path
from aipal.dashboard.api import views

urlpatterns = [
    api_path("users/{user_id}/dashboard", views.DashboardView.as_view(), "dashboard"),
]
