"""Fixtures for the HTTP layer's tests: a recorder of the waits a retry policy asks for."""

from __future__ import annotations

import pytest


class Sleeps:
    """Records the waits a RetryPolicy asks for instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
