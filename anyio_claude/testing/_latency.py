"""Latency: how a streamed body is paced (`ttft`, `itl`, `jitter`) and cut into writes."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

__all__ = ("Latency",)


@dataclass
class Latency:
    """Delays (seconds) and write size for streamed bodies; `rng` draws the jitter. No I/O:
    it says when to send what, and `_http` does the waiting."""

    ttft: float = 0.0
    itl: float = 0.0
    jitter: float = 0.0
    write_size: int | None = None
    rng: random.Random | None = None

    def paced(self, pieces: Sequence[bytes]) -> Iterator[tuple[float, bytes]]:
        """The writes for `pieces` (one SSE event each), each with the delay before it."""
        if self.ttft <= 0 and self.itl <= 0:
            for chunk in self._writes(b"".join(pieces)):
                yield 0.0, chunk
            return
        for i, piece in enumerate(pieces):
            delay = self.ttft if i == 1 else (self.itl if i > 1 else 0.0)
            for chunk in self._writes(piece):
                yield self._jittered(delay), chunk
                delay = 0.0

    def _jittered(self, delay: float) -> float:
        if not self.jitter or self.rng is None:
            return delay
        spread = self.jitter * delay
        return max(0.0, delay + self.rng.uniform(-spread, spread))

    def _writes(self, data: bytes) -> list[bytes]:
        size = self.write_size or len(data) or 1
        return [data[i : i + size] for i in range(0, len(data), size)]
