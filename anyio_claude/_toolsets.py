"""Runnable toolsets: one nameless `tools` entry declaring a family of member tools (the
API's `browser_toolset_20260801` and `computer_toolset_20260801`), whose calls run here.

Each member call is its own `tool_use` whose `name` is the member and whose `toolset_name`
is the family; its `tool_result` echoes `toolset_name`. Member names are not reserved (a
function tool may be called `navigate`), so calls are told apart by `toolset_name`, never
by name alone. Subclass `BetaRunnableToolset` (a blocking `call`) or
`BetaAsyncRunnableToolset` (a coroutine `call`) with your own driver; the tool runner runs
one turn's calls of a toolset in the model's order, and once one fails, answers the later
ones of that toolset as not executed.
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias, Union

from ._tools import BetaFunctionToolResultType, ToolError

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

    from .types import ToolUseBlock
    from .types._params import (
        BrowserToolset20260801Param,
        ComputerToolset20260801Param,
        ToolResultBlockParam,
    )

__all__ = (
    "BetaAsyncRunnableToolset",
    "BetaRunnableToolset",
    "BetaToolsetCallContext",
    "BetaToolsetContent",
    "ToolsetFamily",
    "not_executed_result",
    "toolset_result_block",
)

ToolsetFamily: TypeAlias = Literal["browser", "computer"]
BetaToolsetContent: TypeAlias = list[Mapping[str, Any]]
"""The `tool_result` content a member call gives: content blocks."""

# The API's wording of a call not run because an earlier one of its toolset failed in the
# same turn; the browser's is also the wording for another family.
_HALT_TEXT: Mapping[str, str] = {
    "browser": "Not executed: an earlier action in this turn failed.",
    "computer": "Not executed: an earlier computer action in this turn failed.",
}
_NOT_EXECUTED = _HALT_TEXT["browser"]
_EMPTY_ERROR = "The tool call failed with an empty error message."
_FIELD_MAX = 4096
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _log() -> logging.Logger:
    return logging.getLogger("anyio_claude")


def _well_formed(text: str) -> str:
    return _LONE_SURROGATE.sub("\ufffd", text)


class BetaToolsetCallContext:
    """What a member receives besides its input: the `tool_use` block the call answers
    (`context.tool_use.id`), or None when a member is called outside a model's call."""

    __slots__ = ("tool_use",)

    def __init__(self, tool_use: ToolUseBlock | None = None) -> None:
        self.tool_use = tool_use

    def __repr__(self) -> str:
        return f"BetaToolsetCallContext(tool_use={self.tool_use!r})"


class _BaseRunnableToolset(ABC):
    """What both kinds of toolset have: the family, the definition, and being closed."""

    toolset_name: ClassVar[ToolsetFamily]
    """The family this toolset answers for, matched against `tool_use.toolset_name`."""

    _toolset_closed: bool = False

    @abstractmethod
    def to_dict(self) -> BrowserToolset20260801Param | ComputerToolset20260801Param:
        """The toolset's entry in the request's `tools`."""

    def _check(self, tool_use: ToolUseBlock) -> None:
        """Raises `ValueError` for a call that is not one of this toolset's members (a
        plain tool never comes here), `RuntimeError` once the toolset is closed."""
        if tool_use.toolset_name != self.toolset_name:
            raise ValueError(
                f"tool_use {tool_use.id!r} (toolset_name={tool_use.toolset_name!r}, "
                f"name={tool_use.name!r}) is not a member call of the "
                f"{self.toolset_name!r} toolset"
            )
        if self._toolset_closed:
            raise RuntimeError(f"this {self.toolset_name!r} toolset is closed")


class BetaRunnableToolset(_BaseRunnableToolset):
    """A toolset whose member calls block (the runner runs them in worker threads):
    implement `to_dict()` and `call(context, name, input)`."""

    @abstractmethod
    def call(
        self, context: BetaToolsetCallContext, name: str, input: Mapping[str, object]
    ) -> str | BetaToolsetContent:
        """Run member `name` with the call's input and return the result's content;
        raise `ToolError` for a failure the model should read."""

    def close(self) -> None:
        """Release what the toolset holds; later calls raise `RuntimeError`. The runner
        never closes a toolset, so one serves many runs; `with toolset:` closes it."""
        self._toolset_closed = True

    def __enter__(self) -> Self:
        if self._toolset_closed:
            raise RuntimeError(f"this {self.toolset_name!r} toolset is closed")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._toolset_closed:
            try:
                self.close()
            finally:
                self._toolset_closed = True

    def tool_result(self, tool_use: ToolUseBlock) -> ToolResultBlockParam:
        """Run one member call and give its `tool_result` block (an exception of the
        member becomes an `is_error` result), for callers driving `messages.create`
        themselves."""
        self._check(tool_use)
        try:
            content = self.call(BetaToolsetCallContext(tool_use), tool_use.name, tool_use.input)
        except Exception as exc:
            return _error_result(tool_use, exc)
        return toolset_result_block(tool_use, content)


class BetaAsyncRunnableToolset(_BaseRunnableToolset):
    """`BetaRunnableToolset` whose `call` and `close` are coroutines."""

    @abstractmethod
    async def call(
        self, context: BetaToolsetCallContext, name: str, input: Mapping[str, object]
    ) -> str | BetaToolsetContent:
        """Run member `name` with the call's input and return the result's content;
        raise `ToolError` for a failure the model should read. Cancelling cancels it."""

    async def close(self) -> None:
        """Release what the toolset holds (see `BetaRunnableToolset.close`)."""
        self._toolset_closed = True

    async def __aenter__(self) -> Self:
        if self._toolset_closed:
            raise RuntimeError(f"this {self.toolset_name!r} toolset is closed")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._toolset_closed:
            try:
                await self.close()
            finally:
                self._toolset_closed = True

    async def tool_result(self, tool_use: ToolUseBlock) -> ToolResultBlockParam:
        """Run one member call and give its `tool_result` block (see the blocking one);
        a cancellation propagates, so the call is not answered."""
        self._check(tool_use)
        try:
            content = await self.call(
                BetaToolsetCallContext(tool_use), tool_use.name, tool_use.input
            )
        except Exception as exc:
            return _error_result(tool_use, exc)
        return toolset_result_block(tool_use, content)


AnyRunnableToolset = Union[BetaRunnableToolset, BetaAsyncRunnableToolset]


def _error_content(content: BetaFunctionToolResultType) -> str | list[dict[str, Any]]:
    """A `ToolError`'s content as an error result can carry it: text only (the API
    refuses anything else on an `is_error` result, which would end the run)."""
    if isinstance(content, str):
        return _well_formed(content)
    return [
        {**block, "text": _well_formed(str(block["text"]))}
        for block in content
        if block.get("type") == "text" and block.get("text")
    ]


def _error_result(tool_use: ToolUseBlock, exc: Exception) -> ToolResultBlockParam:
    """A member's exception as the `is_error` result: a `ToolError`'s own content, any
    other exception's type and message (logged with its traceback)."""
    if isinstance(exc, ToolError):
        return toolset_result_block(tool_use, _error_content(exc.content), is_error=True)
    _log().info(
        "toolset member %s/%s raised %r", tool_use.toolset_name, tool_use.name, exc, exc_info=exc
    )
    try:
        message = str(exc)
    except Exception:
        message = ""  # a broken __str__ still gives the model the type
    name = type(exc).__name__
    text = f"{name}: {message}" if message else name
    return toolset_result_block(tool_use, _well_formed(text)[:_FIELD_MAX], is_error=True)


def toolset_result_block(
    tool_use: ToolUseBlock,
    content: str | Sequence[Mapping[str, Any]],
    *,
    is_error: bool = False,
) -> ToolResultBlockParam:
    """The `tool_result` answering a member call, `toolset_name` echoed (the API refuses
    a mismatch). An error result is never empty (the API refuses that too)."""
    if is_error and not content:
        content = _EMPTY_ERROR
    block: dict[str, Any] = {
        "type": "tool_result",
        "tool_use_id": tool_use.id,
        "toolset_name": tool_use.toolset_name,
        "content": content if isinstance(content, str) else list(content),
    }
    if is_error:
        block["is_error"] = True
    result: ToolResultBlockParam = block  # type: ignore[assignment]
    return result


def not_executed_result(tool_use: ToolUseBlock) -> ToolResultBlockParam:
    """The answer to a member call not run because an earlier one of its toolset failed
    in the same turn: the model planned them as a sequence."""
    text = _HALT_TEXT.get(tool_use.toolset_name or "", _NOT_EXECUTED)
    return toolset_result_block(tool_use, text, is_error=True)


def toolset_family(definition: Mapping[str, Any]) -> str | None:
    """The family a `tools` entry declares (`browser_toolset_20260801` -> `browser`), or
    None for any other entry."""
    match = re.fullmatch(r"([a-z_]+)_toolset_\d+", str(definition.get("type", "")))
    return match.group(1) if match else None
