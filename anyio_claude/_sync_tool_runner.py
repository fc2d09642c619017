"""`Claude.beta.messages.tool_runner(...)`: the blocking twins of the async tool runners.

Each step runs in the client's loop thread, as every blocking call does: the request, and
the tool calls of a reply, concurrently (blocking tools in worker threads, so a tool does
not run in the thread that iterates).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._sync import MessageStream, _await_in_loop, _Portal
from ._tool_runner import BetaAsyncStreamingToolRunner, BetaAsyncToolRunner

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

    from ._tools import AnyRunnableTool
    from .types import Message, MessageParam, ParsedMessage, ToolUseBlock, UserMessageParam

__all__ = ("BetaStreamingToolRunner", "BetaToolRunner")

_F = TypeVar("_F")
_ItemT = TypeVar("_ItemT")
_RunnerT = TypeVar("_RunnerT", BetaAsyncToolRunner[Any], BetaAsyncStreamingToolRunner)


class _BlockingRunner(Generic[_RunnerT]):
    def __init__(self, portal: _Portal, runner: _RunnerT) -> None:
        self._portal = portal
        self._async: _RunnerT = runner
        # The async runner's `async with`, held open by a task in the loop thread.
        self._context: AbstractContextManager[Any] | None = None

    def _next(self) -> Any:
        try:
            return _await_in_loop(self._portal, self._async.__anext__)
        except StopAsyncIteration:
            raise StopIteration from None

    def set_messages_params(
        self,
        params: Mapping[str, Any] | Callable[[dict[str, Any]], Mapping[str, Any]],
    ) -> None:
        """Replace the parameters of the next requests (see the async runner's)."""
        self._async.set_messages_params(params)

    def append_messages(self, *messages: MessageParam | Message) -> None:
        """Add messages to the conversation (see the async runner's)."""
        self._async.append_messages(*messages)

    def compact_before_next_turn(self, compaction: Mapping[str, Any] | None = None) -> None:
        """Compact the conversation before the model's next turn (see the async
        runner's)."""
        self._async.compact_before_next_turn(compaction)

    def add_tools(self, *tools: AnyRunnableTool | Mapping[str, Any]) -> None:
        """Give the model more tools with the next request (see the async runner's)."""
        self._async.add_tools(*tools)

    def remove_tools(self, *tools: AnyRunnableTool | str) -> None:
        """Take tools away from the model at once (see the async runner's)."""
        self._async.remove_tools(*tools)

    def generate_tool_call_response(self) -> UserMessageParam | None:
        """Run the last reply's tool calls and return the user turn of their results, or
        None if it called none (see the async runner's)."""
        response: UserMessageParam | None = _await_in_loop(
            self._portal, self._async.generate_tool_call_response
        )
        return response

    def until_done(self) -> ParsedMessage[Any]:
        """Run the loop to its end and return the last reply."""
        message: ParsedMessage[Any] = _await_in_loop(self._portal, self._async.until_done)
        return message

    def close(self) -> None:
        """Stop the loop, closing an open streamed turn."""
        _await_in_loop(self._portal, self._async.close)

    def __enter__(self) -> Self:
        """Open the runner's task group in the loop thread (where `run_tools_eagerly`
        calls run beside the reply)."""
        context = self._portal.get().wrap_async_context_manager(self._async)
        context.__enter__()
        self._context = context
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the runner; tool calls still running are cancelled."""
        context, self._context = self._context, None
        if context is None:
            self.close()
        else:
            context.__exit__(exc_type, exc, tb)


class BetaToolRunner(_BlockingRunner[BetaAsyncToolRunner[Any]], Generic[_F]):
    """What `Claude.beta.messages.tool_runner(...)` returns: `for message in runner`
    gives each reply, the tools it called run before the next."""

    def __iter__(self) -> Iterator[ParsedMessage[_F]]:
        return self

    def __next__(self) -> ParsedMessage[_F]:
        message: ParsedMessage[_F] = self._next()
        return message

    def until_done(self) -> ParsedMessage[_F]:
        """Run the loop to its end and return the last reply."""
        message: ParsedMessage[_F] = _await_in_loop(self._portal, self._async.until_done)
        return message


class BetaStreamingToolRunner(_BlockingRunner[BetaAsyncStreamingToolRunner]):
    """What `tool_runner(..., stream=True)` returns: `for stream in runner` gives each
    reply as an open `MessageStream`, read and closed by the runner before the next."""

    def __iter__(self) -> Iterator[MessageStream]:
        return self

    def __next__(self) -> MessageStream:
        return MessageStream(self._portal, self._next())

    def defer_tool_call(self, tool_use: ToolUseBlock | str) -> None:
        """Hold a call of the reply being read until the tool response (see the async
        runner's)."""
        self._async.defer_tool_call(tool_use)

    @property
    def deferred_tool_calls(self) -> list[ToolUseBlock]:
        """The calls `defer_tool_call()` holds, in the model's order (see the async
        runner's)."""
        return self._async.deferred_tool_calls
