"""MCP (Model Context Protocol) helpers, as the official SDK's `anthropic.lib.tools.mcp`:
an MCP session's tools as runner tools, its prompts as messages, its resources as content
blocks or files.

```python
from anyio_claude.lib.tools.mcp import async_mcp_tool, mcp_message, mcp_resource_to_content
```

Needs the `mcp` package: the `mcp` extra (`pip install 'anyio-claude[mcp]'`). Importing
this module without it raises `ImportError` saying so.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlparse

try:
    from mcp.client.session import ClientSession
    from mcp.types import (
        BlobResourceContents,
        CallToolResult,
        ContentBlock,
        EmbeddedResource,
        ImageContent,
        PromptMessage,
        ReadResourceResult,
        TextContent,
        TextResourceContents,
        Tool,
    )
except ImportError as _error:  # pragma: no cover - the tests install the extra
    raise ImportError(
        "The MCP helpers need the `mcp` package: pip install 'anyio-claude[mcp]' "
        "(Python 3.10 or later)"
    ) from _error

from ..._helper_tags import TaggedDict, TaggedTuple, tag
from ..._tools import (
    BetaAsyncFunctionTool,
    BetaFunctionTool,
    BetaFunctionToolResultType,
    ToolError,
    beta_async_tool,
    beta_tool,
)

if TYPE_CHECKING:
    from ...types._params import AllowedCaller, CacheControlEphemeralParam, MessageParam

__all__ = (
    "UnsupportedMCPValueError",
    "async_mcp_tool",
    "mcp_content",
    "mcp_message",
    "mcp_resource_to_content",
    "mcp_resource_to_file",
    "mcp_tool",
)

# mcp 1.x names its model fields in camelCase (`tool.inputSchema`), 2.x in snake_case.
_MCP_V1_NAMES = {
    "input_schema": "inputSchema",
    "mime_type": "mimeType",
    "is_error": "isError",
    "structured_content": "structuredContent",
}
_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
# A resource's block names this helper, also inside `mcp_content` (an embedded resource).
_TO_CONTENT = "mcp_resource_to_content"


def _field(obj: object, name: str) -> Any:
    try:
        return getattr(obj, name)
    except AttributeError:
        return getattr(obj, _MCP_V1_NAMES[name])


class UnsupportedMCPValueError(Exception):
    """An MCP value the Claude API has no content block for (audio, a resource link, a
    MIME type it does not read)."""


def _block(
    helper: str, cache_control: CacheControlEphemeralParam | None, **fields: Any
) -> dict[str, Any]:
    """A content block made by the helper `helper`, tagged with its name (see
    `_helper_tags`: requests that send it name the helper, as the official SDK's do)."""
    block = TaggedDict(fields)
    if cache_control is not None:
        block["cache_control"] = cache_control
    return tag(block, helper)


def mcp_content(
    content: ContentBlock, *, cache_control: CacheControlEphemeralParam | None = None
) -> dict[str, Any]:
    """One MCP content block as a Claude content block: text, an image (JPEG, PNG, GIF,
    WebP), or an embedded resource (`mcp_resource_to_content`'s rules).

    Raises `UnsupportedMCPValueError` for audio, resource links and other image types."""
    if isinstance(content, TextContent):
        return _block("mcp_content", cache_control, type="text", text=content.text)
    if isinstance(content, ImageContent):
        mime_type = _field(content, "mime_type")
        if mime_type not in _IMAGE_TYPES:
            raise UnsupportedMCPValueError(f"Unsupported image MIME type: {mime_type}")
        source = {"type": "base64", "data": content.data, "media_type": mime_type}
        return _block("mcp_content", cache_control, type="image", source=source)
    if isinstance(content, EmbeddedResource):
        return _resource_block(content.resource, cache_control)
    kind = getattr(content, "type", type(content).__name__)
    raise UnsupportedMCPValueError(f"Unsupported MCP content type: {kind}")


def _resource_block(
    resource: TextResourceContents | BlobResourceContents,
    cache_control: CacheControlEphemeralParam | None,
) -> dict[str, Any]:
    mime_type = _field(resource, "mime_type")
    if mime_type in _IMAGE_TYPES:
        if not isinstance(resource, BlobResourceContents):
            raise UnsupportedMCPValueError(
                f"Image resource must have blob data, not text. URI: {resource.uri}"
            )
        source = {"type": "base64", "data": resource.blob, "media_type": mime_type}
        return _block(_TO_CONTENT, cache_control, type="image", source=source)
    if mime_type == "application/pdf":
        if not isinstance(resource, BlobResourceContents):
            raise UnsupportedMCPValueError(
                f"PDF resource must have blob data, not text. URI: {resource.uri}"
            )
        source = {"type": "base64", "data": resource.blob, "media_type": "application/pdf"}
        return _block(_TO_CONTENT, cache_control, type="document", source=source)
    if mime_type is None or mime_type.startswith("text/"):
        if isinstance(resource, TextResourceContents):
            text = resource.text
        else:
            text = base64.b64decode(resource.blob).decode("utf-8")
        source = {"type": "text", "data": text, "media_type": "text/plain"}
        return _block(_TO_CONTENT, cache_control, type="document", source=source)
    raise UnsupportedMCPValueError(
        f'Unsupported MIME type "{mime_type}" for resource: {resource.uri}'
    )


def _readable(mime_type: str | None) -> bool:
    return (
        mime_type is None
        or mime_type.startswith("text/")
        or mime_type == "application/pdf"
        or mime_type in _IMAGE_TYPES
    )


def mcp_message(
    message: PromptMessage, *, cache_control: CacheControlEphemeralParam | None = None
) -> MessageParam:
    """An MCP prompt message (from `session.get_prompt(...)`) as a message to send.

    Raises `UnsupportedMCPValueError` for content `mcp_content` does not take."""
    content = mcp_content(message.content, cache_control=cache_control)
    made = TaggedDict(role=message.role, content=[content])
    return cast("MessageParam", tag(made, "mcp_message"))


def mcp_resource_to_content(
    result: ReadResourceResult, *, cache_control: CacheControlEphemeralParam | None = None
) -> dict[str, Any]:
    """The first readable item of an MCP resource (from `session.read_resource(...)`) as a
    content block: an image, a PDF document, or a text document.

    Raises `UnsupportedMCPValueError` if it has no items or none the API reads."""
    if not result.contents:
        raise UnsupportedMCPValueError("Resource contents array must contain at least one item")
    for item in result.contents:
        if _readable(_field(item, "mime_type")):
            return _resource_block(item, cache_control)
    available = [m for m in (_field(c, "mime_type") for c in result.contents) if m is not None]
    raise UnsupportedMCPValueError(
        f"No supported MIME type found in resource contents. Available: {', '.join(available)}"
    )


def mcp_resource_to_file(result: ReadResourceResult) -> tuple[str | None, bytes, str | None]:
    """An MCP resource's first item as `(filename, content, mime_type)`, what
    `client.beta.files.upload(file=...)` takes. Raises `UnsupportedMCPValueError` if the
    resource is empty."""
    if not result.contents:
        raise UnsupportedMCPValueError("Resource contents array must contain at least one item")
    resource = result.contents[0]
    path = urlparse(str(resource.uri)).path
    name = path.rsplit("/", 1)[-1] if path else None
    if isinstance(resource, BlobResourceContents):
        data = base64.b64decode(resource.blob)
    else:
        data = resource.text.encode("utf-8")
    made: tuple[str | None, bytes, str | None] = TaggedTuple(
        (name, data, _field(resource, "mime_type"))
    )
    return tag(made, "mcp_resource_to_file")


def _tool_result(result: object) -> BetaFunctionToolResultType:
    """An MCP tool's result as the tool result's content; an error result raises
    `ToolError` with its content, so the runner sends it as `is_error`."""
    if not isinstance(result, CallToolResult):
        raise ToolError(
            f"The MCP server answered with a {type(result).__name__}, not a tool result"
        )
    if _field(result, "is_error"):
        raise ToolError([mcp_content(item) for item in result.content])
    structured = _field(result, "structured_content")
    if not result.content and structured is not None:
        return json.dumps(structured)
    return [mcp_content(item) for item in result.content]


def _tool_options(
    tool: Tool,
    cache_control: CacheControlEphemeralParam | None,
    defer_loading: bool | None,
    allowed_callers: list[AllowedCaller] | None,
    eager_input_streaming: bool | None,
    input_examples: Iterable[dict[str, object]] | None,
    strict: bool | None,
) -> dict[str, Any]:
    return {
        "name": tool.name,
        "description": tool.description or "",
        "input_schema": _field(tool, "input_schema"),
        "cache_control": cache_control,
        "defer_loading": defer_loading,
        "allowed_callers": allowed_callers,
        "eager_input_streaming": eager_input_streaming,
        "input_examples": input_examples,
        "strict": strict,
    }


def mcp_tool(
    tool: Tool,
    client: ClientSession,
    *,
    cache_control: CacheControlEphemeralParam | None = None,
    defer_loading: bool | None = None,
    allowed_callers: list[AllowedCaller] | None = None,
    eager_input_streaming: bool | None = None,
    input_examples: Iterable[dict[str, object]] | None = None,
    strict: bool | None = None,
) -> BetaFunctionTool[Any]:
    """An MCP tool (from `session.list_tools()`) as a blocking runner tool.

    Its calls go through `client` in the event loop the session lives in, so run it where
    the tool runner puts blocking tools: in a worker thread of that loop (the async
    runner does). An error result raises `ToolError` with its content."""
    name = tool.name

    def call_mcp(**arguments: Any) -> BetaFunctionToolResultType:
        import anyio.from_thread

        return _tool_result(anyio.from_thread.run(client.call_tool, name, arguments))

    options = _tool_options(
        tool,
        cache_control,
        defer_loading,
        allowed_callers,
        eager_input_streaming,
        input_examples,
        strict,
    )
    made: BetaFunctionTool[Any] = beta_tool(call_mcp, **options)
    return tag(made, "mcp_tool")


def async_mcp_tool(
    tool: Tool,
    client: ClientSession,
    *,
    cache_control: CacheControlEphemeralParam | None = None,
    defer_loading: bool | None = None,
    allowed_callers: list[AllowedCaller] | None = None,
    eager_input_streaming: bool | None = None,
    input_examples: Iterable[dict[str, object]] | None = None,
    strict: bool | None = None,
) -> BetaAsyncFunctionTool[Any]:
    """An MCP tool (from `session.list_tools()`) as an async runner tool calling it
    through `client`. An error result raises `ToolError` with its content; cancelling the
    call cancels the MCP request."""
    name = tool.name

    async def call_mcp(**arguments: Any) -> BetaFunctionToolResultType:
        return _tool_result(await client.call_tool(name, arguments))

    options = _tool_options(
        tool,
        cache_control,
        defer_loading,
        allowed_callers,
        eager_input_streaming,
        input_examples,
        strict,
    )
    made: BetaAsyncFunctionTool[Any] = beta_async_tool(call_mcp, **options)
    return tag(made, "mcp_tool")
