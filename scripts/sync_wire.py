"""The wire Structs `scripts/sync_api.py` writes from the pinned SDK's response models.

Every pydantic model reachable from the response types of `messages`, `messages.batches`,
`models` and `files` (and their beta twins) gets one of three fates, decided in `plan()`:

- **ours**: `anyio_claude.types` has a hand-written Struct of that name (`_wire.py`,
  `_files.py`): it is kept, and referred to by name;
- **alias**: a `Beta…` model whose non-beta twin we have (hand-written, or generated with the
  same fields): the beta name is bound to that class, so `beta.messages` returns it;
- **generated**: a Struct written from the model's fields (names, JSON aliases, `Literal`s,
  unions, required or optional with their default): `type: Literal["x"]` makes it a member
  of a tagged union, as the hand-written ones are.

The generated Structs go in two modules: `_gen_wire.py`, what the hand-written types use
(`_wire.py` imports it, so it stays small), and `_gen_beta.py`, the rest, loaded on first
use of one of its names (`_gen_beta_names.py` lists them without loading it).
"""

from __future__ import annotations

import functools
import importlib
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import msgspec
import pydantic
import pydantic_core
import typing_extensions

# Official classes we have under another name (the official name is not exported from
# `anthropic.types`, so nothing is lost by not binding it).
RENAMED = {
    "anthropic.types.raw_message_delta_event.Delta": "MessageDelta",
    "anthropic.types.beta.beta_raw_message_delta_event.Delta": "MessageDelta",
}

# Beta models whose non-beta twin has another name.
TWINS = {
    "BetaCitationSearchResultLocation": "CitationsSearchResultLocation",
    "BetaCitationConfig": "CitationsConfig",
}

# Beta models the hand-written types use (so they are in the eagerly loaded module).
EAGER_BETA = (
    "BetaAdvisorRedactedResultBlock",
    "BetaAdvisorResultBlock",
    "BetaAdvisorToolResultErrorObject",
    "BetaMCPTool",
    "BetaThinkingDroppedInputTransformation",
    "BetaThinkingMismatchAllowedInputTransformation",
    "BetaAdvisorMessageIterationUsage",
    "BetaCompactionIterationUsage",
    "BetaCountTokensContextManagementResponse",
    "BetaFallbackCreditNotApplied",
    "BetaFallbackCreditRedeemed",
    "BetaFallbackCreditUsage",
    "BetaFallbackMessageIterationUsage",
    "BetaMessageIterationUsage",
)

# Union aliases the hand-written types use (they go in the eager module).
EAGER_BETA_ALIASES = (
    "BetaInputTransformation",
    "BetaIterationsUsage",
    "BetaStopReason",
)


def _roots() -> tuple[list[Any], list[Any], list[Any]]:
    """The response types of the in-scope methods (the non-beta ones, then the beta ones),
    and the other in-scope models (scripts/sync_scope.py), which none of them reaches."""
    import anthropic.types as ga
    import anthropic.types.beta as beta
    import anthropic.types.beta.messages as beta_batches
    import anthropic.types.messages as batches

    from scripts.sync_scope import scope

    # The in-scope models no response reaches (error details, tool inputs, ...); the
    # generic ones (`ParsedBetaMessage[T]`, ...) are `ParsedMessage` here, written by hand.
    others = sorted(
        (
            v
            for v in scope()[0].values()
            if _is_model(v) and not v.__pydantic_generic_metadata__["parameters"]
        ),
        key=_qualname,
    )
    return (
        [
            ga.Message,
            ga.RawMessageStreamEvent,
            ga.MessageTokensCount,
            ga.ModelInfo,
            ga.FileMetadata,
            ga.DeletedFile,
            batches.MessageBatch,
            batches.MessageBatchIndividualResponse,
            batches.DeletedMessageBatch,
        ],
        [
            beta.BetaMessage,
            beta.BetaRawMessageStreamEvent,
            beta.BetaMessageTokensCount,
            beta.BetaModelInfo,
            beta.BetaFileMetadata,
            beta.BetaDeletedFile,
            beta_batches.BetaMessageBatch,
            beta_batches.BetaMessageBatchIndividualResponse,
            beta_batches.BetaDeletedMessageBatch,
        ],
        others,
    )


def _strip(tp: Any) -> Any:
    """`tp` without `Annotated[...]` (the official unions carry their discriminator there)."""
    while typing.get_origin(tp) is typing_extensions.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, pydantic.BaseModel)


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _models_in(tp: Any) -> Iterator[type[pydantic.BaseModel]]:
    """The models an annotation names, outermost first."""
    stack = [tp]
    while stack:
        item = _strip(stack.pop(0))
        if _is_model(item):
            yield item
        elif typing.get_origin(item) is not typing.Literal:
            stack.extend(typing.get_args(item))


# Names in the annotations of hand-written fields that are not generated types.
_PLAIN = {"Any", "ClassVar", "Final", "Literal", "None", "Union", "datetime", "date"}
_PLAIN |= {"bool", "dict", "float", "int", "list", "str"}


def _reach_used(
    roots: Iterable[Any], ours: dict[str, type[msgspec.Struct]]
) -> list[type[pydantic.BaseModel]]:
    """The models reachable from `roots` that our types use: a hand-written type's field
    whose annotation names only hand-written types leads only to the official models we
    have by hand (so `ErrorResponse.error`, our own `ErrorObject`, does not pull the
    official error objects into the eagerly loaded module)."""
    import re

    seen: dict[type[pydantic.BaseModel], None] = {}
    stack = list(roots)
    while stack:
        for model in _models_in(stack.pop(0)):
            if model in seen:
                continue
            seen[model] = None
            mine = ours.get(RENAMED.get(_qualname(model), model.__name__))
            for name, info in model.model_fields.items():
                if mine is not None:
                    key = info.alias or name
                    field = next(
                        (f for f in msgspec.structs.fields(mine) if f.encode_name == key), None
                    )
                    written = _annotation_of(mine, field.name) if field is not None else ""
                    if not set(re.findall(r"[A-Za-z_]\w*", written)) - _PLAIN - set(ours):
                        # Ours by hand all through: follow only the models we also have.
                        stack.extend(
                            m
                            for m in _models_in(info.annotation)
                            if RENAMED.get(_qualname(m), m.__name__) in ours
                        )
                        continue
                stack.append(info.annotation)
    return list(seen)


def _annotation_of(cls: type, name: str) -> str:
    for klass in cls.__mro__:
        annotation = getattr(klass, "__annotations__", {}).get(name)
        if annotation is not None:
            return str(annotation)
    return ""


def _reach(roots: Iterable[Any]) -> list[type[pydantic.BaseModel]]:
    """Every model reachable from `roots` through field annotations, in walk order."""
    seen: dict[type[pydantic.BaseModel], None] = {}
    stack = list(roots)
    while stack:
        for model in _models_in(stack.pop(0)):
            if model not in seen:
                seen[model] = None
                stack.extend(f.annotation for f in model.model_fields.values())
    return list(seen)


def tag_of(model: type[pydantic.BaseModel]) -> str | None:
    """The `type` a model is tagged with: its required one-value `Literal` `type` field."""
    info = model.model_fields.get("type")
    if info is None or not info.is_required():
        return None
    tp = _strip(info.annotation)
    if typing.get_origin(tp) is typing.Literal and len(typing.get_args(tp)) == 1:
        (value,) = typing.get_args(tp)
        return value if isinstance(value, str) else None
    return None


def _same(a: Any, b: Any, assumed: set[tuple[Any, Any]]) -> bool:
    """Whether two official annotations describe the same JSON (class names aside)."""
    a, b = _strip(a), _strip(b)
    if _is_model(a) and _is_model(b):
        if a is b or (a, b) in assumed:
            return True
        assumed.add((a, b))
        fa, fb = a.model_fields, b.model_fields
        return fa.keys() == fb.keys() and all(
            fa[k].alias == fb[k].alias
            and fa[k].is_required() == fb[k].is_required()
            and _same(fa[k].annotation, fb[k].annotation, assumed)
            for k in fa
        )
    oa, ob = typing.get_origin(a), typing.get_origin(b)
    if oa is None or ob is None:
        return bool(a == b)
    if oa is not ob:
        return False
    args_a, args_b = typing.get_args(a), typing.get_args(b)
    if oa is typing.Literal:
        return set(args_a) == set(args_b)
    if oa is typing.Union:
        return all(any(_same(x, y, assumed) for y in args_b) for x in args_a) and all(
            any(_same(x, y, assumed) for x in args_a) for y in args_b
        )
    return len(args_a) == len(args_b) and all(
        _same(x, y, assumed) for x, y in zip(args_a, args_b, strict=True)
    )


_Table = dict[type[pydantic.BaseModel], str]


@dataclass
class Plan:
    """What each reachable official model becomes here: the name it has (our hand-written
    class, the class a beta model is bound to, or the Struct generated in the eager or the
    lazy module), and the union and `Literal` aliases each module defines."""

    ours: _Table = field(default_factory=dict)
    aliases: _Table = field(default_factory=dict)
    eager: _Table = field(default_factory=dict)
    lazy: _Table = field(default_factory=dict)
    eager_aliases: dict[str, Any] = field(default_factory=dict)
    lazy_aliases: dict[str, Any] = field(default_factory=dict)

    def name(self, model: type[pydantic.BaseModel]) -> str:
        for table in (self.ours, self.aliases, self.eager, self.lazy):
            if model in table:
                return table[model]
        raise KeyError(_qualname(model))


def hand_written() -> dict[str, type[msgspec.Struct]]:
    """Our hand-written Structs by their public names (aliases included)."""
    import anyio_claude.types as ours

    found: dict[str, type[msgspec.Struct]] = {}
    for name in ours.__all__:
        if name in _generated_names():
            continue
        value = getattr(ours, name)
        if True:
            if (
                isinstance(value, type)
                and issubclass(value, msgspec.Struct)
                and not value.__module__.split(".")[-1].startswith("_gen_")
            ):
                found[name] = value
    return found


def _generated_names() -> set[str]:
    """The names the generated modules on disk define (so that what we have by hand does
    not depend on what was generated last time)."""
    names: set[str] = set()
    for module in (
        "anyio_claude.types._gen_wire",
        "anyio_claude.types._gen_beta_names",
        "anyio_claude.types._gen_request_names",
    ):
        try:
            names |= set(importlib.import_module(module).__all__)
        except ImportError:
            pass
    return names


def _covers(ours: type[msgspec.Struct], model: type[pydantic.BaseModel]) -> bool:
    """Whether our hand-written `ours` decodes every field of `model`, with every tag of
    its unions (else the beta model gets a Struct of its own)."""
    hints = typing.get_type_hints(ours)
    keys = {f.encode_name: f.name for f in msgspec.structs.fields(ours)}
    for name, info in model.model_fields.items():
        if (name == "type" and tag_of(model) is not None) or info.exclude:
            continue  # the tag, or not on the wire (`parsed_output`)
        key = info.alias or name
        if key not in keys:
            return False
        wanted = {tag_of(m) for m in _models_in(info.annotation)} - {None}
        members = list(_struct_members(hints[keys[key]]))
        have = {m.__struct_config__.tag for m in members}
        # `Any`, or an untagged Struct with a `type` field, takes any type.
        if None in have or _has_any(hints[keys[key]]):
            continue
        if wanted - have:
            return False
    return True


def generic_twin(model: Any) -> str | None:
    """The hand-written generic class a generic beta model is bound to, as `plan()` binds
    the plain ones: `ParsedBetaMessage` is our `ParsedMessage` when that decodes every
    beta field; None for any other model."""
    if not _is_model(model) or not model.__pydantic_generic_metadata__["parameters"]:
        return None
    ours = hand_written().get(model.__name__.replace("Beta", "", 1))
    if ours is None or not getattr(ours, "__parameters__", ()) or not _covers(ours, model):
        return None
    return ours.__name__


def _has_any(tp: Any) -> bool:
    return tp is Any or any(_has_any(arg) for arg in typing.get_args(tp))


def _struct_members(tp: Any) -> Iterator[Any]:
    stack = [tp]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, msgspec.Struct):
            yield item
        else:
            stack.extend(typing.get_args(item))


@functools.cache
def plan() -> Plan:
    """Decide the fate of every reachable model (see the module docstring)."""
    import anthropic.types.beta as beta

    ours_by_name = hand_written()
    ga_roots, beta_roots, others = _roots()
    ga_models = _reach(ga_roots)
    eager_beta = [getattr(beta, n) for n in EAGER_BETA]
    beta_models = [m for m in _reach([*beta_roots, *eager_beta]) if m not in ga_models]
    beta_models += [m for m in _reach(others) if m not in ga_models and m not in beta_models]
    eager_set = set(_reach_used(ga_roots, ours_by_name)) | set(_reach(eager_beta))
    result = Plan()
    for model in [*ga_models, *beta_models]:
        name = model.__name__
        renamed = RENAMED.get(_qualname(model))
        if renamed is not None:
            result.ours[model] = renamed
        elif name in ours_by_name:
            result.ours[model] = ours_by_name[name].__name__
        elif model in eager_set:
            result.eager[model] = name
        elif model in ga_models:
            result.lazy[model] = name
    # A beta model and its twin: the hand-written one if it covers the beta fields, the
    # generated one if its fields are the same.
    twins = {_qualname(m): m for m in ga_models}
    for model in beta_models:
        if model in result.ours:
            continue
        name = TWINS.get(model.__name__, model.__name__.removeprefix("Beta"))
        ours = ours_by_name.get(name)
        twin = next((m for q, m in twins.items() if q.endswith(f".{name}")), None)
        if ours is not None and model.__name__.startswith("Beta") and _covers(ours, model):
            result.aliases[model] = ours.__name__
        elif twin is not None and twin not in result.ours and _same(model, twin, set()):
            result.aliases[model] = result.name(twin)
        else:
            if model not in result.eager:
                result.lazy[model] = model.__name__
            continue
        result.eager.pop(model, None)
    names = [*result.eager.values(), *result.lazy.values()]
    clashes = {n for n in names if names.count(n) > 1} | (set(names) & set(ours_by_name))
    if clashes:
        raise SystemExit(f"official models with the same name, give RENAMED a row: {clashes}")
    _plan_aliases(result, ours_by_name)
    return result


def _plan_aliases(result: Plan, ours: dict[str, Any]) -> None:
    """The union and `Literal` aliases `anthropic.types[.beta]` exports that name only
    models we have (and that `anyio_claude.types` lacks): e.g. `CacheMissReason`; and
    the second names of models (`BashCodeExecutionToolResultError`)."""
    import anthropic.types as ga
    import anthropic.types.beta as beta

    import anyio_claude.types as ours_module

    known = set(ours) | (set(ours_module.__all__) - _generated_names())
    seen = _components(result)
    for module in (ga, beta):
        for name in sorted(vars(module)):
            value = getattr(module, name)
            if name.startswith("_") or name in known:
                continue
            if isinstance(value, type):  # a model exported under a second name
                if not (_is_model(value) and value.__name__ != name and _renderable(value, result)):
                    continue
            elif typing.get_origin(value) is None or not _renderable(value, result):
                continue
            elif _strip(value) not in seen and not any(True for _ in _models_in(value)):
                continue  # a Literal no response type uses
            # The eager module names no hand-written type: an alias of one is lazy.
            if all(
                m in result.eager or result.aliases.get(m) in result.eager.values()
                for m in _models_in(value)
            ) and (module is ga or name in EAGER_BETA_ALIASES):
                result.eager_aliases[name] = value
            else:
                result.lazy_aliases[name] = value


def _components(result: Plan) -> set[Any]:
    """Every part of every field annotation of the models we have or generate."""
    found: set[Any] = set()
    models = [*result.ours, *result.aliases, *result.eager, *result.lazy]
    stack = [f.annotation for m in models for f in m.model_fields.values()]
    while stack:
        item = _strip(stack.pop())
        try:
            found.add(item)
        except TypeError:
            continue
        if typing.get_origin(item) is not typing.Literal:
            stack.extend(typing.get_args(item))
    return found


def _renderable(tp: Any, result: Plan) -> bool:
    """Whether every part of a response annotation is something we render."""
    tp = _strip(tp)
    if _is_model(tp):
        try:
            result.name(tp)
        except KeyError:
            return False
        return True
    if typing_extensions.is_typeddict(tp):
        return False
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return True
    if origin is None:
        return tp in _SCALARS or tp is type(None)
    if origin not in (typing.Union, list, dict):
        return False
    return all(_renderable(arg, result) for arg in typing.get_args(tp))


_SCALARS: dict[Any, str] = {
    str: "str",
    int: "int",
    float: "float",
    bool: "bool",
    object: "Any",
    datetime: "datetime",
    date: "date",
}


class Renderer:
    """Renders official annotations as our source, collecting the names it uses."""

    def __init__(self, result: Plan, home: str) -> None:
        self.plan = result
        self.home = home  # "eager", "lazy" or "mirror": where the code goes
        self.used: set[str] = set()  # names from the typing/datetime/msgspec modules
        self.ours: set[str] = set()  # names from the hand-written modules
        self.eager: set[str] = set()  # names from _gen_wire (for the lazy module)

    def ref(self, model: type[pydantic.BaseModel]) -> str:
        name = self.plan.name(model)
        if self.home == "mirror":  # every name is imported from `anyio_claude.types`
            target = self.plan.aliases.get(model, name)
            self.ours.add(target)
            return target
        if model in self.plan.ours:
            self.ours.add(name)
        elif model in self.plan.lazy:
            if self.home == "eager":
                raise SystemExit(f"{name} is lazy, and an eager type names it: add to EAGER_BETA")
        elif model in self.plan.aliases:
            target = self.plan.aliases[model]
            if target in self.plan.eager.values() and self.home == "lazy":
                self.eager.add(target)
            elif target not in self.plan.eager.values():
                self.ours.add(target)
            return target
        elif self.home == "lazy":
            self.eager.add(name)
        return name

    def annotation(self, tp: Any) -> str:
        tp = _strip(tp)
        if tp is type(None):
            return "None"
        if tp in _SCALARS:
            rendered = _SCALARS[tp]
            if rendered in ("Any", "datetime", "date"):
                self.used.add(rendered)
            return rendered
        if _is_model(tp):
            return self.ref(tp)
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is typing.Literal:
            self.used.add("Literal")
            return "Literal[" + ", ".join(_literal(v) for v in args) + "]"
        if origin is list:
            return f"list[{self.annotation(args[0])}]"
        if origin is dict:
            return f"dict[{self.annotation(args[0])}, {self.annotation(args[1])}]"
        if origin is typing.Union:
            return self.union(args)
        raise SystemExit(f"no rendering for {tp!r}: teach sync_wire.Renderer")

    def union(self, members: tuple[Any, ...]) -> str:
        """A union msgspec can decode, or `Any` (kept as sent) when it cannot: msgspec
        tells members apart by JSON kind, and objects only by their `type` tag."""
        parts = [_strip(m) for m in members]
        nullable = type(None) in parts
        parts = [m for m in parts if m is not type(None)]
        if str in parts:  # a str takes every Literal string too
            parts = [m for m in parts if typing.get_origin(m) is not typing.Literal]
        literals = [v for m in parts if typing.get_origin(m) is typing.Literal for v in m.__args__]
        parts = [m for m in parts if typing.get_origin(m) is not typing.Literal]
        models = [m for m in parts if _is_model(m)]
        tags = [tag_of(m) for m in models]
        objects = len(models) + sum(typing.get_origin(m) is dict for m in parts)
        arrays = sum(typing.get_origin(m) is list for m in parts)
        decodable = arrays <= 1 and (
            objects <= 1
            or (len(models) == objects and None not in tags and len(set(tags)) == len(tags))
        )
        if not decodable:
            self.used.add("Any")
            return "Any"
        rendered = [self.annotation(m) for m in parts]
        if literals:
            self.used.add("Literal")
            rendered.append("Literal[" + ", ".join(_literal(v) for v in literals) + "]")
        if nullable:
            rendered.append("None")
        return " | ".join(dict.fromkeys(rendered))


def _literal(value: object) -> str:
    import json

    return json.dumps(value) if isinstance(value, str) else repr(value)


def render_struct(model: type[pydantic.BaseModel], renderer: Renderer) -> str:
    """One Struct's source."""
    name = renderer.plan.name(model)
    tag = tag_of(model)
    base = f'TaggedStruct, tag="{tag}"' if tag is not None else "BaseStruct"
    doc = f"`{model.__module__}.{model.__qualname__}`."
    lines = [f"class {name}({base}):", f'    """{doc}"""' if len(doc) <= 90 else _long_doc(doc), ""]
    if tag is not None:
        renderer.used.update(("Final", "Literal"))
        lines.append(f'    type: Final[Literal["{tag}"]] = "{tag}"')
    required: list[str] = []
    optional: list[str] = []
    for fname, info in model.model_fields.items():
        if fname == "type" and tag is not None:
            continue
        annotation = renderer.annotation(info.annotation)
        if info.is_required():
            default = ""
            if info.alias and info.alias != fname:
                renderer.used.add("msgspec")
                default = f' = msgspec.field(name="{info.alias}")'
            required.append(f"    {fname}: {annotation}{default}")
        else:
            value = None if info.default is pydantic_core.PydanticUndefined else info.default
            default = _literal(value) if isinstance(value, (str, int, bool)) else "None"
            if info.alias and info.alias != fname:
                renderer.used.add("msgspec")
                default = f'msgspec.field(name="{info.alias}", default={default})'
            if value is None and not annotation.endswith("None") and annotation != "Any":
                annotation += " | None"
            optional.append(f"    {fname}: {annotation} = {default}")
    lines += required + optional
    if len(lines) == 3:
        lines.pop()
    return "\n".join(lines) + "\n"


def _long_doc(doc: str) -> str:
    return f'    """\n    {doc}\n    """'


def render_alias(name: str, value: Any, renderer: Renderer) -> str:
    """A union or `Literal` alias as `Name = ...` (a Union spelled out for Python 3.10)."""
    value = _strip(value)
    if typing.get_origin(value) is typing.Union:
        parts = [renderer.annotation(m) for m in typing.get_args(value)]
        renderer.used.add("Union")
        return f"{name} = Union[{', '.join(parts)}]\n"
    return f"{name} = {renderer.annotation(value)}\n"


def names(home: str) -> list[str]:
    """The names the eager or the lazy module defines."""
    result = plan()
    if home == "eager":
        return [*result.eager.values(), *result.eager_aliases]
    return [*result.lazy.values(), *result.lazy_aliases, *(m.__name__ for m in result.aliases)]


def render_module(home: str, intro: str) -> str:
    """`_gen_wire.py` (home "eager") or `_gen_beta.py` (home "lazy")."""
    result = plan()
    renderer = Renderer(result, home)
    models = result.eager if home == "eager" else result.lazy
    aliases = result.eager_aliases if home == "eager" else result.lazy_aliases
    classes = [render_struct(m, renderer) for m in sorted(models, key=lambda m: models[m])]
    alias_lines = [render_alias(n, v, renderer) for n, v in sorted(aliases.items())]
    bound: list[str] = []
    if home == "lazy":
        for model, target in sorted(result.aliases.items(), key=lambda kv: kv[0].__name__):
            renderer.ref(model)
            bound.append(f"{model.__name__} = {target}\n")
    body = "\n\n".join(classes)
    return (
        f"{intro}\n"
        "from __future__ import annotations\n\n"
        f"{imports_for(renderer, home)}\n"
        f"__all__ = {_names_tuple(names(home))}\n\n\n"
        f"{body}"
        + ("\n\n" + "".join(alias_lines) if alias_lines else "")
        + ("\n" + "".join(bound) if bound else "")
    )


def _names_tuple(names: list[str]) -> str:
    from scripts.sync_api import _ruf022, _str_tuple

    ordered = sorted(set(names), key=_ruf022)
    return f"(\n{_str_tuple(ordered)})"


def imports_for(renderer: Renderer, home: str) -> str:
    from scripts.sync_api import _imports

    out = ""
    if "date" in renderer.used or "datetime" in renderer.used:
        out += _imports("datetime", sorted({"date", "datetime"} & renderer.used))
    typing_names = sorted({"Any", "Final", "Literal", "Union"} & renderer.used)
    if typing_names:
        out += _imports("typing", typing_names)
    out += "\n"
    if "msgspec" in renderer.used:
        out += "import msgspec\n\n"
    out += _imports("._base", ["BaseStruct", "TaggedStruct"])
    if home == "lazy":
        wire = sorted(renderer.ours & set(_module_all("anyio_claude.types._wire")))
        files = sorted(renderer.ours & set(_module_all("anyio_claude.types._files")))
        if files:
            out += _imports("._files", files)
        if renderer.eager:
            out += _imports("._gen_wire", sorted(renderer.eager))
        if wire:
            out += _imports("._wire", wire)
    elif renderer.ours:
        raise SystemExit(f"the eager module names hand-written types: {sorted(renderer.ours)}")
    return out


def _module_all(name: str) -> list[str]:
    return list(importlib.import_module(name).__all__)


def render_docs() -> str:
    """`docs/response-types.md`: every generated or aliased response type, and its source."""
    result = plan()
    rows: list[tuple[str, str, str]] = []
    for model, name in [*result.eager.items(), *result.lazy.items()]:
        rows.append((name, f"{model.__module__}.{model.__qualname__}", "generated"))
    for model, target in result.aliases.items():
        rows.append((model.__name__, f"{model.__module__}.{model.__qualname__}", f"`{target}`"))
    for name in [*result.eager_aliases, *result.lazy_aliases]:
        rows.append((name, "", "alias"))
    table = "".join(
        f"| `{name}` | {f'`{source}`' if source else ''} | {what} |\n"
        for name, source, what in sorted(rows)
    )
    from scripts import sync_requests

    requests: dict[str, str] = {}
    for package in ("anthropic.types", "anthropic.types.beta"):
        requests.update(sync_requests.package_requests(package))
    request_rows = "".join(f"| `{n}` | `{m}` |\n" for n, m in sorted(requests.items()))
    return (
        "# Response types\n"
        "\n"
        "The response types of the official SDK's `anthropic.types` and `anthropic.types.beta`\n"
        "that `anyio_claude.types` has beyond the ones written by hand (`Message`, the content\n"
        "blocks, the stream events, ...): generated from the pinned official schema, or the\n"
        "same class as one of ours when the beta type has its fields (the last column names\n"
        "it). `alias` rows are unions and `Literal`s of these. Import them from\n"
        "`anyio_claude.types`, or from the official module path under `anyio_claude.types`.\n"
        "\n"
        "The request TypedDicts (`*Param`, `*Params`) that `types/_params.py` does not write\n"
        "by hand are generated too, each at its official module path\n"
        "(`anyio_claude.types.beta.beta_text_block_param`, ...), and importable from\n"
        "`anyio_claude.types` and the packages above their module; see\n"
        "[Contributing](contributing.md#the-official-sdk-pinned-and-what-is-generated-from-it).\n"
        "\n"
        "| name | official | here |\n"
        "|---|---|---|\n"
        f"{table}"
        "\n"
        "## Request types\n"
        "\n"
        "The generated request TypedDicts and unions `anyio_claude.types` exports, and the\n"
        "module of ours that defines each.\n"
        "\n"
        "| name | module |\n"
        "|---|---|\n"
        f"{request_rows}"
    )


def mirror_locals(module: Any) -> dict[str, tuple[str, set[str], set[str]]] | None:
    """The names of an official module that `anyio_claude.types` lacks, each as the source
    of its value (a union or `Literal` of that module, or a model under a second name),
    with the names it takes from `anyio_claude.types` and from `typing`; None when one of
    them cannot be written (a request type, a model we do not have, a `Literal` of an API
    outside the scope)."""
    import anyio_claude.types as ours

    result = plan()
    seen = _components(result)
    found: dict[str, tuple[str, set[str], set[str]]] = {}
    from scripts.sync_requests import _ours_static

    for name in getattr(module, "__all__", ()):
        if name in _ours_static() or (name not in ours.__all__ and hasattr(ours, name)):
            continue
        value = getattr(module, name)
        if not _renderable(value, result) or (isinstance(value, type) and not _is_model(value)):
            return None
        if not _is_model(value) and _strip(value) not in seen and not any(_models_in(value)):
            return None
        renderer = Renderer(result, "mirror")
        found[name] = (render_alias(name, value, renderer), renderer.ours, renderer.used)
    return found


def names_models(local: dict[str, tuple[str, set[str], set[str]]]) -> bool:
    """Whether one of `mirror_locals`' values names one of our classes."""
    return any(ours for _, ours, _ in local.values())
