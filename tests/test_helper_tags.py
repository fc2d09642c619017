"""`_helper_tags`: the tags the official SDK's helpers put on what they make, and how a
request's `x-stainless-helper` is worked out from them (unit tests of each function; the
requests themselves are compared with the official SDK's in tests/test_mcp.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from anyio_claude._helper_tags import (
    TaggedDict,
    TaggedTuple,
    append_tokens,
    collect,
    from_tools,
    tag,
    tag_of,
    with_helper,
)


def test_a_tag_rides_on_what_takes_attributes_and_never_on_the_wire() -> None:
    block = tag(TaggedDict(type="text", text="hi"), "mcp_content")
    assert tag_of(block) == "mcp_content"
    assert block == {"type": "text", "text": "hi"} and json.dumps(block) == json.dumps(dict(block))
    file = tag(TaggedTuple(("a.txt", b"x", None)), "mcp_resource_to_file")
    assert tag_of(file) == "mcp_resource_to_file" and file == ("a.txt", b"x", None)
    plain: dict[str, Any] = {"type": "text"}
    assert tag(plain, "mcp_content") is plain and tag_of(plain) is None  # no attributes
    assert tag_of(SimpleNamespace(_stainless_helper=3)) is None  # not a tag


def test_collect_lists_tools_then_messages_then_their_blocks_each_once() -> None:
    tool = tag(SimpleNamespace(), "mcp_tool")
    block = tag(TaggedDict(type="text", text="a"), "mcp_content")
    resource = tag(TaggedDict(type="document"), "mcp_resource_to_content")
    message = tag(TaggedDict(role="user", content=[block, resource, block]), "mcp_message")
    as_object = SimpleNamespace(role="assistant", content=[tag(TaggedDict(), "other")])
    odd = SimpleNamespace(role="user")  # no content: nothing to look into
    turns = [{"role": "user", "content": "plain"}, message, odd, as_object]
    assert collect([tool, tool], turns) == [
        "mcp_tool",
        "mcp_message",
        "mcp_content",
        "mcp_resource_to_content",
        "other",
    ]
    assert collect(None, None) == []
    # Nested blocks (a tool result's content) are not looked into, as the official SDK.
    nested = TaggedDict(type="tool_result", content=[block])
    assert collect((), [{"role": "user", "content": [nested]}]) == []


def test_from_tools_keeps_a_tool_objects_tag_on_its_entry() -> None:
    class Tool:
        def to_dict(self) -> dict[str, Any]:
            return {"name": "t", "input_schema": {"type": "object"}}

    class Fixed:
        entry: dict[str, Any] = {"name": "fixed"}  # noqa: RUF012

        def to_dict(self) -> dict[str, Any]:
            return self.entry

    tagged, untagged, definition = tag(Tool(), "mcp_tool"), Fixed(), {"name": "d"}
    # What is neither a dict nor has a `to_dict()` stays, for the check that names it.
    entries = from_tools(iter([tagged, untagged, definition, 5]))
    assert entries == [Tool().to_dict(), Fixed.entry, definition, 5]
    assert [tag_of(e) for e in entries] == ["mcp_tool", None, None, None]
    assert entries[1] is Fixed.entry and entries[2] is definition  # untagged: not copied


def test_header_values_join_each_helper_once_in_order() -> None:
    assert append_tokens("a, b", " b,c ,, a") == "a, b, c"
    assert append_tokens("", "x") == "x"
    headers = {"X-Stainless-Helper": "mine", "Other": "1"}
    assert with_helper(headers, "BetaToolRunner, mine") == {
        "x-stainless-helper": "mine, BetaToolRunner",
        "other": "1",
    }
    assert with_helper(headers, "BetaToolRunner", first=True)["x-stainless-helper"] == (
        "BetaToolRunner, mine"
    )
    assert with_helper({}, "x") == {"x-stainless-helper": "x"}


@pytest.mark.anyio
async def test_the_header_adds_up_across_default_method_and_call_as_the_official_sdk() -> None:
    import anthropic

    from anyio_claude import AsyncClaude
    from anyio_claude.testing import FakeClaude

    args: Any = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 5,
        "messages": [{"role": "user", "content": "hi"}],
    }
    default = {"X-Stainless-Helper": "dflt"}
    async with FakeClaude() as server:
        for client in (
            anthropic.AsyncAnthropic(api_key="k", base_url=server.url, default_headers=default),
            AsyncClaude(api_key="k", base_url=server.url, default_headers=default),
        ):
            mine = {"x-stainless-helper": "mine, dflt"}
            await client.messages.parse(**args, extra_headers=mine)
            await client.beta.messages.parse(**args)
            await client.beta.messages.create(**args)
            await client.messages.create(**args, extra_headers=mine)
            await client.messages.create(**args, extra_headers={"other": "1"})
            await client.close()
    helpers = [r.headers.get("x-stainless-helper") for r in server.requests]
    assert helpers[:5] == helpers[5:]
    assert helpers[5:] == [
        "dflt, messages.parse, mine",
        "dflt, beta.messages.parse",
        "dflt",
        "dflt, mine",
        "dflt",
    ]
