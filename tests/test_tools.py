"""`beta_tool` / `beta_async_tool`: the schema from the signature and docstring, input
validated and converted before the call, and the official SDK's names and import paths."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Annotated, Any, Literal, TypedDict

import anthropic
import anyio
import msgspec
import pydantic
import pytest

import anyio_claude
from anyio_claude import beta_async_tool, beta_tool
from anyio_claude.lib.tools import (
    BetaAsyncFunctionTool,
    BetaFunctionTool,
    ToolError,
)


@beta_tool
def get_weather(location: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    """Lookup the weather for a given city in either celsius or fahrenheit

    Args:
        location: The city and state, e.g. San Francisco, CA
        unit: Temperature unit
    Returns:
        A dictionary containing the location, temperature, and weather condition.
    """
    return json.dumps({"location": location, "temperature": "68°F", "unit": unit})


# The official docs' weather tool's schema (also made inside a test in test_tools_edges.py).
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {
        "location": {
            "type": "string",
            "description": "The city and state, e.g. San Francisco, CA",
        },
        "unit": {
            "enum": ["celsius", "fahrenheit"],
            "default": "celsius",
            "description": "Temperature unit",
        },
    },
    "required": ["location"],
    "additionalProperties": False,
}


def test_the_official_weather_example() -> None:
    assert isinstance(get_weather, BetaFunctionTool)
    assert get_weather.to_dict() == {
        "name": "get_weather",
        "description": "Lookup the weather for a given city in either celsius or fahrenheit",
        "input_schema": WEATHER_SCHEMA,
    }
    assert json.loads(str(get_weather.call({"location": "Paris"})))["location"] == "Paris"
    # Calling the tool calls the function itself.
    assert json.loads(get_weather("Rome", "fahrenheit"))["unit"] == "fahrenheit"


def _normalised(schema: Any) -> Any:
    """A schema without pydantic's titles and the `type` it adds beside an `enum`, which
    say nothing more."""
    if isinstance(schema, dict):
        out = {k: _normalised(v) for k, v in schema.items() if k != "title"}
        if "enum" in out:
            out.pop("type", None)
        return out
    if isinstance(schema, list):
        return [_normalised(v) for v in schema]
    return schema


def _signatures() -> list[Any]:
    def plain(a: int, b: str = "x", c: float = 1.5, d: bool = False) -> str:
        """Add things.

        A longer text.

        Args:
            a: the first
            b: the second
        """
        return ""

    def numpy_style(count: int, names: list[str]) -> str:
        """Count names.

        Parameters
        ----------
        count : int
            How many.
        names : list of str
            Who.
        """
        return ""

    def sphinx_style(path: str, depth: int | None = None) -> str:
        """Walk a tree.

        :param path: where to start
        :param depth: how deep
        """
        return ""

    def undocumented(x: Literal[1, 2, 3], tags: dict[str, int]) -> str:
        return ""

    return [plain, numpy_style, sphinx_style, undocumented]


@pytest.mark.parametrize("func", _signatures(), ids=lambda f: f.__name__)
def test_same_definition_as_the_official_sdk(func: Any) -> None:
    ours = beta_tool(func).to_dict()
    theirs: Any = anthropic.beta_tool(func).to_dict()
    assert ours["name"] == theirs["name"]
    assert ours.get("description") == theirs["description"]
    assert _normalised(ours["input_schema"]) == _normalised(theirs["input_schema"])


def test_decorator_forms_and_options() -> None:
    def lookup(query: str) -> str:
        """Look something up."""
        return query

    assert beta_tool(lookup).name == "lookup"
    named = beta_tool(name="search", description="Search it")(lookup)
    assert (named.name, named.description) == ("search", "Search it")
    options = beta_tool(
        lookup,
        defer_loading=True,
        cache_control={"type": "ephemeral"},
        allowed_callers=["direct"],
        eager_input_streaming=True,
        input_examples=[{"query": "cats"}],
        strict=True,
    ).to_dict()
    assert options == {
        **beta_tool(lookup).to_dict(),
        "defer_loading": True,
        "cache_control": {"type": "ephemeral"},
        "allowed_callers": ["direct"],
        "eager_input_streaming": True,
        "input_examples": [{"query": "cats"}],
        "strict": True,
    }
    assert anyio_claude.beta_tool is beta_tool
    assert "BetaFunctionTool(name='lookup'" in repr(beta_tool(lookup))


class Point(TypedDict):
    x: int
    y: int


@dataclasses.dataclass
class Box:
    width: float
    height: float


class Colour(msgspec.Struct):
    name: str
    hex: str = "#000000"


class Owner(pydantic.BaseModel):
    name: str
    age: int = pydantic.Field(ge=0)


def test_typed_parameters_are_described_and_converted() -> None:
    seen: dict[str, Any] = {}

    @beta_tool
    def draw(
        at: Point,
        box: Box,
        colour: Colour,
        owner: Owner,
        size: Annotated[int, msgspec.Meta(ge=1, le=10, description="How big")] = 1,
        mode: Literal["fill", "stroke"] = "fill",
    ) -> str:
        """Draw a box."""
        seen.update(at=at, box=box, colour=colour, owner=owner, size=size, mode=mode)
        return "drawn"

    schema = dict(draw.input_schema)
    assert set(schema["$defs"]) == {"Point", "Box", "Colour"}
    props = schema["properties"]
    assert props["size"] == {
        "description": "How big",
        "type": "integer",
        "minimum": 1,
        "maximum": 10,
        "default": 1,
    }
    # A pydantic model's own schema, inlined.
    assert props["owner"]["properties"]["age"]["minimum"] == 0
    assert schema["required"] == ["at", "box", "colour", "owner"]

    result = draw.call(
        {
            "at": {"x": 1, "y": "2"},
            "box": {"width": 2, "height": 3.5},
            "colour": {"name": "red"},
            "owner": {"name": "Ada", "age": 36},
            "size": "3",
        }
    )
    assert result == "drawn"
    assert seen["at"] == {"x": 1, "y": 2}
    assert seen["box"] == Box(2.0, 3.5)
    assert seen["colour"] == Colour("red")
    assert seen["owner"] == Owner(name="Ada", age=36)
    assert (seen["size"], seen["mode"]) == (3, "fill")

    with pytest.raises(ValueError, match=r"Invalid arguments for function draw: .*\$\.size"):
        draw.call({**_draw_input(), "size": 11})
    with pytest.raises(ValueError, match="Invalid arguments for function draw"):
        draw.call({**_draw_input(), "owner": {"name": "Ada", "age": -1}})


def _draw_input() -> dict[str, Any]:
    return {
        "at": {"x": 1, "y": 2},
        "box": {"width": 1, "height": 1},
        "colour": {"name": "red"},
        "owner": {"name": "Ada", "age": 1},
    }


def test_input_is_checked_before_the_call() -> None:
    calls: list[object] = []

    @beta_tool
    def record(n: int, label: str = "") -> str:
        calls.append((n, label))
        return "ok"

    with pytest.raises(ValueError, match=r"Expected `int`, got `str` - at `\$\.n`"):
        record.call({"n": "many"})
    with pytest.raises(ValueError, match="unknown field `extra`"):
        record.call({"n": 1, "extra": True})
    with pytest.raises(ValueError, match="missing required field `n`"):
        record.call({})
    with pytest.raises(TypeError, match="Input must be a dictionary, got list"):
        record.call([1])
    assert calls == []
    assert record.call({"n": "7"}) == "ok"
    assert calls == [(7, "")]


def test_positional_only_parameters() -> None:
    @beta_tool
    def divide(a: float, b: float, /, *, exact: bool = False) -> str:
        return str(a / b if not exact else a // b)

    assert divide.call({"a": 7, "b": 2}) == "3.5"
    assert divide.call({"b": 2, "a": 7, "exact": True}) == "3.0"


def test_functions_without_a_schema_are_refused() -> None:
    def spread(*args: int) -> str:
        return ""

    def keywords(**kwargs: int) -> str:
        return ""

    def opaque(thing: Opaque) -> str:
        return ""

    with pytest.raises(TypeError, match=r"spread: \*args"):
        beta_tool(spread)
    with pytest.raises(TypeError, match=r"keywords: \*\*kwargs .* or an input_schema"):
        beta_tool(keywords)
    with pytest.raises(TypeError, match=r"(?s)tool function opaque: .*Opaque"):
        beta_tool(opaque)

    def unresolved(x: NoSuchType) -> str:  # type: ignore[name-defined]  # noqa: F821
        return ""

    with pytest.raises(TypeError, match="tool function unresolved: name 'NoSuchType'"):
        beta_tool(unresolved)
    with pytest.raises(TypeError, match="func must be a function"):
        BetaFunctionTool(42)  # type: ignore[type-var]


class Opaque:
    pass


def test_explicit_input_schema() -> None:
    def act(**kwargs: Any) -> str:
        return ""

    def fixed(x: int) -> str:
        return str(x)

    raw = {"type": "object", "properties": {"q": {"type": "string"}}}
    assert beta_tool(fixed, input_schema=raw).input_schema == raw
    assert beta_tool(fixed, input_schema=Owner).input_schema == Owner.model_json_schema()
    colour = beta_tool(fixed, input_schema=Colour).input_schema
    assert colour["properties"]["hex"] == {"type": "string", "default": "#000000"}
    assert "$ref" not in colour
    with pytest.raises(TypeError, match="input_schema must be a JSON Schema dict"):
        beta_tool(fixed, input_schema=3)  # type: ignore[call-overload]
    # An explicit schema describes `**kwargs`, which then take the input as it is.
    passthrough = beta_tool(act, input_schema=raw)
    assert passthrough.input_schema == raw

    def mixed(q: int, **rest: Any) -> str:
        return f"{q!r} {rest}"

    assert beta_tool(mixed, input_schema=raw).call({"q": "2", "x": [1]}) == "2 {'x': [1]}"


@pytest.mark.anyio
async def test_async_tool() -> None:
    @beta_async_tool
    async def fetch(url: str, retries: int = 0) -> str:
        """Fetch a page.

        Args:
            url: The address
        """
        return f"{url} {retries}"

    assert isinstance(fetch, BetaAsyncFunctionTool)
    assert fetch.input_schema["properties"]["url"]["description"] == "The address"
    assert await fetch.call({"url": "u", "retries": "2"}) == "u 2"
    with pytest.raises(ValueError, match="Invalid arguments for function fetch"):
        await fetch.call({"url": 3})
    assert await fetch("v") == "v 0"


def test_a_context_manager_tool() -> None:
    events: list[str] = []

    @beta_tool
    @contextlib.contextmanager
    def database() -> Iterator[Callable[[str], str]]:
        events.append("open")

        def query(sql: str) -> str:
            """Run a query.

            Args:
                sql: The statement
            """
            return f"rows of {sql}"

        yield query
        events.append("closed")

    # Entered when it is made; the schema is the yielded function's.
    assert events == ["open"]
    assert database.name == "query"
    assert database.input_schema["properties"]["sql"]["description"] == "The statement"
    assert database.call({"sql": "select 1"}) == "rows of select 1"
    assert database.close is not None
    database.close()
    assert events == ["open", "closed"]
    # A plain tool has nothing to close.
    assert get_weather.close is None


@pytest.mark.anyio
async def test_an_async_context_manager_tool() -> None:
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def session() -> AsyncIterator[Callable[..., Awaitable[str]]]:
        events.append("open")
        await anyio.sleep(0.01)

        async def fetch(url: str, retries: int = 0) -> str:
            return f"{url} {retries}"

        yield fetch
        events.append("closed")

    schema = {"type": "object", "properties": {"url": {"type": "string"}}}
    with pytest.raises(TypeError, match="needs an explicit input_schema"):
        beta_async_tool(session)
    tool = beta_async_tool(session, name="fetch", input_schema=schema)
    assert isinstance(tool, BetaAsyncFunctionTool) and events == []
    # Entered once, on the first call, however many calls come at once.
    results: list[str] = []
    async with anyio.create_task_group() as group:
        for url in ("a", "b", "c"):
            group.start_soon(lambda u: _append(results, tool.call({"url": u, "retries": "1"})), url)
    assert sorted(results) == ["a 1", "b 1", "c 1"] and events == ["open"]
    with pytest.raises(ValueError, match="Invalid arguments"):
        await tool.call({"url": 3})
    assert tool.close is not None
    await tool.close()  # type: ignore[misc]
    assert events == ["open", "closed"]


async def _append(results: list[str], result: Awaitable[object]) -> None:
    results.append(str(await result))


def test_context_managers_of_the_other_kind_are_refused() -> None:
    @contextlib.contextmanager
    def blocking() -> Iterator[Callable[[], str]]:
        yield lambda: ""

    @contextlib.asynccontextmanager
    async def asynchronous() -> AsyncIterator[Callable[[], Awaitable[str]]]:
        async def f() -> str:
            return ""

        yield f

    with pytest.raises(TypeError, match="is not a coroutine function: use beta_tool"):
        beta_async_tool(blocking)  # type: ignore[type-var]
    with pytest.raises(TypeError, match="use beta_async_tool"):
        beta_tool(asynchronous)  # type: ignore[type-var]


def test_sync_and_async_tools_are_not_mixed_up() -> None:
    async def coroutine_function(x: int) -> str:
        return ""

    def plain_function(x: int) -> str:
        return ""

    with pytest.raises(TypeError, match="coroutine_function is a coroutine function"):
        beta_tool(coroutine_function)  # type: ignore[type-var]
    with pytest.raises(TypeError, match="plain_function is not a coroutine function"):
        beta_async_tool(plain_function)  # type: ignore[type-var]


def test_tool_error_keeps_its_content() -> None:
    blocks = [
        {"type": "text", "text": "Error details here"},
        {"type": "image", "source": {"type": "base64", "data": "...", "media_type": "image/png"}},
    ]
    error = ToolError(blocks)
    assert error.content == blocks
    assert str(error) == "Error details here [image]"
    assert str(ToolError("plain")) == "plain"
    assert ToolError("plain").content == "plain"
    assert str(ToolError([])) == "Tool error"


class Inner(pydantic.BaseModel):
    x: int


class Outer(pydantic.BaseModel):
    inner: Inner


def test_nested_pydantic_definitions_join_the_schema() -> None:
    @beta_tool
    def wrap(outer: Outer) -> str:
        return repr(outer)

    schema = wrap.input_schema
    assert schema["properties"]["outer"]["properties"]["inner"] == {"$ref": "#/$defs/Inner"}
    assert schema["$defs"]["Inner"]["properties"]["x"]["type"] == "integer"
    assert wrap.call({"outer": {"inner": {"x": "2"}}}) == "Outer(inner=Inner(x=2))"
