"""`python -m anyio_claude` is the `anyio-claude` command (run in-process here; the CLI tests
run it in subprocesses)."""

from __future__ import annotations

import runpy
import sys

import pytest


def test_python_dash_m_runs_the_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["anyio-claude", "--help"])
    with pytest.raises(SystemExit) as info:
        runpy.run_module("anyio_claude", run_name="__main__")
    assert info.value.code == 0
    assert "fake-server" in capsys.readouterr().out
