"""The tool runner: one agent turn calling many I/O-bound tools, us vs the official SDK.

    python benchmarks/tool_runner.py [--calls 8] [--delay 0.05] [--rounds 3]
    python benchmarks/tool_runner.py --smoke

FakeClaude (in this process) plays the model: the first reply calls `--calls` tools (one
per city the prompt names), the second answers. Each tool waits `--delay` seconds, as a
tool calling an HTTP API would. Timed: the whole loop, `until_done()`, best of
`--rounds` after a warm-up run. Compared in the same run: our runner (its calls
concurrent), our runner with `max_concurrency=1` (the calls one after another: the
baseline), and the official SDK's async runner, which runs them one after another too.
The target: our runner takes about one tool delay where the others take `--calls` of
them, i.e. a ratio near `--calls`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

MODEL = "claude-sonnet-4-5"
CITIES = [
    "Paris", "Rome", "Oslo", "Lima", "Quito", "Cairo", "Delhi", "Tokyo", "Seoul", "Perth",
    "Dakar", "Accra", "Minsk", "Sofia", "Riga", "Baku",
]  # fmt: skip


def _prompt(calls: int) -> str:
    return "use get_weather in " + ", ".join(CITIES[:calls])


async def ours(url: str, calls: int, delay: float, max_concurrency: int | None) -> None:
    from anyio_claude import AsyncAnthropic, beta_async_tool

    @beta_async_tool
    async def get_weather(location: str) -> str:
        """The weather in a city."""
        await anyio.sleep(delay)
        return f"Sunny in {location}"

    async with AsyncAnthropic(api_key="bench", base_url=url) as client:
        runner = client.beta.messages.tool_runner(
            model=MODEL,
            max_tokens=1024,
            tools=[get_weather],
            messages=[{"role": "user", "content": _prompt(calls)}],
            max_concurrency=max_concurrency,
        )
        await runner.until_done()


async def official(url: str, calls: int, delay: float) -> None:
    import anthropic

    @anthropic.beta_async_tool
    async def get_weather(location: str) -> str:
        """The weather in a city."""
        await anyio.sleep(delay)
        return f"Sunny in {location}"

    async with anthropic.AsyncAnthropic(api_key="bench", base_url=url) as client:
        runner = client.beta.messages.tool_runner(
            model=MODEL,
            max_tokens=1024,
            tools=[get_weather],
            messages=[{"role": "user", "content": _prompt(calls)}],
            thread=False,  # FakeClaude keeps no server-side threads
        )
        await runner.until_done()


async def _best(rounds: int, run: Callable[[], Awaitable[None]]) -> float:
    await run()  # warm-up: imports, the first connection
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        await run()
        best = min(best, time.perf_counter() - started)
    return best


async def main(calls: int, delay: float, rounds: int) -> None:
    from anyio_claude.testing import FakeClaude

    async with FakeClaude() as server:
        url = server.url
        timings: dict[str, float] = {}
        timings["ours"] = await _best(rounds, lambda: ours(url, calls, delay, None))
        timings["ours, max_concurrency=1"] = await _best(rounds, lambda: ours(url, calls, delay, 1))
        timings["official SDK"] = await _best(rounds, lambda: official(url, calls, delay))
    print(f"tool runner: one turn of {calls} tool calls, {delay * 1000:.0f} ms each")
    for name, seconds in timings.items():
        print(f"  {name:<28} {seconds * 1000:8.1f} ms")
    base = timings["ours"]
    for name in ("ours, max_concurrency=1", "official SDK"):
        ratio = timings[name] / base
        print(f"anyio_claude runner speed-up over {name:<24} {ratio:5.1f}x")


def _parse(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=8)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="a tiny run, one round")
    args = parser.parse_args(argv)
    if not 1 <= args.calls <= len(CITIES):
        parser.error(f"--calls must be between 1 and {len(CITIES)}")
    if args.smoke:
        return {"calls": 3, "delay": 0.01, "rounds": 1}
    return {"calls": args.calls, "delay": args.delay, "rounds": args.rounds}


if __name__ == "__main__":
    options = _parse(sys.argv[1:])
    anyio.run(lambda: main(**options))
