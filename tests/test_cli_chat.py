"""`anyio-claude chat` and `anyio-claude count-tokens`, run as subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from anyio_claude.testing import FakeClaude, count_request_tokens

MODEL = "claude-sonnet-5-5"
KEY = "sk-chat-secret-0123456789"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeClaude]:
    with FakeClaude.run_in_thread() as fake:
        yield fake


def cli(
    *args: str, key: str | None = KEY, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name != "ANTHROPIC_API_KEY"}
    if key is not None:
        env["ANTHROPIC_API_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "anyio_claude", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=60,
        check=False,
    )


def test_chat_streams_the_reply_from_the_endpoint(server: FakeClaude) -> None:
    done = cli(
        "chat",
        "Hello there, Claude",
        "--base-url",
        server.url,
        "-m",
        MODEL,
        "--system",
        "Be brief.",
        "--max-tokens",
        "5",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("You said: Hello there, Claude.")
    assert len(done.stdout.split()) == 5 + 4  # the echo (one token), then four words
    sent = server.requests[-1]
    assert sent.json["stream"] is True and sent.json["system"] == "Be brief."
    assert sent.json["max_tokens"] == 5 and sent.headers["x-api-key"] == KEY
    assert KEY not in done.stdout + done.stderr


def test_chat_with_fake_and_thinking() -> None:
    done = cli(
        "--backend",
        "trio",
        "chat",
        "Think first",
        "--fake",
        "--thinking",
        "1024",
        "--max-tokens",
        "1200",
        key=None,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("You said: Think first.")
    assert done.stderr.strip()  # the thinking, kept off stdout


def test_chat_errors(server: FakeClaude) -> None:
    done = cli("chat", "hi", key=None)
    assert done.returncode == 1 and "ANTHROPIC_API_KEY" in done.stderr
    done = cli("chat", "hi", "--fake", "--thinking", "500")
    assert done.returncode == 1 and "--thinking 500" in done.stderr
    done = cli("chat", "hi", "--base-url", server.url, "-m", "claude-nonexistent")
    assert done.returncode == 1
    assert "NotFoundError" in done.stderr and "request_id: req_" in done.stderr
    assert KEY not in done.stderr


def test_count_tokens(server: FakeClaude) -> None:
    done = cli(
        "count-tokens", "How many tokens is this?", "--system", "sys", "--base-url", server.url
    )
    assert done.returncode == 0, done.stderr
    body = {
        "model": MODEL,
        "system": "sys",
        "messages": [{"role": "user", "content": "How many tokens is this?"}],
    }
    assert done.stdout == f"{count_request_tokens(body)}\n"
    assert server.requests[-1].path == "/v1/messages/count_tokens"
    piped = cli("count-tokens", "-", "--fake", key=None, stdin="How many tokens is this?")
    assert piped.returncode == 0 and int(piped.stdout) == count_request_tokens(
        {"messages": body["messages"]}
    )
