"""Tool helpers under the official SDK's module path (`anthropic.lib.tools`): function tools,
runnable toolsets, the tool runners and the memory tool's base classes."""

from typing import TYPE_CHECKING, Any

from ..._memory_tool import BetaAbstractMemoryTool as BetaAbstractMemoryTool
from ..._memory_tool import BetaAsyncAbstractMemoryTool as BetaAsyncAbstractMemoryTool
from ..._tool_runner import BetaAsyncStreamingToolRunner as BetaAsyncStreamingToolRunner
from ..._tool_runner import BetaAsyncToolRunner as BetaAsyncToolRunner
from ..._tools import BetaAsyncBuiltinFunctionTool as BetaAsyncBuiltinFunctionTool
from ..._tools import BetaAsyncFunctionTool as BetaAsyncFunctionTool
from ..._tools import BetaBuiltinFunctionTool as BetaBuiltinFunctionTool
from ..._tools import BetaFunctionTool as BetaFunctionTool
from ..._tools import BetaFunctionToolResultType as BetaFunctionToolResultType
from ..._tools import BetaToolLike as BetaToolLike
from ..._tools import ToolError as ToolError
from ..._tools import beta_async_tool as beta_async_tool
from ..._tools import beta_tool as beta_tool
from ..._toolsets import BetaAsyncRunnableToolset as BetaAsyncRunnableToolset
from ..._toolsets import BetaRunnableToolset as BetaRunnableToolset

if TYPE_CHECKING:
    from ..._sync_tool_runner import BetaStreamingToolRunner as BetaStreamingToolRunner
    from ..._sync_tool_runner import BetaToolRunner as BetaToolRunner

__all__ = (
    "BetaAbstractMemoryTool",
    "BetaAsyncAbstractMemoryTool",
    "BetaAsyncBuiltinFunctionTool",
    "BetaAsyncFunctionTool",
    "BetaAsyncRunnableToolset",
    "BetaAsyncStreamingToolRunner",
    "BetaAsyncToolRunner",
    "BetaBuiltinFunctionTool",
    "BetaFunctionTool",
    "BetaFunctionToolResultType",
    "BetaRunnableToolset",
    "BetaStreamingToolRunner",
    "BetaToolLike",
    "BetaToolRunner",
    "ToolError",
    "beta_async_tool",
    "beta_tool",
)


def __getattr__(name: str) -> Any:
    # The blocking runners live with the blocking client, imported on first use.
    if name in ("BetaToolRunner", "BetaStreamingToolRunner"):
        from ... import _sync_tool_runner

        return getattr(_sync_tool_runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
