"""The MCP helpers' conversions, one function at a time, against the pinned official SDK's
`anthropic.lib.tools.mcp` on the same MCP values (built in memory: what a session returns;
the helpers over a real stdio MCP server are in tests/test_mcp.py)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import anthropic.lib.tools.mcp as theirs
import pytest
from mcp.types import (
    AudioContent,
    BlobResourceContents,
    CallToolResult,
    EmbeddedResource,
    ImageContent,
    PromptMessage,
    ReadResourceResult,
    ResourceLink,
    TextContent,
    TextResourceContents,
    Tool,
)

import anyio_claude.lib.tools.mcp as ours
from anyio_claude._helper_tags import tag_of
from anyio_claude._tools import ToolError

CACHE: Any = {"type": "ephemeral"}


def _text(uri: str, mime_type: str | None, text: str = "héllo") -> TextResourceContents:
    return TextResourceContents.model_validate({"uri": uri, "mimeType": mime_type, "text": text})


def _blob(uri: str, mime_type: str | None, data: bytes = b"\x89PNG") -> BlobResourceContents:
    blob = base64.b64encode(data).decode()
    return BlobResourceContents.model_validate({"uri": uri, "mimeType": mime_type, "blob": blob})


def _image(mime_type: str) -> ImageContent:
    return ImageContent.model_validate({"type": "image", "data": "AAAA", "mimeType": mime_type})


def _embedded(resource: TextResourceContents | BlobResourceContents) -> EmbeddedResource:
    return EmbeddedResource(type="resource", resource=resource)


RESOURCES = [
    _text("notes://today", None),
    _text("notes://today", "text/markdown"),
    _text("file:///a/b.txt", "text/plain"),
    _text("file:///a/b.pdf", "application/pdf"),
    _text("file:///a/b.png", "image/png"),
    _text("file:///a/b.json", "application/json"),
    _blob("file:///a/b.png", "image/png"),
    _blob("file:///a/b.jpg", "image/jpeg"),
    _blob("file:///a/b.gif", "image/gif"),
    _blob("file:///a/b.webp", "image/webp"),
    _blob("file:///a/b.tiff", "image/tiff"),
    _blob("file:///a/b.pdf", "application/pdf"),
    _blob("file:///a/b.csv", "text/csv", "a,ü\n".encode()),
    _blob("file:///a/b", None, "ünïcode".encode()),
    _blob("file:///a/b.bin", "application/octet-stream"),
]
CONTENTS: list[Any] = [
    TextContent(type="text", text="hi"),
    *(_image(m) for m in ("image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff")),
    *(_embedded(r) for r in RESOURCES),
    AudioContent.model_validate({"type": "audio", "data": "AAAA", "mimeType": "audio/wav"}),
    ResourceLink.model_validate({"type": "resource_link", "uri": "file:///x", "name": "x"}),
    object(),  # not MCP content at all: named by its class
]


def _outcome(call: Callable[[], object]) -> tuple[Any, ...]:
    """What a call gave: the value (plain) and its helper tag, or the error's class name
    and message."""
    try:
        made = call()
    except Exception as exc:
        return ("raised", type(exc).__name__, str(exc))
    plain = tuple(made) if isinstance(made, tuple) else json.loads(json.dumps(made))
    return ("made", plain, tag_of(made))


@pytest.mark.parametrize("cache_control", [None, CACHE])
@pytest.mark.parametrize("content", CONTENTS, ids=lambda c: type(c).__name__)
def test_mcp_content_as_the_official_sdk(content: Any, cache_control: Any) -> None:
    mine = _outcome(lambda: ours.mcp_content(content, cache_control=cache_control))
    official = _outcome(lambda: theirs.mcp_content(content, cache_control=cache_control))
    assert mine == official
    if cache_control is not None and mine[0] == "made":
        assert mine[1]["cache_control"] == CACHE


def test_each_kind_of_mcp_content_and_its_errors() -> None:
    # Pinned here as well as against the official SDK: each kind's block and tag.
    assert _outcome(lambda: ours.mcp_content(_embedded(RESOURCES[13]))) == (
        "made",
        {
            "type": "document",
            "source": {"type": "text", "data": "ünïcode", "media_type": "text/plain"},
        },
        "mcp_resource_to_content",
    )
    assert _outcome(lambda: ours.mcp_content(_embedded(RESOURCES[11]))) == (
        "made",
        {
            "type": "document",
            "source": {"type": "base64", "data": "iVBORw==", "media_type": "application/pdf"},
        },
        "mcp_resource_to_content",
    )
    assert _outcome(lambda: ours.mcp_content(_image("image/gif"), cache_control=CACHE)) == (
        "made",
        {
            "type": "image",
            "source": {"type": "base64", "data": "AAAA", "media_type": "image/gif"},
            "cache_control": CACHE,
        },
        "mcp_content",
    )
    raised = "UnsupportedMCPValueError"
    errors = {
        3: f"{raised}: PDF resource must have blob data, not text. URI: file:///a/b.pdf",
        4: f"{raised}: Image resource must have blob data, not text. URI: file:///a/b.png",
        5: f'{raised}: Unsupported MIME type "application/json" for resource: file:///a/b.json',
        10: f'{raised}: Unsupported MIME type "image/tiff" for resource: file:///a/b.tiff',
    }
    for index, message in errors.items():
        outcome = _outcome(lambda index=index: ours.mcp_content(_embedded(RESOURCES[index])))
        assert f"{outcome[1]}: {outcome[2]}" == message
    assert _outcome(lambda: ours.mcp_content(CONTENTS[-2])) == (
        "raised",
        raised,
        "Unsupported MCP content type: resource_link",
    )
    assert _outcome(lambda: ours.mcp_content(CONTENTS[-1]))[2] == (
        "Unsupported MCP content type: object"
    )


@pytest.mark.parametrize("cache_control", [None, CACHE])
@pytest.mark.parametrize("role", ["user", "assistant"])
def test_mcp_message_as_the_official_sdk(role: Any, cache_control: Any) -> None:
    for content in CONTENTS[:8]:
        message = PromptMessage(role=role, content=content)
        mine = _outcome(lambda m=message: ours.mcp_message(m, cache_control=cache_control))
        official = _outcome(lambda m=message: theirs.mcp_message(m, cache_control=cache_control))
        assert mine == official
    made = ours.mcp_message(PromptMessage(role=role, content=CONTENTS[0]))
    assert tag_of(made) == "mcp_message" and tag_of(made["content"][0]) == "mcp_content"


READS = [
    [],
    [RESOURCES[14]],
    [RESOURCES[14], RESOURCES[5]],
    [RESOURCES[14], RESOURCES[1], RESOURCES[6]],
    [RESOURCES[5], RESOURCES[6]],
    [RESOURCES[10], RESOURCES[0]],
    [RESOURCES[11]],
    [RESOURCES[12], RESOURCES[3]],
    [RESOURCES[4]],
]


@pytest.mark.parametrize("cache_control", [None, CACHE])
@pytest.mark.parametrize("contents", READS, ids=lambda c: str(len(c)))
def test_mcp_resource_to_content_as_the_official_sdk(contents: Any, cache_control: Any) -> None:
    result = ReadResourceResult(contents=contents)
    mine = _outcome(lambda: ours.mcp_resource_to_content(result, cache_control=cache_control))
    official = _outcome(lambda: theirs.mcp_resource_to_content(result, cache_control=cache_control))
    assert mine == official


def test_mcp_resource_to_content_names_what_it_cannot_read() -> None:
    nothing = ReadResourceResult(contents=[])
    assert _outcome(lambda: ours.mcp_resource_to_content(nothing)) == (
        "raised",
        "UnsupportedMCPValueError",
        "Resource contents array must contain at least one item",
    )
    unreadable = ReadResourceResult(contents=[RESOURCES[14], RESOURCES[5], RESOURCES[10]])
    assert _outcome(lambda: ours.mcp_resource_to_content(unreadable))[2] == (
        "No supported MIME type found in resource contents. "
        "Available: application/octet-stream, application/json, image/tiff"
    )
    # The first readable item, not the first item: text after an unreadable one.
    mixed = ReadResourceResult(contents=[RESOURCES[14], RESOURCES[2], RESOURCES[6]])
    assert ours.mcp_resource_to_content(mixed)["source"]["data"] == "héllo"


FILES = [
    [],
    [_text("notes://today", "text/markdown")],
    [_text("file:///reports/q1/summary.md", None, "ünï")],
    [_blob("file:///reports/pixel.png", "image/png"), RESOURCES[1]],
    [_blob("https://example.com/dir/", "application/octet-stream", b"\x00\xff")],
    [_blob("https://example.com/a/b.bin?x=1#y", None, b"")],
    [_text("urn:isbn:0451450523", "text/plain", "")],  # a path without a slash
]


@pytest.mark.parametrize("contents", FILES, ids=lambda c: str(len(c)))
def test_mcp_resource_to_file_as_the_official_sdk(contents: Any) -> None:
    result = ReadResourceResult(contents=contents)
    mine = _outcome(lambda: ours.mcp_resource_to_file(result))
    assert mine == _outcome(lambda: theirs.mcp_resource_to_file(result))
    if contents:
        assert type(ours.mcp_resource_to_file(result)) is not tuple  # a tagged tuple


def test_mcp_resource_to_file_names_the_file_after_the_uris_path() -> None:
    made = [ours.mcp_resource_to_file(ReadResourceResult(contents=c)) for c in FILES[1:]]
    assert made == [
        (None, "héllo".encode(), "text/markdown"),
        ("summary.md", "ünï".encode(), None),
        ("pixel.png", b"\x89PNG", "image/png"),
        ("", b"\x00\xff", "application/octet-stream"),
        ("b.bin", b"", None),
        ("isbn:0451450523", b"", "text/plain"),
    ]
    assert {tag_of(file) for file in made} == {"mcp_resource_to_file"}
    with pytest.raises(ours.UnsupportedMCPValueError, match=r"^Resource contents array must"):
        ours.mcp_resource_to_file(ReadResourceResult(contents=[]))


def test_the_fields_of_mcp_1x_are_read_by_their_camel_case_names() -> None:
    # mcp 1.x's models have only the camelCase attributes: the official SDK reads both.
    v1 = SimpleNamespace(inputSchema={"type": "object"}, mimeType="text/plain", isError=True)
    v1.structuredContent = {"a": 1}
    for name in ("input_schema", "mime_type", "is_error", "structured_content"):
        assert ours._field(v1, name) == theirs._mcp_field_v1_or_v2(v1, name)  # pyright: ignore[reportPrivateUsage]
    v2 = SimpleNamespace(mime_type="image/png", mimeType="text/plain")
    assert ours._field(v2, "mime_type") == "image/png"
    with pytest.raises(KeyError):
        ours._field(SimpleNamespace(), "name")


def _result(content: list[Any], *, is_error: bool = False, structured: Any = None) -> Any:
    return CallToolResult.model_validate(
        {"content": content, "isError": is_error, "structuredContent": structured}
    )


TOOL_RESULTS = [
    _result([TextContent(type="text", text="Sunny")]),
    _result([TextContent(type="text", text="a"), _image("image/png")], structured={"t": 20}),
    _result([], structured={"temperature": 20, "unit": "C"}),
    _result([]),
    _result([TextContent(type="text", text="no such city")], is_error=True),
    _result([], is_error=True, structured={"error": "x"}),
]


@pytest.mark.parametrize("result", TOOL_RESULTS, ids=range(len(TOOL_RESULTS)))
def test_a_tool_result_as_the_official_sdk(result: Any) -> None:
    def run(convert: Callable[[Any], object]) -> tuple[Any, ...]:
        try:
            return ("returned", json.loads(json.dumps(convert(result))))
        except Exception as exc:
            return ("raised", type(exc).__name__, json.loads(json.dumps(exc.content)))  # type: ignore[attr-defined]

    mine = run(ours._tool_result)  # pyright: ignore[reportPrivateUsage]
    assert mine == run(theirs._convert_tool_result)  # pyright: ignore[reportPrivateUsage]
    if result is TOOL_RESULTS[2]:
        assert mine == ("returned", '{"temperature": 20, "unit": "C"}')


def test_an_answer_that_is_not_a_tool_result_is_a_tool_error() -> None:
    with pytest.raises(ToolError) as raised:
        ours._tool_result(TextContent(type="text", text="hi"))  # pyright: ignore[reportPrivateUsage]
    assert raised.value.content == "The MCP server answered with a TextContent, not a tool result"


TOOLS = [
    Tool.model_validate(
        {
            "name": "get_weather",
            "description": "Get the weather.",
            "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}},
        }
    ),
    Tool.model_validate({"name": "ping", "inputSchema": {"type": "object"}}),
]
OPTIONS: list[dict[str, Any]] = [
    {},
    {
        "cache_control": CACHE,
        "defer_loading": True,
        "allowed_callers": ["direct"],
        "eager_input_streaming": False,
        "input_examples": [{"city": "Paris"}],
        "strict": True,
    },
    {"defer_loading": False, "strict": False, "eager_input_streaming": True},
]


@pytest.mark.parametrize("options", OPTIONS, ids=range(len(OPTIONS)))
@pytest.mark.parametrize("tool", TOOLS, ids=lambda t: t.name)
def test_an_mcp_tools_definition_as_the_official_sdk(tool: Tool, options: Any) -> None:
    session: Any = object()  # not called: only the definitions are compared
    for make, make_theirs in (
        (ours.mcp_tool, theirs.mcp_tool),
        (ours.async_mcp_tool, theirs.async_mcp_tool),
    ):
        mine = make(tool, session, **options)
        official = make_theirs(tool, session, **options)
        assert mine.to_dict() == official.to_dict()
        assert (mine.name, tag_of(mine)) == (tool.name, "mcp_tool")
