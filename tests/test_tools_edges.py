"""`beta_tool` / `beta_async_tool` edges the mutation run of `_tools.py` found unpinned: the
schema built when the tool is made (tools made at import time were built before any
test ran), descriptions from the docstring next to those the annotations give, the
options of a context-manager tool, the arguments an `@asynccontextmanager` tool passes
on, and the exact messages of what is refused."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Annotated, Any, Literal

import msgspec
import pydantic
import pytest

from anyio_claude import beta_async_tool, beta_tool
from anyio_claude._tools import (
    BetaBuiltinFunctionTool,
    BetaFunctionTool,
    ToolError,
    _docstring,
    _pydantic_model,
)

from .test_tools import WEATHER_SCHEMA


def test_the_schema_is_the_parameters_object_without_its_internal_title() -> None:
    def get_weather(location: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
        """Lookup the weather for a given city.

        Args:
            location: The city and state, e.g. San Francisco, CA
            unit: Temperature unit
        """
        return json.dumps({"location": location, "unit": unit})

    # Made here, not at import: the mutation run judges only what runs inside a test.
    assert beta_tool(get_weather).input_schema == WEATHER_SCHEMA

    def nothing() -> str:
        return ""

    assert beta_tool(nothing).input_schema == {
        "type": "object",
        "properties": {},
        "required": [],
        "additionalProperties": False,
    }


def test_an_annotations_description_wins_and_undocumented_names_are_ignored() -> None:
    def search(
        query: Annotated[str, msgspec.Meta(description="From the annotation")],
        limit: int = 10,
    ) -> str:
        """Search.

        Args:
            query: From the docstring
            limit: How many
            ghost: A parameter the function does not have
        """
        return query

    properties = beta_tool(search).input_schema["properties"]
    assert properties == {
        "query": {"type": "string", "description": "From the annotation"},
        "limit": {"type": "integer", "default": 10, "description": "How many"},
    }


def test_keyword_arguments_without_an_input_schema_name_the_fix() -> None:
    def act(**options: int) -> str:
        return ""

    with pytest.raises(TypeError) as caught:
        beta_tool(act)
    assert str(caught.value) == (
        "tool function act: **options cannot be described by a JSON Schema; give the tool "
        "named parameters or an input_schema"
    )


class HalfModel:
    """Has pydantic's schema method but not its validation: not a pydantic model."""

    @classmethod
    def model_json_schema(cls) -> dict[str, Any]:
        return {"type": "object"}


class ValidateOnly:
    @classmethod
    def model_validate(cls, value: object) -> ValidateOnly:
        return cls()


def test_a_pydantic_model_needs_both_methods() -> None:
    assert not _pydantic_model(HalfModel)
    assert not _pydantic_model(ValidateOnly)
    assert not _pydantic_model(int)

    def half(thing: HalfModel) -> str:
        return ""

    with pytest.raises(TypeError, match="tool function half: "):
        beta_tool(half)


def test_a_type_without_a_conversion_is_not_converted() -> None:
    # An explicit schema lets the tool be made; the input still cannot become the type.
    def opaque(thing: HalfModel) -> str:
        return ""

    tool = beta_tool(opaque, input_schema={"type": "object"})
    with pytest.raises(NotImplementedError) as caught:
        tool.call({"thing": {}})
    assert str(caught.value) == f"cannot convert to {HalfModel!r}"


def test_a_context_manager_tool_takes_the_options() -> None:
    @contextlib.contextmanager
    def database() -> Iterator[Callable[[str], str]]:
        def query(sql: str) -> str:
            return sql

        yield query

    tool = beta_tool(database, name="sql", description="Run SQL", strict=True)
    assert (tool.name, tool.description, tool.to_dict()["strict"]) == ("sql", "Run SQL", True)
    assert tool.close is not None
    tool.close()


@pytest.mark.anyio
async def test_an_async_context_manager_tool_passes_positional_parameters() -> None:
    @contextlib.asynccontextmanager
    async def calculator() -> AsyncIterator[Callable[..., Awaitable[str]]]:
        """Divide numbers.

        Longer text.
        """

        async def divide(a: float, b: float, /, *, exact: bool = False) -> str:
            return str(a // b if exact else a / b)

        yield divide

    schema = {"type": "object", "properties": {"a": {}, "b": {}, "exact": {}}}
    tool = beta_async_tool(calculator, input_schema=schema)
    assert tool.name == "calculator"
    assert tool.description == "Divide numbers.\n\nLonger text."
    assert await tool.call({"a": 7, "b": 2}) == "3.5"
    assert await tool.call({"b": "2", "a": "7", "exact": True}) == "3.0"
    assert tool.close is not None
    await tool.close()  # type: ignore[misc]


def test_an_async_context_manager_tool_without_a_schema_says_why() -> None:
    @contextlib.asynccontextmanager
    async def session() -> AsyncIterator[Callable[..., Awaitable[str]]]:
        async def fetch(url: str) -> str:
            return url

        yield fetch

    with pytest.raises(TypeError) as caught:
        beta_async_tool(session)
    assert str(caught.value) == (
        "session: an @asynccontextmanager tool needs an explicit input_schema (its "
        "parameters are known only once it is entered)"
    )


class Inner(pydantic.BaseModel):
    x: int


class Outer(pydantic.BaseModel):
    inner: Inner


class Label(msgspec.Struct):
    text: str


class Request(msgspec.Struct):
    label: Label
    owner: Outer


def test_an_input_schema_type_brings_its_definitions() -> None:
    def fixed(x: int) -> str:
        return str(x)

    # A Struct naming another Struct and a pydantic model: the definitions of all three.
    schema = dict(beta_tool(fixed, input_schema=Request).input_schema)
    assert schema["properties"]["label"] == {"$ref": "#/$defs/Label"}
    assert schema["properties"]["owner"]["properties"] == {"inner": {"$ref": "#/$defs/Inner"}}
    assert set(schema["$defs"]) == {"Label", "Inner"}
    assert schema["$defs"]["Inner"]["properties"]["x"]["type"] == "integer"
    assert "$ref" not in schema and schema["required"] == ["label", "owner"]
    # A type whose schema has no definitions is that schema.
    assert beta_tool(fixed, input_schema=str).input_schema == {"type": "string"}
    with pytest.raises(TypeError) as caught:
        beta_tool(fixed, input_schema=3)  # type: ignore[call-overload]
    assert str(caught.value) == "input_schema must be a JSON Schema dict or a model type, not int"


def test_parameters_as_the_function_takes_them() -> None:
    # Unannotated: any value. A required keyword-only parameter after one with a default.
    def mixed(anything, flag: bool = False, *, level: int) -> str:  # type: ignore[no-untyped-def]
        return f"{anything!r} {flag} {level}"

    tool = beta_tool(mixed)
    assert tool.input_schema["properties"]["anything"] == {}
    assert tool.input_schema["required"] == ["anything", "level"]
    assert tool.call({"anything": [1, "a"], "level": "2"}) == "[1, 'a'] False 2"
    assert tool.call({"anything": None, "flag": True, "level": 0}) == "None True 0"


def test_star_args_are_refused_naming_the_fix() -> None:
    def spread(first: int, *rest: int) -> str:
        return ""

    with pytest.raises(TypeError) as caught:
        beta_tool(spread)
    assert str(caught.value) == (
        "tool function spread: *rest cannot be described by a JSON Schema; give the tool "
        "named parameters"
    )


@pytest.mark.anyio
async def test_an_async_tool_takes_the_options_in_both_forms() -> None:
    async def lookup(query: str) -> str:
        return query

    direct = beta_async_tool(lookup, name="search", description="Search it", strict=True)
    assert (direct.name, direct.description) == ("search", "Search it")
    assert direct.to_dict()["strict"] is True
    decorated = beta_async_tool(name="find")(lookup)
    assert decorated.name == "find" and await decorated.call({"query": "q"}) == "q"
    assert beta_tool(name="plain")(lambda: "").name == "plain"


def test_a_docstring_of_parameters_alone_gives_no_description() -> None:
    def lookup(query: str) -> str:
        """
        Args:
            query: What to look up
        """
        return query

    tool = beta_tool(lookup)
    assert tool.description == ""
    assert tool.input_schema["properties"]["query"]["description"] == "What to look up"


def test_docstrings_need_the_tools_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    def lookup(query: str) -> str:
        """Look it up."""
        return query

    # `_docstring` alone, as if docstring_parser were not installed.
    monkeypatch.setitem(sys.modules, "docstring_parser", None)
    with pytest.raises(ImportError) as caught:
        _docstring(lookup)
    assert str(caught.value) == (
        "beta_tool reads the function's docstring with docstring_parser: install the "
        "`tools` extra (pip install 'anyio-claude[tools]')"
    )
    assert _docstring(lambda: "") == ("", {})


def test_what_is_not_a_function_is_named() -> None:
    with pytest.raises(TypeError) as caught:
        BetaFunctionTool(42)  # type: ignore[type-var]
    assert str(caught.value) == "func must be a function, not int"


def test_a_tool_errors_message_names_blocks_without_text() -> None:
    error = ToolError([{"source": {}}, {"type": "image"}, {"type": "text", "text": 3}])
    assert str(error) == "[unknown] [image] 3"


class Declared(BetaBuiltinFunctionTool):
    def __init__(self, definition: dict[str, Any]) -> None:
        self.definition = definition

    def to_dict(self) -> dict[str, Any]:
        return self.definition

    def call(self, input: object) -> str:
        return ""


def test_a_builtin_tools_name_is_in_its_definition() -> None:
    assert Declared({"type": "memory_20250818", "name": "memory"}).name == "memory"
    mcp = {"type": "mcp_toolset", "mcp_server_name": "files", "name": "other"}
    assert Declared(mcp).name == "files"
    with pytest.raises(ValueError) as caught:
        _ = Declared({"type": "web_search_20250305"}).name
    assert str(caught.value) == "Tool of type 'web_search_20250305' does not have a name"


@pytest.mark.anyio
async def test_an_async_tool_passes_positional_parameters() -> None:
    @beta_async_tool
    async def divide(a: float, b: float, /, *, exact: bool = False) -> str:
        return str(a // b if exact else a / b)

    assert await divide.call({"a": 7, "b": 2}) == "3.5"
    assert await divide.call({"b": 2, "a": 7, "exact": True}) == "3.0"
