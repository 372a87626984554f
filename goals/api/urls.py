from aipal.api.routing import api_path
from goals.api import views

urlpatterns = [
    api_path("users/{user_id}/goals", views.GoalListView.as_view(), "goal-list"),
    api_path("users/{user_id}/goals/{goal_id}", views.GoalDetailView.as_view(), "goal-detail"),
    api_path("users/{user_id}/goals/{goal_id}/complete", views.GoalCompleteView.as_view(), "goal-complete"),
]
