"""Edges of the live read path (`_transport/_readers.py`) found by mutation
testing: TLS failures that are not an end of file, TLS bytes left on an idle connection,
a TCP stream handed back to anyio with data or an end of file already read in, and the
errors' causes."""

from __future__ import annotations

import math
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import cast

import anyio
import httpcore
import pytest
from anyio.abc import SocketStream
from anyio.streams.tls import TLSStream

from anyio_claude import APIConnectionError, APITimeoutError
from anyio_claude._http import Request, Timeout
from anyio_claude._transport import AsyncTransport
from anyio_claude._transport._readers import (
    HIGH_WATER,
    RECV_SIZE,
    _QueueReader,
    _SocketReader,
    _TLSReader,
    _TrioWatchdog,
    trio_sweeper,
)

from ._servers import raw_server, response, settled
from .test_read_path import (
    CHUNKED_HEAD,
    FAST,
    GET,
    _timers_visible,
    _watchdog_timers,
    chunk,
    network_stream,
    on_trio,
    slow_chunks,
    tls_contexts,
)
from .test_transport_wire import HUGE

pytestmark = pytest.mark.anyio

TLSHandler = Callable[[TLSStream, SocketStream], Awaitable[None]]


@asynccontextmanager
async def tls_server(
    handler: TLSHandler, context: ssl.SSLContext, connections: list[int]
) -> AsyncIterator[int]:
    """A TLS server on 127.0.0.1 (its port), `handler(tls, raw)` per connection."""

    async def serve(client: SocketStream) -> None:
        connections.append(1)
        async with client:
            tls = await TLSStream.wrap(
                client, server_side=True, ssl_context=context, standard_compatible=False
            )
            with pytest.raises((anyio.EndOfStream, anyio.BrokenResourceError, OSError)):
                await handler(tls, client)
                raise anyio.EndOfStream  # the handler returned: close the connection

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, serve)
        try:
            yield port
        finally:
            tg.cancel_scope.cancel()


async def tls_request(tls: TLSStream) -> bytes:
    request = b""
    while b"\r\n\r\n" not in request:
        request += await tls.receive()
    return request


async def test_a_tls_error_mid_body_that_is_not_an_end_of_file_is_a_read_error() -> None:
    # Bytes that are no TLS record, mid-body: the SSL error itself is the cause (not an end
    # of the body, nor a message without it).
    server_context, trusting = tls_contexts()

    async def garbage(tls: TLSStream, raw: SocketStream) -> None:
        await tls_request(tls)
        await tls.send(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nhello")
        await anyio.sleep(0.05)
        await raw.send(b"\x16\x01\x02 this is not a TLS record\r\n" * 4)
        await anyio.sleep(1)

    connections: list[int] = []
    async with tls_server(garbage, server_context, connections) as port:
        transport = AsyncTransport(f"https://127.0.0.1:{port}", ssl_context=trusting)
        async with await transport.send(GET, timeout=FAST) as reply:
            assert type(network_stream(reply)._reader) is _TLSReader
            assert await reply.next_chunk() == b"hello"
            with pytest.raises(APIConnectionError, match="reading the response failed") as info:
                await reply.next_chunk()
        cause = info.value.__cause__
        assert isinstance(cause, httpcore.ReadError)
        assert isinstance(cause.__cause__, ssl.SSLError)
        assert not isinstance(cause.__cause__, ssl.SSLEOFError)
        assert str(cause) == str(cause.__cause__) and str(cause) in str(info.value)
        assert transport.num_connections == 0
        await transport.aclose()


async def test_a_tls_record_left_on_an_idle_connection_keeps_it_from_being_reused() -> None:
    # The response and one more TLS record in one TCP write: the record waits in the TLS
    # layer's incoming buffer (not in the socket, nor in the reader's queue), and the
    # stream is readable all the same, so the connection is not reused. Later, a record
    # arriving on the idle connection is in the reader's queue (asyncio) or the socket.
    server_context, trusting = tls_contexts()

    async def then_a_record(tls: TLSStream, raw: SocketStream) -> None:
        await tls_request(tls)
        tls._ssl_object.write(response(b"ok"))
        tls._ssl_object.write(b"HTTP/1.1 200 surprise\r\n")
        await raw.send(tls._write_bio.read())
        await anyio.sleep(1)

    async def then_a_late_record(tls: TLSStream, raw: SocketStream) -> None:
        await tls_request(tls)
        await tls.send(response(b"ok"))
        await anyio.sleep(0.05)
        await tls.send(b"HTTP/1.1 200 surprise\r\n")
        await anyio.sleep(1)

    for handler in (then_a_record, then_a_late_record):
        connections: list[int] = []
        async with tls_server(handler, server_context, connections) as port:
            transport = AsyncTransport(f"https://127.0.0.1:{port}", ssl_context=trusting)
            for _ in range(2):
                async with await transport.send(GET, timeout=FAST) as reply:
                    assert await reply.aread() == b"ok"
                await anyio.sleep(0.2)
            assert len(connections) == 2, handler.__name__
            await transport.aclose()


async def test_reading_a_closed_response_keeps_the_cause() -> None:
    async with raw_server(slow_chunks) as srv:
        transport = AsyncTransport(srv.url)
        reply = await transport.send(GET, timeout=FAST)
        assert await reply.next_chunk() == b"x"
        await reply.aclose()
        with pytest.raises(APIConnectionError, match="reading the response failed") as info:
            await reply.next_chunk()
        cause = info.value.__cause__
        assert isinstance(cause, httpcore.ReadError)
        # The stream was closed by us: anyio's closed-resource error (asyncio), or trio's
        # wait on a socket closed already.
        expected = ValueError if on_trio() else anyio.ClosedResourceError
        assert type(cause.__cause__) is expected
        assert str(cause) == str(cause.__cause__)
        await transport.aclose()


def test_a_stream_handed_back_to_anyio_keeps_what_the_reader_took_in() -> None:
    # Before a TLS layer is started over a plain connection (an https API through an
    # http proxy's tunnel), the asyncio reader gives the stream back: bytes and an end of
    # file it had queued are anyio's to read, at once.
    async def main() -> None:
        async def serve(stream: SocketStream, request: bytes) -> None:
            await stream.send(b"first")
            await anyio.sleep(0.05)
            await stream.send(b"early bytes")
            await anyio.sleep(1)  # then closes: the end of file

        async with raw_server(serve, keep_alive=False) as srv:
            stream = await anyio.connect_tcp("127.0.0.1", srv.port)
            async with stream:
                reader = _QueueReader(stream)
                await stream.send(b"GET / HTTP/1.1\r\n\r\n")
                assert await reader.receive() == b"first"
                assert await settled(reader.readable)
                reader.detach()
                with anyio.fail_after(0.5):
                    assert await stream.receive() == b"early bytes"
                # The end of file, already read in by the time of the next hand-back.
                reader = _QueueReader(stream)
                with anyio.fail_after(3):
                    assert await reader.receive() == b""
                reader.detach()
                with anyio.fail_after(0.5), pytest.raises(anyio.EndOfStream):
                    await stream.receive()

    anyio.run(main, backend="asyncio")


def test_the_queue_readers_flow_control_and_pieces() -> None:
    # Its `data_received`, called here with what an event loop would hand it, on a real
    # connection: a piece given as a bytearray or memoryview is read as bytes, pieces
    # queued between two reads come back joined, and reading pauses once more than
    # `HIGH_WATER` bytes are queued unread (the count starting again after each read).
    async def main() -> None:
        async def serve(stream: SocketStream, request: bytes) -> None:
            await stream.send(b"more")

        async with raw_server(serve) as srv:
            stream = await anyio.connect_tcp("127.0.0.1", srv.port)
            async with stream:
                reader = _QueueReader(stream)
                transport = reader._transport
                assert transport.max_size == RECV_SIZE  # not asyncio's 256 KiB a recv
                reader._data_received(cast("bytes", bytearray(b"ab")))
                data = await reader.receive()
                assert data == b"ab" and type(data) is bytes
                reader._data_received(cast("bytes", bytearray(b"ab")))
                reader._data_received(cast("bytes", memoryview(b"cd")))
                data = await reader.receive()
                assert data == b"abcd" and type(data) is bytes

                for _ in range(2):
                    # A read that finds nothing queued resumes reading (anyio pauses it
                    # between its reads) and waits.
                    await stream.send(b"GET / HTTP/1.1\r\n\r\n")
                    with anyio.fail_after(1):
                        assert await reader.receive() == b"more"
                    assert transport.is_reading()
                    reader._data_received(b"x" * HIGH_WATER)
                    assert transport.is_reading()
                    reader._data_received(b"x")
                    assert not transport.is_reading()
                    assert await reader.receive() == b"x" * (HIGH_WATER + 1)

    anyio.run(main, backend="asyncio")


async def test_a_tls_write_that_stalls_is_a_write_timeout() -> None:
    # The TLS layer sends what it encrypted as part of the write, under the write timeout
    # (not left for the next read to send, under the read timeout).
    server_context, trusting = tls_contexts()

    async def never_read(tls: TLSStream, raw: SocketStream) -> None:
        await anyio.sleep(20)

    connections: list[int] = []
    async with tls_server(never_read, server_context, connections) as port:
        transport = AsyncTransport(f"https://127.0.0.1:{port}", ssl_context=trusting)
        post = Request("POST", b"/v1/messages", [], HUGE)
        timeout = Timeout(connect=2, read=5, write=0.5, pool=2)
        with anyio.fail_after(20), pytest.raises(APITimeoutError) as info:
            await transport.send(post, timeout=timeout)
        assert str(info.value) == f"write timeout talking to 127.0.0.1:{port}"
        assert transport.num_connections == 0
        await transport.aclose()


async def head_then_stall(stream: SocketStream, request: bytes) -> None:
    await stream.send(CHUNKED_HEAD + chunk(b"x"))
    await anyio.sleep(10)


async def test_a_short_read_timeout_fires_on_time_while_a_longer_one_is_watched() -> None:
    # Two stalled bodies on two connections: the second one's earlier deadline moves the
    # check forward (trio: one sweeper task for both; asyncio: a timer per connection).
    async with raw_server(head_then_stall) as srv:
        transport = AsyncTransport(srv.url)
        slow = Timeout(connect=2, read=10, write=2, pool=2)
        quick = Timeout(connect=2, read=0.3, write=2, pool=2)
        async with (
            await transport.send(GET, timeout=slow) as first,
            await transport.send(GET, timeout=quick) as second,
            anyio.create_task_group() as tg,
        ):
            assert await first.next_chunk() == b"x"
            assert await second.next_chunk() == b"x"
            tg.start_soon(first.next_chunk)
            await anyio.sleep(0.05)
            started = anyio.current_time()
            with anyio.fail_after(3), pytest.raises(APITimeoutError):
                await second.next_chunk()
            assert anyio.current_time() - started < 2
            if _timers_visible():
                assert _watchdog_timers() == 1  # the first one's, as before
            tg.cancel_scope.cancel()
        await transport.aclose()


def test_the_trio_sweeper_sleeps_until_the_next_check() -> None:
    # A check that finds the read bounded later re-arms for that time: the sweeper sleeps
    # until then (no spinning on what is not due), and it ends with the last watchdog.
    trio = pytest.importorskip("trio")

    async def main() -> None:
        sweeper = trio_sweeper()
        one, other = socket.socketpair()
        with one, other:
            watchdog = _TrioWatchdog(sweeper, one)
            now = trio.current_time()
            watchdog.watch(now + 0.05)
            assert sweeper._scope.deadline == now + 0.05
            watchdog.until = math.inf  # that read ended; the next is bounded later
            watchdog.watch(now + 10)
            assert sweeper._scope.deadline == now + 0.05
            await trio.sleep(0.1)
            assert not watchdog.fired
            assert sweeper._scope.deadline == now + 10
            watchdog.close()
            assert sweeper._scope is None

    trio.run(main)


def test_the_trio_watchdog_fires_after_a_re_arm_and_counts_its_connections() -> None:
    # A check finding no read in progress, then a read bounded later, still stalled when
    # the re-armed check comes: the socket is shut down. A watchdog closed twice counts
    # once: the sweeper goes on checking the others' reads; a socket closed already is
    # no error when a read on it is overdue.
    trio = pytest.importorskip("trio")

    async def main() -> None:
        sweeper = trio_sweeper()
        one, other = socket.socketpair()
        gone, gone_peer = socket.socketpair()
        with one, other, gone, gone_peer:
            watchdog = _TrioWatchdog(sweeper, one)
            late = _TrioWatchdog(sweeper, gone)
            watchdog.watch(trio.current_time() + 0.02)
            watchdog.until = math.inf  # that read ended before its bound
            await trio.sleep(0.05)
            assert not watchdog.fired
            watchdog.watch(trio.current_time() + 0.02)  # a new read, bounded
            await trio.sleep(0.01)
            watchdog.watch(trio.current_time() + 0.05)  # and the next, bounded later
            await trio.sleep(0.15)
            assert watchdog.fired
            assert other.recv(1) == b""  # shut down: the read ends at once
            watchdog.close()
            watchdog.close()
            assert sweeper.open == 1
            gone.close()
            late.watch(trio.current_time() + 0.02)
            await trio.sleep(0.05)
            assert late.fired
            late.close()
            assert sweeper.open == 0

    trio.run(main)


def test_the_trio_socket_reader_tries_the_recv_first_only_where_data_is_likely_in() -> None:
    # A response head (`receive_ready`) and a read after one that filled its buffer try
    # the `recv` before waiting; any other read waits for the socket first (a `recv`
    # that finds nothing costs an exception).
    trio = pytest.importorskip("trio")

    async def main() -> None:
        one, other = trio.socket.socketpair()
        with one, other:
            reader = _SocketReader(trio.SocketStream(one))
            calls: list[str] = []
            wait, checkpoint = reader._wait, reader._checkpoint

            async def waiting(sock: socket.socket) -> None:
                calls.append("wait")
                await wait(sock)

            async def trying() -> None:
                calls.append("recv first")
                await checkpoint()

            reader._wait, reader._checkpoint = waiting, trying
            steps: list[tuple[bytes, Callable[[], Awaitable[bytes]], list[str]]] = [
                (b"a", reader.receive, ["wait"]),
                (b"head", reader.receive_ready, ["recv first"]),
                (b"b", reader.receive, ["wait"]),
                (b"full", lambda: reader.receive_ready(4), ["recv first"]),
                (b"more", lambda: reader.receive(4), ["recv first"]),
                (b"c", lambda: reader.receive(4), ["recv first"]),
                (b"d", lambda: reader.receive(4), ["wait"]),
                (b"abcd", lambda: reader.receive(4), ["wait"]),
                (b"e", lambda: reader.receive(4), ["recv first"]),
            ]
            for send, read, expected in steps:
                await other.send(send)
                await trio.sleep(0.01)
                calls.clear()
                assert await read() == send
                assert calls == expected, send

    trio.run(main)
