"""What a raw response looks like to users: `with_raw_response` and `with_streaming_response`."""

from __future__ import annotations

import codecs
import datetime
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import msgspec

from ._errors import APIResponseValidationError, ClaudeError
from ._http import Headers, HTTPRequest, HTTPResponse
from ._request import deadline_scope

if TYPE_CHECKING:
    from ._live_streams import AsyncMessageStream, AsyncTextStream
    from ._ratelimits import RateLimitInfo
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
    "read_whole",
    "unread",
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


async def unread(response: Response, retries_taken: int) -> tuple[Response, int]:
    """An `accept` for `AsyncClaude._send`: the response, unread (the caller closes it),
    and the retries it took."""
    return response, retries_taken


async def read_whole(response: Response, retries_taken: int) -> tuple[Response, int, bytes]:
    """An `accept` for `AsyncClaude._send`: the response, its whole body (read inside the
    attempt, so a body cut short is retried) and the retries it took. Closes it."""
    try:
        content = await response.aread()
    finally:
        await response.aclose()
    return response, retries_taken, content


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

    __slots__ = ("_deadline", "_parse", "_parsed", "_response", "_stream_only", "_streamed")

    def __init__(
        self,
        response: Response,
        http_response: HTTPResponse,
        parse: Callable[[AsyncAPIResponse[T]], Awaitable[T]],
        *,
        retries_taken: int = 0,
        stream_only: bool = False,
        deadline: float | None = None,
    ) -> None:
        self._response = response
        # The call's `Timeout.total` (an `anyio.current_time()`), which bounds reading the
        # body too.
        self._deadline = deadline
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
                with self._body_deadline():
                    body = await response.aread()
            finally:
                await response.aclose()
            content = self.http_response.content = body
        return content

    def _body_deadline(self) -> deadline_scope:
        return deadline_scope(
            self._deadline,
            "the request's overall timeout expired while reading the body",
            request_id=self.request_id,
        )

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

    __slots__ = ("_chunks", "_deadline", "_ended", "_ready", "_response", "_splitter")

    def __init__(self, response: AsyncAPIResponse[Any], splitter: _Splitter[_I]) -> None:
        # Only with a deadline: most bodies have none, and this runs once a chunk.
        self._deadline = None if response._deadline is None else response._body_deadline
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
                if self._deadline is None:
                    chunk = await self._chunks.__anext__()
                else:
                    with self._deadline():
                        chunk = await self._chunks.__anext__()
            except StopAsyncIteration:
                self._ended = True
                assert self._response is not None
                await self._response.aclose()
                ready.extend(self._splitter.end())
            else:
                ready.extend(self._splitter.feed(chunk))
        return ready.popleft()
