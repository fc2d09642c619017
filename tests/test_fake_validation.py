"""FakeClaude's request validation: what it refuses, with which status and exactly which
message, and what it takes. Client tests rely on the fake refusing what the API refuses (a
client that sends a wrong body must see the 400 it would see in production), so each rule
is pinned here by a body that breaks only it, next to one that only just passes. The unit
table calls `validate_message_request` directly (one function); the wire test reads a few
of the same refusals over HTTP on 127.0.0.1 with the pinned official SDK, and checks that
the literals the fake accepts are those of the official SDK's types."""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import pytest
from anthropic.types import OutputConfigParam, ThinkingConfigParam, ToolChoiceParam

from anyio_claude.testing import FakeClaude
from anyio_claude.testing._fake_model import DEFAULT_MODELS, RequestError, validate_message_request

MODEL = "claude-sonnet-5-5"
MODELS = {m.id: m for m in DEFAULT_MODELS}
BASE: dict[str, Any] = {
    "model": MODEL,
    "max_tokens": 2000,
    "messages": [{"role": "user", "content": "Hi"}],
}
DROP = object()
OBJ = {"type": "object"}
TYPE_ERR = "Input should be a valid string"


def _body(**changes: Any) -> dict[str, Any]:
    body = dict(BASE)
    for key, value in changes.items():
        if value is DROP:
            body.pop(key)
        else:
            body[key] = value
    return body


def _user(*blocks: Any) -> list[Any]:
    return [{"role": "user", "content": list(blocks)}]


def _schema(schema: Any) -> dict[str, Any]:
    return _body(output_config={"format": {"type": "json_schema", "schema": schema}})


def _tool_schema(schema: Any) -> dict[str, Any]:
    return _body(tools=[{"name": "t", "input_schema": schema}])


S = "output_config.format.schema"
INVALID = "JSON schema is invalid"
ROLE = "Input should be 'user', 'assistant' or 'system'"
FIRST = 'messages: first message must use the "user" role'
CONTENT = "Input should be a valid string or list"
NO_TYPE = "each block needs a string `type`"
NEEDS = "each tool needs a `name` and an `input_schema`"
CHOICE = "tool_choice: `type` should be one of 'auto', 'any', 'tool', 'none'"
THINK = "thinking: `type` should be 'enabled', 'disabled', 'adaptive' or 'between_tools'"
EFFORT = "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'"
RANGE_T = "temperature: range: 0..1"
STOPS = "stop_sequences: Input should be a list of non-empty strings"
META = "metadata: Input should be an object with a string `user_id`"
SYSTEM = "system: Input should be a valid string or list of text blocks"
EFFORTS = ("low", "medium", "high", "xhigh", "max")
COMPACTION = {"type": "compaction", "content": "summary"}
REFUSED: list[tuple[Any, str]] = [
    # The body and the required fields.
    ([], "request body must be a JSON object"),
    ("x", "request body must be a JSON object"),
    (_body(model=DROP), "model: Field required"),
    (_body(model=None), "model: Field required"),
    (_body(model=3), "model: Input should be a valid string"),
    (_body(max_tokens=DROP), "max_tokens: Field required"),
    (_body(max_tokens="5"), "max_tokens: Input should be a valid integer"),
    (_body(max_tokens=True), "max_tokens: Input should be a valid integer"),
    (_body(max_tokens=1.5), "max_tokens: Input should be a valid integer"),
    (_body(max_tokens=0), "max_tokens: Input should be greater than or equal to 1"),
    (_body(messages=DROP), "messages: Field required"),
    (_body(messages=None), "messages: Field required"),
    (_body(messages=[]), "messages: at least one message is required"),
    (_body(messages={"role": "user"}), "messages: at least one message is required"),
    (_body(messages="Hi"), "messages: at least one message is required"),
    # Roles and turns.
    (_body(messages=["Hi"]), f"messages.0.role: {ROLE}"),
    (_body(messages=[{"role": "bot", "content": "x"}]), f"messages.0.role: {ROLE}"),
    (_body(messages=[*BASE["messages"], {"role": "robot"}]), f"messages.1.role: {ROLE}"),
    (_body(messages=[{"role": "assistant", "content": "x"}]), FIRST),
    (_body(messages=[{"role": "system", "content": "s"}, {"role": "assistant", "content": "x"}]), FIRST),
    (_body(messages=[{"role": "assistant", "content": ["x"]}]), FIRST),
    (_body(messages=[{"role": "assistant", "content": []}]), FIRST),
    (_body(messages=[{"role": "assistant", "content": [{"type": "text", "text": "a"}]}]), FIRST),
    (_body(messages=[{"role": "user", "content": [COMPACTION]}, {"role": "user"}]), f"messages.1.content: {CONTENT}"),
    (_body(messages=[{"role": "user"}]), f"messages.0.content: {CONTENT}"),
    (_body(messages=[{"role": "user", "content": 3}]), f"messages.0.content: {CONTENT}"),
    (_body(messages=[{"role": "user", "content": {"type": "text"}}]), f"messages.0.content: {CONTENT}"),
    # Blocks, with their place.
    (_body(messages=_user("x")), f"messages.0.content.0: {NO_TYPE}"),
    (_body(messages=_user({"text": "x"})), f"messages.0.content.0: {NO_TYPE}"),
    (_body(messages=_user({"type": 3})), f"messages.0.content.0: {NO_TYPE}"),
    (_body(messages=_user({"type": "text", "text": "a"}, {"type": "text"})), f"messages.0.content.1.text.text: {TYPE_ERR}"),
    (_body(messages=[*BASE["messages"], {"role": "assistant", "content": [{"type": "text", "text": 3}]}]), f"messages.1.content.0.text.text: {TYPE_ERR}"),
    (_body(messages=_user({"type": "thinking", "signature": "s"})), f"messages.0.content.0.thinking.thinking: {TYPE_ERR}"),
    (_body(messages=_user({"type": "thinking", "thinking": "t"})), f"messages.0.content.0.thinking.signature: {TYPE_ERR}"),
    (_body(messages=_user({"type": "redacted_thinking"})), f"messages.0.content.0.redacted_thinking.data: {TYPE_ERR}"),
    (_body(messages=_user({"type": "tool_use", "name": "n", "input": {}})), f"messages.0.content.0.tool_use.id: {TYPE_ERR}"),
    (_body(messages=_user({"type": "tool_use", "id": "i", "input": {}})), f"messages.0.content.0.tool_use.name: {TYPE_ERR}"),
    (_body(messages=_user({"type": "tool_use", "id": "i", "name": "n"})), "messages.0.content.0.tool_use.input: Input should be a valid dictionary"),
    (_body(messages=_user({"type": "tool_use", "id": "i", "name": "n", "input": []})), "messages.0.content.0.tool_use.input: Input should be a valid dictionary"),
    (_body(messages=_user({"type": "tool_result"})), f"messages.0.content.0.tool_result.tool_use_id: {TYPE_ERR}"),
    (_body(messages=_user({"type": "tool_result", "tool_use_id": "i", "content": 3})), f"messages.0.content.0.tool_result.content: {CONTENT}"),
    (_body(messages=_user({"type": "tool_result", "tool_use_id": "i", "content": None})), f"messages.0.content.0.tool_result.content: {CONTENT}"),
    (_body(messages=_user({"type": "tool_result", "tool_use_id": "i", "content": [{"type": "text", "text": "a"}, {"type": "text"}]})), f"messages.0.content.0.tool_result.content.1.text.text: {TYPE_ERR}"),
    (_body(messages=_user({"type": "tool_result", "tool_use_id": "i", "content": ["x"]})), f"messages.0.content.0.tool_result.content.0: {NO_TYPE}"),
    (_body(messages=_user({"type": "image"})), "messages.0.content.0.image.source: Field required"),
    (_body(messages=_user({"type": "document", "source": "x"})), "messages.0.content.0.document.source: Field required"),
    # Sampling and the other top-level fields.
    (_body(temperature=1.5), RANGE_T),
    (_body(temperature=-0.1), RANGE_T),
    (_body(temperature="0.5"), RANGE_T),
    (_body(temperature=True), RANGE_T),
    (_body(top_p=2), "top_p: range: 0..1"),
    (_body(top_p=-1), "top_p: range: 0..1"),
    (_body(top_k=-1), "top_k: Input should be greater than or equal to 0"),
    (_body(top_k=1.5), "top_k: Input should be greater than or equal to 0"),
    (_body(top_k=True), "top_k: Input should be greater than or equal to 0"),
    (_body(stop_sequences="STOP"), STOPS),
    (_body(stop_sequences=[""]), STOPS),
    (_body(stop_sequences=[1]), STOPS),
    (_body(stop_sequences=["a", ""]), STOPS),
    (_body(stream="yes"), "stream: Input should be a valid boolean"),
    (_body(stream=1), "stream: Input should be a valid boolean"),
    (_body(metadata="u"), META),
    (_body(metadata={"user_id": 3}), META),
    # The system prompt.
    (_body(system=3), SYSTEM),
    (_body(system={"type": "text", "text": "s"}), SYSTEM),
    (_body(system=["s"]), "system.0: Input should be a text block"),
    (_body(system=[{"type": "image", "source": {}}]), "system.0: Input should be a text block"),
    (_body(system=[{"type": "text", "text": "a"}, {"text": "b"}]), "system.1: Input should be a text block"),
    (_body(system=[{"type": "text"}]), f"system.0.text.text: {TYPE_ERR}"),
    # Tools and the tool choice.
    (_body(tools={}), "tools: Input should be a valid list"),
    (_body(tools="t"), "tools: Input should be a valid list"),
    (_body(tools=["t"]), f"tools.0: {NEEDS}"),
    (_body(tools=[{"input_schema": OBJ}]), f"tools.0: {NEEDS}"),
    (_body(tools=[{"name": 3, "input_schema": OBJ}]), f"tools.0: {NEEDS}"),
    (_body(tools=[{"name": "a", "input_schema": OBJ}, {"type": "mcp_toolset_x"}]), f"tools.1: {NEEDS}"),
    (_body(tools=[{"type": "x_mcp_toolset_1"}]), f"tools.0: {NEEDS}"),
    (_body(tools=[{"type": "mcp_toolset_1x"}]), f"tools.0: {NEEDS}"),
    (_body(tools=[{"type": 5}]), f"tools.0: {NEEDS}"),
    (_body(tools=[{"name": "a", "input_schema": "x"}]), "tools.0.input_schema: Input should be a valid dictionary"),
    (_body(tools=[{"name": "a", "input_schema": None}]), "tools.0.input_schema: Input should be a valid dictionary"),
    (_body(tools=[{"name": "a"}, {"name": "b", "input_schema": {"type": "nope"}}]), f"tools.1.input_schema.type: {INVALID}: unknown type 'nope'"),
    (_body(tool_choice="auto"), CHOICE),
    (_body(tool_choice={"type": "required"}), CHOICE),
    (_body(tool_choice={}), CHOICE),
    (_body(tool_choice={"type": "tool"}), "tool_choice.tool.name: Field required"),
    (_body(tool_choice={"type": "tool", "name": 3}), "tool_choice.tool.name: Field required"),
    # JSON Schemas, in the output format and in a tool.
    (_schema(3), f"{S}: Input should be an object"),
    (_schema({"type": "object", "properties": {"a": 3}}), f"{S}.properties.a: {INVALID}: a schema must be an object or boolean"),
    (_schema({"type": "nope"}), f"{S}.type: {INVALID}: unknown type 'nope'"),
    (_schema({"type": []}), f"{S}.type: {INVALID}: unknown type []"),
    (_schema({"type": ["string", "x"]}), f"{S}.type: {INVALID}: unknown type ['string', 'x']"),
    (_schema({"type": 3}), f"{S}.type: {INVALID}: unknown type 3"),
    (_schema({"minItems": -1}), f"{S}.minItems: {INVALID}: must be a non-negative integer"),
    (_schema({"maxItems": 1.5}), f"{S}.maxItems: {INVALID}: must be a non-negative integer"),
    (_schema({"minLength": True}), f"{S}.minLength: {INVALID}: must be a non-negative integer"),
    (_schema({"maxLength": "3"}), f"{S}.maxLength: {INVALID}: must be a non-negative integer"),
    (_schema({"minimum": "1"}), f"{S}.minimum: {INVALID}: must be a number"),
    (_schema({"maximum": True}), f"{S}.maximum: {INVALID}: must be a number"),
    (_schema({"enum": []}), f"{S}.enum: {INVALID}: must be a non-empty array"),
    (_schema({"enum": "a"}), f"{S}.enum: {INVALID}: must be a non-empty array"),
    (_schema({"required": "a"}), f"{S}.required: {INVALID}: must be an array of strings"),
    (_schema({"required": ["a", 1]}), f"{S}.required: {INVALID}: must be an array of strings"),
    (_schema({"properties": []}), f"{S}.properties: {INVALID}: must be an object"),
    (_schema({"items": 3}), f"{S}.items: {INVALID}: a schema must be an object or boolean"),
    (_schema({"items": {"type": "x"}}), f"{S}.items.type: {INVALID}: unknown type 'x'"),
    (_schema({"anyOf": {}}), f"{S}.anyOf: {INVALID}: must be an array"),
    (_schema({"oneOf": [3]}), f"{S}.oneOf.0: {INVALID}: a schema must be an object or boolean"),
    (_schema({"allOf": [{}, {"type": "x"}]}), f"{S}.allOf.1.type: {INVALID}: unknown type 'x'"),
    (_schema({"$defs": []}), f"{S}.$defs: {INVALID}: must be an object"),
    (_schema({"$defs": {"a": 3}}), f"{S}.$defs.a: {INVALID}: a schema must be an object or boolean"),
    (_schema({"properties": {"a": {"properties": {"b": {"minimum": "x"}}}}}), f"{S}.properties.a.properties.b.minimum: {INVALID}: must be a number"),
    (_tool_schema({"properties": {"a": {"enum": []}}}), f"tools.0.input_schema.properties.a.enum: {INVALID}: must be a non-empty array"),
    # The output config.
    (_body(output_config="json"), "output_config: Input should be an object"),
    (_body(output_config={"effort": "extreme"}), EFFORT),
    (_body(output_config={"format": "json"}), "output_config.format.type: Input should be 'json_schema'"),
    (_body(output_config={"format": {"type": "text"}}), "output_config.format.type: Input should be 'json_schema'"),
    (_body(output_config={"format": {"schema": OBJ}}), "output_config.format.type: Input should be 'json_schema'"),
    (_body(output_config={"format": {"type": "json_schema"}}), "output_config.format.schema: Input should be an object"),
    (_body(output_config={"format": {"type": "json_schema", "schema": True}}), "output_config.format.schema: Input should be an object"),
    # Thinking.
    (_body(thinking="on"), THINK),
    (_body(thinking={"type": "on"}), THINK),
    (_body(thinking={}), THINK),
    (_body(thinking={"type": "enabled"}), "thinking.enabled.budget_tokens: Input should be a valid integer"),
    (_body(thinking={"type": "enabled", "budget_tokens": True}), "thinking.enabled.budget_tokens: Input should be a valid integer"),
    (_body(thinking={"type": "enabled", "budget_tokens": 1500.0}), "thinking.enabled.budget_tokens: Input should be a valid integer"),
    (_body(thinking={"type": "enabled", "budget_tokens": 1023}), "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"),
    (_body(max_tokens=1024, thinking={"type": "enabled", "budget_tokens": 1024}), "max_tokens: must be greater than thinking.budget_tokens"),
    # The model's own limit, checked last: every 400 above comes before the model's 404.
    (_body(max_tokens=64_001), f"max_tokens: 64001 > 64000, which is the maximum allowed number of output tokens for {MODEL}"),
    (_body(model="nope", temperature=5), RANGE_T),
    (_body(model="nope", max_tokens=10**9, thinking={"type": "on"}), THINK),
]  # fmt: skip

ACCEPTED: list[dict[str, Any]] = [
    BASE,
    _body(max_tokens=1),
    _body(max_tokens=64_000),
    _body(messages=[{"role": "system", "content": "s"}, {"role": "user", "content": "x"}]),
    _body(messages=[*BASE["messages"], {"role": "assistant", "content": "a"}, {"role": "user", "content": []}]),
    # A compacted history opens with the assistant's compaction block.
    _body(messages=[{"role": "assistant", "content": [COMPACTION]}, {"role": "user", "content": "x"}]),
    _body(messages=[{"role": "assistant", "content": [COMPACTION, {"type": "text", "text": "t"}]}]),
    _body(messages=_user({"type": "future_block", "anything": 1}, {"type": "text", "text": "a"})),
    _body(messages=_user({"type": "tool_result", "tool_use_id": "i"}, {"type": "tool_result", "tool_use_id": "j", "content": "r"})),
    _body(messages=_user({"type": "tool_use", "id": "i", "name": "n", "input": {}}, {"type": "image", "source": {}}, {"type": "document", "source": {"type": "text"}})),
    _body(messages=_user({"type": "thinking", "thinking": "t", "signature": "s"}, {"type": "redacted_thinking", "data": "d"})),
    _body(temperature=0, top_p=1, top_k=0),
    _body(temperature=1, top_p=0.0, top_k=500),
    _body(temperature=None, top_p=None, top_k=None, stop_sequences=None, metadata=None),
    _body(stop_sequences=[]),
    _body(stop_sequences=["a", "b"]),
    _body(stream=False),
    _body(stream=True),
    _body(metadata={}),
    _body(metadata={"user_id": None}),
    _body(metadata={"user_id": "u"}),
    _body(system="s"),
    _body(system=[]),
    _body(system=[{"type": "text", "text": "a", "cache_control": {"type": "ephemeral"}}, {"type": "text", "text": "b"}]),
    _body(tools=[]),
    _body(tools=[{"name": "web_search", "type": "web_search_20250305"}, {"type": "mcp_toolset_20251120", "mcp_server_name": "m"}, {"name": "a", "input_schema": OBJ}]),
    _body(tool_choice={"type": "auto"}),
    _body(tool_choice={"type": "any"}),
    _body(tool_choice={"type": "none"}),
    _body(tool_choice={"type": "tool", "name": "a"}),
    _body(output_config={}),
    _body(output_config={"format": None}),
    *(_body(output_config={"effort": e}) for e in EFFORTS),
    _schema({}),
    _schema({"type": ["string", "null"], "minLength": 0, "maxLength": 3, "minItems": 0, "maxItems": 1, "minimum": -1.5, "maximum": 2}),
    _schema({"type": "object", "properties": {"a": True, "b": False}, "required": ["a"], "items": True, "enum": [1]}),
    _schema({"anyOf": [True, {"type": "null"}], "oneOf": [], "allOf": [{}], "$defs": {"x": {"type": "string"}}}),
    _tool_schema({"type": "object", "properties": {"a": {"type": "array", "items": {"$defs": {}}}}}),
    _body(thinking={"type": "disabled"}),
    _body(thinking={"type": "adaptive"}),
    _body(thinking={"type": "between_tools"}),
    _body(max_tokens=1025, thinking={"type": "enabled", "budget_tokens": 1024}),
]  # fmt: skip


@pytest.mark.parametrize(("body", "message"), REFUSED)
def test_each_rule_refuses_with_its_message(body: Any, message: str) -> None:
    with pytest.raises(RequestError) as caught:
        validate_message_request(body, MODELS)
    assert (caught.value.status, caught.value.error_type) == (400, "invalid_request_error")
    assert caught.value.message == message
    assert str(caught.value) == message


@pytest.mark.parametrize("body", ACCEPTED)
def test_what_only_just_passes_is_accepted(body: dict[str, Any]) -> None:
    validate_message_request(body, MODELS)


def test_an_unknown_model_is_a_404_after_every_400() -> None:
    with pytest.raises(RequestError) as caught:
        validate_message_request(_body(model="nope"), MODELS)
    assert (caught.value.status, caught.value.error_type) == (404, "not_found_error")
    assert caught.value.message == "model: nope"


def test_counting_tokens_needs_no_max_tokens_but_the_rest() -> None:
    # count_tokens takes no max_tokens, so neither its absence nor the model's limit nor the
    # thinking budget against it counts; the other rules still do.
    for body in (
        _body(max_tokens=DROP),
        _body(max_tokens=10**9),
        _body(max_tokens=DROP, thinking={"type": "enabled", "budget_tokens": 5000}),
        _body(max_tokens="x"),
    ):
        validate_message_request(body, MODELS, for_count=True)
    with pytest.raises(RequestError, match=r"^messages: Field required$"):
        validate_message_request(_body(max_tokens=DROP, messages=DROP), MODELS, for_count=True)
    with pytest.raises(RequestError, match="greater than or equal to 1024"):
        validate_message_request(
            _body(max_tokens=DROP, thinking={"type": "enabled", "budget_tokens": 5}),
            MODELS,
            for_count=True,
        )


def test_the_fake_takes_the_literals_of_the_official_types() -> None:
    # The tool choices, thinking types and efforts the pinned official SDK can send are
    # exactly the ones the fake takes (it refused `between_tools` until this test).
    def literal(hint: Any) -> str:
        # Before 3.11 `get_type_hints` leaves typing_extensions' `Required` around it.
        while typing.get_origin(hint) is not typing.Literal:
            hint = typing.get_args(hint)[0]
        return str(typing.get_args(hint)[0])

    def literals(union: Any) -> set[str]:
        return {literal(typing.get_type_hints(t)["type"]) for t in typing.get_args(union)}

    assert literals(ToolChoiceParam) == {"auto", "any", "tool", "none"}
    assert literals(ThinkingConfigParam) == {"enabled", "disabled", "adaptive", "between_tools"}
    effort = typing.get_type_hints(OutputConfigParam)["effort"]
    assert set(typing.get_args(typing.get_args(effort)[0])) == set(EFFORTS)
    for kind in literals(ThinkingConfigParam) - {"enabled"}:
        validate_message_request(_body(thinking={"type": kind}), MODELS)
    for kind in literals(ToolChoiceParam):
        validate_message_request(_body(tool_choice={"type": kind, "name": "a"}), MODELS)


@pytest.fixture
async def official(server: FakeClaude) -> AsyncIterator[anthropic.AsyncAnthropic]:
    client = anthropic.AsyncAnthropic(api_key="k", base_url=server.url, max_retries=0)
    yield client
    await client.close()


WIRE: list[tuple[str, Any, int, str, str]] = [
    ("/v1/messages", _body(max_tokens=0), 400, "invalid_request_error", "max_tokens: Input should be greater than or equal to 1"),
    ("/v1/messages", _body(messages=_user({"type": "tool_use", "id": "i", "name": "n"})), 400, "invalid_request_error", "messages.0.content.0.tool_use.input: Input should be a valid dictionary"),
    ("/v1/messages", _schema({"enum": []}), 400, "invalid_request_error", f"{S}.enum: {INVALID}: must be a non-empty array"),
    ("/v1/messages", _body(model="nope"), 404, "not_found_error", "model: nope"),
    ("/v1/messages/count_tokens", _body(max_tokens=DROP, thinking={"type": "on"}), 400, "invalid_request_error", THINK),
]  # fmt: skip


@pytest.mark.anyio
@pytest.mark.parametrize(("path", "body", "status", "kind", "message"), WIRE)
async def test_refusals_over_http(
    official: anthropic.AsyncAnthropic, path: str, body: Any, status: int, kind: str, message: str
) -> None:
    with pytest.raises(anthropic.APIStatusError) as caught:
        await official.post(path, body=body, cast_to=object)
    assert caught.value.status_code == status
    assert caught.value.body == {
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": caught.value.request_id,
    }
    assert caught.value.request_id
    # The official SDK reads the same failure as the same typed error our client raises.
    assert type(caught.value) is (
        anthropic.BadRequestError if status == 400 else anthropic.NotFoundError
    )
