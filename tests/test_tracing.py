"""OpenTelemetry spans: ours against the pinned official SDK's, through the SDK's in-memory
exporter, for the same calls to FakeClaude, on asyncio and trio and through the blocking
client; trace context on every attempt; the option and its environment."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import anyio
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

import anyio_claude
from anyio_claude import AsyncClaude, Claude
from anyio_claude.testing import ErrorReply, FakeClaude, Fault

from ._marks import official_generators_left_open

pytestmark = pytest.mark.anyio

KEY = "sk-ant-test-secret-key"
MODEL = "claude-sonnet-4-5"
USER = [{"role": "user", "content": "hi"}]
# Attributes whose values differ between two calls by nature: ids, times, the request id.
PER_CALL = {
    "gen_ai.response.id",
    "anthropic.request.id",
    "gen_ai.response.time_to_first_chunk",
    "anthropic.message.batch.id",
    "gen_ai.tool.call.id",
}

Span = tuple[str, dict[str, Any], StatusCode]


class Spans:
    """A tracer provider whose finished spans are read back (name, attributes, status)."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))

    def raw(self) -> list[ReadableSpan]:
        spans = list(self.exporter.get_finished_spans())
        self.exporter.clear()
        return spans

    def take(self) -> list[Span]:
        return [(s.name, dict(s.attributes or {}), s.status.status_code) for s in self.raw()]


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


@pytest.fixture
def spans() -> Spans:
    return Spans()


def assert_same(ours: list[Span], theirs: list[Span]) -> None:
    """Same span names and statuses; every official key present with an equal value (but
    for the per-call ones, which must be present too)."""
    assert [s[0] for s in ours] == [s[0] for s in theirs]
    for (name, mine, status), (_, official, official_status) in zip(ours, theirs, strict=True):
        assert status == official_status, name
        missing = set(official) - set(mine)
        assert not missing, (name, missing)
        # The per-call ids also appear in the URL of the call about them.
        same_ids = {
            official[k]: mine[k] for k in PER_CALL & set(official) if isinstance(mine[k], str)
        }
        for key, value in official.items():
            if key not in PER_CALL:
                for theirs_id, ours_id in same_ids.items():
                    value = value.replace(theirs_id, ours_id) if isinstance(value, str) else value
                assert mine[key] == value, (name, key, mine[key], value)


async def calls(client: Any) -> None:
    """The same calls through either client."""
    await client.messages.create(
        model=MODEL,
        max_tokens=2000,
        messages=USER,
        system="be brief",
        stop_sequences=["STOP"],
        thinking={"type": "enabled", "budget_tokens": 1024},
        service_tier="auto",
    )
    async with client.messages.stream(model=MODEL, max_tokens=20, messages=USER) as stream:
        await stream.get_final_message()
    raw = await client.messages.create(model=MODEL, max_tokens=20, messages=USER, stream=True)
    async for _ in raw:
        pass
    await client.beta.messages.create(model=MODEL, max_tokens=20, messages=USER, betas=["b-1"])
    await client.messages.count_tokens(model=MODEL, messages=USER)
    await client.models.list(limit=2)
    await client.models.retrieve(MODEL)
    batch = await client.messages.batches.create(
        requests=[{"custom_id": "a", "params": {"model": MODEL, "max_tokens": 5, "messages": USER}}]
    )
    await client.messages.batches.retrieve(batch.id)
    await client.messages.batches.list(limit=1)


@pytest.mark.parametrize("mode", ["metadata_only", "content"])
async def test_spans_match_the_official_sdk(server: FakeClaude, spans: Spans, mode: str) -> None:
    option: Any = {"tracer_provider": spans.provider, "traces": {"content_mode": mode}}
    async with AsyncClaude(api_key=KEY, base_url=server.url, open_telemetry=option) as ours:
        await calls(ours)
    mine = spans.take()
    official = anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url, open_telemetry=option)
    await calls(official)
    await official.close()
    theirs = spans.take()
    assert len(mine) == 10
    assert_same(mine, theirs)
    create = mine[0][1]
    assert create["gen_ai.operation.name"] == "chat"
    assert create["anthropic.message.stop_reason"] == "end_turn"
    assert create["anthropic.thinking.budget_tokens"] == 1024
    assert mine[3][1]["anthropic.beta"] == ("b-1",)
    assert ("gen_ai.input.messages" in create) is (mode == "content")
    assert all(KEY not in str(attributes) for _, attributes, _ in mine)


def test_blocking_client_spans_match_the_official_sdk() -> None:
    spans = Spans()
    option: Any = {"tracer_provider": spans.provider, "traces": {"content_mode": "content"}}
    tracer = spans.provider.get_tracer("test")
    with FakeClaude.run_in_thread() as server:
        for client in (
            Claude(api_key=KEY, base_url=server.url, open_telemetry=option),
            anthropic.Anthropic(api_key=KEY, base_url=server.url, open_telemetry=option),
        ):
            with tracer.start_as_current_span("parent"):
                client.messages.create(model=MODEL, max_tokens=20, messages=USER)
                with client.messages.stream(model=MODEL, max_tokens=20, messages=USER) as s:
                    s.get_final_message()
                client.messages.count_tokens(model=MODEL, messages=USER)
            client.close()
    finished = spans.raw()
    parents = [s for s in finished if s.name == "parent"]
    children = [s for s in finished if s.name != "parent"]
    # The call spans are children of the caller's current span, in the loop thread too.
    for span in children:
        assert span.parent is not None
        assert span.parent.span_id in {p.context.span_id for p in parents}
    taken = [(s.name, dict(s.attributes or {}), s.status.status_code) for s in children]
    assert_same(taken[:3], taken[3:])


async def test_every_attempt_carries_the_trace_context(server: FakeClaude, spans: Spans) -> None:
    server.script(ErrorReply(529, "overloaded_error", "busy"))
    option: Any = {"tracer_provider": spans.provider}
    async with AsyncClaude(
        api_key=KEY, base_url=server.url, open_telemetry=option, max_retries=1
    ) as client:
        with anyio.fail_after(30):
            await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    (span,) = spans.raw()
    trace_id = format(span.context.trace_id, "032x")
    span_id = format(span.context.span_id, "016x")
    sent = [r.headers.get("traceparent", "")[:-3] for r in server.requests]
    assert sent == [f"00-{trace_id}-{span_id}"] * 2
    assert span.attributes is not None
    assert span.attributes["http.request.resend_count"] == 1
    assert span.status.status_code is StatusCode.OK


async def test_no_propagation_and_no_spans(server: FakeClaude, spans: Spans) -> None:
    quiet: Any = {"tracer_provider": spans.provider, "propagation": False}
    async with AsyncClaude(api_key=KEY, base_url=server.url, open_telemetry=quiet) as client:
        await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        off = client.with_options(open_telemetry=False)
        await off.messages.create(model=MODEL, max_tokens=5, messages=USER)
    assert [s.name for s in spans.raw()] == ["anthropic.messages.create"]
    assert [r.headers.get("traceparent") for r in server.requests] == [None, None]


async def test_failures_match_the_official_sdk(server: FakeClaude, spans: Spans) -> None:
    option: Any = {"tracer_provider": spans.provider}
    results: list[list[Span]] = []
    for client in (
        AsyncClaude(api_key=KEY, base_url=server.url, open_telemetry=option, max_retries=0),
        anthropic.AsyncAnthropic(
            api_key=KEY, base_url=server.url, open_telemetry=option, max_retries=0
        ),
    ):
        server.script(ErrorReply(400, "invalid_request_error", "no"))
        with pytest.raises((anthropic.BadRequestError, anyio_claude.BadRequestError)):
            await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        await client.close()
        results.append(spans.take())
    assert_same(*results)
    ((_, attributes, status),) = results[0]
    assert status is StatusCode.ERROR
    assert attributes["error.type"] == "invalid_request_error"
    assert attributes["http.response.status_code"] == 400


async def test_a_cancelled_stream_ends_its_span_unset(server: FakeClaude, spans: Spans) -> None:
    option: Any = {"tracer_provider": spans.provider}
    server.itl = 0.01  # events one by one
    async with AsyncClaude(api_key=KEY, base_url=server.url, open_telemetry=option) as client:
        with anyio.CancelScope() as scope:
            async with client.messages.stream(model=MODEL, max_tokens=50, messages=USER) as s:
                async for _ in s.text_stream:
                    scope.cancel()
    (span,) = spans.raw()
    assert span.status.status_code is StatusCode.UNSET
    assert span.attributes is not None
    # Only the final fields of `message_delta` are missing: the stream never got there.
    assert "anthropic.message.stop_reason" not in span.attributes
    assert span.attributes["gen_ai.response.model"]


async def test_content_is_capped_as_the_official_sdk_caps_it(
    server: FakeClaude, spans: Spans
) -> None:
    long = [{"role": "user", "content": "word " * 60}, {"role": "assistant", "content": "ok"}]
    results: list[list[Span]] = []
    for limit in (120, 40, 1):
        option: Any = {
            "tracer_provider": spans.provider,
            "traces": {"content_mode": "content", "max_content_bytes": limit},
        }
        for client in (
            AsyncClaude(api_key=KEY, base_url=server.url, open_telemetry=option),
            anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url, open_telemetry=option),
        ):
            await client.messages.create(
                model=MODEL, max_tokens=5, messages=[*long, *USER], system="sys"
            )
            await client.close()
            results.append(spans.take())
    for ours, theirs in zip(results[::2], results[1::2], strict=True):
        assert_same(ours, theirs)
        assert ours[0][1]["anthropic.content.truncated"] is True


def test_the_option_reads_back_as_the_official_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE", "CONTENT")
    monkeypatch.setenv("ANTHROPIC_OPEN_TELEMETRY_TRACES_MAX_CONTENT_BYTES", " 1234 ")
    monkeypatch.setenv("ANTHROPIC_OPEN_TELEMETRY_PROPAGATION", "false")
    for option in (
        None,
        False,
        {},
        {"traces": False, "conversation_id": "c-1"},
        {"traces": {"max_content_bytes": 0}},
    ):
        ours = AsyncClaude(api_key=KEY, open_telemetry=option).open_telemetry
        theirs = anthropic.Anthropic(api_key=KEY, open_telemetry=option).open_telemetry  # type: ignore[arg-type]
        assert ours.pop("metrics") == {"enabled": True}
        assert ours == theirs, option
    client = AsyncClaude(api_key=KEY)
    monkeypatch.setenv("ANTHROPIC_OPEN_TELEMETRY", "false")
    # A copy keeps the resolved option; the environment is read once.
    assert client.with_options(max_retries=1).open_telemetry == client.open_telemetry
    changed = client.with_options(open_telemetry={**client.open_telemetry, "conversation_id": "x"})
    assert changed.open_telemetry["conversation_id"] == "x"
    assert AsyncClaude(api_key=KEY).open_telemetry["traces"]["enabled"] is False


@pytest.mark.parametrize(
    ("option", "says"),
    [
        ("on", "open_telemetry must be a dict, False or None, got str"),
        ({"trace": True}, "open_telemetry has unknown key(s) trace"),
        ({"traces": "yes"}, "open_telemetry traces must be a dict or a bool, got str"),
        ({"traces": {"content_mode": "all"}}, "traces.content_mode must be"),
    ],
)
def test_a_wrong_option_is_refused_before_any_io(option: Any, says: str) -> None:
    with pytest.raises((TypeError, ValueError), match=says.replace("(", r"\(").replace(")", r"\)")):
        AsyncClaude(api_key=KEY, open_telemetry=option)


def test_import_does_not_import_opentelemetry() -> None:
    code = (
        "import sys, anyio_claude; c = anyio_claude.AsyncClaude(api_key='k'); "
        "print(any(m.startswith('opentelemetry') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


LATER = """
import sys
import anyio
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from anyio_claude import AsyncClaude
from anyio_claude.testing import FakeClaude

async def main():
    exporter = InMemorySpanExporter()
    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        await client.messages.count_tokens(model="claude-sonnet-4-5", messages=[{"role": "user", "content": "x"}])
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        await client.messages.count_tokens(model="claude-sonnet-4-5", messages=[{"role": "user", "content": "x"}])
        print([s.name for s in exporter.get_finished_spans()])
        print(["traceparent" in r.headers for r in server.requests])

anyio.run(main, backend=sys.argv[1])
"""


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_the_registered_provider_is_found_when_set_later(backend: str) -> None:
    # A fresh process: the API lets a process register its global provider only once.
    done = subprocess.run(
        [sys.executable, "-c", LATER, backend], capture_output=True, text=True, check=True
    )
    assert done.stdout.split("\n")[:2] == [
        "['anthropic.messages.count_tokens']",
        "[False, True]",
    ]


CACHED = {
    "id": "msg_cached",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [
        {"type": "thinking", "thinking": "hmm", "signature": "sig"},
        {"type": "tool_use", "id": "toolu_1", "name": "get", "input": {"q": "x"}},
    ],
    "stop_reason": "tool_use",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 10,
        "output_tokens": 7,
        "cache_read_input_tokens": 3,
        "cache_creation_input_tokens": 2,
        "cache_creation": {"ephemeral_5m_input_tokens": 2, "ephemeral_1h_input_tokens": 0},
        "service_tier": "priority",
    },
}


async def test_usage_and_blocks_match_the_official_sdk(server: FakeClaude, spans: Spans) -> None:
    from anyio_claude.types import Message

    message = Message.model_validate(CACHED)
    option: Any = {"tracer_provider": spans.provider, "traces": {"content_mode": "content"}}
    results: list[list[Span]] = []
    for client in (
        AsyncClaude(api_key=KEY, base_url=server.url, open_telemetry=option),
        anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url, open_telemetry=option),
    ):
        server.script(message, message)
        await client.messages.create(model=MODEL, max_tokens=50, messages=USER)
        async with client.messages.stream(model=MODEL, max_tokens=50, messages=USER) as stream:
            await stream.get_final_message()
        await client.close()
        results.append(spans.take())
    assert_same(*results)
    for _, attributes, _ in results[0]:
        assert attributes["gen_ai.usage.input_tokens"] == 15
        assert attributes["gen_ai.usage.cache_read.input_tokens"] == 3
        assert attributes["anthropic.response.service_tier"] == "priority"
        assert '"type":"tool_call"' in attributes["gen_ai.output.messages"]


async def test_no_credential_reaches_a_span(server: FakeClaude, spans: Spans) -> None:
    option: Any = {"tracer_provider": spans.provider}
    url = server.url.replace("http://", "http://user:hunter2@")
    async with AsyncClaude(api_key=KEY, base_url=url, open_telemetry=option) as client:
        await client.models.list(limit=1)
    ((_, attributes, _),) = spans.take()
    assert attributes["url.full"] == f"{server.url}/v1/models?limit=1"
    assert "hunter2" not in str(attributes) and KEY not in str(attributes)


async def test_tool_runner_spans_match_the_official_sdk(server: FakeClaude, spans: Spans) -> None:
    from anyio_claude import beta_async_tool

    async def get_weather(location: str) -> str:
        """Look up the weather in a city.

        Args:
            location: The city.
        """
        return f"Sunny in {location}"

    option: Any = {"tracer_provider": spans.provider, "traces": {"content_mode": "content"}}
    results: list[list[ReadableSpan]] = []
    for client, tool in (
        (
            AsyncClaude(api_key=KEY, base_url=server.url, open_telemetry=option),
            beta_async_tool(get_weather),
        ),
        (
            anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url, open_telemetry=option),
            anthropic.beta_async_tool(get_weather),
        ),
    ):
        runner: Any = client.beta.messages.tool_runner(
            model=MODEL,
            max_tokens=200,
            tools=[tool],
            messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        )
        async for _ in runner:
            pass
        await client.close()
        results.append(spans.raw())
    taken = [[(s.name, dict(s.attributes or {}), s.status.status_code) for s in r] for r in results]
    assert [s[0] for s in taken[0]] == [
        "anthropic.messages.create",
        "anthropic.custom_tool_use get_weather",
        "anthropic.messages.create",
        "anthropic.messages.tool_runner",
    ]
    # The request spans are compared where both clients send the same requests.
    assert_same(taken[0][1:2] + taken[0][3:], taken[1][1:2] + taken[1][3:])
    for ours in results[0][:3]:
        # Requests and tool runs are children of the runner's span.
        assert ours.parent is not None and ours.parent.span_id == results[0][3].context.span_id


async def test_a_body_read_by_the_caller_ends_the_span_when_closed(
    server: FakeClaude, spans: Spans
) -> None:
    option: Any = {"tracer_provider": spans.provider}
    async with AsyncClaude(api_key=KEY, base_url=server.url, open_telemetry=option) as client:
        async with client.models.with_streaming_response.list() as response:
            assert spans.raw() == []  # still open: the body is unread
            await response.read()
        (span,) = spans.raw()
    assert span.name == "anthropic.models.list"
    assert span.status.status_code is StatusCode.OK
    assert span.attributes is not None and span.attributes["http.response.status_code"] == 200


@pytest.mark.parametrize("limit", [100_000, 160, 75, 20])
async def test_tool_run_content_is_trimmed_as_the_official_sdk(
    server: FakeClaude, spans: Spans, limit: int
) -> None:
    """Content mode on a tool run's span: the arguments are left out whole when over
    `max_content_bytes` by themselves, then the result loses whole blocks, last first, and
    the span says `anthropic.content.truncated`: the same attributes as the official's."""
    from anyio_claude import beta_async_tool

    async def get_weather(location: str) -> list[dict[str, str]]:
        """Look up the weather in a city."""
        return [{"type": "text", "text": f"{word} in {location}"} for word in ("Sunny", "Warm")]

    option: Any = {
        "tracer_provider": spans.provider,
        "traces": {"content_mode": "content", "max_content_bytes": limit},
    }
    tool_spans: list[dict[str, Any]] = []
    for client, tool in (
        (
            AsyncClaude(api_key=KEY, base_url=server.url, open_telemetry=option),
            beta_async_tool(get_weather),
        ),
        (
            anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url, open_telemetry=option),
            anthropic.beta_async_tool(get_weather),
        ),
    ):
        runner: Any = client.beta.messages.tool_runner(
            model=MODEL,
            max_tokens=200,
            tools=[tool],
            messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        )
        async for _ in runner:
            pass
        await client.close()
        (tool_span,) = [s for s in spans.raw() if s.name.startswith("anthropic.custom_tool_use")]
        attributes = dict(tool_span.attributes or {})
        tool_spans.append(
            {k: v for k, v in attributes.items() if k.startswith(("anthropic.", "gen_ai.tool.c"))}
        )
    ours, official = tool_spans
    ours.pop("gen_ai.tool.call.id")
    official.pop("gen_ai.tool.call.id")
    assert ours == official
    truncated = official.get("anthropic.content.truncated", False)
    assert truncated is (limit < 160)


async def more_calls(client: Any) -> None:
    """The rest of the traced methods, through either client: parse, files, batches."""
    from pydantic import BaseModel

    class Answer(BaseModel):
        answer: str

    await client.messages.parse(model=MODEL, max_tokens=50, messages=USER, output_format=Answer)
    uploaded = await client.beta.files.upload(file=("a.txt", b"hello", "text/plain"))
    await client.beta.files.list(limit=1)
    await client.beta.files.retrieve_metadata(uploaded.id)
    with pytest.raises((anthropic.BadRequestError, anyio_claude.BadRequestError)):
        await client.beta.files.download(uploaded.id)  # an upload is not downloadable
    await client.beta.files.delete(uploaded.id)
    batch = await client.messages.batches.create(
        requests=[{"custom_id": "a", "params": {"model": MODEL, "max_tokens": 5, "messages": USER}}]
    )
    await anyio.sleep(0.3)  # FakeClaude ends it in batch_seconds
    async for _ in await client.messages.batches.results(batch.id):
        pass
    await client.messages.batches.cancel(batch.id)
    await client.messages.batches.delete(batch.id)


async def test_files_batches_and_parse_spans_match_the_official_sdk(
    server: FakeClaude, spans: Spans
) -> None:
    server.batch_seconds = 0.01
    option: Any = {"tracer_provider": spans.provider, "traces": {"content_mode": "content"}}
    async with AsyncClaude(api_key=KEY, base_url=server.url, open_telemetry=option) as ours:
        await more_calls(ours)
    mine = spans.take()
    official = anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url, open_telemetry=option)
    await more_calls(official)
    await official.close()
    theirs = spans.take()
    assert [name for name, _, _ in mine] == [
        "anthropic.messages.create",
        *(f"anthropic.files.{m}" for m in ("upload", "list", "retrieve_metadata", "download")),
        "anthropic.files.delete",
        *(
            f"anthropic.messages.batches.{m}"
            for m in ("create", "retrieve", "results", "cancel", "delete")
        ),
    ]
    PER_CALL.add("anthropic.file.id")
    try:
        assert_same(mine, theirs)
    finally:
        PER_CALL.discard("anthropic.file.id")
    assert mine[4][2] is StatusCode.ERROR


async def test_connection_failures_match_the_official_sdk(spans: Spans) -> None:
    """`error.type` and the status of a call that got no response, as the official's."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"  # nothing listens there
        option: Any = {"tracer_provider": spans.provider}
        results: list[list[Span]] = []
        for client in (
            AsyncClaude(api_key=KEY, base_url=url, open_telemetry=option, max_retries=0),
            anthropic.AsyncAnthropic(
                api_key=KEY, base_url=url, open_telemetry=option, max_retries=0
            ),
        ):
            with pytest.raises((anthropic.APIConnectionError, anyio_claude.APIConnectionError)):
                await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
            await client.close()
            results.append(spans.take())
    assert_same(*results)
    ((_, attributes, status),) = results[0]
    assert status is StatusCode.ERROR
    assert attributes["error.type"] == "connection_error"


PROPAGATOR = """
import sys
import anyio
from opentelemetry import propagate, trace
from opentelemetry.baggage import set_baggage
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.context import attach
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from anyio_claude import AsyncClaude
from anyio_claude.testing import FakeClaude

async def main():
    trace.set_tracer_provider(TracerProvider())
    propagate.set_global_textmap(
        CompositePropagator([TraceContextTextMapPropagator(), W3CBaggagePropagator()])
    )
    attach(set_baggage("tenant", "acme"))
    async with FakeClaude() as server, AsyncClaude(api_key="k", base_url=server.url) as client:
        await client.messages.count_tokens(model="claude-sonnet-4-5", messages=[{"role": "user", "content": "x"}])
        (request,) = server.requests
        print(request.headers.get("baggage"), "traceparent" in request.headers)

anyio.run(main, backend=sys.argv[1])
"""


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_the_registered_propagator_injects_the_context(backend: str) -> None:
    # A fresh process: the propagator and provider are process-wide.
    done = subprocess.run(
        [sys.executable, "-c", PROPAGATOR, backend], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "tenant=acme True"


IMAGE = {
    "type": "image",
    "source": {"type": "base64", "media_type": "image/png", "data": "BASE64IMAGEDATA"},
}
PDF = {
    "type": "document",
    "source": {"type": "base64", "media_type": "application/pdf", "data": "PDFDATA"},
}
RICH_HISTORY = [
    {"role": "user", "content": [IMAGE, PDF, {"type": "text", "text": "look"}]},
    {
        "role": "assistant",
        "content": [
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}},
            {
                "type": "web_search_tool_result",
                "tool_use_id": "srvtoolu_1",
                "content": [
                    {
                        "type": "web_search_result",
                        "url": "https://example.com",
                        "title": "t",
                        "encrypted_content": "ENCRYPTED",
                        "page_age": None,
                    }
                ],
            },
            {"type": "tool_use", "id": "toolu_1", "name": "shot", "input": {}},
        ],
    },
    {
        "role": "user",
        "content": [
            {
                "type": "tool_result",
                "tool_use_id": "toolu_1",
                "content": [IMAGE, {"type": "text", "text": "a shot"}],
            }
        ],
    },
]
COMPACTED = [
    {
        "type": "message_start",
        "message": {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": MODEL,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 1},
        },
    },
    {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "redacted_thinking", "data": "SECRETDATA"},
    },
    {"type": "content_block_stop", "index": 0},
    {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "ok"}},
    {"type": "content_block_stop", "index": 1},
    {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {
            "output_tokens": 12,
            "iterations": [
                {"type": "compaction", "input_tokens": 100, "output_tokens": 20,
                 "cache_read_input_tokens": 1, "cache_creation_input_tokens": 2},
                {"type": "message", "input_tokens": 10, "output_tokens": 12},
            ],
        },
    },
    {"type": "message_stop"},
]  # fmt: skip


async def test_binary_and_encrypted_data_stay_out_of_content(
    server: FakeClaude, spans: Spans
) -> None:
    """Content mode leaves out images, documents (in tool results too), `encrypted_*`
    fields and redacted thinking as the official SDK does; compaction usage is summed."""
    option: Any = {"tracer_provider": spans.provider, "traces": {"content_mode": "content"}}
    results: list[list[Span]] = []
    for client in (
        AsyncClaude(api_key=KEY, base_url=server.url, open_telemetry=option),
        anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url, open_telemetry=option),
    ):
        server.script(COMPACTED, COMPACTED)
        await client.beta.messages.create(model=MODEL, max_tokens=50, messages=RICH_HISTORY)
        async with client.beta.messages.stream(
            model=MODEL, max_tokens=50, messages=RICH_HISTORY
        ) as stream:
            await stream.get_final_message()
        await client.close()
        results.append(spans.take())
    assert_same(*results)
    for _, attributes, _ in results[0]:
        assert attributes["anthropic.usage.compaction.input_tokens"] == 103
        assert attributes["anthropic.usage.compaction.output_tokens"] == 20
        assert '"type":"anthropic_image"' in attributes["gen_ai.input.messages"]
        for secret in ("BASE64IMAGEDATA", "PDFDATA", "ENCRYPTED", "SECRETDATA"):
            assert secret not in str(attributes)


@official_generators_left_open
@pytest.mark.parametrize("kind", ["mid_stream_error", "reset_mid_body"])
async def test_a_stream_that_fails_midway_matches_the_official_sdk(spans: Spans, kind: Any) -> None:
    option: Any = {"tracer_provider": spans.provider}
    results: list[list[Span]] = []
    async with FakeClaude(faults=[Fault(kind, after_events=4)]) as server:
        for client in (
            AsyncClaude(api_key=KEY, base_url=server.url, open_telemetry=option, max_retries=0),
            anthropic.AsyncAnthropic(
                api_key=KEY, base_url=server.url, open_telemetry=option, max_retries=0
            ),
        ):
            with pytest.raises((anyio_claude.APIError, anthropic.APIError)):
                async with client.messages.stream(model=MODEL, max_tokens=50, messages=USER) as s:
                    await s.get_final_message()
            await client.close()
            results.append(spans.take())
    assert_same(*results)
    ((_, attributes, status),) = results[0]
    assert status is StatusCode.ERROR
    assert attributes["error.type"] == (
        "overloaded_error" if kind == "mid_stream_error" else "connection_error"
    )
    assert "anthropic.message.stop_reason" not in attributes


async def test_a_call_a_middleware_answers_ends_its_span_ok(
    server: FakeClaude, spans: Spans
) -> None:
    from anyio_claude import APIRequest, AsyncCallNext

    cache: dict[str, object] = {}

    async def cached(request: APIRequest, call_next: AsyncCallNext) -> Any:
        if "answer" in cache:
            return cache["answer"]
        response = await call_next(request)
        cache["answer"] = await response.parse()
        return response

    option: Any = {"tracer_provider": spans.provider}
    async with AsyncClaude(
        api_key=KEY, base_url=server.url, open_telemetry=option, middleware=[cached]
    ) as client:
        first = await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
        again = await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    assert again == first and len(server.requests) == 1
    (sent, answered) = spans.take()
    assert sent[1]["http.response.status_code"] == 200
    assert answered[0] == "anthropic.messages.create"
    assert answered[2] is StatusCode.OK
    assert "error.type" not in answered[1] and "http.response.status_code" not in answered[1]


@official_generators_left_open
async def test_a_stream_left_after_message_stop_matches_the_official_sdk(
    server: FakeClaude, spans: Spans
) -> None:
    """Closed before its end was read, even right after `message_stop`: status unset."""
    option: Any = {"tracer_provider": spans.provider}
    results: list[list[Span]] = []
    for client in (
        AsyncClaude(api_key=KEY, base_url=server.url, open_telemetry=option),
        anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url, open_telemetry=option),
    ):
        raw = await client.messages.create(model=MODEL, max_tokens=20, messages=USER, stream=True)
        async for event in raw:
            if event.type == "message_stop":
                break
        await raw.close()
        await client.close()
        results.append(spans.take())
    assert_same(*results)
    ((_, attributes, status),) = results[0]
    assert status is StatusCode.UNSET
    assert attributes["anthropic.message.stop_reason"] == "max_tokens"
