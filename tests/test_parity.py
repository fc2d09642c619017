"""Parity with the pinned official SDK (the pin: tests/test_generated.py).

Each test introspects the official package and ours and fails when the official has
something we lack — a top-level name, a client attribute, a resource method in any view
(plain, `with_raw_response`, `with_streaming_response`; async and blocking) or a parameter
of one — unless the gap is in one of the two tables below. Bumping the pin shows what the
new release added as failures. An entry that is no longer a gap fails too, so the tables
stay true.

Parameters are checked by behaviour, not by reading our signatures: each method is called
with every parameter the official method takes (well-typed values, a base URL nobody
listens on) and must not refuse one as unexpected.
"""

from __future__ import annotations

import importlib
import inspect
import re
import typing
from collections.abc import Callable, Iterator
from typing import Any, TypedDict

import anthropic
import msgspec
import pydantic
import pytest

import anyio_claude
from anyio_claude import AsyncClaude, Claude

pytestmark = pytest.mark.anyio

# What we do not do, on purpose (docs/migration.md says so to users).
DELIBERATE: dict[str, str] = {
    # The official SDK's HTTP stack and its knobs; we send through httpcore.
    "top:AsyncClient": "httpx client subclass",
    "top:Client": "httpx client subclass",
    "top:DefaultAioHttpClient": "aiohttp transport for httpx",
    "top:DefaultAsyncHttpxClient": "httpx client factory",
    "top:DefaultHttpxClient": "httpx client factory",
    "top:DEFAULT_CONNECTION_LIMITS": "an httpx.Limits; ours is max_connections=",
    "top:NoneType": "`types.NoneType`, the `cast_to` of the generic HTTP verbs below",
    "client:custom_auth": "an httpx.Auth hook",
    "client:qs": "the official query-string encoder object",
    "client:platform_headers": "the X-Stainless-* OS/runtime headers, which we do not send",
    # Generic HTTP verbs of the official base client: requests go through the resources.
    "client:get": "generic HTTP verb",
    "client:post": "generic HTTP verb",
    "client:put": "generic HTTP verb",
    "client:patch": "generic HTTP verb",
    "client:delete": "generic HTTP verb",
    "client:request": "generic HTTP verb",
    "client:get_api_list": "generic HTTP verb",
    "top:RequestOptions": "the generic-request options object of those verbs",
    # Product APIs outside the Messages surface (admin, managed agents, skills, webhooks).
    "client:organization": "Admin API",
    "client:skills": "Skills API",
    "client:user_profiles": "User Profiles API",
    "client:webhook_key": "webhooks",
    # The pages of the admin and report APIs.
    "path:pagination.AsyncBidirectionalPageCursor": "Admin API pages",
    "path:pagination.SyncBidirectionalPageCursor": "Admin API pages",
    "path:pagination.AsyncReportPageCursor": "Admin API report pages",
    "path:pagination.SyncReportPageCursor": "Admin API report pages",
    **{
        f"resource:beta.{name}": "managed agents / admin / product API"
        for name in (
            "agents",
            "compliance",
            "deployment_runs",
            "deployments",
            "dreams",
            "environments",
            "memory_stores",
            "organization",
            "sessions",
            "skills",
            "tunnels",
            "user_profiles",
            "vaults",
            "webhooks",
        )
    },
}

# Gaps with an open issue. Each is a bug until it is gone from here.
PENDING: dict[str, str] = {
    # issue 17: beta twins, to be derived once issue 18 derives views from one signature
}


def _core(path: str) -> list[str]:
    """`path` without its view segments and `beta`: what surface it belongs to."""
    return [s for s in path.split(".") if s not in ("with_raw_response", "with_streaming_response")]


def _official_methods(client: object) -> dict[str, Callable[..., Any]]:
    """Every public method of the official client's resources, by dotted path."""
    found: dict[str, Callable[..., Any]] = {}

    def walk(obj: object, path: str) -> None:
        for name in dir(obj):
            if name.startswith("_"):
                continue
            value = getattr(obj, name)
            dotted = f"{path}.{name}"
            if inspect.ismethod(value) or inspect.isfunction(value):
                found[dotted] = value
            elif type(value).__module__.startswith("anthropic.resources") or (
                type(value).__module__ == "anthropic._client"
            ):
                walk(value, dotted)

    for root in (
        "messages",
        "models",
        "files",
        "beta",
        "with_raw_response",
        "with_streaming_response",
    ):
        walk(getattr(client, root), root)
    return found


def _resource_gap(path: str) -> str | None:
    """The allowlist key of the out-of-scope resource `path` is in, if it is."""
    core = _core(path)
    if core[0] == "beta" and f"resource:beta.{core[1]}" in DELIBERATE:
        return f"resource:beta.{core[1]}"
    if f"client:{core[0]}" in DELIBERATE:
        return f"client:{core[0]}"
    return None


def _lookup(obj: object, path: str) -> Any:
    for segment in path.split("."):
        obj = getattr(obj, segment)
    return obj


def _method_key(path: str) -> str:
    """The allowlist key for a method in any view: `method:` and its core path."""
    return "method:" + ".".join(_core(path))


class Answer(TypedDict):
    """A structured output type both clients could take."""

    answer: int


USER = [{"role": "user", "content": "hi"}]
MODEL = "claude-sonnet-5-5"
# A well-typed value for every parameter name the in-scope official methods take.
VALUES: dict[str, Any] = {
    "after_id": "a",
    "before_id": "b",
    "betas": ["b"],
    "billing_policy": {"type": "billing_policy", "bill_to": "user_profile"},
    "cache_control": {"type": "ephemeral"},
    "compaction": {"type": "compaction"},
    "container": "container_1",
    "context_management": {"edits": []},
    "diagnostics": {},
    "expires_in_seconds": 60,
    "extra_body": {},
    "extra_headers": {},
    "extra_query": {},
    "fallback_credit_token": "t",
    "fallbacks": "default",
    "file": b"x",
    "file_id": "file_1",
    "ids": ["file_1"],
    "inference_geo": "us",
    "lifecycle": ["active"],
    "limit": 10,
    "max_iterations": 2,
    "max_tokens": 5,
    "mcp_servers": [],
    "message_batch_id": "msgbatch_1",
    "messages": USER,
    "metadata": {},
    "model": MODEL,
    "model_id": MODEL,
    "output_config": {},
    "output_format": Answer,
    "page": "page_1",
    "run_tools_eagerly": False,
    "requests": [{"custom_id": "a", "params": {"model": MODEL, "max_tokens": 5, "messages": USER}}],
    "scope_id": "s",
    "service_tier": "auto",
    "speed": "standard",
    "stop_sequences": ["x"],
    "stream": False,
    "system": "s",
    "thinking": {"type": "disabled"},
    "thread": None,
    "timeout": 5.0,
    "tool_choice": {"type": "auto"},
    "tools": [],
    "unsupported_request_behavior": "continue_unthreaded",
    "user_profile_id": "u",
    "workspace_id": "w",
}
_REFUSED = re.compile(
    r"unexpected keyword argument '(\w+)'|missing \d+ required|positional-only arguments passed"
)


def _arguments(official: Callable[..., Any]) -> dict[str, Any]:
    names = [
        name
        for name, p in inspect.signature(official).parameters.items()
        if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    ]
    unknown = [name for name in names if name not in VALUES]
    assert not unknown, f"give VALUES a well-typed value for {unknown}"
    return {name: VALUES[name] for name in names}


def _refused(exc: TypeError, args: dict[str, Any]) -> str:
    """The parameter a binding TypeError refuses; raises for other refusals."""
    match = _REFUSED.search(str(exc))
    if match is None:
        return ""
    if match.group(1) in args:
        return match.group(1)
    raise AssertionError(f"refused the official SDK's arguments: {exc}")


async def _async_refusals(method: Callable[..., Any], args: dict[str, Any]) -> set[str]:
    refused: set[str] = set()
    while True:
        try:
            result = method(**args)
            if inspect.isawaitable(result):
                await result
            elif hasattr(result, "__aenter__"):
                async with result:
                    pass
            elif hasattr(result, "__aiter__"):
                async for _ in result:
                    break
        except TypeError as exc:
            name = _refused(exc, args)
            if name:
                refused.add(name)
                del args[name]
                continue
        except Exception:
            pass  # it got past binding: the request itself failed, as meant
        return refused


def _sync_refusals(method: Callable[..., Any], args: dict[str, Any]) -> set[str]:
    refused: set[str] = set()
    while True:
        try:
            result = method(**args)
            if hasattr(result, "__enter__"):
                with result:
                    pass
            elif hasattr(result, "__iter__") and not isinstance(result, (str, bytes, dict)):
                for _ in result:
                    break
        except TypeError as exc:
            name = _refused(exc, args)
            if name:
                refused.add(name)
                del args[name]
                continue
        except Exception:
            pass
        return refused


def _assert_tables_hold(kind: str, found: set[str]) -> None:
    listed = {key for key in DELIBERATE.keys() | PENDING.keys() if key.startswith(kind)}
    missing = sorted(found - listed)
    stale = sorted(listed - found)
    assert not missing, f"the official SDK has these and we do not: {missing}"
    assert not stale, f"no longer gaps, remove them from the tables: {stale}"


def test_top_level_names() -> None:
    found = {f"top:{name}" for name in anthropic.__all__ if not hasattr(anyio_claude, name)}
    _assert_tables_hold("top:", found)


def test_client_attributes() -> None:
    gaps: set[str] = set()
    async_official, sync_official = (
        anthropic.AsyncAnthropic(api_key="k"),
        anthropic.Anthropic(api_key="k"),
    )
    with Claude(api_key="k") as blocking:
        for theirs, ours in ((async_official, AsyncClaude(api_key="k")), (sync_official, blocking)):
            gaps |= {
                f"client:{name}"
                for name in dir(theirs)
                if not name.startswith("_") and not hasattr(ours, name)
            }
    _assert_tables_hold("client:", gaps)


PLATFORM_ARGUMENTS: dict[str, dict[str, Any]] = {
    "AnthropicBedrock": {"api_key": "k", "aws_region": "us-east-1"},
    "AnthropicBedrockMantle": {"api_key": "k", "aws_region": "us-east-1"},
    "AnthropicAWS": {"api_key": "k", "workspace_id": "w", "aws_region": "us-east-1"},
    "AnthropicVertex": {"region": "us-east5", "project_id": "p", "access_token": "t"},
    "AnthropicGoogleCloud": {"token_provider": str, "project": "p", "workspace_id": "w"},
    "AnthropicFoundry": {"api_key": "k", "resource": "r"},
}


@pytest.mark.parametrize("name", sorted(PLATFORM_ARGUMENTS))
def test_platform_client_attributes(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each platform client, async and blocking, has what the official one has (but
    the client gaps the tables list), its `beta` too."""
    for variable in ("AWS_BEARER_TOKEN_BEDROCK", "ANTHROPIC_AWS_API_KEY"):
        monkeypatch.delenv(variable, raising=False)
    arguments = PLATFORM_ARGUMENTS[name]
    listed = DELIBERATE.keys() | PENDING.keys()
    gaps: set[str] = set()
    with getattr(anyio_claude, name)(**arguments) as blocking:
        for theirs, ours in (
            (
                getattr(anthropic, f"Async{name}")(**arguments),
                getattr(anyio_claude, f"Async{name}")(**arguments),
            ),
            (getattr(anthropic, name)(**arguments), blocking),
        ):
            gaps |= {
                f"client:{attr}"
                for attr in dir(theirs)
                if not attr.startswith("_") and not hasattr(ours, attr)
            }
            gaps |= {
                f"resource:beta.{attr}"
                for attr in dir(theirs.beta)
                if not attr.startswith("_") and not hasattr(ours.beta, attr)
            }
    assert not gaps - listed, sorted(gaps - listed)


def _methods(official: object, ours: object) -> Iterator[tuple[str, Callable[..., Any], Any]]:
    """(path, official method, ours or None) for every official method in scope, in every
    view (`messages.with_raw_response.create`, `with_raw_response.messages.create`, ...)."""
    for path, method in sorted(_official_methods(official).items()):
        if _resource_gap(path) is not None:
            continue
        try:
            mine = _lookup(ours, path)
        except AttributeError:
            mine = None
        yield path, method, mine


def test_resources_outside_the_messages_surface_are_the_listed_ones() -> None:
    official = anthropic.AsyncAnthropic(api_key="k")
    beta_roots = {
        f"resource:beta.{_core(path)[1]}"
        for path in _official_methods(official)
        if _core(path)[0] == "beta" and _core(path)[1] not in ("messages", "models", "files")
    }
    assert beta_roots == {key for key in DELIBERATE if key.startswith("resource:")}


def test_every_method_in_every_view_async_and_blocking() -> None:
    # A gap is named by the method's core path: a method lacking in any view is lacking.
    gaps: set[str] = set()
    with Claude(api_key="k") as blocking:
        for official, ours in (
            (anthropic.AsyncAnthropic(api_key="k"), AsyncClaude(api_key="k")),
            (anthropic.Anthropic(api_key="k"), blocking),
        ):
            gaps |= {
                _method_key(path) for path, _, mine in _methods(official, ours) if mine is None
            }
    _assert_tables_hold("method:", gaps)


def _param_keys(refused: dict[str, set[str]]) -> set[str]:
    return {
        f"param:{'.'.join(_core(path))}({name})"
        for path, names in refused.items()
        for name in names
    }


async def test_every_parameter_of_every_async_method() -> None:
    refused: dict[str, set[str]] = {}
    official = anthropic.AsyncAnthropic(api_key="k")
    async with AsyncClaude(api_key="k", base_url="http://127.0.0.1:9", max_retries=0) as ours:
        for path, method, mine in _methods(official, ours):
            if mine is not None:  # else the method test reports it
                refused[path] = await _async_refusals(mine, _arguments(method))
    await official.close()
    _assert_tables_hold("param:", _param_keys(refused))


def test_every_parameter_of_every_blocking_method() -> None:
    refused: dict[str, set[str]] = {}
    official = anthropic.Anthropic(api_key="k")
    with Claude(api_key="k", base_url="http://127.0.0.1:9", max_retries=0) as ours:
        for path, method, mine in _methods(official, ours):
            if mine is not None:
                refused[path] = _sync_refusals(mine, _arguments(method))
    official.close()
    _assert_tables_hold("param:", _param_keys(refused))


def _literals(annotation: object) -> set[str] | None:
    """The strings an annotation's `Literal`s allow; None when it takes any `str`."""
    found: set[str] = set()
    stack = [annotation]
    while stack:
        item = stack.pop()
        if typing.get_origin(item) is typing.Literal:
            found |= {v for v in typing.get_args(item) if isinstance(v, str)}
        elif item is str:
            return None
        else:
            stack.extend(typing.get_args(item))
    return found


def _official_types() -> Iterator[tuple[str, Any]]:
    for module in (anthropic.types, anthropic.types.beta):
        for name in dir(module):
            if not name.startswith("_"):
                yield name, getattr(module, name)


# `Literal` values a beta type has that ours, one class for the beta and non-beta type,
# does not name for type checkers (the value decodes as its string all the same).
SHARED_LITERALS: dict[str, str] = {
    "BetaMessage.stop_reason: ['compaction']": (
        "typed as the non-beta `StopReason`, so `stop: StopReason | None = message.stop_reason`"
        " type-checks as with the official SDK"
    ),
}


def test_fields_and_literal_values_of_the_types_we_have() -> None:
    """Every field of an official response type is one of ours of that name, and every
    `Literal` value it allows ours allows too (ours may take any string)."""
    gaps: list[str] = []
    compared = 0
    for name, theirs in _official_types():
        ours = getattr(anyio_claude.types, name, None)
        if isinstance(theirs, type) and issubclass(theirs, pydantic.BaseModel):
            if not (isinstance(ours, type) and issubclass(ours, msgspec.Struct)):
                continue
            compared += 1
            hints = typing.get_type_hints(ours)
            for field, info in theirs.model_fields.items():
                if field not in hints and not hasattr(ours, field):
                    gaps.append(f"{name}.{field}")
                    continue
                wanted = _literals(info.annotation)
                have = _literals(hints[field]) if field in hints else {getattr(ours, field)}
                if wanted and have is not None and wanted - have:
                    gaps.append(f"{name}.{field}: {sorted(wanted - have)}")
        elif typing.get_origin(theirs) is not None and ours is not None:
            if isinstance(ours, str):
                # A generated request alias naming TypedDicts is a forward reference at
                # run time (its names are imported for type checkers only).
                continue
            wanted, have = _literals(theirs), _literals(ours)
            if wanted and have is not None and wanted - have:
                gaps.append(f"{name}: {sorted(wanted - have)}")
    assert compared > 50  # the walk reaches our types (Message, blocks, events, batches...)
    assert sorted(gaps) == sorted(SHARED_LITERALS), f"official fields or literal values: {gaps}"


def test_the_out_of_scope_types_are_those_of_the_deliberate_resources() -> None:
    """The generator's scope (scripts/sync_scope.py) leaves out the types of the resources
    `DELIBERATE` lists, and of no other."""
    from scripts.sync_scope import OUT_OF_SCOPE

    listed = {key.split(":", 1)[1] for key in DELIBERATE if key.startswith("resource:")}
    client = anthropic.AsyncAnthropic(api_key="k")
    listed |= {  # the client's own resources there (organization, skills, ...)
        key[7:]
        for key in DELIBERATE
        if key.startswith("client:")
        and type(getattr(client, key[7:], None)).__module__.startswith("anthropic.resources")
    }
    # The official Bedrock client's managed agents (agents, sessions, memory stores).
    assert set(OUT_OF_SCOPE) == listed | {"beta.bedrock"}


# Official type names `anyio_claude.types` lacks though they are in scope, and why.
MISSING_TYPE_NAMES: dict[str, str] = {}


def test_official_type_names_importable_from_ours() -> None:
    """Every official type name of `anthropic.types[.beta]` is importable from
    `anyio_claude.types`, but those of the out-of-scope APIs and the ones listed."""
    from scripts.sync_scope import out_of_scope

    missing = {
        name
        for name, theirs in _official_types()
        if isinstance(theirs, type) and not hasattr(anyio_claude.types, name)
    }
    out = {
        name
        for name, theirs in _official_types()
        if isinstance(theirs, type) and out_of_scope(theirs)
    }
    assert sorted(missing - out) == sorted(MISSING_TYPE_NAMES)
    assert out <= missing  # the out-of-scope types are the gaps, all of them
    assert len(out) < 400  # the rule names the out-of-scope APIs, not everything


@pytest.mark.parametrize("module", ["pagination", "lib.streaming", "lib.tools", "lib.tools.mcp"])
def test_official_module_paths(module: str) -> None:
    """`anthropic.X` names are importable from `anyio_claude.X`."""
    theirs = importlib.import_module(f"anthropic.{module}")
    ours = importlib.import_module(f"anyio_claude.{module}")
    names = getattr(theirs, "__all__", None) or [
        name
        for name in dir(theirs)
        if isinstance(getattr(theirs, name), type)
        and getattr(theirs, name).__module__ == theirs.__name__
    ]
    gaps = {
        f"path:{module}.{name}"
        for name in names
        if name.isidentifier() and not hasattr(ours, name)  # not pydantic's `X[object]`
    }
    listed = {
        key for key in DELIBERATE.keys() | PENDING.keys() if key.startswith(f"path:{module}.")
    }
    assert gaps == listed, (sorted(gaps - listed), sorted(listed - gaps))


def _accepts(ours: Callable[..., Any], theirs: Callable[..., Any]) -> list[str]:
    """The parameters of `theirs` that `ours` has no place for."""
    try:
        mine = inspect.signature(ours).parameters
        official = inspect.signature(theirs).parameters
    except (TypeError, ValueError):
        return []
    if any(p.kind is p.VAR_KEYWORD for p in mine.values()):
        return []
    rest = (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    return [name for name, p in official.items() if name not in mine and p.kind not in rest]


def test_tool_helper_members() -> None:
    """Each public method, property and attribute of the official tool helpers (the tool
    runners, function and builtin tools, the memory tools, `ToolError`) is ours too, and
    each method takes every parameter the official one takes."""
    import anthropic.lib.tools as theirs

    import anyio_claude.lib.tools as ours

    gaps: set[str] = set()
    for name in theirs.__all__:
        official, mine = getattr(theirs, name), getattr(ours, name, None)
        if not isinstance(official, type) or mine is None:
            continue
        for member in dir(official):
            if member.startswith("_"):
                continue
            key = f"member:lib.tools.{name}.{member}"
            if not hasattr(mine, member):
                gaps.add(key)
                continue
            their_member, my_member = getattr(official, member), getattr(mine, member)
            if callable(their_member) and callable(my_member):
                gaps |= {f"{key}({p})" for p in _accepts(my_member, their_member)}
    listed = {key for key in DELIBERATE.keys() | PENDING.keys() if key.startswith("member:")}
    assert gaps == listed, (sorted(gaps - listed), sorted(listed - gaps))


def _official_type_modules() -> list[str]:
    import pkgutil

    return [
        info.name
        for info in pkgutil.walk_packages(anthropic.types.__path__, "anthropic.types.")
        if not info.ispkg and getattr(importlib.import_module(info.name), "__all__", None)
    ]


def test_official_type_modules_are_mirrored_with_the_same_objects() -> None:
    """Each official `anthropic.types...` module whose names we all have is importable at
    the same path here, holding our objects of those names (its own unions and `Literal`s,
    such as `Content`, are the same as the official ones, of our classes)."""
    from scripts.sync_api import type_mirrors

    mirrors = type_mirrors()
    assert len(mirrors) > 50
    for official, names in mirrors.items():
        ours = importlib.import_module(official.replace("anthropic", "anyio_claude", 1))
        theirs = importlib.import_module(official)
        assert sorted(ours.__all__) == sorted(names)
        for name in names:
            mine = getattr(ours, name)
            if hasattr(anyio_claude.types, name):
                assert mine is getattr(anyio_claude.types, name)
            else:
                assert _spelled(mine) == _spelled(getattr(theirs, name)), (official, name)


def _spelled(annotation: object) -> str:
    """An annotation with class names for classes and without `Annotated` and `Beta`
    prefixes, to compare a union of ours with the official one."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type):
        if issubclass(annotation, msgspec.Struct) and annotation.__struct_config__.tag:
            return str(annotation.__struct_config__.tag)
        if issubclass(annotation, pydantic.BaseModel) and "type" in annotation.model_fields:
            tag = typing.get_args(annotation.model_fields["type"].annotation)
            if len(tag) == 1 and isinstance(tag[0], str):
                return tag[0]
        from scripts.sync_wire import RENAMED

        qualname = f"{annotation.__module__}.{annotation.__qualname__}"
        return RENAMED.get(qualname, annotation.__name__.removeprefix("Beta"))
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return repr(sorted(map(str, args)))
    if not args:
        return repr(annotation)
    origin = typing.get_origin(annotation)
    return f"{getattr(origin, '__name__', origin)}[{', '.join(sorted(map(_spelled, args)))}]"


# Official `anthropic.types` modules in scope that have no mirror here, and why.
MISSING_TYPE_MODULES: dict[str, str] = {}


def test_official_type_module_paths_importable_from_ours() -> None:
    """Every official `anthropic.types` module path is importable here, but those of the
    out-of-scope APIs (a module one of whose names is theirs) and the ones listed."""
    from scripts.sync_api import error_facts
    from scripts.sync_scope import out_of_scope

    missing, out = set(), set()
    for official in _official_type_modules():
        module = importlib.import_module(official)
        if any(out_of_scope(getattr(module, name)) for name in module.__all__):
            out.add(official)
        try:
            importlib.import_module(official.replace("anthropic", "anyio_claude", 1))
        except ImportError:
            missing.add(official)
    assert sorted(missing - out) == sorted(MISSING_TYPE_MODULES)
    # What we have of those: the error-code classes, which any API can raise.
    assert out - missing <= set(error_facts().modules)


# Hand-written classes where the official has a union, by design.
CLASS_FOR_UNION: dict[str, str] = {
    "anthropic.types.message_param.MessageParam": (
        "one TypedDict with the role a Literal: a turn literal type-checks without naming "
        "which of the three message shapes it is"
    ),
    "anthropic.types.shared.error_object.ErrorObject": (
        "one Struct with `type` a string: an error type the API adds later still decodes"
    ),
}


def test_each_mirrored_name_is_a_class_where_the_official_is_one() -> None:
    """At every official module path we have, a name is a class (a model or a TypedDict)
    exactly where the official one is, and an alias where the official is an alias: beta
    `message_create_params.Container` is the union `BetaContainerParams | str`, not the
    response `Container` of our root."""
    wrong = []
    for official in _official_type_modules():
        try:
            ours = importlib.import_module(official.replace("anthropic", "anyio_claude", 1))
        except ImportError:
            continue
        theirs = importlib.import_module(official)
        for name in getattr(theirs, "__all__", ()):
            # A class is an object whose type is a metaclass: on Python 3.10 a `list[X]`
            # alias passes `isinstance(..., type)` too.
            expected = issubclass(type(getattr(theirs, name)), type)
            if issubclass(type(getattr(ours, name)), type) != expected:
                wrong.append(f"{official}.{name}")
    assert sorted(wrong) == sorted(CLASS_FOR_UNION)
