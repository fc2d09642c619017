"""Ready-made tools under the official SDK's module path (`anthropic.tools`): the memory
tool (`anyio_claude.tools.memory`)."""

from .memory import BetaAbstractMemoryTool as BetaAbstractMemoryTool
from .memory import BetaAsyncAbstractMemoryTool as BetaAsyncAbstractMemoryTool
from .memory import BetaAsyncLocalFilesystemMemoryTool as BetaAsyncLocalFilesystemMemoryTool
from .memory import BetaLocalFilesystemMemoryTool as BetaLocalFilesystemMemoryTool

__all__ = (
    "BetaAbstractMemoryTool",
    "BetaAsyncAbstractMemoryTool",
    "BetaAsyncLocalFilesystemMemoryTool",
    "BetaLocalFilesystemMemoryTool",
)
