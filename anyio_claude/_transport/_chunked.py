"""Chunked transfer decoding of a response body, without h11 on every read.

h11 parses the head and, once the body's terminal chunk (`0\\r\\n`) is reached, that chunk,
the trailers and anything after them: keep-alive and connection reuse stay its decision.
In between, `ChunkedDecoder` strips the framing itself, for ~5 Python calls per read where
h11 makes ~30 (`benchmarks/live_streams.py` measures a live stream, one event per read).
It accepts exactly what h11 accepts, with the same chunk-header grammar
(`tests/test_chunked.py` checks it against h11 on any input and any split).
"""

from __future__ import annotations

import re

# h11's chunk header: a size of at most 20 hex digits, an extension it does not parse, and
# trailing whitespace (which some servers send), ending with CRLF.
_HEADER = re.compile(rb"([0-9A-Fa-f]{1,20})(?:;.*)?[ \t]*\r\n")


class ChunkedError(Exception):
    """The body's chunked framing is malformed (or a chunk header is too long)."""


class ChunkedDecoder:
    """Decode a chunked body read by read: `feed(data)` returns the body bytes in `data`.

    Once the terminal chunk's header has arrived, `done` is True and `rest` holds the
    bytes from that header on (the terminal chunk, trailers, whatever followed), for h11.
    Malformed framing (or a chunk header growing past `max_line` bytes) is a
    `ChunkedError`: raised at once if `data` held no body bytes before it, else kept in
    `error` (the body bytes before it are returned first, as h11 delivers them) and raised
    by the next `feed`.
    """

    __slots__ = ("_footer", "_left", "_max_line", "_pending", "done", "error", "rest")

    def __init__(self, max_line: int) -> None:
        self._max_line = max_line
        self._left = 0  # bytes of the current chunk's data still to come
        self._footer = b""  # what is still expected of the CRLF after a chunk's data
        self._pending = b""  # a chunk header not yet complete
        self.done = False
        self.rest = b""
        self.error: ChunkedError | None = None

    def feed(self, data: bytes) -> bytes:
        """The body bytes in `data` (b"" if none); call only while `done` is False."""
        if not (self._left or self._footer or self._pending or self.error):
            # The common case of a live stream: one whole chunk per read.
            end = data.find(b"\r\n")
            if end > 0:
                match = _HEADER.fullmatch(data, 0, end + 2)
                if match is not None:
                    start = end + 2
                    stop = start + int(match[1], 16)
                    if stop > start and len(data) == stop + 2 and data.endswith(b"\r\n"):
                        return data[start:stop]
        return self._feed(data)

    def _feed(self, data: bytes) -> bytes:
        if self.error is not None:
            raise self.error
        pieces: list[bytes] = []
        try:
            self._frames(data, pieces)
        except ChunkedError as exc:
            if not pieces:
                raise
            self.error = exc
        return b"".join(pieces)

    def _frames(self, data: bytes, pieces: list[bytes]) -> None:
        if self._pending:
            data = self._pending + data
            self._pending = b""
        pos, size = 0, len(data)
        left, footer = self._left, self._footer
        while pos < size:
            if footer:
                seen = data[pos : pos + len(footer)]
                if seen != footer[: len(seen)]:
                    raise ChunkedError(f"malformed chunk footer: {seen!r} (expected {footer!r})")
                footer = self._footer = footer[len(seen) :]
                pos += len(seen)
            elif left:
                piece = data[pos : pos + left]
                pieces.append(piece)
                left -= len(piece)
                pos += len(piece)
                if not left:
                    footer = b"\r\n"
                self._left, self._footer = left, footer
            else:
                end = data.find(b"\r\n", pos)
                if end < 0:
                    self._pending = data[pos:]
                    if len(self._pending) > self._max_line:
                        raise ChunkedError("chunk header too long")
                    return
                match = _HEADER.fullmatch(data, pos, end + 2)
                if match is None:
                    raise ChunkedError(f"illegal chunk header: {data[pos : end + 2]!r}")
                left = int(match[1], 16)
                if not left:
                    self.done = True
                    self.rest = data[pos:]
                    return
                self._left = left
                pos = end + 2
