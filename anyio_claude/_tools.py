"""Function tools: `beta_tool` / `beta_async_tool` turn a function into a tool the model can
call, and the tool runner can run.

The tool's name is the function's, its description the docstring's text, and its
`input_schema` the JSON Schema of its parameters (msgspec writes it, so the parameter types
are those msgspec knows: builtins, `Literal`, `Annotated[..., msgspec.Meta(...)]`, Structs,
dataclasses, TypedDicts, enums, and pydantic models through their own schema). The
docstring's parameter descriptions (Google, NumPy, Sphinx or Epydoc style) are read with
`docstring_parser`, the `tools` extra. Input the model sends is validated and converted to
the annotated types before the function runs.
"""

from __future__ import annotations

import functools
import inspect
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    Generic,
    Protocol,
    TypeAlias,
    TypedDict,
    TypeVar,
    Union,
    cast,
    get_type_hints,
    overload,
    runtime_checkable,
)

import anyio
import msgspec

if TYPE_CHECKING:
    from collections.abc import Awaitable
    from contextlib import AbstractAsyncContextManager, AbstractContextManager

    from typing_extensions import Unpack

    from .types._params import (
        AllowedCaller,
        CacheControlEphemeralParam,
        ToolParam,
        ToolUnionParam,
    )

__all__ = (
    "BetaAsyncBuiltinFunctionTool",
    "BetaAsyncFunctionTool",
    "BetaAsyncRunnableTool",
    "BetaBuiltinFunctionTool",
    "BetaFunctionTool",
    "BetaFunctionToolResultType",
    "BetaRunnableTool",
    "BetaToolLike",
    "SupportsToDict",
    "ToolError",
    "beta_async_tool",
    "beta_tool",
)

BetaFunctionToolResultType: TypeAlias = Union[str, Iterable[Mapping[str, Any]]]
"""What a tool returns: a string, or content blocks (text, image, document, search result)."""


@runtime_checkable
class SupportsToDict(Protocol):
    """An object whose `to_dict()` is its entry in a request's `tools` (function tools,
    builtin tools, and anything else with such a `to_dict()`)."""

    def to_dict(self) -> Mapping[str, Any]: ...


BetaToolLike: TypeAlias = Union["ToolUnionParam", Mapping[str, Any], SupportsToDict]
"""A `tools` entry, or an object that gives one through `to_dict()`."""


class ToolError(Exception):
    """Raise it from a tool to answer the call with `content` and `is_error: true`.

    The runner sends `content` as it is (a string or content blocks), where any other
    exception is sent as its `repr`.
    """

    content: BetaFunctionToolResultType

    def __init__(self, content: BetaFunctionToolResultType) -> None:
        if isinstance(content, str):
            message = content
        else:
            content = list(content)
            parts = [
                str(block["text"]) if "text" in block else f"[{block.get('type', 'unknown')}]"
                for block in content
            ]
            message = " ".join(parts) or "Tool error"
        super().__init__(message)
        self.content = content


class _BuiltinTool(ABC):
    """What a builtin tool of either kind has: its definition, and the name in it."""

    @abstractmethod
    def to_dict(self) -> Mapping[str, Any]:
        """The tool's entry in the request's `tools`."""

    @property
    def name(self) -> str:
        """The name the model calls the tool by."""
        return _definition_name(self.to_dict())


class BetaBuiltinFunctionTool(_BuiltinTool):
    """A tool whose definition is the API's own (the memory tool, say) and whose calls run
    here: subclasses give `to_dict()` (the `tools` entry) and a blocking `call(input)`."""

    @abstractmethod
    def call(self, input: object) -> BetaFunctionToolResultType:
        """Run one call; what it returns (or raises) is the tool result."""


class BetaAsyncBuiltinFunctionTool(_BuiltinTool):
    """`BetaBuiltinFunctionTool` whose `call` is a coroutine."""

    @abstractmethod
    async def call(self, input: object) -> BetaFunctionToolResultType:
        """Run one call; what it returns (or raises) is the tool result."""


def _definition_name(raw: Mapping[str, Any]) -> str:
    if "mcp_server_name" in raw:
        return str(raw["mcp_server_name"])
    name = raw.get("name")
    if not isinstance(name, str):
        raise ValueError(f"Tool of type {raw.get('type')!r} does not have a name")
    return name


CallableT = TypeVar("CallableT", bound=Callable[..., Any])
Function = Callable[..., BetaFunctionToolResultType]
FunctionT = TypeVar("FunctionT", bound=Function)
AsyncFunction = Callable[..., Coroutine[Any, Any, BetaFunctionToolResultType]]
AsyncFunctionT = TypeVar("AsyncFunctionT", bound=AsyncFunction)

InputSchema: TypeAlias = Mapping[str, Any]

# The name of the Struct the parameters are gathered in: it never reaches the schema (its
# definition is inlined), and a user type cannot be called this.
_ARGUMENTS = "__tool_arguments__"


class _Parameters:
    """A function's parameters as one msgspec Struct: the schema, and the validation and
    conversion of an input into the call's arguments."""

    def __init__(self, func: Callable[..., Any], descriptions: Mapping[str, str]) -> None:
        signature = inspect.signature(func)
        try:
            hints = get_type_hints(func, include_extras=True)
        except NameError as exc:
            raise TypeError(f"tool function {func.__name__}: {exc}") from None
        fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
        self._positional: list[str] = []
        # `**kwargs` takes the input's other keys as they are; only an explicit
        # `input_schema` can describe them (`schema()` refuses to).
        self._var_keyword: str | None = None
        for name, parameter in signature.parameters.items():
            if parameter.kind is parameter.VAR_KEYWORD:
                self._var_keyword = name
                continue
            if parameter.kind is parameter.VAR_POSITIONAL:
                raise TypeError(
                    f"tool function {func.__name__}: *{name} cannot be described by a JSON "
                    "Schema; give the tool named parameters"
                )
            if parameter.kind is parameter.POSITIONAL_ONLY:
                self._positional.append(name)
            annotation = hints.get(name, Any)
            if parameter.default is parameter.empty:
                fields.append((name, annotation))
            else:
                fields.append((name, annotation, parameter.default))
        self._names = [field[0] for field in fields]
        self._struct = msgspec.defstruct(
            _ARGUMENTS, fields, kw_only=True, forbid_unknown_fields=self._var_keyword is None
        )
        self._descriptions = descriptions
        self._func_name = func.__name__

    def schema(self) -> dict[str, Any]:
        """The JSON Schema of the parameters: an object, with any nested definitions.

        Raises `TypeError` for a parameter that has none (`**kwargs`, an unknown type)."""
        if self._var_keyword is not None:
            raise TypeError(
                f"tool function {self._func_name}: **{self._var_keyword} cannot be described "
                "by a JSON Schema; give the tool named parameters or an input_schema"
            )
        foreign: dict[str, Any] = {}
        try:
            document = msgspec.json.schema(self._struct, schema_hook=_schema_hook(foreign))
        except TypeError as exc:
            raise TypeError(f"tool function {self._func_name}: {exc}") from None
        definitions: dict[str, Any] = {**document["$defs"], **foreign}
        schema: dict[str, Any] = definitions.pop(_ARGUMENTS)
        schema.pop("title", None)
        properties: dict[str, Any] = schema.get("properties", {})
        for name, description in self._descriptions.items():
            prop = properties.get(name)
            if isinstance(prop, dict) and "description" not in prop:
                prop["description"] = description
        if definitions:
            schema["$defs"] = definitions
        return schema

    def arguments(self, input: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """The call's arguments from the model's input, converted to the annotated types.

        Raises `msgspec.ValidationError` saying which field is wrong."""
        converted = msgspec.convert(input, self._struct, strict=False, dec_hook=_dec_hook)
        values = {name: getattr(converted, name) for name in self._names}
        args = [values.pop(name) for name in self._positional]
        if self._var_keyword is not None:
            values.update((k, v) for k, v in input.items() if k not in self._names)
        return args, values


def _pydantic_model(kind: type) -> bool:
    return callable(getattr(kind, "model_json_schema", None)) and callable(
        getattr(kind, "model_validate", None)
    )


def _schema_hook(definitions: dict[str, Any]) -> Callable[[type], dict[str, Any]]:
    def hook(kind: type) -> dict[str, Any]:
        if _pydantic_model(kind):
            schema: dict[str, Any] = dict(cast(Any, kind).model_json_schema())
            # Its nested definitions join ours, which its `#/$defs/...` refs then reach.
            definitions.update(schema.pop("$defs", {}))
            return schema
        raise NotImplementedError(f"no JSON Schema for {kind!r}")

    return hook


def _dec_hook(kind: type, value: Any) -> Any:
    if _pydantic_model(kind):
        return cast(Any, kind).model_validate(value)
    raise NotImplementedError(f"cannot convert to {kind!r}")


def _docstring(func: Callable[..., Any]) -> tuple[str, dict[str, str]]:
    """The description and the parameter descriptions in `func`'s docstring."""
    doc = func.__doc__
    if not doc or not doc.strip():
        return "", {}
    try:
        import docstring_parser
    except ImportError as exc:
        raise ImportError(
            "beta_tool reads the function's docstring with docstring_parser: install the "
            "`tools` extra (pip install 'anyio-claude[tools]')"
        ) from exc
    parsed = docstring_parser.parse(doc)
    description = parsed.short_description or ""
    if description and parsed.long_description:
        description += f"\n\n{parsed.long_description}"
    params = {p.arg_name: p.description for p in parsed.params if p.description}
    return description, params


def _input_schema(given: object) -> dict[str, Any]:
    """An explicit `input_schema`: a JSON Schema, or a type whose schema it is (a pydantic
    model, a msgspec Struct, a dataclass or a TypedDict)."""
    if isinstance(given, Mapping):
        return dict(cast(Mapping[str, Any], given))
    if isinstance(given, type):
        if _pydantic_model(given):
            return dict(cast(Any, given).model_json_schema())
        definitions: dict[str, Any] = {}
        document = msgspec.json.schema(given, schema_hook=_schema_hook(definitions))
        definitions.update(document.get("$defs", {}))
        ref = str(document.get("$ref", "")).removeprefix("#/$defs/")
        schema: dict[str, Any] = definitions.pop(ref, document)
        if definitions:
            schema["$defs"] = definitions
        return schema
    raise TypeError(
        f"input_schema must be a JSON Schema dict or a model type, not {type(given).__name__}"
    )


class BaseFunctionTool(Generic[CallableT]):
    """A function the model can call, with its name, description and input schema."""

    func: CallableT
    """The function this tool wraps."""
    name: str
    """The tool's name, as sent to the API."""
    description: str
    input_schema: InputSchema
    close: Callable[[], Awaitable[None] | None] | None = None
    """Releases what the tool holds (set for a context-manager tool: its exit); the
    tool runner never calls it, so one tool serves many runs."""

    def __init__(
        self,
        func: CallableT,
        *,
        name: str | None = None,
        description: str | None = None,
        input_schema: InputSchema | type | None = None,
        defer_loading: bool | None = None,
        cache_control: CacheControlEphemeralParam | None = None,
        allowed_callers: list[AllowedCaller] | None = None,
        eager_input_streaming: bool | None = None,
        input_examples: Iterable[dict[str, object]] | None = None,
        strict: bool | None = None,
    ) -> None:
        if not callable(func):
            raise TypeError(f"func must be a function, not {type(func).__name__}")
        self.func = func
        self.name = name or func.__name__
        doc_description, doc_params = _docstring(func)
        self.description = doc_description if description is None else description
        self._parameters = _Parameters(func, doc_params)
        self.input_schema = (
            self._parameters.schema() if input_schema is None else _input_schema(input_schema)
        )
        self._options: dict[str, Any] = {
            key: value
            for key, value in (
                ("defer_loading", defer_loading),
                ("cache_control", cache_control),
                ("allowed_callers", allowed_callers),
                ("eager_input_streaming", eager_input_streaming),
                ("input_examples", input_examples),
                ("strict", strict),
            )
            if value is not None
        }

    @property
    def __call__(self) -> CallableT:
        """Calling the tool calls the function, unvalidated."""
        return self.func

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, func={self.func!r})"

    def to_dict(self) -> ToolParam:
        """The tool's entry in the request's `tools`."""
        definition: ToolParam = {
            "name": self.name,
            "description": self.description,
            "input_schema": dict(self.input_schema),
        }
        definition.update(cast("ToolParam", self._options))
        return definition

    def _arguments(self, input: object) -> tuple[list[Any], dict[str, Any]]:
        if not isinstance(input, Mapping):
            raise TypeError(f"Input must be a dictionary, got {type(input).__name__}")
        try:
            return self._parameters.arguments(cast(Mapping[str, Any], input))
        except msgspec.ValidationError as exc:
            # The model reads this (as the error result) and can correct its call.
            raise ValueError(f"Invalid arguments for function {self.name}: {exc}") from exc


class BetaFunctionTool(BaseFunctionTool[FunctionT]):
    """A blocking function as a tool (`beta_tool`)."""

    def call(self, input: object) -> BetaFunctionToolResultType:
        """Validate `input` and call the function with it.

        Raises `TypeError` if `input` is not a dict, `ValueError` (naming the wrong field)
        if it does not fit the parameters, and whatever the function raises."""
        args, kwargs = self._arguments(input)
        result: BetaFunctionToolResultType = self.func(*args, **kwargs)
        return result


class BetaAsyncFunctionTool(BaseFunctionTool[AsyncFunctionT]):
    """A coroutine function as a tool (`beta_async_tool`)."""

    async def call(self, input: object) -> BetaFunctionToolResultType:
        """Validate `input` and await the function with it.

        Raises `TypeError` if `input` is not a dict, `ValueError` (naming the wrong field)
        if it does not fit the parameters, and whatever the function raises. Cancelling
        cancels the function."""
        args, kwargs = self._arguments(input)
        result: BetaFunctionToolResultType = await self.func(*args, **kwargs)
        return result


BetaRunnableTool = Union[BetaFunctionTool[Any], BetaBuiltinFunctionTool]
BetaAsyncRunnableTool = Union[BetaAsyncFunctionTool[Any], BetaAsyncBuiltinFunctionTool]


class ToolOptions(TypedDict, total=False):
    """What `beta_tool` / `beta_async_tool` take besides the function."""

    name: str | None
    description: str | None
    input_schema: InputSchema | type | None
    defer_loading: bool | None
    cache_control: CacheControlEphemeralParam | None
    allowed_callers: list[AllowedCaller] | None
    eager_input_streaming: bool | None
    input_examples: Iterable[dict[str, object]] | None
    strict: bool | None


def _is_context_manager(fn: object, *, asynchronous: bool) -> bool:
    """Whether `fn` was made by `contextlib.(async)contextmanager`: it wraps the generator
    function it was given (never called to find out)."""
    wrapped = getattr(fn, "__wrapped__", None)
    if wrapped is None:
        return False
    return (
        inspect.isasyncgenfunction(wrapped)
        if asynchronous
        else inspect.isgeneratorfunction(wrapped)
    )


@overload
def beta_tool(func: FunctionT, **options: Unpack[ToolOptions]) -> BetaFunctionTool[FunctionT]: ...
@overload
def beta_tool(
    func: Callable[[], AbstractContextManager[FunctionT]], **options: Unpack[ToolOptions]
) -> BetaFunctionTool[FunctionT]: ...
@overload
def beta_tool(
    func: None = None, **options: Unpack[ToolOptions]
) -> Callable[[FunctionT], BetaFunctionTool[FunctionT]]: ...
def beta_tool(
    func: FunctionT | Callable[[], AbstractContextManager[FunctionT]] | None = None,
    **options: Unpack[ToolOptions],
) -> BetaFunctionTool[FunctionT] | Callable[[FunctionT], BetaFunctionTool[FunctionT]]:
    """A blocking function as a tool: `@beta_tool`, `@beta_tool(name=...)` or
    `beta_tool(func)`.

    A `@contextmanager` function is entered here and the function it yields is the tool
    (the runner never exits it; its `__exit__` is the tool's `close`). Raises `TypeError`
    for a coroutine function or `@asynccontextmanager` (use `beta_async_tool`) or a
    parameter that has no JSON Schema (`*args`, an unsupported annotation)."""

    def make(fn: FunctionT) -> BetaFunctionTool[FunctionT]:
        if inspect.iscoroutinefunction(fn) or _is_context_manager(fn, asynchronous=True):
            raise TypeError(f"{fn.__name__} is a coroutine function: use beta_async_tool")
        if not _is_context_manager(fn, asynchronous=False):
            return BetaFunctionTool(fn, **options)
        manager = cast(Any, fn)()
        inner = manager.__enter__()
        try:
            tool: BetaFunctionTool[FunctionT] = BetaFunctionTool(inner, **options)
        except BaseException:
            # Nothing will ever exit it otherwise.
            manager.__exit__(*sys.exc_info())
            raise
        tool.close = functools.partial(manager.__exit__, None, None, None)
        return tool

    return make if func is None else make(cast(Any, func))


@overload
def beta_async_tool(
    func: AsyncFunctionT, **options: Unpack[ToolOptions]
) -> BetaAsyncFunctionTool[AsyncFunctionT]: ...
@overload
def beta_async_tool(
    func: Callable[[], AbstractAsyncContextManager[AsyncFunctionT]], **options: Unpack[ToolOptions]
) -> BetaAsyncFunctionTool[AsyncFunctionT]: ...
@overload
def beta_async_tool(
    func: None = None, **options: Unpack[ToolOptions]
) -> Callable[[AsyncFunctionT], BetaAsyncFunctionTool[AsyncFunctionT]]: ...
def beta_async_tool(
    func: AsyncFunctionT | Callable[[], AbstractAsyncContextManager[AsyncFunctionT]] | None = None,
    **options: Unpack[ToolOptions],
) -> (
    BetaAsyncFunctionTool[AsyncFunctionT]
    | Callable[[AsyncFunctionT], BetaAsyncFunctionTool[AsyncFunctionT]]
):
    """A coroutine function as a tool: `@beta_async_tool`, `@beta_async_tool(name=...)` or
    `beta_async_tool(func)`.

    An `@asynccontextmanager` function is entered on the tool's first call (under a lock)
    and the function it yields runs each call; it needs an explicit `input_schema`, and
    the tool's `close()` exits it. Raises `TypeError` for a function that is not a
    coroutine function (use `beta_tool`) or a parameter that has no JSON Schema."""

    def make(fn: AsyncFunctionT) -> BetaAsyncFunctionTool[AsyncFunctionT]:
        if _is_context_manager(fn, asynchronous=True):
            return _async_context_manager_tool(fn, options)
        if not inspect.iscoroutinefunction(fn):
            raise TypeError(f"{fn.__name__} is not a coroutine function: use beta_tool")
        return BetaAsyncFunctionTool(fn, **options)

    return make if func is None else make(cast(Any, func))


def _async_context_manager_tool(
    factory: Callable[..., Any], options: ToolOptions
) -> BetaAsyncFunctionTool[Any]:
    """A tool over the function an `@asynccontextmanager` yields: entering needs an await,
    so it happens on the first call; `close()` exits what was entered."""
    if options.get("input_schema") is None:
        raise TypeError(
            f"{factory.__name__}: an @asynccontextmanager tool needs an explicit input_schema "
            "(its parameters are known only once it is entered)"
        )
    entered: list[tuple[Any, Callable[..., Any], _Parameters]] = []
    lock: list[anyio.Lock] = []

    async def call(**kwargs: Any) -> BetaFunctionToolResultType:
        if not entered:
            if not lock:
                lock.append(anyio.Lock())
            async with lock[0]:
                if not entered:
                    manager = factory()
                    inner = await manager.__aenter__()
                    entered.append((manager, inner, _Parameters(inner, {})))
        _, inner, parameters = entered[0]
        try:
            args, values = parameters.arguments(kwargs)
        except msgspec.ValidationError as exc:
            raise ValueError(f"Invalid arguments for function {tool.name}: {exc}") from exc
        result: BetaFunctionToolResultType = await inner(*args, **values)
        return result

    async def close() -> None:
        if entered:
            manager = entered.pop()[0]
            await manager.__aexit__(None, None, None)

    call.__name__ = factory.__name__
    call.__doc__ = factory.__doc__
    tool = BetaAsyncFunctionTool(call, **options)
    tool.close = close
    return tool


def is_sync_tool(tool: object) -> bool:
    """Whether `tool` is a runnable tool whose `call` blocks."""
    return isinstance(tool, BetaFunctionTool | BetaBuiltinFunctionTool)


def is_async_tool(tool: object) -> bool:
    """Whether `tool` is a runnable tool whose `call` is a coroutine."""
    return isinstance(tool, BetaAsyncFunctionTool | BetaAsyncBuiltinFunctionTool)


AnyRunnableTool = Union[BetaRunnableTool, BetaAsyncRunnableTool]
