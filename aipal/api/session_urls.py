"""DRF's session login and logout for the browsable API (``/api-auth/``), the login behind
the same throttles as the admin's login form (``throttled_login``).

The namespace is DRF's own (``rest_framework``): the browsable API's pages reverse
``rest_framework:login`` and ``rest_framework:logout`` to show their links.
"""

from django.contrib.auth import views as auth_views
from django.urls import re_path

from aipal.api.throttling import throttled_login

app_name = "rest_framework"

urlpatterns = [
    re_path(
        r"^login/?$",
        throttled_login(auth_views.LoginView.as_view(template_name="rest_framework/login.html")),
        name="login",
    ),
    re_path(r"^logout/?$", auth_views.LogoutView.as_view(), name="logout"),
]
