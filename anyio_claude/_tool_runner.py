"""`client.beta.messages.tool_runner(...)`: the agent loop, structured.

Each step of the loop runs inside the `__anext__` that asks for it: the request, then (on
the next step) the tool calls of the reply, concurrently in a task group, each result put
back in the order of the calls. Nothing runs between steps, so cancelling the task that
iterates cancels the request and every running tool, and leaves nothing behind; a streamed
turn's connection is the one thing held between steps, closed by the next step or by
`close()`.

With `run_tools_eagerly` (streamed turns) a tool call starts while the reply still streams,
as soon as the model has moved on from it. Inside `async with runner:` it starts in the
runner's own task group and runs alongside the rest of the reply (still within
`max_concurrency`); without one it runs inside the read that moved on, as the official SDK
runs it. Either way its result is kept for the turn, so no call runs twice.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, TypedDict, TypeVar, cast

import anyio
import anyio.to_thread

from ._errors import APIStatusError, ClaudeError
from ._helper_tags import append_tokens, collect, with_helper
from ._live_streams import AsyncMessageStream, AsyncTextStream
from ._model_warnings import warn_at_caller
from ._threads import ThreadState, stream_headers
from ._tools import AnyRunnableTool, ToolError, is_async_tool, is_sync_tool
from ._toolsets import (
    AnyRunnableToolset,
    BetaAsyncRunnableToolset,
    BetaRunnableToolset,
    not_executed_result,
    toolset_family,
    toolset_result_block,
)
from .streaming import TextEvent
from .types import BetaCompactionBlock, Message, ToolUseBlock

if TYPE_CHECKING:
    import logging
    from types import TracebackType

    from anyio.abc import TaskGroup
    from typing_extensions import Self

    from ._http import Timeout
    from ._threads import BetaAsyncMessageThread
    from ._tracing import RunnerTrace
    from .resources._beta import AsyncBetaMessages
    from .streaming import StreamEvent
    from .types import (
        BetaCacheControlEphemeralParam,
        BetaDiagnosticsParam,
        BetaMessageParam,
        BetaMetadataParam,
        BetaOutputConfigParam,
        BetaTextBlockParam,
        BetaThinkingConfigParam,
        BetaToolChoiceParam,
        CacheControlEphemeralParam,
        DiagnosticsParam,
        MessageCreateParamsContainerParam,
        MessageParam,
        MetadataParam,
        ModelParam,
        OutputConfigParam,
        ParsedMessage,
        TextBlockParam,
        ThinkingConfigParam,
        ToolChoiceParam,
        ToolResultBlockParam,
        UserMessageParam,
    )
    from .types.beta.beta_container_params import BetaContainerParams

__all__ = (
    "BetaAsyncStreamingToolRunner",
    "BetaAsyncToolRunner",
    "ToolRunnerArgs",
    "make_async_runner",
)

_F = TypeVar("_F")
_ItemT = TypeVar("_ItemT")
_T = TypeVar("_T")

# The request options of a turn: the thread sends them, they are none of its fields.
_OPTION_KEYS = ("extra_headers", "extra_query", "extra_body", "timeout")
# The runner's `x-stainless-helper` tag, as the official runner's requests carry it.
_HELPER = "BetaToolRunner"

_Step = Literal["run_tools", "resume", "stop"]

# How a finished turn goes on; an absent or unknown stop reason stops, as any finished turn.
_STEPS: dict[str, _Step] = {
    "tool_use": "run_tools",
    # A paused turn (a long server tool) and a compaction pause are sent back to continue.
    "pause_turn": "resume",
    "compaction": "resume",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "stop",
    "model_context_window_exceeded": "stop",
    "refusal": "stop",
}

# The most of an exception's text an error result carries (the API's limit for a field).
_ERROR_TEXT_MAX = 4096
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class _RunnerArgsBase(TypedDict):
    max_tokens: int
    messages: Iterable[BetaMessageParam | MessageParam]
    model: ModelParam


class ToolRunnerArgs(_RunnerArgsBase, total=False):
    """What `tool_runner` passes on to every request: `beta.messages.create`'s parameters
    (`resources/_args.BetaMessageArgs`, typed alike) but `tools` and `stream`, which the
    runner takes itself."""

    extra_headers: Mapping[str, str] | None
    extra_query: Mapping[str, object] | None
    extra_body: Mapping[str, object] | None
    timeout: float | Timeout | None
    betas: Sequence[str]
    billing_policy: Mapping[str, Any] | None
    cache_control: BetaCacheControlEphemeralParam | CacheControlEphemeralParam | None
    container: BetaContainerParams | MessageCreateParamsContainerParam | None
    context_management: Mapping[str, Any] | None
    diagnostics: BetaDiagnosticsParam | DiagnosticsParam | None
    fallback_credit_token: str | Mapping[str, Any] | None
    fallbacks: Iterable[Mapping[str, Any]] | Literal["default"] | None
    inference_geo: str | None
    mcp_servers: Iterable[Mapping[str, Any]]
    metadata: BetaMetadataParam | MetadataParam
    output_config: BetaOutputConfigParam | OutputConfigParam
    service_tier: Literal["auto", "standard_only"]
    speed: Literal["standard", "fast"] | None
    stop_sequences: Sequence[str]
    system: str | Iterable[BetaTextBlockParam | TextBlockParam]
    temperature: float
    thinking: BetaThinkingConfigParam | ThinkingConfigParam
    thread: Literal[False] | None
    tool_choice: BetaToolChoiceParam | ToolChoiceParam
    top_k: int
    top_p: float
    user_profile_id: str
    workspace_id: str


# What a request of the runner may carry: its own `tools`, `output_format`, `compaction`
# (refused with its own message), and what it passes on.
_PARAMETERS = frozenset(
    {"tools", "output_format", "compaction"}
    | ToolRunnerArgs.__required_keys__
    | ToolRunnerArgs.__optional_keys__
)


def _log() -> logging.Logger:
    import logging

    return logging.getLogger("anyio_claude")


def _step(stop_reason: str | None) -> _Step:
    return _STEPS.get(stop_reason or "", "stop")


def _well_formed(text: str) -> str:
    """`text` with each unpaired surrogate replaced by U+FFFD, so it can be sent."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _content(content: object) -> Any:
    """A tool's result (or a `ToolError`'s content) as the tool result's `content`."""
    if content is None or isinstance(content, str):
        return None if content is None else _well_formed(content)
    blocks: list[Any] = []
    for block in cast(Iterable[Any], content):
        if isinstance(block, Mapping) and block.get("type") == "text":
            text = block.get("text")
            if isinstance(text, str):
                block = {**block, "text": _well_formed(text)}
        blocks.append(block)
    return blocks


def _error_text(exc: BaseException) -> str:
    return _well_formed(repr(exc))[:_ERROR_TEXT_MAX]


_COMPACTING = (
    "Message params can't be changed while the conversation is being compacted, because "
    "the compaction response replaces them. Make the change on the next iteration."
)


def _check_can_compact(params: Mapping[str, Any]) -> None:
    """Raises `ValueError` if `params` have a compaction edit: sent without it, the
    compaction would run (and be billed) and the next request refused."""
    management = params.get("context_management")
    edits = management.get("edits") if isinstance(management, Mapping) else None
    if any(str(edit.get("type", "")).startswith("compact_") for edit in edits or ()):
        raise ValueError(
            "compact_before_next_turn() can't be used while context_management has a "
            "compaction edit, because the API doesn't accept a compaction block together "
            "with one. Remove the edit first."
        )


def _without_format(config: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in config.items() if key != "format"}


def _without_reply_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """`params` without what only shapes a reply, which a compaction request (answered by
    the compaction block alone) may not carry; the later requests keep them."""
    trimmed = {
        key: value
        for key, value in params.items()
        if key not in ("context_management", "stop_sequences", "output_format")
    }
    choice = params.get("tool_choice")
    if isinstance(choice, Mapping) and choice.get("type") in ("any", "tool"):
        del trimmed["tool_choice"]
    config = params.get("output_config")
    if isinstance(config, Mapping):
        trimmed["output_config"] = _without_format(config)
    fallbacks = params.get("fallbacks")
    if isinstance(fallbacks, list | tuple):
        trimmed["fallbacks"] = [
            {**fallback, "output_config": _without_format(fallback["output_config"])}
            if isinstance(fallback, Mapping) and isinstance(fallback.get("output_config"), Mapping)
            else fallback
            for fallback in cast(Iterable[Any], fallbacks)
        ]
    return trimmed


def _split_tools(
    tools: object,
) -> tuple[list[Any], dict[str, AnyRunnableTool], dict[str, AnyRunnableToolset], list[Any]]:
    """`tools` as a list, the runnable tools by name, the runnable toolsets by family, and
    every entry for the request's `tools`.

    Raises `TypeError` naming `tools` for anything that is neither a runnable tool or
    toolset nor a tool definition (a dict), `ValueError` for two toolsets of a family."""
    if isinstance(tools, str | bytes | Mapping) or not isinstance(tools, Iterable):
        raise TypeError(f"tools must be a list of tools, not {type(tools).__name__}")
    given = list(cast(Iterable[object], tools))
    runnable: dict[str, AnyRunnableTool] = {}
    toolsets: dict[str, AnyRunnableToolset] = {}
    definitions: list[Any] = []
    for i, tool in enumerate(given):
        if is_sync_tool(tool) or is_async_tool(tool):
            known = cast(AnyRunnableTool, tool)
            runnable[known.name] = known
            definitions.append(known.to_dict())
        elif isinstance(tool, BetaRunnableToolset | BetaAsyncRunnableToolset):
            if tool.toolset_name in toolsets:
                raise ValueError(f"tools[{i}]: a second {tool.toolset_name!r} toolset")
            toolsets[tool.toolset_name] = tool
            definitions.append(tool.to_dict())
        elif isinstance(tool, Mapping):
            definitions.append(tool)
        else:
            raise TypeError(
                f"tools[{i}] must be a tool made by beta_tool / beta_async_tool, a builtin "
                f"tool, a runnable toolset, or a tool definition dict, not "
                f"{type(tool).__name__}"
            )
    return given, runnable, toolsets, definitions


def _malformed_toolset_call(use: ToolUseBlock) -> ToolResultBlockParam:
    """The answer to a call named like one of the runner's toolsets but without a
    `toolset_name`: its input holds the toolset's actions in a form the runner cannot run."""
    return {
        "type": "tool_result",
        "tool_use_id": use.id,
        "content": f"Error: the '{use.name}' toolset could not run this call: it has no "
        "toolset_name; nothing in the batch was executed",
        "is_error": True,
    }


def _check_limits(max_iterations: object, max_concurrency: object, tool_timeout: object) -> None:
    for name, value, least in (
        ("max_iterations", max_iterations, 0),
        ("max_concurrency", max_concurrency, 1),
    ):
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < least
        ):
            raise ValueError(f"{name} must be an int >= {least} or None, got {value!r}")
    if tool_timeout is not None and (
        not isinstance(tool_timeout, int | float)
        or isinstance(tool_timeout, bool)
        or not math.isfinite(tool_timeout)
        or tool_timeout <= 0
    ):
        raise ValueError(
            f"tool_timeout must be a positive number of seconds or None, got {tool_timeout!r}"
        )


class _BaseToolRunner(Generic[_ItemT]):
    """The loop shared by the plain and the streaming runner."""

    def __init__(
        self,
        api: AsyncBetaMessages,
        params: dict[str, Any],
        *,
        max_iterations: int | None,
        max_concurrency: int | None,
        tool_timeout: float | None,
        thread: ThreadState | None = None,
    ) -> None:
        _check_limits(max_iterations, max_concurrency, tool_timeout)
        if params.get("compaction") is not None:
            raise ValueError(
                "compaction cannot be set on a tool runner: every request in the loop would "
                "compact again; call runner.compact_before_next_turn() to compact once"
            )
        self._api = api
        self._added: dict[str, AnyRunnableTool] = {}
        self._removed: set[str] = set()
        # `tool_addition` / `tool_removal` blocks for the next request's history.
        self._tool_changes: list[dict[str, Any]] = []
        # `compact_before_next_turn()`: the compaction to request before the next turn,
        # the request while it is out, and the reply it replaces if it sums up nothing.
        self._pending_compaction: dict[str, Any] | None = None
        self._compaction_request: dict[str, Any] | None = None
        self._compacting = False
        self._before_compaction: Message | None = None
        self._final_turn_taken_over = False
        self._params = self._checked_params(params)
        # The official runner's tags, worked out once: its own, then those of the helpers
        # that made its tools and first messages (`_helper_tags`).
        made_by = collect(
            [*self._tools.values(), *self._toolsets.values()], self._params["messages"]
        )
        self._helper = append_tokens(_HELPER, ", ".join(made_by))
        # The message thread the turns go over (only the new messages sent each turn), or
        # None (`thread=False`, or a client without threads): the whole history each turn.
        if thread is None and params.get("thread") is not False:
            if getattr(api._client, "_supports_message_threads", False):
                thread = ThreadState(
                    {},
                    options={},
                    threading=True,
                    unsupported_request_behavior="continue_unthreaded",
                )
        self._thread = thread
        # The thread state with a turn in flight (the reply not yet recorded).
        self._turn_state: ThreadState | None = None
        self._max_iterations = max_iterations
        self._max_concurrency = max_concurrency
        self._tool_timeout = tool_timeout
        self._iteration_count = 0
        self._last_message: Message | None = None
        self._turn_open = False
        # The read at the end of a streamed turn was cancelled or failed: the reply went
        # with its stream, so the loop cannot go on from it.
        self._reply_lost = False
        self._done = False
        self._closed = False
        self._modified = False
        self._cached_response: UserMessageParam | None = None
        # The run's OpenTelemetry span, started by the first step (`_tracing`).
        self._trace: RunnerTrace | None = None
        # The tool calls of the streamed reply being handled, with `run_tools_eagerly`.
        self._eager: _EagerCalls | None = None
        # The task group of `async with runner:`, where eager calls run beside the reply.
        self._task_group: TaskGroup | None = None
        # One limiter per turn, shared by its eager calls and the rest.
        self._limiter: anyio.CapacityLimiter | None = None

    def _checked_params(self, params: dict[str, Any]) -> dict[str, Any]:
        params = dict(params)
        for name in params:
            if name not in _PARAMETERS:
                raise TypeError(f"tool_runner() got an unexpected keyword argument {name!r}")
        thread = params.pop("thread", None)
        if thread is not None and thread is not False:
            raise TypeError(
                f"`thread` cannot be set in the params of a tool runner, got {thread!r}. The "
                "runner sets it for each request itself. To run without a message thread, "
                "pass `thread=False` to `tool_runner()`."
            )
        self._given_tools, given, self._toolsets, params["tools"] = _split_tools(
            params.get("tools", ())
        )
        # What `add_tools()` / `remove_tools()` changed outlives new params.
        self._tools = {**given, **getattr(self, "_added", {})}
        for name in getattr(self, "_removed", ()):
            self._tools.pop(name, None)
        messages = params.get("messages")
        if isinstance(messages, str | bytes | Mapping) or not isinstance(messages, Iterable):
            raise TypeError(f"messages must be a list of messages, not {type(messages).__name__}")
        params["messages"] = list(messages)
        return params

    # ------------------------------------------------------------------ the official API

    def set_messages_params(
        self,
        params: Mapping[str, Any] | Callable[[dict[str, Any]], Mapping[str, Any]],
    ) -> None:
        """Replace the parameters of the next requests (`betas` is kept unless given).

        `params` is the new parameters, or a function of the current ones returning them;
        runnable tools in its `tools` replace the runner's. Drops the cached tool results,
        so they are made again. Raises `TypeError` for `tools` or `messages` that are not
        lists."""
        # The tools as given (tool objects), so a function of the params can keep them.
        current = {**self._params, "tools": list(self._given_tools)}
        new = dict(params(current) if callable(params) else params)
        if "betas" in self._params and "betas" not in new:
            new["betas"] = self._params["betas"]
        if self._compacting and list(new.get("messages", ())) != self._params["messages"]:
            raise ValueError(_COMPACTING)
        if self._pending_compaction is not None or self._compacting:
            _check_can_compact(new)
        self._params = self._checked_params(new)
        self._cached_response = None

    def append_messages(self, *messages: MessageParam | Message) -> None:
        """Add messages to the conversation.

        Called while a reply is being handled (inside the loop body), the history becomes
        yours for that turn: the runner adds neither the reply nor its tool results, so
        append them if the conversation needs them. Drops the cached tool results. Raises
        `ValueError` while the reply being handled is a compaction, which replaces the
        history."""
        if self._compacting:
            raise ValueError(_COMPACTING)
        history: list[Any] = self._params["messages"]
        history += [m.to_param() if isinstance(m, Message) else m for m in messages]
        if self._turn_open:
            self._modified = True
        self._cached_response = None

    def compact_before_next_turn(self, compaction: Mapping[str, Any] | None = None) -> None:
        """Compact the conversation before the model's next turn (the `compact-2026-09-04`
        beta).

        Once the current turn is done, its tool calls included, the runner sends the whole
        conversation with `compaction` (default `{"type": "summarize"}`), yields the reply
        (`stop_reason == "compaction"`) like any other, and goes on from it: its summary
        replaces the history. A later call before then replaces the pending compaction;
        a call while the compaction is being handled does nothing. Raises `ValueError`
        while `context_management` has a compaction edit (the API refuses the two
        together)."""
        if self._compacting:
            return
        _check_can_compact(self._params)
        self._pending_compaction = {"type": "summarize"} if compaction is None else dict(compaction)

    def add_tools(self, *tools: AnyRunnableTool | Mapping[str, Any]) -> None:
        """Give the model more tools without changing the `tools` param (which would miss
        the prompt cache): their definitions go in `tool_addition` blocks of a system
        message with the next request (the `inline-tools-2026-09-15` beta).

        A runnable tool runs at once under its name, in place of any tool of that name,
        even for a call of the reply being handled; a definition (a server tool, say) is
        only sent, and stops a runnable tool of its name from running. Raises `TypeError`
        for anything else, adding nothing."""
        _split_tools(tools)
        for tool in tools:
            name = tool.get("name") if isinstance(tool, Mapping) else getattr(tool, "name", None)
            family = toolset_family(tool) if isinstance(tool, Mapping) else None
            if isinstance(tool, BetaRunnableToolset | BetaAsyncRunnableToolset):
                raise ValueError(
                    f"add_tools() can't add the {tool.toolset_name!r} toolset: a runner's "
                    "toolsets are fixed when it is made"
                )
            if family in self._toolsets or name in self._toolsets:
                raise ValueError(
                    f"add_tools() can't add {name or family!r}: the runner's "
                    f"{name or family!r} toolset has that name"
                )
        for tool in tools:
            if isinstance(tool, Mapping):
                definition: Mapping[str, Any] = dict(tool)
                name = tool.get("name")
                if isinstance(name, str):
                    self._drop_tool(name)
            else:
                definition = tool.to_dict()
                self._tools[tool.name] = self._added[tool.name] = tool
                self._removed.discard(tool.name)
            self._tool_changes.append(
                {
                    "type": "tool_addition",
                    "tool": {"type": "tool_definition", "definition": definition},
                }
            )

    def remove_tools(self, *tools: AnyRunnableTool | str) -> None:
        """Take tools (or tool names) away from the model without changing the `tools`
        param: they stop running at once (a later call of one gets the unknown-tool error
        result), and the next request tells the model in `tool_removal` blocks. Raises
        `TypeError` for anything else, removing nothing."""
        names = []
        for i, tool in enumerate(tools):
            if isinstance(tool, BetaRunnableToolset | BetaAsyncRunnableToolset) or tool in (
                self._toolsets
            ):
                family = tool if isinstance(tool, str) else tool.toolset_name
                raise ValueError(
                    f"remove_tools() can't remove the {family!r} toolset: a runner's "
                    "toolsets are fixed when it is made"
                )
            if isinstance(tool, str):
                names.append(tool)
            elif is_sync_tool(tool) or is_async_tool(tool):
                names.append(tool.name)
            else:
                raise TypeError(
                    f"tools[{i}] must be a runnable tool or a tool name, not {type(tool).__name__}"
                )
        for name in names:
            self._drop_tool(name)
            self._tool_changes.append(
                {"type": "tool_removal", "tool": {"type": "tool_reference", "name": name}}
            )

    def _drop_tool(self, name: str) -> None:
        self._tools.pop(name, None)
        self._added.pop(name, None)
        self._removed.add(name)

    def _send_tool_changes(self) -> None:
        """Put the pending tool changes in the history, unless the last reply paused: a
        paused turn is sent back as it is, to be continued, so it stays last."""
        last = self._last_message
        if not self._tool_changes or (last is not None and _step(last.stop_reason) == "resume"):
            return
        history: list[Any] = self._params["messages"]
        history.append({"role": "system", "content": self._tool_changes})
        self._tool_changes = []

    async def generate_tool_call_response(self) -> UserMessageParam | None:
        """Run the tool calls of the last reply and return the user turn holding their
        results, or None if the reply called no tools.

        The calls run concurrently (at most `max_concurrency` at once, blocking tools in
        worker threads), each within `tool_timeout`; the results come in the order of the
        calls. A tool that raises gives an `is_error` result (a `ToolError`'s own content,
        any other exception's `repr`); a call of an unknown tool gives one too, with a
        `UserWarning`. The response is cached for the turn. Cancelling cancels the running
        tools (a blocking tool is waited for: it can stop early by calling
        `anyio.from_thread.check_cancelled()`)."""
        if self._cached_response is not None:
            return self._cached_response
        message = await self._final_message()
        if message is None:
            return None
        uses = [block for block in message.content if isinstance(block, ToolUseBlock)]
        if not uses:
            return None
        results = await self._run_tools(uses)
        self._cached_response = {"role": "user", "content": results}
        return self._cached_response

    async def until_done(self) -> ParsedMessage[Any]:
        """Run the loop to its end and return the last reply.

        Raises what a request raises (the runner stays as it was), and `RuntimeError` if
        the runner was closed before any reply."""
        while True:
            try:
                await self.__anext__()
            except StopAsyncIteration:
                break
        if self._last_message is None:
            raise RuntimeError("the tool runner ended before any reply")
        return cast("ParsedMessage[Any]", self._last_message)

    async def close(self) -> None:
        """Stop the loop: iterating yields nothing more, and an open streamed turn is
        closed. Closing a finished runner does nothing."""
        self._closed = True
        if self._trace is None:
            await self._close_turn()
            return
        with self._trace.current():
            await self._close_turn()
        self._trace.end(None, finished=False)

    async def __aenter__(self) -> Self:
        """Open the runner's task group, where `run_tools_eagerly` calls run beside the
        reply that streams them."""
        if self._task_group is not None:
            raise RuntimeError("this tool runner is already in an `async with` block")
        group = anyio.create_task_group()
        await group.__aenter__()
        self._task_group = group
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        """Close the runner: an open streamed turn is closed and tool calls still running
        are cancelled; nothing runs once it returns."""
        group, self._task_group = self._task_group, None
        try:
            await self.close()
        finally:
            if group is not None:
                # Calls still running were left behind by a loop that did not finish.
                group.cancel_scope.cancel()
                if isinstance(exc, anyio.get_cancelled_exc_class()):
                    # Perhaps the group's own: it takes it back.
                    await group.__aexit__(exc_type, exc, tb)
                else:
                    # The block's own error goes on as it is, not in an exception group.
                    await group.__aexit__(None, None, None)
        return None

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> _ItemT:
        if self._closed:
            raise StopAsyncIteration
        if self._trace is None:
            from ._tracing import RunnerTrace

            telemetry = getattr(self._api._client, "_telemetry", None)
            self._trace = RunnerTrace(telemetry, self._params)
        # The runner's own steps run with its span current; the caller's code between
        # iterations keeps its own context.
        with self._trace.current():
            try:
                return await self._step()
            except StopAsyncIteration:
                self._trace.end(None, finished=True)
                raise
            except BaseException as exc:
                self._trace.end(exc, finished=False)
                raise

    async def _step(self) -> _ItemT:
        if self._reply_lost:
            # Each step says so until `close()`, rather than ending as if the conversation
            # were done (`until_done()` would give an earlier turn's reply as the last).
            self._turn_open = False
            self._eager = None
            raise ClaudeError(
                "The tool runner cannot go on: the reply of its last turn was lost (reading "
                "it to its end was cancelled or failed, which closed its stream). The "
                "history holds the turns before it; close this runner and start a new one "
                "to continue."
            )
        if self._turn_open:
            if self._compacting:
                await self._finish_compaction()
            else:
                await self._finish_turn()
        if self._max_iterations is not None and self._iteration_count >= self._max_iterations:
            raise StopAsyncIteration
        if self._done:
            compaction = self._compaction_after_final_turn()
            if compaction is None:
                raise StopAsyncIteration
            return await self._open_compaction(compaction)
        self._send_tool_changes()
        last = self._last_message
        # A paused turn is resumed first: the API cannot compact a turn cut in two.
        if self._pending_compaction is not None and (
            last is None or _step(last.stop_reason) != "resume"
        ):
            return await self._open_compaction(self._pending_compaction)
        item = await self._open_turn()
        self._iteration_count += 1
        self._turn_open = True
        return item

    def _compaction_after_final_turn(self) -> dict[str, Any] | None:
        compaction, last = self._pending_compaction, self._last_message
        if (
            compaction is not None
            and last is not None
            and not self._final_turn_taken_over
            and any(isinstance(block, ToolUseBlock) for block in last.content)
        ):
            # The API cannot compact a conversation whose last turn has unanswered calls.
            _log().warning(
                "The pending compaction was skipped: the last turn (stop_reason=%r) ended "
                "with tool calls whose results were not sent. Call "
                "compact_before_next_turn() again if you continue the conversation.",
                last.stop_reason,
            )
            self._pending_compaction = None
            return None
        return compaction

    async def _open_compaction(self, compaction: dict[str, Any]) -> _ItemT:
        """Send the whole conversation with `compaction`, without what only shapes a
        reply (the API refuses it on a compaction request)."""
        _check_can_compact(self._params)
        self._compaction_request = {
            **_without_reply_params(self._request_params()),
            "compaction": compaction,
        }
        self._before_compaction = self._last_message
        try:
            item = await self._open_turn()
        finally:
            self._compaction_request = None
        # Only once it is out: a failed request leaves the compaction pending.
        self._pending_compaction = None
        self._compacting = True
        self._turn_open = True
        return item

    async def _finish_compaction(self) -> None:
        message = await self._read_reply()
        self._compacting = False
        self._turn_open = False
        self._cached_response = None
        self._limiter = None
        if any(
            isinstance(block, BetaCompactionBlock) and block.content for block in message.content
        ):
            self._params["messages"] = [message.to_param()]
        else:
            _log().warning("Compaction produced no summary; keeping the conversation as it is.")
            self._last_message = self._before_compaction

    # ------------------------------------------------------------------- the loop's steps

    def _request_params(self) -> dict[str, Any]:
        if self._compaction_request is not None:
            return self._compaction_request
        return {**self._params, "messages": list(self._params["messages"])}

    async def _open_turn(self) -> _ItemT:
        raise NotImplementedError

    async def _send(self, send: Callable[[dict[str, Any]], Awaitable[_T]], *, stream: bool) -> _T:
        """Send this turn's request: over the thread (the new messages only, a lost thread
        replayed, an unthreadable one sent without a thread from then on), or as it is.
        Over a thread the turn stays open until `_record` (a reply) or `_abandon`."""
        params = dict(self._request_params())
        state = self._thread
        if state is None:
            # The tags the official runner's requests carry, threaded or not.
            headers = with_helper(params.get("extra_headers") or {}, self._helper, first=True)
            params["extra_headers"] = stream_headers(headers) if stream else headers
            return await send(params)
        if self._compaction_request is not None:
            # On a fork: the compaction's reply replaces the history, a new thread.
            state = state.fork()
        options = {key: params.pop(key) for key in _OPTION_KEYS if key in params}
        # A turn's `extra_headers` replace the thread's: the runner's tag goes on the ones
        # the turn sends (the thread adds its own after it).
        headers = options.get("extra_headers", state.options.get("extra_headers")) or {}
        options["extra_headers"] = with_helper(headers, self._helper, first=True)
        output_format = params.pop("output_format", None)
        if self._compaction_request is None:
            # The thread keeps its tools as given, as the official's does: with only their
            # definitions, a later runner over the thread would have no tool to run.
            params["tools"] = list(self._given_tools)
        state.set_params(params)
        state.start_turn(())
        try:
            while True:
                arguments = state.create_arguments(options, stream=stream)
                if output_format is not None:
                    arguments["output_format"] = output_format
                try:
                    result = await send(arguments)
                except APIStatusError as error:
                    if state.recovers_from(error):
                        continue
                    raise
                self._turn_state = state
                return result
        except BaseException:
            state.end_turn()
            raise

    def _record(self, message: Message) -> None:
        """The turn's reply, for the thread to continue from."""
        state, self._turn_state = self._turn_state, None
        if state is not None:
            try:
                state.record_reply(message)
            finally:
                state.end_turn()

    def _abandon(self, stream: AsyncMessageStream | None) -> None:
        """End a turn whose reply was not read to its end: its finished part is kept."""
        state, self._turn_state = self._turn_state, None
        if state is None:
            return
        if isinstance(stream, _EagerMessageStream):
            stream = stream._inner
        try:
            snapshot = None if stream is None else stream._snapshot_or_none()
            if stream is not None and snapshot is not None:
                acc = stream._acc
                if acc.stopped:
                    state.record_reply(snapshot)
                else:
                    state.record_partial_reply(snapshot, acc.completed_blocks)
        finally:
            state.end_turn()

    async def _final_message(self) -> Message | None:
        """The reply of the turn being handled (read to its end if it streams)."""
        return self._last_message

    async def _close_turn(self) -> None:
        """Release what the turn being handled holds."""

    async def _read_reply(self) -> Message:
        """The reply of the turn being handled, its stream closed. Raises what reading
        it raises (cancellation included): the reply is then lost with the stream, and
        every later step raises `ClaudeError`."""
        try:
            message = await self._final_message()
        except BaseException:
            self._reply_lost = True
            raise
        finally:
            await self._close_turn()
        assert message is not None  # a turn is open: its reply was read or is being read
        return message

    async def _finish_turn(self) -> None:
        """Move the conversation past the turn being handled: the reply and the tool
        results join the history (unless the caller took it over), and the loop stops if
        the reply asks for nothing more."""
        message = await self._read_reply()
        step = _step(message.stop_reason)
        if step != "stop" and self._thread is not None:
            # No tool runs for a turn the thread would refuse to send (a `system` or
            # `tools` changed on a thread that continues).
            params = self._request_params()
            self._thread.check_next_turn(
                {k: params[k] for k in _OPTION_KEYS if k in params}, params=params
            )
        response = None
        if step == "run_tools" and not self._modified:
            response = await self.generate_tool_call_response()
        if self._eager is not None:
            # Calls started early that no tool response waited for (the reply stopped, or
            # the caller took the history over) end with their turn.
            await self._eager.settled()
        # Nothing below awaits: a step cancelled or failed above changed no history, and
        # the next iteration takes the turn up again (its tools run again).
        history: list[Any] = self._params["messages"]
        if self._modified:
            # The caller took the turn's history over, results included: the tools need
            # not run (again) to know whether the loop goes on.
            has_calls = any(isinstance(b, ToolUseBlock) for b in message.content)
            self._done = step == "stop" or (step == "run_tools" and not has_calls)
        else:
            history.append(message.to_param())
            if response is not None:
                history.append(response)
            self._done = step == "stop" or (step == "run_tools" and response is None)
        self._turn_open = False
        self._final_turn_taken_over = self._modified
        self._modified = False
        self._cached_response = None
        self._limiter = None

    async def _run_tools(self, uses: list[ToolUseBlock]) -> list[ToolResultBlockParam]:
        results: list[ToolResultBlockParam | None] = [None] * len(uses)
        found: list[tuple[int, ToolUseBlock, AnyRunnableTool]] = []
        # Each toolset's calls, in the model's order: a call named like one of the
        # runner's toolsets but without `toolset_name` is a malformed call of it.
        members: dict[str, list[tuple[int, ToolUseBlock]]] = {}
        for i, use in enumerate(uses):
            family = use.toolset_name
            tool = self._tools.get(use.name) if family is None else None
            if family is None and tool is None and use.name in self._toolsets:
                family = use.name
            if family is not None:
                members.setdefault(family, []).append((i, use))
                continue
            if tool is None:
                warn_at_caller(
                    f"Tool '{use.name}' not found in tool runner. Available tools: "
                    f"{list(self._tools)}. If using a raw tool definition, handle the tool "
                    "call manually and use `append_messages()` to add the result.",
                    UserWarning,
                )
                results[i] = {
                    "type": "tool_result",
                    "tool_use_id": use.id,
                    "content": f"Error: Tool '{use.name}' not found",
                    "is_error": True,
                }
            else:
                found.append((i, use, tool))
        eager = self._eager
        # Raised once the calls are done, from this task: a task of the group below has no
        # frame of the caller's to name.
        missing_toolsets: list[str] = []

        async def run(i: int, use: ToolUseBlock, tool: AnyRunnableTool) -> None:
            if eager is not None:
                results[i] = await self._eager_result(eager, use, tool)
            else:
                results[i] = await self._limited_run(tool, use)

        async def run_members(family: str, calls: list[tuple[int, ToolUseBlock]]) -> None:
            toolset = self._toolsets.get(family)
            failed = False
            for i, use in calls:
                if failed:
                    results[i] = not_executed_result(use)
                elif use.toolset_name is None:
                    results[i] = _malformed_toolset_call(use)
                elif toolset is None:
                    missing_toolsets.append(
                        f"Toolset '{family}' (member '{use.name}') not found in tool runner. "
                        f"Registered toolsets: {list(self._toolsets)}. If using a raw "
                        "toolset definition, handle the tool call manually and use "
                        "`append_messages()` to add the result."
                    )
                    results[i] = toolset_result_block(
                        use,
                        f"Error: Toolset '{family}' member '{use.name}' not found",
                        is_error=True,
                    )
                    continue
                elif self._eager is not None:
                    results[i] = await self._eager_result(self._eager, use, toolset)
                else:
                    results[i] = await self._limited_run(toolset, use)
                # The model planned a toolset's calls as a sequence: after a failed one,
                # the later ones rarely make sense.
                failed = toolset is not None and bool(results[i].get("is_error"))  # type: ignore[union-attr]

        async with anyio.create_task_group() as group:
            for i, use, tool in found:
                group.start_soon(run, i, use, tool)
            for family, calls in members.items():
                group.start_soon(run_members, family, calls)
        for message in missing_toolsets:
            warn_at_caller(message, UserWarning)
        return [result for result in results if result is not None]

    def _turn_limiter(self) -> anyio.CapacityLimiter | None:
        if self._max_concurrency is None:
            return None
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self._max_concurrency)
        return self._limiter

    async def _limited_run(
        self, tool: AnyRunnableTool | AnyRunnableToolset, use: ToolUseBlock
    ) -> ToolResultBlockParam:
        limiter = self._turn_limiter()
        if limiter is None:
            return await self._run_tool(tool, use)
        async with limiter:
            return await self._run_tool(tool, use)

    async def _eager_result(
        self, eager: _EagerCalls, use: ToolUseBlock, tool: AnyRunnableTool | AnyRunnableToolset
    ) -> ToolResultBlockParam:
        """The result of a call of a streamed reply: the one it got running early, or
        (held, or never started) a run now, kept so that it runs once."""
        running = eager.running.get(use.id)
        if running is not None:
            await running.wait()
        result = eager.results.get(use.id)
        if result is None:
            result = await self._limited_run(tool, use)
            eager.record(use, result)
        return result

    async def _start_eager(self, eager: _EagerCalls, use: ToolUseBlock) -> None:
        """Start the call the model has moved on from: in the runner's task group if it
        has one, else here (the read waits for it). A held, unknown or started call is
        left to the tool response; so are a toolset's calls after one that is held or
        failed, which run in the model's order."""
        if use.id in eager.results or use.id in eager.running:
            return
        family = use.toolset_name
        runnable: AnyRunnableTool | AnyRunnableToolset | None
        if family is None:
            runnable = self._tools.get(use.name)
            if runnable is None and use.name in self._toolsets:
                # A malformed call of a toolset: its later calls wait for the response.
                eager.waiting_toolsets.add(use.name)
        else:
            runnable = self._toolsets.get(family)
            if eager.is_held(use):
                eager.waiting_toolsets.add(family)
            if family in eager.waiting_toolsets:
                return
        if runnable is None or eager.is_held(use):
            return
        done = eager.running[use.id] = anyio.Event()
        after = None
        if family is not None:
            after, eager.family_tail[family] = eager.family_tail.get(family), (use.id, done)
        if self._task_group is None:
            await self._eager_run(eager, runnable, use, done, after)
        else:
            self._task_group.start_soon(self._eager_run, eager, runnable, use, done, after)

    async def _eager_run(
        self,
        eager: _EagerCalls,
        tool: AnyRunnableTool | AnyRunnableToolset,
        use: ToolUseBlock,
        done: anyio.Event,
        after: tuple[str, anyio.Event] | None = None,
    ) -> None:
        try:
            if after is not None:
                # A toolset's calls run one after the other; after one that did not
                # succeed, the rest are left to the tool response.
                await after[1].wait()
                previous = eager.results.get(after[0])
                if previous is None or previous.get("is_error"):
                    eager.waiting_toolsets.add(cast(str, use.toolset_name))
                    return
            if self._trace is None:
                result = await self._limited_run(tool, use)
            else:
                # A task of the runner's group starts in the context that entered it.
                with self._trace.current():
                    result = await self._limited_run(tool, use)
            eager.record(use, result)
            if use.toolset_name is not None and result.get("is_error"):
                eager.waiting_toolsets.add(use.toolset_name)
        finally:
            # Cancelled, it leaves no result: the tool response runs the call again.
            del eager.running[use.id]
            done.set()

    async def _run_tool(
        self, tool: AnyRunnableTool | AnyRunnableToolset, use: ToolUseBlock
    ) -> ToolResultBlockParam:
        if self._trace is None:
            return await self._run_tool_untraced(tool, use)
        with self._trace.tool(tool, use) as run:
            run.result = result = await self._run_tool_untraced(tool, use)
        return result

    async def _run_tool_untraced(
        self, tool: AnyRunnableTool | AnyRunnableToolset, use: ToolUseBlock
    ) -> ToolResultBlockParam:
        if isinstance(tool, BetaRunnableToolset | BetaAsyncRunnableToolset):
            return await self._run_member(tool, use)
        result: ToolResultBlockParam = {"type": "tool_result", "tool_use_id": use.id}
        timeout = self._tool_timeout
        with anyio.move_on_after(math.inf if timeout is None else timeout) as scope:
            try:
                if is_sync_tool(tool):
                    # A worker thread of anyio's default limiter; a cancel waits for it.
                    output = await anyio.to_thread.run_sync(tool.call, use.input)
                else:
                    output = await cast(Any, tool).call(use.input)
                result["content"] = _content(output)
            except ToolError as exc:
                result["content"], result["is_error"] = _content(exc.content), True
            except Exception as exc:
                # The model reads the error; the log keeps the traceback for the developer.
                _log().info("tool %s raised %r", use.name, exc, exc_info=exc)
                result["content"], result["is_error"] = _error_text(exc), True
        if scope.cancelled_caught:
            result["content"] = f"Error: Tool '{use.name}' timed out after {timeout} seconds"
            result["is_error"] = True
        return result

    async def _run_member(
        self, toolset: AnyRunnableToolset, use: ToolUseBlock
    ) -> ToolResultBlockParam:
        """A toolset's member call; a closed toolset raises (at your code, not the
        model's), a member's exception is its error result."""
        timeout = self._tool_timeout
        with anyio.move_on_after(math.inf if timeout is None else timeout):
            if isinstance(toolset, BetaRunnableToolset):
                return await anyio.to_thread.run_sync(toolset.tool_result, use)
            return await toolset.tool_result(use)
        return toolset_result_block(
            use, f"Error: Tool '{use.name}' timed out after {timeout} seconds", is_error=True
        )


class BetaAsyncToolRunner(_BaseToolRunner["ParsedMessage[_F]"], Generic[_F]):
    """What `client.beta.messages.tool_runner(...)` returns: `async for message in
    runner` gives each reply; the runner runs its tool calls before asking for the next.

    Each `__anext__` sends one request, after running the previous reply's tool calls;
    cancelling it cancels the request and the tools, and leaves nothing running. Errors
    of a request are raised from it, as `messages.create` raises them."""

    async def until_done(self) -> ParsedMessage[_F]:
        """Run the loop to its end and return the last reply.

        Raises what a request raises (the runner stays as it was), and `RuntimeError` if
        the runner was closed before any reply."""
        message: ParsedMessage[_F] = await super().until_done()
        return message

    async def _open_turn(self) -> ParsedMessage[_F]:
        message: ParsedMessage[_F] = await self._send(
            lambda arguments: self._api._impl.runner_parse(**arguments), stream=False
        )
        self._record(message)
        self._last_message = message
        return message


class BetaAsyncStreamingToolRunner(_BaseToolRunner["AsyncMessageStream"]):
    """What `tool_runner(..., stream=True)` returns: `async for stream in runner` gives
    each reply as an open `AsyncMessageStream`; read its events, or not, and the runner
    reads the rest, closes it and runs its tool calls before the next.

    A stream is open between iterations; `close()` (or `async with runner`) closes it if
    the loop is left early. Cancelling an iteration closes its stream and cancels the
    tools; a reply whose read was cancelled or failed is lost with its stream, and every
    later iteration raises `ClaudeError` until `close()`. With `run_tools_eagerly`, each
    call starts as soon as the model has moved on from it (see `defer_tool_call()`)."""

    def __init__(
        self,
        api: AsyncBetaMessages,
        params: dict[str, Any],
        *,
        max_iterations: int | None,
        max_concurrency: int | None,
        tool_timeout: float | None,
        run_tools_eagerly: bool = False,
        thread: ThreadState | None = None,
    ) -> None:
        super().__init__(
            api,
            params,
            max_iterations=max_iterations,
            max_concurrency=max_concurrency,
            tool_timeout=tool_timeout,
            thread=thread,
        )
        self._stream: AsyncMessageStream | None = None
        self._run_tools_eagerly = run_tools_eagerly

    def defer_tool_call(self, tool_use: ToolUseBlock | str) -> None:
        """Hold a call of the reply being read (its `tool_use` block, or its id) until the
        tool response: the end of the loop body, or `generate_tool_call_response()`.

        With `run_tools_eagerly` a call otherwise starts when you ask for the event after
        the one showing the model has moved on from it (the next block's start, or the
        reply stopping with `tool_use`), so you can hold it up to and including that
        event. Does nothing for a call that has started, outside the loop body, or without
        `run_tools_eagerly`."""
        if self._eager is not None:
            self._eager.hold(tool_use)

    @property
    def deferred_tool_calls(self) -> list[ToolUseBlock]:
        """The calls of the reply being handled that `defer_tool_call()` holds, in the
        model's order, once their blocks have finished streaming; empty without
        `run_tools_eagerly`."""
        return [] if self._eager is None else self._eager.held()

    async def _open_turn(self) -> AsyncMessageStream:
        stream: AsyncMessageStream = await self._send(
            lambda arguments: self._api.stream(**arguments).__aenter__(), stream=True
        )
        self._last_message = None
        if self._run_tools_eagerly:
            self._eager = eager = _EagerCalls()
            stream = _EagerMessageStream(stream, functools.partial(self._start_eager, eager), eager)
        self._stream = stream
        return stream

    async def _final_message(self) -> Message | None:
        if self._stream is not None and self._last_message is None:
            self._last_message = await self._stream.get_final_message()
            self._record(self._last_message)
        return self._last_message

    async def _close_turn(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                await stream.close()
            finally:
                self._abandon(stream)

    async def _finish_turn(self) -> None:
        try:
            await super()._finish_turn()
        finally:
            if not self._turn_open:
                self._eager = None


class _EagerCalls:
    """The tool calls of one streamed reply, for `run_tools_eagerly`: which blocks have
    finished, which call the model has moved on from, which started, their results, and
    which `defer_tool_call()` holds."""

    def __init__(self) -> None:
        self.results: dict[str, ToolResultBlockParam] = {}
        self.running: dict[str, anyio.Event] = {}
        # Toolsets whose later calls wait for the tool response (one was held or failed),
        # and the last call of each toolset started early, which the next one follows.
        self.waiting_toolsets: set[str] = set()
        self.family_tail: dict[str, tuple[str, anyio.Event]] = {}
        self._finished: list[ToolUseBlock] = []
        self._held: set[str] = set()
        # The last call whose block closed, until the model moves on from it: its own
        # `content_block_stop` is not enough, a reply cut off closes its last call too.
        self._closed: ToolUseBlock | None = None
        # After a fallback block (a refusal handed the reply on) no call is moved on
        # from: the one before may have been cut off.
        self._fallback = False

    def hold(self, tool_use: ToolUseBlock | str) -> None:
        tool_use_id = tool_use if isinstance(tool_use, str) else tool_use.id
        if tool_use_id not in self.results and tool_use_id not in self.running:
            self._held.add(tool_use_id)

    def is_held(self, tool_use: ToolUseBlock) -> bool:
        return tool_use.id in self._held

    def held(self) -> list[ToolUseBlock]:
        return [use for use in self._finished if use.id in self._held]

    def record(self, tool_use: ToolUseBlock, result: ToolResultBlockParam) -> None:
        self._held.discard(tool_use.id)
        self.results[tool_use.id] = result

    async def settled(self) -> None:
        """Wait for the calls still running."""
        while self.running:
            await next(iter(self.running.values())).wait()

    def track(self, event: object) -> ToolUseBlock | None:
        """Follow the reply; the call `event` shows the model has moved on from, if any."""
        kind = getattr(event, "type", None)
        if kind == "content_block_stop":
            block = getattr(event, "content_block", None)
            if isinstance(block, ToolUseBlock):
                self._finished.append(block)
                self._closed = None if self._fallback else block
            return None
        if kind == "content_block_start":
            if getattr(getattr(event, "content_block", None), "type", None) == "fallback":
                self._fallback, self._closed = True, None
                return None
        elif not (
            kind == "message_delta"
            and getattr(getattr(event, "delta", None), "stop_reason", None) == "tool_use"
        ):
            return None
        moved_on_from, self._closed = self._closed, None
        return moved_on_from


class _EagerText(AsyncTextStream):
    """`text_stream` of an eager reply: read through its `__anext__`."""

    __slots__ = ()

    async def __anext__(self) -> str:
        while True:
            event = await self._stream.__anext__()
            if type(event) is TextEvent:
                return event.text


class _EagerMessageStream(AsyncMessageStream):
    """The reply of a turn with `run_tools_eagerly`: the turn's `AsyncMessageStream`,
    whose reads start each tool call the model has moved on from. Every way of reading it
    (events, `text_stream`, `until_done`, `get_final_message`) reads through
    `__anext__`."""

    # Its own state only: the stream read is `_inner`, whose state this never touches.
    __slots__ = ("_eager", "_inner", "_moved_on_from", "_start")
    # Set from `_inner`; the base's reading state (`_batch`, `_acc`, ...) stays unset.

    def __init__(
        self,
        inner: AsyncMessageStream,
        start: Callable[[ToolUseBlock], Awaitable[None]],
        eager: _EagerCalls,
    ) -> None:
        # Not the base's __init__: this stream reads nothing itself.
        self._inner = inner
        self._start = start
        self._eager = eager
        self._moved_on_from: ToolUseBlock | None = None
        # The response's own, which `response` and `request_id` read.
        self.http_response = inner.http_response
        self.retries_taken = inner.retries_taken

    def __aiter__(self) -> _EagerMessageStream:
        return self

    async def __anext__(self) -> StreamEvent:
        # The next event is read first: no call starts once reading the reply has failed.
        event = await self._inner.__anext__()
        moved_on_from, self._moved_on_from = self._moved_on_from, None
        if moved_on_from is not None:
            await self._start(moved_on_from)
        self._moved_on_from = self._eager.track(event)
        return event

    @property
    def text_stream(self) -> AsyncTextStream:
        """An async iterator over just the text of the text deltas (it drives this stream)."""
        return _EagerText(self)

    async def until_done(self) -> None:
        """Read the stream to its end, starting the calls as they finish."""
        async for _ in self:
            pass

    async def get_final_message(self) -> Message:
        """Read to the end and return the complete message."""
        await self.until_done()
        return await self._inner.get_final_message()

    async def get_final_text(self) -> str:
        """Read to the end and return the text of all text blocks, joined."""
        await self.until_done()
        return await self._inner.get_final_text()

    async def close(self) -> None:
        """Close the response (see `AsyncMessageStream.close`)."""
        await self._inner.close()

    @property
    def current_message_snapshot(self) -> Message:
        """The message as streamed so far."""
        return self._inner.current_message_snapshot


def make_async_runner(
    api: AsyncBetaMessages,
    *,
    stream: bool,
    max_iterations: int | None,
    max_concurrency: int | None,
    tool_timeout: float | None,
    run_tools_eagerly: bool = False,
    params: dict[str, Any] | None = None,
    thread: BetaAsyncMessageThread[Any] | None = None,
    options: Mapping[str, Any] | None = None,
) -> BetaAsyncToolRunner[Any] | BetaAsyncStreamingToolRunner:
    """The runner `tool_runner` returns, over `params` or over the message `thread` (its
    fields, tools and history, with the request `options`); raises before any I/O for
    arguments that cannot work (naming them)."""
    state = None
    if thread is not None:
        state = thread._state
        params = {**thread.params, **(options or {})}
        del params["unsupported_request_behavior"]
    assert params is not None
    for name, value in (("stream", stream), ("run_tools_eagerly", run_tools_eagerly)):
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be a bool, not {type(value).__name__}")
    if run_tools_eagerly and not stream:
        raise ValueError("`run_tools_eagerly=True` and `stream=False` are mutually exclusive")
    if stream:
        return BetaAsyncStreamingToolRunner(
            api,
            params,
            max_iterations=max_iterations,
            max_concurrency=max_concurrency,
            tool_timeout=tool_timeout,
            run_tools_eagerly=run_tools_eagerly,
            thread=state,
        )
    return BetaAsyncToolRunner(
        api,
        params,
        max_iterations=max_iterations,
        max_concurrency=max_concurrency,
        tool_timeout=tool_timeout,
        thread=state,
    )
