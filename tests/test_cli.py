"""The `anyio-claude` command."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anthropic
import anyio
import pytest

from anyio_claude.cli import _fake_server_options, _parser, main
from anyio_claude.testing import FakeClaude

MODEL = "claude-sonnet-5-5"


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


@contextmanager
def fake_server_process(*flags: str) -> Iterator[tuple[str, str]]:
    """Run `anyio-claude fake-server --port 0 FLAGS`; yield its URL and listening line."""
    command = [sys.executable, "-m", "anyio_claude", "fake-server", "--port", "0", *flags]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith("FakeClaude listening on "), line
            yield line.split()[3], line
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.mark.parametrize(
    "argv",
    [
        ["--backend", "trio", "fake-server"],
        ["fake-server", "--backend", "trio"],
        ["demo", "--backend", "trio"],
    ],
)
def test_backend_flag_works_before_and_after_the_subcommand(argv: list[str]) -> None:
    assert _parser().parse_args(argv).backend == "trio"
    assert _parser().parse_args(argv[-1:] if argv[0] == "--backend" else argv[:1]).backend == (
        "asyncio"
    )


def test_fake_server_runs_on_trio_when_asked_after_the_subcommand() -> None:
    with fake_server_process("--backend", "trio") as (url, line):
        assert "(trio;" in line
        with anthropic.Anthropic(api_key="k", base_url=url, max_retries=0) as client:
            assert client.models.list().data


def test_every_python_knob_has_a_flag() -> None:
    args = _parser().parse_args(
        [
            "fake-server",
            "--port", "0",
            "--jitter", "0.5",
            "--write-size", "7",
            "--line-ending", "crlf",
            "--ping-every", "9",
            "--rpm", "10",
            "--tpm", "5000",
            "--batch-seconds", "30",
            "--batch-speedup", "100",
            "--api-key", "a",
            "--api-key", "b",
            "--model", "claude-x-1,100,Claude X",
            "--max-body-size", "1000",
            "--max-header-size", "2000",
            "--max-recorded", "5",
            "--faults", "stall:nth=2",
            "--aws-credentials", "AKIAX:secret",
            "--aws-credentials", "AKIAY:secret2:token",
            "--google-token", "ya29.t",
        ]
    )  # fmt: skip
    options = _fake_server_options(args)
    server = FakeClaude(**options)
    assert (server.jitter, server.write_size, server.line_ending) == (0.5, 7, "\r\n")
    assert (server.ping_every, server.batch_seconds, server.batch_speedup) == (9, 30, 100)
    assert options["rate_limits"].requests_per_minute == 10
    assert options["rate_limits"].tokens_per_minute == 5000
    assert server.api_keys == {"a", "b"}
    assert server.models["claude-x-1"].max_tokens == 100
    assert server.models["claude-x-1"].display_name == "Claude X"
    assert (server.max_body_size, server.max_header_size) == (1000, 2000)
    assert server.faults[0].kind == "stall" and server.faults[0].nth == 2
    assert [(c.access_key, c.session_token) for c in server.aws_credentials] == [
        ("AKIAX", None),
        ("AKIAY", "token"),
    ]
    assert server.google_tokens == {"ya29.t"}
    # Every FakeClaude option is reachable from the command line.
    import inspect

    knobs = set(inspect.signature(FakeClaude).parameters) - {"ssl_context"}
    optional = {"api_keys", "models", "rate_limits", "aws_credentials", "google_tokens"}
    assert knobs <= set(options) | optional


def test_fake_server_tls_keys_and_script(tmp_path: Path) -> None:
    import httpx2
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "server.pem"))
    script = tmp_path / "script.jsonl"
    message = {
        "id": "msg_scripted",
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "text": "from the script"}],
        "model": MODEL,
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 3},
    }
    lines = [
        {"type": "error", "error": {"type": "overloaded_error", "message": "scripted busy"}},
        message,
        {"sse": 'event: message_stop\ndata: {"type": "message_stop"}\n\n'},
    ]
    script.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    flags = ["--tls-cert", str(tmp_path / "server.pem"), "--api-key", "secret"]
    with fake_server_process(*flags, "--script", str(script)) as (url, _):
        assert url.startswith("https://")
        context = ssl.create_default_context()
        ca.configure_trust(context)
        ask = {"model": MODEL, "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}]}
        with httpx2.Client(verify=context) as http:
            wrong = anthropic.Anthropic(api_key="nope", base_url=url, http_client=http)
            with pytest.raises(anthropic.AuthenticationError):
                wrong.messages.create(**ask)  # type: ignore[call-overload]
            client = anthropic.Anthropic(
                api_key="secret", base_url=url, http_client=http, max_retries=0
            )
            with pytest.raises(anthropic.OverloadedError, match="scripted busy"):
                client.messages.create(**ask)  # type: ignore[call-overload]
            assert client.messages.create(**ask).content[0].text == "from the script"  # type: ignore[call-overload]
            with client.messages.stream(**ask) as stream:  # type: ignore[arg-type]
                assert [event.type for event in stream] == ["message_stop"]


def test_bad_script_line_is_a_clear_error(tmp_path: Path) -> None:
    script = tmp_path / "bad.jsonl"
    from anyio_claude.cli import _load_script

    script.write_text('{"type": "message"}\n')
    with pytest.raises(SystemExit, match=r"bad\.jsonl:1: invalid message"):
        _load_script(str(script))
    script.write_text('\n{"neither": 1}\n')
    with pytest.raises(SystemExit, match=r"bad\.jsonl:2: expected a message"):
        _load_script(str(script))


def test_files_flags_fill_the_files_store(tmp_path: Path) -> None:
    from anyio_claude import AsyncClaude
    from anyio_claude.cli import _fake_server_files

    (tmp_path / "result.csv").write_bytes(b"a,b\n1,2\n")
    args = _parser().parse_args(
        ["fake-server", "--file", str(tmp_path / "result.csv"), "--max-file-size", "64"]
    )
    server = FakeClaude(**_fake_server_options(args))
    stored = _fake_server_files(server, args)
    assert [m["filename"] for m in stored] == ["result.csv"]
    assert server.files.max_file_size == 64 and not server.files.require_beta

    async def download() -> bytes:
        async with server, AsyncClaude(api_key="k", base_url=server.url) as client:
            return await (await client.beta.files.download(stored[0]["id"])).read()

    assert anyio.run(download) == b"a,b\n1,2\n"
    strict = _parser().parse_args(["fake-server", "--files-require-beta"])
    _fake_server_files(server, strict)
    assert server.files.require_beta and server.files.max_file_size == 500 * 1024 * 1024
    with pytest.raises(SystemExit, match="--file"):
        _fake_server_files(server, _parser().parse_args(["fake-server", "--file", "/nope"]))


def test_fake_server_prints_the_files_it_serves(tmp_path: Path) -> None:
    (tmp_path / "chart.png").write_bytes(b"\x89PNG fake")
    command = [sys.executable, "-m", "anyio_claude", "fake-server", "--port", "0"]
    command += ["--file", str(tmp_path / "chart.png")]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            assert process.stdout.readline().startswith("FakeClaude listening on ")
            _, _, file_id, name = process.stdout.readline().split()
            assert file_id.startswith("file_") and name == "chart.png"
        finally:
            process.terminate()
            process.wait(timeout=10)
