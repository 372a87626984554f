from django.contrib import admin

from goals.models import Goal


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "description", "status", "importance", "complexity_level", "deadline", "created_at")
    list_filter = ("status", "complexity_level", "importance")
    search_fields = ("description", "user__username")
    raw_id_fields = ("user",)
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "updated_at", "completed_at")
