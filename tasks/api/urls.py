from aipal.api.routing import api_path
from tasks.api import views

urlpatterns = [
    api_path("users/{user_id}/tasks", views.TaskListView.as_view(), "task-list"),
    api_path("users/{user_id}/tasks/{task_id}", views.TaskDetailView.as_view(), "task-detail"),
]
