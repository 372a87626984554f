"""The Lua scripts of ``aipal/cache/lua``, loaded as redis-py ``Script`` objects."""

from __future__ import annotations

from pathlib import Path

from redis.commands.core import Script

__all__ = ["lua_script"]

_LUA = Path(__file__).resolve().parent.parent / "lua"


def lua_script(name: str, *, include: tuple[str, ...] = ()) -> Script:
    """Load ``aipal/cache/lua/<name>.lua`` as a redis-py Script (EVALSHA, loaded on demand),
    after the files of ``include`` (functions it calls: Redis has no ``require``)."""
    return Script(None, b"\n".join((_LUA / f"{part}.lua").read_bytes() for part in (*include, name)))
