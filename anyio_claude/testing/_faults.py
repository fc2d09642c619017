"""Fault injection: which requests fail, and how (`Fault`)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ("STATUS_FAULTS", "Fault", "FaultKind")

FaultKind = Literal[
    "server_error",
    "overloaded",
    "rate_limited",
    "gateway_timeout",
    "mid_stream_error",
    "reset_mid_body",
    "stall",
    "malformed_sse",
]
STATUS_FAULTS: dict[str, tuple[int, str, str]] = {
    "server_error": (500, "api_error", "Internal server error"),
    "overloaded": (529, "overloaded_error", "Overloaded"),
    "rate_limited": (429, "rate_limit_error", "Number of requests has exceeded your rate limit"),
    "gateway_timeout": (504, "timeout_error", "Request timed out"),
}


@dataclass
class Fault:
    """A fault to inject into matching requests.

    Kinds: `server_error` (500), `overloaded` (529), `rate_limited` (429 with
    `retry-after`), `gateway_timeout` (504) answer instead of the reply;
    `mid_stream_error` sends an `event: error` (overloaded) after `after_events` events;
    `reset_mid_body` resets the connection mid-body; `stall` stops sending mid-body
    without closing; `malformed_sse` sends an event whose data is not JSON.

    Which requests: those to `path` (default `/v1/messages`), further narrowed by
    `every` (every Nth), `nth` (only the Nth, 1-based) or `probability` (seeded by
    `seed`); with none of these, every matching request. `times` caps how often it fires.
    """

    kind: FaultKind
    every: int | None = None
    nth: int | None = None
    probability: float | None = None
    seed: int = 0
    times: int | None = None
    after_events: int = 3
    path: str = "/v1/messages"
    seen: int = field(default=0, init=False, repr=False)
    fired: int = field(default=0, init=False, repr=False)
    _rng: random.Random | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        valid = set(STATUS_FAULTS) | {
            "mid_stream_error",
            "reset_mid_body",
            "stall",
            "malformed_sse",
        }
        if self.kind not in valid:
            raise ValueError(f"unknown fault kind {self.kind!r}; choose from {sorted(valid)}")

    def matches(self, path: str) -> bool:
        """Count a request to `path` and say whether the fault fires for it."""
        if path != self.path:
            return False
        self.seen += 1
        if self.times is not None and self.fired >= self.times:
            return False
        if self.nth is not None:
            hit = self.seen == self.nth
        elif self.every is not None:
            hit = self.seen % self.every == 0
        elif self.probability is not None:
            if self._rng is None:
                self._rng = random.Random(self.seed)
            hit = self._rng.random() < self.probability
        else:
            hit = True
        if hit:
            self.fired += 1
        return hit

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """A fault from the command-line form `kind[:key=value...]`, e.g. `overloaded:every=3`."""
        kind, *options = spec.strip().split(":")
        kwargs: dict[str, Any] = {}
        for option in options:
            key, _, value = option.partition("=")
            if key in ("every", "nth", "seed", "times", "after_events"):
                kwargs[key] = int(value)
            elif key == "probability":
                kwargs[key] = float(value)
            elif key == "path":
                kwargs[key] = value
            else:
                raise ValueError(f"unknown fault option {key!r} in {spec!r}")
        return cls(kind, **kwargs)  # type: ignore[arg-type]
