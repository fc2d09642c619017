"""`Claude`: the blocking client, a facade over `AsyncClaude` running in a portal thread.

Each `Claude` owns one background event loop thread (an anyio blocking portal), started
on first use and stopped by `close()`. Every call is forwarded to the async client in that
thread, so both clients behave identically; results that hold a live response (streams,
paginators, batch results, streaming responses) are wrapped in blocking twins.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

import anyio
from anyio.from_thread import BlockingPortal

from ._client import NOT_GIVEN, AsyncClaude, NotGiven
from ._response import AsyncAPIResponse
from ._streams import AsyncMessageStream, AsyncMessageStreamManager, AsyncStream
from .resources import AsyncPage, AsyncPaginator
from .resources._batches import AsyncBatchResults
from .resources._messages import StreamingResponseManager

if TYPE_CHECKING:
    import ssl
    from collections.abc import Mapping
    from types import TracebackType

    from ._http import Timeout
    from .types import Message

__all__ = ("Claude",)


class _Portal:
    """An event loop in a daemon thread, started lazily, shared by a client and its
    `with_options` copies. `on_stop` (the async client's `close`) runs in the loop before
    it stops, whether by `stop()` or when the last reference goes away unclosed.
    """

    def __init__(self, backend: str, on_stop: Callable[[], Awaitable[None]]) -> None:
        self._backend = backend
        self._on_stop = on_stop
        self._lock = threading.Lock()
        self._portal: BlockingPortal | None = None
        self._thread: threading.Thread | None = None

    def get(self) -> BlockingPortal:
        portal = self._portal
        if portal is None:
            with self._lock:
                if self._portal is None:
                    self._start()
                portal = self._portal
                assert portal is not None
        return portal

    def _start(self) -> None:
        ready: queue.Queue[BlockingPortal | BaseException] = queue.Queue()

        async def serve() -> None:
            async with BlockingPortal() as portal:
                ready.put(portal)
                await portal.sleep_until_stopped()

        def run() -> None:
            try:
                anyio.run(serve, backend=self._backend)
            except BaseException as exc:  # pragma: no cover - a backend that cannot start
                ready.put(exc)

        # A daemon thread, unlike anyio's start_blocking_portal, cannot hold up interpreter
        # exit when a client is never closed (the official SDK never needs closing either).
        thread = threading.Thread(target=run, name="anyio-claude", daemon=True)
        thread.start()
        started = ready.get()
        if isinstance(started, BaseException):
            raise started
        self._portal, self._thread = started, thread

    def call(self, func: Callable[..., Any], *args: Any) -> Any:
        return self.get().call(func, *args)

    def stop(self) -> None:
        with self._lock:
            portal, thread = self._portal, self._thread
            if portal is None or thread is None or thread is threading.current_thread():
                return
            self._portal = self._thread = None
        try:
            portal.call(self._on_stop)
        finally:
            portal.call(portal.stop)
            thread.join()

    def __del__(self) -> None:
        self.stop()


def _wrap(portal: _Portal, value: Any) -> Any:
    if isinstance(value, AsyncMessageStreamManager):
        return MessageStreamManager(portal, value)
    if isinstance(value, AsyncMessageStream):
        return MessageStream(portal, value)
    if isinstance(value, AsyncStream):
        return Stream(portal, value)
    if isinstance(value, AsyncPaginator):
        return _SyncPages(portal, lambda: value)
    if isinstance(value, AsyncPage):
        return _SyncPages(portal, lambda: value)
    if isinstance(value, AsyncBatchResults):
        return _SyncIterator(portal, value)
    if isinstance(value, StreamingResponseManager):
        return _SyncStreamingResponseManager(portal, value)
    return value


async def _await(awaitable: Any) -> Any:
    return await awaitable


class _Resource:
    """A blocking view of an async resource: each method runs in the portal thread."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, async_resource: Any) -> None:
        self._portal = portal
        self._async = async_resource

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._async, name)
        if name in ("with_raw_response", "with_streaming_response", "batches"):
            return _Resource(self._portal, attr)
        if not callable(attr):
            return attr
        portal = self._portal

        def method(*args: Any, **kwargs: Any) -> Any:
            result = portal.call(_call_async_method, attr, args, kwargs)
            return _wrap(portal, result)

        method.__name__ = name
        method.__doc__ = attr.__doc__
        return method


async def _call_async_method(method: Any, args: Any, kwargs: Any) -> Any:
    result = method(*args, **kwargs)
    if hasattr(result, "__await__"):
        return await result
    return result


class Claude:
    """A blocking client for the Claude API with the same methods as `AsyncClaude`.

    It runs an event loop in one background thread (asyncio by default, or
    `backend="trio"`), started on first use. Use `with Claude() as client:` or call
    `close()` to close the connections and stop the thread. Safe to use from several
    threads at once. Raises what `AsyncClaude` raises.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        auth_token: str | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = 2,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        max_connections: int | None = 1000,
        anthropic_version: str = "2023-06-01",
        verify: bool | ssl.SSLContext = True,
        backend: str = "asyncio",
    ) -> None:
        self._async = AsyncClaude(
            api_key=api_key,
            auth_token=auth_token,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_query=default_query,
            max_connections=max_connections,
            anthropic_version=anthropic_version,
            verify=verify,
        )
        self._portal = _Portal(backend, self._async.close)
        self._owns_portal = True

    @property
    def messages(self) -> Any:
        """`create`, `stream`, `count_tokens` and `batches`, blocking."""
        return _Resource(self._portal, self._async.messages)

    @property
    def models(self) -> Any:
        """`list` and `retrieve`, blocking."""
        return _Resource(self._portal, self._async.models)

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return self._async.base_url

    @property
    def api_key(self) -> str | None:
        """The API key in use (never shown in `repr`)."""
        return self._async.api_key

    def with_options(self, **options: Any) -> Claude:
        """A copy with some settings changed, sharing the pool and the portal thread."""
        copy = object.__new__(Claude)
        copy._async = self._async.with_options(**options)
        copy._portal = self._portal
        copy._owns_portal = False
        return copy

    copy = with_options

    def close(self) -> None:
        """Close every pooled connection and stop the background thread. Idempotent."""
        if self._owns_portal:
            self._portal.stop()

    def __enter__(self) -> Claude:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return repr(self._async).replace("AsyncClaude", "Claude", 1)


class Stream:
    """The blocking twin of `AsyncStream`: iterate it for raw events; close it when done."""

    def __init__(self, portal: _Portal, stream: AsyncStream | AsyncMessageStream) -> None:
        self._portal = portal
        self._stream = stream

    @property
    def response(self) -> Any:
        """The HTTP response (status and headers)."""
        return self._stream.response

    @property
    def request_id(self) -> str | None:
        """The `request-id` header."""
        return self._stream.request_id

    @property
    def current_message_snapshot(self) -> Message:
        """The message accumulated so far."""
        return self._stream.current_message_snapshot

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        try:
            return self._portal.call(self._stream.__anext__)
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self) -> None:
        """Release the connection (closed if the stream was not read to the end)."""
        self._portal.call(self._stream.close)

    def __enter__(self) -> Stream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class MessageStream(Stream):
    """The blocking twin of `AsyncMessageStream`."""

    _stream: AsyncMessageStream

    @property
    def text_stream(self) -> Iterator[str]:
        """An iterator over just the text of the text deltas."""
        text_stream = self._stream.text_stream
        portal = self._portal
        while True:
            try:
                yield portal.call(text_stream.__anext__)
            except StopAsyncIteration:
                return

    def until_done(self) -> None:
        """Read the stream to its end."""
        self._portal.call(self._stream.until_done)

    def get_final_message(self) -> Message:
        """Read to the end and return the complete message."""
        message: Message = self._portal.call(self._stream.get_final_message)
        return message

    def get_final_text(self) -> str:
        """Read to the end and return the text of all text blocks, joined."""
        text: str = self._portal.call(self._stream.get_final_text)
        return text


class MessageStreamManager:
    """What `Claude.messages.stream(...)` returns: use `with ... as stream`."""

    def __init__(self, portal: _Portal, manager: AsyncMessageStreamManager[Any]) -> None:
        self._portal = portal
        self._manager = manager

    def __enter__(self) -> MessageStream:
        return MessageStream(self._portal, self._portal.call(self._manager.__aenter__))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._portal.call(self._manager.__aexit__, exc_type, exc, tb)


class _SyncIterator:
    """A blocking iterator over an async iterator that has `close()`."""

    def __init__(self, portal: _Portal, iterator: Any) -> None:
        self._portal = portal
        self._iterator = iterator

    def __iter__(self) -> _SyncIterator:
        return self

    def __next__(self) -> Any:
        try:
            return self._portal.call(self._iterator.__anext__)
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self) -> None:
        """Release the connection."""
        self._portal.call(self._iterator.close)

    def __enter__(self) -> _SyncIterator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _SyncPages:
    """A blocking paginator or page: `.data` etc. of the first page, iteration over all."""

    def __init__(self, portal: _Portal, first: Callable[[], Any]) -> None:
        self._portal = portal
        self._first = first
        self._page: AsyncPage[Any] | None = None

    def _get_page(self) -> AsyncPage[Any]:
        if self._page is None:
            value = self._first()
            self._page = value if isinstance(value, AsyncPage) else self._portal.call(_await, value)
        return self._page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get_page(), name)

    def get_next_page(self) -> _SyncPages:
        """Fetch the page after this one."""
        page = self._portal.call(self._get_page().get_next_page)
        return _SyncPages(self._portal, lambda: page)

    def __iter__(self) -> Iterator[Any]:
        page = self._get_page()
        while True:
            yield from page.data
            if not page.has_next_page():
                return
            page = self._portal.call(page.get_next_page)


class _SyncAPIResponse:
    """The blocking twin of `AsyncAPIResponse`."""

    def __init__(self, portal: _Portal, response: AsyncAPIResponse[Any]) -> None:
        self._portal = portal
        self._response = response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._response, name)

    def read(self) -> bytes:
        """Read the whole body."""
        content: bytes = self._portal.call(self._response.read)
        return content

    def parse(self) -> Any:
        """Read and decode the body (for streams: the stream)."""
        return _wrap(self._portal, self._portal.call(self._response.parse))

    def iter_bytes(self) -> Iterator[bytes]:
        """The body in chunks as they arrive."""
        return _SyncIterator(self._portal, self._response.iter_bytes())

    def iter_text(self) -> Iterator[str]:
        """The body as text."""
        return _SyncIterator(self._portal, self._response.iter_text())

    def iter_lines(self) -> Iterator[str]:
        """The body line by line."""
        return _SyncIterator(self._portal, self._response.iter_lines())

    def close(self) -> None:
        """Release the connection."""
        self._portal.call(self._response.close)


class _SyncStreamingResponseManager:
    def __init__(self, portal: _Portal, manager: StreamingResponseManager[Any]) -> None:
        self._portal = portal
        self._manager = manager

    def __enter__(self) -> _SyncAPIResponse:
        return _SyncAPIResponse(self._portal, self._portal.call(self._manager.__aenter__))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._portal.call(self._manager.__aexit__, exc_type, exc, tb)
