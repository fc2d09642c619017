"""Tool helpers under the official SDK's module path (`anthropic.lib.tools`): function tools,
the tool runners and the memory tool's base classes."""

from ..._memory_tool import BetaAbstractMemoryTool as BetaAbstractMemoryTool
from ..._memory_tool import BetaAsyncAbstractMemoryTool as BetaAsyncAbstractMemoryTool
from ..._tools import BetaAsyncBuiltinFunctionTool as BetaAsyncBuiltinFunctionTool
from ..._tools import BetaAsyncFunctionTool as BetaAsyncFunctionTool
from ..._tools import BetaBuiltinFunctionTool as BetaBuiltinFunctionTool
from ..._tools import BetaFunctionTool as BetaFunctionTool
from ..._tools import BetaFunctionToolResultType as BetaFunctionToolResultType
from ..._tools import ToolError as ToolError
from ..._tools import beta_async_tool as beta_async_tool
from ..._tools import beta_tool as beta_tool

__all__ = (
    "BetaAbstractMemoryTool",
    "BetaAsyncAbstractMemoryTool",
    "BetaAsyncBuiltinFunctionTool",
    "BetaAsyncFunctionTool",
    "BetaBuiltinFunctionTool",
    "BetaFunctionTool",
    "BetaFunctionToolResultType",
    "ToolError",
    "beta_async_tool",
    "beta_tool",
)
