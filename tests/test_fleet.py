"""Fleets: many processes on one organisation's rate limits, sharing them through Redis
(a real redis-server started here) or by what each infers from the reply headers."""

from __future__ import annotations

import logging
import subprocess
import sys
import traceback
from typing import Any

import anyio
import pytest

from anyio_claude import AsyncClaude, RedisPacer
from anyio_claude._shared_pacer import SharedPacer, _Redis
from anyio_claude.testing import FakeClaude, RateLimits
from benchmarks._fleet import FleetResult, describe, run_fleet

from ._redis import redis_server

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
KEY = "sk-fleet-test-key-0123456789"


def params(i: int) -> dict[str, Any]:
    return {
        "model": MODEL,
        "max_tokens": 20,
        "messages": [{"role": "user", "content": f"question {i}"}],
    }


def backend_of(anyio_backend: tuple[str, dict[str, object]]) -> str:
    return anyio_backend[0]


def assert_fleet(result: FleetResult, *, utilisation: float, share_429: float) -> None:
    shown = describe(result) + "\n" + "\n".join(e[-800:] for e in result.stderr if e)
    assert result.exits == [0] * result.processes, shown
    assert result.exactly_once and result.failed_results == 0, shown
    assert result.utilisation >= utilisation, shown
    assert result.share_429 <= share_429, shown
    assert result.fair_share_ratio >= 0.5, shown


# A run measures the pacers only while the server keeps up. With its event loop held up (a
# loaded machine: it shares two cores with the processes it serves), requests sent evenly
# reach its buckets together, in a burst no pacer could have seen coming; such a run is
# done again, and if every one is held up the machine cannot measure pacing at all.
MAX_STALL = 0.1
RUNS = 3


async def measured_fleet(processes: int, *, seconds: float, args: tuple[str, ...]) -> FleetResult:
    stalls: list[float] = []
    for _ in range(RUNS):
        result = await run_fleet(processes, seconds=seconds, extra_args=args)
        if result.server_stall <= MAX_STALL:
            return result
        stalls.append(result.server_stall)
    shown = ", ".join(f"{stall * 1000:.0f} ms" for stall in stalls)
    pytest.skip(f"the server was held up in each of {RUNS} runs ({shown}): too loaded to measure")


async def test_a_server_held_up_shows_in_the_result() -> None:
    # Held up 0.35 s four seconds in (the draws are seeded), while the process works.
    result = await run_fleet(1, seconds=6.0, held_up=(0.5, 0.3))
    assert result.window[0] < 4.0 + min(t for t, _, _ in result.answered) < result.window[1]
    assert result.server_stall >= 0.3, describe(result)


def test_only_a_hold_up_while_every_process_works_counts() -> None:
    result = FleetResult(1, [], [0], [""], [], [], window=(1.0, 3.0))
    result.lags = [(0.5, 0.4), (2.0, 0.02), (2.5, 0.01), (3.5, 0.4)]
    assert result.server_stall == 0.02


async def test_eight_processes_on_redis_keep_to_the_limit(
    anyio_backend: tuple[str, dict[str, object]],
) -> None:
    with redis_server() as redis:
        args = ("--redis", redis.url, "--backend", backend_of(anyio_backend))
        result = await measured_fleet(8, seconds=12.0, args=args)
    # <= 1 % once the fleet runs. The first requests of eight processes started together
    # all go out before any of them has heard of the limit, so on a loaded machine a few
    # more of those probes land than the steady rate allows: the whole run stays <= 3 %.
    assert_fleet(result, utilisation=0.85, share_429=0.03)
    assert result.steady_share_429 <= 0.01, describe(result)


async def test_a_redis_outage_mid_run_falls_back_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limits = RateLimits(requests_per_minute=1200, start_empty=True)
    with redis_server() as redis:
        async with (
            FakeClaude(rate_limits=limits) as server,
            AsyncClaude(api_key=KEY, base_url=server.url) as client,
        ):
            pacer = RedisPacer(redis.url)
            seen: list[str | None] = []
            with anyio.fail_after(30):
                async with client.messages.map(
                    [{"custom_id": f"r{i}", "params": params(i)} for i in range(120)],
                    concurrency=8,
                    pacer=pacer,
                ) as results:
                    async for result in results:
                        assert result.error is None, result.error
                        seen.append(result.custom_id)
                        if len(seen) == 30:
                            redis.stop()
    assert sorted(seen) == sorted(f"r{i}" for i in range(120))
    # Ours only: asyncio's debug mode warns of a slow step on a loaded machine.
    warnings = [
        r for r in caplog.records if r.name == "anyio_claude" and r.levelno == logging.WARNING
    ]
    assert len(warnings) == 1 and "pacing this process by itself" in warnings[0].getMessage()
    assert str(redis.port) in warnings[0].getMessage()


async def test_falling_back_starts_over_at_a_new_process_share(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # While Redis paced it, a process's own buckets were taken from at the fleet's pace:
    # overdrawn, their share at the floor, a fleet seen in the noise. Falling back on them
    # as they are stalled the outage test for 45 s (a share of 1/32 refilling 28 requests'
    # overdraft); it must start over as a new process would, the next request soon.
    from anyio_claude._pacing import START_SHARE, Cost

    with redis_server() as redis:
        url = redis.url
    now = [100.0]
    pacer = SharedPacer(url, "fallback-test", 8, max_wait=5.0, clock=lambda: now[0])
    requests = pacer.buckets["requests"]
    requests.capacity, requests.level, requests.updated = 1200.0, -28.0, now[0]
    requests.set_share(1 / 32)
    requests.fleet = True
    wait = await pacer._admit(Cost(0, 0))
    assert not pacer.shared
    assert requests.share == START_SHARE and not requests.fleet
    # One request at a new process's share of 20 a second: 0.4 s.
    assert 0 < wait <= 1 / (20 * START_SHARE) + 1e-9
    assert any("pacing this process by itself" in r.getMessage() for r in caplog.records)


async def test_an_unreachable_redis_is_a_warning_not_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with redis_server() as redis:
        url = redis.url
    async with (
        FakeClaude() as server,
        AsyncClaude(api_key=KEY, base_url=server.url) as client,
    ):
        with anyio.fail_after(20):
            async with client.messages.map(
                [params(i) for i in range(10)], pacer=RedisPacer(url)
            ) as results:
                done = [r async for r in results]
    assert len(done) == 10 and all(r.error is None for r in done)
    assert any("Redis at" in r.getMessage() for r in caplog.records)


async def test_the_buckets_live_in_redis_under_a_name_not_the_key() -> None:
    limits = RateLimits(requests_per_minute=600, output_tokens_per_minute=60_000)
    with redis_server() as redis:
        async with (
            FakeClaude(rate_limits=limits) as server,
            AsyncClaude(api_key=KEY, base_url=server.url) as client,
        ):
            async with client.messages.map(
                [params(i) for i in range(5)], concurrency=2, pacer=RedisPacer(redis.url)
            ) as results:
                assert len([r async for r in results]) == 5
            connection = await _Redis.connect(redis.url)
            try:
                keys = sorted(k.decode() for k in await connection.call("KEYS", "*"))
                ttls = [await connection.call("PTTL", k) for k in keys]
                requests = next(k for k in keys if k.endswith(":requests"))
                level = await connection.call("HGET", requests, "level")
            finally:
                await connection.aclose()
    kinds = {key.rsplit(":", 1)[1] for key in keys}
    assert kinds == {"requests", "input_tokens", "output_tokens", "tokens"}
    assert all(KEY not in key and key.startswith("anyio-claude:") for key in keys)
    # Each expires once it could have refilled (a minute's limit: within two minutes).
    assert all(0 < ttl <= 120_000 for ttl in ttls)
    assert float(level) <= 600


async def test_two_pacers_on_one_redis_share_one_budget() -> None:
    # Two processes' worth of pacers in one: what one takes, the other waits for.
    with redis_server() as redis:
        limits: dict[str, int | None] = {"requests": 60}
        first = SharedPacer(redis.url, "shared-test", 4, max_wait=5.0, limits=limits)
        second = SharedPacer(redis.url, "shared-test", 4, max_wait=5.0, limits=limits)
        for pacer in (first, second):
            pacer.seeded = True
        from anyio_claude._pacing import Cost
        from anyio_claude._ratelimits import RateLimitInfo

        cost = Cost(0, 0)
        # The server says two requests remain: the fleet may send two, then one a second.
        await first.acquire(cost)
        first.release(
            cost,
            info=RateLimitInfo(requests_limit=60, requests_remaining=2),
            used=None,
            refund_request=False,
        )
        started = anyio.current_time()
        await first.acquire(cost)
        await second.acquire(cost)
        assert anyio.current_time() - started < 0.5
        await second.acquire(cost)
        assert anyio.current_time() - started >= 0.5
        for pacer in (first, second):
            assert pacer.shared
            await pacer.aclose()


def test_a_bad_redis_url_is_refused_before_any_request() -> None:
    with pytest.raises(ValueError, match=r"pacer: a Redis URL must start with redis://"):
        RedisPacer("http://user:hunter2@host:6379")
    with pytest.raises(ValueError) as info:
        RedisPacer("http://user:hunter2@host:6379")
    shown = traceback.TracebackException.from_exception(info.value, capture_locals=True)
    ours = [f for f in shown.stack if "/tests/" not in f.filename]
    assert ours and all("hunter2" not in repr(f.locals) for f in ours)
    assert "hunter2" not in str(info.value)
    assert "hunter2" not in repr(RedisPacer("redis://user:hunter2@host:6379/0"))
    command = [sys.executable, "-m", "anyio_claude", "batch", "run", __file__]
    done = subprocess.run(
        [*command, "-o", "/dev/null", "--redis", "http://host:6379"],
        capture_output=True,
        text=True,
        check=False,
        env={"ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9", "PATH": ""},
    )
    assert done.returncode != 0 and "--redis" in done.stderr


async def test_a_pacer_that_is_not_one_is_refused() -> None:
    async with AsyncClaude(api_key=KEY, base_url="http://127.0.0.1:9") as client:
        with pytest.raises(ValueError, match="pacer"):
            client.messages.map([params(0)], pacer="redis://localhost")  # type: ignore[typeddict-item]


@pytest.mark.parametrize("processes", [2, 4, 8])
async def test_processes_without_redis_infer_each_other_from_the_headers(
    processes: int, anyio_backend: tuple[str, dict[str, object]]
) -> None:
    # Each process takes one share of each limit, worked out from what the headers show
    # every process alike: together near the limit, few 429s (each process's first
    # request, before any has heard of the limit, finds the bucket empty), evenly shared.
    args = ("--backend", backend_of(anyio_backend))
    result = await measured_fleet(processes, seconds=10.0, args=args)
    assert_fleet(result, utilisation=0.85, share_429=0.03)
