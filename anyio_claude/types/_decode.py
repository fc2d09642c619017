"""Decoding JSON into wire types: a typed fast path, and a lenient path for unknown types.

Each top-level type has one module-level msgspec Decoder, reused for every call. Known
shapes take one C-speed decode. Only when that fails validation do we look closer: an
unknown `type` tag becomes an `Unknown…` object holding the raw JSON, anything else is a
protocol error.
"""

from __future__ import annotations

from typing import Any, TypeVar, get_args

import msgspec

from .._errors import EventProtocolError, ProtocolError
from ._base import Unknown
from ._wire import (
    ContentBlock,
    ContentBlockDeltaEvent,
    ContentBlockStartEvent,
    KnownContentBlock,
    KnownDelta,
    KnownStreamEvent,
    Message,
    MessageBatchIndividualResponse,
    MessageBatchResult,
    MessageBatchSucceededResult,
    MessageStartEvent,
    MessageStreamEvent,
    RawContentBlockDelta,
    UnknownBlock,
    UnknownDelta,
    UnknownEvent,
)

__all__ = (
    "decode_batch_result_line",
    "decode_content_block",
    "decode_event",
    "decode_message",
)

_U = TypeVar("_U", bound=Unknown)


def _tags(union: Any) -> frozenset[str]:
    return frozenset(t.__struct_config__.tag for t in get_args(union))


_BLOCK_TYPES = _tags(KnownContentBlock)
_DELTA_TYPES = _tags(KnownDelta)
_EVENT_TYPES = _tags(KnownStreamEvent)


class _Head(msgspec.Struct):
    type: str


class _LenientMessage(msgspec.Struct):
    content: list[msgspec.Raw]


class _LenientBlockStart(msgspec.Struct):
    index: int
    content_block: msgspec.Raw


class _LenientBlockDelta(msgspec.Struct):
    index: int
    delta: msgspec.Raw


class _LenientMessageStart(msgspec.Struct):
    message: msgspec.Raw


class _LenientBatchLine(msgspec.Struct):
    custom_id: str
    result: msgspec.Raw


class _LenientSucceeded(msgspec.Struct):
    message: msgspec.Raw


_event_decoder = msgspec.json.Decoder(KnownStreamEvent)
_message_decoder = msgspec.json.Decoder(Message)
_block_decoder = msgspec.json.Decoder(KnownContentBlock)
_delta_decoder = msgspec.json.Decoder(KnownDelta)
_batch_line_decoder = msgspec.json.Decoder(MessageBatchIndividualResponse)
_batch_result_decoder = msgspec.json.Decoder(MessageBatchResult)
_head_decoder = msgspec.json.Decoder(_Head)


def _raw_bytes(data: bytes | str | msgspec.Raw) -> bytes:
    if isinstance(data, str):
        return data.encode()
    return bytes(data)


def _head(data: bytes | str | msgspec.Raw, what: str, error: type[ProtocolError]) -> str:
    try:
        return _head_decoder.decode(data).type
    except msgspec.DecodeError as exc:  # ValidationError is a DecodeError too
        raise error(f"invalid {what}: {exc}") from None


def _lenient(
    decoder: msgspec.json.Decoder[Any],
    data: bytes | str | msgspec.Raw,
    known: frozenset[str],
    unknown: type[_U],
    what: str,
    error: type[ProtocolError],
) -> Any:
    try:
        return decoder.decode(data)
    except msgspec.ValidationError as exc:
        kind = _head(data, what, error)
        if kind in known:
            raise error(f"invalid {what} of type {kind!r}: {exc}") from None
        return unknown(kind, _raw_bytes(data))
    except msgspec.DecodeError as exc:
        raise error(f"{what} is not valid JSON: {exc}") from None


def decode_content_block(data: bytes | str | msgspec.Raw) -> ContentBlock:
    """Decode one content block; an unknown `type` gives an `UnknownBlock`.

    Raises `ProtocolError` for invalid JSON or a known block type of the wrong shape.
    """
    block: ContentBlock = _lenient(
        _block_decoder, data, _BLOCK_TYPES, UnknownBlock, "content block", ProtocolError
    )
    return block


def decode_message(data: bytes | str | msgspec.Raw) -> Message:
    """Decode a `Message` (a create reply, or the message of `message_start`).

    Unknown content block types become `UnknownBlock`s. Raises `ProtocolError` when the
    JSON is invalid or is not a message.
    """
    try:
        return _message_decoder.decode(data)
    except msgspec.ValidationError as first:
        try:
            blocks = [decode_content_block(raw) for raw in _lenient_content(data)]
            # Decoding the rest without the blocks validates every other field.
            rest = _message_decoder.decode(_without_content(data))
        except (msgspec.DecodeError, ProtocolError) as exc:
            raise ProtocolError(f"invalid message: {first}") from exc
        return msgspec.structs.replace(rest, content=blocks)
    except msgspec.DecodeError as exc:
        raise ProtocolError(f"message is not valid JSON: {exc}") from None


def _lenient_content(data: bytes | str | msgspec.Raw) -> list[msgspec.Raw]:
    return msgspec.json.decode(data, type=_LenientMessage).content


def _without_content(data: bytes | str | msgspec.Raw) -> bytes:
    obj = msgspec.json.decode(data)
    if not isinstance(obj, dict):
        raise ProtocolError("message is not a JSON object")
    obj["content"] = []
    return msgspec.json.encode(obj)


def decode_event(data: bytes | str) -> MessageStreamEvent:
    """Decode the `data` of one stream event into its typed event.

    Unknown event, block and delta types decode to `UnknownEvent`, `UnknownBlock` and
    `UnknownDelta`. Raises `EventProtocolError` for invalid JSON or a known event type
    of the wrong shape.
    """
    try:
        event: MessageStreamEvent = _event_decoder.decode(data)
    except msgspec.ValidationError as exc:
        return _decode_event_lenient(data, exc)
    except msgspec.DecodeError as exc:
        raise EventProtocolError(f"stream event is not valid JSON: {exc}") from None
    return event


def _decode_event_lenient(data: bytes | str, exc: msgspec.ValidationError) -> MessageStreamEvent:
    kind = _head(data, "stream event", EventProtocolError)
    if kind not in _EVENT_TYPES:
        return UnknownEvent(kind, _raw_bytes(data))
    try:
        if kind == "content_block_start":
            start = msgspec.json.decode(data, type=_LenientBlockStart)
            block = _lenient(
                _block_decoder,
                start.content_block,
                _BLOCK_TYPES,
                UnknownBlock,
                "content block",
                EventProtocolError,
            )
            return ContentBlockStartEvent(index=start.index, content_block=block)
        if kind == "content_block_delta":
            delta_event = msgspec.json.decode(data, type=_LenientBlockDelta)
            delta: RawContentBlockDelta = _lenient(
                _delta_decoder,
                delta_event.delta,
                _DELTA_TYPES,
                UnknownDelta,
                "delta",
                EventProtocolError,
            )
            return ContentBlockDeltaEvent(index=delta_event.index, delta=delta)
        if kind == "message_start":
            message = msgspec.json.decode(data, type=_LenientMessageStart).message
            return MessageStartEvent(message=decode_message(message))
    except (msgspec.DecodeError, ProtocolError) as inner:
        raise EventProtocolError(f"invalid {kind} event: {inner}") from None
    raise EventProtocolError(f"invalid {kind} event: {exc}")


def decode_batch_result_line(data: bytes | str) -> MessageBatchIndividualResponse:
    """Decode one line of a batch's JSONL results.

    Unknown content blocks inside a succeeded message become `UnknownBlock`s. Raises
    `ProtocolError` for a line that is not a batch result.
    """
    try:
        return _batch_line_decoder.decode(data)
    except msgspec.DecodeError as first:
        try:
            line = msgspec.json.decode(data, type=_LenientBatchLine)
            if _head(line.result, "batch result", ProtocolError) != "succeeded":
                result: MessageBatchResult = _batch_result_decoder.decode(line.result)
            else:
                raw_message = msgspec.json.decode(line.result, type=_LenientSucceeded).message
                result = MessageBatchSucceededResult(message=decode_message(raw_message))
        except (msgspec.DecodeError, ProtocolError) as exc:
            raise ProtocolError(f"invalid batch result line: {first}") from exc
        return MessageBatchIndividualResponse(custom_id=line.custom_id, result=result)
