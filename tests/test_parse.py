"""Structured outputs: `messages.parse(...)` and `messages.stream(..., output_format=...)`."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal, TypedDict

import anthropic
import msgspec
import pydantic
import pytest
from anthropic.lib._parse._transform import transform_schema as official_transform_schema

from anyio_claude import (
    APIResponseValidationError,
    AsyncClaude,
    AsyncParsedMessageStream,
    Claude,
    ClaudeError,
    OutputValidationError,
    transform_schema,
)
from anyio_claude._parse import output_format_param
from anyio_claude.testing import FakeClaude
from anyio_claude.types import Message, ParsedMessage, ParsedTextBlock, TextBlock, Usage

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "What is the weather in Paris?"}]
KEY = "sk-ant-parse-test"


class Unit(enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Reading(msgspec.Struct):
    hour: int
    temperature: float


class Weather(msgspec.Struct):
    location: str
    unit: Unit
    sunny: bool
    readings: list[Reading]
    kind: Literal["forecast", "report"]
    observed: datetime.date
    note: str | None = None


class Tree(msgspec.Struct):
    name: str
    children: list[Tree]


@dataclasses.dataclass
class Person:
    name: str
    age: int
    emails: list[str]


class Movie(TypedDict):
    title: str
    year: int
    genres: list[str]


class Pet(pydantic.BaseModel):
    name: str
    species: Literal["cat", "dog"]
    vaccinated: bool
    owner: str | None = None


class PetList(pydantic.BaseModel):
    pets: list[Pet]


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


@pytest.fixture
async def client(server: FakeClaude) -> AsyncIterator[AsyncClaude]:
    async with AsyncClaude(api_key=KEY, base_url=server.url) as c:
        yield c
    assert c._transport is None or c._transport.num_connections == 0


def _reply(text: str, stop_reason: str = "end_turn") -> Message:
    return Message(
        id="msg_01scripted",
        type="message",
        role="assistant",
        content=[TextBlock(text=text)],
        model=MODEL,
        stop_reason=stop_reason,
        stop_sequence=None,
        usage=Usage(input_tokens=5, output_tokens=5),
    )


# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("output_format", [Weather, Tree, Person, Movie, Pet, PetList])
async def test_parse_round_trip(
    client: AsyncClaude, server: FakeClaude, output_format: type[Any]
) -> None:
    message = await client.messages.parse(
        model=MODEL, max_tokens=2000, messages=USER, output_format=output_format
    )
    assert isinstance(message, ParsedMessage)
    block = message.content[0]
    assert isinstance(block, ParsedTextBlock) and isinstance(block, TextBlock)
    # The text is JSON the type decodes; parsed_output is that decoded value.
    expected = json.loads(block.text)
    assert message.parsed_output is block.parsed_output
    parsed = message.parsed_output
    if output_format is Movie:
        assert parsed == expected
    elif output_format in (Pet, PetList):
        assert isinstance(parsed, output_format)
        assert parsed.model_dump(mode="json") == expected
    else:
        assert isinstance(parsed, output_format)
        assert msgspec.to_builtins(parsed) == {k: v for k, v in expected.items()}
    sent = server.requests[-1]
    assert sent.json["output_config"]["format"]["type"] == "json_schema"
    assert sent.json["output_config"]["format"]["schema"]["additionalProperties"] is False
    assert sent.headers["x-stainless-helper"] == "messages.parse"
    assert message._request_id is not None
    # parsed_output stays out of what is sent back to the API.
    assert "parsed_output" not in message.to_json()
    assert message.to_param()["content"][0] == block


async def test_parse_sends_msgspec_schema_transformed_like_the_official_sdk(
    client: AsyncClaude, server: FakeClaude
) -> None:
    await client.messages.parse(
        model=MODEL,
        max_tokens=2000,
        messages=USER,
        output_format=Weather,
        output_config={"effort": "low"},
    )
    sent = server.requests[-1].json["output_config"]
    assert sent["effort"] == "low"
    schema = sent["format"]["schema"]
    assert schema["title"] == "Weather" and schema["type"] == "object"
    assert schema["required"] == ["location", "unit", "sunny", "readings", "kind", "observed"]
    assert schema["properties"]["readings"]["items"] == {"$ref": "#/$defs/Reading"}
    assert schema["properties"]["observed"] == {"type": "string", "format": "date"}
    assert "Weather" not in schema["$defs"]
    official = official_transform_schema(msgspec.json.schema(Weather))["$defs"]
    assert {"Weather": official.pop("Weather"), **schema["$defs"]} == {
        "Weather": {k: v for k, v in schema.items() if k != "$defs"},
        **official,
    }


async def test_parse_of_a_pydantic_model_sends_the_official_sdks_schema(
    client: AsyncClaude, server: FakeClaude
) -> None:
    await client.messages.parse(model=MODEL, max_tokens=500, messages=USER, output_format=Pet)
    ours = server.requests[-1]
    async with anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url) as official:
        official_message = await official.messages.parse(
            model=MODEL, max_tokens=500, messages=USER, output_format=Pet
        )
    theirs = server.requests[-1]
    assert ours.json == theirs.json
    assert ours.headers["x-stainless-helper"] == theirs.headers["x-stainless-helper"]
    assert isinstance(official_message.parsed_output, Pet)


async def test_types_only_pydantic_understands_go_through_its_type_adapter(
    client: AsyncClaude, server: FakeClaude
) -> None:
    message = await client.messages.parse(
        model=MODEL, max_tokens=2000, messages=USER, output_format=list[Pet]
    )
    assert message.parsed_output and all(isinstance(p, Pet) for p in message.parsed_output)
    schema = server.requests[-1].json["output_config"]["format"]["schema"]
    assert schema == transform_schema(pydantic.TypeAdapter(list[Pet]).json_schema())


async def test_parse_without_output_format_keeps_the_text(
    client: AsyncClaude, server: FakeClaude
) -> None:
    """Its text blocks are `ParsedTextBlock`s with no `parsed_output`, as the official
    SDK's (so a block's `parsed_output` is there whether or not a format was given)."""
    official = anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url)
    theirs = await official.messages.parse(model=MODEL, max_tokens=100, messages=USER)
    await official.close()
    for message in (
        await client.messages.parse(model=MODEL, max_tokens=100, messages=USER),
        await client.beta.messages.parse(model=MODEL, max_tokens=100, messages=USER),
    ):
        assert message.parsed_output is None is theirs.parsed_output
        block = message.content[0]
        assert isinstance(block, ParsedTextBlock) and block.parsed_output is None
        assert block.text == theirs.content[0].text  # type: ignore[union-attr]
        assert block.to_dict() == theirs.content[0].to_dict()


async def test_stream_with_output_format_parses_the_final_message(
    client: AsyncClaude, server: FakeClaude
) -> None:
    async with client.messages.stream(
        model=MODEL, max_tokens=2000, messages=USER, output_format=Weather
    ) as stream:
        assert isinstance(stream, AsyncParsedMessageStream)
        text = "".join([piece async for piece in stream.text_stream])
        message = await stream.get_final_message()
        assert await stream.get_final_text() == text  # the parsed blocks are text blocks
    assert isinstance(message.parsed_output, Weather)
    assert message.parsed_output == msgspec.json.decode(text, type=Weather)
    assert message._request_id == stream.request_id
    assert server.requests[-1].json["output_config"]["format"]["schema"]["title"] == "Weather"


async def test_count_tokens_counts_the_output_schema(
    client: AsyncClaude, server: FakeClaude
) -> None:
    plain = await client.messages.count_tokens(model=MODEL, messages=USER)
    shaped = await client.messages.count_tokens(model=MODEL, messages=USER, output_format=Weather)
    assert shaped.input_tokens > plain.input_tokens
    assert server.requests[-1].json["output_config"]["format"]["type"] == "json_schema"


# ------------------------------------------------------------------ mismatches


@pytest.mark.parametrize(
    "text", ['{"location": "Paris"}', "It is sunny in Paris.", '{"location": "Paris",']
)
async def test_a_reply_that_does_not_match_raises_a_typed_error(
    client: AsyncClaude, server: FakeClaude, text: str
) -> None:
    server.script(_reply(text))
    with pytest.raises(OutputValidationError) as info:
        await client.messages.parse(
            model=MODEL, max_tokens=500, messages=USER, output_format=Weather
        )
    error = info.value
    assert isinstance(error, APIResponseValidationError) and isinstance(error, ClaudeError)
    assert error.text == text and error.body == text
    assert error.output_format is Weather
    assert error.request_id is not None and error.request_id.startswith("req_")
    assert error.partial_message is not None and error.partial_message.id == "msg_01scripted"
    assert "Weather" in str(error) and error.request_id in str(error)


async def test_a_reply_cut_short_says_why(client: AsyncClaude) -> None:
    with pytest.raises(OutputValidationError, match="max_tokens"):
        await client.messages.parse(model=MODEL, max_tokens=3, messages=USER, output_format=Weather)


async def test_a_streamed_mismatch_raises_after_the_stream_completes(
    client: AsyncClaude, server: FakeClaude
) -> None:
    server.script(_reply("not json"))
    async with client.messages.stream(
        model=MODEL, max_tokens=500, messages=USER, output_format=Person
    ) as stream:
        with pytest.raises(OutputValidationError) as info:
            await stream.get_final_message()
        assert stream.current_message_snapshot.content[0].text == "not json"  # type: ignore[union-attr]
    assert info.value.request_id == stream.request_id
    assert info.value.text == "not json"


# ------------------------------------------------------------------ bad output formats


@pytest.mark.parametrize(
    ("output_format", "match"),
    [
        ({"type": "object"}, "output_config"),
        (object(), "output_format"),
        ([1, 2], "output_format"),
        (type("Plain", (), {}), "output_format"),
    ],
)
async def test_a_bad_output_format_fails_before_any_request(
    client: AsyncClaude, server: FakeClaude, output_format: Any, match: str
) -> None:
    with pytest.raises(TypeError, match=match):
        await client.messages.parse(
            model=MODEL, max_tokens=100, messages=USER, output_format=output_format
        )
    with pytest.raises(TypeError, match=match):
        async with client.messages.stream(
            model=MODEL, max_tokens=100, messages=USER, output_format=output_format
        ):
            pass
    assert server.requests == []


class Loose(msgspec.Struct):
    anything: Any


async def test_a_type_whose_schema_the_api_cannot_take_fails_before_any_request(
    client: AsyncClaude, server: FakeClaude
) -> None:
    with pytest.raises(ValueError, match="output_format Loose: Schema must have a 'type'"):
        await client.messages.parse(model=MODEL, max_tokens=100, messages=USER, output_format=Loose)
    assert server.requests == []


async def test_output_format_and_output_config_format_conflict(
    client: AsyncClaude, server: FakeClaude
) -> None:
    config = {"format": {"type": "json_schema", "schema": {"type": "object"}}}
    with pytest.raises(ValueError, match="output_format"):
        await client.messages.parse(
            model=MODEL,
            max_tokens=100,
            messages=USER,
            output_format=Person,
            output_config=config,  # type: ignore[typeddict-item]
        )
    with pytest.raises(TypeError, match="parse"):
        await client.messages.create(
            model=MODEL,
            max_tokens=100,
            messages=USER,
            output_format=Person,  # type: ignore[call-overload]
        )
    assert server.requests == []


async def test_output_config_format_given_directly_gets_json_text(
    client: AsyncClaude,
) -> None:
    schema = transform_schema(msgspec.json.schema(Person))
    message = await client.messages.create(
        model=MODEL,
        max_tokens=500,
        messages=USER,
        output_config={"format": {"type": "json_schema", "schema": schema}},
    )
    assert isinstance(message.content[0], TextBlock)
    assert isinstance(msgspec.json.decode(message.content[0].text, type=Person), Person)


class Event(msgspec.Struct):
    id: uuid.UUID
    at: datetime.datetime
    contact: str
    kind: Literal["meeting"]
    size: int
    place: Reading | None
    tags: list[str]


async def test_fake_claude_answers_hand_written_schemas_with_valid_json(
    client: AsyncClaude,
) -> None:
    schema = {
        "type": "object",
        "allOf": [
            {"$ref": "#/$defs/Base"},
            {"properties": {"contact": {"type": "string", "format": "email"}}},
        ],
        "properties": {
            "kind": {"const": "meeting"},
            "size": {"type": "integer", "minimum": 3, "maximum": 5},
            "place": {"oneOf": [{"$ref": "#/$defs/Reading"}, {"type": "null"}]},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
        },
        "$defs": {
            "Base": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "at": {"type": "string", "format": "date-time"},
                },
            },
            "Reading": msgspec.json.schema(Reading)["$defs"]["Reading"],
        },
    }
    message = await client.messages.create(
        model=MODEL,
        max_tokens=2000,
        messages=USER,
        output_config={"format": {"type": "json_schema", "schema": schema}},
    )
    assert isinstance(message.content[0], TextBlock)
    event = msgspec.json.decode(message.content[0].text, type=Event)
    assert event.kind == "meeting" and 3 <= event.size <= 5 and len(event.tags) == 2
    assert isinstance(event.place, Reading) and "@" in event.contact


# ------------------------------------------------------------------ the blocking client


@pytest.fixture
def fake_in_thread() -> Iterator[FakeClaude]:
    with FakeClaude.run_in_thread() as fake:
        yield fake


def test_the_blocking_client_parses(fake_in_thread: FakeClaude) -> None:
    with Claude(api_key=KEY, base_url=fake_in_thread.url) as client:
        message = client.messages.parse(
            model=MODEL, max_tokens=2000, messages=USER, output_format=Movie
        )
        assert set(message.parsed_output or {}) == {"title", "year", "genres"}
        with client.messages.stream(
            model=MODEL, max_tokens=2000, messages=USER, output_format=Person
        ) as stream:
            streamed = stream.get_final_message()
        assert isinstance(streamed, ParsedMessage)
        assert isinstance(streamed.parsed_output, Person)
        fake_in_thread.script(_reply("[]"))
        with pytest.raises(OutputValidationError):
            client.messages.parse(model=MODEL, max_tokens=100, messages=USER, output_format=Person)


# ------------------------------------------------------------------ the schema rules


SCHEMAS: list[Any] = [Weather, Tree, Person, Movie, Unit, list[Reading], int]


@pytest.mark.parametrize("tp", SCHEMAS, ids=lambda t: getattr(t, "__name__", repr(t)))
def test_transform_schema_matches_the_official_sdk_on_msgspec_schemas(tp: Any) -> None:
    schema = msgspec.json.schema(tp)
    assert transform_schema(schema) == official_transform_schema(schema)


@pytest.mark.parametrize(
    "schema",
    [
        Pet.model_json_schema(),
        {"type": "integer", "minimum": 1, "maximum": 10, "description": "A number"},
        {"type": "string", "format": "binary", "pattern": "^a"},
        {"type": "string", "format": "email"},
        {"type": "array", "items": {"type": "string"}, "minItems": 3},
        {"type": "array", "items": {"type": "string"}, "minItems": 1},
        {"oneOf": [{"type": "string"}, {"type": "null"}]},
        {"allOf": [{"$ref": "#/$defs/A"}], "$defs": {"A": {"type": "object"}}},
        {"const": "x"},
        {"enum": ["a", 1, None]},
    ],
)
def test_transform_schema_matches_the_official_sdk(schema: dict[str, Any]) -> None:
    assert transform_schema(schema) == official_transform_schema(schema)


def test_transform_schema_takes_a_pydantic_model_as_the_official_sdk_does() -> None:
    assert transform_schema(Pet) == official_transform_schema(Pet)
    first = transform_schema(Pet)
    first["properties"].clear()  # a fresh copy: the cached schema is not the caller's
    assert transform_schema(Pet) == official_transform_schema(Pet)
    assert transform_schema(Weather) == output_format_param(Weather)["schema"]
    with pytest.raises(TypeError, match="output_format"):
        transform_schema(3)  # type: ignore[arg-type]


def test_transform_schema_rejects_a_schema_without_a_type() -> None:
    with pytest.raises(ValueError, match="type"):
        transform_schema({"description": "anything"})


def test_a_parsed_reply_keeps_the_unknown_keys_of_the_message_and_its_blocks() -> None:
    from anyio_claude._parse import parse_message
    from anyio_claude.types import decode_message

    text = json.dumps({"hour": 3, "temperature": 11.5})
    data = {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "content": [
            {"type": "text", "text": text, "glow": 1},
            {"type": "text", "text": text},
        ],
        "model": MODEL,
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 7},
        "aura": {"new": True},
    }
    parsed = parse_message(decode_message(json.dumps(data)), Reading)
    assert parsed.parsed_output == Reading(hour=3, temperature=11.5)
    assert parsed["aura"] == {"new": True} and parsed.content[0]["glow"] == 1  # type: ignore[index]
    assert parsed.to_dict() == data
    assert json.loads(parsed.to_json()) == data


def test_parsed_message_content_is_typed_as_the_blocks_it_decodes() -> None:
    """`ParsedMessage.content` is `list[ParsedBetaContentBlock[T]]` for type checkers (a
    quoted alias, generated): its classes must be those `Message.content` decodes, with
    `ParsedTextBlock` for `TextBlock`, or a block type added to one would be mistyped."""
    import re
    import typing

    import anyio_claude.types as ours
    from anyio_claude.types import ContentBlock
    from anyio_claude.types.beta import parsed_beta_message

    alias = parsed_beta_message.ParsedBetaContentBlock
    assert isinstance(alias, str)
    names = set(re.findall(r"[A-Za-z]\w*", alias)) - {"ResponseFormatT"}
    named = {getattr(parsed_beta_message, n, None) or getattr(ours, n) for n in names}
    decoded = {ParsedTextBlock if b is TextBlock else b for b in typing.get_args(ContentBlock)}
    assert named == decoded


def test_message_parsed_output_is_the_first_text_blocks_even_if_falsy() -> None:
    # The official SDK's skips a falsy value (docs/structured-outputs.md says so); a
    # decoded `[]` or `0` is the answer here.
    from anyio_claude._parse import parse_message
    from anyio_claude.types import decode_message

    data = {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": "hm", "signature": "s"},
            {"type": "text", "text": "[]"},
            {"type": "text", "text": "[1]"},
        ],
        "model": MODEL,
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
    parsed = parse_message(decode_message(json.dumps(data)), list[int])
    assert parsed.parsed_output == [] and parsed.parsed_output is not None
    assert [getattr(b, "parsed_output", "-") for b in parsed.content] == ["-", [], [1]]
    data["content"] = [{"type": "thinking", "thinking": "hm", "signature": "s"}]
    assert parse_message(decode_message(json.dumps(data)), list[int]).parsed_output is None
