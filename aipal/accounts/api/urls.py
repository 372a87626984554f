from aipal.accounts.api import views
from aipal.api.routing import api_path

urlpatterns = [
    api_path("auth/token", views.TokenView.as_view(), "auth-token"),
    api_path("auth/logout", views.LogoutView.as_view(), "auth-logout"),
    api_path("users", views.UserCreateView.as_view(), "user-create"),
    api_path("users/me", views.MeView.as_view(), "user-me"),
    api_path("users/{user_id}", views.ProfileView.as_view(), "user-profile"),
]
