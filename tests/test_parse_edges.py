"""Structured outputs at their edges: schemas the official SDK's transform treats
specially, duck-typed models, the exact messages of refused output formats, the
mismatch error's status and detail (found unpinned by mutation testing,
docs/contributing.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import msgspec
import pytest
from anthropic.lib._parse._transform import transform_schema as official_transform_schema

from anyio_claude import APITimeoutError, AsyncClaude, OutputValidationError, Timeout
from anyio_claude._parse import output_format_param, transform_schema
from anyio_claude.testing import FakeClaude, Fault
from anyio_claude.types import Message, TextBlock, Usage

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "How warm is it?"}]
KEY = "sk-ant-parse-test"


class Temperature(msgspec.Struct):
    celsius: int


def reply(text: str) -> Message:
    return Message(
        id="msg_01",
        type="message",
        role="assistant",
        content=[TextBlock(text=text)],
        model=MODEL,
        stop_reason="end_turn",
        stop_sequence=None,
        usage=Usage(input_tokens=1, output_tokens=1),
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as server:
        yield server


@pytest.fixture
async def client(fake: FakeClaude) -> AsyncIterator[AsyncClaude]:
    async with AsyncClaude(api_key=KEY, base_url=fake.url) as c:
        yield c


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "enum": [{"a": 1}]},  # an enum of objects is not a literal
        {"type": "object", "properties": {}, "const": {"a": 1}},
        {"type": "object", "properties": {}, "additionalProperties": True},
        {"type": "array"},
        {"type": "array", "items": {"type": "string"}, "minItems": 0},
    ],
)
def test_transform_schema_matches_the_official_sdk_at_its_edges(schema: dict[str, Any]) -> None:
    assert transform_schema(schema) == official_transform_schema(schema)


def test_a_schema_without_a_type_says_what_it_needs() -> None:
    with pytest.raises(
        ValueError,
        match=r"^Schema must have a 'type', 'anyOf', 'oneOf', or 'allOf' field, or a 'const' "
        r"or non-empty 'enum' of strings, numbers, booleans, or null\.$",
    ):
        transform_schema({"description": "anything"})


def test_a_struct_s_schema_is_inlined_without_its_defs() -> None:
    schema = output_format_param(Temperature)["schema"]
    assert "$defs" not in schema and "$ref" not in schema
    assert schema["type"] == "object" and schema["required"] == ["celsius"]


def test_refused_output_formats_say_why() -> None:
    class Plain:
        pass

    with pytest.raises(
        TypeError,
        match=r"(?s)^output_format: cannot make a JSON schema of .*Plain.*; use a msgspec Struct, "
        r"a dataclass, a TypedDict or a pydantic model$",
    ):
        output_format_param(Plain)
    with pytest.raises(
        TypeError,
        match=r"^output_format must be a type; pass a schema dict as output_config="
        r"\{'format': \{'type': 'json_schema', 'schema': \.\.\.\}\} instead$",
    ):
        output_format_param({"type": "object"})


async def test_output_format_and_an_output_config_format_are_exclusive(
    client: AsyncClaude,
) -> None:
    with pytest.raises(
        ValueError,
        match=r"^output_format and output_config\['format'\] were both given; pass only one$",
    ):
        await client.messages.parse(
            model=MODEL,
            max_tokens=50,
            messages=USER,  # type: ignore[arg-type]
            output_format=Temperature,
            output_config={"format": {"type": "json_schema", "schema": {"type": "object"}}},
        )


async def test_a_duck_typed_model_is_described_and_validated_by_its_own_methods(
    client: AsyncClaude, fake: FakeClaude
) -> None:
    class Reading:
        """Not pydantic, not msgspec: a class with pydantic's two methods."""

        def __init__(self, celsius: int) -> None:
            self.celsius = celsius

        @classmethod
        def model_json_schema(cls) -> dict[str, Any]:
            return {"type": "object", "properties": {"celsius": {"type": "integer"}}}

        @classmethod
        def model_validate_json(cls, data: str | bytes) -> Reading:
            return cls(msgspec.json.decode(data)["celsius"] + 1000)

    fake.script(reply('{"celsius": 21}'))
    message = await client.messages.parse(
        model=MODEL,
        max_tokens=50,
        messages=USER,  # type: ignore[arg-type]
        output_format=Reading,
    )
    assert isinstance(message.parsed_output, Reading) and message.parsed_output.celsius == 1021
    sent = fake.requests[-1].json["output_config"]["format"]["schema"]
    assert sent == transform_schema(Reading.model_json_schema())


async def test_a_mismatch_is_a_200_error_naming_what_did_not_decode(
    client: AsyncClaude, fake: FakeClaude
) -> None:
    fake.script(reply('{"celsius": "warm"}'))
    with pytest.raises(OutputValidationError) as info:
        await client.messages.parse(
            model=MODEL,
            max_tokens=50,
            messages=USER,  # type: ignore[arg-type]
            output_format=Temperature,
        )
    error = info.value
    assert error.status_code == 200
    assert str(error).startswith(
        "the reply does not match Temperature (stop_reason='end_turn'): "
        "Expected `int`, got `str` - at `$.celsius`"
    )


async def test_a_union_output_format_is_named_in_a_mismatch(
    client: AsyncClaude, fake: FakeClaude
) -> None:
    fake.script(reply("[1]"))
    with pytest.raises(OutputValidationError, match=r"^the reply does not match int \| str "):
        await client.messages.parse(
            model=MODEL,
            max_tokens=50,
            messages=USER,  # type: ignore[arg-type]
            output_format=int | str,  # type: ignore[arg-type]
        )


async def test_a_structured_stream_keeps_its_retries_and_timeouts() -> None:
    faults = [Fault("overloaded", nth=1), Fault("stall", nth=3, after_events=2)]
    async with (
        FakeClaude(faults=faults) as fake,
        AsyncClaude(api_key=KEY, base_url=fake.url) as client,
    ):
        fake.script(reply('{"celsius": 21}'))
        async with client.messages.stream(
            model=MODEL,
            max_tokens=50,
            messages=USER,  # type: ignore[arg-type]
            output_format=Temperature,
        ) as stream:
            assert stream.retries_taken == 1
            assert (await stream.get_final_message()).parsed_output == Temperature(21)
        for timeout in (Timeout(60, stream_idle=0.3), Timeout(60, total=1.0)):
            fake.faults[1] = Fault("stall", after_events=2)
            with anyio.fail_after(20), pytest.raises(APITimeoutError):
                async with client.messages.stream(
                    model=MODEL,
                    max_tokens=50,
                    messages=USER,  # type: ignore[arg-type]
                    output_format=Temperature,
                    timeout=timeout,
                ) as stream:
                    await stream.get_final_message()
