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


# Telling a fleet from a process alone: what this process and the others took, as sums
# decaying with this time constant (seconds), long enough that replies read late (which
# show others where there are none, then fewer) average out; a fleet share follows the
# server's bucket anyway, so noticing late that the others left costs little.
FLEET_WINDOW = 2.0
# Others' part of what the server's bucket lost below which this process counts itself
# alone (noise: replies, and the server's own counting, do not line up with our takes
# exactly, the less so the more we have in flight). Below MIN_SHARE: a process held at
# the smallest share by one that believes itself alone still shows, and the other backs
# off.
FLEET_NOISE = 0.02
# In a fleet, every process takes the same share of each limit, worked out from what every
# process sees alike: the server's `remaining`, as (remaining / FLEET_RESERVE seconds of the
# limit)^2. While the bucket holds more than the fleet's shares sustain, they drain it;
# below, they leave it to refill: n processes settle with FLEET_RESERVE / sqrt(n) seconds of
# the limit in the bucket, between them the whole limit, evenly (whatever each took before),
# and that reserve absorbs their bursts and the lag of their estimates instead of a 429.
FLEET_RESERVE = 1.0
# A fleet share halves or doubles at most every FLEET_STEP seconds, and doubles at most once
# a reply: one stale reply (a process held up a moment reads an old `remaining` late) cannot
# starve a process alone, nor one reply after a pause send the fleet's shares to the top.
FLEET_STEP = 0.1
# The smallest share (so a fleet of up to 1 / MIN_SHARE processes can leave the bucket to
# refill), the share a new pacer starts at, and how fast it doubles while alone (seconds).
MIN_SHARE = 1 / 32
START_SHARE = 1 / 8
FLEET_RAMP = 0.2
# In a fleet, a process holds at most this many seconds of its share: what it saved while
# paused or idle, the others may well have used.
FLEET_BURST = 0.5


def fleet_share(remaining: float, per_second: float) -> float:
    """The share of a limit every process of a fleet takes while the server's bucket
    holds `remaining` of it (refilling at `per_second`)."""
    full = max(remaining, 0.0) / (per_second * FLEET_RESERVE)
    return min(1.0, full * full)


class Bucket:
    """The local estimate of one server bucket; unlimited until a limit is known.

    Several processes may draw on one server bucket. Each reply's `remaining` shows what
    the whole fleet took since the last reply; what this process did not take itself, the
    others did. `share` is this process's part of the server's bucket (1: alone; in a
    fleet, `fleet_share` of what remains): it refills at that part of the limit and
    `level` holds that part of what remains.
    """

    __slots__ = (
        "_others",
        "_own",
        "_seen",
        "_seen_at",
        "_taken",
        "capacity",
        "fleet",
        "level",
        "resumed",
        "share",
        "updated",
    )

    def __init__(self, per_minute: int | None = None, share: float = 1.0) -> None:
        self.capacity: float | None = None if per_minute is None else float(per_minute)
        self.level = (self.capacity or 0.0) * share
        self.updated: float | None = None
        self.share = share
        # Whether the last replies showed others drawing on the same bucket.
        self.fleet = False
        # Since the last reply: what this process took (net of what it gave back). Sums
        # decaying over FLEET_WINDOW: its own takes and the others'. The last `remaining`
        # seen, and when.
        self._taken = 0.0
        self._own = self._others = 0.0
        self._seen: float | None = None
        self._seen_at = 0.0
        # When the last pause ends (Pacer.overloaded).
        self.resumed = 0.0

    def _ceiling(self) -> float:
        # Alone, the whole bucket; in a fleet, a short burst of our share: what we saved
        # while paused or idle, the others may well have used.
        assert self.capacity is not None
        if not self.fleet:
            return self.capacity * self.share
        return self.capacity / 60.0 * self.share * FLEET_BURST

    def set_share(self, share: float) -> None:
        """Take `share` of the server's bucket (clamped to [MIN_SHARE, 1]); what we hold
        of what remains shrinks with it, and a larger share shows in the refill only."""
        share = min(1.0, max(MIN_SHARE, share))
        # Not grown at once: after a pause in the replies (a server held up, a machine
        # suspended) every process of a fleet reads the same refilled `remaining` at once,
        # and each would take its larger share of it in one burst.
        if self.level > 0 and share < self.share:
            self.level *= share / self.share
        self.share = share

    def restart(self, now: float) -> None:
        """Start over as a process just started: at START_SHARE, nothing saved, nothing
        known of a fleet. For a process whose takes were paced by something else (a
        shared pacer that failed): its own estimate of its part is meaningless."""
        self.share = START_SHARE
        self.fleet = False
        self.level = 0.0
        self.updated = now
        self._taken = self._own = self._others = 0.0
        self._seen = None

    def refill(self, now: float) -> None:
        if self.capacity is not None and self.updated is not None:
            rate = self.capacity / 60.0 * self.share
            self.level = min(self._ceiling(), self.level + (now - self.updated) * rate)
        self.updated = now

    def wait(self, amount: float, now: float) -> float:
        """Seconds until `amount` can be taken (0: now). An amount over what the bucket
        can hold (our share of it; in a fleet, a short burst) waits for a full one."""
        self.refill(now)
        if self.capacity is None or self.capacity <= 0:
            return 0.0
        amount = min(amount, self._ceiling())
        if self.level >= amount:
            return 0.0
        return (amount - self.level) / (self.capacity / 60.0 * self.share)

    def take(self, amount: float, now: float) -> None:
        self.refill(now)
        self.level -= amount
        self._taken += amount

    def give(self, amount: float, now: float) -> None:
        self.refill(now)
        self.level += amount
        self._taken -= amount
        if self.capacity is not None:
            self.level = min(self.level, self._ceiling())

    def observe(self, limit: int | None, remaining: int | None, pending: float, now: float) -> None:
        """Correct from a reply's headers; `pending` is what other requests still in
        flight have taken that the server may not have counted yet."""
        if limit is None or limit <= 0:
            return
        self.refill(now)
        if self.capacity is None:
            self.capacity = float(limit)
            self.level = float(limit) * self.share
        elif self.capacity != limit:
            self.level += (limit - self.capacity) * self.share
            self.capacity = float(limit)
        if remaining is not None:
            self._infer_fleet(float(remaining), pending, now)
            self.level = min(self.level, self.share * remaining - pending)

    def _infer_fleet(self, remaining: float, pending: float, now: float) -> None:
        assert self.capacity is not None
        if self._seen is not None:
            elapsed = max(now - self._seen_at, 0.0)
            rate = self.capacity / 60.0
            # Alone, the server's bucket would hold this now.
            alone = min(self.capacity, self._seen + elapsed * rate - self._taken)
            decay = math.exp(-elapsed / FLEET_WINDOW)
            self._own = self._own * decay + self._taken
            self._others = self._others * decay + (alone - remaining)
            own, others = max(self._own, 0.0), max(self._others, 0.0)
            total = own + others
            # The more in flight, the further our takes and the server's count are apart.
            self.fleet = total > 0 and others > FLEET_NOISE * (total + pending)
            if self.fleet:
                # Not our part of what the fleet took: that would keep whatever part each
                # process happened to start with.
                # Down as far as the time since the last reply allows, up by one step at
                # most: a reply after a pause in them (a server held up) shows a bucket
                # refilled by the requests it has not counted yet.
                step = 2.0 ** (elapsed / FLEET_STEP)
                target = fleet_share(remaining, rate)
                up = self.share * min(step, 2.0)
                self.set_share(min(up, max(self.share / step, target)))
            else:
                # Alone so far: back to the whole limit, doubling every FLEET_RAMP seconds,
                # and ours the same part more of what remains.
                # The time since the last reply counts only from the end of a pause: the
                # server's refill during one is no sign of being alone (every process of a
                # fleet paused by the same 429s resumes at once, and each would take it all).
                active = max(now - max(self._seen_at, self.resumed), 0.0)
                before = self.share
                self.share = min(1.0, before * 2.0 ** min(active / FLEET_RAMP, 4.0))
                self.level += (self.share - before) * max(remaining, 0.0)
        self._taken = 0.0
        self._seen, self._seen_at = remaining, now


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
        # A process starting among others cannot tell them from itself until a few
        # replies have come back: it starts at a part of each limit and doubles it while
        # it sees nobody else.
        self.buckets = {kind: Bucket((limits or {}).get(kind), START_SHARE) for kind in _KINDS}
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
        # Overdrawn: our share of every bucket was too large (alone, it doubles back).
        for bucket in self.buckets.values():
            bucket.set_share(bucket.share / 2.0)
        if retry_after is not None and math.isfinite(retry_after):
            pause = min(max(retry_after, 0.0), self.max_wait)
        else:
            pause = min(retry_delay(self.overloads, None), self.max_wait)
            self.overloads += 1
        self.paused_until = max(self.paused_until, self._clock() + pause)
        for bucket in self.buckets.values():
            bucket.resumed = self.paused_until
        self._notify()
        return pause
