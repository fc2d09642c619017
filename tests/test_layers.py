"""The layers contract (`[tool.importlinter]` in pyproject.toml, run by `lint-imports` in
.ci/run) covers every module: a new module outside every layer would escape it."""

from __future__ import annotations

import pathlib
import re
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest brings tomli on 3.10
    import tomli as tomllib

import anyio_claude

ROOT = pathlib.Path(anyio_claude.__file__).parent
PYPROJECT = ROOT.parent / "pyproject.toml"


def _layers() -> list[list[str]]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = config["contracts"]
    assert contract["type"] == "layers"
    assert contract["containers"] == ["anyio_claude"]
    return [re.split(r"\s*[|:]\s*", layer.strip()) for layer in contract["layers"]]


def test_every_module_is_in_a_layer() -> None:
    children = {
        path.stem if path.is_file() else path.name
        for path in ROOT.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    }
    layered = [name for layer in _layers() for name in layer]
    assert len(layered) == len(set(layered)), "a module is in two layers"
    assert sorted(children - set(layered)) == []
    assert sorted(set(layered) - children) == []


def test_the_bottom_and_top_layers() -> None:
    # The exceptions the wire types raise sit below everything; the CLI above everything.
    layers = _layers()
    assert layers[-1] == ["_exceptions"]
    assert layers[0] == ["__main__"]
