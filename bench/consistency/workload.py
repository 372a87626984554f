"""Writers, readers and the Redis chaos of a consistency run.

Every resource has one writer that writes versions 1, 2, ... in sequence and notes
when each write's response returned (``time.monotonic()``). Readers note when each
read started and which version it saw; ``analysis`` compares the two.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.client import DIMENSIONS, Api, Reply
from bench.services import RedisProcess

GOAL, TASKS, ARI, DASHBOARD = "goal", "task_list", "ari_latest", "dashboard"
RESOURCES = (GOAL, TASKS, ARI, DASHBOARD)
# Which writer's versions each read shows.
WRITTEN_BY = {GOAL: GOAL, TASKS: TASKS, ARI: ARI, DASHBOARD: ARI}


@dataclass
class Shared:
    """What every thread of a run reports into."""

    port: int  # the app server writers, logins and logouts talk to
    token: str
    user_id: int
    goal_id: int
    username: str = ""
    password: str = ""
    read_ports: tuple[int, ...] = ()  # the app servers readers talk to, in turn (none: ``port``)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)

    def error(self, kind: str, detail: str = "") -> None:
        with self.lock:
            self.errors[kind] += 1
            if len(self.error_samples) < 20:
                self.error_samples.append(f"{kind} {detail}".strip()[:300])

    def read_port(self, index: int) -> int:
        """The app server reader ``index`` talks to: the reading servers in turn."""
        return self.read_ports[index % len(self.read_ports)] if self.read_ports else self.port


def _version(text: object) -> int:
    if not isinstance(text, str) or not text.startswith("v"):
        raise ValueError(f"not a version: {text!r}")
    return int(text[1:])


class Writer(threading.Thread):
    """Writes versions 1, 2, ... of one resource; ``returned`` holds (version, return time)."""

    def __init__(self, shared: Shared, resource: str, interval: float) -> None:
        super().__init__(name=f"writer-{resource}", daemon=True)
        self.shared = shared
        self.resource = resource
        self.interval = interval
        self.returned: list[tuple[int, float]] = []

    def _write(self, api: Api, version: int) -> Reply:
        s, text = self.shared, f"v{version}"
        if self.resource == GOAL:
            return api.request("PATCH", f"/api/users/{s.user_id}/goals/{s.goal_id}", {"description": text})
        if self.resource == TASKS:
            return api.request("POST", f"/api/users/{s.user_id}/tasks", {"title": text})
        body: dict[str, object] = dict.fromkeys(DIMENSIONS, 0.5)
        return api.request("POST", f"/api/users/{s.user_id}/ari", {**body, "task_description": text})

    def run(self) -> None:
        api = Api(self.shared.port, self.shared.token)
        version = 0
        while not self.shared.stop.is_set():
            version += 1  # a failed write may still have committed: its version is never reused
            try:
                reply = self._write(api, version)
            except (OSError, http.client.HTTPException) as exc:
                self.shared.error(f"write {self.resource}: {type(exc).__name__}", str(exc))
            else:
                returned = time.monotonic()
                if 200 <= reply.status < 300:
                    self.returned.append((version, returned))
                else:
                    self.shared.error(f"write {self.resource}: HTTP {reply.status}", reply.body[:200].decode("replace"))
            if self.interval > 0:
                self.shared.stop.wait(random.uniform(0, 2 * self.interval))
        api.close()


@dataclass(frozen=True)
class Read:
    resource: str
    started: float
    version: int
    x_cache: str
    status: int


class Reader(threading.Thread):
    """Cycles over the four reads; ``reads`` holds what each one saw."""

    def __init__(self, shared: Shared, offset: int) -> None:
        super().__init__(name=f"reader-{offset}", daemon=True)
        self.shared = shared
        self.offset = offset
        self.port = shared.read_port(offset)
        self.reads: list[Read] = []

    def _path(self, resource: str) -> str:
        s = self.shared
        return {
            GOAL: f"/api/users/{s.user_id}/goals/{s.goal_id}",
            TASKS: f"/api/users/{s.user_id}/tasks",
            ARI: f"/api/users/{s.user_id}/ari",
            DASHBOARD: f"/api/users/{s.user_id}/dashboard",
        }[resource]

    @staticmethod
    def _seen(resource: str, reply: Reply) -> int:
        if resource == ARI and reply.status == 404:
            return 0  # no snapshot yet (stale if a snapshot had already been written)
        data = reply.json()
        if resource == GOAL:
            return _version(data["description"])
        if resource == TASKS:
            items = data["results"] if isinstance(data, dict) else data
            return _version(items[0]["title"]) if items else 0
        if resource == ARI:
            return _version(data["task_description"])
        latest = data["latest_ari"]
        return _version(latest["task_description"]) if latest else 0

    def run(self) -> None:
        api = Api(self.port, self.shared.token)
        step = self.offset
        while not self.shared.stop.is_set():
            resource = RESOURCES[step % len(RESOURCES)]
            step += 1
            started = time.monotonic()
            try:
                reply = api.request("GET", self._path(resource))
            except (OSError, http.client.HTTPException) as exc:
                self.shared.error(f"read {resource}: {type(exc).__name__}", str(exc))
                continue
            if reply.status != 200 and not (resource == ARI and reply.status == 404):
                self.shared.error(f"read {resource}: HTTP {reply.status}", reply.body[:200].decode("replace"))
                continue
            try:
                version = self._seen(resource, reply)
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                self.shared.error(f"read {resource}: unexpected body", f"{exc}: {reply.body[:200]!r}")
                continue
            self.reads.append(Read(resource, started, version, reply.x_cache or "none", reply.status))
        api.close()


@dataclass
class Revocations:
    """What the revoker did: tokens revoked, reads made with them after the logout returned,
    and how many of those were answered 2xx (each one a revoked token accepted)."""

    revoked: int = 0
    checks: int = 0
    accepted: int = 0
    samples: list[str] = field(default_factory=list)


class Revoker(threading.Thread):
    """Logs in, reads with the new token until X-Cache says HIT (at most ``FILL_READS``
    reads: with Redis down there is no hit), logs out, then reads ``CHECKS`` times with
    the revoked token: each read must be a 401. A 2xx is a revoked token accepted; any
    other answer is an error of the run. Logins and logouts go to the writers' app
    server, reads to the first readers' one: with several servers, a revocation made on
    one must be obeyed by another."""

    FILL_READS = 5
    CHECKS = 5

    def __init__(self, shared: Shared, interval: float) -> None:
        super().__init__(name="revoker", daemon=True)
        self.shared = shared
        self.interval = interval
        self.figures = Revocations()

    def _cycle(self) -> None:
        s = self.shared
        login = Api(s.port)
        reply = login.request("POST", "/api/auth/token", {"username": s.username, "password": s.password})
        login.close()
        if reply.status != 200:
            s.error(f"revoker login: HTTP {reply.status}", reply.body[:200].decode("replace"))
            return
        token = reply.json()["token"]
        api = Api(s.read_port(0), token)  # with several app servers, not the one that logs out
        path = f"/api/users/{s.user_id}/goals/{s.goal_id}"
        for _ in range(self.FILL_READS):  # the first read fills the token's record and the page
            if api.request("GET", path).x_cache == "HIT":
                break
        logout = Api(s.port, token)
        logged_out = logout.request("POST", "/api/auth/logout").status == 204
        logout.close()
        if not logged_out:
            s.error("revoker logout: not 204")
            api.close()
            return
        self.figures.revoked += 1
        for _ in range(self.CHECKS):
            after = api.request("GET", path)
            self.figures.checks += 1
            if 200 <= after.status < 300:
                self.figures.accepted += 1
                if len(self.figures.samples) < 10:
                    self.figures.samples.append(f"revoked token answered {after.status} X-Cache {after.x_cache}")
            elif after.status != 401:
                s.error(f"revoker read: HTTP {after.status}", after.body[:200].decode("replace"))
        api.close()

    def run(self) -> None:
        while not self.shared.stop.wait(random.uniform(0, 2 * self.interval)):
            try:
                self._cycle()
            except (OSError, http.client.HTTPException) as exc:
                self.shared.error(f"revoker: {type(exc).__name__}", str(exc))


@dataclass(frozen=True)
class Episode:
    kind: str  # "restart" or "pause"
    started: float
    ended: float
    keys_back: int | None = None  # keys of the previous server lifetime its snapshot brought back


class Chaos(threading.Thread):
    """At evenly spaced times in the run, crash and restart Redis, or pause it."""

    def __init__(
        self, shared: Shared, redis_server: RedisProcess, plan: list[str], start: float, seconds: float, outage: float
    ) -> None:
        super().__init__(name="chaos", daemon=True)
        self.shared = shared
        self.redis = redis_server
        self.plan = plan
        self.start_at = start
        self.seconds = seconds
        self.outage = outage
        self.episodes: list[Episode] = []
        self.failure: str | None = None
        self.prefix = ""

    def run(self) -> None:
        count = len(self.plan)
        for index, kind in enumerate(self.plan):
            at = self.start_at + self.seconds * (index + 1) / (count + 1)
            if self.shared.stop.wait(max(0.0, at - time.monotonic())):
                return
            try:
                self.episodes.append(self._restart() if kind == "restart" else self._pause())
            except Exception as exc:  # noqa: BLE001  (reported by the run, which then fails)
                self.failure = f"{kind}: {exc}"
                return

    def _restart(self) -> Episode:
        old_run_id = self.redis.run_id()
        started = time.monotonic()
        self.redis.crash()
        if not self.shared.stop.wait(self.outage):  # a run that is ending needs no Redis back
            self.redis.start()
        ended = time.monotonic()
        back = self.redis.app_keys(f"{self.prefix}:*:{old_run_id}:*") if self.redis.process else None
        return Episode("restart", started, ended, back)

    def _pause(self) -> Episode:
        started = time.monotonic()
        self.redis.pause()
        try:
            self.shared.stop.wait(self.outage)
        finally:
            self.redis.resume()
        return Episode("pause", started, time.monotonic())
