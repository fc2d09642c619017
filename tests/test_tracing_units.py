"""The parts of `_tracing` one function at a time, fast: the option against the official
SDK's `resolve_open_telemetry` (and its environment), the route table, `error.type`, the
content parts and the content attributes against the official SDK's functions, the tool
run's content, the usage sums, and the per-client state. Spans are the OpenTelemetry
SDK's, read back through its in-memory exporter."""

from __future__ import annotations

import time
from typing import Any

import pytest
from anthropic import _tracing as official_tracing
from anthropic.lib._tracing import _content as official_content
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from anyio_claude import _tracing
from anyio_claude._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    IncompleteStreamError,
)

ENV = (
    "ANTHROPIC_OPEN_TELEMETRY",
    "ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE",
    "ANTHROPIC_OPEN_TELEMETRY_TRACES_MAX_CONTENT_BYTES",
    "ANTHROPIC_OPEN_TELEMETRY_PROPAGATION",
)


class Recorder:
    """Spans of the OpenTelemetry SDK, their attributes read back once ended."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.tracer = self.provider.get_tracer("test")

    def attributes_of(self, fill: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The attributes `fill(span, *args, **kwargs)` sets."""
        span = self.tracer.start_span("s")
        fill(span, *args, **kwargs)
        span.end()
        (done,) = self.exporter.get_finished_spans()
        self.exporter.clear()
        return dict(done.attributes or {})


# ------------------------------------------------------------------------ the option


def _theirs(option: Any) -> Any:
    return official_tracing.resolve_open_telemetry(option)


def _ours(option: Any) -> dict[str, Any]:
    resolved: dict[str, Any] = dict(_tracing.resolve(option))
    resolved.pop("metrics")
    return resolved


PROVIDER = TracerProvider()

OPTIONS: list[Any] = [
    None,
    False,
    {},
    {"traces": True},
    {"traces": False},
    {"traces": {}},
    {"traces": {"enabled": False, "content_mode": "content", "max_content_bytes": 5}},
    {"traces": {"enabled": True, "content_mode": "metadata_only", "max_content_bytes": 1}},
    {"traces": {"max_content_bytes": 0}},
    {"traces": {"max_content_bytes": -3}},
    {"traces": {"content_mode": None}},
    {"propagation": False},
    {"propagation": True},
    {"conversation_id": "c-1"},
    {"conversation_id": ""},
    {"tracer_provider": PROVIDER, "propagation": False, "traces": {"enabled": True}},
]


@pytest.mark.parametrize("option", OPTIONS)
def test_the_option_resolves_as_the_official_one(
    option: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    assert _ours(option) == _theirs(option)


ENVIRONMENTS: list[dict[str, str]] = [
    {},
    {"ANTHROPIC_OPEN_TELEMETRY": "false"},
    {"ANTHROPIC_OPEN_TELEMETRY": "FALSE"},
    {"ANTHROPIC_OPEN_TELEMETRY": "true"},
    {"ANTHROPIC_OPEN_TELEMETRY": "0"},
    {"ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE": "content"},
    {"ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE": "Content"},
    {"ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE": "metadata_only"},
    {"ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE": "all"},
    {"ANTHROPIC_OPEN_TELEMETRY_TRACES_MAX_CONTENT_BYTES": "1"},
    {"ANTHROPIC_OPEN_TELEMETRY_TRACES_MAX_CONTENT_BYTES": " 1234\t"},
    {"ANTHROPIC_OPEN_TELEMETRY_TRACES_MAX_CONTENT_BYTES": "0"},
    {"ANTHROPIC_OPEN_TELEMETRY_TRACES_MAX_CONTENT_BYTES": "-5"},
    {"ANTHROPIC_OPEN_TELEMETRY_TRACES_MAX_CONTENT_BYTES": "12a"},
    {"ANTHROPIC_OPEN_TELEMETRY_TRACES_MAX_CONTENT_BYTES": "1.5"},
    {"ANTHROPIC_OPEN_TELEMETRY_TRACES_MAX_CONTENT_BYTES": "\u0661\u0662"},
    {"ANTHROPIC_OPEN_TELEMETRY_TRACES_MAX_CONTENT_BYTES": "9" * 19},
    {"ANTHROPIC_OPEN_TELEMETRY_TRACES_MAX_CONTENT_BYTES": "9" * 20},
    {"ANTHROPIC_OPEN_TELEMETRY_TRACES_MAX_CONTENT_BYTES": "1" + "0" * 40},
    {"ANTHROPIC_OPEN_TELEMETRY_TRACES_MAX_CONTENT_BYTES": "9" * 5000},
    {"ANTHROPIC_OPEN_TELEMETRY_PROPAGATION": "false"},
    {"ANTHROPIC_OPEN_TELEMETRY_PROPAGATION": "False"},
    {"ANTHROPIC_OPEN_TELEMETRY_PROPAGATION": "no"},
    {
        "ANTHROPIC_OPEN_TELEMETRY": "false",
        "ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE": "CONTENT",
        "ANTHROPIC_OPEN_TELEMETRY_TRACES_MAX_CONTENT_BYTES": "77",
        "ANTHROPIC_OPEN_TELEMETRY_PROPAGATION": "FALSE",
    },
]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_environment_reads_as_the_official_sdk_reads_it(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _ours(None) == _theirs(None)
    # A given option, even `{}`, reads no variable.
    assert _ours({}) == _theirs({}) == _ours(None) if not env else _ours({}) == _theirs({})


def test_the_metrics_section_resolves_with_its_defaults() -> None:
    meter_provider = MeterProvider()
    assert _tracing.resolve(None)["metrics"] == {"enabled": True}
    assert _tracing.resolve({})["metrics"] == {"enabled": True}
    assert _tracing.resolve(False)["metrics"] == {"enabled": True}
    assert _tracing.resolve({"metrics": False})["metrics"] == {"enabled": False}
    assert _tracing.resolve({"metrics": True})["metrics"] == {"enabled": True}
    assert _tracing.resolve({"metrics": {"enabled": False}})["metrics"] == {"enabled": False}
    assert _tracing.resolve({"metrics": {"meter_provider": meter_provider}})["metrics"] == {
        "enabled": True,
        "meter_provider": meter_provider,
    }
    assert _tracing.resolve({"metrics": {"meter_provider": None}})["metrics"] == {"enabled": True}
    # Given spans off, metrics stay on; a read-back option resolves to itself.
    resolved = _tracing.resolve({"traces": False, "metrics": {"meter_provider": meter_provider}})
    assert resolved["traces"]["enabled"] is False
    assert _tracing.resolve(dict(resolved)) == resolved
    # Truthy values of the right meaning are booleans once resolved.
    assert _tracing.resolve({"propagation": 0})["propagation"] is False
    assert _tracing.resolve({"traces": {"enabled": 1}})["traces"]["enabled"] is True
    assert _tracing.resolve({"metrics": {"enabled": 0}})["metrics"]["enabled"] is False


@pytest.mark.parametrize(
    ("option", "error", "says"),
    [
        (3, TypeError, "open_telemetry must be a dict, False or None, got int"),
        (True, TypeError, "open_telemetry must be a dict, False or None, got bool"),
        ({"zeta": 1, "alpha": 2}, TypeError, "open_telemetry has unknown key(s) alpha, zeta"),
        ({"traces": "yes"}, TypeError, "open_telemetry traces must be a dict or a bool, got str"),
        (
            {"metrics": [True]},
            TypeError,
            "open_telemetry metrics must be a dict or a bool, got list",
        ),
        (
            {"traces": {"content_mode": "all"}},
            ValueError,
            "open_telemetry traces.content_mode must be 'metadata_only' or 'content', got 'all'",
        ),
        (
            {"traces": {"max_content_bytes": "5"}},
            TypeError,
            "open_telemetry traces.max_content_bytes must be an int",
        ),
        (
            {"traces": {"max_content_bytes": True}},
            TypeError,
            "open_telemetry traces.max_content_bytes must be an int",
        ),
        (
            {"traces": {"max_content_bytes": 2.0}},
            TypeError,
            "open_telemetry traces.max_content_bytes must be an int",
        ),
        ({"conversation_id": 5}, TypeError, "open_telemetry conversation_id must be a str"),
    ],
)
def test_a_wrong_option_names_what_is_wrong(option: Any, error: type[Exception], says: str) -> None:
    with pytest.raises(error) as raised:
        _tracing.resolve(option)
    assert type(raised.value) is error
    assert str(raised.value) == says


def test_a_mapping_that_is_not_a_dict_is_an_option() -> None:
    from types import MappingProxyType

    option = MappingProxyType({"traces": MappingProxyType({"content_mode": "content"})})
    assert _tracing.resolve(option)["traces"]["content_mode"] == "content"


# ----------------------------------------------------------------------- the routes

ROUTES = [
    ("POST", "/v1/messages", "anthropic.messages.create", "/v1/messages", None, None),
    (
        "POST",
        "/v1/messages/count_tokens",
        "anthropic.messages.count_tokens",
        "/v1/messages/count_tokens",
        None,
        None,
    ),
    (
        "POST",
        "/v1/messages/batches",
        "anthropic.messages.batches.create",
        "/v1/messages/batches",
        None,
        None,
    ),
    (
        "GET",
        "/v1/messages/batches?limit=2&after_id=x",
        "anthropic.messages.batches.list",
        "/v1/messages/batches",
        None,
        None,
    ),
    (
        "GET",
        "/v1/messages/batches/msgbatch_1",
        "anthropic.messages.batches.retrieve",
        "/v1/messages/batches/{message_batch_id}",
        "anthropic.message.batch.id",
        "msgbatch_1",
    ),
    (
        "DELETE",
        "/v1/messages/batches/msgbatch_1",
        "anthropic.messages.batches.delete",
        "/v1/messages/batches/{message_batch_id}",
        "anthropic.message.batch.id",
        "msgbatch_1",
    ),
    (
        "POST",
        "/v1/messages/batches/msgbatch_1/cancel",
        "anthropic.messages.batches.cancel",
        "/v1/messages/batches/{message_batch_id}/cancel",
        "anthropic.message.batch.id",
        "msgbatch_1",
    ),
    (
        "GET",
        "/v1/messages/batches/msgbatch_1/results",
        "anthropic.messages.batches.results",
        "/v1/messages/batches/{message_batch_id}/results",
        "anthropic.message.batch.id",
        "msgbatch_1",
    ),
    ("GET", "/v1/models?limit=1", "anthropic.models.list", "/v1/models", None, None),
    (
        "GET",
        "/v1/models/claude%2Dx",
        "anthropic.models.retrieve",
        "/v1/models/{model_id}",
        "anthropic.model.id",
        "claude-x",
    ),
    ("GET", "/v1/files", "anthropic.files.list", "/v1/files", None, None),
    ("POST", "/v1/files/", "anthropic.files.upload", "/v1/files", None, None),
    (
        "GET",
        "/v1/files/file_1",
        "anthropic.files.retrieve_metadata",
        "/v1/files/{file_id}",
        "anthropic.file.id",
        "file_1",
    ),
    (  # an id ending in an "X" (only "/" is stripped off the path)
        "GET",
        "/v1/files/file_01X",
        "anthropic.files.retrieve_metadata",
        "/v1/files/{file_id}",
        "anthropic.file.id",
        "file_01X",
    ),
    (
        "DELETE",
        "/v1/files/file_1",
        "anthropic.files.delete",
        "/v1/files/{file_id}",
        "anthropic.file.id",
        "file_1",
    ),
    (
        "GET",
        "/v1/files/file_1/content",
        "anthropic.files.download",
        "/v1/files/{file_id}/content",
        "anthropic.file.id",
        "file_1",
    ),
]


@pytest.mark.parametrize(("method", "path", "name", "route", "attribute", "value"), ROUTES)
def test_every_route_has_its_span_name_route_and_id(
    method: str, path: str, name: str, route: str, attribute: str | None, value: str | None
) -> None:
    assert _tracing.route_of(method, path) == (name, route, attribute, value)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/messages"),
        ("PUT", "/v1/messages"),
        ("POST", "/v2/messages"),
        ("POST", "/messages"),
        ("POST", ""),
        ("POST", "/v1"),
        ("GET", "/v1/unknown"),
        ("GET", "/v1/x/files"),
        ("GET", "/v1/files/a/b"),
        ("GET", "/v1/files/a/content/more"),
    ],
)
def test_other_requests_have_no_span(method: str, path: str) -> None:
    assert _tracing.route_of(method, path) is None


# ----------------------------------------------------------------------- error.type


def test_error_type_names_what_failed() -> None:
    assert _tracing.error_type(IncompleteStreamError("cut")) == "api_error"
    assert _tracing.error_type(APITimeoutError("slow")) == "client_timeout_error"
    assert _tracing.error_type(APIConnectionError("down")) == "connection_error"
    typed = APIStatusError("x", status_code=429, type="rate_limit_error")
    assert _tracing.error_type(typed) == "rate_limit_error"
    assert _tracing.error_type(APIStatusError("x", status_code=418)) == "418"
    assert _tracing.error_type(APIStatusError("x", status_code=400)) == "400"
    assert _tracing.error_type(APIStatusError("x", status_code=399)) == "client_error"
    assert _tracing.error_type(APIStatusError("x", status_code=500, type="")) == "500"
    assert _tracing.error_type(ValueError("x")) == "client_error"


# ------------------------------------------------------------------- reading bodies


def test_values_are_read_only_with_their_json_type() -> None:
    assert _tracing._typed("a", "string") == "a"
    assert _tracing._typed(3, "string") is None
    assert _tracing._typed(3, "integer") == 3
    assert _tracing._typed("3", "integer") is None
    assert _tracing._typed(True, "integer") is None
    assert _tracing._typed(False, "string") is None
    assert _tracing._typed("a", "number") is None
    assert _tracing._dig({"a": {"b": 1}}, ("a", "b")) == 1
    assert _tracing._dig({"a": [1]}, ("a", "b")) is None
    assert _tracing._dig({"a": {}}, ("a", "b")) is None
    assert _tracing._dig(None, ()) is None
    assert _tracing._tokens({"n": 4}, "n") == 4
    assert _tracing._tokens({"n": True}, "n") == 0
    assert _tracing._tokens({"n": "4"}, "n") == 0
    assert _tracing._tokens([4], "n") == 0
    assert _tracing._get({"k": 1}, "k") == 1
    assert _tracing._get([("k", 1)], "k") is None


def test_a_request_header_is_its_last_value_by_any_case() -> None:
    headers = [(b"Anthropic-Beta", b"a"), (b"other", b"b"), (b"ANTHROPIC-BETA", b"\xe9")]
    assert _tracing._header(headers, b"anthropic-beta") == "\xe9"
    assert _tracing._header(headers[:2], b"anthropic-beta") == "a"
    assert _tracing._header(headers[1:2], b"anthropic-beta") is None


def test_usage_sums_count_cached_and_compaction_tokens() -> None:
    recorder = Recorder()
    usage = {
        "input_tokens": 10,
        "cache_read_input_tokens": 100,
        "cache_creation_input_tokens": 1000,
        "output_tokens": 7,
        "iterations": [
            {
                "type": "compaction",
                "input_tokens": 1,
                "cache_read_input_tokens": 2,
                "cache_creation_input_tokens": 4,
                "output_tokens": 8,
            },
            {"type": "message", "input_tokens": 500, "output_tokens": 500},
            {"type": "compaction", "input_tokens": 16, "output_tokens": 32},
        ],
    }
    got = recorder.attributes_of(_tracing._set_usage_sums, {"usage": usage})
    assert got == {
        "gen_ai.usage.input_tokens": 1110,
        "anthropic.usage.compaction.input_tokens": 23,
        "anthropic.usage.compaction.output_tokens": 40,
    }
    plain = {"usage": {"input_tokens": 3, "iterations": [{"type": "message"}]}}
    assert recorder.attributes_of(_tracing._set_usage_sums, plain) == {
        "gen_ai.usage.input_tokens": 3
    }
    odd = {"usage": {"input_tokens": True, "iterations": {"type": "compaction"}}}
    # Stop sequences that are not strings are left out (the official SDK fails on them).
    stops = {"stop_sequences": ["a", 5], "messages": []}
    assert recorder.attributes_of(_tracing._set_content, stops, None, 100) == {
        "gen_ai.request.stop_sequences": ("a",),
        "gen_ai.input.messages": "[]",
    }
    assert recorder.attributes_of(_tracing._set_usage_sums, odd) == {}


# ------------------------------------------------------------------------- content

IMAGE = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}}
BLOCKS: list[Any] = [
    {"type": "text", "text": "hello \u00e9\u4e16"},
    {"type": "thinking", "thinking": "hmm", "signature": "sig"},
    {"type": "redacted_thinking", "data": "opaque"},
    {"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}, "toolset_name": "ts"},
    {"type": "tool_use", "id": "t2", "name": "g", "input": {}, "toolset_name": 5},
    {"type": "server_tool_use", "id": "s1", "name": "web_search", "input": {"q": "x"}},
    {"type": "server_tool_use", "id": "s2", "name": "w", "input": {}, "toolset_name": "no"},
    {"type": "mcp_tool_use", "id": "m1", "name": "h", "input": {}, "server_name": "srv"},
    {
        "type": "tool_result",
        "tool_use_id": "t1",
        "content": [
            {"type": "text", "text": "r", "encrypted_x": "e"},
            IMAGE,
            {"type": "search_result", "source": "s", "title": "t", "content": []},
            {"type": "document", "source": {"data": "PDF"}},
            {"type": 3},
        ],
    },
    {"type": "tool_result", "tool_use_id": "t2", "content": "plain"},
    {"type": "tool_result", "tool_use_id": "t3", "content": None},
    {"type": "tool_result", "tool_use_id": "t4"},
    {
        "type": "web_search_tool_result",
        "tool_use_id": "s1",
        "content": [
            {"type": "web_search_result", "url": "u", "encrypted_content": "E", "title": "t"},
            {"type": "other_result", "x": 1},
            "not a block",
        ],
    },
    {
        "type": "text_editor_code_execution_tool_result",
        "tool_use_id": "c1",
        "content": {
            "type": "text_editor_code_execution_view_result",
            "file_type": "image",
            "content": "BINARY",
            "num_lines": 1,
        },
    },
    {
        "type": "text_editor_code_execution_tool_result",
        "tool_use_id": "c2",
        "content": {
            "type": "text_editor_code_execution_view_result",
            "file_type": "text",
            "content": "kept",
            "encrypted_stuff": "gone",
            "nested": [{"encrypted_deep": 1, "keep": [IMAGE]}],
        },
    },
    {"type": "mcp_tool_result", "tool_use_id": "m1", "content": "done"},
    {
        "type": "mcp_tool_result",
        "tool_use_id": "m2",
        "content": [
            {"type": "text", "text": "t", "citations": None},
            {"type": "search_result", "title": "x", "encrypted_index": "e", "source": "s"},
        ],
    },
    {"type": "bash_code_execution_tool_result", "tool_use_id": "b1", "content": 7},
    IMAGE,
    {"type": "document", "source": {"data": "PDF"}},
    {"type": 9},
    {"no": "type"},
    "a string block",
]


def test_content_parts_are_the_official_sdks() -> None:
    assert _tracing.content_parts(BLOCKS) == official_content.content_parts(BLOCKS)
    assert _tracing.content_parts("just text") == official_content.content_parts("just text")
    assert _tracing.content_parts(None) == official_content.content_parts(None) == []
    assert _tracing.content_parts(5) == []
    # Each block alone, so a difference names its block.
    for block in BLOCKS:
        assert _tracing._block_part(block) == official_content.block_part(block), block


def test_binary_and_encrypted_data_are_left_out_as_the_official_sdk_leaves_them() -> None:
    value = {
        "type": "x",
        "encrypted_a": 1,
        "encrypted": "kept: no underscore",
        "list": [IMAGE, {"type": "document", "x": 1}, {"encrypted_b": 2, "c": 3}, "s", 4],
        "view": {
            "type": "text_editor_code_execution_view_result",
            "file_type": "pdf",
            "content": "PDF",
            "other": 1,
        },
    }
    assert _tracing._without_data(value) == official_content.without_data(value)
    assert _tracing._without_data([value, None]) == official_content.without_data([value, None])


MESSAGES: list[Any] = [
    {"role": "user", "content": "first question \u00e9\u00e9"},
    {"role": "assistant", "content": [{"type": "text", "text": "answer " * 5}]},
    {"content": "no role"},
    {"role": "user", "content": BLOCKS[:6]},
    {"role": "user", "content": 'the newest words, quoted " and \\ and \n and \u4e16\u754c'},
]
BODIES: list[dict[str, Any]] = [
    {"messages": MESSAGES},
    {"messages": MESSAGES, "system": "be brief", "stop_sequences": ["STOP", "\u00e9nd"]},
    {
        "messages": MESSAGES[:1],
        "system": [{"type": "text", "text": "sys " * 10}],
        "stop_sequences": ["x" * 40, "y"],
    },
    {"messages": MESSAGES[3:], "stop_sequences": ["z" * 300, "\u00e9"]},
    {"messages": "not a list", "system": None, "stop_sequences": "not a list"},
    {"messages": [], "stop_sequences": []},
    {},
]
OUTPUTS: list[Any] = [None, [{"type": "text", "text": "out \u4e16 " * 8}], "plain out"]
LIMITS = [
    1,
    2,
    3,
    10,
    20,
    30,
    41,
    45,
    60,
    80,
    100,
    130,
    160,
    200,
    260,
    330,
    420,
    600,
    1000,
    750_000,
]


@pytest.mark.parametrize("limit", LIMITS)
def test_content_attributes_are_the_official_sdks_at_every_limit(limit: int) -> None:
    recorder = Recorder()
    for body in BODIES:
        for output in OUTPUTS:
            ours = recorder.attributes_of(_tracing._set_content, body, output, limit)
            theirs = recorder.attributes_of(
                official_content.set_message_content, body, output, limit=limit
            )
            assert ours == theirs, (body, output)


def test_a_text_part_that_does_not_fit_keeps_its_longest_start() -> None:
    text = "\u00e9" * 10
    groups: list[tuple[str, list[tuple[str | None, list[dict[str, Any]]]]]] = [
        ("gen_ai.input.messages", [("user", [{"type": "text", "content": text}])])
    ]
    empty = '[{"role":"user","parts":[{"type":"text","content":""}]}]'
    whole_size = len(empty.encode()) + 20
    for cut in range(11):
        values, truncated = _tracing.fit_content(groups, whole_size - 2 * cut)
        assert values == {"gen_ai.input.messages": empty.replace('""', f'"{text[cut:]}"')}
        assert truncated is (cut > 0)
    # Below even the empty text, the part is still kept, empty.
    assert _tracing.fit_content(groups, 3) == ({"gen_ai.input.messages": empty}, True)


def test_whole_parts_are_dropped_oldest_first() -> None:
    def text(value: str) -> dict[str, Any]:
        return {"type": "text", "content": value}

    groups: list[tuple[str, list[tuple[str | None, list[dict[str, Any]]]]]] = [
        ("gen_ai.system_instructions", [(None, [text("s")])]),
        ("gen_ai.input.messages", [("user", [text("a"), text("b")]), ("assistant", [])]),
        ("gen_ai.output.messages", [("assistant", [text("c")])]),
    ]
    everything, truncated = _tracing.fit_content(groups, 10_000)
    assert not truncated
    assert everything == {
        "gen_ai.system_instructions": '[{"type":"text","content":"s"}]',
        "gen_ai.input.messages": '[{"role":"user","parts":[{"type":"text","content":"a"},'
        '{"type":"text","content":"b"}]},{"role":"assistant","parts":[]}]',
        "gen_ai.output.messages": '[{"role":"assistant","parts":[{"type":"text","content":"c"}]}]',
    }
    size = sum(len(v) for v in everything.values())
    assert _tracing.fit_content(groups, size) == (everything, False)
    fewer, truncated = _tracing.fit_content(groups, size - 1)
    assert truncated
    assert fewer["gen_ai.system_instructions"] == "[]"
    assert fewer["gen_ai.input.messages"] == everything["gen_ai.input.messages"]
    # Without the system part, one more byte short drops "a" and its comma.
    less, _ = _tracing.fit_content(groups, size - 31 - 1)
    assert less["gen_ai.input.messages"] == (
        '[{"role":"user","parts":[{"type":"text","content":"b"}]},{"role":"assistant","parts":[]}]'
    )
    # A part that is not text is dropped whole, not cut.
    tools: list[tuple[str, list[tuple[str | None, list[dict[str, Any]]]]]] = [
        ("gen_ai.output.messages", [("assistant", [{"type": "tool_call", "id": "x"}])])
    ]
    assert _tracing.fit_content(tools, 10) == (
        {"gen_ai.output.messages": '[{"role":"assistant","parts":[]}]'},
        True,
    )


def _official_tool_content(
    arguments: object, blocks: list[object] | None, limit: int
) -> tuple[dict[str, str], bool]:
    attributes: dict[str, object] = {"gen_ai.tool.call.arguments": arguments}
    if blocks is not None:
        attributes["anthropic.tool_result.content"] = blocks
    values, truncated = official_content.fit_content(attributes, limit)  # type: ignore[arg-type]
    return {str(key): value for key, value in values.items()}, truncated


@pytest.mark.parametrize("limit", [1, 5, 12, 13, 20, 30, 40, 50, 57, 58, 70, 90, 120, 1000])
def test_tool_run_content_is_the_official_sdks_at_every_limit(limit: int) -> None:
    arguments: Any = {"query": "x" * 10}
    results: list[Any] = [
        None,
        [],
        [{"type": "text", "text": "one"}],
        [{"type": "text", "text": "one"}, {"type": "text", "text": "two \u00e9"}, {"type": "x"}],
        [{"type": "text", "text": "y" * 60}, {"type": "text", "text": "z"}],
    ]
    for blocks in results:
        ours = _tracing.fit_tool_content(_tracing._json(arguments), blocks, limit)
        assert ours == _official_tool_content(arguments, blocks, limit), blocks


def test_tool_run_content_keeps_whole_blocks_first_to_last() -> None:
    blocks: list[object] = [{"t": "a"}, {"t": "b"}]
    one, two = '{"t":"a"}', '{"t":"b"}'
    args = "{}"
    assert _tracing.fit_tool_content(args, None, 2) == ({"gen_ai.tool.call.arguments": args}, False)
    assert _tracing.fit_tool_content(args, None, 1) == ({}, True)
    full = f"[{one},{two}]"
    assert _tracing.fit_tool_content(args, blocks, 2 + len(full)) == (
        {"gen_ai.tool.call.arguments": args, "anthropic.tool_result.content": full},
        False,
    )
    assert _tracing.fit_tool_content(args, blocks, 1 + len(full)) == (
        {"gen_ai.tool.call.arguments": args, "anthropic.tool_result.content": f"[{one}]"},
        True,
    )
    assert _tracing.fit_tool_content(args, blocks, 2 + len(one) + 2) == (
        {"gen_ai.tool.call.arguments": args, "anthropic.tool_result.content": f"[{one}]"},
        True,
    )
    assert _tracing.fit_tool_content(args, blocks, 2 + len(one) + 1) == (
        {"gen_ai.tool.call.arguments": args, "anthropic.tool_result.content": "[]"},
        True,
    )
    # Exactly room for two blocks of three, their comma counted once.
    three: list[object] = [{"t": "a"}, {"t": "b"}, {"t": "c"}]
    assert _tracing.fit_tool_content(args, three, 2 + len(full)) == (
        {"gen_ai.tool.call.arguments": args, "anthropic.tool_result.content": full},
        True,
    )
    # Arguments over the limit are left out, and the result has all of the limit.
    big = "x" * 50
    assert _tracing.fit_tool_content(big, blocks, len(full)) == (
        {"anthropic.tool_result.content": full},
        True,
    )


def test_a_tool_description_comes_from_its_dict() -> None:
    class Tool:
        def __init__(self, description: object) -> None:
            self.description = description

        def to_dict(self) -> dict[str, object]:
            if self.description is ValueError:
                raise ValueError("broken")
            return {"description": self.description}

    assert _tracing._tool_description(Tool("does x")) == "does x"
    assert _tracing._tool_description(Tool("")) is None
    assert _tracing._tool_description(Tool(5)) is None
    assert _tracing._tool_description(Tool(ValueError)) is None
    assert _tracing._tool_description(object()) is None


def test_a_size_is_in_utf8_bytes() -> None:
    assert _tracing._size("abc") == 3
    assert _tracing._size("\u00e9") == 2
    assert _tracing._size("\u4e16") == 3
    assert _tracing._size("\ud800") == 3  # a lone surrogate does not fail
    assert _tracing._json({"a": "\u00e9", "b": [1, None]}) == '{"a":"\u00e9","b":[1,null]}'


# ------------------------------------------------------------------ per client state


def _telemetry(option: Any, origin: str = "https://api.example:8443", **kw: Any) -> Any:
    return _tracing.Telemetry(_tracing.resolve(option), origin, "9.9.9", **kw)


def test_the_server_attributes_and_scope_come_from_the_origin() -> None:
    assert _telemetry({}).server == {"server.address": "api.example", "server.port": 8443}
    assert _telemetry({}, "http://h").server == {"server.address": "h", "server.port": 80}
    assert _telemetry({}, "https://h").server == {"server.address": "h", "server.port": 443}
    assert _telemetry({}, "http://h:81").server == {"server.address": "h", "server.port": 81}
    assert _telemetry({}, "unix:").server == {"server.address": "", "server.port": 443}
    plain = _telemetry({})
    assert (plain.scope, plain.provider_name, plain.version) == (
        "com.anthropic.sdk.python",
        "anthropic",
        "9.9.9",
    )
    bedrock = _telemetry({}, provider_name="aws.bedrock", platform="bedrock")
    assert (bedrock.scope, bedrock.provider_name) == (
        "com.anthropic.sdk.python.bedrock",
        "aws.bedrock",
    )


def test_a_given_tracer_provider_gives_one_tracer_with_the_scope() -> None:
    recorder = Recorder()
    telemetry = _telemetry({"tracer_provider": recorder.provider})
    tracer = telemetry.tracer()
    assert tracer is not None and telemetry.tracer() is tracer
    tracer.start_span("x").end()
    (span,) = recorder.exporter.get_finished_spans()
    assert span.instrumentation_scope is not None
    assert span.instrumentation_scope.name == "com.anthropic.sdk.python"
    assert span.instrumentation_scope.version == "9.9.9"
    off = _telemetry({"tracer_provider": recorder.provider, "traces": False})
    assert off.tracer() is None


def test_a_given_meter_provider_gives_the_histograms_once() -> None:
    reader = InMemoryMetricReader()
    telemetry = _telemetry({"metrics": {"meter_provider": MeterProvider([reader])}})
    instruments = telemetry.instruments()
    assert instruments is not None and telemetry.instruments() is instruments
    instruments.duration.record(0.5)
    data = reader.get_metrics_data()
    assert data is not None
    (scope,) = data.resource_metrics[0].scope_metrics
    assert (scope.scope.name, scope.scope.version) == ("com.anthropic.sdk.python", "9.9.9")
    off = _telemetry({"metrics": {"meter_provider": MeterProvider(), "enabled": False}})
    assert off.instruments() is None


def test_the_registered_providers_are_used_without_a_given_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The registered providers, as `set_*_provider` would leave them (which can be called
    # once a process, so the getters are replaced here).
    import sys

    from opentelemetry import metrics, trace

    recorder = Recorder()
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider([reader])
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: recorder.provider)
    monkeypatch.setattr(metrics, "get_meter_provider", lambda: meter_provider)
    for name in ("OTEL_PYTHON_TRACER_PROVIDER", "OTEL_PYTHON_METER_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    telemetry = _telemetry({})
    tracer = telemetry.tracer()
    instruments = telemetry.instruments()
    assert tracer is not None and instruments is not None
    assert telemetry.tracer() is tracer and telemetry.instruments() is instruments
    instruments.duration.record(0.5)
    assert list(_metrics(reader)) == ["gen_ai.client.operation.duration"]
    # Neither API imported yet: a provider named in the environment is looked up, and
    # without one nothing is (OpenTelemetry would load it on first use).
    monkeypatch.delitem(sys.modules, "opentelemetry.trace")
    monkeypatch.delitem(sys.modules, "opentelemetry.metrics")
    assert _telemetry({}).tracer() is None and _telemetry({}).instruments() is None
    monkeypatch.setenv("OTEL_PYTHON_METER_PROVIDER", "sdk_meter_provider")
    only_meter = _telemetry({})
    assert only_meter.tracer() is None and only_meter.instruments() is not None
    monkeypatch.delenv("OTEL_PYTHON_METER_PROVIDER")
    monkeypatch.setenv("OTEL_PYTHON_TRACER_PROVIDER", "sdk_tracer_provider")
    only_tracer = _telemetry({})
    assert only_tracer.tracer() is not None and only_tracer.instruments() is None


def test_a_call_is_prepared_only_when_someone_listens() -> None:
    recorder = Recorder()
    reader = InMemoryMetricReader()
    both = _telemetry(
        {
            "tracer_provider": recorder.provider,
            "metrics": {"meter_provider": MeterProvider([reader])},
        }
    )
    assert both.prepare("GET", "/v1/other", (), None, []) is None
    create = both.prepare("POST", "/v1/messages", (), b'{"stream": true}', [])
    assert create is not None and create.stream and create._instruments is not None
    listing = both.prepare("GET", "/v1/models", ("limit",), None, [])
    assert listing is not None and listing._instruments is None and not listing.stream
    assert listing.name == "anthropic.models.list"
    metrics_only = _telemetry(
        {"traces": False, "metrics": {"meter_provider": MeterProvider([InMemoryMetricReader()])}}
    )
    assert metrics_only.prepare("GET", "/v1/models", (), None, []) is None
    assert metrics_only.prepare("POST", "/v1/messages", (), b"[1]", []) is not None
    assert metrics_only.prepare("POST", "/v1/messages", (), b"{", []) is not None
    assert _telemetry({"traces": False, "metrics": False}).active is False


# --------------------------------------------------------------------------- metrics


class _Event:
    def __init__(self, kind: str) -> None:
        self.type = kind


def _metrics(reader: InMemoryMetricReader) -> dict[str, Any]:
    data = reader.get_metrics_data()
    assert data is not None
    return {
        metric.name: metric
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }


USAGE = {
    "input_tokens": 10,
    "cache_read_input_tokens": 100,
    "cache_creation_input_tokens": 1000,
    "output_tokens": 7,
}


def test_the_histograms_of_a_call_and_their_attributes() -> None:
    reader = InMemoryMetricReader()
    option = {"traces": False, "metrics": {"meter_provider": MeterProvider([reader])}}
    telemetry = _telemetry(option, "http://h:81")
    before = time.perf_counter()
    call = telemetry.prepare("POST", "/v1/messages", (), b'{"model": "m", "stream": true}', [])
    assert call is not None
    assert call.attempt("http://h:81", b"/v1/messages") == []
    call.events([_Event("message_start")])  # no delta: no chunk
    assert not call.saw_delta and not call.saw_stop
    call.events([_Event("content_block_delta"), _Event("content_block_delta")])
    call.events([_Event("ping")])
    call.events([_Event("content_block_delta"), _Event("message_delta")])
    call.events([_Event("content_block_delta"), _Event("message_stop")])
    assert call.saw_delta and call.saw_stop
    call.done_json(200, {}, b'{"model": "m-1", "usage": %b}' % _tracing._json(USAGE).encode())
    elapsed = time.perf_counter() - before
    found = _metrics(reader)
    described = {name: (m.unit, m.description) for name, m in found.items()}
    assert described == {
        "gen_ai.client.operation.duration": ("s", "GenAI operation duration."),
        "gen_ai.client.token.usage": ("{token}", "Number of input and output tokens used."),
        "gen_ai.client.operation.time_to_first_chunk": (
            "s",
            "Time to receive the first chunk of the response stream.",
        ),
        "gen_ai.client.operation.time_per_output_chunk": (
            "s",
            "Time per output chunk after the first one.",
        ),
    }
    base = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "server.address": "h",
        "server.port": 81,
        "gen_ai.request.model": "m",
    }
    (first,) = found["gen_ai.client.operation.time_to_first_chunk"].data.data_points
    assert (first.count, dict(first.attributes)) == (1, base)
    (per_chunk,) = found["gen_ai.client.operation.time_per_output_chunk"].data.data_points
    assert (per_chunk.count, dict(per_chunk.attributes)) == (2, base)
    assert list(per_chunk.explicit_bounds) == list(_tracing._CHUNK_BUCKETS)
    assert per_chunk.sum <= elapsed
    (duration,) = found["gen_ai.client.operation.duration"].data.data_points
    assert dict(duration.attributes) == {**base, "gen_ai.response.model": "m-1"}
    # Each measured from the first attempt: within what the test itself took.
    assert duration.count == 1 and first.sum <= duration.sum <= elapsed
    tokens = {
        p.attributes["gen_ai.token.type"]: (p.sum, dict(p.attributes))
        for p in found["gen_ai.client.token.usage"].data.data_points
    }
    assert tokens == {
        "input": (1110, {**base, "gen_ai.response.model": "m-1", "gen_ai.token.type": "input"}),
        "output": (7, {**base, "gen_ai.response.model": "m-1", "gen_ai.token.type": "output"}),
    }


def _one_call(data: dict[str, Any], *, streamed: bool, delta: bool, error: Any = None) -> Any:
    reader = InMemoryMetricReader()
    option = {"traces": False, "metrics": {"meter_provider": MeterProvider([reader])}}
    call = _telemetry(option).prepare("POST", "/v1/messages", (), b"{}", [])
    assert call is not None
    call.attempt("https://api.example:8443", b"/v1/messages")
    call.saw_delta = delta
    call._end(200, {}, data, error, streamed=streamed)
    return _metrics(reader)


def test_a_stream_ended_before_its_message_delta_records_no_output_tokens() -> None:
    data = {"usage": {"input_tokens": 3, "output_tokens": 1}}
    cut = _one_call(data, streamed=True, delta=False)["gen_ai.client.token.usage"]
    assert [(p.attributes["gen_ai.token.type"], p.sum) for p in cut.data.data_points] == [
        ("input", 3)
    ]
    whole = _one_call(data, streamed=True, delta=True)["gen_ai.client.token.usage"]
    assert sorted((p.attributes["gen_ai.token.type"], p.sum) for p in whole.data.data_points) == [
        ("input", 3),
        ("output", 1),
    ]
    answered = _one_call(data, streamed=False, delta=False)["gen_ai.client.token.usage"]
    assert len(answered.data.data_points) == 2
    # Token counts that are not numbers record nothing.
    odd = _one_call({"usage": {"input_tokens": "3"}}, streamed=False, delta=False)
    assert "gen_ai.client.token.usage" not in odd


def test_only_an_exception_is_an_error_type_of_the_metrics() -> None:
    for error, says in (
        (APIConnectionError("down"), "connection_error"),
        (KeyboardInterrupt(), None),
    ):
        found = _one_call({}, streamed=False, delta=False, error=error)
        (point,) = found["gen_ai.client.operation.duration"].data.data_points
        assert point.attributes.get("error.type") == says


def test_the_blocking_client_restores_the_loop_threads_context(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from opentelemetry import trace

    from anyio_claude import Claude
    from anyio_claude.testing import FakeClaude

    recorder = Recorder()
    option: Any = {"tracer_provider": recorder.provider}
    with FakeClaude.run_in_thread() as server, caplog.at_level("DEBUG", "opentelemetry.context"):
        client = Claude(api_key="k", base_url=server.url, open_telemetry=option)
        with recorder.tracer.start_as_current_span("parent") as parent:
            client.models.list()
        client.models.list()
        client.close()
    listed = [s for s in recorder.exporter.get_finished_spans() if s.name != "parent"]
    assert [s.parent.span_id if s.parent else None for s in listed] == [
        parent.get_span_context().span_id,
        None,
    ]
    # Every context attached in the loop thread was detached: OpenTelemetry logs a failure.
    assert not [r for r in caplog.records if r.name.startswith("opentelemetry")]
    assert trace.get_current_span() is trace.INVALID_SPAN


# ------------------------------------------------------------------------ one call


def _span_of(recorder: Recorder, finished: Any) -> tuple[dict[str, Any], Any]:
    (span,) = recorder.exporter.get_finished_spans()
    recorder.exporter.clear()
    del finished
    return dict(span.attributes or {}), span.status.status_code


@pytest.mark.parametrize("mode", ["metadata_only", "content"])
def test_the_url_keeps_only_the_query_the_call_sent(mode: str) -> None:
    from opentelemetry.trace import StatusCode

    recorder = Recorder()
    option: Any = {"tracer_provider": recorder.provider, "traces": {"content_mode": mode}}
    telemetry = _telemetry(option)
    names = ("limit", "ids", "path_prefix")
    origin = "https://api.example:8443"
    plain = telemetry.prepare("GET", "/v1/files", names, None, [])
    assert plain is not None
    plain.attempt(origin, b"/v1/files?limit=2&ids[]=a&ids%5B%5D=b&junk=1&=x&limit")
    headers = {
        "request-id": "req_1",
        "anthropic-organization-id": "org",
        "anthropic-workspace-id": "",
    }
    plain.done_head(200, headers)
    attributes, status = _span_of(recorder, plain)
    query = "limit=2&ids[]=a&ids%5B%5D=b&limit"
    assert attributes == {
        "server.address": "api.example",
        "server.port": 8443,
        "gen_ai.provider.name": "anthropic",
        "http.request.method": "GET",
        "http.route": "/v1/files",
        "url.scheme": "https",
        "url.path": "/v1/files",
        "url.query": query,
        "url.full": f"{origin}/v1/files?{query}",
        "http.response.status_code": 200,
        "anthropic.request.id": "req_1",
        "anthropic.organization.id": "org",
    }
    assert status is StatusCode.OK
    # A query holding content is kept out of the URL in metadata mode.
    private = telemetry.prepare("GET", "/v1/files", names, None, [])
    assert private is not None
    private.attempt(origin, b"/v1/files?limit=1&path_prefix=secret%2Fdir=")
    private.done_head(200, {})
    attributes, _ = _span_of(recorder, private)
    url = {k: v for k, v in attributes.items() if k.startswith("url.")}
    if mode == "content":
        query = "limit=1&path_prefix=secret%2Fdir="
        assert url == {
            "url.scheme": "https",
            "url.path": "/v1/files",
            "url.query": query,
            "url.full": f"{origin}/v1/files?{query}",
        }
    else:
        assert url == {"url.scheme": "https", "url.path": "/v1/files"}
    # No query at all: no `url.query`, and the full URL without `?`.
    bare = telemetry.prepare("GET", "/v1/models/m%2D1", (), None, [])
    assert bare is not None
    bare.attempt("http://h", b"/v1/models/m%2D1?junk=1")
    bare.fail(APIConnectionError("down"))
    attributes, status = _span_of(recorder, bare)
    assert attributes["url.full"] == "http://h/v1/models/m%2D1"
    assert attributes["anthropic.model.id"] == "m-1"
    assert attributes["url.scheme"] == "http"
    assert "url.query" not in attributes and "http.response.status_code" not in attributes
    assert attributes["error.type"] == "connection_error"
    assert status is StatusCode.ERROR


# ------------------------------------------------------------------ the tool runner


class _Use:
    def __init__(self, name: object, toolset: object = None) -> None:
        self.name = name
        self.id = "toolu_1"
        self.input = {"city": "Paris"}
        if toolset is not None:
            self.toolset_name = toolset


class _FunctionTool:
    def to_dict(self) -> dict[str, object]:
        return {"name": "f", "description": "Finds the weather."}


class MCPTool:
    pass


def _tool_from(module: str) -> object:
    return type("Tool", (), {"__module__": module})()


def test_an_mcp_tool_is_known_by_its_class_or_its_module() -> None:
    recorder = Recorder()
    runner = _tracing.RunnerTrace(_telemetry({"tracer_provider": recorder.provider}), {})
    for tool in (MCPTool(), _tool_from("pkg.tools._mcp"), _tool_from("pkg.mcp_tools.local")):
        with runner.tool(tool, _Use("t")):
            pass
    runner.end(None, finished=True)
    names = [name for name, *_ in _spans(recorder)]
    assert names == [
        "anthropic.mcp_tool_use t",
        "anthropic.mcp_tool_use t",
        "anthropic.custom_tool_use t",
        "anthropic.messages.tool_runner",
    ]


def _spans(recorder: Recorder) -> list[tuple[str, dict[str, Any], Any, Any]]:
    found = [
        (s.name, dict(s.attributes or {}), s.status.status_code, s)
        for s in recorder.exporter.get_finished_spans()
    ]
    recorder.exporter.clear()
    return found


@pytest.mark.parametrize("mode", ["metadata_only", "content"])
def test_a_tool_runs_spans(mode: str) -> None:
    from opentelemetry.trace import SpanKind, StatusCode

    recorder = Recorder()
    option: Any = {
        "tracer_provider": recorder.provider,
        "conversation_id": "conv",
        "traces": {"content_mode": mode},
    }
    telemetry = _telemetry(option)
    params = {"model": "m", "output_config": {"format": {"type": "json_schema"}}}
    runner = _tracing.RunnerTrace(telemetry, params)
    with runner.current():
        with runner.tool(_FunctionTool(), _Use("get_weather", "weather")) as run:
            run.result = {"content": "Sunny", "is_error": False}
        with runner.tool(MCPTool(), _Use("search")) as run:
            found = [{"type": "search_result", "source": "s", "title": "t", "content": []}]
            run.result = {"content": [*found, {"type": "image"}], "is_error": True}
            recorder.tracer.start_span("inside the tool run").end()
        with runner.tool(object(), _Use(None)):
            pass  # no result: the status stays unset
    runner.end(None, finished=True)
    runner.end(None, finished=True)  # ended once
    (custom, custom_attributes, custom_status, custom_span), inside, mcp, unnamed, top = _spans(
        recorder
    )
    assert custom == "anthropic.custom_tool_use get_weather"
    content = {
        "gen_ai.tool.call.arguments": '{"city":"Paris"}',
        "anthropic.tool_result.content": '[{"type":"text","text":"Sunny"}]',
    }
    assert custom_attributes == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.call.id": "toolu_1",
        "gen_ai.tool.type": "function",
        "anthropic.toolset.name": "weather",
        "gen_ai.tool.description": "Finds the weather.",
        "gen_ai.conversation.id": "conv",
        **(content if mode == "content" else {}),
    }
    assert custom_status is StatusCode.OK
    assert custom_span.kind is SpanKind.INTERNAL
    assert mcp[0] == "anthropic.mcp_tool_use search"
    assert (mcp[2], mcp[1]["error.type"]) == (StatusCode.ERROR, "tool_error")
    assert "anthropic.toolset.name" not in mcp[1]
    # What the tool run starts is its child.
    assert inside[3].parent is not None
    assert inside[3].parent.span_id == mcp[3].context.span_id
    if mode == "content":
        assert mcp[1]["anthropic.tool_result.content"] == (
            '[{"type":"search_result","source":"s","title":"t","content":[]},{"type":"image"}]'
        )
    assert "gen_ai.tool.description" not in mcp[1]
    assert (unnamed[0], unnamed[2]) == ("anthropic.custom_tool_use", StatusCode.UNSET)
    assert unnamed[1]["gen_ai.tool.name"] == ""
    if mode == "content":
        assert unnamed[1]["gen_ai.tool.call.arguments"] == '{"city":"Paris"}'
        assert "anthropic.tool_result.content" not in unnamed[1]
    name, attributes, status, span = top
    assert (name, status, span.kind) == (
        "anthropic.messages.tool_runner",
        StatusCode.OK,
        SpanKind.INTERNAL,
    )
    assert attributes == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": "m",
        "gen_ai.conversation.id": "conv",
        "gen_ai.output.type": "json",
    }
    # The tool runs are the runner's children, the runner's parent the caller's span.
    for child in (custom_span, mcp[3], unnamed[3]):
        assert child.parent is not None
        assert child.parent.span_id == span.context.span_id
    assert span.parent is None


def test_a_tool_run_too_big_for_the_limit_is_marked_truncated() -> None:
    recorder = Recorder()
    option: Any = {
        "tracer_provider": recorder.provider,
        "traces": {"content_mode": "content", "max_content_bytes": 10},
    }
    runner = _tracing.RunnerTrace(_telemetry(option), {})
    with runner.tool(MCPTool(), _Use("t")) as run:
        run.result = {"content": "a result longer than ten bytes"}
    runner.end(None, finished=False)
    (_, attributes, _, _), (_, top, status, _) = _spans(recorder)
    assert attributes["anthropic.content.truncated"] is True
    assert "gen_ai.tool.call.arguments" not in attributes
    assert attributes["anthropic.tool_result.content"] == "[]"
    assert "gen_ai.request.model" not in top and "gen_ai.output.type" not in top
    from opentelemetry.trace import StatusCode

    assert status is StatusCode.UNSET  # closed before the loop finished


def test_a_runner_span_ends_with_its_error(caplog: pytest.LogCaptureFixture) -> None:
    from opentelemetry.trace import StatusCode

    caplog.set_level("DEBUG", "opentelemetry.context")

    recorder = Recorder()
    telemetry = _telemetry({"tracer_provider": recorder.provider})
    for error, finished, status, kind in (
        (APIConnectionError("down"), True, StatusCode.ERROR, "connection_error"),
        (KeyboardInterrupt(), True, StatusCode.UNSET, None),
        (None, False, StatusCode.UNSET, None),
    ):
        runner = _tracing.RunnerTrace(telemetry, {"output_format": dict})
        runner.end(error, finished=finished)
        ((_, attributes, got, _),) = _spans(recorder)
        assert (got, attributes.get("error.type")) == (status, kind)
        assert attributes["gen_ai.output.type"] == "json"
    # Without a tracer nothing is recorded, and nothing fails.
    quiet = _tracing.RunnerTrace(_telemetry({"traces": False}), {})
    with quiet.current(), quiet.tool(MCPTool(), _Use("t")) as run:
        run.result = {"content": "x"}
    quiet.end(None, finished=True)
    _tracing.RunnerTrace(None, {}).end(None, finished=True)
    assert _spans(recorder) == []
    # Nothing detached that was not attached: OpenTelemetry would log the failure.
    assert not [r for r in caplog.records if r.name.startswith("opentelemetry")]


def test_a_create_span_reads_the_request_body_and_betas() -> None:
    from opentelemetry.trace import SpanKind

    recorder = Recorder()
    telemetry = _telemetry({"tracer_provider": recorder.provider, "conversation_id": "conv"})
    body = {
        "model": "m",
        "max_tokens": 5,
        "stream": True,
        "service_tier": "auto",
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "output_config": {"effort": "high", "format": {"type": "text"}},
        "output_format": {"type": "json_schema", "schema": {}},
    }
    headers = [(b"Anthropic-Beta", b" b-1, ,b-2 "), (b"x", b"y")]
    call = telemetry.prepare(
        "POST", "/v1/messages?beta=true", (), _tracing._json(body).encode(), headers
    )
    assert call is not None and call.stream
    call.attempt("https://api.example:8443", b"/v1/messages?beta=true")
    call.done_head(200, {})
    ((name, attributes, _, span),) = _spans(recorder)
    assert (name, span.kind) == ("anthropic.messages.create", SpanKind.CLIENT)
    assert {k: v for k, v in attributes.items() if not k.startswith(("url.", "server."))} == {
        "gen_ai.provider.name": "anthropic",
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "m",
        "gen_ai.request.max_tokens": 5,
        "gen_ai.request.reasoning.level": "high",
        "anthropic.request.service_tier": "auto",
        "anthropic.thinking.type": "enabled",
        "anthropic.thinking.budget_tokens": 1024,
        "anthropic.beta": ("b-1", "b-2"),
        "gen_ai.request.stream": True,
        "http.request.method": "POST",
        "http.route": "/v1/messages",
        "gen_ai.conversation.id": "conv",
        "gen_ai.output.type": "json",
        "http.response.status_code": 200,
    }
    # Without betas, stream or JSON output: none of their attributes.
    plain = telemetry.prepare("POST", "/v1/messages", (), b'{"model": 5, "stream": 1}', [])
    assert plain is not None and not plain.stream
    plain.attempt("https://api.example:8443", b"/v1/messages")
    plain.done_head(200, {})
    ((_, attributes, _, _),) = _spans(recorder)
    for key in (
        "anthropic.beta",
        "gen_ai.request.stream",
        "gen_ai.output.type",
        "gen_ai.request.model",
    ):
        assert key not in attributes
    # A batch counts its requests; other calls have no GenAI operation.
    batch = telemetry.prepare("POST", "/v1/messages/batches", (), b'{"requests": [{}, {}]}', [])
    assert batch is not None
    batch.attempt("https://api.example:8443", b"/v1/messages/batches")
    batch.done_json(200, {}, b'{"id": "msgbatch_9"}')
    ((_, attributes, _, _),) = _spans(recorder)
    assert attributes["anthropic.message.batch.request_count"] == 2
    assert attributes["anthropic.message.batch.id"] == "msgbatch_9"
    assert "gen_ai.operation.name" not in attributes


MESSAGE = {
    "id": "msg_1",
    "model": "m-1",
    "stop_reason": "end_turn",
    "content": [{"type": "text", "text": "hi"}],
    "usage": {
        "input_tokens": 1,
        "output_tokens": 2,
        "cache_read_input_tokens": 4,
        "cache_creation_input_tokens": 8,
        "cache_creation": {"ephemeral_5m_input_tokens": 3, "ephemeral_1h_input_tokens": 5},
        "service_tier": "standard",
        "output_tokens_details": {"thinking_tokens": 1},
    },
}
RESPONSE_ATTRIBUTES = {
    "gen_ai.response.id": "msg_1",
    "gen_ai.response.model": "m-1",
    "gen_ai.usage.cache_write.input_tokens": 8,
    "gen_ai.usage.cache_read.input_tokens": 4,
    "anthropic.usage.cache_creation.ephemeral_5m_input_tokens": 3,
    "anthropic.usage.cache_creation.ephemeral_1h_input_tokens": 5,
    "anthropic.response.service_tier": "standard",
    "gen_ai.usage.input_tokens": 13,
}
FROM_DELTA = {
    "anthropic.message.stop_reason": "end_turn",
    "gen_ai.usage.output_tokens": 2,
    "gen_ai.usage.reasoning.output_tokens": 1,
}


@pytest.mark.parametrize(
    ("streamed", "delta", "stop"),
    [(False, False, False), (True, False, False), (True, True, False), (True, True, True)],
)
def test_the_response_attributes_of_a_reply_or_a_stream(
    streamed: bool, delta: bool, stop: bool
) -> None:
    from opentelemetry.trace import StatusCode

    recorder = Recorder()
    telemetry = _telemetry({"tracer_provider": recorder.provider})
    call = telemetry.prepare("POST", "/v1/messages", (), b"{}", [])
    assert call is not None
    call.attempt("https://api.example:8443", b"/v1/messages")
    call.attempt("https://api.example:8443", b"/v1/messages")
    call.attempt("https://api.example:8443", b"/v1/messages")
    call.saw_delta, call.saw_stop = delta, stop
    call._end(200, {"anthropic-workspace-id": "ws"}, MESSAGE, None, streamed=streamed)
    ((_, attributes, status, _),) = _spans(recorder)
    expected = {**RESPONSE_ATTRIBUTES, **(FROM_DELTA if not streamed or delta else {})}
    assert {
        k: attributes[k] for k in attributes if k in RESPONSE_ATTRIBUTES or k in FROM_DELTA
    } == expected
    assert attributes["http.request.resend_count"] == 2
    assert attributes["anthropic.workspace.id"] == "ws"
    assert status is (StatusCode.OK if not streamed or stop else StatusCode.UNSET)
    # A failed reply keeps its status but reads no body.
    failed = telemetry.prepare("POST", "/v1/messages/count_tokens", (), b"{}", [])
    assert failed is not None
    failed.attempt("https://api.example:8443", b"/v1/messages/count_tokens")
    failed._end(
        500, None, {"input_tokens": 3}, APIStatusError("x", status_code=500), streamed=False
    )
    ((_, attributes, status, _),) = _spans(recorder)
    assert "anthropic.message.count_tokens.input_tokens" not in attributes
    assert (attributes["error.type"], status) == ("500", StatusCode.ERROR)


def test_a_client_is_active_only_when_a_call_might_report(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    for name in ("OTEL_PYTHON_TRACER_PROVIDER", "OTEL_PYTHON_METER_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    assert _telemetry({}).active  # the OpenTelemetry API is imported here
    monkeypatch.delitem(sys.modules, "opentelemetry.trace")
    assert _telemetry({}).active  # its metrics API still is
    monkeypatch.delitem(sys.modules, "opentelemetry.metrics")
    assert not _telemetry({}).active
    assert _telemetry({}).tracer() is None
    assert _telemetry({}).instruments() is None
    assert _telemetry({}).prepare("POST", "/v1/messages", (), None, []) is None
    assert _telemetry({"tracer_provider": PROVIDER}).active
    assert _telemetry({"metrics": {"meter_provider": MeterProvider()}}).active
    assert not _telemetry({"tracer_provider": PROVIDER, "traces": False, "metrics": False}).active
    assert _telemetry({"tracer_provider": PROVIDER, "metrics": False}).active
    assert _telemetry({"tracer_provider": PROVIDER, "traces": False}).active
    monkeypatch.setenv("OTEL_PYTHON_TRACER_PROVIDER", "sdk_tracer_provider")
    assert _telemetry({}).active
    monkeypatch.delenv("OTEL_PYTHON_TRACER_PROVIDER")
    monkeypatch.setenv("OTEL_PYTHON_METER_PROVIDER", "sdk_meter_provider")
    assert _telemetry({}).active


def test_no_registered_provider_means_no_tracer_and_no_histograms() -> None:
    from opentelemetry import metrics, trace

    if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        pytest.skip("a provider was registered in this process")
    assert type(metrics.get_meter_provider()).__name__ == "_ProxyMeterProvider"
    telemetry = _telemetry({})
    assert telemetry.active
    assert telemetry.tracer() is None
    assert telemetry.instruments() is None
    assert telemetry.prepare("POST", "/v1/messages", (), None, []) is None


def test_a_provider_that_fails_is_no_provider() -> None:
    class Broken:
        def get_tracer(self, *args: object) -> None:
            raise RuntimeError("no")

        def get_meter(self, *args: object) -> None:
            raise RuntimeError("no")

    telemetry = _telemetry({"tracer_provider": Broken(), "metrics": {"meter_provider": Broken()}})
    assert telemetry.tracer() is None
    assert telemetry.instruments() is None
    assert telemetry.prepare("POST", "/v1/messages", (), None, []) is None


def test_a_streams_span_has_its_time_to_first_chunk() -> None:
    recorder = Recorder()
    telemetry = _telemetry({"tracer_provider": recorder.provider})
    call = telemetry.prepare("POST", "/v1/messages", (), b'{"stream": true}', [])
    assert call is not None
    before = time.time_ns()
    call.attempt("https://api.example:8443", b"/v1/messages")
    call.events([_Event("message_start")])
    time.sleep(0.01)
    call.events([_Event("content_block_delta")])
    elapsed = (time.time_ns() - before) / 1e9
    call.events([_Event("content_block_delta")])  # only the first chunk is timed
    call.done_head(200, {})
    ((_, attributes, _, _),) = _spans(recorder)
    assert 0.01 <= attributes["gen_ai.response.time_to_first_chunk"] <= elapsed


def test_a_call_dropped_unended_ends_its_span_unset() -> None:
    import gc

    from opentelemetry.trace import StatusCode

    recorder = Recorder()
    telemetry = _telemetry({"tracer_provider": recorder.provider})
    call = telemetry.prepare("POST", "/v1/messages", (), b'{"stream": true}', [])
    assert call is not None
    call.attempt("https://api.example:8443", b"/v1/messages")
    call.saw_stop = True  # even after `message_stop`: its end was never read
    del call
    gc.collect()
    ((_, attributes, status, _),) = _spans(recorder)
    assert status is StatusCode.UNSET
    assert "http.response.status_code" not in attributes
    # One never sent has no span to end; one ended is not ended again.
    unsent = telemetry.prepare("POST", "/v1/messages", (), None, [])
    del unsent
    ended = telemetry.prepare("POST", "/v1/messages", (), None, [])
    assert ended is not None
    ended.attempt("https://api.example:8443", b"/v1/messages")
    ended.done_head(200, {})
    del ended
    gc.collect()
    assert [status for _, _, status, _ in _spans(recorder)] == [StatusCode.OK]


def test_a_sampled_out_call_still_propagates_its_context() -> None:
    # A span the sampler dropped records nothing, but its context still goes with the
    # request (its "sampled" flag clear), as the official SDK sends it; without
    # propagation it is dropped.
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ALWAYS_OFF)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    call = _telemetry({"tracer_provider": provider}).prepare("GET", "/v1/models", (), None, [])
    assert call is not None
    headers = dict(call.attempt("https://api.example:8443", b"/v1/models"))
    flags = int(headers[b"traceparent"].rsplit(b"-", 1)[1], 16)
    assert flags & 1 == 0  # not sampled
    assert call.span is not None and not call.span.is_recording()
    call.done_json(200, {}, b"{}")
    quiet = _telemetry({"tracer_provider": provider, "propagation": False})
    call = quiet.prepare("GET", "/v1/models", (), None, [])
    assert call is not None
    assert call.attempt("https://api.example:8443", b"/v1/models") == []
    assert call.span is None
    assert exporter.get_finished_spans() == ()


def test_a_call_ends_once() -> None:
    recorder = Recorder()
    reader = InMemoryMetricReader()
    option = {
        "tracer_provider": recorder.provider,
        "metrics": {"meter_provider": MeterProvider([reader])},
    }
    call = _telemetry(option).prepare("POST", "/v1/messages", (), b'{"model": "m"}', [])
    assert call is not None
    call.attempt("https://api.example:8443", b"/v1/messages")
    call.done_json(200, {}, b'{"model": "m-1"}')
    call.fail(RuntimeError("after the end"))
    call.done_head(500, {})
    ((_, attributes, _, _),) = _spans(recorder)
    assert attributes["http.response.status_code"] == 200 and "error.type" not in attributes
    (duration,) = _metrics(reader)["gen_ai.client.operation.duration"].data.data_points
    assert duration.count == 1 and "error.type" not in duration.attributes


def test_a_call_ended_before_its_first_attempt_measures_nothing() -> None:
    reader = InMemoryMetricReader()
    option = {"traces": False, "metrics": {"meter_provider": MeterProvider([reader])}}
    call = _telemetry(option).prepare("POST", "/v1/messages", (), b'{"model": "m"}', [])
    assert call is not None
    call.fail(RuntimeError("refused before sending"))
    assert reader.get_metrics_data() is None


def test_only_a_batch_counts_its_requests() -> None:
    recorder = Recorder()
    telemetry = _telemetry({"tracer_provider": recorder.provider})
    body = b'{"model": "m", "requests": [1, 2]}'
    call = telemetry.prepare("POST", "/v1/messages", (), body, [])
    assert call is not None
    call.attempt("https://api.example:8443", b"/v1/messages")
    call.done_head(200, {})
    ((name, attributes, _, _),) = _spans(recorder)
    assert name == "anthropic.messages.create"
    assert "anthropic.message.batch.request_count" not in attributes


def test_a_span_that_cannot_start_leaves_the_metrics() -> None:
    class Failing:
        def start_span(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("no span")

    class Provider:
        def get_tracer(self, *args: object) -> Failing:
            return Failing()

    reader = InMemoryMetricReader()
    option = {"tracer_provider": Provider(), "metrics": {"meter_provider": MeterProvider([reader])}}
    call = _telemetry(option).prepare("POST", "/v1/messages", (), b'{"stream": true}', [])
    assert call is not None
    assert call.attempt("https://api.example:8443", b"/v1/messages") == []
    assert call.span is None
    call.events([_Event("content_block_delta")])
    call.done_head(200, {})
    found = _metrics(reader)
    (duration,) = found["gen_ai.client.operation.duration"].data.data_points
    (first,) = found["gen_ai.client.operation.time_to_first_chunk"].data.data_points
    assert duration.count == first.count == 1
