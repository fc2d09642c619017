"""The memory tool: the official SDK's semantics (a differential test runs the same
commands through both), paths that would leave `/memories` refused, the async twin, and
the tool in a tool runner against FakeClaude."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from anthropic.lib.tools import ToolError as OfficialToolError
from anthropic.tools.memory import BetaLocalFilesystemMemoryTool as OfficialMemoryTool

from anyio_claude import AsyncAnthropic
from anyio_claude.lib.tools import BetaAbstractMemoryTool, ToolError
from anyio_claude.testing import FakeClaude
from anyio_claude.tools.memory import (
    BetaAsyncLocalFilesystemMemoryTool,
    BetaLocalFilesystemMemoryTool,
    BetaMemoryTool20250818ViewCommand,
)

SESSION: list[dict[str, Any]] = [
    {"command": "view", "path": "/memories"},
    {"command": "create", "path": "/memories/notes.md", "file_text": "# Notes\nlikes coffee\n"},
    {"command": "create", "path": "/memories/notes.md", "file_text": "again"},
    {"command": "create", "path": "/memories/people/ada.md", "file_text": "Ada\n" * 3},
    {"command": "create", "path": "/memories/.hidden", "file_text": "secret"},
    {"command": "view", "path": "/memories"},
    {"command": "view", "path": "/memories/notes.md"},
    {"command": "view", "path": "/memories/people/ada.md", "view_range": [2, -1]},
    {"command": "view", "path": "/memories/people/ada.md", "view_range": [1, 2]},
    {"command": "view", "path": "/memories/missing.md"},
    {"command": "str_replace", "path": "/memories/notes.md", "old_str": "coffee", "new_str": "tea"},
    {"command": "str_replace", "path": "/memories/notes.md", "old_str": "nothing", "new_str": "x"},
    {"command": "str_replace", "path": "/memories/people/ada.md", "old_str": "Ada", "new_str": "x"},
    {"command": "str_replace", "path": "/memories/people", "old_str": "a", "new_str": "b"},
    {"command": "str_replace", "path": "/memories/none.md", "old_str": "a", "new_str": "b"},
    # Occurrences are counted without overlaps: `aa` is once in `xaaay`, twice on each line
    # of `aaa\naaa` (where every place it is found is listed).
    {"command": "create", "path": "/memories/overlap.md", "file_text": "one\nxaaay\nthree\n"},
    {"command": "str_replace", "path": "/memories/overlap.md", "old_str": "aa", "new_str": "B"},
    {"command": "create", "path": "/memories/twice.md", "file_text": "aaa\naaa"},
    {"command": "str_replace", "path": "/memories/twice.md", "old_str": "aa", "new_str": "B"},
    # The snippet is the two lines before the change and the two after, numbered from a
    # first line that is empty; the lines of repeated text are counted the same way.
    {
        "command": "create",
        "path": "/memories/long.md",
        "file_text": "\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\n",
    },
    {"command": "str_replace", "path": "/memories/long.md", "old_str": "l6", "new_str": "six"},
    {"command": "create", "path": "/memories/dup.md", "file_text": "\nx\nx\n"},
    {"command": "str_replace", "path": "/memories/dup.md", "old_str": "x", "new_str": "y"},
    # After the last line, with only the text's line ends stripped.
    {
        "command": "insert",
        "path": "/memories/long.md",
        "insert_line": 9,
        "insert_text": "BOX  \n\n",
    },
    {"command": "insert", "path": "/memories/long.md", "insert_line": 11, "insert_text": "x"},
    {"command": "insert", "path": "/memories/long.md", "insert_line": 0, "insert_text": "MAX\n"},
    {"command": "view", "path": "/memories/long.md"},
    # A file ending in an empty line loses it to an insert, and an empty text inserted
    # after the last line adds nothing: the official tool ends the file with one line end.
    {"command": "create", "path": "/memories/blank.md", "file_text": "a\n\n"},
    {"command": "insert", "path": "/memories/blank.md", "insert_line": 0, "insert_text": "x"},
    {"command": "view", "path": "/memories/blank.md"},
    {"command": "insert", "path": "/memories/blank.md", "insert_line": 2, "insert_text": ""},
    {"command": "view", "path": "/memories/blank.md"},
    {"command": "insert", "path": "/memories/blank.md", "insert_line": 2, "insert_text": "\n"},
    {"command": "view", "path": "/memories/blank.md"},
    # Two levels deep, no more; a name that starts with X (a path's "/" alone is stripped).
    {"command": "create", "path": "/memories/x/y/z/deep.md", "file_text": "deep"},
    {"command": "create", "path": "/memories/Xfile.md", "file_text": "X"},
    {"command": "view", "path": "/memories"},
    {"command": "view", "path": "/memories/x"},
    {"command": "delete", "path": "/memories/x"},
    {"command": "insert", "path": "/memories/notes.md", "insert_line": 1, "insert_text": "new\n"},
    {"command": "insert", "path": "/memories/notes.md", "insert_line": 0, "insert_text": "top"},
    {"command": "insert", "path": "/memories/notes.md", "insert_line": 9, "insert_text": "x"},
    {"command": "view", "path": "/memories/notes.md"},
    {"command": "rename", "old_path": "/memories/notes.md", "new_path": "/memories/a/b.md"},
    {"command": "rename", "old_path": "/memories/gone.md", "new_path": "/memories/c.md"},
    {"command": "rename", "old_path": "/memories/a/b.md", "new_path": "/memories/people/ada.md"},
    {"command": "rename", "old_path": "/memories", "new_path": "/memories/x"},
    {"command": "view", "path": "/memories"},
    {"command": "delete", "path": "/memories/people"},
    {"command": "delete", "path": "/memories/people"},
    {"command": "delete", "path": "/memories"},
    {"command": "view", "path": "/memories"},
    {"command": "view", "path": "/notes"},
    {"command": "view", "path": "/memories/../../etc/passwd"},
    {"command": "create", "path": "/memories/../outside.md", "file_text": "x"},
]


def _outcome(tool: Any, command: dict[str, Any], errors: tuple[type[Exception], ...]) -> str:
    try:
        return f"ok: {tool.call(command)}"
    except errors as exc:
        return f"error: {exc}"


def test_same_results_as_the_official_tool(tmp_path: Path) -> None:
    ours = BetaLocalFilesystemMemoryTool(tmp_path / "ours")
    theirs = OfficialMemoryTool(str(tmp_path / "theirs"))
    assert ours.to_dict() == theirs.to_dict() == {"type": "memory_20250818", "name": "memory"}
    for command in SESSION:
        mine = _outcome(ours, command, (ToolError,))
        official = _outcome(theirs, command, (OfficialToolError,))
        # Directory sizes are the filesystem's; the listing is otherwise the same.
        assert _without_dir_sizes(mine) == _without_dir_sizes(official), command
    assert ours.clear_all_memory() == theirs.clear_all_memory() == "All memory cleared"
    assert list((tmp_path / "ours" / "memories").iterdir()) == []


def _without_dir_sizes(text: str) -> str:
    return "\n".join(
        line.split("\t", 1)[1] if line.endswith("/") or line.endswith("/memories") else line
        for line in text.split("\n")
    )


@pytest.fixture
def memory(tmp_path: Path) -> BetaLocalFilesystemMemoryTool:
    tool = BetaLocalFilesystemMemoryTool(tmp_path / "store")
    tool.call({"command": "create", "path": "/memories/inside.md", "file_text": "in"})
    (tmp_path / "outside.md").write_text("the outside world")
    (tmp_path / "outside").mkdir()
    return tool


ESCAPES = [
    "/memories/../outside.md",
    "/memories/../../outside.md",
    "/memories/sub/../../outside.md",
    "/etc/passwd",
    "/memoriesX/file.md",
    "memories/inside.md",
    "../outside.md",
]


@pytest.mark.parametrize("path", ESCAPES)
def test_paths_out_of_memories_are_refused(
    memory: BetaLocalFilesystemMemoryTool, tmp_path: Path, path: str
) -> None:
    commands: list[dict[str, Any]] = [
        {"command": "view", "path": path},
        {"command": "create", "path": path, "file_text": "overwritten"},
        {"command": "str_replace", "path": path, "old_str": "world", "new_str": "x"},
        {"command": "insert", "path": path, "insert_line": 0, "insert_text": "x"},
        {"command": "delete", "path": path},
        {"command": "rename", "old_path": path, "new_path": "/memories/moved.md"},
        {"command": "rename", "old_path": "/memories/inside.md", "new_path": path},
    ]
    for command in commands:
        with pytest.raises(ToolError, match=r"must start with /memories|would escape /memories"):
            memory.call(command)
    assert (tmp_path / "outside.md").read_text() == "the outside world"
    assert (memory.memory_root / "inside.md").read_text() == "in"


def test_symlinks_out_of_the_root_are_refused(
    memory: BetaLocalFilesystemMemoryTool, tmp_path: Path
) -> None:
    root = memory.memory_root
    os.symlink(tmp_path / "outside.md", root / "link.md")
    os.symlink(tmp_path / "outside", root / "linkdir")
    os.symlink(root / "inside.md", root / "alias.md")  # stays inside: allowed
    for command in [
        {"command": "view", "path": "/memories/link.md"},
        {"command": "str_replace", "path": "/memories/link.md", "old_str": "world", "new_str": "x"},
        {"command": "insert", "path": "/memories/link.md", "insert_line": 0, "insert_text": "x"},
        {"command": "delete", "path": "/memories/link.md"},
        {"command": "create", "path": "/memories/linkdir/new.md", "file_text": "x"},
        {"command": "view", "path": "/memories/linkdir"},
        {"command": "rename", "old_path": "/memories/inside.md", "new_path": "/memories/linkdir/x"},
    ]:
        with pytest.raises(ToolError, match="would escape /memories"):
            memory.call(command)
    assert (tmp_path / "outside.md").read_text() == "the outside world"
    assert list((tmp_path / "outside").iterdir()) == []
    listing = str(memory.call({"command": "view", "path": "/memories"}))
    assert "link" not in listing and "alias.md" in listing
    assert "in" in str(memory.call({"command": "view", "path": "/memories/alias.md"}))


def test_files_and_directories_are_owner_only(tmp_path: Path) -> None:
    tool = BetaLocalFilesystemMemoryTool(tmp_path / "private")
    tool.call({"command": "create", "path": "/memories/a/b.md", "file_text": "x"})
    for path in (tool.memory_root, tool.memory_root / "a"):
        assert path.stat().st_mode & 0o777 == 0o700
    assert (tool.memory_root / "a" / "b.md").stat().st_mode & 0o777 == 0o600


def test_malformed_commands(memory: BetaLocalFilesystemMemoryTool) -> None:
    with pytest.raises(ToolError, match="Unknown memory command: 'format'"):
        memory.call({"command": "format", "path": "/memories"})
    with pytest.raises(ToolError, match="Unknown memory command: None"):
        memory.call(["view"])
    with pytest.raises(ToolError, match=r"Invalid create command: .*file_text"):
        memory.call({"command": "create", "path": "/memories/x.md"})


def test_a_storage_of_your_own() -> None:
    class InMemory(BetaAbstractMemoryTool):
        def __init__(self) -> None:
            super().__init__(cache_control={"type": "ephemeral"})
            self.files: dict[str, str] = {}

        def view(self, command: BetaMemoryTool20250818ViewCommand) -> str:
            return self.files.get(command.path, "empty")

        def create(self, command: Any) -> str:
            self.files[command.path] = command.file_text
            return "created"

        def str_replace(self, command: Any) -> str:
            raise ToolError("read only")

        insert = delete = rename = str_replace

    tool = InMemory()
    assert tool.name == "memory"
    assert tool.to_dict()["cache_control"] == {"type": "ephemeral"}
    assert tool.call({"command": "create", "path": "/memories/a", "file_text": "x"}) == "created"
    assert tool.call({"command": "view", "path": "/memories/a"}) == "x"
    with pytest.raises(NotImplementedError):
        tool.clear_all_memory()


@pytest.mark.anyio
async def test_the_async_tool(tmp_path: Path) -> None:
    tool = BetaAsyncLocalFilesystemMemoryTool(tmp_path)
    created = await tool.call({"command": "create", "path": "/memories/a.md", "file_text": "x\n"})
    assert created == "File created successfully at: /memories/a.md"
    assert "1\tx" in str(await tool.call({"command": "view", "path": "/memories/a.md"}))
    with pytest.raises(ToolError, match="would escape"):
        await tool.call({"command": "view", "path": "/memories/../../x"})
    assert await tool.clear_all_memory() == "All memory cleared"
    assert tool.memory_root == tmp_path / "memories"


@pytest.mark.anyio
async def test_in_a_tool_runner(tmp_path: Path) -> None:
    memory = BetaAsyncLocalFilesystemMemoryTool(tmp_path)
    await memory.call({"command": "create", "path": "/memories/user.md", "file_text": "Ada"})
    async with FakeClaude() as server, AsyncAnthropic(api_key="k", base_url=server.url) as client:
        runner = client.beta.messages.tool_runner(
            model="claude-sonnet-4-5",
            max_tokens=1024,
            tools=[memory],
            betas=["context-management-2025-06-27"],
            messages=[{"role": "user", "content": "What do you remember? Use the memory."}],
        )
        final = await runner.until_done()
    assert final.stop_reason == "end_turn"
    assert server.requests[0].json["tools"] == [{"type": "memory_20250818", "name": "memory"}]
    result = server.requests[-1].json["messages"][-1]["content"][0]
    assert result["type"] == "tool_result" and "/memories/user.md" in result["content"]


def test_in_a_blocking_tool_runner(tmp_path: Path) -> None:
    """As the official SDK's docs use it: a blocking client, the filesystem tool."""
    from anyio_claude import Anthropic

    memory = BetaLocalFilesystemMemoryTool(str(tmp_path))
    memory.call({"command": "create", "path": "/memories/user.md", "file_text": "likes tea"})
    with (
        FakeClaude.run_in_thread() as server,
        Anthropic(api_key="k", base_url=server.url) as client,
    ):
        runner = client.beta.messages.tool_runner(
            model="claude-sonnet-4-5",
            max_tokens=1024,
            tools=[memory],
            betas=["context-management-2025-06-27"],
            messages=[{"role": "user", "content": "What do you remember? Use the memory."}],
        )
        replies = list(runner)
    assert [m.stop_reason for m in replies] == ["tool_use", "end_turn"]
    call = next(b for b in replies[0].content if b.type == "tool_use")
    assert call.name == "memory" and call.input["command"] == "view"
    result = server.requests[-1].json["messages"][-1]["content"][0]
    assert result["tool_use_id"] == call.id and "/memories/user.md" in result["content"]


@pytest.mark.anyio
async def test_in_a_streaming_tool_runner(tmp_path: Path) -> None:
    memory = BetaAsyncLocalFilesystemMemoryTool(tmp_path)
    await memory.call({"command": "create", "path": "/memories/user.md", "file_text": "Ada"})
    async with FakeClaude() as server, AsyncAnthropic(api_key="k", base_url=server.url) as client:
        runner = client.beta.messages.tool_runner(
            model="claude-sonnet-4-5",
            max_tokens=1024,
            tools=[memory],
            betas=["context-management-2025-06-27"],
            messages=[{"role": "user", "content": "What do you remember? Use the memory."}],
            stream=True,
        )
        kinds = []
        async for stream in runner:
            kinds.append([event.type async for event in stream])
        final = await runner.until_done()
    assert len(kinds) == 2 and "input_json" in kinds[0]
    assert final.stop_reason == "end_turn"
    result = server.requests[-1].json["messages"][-1]["content"][0]
    assert result["type"] == "tool_result" and "/memories/user.md" in result["content"]
