"""The load generator: the only part of the harness that does I/O.

Requests go through the public client API, reading the raw event stream with
`with_streaming_response` and `iter_bytes`: each chunk is stamped the moment it is read,
then decoded with the sans-I/O `SSEDecoder` and `decode_event`, so decoding cost never
shifts a timestamp. Open-loop arrivals follow a schedule computed up front, each send
waiting for its absolute time and never for earlier requests.
"""

from __future__ import annotations

import gc
import math
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import anyio
import anyio.lowlevel

from .._errors import ClaudeError, error_code_of, status_error_class, status_for_error_type
from ..sse import ServerSentEvent, SSEDecoder
from ..types import (
    ContentBlockDeltaEvent,
    ErrorEvent,
    InputJSONDelta,
    MessageDeltaEvent,
    MessageStartEvent,
    MessageStopEvent,
    TextDelta,
    ThinkingDelta,
)
from ..types._decode import decode_event
from ._metrics import SLO, RequestRecord, distribution, summarise
from ._shapes import Workload, arrival_offsets, load_trace

__all__ = ("BenchConfig", "BenchResult", "SelfCheck", "run_bench")

# Each request task starts this long before its scheduled time and waits out the rest
# itself: its start-up, and the ready callbacks queued ahead of it, are paid before the
# deadline instead of after it.
_LEAD = 0.01
# The last millisecond is waited for by yielding rather than by a timer, which epoll rounds
# up to whole milliseconds: a send lands within one loop iteration of its time. (Yielding
# for longer would not help against a busy loop and costs CPU a shared machine lacks.)
_SPIN = 0.001
_LAG_TICK = 0.01
# Above these the client process, not the endpoint, may be what the numbers measure.
_LAG_P99_LIMIT_MS = 5.0
_LAG_MAX_LIMIT_MS = 20.0
_DELAY_P99_LIMIT_MS = 2.0
_BUSY_LIMIT = 0.9


@dataclass
class BenchConfig:
    """A run's settings, checked by the command line before any network I/O."""

    model: str
    api_key: str = field(repr=False)
    base_url: str | None = None
    concurrency: int | None = None
    rate: float | None = None
    arrival: str = "poisson"
    burstiness: float = 1.0
    max_concurrency: int | None = None
    sweep: bool = False
    sweep_factor: float = 2.0
    sweep_steps: int = 8
    replay: tuple[list[float], list[dict[str, Any]]] | None = None
    replay_path: str | None = None
    requests: int | None = None
    duration: float | None = None
    warmup: int = 0
    seed: int = 0
    workload: Workload | None = None
    dataset_path: str | None = None
    slo: SLO = field(default_factory=SLO)
    client: str = "anyio-claude"
    progress: bool = False

    def shape(self) -> str:
        """The load shape in words, for reports."""
        if self.replay is not None:
            return f"replay of {self.replay_path}"
        if self.sweep:
            return f"sweep from {self.rate:g}/s (x{self.sweep_factor:g}), {self.arrival}"
        if self.rate is not None:
            cap = f", at most {self.max_concurrency} in flight" if self.max_concurrency else ""
            return f"open loop {self.arrival} {self.rate:g}/s{cap}"
        return f"closed loop, concurrency {self.concurrency}"

    def settings(self) -> dict[str, Any]:
        """The settings recorded in the summary (never the API key)."""
        workload = self.workload
        return {
            "base_url": self.base_url,
            "model": self.model,
            "client": self.client,
            "shape": self.shape(),
            "concurrency": self.concurrency,
            "rate": self.rate,
            "arrival": self.arrival,
            "burstiness": self.burstiness,
            "max_concurrency": self.max_concurrency,
            "sweep": self.sweep,
            "replay": self.replay_path,
            "requests": self.requests,
            "duration_s": self.duration,
            "warmup": self.warmup,
            "seed": self.seed,
            "prompt_tokens": workload.prompt_tokens if workload else None,
            "max_tokens": workload.max_tokens if workload else None,
            "dataset": self.dataset_path,
            "slo": self.slo.to_json(),
        }


class SelfCheck:
    """The client's own cost: event-loop lag, CPU use and time spent per stream event."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self.events = 0
        self.handling = 0.0
        # Wall and CPU time while at least one send waited by yielding (the union of the
        # waits, which overlap when sends are close together).
        self.spinning = 0.0
        self.spinning_cpu = 0.0
        self._spinners = 0
        self._spin_since = (0.0, 0.0)
        self.cpu = 0.0
        self.wall = 0.0

    def spin_started(self) -> None:
        """A send starts waiting out its last stretch by yielding."""
        if not self._spinners:
            self._spin_since = (time.perf_counter(), time.process_time())
        self._spinners += 1

    def spin_stopped(self) -> None:
        """A send stops yielding: its time has come (or it was cancelled)."""
        self._spinners -= 1
        if not self._spinners:
            wall, cpu = self._spin_since
            self.spinning += time.perf_counter() - wall
            self.spinning_cpu += time.process_time() - cpu

    async def watch_loop(self) -> None:
        """Sleep in short ticks forever, recording how late each wake-up is."""
        while True:
            expected = anyio.current_time() + _LAG_TICK
            await anyio.sleep_until(expected)
            self.lags.append(anyio.current_time() - expected)

    def report(self, schedule_delay_p99_ms: float | None = None) -> dict[str, Any]:
        """The summary's `self_check`: measurements, `saturated`, and warnings.

        `schedule_delay_p99_ms` is given for open-loop runs without a concurrency cap,
        where any delay is the client's own.
        """
        lag = distribution(self.lags)
        # Yielding keeps the process busy whatever the load: the busy fraction is the one
        # outside those waits.
        outside = self.wall - self.spinning
        busy = (self.cpu - self.spinning_cpu) / outside if outside > 0 else None
        # The official SDK decodes inside its iterator, out of our sight: no figure then.
        per_event = self.handling / self.events * 1e6 if self.events and self.handling else None
        warnings = []
        lag_p99 = lag["p99"]
        if lag_p99 is not None and lag_p99 > _LAG_P99_LIMIT_MS:
            warnings.append(
                f"event-loop lag p99 {lag_p99:.1f} ms: arrivals were stamped late, "
                "latencies are overstated and sends delayed"
            )
        elif lag["max"] is not None and lag["max"] > _LAG_MAX_LIMIT_MS:
            warnings.append(
                f"the event loop stalled for {lag['max']:.1f} ms at least once: some "
                "arrivals were stamped late"
            )
        if schedule_delay_p99_ms is not None and schedule_delay_p99_ms > _DELAY_P99_LIMIT_MS:
            warnings.append(
                f"schedule delay p99 {schedule_delay_p99_ms:.1f} ms: the client did not "
                "send on time"
            )
        if busy is not None and busy > _BUSY_LIMIT:
            warnings.append(
                f"the client process was busy {busy:.0%} of the run: it may be the "
                "bottleneck; lower the load or run several processes"
            )
        return {
            "loop_lag_ms": lag,
            "cpu_busy": busy,
            "client_us_per_event": per_event,
            "events": self.events,
            "saturated": bool(warnings),
            "warnings": warnings,
        }


@dataclass
class BenchResult:
    """Every request, the summary, and for a sweep each step's summary."""

    records: list[RequestRecord]
    summary: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _content(event: ContentBlockDeltaEvent) -> bool:
    delta = event.delta
    if isinstance(delta, TextDelta):
        return bool(delta.text)
    if isinstance(delta, ThinkingDelta):
        return bool(delta.thinking)
    if isinstance(delta, InputJSONDelta):
        return bool(delta.partial_json)
    return False


class _Reader:
    """Fills a record from the events of one stream; `feed` takes their arrival time."""

    __slots__ = ("check", "record", "stopped")

    def __init__(self, record: RequestRecord, check: SelfCheck) -> None:
        self.record = record
        self.check = check
        self.stopped = False

    def feed(self, events: list[ServerSentEvent], arrived: float) -> None:
        record = self.record
        for sse in events:
            if sse.event == "ping":
                continue
            event = decode_event(sse.data)
            if isinstance(event, ContentBlockDeltaEvent):
                if _content(event):
                    record.content.append(arrived)
            elif isinstance(event, MessageStartEvent):
                record.input_tokens = event.message.usage.input_tokens
            elif isinstance(event, MessageDeltaEvent):
                record.output_tokens = event.usage.output_tokens
                if event.usage.input_tokens is not None:
                    record.input_tokens = event.usage.input_tokens
            elif isinstance(event, MessageStopEvent):
                self.stopped = True
            elif isinstance(event, ErrorEvent):
                status = status_for_error_type(event.error.type)
                record.status = status
                code = error_code_of(event.to_dict())
                record.error = status_error_class(status, code).__name__
        self.check.events += len(events)


Send = Callable[[RequestRecord, dict[str, Any]], Awaitable[None]]


def _ours(client: Any, clock: Callable[[], float], check: SelfCheck) -> Send:
    async def send(record: RequestRecord, params: dict[str, Any]) -> None:
        reader = _Reader(record, check)
        record.sent = clock()
        try:
            async with client.messages.with_streaming_response.create(
                stream=True, **params
            ) as response:
                record.request_id = response.request_id
                record.status = response.status_code
                decoder = SSEDecoder()
                async for chunk in response.iter_bytes():
                    arrived = clock()
                    record.end = arrived
                    started = time.perf_counter()
                    reader.feed(decoder.feed(chunk), arrived)
                    check.handling += time.perf_counter() - started
                decoder.close()
            if math.isnan(record.end):
                record.end = clock()
        except ClaudeError as exc:
            record.end = clock()
            record.error = type(exc).__name__
            record.status = getattr(exc, "status_code", None)
            record.request_id = getattr(exc, "request_id", None) or record.request_id
            return
        if record.error is None and not reader.stopped:
            record.error = "IncompleteStreamError"

    return send


def _official(client: Any, clock: Callable[[], float], check: SelfCheck) -> Send:
    import anthropic

    async def send(record: RequestRecord, params: dict[str, Any]) -> None:
        record.sent = clock()
        stopped = False
        try:
            stream = await client.messages.create(stream=True, **params)
            async with stream:
                record.request_id = stream.response.headers.get("request-id")
                record.status = stream.response.status_code
                # The official SDK hands over decoded events only: the stamp includes its
                # parsing, which is the cost this comparison is there to show.
                async for event in stream:
                    arrived = clock()
                    record.end = arrived
                    check.events += 1
                    kind = event.type
                    if kind == "content_block_delta":
                        delta = event.delta
                        text = getattr(delta, "text", None) or getattr(delta, "thinking", None)
                        if text or getattr(delta, "partial_json", None):
                            record.content.append(arrived)
                    elif kind == "message_start":
                        record.input_tokens = event.message.usage.input_tokens
                    elif kind == "message_delta":
                        record.output_tokens = event.usage.output_tokens
                    elif kind == "message_stop":
                        stopped = True
        except anthropic.APIError as exc:
            record.end = clock()
            record.error = type(exc).__name__
            record.status = getattr(exc, "status_code", None)
            record.request_id = getattr(exc, "request_id", None) or record.request_id
            body = exc.body
            error = body.get("error") if isinstance(body, dict) else None
            if record.status == 200 and isinstance(error, dict):
                # A mid-stream `error` event, which the SDK raises as a generic error with
                # the response's 200: counted like ours, by the status its type stands for.
                record.status = status_for_error_type(str(error.get("type")))
                code = error_code_of(body)
                record.error = status_error_class(record.status, code).__name__
            return
        if not stopped:
            record.error = "IncompleteStreamError"

    return send


class _Progress:
    __slots__ = ("done", "errors", "in_flight", "label", "sent")

    def __init__(self) -> None:
        self.label = ""
        self.sent = 0
        self.done = 0
        self.errors = 0
        self.in_flight = 0


async def _show_progress(progress: _Progress, started: float) -> None:
    tty = sys.stderr.isatty()
    while True:
        await anyio.sleep(0.5 if tty else 5.0)
        elapsed = anyio.current_time() - started
        line = (
            f"{progress.label}{elapsed:6.1f}s  sent {progress.sent}  done {progress.done}  "
            f"errors {progress.errors}  in flight {progress.in_flight}  "
            f"{progress.done / elapsed if elapsed > 0 else 0:.1f} req/s"
        )
        print(f"\r{line}  " if tty else line, end="" if tty else "\n", file=sys.stderr)
        sys.stderr.flush()


async def _sleep_until(target: float, check: SelfCheck) -> None:
    if target - anyio.current_time() > _SPIN:
        await anyio.sleep_until(target - _SPIN)
    if anyio.current_time() >= target:
        return
    check.spin_started()
    try:
        while anyio.current_time() < target:
            await anyio.lowlevel.checkpoint()
    finally:
        check.spin_stopped()


class _Run:
    """One load phase (a whole run, or one sweep step) on an open client."""

    def __init__(
        self, config: BenchConfig, send: Send, check: SelfCheck, progress: _Progress
    ) -> None:
        self.config = config
        self.send = send
        self.check = check
        self.progress = progress
        self.records: list[RequestRecord] = []
        self.t0 = 0.0

    async def _one(self, record: RequestRecord, params: dict[str, Any]) -> None:
        progress = self.progress
        progress.sent += 1
        progress.in_flight += 1
        try:
            await self.send(record, params)
        finally:
            progress.in_flight -= 1
            progress.done += 1
            progress.errors += record.error is not None
            record.sent -= self.t0
            record.end -= self.t0
            record.content[:] = [at - self.t0 for at in record.content]

    def _record(self, index: int, scheduled: float, step: int) -> RequestRecord:
        record = RequestRecord(index, scheduled, warmup=index < self.config.warmup, step=step)
        self.records.append(record)
        return record

    async def open_loop(
        self, offsets: Sequence[float], params: Callable[[int], dict[str, Any]], step: int
    ) -> None:
        limit = self.config.max_concurrency
        # A free slot is taken without yielding, which would delay the send.
        semaphore = anyio.Semaphore(limit, fast_acquire=True) if limit else None
        # A short lead so the first sends do not start behind the task group's set-up.
        self.t0 = anyio.current_time() + 0.02

        async def scheduled(record: RequestRecord, request: dict[str, Any]) -> None:
            # Sent the moment its time comes, with no yield in between; a late task sends
            # at once and its lateness is recorded, never made up for.
            await _sleep_until(self.t0 + record.scheduled, self.check)
            if semaphore is None:
                await self._one(record, request)
                return
            async with semaphore:
                await self._one(record, request)

        async with anyio.create_task_group() as tg:
            for index, offset in enumerate(offsets):
                start = self.t0 + offset - _LEAD
                # A timer, not a spin: the task has _LEAD to spare for a late wake-up. When
                # already behind, no yield: one start per loop iteration would fall further
                # behind at high rates.
                if start > anyio.current_time():
                    await anyio.sleep_until(start)
                tg.start_soon(scheduled, self._record(index, offset, step), params(index))

    async def closed_loop(self, params: Callable[[int], dict[str, Any]]) -> None:
        config = self.config
        assert config.concurrency is not None
        self.t0 = anyio.current_time()
        deadline = self.t0 + config.duration if config.duration is not None else math.inf
        total = config.requests + config.warmup if config.requests is not None else None
        counter = iter(range(total if total is not None else sys.maxsize))

        async def worker() -> None:
            for index in counter:
                now = anyio.current_time()
                if now >= deadline:
                    return
                await self._one(self._record(index, now - self.t0, 0), params(index))

        async with anyio.create_task_group() as tg:
            for _ in range(config.concurrency):
                tg.start_soon(worker)


async def _calibrate(client: Any, workload: Workload, warnings: list[str]) -> Workload:
    """Fit tokens(words) with count_tokens on the endpoint, so synthetic prompts have the
    requested size in the endpoint's own tokens."""
    counts = []
    try:
        for words in (2, 402):
            prompt = workload.prompt(0, 0, words=words)
            reply = await client.messages.count_tokens(
                model=workload.model, messages=[{"role": "user", "content": prompt}]
            )
            counts.append(reply.input_tokens)
    except ClaudeError as exc:
        warnings.append(
            f"count_tokens failed ({type(exc).__name__}): prompt sizes are estimated; "
            "token counts still come from each reply's usage"
        )
        return workload
    slope = (counts[1] - counts[0]) / 400
    if slope <= 0:
        return workload
    return replace(workload, tokens_per_word=slope, base_tokens=counts[0] - 2 * slope)


def _saturation(step: dict[str, Any], baseline: dict[str, Any] | None) -> str | None:
    """Why a sweep step shows the endpoint saturated, or None."""
    if step["requests"] and step["errors"]["total"] > 0.05 * step["requests"]:
        return "more than 5 % of requests failed"
    ttft = step["ttft_ms"]["p50"]
    if ttft is None:
        return "no request completed"
    base = baseline["ttft_ms"]["p50"] if baseline else None
    if base is not None and ttft > 2 * base + 1:
        return f"TTFT p50 {ttft:.1f} ms is over twice the first step's {base:.1f} ms"
    if step["ttft_trend"] > 1.5 and ttft > 1:
        return f"TTFT grew {step['ttft_trend']:.1f}x from the first to the last quarter"
    # The median, not p99: a client hiccup delays a few sends, a queue delays most.
    delay = step["schedule_delay_ms"]["p50"]
    if delay is not None and delay > 10:
        return f"schedule delay p50 {delay:.1f} ms: sends could not keep to the schedule"
    return None


def _ttft_trend(records: Sequence[RequestRecord]) -> float:
    """Median TTFT of the last quarter of requests over the first: a queue that grows.

    1.0 (no trend) under 8 requests a quarter, where one slow reply would decide it.
    """
    # Filtered before sorting: a request cancelled before it was sent has a NaN `sent`,
    # which would leave the order undefined.
    measured = [r for r in records if r.ok and not r.warmup]
    ttfts = [r.ttft for r in sorted(measured, key=lambda r: r.sent)]
    values = [t for t in ttfts if t is not None]
    quarter = len(values) // 4
    if quarter < 8:
        return 1.0
    first = statistics.median(values[:quarter])
    last = statistics.median(values[-quarter:])
    return last / first if first > 0 else 1.0


def _client(config: BenchConfig) -> Any:
    capacity = max(1000, config.max_concurrency or 0, config.concurrency or 0)
    if config.client == "official":
        import anthropic
        import httpx2

        return anthropic.AsyncAnthropic(
            api_key=config.api_key,
            base_url=config.base_url,
            max_retries=0,
            http_client=anthropic.DefaultAsyncHttpxClient(
                limits=httpx2.Limits(max_connections=capacity, max_keepalive_connections=capacity)
            ),
        )
    from .._client import AsyncClaude

    # No retries: a retried request would hide its error and stretch its latency.
    return AsyncClaude(
        api_key=config.api_key,
        base_url=config.base_url,
        max_retries=0,
        max_connections=capacity,
    )


async def run_bench(config: BenchConfig) -> BenchResult:
    """Run the configured load and return every request and the summary.

    Raises only for problems before the first request (an unreachable endpoint shows up
    as errors in the records). Cancelling it cancels every request in flight.
    """
    warnings: list[str] = []
    check = SelfCheck()
    progress = _Progress()
    client = _client(config)
    send = (_official if config.client == "official" else _ours)(client, anyio.current_time, check)
    steps: list[dict[str, Any]] = []
    records: list[RequestRecord] = []
    async with client:
        workload = config.workload
        assert workload is not None
        replay = config.replay
        if not workload.dataset:
            # Calibrated with our client whatever is measured: it is set-up, not load.
            async with _client(replace(config, client="anyio-claude")) as counter:
                workload = await _calibrate(counter, workload, warnings)
            if config.replay_path is not None:
                replay = load_trace(config.replay_path, workload)
        # A full collection scans every object in the process (modules, the client) and
        # stalls the loop for milliseconds, delaying sends and stamps: what exists before
        # the load is set aside for its duration, as vLLM's `bench serve` does.
        gc.collect()
        gc.freeze()
        try:
            cpu_start, wall_start = time.process_time(), anyio.current_time()
            async with anyio.create_task_group() as watchers:
                watchers.start_soon(check.watch_loop)
                if config.progress:
                    watchers.start_soon(_show_progress, progress, wall_start)
                count = None if config.requests is None else config.requests + config.warmup
                if replay is not None:
                    offsets, params = replay
                    run = _Run(config, send, check, progress)
                    await run.open_loop(offsets, params.__getitem__, 0)
                    records = run.records
                elif config.sweep:
                    assert config.rate is not None
                    rate = config.rate
                    baseline: dict[str, Any] | None = None
                    for step in range(config.sweep_steps):
                        progress.label = f"step {step + 1} at {rate:g}/s: "
                        run = _Run(config, send, check, progress)
                        offsets = _offsets(config, rate, count, step)
                        await run.open_loop(offsets, workload.params, step)
                        records += run.records
                        summary = summarise(run.records, config.slo)
                        summary["ttft_trend"] = _ttft_trend(run.records)
                        summary["offered_rate"] = rate
                        reason = _saturation(summary, baseline)
                        summary["saturated"] = reason
                        steps.append(summary)
                        baseline = baseline or summary
                        if reason is not None:
                            break
                        rate *= config.sweep_factor
                elif config.rate is not None:
                    run = _Run(config, send, check, progress)
                    await run.open_loop(_offsets(config, config.rate, count, 0), workload.params, 0)
                    records = run.records
                else:
                    run = _Run(config, send, check, progress)
                    await run.closed_loop(workload.params)
                    records = run.records
                watchers.cancel_scope.cancel()
            check.cpu = time.process_time() - cpu_start
            check.wall = anyio.current_time() - wall_start
        finally:
            gc.unfreeze()
    if config.progress and sys.stderr.isatty():
        print("\r\033[K", end="", file=sys.stderr)
    if steps:
        unsaturated = [step for step in steps if step["saturated"] is None]
        summary = dict((unsaturated or steps)[-1])
        summary["sweep"] = steps
    else:
        summary = summarise(records, config.slo)
    uncapped_open_loop = config.concurrency is None and config.max_concurrency is None
    delay = summary["schedule_delay_ms"]["p99"] if uncapped_open_loop else None
    self_check = check.report(delay)
    summary["self_check"] = self_check
    summary["settings"] = config.settings()
    summary["warnings"] = warnings + self_check["warnings"]
    return BenchResult(records, summary, steps, summary["warnings"])


def _offsets(config: BenchConfig, rate: float, count: int | None, step: int) -> list[float]:
    return arrival_offsets(
        rate,
        config.arrival,
        burstiness=config.burstiness,
        count=count,
        duration=config.duration,
        seed=config.seed + step,
    )
