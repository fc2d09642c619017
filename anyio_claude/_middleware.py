"""Client middleware, with the official SDK's shapes: `middleware=[...]` on the client.

The chain runs once per attempt, inside the retry loop: each middleware gets the attempt's
`APIRequest` and a `call_next` that runs the rest of the chain and, at its end, sends one
HTTP request. `call_next` returns an `AsyncAPIResponse` for every status (a 4xx/5xx is
for the middleware to look at; the client raises its typed error after the chain), and
raises `APIConnectionError`/`APITimeoutError` when no response came. A middleware may
rewrite the request (`request.copy(...)`), call `call_next` again (its own retry), return
a value of its own (a short-circuit: the call returns it), or raise `RetryableError` to
have the client retry the attempt while `max_retries` allows. An `APIStatusError` or
`APIConnectionError` it raises (or raises another error from) is retried as the response
or failure would be, as the official SDK does; anything else propagates.

Every response `call_next` made that the chain does not return is closed when the chain
ends, however it ends (cancellation included), so no connection outlives it.
"""

from __future__ import annotations

import copy as _copy
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Union
from urllib.parse import parse_qsl, urlencode

from ._errors import ClaudeError
from ._secret import SecretBytes, SecretHeaders

if TYPE_CHECKING:
    from typing import TypeAlias

    from ._http import Request, Timeout
    from ._request import Call
    from ._response import AsyncAPIResponse

    # Typing only (an `ignore_imports` entry of the layers contract): the blocking
    # `CallNext` returns the blocking client's response.
    from ._sync import APIResponse
    from ._transport import Response

__all__ = (
    "APIRequest",
    "AsyncCallNext",
    "AsyncMiddlewareCallable",
    "CallNext",
    "Middleware",
    "MiddlewareCallable",
    "MiddlewareInput",
)

CallNext: TypeAlias = Callable[["APIRequest"], "APIResponse[Any]"]
"""The rest of a blocking client's chain: one attempt's `APIResponse`, whatever its status."""

AsyncCallNext: TypeAlias = Callable[["APIRequest"], Awaitable["AsyncAPIResponse[Any]"]]
"""The rest of an async client's chain: one attempt's `AsyncAPIResponse`, whatever its
status."""


class Middleware:
    """A base class for middleware: override `handle_async` (for `AsyncClaude`) and/or
    `handle` (for the blocking `Claude`). Both pass the request on unchanged."""

    def handle(self, request: APIRequest, call_next: CallNext) -> APIResponse[Any]:
        """One attempt of a blocking client's call: `call_next(request)` sends it (raising
        what a failed connection raises). Runs in a worker thread of the client's loop."""
        return call_next(request)

    async def handle_async(
        self, request: APIRequest, call_next: AsyncCallNext
    ) -> AsyncAPIResponse[Any]:
        """One attempt of an async client's call: `await call_next(request)` sends it.
        Cancelling the call cancels this too; responses it drops are closed for it."""
        return await call_next(request)


MiddlewareCallable: TypeAlias = Callable[["APIRequest", CallNext], "APIResponse[Any]"]
AsyncMiddlewareCallable: TypeAlias = Callable[
    ["APIRequest", AsyncCallNext], Awaitable["AsyncAPIResponse[Any]"]
]
MiddlewareInput: TypeAlias = Union[Middleware, MiddlewareCallable, AsyncMiddlewareCallable]


class ShortCircuit(ClaudeError):
    """A middleware returned `value` instead of a response. The plain and raw views of a
    JSON call and of a stream return it; other calls raise this (they hand the caller a
    response, which the middleware did not give)."""

    def __init__(self, value: object) -> None:
        super().__init__(
            "a middleware returned a value in place of a response, which this call "
            "(a streaming-response view, a download or batch results) cannot return"
        )
        self.value = value


class APIRequest:
    """One attempt's request, as a middleware sees it: treat it as immutable, and derive a
    changed one with `copy()`. `headers` holds the client's headers (credentials
    included, never shown by `repr`) under the call's."""

    __slots__ = (
        "_body",
        "_json",
        "_query",
        "beta",
        "headers",
        "max_retries",
        "method",
        "query_params",
        "retries_taken",
        "stream",
        "timeout",
        "url",
    )

    def __init__(
        self,
        *,
        method: str,
        url: str,
        headers: Mapping[str, str],
        query_params: Mapping[str, object],
        body: bytes | None,
        timeout: Timeout,
        max_retries: int,
        retries_taken: int,
        stream: bool,
        query: str | None = None,
        beta: bool = False,
    ) -> None:
        self.method = method
        self.beta = beta
        """Whether the call came from `client.beta.messages`."""
        self.url = url
        """The path, relative to the client's `base_url` (no query)."""
        self.headers: dict[str, str] = SecretHeaders(headers)
        self.query_params: dict[str, object] = dict(query_params)
        self.timeout = timeout
        self.max_retries = max_retries
        self.retries_taken = retries_taken
        """The retries already taken for this call: 0 on its first attempt."""
        self.stream = stream
        self._body = body
        self._json: object = _UNSET
        # The query as the client wrote it, reused while `query_params` is unchanged.
        self._query = query

    @property
    def json(self) -> Any:
        """The JSON body (a copy: change it through `copy(body=...)`); None for a request
        without one (a GET, a file upload)."""
        if self._json is _UNSET:
            import msgspec

            try:
                self._json = None if not self._body else msgspec.json.decode(self._body)
            except msgspec.DecodeError:
                self._json = None
        return _copy.deepcopy(self._json)

    def copy(
        self,
        *,
        method: str | None = None,
        url: str | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, object] | None = None,
        body: object = None,
        timeout: Timeout | None = None,
    ) -> APIRequest:
        """A request with these changed. `headers` go over the current ones (a value of
        `omit` removes one); `body` replaces the JSON body."""
        from ._request import NotGiven
        from .types import encode_json

        merged = SecretHeaders(self.headers)
        for name, value in (headers or {}).items():
            for existing in [k for k in merged if k.lower() == name.lower()]:
                del merged[existing]
            if not isinstance(value, NotGiven):
                merged[name.lower()] = value
        changed = APIRequest(
            method=method or self.method,
            url=url or self.url,
            headers=merged,
            query_params=self.query_params if params is None else params,
            body=self._body if body is None else encode_json(body),
            timeout=self.timeout if timeout is None else timeout,
            max_retries=self.max_retries,
            retries_taken=self.retries_taken,
            stream=self.stream,
            query=self._query if params is None else None,
            beta=self.beta,
        )
        if body is None:
            changed._json = self._json
        return changed

    def __repr__(self) -> str:
        return f"<APIRequest method={self.method!r} url={self.url!r} stream={self.stream!r}>"


_UNSET: Any = object()


def _name(middleware: object) -> str:
    if isinstance(middleware, Middleware):
        return type(middleware).__name__
    name = getattr(middleware, "__name__", None)
    return name if isinstance(name, str) else repr(middleware)


def _is_async(obj: object) -> bool:
    if inspect.iscoroutinefunction(obj):
        return True
    call = getattr(obj, "__call__", None)  # noqa: B004 - an instance with async __call__
    return call is not None and inspect.iscoroutinefunction(call)


def checked(middleware: Iterable[MiddlewareInput] | None, *, blocking: bool) -> tuple[Any, ...]:
    """`middleware` as a tuple, each entry usable by the client it is given to; raises
    `TypeError` naming the entry otherwise, before any I/O."""
    if middleware is None:
        return ()
    if isinstance(middleware, (str, bytes)) or not isinstance(middleware, Iterable):
        raise TypeError(f"middleware must be a list, got {type(middleware).__name__}")
    entries = tuple(middleware)
    for entry in entries:
        name = _name(entry)
        if isinstance(entry, Middleware):
            method = "handle" if blocking else "handle_async"
            if getattr(type(entry), method) is getattr(Middleware, method):
                raise TypeError(f"middleware {name} does not implement {method}()")
            if inspect.iscoroutinefunction(getattr(type(entry), method)) is blocking:
                kind = "an async" if blocking else "a sync"
                raise TypeError(f"middleware {name} defines {method}() as {kind} function")
        elif not callable(entry):
            raise TypeError(f"middleware {name} is not callable")
        elif _is_async(entry) is blocking:
            kind = "an async" if blocking else "not an async"
            raise TypeError(f"middleware {name} is {kind} function")
    return entries


# ------------------------------------------------------------------------ the chain


async def run_chain(
    middleware: Sequence[MiddlewareInput],
    path_prefix: bytes,
    call: Call,
    request: Request,
    retries_taken: int,
    send: Callable[[Request], Awaitable[Response]],
) -> tuple[Response, bytes | None]:
    """One attempt through `middleware`: the response to go on with and its body when
    the chain read it. Raises `ShortCircuit` when a middleware returned a value of its
    own; closes every other response the chain made, whatever happens."""
    from ._response import AsyncAPIResponse, http_response_of

    made: list[Response] = []
    prefix = path_prefix.decode()
    path, _, query = call.target.decode("latin-1").partition("?")
    if prefix and path.startswith(prefix):
        path = path[len(prefix) :]
    first = APIRequest(
        method=request.method,
        url=path,
        headers=_headers_of(request.headers),
        query_params=dict(parse_qsl(query, keep_blank_values=True)),
        body=call.body,
        timeout=call.timeout,
        max_retries=call.max_retries,
        retries_taken=retries_taken,
        stream=call.trace.stream if call.trace is not None else _streams(call.body),
        query=query,
        beta=call.beta,
    )

    async def base(api_request: APIRequest) -> AsyncAPIResponse[Any]:
        sent = request if api_request is first else _request_of(path_prefix, api_request)
        if made and call.trace is not None:
            call.trace.attempts += 1  # a resend within the attempt (a fallback hop)
        response = await send(sent)
        made.append(response)

        async def parse(wrapper: AsyncAPIResponse[Any]) -> Any:
            parse_as = call.parse_as
            if parse_as is None:
                raise ClaudeError("this call's response cannot be parsed in middleware")
            return await parse_as(wrapper)

        return AsyncAPIResponse(
            response, http_response_of(response), parse, retries_taken=retries_taken
        )

    chain: AsyncCallNext = base
    for entry in reversed(middleware):
        chain = _wrap(entry, chain)
    kept: Response | None = None
    try:
        result = await chain(first)
        if not isinstance(result, AsyncAPIResponse):
            raise ShortCircuit(result)
        kept = result._response
        return kept, result.http_response.content
    finally:
        # A response the kept one reads on (a spliced stream's first) stays open with it,
        # and one that sends more requests as it is read closes, when it closes, those the
        # chain made after this (`adopt`).
        held: tuple[Response, ...] = getattr(kept, "held", ())
        adopt: Callable[[list[Response]], None] | None = getattr(kept, "adopt", None)
        if adopt is not None:
            adopt(made)
        for response in made:
            if response is not kept and response not in held and not response.is_closed:
                import anyio

                with anyio.CancelScope(shield=True):
                    await response.aclose()


def _wrap(entry: MiddlewareInput, call_next: AsyncCallNext) -> AsyncCallNext:
    handler: Any = entry.handle_async if isinstance(entry, Middleware) else entry

    async def handle(request: APIRequest) -> AsyncAPIResponse[Any]:
        result: AsyncAPIResponse[Any] = await handler(request, call_next)
        return result

    return handle


def _streams(body: bytes | None) -> bool:
    return bool(body) and b'"stream":true' in (body or b"")


def _headers_of(pairs: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = SecretHeaders()
    for name, value in pairs:
        headers[name.decode("latin-1")] = bytes(value).decode("latin-1")
    return headers


def _request_of(path_prefix: bytes, api_request: APIRequest) -> Request:
    """The transport request a middleware's changed `APIRequest` stands for."""
    from ._http import Request
    from ._request import query_items
    from ._secret import SECRET_HEADERS

    query = api_request._query
    if query is None:
        items = [
            item
            for key, value in api_request.query_params.items()
            for item in query_items(key, value)
        ]
        query = urlencode(items)
    target = path_prefix + api_request.url.encode()
    if query:
        target += b"?" + query.encode()
    headers: list[tuple[bytes, bytes]] = []
    for name, value in api_request.headers.items():
        key = name.lower().encode("latin-1")
        wire = SecretBytes if key in SECRET_HEADERS else bytes
        headers.append((key, wire(value.encode("latin-1"))))
    body = api_request._body or b""
    return Request(api_request.method.upper(), target, headers, body)
