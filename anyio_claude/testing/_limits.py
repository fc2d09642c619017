"""Rate limits: token buckets and the `anthropic-ratelimit-*` headers they report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ("RateLimiter", "RateLimits")


@dataclass(frozen=True)
class RateLimits:
    """Token buckets, refilled continuously: requests and (input + output) tokens a minute,
    and optionally input and output tokens apart.

    A request that finds a bucket empty gets a 429 `rate_limit_error` with `retry-after`,
    and takes nothing from any bucket. None leaves that bucket unenforced (its headers
    still report a large limit; unenforced input and output buckets report the combined
    one). The output bucket is charged `max_tokens` on arrival and refunded what the
    reply did not use, as the API does. `start_empty` starts every bucket at zero, so
    the steady rate shows at once. After `spend_limit` answered requests, every request
    gets a 429 without `retry-after` saying the usage limit is reached. A limit that is not
    a positive whole number, or a negative `spend_limit`, raises `ValueError` naming it.
    """

    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    input_tokens_per_minute: int | None = None
    output_tokens_per_minute: int | None = None
    start_empty: bool = False
    spend_limit: int | None = None

    def __post_init__(self) -> None:
        """Raises `ValueError` naming a limit that is not a positive whole number (a bucket
        that never refills has no wait to tell), or a negative `spend_limit`."""
        for name in (
            "requests_per_minute",
            "tokens_per_minute",
            "input_tokens_per_minute",
            "output_tokens_per_minute",
            "spend_limit",
        ):
            value = getattr(self, name)
            smallest = 0 if name == "spend_limit" else 1
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < smallest
            ):
                what = "a whole number >= 0" if smallest == 0 else "a positive whole number"
                raise ValueError(f"RateLimits: {name} must be {what} or None, got {value!r}")


class Bucket:
    """A continuously refilled bucket; `level` may go below zero (output already sent)."""

    __slots__ = ("capacity", "enforced", "level", "rate", "updated")

    def __init__(self, per_minute: int | None, default: int, empty: bool = False) -> None:
        self.enforced = per_minute is not None
        self.capacity = float(per_minute if per_minute is not None else default)
        self.rate = self.capacity / 60.0
        self.level = 0.0 if empty and self.enforced else self.capacity
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

    def refund(self, amount: float, now: float) -> None:
        """Give back `amount` taken by `wait_for` and not used."""
        self.refill(now)
        self.level = min(self.capacity, self.level + amount)

    def headers(self, name: str, now: float, wall: datetime) -> list[tuple[str, str]]:
        self.refill(now)
        full_in = (self.capacity - max(self.level, 0.0)) / self.rate
        reset = (wall + timedelta(seconds=full_in)).strftime("%Y-%m-%dT%H:%M:%SZ")
        prefix = f"anthropic-ratelimit-{name}"
        return [
            (f"{prefix}-limit", str(int(self.capacity))),
            (f"{prefix}-remaining", str(max(int(self.level), 0))),
            (f"{prefix}-reset", reset),
        ]


class RateLimiter:
    """The server's buckets, and the headers every response carries."""

    def __init__(self, limits: RateLimits) -> None:
        empty = limits.start_empty
        self.requests = Bucket(limits.requests_per_minute, 4000, empty)
        self.tokens = Bucket(limits.tokens_per_minute, 400_000, empty)
        self.input_tokens = Bucket(limits.input_tokens_per_minute, 400_000, empty)
        self.output_tokens = Bucket(limits.output_tokens_per_minute, 80_000, empty)
        self.spend_limit = limits.spend_limit
        self.answered = 0

    def spent(self) -> bool:
        """Whether the spend limit is reached."""
        return self.spend_limit is not None and self.answered >= self.spend_limit

    def admit_tokens(self, input_tokens: int, max_tokens: int, now: float) -> tuple[float, str]:
        """Take a request's input tokens and `max_tokens` of output, or take nothing and
        return the wait and which limit it hit ((0, "") when admitted)."""
        taken: list[tuple[Bucket, float]] = []
        for bucket, amount, what in (
            (self.tokens, input_tokens, "tokens"),
            (self.input_tokens, input_tokens, "input tokens"),
            (self.output_tokens, max_tokens, "output tokens"),
        ):
            if not bucket.enforced and bucket is not self.tokens:
                continue
            wait = bucket.wait_for(amount, now)
            if wait:
                for earlier, spent in taken:
                    earlier.refund(spent, now)
                return wait, what
            taken.append((bucket, amount))
        return 0.0, ""

    def unadmit(self, input_tokens: int, max_tokens: int, now: float) -> None:
        """Give back all an admitted request took: it was answered 429/529 after all,
        which the API does not count against the limits."""
        self.requests.refund(1, now)
        self.tokens.refund(input_tokens, now)
        if self.input_tokens.enforced:
            self.input_tokens.refund(input_tokens, now)
        if self.output_tokens.enforced:
            self.output_tokens.refund(max_tokens, now)

    def produced(self, output_tokens: int, max_tokens: int, now: float) -> None:
        """Count a reply's output: the combined bucket pays it, the output bucket gets
        back what `max_tokens` reserved beyond it."""
        self.answered += 1
        self.tokens.take(output_tokens, now)
        if self.output_tokens.enforced:
            self.output_tokens.refund(max_tokens - output_tokens, now)

    def headers(self, now: float, wall: datetime) -> list[tuple[str, str]]:
        inputs = self.input_tokens if self.input_tokens.enforced else self.tokens
        outputs = self.output_tokens if self.output_tokens.enforced else self.tokens
        return [
            *self.requests.headers("requests", now, wall),
            *self.tokens.headers("tokens", now, wall),
            *inputs.headers("input-tokens", now, wall),
            *outputs.headers("output-tokens", now, wall),
        ]
