"""Text fields take JSON strings only, their length counted as sent (aipal.api.fields.TextField).

The OpenAPI document states ``type: string`` and ``maxLength``; a number where a string
belongs, or a string over the limit before trimming, is a 400 as the document says.
"""

from __future__ import annotations

import pytest

from tests.api.helpers import goals_url, tasks_url

pytestmark = pytest.mark.django_db


def test_a_number_is_not_a_goal_description(api, user):
    response = api.post(goals_url(user.id), {"description": 0}, format="json")

    assert response.status_code == 400
    assert response.json() == {"description": ["Not a valid string."]}


def test_a_number_is_not_a_task_error_message(api, user):
    response = api.post(tasks_url(user.id), {"title": "t", "error_message": 5}, format="json")

    assert response.status_code == 400
    assert response.json() == {"error_message": ["Not a valid string."]}


def test_the_length_limit_counts_surrounding_whitespace(api, user):
    response = api.post(goals_url(user.id), {"description": " " + "a" * 2000}, format="json")

    assert response.status_code == 400
    assert response.json() == {"description": ["Ensure this field has no more than 2000 characters."]}


def test_a_value_at_the_limit_is_taken_and_trimmed(api, user):
    response = api.post(goals_url(user.id), {"description": " " + "a" * 1998 + " "}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["description"] == "a" * 1998


def test_a_profile_text_field_takes_strings_only(api, user):
    response = api.patch(f"/api/users/{user.id}", {"learning_style": 3}, format="json")

    assert response.status_code == 400
    assert response.json() == {"learning_style": ["Not a valid string."]}
