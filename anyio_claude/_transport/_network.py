"""The network streams httpcore reads and writes through: one `_Exchange` per connection
bounding each operation with one cancel scope, the asyncio read `_Watchdog` (trio's is in
`_readers`), and the `_Backend` that hands httpcore our `_Stream`s."""

from __future__ import annotations

import asyncio
import math
import socket
import ssl
import sys
from contextlib import suppress
from typing import Any

import anyio

from ._mapping import load_httpcore
from ._readers import _QueueReader, _SocketReader, _TLSReader, _TrioWatchdog, trio_sweeper


class _Exchange:
    """What one connection's network streams need to know about the request in flight.

    httpcore bounds each read and write with a fresh `fail_after` scope; here the
    exchange has one cancel scope (`scope`, entered by `AsyncTransport.send`) whose
    deadline each operation re-arms, which costs a fraction of a new scope. `op` names
    the operation in progress, for the timeout error. The response head as a whole must
    also arrive within `limit` of the first read (a server can trickle it in byte by
    byte, and the per-read timeout would never fire). `held` keeps the request head
    until its body is written, so both leave in one write.
    """

    __slots__ = ("head_deadline", "held", "hold", "limit", "op", "scope", "watchdog")

    def __init__(self) -> None:
        self.watchdog: _Watchdog | _TrioWatchdog | None = None
        self.scope: anyio.CancelScope | None = None
        self.op = "read"
        self.limit: float | None = None
        self.head_deadline: float | None = None
        self.hold = False
        self.held = b""

    def arm(self, op: str, timeout: float | None) -> None:
        scope = self.scope
        assert scope is not None, "network I/O outside AsyncTransport.send"
        now = anyio.current_time()
        deadline = math.inf if timeout is None else now + timeout
        if op == "read" and self.limit is not None:
            if self.head_deadline is None:
                self.head_deadline = now + self.limit
            if self.head_deadline <= deadline:
                deadline = self.head_deadline
                op = "head"
        self.op = op
        scope.deadline = deadline

    def timeout_error(self) -> Exception:
        core = load_httpcore()
        error: Exception
        if self.op == "head":
            error = core.ReadTimeout(f"the response head took longer than {self.limit:g}s")
        else:
            error = core.WriteTimeout() if self.op == "write" else core.ReadTimeout()
        return error


class _Watchdog:
    """Bounds the body reads of one connection under asyncio, without a cancel scope.

    A scope per read costs ~6 us (its timer is created and cancelled each time;
    `benchmarks/live_streams.py` measures the read path); here a
    read only records the time it must end by (`until`), and one timer per connection
    checks it, re-arming itself for the latest `until` when it fires early. So the timer
    moves only when a deadline comes closer (a short `stream_idle`), or once per read
    timeout. An overdue read is ended by shutting the socket down, which wakes it with
    end-of-file; `fired` tells the reader that this was a timeout. The connection is
    discarded afterwards, as after any timeout.
    """

    __slots__ = ("_at", "_handle", "_loop", "_socket", "fired", "until")

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
        self._loop = loop
        self._socket = sock
        self._handle: asyncio.TimerHandle | None = None
        self._at = math.inf
        self.until = math.inf
        self.fired = False

    def watch(self, until: float) -> None:
        """Bound the read about to start by `until` (a loop time)."""
        self.until = until
        if until < self._at:
            self._arm(until)

    def _arm(self, when: float) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._at = when
        self._handle = self._loop.call_at(when, self._check)

    def _check(self) -> None:
        self._handle, self._at = None, math.inf
        until = self.until
        if until == math.inf:
            return  # no read in progress; the next one arms the timer again
        if self._loop.time() < until:
            self._arm(until)
            return
        self.fired = True
        with suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class _Stream:
    """A connection's socket (or TLS stream), given to httpcore as its network stream.

    Reads and writes go straight to the anyio or trio stream under the exchange's
    re-armed cancel scope, skipping httpcore's per-operation scope and exception
    mapping (its errors are raised here instead). A plain TCP connection is read by
    `_readers`' fast reader for its backend, head and body alike; a TLS connection, once
    its handshake is done, through its `SSLObject` over that reader (`_TLSReader`). A
    TLS handshake that is cancelled closes the socket (httpcore closes it when the
    handshake fails with an `Exception` only).
    """

    __slots__ = ("_errors", "_exchange", "_reader", "_recv", "_send", "_stream", "receive")

    def __init__(self, stream: Any, exchange: _Exchange) -> None:
        from httpcore._backends.anyio import AnyIOStream

        self._stream = stream
        self._exchange = exchange
        raw = stream._stream
        reader: _QueueReader | _SocketReader | _TLSReader | None = None
        if isinstance(stream, AnyIOStream):
            self._recv = raw.receive
            self._send = raw.send
            errors: tuple[type[Exception], ...] = (
                anyio.BrokenResourceError,
                anyio.ClosedResourceError,
            )
            from anyio._backends._asyncio import SocketStream
            from anyio.streams.tls import TLSStream

            if type(raw) is SocketStream:
                reader = _QueueReader(raw)
            elif type(raw) is TLSStream and type(raw.transport_stream) is SocketStream:
                reader = _TLSReader(
                    _QueueReader(raw.transport_stream),
                    raw.transport_stream.send,
                    raw._ssl_object,
                    raw._read_bio,
                    raw._write_bio,
                )
        else:
            import trio

            self._recv = raw.receive_some
            self._send = raw.send_all
            errors = (trio.BrokenResourceError, trio.ClosedResourceError)
            if type(raw) is trio.SocketStream:
                reader = _SocketReader(raw)
            elif type(raw) is trio.SSLStream and type(raw.transport_stream) is trio.SocketStream:
                reader = _TLSReader(
                    _SocketReader(raw.transport_stream),
                    raw.transport_stream.send_all,
                    raw._ssl_object,
                    raw._incoming,
                    raw._outgoing,
                )
        if type(reader) is _TLSReader:
            self._send = reader.send
            errors = (*errors, ssl.SSLError)
        self._errors = errors
        self._reader = reader
        # One read, unbounded in time (b"" once the peer closed): the caller bounds it.
        # Raises httpcore's ReadError on failure.
        self.receive = self._receive if reader is None else reader.receive

    async def _receive(self, max_bytes: int = 65536) -> bytes:
        try:
            data: bytes = await self._recv(max_bytes)
        except anyio.EndOfStream:
            return b""
        except self._errors as exc:
            raise load_httpcore().ReadError(exc) from exc
        return data

    def watchdog(self) -> _Watchdog | _TrioWatchdog:
        """The connection's read watchdog."""
        exchange = self._exchange
        watchdog = exchange.watchdog
        if watchdog is None:
            loop = asyncio._get_running_loop()
            if loop is None:
                sock = self._stream.get_extra_info("socket")
                watchdog = _TrioWatchdog(trio_sweeper(), sock)
            else:
                raw = self._stream._stream
                watchdog = _Watchdog(loop, raw.extra(anyio.abc.SocketAttribute.raw_socket))
            exchange.watchdog = watchdog
        return watchdog

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        exchange = self._exchange
        if exchange.held:
            # What was held for a body that did not follow (a proxy's CONNECT) goes now.
            await self._write(b"", timeout)
        exchange.arm("read", timeout)
        if type(self._reader) is _SocketReader:
            # A response head is often in already (a busy client, a quick server).
            return await self._reader.receive_ready(max_bytes)
        return await self.receive(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        exchange = self._exchange
        if exchange.hold:
            exchange.hold, exchange.held = False, buffer
            return
        await self._write(buffer, timeout)

    async def _write(self, buffer: bytes, timeout: float | None) -> None:
        exchange = self._exchange
        if exchange.held:
            buffer, exchange.held = exchange.held + buffer, b""
        exchange.arm("write", timeout)
        try:
            await self._send(buffer)
        except self._errors as exc:
            raise load_httpcore().WriteError(exc) from exc

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> _Stream:
        if isinstance(self._reader, (_QueueReader, _TLSReader)):
            # The TLS layer about to be started reads through this stream's own receive.
            self._reader.detach()
            self._reader = None
            self.receive = self._receive
        try:
            tls = await self._stream.start_tls(ssl_context, server_hostname, timeout)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self._stream.aclose()
            raise
        return _Stream(tls, self._exchange)

    def get_extra_info(self, info: str) -> Any:
        # Data or an end-of-file already taken in by the reader is not in the socket.
        if info == "is_readable" and self._reader is not None and self._reader.readable():
            return True
        return self._stream.get_extra_info(info)


class _Backend:
    """httpcore's automatic network backend, giving each connection's streams one `_Exchange`."""

    __slots__ = ("_backend", "_exchange")

    def __init__(self, exchange: _Exchange) -> None:
        from httpcore._backends.auto import AutoBackend

        self._backend = AutoBackend()
        self._exchange = exchange

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> _Stream:
        return _Stream(await self._backend.connect_tcp(*args, **kwargs), self._exchange)

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> _Stream:
        return _Stream(await self._backend.connect_unix_socket(*args, **kwargs), self._exchange)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def _trio() -> Any:
    return sys.modules["trio"]


def _http11(connection: Any) -> Any:
    """The HTTP/1.1 connection inside an httpcore connection (or proxy connection)."""
    from httpcore._async.http11 import AsyncHTTP11Connection

    while not isinstance(connection, AsyncHTTP11Connection):
        connection = connection._connection
    return connection
