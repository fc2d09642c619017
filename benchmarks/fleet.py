"""Fleets of `anyio-claude batch run` processes on one organisation's limits.

    python benchmarks/fleet.py [--smoke] [--redis] [--held-up]

Starts FakeClaude enforcing 40 requests/s and 2,400 output tokens/s (buckets starting
empty), then 1, 2, 4 and 8 processes at once, each with its own input, first inferring
each other from the reply headers, then (with `--redis`, a `redis-server` on PATH) sharing
one Redis, and (with `--held-up`) inferring each other from a server whose event loop
is held up 0.2 s every 0.2 s on average, as on a loaded machine. For each: the fleet's
throughput while every process was working, as a ratio to one process alone measured
in the same run, and to the limit; the share of requests answered 429; the smallest
process's share over an even one.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._fleet import FleetResult, run_fleet

# `--held-up`: the server's loop held up every 0.2 s, for 0.2 s, on average.
HELD_UP = (0.2, 0.2)


def _line(name: str, result: FleetResult, alone: float) -> str:
    ratio = result.utilisation / alone if alone else 0.0
    return (
        f"{name:34} {ratio:6.2f}x {result.utilisation:8.1%} {result.share_429:8.2%} "
        f"{result.fair_share_ratio:7.2f}   exactly once: {'yes' if result.exactly_once else 'NO'}"
    )


async def main(counts: list[int], seconds: float, redis_url: str | None, held_up: bool) -> None:
    print(
        f"{'fleet':34} {'vs alone':>7} {'of limit':>8} {'429s':>8} {'fairest':>7}\n"
        "(fairest: the smallest process's admitted requests over an even share)"
    )
    alone = await run_fleet(1, seconds=seconds)
    print(_line("1 process (the baseline)", alone, alone.utilisation), flush=True)
    for n in counts:
        result = await run_fleet(n, seconds=seconds)
        print(_line(f"{n} processes, headers only", result, alone.utilisation), flush=True)
    if held_up:
        for n in counts:
            result = await run_fleet(n, seconds=seconds, held_up=HELD_UP)
            print(_line(f"{n} processes, server held up", result, alone.utilisation), flush=True)
    if redis_url is not None:
        for n in counts:
            result = await run_fleet(n, seconds=seconds, extra_args=("--redis", redis_url))
            print(_line(f"{n} processes, one Redis", result, alone.utilisation), flush=True)


def _redis() -> tuple[subprocess.Popen[bytes], str] | None:
    binary = shutil.which("redis-server")
    if binary is None:
        print("redis-server not found: the Redis rows are left out")
        return None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.02)
    return process, f"redis://127.0.0.1:{port}/0"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="two processes, a short run")
    parser.add_argument("--redis", action="store_true", help="also share one redis-server")
    parser.add_argument(
        "--held-up",
        action="store_true",
        help="also with the server's event loop held up (a loaded machine)",
    )
    args = parser.parse_args()
    counts, seconds = ([2], 3.0) if args.smoke else ([2, 4, 8], 12.0)
    server = _redis() if args.redis else None
    try:
        anyio.run(main, counts, seconds, server[1] if server else None, args.held_up)
    finally:
        if server is not None:
            server[0].kill()
            server[0].wait()
