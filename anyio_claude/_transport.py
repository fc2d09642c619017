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

import asyncio
import ssl
import sys
import threading
import time
import traceback
import warnings
from collections import deque
from collections.abc import AsyncIterator
from contextlib import suppress
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio

from ._errors import APIConnectionError, APITimeoutError, ClaudeError
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


def final(error: APIConnectionError) -> APIConnectionError:
    """Mark `error` as one another attempt cannot mend, so it is not retried."""
    error._final = True  # type: ignore[attr-defined]
    return error


def _scrub(exc: BaseException | None) -> None:
    # Frames that finished executing may hold the request's bytes (credential headers
    # included) in locals, which tracebacks formatted with capture_locals would show.
    seen = 0
    while exc is not None and seen < 8:
        traceback.clear_frames(exc.__traceback__)
        exc = exc.__cause__ or exc.__context__
        seen += 1


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
        _scrub(exc)
        request = HTTPRequest.redacted(self._request, self._origin)
        if isinstance(exc, core.LocalProtocolError | core.UnsupportedProtocol):
            raise final(
                APIConnectionError(
                    f"{self._action} could not be sent ({where}): {_detail(exc)}",
                    request=request,
                )
            ) from exc
        if isinstance(exc, core.TimeoutException | TimeoutError):
            kind = _TIMEOUT_KINDS.get(type(exc).__name__, self._action)
            detail = f": {exc}" if str(exc) else ""
            raise APITimeoutError(
                f"{kind} timeout talking to {where}{detail}", request=request
            ) from exc
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


class _Head:
    """The wait for one response head on a connection. httpcore bounds each read by the
    read timeout, but not the head as a whole, which a server can trickle in byte by
    byte: while `limit` is set, reads share a deadline that starts with the first read
    (httpcore reads only once the request is sent)."""

    __slots__ = ("deadline", "limit")

    def __init__(self) -> None:
        self.limit: float | None = None
        self.deadline: float | None = None

    def timeout(self, per_read: float | None) -> float | None:
        assert self.limit is not None
        now = anyio.current_time()
        if self.deadline is None:
            self.deadline = now + self.limit
        left = max(self.deadline - now, 0.0)
        return left if per_read is None or left < per_read else per_read


class _Stream:
    """httpcore's network stream for one connection, with two additions: reads honour
    the connection's `_Head`, and a TLS handshake that is cancelled closes the socket
    (httpcore closes it when the handshake fails with an `Exception` only)."""

    __slots__ = ("_head", "_stream")

    def __init__(self, stream: Any, head: _Head) -> None:
        self._stream = stream
        self._head = head

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        head = self._head
        if head.limit is None:
            data: bytes = await self._stream.read(max_bytes, timeout)
            return data
        try:
            data = await self._stream.read(max_bytes, head.timeout(timeout))
        except _core().ReadTimeout as exc:
            if head.deadline is not None and anyio.current_time() >= head.deadline:
                raise _core().ReadTimeout(
                    f"the response head took longer than {head.limit:g}s"
                ) from exc
            raise
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> _Stream:
        try:
            tls = await self._stream.start_tls(ssl_context, server_hostname, timeout)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self._stream.aclose()
            raise
        return _Stream(tls, self._head)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _Backend:
    """httpcore's automatic network backend, giving each connection's streams one `_Head`."""

    __slots__ = ("_backend", "_head")

    def __init__(self, head: _Head) -> None:
        from httpcore._backends.auto import AutoBackend

        self._backend = AutoBackend()
        self._head = head

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> _Stream:
        return _Stream(await self._backend.connect_tcp(*args, **kwargs), self._head)

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> _Stream:
        return _Stream(await self._backend.connect_unix_socket(*args, **kwargs), self._head)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def _event_loop() -> object:
    """The running event loop (asyncio) or run (trio), to tell one from another."""
    loop = asyncio._get_running_loop()
    if loop is not None:
        return loop
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            return trio.lowlevel.current_root_task()
        except RuntimeError:
            pass
    return None


def _loop_name(loop: object) -> str:
    return "an asyncio event loop" if isinstance(loop, asyncio.AbstractEventLoop) else "a trio run"


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
        self._loop: object = None
        self._thread: int | None = None
        # Responses dropped unclosed (see Response.__del__), and whether their slot is
        # still held: their connections are closed by the next send() or aclose().
        self._doomed: list[tuple[Response, bool]] = []
        self._heads: dict[httpcore.AsyncHTTPConnection, _Head] = {}

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
                raise final(
                    APITimeoutError(
                        f"pool timeout: all {self._limit} connections to {self._where} stayed "
                        f"busy for {timeout:g}s (raise max_connections or Timeout.pool)"
                    )
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
        head = _Head()
        origin = core.Origin(self._scheme, self._host, self._port)
        if self._proxy is not None:
            connection = self._proxy.connection(
                core,
                origin,
                ssl_context=self._ssl(),
                proxy_ssl_context=self._proxy_ssl(),
                keepalive_expiry=self._keepalive_expiry,
                network_backend=_Backend(head),
            )
        else:
            connection = core.AsyncHTTPConnection(
                origin,
                ssl_context=self._ssl(),
                keepalive_expiry=self._keepalive_expiry,
                network_backend=_Backend(head),
            )
        self._heads[connection] = head
        return connection  # type: ignore[no-any-return]

    def _proxy_ssl(self) -> ssl.SSLContext | None:
        # An https:// proxy is verified like the API (same trust settings).
        if self._proxy is None or self._proxy.scheme != b"https":
            return None
        return self._tls()

    async def _discard(self, connection: httpcore.AsyncHTTPConnection) -> None:
        self._open -= 1
        self._heads.pop(connection, None)
        with anyio.CancelScope(shield=True), anyio.move_on_after(1.0):
            try:
                await connection.aclose()
            except Exception:
                pass

    async def _release(
        self, connection: httpcore.AsyncHTTPConnection, reusable: bool, *, slot: bool = True
    ) -> None:
        if not slot:
            await self._discard(connection)
            return
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

    def _check_loop(self) -> None:
        loop = _event_loop()
        if loop is self._loop:
            return
        if self._loop is None:
            self._loop, self._thread = loop, threading.get_ident()
            return
        raise ClaudeError(
            f"this client is bound to {_loop_name(self._loop)}, the first it was used in, "
            f"and cannot be used from {_loop_name(loop)}: create one client per event loop "
            "(for example inside each anyio.run() / asyncio.run() call)"
        )

    def _abandoned(self, response: Response) -> None:
        """`response` was dropped unclosed: free its slot now if this is the event loop's
        thread (else on the next send), and close its connection on the next send/aclose.
        No I/O here: this runs in a finaliser."""
        freed = False
        if threading.get_ident() == self._thread:
            with suppress(Exception):
                self._release_slot()
                freed = True
        self._doomed.append((response, freed))

    async def _reap(self) -> None:
        doomed, self._doomed = self._doomed, []
        for response, freed in doomed:
            if not freed:
                self._release_slot()
            await response._close_connection(slot=False)

    async def send(
        self, request: Request, *, timeout: Timeout, head_timeout: float | None = None
    ) -> Response:
        """Send `request` and return once the response head has arrived, body unread.

        The caller must close the response (`async with response:` or `aclose()`): its
        connection goes back to the pool only if the body was read to the end.
        The head as a whole must arrive within `Timeout.read` (and `head_timeout`, if
        given) of the request being sent, each read of it too.
        Raises `APIConnectionError` if the transport is closed or the exchange fails,
        `APITimeoutError` for connect/write/read/pool timeouts, `ClaudeError` when used
        from another event loop than the first. Cancellation closes the connection in
        use (shielded) and frees its slot before propagating.
        """
        if self._closed:
            raise final(APIConnectionError("the client was closed; create a new one"))
        self._check_loop()
        if self._doomed:
            await self._reap()
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
        head = self._heads[connection]
        head.limit, head.deadline = timeout.read, None
        if head_timeout is not None and (head.limit is None or head_timeout < head.limit):
            head.limit = head_timeout
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
        finally:
            head.limit = None
        return Response(self, connection, core_response, request, started)

    async def aclose(self) -> None:
        """Close every idle connection; connections in use close when released.

        Idempotent; later `send` calls raise `APIConnectionError`.
        """
        self._closed = True
        if self._doomed:
            await self._reap()
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
        await self._close_connection(slot=True)

    async def _close_connection(self, *, slot: bool) -> None:
        with anyio.CancelScope(shield=True):
            try:
                with anyio.move_on_after(1.0):
                    await self._abandon_body()
                    await self._core.aclose()
            except Exception:
                pass
            await self._transport._release(self._connection, reusable=False, slot=slot)

    def __del__(self) -> None:
        if self.is_closed:
            return
        self.is_closed = True
        self._transport._abandoned(self)
        warnings.warn(
            "an anyio-claude response (a stream, or batch results) was garbage collected "
            "unclosed; its connection is discarded. Use `async with`, or call close().",
            ResourceWarning,
            source=self,
            stacklevel=1,
        )

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
