"""The streaming benchmarks still run against today's client: each script in its --smoke
mode (a tiny workload, one round), as a user would run it. No timing is asserted."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def run(script: str, *flags: str) -> str:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--smoke", *flags],
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_e2e_smoke() -> None:
    out = run("e2e.py")
    assert re.search(r"workload: mixed, [\d,]+ events", out)
    for name in ("asyncio", "trio"):
        assert re.search(
            rf"anyio_claude stream, {name} / official SDK +[\d.]+x .*met: (yes|no)", out
        )
        assert re.search(rf"anyio_claude stream, {name} / unparsed httpcore +[\d.]+x", out)


def test_live_streams_smoke() -> None:
    out = run("live_streams.py")
    assert "streams at once 5-5" in out  # the server really had every stream open at once
    assert "official anthropic: connections per run 5-5, of which TLS 0-0" in out
    for name in ("asyncio", "trio"):
        assert re.search(rf"anyio_claude, {name}: CPU per event +[\d.]+x .*met: (yes|no)", out)
        assert re.search(rf"anyio_claude, {name}: delivery p99 [\d.]+ ms .*met: (yes|no)", out)
    assert re.search(r"official anthropic +[\d.]+ ", out)


def test_live_streams_tls_smoke() -> None:
    out = run("live_streams.py", "--tls")
    assert (
        "5 deltas, 10 ms apart after 10 ms to first token (55 events per client run), over TLS"
        in out
    )
    # The server counts the connections that spoke TLS to it: every client's, over HTTPS.
    for name in ("anyio_claude, asyncio", "anyio_claude, trio", "official anthropic"):
        assert f"{name}: connections per run 5-5, of which TLS 5-5" in out
    for name in ("asyncio", "trio"):
        assert re.search(rf"anyio_claude, {name}: CPU per event +[\d.]+x .*met: (yes|no)", out)
        assert re.search(rf"anyio_claude, {name}: delivery p99 [\d.]+ ms .*met: (yes|no)", out)
    assert re.search(r"official anthropic +[\d.]+ ", out)


def test_otel_cost_smoke() -> None:
    out = run("otel_cost.py")
    for mode in ("baseline", "disabled", "spans", "content", "spans\\+metrics"):
        assert re.search(rf"^{mode} +[\d.]+ +[\d.]+x +[\d.]+ +[\d.]+x$", out, re.MULTILINE)


def test_tool_runner_smoke() -> None:
    out = run("tool_runner.py")
    assert "one turn of 3 tool calls" in out
    for baseline in ("ours, max_concurrency=1", "official SDK"):
        assert re.search(rf"speed-up over {re.escape(baseline)} +[\d.]+x", out)
