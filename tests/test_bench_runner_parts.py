"""The bench runner's remaining parts one at a time: the config's words and settings, the
self-check report, the stream reader, `_ours` with a counting clock, the wait before a
send, one request's bookkeeping, both loops, calibration, the clients and the schedule
(found unpinned by mutation testing, docs/contributing.md).

No test asserts an absolute time: stamps come from a counting clock or are compared with
each other and with the schedule's offsets as computed values.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import sys
import time
import types
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import anthropic
import anyio
import anyio.lowlevel
import pytest
from anyio.abc import SocketStream

from anyio_claude import AsyncClaude
from anyio_claude._bench import _runner
from anyio_claude._bench._metrics import SLO, RequestRecord, distribution
from anyio_claude._bench._runner import (
    BenchConfig,
    SelfCheck,
    _calibrate,
    _client,
    _offsets,
    _ours,
    _Progress,
    _Reader,
    _Run,
    _sleep_until,
    run_bench,
)
from anyio_claude._bench._shapes import Workload, arrival_offsets
from anyio_claude.sse import ServerSentEvent, SSEDecoder
from anyio_claude.testing import FakeClaude, count_request_tokens

from ._servers import fixed, raw_server, response
from .test_bench_runner_units import START

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"


def config(**fields: Any) -> BenchConfig:
    return BenchConfig(model=MODEL, api_key="test-key", **fields)


# --- the config in words and in the summary -------------------------------------------


def test_the_shape_in_words() -> None:
    closed = config(concurrency=3)
    assert closed.shape() == "closed loop, concurrency 3"
    assert replace(closed, rate=2.5).shape() == "open loop poisson 2.5/s"
    capped = replace(closed, rate=2.5, arrival="gamma", max_concurrency=4)
    assert capped.shape() == "open loop gamma 2.5/s, at most 4 in flight"
    sweep = replace(closed, rate=2.5, sweep=True, sweep_factor=1.5, arrival="constant")
    assert sweep.shape() == "sweep from 2.5/s (x1.5), constant"
    replay = replace(sweep, replay=([0.0], [{}]), replay_path="trace.jsonl")
    assert replay.shape() == "replay of trace.jsonl"


def test_the_settings_are_every_field_but_the_key() -> None:
    workload = Workload(MODEL, max_tokens=11, prompt_tokens=222)
    full = config(
        base_url="http://127.0.0.1:1",
        rate=4.0,
        arrival="gamma",
        burstiness=0.5,
        max_concurrency=6,
        replay_path="trace.jsonl",
        requests=30,
        duration=12.5,
        warmup=3,
        seed=9,
        workload=workload,
        dataset_path="data.jsonl",
        slo=SLO(ttft_ms=100.0),
        client="official",
    )
    assert full.settings() == {
        "base_url": "http://127.0.0.1:1",
        "model": MODEL,
        "client": "official",
        "shape": "open loop gamma 4/s, at most 6 in flight",
        "concurrency": None,
        "rate": 4.0,
        "arrival": "gamma",
        "burstiness": 0.5,
        "max_concurrency": 6,
        "sweep": False,
        "replay": "trace.jsonl",
        "requests": 30,
        "duration_s": 12.5,
        "warmup": 3,
        "seed": 9,
        "prompt_tokens": 222,
        "max_tokens": 11,
        "dataset": "data.jsonl",
        "slo": {"ttft_ms": 100.0},
    }
    bare = config(rate=1.0, sweep=True).settings()
    assert bare["prompt_tokens"] is None and bare["max_tokens"] is None
    assert bare["client"] == "anyio-claude" and bare["sweep"] is True
    assert bare["arrival"] == "poisson" and bare["burstiness"] == 1.0
    assert bare["warmup"] == 0 and bare["seed"] == 0 and bare["slo"] == {}
    assert "test-key" not in repr(full) and "test-key" not in json.dumps(full.settings())


# --- the self-check -------------------------------------------------------------------


def test_a_fresh_self_check_reports_nothing() -> None:
    check = SelfCheck()
    assert (check.lags, check.events, check.handling) == ([], 0, 0.0)
    assert (check.spinning, check.spinning_cpu, check.cpu, check.wall) == (0.0, 0.0, 0.0, 0.0)
    assert check.report() == {
        "loop_lag_ms": dict.fromkeys(("p50", "p90", "p95", "p99", "min", "mean", "max", "std")),
        "cpu_busy": None,
        "client_us_per_event": None,
        "events": 0,
        "saturated": False,
        "warnings": [],
    }


def quiet(**fields: Any) -> SelfCheck:
    check = SelfCheck()
    check.lags, check.wall, check.cpu = [0.001] * 100, 1.0, 0.5
    for name, value in fields.items():
        setattr(check, name, value)
    return check


def test_the_self_check_warns_above_each_limit_only() -> None:
    report = quiet().report()
    assert report["warnings"] == [] and report["saturated"] is False
    assert report["loop_lag_ms"] == distribution([0.001] * 100)
    assert report["cpu_busy"] == 0.5
    # Lag: p99 over 5 ms; a p99 of exactly 5 ms is not.
    assert quiet(lags=[0.005] * 100).report()["warnings"] == []
    (warning,) = quiet(lags=[0.0051] * 100).report()["warnings"]
    assert warning == (
        "event-loop lag p99 5.1 ms: arrivals were stamped late, latencies are overstated "
        "and sends delayed"
    )
    # One stall over 20 ms with a low p99; exactly 20 ms is not; a high p99 says it all.
    stall = [0.001] * 199
    assert quiet(lags=[*stall, 0.02]).report()["warnings"] == []
    report = quiet(lags=[*stall, 0.03]).report()
    assert report["loop_lag_ms"]["p99"] < 5 and report["saturated"] is True
    assert report["warnings"] == [
        "the event loop stalled for 30.0 ms at least once: some arrivals were stamped late"
    ]
    (warning,) = quiet(lags=[0.03] * 100).report()["warnings"]
    assert warning.startswith("event-loop lag p99 30.0 ms")
    # Schedule delay, when given.
    assert quiet().report(2.0)["warnings"] == []
    assert quiet().report(2.5)["warnings"] == [
        "schedule delay p99 2.5 ms: the client did not send on time"
    ]
    # Busy: CPU over wall time, both outside the yielding waits.
    assert quiet(cpu=0.9).report()["warnings"] == []
    report = quiet(cpu=0.95).report()
    assert report["cpu_busy"] == 0.95
    assert report["warnings"] == [
        "the client process was busy 95% of the run: it may be the bottleneck; lower the "
        "load or run several processes"
    ]
    report = quiet(wall=2.0, cpu=1.5, spinning=1.0, spinning_cpu=1.0).report()
    assert report["cpu_busy"] == 0.5
    assert quiet(wall=1.0, spinning=1.0).report()["cpu_busy"] is None  # all of it yielding
    # All four at once, in that order.
    everything = quiet(lags=[0.03] * 100, cpu=0.99).report(3.0)["warnings"]
    assert [w.split()[0] for w in everything] == ["event-loop", "schedule", "the"]


def test_the_cost_per_event_in_microseconds() -> None:
    assert quiet(handling=0.5, events=1000).report()["client_us_per_event"] == 500.0
    assert quiet(handling=0.5, events=1000).report()["events"] == 1000
    assert quiet(handling=0.0, events=1000).report()["client_us_per_event"] is None
    assert quiet(handling=0.5, events=0).report()["client_us_per_event"] is None


async def test_the_loop_watch_records_each_late_wake_up() -> None:
    check = SelfCheck()
    started = anyio.current_time()
    with anyio.move_on_after(0.1):
        await check.watch_loop()
    elapsed = anyio.current_time() - started
    # One wake-up a tick (10 ms) at most, each late by at least nothing.
    assert 1 <= len(check.lags) <= elapsed / 0.01 + 1
    assert all(0 <= lag <= elapsed for lag in check.lags)


# --- reading a stream -----------------------------------------------------------------


def event(data: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(event=data["type"], data=json.dumps(data))


PING = {"type": "ping"}
STOP = {"type": "message_stop"}


def delta(**fields: Any) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": 0, "delta": fields}


def usage(output: int, input_tokens: int | None = None) -> dict[str, Any]:
    counts: dict[str, Any] = {"output_tokens": output}
    if input_tokens is not None:
        counts["input_tokens"] = input_tokens
    return {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": counts,
    }


def test_the_reader_stamps_content_and_takes_the_usage() -> None:
    record, check = RequestRecord(index=0, scheduled=0.0), SelfCheck()
    reader = _Reader(record, check)
    assert reader.record is record and reader.check is check and reader.stopped is False
    # A ping is counted, never decoded (this one's data would not decode).
    reader.feed([ServerSentEvent(event="ping"), event(START)], 1.0)
    assert record.input_tokens == 7 and record.content == [] and check.events == 2
    deltas = [
        delta(type="text_delta", text="A"),
        delta(type="text_delta", text=""),
        delta(type="thinking_delta", thinking="hm"),
        delta(type="thinking_delta", thinking=""),
        delta(type="input_json_delta", partial_json="{"),
        delta(type="input_json_delta", partial_json=""),
        delta(type="signature_delta", signature="sig"),
        delta(type="citations_delta", citation={"type": "char_location"}),
    ]
    reader.feed([event(d) for d in deltas], 2.0)
    assert record.content == [2.0, 2.0, 2.0] and check.events == 10
    reader.feed([event(delta(type="text_delta", text="B")), event(PING)], 3.0)
    assert record.content == [2.0, 2.0, 2.0, 3.0]
    reader.feed([event(usage(5))], 4.0)
    assert (record.input_tokens, record.output_tokens) == (7, 5)  # no input count: kept
    assert reader.stopped is False
    reader.feed([event(usage(6, input_tokens=9)), event(STOP)], 5.0)
    assert (record.input_tokens, record.output_tokens) == (9, 6)
    assert reader.stopped is True and record.error is None and record.status is None
    assert check.events == 15


def test_the_reader_counts_an_error_event_by_its_type_and_code() -> None:
    record, check = RequestRecord(index=0, scheduled=0.0), SelfCheck()
    reader = _Reader(record, check)
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}
    reader.feed([event(START), event(error)], 1.0)
    assert (record.status, record.error) == (529, "OverloadedError")
    assert reader.stopped is False and check.events == 2
    coded = {
        "type": "error",
        "error": {
            "type": "overloaded_error",
            "message": "no",
            "details": {"error_code": "compaction_unavailable"},
        },
    }
    reader.feed([event(coded)], 2.0)
    assert (record.status, record.error) == (529, "CompactionUnavailableError")
    limited = {"type": "error", "error": {"type": "rate_limit_error", "message": "slow"}}
    reader.feed([event(limited)], 3.0)
    assert (record.status, record.error) == (429, "RateLimitError")


# --- _ours, stamped with a counting clock ----------------------------------------------


def sse_bytes(data: dict[str, Any]) -> bytes:
    return b"event: %s\ndata: %s\n\n" % (data["type"].encode(), json.dumps(data).encode())


class Counter:
    """A clock that reads 1, 2, 3...: each stamp says which call made it."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> float:
        self.calls += 1
        return float(self.calls)


PARAMS: dict[str, Any] = {
    "model": MODEL,
    "max_tokens": 10,
    "messages": [{"role": "user", "content": "hi"}],
}
SSE_HEADERS = {"request-id": "req_parts", "content-type": "text/event-stream"}


async def ours(
    parts: list[bytes], *, status: int = 200, headers: dict[str, str] | None = None
) -> tuple[RequestRecord, SelfCheck, Counter, list[bytes], float]:
    """Send one request with `_ours` to a server writing `parts` of one response with a
    pause between them (the last part is never split from what precedes it in it)."""
    whole = response(b"".join(parts), status=status, headers=headers or SSE_HEADERS)
    head = len(whole) - sum(map(len, parts))

    async def handler(stream: SocketStream, request: bytes) -> None:
        at = head
        await stream.send(whole[:at])
        for part in parts:
            await stream.send(whole[at : at + len(part)])
            at += len(part)
            await anyio.sleep(0.02)

    record, check, clock = RequestRecord(index=0, scheduled=0.0), SelfCheck(), Counter()
    async with raw_server(handler) as server:
        async with AsyncClaude(api_key="k", base_url=server.url, max_retries=0) as client:
            began = anyio.current_time()
            await _ours(client, clock, check)(record, dict(PARAMS))
            took = anyio.current_time() - began
        requests = list(server.requests)
    return record, check, clock, requests, took


async def test_ours_stamps_each_read_and_ends_at_the_last() -> None:
    first = sse_bytes(START) + sse_bytes(delta(type="text_delta", text="A"))
    last = b"".join(sse_bytes(e) for e in (delta(type="text_delta", text="B"), usage(2), STOP))
    record, check, clock, requests, took = await ours([first, last])
    (request,) = requests
    assert json.loads(request.partition(b"\r\n\r\n")[2])["stream"] is True
    assert record.error is None and record.status == 200 and record.request_id == "req_parts"
    assert record.sent == 1.0  # the first stamp, before anything was read
    # The last part's read stamps its delta and the end; no stamp after it.
    assert len(record.content) == 2 and record.sent < record.content[0]
    assert record.end == record.content[-1] == clock.calls
    assert (record.input_tokens, record.output_tokens) == (7, 2)
    assert check.events == 5
    assert 0 < check.handling < took


async def test_ours_stamps_the_end_of_an_empty_stream() -> None:
    record, check, clock, _, _ = await ours([b""])
    assert record.error == "IncompleteStreamError" and record.status == 200
    assert (record.sent, record.end, clock.calls) == (1.0, 2.0, 2)
    assert record.content == [] and check.events == 0


async def test_ours_records_an_error_reply_with_two_stamps() -> None:
    body = json.dumps({"type": "error", "error": {"type": "overloaded_error", "message": "x"}})
    record, _, clock, _, _ = await ours(
        [body.encode()], status=529, headers={"request-id": "req_busy"}
    )
    assert (record.error, record.status, record.request_id) == ("OverloadedError", 529, "req_busy")
    assert (record.sent, record.end, clock.calls) == (1.0, 2.0, 2)


async def test_ours_keeps_a_mid_stream_error_and_the_request_id() -> None:
    error = {"type": "error", "error": {"type": "api_error", "message": "boom"}}
    record, check, _, _, _ = await ours([sse_bytes(START) + sse_bytes(error)])
    assert (record.error, record.status, record.request_id) == (
        "InternalServerError",
        500,
        "req_parts",
    )
    assert record.input_tokens == 7 and check.events == 2


async def test_ours_keeps_the_request_id_when_the_body_breaks() -> None:
    whole = response(sse_bytes(START) * 3, headers=SSE_HEADERS)

    async def handler(stream: SocketStream, request: bytes) -> None:
        await stream.send(whole[: len(whole) - 10])
        await stream.aclose()

    record, check, clock = RequestRecord(index=0, scheduled=0.0), SelfCheck(), Counter()
    async with raw_server(handler) as server:
        async with AsyncClaude(api_key="k", base_url=server.url, max_retries=0) as client:
            await _ours(client, clock, check)(record, dict(PARAMS))
    assert record.error is not None and record.error != "IncompleteStreamError"
    assert record.request_id == "req_parts" and record.status is None
    assert record.end == clock.calls > record.sent == 1.0


# --- the wait before a send -------------------------------------------------------------


class Interrupted(Exception):
    pass


class FakeTime:
    """`anyio`'s clock, timer and checkpoint as `_sleep_until` uses them: each checkpoint
    takes 0.4 ms, a timer wakes `late` seconds after its target."""

    def __init__(self, now: float, late: float = 0.0) -> None:
        self.now = now
        self.late = late
        self.timers: list[float] = []
        self.checkpoints = 0
        self.fail_at = 0
        self.lowlevel = types.SimpleNamespace(checkpoint=self.checkpoint)

    def current_time(self) -> float:
        return self.now

    async def sleep_until(self, deadline: float) -> None:
        self.timers.append(deadline)
        self.now = max(self.now, deadline + self.late)

    async def checkpoint(self) -> None:
        self.checkpoints += 1
        if self.checkpoints == self.fail_at:
            raise Interrupted
        self.now += 0.0004


async def wait(
    monkeypatch: pytest.MonkeyPatch, now: float, target: float, **kwargs: Any
) -> tuple[FakeTime, SelfCheck]:
    fake, check = FakeTime(now, **kwargs), SelfCheck()
    with monkeypatch.context() as patched:
        patched.setattr(_runner, "anyio", fake)
        await _sleep_until(target, check)
    return fake, check


async def test_a_send_waits_by_timer_then_yields_the_last_millisecond(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, check = await wait(monkeypatch, 10.0, 10.1)
    assert fake.timers == [10.1 - 0.001]
    assert fake.checkpoints == 3 and fake.now >= 10.1  # 0.4 ms each until the time
    assert check.spinning > 0 and check._spinners == 0
    # Yielding stops the moment the time comes.
    fake, check = await wait(monkeypatch, 0.0, 0.0008)
    assert fake.timers == [] and fake.checkpoints == 2
    # Exactly a millisecond ahead: yielding only.
    fake, check = await wait(monkeypatch, 0.0, 0.001)
    assert fake.timers == [] and fake.checkpoints == 3 and check.spinning > 0
    # Due now or past: at once, no wait counted.
    for target in (5.0, 4.0):
        fake, check = await wait(monkeypatch, 5.0, target)
        assert fake.timers == [] and fake.checkpoints == 0
        assert check.spinning == 0.0 and check._spinners == 0
    # A timer that wakes past the time: no yielding.
    fake, check = await wait(monkeypatch, 10.0, 10.1, late=0.002)
    assert fake.timers == [10.1 - 0.001] and fake.checkpoints == 0
    assert check.spinning == 0.0


async def test_a_send_interrupted_while_yielding_stops_counting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, check = FakeTime(0.0), SelfCheck()
    fake.fail_at = 2
    monkeypatch.setattr(_runner, "anyio", fake)
    with pytest.raises(Interrupted):
        await _sleep_until(0.001, check)
    assert check._spinners == 0 and check.spinning > 0


# --- one request's bookkeeping ----------------------------------------------------------


async def test_one_request_is_counted_and_its_times_made_relative() -> None:
    progress = _Progress()
    assert (progress.label, progress.sent, progress.done) == ("", 0, 0)
    assert (progress.errors, progress.in_flight) == (0, 0)
    seen: list[tuple[int, int, int]] = []

    async def send(record: RequestRecord, params: dict[str, Any]) -> None:
        seen.append((progress.sent, progress.in_flight, progress.done))
        if params.get("raise"):
            raise RuntimeError("send failed")
        record.sent, record.end = 101.0, 103.5
        record.content[:] = [102.0, 102.5]
        record.error = params.get("error")

    check = SelfCheck()
    run = _Run(config(warmup=2), send, check, progress)
    assert (run.send, run.check, run.progress) == (send, check, progress)
    assert run.records == [] and run.t0 == 0.0
    run.t0 = 100.0
    first = run._record(1, 0.5, 3)
    # (Fields, not equality: the NaN times are unequal to themselves from Python 3.13.)
    assert run.records == [first]
    assert (first.index, first.scheduled, first.warmup, first.step) == (1, 0.5, True, 3)
    await run._one(first, {})
    assert seen == [(1, 1, 0)]
    assert (first.sent, first.end, first.content) == (1.0, 3.5, [2.0, 2.5])
    assert (progress.sent, progress.in_flight, progress.done, progress.errors) == (1, 0, 1, 0)
    second = run._record(2, 0.75, 0)
    assert (second.index, second.scheduled, second.warmup, second.step) == (2, 0.75, False, 0)
    await run._one(second, {"error": "OverloadedError"})
    assert (progress.sent, progress.in_flight, progress.done, progress.errors) == (2, 0, 2, 1)
    third = run._record(3, 1.0, 0)
    with pytest.raises(RuntimeError):
        await run._one(third, {"raise": True})
    assert (progress.sent, progress.in_flight, progress.done, progress.errors) == (3, 0, 3, 1)
    assert math.isnan(third.sent) and run.records == [first, second, third]


# --- the loops ------------------------------------------------------------------------


class Recorder:
    """A fake send: stamps the record on the real clock, holds it for `hold` seconds, and
    notes the parameters and the most requests in flight at once."""

    def __init__(self, progress: _Progress, hold: float = 0.0) -> None:
        self.progress = progress
        self.hold = hold
        self.params: dict[int, dict[str, Any]] = {}
        self.peak = 0

    async def __call__(self, record: RequestRecord, params: dict[str, Any]) -> None:
        self.peak = max(self.peak, self.progress.in_flight)
        self.params[record.index] = params
        record.sent = anyio.current_time()
        await anyio.sleep(self.hold)
        record.end = anyio.current_time()


class Watched:
    """`anyio` for `_runner`, noting every clock reading and timer target."""

    def __init__(self) -> None:
        self.readings: list[float] = []
        self.timers: list[float] = []
        self.semaphores: list[tuple[Any, ...]] = []
        self.lowlevel = anyio.lowlevel
        self.create_task_group = anyio.create_task_group

    def Semaphore(self, value: int, **kwargs: Any) -> anyio.Semaphore:
        self.semaphores.append((value, kwargs))
        return anyio.Semaphore(value, **kwargs)

    def current_time(self) -> float:
        self.readings.append(anyio.current_time())
        return self.readings[-1]

    async def sleep_until(self, deadline: float) -> None:
        self.timers.append(deadline)
        await anyio.sleep_until(deadline)


def indexed(index: int) -> dict[str, Any]:
    return {"index": index}


@pytest.mark.parametrize("cap", [None, 1])
async def test_the_open_loop_keeps_to_the_schedule(
    monkeypatch: pytest.MonkeyPatch, cap: int | None
) -> None:
    progress = _Progress()
    send = Recorder(progress, hold=0.15)
    run = _Run(config(rate=10.0, max_concurrency=cap, warmup=1), send, SelfCheck(), progress)
    watched = Watched()
    monkeypatch.setattr(_runner, "anyio", watched)
    offsets = [0.0, 0.1, 0.2]
    await run.open_loop(offsets, indexed, 2)
    # The start is read once, 20 ms ahead; every task starts 10 ms before its time and
    # waits out the last millisecond by yielding.
    assert run.t0 == watched.readings[0] + 0.02
    starts = {run.t0 + offset - 0.01 for offset in offsets}
    spins = {run.t0 + offset - 0.001 for offset in offsets}
    assert watched.timers[0] == run.t0 + 0.0 - 0.01
    assert starts <= set(watched.timers) <= starts | spins, (watched.timers, starts, spins)
    # A free slot is taken without yielding.
    assert watched.semaphores == ([] if cap is None else [(cap, {"fast_acquire": True})])
    assert [r.index for r in run.records] == [0, 1, 2]
    assert [r.scheduled for r in run.records] == offsets
    assert [r.step for r in run.records] == [2, 2, 2]
    assert [r.warmup for r in run.records] == [True, False, False]
    assert send.params == {0: {"index": 0}, 1: {"index": 1}, 2: {"index": 2}}
    for record in run.records:
        assert record.sent >= record.scheduled  # never early
    assert progress.done == 3
    if cap is not None:
        assert send.peak == 1
        for earlier, later in itertools.pairwise(run.records):
            assert later.sent >= earlier.end


async def test_the_closed_loop_keeps_each_worker_busy() -> None:
    progress = _Progress()
    send = Recorder(progress, hold=0.01)
    run = _Run(config(concurrency=3, requests=5, warmup=2), send, SelfCheck(), progress)
    await run.closed_loop(indexed)
    assert sorted(r.index for r in run.records) == list(range(7))
    assert [r.warmup for r in sorted(run.records, key=lambda r: r.index)] == [True] * 2 + [
        False
    ] * 5
    assert send.peak == 3 and progress.done == 7
    assert send.params == {i: {"index": i} for i in range(7)}
    for record in run.records:
        # Scheduled when its worker took it, then sent.
        assert 0 <= record.scheduled <= record.sent <= record.end
        assert record.step == 0


async def test_the_closed_loop_stops_taking_requests_at_the_duration() -> None:
    progress = _Progress()
    send = Recorder(progress, hold=0.02)
    run = _Run(config(concurrency=2, duration=0.1), send, SelfCheck(), progress)
    began = anyio.current_time()
    await run.closed_loop(indexed)
    took = anyio.current_time() - began
    count = len(run.records)
    assert 2 <= count <= 2 * (took / 0.02) + 2
    assert all(r.scheduled < 0.1 for r in run.records)
    assert max(r.end for r in run.records) >= 0.1  # the last ones ran past it
    # A request count under a duration: whichever comes first.
    bounded = _Run(config(concurrency=2, requests=4, duration=60.0), send, SelfCheck(), progress)
    await bounded.closed_loop(indexed)
    assert len(bounded.records) == 4
    cut = _Run(config(concurrency=1, requests=1000, duration=0.05), send, SelfCheck(), progress)
    await cut.closed_loop(indexed)
    assert 1 <= len(cut.records) < 1000


# --- calibration, the clients, the schedule ---------------------------------------------


async def test_calibration_fits_the_endpoints_token_counts() -> None:
    workload = Workload(MODEL, max_tokens=5, prompt_tokens=100, seed=4)
    warnings: list[str] = []
    async with FakeClaude() as server:
        async with AsyncClaude(api_key="k", base_url=server.url, max_retries=0) as client:
            fitted = await _calibrate(client, workload, warnings)
        bodies = [r.json for r in server.requests]
        paths = [r.path for r in server.requests]
    expected = [
        {"model": MODEL, "messages": [{"role": "user", "content": workload.prompt(0, 0, words=w)}]}
        for w in (2, 402)
    ]
    assert paths == ["/v1/messages/count_tokens"] * 2 and bodies == expected
    low, high = (count_request_tokens(body) for body in expected)
    slope = (high - low) / 400
    assert slope > 0 and warnings == []
    assert fitted == replace(workload, tokens_per_word=slope, base_tokens=low - 2 * slope)


def counting(*counts: int, fail_at: int = 0) -> Callable[[SocketStream, bytes], Any]:
    replies = iter(counts)
    calls = 0

    async def handler(stream: SocketStream, request: bytes) -> None:
        nonlocal calls
        calls += 1
        if calls == fail_at:
            body = {"type": "error", "error": {"type": "api_error", "message": "x"}}
            await stream.send(response(json.dumps(body).encode(), status=500))
            return
        reply = json.dumps({"input_tokens": next(replies)}).encode()
        await stream.send(response(reply, headers={"content-type": "application/json"}))

    return handler


async def calibrate_with(
    handler: Callable[[SocketStream, bytes], Any],
) -> tuple[Workload, Workload, list[str]]:
    workload = Workload(MODEL, max_tokens=5, prompt_tokens=100)
    warnings: list[str] = []
    async with raw_server(handler) as server:
        async with AsyncClaude(api_key="k", base_url=server.url, max_retries=0) as client:
            fitted = await _calibrate(client, workload, warnings)
    return workload, fitted, warnings


async def test_calibration_keeps_the_estimate_without_a_usable_fit() -> None:
    # Flat or falling counts: no fit.
    for counts in ((50, 50), (60, 50)):
        workload, fitted, warnings = await calibrate_with(counting(*counts))
        assert fitted is workload and warnings == [], counts
    # The smallest rise is a fit.
    workload, fitted, warnings = await calibrate_with(counting(50, 51))
    assert fitted == replace(workload, tokens_per_word=1 / 400, base_tokens=50 - 2 / 400)
    # A failure, first or second: the estimate, and a warning naming the error.
    for fail_at in (1, 2):
        workload, fitted, warnings = await calibrate_with(counting(50, 51, fail_at=fail_at))
        assert fitted is workload
        assert warnings == [
            "count_tokens failed (InternalServerError): prompt sizes are estimated; "
            "token counts still come from each reply's usage"
        ]


async def test_the_clients_have_room_for_the_load_and_never_retry() -> None:
    base = config(base_url="http://127.0.0.1:9", concurrency=5)
    for fields, capacity in (
        ({}, 1000),
        ({"max_concurrency": 2000}, 2000),
        ({"concurrency": 3000, "max_concurrency": 2500}, 3000),
    ):
        ours_client = _client(replace(base, **fields))
        async with ours_client:
            assert isinstance(ours_client, AsyncClaude)
            assert ours_client._max_connections == capacity, fields
            assert ours_client.max_retries == 0 and ours_client.api_key == "test-key"
            assert ours_client.base_url == "http://127.0.0.1:9"
        official = _client(replace(base, client="official", **fields))
        async with official:
            assert isinstance(official, anthropic.AsyncAnthropic)
            pool = official._client._transport._pool
            assert pool._max_connections == capacity, fields
            assert pool._max_keepalive_connections == capacity, fields
            assert official.max_retries == 0 and official.api_key == "test-key"
            assert str(official.base_url) == "http://127.0.0.1:9"


def test_the_schedule_is_the_configured_arrivals_seeded_by_step() -> None:
    counted = config(rate=20.0, arrival="gamma", burstiness=0.5, seed=7)
    expected = arrival_offsets(20.0, "gamma", burstiness=0.5, count=10, seed=10)
    assert _offsets(counted, 20.0, 10, 3) == expected
    assert _offsets(counted, 20.0, 10, 0) == arrival_offsets(
        20.0, "gamma", burstiness=0.5, count=10, seed=7
    )
    timed = config(rate=20.0, arrival="poisson", duration=0.5, seed=7)
    assert _offsets(timed, 40.0, None, 1) == arrival_offsets(40.0, "poisson", duration=0.5, seed=8)


# --- whole runs ---------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def reply_events(text: str) -> tuple[bytes, bytes]:
    """A stream's head events, and its content and end."""
    head = sse_bytes(START)
    tail = sse_bytes(delta(type="text_delta", text=text)) + sse_bytes(usage(1)) + sse_bytes(STOP)
    return head, tail


def slowing(fast: int, slow_ttft: float) -> Callable[[SocketStream, bytes], Any]:
    """Streams a reply whose first token takes 10 ms for the first `fast` requests and
    `slow_ttft` after: an endpoint that falls behind at the second step of a sweep."""
    served = 0

    async def handler(stream: SocketStream, request: bytes) -> None:
        nonlocal served
        served += 1
        head, tail = reply_events("A")
        body = response(head + tail, headers=SSE_HEADERS)
        split = len(body) - len(tail)
        await stream.send(body[:split])
        await anyio.sleep(0.01 if served <= fast else slow_ttft)
        await stream.send(body[split:])

    return handler


DATASET = (
    {"messages": [{"role": "user", "content": "one"}]},
    {"messages": [{"role": "user", "content": "two"}], "max_tokens": 3},
)


async def test_a_sweep_stops_at_the_step_whose_ttft_doubled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    workload = Workload(MODEL, max_tokens=2, dataset=DATASET)
    async with raw_server(slowing(5, 0.4)) as server:
        run = config(
            base_url=server.url,
            sweep=True,
            rate=20.0,
            sweep_factor=2.0,
            sweep_steps=3,
            requests=4,
            warmup=1,
            seed=5,
            workload=workload,
            progress=True,
            slo=SLO(e2e_ms=60_000),
        )
        result = await run_bench(run)
        paths = [request.split(b" ")[1] for request in server.requests]
    assert paths == [b"/v1/messages"] * 10  # a dataset: no calibration
    steps = result.steps
    assert len(steps) == 2 and result.summary["sweep"] == steps
    assert steps[0]["saturated"] is None
    assert steps[1]["saturated"].startswith("TTFT p50 ")
    assert steps[1]["saturated"].endswith(
        f"over twice the first step's {steps[0]['ttft_ms']['p50']:.1f} ms"
    )
    assert [step["offered_rate"] for step in steps] == [20.0, 40.0]
    assert [step["ttft_trend"] for step in steps] == [1.0, 1.0]
    assert [step["requests"] for step in steps] == [4, 4]
    assert [step["goodput"]["slo"] for step in steps] == [{"e2e_ms": 60_000}] * 2
    for number, rate in enumerate((20.0, 40.0)):
        records = sorted((r for r in result.records if r.step == number), key=lambda r: r.index)
        assert [r.index for r in records] == [0, 1, 2, 3, 4]
        assert [r.warmup for r in records] == [True, False, False, False, False]
        expected = arrival_offsets(rate, "poisson", count=5, seed=5 + number)
        assert [r.scheduled for r in records] == expected
    # The headline is the last step that kept up, with the sweep and the run's checks.
    summary = dict(result.summary)
    for key in ("sweep", "self_check", "settings", "warnings"):
        summary.pop(key)
    assert summary == steps[0]
    assert result.summary["settings"] == run.settings()
    assert result.warnings == result.summary["warnings"]
    assert result.summary["warnings"] == result.summary["self_check"]["warnings"]
    # Every progress line names the step running then and its rate; the last is cleared.
    out = terminal.getvalue()
    assert out.endswith("\r\033[K")
    lines = out.split("\r")[1:-1]
    assert lines, out
    for line in lines:
        assert line.startswith(("step 1 at 20/s: ", "step 2 at 40/s: ")), line


async def test_a_sweep_failing_from_the_start_reports_its_first_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    body = json.dumps({"type": "error", "error": {"type": "overloaded_error", "message": "x"}})
    workload = Workload(MODEL, max_tokens=2, dataset=DATASET)
    async with raw_server(fixed(body.encode(), status=529)) as server:
        run = config(
            base_url=server.url,
            sweep=True,
            rate=50.0,
            sweep_steps=3,
            requests=2,
            workload=workload,
            progress=True,
        )
        result = await run_bench(run)
    (step,) = result.steps
    assert step["saturated"] == "more than 5 % of requests failed"
    assert result.summary["saturated"] == step["saturated"]
    assert result.summary["sweep"] == [step]
    assert pipe.getvalue() == ""  # not a terminal: nothing to clear


async def test_an_open_loop_run_with_a_dataset_and_a_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    workload = Workload(MODEL, max_tokens=2, dataset=DATASET)
    async with FakeClaude(ttft=0.05) as server:
        run = config(
            base_url=server.url,
            rate=50.0,
            max_concurrency=1,
            requests=3,
            warmup=1,
            seed=3,
            workload=workload,
            slo=SLO(e2e_ms=60_000),
        )
        result = await run_bench(run)
        bodies = [r.json for r in server.requests]
    assert [body["messages"][0]["content"] for body in bodies] == ["one", "two", "one", "two"]
    records = sorted(result.records, key=lambda r: r.index)
    assert [r.scheduled for r in records] == arrival_offsets(50.0, "poisson", count=4, seed=3)
    assert [r.warmup for r in records] == [True, False, False, False]
    assert [r.step for r in records] == [0] * 4
    assert all(r.ok for r in records) and result.steps == []
    summary = result.summary
    assert summary["goodput"]["slo"] == {"e2e_ms": 60_000}
    assert summary["requests"] == 3 and "sweep" not in summary
    # Queued behind the cap: a delay that is the endpoint's doing, not the client's.
    assert summary["schedule_delay_ms"]["p99"] > 2
    check = summary["self_check"]
    assert not any(w.startswith("schedule delay") for w in check["warnings"])
    assert check["loop_lag_ms"]["p50"] is not None
    assert 0.001 < check["cpu_busy"] < 2  # CPU time over the run's wall time
    assert check["events"] > 0
    assert result.warnings == summary["warnings"] == check["warnings"]
    assert summary["settings"] == run.settings()
    assert pipe.getvalue() == ""


async def test_a_failed_calibration_warns_first() -> None:
    async with FakeClaude() as server:
        url = server.url
    workload = Workload(MODEL, max_tokens=2, prompt_tokens=20)
    result = await run_bench(config(base_url=url, concurrency=1, requests=1, workload=workload))
    assert result.warnings[0].startswith("count_tokens failed (APIConnectionError)")
    assert result.warnings == result.summary["warnings"]


async def test_a_replay_given_as_offsets_and_requests_is_sent_as_given() -> None:
    requests = [
        {"model": MODEL, "max_tokens": 2, "messages": [{"role": "user", "content": "early"}]},
        {"model": MODEL, "max_tokens": 2, "messages": [{"role": "user", "content": "late"}]},
    ]
    workload = Workload(MODEL, max_tokens=2, dataset=DATASET)
    async with FakeClaude() as server:
        run = config(base_url=server.url, replay=([0.0, 0.03], requests), workload=workload)
        result = await run_bench(run)
        bodies = [r.json for r in server.requests]
    assert [body["messages"][0]["content"] for body in bodies] == ["early", "late"]
    records = sorted(result.records, key=lambda r: r.index)
    assert [r.scheduled for r in records] == [0.0, 0.03] and all(r.ok for r in records)
    assert [r.step for r in records] == [0, 0]


async def test_an_uncapped_open_loop_that_sends_late_says_so() -> None:
    # The endpoint shares our event loop and blocks it for 60 ms on the first request:
    # the sends due meanwhile go late, and without a cap that is the client's doing.
    served = 0

    async def blocking(stream: SocketStream, request: bytes) -> None:
        nonlocal served
        served += 1
        if served == 1:
            time.sleep(0.06)  # noqa: ASYNC251 - the point is to block the loop
        head, tail = reply_events("A")
        await stream.send(response(head + tail, headers=SSE_HEADERS))

    workload = Workload(MODEL, max_tokens=2, dataset=DATASET)
    async with raw_server(blocking) as server:
        run = config(
            base_url=server.url, rate=100.0, arrival="constant", requests=4, workload=workload
        )
        result = await run_bench(run)
    delay = result.summary["schedule_delay_ms"]["p99"]
    assert delay > 2
    assert f"schedule delay p99 {delay:.1f} ms: the client did not send on time" in (
        result.warnings
    )


async def test_ours_keeps_the_request_id_of_a_stream_with_a_malformed_event() -> None:
    broken = b"event: content_block_delta\ndata: {not json\n\n"
    record, _, clock, _, _ = await ours([sse_bytes(START) + broken])
    assert (record.error, record.status, record.request_id) == (
        "EventProtocolError",
        None,
        "req_parts",
    )
    assert record.input_tokens == 7 and record.end == clock.calls


async def test_ours_adds_up_the_handling_of_every_read() -> None:
    # Many events first, one last: the handling time is the sum over the reads, at least
    # what decoding the first part alone takes here, not the last read's.
    many = sse_bytes(START) + sse_bytes(delta(type="text_delta", text="A")) * 1000
    last = sse_bytes(usage(1000)) + sse_bytes(STOP)

    def decode_once() -> float:
        started = time.perf_counter()
        _Reader(RequestRecord(index=0, scheduled=0.0), SelfCheck()).feed(
            SSEDecoder().feed(many), 0.0
        )
        return time.perf_counter() - started

    alone = min(decode_once() for _ in range(3))
    record, check, _, _, _ = await ours([many, last])
    assert record.ok and len(record.content) == 1000
    assert check.handling >= alone / 10
