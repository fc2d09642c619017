"""Streaming parse + accumulate, in process: us vs the official SDK vs the floor.

    python benchmarks/parse.py [--quick]

Prints events/s and MB/s for the "mixed" workload of `_workload.py` (a thinking block, a
text block of 20,000 deltas, a tool_use block whose input arrives in 2,000 fragments,
pings; the script prints the exact size) fed as 16 KiB chunks, the ratios against the
official SDK and the floor measured in the same run, whether the per-event cost stays
flat when the text or the tool input grows 4x, and whether one event fed to the SSE decoder
one byte at a time costs time linear in its size (the per-byte cost at 256 KiB over that
at 16 KiB; a decoder that re-scans its buffer on every feed would give ~16x).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _workload import chunks, mixed_body
from anyio_claude.sse import SSEDecoder
from anyio_claude.streaming import MessageAccumulator, decode_event


def ours_sse(parts: list[bytes]) -> int:
    decoder = SSEDecoder()
    n = 0
    for part in parts:
        n += len(decoder.feed(part))
    decoder.close()
    return n


def ours_pipeline(parts: list[bytes]) -> int:
    decoder, acc = SSEDecoder(), MessageAccumulator()
    n = 0
    for part in parts:
        # As the stream helpers do: the `data:` bytes of each event straight to msgspec.
        for data in decoder.feed_data(part):
            acc.update(decode_event(data))
            n += 1
    decoder.close()
    acc.snapshot  # noqa: B018 - the final message is part of the work
    return n


def floor(parts: list[bytes]) -> int:
    decode = msgspec.json.decode
    body = b"".join(parts)
    n = 0
    for block in body.split(b"\n\n"):
        i = block.find(b"data: ")
        if i >= 0:
            decode(block[i + 6 :])
            n += 1
    return n


def official(parts: list[bytes]) -> int:
    import anthropic
    import httpx2  # the HTTP library anthropic 2.x is built on

    async def run() -> int:
        async def body() -> AsyncIterator[bytes]:
            for part in parts:
                yield part

        def handler(request: httpx2.Request) -> httpx2.Response:
            return httpx2.Response(
                200, headers={"content-type": "text/event-stream"}, content=body()
            )

        async with httpx2.AsyncClient(transport=httpx2.MockTransport(handler)) as http:
            client = anthropic.AsyncAnthropic(api_key="bench-key", http_client=http, max_retries=0)
            async with client.messages.stream(
                model="claude-sonnet-5-5",
                max_tokens=1024,
                messages=[{"role": "user", "content": "hi"}],
            ) as stream:
                await stream.get_final_message()
        return 0

    asyncio.run(run())
    return 0


def byte_by_byte(size: int) -> float:
    """Seconds per byte to feed one `size`-byte event to `SSEDecoder` one byte at a time."""
    body = b"event: x\ndata: " + b"a" * size + b"\n\n"
    pieces = [body[i : i + 1] for i in range(len(body))]

    def run(parts: list[bytes]) -> int:
        decoder = SSEDecoder()
        return sum(len(decoder.feed(part)) for part in parts)

    return best(run, pieces, 3) / len(body)


def best(fn: Callable[[list[bytes]], int], parts: list[bytes], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(parts)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smaller, faster run")
    args = parser.parse_args()
    scale = 4 if args.quick else 1
    base = {
        "text_deltas": 20_000 // scale,
        "thinking_deltas": 2_000 // scale,
        "tool_fragments": 2_000 // scale,
        "tool_bytes": 45_000 // scale,
    }
    body, events = mixed_body(**base)
    parts = chunks(body)
    mb = len(body) / 1e6
    print(f"workload: mixed, {events:,} events, {mb:.2f} MB, {len(parts)} chunks of 16 KiB\n")

    rows = [
        ("anyio_claude SSEDecoder alone", ours_sse, 7),
        ("anyio_claude full pipeline", ours_pipeline, 7),
        ("official anthropic stream helper", official, 1 if args.quick else 2),
        ("floor: split + msgspec decode", floor, 7),
    ]
    rate: dict[str, float] = {}
    print(f"{'pipeline':36} {'events/s':>12} {'MB/s':>8}")
    for name, fn, repeat in rows:
        seconds = best(fn, parts, repeat)
        rate[name] = events / seconds
        print(f"{name:36} {events / seconds:12,.0f} {mb / seconds:8.1f}")

    ours = rate["anyio_claude full pipeline"]
    print()
    print(
        f"full pipeline / official SDK : {ours / rate['official anthropic stream helper']:6.1f}x"
        "   (target >= 50x)"
    )
    print(
        f"full pipeline / floor        : {ours / rate['floor: split + msgspec decode']:6.2f}x"
        "   (target >= 0.5x)"
    )

    print("\nflatness: events/s when one part of the message grows 4x (target: < 15% change)")
    print(f"{'workload':28} {'ours':>12} {'change':>8} {'official':>12} {'change':>8}")
    official_base = rate["official anthropic stream helper"]
    for label, grown in (
        ("text x4", {**base, "text_deltas": base["text_deltas"] * 4}),
        (
            "tool input x4",
            {
                **base,
                "tool_fragments": base["tool_fragments"] * 4,
                "tool_bytes": base["tool_bytes"] * 4,
            },
        ),
    ):
        grown_body, grown_events = mixed_body(**grown)
        grown_parts = chunks(grown_body)
        ours_rate = grown_events / best(ours_pipeline, grown_parts, 5)
        official_rate = grown_events / best(official, grown_parts, 1)
        print(
            f"{label:28} {ours_rate:12,.0f} {ours_rate / ours - 1:+8.1%} "
            f"{official_rate:12,.0f} {official_rate / official_base - 1:+8.1%}"
        )

    growth = byte_by_byte(256 * 1024) / byte_by_byte(16 * 1024)
    print(
        "\none event fed byte by byte, cost per byte at 256 KiB / at 16 KiB: "
        f"{growth:.2f}x   (target: < 1.5x, linear)"
    )


if __name__ == "__main__":
    main()
