"""`Runner` and `client.messages.map`: many requests, paced at the API's rate limits.

`Runner.map` is an async context manager yielding an async iterator of `MapResult`s, so
its worker tasks live in a task group inside the caller's `async with` block: leaving
the block (by `break`, an error or cancellation) cancels every request still in flight.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sized,
)
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, Union

import anyio
import anyio.abc
import msgspec
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from ._errors import APIConnectionError, APIStatusError, RateLimitError
from ._pacing import Cost, Pacer
from ._retry import retry_delay, should_retry

if TYPE_CHECKING:
    from types import TracebackType

    from ._ratelimits import RateLimitInfo
    from ._requester import Requester
    from ._shared_pacer import RedisPacer
    from .types import Message, Usage

__all__ = (
    "MapOptions",
    "MapResult",
    "MapRun",
    "Progress",
    "Runner",
    "SpendLimitError",
    "map_requests",
)

MapItem = Mapping[str, Any]
MapInput = Union[Iterable[MapItem], AsyncIterable[MapItem]]

_SPEND = re.compile(r"usage limit|spend limit|credit balance|billing", re.IGNORECASE)
_COUNT_KEYS = (
    "model",
    "messages",
    "system",
    "tools",
    "tool_choice",
    "thinking",
    "output_config",
    "cache_control",
)
# Bytes of request JSON per input token, until replies show the real ratio.
_INITIAL_BYTES_PER_TOKEN = 3.0


class SpendLimitError(RateLimitError):
    """A 429 without `retry-after` saying the organisation's spend limit is reached:
    waiting will not help, so `Runner.map` stops everything and raises it."""


@dataclass(frozen=True)
class MapResult:
    """One request's outcome: its position in the input (`index`), its `custom_id`
    (None if the item had none), and either the reply `message` or the `error`."""

    index: int
    custom_id: str | None
    message: Message | None = None
    error: Exception | None = None
    attempts: int = 1

    @property
    def usage(self) -> Usage | None:
        """The reply's token usage (None for a failed request)."""
        return self.message.usage if self.message is not None else None

    def unwrap(self) -> Message:
        """The message; raises the request's exception if it failed."""
        if self.message is None:
            raise self.error if self.error is not None else ValueError("no message")
        return self.message


@dataclass(frozen=True)
class Progress:
    """A snapshot of a map: requests `succeeded`, `failed`, `in_flight`, `queued` (taken
    from the input, waiting for the rate limits), `total` (None if unknown), retries,
    429/529 answers seen, tokens used, and seconds `elapsed`."""

    succeeded: int = 0
    failed: int = 0
    in_flight: int = 0
    queued: int = 0
    total: int | None = None
    retries: int = 0
    rate_limited: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0
    elapsed: float = 0.0
    concurrency_limit: int = 0

    @property
    def done(self) -> int:
        """Requests finished, successfully or not."""
        return self.succeeded + self.failed

    @property
    def requests_per_second(self) -> float:
        """Finished requests per second since the start."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds until the end at the current rate (None if the total is unknown)."""
        rate = self.requests_per_second
        if self.total is None or rate <= 0:
            return None
        return max(self.total - self.done, 0) / rate


class MapOptions(TypedDict, total=False):
    """The keyword arguments of `client.messages.map`: those of `Runner` and `Runner.map`."""

    concurrency: int
    max_retries: int
    max_retry_wait: float
    count_tokens: bool
    requests_per_minute: int | None
    input_tokens_per_minute: int | None
    output_tokens_per_minute: int | None
    pacer: RedisPacer | None
    ordered: bool
    fail_fast: bool
    total: int | None
    on_progress: Callable[[Progress], object] | None
    progress_interval: float


_MAP_KEYS = frozenset({"ordered", "fail_fast", "total", "on_progress", "progress_interval"})


def map_requests(client: Requester, requests: MapInput, options: MapOptions) -> MapRun:
    """`client.messages.map`: a new `Runner` with `options`, mapping `requests`."""
    runner_options: dict[str, Any] = {k: v for k, v in options.items() if k not in _MAP_KEYS}
    map_options: dict[str, Any] = {k: v for k, v in options.items() if k in _MAP_KEYS}
    return Runner(client, **runner_options).map(requests, **map_options)


class _Stats:
    def __init__(self) -> None:
        self.succeeded = self.failed = self.retries = self.rate_limited = 0
        self.input_tokens = self.output_tokens = self.cache_read = self.cache_creation = 0
        self.started = time.monotonic()


class Runner:
    """Runs many message requests at the API's limits; reuse it to keep what it learnt.

    `concurrency` caps requests in flight (and worker tasks). Limits are learnt from the
    `anthropic-ratelimit-*` headers of each reply (pass `requests_per_minute`,
    `input_tokens_per_minute` or `output_tokens_per_minute` to start from known limits).
    A 429/529 pauses every request until its `retry-after`, at most `max_retry_wait`
    seconds, and halves the concurrency, which then grows back by one per success.
    Each request is tried at most `1 + max_retries` times. `count_tokens=True` counts
    each request's input tokens exactly with `messages.count_tokens` (one more call per
    request) instead of estimating them from its size. Raises `ValueError` naming a bad
    option at once, before any request. Maps running at once on one `Runner` share its
    limits. Processes running at once on one organisation's limits each take an even share,
    read from what the headers say the server's buckets hold; `pacer=RedisPacer(url)` keeps the
    buckets in Redis, one budget for every process using it (see docs/fanout.md).
    """

    def __init__(
        self,
        client: Requester,
        *,
        concurrency: int = 64,
        max_retries: int = 8,
        max_retry_wait: float = 300.0,
        count_tokens: bool = False,
        requests_per_minute: int | None = None,
        input_tokens_per_minute: int | None = None,
        output_tokens_per_minute: int | None = None,
        pacer: RedisPacer | None = None,
    ) -> None:
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError(f"concurrency must be an int of at least 1, got {concurrency!r}")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be an int of 0 or more, got {max_retries!r}")
        if not max_retry_wait >= 0:
            raise ValueError(f"max_retry_wait must be 0 or more seconds, got {max_retry_wait!r}")
        for name, value in (
            ("requests_per_minute", requests_per_minute),
            ("input_tokens_per_minute", input_tokens_per_minute),
            ("output_tokens_per_minute", output_tokens_per_minute),
        ):
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a positive int or None, got {value!r}")
        if pacer is not None and not hasattr(pacer, "_pacer"):
            raise ValueError(f"pacer must be a RedisPacer or None, got {pacer!r}")
        self._shared = pacer
        self._fleet_name = _fleet_name(client) if pacer is not None else ""
        from .resources._messages import AsyncMessages

        # Retries are the runner's own (paced, counted), never the client's.
        self._messages = AsyncMessages(client.with_options(max_retries=0))
        self.concurrency = concurrency
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.count_tokens = count_tokens
        self._limits = {
            "requests": requests_per_minute,
            "input_tokens": input_tokens_per_minute,
            "output_tokens": output_tokens_per_minute,
        }
        self._pacer: Pacer | None = None
        self._bytes = 0
        self._tokens = 0

    def _get_pacer(self) -> Pacer:
        if self._pacer is None:
            if self._shared is not None:
                self._pacer = self._shared._pacer(
                    self.concurrency,
                    max_wait=self.max_retry_wait,
                    limits=self._limits,
                    default_name=self._fleet_name,
                )
            else:
                self._pacer = Pacer(
                    self.concurrency, max_wait=self.max_retry_wait, limits=self._limits
                )
        return self._pacer

    def map(
        self,
        requests: MapInput,
        *,
        ordered: bool = False,
        fail_fast: bool = False,
        total: int | None = None,
        on_progress: Callable[[Progress], object] | None = None,
        progress_interval: float = 1.0,
    ) -> MapRun:
        """Send every request; `async with runner.map(requests) as results:` then
        `async for result in results:`.

        `requests` is a sync or async iterable, read lazily, of message parameters
        (`{"model": ..., "messages": ..., "max_tokens": ...}`) or batch-style items
        `{"custom_id": ..., "params": {...}}`. Results come as they complete, or in input
        order with `ordered=True`. A failed request is a result with `error` set; with
        `fail_fast=True` the first failure cancels the rest and is raised from the
        `async with`. A `SpendLimitError` always stops everything. `on_progress` is called
        with a `Progress` every `progress_interval` seconds and once at the end (`total`
        gives the ETA when `requests` has no `len`). Leaving the block early or cancelling
        it cancels every request in flight.
        """
        if progress_interval <= 0:
            raise ValueError(f"progress_interval must be positive, got {progress_interval!r}")
        if total is None and isinstance(requests, Sized):
            total = len(requests)
        return MapRun(self, requests, ordered, fail_fast, total, on_progress, progress_interval)

    async def _send(self, params: Mapping[str, Any]) -> tuple[Message, RateLimitInfo]:
        raw = await self._messages.with_raw_response.create(**params)
        message: Message = await raw.parse()
        return message, raw.rate_limits

    def _estimate(self, params: Mapping[str, Any]) -> tuple[int, int]:
        size = len(msgspec.json.encode(params))
        ratio = self._bytes / self._tokens if self._tokens else _INITIAL_BYTES_PER_TOKEN
        return size, math.ceil(size / ratio)

    def _learn(self, size: int, usage: Usage) -> None:
        self._bytes += size
        self._tokens += (
            usage.input_tokens
            + (usage.cache_creation_input_tokens or 0)
            + (usage.cache_read_input_tokens or 0)
        )


def _fleet_name(client: object) -> str:
    """The Redis key prefix of the processes sharing `client`'s credential and API: a
    hash, so neither the key nor a frame holding it in a local shows up anywhere."""
    return (
        "anyio-claude:"
        + hashlib.sha256(
            f"{getattr(client, 'api_key', None) or getattr(client, 'auth_token', None) or ''}"
            f"@{getattr(client, 'base_url', '')}".encode()
        ).hexdigest()[:16]
    )


def _split(item: object) -> tuple[str | None, Mapping[str, Any]]:
    if not isinstance(item, Mapping):
        raise TypeError(f"a request must be a mapping of parameters, got {type(item).__name__}")
    if "params" in item and "messages" not in item:
        custom_id = item.get("custom_id")
        params = item["params"]
        if custom_id is not None and not isinstance(custom_id, str):
            raise TypeError(f"custom_id must be a string, got {type(custom_id).__name__}")
        if not isinstance(params, Mapping):
            raise TypeError(f"params must be a mapping, got {type(params).__name__}")
        return custom_id, params
    return None, item


def _custom_id(item: object) -> str | None:
    if isinstance(item, Mapping):
        value = item.get("custom_id")
        return value if isinstance(value, str) else None
    return None


class MapRun:
    """The running map: an async context manager whose value iterates `MapResult`s and
    has the live `progress`.

    Leaving the block early, by an exception or by cancellation, cancels every request in
    flight and closes their connections before it returns. A fatal error (a
    `SpendLimitError`, the input iterable raising, the first failure with `fail_fast`) is
    raised from the `async with` as itself, not in an exception group.
    """

    def __init__(
        self,
        runner: Runner,
        requests: MapInput,
        ordered: bool,
        fail_fast: bool,
        total: int | None,
        on_progress: Callable[[Progress], object] | None,
        progress_interval: float,
    ) -> None:
        self._runner = runner
        self._requests = requests
        self._ordered = ordered
        self._fail_fast = fail_fast
        self._total = total
        self._on_progress = on_progress
        self._interval = progress_interval
        self._stats = _Stats()
        self._pacer = runner._get_pacer()
        self._sync_items: Iterator[MapItem] | None = None
        self._async_items: AsyncIterator[MapItem] | None = None
        self._input_lock = anyio.Lock()
        self._next_index = 0
        self._emitted = 0
        self._held: dict[int, MapResult] = {}
        self._emit_lock = anyio.Lock()
        self._window_moved = anyio.Event()
        self._failure: BaseException | None = None
        self._tg: anyio.abc.TaskGroup | None = None
        self._send: MemoryObjectSendStream[MapResult] | None = None
        self._receive: MemoryObjectReceiveStream[MapResult] | None = None
        self._exhausted = False

    @property
    def progress(self) -> Progress:
        """The current `Progress` snapshot."""
        s, pacer = self._stats, self._pacer
        return Progress(
            succeeded=s.succeeded,
            failed=s.failed,
            in_flight=pacer.in_flight,
            queued=pacer.waiting,
            total=self._total,
            retries=s.retries,
            rate_limited=s.rate_limited,
            input_tokens=s.input_tokens,
            output_tokens=s.output_tokens,
            cache_read_input_tokens=s.cache_read,
            cache_creation_input_tokens=s.cache_creation,
            elapsed=time.monotonic() - s.started,
            concurrency_limit=pacer.allowed(),
        )

    async def __aenter__(self) -> MapRun:
        if isinstance(self._requests, AsyncIterable):
            self._async_items = aiter(self._requests)
        else:
            self._sync_items = iter(self._requests)
        self._stats = _Stats()
        self._send, self._receive = anyio.create_memory_object_stream[MapResult](0)
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self._tg.start_soon(self._run_all)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        assert self._tg is not None and self._receive is not None and self._send is not None
        if not self._exhausted or exc is not None:
            self._tg.cancel_scope.cancel()
        try:
            await self._tg.__aexit__(None, None, None)
        finally:
            self._send.close()
            self._receive.close()
            await self._pacer.aclose()
        if self._on_progress is not None:
            self._on_progress(self.progress)
        if self._failure is not None:
            raise self._failure
        return False

    def __aiter__(self) -> MapRun:
        return self

    async def __anext__(self) -> MapResult:
        if self._receive is None:
            raise RuntimeError("use `async with runner.map(...) as results:` to iterate")
        try:
            return await self._receive.receive()
        except anyio.EndOfStream:
            self._exhausted = True
            raise StopAsyncIteration from None

    def _fail(self, exc: BaseException) -> None:
        if self._failure is None:
            self._failure = exc
        assert self._tg is not None
        self._tg.cancel_scope.cancel()

    async def _run_all(self) -> None:
        assert self._send is not None
        async with anyio.create_task_group() as outer:
            if self._on_progress is not None:
                outer.start_soon(self._tick)
            async with self._send, anyio.create_task_group() as workers:
                for _ in range(self._runner.concurrency):
                    workers.start_soon(self._worker, self._send.clone())
            outer.cancel_scope.cancel()

    async def _tick(self) -> None:
        assert self._on_progress is not None
        while True:
            await anyio.sleep(self._interval)
            self._on_progress(self.progress)

    async def _take(self) -> tuple[int, object] | None:
        """The next input item and its index; None at the end."""
        async with self._input_lock:
            if self._ordered:
                window = 2 * self._runner.concurrency
                while self._next_index >= self._emitted + window:
                    await self._window_moved.wait()
            try:
                if self._sync_items is not None:
                    item: object = next(self._sync_items)
                else:
                    assert self._async_items is not None
                    item = await self._async_items.__anext__()
            except (StopIteration, StopAsyncIteration):
                return None
            index = self._next_index
            self._next_index += 1
            return index, item

    async def _worker(self, send: MemoryObjectSendStream[MapResult]) -> None:
        async with send:
            while True:
                try:
                    taken = await self._take()
                    if taken is None:
                        return
                    result = await self._one(*taken)
                except Exception as exc:
                    # The input iterable raised, or a fatal reply: stop everything.
                    self._fail(exc)
                    return
                if result.error is not None and self._fail_fast:
                    self._fail(result.error)
                    return
                await self._emit(send, result)

    async def _emit(self, send: MemoryObjectSendStream[MapResult], result: MapResult) -> None:
        if not self._ordered:
            await send.send(result)
            return
        self._held[result.index] = result
        async with self._emit_lock:
            while self._emitted in self._held:
                await send.send(self._held.pop(self._emitted))
                self._emitted += 1
                self._window_moved.set()
                self._window_moved = anyio.Event()

    def _record(self, result: MapResult) -> MapResult:
        s = self._stats
        if result.message is None:
            s.failed += 1
            return result
        usage = result.message.usage
        s.succeeded += 1
        s.input_tokens += usage.input_tokens
        s.output_tokens += usage.output_tokens
        s.cache_read += usage.cache_read_input_tokens or 0
        s.cache_creation += usage.cache_creation_input_tokens or 0
        return result

    async def _one(self, index: int, item: object) -> MapResult:
        runner, pacer = self._runner, self._pacer
        try:
            custom_id, params = _split(item)
            if params.get("stream"):
                raise ValueError("stream: map sends non-streaming requests; leave stream out")
            size, estimate = runner._estimate(params)
            if runner.count_tokens:
                counted = await runner._messages.count_tokens(
                    **{k: params[k] for k in _COUNT_KEYS if k in params}
                )
                estimate = counted.input_tokens
            max_tokens = params.get("max_tokens")
            cost = Cost(estimate, max_tokens if isinstance(max_tokens, int) else 0)
        except Exception as exc:
            return self._record(MapResult(index, _custom_id(item), error=exc))
        attempts = 0
        while True:
            attempts += 1
            if attempts > 1:
                self._stats.retries += 1
            await pacer.acquire(cost)
            released = False
            try:
                message, info = await runner._send(params)
                usage = message.usage
                used = Cost(
                    usage.input_tokens + (usage.cache_creation_input_tokens or 0),
                    usage.output_tokens,
                )
                released = True
                pacer.release(cost, info=info, used=used, refund_request=False)
                pacer.succeeded()
                runner._learn(size, usage)
                return self._record(MapResult(index, custom_id, message, attempts=attempts))
            except APIStatusError as exc:
                status = exc.status_code
                overloaded = status in (429, 529)
                released = True
                pacer.release(cost, info=exc.rate_limits, used=None, refund_request=overloaded)
                if overloaded:
                    self._stats.rate_limited += 1
                    if status == 429 and exc.retry_after is None and _SPEND.search(exc.message):
                        raise _spend_limit(exc) from exc
                    pacer.overloaded(exc.retry_after)
                    # The server's x-should-retry: false holds for 429/529 too.
                    if attempts <= runner.max_retries and should_retry(status, _headers(exc)):
                        continue
                elif attempts <= runner.max_retries and should_retry(status, _headers(exc)):
                    await anyio.sleep(retry_delay(attempts - 1, _headers(exc)))
                    continue
                return self._record(MapResult(index, custom_id, error=exc, attempts=attempts))
            except APIConnectionError as exc:
                released = True
                pacer.release(cost, info=None, used=None, refund_request=False)
                if attempts <= runner.max_retries:
                    await anyio.sleep(retry_delay(attempts - 1, None))
                    continue
                return self._record(MapResult(index, custom_id, error=exc, attempts=attempts))
            except Exception as exc:
                released = True
                pacer.release(cost, info=None, used=None, refund_request=True)
                return self._record(MapResult(index, custom_id, error=exc, attempts=attempts))
            finally:
                if not released:
                    pacer.release(cost, info=None, used=None, refund_request=False)


def _headers(exc: APIStatusError) -> Mapping[str, str]:
    headers = getattr(exc.response, "headers", None)
    return headers if isinstance(headers, Mapping) else {}


def _spend_limit(exc: APIStatusError) -> SpendLimitError:
    return SpendLimitError(
        exc.message,
        status_code=exc.status_code,
        type=exc.type,
        request_id=exc.request_id,
        body=exc.body,
        response=exc.response,
        rate_limits=exc.rate_limits,
    )
