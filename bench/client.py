"""What the benchmark and the checker share as HTTP clients of the API: a keep-alive
connection, and the names of the ARI dimensions (they are clients, not the app)."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any

__all__ = ["DIMENSIONS", "Api", "Reply"]

# The seven ARI dimensions (ari.models.DIMENSIONS): the API's fields and the table's columns.
DIMENSIONS = (
    "decision_quality",
    "skill_development",
    "ai_reliance",
    "bottleneck_resolution",
    "user_confidence",
    "engagement",
    "autonomy_perception",
)


@dataclass(frozen=True)
class Reply:
    status: int
    x_cache: str | None
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Api:
    """One keep-alive HTTP connection to the service on 127.0.0.1 (reopened after any error)."""

    def __init__(self, port: int, token: str = "") -> None:
        self.port = port
        self.token = token
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: object = None) -> Reply:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        return Reply(response.status, response.getheader("X-Cache"), raw)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
