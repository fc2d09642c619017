"""The `anyio-claude` command: demo, batch, fake-server, bench, chat and count-tokens."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import anyio

from ._bench._cli import add_commands, run_command

if TYPE_CHECKING:
    from .testing import AwsTestCredentials, FakeClaude

__all__ = ("main",)

MODEL = "claude-sonnet-5-5"


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


_ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}
_LINE_ENDINGS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}


def _load_script(path: str) -> list[Any]:
    """Scripted replies from a JSON Lines file (the forms are in docs/testing.md)."""
    import json

    from ._errors import ProtocolError
    from .testing import ErrorReply
    from .types import decode_message

    replies: list[Any] = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise SystemExit(f"--script {where}: not JSON ({exc})") from None
            if isinstance(item, list):
                replies.append(item)
            elif isinstance(item, dict) and isinstance(item.get("sse"), str):
                replies.append(item["sse"].encode())
            elif isinstance(item, dict) and item.get("type") == "error":
                error = item.get("error") or {}
                kind = str(error.get("type", "api_error"))
                status = item.get("status", _ERROR_STATUS.get(kind, 500))
                message = str(error.get("message", ""))
                replies.append(ErrorReply(status, kind, message, item.get("headers") or {}))
            elif isinstance(item, dict) and item.get("type") == "message":
                try:
                    replies.append(decode_message(line))
                except ProtocolError as exc:
                    raise SystemExit(f"--script {where}: {exc}") from None
            else:
                raise SystemExit(
                    f"--script {where}: expected a message, an error, a list of events "
                    'or {"sse": "..."}'
                )
    return replies


def _model(spec: str) -> Any:
    from .testing import ModelSpec

    model_id, _, rest = spec.partition(",")
    max_tokens, _, display_name = rest.partition(",")
    try:
        return ModelSpec(model_id, display_name or model_id, int(max_tokens or 64_000))
    except ValueError:
        raise SystemExit(f"--model {spec!r}: MAX_TOKENS must be an integer") from None


def _fake_server_options(args: argparse.Namespace) -> dict[str, Any]:
    """FakeClaude's keyword arguments from the `fake-server` command line."""
    import ssl

    from .testing import Fault, RateLimits

    try:
        faults = [Fault.parse(spec) for spec in args.faults.split(",") if spec.strip()]
    except ValueError as exc:
        raise SystemExit(f"--faults: {exc}") from None
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "seed": args.seed,
        "ttft": args.ttft / 1000,
        "itl": args.itl / 1000,
        "jitter": args.jitter,
        "write_size": args.write_size,
        "line_ending": _LINE_ENDINGS[args.line_ending],
        "ping_every": args.ping_every,
        "faults": faults,
        "batch_seconds": args.batch_seconds,
        "batch_speedup": args.batch_speedup,
        "max_body_size": args.max_body_size,
        "max_header_size": args.max_header_size,
        "max_recorded": args.max_recorded,
    }
    if args.api_key:
        options["api_keys"] = args.api_key
    if args.aws_credentials:
        options["aws_credentials"] = [_aws_credentials(spec) for spec in args.aws_credentials]
    if args.google_token:
        options["google_tokens"] = args.google_token
    if args.model:
        options["models"] = [_model(spec) for spec in args.model]
    if args.rpm is not None or args.tpm is not None:
        options["rate_limits"] = RateLimits(args.rpm, args.tpm)
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        options["ssl_context"] = context
    elif args.tls_key:
        raise SystemExit("--tls-key needs --tls-cert")
    return options


def _aws_credentials(spec: str) -> AwsTestCredentials:
    """`ACCESS_KEY:SECRET_KEY[:SESSION_TOKEN]` (a secret key may not hold a colon)."""
    from .testing import AwsTestCredentials

    parts = spec.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise SystemExit("--aws-credentials takes ACCESS_KEY:SECRET_KEY[:SESSION_TOKEN]")
    return AwsTestCredentials(parts[0], parts[1], parts[2] if len(parts) == 3 else None)


def _fake_server_files(server: FakeClaude, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Apply the Files API flags to `server.files`; the metadata of the files stored."""
    from pathlib import Path

    server.files.max_file_size = args.max_file_size
    server.files.require_beta = args.files_require_beta
    stored = []
    for name in args.file or ():
        path = Path(name)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise SystemExit(f"--file: {exc}") from None
        stored.append(server.files.add(content, filename=path.name))
    return stored


def _fake_server(args: argparse.Namespace) -> None:
    from .testing import FakeClaude

    server = FakeClaude(**_fake_server_options(args))
    if args.script:
        server.script(*_load_script(args.script))
    stored = _fake_server_files(server, args)

    async def run() -> None:
        async with server:
            print(
                f"FakeClaude listening on {server.url} ({args.backend}; Ctrl-C to stop)",
                flush=True,
            )
            for metadata in stored:
                print(f"FakeClaude file {metadata['id']} {metadata['filename']}", flush=True)
            await anyio.sleep_forever()

    try:
        anyio.run(run, backend=args.backend)
    except KeyboardInterrupt:
        pass


def _add_fake_server_flags(fake: argparse.ArgumentParser) -> None:
    fake.add_argument("--host", default="127.0.0.1")
    fake.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    fake.add_argument("--seed", type=int, default=0, help="seed of replies, faults and jitter")
    fake.add_argument(
        "--api-key",
        action="append",
        metavar="KEY",
        help="accept only this key (repeat for several; default: any non-empty key)",
    )
    fake.add_argument(
        "--aws-credentials",
        action="append",
        metavar="ACCESS_KEY:SECRET_KEY[:SESSION_TOKEN]",
        help="accept Bedrock SigV4 signatures made with these (repeat for several)",
    )
    fake.add_argument(
        "--google-token",
        action="append",
        metavar="TOKEN",
        help="accept only this Vertex AI bearer token (repeat; default: any non-empty token)",
    )
    fake.add_argument(
        "--model",
        action="append",
        metavar="ID[,MAX_TOKENS[,DISPLAY NAME]]",
        help="serve this model instead of the defaults (repeat for several)",
    )
    fake.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate")
    fake.add_argument("--tls-key", metavar="PEM", help="its private key, if not in --tls-cert")
    latency = fake.add_argument_group("latency and network writes")
    latency.add_argument("--ttft", type=float, default=0.0, help="time to first content, ms")
    latency.add_argument("--itl", type=float, default=0.0, help="time between deltas, ms")
    latency.add_argument(
        "--jitter", type=float, default=0.0, help="random spread of each delay, a fraction"
    )
    latency.add_argument("--write-size", type=int, help="bytes per network write of a stream")
    latency.add_argument("--line-ending", choices=tuple(_LINE_ENDINGS), default="lf")
    latency.add_argument("--ping-every", type=int, default=50, help="events between pings")
    limits = fake.add_argument_group("rate limits and sizes")
    limits.add_argument("--rpm", type=int, help="requests per minute (enforced)")
    limits.add_argument("--tpm", type=int, help="input + output tokens per minute (enforced)")
    limits.add_argument("--max-body-size", type=int, default=32 * 1024 * 1024, metavar="BYTES")
    limits.add_argument("--max-header-size", type=int, default=16 * 1024, metavar="BYTES")
    limits.add_argument(
        "--max-recorded", type=int, default=1000, help="requests the server remembers"
    )
    behaviour = fake.add_argument_group("batches, faults and scripted replies")
    behaviour.add_argument("--batch-seconds", type=float, default=60.0)
    behaviour.add_argument(
        "--batch-speedup", type=float, default=1.0, help="divides --batch-seconds"
    )
    behaviour.add_argument(
        "--faults",
        default="",
        help="comma-separated rules like overloaded:every=3,reset_mid_body:probability=0.1",
    )
    behaviour.add_argument(
        "--script",
        metavar="JSONL",
        help="replies to send first, in order: one message, error, event list or "
        '{"sse": ...} per line',
    )
    files = fake.add_argument_group("the Files API")
    files.add_argument(
        "--file",
        action="append",
        metavar="PATH",
        help="serve this file as one a tool generated, downloadable (repeat for several)",
    )
    files.add_argument("--max-file-size", type=int, default=500 * 1024 * 1024, metavar="BYTES")
    files.add_argument(
        "--files-require-beta",
        action="store_true",
        help="answer 400 to Files API calls without the files-api beta header (as the API "
        "did while the Files API was in beta)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="anyio-claude", description=__doc__)
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo", help="stream, call tools, retry and fan out against FakeClaude"
    )
    demo.add_argument("--requests", type=int, default=500)
    demo.add_argument("--concurrency", type=int, default=64)

    from ._batch_cli import add_batch_parser

    add_batch_parser(commands)

    fake = commands.add_parser("fake-server", help="run FakeClaude for other clients")
    _add_fake_server_flags(fake)
    for command in (demo, fake, *add_commands(commands)):
        # Also after the subcommand, as people type it; SUPPRESS keeps an earlier value.
        command.add_argument("--backend", choices=("asyncio", "trio"), default=argparse.SUPPRESS)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "demo":
        anyio.run(_demo, args.requests, args.concurrency, backend=args.backend)
    elif args.command in ("bench", "chat", "count-tokens"):
        return run_command(args)
    elif args.command == "batch":
        from ._batch_cli import run_batch_command

        return run_batch_command(args)
    else:
        _fake_server(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
