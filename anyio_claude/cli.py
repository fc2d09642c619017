"""The `anyio-claude` command: `demo` and `fake-server`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import anyio

__all__ = ("main",)

MODEL = "claude-sonnet-4-5-20250929"


async def _demo(requests: int, concurrency: int) -> None:
    from . import AsyncClaude, OverloadedError, fan_out
    from .testing import ErrorReply, FakeClaude, Fault
    from .types import TextBlock, ToolUseBlock

    def say(text: str) -> None:
        print(text, flush=True)

    async with FakeClaude(ttft=0.05, itl=0.004, jitter=0.5, seed=7) as server:
        say(f"FakeClaude is serving the Messages API on {server.url}\n")
        async with AsyncClaude(api_key="demo-key", base_url=server.url) as client:
            say("1. Streaming a reply through AsyncClaude:\n")
            async with client.messages.stream(
                model=MODEL,
                max_tokens=200,
                messages=[{"role": "user", "content": "Tell me about structured concurrency"}],
            ) as stream:
                async for text in stream.text_stream:
                    print(text, end="", flush=True)
                message = await stream.get_final_message()
            say(
                f"\n   stop_reason={message.stop_reason}, usage: {message.usage.input_tokens} in /"
                f" {message.usage.output_tokens} out, request-id {stream.request_id}\n"
            )

            say("2. A tool call:")
            reply = await client.messages.create(
                model=MODEL,
                max_tokens=300,
                tools=[
                    {
                        "name": "get_weather",
                        "description": "Get the current weather in a given location",
                        "input_schema": {
                            "type": "object",
                            "properties": {"location": {"type": "string"}},
                            "required": ["location"],
                        },
                    }
                ],
                messages=[{"role": "user", "content": "What's the weather like in Paris?"}],
            )
            for block in reply.content:
                if isinstance(block, ToolUseBlock):
                    say(f"   {block.name}({block.input}) -> stop_reason={reply.stop_reason}\n")

            say("3. Retries: the server answers 529 overloaded twice, then succeeds:")
            server.script(
                ErrorReply(529, "overloaded_error", "Overloaded"),
                ErrorReply(529, "overloaded_error", "Overloaded", {"retry-after-ms": "50"}),
            )
            raw = await client.messages.with_raw_response.create(
                model=MODEL, max_tokens=50, messages=[{"role": "user", "content": "ping"}]
            )
            limits = raw.rate_limits
            say(
                f"   status {raw.status_code} after {raw.retries_taken} retries; requests "
                f"remaining {limits.requests_remaining}/{limits.requests_limit}\n"
            )

            say("4. A stream that fails midway keeps what arrived:")
            server.faults.append(Fault("mid_stream_error", times=1, after_events=12))
            try:
                async with client.messages.stream(
                    model=MODEL, max_tokens=200, messages=[{"role": "user", "content": "go"}]
                ) as stream:
                    async for _ in stream.text_stream:
                        pass
            except OverloadedError as exc:
                partial = exc.partial_message
                blocks = partial.content if partial is not None else []
                text = "".join(b.text for b in blocks if isinstance(b, TextBlock))
                say(f"   {type(exc).__name__}: {exc}\n   partial text kept: {text!r}\n")

        say(f"5. Fan-out: {requests} requests, {concurrency} at a time, with fan_out():")
        fast = FakeClaude(seed=1)
        async with fast, AsyncClaude(api_key="demo-key", base_url=fast.url) as client:

            async def ask(i: int) -> int:
                answer = await client.messages.create(
                    model=MODEL,
                    max_tokens=64,
                    messages=[{"role": "user", "content": f"question {i}"}],
                )
                tokens: int = answer.usage.output_tokens
                return tokens

            started = time.perf_counter()
            tokens = await fan_out(ask, range(requests), concurrency=concurrency)
            elapsed = time.perf_counter() - started
            say(
                f"   {len(tokens)} replies, {sum(tokens)} output tokens in {elapsed:.2f}s "
                f"({len(tokens) / elapsed:,.0f} requests/s over real sockets)\n"
            )
    say("Done. Next: `pytest` runs the test suite; docs/ has the guides.")


def _fake_server(args: argparse.Namespace) -> None:
    from .testing import FakeClaude, Fault

    faults = [Fault.parse(spec) for spec in args.faults.split(",") if spec.strip()]
    server = FakeClaude(
        host=args.host,
        port=args.port,
        ttft=args.ttft / 1000,
        itl=args.itl / 1000,
        faults=faults,
        seed=args.seed,
    )

    async def run() -> None:
        async with server:
            print(f"FakeClaude listening on {server.url} (Ctrl-C to stop)", flush=True)
            await anyio.sleep_forever()

    try:
        anyio.run(run, backend=args.backend)
    except KeyboardInterrupt:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="anyio-claude", description=__doc__)
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo", help="stream, call tools, retry and fan out against FakeClaude"
    )
    demo.add_argument("--requests", type=int, default=500)
    demo.add_argument("--concurrency", type=int, default=64)

    fake = commands.add_parser("fake-server", help="run FakeClaude for other clients")
    fake.add_argument("--host", default="127.0.0.1")
    fake.add_argument("--port", type=int, default=8080)
    fake.add_argument("--ttft", type=float, default=0.0, help="time to first token, ms")
    fake.add_argument("--itl", type=float, default=0.0, help="inter-token latency, ms")
    fake.add_argument("--seed", type=int, default=0)
    fake.add_argument(
        "--faults",
        default="",
        help="comma-separated rules like overloaded:every=3,reset_mid_body:probability=0.1",
    )

    args = parser.parse_args(argv)
    if args.command == "demo":
        anyio.run(_demo, args.requests, args.concurrency, backend=args.backend)
    else:
        _fake_server(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
