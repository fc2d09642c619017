"""Retry decisions, the retry-after parser and rate-limit headers (pure functions)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from hypothesis import given
from hypothesis import strategies as st

from anyio_claude import RateLimitInfo, Timeout
from anyio_claude._retry import parse_retry_after, retry_delay, should_retry

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


def test_retry_after_forms() -> None:
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert parse_retry_after({"retry-after-ms": "junk", "retry-after": "9"}) == 9.0
    assert parse_retry_after({"retry-after": "2.5"}) == 2.5
    date = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after({"retry-after": date}, now=NOW) == 30.0
    assert parse_retry_after({"retry-after": "-1"}) is None
    assert parse_retry_after({"retry-after": "nan"}) is None
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


header_text = st.one_of(
    st.text(max_size=40),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-(10**30), 10**30).map(str),
    st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: format_datetime(d, usegmt=True)),
)


@given(st.dictionaries(st.sampled_from(["retry-after", "retry-after-ms"]), header_text))
def test_retry_after_never_raises_and_is_never_negative(headers: dict[str, str]) -> None:
    value = parse_retry_after(headers, now=NOW)
    assert value is None or value >= 0


@given(st.floats(0, 10**6), st.text(max_size=20))
def test_retry_after_ms_wins(millis: float, other: str) -> None:
    value = parse_retry_after({"retry-after-ms": repr(millis), "retry-after": other})
    assert value == millis / 1000


@given(st.integers(0, 30), st.randoms(use_true_random=False))
def test_backoff_grows_and_is_capped(retries: int, rng: random.Random) -> None:
    delay = retry_delay(retries, {}, rng=rng)
    full = min(0.5 * 2**retries, 8.0)
    assert 0.75 * full <= delay <= full


def test_server_hint_is_used_only_when_sensible() -> None:
    assert retry_delay(0, {"retry-after": "3"}) == 3.0
    assert retry_delay(0, {"retry-after": "3600"}) <= 0.5  # absurd hint: own backoff
    assert retry_delay(0, {"retry-after": "0"}) <= 0.5


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


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "anthropic-ratelimit-requests-limit",
                "anthropic-ratelimit-tokens-reset",
                "retry-after",
            ]
        ),
        st.text(max_size=30),
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
