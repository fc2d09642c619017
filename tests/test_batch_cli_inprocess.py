"""`anyio-claude batch run|submit` in this process: `run_batch_command` against a
FakeClaude served from a blocking portal's thread, so that its exact messages, counts and
files are pinned where a mutation test sees them (the end-to-end tests in
`test_batch_cli.py` run it in subprocesses)."""

from __future__ import annotations

import _thread
import io
import json
import math
import re
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import pytest

from anyio_claude import APIStatusError, ClaudeError, NotFoundError
from anyio_claude._batch_cli import (
    _Bar,
    _error_result,
    _interrupted,
    _Output,
    _split,
    _Summary,
    run_batch_command,
)
from anyio_claude.cli import _parser
from anyio_claude.testing import FakeClaude, Fault
from anyio_claude.testing._routing import ApiRequest, error_response

MODEL = "claude-sonnet-5-5"
BACKENDS = ["asyncio", "trio"]


@pytest.fixture(scope="module")
def portal() -> Iterator[anyio.from_thread.BlockingPortal]:
    with anyio.from_thread.start_blocking_portal() as portal:
        yield portal


@pytest.fixture
def server(portal: anyio.from_thread.BlockingPortal) -> Iterator[FakeClaude]:
    with portal.wrap_async_context_manager(FakeClaude(batch_seconds=1.0)) as fake:
        yield fake


def request(custom_id: str, **params: Any) -> str:
    base = {"model": MODEL, "max_tokens": 32, "messages": [{"role": "user", "content": "hi"}]}
    return json.dumps({"custom_id": custom_id, "params": {**base, **params}})


def batch(server: FakeClaude, backend: str, *argv: str) -> int:
    args = _parser().parse_args(
        ["--backend", backend, "batch", *argv, "--api-key", "sk-test", "--base-url", server.url]
    )
    return run_batch_command(args)


def compact(line: str) -> str:
    return json.dumps(json.loads(line), separators=(",", ":"))


def records(path: Path | str) -> list[Any]:
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def sent(server: FakeClaude, path: str = "/v1/messages") -> int:
    return len([r for r in server.requests if r.path == path])


@pytest.mark.parametrize("backend", BACKENDS)
def test_run_reports_each_invalid_line_and_writes_every_result(
    server: FakeClaude, backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    lines = [
        request("a-1"),
        "",  # blank lines are skipped, not counted
        "{not json",
        "[1]",
        json.dumps({"custom_id": 5, "params": {}}),
        json.dumps({"custom_id": "a" * 65, "params": {}}),
        request("a-1"),
        json.dumps({"custom_id": "p-1", "params": [1]}),
        json.dumps({"custom_id": "m-1", "params": {"max_tokens": 1, "messages": []}}),
        json.dumps({"custom_id": "m-2", "params": {"model": MODEL, "max_tokens": 1}}),
        json.dumps({"custom_id": "m-3", "params": {"model": MODEL, "messages": []}}),
        request("s-1", stream=True),
        request("s-2", stream=False),
        request("Z_9-z"),
        request("bad", model="nope"),
        "   ",
    ]
    requests.write_text("\n".join(lines) + "\n")
    status = batch(server, backend, "run", str(requests), "-o", str(out))
    captured = capsys.readouterr()
    assert status == 1, captured.err
    invalid = [line for line in captured.err.splitlines() if "invalid request" in line]
    assert invalid == [
        f"{requests}:3: invalid request: not JSON (Expecting property name enclosed in double "
        "quotes: line 1 column 2 (char 1))",
        f"{requests}:4: invalid request: not a JSON object",
        f"{requests}:5: invalid request: custom_id 5 must match ^[a-zA-Z0-9_-]{{1,64}}$",
        f"{requests}:6: invalid request: custom_id '{'a' * 65}' must match ^[a-zA-Z0-9_-]{{1,64}}$",
        f"{requests}:7: invalid request: custom_id 'a-1' repeats an earlier line",
        f"{requests}:8: invalid request: params must be an object",
        f"{requests}:9: invalid request: params.model is required",
        f"{requests}:10: invalid request: params.messages is required",
        f"{requests}:11: invalid request: params.max_tokens is required",
        f"{requests}:12: invalid request: params.stream: batch requests are not streamed",
    ]
    assert sent(server) == 4
    results = {r["custom_id"]: r["result"] for r in records(out)}
    assert sorted(results) == ["Z_9-z", "a-1", "bad", "s-2"]
    assert results["a-1"]["type"] == "succeeded"
    assert results["a-1"]["message"]["model"] == MODEL
    error = results["bad"]
    assert error["type"] == "errored"
    assert error["error"]["type"] == "error"
    assert error["error"]["error"]["type"] == "not_found_error"
    assert error["error"]["error"]["message"].startswith("404 model: nope (request_id: ")
    # Compact lines, one a result.
    assert all(line == compact(line) for line in out.read_text().splitlines())
    (failed,) = records(f"{out}.failed.jsonl")
    assert failed == {
        "custom_id": "bad",
        "result": error,
        "params": {
            "model": "nope",
            "max_tokens": 32,
            "messages": [{"role": "user", "content": "hi"}],
        },
    }
    usage = [r["message"]["usage"] for r in results.values() if r["type"] == "succeeded"]
    tokens_in = sum(u["input_tokens"] for u in usage)
    tokens_out = sum(u["output_tokens"] for u in usage)
    assert tokens_in > 0 and tokens_out > 0
    summary = captured.out.splitlines()
    assert summary[:3] == [
        "results: errored 1, succeeded 3",
        f"tokens: {tokens_in} in, {tokens_out} out, 0 cache read, 0 cache write "
        "(cache hit rate 0.0%)",
        "invalid input lines: 10",
    ]
    assert summary[3].startswith("wall time: ") and summary[3].endswith("s")
    assert len(summary) == 4


@pytest.mark.parametrize("backend", BACKENDS)
def test_run_counts_cache_tokens_and_resumes_after_a_torn_line(
    server: FakeClaude, backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    requests.write_text("\n".join(request(f"q-{i}") for i in range(6)) + "\n")
    done = {"type": "succeeded", "message": {"usage": {"input_tokens": 1}}}
    # q-0 and q-1 are done; a line that is not an object and one without a string id
    # are ignored; q-2's line was torn by a kill: cut, and q-2 sent again.
    out.write_text(
        json.dumps({"custom_id": "q-0", "result": done})
        + "\n[]\n"
        + json.dumps({"custom_id": 7})
        + "\nnot json\n"
        + json.dumps({"custom_id": "q-1", "result": done})
        + '\n{"custom_id": "q-2", "resu'
    )
    status = batch(server, backend, "run", str(requests), "-o", str(out), "--concurrency", "1")
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert sent(server) == 4
    lines = out.read_text().splitlines()
    assert len(lines) == 5 + 4 and all(line.endswith(("}", "]", "json")) for line in lines)
    assert sorted(json.loads(line)["custom_id"] for line in lines[5:]) == [
        "q-2",
        "q-3",
        "q-4",
        "q-5",
    ]
    assert captured.out.splitlines()[0] == "results: succeeded 4"
    assert "invalid input lines: 0" in captured.out
    # Progress lines on a pipe: the total is the lines not done yet (6 - 2).
    progress = [line for line in captured.err.splitlines() if " done, " in line]
    assert progress, captured.err
    assert progress[-1].startswith("4/4 done, 0 failed, 0 in flight, "), progress
    assert progress[-1].endswith(" out tokens"), progress
    assert not Path(f"{out}.failed.jsonl").exists()
    # Nothing left: a total of 0, not 1.
    assert batch(server, backend, "run", str(requests), "-o", str(out)) == 0
    progress = [line for line in capsys.readouterr().err.splitlines() if " done, " in line]
    assert progress and all(line.startswith("0/0 done, ") for line in progress), progress


@pytest.mark.parametrize("backend", BACKENDS)
def test_run_counts_cache_reads_and_writes(
    server: FakeClaude, backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    cached = {
        "type": "text",
        "text": "a long cached system prompt " * 300,
        "cache_control": {"type": "ephemeral"},
    }
    requests.write_text(
        "\n".join(request(f"c-{i}", system=[cached]) for i in range(3)) + "\n",
    )
    status = batch(server, backend, "run", str(requests), "-o", str(out), "--concurrency", "1")
    captured = capsys.readouterr()
    assert status == 0, captured.err
    usage = [r["result"]["message"]["usage"] for r in records(out)]
    read = sum(u.get("cache_read_input_tokens") or 0 for u in usage)
    write = sum(u.get("cache_creation_input_tokens") or 0 for u in usage)
    plain = sum(u["input_tokens"] for u in usage)
    out_tokens = sum(u["output_tokens"] for u in usage)
    assert read > 0 and write > 0, usage
    hit = read / (plain + read + write)
    assert captured.out.splitlines()[1] == (
        f"tokens: {plain} in, {out_tokens} out, {read} cache read, {write} cache write "
        f"(cache hit rate {hit:.1%})"
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_dry_runs_estimate_without_sending(
    server: FakeClaude, backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    lines = [request(f"q-{i}", max_tokens=10 + i) for i in range(5)]
    lines.append(request("null", max_tokens=None))  # counts no output tokens
    lines.append(json.dumps({"custom_id": "z", "params": {"model": MODEL}}))
    requests.write_text("\n".join(lines) + "\n")
    size = sum(
        len(json.dumps(json.loads(line)["params"], separators=(",", ":"))) for line in lines[:6]
    )
    tokens = math.ceil(size / 3.5)
    assert batch(server, backend, "run", str(requests), "-o", str(out), "--dry-run") == 0
    captured = capsys.readouterr()
    assert captured.out == (
        f"dry run: 6 requests to send, about {tokens} input tokens, at most 60 output tokens\n"
    )
    assert f"{requests}:7: invalid request: params.messages is required" in captured.err
    argv = ["submit", str(requests), "-o", str(out), "--dry-run", "--max-batch-requests", "2"]
    assert batch(server, backend, *argv) == 0
    assert capsys.readouterr().out == (
        f"dry run: 6 requests to send, about {tokens} input tokens, at most 60 output tokens, "
        "in 3 batch(es)\n"
    )
    assert server.requests == [] and not out.exists()


@pytest.mark.parametrize("backend", BACKENDS)
def test_submit_splits_keeps_state_and_collects_on_a_rerun(
    server: FakeClaude, backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    state_path = Path(f"{out}.state.json")
    requests.write_text("\n".join(request(f"q-{i}") for i in range(5)) + "\n")
    argv = ["submit", str(requests), "-o", str(out), "--max-batch-requests", "2"]
    # Without --wait: submitted, still processing: exit status 3, nothing collected.
    assert batch(server, backend, *argv) == 3
    captured = capsys.readouterr()
    state = json.loads(state_path.read_text())
    ids = [entry["id"] for entry in state["batches"]]
    assert [entry["custom_ids"] for entry in state["batches"]] == [
        ["q-0", "q-1"],
        ["q-2", "q-3"],
        ["q-4"],
    ]
    assert [entry["done"] for entry in state["batches"]] == [False] * 3
    submitted = [line for line in captured.err.splitlines() if line.startswith("submitted")]
    assert submitted == [
        f"submitted {ids[0]} with 2 requests",
        f"submitted {ids[1]} with 2 requests",
        f"submitted {ids[2]} with 1 requests",
    ]
    for batch_id in ids:
        assert (
            f"{batch_id} is in_progress; rerun to collect its results (add --wait to wait for them)"
        ) in captured.err
    assert captured.out.splitlines()[0] == "results: nothing new"
    assert not Path(f"{state_path}.tmp").exists()
    # The rerun submits nothing new and waits for the three.
    assert batch(server, backend, *argv, "--wait", "--poll-interval", "0.02") == 0
    captured = capsys.readouterr()
    assert sent(server, "/v1/messages/batches") == 3
    assert [entry["done"] for entry in json.loads(state_path.read_text())["batches"]] == [True] * 3
    assert sorted(r["custom_id"] for r in records(out)) == [f"q-{i}" for i in range(5)]
    assert captured.out.splitlines()[0] == "results: succeeded 5"
    # The poll's progress: finished of the batch's requests, and its id.
    polls = [line for line in captured.err.splitlines() if f"({ids[2]})" in line]
    assert polls[-1] == f"1/1 done, 0 failed, 0 in flight, 0.0 req/s ({ids[2]})", polls
    # A third run has nothing left to do.
    assert batch(server, backend, *argv) == 0
    assert capsys.readouterr().out.splitlines()[0] == "results: nothing new"
    assert sent(server, "/v1/messages/batches") == 3


@pytest.mark.parametrize("backend", BACKENDS)
def test_submit_splits_by_size_and_keeps_failures_with_their_params(
    server: FakeClaude, backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    lines = [request(f"q-{i}") for i in range(3)] + [request("bad", model="nope")]
    requests.write_text("\n".join(lines) + "\n")
    one = len(compact(lines[0])) + 1
    argv = ["submit", str(requests), "-o", str(out), "--wait", "--poll-interval", "0.02"]
    # Room for exactly two requests a batch.
    limit = len(b'{"requests":[]}') + 2 * one
    assert batch(server, backend, *argv, "--max-batch-bytes", str(limit)) == 1
    captured = capsys.readouterr()
    state = json.loads(Path(f"{out}.state.json").read_text())
    assert [entry["custom_ids"] for entry in state["batches"]] == [["q-0", "q-1"], ["q-2", "bad"]]
    (failed,) = records(f"{out}.failed.jsonl")
    assert failed["custom_id"] == "bad" and failed["params"]["model"] == "nope"
    assert "results: errored 1, succeeded 3" in captured.out


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_request_over_the_batch_size_alone_is_refused(
    server: FakeClaude, backend: str, tmp_path: Path
) -> None:
    requests, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    requests.write_text(request("big") + "\n")
    limit = len(b'{"requests":[]}') + len(compact(request("big")))  # one byte short
    with pytest.raises(SystemExit, match=rf"^request 'big' alone is over {limit} bytes$"):
        batch(
            server,
            backend,
            "submit",
            str(requests),
            "-o",
            str(out),
            "--max-batch-bytes",
            str(limit),
        )
    assert server.requests == []


def test_split_fits_each_batch_to_the_limits() -> None:
    items = [{"custom_id": f"q-{i}", "params": {}} for i in range(5)]
    one = len(json.dumps(items[0], separators=(",", ":"))) + 1
    empty = len(b'{"requests":[]}')
    ids = [[r["custom_id"] for r in chunk] for chunk in _split(items, 2, 10**6)]
    assert ids == [["q-0", "q-1"], ["q-2", "q-3"], ["q-4"]]
    ids = [[r["custom_id"] for r in chunk] for chunk in _split(items, 10, empty + 3 * one)]
    assert ids == [["q-0", "q-1", "q-2"], ["q-3", "q-4"]]
    ids = [[r["custom_id"] for r in chunk] for chunk in _split(items, 10, empty + 3 * one - 1)]
    assert ids == [["q-0", "q-1"], ["q-2", "q-3"], ["q-4"]]
    assert _split(items[:1], 1, empty + one) == [items[:1]]
    assert _split([], 1, 100) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "MISSING", "-o", "x"], "input: no such file 'MISSING'"),
        (["run", "IN", "-o", "x", "--concurrency", "0"], "--concurrency must be at least 1"),
        (
            ["submit", "IN", "-o", "x", "--max-batch-requests", "0"],
            "--max-batch-requests and --max-batch-bytes must be positive",
        ),
        (
            ["submit", "IN", "-o", "x", "--max-batch-bytes", "0"],
            "--max-batch-requests and --max-batch-bytes must be positive",
        ),
        (
            ["run", "IN", "-o", "x", "--redis", "http://user:pw@nope"],
            "--redis: pacer: a Redis URL must start with redis://, got 'http://***@nope'",
        ),
    ],
    ids=["no-input", "concurrency", "batch-requests", "batch-bytes", "redis-url"],
)
def test_wrong_arguments_are_refused_before_any_request(
    server: FakeClaude, tmp_path: Path, argv: list[str], message: str
) -> None:
    (tmp_path / "IN").write_text(request("q-1") + "\n")
    argv = [str(tmp_path / a) if a in ("IN", "x") else a for a in argv]
    with pytest.raises(SystemExit) as caught:
        batch(server, "asyncio", *argv)
    assert caught.value.code == message
    assert server.requests == []


def test_the_options_help_and_types(capsys: pytest.CaptureFixture[str]) -> None:
    parser = _parser()
    helps: dict[str, str] = {}
    for command in ("run", "submit"):
        with pytest.raises(SystemExit):
            parser.parse_args(["batch", command, "--help"])
        # Python 3.13's argparse names a short option's metavar once: "-o, --output OUTPUT".
        text = " ".join(capsys.readouterr().out.split())
        helps[command] = text.replace("-o OUTPUT, --output OUTPUT", "-o, --output OUTPUT")
    with pytest.raises(SystemExit):
        parser.parse_args(["batch", "--help"])
    commands = " ".join(capsys.readouterr().out.split())
    assert "run send the requests from here, paced at the rate limits" in commands
    assert "submit send the requests as Message Batches (half price)" in commands
    for text in helps.values():
        for expected in (
            "input JSONL: one {custom_id, params} request a line",
            "-o, --output OUTPUT JSONL results (appended)",
            "--dry-run validate and estimate only",
            "--api-key API_KEY default: ANTHROPIC_API_KEY",
            "--base-url BASE_URL default: ANTHROPIC_BASE_URL or the API",
            "--backend {asyncio,trio}",
        ):
            assert expected in text, (expected, text)
    run, submit = helps["run"], helps["submit"]
    assert "--concurrency CONCURRENCY requests in flight at most" in run
    assert "--max-retries MAX_RETRIES" in run
    assert "--max-retry-wait MAX_RETRY_WAIT longest pause for a 429, seconds" in run
    assert "--progress-interval PROGRESS_INTERVAL seconds" in run
    assert (
        "--redis URL share the rate limits with every process given the same Redis "
        "(redis://host:6379/0); without it, processes on one key still share them, each "
        "inferring the others from the reply headers"
    ) in run
    assert "--max-batch-requests MAX_BATCH_REQUESTS requests per Message Batch (the API's " in (
        submit
    )
    assert (
        "--max-batch-bytes MAX_BATCH_BYTES bytes per Message Batch (the API's limit: 256 MB)"
        in (submit)
    )
    assert "--wait wait for the batches to end" in submit
    assert "--poll-interval POLL_INTERVAL first poll, seconds" in submit
    assert "--max-poll-interval MAX_POLL_INTERVAL seconds" in submit
    # A subcommand is required.
    with pytest.raises(SystemExit):
        parser.parse_args(["batch"])
    capsys.readouterr()
    args = parser.parse_args(
        [
            *["batch", "run", "in", "-o", "out", "--max-retries", "3", "--max-retry-wait", "2"],
            *["--progress-interval", "0.5", "--concurrency", "7", "--backend", "trio"],
        ]
    )
    assert (args.max_retries, args.max_retry_wait, args.progress_interval) == (3, 2.0, 0.5)
    assert [type(v) for v in (args.max_retries, args.max_retry_wait, args.progress_interval)] == [
        int,
        float,
        float,
    ]
    assert (args.concurrency, args.backend) == (7, "trio")
    args = parser.parse_args(
        [
            *["batch", "submit", "in", "-o", "out", "--poll-interval", "2"],
            *["--max-poll-interval", "9", "--max-batch-requests", "5", "--max-batch-bytes", "99"],
        ]
    )
    assert (args.poll_interval, args.max_poll_interval) == (2.0, 9.0)
    assert (args.max_batch_requests, args.max_batch_bytes) == (5, 99)
    assert type(args.poll_interval) is float and type(args.max_batch_bytes) is int


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_interrupt_says_how_to_resume(
    server: FakeClaude, backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    requests.write_text("\n".join(request(f"q-{i}") for i in range(4)) + "\n")

    def interrupting(route: Route) -> Route:
        async def handler(request: ApiRequest) -> Any:
            _thread.interrupt_main()  # Ctrl-C in the command's thread
            await anyio.sleep(5)
            return await route(request)

        return handler

    wrap_route(server, "/v1/messages", interrupting)
    assert batch(server, backend, "run", str(requests), "-o", str(out)) == 130
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == "interrupted: rerun the same command to resume"


def test_the_defaults_of_run_and_submit() -> None:
    args = _parser().parse_args(["batch", "run", "in", "-o", "out"])
    assert (args.concurrency, args.max_retries, args.max_retry_wait) == (64, 8, 300.0)
    assert (args.progress_interval, args.redis, args.dry_run) == (1.0, None, False)
    args = _parser().parse_args(["batch", "submit", "in", "-o", "out"])
    assert (args.max_batch_requests, args.max_batch_bytes) == (100_000, 256 * 1024 * 1024)
    assert (args.wait, args.poll_interval, args.max_poll_interval) == (False, 5.0, 60.0)


def test_error_results_name_the_api_error_type() -> None:
    status = NotFoundError("no such model", status_code=404, type="not_found_error")
    assert _error_result(status) == {
        "type": "errored",
        "error": {
            "type": "error",
            "error": {"type": "not_found_error", "message": "no such model"},
        },
    }
    untyped = APIStatusError("teapot", status_code=418)
    assert _error_result(untyped)["error"]["error"] == {"type": "api_error", "message": "teapot"}
    assert _error_result(ClaudeError("lost"))["error"]["error"] == {
        "type": "api_error",
        "message": "lost",
    }
    assert _error_result(ValueError("bad"))["error"]["error"] == {
        "type": "invalid_request_error",
        "message": "bad",
    }


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_on_a_terminal_and_on_a_pipe() -> None:
    terminal = _Terminal()
    bar = _Bar(terminal, 8)
    bar.show(2, 1, 3, 0.5, ", extra")
    bar.show(8, 1, 0, 4.0)
    bar.finish()
    assert terminal.getvalue() == (
        "\r[######------------------] 2/8 done, 1 failed, 3 in flight, 0.5 req/s ETA 12s, "
        "extra\x1b[K"
        "\r[########################] 8/8 done, 1 failed, 0 in flight, 4.0 req/s ETA 0s\x1b[K"
        "\n"
    )
    unknown = _Terminal()
    bar = _Bar(unknown, None)
    bar.show(3, 0, 1, 2.0)
    assert (
        unknown.getvalue()
        == "\r[------------------------] 3 done, 0 failed, 1 in flight, 2.0 req/s\x1b[K"
    )
    pipe = _Flushes()
    bar = _Bar(pipe, 10)
    bar.show(12, 0, 0, 0.0)
    bar.show(4, 0, 0, 2.0)
    bar.show(12, 0, 0, 0.5)  # more than the total: no time left
    bar.finish()
    assert pipe.getvalue() == (
        "12/10 done, 0 failed, 0 in flight, 0.0 req/s\n"
        "4/10 done, 0 failed, 0 in flight, 2.0 req/s ETA 3s\n"
        "12/10 done, 0 failed, 0 in flight, 0.5 req/s ETA 0s\n"
    )
    assert pipe.held == [] and pipe.flushed == pipe.getvalue()
    zero = _Terminal()
    _Bar(zero, 0).show(0, 0, 0, 1.0)
    assert (
        zero.getvalue()
        == "\r[------------------------] 0/0 done, 0 failed, 0 in flight, 1.0 req/s\x1b[K"
    )


Route = Callable[[ApiRequest], Awaitable[Any]]


def wrap_route(server: FakeClaude, path: str, wrapper: Callable[[Route], Route]) -> None:
    index = next(i for i, (p, _) in enumerate(server.routes) if p == path)
    server.routes[index] = (path, wrapper(server.routes[index][1]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_run_keeps_to_its_concurrency_retries_and_progress_interval(
    server: FakeClaude, backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    requests.write_text("\n".join(request(f"q-{i}") for i in range(8)) + "\n")
    in_flight = peak = 0

    def slow(route: Route) -> Route:
        async def handler(request: ApiRequest) -> Any:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                await anyio.sleep(0.05)
                return await route(request)
            finally:
                in_flight -= 1

        return handler

    wrap_route(server, "/v1/messages", slow)
    server.faults.append(Fault("overloaded", nth=1))
    argv = ["run", str(requests), "-o", str(out), "--concurrency", "2", "--max-retries", "0"]
    status = batch(server, backend, *argv, "--progress-interval", "0.02")
    captured = capsys.readouterr()
    assert status == 1, captured.err
    assert peak == 2
    # Not retried: one errored result.
    assert captured.out.splitlines()[0] == "results: errored 1, succeeded 7"
    # A line every 0.02 s of a run of 4 x 0.05 s at the least.
    progress = [line for line in captured.err.splitlines() if " done, " in line]
    assert len(progress) >= 5, progress


@pytest.mark.parametrize("backend", BACKENDS)
def test_run_waits_for_a_429_no_longer_than_max_retry_wait(
    server: FakeClaude, backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    requests.write_text(request("q-0") + "\n")
    calls = 0

    def limited_once(route: Route) -> Route:
        async def handler(request: ApiRequest) -> Any:
            nonlocal calls
            calls += 1
            if calls == 1:
                return error_response(
                    429, "rate_limit_error", "slow down", "req_429", [("retry-after", "60")]
                )
            return await route(request)

        return handler

    wrap_route(server, "/v1/messages", limited_once)
    started = time.monotonic()
    argv = ["run", str(requests), "-o", str(out), "--max-retry-wait", "0.1"]
    assert batch(server, backend, *argv) == 0, capsys.readouterr().err
    # The server asked for 60 s; the cap is 0.1 s (the default cap is 300 s).
    assert time.monotonic() - started < 30
    assert calls == 2


def test_the_summary_and_the_output_files(tmp_path: Path) -> None:
    summary = _Summary()
    out = _Flushes()
    summary.report(out)
    lines = out.flushed.splitlines()
    assert lines[:3] == [
        "results: nothing new",
        "tokens: 0 in, 0 out, 0 cache read, 0 cache write (cache hit rate 0.0%)",
        "invalid input lines: 0",
    ]
    found = re.fullmatch(r"wall time: (\d+\.\d)s", lines[3])
    assert found and float(found[1]) < 30, lines
    assert summary.status() == 0
    summary.invalid = 1
    assert summary.status() == 1
    path = tmp_path / "out.jsonl"
    output = _Output(str(path), {"old"}, _Summary())
    ok = {"type": "succeeded", "message": {"usage": {"input_tokens": 3}}}
    output.write("old", ok, None)  # done by an earlier run
    output.write("new", ok, {"p": 1})
    output.write("new", {"type": "errored"}, {"p": 1})  # a repeat: the first result stays
    output.write("x", {"type": "expired"}, None)
    # Each line is written out (flushed) at once, before closing.
    assert path.read_text() == (
        '{"custom_id":"new","result":{"type":"succeeded","message":{"usage":'
        '{"input_tokens":3}}}}\n{"custom_id":"x","result":{"type":"expired"}}\n'
    )
    assert Path(f"{path}.failed.jsonl").read_text() == (
        '{"custom_id":"x","result":{"type":"expired"}}\n'
    )
    output.close()
    assert output.summary.counts == {"succeeded": 1, "expired": 1}
    assert output.summary.input_tokens == 3
    assert output.summary.status() == 1


class _Flushes(io.StringIO):
    """Records what had been flushed, and each line written before the last was
    flushed (a live log on a pipe would hold it back)."""

    flushed = ""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[str] = []

    def write(self, text: str) -> int:
        pending = self.getvalue()[len(self.flushed) :]
        if text != "\n" and pending.endswith("\n"):
            self.held.append(pending)
        return super().write(text)

    def flush(self) -> None:
        self.flushed = self.getvalue()


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_line_is_flushed_as_it_is_written(
    server: FakeClaude, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    requests, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    requests.write_text(request("q-0") + "\n" + request("q-1") + "\nnot json\n")
    stdout, stderr = _Flushes(), _Flushes()
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    argv = ["submit", str(requests), "-o", str(out), "--max-batch-requests", "1"]
    assert batch(server, backend, *argv, "--dry-run") == 0
    assert batch(server, backend, *argv) == 3  # submitted, still processing
    assert batch(server, backend, *argv, "--wait", "--poll-interval", "0.05") == 1
    for stream in (stdout, stderr):
        assert stream.held == [] and stream.flushed == stream.getvalue()
    assert "dry run: 2 requests" in stdout.getvalue()
    assert "submitted msgbatch_" in stderr.getvalue() and "is in_progress" in stderr.getvalue()
    assert " in flight, 0.0 req/s (msgbatch_" in stderr.getvalue()


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_interrupt_inside_a_task_group_is_an_interrupt(backend: str) -> None:
    async def failing(error: BaseException) -> None:
        async def child() -> None:
            raise error

        async with anyio.create_task_group() as group:
            group.start_soon(child)
            await anyio.sleep_forever()

    caught: list[BaseException] = []
    for error in (KeyboardInterrupt(), ValueError("not an interrupt")):
        try:
            anyio.run(failing, error, backend=backend)
        except BaseException as exc:
            caught.append(exc)
    interrupt, other = caught
    assert _interrupted(interrupt) and not _interrupted(other)
    assert _interrupted(KeyboardInterrupt()) and not _interrupted(ValueError())
