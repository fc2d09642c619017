"""`anyio-claude batch run|submit` end to end: subprocesses against a FakeClaude."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import pytest

from anyio_claude import AsyncClaude
from anyio_claude.testing import FakeClaude
from anyio_claude.testing._routing import ApiRequest

pytestmark = pytest.mark.anyio

MODEL = "claude-sonnet-5-5"


def write_input(path: Path, n: int, extra: list[str] | None = None) -> set[str]:
    lines = [
        json.dumps(
            {
                "custom_id": f"q-{i}",
                "params": {
                    "model": MODEL,
                    "max_tokens": 32,
                    "messages": [{"role": "user", "content": f"question {i}"}],
                },
            }
        )
        for i in range(n)
    ]
    path.write_text("\n".join([*lines, *(extra or [])]) + "\n")
    return {f"q-{i}" for i in range(n)}


def output_ids(path: Path) -> Counter[str]:
    return Counter(json.loads(line)["custom_id"] for line in path.read_text().splitlines())


def records(path: Path | str) -> list[Any]:
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def batches_in(state: Path) -> int:
    return len(records(state)[0]["batches"]) if state.exists() else 0


def lines_in(path: Path) -> int:
    return len(path.read_bytes().splitlines()) if path.exists() else 0


def env(server: FakeClaude) -> dict[str, str]:
    return {**os.environ, "ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": server.url}


async def cli(server: FakeClaude, *args: str) -> subprocess.CompletedProcess[bytes]:
    return await anyio.run_process(
        [sys.executable, "-m", "anyio_claude", "batch", *args], env=env(server), check=False
    )


def slow_messages(server: FakeClaude, delay: float) -> None:
    index = next(i for i, (p, _) in enumerate(server.routes) if p == "/v1/messages")
    route = server.routes[index][1]

    async def slow(request: ApiRequest) -> Any:
        await anyio.sleep(delay)
        return await route(request)

    server.routes[index] = ("/v1/messages", slow)


async def test_run_writes_every_result_and_reports_bad_lines(tmp_path: Path) -> None:
    requests, out = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    bad_model = json.dumps(
        {
            "custom_id": "bad-model",
            "params": {
                "model": "nope",
                "max_tokens": 5,
                "messages": [{"role": "user", "content": "x"}],
            },
        }
    )
    ids = write_input(
        requests, 120, ["{not json", json.dumps({"custom_id": "q-3", "params": {}}), bad_model]
    )
    async with FakeClaude() as server:
        done = await cli(server, "run", str(requests), "-o", str(out), "--concurrency", "16")
    stderr = done.stderr.decode()
    assert done.returncode == 1, stderr
    assert f"{requests}:121: invalid request: not JSON" in stderr
    assert f"{requests}:122: invalid request: custom_id 'q-3' repeats" in stderr
    assert output_ids(out) == Counter(ids | {"bad-model"})
    results = {record["custom_id"]: record["result"] for record in records(out)}
    assert results["q-7"]["type"] == "succeeded"
    assert results["q-7"]["message"]["content"][0]["text"]
    assert results["bad-model"]["error"]["error"]["type"] == "not_found_error"
    (failed,) = records(f"{out}.failed.jsonl")
    assert failed["custom_id"] == "bad-model" and failed["params"]["model"] == "nope"
    summary = done.stdout.decode()
    assert "results: errored 1, succeeded 120" in summary
    assert "invalid input lines: 2" in summary and "cache hit rate" in summary


async def test_invalid_lines_alone_make_the_exit_status_1(tmp_path: Path) -> None:
    requests, out = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    params = {"model": MODEL, "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
    # The pattern must match the whole custom_id, not a prefix of it.
    bad = [json.dumps({"custom_id": cid, "params": params}) for cid in ("ok-id!", "a" * 65)]
    ids = write_input(requests, 5, bad)
    async with FakeClaude() as server:
        done = await cli(server, "run", str(requests), "-o", str(out))
        assert len([r for r in server.requests if r.path == "/v1/messages"]) == 5
    stderr = done.stderr.decode()
    assert done.returncode == 1, stderr
    assert f"{requests}:6: invalid request: custom_id 'ok-id!' must match" in stderr
    assert f"{requests}:7: invalid request: custom_id '{'a' * 65}' must match" in stderr
    assert output_ids(out) == Counter(ids)
    assert "results: succeeded 5" in done.stdout.decode()
    assert "invalid input lines: 2" in done.stdout.decode()


async def test_expired_and_canceled_results_are_failures_to_retry(tmp_path: Path) -> None:
    requests, out = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    ids = write_input(requests, 6)
    outcomes = {"q-1": {"type": "expired"}, "q-4": {"type": "canceled"}}
    async with FakeClaude(batch_seconds=0.05) as server:
        index = next(i for i, (p, _) in enumerate(server.routes) if p == "/v1/messages/batches")
        route = server.routes[index][1]

        async def some_expire(request: ApiRequest) -> Any:
            # As the API ends a batch whose requests expired or were canceled.
            response = await route(request)
            if request.path.endswith("/results"):
                lines = [json.loads(line) for line in response.body.splitlines()]
                for line in lines:
                    line["result"] = outcomes.get(line["custom_id"], line["result"])
                body = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
                headers = [(k, v) for k, v in response.headers if k != "content-length"]
                headers.append(("content-length", str(len(body))))
                return dataclasses.replace(response, headers=headers, body=body)
            return response

        server.routes[index] = ("/v1/messages/batches", some_expire)
        done = await cli(
            server, "submit", str(requests), "-o", str(out), "--wait", "--poll-interval", "0.05"
        )
    assert done.returncode == 1, done.stderr.decode()
    assert output_ids(out) == Counter(ids)
    failed = {record["custom_id"]: record for record in records(f"{out}.failed.jsonl")}
    assert {cid: record["result"] for cid, record in failed.items()} == outcomes
    assert failed["q-1"]["params"]["messages"][0]["content"] == "question 1"
    assert "results: canceled 1, expired 1, succeeded 4" in done.stdout.decode()


async def test_dry_run_validates_and_estimates_without_sending(tmp_path: Path) -> None:
    requests, out = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    write_input(requests, 30, ["[]"])
    async with FakeClaude() as server:
        done = await cli(
            server,
            "submit",
            str(requests),
            "-o",
            str(out),
            "--dry-run",
            "--max-batch-requests",
            "7",
        )
        assert len(server.requests) == 0
    assert "dry run: 30 requests to send" in done.stdout.decode()
    assert "at most 960 output tokens, in 5 batch(es)" in done.stdout.decode()
    assert ":31: invalid request: not a JSON object" in done.stderr.decode()
    assert not out.exists()


async def test_run_resumes_after_kill_9_without_duplicates_or_gaps(tmp_path: Path) -> None:
    requests, out = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    ids = write_input(requests, 400)
    async with FakeClaude() as server:
        slow_messages(server, 0.02)
        command = [sys.executable, "-m", "anyio_claude", "batch", "run", str(requests)]
        command += ["-o", str(out), "--concurrency", "8"]
        process = await anyio.open_process(command, env=env(server))
        async with process:
            with anyio.fail_after(20):
                while True:
                    if lines_in(out) >= 60:
                        break
                    await anyio.sleep(0.02)
            process.send_signal(signal.SIGKILL)
            await process.wait()
        assert process.returncode == -signal.SIGKILL
        before = output_ids(out)
        assert 60 <= len(before) < 400 and max(before.values()) == 1
        sent = len(server.requests)
        done = await cli(server, "run", str(requests), "-o", str(out), "--concurrency", "8")
        assert done.returncode == 0, done.stderr.decode()
        # Only what the output lacked is sent again.
        assert len(server.requests) - sent == 400 - len(before)
    assert output_ids(out) == Counter(ids)
    assert f"succeeded {400 - len(before)}" in done.stdout.decode()


async def test_a_line_torn_by_a_kill_is_cut_and_its_request_sent_again(tmp_path: Path) -> None:
    requests, out = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    ids = write_input(requests, 10)
    async with FakeClaude() as server:
        first = await cli(server, "run", str(requests), "-o", str(out))
        assert first.returncode == 0
        whole = out.read_bytes().splitlines(keepends=True)
        out.write_bytes(b"".join(whole[:6]) + whole[6][:25])
        again = await cli(server, "run", str(requests), "-o", str(out))
        assert again.returncode == 0, again.stderr.decode()
    assert "succeeded 4" in again.stdout.decode()
    assert output_ids(out) == Counter(ids)


async def test_submit_splits_keeps_state_and_resumes_polling(tmp_path: Path) -> None:
    requests, out = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    ids = write_input(requests, 50)
    async with FakeClaude(batch_seconds=1.0) as server:
        first = await cli(
            server, "submit", str(requests), "-o", str(out), "--max-batch-requests", "20"
        )
        assert first.returncode == 3, first.stderr.decode()
        assert first.stderr.decode().count("submitted msgbatch_") == 3
        (state,) = records(f"{out}.state.json")
        assert [len(b["custom_ids"]) for b in state["batches"]] == [20, 20, 10]

        second = await cli(
            server, "submit", str(requests), "-o", str(out), "--wait", "--poll-interval", "0.1"
        )
        assert second.returncode == 0, second.stderr.decode()
        assert "submitted" not in second.stderr.decode()
        assert output_ids(out) == Counter(ids)

        third = await cli(server, "submit", str(requests), "-o", str(out), "--wait")
        assert third.returncode == 0 and "nothing new" in third.stdout.decode()
        creates = [
            r for r in server.requests if r.method == "POST" and r.path == "/v1/messages/batches"
        ]
        assert len(creates) == 3
    assert output_ids(out) == Counter(ids)


async def test_submit_killed_while_polling_resumes_without_resubmitting(tmp_path: Path) -> None:
    requests, out = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    ids = write_input(requests, 30)
    state = Path(f"{out}.state.json")
    async with FakeClaude(batch_seconds=3.0) as server:
        command = [sys.executable, "-m", "anyio_claude", "batch", "submit", str(requests)]
        command += ["-o", str(out), "--wait", "--poll-interval", "0.1"]
        command += ["--max-batch-requests", "10"]
        process = await anyio.open_process(command, env=env(server))
        async with process:
            with anyio.fail_after(20):
                while True:
                    if batches_in(state) == 3:
                        break
                    await anyio.sleep(0.02)
            await anyio.sleep(0.3)
            process.send_signal(signal.SIGKILL)
            await process.wait()
        assert not out.exists() or lines_in(out) == 0
        again = await cli(
            server, "submit", str(requests), "-o", str(out), "--wait", "--poll-interval", "0.1"
        )
        assert again.returncode == 0, again.stderr.decode()
        creates = [r for r in server.requests if r.method == "POST" and r.path.endswith("batches")]
        assert len(creates) == 3
    assert output_ids(out) == Counter(ids)


async def test_submit_splits_by_size(tmp_path: Path) -> None:
    requests, out = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    ids = write_input(requests, 12)
    async with FakeClaude(batch_seconds=0.1) as server:
        done = await cli(
            server,
            "submit",
            str(requests),
            "-o",
            str(out),
            "--wait",
            "--poll-interval",
            "0.05",
            "--max-batch-bytes",
            "600",
        )
        assert done.returncode == 0, done.stderr.decode()
        for record in server.requests:
            if record.path == "/v1/messages/batches" and record.method == "POST":
                size = len(json.dumps(record.json, separators=(",", ":")))
                assert size <= 600
    assert done.stderr.decode().count("submitted") >= 3
    assert output_ids(out) == Counter(ids)


async def test_run_and_submit_outputs_are_interchangeable(tmp_path: Path) -> None:
    requests = tmp_path / "requests.jsonl"
    ids = write_input(requests, 20)
    half = tmp_path / "half.jsonl"
    half.write_text("".join(requests.read_text().splitlines(keepends=True)[:10]))
    out = tmp_path / "results.jsonl"
    async with FakeClaude(batch_seconds=0.1) as server:
        ran = await cli(server, "run", str(half), "-o", str(out))
        assert ran.returncode == 0
        submitted = await cli(
            server, "submit", str(requests), "-o", str(out), "--wait", "--poll-interval", "0.05"
        )
        assert submitted.returncode == 0, submitted.stderr.decode()
        assert "with 10 requests" in submitted.stderr.decode()
    assert output_ids(out) == Counter(ids)


async def test_batches_wait_polls_until_ended_and_results_is_a_context_manager() -> None:
    async with (
        FakeClaude(batch_seconds=0.3) as server,
        AsyncClaude(api_key="k", base_url=server.url) as client,
    ):
        batch = await client.messages.batches.create(
            requests=[
                {
                    "custom_id": f"r{i}",
                    "params": {
                        "model": MODEL,
                        "max_tokens": 8,
                        "messages": [{"role": "user", "content": "hi"}],
                    },
                }
                for i in range(3)
            ]
        )
        states: list[str] = []
        ended = await client.messages.batches.wait(
            batch.id, poll_interval=0.05, on_poll=lambda b: states.append(b.processing_status)
        )
        assert ended.processing_status == "ended" and states[0] == "in_progress"
        assert states[-1] == "ended" and len(states) >= 3
        async with client.messages.batches.results(batch.id) as results:
            ids = [item.custom_id async for item in results]
        assert sorted(ids) == ["r0", "r1", "r2"]
        server.batch_seconds = 60
        other = await client.messages.batches.create(
            requests=[
                {
                    "custom_id": "x",
                    "params": {
                        "model": MODEL,
                        "max_tokens": 8,
                        "messages": [{"role": "user", "content": "hi"}],
                    },
                }
            ]
        )
        with pytest.raises(TimeoutError):
            await client.messages.batches.wait(other.id, poll_interval=0.05, timeout=0.2)
        with pytest.raises(ValueError, match="poll_interval"):
            await client.messages.batches.wait(batch.id, poll_interval=0)


def test_the_blocking_client_waits_for_a_batch_too() -> None:
    from anyio_claude import Claude

    with (
        FakeClaude.run_in_thread(batch_seconds=0.2) as server,
        Claude(api_key="k", base_url=server.url) as client,
    ):
        batch = client.messages.batches.create(
            requests=[
                {
                    "custom_id": "only",
                    "params": {
                        "model": MODEL,
                        "max_tokens": 8,
                        "messages": [{"role": "user", "content": "hi"}],
                    },
                }
            ]
        )
        ended = client.messages.batches.wait(batch.id, poll_interval=0.05)
        assert ended.processing_status == "ended"
        with client.messages.batches.results(batch.id) as results:
            assert [item.custom_id for item in results] == ["only"]


def test_the_progress_is_a_live_bar_on_a_terminal_and_log_lines_elsewhere() -> None:
    import io

    from anyio_claude._batch_cli import _Bar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, log = Terminal(), io.StringIO()
    for stream in (terminal, log):
        bar = _Bar(stream, 200)
        bar.show(50, 2, 8, 10.0)
        bar.show(100, 3, 8, 10.0)
        bar.finish()
    assert (
        terminal.getvalue().count("\r[") == 2
        and "[######------------------]" in terminal.getvalue()
    )
    assert terminal.getvalue().endswith("\n")
    assert log.getvalue().splitlines() == [
        "50/200 done, 2 failed, 8 in flight, 10.0 req/s ETA 15s",
        "100/200 done, 3 failed, 8 in flight, 10.0 req/s ETA 10s",
    ]
