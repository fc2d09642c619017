"""The fast ways a plain TCP connection is read, one per backend, and trio's read watchdog.

A live stream makes one read per event, so a read's own cost is most of an event's:
`benchmarks/live_streams.py` measures it. anyio's `receive()` on asyncio resumes and
pauses the transport around every read (two `epoll_ctl` calls and the selector's
bookkeeping), and asyncio's selector transport reads 256 KiB per `recv` (an mmap, mremap
and munmap, and page faults, per read). trio's `receive_some` first tries a `recv` that
fails with EAGAIN (an exception) on every read of a slow stream. Here:

- `_QueueReader` (asyncio, uvloop) keeps the transport reading and takes what anyio's
  protocol queued, 64 KiB per `recv`; flow control only above `HIGH_WATER` queued bytes.
- `_SocketReader` (trio) waits for the socket to be readable, then `recv`s once; it tries
  the `recv` first only for a response head and after a read that filled its buffer (a
  bulk body), where data is likely in already.
- `_TrioWatchdog` bounds reads under trio as `_network._Watchdog` does under asyncio: a
  read records when it must end, one sweeper task per trio run checks, and an overdue read
  is ended by shutting the socket down.

- `_TLSReader` (both) reads and writes a TLS connection through its `SSLObject` once
  anyio or trio has done the handshake, fed by one of the readers above.

All return b"" at end-of-file and raise httpcore's `ReadError` on failure.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import socket
import ssl
import sys
from collections import deque
from contextlib import suppress
from typing import Any

import anyio

from ._mapping import load_httpcore

HIGH_WATER = 1 << 20
"""Bytes queued unread past which the asyncio transport stops reading until they are."""

RECV_SIZE = 65536
"""Bytes per `recv` on asyncio's selector transports (their default, 256 KiB, is an mmap
per read)."""


class _QueueReader:
    """Reads an anyio asyncio socket stream from its protocol's queue.

    Relies on anyio's `SocketStream._transport`/`_protocol`/`_closed` and the protocol's
    `read_queue`, `read_event`, `is_at_eof` and `exception` (pinned by
    `tests/test_read_path.py`). The protocol's `data_received` is replaced by ours, which
    counts queued bytes for flow control and wakes the reader through a future of its
    own (an `asyncio.Event` costs more per read); its `eof_received` and
    `connection_lost` wake the reader too. `set_protocol` makes uvloop, which caches
    the protocol's methods, call them.
    """

    __slots__ = (
        "_eof_received",
        "_loop",
        "_lost",
        "_protocol",
        "_queue",
        "_queued",
        "_reading",
        "_stream",
        "_transport",
        "_waiter",
    )

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        transport = self._transport = stream._transport
        protocol = self._protocol = stream._protocol
        self._queue: deque[bytes] = protocol.read_queue
        self._queued = 0
        self._reading = transport.is_reading()
        self._loop = asyncio.get_running_loop()
        self._waiter: asyncio.Future[None] | None = None
        self._eof_received = protocol.eof_received
        self._lost = protocol.connection_lost
        if hasattr(transport, "max_size"):
            transport.max_size = RECV_SIZE
        protocol.data_received = self._data_received
        protocol.eof_received = self._on_eof
        protocol.connection_lost = self._on_lost
        transport.set_protocol(protocol)

    def _data_received(self, data: bytes) -> None:
        self._queue.append(data if type(data) is bytes else bytes(data))
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)
        self._queued += len(data)
        if self._queued > HIGH_WATER and self._reading:
            self._reading = False
            self._transport.pause_reading()

    def _on_eof(self) -> bool | None:
        keep_open: bool | None = self._eof_received()
        self._wake()
        return keep_open

    def _on_lost(self, exc: Exception | None) -> None:
        self._lost(exc)
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def readable(self) -> bool:
        """Whether a read would return at once (data, end-of-file or an error is in)."""
        protocol = self._protocol
        return bool(self._queue) or protocol.is_at_eof or self._transport.is_closing()

    async def receive(self, max_bytes: int = RECV_SIZE) -> bytes:
        """What arrived since the last read (waiting for it if nothing did), b"" at EOF.

        Not a checkpoint when data is already queued: the queue fills only while the
        event loop runs, so a reader that finds it full has just yielded.
        """
        queue = self._queue
        if not queue:
            if not (self._protocol.is_at_eof or self._transport.is_closing()):
                if not self._reading:
                    self._reading = True
                    self._transport.resume_reading()
                waiter = self._waiter = self._loop.create_future()
                await waiter
            if not queue:
                return self._ended()
        if len(queue) == 1:
            data = queue.popleft()
        else:
            data = b"".join(queue)
            queue.clear()
        self._queued = 0
        return data

    def detach(self) -> None:
        """Hand the stream back to anyio as it expects it (before a TLS layer reads
        through it): its own `data_received`, reading paused between its reads."""
        protocol = self._protocol
        del protocol.data_received, protocol.eof_received, protocol.connection_lost
        self._transport.set_protocol(protocol)
        if self._reading:
            self._reading = False
            self._transport.pause_reading()
        # anyio's receive waits for read_event unless it is set.
        if self._queue or protocol.is_at_eof:
            protocol.read_event.set()
        else:
            protocol.read_event.clear()

    def _ended(self) -> bytes:
        protocol = self._protocol
        if self._stream._closed:
            error: Exception = anyio.ClosedResourceError()
        elif protocol.exception is not None:
            error = protocol.exception
        else:
            return b""
        raise load_httpcore().ReadError(error) from error


class _SocketReader:
    """Reads a trio socket stream through the stdlib socket inside it.

    Relies on trio's `SocketStream.socket` wrapping a stdlib socket as `_sock` (pinned by
    `tests/test_read_path.py`); trio's `wait_readable` and `checkpoint` do the waiting.
    """

    __slots__ = ("_checkpoint", "_full", "_sock", "_wait")

    def __init__(self, stream: Any) -> None:
        trio = sys.modules["trio"]
        self._sock: socket.socket = stream.socket._sock
        self._wait = trio.lowlevel.wait_readable
        self._checkpoint = trio.lowlevel.checkpoint
        self._full = False

    async def receive_ready(self, max_bytes: int = RECV_SIZE) -> bytes:
        """As `receive`, trying the `recv` before waiting (for reads likely to find data
        in: a response head; trio's own `recv` always tries first)."""
        self._full = True
        return await self.receive(max_bytes)

    def readable(self) -> bool:
        return False  # nothing is buffered here: httpcore polls the socket itself

    async def receive(self, max_bytes: int = RECV_SIZE) -> bytes:
        """The next bytes to arrive (at most `max_bytes`), b"" at EOF."""
        sock = self._sock
        try:
            if self._full:
                # The last read filled its buffer: more is likely waiting already.
                await self._checkpoint()
                try:
                    data = sock.recv(max_bytes)
                except BlockingIOError:
                    pass
                else:
                    self._full = len(data) == max_bytes
                    return data
            while True:
                await self._wait(sock)
                try:
                    data = sock.recv(max_bytes)
                except BlockingIOError:
                    continue  # a spurious wakeup
                self._full = len(data) == max_bytes
                return data
        except (OSError, ValueError, sys.modules["trio"].ClosedResourceError) as exc:
            # ValueError: wait_readable on a socket closed already (its fileno is -1).
            raise load_httpcore().ReadError(exc) from exc


class _TLSReader:
    """Reads and writes a TLS connection through its `ssl.SSLObject`, the encrypted bytes
    coming from the fast reader of the socket stream under the TLS stream.

    The handshake is anyio's or trio's; afterwards this takes over their
    `SSLObject` and `MemoryBIO`s (anyio's `TLSStream._ssl_object`/`_read_bio`/`_write_bio`,
    trio's `SSLStream._ssl_object`/`_incoming`/`_outgoing`, pinned by
    `tests/test_read_path.py`). That is safe in the modes httpcore opens them in (anyio's
    `standard_compatible=False`, trio's `https_compatible=True`): closing either only
    closes the socket stream, and httpcore never reads and writes one connection at once.
    An end of file without `close_notify` ends the body, as both streams do in these modes.
    """

    __slots__ = ("_incoming", "_outgoing", "_raw", "_send", "_ssl")

    def __init__(
        self,
        raw: _QueueReader | _SocketReader,
        send: Any,
        ssl_object: ssl.SSLObject,
        incoming: ssl.MemoryBIO,
        outgoing: ssl.MemoryBIO,
    ) -> None:
        self._raw = raw
        self._send = send
        self._ssl = ssl_object
        self._incoming = incoming
        self._outgoing = outgoing

    def readable(self) -> bool:
        return bool(self._ssl.pending() or self._incoming.pending or self._raw.readable())

    def detach(self) -> None:
        """Hand the socket stream back before another TLS layer reads through this one."""
        if isinstance(self._raw, _QueueReader):
            self._raw.detach()

    async def _fill(self) -> None:
        # Whatever the TLS layer has to say first (a KeyUpdate reply, a renegotiation
        # message) goes out before we wait for the peer.
        if self._outgoing.pending:
            await self._send(self._outgoing.read())
        data = await self._raw.receive(RECV_SIZE)
        if data:
            self._incoming.write(data)
        else:
            self._incoming.write_eof()

    async def receive(self, max_bytes: int = RECV_SIZE) -> bytes:
        """The next decrypted bytes (one TLS record at most), b"" at the end of the stream."""
        ssl_object = self._ssl
        while True:
            try:
                data = ssl_object.read(max_bytes)
            except ssl.SSLWantReadError:
                await self._fill()
                continue
            except ssl.SSLError as exc:
                if isinstance(exc, ssl.SSLEOFError) or "UNEXPECTED_EOF" in (exc.strerror or ""):
                    return b""  # the peer closed without close_notify
                raise load_httpcore().ReadError(exc) from exc
            if self._outgoing.pending:
                await self._send(self._outgoing.read())
            return data

    async def send(self, data: bytes) -> None:
        """Encrypt and send `data`. Raises `ssl.SSLError` or the socket stream's errors."""
        while True:
            try:
                self._ssl.write(data)
            except ssl.SSLWantReadError:
                await self._fill()  # renegotiation (TLS 1.2): the peer's part first
                continue
            break
        if self._outgoing.pending:
            await self._send(self._outgoing.read())


class _Sweeper:
    """One per trio run: wakes at the earliest time a watched read may be overdue.

    A system task, started when a read asks for a check and ended once nothing is left to
    check or no watchdog is left open (a new one starts with the next check).
    """

    __slots__ = ("_heap", "_order", "_scope", "open")

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _TrioWatchdog]] = []
        self._order = itertools.count()
        self._scope: Any = None
        self.open = 0

    def check_at(self, when: float, watchdog: _TrioWatchdog) -> None:
        heapq.heappush(self._heap, (when, next(self._order), watchdog))
        scope = self._scope
        if scope is None:
            trio = sys.modules["trio"]
            self._scope = scope = trio.CancelScope(deadline=when)
            trio.lowlevel.spawn_system_task(
                self._run, self._heap, scope, name="anyio_claude read watchdog"
            )
        elif when < scope.deadline:
            scope.deadline = when

    def closed(self) -> None:
        self.open -= 1
        if not self.open and self._scope is not None:
            # The task ends; what it was to check belonged to closed watchdogs.
            self._scope.cancel()
            self._scope, self._heap = None, []

    async def _run(self, heap: list[tuple[float, int, _TrioWatchdog]], scope: Any) -> None:
        trio = sys.modules["trio"]
        while True:
            with scope:
                await trio.sleep_forever()
            if self._scope is not scope:
                return  # stopped by closed()
            now = trio.current_time()
            while heap and heap[0][0] <= now:
                at, _, watchdog = heapq.heappop(heap)
                watchdog.check(at, now)
            if not heap:
                self._scope = None
                return
            scope = self._scope = trio.CancelScope(deadline=heap[0][0])


class _TrioWatchdog:
    """Bounds the body reads of one connection under trio, without a cancel scope per
    read (a scope per read costs ~25 us: `benchmarks/live_streams.py`).

    As `_network._Watchdog`: a read records `until`; the sweeper checks when the earliest
    recorded time comes and re-arms for the latest `until` if the read is still within
    it; an overdue read is ended by shutting the socket down (it then reads EOF) and
    `fired` is set. The connection is discarded afterwards, as after any timeout.
    """

    __slots__ = ("_at", "_closed", "_socket", "_sweeper", "fired", "until")

    def __init__(self, sweeper: _Sweeper, sock: Any) -> None:
        self._sweeper = sweeper
        self._socket = sock
        self._at = math.inf
        self._closed = False
        self.until = math.inf
        self.fired = False
        sweeper.open += 1

    def watch(self, until: float) -> None:
        """Bound the read about to start by `until` (a trio clock time)."""
        self.until = until
        if until < self._at:
            self._at = until
            self._sweeper.check_at(until, self)

    def check(self, at: float, now: float) -> None:
        if at != self._at or self._closed:
            return  # superseded by an earlier check, or closed
        self._at = math.inf
        until = self.until
        if until == math.inf:
            return  # no read in progress; the next one asks for a check again
        if now < until:
            self._at = until
            self._sweeper.check_at(until, self)
            return
        self.fired = True
        with suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._sweeper.closed()


_sweepers: Any = None


def trio_sweeper() -> _Sweeper:
    """This trio run's sweeper."""
    global _sweepers
    if _sweepers is None:
        _sweepers = sys.modules["trio"].lowlevel.RunVar("anyio_claude_sweeper")
    try:
        sweeper: _Sweeper = _sweepers.get()
    except LookupError:
        sweeper = _Sweeper()
        _sweepers.set(sweeper)
    return sweeper
