"""The base classes every wire type shares, and the one JSON encoder that knows about them."""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

__all__ = ("BaseStruct", "TaggedStruct", "Unknown", "encode_json", "to_builtins")


def _json_hook(obj: Any) -> Any:
    # Unknown wire objects are written back byte for byte, so they survive a round trip
    # through this client even when it cannot interpret them.
    if isinstance(obj, Unknown):
        return msgspec.Raw(obj.raw)
    raise NotImplementedError(f"cannot encode {type(obj).__name__} as JSON")


def _builtins_hook(obj: Any) -> Any:
    if isinstance(obj, Unknown):
        return obj.to_dict()
    raise NotImplementedError(f"cannot convert {type(obj).__name__} to builtins")


_encoder = msgspec.json.Encoder(enc_hook=_json_hook)


def encode_json(obj: object) -> bytes:
    """Encode wire types, TypedDict params and plain Python values as JSON bytes."""
    return _encoder.encode(obj)


def to_builtins(obj: object) -> Any:
    """Convert wire types to dicts/lists/str/int/float/bool/None (datetimes become str)."""
    return msgspec.to_builtins(obj, enc_hook=_builtins_hook)


class BaseStruct(msgspec.Struct, omit_defaults=True):
    """Base of every response type: typed, ignores unknown fields, omits unset optionals."""

    # Set on the objects a request returned (as in the official SDK); None elsewhere.
    _request_id: ClassVar[str | None] = None

    def to_dict(self) -> dict[str, Any]:
        """This object as plain JSON-compatible Python values."""
        result: dict[str, Any] = to_builtins(self)
        return result

    def to_json(self, *, indent: int = 0) -> str:
        """This object as a JSON string (pretty-printed when `indent` > 0)."""
        data = encode_json(self)
        if indent:
            data = msgspec.json.format(data, indent=indent)
        return data.decode()


class TaggedStruct(BaseStruct, tag_field="type"):
    """Base of the members of tagged unions (blocks, deltas, events, citations).

    Subclasses declare `type` as a `ClassVar` so that `obj.type` works like in the official
    SDK while msgspec keeps using the tag to pick the class.
    """


class Unknown:
    """A wire object of a `type` this client does not know, kept as the exact JSON it came in.

    It encodes back to the same bytes, so a new kind of content block can be sent back in
    the next turn unchanged. `to_dict()` and item access (`block["field"]`) read its fields.
    """

    __slots__ = ("_dict", "raw", "type")

    type: str
    raw: bytes

    def __init__(self, type: str, raw: bytes) -> None:
        self.type = type
        self.raw = raw
        self._dict: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The object's fields as decoded JSON (a fresh dict each call)."""
        if self._dict is None:
            decoded = msgspec.json.decode(self.raw)
            self._dict = decoded if isinstance(decoded, dict) else {"value": decoded}
        return dict(self._dict)

    def to_json(self, *, indent: int = 0) -> str:
        """The exact JSON this object was decoded from (re-indented when `indent` > 0)."""
        if indent:
            return msgspec.json.format(self.raw, indent=indent).decode()
        return self.raw.decode()

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Unknown)
        return self.raw == other.raw

    def __hash__(self) -> int:
        return hash((type(self), self.raw))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(type={self.type!r}, raw={self.raw!r})"
