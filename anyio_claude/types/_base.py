"""The base classes every wire type shares, and the one JSON encoder that knows about them.

Forward compatibility: a wire object decoded from JSON that carried keys this client does
not know keeps them, in its instance `__dict__` under `EXTRA` (a dict, possibly empty).
The same entry marks every object *above* such an object, so that `to_dict()`/`to_json()`
know to walk the tree; objects from clean replies have no entry and convert at C speed.
The unknown keys that name nothing on the class are also copied into the `__dict__` itself,
so that `obj.new_key` reads them at the cost of any attribute (no `__getattr__`).

The names of pydantic's model API that the official SDK's users call (`model_validate`,
`model_dump`, `model_copy`, ...) are here too, on every wire type.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import msgspec

from .._exceptions import ValidationError

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:
    from typing_extensions import dataclass_transform

__all__ = (
    "EXTRA",
    "BaseStruct",
    "TaggedStruct",
    "Unknown",
    "check_tag",
    "encode_json",
    "extra_of",
    "mark_drift",
    "replace",
    "to_builtins",
)

# All unknown keys live in one dict under this name, so that none can shadow a method.
EXTRA = "__wire_extra__"

_T = TypeVar("_T", bound=msgspec.Struct)
_S = TypeVar("_S", bound="BaseStruct")


class _Drift:
    """Whether any object with unknown keys was ever decoded (then encoding walks params)."""

    seen = False


def mark_drift(obj: msgspec.Struct, extra: dict[str, Any]) -> None:
    """Store `extra` (unknown keys, possibly none) on `obj` and mark it as drifted."""
    _set_extra(obj, extra)
    if extra:
        _Drift.seen = True


def _set_extra(obj: msgspec.Struct, extra: dict[str, Any]) -> None:
    # The keys are also attributes, unless the class has that name (a method, a property,
    # the tag) or it starts with "_" (this module's entries, `_request_id`): a key the API
    # adds can never shadow what the class defines. Fields are data descriptors and would
    # win anyway, and unknown keys are never fields.
    state = obj.__dict__
    state[EXTRA] = extra
    cls = type(obj)
    for key, value in extra.items():
        if not key.startswith("_") and not hasattr(cls, key):
            state[key] = value


def extra_of(obj: msgspec.Struct) -> dict[str, Any] | None:
    """The unknown keys `obj` came with; None if neither it nor a part of it had any."""
    try:
        extra: dict[str, Any] | None = obj.__dict__.get(EXTRA)
    except AttributeError:  # a Struct without `dict=True` (e.g. a user's own)
        return None
    return extra


def replace(obj: _T, **changes: Any) -> _T:
    """`msgspec.structs.replace` that keeps the unknown keys `obj` came with, and marks
    the result when a new value has some."""
    new = msgspec.structs.replace(obj, **changes)
    extra = extra_of(obj)
    if extra is None and any(map(_drifted, changes.values())):
        extra = {}
    if extra is not None:
        _set_extra(new, extra)
    return new


def _drifted(value: Any) -> bool:
    if isinstance(value, msgspec.Struct):
        return extra_of(value) is not None
    if isinstance(value, list):
        return any(map(_drifted, value))
    return False


def _plain(obj: Any, full: bool = False, nones: bool = True) -> Any:
    """`obj` with every drifted Struct turned into a dict holding its unknown keys too.

    Clean Structs and `Unknown`s are returned as they are, for msgspec to convert, unless
    `full` (every Struct becomes a dict of all its fields, defaults included, but the
    `_BETA_ONLY` fields the official non-beta type lacks, when None) or not `nones` (the
    fields and keys of Structs and `Unknown`s that are None are left out; the None inside a
    plain dict, such as a tool's `input`, stay).
    """
    if isinstance(obj, msgspec.Struct):
        extra = extra_of(obj)
        if extra is None and not full and nones:
            return obj
        config = obj.__struct_config__
        out: dict[str, Any] = {}
        if config.tag_field is not None:
            out[config.tag_field] = config.tag
        beta_only: Collection[str] = getattr(obj, "_BETA_ONLY", ())
        for field in msgspec.structs.fields(obj):
            value = getattr(obj, field.name)
            if value is None and (not nones or field.name in beta_only):
                continue
            if config.omit_defaults and not full:
                default = field.default
                if field.default_factory is not msgspec.NODEFAULT:
                    default = field.default_factory()
                if default is not msgspec.NODEFAULT and (value is default or value == default):
                    continue
            out[field.encode_name] = _plain(value, full, nones)
        for key, value in (extra or {}).items():
            if value is not None or nones:
                out.setdefault(key, value)
        return out
    if isinstance(obj, Unknown) and not nones:
        return {key: value for key, value in obj.to_dict().items() if value is not None}
    if isinstance(obj, (list, tuple)):
        return [_plain(item, full, nones) for item in obj]
    if isinstance(obj, dict):
        return {key: _plain(value, full, nones) for key, value in obj.items()}
    return obj


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
    """Encode wire types, TypedDict params and plain Python values as JSON bytes.

    Wire objects that came with unknown keys are written with them, so a block can be
    sent back in the next turn exactly as it arrived.
    """
    if _Drift.seen:
        obj = _plain(obj)
    return _encoder.encode(obj)


def to_builtins(obj: object) -> Any:
    """Convert wire types to dicts/lists/str/int/float/bool/None (datetimes become str)."""
    return msgspec.to_builtins(_plain(obj), enc_hook=_builtins_hook)


class _PydanticNames:
    """`model_dump()` / `model_dump_json()`, as pydantic (and so the official SDK) has them,
    taking its common keyword arguments."""

    __slots__ = ()

    def model_dump(
        self,
        *,
        mode: str = "python",
        include: Collection[str] | None = None,
        exclude: Collection[str] | None = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
        warnings: bool | str = True,
    ) -> dict[str, Any]:
        """This object as a dict of every field, defaults included, and the unknown keys.

        `mode="json"` gives JSON-compatible values (datetimes become strings);
        `exclude_unset` / `exclude_defaults` leave out the fields that hold their default
        (msgspec does not record which fields the JSON set, so both do what `to_dict()`
        does); `exclude_none` leaves out the fields and unknown keys that are None, of this
        object and of the objects in it (not inside plain JSON values, such as a tool's
        `input`); `include` / `exclude` keep / drop top-level keys. Keys are always the
        API's, so `by_alias`, `round_trip` and `warnings` change nothing.
        """
        result: dict[str, Any] = msgspec.to_builtins(
            _plain(self, not (exclude_unset or exclude_defaults), not exclude_none),
            builtin_types=() if mode == "json" else (datetime,),
            enc_hook=_builtins_hook,
        )
        if include is not None:
            keys = _top_level(include)
            result = {k: v for k, v in result.items() if k in keys}
        if exclude is not None:
            keys = _top_level(exclude)
            result = {k: v for k, v in result.items() if k not in keys}
        return result

    def model_dump_json(
        self,
        *,
        indent: int | None = None,
        include: Collection[str] | None = None,
        exclude: Collection[str] | None = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
        warnings: bool | str = True,
    ) -> str:
        """`model_dump(mode="json")` as a JSON string, indented when `indent` is given."""
        data = _encoder.encode(
            self.model_dump(
                mode="json",
                include=include,
                exclude=exclude,
                exclude_unset=exclude_unset,
                exclude_defaults=exclude_defaults,
                exclude_none=exclude_none,
            )
        )
        if indent:
            data = msgspec.json.format(data, indent=indent)
        return data.decode()


def _top_level(keys: Collection[str]) -> Collection[str]:
    # pydantic also takes nested specs ({"usage": {"input_tokens"}}): refuse them rather
    # than read them as "all of usage".
    if isinstance(keys, Mapping) and any(v is not True and v is not ... for v in keys.values()):
        raise ValueError(f"include/exclude take top-level keys, not nested ones: {keys!r}")
    return keys


class BaseStruct(
    msgspec.Struct, _PydanticNames, omit_defaults=True, forbid_unknown_fields=True, dict=True
):
    """Base of every response type: typed, keeps unknown keys, omits unset optionals.

    Unknown keys make the fast typed decode fail, and the lenient decoder (`_decode.py`)
    then builds the object and keeps them: `obj.key` (unless the class has that name),
    `obj["key"]` and `obj.model_extra` read them, and `to_dict()`/`to_json()` include them.
    Type checkers do not see them as attributes (as with pydantic's extra keys), so a typo
    in a field name stays an error.
    """

    # Set on the objects a request returned (as in the official SDK); None elsewhere.
    _request_id: ClassVar[str | None] = None

    def to_dict(self) -> dict[str, Any]:
        """This object as plain JSON-compatible Python values, unknown keys included."""
        result: dict[str, Any] = to_builtins(self)
        return result

    def to_json(self, *, indent: int = 0) -> str:
        """This object as a JSON string (pretty-printed when `indent` > 0)."""
        data = _encoder.encode(_plain(self))
        if indent:
            data = msgspec.json.format(data, indent=indent)
        return data.decode()

    @property
    def model_extra(self) -> dict[str, Any]:
        """The keys the API sent that this client does not know (a fresh dict)."""
        return dict(extra_of(self) or ())

    def __getitem__(self, key: str) -> Any:
        """The value of a field by its JSON name, known or unknown; `KeyError` if absent."""
        extra = extra_of(self)
        if extra is not None and key in extra:
            return extra[key]
        if key in self.__struct_encode_fields__:
            return getattr(self, self.__struct_fields__[self.__struct_encode_fields__.index(key)])
        config = self.__struct_config__
        if key == config.tag_field:
            return config.tag
        raise KeyError(key)

    @classmethod
    def model_validate(cls: type[_S], obj: object) -> _S:
        """`obj` (a dict, as `model_dump()` gives) as this type; an instance is returned as is.

        Decoded as a reply is: unknown keys are kept, blocks of unknown types become
        `UnknownBlock`s, absent known keys take their default. Raises `ValidationError`
        (a `ValueError`) for data that is not this type.
        """
        if isinstance(obj, cls):
            return obj
        from ._decode import validate

        try:
            data = encode_json(obj)
        except NotImplementedError as exc:
            raise ValidationError(f"invalid {cls.__name__}: {exc}") from None
        return validate(cls, data)

    @classmethod
    def model_validate_json(cls: type[_S], json_data: str | bytes | bytearray) -> _S:
        """The JSON `json_data` as this type, decoded as `model_validate` decodes a dict.

        Raises `ValidationError` (a `ValueError`) for invalid JSON or data of another type.
        """
        from ._decode import validate

        return validate(cls, json_data)

    @classmethod
    def model_construct(cls: type[_S], **values: Any) -> _S:
        """An instance built from `values` without validation, as the official SDK builds one.

        Nested dicts and lists become wire objects where they decode as the field's type,
        and any value that does not is kept as given; a field left out is None, and keys
        this type does not know are kept as unknown keys.
        """
        from ._decode import construct

        return construct(cls, values)

    def model_copy(self: _S, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> _S:
        """A copy (of every level when `deep`), with the fields and unknown keys in `update`
        replaced. As in pydantic, `update` is not validated."""
        new = copy.deepcopy(self) if deep else self.__copy__()
        config = type(self).__struct_config__
        known: dict[str, Any] = {}
        unknown: dict[str, Any] = {}
        for key, value in (update or {}).items():
            if key in self.__struct_fields__:
                known[key] = value
            elif key == config.tag_field:
                check_tag(type(self), value)
            else:
                unknown[key] = value
        for key, value in known.items():
            setattr(new, key, value)
        extra = extra_of(new)
        if unknown or (extra is None and any(map(_drifted, known.values()))):
            mark_drift(new, {**(extra or {}), **unknown})
        return new

    # msgspec's own copy and pickle support leave the instance `__dict__` out: unknown
    # keys and `_request_id` live there.
    def __copy__(self: _S) -> _S:
        new = msgspec.structs.replace(self)
        new.__dict__.update(self.__dict__)
        return new

    def __reduce__(self) -> tuple[Any, ...]:
        values = tuple(getattr(self, name) for name in self.__struct_fields__)
        return (_restore, (type(self), values, dict(self.__dict__)))


def _restore(cls: type[_S], values: tuple[Any, ...], state: dict[str, Any]) -> _S:
    obj = cls(*values)
    obj.__dict__.update(state)
    return obj


def check_tag(cls: type[msgspec.Struct], value: object) -> None:
    """Raise `ValidationError` unless `value` is the `type` of the tagged type `cls`."""
    tag = cls.__struct_config__.tag
    if value != tag:
        raise ValidationError(f"{cls.__name__} has type {tag!r}, not {value!r}")


class _TaggedMeta(msgspec.StructMeta):
    """The metaclass of the tagged types: their `type` is a class attribute at run time
    (msgspec's tag) that the constructor also takes as an argument."""

    def __new__(
        mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> _TaggedMeta:
        annotations: dict[str, Any] | None = namespace.get("__annotations__")
        if annotations is not None and "type" in annotations:
            if namespace.get("type") != kwargs.get("tag"):
                raise TypeError(f"{name}: `type` must be the tag, {kwargs.get('tag')!r}")
            # Declared as a field, for type checkers; a field named like the tag field
            # would be refused by msgspec, which keeps a class attribute instead.
            annotations["type"] = ClassVar[str]
        return super().__new__(mcls, name, bases, namespace, **kwargs)

    if not TYPE_CHECKING:  # type checkers would take its signature for the constructor's

        def __call__(cls, *args: Any, **kwargs: Any) -> Any:
            if "type" in kwargs:
                check_tag(cls, kwargs.pop("type"))
            return super().__call__(*args, **kwargs)


# For type checkers, the fields of tagged types are keyword-only (as pydantic's are), so
# that `type`, declared first with its one value as default, can come before the others.
@dataclass_transform(kw_only_default=True, field_specifiers=(msgspec.field,))
class TaggedStruct(BaseStruct, tag_field="type", metaclass=_TaggedMeta):
    """Base of the members of tagged unions (blocks, deltas, events, citations).

    Subclasses declare `type: Final[Literal["text"]] = "text"`, the value of their tag: so
    `obj.type` works like in the official SDK and narrows unions in type checkers, and
    `TextBlock(type="text", text="hi")` type-checks (a `type` other than the tag raises
    `ValidationError`). At run time `type` is a class attribute, not a field: msgspec writes
    and reads it as the tag, and the typed decode never calls the constructor (only the
    lenient path, for objects with unknown keys, does).
    """


class Unknown(_PydanticNames):
    """A wire object of a `type` this client does not know, kept as the exact JSON it came in.

    It encodes back to the same bytes, so a new kind of content block can be sent back in
    the next turn unchanged. `to_dict()`, item access (`block["field"]`) and attribute
    access (`block.field`, which type checkers do not see) read its fields.
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

    @property
    def model_extra(self) -> dict[str, Any]:
        """Every key but `type`: this client knows none of them (a fresh dict)."""
        extra = self.to_dict()
        extra.pop("type", None)
        return extra

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    if not TYPE_CHECKING:  # as pydantic hides its own: typos stay type errors

        def __getattr__(self, name: str) -> Any:
            # Only names the class lacks come here: read them as keys, as the official SDK
            # gives an unknown block's keys as attributes.
            if not name.startswith("_"):
                fields = self.to_dict()
                if name in fields:
                    return fields[name]
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Unknown)
        return self.raw == other.raw

    def __hash__(self) -> int:
        return hash((type(self), self.raw))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(type={self.type!r}, raw={self.raw!r})"
