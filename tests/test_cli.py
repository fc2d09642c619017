"""The `anyio-claude` command."""

from __future__ import annotations

import subprocess
import sys

import anthropic
import pytest

from anyio_claude.cli import main

MODEL = "claude-sonnet-4-5-20250929"


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_demo_runs_every_step(backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--backend", backend, "demo", "--requests", "40", "--concurrency", "8"]) == 0
    out = capsys.readouterr().out
    assert "1. Streaming" in out and "You said" in out
    assert "get_weather({'location'" in out
    assert "status 200 after 2 retries" in out
    assert "OverloadedError" in out and "partial text kept: 'You said" in out
    assert "40 replies" in out
    assert "demo-key" not in out


def test_fake_server_command_serves_other_clients() -> None:
    command = [sys.executable, "-m", "anyio_claude", "fake-server", "--port", "0"]
    command += ["--faults", "overloaded:times=1"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith("FakeClaude listening on http://127.0.0.1:")
            url = line.split()[3]
            with anthropic.Anthropic(api_key="sk-cli", base_url=url, max_retries=0) as client:
                ask = {
                    "model": MODEL,
                    "max_tokens": 20,
                    "messages": [{"role": "user", "content": "hi"}],
                }
                with pytest.raises(anthropic.APIStatusError) as info:
                    client.messages.create(**ask)  # type: ignore[call-overload]
                assert info.value.status_code == 529
                message = client.messages.create(**ask)  # type: ignore[call-overload]
                assert message.content[0].type == "text"
        finally:
            process.terminate()
            process.wait(timeout=10)
