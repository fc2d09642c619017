"""`client.beta`: Messages with `betas=` (the `anthropic-beta` header) and the Files API.

Beta messages are `client.messages` plus one header: every call goes through the messages
resource's own code, so both accept the same parameters and return the same types.
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from .._helper_tags import collect, from_tools, with_helper
from .._request import NOT_GIVEN, NotGiven
from ..types._gen_params import BETA_COUNT_TOKENS_PARAMS, BETA_MESSAGE_PARAMS, ParamShape
from ._checks import beta_headers
from ._messages import _checked_shape, _Messages
from ._ops import Mode

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._http import Timeout
    from .._live_streams import AsyncMessageStream, AsyncMessageStreamManager, AsyncStream
    from .._parse import AsyncParsedMessageStream
    from .._requester import Requester
    from .._response import AsyncAPIResponse
    from .._threads import BetaAsyncMessageThread, FormatT, UnsupportedRequestBehavior
    from .._tool_runner import BetaAsyncStreamingToolRunner, BetaAsyncToolRunner, ToolRunnerArgs
    from .._tools import AnyRunnableTool
    from .._toolsets import AnyRunnableToolset
    from ..types import Message, MessageTokensCount, ParsedMessage
    from ..types.beta.thread_create_params import ThreadCreateParams
    from ._args import BetaCountTokensArgs, BetaMessageArgs
    from ._batches import (
        AsyncBetaBatches,
        AsyncBetaBatchesWithRawResponse,
        AsyncBetaBatchesWithStreamingResponse,
    )
    from ._files import (
        AsyncBetaFiles,
        AsyncBetaFilesWithRawResponse,
        AsyncBetaFilesWithStreamingResponse,
    )
    from ._messages import AsyncMessageStreamResponseManager
    from ._models import (
        AsyncBetaModels,
        AsyncBetaModelsWithRawResponse,
        AsyncBetaModelsWithStreamingResponse,
    )
    from ._ops import AsyncStreamingResponseManager


_F = TypeVar("_F")

__all__ = (
    "AsyncBeta",
    "AsyncBetaMessages",
    "AsyncBetaMessagesWithRawResponse",
    "AsyncBetaMessagesWithStreamingResponse",
    "AsyncBetaWithRawResponse",
    "AsyncBetaWithStreamingResponse",
)

# The official SDK sends this beta with every beta count_tokens call, after the caller's.
_TOKEN_COUNTING_BETA = "token-counting-2024-11-01"


class _BetaMessages:
    """`_Messages` with `betas` turned into the `anthropic-beta` header, and the body
    parameters only the beta methods take (`types/_gen_params.py`) checked and sent."""

    __slots__ = ("_client", "_messages", "_mode")

    def __init__(self, client: Requester, mode: Mode) -> None:
        self._client = client
        self._mode: Mode = mode
        self._messages = _Messages(client, mode, beta=True)

    def _with(
        self,
        args: dict[str, Any],
        shapes: Mapping[str, ParamShape],
        *always: str,
        name_helpers: bool = True,
    ) -> _Messages:
        """The messages implementation sending `args`' beta-only parameters; `args` keeps
        the rest, with `betas` turned into the header, tool objects into their `tools`
        entries and (`name_helpers`) the helpers that made the tools and messages named in
        `x-stainless-helper`, as the official SDK's beta methods do."""
        betas = args.pop("betas", None)
        headers = beta_headers(betas, args.get("extra_headers"), *always)
        tools = args.get("tools")
        if isinstance(tools, Iterable) and not isinstance(tools, str | bytes | Mapping):
            args["tools"] = tools = from_tools(tools)
        helpers = collect(tools, args.get("messages")) if name_helpers else None
        if helpers:
            headers = with_helper(headers, ", ".join(helpers), first=True)
        args["extra_headers"] = headers
        params: dict[str, object] = {}
        for name, shape in shapes.items():
            value = args.pop(name, NOT_GIVEN)
            if not isinstance(value, NotGiven):
                params[name] = _checked_shape(name, value, shape)
        return _Messages(self._client, self._mode, params, beta=True) if params else self._messages

    def create(self, **args: Any) -> Any:
        return self._with(args, BETA_MESSAGE_PARAMS).create(**args)

    def stream(self, **args: Any) -> Any:
        return self._with(args, BETA_MESSAGE_PARAMS).stream(**args)

    def parse(self, **args: Any) -> Any:
        return self._with(args, BETA_MESSAGE_PARAMS).parse(**args)

    def runner_parse(self, **args: Any) -> Any:
        """`parse` for a tool runner's turn: the runner names itself, not `parse`."""
        output_format = args.pop("output_format", None)
        return self._with(args, BETA_MESSAGE_PARAMS).parse_as(None, output_format, args)

    def count_tokens(self, **args: Any) -> Any:
        messages = self._with(
            args, BETA_COUNT_TOKENS_PARAMS, _TOKEN_COUNTING_BETA, name_helpers=False
        )
        return messages.count_tokens(**args)


class AsyncBeta:
    """`client.beta`: `messages` with `betas=`, `files` (the Files API) and `models`."""

    __slots__ = ("_client",)

    def __init__(self, client: Requester) -> None:
        self._client = client

    @property
    def messages(self) -> AsyncBetaMessages:
        """`create`, `stream` and `count_tokens`, taking `betas=[...]`."""
        return AsyncBetaMessages(self._client)

    @property
    def files(self) -> AsyncBetaFiles:
        """Upload, list, inspect, download and delete files, with `betas=`."""
        from ._files import AsyncBetaFiles

        return AsyncBetaFiles(self._client)

    @property
    def models(self) -> AsyncBetaModels:
        """`list` and `retrieve` the available models, with `betas=`."""
        from ._models import AsyncBetaModels

        return AsyncBetaModels(self._client)

    @property
    def with_raw_response(self) -> AsyncBetaWithRawResponse:
        """`messages` and `files` returning an `AsyncAPIResponse` (headers, status, `parse()`)."""
        return AsyncBetaWithRawResponse(self._client)

    @property
    def with_streaming_response(self) -> AsyncBetaWithStreamingResponse:
        """`messages` and `files` as `async with` blocks giving an unread response."""
        return AsyncBetaWithStreamingResponse(self._client)


class AsyncBetaWithRawResponse:
    """`client.beta.with_raw_response`."""

    __slots__ = ("_client",)

    def __init__(self, client: Requester) -> None:
        self._client = client

    @property
    def messages(self) -> AsyncBetaMessagesWithRawResponse:
        """`beta.messages`, returning `AsyncAPIResponse`s."""
        return AsyncBetaMessagesWithRawResponse(self._client)

    @property
    def files(self) -> AsyncBetaFilesWithRawResponse:
        """`beta.files`, returning `AsyncAPIResponse`s."""
        from ._files import AsyncBetaFiles

        return AsyncBetaFiles(self._client).with_raw_response

    @property
    def models(self) -> AsyncBetaModelsWithRawResponse:
        """`beta.models`, returning `AsyncAPIResponse`s."""
        from ._models import AsyncBetaModels

        return AsyncBetaModels(self._client).with_raw_response


class AsyncBetaWithStreamingResponse:
    """`client.beta.with_streaming_response`."""

    __slots__ = ("_client",)

    def __init__(self, client: Requester) -> None:
        self._client = client

    @property
    def messages(self) -> AsyncBetaMessagesWithStreamingResponse:
        """`beta.messages`, as `async with` blocks."""
        return AsyncBetaMessagesWithStreamingResponse(self._client)

    @property
    def files(self) -> AsyncBetaFilesWithStreamingResponse:
        """`beta.files`, as `async with` blocks."""
        from ._files import AsyncBetaFiles

        return AsyncBetaFiles(self._client).with_streaming_response

    @property
    def models(self) -> AsyncBetaModelsWithStreamingResponse:
        """`beta.models`, as `async with` blocks."""
        from ._models import AsyncBetaModels

        return AsyncBetaModels(self._client).with_streaming_response


class AsyncBetaMessages:
    """`client.beta.messages`: `client.messages` with `betas=[...]`, sent as the
    comma-separated `anthropic-beta` header.

    Parameters, results and errors are those of `client.messages` (a `betas` that is a
    string raises `TypeError` before any I/O); cancellation behaves the same too.
    """

    __slots__ = ("_client", "_impl")

    def __init__(self, client: Requester) -> None:
        self._client = client
        self._impl = _BetaMessages(client, "plain")

    @property
    def with_raw_response(self) -> AsyncBetaMessagesWithRawResponse:
        """The same methods, returning an `AsyncAPIResponse` (headers, status, `parse()`)."""
        return AsyncBetaMessagesWithRawResponse(self._client)

    @property
    def with_streaming_response(self) -> AsyncBetaMessagesWithStreamingResponse:
        """The same methods as `async with` blocks giving an unread `AsyncAPIResponse`."""
        return AsyncBetaMessagesWithStreamingResponse(self._client)

    @property
    def batches(self) -> AsyncBetaBatches:
        """`messages.batches` with `betas=[...]`."""
        from ._batches import AsyncBetaBatches

        return AsyncBetaBatches(self._client)

    @overload
    def create(
        self, *, stream: Literal[False] = False, **args: Unpack[BetaMessageArgs]
    ) -> Coroutine[Any, Any, Message]: ...
    @overload
    def create(
        self, *, stream: Literal[True], **args: Unpack[BetaMessageArgs]
    ) -> Coroutine[Any, Any, AsyncStream]: ...
    @overload
    def create(
        self, *, stream: bool, **args: Unpack[BetaMessageArgs]
    ) -> Coroutine[Any, Any, Message | AsyncStream]: ...
    def create(self, **args: Any) -> Any:
        """`messages.create` with `betas`; `await` it for the `Message` (or `AsyncStream`)."""
        return self._impl.create(**args)

    @overload
    def parse(
        self, *, output_format: type[_F], **args: Unpack[BetaMessageArgs]
    ) -> Coroutine[Any, Any, ParsedMessage[_F]]: ...
    @overload
    def parse(
        self, *, output_format: None = None, **args: Unpack[BetaMessageArgs]
    ) -> Coroutine[Any, Any, ParsedMessage[None]]: ...
    def parse(self, **args: Any) -> Any:
        """`messages.parse` with `betas` and the beta parameters: `await` it for a
        `ParsedMessage`."""
        return self._impl.parse(**args)

    @overload
    def stream(
        self, *, output_format: type[_F], **args: Unpack[BetaMessageArgs]
    ) -> AsyncMessageStreamManager[AsyncParsedMessageStream[_F]]: ...
    @overload
    def stream(
        self, *, output_format: None = None, **args: Unpack[BetaMessageArgs]
    ) -> AsyncMessageStreamManager[AsyncMessageStream]: ...
    def stream(self, *, output_format: Any = None, **args: Any) -> Any:
        """`messages.stream` with `betas`: `async with client.beta.messages.stream(...) as s:`
        (with `output_format`, `get_final_message()` gives a `ParsedMessage`)."""
        return self._impl.stream(output_format=output_format, **args)

    def count_tokens(
        self, **args: Unpack[BetaCountTokensArgs]
    ) -> Coroutine[Any, Any, MessageTokensCount]:
        """`messages.count_tokens` with `betas` (plus `token-counting-2024-11-01`, as the
        official SDK sends)."""
        result: Coroutine[Any, Any, MessageTokensCount] = self._impl.count_tokens(**args)
        return result

    def thread(
        self,
        *,
        max_tokens: int,
        model: str,
        messages: Iterable[Any] | NotGiven = NOT_GIVEN,
        tools: Iterable[AnyRunnableTool | AnyRunnableToolset | Mapping[str, Any]]
        | NotGiven = NOT_GIVEN,
        output_format: type[FormatT] | NotGiven | None = NOT_GIVEN,
        unsupported_request_behavior: UnsupportedRequestBehavior = "error",
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
        **params: Unpack[ThreadCreateParams],
    ) -> BetaAsyncMessageThread[FormatT]:
        """Start a message thread: a conversation the server holds between turns, so each
        turn sends only the new messages. Takes `create()`'s arguments but `thread` and
        `stream` (`messages` optional) and sends nothing.

        Raises `ClaudeError` on a client without threads (Bedrock, Vertex AI) and
        `TypeError` for an unknown keyword, before any I/O. See docs/threads.md."""
        from .._threads import BetaAsyncMessageThread

        return BetaAsyncMessageThread(
            self._client,
            max_tokens=max_tokens,
            model=model,
            messages=messages,
            tools=tools,
            output_format=output_format,
            unsupported_request_behavior=unsupported_request_behavior,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            **params,
        )

    @overload
    def tool_runner(
        self,
        *,
        tools: Iterable[AnyRunnableTool | AnyRunnableToolset | Mapping[str, Any]],
        stream: Literal[False] = False,
        output_format: type[_F],
        max_iterations: int | None = None,
        max_concurrency: int | None = None,
        tool_timeout: float | None = None,
        run_tools_eagerly: Literal[False] = False,
        **args: Unpack[ToolRunnerArgs],
    ) -> BetaAsyncToolRunner[_F]: ...
    @overload
    def tool_runner(
        self,
        *,
        tools: Iterable[AnyRunnableTool | AnyRunnableToolset | Mapping[str, Any]],
        stream: Literal[False] = False,
        output_format: None = None,
        max_iterations: int | None = None,
        max_concurrency: int | None = None,
        tool_timeout: float | None = None,
        run_tools_eagerly: Literal[False] = False,
        **args: Unpack[ToolRunnerArgs],
    ) -> BetaAsyncToolRunner[None]: ...
    @overload
    def tool_runner(
        self,
        *,
        tools: Iterable[AnyRunnableTool | AnyRunnableToolset | Mapping[str, Any]],
        stream: Literal[True],
        output_format: type[Any] | None = None,
        max_iterations: int | None = None,
        max_concurrency: int | None = None,
        tool_timeout: float | None = None,
        run_tools_eagerly: bool = False,
        **args: Unpack[ToolRunnerArgs],
    ) -> BetaAsyncStreamingToolRunner: ...
    def tool_runner(
        self,
        *,
        tools: Iterable[AnyRunnableTool | AnyRunnableToolset | Mapping[str, Any]],
        stream: bool = False,
        output_format: type[Any] | None = None,
        max_iterations: int | None = None,
        max_concurrency: int | None = None,
        tool_timeout: float | None = None,
        run_tools_eagerly: bool = False,
        **args: Any,
    ) -> BetaAsyncToolRunner[Any] | BetaAsyncStreamingToolRunner:
        """The agent loop: `async for message in client.beta.messages.tool_runner(...)`
        sends the conversation, runs the tools each reply calls and sends their results,
        until a reply calls none (or `max_iterations` requests were sent).

        `tools` are `beta_tool` / `beta_async_tool` tools (or builtin tools) the runner
        runs, and tool definitions it only sends. One reply's calls run concurrently, at
        most `max_concurrency` at once, blocking tools in worker threads, each within
        `tool_timeout` seconds; results go back in the order of the calls. With
        `stream=True` each reply is an open `AsyncMessageStream`; `run_tools_eagerly`
        (streaming only) starts each call while the reply still streams, as soon as the
        model has moved on from it (in the runner's task group inside `async with
        runner:`, else inside the read). Every other argument is sent with each request as
        `beta.messages.create` sends it.

        Raises `TypeError` / `ValueError` naming a wrong argument before any I/O; a
        request's errors are raised from the iteration. Cancelling an iteration cancels
        its request and running tools. See docs/agents.md."""
        from .._tool_runner import make_async_runner

        if output_format is not None:
            args["output_format"] = output_format
        return make_async_runner(
            self,
            stream=stream,
            max_iterations=max_iterations,
            max_concurrency=max_concurrency,
            tool_timeout=tool_timeout,
            run_tools_eagerly=run_tools_eagerly,
            params={"tools": tools, **args},
        )


class AsyncBetaMessagesWithRawResponse:
    """`client.beta.messages.with_raw_response`: each call gives an `AsyncAPIResponse`."""

    __slots__ = ("_impl",)

    def __init__(self, client: Requester) -> None:
        self._impl = _BetaMessages(client, "raw")

    @property
    def batches(self) -> AsyncBetaBatchesWithRawResponse:
        """`beta.messages.batches`, returning `AsyncAPIResponse`s."""
        from ._batches import AsyncBetaBatches

        return AsyncBetaBatches(self._impl._client).with_raw_response

    @overload
    def create(
        self, *, stream: Literal[False] = False, **args: Unpack[BetaMessageArgs]
    ) -> Coroutine[Any, Any, AsyncAPIResponse[Message]]: ...
    @overload
    def create(
        self, *, stream: Literal[True], **args: Unpack[BetaMessageArgs]
    ) -> Coroutine[Any, Any, AsyncAPIResponse[AsyncStream]]: ...
    @overload
    def create(
        self, *, stream: bool, **args: Unpack[BetaMessageArgs]
    ) -> Coroutine[Any, Any, AsyncAPIResponse[Message] | AsyncAPIResponse[AsyncStream]]: ...
    def create(self, **args: Any) -> Any:
        """`beta.messages.create`, awaiting to an `AsyncAPIResponse`."""
        return self._impl.create(**args)

    def stream(
        self, **args: Unpack[BetaMessageArgs]
    ) -> Coroutine[Any, Any, AsyncAPIResponse[AsyncMessageStream]]:
        """`beta.messages.stream`, awaiting to an `AsyncAPIResponse` whose `parse()` is the open
        stream (close it when done)."""
        result: Coroutine[Any, Any, AsyncAPIResponse[AsyncMessageStream]] = self._impl.stream(
            **args
        )
        return result

    @overload
    def parse(
        self, *, output_format: type[_F], **args: Unpack[BetaMessageArgs]
    ) -> Coroutine[Any, Any, AsyncAPIResponse[ParsedMessage[_F]]]: ...
    @overload
    def parse(
        self, *, output_format: None = None, **args: Unpack[BetaMessageArgs]
    ) -> Coroutine[Any, Any, AsyncAPIResponse[ParsedMessage[None]]]: ...
    def parse(self, **args: Any) -> Any:
        """`beta.messages.parse`, awaiting to an `AsyncAPIResponse` whose `await parse()` is
        the `ParsedMessage`."""
        return self._impl.parse(**args)

    def count_tokens(
        self, **args: Unpack[BetaCountTokensArgs]
    ) -> Coroutine[Any, Any, AsyncAPIResponse[MessageTokensCount]]:
        """`beta.messages.count_tokens`, awaiting to an `AsyncAPIResponse`."""
        result: Coroutine[Any, Any, AsyncAPIResponse[MessageTokensCount]] = self._impl.count_tokens(
            **args
        )
        return result


class AsyncBetaMessagesWithStreamingResponse:
    """`client.beta.messages.with_streaming_response`: each call is an `async with` block."""

    __slots__ = ("_impl",)

    def __init__(self, client: Requester) -> None:
        self._impl = _BetaMessages(client, "streaming")

    @property
    def batches(self) -> AsyncBetaBatchesWithStreamingResponse:
        """`beta.messages.batches`, as `async with` blocks."""
        from ._batches import AsyncBetaBatches

        return AsyncBetaBatches(self._impl._client).with_streaming_response

    @overload
    def create(
        self, *, stream: Literal[False] = False, **args: Unpack[BetaMessageArgs]
    ) -> AsyncStreamingResponseManager[Message]: ...
    @overload
    def create(
        self, *, stream: Literal[True], **args: Unpack[BetaMessageArgs]
    ) -> AsyncStreamingResponseManager[AsyncStream]: ...
    @overload
    def create(
        self, *, stream: bool, **args: Unpack[BetaMessageArgs]
    ) -> AsyncStreamingResponseManager[Message] | AsyncStreamingResponseManager[AsyncStream]: ...
    def create(self, **args: Any) -> Any:
        """`beta.messages.create` as `async with ... as response:`."""
        return self._impl.create(**args)

    def stream(self, **args: Unpack[BetaMessageArgs]) -> AsyncMessageStreamResponseManager:
        """`beta.messages.stream` as `async with ... as response:`, giving the response with
        the stream's `text_stream`."""
        result: AsyncMessageStreamResponseManager = self._impl.stream(**args)
        return result

    @overload
    def parse(
        self, *, output_format: type[_F], **args: Unpack[BetaMessageArgs]
    ) -> AsyncStreamingResponseManager[ParsedMessage[_F]]: ...
    @overload
    def parse(
        self, *, output_format: None = None, **args: Unpack[BetaMessageArgs]
    ) -> AsyncStreamingResponseManager[ParsedMessage[None]]: ...
    def parse(self, **args: Any) -> Any:
        """`beta.messages.parse` as `async with ... as response:`; `await response.parse()`
        is the `ParsedMessage`."""
        return self._impl.parse(**args)

    def count_tokens(
        self, **args: Unpack[BetaCountTokensArgs]
    ) -> AsyncStreamingResponseManager[MessageTokensCount]:
        """`beta.messages.count_tokens` as `async with ... as response:`."""
        result: AsyncStreamingResponseManager[MessageTokensCount] = self._impl.count_tokens(**args)
        return result
