"""`client.messages`: create, stream, count_tokens, and the raw/streaming-response views."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from .._client import NOT_GIVEN, NotGiven, _Call, _deadline_for
from .._http import Timeout
from .._response import APIResponse, AsyncAPIResponse, HTTPResponse, decode_body
from .._streams import AsyncMessageStream, AsyncMessageStreamManager, AsyncStream, open_stream
from ..types import MessageTokensCount, decode_message
from ..types._decode import LenientDecoder

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Unpack

    from .._client import AsyncClaude
    from .._transport import Response
    from ..types import (
        Message,
        MessageParam,
        MetadataParam,
        TextBlockParam,
        ThinkingConfigParam,
        ToolChoiceParam,
        ToolParam,
    )
    from ._args import CountTokensArgs, MessageArgs
    from ._batches import (
        AsyncBatches,
        AsyncBatchesWithRawResponse,
        AsyncBatchesWithStreamingResponse,
    )

__all__ = (
    "AsyncMessages",
    "AsyncMessagesWithRawResponse",
    "AsyncMessagesWithStreamingResponse",
    "StreamingResponseManager",
)

T = TypeVar("T")

_count_decoder = LenientDecoder(MessageTokensCount)

# The official SDK's estimate: 128k output tokens take up to an hour to generate.
_MAX_NONSTREAMING_SECONDS = 600.0

Mode = Literal["plain", "raw", "streaming"]


class _Op:
    """A prepared call plus how to turn its response into a result."""

    __slots__ = ("call", "client", "decode", "stream_factory")

    def __init__(
        self,
        client: AsyncClaude,
        call: _Call,
        *,
        decode: Callable[[bytes], Any] | None = None,
        stream_factory: Callable[[Response, int, float | None], Any] | None = None,
    ) -> None:
        self.client = client
        self.call = call
        self.decode = decode
        self.stream_factory = stream_factory

    def run(self, mode: Mode) -> Any:
        if mode == "streaming":
            return StreamingResponseManager(self)
        if self.stream_factory is None:
            return self.client._request_json(self.call, self.decode, raw=mode == "raw")
        return self._open_stream(raw=mode == "raw")

    async def _open_stream(self, *, raw: bool) -> Any:
        factory = self.stream_factory
        assert factory is not None
        deadline = _deadline_for(self.call.timeout)
        stream = await open_stream(
            self.client,
            self.call,
            lambda response, retries: factory(response, retries, deadline),
            deadline=deadline,
        )
        if raw:
            return APIResponse(
                stream.http_response, lambda: stream, retries_taken=stream.retries_taken
            )
        return stream


class StreamingResponseManager(Generic[T]):
    """`async with` a response whose body is read only when you ask for it.

    Entering sends the request (with retries) and returns an `AsyncAPIResponse` once the
    head has arrived; leaving closes it, releasing or closing the connection.
    """

    __slots__ = ("_op", "_response")

    def __init__(self, op: _Op) -> None:
        self._op = op
        self._response: AsyncAPIResponse[T] | None = None

    async def __aenter__(self) -> AsyncAPIResponse[T]:
        op = self._op
        deadline = _deadline_for(op.call.timeout)
        response, retries, _ = await op.client._send(op.call, deadline=deadline)
        http_response = HTTPResponse(response.status, response.headers, response.http_version)

        async def parse(wrapper: AsyncAPIResponse[T]) -> Any:
            if op.stream_factory is not None:
                return op.stream_factory(response, retries, deadline)
            content = await wrapper.read()
            assert op.decode is not None
            return decode_body(op.decode, content, http_response)

        self._response = AsyncAPIResponse(response, http_response, parse, retries_taken=retries)
        return self._response

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._response is not None:
            await self._response.close()


def _decode_count(content: bytes) -> MessageTokensCount:
    return _count_decoder.decode(content)


class _Messages:
    """The implementation behind the three views; `mode` says what methods return."""

    def __init__(self, client: AsyncClaude, mode: Mode) -> None:
        self._client = client
        self._mode: Mode = mode

    def _body(
        self,
        *,
        max_tokens: int,
        messages: Iterable[MessageParam],
        model: str,
        **params: Any,
    ) -> dict[str, Any]:
        return {"model": model, "max_tokens": max_tokens, "messages": messages, **params}

    def create(
        self,
        *,
        max_tokens: int,
        messages: Iterable[MessageParam],
        model: str,
        metadata: MetadataParam | NotGiven = NOT_GIVEN,
        service_tier: Literal["auto", "standard_only"] | NotGiven = NOT_GIVEN,
        stop_sequences: Sequence[str] | NotGiven = NOT_GIVEN,
        stream: bool = False,
        system: str | Iterable[TextBlockParam] | NotGiven = NOT_GIVEN,
        temperature: float | NotGiven = NOT_GIVEN,
        thinking: ThinkingConfigParam | NotGiven = NOT_GIVEN,
        tool_choice: ToolChoiceParam | NotGiven = NOT_GIVEN,
        tools: Iterable[ToolParam | Mapping[str, Any]] | NotGiven = NOT_GIVEN,
        top_k: int | NotGiven = NOT_GIVEN,
        top_p: float | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> Any:
        """The implementation of `AsyncMessages.create`."""
        body = self._body(
            max_tokens=max_tokens,
            messages=messages,
            model=model,
            metadata=metadata,
            service_tier=service_tier,
            stop_sequences=stop_sequences,
            stream=True if stream else None,
            system=system,
            temperature=temperature,
            thinking=thinking,
            tool_choice=tool_choice,
            tools=tools,
            top_k=top_k,
            top_p=top_p,
        )
        if not stream and not self._client._timeout_given(timeout):
            if 3600.0 * max_tokens / 128_000 > _MAX_NONSTREAMING_SECONDS:
                raise ValueError(
                    "Streaming is required for operations that may take longer than 10 "
                    f"minutes (max_tokens={max_tokens}): use messages.stream(...) or "
                    "create(..., stream=True), or pass an explicit timeout"
                )
        call = self._client._call(
            "POST",
            "/v1/messages",
            body=body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        if stream:
            idle = call.timeout.stream_idle

            def factory(response: Response, retries: int, deadline: float | None) -> AsyncStream:
                return AsyncStream(
                    response, deadline=deadline, idle_timeout=idle, retries_taken=retries
                )

            return _Op(self._client, call, stream_factory=factory).run(self._mode)
        return _Op(self._client, call, decode=decode_message).run(self._mode)

    def stream(
        self,
        *,
        max_tokens: int,
        messages: Iterable[MessageParam],
        model: str,
        metadata: MetadataParam | NotGiven = NOT_GIVEN,
        service_tier: Literal["auto", "standard_only"] | NotGiven = NOT_GIVEN,
        stop_sequences: Sequence[str] | NotGiven = NOT_GIVEN,
        system: str | Iterable[TextBlockParam] | NotGiven = NOT_GIVEN,
        temperature: float | NotGiven = NOT_GIVEN,
        thinking: ThinkingConfigParam | NotGiven = NOT_GIVEN,
        tool_choice: ToolChoiceParam | NotGiven = NOT_GIVEN,
        tools: Iterable[ToolParam | Mapping[str, Any]] | NotGiven = NOT_GIVEN,
        top_k: int | NotGiven = NOT_GIVEN,
        top_p: float | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> Any:
        """The implementation of `AsyncMessages.stream`."""
        body = self._body(
            max_tokens=max_tokens,
            messages=messages,
            model=model,
            metadata=metadata,
            service_tier=service_tier,
            stop_sequences=stop_sequences,
            stream=True,
            system=system,
            temperature=temperature,
            thinking=thinking,
            tool_choice=tool_choice,
            tools=tools,
            top_k=top_k,
            top_p=top_p,
        )
        call = self._client._call(
            "POST",
            "/v1/messages",
            body=body,
            extra_headers={"x-stainless-helper-method": "stream", **(extra_headers or {})},
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        idle = call.timeout.stream_idle

        def factory(response: Response, retries: int, deadline: float | None) -> AsyncMessageStream:
            return AsyncMessageStream(
                response, deadline=deadline, idle_timeout=idle, retries_taken=retries
            )

        op = _Op(self._client, call, stream_factory=factory)
        if self._mode == "plain":
            return AsyncMessageStreamManager(lambda: op.run("plain"))
        return op.run(self._mode)

    def count_tokens(
        self,
        *,
        messages: Iterable[MessageParam],
        model: str,
        system: str | Iterable[TextBlockParam] | NotGiven = NOT_GIVEN,
        thinking: ThinkingConfigParam | NotGiven = NOT_GIVEN,
        tool_choice: ToolChoiceParam | NotGiven = NOT_GIVEN,
        tools: Iterable[ToolParam | Mapping[str, Any]] | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> Any:
        """The implementation of `AsyncMessages.count_tokens`."""
        call = self._client._call(
            "POST",
            "/v1/messages/count_tokens",
            body={
                "model": model,
                "messages": messages,
                "system": system,
                "thinking": thinking,
                "tool_choice": tool_choice,
                "tools": tools,
            },
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        return _Op(self._client, call, decode=_decode_count).run(self._mode)


class AsyncMessages:
    """`client.messages`: create, stream and count_tokens, plus `batches`.

    `with_raw_response` and `with_streaming_response` give the same methods returning the
    HTTP response too. Methods raise what `AsyncClaude` raises (see `create`).
    """

    __slots__ = ("_client", "_impl")

    def __init__(self, client: AsyncClaude) -> None:
        self._client = client
        self._impl = _Messages(client, "plain")

    @property
    def with_raw_response(self) -> AsyncMessagesWithRawResponse:
        """The same methods, returning an `APIResponse` (headers, status, `parse()`)."""
        return AsyncMessagesWithRawResponse(self._client)

    @property
    def with_streaming_response(self) -> AsyncMessagesWithStreamingResponse:
        """The same methods as `async with` blocks giving an unread `AsyncAPIResponse`."""
        return AsyncMessagesWithStreamingResponse(self._client)

    @property
    def batches(self) -> AsyncBatches:
        """Message Batches: many requests processed asynchronously at lower cost."""
        from ._batches import AsyncBatches

        return AsyncBatches(self._client)

    @overload
    def create(
        self, *, stream: Literal[False] = False, **args: Unpack[MessageArgs]
    ) -> Coroutine[Any, Any, Message]: ...
    @overload
    def create(
        self, *, stream: Literal[True], **args: Unpack[MessageArgs]
    ) -> Coroutine[Any, Any, AsyncStream]: ...
    @overload
    def create(
        self, *, stream: bool, **args: Unpack[MessageArgs]
    ) -> Coroutine[Any, Any, Message | AsyncStream]: ...
    def create(self, **args: Any) -> Any:
        """Send a conversation; `await` it for the reply `Message`.

        With `stream=True` the awaited result is an `AsyncStream` of raw events. Without
        streaming, a `max_tokens` that could take over 10 minutes raises `ValueError`
        unless a timeout is given explicitly (stream instead).
        Raises `APIStatusError` subclasses for error replies (after retries),
        `APIConnectionError`/`APITimeoutError` for transport failures. Cancellation stops
        the request at once and closes its connection.
        """
        return self._impl.create(**args)

    def stream(self, **args: Unpack[MessageArgs]) -> AsyncMessageStreamManager[AsyncMessageStream]:
        """Stream a reply: `async with client.messages.stream(...) as stream:`.

        Entering sends the request (retrying failures until the first event arrives) and
        yields an `AsyncMessageStream`; leaving closes it even if it was not read to the
        end. Errors are as for `create`; an `error` event mid-stream raises the class its
        type maps to, with the partial message on `error.partial_message`.
        """
        result: AsyncMessageStreamManager[AsyncMessageStream] = self._impl.stream(**args)
        return result

    def count_tokens(
        self, **args: Unpack[CountTokensArgs]
    ) -> Coroutine[Any, Any, MessageTokensCount]:
        """Count the input tokens of a conversation; `await` it for `MessageTokensCount`.

        Raises as `create` does.
        """
        result: Coroutine[Any, Any, MessageTokensCount] = self._impl.count_tokens(**args)
        return result


class AsyncMessagesWithRawResponse:
    """`client.messages.with_raw_response`: each call gives an `APIResponse` whose
    `parse()` returns what the plain call returns."""

    __slots__ = ("_client", "_impl")

    def __init__(self, client: AsyncClaude) -> None:
        self._client = client
        self._impl = _Messages(client, "raw")

    @property
    def batches(self) -> AsyncBatchesWithRawResponse:
        """`messages.batches`, returning `APIResponse`s."""
        from ._batches import AsyncBatchesWithRawResponse

        return AsyncBatchesWithRawResponse(self._client)

    @overload
    def create(
        self, *, stream: Literal[False] = False, **args: Unpack[MessageArgs]
    ) -> Coroutine[Any, Any, APIResponse[Message]]: ...
    @overload
    def create(
        self, *, stream: Literal[True], **args: Unpack[MessageArgs]
    ) -> Coroutine[Any, Any, APIResponse[AsyncStream]]: ...
    @overload
    def create(
        self, *, stream: bool, **args: Unpack[MessageArgs]
    ) -> Coroutine[Any, Any, APIResponse[Message] | APIResponse[AsyncStream]]: ...
    def create(self, **args: Any) -> Any:
        """`messages.create`, awaiting to an `APIResponse` (for streams: once the first
        event is in). Raises as `messages.create` does."""
        return self._impl.create(**args)

    def stream(
        self, **args: Unpack[MessageArgs]
    ) -> Coroutine[Any, Any, APIResponse[AsyncMessageStream]]:
        """`messages.stream`, awaiting to an `APIResponse` whose `parse()` is the open
        stream (close it when done). Raises as `messages.stream` does."""
        result: Coroutine[Any, Any, APIResponse[AsyncMessageStream]] = self._impl.stream(**args)
        return result

    def count_tokens(
        self, **args: Unpack[CountTokensArgs]
    ) -> Coroutine[Any, Any, APIResponse[MessageTokensCount]]:
        """`messages.count_tokens`, awaiting to an `APIResponse`."""
        result: Coroutine[Any, Any, APIResponse[MessageTokensCount]] = self._impl.count_tokens(
            **args
        )
        return result


class AsyncMessagesWithStreamingResponse:
    """`client.messages.with_streaming_response`: each call is an `async with` block
    giving an `AsyncAPIResponse` whose body is read only when you ask."""

    __slots__ = ("_client", "_impl")

    def __init__(self, client: AsyncClaude) -> None:
        self._client = client
        self._impl = _Messages(client, "streaming")

    @property
    def batches(self) -> AsyncBatchesWithStreamingResponse:
        """`messages.batches`, as `async with` blocks."""
        from ._batches import AsyncBatchesWithStreamingResponse

        return AsyncBatchesWithStreamingResponse(self._client)

    @overload
    def create(
        self, *, stream: Literal[False] = False, **args: Unpack[MessageArgs]
    ) -> StreamingResponseManager[Message]: ...
    @overload
    def create(
        self, *, stream: Literal[True], **args: Unpack[MessageArgs]
    ) -> StreamingResponseManager[AsyncStream]: ...
    @overload
    def create(
        self, *, stream: bool, **args: Unpack[MessageArgs]
    ) -> StreamingResponseManager[Message] | StreamingResponseManager[AsyncStream]: ...
    def create(self, **args: Any) -> Any:
        """`messages.create` as `async with ... as response:`. Raises as `create` does."""
        return self._impl.create(**args)

    def stream(self, **args: Unpack[MessageArgs]) -> StreamingResponseManager[AsyncMessageStream]:
        """`messages.stream` as `async with ... as response:`; `await response.parse()`
        gives the stream."""
        result: StreamingResponseManager[AsyncMessageStream] = self._impl.stream(**args)
        return result

    def count_tokens(
        self, **args: Unpack[CountTokensArgs]
    ) -> StreamingResponseManager[MessageTokensCount]:
        """`messages.count_tokens` as `async with ... as response:`."""
        result: StreamingResponseManager[MessageTokensCount] = self._impl.count_tokens(**args)
        return result
