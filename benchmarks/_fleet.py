"""A fleet of `anyio-claude batch run` processes on one FakeClaude's rate limits.

`run_fleet(n)` starts one FakeClaude enforcing an organisation's limits (40 requests/s and
2,400 output tokens/s, buckets starting empty so the steady state shows at once), then `n`
`anyio-claude batch run` processes at once, each with its own input file, and measures
from the server's side: how close the fleet came to the limit while every process was
still working, the share of requests answered 429, and each process's share. Used by
`benchmarks/fleet.py` and `tests/test_fleet.py`.
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from anyio_claude.testing import FakeClaude, RateLimits
from anyio_claude.testing._routing import ApiRequest

MODEL = "claude-sonnet-5-5"
REQUESTS_PER_SECOND = 40
OUTPUT_TOKENS_PER_SECOND = 2400
MAX_TOKENS = 60
# How often the server's event loop is checked for being held up (seconds).
LAG_TICK = 0.01


@dataclass
class FleetResult:
    """What the server saw: `answered` (arrival time, status, process) for every request to
    /v1/messages, each process's exit status, stderr, and results by custom_id."""

    processes: int
    answered: list[tuple[float, int, int]]
    exits: list[int]
    stderr: list[str]
    results: list[Counter[str]]
    expected: list[set[str]]
    failed_results: int = 0
    window: tuple[float, float] = (0.0, 0.0)
    per_process: list[int] = field(default_factory=list)
    lags: list[tuple[float, float]] = field(default_factory=list)

    @property
    def server_stall(self) -> float:
        """The longest the server's event loop was held up (seconds) while every process
        was working."""
        start, end = self.window
        return max((lag for t, lag in self.lags if start <= t <= end), default=0.0)

    @property
    def share_429(self) -> float:
        """The share of requests answered 429."""
        return sum(s == 429 for _, s, _ in self.answered) / max(len(self.answered), 1)

    @property
    def steady_share_429(self) -> float:
        """The share of requests answered 429 from the moment every process was working: the
        fleet's rate once it runs, without the one-off probe of the first requests, which
        all go out before any process has heard of the limit (the buckets start empty)."""
        start = self.window[0]
        steady = [s for t, s, _ in self.answered if t >= start]
        return sum(s == 429 for s in steady) / max(len(steady), 1)

    @property
    def utilisation(self) -> float:
        """Requests admitted per second while every process was working, over the limit."""
        start, end = self.window
        admitted = sum(start <= t <= end and s == 200 for t, s, _ in self.answered)
        return admitted / (end - start) / REQUESTS_PER_SECOND if end > start else 0.0

    @property
    def fair_share_ratio(self) -> float:
        """The smallest process's admitted requests in the window over an equal share."""
        total = sum(self.per_process)
        return min(self.per_process) / (total / self.processes) if total else 0.0

    @property
    def exactly_once(self) -> bool:
        """Every process wrote each of its requests' results exactly once."""
        return all(
            set(got) == want and max(got.values(), default=1) == 1
            for got, want in zip(self.results, self.expected, strict=True)
        )


def _write_input(path: Path, worker: int, count: int) -> set[str]:
    ids = set()
    with path.open("w") as out:
        for i in range(count):
            custom_id = f"w{worker}-{i}"
            ids.add(custom_id)
            params = {
                "model": MODEL,
                "max_tokens": MAX_TOKENS,
                "messages": [{"role": "user", "content": f"worker {worker} question {i}"}],
            }
            out.write(json.dumps({"custom_id": custom_id, "params": params}) + "\n")
    return ids


async def run_fleet(
    processes: int,
    *,
    seconds: float = 8.0,
    extra_args: tuple[str, ...] = (),
    concurrency: int = 16,
    between: float = 0.0,
    held_up: tuple[float, float] | None = None,
) -> FleetResult:
    """`processes` batch runs, together `seconds` of work at the request limit; `between`
    is a pause on the server side before each answer is made (a model's latency);
    `held_up=(every, for_)` blocks the server's event loop for `for_` seconds every `every`
    seconds, on average (a loaded machine)."""
    limits = RateLimits(
        requests_per_minute=REQUESTS_PER_SECOND * 60,
        output_tokens_per_minute=OUTPUT_TOKENS_PER_SECOND * 60,
        start_empty=True,
    )
    each = math.ceil(REQUESTS_PER_SECOND * seconds / processes)
    answered: list[tuple[float, int, int]] = []
    with tempfile.TemporaryDirectory(prefix="anyio-claude-fleet-") as scratch:
        root = Path(scratch)
        async with FakeClaude(rate_limits=limits) as server:
            index = next(i for i, (p, _) in enumerate(server.routes) if p == "/v1/messages")
            route = server.routes[index][1]

            async def counting(request: ApiRequest) -> Any:
                if between:
                    await anyio.sleep(between)
                response = await route(request)
                worker = int(request.headers.get("x-fleet-worker", "-1"))
                answered.append((anyio.current_time(), response.status, worker))
                return response

            server.routes[index] = ("/v1/messages", counting)
            expected = [_write_input(root / f"in{k}.jsonl", k, each) for k in range(processes)]
            exits = [0] * processes
            errors = [""] * processes
            finished = [math.inf] * processes

            async def one(k: int) -> None:
                env = {
                    **os.environ,
                    "ANTHROPIC_API_KEY": "fleet-key",
                    "ANTHROPIC_BASE_URL": server.url,
                    "ANTHROPIC_CUSTOM_HEADERS": f"x-fleet-worker: {k}",
                }
                command = [sys.executable, "-m", "anyio_claude", "batch", "run"]
                command += [str(root / f"in{k}.jsonl"), "-o", str(root / f"out{k}.jsonl")]
                command += ["--concurrency", str(concurrency), "--progress-interval", "60"]
                command += list(extra_args)
                done = await anyio.run_process(command, env=env, check=False)
                finished[k] = anyio.current_time()
                exits[k] = done.returncode
                errors[k] = done.stderr.decode(errors="replace")

            lags: list[tuple[float, float]] = []

            async def watch() -> None:
                while True:
                    before = anyio.current_time()
                    await anyio.sleep(LAG_TICK)
                    now = anyio.current_time()
                    lags.append((now, now - before - LAG_TICK))

            async def hold_up(every: float, for_: float) -> None:
                # Irregular, as load is, and the same in every run.
                draw = random.Random(0).uniform
                while True:
                    await anyio.sleep(draw(0.0, 2.0 * every))
                    time.sleep(draw(0.0, 2.0 * for_))  # noqa: ASYNC251 -- holding up is the point

            async with anyio.create_task_group() as tg:
                tg.start_soon(watch)
                if held_up is not None:
                    tg.start_soon(hold_up, *held_up)
                async with anyio.create_task_group() as workers:
                    for k in range(processes):
                        workers.start_soon(one, k)
                tg.cancel_scope.cancel()
        results: list[Counter[str]] = []
        failed = 0
        for k in range(processes):
            out = root / f"out{k}.jsonl"
            lines = (
                [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
            )
            results.append(Counter(line["custom_id"] for line in lines))
            failed += sum(line["result"]["type"] != "succeeded" for line in lines)
    # The window in which every process was working: from the last one's first answered
    # request to the first one's end.
    firsts = [
        min((t for t, s, w in answered if w == k and s == 200), default=math.inf)
        for k in range(processes)
    ]
    window = (max(firsts), min(finished))
    per_process = [
        sum(window[0] <= t <= window[1] and s == 200 and w == k for t, s, w in answered)
        for k in range(processes)
    ]
    return FleetResult(
        processes=processes,
        answered=answered,
        exits=exits,
        stderr=errors,
        results=results,
        expected=expected,
        failed_results=failed,
        window=window,
        per_process=per_process,
        lags=lags,
    )


def describe(result: FleetResult) -> str:
    """One line: processes, utilisation, 429s, fairness, window."""
    start, end = result.window
    return (
        f"{result.processes} processes: {result.utilisation:6.1%} of the limit, "
        f"{result.share_429:6.2%} answered 429, smallest share {result.fair_share_ratio:5.2f} "
        f"of an equal one, over {end - start:4.1f} s with all working, the server held up "
        f"{result.server_stall * 1000:.0f} ms at most"
    )
