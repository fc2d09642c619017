"""`client.models`: list and retrieve the models the API offers."""

from __future__ import annotations

from collections.abc import Coroutine, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import msgspec

from .._client import NOT_GIVEN, NotGiven
from .._http import Timeout
from ..types import ModelInfo
from ..types._decode import LenientDecoder
from ._messages import Mode, _Op, checked_strings, option_headers
from ._pagination import AsyncPage, AsyncPaginator, id_cursor, list_op

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._client import AsyncClaude
    from .._response import AsyncAPIResponse
    from ._args import ModelListArgs, WorkspaceOptions
    from ._messages import StreamingResponseManager

__all__ = (
    "AsyncModels",
    "AsyncModelsWithRawResponse",
    "AsyncModelsWithStreamingResponse",
)

_model_decoder = LenientDecoder(ModelInfo)


class _ModelsPage(msgspec.Struct):
    data: list[ModelInfo]
    has_more: bool = False
    first_id: str | None = None
    last_id: str | None = None


class _Models:
    """The implementation behind the three views; `mode` says what methods return."""

    def __init__(self, client: AsyncClaude, mode: Mode) -> None:
        self._client = client
        self._mode: Mode = mode

    def retrieve(
        self,
        model_id: str,
        *,
        workspace_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> Any:
        """The implementation of `AsyncModels.retrieve`."""
        call = self._client._call(
            "GET",
            f"/v1/models/{quote(model_id, safe='')}",
            extra_headers=option_headers(extra_headers, workspace_id=workspace_id),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        return _Op(self._client, call, decode=_model_decoder.decode).run(self._mode)

    def list(
        self,
        *,
        after_id: str | NotGiven = NOT_GIVEN,
        before_id: str | NotGiven = NOT_GIVEN,
        lifecycle: Iterable[str] | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        workspace_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> Any:
        """The implementation of `AsyncModels.list`."""
        if not isinstance(lifecycle, NotGiven):
            lifecycle = checked_strings("lifecycle", lifecycle)
        return list_op(
            self._client,
            self._mode,
            "/v1/models",
            _ModelsPage,
            {"after_id": after_id, "before_id": before_id, "lifecycle": lifecycle, "limit": limit},
            id_cursor,
            extra_headers=option_headers(extra_headers, workspace_id=workspace_id),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )


class AsyncModels:
    """`client.models`: list and retrieve. Methods raise what `AsyncClaude` raises."""

    __slots__ = ("_client", "_impl")

    def __init__(self, client: AsyncClaude) -> None:
        self._client = client
        self._impl = _Models(client, "plain")

    @property
    def with_raw_response(self) -> AsyncModelsWithRawResponse:
        """`retrieve` and `list`, returning an `AsyncAPIResponse` (body read)."""
        return AsyncModelsWithRawResponse(self._client)

    @property
    def with_streaming_response(self) -> AsyncModelsWithStreamingResponse:
        """`retrieve` and `list` as `async with` blocks giving an unread `AsyncAPIResponse`."""
        return AsyncModelsWithStreamingResponse(self._client)

    def retrieve(
        self, model_id: str, **options: Unpack[WorkspaceOptions]
    ) -> Coroutine[Any, Any, ModelInfo]:
        """Get one model by id or alias; `await` it for a `ModelInfo`.

        Raises `NotFoundError` for an unknown id.
        """
        result: Coroutine[Any, Any, ModelInfo] = self._impl.retrieve(model_id, **options)
        return result

    def list(self, **args: Unpack[ModelListArgs]) -> AsyncPaginator[ModelInfo]:
        """List models, newest first: `await` it for a page, `async for` every model."""
        result: AsyncPaginator[ModelInfo] = self._impl.list(**args)
        return result


class AsyncModelsWithRawResponse:
    """`client.models.with_raw_response`."""

    __slots__ = ("_impl",)

    def __init__(self, client: AsyncClaude) -> None:
        self._impl = _Models(client, "raw")

    def retrieve(
        self, model_id: str, **options: Unpack[WorkspaceOptions]
    ) -> Coroutine[Any, Any, AsyncAPIResponse[ModelInfo]]:
        """`models.retrieve`, awaiting to an `AsyncAPIResponse`."""
        result: Coroutine[Any, Any, AsyncAPIResponse[ModelInfo]] = self._impl.retrieve(
            model_id, **options
        )
        return result

    def list(
        self, **args: Unpack[ModelListArgs]
    ) -> Coroutine[Any, Any, AsyncAPIResponse[AsyncPage[ModelInfo]]]:
        """`models.list`, awaiting to an `AsyncAPIResponse` whose `await parse()` is the
        first `AsyncPage` (iterate it for every model)."""
        result: Coroutine[Any, Any, AsyncAPIResponse[AsyncPage[ModelInfo]]] = self._impl.list(
            **args
        )
        return result


class AsyncModelsWithStreamingResponse:
    """`client.models.with_streaming_response`."""

    __slots__ = ("_impl",)

    def __init__(self, client: AsyncClaude) -> None:
        self._impl = _Models(client, "streaming")

    def retrieve(
        self, model_id: str, **options: Unpack[WorkspaceOptions]
    ) -> StreamingResponseManager[ModelInfo]:
        """`models.retrieve` as `async with ... as response:`."""
        result: StreamingResponseManager[ModelInfo] = self._impl.retrieve(model_id, **options)
        return result

    def list(self, **args: Unpack[ModelListArgs]) -> StreamingResponseManager[AsyncPage[ModelInfo]]:
        """`models.list` as `async with ... as response:`; `await response.parse()` is
        the first `AsyncPage`."""
        result: StreamingResponseManager[AsyncPage[ModelInfo]] = self._impl.list(**args)
        return result
