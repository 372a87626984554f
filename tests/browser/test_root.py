"""The API root lists the endpoints (JSON, or the browsable API in a browser); / leads to it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.urls import resolve

from aipal.api.root import ENDPOINTS, USER_ENDPOINTS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/", "/api"])
def test_the_root_lists_every_endpoint_without_credentials(anon_api, url):
    response = anon_api.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    links = response.json()
    assert set(links) == set(ENDPOINTS) | set(USER_ENDPOINTS)
    assert links["docs"] == "http://testserver/api/docs"
    assert links["goals"] == "http://testserver/api/users/{user_id}/goals"
    for name in ENDPOINTS:
        resolve(urlsplit(links[name]).path)  # raises Resolver404 for a link to nowhere


def test_a_signed_in_user_sees_their_own_urls(api, user):
    links = api.get("/api/").json()
    assert links["dashboard"] == f"http://testserver/api/users/{user.id}/dashboard"
    for name in USER_ENDPOINTS:
        assert resolve(urlsplit(links[name]).path).kwargs == {"user_id": str(user.id)}
        assert api.get(links[name]).status_code in (200, 404)  # 404: no ARI snapshot yet


def test_the_root_is_browsable(client):
    page = client.get("/api/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert b"/api/users/{user_id}/goals" in page.content
    assert b"href='/api-auth/login?next=/api/'" in page.content  # the browsable API's "Log in" link


@pytest.mark.parametrize("method", ["get", "head"])
def test_the_site_root_redirects_to_the_api_root(client, method):
    response = getattr(client, method)("/")
    assert (response.status_code, response["Location"]) == (302, "/api/")


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_root_is_private_and_varies_on_the_credentials(anon_api, api, signed_in):
    """The body names the caller's id: a shared cache must neither keep it nor serve it to another."""
    response = (api if signed_in else anon_api).get("/api/")
    assert response.status_code == 200
    vary = {name.strip().lower() for name in response["Vary"].split(",")}
    assert {"accept", "authorization", "cookie"} <= vary
    assert "private" in {part.strip() for part in response["Cache-Control"].split(",")}
