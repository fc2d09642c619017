"""`Claude.beta`: the blocking twins of `client.beta.messages`, `client.beta.models` and
`client.beta.files` (whose classes live with those of `Claude.files`, in `_sync_files`).

Like the rest of the blocking client, every call runs the async resource in the client's
loop thread (see `_sync`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from ._sync import (
    APIResponse,
    MessageStream,
    MessageStreamManager,
    MessageStreamResponseManager,
    ParsedMessageStreamManager,
    Stream,
    StreamingResponseManager,
    _await_in_loop,
    _blocking,
    _Portal,
    _raw,
    _Twin,
    blocking,
    blocking_pages,
    blocking_raw,
    blocking_raw_pages,
    blocking_raw_results,
    blocking_results,
    blocking_streaming,
    blocking_streaming_pages,
    blocking_streaming_results,
)
from ._sync_files import BetaFiles, BetaFilesWithRawResponse, BetaFilesWithStreamingResponse
from .resources import (
    AsyncBetaBatches,
    AsyncBetaBatchesWithRawResponse,
    AsyncBetaBatchesWithStreamingResponse,
    AsyncBetaModels,
    AsyncBetaModelsWithRawResponse,
    AsyncBetaModelsWithStreamingResponse,
)

_F = TypeVar("_F")

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._sync_threads import BetaMessageThread
    from ._sync_tool_runner import BetaStreamingToolRunner, BetaToolRunner
    from ._tool_runner import ToolRunnerArgs
    from ._tools import AnyRunnableTool
    from ._toolsets import AnyRunnableToolset
    from .resources import (
        AsyncBeta,
        AsyncBetaMessages,
        AsyncBetaMessagesWithRawResponse,
        AsyncBetaMessagesWithStreamingResponse,
        AsyncBetaWithRawResponse,
        AsyncBetaWithStreamingResponse,
    )
    from .resources._args import BetaCountTokensArgs, BetaMessageArgs
    from .types import Message, MessageTokensCount, ParsedMessage

__all__ = (
    "Beta",
    "BetaBatches",
    "BetaBatchesWithRawResponse",
    "BetaBatchesWithStreamingResponse",
    "BetaMessages",
    "BetaMessagesWithRawResponse",
    "BetaMessagesWithStreamingResponse",
    "BetaModels",
    "BetaModelsWithRawResponse",
    "BetaModelsWithStreamingResponse",
    "BetaWithRawResponse",
    "BetaWithStreamingResponse",
)


class Beta:
    """`Claude.beta`: `messages` with `betas=[...]`, `models` and `files`, blocking."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, beta: AsyncBeta) -> None:
        self._portal = portal
        self._async = beta

    @property
    def messages(self) -> BetaMessages:
        """`create`, `stream` and `count_tokens`, taking `betas=[...]`."""
        return BetaMessages(self._portal, self._async.messages)

    @property
    def files(self) -> BetaFiles:
        """The Files API with `betas=`, blocking."""
        return BetaFiles(self._portal, self._async.files)

    @property
    def models(self) -> BetaModels:
        """`list` and `retrieve` the models, with `betas=`, blocking."""
        return BetaModels(self._portal, self._async.models)

    @property
    def with_raw_response(self) -> BetaWithRawResponse:
        """`messages` and `files` returning `APIResponse`s."""
        return BetaWithRawResponse(self._portal, self._async.with_raw_response)

    @property
    def with_streaming_response(self) -> BetaWithStreamingResponse:
        """`messages` and `files` as `with` blocks."""
        return BetaWithStreamingResponse(self._portal, self._async.with_streaming_response)


class BetaWithRawResponse:
    """`Claude.beta.with_raw_response`."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, beta: AsyncBetaWithRawResponse) -> None:
        self._portal = portal
        self._async = beta

    @property
    def messages(self) -> BetaMessagesWithRawResponse:
        """`beta.messages`, returning `APIResponse`s."""
        return BetaMessagesWithRawResponse(self._portal, self._async.messages)

    @property
    def files(self) -> BetaFilesWithRawResponse:
        """`beta.files`, returning `APIResponse`s."""
        return BetaFilesWithRawResponse(self._portal, self._async.files)

    @property
    def models(self) -> BetaModelsWithRawResponse:
        """`beta.models`, returning `APIResponse`s."""
        return BetaModelsWithRawResponse(self._portal, self._async.models)


class BetaWithStreamingResponse:
    """`Claude.beta.with_streaming_response`."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, beta: AsyncBetaWithStreamingResponse) -> None:
        self._portal = portal
        self._async = beta

    @property
    def messages(self) -> BetaMessagesWithStreamingResponse:
        """`beta.messages`, as `with` blocks."""
        return BetaMessagesWithStreamingResponse(self._portal, self._async.messages)

    @property
    def files(self) -> BetaFilesWithStreamingResponse:
        """`beta.files`, as `with` blocks."""
        return BetaFilesWithStreamingResponse(self._portal, self._async.files)

    @property
    def models(self) -> BetaModelsWithStreamingResponse:
        """`beta.models`, as `with` blocks."""
        return BetaModelsWithStreamingResponse(self._portal, self._async.models)


# --------------------------------------------------------------------------- models


class BetaModels(_Twin[AsyncBetaModels]):
    """`Claude.beta.models`: the blocking twin of `AsyncBetaModels`."""

    __slots__ = ()

    @property
    def with_raw_response(self) -> BetaModelsWithRawResponse:
        """`retrieve` and `list`, returning an `APIResponse`."""
        return BetaModelsWithRawResponse(self._portal, self._async.with_raw_response)

    @property
    def with_streaming_response(self) -> BetaModelsWithStreamingResponse:
        """`retrieve` and `list` as `with` blocks."""
        return BetaModelsWithStreamingResponse(self._portal, self._async.with_streaming_response)

    retrieve = blocking(AsyncBetaModels.retrieve)
    list = blocking_pages(AsyncBetaModels.list)


class BetaModelsWithRawResponse(_Twin[AsyncBetaModelsWithRawResponse]):
    """`Claude.beta.models.with_raw_response`: each call returns an `APIResponse`."""

    __slots__ = ()

    retrieve = blocking_raw(AsyncBetaModels.retrieve)
    list = blocking_raw_pages(AsyncBetaModels.list)


class BetaModelsWithStreamingResponse(_Twin[AsyncBetaModelsWithStreamingResponse]):
    """`Claude.beta.models.with_streaming_response`: each call is a `with ... as
    response:` block."""

    __slots__ = ()

    retrieve = blocking_streaming(AsyncBetaModels.retrieve)
    list = blocking_streaming_pages(AsyncBetaModels.list)


# ------------------------------------------------------------------ messages.batches


class BetaBatches(_Twin[AsyncBetaBatches]):
    """`Claude.beta.messages.batches`: the blocking twin of `AsyncBetaBatches`."""

    __slots__ = ()

    @property
    def with_raw_response(self) -> BetaBatchesWithRawResponse:
        """The same methods, returning an `APIResponse`."""
        return BetaBatchesWithRawResponse(self._portal, self._async.with_raw_response)

    @property
    def with_streaming_response(self) -> BetaBatchesWithStreamingResponse:
        """The same methods as `with` blocks."""
        return BetaBatchesWithStreamingResponse(self._portal, self._async.with_streaming_response)

    create = blocking(AsyncBetaBatches.create)
    retrieve = blocking(AsyncBetaBatches.retrieve)
    list = blocking_pages(AsyncBetaBatches.list)
    cancel = blocking(AsyncBetaBatches.cancel)
    delete = blocking(AsyncBetaBatches.delete)
    results = blocking_results(AsyncBetaBatches.results)
    wait = blocking(AsyncBetaBatches.wait)


class BetaBatchesWithRawResponse(_Twin[AsyncBetaBatchesWithRawResponse]):
    """`Claude.beta.messages.batches.with_raw_response`: each call returns an
    `APIResponse`."""

    __slots__ = ()

    create = blocking_raw(AsyncBetaBatches.create)
    retrieve = blocking_raw(AsyncBetaBatches.retrieve)
    list = blocking_raw_pages(AsyncBetaBatches.list)
    cancel = blocking_raw(AsyncBetaBatches.cancel)
    delete = blocking_raw(AsyncBetaBatches.delete)
    results = blocking_raw_results(AsyncBetaBatches.results)


class BetaBatchesWithStreamingResponse(_Twin[AsyncBetaBatchesWithStreamingResponse]):
    """`Claude.beta.messages.batches.with_streaming_response`: each call is a `with ...
    as response:` block."""

    __slots__ = ()

    create = blocking_streaming(AsyncBetaBatches.create)
    retrieve = blocking_streaming(AsyncBetaBatches.retrieve)
    list = blocking_streaming_pages(AsyncBetaBatches.list)
    cancel = blocking_streaming(AsyncBetaBatches.cancel)
    delete = blocking_streaming(AsyncBetaBatches.delete)
    results = blocking_streaming_results(AsyncBetaBatches.results)


# ------------------------------------------------------------------------- messages


class BetaMessages:
    """`Claude.beta.messages`: the blocking twin of `AsyncBetaMessages`."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, messages: AsyncBetaMessages) -> None:
        self._portal = portal
        self._async = messages

    @property
    def with_raw_response(self) -> BetaMessagesWithRawResponse:
        """The same methods, returning an `APIResponse`."""
        return BetaMessagesWithRawResponse(self._portal, self._async.with_raw_response)

    @property
    def with_streaming_response(self) -> BetaMessagesWithStreamingResponse:
        """The same methods as `with` blocks."""
        return BetaMessagesWithStreamingResponse(self._portal, self._async.with_streaming_response)

    @property
    def batches(self) -> BetaBatches:
        """`messages.batches` with `betas=[...]`, blocking."""
        return BetaBatches(self._portal, self._async.batches)

    @overload
    def create(
        self, *, stream: Literal[False] = False, **args: Unpack[BetaMessageArgs]
    ) -> Message: ...
    @overload
    def create(self, *, stream: Literal[True], **args: Unpack[BetaMessageArgs]) -> Stream: ...
    @overload
    def create(self, *, stream: bool, **args: Unpack[BetaMessageArgs]) -> Message | Stream: ...
    def create(self, **args: Any) -> Any:
        """`AsyncBetaMessages.create`, blocking: the `Message`, or with `stream=True` a
        `Stream`."""
        return _blocking(self._portal, _await_in_loop(self._portal, self._async.create, **args))

    @overload
    def parse(
        self, *, output_format: type[_F], **args: Unpack[BetaMessageArgs]
    ) -> ParsedMessage[_F]: ...
    @overload
    def parse(
        self, *, output_format: None = None, **args: Unpack[BetaMessageArgs]
    ) -> ParsedMessage[None]: ...
    def parse(self, **args: Any) -> Any:
        """`AsyncBetaMessages.parse`, blocking: the `ParsedMessage`."""
        return _await_in_loop(self._portal, self._async.parse, **args)

    @overload
    def stream(
        self, *, output_format: type[_F], **args: Unpack[BetaMessageArgs]
    ) -> ParsedMessageStreamManager[_F]: ...
    @overload
    def stream(
        self, *, output_format: None = None, **args: Unpack[BetaMessageArgs]
    ) -> MessageStreamManager: ...
    def stream(self, *, output_format: Any = None, **args: Any) -> Any:
        """`with client.beta.messages.stream(...) as stream:` (with `output_format`,
        `get_final_message()` gives a `ParsedMessage`)."""
        manager = self._async.stream(output_format=output_format, **args)
        if output_format is None:
            return MessageStreamManager(self._portal, manager)
        return ParsedMessageStreamManager(self._portal, manager)

    def count_tokens(self, **args: Unpack[BetaCountTokensArgs]) -> MessageTokensCount:
        """Count the input tokens of a conversation."""
        count: MessageTokensCount = _await_in_loop(self._portal, self._async.count_tokens, **args)
        return count

    def thread(self, **args: Any) -> BetaMessageThread[Any]:
        """`AsyncBetaMessages.thread`, blocking: a `BetaMessageThread` whose turns run in
        the client's loop thread. Sends nothing."""
        from ._sync_threads import BetaMessageThread

        return BetaMessageThread._wrap(self._portal, self._async.thread(**args))

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
    ) -> BetaToolRunner[_F]: ...
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
    ) -> BetaToolRunner[None]: ...
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
    ) -> BetaStreamingToolRunner: ...
    def tool_runner(self, **args: Any) -> BetaToolRunner[Any] | BetaStreamingToolRunner:
        """`AsyncBetaMessages.tool_runner`, blocking: `for message in runner` (or, with
        `stream=True`, `for stream in runner`). Blocking and async tools both run, in the
        client's loop thread (blocking ones in its worker threads)."""
        from ._sync_tool_runner import BetaStreamingToolRunner, BetaToolRunner

        runner = self._async.tool_runner(**args)
        if args.get("stream"):
            return BetaStreamingToolRunner(self._portal, runner)
        return BetaToolRunner(self._portal, runner)


class BetaMessagesWithRawResponse:
    """`Claude.beta.messages.with_raw_response`."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, messages: AsyncBetaMessagesWithRawResponse) -> None:
        self._portal = portal
        self._async = messages

    @property
    def batches(self) -> BetaBatchesWithRawResponse:
        """`beta.messages.batches`, returning `APIResponse`s."""
        return BetaBatchesWithRawResponse(self._portal, self._async.batches)

    @overload
    def create(
        self, *, stream: Literal[False] = False, **args: Unpack[BetaMessageArgs]
    ) -> APIResponse[Message]: ...
    @overload
    def create(
        self, *, stream: Literal[True], **args: Unpack[BetaMessageArgs]
    ) -> APIResponse[Stream]: ...
    @overload
    def create(
        self, *, stream: bool, **args: Unpack[BetaMessageArgs]
    ) -> APIResponse[Message] | APIResponse[Stream]: ...
    def create(self, **args: Any) -> Any:
        """`beta.messages.create`, returning an `APIResponse`."""
        return _raw(self._portal, self._async.create, **args)

    def stream(self, **args: Unpack[BetaMessageArgs]) -> APIResponse[MessageStream]:
        """`beta.messages.stream`, returning an `APIResponse` whose `parse()` is the open
        `MessageStream` (close it, or use it in `with`)."""
        result: APIResponse[MessageStream] = _raw(self._portal, self._async.stream, **args)
        return result

    @overload
    def parse(
        self, *, output_format: type[_F], **args: Unpack[BetaMessageArgs]
    ) -> APIResponse[ParsedMessage[_F]]: ...
    @overload
    def parse(
        self, *, output_format: None = None, **args: Unpack[BetaMessageArgs]
    ) -> APIResponse[ParsedMessage[None]]: ...
    def parse(self, **args: Any) -> Any:
        """`beta.messages.parse`, returning an `APIResponse` whose `parse()` is the
        `ParsedMessage`."""
        return _raw(self._portal, self._async.parse, **args)

    def count_tokens(self, **args: Unpack[BetaCountTokensArgs]) -> APIResponse[MessageTokensCount]:
        """`beta.messages.count_tokens`, returning an `APIResponse`."""
        response: APIResponse[MessageTokensCount] = _raw(
            self._portal, self._async.count_tokens, **args
        )
        return response


class BetaMessagesWithStreamingResponse:
    """`Claude.beta.messages.with_streaming_response`."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, messages: AsyncBetaMessagesWithStreamingResponse) -> None:
        self._portal = portal
        self._async = messages

    @property
    def batches(self) -> BetaBatchesWithStreamingResponse:
        """`beta.messages.batches`, as `with` blocks."""
        return BetaBatchesWithStreamingResponse(self._portal, self._async.batches)

    @overload
    def create(
        self, *, stream: Literal[False] = False, **args: Unpack[BetaMessageArgs]
    ) -> StreamingResponseManager[Message]: ...
    @overload
    def create(
        self, *, stream: Literal[True], **args: Unpack[BetaMessageArgs]
    ) -> StreamingResponseManager[Stream]: ...
    @overload
    def create(
        self, *, stream: bool, **args: Unpack[BetaMessageArgs]
    ) -> StreamingResponseManager[Message] | StreamingResponseManager[Stream]: ...
    def create(self, **args: Any) -> Any:
        """`beta.messages.create` as `with ... as response:`."""
        return StreamingResponseManager(self._portal, self._async.create(**args))

    def stream(self, **args: Unpack[BetaMessageArgs]) -> MessageStreamResponseManager:
        """`beta.messages.stream` as `with ... as response:`: `response.text_stream`, `for
        event in response`, or `response.parse()` for the `MessageStream`."""
        return MessageStreamResponseManager(self._portal, self._async.stream(**args))

    @overload
    def parse(
        self, *, output_format: type[_F], **args: Unpack[BetaMessageArgs]
    ) -> StreamingResponseManager[ParsedMessage[_F]]: ...
    @overload
    def parse(
        self, *, output_format: None = None, **args: Unpack[BetaMessageArgs]
    ) -> StreamingResponseManager[ParsedMessage[None]]: ...
    def parse(self, **args: Any) -> Any:
        """`beta.messages.parse` as `with ... as response:`."""
        return StreamingResponseManager(self._portal, self._async.parse(**args))

    def count_tokens(
        self, **args: Unpack[BetaCountTokensArgs]
    ) -> StreamingResponseManager[MessageTokensCount]:
        """`beta.messages.count_tokens` as `with ... as response:`."""
        return StreamingResponseManager(self._portal, self._async.count_tokens(**args))
