"""Tiny raw HTTP/1.1 servers on 127.0.0.1 for tests that need exact (or broken) wire data."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio
from anyio.abc import SocketStream

Handler = Callable[[SocketStream, bytes], Awaitable[None]]


async def read_request(stream: SocketStream, buffer: bytearray) -> bytes | None:
    """Read one request (head + content-length body) from `stream`; None at EOF."""
    while b"\r\n\r\n" not in buffer:
        try:
            chunk = await stream.receive()
        except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
            return None
        buffer.extend(chunk)
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        try:
            rest += await stream.receive()
        except (anyio.EndOfStream, anyio.BrokenResourceError):
            return None
    buffer[:] = rest[length:]
    return head + b"\r\n\r\n" + rest[:length]


class RawServer:
    """Serves each connection with `handler(stream, request_bytes)`, request after request.

    `connections` counts accepted connections, `closed` those that ended.
    """

    def __init__(self, handler: Handler, *, keep_alive: bool = True) -> None:
        self.handler = handler
        self.keep_alive = keep_alive
        self.connections = 0
        self.closed = 0
        self.requests: list[bytes] = []
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self, stream: SocketStream) -> None:
        self.connections += 1
        buffer = bytearray()
        try:
            async with stream:
                while True:
                    request = await read_request(stream, buffer)
                    if request is None:
                        return
                    self.requests.append(request)
                    await self.handler(stream, request)
                    if not self.keep_alive:
                        return
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            pass
        finally:
            self.closed += 1


@asynccontextmanager
async def raw_server(handler: Handler, *, keep_alive: bool = True) -> AsyncIterator[RawServer]:
    server = RawServer(handler, keep_alive=keep_alive)
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    server.port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, server._serve)
        try:
            yield server
        finally:
            tg.cancel_scope.cancel()


def response(body: bytes, *, status: int = 200, headers: dict[str, str] | None = None) -> bytes:
    """A complete HTTP/1.1 response with a content-length body."""
    lines = [f"HTTP/1.1 {status} X", f"content-length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def fixed(body: bytes, **kwargs: object) -> Handler:
    """A handler answering every request with the same response."""
    data = response(body, **kwargs)  # type: ignore[arg-type]

    async def handler(stream: SocketStream, request: bytes) -> None:
        await stream.send(data)

    return handler


async def settled(check: Callable[[], bool], seconds: float = 1.0) -> bool:
    """Whether `check()` holds within `seconds`, polled every 10 ms (a server notices a
    connection the client closed a few loop iterations later)."""
    for _ in range(round(seconds * 100)):
        if check():
            return True
        await anyio.sleep(0.01)
    return check()
