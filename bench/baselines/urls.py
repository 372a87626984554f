"""The benchmarked routes, spelled as the API spells them (trailing slash optional)."""

from django.urls import re_path

from bench.baselines import views

ID = r"[1-9][0-9]{0,17}"
USER = rf"^api/users/(?P<user_id>{ID})"

urlpatterns = [
    re_path(r"^api/health/?$", views.health),
    re_path(rf"{USER}/?$", views.Profile.as_view()),
    re_path(rf"{USER}/ari/?$", views.AriLatest.as_view()),
    re_path(rf"{USER}/ari/history/?$", views.AriHistory.as_view()),
    re_path(rf"{USER}/predictions/?$", views.Predictions.as_view()),
    re_path(rf"{USER}/dashboard/?$", views.Dashboard.as_view()),
    re_path(rf"{USER}/goals/?$", views.Goals.as_view()),
    re_path(rf"{USER}/goals/(?P<goal_id>{ID})/?$", views.Goal.as_view()),
    re_path(rf"{USER}/tasks/?$", views.Tasks.as_view()),
    re_path(rf"{USER}/tasks/(?P<task_id>{ID})/?$", views.Task.as_view()),
]
