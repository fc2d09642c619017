"""A minimal HTTP/1.1 server answering every request with the same bytes, in its own process.

    python benchmarks/_canned.py RESPONSE_FILE

Prints the port it listens on (127.0.0.1), then serves keep-alive connections until
killed. It parses only what it must (the head and a content-length body), so the client
under test, not the server, is what a benchmark measures. `canned_server()` runs it.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SMALL_MESSAGE = {
    "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-5-5",
    "content": [{"type": "text", "text": "Hello! How can I help you today?"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 12, "output_tokens": 9},
}
"""A typical small non-streaming reply, for request-rate benchmarks."""


def http_response(body: bytes, content_type: str) -> bytes:
    """A complete keep-alive response carrying `body`."""
    head = (
        "HTTP/1.1 200 OK\r\n"
        f"content-type: {content_type}\r\n"
        f"content-length: {len(body)}\r\n"
        "request-id: req_canned\r\n\r\n"
    )
    return head.encode() + body


@contextmanager
def canned_server(response: bytes) -> Iterator[str]:
    """Run the server in a subprocess; yields its base URL."""
    with tempfile.NamedTemporaryFile(suffix=".http") as file:
        file.write(response)
        file.flush()
        command = [sys.executable, str(Path(__file__).resolve()), file.name]
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
            try:
                assert process.stdout is not None
                port = int(process.stdout.readline())
                yield f"http://127.0.0.1:{port}"
            finally:
                process.kill()
                process.wait()


class _Protocol(asyncio.Protocol):
    def __init__(self, response: bytes) -> None:
        self.response = response
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            length = 0
            for line in buffer[:end].lower().split(b"\r\n"):
                if line.startswith(b"content-length:"):
                    length = int(line[15:])
            if len(buffer) < end + 4 + length:
                break
            buffer = buffer[end + 4 + length :]
            assert self.transport is not None
            self.transport.write(self.response)
        self.buffer = buffer


async def _serve(response: bytes) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Protocol(response), "127.0.0.1", 0, backlog=4096)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(_serve(Path(sys.argv[1]).read_bytes()))
