"""Streaming end to end over loopback: us vs the official SDK, same bytes, same run.

    python benchmarks/e2e.py [--rounds 30] [--quick | --smoke]

A canned server in another process answers every request with the "mixed" message of
`_workload.py` (a thinking block, a text block of 20,000 two-word deltas, a tool_use block
whose ~45 KB input arrives in 2,000 fragments, a ping every 100 events; the script prints
the exact event count and size). Each client streams it with its stream helper,
`client.messages.stream(...)`, to the final message; httpcore reading the same body
without parsing it is the ceiling.

Measured with the scheme of `_stable.py`: every round runs each client once, in a fresh
process and in random order, after one warm-up stream; the server and the clients are
pinned to different CPUs; rounds where a CPU canary ran slow or a client waited for its
CPU are dropped. Prints the median events/s, CPU/wall, CPU wait and GC time per stream of
each client, and the median and 10th-90th percentile of the per-round ratios against the
official SDK (target >= 40x) and against unparsed httpcore.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _canned import canned_server, http_response
from _stable import (
    CLIENT_CPU,
    CPU_BOUND,
    SERVER_CPU,
    Probe,
    drop_noisy,
    emit,
    pin,
    pinning_note,
    run_child,
    run_rounds,
    spread,
)
from _workload import mixed_body

MODEL = "claude-sonnet-5-5"
ASK: dict[str, Any] = {
    "model": MODEL,
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "hi"}],
}
KEY = "bench-key-not-secret"
# The official SDK warns about the (deprecated) model id on every call; not our output.
warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*deprecated.*")

OURS_ASYNCIO = "anyio_claude stream, asyncio"
OURS_TRIO = "anyio_claude stream, trio"
OFFICIAL = "official anthropic stream helper"
CEILING = "httpcore, body unparsed (ceiling)"
CONTENDERS = {
    # name: (backend, streams per round)
    CEILING: ("asyncio", 20),
    OURS_ASYNCIO: ("asyncio", 8),
    OURS_TRIO: ("trio", 8),
    OFFICIAL: ("asyncio", 1),
}


async def _measure(once: Callable[[], Awaitable[None]], streams: int) -> dict[str, float]:
    # A warm-up on the full message: a long-running process has met one this size before.
    # Without it the first stream in a fresh process pays for growing the heap (the
    # official SDK's takes 2-3x its steady-state time).
    await once()
    probe = Probe()
    probe.start()
    for _ in range(streams):
        await once()
    return probe.stop()


async def _stream_helper(client: Any, streams: int) -> dict[str, float]:
    async def once() -> None:
        async with client.messages.stream(**ASK) as stream:
            await stream.get_final_message()

    return await _measure(once, streams)


async def ours(url: str, streams: int) -> dict[str, float]:
    from anyio_claude import AsyncClaude

    async with AsyncClaude(api_key=KEY, base_url=url, max_retries=0) as client:
        return await _stream_helper(client, streams)


async def official(url: str, streams: int) -> dict[str, float]:
    import anthropic

    async with anthropic.AsyncAnthropic(api_key=KEY, base_url=url, max_retries=0) as client:
        return await _stream_helper(client, streams)


async def httpcore_unparsed(url: str, streams: int) -> dict[str, float]:
    import httpcore

    async with httpcore.AsyncConnectionPool() as pool:

        async def once() -> None:
            async with pool.stream("POST", url + "/v1/messages", content=b"{}") as response:
                async for _ in response.aiter_stream():
                    pass

        return await _measure(once, streams)


def child(name: str, url: str) -> None:
    pin(CLIENT_CPU)
    backend, streams = CONTENDERS[name]
    run = {OURS_ASYNCIO: ours, OURS_TRIO: ours, OFFICIAL: official, CEILING: httpcore_unparsed}
    result = anyio.run(run[name], url, streams, backend=backend)
    emit({**result, "streams": streams})


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, help="rounds (default 30)")
    parser.add_argument("--quick", action="store_true", help="5 rounds, for development")
    parser.add_argument(
        "--smoke", action="store_true", help="does it run: 1/100 of the workload, 1 round"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url)
        return

    pin(SERVER_CPU)
    # Quick runs keep the whole message: the official SDK's cost per event grows with the
    # message's size, so a smaller one would shrink the ratio the 40x target is about.
    scale, rounds = (100, 1) if args.smoke else (1, 5) if args.quick else (1, 30)
    rounds = args.rounds or rounds
    body, events = mixed_body(
        text_deltas=20_000 // scale,
        thinking_deltas=2_000 // scale,
        tool_fragments=2_000 // scale,
        tool_bytes=45_000 // scale,
    )
    mb = len(body) / 1e6
    print(f"workload: mixed, {events:,} events, {mb:.2f} MB per stream, over 127.0.0.1")
    print(pinning_note())
    start = time.perf_counter()
    with canned_server(http_response(body, "text/event-stream")) as url:
        results = run_rounds(
            list(CONTENDERS),
            rounds,
            lambda name: run_child([__file__, "--child", name, "--url", url]),
        )
    noise = drop_noisy(results)
    kept = noise.rounds
    print(noise.note, f"({time.perf_counter() - start:.0f} s)\n")

    def rate(r: dict[str, Any]) -> float:
        return float(r["streams"] * events / r["wall"])

    print(
        f"{'client (medians over kept rounds)':36} {'events/s':>11} {'MB/s':>7} "
        f"{'CPU/wall':>9} {'CPU wait':>9} {'GC ms/stream':>13} {'full GCs':>9} "
        f"{'runs < ' + str(CPU_BOUND):>10}"
    )
    for name in CONTENDERS:
        runs = [r[name] for r in kept]
        median_rate = statistics.median(rate(r) for r in runs)
        cpu_share = [r["cpu"] / r["wall"] for r in runs]
        waited = statistics.median(r["cpu_wait"] / r["wall"] for r in runs)
        gc_ms = statistics.median(1e3 * r["gc_seconds"] / r["streams"] for r in runs)
        full = statistics.median(r["gc_full"] for r in runs)
        flagged = sum(share < CPU_BOUND for share in cpu_share)
        print(
            f"{name:36} {median_rate:11,.0f} {median_rate * mb / events:7.1f} "
            f"{statistics.median(cpu_share):9.2f} {waited:9.1%} {gc_ms:13.2f} {full:9g} "
            f"{flagged:>10}"
        )
    print(
        f"(CPU wait: share of the run spent runnable while another process had the CPU; "
        f"full GCs: collections of the oldest generation per run of {CONTENDERS[OURS_ASYNCIO][1]} "
        f"streams ({CONTENDERS[OFFICIAL][1]} for the official SDK); runs < {CPU_BOUND}: "
        f"CPU/wall below {CPU_BOUND}, the client was kept waiting)"
    )

    def cpu_rate(r: dict[str, Any]) -> float:
        return float(r["streams"] * events / r["cpu"])

    print(
        f"\n{'per-round ratio of events/s':46} {'wall: median':>12} {'p10':>6} {'p90':>6}"
        f" | {'CPU: median':>11} {'p10':>6} {'p90':>6}"
    )
    for name in (OURS_ASYNCIO, OURS_TRIO):
        for base, target in ((OFFICIAL, 40.0), (CEILING, None)):
            median, p10, p90 = spread([rate(r[name]) / rate(r[base]) for r in kept])
            cpu = spread([cpu_rate(r[name]) / cpu_rate(r[base]) for r in kept])
            short = "official SDK" if base == OFFICIAL else "unparsed httpcore"
            verdict = f"   target >= {target:.0f}x met: {_yes(median >= target)}" if target else ""
            print(
                f"{name + ' / ' + short:46} {median:11.2f}x {p10:5.2f}x {p90:5.2f}x"
                f" | {cpu[0]:10.2f}x {cpu[1]:5.2f}x {cpu[2]:5.2f}x{verdict}"
            )
    print("(the target is on wall time; CPU time is the steadier figure on a busy machine)")


def _yes(ok: bool) -> str:
    return "yes" if ok else "no"


if __name__ == "__main__":
    main()
