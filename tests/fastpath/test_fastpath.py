"""The WSGI fast path answers cached hits as the views would, byte for byte, with one
Redis round trip and no SQL; everything else goes through Django unchanged."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.test import TestCase
from django.utils import timezone

from aipal.accounts import tokens
from aipal.accounts.tokens import issue
from aipal.cache import client, keys
from aipal.fastpath import app
from tests.topology import generations_key, key_names
from tests.wsgi_client import WSGIClient, answered_by_fast_path, fast_path_count

pytestmark = pytest.mark.django_db


def warm(wsgi: WSGIClient, url: str) -> None:
    """A first read fills the entry (and the token's record); the second is then a fast-path hit."""
    first = wsgi.get(url)
    assert first.status == 200 and first.header("X-Cache") in ("MISS", "HIT"), (url, first)


def test_every_cached_route_answers_as_the_view_does(token, cached_urls):
    fast, view = WSGIClient(token=token), WSGIClient(token=token, fast_path=False)
    for url in cached_urls:
        warm(fast, url)
        by_view = view.get(url)
        by_fast_path = answered_by_fast_path(fast, url)
        assert (by_view.status, by_view.header("X-Cache")) == (200, "HIT"), url
        assert by_fast_path.headers == by_view.headers, url
        assert by_fast_path.body == by_view.body, url


def drop_entries(user_id: int) -> None:
    """Delete the user's cached responses (not the generations, not the token records)."""
    r = client.redis_client()
    for key in client.scan_keys(keys.user_key_pattern(user_id)):  # this run's keys only
        if not key.endswith(b":gen") and b":auth?" not in key:
            r.delete(key)


def _without_generated_at(body: bytes) -> object:
    data = json.loads(body)
    return {k: v for k, v in data.items() if k != "generated_at"} if isinstance(data, dict) else data


def test_a_miss_answered_here_is_the_views_miss(token, user, cached_urls):
    fast, view = WSGIClient(token=token), WSGIClient(token=token, fast_path=False)
    warm(fast, cached_urls[0])  # the token's record
    for url in cached_urls:
        drop_entries(user.id)
        by_view = view.get(url)
        drop_entries(user.id)
        before = fast_path_count("loaded")
        by_fast_path = fast.get(url)
        assert fast_path_count("loaded") == before + 1, url
        assert (by_view.status, by_view.header("X-Cache")) == (by_fast_path.status, "MISS") == (200, "MISS"), url
        assert _without_generated_at(by_fast_path.body) == _without_generated_at(by_view.body), url
        volatile = {"ETag", "Content-Length"} if b"generated_at" in by_view.body else set()
        assert [h for h in by_fast_path.headers if h[0] not in volatile] == [
            h for h in by_view.headers if h[0] not in volatile
        ], url
        answered_by_fast_path(fast, url)  # and it was stored


def test_a_miss_the_view_must_answer_goes_to_the_view(wsgi, user):
    warm(wsgi, f"/api/users/{user.id}/goals")
    response = wsgi.get(f"/api/users/{user.id}/ari")  # no snapshot: 404, which is the view's to answer
    assert response.status == 404 and response.json() == {"detail": "No ARI snapshot yet."}


def test_a_conditional_read_answers_304_as_the_view_does(token, cached_urls):
    fast, view = WSGIClient(token=token), WSGIClient(token=token, fast_path=False)
    for url in cached_urls:
        warm(fast, url)
        etag = fast.get(url).header("ETag")
        for if_none_match in (etag, f'"x", W/{etag}', "*"):
            by_view = view.get(url, HTTP_IF_NONE_MATCH=if_none_match)
            by_fast_path = answered_by_fast_path(fast, url, HTTP_IF_NONE_MATCH=if_none_match)
            assert by_view.status == by_fast_path.status == 304, (url, if_none_match)
            assert by_fast_path.headers == by_view.headers
            assert by_fast_path.body == by_view.body == b""
        assert fast.get(url, HTTP_IF_NONE_MATCH='"other"').status == 200


def test_a_hit_costs_no_sql_and_one_redis_round_trip(wsgi, user, django_assert_num_queries, redis_round_trips):
    url = f"/api/users/{user.id}/dashboard"
    warm(wsgi, url)
    redis_round_trips.clear()
    with django_assert_num_queries(0):
        response = answered_by_fast_path(wsgi, url)
    assert response.header("X-Cache") == "HIT"
    assert len(redis_round_trips) == 1


def test_a_miss_the_fast_path_saw_runs_only_its_data_query(
    wsgi, user, data, django_assert_num_queries, redis_round_trips
):
    warm(wsgi, f"/api/users/{user.id}/goals")  # the token's record is filled on the way
    redis_round_trips.clear()
    with django_assert_num_queries(1):  # the goal; the token was checked in Redis
        response = wsgi.get(f"/api/users/{user.id}/goals/{data['goal'].id}")
    assert (response.status, response.header("X-Cache")) == (200, "MISS")
    assert response.json()["id"] == data["goal"].id
    assert len(redis_round_trips) == 2  # the fast path's call (which took the fill lock), the fill
    answered_by_fast_path(wsgi, f"/api/users/{user.id}/goals/{data['goal'].id}")


def test_a_write_changes_the_body_and_the_etag(wsgi, user, data):
    url = f"/api/users/{user.id}/goals/{data['goal'].id}"
    warm(wsgi, url)
    before = answered_by_fast_path(wsgi, url)
    patched = wsgi.request("PATCH", url, '{"description": "changed"}')
    assert patched.status == 200
    after = wsgi.get(url)
    assert after.header("X-Cache") == "MISS" and after.json()["description"] == "changed"
    assert after.header("ETag") != before.header("ETag")
    assert wsgi.get(url, HTTP_IF_NONE_MATCH=before.header("ETag")).status == 200


def test_the_token_record_is_filled_on_first_use_and_holds_no_token(wsgi, token, user):
    url = f"/api/users/{user.id}/goals"
    wsgi.get(url)  # fills the entry; the token had no record yet: the view fills it
    answered_by_fast_path(wsgi, url)
    r = client.redis_client()
    for key in r.scan_iter(match="*"):
        assert token not in key.decode()
        if r.type(key) == b"string":
            assert token.encode() not in r.get(key)


@pytest.mark.parametrize(("token_ttl", "longest_ms"), [(None, 60_000), (timedelta(seconds=20), 20_000)])
def test_a_token_record_lives_a_minute_at_most_and_never_past_its_token(user, settings, token_ttl, longest_ms):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": token_ttl}
    token = issue(user)[0]
    WSGIClient(token=token).get(f"/api/users/{user.id}/goals")  # the view fills the record
    ttl_ms = client.redis_client().pttl(key_names(tokens.record_key(user.id, token)).entry)
    assert longest_ms - 5_000 < ttl_ms <= longest_ms


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ACCEPT": "text/html"},
        {"HTTP_ACCEPT": "application/json; indent=4"},
        {"HTTP_COOKIE": "sessionid=x"},
        {"HTTP_IF_MODIFIED_SINCE": "Wed, 21 Oct 2015 07:28:00 GMT"},
    ],
    ids=["browsable-api", "json-with-parameters", "cookie", "if-modified-since"],
)
def test_requests_it_does_not_handle_go_to_the_view(wsgi, user, headers):
    url = f"/api/users/{user.id}/goals"
    warm(wsgi, url)
    before = fast_path_count("hit")
    response = wsgi.get(url, **headers)
    assert response.status == 200
    assert fast_path_count("hit") == before


def test_the_browsable_api_is_never_served_from_the_cache(wsgi, user):
    url = f"/api/users/{user.id}/goals"
    warm(wsgi, url)
    for response in (wsgi.get(url, HTTP_ACCEPT="text/html"), wsgi.get(f"{url}?format=api")):
        assert response.status == 200
        assert response.header("Content-Type").startswith("text/html")
        assert response.header("X-Cache") is None


def test_an_invalid_query_string_is_the_views_400(wsgi, user):
    url = f"/api/users/{user.id}/goals"
    warm(wsgi, url)
    response = wsgi.get(f"{url}?limit=0")
    assert response.status == 400 and "limit" in response.json()


def test_another_users_path_is_403_and_leaves_no_record_there(wsgi, user, other_user):
    other_token = issue(other_user)[0]
    url = f"/api/users/{other_user.id}/goals"
    warm(WSGIClient(token=other_token), url)
    for _ in range(2):
        assert wsgi.get(url).status == 403
    pattern = keys.user_key_pattern(other_user.id).removesuffix("*") + "auth*"
    records = {key.decode() for key in client.scan_keys(pattern)}
    assert records == {key_names(tokens.record_key(other_user.id, other_token)).entry}


def test_staff_read_another_users_data_through_the_view(staff_user, user):
    staff = WSGIClient(token=issue(staff_user)[0])
    url = f"/api/users/{user.id}/goals"
    assert staff.get(url).status == 200
    response = staff.get(url)
    assert (response.status, response.header("X-Cache")) == (200, "HIT")
    assert staff.get("/api/users/999999/goals").status == 404


@pytest.mark.parametrize("token_value", ["0" * 64, "not-a-token", "é"])
def test_unknown_tokens_are_401_with_www_authenticate(user, token_value):
    wsgi = WSGIClient(token=token_value)
    response = wsgi.get(f"/api/users/{user.id}/goals")
    assert response.status == 401 and response.header("WWW-Authenticate") == "Token"


def test_a_logout_is_401_on_the_very_next_cached_read(wsgi, user):
    url = f"/api/users/{user.id}/goals"
    warm(wsgi, url)
    answered_by_fast_path(wsgi, url)
    assert wsgi.request("POST", "/api/auth/logout/").status == 204
    response = wsgi.get(url)
    assert response.status == 401 and response.header("WWW-Authenticate") == "Token"


def test_logout_of_one_token_keeps_the_others_on_the_fast_path(wsgi, user):
    url = f"/api/users/{user.id}/goals"
    warm(wsgi, url)
    other_device = WSGIClient(token=issue(user)[0])
    other_device.get(url)
    assert other_device.request("POST", "/api/auth/logout/").status == 204
    assert wsgi.get(url).status == 200  # its record was dropped with the others', then refilled
    answered_by_fast_path(wsgi, url)


@pytest.mark.parametrize("change", ["password", "deactivate"])
def test_a_new_password_or_deactivation_is_401_on_the_very_next_cached_read(wsgi, user, change):
    url = f"/api/users/{user.id}/goals"
    warm(wsgi, url)
    answered_by_fast_path(wsgi, url)
    with TestCase.captureOnCommitCallbacks(execute=True):
        if change == "password":
            user.set_password("a-whole-new-password-1")
            user.save()
        else:
            user.is_active = False
            user.save()
            user.is_active = True  # back again: its tokens stay revoked
            user.save()
    assert wsgi.get(url).status == 401


def test_an_expired_token_is_401_on_the_very_next_cached_read(wsgi, user, monkeypatch):
    url = f"/api/users/{user.id}/goals"
    warm(wsgi, url)
    answered_by_fast_path(wsgi, url)
    # Two days on (TOKEN_TTL_HOURS is 24) for the app, not for Redis, whose entries must still be there.
    later = time.time() + 2 * 86400
    monkeypatch.setattr(app, "time", SimpleNamespace(time=lambda: later, perf_counter=time.perf_counter))
    monkeypatch.setattr(timezone, "now", lambda: datetime.fromtimestamp(later, UTC))
    before = fast_path_count("refused_token")
    response = wsgi.get(url)
    assert response.status == 401 and response.header("WWW-Authenticate") == "Token"
    assert fast_path_count("refused_token") == before + 1


def test_a_bad_host_is_the_stacks_400(wsgi, user):
    url = f"/api/users/{user.id}/goals"
    warm(wsgi, url)
    assert wsgi.get(url, HTTP_HOST="evil.example").status == 400


def test_an_ssl_redirect_is_the_stacks(token, user, settings):
    url = f"/api/users/{user.id}/goals"
    warm(WSGIClient(token=token), url)
    settings.SECURE_SSL_REDIRECT = True
    response = WSGIClient(token=token).get(url)
    assert response.status == 301 and response.header("Location").startswith("https://")
    secure = WSGIClient(token=token).get(url, **{"wsgi.url_scheme": "https"})
    assert (secure.status, secure.header("X-Cache")) == (200, "HIT")


def test_with_the_cache_off_the_view_answers_bypass(wsgi, user, settings):
    url = f"/api/users/{user.id}/goals"
    warm(wsgi, url)
    settings.AIPAL_CACHE = {**settings.AIPAL_CACHE, "ENABLED": False}
    assert wsgi.get(url).header("X-Cache") == "BYPASS"


def test_with_redis_down_the_view_answers_bypass(wsgi, user, dead_redis):
    response = wsgi.get(f"/api/users/{user.id}/goals")
    assert (response.status, response.header("X-Cache")) == (200, "BYPASS")


def test_unknown_middleware_turns_the_fast_path_off(wsgi, user, settings):
    url = f"/api/users/{user.id}/goals"
    warm(wsgi, url)
    answered_by_fast_path(wsgi, url)
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django.middleware.gzip.GZipMiddleware"]
    before = fast_path_count("hit")
    assert wsgi.get(url).status == 200  # the same running application
    assert fast_path_count("hit") == before


def test_prepend_www_is_the_stacks(wsgi, user, settings):
    url = f"/api/users/{user.id}/goals"
    warm(wsgi, url)
    settings.PREPEND_WWW = True
    before = fast_path_count("hit")
    response = wsgi.get(url)
    assert fast_path_count("hit") == before
    assert (response.status, response.header("Location")) == (301, f"http://www.localhost{url}")


def test_fast_path_requests_are_counted_in_the_request_metrics(wsgi, user):
    from prometheus_client import REGISTRY

    def samples() -> dict:
        """The request series; of a histogram, its count and sum (which bucket a latency
        falls in depends on the machine's speed)."""
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for m in REGISTRY.collect()
            if m.name.startswith("django_http")
            for s in m.samples
            if "le" not in s.labels
        }

    url = f"/api/users/{user.id}/goals"
    warm(wsgi, url)
    view = WSGIClient(token=wsgi.token, fast_path=False)
    start = samples()
    view.get(url)
    by_view = samples()
    answered_by_fast_path(wsgi, url)
    by_fast_path = samples()
    changed_by_view = {k for k in by_view if by_view[k] != start.get(k)}
    changed_by_fast_path = {k for k in by_fast_path if by_fast_path[k] != by_view.get(k)}
    assert changed_by_view
    assert changed_by_fast_path == changed_by_view


def test_a_request_with_no_valid_token_leaves_no_lasting_key(user, token):
    """Any token, valid or not, may name any user id: the generation hash the fast path
    creates for it lives only as long as a token record, until a real read keeps it."""
    from aipal.cache.keys import TOKEN_RECORD_TTL_SECONDS

    redis = client.redis_client()
    unknown = generations_key(987654)
    assert WSGIClient(token="f" * 64).get("/api/users/987654/dashboard").status == 401
    assert 0 < redis.ttl(unknown) <= TOKEN_RECORD_TTL_SECONDS

    own = generations_key(user.id)
    assert WSGIClient(token=token).get(f"/api/users/{user.id}/dashboard").status == 200
    assert redis.ttl(own) > client.GENERATION_TTL_SECONDS - 60  # kept by the read that filled an entry
