"""The memory tool (`memory_20250818`): the model keeps notes in a `/memories` directory
whose commands run here.

`BetaAbstractMemoryTool` / `BetaAsyncAbstractMemoryTool` decode a call into its command
and dispatch it to a method per command; subclass them for your own storage.
`BetaLocalFilesystemMemoryTool` / `BetaAsyncLocalFilesystemMemoryTool` keep the notes in a
directory (`<base_path>/memories`), and refuse every path that would leave it: `..`,
absolute paths outside `/memories`, and symlinks pointing out of it. Refusals and failures
are `ToolError`s, which the tool runner sends back as `is_error` results.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import uuid
from abc import abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Union

import anyio.to_thread
import msgspec

from ._tools import (
    BetaAsyncBuiltinFunctionTool,
    BetaBuiltinFunctionTool,
    BetaFunctionToolResultType,
    ToolError,
)

if TYPE_CHECKING:
    from .types._params import CacheControlEphemeralParam

__all__ = (
    "BetaAbstractMemoryTool",
    "BetaAsyncAbstractMemoryTool",
    "BetaAsyncLocalFilesystemMemoryTool",
    "BetaLocalFilesystemMemoryTool",
    "BetaMemoryTool20250818Command",
    "BetaMemoryTool20250818CreateCommand",
    "BetaMemoryTool20250818DeleteCommand",
    "BetaMemoryTool20250818InsertCommand",
    "BetaMemoryTool20250818RenameCommand",
    "BetaMemoryTool20250818StrReplaceCommand",
    "BetaMemoryTool20250818ViewCommand",
)


class BetaMemoryTool20250818ViewCommand(msgspec.Struct, kw_only=True):
    """Show a directory (two levels deep) or a file with line numbers."""

    command: Literal["view"] = "view"
    path: str
    view_range: list[int] | None = None


class BetaMemoryTool20250818CreateCommand(msgspec.Struct, kw_only=True):
    """Create a file (never overwriting one)."""

    command: Literal["create"] = "create"
    path: str
    file_text: str


class BetaMemoryTool20250818StrReplaceCommand(msgspec.Struct, kw_only=True):
    """Replace the one occurrence of `old_str` in a file with `new_str`."""

    command: Literal["str_replace"] = "str_replace"
    path: str
    old_str: str
    new_str: str


class BetaMemoryTool20250818InsertCommand(msgspec.Struct, kw_only=True):
    """Insert text after line `insert_line` of a file (0: at the start)."""

    command: Literal["insert"] = "insert"
    path: str
    insert_line: int
    insert_text: str


class BetaMemoryTool20250818DeleteCommand(msgspec.Struct, kw_only=True):
    """Delete a file or a directory."""

    command: Literal["delete"] = "delete"
    path: str


class BetaMemoryTool20250818RenameCommand(msgspec.Struct, kw_only=True):
    """Rename or move a file or a directory."""

    command: Literal["rename"] = "rename"
    old_path: str
    new_path: str


BetaMemoryTool20250818Command = Union[
    BetaMemoryTool20250818ViewCommand,
    BetaMemoryTool20250818CreateCommand,
    BetaMemoryTool20250818StrReplaceCommand,
    BetaMemoryTool20250818InsertCommand,
    BetaMemoryTool20250818DeleteCommand,
    BetaMemoryTool20250818RenameCommand,
]

_COMMANDS: dict[str, type[Any]] = {
    "view": BetaMemoryTool20250818ViewCommand,
    "create": BetaMemoryTool20250818CreateCommand,
    "str_replace": BetaMemoryTool20250818StrReplaceCommand,
    "insert": BetaMemoryTool20250818InsertCommand,
    "delete": BetaMemoryTool20250818DeleteCommand,
    "rename": BetaMemoryTool20250818RenameCommand,
}


def _command(input: object) -> BetaMemoryTool20250818Command:
    """The command a call's input holds. Raises `ToolError` for one that is unknown or
    malformed (the model reads why)."""
    name = input.get("command") if isinstance(input, dict) else None
    kind = _COMMANDS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise ToolError(f"Unknown memory command: {name!r}")
    try:
        command: BetaMemoryTool20250818Command = msgspec.convert(input, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise ToolError(f"Invalid {name} command: {exc}") from None
    return command


def _definition(cache_control: CacheControlEphemeralParam | None) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": "memory_20250818", "name": "memory"}
    if cache_control is not None:
        definition["cache_control"] = cache_control
    return definition


class BetaAbstractMemoryTool(BetaBuiltinFunctionTool):
    """A memory tool whose storage you write: implement `view`, `create`, `str_replace`,
    `insert`, `delete` and `rename` (and `clear_all_memory` if you want it); what they
    return is the result, a `ToolError` they raise an error result."""

    def __init__(self, *, cache_control: CacheControlEphemeralParam | None = None) -> None:
        self._cache_control = cache_control

    def to_dict(self) -> dict[str, Any]:
        """`{"type": "memory_20250818", "name": "memory"}` (and `cache_control`)."""
        return _definition(self._cache_control)

    def call(self, input: object) -> BetaFunctionToolResultType:
        """Decode the call's command and run it (`execute`)."""
        return self.execute(_command(input))

    def execute(self, command: BetaMemoryTool20250818Command) -> BetaFunctionToolResultType:
        """Run `command` with the method of its kind."""
        method = getattr(self, command.command)
        result: BetaFunctionToolResultType = method(command)
        return result

    @abstractmethod
    def view(self, command: BetaMemoryTool20250818ViewCommand) -> BetaFunctionToolResultType:
        """Show a directory or a file."""

    @abstractmethod
    def create(self, command: BetaMemoryTool20250818CreateCommand) -> BetaFunctionToolResultType:
        """Create a file."""

    @abstractmethod
    def str_replace(
        self, command: BetaMemoryTool20250818StrReplaceCommand
    ) -> BetaFunctionToolResultType:
        """Replace text in a file."""

    @abstractmethod
    def insert(self, command: BetaMemoryTool20250818InsertCommand) -> BetaFunctionToolResultType:
        """Insert text into a file."""

    @abstractmethod
    def delete(self, command: BetaMemoryTool20250818DeleteCommand) -> BetaFunctionToolResultType:
        """Delete a file or directory."""

    @abstractmethod
    def rename(self, command: BetaMemoryTool20250818RenameCommand) -> BetaFunctionToolResultType:
        """Rename or move a file or directory."""

    def clear_all_memory(self) -> BetaFunctionToolResultType:
        """Delete every memory. Raises `NotImplementedError` unless a subclass has it."""
        raise NotImplementedError("clear_all_memory not implemented")


class BetaAsyncAbstractMemoryTool(BetaAsyncBuiltinFunctionTool):
    """`BetaAbstractMemoryTool` whose methods are coroutines."""

    def __init__(self, *, cache_control: CacheControlEphemeralParam | None = None) -> None:
        self._cache_control = cache_control

    def to_dict(self) -> dict[str, Any]:
        """`{"type": "memory_20250818", "name": "memory"}` (and `cache_control`)."""
        return _definition(self._cache_control)

    async def call(self, input: object) -> BetaFunctionToolResultType:
        """Decode the call's command and run it (`execute`)."""
        return await self.execute(_command(input))

    async def execute(self, command: BetaMemoryTool20250818Command) -> BetaFunctionToolResultType:
        """Run `command` with the method of its kind."""
        method = getattr(self, command.command)
        result: BetaFunctionToolResultType = await method(command)
        return result

    @abstractmethod
    async def view(self, command: BetaMemoryTool20250818ViewCommand) -> BetaFunctionToolResultType:
        """Show a directory or a file."""

    @abstractmethod
    async def create(
        self, command: BetaMemoryTool20250818CreateCommand
    ) -> BetaFunctionToolResultType:
        """Create a file."""

    @abstractmethod
    async def str_replace(
        self, command: BetaMemoryTool20250818StrReplaceCommand
    ) -> BetaFunctionToolResultType:
        """Replace text in a file."""

    @abstractmethod
    async def insert(
        self, command: BetaMemoryTool20250818InsertCommand
    ) -> BetaFunctionToolResultType:
        """Insert text into a file."""

    @abstractmethod
    async def delete(
        self, command: BetaMemoryTool20250818DeleteCommand
    ) -> BetaFunctionToolResultType:
        """Delete a file or directory."""

    @abstractmethod
    async def rename(
        self, command: BetaMemoryTool20250818RenameCommand
    ) -> BetaFunctionToolResultType:
        """Rename or move a file or directory."""

    async def clear_all_memory(self) -> BetaFunctionToolResultType:
        """Delete every memory. Raises `NotImplementedError` unless a subclass has it."""
        raise NotImplementedError("clear_all_memory not implemented")


# ---------------------------------------------------------------- the filesystem store

_MAX_LINES = 999_999
_NUMBER_WIDTH = len(str(_MAX_LINES))
# Memories are the user's: owner-only, whatever the umask (a container's is often 0).
_FILE_MODE = 0o600
_DIR_MODE = 0o700
_ROOT = "/memories"


def _size(n: int) -> str:
    """A byte count as `ls -h` shows it: 0B, 512B, 1K, 1.5K, 3M."""
    if n < 1024:
        return f"{n}B"
    value, units = n / 1024, ["K", "M", "G"]
    while value >= 1024 and len(units) > 1:
        value, units = value / 1024, units[1:]
    return (f"{value:.0f}" if value == int(value) else f"{value:.1f}") + units[0]


def _numbered(lines: list[str], first: int) -> str:
    return "\n".join(
        f"{str(first + i).rjust(_NUMBER_WIDTH)}\t{line}" for i, line in enumerate(lines)
    )


class _Store:
    """The memory directory on disk: every path checked to stay inside it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        _make_dirs(root)
        self.resolved_root = root.resolve()

    def path(self, memory_path: str) -> Path:
        """The file a `/memories/...` path names. Raises `ToolError` for one that is not
        under `/memories`, or that `..` or a symlink would take out of it."""
        if memory_path != _ROOT and not memory_path.startswith(_ROOT + "/"):
            raise ToolError(f"Path must start with /memories, got: {memory_path}")
        relative = memory_path[len(_ROOT) :].lstrip("/")
        # `resolve` follows every symlink that exists and folds `..`, so what it gives is
        # where the path really leads.
        resolved = (self.root / relative).resolve()
        if not self.inside(resolved):
            raise ToolError(f"Path {memory_path} would escape /memories directory")
        return resolved

    def inside(self, resolved: Path) -> bool:
        return resolved == self.resolved_root or resolved.is_relative_to(self.resolved_root)

    def read(self, full: Path, memory_path: str) -> str:
        # O_NOFOLLOW: a symlink swapped in since `path` checked it is refused, not followed.
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(full, flags)
        except FileNotFoundError:
            raise ToolError(f"The path {memory_path} does not exist") from None
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.EMLINK):
                raise ToolError(f"path {memory_path!r} is a symlink") from None
            raise
        with os.fdopen(fd, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise ToolError(f"path {memory_path!r} is not a regular file")
            data = file.read()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ToolError(f"path {memory_path!r} is not valid utf-8") from None

    def write(self, full: Path, text: str) -> None:
        """Replace `full`'s content atomically (a reader sees the old or the new file)."""
        temporary = full.parent / f".tmp-{os.getpid()}-{uuid.uuid4().hex}"
        try:
            _write_new(temporary, text)
            os.replace(temporary, full)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise


def _make_dirs(path: Path) -> None:
    """Create `path` and its missing parents owner-only (`mkdir -p` sets the mode of the
    last one only)."""
    missing: list[Path] = []
    while not path.exists() and path.parent != path:
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=_DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(directory, _DIR_MODE)  # mkdir's mode is masked by the umask


def _write_new(path: Path, text: str) -> None:
    """Write a file that must not exist yet. Raises `FileExistsError` if it does."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, _FILE_MODE)
    with os.fdopen(fd, "wb") as file:
        file.write(text.encode("utf-8"))
        file.flush()
        os.fsync(file.fileno())


class BetaLocalFilesystemMemoryTool(BetaAbstractMemoryTool):
    """The memory tool keeping its notes in `<base_path>/memories` (created owner-only).

    Every path is checked to stay in that directory; writes are atomic. Its methods block:
    the tool runner calls them in a worker thread."""

    def __init__(
        self,
        base_path: str | os.PathLike[str] = "./memory",
        *,
        cache_control: CacheControlEphemeralParam | None = None,
    ) -> None:
        super().__init__(cache_control=cache_control)
        self.base_path = Path(base_path)
        self.memory_root = self.base_path / "memories"
        self._store = _Store(self.memory_root)

    def view(self, command: BetaMemoryTool20250818ViewCommand) -> str:
        """A directory's entries two levels deep (sizes, hidden ones left out), or a
        file's lines numbered (`view_range`: `[first, last]`, `-1` for the end)."""
        full = self._store.path(command.path)
        try:
            info = full.lstat()
        except (FileNotFoundError, NotADirectoryError):
            raise ToolError(
                f"The path {command.path} does not exist. Please provide a valid path."
            ) from None
        if stat.S_ISDIR(info.st_mode):
            lines = [f"{_size(info.st_size)}\t{command.path}"]
            lines += [f"{size}\t{command.path}/{name}" for size, name in self._listing(full, "", 1)]
            return (
                f"Here're the files and directories up to 2 levels deep in {command.path}, "
                "excluding hidden items:\n" + "\n".join(lines)
            )
        if not stat.S_ISREG(info.st_mode):
            raise ToolError(f"Unsupported file type for {command.path}")
        lines = self._store.read(full, command.path).split("\n")
        if len(lines) > _MAX_LINES:
            raise ToolError(f"File {command.path} exceeds maximum line limit of 999,999 lines.")
        first = 1
        if command.view_range is not None and len(command.view_range) == 2:
            start, end = command.view_range
            first = max(1, start)
            lines = lines[first - 1 : None if end == -1 else end]
        return f"Here's the content of {command.path} with line numbers:\n" + _numbered(
            lines, first
        )

    def _listing(self, directory: Path, prefix: str, depth: int) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        try:
            entries = sorted(directory.iterdir(), key=lambda entry: entry.name)
        except OSError:
            return found
        for entry in entries:
            if entry.name.startswith("."):
                continue
            name = f"{prefix}{entry.name}"
            try:
                # A symlink out of the directory is not shown (nor followed).
                if not self._store.inside(entry.resolve()):
                    continue
                info = entry.stat()
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                found.append((_size(info.st_size), f"{name}/"))
                if depth < 2:
                    found += self._listing(entry, f"{name}/", depth + 1)
            elif stat.S_ISREG(info.st_mode):
                found.append((_size(info.st_size), name))
        return found

    def create(self, command: BetaMemoryTool20250818CreateCommand) -> str:
        """Create a file; one that exists is not overwritten."""
        full = self._store.path(command.path)
        _make_dirs(full.parent)
        try:
            _write_new(full, command.file_text)
        except FileExistsError:
            raise ToolError(f"File {command.path} already exists") from None
        return f"File created successfully at: {command.path}"

    def _existing_file(self, memory_path: str) -> tuple[Path, str]:
        full = self._store.path(memory_path)
        if not full.exists():
            raise ToolError(f"The path {memory_path} does not exist. Please provide a valid path.")
        if not full.is_file():
            raise ToolError(f"The path {memory_path} is not a file.")
        return full, self._store.read(full, memory_path)

    def str_replace(self, command: BetaMemoryTool20250818StrReplaceCommand) -> str:
        """Replace `old_str`, which must occur exactly once; shows the lines around it."""
        full, content = self._existing_file(command.path)
        positions = []
        at = content.find(command.old_str)
        while at != -1:
            positions.append(at)
            at = content.find(command.old_str, at + 1)
        if not positions:
            raise ToolError(
                f"No replacement was performed, old_str `{command.old_str}` did not appear "
                f"verbatim in {command.path}."
            )
        # Counted without overlaps, as the official tool counts: `aa` is once in `xaaay`
        # (and replaced), though it is found at two places; those are listed when it is
        # more than once.
        if content.count(command.old_str) > 1:
            lines = ", ".join(str(content.count("\n", 0, p) + 1) for p in positions)
            raise ToolError(
                f"No replacement was performed. Multiple occurrences of old_str "
                f"`{command.old_str}` in lines: {lines}. Please ensure it is unique"
            )
        changed = content.count("\n", 0, positions[0])
        new_content = content.replace(command.old_str, command.new_str)
        self._store.write(full, new_content)
        new_lines = new_content.split("\n")
        start = max(0, changed - 2)
        snippet = _numbered(new_lines[start : changed + 3], start + 1)
        return (
            "The memory file has been edited. Here is the snippet showing the change (with "
            "line numbers):\n" + snippet
        )

    def insert(self, command: BetaMemoryTool20250818InsertCommand) -> str:
        """Insert `insert_text` as lines after line `insert_line` (0: first)."""
        full, content = self._existing_file(command.path)
        lines = content.split("\n")
        if lines[-1] == "":
            lines.pop()
        if not 0 <= command.insert_line <= len(lines):
            raise ToolError(
                f"Invalid `insert_line` parameter: {command.insert_line}. It should be within "
                f"the range [0, {len(lines)}]."
            )
        lines.insert(command.insert_line, command.insert_text.rstrip("\n"))
        text = "\n".join(lines)
        # One line end at the end, as the official tool writes: a text already ending in
        # one (an empty last line) gets none more.
        self._store.write(full, text if text.endswith("\n") else text + "\n")
        return f"The file {command.path} has been edited."

    def delete(self, command: BetaMemoryTool20250818DeleteCommand) -> str:
        """Delete a file, or a directory with all it holds (never `/memories`)."""
        full = self._store.path(command.path)
        if full == self._store.resolved_root:
            raise ToolError("Cannot delete the /memories directory itself")
        try:
            if full.is_dir():
                shutil.rmtree(full)
            else:
                full.unlink()
        except FileNotFoundError:
            raise ToolError(f"The path {command.path} does not exist") from None
        return f"Successfully deleted {command.path}"

    def rename(self, command: BetaMemoryTool20250818RenameCommand) -> str:
        """Move a file or directory to a path that does not exist yet."""
        old = self._store.path(command.old_path)
        new = self._store.path(command.new_path)
        if old == self._store.resolved_root:
            raise ToolError("Cannot rename the /memories directory itself")
        if new.exists():
            raise ToolError(f"The destination {command.new_path} already exists")
        _make_dirs(new.parent)
        try:
            old.rename(new)
        except FileNotFoundError:
            raise ToolError(f"The path {command.old_path} does not exist") from None
        return f"Successfully renamed {command.old_path} to {command.new_path}"

    def clear_all_memory(self) -> str:
        """Delete every memory, leaving `/memories` empty."""
        if self.memory_root.exists():
            shutil.rmtree(self.memory_root)
        _make_dirs(self.memory_root)
        return "All memory cleared"


class BetaAsyncLocalFilesystemMemoryTool(BetaAsyncAbstractMemoryTool):
    """`BetaLocalFilesystemMemoryTool` for the async runner: each command runs in a worker
    thread (a cancelled command finishes its file operation first, so no file is left
    half-written)."""

    def __init__(
        self,
        base_path: str | os.PathLike[str] = "./memory",
        *,
        cache_control: CacheControlEphemeralParam | None = None,
    ) -> None:
        super().__init__(cache_control=cache_control)
        self._files = BetaLocalFilesystemMemoryTool(base_path)
        self.base_path = self._files.base_path
        self.memory_root = self._files.memory_root

    async def view(self, command: BetaMemoryTool20250818ViewCommand) -> str:
        """See `BetaLocalFilesystemMemoryTool.view`."""
        return await anyio.to_thread.run_sync(self._files.view, command)

    async def create(self, command: BetaMemoryTool20250818CreateCommand) -> str:
        """See `BetaLocalFilesystemMemoryTool.create`."""
        return await anyio.to_thread.run_sync(self._files.create, command)

    async def str_replace(self, command: BetaMemoryTool20250818StrReplaceCommand) -> str:
        """See `BetaLocalFilesystemMemoryTool.str_replace`."""
        return await anyio.to_thread.run_sync(self._files.str_replace, command)

    async def insert(self, command: BetaMemoryTool20250818InsertCommand) -> str:
        """See `BetaLocalFilesystemMemoryTool.insert`."""
        return await anyio.to_thread.run_sync(self._files.insert, command)

    async def delete(self, command: BetaMemoryTool20250818DeleteCommand) -> str:
        """See `BetaLocalFilesystemMemoryTool.delete`."""
        return await anyio.to_thread.run_sync(self._files.delete, command)

    async def rename(self, command: BetaMemoryTool20250818RenameCommand) -> str:
        """See `BetaLocalFilesystemMemoryTool.rename`."""
        return await anyio.to_thread.run_sync(self._files.rename, command)

    async def clear_all_memory(self) -> str:
        """See `BetaLocalFilesystemMemoryTool.clear_all_memory`."""
        return await anyio.to_thread.run_sync(self._files.clear_all_memory)
