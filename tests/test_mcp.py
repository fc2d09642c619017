"""The MCP helpers against a real MCP server over stdio (tests/_mcp_server.py, started
here as a subprocess), used as the official SDK's docs use them, with FakeClaude as the
model."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.types import ImageContent, PromptMessage, TextContent

from anyio_claude import AsyncAnthropic
from anyio_claude.lib.tools.mcp import (
    UnsupportedMCPValueError,
    async_mcp_tool,
    mcp_content,
    mcp_message,
    mcp_resource_to_content,
    mcp_resource_to_file,
    mcp_tool,
)
from anyio_claude.testing import FakeClaude

pytestmark = pytest.mark.anyio

SERVER = Path(__file__).with_name("_mcp_server.py")
MODEL = "claude-sonnet-4-5"


@pytest.fixture
def server_log() -> Iterator[TextIO]:
    """Where the MCP server's stderr goes (its log of the failing tool, not the test's)."""
    with open(os.devnull, "w") as log:
        yield log


@pytest.fixture
async def mcp_client(server_log: TextIO) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(command=sys.executable, args=[str(SERVER)])
    async with stdio_client(params, errlog=server_log) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


def _results(server: FakeClaude) -> list[dict[str, Any]]:
    return list(server.requests[-1].json["messages"][-1]["content"])


@pytest.mark.parametrize("stream", [False, True])
async def test_mcp_tools_in_the_runner(
    mcp_client: ClientSession, server: FakeClaude, stream: bool
) -> None:
    tools_result = await mcp_client.list_tools()
    async with AsyncAnthropic(api_key="k", base_url=server.url) as client:
        runner = client.beta.messages.tool_runner(
            model=MODEL,
            max_tokens=1024,
            tools=[async_mcp_tool(t, mcp_client) for t in tools_result.tools],
            messages=[{"role": "user", "content": "Use get_weather and get_alerts in Paris"}],
            stream=stream,  # type: ignore[call-overload]
        )
        if stream:
            async for message_stream in runner:
                async for text in message_stream.text_stream:
                    assert text
        final = await runner.until_done()
    assert final.stop_reason == "end_turn"
    sent = {tool["name"]: tool for tool in server.requests[0].json["tools"]}
    assert sent["get_weather"]["description"] == "Get the current weather in a city."
    assert sent["get_weather"]["input_schema"]["properties"]["location"]["type"] == "string"
    weather, alerts = _results(server)
    assert weather["content"] == [{"type": "text", "text": "Sunny in Paris"}]
    assert "is_error" not in weather
    assert alerts["is_error"] is True
    assert "no alert service for Paris" in alerts["content"][0]["text"]


async def test_blocking_mcp_tools_run_in_worker_threads(
    mcp_client: ClientSession, server: FakeClaude
) -> None:
    tools_result = await mcp_client.list_tools()
    tools = [mcp_tool(t, mcp_client, defer_loading=False) for t in tools_result.tools]
    assert tools[0].to_dict()["defer_loading"] is False
    async with AsyncAnthropic(api_key="k", base_url=server.url) as client:
        runner = client.beta.messages.tool_runner(
            model=MODEL,
            max_tokens=1024,
            tools=tools,
            messages=[{"role": "user", "content": "Use get_weather in Rome and Oslo"}],
        )
        await runner.until_done()
    assert [r["content"][0]["text"] for r in _results(server)] == ["Sunny in Rome", "Sunny in Oslo"]


async def test_prompts_become_messages(mcp_client: ClientSession, server: FakeClaude) -> None:
    prompt = await mcp_client.get_prompt("plan_trip", {"city": "Lisbon"})
    messages: Any = [mcp_message(m) for m in prompt.messages]
    assert messages == [
        {
            "role": "user",
            "content": [
                {
                    "type": "text",
                    "text": "Plan a day in Lisbon, checking the weather in Lisbon first.",
                }
            ],
        }
    ]
    tools_result = await mcp_client.list_tools()
    async with AsyncAnthropic(api_key="k", base_url=server.url) as client:
        final = await client.beta.messages.tool_runner(
            model=MODEL,
            max_tokens=1024,
            tools=[async_mcp_tool(t, mcp_client) for t in tools_result.tools],
            messages=messages,
        ).until_done()
    assert final.stop_reason == "end_turn"
    assert _results(server)[0]["content"] == [{"type": "text", "text": "Sunny in Lisbon"}]


async def test_resources_become_content(mcp_client: ClientSession) -> None:
    notes = await mcp_client.read_resource("notes://today")
    assert mcp_resource_to_content(notes, cache_control={"type": "ephemeral"}) == {
        "type": "document",
        "source": {"type": "text", "data": "# Today\nbuy milk", "media_type": "text/plain"},
        "cache_control": {"type": "ephemeral"},
    }
    # A URI without a path gives no file name.
    assert mcp_resource_to_file(notes) == (None, b"# Today\nbuy milk", "text/markdown")
    pixel = await mcp_client.read_resource("file:///reports/pixel.png")
    block = mcp_resource_to_content(pixel)
    assert block["type"] == "image" and block["source"]["media_type"] == "image/png"
    name, data, mime_type = mcp_resource_to_file(pixel)
    assert (name, data[:4], mime_type) == ("pixel.png", b"\x89PNG", "image/png")
    binary = await mcp_client.read_resource("files://data.bin")
    with pytest.raises(UnsupportedMCPValueError, match="Available: application/octet-stream"):
        mcp_resource_to_content(binary)


def test_content_conversions() -> None:
    text = TextContent(type="text", text="hi")
    assert mcp_content(text) == {"type": "text", "text": "hi"}
    image = ImageContent.model_validate({"type": "image", "data": "AAAA", "mimeType": "image/png"})
    assert mcp_content(image)["source"] == {
        "type": "base64",
        "data": "AAAA",
        "media_type": "image/png",
    }
    tiff = ImageContent.model_validate({"type": "image", "data": "AAAA", "mimeType": "image/tiff"})
    with pytest.raises(UnsupportedMCPValueError, match="Unsupported image MIME type: image/tiff"):
        mcp_content(tiff)
    message = PromptMessage(role="assistant", content=text)
    assert mcp_message(message) == {
        "role": "assistant",
        "content": [{"type": "text", "text": "hi"}],
    }


# What the MCP helpers made is tagged, and the official SDK names those helpers in the
# `x-stainless-helper` header of the requests built from it: ours sends the same, compared
# request by request with the pinned official SDK's, each on a fresh FakeClaude.

Sent = list[tuple[str, str | None]]


async def _sent_by_both(
    mcp_client: ClientSession,
    scenario: Callable[[Any, Any, ClientSession], Awaitable[None]],
) -> tuple[Sent, Sent]:
    import anthropic
    import anthropic.lib.tools.mcp as their_mcp

    import anyio_claude.lib.tools.mcp as our_mcp

    results: list[Sent] = []
    for make, helpers in (
        (lambda url: AsyncAnthropic(api_key="k", base_url=url), our_mcp),
        (lambda url: anthropic.AsyncAnthropic(api_key="k", base_url=url), their_mcp),
    ):
        async with FakeClaude(seed=3) as fake:
            client: Any = make(fake.url)
            await scenario(client, helpers, mcp_client)
            await client.close()
            results.append([(r.path, r.headers.get("x-stainless-helper")) for r in fake.requests])
    return results[0], results[1]


async def test_messages_name_the_mcp_helpers_as_the_official_sdk(
    mcp_client: ClientSession,
) -> None:
    async def scenario(client: Any, mcp: Any, session: ClientSession) -> None:
        tools = [mcp.async_mcp_tool(t, session) for t in (await session.list_tools()).tools]
        prompt = await session.get_prompt("plan_trip", {"city": "Oslo"})
        notes = mcp.mcp_resource_to_content(await session.read_resource("notes://today"))
        messages = [
            *(mcp.mcp_message(m) for m in prompt.messages),
            {"role": "assistant", "content": "Noted."},
            {"role": "user", "content": [notes, {"type": "text", "text": "And these notes?"}]},
        ]
        args = {"model": MODEL, "messages": messages}
        await client.beta.messages.create(max_tokens=64, tools=tools, **args)
        await client.beta.messages.create(max_tokens=64, **args)
        await client.beta.messages.create(
            model=MODEL, max_tokens=64, tools=tools, messages=[user("hi")]
        )
        await client.beta.messages.create(
            max_tokens=64, **args, extra_headers={"X-Stainless-Helper": "mine, mcp_tool"}
        )
        async with client.beta.messages.stream(max_tokens=64, tools=tools, **args) as stream:
            await stream.get_final_message()
        await client.beta.messages.count_tokens(tools=tools, **args)
        await client.messages.create(model=MODEL, max_tokens=64, messages=[user("plain")])

    ours, theirs = await _sent_by_both(mcp_client, scenario)
    assert ours == theirs
    assert ours[0][1] == "mcp_tool, mcp_message, mcp_content, mcp_resource_to_content"
    assert ours[2][1] == "mcp_tool"
    assert ours[5] == ("/v1/messages/count_tokens", None)


async def test_the_tool_runner_names_the_mcp_helpers_as_the_official_sdk(
    mcp_client: ClientSession,
) -> None:
    async def scenario(client: Any, mcp: Any, session: ClientSession) -> None:
        tools = [mcp.async_mcp_tool(t, session) for t in (await session.list_tools()).tools]
        prompt = await session.get_prompt("plan_trip", {"city": "Rome"})
        await client.beta.messages.tool_runner(
            model=MODEL,
            max_tokens=1024,
            tools=tools,
            messages=[mcp.mcp_message(m) for m in prompt.messages],
        ).until_done()
        # Over a thread the runner names the helpers of the thread's history too.
        thread = client.beta.messages.thread(model=MODEL, max_tokens=1024, tools=tools)
        await thread.send(*(mcp.mcp_message(m) for m in prompt.messages))
        await thread.tool_runner().until_done()

    ours, theirs = await _sent_by_both(mcp_client, scenario)
    assert len(ours) >= 4
    assert ours == theirs
    assert ours[-1][1] == "BetaToolRunner, mcp_tool, mcp_message, mcp_content, message-thread"


async def test_an_mcp_resource_uploaded_names_its_helper_as_the_official_sdk(
    mcp_client: ClientSession,
) -> None:
    async def scenario(client: Any, mcp: Any, session: ClientSession) -> None:
        file = mcp.mcp_resource_to_file(await session.read_resource("file:///reports/pixel.png"))
        await client.beta.files.upload(file=file)
        await client.files.upload(file=file)
        await client.beta.files.upload(file=("plain.txt", b"hi", "text/plain"))

    ours, theirs = await _sent_by_both(mcp_client, scenario)
    assert ours == theirs
    assert [helper for _, helper in ours] == ["mcp_resource_to_file"] * 2 + [None]


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def test_the_blocking_client_names_the_mcp_helpers() -> None:
    from anyio_claude import Claude

    prompt = PromptMessage(role="user", content=TextContent(type="text", text="hi"))
    with FakeClaude.run_in_thread() as fake:
        with Claude(api_key="k", base_url=fake.url) as client:
            client.beta.messages.create(model=MODEL, max_tokens=16, messages=[mcp_message(prompt)])
            with client.beta.messages.stream(
                model=MODEL, max_tokens=16, messages=[mcp_message(prompt)]
            ) as stream:
                stream.until_done()
    assert [r.headers.get("x-stainless-helper") for r in fake.requests] == [
        "mcp_message, mcp_content"
    ] * 2
