"""Fan-out: many small non-streaming requests at high concurrency, us vs the official SDK.

    python benchmarks/fanout.py [--requests 2000] [--concurrency 256] [--rounds 5]
    python benchmarks/fanout.py --matrix   # 2,000 and 20,000 requests at 256 and 1,024
    python benchmarks/fanout.py --paced    # messages.map at FakeClaude's rate limits

A canned server in another process answers every request with the same small message.
Each client runs in its own process (so import and memory costs stay apart): after a
warm-up round that opens its connections, it sends `--requests` requests with at most
`--concurrency` in flight. Every client runs once per round (`--rounds`, default 5), in a
new random order each round, and each ratio is the median of the rounds' ratios (with its
10th-90th percentile spread), so a busy moment of the machine does not land on one client
only. Prints requests/s, the growth of peak RSS per in-flight request
(peak RSS over the client's post-import baseline, divided by the concurrency), and the
ratios. Targets: >= 5x the official SDK with asyncio.gather + a semaphore, and >= 0.95x
one httpcore.AsyncHTTPConnection per worker with no pool, each backend against that
baseline run on the same backend (httpcore supports both).

`--matrix` runs the four sizes one after the other, our two backends and their two
httpcore baselines only (the official SDK takes minutes at 20,000 requests), and prints
each ratio with "target met (>= 0.95x)".
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _canned import SMALL_MESSAGE, canned_server, http_response
from _stable import emit, run_child, run_rounds, spread

MODEL = "claude-sonnet-5-5"
KEY = "bench-key-not-secret"


def _ask(i: int) -> dict[str, object]:
    return {"model": MODEL, "max_tokens": 64, "messages": [{"role": "user", "content": f"q{i}"}]}


async def ours(url: str, requests: int, concurrency: int) -> None:
    from anyio_claude import AsyncClaude, fan_out

    async with AsyncClaude(
        api_key=KEY, base_url=url, max_retries=0, max_connections=concurrency
    ) as client:

        async def ask(i: int) -> None:
            await client.messages.create(**_ask(i))  # type: ignore[arg-type]

        await fan_out(ask, range(concurrency), concurrency=concurrency)  # warm-up
        await _timed(fan_out(ask, range(requests), concurrency=concurrency))


async def official(url: str, requests: int, concurrency: int) -> None:
    import anthropic

    async with anthropic.AsyncAnthropic(api_key=KEY, base_url=url, max_retries=0) as client:
        semaphore = asyncio.Semaphore(concurrency)

        async def ask(i: int) -> None:
            async with semaphore:
                await client.messages.create(**_ask(i))  # type: ignore[arg-type]

        await asyncio.gather(*(ask(i) for i in range(concurrency)))
        await _timed(asyncio.gather(*(ask(i) for i in range(requests))))


async def httpcore_per_worker(url: str, requests: int, concurrency: int) -> None:
    import httpcore
    import msgspec

    origin = httpcore.URL(url)
    headers = [
        (b"host", f"{origin.host.decode()}:{origin.port}".encode()),
        (b"x-api-key", KEY.encode()),
        (b"anthropic-version", b"2023-06-01"),
        (b"content-type", b"application/json"),
    ]

    async def run(count: int) -> None:
        todo = iter(range(count))

        async def worker() -> None:
            connection = httpcore.AsyncHTTPConnection(
                httpcore.Origin(origin.scheme, origin.host, origin.port)
            )
            async with connection:
                for i in todo:
                    body = json.dumps(_ask(i)).encode()
                    request = httpcore.Request(
                        "POST",
                        url + "/v1/messages",
                        headers=[*headers, (b"content-length", str(len(body)).encode())],
                        content=body,
                    )
                    response = await connection.handle_async_request(request)
                    content = b"".join([chunk async for chunk in response.stream])  # type: ignore[union-attr]
                    await response.aclose()
                    msgspec.json.decode(content)

        async with anyio.create_task_group() as tg:
            for _ in range(concurrency):
                tg.start_soon(worker)

    await run(concurrency)
    await _timed(run(requests))


_RESULT: dict[str, float] = {}


async def _timed(awaitable: object) -> None:
    start = time.perf_counter()
    await awaitable  # type: ignore[misc]
    _RESULT["seconds"] = time.perf_counter() - start


CLIENTS = {
    "anyio_claude fan_out, asyncio": (ours, "asyncio", "anyio_claude._transport"),
    "anyio_claude fan_out, trio": (ours, "trio", "anyio_claude._transport"),
    "official SDK gather+semaphore": (official, "asyncio", "anthropic"),
    "httpcore per worker, asyncio": (httpcore_per_worker, "asyncio", "httpcore"),
    "httpcore per worker, trio": (httpcore_per_worker, "trio", "httpcore"),
}
OURS = {
    "anyio_claude fan_out, asyncio": "httpcore per worker, asyncio",
    "anyio_claude fan_out, trio": "httpcore per worker, trio",
}
MATRIX = [(2_000, 256), (2_000, 1_024), (20_000, 256), (20_000, 1_024)]
TARGET = 0.95


def _child(name: str, url: str, requests: int, concurrency: int) -> None:
    run, backend, module = CLIENTS[name]
    importlib.import_module(module)
    importlib.import_module(backend)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    anyio.run(run, url, requests, concurrency, backend=backend)
    _RESULT["peak_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _RESULT["rss_growth_kib"] = _RESULT["peak_rss_kib"] - baseline
    emit(_RESULT)


async def _paced_run(kind: str, requests: int, concurrency: int) -> dict[str, float]:
    """One run against FakeClaude enforcing 6,000 requests/min and 60,000 output tokens/min
    (buckets start empty): `map` paces itself; `fan_out` leans on per-call retries."""
    from anyio_claude import AsyncClaude, fan_out
    from anyio_claude.testing import FakeClaude, RateLimits

    limits = RateLimits(requests_per_minute=6000, output_tokens_per_minute=60_000, start_empty=True)
    answered: list[int] = []
    done: list[tuple[float, int]] = []
    async with FakeClaude(rate_limits=limits) as server:
        index = next(i for i, (p, _) in enumerate(server.routes) if p == "/v1/messages")
        route = server.routes[index][1]

        async def counting(request: object) -> object:
            response = await route(request)  # type: ignore[arg-type]
            answered.append(response.status)
            return response

        server.routes[index] = ("/v1/messages", counting)  # type: ignore[assignment]
        params = [{**_ask(i), "max_tokens": 20} for i in range(requests)]
        async with AsyncClaude(api_key=KEY, base_url=server.url, max_retries=50) as client:
            if kind == "map":
                async with client.messages.map(params, concurrency=concurrency) as results:
                    async for result in results:
                        usage = result.usage
                        done.append((time.perf_counter(), usage.output_tokens if usage else 0))
            else:

                async def ask(p: dict[str, object]) -> None:
                    message = await client.messages.create(**p)  # type: ignore[arg-type]
                    done.append((time.perf_counter(), message.usage.output_tokens))

                await fan_out(ask, params, concurrency=concurrency)
    steady = done[len(done) // 2 :]
    window = steady[-1][0] - steady[0][0]
    return {
        "out_per_min": sum(t for _, t in steady[1:]) / window * 60 if window else 0.0,
        "req_per_min": (len(steady) - 1) / window * 60 if window else 0.0,
        "share_429": answered.count(429) / len(answered),
    }


def paced(requests: int, concurrency: int) -> None:
    """`--paced`: throughput against the binding limit and the share of 429s."""
    print(
        f"{requests} requests (max_tokens=20), {concurrency} in flight, FakeClaude enforcing "
        "6,000 req/min and 60,000 output tokens/min from empty buckets; steady state = the "
        "second half of the results\n"
    )
    print(f"{'client':36} {'out tok/min':>12} {'of limit':>9} {'req/min':>8} {'429s':>7}")
    for backend in ("asyncio", "trio"):
        for kind in ("map", "fan_out"):
            r = anyio.run(_paced_run, kind, requests, concurrency, backend=backend)
            name = f"{'messages.map' if kind == 'map' else 'fan_out (per-call retries)'}, {backend}"
            print(
                f"{name:36} {r['out_per_min']:12,.0f} {r['out_per_min'] / 60_000:8.1%} "
                f"{r['req_per_min']:8,.0f} {r['share_429']:7.1%}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--paced", action="store_true", help="messages.map against rate limits (FakeClaude)"
    )
    parser.add_argument(
        "--matrix",
        action="store_true",
        help="2,000 and 20,000 requests at 256 and 1,024 in flight, vs raw httpcore only",
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument(
        "--rounds", type=int, default=5, help="rounds of every client; ratios are per round"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.url, args.requests, args.concurrency)
        return
    if args.paced:
        paced(min(args.requests, 600), min(args.concurrency, 64))
        return

    if args.matrix:
        met = []
        for n, c in MATRIX:
            rates = compare(n, c, [*OURS, *OURS.values()], args.rounds)
            for name, baseline in OURS.items():
                median, shown = ratio(rates, name, baseline)
                met.append(median >= TARGET)
                print(f"{name} / {baseline}: {median:5.2f}x {shown}  {_met(median)}")
            print()
        print(f"all {len(met)} ratios >= {TARGET}x: {'yes' if all(met) else 'no'}")
        return
    rates = compare(args.requests, args.concurrency, list(CLIENTS), args.rounds)
    for name, baseline in OURS.items():
        median, shown = ratio(rates, name, "official SDK gather+semaphore")
        print(f"{name} / official SDK: {median:5.1f}x {shown}  (target >= 5x)")
        median, shown = ratio(rates, name, baseline)
        print(f"{name} / {baseline}: {median:5.2f}x {shown}  {_met(median)}")


def _met(ratio: float) -> str:
    return f"target met (>= {TARGET}x): {'yes' if ratio >= TARGET else 'no'}"


def compare(n: int, c: int, names: list[str], rounds: int) -> list[dict[str, float]]:
    """Run each client of `names` in a fresh process once per round, in a new random order
    each round; print a row each (medians over the rounds); return each round's req/s."""
    print(f"{n:,} small non-streaming requests, {c} in flight, canned server on 127.0.0.1")
    print(f"{rounds} round(s), clients in random order, each in a fresh process (medians)\n")
    print(f"{'client':34} {'req/s':>9} {'peak RSS':>10} {'KiB per in-flight':>18}")
    with canned_server(
        http_response(json.dumps(SMALL_MESSAGE).encode(), "application/json")
    ) as url:

        def run_one(name: str) -> dict[str, Any]:
            argv = [__file__, "--child", name, "--url", url]
            return run_child([*argv, "--requests", str(n), "--concurrency", str(c)])

        results = run_rounds(names, rounds, run_one, label=f"{n:,} at {c}: ")
    for name in names:
        rate = statistics.median(n / r[name]["seconds"] for r in results)
        peak = statistics.median(r[name]["peak_rss_kib"] for r in results)
        growth = statistics.median(r[name]["rss_growth_kib"] for r in results)
        print(f"{name:34} {rate:9,.0f} {peak / 1024:8.1f} MB {growth / c:15.1f}")
    print()
    return [{name: n / r[name]["seconds"] for name in names} for r in results]


def ratio(rates: list[dict[str, float]], name: str, baseline: str) -> tuple[float, str]:
    """The median of the per-round ratios `name` / `baseline`, and its p10-p90 spread."""
    median, p10, p90 = spread([r[name] / r[baseline] for r in rates])
    return median, f"(p10-p90 {p10:.2f}-{p90:.2f})"


if __name__ == "__main__":
    main()
