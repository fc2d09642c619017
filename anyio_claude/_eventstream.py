"""A sans-I/O decoder (and encoder) for AWS's `application/vnd.amazon.eventstream` framing.

Bedrock streams its events in this binary framing instead of SSE. A message is

    total length   uint32, big-endian, the whole message including both CRCs
    headers length uint32
    prelude CRC    CRC-32 of the 8 bytes above
    headers        name length (uint8), UTF-8 name, type (uint8), value; repeated
    payload        total - headers - 16 bytes
    message CRC    CRC-32 of everything before it

and header values are typed: 0/1 true/false (no bytes), 2/3/4/5 signed 8/16/32/64-bit
integers, 6 bytes and 7 UTF-8 strings (uint16 length first), 8 a timestamp (int64
milliseconds since the epoch), 9 a 16-byte UUID. Values decode to `bool`, `int` (the
timestamp too), `bytes` (the UUID too) and `str`, as botocore's `EventStreamBuffer` gives them.

Like `sse.SSEDecoder`, it takes bytes and returns the messages they complete; it never does
I/O. Any broken framing raises `EventStreamProtocolError` and leaves the decoder unusable.

`BedrockEventDecoder` goes one step further, to what the streams consume: Bedrock wraps each
API event's JSON, base64-encoded, in the `bytes` member of a `chunk` event's JSON payload,
and reports failures as `exception` (or `error`) messages, which become `error` events.
"""

from __future__ import annotations

import struct
from zlib import crc32

import msgspec

from ._exceptions import EventStreamProtocolError

__all__ = (
    "BedrockEventDecoder",
    "EventStreamDecoder",
    "EventStreamMessage",
    "EventStreamProtocolError",
    "encode_message",
)

HeaderValue = bool | int | bytes | str

_PRELUDE = struct.Struct("!III")
_CRC = struct.Struct("!I")
_PRELUDE_LEN = 12
_OVERHEAD = 16  # prelude and the message CRC
# botocore's limits: headers over 128 KiB or a payload over 24 MiB are refused.
_MAX_HEADERS = 128 * 1024
_DEFAULT_MAX_PAYLOAD = 24 * 1024 * 1024
_INTS = {
    2: struct.Struct("!b"),
    3: struct.Struct("!h"),
    4: struct.Struct("!i"),
    5: struct.Struct("!q"),
    8: struct.Struct("!q"),
}


class EventStreamMessage(msgspec.Struct, frozen=True, gc=False):
    """One decoded message: its `headers` (name to value, in wire order) and raw `payload`."""

    headers: dict[str, HeaderValue]
    payload: bytes


def _headers(raw: bytes) -> dict[str, HeaderValue]:
    out: dict[str, HeaderValue] = {}
    pos, end = 0, len(raw)
    try:
        while pos < end:
            size = raw[pos]
            name = raw[pos + 1 : pos + 1 + size].decode()
            pos += 1 + size
            kind = raw[pos]
            pos += 1
            value: HeaderValue
            if kind == 0 or kind == 1:
                value = kind == 0
            elif kind in _INTS:
                fmt = _INTS[kind]
                (value,) = fmt.unpack_from(raw, pos)
                pos += fmt.size
            elif kind == 6 or kind == 7:
                (length,) = struct.unpack_from("!H", raw, pos)
                data = raw[pos + 2 : pos + 2 + length]
                if len(data) != length:
                    raise EventStreamProtocolError("a header value runs past the headers")
                value = data if kind == 6 else data.decode()
                pos += 2 + length
            elif kind == 9:
                value = raw[pos : pos + 16]
                if len(value) != 16:
                    raise EventStreamProtocolError("a UUID header value runs past the headers")
                pos += 16
            else:
                raise EventStreamProtocolError(f"unknown header value type {kind}")
            if name in out:
                raise EventStreamProtocolError(f"duplicate header {name!r}")
            out[name] = value
    except (IndexError, struct.error) as exc:
        raise EventStreamProtocolError("a header runs past the headers") from exc
    except UnicodeDecodeError as exc:
        raise EventStreamProtocolError("a header name or string is not UTF-8") from exc
    return out


class EventStreamDecoder:
    """Turns the bytes of an event stream into `EventStreamMessage`s.

    `max_payload_size` caps one message's payload (botocore's 24 MiB by default); headers
    are capped at 128 KiB. A bad CRC, an impossible length or broken headers raise
    `EventStreamProtocolError`; after that (or after `close`) every `feed` raises too.
    """

    __slots__ = ("_buf", "_closed", "_error", "_max")

    def __init__(self, *, max_payload_size: int = _DEFAULT_MAX_PAYLOAD) -> None:
        if max_payload_size < 0:
            raise ValueError("max_payload_size must not be negative")
        self._max = max_payload_size
        self._buf = bytearray()
        self._closed = False
        self._error: str | None = None

    def feed(self, data: bytes) -> list[EventStreamMessage]:
        """Take the next bytes of the stream; return the messages they complete, in order.

        Raises `EventStreamProtocolError` on broken framing, or if the decoder was closed
        or failed before.
        """
        if self._error is not None:
            raise EventStreamProtocolError(
                f"decoder is unusable after an earlier error: {self._error}"
            )
        if self._closed:
            raise EventStreamProtocolError("decoder is closed")
        buf = self._buf
        buf += data
        out: list[EventStreamMessage] = []
        start, have = 0, len(buf)
        try:
            while have - start >= _PRELUDE_LEN:
                total, headers_len, prelude_crc = _PRELUDE.unpack_from(buf, start)
                if crc32(buf[start : start + 8]) != prelude_crc:
                    raise EventStreamProtocolError("prelude CRC mismatch")
                if headers_len > _MAX_HEADERS:
                    raise EventStreamProtocolError(
                        f"headers length {headers_len} exceeds {_MAX_HEADERS}"
                    )
                payload_len = total - headers_len - _OVERHEAD
                if payload_len < 0:
                    raise EventStreamProtocolError(
                        f"total length {total} cannot hold {headers_len} bytes of headers"
                    )
                if payload_len > self._max:
                    raise EventStreamProtocolError(
                        f"payload length {payload_len} exceeds {self._max}"
                    )
                if have - start < total:
                    break
                end = start + total - 4
                (message_crc,) = _CRC.unpack_from(buf, end)
                if crc32(buf[start + 8 : end], prelude_crc) != message_crc:
                    raise EventStreamProtocolError("message CRC mismatch")
                headers_end = start + _PRELUDE_LEN + headers_len
                out.append(
                    EventStreamMessage(
                        _headers(bytes(buf[start + _PRELUDE_LEN : headers_end])),
                        bytes(buf[headers_end:end]),
                    )
                )
                start += total
        except EventStreamProtocolError as exc:
            self._error = str(exc)
            self._buf = bytearray()
            exc.decoded = out
            raise
        if start:
            del buf[:start]
        return out

    @property
    def buffered(self) -> int:
        """How many bytes of an incomplete message are held (nonzero at a cut stream's end)."""
        return len(self._buf)

    def close(self) -> None:
        """End of stream: an incomplete message is discarded. Idempotent."""
        self._closed = True
        self._buf = bytearray()


class _Chunk(msgspec.Struct, gc=False):
    data: bytes = msgspec.field(name="bytes")  # base64 in the JSON, decoded by msgspec


class _Exception(msgspec.Struct, gc=False):
    message: str | None = None
    Message: str | None = None


_decode_chunk = msgspec.json.Decoder(_Chunk).decode
_decode_exception = msgspec.json.Decoder(_Exception).decode
_encode_json = msgspec.json.Encoder().encode


class BedrockEventDecoder:
    """Bedrock's `invoke-with-response-stream` body to the JSON of each API event, with the
    interface of `sse.SSEDecoder.feed_data` (so the streams read either).

    A `chunk` event gives the JSON its `bytes` member holds; an `exception` message (its
    `:exception-type` header and payload `message`, else `Message`, else the payload's
    text when it is not a JSON object) or an `error` message (`:error-code` and
    `:error-message` headers) gives an `{"type": "error", ...}` event with that type and
    message (`""` for one missing or not a string), as the official SDK turns them;
    other messages are skipped. Broken
    framing or a chunk payload that is not `{"bytes": base64}` raises
    `EventStreamProtocolError`.
    """

    __slots__ = ("_frames",)

    def __init__(self) -> None:
        self._frames = EventStreamDecoder()

    def feed_data(self, data: bytes) -> list[bytes]:
        """Take the next bytes of the body; return the event JSON they complete, in order."""
        try:
            messages = self._frames.feed(data)
        except EventStreamProtocolError as exc:
            exc.decoded = self._events(exc.decoded)
            raise
        return self._events(messages)

    def _events(self, messages: list[EventStreamMessage]) -> list[bytes]:
        out: list[bytes] = []
        for message in messages:
            headers = message.headers
            kind = headers.get(":message-type")
            if kind == "event":
                if headers.get(":event-type") == "chunk":
                    try:
                        out.append(_decode_chunk(message.payload).data)
                    except msgspec.DecodeError as exc:  # ValidationError included
                        raise EventStreamProtocolError(
                            f'a chunk payload is not {{"bytes": base64}}: {exc}'
                        ) from None
            elif kind == "exception":
                try:
                    body = _decode_exception(message.payload)
                except msgspec.DecodeError:
                    # Not a JSON object: its text is the message, as botocore (so the
                    # official SDK) reads it.
                    body = _Exception(message.payload.decode("utf-8", "replace"))
                text = body.message if body.message is not None else body.Message
                out.append(_error_event(headers.get(":exception-type"), text))
            elif kind == "error":
                out.append(_error_event(headers.get(":error-code"), headers.get(":error-message")))
        return out

    @property
    def buffered(self) -> int:
        """How many bytes of an incomplete message are held."""
        return self._frames.buffered

    def close(self) -> None:
        """End of the body: an incomplete message is discarded. Idempotent."""
        self._frames.close()


def _error_event(error_type: HeaderValue | None, message: HeaderValue | None) -> bytes:
    return _encode_json(
        {
            "type": "error",
            "error": {
                "type": error_type if isinstance(error_type, str) else "",
                "message": message if isinstance(message, str) else "",
            },
        }
    )


def encode_message(headers: dict[str, HeaderValue], payload: bytes) -> bytes:
    """One message in the framing: `bool`, `int` (as a 32-bit integer, or 64-bit when it
    does not fit), `bytes` and `str` header values. Raises `ValueError` for a value or name
    the framing cannot carry."""
    parts: list[bytes] = []
    for name, value in headers.items():
        raw_name = name.encode()
        if not 0 < len(raw_name) < 256:
            raise ValueError(f"header name {name!r} must be 1 to 255 bytes")
        parts.append(bytes((len(raw_name),)) + raw_name)
        if isinstance(value, bool):
            parts.append(b"\x00" if value else b"\x01")
        elif isinstance(value, int):
            wide = not -(2**31) <= value < 2**31
            parts.append(
                b"\x05" + struct.pack("!q", value) if wide else b"\x04" + struct.pack("!i", value)
            )
        else:
            raw = value.encode() if isinstance(value, str) else value
            if len(raw) > 0xFFFF:
                raise ValueError(f"header {name!r} is longer than 65535 bytes")
            parts.append(
                (b"\x07" if isinstance(value, str) else b"\x06") + struct.pack("!H", len(raw)) + raw
            )
    head = b"".join(parts)
    total = len(head) + len(payload) + _OVERHEAD
    prelude = struct.pack("!II", total, len(head))
    prelude += _CRC.pack(crc32(prelude))
    body = prelude + head + payload
    return body + _CRC.pack(crc32(body))
