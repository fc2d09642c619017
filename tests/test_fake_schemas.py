"""FakeClaude rejects invalid JSON schemas wherever they nest: the random-body test found
500s where an output schema nested a null `minimum` under `anyOf`."""

from __future__ import annotations

import re
from typing import Any

import pytest

from anyio_claude import AsyncClaude, BadRequestError
from anyio_claude.testing import FakeClaude

pytestmark = pytest.mark.anyio


def with_size(size: Any) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "schema": {
            "type": "object",
            "properties": {"size": size},
            "required": ["size"],
            "additionalProperties": False,
        },
    }


@pytest.mark.parametrize(
    ("size", "where"),
    [
        ({"anyOf": [{"type": "integer", "minimum": None}, {"type": "null"}]}, "anyOf.0.minimum"),
        ({"oneOf": [{"type": "array", "minItems": -1}]}, "oneOf.0.minItems"),
        ({"allOf": [{"type": "nope"}]}, "allOf.0.type"),
        ({"$ref": "#/$defs/n", "$defs": {"n": {"type": "number", "maximum": "x"}}}, "$defs.n"),
    ],
)
async def test_nested_invalid_schema_is_a_400_naming_the_place(
    size: dict[str, Any], where: str
) -> None:
    async with FakeClaude() as fake, AsyncClaude(api_key="k", base_url=fake.url) as client:
        with pytest.raises(BadRequestError, match=re.escape(f"properties.size.{where}")):
            await client.messages.create(
                model="claude-sonnet-5-5",
                max_tokens=100,
                messages=[{"role": "user", "content": "hi"}],
                output_config={"format": with_size(size)},  # type: ignore[typeddict-item]
            )
