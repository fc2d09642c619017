"""Strings cut short in partial JSON: `parse_partial_json(..., trailing_strings=True)`
against jiter's `partial_mode="trailing-strings"` (what the official SDK parses with), a
beta stream's tool input under fine-grained tool streaming, and `TextEvent.parsed_snapshot()`,
each against the pinned official SDK."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import jiter
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typing_extensions import TypedDict

from anyio_claude import Anthropic, AsyncAnthropic
from anyio_claude.streaming import (
    MessageAccumulator,
    MessageStreamState,
    decode_event,
    parse_partial_json,
)
from anyio_claude.testing import FakeClaude

from ._events import delta, message_start, start, stop
from ._marks import official_generators_left_open

FINE_GRAINED = "fine-grained-tool-streaming-2025-05-14"
MODEL = "claude-sonnet-4-5"
START = message_start(MODEL)
END: list[dict[str, Any]] = [
    {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 9}},
    {"type": "message_stop"},
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


def jiter_trailing(text: str) -> Any:
    return jiter.from_json(text.encode(), partial_mode="trailing-strings")


@given(value=json_values, ensure_ascii=st.booleans())
def test_every_prefix_parses_as_jiter_keeps_trailing_strings(
    value: Any, ensure_ascii: bool
) -> None:
    text = json.dumps(value, ensure_ascii=ensure_ascii)
    for end in range(1, len(text) + 1):
        prefix = text[:end]
        try:
            expected = jiter_trailing(prefix)
        except ValueError:
            continue  # a bare number or literal cut short: nothing to compare
        assert parse_partial_json(prefix, trailing_strings=True) == expected, prefix


@pytest.mark.parametrize(
    "prefix",
    [
        '{"a": "x\\u12',  # \u with three digits of four
        '{"a": "x\\u',
        '{"a": "x\\ud83d',  # a high surrogate without its low half
        '{"a": "x\\ud83d\\',
        '{"a": "x\\ud83d\\ude',
        '{"a": "x\\ud83d\\ude00',  # both halves: one character
        '{"a": "x\\',  # a lone backslash
        '{"a": "x\\\\',  # an escaped backslash: kept
        '{"a": "x\\\\\\u0',  # an escaped backslash, then \u cut short
        '{"a": "x\\\\u12',  # a backslash, then the letters u12
        '{"a": "x\\n',
        '["a", "b',
        '{"k": "v", "k2',  # a key cut short: left out
        '{"k": "v", "k2": "',
        '"abc',
        '"',
    ],
)
def test_strings_cut_inside_an_escape_as_jiter(prefix: str) -> None:
    assert parse_partial_json(prefix, trailing_strings=True) == jiter_trailing(prefix)


def test_parsed_snapshot_says_when_the_text_holds_no_json() -> None:
    state = MessageStreamState()
    events = [state.feed(decode_event(json.dumps(e))) for e in text_stream(["Hello"])]
    text_event = next(e for batch in events for e in batch if e.type == "text")
    with pytest.raises(ValueError, match=r"^the text so far holds no JSON value$"):
        text_event.parsed_snapshot()


def test_without_trailing_strings_a_string_cut_short_is_left_out() -> None:
    assert parse_partial_json('{"a": 1, "b": "xy') == {"a": 1}
    # The stream helper's state and the accumulator leave it out unless asked.
    state = MessageStreamState()
    for event in tool_stream(PARTS[:1]):
        for derived in state.feed(decode_event(json.dumps(event))):
            if derived.type == "input_json":
                assert derived.snapshot == {}
                assert state.accumulator.snapshot.content[0].input == {}  # type: ignore[union-attr]
    accumulator = MessageAccumulator()
    for event in tool_stream(PARTS[:1]):
        accumulator.update(decode_event(json.dumps(event)))
    assert accumulator.snapshot.content[0].input == {}  # type: ignore[union-attr]
    assert parse_partial_json('{"a": 1, "b": "xy', trailing_strings=True) == {"a": 1, "b": "xy"}


def tool_stream(parts: list[str]) -> list[dict[str, Any]]:
    tool = {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {}}
    pieces = [delta(0, {"type": "input_json_delta", "partial_json": p}) for p in parts]
    return [START, start(0, tool), *pieces, stop(0), *END]


@given(value=st.dictionaries(st.text(max_size=3), json_values, max_size=3), data=st.data())
def test_any_chunking_of_tool_input_snapshots_as_jiter(
    value: dict[str, Any], data: st.DataObject
) -> None:
    text = json.dumps(value)
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(text) - 1)), max_size=6)))
    parts = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True) if a < b]
    acc = MessageAccumulator(trailing_strings=True)
    sent = ""
    for event in tool_stream(parts):
        acc.update(decode_event(json.dumps(event)))
        piece = event.get("delta", {})
        if piece.get("type") == "input_json_delta":
            sent += piece["partial_json"]
            assert acc.snapshot.content[0].input == jiter_trailing(sent)  # type: ignore[union-attr]
    assert acc.snapshot.content[0].input == value  # type: ignore[union-attr]


PARTS = ['{"city": "San Fr', 'ancisco", "units": "cel', 'sius", "days": [1, 2', "]}"]
TEXT_PARTS = ['{"name": "Ad', 'a", "langs": ["e', 'n", "fr"], "age": 3', "6}"]


def text_stream(parts: list[str]) -> list[dict[str, Any]]:
    pieces = [delta(0, {"type": "text_delta", "text": p}) for p in parts]
    return [START, start(0, {"type": "text", "text": ""}), *pieces, stop(0), *END]


ARGS: dict[str, Any] = {
    "model": MODEL,
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "hi"}],
}


async def tool_inputs(client: Any, beta: bool, options: dict[str, Any]) -> list[Any]:
    """Each `input_json` event's snapshot, with the message snapshot's input then."""
    messages = client.beta.messages if beta else client.messages
    async with client, messages.stream(**ARGS, **options) as stream:
        return [
            (e.snapshot, stream.current_message_snapshot.content[0].input)
            async for e in stream
            if e.type == "input_json"
        ]


class Weather(TypedDict):
    city: str


@official_generators_left_open
@pytest.mark.anyio
@pytest.mark.parametrize(
    ("beta", "options", "trailing"),
    [
        pytest.param(True, {"betas": [FINE_GRAINED]}, True, id="beta-fine-grained"),
        pytest.param(True, {"betas": ["other-2025-01-01", FINE_GRAINED]}, True, id="second-beta"),
        pytest.param(
            True, {"extra_headers": {"Anthropic-Beta": FINE_GRAINED}}, True, id="header-capitalised"
        ),
        pytest.param(True, {"betas": ["other-2025-01-01"]}, False, id="beta-without"),
        pytest.param(
            False, {"extra_headers": {"anthropic-beta": FINE_GRAINED}}, False, id="ga-header-only"
        ),
        pytest.param(
            True,
            {"betas": [FINE_GRAINED], "output_format": Weather},
            True,
            id="structured-output",
        ),
    ],
)
async def test_tool_input_snapshots_as_the_official_stream(
    beta: bool, options: dict[str, Any], trailing: bool
) -> None:
    async with FakeClaude() as server:
        server.script(tool_stream(PARTS), tool_stream(PARTS))
        official = await tool_inputs(
            anthropic.AsyncAnthropic(api_key="k", base_url=server.url, max_retries=0), beta, options
        )
        ours = await tool_inputs(
            AsyncAnthropic(api_key="k", base_url=server.url, max_retries=0), beta, options
        )
    assert ours == official
    assert ours[0][0] == ({"city": "San Fr"} if trailing else {})


async def parsed_texts(client: Any) -> list[Any]:
    """Each `text` event's `parsed_snapshot()`, or `ValueError` where it raised that."""

    def parsed(event: Any) -> Any:
        try:
            return event.parsed_snapshot()
        except ValueError:
            return ValueError

    async with client, client.messages.stream(**ARGS) as stream:
        return [parsed(e) async for e in stream if e.type == "text"]


@official_generators_left_open
@pytest.mark.anyio
@pytest.mark.parametrize(
    "parts",
    [TEXT_PARTS, ["Hello", " there"], ['{"a": "\\q', "x"]],
    ids=["json", "prose", "bad-escape"],
)
async def test_parsed_snapshot_as_the_official_text_event(parts: list[str]) -> None:
    async with FakeClaude() as server:
        server.script(text_stream(parts), text_stream(parts))
        expected = await parsed_texts(
            anthropic.AsyncAnthropic(api_key="k", base_url=server.url, max_retries=0)
        )
        got = await parsed_texts(AsyncAnthropic(api_key="k", base_url=server.url, max_retries=0))
    assert got == expected
    assert len(got) == len(parts)


def test_the_blocking_beta_stream_keeps_trailing_strings_too() -> None:
    with (
        FakeClaude.run_in_thread() as server,
        Anthropic(api_key="k", base_url=server.url, max_retries=0) as client,
    ):
        server.script(tool_stream(PARTS))
        with client.beta.messages.stream(betas=[FINE_GRAINED], **ARGS) as stream:
            snapshots = [e.snapshot for e in stream if e.type == "input_json"]
    assert snapshots[:2] == [{"city": "San Fr"}, {"city": "San Francisco", "units": "cel"}]
