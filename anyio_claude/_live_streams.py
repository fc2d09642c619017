"""Streams over a live response: raw events (`AsyncStream`) and the helper (`AsyncMessageStream`).

Reading is pull-based: each `__anext__` takes the next event from the batch decoded from
the last network chunk, and reads another chunk only when the batch is used up. Bytes go
through `sse.SSEDecoder.feed_data` (the `data:` bytes of each event, undecoded),
`streaming.decode_event` and the accumulator without copies.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar

import anyio

from ._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClaudeError,
    EventStreamProtocolError,
    IncompleteStreamError,
    ProtocolError,
    make_status_error,
    status_for_error_type,
)
from ._http import DeadlineReached, HTTPResponse
from ._response import http_response_of
from .sse import SSEDecoder
from .streaming import MessageAccumulator, MessageStreamState, TextEvent
from .types import ErrorEvent, Message, MessageStopEvent, PingEvent, TextBlock
from .types._decode import decode_events

if TYPE_CHECKING:
    from types import TracebackType

    from ._eventstream import BedrockEventDecoder
    from ._request import Call
    from ._requester import Requester
    from ._tracing import CallTrace
    from ._transport import Response
    from .streaming import StreamEvent as ParsedEvent
    from .types import MessageStreamEvent

__all__ = ("AsyncMessageStream", "AsyncMessageStreamManager", "AsyncStream", "AsyncTextStream")

_S = TypeVar("_S", bound="_StreamBase")
_E = TypeVar("_E")
_AE = TypeVar("_AE", bound=APIError)


class _StreamBase:
    """Turns a response body into events, with timeouts, error mapping and a live snapshot."""

    __slots__ = (
        "_acc",
        "_bad_event",
        "_batch",
        "_broken",
        "_closed",
        "_deadline",
        "_decoder",
        "_done",
        "_idle",
        "_last_progress",
        "_observer",
        "_on_end",
        "_pos",
        "_response",
        "http_response",
        "retries_taken",
    )

    def __init__(
        self,
        response: Response,
        *,
        deadline: float | None,
        idle_timeout: float | None,
        retries_taken: int = 0,
        accumulator: MessageAccumulator | None = None,
    ) -> None:
        self._acc = accumulator if accumulator is not None else MessageAccumulator()
        self._response = response
        self.http_response = http_response_of(response)
        self.retries_taken = retries_taken
        self._decoder: SSEDecoder | BedrockEventDecoder
        if _kind(response) == _EVENTSTREAM:
            from ._eventstream import BedrockEventDecoder  # Bedrock only: not at start-up

            self._decoder = BedrockEventDecoder()
        else:
            self._decoder = SSEDecoder()
        self._deadline = deadline
        self._idle = idle_timeout
        self._last_progress = response.clock()
        self._batch: list[MessageStreamEvent] = []
        self._pos = 0
        self._done = False
        self._closed = False
        self._bad_event: ProtocolError | None = None
        self._broken: ProtocolError | None = None  # framing broke after `_batch`
        # The call's span, when it reports to OpenTelemetry (`_tracing.CallTrace.watch`).
        self._observer: CallTrace | None = None
        # Called once when the events run out: the body ended or the stream failed (a
        # thread's turn ends then, as the official SDK's does; not on a mere `close()`).
        self._on_end: Callable[[], None] | None = None

    def _ended(self) -> None:
        on_end, self._on_end = self._on_end, None
        if on_end is not None:
            on_end()

    def _snapshot_or_none(self) -> Message | None:
        return self._acc.snapshot if self._acc.started else None

    @property
    def current_message_snapshot(self) -> Message:
        """The message accumulated so far (raises `RuntimeError` before `message_start`)."""
        if not self._acc.started:
            raise RuntimeError("no message_start event has arrived yet")
        return self._acc.snapshot

    @property
    def response(self) -> HTTPResponse:
        """The HTTP response (status and headers) this stream reads."""
        return self.http_response

    @property
    def request_id(self) -> str | None:
        """The `request-id` header of the response."""
        return self.http_response.request_id

    async def _read_batch(self) -> bool:
        """Read chunks until at least one event is decoded; False at the end of the body."""
        next_chunk = self._response.next_chunk
        decoder = self._decoder
        while True:
            try:
                # The read timeout and this stream's deadlines share one watchdog.
                deadline = self._deadline if self._idle is None else self._read_deadline()
                chunk = await next_chunk(deadline)
                if chunk is None:
                    decoder.close()
                    self._done = True
                    if not any(type(event) is MessageStopEvent for event in self._batch):
                        raise self._incomplete_error()
                    self._ended()
                    return False
                datas = decoder.feed_data(chunk)
            except DeadlineReached:
                raise self._timeout_error() from None
            except ProtocolError as exc:
                # What came before the break in the same chunk is delivered first.
                datas = exc.decoded if isinstance(exc, EventStreamProtocolError) else []
                if not datas:
                    raise self._framing_error(exc) from exc
                self._broken = exc
            except APIConnectionError as exc:
                raise self._attach(exc, None) from exc.__cause__
            if not datas:
                continue
            batch, bad_event = decode_events(datas)
            if bad_event is not None:
                # The good events before it are still delivered; the error comes when
                # iteration reaches it, with the snapshot of what came before.
                self._bad_event = bad_event
                self._done = True
            if PingEvent in map(type, batch):
                # Pings only keep the connection alive: the official SDK's streams drop
                # them, so code matching every event type ports unchanged.
                batch = [event for event in batch if type(event) is not PingEvent]
            if self._broken is not None:
                self._done = True
            if not batch:
                if self._bad_event is not None:
                    raise self._bad_event_error()
                if self._broken is not None:
                    raise self._framing_error(self._broken) from self._broken
                continue  # nothing but pings: they do not count as progress
            if self._idle is not None:
                self._last_progress = self._response.clock()
            self._batch = batch
            self._pos = 0
            if self._observer is not None:
                self._observer.events(batch)
            return True

    def _read_deadline(self) -> float | None:
        deadline = self._deadline
        if self._idle is not None:
            idle_deadline = self._last_progress + self._idle
            if deadline is None or idle_deadline < deadline:
                deadline = idle_deadline
        return deadline

    def _incomplete_error(self) -> IncompleteStreamError:
        if self._acc.started:
            seen = f"after {len(self._acc.snapshot.content)} content block(s)"
        else:
            seen = "before message_start"
        return self._attach(
            IncompleteStreamError(
                f"the event stream ended {seen} without message_stop: the message is "
                "incomplete (partial_message holds what arrived)"
            ),
            None,
        )

    def _timeout_error(self) -> APITimeoutError:
        now = self._response.clock()
        if self._idle is not None and now >= self._last_progress + self._idle:
            message = f"the stream sent no event but pings for {self._idle:g}s (stream_idle)"
        else:
            message = "the request's overall timeout expired mid-stream"
        return self._attach(APITimeoutError(message, request_id=self.request_id), None)

    def _attach(self, error: _AE, cause: BaseException | None) -> _AE:
        if error.request_id is None:
            error.request_id = self.request_id
        if error.request is None:
            error.request = self.http_response.request
        error.partial_message = self._snapshot_or_none()
        if cause is not None:
            error.__cause__ = cause
        if self._observer is not None:
            self._observer.failed(error)
        return error

    def _error_from_event(self, event: ErrorEvent) -> APIStatusError:
        status = status_for_error_type(event.error.type)
        error = make_status_error(self.http_response, event.to_dict(), status_code=status)
        # The event's own id names the failed request better than the 200 that carried it
        # (the message, as the official SDK's, names the header's first).
        error.request_id = event.request_id or error.request_id
        return self._attach(error, None)

    def _framing_error(self, exc: ProtocolError) -> APIResponseValidationError:
        return self._attach(
            APIResponseValidationError(
                f"malformed event stream: {exc}",
                status_code=self.http_response.status_code,
                request_id=self.request_id,
            ),
            exc,
        )

    def _bad_event_error(self) -> APIResponseValidationError:
        exc = self._bad_event
        assert exc is not None
        return self._attach(
            APIResponseValidationError(
                f"malformed stream event: {exc}",
                status_code=self.http_response.status_code,
                request_id=self.request_id,
            ),
            exc,
        )

    async def _more(self) -> bool:
        """Once the batch is used up: read the next one; False at the end of the stream."""
        if self._bad_event is not None:
            raise self._bad_event_error()
        if self._broken is not None:
            raise self._framing_error(self._broken) from self._broken
        return not (self._done or self._closed) and await self._read_batch()

    async def _read_on(self) -> MessageStreamEvent:
        """The next event once the batch is used up; a failure closes the stream."""
        try:
            # _more, inlined: this runs once per network read.
            if self._bad_event is not None:
                raise self._bad_event_error()
            if self._broken is not None:
                raise self._framing_error(self._broken) from self._broken
            if self._done or self._closed or not await self._read_batch():
                raise StopAsyncIteration
            event = self._batch[self._pos]
            self._pos += 1
            return event
        except BaseException:
            await self._close_failed()
            raise

    async def _fail(self, error: BaseException) -> NoReturn:
        # A failed stream yields nothing more: the events that came after the failing one
        # in the same read are dropped, as the official SDK's iterator ends at an error.
        self._pos = len(self._batch)
        await self._close_failed()
        raise error

    def _order_error(self, exc: ProtocolError) -> APIResponseValidationError:
        return self._attach(
            APIResponseValidationError(
                f"stream events out of order: {exc}",
                status_code=self.http_response.status_code,
            ),
            exc,
        )

    async def _prime(self) -> None:
        """Read until the first event is in, so that a failure before it can be retried."""
        if self._pos >= len(self._batch) and not self._done:
            await self._read_batch()

    async def close(self) -> None:
        """Close the response. A connection whose body was not read to the end is closed,
        not reused. Shielded from cancellation, so it completes even in a cancelled scope.
        """
        if not self._closed:
            self._closed = True
            with anyio.CancelScope(shield=True):
                await self._response.aclose()
            if self._observer is not None:
                self._observer.closed(self)

    async def _close_failed(self) -> None:
        """Close a stream whose events ran out on an error or a cancellation."""
        await self.close()
        self._ended()

    async def __aenter__(self: _S) -> _S:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class AsyncStream(_StreamBase):
    """The raw event stream of `messages.create(..., stream=True)`.

    `async for event in stream` yields every event as sent, unknown event types included,
    but pings (dropped, as the official SDK does). An `error` event raises the
    `APIStatusError` subclass its type maps to; transport failures raise
    `APIConnectionError`/`APITimeoutError`; either way the exception's `partial_message`
    (and `current_message_snapshot`) hold what arrived. Use it in `async with`, or call
    `close()`: the connection is released either way. Cancelling the iterating task
    closes the connection.
    """

    __slots__ = ()

    def __aiter__(self) -> AsyncStream:
        return self

    async def __anext__(self) -> MessageStreamEvent:
        # Events already read are taken without a further await.
        batch = self._batch
        if self._pos < len(batch):
            event = batch[self._pos]
            self._pos += 1
        else:
            event = await self._read_on()
        if type(event) is ErrorEvent:
            await self._fail(self._error_from_event(event))
        try:
            self._acc.update(event)
        except ProtocolError as exc:
            await self._fail(self._order_error(exc))
        return event


class AsyncMessageStream(_StreamBase):
    """The stream of `messages.stream(...)`: raw events plus derived ones, and the snapshot.

    `async for event in stream` yields the raw events and, after each delta, a derived
    `text` / `thinking` / `signature` / `input_json` / `citation` event; the final
    `content_block_stop` and `message_stop` events carry the finished block and message.
    `text_stream` yields only the text. Errors behave as for `AsyncStream`.
    """

    __slots__ = ("_derived", "_dpos", "_state")

    def __init__(
        self,
        response: Response,
        *,
        deadline: float | None,
        idle_timeout: float | None,
        retries_taken: int = 0,
        trailing_strings: bool = False,
    ) -> None:
        state = MessageStreamState(trailing_strings=trailing_strings)
        super().__init__(
            response,
            deadline=deadline,
            idle_timeout=idle_timeout,
            retries_taken=retries_taken,
            accumulator=state.accumulator,
        )
        self._state = state
        self._derived: list[ParsedEvent] = []
        self._dpos = 0

    def __aiter__(self) -> AsyncMessageStream:
        return self

    async def __anext__(self) -> ParsedEvent:
        derived = self._derived
        if self._dpos < len(derived):
            event = derived[self._dpos]
            self._dpos += 1
            return event
        feed = self._state.feed
        while True:
            # Events already read are taken without a further await: this is the path
            # nearly every event takes.
            batch = self._batch
            if self._pos < len(batch):
                raw = batch[self._pos]
                self._pos += 1
            else:
                raw = await self._read_on()
            if type(raw) is ErrorEvent:
                await self._fail(self._error_from_event(raw))
            try:
                derived = feed(raw)
            except ProtocolError as exc:
                await self._fail(self._order_error(exc))
            if derived:
                self._derived = derived
                self._dpos = 1
                return derived[0]

    @property
    def text_stream(self) -> AsyncTextStream:
        """An async iterator over just the text of the text deltas (it drives this stream)."""
        return AsyncTextStream(self)

    async def until_done(self) -> None:
        """Read the stream to its end (derived events not yet iterated are dropped).

        Raises what iteration raises; cancellation closes the stream.
        """
        self._derived, self._dpos = [], 0
        update_many = self._acc.update_many
        while True:
            batch = self._batch
            try:
                # The accumulator alone, with no derived events: the cheapest way to the end.
                pos = update_many(batch, self._pos)
                self._pos = pos
                if pos < len(batch):
                    error_event = batch[pos]
                    assert type(error_event) is ErrorEvent  # where update_many stops
                    await self._fail(self._error_from_event(error_event))
                if not await self._more():
                    return
            except ProtocolError as exc:
                await self._fail(self._order_error(exc))
            except BaseException:
                await self._close_failed()
                raise

    async def get_final_message(self) -> Message:
        """Read to the end and return the complete message.

        Raises what iteration raises (`APIStatusError` for an `error` event,
        `APIConnectionError`/`APITimeoutError` for transport failures).
        """
        await self.until_done()
        return self.current_message_snapshot

    async def get_final_text(self) -> str:
        """Read to the end and return the text of all text blocks, joined.

        Raises `RuntimeError` if the message has no text block.
        """
        message = await self.get_final_message()
        # isinstance: a structured-output stream's blocks are `ParsedTextBlock`s.
        texts = [block.text for block in message.content if isinstance(block, TextBlock)]
        if not texts:
            raise RuntimeError("the message has no text content block")
        return "".join(texts)


class AsyncTextStream:
    """`stream.text_stream`: the text of each text delta, in order."""

    __slots__ = ("_stream",)

    def __init__(self, stream: AsyncMessageStream) -> None:
        self._stream = stream

    def __aiter__(self) -> AsyncTextStream:
        return self

    async def __anext__(self) -> str:
        # The stream's own loop (AsyncMessageStream.__anext__), driven here: one call per
        # text delta, not one per raw and one per derived event.
        stream = self._stream
        derived, dpos = stream._derived, stream._dpos
        while True:
            while dpos < len(derived):
                event = derived[dpos]
                dpos += 1
                if type(event) is TextEvent:
                    stream._dpos = dpos
                    return event.text
            stream._dpos = dpos
            batch = stream._batch
            if stream._pos < len(batch):
                raw = batch[stream._pos]
                stream._pos += 1
            else:
                raw = await stream._read_on()
            if type(raw) is ErrorEvent:
                await stream._fail(stream._error_from_event(raw))
            try:
                derived = stream._state.feed(raw)
            except ProtocolError as exc:
                await stream._fail(stream._order_error(exc))
            dpos = 0
            stream._derived, stream._dpos = derived, 0


class AsyncMessageStreamManager(Generic[_E]):
    """What `messages.stream(...)` returns: use `async with ... as stream`.

    Entering sends the request (with retries, until the first event has arrived) and
    returns the stream; leaving closes it even if it was not read to the end.
    """

    __slots__ = ("_open", "_stream")

    def __init__(self, open_stream: Callable[[], Awaitable[_E]]) -> None:
        self._open = open_stream
        self._stream: _E | None = None

    async def __aenter__(self) -> _E:
        self._stream = await self._open()
        return self._stream

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        stream: Any = self._stream
        if stream is not None:
            await stream.close()


async def open_stream(
    requester: Requester,
    call: Call,
    factory: Callable[[Response, int], _S],
    *,
    deadline: float | None,
) -> _S:
    """Send `call` and return its stream once the first event is in.

    Transport failures before the first event are retried like any other request
    (within the same `max_retries` budget, never waiting past `deadline`, not after a
    head saying `x-should-retry: false`); after it, nothing is retried. A reply that is
    not an event stream raises `APIResponseValidationError` naming its status, content
    type and request id. What a middleware returned in place of a response is returned.
    """

    async def first_event(response: Response, retries_taken: int) -> _S:
        await _expect_event_stream(response)
        stream = factory(response, retries_taken)
        try:
            await stream._prime()
        except BaseException:
            await stream.close()
            raise
        return stream

    try:
        return await requester._send(
            call, first_event, deadline=deadline, head_timeout=call.timeout.stream_idle
        )
    except ClaudeError as exc:
        if type(exc).__name__ == "ShortCircuit":
            return exc.value  # type: ignore[attr-defined,no-any-return] # a middleware's own
        raise


# Bedrock's binary framing: the streams read it when the response says so.
_EVENTSTREAM = "application/vnd.amazon.eventstream"


def _kind(response: Response) -> str:
    """The media type of `response`, lower-case, without parameters."""
    return (response.headers.get("content-type") or "").partition(";")[0].strip().lower()


async def _expect_event_stream(response: Response) -> None:
    """Raise `APIResponseValidationError` (after closing `response`) unless it is a
    non-empty `text/event-stream` (or Bedrock's `application/vnd.amazon.eventstream`)."""
    content_type = response.headers.get("content-type")
    kind = _kind(response)
    if (
        kind in ("text/event-stream", _EVENTSTREAM)
        and response.headers.get("content-length") != "0"
    ):
        return
    head = b""
    try:
        with anyio.move_on_after(1.0):
            async for chunk in response.aiter_bytes():
                head += chunk
                if len(head) >= 4096:
                    break
    except APIConnectionError:
        pass
    finally:
        await response.aclose()
    request_id = response.headers.get("request-id")
    body = f"{len(head)}+ bytes" if len(head) >= 4096 else f"{len(head)} bytes"
    raise APIResponseValidationError(
        f"expected an event stream, got HTTP {response.status} with content-type "
        f"{content_type or '(none)'} and {body if head else 'an empty body'}",
        status_code=response.status,
        request_id=request_id,
        body=head[:500].decode("utf-8", "replace"),
    )
