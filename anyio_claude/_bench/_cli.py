"""The `bench`, `chat` and `count-tokens` subcommands.

Every argument is checked before any network I/O; a bad one exits with a message naming
it. The API key comes from ANTHROPIC_API_KEY and is never printed.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import anyio

__all__ = ("add_commands", "run_command")

_DEFAULT_MODEL = "claude-sonnet-5-5"


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _add_bench(commands: Any) -> None:
    from ._shapes import ARRIVALS

    bench = commands.add_parser(
        "bench",
        help="load-test a Claude endpoint: TTFT, TPOT, ICL, E2E, throughput, goodput",
        description="Send a load shape to a Claude endpoint and report latency and "
        "throughput. Timestamps are taken when bytes arrive; token counts come from the "
        "server's usage. The key is read from ANTHROPIC_API_KEY.",
    )
    bench.add_argument("--base-url", help="the endpoint (default: ANTHROPIC_BASE_URL or the API)")
    bench.add_argument("--model", "-m", required=True)
    shape = bench.add_argument_group("load shape (one of)")
    shape.add_argument("--concurrency", type=_positive_int, help="closed loop: N in flight")
    shape.add_argument("--rate", type=_positive_float, help="open loop: requests per second")
    shape.add_argument("--replay", metavar="TRACE.jsonl", help="send at the trace's timestamps")
    shape.add_argument(
        "--sweep",
        action="store_true",
        help="open loop from --rate (default 1), multiplied by --sweep-factor each step "
        "until the endpoint saturates",
    )
    shape.add_argument("--arrival", choices=ARRIVALS, default="poisson")
    shape.add_argument(
        "--burstiness",
        type=_positive_float,
        default=1.0,
        help="gamma shape: 1 is Poisson, lower is burstier",
    )
    shape.add_argument("--max-concurrency", type=_positive_int, help="cap in flight (open loop)")
    shape.add_argument("--sweep-factor", type=float, default=2.0)
    shape.add_argument("--sweep-steps", type=_positive_int, default=8)
    size = bench.add_argument_group("length")
    size.add_argument("--requests", type=_positive_int, help="measured requests (per step)")
    size.add_argument("--duration", type=_positive_float, metavar="S", help="seconds (per step)")
    size.add_argument(
        "--warmup", type=int, default=0, metavar="W", help="first W requests, not measured"
    )
    size.add_argument("--seed", type=int, default=0)
    work = bench.add_argument_group("workload")
    work.add_argument("--prompt-tokens", type=_positive_int, default=256, metavar="P")
    work.add_argument("--max-tokens", type=_positive_int, default=128, metavar="T")
    work.add_argument("--dataset", metavar="FILE.jsonl", help="requests in batch request format")
    out = bench.add_argument_group("output")
    out.add_argument("--slo", help="goodput objectives: ttft:MS,tpot:MS,e2e:MS (any subset)")
    out.add_argument("--out", metavar="RUN.jsonl", help="per-request records")
    out.add_argument("--summary", metavar="SUMMARY.json")
    out.add_argument("--csv", metavar="FILE.csv")
    out.add_argument("--report", metavar="REPORT.html", help="self-contained HTML with charts")
    out.add_argument("--quiet", action="store_true", help="no progress line and no table")
    bench.add_argument(
        "--client",
        choices=("anyio-claude", "official"),
        default="anyio-claude",
        help="'official' sends the same load through the anthropic SDK, to see its cost",
    )


def _add_chat(commands: Any) -> None:
    chat = commands.add_parser("chat", help="stream a reply to stdout")
    chat.add_argument("prompt", help="the prompt ('-' reads it from stdin)")
    chat.add_argument("-m", "--model", default=_DEFAULT_MODEL)
    chat.add_argument("--system", help="a system prompt")
    chat.add_argument("--max-tokens", type=_positive_int, default=1024)
    chat.add_argument(
        "--thinking", type=int, metavar="N", help="extended thinking with a budget of N tokens"
    )
    chat.add_argument("--base-url", help="default: ANTHROPIC_BASE_URL or the API")
    chat.add_argument("--fake", action="store_true", help="answer from FakeClaude, in process")

    count = commands.add_parser("count-tokens", help="print a prompt's input tokens")
    count.add_argument("prompt", help="the prompt ('-' reads it from stdin)")
    count.add_argument("-m", "--model", default=_DEFAULT_MODEL)
    count.add_argument("--system", help="a system prompt")
    count.add_argument("--base-url", help="default: ANTHROPIC_BASE_URL or the API")
    count.add_argument("--fake", action="store_true", help="count with FakeClaude, in process")


def add_commands(commands: Any) -> list[argparse.ArgumentParser]:
    """Register `bench`, `chat` and `count-tokens`; returns their parsers."""
    _add_bench(commands)
    _add_chat(commands)
    return [commands.choices[name] for name in ("bench", "chat", "count-tokens")]


def _key(fake: bool) -> str:
    if fake:
        return "fake-key"
    key = os.environ.get("ANTHROPIC_API_KEY")
    if not key:
        raise SystemExit("set ANTHROPIC_API_KEY (or pass --fake to use FakeClaude)")
    return key


def _bench_config(args: argparse.Namespace) -> Any:
    from ._metrics import SLO
    from ._runner import BenchConfig
    from ._shapes import Workload, load_dataset, load_trace

    shapes = [
        name
        for name, given in (
            ("--concurrency", args.concurrency is not None),
            ("--rate", args.rate is not None and not args.sweep),
            ("--replay", args.replay is not None),
            ("--sweep", args.sweep),
        )
        if given
    ]
    if len(shapes) != 1:
        raise SystemExit(
            "bench: give exactly one load shape: --concurrency, --rate, --sweep or --replay"
            + (f" (got {', '.join(shapes)})" if shapes else "")
        )
    if args.replay is None and (args.requests is None) == (args.duration is None):
        raise SystemExit("bench: give exactly one of --requests and --duration")
    if args.warmup < 0:
        raise SystemExit("--warmup must be 0 or more")
    if args.max_concurrency is not None and args.concurrency is not None:
        raise SystemExit("--max-concurrency applies to open loop (--rate, --sweep, --replay)")
    if args.sweep and not args.sweep_factor > 1:
        raise SystemExit("--sweep-factor must be above 1")
    if args.burstiness != 1.0 and args.arrival != "gamma":
        raise SystemExit("--burstiness needs --arrival gamma")
    try:
        slo = SLO.parse(args.slo) if args.slo else SLO()
    except ValueError as exc:
        raise SystemExit(f"--slo: {exc}") from None
    if args.client == "official":
        try:
            import anthropic  # noqa: F401
        except ImportError:
            raise SystemExit("--client official needs the anthropic package installed") from None
    dataset: list[dict[str, Any]] = []
    if args.dataset:
        try:
            dataset = load_dataset(args.dataset)
        except (OSError, ValueError) as exc:
            raise SystemExit(str(exc)) from None
    workload = Workload(
        model=args.model,
        max_tokens=args.max_tokens,
        prompt_tokens=args.prompt_tokens,
        dataset=dataset,
        seed=args.seed,
    )
    replay = None
    if args.replay:
        try:
            replay = load_trace(args.replay, workload)
        except (OSError, ValueError) as exc:
            raise SystemExit(str(exc)) from None
    for option in ("out", "summary", "csv", "report"):
        path = getattr(args, option)
        if path and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise SystemExit(f"--{option} {path}: its directory does not exist")
    return BenchConfig(
        model=args.model,
        api_key=_key(False),
        base_url=args.base_url,
        concurrency=args.concurrency,
        rate=args.rate if args.rate is not None else (1.0 if args.sweep else None),
        arrival=args.arrival,
        burstiness=args.burstiness,
        max_concurrency=args.max_concurrency,
        sweep=args.sweep,
        sweep_factor=args.sweep_factor,
        sweep_steps=args.sweep_steps,
        replay=replay,
        replay_path=args.replay,
        requests=args.requests,
        duration=args.duration,
        warmup=args.warmup,
        seed=args.seed,
        workload=workload,
        dataset_path=args.dataset,
        slo=slo,
        client=args.client,
        progress=not args.quiet,
    )


def _bench(args: argparse.Namespace) -> int:
    from ._report import html_report, terminal_table, write_csv, write_jsonl, write_summary
    from ._runner import run_bench

    config = _bench_config(args)
    try:
        result = anyio.run(run_bench, config, backend=args.backend)
    except KeyboardInterrupt:
        print("\ninterrupted: no results written", file=sys.stderr)
        return 130
    summary = result.summary
    if args.out:
        write_jsonl(args.out, result.records)
    if args.summary:
        write_summary(args.summary, summary)
    if args.csv:
        write_csv(args.csv, summary)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as file:
            file.write(html_report(summary, result.records))
    if not args.quiet:
        print(terminal_table(summary))
    else:
        for warning in summary["warnings"]:
            print(f"WARNING: {warning}", file=sys.stderr)
    return 0


def _prompt(text: str) -> str:
    return sys.stdin.read() if text == "-" else text


async def _with_client(args: argparse.Namespace, body: Any) -> None:
    from .._client import AsyncClaude

    if args.fake:
        from ..testing import FakeClaude

        async with (
            FakeClaude() as server,
            AsyncClaude(api_key="fake-key", base_url=server.url) as client,
        ):
            await body(client)
    else:
        async with AsyncClaude(api_key=_key(False), base_url=args.base_url) as client:
            await body(client)


def _chat(args: argparse.Namespace) -> int:
    from ..types import TextDelta, ThinkingDelta

    if args.thinking is not None and not 1024 <= args.thinking < args.max_tokens:
        raise SystemExit(
            f"--thinking {args.thinking}: the budget must be at least 1024 and below "
            f"--max-tokens ({args.max_tokens})"
        )
    _key(args.fake)
    params: dict[str, Any] = {
        "model": args.model,
        "max_tokens": args.max_tokens,
        "messages": [{"role": "user", "content": _prompt(args.prompt)}],
    }
    if args.system:
        params["system"] = args.system
    if args.thinking is not None:
        params["thinking"] = {"type": "enabled", "budget_tokens": args.thinking}

    async def body(client: Any) -> None:
        thinking = False
        async with client.messages.stream(**params) as stream:
            async for event in stream:
                if event.type != "content_block_delta":
                    continue
                delta = event.delta
                # Thinking goes to stderr, so stdout is exactly the reply.
                if isinstance(delta, ThinkingDelta):
                    thinking = True
                    print(delta.thinking, end="", file=sys.stderr, flush=True)
                elif isinstance(delta, TextDelta):
                    if thinking:
                        print(file=sys.stderr)
                        thinking = False
                    print(delta.text, end="", flush=True)
        print()

    return _run_client(args, body)


def _count_tokens(args: argparse.Namespace) -> int:
    _key(args.fake)
    params: dict[str, Any] = {
        "model": args.model,
        "messages": [{"role": "user", "content": _prompt(args.prompt)}],
    }
    if args.system:
        params["system"] = args.system

    async def body(client: Any) -> None:
        count = await client.messages.count_tokens(**params)
        print(count.input_tokens)

    return _run_client(args, body)


def _run_client(args: argparse.Namespace, body: Any) -> int:
    from .._errors import ClaudeError

    try:
        anyio.run(_with_client, args, body, backend=args.backend)
    except ClaudeError as exc:
        print(f"\nerror: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


def run_command(args: argparse.Namespace) -> int:
    """Run `bench`, `chat` or `count-tokens`; returns the exit status."""
    if args.command == "bench":
        return _bench(args)
    if args.command == "chat":
        return _chat(args)
    return _count_tokens(args)
