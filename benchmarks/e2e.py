"""Streaming end to end over loopback: us vs the official SDK, same bytes, same run.

    python benchmarks/e2e.py [--quick]

A canned server in another process answers every request with the "mixed" stream of
shared/FINDINGS.md (~24,500 events, 3.1 MB). Each client streams it with its stream
helper to the final message. Prints events/s and the ratio against the official SDK
(target >= 40x), with httpcore reading the same body unparsed as the ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _canned import canned_server, http_response
from _workload import mixed_body
from anyio_claude import AsyncClaude

MODEL = "claude-sonnet-4-5-20250929"
ASK = {"model": MODEL, "max_tokens": 1024, "messages": [{"role": "user", "content": "hi"}]}
KEY = "bench-key-not-secret"
# The official SDK warns about the (deprecated) model id on every call; not our output.
warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*deprecated.*")


async def best_stream_time(client: Any, repeat: int) -> float:
    """The fastest of `repeat` runs of `client.messages.stream(...)` to the final message."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        async with client.messages.stream(**ASK) as stream:
            await stream.get_final_message()
        best = min(best, time.perf_counter() - start)
    return best


async def ours(url: str, repeat: int) -> float:
    async with AsyncClaude(api_key=KEY, base_url=url, max_retries=0) as client:
        return await best_stream_time(client, repeat)


async def official(url: str, repeat: int) -> float:
    import anthropic

    async with anthropic.AsyncAnthropic(api_key=KEY, base_url=url, max_retries=0) as client:
        return await best_stream_time(client, repeat)


async def httpcore_unparsed(url: str, repeat: int) -> float:
    import httpcore

    best = float("inf")
    async with httpcore.AsyncConnectionPool() as pool:
        for _ in range(repeat):
            start = time.perf_counter()
            async with pool.stream("POST", url + "/v1/messages", content=b"{}") as response:
                async for _ in response.aiter_stream():
                    pass
            best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    body, events = mixed_body()
    mb = len(body) / 1e6
    repeat = 3 if args.quick else 7
    runs: list[tuple[str, Callable[[str, int], Awaitable[float]], str, int]] = [
        ("httpcore, body unparsed (ceiling)", httpcore_unparsed, "asyncio", repeat),
        ("anyio_claude stream, asyncio", ours, "asyncio", repeat),
        ("anyio_claude stream, trio", ours, "trio", repeat),
        ("official anthropic stream helper", official, "asyncio", 1 if args.quick else 2),
    ]
    print(f"workload: mixed, {events:,} events, {mb:.2f} MB over 127.0.0.1\n")
    print(f"{'client':36} {'events/s':>12} {'MB/s':>8} {'ms':>8}")
    rate: dict[str, float] = {}
    with canned_server(http_response(body, "text/event-stream")) as url:
        for name, run, backend, n in runs:
            if backend == "asyncio":
                seconds = asyncio.run(run(url, n))
            else:
                seconds = anyio.run(run, url, n, backend=backend)
            rate[name] = events / seconds
            print(f"{name:36} {events / seconds:12,.0f} {mb / seconds:8.1f} {seconds * 1e3:8.1f}")
    base = rate["official anthropic stream helper"]
    print()
    for name in ("anyio_claude stream, asyncio", "anyio_claude stream, trio"):
        print(f"{name} / official SDK: {rate[name] / base:6.1f}x   (target >= 40x)")
    ceiling = rate["httpcore, body unparsed (ceiling)"]
    print(
        "anyio_claude (asyncio) / unparsed httpcore: "
        f"{rate['anyio_claude stream, asyncio'] / ceiling:.2f}x"
    )


if __name__ == "__main__":
    main()
