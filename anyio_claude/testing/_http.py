"""HTTP/1.1 for FakeClaude: h11 over an anyio byte stream, and nothing about the API.

`serve_connection` reads requests one after another, hands each to a handler and writes
back the `Response` it returns: a whole body, or chunks each sent after its delay (with
chunked transfer encoding). A response can also end badly on purpose, to imitate a
network fault: `ending="reset"` resets the connection after the body, `"stall"` keeps it
open and silent until the server stops.
"""

from __future__ import annotations

import logging
import socket
import struct
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
import anyio.abc
import h11

from ..types import encode_json

__all__ = ("Ending", "Response", "error_body", "serve_connection")

logger = logging.getLogger("anyio_claude.testing")


Ending = Literal["complete", "reset", "stall"]


@dataclass(frozen=True)
class Response:
    """An answer to send: status, headers and a body (bytes, or `(delay, chunk)` pairs)."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | Iterable[tuple[float, bytes]] = b""
    ending: Ending = "complete"


_DRAIN_BYTES = 64 * 1024 * 1024
_DRAIN_SECONDS = 10.0
_DRAIN_IDLE_SECONDS = 1.0

Handler = Callable[[h11.Request, "bytes | None"], Awaitable[Response]]
"""Answers a request; its body is None when it was over the size limit (and not read)."""


async def serve_connection(
    stream: anyio.abc.ByteStream,
    handler: Handler,
    *,
    max_header_size: int,
    max_body_size: int,
) -> None:
    """Serve one client connection until it closes; never raises for the client's doing."""
    conn = h11.Connection(h11.SERVER, max_incomplete_event_size=max_header_size)
    try:
        async with stream:
            try:
                await _serve_requests(conn, stream, handler, max_header_size, max_body_size)
            except h11.RemoteProtocolError as exc:
                await _protocol_error(conn, stream, exc)
    except (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream):
        pass
    except OSError:
        pass
    except Exception:
        logger.exception("FakeClaude: error while serving a connection")


async def _serve_requests(
    conn: h11.Connection,
    stream: anyio.abc.ByteStream,
    handler: Handler,
    max_header_size: int,
    max_body_size: int,
) -> None:
    while True:
        request = await _read_request(conn, stream, max_header_size, max_body_size)
        if request is None:
            return
        response = await handler(*request)
        if not await _send_response(conn, stream, response):
            return
        if request[1] is None:
            # Closing with the rest of the body unread would make the kernel send a reset,
            # and a client still writing would see that instead of the 413.
            await _drain(conn, stream, max(2 * max_body_size, _DRAIN_BYTES))
            return
        if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
            return
        conn.start_next_cycle()


async def _read_request(
    conn: h11.Connection, stream: anyio.abc.ByteStream, max_header_size: int, max_body_size: int
) -> tuple[h11.Request, bytes | None] | None:
    request: h11.Request | None = None
    body = bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            try:
                data = await stream.receive(65536)
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                data = b""
            conn.receive_data(data)
            continue
        if isinstance(event, h11.Request):
            request = event
            if sum(len(k) + len(v) + 4 for k, v in event.headers) > max_header_size:
                # h11 caps only a head that arrives in pieces; one big read gets here.
                raise h11.RemoteProtocolError("headers too large", error_status_hint=431)
            for name, value in event.headers:
                if name == b"content-length" and int(value) > max_body_size:
                    return request, None
        elif isinstance(event, h11.Data):
            assert request is not None
            if len(body) + len(event.data) > max_body_size:
                return request, None
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            assert request is not None
            return request, bytes(body)
        elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
            return None


async def _drain(conn: h11.Connection, stream: anyio.abc.ByteStream, limit: int) -> None:
    """Read and drop the rest of a request body, within bounds (bytes, idle and total time)."""
    drained = 0
    with anyio.move_on_after(_DRAIN_SECONDS):
        while drained <= limit:
            try:
                event = conn.next_event()
            except h11.RemoteProtocolError:
                return
            if event is not h11.NEED_DATA:
                if isinstance(event, h11.Data):
                    continue
                return
            with anyio.move_on_after(_DRAIN_IDLE_SECONDS) as idle:
                try:
                    data = await stream.receive(65536)
                except (anyio.EndOfStream, anyio.BrokenResourceError):
                    data = b""
            if idle.cancelled_caught:
                return
            conn.receive_data(data)
            drained += len(data)


async def _send_response(
    conn: h11.Connection, stream: anyio.abc.ByteStream, response: Response
) -> bool:
    """Send `response`; False when the connection must not be used again."""
    head = h11.Response(status_code=response.status, headers=response.headers)
    if isinstance(response.body, bytes):
        await _send(conn, stream, head, h11.Data(data=response.body))
    else:
        await _send(conn, stream, head)
        chunks = iter(response.body)
        try:
            for delay, chunk in chunks:
                if delay > 0:
                    await anyio.sleep(delay)
                await _send(conn, stream, h11.Data(data=chunk))
        finally:
            # A generator body's cleanup (a thread's continue no longer in flight) runs
            # when sending stops, not when the generator is collected: a failed send's
            # traceback can keep it alive for good (it did on Python 3.13).
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
    if response.ending == "stall":
        await anyio.sleep_forever()
    if response.ending == "reset":
        _reset(stream)
        return False
    await _send(conn, stream, h11.EndOfMessage())
    return True


async def _send(conn: h11.Connection, stream: anyio.abc.ByteStream, *events: Any) -> None:
    data = b"".join(conn.send(e) or b"" for e in events)
    if data:
        await stream.send(data)


async def _protocol_error(
    conn: h11.Connection, stream: anyio.abc.ByteStream, exc: h11.RemoteProtocolError
) -> None:
    if conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
        return
    status = exc.error_status_hint
    message = "request header fields too large" if status == 431 else f"bad request: {exc}"
    body = error_body("invalid_request_error", message)
    with anyio.move_on_after(1), _suppress_io():
        await stream.send(
            b"HTTP/1.1 %d Error\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n" % (status, len(body)) + body
        )
        await stream.aclose()


def error_body(
    error_type: str, message: str, request_id: str = "", details: Mapping[str, Any] | None = None
) -> bytes:
    """The API's error body: `{"type": "error", "error": {...}, "request_id": ...}`."""
    error: dict[str, Any] = {"type": error_type, "message": message}
    if details is not None:
        error["details"] = dict(details)
    return encode_json(
        {
            "type": "error",
            "error": error,
            "request_id": request_id or None,
        }
    )


def _reset(stream: anyio.abc.ByteStream) -> None:
    """Make the coming close an RST rather than a FIN (SO_LINGER with a zero timeout)."""
    raw = stream.extra(anyio.abc.SocketAttribute.raw_socket, None)
    if raw is not None:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@contextmanager
def _suppress_io() -> Iterator[None]:
    try:
        yield
    except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
        pass
