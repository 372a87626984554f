from django.contrib import admin

from aipal.accounts.models import Profile
from aipal.accounts.owned_admin import OwnedAdmin


@admin.register(Profile)
class ProfileAdmin(OwnedAdmin):
    list_display = ("user", "display_name", "learning_style")
    list_filter = ("learning_style",)
    search_fields = ("user__username", "user__email", "display_name")
    raw_id_fields = ("user",)
