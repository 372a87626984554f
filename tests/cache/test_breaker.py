"""The circuit breaker: opens after consecutive failures, backs off exponentially, and
never makes one thread's call wait for another's."""

from __future__ import annotations

import threading
import time

import pytest

from aipal.cache import client
from aipal.cache.client import guard

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_breaker(settings):
    settings.AIPAL_CACHE = {
        **settings.AIPAL_CACHE,
        "BREAKER_FAIL_MAX": 2,
        "BREAKER_RESET_SECONDS": 0.05,
        "BREAKER_MAX_RESET_SECONDS": 0.2,
    }
    client.reset_breaker()
    yield client.breaker()
    client.reset_breaker()


def _failing(r):  # type: ignore[no-untyped-def]
    raise ConnectionError("down")


def _fail(times: int) -> None:
    for _ in range(times):
        with pytest.raises(client.CacheUnavailable):
            client.guarded(_failing)


def test_opens_after_consecutive_failures_and_rests(fast_breaker):
    _fail(2)
    assert fast_breaker.current_state == "open"
    assert client.breaker_resting()
    calls = []
    with pytest.raises(client.CacheUnavailable):
        client.guarded(lambda r: calls.append(1))
    assert calls == []  # while resting, Redis is not even tried


def test_each_failed_trial_doubles_the_pause_up_to_the_ceiling_and_success_resets_it(fast_breaker):
    _fail(2)
    pauses = [fast_breaker.reset_timeout]
    for _ in range(4):
        time.sleep(fast_breaker.reset_timeout + 0.02)
        _fail(1)  # the half-open trial fails
        pauses.append(fast_breaker.reset_timeout)
    assert pauses == [0.05, 0.1, 0.2, 0.2, 0.2]
    time.sleep(fast_breaker.reset_timeout + 0.02)
    assert client.guarded(lambda r: "ok") == "ok"
    assert (fast_breaker.current_state, fast_breaker.reset_timeout) == ("closed", 0.05)


def test_a_slow_call_does_not_hold_up_other_threads(fast_breaker):
    started = threading.Event()

    def slow(r):  # type: ignore[no-untyped-def]
        started.set()
        time.sleep(0.5)

    thread = threading.Thread(target=client.guarded, args=(slow,))
    thread.start()
    assert started.wait(2)
    began = time.monotonic()
    assert client.guarded(lambda r: "fast") == "fast"
    assert time.monotonic() - began < 0.25
    thread.join()


def test_refused_commands_do_not_open_the_breaker(fast_breaker):
    from redis.exceptions import ResponseError

    def refused(r):  # type: ignore[no-untyped-def]
        raise ResponseError("OOM command not allowed")

    before = guard.failure_count()  # earlier tests' failures stay counted: compare to them
    for _ in range(5):
        with pytest.raises(client.CacheUnavailable):
            client.guarded(refused)
    assert fast_breaker.current_state == "closed"
    assert guard.failure_count() - before == 5  # but they count: the process replays before serving


@pytest.fixture
def resting_breaker(settings):
    settings.AIPAL_CACHE = {**settings.AIPAL_CACHE, "BREAKER_FAIL_MAX": 1, "BREAKER_RESET_SECONDS": 30}
    client.reset_breaker()
    with pytest.raises(client.CacheUnavailable):
        client.guarded(_failing)
    assert client.breaker_resting()
    yield
    client.reset_breaker()


def test_an_invalidation_is_applied_while_the_breaker_still_rests(resting_breaker):
    """Redis is back but this process's breaker rests: its writes must not leave their
    invalidations to the outbox, or the other processes would serve stale entries."""
    from aipal.cache.invalidation import apply_now
    from aipal.cache.models import PendingInvalidation
    from tests.topology import generations_key

    assert apply_now(5, {"GOAL_LIST"})
    assert not PendingInvalidation.objects.exists()
    assert client.breaker().current_state == "closed"
    assert client.redis_client().hget(generations_key(5), "GOAL_LIST") is not None
