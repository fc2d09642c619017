"""Every public name is importable, documented, and listed in `__all__` exactly once."""

from __future__ import annotations

import importlib
import inspect

import pytest

PUBLIC_MODULES = [
    "anyio_claude",
    "anyio_claude.types",
    "anyio_claude.sse",
    "anyio_claude.streaming",
    "anyio_claude.testing",
    "anyio_claude.resources",
    "anyio_claude.pagination",
    "anyio_claude.lib.streaming",
    "anyio_claude.lib.tools",
    "anyio_claude.lib.tools.mcp",
    "anyio_claude.tools",
    "anyio_claude.tools.memory",
]


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_all_names_importable_and_documented(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert module.__doc__, f"{module_name} has no docstring"
    names = module.__all__
    assert isinstance(names, tuple), f"{module_name}.__all__ must be a tuple"
    assert len(names) == len(set(names)), f"{module_name}.__all__ has duplicates"
    undocumented = []
    for name in names:
        obj = getattr(module, name)  # raises if a listed name is missing
        # type(obj) a metaclass, not inspect.isclass: on Python 3.10 isclass is also true
        # of a generic alias such as Callable[[], str] (a type alias, documented in the docs).
        if issubclass(type(obj), type) or inspect.isfunction(obj):
            if not inspect.getdoc(obj):
                undocumented.append(name)
            if issubclass(type(obj), type):
                undocumented += [
                    f"{name}.{attr}"
                    for attr, member in vars(obj).items()
                    if not attr.startswith("_")
                    and (inspect.isfunction(member) or isinstance(member, property))
                    and not inspect.getdoc(member)
                ]
    assert not undocumented, f"undocumented public API in {module_name}: {undocumented}"


def test_public_names_are_not_private_modules() -> None:
    import anyio_claude

    for name in anyio_claude.__all__:
        assert not name.startswith("_")


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_docs_mention_every_public_name(module_name: str) -> None:
    from pathlib import Path

    module = importlib.import_module(module_name)
    docs = Path(__file__).resolve().parent.parent / "docs"
    text = "\n".join(p.read_text(encoding="utf-8") for p in docs.glob("*.md"))
    missing = [name for name in module.__all__ if f"`{name}" not in text and f" {name}" not in text]
    assert not missing, f"names of {module_name} not mentioned anywhere in docs/: {missing}"


def test_import_leaves_heavy_modules_for_first_use() -> None:
    # `import anyio_claude` stays cheap: the blocking facade (anyio.from_thread), logging,
    # email.utils (HTTP dates in retry-after), httpcore (which imports trio), the map()
    # runner (anyio's memory streams), the request TypedDicts and the error-code classes
    # load on use.
    import subprocess
    import sys

    heavy = (
        "anyio.from_thread",
        "email.utils",
        "logging",
        "httpcore",
        "trio",
        "anyio_claude._runner",
        "anyio.streams.memory",
        "anyio_claude.types._params",
        "anyio_claude._gen_errors",
    )
    code = f"import anyio_claude, sys; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_param_names_load_on_first_use() -> None:
    import anyio_claude.types
    from anyio_claude.types import _param_names, _params

    # The lazy list is a copy of `_params.__all__` (kept literal for type checkers).
    assert _param_names.__all__ == _params.__all__
    assert anyio_claude.types.MessageParam is _params.MessageParam
    assert "ToolParam" in dir(anyio_claude.types)
    with pytest.raises(AttributeError, match="no_such_name"):
        anyio_claude.types.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def test_runner_names_load_on_first_use() -> None:
    import anyio_claude
    from anyio_claude import _runner

    assert anyio_claude.Runner is _runner.Runner
    assert anyio_claude.SpendLimitError is _runner.SpendLimitError


def test_blocking_names_load_on_first_use() -> None:
    import anyio_claude

    assert anyio_claude.Anthropic is anyio_claude.Claude
    assert anyio_claude.Claude.__name__ == "Claude"
    assert "Claude" in dir(anyio_claude)
    with pytest.raises(AttributeError, match="no_such_name"):
        anyio_claude.no_such_name  # type: ignore[attr-defined]  # noqa: B018
