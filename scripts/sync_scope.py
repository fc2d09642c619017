"""Which official types this client covers: the scope `scripts/sync_api.py` generates.

The official SDK's `anthropic.types` holds the types of every API it serves; this client
serves `messages`, `messages.batches`, `models`, `files` and their beta twins, and leaves
out the product and admin APIs (tests/test_parity.py lists them in `DELIBERATE`, with why).
A type is **out of scope** when only those APIs use it: a resource module of theirs imports
it (or a module of their own `anthropic.types` subpackage defines it), or such a type names
it, and nothing in scope does. Everything else is **in scope**: what the in-scope resource
modules import, what the official modules define that no resource imports (the error
objects' details, the computer and browser tool inputs, the memory tool commands, ...), and
every type those name.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import types
import typing
from collections.abc import Iterable
from typing import Any

import pydantic
import typing_extensions

# The official resources (paths under `anthropic.resources`) and `anthropic.types`
# subpackages this client does not serve. `beta.bedrock` is the managed agents' resources
# of the official Bedrock client (agents, sessions, memory stores there).
OUT_OF_SCOPE = (
    "beta.agents",
    "beta.bedrock",
    "beta.compliance",
    "beta.deployment_runs",
    "beta.deployments",
    "beta.dreams",
    "beta.environments",
    "beta.memory_stores",
    "beta.organization",
    "beta.sessions",
    "beta.skills",
    "beta.tunnels",
    "beta.user_profiles",
    "beta.vaults",
    "beta.webhooks",
    "organization",
    "skills",
    "user_profiles",
)


# What the modules of those APIs' types are named after, for the types no resource
# imports (`agent_list_params`, `beta_managed_agents_*`, `beta_webhook_*_event_data`, ...).
FAMILIES = (
    "agent_",
    "compliance_",
    "deployment_",
    "dream_",
    "environment_",
    "managed_agents_",
    "memory_store_",
    "organization_",
    "session_",
    "skill_",
    "tunnel_",
    "user_profile_",
    "vault_",
    "webhook_",
)


def _out(dotted: str, root: str) -> bool:
    """Whether `root.<path>` names a module of an out-of-scope API."""
    path = dotted.removeprefix(root + ".")
    return any(path == p or path.startswith(p + ".") for p in OUT_OF_SCOPE)


def _strip(tp: Any) -> Any:
    while typing.get_origin(tp) in (
        typing_extensions.Annotated,
        typing_extensions.Required,
        typing_extensions.NotRequired,
    ):
        tp = typing.get_args(tp)[0]
    return tp


def _parts(tp: Any) -> list[Any]:
    """What an official type names: a model's fields, a TypedDict's keys, a union's members."""
    tp = _strip(tp)
    if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
        return [f.annotation for f in tp.model_fields.values()]
    if typing_extensions.is_typeddict(tp):
        return list(typing.get_type_hints(tp, include_extras=True).values())
    if typing.get_origin(tp) is typing.Literal:
        return []
    return list(typing.get_args(tp))


def _closure(roots: Iterable[Any]) -> dict[int, Any]:
    """Every official type `roots` name, themselves included, by id (the values keep
    the ids from being reused)."""
    seen: dict[int, Any] = {}
    stack = list(roots)
    while stack:
        item = _strip(stack.pop())
        if id(item) in seen:
            continue
        seen[id(item)] = item
        stack.extend(_parts(item))
    return seen


def _is_type(value: Any) -> bool:
    """An official type worth naming: a class, or an alias (`Union`, `Literal`, ...)."""
    if isinstance(value, type):
        return value.__module__.startswith("anthropic.types")
    return typing.get_origin(_strip(value)) is not None


@functools.cache
def type_modules() -> dict[str, types.ModuleType]:
    """Every official `anthropic.types` module (packages apart), by name."""
    import anthropic.types

    return {
        info.name: importlib.import_module(info.name)
        for info in pkgutil.walk_packages(anthropic.types.__path__, "anthropic.types.")
        if not info.ispkg
    }


def _defined(module: types.ModuleType) -> list[Any]:
    return [v for n in getattr(module, "__all__", ()) if _is_type(v := getattr(module, n))]


def _imported(module: types.ModuleType) -> list[Any]:
    """The official types a resource module imports: the names, and every type of the
    `anthropic.types` modules it imports (its `*_params` modules)."""
    found: list[Any] = []
    for value in vars(module).values():
        if isinstance(value, types.ModuleType) and value.__name__.startswith("anthropic.types."):
            if not hasattr(value, "__path__"):
                found.extend(_defined(value))
        elif _is_type(value):
            found.append(value)
    return found


@functools.cache
def scope() -> tuple[dict[int, Any], dict[int, Any]]:
    """The in-scope and the out-of-scope official types, by id."""
    import anthropic.resources

    inside: list[Any] = []
    outside: list[Any] = []
    for info in pkgutil.walk_packages(anthropic.resources.__path__, "anthropic.resources."):
        module = importlib.import_module(info.name)
        (outside if _out(info.name, "anthropic.resources") else inside).extend(_imported(module))
    for name, module in type_modules().items():
        if _out(name, "anthropic.types"):
            outside.extend(_defined(module))
    used, out = _closure(inside), _closure(outside)
    seen = used.keys() | out.keys()
    for name, module in type_modules().items():
        orphans = [v for v in _defined(module) if id(_strip(v)) not in seen]
        (outside if _family(name, orphans) else inside).extend(orphans)
    used, out = _closure(inside), _closure(outside)
    return used, {k: v for k, v in out.items() if k not in used}


def _family(module: str, found: list[Any]) -> bool:
    """Whether a module no resource imports from is an out-of-scope API's: named after
    one, and not the body of an error-code class (those any API can raise)."""
    from anthropic._error_classes import ERROR_CLASSES

    coded = {cls.__name__ for cls in ERROR_CLASSES.values()}
    if any(getattr(v, "__name__", "").removesuffix("Details") in coded for v in found):
        return False
    return module.rsplit(".", 1)[1].removeprefix("beta_").startswith(FAMILIES)


def in_scope(value: Any) -> bool:
    """Whether the generator covers an official type (the error-code exception classes,
    generated apart, are neither in nor out)."""
    return id(_strip(value)) in scope()[0]


def out_of_scope(value: Any) -> bool:
    return id(_strip(value)) in scope()[1]
