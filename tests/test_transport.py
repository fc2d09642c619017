"""The connection pool, against raw servers on 127.0.0.1."""

from __future__ import annotations

import anyio
import pytest
from anyio.abc import SocketStream

from anyio_claude import APIConnectionError, APITimeoutError
from anyio_claude._http import DeadlineReached, Request, Timeout
from anyio_claude._transport import AsyncTransport

from ._servers import Handler, fixed, raw_server, response

pytestmark = pytest.mark.anyio

GET = Request("GET", b"/", [], b"")
FAST = Timeout(connect=2, read=2, write=2, pool=2)


async def get(transport: AsyncTransport, timeout: Timeout = FAST) -> bytes:
    async with await transport.send(GET, timeout=timeout) as reply:
        return await reply.aread()


async def test_keep_alive_reuses_one_connection() -> None:
    async with raw_server(fixed(b"ok")) as srv:
        transport = AsyncTransport(srv.url)
        for _ in range(5):
            assert await get(transport) == b"ok"
        assert srv.connections == 1
        assert transport.num_connections == transport.num_idle == 1
        await transport.aclose()
        assert transport.num_connections == 0


async def test_half_read_response_closes_its_connection() -> None:
    async with raw_server(fixed(b"x" * 200_000)) as srv:
        transport = AsyncTransport(srv.url)
        async with await transport.send(GET, timeout=FAST) as reply:
            await reply.aiter_bytes().__anext__()
        assert transport.num_connections == 0
        assert await get(transport) == b"x" * 200_000
        assert srv.connections == 2
        await transport.aclose()


async def test_connection_the_server_closed_is_not_reused() -> None:
    async with raw_server(fixed(b"ok"), keep_alive=False) as srv:
        transport = AsyncTransport(srv.url)
        for _ in range(3):
            assert await get(transport) == b"ok"
            await anyio.sleep(0.02)  # let the server's close arrive
        assert srv.connections == 3
        await transport.aclose()


async def test_keepalive_expiry_drops_old_connections() -> None:
    async with raw_server(fixed(b"ok")) as srv:
        transport = AsyncTransport(srv.url, keepalive_expiry=0.05)
        await get(transport)
        await anyio.sleep(0.1)
        await get(transport)
        assert srv.connections == 2
        await transport.aclose()


async def test_limit_serves_waiters_in_order() -> None:
    gate = anyio.Event()

    async def handler(stream: SocketStream, request: bytes) -> None:
        await gate.wait()
        await stream.send(response(b"ok"))

    order: list[int] = []
    async with raw_server(handler) as srv:
        transport = AsyncTransport(srv.url, max_connections=1)

        async def worker(i: int) -> None:
            await get(transport)
            order.append(i)

        async with anyio.create_task_group() as tg:
            for i in range(6):
                tg.start_soon(worker, i)
                await anyio.sleep(0.01)  # fix the arrival order
            assert transport.num_active == 1 and transport.num_connections == 1
            gate.set()
        assert srv.connections == 1
        assert order == list(range(6))
        await transport.aclose()


async def test_pool_timeout() -> None:
    async with raw_server(fixed(b"ok")) as srv:
        transport = AsyncTransport(srv.url, max_connections=1)
        held = await transport.send(GET, timeout=FAST)
        with pytest.raises(APITimeoutError, match="pool timeout"):
            await transport.send(GET, timeout=Timeout(pool=0.05))
        await held.aclose()
        assert await get(transport) == b"ok"  # the timed-out waiter gave its place back
        await transport.aclose()


async def test_cancelled_waiter_gives_its_place_back() -> None:
    async with raw_server(fixed(b"ok")) as srv:
        transport = AsyncTransport(srv.url, max_connections=1)
        held = await transport.send(GET, timeout=FAST)
        with anyio.move_on_after(0.05):
            await transport.send(GET, timeout=FAST)
        await held.aclose()
        assert transport.num_active == 0
        assert await get(transport) == b"ok"
        await transport.aclose()


async def test_cancel_while_waiting_for_the_head_closes_the_connection() -> None:
    async def silent(stream: SocketStream, request: bytes) -> None:
        await anyio.sleep_forever()

    async with raw_server(silent) as srv:
        transport = AsyncTransport(srv.url)
        with anyio.move_on_after(0.05) as scope:
            await transport.send(GET, timeout=FAST)
        assert scope.cancelled_caught
        assert transport.num_connections == 0 and transport.num_active == 0
        await transport.aclose()


async def test_cancel_mid_body_closes_the_connection() -> None:
    async def trickle(stream: SocketStream, request: bytes) -> None:
        await stream.send(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        while True:
            await stream.send(b"1\r\nx\r\n")
            await anyio.sleep(0.01)

    async with raw_server(trickle) as srv:
        transport = AsyncTransport(srv.url)
        with anyio.move_on_after(0.1):
            async with await transport.send(GET, timeout=FAST) as reply:
                async for _ in reply.aiter_bytes():
                    pass
        assert transport.num_connections == 0 and transport.num_active == 0
        await transport.aclose()


async def test_read_timeout_is_an_api_timeout_error() -> None:
    async def silent(stream: SocketStream, request: bytes) -> None:
        await anyio.sleep_forever()

    async with raw_server(silent) as srv:
        transport = AsyncTransport(srv.url)
        with pytest.raises(APITimeoutError, match="read timeout"):
            await transport.send(GET, timeout=Timeout(read=0.05))
        assert transport.num_connections == 0
        await transport.aclose()


async def test_truncated_body_is_a_connection_error() -> None:
    async def short(stream: SocketStream, request: bytes) -> None:
        await stream.send(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc")
        await stream.aclose()

    async with raw_server(short) as srv:
        transport = AsyncTransport(srv.url)
        with pytest.raises(APIConnectionError) as info:
            await get(transport)
        assert info.value.__cause__ is not None
        await transport.aclose()


async def test_closed_transport_refuses_requests() -> None:
    transport = AsyncTransport("http://127.0.0.1:9")
    await transport.aclose()
    with pytest.raises(APIConnectionError, match="closed"):
        await transport.send(GET, timeout=FAST)


def test_rejects_non_http_urls() -> None:
    with pytest.raises(ValueError, match="not an http"):
        AsyncTransport("ftp://example.com")


# Body reads: each read has its own read timeout, re-armed from when it starts.


def dripping(pieces: int, *, then_stall: bool) -> Handler:
    """A handler sending a 200 head, then `pieces` body bytes 0.1 s apart, then either
    the rest of a 1,000-byte content-length body or nothing more (a stall)."""

    async def handler(stream: SocketStream, request: bytes) -> None:
        await stream.send(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")
        for _ in range(pieces):
            await anyio.sleep(0.1)
            await stream.send(b"x")
        if then_stall:
            await anyio.sleep_forever()
        await stream.send(b"x" * (1000 - pieces))

    return handler


async def test_a_slow_body_within_the_read_timeout_per_read_completes() -> None:
    # 1.2 s of body against a 0.4 s read timeout: each read is bounded, not the body.
    async with raw_server(dripping(12, then_stall=False)) as srv:
        transport = AsyncTransport(srv.url)
        with anyio.fail_after(10):
            assert await get(transport, Timeout(connect=2, read=0.4, write=2, pool=2)) == (
                b"x" * 1000
            )
        assert transport.num_idle == 1
        await transport.aclose()


async def test_a_body_that_stalls_after_some_reads_times_out_within_the_read_timeout() -> None:
    async with raw_server(dripping(8, then_stall=True)) as srv:
        transport = AsyncTransport(srv.url)
        chunks: list[bytes] = []
        with anyio.fail_after(10):
            async with await transport.send(
                GET, timeout=Timeout(connect=2, read=0.4, write=2, pool=2)
            ) as reply:
                with pytest.raises(APITimeoutError, match="read timeout"):
                    while (chunk := await reply.next_chunk()) is not None:
                        chunks.append(chunk)
                        last = anyio.current_time()
        assert b"".join(chunks) == b"x" * 8
        assert 0.3 < anyio.current_time() - last < 2
        assert transport.num_connections == 0
        await transport.aclose()


async def test_a_caller_deadline_ends_a_read_before_the_read_timeout() -> None:
    async with raw_server(dripping(0, then_stall=True)) as srv:
        transport = AsyncTransport(srv.url)
        with anyio.fail_after(10):
            async with await transport.send(GET, timeout=FAST) as reply:
                started = anyio.current_time()
                with pytest.raises(DeadlineReached):
                    await reply.next_chunk(started + 0.2)
                assert anyio.current_time() - started < 1.5
        assert transport.num_connections == 0
        await transport.aclose()


async def test_the_request_head_and_body_leave_in_one_write() -> None:
    first_reads: list[bytes] = []

    async def answer(stream: SocketStream, request: bytes) -> None:
        await stream.send(response(b"ok"))

    async def serve(stream: SocketStream) -> None:
        async with stream:
            first_reads.append(await stream.receive())
            await answer(stream, first_reads[-1])

    body = b'{"x": "' + b"y" * 2000 + b'"}'
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, serve)
        transport = AsyncTransport(f"http://127.0.0.1:{port}")
        for _ in range(3):
            post = Request("POST", b"/v1/messages", [], body)
            async with await transport.send(post, timeout=FAST) as reply:
                assert await reply.aread() == b"ok"
        await transport.aclose()
        tg.cancel_scope.cancel()
    assert len(first_reads) == 3
    assert all(
        read.startswith(b"POST /v1/messages ") and read.endswith(body) for read in first_reads
    )
