"""`AsyncTransport`: a pool of keep-alive HTTP/1.1 connections to one origin, O(1) per
request (a slot from a FIFO-fair counter, the most recently used idle connection)."""

from __future__ import annotations

import asyncio
import ssl
import sys
import threading
import time
from collections import deque
from contextlib import suppress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import anyio

from .._errors import APIConnectionError, APITimeoutError, ClaudeError
from .._http import Request, Timeout
from ._mapping import _mapped, final, load_httpcore
from ._network import _Backend, _Exchange
from ._reply import Response
from ._tls import default_ssl_context

if TYPE_CHECKING:
    import httpcore

    from .._proxy import Proxy


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
        core = load_httpcore()
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
        core = load_httpcore()
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
