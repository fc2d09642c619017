"""What a raw response looks like to users: `with_raw_response` and `with_streaming_response`."""

from __future__ import annotations

import codecs
import datetime
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import msgspec

from ._errors import APIResponseValidationError, ClaudeError
from ._http import _SECRET_HEADERS, Headers

if TYPE_CHECKING:
    from ._http import Request
    from ._ratelimits import RateLimitInfo
    from ._streams import AsyncMessageStream, AsyncTextStream
    from ._transport import Response
    from .types import Message

__all__ = (
    "AsyncAPIResponse",
    "AsyncMessageStreamResponse",
    "BodyIterator",
    "HTTPRequest",
    "HTTPResponse",
    "decode_body",
    "http_response_of",
)

T = TypeVar("T")
_I = TypeVar("_I")


def decode_body(decode: Callable[[bytes], T], content: bytes, http_response: HTTPResponse) -> T:
    """`decode(content)`, with the request id stored on the result as `_request_id` (as
    the official SDK does) and failures raised as `APIResponseValidationError`."""
    try:
        result = decode(content)
    except APIResponseValidationError as exc:
        # The decoder judged the body itself (a structured output that does not match the
        # type asked for): its own error stands, with this response's request id.
        if exc.request_id is None:
            exc.request_id = http_response.request_id
        if exc.request is None:
            exc.request = http_response.request
        raise
    except (msgspec.DecodeError, ClaudeError) as exc:
        raise APIResponseValidationError(
            f"could not decode the response body: {exc}",
            status_code=http_response.status_code,
            request_id=http_response.request_id,
            body=content.decode("utf-8", "replace")[:500],
            request=http_response.request,
        ) from exc
    if hasattr(result, "__dict__"):
        result._request_id = http_response.request_id  # type: ignore[attr-defined]
    return result


class HTTPRequest:
    """The request a response or an error belongs to: `method`, `url`, `headers`, `content`.

    Credential headers (`x-api-key`, `authorization`, `proxy-authorization`) hold
    `<redacted>` instead of their values, so the key never travels with an exception.
    """

    __slots__ = ("content", "headers", "method", "url")

    def __init__(self, method: str, url: str, headers: Headers, content: bytes = b"") -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.content = content

    @classmethod
    def redacted(cls, request: Request, origin: str) -> HTTPRequest:
        """The public view of a request sent to `origin` (scheme://host[:port])."""
        headers = Headers(
            (name, b"<redacted>" if name.lower().decode("latin-1") in _SECRET_HEADERS else value)
            for name, value in request.headers
        )
        return cls(
            request.method, origin + request.target.decode("latin-1"), headers, request.content
        )

    def __repr__(self) -> str:
        return f"<HTTPRequest {self.method} {self.url}>"


class HTTPResponse:
    """The HTTP side of a reply: `status_code`, `headers`, `request`, `url`, `elapsed` and,
    once read, `content` / `text` / `json()`.

    This is what `raw.http_response` and `error.response` are.
    """

    __slots__ = (
        "_content",
        "_finished",
        "_origin",
        "_raw_request",
        "_request",
        "_started",
        "headers",
        "http_version",
        "status_code",
    )

    def __init__(
        self,
        status_code: int,
        headers: Headers,
        http_version: str = "HTTP/1.1",
        content: bytes | None = None,
        *,
        request: Request | None = None,
        origin: str = "",
        started: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.http_version = http_version
        self._raw_request = request
        self._origin = origin
        self._request: HTTPRequest | None = None
        now = time.monotonic()
        self._started = now if started is None else started
        self._finished: float | None = None
        self._content: bytes | None = None
        if content is not None:
            self.content = content

    def __getstate__(self) -> tuple[None, dict[str, object]]:
        # Pickled (with an error, say) with the redacted request only: the raw one holds
        # the credential headers.
        _ = self.request
        state = {name: getattr(self, name) for name in self.__slots__}
        state["_raw_request"] = None
        return None, state

    @property
    def content(self) -> bytes | None:
        """The body, or None while it has not been read."""
        return self._content

    @content.setter
    def content(self, value: bytes) -> None:
        self._content = value
        self._finished = time.monotonic()

    @property
    def text(self) -> str:
        """The body decoded as UTF-8. Raises `ClaudeError` if it has not been read."""
        return self._read().decode("utf-8", "replace")

    def json(self) -> Any:
        """The body decoded as JSON. Raises `ClaudeError` if it has not been read,
        `msgspec.DecodeError` (a `ValueError`) if it is not JSON."""
        return msgspec.json.decode(self._read())

    def _read(self) -> bytes:
        if self._content is None:
            raise ClaudeError("the response body has not been read: read() it first")
        return self._content

    @property
    def request(self) -> HTTPRequest | None:
        """The request this answers (credentials redacted), if known."""
        if self._request is None and self._raw_request is not None:
            self._request = HTTPRequest.redacted(self._raw_request, self._origin)
        return self._request

    @property
    def url(self) -> str | None:
        """The URL that was requested."""
        request = self.request
        return None if request is None else request.url

    @property
    def elapsed(self) -> datetime.timedelta:
        """The time from sending the request until the body was read (so far, while it
        is still being read)."""
        end = self._finished if self._finished is not None else time.monotonic()
        return datetime.timedelta(seconds=end - self._started)

    @property
    def request_id(self) -> str | None:
        """The `request-id` header, the id to quote when asking Anthropic about a request."""
        return self.headers.get("request-id")

    def __repr__(self) -> str:
        return f"<HTTPResponse [{self.status_code}] request-id={self.request_id}>"


def http_response_of(response: Response, content: bytes | None = None) -> HTTPResponse:
    """The `HTTPResponse` of a transport response."""
    return HTTPResponse(
        response.status,
        response.headers,
        response.http_version,
        content,
        request=response.request,
        origin=response.origin,
        started=response.started,
    )


class _ResponseInfo:
    __slots__ = ("http_response", "retries_taken")

    http_response: HTTPResponse
    retries_taken: int

    @property
    def headers(self) -> Headers:
        """The response headers (case-insensitive)."""
        return self.http_response.headers

    @property
    def status_code(self) -> int:
        """The HTTP status code."""
        return self.http_response.status_code

    @property
    def request_id(self) -> str | None:
        """The `request-id` header."""
        return self.http_response.request_id

    @property
    def workspace_id(self) -> str | None:
        """The `anthropic-workspace-id` header, if any."""
        return self.http_response.headers.get("anthropic-workspace-id")

    @property
    def rate_limits(self) -> RateLimitInfo:
        """The parsed `anthropic-ratelimit-*` and retry headers."""
        from ._ratelimits import RateLimitInfo

        return RateLimitInfo.from_headers(self.headers)

    @property
    def http_request(self) -> HTTPRequest | None:
        """The request sent (credentials redacted)."""
        return self.http_response.request

    @property
    def url(self) -> str | None:
        """The URL that was requested."""
        return self.http_response.url

    @property
    def method(self) -> str | None:
        """The request method."""
        request = self.http_response.request
        return None if request is None else request.method

    @property
    def http_version(self) -> str:
        """The HTTP version of the response, e.g. `HTTP/1.1`."""
        return self.http_response.http_version

    @property
    def elapsed(self) -> datetime.timedelta:
        """The time from sending the request until the body was read (so far, while it
        is still being read)."""
        return self.http_response.elapsed


class AsyncAPIResponse(_ResponseInfo, Generic[T]):
    """The reply of an async `with_raw_response` call or `with_streaming_response` block.

    `await parse()` gives what the plain call returns (for streams: the open stream);
    `await read()`, `await text()`, `await json()` give the body, and `iter_bytes()`,
    `iter_text()`, `iter_lines()` stream it. A `with_raw_response` reply has its body
    read already (streams: only up to the first event); in a `with_streaming_response`
    block nothing is read until you ask, and leaving the block closes the response (a
    connection whose body was not read to the end is closed rather than reused).
    Reading raises `APIConnectionError`/`APITimeoutError` if the connection fails, and
    `ClaudeError` if the body was already streamed; a cancelled read leaves the connection
    to be closed (never reused) by `close()` or the block's exit.
    """

    __slots__ = ("_parse", "_parsed", "_response", "_stream_only", "_streamed")

    def __init__(
        self,
        response: Response,
        http_response: HTTPResponse,
        parse: Callable[[AsyncAPIResponse[T]], Awaitable[T]],
        *,
        retries_taken: int = 0,
        stream_only: bool = False,
    ) -> None:
        self._response = response
        self.http_response = http_response
        self.retries_taken = retries_taken
        self._parse = parse
        self._parsed: list[T] = []
        # A raw stream has read its first event already: its body is the stream's alone.
        self._stream_only = stream_only
        self._streamed = False

    @property
    def is_closed(self) -> bool:
        """Whether the connection was released (the body read to the end, or closed)."""
        return self._response.is_closed

    def _unread_body(self) -> Response:
        if self._stream_only:
            raise ClaudeError("this response's body is read through its stream: parse()")
        if self._streamed or self._response.is_closed:
            raise ClaudeError(
                "the body was already streamed (or the response closed): call read() before "
                "iterating, or keep what the iteration gives"
            )
        self._streamed = True
        return self._response

    async def read(self) -> bytes:
        """Read the whole body (cached in `http_response.content`) and release the
        connection."""
        content = self.http_response.content
        if content is None:
            response = self._unread_body()
            try:
                content = self.http_response.content = await response.aread()
            finally:
                await response.aclose()
        return content

    async def text(self) -> str:
        """Read the body and decode it as UTF-8."""
        await self.read()
        return self.http_response.text

    async def json(self) -> Any:
        """Read the body and decode it as JSON (`msgspec.DecodeError` if it is not)."""
        await self.read()
        return self.http_response.json()

    def iter_bytes(self) -> BodyIterator[bytes]:
        """The body in chunks as they arrive."""
        return BodyIterator(self, _Chunks())

    def iter_text(self) -> BodyIterator[str]:
        """The body as text (UTF-8, decoded incrementally)."""
        return BodyIterator(self, _Text())

    def iter_lines(self) -> BodyIterator[str]:
        """The body line by line (without line endings)."""
        return BodyIterator(self, _Lines())

    async def parse(self) -> T:
        """The typed result the plain call would have returned (the same object each time).

        Reads the body first, except for streams, which are returned unread. Raises
        `APIResponseValidationError` when the body does not decode.
        """
        if not self._parsed:
            self._parsed.append(await self._parse(self))
        return self._parsed[0]

    async def close(self) -> None:
        """Release the connection (closing it if the body was not read to the end)."""
        await self._response.aclose()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.status_code}] request-id={self.request_id}>"


class AsyncMessageStreamResponse(AsyncAPIResponse["AsyncMessageStream"]):
    """What `messages.with_streaming_response.stream(...)` blocks give: the response, and
    the message stream's `text_stream`, iteration and `get_final_*` helpers directly.

    `async for text in response.text_stream` reads the body as events; so does `await
    response.parse()`, which returns the same `AsyncMessageStream`. Errors are the stream's.
    """

    __slots__ = ("_stream",)

    def __init__(
        self,
        response: Response,
        http_response: HTTPResponse,
        stream: AsyncMessageStream,
        *,
        retries_taken: int = 0,
    ) -> None:
        async def parse(_: AsyncAPIResponse[AsyncMessageStream]) -> AsyncMessageStream:
            return stream

        super().__init__(
            response, http_response, parse, retries_taken=retries_taken, stream_only=True
        )
        self._stream = stream

    @property
    def text_stream(self) -> AsyncTextStream:
        """The text of the text deltas, as `AsyncMessageStream.text_stream`."""
        return self._stream.text_stream

    @property
    def current_message_snapshot(self) -> Message:
        """The message accumulated so far."""
        return self._stream.current_message_snapshot

    def __aiter__(self) -> AsyncMessageStream:
        return self._stream

    async def until_done(self) -> None:
        """Read the stream to its end."""
        await self._stream.until_done()

    async def get_final_message(self) -> Message:
        """Read to the end and return the complete message."""
        return await self._stream.get_final_message()

    async def get_final_text(self) -> str:
        """Read to the end and return the text of all text blocks, joined."""
        return await self._stream.get_final_text()

    async def close(self) -> None:
        """Close the stream and release the connection."""
        await self._stream.close()


class _Chunks:
    def feed(self, chunk: bytes) -> list[bytes]:
        return [chunk] if chunk else []

    def end(self) -> list[bytes]:
        return []


class _Text:
    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, chunk: bytes) -> list[str]:
        text = self._decoder.decode(chunk)
        return [text] if text else []

    def end(self) -> list[str]:
        tail = self._decoder.decode(b"", final=True)
        return [tail] if tail else []


class _Lines:
    def __init__(self) -> None:
        self._text = _Text()
        self._pending = ""

    def _split(self, texts: list[str]) -> list[str]:
        *lines, self._pending = (self._pending + "".join(texts)).split("\n")
        return [line.removesuffix("\r") for line in lines]

    def feed(self, chunk: bytes) -> list[str]:
        return self._split(self._text.feed(chunk))

    def end(self) -> list[str]:
        lines = self._split(self._text.end())
        if self._pending:
            lines.append(self._pending)
            self._pending = ""
        return lines


class _Splitter(Protocol[_I]):
    def feed(self, chunk: bytes) -> list[_I]: ...

    def end(self) -> list[_I]: ...


class BodyIterator(Generic[_I]):
    """An async iterator over a streaming response's body, as bytes, text or lines.

    A class rather than an async generator, so abandoning it half-way leaves nothing for
    the event loop to finalise. Raises `APIConnectionError`/`APITimeoutError` if the
    connection fails; cancelling a read leaves the response to be closed by its block.
    """

    __slots__ = ("_chunks", "_ended", "_ready", "_response", "_splitter")

    def __init__(self, response: AsyncAPIResponse[Any], splitter: _Splitter[_I]) -> None:
        content = response.http_response.content
        self._response = response._unread_body() if content is None else None
        self._chunks: AsyncIterator[bytes] | None = (
            None if self._response is None else self._response.aiter_bytes()
        )
        self._splitter = splitter
        self._ready: deque[_I] = deque(splitter.feed(content) if content else ())
        self._ended = self._chunks is None
        if self._ended:
            self._ready.extend(splitter.end())

    def __aiter__(self) -> BodyIterator[_I]:
        return self

    async def __anext__(self) -> _I:
        ready = self._ready
        while not ready:
            if self._ended:
                raise StopAsyncIteration
            assert self._chunks is not None
            try:
                chunk = await self._chunks.__anext__()
            except StopAsyncIteration:
                self._ended = True
                assert self._response is not None
                await self._response.aclose()
                ready.extend(self._splitter.end())
            else:
                ready.extend(self._splitter.feed(chunk))
        return ready.popleft()
