"""Key families: the entries of one ``KeySpec`` (``GOAL_LIST``, ...) across users, found by SCAN.

An entry key reads ``<prefix>:<schema>:<run_id>:{u:<id>}:<template>[?variant]`` (see
``aipal.cache.keys``). A family's SCAN pattern is anchored on the prefix and ``:``, like
every SCAN of the app, and a regular expression then keeps the family's keys only: the
glob ``goals:*`` would also match ``goals:list``. Fill locks (``...#lock``) belong to the
family of their entry.

Flushing a family first bumps its generation for every user (and object) whose keys
were found, through the write path's ``apply_all``, so a fill that loaded its rows before
the flush cannot store them after it; then it deletes those keys (UNLINK). Off the
request path only: a SCAN costs O(keys of the Redis).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

from redis import Redis

from aipal.cache import client, keys
from aipal.cache.conf import cache_settings
from aipal.cache.invalidation import apply_all

__all__ = [
    "FamilyKey",
    "family_flush",
    "family_keys",
    "family_matcher",
    "family_names",
    "family_pattern",
    "spec_named",
]

_BATCH = 500


def family_names() -> list[str]:
    """Return the name of every key family, as ``keys.ALL_SPECS`` declares them."""
    return [spec.name for spec in keys.ALL_SPECS]


def spec_named(name: str) -> keys.KeySpec:
    """Return the KeySpec called ``name`` (case-insensitive); raise ValueError listing the valid names."""
    wanted = name.strip().upper()
    for spec in keys.ALL_SPECS:
        if spec.name == wanted:
            return spec
    raise ValueError(f"unknown key family {name!r}; valid names: {', '.join(family_names())}")


def _path_glob(spec: keys.KeySpec) -> str:
    return spec.template.format(**{spec.object_param: "[0-9]*"}) if spec.object_param else spec.template


def family_pattern(spec: keys.KeySpec, *, user_id: int | None = None) -> str:
    """Return the SCAN pattern of ``spec``'s keys (of one user, or of all), anchored on the prefix."""
    if user_id is not None:
        keys.user_key_pattern(user_id)  # validates the id (ValueError)
    user = "*" if user_id is None else str(user_id)
    return f"{keys.app_key_pattern()}:{{u:{user}}}:{_path_glob(spec)}*"


def _regex(spec: keys.KeySpec) -> re.Pattern[str]:
    path = re.escape(spec.template)
    if spec.object_param:
        path = path.replace(re.escape(f"{{{spec.object_param}}}"), r"(?P<object>[0-9]+)")
    prefix = re.escape(cache_settings().key_prefix)
    return re.compile(rf"^{prefix}:[^:]+:[^:]+:\{{u:(?P<user>[0-9]+)\}}:{path}(?:[?#].*)?$", re.DOTALL)


def family_matcher() -> Callable[[str], keys.KeySpec | None]:
    """Return a function naming the family (KeySpec) of a key of this app, None for other keys
    (generation hashes, throttles, counters); built once per listing, as the prefix is a setting."""
    regexes = [(spec, _regex(spec)) for spec in keys.ALL_SPECS]

    def family_of(name: str) -> keys.KeySpec | None:
        return next((spec for spec, regex in regexes if regex.match(name)), None)

    return family_of


class FamilyKey:
    """One Redis key of a family: its name, its user and the generation field it is stamped with."""

    __slots__ = ("field", "name", "user_id")

    def __init__(self, name: bytes, user_id: int, field: str) -> None:
        self.name, self.user_id, self.field = name, user_id, field


def family_keys(spec: keys.KeySpec, *, user_id: int | None = None) -> list[FamilyKey]:
    """Return every key of ``spec``'s family (of one user, or of all users)."""
    regex = _regex(spec)
    found = []
    for name in client.scan_keys(family_pattern(spec, user_id=user_id)):
        match = regex.match(name.decode("utf-8", "replace"))
        if match is None:
            continue
        obj = match.group("object") if spec.object_param else None
        field = spec.generation_field(int(obj)) if obj else spec.name
        found.append(FamilyKey(name, int(match.group("user")), field))
    return found


def _unlink(names: list[bytes]) -> int:
    def op(r: Redis) -> int:
        return sum(r.unlink(*names[i : i + _BATCH]) for i in range(0, len(names), _BATCH))

    return client.guarded(op) if names else 0


def family_flush(*, spec: keys.KeySpec, user_id: int | None = None) -> int:
    """Invalidate ``spec``'s family (of one user, or of every user) and delete its keys; return
    how many keys were deleted. Raise CacheUnavailable when Redis fails, before any delete
    if the invalidation itself failed."""
    found = family_keys(spec, user_id=user_id)
    per_user: dict[int, set[str]] = defaultdict(set)
    for key in found:
        per_user[key.user_id].add(key.field)
    if per_user and not apply_all(per_user):
        raise client.CacheUnavailable(f"could not invalidate {spec.name}: Redis failed")
    return _unlink([key.name for key in found])
