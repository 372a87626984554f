"""One route, any path under /api/: the same JSON body for every request."""

from django.http import HttpResponse
from django.urls import re_path

# About the size of a goal or a dashboard answer (~500 bytes), rendered once.
BODY = (
    b'{"id":1,"user_id":1,"description":"Write a weekly study plan without help","importance":8,'
    b'"complexity_level":"mini","estimated_value":42.5,"status":"active","deadline":null,'
    b'"created_at":"2026-11-01T10:00:00Z","updated_at":"2026-11-01T10:00:00Z","completed_at":null,'
    b'"progress":{"tasks_total":4,"tasks_completed":1},"note":"' + b"x" * 120 + b'"}'
)


def floor(request, path=""):  # type: ignore[no-untyped-def]
    return HttpResponse(BODY, content_type="application/json")


urlpatterns = [re_path(r"^api/(?P<path>.*)$", floor)]
