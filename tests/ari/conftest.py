"""ARI fixtures: snapshots made outside a request, with their commit callbacks run.

The test transaction never commits, so a factory write would leave the cache's
invalidation pending; ``snap`` runs it as a real commit would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import TestCase

from ari.models import ARISnapshot
from tests.factories import SnapshotFactory


@pytest.fixture
def snap(db) -> Callable[..., ARISnapshot]:
    def make(**fields: Any) -> ARISnapshot:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return SnapshotFactory(**fields)

    return make
