"""A transport response's body read without any read timeout or deadline, arriving in
pieces after the head, and read again past its end (found unpinned by mutation testing
of `_transport/_reply.py`, docs/contributing.md)."""

from __future__ import annotations

import anyio
import pytest
from anyio.abc import SocketStream

from anyio_claude import APIConnectionError
from anyio_claude._http import Request, Timeout
from anyio_claude._transport import AsyncTransport

from ._servers import Handler, raw_server

pytestmark = pytest.mark.anyio

GET = Request("GET", b"/", [], b"")
NO_READ_TIMEOUT = Timeout(connect=2, read=None, write=2, pool=2)
PIECES = [b"first ", b"second ", b"third"]
BODY = b"".join(PIECES)


def in_pieces(*, chunked: bool) -> Handler:
    """The head first, then each piece of the body after a pause: each its own read."""

    async def handler(stream: SocketStream, request: bytes) -> None:
        framing = "transfer-encoding: chunked" if chunked else f"content-length: {len(BODY)}"
        await stream.send(f"HTTP/1.1 200 OK\r\n{framing}\r\n\r\n".encode())
        for piece in PIECES:
            await anyio.sleep(0.03)
            await stream.send(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        if chunked:
            await anyio.sleep(0.03)
            await stream.send(b"0\r\n\r\n")

    return handler


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
async def test_a_body_in_pieces_without_a_read_timeout_and_past_its_end(chunked: bool) -> None:
    async with raw_server(in_pieces(chunked=chunked)) as srv:
        transport = AsyncTransport(srv.url)
        for _ in range(2):  # the connection is reused after a body read to its end
            async with await transport.send(GET, timeout=NO_READ_TIMEOUT) as reply:
                assert reply.is_closed is False
                chunks = []
                while (chunk := await reply.next_chunk()) is not None:
                    chunks.append(chunk)
                assert b"".join(chunks) == BODY
                # Past the end: None again, at once.
                with anyio.fail_after(1):
                    assert await reply.next_chunk() is None
                    assert await reply.next_chunk() is None
                    assert await reply.aread() == b""
        assert srv.connections == 1
        await transport.aclose()


async def test_a_chunked_body_cut_short_names_the_incomplete_chunked_read() -> None:
    async def cut(stream: SocketStream, request: bytes) -> None:
        await stream.send(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        await anyio.sleep(0.05)
        await stream.send(b"5\r\nfirst\r\n")
        await anyio.sleep(0.05)
        await stream.aclose()

    async with raw_server(cut) as srv:
        transport = AsyncTransport(srv.url)
        async with await transport.send(GET, timeout=NO_READ_TIMEOUT) as reply:
            assert await reply.next_chunk() == b"first"
            with pytest.raises(APIConnectionError) as info:
                await reply.next_chunk()
        assert "peer closed connection without sending complete message body " in str(info.value)
        assert "(incomplete chunked read)" in str(info.value)
        await transport.aclose()


async def test_a_chunk_header_split_across_reads_and_one_past_the_line_limit() -> None:
    async def split(stream: SocketStream, request: bytes) -> None:
        await stream.send(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        await anyio.sleep(0.05)
        await stream.send(b"a")  # a chunk header cut in two
        await anyio.sleep(0.05)
        await stream.send(b"\r\n0123456789\r\n0\r\n\r\n")

    async def endless(stream: SocketStream, request: bytes) -> None:
        await stream.send(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        await anyio.sleep(0.05)
        await stream.send(b"1" * 200_000)  # past httpcore's 100 KiB event limit
        await anyio.sleep(5)

    async with raw_server(split) as srv:
        transport = AsyncTransport(srv.url)
        async with await transport.send(GET, timeout=NO_READ_TIMEOUT) as reply:
            assert await reply.aread() == b"0123456789"
        await transport.aclose()
    async with raw_server(endless) as srv:
        transport = AsyncTransport(srv.url)
        async with await transport.send(GET, timeout=NO_READ_TIMEOUT) as reply:
            with pytest.raises(APIConnectionError, match="chunk header too long"):
                await reply.aread()
        await transport.aclose()
