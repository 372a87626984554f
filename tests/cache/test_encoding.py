"""Stored bodies: compressed with the preset dictionary when it pays, always restored exactly."""

from __future__ import annotations

import os

import pytest

from aipal.cache.encoding import COMPRESSED, etag, json_bytes, restored, stored

GOAL = json_bytes(
    {
        "id": 961,
        "user_id": 49,
        "description": "Finish the statistics course before the exam",
        "importance": 7,
        "complexity_level": "macro",
        "estimated_value": 41.3,
        "status": "active",
        "deadline": None,
        "created_at": "2026-09-12T11:43:00.123456Z",
        "updated_at": "2026-09-14T08:01:17.000421Z",
        "completed_at": None,
        "progress": {"tasks_total": 4, "tasks_completed": 1},
    }
)


@pytest.mark.parametrize(
    # Bodies are JSON, so never start with COMPRESSED: random bytes get a JSON-like first byte.
    "body",
    [b"{}", b"[]", GOAL, GOAL * 40, b"[" + os.urandom(599), b'"' + b"\x00" * 300 + b'"'],
    ids=lambda b: str(len(b)),
)
def test_a_stored_body_is_restored_byte_for_byte(body):
    assert restored(stored(body, compress_min_bytes=128)) == body


def test_small_bodies_and_a_zero_threshold_are_stored_as_they_are():
    assert stored(b'{"a":1}', compress_min_bytes=128) == b'{"a":1}'
    assert stored(GOAL, compress_min_bytes=0) == GOAL


def test_incompressible_bodies_stay_as_they_are():
    body = b"[" + os.urandom(399)  # JSON-like: never starts with COMPRESSED
    assert stored(body, compress_min_bytes=128)[:1] != COMPRESSED


def test_the_dictionary_halves_a_single_goal():
    packed = stored(GOAL, compress_min_bytes=128)
    assert packed[:1] == COMPRESSED
    assert len(packed) < len(GOAL) / 2, (len(packed), len(GOAL))


def test_an_etag_is_strong_and_follows_the_bytes():
    assert etag(b"{}") == '"01e7b720ff566d53"'  # BLAKE2b, 8 bytes, of the body
    assert etag(GOAL) != etag(GOAL + b" ")
    assert etag(GOAL).startswith('"') and not etag(GOAL).startswith("W/")
