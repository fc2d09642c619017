"""OpenTelemetry metrics: the GenAI client histograms, read back with the SDK's in-memory
metric reader, on asyncio and trio."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader

from anyio_claude import AsyncClaude
from anyio_claude.testing import ErrorReply, FakeClaude

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-4-5"
USER = [{"role": "user", "content": "hi"}]
DURATION = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]
TOKENS = [
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864
]  # fmt: skip
CHUNKS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5]


@pytest.fixture
async def server() -> AsyncIterator[FakeClaude]:
    async with FakeClaude() as fake:
        yield fake


def points(reader: InMemoryMetricReader) -> dict[str, list[HistogramDataPoint]]:
    data = reader.get_metrics_data()
    found: dict[str, list[HistogramDataPoint]] = {}
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                found[metric.name] = [
                    p for p in metric.data.data_points if isinstance(p, HistogramDataPoint)
                ]
    return found


async def test_histograms_of_calls_and_streams(server: FakeClaude) -> None:
    reader = InMemoryMetricReader()
    option: Any = {"traces": False, "metrics": {"meter_provider": MeterProvider([reader])}}
    server.itl = 0.002
    async with AsyncClaude(api_key="k", base_url=server.url, open_telemetry=option) as client:
        message = await client.messages.create(model=MODEL, max_tokens=30, messages=USER)
        async with client.messages.stream(model=MODEL, max_tokens=30, messages=USER) as stream:
            streamed = await stream.get_final_message()
        server.script(ErrorReply(400, "invalid_request_error", "no"))
        with pytest.raises(Exception, match="no"):
            await client.messages.create(model=MODEL, max_tokens=30, messages=USER)
        await client.models.list()  # not a GenAI operation: no metrics
    found = points(reader)
    durations = found["gen_ai.client.operation.duration"]
    assert sum(p.count for p in durations) == 3
    assert all(list(p.explicit_bounds) == DURATION for p in durations)
    failed = [p for p in durations if p.attributes.get("error.type")]
    assert [dict(p.attributes)["error.type"] for p in failed] == ["invalid_request_error"]
    ok = next(p for p in durations if "error.type" not in p.attributes)
    assert dict(ok.attributes) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": MODEL,
        "gen_ai.response.model": message.model,
        "server.address": "127.0.0.1",
        "server.port": int(server.url.rsplit(":", 1)[1]),
    }
    tokens = {p.attributes["gen_ai.token.type"]: p for p in found["gen_ai.client.token.usage"]}
    assert list(tokens["input"].explicit_bounds) == TOKENS
    assert tokens["input"].sum == message.usage.input_tokens + streamed.usage.input_tokens
    assert tokens["output"].sum == message.usage.output_tokens + streamed.usage.output_tokens
    (first,) = found["gen_ai.client.operation.time_to_first_chunk"]
    assert first.count == 1 and list(first.explicit_bounds) == DURATION
    (per_chunk,) = found["gen_ai.client.operation.time_per_output_chunk"]
    # One per network read of deltas after the first: FakeClaude sends a token per delta,
    # every 2 ms, so reads carry one each unless the machine is too busy to keep up.
    tokens_out = streamed.usage.output_tokens
    assert tokens_out // 2 <= per_chunk.count <= tokens_out - 1
    assert list(per_chunk.explicit_bounds) == CHUNKS


async def test_metrics_off(server: FakeClaude) -> None:
    reader = InMemoryMetricReader()
    option: Any = {"metrics": {"enabled": False, "meter_provider": MeterProvider([reader])}}
    async with AsyncClaude(api_key="k", base_url=server.url, open_telemetry=option) as client:
        await client.messages.create(model=MODEL, max_tokens=5, messages=USER)
    assert points(reader) == {}
