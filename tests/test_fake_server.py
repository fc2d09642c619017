"""FakeClaude, exercised with the official `anthropic` SDK as an independent client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import anyio
import httpcore
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anyio_claude.testing import (
    DEFAULT_MODELS,
    ErrorReply,
    FakeClaude,
    Fault,
    ModelSpec,
    RateLimits,
)
from anyio_claude.testing._fake_model import RequestError, validate_message_request
from anyio_claude.types import Message, TextBlock, Usage

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"
USER = [{"role": "user", "content": "Hello there"}]
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Get the current weather",
    "input_schema": {
        "type": "object",
        "properties": {
            "location": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1, "maximum": 7},
        },
        "required": ["location", "unit"],
    },
}


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude(batch_speedup=2000) as fake:
        yield fake


@pytest.fixture
async def official(server: FakeClaude) -> AsyncIterator[anthropic.AsyncAnthropic]:
    client = anthropic.AsyncAnthropic(api_key="test-key", base_url=server.url, max_retries=0)
    yield client
    await client.close()


async def test_create_text_is_deterministic_and_echoes_the_prompt(
    official: anthropic.AsyncAnthropic,
) -> None:
    first = await official.messages.create(model=MODEL, max_tokens=200, messages=USER)
    second = await official.messages.create(model=MODEL, max_tokens=200, messages=USER)
    assert first.content[0].type == "text"
    assert first.content[0].text.startswith("You said: Hello there.")
    assert first.content[0].text == second.content[0].text
    assert first.stop_reason == "end_turn"
    assert first.usage.output_tokens > 0


async def test_models_list_by_lifecycle_for_the_official_sdk() -> None:
    models = [
        ModelSpec("m-new", "New", created_at="2026-03-01T00:00:00Z"),
        ModelSpec("m-old", "Old", created_at="2026-02-01T00:00:00Z", lifecycle="deprecated"),
        ModelSpec("m-gone", "Gone", created_at="2026-01-01T00:00:00Z", lifecycle="retired"),
    ]
    async with FakeClaude(models=models) as server:
        official = anthropic.AsyncAnthropic(api_key="k", base_url=server.url, max_retries=0)
        listed = [(m.id, m.lifecycle) async for m in official.models.list()]
        assert listed == [("m-new", "active"), ("m-old", "deprecated")]
        retired = [m.id async for m in official.models.list(lifecycle=["retired", "active"])]
        assert retired == ["m-new", "m-gone"]
        with pytest.raises(anthropic.BadRequestError, match="lifecycle"):
            await official.models.list(lifecycle=["gone"])
        await official.close()


async def test_usage_matches_count_tokens(official: anthropic.AsyncAnthropic) -> None:
    counted = await official.messages.count_tokens(model=MODEL, messages=USER, system="Be brief")
    reply = await official.messages.create(
        model=MODEL, max_tokens=50, messages=USER, system="Be brief"
    )
    assert reply.usage.input_tokens == counted.input_tokens > 0


async def test_stream_text_matches_create(official: anthropic.AsyncAnthropic) -> None:
    reply = await official.messages.create(model=MODEL, max_tokens=200, messages=USER)
    async with official.messages.stream(model=MODEL, max_tokens=200, messages=USER) as stream:
        deltas = [text async for text in stream.text_stream]
        final = await stream.get_final_message()
    assert len(deltas) > 5
    assert "".join(deltas) == reply.content[0].text == final.content[0].text  # type: ignore[union-attr]
    assert final.usage.output_tokens == reply.usage.output_tokens


async def test_raw_stream_event_sequence(official: anthropic.AsyncAnthropic) -> None:
    stream = await official.messages.create(model=MODEL, max_tokens=200, messages=USER, stream=True)
    kinds = [event.type async for event in stream]
    assert kinds[0] == "message_start"
    assert kinds[1] == "content_block_start"
    assert kinds[-2:] == ["message_delta", "message_stop"]
    assert kinds.count("content_block_start") == kinds.count("content_block_stop")


async def test_tool_use_validates_against_the_schema(official: anthropic.AsyncAnthropic) -> None:
    reply = await official.messages.create(
        model=MODEL,
        max_tokens=300,
        tools=[WEATHER_TOOL],
        tool_choice={"type": "any"},
        messages=[{"role": "user", "content": "What should I wear in Buenos Aires tomorrow?"}],
    )
    assert reply.stop_reason == "tool_use"
    tool = next(b for b in reply.content if b.type == "tool_use")
    assert tool.name == "get_weather"
    assert tool.input["location"] == "Buenos Aires"  # type: ignore[index]
    assert tool.input["unit"] in ("celsius", "fahrenheit")  # type: ignore[index]
    assert 1 <= tool.input["days"] <= 7  # type: ignore[index]


async def test_tool_use_streams_input_json(official: anthropic.AsyncAnthropic) -> None:
    async with official.messages.stream(
        model=MODEL,
        max_tokens=300,
        tools=[WEATHER_TOOL],
        messages=[{"role": "user", "content": "What's the weather? use the tool"}],
    ) as stream:
        kinds = [event.type async for event in stream]
        final = await stream.get_final_message()
    assert "input_json" in kinds
    assert final.content[-1].type == "tool_use"
    assert final.content[-1].input["location"]  # type: ignore[union-attr,index]


async def test_thinking_block_when_enabled(official: anthropic.AsyncAnthropic) -> None:
    async with official.messages.stream(
        model=MODEL,
        max_tokens=2000,
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=USER,
    ) as stream:
        final = await stream.get_final_message()
    assert [b.type for b in final.content] == ["thinking", "text"]
    assert final.content[0].thinking and final.content[0].signature  # type: ignore[union-attr]


async def test_max_tokens_and_stop_sequences(official: anthropic.AsyncAnthropic) -> None:
    short = await official.messages.create(model=MODEL, max_tokens=3, messages=USER)
    assert short.stop_reason == "max_tokens"
    assert short.usage.output_tokens == 3
    full = await official.messages.create(model=MODEL, max_tokens=200, messages=USER)
    word = full.content[0].text.split()[5]  # type: ignore[union-attr]
    stopped = await official.messages.create(
        model=MODEL, max_tokens=200, messages=USER, stop_sequences=[word]
    )
    assert stopped.stop_reason == "stop_sequence"
    assert stopped.stop_sequence == word
    assert word not in stopped.content[0].text  # type: ignore[union-attr]


async def test_cache_control_creates_then_reads(official: anthropic.AsyncAnthropic) -> None:
    system = [
        {"type": "text", "text": "long context " * 50, "cache_control": {"type": "ephemeral"}}
    ]
    first = await official.messages.create(
        model=MODEL,
        max_tokens=20,
        system=system,
        messages=USER,  # type: ignore[arg-type]
    )
    second = await official.messages.create(
        model=MODEL,
        max_tokens=20,
        system=system,
        messages=USER,  # type: ignore[arg-type]
    )
    assert first.usage.cache_creation_input_tokens and not first.usage.cache_read_input_tokens
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens


async def test_consecutive_same_role_messages_merge_into_one_turn(
    official: anthropic.AsyncAnthropic,
) -> None:
    split = [
        {"role": "user", "content": "Hello"},
        {"role": "user", "content": "there"},
        {"role": "assistant", "content": "Hi."},
        {"role": "assistant", "content": "What next?"},
        {"role": "user", "content": "More please"},
    ]
    merged = [
        {"role": "user", "content": [{"type": "text", "text": t} for t in ("Hello", "there")]},
        {
            "role": "assistant",
            "content": [{"type": "text", "text": t} for t in ("Hi.", "What next?")],
        },
        {"role": "user", "content": "More please"},
    ]
    counted = await official.messages.count_tokens(model=MODEL, messages=split)  # type: ignore[arg-type]
    assert counted == await official.messages.count_tokens(model=MODEL, messages=merged)  # type: ignore[arg-type]
    reply = await official.messages.create(model=MODEL, max_tokens=50, messages=split[:2])  # type: ignore[arg-type]
    assert reply.content[0].text.startswith("You said: Hello there.")  # type: ignore[union-attr]


@pytest.mark.parametrize("sdk", ["official", "ours"])
async def test_an_agent_tool_loop_ends(server: FakeClaude, sdk: str) -> None:
    from anyio_claude import AsyncClaude

    client: Any = (
        anthropic.AsyncAnthropic(api_key="k", base_url=server.url)
        if sdk == "official"
        else AsyncClaude(api_key="k", base_url=server.url)
    )
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "What is the weather in Paris? use the tool"}
    ]
    calls = 0
    async with client:
        while calls < 5:
            calls += 1
            reply = await client.messages.create(
                model=MODEL, max_tokens=300, tools=[WEATHER_TOOL], messages=messages
            )
            if reply.stop_reason != "tool_use":
                break
            call = next(b for b in reply.content if b.type == "tool_use")
            assert call.input["location"] == "Paris"
            messages.append({"role": "assistant", "content": [b.to_dict() for b in reply.content]})
            result = {"type": "tool_result", "tool_use_id": call.id, "content": "Sunny, 24 C"}
            messages.append({"role": "user", "content": [result]})
    assert (calls, reply.stop_reason) == (2, "end_turn")
    assert reply.content[0].text.startswith("The tool returned: Sunny, 24 C.")


async def test_models_list_and_pagination(official: anthropic.AsyncAnthropic) -> None:
    everything = [m.id async for m in official.models.list(limit=1)]
    assert sorted(everything) == sorted(m.id for m in DEFAULT_MODELS)
    page = await official.models.list(limit=2)
    assert len(page.data) == 2 and page.has_more
    assert (await official.models.retrieve(MODEL)).display_name == "Claude Sonnet 5.5"
    with pytest.raises(anthropic.NotFoundError):
        await official.models.retrieve("claude-nonexistent")


@pytest.mark.parametrize(
    ("kwargs", "exc", "needle"),
    [
        ({"model": "claude-unknown-1"}, anthropic.NotFoundError, "claude-unknown-1"),
        ({"max_tokens": 0}, anthropic.BadRequestError, "max_tokens"),
        ({"messages": []}, anthropic.BadRequestError, "at least one message"),
        (
            {"messages": [{"role": "assistant", "content": "hi"}]},
            anthropic.BadRequestError,
            "first message",
        ),
        # This official SDK version has no temperature/top_p arguments: send them raw.
        ({"extra_body": {"temperature": 1.5}}, anthropic.BadRequestError, "temperature"),
        ({"extra_body": {"top_p": -0.1}}, anthropic.BadRequestError, "top_p"),
    ],
)
async def test_validation_errors_map_to_official_classes(
    official: anthropic.AsyncAnthropic, kwargs: dict[str, Any], exc: type[Exception], needle: str
) -> None:
    params: dict[str, Any] = {"model": MODEL, "max_tokens": 100, "messages": USER, **kwargs}
    with pytest.raises(exc, match=needle) as info:
        await official.messages.create(**params)
    assert info.value.request_id and info.value.request_id.startswith("req_")  # type: ignore[attr-defined]


async def test_missing_field_and_bad_key(server: FakeClaude) -> None:
    client = anthropic.AsyncAnthropic(api_key="test-key", base_url=server.url, max_retries=0)
    with pytest.raises(anthropic.BadRequestError, match="max_tokens: Field required"):
        await client.post("/v1/messages", body={"model": MODEL, "messages": USER}, cast_to=object)
    await client.close()
    async with FakeClaude(api_keys=["right"]) as strict:
        wrong = anthropic.AsyncAnthropic(api_key="wrong", base_url=strict.url, max_retries=0)
        with pytest.raises(anthropic.AuthenticationError):
            await wrong.messages.create(model=MODEL, max_tokens=10, messages=USER)
        await wrong.close()


@pytest.mark.parametrize(
    ("kind", "exc"),
    [
        ("server_error", anthropic.InternalServerError),
        ("overloaded", anthropic.OverloadedError),
        ("rate_limited", anthropic.RateLimitError),
    ],
)
async def test_status_faults(kind: str, exc: type[Exception]) -> None:
    async with FakeClaude(faults=[Fault(kind, every=2)]) as fake:  # type: ignore[arg-type]
        client = anthropic.AsyncAnthropic(api_key="k", base_url=fake.url, max_retries=0)
        await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
        with pytest.raises(exc):
            await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
        await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
        await client.close()


async def test_rate_limit_headers_and_429() -> None:
    async with FakeClaude(rate_limits=RateLimits(requests_per_minute=2)) as fake:
        client = anthropic.AsyncAnthropic(api_key="k", base_url=fake.url, max_retries=0)
        raw = await client.messages.with_raw_response.create(
            model=MODEL, max_tokens=10, messages=USER
        )
        for kind in ("requests", "tokens", "input-tokens", "output-tokens"):
            for part in ("limit", "remaining", "reset"):
                assert f"anthropic-ratelimit-{kind}-{part}" in raw.headers
        assert raw.headers["anthropic-ratelimit-requests-limit"] == "2"
        await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
        with pytest.raises(anthropic.RateLimitError) as info:
            await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
        assert int(info.value.response.headers["retry-after"]) >= 1
        await client.close()


async def test_scripted_replies(server: FakeClaude, official: anthropic.AsyncAnthropic) -> None:
    scripted = Message(
        id="msg_scripted",
        type="message",
        role="assistant",
        content=[TextBlock(text="exactly this")],
        model=MODEL,
        stop_reason="end_turn",
        stop_sequence=None,
        usage=Usage(input_tokens=1, output_tokens=2),
    )
    server.script(scripted, scripted, ErrorReply(529, "overloaded_error", "busy"))
    reply = await official.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert reply.id == "msg_scripted" and reply.content[0].text == "exactly this"  # type: ignore[union-attr]
    async with official.messages.stream(model=MODEL, max_tokens=10, messages=USER) as stream:
        assert await stream.get_final_text() == "exactly this"
    with pytest.raises(anthropic.OverloadedError, match="busy"):
        await official.messages.create(model=MODEL, max_tokens=10, messages=USER)
    assert [r.json["messages"] for r in server.requests[-3:]] == [USER] * 3


async def test_batches_lifecycle(server: FakeClaude, official: anthropic.AsyncAnthropic) -> None:
    requests = [
        {"custom_id": f"req-{i}", "params": {"model": MODEL, "max_tokens": 20, "messages": USER}}
        for i in range(3)
    ]
    batch = await official.messages.batches.create(requests=requests)  # type: ignore[arg-type]
    assert batch.processing_status == "in_progress"
    # The fixture ends a batch in 30 ms, so the counts are checked loosely here and exactly
    # (and deleting while processing) in test_batch_cancel_and_validation's slow server.
    assert sum(batch.request_counts.to_dict().values()) == 3
    with anyio.fail_after(30):  # the batch ends in 30 ms; a loaded machine may take longer
        while batch.processing_status != "ended":
            await anyio.sleep(0.01)
            batch = await official.messages.batches.retrieve(batch.id)
    assert batch.request_counts.succeeded == 3
    assert batch.results_url is not None
    results = [r async for r in await official.messages.batches.results(batch.id)]
    assert sorted(r.custom_id for r in results) == ["req-0", "req-1", "req-2"]
    assert all(r.result.type == "succeeded" for r in results)
    listed = [b.id async for b in official.messages.batches.list()]
    assert batch.id in listed
    assert (await official.messages.batches.delete(batch.id)).type == "message_batch_deleted"
    with pytest.raises(anthropic.NotFoundError):
        await official.messages.batches.retrieve(batch.id)


async def test_batch_cancel_and_validation(official: anthropic.AsyncAnthropic) -> None:
    async with FakeClaude(batch_seconds=3600) as slow:
        client = anthropic.AsyncAnthropic(api_key="k", base_url=slow.url, max_retries=0)
        params = {"model": MODEL, "max_tokens": 20, "messages": USER}
        batch = await client.messages.batches.create(
            requests=[{"custom_id": "a", "params": params}]
        )
        assert batch.request_counts.processing == 1
        with pytest.raises(anthropic.BadRequestError):
            await client.messages.batches.delete(batch.id)
        canceled = await client.messages.batches.cancel(batch.id)
        assert canceled.cancel_initiated_at is not None
        ended = await client.messages.batches.retrieve(batch.id)
        assert ended.processing_status == "ended" and ended.request_counts.canceled == 1
        results = [r async for r in await client.messages.batches.results(batch.id)]
        assert results[0].result.type == "canceled"
        for bad in ("has space", "x" * 65):
            with pytest.raises(anthropic.BadRequestError, match="custom_id"):
                await client.messages.batches.create(
                    requests=[{"custom_id": bad, "params": params}]
                )
        with pytest.raises(anthropic.BadRequestError, match="stream"):
            await client.messages.batches.create(
                requests=[{"custom_id": "s", "params": {**params, "stream": True}}]
            )
        await client.close()


def _counts_add_up(batch: Any, total: int) -> dict[str, int]:
    counts = batch.request_counts
    found = {
        kind: getattr(counts, kind)
        for kind in ("processing", "succeeded", "errored", "canceled", "expired")
    }
    assert sum(found.values()) == total, found
    return found


def _results_tally(results: list[Any]) -> dict[str, int]:
    tally = dict.fromkeys(("succeeded", "errored", "canceled", "expired"), 0)
    for result in results:
        tally[result.result.type] += 1
    return tally


MIXED_BATCH = [
    {"custom_id": "good-1", "params": {"model": MODEL, "max_tokens": 20, "messages": USER}},
    {"custom_id": "bad-1", "params": {"model": MODEL, "max_tokens": 0, "messages": USER}},
    {"custom_id": "good-2", "params": {"model": MODEL, "max_tokens": 20, "messages": USER}},
    {"custom_id": "bad-2", "params": {"model": MODEL, "max_tokens": 20, "messages": []}},
]


async def test_batch_counts_add_up_at_every_moment_and_match_the_results() -> None:
    async with FakeClaude(batch_seconds=0.4) as fake:
        client = anthropic.AsyncAnthropic(api_key="k", base_url=fake.url, max_retries=0)
        async with client:
            batch = await client.messages.batches.create(requests=MIXED_BATCH)  # type: ignore[arg-type]
            seen = [_counts_add_up(batch, 4)]
            while batch.processing_status != "ended":
                await anyio.sleep(0.02)
                batch = await client.messages.batches.retrieve(batch.id)
                seen.append(_counts_add_up(batch, 4))
            # Progress shows while processing, not only at the end.
            assert any(0 < c["processing"] < 4 and c["succeeded"] + c["errored"] for c in seen)
            final = seen[-1]
            assert (final["succeeded"], final["errored"], final["processing"]) == (2, 2, 0)
            results = [r async for r in await client.messages.batches.results(batch.id)]
            assert _results_tally(results) == {k: final[k] for k in _results_tally(results)}
            errored = {r.custom_id for r in results if r.result.type == "errored"}
            assert errored == {"bad-1", "bad-2"}


async def test_canceled_batch_counts_match_the_results() -> None:
    async with FakeClaude(batch_seconds=0.4) as fake:
        client = anthropic.AsyncAnthropic(api_key="k", base_url=fake.url, max_retries=0)
        async with client:
            batch = await client.messages.batches.create(requests=MIXED_BATCH)  # type: ignore[arg-type]
            while batch.request_counts.processing == 4:
                await anyio.sleep(0.02)
                batch = await client.messages.batches.retrieve(batch.id)
            batch = await client.messages.batches.cancel(batch.id)
            counts = _counts_add_up(batch, 4)
            assert batch.processing_status == "ended" and 0 < counts["canceled"] < 4
            results = [r async for r in await client.messages.batches.results(batch.id)]
            assert _results_tally(results) == {k: counts[k] for k in _results_tally(results)}


async def test_tls_with_trustme() -> None:
    import ssl

    import httpx2
    import trustme

    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    async with FakeClaude(ssl_context=server_context) as fake:
        assert fake.url.startswith("https://")
        async with httpx2.AsyncClient(verify=client_context) as http:
            client = anthropic.AsyncAnthropic(
                api_key="k", base_url=fake.url, http_client=http, max_retries=0
            )
            reply = await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
            assert reply.content


async def test_recorded_requests_are_a_bounded_ring() -> None:
    async with FakeClaude(max_recorded=3) as fake:
        async with anthropic.AsyncAnthropic(api_key="sk-secret-1", base_url=fake.url) as client:
            for i in range(5):
                await client.messages.count_tokens(
                    model=MODEL, messages=[{"role": "user", "content": f"n{i}"}]
                )
        assert len(fake.requests) == 3
        assert [r.json["messages"][0]["content"] for r in fake.requests] == ["n2", "n3", "n4"]
        assert fake.requests[-1] == fake.requests[2] and fake.requests[-2:] == fake.requests[1:]
        assert any("sk-secret-1" in value for value in fake.requests[-1].headers.values())
        assert "sk-secret-1" not in repr(fake.requests[-1]) + repr(list(fake.requests))
        fake.requests.clear()
        assert fake.requests == []
    with pytest.raises(ValueError, match="max_recorded"):
        FakeClaude(max_recorded=-1)


# ------------------------------------------------------------------ raw-socket abuse


async def raw_exchange(url: str, data: bytes) -> bytes:
    port = int(url.rsplit(":", 1)[1])
    async with await anyio.connect_tcp("127.0.0.1", port) as stream:
        await stream.send(data)
        received = b""
        with anyio.move_on_after(5):
            try:
                while True:
                    received += await stream.receive()
                    if b"\r\n\r\n" in received and b"connection: close" not in received.lower():
                        head = received.split(b"\r\n\r\n", 1)[0].lower()
                        length = int(head.split(b"content-length: ", 1)[1].split(b"\r\n")[0])
                        if len(received.split(b"\r\n\r\n", 1)[1]) >= length:
                            break
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                pass
        return received


def good_request(body: dict[str, Any]) -> bytes:
    payload = json.dumps(body).encode()
    return (
        b"POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-api-key: k\r\n"
        b"content-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(payload) + payload
    )


async def test_a_header_sent_twice_is_recorded_twice(server: FakeClaude) -> None:
    request = good_request({"model": MODEL, "max_tokens": 10, "messages": USER})
    request = request.replace(
        b"x-api-key: k\r\n", b"X-Api-Key: k\r\nX-Twice: one\r\nx-twice: two\r\n", 1
    )
    reply = await raw_exchange(server.url, request)
    assert reply.startswith(b"HTTP/1.1 200")
    sent = server.requests[-1]
    assert sent.header_list("x-twice") == ["one", "two"] == sent.header_list("X-Twice")
    assert sent.headers["x-twice"] == "two" and sent.header_list("x-missing") == []
    assert sent.header_items[:3] == (("host", "x"), ("x-api-key", "k"), ("x-twice", "one"))
    assert "header_items" not in repr(sent) and "'k'" not in repr(sent)


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"\x16\x03\x01garbage that is not http\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nhost: x\r\nx-bad header\r\n\r\n", b"400"),
        (b"GET /v1/models HTTP/1.1\r\nhost: x\r\nx-big: " + b"a" * 40_000 + b"\r\n\r\n", b"431"),
        (
            b"POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-api-key: k\r\n"
            b"content-length: 9\r\n\r\n{not json",
            b"400",
        ),
        (
            b"POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-api-key: k\r\n"
            b"content-length: 99999999999\r\n\r\n",
            b"413",
        ),
        (b"GET /nowhere HTTP/1.1\r\nhost: x\r\nx-api-key: k\r\n\r\n", b"404"),
        (b"GET /v1/models HTTP/1.1\r\nhost: x\r\n\r\n", b"401"),
    ],
)
async def test_malformed_input_gets_an_error_and_the_server_lives_on(
    server: FakeClaude, data: bytes, status: bytes
) -> None:
    reply = await raw_exchange(server.url, data)
    assert reply.startswith(b"HTTP/1.1 " + status), reply[:200]
    good = await raw_exchange(
        server.url, good_request({"model": MODEL, "max_tokens": 10, "messages": USER})
    )
    assert good.startswith(b"HTTP/1.1 200")


async def test_body_over_the_limit_is_413() -> None:
    async with FakeClaude(max_body_size=1000) as fake:
        big = {
            "model": MODEL,
            "max_tokens": 10,
            "messages": [{"role": "user", "content": "x" * 2000}],
        }
        reply = await raw_exchange(fake.url, good_request(big))
        assert reply.startswith(b"HTTP/1.1 413")
        assert b"request_too_large" in reply


@pytest.mark.parametrize("size", [300_000, 20_000_000])
async def test_every_client_sees_413_for_a_body_over_the_limit(size: int) -> None:
    from anyio_claude import AsyncClaude, RequestTooLargeError

    big = [{"role": "user", "content": "x" * size}]
    async with FakeClaude(max_body_size=100_000) as fake:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=fake.url) as official:
            with pytest.raises(anthropic.APIStatusError) as info:
                await official.messages.create(model=MODEL, max_tokens=10, messages=big)  # type: ignore[arg-type]
            assert info.value.status_code == 413
            assert info.value.body["error"]["type"] == "request_too_large"  # type: ignore[index]
        async with AsyncClaude(api_key="k", base_url=fake.url) as ours:
            with pytest.raises(RequestTooLargeError):
                await ours.messages.create(model=MODEL, max_tokens=10, messages=big)  # type: ignore[arg-type]
        # The server still serves the next request.
        reply = await raw_exchange(
            fake.url, good_request({"model": MODEL, "max_tokens": 10, "messages": USER})
        )
        assert reply.startswith(b"HTTP/1.1 200")


async def test_client_vanishing_mid_stream_does_not_hurt_the_server() -> None:
    async with FakeClaude(itl=0.001) as fake:
        port = int(fake.url.rsplit(":", 1)[1])
        body = {"model": MODEL, "max_tokens": 100, "messages": USER, "stream": True}
        async with await anyio.connect_tcp("127.0.0.1", port) as stream:
            await stream.send(good_request(body))
            await stream.receive()
        reply = await raw_exchange(
            fake.url, good_request({"model": MODEL, "max_tokens": 10, "messages": USER})
        )
        assert reply.startswith(b"HTTP/1.1 200")


# ------------------------------------------------------------------ validator properties

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
request_bodies = st.fixed_dictionaries(
    {},
    optional={
        "model": st.sampled_from([MODEL, "nope", 3]),
        "max_tokens": st.integers(-5, 70_000) | json_values,
        "messages": st.lists(
            st.fixed_dictionaries(
                {"role": st.sampled_from(["user", "assistant", "system"])},
                optional={"content": st.text(max_size=5) | json_values},
            ),
            max_size=4,
        )
        | json_values,
        "temperature": st.floats(-1, 2, allow_nan=False) | json_values,
        "top_p": st.floats(-1, 2, allow_nan=False),
        "stop_sequences": json_values,
        "tools": json_values,
        "system": json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(request_bodies | json_values)
def test_validator_accepts_or_rejects_with_a_clear_error(body: Any) -> None:
    models = {m.id: m for m in DEFAULT_MODELS}
    try:
        validate_message_request(body, models)
    except RequestError as exc:
        assert exc.status in (400, 404)
        assert exc.error_type in ("invalid_request_error", "not_found_error")
        assert exc.message
        return
    # Whatever passes is a request the real API would take.
    assert body["model"] in models
    assert 1 <= body["max_tokens"] <= models[body["model"]].max_tokens
    assert body["messages"][0]["role"] == "user"
    for name in ("temperature", "top_p"):
        assert body.get(name) is None or 0 <= body[name] <= 1


GOOD_BODY: dict[str, Any] = {
    "model": MODEL,
    "max_tokens": 2000,
    "system": [{"type": "text", "text": "Be brief", "cache_control": {"type": "ephemeral"}}],
    "messages": [
        {"role": "user", "content": "What is the weather in Paris? use the tool"},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me check."},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_1",
                    "content": [{"type": "text", "text": "Sunny"}],
                },
                {"type": "text", "text": "And the forecast, with the tool?"},
            ],
        },
    ],
    "tools": [
        {
            **WEATHER_TOOL,
            "input_schema": {
                **WEATHER_TOOL["input_schema"],  # type: ignore[dict-item]
                "properties": {
                    **WEATHER_TOOL["input_schema"]["properties"],  # type: ignore[index]
                    "hours": {"type": "array", "items": {"type": "number"}, "minItems": 2},
                },
            },
        }
    ],
    "tool_choice": {"type": "any"},
    "thinking": {"type": "enabled", "budget_tokens": 1024},
    "stop_sequences": ["STOP"],
    "metadata": {"user_id": "u-1"},
}

# Structured outputs take another path through the fake model (JSON from the schema).
SCHEMA_BODY: dict[str, Any] = {
    "model": MODEL,
    "max_tokens": 500,
    "messages": [{"role": "user", "content": "Describe Paris"}],
    "output_config": {
        "effort": "low",
        "format": {
            "type": "json_schema",
            "schema": {
                "type": "object",
                "properties": {
                    "city": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
                    "size": {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]},
                },
                "required": ["city", "tags", "size"],
                "additionalProperties": False,
            },
        },
    },
}


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += _paths(child, (*path, i))
    return found


def _mutate(body: Any, data: st.DataObject) -> Any:
    """One JSON-valid change somewhere in `body`: replace, delete, nest deeply or add."""
    path = data.draw(st.sampled_from(_paths(body)), label="path")
    action = data.draw(st.sampled_from(["replace", "delete", "nest", "add"]), label="action")
    value = data.draw(json_values, label="value")
    if action == "nest":
        depth = data.draw(st.integers(1, 300), label="depth")
        for _ in range(depth):
            value = [value] if depth % 2 else {"a": value}
    if not path:
        return value if action in ("replace", "nest") else body
    parent = body
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if action == "delete":
        del parent[key]
    elif action == "add" and isinstance(parent, dict):
        parent[data.draw(st.text(max_size=12), label="new key")] = value
    elif action == "add":
        parent.insert(key, value)
    else:
        parent[key] = value
    return body


@settings(max_examples=100, deadline=None)
@given(data=st.data())
async def test_any_json_body_gets_a_well_formed_answer(data: st.DataObject) -> None:
    good = data.draw(st.sampled_from([GOOD_BODY, SCHEMA_BODY]), label="good body")
    body = json.loads(json.dumps(good))
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        body = _mutate(body, data)
    stream = data.draw(st.booleans(), label="stream")
    if stream and isinstance(body, dict):
        body["stream"] = True
    endpoint = data.draw(st.sampled_from(["messages", "count_tokens", "batch"]), label="endpoint")
    headers = {"x-api-key": "k", "content-type": "application/json"}
    async with FakeClaude(batch_seconds=0) as fake, httpcore.AsyncConnectionPool() as http:

        async def call(method: str, path: str, payload: Any = None) -> httpcore.Response:
            content = None if payload is None else json.dumps(payload).encode()
            answer = await http.request(method, fake.url + path, headers=headers, content=content)
            assert answer.status in (200, 400, 404), (answer.status, answer.content[:300])
            if answer.status != 200:
                error = json.loads(answer.content)["error"]
                assert error["type"] in ("invalid_request_error", "not_found_error")
                assert error["message"]
            return answer

        if endpoint == "messages":
            await call("POST", "/v1/messages", body)
        elif endpoint == "count_tokens":
            await call("POST", "/v1/messages/count_tokens", body)
        else:
            created = await call(
                "POST", "/v1/messages/batches", {"requests": [{"custom_id": "a", "params": body}]}
            )
            if created.status == 200:
                batch_id = json.loads(created.content)["id"]
                results = await call("GET", f"/v1/messages/batches/{batch_id}/results")
                assert json.loads(results.content)["custom_id"] == "a"


async def test_a_route_that_crashes_answers_500_and_the_server_lives_on(
    server: FakeClaude, caplog: pytest.LogCaptureFixture
) -> None:
    from anyio_claude.testing._http import Response
    from anyio_claude.testing._routing import ApiRequest

    async def boom(request: ApiRequest) -> Response:
        raise KeyError("a bug in a route")

    server.routes.insert(0, ("/v1/boom", boom))
    reply = await raw_exchange(
        server.url, b"GET /v1/boom HTTP/1.1\r\nhost: x\r\nx-api-key: k\r\n\r\n"
    )
    assert reply.startswith(b"HTTP/1.1 500") and b'"api_error"' in reply
    assert "a bug in a route" in caplog.text
    good = await raw_exchange(
        server.url, good_request({"model": MODEL, "max_tokens": 10, "messages": USER})
    )
    assert good.startswith(b"HTTP/1.1 200")


async def test_routes_get_multipart_uploads_raw(server: FakeClaude) -> None:
    from anyio_claude.testing._http import Response
    from anyio_claude.testing._routing import ApiRequest, json_response

    async def upload(request: ApiRequest) -> Response:
        return json_response(json.dumps({"size": len(request.body), "json": request.json}).encode())

    server.routes.append(("/v1/upload", upload))
    payload = b"--b\r\ncontent-disposition: form-data; name=file\r\n\r\nnot json\r\n--b--\r\n"
    reply = await raw_exchange(
        server.url,
        b"POST /v1/upload HTTP/1.1\r\nhost: x\r\nx-api-key: k\r\n"
        b"content-type: multipart/form-data; boundary=b\r\ncontent-length: %d\r\n\r\n"
        % len(payload)
        + payload,
    )
    assert reply.startswith(b"HTTP/1.1 200")
    assert json.loads(reply.split(b"\r\n\r\n", 1)[1]) == {"size": len(payload), "json": None}


WRONG_VALUES = [None, "abc", -1, 1e300, [{}], {"type": "x"}]


async def test_every_field_replaced_by_a_wrong_value_gets_a_well_formed_answer() -> None:
    """Each path of a rich request, set to each wrong value: a reply or a 4xx, never a crash."""
    async with FakeClaude() as fake, httpcore.AsyncConnectionPool() as http:
        for path in _paths(GOOD_BODY)[1:]:
            for wrong in WRONG_VALUES:
                body = json.loads(json.dumps(GOOD_BODY))
                parent = body
                for key in path[:-1]:
                    parent = parent[key]
                parent[path[-1]] = wrong
                answer = await http.request(
                    "POST",
                    fake.url + "/v1/messages",
                    headers={"x-api-key": "k"},
                    content=json.dumps(body).encode(),
                )
                assert answer.status in (200, 400, 404), (path, wrong, answer.content)


@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
async def test_very_deep_nesting_is_a_400(server: FakeClaude, opener: bytes) -> None:
    deep = opener * 100_000
    reply = await raw_exchange(
        server.url,
        b"POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-api-key: k\r\n"
        b"content-length: %d\r\n\r\n" % len(deep) + deep,
    )
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]


# ------------------------------------------------------------------- realism knobs

MULTIBYTE = [{"role": "user", "content": "Grüße aus Zürich — 日本語のテキスト ✓ résumé"}]


@pytest.mark.parametrize("line_ending", ["\r\n", "\r"])
@pytest.mark.parametrize("write_size", [1, 5])
async def test_tiny_writes_and_other_line_endings_reach_clients_intact(
    line_ending: str, write_size: int
) -> None:
    from anyio_claude import AsyncClaude

    async with FakeClaude() as plain:
        reference = await raw_exchange(
            plain.url, good_request({"model": MODEL, "max_tokens": 12, "messages": MULTIBYTE})
        )
    expected = json.loads(reference.split(b"\r\n\r\n", 1)[1])["content"][0]["text"]
    assert "日本語" in expected
    async with FakeClaude(write_size=write_size, line_ending=line_ending) as fake:  # type: ignore[arg-type]
        official = anthropic.AsyncAnthropic(api_key="k", base_url=fake.url, max_retries=0)
        async with official.messages.stream(
            model=MODEL,
            max_tokens=12,
            messages=MULTIBYTE,  # type: ignore[arg-type]
        ) as stream:
            assert "".join([text async for text in stream.text_stream]) == expected
        await official.close()
        async with AsyncClaude(api_key="k", base_url=fake.url) as ours:
            async with ours.messages.stream(
                model=MODEL, max_tokens=12, messages=MULTIBYTE
            ) as stream:
                assert await stream.get_final_text() == expected
        body = {"model": MODEL, "max_tokens": 12, "messages": MULTIBYTE, "stream": True}
        async with httpcore.AsyncConnectionPool() as http:
            raw = await http.request(
                "POST",
                fake.url + "/v1/messages",
                headers={"x-api-key": "k", "content-type": "application/json"},
                content=json.dumps(body).encode(),
            )
        assert f"event: message_start{line_ending}data: ".encode() in raw.content


async def test_time_to_first_token_and_inter_token_latency() -> None:
    from anyio_claude import AsyncClaude

    async with FakeClaude(ttft=0.2, itl=0.01) as fake:
        async with AsyncClaude(api_key="k", base_url=fake.url) as client:
            started = anyio.current_time()
            first_text: float | None = None
            async with client.messages.stream(model=MODEL, max_tokens=30, messages=USER) as s:
                async for event in s:
                    if event.type == "text" and first_text is None:
                        first_text = anyio.current_time() - started
            total = anyio.current_time() - started
    assert first_text is not None and first_text >= 0.2
    words = s.current_message_snapshot.usage.output_tokens  # one text delta per word
    assert total >= 0.2 + 0.01 * (words - 1)


async def test_ttft_delays_the_first_content_not_the_message_start() -> None:
    ttft = 0.6
    async with FakeClaude(ttft=ttft) as fake:
        async with anthropic.AsyncAnthropic(api_key="k", base_url=fake.url) as client:
            started = anyio.current_time()
            arrivals: dict[str, float] = {}
            stream = await client.messages.create(
                model=MODEL, max_tokens=30, messages=USER, stream=True
            )
            async for event in stream:
                arrivals.setdefault(event.type, anyio.current_time() - started)
    # Loose bounds: what comes before generation is not held back by ttft (it arrives
    # well before the first delta, connection set-up aside)...
    assert arrivals["message_start"] <= arrivals["content_block_start"]
    assert arrivals["content_block_start"] < arrivals["content_block_delta"] - ttft / 2
    # ...and the first delta never comes before it.
    assert arrivals["content_block_delta"] >= ttft


# ---------------------------------------------------------------------- fault rules


def test_fault_rules_pick_requests_deterministically() -> None:
    def pattern(fault: Fault, n: int = 200) -> list[bool]:
        return [fault.matches("/v1/messages") for _ in range(n)]

    seeded = pattern(Fault("server_error", probability=0.3, seed=5))
    assert seeded == pattern(Fault("server_error", probability=0.3, seed=5))
    assert seeded != pattern(Fault("server_error", probability=0.3, seed=6))
    assert 30 <= sum(seeded) <= 90
    assert pattern(Fault("overloaded", every=3), 6) == [False, False, True] * 2
    assert pattern(Fault("stall", nth=2), 4) == [False, True, False, False]
    assert pattern(Fault("stall", times=2), 4) == [True, True, False, False]
    assert not Fault("stall").matches("/v1/models")


def test_fault_command_line_form() -> None:
    fault = Fault.parse("reset_mid_body:every=4:after_events=7:times=2")
    assert (fault.kind, fault.every, fault.after_events, fault.times) == ("reset_mid_body", 4, 7, 2)
    assert Fault.parse("overloaded:probability=0.25:seed=3").probability == 0.25
    with pytest.raises(ValueError, match="unknown fault option"):
        Fault.parse("overloaded:often=1")
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault.parse("explode")


async def test_chunked_request_bodies_are_accepted() -> None:
    payload = json.dumps({"model": MODEL, "max_tokens": 10, "messages": USER}).encode()
    half = len(payload) // 2
    body = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (
        half,
        payload[:half],
        len(payload) - half,
        payload[half:],
    )
    request = (
        b"POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-api-key: k\r\n"
        b"content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n" + body
    )
    async with FakeClaude() as fake:
        reply = await raw_exchange(fake.url, request)
    assert reply.startswith(b"HTTP/1.1 200")
    assert b'"You said: Hello there.' in reply
