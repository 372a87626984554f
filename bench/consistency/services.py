"""What only a consistency run needs of its services: its users, created in the run's
database, logged in, each with the goal it writes.

Its Redis keeps RDB snapshots (``RedisProcess(..., snapshots=True)``) so that a crash
and restart brings back old keys, as a production Redis restarting from its last
snapshot would.
"""

from __future__ import annotations

import json
import sys

from bench.client import Api
from bench.services import SetupError, run_command

_CREATE_USER = """
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
user = get_user_model().objects.create_user(username=sys.argv[1], password=sys.argv[2])
print(json.dumps({"user_id": user.pk}))
"""


def create_user(env: dict[str, str], username: str, password: str) -> int:
    out = run_command([sys.executable, "-c", _CREATE_USER, username, password], env, "creating the user", timeout=120)
    return int(json.loads(out.strip().splitlines()[-1])["user_id"])


def login_with_goal(port: int, username: str, password: str, user_id: int) -> tuple[str, int]:
    """Get a token through the API and create the goal the user writes: (token, goal id)."""
    api = Api(port)
    try:
        reply = api.request("POST", "/api/auth/token", {"username": username, "password": password})
        if reply.status != 200:
            raise SetupError(f"POST /api/auth/token answered {reply.status}: {reply.body[:300]!r}")
        api.token = reply.json()["token"]
        reply = api.request("POST", f"/api/users/{user_id}/goals", {"description": "v0"})
        if reply.status != 201:
            raise SetupError(f"POST goals answered {reply.status}: {reply.body[:300]!r}")
    finally:
        api.close()
    return api.token, int(reply.json()["id"])
