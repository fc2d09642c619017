"""Decoding JSON into wire types: a typed fast path, and a lenient path for API drift.

Each type has one msgspec Decoder, built once and reused. The wire Structs forbid unknown
fields, so a clean reply takes one C-speed decode and anything new (a key, a `type` tag,
a `Literal` value, a null or missing known key) makes that decode fail. Only then does the
lenient path look closer: it splits the JSON one level (`msgspec.Raw` members), retries
each member with its own typed decoder and descends only into the members that fail, so
one drifted block costs a slow path for that block alone. There it:

- keeps unknown keys on the object (`_base.mark_drift`);
- turns an unknown `type` tag into the `Unknown…` class of its union, with the raw bytes;
- keeps a new string for a `Literal` of several values (a new stop reason, tier, ...);
- gives a known key that is absent or null its default (None, or 0 / "" / [] / an empty
  object for a required one).

What no future API could send still fails: invalid JSON, a value of the wrong JSON type, a
different identity (`"type": "message"` expected), a missing tag or date.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from typing import Any, Generic, Literal, TypeVar, Union, get_args, get_origin

import msgspec

from .._exceptions import EventProtocolError, ProtocolError, ValidationError
from ._base import Unknown, check_tag, encode_json, mark_drift
from ._wire import (
    ContentBlock,
    Message,
    MessageBatchIndividualResponse,
    MessageStreamEvent,
    RawContentBlockDelta,
    TextCitation,
    UnknownBlock,
    UnknownCitation,
    UnknownDelta,
    UnknownEvent,
)

__all__ = (
    "LenientDecoder",
    "construct",
    "convert_key",
    "decode_batch_result_line",
    "decode_content_block",
    "decode_event",
    "decode_events",
    "decode_message",
    "validate",
)

_T = TypeVar("_T")
_S = TypeVar("_S", bound=msgspec.Struct)

_UNKNOWN: dict[type, type[Unknown]] = {}
for _union, _unknown in (
    (ContentBlock, UnknownBlock),
    (RawContentBlockDelta, UnknownDelta),
    (MessageStreamEvent, UnknownEvent),
    (TextCitation, UnknownCitation),
):
    for _member in get_args(_union):
        _UNKNOWN[_member] = _unknown


class _Invalid(Exception):
    """Data the lenient path cannot accept; `where` is the path to it, outermost first."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def at(self, key: str | int) -> _Invalid:
        step = f"[{key}]" if isinstance(key, int) else f".{key}"
        self.where = step + self.where
        return self

    def __str__(self) -> str:
        return f"{self.message} - at `$.{self.where.lstrip('.')}`" if self.where else self.message


class _Head(msgspec.Struct):
    type: str


_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}
_raw_object = msgspec.json.Decoder(dict[str, msgspec.Raw])
_raw_array = msgspec.json.Decoder(list[msgspec.Raw])
_head_decoder = msgspec.json.Decoder(_Head)
_NULL = b"null"


def _typed(tp: Any) -> msgspec.json.Decoder[Any]:
    decoder = _decoders.get(tp)
    if decoder is None:
        decoder = _decoders[tp] = msgspec.json.Decoder(tp)
    return decoder


def _lenient(raw: bytes | str | msgspec.Raw, tp: Any) -> tuple[Any, bool]:
    """Decode `raw` as `tp`; returns the value and whether it (or a part) kept unknown keys.

    Raises `_Invalid`, and `msgspec.DecodeError` for invalid JSON.
    """
    try:
        return _typed(tp).decode(raw), False
    except msgspec.ValidationError as exc:
        return _slow(raw, tp, exc)


def _slow(
    raw: bytes | str | msgspec.Raw, tp: Any, exc: msgspec.ValidationError
) -> tuple[Any, bool]:
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return _slow_union(raw, get_args(tp), exc)
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        if tp.__struct_config__.tag is not None:
            return _slow_union(raw, (tp,), exc)
        return _slow_struct(raw, tp)
    if origin is list:
        (item_type,) = get_args(tp)
        try:
            items = _raw_array.decode(raw)
        except msgspec.ValidationError:
            raise _Invalid(str(exc)) from None
        result: list[Any] = []
        drifted = False
        for i, item in enumerate(items):
            try:
                value, item_drifted = _lenient(item, item_type)
            except _Invalid as inner:
                raise inner.at(i) from None
            result.append(value)
            drifted = drifted or item_drifted
        return result, drifted
    if origin is Literal:
        choices = get_args(tp)
        value = msgspec.json.decode(raw)
        # A Literal of several strings is an enumeration the API may extend; one of a
        # single value names what the object is, and a different one is another object.
        if isinstance(value, str) and len(choices) > 1 and all(isinstance(c, str) for c in choices):
            return value, False
    raise _Invalid(str(exc))


def _slow_union(
    raw: bytes | str | msgspec.Raw, members: tuple[Any, ...], exc: msgspec.ValidationError
) -> tuple[Any, bool]:
    tags, unknown, array, other = _union_plan(members)
    if array is not None and _is_array(raw):
        return _slow(raw, array, exc)
    if tags:
        try:
            kind = _head_decoder.decode(raw).type
        except msgspec.ValidationError:
            raise _Invalid(str(exc)) from None
        member = tags.get(kind)
        if member is not None:
            return _slow_struct(raw, member)
        return unknown(kind, bytes(raw.encode() if isinstance(raw, str) else raw)), False
    if other is not None:
        return _slow(raw, other, exc)
    raise _Invalid(str(exc))


_unions: dict[tuple[Any, ...], tuple[dict[str, Any], type[Unknown], Any, Any]] = {}


def _union_plan(members: tuple[Any, ...]) -> tuple[dict[str, Any], type[Unknown], Any, Any]:
    """For a union: its tagged Structs by tag, the class of unknown tags, its list member
    (or None: msgspec allows one), else its one other non-None member (or None)."""
    plan = _unions.get(members)
    if plan is None:
        tags: dict[str, Any] = {
            str(m.__struct_config__.tag): m
            for m in members
            if isinstance(m, type) and issubclass(m, msgspec.Struct) and m.__struct_config__.tag
        }
        unknown = next((_UNKNOWN[m] for m in tags.values() if m in _UNKNOWN), Unknown)
        arrays = [m for m in members if get_origin(m) is list]
        others = [m for m in members if m is not type(None) and get_origin(m) is not list]
        # Several `Literal`s (`StopReason | BetaStopReason`) are one enumeration.
        values = [v for m in others if get_origin(m) is Literal for v in get_args(m)]
        others = [m for m in others if get_origin(m) is not Literal]
        if values:
            others.append(Literal[tuple(dict.fromkeys(values))])
        plan = _unions[members] = (
            tags,
            unknown,
            arrays[0] if arrays else None,
            others[0] if len(others) == 1 else None,
        )
    return plan


def _is_array(raw: bytes | str | msgspec.Raw) -> bool:
    """Whether the JSON `raw` is an array (the union member to try is then the list)."""
    if isinstance(raw, str):
        return raw.lstrip().startswith("[")
    return bytes(raw).lstrip().startswith(b"[")


class _Field:
    __slots__ = ("key", "name", "nullable", "required", "type")

    def __init__(self, info: msgspec.structs.FieldInfo) -> None:
        self.name = info.name
        self.key = info.encode_name
        self.type = info.type
        self.required = info.required
        self.nullable = info.type is Any or type(None) in get_args(info.type)


_fields: dict[type, tuple[dict[str, _Field], list[_Field]]] = {}


def _struct_fields(tp: type[msgspec.Struct]) -> tuple[dict[str, _Field], list[_Field]]:
    known = _fields.get(tp)
    if known is None:
        fields = [_Field(f) for f in msgspec.structs.fields(tp)]
        known = _fields[tp] = ({f.key: f for f in fields}, [f for f in fields if f.required])
    return known


def _slow_struct(raw: bytes | str | msgspec.Raw, tp: type[msgspec.Struct]) -> tuple[Any, bool]:
    try:
        members = _raw_object.decode(raw)
    except msgspec.ValidationError:
        raise _Invalid(f"Expected `object` for {tp.__name__}") from None
    by_key, required = _struct_fields(tp)
    tag_field = tp.__struct_config__.tag_field
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    drifted = False
    for key, member in members.items():
        field = by_key.get(key)
        if field is None:
            if key != tag_field:
                extra[key] = msgspec.json.decode(member)
            continue
        if not field.nullable and bytes(member) == _NULL:
            continue  # takes the default, below or in the constructor
        try:
            value, member_drifted = _lenient(member, field.type)
        except _Invalid as inner:
            raise inner.at(key) from None
        kwargs[field.name] = value
        drifted = drifted or member_drifted
    for field in required:
        if field.name not in kwargs:
            kwargs[field.name] = _zero(field)
    obj = tp(**kwargs)
    if (extra or drifted) and tp.__struct_config__.dict:
        mark_drift(obj, extra)
        return obj, True
    return obj, False


def _zero(field: _Field) -> Any:
    """The value of a required key the API left out (or sent as null)."""
    tp = field.type
    if field.nullable:
        return None
    if tp in (int, float, str, bool, list, dict):
        return tp()
    origin = get_origin(tp)
    if origin in (list, dict):
        return origin()
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct) and tp.__struct_config__.tag is None:
        try:
            return _slow_struct(b"{}", tp)[0]
        except _Invalid as inner:
            raise inner.at(field.key) from None
    raise _Invalid(f"Object missing required field `{field.key}`")


def convert_key(tp: type[msgspec.Struct], key: str, value: Any) -> tuple[bool, Any]:
    """Whether `key` is a known key of `tp`, and `value` (plain JSON) decoded as its type.

    For the accumulator, which applies `message_delta` keys to the message: raises
    `EventProtocolError` for a value no version of the API could send.
    """
    field = _struct_fields(tp)[0].get(key)
    if field is None:
        return False, None
    try:
        return True, _lenient(msgspec.json.encode(value), field.type)[0]
    except _Invalid as exc:
        raise EventProtocolError(f"invalid {key!r}: {exc}") from None


def validate(tp: type[_S], data: bytes | bytearray | str) -> _S:
    """`tp.model_validate_json(data)`: `data` decoded as a reply is (see above).

    Raises `ValidationError` for invalid JSON, for data no version of the API could send,
    and for the JSON of another tagged type (`TextBlock` from a `thinking` block).
    """
    try:
        value: object = _lenient(bytes(data) if isinstance(data, bytearray) else data, tp)[0]
    except _Invalid as exc:
        raise ValidationError(f"invalid {tp.__name__}: {exc}") from None
    except msgspec.DecodeError as exc:
        raise ValidationError(f"{tp.__name__} is not valid JSON: {exc}") from None
    if isinstance(value, Unknown):  # the JSON of a tagged type with another `type`
        check_tag(tp, value.type)
    assert isinstance(value, tp)
    return value


def construct(tp: type[_S], values: dict[str, Any]) -> _S:
    """`tp.model_construct(**values)`: no validation, as the official SDK's `construct`.

    Each value of a known key is decoded as its field's type when it can be (so nested
    dicts become wire objects) and kept as given when it cannot; a field left out is None;
    other keys are kept as unknown keys. Only a `type` other than a tagged type's own
    raises (`ValidationError`).
    """
    by_key, required = _struct_fields(tp)
    tag_field = tp.__struct_config__.tag_field
    kwargs: dict[str, Any] = {field.name: None for field in required}
    extra: dict[str, Any] = {}
    drifted = False
    for key, value in values.items():
        field = by_key.get(key)
        if field is not None:
            kwargs[field.name], value_drifted = _loose(value, field.type)
            drifted = drifted or value_drifted
        elif key == tag_field:
            check_tag(tp, value)
        else:
            extra[key] = value
    obj = tp(**kwargs)
    if extra or drifted:
        mark_drift(obj, extra)
    return obj


def _loose(value: Any, tp: Any) -> tuple[Any, bool]:
    # `value` decoded as `tp` (and whether it kept unknown keys), or as given if it cannot be.
    try:
        return _lenient(encode_json(value), tp)
    except (_Invalid, NotImplementedError):
        return value, False


class LenientDecoder(Generic[_T]):
    """A drop-in for `msgspec.json.Decoder(type)` that tolerates API drift (see above).

    `decode` raises `msgspec.DecodeError` for invalid JSON and `msgspec.ValidationError`
    for data no version of the API could send.
    """

    __slots__ = ("_decoder", "_type")

    def __init__(self, type: type[_T]) -> None:
        self._type = type
        # Built on first use: msgspec takes milliseconds to plan a large union, and most
        # programs decode only a few of the types that have a module-level decoder.
        self._decoder: msgspec.json.Decoder[_T] | None = None

    def decode(self, data: bytes | str | msgspec.Raw) -> _T:
        """Decode `data` as this decoder's type."""
        decoder = self._decoder
        if decoder is None:
            decoder = self._decoder = _typed(self._type)
        try:
            return decoder.decode(data)
        except msgspec.ValidationError as exc:
            try:
                value: _T = _slow(data, self._type, exc)[0]
            except _Invalid as inner:
                raise msgspec.ValidationError(str(inner)) from None
            return value


def _decode(
    decoder: LenientDecoder[_T],
    data: bytes | str | msgspec.Raw,
    what: str,
    error: type[ProtocolError],
) -> _T:
    try:
        return decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise error(f"invalid {what}: {exc}") from None
    except msgspec.DecodeError as exc:
        raise error(f"{what} is not valid JSON: {exc}") from None


_event_decoder: LenientDecoder[MessageStreamEvent] = LenientDecoder(MessageStreamEvent)  # type: ignore[arg-type]
_message_decoder = LenientDecoder(Message)
_block_decoder: LenientDecoder[ContentBlock] = LenientDecoder(ContentBlock)  # type: ignore[arg-type]
_batch_line_decoder = LenientDecoder(MessageBatchIndividualResponse)


def _first_decode_event(data: bytes | str) -> MessageStreamEvent:
    # Builds the event decoder on first use (see `LenientDecoder`), then steps aside.
    global _decode_event_typed
    decode: Callable[[bytes | str], MessageStreamEvent] = _typed(MessageStreamEvent).decode
    _decode_event_typed = decode
    return decode(data)


_decode_event_typed: Callable[[bytes | str], MessageStreamEvent] = _first_decode_event


def decode_event(data: bytes | str) -> MessageStreamEvent:
    """Decode the `data` of one stream event into its typed event.

    Unknown event, block and delta types decode to `UnknownEvent`, `UnknownBlock` and
    `UnknownDelta`; unknown keys are kept. Bytes give the same event as their UTF-8 text
    (invalid UTF-8 read as U+FFFD). Raises `EventProtocolError` for invalid JSON or data
    no version of the API could send.
    """
    try:
        event: MessageStreamEvent = _decode_event_typed(data)
    except msgspec.ValidationError as exc:
        if not isinstance(data, str):
            return _decode_event_text(data)
        try:
            drifted: MessageStreamEvent = _slow(data, MessageStreamEvent, exc)[0]
        except _Invalid as inner:
            raise EventProtocolError(f"invalid stream event: {inner}") from None
        except msgspec.DecodeError as inner:
            raise EventProtocolError(f"stream event is not valid JSON: {inner}") from None
        return drifted
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        if not isinstance(data, str):
            return _decode_event_text(data)
        raise EventProtocolError(f"stream event is not valid JSON: {exc}") from None
    return event


def _decode_event_text(data: bytes) -> MessageStreamEvent:
    # Only clean events take the typed decode on bytes. Drift, invalid JSON and invalid
    # UTF-8 are handled on the text, so bytes and text give equal events and errors.
    return decode_event(str(data, "utf-8", "replace"))


def decode_events(
    datas: Sequence[bytes | str],
) -> tuple[list[MessageStreamEvent], EventProtocolError | None]:
    """Decode the `data` of several stream events, in order, as `decode_event` does.

    Returns the events and None; or, when one cannot be decoded, the events before it and
    the `EventProtocolError` that `decode_event` raises for it.
    """
    try:
        # Nearly every batch is clean: one typed decode per event, with no Python call
        # or error handling of our own in between.
        return list(map(_decode_event_typed, datas)), None
    except (msgspec.DecodeError, UnicodeDecodeError):  # ValidationError is a DecodeError
        pass
    events: list[MessageStreamEvent] = []
    for data in datas:
        try:
            events.append(decode_event(data))
        except EventProtocolError as exc:
            return events, exc
    return events, None


def decode_message(data: bytes | str | msgspec.Raw) -> Message:
    """Decode a `Message` (a create reply, or the message of `message_start`).

    Unknown content block types become `UnknownBlock`s and unknown keys are kept.
    Raises `ProtocolError` when the JSON is invalid or is not a message.
    """
    return _decode(_message_decoder, data, "message", ProtocolError)


def decode_content_block(data: bytes | str | msgspec.Raw) -> ContentBlock:
    """Decode one content block; an unknown `type` gives an `UnknownBlock`.

    Raises `ProtocolError` for invalid JSON or a block no version of the API could send.
    """
    return _decode(_block_decoder, data, "content block", ProtocolError)


def decode_batch_result_line(data: bytes | str) -> MessageBatchIndividualResponse:
    """Decode one line of a batch's JSONL results.

    Unknown content blocks inside a succeeded message become `UnknownBlock`s. Raises
    `ProtocolError` for a line that is not a batch result.
    """
    return _decode(_batch_line_decoder, data, "batch result line", ProtocolError)
