from django.contrib import admin

from aipal.accounts.models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "display_name", "learning_style")
    list_filter = ("learning_style",)
    search_fields = ("user__username", "user__email", "display_name")
    raw_id_fields = ("user",)
