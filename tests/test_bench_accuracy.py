"""The harness's own accuracy: it reports the latencies FakeClaude was set to produce and
sends on schedule.

No test here asserts an absolute time. Each compares a measurement with a quantity the
test configured: a reply delay, an arrival interval, a stall it caused. A correct harness
can overstate a latency on a loaded machine (its stamps, or the fake server, run late) and
send late, but never understate a latency or send early: those bounds are tight; the
others are loose enough for a 2-core machine shared with other work. The issue's
exactness targets (5 %, schedule delay p99 under 2 ms) are for a quiet machine:
`benchmarks/harness_accuracy.py` measures and prints them.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from anyio_claude._bench._runner import BenchConfig, BenchResult, run_bench
from anyio_claude._bench._shapes import Workload
from anyio_claude.testing import FakeClaude

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
TTFT, ITL = 0.2, 0.02
# Spread each server delay by up to +-20 % (mean and median unchanged): 64 replies in
# lockstep would otherwise queue inside the fake server's single event loop, measuring
# its own per-request cost rather than the configured latency.
JITTER = 0.2


@pytest.fixture(
    params=[pytest.param(("asyncio", {}), id="asyncio"), pytest.param(("trio", {}), id="trio")]
)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, object]]:
    """Both backends, asyncio without debug mode: its per-callback bookkeeping adds
    milliseconds of loop lag, which is what these tests measure."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """FakeClaude in its own process, like a real endpoint: its event loop is not ours."""
    command = [sys.executable, "-m", "anyio_claude", "fake-server", "--port", "0"]
    command += ["--ttft", str(TTFT * 1000), "--itl", str(ITL * 1000), "--jitter", str(JITTER)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            yield process.stdout.readline().split()[3]
        finally:
            process.terminate()
            process.wait(timeout=10)


def config(url: str, **fields: Any) -> BenchConfig:
    # 10 output tokens: ten one-word deltas, the first after TTFT, then one per ITL.
    workload = Workload(MODEL, max_tokens=10, prompt_tokens=50)
    return BenchConfig(model=MODEL, api_key="test-key", base_url=url, workload=workload, **fields)


def errors(result: BenchResult) -> tuple[float, float]:
    """Signed relative TTFT and TPOT errors, p50 against the configured values."""
    summary = result.summary
    assert summary["errors"]["total"] == 0
    ttft = (summary["ttft_ms"]["p50"] / 1000 - TTFT) / TTFT
    tpot = (summary["tpot_ms"]["p50"] / 1000 - ITL) / ITL
    return ttft, tpot


async def best_of_two(url: str, **fields: Any) -> BenchResult:
    """The first run within 5 %, else the second: a burst of load from other processes can
    stall any one run."""
    for _ in range(2):
        result = await run_bench(config(url, **fields))
        ttft, tpot = errors(result)
        if abs(ttft) < 0.05 and abs(tpot) < 0.05:
            break
    return result


def assert_never_understated(result: BenchResult) -> None:
    ttft, tpot = errors(result)
    # Whatever the load: the fake waits this long (its jitter moves single replies, hardly
    # the median of dozens) and a late stamp can only add.
    assert ttft > -0.05 and tpot > -0.05, (ttft, tpot)
    # Loosely from above: the self-check watches the client only, and on a loaded machine
    # the fake server, in its own process, runs late without the client knowing (TPOT
    # +9 % unflagged has been seen on the 2-core machine). 5 % is for the benchmark.
    if not result.summary["self_check"]["saturated"]:
        assert ttft < 0.25 and tpot < 0.25, (ttft, tpot)


async def test_reports_configured_latency_at_concurrency_64(endpoint: str) -> None:
    result = await best_of_two(endpoint, concurrency=64, requests=64, warmup=64)
    assert result.summary["completed"] == 64
    assert_never_understated(result)


async def test_reports_configured_latency_open_loop(endpoint: str) -> None:
    result = await best_of_two(endpoint, rate=150.0, duration=0.8, warmup=20)
    assert_never_understated(result)


async def test_open_loop_keeps_to_the_schedule() -> None:
    # Each reply takes 500 ms and one is due every 10 ms: sends must not wait for replies.
    # A send that waited for one would be late by most of a reply's time, so the bounds
    # below are fractions of it, which a loaded machine's jitter (a few ms) cannot reach.
    reply = 0.5
    async with FakeClaude(ttft=reply) as server:
        result = await run_bench(config(server.url, rate=100.0, arrival="constant", requests=60))
    records = sorted(result.records, key=lambda r: r.index)
    assert [r.scheduled for r in records] == pytest.approx([i / 100 for i in range(60)])
    delays = [r.schedule_delay for r in records]
    # Never early, though each request task starts ahead of its time.
    assert min(delays) >= 0
    # Waiting for replies would make most sends a reply's time late, or more.
    assert statistics.median(delays) < reply / 10
    # Every send before the first reply went out while the earlier ones were in flight.
    in_flight = max(sum(other.sent <= r.sent < other.end for other in records) for r in records)
    assert in_flight >= 30


async def test_a_late_send_stays_late_and_the_schedule_does_not_drift() -> None:
    # A long stall against a loose "back on time" bound: a drifting schedule would leave
    # every later send a whole stall late, while a loaded machine adds only its own jitter
    # (at 0.1 s and 25 ms the bound failed once on a 2-core machine shared with other work).
    stall = 0.25
    async with FakeClaude() as server:

        async def stall_the_loop() -> None:
            # Polled: the fake signals no event per request; mid-run, after calibration.
            while sum(r.path == "/v1/messages" for r in server.requests) < 10:  # noqa: ASYNC110
                await anyio.sleep(0.002)
            time.sleep(stall)  # noqa: ASYNC251 - the point is to block the loop

        async with anyio.create_task_group() as tg:
            tg.start_soon(stall_the_loop)
            run = config(server.url, rate=200.0, arrival="constant", requests=200)
            result = await run_bench(run)
    delays = [r.schedule_delay for r in sorted(result.records, key=lambda r: r.index)]
    assert min(delays) >= 0
    # The sends due during the stall went out after it, and say so.
    assert max(delays) > stall / 2
    assert sum(delay > stall / 4 for delay in delays) >= 5
    # The schedule is absolute: after the stall, sends are back on time, not shifted.
    assert statistics.median(delays[-25:]) < stall / 4
