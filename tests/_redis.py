"""A real redis-server for the tests, on a free port of 127.0.0.1, started by the test.

`redis-server` is found on PATH (`.ci/run` installs Debian's package); as root with
apt-get at hand it is installed once if missing. Without it the tests that need it skip,
saying why.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

_tried_install = False


def redis_server_binary() -> str:
    """The path of redis-server; skips the test when it cannot be had."""
    global _tried_install
    found = shutil.which("redis-server")
    if found is None and not _tried_install and os.geteuid() == 0 and shutil.which("apt-get"):
        _tried_install = True
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "redis-server"],
            capture_output=True,
            timeout=600,
            check=False,
        )
        found = shutil.which("redis-server")
    if found is None:
        pytest.skip("redis-server is not installed and could not be installed (apt-get)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One redis-server process; `url` reaches it, `stop()` kills it (an outage)."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        yield server
    finally:
        server.stop()
