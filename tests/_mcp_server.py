"""A small MCP server over stdio for tests/test_mcp.py (mcp 2.x's MCPServer, or 1.x's
FastMCP): two tools, a prompt and three resources."""

from __future__ import annotations

import base64

try:
    from mcp.server.mcpserver import MCPServer as Server
    from mcp.server.mcpserver.exceptions import ToolError
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import FastMCP as Server  # type: ignore[no-redef]
    from mcp.server.fastmcp.exceptions import ToolError  # type: ignore[no-redef]

server = Server("weather")

# A 1x1 PNG.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@server.tool()
def get_weather(location: str) -> str:
    """Get the current weather in a city."""
    return f"Sunny in {location}"


@server.tool()
def get_alerts(location: str) -> str:
    """Get the weather alerts of a city."""
    raise ToolError(f"no alert service for {location}")


@server.prompt()
def plan_trip(city: str) -> str:
    """Plan a trip."""
    return f"Plan a day in {city}, checking the weather in {city} first."


@server.resource("notes://today", mime_type="text/markdown")
def notes() -> str:
    return "# Today\nbuy milk"


@server.resource("file:///reports/pixel.png", mime_type="image/png")
def pixel() -> bytes:
    return PIXEL


@server.resource("files://data.bin", mime_type="application/octet-stream")
def data() -> bytes:
    return b"\x00\x01"


if __name__ == "__main__":
    server.run("stdio")
