"""`client.messages`: create, parse, stream, count_tokens, and the raw/streaming-response views.

Arguments are checked here, before anything is sent: what the API could never accept
raises `TypeError`/`ValueError` naming the argument, with no request made.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from .._helper_tags import HEADER as HELPER_HEADER
from .._helper_tags import with_helper
from .._http import HTTPResponse, Timeout
from .._live_streams import AsyncMessageStream, AsyncMessageStreamManager, AsyncStream
from .._model_warnings import warn_about_model
from .._parse import AsyncParsedMessageStream, merge_output_config, parse_message
from .._request import NOT_GIVEN, Call, NotGiven
from .._response import (
    AsyncAPIResponse,
    AsyncMessageStreamResponse,
)
from ..types import MessageTokensCount, ParsedMessage, decode_message
from ..types._decode import LenientDecoder
from ..types._gen_models import MAX_NONSTREAMING_TOKENS
from ..types._gen_params import ParamShape
from ._checks import checked_strings, listed, option_headers, type_name
from ._ops import AsyncStreamingResponseManager, Mode, Op

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._requester import Requester
    from .._runner import MapInput, MapOptions, MapRun
    from .._transport import Response
    from ..types import (
        CacheControlEphemeralParam,
        DiagnosticsParam,
        Message,
        MessageCreateParamsContainerParam,
        MessageParam,
        MetadataParam,
        ModelParam,
        OutputConfigParam,
        TextBlockParam,
        ThinkingConfigParam,
        ToolChoiceParam,
        ToolUnionParam,
    )
    from ._args import CountTokensArgs, MessageArgs
    from ._batches import (
        AsyncBatches,
        AsyncBatchesWithRawResponse,
        AsyncBatchesWithStreamingResponse,
    )

__all__ = (
    "AsyncMessageStreamResponseManager",
    "AsyncMessages",
    "AsyncMessagesWithRawResponse",
    "AsyncMessagesWithStreamingResponse",
    "AsyncStreamingResponseManager",
    "checked_strings",
    "option_headers",
)

T = TypeVar("T")
_F = TypeVar("_F")

_count_decoder = LenientDecoder(MessageTokensCount)

# The official SDK's estimate: 128k output tokens take up to an hour to generate.
_MAX_NONSTREAMING_SECONDS = 600.0


class AsyncMessageStreamResponseManager(AsyncStreamingResponseManager[AsyncMessageStream]):
    """What `messages.with_streaming_response.stream(...)` returns: `async with` it for an
    `AsyncMessageStreamResponse` (the response, with the stream's `text_stream`)."""

    __slots__ = ()

    async def __aenter__(self) -> AsyncMessageStreamResponse:
        response = await super().__aenter__()
        assert isinstance(response, AsyncMessageStreamResponse)
        return response

    def _wrap(
        self,
        response: Response,
        http_response: HTTPResponse,
        retries: int,
        deadline: float | None,
    ) -> AsyncMessageStreamResponse:
        factory = self._op.stream_factory
        assert factory is not None
        stream = factory(response, retries, deadline)
        return AsyncMessageStreamResponse(response, http_response, stream, retries_taken=retries)


# The name before the twin rename; kept for a release.
MessageStreamResponseManager = AsyncMessageStreamResponseManager


# Under this beta the official beta stream keeps a tool input's unfinished string in its
# snapshots (the input may stop anywhere in a string); so do ours.
_FINE_GRAINED_BETA = b"fine-grained-tool-streaming-2025-05-14"


def _fine_grained(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether a request's `anthropic-beta` header names fine-grained tool streaming."""
    # The transport's header names are lower-case whatever the caller wrote.
    return any(name == b"anthropic-beta" and _FINE_GRAINED_BETA in value for name, value in headers)


def _decode_count(content: bytes) -> MessageTokensCount:
    return _count_decoder.decode(content)


_MAPPING_ARGS = (
    "cache_control",
    "diagnostics",
    "metadata",
    "output_config",
    "thinking",
    "tool_choice",
)
_STR_ARGS = ("inference_geo", "service_tier", "speed", "user_profile_id", "workspace_id")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_int(name: str, value: object, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type_name(value)}: {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


def _check_unit(name: str, value: object) -> None:
    if not _is_number(value):
        raise TypeError(f"{name} must be a float, got {type_name(value)}: {value!r}")
    # NaN fails both comparisons, so it lands here too (JSON would send it as null).
    if not 0.0 <= value <= 1.0:  # type: ignore[operator]
        raise ValueError(f"{name} must be between 0 and 1, got {value!r}")


_KIND_NAMES = {"object": "a dict", "array": "a list", "string": "a str", "null": "None"}


def _checked_shape(name: str, value: object, shape: ParamShape) -> object:
    """`value` if its JSON kind is one `shape` allows (an iterable as a list). The value is
    not shown in the error: some of these parameters carry tokens."""
    kinds = shape.kinds
    if (
        ("null" in kinds and value is None)
        or ("object" in kinds and isinstance(value, Mapping))
        or value in shape.literals
        or ("string" in kinds and isinstance(value, str))
    ):
        return value
    if (
        "array" in kinds
        and isinstance(value, Iterable)
        and not isinstance(value, str | bytes | Mapping)
    ):
        return listed(name, value)
    allowed = [_KIND_NAMES.get(kind, kind) for kind in kinds]
    allowed += [repr(literal) for literal in shape.literals]
    raise TypeError(f"{name} must be {' or '.join(allowed)}, got {type_name(value)}")


def _checked_messages(messages: object) -> list[Any]:
    turns = listed("messages", messages)
    checked = turns
    for i, turn in enumerate(turns):
        if not isinstance(turn, Mapping):
            raise TypeError(
                f"messages[{i}] must be a dict with 'role' and 'content', got {type_name(turn)}"
            )
        if not isinstance(turn.get("role"), str):
            raise TypeError(f"messages[{i}]['role'] must be a str such as 'user'")
        content = turn.get("content")
        if not isinstance(content, str | list):
            if checked is turns:
                checked = list(turns)  # the caller's list stays as it was
            checked[i] = {**turn, "content": listed(f"messages[{i}]['content']", content)}
    return checked


def _check_params(params: dict[str, Any]) -> None:
    """Reject what the API could never accept, in place, before anything is sent."""
    model = params["model"]
    if not isinstance(model, str):
        raise TypeError(f"model must be a str, got {type_name(model)}: {model!r}")
    params["messages"] = _checked_messages(params["messages"])
    # None means "not given" for every optional argument, as `_call` drops it.
    for name in ("temperature", "top_p"):
        if params.get(name) is not None:
            _check_unit(name, params[name])
    if params.get("top_k") is not None:
        _check_int("top_k", params["top_k"], 0)
    stop = params.get("stop_sequences")
    if stop is not None:
        params["stop_sequences"] = checked_strings("stop_sequences", stop)
    system = params.get("system")
    if system is not None and not isinstance(system, str):
        params["system"] = listed("system", system)
    tools = params.get("tools")
    if tools is not None:
        params["tools"] = listed("tools", tools)
        for i, tool in enumerate(params["tools"]):
            if not isinstance(tool, Mapping):
                raise TypeError(f"tools[{i}] must be a dict, got {type_name(tool)}")
    for name in _MAPPING_ARGS:
        value = params.get(name)
        if value is not None and not isinstance(value, Mapping):
            raise TypeError(f"{name} must be a dict, got {type_name(value)}: {value!r}")
    for name in _STR_ARGS:
        value = params.get(name)
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a str, got {type_name(value)}: {value!r}")
    container = params.get("container")
    if container is not None and not isinstance(container, str | Mapping):
        raise TypeError(f"container must be a str or a dict, got {type_name(container)}")


class _MessageRequest:
    """A validated messages request: its body and the per-call options."""

    __slots__ = ("body", "extra_body", "extra_headers", "extra_query", "timeout")

    def __init__(
        self,
        params: dict[str, Any],
        *,
        output_format: object,
        extra_headers: Mapping[str, str] | None,
        extra_query: Mapping[str, object] | None,
        extra_body: Mapping[str, object] | None,
        timeout: float | Timeout | NotGiven | None,
    ) -> None:
        params = {k: v for k, v in params.items() if not isinstance(v, NotGiven)}
        _check_params(params)
        if output_format is not None and not isinstance(output_format, NotGiven):
            params["output_config"] = merge_output_config(
                params.get("output_config"), output_format
            )
        self.extra_headers = option_headers(
            extra_headers,
            user_profile_id=params.pop("user_profile_id", None),
            workspace_id=params.pop("workspace_id", None),
        )
        self.body = params
        self.extra_query = extra_query
        self.extra_body = extra_body
        self.timeout = timeout


def _message_request(
    *,
    max_tokens: int,
    messages: Iterable[MessageParam],
    model: ModelParam,
    cache_control: CacheControlEphemeralParam | NotGiven | None = NOT_GIVEN,
    container: MessageCreateParamsContainerParam | NotGiven | None = NOT_GIVEN,
    diagnostics: DiagnosticsParam | NotGiven | None = NOT_GIVEN,
    inference_geo: str | NotGiven | None = NOT_GIVEN,
    metadata: MetadataParam | NotGiven = NOT_GIVEN,
    output_config: OutputConfigParam | NotGiven = NOT_GIVEN,
    output_format: object = NOT_GIVEN,
    service_tier: Literal["auto", "standard_only"] | NotGiven = NOT_GIVEN,
    speed: Literal["standard", "fast"] | NotGiven | None = NOT_GIVEN,
    stop_sequences: Sequence[str] | NotGiven = NOT_GIVEN,
    stream: bool = False,
    system: str | Iterable[TextBlockParam] | NotGiven = NOT_GIVEN,
    temperature: float | NotGiven = NOT_GIVEN,
    thinking: ThinkingConfigParam | NotGiven = NOT_GIVEN,
    tool_choice: ToolChoiceParam | NotGiven = NOT_GIVEN,
    tools: Iterable[ToolUnionParam | Mapping[str, Any]] | NotGiven = NOT_GIVEN,
    top_k: int | NotGiven = NOT_GIVEN,
    top_p: float | NotGiven = NOT_GIVEN,
    user_profile_id: str | NotGiven = NOT_GIVEN,
    workspace_id: str | NotGiven = NOT_GIVEN,
    extra_headers: Mapping[str, str] | None = None,
    extra_query: Mapping[str, object] | None = None,
    extra_body: Mapping[str, object] | None = None,
    timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
) -> _MessageRequest:
    """Check and gather the arguments of create/stream/parse (the names say what is
    missing or unexpected: Python's own TypeError)."""
    _check_int("max_tokens", max_tokens, 0)
    if not isinstance(stream, bool):
        raise TypeError(f"stream must be a bool, got {type_name(stream)}")
    return _MessageRequest(
        {
            "model": model,
            "max_tokens": max_tokens,
            "messages": messages,
            "cache_control": cache_control,
            "container": container,
            "diagnostics": diagnostics,
            "inference_geo": inference_geo,
            "metadata": metadata,
            "output_config": output_config,
            "service_tier": service_tier,
            "speed": speed,
            "stop_sequences": stop_sequences,
            "stream": True if stream else NOT_GIVEN,
            "system": system,
            "temperature": temperature,
            "thinking": thinking,
            "tool_choice": tool_choice,
            "tools": tools,
            "top_k": top_k,
            "top_p": top_p,
            "user_profile_id": user_profile_id,
            "workspace_id": workspace_id,
        },
        output_format=output_format,
        extra_headers=extra_headers,
        extra_query=extra_query,
        extra_body=extra_body,
        timeout=timeout,
    )


def _count_request(
    *,
    messages: Iterable[MessageParam],
    model: ModelParam,
    cache_control: CacheControlEphemeralParam | NotGiven | None = NOT_GIVEN,
    output_config: OutputConfigParam | NotGiven = NOT_GIVEN,
    output_format: object = NOT_GIVEN,
    speed: Literal["standard", "fast"] | NotGiven | None = NOT_GIVEN,
    system: str | Iterable[TextBlockParam] | NotGiven = NOT_GIVEN,
    thinking: ThinkingConfigParam | NotGiven = NOT_GIVEN,
    tool_choice: ToolChoiceParam | NotGiven = NOT_GIVEN,
    tools: Iterable[ToolUnionParam | Mapping[str, Any]] | NotGiven = NOT_GIVEN,
    user_profile_id: str | NotGiven = NOT_GIVEN,
    workspace_id: str | NotGiven = NOT_GIVEN,
    extra_headers: Mapping[str, str] | None = None,
    extra_query: Mapping[str, object] | None = None,
    extra_body: Mapping[str, object] | None = None,
    timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
) -> _MessageRequest:
    """Check and gather the arguments of count_tokens."""
    return _MessageRequest(
        {
            "model": model,
            "messages": messages,
            "cache_control": cache_control,
            "output_config": output_config,
            "speed": speed,
            "system": system,
            "thinking": thinking,
            "tool_choice": tool_choice,
            "tools": tools,
            "user_profile_id": user_profile_id,
            "workspace_id": workspace_id,
        },
        output_format=output_format,
        extra_headers=extra_headers,
        extra_query=extra_query,
        extra_body=extra_body,
        timeout=timeout,
    )


def _gather(
    method: str, gather: Callable[..., _MessageRequest], args: dict[str, Any]
) -> _MessageRequest:
    try:
        return gather(**args)
    except TypeError as exc:
        # Python names the private helper in "missing/unexpected argument" errors.
        prefix = f"{gather.__name__}()"
        if str(exc).startswith(prefix):
            raise TypeError(f"messages.{method}(){str(exc)[len(prefix) :]}") from None
        raise


class _Messages:
    """The implementation behind the three views; `mode` says what methods return.

    `params` are body parameters checked by the caller (the beta methods' own), sent with
    those of each request.
    """

    def __init__(
        self,
        client: Requester,
        mode: Mode,
        params: Mapping[str, object] | None = None,
        *,
        beta: bool = False,
    ) -> None:
        self._client = client
        self._mode: Mode = mode
        self._params = params
        self._beta = beta

    def _message_call(self, path: str, request: _MessageRequest, **headers: str) -> Call:
        extra = request.extra_headers
        helper = headers.get(HELPER_HEADER)
        if helper is not None:
            # The method's own helper goes first; those the call names are added after it.
            extra = with_helper(extra, helper, first=True)
        call = self._client._call(
            "POST",
            path,
            body={**request.body, **self._params} if self._params else request.body,
            extra_headers={**headers, **extra},
            extra_query=request.extra_query,
            extra_body=request.extra_body,
            timeout=request.timeout,
        )
        call.beta = self._beta
        return call

    def _check_duration(self, request: _MessageRequest) -> None:
        max_tokens = request.body["max_tokens"]
        if not self._client._timeout_given(request.timeout):
            model_limit = MAX_NONSTREAMING_TOKENS.get(request.body["model"])
            if 3600.0 * max_tokens / 128_000 > _MAX_NONSTREAMING_SECONDS or (
                model_limit is not None and max_tokens > model_limit
            ):
                raise ValueError(
                    "Streaming is required for operations that may take longer than 10 "
                    f"minutes (max_tokens={max_tokens}): use messages.stream(...) or "
                    "create(..., stream=True), or pass an explicit timeout"
                )

    def create(self, **args: Any) -> Any:
        """The implementation of `AsyncMessages.create`."""
        if "output_format" in args:
            raise TypeError(
                "create() got an unexpected keyword argument 'output_format': use "
                "messages.parse(...) or messages.stream(...) for structured outputs"
            )
        request = _gather("create", _message_request, args)
        warn_about_model(request.body["model"], request.body.get("thinking"))
        stream = "stream" in request.body
        if not stream:
            self._check_duration(request)
        call = self._message_call("/v1/messages", request)
        if stream:
            idle = call.timeout.stream_idle

            def factory(response: Response, retries: int, deadline: float | None) -> AsyncStream:
                return AsyncStream(
                    response, deadline=deadline, idle_timeout=idle, retries_taken=retries
                )

            return Op(self._client, call, stream_factory=factory).run(self._mode)
        return Op(self._client, call, decode=decode_message).run(self._mode)

    def parse(self, *, output_format: object = None, **args: Any) -> Any:
        """The implementation of `AsyncMessages.parse`."""
        # The official SDK's tags: `beta.messages.parse` / `messages.parse` on the GA twin.
        helper = "beta.messages.parse" if self._beta else "messages.parse"
        return self.parse_as(helper, output_format, args)

    def parse_as(self, helper: str | None, output_format: object, args: dict[str, Any]) -> Any:
        """`parse`, naming `helper` in `x-stainless-helper` (`None`: no helper of its own,
        as for the tool runner's turns, which the official runner sends with `create`)."""
        if "stream" in args:
            raise TypeError(
                "parse() got an unexpected keyword argument 'stream': use "
                "messages.stream(..., output_format=...) to stream a structured output"
            )
        request = _gather("parse", _message_request, {"output_format": output_format, **args})
        warn_about_model(request.body["model"], request.body.get("thinking"))
        self._check_duration(request)
        tags = {} if helper is None else {HELPER_HEADER: helper}
        call = self._message_call("/v1/messages", request, **tags)

        def decode(body: bytes) -> ParsedMessage[Any]:
            return parse_message(decode_message(body), output_format)

        return Op(self._client, call, decode=decode).run(self._mode)

    def stream(self, *, output_format: object = None, **args: Any) -> Any:
        """The implementation of `AsyncMessages.stream`."""
        if "stream" in args:
            raise TypeError("stream() got an unexpected keyword argument 'stream'")
        args = {"output_format": output_format, "stream": True, **args}
        request = _gather("stream", _message_request, args)
        warn_about_model(request.body["model"], request.body.get("thinking"))
        helper = {
            "x-stainless-helper-method": "stream",
            "x-stainless-stream-helper": "beta.messages" if self._beta else "messages",
        }
        call = self._message_call("/v1/messages", request, **helper)
        idle = call.timeout.stream_idle

        beta = self._beta

        def factory(response: Response, retries: int, deadline: float | None) -> AsyncMessageStream:
            strings = beta and _fine_grained(response.request.headers)
            if output_format is None:
                return AsyncMessageStream(
                    response,
                    deadline=deadline,
                    idle_timeout=idle,
                    retries_taken=retries,
                    trailing_strings=strings,
                )
            return AsyncParsedMessageStream(
                response,
                output_format=output_format,  # type: ignore[arg-type]
                deadline=deadline,
                idle_timeout=idle,
                retries_taken=retries,
                trailing_strings=strings,
            )

        op = Op(self._client, call, stream_factory=factory)
        if self._mode == "plain":
            return AsyncMessageStreamManager(lambda: op.run("plain"))
        if self._mode == "streaming":
            return AsyncMessageStreamResponseManager(op)
        return op.run(self._mode)

    def count_tokens(self, **args: Any) -> Any:
        """The implementation of `AsyncMessages.count_tokens`."""
        request = _gather("count_tokens", _count_request, args)
        call = self._message_call("/v1/messages/count_tokens", request)
        return Op(self._client, call, decode=_decode_count).run(self._mode)


class AsyncMessages:
    """`client.messages`: create, parse, stream and count_tokens, plus `batches`.

    `with_raw_response` and `with_streaming_response` give the same methods returning the
    HTTP response too. Methods raise what `AsyncClaude` raises (see `create`).
    """

    __slots__ = ("_client", "_impl")

    def __init__(self, client: Requester) -> None:
        self._client = client
        self._impl = _Messages(client, "plain")

    @property
    def with_raw_response(self) -> AsyncMessagesWithRawResponse:
        """The same methods, returning an `AsyncAPIResponse` (body read, `await parse()`)."""
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
        streaming, a `max_tokens` that could take over 10 minutes (or is above what the
        model serves without streaming, 8,192 for Claude Opus 4 and 4.1) raises
        `ValueError` unless a timeout is given explicitly (stream instead).
        Bad arguments raise `TypeError`/`ValueError` naming the argument, before any
        request is sent. Raises `APIStatusError` subclasses for error replies (after
        retries), `APIConnectionError`/`APITimeoutError` for transport failures.
        Cancellation stops the request at once and closes its connection.
        """
        return self._impl.create(**args)

    def map(self, requests: MapInput, **options: Unpack[MapOptions]) -> MapRun:
        """Send many requests at the API's rate limits: `async with client.messages.map(
        requests) as results: async for result in results: ...` (see `Runner`).

        Bad options raise `ValueError` before anything is sent; each failed request is a
        `MapResult` with `error` set. Leaving the block cancels the requests in flight.
        """
        from .._runner import map_requests

        return map_requests(self._client, requests, options)

    @overload
    def parse(
        self, *, output_format: type[_F], **args: Unpack[MessageArgs]
    ) -> Coroutine[Any, Any, ParsedMessage[_F]]: ...
    @overload
    def parse(
        self, *, output_format: None = None, **args: Unpack[MessageArgs]
    ) -> Coroutine[Any, Any, ParsedMessage[None]]: ...
    def parse(self, *, output_format: Any = None, **args: Any) -> Any:
        """Ask for a reply shaped like `output_format`; `await` it for a `ParsedMessage`.

        `output_format` is a msgspec `Struct`, dataclass, `TypedDict` or pydantic model
        type; its JSON Schema goes out as `output_config.format` and the reply's text is
        decoded into it (`message.parsed_output`). Raises `TypeError` for a type no schema
        can be made of, `ValueError` if `output_config` has a `format` too,
        `OutputValidationError` when the reply does not match; otherwise as `create`.
        """
        return self._impl.parse(output_format=output_format, **args)

    @overload
    def stream(
        self, *, output_format: type[_F], **args: Unpack[MessageArgs]
    ) -> AsyncMessageStreamManager[AsyncParsedMessageStream[_F]]: ...
    @overload
    def stream(
        self, *, output_format: None = None, **args: Unpack[MessageArgs]
    ) -> AsyncMessageStreamManager[AsyncMessageStream]: ...
    def stream(self, *, output_format: Any = None, **args: Any) -> Any:
        """Stream a reply: `async with client.messages.stream(...) as stream:`.

        Entering sends the request (retrying failures until the first event arrives) and
        yields an `AsyncMessageStream`; leaving closes it even if it was not read to the
        end. Errors are as for `create`; an `error` event mid-stream raises the class its
        type maps to, with the partial message on `error.partial_message`. With
        `output_format` (as for `parse`) `get_final_message()` returns a `ParsedMessage`.
        """
        return self._impl.stream(output_format=output_format, **args)

    def count_tokens(
        self, *, output_format: type[Any] | None = None, **args: Unpack[CountTokensArgs]
    ) -> Coroutine[Any, Any, MessageTokensCount]:
        """Count the input tokens of a conversation; `await` it for `MessageTokensCount`.

        `output_format` counts the schema `parse` would send. Raises as `create` does.
        """
        result: Coroutine[Any, Any, MessageTokensCount] = self._impl.count_tokens(
            output_format=output_format, **args
        )
        return result


class AsyncMessagesWithRawResponse:
    """`client.messages.with_raw_response`: each call gives an `AsyncAPIResponse` whose
    `parse()` returns what the plain call returns."""

    __slots__ = ("_client", "_impl")

    def __init__(self, client: Requester) -> None:
        self._client = client
        self._impl = _Messages(client, "raw")

    @property
    def batches(self) -> AsyncBatchesWithRawResponse:
        """`messages.batches`, returning `AsyncAPIResponse`s."""
        from ._batches import AsyncBatches

        return AsyncBatches(self._client).with_raw_response

    @overload
    def create(
        self, *, stream: Literal[False] = False, **args: Unpack[MessageArgs]
    ) -> Coroutine[Any, Any, AsyncAPIResponse[Message]]: ...
    @overload
    def create(
        self, *, stream: Literal[True], **args: Unpack[MessageArgs]
    ) -> Coroutine[Any, Any, AsyncAPIResponse[AsyncStream]]: ...
    @overload
    def create(
        self, *, stream: bool, **args: Unpack[MessageArgs]
    ) -> Coroutine[Any, Any, AsyncAPIResponse[Message] | AsyncAPIResponse[AsyncStream]]: ...
    def create(self, **args: Any) -> Any:
        """`messages.create`, awaiting to an `AsyncAPIResponse` (for streams: once the first
        event is in). Raises as `messages.create` does."""
        return self._impl.create(**args)

    def stream(
        self, **args: Unpack[MessageArgs]
    ) -> Coroutine[Any, Any, AsyncAPIResponse[AsyncMessageStream]]:
        """`messages.stream`, awaiting to an `AsyncAPIResponse` whose `await parse()` is the open
        stream (close it when done). Raises as `messages.stream` does."""
        result: Coroutine[Any, Any, AsyncAPIResponse[AsyncMessageStream]] = self._impl.stream(
            **args
        )
        return result

    def count_tokens(
        self, *, output_format: type[Any] | None = None, **args: Unpack[CountTokensArgs]
    ) -> Coroutine[Any, Any, AsyncAPIResponse[MessageTokensCount]]:
        """`messages.count_tokens`, awaiting to an `AsyncAPIResponse`."""
        result: Coroutine[Any, Any, AsyncAPIResponse[MessageTokensCount]] = self._impl.count_tokens(
            output_format=output_format, **args
        )
        return result


class AsyncMessagesWithStreamingResponse:
    """`client.messages.with_streaming_response`: each call is an `async with` block
    giving an `AsyncAPIResponse` whose body is read only when you ask."""

    __slots__ = ("_client", "_impl")

    def __init__(self, client: Requester) -> None:
        self._client = client
        self._impl = _Messages(client, "streaming")

    @property
    def batches(self) -> AsyncBatchesWithStreamingResponse:
        """`messages.batches`, as `async with` blocks."""
        from ._batches import AsyncBatches

        return AsyncBatches(self._client).with_streaming_response

    @overload
    def create(
        self, *, stream: Literal[False] = False, **args: Unpack[MessageArgs]
    ) -> AsyncStreamingResponseManager[Message]: ...
    @overload
    def create(
        self, *, stream: Literal[True], **args: Unpack[MessageArgs]
    ) -> AsyncStreamingResponseManager[AsyncStream]: ...
    @overload
    def create(
        self, *, stream: bool, **args: Unpack[MessageArgs]
    ) -> AsyncStreamingResponseManager[Message] | AsyncStreamingResponseManager[AsyncStream]: ...
    def create(self, **args: Any) -> Any:
        """`messages.create` as `async with ... as response:`. Raises as `create` does."""
        return self._impl.create(**args)

    def stream(self, **args: Unpack[MessageArgs]) -> AsyncMessageStreamResponseManager:
        """`messages.stream` as `async with ... as response:`: `response.text_stream`,
        `async for event in response`, or `await response.parse()` for the stream."""
        result: AsyncMessageStreamResponseManager = self._impl.stream(**args)
        return result

    def count_tokens(
        self, *, output_format: type[Any] | None = None, **args: Unpack[CountTokensArgs]
    ) -> AsyncStreamingResponseManager[MessageTokensCount]:
        """`messages.count_tokens` as `async with ... as response:`."""
        result: AsyncStreamingResponseManager[MessageTokensCount] = self._impl.count_tokens(
            output_format=output_format, **args
        )
        return result
