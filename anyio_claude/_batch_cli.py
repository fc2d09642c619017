"""`anyio-claude batch run|submit`: one JSONL file of requests, sent paced from here or
as Message Batches, with resumable JSONL results.

Input lines are batch requests, `{"custom_id": "...", "params": {...}}`; output lines are
batch results, `{"custom_id": "...", "result": {"type": "succeeded", "message": {...}}}`,
whichever command wrote them. Each result is appended and flushed as it arrives, so a
rerun after a crash skips every `custom_id` already in the output and loses at most
the requests that were in flight.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, cast

import anyio

from ._errors import APIStatusError, ClaudeError

__all__ = ("add_batch_parser", "run_batch_command")

_CUSTOM_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")
MAX_BATCH_REQUESTS = 100_000
MAX_BATCH_BYTES = 256 * 1024 * 1024
# Bytes of request JSON per input token, for --dry-run's estimate.
_BYTES_PER_TOKEN = 3.5


@dataclass
class _Input:
    """What reading the input found: valid pending requests and what was skipped."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    invalid: int = 0
    already_done: int = 0


def _validate(line: str, seen: set[str]) -> dict[str, Any] | str:
    """The request on one input line, or why it is invalid."""
    try:
        item = json.loads(line)
    except ValueError as exc:
        return f"not JSON ({exc})"
    if not isinstance(item, dict):
        return "not a JSON object"
    custom_id = item.get("custom_id")
    if not isinstance(custom_id, str) or not _CUSTOM_ID.fullmatch(custom_id):
        return f"custom_id {custom_id!r} must match ^[a-zA-Z0-9_-]{{1,64}}$"
    if custom_id in seen:
        return f"custom_id {custom_id!r} repeats an earlier line"
    params = item.get("params")
    if not isinstance(params, dict):
        return "params must be an object"
    for key in ("model", "messages", "max_tokens"):
        if key not in params:
            return f"params.{key} is required"
    if params.get("stream"):
        return "params.stream: batch requests are not streamed"
    seen.add(custom_id)
    return {"custom_id": custom_id, "params": params}


def _read_input(
    path: str, done: set[str], err: IO[str], summary: _Summary
) -> Iterator[dict[str, Any]]:
    """Valid requests not yet in the output, lazily; reports invalid lines on `err`."""
    seen: set[str] = set()
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            checked = _validate(line, seen)
            if isinstance(checked, str):
                print(f"{path}:{number}: invalid request: {checked}", file=err, flush=True)
                summary.invalid += 1
                continue
            if checked["custom_id"] in done:
                continue
            yield checked


def _count_lines(path: str) -> int:
    with open(path, "rb") as data:
        return sum(1 for line in data if line.strip())


def _load_done(path: str) -> set[str]:
    """The custom_ids in an existing output; a torn last line (a kill mid-write) is cut."""
    done: set[str] = set()
    if not os.path.exists(path):
        return done
    with open(path, "rb+") as out:
        data = out.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            out.truncate(end)
    for line in data[:end].splitlines():
        try:
            custom_id = json.loads(line).get("custom_id")
        except (ValueError, AttributeError):
            continue
        if isinstance(custom_id, str):
            done.add(custom_id)
    return done


class _Summary:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.counts: dict[str, int] = {}
        self.input_tokens = self.output_tokens = self.cache_read = self.cache_write = 0
        self.invalid = 0

    def add(self, result: dict[str, Any]) -> None:
        kind = str(result.get("type"))
        self.counts[kind] = self.counts.get(kind, 0) + 1
        usage = (result.get("message") or {}).get("usage") or {}
        self.input_tokens += usage.get("input_tokens") or 0
        self.output_tokens += usage.get("output_tokens") or 0
        self.cache_read += usage.get("cache_read_input_tokens") or 0
        self.cache_write += usage.get("cache_creation_input_tokens") or 0

    def status(self) -> int:
        """1 when a request did not succeed (errored, expired, canceled) or a line was
        invalid, else 0."""
        failed = any(kind != "succeeded" for kind in self.counts)
        return 1 if failed or self.invalid else 0

    def report(self, out: IO[str]) -> None:
        prompt = self.input_tokens + self.cache_read + self.cache_write
        hit = self.cache_read / prompt if prompt else 0.0
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())) or "nothing new"
        print(
            f"results: {counts}\n"
            f"tokens: {self.input_tokens} in, {self.output_tokens} out, "
            f"{self.cache_read} cache read, {self.cache_write} cache write "
            f"(cache hit rate {hit:.1%})\n"
            f"invalid input lines: {self.invalid}\n"
            f"wall time: {time.monotonic() - self.started:.1f}s",
            file=out,
            flush=True,
        )


class _Output:
    """The results file and `<out>.failed.jsonl`, appended and flushed per result."""

    def __init__(self, path: str, done: set[str], summary: _Summary) -> None:
        self.done = done
        self.summary = summary
        self._out = open(path, "a", encoding="utf-8")
        self._failed_path = path + ".failed.jsonl"
        self._failed: IO[str] | None = None

    def write(self, custom_id: str, result: dict[str, Any], params: dict[str, Any] | None) -> None:
        if custom_id in self.done:
            return
        self.done.add(custom_id)
        self.summary.add(result)
        line = json.dumps({"custom_id": custom_id, "result": result}, separators=(",", ":"))
        self._out.write(line + "\n")
        self._out.flush()
        if result.get("type") != "succeeded":
            if self._failed is None:
                self._failed = open(self._failed_path, "a", encoding="utf-8")
            failed: dict[str, Any] = {"custom_id": custom_id, "result": result}
            if params is not None:
                failed["params"] = params
            self._failed.write(json.dumps(failed, separators=(",", ":")) + "\n")
            self._failed.flush()

    def close(self) -> None:
        self._out.close()
        if self._failed is not None:
            self._failed.close()


def _error_result(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, APIStatusError):
        kind = exc.type or "api_error"
    elif isinstance(exc, ClaudeError):
        kind = "api_error"
    else:
        kind = "invalid_request_error"
    return {
        "type": "errored",
        "error": {"type": "error", "error": {"type": kind, "message": str(exc)}},
    }


class _Bar:
    """A live progress line on a terminal, plain log lines otherwise."""

    def __init__(self, err: IO[str], total: int | None) -> None:
        self.err = err
        self.total = total
        self.tty = err.isatty()

    def show(self, done: int, failed: int, in_flight: int, rate: float, extra: str = "") -> None:
        total = self.total
        eta = ""
        if total and rate > 0:
            eta = f" ETA {max(total - done, 0) / rate:.0f}s"
        counts = f"{done}/{total}" if total is not None else f"{done}"
        text = (
            f"{counts} done, {failed} failed, {in_flight} in flight, {rate:.1f} req/s{eta}{extra}"
        )
        if self.tty:
            width = 24
            filled = round(width * done / total) if total else 0
            bar = "#" * filled + "-" * (width - filled)
            self.err.write(f"\r[{bar}] {text}\x1b[K")
            self.err.flush()
        else:
            print(text, file=self.err, flush=True)

    def finish(self) -> None:
        if self.tty:
            self.err.write("\n")
            self.err.flush()


def _client(args: argparse.Namespace) -> Any:
    from ._client import AsyncClaude

    return AsyncClaude(api_key=args.api_key, base_url=args.base_url)


def _shared_pacer(url: str | None) -> Any:
    if url is None:
        return None
    from ._secret import SecretStr
    from ._shared_pacer import RedisPacer

    url = SecretStr(url)  # it may hold a password; tracebacks may show locals
    try:
        return RedisPacer(url)
    except ValueError as exc:
        raise SystemExit(f"--redis: {exc}") from None


def _dry_run(requests: Iterable[dict[str, Any]], batches: int | None) -> int:
    count = size = output = 0
    for request in requests:
        count += 1
        size += len(json.dumps(request["params"], separators=(",", ":")).encode())
        output += int(request["params"].get("max_tokens") or 0)
    print(
        f"dry run: {count} requests to send, about {math.ceil(size / _BYTES_PER_TOKEN)} input "
        f"tokens, at most {output} output tokens"
        + (f", in {batches} batch(es)" if batches is not None else ""),
        flush=True,
    )
    return 0


async def _run(args: argparse.Namespace) -> int:
    from ._runner import Progress, Runner

    err = sys.stderr
    done = _load_done(args.output)
    total = max(_count_lines(args.input) - len(done), 0)
    summary = _Summary()
    requests = _read_input(args.input, set(done), err, summary)
    if args.dry_run:
        return _dry_run(requests, None)
    output = _Output(args.output, done, summary)
    bar = _Bar(err, total)
    params_of: dict[int, dict[str, Any]] = {}

    def remember() -> Iterator[dict[str, Any]]:
        for index, request in enumerate(requests):
            params_of[index] = request["params"]
            yield request

    def show(progress: Progress) -> None:
        bar.show(
            progress.done,
            progress.failed,
            progress.in_flight,
            progress.requests_per_second,
            f", {progress.input_tokens} in / {progress.output_tokens} out tokens",
        )

    try:
        async with _client(args) as client:
            runner = Runner(
                client,
                concurrency=args.concurrency,
                max_retries=args.max_retries,
                max_retry_wait=args.max_retry_wait,
                pacer=_shared_pacer(args.redis),
            )
            async with runner.map(
                remember(),
                total=total,
                on_progress=show,
                progress_interval=args.progress_interval,
            ) as results:
                async for result in results:
                    params = params_of.pop(result.index, None)
                    assert result.custom_id is not None
                    if result.message is not None:
                        line: dict[str, Any] = {
                            "type": "succeeded",
                            "message": result.message.to_dict(),
                        }
                    else:
                        assert result.error is not None
                        line = _error_result(result.error)
                    output.write(result.custom_id, line, params)
    finally:
        output.close()
        bar.finish()
    summary.report(sys.stdout)
    return summary.status()


def _split(
    requests: list[dict[str, Any]], max_requests: int, max_bytes: int
) -> list[list[dict[str, Any]]]:
    """Requests in batches within the API's per-batch count and size limits."""
    chunks: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = len(b'{"requests":[]}')
    for request in requests:
        encoded = len(json.dumps(request, separators=(",", ":")).encode()) + 1
        if encoded + len(b'{"requests":[]}') > max_bytes:
            raise SystemExit(f"request {request['custom_id']!r} alone is over {max_bytes} bytes")
        if current and (len(current) >= max_requests or size + encoded > max_bytes):
            chunks.append(current)
            current, size = [], len(b'{"requests":[]}')
        current.append(request)
        size += encoded
    if current:
        chunks.append(current)
    return chunks


def _load_state(path: str) -> dict[str, Any]:
    if not os.path.exists(path):
        return {"batches": []}
    with open(path, encoding="utf-8") as state:
        loaded: dict[str, Any] = json.load(state)
    return loaded


def _save_state(path: str, state: dict[str, Any]) -> None:
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as out:
        json.dump(state, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


async def _submit(args: argparse.Namespace) -> int:
    err = sys.stderr
    state_path = args.output + ".state.json"
    state = _load_state(state_path)
    done = _load_done(args.output)
    submitted = {cid for batch in state["batches"] for cid in batch["custom_ids"]}
    summary = _Summary()
    pending = list(_read_input(args.input, set(done), err, summary))
    requests = [r for r in pending if r["custom_id"] not in submitted]
    if args.dry_run:
        return _dry_run(
            requests, len(_split(requests, args.max_batch_requests, args.max_batch_bytes))
        )
    # For `<out>.failed.jsonl`, batches submitted by an earlier run included.
    params_of = {r["custom_id"]: r["params"] for r in pending}
    async with _client(args) as client:
        for chunk in _split(requests, args.max_batch_requests, args.max_batch_bytes):
            batch = await client.messages.batches.create(requests=chunk)
            state["batches"].append(
                {"id": batch.id, "custom_ids": [r["custom_id"] for r in chunk], "done": False}
            )
            _save_state(state_path, state)
            print(f"submitted {batch.id} with {len(chunk)} requests", file=err, flush=True)
        output = _Output(args.output, done, summary)
        try:
            for entry in state["batches"]:
                if entry["done"]:
                    continue
                bar = _Bar(err, len(entry["custom_ids"]))

                def poll(batch: Any, bar: _Bar = bar) -> None:
                    counts = batch.request_counts
                    finished = counts.succeeded + counts.errored + counts.canceled + counts.expired
                    failed = counts.errored + counts.canceled + counts.expired
                    bar.show(finished, failed, counts.processing, 0.0, f" ({batch.id})")

                if args.wait:
                    batch = await client.messages.batches.wait(
                        entry["id"],
                        poll_interval=args.poll_interval,
                        max_poll_interval=args.max_poll_interval,
                        on_poll=poll,
                    )
                    bar.finish()
                else:
                    batch = await client.messages.batches.retrieve(entry["id"])
                if batch.processing_status != "ended":
                    print(
                        f"{entry['id']} is {batch.processing_status}; rerun to collect its "
                        "results (add --wait to wait for them)",
                        file=err,
                        flush=True,
                    )
                    continue
                async with client.messages.batches.results(entry["id"]) as results:
                    async for item in results:
                        line = item.to_dict()
                        output.write(
                            line["custom_id"], line["result"], params_of.get(line["custom_id"])
                        )
                entry["done"] = True
                _save_state(state_path, state)
        finally:
            output.close()
    summary.report(sys.stdout)
    if any(not entry["done"] for entry in state["batches"]):
        return 3
    return summary.status()


def add_batch_parser(commands: Any) -> argparse.ArgumentParser:
    """Add `batch run` and `batch submit` to the `anyio-claude` subcommands."""
    batch: argparse.ArgumentParser = commands.add_parser(
        "batch", help="send a JSONL file of batch requests: paced from here, or as Message Batches"
    )
    which = batch.add_subparsers(dest="batch_command", required=True)
    run = which.add_parser("run", help="send the requests from here, paced at the rate limits")
    submit = which.add_parser("submit", help="send the requests as Message Batches (half price)")
    for command in (run, submit):
        command.add_argument("input", help="JSONL: one {custom_id, params} request a line")
        command.add_argument("-o", "--output", required=True, help="JSONL results (appended)")
        command.add_argument("--dry-run", action="store_true", help="validate and estimate only")
        command.add_argument("--api-key", help="default: ANTHROPIC_API_KEY")
        command.add_argument("--base-url", help="default: ANTHROPIC_BASE_URL or the API")
        command.add_argument("--backend", choices=("asyncio", "trio"), default=argparse.SUPPRESS)
    run.add_argument("--concurrency", type=int, default=64, help="requests in flight at most")
    run.add_argument("--max-retries", type=int, default=8)
    run.add_argument(
        "--max-retry-wait", type=float, default=300.0, help="longest pause for a 429, seconds"
    )
    run.add_argument("--progress-interval", type=float, default=1.0, help="seconds")
    run.add_argument(
        "--redis",
        metavar="URL",
        help="share the rate limits with every process given the same Redis "
        "(redis://host:6379/0); without it, processes on one key still share them, "
        "each inferring the others from the reply headers",
    )
    submit.add_argument(
        "--max-batch-requests",
        type=int,
        default=MAX_BATCH_REQUESTS,
        help="requests per Message Batch (the API's limit: 100,000)",
    )
    submit.add_argument(
        "--max-batch-bytes",
        type=int,
        default=MAX_BATCH_BYTES,
        help="bytes per Message Batch (the API's limit: 256 MB)",
    )
    submit.add_argument("--wait", action="store_true", help="wait for the batches to end")
    submit.add_argument("--poll-interval", type=float, default=5.0, help="first poll, seconds")
    submit.add_argument("--max-poll-interval", type=float, default=60.0, help="seconds")
    return batch


def run_batch_command(args: argparse.Namespace) -> int:
    """Run `batch run` or `batch submit`; returns the exit status (1: some requests
    did not succeed or input lines were invalid, 3: batches still processing)."""
    if not os.path.exists(args.input):
        raise SystemExit(f"input: no such file {args.input!r}")
    if args.batch_command == "run" and args.concurrency < 1:
        raise SystemExit("--concurrency must be at least 1")
    if args.batch_command == "submit" and (args.max_batch_requests < 1 or args.max_batch_bytes < 1):
        raise SystemExit("--max-batch-requests and --max-batch-bytes must be positive")
    command = _run if args.batch_command == "run" else _submit
    try:
        status: int = anyio.run(command, args, backend=args.backend)
    except BaseException as exc:
        if not _interrupted(exc):
            raise
        print("interrupted: rerun the same command to resume", file=sys.stderr)
        return 130
    return status


# Before Python 3.11 the asyncio runner (anyio's backport of asyncio.Runner) turns Ctrl-C
# into cancelling the main task but, without Task.uncancel, cannot turn it back into a
# KeyboardInterrupt: the CancelledError leaves anyio.run, which nothing else makes it do.
_CANCEL_MEANS_CTRL_C = sys.version_info < (3, 11)


def _interrupted(exc: BaseException) -> bool:
    """Whether Ctrl-C ended the run: a `KeyboardInterrupt`, or an exception group holding
    one (trio raises it in whichever task runs, and the task group wraps it)."""
    if isinstance(exc, KeyboardInterrupt):
        return True
    if _CANCEL_MEANS_CTRL_C and type(exc).__name__ == "CancelledError":
        return True
    inner: object = getattr(exc, "exceptions", None)
    if not isinstance(inner, tuple):
        return False
    members = cast("tuple[object, ...]", inner)
    return any(isinstance(e, BaseException) and _interrupted(e) for e in members)
