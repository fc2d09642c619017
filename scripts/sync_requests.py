"""The request TypedDicts `scripts/sync_api.py` writes from the pinned SDK's, at their paths.

Each in-scope official module (scripts/sync_scope.py) that defines request types and that
the response mirrors do not cover gets a module at the same path under `anyio_claude.types`,
defining the same TypedDicts (keys, `Required`, `Literal`s, unions) and unions. The names
it takes from elsewhere are ours: the hand-written TypedDicts of `_params.py` and the
response Structs from `anyio_claude.types` (a generic beta model, `ParsedBetaMessage`, is
our generic class of its non-beta name: `sync_wire.generic_twin`), the other generated
TypedDicts from their own modules. Those imports are for type checkers only
(`from __future__ import annotations` keeps the annotations as strings), so loading one
module builds its own TypedDicts and no other: `anyio_claude.types` and the mirror
packages import a module on first access to one of its names (`_gen_request_names.py`).
At run time a TypedDict with both required and optional keys reports them all in
`__optional_keys__` (the `Required[...]` markers are strings then); type checkers see them
exactly.
"""

from __future__ import annotations

import collections.abc
import functools
import importlib
import keyword
import os
import re
import types
import typing
from typing import Any, NamedTuple

import pydantic
import typing_extensions

from scripts.sync_scope import in_scope, type_modules


def _is_td(value: Any) -> bool:
    return typing_extensions.is_typeddict(value)


def _strip(tp: Any) -> Any:
    while typing.get_origin(tp) is typing_extensions.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _requestish(value: Any) -> bool:
    """A TypedDict, or an alias naming one (a union of block params, ...)."""
    stack, seen = [value], 0
    while stack and seen < 200:
        item = _strip(stack.pop())
        seen += 1
        if _is_td(item):
            return True
        if typing.get_origin(item) is not typing.Literal:
            stack.extend(typing.get_args(item))
    return False


@functools.cache
def hand_written() -> frozenset[str]:
    """The names `_params.py` writes by hand."""
    from anyio_claude.types import _param_names

    return frozenset(_param_names.__all__)


class Def(NamedTuple):
    """One name of a generated module: a class defined there, an alias defined there, or a
    name imported (from `anyio_claude.types`, or from another generated module)."""

    kind: str  # "class", "alias", "root", "other", "twin"
    source: str  # "other": the official module that defines it; "twin": our class


@functools.cache
def modules() -> dict[str, dict[str, Def]]:
    """The official modules we generate, each with what each of its names is here."""
    from scripts import sync_api, sync_wire

    skip = set(sync_api.type_mirrors()) | set(sync_api.error_facts().modules)
    found: dict[str, dict[str, Def]] = {}
    for name, module in type_modules().items():
        names = list(getattr(module, "__all__", ()))
        values = [getattr(module, n) for n in names]
        if name in skip or not names or not all(in_scope(v) or _constant(v) for v in values):
            continue
        defs: dict[str, Def] = {}
        for n in names:
            value = getattr(module, n)
            if _constant(value):
                defs[n] = Def("const", "")
            elif n in hand_written() and _is_td(value) and value.__name__ == n:
                defs[n] = Def("root", "")
            elif _is_td(value):
                home = value.__module__
                defs[n] = Def("class", "") if home == name else Def("other", home)
            elif isinstance(value, type):  # a response model: ours must have it
                twin = None if n in _ours_static() else sync_wire.generic_twin(value)
                if n not in _ours_static() and twin is None:
                    break
                # A generic beta model is our generic class under the beta name.
                defs[n] = Def("root", "") if twin is None else Def("twin", twin)
            elif n in _ours_static() and not _root_is_class(n):
                # The same alias at our root; a class there of that name is another thing
                # (beta `message_create_params.Container` is a union, ours a response Struct).
                defs[n] = Def("root", "")
            else:
                defs[n] = Def("alias", "")
        else:
            # The module's own TypedDicts its `__all__` leaves out (`InputSchemaTyped`).
            for n, value in vars(module).items():
                if _is_td(value) and value.__module__ == name and n not in defs:
                    defs[n] = Def("hidden", "")
            found[name] = defs
    return found


def _root_is_class(name: str) -> bool:
    import anyio_claude.types

    return isinstance(getattr(anyio_claude.types, name, None), type)


def _constant(value: Any) -> bool:
    """A tuple of strings (`BETA_BROWSER_MEMBER_NAME_VALUES`): data, carried as it is."""
    return isinstance(value, tuple) and all(isinstance(v, str) for v in value)


@functools.cache
def _ours_static() -> frozenset[str]:
    """The names `anyio_claude.types` has without the generated request modules (the
    names they define are read from `_gen_request_names.py` as last generated: taking
    them out keeps this the same whether or not they were)."""
    import anyio_claude.types as ours

    try:
        from anyio_claude.types import _gen_request_names

        generated = set(_gen_request_names.__all__)
    except ImportError:
        generated = set()
    return frozenset(set(ours.__all__) - generated)


@functools.cache
def generated_names() -> frozenset[str]:
    """The names of `anthropic.types` and `anthropic.types.beta` the generated modules
    define."""
    import anthropic.types as ga
    import anthropic.types.beta as beta

    names: set[str] = set()
    for package in (ga, beta):
        names |= set(package_requests(package.__name__))
    return frozenset(names)


def path_of(official: str) -> str:
    """The file of ours that mirrors an official module."""
    return "anyio_claude/" + official.removeprefix("anthropic.").replace(".", "/") + ".py"


def _ours(official: str) -> str:
    return official.replace("anthropic", "anyio_claude", 1)


@functools.cache
def _definitions() -> dict[int, tuple[str, str]]:
    """Every generated class and alias by the id of its official object: the official
    module and name (the first module listing it, for a union several modules name)."""
    found: dict[int, tuple[str, str]] = {}
    # The names the packages export first: `Union` objects are cached, so one can be a
    # package-level alias and a module's own name (`Thinking`) at once.
    import anthropic.types as ga
    import anthropic.types.beta as beta

    top = {n for package in (ga, beta) for n in dir(package)}
    for exported in (True, False):
        for official, defs in modules().items():
            module = importlib.import_module(official)
            for n, d in defs.items():
                if d.kind in ("class", "alias", "hidden") and (n in top) == exported:
                    found.setdefault(id(_strip(getattr(module, n))), (official, n))
    return found


@functools.cache
def _root_requests() -> dict[int, str]:
    """The hand-written TypedDicts by the id of their official twin."""
    import anthropic.types as ga
    import anthropic.types.beta as beta

    found: dict[int, str] = {}
    for n in hand_written():
        for module in (ga, beta):
            value = getattr(module, n, None)
            if value is not None and _is_td(value) and value.__name__ == n:
                found[id(value)] = n
    # And the aliases we have by hand or generate as responses (`ModelParam`, ...).
    for n in sorted(_ours_static()):
        for module in (ga, beta):
            value = getattr(module, n, None)
            if value is not None and not isinstance(value, type):
                if typing.get_origin(_strip(value)) is not None:
                    found.setdefault(id(_strip(value)), n)
    return found


class Renderer:
    """Renders one module's annotations, collecting what they import."""

    def __init__(self, official: str) -> None:
        self.official = official
        self.root: set[str] = set()  # names from `anyio_claude.types`
        self.others: dict[str, str] = {}  # our module -> its alias here
        self.typing: set[str] = set()
        self.abc: set[str] = set()
        self.local = set(modules()[official])
        self.typevars: set[Any] = set()  # the TypeVars a generic alias is generic in
        self.twins = {n: d.source for n, d in modules()[official].items() if d.kind == "twin"}

    def _other(self, official: str, name: str) -> str:
        if official == self.official:
            return name
        alias = "_" + official.rsplit(".", 1)[1]
        if official.startswith("anthropic.types.messages.") or ".beta.messages." in official:
            alias = "_batches" + alias
        self.others[_ours(official)] = alias
        return f"{alias}.{name}"

    def ann(self, tp: Any) -> str:
        tp = _strip(tp)
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin in (typing_extensions.Required,):
            self.typing.add("Required")
            return f"Required[{self.ann(args[0])}]"
        if id(tp) in _root_requests():
            self.root.add(_root_requests()[id(tp)])
            return _root_requests()[id(tp)]
        if id(tp) in _definitions() and (_is_td(tp) or origin is not None):
            official, name = _definitions()[id(tp)]
            if origin is None or official != self.official or name not in self.local:
                return self._other(official, name)
        if tp is type(None):
            return "None"
        if tp in (str, int, float, bool, bytes, object):
            return str(tp.__name__)
        if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
            import anyio_claude.types as ours

            # `modules()` checked ours has it: at the root, or as this module's twin.
            mine = self.twins.get(tp.__name__)
            if mine is None:
                mine = tp.__name__
                self.root.add(mine)
            if getattr(getattr(ours, mine), "__parameters__", ()):  # `ParsedTextBlock`
                # Generic in the official model's own TypeVars (pydantic keeps no
                # `ParsedTextBlock[ResponseFormatT]` apart from the bare class).
                params = tp.__pydantic_generic_metadata__["parameters"]
                self.typevars.update(params)
                return f"{tp.__name__}[{', '.join(p.__name__ for p in params)}]"
            return str(tp.__name__)
        if tp is os.PathLike:
            return "os.PathLike[str]"
        if tp is typing.IO:
            self.typing.add("IO")
            return "IO[bytes]"
        if origin is typing.Literal:
            self.typing.add("Literal")
            return "Literal[" + ", ".join(_literal(a) for a in args) + "]"
        if origin in (typing.Union, types.UnionType):
            parts = [a for a in args if getattr(a, "__name__", "") not in ("Omit", "NotGiven")]
            rendered = [self.ann(a) for a in parts]
            return " | ".join(dict.fromkeys(rendered))
        if isinstance(tp, typing.TypeVar):  # `output_format: type[ResponseFormatT]`
            self.typing.add("Any")
            return "Any"
        if origin is type:
            return f"type[{self.ann(args[0])}]"
        if origin is list:
            return f"list[{self.ann(args[0])}]"
        if origin is tuple:
            return f"tuple[{', '.join(self.ann(a) for a in args)}]"
        if origin is dict:
            return f"dict[{self.ann(args[0])}, {self.ann(args[1])}]"
        if origin is os.PathLike:
            return "os.PathLike[str]"
        if origin is typing.IO:
            self.typing.add("IO")
            return "IO[bytes]"
        for abc in ("Iterable", "Sequence", "Mapping"):
            if origin is getattr(collections.abc, abc):
                self.abc.add(abc)
                return f"{abc}[{', '.join(self.ann(a) for a in args)}]"
        if getattr(tp, "__name__", "") == "SequenceNotStr":
            self.abc.add("Sequence")
            return f"Sequence[{self.ann(args[0])}]"
        raise SystemExit(f"no rendering for {tp!r} in {self.official}: teach sync_requests")


def _literal(value: object) -> str:
    import json

    return json.dumps(value) if isinstance(value, str) else repr(value)


def _render_class(value: Any, renderer: Renderer) -> str:
    hints = typing.get_type_hints(value, include_extras=True)
    # Not `__required_keys__`: the official modules' string annotations hide `Required`.
    marked = {
        k for k, h in hints.items() if typing.get_origin(_strip(h)) in (typing_extensions.Required,)
    }
    required = set(hints) if value.__total__ else marked
    mixed = bool(required) and required != set(hints)
    total = "" if required == set(hints) and hints else ", total=False"
    if any(keyword.iskeyword(k) for k in hints):  # `from`: only the functional form
        fields = []
        for key, hint in hints.items():
            text = renderer.ann(_unrequired(hint))
            if mixed and key in required:
                renderer.typing.add("Required")
                text = f"Required[{text}]"
            quote = "'" if '"' in text else '"'
            fields.append(f'    "{key}": {quote}{text}{quote},\n')
        return (
            f"# `{value.__module__}.{value.__qualname__}`.\n"
            f'{value.__name__} = TypedDict(\n    "{value.__name__}",\n    {{\n'
            + "".join("    " + f for f in fields)
            + f"    }},\n{'    total=False,' + chr(10) if total else ''})\n"
        )
    doc = f"`{value.__module__}.{value.__qualname__}`."
    lines = [f"class {value.__name__}(TypedDict{total}):"]
    lines.append(f'    """{doc}"""' if len(doc) <= 90 else f'    """\n    {doc}\n    """')
    if hints:
        lines.append("")
    for key, hint in hints.items():
        text = renderer.ann(_unrequired(hint))
        if mixed and key in required:
            renderer.typing.add("Required")
            text = f"Required[{text}]"
        lines.append(f"    {key}: {text}")
    return "\n".join(lines) + "\n"


def _unrequired(hint: Any) -> Any:
    hint = _strip(hint)
    if typing.get_origin(hint) in (typing_extensions.Required,):
        hint = typing.get_args(hint)[0]
    if typing.get_origin(hint) in (typing_extensions.NotRequired,):
        hint = typing.get_args(hint)[0]
    return hint


def render(official: str) -> str:
    """The module of ours at the path of `official` (`ruff` sorts and formats it)."""
    from scripts.sync_api import _all, _docstring

    module = importlib.import_module(official)
    defs = modules()[official]
    renderer = Renderer(official)
    body: list[str] = []
    runtime_typing: set[str] = set()
    for n, d in defs.items():
        value = getattr(module, n)
        if d.kind in ("class", "hidden"):
            body.append(_render_class(value, renderer))
        elif d.kind == "const":
            body.append(f"{n} = ({''.join(_literal(v) + ', ' for v in value)})\n")
        elif d.kind == "alias":
            # Quoted: the names in it are imported for type checkers only.
            text = renderer.ann(_strip(value))
            words = set(re.findall(r"[A-Za-z_.]+", re.sub(r'"[^"]*"', "", text)))
            if words <= {"Literal", "str", "int", "float", "bool", "None"}:
                # Strings and `Literal`s only: the same object as the official one at run
                # time, which tests and users can introspect.
                runtime_typing |= {"Literal"} & renderer.typing if "Literal[" in text else set()
                body.append(f"{n}: TypeAlias = {text}\n")
                continue
            quote = "'" if '"' in text else '"'
            body.append(f"{n}: TypeAlias = {quote}{text}{quote}\n")
    runtime = ["from typing import TYPE_CHECKING"]
    runtime += [f"from typing import {name}" for name in sorted(runtime_typing)]
    if any(d.kind in ("class", "hidden") for d in defs.values()):
        runtime.append("from typing import TypedDict")
    exported = sorted(n for n, d in defs.items() if d.kind == "root")
    if exported:
        runtime.append(f"from anyio_claude.types import {', '.join(exported)}")
    for n, d in sorted(defs.items()):
        if d.kind == "twin":
            runtime.append(f"from anyio_claude.types import {d.source} as {n}")
        if d.kind == "other":  # defined in another module, maybe under another name
            own = getattr(module, n).__name__
            home = "anyio_claude.types" if own in hand_written() else _ours(d.source)
            runtime.append(f"from {home} import {own}" + (f" as {n}" if own != n else ""))
    checking: list[str] = []
    if renderer.abc:
        checking.append(f"from collections.abc import {', '.join(sorted(renderer.abc))}")
    typing_names = renderer.typing - {"Required"} - runtime_typing
    if any(d.kind == "alias" for d in defs.values()):
        typing_names.add("TypeAlias")
    if typing_names:
        checking.append(f"from typing import {', '.join(sorted(typing_names))}")
    annotation_only = sorted(renderer.root - set(exported) - set(defs))
    if annotation_only:
        checking.append(f"from anyio_claude.types import {', '.join(annotation_only)}")
    for mod, alias in sorted(renderer.others.items()):
        parent, _, leaf = mod.rpartition(".")
        checking.append(f"from {parent} import {leaf} as {alias}")
    if "Required" in renderer.typing:
        checking.insert(0, "import sys")
        checking.append(
            "if sys.version_info >= (3, 11):\n    from typing import Required\nelse:\n"
            "    from typing_extensions import Required"
        )
    if renderer.typevars:  # typing_extensions' for PEP 696 defaults (type checkers only)
        checking.append("from typing_extensions import TypeVar")
    for var in sorted(renderer.typevars, key=lambda v: v.__name__):
        default = getattr(var, "__default__", typing_extensions.NoDefault)
        if default not in (None, typing_extensions.NoDefault):
            raise SystemExit(f"no rendering for the default of {var!r}: teach sync_requests")
        shown = "" if default is typing_extensions.NoDefault else ", default=None"
        checking.append(f'{var.__name__} = TypeVar("{var.__name__}"{shown})')
    if "os.PathLike" in "".join(body):
        checking.insert(0, "import os")
    # `parsed_message` holds response types only (ours, bound at its names).
    values = [getattr(module, n) for n in defs]
    responses = any(isinstance(v, type) and issubclass(v, pydantic.BaseModel) for v in values)
    what = "names" if responses and not any(map(_requestish, values)) else "request types"
    text = _docstring(f"The {what} of `{official}`.") + "\n\n"
    text += "from __future__ import annotations\n\n" + "\n".join(runtime) + "\n"
    if checking:
        lines = "\n".join(checking).splitlines()
        text += "\nif TYPE_CHECKING:\n" + "".join(f"    {line}\n" for line in lines)
    text += f"\n{_all([n for n, d in defs.items() if d.kind != 'hidden'])}"
    if body:
        text += "\n\n" + "\n\n".join(body)
    return text


def package_requests(official: str) -> dict[str, str]:
    """The generated names an official package exports, each with the module of ours that
    defines it."""
    package = importlib.import_module(official)
    found: dict[str, str] = {}
    for n in getattr(package, "__all__", dir(package)):
        value = getattr(package, n, None)
        if n.startswith("_") or value is None or n in hand_written():
            continue
        home = _definitions().get(id(_strip(value)))
        if home is not None and home[1] == n:
            found[n] = _ours(home[0])
        elif home is not None and n in _second_names():  # `WebSearchToolRequestErrorParam`
            found[n] = _ours(_second_names()[n])
    return dict(sorted(found.items()))


@functools.cache
def _second_names() -> dict[str, str]:
    """The generated modules that import a TypedDict under a name of their own."""
    return {
        n: official
        for official, defs in modules().items()
        for n, d in defs.items()
        if d.kind == "other"
        and getattr(importlib.import_module(official), n).__name__ != n
        and official.endswith("." + _snake(n))
    }


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
