"""The bytes of a cached response: JSON as the client receives it, its ETag, and its stored form.

A hit answers the stored bytes as they are, so everything a client sees of a body is
decided here once: ``json_bytes`` renders it (views and fills share it, so the cached
and uncached answers are byte-identical), ``etag`` names it (strong, derived from the
bytes, computed once at fill time and stored beside them), and ``stored``/``restored``
compress bodies large enough for zlib to pay for its microseconds.
"""

from __future__ import annotations

import decimal
import hashlib
import uuid
import zlib
from typing import Any

import orjson
from django.utils.functional import Promise

__all__ = ["COMPRESSED", "entry_value", "etag", "json_bytes", "restored", "stored"]

# A stored body starting with this byte is zlib data; JSON never starts with it.
COMPRESSED = b"z"
_ZLIB_LEVEL = 6


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


def etag(body: bytes) -> str:
    """Return the strong ETag of a response body (a quoted hash of its bytes)."""
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def stored(body: bytes, *, compress_min_bytes: int) -> bytes:
    """Return the form a body is kept in: zlib-compressed when large enough, else as is."""
    if compress_min_bytes <= 0 or len(body) < compress_min_bytes:
        return body
    packed = zlib.compress(body, _ZLIB_LEVEL)
    return COMPRESSED + packed if len(packed) + 1 < len(body) else body


def entry_value(body: bytes, etag: str, *, compress_min_bytes: int) -> bytes:
    """Return what a cache entry holds after its stamp: ``<etag>\n<stored body>``."""
    return etag.encode() + b"\n" + stored(body, compress_min_bytes=compress_min_bytes)


def restored(payload: bytes) -> bytes:
    """Return the body a stored payload holds."""
    if payload[:1] == COMPRESSED:
        return zlib.decompress(payload[1:])
    return payload
