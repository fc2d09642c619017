"""What a raw response looks like to users: `with_raw_response` and `with_streaming_response`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from ._http import Headers
    from ._ratelimits import RateLimitInfo
    from ._transport import Response

__all__ = ("APIResponse", "AsyncAPIResponse", "HTTPResponse")

T = TypeVar("T")


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

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """The body in chunks as they arrive."""
        if self.http_response.content is not None:
            yield self.http_response.content
            return
        async for chunk in self._response.aiter_bytes():
            yield chunk

    async def iter_text(self) -> AsyncIterator[str]:
        """The body as text (UTF-8, decoded incrementally)."""
        import codecs

        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        async for chunk in self.iter_bytes():
            text = decoder.decode(chunk)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    async def iter_lines(self) -> AsyncIterator[str]:
        """The body line by line (without line endings)."""
        pending = ""
        async for text in self.iter_text():
            pending += text
            *lines, pending = pending.split("\n")
            for line in lines:
                yield line.removesuffix("\r")
        if pending:
            yield pending

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
