"""Client-side pacing: token buckets mirrored from the `anthropic-ratelimit-*` headers,
one shared pause for 429/529, and an AIMD concurrency limit.

The API meters requests, input tokens and output tokens with buckets that refill
continuously at `limit / 60` a second. `Pacer` keeps a local estimate of each bucket:
it takes a request's cost before sending (output tokens: `max_tokens`), gives back what
the reply shows was not used, and lowers its estimate to what every reply's headers say
remains (minus what is still in flight), so the server's bucket is never overdrawn.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import anyio

from ._ratelimits import RateLimitInfo
from ._retry import retry_delay

__all__ = ("Bucket", "Cost", "Pacer")

_KINDS = ("requests", "input_tokens", "output_tokens", "tokens")


@dataclass(frozen=True)
class Cost:
    """What one request takes from each bucket."""

    input_tokens: int
    output_tokens: int

    def of(self, kind: str) -> float:
        if kind == "requests":
            return 1.0
        if kind == "input_tokens":
            return float(self.input_tokens)
        if kind == "output_tokens":
            return float(self.output_tokens)
        return float(self.input_tokens + self.output_tokens)


class Bucket:
    """The local estimate of one server bucket; unlimited until a limit is known."""

    __slots__ = ("capacity", "level", "updated")

    def __init__(self, per_minute: int | None = None) -> None:
        self.capacity: float | None = None if per_minute is None else float(per_minute)
        self.level = self.capacity or 0.0
        self.updated: float | None = None

    def refill(self, now: float) -> None:
        if self.capacity is not None and self.updated is not None:
            rate = self.capacity / 60.0
            self.level = min(self.capacity, self.level + (now - self.updated) * rate)
        self.updated = now

    def wait(self, amount: float, now: float) -> float:
        """Seconds until `amount` can be taken (0: now). An amount over the capacity
        waits for a full bucket."""
        self.refill(now)
        if self.capacity is None or self.capacity <= 0:
            return 0.0
        amount = min(amount, self.capacity)
        if self.level >= amount:
            return 0.0
        return (amount - self.level) / (self.capacity / 60.0)

    def take(self, amount: float, now: float) -> None:
        self.refill(now)
        self.level -= amount

    def give(self, amount: float, now: float) -> None:
        self.refill(now)
        self.level += amount
        if self.capacity is not None:
            self.level = min(self.level, self.capacity)

    def observe(self, limit: int | None, remaining: int | None, pending: float, now: float) -> None:
        """Correct from a reply's headers; `pending` is what other requests still in
        flight have taken that the server may not have counted yet."""
        if limit is None or limit <= 0:
            return
        self.refill(now)
        if self.capacity is None:
            self.capacity = float(limit)
            self.level = float(limit)
        elif self.capacity != limit:
            self.level += limit - self.capacity
            self.capacity = float(limit)
        if remaining is not None:
            self.level = min(self.level, remaining - pending)


class Pacer:
    """Admits requests so that no bucket, pause or concurrency limit is overrun.

    Until the first reply arrives only one request is in flight, so the limits come from
    the server's own headers before the rest start. `max_wait` caps one pause.
    """

    def __init__(
        self,
        concurrency: int,
        *,
        max_wait: float,
        limits: dict[str, int | None] | None = None,
        clock: Callable[[], float] = anyio.current_time,
    ) -> None:
        self.max_concurrency = concurrency
        self.limit = float(concurrency)
        self.max_wait = max_wait
        self.buckets = {kind: Bucket((limits or {}).get(kind)) for kind in _KINDS}
        self.seeded = any(b.capacity is not None for b in self.buckets.values())
        self.in_flight = 0
        self.waiting = 0
        self.pending = dict.fromkeys(_KINDS, 0.0)
        self.paused_until = 0.0
        self.overloads = 0
        self._clock = clock
        self._lock = anyio.Lock()
        self._changed = anyio.Event()

    def allowed(self) -> int:
        """How many requests may be in flight now."""
        return max(1, int(self.limit)) if self.seeded else 1

    def _notify(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    async def acquire(self, cost: Cost) -> None:
        """Wait until `cost` may be sent, then take it. Callers are served in order."""
        self.waiting += 1
        try:
            async with self._lock:
                while True:
                    if self.in_flight >= self.allowed():
                        await self._changed.wait()
                        continue
                    delay = await self._admit(cost)
                    if delay <= 0:
                        break
                    with anyio.move_on_after(delay):
                        await self._changed.wait()
        finally:
            self.waiting -= 1
        now = self._clock()
        for kind, bucket in self.buckets.items():
            bucket.take(cost.of(kind), now)
            self.pending[kind] += cost.of(kind)
        self.in_flight += 1

    async def _admit(self, cost: Cost) -> float:
        """Seconds until `cost` may be taken by the pause and the buckets (0: now)."""
        now = self._clock()
        delay = self.paused_until - now
        if delay <= 0:
            delay = max(b.wait(cost.of(k), now) for k, b in self.buckets.items())
        return delay

    async def aclose(self) -> None:
        """Release what the pacer holds outside this process (nothing here)."""

    def release(
        self,
        cost: Cost,
        *,
        info: RateLimitInfo | None,
        used: Cost | None,
        refund_request: bool,
    ) -> None:
        """A request is over: give back what it did not use (`used`: None if the server
        produced nothing), then correct every bucket from the reply's headers."""
        now = self._clock()
        self.in_flight -= 1
        for kind, bucket in self.buckets.items():
            self.pending[kind] -= cost.of(kind)
            if used is not None:
                bucket.give(cost.of(kind) - used.of(kind), now)
            elif refund_request or kind == "output_tokens":
                bucket.give(cost.of(kind), now)
            elif kind == "tokens":
                bucket.give(cost.output_tokens, now)
        if info is not None:
            self.seeded = True
            for kind, bucket in self.buckets.items():
                bucket.observe(
                    getattr(info, kind + "_limit"),
                    getattr(info, kind + "_remaining"),
                    max(self.pending[kind], 0.0),
                    now,
                )
        self._notify()

    def succeeded(self) -> None:
        """Additive increase: one more request in flight allowed per success."""
        self.overloads = 0
        self.limit = min(float(self.max_concurrency), self.limit + 1.0)

    def overloaded(self, retry_after: float | None) -> float:
        """A 429/529: halve the concurrency limit and pause everyone until `retry_after`
        (capped at `max_wait`) or, without one, for an exponential backoff. Returns the
        pause in seconds."""
        self.limit = max(1.0, self.limit / 2.0)
        if retry_after is not None and math.isfinite(retry_after):
            pause = min(max(retry_after, 0.0), self.max_wait)
        else:
            pause = min(retry_delay(self.overloads, None), self.max_wait)
            self.overloads += 1
        self.paused_until = max(self.paused_until, self._clock() + pause)
        self._notify()
        return pause
