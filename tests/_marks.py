"""Marks for the tests that run the pinned official SDK beside ours."""

from __future__ import annotations

import pytest

# On trio the official SDK (and its httpx) leaves async generators to the garbage collector
# when a stream fails or is left early, and trio warns: their code, not ours (our own
# connections are checked with `num_active`).
official_generators_left_open = pytest.mark.filterwarnings(
    r"ignore:Async generator '(anthropic|httpx2|httpcore2)\.:ResourceWarning"
)
