"""`anyio-claude bench` as a user runs it: a subprocess against FakeClaude."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from anyio_claude.cli import main
from anyio_claude.testing import FakeClaude

MODEL = "claude-sonnet-5-5"
KEY = "sk-bench-secret-0123456789"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeClaude]:
    with FakeClaude.run_in_thread(ttft=0.01, itl=0.002) as fake:
        yield fake


def bench(url: str, *flags: str, backend: str = "asyncio") -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "anyio_claude", "--backend", backend, "bench"]
    command += ["--base-url", url, "--model", MODEL, "--max-tokens", "8", "--prompt-tokens", "30"]
    env = {**os.environ, "ANTHROPIC_API_KEY": KEY}
    return subprocess.run(
        [*command, *flags], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def test_closed_loop_writes_every_output(server: FakeClaude, tmp_path: Path) -> None:
    out = {name: tmp_path / name for name in ("run.jsonl", "s.json", "s.csv", "r.html")}
    done = bench(
        server.url,
        "--concurrency",
        "4",
        "--requests",
        "12",
        "--warmup",
        "3",
        "--slo",
        "ttft:1000,e2e:5000",
        "--out",
        str(out["run.jsonl"]),
        "--summary",
        str(out["s.json"]),
        "--csv",
        str(out["s.csv"]),
        "--report",
        str(out["r.html"]),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("12 requests, 12 completed, 0 errors")
    assert "TTFT" in done.stdout and "goodput (ttft <= 1000 ms, e2e <= 5000 ms)" in done.stdout
    lines = out["run.jsonl"].read_text().splitlines()
    assert len(lines) == 15 and sum(json.loads(line)["warmup"] for line in lines) == 3
    summary = json.loads(out["s.json"].read_text())
    assert summary["completed"] == 12 and summary["goodput"]["requests"] == 12
    assert summary["settings"]["concurrency"] == 4 and summary["output_tokens"] == 96
    with open(out["s.csv"], newline="") as file:
        assert next(csv.DictReader(file))["completed"] == "12"
    page = out["r.html"].read_text()
    assert page.count("<svg") == 6
    for text in (done.stdout, done.stderr, page, *(p.read_text() for p in out.values())):
        assert KEY not in text


def test_open_loop_on_trio(server: FakeClaude, tmp_path: Path) -> None:
    done = bench(
        server.url,
        "--rate",
        "80",
        "--arrival",
        "gamma",
        "--burstiness",
        "0.5",
        "--requests",
        "16",
        "--quiet",
        "--summary",
        str(tmp_path / "s.json"),
        backend="trio",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["completed"] == 16
    assert summary["settings"]["shape"] == "open loop gamma 80/s"


def test_sweep(server: FakeClaude, tmp_path: Path) -> None:
    done = bench(
        server.url,
        "--sweep",
        "--rate",
        "20",
        "--sweep-steps",
        "2",
        "--duration",
        "0.3",
        "--summary",
        str(tmp_path / "s.json"),
        "--report",
        str(tmp_path / "r.html"),
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "s.json").read_text())
    assert [step["offered_rate"] for step in summary["sweep"]] == [20.0, 40.0]
    assert 'id="sweep-curve"' in (tmp_path / "r.html").read_text()
    assert "rate/s" in done.stdout


def test_replay_and_dataset(server: FakeClaude, tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    trace.write_text(
        "".join(
            json.dumps({"timestamp": i * 0.02, "prompt_tokens": 20, "max_tokens": 2 + i}) + "\n"
            for i in range(5)
        )
    )
    done = bench(server.url, "--replay", str(trace), "--out", str(tmp_path / "run.jsonl"))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in (tmp_path / "run.jsonl").read_text().splitlines()]
    assert [line["output_tokens"] for line in lines] == [2, 3, 4, 5, 6]

    dataset = tmp_path / "data.jsonl"
    dataset.write_text(
        json.dumps(
            {
                "custom_id": "a",
                "params": {
                    "model": MODEL,
                    "max_tokens": 3,
                    "system": "from the dataset",
                    "messages": [{"role": "user", "content": "Hello dataset"}],
                },
            }
        )
        + "\n"
    )
    done = bench(server.url, "--dataset", str(dataset), "--concurrency", "2", "--requests", "4")
    assert done.returncode == 0, done.stderr
    assert server.requests[-1].json["system"] == "from the dataset"
    assert done.stdout.startswith("4 requests, 4 completed")


def test_official_client(server: FakeClaude) -> None:
    done = bench(server.url, "--client", "official", "--concurrency", "2", "--requests", "4")
    assert done.returncode == 0, done.stderr
    assert "anthropic client" not in done.stdout and "official client" in done.stdout
    assert done.stdout.startswith("4 requests, 4 completed")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--requests", "3"], "exactly one load shape"),
        (["--rate", "2", "--concurrency", "2", "--requests", "3"], "got --concurrency, --rate"),
        (["--rate", "2"], "exactly one of --requests and --duration"),
        (["--rate", "2", "--requests", "3", "--slo", "ttft=5"], "--slo: 'ttft=5'"),
        (["--rate", "2", "--requests", "3", "--burstiness", "2"], "--burstiness needs"),
        (
            ["--concurrency", "2", "--requests", "3", "--max-concurrency", "4"],
            "--max-concurrency applies",
        ),
        (["--rate", "2", "--requests", "3", "--dataset", "/nonexistent.jsonl"], "nonexistent"),
        (["--rate", "2", "--requests", "3", "--out", "/no/such/dir/x.jsonl"], "--out"),
    ],
)
def test_bad_arguments_fail_before_any_request(
    flags: list[str], message: str, server: FakeClaude, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    before = len(server.requests)
    with pytest.raises(SystemExit) as info:
        main(["bench", "--base-url", server.url, "--model", MODEL, *flags])
    assert message in str(info.value.code)
    assert len(server.requests) == before


def test_missing_key_and_argparse_errors(
    server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(SystemExit) as info:
        main(["bench", "--base-url", server.url, "-m", MODEL, "--rate", "1", "--requests", "1"])
    assert "ANTHROPIC_API_KEY" in str(info.value.code)
    with pytest.raises(SystemExit):
        main(["bench", "-m", MODEL, "--rate", "0", "--requests", "1"])
    assert "--rate: must be positive" in capsys.readouterr().err
