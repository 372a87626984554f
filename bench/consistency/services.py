"""What only a consistency run needs of its services: its user, created in the run's database.

Its Redis keeps RDB snapshots (``RedisProcess(..., snapshots=True)``) so that a crash
and restart brings back old keys, as a production Redis restarting from its last
snapshot would.
"""

from __future__ import annotations

import json
import sys

from bench.services import run_command

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
