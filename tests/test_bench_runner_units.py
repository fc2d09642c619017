"""The bench runner's parts one at a time: both clients' `send` filling a record from the
same stream, the saturation rules, the TTFT trend, the progress line and the spin
accounting (found unpinned by mutation testing, docs/contributing.md)."""

from __future__ import annotations

import io
import json
import math
import re
import sys
import time
from typing import Any

import anyio
import pytest
from anyio.abc import SocketStream

from anyio_claude import AsyncClaude
from anyio_claude._bench._metrics import RequestRecord
from anyio_claude._bench._runner import (
    SelfCheck,
    _official,
    _ours,
    _Progress,
    _saturation,
    _show_progress,
    _ttft_trend,
)

from ._marks import official_generators_left_open
from ._servers import raw_server, response

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
PARAMS: dict[str, Any] = {
    "model": MODEL,
    "max_tokens": 10,
    "messages": [{"role": "user", "content": "hi"}],
}


def sse(data: dict[str, Any]) -> bytes:
    return b"event: %s\ndata: %s\n\n" % (data["type"].encode(), json.dumps(data).encode())


START = {
    "type": "message_start",
    "message": {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": MODEL,
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 7, "output_tokens": 0},
    },
}
TOOL = {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}


def delta(index: int, **fields: Any) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": fields}


EVENTS = [
    START,
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    delta(0, type="text_delta", text=""),  # empty: not a token
    delta(0, type="text_delta", text="A"),
    {"type": "content_block_stop", "index": 0},
    {"type": "content_block_start", "index": 1, "content_block": TOOL},
    delta(1, type="input_json_delta", partial_json=""),
    delta(1, type="input_json_delta", partial_json='{"a": 1}'),
    {"type": "content_block_stop", "index": 1},
    {
        "type": "message_delta",
        "delta": {"stop_reason": "tool_use", "stop_sequence": None},
        "usage": {"output_tokens": 5},
    },
]
STOP = {"type": "message_stop"}


async def send_with(
    which: str, events: list[dict[str, Any]], status: int = 200, body: bytes | None = None
) -> tuple[RequestRecord, SelfCheck]:
    content = body if body is not None else b"".join(map(sse, events))
    headers = {"request-id": "req_bench"}
    if body is None:
        headers["content-type"] = "text/event-stream"
    reply = response(content, status=status, headers=headers)

    async def handler(stream: SocketStream, request: bytes) -> None:
        await stream.send(reply)

    record, check = RequestRecord(index=0, scheduled=0.0), SelfCheck()
    clock = anyio.current_time
    async with raw_server(handler) as server:
        if which == "ours":
            async with AsyncClaude(api_key="k", base_url=server.url, max_retries=0) as client:
                await _ours(client, clock, check)(record, dict(PARAMS))
        else:
            import anthropic

            async with anthropic.AsyncAnthropic(
                api_key="k", base_url=server.url, max_retries=0
            ) as official:
                await _official(official, clock, check)(record, dict(PARAMS))
    return record, check


@official_generators_left_open
@pytest.mark.parametrize("which", ["ours", "official"])
async def test_both_clients_fill_a_record_alike(which: str) -> None:
    record, check = await send_with(which, [*EVENTS, STOP])
    assert record.error is None and record.ok, which
    assert record.status == 200 and record.request_id == "req_bench", which
    assert (record.input_tokens, record.output_tokens) == (7, 5), which
    # The text and the JSON delta are tokens; the empty ones are not.
    assert len(record.content) == 2, which
    assert record.sent <= record.content[0] <= record.end, which
    assert check.events == len(EVENTS) + 1, which


@official_generators_left_open
@pytest.mark.parametrize("which", ["ours", "official"])
async def test_a_stream_without_message_stop_is_incomplete_for_both(which: str) -> None:
    record, check = await send_with(which, EVENTS)
    assert record.error == "IncompleteStreamError", which
    assert record.status == 200 and record.request_id == "req_bench", which
    assert check.events == len(EVENTS), which


@official_generators_left_open
@pytest.mark.parametrize("which", ["ours", "official"])
async def test_an_error_reply_is_counted_by_its_class_and_status(which: str) -> None:
    # The status decides, not the body's error type (that is for mid-stream errors).
    body = json.dumps(
        {"type": "error", "error": {"type": "overloaded_error", "message": "no"}}
    ).encode()
    record, _ = await send_with(which, [], status=404, body=body)
    assert record.error == "NotFoundError", which
    assert record.status == 404 and record.request_id == "req_bench", which
    assert not record.ok and math.isfinite(record.end), which
    # A body that is not an error object: still the status's class.
    record, _ = await send_with(which, [], status=503, body=b"[1]")
    assert record.error == "ServiceUnavailableError" and record.status == 503, which


def step(
    requests: int = 100,
    errors: int = 0,
    p50: float | None = 10.0,
    trend: float = 1.0,
    delay: float | None = 0.0,
) -> dict[str, Any]:
    return {
        "requests": requests,
        "errors": {"total": errors},
        "ttft_ms": {"p50": p50},
        "ttft_trend": trend,
        "schedule_delay_ms": {"p50": delay},
    }


def test_saturation_says_why() -> None:
    base = step(p50=10.0)
    assert _saturation(step(), None) is None
    assert _saturation(step(), base) is None
    assert _saturation(step(errors=5), base) is None  # 5 %: not more than
    assert _saturation(step(errors=6), base) == "more than 5 % of requests failed"
    assert _saturation(step(requests=1, errors=1), base) == "more than 5 % of requests failed"
    assert _saturation(step(requests=0, errors=1, p50=None), base) == "no request completed"
    assert _saturation(step(p50=21.0), base) is None  # twice the baseline, plus 1 ms
    assert _saturation(step(p50=21.5), base) == (
        "TTFT p50 21.5 ms is over twice the first step's 10.0 ms"
    )
    assert _saturation(step(p50=21.5), None) is None
    assert _saturation(step(p50=21.5), step(p50=None)) is None
    assert _saturation(step(p50=1.5), step(p50=0.2)) == (
        "TTFT p50 1.5 ms is over twice the first step's 0.2 ms"
    )
    assert _saturation(step(trend=1.5), base) is None
    assert _saturation(step(trend=1.6), base) == (
        "TTFT grew 1.6x from the first to the last quarter"
    )
    assert _saturation(step(trend=1.6, p50=1.0), step(p50=1.0)) is None  # 1 ms: noise
    assert _saturation(step(trend=1.6, p50=1.2), step(p50=1.0)) == (
        "TTFT grew 1.6x from the first to the last quarter"
    )
    assert _saturation(step(delay=10.0), base) is None
    assert _saturation(step(delay=10.5), base) == (
        "schedule delay p50 10.5 ms: sends could not keep to the schedule"
    )
    assert _saturation(step(delay=None), base) is None


def timed(ttft: float, sent: float, *, ok: bool = True, warmup: bool = False) -> RequestRecord:
    record = RequestRecord(index=0, scheduled=sent, sent=sent, warmup=warmup)
    record.content.append(sent + ttft)
    record.end = sent + ttft + 1 if ok else math.nan
    return record


def test_ttft_trend_compares_the_last_quarter_with_the_first() -> None:
    # 32 in order of sending: the first 8 at 2.0, the middle at 9.0, the last 8 at 6.0;
    # handed over shuffled, with failures and warm-ups that do not count.
    records = [timed(2.0, i) for i in range(8)]
    records += [timed(9.0, i) for i in range(8, 24)]
    records += [timed(6.0, i) for i in range(24, 32)]
    failed = [timed(100.0, 40 + i, ok=False) for i in range(8)]
    warmups = [timed(100.0, -1 - i, warmup=True) for i in range(8)]
    shuffled = records[::-1] + failed + warmups
    assert _ttft_trend(shuffled) == pytest.approx(3.0)
    # One fewer: a quarter of 7, no trend.
    assert _ttft_trend(records[1:]) == 1.0
    # Medians, not means: one outlier in each quarter changes nothing.
    records[0] = timed(50.0, 0)
    records[31] = timed(0.1, 31)
    assert _ttft_trend(records) == pytest.approx(3.0)
    # A request without a first token is not measured.
    silent = RequestRecord(index=0, scheduled=60, sent=60, end=61)
    assert _ttft_trend([*records, silent]) == pytest.approx(3.0)
    # A first quarter of zero TTFTs: no trend rather than a division by zero.
    zeros = [timed(0.0, i) for i in range(16)] + [timed(2.0, i) for i in range(16, 32)]
    assert _ttft_trend(zeros) == 1.0


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


async def test_the_progress_line_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    progress = _Progress()
    progress.label, progress.sent, progress.done = "step 1  ", 12, 10
    progress.errors, progress.in_flight = 1, 2
    started = anyio.current_time()
    with anyio.move_on_after(1.2):
        await _show_progress(progress, started)
    lines = terminal.getvalue().split("\r")[1:]
    assert 1 <= len(lines) <= 2, lines  # every 0.5 s
    for line in lines:
        found = re.fullmatch(
            r"step 1  +(\d+\.\d)s  sent 12  done 10  errors 1  in flight 2  (\d+\.\d) req/s  ",
            line,
        )
        assert found, line
        elapsed, rate = float(found[1]), float(found[2])
        assert 0.5 <= elapsed <= 1.2 and rate == pytest.approx(10 / elapsed, rel=0.15), line
    assert "\n" not in terminal.getvalue()


async def test_the_progress_line_on_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    progress = _Progress()
    progress.done = 3
    started = anyio.current_time()
    with anyio.move_on_after(0.7):
        await _show_progress(progress, started)
    assert pipe.getvalue() == ""  # every 5 s, not 0.5
    # Started "in the future": no rate from a negative elapsed time.
    with anyio.move_on_after(5.6):
        await _show_progress(progress, anyio.current_time() + 10)
    (line,) = pipe.getvalue().splitlines()
    assert pipe.getvalue().endswith(" req/s\n") and "\r" not in pipe.getvalue()
    found = re.fullmatch(r" *(-\d+\.\d)s  sent 0  done 3  errors 0  in flight 0  0\.0 req/s", line)
    assert found, line
    assert -5.1 <= float(found[1]) <= -4.3, line


def burn(seconds: float) -> None:
    """Use `seconds` of CPU time."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_spinning_counts_the_union_of_overlapping_waits() -> None:
    burn(0.05)  # CPU time used before the first wait is not counted
    check = SelfCheck()
    begun = time.perf_counter()
    check.spin_started()
    time.sleep(0.02)
    second = time.perf_counter()
    check.spin_started()  # overlaps the first: counted once, from the first's start
    time.sleep(0.02)
    check.spin_stopped()
    assert check.spinning == 0.0  # one still waits
    burn(0.02)
    check.spin_stopped()
    now = time.perf_counter()
    assert now - second + 0.01 <= check.spinning <= now - begun
    assert 0.02 <= check.spinning_cpu <= check.spinning
    # A second wait adds to the first.
    first, first_cpu = check.spinning, check.spinning_cpu
    check.spin_started()
    burn(0.02)
    check.spin_stopped()
    assert first + 0.02 <= check.spinning <= first + (time.perf_counter() - begun)
    assert first_cpu + 0.02 <= check.spinning_cpu <= check.spinning


@official_generators_left_open
@pytest.mark.parametrize("which", ["ours", "official"])
async def test_a_connection_failure_has_no_status(which: str) -> None:
    async def closing(stream: SocketStream, request: bytes) -> None:
        await stream.aclose()

    record, check = RequestRecord(index=0, scheduled=0.0), SelfCheck()
    async with raw_server(closing) as server:
        if which == "ours":
            async with AsyncClaude(api_key="k", base_url=server.url, max_retries=0) as client:
                await _ours(client, anyio.current_time, check)(record, dict(PARAMS))
        else:
            import anthropic

            async with anthropic.AsyncAnthropic(
                api_key="k", base_url=server.url, max_retries=0
            ) as official:
                await _official(official, anyio.current_time, check)(record, dict(PARAMS))
    assert record.error == "APIConnectionError", which
    assert record.status is None and record.request_id is None, which
    assert math.isfinite(record.end) and not record.ok, which
