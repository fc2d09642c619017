"""Runnable toolsets one function at a time, the edges the mutation run of `_toolsets.py`
found unpinned: what a member receives, closing by `close()` alone, the error results a
member's failure becomes (text only, well-formed, never empty, bounded), and which `tools`
entries are toolsets."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pytest

from anyio_claude._toolsets import (
    BetaToolsetCallContext,
    not_executed_result,
    toolset_family,
    toolset_result_block,
)
from anyio_claude.lib.tools import BetaAsyncRunnableToolset, BetaRunnableToolset, ToolError
from anyio_claude.types import ToolUseBlock


def _use(name: str = "navigate", family: str = "browser", **input: object) -> ToolUseBlock:
    return ToolUseBlock(id="toolu_1", name=name, input=dict(input), toolset_name=family)


class Recorder(BetaRunnableToolset):
    """Records what each call receives; raises what it is given to raise."""

    toolset_name = "browser"

    def __init__(self, raises: Exception | None = None) -> None:
        self.seen: list[tuple[BetaToolsetCallContext, str, Mapping[str, object]]] = []
        self.raises = raises

    def to_dict(self) -> Any:
        return {"type": "browser_toolset_20260801"}

    def call(self, context: BetaToolsetCallContext, name: str, input: Mapping[str, object]) -> str:
        self.seen.append((context, name, input))
        if self.raises is not None:
            raise self.raises
        return "done"


class AsyncRecorder(BetaAsyncRunnableToolset):
    toolset_name = "computer"

    def __init__(self, raises: Exception | None = None) -> None:
        self.seen: list[tuple[BetaToolsetCallContext, str, Mapping[str, object]]] = []
        self.raises = raises

    def to_dict(self) -> Any:
        return {"type": "computer_toolset_20260801"}

    async def call(
        self, context: BetaToolsetCallContext, name: str, input: Mapping[str, object]
    ) -> str:
        self.seen.append((context, name, input))
        if self.raises is not None:
            raise self.raises
        return "done"


def test_a_member_receives_its_tool_use_name_and_input() -> None:
    toolset = Recorder()
    use = _use("click", x=3)
    assert toolset.tool_result(use)["content"] == "done"
    [(context, name, input)] = toolset.seen
    assert (context.tool_use, name, input) == (use, "click", {"x": 3})
    assert repr(context) == f"BetaToolsetCallContext(tool_use={use!r})"
    assert BetaToolsetCallContext().tool_use is None


@pytest.mark.anyio
async def test_an_async_member_receives_its_tool_use_name_and_input() -> None:
    toolset = AsyncRecorder()
    use = _use("type", "computer", text="hi")
    assert (await toolset.tool_result(use))["content"] == "done"
    [(context, name, input)] = toolset.seen
    assert (context.tool_use, name, input) == (use, "type", {"text": "hi"})


def test_close_alone_closes_a_toolset() -> None:
    toolset = Recorder()
    toolset.close()
    with pytest.raises(RuntimeError) as caught:
        toolset.tool_result(_use())
    assert str(caught.value) == "this 'browser' toolset is closed"
    with pytest.raises(RuntimeError) as caught, toolset:
        pass
    assert str(caught.value) == "this 'browser' toolset is closed"
    assert toolset.seen == []


@pytest.mark.anyio
async def test_close_alone_closes_an_async_toolset() -> None:
    toolset = AsyncRecorder()
    await toolset.close()
    with pytest.raises(RuntimeError) as caught:
        await toolset.tool_result(_use(family="computer"))
    assert str(caught.value) == "this 'computer' toolset is closed"
    with pytest.raises(RuntimeError) as caught:
        async with toolset:
            pass
    assert str(caught.value) == "this 'computer' toolset is closed"
    assert toolset.seen == []


def test_a_call_of_another_toolset_is_named() -> None:
    with pytest.raises(ValueError) as caught:
        Recorder().tool_result(_use("screenshot", "computer"))
    assert str(caught.value) == (
        "tool_use 'toolu_1' (toolset_name='computer', name='screenshot') is not a member "
        "call of the 'browser' toolset"
    )


def test_a_tool_error_sends_only_its_text_well_formed() -> None:
    text = Recorder(ToolError("bad \ud800 page")).tool_result(_use())
    assert text == {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "toolset_name": "browser",
        "content": "bad \ufffd page",
        "is_error": True,
    }
    blocks = ToolError(
        [
            {"type": "text", "text": "one \udfff"},
            {"type": "text", "text": ""},
            {"type": "image", "text": "not text"},
            {"type": "text", "text": "two", "cache_control": {"type": "ephemeral"}},
        ]
    )
    assert Recorder(blocks).tool_result(_use())["content"] == [
        {"type": "text", "text": "one \ufffd"},
        {"type": "text", "text": "two", "cache_control": {"type": "ephemeral"}},
    ]
    # Nothing left to send: an error result is never empty.
    images = ToolError([{"type": "image", "source": {}}])
    assert Recorder(images).tool_result(_use())["content"] == (
        "The tool call failed with an empty error message."
    )


class BrokenStr(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text")


def test_any_other_exception_sends_its_type_and_message(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="anyio_claude"):
        result = Recorder(ValueError("the page \ud800 is gone")).tool_result(_use())
    assert result["content"] == "ValueError: the page \ufffd is gone"
    assert result.get("is_error") is True
    [record] = caplog.records
    assert record.name == "anyio_claude" and record.levelno == logging.INFO
    assert record.getMessage() == (
        "toolset member browser/navigate raised ValueError('the page \\ud800 is gone')"
    )
    assert record.exc_info is not None
    assert Recorder(KeyError()).tool_result(_use())["content"] == "KeyError"
    assert Recorder(BrokenStr()).tool_result(_use())["content"] == "BrokenStr"
    # Bounded, whatever the exception carries.
    long = Recorder(ValueError("x" * 10_000)).tool_result(_use())["content"]
    assert long == ("ValueError: " + "x" * 10_000)[:4096]


def test_result_blocks() -> None:
    use = _use()
    assert toolset_result_block(use, ({"type": "text", "text": "a"},)) == {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "toolset_name": "browser",
        "content": [{"type": "text", "text": "a"}],
    }
    assert toolset_result_block(use, "", is_error=True)["content"] == (
        "The tool call failed with an empty error message."
    )
    assert toolset_result_block(use, "")["content"] == ""
    computer = not_executed_result(_use("click", "computer"))
    assert computer["content"] == "Not executed: an earlier computer action in this turn failed."
    assert computer.get("is_error") is True
    for family in ("browser", "editor"):
        assert not_executed_result(_use("click", family))["content"] == (
            "Not executed: an earlier action in this turn failed."
        )


def test_toolset_family() -> None:
    assert toolset_family({"type": "browser_toolset_20260801"}) == "browser"
    assert toolset_family({"type": "computer_toolset_20260801"}) == "computer"
    assert toolset_family({"type": "code_execution_20250825", "name": "x"}) is None
    assert toolset_family({"type": "browser_toolset_"}) is None
    assert toolset_family({"type": "Browser_toolset_1"}) is None
    assert toolset_family({"type": "browser_toolset_1x"}) is None
    assert toolset_family({"name": "plain"}) is None
