"""A paced streaming server: one SSE event per TCP write, stamped with its send time.

    python benchmarks/_paced.py [--tls-cert PEM]

Prints the port it listens on (127.0.0.1), then serves until killed; with `--tls-cert`
(a PEM file holding the private key and the certificate chain) it serves HTTPS, each event
still in a write of its own (one TLS record each). Each POST is answered
like a streamed Claude message, chunked, whose user message says how to pace it:
`"content": "DELTAS INTERVAL_MS TTFT_MS"`. The head, `message_start`,
`content_block_start` and a `ping` go out at once; after TTFT_MS (the model's time to first
token) plus a random phase within one interval, one `text_delta` every INTERVAL_MS, each
in its own write (TCP_NODELAY), its text the send time as `time.time()` with 6 decimals,
so a client on the same machine computes delivery latency as receive time minus that;
then `content_block_stop`, `message_delta` and `message_stop` in a last write. The random
phase spreads many concurrent streams over time as independent users' are, rather than
in lockstep.

`GET /stats` returns, then resets, what the server measured since the last call: its CPU
time and wall time while at least one stream was active, the writes made, the most streams
active at once, how late its timers fired (if the server cannot keep up, that grows), and
how many connections carried a stream request (`connections`) and how many of those were
TLS (`tls_connections`: a client that did not speak TLS would not be counted there).

The server is a plain asyncio Protocol writing pre-encoded bytes (plus the stamp) from
`call_at` timers, so that it is never the bottleneck: 500 streams at 20 deltas/s keep it
at ~15 % of its CPU. Its timer lateness shows when something else delays it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import random
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MODEL = "claude-sonnet-5-5"
HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
    b"cache-control: no-cache\r\nrequest-id: req_paced\r\ntransfer-encoding: chunked\r\n\r\n"
)
STAMP_LEN = len(f"{time.time():.6f}")
EVENTS_AROUND_DELTAS = 6
"""message_start, content_block_start, ping, content_block_stop, message_delta, message_stop."""


def _sse(event: dict[str, Any]) -> bytes:
    data = json.dumps(event, separators=(",", ":"))
    return f"event: {event['type']}\ndata: {data}\n\n".encode()


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


OPENING = _chunk(
    _sse(
        {
            "type": "message_start",
            "message": {
                "id": "msg_paced",
                "type": "message",
                "role": "assistant",
                "content": [],
                "model": MODEL,
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 12, "output_tokens": 1},
            },
        }
    )
    + _sse(
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
    )
    + _sse({"type": "ping"})
)
_DELTA = _sse(
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "@"}}
)
_BEFORE, _AFTER = _DELTA.split(b"@")
DELTA_HEAD = b"%x\r\n%s" % (len(_DELTA) - 1 + STAMP_LEN, _BEFORE)
DELTA_TAIL = _AFTER + b"\r\n"


def _closing(deltas: int) -> bytes:
    return (
        _chunk(
            _sse({"type": "content_block_stop", "index": 0})
            + _sse(
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": deltas},
                }
            )
            + _sse({"type": "message_stop"})
        )
        + b"0\r\n\r\n"
    )


class _Stats:
    def __init__(self) -> None:
        self.active = 0
        self.reset()

    def reset(self) -> None:
        """Zero the counters; streams still active stay counted (and timed) as such."""
        self.most_active = self.active
        self.writes = 0
        self.connections = 0
        self.tls_connections = 0
        self.busy_cpu = 0.0
        self.busy_wall = 0.0
        self.lateness: list[float] = []
        self._since = (time.process_time(), time.perf_counter())

    def stream_started(self) -> None:
        if self.active == 0:
            self._since = (time.process_time(), time.perf_counter())
        self.active += 1
        self.most_active = max(self.most_active, self.active)

    def stream_ended(self) -> None:
        self.active -= 1
        if self.active == 0:
            cpu, wall = self._since
            self.busy_cpu += time.process_time() - cpu
            self.busy_wall += time.perf_counter() - wall

    def report(self) -> bytes:
        late = sorted(self.lateness)
        body = json.dumps(
            {
                "busy_cpu": self.busy_cpu,
                "busy_wall": self.busy_wall,
                "writes": self.writes,
                "most_active": self.most_active,
                "connections": self.connections,
                "tls_connections": self.tls_connections,
                "late_p99_ms": 1e3 * late[int(0.99 * (len(late) - 1))] if late else 0.0,
                "late_max_ms": 1e3 * late[-1] if late else 0.0,
            }
        ).encode()
        self.reset()
        return (
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(body), body)
        )


class _Stream(asyncio.Protocol):
    def __init__(self, stats: _Stats, rng: random.Random) -> None:
        self.stats = stats
        self.rng = rng
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.loop = asyncio.get_running_loop()
        self.counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
            self.stats.stream_ended()

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data
        while (end := buffer.find(b"\r\n\r\n")) >= 0:
            head = buffer[:end].lower()
            length = 0
            for line in head.split(b"\r\n"):
                if line.startswith(b"content-length:"):
                    length = int(line[15:])
            if len(buffer) < end + 4 + length:
                break
            body = buffer[end + 4 : end + 4 + length]
            buffer = buffer[end + 4 + length :]
            self.request(head, body)
        self.buffer = buffer

    def request(self, head: bytes, body: bytes) -> None:
        assert self.transport is not None
        if head.startswith(b"get /stats"):
            self.transport.write(self.stats.report())
            self.transport.close()
            return
        if not self.counted:
            # Counted at its first stream request, so that the `/stats` connection is not.
            self.counted = True
            self.stats.connections += 1
            if self.transport.get_extra_info("ssl_object") is not None:
                self.stats.tls_connections += 1
        deltas, interval_ms, ttft_ms = json.loads(body)["messages"][0]["content"].split()
        self.left = int(deltas)
        self.closing = _closing(self.left)
        self.interval = float(interval_ms) / 1e3
        self.due = self.loop.time() + float(ttft_ms) / 1e3 + self.rng.random() * self.interval
        self.stats.stream_started()
        self.transport.write(HEAD + OPENING)
        self.timer = self.loop.call_at(self.due, self.tick)

    def tick(self) -> None:
        assert self.transport is not None
        stats = self.stats
        stats.lateness.append(self.loop.time() - self.due)
        stats.writes += 1
        if self.left:
            self.transport.write(b"%s%.6f%s" % (DELTA_HEAD, time.time(), DELTA_TAIL))
            self.left -= 1
            self.due += self.interval
            self.timer = self.loop.call_at(self.due, self.tick)
        else:
            self.transport.write(self.closing)
            self.timer = None
            stats.stream_ended()


async def _serve(tls_cert: str | None) -> None:
    loop = asyncio.get_running_loop()
    stats, rng = _Stats(), random.Random(2026)
    context = None
    if tls_cert is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls_cert)
    server = await loop.create_server(
        lambda: _Stream(stats, rng), "127.0.0.1", 0, backlog=4096, ssl=context
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


@contextmanager
def paced_server(tls_cert: Path | None = None) -> Iterator[str]:
    """Run the server in a subprocess; yields its base URL (https:// with `tls_cert`, a PEM
    file holding the key and the certificate chain for 127.0.0.1)."""
    command = [sys.executable, str(Path(__file__).resolve())]
    if tls_cert is not None:
        command += ["--tls-cert", str(tls_cert)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            port = int(process.stdout.readline())
            yield f"{'http' if tls_cert is None else 'https'}://127.0.0.1:{port}"
        finally:
            process.kill()
            process.wait()


def server_stats(url: str, context: ssl.SSLContext | None = None) -> dict[str, float]:
    """What the server measured since the last call (see the module docstring); `context`
    trusts the server's certificate when it serves HTTPS."""
    scheme, _, address = url.partition("://")
    host, port = address.split(":")
    connection = (
        http.client.HTTPSConnection(host, int(port), timeout=10, context=context)
        if scheme == "https"
        else http.client.HTTPConnection(host, int(port), timeout=10)
    )
    try:
        connection.request("GET", "/stats")
        stats: dict[str, float] = json.loads(connection.getresponse().read())
        return stats
    finally:
        connection.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="the paced streaming server")
    parser.add_argument("--tls-cert", help="serve HTTPS with this PEM (key and certificate chain)")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(parser.parse_args().tls_cert))
