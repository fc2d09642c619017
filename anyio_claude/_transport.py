"""The only module that does network I/O: httpcore connections in a small pool of our own.

httpcore speaks HTTP/1.1 on each connection; this module decides which connection a
request gets. `httpcore.AsyncConnectionPool` is not used: it walks every request and every
connection on each request start and finish (quadratic in concurrency; `benchmarks/fanout.py`
measures ours against it). Here a request takes O(1): a slot from a FIFO-fair counter, the most
recently used idle connection (or a new one), and back.

Foreign exceptions (httpcore's, anyio's, ssl's, OSError) are mapped to ours in one place,
`_mapped`, always with the original chained as `__cause__`.

httpcore is imported on first use: it imports trio eagerly when trio is installed, which
would add ~130 ms to `import anyio_claude`.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import socket
import ssl
import sys
import threading
import time
import traceback
import warnings
from collections import deque
from contextlib import suppress
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio

from ._errors import APIConnectionError, APITimeoutError, ClaudeError
from ._http import DeadlineReached, Headers, Request, Timeout

if TYPE_CHECKING:
    import httpcore

    from ._proxy import Proxy

__all__ = ("AsyncTransport", "Response")

_httpcore: ModuleType | None = None
_h11: Any = None


def _core() -> ModuleType:
    global _httpcore, _h11
    if _httpcore is None:
        import h11
        import httpcore

        _httpcore, _h11 = httpcore, h11
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
    """Turn any transport failure into `APIConnectionError`/`APITimeoutError` (see `_map`)."""

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
        if exc is None:
            return
        mapped = _map(exc, self._action, self._where, self._request, self._origin)
        if mapped is not None:
            raise mapped from exc


def _map(
    exc: BaseException, action: str, where: str, request: Request, origin: str
) -> APIConnectionError | None:
    """Our exception for the transport failure `exc`, or None to let it propagate."""
    if not isinstance(exc, Exception) or isinstance(exc, APIConnectionError):
        return None
    from ._http import HTTPRequest

    core = _core()
    _scrub(exc)
    redacted = HTTPRequest.redacted(request, origin)
    if isinstance(exc, core.LocalProtocolError | core.UnsupportedProtocol):
        return final(
            APIConnectionError(
                f"{action} could not be sent ({where}): {_detail(exc)}", request=redacted
            )
        )
    if isinstance(exc, core.TimeoutException | TimeoutError):
        kind = _TIMEOUT_KINDS.get(type(exc).__name__, action)
        detail = f": {exc}" if str(exc) else ""
        return APITimeoutError(f"{kind} timeout talking to {where}{detail}", request=redacted)
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
        return APIConnectionError(f"{action} failed ({where}): {_detail(exc)}", request=redacted)
    return None


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


class _Exchange:
    """What one connection's network streams need to know about the request in flight.

    httpcore bounds each read and write with a fresh `fail_after` scope; here the
    exchange has one cancel scope (`scope`, entered by `AsyncTransport.send`) whose
    deadline each operation re-arms, which costs a fraction of a new scope. `op` names
    the operation in progress, for the timeout error. The response head as a whole must
    also arrive within `limit` of the first read (a server can trickle it in byte by
    byte, and the per-read timeout would never fire). `held` keeps the request head
    until its body is written, so both leave in one write.
    """

    __slots__ = ("head_deadline", "held", "hold", "limit", "op", "scope", "watchdog")

    def __init__(self) -> None:
        self.watchdog: _Watchdog | None = None
        self.scope: anyio.CancelScope | None = None
        self.op = "read"
        self.limit: float | None = None
        self.head_deadline: float | None = None
        self.hold = False
        self.held = b""

    def arm(self, op: str, timeout: float | None) -> None:
        scope = self.scope
        assert scope is not None, "network I/O outside AsyncTransport.send"
        now = anyio.current_time()
        deadline = math.inf if timeout is None else now + timeout
        if op == "read" and self.limit is not None:
            if self.head_deadline is None:
                self.head_deadline = now + self.limit
            if self.head_deadline <= deadline:
                deadline = self.head_deadline
                op = "head"
        self.op = op
        scope.deadline = deadline

    def timeout_error(self) -> Exception:
        core = _core()
        error: Exception
        if self.op == "head":
            error = core.ReadTimeout(f"the response head took longer than {self.limit:g}s")
        else:
            error = core.WriteTimeout() if self.op == "write" else core.ReadTimeout()
        return error


class _Watchdog:
    """Bounds the body reads of one connection under asyncio, without a cancel scope.

    A scope per read costs ~6 us (its timer is created and cancelled each time); here a
    read only records the time it must end by (`until`), and one timer per connection
    checks it, re-arming itself for the latest `until` when it fires early. So the timer
    moves only when a deadline comes closer (a short `stream_idle`), or once per read
    timeout. An overdue read is ended by shutting the socket down, which wakes it with
    end-of-file; `fired` tells the reader that this was a timeout. The connection is
    discarded afterwards, as after any timeout.
    """

    __slots__ = ("_at", "_handle", "_loop", "_socket", "fired", "until")

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
        self._loop = loop
        self._socket = sock
        self._handle: asyncio.TimerHandle | None = None
        self._at = math.inf
        self.until = math.inf
        self.fired = False

    def watch(self, until: float) -> None:
        """Bound the read about to start by `until` (a loop time)."""
        self.until = until
        if until < self._at:
            self._arm(until)

    def _arm(self, when: float) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._at = when
        self._handle = self._loop.call_at(when, self._check)

    def _check(self) -> None:
        self._handle, self._at = None, math.inf
        until = self.until
        if until == math.inf:
            return  # no read in progress; the next one arms the timer again
        if self._loop.time() < until:
            self._arm(until)
            return
        self.fired = True
        with suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class _Stream:
    """A connection's socket (or TLS stream), given to httpcore as its network stream.

    Reads and writes go straight to the anyio or trio stream under the exchange's
    re-armed cancel scope, skipping httpcore's per-operation scope and exception
    mapping (its errors are raised here instead). A TLS handshake that is cancelled
    closes the socket (httpcore closes it when the handshake fails with an `Exception`
    only).
    """

    __slots__ = ("_errors", "_exchange", "_recv", "_send", "_stream")

    def __init__(self, stream: Any, exchange: _Exchange) -> None:
        from httpcore._backends.anyio import AnyIOStream

        self._stream = stream
        self._exchange = exchange
        raw = stream._stream
        if isinstance(stream, AnyIOStream):
            self._recv = raw.receive
            self._send = raw.send
            errors: tuple[type[Exception], ...] = (
                anyio.BrokenResourceError,
                anyio.ClosedResourceError,
            )
        else:
            import trio

            self._recv = raw.receive_some
            self._send = raw.send_all
            errors = (trio.BrokenResourceError, trio.ClosedResourceError)
        self._errors = errors

    async def receive(self, max_bytes: int = 65536) -> bytes:
        """One read, unbounded in time (b"" once the peer closed): the caller bounds it."""
        try:
            data: bytes = await self._recv(max_bytes)
        except anyio.EndOfStream:
            return b""
        except self._errors as exc:
            raise _core().ReadError(exc) from exc
        return data

    def watchdog(self) -> _Watchdog | None:
        """The connection's `_Watchdog` under asyncio (None under trio)."""
        exchange = self._exchange
        if exchange.watchdog is None:
            loop = asyncio._get_running_loop()
            if loop is None:
                return None
            raw = self._stream._stream
            exchange.watchdog = _Watchdog(loop, raw.extra(anyio.abc.SocketAttribute.raw_socket))
        return exchange.watchdog

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        exchange = self._exchange
        if exchange.held:
            # What was held for a body that did not follow (a proxy's CONNECT) goes now.
            await self._write(b"", timeout)
        exchange.arm("read", timeout)
        return await self.receive(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        exchange = self._exchange
        if exchange.hold:
            exchange.hold, exchange.held = False, buffer
            return
        await self._write(buffer, timeout)

    async def _write(self, buffer: bytes, timeout: float | None) -> None:
        exchange = self._exchange
        if exchange.held:
            buffer, exchange.held = exchange.held + buffer, b""
        exchange.arm("write", timeout)
        try:
            await self._send(buffer)
        except self._errors as exc:
            raise _core().WriteError(exc) from exc

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
        return _Stream(tls, self._exchange)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _Backend:
    """httpcore's automatic network backend, giving each connection's streams one `_Exchange`."""

    __slots__ = ("_backend", "_exchange")

    def __init__(self, exchange: _Exchange) -> None:
        from httpcore._backends.auto import AutoBackend

        self._backend = AutoBackend()
        self._exchange = exchange

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> _Stream:
        return _Stream(await self._backend.connect_tcp(*args, **kwargs), self._exchange)

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> _Stream:
        return _Stream(await self._backend.connect_unix_socket(*args, **kwargs), self._exchange)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class _Content:
    """A request body for httpcore, sent in one piece. A class rather than bytes, which
    httpcore wraps in an async generator: one interrupted mid-write would be left for
    the garbage collector to finalise (trio reports that as an unraisable warning).
    """

    __slots__ = ("_content",)

    def __init__(self, content: bytes) -> None:
        self._content: bytes | None = content or None

    def __aiter__(self) -> _Content:
        return self

    async def __anext__(self) -> bytes:
        content = self._content
        if content is None:
            raise StopAsyncIteration
        self._content = None
        return content


def _trio() -> Any:
    return sys.modules["trio"]


def _http11(connection: Any) -> Any:
    """The HTTP/1.1 connection inside an httpcore connection (or proxy connection)."""
    from httpcore._async.http11 import AsyncHTTP11Connection

    while not isinstance(connection, AsyncHTTP11Connection):
        connection = connection._connection
    return connection


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


# Where Linux distributions keep their CA bundle, for an OpenSSL whose compiled-in paths
# point nowhere (as truststore and the official SDK's httpcore2 look).
_CA_FILE_CANDIDATES = (
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
)


def default_ssl_context(*, trust_env: bool = True) -> ssl.SSLContext:
    """The context `verify=True` checks servers with, chosen as the official SDK's HTTP
    stack (httpx2) chooses it, so a certificate trusted there is trusted here.

    With `trust_env`, `SSL_CERT_FILE` (else `SSL_CERT_DIR`) names the CA certificates,
    as corporate TLS-inspecting proxies need. Otherwise the system's store: Windows'
    certificate stores, or the CA bundle of the OpenSSL build or of the distribution;
    certifi's bundle only where the system has none.
    """
    if trust_env and (cafile := os.environ.get("SSL_CERT_FILE")):
        return ssl.create_default_context(cafile=cafile)
    if trust_env and (capath := os.environ.get("SSL_CERT_DIR")):
        return ssl.create_default_context(capath=capath)
    if sys.platform == "win32":  # pragma: no cover - the project's tests run on Linux
        return ssl.create_default_context()
    # Not `set_default_verify_paths()`: it reads SSL_CERT_* again, whatever `trust_env` says.
    paths = ssl.get_default_verify_paths()
    cafile = paths.openssl_cafile if os.path.isfile(paths.openssl_cafile) else None
    capath = paths.openssl_capath if os.path.isdir(paths.openssl_capath) else None
    if capath is not None and not any(
        re.fullmatch(r"[0-9a-fA-F]{8}\.\d+", name) for name in os.listdir(capath)
    ):
        capath = None  # a directory without hashed names is no CA directory for OpenSSL
    if cafile is None and capath is None:
        cafile = next(filter(os.path.isfile, _CA_FILE_CANDIDATES), None)
    if cafile is None and capath is None:
        import certifi

        cafile = certifi.where()
    return ssl.create_default_context(cafile=cafile, capath=capath)


class AsyncTransport:
    """A pool of keep-alive HTTP/1.1 connections to one origin (the base URL's).

    At most `max_connections` are open at once (None: no limit); requests beyond that
    wait in FIFO order, for at most `Timeout.pool`. Idle connections are reused most
    recent first and dropped after `keepalive_expiry` seconds or once the server closed
    them. TLS certificates are verified as `default_ssl_context(trust_env)` says unless
    `verify=False` or another `ssl_context` is given. With a `proxy`, every connection
    goes through it (a CONNECT tunnel for https origins).
    """

    def __init__(
        self,
        base_url: str,
        *,
        max_connections: int | None = 1000,
        keepalive_expiry: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
        verify: bool = True,
        trust_env: bool = True,
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
        self._trust_env = trust_env
        # Idle connections with the time each became idle, most recent last.
        self._idle: list[tuple[httpcore.AsyncHTTPConnection, float]] = []
        self._in_use = 0
        self._open = 0
        self._waiters: deque[_Waiter] = deque()
        self._closed = False
        self._loop: object = None
        self._thread: int | None = None
        # Responses dropped unclosed (see Response.__del__), and whether their slot is
        # still held: their connections are closed by the next send() or aclose().
        self._doomed: list[tuple[Response, bool]] = []
        self._exchanges: dict[httpcore.AsyncHTTPConnection, _Exchange] = {}

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
                self._ssl_context = default_ssl_context(trust_env=self._trust_env)
            else:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                self._ssl_context = context
        return self._ssl_context

    async def _take_connection(self) -> httpcore.AsyncHTTPConnection:
        idle = self._idle
        while idle:
            connection, _ = idle.pop()
            if connection.is_idle() and not connection.has_expired():
                return connection
            await self._discard(connection)
        core = _core()
        self._open += 1
        exchange = _Exchange()
        origin = core.Origin(self._scheme, self._host, self._port)
        if self._proxy is not None:
            connection = self._proxy.connection(
                core,
                origin,
                ssl_context=self._ssl(),
                proxy_ssl_context=self._proxy_ssl(),
                keepalive_expiry=self._keepalive_expiry,
                network_backend=_Backend(exchange),
            )
        else:
            connection = core.AsyncHTTPConnection(
                origin,
                ssl_context=self._ssl(),
                keepalive_expiry=self._keepalive_expiry,
                network_backend=_Backend(exchange),
            )
        self._exchanges[connection] = exchange
        return connection  # type: ignore[no-any-return]

    def _proxy_ssl(self) -> ssl.SSLContext | None:
        # An https:// proxy is verified like the API (same trust settings).
        if self._proxy is None or self._proxy.scheme != b"https":
            return None
        return self._tls()

    async def _discard(self, connection: httpcore.AsyncHTTPConnection) -> None:
        self._open -= 1
        exchange = self._exchanges.pop(connection, None)
        if exchange is not None and exchange.watchdog is not None:
            exchange.watchdog.close()
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
                # The oldest idle connection is dropped once its keep-alive ran out (by
                # the clock: asking httpcore would poll its socket on every release).
                now = time.monotonic()
                idle = self._idle
                idle.append((connection, now))
                if len(idle) > 1 and idle[0][1] + self._keepalive_expiry < now:
                    oldest, _ = idle.pop(0)
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
        exchange = self._exchanges[connection]
        exchange.limit, exchange.head_deadline = timeout.read, None
        if head_timeout is not None and (exchange.limit is None or head_timeout < exchange.limit):
            exchange.limit = head_timeout
        exchange.hold = bool(request.content)
        core_request = core.Request(
            request.method.encode(),
            core.URL(scheme=self._scheme, host=self._host, port=self._port, target=request.target),
            headers=headers,
            content=_Content(request.content),
            extensions={
                "timeout": {
                    "connect": timeout.connect,
                    "read": timeout.read,
                    "write": timeout.write,
                    "pool": timeout.pool,
                }
            },
        )
        exchange.scope = scope = anyio.CancelScope()
        try:
            with _mapped("request", self._where, request, self.origin):
                with scope:
                    core_response = await connection.handle_async_request(core_request)
                if scope.cancelled_caught:
                    raise exchange.timeout_error()
        except BaseException:
            await self._release(connection, reusable=False)
            raise
        finally:
            exchange.scope, exchange.limit, exchange.hold, exchange.held = None, None, False, b""
        return Response(self, connection, core_response, request, started, timeout.read)

    async def aclose(self) -> None:
        """Close every idle connection; connections in use close when released.

        Idempotent; later `send` calls raise `APIConnectionError`.
        """
        self._closed = True
        if self._doomed:
            await self._reap()
        idle, self._idle = self._idle, []
        for connection, _ in idle:
            await self._discard(connection)


class Response:
    """A response whose head has arrived; read the body with `next_chunk`, `aread` or
    `aiter_bytes`.

    Close it (`async with`, or `aclose()`) to release the connection: back to the pool
    if the body was read to the end, closed otherwise. Reading raises
    `APIConnectionError`/`APITimeoutError` on failures; cancelling a read leaves the
    response to be closed, which then closes the connection.
    """

    __slots__ = (
        "_complete",
        "_connection",
        "_core",
        "_h11",
        "_read_timeout",
        "_stream",
        "_transport",
        "_watchdog",
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
        read_timeout: float | None,
    ) -> None:
        self._transport = transport
        self.request = request
        self.started = started
        self._connection = connection
        self._core = core_response
        # The body is read through the connection's h11 state machine and socket
        # directly: httpcore's body iterator stacks two async generators, a context
        # manager and a new cancel scope on every read.
        http11 = _http11(connection)
        self._h11 = http11._h11_state
        self._stream: _Stream = http11._network_stream
        self._watchdog = self._stream.watchdog()
        self._read_timeout = read_timeout
        self._complete = False
        self.is_closed = False
        self.status: int = core_response.status
        self.headers = Headers(core_response.headers)
        version: Any = core_response.extensions.get("http_version", b"HTTP/1.1")
        self.http_version = version.decode() if isinstance(version, bytes) else str(version)

    async def next_chunk(self, deadline: float | None = None) -> bytes | None:
        """The next piece of the body as it arrives, or None at its end.

        Each read is bounded by the read timeout (`APITimeoutError`) and by `deadline`
        (an `anyio.current_time()` value) if given, which raises `DeadlineReached`.
        Failures raise `APIConnectionError`.
        """
        h11 = _h11  # loaded with httpcore, before any response exists
        state = self._h11
        try:
            while True:
                event = state.next_event()
                if event is h11.NEED_DATA:
                    state.receive_data(await self._read(deadline))
                elif type(event) is h11.Data:
                    if event.data:
                        return bytes(event.data)
                elif type(event) is h11.EndOfMessage or event is h11.PAUSED:
                    self._complete = True
                    return None
        except DeadlineReached:
            raise
        except Exception as exc:
            error = (
                _core().RemoteProtocolError(str(exc)) if isinstance(exc, h11.ProtocolError) else exc
            )
            failure = self._failure(error)
            if failure is None:
                raise
            raise failure from exc

    async def _read(self, deadline: float | None) -> bytes:
        timeout = self._read_timeout
        if timeout is None and deadline is None:
            return await self._stream.receive()
        limit = math.inf if timeout is None else anyio.current_time() + timeout
        ours = deadline is None or limit < deadline
        until = limit if deadline is None or ours else deadline
        watchdog = self._watchdog
        if watchdog is None:
            with _trio().CancelScope(deadline=until):
                return await self._stream.receive()
            # Only reached when the scope's deadline interrupted the read.
        else:
            watchdog.watch(until)
            try:
                data = await self._stream.receive()
            except Exception:
                if not watchdog.fired:
                    raise
            else:
                if not watchdog.fired:
                    return data
            finally:
                watchdog.until = math.inf
        if ours:
            raise _core().ReadTimeout()
        raise DeadlineReached

    def _failure(self, exc: Exception) -> APIConnectionError | None:
        transport = self._transport
        return _map(exc, "reading the response", transport._where, self.request, transport.origin)

    def aiter_bytes(self) -> _Body:
        """The body, chunk by chunk as it arrives (each read bounded by the read timeout)."""
        return _Body(self)

    @property
    def origin(self) -> str:
        """The scheme, host and port requested, as `https://host[:port]`."""
        return self._transport.origin

    async def aread(self) -> bytes:
        """The rest of the body."""
        chunks = []
        while (chunk := await self.next_chunk()) is not None:
            chunks.append(chunk)
        return b"".join(chunks)

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
                    await self._connection.aclose()
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

    async def __aenter__(self) -> Response:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class _Body:
    """An async iterator over a response body (a class, not an async generator, so that
    abandoning it half-read leaves nothing for the event loop to finalise later).
    """

    __slots__ = ("_response",)

    def __init__(self, response: Response) -> None:
        self._response = response

    def __aiter__(self) -> _Body:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self._response.next_chunk()
        if chunk is None:
            raise StopAsyncIteration
        return chunk
