"""`RateLimitInfo`: the `anthropic-ratelimit-*` and retry headers, parsed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from ._retry import parse_retry_after

__all__ = ("RateLimitInfo",)

_KINDS = ("requests", "tokens", "input_tokens", "output_tokens")


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


_FRACTION = re.compile(r"(?<=:\d\d)\.(\d+)")


def _six_digits(match: re.Match[str]) -> str:
    return "." + match[1][:6].ljust(6, "0")


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python 3.10's fromisoformat takes only 3 or 6 fractional digits; RFC 3339 allows any.
    text = _FRACTION.sub(_six_digits, text, count=1)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class RateLimitInfo:
    """Rate-limit state from a response's headers; a field is None when its header was
    absent or malformed.

    For each of requests, tokens, input tokens and output tokens: the limit, what remains,
    and when it resets (a timezone-aware datetime). `retry_after` is the wait, in seconds,
    the server asked for (from `retry-after-ms` or `retry-after`).
    """

    requests_limit: int | None = None
    requests_remaining: int | None = None
    requests_reset: datetime | None = None
    tokens_limit: int | None = None
    tokens_remaining: int | None = None
    tokens_reset: datetime | None = None
    input_tokens_limit: int | None = None
    input_tokens_remaining: int | None = None
    input_tokens_reset: datetime | None = None
    output_tokens_limit: int | None = None
    output_tokens_remaining: int | None = None
    output_tokens_reset: datetime | None = None
    retry_after: float | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitInfo:
        """Parse the headers of a response. Never raises."""
        fields: dict[str, object] = {}
        for kind in _KINDS:
            prefix = "anthropic-ratelimit-" + kind.replace("_", "-")
            fields[kind + "_limit"] = _int(headers.get(prefix + "-limit"))
            fields[kind + "_remaining"] = _int(headers.get(prefix + "-remaining"))
            fields[kind + "_reset"] = _time(headers.get(prefix + "-reset"))
        return cls(retry_after=parse_retry_after(headers), **fields)  # type: ignore[arg-type]
