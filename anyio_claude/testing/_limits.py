"""Rate limits: token buckets and the `anthropic-ratelimit-*` headers they report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ("RateLimiter", "RateLimits")


@dataclass(frozen=True)
class RateLimits:
    """Token buckets, refilled continuously: requests and (input + output) tokens a minute.

    A request that finds a bucket empty gets a 429 `rate_limit_error` with `retry-after`.
    None leaves that bucket unenforced (its headers still report a large limit).
    """

    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None


class Bucket:
    """A continuously refilled bucket; `level` may go below zero (output already sent)."""

    __slots__ = ("capacity", "enforced", "level", "rate", "updated")

    def __init__(self, per_minute: int | None, default: int) -> None:
        self.enforced = per_minute is not None
        self.capacity = float(per_minute if per_minute is not None else default)
        self.rate = self.capacity / 60.0
        self.level = self.capacity
        self.updated = 0.0

    def refill(self, now: float) -> None:
        if self.updated:
            self.level = min(self.capacity, self.level + (now - self.updated) * self.rate)
        self.updated = now

    def wait_for(self, amount: float, now: float) -> float:
        """Seconds until `amount` is available (0: take it now)."""
        self.refill(now)
        if not self.enforced or self.level >= amount:
            self.level -= amount
            return 0.0
        return (amount - self.level) / self.rate

    def take(self, amount: float, now: float) -> None:
        """Spend `amount` whatever the level (output tokens, counted once produced)."""
        self.refill(now)
        self.level -= amount

    def headers(self, name: str, now: float, wall: datetime) -> list[tuple[str, str]]:
        self.refill(now)
        full_in = (self.capacity - max(self.level, 0.0)) / self.rate if self.rate else 0.0
        reset = (wall + timedelta(seconds=full_in)).strftime("%Y-%m-%dT%H:%M:%SZ")
        prefix = f"anthropic-ratelimit-{name}"
        return [
            (f"{prefix}-limit", str(int(self.capacity))),
            (f"{prefix}-remaining", str(max(int(self.level), 0))),
            (f"{prefix}-reset", reset),
        ]


class RateLimiter:
    """The server's two buckets, and the headers every response carries."""

    def __init__(self, limits: RateLimits) -> None:
        self.requests = Bucket(limits.requests_per_minute, 4000)
        self.tokens = Bucket(limits.tokens_per_minute, 400_000)

    def headers(self, now: float, wall: datetime) -> list[tuple[str, str]]:
        return [
            *self.requests.headers("requests", now, wall),
            *self.tokens.headers("tokens", now, wall),
            *self.tokens.headers("input-tokens", now, wall),
            *self.tokens.headers("output-tokens", now, wall),
        ]
