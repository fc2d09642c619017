"""Request validation with the real API's statuses and messages (sans-I/O).

`validate_message_params` takes the decoded JSON body of `POST /v1/messages` (or
`count_tokens`) and either returns a normalised `MessageParams` or raises `RequestError`:
400 `invalid_request_error` for a malformed request, 404 `not_found_error` for an unknown
model. Messages name the offending field the way the real API does (`messages.1.role: …`).
Unknown top-level fields and unknown content-block types are accepted, so requests using
features newer than the fake still get a reply.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..types import ModelInfo
from ._common import RequestError, invalid

__all__ = ("MessageParams", "ThinkingConfig", "validate_message_params")

_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
_MIN_THINKING_BUDGET = 1024


@dataclass(frozen=True)
class ThinkingConfig:
    """Extended thinking as requested: enabled with a token budget."""

    budget_tokens: int


@dataclass(frozen=True)
class MessageParams:
    """A validated Messages request; lists and dicts are the decoded JSON, not copies."""

    model: str
    model_info: ModelInfo
    max_tokens: int
    messages: list[dict[str, Any]]
    system: str | list[dict[str, Any]] | None
    stop_sequences: tuple[str, ...]
    stream: bool
    tools: list[dict[str, Any]]
    tool_choice: dict[str, Any] | None
    thinking: ThinkingConfig | None
    raw: dict[str, Any]

    @property
    def custom_tools(self) -> list[dict[str, Any]]:
        """The tools the caller implements (server tools such as web search excluded)."""
        return [t for t in self.tools if t.get("type", "custom") == "custom"]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _kind(value: object) -> str:
    return {
        dict: "object",
        list: "list",
        str: "string",
        bool: "boolean",
        int: "integer",
        float: "number",
    }.get(type(value), "null")


def _require_object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(f"{where}: Input should be a valid dictionary, got {_kind(value)}")
    return value


def _unit_interval(body: Mapping[str, Any], name: str) -> None:
    value = body.get(name)
    if value is None:
        return
    if not _is_number(value):
        raise invalid(f"{name}: Input should be a valid number")
    if value < 0:
        raise invalid(f"{name}: Input should be greater than or equal to 0")
    if value > 1:
        raise invalid(f"{name}: Input should be less than or equal to 1")


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise invalid(f"{where}: Input should be a valid string")
    if not value.strip():
        raise invalid(f"{where}: text content blocks must contain non-whitespace text")
    return value


def _check_block(block: object, where: str) -> dict[str, Any]:
    block = _require_object(block, where)
    kind = block.get("type")
    if kind is None:
        raise invalid(f"{where}.type: Field required")
    if not isinstance(kind, str):
        raise invalid(f"{where}.type: Input should be a valid string")
    if kind == "text":
        if "text" not in block:
            raise invalid(f"{where}.text: Field required")
        _text(block["text"], f"{where}.text")
    elif kind == "tool_use":
        for name in ("id", "name"):
            if not isinstance(block.get(name), str):
                raise invalid(f"{where}.{name}: Field required (a string)")
        if "input" not in block:
            raise invalid(f"{where}.input: Field required")
    elif kind == "tool_result":
        if not isinstance(block.get("tool_use_id"), str):
            raise invalid(f"{where}.tool_use_id: Field required (a string)")
        content = block.get("content")
        if isinstance(content, list):
            for i, inner in enumerate(content):
                _check_block(inner, f"{where}.content.{i}")
        elif content is not None and not isinstance(content, str):
            raise invalid(f"{where}.content: Input should be a valid string or list of blocks")
    elif kind in ("image", "document") and not isinstance(block.get("source"), dict):
        raise invalid(f"{where}.source: Field required")
    return block


def _check_messages(value: object) -> list[dict[str, Any]]:
    if value is None:
        raise invalid("messages: Field required")
    if not isinstance(value, list):
        raise invalid("messages: Input should be a valid list")
    if not value:
        raise invalid("messages: at least one message is required")
    messages: list[dict[str, Any]] = []
    previous_tool_ids: list[str] = []
    for i, raw in enumerate(value):
        message = _require_object(raw, f"messages.{i}")
        role = message.get("role")
        if role not in ("user", "assistant"):
            raise invalid(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        if i == 0 and role != "user":
            raise invalid('messages: first message must use the "user" role')
        if messages and messages[-1]["role"] == role:
            raise invalid(
                'messages: roles must alternate between "user" and "assistant", '
                f'but found multiple "{role}" roles in a row'
            )
        if "content" not in message:
            raise invalid(f"messages.{i}.content: Field required")
        content = message["content"]
        is_last = i == len(value) - 1
        blocks: list[dict[str, Any]] = []
        if isinstance(content, str):
            if not content.strip() and not (is_last and role == "assistant"):
                raise invalid(
                    f"messages.{i}: all messages must have non-empty content except for "
                    "the optional final assistant message"
                )
        elif isinstance(content, list):
            if not content and not (is_last and role == "assistant"):
                raise invalid(
                    f"messages.{i}: all messages must have non-empty content except for "
                    "the optional final assistant message"
                )
            blocks = [_check_block(b, f"messages.{i}.content.{j}") for j, b in enumerate(content)]
        else:
            raise invalid(f"messages.{i}.content: Input should be a valid string or list")
        _check_tool_pairing(i, blocks, previous_tool_ids)
        previous_tool_ids = [b["id"] for b in blocks if b["type"] == "tool_use"]
        messages.append(message)
    return messages


def _check_tool_pairing(index: int, blocks: list[dict[str, Any]], expected: list[str]) -> None:
    # Each tool_use must be answered by a tool_result in the very next (user) message, and a
    # tool_result must answer a tool_use of the message just before it.
    results = [b["tool_use_id"] for b in blocks if b["type"] == "tool_result"]
    unexpected = [r for r in results if r not in expected]
    if unexpected:
        raise invalid(
            f"messages.{index}.content: unexpected `tool_use_id` found in `tool_result` blocks: "
            f"{', '.join(unexpected)}. Each `tool_result` block must have a corresponding "
            "`tool_use` block in the previous message."
        )
    missing = [t for t in expected if t not in results]
    if missing:
        raise invalid(
            f"messages.{index - 1}: `tool_use` ids were found without `tool_result` blocks "
            f"immediately after: {', '.join(missing)}. Each `tool_use` block must have a "
            "corresponding `tool_result` block in the next message."
        )


def _check_system(value: object) -> str | list[dict[str, Any]] | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        for i, block in enumerate(value):
            block = _require_object(block, f"system.{i}")
            if block.get("type") != "text":
                raise invalid(f"system.{i}.type: Input should be 'text'")
            _text(block.get("text"), f"system.{i}.text")
        return value
    raise invalid("system: Input should be a valid string or list of text blocks")


def _check_tools(value: object) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid("tools: Input should be a valid list")
    names: set[str] = set()
    tools: list[dict[str, Any]] = []
    for i, raw in enumerate(value):
        tool = _require_object(raw, f"tools.{i}")
        name = tool.get("name")
        if not isinstance(name, str):
            raise invalid(f"tools.{i}.name: Field required (a string)")
        if tool.get("type", "custom") == "custom":
            if not _TOOL_NAME.match(name):
                raise invalid(
                    f"tools.{i}.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'"
                )
            schema = tool.get("input_schema")
            if schema is None:
                raise invalid(f"tools.{i}.input_schema: Field required")
            if not isinstance(schema, dict) or schema.get("type") != "object":
                raise invalid(
                    f'tools.{i}.input_schema: must be a JSON schema with "type": "object"'
                )
        if name in names:
            raise invalid("tools: Tool names must be unique.")
        names.add(name)
        tools.append(tool)
    return tools


def _check_tool_choice(value: object, tools: list[dict[str, Any]]) -> dict[str, Any] | None:
    if value is None:
        return None
    choice = _require_object(value, "tool_choice")
    kind = choice.get("type")
    if kind not in ("auto", "any", "tool", "none"):
        raise invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'")
    if kind != "none" and not tools:
        raise invalid("tool_choice may only be specified while providing tools.")
    if kind == "tool":
        name = choice.get("name")
        if not isinstance(name, str):
            raise invalid("tool_choice.name: Field required")
        if name not in {t["name"] for t in tools}:
            raise invalid(f"tool_choice.name: tool {name!r} was not found in `tools`")
    return choice


def _check_thinking(body: Mapping[str, Any], max_tokens: int | None) -> ThinkingConfig | None:
    value = body.get("thinking")
    if value is None:
        return None
    thinking = _require_object(value, "thinking")
    kind = thinking.get("type")
    if kind == "disabled":
        return None
    if kind != "enabled":
        raise invalid("thinking.type: Input should be 'enabled' or 'disabled'")
    budget = thinking.get("budget_tokens")
    if budget is None:
        raise invalid("thinking.enabled.budget_tokens: Field required")
    if not _is_int(budget):
        raise invalid("thinking.enabled.budget_tokens: Input should be a valid integer")
    if budget < _MIN_THINKING_BUDGET:
        raise invalid(
            "thinking.enabled.budget_tokens: Input should be greater than or equal to "
            f"{_MIN_THINKING_BUDGET}"
        )
    if max_tokens is not None and max_tokens <= budget:
        raise invalid("`max_tokens` must be greater than `thinking.budget_tokens`.")
    temperature = body.get("temperature")
    if temperature is not None and temperature != 1:
        raise invalid("`temperature` may only be set to 1 when thinking is enabled.")
    if body.get("top_k") is not None:
        raise invalid("`top_k` cannot be set when thinking is enabled.")
    return ThinkingConfig(budget_tokens=budget)


def _check_stop_sequences(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise invalid("stop_sequences: Input should be a valid list of strings")
    if any(not s.strip() for s in value):
        raise invalid("stop_sequences: each stop sequence must contain non-whitespace")
    return tuple(value)


def validate_message_params(
    body: object,
    resolve_model: Callable[[str], ModelInfo | None],
    *,
    count_tokens: bool = False,
) -> MessageParams:
    """Check a Messages request body; `count_tokens=True` for `/v1/messages/count_tokens`.

    Raises `RequestError`: 400 for a malformed request, 404 for an unknown model.
    """
    body = _require_object(body, "body")
    model = body.get("model")
    if model is None:
        raise invalid("model: Field required")
    if not isinstance(model, str):
        raise invalid("model: Input should be a valid string")
    max_tokens = body.get("max_tokens")
    if max_tokens is None and not count_tokens:
        raise invalid("max_tokens: Field required")
    if max_tokens is not None:
        if not _is_int(max_tokens):
            raise invalid("max_tokens: Input should be a valid integer")
        if max_tokens < 1:
            raise invalid("max_tokens: Input should be greater than or equal to 1")
    messages = _check_messages(body.get("messages"))
    system = _check_system(body.get("system"))
    _unit_interval(body, "temperature")
    _unit_interval(body, "top_p")
    top_k = body.get("top_k")
    if top_k is not None and (not _is_int(top_k) or top_k < 0):
        raise invalid("top_k: Input should be a non-negative integer")
    stop_sequences = _check_stop_sequences(body.get("stop_sequences"))
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise invalid("stream: Input should be a valid boolean")
    metadata = body.get("metadata")
    if metadata is not None:
        _require_object(metadata, "metadata")
    tools = _check_tools(body.get("tools"))
    tool_choice = _check_tool_choice(body.get("tool_choice"), tools)
    thinking = _check_thinking(body, max_tokens)
    if thinking is not None and tool_choice is not None and tool_choice["type"] in ("any", "tool"):
        raise invalid("Thinking may not be enabled when tool_choice forces tool use.")
    info = resolve_model(model)
    if info is None:
        raise RequestError(404, f"model: {model}")
    if max_tokens is not None and info.max_tokens is not None and max_tokens > info.max_tokens:
        raise invalid(
            f"max_tokens: {max_tokens} > {info.max_tokens}, which is the maximum allowed number "
            f"of output tokens for {info.id}"
        )
    return MessageParams(
        model=model,
        model_info=info,
        max_tokens=max_tokens or 0,
        messages=messages,
        system=system,
        stop_sequences=stop_sequences,
        stream=stream,
        tools=tools,
        tool_choice=tool_choice,
        thinking=thinking,
        raw=body,
    )
