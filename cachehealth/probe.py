"""The invalidation probe: proof, on each health check, that a write makes its entries unreadable.

One probe entry is filled, invalidated through the generation bump every write uses
(``client.bump_generations``, what ``invalidation.apply_all`` calls), then read back;
the check passes when that read is a miss. The probe uses the same Lua scripts as the
views (``client.read``, ``client.fill``), so a broken script, a generation hash that is
not written, or a Redis that drops writes shows as ``failed``.

The probe belongs to ``PROBE_USER_ID``, the largest id a key accepts (2**63 - 1, the
end of a BIGINT sequence): no real user can have it, so the probe never touches a
user's entries. Its family ``HEALTH_PROBE`` is no cached data set of the API and is not
in ``keys.ALL_SPECS``. Cost: four round trips (read, fill, bump, read); the entry lives
``PROBE_TTL_SECONDS`` and is replaced by the next probe.
"""

from __future__ import annotations

from enum import StrEnum

from aipal.cache import client, keys

__all__ = ["PROBE", "PROBE_USER_ID", "InvalidationCheck", "probe_invalidation"]

PROBE_USER_ID = 2**63 - 1
PROBE_TTL_SECONDS = 60
PROBE = keys.KeySpec("HEALTH_PROBE", "health:probe", PROBE_TTL_SECONDS)
_VALUE = b"probe\n{}"  # "<etag>\n<body>", as encoding.entry_value writes an entry


class InvalidationCheck(StrEnum):
    OK = "ok"  # filled, invalidated, read back as a miss
    FAILED = "failed"  # Redis answered, but the entry was not stored, or survived the bump
    UNKNOWN = "unknown"  # Redis failed during the probe: nothing proven either way


def probe_invalidation() -> InvalidationCheck:
    """Fill the probe entry, bump its generations as a write would, and check it reads as a miss."""
    key = PROBE.key(user_id=PROBE_USER_ID)
    token = client.new_token()
    try:
        before = client.read(key, token)
        if before.body is None and not client.fill(key, before.stamp, _VALUE, PROBE_TTL_SECONDS * 1000, token):
            return InvalidationCheck.FAILED
        client.bump_generations({PROBE_USER_ID: key.generation_fields[1:]})
        after = client.read(key, token)
    except client.CacheUnavailable:
        return InvalidationCheck.UNKNOWN
    return InvalidationCheck.OK if after.body is None else InvalidationCheck.FAILED
