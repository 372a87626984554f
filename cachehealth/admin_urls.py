"""The admin cache page's routes, mounted at ``/admin/cache/`` (see ``aipal.urls``), staff only.

Each view goes through ``admin.site.admin_view``: anonymous and non-staff users are sent
to the admin login, POSTs need a CSRF token, and the admin's templates get its context.
"""

from django.contrib import admin
from django.urls import path, re_path

from cachehealth import admin_views

app_name = "cacheadmin"

urlpatterns = [
    path("", admin.site.admin_view(admin_views.cache_overview), name="overview"),
    path("user/", admin.site.admin_view(admin_views.cache_user), name="user"),
    re_path(r"^flush/(?P<scope>user|family|all)/$", admin.site.admin_view(admin_views.cache_flush), name="flush"),
]
