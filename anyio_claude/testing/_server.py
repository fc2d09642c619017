"""`FakeClaude`: the Claude API on 127.0.0.1, over real HTTP/1.1 (anyio listeners + h11)."""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import random
import re
import socket
import ssl
import struct
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

import anyio
import anyio.abc
import h11

from ..streaming import MessageAccumulator, decode_event
from ..types import Message, Usage, encode_json
from ._files import FakeFiles
from ._model import (
    DEFAULT_MODELS,
    ModelSpec,
    RequestError,
    cache_split,
    count_request_tokens,
    generate_reply,
    message_events,
    validate_message_request,
)

__all__ = ("ErrorReply", "FakeClaude", "Fault", "RateLimits", "RecordedRequest")

logger = logging.getLogger("anyio_claude.testing")

FaultKind = Literal[
    "server_error",
    "overloaded",
    "rate_limited",
    "gateway_timeout",
    "mid_stream_error",
    "reset_mid_body",
    "stall",
    "malformed_sse",
]
_STATUS_FAULTS: dict[str, tuple[int, str, str]] = {
    "server_error": (500, "api_error", "Internal server error"),
    "overloaded": (529, "overloaded_error", "Overloaded"),
    "rate_limited": (429, "rate_limit_error", "Number of requests has exceeded your rate limit"),
    "gateway_timeout": (504, "timeout_error", "Request timed out"),
}


@dataclass
class Fault:
    """A fault to inject into matching requests.

    Kinds: `server_error` (500), `overloaded` (529), `rate_limited` (429 with
    `retry-after`), `gateway_timeout` (504) answer instead of the reply;
    `mid_stream_error` sends an `event: error` (overloaded) after `after_events` events;
    `reset_mid_body` resets the connection mid-body; `stall` stops sending mid-body
    without closing; `malformed_sse` sends an event whose data is not JSON.

    Which requests: those to `path` (default `/v1/messages`), further narrowed by
    `every` (every Nth), `nth` (only the Nth, 1-based) or `probability` (seeded by
    `seed`); with none of these, every matching request. `times` caps how often it fires.
    """

    kind: FaultKind
    every: int | None = None
    nth: int | None = None
    probability: float | None = None
    seed: int = 0
    times: int | None = None
    after_events: int = 3
    path: str = "/v1/messages"
    seen: int = field(default=0, init=False, repr=False)
    fired: int = field(default=0, init=False, repr=False)
    _rng: random.Random | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        valid = set(_STATUS_FAULTS) | {
            "mid_stream_error",
            "reset_mid_body",
            "stall",
            "malformed_sse",
        }
        if self.kind not in valid:
            raise ValueError(f"unknown fault kind {self.kind!r}; choose from {sorted(valid)}")

    def matches(self, path: str) -> bool:
        """Count a request to `path` and say whether the fault fires for it."""
        if path != self.path:
            return False
        self.seen += 1
        if self.times is not None and self.fired >= self.times:
            return False
        if self.nth is not None:
            hit = self.seen == self.nth
        elif self.every is not None:
            hit = self.seen % self.every == 0
        elif self.probability is not None:
            if self._rng is None:
                self._rng = random.Random(self.seed)
            hit = self._rng.random() < self.probability
        else:
            hit = True
        if hit:
            self.fired += 1
        return hit

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """A fault from the command-line form `kind[:key=value...]`, e.g. `overloaded:every=3`."""
        kind, *options = spec.strip().split(":")
        kwargs: dict[str, Any] = {}
        for option in options:
            key, _, value = option.partition("=")
            if key in ("every", "nth", "seed", "times", "after_events"):
                kwargs[key] = int(value)
            elif key == "probability":
                kwargs[key] = float(value)
            elif key == "path":
                kwargs[key] = value
            else:
                raise ValueError(f"unknown fault option {key!r} in {spec!r}")
        return cls(kind, **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class RateLimits:
    """Token buckets, refilled continuously: requests and (input + output) tokens a minute.

    A request that finds a bucket empty gets a 429 `rate_limit_error` with `retry-after`.
    None leaves that bucket unenforced (its headers still report a large limit).
    """

    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None


@dataclass(frozen=True)
class ErrorReply:
    """A scripted error answer: status, `error.type`, message and extra headers."""

    status: int
    type: str
    message: str
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedRequest:
    """A request the fake received: method, path (with query), headers and JSON body."""

    method: str
    path: str
    headers: Mapping[str, str]
    json: Any


class _Bucket:
    __slots__ = ("capacity", "enforced", "level", "rate", "updated")

    def __init__(self, per_minute: int | None, default: int) -> None:
        self.enforced = per_minute is not None
        self.capacity = float(per_minute if per_minute is not None else default)
        self.rate = self.capacity / 60.0
        self.level = self.capacity
        self.updated = 0.0

    def refill(self, now: float) -> None:
        if self.updated:
            self.level = min(self.capacity, self.level + (now - self.updated) * self.rate)
        self.updated = now

    def wait_for(self, amount: float, now: float) -> float:
        """Seconds until `amount` is available (0: take it now)."""
        self.refill(now)
        if not self.enforced or self.level >= amount:
            self.level -= amount
            return 0.0
        return (amount - self.level) / self.rate

    def headers(self, name: str, now: float, wall: datetime) -> list[tuple[str, str]]:
        self.refill(now)
        full_in = (self.capacity - max(self.level, 0.0)) / self.rate if self.rate else 0.0
        reset = (wall + timedelta(seconds=full_in)).strftime("%Y-%m-%dT%H:%M:%SZ")
        prefix = f"anthropic-ratelimit-{name}"
        return [
            (f"{prefix}-limit", str(int(self.capacity))),
            (f"{prefix}-remaining", str(max(int(self.level), 0))),
            (f"{prefix}-reset", reset),
        ]


class _Batch:
    def __init__(
        self,
        batch_id: str,
        requests: list[dict[str, Any]],
        created: datetime,
        clock: float,
        duration: float,
    ) -> None:
        self.id = batch_id
        self.requests = requests
        self.created = created
        self.clock = clock
        self.step = duration / max(len(requests), 1)
        self.cancel_clock: float | None = None
        self.cancel_wall: datetime | None = None
        self.results: list[bytes] | None = None
        self.deleted = False

    def done(self, now: float) -> int:
        until = now if self.cancel_clock is None else min(now, self.cancel_clock)
        return min(
            len(self.requests),
            int((until - self.clock) / self.step) if self.step else len(self.requests),
        )

    def ended(self, now: float) -> bool:
        return self.cancel_clock is not None or self.done(now) >= len(self.requests)


class FakeClaude:
    """A faithful stand-in for the Claude API, serving real HTTP/1.1 on 127.0.0.1.

    `async with FakeClaude() as server:` starts it (under asyncio or trio) and
    `server.url` is its base URL; leaving the block stops the listener and cancels every
    connection, stalled streams included. See docs/testing.md for the knobs: latency
    (`ttft`, `itl`, `jitter`), network writes (`write_size`, `line_ending`),
    `rate_limits`, `faults`, scripted replies (`script`), batches (`batch_seconds`,
    `batch_speedup`), the Files API's store (`server.files`). A bad request never takes
    the server down: it gets the error the real API would give (400/401/404/413/431/...)
    or its connection is closed.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_keys: Sequence[str] | None = None,
        models: Sequence[ModelSpec] = DEFAULT_MODELS,
        ssl_context: ssl.SSLContext | None = None,
        seed: int = 0,
        ttft: float = 0.0,
        itl: float = 0.0,
        jitter: float = 0.0,
        write_size: int | None = None,
        line_ending: Literal["\n", "\r\n", "\r"] = "\n",
        ping_every: int = 50,
        rate_limits: RateLimits | None = None,
        faults: Sequence[Fault] = (),
        batch_seconds: float = 60.0,
        batch_speedup: float = 1.0,
        max_body_size: int = 32 * 1024 * 1024,
        max_header_size: int = 16 * 1024,
    ) -> None:
        self.host = host
        self.port = port
        self.api_keys = None if api_keys is None else frozenset(api_keys)
        self.models = {m.id: m for m in models}
        self.ssl_context = ssl_context
        self.seed = seed
        self.ttft = ttft
        self.itl = itl
        self.jitter = jitter
        self.write_size = write_size
        self.line_ending = line_ending
        self.ping_every = ping_every
        self.faults = list(faults)
        self.batch_seconds = batch_seconds
        self.batch_speedup = batch_speedup
        self.max_body_size = max_body_size
        self.max_header_size = max_header_size
        self.requests: list[RecordedRequest] = []
        limits = rate_limits or RateLimits()
        self._requests_bucket = _Bucket(limits.requests_per_minute, 4000)
        self._tokens_bucket = _Bucket(limits.tokens_per_minute, 400_000)
        self._scripted: deque[Message | ErrorReply | list[dict[str, Any]] | bytes] = deque()
        self._counter = itertools.count(1)
        self._rng = random.Random(seed)
        self._cache: set[str] = set()
        self._batches: dict[str, _Batch] = {}
        self.files = FakeFiles(lambda: self._id("file_011C"))
        self._task_group: anyio.abc.TaskGroup | None = None
        self._started_clock = 0.0
        self._started_wall = datetime.now(timezone.utc)

    # ------------------------------------------------------------------ lifetime

    @property
    def url(self) -> str:
        """The base URL to give a client (`http(s)://127.0.0.1:<port>`)."""
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    async def __aenter__(self) -> FakeClaude:
        listener: anyio.abc.Listener[Any] = await anyio.create_tcp_listener(
            local_host=self.host, local_port=self.port
        )
        self.port = listener.extra(anyio.abc.SocketAttribute.local_port)
        if self.ssl_context is not None:
            from anyio.streams.tls import TLSListener

            listener = TLSListener(listener, self.ssl_context, standard_compatible=False)
        self._started_clock = anyio.current_time()
        self._started_wall = datetime.now(timezone.utc)
        self._listener = listener
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        self._task_group.start_soon(self._serve)
        return self

    async def _serve(self) -> None:
        async with self._listener:
            await self._listener.serve(self._connection)

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._task_group is not None
        self._task_group.cancel_scope.cancel()
        await self._task_group.__aexit__(None, None, None)
        self._task_group = None

    @classmethod
    @contextmanager
    def run_in_thread(cls, backend: str = "asyncio", **options: Any) -> Iterator[FakeClaude]:
        """Run a server in a background thread, for synchronous code and tests."""
        from anyio.from_thread import start_blocking_portal

        with (
            start_blocking_portal(backend) as portal,
            portal.wrap_async_context_manager(cls(**options)) as server,
        ):
            yield server

    def script(self, *replies: Message | ErrorReply | list[dict[str, Any]] | bytes) -> None:
        """Queue exact replies for the next `POST /v1/messages` requests, in order.

        A `Message` is sent as JSON or, to streaming requests, as its event stream; an
        `ErrorReply` as that error; a list of event dicts as a stream of exactly those
        events (non-streaming requests get the message they accumulate to); bytes as a
        raw SSE body, verbatim.
        """
        self._scripted.extend(replies)

    # ------------------------------------------------------------------ ids and time

    def _id(self, prefix: str) -> str:
        n = next(self._counter)
        return prefix + hashlib.sha256(f"{self.seed}:{n}".encode()).hexdigest()[:24]

    def _now(self) -> float:
        return anyio.current_time() - self._started_clock

    def _wall(self, clock: float | None = None) -> datetime:
        return self._started_wall + timedelta(seconds=self._now() if clock is None else clock)

    # ------------------------------------------------------------------ connections

    async def _connection(self, stream: anyio.abc.ByteStream) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=self.max_header_size)
        try:
            async with stream:
                try:
                    await self._serve_requests(conn, stream)
                except h11.RemoteProtocolError as exc:
                    await self._protocol_error(conn, stream, exc)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream):
            pass
        except OSError:
            pass
        except Exception:
            logger.exception("FakeClaude: error while serving a connection")

    async def _serve_requests(self, conn: h11.Connection, stream: anyio.abc.ByteStream) -> None:
        while True:
            request = await self._read_request(conn, stream)
            if request is None:
                return
            keep = await self._dispatch(conn, stream, *request)
            if not keep or conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                return
            conn.start_next_cycle()

    async def _protocol_error(
        self, conn: h11.Connection, stream: anyio.abc.ByteStream, exc: h11.RemoteProtocolError
    ) -> None:
        if conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        status = exc.error_status_hint
        message = "request header fields too large" if status == 431 else f"bad request: {exc}"
        body = self._error_body(status, "invalid_request_error", message)
        with anyio.move_on_after(1), _suppress_io():
            await stream.send(
                b"HTTP/1.1 %d Error\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                b"connection: close\r\n\r\n" % (status, len(body)) + body
            )
            await stream.aclose()

    async def _read_request(
        self, conn: h11.Connection, stream: anyio.abc.ByteStream
    ) -> tuple[h11.Request, bytes | None] | None:
        request: h11.Request | None = None
        body = bytearray()
        too_large = False
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                try:
                    data = await stream.receive(65536)
                except (anyio.EndOfStream, anyio.BrokenResourceError):
                    data = b""
                conn.receive_data(data)
                continue
            if isinstance(event, h11.Request):
                request = event
                if sum(len(k) + len(v) + 4 for k, v in event.headers) > self.max_header_size:
                    # h11 caps only a head that arrives in pieces; one big read gets here.
                    raise h11.RemoteProtocolError("headers too large", error_status_hint=431)
                for name, value in event.headers:
                    if name == b"content-length" and int(value) > self.max_body_size:
                        return request, None
            elif isinstance(event, h11.Data):
                if len(body) + len(event.data) > self.max_body_size:
                    too_large = True
                else:
                    body += event.data
            elif isinstance(event, h11.EndOfMessage):
                assert request is not None
                return request, None if too_large else bytes(body)
            elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                return None

    # ------------------------------------------------------------------ responses

    def _error_body(
        self, status: int, error_type: str, message: str, request_id: str = ""
    ) -> bytes:
        return encode_json(
            {
                "type": "error",
                "error": {"type": error_type, "message": message},
                "request_id": request_id or None,
            }
        )

    def _headers(
        self, request_id: str, extra: Sequence[tuple[str, str]] = ()
    ) -> list[tuple[str, str]]:
        now, wall = self._now(), self._wall()
        headers = [("request-id", request_id), ("anthropic-organization-id", "fake-org")]
        headers += self._requests_bucket.headers("requests", now, wall)
        headers += self._tokens_bucket.headers("tokens", now, wall)
        headers += self._tokens_bucket.headers("input-tokens", now, wall)
        headers += self._tokens_bucket.headers("output-tokens", now, wall)
        headers += extra
        return headers

    async def _send(self, conn: h11.Connection, stream: anyio.abc.ByteStream, *events: Any) -> None:
        data = b"".join(conn.send(e) or b"" for e in events)
        if data:
            await stream.send(data)

    async def _json(
        self,
        conn: h11.Connection,
        stream: anyio.abc.ByteStream,
        status: int,
        body: bytes,
        request_id: str,
        extra: Sequence[tuple[str, str]] = (),
        content_type: str = "application/json",
    ) -> bool:
        headers = [
            ("content-type", content_type),
            ("content-length", str(len(body))),
            *self._headers(request_id, extra),
        ]
        await self._send(
            conn,
            stream,
            h11.Response(status_code=status, headers=headers),
            h11.Data(data=body),
            h11.EndOfMessage(),
        )
        return True

    async def _error(
        self,
        conn: h11.Connection,
        stream: anyio.abc.ByteStream,
        status: int,
        error_type: str,
        message: str,
        request_id: str,
        extra: Sequence[tuple[str, str]] = (),
    ) -> bool:
        body = self._error_body(status, error_type, message, request_id)
        return await self._json(conn, stream, status, body, request_id, extra)

    # ------------------------------------------------------------------ routing

    async def _dispatch(
        self,
        conn: h11.Connection,
        stream: anyio.abc.ByteStream,
        request: h11.Request,
        body: bytes | None,
    ) -> bool:
        request_id = self._id("req_011C")
        method = request.method.decode()
        target = request.target.decode("latin-1")
        path, _, query = target.partition("?")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.headers}
        if body is None:
            await self._error(
                conn,
                stream,
                413,
                "request_too_large",
                f"Request exceeds the maximum allowed number of bytes ({self.max_body_size})",
                request_id,
                [("connection", "close")],
            )
            return False
        parsed: Any = None
        if body and not headers.get("content-type", "").startswith("multipart/"):
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = _INVALID
        self.requests.append(
            RecordedRequest(method, target, headers, None if parsed is _INVALID else parsed)
        )
        key = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")
        if not key:
            return await self._error(
                conn,
                stream,
                401,
                "authentication_error",
                "x-api-key header is required",
                request_id,
            )
        if self.api_keys is not None and key not in self.api_keys:
            return await self._error(
                conn, stream, 401, "authentication_error", "invalid x-api-key", request_id
            )
        if parsed is _INVALID:
            return await self._error(
                conn,
                stream,
                400,
                "invalid_request_error",
                "There was an issue with the request body: it is not valid JSON",
                request_id,
            )
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        try:
            if path == "/v1/files" or path.startswith("/v1/files/"):
                reply = self.files.handle(method, path, params, headers, body, request_id)
                return await reply.send(conn, stream, self._headers(request_id))
            if method == "POST" and path in ("/v1/messages", "/v1/messages/count_tokens"):
                self.files.check_references(parsed, headers)
            if method == "POST" and path == "/v1/messages":
                return await self._messages(conn, stream, parsed, request_id)
            if method == "POST" and path == "/v1/messages/count_tokens":
                validate_message_request(parsed, self.models, for_count=True)
                body_out = encode_json({"input_tokens": count_request_tokens(parsed)})
                return await self._json(conn, stream, 200, body_out, request_id)
            if method == "GET" and path == "/v1/models":
                return await self._list(conn, stream, request_id, params, self._model_objects())
            if method == "GET" and path.startswith("/v1/models/"):
                model = self.models.get(path.removeprefix("/v1/models/"))
                if model is None:
                    raise RequestError(404, "not_found_error", f"model: {path.rsplit('/', 1)[1]}")
                return await self._json(
                    conn, stream, 200, encode_json(_model_object(model)), request_id
                )
            if path.startswith("/v1/messages/batches"):
                return await self._batches_route(
                    conn, stream, method, path, params, parsed, request_id
                )
        except RequestError as exc:
            return await self._error(
                conn, stream, exc.status, exc.error_type, exc.message, request_id
            )
        return await self._error(
            conn, stream, 404, "not_found_error", f"Not found: {method} {path}", request_id
        )

    async def _list(
        self,
        conn: h11.Connection,
        stream: anyio.abc.ByteStream,
        request_id: str,
        params: Mapping[str, str],
        items: list[dict[str, Any]],
    ) -> bool:
        try:
            limit = int(params.get("limit", "20"))
        except ValueError:
            raise RequestError(
                400, "invalid_request_error", "limit: Input should be a valid integer"
            ) from None
        if not 1 <= limit <= 1000:
            raise RequestError(400, "invalid_request_error", "limit: range: 1..1000")
        ids = [item["id"] for item in items]
        if "after_id" in params:
            start = ids.index(params["after_id"]) + 1 if params["after_id"] in ids else len(ids)
            page = items[start : start + limit]
            has_more = start + limit < len(items)
        elif "before_id" in params:
            end = ids.index(params["before_id"]) if params["before_id"] in ids else 0
            page = items[max(0, end - limit) : end]
            has_more = end - limit > 0
        else:
            page, has_more = items[:limit], len(items) > limit
        body = {
            "data": page,
            "has_more": has_more,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
        }
        return await self._json(conn, stream, 200, encode_json(body), request_id)

    def _model_objects(self) -> list[dict[str, Any]]:
        ordered = sorted(self.models.values(), key=lambda m: m.created_at, reverse=True)
        return [_model_object(m) for m in ordered]

    # ------------------------------------------------------------------ messages

    def _fault_for(self, path: str) -> Fault | None:
        hit = None
        for fault in self.faults:
            if fault.matches(path) and hit is None:
                hit = fault
        return hit

    async def _messages(
        self, conn: h11.Connection, stream: anyio.abc.ByteStream, body: Any, request_id: str
    ) -> bool:
        now = self._now()
        wait = self._requests_bucket.wait_for(1, now)
        if wait:
            return await self._rate_limited(conn, stream, request_id, wait, "requests")
        validate_message_request(body, self.models)
        input_tokens = count_request_tokens(body)
        wait = self._tokens_bucket.wait_for(input_tokens, now)
        if wait:
            return await self._rate_limited(conn, stream, request_id, wait, "tokens")
        streaming = body.get("stream") is True
        fault = self._fault_for("/v1/messages")
        if fault is not None and fault.kind in _STATUS_FAULTS:
            status, error_type, error_message = _STATUS_FAULTS[fault.kind]
            extra = [("retry-after", "1")] if status == 429 else []
            return await self._error(
                conn, stream, status, error_type, error_message, request_id, extra
            )
        scripted = self._scripted.popleft() if self._scripted else None
        if isinstance(scripted, ErrorReply):
            return await self._error(
                conn,
                stream,
                scripted.status,
                scripted.type,
                scripted.message,
                request_id,
                list(scripted.headers.items()),
            )
        events: list[dict[str, Any]] | None = None
        raw: bytes | None = None
        message: Message | None
        chunks: Mapping[int, list[str]] | None
        if isinstance(scripted, Message):
            message, chunks = scripted, None
        elif isinstance(scripted, list):
            events = scripted
            # A stream is sent as scripted; only a JSON reply needs the message built.
            message = None if streaming else _accumulate(scripted)
            chunks = None
        elif isinstance(scripted, bytes):
            raw = scripted
            message, chunks = None, None
        else:
            uncached, created, read = cache_split(body, self._cache)
            usage = Usage(
                input_tokens=uncached,
                output_tokens=0,
                cache_creation_input_tokens=created,
                cache_read_input_tokens=read,
            )
            reply = generate_reply(body, seed=self.seed, message_id=self._id("msg_01"), usage=usage)
            message, chunks = reply.message, reply.chunks
        if message is not None or events is not None:
            self._tokens_bucket.wait_for(0, self._now())
            self._tokens_bucket.level -= (
                message.usage.output_tokens if message is not None else _output_tokens(events)
            )
        if not streaming:
            if message is None:
                raise RequestError(
                    400, "invalid_request_error", "scripted raw SSE needs stream: true"
                )
            payload = message.to_json().encode()
            return await self._json_with_fault(conn, stream, payload, request_id, fault)
        if raw is None:
            if events is None:
                assert message is not None
                events = message_events(message, chunks, ping_every=self.ping_every)
            return await self._stream(conn, stream, events, request_id, fault)
        return await self._stream_raw(conn, stream, [raw], request_id)

    async def _rate_limited(
        self,
        conn: h11.Connection,
        stream: anyio.abc.ByteStream,
        request_id: str,
        wait: float,
        what: str,
    ) -> bool:
        seconds = max(1, math.ceil(wait))
        return await self._error(
            conn,
            stream,
            429,
            "rate_limit_error",
            f"This request would exceed your organization's rate limit of {what} per minute",
            request_id,
            [("retry-after", str(seconds))],
        )

    async def _json_with_fault(
        self,
        conn: h11.Connection,
        stream: anyio.abc.ByteStream,
        payload: bytes,
        request_id: str,
        fault: Fault | None,
    ) -> bool:
        if fault is None or fault.kind == "mid_stream_error":
            return await self._json(conn, stream, 200, payload, request_id)
        headers = [
            ("content-type", "application/json"),
            ("content-length", str(len(payload))),
            *self._headers(request_id),
        ]
        if fault.kind == "malformed_sse":
            payload = payload[: len(payload) // 2].ljust(len(payload), b"#")
            await self._send(
                conn,
                stream,
                h11.Response(status_code=200, headers=headers),
                h11.Data(data=payload),
                h11.EndOfMessage(),
            )
            return True
        await self._send(
            conn,
            stream,
            h11.Response(status_code=200, headers=headers),
            h11.Data(data=payload[: len(payload) // 2]),
        )
        if fault.kind == "stall":
            await anyio.sleep_forever()
        _reset(stream)
        return False

    def _sse(self, event: dict[str, Any]) -> bytes:
        end = self.line_ending.encode()
        return b"event: %s%sdata: %s%s%s" % (
            str(event["type"]).encode(),
            end,
            encode_json(event),
            end,
            end,
        )

    async def _stream(
        self,
        conn: h11.Connection,
        stream: anyio.abc.ByteStream,
        events: list[dict[str, Any]],
        request_id: str,
        fault: Fault | None,
    ) -> bool:
        pieces = [self._sse(e) for e in events]
        cut = None if fault is None else min(fault.after_events, len(pieces))
        if fault is not None and cut is not None:
            pieces = pieces[:cut]
            if fault.kind == "mid_stream_error":
                pieces.append(
                    self._sse(
                        {
                            "type": "error",
                            "error": {"type": "overloaded_error", "message": "Overloaded"},
                            "request_id": request_id,
                        }
                    )
                )
            elif fault.kind == "malformed_sse":
                pieces.append(b"event: content_block_delta\ndata: {not json at all\n\n")
        keep = await self._stream_raw(
            conn,
            stream,
            pieces,
            request_id,
            finish=fault is None or fault.kind in ("mid_stream_error", "malformed_sse"),
            events=events,
        )
        if fault is not None and fault.kind == "stall":
            await anyio.sleep_forever()
        if fault is not None and fault.kind == "reset_mid_body":
            _reset(stream)
            return False
        return keep

    async def _stream_raw(
        self,
        conn: h11.Connection,
        stream: anyio.abc.ByteStream,
        pieces: list[bytes],
        request_id: str,
        *,
        finish: bool = True,
        events: list[dict[str, Any]] | None = None,
    ) -> bool:
        headers = [
            ("content-type", "text/event-stream; charset=utf-8"),
            ("cache-control", "no-cache"),
            *self._headers(request_id),
        ]
        await self._send(conn, stream, h11.Response(status_code=200, headers=headers))
        timed = self.ttft > 0 or self.itl > 0
        if not timed:
            body = b"".join(pieces)
            size = self.write_size or len(body) or 1
            for i in range(0, len(body), size):
                await self._send(conn, stream, h11.Data(data=body[i : i + size]))
        else:
            for i, piece in enumerate(pieces):
                delay = self.ttft if i == 1 else (self.itl if i > 1 else 0.0)
                if delay:
                    spread = self.jitter * delay
                    await anyio.sleep(max(0.0, delay + self._rng.uniform(-spread, spread)))
                size = self.write_size or len(piece) or 1
                for j in range(0, len(piece), size):
                    await self._send(conn, stream, h11.Data(data=piece[j : j + size]))
        if finish:
            await self._send(conn, stream, h11.EndOfMessage())
        return True

    # ------------------------------------------------------------------ batches

    def _batch_object(self, batch: _Batch) -> dict[str, Any]:
        now = self._now()
        done = batch.done(now)
        total = len(batch.requests)
        ended = batch.ended(now)
        canceled = total - done if batch.cancel_clock is not None else 0
        status = "ended" if ended else "in_progress"
        if batch.cancel_clock is not None and batch.results is None and not ended:
            status = "canceling"
        ended_at = None
        if ended:
            end_clock = (
                batch.cancel_clock
                if batch.cancel_clock is not None
                else batch.clock + batch.step * total
            )
            ended_at = _iso(self._wall(end_clock))
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": {
                "processing": 0 if ended else total - done,
                "succeeded": done if ended else 0,
                "errored": 0,
                "canceled": canceled if ended else 0,
                "expired": 0,
            },
            "created_at": _iso(batch.created),
            "expires_at": _iso(batch.created + timedelta(hours=24)),
            "ended_at": ended_at,
            "cancel_initiated_at": _iso(batch.cancel_wall) if batch.cancel_wall else None,
            "archived_at": None,
            "results_url": f"{self.url}/v1/messages/batches/{batch.id}/results" if ended else None,
        }

    def _batch_results(self, batch: _Batch) -> list[bytes]:
        if batch.results is None:
            done = batch.done(self._now())
            lines = []
            for i, item in enumerate(batch.requests):
                params = item["params"]
                if i >= done:
                    result: dict[str, Any] = {"type": "canceled"}
                else:
                    try:
                        validate_message_request(params, self.models)
                        if params.get("stream"):
                            raise RequestError(
                                400, "invalid_request_error", "stream: not supported in batches"
                            )
                    except RequestError as exc:
                        result = {
                            "type": "errored",
                            "error": {
                                "type": "error",
                                "error": {"type": exc.error_type, "message": exc.message},
                            },
                        }
                    else:
                        usage = Usage(input_tokens=count_request_tokens(params), output_tokens=0)
                        reply = generate_reply(
                            params, seed=self.seed, message_id=self._id("msg_01"), usage=usage
                        )
                        result = {"type": "succeeded", "message": reply.message.to_dict()}
                lines.append(encode_json({"custom_id": item["custom_id"], "result": result}))
            batch.results = lines
        return batch.results

    async def _batches_route(
        self,
        conn: h11.Connection,
        stream: anyio.abc.ByteStream,
        method: str,
        path: str,
        params: Mapping[str, str],
        body: Any,
        request_id: str,
    ) -> bool:
        parts = path.removeprefix("/v1/messages/batches").strip("/").split("/")
        if method == "POST" and parts == [""]:
            batch = self._create_batch(body)
            return await self._json(
                conn, stream, 200, encode_json(self._batch_object(batch)), request_id
            )
        if method == "GET" and parts == [""]:
            live = [b for b in self._batches.values() if not b.deleted]
            items = [self._batch_object(b) for b in reversed(live)]
            return await self._list(conn, stream, request_id, params, items)
        found = self._batches.get(parts[0])
        if found is None or found.deleted:
            raise RequestError(404, "not_found_error", f"message batch {parts[0]} not found")
        batch = found
        if method == "GET" and len(parts) == 1:
            return await self._json(
                conn, stream, 200, encode_json(self._batch_object(batch)), request_id
            )
        if method == "POST" and parts[1:] == ["cancel"]:
            if not batch.ended(self._now()):
                batch.cancel_clock = self._now()
                batch.cancel_wall = self._wall()
            return await self._json(
                conn, stream, 200, encode_json(self._batch_object(batch)), request_id
            )
        if method == "DELETE" and len(parts) == 1:
            if not batch.ended(self._now()):
                raise RequestError(
                    400,
                    "invalid_request_error",
                    "batch is still in progress: cancel it before deleting it",
                )
            batch.deleted = True
            return await self._json(
                conn,
                stream,
                200,
                encode_json({"id": batch.id, "type": "message_batch_deleted"}),
                request_id,
            )
        if method == "GET" and parts[1:] == ["results"]:
            if not batch.ended(self._now()):
                raise RequestError(
                    400, "invalid_request_error", "batch results are not available yet"
                )
            body_out = b"\n".join(self._batch_results(batch)) + b"\n"
            return await self._json(
                conn, stream, 200, body_out, request_id, content_type="application/binary"
            )
        raise RequestError(404, "not_found_error", f"Not found: {method} {path}")

    def _create_batch(self, body: Any) -> _Batch:
        requests = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not requests:
            raise RequestError(
                400, "invalid_request_error", "requests: at least one request is required"
            )
        if len(requests) > 100_000:
            raise RequestError(
                400, "invalid_request_error", "requests: at most 100,000 requests per batch"
            )
        seen: set[str] = set()
        for i, item in enumerate(requests):
            custom_id = item.get("custom_id") if isinstance(item, dict) else None
            if not isinstance(custom_id, str) or not _CUSTOM_ID.fullmatch(custom_id):
                raise RequestError(
                    400,
                    "invalid_request_error",
                    f"requests.{i}.custom_id: must match ^[a-zA-Z0-9_-]{{1,64}}$",
                )
            if custom_id in seen:
                raise RequestError(
                    400,
                    "invalid_request_error",
                    f"requests.{i}.custom_id: duplicate custom_id {custom_id!r}",
                )
            seen.add(custom_id)
            if not isinstance(item.get("params"), dict):
                raise RequestError(
                    400, "invalid_request_error", f"requests.{i}.params: Field required"
                )
            if item["params"].get("stream"):
                raise RequestError(
                    400,
                    "invalid_request_error",
                    f"requests.{i}.params.stream: streaming is not supported in batches",
                )
        duration = self.batch_seconds / self.batch_speedup
        batch = _Batch(self._id("msgbatch_01"), requests, self._wall(), self._now(), duration)
        self._batches[batch.id] = batch
        return batch


_CUSTOM_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_INVALID = object()


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _model_object(model: ModelSpec) -> dict[str, Any]:
    return {
        "id": model.id,
        "type": "model",
        "display_name": model.display_name,
        "created_at": model.created_at,
        "max_tokens": model.max_tokens,
    }


def _output_tokens(events: list[dict[str, Any]] | None) -> int:
    for event in reversed(events or ()):
        if event.get("type") == "message_delta":
            tokens = (event.get("usage") or {}).get("output_tokens")
            return tokens if isinstance(tokens, int) else 0
    return 0


def _accumulate(events: list[dict[str, Any]]) -> Message:
    acc = MessageAccumulator()
    for event in events:
        acc.update(decode_event(encode_json(event)))
    return acc.snapshot


def _reset(stream: anyio.abc.ByteStream) -> None:
    """Make the coming close an RST rather than a FIN (SO_LINGER with a zero timeout)."""
    raw = stream.extra(anyio.abc.SocketAttribute.raw_socket, None)
    if raw is not None:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@contextmanager
def _suppress_io() -> Iterator[None]:
    try:
        yield
    except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
        pass
