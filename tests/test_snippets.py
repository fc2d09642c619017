"""Every fenced ```python block of README.md and docs/*.md runs and type-checks.

How a block is taken:

- A complete program (it calls `anyio.run`) runs as written, once per backend: `anyio.run`
  is forced to the parametrised one.
- A block with `await` / `async with` / `async for` at top level is a fragment of an async
  function: it runs inside `async def main()` with `client` an open `AsyncClaude()` (and
  `anyio`, `AsyncClaude` imported), once per backend. Anything else it uses it imports or
  defines itself. A block that imports trio runs on trio only.
- Any other block runs as a script. `test_*` functions it defines are then called, as
  pytest would (async ones on each backend).

Every block runs in an empty temporary directory holding a small `report.pdf`, with
`ANTHROPIC_API_KEY` and `ANTHROPIC_BASE_URL` pointing at a FakeClaude. An HTML comment on
the line before the fence changes this, visibly in the page's source:

- `<!-- snippet: continues -->` the block is the previous block of the page continued: it
  runs (and is type-checked) after it, in the same namespace;
- `<!-- snippet: no-run (reason) -->` the block is type-checked but not run.

Then `mypy --strict` and basedpyright (strict) check every block, written out as modules, in
one invocation each.
"""

from __future__ import annotations

import ast
import inspect
import json
import logging
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest

from anyio_claude.testing import FakeClaude

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARKER = re.compile(r"<!--\s*snippet:\s*(continues|no-run)\b.*-->")
PRELUDE = "import anyio\nimport anyio_claude as _ac\nfrom anyio_claude import AsyncClaude as AsyncClaude\n\n\n"


@dataclass
class Snippet:
    page: str
    line: int
    source: str
    run: bool

    @property
    def name(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def module_name(self) -> str:
        return re.sub(r"\W", "_", f"snippet_{self.page}_{self.line}")

    @property
    def fragment(self) -> bool:
        """Whether the source awaits at top level (it is the body of an async function)."""
        flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        try:
            code = compile(self.source, self.name, "exec", flags=flags, dont_inherit=True)
        except SyntaxError:
            return False  # running it reports the error
        return bool(code.co_flags & inspect.CO_COROUTINE)

    @property
    def is_async(self) -> bool:
        return self.fragment or "anyio.run(" in self.source or "async def test_" in self.source

    @property
    def backends(self) -> tuple[str, ...]:
        """Code that calls trio itself runs on trio only."""
        return ("trio",) if "import trio" in self.source else ("asyncio", "trio")

    def module(self) -> str:
        """The block as a module that runs it (the form mypy checks, too)."""
        if not self.fragment:
            return self.source
        body = textwrap.indent(self.source, "        ")
        return (
            PRELUDE + "async def main() -> None:\n    async with _ac.AsyncClaude() as client:\n"
            f"{body}\n\n\nanyio.run(main)\n"
        )


def _snippets() -> list[Snippet]:
    found: list[Snippet] = []
    for path in PAGES:
        lines = path.read_text(encoding="utf-8").splitlines()
        page = path.relative_to(ROOT).as_posix()
        previous: Snippet | None = None
        index = 0
        while index < len(lines):
            if lines[index].strip() != "```python":
                index += 1
                continue
            end = lines.index("```", index + 1)
            marker = MARKER.search(lines[index - 1]) if index else None
            kind = marker.group(1) if marker else None
            source = "\n".join(lines[index + 1 : end]) + "\n"
            if kind == "continues":
                assert previous is not None, f"{page}:{index + 1} continues nothing"
                source = previous.source + "\n" + source
            snippet = Snippet(page, index + 1, source, run=kind != "no-run")
            found.append(snippet)
            previous, index = snippet, end + 1
    return found


SNIPPETS = _snippets()
RUNNABLE = [s for s in SNIPPETS if s.run]


def test_the_snippets_were_found() -> None:
    # A fence written differently (```py, indented) would silently escape the checks.
    for path in PAGES:
        text = path.read_text(encoding="utf-8")
        assert len(re.findall(r"^```py", text, re.M)) == text.count("\n```python\n")
    assert len(SNIPPETS) >= 50
    assert len(RUNNABLE) >= len(SNIPPETS) - 4, "no-run is for the few blocks that cannot run"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeClaude]:
    with FakeClaude.run_in_thread(batch_speedup=100_000) as server:
        yield server


@pytest.fixture
def sandbox(fake: FakeClaude, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-snippets")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4\n% a report\n%%EOF\n")
    # Snippets may configure logging (docs/logging.md): later tests see it as it was.
    loggers = [logging.getLogger(), logging.getLogger("anyio_claude")]
    saved = [(logger.level, logger.handlers[:]) for logger in loggers]
    yield tmp_path
    for logger, (level, handlers) in zip(loggers, saved, strict=True):
        logger.setLevel(level)
        logger.handlers[:] = handlers


def _forcing(backend: str) -> Callable[..., Any]:
    real_run = anyio.run

    def run(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        kwargs["backend"] = backend
        kwargs.pop("backend_options", None)
        return real_run(func, *args, **kwargs)

    return run


def _execute(snippet: Snippet, backend: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if backend is not None:
        monkeypatch.setattr(anyio, "run", _forcing(backend))
    namespace: dict[str, Any] = {"__name__": snippet.module_name}
    exec(compile(snippet.module(), snippet.name, "exec"), namespace)
    for name, value in list(namespace.items()):
        if name.startswith("test_") and callable(value):
            if inspect.iscoroutinefunction(value):
                anyio.run(value)
            else:
                value()


@pytest.mark.parametrize("snippet", [s for s in RUNNABLE if not s.is_async], ids=lambda s: s.name)
def test_blocking_snippet_runs(
    snippet: Snippet, sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _execute(snippet, None, monkeypatch)


@pytest.mark.parametrize(
    ("snippet", "backend"),
    [(s, backend) for s in RUNNABLE if s.is_async for backend in s.backends],
    ids=lambda value: value.name if isinstance(value, Snippet) else value,
)
def test_async_snippet_runs(
    snippet: Snippet, backend: str, sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _execute(snippet, backend, monkeypatch)


def _check(command: list[str], modules: Path) -> None:
    """Run a type checker over the snippet modules; fail with its errors, per block."""
    result = subprocess.run(
        command, capture_output=True, text=True, cwd=modules, env=os.environ.copy(), check=False
    )
    output = result.stdout + result.stderr
    report = "\n".join(line for line in output.splitlines() if ": note:" not in line)
    for snippet in SNIPPETS:  # errors name the block, then the line in its module
        report = report.replace(f"{snippet.module_name}.py:", f"{snippet.name} line ")
    if result.returncode != 0:
        pytest.fail(report, pytrace=False)


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("snippets")
    for snippet in SNIPPETS:
        (directory / f"{snippet.module_name}.py").write_text(snippet.module(), encoding="utf-8")
    return directory


@pytest.mark.timeout(600)
def test_snippets_pass_mypy_strict(modules: Path) -> None:
    command = [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10"]
    _check([*command, "--cache-dir", str(ROOT / ".mypy_cache"), str(modules)], modules)


@pytest.mark.timeout(600)
def test_snippets_pass_pyright_strict(modules: Path) -> None:
    config = {
        "typeCheckingMode": "strict",
        "pythonVersion": "3.10",
        # Examples name values to show them (`page = await ...`), use the official SDK's
        # documented `obj._request_id`, and call partially typed libraries (trustme).
        "reportUnusedVariable": False,
        "reportPrivateUsage": False,
        "reportUnknownMemberType": False,
    }
    (modules / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
    basedpyright = Path(sys.executable).with_name("basedpyright")
    _check([str(basedpyright), "--pythonpath", sys.executable, str(modules)], modules)
