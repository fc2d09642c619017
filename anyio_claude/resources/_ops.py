"""The machinery every resource method runs on: `Op` (a prepared call and how its
response becomes a result) run in a `Mode` (plain, raw or streaming), and
`AsyncStreamingResponseManager`, the `async with` of the streaming-response views."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from .._live_streams import open_stream
from .._request import Call, deadline_for
from .._response import AsyncAPIResponse, decode_body, http_response_of, unread

if TYPE_CHECKING:
    from types import TracebackType

    from .._http import HTTPResponse
    from .._requester import Requester
    from .._transport import Response

__all__ = ("AsyncStreamingResponseManager", "Mode", "Op")

T = TypeVar("T")

Mode = Literal["plain", "raw", "streaming"]


class Op:
    """A prepared call plus how to turn its response into a result.

    `decode` turns a read body into the result; `stream_factory` wraps the unread
    response in an event stream (primed to its first event, so early failures are
    retried); `body_factory` wraps it in another reader (batch results). `prepare`, when
    given, builds the call at send time (batch results first look up their URL).
    """

    __slots__ = ("body_factory", "call", "client", "decode", "prepare", "stream_factory")

    def __init__(
        self,
        client: Requester,
        call: Call | None,
        *,
        decode: Callable[[bytes], Any] | None = None,
        stream_factory: Callable[[Response, int, float | None], Any] | None = None,
        body_factory: Callable[[Response, float | None], Any] | None = None,
        prepare: Callable[[], Awaitable[Call]] | None = None,
    ) -> None:
        self.client = client
        self.call = call
        self.decode = decode
        self.stream_factory = stream_factory
        self.body_factory = body_factory
        self.prepare = prepare
        if call is not None:
            call.parse_as = self._parse_as

    async def get_call(self) -> Call:
        if self.call is None:
            assert self.prepare is not None
            self.call = await self.prepare()
            self.call.parse_as = self._parse_as
        return self.call

    async def _parse_as(self, wrapper: AsyncAPIResponse[Any]) -> Any:
        """What `parse()` of one attempt's response gives a middleware: the plain call's
        result (a stream unread)."""
        if self.stream_factory is not None:
            return self.stream_factory(wrapper._unread_body(), wrapper.retries_taken, None)
        if self.body_factory is not None:
            return self.body_factory(wrapper._unread_body(), None)
        assert self.decode is not None
        return decode_body(self.decode, await wrapper.read(), wrapper.http_response)

    def run(self, mode: Mode) -> Any:
        if mode == "streaming":
            return AsyncStreamingResponseManager(self)
        if self.stream_factory is not None:
            return self._open_stream(raw=mode == "raw")
        if self.body_factory is not None:
            return self._open_body(raw=mode == "raw")
        assert self.call is not None
        return self.client._request_json(self.call, self.decode, raw=mode == "raw")

    async def _open_stream(self, *, raw: bool) -> Any:
        factory = self.stream_factory
        assert factory is not None and self.call is not None
        deadline = deadline_for(self.call.timeout)
        stream = await open_stream(
            self.client,
            self.call,
            lambda response, retries: factory(response, retries, deadline),
            deadline=deadline,
        )
        if raw:

            async def parse(_: AsyncAPIResponse[Any]) -> Any:
                return stream

            return AsyncAPIResponse(
                stream._response,
                stream.http_response,
                parse,
                retries_taken=stream.retries_taken,
                stream_only=True,
            )
        return stream

    async def _open_body(self, *, raw: bool) -> Any:
        factory = self.body_factory
        assert factory is not None
        call = await self.get_call()
        deadline = deadline_for(call.timeout)
        response, retries = await self.client._send(call, unread, deadline=deadline)
        result = factory(response, deadline)
        if raw:

            async def parse(_: AsyncAPIResponse[Any]) -> Any:
                return result

            return AsyncAPIResponse(
                response, http_response_of(response), parse, retries_taken=retries
            )
        return result


class AsyncStreamingResponseManager(Generic[T]):
    """`async with` a response whose body is read only when you ask for it.

    Entering sends the request (with retries) and returns an `AsyncAPIResponse` once the
    head has arrived; leaving closes it, releasing or closing the connection. Raises what
    the plain call raises; cancellation closes the connection.
    """

    __slots__ = ("_op", "_response")

    def __init__(self, op: Op) -> None:
        self._op = op
        self._response: AsyncAPIResponse[T] | None = None

    async def __aenter__(self) -> AsyncAPIResponse[T]:
        op = self._op
        call = await op.get_call()
        deadline = deadline_for(call.timeout)
        response, retries = await op.client._send(call, unread, deadline=deadline)
        self._response = self._wrap(response, http_response_of(response), retries, deadline)
        return self._response

    def _wrap(
        self,
        response: Response,
        http_response: HTTPResponse,
        retries: int,
        deadline: float | None,
    ) -> AsyncAPIResponse[T]:
        op = self._op

        async def parse(wrapper: AsyncAPIResponse[T]) -> Any:
            if op.stream_factory is not None:
                return op.stream_factory(wrapper._unread_body(), retries, deadline)
            if op.body_factory is not None:
                return op.body_factory(wrapper._unread_body(), deadline)
            content = await wrapper.read()
            assert op.decode is not None
            return decode_body(op.decode, content, http_response)

        return AsyncAPIResponse(
            response, http_response, parse, retries_taken=retries, deadline=deadline
        )

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._response is not None:
            await self._response.close()


# The name before the twin rename (the blocking twin is `StreamingResponseManager` now in
# `anyio_claude`); kept for a release.
StreamingResponseManager = AsyncStreamingResponseManager
