"""What FakeClaude's model serves, pinned exactly over HTTP on 127.0.0.1 and read by the
pinned official SDK (an independent client): the reply builder, the stream events, the
token counts and the cache split. A bug in the fake would let client tests pass on wrong
behaviour, so these pin the numbers and the event order, not only their shape."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import pytest

from anyio_claude.testing import FakeClaude, count_request_tokens, message_events
from anyio_claude.types import (
    BetaCompactionBlock,
    CitationCharLocation,
    Message,
    RedactedThinkingBlock,
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
    Usage,
)

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER: Any = [{"role": "user", "content": "Hello there"}]
CITY: Any = {
    "name": "get_weather",
    "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}},
}


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


@pytest.fixture
async def official(server: FakeClaude) -> AsyncIterator[anthropic.AsyncAnthropic]:
    client = anthropic.AsyncAnthropic(api_key="k", base_url=server.url, max_retries=0)
    yield client
    await client.close()


def _tokens(text: str) -> int:
    return max(1, math.ceil(len(text.encode()) / 4))


async def _events(
    client: anthropic.AsyncAnthropic, *, beta: bool = False, **params: Any
) -> list[dict[str, Any]]:
    params.setdefault("model", MODEL)
    params.setdefault("messages", USER)
    messages: Any = client.beta.messages if beta else client.messages
    stream = await messages.create(stream=True, **params)
    return [event.model_dump(mode="json") async for event in stream]


def _without_pings(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] != "ping"]


def _deltas(events: list[dict[str, Any]], index: int) -> list[dict[str, Any]]:
    return [
        e["delta"] for e in events if e["type"] == "content_block_delta" and e["index"] == index
    ]


async def test_a_stream_is_its_reply_event_by_event(official: anthropic.AsyncAnthropic) -> None:
    created = await official.messages.create(model=MODEL, max_tokens=200, messages=USER)
    events = await _events(official, max_tokens=200)
    assert [e["type"] for e in events[:2]] == ["message_start", "content_block_start"]
    start = events[0]["message"]
    assert start["id"] != created.id  # each request has its own id
    assert (start["content"], start["stop_reason"], start["stop_sequence"]) == ([], None, None)
    assert (start["model"], start["role"], start["type"]) == (MODEL, "assistant", "message")
    assert start["usage"]["output_tokens"] == 1
    assert start["usage"]["input_tokens"] == created.usage.input_tokens
    assert start["usage"]["service_tier"] == "standard"
    body = _without_pings(events)
    assert body[1] == {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "text", "text": "", "citations": None},
    }
    texts = _deltas(body, 0)
    assert all(d["type"] == "text_delta" for d in texts)
    text = created.content[0].text  # type: ignore[union-attr]
    assert "".join(d["text"] for d in texts) == text
    # The opening sentence, then one word a delta; one token a delta.
    rest = text.removeprefix("You said: Hello there.").split(" ")[1:]
    assert [d["text"] for d in texts] == ["You said: Hello there."] + [" " + w for w in rest]
    assert len(texts) == created.usage.output_tokens
    assert body[2 + len(texts)] == {"type": "content_block_stop", "index": 0}
    delta = body[-2]
    assert delta["type"] == "message_delta"
    assert (delta["delta"]["stop_reason"], delta["delta"]["stop_sequence"]) == ("end_turn", None)
    assert delta["usage"]["output_tokens"] == created.usage.output_tokens
    assert delta["usage"]["input_tokens"] == created.usage.input_tokens
    assert delta["usage"]["cache_creation_input_tokens"] == 0
    assert delta["usage"]["cache_read_input_tokens"] == 0
    assert body[-1] == {"type": "message_stop"}
    assert len(body) == 2 + len(texts) + 3


async def test_the_reply_text_echoes_the_prompt_then_seeded_words(
    official: anthropic.AsyncAnthropic,
) -> None:
    prompt = "one two three four five six seven eight nine ten"
    reply = await official.messages.create(
        model=MODEL, max_tokens=200, messages=[{"role": "user", "content": prompt}]
    )
    text = reply.content[0].text  # type: ignore[union-attr]
    assert text.startswith("You said: one two three four five six seven eight. ")
    rest = text.removeprefix("You said: one two three four five six seven eight.").split(" ")
    assert rest[0] == ""
    # 12 to 40 seeded words, one output token each, and the opening sentence one more.
    assert 12 <= len(rest) - 1 <= 40
    assert reply.usage.output_tokens == len(rest)
    assert (reply.stop_reason, reply.stop_sequence) == ("end_turn", None)
    assert reply.usage.service_tier == "standard"
    assert [b.type for b in reply.content] == ["text"]
    empty = await official.messages.create(
        model=MODEL, max_tokens=200, messages=[{"role": "user", "content": ""}]
    )
    assert empty.content[0].text.startswith("Hello! ")  # type: ignore[union-attr]


async def test_another_seed_gives_other_words_the_same_seed_the_same() -> None:
    texts = []
    for seed in (0, 0, 1):
        async with FakeClaude(seed=seed) as fake:
            client = anthropic.AsyncAnthropic(api_key="k", base_url=fake.url, max_retries=0)
            reply = await client.messages.create(model=MODEL, max_tokens=200, messages=USER)
            texts.append(reply.content[0].text)  # type: ignore[union-attr]
            await client.close()
    assert texts[0] == texts[1] != texts[2]


async def test_max_tokens_cuts_the_words_and_counts_them(
    official: anthropic.AsyncAnthropic,
) -> None:
    full = await official.messages.create(model=MODEL, max_tokens=200, messages=USER)
    words = full.usage.output_tokens
    exact = await official.messages.create(model=MODEL, max_tokens=words, messages=USER)
    assert (exact.stop_reason, exact.usage.output_tokens) == ("end_turn", words)
    assert exact.content == full.content
    short = await official.messages.create(model=MODEL, max_tokens=words - 1, messages=USER)
    assert (short.stop_reason, short.usage.output_tokens) == ("max_tokens", words - 1)
    full_text = full.content[0].text  # type: ignore[union-attr]
    assert full_text.startswith(short.content[0].text)  # type: ignore[union-attr]
    assert len(short.content[0].text.split(" ")) == len(full_text.split(" ")) - 1  # type: ignore[union-attr]
    one = await official.messages.create(model=MODEL, max_tokens=1, messages=USER)
    assert one.content[0].text == "You said: Hello there."  # type: ignore[union-attr]
    assert (one.stop_reason, one.usage.output_tokens) == ("max_tokens", 1)


async def test_the_earliest_stop_sequence_wins_and_cuts_inside_a_word(
    official: anthropic.AsyncAnthropic,
) -> None:
    full = await official.messages.create(model=MODEL, max_tokens=200, messages=USER)
    text = full.content[0].text  # type: ignore[union-attr]
    later, earlier = "there.", "aid: H"  # "You s|aid: H|ello there."
    stopped = await official.messages.create(
        model=MODEL, max_tokens=200, messages=USER, stop_sequences=[later, earlier]
    )
    assert (stopped.stop_reason, stopped.stop_sequence) == ("stop_sequence", earlier)
    assert stopped.content[0].text == "You s"  # type: ignore[union-attr]
    assert stopped.usage.output_tokens == 1
    events = await _events(official, max_tokens=200, stop_sequences=[later, earlier])
    assert [d["text"] for d in _deltas(events, 0)] == ["You s"]
    # A sequence that never occurs changes nothing; one after the first word keeps the
    # words before it whole and the part of the word it cuts.
    missing = await official.messages.create(
        model=MODEL, max_tokens=200, messages=USER, stop_sequences=["zzz-not-there"]
    )
    assert missing.content == full.content and missing.stop_reason == "end_turn"
    whole = text.removeprefix("You said: Hello there.").split(" ")[1:]
    # The first word from the third on whose first half (with its space) occurs first there.
    k, cut = next(
        (k, " " + w[: len(w) // 2 + 1])
        for k, w in enumerate(whole)
        if k >= 2
        and text.find(" " + w[: len(w) // 2 + 1])
        == len(" ".join(["You said: Hello there.", *whole[:k]]))
    )
    at = text.find(cut)
    events = await _events(official, max_tokens=200, stop_sequences=[cut])
    pieces = [d["text"] for d in _deltas(events, 0)]
    assert "".join(pieces) == text[:at]
    assert pieces == ["You said: Hello there.", *(" " + w for w in whole[:k])]
    message_delta = next(e for e in events if e["type"] == "message_delta")
    assert message_delta["delta"]["stop_sequence"] == cut
    assert message_delta["usage"]["output_tokens"] == len(pieces)


async def test_thinking_streams_word_by_word_then_its_signature(
    official: anthropic.AsyncAnthropic,
) -> None:
    thinking: Any = {"type": "enabled", "budget_tokens": 1024}
    created = await official.messages.create(
        model=MODEL, max_tokens=2000, thinking=thinking, messages=USER
    )
    block = created.content[0]
    assert block.type == "thinking"
    words = block.thinking.split(" ")
    assert words[:5] == ["Let", "me", "think", "about", "this."] and words[-1] == ""
    assert len(words) - 1 == 5 + 40
    assert block.signature == hashlib.sha256(block.thinking.encode()).hexdigest()
    text = created.content[1].text  # type: ignore[union-attr]
    # The opening sentence ("You said: Hello there.") is one token.
    assert created.usage.output_tokens == 45 + len(text.split(" ")) - 3
    events = await _events(official, max_tokens=2000, thinking=thinking)
    body = _without_pings(events)
    assert body[1]["content_block"] == {"type": "thinking", "thinking": "", "signature": ""}
    deltas = _deltas(body, 0)
    assert [d["type"] for d in deltas] == ["thinking_delta"] * 45 + ["signature_delta"]
    assert [d["thinking"] for d in deltas[:-1]] == [w + " " for w in words[:-1]]
    assert deltas[-1]["signature"] == block.signature
    assert body[1 + 1 + len(deltas)] == {"type": "content_block_stop", "index": 0}
    assert body[1 + 2 + len(deltas)]["index"] == 1


async def test_thinking_fits_in_max_tokens_with_one_token_left(
    official: anthropic.AsyncAnthropic,
) -> None:
    reply = await official.messages.create(
        model=MODEL, max_tokens=10, thinking={"type": "adaptive"}, messages=USER
    )
    assert [b.type for b in reply.content] == ["thinking", "text"]
    assert (
        reply.content[0].thinking  # type: ignore[union-attr]
        == "Let me think about this. "
        + " ".join(
            reply.content[0].thinking.split(" ")[5:9]  # type: ignore[union-attr]
        )
        + " "
    )
    assert len(reply.content[0].thinking.split(" ")) - 1 == 9  # type: ignore[union-attr]
    assert reply.content[1].text == "You said: Hello there."  # type: ignore[union-attr]
    assert (reply.stop_reason, reply.usage.output_tokens) == ("max_tokens", 10)
    # A small budget: the five opening words and as many as the budget.
    small = await official.messages.create(
        model=MODEL,
        max_tokens=100,
        messages=USER,
        extra_body={"thinking": {"type": "adaptive", "budget_tokens": 3}},
    )
    assert len(small.content[0].thinking.split(" ")) - 1 == 5 + 3  # type: ignore[union-attr]
    disabled = await official.messages.create(
        model=MODEL, max_tokens=100, thinking={"type": "disabled"}, messages=USER
    )
    assert [b.type for b in disabled.content] == ["text"]


async def test_a_tool_call_its_id_its_usage_and_its_input_json_deltas(
    server: FakeClaude, official: anthropic.AsyncAnthropic
) -> None:
    params: dict[str, Any] = {
        "max_tokens": 300,
        "tools": [CITY],
        "messages": [{"role": "user", "content": "Weather in Paris and Rome? use the tool"}],
    }
    created = await official.messages.create(model=MODEL, **params)
    assert [b.type for b in created.content] == ["text", "tool_use", "tool_use"]
    assert created.stop_reason == "tool_use"
    text = created.content[0].text
    # The prompt's first eight words in one delta, and six seeded words.
    assert text.startswith("You said: Weather in Paris and Rome? use the tool. ")
    assert len(text.split(" ")) == 10 + 6
    first, second = created.content[1], created.content[2]
    assert first.id == "toolu_" + hashlib.sha256(created.id.encode()).hexdigest()[:24]
    assert second.id == "toolu_" + hashlib.sha256(f"{created.id}:1".encode()).hexdigest()[:24]
    assert (first.input, second.input) == ({"location": "Paris"}, {"location": "Rome"})
    inputs = sum(_tokens(json.dumps(b.input)) for b in (first, second))
    assert created.usage.output_tokens == 1 + 6 + inputs
    events = _without_pings(await _events(official, **params))
    for index in (1, 2):
        start = next(
            e for e in events if e["type"] == "content_block_start" and e["index"] == index
        )
        assert start["content_block"]["input"] == {}
        pieces = [d["partial_json"] for d in _deltas(events, index)]
        encoded = json.dumps({"location": ("Paris", "Rome")[index - 1]})
        assert "".join(pieces) == encoded
        count = max(1, len(encoded) // 12)
        size = math.ceil(len(encoded) / count)
        assert pieces == [encoded[i : i + size] for i in range(0, len(encoded), size)]
    only = await official.messages.create(
        model=MODEL,
        tool_choice={"type": "any", "disable_parallel_tool_use": True},
        **params,
    )
    assert [b.type for b in only.content] == ["text", "tool_use"]
    assert server.requests[-1].json["tools"] == [CITY]


async def test_a_long_tool_input_streams_in_twelve_character_pieces(
    official: anthropic.AsyncAnthropic,
) -> None:
    note: Any = {
        "name": "take_note",
        "input_schema": {
            "type": "object",
            "properties": {f"field_{i}": {"const": "x" * 30} for i in range(4)},
        },
    }
    params: dict[str, Any] = {
        "max_tokens": 300,
        "tools": [note],
        "tool_choice": {"type": "tool", "name": "take_note"},
    }
    events = await _events(official, **params)
    pieces = [d["partial_json"] for d in _deltas(events, 1)]
    encoded = json.dumps({f"field_{i}": "x" * 30 for i in range(4)})
    assert "".join(pieces) == encoded
    assert len(pieces) == len(encoded) // 12
    assert {len(p) for p in pieces[:-1]} == {math.ceil(len(encoded) / (len(encoded) // 12))}


async def test_a_call_that_does_not_fit_is_not_sent(official: anthropic.AsyncAnthropic) -> None:
    note: Any = {
        "name": "take_note",
        "input_schema": {
            "type": "object",
            "properties": {f"field_{i}": {"type": "string"} for i in range(30)},
        },
    }
    words = (
        (  # type: ignore[union-attr]
            await official.messages.create(
                model=MODEL,
                max_tokens=300,
                tools=[note],
                messages=[{"role": "user", "content": "x"}],
                tool_choice={"type": "any"},
            )
        )
        .content[0]
        .text.split(" ")
    )
    reply = await official.messages.create(
        model=MODEL,
        max_tokens=len(words) - 1 + 20,
        tools=[note],
        tool_choice={"type": "any"},
        messages=[{"role": "user", "content": "x"}],
    )
    assert [b.type for b in reply.content] == ["text"]
    assert (reply.stop_reason, reply.usage.output_tokens) == ("max_tokens", len(words) - 1 + 20)
    cut = await official.messages.create(
        model=MODEL,
        max_tokens=3,
        tools=[note],
        tool_choice={"type": "any"},
        messages=[{"role": "user", "content": "x"}],
    )
    # The text ran out first: no call is even tried.
    assert [b.type for b in cut.content] == ["text"]
    assert (cut.stop_reason, cut.usage.output_tokens) == ("max_tokens", 3)


async def test_after_a_tool_result_it_answers_with_what_the_tool_returned(
    official: anthropic.AsyncAnthropic,
) -> None:
    history: list[Any] = [
        {"role": "user", "content": "Weather in Paris? use the tool"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "Sunny"},
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_2",
                    "content": [
                        {"type": "text", "text": "24 C"},
                        {"type": "image", "source": {"type": "url", "url": "x"}},
                    ],
                },
                {"type": "tool_result", "tool_use_id": "toolu_3", "content": ""},
                {"type": "tool_result", "tool_use_id": "toolu_4"},
            ],
        },
    ]
    reply = await official.messages.create(
        model=MODEL, max_tokens=200, tools=[CITY], messages=history
    )
    assert reply.stop_reason == "end_turn"
    assert reply.content[0].text.startswith(  # type: ignore[union-attr]
        "The tool returned: Sunny 24 C (no output) (no output). "
    )


async def test_json_output_matches_the_schema_and_breaks_off_at_max_tokens(
    official: anthropic.AsyncAnthropic,
) -> None:
    def params(schema: Any, max_tokens: int = 200, **more: Any) -> dict[str, Any]:
        return {
            "max_tokens": max_tokens,
            "tools": [CITY],
            "tool_choice": {"type": "any"},
            "messages": [{"role": "user", "content": "Weather in Zürich?"}],
            "extra_body": {"output_config": {"format": {"type": "json_schema", "schema": schema}}},
            **more,
        }

    schema: Any = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "n": {"const": "abcdefghijkl"}},
        "required": ["city", "n"],
        "additionalProperties": False,
    }
    reply = await official.messages.create(model=MODEL, **params(schema))
    # No call: the answer is the JSON (not ASCII-escaped), in len // 12 pieces of equal
    # size (the last shorter), one token each: 39 characters are 3 pieces of 13.
    assert [b.type for b in reply.content] == ["text"]
    answer = reply.content[0].text
    assert answer == '{"city": "Zürich", "n": "abcdefghijkl"}'
    assert (reply.usage.output_tokens, reply.stop_reason) == (3, "end_turn")
    events = await _events(official, **params(schema))
    assert [d["text"] for d in _deltas(events, 0)] == [answer[:13], answer[13:26], answer[26:]]
    # 24 characters: two pieces of 12 (len // 12, not a nearby divisor).
    two: Any = {"type": "object", "properties": {"n": {"const": "abcdefghijklmno"}}}
    events = await _events(official, **params(two))
    assert [d["text"] for d in _deltas(events, 0)] == ['{"n": "abcde', 'fghijklmno"}']
    # Under 24 characters: one piece.
    short: Any = {"type": "object", "properties": {"city": {"type": "string"}}}
    one = await official.messages.create(model=MODEL, **params(short))
    assert one.content[0].text == '{"city": "Zürich"}'
    assert one.usage.output_tokens == 1
    # Seeded words where the schema names no place.
    free: Any = {"type": "object", "properties": {"note": {"type": "string"}}}
    noted = await official.messages.create(model=MODEL, **params(free))
    note = json.loads(noted.content[0].text)["note"]
    assert len(note.split(" ")) == 2
    assert noted.content == (await official.messages.create(model=MODEL, **params(free))).content
    # Three values (the object and two properties) cost three of the budget: two do not fit.
    cut = await official.messages.create(model=MODEL, **params(schema, max_tokens=2))
    assert cut.content[0].text == '{"x'
    assert (cut.stop_reason, cut.usage.output_tokens) == ("max_tokens", 2)
    # After thinking (45 words of 47) the budget left is two as well.
    thought = await official.messages.create(
        model=MODEL, **params(schema, max_tokens=47, thinking={"type": "adaptive"})
    )
    assert [b.type for b in thought.content] == ["thinking", "text"]
    assert thought.content[1].text == '{"x'
    assert (thought.stop_reason, thought.usage.output_tokens) == ("max_tokens", 47)


async def test_a_compaction_request_sums_up_the_conversation(
    official: anthropic.AsyncAnthropic,
) -> None:
    messages: list[Any] = [
        {"role": "system", "content": "ignored"},
        {"role": "user", "content": "one two three four five six seven"},
        {"role": "assistant", "content": [{"type": "text", "text": "a list, not counted"}]},
        {"role": "user", "content": "last words"},
    ]
    params: dict[str, Any] = {
        "max_tokens": 100,
        "messages": messages,
        "extra_body": {"compaction": {}},
    }
    reply = await official.beta.messages.create(model="claude-haiku-4-5", **params)
    summary = "Summary of 3 messages: one two three four five six / last words"
    raw = reply.model_dump(mode="json")
    [block] = raw["content"]
    assert (block["type"], block["content"], block["encrypted_content"]) == (
        "compaction",
        summary,
        None,
    )
    assert (raw["type"], raw["role"]) == ("message", "assistant")
    assert raw["id"].startswith("msg_01") and len(raw["id"]) == len("msg_01") + 24
    assert raw["stop_reason"] == "compaction" and raw["stop_sequence"] is None
    assert raw["model"] == "claude-haiku-4-5-20251001"
    assert raw["usage"]["output_tokens"] == _tokens(summary)
    assert raw["usage"]["service_tier"] == "standard"
    assert raw["usage"]["input_tokens"] > 0
    events = _without_pings(await _events(official, beta=True, model="claude-haiku-4-5", **params))
    assert events[1]["content_block"]["content"] is None
    assert _deltas(events, 0) == [
        {"type": "compaction_delta", "content": summary, "encrypted_content": None}
    ]
    assert events[-2]["delta"]["stop_reason"] == "compaction"


async def test_an_alias_is_answered_by_the_models_id(official: anthropic.AsyncAnthropic) -> None:
    reply = await official.messages.create(model="claude-haiku-4-5", max_tokens=20, messages=USER)
    assert reply.model == "claude-haiku-4-5-20251001"


@pytest.mark.parametrize("every", [0, 1, 3])
async def test_pings_come_after_message_start_and_every_nth_event(every: int) -> None:
    # The official SDK drops pings: read the event names off the raw body it receives.
    async with FakeClaude(ping_every=every) as fake:
        client = anthropic.AsyncAnthropic(api_key="k", base_url=fake.url, max_retries=0)
        async with client.messages.with_streaming_response.create(
            model=MODEL, max_tokens=30, messages=USER, stream=True
        ) as response:
            lines = [line async for line in response.iter_lines()]
        await client.close()
    kinds = [line.removeprefix("event: ") for line in lines if line.startswith("event: ")]
    plain: Any = [k for k in kinds if k != "ping"]
    if every == 0:
        assert kinds == plain
        return
    expected = [plain[0], "ping"]
    for i, kind in enumerate(plain[1:], 1):
        if i % every == 0:
            expected.append("ping")
        expected.append(kind)
    assert kinds == expected


async def test_a_scripted_message_streams_word_by_word_with_its_citations(
    server: FakeClaude, official: anthropic.AsyncAnthropic
) -> None:
    citation: Any = {
        "type": "char_location",
        "cited_text": "the sky",
        "document_index": 0,
        "document_title": None,
        "start_char_index": 0,
        "end_char_index": 7,
        "file_id": None,
    }
    message = Message(
        id="msg_1",
        type="message",
        role="assistant",
        content=[
            ThinkingBlock(thinking="hm  ok", signature="sig"),
            TextBlock(text=" two  spaces ", citations=[CitationCharLocation(**citation)]),
            TextBlock(text=""),
            ToolUseBlock(id="toolu_1", name="f", input={}),
            RedactedThinkingBlock(data="opaque"),
        ],
        model=MODEL,
        stop_reason="tool_use",
        stop_sequence="never",
        usage=Usage(
            input_tokens=5,
            output_tokens=9,
            cache_creation_input_tokens=2,
            cache_read_input_tokens=3,
        ),
    )
    server.script(message)
    events = _without_pings(await _events(official, max_tokens=100))
    start = events[0]["message"]
    assert (start["content"], start["stop_reason"], start["stop_sequence"]) == ([], None, None)
    assert start["usage"]["cache_read_input_tokens"] == 3
    assert [d["thinking"] for d in _deltas(events, 0)[:-1]] == ["hm", " ", " ok"]
    assert _deltas(events, 1) == [
        {"type": "text_delta", "text": " two"},
        {"type": "text_delta", "text": " "},
        {"type": "text_delta", "text": " spaces"},
        {"type": "text_delta", "text": " "},
        {"type": "citations_delta", "citation": citation},
    ]
    starts = [e for e in events if e["type"] == "content_block_start"]
    assert starts[1]["content_block"] == {"type": "text", "text": "", "citations": None}
    assert _deltas(events, 2) == []
    assert _deltas(events, 3) == [{"type": "input_json_delta", "partial_json": "{}"}]
    # A block of another type comes whole in its start, without deltas.
    assert starts[4]["content_block"] == {"type": "redacted_thinking", "data": "opaque"}
    assert _deltas(events, 4) == []
    delta = events[-2]
    assert (delta["delta"]["stop_reason"], delta["delta"]["stop_sequence"]) == (
        "tool_use",
        "never",
    )
    assert {
        k: delta["usage"][k]
        for k in (
            "output_tokens",
            "input_tokens",
            "cache_creation_input_tokens",
            "cache_read_input_tokens",
        )
    } == {
        "output_tokens": 9,
        "input_tokens": 5,
        "cache_creation_input_tokens": 2,
        "cache_read_input_tokens": 3,
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


async def test_count_tokens_follows_the_documented_rule(
    official: anthropic.AsyncAnthropic,
) -> None:
    async def count(**params: Any) -> int:
        params.setdefault("messages", USER)
        return (await official.messages.count_tokens(model=MODEL, **params)).input_tokens

    # The request's 1, a turn's 3, and ceil(UTF-8 bytes / 4) for "Hello there".
    assert await count() == 1 + 3 + 3
    # Bytes, not characters: six bytes of two characters are two tokens.
    assert await count(messages=[{"role": "user", "content": "日本"}]) == 1 + 3 + 2
    assert await count(messages=[{"role": "user", "content": "abcdefgh"}]) == 1 + 3 + 2
    assert await count(messages=[{"role": "user", "content": "abcdefghi"}]) == 1 + 3 + 3
    # An empty text costs one token.
    assert await count(messages=[{"role": "user", "content": ""}]) == 1 + 3 + 1
    assert await count(system="Be brief and exact") == 7 + _tokens("Be brief and exact")
    system: Any = [{"type": "text", "text": "Be brief"}, {"type": "text", "text": "and exact"}]
    assert await count(system=system) == 7 + _tokens("Be brief") + _tokens("and exact")
    tool: Any = {"name": "f", "input_schema": {"type": "object"}}
    assert await count(tools=[tool, tool]) == 7 + 2 * _tokens(_dumps(tool))
    schema: Any = {"type": "object", "properties": {"a": {"type": "string"}}}
    config: Any = {"format": {"type": "json_schema", "schema": schema}}
    assert await count(extra_body={"output_config": config}) == 7 + _tokens(_dumps(schema))
    assert await count(extra_body={"output_config": {"effort": "low"}}) == 7
    image: Any = {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}}
    document: Any = {"type": "document", "source": {"type": "url", "url": "https://e.com/a.pdf"}}
    text: Any = {"type": "text", "text": "abcdefghi"}
    blocks: list[Any] = [image, document, text]
    assert await count(messages=[{"role": "user", "content": blocks}]) == 1 + 3 + 2000 + 3
    history: list[Any] = [
        {"role": "user", "content": "Hi"},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "abcdefghi", "signature": "s"},
                {"type": "redacted_thinking", "data": "abc"},
                {"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "t1", "content": "abcdefghi"},
                {"type": "tool_result", "tool_use_id": "t1", "content": [text, image]},
                {"type": "tool_result", "tool_use_id": "t1", "content": []},
                {"type": "tool_result", "tool_use_id": "t1"},
            ],
        },
    ]
    redacted = _tokens(_dumps({"type": "redacted_thinking", "data": "abc"}))
    assert await count(messages=history) == (
        1
        + 3 * 3
        + _tokens("Hi")
        + (3 + redacted + _tokens(json.dumps({"a": 1})))
        + (3 + (3 + 1000) + 1 + 1)
    )
    # Consecutive messages of one role are one turn; a system message is a turn of its own.
    twice: Any = [{"role": "user", "content": "Hi"}, {"role": "user", "content": "Hi"}]
    assert await count(messages=twice) == 1 + 3 + 2 * _tokens("Hi")
    # What is counted is what a reply reports as its input.
    reply = await official.messages.create(
        model=MODEL, max_tokens=10, messages=history, system=system, tools=[tool]
    )
    assert reply.usage.input_tokens == await count(messages=history, system=system, tools=[tool])


async def test_the_prefix_up_to_the_last_mark_is_cached(server: FakeClaude) -> None:
    marked: Any = {"type": "ephemeral"}
    tool: Any = {"name": "f", "input_schema": {"type": "object"}, "cache_control": marked}
    system: Any = [
        {"type": "text", "text": "s" * 40, "cache_control": marked},
        {"type": "text", "text": "t" * 40},
    ]
    question: Any = {"type": "text", "text": "q" * 40, "cache_control": marked}
    messages: Any = [{"role": "user", "content": [question, {"type": "text", "text": "tail"}]}]
    client = anthropic.AsyncAnthropic(api_key="k", base_url=server.url, max_retries=0)

    async def usage(**params: Any) -> tuple[int, int, int]:
        params.setdefault("messages", messages)
        reply = await client.messages.create(model=MODEL, max_tokens=5, **params)
        u = reply.usage
        return u.input_tokens, u.cache_creation_input_tokens or 0, u.cache_read_input_tokens or 0

    total = 1 + _tokens(_dumps(tool)) + 10 + 10 + 3 + 10 + 1
    up_to_question = _tokens(_dumps(tool)) + 10 + 10 + 3 + 10
    assert await usage(tools=[tool], system=system) == (total - up_to_question, up_to_question, 0)
    assert await usage(tools=[tool], system=system) == (total - up_to_question, 0, up_to_question)
    # What follows the last mark may change: the prefix is still read.
    after: Any = [{"role": "user", "content": [question, {"type": "text", "text": "other"}]}]
    assert await usage(tools=[tool], system=system, messages=after) == (
        total - up_to_question + _tokens("other") - 1,
        0,
        up_to_question,
    )
    # What precedes it may not: a new prefix is written.
    assert await usage(tools=[tool], system=system[::-1]) == (
        total - up_to_question,
        up_to_question,
        0,
    )
    # Marked only on the tool: the tool alone is the prefix; unmarked: nothing is cached.
    plain: Any = [{"role": "user", "content": "Hello there"}]
    assert await usage(tools=[tool], messages=plain) == (1 + 3 + 3, _tokens(_dumps(tool)), 0)
    unmarked: Any = {"name": "f", "input_schema": {"type": "object"}}
    assert await usage(tools=[unmarked], messages=plain) == (
        1 + _tokens(_dumps(unmarked)) + 3 + 3,
        0,
        0,
    )
    await client.close()


async def test_a_stop_sequence_at_the_start_leaves_no_text_block(
    official: anthropic.AsyncAnthropic,
) -> None:
    # Two sequences at the same place: the first listed wins.
    for sequences, chosen in ((["You s", "You"], "You s"), (["You", "You s"], "You")):
        reply = await official.messages.create(
            model=MODEL, max_tokens=200, messages=USER, stop_sequences=sequences
        )
        assert reply.content == []
        assert (reply.stop_reason, reply.stop_sequence) == ("stop_sequence", chosen)
        assert reply.usage.output_tokens == 1
    events = _without_pings(await _events(official, max_tokens=200, stop_sequences=["You"]))
    assert [e["type"] for e in events] == ["message_start", "message_delta", "message_stop"]
    assert events[1]["usage"]["output_tokens"] == 1


async def test_thinking_with_one_token_and_a_zero_budget(
    official: anthropic.AsyncAnthropic,
) -> None:
    one = await official.messages.create(
        model=MODEL, max_tokens=1, thinking={"type": "adaptive"}, messages=USER
    )
    assert [b.type for b in one.content] == ["thinking"]
    assert one.content[0].thinking == "Let "  # type: ignore[union-attr]
    assert (one.stop_reason, one.usage.output_tokens) == ("max_tokens", 1)
    zero = await official.messages.create(
        model=MODEL,
        max_tokens=100,
        messages=USER,
        extra_body={"thinking": {"type": "adaptive", "budget_tokens": 0}},
    )
    assert len(zero.content[0].thinking.split(" ")) - 1 == 5 + 1  # type: ignore[union-attr]


def test_message_events_ping_every_fifty_events_by_default() -> None:
    words = [f"w{i}" for i in range(120)]
    message = Message(
        id="msg_1",
        type="message",
        role="assistant",
        content=[TextBlock(text=" ".join(words))],
        model=MODEL,
        stop_reason="end_turn",
        stop_sequence=None,
        usage=Usage(input_tokens=1, output_tokens=120),
    )
    events = message_events(message)
    pings = [i for i, event in enumerate(events) if event["type"] == "ping"]
    # One after message_start, then one before every fiftieth event after it.
    assert pings == [1, 51, 102]
    assert len(events) == 1 + 1 + 120 + 1 + 1 + 1 + len(pings)
    assert message_events(message, ping_every=0) == [e for e in events if e["type"] != "ping"]


def test_count_request_tokens_takes_a_body_the_api_would_refuse() -> None:
    # The public counter reads any body: a bare string in a content list is text, any
    # other value one token.
    body = {"messages": [{"role": "user", "content": ["abcdefghi", 5, None]}]}
    assert count_request_tokens(body) == 1 + 3 + 3 + 1 + 1


async def test_a_deferred_tool_is_searched_for_first_and_the_search_streams_its_input(
    official: anthropic.AsyncAnthropic,
) -> None:
    search: Any = {"type": "tool_search_tool_regex_20251119", "name": "tool_search_tool_regex"}
    deferred: Any = {**CITY, "defer_loading": True}
    params: dict[str, Any] = {
        "max_tokens": 300,
        "tools": [search, deferred],
        "messages": [{"role": "user", "content": "Weather in Oslo? use get_weather"}],
    }
    created = await official.messages.create(model=MODEL, **params)
    kinds = [b.type for b in created.content]
    assert kinds == ["text", "server_tool_use", "tool_search_tool_result", "tool_use"]
    use = created.content[1]
    name_key = f"{created.id}:get_weather".encode()
    assert use.id == "srvtoolu_" + hashlib.sha256(name_key).hexdigest()[:24]
    assert (use.name, use.input) == ("tool_search_tool_regex", {"pattern": "get_weather"})
    events = _without_pings(await _events(official, **params))
    start = next(e for e in events if e["type"] == "content_block_start" and e["index"] == 1)
    assert start["content_block"]["input"] == {}
    pieces = [d["partial_json"] for d in _deltas(events, 1)]
    encoded = json.dumps({"pattern": "get_weather"})
    assert pieces == [encoded[:13], encoded[13:]]  # 26 characters in 26 // 12 pieces
    assert _deltas(events, 2) == []


async def test_a_compaction_block_streams_whole_in_one_delta(
    server: FakeClaude, official: anthropic.AsyncAnthropic
) -> None:
    message = Message(
        id="msg_1",
        type="message",
        role="assistant",
        content=[BetaCompactionBlock(content="the gist", encrypted_content="sealed")],
        model=MODEL,
        stop_reason="end_turn",
        stop_sequence=None,
        usage=Usage(input_tokens=5, output_tokens=2),
    )
    server.script(message)
    events = _without_pings(await _events(official, beta=True, max_tokens=100))
    start = events[1]["content_block"]
    assert (start["type"], start["content"], start["encrypted_content"]) == (
        "compaction",
        None,
        "sealed",
    )
    assert _deltas(events, 0) == [
        {"type": "compaction_delta", "content": "the gist", "encrypted_content": "sealed"}
    ]


async def test_seed_zero_says_exactly_this(official: anthropic.AsyncAnthropic) -> None:
    # The words are FakeClaude's documented determinism: a change here changes every
    # recorded expectation downstream.
    reply = await official.messages.create(model=MODEL, max_tokens=200, messages=USER)
    assert reply.content[0].text == (  # type: ignore[union-attr]
        "You said: Hello there. concurrency concurrency a as fox arrives waiting naïve as on "
        "bound at a while 🎉 brown jumps it render nursery über and task every über carry "
        "task lazy its its bound scopes its task while lazy clients brown"
    )


async def test_the_stop_sequence_found_first_in_the_text_wins_in_either_order(
    official: anthropic.AsyncAnthropic,
) -> None:
    # "o" is at 1 and again later; "said" is at 4: "o" stops the text whichever is listed first.
    for sequences in (["said", "o"], ["o", "said"]):
        reply = await official.messages.create(
            model=MODEL, max_tokens=200, messages=USER, stop_sequences=sequences
        )
        assert (reply.stop_sequence, reply.content[0].text) == ("o", "Y")  # type: ignore[union-attr]


async def test_no_call_after_a_stop_sequence(official: anthropic.AsyncAnthropic) -> None:
    reply = await official.messages.create(
        model=MODEL,
        max_tokens=200,
        tools=[CITY],
        stop_sequences=["said"],
        messages=[{"role": "user", "content": "Weather in Paris? use the tool"}],
    )
    assert [b.type for b in reply.content] == ["text"]
    assert (reply.stop_reason, reply.usage.output_tokens) == ("stop_sequence", 1)


async def test_toolset_members_are_called_with_their_toolset_name(
    official: anthropic.AsyncAnthropic,
) -> None:
    reply = await official.messages.create(
        model=MODEL,
        max_tokens=200,
        tools=[{"type": "browser_toolset_20260801"}],
        messages=[{"role": "user", "content": "Use the browser to navigate, then screenshot"}],
    )
    calls = [
        (b["name"], b["toolset_name"], b["input"])
        for b in reply.model_dump(mode="json")["content"]
        if b["type"] == "tool_use"
    ]
    assert calls == [("navigate", "browser", {}), ("screenshot", "browser", {})]


async def test_the_cached_prefix_is_every_part_before_the_mark(server: FakeClaude) -> None:
    client = anthropic.AsyncAnthropic(api_key="k", base_url=server.url, max_retries=0)
    marked: Any = [{"type": "text", "text": "s" * 40, "cache_control": {"type": "ephemeral"}}]

    def schema(name: str) -> Any:
        properties = {name: {"type": "string"}}
        return {
            "format": {
                "type": "json_schema",
                "schema": {"type": "object", "properties": properties},
            }
        }

    async def cache(**params: Any) -> tuple[int, int]:
        params.setdefault("messages", USER)
        reply = await client.messages.create(model=MODEL, max_tokens=5, **params)
        return (
            reply.usage.cache_creation_input_tokens or 0,
            reply.usage.cache_read_input_tokens or 0,
        )

    # Another tool, or another output schema, before the mark: a new prefix.
    for name in ("a", "b"):
        tool = {"name": name, "input_schema": {"type": "object"}}
        created, read = await cache(tools=[tool], system=marked)
        assert (created > 0, read) == (True, 0)
        created, read = await cache(system=marked, extra_body={"output_config": schema(name)})
        assert (created > 0, read) == (True, 0)
    assert (await cache(system=marked, extra_body={"output_config": schema("b")}))[1] > 0
    # An output schema is not marked itself.
    assert await cache(extra_body={"output_config": schema("c")}) == (0, 0)
    # Turns of other roles with the same text before the mark: a new prefix.
    block: Any = {"type": "text", "text": "q" * 40, "cache_control": {"type": "ephemeral"}}
    for role in ("assistant", "system"):
        history: Any = [
            {"role": "user", "content": "Hello there"},
            {"role": role, "content": [block]},
            {"role": "user", "content": "Go on"},
        ]
        created, read = await cache(messages=history)
        assert (created > 0, read) == (True, 0)
    # Another block before the mark in the same message: a new prefix.
    for text in ("first", "other"):
        blocks: Any = [{"type": "text", "text": text}, block]
        created, read = await cache(messages=[{"role": "user", "content": blocks}])
        assert (created > 0, read) == (True, 0)
    await client.close()
