"""What a raw response looks like to users: `with_raw_response` and `with_streaming_response`."""

from __future__ import annotations

import codecs
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import msgspec

from ._errors import APIResponseValidationError, ClaudeError

if TYPE_CHECKING:
    from ._http import Headers
    from ._ratelimits import RateLimitInfo
    from ._transport import Response

__all__ = ("APIResponse", "AsyncAPIResponse", "BodyIterator", "HTTPResponse", "decode_body")

T = TypeVar("T")
_I = TypeVar("_I")


def decode_body(decode: Callable[[bytes], T], content: bytes, http_response: HTTPResponse) -> T:
    """`decode(content)`, with the request id stored on the result as `_request_id` (as
    the official SDK does) and failures raised as `APIResponseValidationError`."""
    try:
        result = decode(content)
    except (msgspec.DecodeError, ClaudeError) as exc:
        raise APIResponseValidationError(
            f"could not decode the response body: {exc}",
            status_code=http_response.status_code,
            request_id=http_response.request_id,
            body=content.decode("utf-8", "replace")[:500],
        ) from exc
    if hasattr(result, "__dict__"):
        result._request_id = http_response.request_id  # type: ignore[attr-defined]
    return result


class HTTPResponse:
    """The HTTP side of a reply: `status_code`, `headers` and, once read, `content`.

    This is what `raw.http_response` and `error.response` are.
    """

    __slots__ = ("content", "headers", "http_version", "status_code")

    def __init__(
        self,
        status_code: int,
        headers: Headers,
        http_version: str = "HTTP/1.1",
        content: bytes | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.http_version = http_version
        self.content = content

    @property
    def request_id(self) -> str | None:
        """The `request-id` header, the id to quote when asking Anthropic about a request."""
        return self.headers.get("request-id")

    def __repr__(self) -> str:
        return f"<HTTPResponse [{self.status_code}] request-id={self.request_id}>"


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
    def rate_limits(self) -> RateLimitInfo:
        """The parsed `anthropic-ratelimit-*` and retry headers."""
        from ._ratelimits import RateLimitInfo

        return RateLimitInfo.from_headers(self.headers)


class APIResponse(_ResponseInfo, Generic[T]):
    """The reply of a `with_raw_response` call: headers, status and a `parse()` method.

    The body has been read already (for `stream=True` calls, only the head), so `parse()`
    needs no await and can be called more than once.
    """

    __slots__ = ("_parse", "_parsed")

    def __init__(
        self, http_response: HTTPResponse, parse: Callable[[], T], *, retries_taken: int = 0
    ) -> None:
        self.http_response = http_response
        self.retries_taken = retries_taken
        self._parse = parse
        self._parsed: list[T] = []

    def parse(self) -> T:
        """The typed result the plain call would have returned.

        Raises `APIResponseValidationError` when the body does not decode.
        """
        if not self._parsed:
            self._parsed.append(self._parse())
        return self._parsed[0]

    def __repr__(self) -> str:
        return f"<APIResponse [{self.status_code}] request-id={self.request_id}>"


class AsyncAPIResponse(_ResponseInfo, Generic[T]):
    """The reply of a `with_streaming_response` call, whose body has not been read yet.

    Use it inside its `async with` block: read the body with `read()`, `iter_bytes()`,
    `iter_lines()` or parse it with `await parse()`. Leaving the block closes the response;
    a connection whose body was not read to the end is closed rather than reused.
    """

    __slots__ = ("_parse", "_response")

    def __init__(
        self,
        response: Response,
        http_response: HTTPResponse,
        parse: Callable[[AsyncAPIResponse[T]], Any],
        *,
        retries_taken: int = 0,
    ) -> None:
        self._response = response
        self.http_response = http_response
        self.retries_taken = retries_taken
        self._parse = parse

    async def read(self) -> bytes:
        """Read the whole body (cached in `http_response.content`).

        Raises `APIConnectionError`/`APITimeoutError` if the connection fails.
        """
        if self.http_response.content is None:
            self.http_response.content = await self._response.aread()
        return self.http_response.content

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
        """Read the body and return the typed result the plain call would have returned.

        For `stream` calls this returns the stream object, reading nothing yet.
        """
        result: T = await self._parse(self)
        return result

    async def close(self) -> None:
        """Release the connection (closing it if the body was not read to the end)."""
        await self._response.aclose()

    def __repr__(self) -> str:
        return f"<AsyncAPIResponse [{self.status_code}] request-id={self.request_id}>"


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

    __slots__ = ("_chunks", "_ended", "_ready", "_splitter")

    def __init__(self, response: AsyncAPIResponse[Any], splitter: _Splitter[_I]) -> None:
        content = response.http_response.content
        self._chunks: AsyncIterator[bytes] | None = (
            response._response.aiter_bytes() if content is None else None
        )
        self._splitter = splitter
        self._ready: deque[_I] = deque(splitter.feed(content) if content else ())
        self._ended = self._chunks is None

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
                ready.extend(self._splitter.end())
            else:
                ready.extend(self._splitter.feed(chunk))
        return ready.popleft()
