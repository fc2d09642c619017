"""The memory tool under the official SDK's module path (`anthropic.tools.memory`): the
abstract bases to write your own storage, and the filesystem one."""

from .._memory_tool import BetaAbstractMemoryTool as BetaAbstractMemoryTool
from .._memory_tool import BetaAsyncAbstractMemoryTool as BetaAsyncAbstractMemoryTool
from .._memory_tool import (
    BetaAsyncLocalFilesystemMemoryTool as BetaAsyncLocalFilesystemMemoryTool,
)
from .._memory_tool import BetaLocalFilesystemMemoryTool as BetaLocalFilesystemMemoryTool
from .._memory_tool import BetaMemoryTool20250818Command as BetaMemoryTool20250818Command
from .._memory_tool import (
    BetaMemoryTool20250818CreateCommand as BetaMemoryTool20250818CreateCommand,
)
from .._memory_tool import (
    BetaMemoryTool20250818DeleteCommand as BetaMemoryTool20250818DeleteCommand,
)
from .._memory_tool import (
    BetaMemoryTool20250818InsertCommand as BetaMemoryTool20250818InsertCommand,
)
from .._memory_tool import (
    BetaMemoryTool20250818RenameCommand as BetaMemoryTool20250818RenameCommand,
)
from .._memory_tool import (
    BetaMemoryTool20250818StrReplaceCommand as BetaMemoryTool20250818StrReplaceCommand,
)
from .._memory_tool import BetaMemoryTool20250818ViewCommand as BetaMemoryTool20250818ViewCommand

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
