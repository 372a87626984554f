"""The bytes of a cached response: JSON as the client receives it, its ETag, and its stored form.

A hit answers the stored bytes as they are, so everything a client sees of a body is
decided here once: ``json_bytes`` renders it (views and fills share it, so the cached
and uncached answers are byte-identical), ``etag`` names it (strong, derived from the
bytes, computed once at fill time and stored beside them), and ``stored``/``restored``
compress bodies with zlib and a preset dictionary of the API's own field names, which
halves even a single goal's few hundred bytes (memory per user is a budget: 10 KB).

NOTE: an entry compressed with one ``DICTIONARY`` can only be read with the same one:
changing it requires a new ``keys.SCHEMA_VERSION``.
"""

from __future__ import annotations

import decimal
import hashlib
import uuid
import zlib
from typing import Any

import orjson
from django.utils.functional import Promise

__all__ = ["COMPRESSED", "entry_value", "etag", "json_bytes", "json_bytes_indented", "restored", "stored"]

# A stored body starting with this byte is zlib data (with DICTIONARY); JSON never starts with it.
COMPRESSED = b"z"
_ZLIB_LEVEL = 6
_STAMP = "2026-01-01T00:00:00.000000Z"
# What cached bodies are made of: the API's objects with typical values (zlib prefers the
# most frequent strings at the end).
DICTIONARY = (
    '{"user_id":1,"based_on":30,"trend_per_day":null,"next_autonomy_retention":null,"confidence":null,'
    f'"generated_at":"{_STAMP}"}}'
    '{"id":1,"username":"","email":"@example.com","display_name":"","learning_style":null,"preferences":{},'
    f'"date_joined":"{_STAMP}"}}'
    '{"user_id":1,"latest_ari":null,"ari_trend":{"count":0,"average_autonomy_retention":null,"delta_7d":null},'
    '"goals":{"active":0,"completed":0,"abandoned":0},"tasks":{"pending":0,"running":0,"completed":0,'
    f'"failed":0}},"generated_at":"{_STAMP}"}}'
    '{"id":1,"user_id":1,"goal_id":null,"title":"","task_type":"general","priority":5,"status":"pending",'
    f'"attempts":0,"result":null,"error_message":null,"created_at":"{_STAMP}","started_at":null,'
    '"completed_at":null}'
    '{"id":1,"user_id":1,"description":"","importance":5,"complexity_level":"mini","estimated_value":null,'
    f'"status":"active","deadline":null,"created_at":"{_STAMP}","updated_at":"{_STAMP}","completed_at":null,'
    '"progress":{"tasks_total":0,"tasks_completed":0}}'
    '{"user_id":1,"count":0,"results":[{"id":1,"user_id":1,"timestamp":"'
    f'{_STAMP}","decision_quality":0.5,"skill_development":0.5,"ai_reliance":0.5,"bottleneck_resolution":0.5,'
    '"user_confidence":0.5,"engagement":0.5,"autonomy_perception":0.5,"autonomy_retention":50.0,'
    '"delta_agency":0.0,"task_description":"","task_complexity":"moderate"}]}'
).encode()


def _default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (Promise, uuid.UUID)):
        return str(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def json_bytes(data: Any) -> bytes:
    """Serialize ``data`` to the exact bytes the client receives."""
    return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)


def json_bytes_indented(data: Any) -> bytes:
    """Serialize ``data`` as ``json_bytes`` does, indented by two spaces (never cached: the
    browsable API and clients asking ``indent=`` get it)."""
    return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_INDENT_2)


def etag(body: bytes) -> str:
    """Return the strong ETag of a response body (a quoted 64-bit hash of its bytes)."""
    return f'"{hashlib.blake2b(body, digest_size=8).hexdigest()}"'


def stored(body: bytes, *, compress_min_bytes: int) -> bytes:
    """Return the form a body is kept in: zlib-compressed when large enough, else as is."""
    if compress_min_bytes <= 0 or len(body) < compress_min_bytes:
        return body
    compressor = zlib.compressobj(_ZLIB_LEVEL, zdict=DICTIONARY)
    packed = compressor.compress(body) + compressor.flush()
    return COMPRESSED + packed if len(packed) + 1 < len(body) else body


def entry_value(body: bytes, etag: str, *, compress_min_bytes: int) -> bytes:
    """Return what a cache entry holds after its stamp: ``<etag>\n<stored body>``."""
    return etag.encode() + b"\n" + stored(body, compress_min_bytes=compress_min_bytes)


def restored(payload: bytes) -> bytes:
    """Return the body a stored payload holds."""
    if payload[:1] == COMPRESSED:
        decompressor = zlib.decompressobj(zdict=DICTIONARY)
        return decompressor.decompress(payload[1:]) + decompressor.flush()
    return payload
