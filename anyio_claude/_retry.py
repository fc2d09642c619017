"""When to retry and how long to wait: pure functions over status codes and headers."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from datetime import datetime, timezone

__all__ = ("parse_retry_after", "retry_delay", "should_retry", "should_retry_failure")

INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
# A server-suggested wait longer than this is ignored in favour of our own backoff.
MAX_SERVER_DELAY = 60.0


def should_retry(status: int, headers: Mapping[str, str]) -> bool:
    """Whether a reply with `status` is worth another attempt: the official SDK's rule.

    The server's `x-should-retry` header decides when it is exactly `true` or `false`;
    otherwise 408, 409, 429 and every 5xx (529 included) are retried, nothing else.
    """
    hint = headers.get("x-should-retry")
    if hint == "true":
        return True
    if hint == "false":
        return False
    return status in (408, 409, 429) or status >= 500


def should_retry_failure(headers: Mapping[str, str] | None) -> bool:
    """Whether a transport failure is worth another attempt: not when the response head
    that arrived before it said `x-should-retry: false` (the official SDK's rule); `headers`
    is None when the failure came before any head."""
    return headers is None or headers.get("x-should-retry") != "false"


def parse_retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """The wait the server asks for, in seconds, or None. Never raises.

    `retry-after-ms` (milliseconds) wins over `retry-after`, which may be seconds or an
    HTTP date (relative to `now`, default the current time). Negative, non-finite or
    unparsable values give None.
    """
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            value = float(millis) / 1000.0
        except ValueError:
            value = math.nan
        if math.isfinite(value) and value >= 0:
            return value
    text = headers.get("retry-after")
    if text is None:
        return None
    try:
        seconds = float(text)
    except ValueError:
        # Imported here: email.utils costs ~12 ms of start-up (benchmarks/import_time.py),
        # and HTTP dates are rare.
        import email.utils

        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        try:
            seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
        except OverflowError:
            return None
    if math.isfinite(seconds) and seconds >= 0:
        return seconds
    return None


def retry_delay(
    retries_taken: int,
    headers: Mapping[str, str] | None,
    *,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before retry number `retries_taken + 1`.

    The server's `retry-after(-ms)` when it is between 0 and 60 s; otherwise exponential
    backoff, 0.5 s · 2ⁿ capped at 8 s, shortened by up to 25 % of jitter.
    """
    if headers is not None:
        suggested = parse_retry_after(headers)
        if suggested is not None and 0 < suggested <= MAX_SERVER_DELAY:
            return suggested
    delay = min(INITIAL_DELAY * 2.0 ** min(retries_taken, 10), MAX_DELAY)
    jitter = (rng or random).random()
    return delay * (1 - 0.25 * jitter)
