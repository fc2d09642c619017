"""The fake model: request validation, token counting and deterministic replies. No I/O.

Token counting (used for `usage` and `count_tokens` alike): a text costs
`ceil(utf8_bytes / 4)` tokens, at least 1; an image or document costs 1,000; a tool, and an
`output_config.format` schema, cost the tokens of their JSON; every turn adds 3 (consecutive
messages of one role are one turn, as the API merges them) and the request adds 1. Output: one
token per generated word (each `text_delta` carries one word).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from ..types import (
    BetaCompactionBlock,
    Message,
    ServerToolUseBlock,
    StopReason,
    TextBlock,
    ThinkingBlock,
    ToolReferenceBlock,
    ToolSearchToolResultBlock,
    ToolSearchToolSearchResultBlock,
    ToolUseBlock,
    Usage,
    encode_json,
)

__all__ = (
    "DEFAULT_MODELS",
    "ModelSpec",
    "Reply",
    "RequestError",
    "count_request_tokens",
    "generate_reply",
    "message_events",
    "validate_message_request",
)

VOCABULARY = (
    "the quick brown fox jumps over lazy dogs while structured concurrency keeps every "
    "task inside its nursery and cancel scopes bound the time spent waiting on sockets "
    "streams carry tokens one delta at a time so clients can render text as it arrives "
    "naïve café über résumé 日本語 🎉"
).split()


@dataclass(frozen=True)
class ModelSpec:
    """A model the fake serves: its id, display name, output limit, the aliases that name
    it too (a reply names the model by its id, as the API does), and its lifecycle stage
    (`models.list` leaves out retired models unless asked for them)."""

    id: str
    display_name: str
    max_tokens: int = 64_000
    created_at: str = "2025-09-29T00:00:00Z"
    aliases: tuple[str, ...] = ()
    lifecycle: Literal["active", "deprecated", "retired"] = "active"


# The models the official SDK 2.14 names (its `Model` type), newest first, less
# `claude-mythos-preview`, past its end-of-life (June 30th, 2026). The output limits and
# the dates of the models after Claude Opus 4.5 are the fake's own, in release order.
DEFAULT_MODELS = (
    ModelSpec("claude-fable-5-2", "Claude Fable 5.2", created_at="2026-11-10T00:00:00Z"),
    ModelSpec("claude-mythos-5-2", "Claude Mythos 5.2", created_at="2026-11-03T00:00:00Z"),
    ModelSpec("claude-haiku-5-5", "Claude Haiku 5.5", created_at="2026-10-20T00:00:00Z"),
    ModelSpec("claude-sonnet-5-5", "Claude Sonnet 5.5", created_at="2026-10-13T00:00:00Z"),
    ModelSpec("claude-fable-5-1", "Claude Fable 5.1", created_at="2026-09-22T00:00:00Z"),
    ModelSpec("claude-opus-5-5", "Claude Opus 5.5", created_at="2026-09-08T00:00:00Z"),
    ModelSpec("claude-mythos-5-1", "Claude Mythos 5.1", created_at="2026-08-25T00:00:00Z"),
    ModelSpec("claude-sonnet-5", "Claude Sonnet 5", created_at="2026-08-04T00:00:00Z"),
    ModelSpec("claude-fable-5", "Claude Fable 5", created_at="2026-07-14T00:00:00Z"),
    ModelSpec("claude-mythos-5", "Claude Mythos 5", created_at="2026-06-23T00:00:00Z"),
    ModelSpec("claude-opus-5", "Claude Opus 5", created_at="2026-06-02T00:00:00Z"),
    ModelSpec("claude-opus-4-8", "Claude Opus 4.8", created_at="2026-05-05T00:00:00Z"),
    ModelSpec("claude-opus-4-7", "Claude Opus 4.7", created_at="2026-04-07T00:00:00Z"),
    ModelSpec("claude-opus-4-6", "Claude Opus 4.6", created_at="2026-02-05T00:00:00Z"),
    ModelSpec("claude-sonnet-4-6", "Claude Sonnet 4.6", created_at="2026-01-27T00:00:00Z"),
    ModelSpec(
        "claude-opus-4-5-20251101",
        "Claude Opus 4.5",
        created_at="2025-11-01T00:00:00Z",
        aliases=("claude-opus-4-5",),
    ),
    ModelSpec(
        "claude-haiku-4-5-20251001",
        "Claude Haiku 4.5",
        created_at="2025-10-01T00:00:00Z",
        aliases=("claude-haiku-4-5",),
    ),
    ModelSpec(
        "claude-sonnet-4-5-20250929",
        "Claude Sonnet 4.5",
        created_at="2025-09-29T00:00:00Z",
        aliases=("claude-sonnet-4-5",),
    ),
)


class RequestError(Exception):
    """A request the real API would reject: HTTP status, error type and message."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


def _bad(message: str) -> RequestError:
    return RequestError(400, "invalid_request_error", message)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def validate_message_request(
    body: object, models: Mapping[str, ModelSpec], *, for_count: bool = False
) -> None:
    """Raise `RequestError` for what the real API rejects; return None for a valid body."""
    if not isinstance(body, dict):
        raise _bad("request body must be a JSON object")
    model = body.get("model")
    if model is None:
        raise _bad("model: Field required")
    if not isinstance(model, str):
        raise _bad("model: Input should be a valid string")
    if not for_count:
        if "max_tokens" not in body:
            raise _bad("max_tokens: Field required")
        max_tokens = body["max_tokens"]
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool):
            raise _bad("max_tokens: Input should be a valid integer")
        if max_tokens < 1:
            raise _bad("max_tokens: Input should be greater than or equal to 1")
    messages = body.get("messages")
    if messages is None:
        raise _bad("messages: Field required")
    if not isinstance(messages, list) or not messages:
        raise _bad("messages: at least one message is required")
    seen_turn = False
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ("user", "assistant", "system"):
            raise _bad(f"messages.{i}.role: Input should be 'user', 'assistant' or 'system'")
        if role != "system":
            if not seen_turn and role != "user" and not _compacted(message):
                raise _bad('messages: first message must use the "user" role')
            seen_turn = True
        content = message.get("content")
        if not isinstance(content, str | list):
            raise _bad(f"messages.{i}.content: Input should be a valid string or list")
        if isinstance(content, list):
            for j, block in enumerate(content):
                _check_block(block, f"messages.{i}.content.{j}")
    for name in ("temperature", "top_p"):
        value = body.get(name)
        if value is not None and (not _is_number(value) or not 0 <= value <= 1):
            raise _bad(f"{name}: range: 0..1")
    top_k = body.get("top_k")
    if top_k is not None and (not _is_int(top_k) or top_k < 0):
        raise _bad("top_k: Input should be greater than or equal to 0")
    stops = body.get("stop_sequences")
    if stops is not None and (
        not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops)
    ):
        raise _bad("stop_sequences: Input should be a list of non-empty strings")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise _bad("stream: Input should be a valid boolean")
    metadata = body.get("metadata")
    if metadata is not None and (
        not isinstance(metadata, dict) or not isinstance(metadata.get("user_id", ""), str | None)
    ):
        raise _bad("metadata: Input should be an object with a string `user_id`")
    _check_system(body.get("system"))
    _check_tools(body.get("tools"), body.get("tool_choice"))
    _check_thinking(body.get("thinking"), None if for_count else body["max_tokens"])
    _validate_output_config(body.get("output_config"))
    if model not in models:
        raise RequestError(404, "not_found_error", f"model: {model}")
    if not for_count and body["max_tokens"] > models[model].max_tokens:
        raise _bad(
            f"max_tokens: {body['max_tokens']} > {models[model].max_tokens}, which is the "
            f"maximum allowed number of output tokens for {model}"
        )


def _validate_output_config(config: object) -> None:
    if config is None:
        return
    if not isinstance(config, dict):
        raise _bad("output_config: Input should be an object")
    effort = config.get("effort")
    if effort is not None and effort not in ("low", "medium", "high", "xhigh", "max"):
        raise _bad(
            "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'"
        )
    fmt = config.get("format")
    if fmt is None:
        return
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        raise _bad("output_config.format.type: Input should be 'json_schema'")
    if not isinstance(fmt.get("schema"), dict):
        raise _bad("output_config.format.schema: Input should be an object")
    _check_schema(fmt["schema"], "output_config.format.schema")


def output_schema(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The JSON Schema a request's reply must match (`output_config.format`), if any."""
    config = body.get("output_config")
    fmt = config.get("format") if isinstance(config, dict) else None
    return fmt["schema"] if isinstance(fmt, dict) else None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# The string fields each block type must carry, as the API's schema has them.
_BLOCK_STRINGS = {
    "text": ("text",),
    "thinking": ("thinking", "signature"),
    "redacted_thinking": ("data",),
    "tool_use": ("id", "name"),
    "tool_result": ("tool_use_id",),
}


def _compacted(message: Mapping[str, Any]) -> bool:
    """Whether `message` is an assistant turn opening with a compaction block: a compacted
    history starts with it."""
    content = message.get("content")
    return (
        message.get("role") == "assistant"
        and isinstance(content, list)
        and bool(content)
        and isinstance(content[0], dict)
        and content[0].get("type") == "compaction"
    )


def _check_block(block: object, where: str) -> None:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        raise _bad(f"{where}: each block needs a string `type`")
    kind = block["type"]
    for name in _BLOCK_STRINGS.get(kind, ()):
        if not isinstance(block.get(name), str):
            raise _bad(f"{where}.{kind}.{name}: Input should be a valid string")
    if kind == "tool_use" and not isinstance(block.get("input"), dict):
        raise _bad(f"{where}.tool_use.input: Input should be a valid dictionary")
    if kind in ("image", "document") and not isinstance(block.get("source"), dict):
        raise _bad(f"{where}.{kind}.source: Field required")
    if kind == "tool_result":
        content = block.get("content", "")
        if not isinstance(content, str | list):
            raise _bad(f"{where}.tool_result.content: Input should be a valid string or list")
        if isinstance(content, list):
            for k, inner in enumerate(content):
                _check_block(inner, f"{where}.tool_result.content.{k}")


def _check_system(system: object) -> None:
    if system is None or isinstance(system, str):
        return
    if not isinstance(system, list):
        raise _bad("system: Input should be a valid string or list of text blocks")
    for i, block in enumerate(system):
        if not isinstance(block, dict) or block.get("type") != "text":
            raise _bad(f"system.{i}: Input should be a text block")
        _check_block(block, f"system.{i}")


_CHOICES = ("auto", "any", "tool", "none")


def _check_tools(tools: object, choice: object) -> None:
    if tools is not None:
        if not isinstance(tools, list):
            raise _bad("tools: Input should be a valid list")
        for i, tool in enumerate(tools):
            if not isinstance(tool, dict):
                raise _bad(f"tools.{i}: each tool needs a `name` and an `input_schema`")
            # A toolset is the one nameless entry: its type names its family.
            if not isinstance(tool.get("name"), str) and not _TOOLSET_TYPE.fullmatch(
                str(tool.get("type", ""))
            ):
                raise _bad(f"tools.{i}: each tool needs a `name` and an `input_schema`")
            if "input_schema" in tool:
                schema = tool["input_schema"]
                if not isinstance(schema, dict):
                    raise _bad(f"tools.{i}.input_schema: Input should be a valid dictionary")
                _check_schema(schema, f"tools.{i}.input_schema")
    if choice is None:
        return
    if not isinstance(choice, dict) or choice.get("type") not in _CHOICES:
        raise _bad(f"tool_choice: `type` should be one of {', '.join(map(repr, _CHOICES))}")
    if choice["type"] == "tool" and not isinstance(choice.get("name"), str):
        raise _bad("tool_choice.tool.name: Field required")


_SCHEMA_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")


def _check_schema(schema: object, where: str) -> None:
    """Reject what JSON Schema forbids in the keywords the fake model reads."""
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        raise _bad(f"{where}: JSON schema is invalid: a schema must be an object or boolean")
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if kind is not None and not (kinds and all(k in _SCHEMA_TYPES for k in kinds)):
        raise _bad(f"{where}.type: JSON schema is invalid: unknown type {kind!r}")
    for name in ("minItems", "maxItems", "minLength", "maxLength"):
        if name in schema and (not _is_int(schema[name]) or schema[name] < 0):
            raise _bad(f"{where}.{name}: JSON schema is invalid: must be a non-negative integer")
    for name in ("minimum", "maximum"):
        if name in schema and not _is_number(schema[name]):
            raise _bad(f"{where}.{name}: JSON schema is invalid: must be a number")
    if "enum" in schema and (not isinstance(schema["enum"], list) or not schema["enum"]):
        raise _bad(f"{where}.enum: JSON schema is invalid: must be a non-empty array")
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        raise _bad(f"{where}.required: JSON schema is invalid: must be an array of strings")
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        raise _bad(f"{where}.properties: JSON schema is invalid: must be an object")
    for key, sub in properties.items():
        _check_schema(sub, f"{where}.properties.{key}")
    if "items" in schema:
        _check_schema(schema["items"], f"{where}.items")
    # The reply generator follows these too, so what it reads there must be valid.
    for name in ("anyOf", "oneOf", "allOf"):
        choices = schema.get(name, [])
        if not isinstance(choices, list):
            raise _bad(f"{where}.{name}: JSON schema is invalid: must be an array")
        for i, sub in enumerate(choices):
            _check_schema(sub, f"{where}.{name}.{i}")
    defs = schema.get("$defs", {})
    if not isinstance(defs, dict):
        raise _bad(f"{where}.$defs: JSON schema is invalid: must be an object")
    for key, sub in defs.items():
        _check_schema(sub, f"{where}.$defs.{key}")


def _check_thinking(thinking: object, max_tokens: int | None) -> None:
    if thinking is None:
        return
    # The types of the pinned official SDK's `ThinkingConfigParam`. `between_tools` is
    # thinking turned off (only progress notes between tool calls come back as thinking):
    # the reply builder writes no thinking for it, as for `disabled`.
    if not isinstance(thinking, dict) or thinking.get("type") not in (
        "enabled",
        "disabled",
        "adaptive",
        "between_tools",
    ):
        raise _bad(
            "thinking: `type` should be 'enabled', 'disabled', 'adaptive' or 'between_tools'"
        )
    if thinking["type"] != "enabled":
        return
    budget = thinking.get("budget_tokens")
    if not isinstance(budget, int) or isinstance(budget, bool):
        raise _bad("thinking.enabled.budget_tokens: Input should be a valid integer")
    if budget < 1024:
        raise _bad("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
    if max_tokens is not None and max_tokens <= budget:
        raise _bad("max_tokens: must be greater than thinking.budget_tokens")


# ------------------------------------------------------------------------------ tokens


def text_tokens(text: str) -> int:
    """Tokens of a piece of text: ceil(utf8 bytes / 4), at least 1."""
    return max(1, math.ceil(len(text.encode()) / 4))


def _block_tokens(block: object) -> int:
    if isinstance(block, str):
        return text_tokens(block)
    if not isinstance(block, dict):
        return 1
    kind = block.get("type")
    if kind == "text":
        return text_tokens(str(block.get("text", "")))
    if kind in ("image", "document"):
        return 1000
    if kind == "tool_result":
        content = block.get("content", "")
        if isinstance(content, list):
            return sum(_block_tokens(b) for b in content) or 1
        return text_tokens(str(content))
    if kind == "tool_use":
        return text_tokens(json.dumps(block.get("input", {})))
    if kind == "thinking":
        return text_tokens(str(block.get("thinking", "")))
    return text_tokens(json.dumps(block, sort_keys=True))


def _segments(body: Mapping[str, Any]) -> Iterator[tuple[int, bool, str]]:
    """(tokens, marked with cache_control, identity) for each part, in prompt order."""
    for tool in body.get("tools") or []:
        yield text_tokens(json.dumps(tool, sort_keys=True)), "cache_control" in tool, repr(tool)
    schema = output_schema(body)
    if schema is not None:
        yield text_tokens(json.dumps(schema, sort_keys=True)), False, repr(schema)
    system = body.get("system")
    if isinstance(system, str):
        yield text_tokens(system), False, system
    elif isinstance(system, list):
        for block in system:
            yield (
                _block_tokens(block),
                isinstance(block, dict) and "cache_control" in block,
                repr(block),
            )
    previous = None
    for message in body.get("messages") or []:
        content = message.get("content")
        # Consecutive messages of one role are one turn to the API, and cost one turn.
        if message.get("role") != previous:
            yield 3, False, str(message.get("role"))
        previous = message.get("role")
        if isinstance(content, str):
            yield text_tokens(content), False, content
        elif isinstance(content, list):
            for block in content:
                marked = isinstance(block, dict) and "cache_control" in block
                yield _block_tokens(block), marked, repr(block)


def count_request_tokens(body: Mapping[str, Any]) -> int:
    """Input tokens of a request, by the rule in this module's docstring."""
    return 1 + sum(tokens for tokens, _, _ in _segments(body))


def cache_split(body: Mapping[str, Any], seen: set[str]) -> tuple[int, int, int]:
    """(uncached input, cache creation, cache read) tokens; remembers new cached prefixes.

    The prefix up to the last block marked `cache_control` is cached: read if an identical
    prefix was seen before, created otherwise.
    """
    total = count_request_tokens(body)
    prefix_tokens, digest, cached_tokens, cached_digest = 0, hashlib.sha256(), 0, None
    for tokens, marked, identity in _segments(body):
        prefix_tokens += tokens
        digest.update(identity.encode())
        if marked:
            cached_tokens, cached_digest = prefix_tokens, digest.hexdigest()
    if cached_digest is None:
        return total, 0, 0
    if cached_digest in seen:
        return total - cached_tokens, 0, cached_tokens
    seen.add(cached_digest)
    return total - cached_tokens, cached_tokens, 0


# ------------------------------------------------------------------------------ replies


def _last_user_turn(body: Mapping[str, Any]) -> list[Any]:
    """The messages of the last user turn (consecutive user messages merge into one)."""
    turn: list[Any] = []
    for message in reversed(body.get("messages") or []):
        if message.get("role") != "user":
            if turn:
                break
            continue
        turn.insert(0, message)
    return turn


def _last_user_text(body: Mapping[str, Any]) -> str:
    parts = []
    for message in _last_user_turn(body):
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
            continue
        parts += [
            str(b.get("text", "")) if b.get("type") == "text" else json.dumps(b, sort_keys=True)
            for b in content or []
            if isinstance(b, dict)
        ]
    return " ".join(parts)


def _tool_results(body: Mapping[str, Any]) -> str:
    """The text of the `tool_result` blocks in the last user turn ("" when there are none)."""
    found = []
    for message in _last_user_turn(body):
        content = message.get("content")
        for block in content if isinstance(content, list) else []:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                inner = block.get("content", "")
                if isinstance(inner, list):
                    inner = " ".join(str(b.get("text", "")) for b in inner if isinstance(b, dict))
                found.append(str(inner) or "(no output)")
    return " ".join(found)


_PLACE = re.compile(r"\b(?:in|at|for) ([A-Z][\w'-]*(?:,? [A-Z][\w'-]*)*)")


_FORMAT_EXAMPLES = {
    "date-time": "2025-01-01T12:00:00Z",
    "date": "2025-01-01",
    "time": "12:00:00",
    "duration": "P1D",
    "email": "someone@example.com",
    "hostname": "example.com",
    "uri": "https://example.com/",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uuid": "123e4567-e89b-12d3-a456-426614174000",
}

# Below this depth arrays may be empty and nullable values null, so recursive schemas end.
_MAX_DEPTH = 4


class _OutOfTokens(Exception):
    """The value being generated would not fit in `max_tokens`."""


def _example(
    schema: object,
    rng: random.Random,
    name: str = "value",
    place: str = "",
    defs: Mapping[str, Any] | None = None,
    depth: int = 0,
    budget: list[int] | None = None,
) -> Any:
    """A value that validates against a JSON Schema; `place` fills locations.

    Handles objects (every property), arrays (`minItems`, at least one item near the
    root), `$ref` into `$defs`, `anyOf`/`oneOf` (the first non-null choice), `allOf`,
    `enum`, `const`, string `format`s, numbers within `minimum`/`maximum`, booleans, null.
    `budget` (a one-item list, shared by the recursion) caps the values generated: past
    it, `_OutOfTokens` is raised, as a real model would run into `max_tokens`.
    """
    if budget is not None:
        budget[0] -= 1
        if budget[0] < 0:
            raise _OutOfTokens
    if not isinstance(schema, dict):
        return rng.choice(VOCABULARY)
    if defs is None:
        defs = schema.get("$defs") or {}

    def sub(part: object, key: str = name) -> Any:
        return _example(part, rng, key, place, defs, depth + 1, budget)

    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return _example(
            defs.get(ref.removeprefix("#/$defs/")), rng, name, place, defs, depth, budget
        )
    for key in ("anyOf", "oneOf"):
        choices = schema.get(key)
        if isinstance(choices, list) and choices:
            nulls = [c for c in choices if isinstance(c, dict) and c.get("type") == "null"]
            others = [c for c in choices if c not in nulls]
            if depth >= _MAX_DEPTH and nulls:
                return None
            return _example((others or choices)[0], rng, name, place, defs, depth, budget)
    parts = schema.get("allOf")
    if isinstance(parts, list) and parts:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in parts:
            while isinstance(part, dict) and isinstance(part.get("$ref"), str):
                part = defs.get(part["$ref"].removeprefix("#/$defs/"))
            if isinstance(part, dict):
                properties = {**merged.get("properties", {}), **part.get("properties", {})}
                merged = {**merged, **part}
                # Only objects get properties: with a `properties` key the merge of
                # `{"type": "integer"}` parts was written as an object.
                if properties:
                    merged["properties"] = properties
        return _example(merged, rng, name, place, defs, depth, budget)
    if schema.get("enum"):
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        return {key: sub(part, key) for key, part in props.items()}
    if kind == "array":
        least = 1 if depth < _MAX_DEPTH else 0
        count = int(schema.get("minItems", least))
        return [sub(schema.get("items", {})) for _ in range(count)]
    if kind == "integer":
        low = int(schema.get("minimum", 0))
        return rng.randint(low, max(low, int(schema.get("maximum", low + 100))))
    if kind == "number":
        bottom = float(schema.get("minimum", 0))
        return round(rng.uniform(bottom, float(schema.get("maximum", bottom + 100))), 2)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if schema.get("format") in _FORMAT_EXAMPLES:
        return _FORMAT_EXAMPLES[schema["format"]]
    if name in ("location", "city", "place"):
        return place or "San Francisco, CA"
    return f"{rng.choice(VOCABULARY)} {rng.choice(VOCABULARY)}"


def _runs_here(tool: Mapping[str, Any]) -> bool:
    """Whether the caller runs `tool` (a custom tool, or the memory tool, whose schema the
    API defines), so the model answers it with a `tool_use` block. Server tools (web
    search, code execution, ...) are run by the API and never called this way."""
    return "input_schema" in tool or str(tool.get("type", "")).startswith("memory_")


def _tools_in_view(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The `tools` param as the history's system messages change it: `tool_addition`
    blocks add a definition (in place of one of its name), `tool_removal` blocks remove
    one, in the order of the history."""
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
    for message in body.get("messages") or []:
        content = message.get("content") if message.get("role") == "system" else None
        for block in content if isinstance(content, list) else []:
            tool = block.get("tool") if isinstance(block, dict) else None
            if not isinstance(tool, dict):
                continue
            if block.get("type") == "tool_addition" and isinstance(tool.get("definition"), dict):
                added: dict[str, Any] = tool["definition"]
                tools = [t for t in tools if t.get("name") != added.get("name")] + [added]
            elif block.get("type") == "tool_removal":
                tools = [t for t in tools if t.get("name") != tool.get("name")]
    return tools


_TOOLSET_TYPE = re.compile(r"([a-z]+)_toolset_\d+")
# The members of the API's toolset families the fake model calls.
_TOOLSET_MEMBERS = {
    "browser": ("navigate", "read_page", "find", "screenshot", "left_click", "type", "scroll"),
    "computer": ("screenshot", "left_click", "type", "key", "scroll", "mouse_move"),
}


def _toolset_members(body: Mapping[str, Any], prompt: str) -> list[dict[str, Any]]:
    """The member calls of the toolsets in `tools` ("... the browser to navigate, then
    screenshot"): each member the prompt names, in its order, once the prompt names the
    family; a pseudo tool with its `toolset_name`, whose input is empty."""
    found: list[tuple[int, dict[str, Any]]] = []
    for tool in body.get("tools") or []:
        match = _TOOLSET_TYPE.fullmatch(str(tool.get("type", "")))
        family = match.group(1) if match else None
        if family is None or not re.search(rf"\b{family}\b", prompt, re.IGNORECASE):
            continue
        for member in _TOOLSET_MEMBERS.get(family, ()):
            for at in re.finditer(rf"\b{member}\b", prompt):
                found.append(
                    (
                        at.start(),
                        {
                            "name": member,
                            "toolset_name": family,
                            "input_schema": {"type": "object"},
                        },
                    )
                )
    return [member for _, member in sorted(found, key=lambda pair: pair[0])]


def _pick_calls(body: Mapping[str, Any], prompt: str) -> list[tuple[dict[str, Any], str]]:
    """The tool calls of the reply, in order: (tool, the place its input names).

    With `tool_choice` auto the model calls each tool the prompt names (the first tool when
    it only asks for "a tool" or the weather), once for each place the prompt names ("in
    Paris and Rome" gives two calls), and answers in text once the last user turn holds
    tool results. `any` calls even then; `tool` calls the one named; `none` calls nothing;
    `disable_parallel_tool_use` keeps the first call.
    """
    tools = [t for t in _tools_in_view(body) if _runs_here(t)]
    members = _toolset_members(body, prompt)
    if not tools and not members:
        return []
    choice = body.get("tool_choice") or {"type": "auto"}
    kind = choice.get("type") if isinstance(choice, dict) else "auto"
    if kind == "none" or (kind == "auto" and _tool_results(body)):
        # With a tool's result in hand the model answers, which ends an agent's loop.
        return []
    lowered = prompt.lower()
    named = [t for t in tools if str(t.get("name", "")).lower() in lowered]
    if kind == "tool":
        named = [next((t for t in tools if t.get("name") == choice.get("name")), tools[0])]
    elif (
        not named
        and tools
        and not members
        and (kind == "any" or "tool" in lowered or "weather" in lowered or "use " in lowered)
    ):
        named = [tools[0]]
    places = _places(prompt)
    calls = [(tool, place) for tool in named for place in places]
    calls += [(member, places[0]) for member in members]
    if isinstance(choice, dict) and choice.get("disable_parallel_tool_use"):
        calls = calls[:1]
    return calls


def _tool_searches(
    body: Mapping[str, Any], calls: list[tuple[dict[str, Any], str]], message_id: str
) -> tuple[list[Any], list[tuple[dict[str, Any], str]]]:
    """The tool searches the reply makes first, and the calls it can then make.

    A tool with `defer_loading` is hidden from the model until a tool search (the server
    tool `tool_search_tool_regex` / `_bm25`) has found it: the reply searches for each such
    tool it wants (a `server_tool_use` block and its `tool_search_tool_result`, naming the
    tool) unless an earlier turn already found it; without a search tool it cannot call it.
    """
    search = next(
        (
            t
            for t in body.get("tools") or []
            if isinstance(t, dict) and str(t.get("type", "")).startswith("tool_search_tool_")
        ),
        None,
    )
    found = {
        str(reference.get("tool_name"))
        for message in body.get("messages") or []
        if isinstance(message, dict) and isinstance(message.get("content"), list)
        for block in message["content"]
        if isinstance(block, dict) and block.get("type") == "tool_search_tool_result"
        for reference in (block.get("content") or {}).get("tool_references") or []
        if isinstance(reference, dict)
    }
    blocks: list[Any] = []
    kept: list[tuple[dict[str, Any], str]] = []
    for tool, place in calls:
        name = str(tool.get("name"))
        if tool.get("defer_loading") is True and name not in found:
            if search is None:
                continue
            search_id = (
                "srvtoolu_" + hashlib.sha256(f"{message_id}:{name}".encode()).hexdigest()[:24]
            )
            key = "pattern" if "regex" in str(search.get("type")) else "query"
            blocks += [
                ServerToolUseBlock(id=search_id, name=str(search.get("name")), input={key: name}),
                ToolSearchToolResultBlock(
                    tool_use_id=search_id,
                    content=ToolSearchToolSearchResultBlock(
                        tool_references=[ToolReferenceBlock(tool_name=name)]
                    ),
                ),
            ]
            found.add(name)
        kept.append((tool, place))
    return blocks, kept


def _places(prompt: str) -> list[str]:
    """The places a prompt asks about ("... in Paris, Lima and Rome?" gives all three, "in
    San Francisco, CA" one), or San Francisco."""
    found = _PLACE.search(prompt)
    if not found:
        return ["San Francisco, CA"]
    places: list[str] = []
    parts = found.group(1).split(", ")
    while more := _MORE_PLACES.match(prompt, found.end()):
        parts.append(more.group(1))
        found = more
    for part in parts:
        if places and re.fullmatch(r"[A-Z]{2}", part):
            places[-1] += f", {part}"  # a state: "San Francisco, CA"
        else:
            places.append(part)
    return places


_MORE_PLACES = re.compile(r",? (?:and )?([A-Z][\w'-]*(?: [A-Z][\w'-]*)*)")


def _tool_input(tool: Mapping[str, Any], rng: random.Random, place: str, budget: int) -> Any:
    """The input of one call of `tool`."""
    if str(tool.get("type", "")).startswith("memory_"):
        # A model given the memory tool looks at its memory directory first.
        return {"command": "view", "path": "/memories"}
    value = _example(tool.get("input_schema", {}), rng, place=place, budget=[budget])
    return value if isinstance(value, dict) else {"value": value}


@dataclass
class Reply:
    """A generated reply: the message, and the words each text/thinking delta carries."""

    message: Message
    chunks: dict[int, list[str]]


def generate_reply(
    body: Mapping[str, Any],
    *,
    seed: int,
    message_id: str,
    usage: Usage,
    model: str,
) -> Reply:
    """The fake model's deterministic answer to a valid request body.

    Text: "You said: <the prompt's first words>." then seeded words; a `tool_use` block
    when a tool is requested; a thinking block first when thinking is enabled or
    adaptive. With `output_config.format` the text is instead JSON matching its schema
    (and no tool is called). Tool calls as `_pick_calls` says, each input made to fit its
    tool's schema. After a `tool_result` (with `tool_choice` auto) it answers in text, "The
    tool returned: ...". Honours `max_tokens` and `stop_sequences`. The reply names `model`
    (the model's id, which an alias in `body` does not give).
    """
    prompt = _last_user_text(body)
    if isinstance(body.get("compaction"), dict):
        return _compaction_reply(body, message_id, usage, model)
    rng = random.Random(f"{seed}:{prompt}")
    max_tokens = int(body["max_tokens"])
    blocks: list[Any] = []
    chunks: dict[int, list[str]] = {}
    used = 0
    stop_reason: StopReason = "end_turn"
    stop_sequence = None

    thinking = body.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive"):
        budget = max(1, int(thinking.get("budget_tokens", 1024)))
        words = [
            w + " "
            for w in ["Let", "me", "think", "about", "this."]
            + [rng.choice(VOCABULARY) for _ in range(min(budget, 40))]
        ]
        words = words[: max(1, min(len(words), max_tokens - 1))]
        used += len(words)
        chunks[len(blocks)] = words
        signature = hashlib.sha256("".join(words).encode()).hexdigest()
        blocks.append(ThinkingBlock(thinking="".join(words), signature=signature))

    schema = output_schema(body)
    if schema is not None:
        calls: list[tuple[dict[str, Any], str]] = []
        try:
            value = _example(schema, rng, place=_places(prompt)[0], budget=[max_tokens - used])
            answer = json.dumps(value, ensure_ascii=False)
            words = _split_json(answer, max(1, len(answer) // 12))
        except _OutOfTokens:
            # More than fits: the JSON breaks off at `max_tokens`, as a real model's would.
            words = ['{"'] + ["x"] * (max_tokens - used)
    else:
        calls = _pick_calls(body, prompt)
        results = _tool_results(body)
        echo = " ".join((results or prompt).split()[:8])
        opening = "The tool returned" if results else "You said"
        words = [f"{opening}: {echo}." if echo else "Hello!"] + [
            " " + rng.choice(VOCABULARY) for _ in range(rng.randint(12, 40) if not calls else 6)
        ]
    budget_left = max_tokens - used
    if len(words) > budget_left:
        words = words[: max(budget_left, 0)]
        stop_reason = "max_tokens"
    text = "".join(words)
    for sequence in body.get("stop_sequences") or []:
        at = text.find(sequence)
        if at >= 0 and (stop_sequence is None or at < text.find(stop_sequence)):
            stop_sequence = sequence
    if stop_sequence is not None:
        text = text[: text.find(stop_sequence)]
        stop_reason = "stop_sequence"
        kept: list[str] = []
        length = 0
        for word in words:
            if length + len(word) > len(text):
                if len(text) > length:
                    kept.append(text[length:])
                break
            kept.append(word)
            length += len(word)
        words = kept
    if words:
        chunks[len(blocks)] = words
        blocks.append(TextBlock(text=text))
    used += len(words)
    searches, calls = _tool_searches(body, calls, message_id)
    uses: list[ToolUseBlock] = []
    for i, (tool, place) in enumerate(calls if stop_reason == "end_turn" else []):
        try:
            tool_input = _tool_input(tool, rng, place, max_tokens - used)
        except _OutOfTokens:
            # The call breaks off at `max_tokens`, so it is not sent.
            used, stop_reason = max_tokens, "max_tokens"
            break
        key = message_id if i == 0 else f"{message_id}:{i}"
        uses.append(
            ToolUseBlock(
                id="toolu_" + hashlib.sha256(key.encode()).hexdigest()[:24],
                name=str(tool.get("name")),
                input=tool_input,
                toolset_name=tool.get("toolset_name"),
            )
        )
        used += text_tokens(json.dumps(tool_input))
    if uses and stop_reason == "end_turn":
        blocks += [*searches, *uses]
        stop_reason = "tool_use"
    usage = Usage(
        input_tokens=usage.input_tokens,
        output_tokens=max(used, 1),
        cache_creation_input_tokens=usage.cache_creation_input_tokens,
        cache_read_input_tokens=usage.cache_read_input_tokens,
        service_tier="standard",
    )
    message = Message(
        id=message_id,
        type="message",
        role="assistant",
        content=blocks,
        model=model,
        stop_reason=stop_reason,
        stop_sequence=stop_sequence,
        usage=usage,
    )
    return Reply(message, chunks)


def _compaction_reply(body: Mapping[str, Any], message_id: str, usage: Usage, model: str) -> Reply:
    """The answer to a request with `compaction`: one compaction block summing up the
    conversation (how many messages, and the first words of each user text), stopping
    with `compaction`."""
    messages = [m for m in body.get("messages") or [] if m.get("role") != "system"]
    texts = [m["content"] for m in messages if isinstance(m.get("content"), str)]
    summary = f"Summary of {len(messages)} messages: " + " / ".join(
        " ".join(t.split()[:6]) for t in texts
    )
    message = Message(
        id=message_id,
        type="message",
        role="assistant",
        content=[BetaCompactionBlock(content=summary)],
        model=model,
        stop_reason=cast(StopReason, "compaction"),
        stop_sequence=None,
        usage=Usage(
            input_tokens=usage.input_tokens,
            output_tokens=max(1, text_tokens(summary)),
            service_tier="standard",
        ),
    )
    return Reply(message, {})


def _split_json(text: str, pieces: int) -> list[str]:
    size = max(1, math.ceil(len(text) / pieces))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def message_events(
    message: Message, chunks: Mapping[int, list[str]] | None = None, *, ping_every: int = 50
) -> list[dict[str, Any]]:
    """The stream events that describe `message`, in the API's order, with pings."""
    start = message.to_dict()
    start["content"] = []
    start["stop_reason"] = None
    start["stop_sequence"] = None
    start["usage"] = {**start["usage"], "output_tokens": 1}
    events: list[dict[str, Any]] = [{"type": "message_start", "message": start}]
    for index, block in enumerate(message.content):
        data = json.loads(encode_json(block))
        deltas: list[dict[str, Any]] = []
        if data["type"] == "text":
            pieces = (chunks or {}).get(index) or _words(data["text"])
            deltas = [{"type": "text_delta", "text": p} for p in pieces]
            for citation in data.pop("citations", None) or []:
                deltas.append({"type": "citations_delta", "citation": citation})
            data["text"] = ""
        elif data["type"] == "thinking":
            pieces = (chunks or {}).get(index) or _words(data["thinking"])
            deltas = [{"type": "thinking_delta", "thinking": p} for p in pieces]
            deltas.append({"type": "signature_delta", "signature": data["signature"]})
            data["thinking"], data["signature"] = "", ""
        elif data["type"] in ("tool_use", "server_tool_use"):
            encoded = json.dumps(data["input"])
            deltas = [
                {"type": "input_json_delta", "partial_json": p}
                for p in _split_json(encoded, max(1, len(encoded) // 12))
            ]
            data["input"] = {}
        elif data["type"] == "compaction":
            # Whole, in one delta, as the API sends it.
            deltas = [
                {
                    "type": "compaction_delta",
                    "content": data.get("content"),
                    "encrypted_content": data.get("encrypted_content"),
                }
            ]
            data["content"] = None
        events.append({"type": "content_block_start", "index": index, "content_block": data})
        events += [{"type": "content_block_delta", "index": index, "delta": d} for d in deltas]
        events.append({"type": "content_block_stop", "index": index})
    usage = message.usage
    events.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": message.stop_reason, "stop_sequence": message.stop_sequence},
            "usage": {
                "output_tokens": usage.output_tokens,
                "input_tokens": usage.input_tokens,
                "cache_creation_input_tokens": usage.cache_creation_input_tokens,
                "cache_read_input_tokens": usage.cache_read_input_tokens,
            },
        }
    )
    events.append({"type": "message_stop"})
    if ping_every <= 0:
        return events
    with_pings = [events[0], {"type": "ping"}]
    for i, event in enumerate(events[1:], 1):
        if i % ping_every == 0:
            with_pings.append({"type": "ping"})
        with_pings.append(event)
    return with_pings


def _words(text: str) -> list[str]:
    pieces: list[str] = []
    for i, word in enumerate(text.split(" ")):
        pieces.append(word if i == 0 else " " + word)
    return [p for p in pieces if p] or ([text] if text else [])
