"""`Claude`: the blocking client, a facade over `AsyncClaude` running in a portal thread.

Each `Claude` owns one background event loop thread, started on first use and stopped by
`close()`. Every call is forwarded to the async client in that thread, so both clients
behave identically; results that hold a live response (streams, pages, batch results,
streaming responses) come back as blocking twins.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Concatenate, Generic, Literal, ParamSpec, TypeVar, overload

import anyio
from anyio.from_thread import BlockingPortal

from ._client import AsyncClaude, _secret
from ._errors import ClaudeError
from ._http import HTTPResponse
from ._live_streams import AsyncMessageStream, AsyncMessageStreamManager, AsyncStream
from ._model_warnings import collect_model_warnings, emit
from ._request import NOT_GIVEN, NotGiven
from ._response import AsyncAPIResponse, AsyncMessageStreamResponse, _ResponseInfo
from .resources import (
    AsyncBatches,
    AsyncBatchesWithRawResponse,
    AsyncBatchesWithStreamingResponse,
    AsyncModels,
    AsyncModelsWithRawResponse,
    AsyncModelsWithStreamingResponse,
    AsyncPage,
    AsyncPaginator,
)
from .resources._batches import AsyncBatchResults, BatchResultsCall
from .types import MessageBatchIndividualResponse

if TYPE_CHECKING:
    import ssl
    from collections.abc import Mapping
    from types import TracebackType

    from typing_extensions import Self, Unpack

    from ._credentials import AccessTokenProvider, AsyncAccessTokenProvider
    from ._http import Timeout
    from ._middleware import MiddlewareInput
    from ._sync_beta import Beta, BetaWithRawResponse, BetaWithStreamingResponse
    from ._sync_files import Files, FilesWithRawResponse, FilesWithStreamingResponse
    from ._tracing import OpenTelemetryClientOption, ResolvedOpenTelemetryOptions
    from .resources import (
        AsyncMessages,
        AsyncMessageStreamResponseManager,
        AsyncMessagesWithRawResponse,
        AsyncMessagesWithStreamingResponse,
        AsyncStreamingResponseManager,
    )
    from .resources._args import (
        CountTokensArgs,
        MessageArgs,
    )
    from .streaming import StreamEvent
    from .types import (
        Message,
        MessageStreamEvent,
        MessageTokensCount,
        ParsedMessage,
    )

__all__ = (
    "APIResponse",
    "BatchResults",
    "Batches",
    "BatchesWithRawResponse",
    "BatchesWithStreamingResponse",
    "Claude",
    "ClaudeWithRawResponse",
    "ClaudeWithStreamedResponse",
    "MessageStream",
    "MessageStreamManager",
    "MessageStreamResponse",
    "MessageStreamResponseManager",
    "MessageStreamingResponse",
    "Messages",
    "MessagesWithRawResponse",
    "MessagesWithStreamingResponse",
    "Models",
    "ModelsWithRawResponse",
    "ModelsWithStreamingResponse",
    "ParsedMessageStream",
    "ParsedMessageStreamManager",
    "Stream",
    "StreamingResponse",
    "StreamingResponseManager",
    "SyncPage",
)

T = TypeVar("T")
_F = TypeVar("_F")
_R = TypeVar("_R")
_P = ParamSpec("_P")
_S = TypeVar("_S")
_A = TypeVar("_A", covariant=True)


class _Portal:
    """An event loop in a daemon thread, started lazily, shared by a client and its
    `with_options` copies. `on_stop` (the async client's `close`) runs in the loop as it
    ends, whether by `stop()` or when the last reference goes away unclosed.
    """

    def __init__(self, backend: str, on_stop: Callable[[], Awaitable[None]]) -> None:
        self._backend = backend
        self._on_stop = on_stop
        self._lock = threading.Lock()
        self._portal: BlockingPortal | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._pid = 0

    def _forked(self) -> bool:
        """Whether the loop thread was started by another process: this is a fork() child,
        where that thread does not exist, so waiting for it would wait for ever."""
        return self._portal is not None and self._pid != os.getpid()

    def get(self) -> BlockingPortal:
        portal = self._portal
        if portal is not None and self._forked():
            raise ClaudeError(
                "this client was started in another process (before os.fork()); "
                "create a new client in this process"
            )
        if portal is None:
            with self._lock:
                if self._stopped:
                    # Starting a new loop thread here would leave it running for good.
                    raise ClaudeError("the client was closed; create a new one")
                if self._portal is None:
                    self._start()
                portal = self._portal
                assert portal is not None
        return portal

    def _start(self) -> None:
        # The thread must not reference `self`: a running thread is never collected, and
        # then neither would this object, so an unclosed client would never be cleaned up.
        # It does hold the async client (`on_stop`, its close), which it closes as the loop
        # ends: the pool and its sockets stay alive until then, even when this object is
        # collected as part of a reference cycle (that would finalise them in the same pass).
        backend, on_stop = self._backend, self._on_stop
        ready: queue.Queue[BlockingPortal | BaseException] = queue.Queue()

        async def serve() -> None:
            try:
                async with BlockingPortal() as portal:
                    ready.put(portal)
                    await portal.sleep_until_stopped()
            finally:
                with anyio.CancelScope(shield=True):
                    await on_stop()

        def run() -> None:
            try:
                anyio.run(serve, backend=backend)
            except BaseException as exc:  # pragma: no cover - a backend that cannot start
                ready.put(exc)

        # A daemon thread, unlike anyio's start_blocking_portal, cannot hold up interpreter
        # exit when a client is never closed (the official SDK never needs closing either).
        thread = threading.Thread(target=run, name="anyio-claude", daemon=True)
        thread.start()
        started = ready.get()
        if isinstance(started, BaseException):
            raise started
        self._portal, self._thread, self._pid = started, thread, os.getpid()

    def call(self, func: Callable[..., Any], *args: Any) -> Any:
        return self.get().call(func, *args)

    def start_call(self, func: Callable[..., Any], *args: Any) -> Any:
        """`call` for what may start an API call (and its span): the loop thread has
        contexts of its own, so the caller's OpenTelemetry context goes along, and the
        span's parent is the caller's current span, as in a blocking official client."""
        if "opentelemetry.context" in sys.modules:
            from ._tracing import in_caller_context

            return self.get().call(in_caller_context(func), *args)
        return self.get().call(func, *args)

    def call_soon(self, func: Callable[[], Awaitable[None]]) -> None:
        """Start `func` in the loop, if it runs, without waiting for it."""
        portal = self._portal
        if portal is not None and not self._forked() and not sys.is_finalizing():
            portal.start_task_soon(func)

    def call_if_running(self, func: Callable[..., Any]) -> None:
        portal = self._portal
        if portal is not None and not self._forked():
            portal.call(func)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            if self._forked():
                self._portal = self._thread = None
                return
            portal, thread = self._portal, self._thread
            if portal is None or thread is None or thread is threading.current_thread():
                return
            self._portal = self._thread = None
        _shut_down(portal, thread)

    def __del__(self) -> None:
        # Collected unclosed: close the pool and stop the loop thread, from a thread of
        # its own. A finaliser must not wait: it may run in the loop thread itself, or in
        # a thread holding a lock the loop needs. At interpreter exit the loop thread can
        # no longer run (waiting would hang the exit); the process's end closes all.
        with contextlib.suppress(Exception):
            portal, thread = self._portal, self._thread
            if portal is None or thread is None or self._forked() or sys.is_finalizing():
                return
            self._portal = self._thread = None
            args = (portal, thread)
            threading.Thread(
                target=_shut_down, args=args, name="anyio-claude-close", daemon=True
            ).start()


def _shut_down(portal: BlockingPortal, thread: threading.Thread) -> None:
    """Stop the loop, which then closes the pool (see `_Portal._start`), and wait for it."""
    portal.call(portal.stop)
    thread.join()


async def _call_async_method(method: Any, args: Any, kwargs: Any, warned: Any) -> Any:
    # The whole call: a warning raised while it runs (the tool runner's, say) names the
    # caller's line too.
    with collect_model_warnings(warned):
        return await method(*args, **kwargs)


def _await_in_loop(portal: _Portal, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call an async resource method in the loop thread and wait for its result; its
    warnings are raised here, in the caller's thread."""
    warned: list[tuple[str, type[Warning]]] = []
    try:
        return portal.start_call(_call_async_method, method, args, kwargs, warned)
    finally:
        emit(warned)


def _blocking(portal: _Portal, value: Any) -> Any:
    """The blocking twin of a live async result; other values as they are."""
    if isinstance(value, AsyncMessageStream):
        return MessageStream(portal, value)
    if isinstance(value, AsyncStream):
        return Stream(portal, value)
    if isinstance(value, AsyncPage):
        return SyncPage(portal, value)
    if isinstance(value, AsyncBatchResults):
        return BatchResults(portal, value)
    return value


def _raw(portal: _Portal, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call an async `with_raw_response` method and wrap its reply for blocking use."""
    response: AsyncAPIResponse[Any] = _await_in_loop(portal, method, *args, **kwargs)
    return APIResponse(portal, response)


# ---------------------------------------------------------------- derived blocking twins
# A blocking twin's methods are descriptors naming the async plain method they run
# (`retrieve = blocking(AsyncModels.retrieve)`): its parameters carry through a
# `ParamSpec`, and the descriptor's kind says what the blocking call returns.


class _Twin(Generic[_A]):
    """A blocking twin of an async resource or view (`_async`), run through `_portal`."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, async_resource: _A) -> None:
        self._portal = portal
        self._async = async_resource


class _TwinMethod(Generic[_S, _P, _R]):
    """A blocking twin's method: the async method of the same name on the twin's async
    resource or view, called through the portal. Looked up on the class, it is itself,
    so tests can check which plain method it derives from (`method`). Its docstring is
    the async method's, under a line saying what the blocking call returns instead."""

    _returns = "what awaiting it gives"

    def __init__(self, method: Callable[Concatenate[_S, _P], Any]) -> None:
        self.method = method
        self.__doc__ = (
            f"Blocking `{method.__qualname__}`: returns {self._returns}.\n\n{method.__doc__}"
        )
        self.__name__ = method.__name__

    @overload
    def __get__(self, twin: None, owner: object) -> Self: ...
    @overload
    def __get__(self, twin: _Twin[Any], owner: object) -> Callable[_P, _R]: ...
    def __get__(self, twin: _Twin[Any] | None, owner: object) -> Self | Callable[_P, _R]:
        if twin is None:
            return self
        portal, target = twin._portal, getattr(twin._async, self.__name__)

        def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            result: _R = self._invoke(portal, target, args, kwargs)
            return result

        call.__name__ = self.__name__
        call.__doc__ = self.__doc__
        return call

    def _invoke(self, portal: _Portal, target: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        """The plain call: its result, live results (pages...) as their blocking twins."""
        return _blocking(portal, _await_in_loop(portal, target, *args, **kwargs))


class _RawTwinMethod(_TwinMethod[_S, _P, _R]):
    """A method of a `with_raw_response` twin: an `APIResponse`."""

    _returns = "an `APIResponse` (the body read)"

    def _invoke(self, portal: _Portal, target: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        return _raw(portal, target, *args, **kwargs)


class _StreamingTwinMethod(_TwinMethod[_S, _P, _R]):
    """A method of a `with_streaming_response` twin: a `StreamingResponseManager` to enter."""

    _returns = "a `StreamingResponseManager`: `with` it for an unread `APIResponse`"

    def _invoke(self, portal: _Portal, target: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        return StreamingResponseManager(portal, target(*args, **kwargs))


def blocking(method: Callable[Concatenate[_S, _P], Awaitable[_R]]) -> _TwinMethod[_S, _P, _R]:
    """The blocking twin of the async plain `method`: returns what awaiting it gives."""
    return _TwinMethod(method)


def blocking_pages(
    method: Callable[Concatenate[_S, _P], AsyncPaginator[T]],
) -> _TwinMethod[_S, _P, SyncPage[T]]:
    """The blocking twin of a `list` method: its first page, as a `SyncPage`."""
    return _TwinMethod(method)


def blocking_results(
    method: Callable[Concatenate[_S, _P], BatchResultsCall],
) -> _TwinMethod[_S, _P, BatchResults]:
    """The blocking twin of `batches.results`: the results, as `BatchResults`."""
    return _TwinMethod(method)


def blocking_raw(
    method: Callable[Concatenate[_S, _P], Awaitable[_R]],
) -> _RawTwinMethod[_S, _P, APIResponse[_R]]:
    """The blocking `with_raw_response` twin of `method`."""
    return _RawTwinMethod(method)


def blocking_raw_pages(
    method: Callable[Concatenate[_S, _P], AsyncPaginator[T]],
) -> _RawTwinMethod[_S, _P, APIResponse[SyncPage[T]]]:
    """The blocking `with_raw_response` twin of a `list` method: `parse()` is a `SyncPage`."""
    return _RawTwinMethod(method)


def blocking_raw_results(
    method: Callable[Concatenate[_S, _P], BatchResultsCall],
) -> _RawTwinMethod[_S, _P, APIResponse[BatchResults]]:
    """The blocking `with_raw_response` twin of `batches.results`: `parse()` is the unread
    `BatchResults` (close it, or read it to the end)."""
    return _RawTwinMethod(method)


def blocking_streaming(
    method: Callable[Concatenate[_S, _P], Awaitable[_R]],
) -> _StreamingTwinMethod[_S, _P, StreamingResponseManager[_R]]:
    """The blocking `with_streaming_response` twin of `method`."""
    return _StreamingTwinMethod(method)


def blocking_streaming_pages(
    method: Callable[Concatenate[_S, _P], AsyncPaginator[T]],
) -> _StreamingTwinMethod[_S, _P, StreamingResponseManager[SyncPage[T]]]:
    """The blocking `with_streaming_response` twin of a `list` method: `parse()` is a
    `SyncPage`."""
    return _StreamingTwinMethod(method)


def blocking_streaming_results(
    method: Callable[Concatenate[_S, _P], BatchResultsCall],
) -> _StreamingTwinMethod[_S, _P, StreamingResponseManager[BatchResults]]:
    """The blocking `with_streaming_response` twin of `batches.results`: `parse()` reads
    them, as `BatchResults`."""
    return _StreamingTwinMethod(method)


class Claude:
    """A blocking client for the Claude API with the same methods as `AsyncClaude`.

    It runs an event loop in one background thread (asyncio by default, or
    `backend="trio"`), started on first use. Use `with Claude() as client:` or call
    `close()` to close the connections and stop the thread (garbage collection does it
    too). Safe to use from several threads at once, not from a fork() child of the process
    that used it (`ClaudeError`). Raises what `AsyncClaude` raises.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        auth_token: str | None = None,
        credentials: AccessTokenProvider | AsyncAccessTokenProvider | None = None,
        config: Mapping[str, Any] | None = None,
        profile: str | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = 2,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        max_connections: int | None = 1000,
        anthropic_version: str = "2023-06-01",
        verify: bool | ssl.SSLContext = True,
        proxy: str | None = None,
        trust_env: bool = True,
        open_telemetry: OpenTelemetryClientOption = None,
        middleware: Sequence[MiddlewareInput] | None = None,
        backend: str = "asyncio",
    ) -> None:
        # Wrapped first thing: this frame's locals show up in tracebacks that capture them.
        api_key, auth_token = _secret(api_key), _secret(auth_token)
        self._middleware: tuple[Any, ...] = ()
        if middleware is not None:
            from ._middleware import checked

            self._middleware = checked(middleware, blocking=True)
        self._async = AsyncClaude(
            api_key=api_key,
            auth_token=auth_token,
            credentials=credentials,
            config=config,
            profile=profile,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_query=default_query,
            max_connections=max_connections,
            anthropic_version=anthropic_version,
            verify=verify,
            proxy=proxy,
            trust_env=trust_env,
            open_telemetry=open_telemetry,
            middleware=self._async_middleware(),
        )
        self._async._warn_unclosed = False
        self._portal = _Portal(backend, self._async.close)
        self._owns_portal = True

    @property
    def messages(self) -> Messages:
        """`create`, `stream`, `count_tokens` and `batches`, blocking."""
        return Messages(self._portal, self._async.messages)

    @property
    def models(self) -> Models:
        """`list` and `retrieve`, blocking."""
        return Models(self._portal, self._async.models)

    @property
    def files(self) -> Files:
        """The Files API, blocking."""
        from ._sync_files import Files

        return Files(self._portal, self._async.files)

    @property
    def beta(self) -> Beta:
        """Beta features (`messages` with `betas=`, `files`), blocking."""
        from ._sync_beta import Beta

        return Beta(self._portal, self._async.beta)

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return self._async.base_url

    @property
    def api_key(self) -> str | None:
        """The API key in use (never shown in `repr`)."""
        return self._async.api_key

    @property
    def auth_token(self) -> str | None:
        """The bearer token in use (never shown in `repr`)."""
        return self._async.auth_token

    @property
    def auth_headers(self) -> dict[str, str]:
        """`AsyncClaude.auth_headers`."""
        return self._async.auth_headers

    @property
    def credentials(self) -> AccessTokenProvider | AsyncAccessTokenProvider | None:
        """The token provider in use, bound to this client's base URL (None: a key)."""
        return self._async.credentials

    @property
    def default_headers(self) -> dict[str, str]:
        """`AsyncClaude.default_headers`."""
        return self._async.default_headers

    @property
    def user_agent(self) -> str:
        """`AsyncClaude.user_agent`."""
        return self._async.user_agent

    @property
    def default_query(self) -> dict[str, object]:
        """`AsyncClaude.default_query`."""
        return self._async.default_query

    @property
    def max_retries(self) -> int:
        """How many times a failed request is retried."""
        return self._async.max_retries

    @property
    def open_telemetry(self) -> ResolvedOpenTelemetryOptions:
        """`AsyncClaude.open_telemetry`."""
        return self._async.open_telemetry

    @property
    def middleware(self) -> tuple[MiddlewareInput, ...]:
        """The client's middleware, outermost first."""
        return self._middleware

    def with_middleware(self, *middleware: MiddlewareInput) -> Claude:
        """A copy running `middleware` after this client's own (sync functions or
        `Middleware` objects with `handle`; `TypeError` otherwise)."""
        return self.with_options(middleware=[*self._middleware, *middleware])

    def _async_middleware(self) -> list[Any] | None:
        """Each blocking middleware as one the async core runs: in a worker thread, its
        `call_next` sending through the loop and giving an `APIResponse`."""
        if not self._middleware:
            return None
        from ._middleware import Middleware

        def adapt(entry: Any) -> Any:
            handler = entry.handle if isinstance(entry, Middleware) else entry

            async def handle(request: Any, call_next: Any) -> Any:
                def call_next_blocking(next_request: Any) -> Any:
                    answer = anyio.from_thread.run(call_next, next_request)
                    # An inner middleware's own value passes through as it is.
                    if isinstance(answer, AsyncAPIResponse):
                        return APIResponse(self._portal, answer)
                    return answer

                result = await anyio.to_thread.run_sync(handler, request, call_next_blocking)
                return result._response if isinstance(result, APIResponse) else result

            return handle

        return [adapt(entry) for entry in self._middleware]

    @property
    def timeout(self) -> Timeout:
        """The default `Timeout` of every call."""
        return self._async.timeout

    @property
    def with_raw_response(self) -> ClaudeWithRawResponse:
        """Every resource with methods returning an `APIResponse` (body read)."""
        return ClaudeWithRawResponse(self)

    @property
    def with_streaming_response(self) -> ClaudeWithStreamedResponse:
        """Every resource with methods as `with` blocks (body read on demand)."""
        return ClaudeWithStreamedResponse(self)

    def with_options(
        self,
        *,
        api_key: str | None = None,
        auth_token: str | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        set_default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        set_default_query: Mapping[str, object] | None = None,
        max_connections: int | NotGiven | None = NOT_GIVEN,
        anthropic_version: str | None = None,
        verify: bool | ssl.SSLContext | None = None,
        proxy: str | None = None,
        trust_env: bool | None = None,
        open_telemetry: OpenTelemetryClientOption = None,
        middleware: Sequence[MiddlewareInput] | None = None,
    ) -> Claude:
        """A copy with some settings changed, sharing the background thread; see
        `AsyncClaude.with_options` for the options and which copies share the pool.

        A copy with a pool of its own closes it in its `close()`; close it before the
        client it came from.
        """
        # Wrapped: this frame's locals show up in tracebacks that capture them.
        api_key, auth_token, proxy = _secret(api_key), _secret(auth_token), _secret(proxy)
        copy = object.__new__(Claude)
        copy._middleware = self._middleware
        if middleware is not None:
            from ._middleware import checked

            copy._middleware = checked(middleware, blocking=True)
        copy._portal = self._portal
        copy._async = self._async.with_options(
            api_key=api_key,
            auth_token=auth_token,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            set_default_headers=set_default_headers,
            default_query=default_query,
            set_default_query=set_default_query,
            max_connections=max_connections,
            anthropic_version=anthropic_version,
            verify=verify,
            proxy=proxy,
            trust_env=trust_env,
            open_telemetry=open_telemetry,
            # [] (not None, which keeps the wrapped client's) when the copy has none.
            middleware=None if middleware is None else (copy._async_middleware() or []),
        )
        copy._async._warn_unclosed = False
        copy._owns_portal = False
        return copy

    copy = with_options

    def is_closed(self) -> bool:
        """Whether this client's connection pool was closed."""
        return self._async.is_closed()

    def close(self) -> None:
        """Close every pooled connection and stop the background thread. Idempotent;
        calls made afterwards raise `ClaudeError`."""
        if self._owns_portal:
            self._portal.stop()
        elif self._async._owns_transport:
            self._portal.call_if_running(self._async.close)

    def __del__(self) -> None:
        # A copy with a pool of its own, collected unclosed: have the loop close that pool
        # (the client's own pool is closed by its portal's finaliser). Without waiting: a
        # finaliser may run in the loop thread itself.
        with contextlib.suppress(Exception):
            if not self._owns_portal and self._async._owns_transport:
                self._portal.call_soon(self._async.close)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        inner = self.__dict__.get("_async")
        return "Claude()" if inner is None else repr(inner).replace("AsyncClaude", "Claude", 1)


class Stream:
    """The blocking twin of `AsyncStream`: iterate it for raw events; close it when done."""

    def __init__(self, portal: _Portal, stream: AsyncStream | AsyncMessageStream) -> None:
        self._portal = portal
        self._stream = stream

    @property
    def response(self) -> HTTPResponse:
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

    def __iter__(self) -> Stream:
        return self

    def __next__(self) -> MessageStreamEvent:
        try:
            event: MessageStreamEvent = self._portal.call(self._stream.__anext__)
        except StopAsyncIteration:
            raise StopIteration from None
        return event

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

    def __iter__(self) -> MessageStream:
        return self

    # The helper yields derived events too, so its events are a different union.
    def __next__(self) -> StreamEvent:  # type: ignore[override]
        try:
            event: StreamEvent = self._portal.call(self._stream.__anext__)
        except StopAsyncIteration:
            raise StopIteration from None
        return event

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
        return MessageStream(self._portal, self._portal.start_call(self._manager.__aenter__))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._portal.call(self._manager.__aexit__, exc_type, exc, tb)


class ParsedMessageStream(MessageStream, Generic[T]):
    """The blocking twin of `AsyncParsedMessageStream` (`stream(..., output_format=T)`)."""

    def get_final_message(self) -> ParsedMessage[T]:
        """Read to the end and return the message, its text decoded into the output type."""
        message: ParsedMessage[T] = self._portal.call(self._stream.get_final_message)
        return message


class ParsedMessageStreamManager(MessageStreamManager, Generic[T]):
    """What `Claude.messages.stream(..., output_format=T)` returns: `with ... as stream`."""

    def __enter__(self) -> ParsedMessageStream[T]:
        return ParsedMessageStream(self._portal, self._portal.start_call(self._manager.__aenter__))


class _SyncIterator(Generic[T]):
    """A blocking iterator over an async iterator that has `close()`."""

    def __init__(self, portal: _Portal, iterator: Any) -> None:
        self._portal = portal
        self._iterator = iterator

    def __iter__(self) -> _SyncIterator[T]:
        return self

    def __next__(self) -> T:
        try:
            item: T = self._portal.call(self._iterator.__anext__)
        except StopAsyncIteration:
            raise StopIteration from None
        return item

    def close(self) -> None:
        """Release the connection."""
        if hasattr(self._iterator, "close"):
            self._portal.call(self._iterator.close)

    def __enter__(self) -> _SyncIterator[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class SyncPage(Generic[T]):
    """One page of a list: `data`, and the cursors the API sent with it: `has_more`,
    `first_id`, `last_id` (models, batches) or `next_page` (files).

    Iterating it yields every item of this page and the pages after it, fetching them
    as needed; `iter_pages()` yields the pages themselves.
    """

    __slots__ = ("_page", "_portal")

    def __init__(self, portal: _Portal, page: AsyncPage[T]) -> None:
        self._portal = portal
        self._page = page

    @property
    def data(self) -> list[T]:
        """The items of this page."""
        return self._page.data

    @property
    def has_more(self) -> bool:
        """Whether a page follows this one."""
        return self._page.has_more

    @property
    def first_id(self) -> str | None:
        """The id of the first item (a cursor for `before_id`)."""
        return self._page.first_id

    @property
    def last_id(self) -> str | None:
        """The id of the last item (a cursor for `after_id`)."""
        return self._page.last_id

    @property
    def next_page(self) -> str | None:
        """The token of the next page, for lists paged by token (`files.list(page=...)`)."""
        return self._page.next_page

    def has_next_page(self) -> bool:
        """Whether `get_next_page()` would find a page."""
        return self._page.has_next_page()

    def get_next_page(self) -> SyncPage[T]:
        """Fetch the page after this one. Raises `RuntimeError` if there is none."""
        return SyncPage(self._portal, self._portal.start_call(self._page.get_next_page))

    def iter_pages(self) -> Iterator[SyncPage[T]]:
        """This page, then each later one, fetched as the loop gets to it."""
        page = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = page.get_next_page()

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.data


class APIResponse(_ResponseInfo, Generic[T]):
    """The blocking client's `with_raw_response` reply (body read) and `with_streaming_response`
    block value (body read on demand).

    `parse()` gives what the plain call returns (streams, pages and batch results as their
    blocking twins); `read()`, `text()`, `json()` the body; `iter_bytes()`, `iter_text()`,
    `iter_lines()` stream it. `status_code`, `headers`, `request_id`, `rate_limits`, `url`,
    `elapsed` and `retries_taken` as on `AsyncAPIResponse`. Raises what it raises.
    """

    __slots__ = ("_portal", "_response")

    def __init__(self, portal: _Portal, response: AsyncAPIResponse[Any]) -> None:
        self._portal = portal
        self._response = response
        self.http_response = response.http_response
        self.retries_taken = response.retries_taken

    @property
    def is_closed(self) -> bool:
        """Whether the connection was released (the body read to the end, or closed)."""
        return self._response.is_closed

    def read(self) -> bytes:
        """Read the whole body."""
        content: bytes = self._portal.call(self._response.read)
        return content

    def text(self) -> str:
        """Read the body and decode it as UTF-8."""
        text: str = self._portal.call(self._response.text)
        return text

    def json(self) -> Any:
        """Read the body and decode it as JSON."""
        return self._portal.call(self._response.json)

    def parse(self) -> T:
        """The typed result the plain call would have returned (the same object each time)."""
        parsed = self._portal.call(self._response.parse)
        result: T = _blocking(self._portal, parsed)
        return result

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

    def __repr__(self) -> str:
        return f"<APIResponse [{self.status_code}] request-id={self.request_id}>"


class MessageStreamResponse(APIResponse[MessageStream]):
    """What `Claude.messages.with_streaming_response.stream(...)` blocks give: the
    response, with the message stream's `text_stream`, iteration and `get_final_*`."""

    __slots__ = ("_stream",)

    def __init__(self, portal: _Portal, response: AsyncMessageStreamResponse) -> None:
        super().__init__(portal, response)
        self._stream = MessageStream(portal, response._stream)

    def parse(self) -> MessageStream:
        """The `MessageStream` reading this response."""
        return self._stream

    @property
    def text_stream(self) -> Iterator[str]:
        """The text of the text deltas, as `MessageStream.text_stream`."""
        return self._stream.text_stream

    @property
    def current_message_snapshot(self) -> Message:
        """The message accumulated so far."""
        return self._stream.current_message_snapshot

    def __iter__(self) -> MessageStream:
        return self._stream

    def until_done(self) -> None:
        """Read the stream to its end."""
        self._stream.until_done()

    def get_final_message(self) -> Message:
        """Read to the end and return the complete message."""
        return self._stream.get_final_message()

    def get_final_text(self) -> str:
        """Read to the end and return the text of all text blocks, joined."""
        return self._stream.get_final_text()


class StreamingResponseManager(Generic[T]):
    """What `with_streaming_response` calls return: use `with ... as response`."""

    __slots__ = ("_manager", "_portal")

    def __init__(self, portal: _Portal, manager: AsyncStreamingResponseManager[Any]) -> None:
        self._portal = portal
        self._manager = manager

    def __enter__(self) -> APIResponse[T]:
        return APIResponse(self._portal, self._portal.start_call(self._manager.__aenter__))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._portal.call(self._manager.__aexit__, exc_type, exc, tb)


class MessageStreamResponseManager(StreamingResponseManager[MessageStream]):
    """What `Claude.messages.with_streaming_response.stream(...)` returns: `with` it for a
    `MessageStreamResponse`."""

    __slots__ = ()

    def __init__(self, portal: _Portal, manager: AsyncMessageStreamResponseManager) -> None:
        super().__init__(portal, manager)

    def __enter__(self) -> MessageStreamResponse:
        response = self._portal.start_call(self._manager.__aenter__)
        return MessageStreamResponse(self._portal, response)


# The names these twins had before they took their async twins' names; kept for a release.
StreamingResponse = StreamingResponseManager
MessageStreamingResponse = MessageStreamResponseManager


class ClaudeWithRawResponse:
    """`Claude.with_raw_response`: the resources, with methods returning an `APIResponse`."""

    __slots__ = ("_client",)

    def __init__(self, client: Claude) -> None:
        self._client = client

    @property
    def messages(self) -> MessagesWithRawResponse:
        """`client.messages.with_raw_response`."""
        return self._client.messages.with_raw_response

    @property
    def models(self) -> ModelsWithRawResponse:
        """`client.models.with_raw_response`."""
        return self._client.models.with_raw_response

    @property
    def files(self) -> FilesWithRawResponse:
        """`client.files.with_raw_response`."""
        return self._client.files.with_raw_response

    @property
    def beta(self) -> BetaWithRawResponse:
        """`client.beta.with_raw_response`."""
        return self._client.beta.with_raw_response


class ClaudeWithStreamedResponse:
    """`Claude.with_streaming_response`: the resources, with methods as `with` blocks."""

    __slots__ = ("_client",)

    def __init__(self, client: Claude) -> None:
        self._client = client

    @property
    def messages(self) -> MessagesWithStreamingResponse:
        """`client.messages.with_streaming_response`."""
        return self._client.messages.with_streaming_response

    @property
    def models(self) -> ModelsWithStreamingResponse:
        """`client.models.with_streaming_response`."""
        return self._client.models.with_streaming_response

    @property
    def files(self) -> FilesWithStreamingResponse:
        """`client.files.with_streaming_response`."""
        return self._client.files.with_streaming_response

    @property
    def beta(self) -> BetaWithStreamingResponse:
        """`client.beta.with_streaming_response`."""
        return self._client.beta.with_streaming_response


# ------------------------------------------------------------------------- messages


class Messages:
    """`Claude.messages`: the blocking twin of `AsyncMessages`; raises what it raises."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, messages: AsyncMessages) -> None:
        self._portal = portal
        self._async = messages

    @property
    def with_raw_response(self) -> MessagesWithRawResponse:
        """The same methods, returning an `APIResponse` (headers, status, `parse()`)."""
        return MessagesWithRawResponse(self._portal, self._async.with_raw_response)

    @property
    def with_streaming_response(self) -> MessagesWithStreamingResponse:
        """The same methods as `with` blocks giving a response read on demand."""
        return MessagesWithStreamingResponse(self._portal, self._async.with_streaming_response)

    @property
    def batches(self) -> Batches:
        """Message Batches, blocking."""
        return Batches(self._portal, self._async.batches)

    @overload
    def create(self, *, stream: Literal[False] = False, **args: Unpack[MessageArgs]) -> Message: ...
    @overload
    def create(self, *, stream: Literal[True], **args: Unpack[MessageArgs]) -> Stream: ...
    @overload
    def create(self, *, stream: bool, **args: Unpack[MessageArgs]) -> Message | Stream: ...
    def create(self, **args: Any) -> Any:
        """`AsyncMessages.create`, blocking: the `Message`, or with `stream=True` a `Stream`."""
        return _blocking(self._portal, _await_in_loop(self._portal, self._async.create, **args))

    @overload
    def parse(
        self, *, output_format: type[_F], **args: Unpack[MessageArgs]
    ) -> ParsedMessage[_F]: ...
    @overload
    def parse(
        self, *, output_format: None = None, **args: Unpack[MessageArgs]
    ) -> ParsedMessage[None]: ...
    def parse(self, *, output_format: Any = None, **args: Any) -> Any:
        """`AsyncMessages.parse`, blocking: the `ParsedMessage`."""
        return _await_in_loop(self._portal, self._async.parse, output_format=output_format, **args)

    @overload
    def stream(
        self, *, output_format: type[_F], **args: Unpack[MessageArgs]
    ) -> ParsedMessageStreamManager[_F]: ...
    @overload
    def stream(
        self, *, output_format: None = None, **args: Unpack[MessageArgs]
    ) -> MessageStreamManager: ...
    def stream(self, *, output_format: Any = None, **args: Any) -> Any:
        """`with client.messages.stream(...) as stream:`; see `AsyncMessages.stream`
        (with `output_format`, `get_final_message()` gives a `ParsedMessage`)."""
        manager = self._async.stream(output_format=output_format, **args)
        if output_format is None:
            return MessageStreamManager(self._portal, manager)
        return ParsedMessageStreamManager(self._portal, manager)

    def count_tokens(
        self, *, output_format: type[Any] | None = None, **args: Unpack[CountTokensArgs]
    ) -> MessageTokensCount:
        """Count the input tokens of a conversation."""
        count: MessageTokensCount = _await_in_loop(
            self._portal, self._async.count_tokens, output_format=output_format, **args
        )
        return count


class MessagesWithRawResponse:
    """`Claude.messages.with_raw_response`."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, messages: AsyncMessagesWithRawResponse) -> None:
        self._portal = portal
        self._async = messages

    @property
    def batches(self) -> BatchesWithRawResponse:
        """`messages.batches`, returning `APIResponse`s."""
        return BatchesWithRawResponse(self._portal, self._async.batches)

    @overload
    def create(
        self, *, stream: Literal[False] = False, **args: Unpack[MessageArgs]
    ) -> APIResponse[Message]: ...
    @overload
    def create(
        self, *, stream: Literal[True], **args: Unpack[MessageArgs]
    ) -> APIResponse[Stream]: ...
    @overload
    def create(
        self, *, stream: bool, **args: Unpack[MessageArgs]
    ) -> APIResponse[Message] | APIResponse[Stream]: ...
    def create(self, **args: Any) -> Any:
        """`messages.create`, returning an `APIResponse`."""
        return _raw(self._portal, self._async.create, **args)

    def stream(self, **args: Unpack[MessageArgs]) -> APIResponse[MessageStream]:
        """`messages.stream`, returning an `APIResponse` whose `parse()` is the open
        `MessageStream` (close it, or use it in `with`)."""
        result: APIResponse[MessageStream] = _raw(self._portal, self._async.stream, **args)
        return result

    def count_tokens(
        self, *, output_format: type[Any] | None = None, **args: Unpack[CountTokensArgs]
    ) -> APIResponse[MessageTokensCount]:
        """`messages.count_tokens`, returning an `APIResponse`."""
        result: APIResponse[MessageTokensCount] = _raw(
            self._portal, self._async.count_tokens, output_format=output_format, **args
        )
        return result


class MessagesWithStreamingResponse:
    """`Claude.messages.with_streaming_response`."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, messages: AsyncMessagesWithStreamingResponse) -> None:
        self._portal = portal
        self._async = messages

    @property
    def batches(self) -> BatchesWithStreamingResponse:
        """`messages.batches`, as `with` blocks."""
        return BatchesWithStreamingResponse(self._portal, self._async.batches)

    @overload
    def create(
        self, *, stream: Literal[False] = False, **args: Unpack[MessageArgs]
    ) -> StreamingResponseManager[Message]: ...
    @overload
    def create(
        self, *, stream: Literal[True], **args: Unpack[MessageArgs]
    ) -> StreamingResponseManager[Stream]: ...
    @overload
    def create(
        self, *, stream: bool, **args: Unpack[MessageArgs]
    ) -> StreamingResponseManager[Message] | StreamingResponseManager[Stream]: ...
    def create(self, **args: Any) -> Any:
        """`messages.create` as `with ... as response:`."""
        return StreamingResponseManager(self._portal, self._async.create(**args))

    def stream(self, **args: Unpack[MessageArgs]) -> MessageStreamResponseManager:
        """`messages.stream` as `with ... as response:`: `response.text_stream`, `for event
        in response`, or `response.parse()` for the `MessageStream`."""
        return MessageStreamResponseManager(self._portal, self._async.stream(**args))

    def count_tokens(
        self, *, output_format: type[Any] | None = None, **args: Unpack[CountTokensArgs]
    ) -> StreamingResponseManager[MessageTokensCount]:
        """`messages.count_tokens` as `with ... as response:`."""
        return StreamingResponseManager(
            self._portal, self._async.count_tokens(output_format=output_format, **args)
        )


# -------------------------------------------------------------------------- batches


class BatchResults(_SyncIterator[MessageBatchIndividualResponse]):
    """The results of an ended batch, read as they arrive; close it (or use `with`) if
    you stop early."""


class Batches(_Twin[AsyncBatches]):
    """`Claude.messages.batches`: the blocking twin of `AsyncBatches`."""

    __slots__ = ()

    @property
    def with_raw_response(self) -> BatchesWithRawResponse:
        """The same methods, returning an `APIResponse`."""
        return BatchesWithRawResponse(self._portal, self._async.with_raw_response)

    @property
    def with_streaming_response(self) -> BatchesWithStreamingResponse:
        """The same methods as `with` blocks."""
        return BatchesWithStreamingResponse(self._portal, self._async.with_streaming_response)

    create = blocking(AsyncBatches.create)
    retrieve = blocking(AsyncBatches.retrieve)
    list = blocking_pages(AsyncBatches.list)
    cancel = blocking(AsyncBatches.cancel)
    delete = blocking(AsyncBatches.delete)
    results = blocking_results(AsyncBatches.results)
    wait = blocking(AsyncBatches.wait)


class BatchesWithRawResponse(_Twin[AsyncBatchesWithRawResponse]):
    """`Claude.messages.batches.with_raw_response` (also
    `Claude.messages.with_raw_response.batches`): each call returns an `APIResponse`."""

    __slots__ = ()

    create = blocking_raw(AsyncBatches.create)
    retrieve = blocking_raw(AsyncBatches.retrieve)
    list = blocking_raw_pages(AsyncBatches.list)
    cancel = blocking_raw(AsyncBatches.cancel)
    delete = blocking_raw(AsyncBatches.delete)
    results = blocking_raw_results(AsyncBatches.results)


class BatchesWithStreamingResponse(_Twin[AsyncBatchesWithStreamingResponse]):
    """`Claude.messages.batches.with_streaming_response` (also
    `Claude.messages.with_streaming_response.batches`): each call is a `with ... as
    response:` block."""

    __slots__ = ()

    create = blocking_streaming(AsyncBatches.create)
    retrieve = blocking_streaming(AsyncBatches.retrieve)
    list = blocking_streaming_pages(AsyncBatches.list)
    cancel = blocking_streaming(AsyncBatches.cancel)
    delete = blocking_streaming(AsyncBatches.delete)
    results = blocking_streaming_results(AsyncBatches.results)


# --------------------------------------------------------------------------- models


class Models(_Twin[AsyncModels]):
    """`Claude.models`: the blocking twin of `AsyncModels`."""

    __slots__ = ()

    @property
    def with_raw_response(self) -> ModelsWithRawResponse:
        """`retrieve` and `list`, returning an `APIResponse`."""
        return ModelsWithRawResponse(self._portal, self._async.with_raw_response)

    @property
    def with_streaming_response(self) -> ModelsWithStreamingResponse:
        """`retrieve` and `list` as `with` blocks."""
        return ModelsWithStreamingResponse(self._portal, self._async.with_streaming_response)

    retrieve = blocking(AsyncModels.retrieve)
    list = blocking_pages(AsyncModels.list)


class ModelsWithRawResponse(_Twin[AsyncModelsWithRawResponse]):
    """`Claude.models.with_raw_response`: each call returns an `APIResponse` (`list`:
    whose `parse()` is the first page)."""

    __slots__ = ()

    retrieve = blocking_raw(AsyncModels.retrieve)
    list = blocking_raw_pages(AsyncModels.list)


class ModelsWithStreamingResponse(_Twin[AsyncModelsWithStreamingResponse]):
    """`Claude.models.with_streaming_response`: each call is a `with ... as response:`
    block."""

    __slots__ = ()

    retrieve = blocking_streaming(AsyncModels.retrieve)
    list = blocking_streaming_pages(AsyncModels.list)
