"""Structured outputs: a JSON Schema from a Python type, and replies decoded into that type.

`output_format=` takes a msgspec `Struct`, a dataclass, a `TypedDict` (anything
`msgspec.json.schema` understands) or a pydantic model (recognised by its
`model_json_schema` / `model_validate_json` methods, so pydantic is never imported here;
other types pydantic can describe go through its `TypeAdapter` when it is loaded).
The schema is rewritten by the rules `anthropic` 2.14 applies (`transform_schema`) and sent
as `output_config.format`; each text block of the reply is decoded into the type.
"""

from __future__ import annotations

import copy
import functools
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec

from ._errors import APIResponseValidationError
from ._live_streams import AsyncMessageStream
from .types import Message, ParsedMessage, ParsedTextBlock, TextBlock

if TYPE_CHECKING:
    from ._transport import Response
    from .types import JSONOutputFormatParam, OutputConfigParam

__all__ = (
    "AsyncParsedMessageStream",
    "OutputValidationError",
    "merge_output_config",
    "output_format_param",
    "parse_message",
    "transform_schema",
)

T = TypeVar("T")

_SUPPORTED_STRING_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"}
)


class OutputValidationError(APIResponseValidationError):
    """A structured-output reply whose text does not decode into the requested type.

    `text` is the reply's raw text, `output_format` the type asked for,
    `partial_message` the whole reply `Message`, `request_id` the id to quote to
    Anthropic. A reply cut short (`stop_reason` `"max_tokens"` or `"refusal"`) usually
    ends here.
    """

    def __init__(
        self,
        detail: str,
        *,
        text: str,
        output_format: Any,
        message: Message,
        request_id: str | None,
    ) -> None:
        super().__init__(
            f"the reply does not match {_type_name(output_format)} "
            f"(stop_reason={message.stop_reason!r}): {detail}",
            status_code=200,
            request_id=request_id,
            body=text,
            partial_message=message,
        )
        self.text = text
        self.output_format = output_format


class _OutputType:
    """How to describe one output type to the API and decode replies into it."""

    __slots__ = ("decode", "schema")

    def __init__(self, schema: dict[str, Any], decode: Callable[[str], Any]) -> None:
        self.schema = schema
        self.decode = decode


def _type_name(tp: Any) -> str:
    return getattr(tp, "__qualname__", None) or repr(tp)


@functools.lru_cache(maxsize=256)
def _output_type(output_format: Any) -> _OutputType:
    try:
        return _describe(output_format)
    except ValueError as exc:
        raise ValueError(f"output_format {_type_name(output_format)}: {exc}") from None


def _describe(output_format: Any) -> _OutputType:
    model_json_schema = getattr(output_format, "model_json_schema", None)
    validate_json = getattr(output_format, "model_validate_json", None)
    if callable(model_json_schema) and callable(validate_json):
        return _OutputType(transform_schema(model_json_schema()), validate_json)
    try:
        schema = msgspec.json.schema(output_format)
        decoder = msgspec.json.Decoder(output_format)
    except (TypeError, ValueError) as exc:
        adapted = _pydantic_type(output_format)
        if adapted is not None:
            return adapted
        raise TypeError(
            f"output_format: cannot make a JSON schema of {output_format!r} ({exc}); use a "
            "msgspec Struct, a dataclass, a TypedDict or a pydantic model"
        ) from None
    return _OutputType(transform_schema(_inline_root_ref(schema)), decoder.decode)


def _pydantic_type(output_format: Any) -> _OutputType | None:
    """A type only pydantic understands (`list[Model]`, a pydantic dataclass), through its
    `TypeAdapter`, when the program already uses pydantic; None otherwise."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is None:
        return None
    try:
        adapter = pydantic.TypeAdapter(output_format)
        schema = adapter.json_schema()
    except Exception:  # pydantic's own errors: this is simply not a type it can describe
        return None
    return _OutputType(transform_schema(_inline_root_ref(schema)), adapter.validate_json)


def _check_output_format(output_format: object) -> _OutputType:
    if isinstance(output_format, Mapping):
        raise TypeError(
            "output_format must be a type; pass a schema dict as "
            "output_config={'format': {'type': 'json_schema', 'schema': ...}} instead"
        )
    try:
        return _output_type(output_format)
    except TypeError as exc:
        if "unhashable" in str(exc):
            raise TypeError(f"output_format must be a type, got {output_format!r}") from None
        raise


def output_format_param(output_format: object) -> JSONOutputFormatParam:
    """The `output_config.format` that asks for replies matching `output_format`.

    Raises `TypeError` for what is not a type a JSON Schema can be made of, `ValueError`
    for a schema structured outputs cannot take (a field typed `Any`: no `type`).
    """
    return {"type": "json_schema", "schema": _check_output_format(output_format).schema}


def merge_output_config(
    output_config: OutputConfigParam | None, output_format: object
) -> OutputConfigParam:
    """`output_config` with `output_format`'s schema as its `format`.

    Raises `ValueError` when `output_config` already has a `format`: one of the two must go.
    """
    if output_config is not None and output_config.get("format") is not None:
        raise ValueError("output_format and output_config['format'] were both given; pass only one")
    return {**(output_config or {}), "format": output_format_param(output_format)}


def parse_message(
    message: Message, output_format: object, *, request_id: str | None = None
) -> ParsedMessage[Any]:
    """`message` as a `ParsedMessage`, each text block a `ParsedTextBlock` decoded into
    `output_format` (None: `parsed_output` None, as the official SDK's). `request_id`
    defaults to the message's.

    Raises `OutputValidationError` when a text block does not decode.
    """
    request_id = request_id or message._request_id
    decode = None if output_format is None else _check_output_format(output_format).decode
    content: list[Any] = []
    for block in message.content:
        if isinstance(block, TextBlock):
            value = None
            if decode is not None:
                try:
                    value = decode(block.text)
                except (msgspec.DecodeError, ValueError) as exc:
                    raise OutputValidationError(
                        str(exc),
                        text=block.text,
                        output_format=output_format,
                        message=message,
                        request_id=request_id,
                    ) from exc
            parsed: ParsedTextBlock[Any] = _copy(ParsedTextBlock, block)
            parsed.__dict__["_parsed_output"] = value
            block = parsed
        content.append(block)
    result: ParsedMessage[Any] = _copy(ParsedMessage, message, content=content)
    result._request_id = request_id  # type: ignore[misc]
    return result


class AsyncParsedMessageStream(AsyncMessageStream, Generic[T]):
    """The stream of `messages.stream(..., output_format=T)`: an `AsyncMessageStream`
    whose `get_final_message()` decodes the reply into `T`."""

    __slots__ = ("_output_format",)

    def __init__(
        self,
        response: Response,
        *,
        output_format: type[T],
        deadline: float | None,
        idle_timeout: float | None,
        retries_taken: int = 0,
        trailing_strings: bool = False,
    ) -> None:
        super().__init__(
            response,
            deadline=deadline,
            idle_timeout=idle_timeout,
            retries_taken=retries_taken,
            trailing_strings=trailing_strings,
        )
        self._output_format = output_format

    async def get_final_message(self) -> ParsedMessage[T]:
        """Read to the end and return the message, its text decoded into the output type.

        Raises what iteration raises, and `OutputValidationError` (the stream is complete
        by then) when the text does not match.
        """
        message = await super().get_final_message()
        return parse_message(message, self._output_format, request_id=self.request_id)


def _copy(cls: Any, obj: msgspec.Struct, **changes: Any) -> Any:
    fields = {name: getattr(obj, name) for name in obj.__struct_fields__}
    fields.update(changes)
    copy = cls(**fields)
    extra = getattr(obj, "__dict__", None)
    if extra:
        copy.__dict__.update(extra)
    return copy


# ------------------------------------------------------------------------------- schemas


def _inline_root_ref(schema: dict[str, Any]) -> dict[str, Any]:
    """msgspec puts the root type under `$defs` and refers to it; put it back at the root."""
    ref = schema.get("$ref")
    defs = schema.get("$defs")
    prefix = "#/$defs/"
    if not isinstance(ref, str) or not ref.startswith(prefix) or not isinstance(defs, dict):
        return schema
    name = ref[len(prefix) :]
    rest = {k: v for k, v in defs.items() if k != name}
    root = {k: v for k, v in schema.items() if k not in ("$ref", "$defs")}
    root.update(defs[name])
    # A recursive root type still needs its definition.
    if f'"{ref}"' in msgspec.json.encode([defs[name], rest]).decode():
        rest[name] = defs[name]
    if rest:
        root["$defs"] = rest
    return root


def _is_primitive(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def transform_schema(json_schema: Mapping[str, Any] | type[Any]) -> dict[str, Any]:
    """A JSON Schema rewritten to what structured outputs accept, as the official SDK does.

    `json_schema` may also be a type `output_format=` takes (a pydantic model, as in the
    official SDK, or a msgspec Struct, dataclass or TypedDict): its schema, transformed
    (made once per type, a fresh copy each call).

    Objects get `additionalProperties: false`; strings keep only supported `format`s;
    `oneOf` becomes `anyOf`; `minItems` is kept only when 0 or 1. Every keyword the API
    does not take (`minimum`, `pattern`, `default`, ...) moves into `description`, so
    the model still reads it. Raises `ValueError` for a schema with no `type`, `anyOf`,
    `oneOf`, `allOf`, `const` or `enum`.
    """
    if not isinstance(json_schema, Mapping):
        return copy.deepcopy(_check_output_format(json_schema).schema)
    schema = dict(json_schema)
    strict: dict[str, Any] = {}

    defs = schema.pop("$defs", None)
    if defs is not None:
        strict["$defs"] = {name: transform_schema(sub) for name, sub in defs.items()}

    ref = schema.pop("$ref", None)
    if ref is not None:
        strict["$ref"] = ref
        return strict

    kind = schema.pop("type", None)
    any_of = schema.pop("anyOf", None)
    one_of = schema.pop("oneOf", None)
    all_of = schema.pop("allOf", None)

    enum = schema.get("enum")
    if isinstance(enum, list) and enum and all(_is_primitive(v) for v in enum):
        strict["enum"] = list(schema.pop("enum"))
    if "const" in schema and _is_primitive(schema["const"]):
        strict["const"] = schema.pop("const")
    literal = "enum" in strict or "const" in strict
    if literal:
        kind = None

    if isinstance(any_of, list):
        strict["anyOf"] = [transform_schema(v) for v in any_of]
    elif isinstance(one_of, list):
        strict["anyOf"] = [transform_schema(v) for v in one_of]
    elif isinstance(all_of, list):
        strict["allOf"] = [transform_schema(v) for v in all_of]
    elif not literal:
        if kind is None:
            raise ValueError(
                "Schema must have a 'type', 'anyOf', 'oneOf', or 'allOf' field, "
                "or a 'const' or non-empty 'enum' of strings, numbers, booleans, or null."
            )
        strict["type"] = kind

    description = schema.pop("description", None)
    if description is not None:
        strict["description"] = description
    title = schema.pop("title", None)
    if title is not None:
        strict["title"] = title

    if kind == "object":
        strict["properties"] = {
            key: transform_schema(sub) for key, sub in schema.pop("properties", {}).items()
        }
        schema.pop("additionalProperties", None)
        strict["additionalProperties"] = False
        required = schema.pop("required", None)
        if required is not None:
            strict["required"] = list(required)
    elif kind == "string":
        fmt = schema.pop("format", None)
        if fmt in _SUPPORTED_STRING_FORMATS:
            strict["format"] = fmt
        elif fmt:
            schema["format"] = fmt
    elif kind == "array":
        items = schema.pop("items", None)
        if items is not None:
            strict["items"] = transform_schema(items)
        min_items = schema.pop("minItems", None)
        if min_items in (0, 1):
            strict["minItems"] = min_items
        elif min_items is not None:
            schema["minItems"] = min_items

    if schema:
        extra = ", ".join(f"{key}: {value}" for key, value in schema.items())
        described = strict.get("description")
        strict["description"] = (described + "\n\n" if described is not None else "") + (
            "{" + extra + "}"
        )
    return strict
