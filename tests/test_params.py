"""The Messages request surface of `anthropic` 2.14, and argument checks before any I/O."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anthropic
import pytest

from anyio_claude import AsyncClaude, Claude
from anyio_claude.testing import FakeClaude

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "Hello there"}]
KEY = "sk-ant-params-test"

# Everything 2.14's `messages.create` takes besides the required three, with values the
# API documents. Dated server tools and a custom tool with the new options.
NEW_ARGS: dict[str, Any] = {
    "cache_control": {"type": "ephemeral", "ttl": "1h"},
    "container": {"id": "container_011", "skills": [{"skill_id": "pptx", "type": "anthropic"}]},
    "diagnostics": {"previous_message_id": "msg_01abc"},
    "inference_geo": "us",
    "metadata": {"user_id": "u-42"},
    "output_config": {"effort": "low"},
    "service_tier": "auto",
    "speed": "fast",
    "stop_sequences": ["STOP"],
    "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
    "thinking": {"type": "adaptive", "display": "summarized"},
    "tool_choice": {"type": "auto", "disable_parallel_tool_use": True},
    "tools": [
        {
            "name": "lookup",
            "description": "Look a word up",
            "input_schema": {"type": "object", "properties": {"word": {"type": "string"}}},
            "strict": True,
            "defer_loading": False,
            "input_examples": [{"word": "fox"}],
            "allowed_callers": ["direct", "code_execution_20250825"],
        },
        {"type": "web_search_20250305", "name": "web_search", "max_uses": 3},
        {"type": "web_fetch_20250910", "name": "web_fetch", "max_content_tokens": 1000},
        {"type": "code_execution_20250825", "name": "code_execution"},
        {"type": "bash_20250124", "name": "bash"},
        {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"},
        {"type": "memory_20250818", "name": "memory"},
        {"type": "tool_search_tool_regex_20251119", "name": "tool_search_tool_regex"},
    ],
}
HEADER_ARGS = {"user_profile_id": "uprof_01", "workspace_id": "wrkspc_01"}


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


@pytest.fixture
async def client(server: FakeClaude) -> AsyncIterator[AsyncClaude]:
    async with AsyncClaude(api_key=KEY, base_url=server.url) as c:
        yield c
    assert c._transport is None or c._transport.num_connections == 0


async def official_request(server: FakeClaude, method: str, **args: Any) -> Any:
    """What the official SDK sends for the same call: (body, headers) as recorded."""
    async with anthropic.AsyncAnthropic(
        api_key=KEY, base_url=server.url, max_retries=0
    ) as official:
        if method == "stream":
            async with official.messages.stream(**args) as stream:
                await stream.get_final_message()
        else:
            await getattr(official.messages, method)(**args)
    return server.requests[-1]


# ------------------------------------------------------------------ the 2.14 surface


async def test_create_sends_what_the_official_sdk_sends(
    client: AsyncClaude, server: FakeClaude
) -> None:
    args = {"model": MODEL, "max_tokens": 300, "messages": USER, **NEW_ARGS, **HEADER_ARGS}
    reply = await client.messages.create(**args)
    ours = server.requests[-1]
    theirs = await official_request(server, "create", **args)
    assert reply.content
    assert ours.json == theirs.json
    for header in ("anthropic-user-profile-id", "anthropic-workspace-id"):
        assert ours.headers[header] == theirs.headers[header]
    assert ours.headers["anthropic-workspace-id"] == "wrkspc_01"
    assert "workspace_id" not in ours.json and "user_profile_id" not in ours.json


async def test_stream_sends_what_the_official_sdk_sends(
    client: AsyncClaude, server: FakeClaude
) -> None:
    args = {"model": MODEL, "max_tokens": 300, "messages": USER, **NEW_ARGS, **HEADER_ARGS}
    async with client.messages.stream(**args) as stream:
        message = await stream.get_final_message()
    ours = server.requests[-1]
    theirs = await official_request(server, "stream", **args)
    assert message.content
    assert ours.json == theirs.json
    for header in (
        "anthropic-user-profile-id",
        "x-stainless-helper-method",
        "x-stainless-stream-helper",
    ):
        assert ours.headers[header] == theirs.headers[header]


async def test_count_tokens_sends_what_the_official_sdk_sends(
    client: AsyncClaude, server: FakeClaude
) -> None:
    args = {
        "model": MODEL,
        "messages": USER,
        "cache_control": {"type": "ephemeral"},
        "output_config": {"effort": "high"},
        "speed": "standard",
        "system": "Be brief.",
        "thinking": {"type": "adaptive"},
        "tools": NEW_ARGS["tools"],
        **HEADER_ARGS,
    }
    count = await client.messages.count_tokens(**args)
    ours = server.requests[-1]
    theirs = await official_request(server, "count_tokens", **args)
    assert count.input_tokens > 0
    assert ours.json == theirs.json
    assert ours.headers["anthropic-workspace-id"] == theirs.headers["anthropic-workspace-id"]


async def test_sampling_params_the_official_sdk_dropped_are_still_sent(
    client: AsyncClaude, server: FakeClaude
) -> None:
    await client.messages.create(
        model=MODEL, max_tokens=50, messages=USER, temperature=0.0, top_p=1, top_k=5
    )
    body = server.requests[-1].json
    assert (body["temperature"], body["top_p"], body["top_k"]) == (0.0, 1, 5)


async def test_none_leaves_an_optional_argument_out(
    client: AsyncClaude, server: FakeClaude
) -> None:
    await client.messages.create(
        model=MODEL, max_tokens=50, messages=USER, temperature=None, top_k=None, system=None
    )  # type: ignore[call-overload]
    body = server.requests[-1].json
    assert not {"temperature", "top_k", "system"} & set(body)


async def test_adaptive_thinking_gets_a_thinking_block(client: AsyncClaude) -> None:
    message = await client.messages.create(
        model=MODEL, max_tokens=300, messages=USER, thinking={"type": "adaptive"}
    )
    assert [block.type for block in message.content] == ["thinking", "text"]


async def test_a_system_turn_inside_messages_is_accepted(client: AsyncClaude) -> None:
    turns = [*USER, {"role": "system", "content": "Answer in French."}]
    message = await client.messages.create(model=MODEL, max_tokens=50, messages=turns)
    assert message.content[0].type == "text"


async def test_generators_are_sent_as_lists(client: AsyncClaude, server: FakeClaude) -> None:
    blocks = ({"type": "text", "text": t} for t in ["Hello", "there"])
    await client.messages.create(
        model=MODEL,
        max_tokens=50,
        messages=({"role": m["role"], "content": blocks} for m in USER),
        system=(b for b in [{"type": "text", "text": "Be brief."}]),
        stop_sequences=(s for s in ["STOP"]),
        tools=(t for t in NEW_ARGS["tools"][:1]),
    )
    body = server.requests[-1].json
    assert body["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": "there"}],
        }
    ]
    assert body["system"] == [{"type": "text", "text": "Be brief."}]
    assert body["stop_sequences"] == ["STOP"]
    assert body["tools"] == NEW_ARGS["tools"][:1]


async def test_the_callers_list_is_left_as_it_was(client: AsyncClaude, server: FakeClaude) -> None:
    content = ({"type": "text", "text": t} for t in ["Hello"])
    turns: list[Any] = [{"role": "user", "content": content}]
    await client.messages.create(model=MODEL, max_tokens=50, messages=turns)
    assert turns[0]["content"] is content
    assert server.requests[-1].json["messages"][0]["content"] == [{"type": "text", "text": "Hello"}]


async def test_a_generator_of_messages_works_for_stream_and_count_tokens(
    client: AsyncClaude, server: FakeClaude
) -> None:
    async with client.messages.stream(
        model=MODEL, max_tokens=50, messages=(m for m in USER)
    ) as stream:
        await stream.get_final_message()
    assert server.requests[-1].json["messages"] == USER
    await client.messages.count_tokens(model=MODEL, messages=(m for m in USER))
    assert server.requests[-1].json["messages"] == USER


# ------------------------------------------------------------------ bad arguments

nan, inf = math.nan, math.inf

BAD: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"temperature": nan}, ValueError, "temperature"),
    ({"temperature": inf}, ValueError, "temperature"),
    ({"temperature": -0.1}, ValueError, "temperature"),
    ({"temperature": 1.5}, ValueError, "temperature"),
    ({"temperature": "0.5"}, TypeError, "temperature"),
    ({"temperature": True}, TypeError, "temperature"),
    ({"top_p": nan}, ValueError, "top_p"),
    ({"top_p": -inf}, ValueError, "top_p"),
    ({"top_k": -1}, ValueError, "top_k"),
    ({"top_k": 2.5}, TypeError, "top_k"),
    ({"max_tokens": None}, TypeError, "max_tokens"),
    ({"max_tokens": "100"}, TypeError, "max_tokens"),
    ({"max_tokens": 100.0}, TypeError, "max_tokens"),
    ({"max_tokens": -1}, ValueError, "max_tokens"),
    ({"model": None}, TypeError, "model"),
    ({"model": 4}, TypeError, "model"),
    ({"messages": "Hello"}, TypeError, "messages"),
    ({"messages": {"role": "user", "content": "Hello"}}, TypeError, "messages"),
    ({"messages": None}, TypeError, "messages"),
    ({"messages": ["Hello"]}, TypeError, "messages[0]"),
    ({"messages": [{"content": "Hello"}]}, TypeError, "messages[0]['role']"),
    ({"messages": [{"role": "user", "content": 5}]}, TypeError, "messages[0]['content']"),
    ({"stop_sequences": "STOP"}, TypeError, "stop_sequences"),
    ({"stop_sequences": [1]}, TypeError, "stop_sequences"),
    ({"system": {"type": "text", "text": "hi"}}, TypeError, "system"),
    ({"tools": {"name": "x", "input_schema": {}}}, TypeError, "tools"),
    ({"tools": ["x"]}, TypeError, "tools[0]"),
    ({"metadata": "u-1"}, TypeError, "metadata"),
    ({"thinking": True}, TypeError, "thinking"),
    ({"output_config": "high"}, TypeError, "output_config"),
    ({"workspace_id": 7}, TypeError, "workspace_id"),
    ({"container": 7}, TypeError, "container"),
    ({"stream": "yes"}, TypeError, "stream"),
    ({"temprature": 0.5}, TypeError, "temprature"),
]


def _call(args: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = {"model": MODEL, "max_tokens": 100, "messages": USER}
    base.update(args)
    return base


@pytest.mark.parametrize(
    ("args", "error", "name"), BAD, ids=[f"{a}-{e.__name__}" for a, e, _ in BAD]
)
async def test_bad_create_arguments_fail_before_any_request(
    client: AsyncClaude,
    server: FakeClaude,
    args: dict[str, Any],
    error: type[Exception],
    name: str,
) -> None:
    with pytest.raises(error, match=f"^{_re(name)}|'{_re(name)}'"):
        await client.messages.create(**_call(args))
    assert server.requests == []


def _re(text: str) -> str:
    import re

    return re.escape(text)


@pytest.mark.parametrize("method", ["stream", "count_tokens", "parse"])
async def test_stream_parse_and_count_tokens_check_arguments_too(
    client: AsyncClaude, server: FakeClaude, method: str
) -> None:
    args = _call({"temperature": nan} if method != "count_tokens" else {"messages": "hi"})
    if method == "count_tokens":
        del args["max_tokens"]
    with pytest.raises((TypeError, ValueError)) as info:
        if method == "stream":
            async with client.messages.stream(**args):
                pass
        else:
            await getattr(client.messages, method)(**args)
    assert ("temperature" if method != "count_tokens" else "messages") in str(info.value)
    assert server.requests == []


async def test_missing_required_arguments_are_named(
    client: AsyncClaude, server: FakeClaude
) -> None:
    with pytest.raises(TypeError, match="max_tokens"):
        await client.messages.create(model=MODEL, messages=USER)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="model"):
        await client.messages.count_tokens(messages=USER)  # type: ignore[call-arg]
    assert server.requests == []


async def test_raw_and_streaming_views_check_arguments(
    client: AsyncClaude, server: FakeClaude
) -> None:
    with pytest.raises(ValueError, match="top_p"):
        await client.messages.with_raw_response.create(**_call({"top_p": inf}))
    with pytest.raises(TypeError, match="max_tokens"):
        client.messages.with_streaming_response.create(**_call({"max_tokens": None}))
    assert server.requests == []


@pytest.fixture
def fake_in_thread() -> Iterator[FakeClaude]:
    with FakeClaude.run_in_thread() as fake:
        yield fake


def test_the_blocking_client_checks_arguments_before_any_request(
    fake_in_thread: FakeClaude,
) -> None:
    with Claude(api_key=KEY, base_url=fake_in_thread.url) as client:
        with pytest.raises(ValueError, match="temperature"):
            client.messages.create(**_call({"temperature": nan}))
        with pytest.raises(TypeError, match="max_tokens"):
            with client.messages.stream(**_call({"max_tokens": None})):
                pass
        with pytest.raises(TypeError, match="messages"):
            client.messages.count_tokens(model=MODEL, messages="hi")  # type: ignore[arg-type]
        assert fake_in_thread.requests == []
        message = client.messages.create(**_call({"messages": (m for m in USER)}))
        assert message.content
    assert fake_in_thread.requests[-1].json["messages"] == USER
