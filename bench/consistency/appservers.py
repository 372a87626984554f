"""The app servers of a consistency run: one gunicorn, or several on one Redis and one PostgreSQL.

With ``--app-servers N`` the run starts N gunicorns on ports of their own, from one
environment (the same ``DATABASE_URL``, ``REDIS_URL``, key prefix and secret key), as
N machines of one deployment would run. Writers, logins and logouts talk to server 1;
readers to server 2, 3, ... in turn (with one server, everything goes to it). So a read
is only fresh when what one server wrote reached another through Redis and PostgreSQL,
never through the memory of a process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.services import Gunicorn, free_port

__all__ = ["create", "describe", "read_ports", "start", "stop"]


def create(count: int, workers: int, env: dict[str, str], directory: Path, first_port: int = 0) -> list[Gunicorn]:
    """Return ``count`` gunicorns (not started) sharing ``env``; the first on ``first_port`` if given."""
    ports = [first_port or free_port()]
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    names = ["gunicorn"] if count == 1 else [f"gunicorn{n}" for n in range(1, count + 1)]
    return [Gunicorn(port, workers, env, directory, name=name) for port, name in zip(ports, names, strict=True)]


def start(servers: Sequence[Gunicorn]) -> None:
    """Start every server (the caller stops them all, also those that started before a failure)."""
    for server in servers:
        server.start()


def stop(servers: Sequence[Gunicorn]) -> None:
    for server in servers:
        server.stop()


def read_ports(servers: Sequence[Gunicorn]) -> tuple[int, ...]:
    """The ports readers take in turn: every server but the writers' (the only one, when alone)."""
    return tuple(server.port for server in servers[1:]) or (servers[0].port,)


def describe(servers: Sequence[Gunicorn], reads_by_port: Mapping[int, int], writes: int) -> list[dict[str, Any]]:
    """Say what each server did: its port, workers, and the reads and writes it answered."""
    rows = []
    for number, server in enumerate(servers, start=1):
        roles = ["writers, logins and logouts"] if number == 1 else []
        if reads_by_port.get(server.port):
            roles.append("readers")
        rows.append(
            {
                "server": number,
                "port": server.port,
                "workers": server.workers,
                "writes": writes if number == 1 else 0,
                "reads": reads_by_port.get(server.port, 0),
                "role": " and ".join(roles),
            }
        )
    return rows
