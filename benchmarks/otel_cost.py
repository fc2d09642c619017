"""What OpenTelemetry costs a client: CPU per request and per stream event, by mode.

    python benchmarks/otel_cost.py [--requests 2000] [--streams 40] [--deltas 500]
                                   [--rounds 5] [--smoke]

A canned server (`_canned.py`, its own process) answers every request with the same bytes:
a small JSON message, or a stream of `--deltas` text deltas. Each mode runs in a fresh
process per round (random order), the client making `--requests` sequential
`messages.create` calls, then reading `--streams` streams to their end; CPU time
(`time.process_time`) is divided by the requests, and by the events read. Modes:

- `baseline`: OpenTelemetry never imported (no provider: what most users run);
- `disabled`: an SDK tracer provider registered, the client given `open_telemetry=False`;
- `spans`: an SDK tracer provider with a batch processor and an exporter that drops
  (the cost of the spans, not of shipping them);
- `content`: the same, in `content_mode: "content"`;
- `spans+metrics`: spans plus an SDK meter provider (in-memory reader).

Prints the medians and each mode's ratio to `baseline` measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _canned import SMALL_MESSAGE, canned_server, http_response

MODES = ("baseline", "disabled", "spans", "content", "spans+metrics")
MODEL = "claude-sonnet-5-5"


def stream_body(deltas: int) -> bytes:
    """A complete event stream: one text block of `deltas` deltas."""
    start = {**SMALL_MESSAGE, "content": [], "stop_reason": None}
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": start},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    ]
    events += [
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "ab "}}
    ] * deltas
    events += [
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": deltas},
        },
        {"type": "message_stop"},
    ]
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


def child(mode: str, json_url: str, stream_url: str, requests: int, streams: int) -> None:
    """Run one mode and print its CPU per request and per event as JSON."""
    import anyio

    from anyio_claude import AsyncClaude

    option: Any = None
    if mode != "baseline":
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import (
            BatchSpanProcessor,
            SpanExporter,
            SpanExportResult,
        )

        class Drop(SpanExporter):
            def export(self, spans: Any) -> SpanExportResult:
                return SpanExportResult.SUCCESS

        provider = TracerProvider()
        provider.add_span_processor(BatchSpanProcessor(Drop()))
        trace.set_tracer_provider(provider)
        option = {"traces": {"content_mode": "content"}} if mode == "content" else {}
        if mode == "disabled":
            option = False
        if mode == "spans+metrics":
            from opentelemetry.sdk.metrics import MeterProvider
            from opentelemetry.sdk.metrics.export import InMemoryMetricReader

            option = {"metrics": {"meter_provider": MeterProvider([InMemoryMetricReader()])}}

    user = [{"role": "user", "content": "hello"}]

    async def main() -> dict[str, float]:
        async with (
            AsyncClaude(api_key="k", base_url=json_url, open_telemetry=option) as plain,
            AsyncClaude(api_key="k", base_url=stream_url, open_telemetry=option) as streaming,
        ):
            for _ in range(20):  # warm-up: connections, first-use imports
                await plain.messages.create(model=MODEL, max_tokens=64, messages=user)
            started = time.process_time()
            for _ in range(requests):
                await plain.messages.create(model=MODEL, max_tokens=64, messages=user)
            per_request = (time.process_time() - started) / requests
            events = 0
            started = time.process_time()
            for _ in range(streams):
                stream = await streaming.messages.create(
                    model=MODEL, max_tokens=64, messages=user, stream=True
                )
                async with stream:
                    async for _ in stream:
                        events += 1
            per_event = (time.process_time() - started) / events
        return {"request_us": per_request * 1e6, "event_us": per_event * 1e6}

    print(json.dumps(anyio.run(main)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--streams", type=int, default=40)
    parser.add_argument("--deltas", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="does it run: tiny sizes, 1 round")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "JSON_URL", "STREAM_URL"))
    args = parser.parse_args()
    if args.smoke:
        args.requests, args.streams, args.deltas, args.rounds = 30, 3, 20, 1
    if args.child:
        mode, json_url, stream_url = args.child
        child(mode, json_url, stream_url, args.requests, args.streams)
        return

    small = http_response(json.dumps(SMALL_MESSAGE).encode(), "application/json")
    streamed = http_response(stream_body(args.deltas), "text/event-stream")
    results: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    with canned_server(small) as json_url, canned_server(streamed) as stream_url:
        for _ in range(args.rounds):
            for mode in random.sample(MODES, len(MODES)):
                command = [
                    sys.executable,
                    __file__,
                    "--child",
                    mode,
                    json_url,
                    stream_url,
                    f"--requests={args.requests}",
                    f"--streams={args.streams}",
                ]
                out = subprocess.run(command, capture_output=True, text=True, check=True)
                results[mode].append(json.loads(out.stdout))

    print(
        f"{args.requests} requests and {args.streams} streams of {args.deltas} deltas per run, "
        f"{args.rounds} round(s), each mode in a fresh process (medians)"
    )
    ratio = "x baseline"
    print(f"{'mode':<16}{'CPU us/request':>16}{ratio:>12}{'CPU us/event':>15}{ratio:>12}")
    base = {
        key: statistics.median(r[key] for r in results["baseline"])
        for key in ("request_us", "event_us")
    }
    for mode in MODES:
        request = statistics.median(r["request_us"] for r in results[mode])
        event = statistics.median(r["event_us"] for r in results[mode])
        print(
            f"{mode:<16}{request:>16.1f}{request / base['request_us']:>11.2f}x"
            f"{event:>15.2f}{event / base['event_us']:>11.2f}x"
        )


if __name__ == "__main__":
    main()
