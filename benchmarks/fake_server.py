"""How fast FakeClaude serves, so that it never limits our other benchmarks.

    python benchmarks/fake_server.py [--requests 2000]

FakeClaude runs in its own process (zero latency, no faults); the client is plain
httpcore, one `AsyncHTTPConnection` per worker, in this process. Prints requests/s for
small non-streaming replies at concurrency 1, 64 and 256 (target >= 800) and MB/s for a
streamed reply of the "mixed" workload (target >= 100 MB/s), each next to the same client
against the canned server of `_canned.py` (which parses nothing) as the named baseline.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
import httpcore

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _canned import SMALL_MESSAGE, canned_server, http_response
from _workload import mixed_body, mixed_events

MODEL = "claude-sonnet-5-5"
SMALL = json.dumps(
    {"model": MODEL, "max_tokens": 64, "messages": [{"role": "user", "content": "hello"}]}
).encode()
STREAM = json.dumps(
    {
        "model": MODEL,
        "max_tokens": 4096,
        "stream": True,
        "messages": [{"role": "user", "content": "hi"}],
    }
).encode()


async def load(url: str, body: bytes, requests: int, concurrency: int) -> tuple[float, int]:
    """Send `requests` POSTs to /v1/messages, `concurrency` at a time; (seconds, bytes read)."""
    origin = httpcore.URL(url)
    headers = [
        (b"host", f"127.0.0.1:{origin.port}".encode()),
        (b"x-api-key", b"bench-key-not-secret"),
        (b"anthropic-version", b"2023-06-01"),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    todo = iter(range(requests))
    received = 0

    async def worker() -> None:
        nonlocal received
        async with httpcore.AsyncHTTPConnection(
            httpcore.Origin(origin.scheme, origin.host, origin.port)
        ) as connection:
            for _ in todo:
                request = httpcore.Request(
                    "POST", url + "/v1/messages", headers=headers, content=body
                )
                response = await connection.handle_async_request(request)
                async for chunk in response.stream:  # type: ignore[union-attr]
                    received += len(chunk)
                await response.aclose()
                assert response.status == 200, response.status

    start = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(min(concurrency, requests)):
            tg.start_soon(worker)
    return time.perf_counter() - start, received


@contextmanager
def fake_claude(script: str) -> Iterator[str]:
    """FakeClaude in a child process. `script`: "none" (the fake model answers), "events"
    (every request gets the mixed workload's events, encoded by the server) or "bytes"
    (the mixed workload's SSE body, sent verbatim)."""
    command = [sys.executable, __file__, "--serve", script]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            yield process.stdout.readline().strip()
        finally:
            process.kill()
            process.wait()


def serve(script: str) -> None:
    from anyio_claude.testing import FakeClaude

    replies: list[object] = []
    if script == "events":
        replies = [mixed_events()] * 1000
    elif script == "bytes":
        replies = [mixed_body()[0]] * 1000

    async def run() -> None:
        async with FakeClaude() as server:
            server.script(*replies)  # type: ignore[arg-type]
            print(server.url, flush=True)
            await anyio.sleep_forever()

    anyio.run(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return

    n = args.requests
    print(
        f"small non-streaming replies, {n:,} requests per row; "
        "client: httpcore, one connection per worker\n"
    )
    print(f"{'concurrency':>11} {'FakeClaude req/s':>17} {'canned req/s':>13} {'ratio':>7}")
    canned_small = http_response(json.dumps(SMALL_MESSAGE).encode(), "application/json")
    worst = float("inf")
    with fake_claude("none") as fake, canned_server(canned_small) as canned:
        for concurrency in (1, 64, 256):
            count = n // 4 if concurrency == 1 else n
            fake_seconds, _ = anyio.run(load, fake, SMALL, count, concurrency)
            canned_seconds, _ = anyio.run(load, canned, SMALL, count, concurrency)
            fake_rate, canned_rate = count / fake_seconds, count / canned_seconds
            worst = min(worst, fake_rate)
            print(
                f"{concurrency:>11} {fake_rate:17,.0f} {canned_rate:13,.0f} "
                f"{fake_rate / canned_rate:7.2f}x"
            )
    print(f"\nslowest FakeClaude row: {worst:,.0f} req/s   (target >= 800)")

    body, events = mixed_body()
    repeat = 10
    print(
        f"\nstreamed SSE: the mixed workload ({len(body) / 1e6:.2f} MB, {events:,} events), "
        f"{repeat} requests, one at a time"
    )
    canned_body = http_response(body, "text/event-stream")
    with canned_server(canned_body) as canned:
        canned_seconds, canned_bytes = anyio.run(load, canned, STREAM, repeat, 1)
    canned_mbs = canned_bytes / canned_seconds / 1e6
    print(f"{'server':44} {'MB/s':>8} {'vs canned':>10}")
    print(f"{'canned (baseline)':44} {canned_mbs:8.1f}")
    slowest = float("inf")
    for script, label in (
        ("events", "FakeClaude encoding the events itself"),
        ("bytes", "FakeClaude sending a scripted SSE body"),
    ):
        with fake_claude(script) as fake:
            seconds, received = anyio.run(load, fake, STREAM, repeat, 1)
        mbs = received / seconds / 1e6
        slowest = min(slowest, mbs)
        print(f"{label:44} {mbs:8.1f} {mbs / canned_mbs:9.2f}x")
    print(f"\nslowest FakeClaude stream: {slowest:,.1f} MB/s   (target >= 100)")


if __name__ == "__main__":
    main()
