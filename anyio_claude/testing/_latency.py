"""Latency: how a streamed body is paced (`ttft`, `itl`, `jitter`) and cut into writes."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

__all__ = ("Latency",)

_BEFORE_GENERATION = frozenset({"message_start", "content_block_start", "ping"})


@dataclass
class Latency:
    """Delays (seconds) and write size for streamed bodies; `rng` draws the jitter. No I/O:
    it says when to send what, and `_http` does the waiting."""

    ttft: float = 0.0
    itl: float = 0.0
    jitter: float = 0.0
    write_size: int | None = None
    rng: random.Random | None = None

    def paced(self, events: Sequence[tuple[str, bytes]]) -> Iterator[tuple[float, bytes]]:
        """The writes for `events` (type, bytes of one SSE event), each with its delay.

        As from the real API: what precedes generation (`message_start`,
        `content_block_start`, `ping`) goes at once, the first content (usually the first
        `content_block_delta`) `ttft` seconds after the response head, each later
        `content_block_delta` `itl` seconds after the event before it, and the rest
        (`content_block_stop`, `message_delta`, ...) right after what precedes it.
        """
        if self.ttft <= 0 and self.itl <= 0:
            for chunk in self._writes(b"".join(data for _, data in events)):
                yield 0.0, chunk
            return
        generating = False
        for kind, data in events:
            delay = 0.0
            if not generating and kind not in _BEFORE_GENERATION:
                generating, delay = True, self.ttft
            elif generating and kind == "content_block_delta":
                delay = self.itl
            for chunk in self._writes(data):
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
