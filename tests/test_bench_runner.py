"""The load generator against FakeClaude over real sockets, on asyncio and trio."""

from __future__ import annotations

import gc
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.abc import SocketStream

from anyio_claude._bench._metrics import SLO
from anyio_claude._bench._runner import (
    BenchConfig,
    SelfCheck,
    _Progress,
    _show_progress,
    run_bench,
)
from anyio_claude._bench._shapes import Workload, load_trace
from anyio_claude.testing import FakeClaude, Fault, count_request_tokens

from ._marks import official_generators_left_open
from ._servers import Handler, raw_server, response

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"


def config(
    url: str, *, max_tokens: int = 10, prompt_tokens: int = 40, **fields: Any
) -> BenchConfig:
    workload = Workload(MODEL, max_tokens=max_tokens, prompt_tokens=prompt_tokens)
    return BenchConfig(model=MODEL, api_key="test-key", base_url=url, workload=workload, **fields)


async def test_closed_loop_counts_tokens_from_usage() -> None:
    async with FakeClaude() as server:
        result = await run_bench(config(server.url, concurrency=4, requests=12, warmup=2))
        bodies = [r.json for r in server.requests if r.path == "/v1/messages"]
    summary = result.summary
    assert len(result.records) == 14 and len(bodies) == 14
    assert sum(r.warmup for r in result.records) == 2
    assert summary["requests"] == 12 and summary["completed"] == 12
    assert summary["errors"]["total"] == 0
    expected_inputs = sorted(count_request_tokens(body) for body in bodies)
    assert sorted(r.input_tokens for r in result.records) == expected_inputs
    for record in result.records:
        # The fake streams one word, one token, per delta; every delta was stamped.
        assert record.output_tokens == len(record.content) == 10
        assert record.status == 200 and record.request_id
        assert record.sent <= record.content[0] <= record.content[-1] <= record.end
    measured = [r for r in result.records if not r.warmup]
    assert summary["output_tokens"] == sum(r.output_tokens or 0 for r in measured)
    assert summary["settings"]["concurrency"] == 4
    assert "test-key" not in json.dumps(summary)
    assert "test-key" not in repr(config(server.url))


async def test_synthetic_prompts_are_calibrated_with_count_tokens() -> None:
    async with FakeClaude() as server:
        result = await run_bench(config(server.url, concurrency=2, requests=4, prompt_tokens=300))
    for record in result.records:
        assert record.input_tokens == pytest.approx(300, rel=0.03)


async def test_errors_by_class_and_status_and_partial_content_kept() -> None:
    faults = [Fault("overloaded", every=3), Fault("mid_stream_error", nth=2, after_events=5)]
    async with FakeClaude(faults=faults) as server:
        result = await run_bench(config(server.url, concurrency=1, requests=6))
    errors = result.summary["errors"]
    assert errors["by_class"] == {"OverloadedError": 3}
    assert errors["by_status"] == {"529": 3}
    broken = [r for r in result.records if r.error and r.content]
    assert len(broken) == 1 and broken[0].status == 529 and broken[0].output_tokens is None
    assert result.summary["completed"] == 3


async def test_unreachable_endpoint_is_recorded_not_raised() -> None:
    async with FakeClaude() as server:
        url = server.url
        calibrated = config(url, concurrency=1, requests=2)
    result = await run_bench(calibrated)
    assert result.summary["errors"]["by_class"] == {"APIConnectionError": 2}
    assert any("count_tokens failed" in warning for warning in result.warnings)


async def test_max_concurrency_turns_queueing_into_schedule_delay() -> None:
    async with FakeClaude(ttft=0.05) as server:
        result = await run_bench(
            config(
                server.url,
                rate=1000.0,
                arrival="constant",
                requests=12,
                max_concurrency=2,
                max_tokens=2,
            )
        )
    in_flight = max(
        sum(1 for other in result.records if other.sent <= r.sent < other.end)
        for r in result.records
    )
    assert in_flight <= 2
    # Six waves of two, each ~50 ms: the last requests waited ~250 ms for a slot.
    assert result.summary["schedule_delay_ms"]["max"] > 200


async def test_sweep_steps_up_until_saturated() -> None:
    async with FakeClaude(ttft=0.03) as server:
        result = await run_bench(
            config(
                server.url,
                sweep=True,
                rate=10.0,
                sweep_factor=8.0,
                requests=16,
                max_concurrency=2,
                max_tokens=2,
                slo=SLO(ttft_ms=500),
            )
        )
    steps = result.summary["sweep"]
    assert [step["offered_rate"] for step in steps] == [10.0, 80.0, 640.0][: len(steps)]
    assert steps[0]["saturated"] is None
    assert steps[-1]["saturated"] is not None and len(steps) >= 2
    assert {r.step for r in result.records} == set(range(len(steps)))
    # The headline numbers are the last step that kept up.
    assert result.summary["ttft_ms"] == steps[-2]["ttft_ms"]


async def test_replay_sends_at_the_trace_times(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    lines = [
        {"timestamp": 5 + i * 0.05, "prompt_tokens": 20 + i, "max_tokens": 3} for i in range(4)
    ]
    trace.write_text("\n".join(json.dumps(line) for line in lines))
    async with FakeClaude() as server:
        base = config(server.url)
        replay = load_trace(str(trace), base.workload)  # type: ignore[arg-type]
        base.replay, base.replay_path = replay, str(trace)
        result = await run_bench(base)
    records = sorted(result.records, key=lambda r: r.index)
    assert [r.scheduled for r in records] == pytest.approx([0, 0.05, 0.1, 0.15])
    assert [r.output_tokens for r in records] == [3] * 4
    assert result.summary["settings"]["replay"] == str(trace)


async def test_official_client_runs_the_same_load() -> None:
    async with FakeClaude() as server:
        result = await run_bench(config(server.url, concurrency=2, requests=4, client="official"))
    assert result.summary["completed"] == 4
    assert all(r.output_tokens == len(r.content) == 10 for r in result.records)
    assert result.summary["settings"]["client"] == "official"


# On trio the official SDK (and its httpx) leaves async generators to the garbage collector
# when a stream fails, and trio warns: their code, not the harness's.
@official_generators_left_open
async def test_official_client_counts_errors_like_ours() -> None:
    for client in ("anyio-claude", "official"):
        faults = [Fault("overloaded", nth=1), Fault("mid_stream_error", nth=3, after_events=5)]
        async with FakeClaude(faults=faults) as server:
            run = config(server.url, concurrency=1, requests=4, client=client)
            result = await run_bench(run)
        errors = result.summary["errors"]
        assert errors["by_class"] == {"OverloadedError": 2}, client
        assert errors["by_status"] == {"529": 2}, client
        assert all(r.request_id for r in result.records), client


# The same official-SDK warning as above.
@official_generators_left_open
async def test_error_codes_pick_the_same_classes_for_both_clients() -> None:
    error = {
        "type": "overloaded_error",
        "message": "compaction is unavailable",
        "details": {"error_code": "compaction_unavailable"},
    }
    start = {
        "type": "message_start",
        "message": {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": MODEL,
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 1, "output_tokens": 0},
        },
    }
    events = b"".join(
        b"event: %s\ndata: %s\n\n" % (e["type"].encode(), json.dumps(e).encode())
        for e in (start, {"type": "error", "error": error})
    )
    replies = [  # an error reply, then the same error mid-stream
        response(json.dumps({"type": "error", "error": error}).encode(), status=529),
        response(events, headers={"content-type": "text/event-stream"}),
    ]

    def alternating() -> Handler:
        turns = itertools.cycle(replies)

        async def handler(stream: SocketStream, request: bytes) -> None:
            await stream.send(next(turns))

        return handler

    for client in ("anyio-claude", "official"):
        async with raw_server(alternating()) as server:
            result = await run_bench(config(server.url, concurrency=1, requests=2, client=client))
        errors = result.summary["errors"]
        assert errors["by_class"] == {"CompactionUnavailableError": 2}, client
        assert errors["by_status"] == {"529": 2}, client


async def test_a_thinking_delta_is_the_first_token_for_both_clients() -> None:
    # Extended thinking streams thinking deltas long before any text: time to first token
    # is the first thinking delta's arrival.
    def event(data: dict[str, Any]) -> bytes:
        return b"event: %s\ndata: %s\n\n" % (data["type"].encode(), json.dumps(data).encode())

    usage = {"input_tokens": 1, "output_tokens": 0}
    message = {"id": "msg_1", "type": "message", "role": "assistant", "content": []}
    message |= {"model": MODEL, "stop_reason": None, "stop_sequence": None, "usage": usage}
    thinking = {"type": "thinking", "thinking": "", "signature": ""}
    first = b"".join(
        event(e)
        for e in (
            {"type": "message_start", "message": message},
            {"type": "content_block_start", "index": 0, "content_block": thinking},
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "thinking_delta", "thinking": "Hmm"},
            },
        )
    )
    rest = b"".join(
        event(e)
        for e in (
            {"type": "content_block_stop", "index": 0},
            {
                "type": "content_block_start",
                "index": 1,
                "content_block": {"type": "text", "text": ""},
            },
            {
                "type": "content_block_delta",
                "index": 1,
                "delta": {"type": "text_delta", "text": "A"},
            },
            {"type": "content_block_stop", "index": 1},
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": 2},
            },
            {"type": "message_stop"},
        )
    )
    whole = response(first + rest, headers={"content-type": "text/event-stream"})

    async def handler(stream: SocketStream, request: bytes) -> None:
        split = len(whole) - len(rest)
        await stream.send(whole[:split])
        await anyio.sleep(0.2)
        await stream.send(whole[split:])

    for client in ("anyio-claude", "official"):
        async with raw_server(handler) as server:
            result = await run_bench(config(server.url, concurrency=1, requests=1, client=client))
        (record,) = result.records
        assert record.error is None, client
        # Both deltas stamped, the thinking one a pause before the text.
        assert len(record.content) == 2, client
        assert record.content[1] - record.content[0] >= 0.15, client


async def test_self_check_flags_a_blocked_event_loop() -> None:
    check = SelfCheck()
    async with anyio.create_task_group() as tg:
        tg.start_soon(check.watch_loop)
        for _ in range(5):
            await anyio.sleep(0.02)
            time.sleep(0.03)  # noqa: ASYNC251 - the point is to block the loop
        tg.cancel_scope.cancel()
    check.wall, check.cpu = 1.0, 0.1
    report = check.report()
    assert report["saturated"] and report["loop_lag_ms"]["max"] > 20
    assert "event-loop lag" in report["warnings"][0]
    quiet = SelfCheck()
    quiet.lags, quiet.wall, quiet.cpu = [0.0005] * 100, 1.0, 0.95
    assert quiet.report()["saturated"] and "busy 95%" in quiet.report()["warnings"][0]


def test_overlapping_waits_count_once_and_busy_is_judged_outside_them() -> None:
    check = SelfCheck()
    started = time.perf_counter()
    check.spin_started()
    check.spin_started()  # a second send, due within the same millisecond
    while time.perf_counter() - started < 0.02:
        pass
    check.spin_stopped()
    check.spin_stopped()
    assert 0 < check.spinning <= time.perf_counter() - started
    assert 0 < check.spinning_cpu <= check.spinning * 1.5
    # Yielding half the run and busy the other half: saturated, though the CPU less the
    # yielding is under half the run.
    check.lags, check.wall, check.cpu = [0.0005] * 100, 1.0, 0.97
    check.spinning = check.spinning_cpu = 0.5
    report = check.report()
    assert report["cpu_busy"] == pytest.approx(0.94)
    assert report["saturated"] and "busy 94%" in report["warnings"][0]


async def test_cancelling_a_run_stops_every_request() -> None:
    async with FakeClaude(ttft=5.0) as server:
        started = time.monotonic()
        with anyio.move_on_after(0.5):
            await run_bench(config(server.url, concurrency=8, requests=8))
        assert time.monotonic() - started < 2
    assert gc.get_freeze_count() == 0


async def test_the_heap_is_set_aside_from_collection_during_the_load_only() -> None:
    frozen = []

    async def watch() -> None:
        while True:
            frozen.append(gc.get_freeze_count())
            await anyio.sleep(0.005)

    async with FakeClaude(ttft=0.05) as server, anyio.create_task_group() as tg:
        tg.start_soon(watch)
        await run_bench(config(server.url, concurrency=2, requests=4))
        tg.cancel_scope.cancel()
    assert max(frozen) > 0
    assert gc.get_freeze_count() == 0


async def test_progress_line_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    progress = _Progress()
    progress.label, progress.sent, progress.done, progress.in_flight = "step 2 at 4/s: ", 9, 7, 2
    with anyio.move_on_after(0.7):
        await _show_progress(progress, anyio.current_time())
    err = capsys.readouterr().err
    assert err.startswith("\rstep 2 at 4/s:    0.5s  sent 9  done 7  errors 0  in flight 2")
    assert "\n" not in err  # rewritten in place
