"""`POST /v1/messages` (JSON and streamed), `count_tokens`, and scripted replies."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Union

from ..streaming import MessageAccumulator, decode_event
from ..types import Message, Usage, encode_json
from ._fake_model import (
    RequestError,
    cache_split,
    count_request_tokens,
    generate_reply,
    message_events,
    validate_message_request,
)
from ._faults import STATUS_FAULTS, Fault
from ._http import Ending, Response
from ._routing import ApiRequest, error_response, json_response
from ._threads import finishing

if TYPE_CHECKING:
    from ._server import FakeClaude

__all__ = ("ErrorReply", "Framing", "MessagesRoute", "ScriptedReply", "bedrock_chunk")

# How a stream's events are framed: SSE (the API, Vertex AI) or AWS's event stream (Bedrock).
Framing = Literal["sse", "eventstream"]
EVENTSTREAM_TYPE = "application/vnd.amazon.eventstream"


def bedrock_chunk(data: bytes) -> bytes:
    """One Bedrock `chunk` message carrying `data` (an event's JSON), as Bedrock frames it:
    the JSON `{"bytes": base64}` payload, padded with a `p` member as Bedrock pads it."""
    import base64

    from .._eventstream import encode_message

    payload = encode_json({"bytes": base64.b64encode(data).decode(), "p": "abcdefghijklmnop"})
    headers = {
        ":event-type": "chunk",
        ":content-type": "application/json",
        ":message-type": "event",
    }
    return encode_message(dict(headers), payload)


@dataclass(frozen=True)
class ErrorReply:
    """A scripted error answer: status, `error.type`, message and extra headers."""

    status: int
    type: str
    message: str
    headers: Mapping[str, str] = field(default_factory=dict)


ScriptedReply = Union[Message, ErrorReply, list[dict[str, Any]], bytes]


class MessagesRoute:
    """Answers messages with scripted replies first, then with the fake model."""

    def __init__(self, server: FakeClaude) -> None:
        self.server = server
        self.scripted: deque[ScriptedReply] = deque()
        self._cache: set[str] = set()

    async def count_tokens(self, request: ApiRequest) -> Response:
        """`POST /v1/messages/count_tokens`."""
        if request.method != "POST" or request.path != "/v1/messages/count_tokens":
            raise _not_found(request)
        validate_message_request(request.json, self.server.models, for_count=True)
        self.server.files.check_references(request.json, request.headers)
        return json_response(encode_json({"input_tokens": count_request_tokens(request.json)}))

    async def create(self, request: ApiRequest, framing: Framing = "sse") -> Response:
        """`POST /v1/messages` (and the platforms' routes to it, with their `framing`)."""
        if framing == "sse" and (request.method != "POST" or request.path != "/v1/messages"):
            raise _not_found(request)
        if not (isinstance(request.json, dict) and "thread" in request.json):
            return await self._create(request, request.json, framing)
        # A thread: the model answers the whole conversation the server holds.
        body, hold, done = self.server.threads.resolve(request.json, request.headers)
        try:
            response = await self._create(request, body, framing, hold)
        except BaseException:
            done()
            raise
        if isinstance(response.body, bytes):
            done()
            return response
        return replace(response, body=finishing(response.body, done))

    async def _create(
        self,
        request: ApiRequest,
        body: Any,
        framing: Framing,
        hold: Callable[[Message | None], None] | None = None,
    ) -> Response:
        server, request_id = self.server, request.request_id
        limiter = server._limiter
        now = server._now()
        if limiter.spent():
            return _spend_limited(request_id, server._wall())
        wait = limiter.requests.wait_for(1, now)
        if wait:
            return _rate_limited(request_id, wait, "requests")
        validate_message_request(body, server.models)
        server.files.check_references(body, request.headers)
        input_tokens = count_request_tokens(body)
        max_tokens = body["max_tokens"]
        wait, what = limiter.admit_tokens(input_tokens, max_tokens, now)
        if wait:
            limiter.requests.refund(1, now)
            return _rate_limited(request_id, wait, what)
        streaming = body.get("stream") is True
        fault = server._fault_for("/v1/messages")
        if fault is not None and fault.kind in STATUS_FAULTS:
            status, error_type, error_message = STATUS_FAULTS[fault.kind]
            extra = [("retry-after", "1")] if status == 429 else []
            if status in (429, 529):
                limiter.unadmit(input_tokens, max_tokens, now)
            return error_response(status, error_type, error_message, request_id, extra)
        scripted = self.scripted.popleft() if self.scripted else None
        if isinstance(scripted, ErrorReply):
            if scripted.status in (429, 529):
                limiter.unadmit(input_tokens, max_tokens, now)
            return error_response(
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
            reply = generate_reply(
                body,
                seed=server.seed,
                message_id=server._id("msg_01"),
                usage=usage,
                model=server.models[body["model"]].id,
            )
            message, chunks = reply.message, reply.chunks
        if hold is not None:
            held = message
            if (
                held is None
                and events is not None
                and any(e.get("type") == "message_stop" for e in events)
            ):
                held = _accumulate(events)
            hold(held)
        if message is not None or events is not None:
            limiter.produced(
                message.usage.output_tokens if message is not None else _output_tokens(events),
                max_tokens,
                server._now(),
            )
        if not streaming:
            if message is None:
                raise RequestError(
                    400, "invalid_request_error", "scripted raw SSE needs stream: true"
                )
            return _json_with_fault(message.to_json().encode(), fault)
        if raw is None:
            if events is None:
                assert message is not None
                events = message_events(message, chunks, ping_every=server.ping_every)
            return self._stream(events, request_id, fault, framing)
        return self._sse_response([("", raw)], framing=framing)

    def _frame(self, event: dict[str, Any], framing: Framing) -> bytes:
        if framing == "eventstream":
            return bedrock_chunk(encode_json(event))
        return self._sse(event)

    def _sse(self, event: dict[str, Any]) -> bytes:
        end = self.server.line_ending.encode()
        return b"event: %s%sdata: %s%s%s" % (
            str(event["type"]).encode(),
            end,
            encode_json(event),
            end,
            end,
        )

    def _stream(
        self,
        events: list[dict[str, Any]],
        request_id: str,
        fault: Fault | None,
        framing: Framing = "sse",
    ) -> Response:
        pieces = [(str(e.get("type")), self._frame(e, framing)) for e in events]
        if fault is None:
            return self._sse_response(pieces, framing=framing)
        rest = pieces[min(fault.after_events, len(pieces)) :]
        pieces = pieces[: min(fault.after_events, len(pieces))]
        if fault.kind == "mid_stream_error":
            error = {"type": "overloaded_error", "message": "Overloaded"}
            event = {"type": "error", "error": error, "request_id": request_id}
            pieces.append(("error", self._frame(event, framing)))
        elif fault.kind == "malformed_sse":
            garbage = (
                bedrock_chunk(b"{not json at all")
                if framing == "eventstream"
                else b"event: content_block_delta\ndata: {not json at all\n\n"
            )
            pieces.append(("content_block_delta", garbage))
        if fault.kind == "stall":
            return self._sse_response(pieces, "stall", framing)
        if fault.kind == "reset_mid_body":
            if framing == "eventstream" and rest:
                # Cut inside a frame: the half of the next one goes out before the reset.
                kind, frame = rest[0]
                pieces.append((kind, frame[: len(frame) // 2]))
            return self._sse_response(pieces, "reset", framing)
        return self._sse_response(pieces, framing=framing)

    def _sse_response(
        self, pieces: list[tuple[str, bytes]], ending: Ending = "complete", framing: Framing = "sse"
    ) -> Response:
        headers = [
            (
                "content-type",
                EVENTSTREAM_TYPE
                if framing == "eventstream"
                else "text/event-stream; charset=utf-8",
            ),
            ("cache-control", "no-cache"),
        ]
        return Response(200, headers, self.server._latency.paced(pieces), ending)


def _json_with_fault(payload: bytes, fault: Fault | None) -> Response:
    if fault is None or fault.kind == "mid_stream_error":
        return json_response(payload)
    if fault.kind == "malformed_sse":
        return json_response(payload[: len(payload) // 2].ljust(len(payload), b"#"))
    headers = [("content-type", "application/json"), ("content-length", str(len(payload)))]
    ending: Ending = "stall" if fault.kind == "stall" else "reset"
    return Response(200, headers, payload[: len(payload) // 2], ending)


def _rate_limited(request_id: str, wait: float, what: str) -> Response:
    return error_response(
        429,
        "rate_limit_error",
        f"This request would exceed your organization's rate limit of {what} per minute",
        request_id,
        [("retry-after", str(max(1, math.ceil(wait))))],
    )


def _spend_limited(request_id: str, now: datetime) -> Response:
    regain = (now + timedelta(days=1)).strftime("%Y-%m-%d")
    return error_response(
        429,
        "rate_limit_error",
        "You have reached your specified API usage limits. "
        f"You will regain access on {regain} at 00:00 UTC.",
        request_id,
    )


def _not_found(request: ApiRequest) -> RequestError:
    return RequestError(404, "not_found_error", f"Not found: {request.method} {request.path}")


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
