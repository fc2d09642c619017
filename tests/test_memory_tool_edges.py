"""The memory tool's edges the mutation run of `_memory_tool.py` found unpinned: every
command of the async filesystem tool, an async storage of your own, a file that is not
UTF-8, and a write that fails leaving neither a temporary file nor a changed one."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from anthropic.lib.tools import ToolError as OfficialToolError
from anthropic.lib.tools._beta_builtin_memory_tool import _format_file_size as _official_size
from anthropic.tools.memory import BetaLocalFilesystemMemoryTool as OfficialMemoryTool
from hypothesis import given
from hypothesis import strategies as st

import anyio_claude._memory_tool as memory_tool
from anyio_claude.lib.tools import BetaAbstractMemoryTool, ToolError
from anyio_claude.tools.memory import (
    BetaAsyncAbstractMemoryTool,
    BetaAsyncLocalFilesystemMemoryTool,
    BetaLocalFilesystemMemoryTool,
)


@pytest.mark.anyio
async def test_every_command_of_the_async_tool(tmp_path: Path) -> None:
    tool = BetaAsyncLocalFilesystemMemoryTool(tmp_path)
    blocking = BetaLocalFilesystemMemoryTool(tmp_path / "same")
    session: list[dict[str, Any]] = [
        {"command": "create", "path": "/memories/a.md", "file_text": "one\ntwo\n"},
        {"command": "str_replace", "path": "/memories/a.md", "old_str": "two", "new_str": "2"},
        {"command": "insert", "path": "/memories/a.md", "insert_line": 1, "insert_text": "1.5"},
        {"command": "view", "path": "/memories/a.md"},
        {"command": "rename", "old_path": "/memories/a.md", "new_path": "/memories/d/b.md"},
        {"command": "view", "path": "/memories/d/b.md", "view_range": [2, 3]},
        {"command": "delete", "path": "/memories/d"},
    ]
    for command in session:
        assert await tool.call(command) == blocking.call(command), command
    assert list(tool.memory_root.iterdir()) == []
    with pytest.raises(ToolError, match="The path /memories/d does not exist"):
        await tool.call({"command": "delete", "path": "/memories/d"})


def test_storages_of_your_own_have_no_clear_all_memory() -> None:
    class Blocking(BetaAbstractMemoryTool):
        view = create = str_replace = insert = delete = rename = lambda self, command: ""

    with pytest.raises(NotImplementedError) as caught:
        Blocking().clear_all_memory()
    assert str(caught.value) == "clear_all_memory not implemented"


@pytest.mark.anyio
async def test_an_async_storage_of_your_own() -> None:
    class Notes(BetaAsyncAbstractMemoryTool):
        def __init__(self) -> None:
            super().__init__(cache_control={"type": "ephemeral"})
            self.files: dict[str, str] = {}

        async def view(self, command: Any) -> str:
            return self.files.get(command.path, "empty")

        async def create(self, command: Any) -> str:
            self.files[command.path] = command.file_text
            return "created"

        async def str_replace(self, command: Any) -> str:
            raise ToolError("read only")

        insert = delete = rename = str_replace

    notes = Notes()
    assert notes.name == "memory"
    assert notes.to_dict() == {
        "type": "memory_20250818",
        "name": "memory",
        "cache_control": {"type": "ephemeral"},
    }
    assert await notes.call({"command": "create", "path": "/memories/a", "file_text": "x"}) == (
        "created"
    )
    assert await notes.call({"command": "view", "path": "/memories/a"}) == "x"
    with pytest.raises(ToolError, match="read only"):
        await notes.call({"command": "delete", "path": "/memories/a"})
    with pytest.raises(ToolError, match="Unknown memory command: 'format'"):
        await notes.call({"command": "format"})
    with pytest.raises(NotImplementedError) as caught:
        await notes.clear_all_memory()
    assert str(caught.value) == "clear_all_memory not implemented"


def test_a_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    tool = BetaLocalFilesystemMemoryTool(tmp_path)
    (tool.memory_root / "bad.md").write_bytes(b"caf\xe9\n")
    for command in (
        {"command": "view", "path": "/memories/bad.md"},
        {"command": "str_replace", "path": "/memories/bad.md", "old_str": "c", "new_str": "d"},
        {"command": "insert", "path": "/memories/bad.md", "insert_line": 0, "insert_text": "x"},
    ):
        with pytest.raises(ToolError) as caught:
            tool.call(command)
        assert str(caught.value) == "path '/memories/bad.md' is not valid utf-8"
    assert (tool.memory_root / "bad.md").read_bytes() == b"caf\xe9\n"


def test_a_failed_write_leaves_the_file_and_no_temporary(tmp_path: Path) -> None:
    tool = BetaLocalFilesystemMemoryTool(tmp_path)
    tool.call({"command": "create", "path": "/memories/a.md", "file_text": "keep\n"})
    # Text that cannot be encoded fails once the temporary file exists.
    with pytest.raises(UnicodeEncodeError):
        tool.call(
            {
                "command": "str_replace",
                "path": "/memories/a.md",
                "old_str": "keep",
                "new_str": "\ud800",
            }
        )
    assert [p.name for p in tool.memory_root.iterdir()] == ["a.md"]
    assert (tool.memory_root / "a.md").read_text() == "keep\n"


def test_a_write_failing_before_its_temporary_exists_raises_its_own_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = BetaLocalFilesystemMemoryTool(tmp_path)
    tool.call({"command": "create", "path": "/memories/a.md", "file_text": "keep\n"})

    def full_disk(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(memory_tool, "_write_new", full_disk)
    with pytest.raises(OSError, match="No space left") as caught:
        tool.call(
            {"command": "insert", "path": "/memories/a.md", "insert_line": 0, "insert_text": "x"}
        )
    assert caught.value.errno == errno.ENOSPC
    assert [p.name for p in tool.memory_root.iterdir()] == ["a.md"]
    assert (tool.memory_root / "a.md").read_text() == "keep\n"


def test_reading_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    # `_Store.read` alone: the commands check the kind of file first, so only something
    # swapped in after that check reaches these refusals.
    store = memory_tool._Store(tmp_path / "memories")
    (store.root / "real.md").write_text("real")
    os.symlink(store.root / "real.md", store.root / "link.md")
    os.mkfifo(store.root / "pipe")
    cases = {
        "link.md": "path '/memories/link.md' is a symlink",
        # Opened without waiting for a writer, then refused.
        "pipe": "path '/memories/pipe' is not a regular file",
        "gone.md": "The path /memories/gone.md does not exist",
    }
    for name, message in cases.items():
        with pytest.raises(ToolError) as caught:
            store.read(store.root / name, f"/memories/{name}")
        assert str(caught.value) == message
    assert store.read(store.root / "real.md", "/memories/real.md") == "real"


@pytest.mark.parametrize(
    "n",
    [
        0,
        1,
        1023,
        1024,
        1025,
        1536,
        1024**2 - 1,
        1024**2,
        1024**3,
        5 * 1024**3 // 2,
        1024**4,
        3 * 1024**5,
    ],
)
def test_sizes_as_the_official_tool_shows_them(n: int) -> None:
    assert memory_tool._size(n) == _official_size(n)


@given(st.integers(min_value=0, max_value=2**50))
def test_any_size_as_the_official_tool_shows_it(n: int) -> None:
    assert memory_tool._size(n) == _official_size(n)


@pytest.mark.anyio
async def test_the_default_directory_is_memory_under_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for tool in (BetaLocalFilesystemMemoryTool(), BetaAsyncLocalFilesystemMemoryTool()):
        assert tool.base_path == Path("memory")
        assert tool.memory_root == Path("memory/memories")
    assert (tmp_path / "memory" / "memories").is_dir()
    await BetaAsyncLocalFilesystemMemoryTool().call(
        {"command": "create", "path": "/memories/a.md", "file_text": "x"}
    )
    assert (tmp_path / "memory" / "memories" / "a.md").read_text() == "x"


def test_the_line_limit_is_the_official_tools(tmp_path: Path) -> None:
    ours = BetaLocalFilesystemMemoryTool(tmp_path / "ours")
    theirs = OfficialMemoryTool(str(tmp_path / "theirs"))
    view = {"command": "view", "path": "/memories/big.md", "view_range": [999_998, -1]}
    for newlines in (999_998, 999_999):
        for tool in (ours, theirs):
            (tool.memory_root / "big.md").write_text("\n" * newlines)
        try:
            expected = f"ok: {theirs.call(view)}"
        except OfficialToolError as exc:
            expected = f"error: {exc}"
        try:
            got = f"ok: {ours.call(view)}"
        except ToolError as exc:
            got = f"error: {exc}"
        assert got == expected
    assert got == "error: File /memories/big.md exceeds maximum line limit of 999,999 lines."


def test_listing_skips_what_leads_out_or_is_gone(tmp_path: Path) -> None:
    tool = BetaLocalFilesystemMemoryTool(tmp_path / "store")
    (tmp_path / "outside.md").write_text("out")
    root = tool.memory_root
    os.symlink(tmp_path / "outside.md", root / "a-out.md")
    os.symlink(root / "missing.md", root / "b-dangling.md")
    (root / "c-kept.md").write_text("kept")
    listing = str(tool.call({"command": "view", "path": "/memories"}))
    # Entries are sorted by name: what comes after those skipped is still listed.
    assert listing.split("\n")[2:] == ["4B\t/memories/c-kept.md"]
    assert "a-out" not in listing and "b-dangling" not in listing


def test_a_special_file_is_not_viewed(tmp_path: Path) -> None:
    tool = BetaLocalFilesystemMemoryTool(tmp_path)
    os.mkfifo(tool.memory_root / "pipe")
    with pytest.raises(ToolError) as caught:
        tool.call({"command": "view", "path": "/memories/pipe"})
    assert str(caught.value) == "Unsupported file type for /memories/pipe"


def test_the_filesystem_tools_send_their_cache_control(tmp_path: Path) -> None:
    control: Any = {"type": "ephemeral"}
    for tool in (
        BetaLocalFilesystemMemoryTool(tmp_path, cache_control=control),
        BetaAsyncLocalFilesystemMemoryTool(tmp_path, cache_control=control),
    ):
        assert tool.to_dict() == {
            "type": "memory_20250818",
            "name": "memory",
            "cache_control": {"type": "ephemeral"},
        }


def test_commands_are_decoded_leniently_and_refused_by_name(tmp_path: Path) -> None:
    tool = BetaLocalFilesystemMemoryTool(tmp_path)
    tool.call({"command": "create", "path": "/memories/a.md", "file_text": "one\n"})
    # A number sent as a string is converted, as the official tool's model does.
    tool.call(
        {"command": "insert", "path": "/memories/a.md", "insert_line": "1", "insert_text": "two"}
    )
    assert (tool.memory_root / "a.md").read_text() == "one\ntwo\n"
    with pytest.raises(ToolError) as caught:
        tool.call({"command": ["view"], "path": "/memories"})
    assert str(caught.value) == "Unknown memory command: ['view']"
