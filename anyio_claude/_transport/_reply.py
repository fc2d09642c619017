"""`Response`: a reply's head, and its body read straight from our network stream: a
chunked body decoded by `_chunked.ChunkedDecoder`, any other (and a chunked body's end)
by h11."""

from __future__ import annotations

import asyncio
import math
import warnings
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Protocol

import anyio

from .._errors import APIConnectionError
from .._http import DeadlineReached, Headers, Request
from . import _mapping
from ._chunked import ChunkedDecoder, ChunkedError
from ._mapping import _map, load_httpcore
from ._network import _http11, _trio

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpcore

    from ._pool import AsyncTransport


class Response:
    """A response whose head has arrived; read the body with `next_chunk`, `aread` or
    `aiter_bytes`.

    Close it (`async with`, or `aclose()`) to release the connection: back to the pool
    if the body was read to the end, closed otherwise. Reading raises
    `APIConnectionError`/`APITimeoutError` on failures; cancelling a read leaves the
    response to be closed, which then closes the connection.
    """

    __slots__ = (
        "_chunked",
        "_complete",
        "_connection",
        "_core",
        "_early",
        "_h11",
        "_read_timeout",
        "_recv",
        "_transport",
        "_watchdog",
        "clock",
        "headers",
        "http_version",
        "is_closed",
        "on_close",
        "request",
        "started",
        "status",
    )

    def __init__(
        self,
        transport: AsyncTransport,
        connection: httpcore.AsyncHTTPConnection,
        core_response: httpcore.Response,
        request: Request,
        started: float,
        read_timeout: float | None,
    ) -> None:
        self._transport = transport
        self.request = request
        self.started = started
        self._connection = connection
        self._core = core_response
        # The body is read from the connection's socket directly: httpcore's body
        # iterator stacks two async generators, a context manager and a new cancel scope
        # on every read. A chunked body's framing is decoded here (h11 takes ~30 calls a
        # read), h11 keeping the head and the terminal chunk (so the connection's reuse
        # stays its decision); any other body goes through h11.
        http11 = _http11(connection)
        state = self._h11 = http11._h11_state
        stream = http11._network_stream
        self._recv = stream.receive
        self._watchdog = stream.watchdog()
        loop = asyncio._get_running_loop()
        self.clock: Callable[[], float] = _trio().current_time if loop is None else loop.time
        """The event loop's clock (`anyio.current_time()`, without looking the loop up)."""
        self._chunked: ChunkedDecoder | None = None
        self._early = b""
        reader = state._reader
        if (
            type(reader) is _mapping._h11._readers.ChunkedReader
            and not (reader._bytes_in_chunk or reader._bytes_to_discard or reader._reading_trailer)
            and not state._receive_buffer_closed
        ):
            self._chunked = ChunkedDecoder(http11.MAX_INCOMPLETE_EVENT_SIZE)
            buffer = state._receive_buffer
            self._early = bytes(buffer.maybe_extract_at_most(len(buffer)) or b"")
        self._read_timeout = read_timeout
        self._complete = False
        self.is_closed = False
        # Called once, when closing starts (a call's span ends with its body).
        self.on_close: Callable[[], None] | None = None
        self.status: int = core_response.status
        self.headers = Headers(core_response.headers)
        version: Any = core_response.extensions.get("http_version", b"HTTP/1.1")
        self.http_version = version.decode() if isinstance(version, bytes) else str(version)

    async def next_chunk(self, deadline: float | None = None) -> bytes | None:
        """The next piece of the body as it arrives, or None at its end.

        Each read is bounded by the read timeout (`APITimeoutError`) and by `deadline`
        (a `clock()` value, as `anyio.current_time()`) if given, which raises
        `DeadlineReached`. Failures raise `APIConnectionError`.
        """
        try:
            decoder = self._chunked
            if decoder is not None:
                # The read loop of a live stream: one read, one chunk, no further call.
                while True:
                    if decoder.error is not None:
                        raise decoder.error
                    if self._early:
                        data, self._early = self._early, b""
                    else:
                        # _bounded, inlined: this is the path of nearly every read.
                        timeout = self._read_timeout
                        limit = math.inf if timeout is None else self.clock() + timeout
                        ours = deadline is None or limit < deadline
                        watchdog = self._watchdog
                        watchdog.watch(limit if ours else deadline)
                        try:
                            data = await self._recv()
                        except Exception:
                            if not watchdog.fired:
                                raise
                        finally:
                            watchdog.until = math.inf
                        if watchdog.fired:
                            if ours:
                                raise load_httpcore().ReadTimeout()
                            raise DeadlineReached
                        if not data:
                            raise load_httpcore().RemoteProtocolError(
                                "peer closed connection without sending complete message "
                                "body (incomplete chunked read)"
                            )
                    body = decoder.feed(data)
                    if decoder.done:
                        self._chunked = None
                        self._h11.receive_data(decoder.rest)
                        if body:
                            return body
                        break
                    if body:
                        return body
            return await self._next_by_h11(deadline)
        except DeadlineReached:
            raise
        except Exception as exc:
            failure = self._failure(self._foreign(exc))
            if failure is None:
                raise
            raise failure from exc

    async def _next_by_h11(self, deadline: float | None) -> bytes | None:
        if self._complete:
            # Past the end: h11 would wait for the next response's bytes.
            return None
        h11 = _mapping._h11  # loaded with httpcore, before any response exists
        state = self._h11
        while True:
            event = state.next_event()
            if event is h11.NEED_DATA:
                timeout = self._read_timeout
                if timeout is None and deadline is None:
                    state.receive_data(await self._recv())
                else:
                    state.receive_data(await self._bounded(timeout, deadline))
            elif type(event) is h11.Data:
                if event.data:
                    return bytes(event.data)
            elif type(event) is h11.EndOfMessage or event is h11.PAUSED:
                self._complete = True
                return None

    def _foreign(self, exc: Exception) -> Exception:
        """A framing error as httpcore's, which `_map` knows."""
        if isinstance(exc, (_mapping._h11.ProtocolError, ChunkedError)):
            error: Exception = load_httpcore().RemoteProtocolError(str(exc))
            return error
        return exc

    async def _bounded(self, timeout: float | None, deadline: float | None) -> bytes:
        """One read, ended by the watchdog at the read timeout or at `deadline`."""
        limit = math.inf if timeout is None else self.clock() + timeout
        ours = deadline is None or limit < deadline
        until = limit if ours else deadline
        watchdog = self._watchdog
        watchdog.watch(until)
        try:
            data: bytes = await self._recv()
        except Exception:
            if not watchdog.fired:
                raise
        else:
            if not watchdog.fired:
                return data
        finally:
            watchdog.until = math.inf
        if ours:
            raise load_httpcore().ReadTimeout()
        raise DeadlineReached

    def _failure(self, exc: Exception) -> APIConnectionError | None:
        transport = self._transport
        return _map(exc, "reading the response", transport._where, self.request, transport.origin)

    def aiter_bytes(self) -> ChunkIterator:
        """The body, chunk by chunk as it arrives (each read bounded by the read timeout)."""
        return ChunkIterator(self)

    @property
    def origin(self) -> str:
        """The scheme, host and port requested, as `https://host[:port]`."""
        return self._transport.origin

    async def aread(self) -> bytes:
        """The rest of the body."""
        chunks = []
        while (chunk := await self.next_chunk()) is not None:
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        """Release the connection. Idempotent; shielded from cancellation."""
        if self.is_closed:
            return
        self.is_closed = True
        if self.on_close is not None:
            self.on_close()
        if self._complete:
            # The exchange is over: closing only updates httpcore's state, with no I/O
            # to shield. If it is interrupted the connection is discarded, not reused.
            reusable = False
            try:
                await self._core.aclose()
                reusable = True
            except Exception:
                pass
            finally:
                await self._transport._release(self._connection, reusable)
            return
        await self._close_connection(slot=True)

    async def _close_connection(self, *, slot: bool) -> None:
        with anyio.CancelScope(shield=True):
            try:
                with anyio.move_on_after(1.0):
                    await self._connection.aclose()
                    await self._core.aclose()
            except Exception:
                pass
            await self._transport._release(self._connection, reusable=False, slot=slot)

    def __del__(self) -> None:
        if self.is_closed:
            return
        self.is_closed = True
        self._transport._abandoned(self)
        warnings.warn(
            "an anyio-claude response (a stream, or batch results) was garbage collected "
            "unclosed; its connection is discarded. Use `async with`, or call close().",
            ResourceWarning,
            source=self,
            stacklevel=1,
        )

    async def __aenter__(self) -> Response:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class StandIn(ABC):
    """A transport response's stand-in (what middleware hands back in its place): the
    source's head, `is_closed` and `on_close`, and `aiter_bytes` over `next_chunk`."""

    __slots__ = (
        "clock",
        "headers",
        "http_version",
        "is_closed",
        "on_close",
        "origin",
        "request",
        "started",
        "status",
    )

    def __init__(self, source: Response) -> None:
        self.status = source.status
        self.headers = source.headers
        self.http_version = source.http_version
        self.request = source.request
        self.started = source.started
        self.clock = source.clock
        self.origin = source.origin
        self.is_closed = False
        self.on_close: Callable[[], None] | None = None

    @abstractmethod
    async def next_chunk(self, deadline: float | None = None) -> bytes | None:
        """The next piece of the body, or None at its end."""

    def aiter_bytes(self) -> ChunkIterator:
        """The body, chunk by chunk."""
        return ChunkIterator(self)


class ReadResponse(StandIn):
    """A response whose body has been read already (by a middleware), served from memory
    to a caller that reads a body itself (a stream, a download, a streaming view): the
    same head, the whole body as one chunk. Nothing to release; `aclose` only marks it
    closed and calls `on_close`."""

    __slots__ = ("_rest",)

    def __init__(self, response: Response, content: bytes) -> None:
        super().__init__(response)
        self._rest: bytes | None = content

    async def next_chunk(self, deadline: float | None = None) -> bytes | None:
        """The body the first time (unless empty), then None."""
        chunk, self._rest = self._rest, None
        return chunk or None

    async def aread(self) -> bytes:
        """The rest of the body."""
        chunk, self._rest = self._rest, None
        return chunk or b""

    async def aclose(self) -> None:
        """Mark it closed (calling `on_close` once). Idempotent."""
        if self.is_closed:
            return
        self.is_closed = True
        self._rest = None
        if self.on_close is not None:
            self.on_close()


class ChunkSource(Protocol):
    """What `ChunkIterator` reads: a body's next chunk, `None` at its end."""

    async def next_chunk(self) -> bytes | None: ...


class ChunkIterator:
    """An async iterator over a response body (a class, not an async generator, so that
    abandoning it half-read leaves nothing for the event loop to finalise later).
    """

    __slots__ = ("_response",)

    def __init__(self, response: ChunkSource) -> None:
        self._response = response

    def __aiter__(self) -> ChunkIterator:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self._response.next_chunk()
        if chunk is None:
            raise StopAsyncIteration
        return chunk
