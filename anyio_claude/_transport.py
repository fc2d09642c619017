"""The only module that does network I/O: httpcore connections in a small pool of our own.

httpcore speaks HTTP/1.1 on each connection; this module decides which connection a
request gets. `httpcore.AsyncConnectionPool` is not used: it walks every request and every
connection on each request start and finish (quadratic in concurrency, see
shared/FINDINGS.md). Here a request takes O(1): a slot from a FIFO-fair counter, the most
recently used idle connection (or a new one), and back.

Foreign exceptions (httpcore's, anyio's, ssl's, OSError) are mapped to ours in one place,
`_mapped`, always with the original chained as `__cause__`.

httpcore is imported on first use: it imports trio eagerly when trio is installed, which
would add ~130 ms to `import anyio_claude`.
"""

from __future__ import annotations

import ssl
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import suppress
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio

from ._errors import APIConnectionError, APITimeoutError
from ._http import Headers, Request, Timeout

if TYPE_CHECKING:
    import httpcore

    from ._proxy import Proxy

__all__ = ("AsyncTransport", "Response")

_httpcore: ModuleType | None = None


def _core() -> ModuleType:
    global _httpcore
    if _httpcore is None:
        import httpcore

        _httpcore = httpcore
    return _httpcore


_TIMEOUT_KINDS = {
    "ConnectTimeout": "connect",
    "ReadTimeout": "read",
    "WriteTimeout": "write",
    "PoolTimeout": "pool",
}


class _mapped:
    """Turn any transport failure into `APIConnectionError`/`APITimeoutError`.

    A class rather than a @contextmanager: it wraps every body chunk, and a generator
    based manager costs several times more per use.
    """

    __slots__ = ("_action", "_origin", "_request", "_where")

    def __init__(self, action: str, where: str, request: Request, origin: str) -> None:
        self._action = action
        self._where = where
        self._request = request
        self._origin = origin

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if exc is None or not isinstance(exc, Exception) or isinstance(exc, APIConnectionError):
            return
        from ._response import HTTPRequest

        core = _core()
        where = self._where
        request = HTTPRequest.redacted(self._request, self._origin)
        if isinstance(exc, core.TimeoutException | TimeoutError):
            kind = _TIMEOUT_KINDS.get(type(exc).__name__, self._action)
            raise APITimeoutError(f"{kind} timeout talking to {where}", request=request) from exc
        if isinstance(
            exc,
            core.NetworkError
            | core.ProtocolError
            | core.UnsupportedProtocol
            | core.ProxyError
            | anyio.BrokenResourceError
            | anyio.ClosedResourceError
            | anyio.EndOfStream
            | OSError,
        ):
            raise APIConnectionError(
                f"{self._action} failed ({where}): {_detail(exc)}", request=request
            ) from exc


def _detail(exc: BaseException) -> str:
    # trio wraps TLS and socket errors in exceptions with empty messages; the useful
    # text (say, CERTIFICATE_VERIFY_FAILED) is further down the cause chain.
    link: BaseException | None = exc
    for _ in range(8):
        if link is None:
            break
        if str(link):
            return str(link) if link is exc else f"{type(exc).__name__}: {link}"
        link = link.__cause__ or link.__context__
    return type(exc).__name__


class _Waiter:
    __slots__ = ("event", "granted")

    def __init__(self) -> None:
        self.event = anyio.Event()
        self.granted = False


class AsyncTransport:
    """A pool of keep-alive HTTP/1.1 connections to one origin (the base URL's).

    At most `max_connections` are open at once (None: no limit); requests beyond that
    wait in FIFO order, for at most `Timeout.pool`. Idle connections are reused most
    recent first and dropped after `keepalive_expiry` seconds or once the server closed
    them. TLS certificates are verified against certifi's store unless `verify=False`
    or another `ssl_context` is given. With a `proxy`, every connection goes through it
    (a CONNECT tunnel for https origins).
    """

    def __init__(
        self,
        base_url: str,
        *,
        max_connections: int | None = 1000,
        keepalive_expiry: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
        verify: bool = True,
        proxy: Proxy | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self._scheme = parts.scheme.encode()
        self._host = parts.hostname.encode("idna")
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        default_port = self._port == (443 if parts.scheme == "https" else 80)
        netloc = self._host if default_port else self._host + b":%d" % self._port
        self._host_header = (b"host", netloc)
        self._where = f"{parts.hostname}:{self._port}"
        if proxy is not None:
            self._where += f" via proxy {proxy.shown}"
        self._proxy = proxy
        self.origin = f"{parts.scheme}://{netloc.decode('ascii')}"
        self._limit = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._ssl_context = ssl_context
        self._verify = verify
        self._idle: list[httpcore.AsyncHTTPConnection] = []
        self._in_use = 0
        self._open = 0
        self._waiters: deque[_Waiter] = deque()
        self._closed = False

    # ----------------------------------------------------------------- introspection

    @property
    def is_closed(self) -> bool:
        """Whether `aclose()` was called."""
        return self._closed

    @property
    def num_connections(self) -> int:
        """Open connections, idle or in use."""
        return self._open

    @property
    def num_idle(self) -> int:
        """Open connections waiting in the pool for a request."""
        return len(self._idle)

    @property
    def num_active(self) -> int:
        """Requests holding a pool slot (sending, or with a response not yet closed)."""
        return self._in_use

    # ------------------------------------------------------------------------- slots

    async def _acquire(self, timeout: float | None) -> None:
        if self._limit is None or (self._in_use < self._limit and not self._waiters):
            self._in_use += 1
            return
        waiter = _Waiter()
        self._waiters.append(waiter)
        try:
            with anyio.fail_after(timeout):
                await waiter.event.wait()
        except BaseException as exc:
            if waiter.granted:
                self._release_slot()
            else:
                self._waiters.remove(waiter)
            if isinstance(exc, TimeoutError):
                raise APITimeoutError(
                    f"pool timeout: all {self._limit} connections to {self._where} stayed "
                    f"busy for {timeout:g}s (raise max_connections or Timeout.pool)"
                ) from exc
            raise

    def _release_slot(self) -> None:
        if self._waiters:
            # The slot passes straight to the longest waiter, so _in_use is unchanged.
            waiter = self._waiters.popleft()
            waiter.granted = True
            waiter.event.set()
        else:
            self._in_use -= 1

    # ------------------------------------------------------------------- connections

    def _ssl(self) -> ssl.SSLContext | None:
        return self._tls() if self._scheme == b"https" else None

    def _tls(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            if self._verify:
                import certifi

                self._ssl_context = ssl.create_default_context(cafile=certifi.where())
            else:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                self._ssl_context = context
        return self._ssl_context

    async def _take_connection(self) -> httpcore.AsyncHTTPConnection:
        idle = self._idle
        while idle:
            connection = idle.pop()
            if connection.is_idle() and not connection.has_expired():
                return connection
            await self._discard(connection)
        core = _core()
        self._open += 1
        origin = core.Origin(self._scheme, self._host, self._port)
        if self._proxy is not None:
            return self._proxy.connection(  # type: ignore[no-any-return]
                core,
                origin,
                ssl_context=self._ssl(),
                proxy_ssl_context=self._proxy_ssl(),
                keepalive_expiry=self._keepalive_expiry,
            )
        return core.AsyncHTTPConnection(  # type: ignore[no-any-return]
            origin, ssl_context=self._ssl(), keepalive_expiry=self._keepalive_expiry
        )

    def _proxy_ssl(self) -> ssl.SSLContext | None:
        # An https:// proxy is verified like the API (same trust settings).
        if self._proxy is None or self._proxy.scheme != b"https":
            return None
        return self._tls()

    async def _discard(self, connection: httpcore.AsyncHTTPConnection) -> None:
        self._open -= 1
        with anyio.CancelScope(shield=True), anyio.move_on_after(1.0):
            try:
                await connection.aclose()
            except Exception:
                pass

    async def _release(self, connection: httpcore.AsyncHTTPConnection, reusable: bool) -> None:
        try:
            if reusable and not self._closed and connection.is_idle():
                self._idle.append(connection)
                oldest = self._idle[0]
                if len(self._idle) > 1 and oldest.has_expired():
                    self._idle.pop(0)
                    await self._discard(oldest)
            else:
                await self._discard(connection)
        finally:
            self._release_slot()

    # ----------------------------------------------------------------------- requests

    async def send(self, request: Request, *, timeout: Timeout) -> Response:
        """Send `request` and return once the response head has arrived, body unread.

        The caller must close the response (`async with response:` or `aclose()`): its
        connection goes back to the pool only if the body was read to the end.
        Raises `APIConnectionError` if the transport is closed or the exchange fails,
        `APITimeoutError` for connect/write/read/pool timeouts. Cancellation closes the
        connection in use (shielded) and frees its slot before propagating.
        """
        if self._closed:
            raise APIConnectionError("the client was closed; create a new one")
        core = _core()
        started = time.monotonic()
        await self._acquire(timeout.pool)
        try:
            connection = await self._take_connection()
        except BaseException:
            self._release_slot()
            raise
        headers = [self._host_header, *request.headers]
        if request.content or request.method in ("POST", "PUT", "PATCH"):
            headers.append((b"content-length", b"%d" % len(request.content)))
        core_request = core.Request(
            request.method.encode(),
            core.URL(scheme=self._scheme, host=self._host, port=self._port, target=request.target),
            headers=headers,
            content=request.content,
            extensions={
                "timeout": {
                    "connect": timeout.connect,
                    "read": timeout.read,
                    "write": timeout.write,
                    "pool": timeout.pool,
                }
            },
        )
        try:
            with _mapped("request", self._where, request, self.origin):
                core_response = await connection.handle_async_request(core_request)
        except BaseException:
            await self._release(connection, reusable=False)
            raise
        return Response(self, connection, core_response, request, started)

    async def aclose(self) -> None:
        """Close every idle connection; connections in use close when released.

        Idempotent; later `send` calls raise `APIConnectionError`.
        """
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            await self._discard(connection)


class Response:
    """A response whose head has arrived; read the body with `aread` or `aiter_bytes`.

    Close it (`async with`, or `aclose()`) to release the connection: back to the pool
    if the body was read to the end, closed otherwise. Reading raises
    `APIConnectionError`/`APITimeoutError` on failures; cancelling a read leaves the
    response to be closed, which then closes the connection.
    """

    __slots__ = (
        "_body",
        "_complete",
        "_connection",
        "_core",
        "_transport",
        "headers",
        "http_version",
        "is_closed",
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
    ) -> None:
        self._transport = transport
        self.request = request
        self.started = started
        self._connection = connection
        self._core = core_response
        self._complete = False
        self._body: Any = None
        self.is_closed = False
        self.status: int = core_response.status
        self.headers = Headers(core_response.headers)
        version: Any = core_response.extensions.get("http_version", b"HTTP/1.1")
        self.http_version = version.decode() if isinstance(version, bytes) else str(version)

    def aiter_bytes(self) -> _Body:
        """The body, chunk by chunk as it arrives (each read bounded by the read timeout)."""
        return _Body(self)

    @property
    def origin(self) -> str:
        """The scheme, host and port requested, as `https://host[:port]`."""
        return self._transport.origin

    async def aread(self) -> bytes:
        """The rest of the body."""
        return b"".join([chunk async for chunk in self.aiter_bytes()])

    async def aclose(self) -> None:
        """Release the connection. Idempotent; shielded from cancellation."""
        if self.is_closed:
            return
        self.is_closed = True
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
        with anyio.CancelScope(shield=True):
            try:
                with anyio.move_on_after(1.0):
                    await self._abandon_body()
                    await self._core.aclose()
            except Exception:
                pass
            await self._transport._release(self._connection, reusable=False)

    async def _abandon_body(self) -> None:
        # httpcore's body is a chain of async generators; closing only the outer one
        # leaves the inner ones for the garbage collector to finalise later, outside any
        # task (trio reports that as an unraisable error). Closing the socket first makes
        # the next read fail at once, so driving the chain to its end costs one step and
        # finishes every generator here, in this task.
        await self._connection.aclose()
        if self._body is None:
            return
        with suppress(Exception):
            while True:
                await self._body.__anext__()

    async def __aenter__(self) -> Response:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class _Body:
    """An async iterator over a response body (a class, not an async generator, so that
    abandoning it half-read leaves nothing for the event loop to finalise later).
    """

    __slots__ = ("_response", "_stream")

    def __init__(self, response: Response) -> None:
        self._response = response
        self._stream: AsyncIterator[bytes] = response._core.stream.__aiter__()  # type: ignore[union-attr]
        response._body = self._stream

    def __aiter__(self) -> _Body:
        return self

    async def __anext__(self) -> bytes:
        response = self._response
        while True:
            with _mapped(
                "reading the response",
                response._transport._where,
                response.request,
                response._transport.origin,
            ):
                try:
                    chunk = await self._stream.__anext__()
                except StopAsyncIteration:
                    response._complete = True
                    raise
            if chunk:
                return chunk
