"""Evictions per minute: a rate between samples at least MIN_WINDOW_SECONDS apart, kept in Redis."""

from __future__ import annotations

from django.conf import settings

from aipal.cache import client
from cachehealth.evictions import evictions_per_minute, sample_key


def test_rate_needs_two_samples_far_enough_apart():
    assert evictions_per_minute(10, 1000.0) is None  # first sample
    assert evictions_per_minute(12, 1002.0) is None  # window too short: sample kept
    assert evictions_per_minute(40, 1060.0) == 30.0  # (40 - 10) per 60 s
    assert evictions_per_minute(41, 1061.0) == 30.0  # too soon: last rate
    assert evictions_per_minute(50, 1090.0) == 20.0  # (50 - 40) per 30 s


def test_counter_reset_gives_no_rate_then_a_new_window():
    evictions_per_minute(500, 1000.0)
    assert evictions_per_minute(3, 1030.0) is None  # Redis restarted
    assert evictions_per_minute(9, 1060.0) == 12.0


def test_sample_lives_under_the_app_prefix():
    evictions_per_minute(1, 1000.0)
    key = sample_key()
    assert key.startswith(f"{settings.CACHE_KEY_PREFIX}:")
    assert client.guarded(lambda r: r.hgetall(key))[b"count"] == b"1"
    assert 0 < client.guarded(lambda r: r.ttl(key))


def test_no_rate_when_redis_is_down(dead_redis):
    assert evictions_per_minute(10, 1000.0) is None
