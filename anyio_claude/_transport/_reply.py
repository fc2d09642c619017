"""`Response`: a reply's head, and its body read straight from our network stream with h11
as the parser."""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import anyio

from .._errors import APIConnectionError
from .._http import DeadlineReached, Headers, Request
from . import _mapping
from ._mapping import _map, load_httpcore
from ._network import _http11, _Stream, _trio

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
        "_complete",
        "_connection",
        "_core",
        "_h11",
        "_read_timeout",
        "_stream",
        "_transport",
        "_watchdog",
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
        # The body is read through the connection's h11 state machine and socket
        # directly: httpcore's body iterator stacks two async generators, a context
        # manager and a new cancel scope on every read.
        http11 = _http11(connection)
        self._h11 = http11._h11_state
        self._stream: _Stream = http11._network_stream
        self._watchdog = self._stream.watchdog()
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
        (an `anyio.current_time()` value) if given, which raises `DeadlineReached`.
        Failures raise `APIConnectionError`.
        """
        h11 = _mapping._h11  # loaded with httpcore, before any response exists
        state = self._h11
        try:
            while True:
                event = state.next_event()
                if event is h11.NEED_DATA:
                    state.receive_data(await self._read(deadline))
                elif type(event) is h11.Data:
                    if event.data:
                        return bytes(event.data)
                elif type(event) is h11.EndOfMessage or event is h11.PAUSED:
                    self._complete = True
                    return None
        except DeadlineReached:
            raise
        except Exception as exc:
            error = (
                load_httpcore().RemoteProtocolError(str(exc))
                if isinstance(exc, h11.ProtocolError)
                else exc
            )
            failure = self._failure(error)
            if failure is None:
                raise
            raise failure from exc

    async def _read(self, deadline: float | None) -> bytes:
        timeout = self._read_timeout
        if timeout is None and deadline is None:
            return await self._stream.receive()
        limit = math.inf if timeout is None else anyio.current_time() + timeout
        ours = deadline is None or limit < deadline
        until = limit if deadline is None or ours else deadline
        watchdog = self._watchdog
        if watchdog is None:
            with _trio().CancelScope(deadline=until):
                return await self._stream.receive()
            # Only reached when the scope's deadline interrupted the read.
        else:
            watchdog.watch(until)
            try:
                data = await self._stream.receive()
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

    def aiter_bytes(self) -> _Body:
        """The body, chunk by chunk as it arrives (each read bounded by the read timeout)."""
        return _Body(self)

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


class _Body:
    """An async iterator over a response body (a class, not an async generator, so that
    abandoning it half-read leaves nothing for the event loop to finalise later).
    """

    __slots__ = ("_response",)

    def __init__(self, response: Response) -> None:
        self._response = response

    def __aiter__(self) -> _Body:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self._response.next_chunk()
        if chunk is None:
            raise StopAsyncIteration
        return chunk
