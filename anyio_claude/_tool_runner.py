"""`client.beta.messages.tool_runner(...)`: the agent loop, structured.

Each step of the loop runs inside the `__anext__` that asks for it: the request, then (on
the next step) the tool calls of the reply, concurrently in a task group, each result put
back in the order of the calls. Nothing runs between steps, so cancelling the task that
iterates cancels the request and every running tool, and leaves nothing behind; a streamed
turn's connection is the one thing held between steps, closed by the next step or by
`close()`.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, TypedDict, TypeVar, cast

import anyio
import anyio.to_thread

from ._tools import AnyRunnableTool, ToolError, is_async_tool, is_sync_tool
from .types import Message, ToolUseBlock

if TYPE_CHECKING:
    import logging
    from types import TracebackType

    from typing_extensions import Self

    from ._http import Timeout
    from ._live_streams import AsyncMessageStream
    from ._tracing import RunnerTrace
    from .resources._beta import AsyncBetaMessages
    from .types import (
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

__all__ = (
    "BetaAsyncStreamingToolRunner",
    "BetaAsyncToolRunner",
    "ToolRunnerArgs",
    "make_async_runner",
)

_F = TypeVar("_F")
_ItemT = TypeVar("_ItemT")

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
    messages: Iterable[MessageParam]
    model: ModelParam


class ToolRunnerArgs(_RunnerArgsBase, total=False):
    """What `tool_runner` passes on to every request: `beta.messages.create`'s parameters
    but `tools` and `stream`, which the runner takes itself."""

    extra_headers: Mapping[str, str] | None
    extra_query: Mapping[str, object] | None
    extra_body: Mapping[str, object] | None
    timeout: float | Timeout | None
    betas: Sequence[str]
    billing_policy: Mapping[str, Any] | None
    cache_control: CacheControlEphemeralParam | None
    container: MessageCreateParamsContainerParam | None
    context_management: Mapping[str, Any] | None
    diagnostics: DiagnosticsParam | None
    fallback_credit_token: str | Mapping[str, Any] | None
    fallbacks: Iterable[Mapping[str, Any]] | Literal["default"] | None
    inference_geo: str | None
    mcp_servers: Iterable[Mapping[str, Any]]
    metadata: MetadataParam
    output_config: OutputConfigParam
    service_tier: Literal["auto", "standard_only"]
    speed: Literal["standard", "fast"] | None
    stop_sequences: Sequence[str]
    system: str | Iterable[TextBlockParam]
    temperature: float
    thinking: ThinkingConfigParam
    thread: Literal[False] | None
    tool_choice: ToolChoiceParam
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


def _split_tools(tools: object) -> tuple[list[Any], dict[str, AnyRunnableTool], list[Any]]:
    """`tools` as a list, the runnable tools by name, and every tool's entry for the
    request's `tools`.

    Raises `TypeError` naming `tools` for anything that is neither a runnable tool nor a
    tool definition (a dict)."""
    if isinstance(tools, str | bytes | Mapping) or not isinstance(tools, Iterable):
        raise TypeError(f"tools must be a list of tools, not {type(tools).__name__}")
    given = list(cast(Iterable[object], tools))
    runnable: dict[str, AnyRunnableTool] = {}
    definitions: list[Any] = []
    for i, tool in enumerate(given):
        if is_sync_tool(tool) or is_async_tool(tool):
            known = cast(AnyRunnableTool, tool)
            runnable[known.name] = known
            definitions.append(known.to_dict())
        elif isinstance(tool, Mapping):
            definitions.append(tool)
        else:
            raise TypeError(
                f"tools[{i}] must be a tool made by beta_tool / beta_async_tool, a builtin "
                f"tool, or a tool definition dict, not {type(tool).__name__}"
            )
    return given, runnable, definitions


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
    ) -> None:
        _check_limits(max_iterations, max_concurrency, tool_timeout)
        if params.get("compaction") is not None:
            raise ValueError(
                "compaction cannot be set on a tool runner: every request in the loop would "
                "compact again; use context_management's compaction edit instead"
            )
        self._api = api
        self._params = self._checked_params(params)
        self._max_iterations = max_iterations
        self._max_concurrency = max_concurrency
        self._tool_timeout = tool_timeout
        self._iteration_count = 0
        self._last_message: Message | None = None
        self._turn_open = False
        self._done = False
        self._closed = False
        self._modified = False
        self._cached_response: UserMessageParam | None = None
        # The run's OpenTelemetry span, started by the first step (`_tracing`).
        self._trace: RunnerTrace | None = None

    def _checked_params(self, params: dict[str, Any]) -> dict[str, Any]:
        params = dict(params)
        for name in params:
            if name not in _PARAMETERS:
                raise TypeError(f"tool_runner() got an unexpected keyword argument {name!r}")
        thread = params.pop("thread", None)
        if thread is not None and thread is not False:
            raise ValueError(
                "thread must be False or None: the tool runner sends the whole conversation "
                "with every request"
            )
        self._given_tools, self._tools, params["tools"] = _split_tools(params.get("tools", ()))
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
        self._params = self._checked_params(new)
        self._cached_response = None

    def append_messages(self, *messages: MessageParam | Message) -> None:
        """Add messages to the conversation.

        Called while a reply is being handled (inside the loop body), the history becomes
        yours for that turn: the runner adds neither the reply nor its tool results, so
        append them if the conversation needs them. Drops the cached tool results."""
        history: list[Any] = self._params["messages"]
        history += [m.to_param() if isinstance(m, Message) else m for m in messages]
        if self._turn_open:
            self._modified = True
        self._cached_response = None

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
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

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
        if self._turn_open:
            await self._finish_turn()
        if self._done or (
            self._max_iterations is not None and self._iteration_count >= self._max_iterations
        ):
            raise StopAsyncIteration
        item = await self._open_turn()
        self._iteration_count += 1
        self._turn_open = True
        return item

    # ------------------------------------------------------------------- the loop's steps

    def _request_params(self) -> dict[str, Any]:
        return {**self._params, "messages": list(self._params["messages"])}

    async def _open_turn(self) -> _ItemT:
        raise NotImplementedError

    async def _final_message(self) -> Message | None:
        """The reply of the turn being handled (read to its end if it streams)."""
        return self._last_message

    async def _close_turn(self) -> None:
        """Release what the turn being handled holds."""

    async def _finish_turn(self) -> None:
        """Move the conversation past the turn being handled: the reply and the tool
        results join the history (unless the caller took it over), and the loop stops if
        the reply asks for nothing more."""
        try:
            message = await self._final_message()
        finally:
            await self._close_turn()
        assert message is not None
        step = _step(message.stop_reason)
        response = None
        if step == "run_tools" and not self._modified:
            response = await self.generate_tool_call_response()
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
        self._modified = False
        self._cached_response = None

    async def _run_tools(self, uses: list[ToolUseBlock]) -> list[ToolResultBlockParam]:
        results: list[ToolResultBlockParam | None] = [None] * len(uses)
        found: list[tuple[int, ToolUseBlock, AnyRunnableTool]] = []
        for i, use in enumerate(uses):
            tool = self._tools.get(use.name)
            if tool is None:
                warnings.warn(
                    f"Tool '{use.name}' not found in tool runner. Available tools: "
                    f"{list(self._tools)}. If using a raw tool definition, handle the tool "
                    "call manually and use `append_messages()` to add the result.",
                    UserWarning,
                    stacklevel=4,
                )
                results[i] = {
                    "type": "tool_result",
                    "tool_use_id": use.id,
                    "content": f"Error: Tool '{use.name}' not found",
                    "is_error": True,
                }
            else:
                found.append((i, use, tool))
        limiter = anyio.CapacityLimiter(self._max_concurrency) if self._max_concurrency else None

        async def run(i: int, use: ToolUseBlock, tool: AnyRunnableTool) -> None:
            if limiter is None:
                results[i] = await self._run_tool(tool, use)
            else:
                async with limiter:
                    results[i] = await self._run_tool(tool, use)

        async with anyio.create_task_group() as group:
            for i, use, tool in found:
                group.start_soon(run, i, use, tool)
        return [result for result in results if result is not None]

    async def _run_tool(self, tool: AnyRunnableTool, use: ToolUseBlock) -> ToolResultBlockParam:
        if self._trace is None:
            return await self._run_tool_untraced(tool, use)
        with self._trace.tool(tool, use) as run:
            run.result = result = await self._run_tool_untraced(tool, use)
        return result

    async def _run_tool_untraced(
        self, tool: AnyRunnableTool, use: ToolUseBlock
    ) -> ToolResultBlockParam:
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
        message: ParsedMessage[_F] = await self._api.parse(**self._request_params())
        self._last_message = message
        return message


class BetaAsyncStreamingToolRunner(_BaseToolRunner["AsyncMessageStream"]):
    """What `tool_runner(..., stream=True)` returns: `async for stream in runner` gives
    each reply as an open `AsyncMessageStream`; read its events, or not, and the runner
    reads the rest, closes it and runs its tool calls before the next.

    A stream is open between iterations; `close()` (or `async with runner`) closes it if
    the loop is left early. Cancelling an iteration closes its stream and cancels the
    tools."""

    def __init__(
        self,
        api: AsyncBetaMessages,
        params: dict[str, Any],
        *,
        max_iterations: int | None,
        max_concurrency: int | None,
        tool_timeout: float | None,
    ) -> None:
        super().__init__(
            api,
            params,
            max_iterations=max_iterations,
            max_concurrency=max_concurrency,
            tool_timeout=tool_timeout,
        )
        self._stream: AsyncMessageStream | None = None

    async def _open_turn(self) -> AsyncMessageStream:
        stream: AsyncMessageStream = await self._api.stream(**self._request_params()).__aenter__()
        self._stream = stream
        self._last_message = None
        return stream

    async def _final_message(self) -> Message | None:
        if self._stream is not None and self._last_message is None:
            self._last_message = await self._stream.get_final_message()
        return self._last_message

    async def _close_turn(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            await stream.close()


def make_async_runner(
    api: AsyncBetaMessages,
    *,
    stream: bool,
    max_iterations: int | None,
    max_concurrency: int | None,
    tool_timeout: float | None,
    params: dict[str, Any],
) -> BetaAsyncToolRunner[Any] | BetaAsyncStreamingToolRunner:
    """The runner `tool_runner` returns; raises before any I/O for arguments that cannot
    work (naming them)."""
    if not isinstance(stream, bool):
        raise TypeError(f"stream must be a bool, not {type(stream).__name__}")
    kind = BetaAsyncStreamingToolRunner if stream else BetaAsyncToolRunner
    return kind(
        api,
        params,
        max_iterations=max_iterations,
        max_concurrency=max_concurrency,
        tool_timeout=tool_timeout,
    )
