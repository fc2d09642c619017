"""The live read path (`_transport/_readers.py`, `_chunked.py`, `Response.next_chunk`) against
raw servers: which reader a connection gets, what it relies on in anyio, trio and h11, flow
control, idle connections, and the read watchdog's lifetime."""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from typing import Any

import anyio
import pytest
import trustme
from anyio.abc import SocketStream
from anyio.streams.tls import TLSStream

from anyio_claude import APIConnectionError, APITimeoutError, AsyncClaude
from anyio_claude._http import Request, Timeout
from anyio_claude._transport import AsyncTransport, Response
from anyio_claude._transport._chunked import ChunkedDecoder
from anyio_claude._transport._network import _http11, _Stream, _Watchdog
from anyio_claude._transport._readers import (
    HIGH_WATER,
    RECV_SIZE,
    _QueueReader,
    _SocketReader,
    _TLSReader,
    _TrioWatchdog,
)
from anyio_claude.testing import FakeClaude, Fault

from ._servers import raw_server, response, settled

pytestmark = pytest.mark.anyio

GET = Request("GET", b"/v1/models", [], b"")
FAST = Timeout(connect=2, read=2, write=2, pool=2)
CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def network_stream(reply: Response) -> _Stream:
    stream: _Stream = _http11(reply._connection)._network_stream
    return stream


def on_trio() -> bool:
    return asyncio._get_running_loop() is None


async def paced_chunks(stream: SocketStream, request: bytes) -> None:
    # The head and the first chunk in one write: the chunk reaches h11's buffer with the head.
    await stream.send(CHUNKED_HEAD + chunk(b"one"))
    await anyio.sleep(0.02)
    await stream.send(chunk(b"two") + chunk(b"three"))
    await anyio.sleep(0.02)
    await stream.send(b"0\r\nx-trailer: 1\r\n\r\n")


async def test_a_plain_connection_gets_the_fast_reader_and_a_chunked_body_our_decoder() -> None:
    async with raw_server(paced_chunks) as srv:
        transport = AsyncTransport(srv.url)
        for _ in range(2):
            async with await transport.send(GET, timeout=FAST) as reply:
                # Relies on h11's `_reader`, `_receive_buffer` and `_receive_buffer_closed`.
                assert type(reply._chunked) is ChunkedDecoder
                assert reply._early == chunk(b"one")  # came with the head
                stream = network_stream(reply)
                # Relies on anyio's asyncio SocketStream (`_transport`, `_protocol` and its
                # queue) and on trio's SocketStream (`socket._sock`).
                expected = _SocketReader if on_trio() else _QueueReader
                assert type(stream._reader) is expected
                watchdog = _TrioWatchdog if on_trio() else _Watchdog
                assert type(reply._watchdog) is watchdog
                assert await reply.aread() == b"onetwothree"
                assert reply._chunked is None  # h11 took the terminal chunk and trailer
        assert srv.connections == 1  # kept alive: h11 saw the whole message
        await transport.aclose()


BULK = hashlib.sha256(b"bulk").digest() * (6 * HIGH_WATER // 32)


async def bulk_body(stream: SocketStream, request: bytes) -> None:
    await stream.send(CHUNKED_HEAD)
    for start in range(0, len(BULK), 1 << 18):
        await stream.send(chunk(BULK[start : start + (1 << 18)]))
    await stream.send(b"0\r\n\r\n")


async def test_a_body_not_being_read_stays_in_the_kernel_past_the_high_water_mark() -> None:
    async with raw_server(bulk_body) as srv:
        transport = AsyncTransport(srv.url)
        async with await transport.send(GET, timeout=FAST) as reply:
            first = await reply.next_chunk()
            assert first
            await anyio.sleep(0.3)  # the server keeps sending; nothing reads
            reader = network_stream(reply)._reader
            if isinstance(reader, _QueueReader):
                # At most one high-water mark (and the reads in flight) is held in memory.
                assert reader._queued <= HIGH_WATER + 4 * RECV_SIZE
                assert not reader._transport.is_reading()
            body = [first]
            while (piece := await reply.next_chunk()) is not None:
                body.append(piece)
        assert b"".join(body) == BULK
        await transport.aclose()


async def then_noise(stream: SocketStream, request: bytes) -> None:
    await stream.send(response(b"ok"))
    await anyio.sleep(0.05)
    await stream.send(b"HTTP/1.1 200 surprise\r\n")  # on an idle connection


async def test_bytes_arriving_on_an_idle_connection_keep_it_from_being_reused() -> None:
    # Under asyncio the reader keeps reading, so such bytes are in its queue, not in the
    # socket httpcore polls: the stream says it is readable all the same.
    async with raw_server(then_noise) as srv:
        transport = AsyncTransport(srv.url)
        for _ in range(2):
            async with await transport.send(GET, timeout=FAST) as reply:
                assert await reply.aread() == b"ok"
            await anyio.sleep(0.2)
        assert srv.connections == 2
        await transport.aclose()


async def slow_chunks(stream: SocketStream, request: bytes) -> None:
    await stream.send(CHUNKED_HEAD)
    for _ in range(3):
        await anyio.sleep(0.02)
        await stream.send(chunk(b"x"))
    await stream.send(b"0\r\n\r\n")


def _timers_visible() -> bool:
    # uvloop keeps its timers in C: only trio's tasks and asyncio's heap can be counted.
    loop = asyncio._get_running_loop()
    return loop is None or hasattr(loop, "_scheduled")


def _watchdog_timers() -> int:
    loop = asyncio._get_running_loop()
    if loop is None:
        return sum(task.name == "anyio_claude read watchdog" for task in anyio.get_running_tasks())
    scheduled = loop._scheduled  # type: ignore[attr-defined]
    return sum(
        not handle.cancelled()
        and getattr(handle._callback, "__self__", None).__class__ is _Watchdog
        for handle in scheduled
    )


async def test_the_read_watchdog_timer_or_task_ends_with_the_connections() -> None:
    async with raw_server(slow_chunks) as srv:
        transport = AsyncTransport(srv.url)
        async with await transport.send(GET, timeout=FAST) as reply:
            assert await reply.next_chunk() == b"x"
            assert _watchdog_timers() == 1
            assert await reply.aread() == b"xx"
        await transport.aclose()
        assert await settled(lambda: _watchdog_timers() == 0)


async def test_reading_a_closed_response_is_a_connection_error() -> None:
    async with raw_server(slow_chunks) as srv:
        transport = AsyncTransport(srv.url)
        reply = await transport.send(GET, timeout=FAST)
        assert await reply.next_chunk() == b"x"
        await reply.aclose()
        with pytest.raises(APIConnectionError, match="reading the response failed"):
            await reply.next_chunk()
        await transport.aclose()


def tls_contexts() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for 127.0.0.1, and a client context trusting it."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    return server_context, trusting


STREAM_ARGS: dict[str, Any] = {
    "model": "claude-sonnet-5-5",
    "max_tokens": 50,
    "messages": [{"role": "user", "content": "hi"}],
}


async def test_a_tls_connection_reads_through_its_ssl_object_from_the_fast_reader() -> None:
    server_context, trusting = tls_contexts()
    async with FakeClaude(ssl_context=server_context) as fake:
        transport = AsyncTransport(fake.url, ssl_context=trusting)
        get = Request("GET", b"/v1/models", [(b"x-api-key", b"sk-test")], b"")
        bodies = []
        for _ in range(2):
            async with await transport.send(get, timeout=FAST) as reply:
                stream = network_stream(reply)
                # Relies on anyio's TLSStream (`_ssl_object`, `_read_bio`, `_write_bio`)
                # and trio's SSLStream (`_ssl_object`, `_incoming`, `_outgoing`).
                assert type(stream._reader) is _TLSReader
                expected = _SocketReader if on_trio() else _QueueReader
                assert type(stream._reader._raw) is expected
                bodies.append(await reply.aread())
        assert bodies[0] == bodies[1] and b'"data"' in bodies[0]
        assert transport.num_connections == 1  # kept alive and reused
        await transport.aclose()
        if _timers_visible():
            assert await settled(lambda: _watchdog_timers() == 0)

        # A whole streamed message (many TLS records, written as they come) and a
        # request body that takes more than one TLS record.
        async with AsyncClaude(api_key="sk-test", base_url=fake.url, verify=trusting) as client:
            long_text = "x" * 100_000
            async with client.messages.stream(
                **{**STREAM_ARGS, "messages": [{"role": "user", "content": long_text}]}
            ) as live:
                text = "".join([t async for t in live.text_stream])
                final = await live.get_final_message()
            assert text and text == "".join(
                block.text for block in final.content if block.type == "text"
            )


async def test_a_tls_stream_cancelled_mid_read_leaves_no_connection_or_watchdog() -> None:
    server_context, trusting = tls_contexts()
    async with FakeClaude(ssl_context=server_context, itl=0.05) as fake:
        async with AsyncClaude(
            api_key="sk-test", base_url=fake.url, verify=trusting, max_retries=0
        ) as client:
            got = []
            with anyio.move_on_after(0.4) as scope:
                async with client.messages.stream(**STREAM_ARGS) as live:
                    async for text in live.text_stream:
                        got.append(text)
            assert scope.cancelled_caught and got  # cancelled mid-stream, after some text
            transport = client._transport
            assert transport is not None and transport.num_connections == 0
            if _timers_visible():
                assert await settled(lambda: _watchdog_timers() == 0)


async def test_a_tls_connection_reset_mid_body_is_a_connection_error_with_the_partial() -> None:
    server_context, trusting = tls_contexts()
    faults = [Fault("reset_mid_body", after_events=3)]
    async with FakeClaude(ssl_context=server_context, faults=faults) as fake:
        async with AsyncClaude(
            api_key="sk-test", base_url=fake.url, verify=trusting, max_retries=0
        ) as client:
            with pytest.raises(APIConnectionError) as info:
                async with client.messages.stream(**STREAM_ARGS) as live:
                    await live.until_done()
            assert info.value.partial_message is not None
            transport = client._transport
            assert transport is not None and transport.num_connections == 0


async def test_a_tls_body_ended_by_a_close_without_close_notify_is_read_to_its_end() -> None:
    # A body delimited by the connection's end, the server closing TCP without TLS's
    # close_notify: as anyio's and trio's streams do in httpcore's modes, that is the end.
    server_context, trusting = tls_contexts()

    async def serve(client: SocketStream) -> None:
        async with client:
            tls = await TLSStream.wrap(
                client, server_side=True, ssl_context=server_context, standard_compatible=False
            )
            request = b""
            while b"\r\n\r\n" not in request:
                request += await tls.receive()
            await tls.send(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nhello ")
            await anyio.sleep(0.02)
            await tls.send(b"world")
            await anyio.sleep(0.02)

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, serve)
        transport = AsyncTransport(f"https://127.0.0.1:{port}", ssl_context=trusting)
        async with await transport.send(GET, timeout=FAST) as reply:
            assert type(network_stream(reply)._reader) is _TLSReader
            assert await reply.aread() == b"hello world"
        await transport.aclose()
        tg.cancel_scope.cancel()


async def test_a_stalled_stream_over_tls_times_out_through_the_tls_layer() -> None:
    # The TLS reader's socket reader is under the watchdog too: it ends the read by
    # shutting the socket down, and it is reported as the read timeout.
    server_context, trusting = tls_contexts()
    faults = [Fault("stall", after_events=3)]
    async with FakeClaude(ssl_context=server_context, faults=faults) as fake:
        async with AsyncClaude(
            api_key="sk-test",
            base_url=fake.url,
            max_retries=0,
            timeout=Timeout(read=0.3),
            verify=trusting,
        ) as client:
            started = anyio.current_time()
            with pytest.raises(APITimeoutError) as info:
                async with client.messages.stream(
                    model="claude-sonnet-5-5",
                    max_tokens=50,
                    messages=[{"role": "user", "content": "hi"}],
                ) as stream:
                    await stream.until_done()
            assert anyio.current_time() - started < 3
            assert info.value.partial_message is not None
            transport = client._transport
            assert transport is not None and transport.num_connections == 0


def test_the_queue_reader_works_on_uvloop_too() -> None:
    # uvloop caches a protocol's methods: the reader's data_received must still be called
    # (else the flow-control and idle-connection tests fail here).
    uvloop = pytest.importorskip("uvloop")

    async def main() -> None:
        assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
        await test_a_plain_connection_gets_the_fast_reader_and_a_chunked_body_our_decoder()
        await test_a_body_not_being_read_stays_in_the_kernel_past_the_high_water_mark()
        await test_bytes_arriving_on_an_idle_connection_keep_it_from_being_reused()
        await test_a_tls_connection_reads_through_its_ssl_object_from_the_fast_reader()
        await test_a_tls_stream_cancelled_mid_read_leaves_no_connection_or_watchdog()

    anyio.run(main, backend="asyncio", backend_options={"use_uvloop": True})
