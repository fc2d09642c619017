"""A sans-I/O Server-Sent Events decoder (WHATWG "Interpreting an event stream").

Feed it bytes as they arrive; it returns the events completed so far. It never does I/O,
so it works with any transport and can be tested byte by byte.

How it stays fast: line endings are normalised to LF on whole chunks (CR, LF and CRLF are
all line endings, and a CRLF split across two chunks is one), complete events are cut out
of the buffer at blank lines with C-speed `bytes` methods, and the common shape
`event: X\\ndata: {...}` is recognised without walking its lines (one regex pass over
all the complete events of a chunk when they all have it). Everything else goes
through the general per-line rules. Bytes are decoded to text only after framing, so a
multi-byte character split across chunks is never broken; `feed_data` skips that decoding
for consumers that parse the JSON from bytes. An unterminated tail grows in place and only
new bytes are searched, so an event fed in many small pieces costs linear time.
"""

from __future__ import annotations

import re

import msgspec

from ._exceptions import SSEProtocolError

__all__ = ("SSEDecoder", "SSEProtocolError", "ServerSentEvent")

_BOM = b"\xef\xbb\xbf"
_DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024
_FAST_BLOCKS = re.compile(rb"(?:event: [^\n]*\ndata: [^\n]*\n\n)+")
_FAST_PAIRS = re.compile(rb"event: ([^\n]*)\ndata: ([^\n]*)\n\n")
_FAST_DATA = re.compile(rb"event: [^\n]*\ndata: ([^\n]*)\n\n")


class ServerSentEvent(msgspec.Struct, frozen=True, gc=False):
    """One dispatched event.

    `event` is the type (`"message"` when the stream named none), `data` the data lines
    joined with LF, `id` the last event id seen on the stream so far (it persists across
    events), `retry` the most recent valid reconnection time in milliseconds, if any.
    """

    event: str = "message"
    data: str = ""
    id: str = ""
    retry: int | None = None


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


class SSEDecoder:
    """Turns the bytes of an event stream into `ServerSentEvent`s.

    `max_event_size` caps the bytes of one event (its lines, before decoding) and of the
    unterminated tail kept between feeds; going over raises `SSEProtocolError`, so a peer
    that never sends a line break cannot exhaust memory. After an error the decoder is
    unusable: every later `feed` raises `SSEProtocolError` too.
    """

    __slots__ = (
        "_buf",
        "_closed",
        "_data",
        "_error",
        "_event",
        "_last_id",
        "_max",
        "_names",
        "_pending_cr",
        "_retry",
        "_started",
    )

    def __init__(self, *, max_event_size: int = _DEFAULT_MAX_EVENT_SIZE) -> None:
        if max_event_size < 1:
            raise ValueError("max_event_size must be positive")
        self._max = max_event_size
        self._buf = bytearray()
        self._pending_cr = False
        self._started = False
        self._closed = False
        self._error: str | None = None
        self._event = ""
        self._data: list[str] = []
        self._last_id = ""
        self._retry: int | None = None
        self._names: dict[bytes, str] = {}

    @property
    def last_event_id(self) -> str:
        """The last event id the stream set (`""` until one arrives)."""
        return self._last_id

    @property
    def retry(self) -> int | None:
        """The reconnection time the stream last set, in milliseconds, or None."""
        return self._retry

    def feed(self, data: bytes) -> list[ServerSentEvent]:
        """Take the next bytes of the stream; return the events they complete, in order.

        Raises `SSEProtocolError` if an event outgrows `max_event_size`, or if the decoder
        was closed or failed before.
        """
        buf, end = self._frame(data)
        if end < 0:
            return []
        limit = self._max
        names = self._names
        last_id, retry = self._last_id, self._retry
        # The two shortcut guards are not mutated: a mutant that makes one miss sends the
        # events down the general path, which gives the same events (docs/contributing.md).
        if end + 2 <= limit and _FAST_BLOCKS.fullmatch(buf, 0, end + 2):  # pragma: no mutate
            # Every complete event has the shape nearly every Claude event has:
            # `event: X` then one `data: Y` line. One regex pass cuts them all out.
            get = names.get
            events = [
                ServerSentEvent(
                    get(raw_name) or self._name(raw_name),
                    data.decode("utf-8", "replace"),
                    last_id,
                    retry,
                )
                for raw_name, data in _FAST_PAIRS.findall(buf, 0, end + 2)
            ]
            self._check_tail()
            return events
        events = []
        append = events.append
        for block in buf[:end].split(b"\n\n"):
            # The shape nearly every Claude event has: `event: X` then one `data: Y` line.
            # Its test is not mutated, as the guards above: a miss gives the same events
            # through `_block` (in `feed_data` a miss gives text, not bytes: mutated there).
            if block[:7] == b"event: ":  # pragma: no mutate
                nl = block.find(b"\n", 7)  # pragma: no mutate
                if (
                    nl > 0  # pragma: no mutate
                    and block.startswith(b"data: ", nl + 1)  # pragma: no mutate
                    and block.find(b"\n", nl + 1) < 0  # pragma: no mutate
                    and len(block) <= limit  # pragma: no mutate (else _block's cap check)
                ):
                    raw_name = block[7:nl]
                    append(
                        ServerSentEvent(
                            names.get(raw_name) or self._name(raw_name),
                            block[nl + 7 :].decode("utf-8", "replace"),
                            last_id,
                            retry,
                        )
                    )
                    continue
            self._block(block, events)
            last_id, retry = self._last_id, self._retry
        self._check_tail()
        return events

    def feed_data(self, data: bytes) -> list[bytes | str]:
        """Like `feed`, but return only the data of each completed event.

        An event of the common shape (`event: X` then one `data: Y` line) gives its data
        as the raw bytes of the line, undecoded (they may hold invalid UTF-8, which `feed`
        would replace with U+FFFD); any other event gives the text `feed` would put in
        `ServerSentEvent.data`. Ids and retry times still update the decoder. This skips
        building events and decoding text, for consumers that hand the data to a JSON
        decoder that takes bytes (`streaming.decode_event` does). Raises as `feed` does.
        """
        buf, end = self._frame(data)
        if end < 0:
            return []
        limit = self._max
        out: list[bytes | str]
        # The shortcut guards are not mutated, as in `feed`.
        if end + 2 <= limit and _FAST_BLOCKS.fullmatch(buf, 0, end + 2):  # pragma: no mutate
            out = _FAST_DATA.findall(buf, 0, end + 2)
            self._check_tail()
            return out
        out = []
        append = out.append
        events: list[ServerSentEvent] = []
        for block in buf[:end].split(b"\n\n"):
            if block[:7] == b"event: ":  # pragma: no mutate
                nl = block.find(b"\n", 7)
                if (
                    nl > 0
                    and block.startswith(b"data: ", nl + 1)
                    and block.find(b"\n", nl + 1) < 0
                    and len(block) <= limit  # pragma: no mutate (else _block's cap check)
                ):
                    append(block[nl + 7 :])
                    continue
            self._block(block, events)
            if events:
                out.extend([event.data for event in events])
                events.clear()
        self._check_tail()
        return out

    def _frame(self, data: bytes) -> tuple[bytes, int]:
        """Buffer `data`; return a buffer and the end of its complete events (-1: none yet).

        Bytes `[0, end)` of the buffer are whole events separated by blank lines; what
        follows the blank line at `end` stays buffered for the next feed.
        """
        if self._error is not None:
            raise SSEProtocolError(f"decoder is unusable after an earlier error: {self._error}")
        if self._closed:
            raise SSEProtocolError("feed() after close()")
        if not data:
            return data, -1
        if self._pending_cr and data[:1] == b"\n":
            data = data[1:]
        if b"\r" in data:
            self._pending_cr = data[-1:] == b"\r"
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        else:
            self._pending_cr = False
        tail = self._buf
        if not self._started:
            if tail:
                data = bytes(tail) + data
                tail.clear()
            if len(data) < 3 and _BOM.startswith(data):
                tail += data
                return data, -1
            self._started = True
            if data.startswith(_BOM):
                data = data[3:]
        if tail:
            # An event arriving in many small pieces must cost time linear in its size:
            # append to the tail in place and look for the blank line only in the new
            # bytes and the LF before them.
            start = len(tail) - 1
            tail += data
            end = tail.rfind(b"\n\n", start)
            if end < 0:
                self._check_tail()
                return data, -1
            buf = bytes(tail)
            del tail[: end + 2]
            return buf, end
        end = data.rfind(b"\n\n")
        if end < 0:
            tail += data
            self._check_tail()
            return data, -1
        if end + 2 < len(data):
            tail += memoryview(data)[end + 2 :]
        return data, end

    def _name(self, raw_name: bytes) -> str:
        name = _text(raw_name) if raw_name else "message"
        if len(self._names) < 64:  # a peer inventing names must not grow this forever
            self._names[raw_name] = name  # pragma: no mutate (a miss recomputes it)
        return name

    def close(self) -> None:
        """End of stream: an event without its terminating blank line is discarded.

        Idempotent. Later `feed` calls raise `SSEProtocolError`.
        """
        self._closed = True
        # Frees the buffered bytes only: nothing reads them again (mutants are equivalent).
        self._buf = bytearray()  # pragma: no mutate
        self._event = ""  # pragma: no mutate
        self._data = []  # pragma: no mutate

    def _check_tail(self) -> None:
        if len(self._buf) > self._max:
            self._fail(
                f"an event exceeded the size cap: {len(self._buf)} bytes buffered without "
                f"its end, limit {self._max} bytes (max_event_size)"
            )

    def _fail(self, message: str) -> None:
        self._error = message
        self._buf = bytearray()  # pragma: no mutate (frees memory; every later feed raises)
        raise SSEProtocolError(message)

    def _block(self, block: bytes, out: list[ServerSentEvent]) -> None:
        """Handle the lines of one event by the general rules, then the blank line ending it."""
        if len(block) > self._max:
            self._fail(
                f"an event exceeded the size cap: {len(block)} bytes, limit {self._max} "
                "bytes (max_event_size)"
            )
        for line in block.split(b"\n"):
            if line:
                self._line(line)
            else:
                self._dispatch(out)
        self._dispatch(out)

    def _line(self, line: bytes) -> None:
        colon = line.find(b":")
        if colon == 0:
            return
        if colon < 0:  # pragma: no mutate (colon 0 returned above)
            name, value = line, b""
        else:
            name = line[:colon]
            value = line[colon + 2 :] if line[colon + 1 : colon + 2] == b" " else line[colon + 1 :]
        if name == b"data":
            self._data.append(_text(value))
        elif name == b"event":
            self._event = _text(value)
        elif name == b"id":
            if b"\x00" not in value:
                self._last_id = _text(value)
        elif name == b"retry":
            if value.isdigit() and value.isascii():
                self._retry = int(value)

    def _dispatch(self, out: list[ServerSentEvent]) -> None:
        if self._data:
            out.append(
                ServerSentEvent(
                    self._event or "message", "\n".join(self._data), self._last_id, self._retry
                )
            )
            self._data = []
        self._event = ""
