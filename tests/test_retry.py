"""Retry decisions, the retry-after parser and rate-limit headers (pure functions)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anyio_claude import RateLimitInfo, Timeout
from anyio_claude._retry import (
    parse_retry_after,
    retry_delay,
    should_retry,
    should_retry_failure,
)

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


def test_which_statuses_are_retried() -> None:
    for status in (408, 409, 429, 500, 502, 503, 529):
        assert should_retry(status, {})
    for status in (400, 401, 403, 404, 413, 418, 422):
        assert not should_retry(status, {})
        assert should_retry(status, {"x-should-retry": "true"})
    for status in (408, 409, 429, 500, 529):
        assert not should_retry(status, {"x-should-retry": "false"})
    # Like the official SDK, only the exact values override the status rule.
    assert not should_retry(400, {"x-should-retry": "True"})
    assert should_retry(529, {"x-should-retry": "no"})


def test_a_transport_failure_is_retried_unless_the_head_before_it_said_false() -> None:
    assert should_retry_failure(None)
    assert should_retry_failure({})
    assert should_retry_failure({"x-should-retry": "true"})
    assert should_retry_failure({"x-should-retry": "False"})  # exactly "false", as the SDK
    assert not should_retry_failure({"x-should-retry": "false"})


def test_retry_after_forms() -> None:
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert parse_retry_after({"retry-after-ms": "junk", "retry-after": "9"}) == 9.0
    assert parse_retry_after({"retry-after": "2.5"}) == 2.5
    # Zero and sub-second waits are waits the server asked for, not "no header".
    assert parse_retry_after({"retry-after": "0.5"}) == 0.5
    assert parse_retry_after({"retry-after": "0"}) == 0.0
    assert parse_retry_after({"retry-after-ms": "0", "retry-after": "9"}) == 0.0
    date = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after({"retry-after": date}, now=NOW) == 30.0
    assert parse_retry_after({"retry-after": "-1"}) is None
    assert parse_retry_after({"retry-after": "nan"}) is None
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


# Header values reach us decoded as latin-1. A full-Unicode `st.text()` would also make the
# first test to draw it pay Hypothesis's one-off codec table (~1 s), failing the `too_slow`
# health check whenever this file runs alone.
latin1 = st.characters(max_codepoint=0xFF)
header_text = st.one_of(
    st.text(latin1, max_size=40),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-(10**30), 10**30).map(str),
    st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: format_datetime(d, usegmt=True)),
)


@given(st.dictionaries(st.sampled_from(["retry-after", "retry-after-ms"]), header_text))
def test_retry_after_never_raises_and_is_never_negative(headers: dict[str, str]) -> None:
    value = parse_retry_after(headers, now=NOW)
    assert value is None or value >= 0


@given(st.floats(0, 10**6), st.text(latin1, max_size=20))
def test_retry_after_ms_wins(millis: float, other: str) -> None:
    value = parse_retry_after({"retry-after-ms": repr(millis), "retry-after": other})
    assert value == millis / 1000


class FixedRandom(random.Random):
    """A `random()` that always returns `value`: the two ends of the jitter range."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


# The official SDK's backoff (anthropic/_base_client.py, `_calculate_retry_timeout`): 0.5 s
# doubled per retry taken, at most 8 s, times a jitter factor in (0.75, 1].
SDK_BACKOFF = [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_backoff_matches_the_official_sdk_without_jitter() -> None:
    no_jitter = FixedRandom(0.0)
    assert [retry_delay(n, {}, rng=no_jitter) for n in range(7)] == SDK_BACKOFF
    assert retry_delay(10_000, None, rng=no_jitter) == 8.0


def test_jitter_shortens_by_at_most_a_quarter() -> None:
    almost_one = FixedRandom(0.999999)
    assert [round(retry_delay(n, {}, rng=almost_one), 4) for n in range(5)] == [
        round(0.75 * d, 4) for d in SDK_BACKOFF[:5]
    ]
    assert retry_delay(0, {}, rng=FixedRandom(0.5)) == 0.5 * 0.875


@given(st.integers(0, 30), st.randoms(use_true_random=False))
def test_backoff_grows_and_is_capped(retries: int, rng: random.Random) -> None:
    delay = retry_delay(retries, {}, rng=rng)
    full = SDK_BACKOFF[min(retries, len(SDK_BACKOFF) - 1)]
    assert 0.75 * full <= delay <= full


def test_server_hint_is_used_only_when_sensible() -> None:
    no_jitter = FixedRandom(0.0)
    assert retry_delay(0, {"retry-after": "3"}) == 3.0
    assert retry_delay(3, {"retry-after-ms": "250"}) == 0.25
    # Up to a minute is honoured, even on the first retry; longer is our own backoff.
    assert retry_delay(0, {"retry-after": "60"}) == 60.0
    assert retry_delay(2, {"retry-after": "60.5"}, rng=no_jitter) == 2.0
    assert retry_delay(0, {"retry-after": "3600"}, rng=no_jitter) == 0.5
    # "Retry now" would hammer the server: a zero hint also falls back to backoff.
    assert retry_delay(1, {"retry-after": "0"}, rng=no_jitter) == 1.0
    assert retry_delay(1, {"retry-after-ms": "0"}, rng=no_jitter) == 1.0


@pytest.mark.parametrize("millis", ["inf", "-inf", "nan", "-5", "1e400", ""])
def test_unusable_retry_after_ms_falls_back_to_retry_after(millis: str) -> None:
    assert parse_retry_after({"retry-after-ms": millis, "retry-after": "4"}) == 4.0
    assert parse_retry_after({"retry-after-ms": millis}) is None
    assert retry_delay(0, {"retry-after-ms": millis}, rng=FixedRandom(0.0)) == 0.5


def test_retry_after_dates() -> None:
    past = format_datetime(NOW - timedelta(seconds=5), usegmt=True)
    assert parse_retry_after({"retry-after": past}, now=NOW) is None
    # An HTTP date without a zone (obsolete RFC 850 forms) is read as GMT.
    assert parse_retry_after({"retry-after": "Thu, 01 Jan 2026 12:00:09"}, now=NOW) == 9.0
    assert (
        parse_retry_after({"retry-after": "Fri, 31 Dec 9999 23:59:59 GMT"}, now=NOW)
        == (datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc) - NOW).total_seconds()
    )
    assert parse_retry_after({"retry-after": "Mon, 01 Jan 0001 00:00:00 +0100"}, now=NOW) is None
    # Without `now`, the date is measured from the current time.
    soon = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=100), usegmt=True)
    value = parse_retry_after({"retry-after": soon})
    assert value is not None and 95 <= value <= 100


def test_rate_limit_info_parses_every_header() -> None:
    headers = {
        "anthropic-ratelimit-requests-limit": "50",
        "anthropic-ratelimit-requests-remaining": "49",
        "anthropic-ratelimit-requests-reset": "2026-01-01T12:00:30Z",
        "anthropic-ratelimit-tokens-limit": "1000",
        "anthropic-ratelimit-tokens-remaining": "oops",
        "anthropic-ratelimit-input-tokens-limit": "800",
        "anthropic-ratelimit-output-tokens-reset": "2026-01-01T12:00:31+00:00",
        "retry-after": "7",
    }
    info = RateLimitInfo.from_headers(headers)
    assert info.requests_limit == 50 and info.requests_remaining == 49
    assert info.requests_reset == NOW + timedelta(seconds=30)
    assert info.tokens_limit == 1000 and info.tokens_remaining is None
    assert info.input_tokens_limit == 800
    assert info.output_tokens_reset == NOW + timedelta(seconds=31)
    assert info.retry_after == 7.0
    assert info.output_tokens_limit is None and info.tokens_reset is None


def test_rate_limit_reset_forms() -> None:
    def reset(value: str) -> datetime | None:
        return RateLimitInfo.from_headers({"anthropic-ratelimit-tokens-reset": value}).tokens_reset

    at_30 = NOW + timedelta(seconds=30)
    assert reset("2026-01-01T12:00:30z") == at_30
    assert reset(" 2026-01-01T12:00:30Z ") == at_30
    assert reset("2026-01-01T13:00:30+01:00") == at_30
    # RFC 3339 requires an offset; a reset time without one is read as UTC, never local time.
    without_offset = reset("2026-01-01T12:00:30")
    assert without_offset == at_30 and without_offset.tzinfo is not None
    # Any number of fractional digits (Python 3.10's parser takes only 3 or 6).
    assert reset("2026-01-01T12:00:30.123456789Z") == at_30 + timedelta(microseconds=123456)
    assert reset("2026-01-01T12:00:30.5Z") == at_30 + timedelta(microseconds=500000)
    assert reset("2026-01-01T12:00:30.5+00:00") == at_30 + timedelta(microseconds=500000)
    for bad in ("", "soon", "2026-13-01T00:00:00Z"):
        assert reset(bad) is None
    info = RateLimitInfo.from_headers({"anthropic-ratelimit-requests-limit": " 50 "})
    assert info.requests_limit == 50 and info.retry_after is None


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "anthropic-ratelimit-requests-limit",
                "anthropic-ratelimit-tokens-reset",
                "retry-after",
            ]
        ),
        st.text(latin1, max_size=30),
    )
)
def test_rate_limit_info_never_raises(headers: dict[str, str]) -> None:
    RateLimitInfo.from_headers(headers)


def test_timeout_takes_httpx_arguments() -> None:
    assert Timeout() == Timeout(connect=5.0, read=600.0, write=600.0, pool=600.0)
    fine = Timeout(60.0, read=5.0, write=10.0, connect=2.0)
    assert (fine.connect, fine.read, fine.write, fine.pool) == (2.0, 5.0, 10.0, 60.0)
    assert Timeout(None).read is None and Timeout(None, stream_idle=3).stream_idle == 3
    # A float sets every phase, as `httpx.Timeout(value)` does in the official SDK.
    assert Timeout.coerce(20.0) == Timeout(connect=20.0, read=20.0, write=20.0, pool=20.0)
    assert Timeout.coerce(None) == Timeout(None)
