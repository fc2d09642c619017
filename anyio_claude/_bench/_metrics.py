"""Per-request metrics from arrival timestamps, and the run's summary statistics.

Pure functions over `RequestRecord`s: no clock, no I/O, so every definition is tested on
synthetic timelines with known answers. All times are seconds on the run's clock; the
summary reports milliseconds. Definitions (and their names in other tools) are in
docs/benchmarking.md.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = (
    "SLO",
    "STAT_KEYS",
    "RequestRecord",
    "distribution",
    "summarise",
)

STAT_KEYS = ("p50", "p90", "p95", "p99", "min", "mean", "max", "std")
_PERCENTILES = (("p50", 50.0), ("p90", 90.0), ("p95", 95.0), ("p99", 99.0))


@dataclass
class RequestRecord:
    """What one request did, as times on the run's clock (seconds).

    `content` holds the arrival time of every non-empty content delta (text, thinking or
    tool input), stamped when the bytes that completed it were read, before decoding.
    """

    index: int
    scheduled: float
    sent: float = math.nan
    end: float = math.nan
    content: list[float] = field(default_factory=list)
    input_tokens: int | None = None
    output_tokens: int | None = None
    status: int | None = None
    error: str | None = None
    request_id: str | None = None
    warmup: bool = False
    step: int = 0

    @property
    def ok(self) -> bool:
        """True if the stream ended with `message_stop` and no error."""
        return self.error is None and math.isfinite(self.end)

    @property
    def schedule_delay(self) -> float:
        """Scheduled time → actually sent: how late the harness sent it."""
        return self.sent - self.scheduled

    @property
    def ttft(self) -> float | None:
        """Sent → first non-empty content delta."""
        return self.content[0] - self.sent if self.content else None

    @property
    def ttst(self) -> float | None:
        """First → second non-empty content delta."""
        return self.content[1] - self.content[0] if len(self.content) > 1 else None

    @property
    def icl(self) -> list[float]:
        """Every gap between consecutive content deltas."""
        times = self.content
        return [later - earlier for earlier, later in itertools.pairwise(times)]

    @property
    def e2e(self) -> float:
        """Sent → last byte of the response."""
        return self.end - self.sent

    @property
    def tpot(self) -> float | None:
        """(E2E - TTFT) / (output_tokens - 1): the decode time per token after the first."""
        ttft = self.ttft
        tokens = self.output_tokens
        if ttft is None or tokens is None or tokens < 2:
            return None
        return (self.e2e - ttft) / (tokens - 1)

    @property
    def normalised_tpot(self) -> float | None:
        """E2E / output_tokens."""
        tokens = self.output_tokens
        return self.e2e / tokens if tokens else None

    def to_json(self) -> dict[str, Any]:
        """The JSONL line of this request: its times (s) and metrics (ms)."""
        return {
            "index": self.index,
            "step": self.step,
            "warmup": self.warmup,
            "scheduled_s": self.scheduled,
            "sent_s": _finite(self.sent),
            "end_s": _finite(self.end),
            "schedule_delay_ms": _ms(self.schedule_delay),
            "ttft_ms": _ms(self.ttft),
            "ttst_ms": _ms(self.ttst),
            "itl_ms": [gap * 1000 for gap in self.icl],
            "tpot_ms": _ms(self.tpot),
            "normalised_tpot_ms": _ms(self.normalised_tpot),
            "e2e_ms": _ms(self.e2e),
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "status": self.status,
            "error": self.error,
            "request_id": self.request_id,
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _ms(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value * 1000


@dataclass(frozen=True)
class SLO:
    """Service-level objectives in milliseconds; a request meeting all of them is good."""

    ttft_ms: float | None = None
    tpot_ms: float | None = None
    e2e_ms: float | None = None

    @classmethod
    def parse(cls, spec: str) -> SLO:
        """Parse `ttft:MS,tpot:MS,e2e:MS` (any subset). Raises ValueError naming the part."""
        values: dict[str, float] = {}
        for part in spec.split(","):
            name, sep, number = part.strip().partition(":")
            if name not in ("ttft", "tpot", "e2e") or not sep:
                raise ValueError(f"{part!r} is not ttft:MS, tpot:MS or e2e:MS")
            try:
                values[f"{name}_ms"] = float(number)
            except ValueError:
                raise ValueError(f"{part!r}: {number!r} is not a number of ms") from None
            if not values[f"{name}_ms"] > 0:
                raise ValueError(f"{part!r}: the limit must be positive")
        return cls(**values)

    def met(self, record: RequestRecord) -> bool:
        """True if `record` succeeded within every objective."""
        if not record.ok:
            return False
        for limit, value in (
            (self.ttft_ms, record.ttft),
            (self.tpot_ms, record.tpot),
            (self.e2e_ms, record.e2e),
        ):
            if limit is not None and (value is None or value * 1000 > limit):
                return False
        return True

    def to_json(self) -> dict[str, float]:
        """The objectives that are set."""
        items = (("ttft_ms", self.ttft_ms), ("tpot_ms", self.tpot_ms), ("e2e_ms", self.e2e_ms))
        return {name: value for name, value in items if value is not None}


def _percentile(ordered: Sequence[float], p: float) -> float:
    # Linear interpolation between closest ranks: numpy's default, so numbers compare.
    rank = p / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def distribution(values_s: Iterable[float]) -> dict[str, float | None]:
    """p50/p90/p95/p99/min/mean/max/std (population) of `values_s`, in milliseconds.

    Every key is None when there are no values.
    """
    ordered = sorted(value * 1000 for value in values_s)
    if not ordered:
        return dict.fromkeys(STAT_KEYS)
    mean = math.fsum(ordered) / len(ordered)
    stats: dict[str, float | None] = {name: _percentile(ordered, p) for name, p in _PERCENTILES}
    stats["min"] = ordered[0]
    stats["mean"] = mean
    stats["max"] = ordered[-1]
    stats["std"] = math.sqrt(math.fsum((v - mean) ** 2 for v in ordered) / len(ordered))
    return stats


def _present(values: Iterable[float | None]) -> list[float]:
    return [value for value in values if value is not None]


def summarise(records: Sequence[RequestRecord], slo: SLO | None = None) -> dict[str, Any]:
    """The summary of a run's measured (non-warmup) requests.

    Keys: `ttft_ms`, `ttst_ms`, `itl_ms`, `tpot_ms`, `normalised_tpot_ms`, `e2e_ms`,
    `schedule_delay_ms` (each a `distribution`), `request_throughput` (completed requests
    / (last response - first request), per second), `output_token_throughput`, `goodput`,
    `errors`, `requests`, `completed`, `duration_s`, `input_tokens`, `output_tokens`.
    """
    measured = [record for record in records if not record.warmup]
    sent = [record for record in measured if math.isfinite(record.sent)]
    good = [record for record in sent if record.ok]
    if sent:
        first = min(record.sent for record in sent)
        last = max((record.end for record in sent if math.isfinite(record.end)), default=first)
        duration = last - first
    else:
        duration = 0.0
    output_tokens = sum(record.output_tokens or 0 for record in good)
    input_tokens = sum(record.input_tokens or 0 for record in good)
    slo = slo or SLO()
    good_slo = sum(1 for record in good if slo.met(record))
    errors: dict[str, int] = {}
    statuses: dict[str, int] = {}
    for record in measured:
        if record.error is not None:
            errors[record.error] = errors.get(record.error, 0) + 1
            key = str(record.status) if record.status is not None else "none"
            statuses[key] = statuses.get(key, 0) + 1

    def rate(count: float) -> float | None:
        return count / duration if duration > 0 else None

    return {
        "requests": len(measured),
        "completed": len(good),
        "duration_s": duration,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "ttft_ms": distribution(_present(record.ttft for record in good)),
        "ttst_ms": distribution(_present(record.ttst for record in good)),
        "itl_ms": distribution(gap for record in good for gap in record.icl),
        "tpot_ms": distribution(_present(record.tpot for record in good)),
        "normalised_tpot_ms": distribution(_present(record.normalised_tpot for record in good)),
        "e2e_ms": distribution(record.e2e for record in good),
        "schedule_delay_ms": distribution(record.schedule_delay for record in sent),
        "request_throughput": rate(len(good)),
        "output_token_throughput": rate(output_tokens),
        "goodput": {
            "slo": slo.to_json(),
            "requests": good_slo,
            "fraction": good_slo / len(measured) if measured else None,
            "request_throughput": rate(good_slo),
        },
        "errors": {"total": sum(errors.values()), "by_class": errors, "by_status": statuses},
    }
