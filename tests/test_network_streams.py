"""The network streams of `_transport/_network.py` on each backend, found by mutation
testing: one read watchdog per connection bound to that connection's socket, what
httpcore asks a stream about passed through, and a TLS connection inside a TLS tunnel
(no fast reader under it) read and written through the stream's own receive and send."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import cast

import anyio
import httpcore
import pytest
from anyio.abc import SocketStream
from anyio.streams.tls import TLSStream

from anyio_claude._transport import AsyncTransport
from anyio_claude._transport._network import _Backend, _Exchange, _Stream, _Watchdog
from anyio_claude._transport._readers import _TrioWatchdog

from ._servers import raw_server, response
from .test_read_path import FAST, GET, network_stream, on_trio, tls_contexts

pytestmark = pytest.mark.anyio


async def answer(stream: SocketStream, request: bytes) -> None:
    await stream.send(response(b"hello"))


async def test_a_connections_responses_share_one_watchdog_on_its_socket() -> None:
    async with raw_server(answer) as srv:
        transport = AsyncTransport(srv.url)
        watchdogs = []
        for _ in range(2):
            async with await transport.send(GET, timeout=FAST) as reply:
                assert await reply.aread() == b"hello"
                stream = network_stream(reply)
                watchdogs.append(reply._watchdog)
                # What httpcore asks a stream about goes through to the connection's.
                assert stream.get_extra_info("server_addr") == ("127.0.0.1", srv.port)
        assert transport.num_connections == 1
        # One watchdog (one timer, or one sweeper entry) per connection, not per response.
        assert watchdogs[0] is watchdogs[1]
        watchdog = watchdogs[0]
        assert type(watchdog) is (_TrioWatchdog if on_trio() else _Watchdog)
        # It shuts down the connection's own socket when a read is overdue.
        sock = stream._stream.get_extra_info("socket")
        assert watchdog._socket.fileno() == sock.fileno() != -1
        await transport.aclose()


TunnelHandler = Callable[[TLSStream, SocketStream], Awaitable[None]]


@asynccontextmanager
async def tunnel(handler: TunnelHandler) -> AsyncIterator[_Stream]:
    """A TLS server on 127.0.0.1 speaking TLS inside TLS (an https:// API through an
    https:// proxy, the proxy's CONNECT left out), `handler(inner, raw)` per connection,
    and our network stream to it, TLS inside TLS: no fast reader can read under the
    inner TLS, so the stream's own receive and send do."""
    server_context, trusting = tls_contexts()

    async def serve(client: SocketStream) -> None:
        async with client:
            outer = await TLSStream.wrap(
                client, server_side=True, ssl_context=server_context, standard_compatible=False
            )
            inner = await TLSStream.wrap(
                outer, server_side=True, ssl_context=server_context, standard_compatible=False
            )
            await handler(inner, client)

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, serve)
        exchange = _Exchange()
        tcp = await _Backend(exchange).connect_tcp(host="127.0.0.1", port=port)
        proxy = await tcp.start_tls(trusting, "127.0.0.1", 2.0)
        api = await proxy.start_tls(trusting, "127.0.0.1", 2.0)
        assert type(api) is _Stream and api._reader is None
        with anyio.CancelScope() as exchange.scope:
            yield api
        await api.aclose()
        tg.cancel_scope.cancel()


REQUEST = b"GET / HTTP/1.1\r\nhost: x\r\n\r\n"


async def test_a_tls_connection_inside_a_tls_tunnel_reads_through_its_own_stream() -> None:
    requests: list[bytes] = []

    async def answer_big(inner: TLSStream, raw: SocketStream) -> None:
        request = b""
        while not request.endswith(b"\r\n\r\n"):
            request += await inner.receive()
        requests.append(request)
        await inner.send(b"x" * 70_000)  # more than one read's worth

    async with tunnel(answer_big) as api:
        await api.write(REQUEST, 2.0)
        got = b""
        while len(got) < 70_000:
            data = await api.read(65536, 2.0)
            assert 0 < len(data) <= 65536
            got += data
        assert got == b"x" * 70_000
        assert await api.read(65536, 2.0) == b""  # the server closed: the end
    assert requests == [REQUEST]


async def test_a_reset_inside_a_tls_tunnel_is_a_read_error_naming_it() -> None:
    got_part = anyio.Event()

    async def part_then_reset(inner: TLSStream, raw: SocketStream) -> None:
        await inner.receive()
        await inner.send(b"part")
        await got_part.wait()
        sock = raw.extra(anyio.abc.SocketAttribute.raw_socket)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        await raw.aclose()  # a reset, not an orderly close

    async with tunnel(part_then_reset) as api:
        await api.write(REQUEST, 2.0)
        assert await api.read(65536, 2.0) == b"part"
        got_part.set()
        with pytest.raises(httpcore.ReadError) as info:
            await api.read(65536, 2.0)
    assert isinstance(info.value.__cause__, (anyio.BrokenResourceError, trio_broken()))
    assert info.value.args == (info.value.__cause__,)  # the error carries what broke


def trio_broken() -> type[Exception]:
    trio = pytest.importorskip("trio")
    return cast("type[Exception]", trio.BrokenResourceError)


def test_the_asyncio_watchdog_fires_after_a_re_arm_and_on_a_closed_socket() -> None:
    # A read bounded later than the timer: the timer fires early, finds the read not
    # due, and re-arms for its bound, where the stalled read's socket is shut down. A
    # read overdue on a socket closed already is no error in the loop.
    async def main() -> list[dict[str, object]]:
        loop = asyncio.get_running_loop()
        errors: list[dict[str, object]] = []
        loop.set_exception_handler(lambda _, context: errors.append(context))
        one, other = socket.socketpair()
        gone, gone_peer = socket.socketpair()
        with one, other, gone, gone_peer:
            watchdog = _Watchdog(loop, one)
            watchdog.watch(loop.time() + 0.02)
            watchdog.watch(loop.time() + 0.5)  # the next read, bounded later
            await asyncio.sleep(0.1)
            assert not watchdog.fired  # the first check came early and re-armed
            await asyncio.sleep(0.6)
            assert watchdog.fired
            assert other.recv(1) == b""  # shut down: the read ends at once
            watchdog.close()
            late = _Watchdog(loop, gone)
            gone.close()
            late.watch(loop.time() + 0.02)
            await asyncio.sleep(0.05)
            assert late.fired
            late.close()
        return errors

    assert asyncio.run(main()) == []
