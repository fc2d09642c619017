"""The raw and streaming views and the blocking twins are derived from the plain methods.

For every public method of each derived resource, each view's attribute of that name is the
derived descriptor of that very function, of the kind the view needs; nothing else in a
view is a method, so a method written out by hand again fails here.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from anyio_claude import AsyncClaude, Claude
from anyio_claude import _sync as blocking_layer
from anyio_claude import _sync_beta as blocking_beta
from anyio_claude import _sync_files as blocking_files
from anyio_claude.resources import _views
from anyio_claude.resources._batches import (
    AsyncBatches,
    AsyncBatchesWithRawResponse,
    AsyncBatchesWithStreamingResponse,
    AsyncBetaBatches,
    AsyncBetaBatchesWithRawResponse,
    AsyncBetaBatchesWithStreamingResponse,
)
from anyio_claude.resources._files import (
    AsyncBetaFiles,
    AsyncBetaFilesWithRawResponse,
    AsyncBetaFilesWithStreamingResponse,
    AsyncFiles,
    AsyncFilesWithRawResponse,
    AsyncFilesWithStreamingResponse,
)
from anyio_claude.resources._models import (
    AsyncBetaModels,
    AsyncBetaModelsWithRawResponse,
    AsyncBetaModelsWithStreamingResponse,
    AsyncModels,
    AsyncModelsWithRawResponse,
    AsyncModelsWithStreamingResponse,
)

# (plain, raw view, streaming view, blocking twin, its raw view, its streaming view)
SURFACES: list[tuple[type[Any], ...]] = [
    (
        AsyncModels,
        AsyncModelsWithRawResponse,
        AsyncModelsWithStreamingResponse,
        blocking_layer.Models,
        blocking_layer.ModelsWithRawResponse,
        blocking_layer.ModelsWithStreamingResponse,
    ),
    (
        AsyncBetaModels,
        AsyncBetaModelsWithRawResponse,
        AsyncBetaModelsWithStreamingResponse,
        blocking_beta.BetaModels,
        blocking_beta.BetaModelsWithRawResponse,
        blocking_beta.BetaModelsWithStreamingResponse,
    ),
    (
        AsyncBatches,
        AsyncBatchesWithRawResponse,
        AsyncBatchesWithStreamingResponse,
        blocking_layer.Batches,
        blocking_layer.BatchesWithRawResponse,
        blocking_layer.BatchesWithStreamingResponse,
    ),
    (
        AsyncBetaBatches,
        AsyncBetaBatchesWithRawResponse,
        AsyncBetaBatchesWithStreamingResponse,
        blocking_beta.BetaBatches,
        blocking_beta.BetaBatchesWithRawResponse,
        blocking_beta.BetaBatchesWithStreamingResponse,
    ),
    (
        AsyncFiles,
        AsyncFilesWithRawResponse,
        AsyncFilesWithStreamingResponse,
        blocking_files.Files,
        blocking_files.FilesWithRawResponse,
        blocking_files.FilesWithStreamingResponse,
    ),
    (
        AsyncBetaFiles,
        AsyncBetaFilesWithRawResponse,
        AsyncBetaFilesWithStreamingResponse,
        blocking_files.BetaFiles,
        blocking_files.BetaFilesWithRawResponse,
        blocking_files.BetaFilesWithStreamingResponse,
    ),
]

# Methods only the plain resource has (no raw or streaming form), and why.
PLAIN_ONLY: dict[tuple[str, str], str] = {
    (batches, "wait"): "a polling loop of plain calls: no single response to show"
    for batches in ("AsyncBatches", "AsyncBetaBatches")
}

# (plain class name, method) whose views are of one kind, and why.
ONE_KIND: dict[tuple[str, str], tuple[type[Any], type[Any]]] = {
    # A download is a raw response already: every view returns what the plain call does.
    **{
        (files, "download"): (_views.AsIs, blocking_files._DownloadTwinMethod)
        for files in ("AsyncFiles", "AsyncBetaFiles")
    },
}

KINDS = {
    1: (_views.Raw, _views.AsIs),
    2: (_views.Streaming, _views.AsIs),
    3: (blocking_layer._TwinMethod,),
    4: (blocking_layer._RawTwinMethod,),
    5: (blocking_layer._StreamingTwinMethod,),
}


def _plain_methods(cls: type[Any]) -> dict[str, Any]:
    """The public methods of `cls` and its bases up to `Resource`, by name."""
    found: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if issubclass(klass, _views.Resource):
            for name, member in vars(klass).items():
                if not name.startswith("_") and inspect.isfunction(member):
                    found[name] = getattr(cls, name)
    return found


def _members(cls: type[Any]) -> dict[str, Any]:
    """The public non-property attributes of `cls` and its bases, found statically."""
    return {
        name: inspect.getattr_static(cls, name)
        for name in dir(cls)
        if not name.startswith("_") and not isinstance(inspect.getattr_static(cls, name), property)
    }


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s[0].__name__)
def test_every_view_method_is_derived_from_the_plain_one(surface: tuple[type[Any], ...]) -> None:
    plain = _plain_methods(surface[0])
    assert plain
    for index in range(1, 6):
        view = surface[index]
        members = _members(view)
        for name, method in plain.items():
            if (surface[0].__name__, name) in PLAIN_ONLY and index in (1, 2, 4, 5):
                assert name not in members, f"{view.__name__}.{name}"
                continue
            derived = members.get(name)
            kinds = KINDS[index]
            if (surface[0].__name__, name) in ONE_KIND:
                kinds = (ONE_KIND[surface[0].__name__, name][index >= 3],)
            assert isinstance(derived, kinds), f"{view.__name__}.{name}: {derived!r}"
            assert derived.method is method, f"{view.__name__}.{name} derives another method"
            if index < 3:
                assert derived.__doc__ == method.__doc__
            else:  # blocking: the async docstring under a line of its own
                blocking_line, _, rest = derived.__doc__.partition("\n\n")
                assert blocking_line.startswith(f"Blocking `{method.__qualname__}`: returns ")
                assert rest == method.__doc__
        extra = sorted(set(members) - set(plain))
        assert not extra, f"{view.__name__} has methods the plain resource lacks: {extra}"


@pytest.mark.parametrize(
    "path",
    ["models", "beta.models", "messages.batches", "beta.messages.batches", "files", "beta.files"],
)
def test_the_views_run_the_plain_function_in_their_mode(path: str) -> None:
    client = AsyncClaude(api_key="k")
    resource: Any = client
    for name in path.split("."):
        resource = getattr(resource, name)
    for name, method in _plain_methods(type(resource)).items():
        for view, mode in (
            (resource.with_raw_response, "raw"),
            (resource.with_streaming_response, "streaming"),
        ):
            if (type(resource).__name__, name) in PLAIN_ONLY:
                continue
            bound = getattr(view, name)
            assert bound.__func__ is method
            assert type(bound.__self__) is type(resource)  # beta stays beta
            assert bound.__self__._mode == mode
            assert inspect.signature(bound) == inspect.signature(getattr(resource, name))


def test_blocking_twins_keep_the_name_and_docstring() -> None:
    # The async docstring, under a first line saying what the blocking call returns.
    with Claude(api_key="k") as client:
        for method, returns in (
            (client.models.retrieve, "returns what awaiting it gives."),
            (client.models.with_raw_response.list, "returns an `APIResponse` (the body read)."),
            (
                client.models.with_streaming_response.retrieve,
                "returns a `StreamingResponseManager`: `with` it for an unread `APIResponse`.",
            ),
        ):
            original = getattr(AsyncModels, method.__name__)
            assert method.__name__ == original.__name__
            assert method.__doc__ == (
                f"Blocking `AsyncModels.{method.__name__}`: {returns}\n\n{original.__doc__}"
            )
