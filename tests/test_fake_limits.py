"""FakeClaude's rate limits: its token buckets (unit tests on a given clock) and the 429s and
`anthropic-ratelimit-*` headers a client sees from them on 127.0.0.1."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import anyio
import pytest

from anyio_claude import AsyncClaude, RateLimitError
from anyio_claude.testing import FakeClaude, RateLimits
from anyio_claude.testing._limits import Bucket, RateLimiter

MODEL = "claude-sonnet-5-5"
WALL = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def levels(limiter: RateLimiter) -> tuple[float, float, float, float]:
    return (
        limiter.requests.level,
        limiter.tokens.level,
        limiter.input_tokens.level,
        limiter.output_tokens.level,
    )


def test_a_bucket_without_a_limit_is_unenforced_at_its_default_capacity() -> None:
    bucket = Bucket(None, 600, empty=True)
    assert not bucket.enforced
    # Never empty, even with start_empty: only enforced buckets start at zero.
    assert (bucket.capacity, bucket.rate, bucket.level, bucket.updated) == (600.0, 10.0, 600.0, 0.0)
    assert bucket.wait_for(10_000, 1.0) == 0.0
    # Taken all the same: its headers show what was spent.
    assert bucket.level == 600.0 - 10_000


def test_a_bucket_starts_full_or_empty_and_refills_at_a_sixtieth_of_its_limit() -> None:
    full = Bucket(120, 5)
    assert full.enforced and (full.capacity, full.rate, full.level) == (120.0, 2.0, 120.0)
    empty = Bucket(120, 5, empty=True)
    assert empty.level == 0.0
    # The first refill only starts the clock (time 0 is the server's start).
    empty.refill(10.0)
    assert (empty.level, empty.updated) == (0.0, 10.0)
    empty.refill(12.5)
    assert (empty.level, empty.updated) == (5.0, 12.5)
    empty.refill(1000.0)
    assert empty.level == 120.0


def test_wait_for_takes_what_is_there_or_says_how_long_and_takes_nothing() -> None:
    bucket = Bucket(60, 5, empty=True)
    bucket.refill(1.0)
    bucket.refill(4.0)
    assert bucket.level == 3.0
    # Not enough: the time until there is, nothing taken.
    assert bucket.wait_for(5, 4.0) == 2.0
    assert bucket.level == 3.0
    # Exactly enough is enough.
    assert bucket.wait_for(3, 4.0) == 0.0
    assert bucket.level == 0.0
    assert bucket.wait_for(0.5, 4.0) == 0.5


def test_take_may_overdraw_and_refund_is_capped_at_the_capacity() -> None:
    bucket = Bucket(60, 5)
    bucket.refill(1.0)
    bucket.take(100, 1.0)
    assert bucket.level == -40.0
    bucket.refund(30, 1.0)
    assert bucket.level == -10.0
    bucket.refund(500, 2.0)
    assert bucket.level == 60.0


def test_a_bucket_reports_its_limit_what_remains_and_when_it_is_full() -> None:
    bucket = Bucket(120, 5)
    bucket.refill(1.0)
    bucket.take(30.5, 1.0)
    assert bucket.headers("tokens", 1.0, WALL) == [
        ("anthropic-ratelimit-tokens-limit", "120"),
        ("anthropic-ratelimit-tokens-remaining", "89"),
        # 30.5 short at 2 a second: full in 15.25 s, shown to the second.
        ("anthropic-ratelimit-tokens-reset", "2026-01-02T03:04:20Z"),
    ]
    # Overdrawn: nothing remains (never a negative count), full after the whole capacity.
    bucket.take(200, 1.0)
    assert bucket.headers("requests", 1.0, WALL) == [
        ("anthropic-ratelimit-requests-limit", "120"),
        ("anthropic-ratelimit-requests-remaining", "0"),
        ("anthropic-ratelimit-requests-reset", "2026-01-02T03:05:05Z"),
    ]
    # Headers read the level as of `now`: 10 s later, 20 more.
    bucket.refund(1000, 1.0)
    bucket.take(50, 1.0)
    assert bucket.headers("x", 11.0, WALL)[1] == ("anthropic-ratelimit-x-remaining", "90")


def test_the_limiter_defaults_and_start_empty() -> None:
    limiter = RateLimiter(RateLimits())
    assert [b.capacity for b in (limiter.requests, limiter.tokens)] == [4000.0, 400_000.0]
    assert [b.capacity for b in (limiter.input_tokens, limiter.output_tokens)] == [
        400_000.0,
        80_000.0,
    ]
    assert not any(
        b.enforced
        for b in (limiter.requests, limiter.tokens, limiter.input_tokens, limiter.output_tokens)
    )
    empty = RateLimiter(RateLimits(requests_per_minute=10, tokens_per_minute=100, start_empty=True))
    assert levels(empty) == (0.0, 0.0, 400_000.0, 80_000.0)
    assert empty.requests.enforced and empty.tokens.enforced
    split = RateLimiter(
        RateLimits(input_tokens_per_minute=10, output_tokens_per_minute=20, start_empty=True)
    )
    assert levels(split) == (4000.0, 400_000.0, 0.0, 0.0)


def test_the_spend_limit_counts_answered_requests() -> None:
    assert not RateLimiter(RateLimits()).spent()
    limiter = RateLimiter(RateLimits(spend_limit=2))
    assert not limiter.spent()
    limiter.produced(1, 10, 1.0)
    assert not limiter.spent()
    limiter.produced(1, 10, 1.0)
    assert limiter.spent() and limiter.answered == 2


def test_admission_takes_from_the_combined_bucket_and_the_enforced_ones_only() -> None:
    limiter = RateLimiter(RateLimits(tokens_per_minute=1000))
    assert limiter.admit_tokens(100, 50, 1.0) == (0.0, "")
    # The combined bucket is charged the input; unenforced input and output are not.
    assert levels(limiter) == (4000.0, 900.0, 400_000.0, 80_000.0)
    separate = RateLimiter(RateLimits(input_tokens_per_minute=600, output_tokens_per_minute=120))
    assert separate.admit_tokens(100, 50, 1.0) == (0.0, "")
    assert levels(separate) == (4000.0, 399_900.0, 500.0, 70.0)


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        # Each limit names itself; the wait is what the short bucket needs at its rate.
        (RateLimits(tokens_per_minute=60), (40.0, "tokens")),
        (RateLimits(input_tokens_per_minute=30), (140.0, "input tokens")),
        (RateLimits(output_tokens_per_minute=30), (40.0, "output tokens")),
    ],
)
def test_a_refused_admission_names_its_limit_and_takes_nothing(
    limits: RateLimits, expected: tuple[float, str]
) -> None:
    limiter = RateLimiter(limits)
    before = levels(limiter)
    assert limiter.admit_tokens(100, 50, 1.0) == expected
    # The buckets checked before the one that refused got their part back.
    assert levels(limiter) == before


def test_unadmit_gives_back_everything_an_admission_took() -> None:
    for limits in (
        RateLimits(requests_per_minute=10, tokens_per_minute=1000),
        RateLimits(input_tokens_per_minute=1000, output_tokens_per_minute=1000),
    ):
        limiter = RateLimiter(limits)
        limiter.requests.take(3, 1.0)
        assert limiter.admit_tokens(300, 200, 1.0) == (0.0, "")
        for bucket in (limiter.tokens, limiter.input_tokens, limiter.output_tokens):
            bucket.take(5, 1.0)
        limiter.unadmit(300, 200, 1.0)
        # One request back; the unenforced buckets, never charged, are not credited either.
        assert levels(limiter) == tuple(
            b.capacity - (5 if b is not limiter.requests else 2)
            for b in (limiter.requests, limiter.tokens, limiter.input_tokens, limiter.output_tokens)
        )


def test_produced_charges_the_output_and_refunds_the_unused_reservation() -> None:
    limiter = RateLimiter(RateLimits(tokens_per_minute=1000, output_tokens_per_minute=1000))
    assert limiter.admit_tokens(100, 300, 1.0) == (0.0, "")
    limiter.produced(40, 300, 1.0)
    assert levels(limiter)[1:] == (860.0, 400_000.0, 960.0)
    loose = RateLimiter(RateLimits())
    loose.produced(40, 300, 1.0)
    # An unenforced output bucket is never charged, so nothing is refunded to it.
    assert levels(loose)[1:] == (399_960.0, 400_000.0, 80_000.0)


def test_headers_report_the_combined_bucket_for_unenforced_input_and_output() -> None:
    limiter = RateLimiter(RateLimits(tokens_per_minute=6000))
    limiter.tokens.take(100, 1.0)
    shown = dict(limiter.headers(1.0, WALL))
    assert shown["anthropic-ratelimit-requests-limit"] == "4000"
    for kind in ("tokens", "input-tokens", "output-tokens"):
        assert shown[f"anthropic-ratelimit-{kind}-limit"] == "6000"
        assert shown[f"anthropic-ratelimit-{kind}-remaining"] == "5900"
    separate = RateLimiter(RateLimits(input_tokens_per_minute=700, output_tokens_per_minute=800))
    shown = dict(separate.headers(1.0, WALL))
    assert shown["anthropic-ratelimit-tokens-limit"] == "400000"
    assert shown["anthropic-ratelimit-input-tokens-limit"] == "700"
    assert shown["anthropic-ratelimit-output-tokens-limit"] == "800"
    assert len(separate.headers(1.0, WALL)) == 12


def params(max_tokens: int = 50) -> dict[str, object]:
    return {
        "model": MODEL,
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": "hello there"}],
    }


@pytest.mark.anyio
async def test_a_client_sees_the_limit_it_hit_and_the_buckets_left_as_they_were() -> None:
    limits = RateLimits(requests_per_minute=10, output_tokens_per_minute=120)
    async with (
        FakeClaude(rate_limits=limits) as server,
        AsyncClaude(api_key="k", base_url=server.url, max_retries=0) as client,
    ):
        reply = await client.messages.with_raw_response.create(**params(100))  # type: ignore[arg-type]
        message = await reply.parse()
        used = message.usage.output_tokens
        assert reply.headers["anthropic-ratelimit-requests-remaining"] == "9"
        assert reply.headers["anthropic-ratelimit-output-tokens-limit"] == "120"
        # max_tokens was reserved, what the reply did not use given back.
        left = int(reply.headers["anthropic-ratelimit-output-tokens-remaining"])
        assert 120 - used <= left <= 120 - used + 2
        with pytest.raises(RateLimitError) as info:
            await client.messages.create(**params(120))  # type: ignore[arg-type]
        assert "rate limit of output tokens per minute" in info.value.message
        # The wait for the `used` tokens short, refilling at 2 a second.
        wait = int(info.value.response.headers["retry-after"])
        assert max(1, math.ceil(used / 2) - 1) <= wait <= max(1, math.ceil(used / 2))
        # The refused request took no request: the next one that fits still goes.
        reply = await client.messages.with_raw_response.create(**params(1))  # type: ignore[arg-type]
        assert reply.headers["anthropic-ratelimit-requests-remaining"] == "8"


@pytest.mark.anyio
async def test_the_requests_limit_refuses_before_the_token_limits() -> None:
    limits = RateLimits(requests_per_minute=1, tokens_per_minute=60, start_empty=True)
    async with (
        FakeClaude(rate_limits=limits) as server,
        AsyncClaude(api_key="k", base_url=server.url, max_retries=0) as client,
    ):
        with anyio.fail_after(10):
            with pytest.raises(RateLimitError) as info:
                await client.messages.create(**params())  # type: ignore[arg-type]
    assert "rate limit of requests per minute" in info.value.message
    # Empty at a request a minute: a minute to wait.
    assert info.value.response.headers["retry-after"] == "60"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("requests_per_minute", 0, "requests_per_minute must be a positive whole number"),
        ("tokens_per_minute", -5, "tokens_per_minute must be a positive whole number"),
        ("input_tokens_per_minute", 1.5, "input_tokens_per_minute must be a positive"),
        ("output_tokens_per_minute", True, "output_tokens_per_minute must be a positive"),
        ("spend_limit", -1, "spend_limit must be a whole number >= 0"),
    ],
)
def test_a_limit_that_cannot_refill_is_refused_naming_it(
    field: str, value: object, message: str
) -> None:
    # A limit of 0 made every request a 500 (ZeroDivisionError computing the wait).
    with pytest.raises(ValueError, match=message) as error:
        RateLimits(**{field: value})  # type: ignore[arg-type]
    assert str(error.value).endswith(f"or None, got {value!r}")
    # The smallest of each is accepted.
    assert RateLimits(**{field: 0 if field == "spend_limit" else 1})  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_a_spend_limit_of_zero_refuses_the_first_request() -> None:
    async with (
        FakeClaude(rate_limits=RateLimits(spend_limit=0)) as server,
        AsyncClaude(api_key="k", base_url=server.url, max_retries=0) as client,
    ):
        with anyio.fail_after(10), pytest.raises(RateLimitError, match="usage limits"):
            await client.messages.create(**params())  # type: ignore[arg-type]
