from django.contrib import admin

from tasks.models import Task


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "title", "status", "priority", "task_type", "goal", "attempts", "created_at")
    list_filter = ("status", "task_type", "priority")
    search_fields = ("title", "user__username", "error_message")
    raw_id_fields = ("user", "goal")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "started_at", "completed_at")
