"""`client.models`: list and retrieve the models the API offers."""

from __future__ import annotations

from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import msgspec

from .._client import NOT_GIVEN, NotGiven, _Call
from .._http import Timeout
from ..types import ModelInfo
from ..types._decode import LenientDecoder
from ._messages import Mode, _Op
from ._pagination import AsyncPage, AsyncPaginator

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._client import AsyncClaude
    from .._response import AsyncAPIResponse
    from ._args import GetOptions, ListArgs
    from ._messages import StreamingResponseManager

__all__ = (
    "AsyncModels",
    "AsyncModelsWithRawResponse",
    "AsyncModelsWithStreamingResponse",
    "page_op",
    "paginator",
)

_model_decoder = LenientDecoder(ModelInfo)


class _ModelsPage(msgspec.Struct):
    data: list[ModelInfo]
    has_more: bool = False
    first_id: str | None = None
    last_id: str | None = None


def page_op(
    client: AsyncClaude,
    path: str,
    page_type: type[msgspec.Struct],
    query: Mapping[str, object],
    *,
    extra_headers: Mapping[str, str] | None,
    extra_query: Mapping[str, object] | None,
    timeout: float | Timeout | NotGiven | None,
) -> _Op:
    """The request for the first page of a cursor-paginated list endpoint (`after_id`
    cursors), decoding to an `AsyncPage` that fetches the later pages itself."""
    decoder = LenientDecoder(page_type)

    def call(after_id: str | None) -> _Call:
        return client._call(
            "GET",
            path,
            query={**query, "after_id": after_id} if after_id else query,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
        )

    def decode(content: bytes) -> AsyncPage[Any]:
        page: Any = decoder.decode(content)
        return AsyncPage(
            page.data,
            has_more=page.has_more,
            first_id=page.first_id,
            last_id=page.last_id,
            fetch=fetch,
        )

    async def fetch(after_id: str) -> AsyncPage[Any]:
        page: AsyncPage[Any] = await client._request_json(call(after_id), decode)
        return page

    return _Op(client, call(None), decode=decode)


def paginator(
    client: AsyncClaude,
    path: str,
    page_type: type[msgspec.Struct],
    query: Mapping[str, object],
    *,
    extra_headers: Mapping[str, str] | None,
    extra_query: Mapping[str, object] | None,
    timeout: float | Timeout | NotGiven | None,
) -> AsyncPaginator[Any]:
    """A paginator over a cursor-paginated list endpoint (`after_id` cursors)."""

    def first() -> Any:
        return page_op(
            client,
            path,
            page_type,
            query,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
        ).run("plain")

    return AsyncPaginator(first)


class _Models:
    """The implementation behind the three views; `mode` says what methods return."""

    def __init__(self, client: AsyncClaude, mode: Mode) -> None:
        self._client = client
        self._mode: Mode = mode

    def retrieve(
        self,
        model_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> Any:
        """The implementation of `AsyncModels.retrieve`."""
        call = self._client._call(
            "GET",
            f"/v1/models/{quote(model_id, safe='')}",
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
        )
        return _Op(self._client, call, decode=_model_decoder.decode).run(self._mode)

    def list(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        after_id: str | NotGiven = NOT_GIVEN,
        before_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> Any:
        """The implementation of `AsyncModels.list`."""
        query = {"limit": limit, "after_id": after_id, "before_id": before_id}
        if self._mode == "plain":
            return paginator(
                self._client,
                "/v1/models",
                _ModelsPage,
                query,
                extra_headers=extra_headers,
                extra_query=extra_query,
                timeout=timeout,
            )
        return page_op(
            self._client,
            "/v1/models",
            _ModelsPage,
            query,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
        ).run(self._mode)


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
        self, model_id: str, **options: Unpack[GetOptions]
    ) -> Coroutine[Any, Any, ModelInfo]:
        """Get one model by id or alias; `await` it for a `ModelInfo`.

        Raises `NotFoundError` for an unknown id.
        """
        result: Coroutine[Any, Any, ModelInfo] = self._impl.retrieve(model_id, **options)
        return result

    def list(self, **args: Unpack[ListArgs]) -> AsyncPaginator[ModelInfo]:
        """List models, newest first: `await` it for a page, `async for` every model."""
        result: AsyncPaginator[ModelInfo] = self._impl.list(**args)
        return result


class AsyncModelsWithRawResponse:
    """`client.models.with_raw_response`."""

    __slots__ = ("_impl",)

    def __init__(self, client: AsyncClaude) -> None:
        self._impl = _Models(client, "raw")

    def retrieve(
        self, model_id: str, **options: Unpack[GetOptions]
    ) -> Coroutine[Any, Any, AsyncAPIResponse[ModelInfo]]:
        """`models.retrieve`, awaiting to an `AsyncAPIResponse`."""
        result: Coroutine[Any, Any, AsyncAPIResponse[ModelInfo]] = self._impl.retrieve(
            model_id, **options
        )
        return result

    def list(
        self, **args: Unpack[ListArgs]
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
        self, model_id: str, **options: Unpack[GetOptions]
    ) -> StreamingResponseManager[ModelInfo]:
        """`models.retrieve` as `async with ... as response:`."""
        result: StreamingResponseManager[ModelInfo] = self._impl.retrieve(model_id, **options)
        return result

    def list(self, **args: Unpack[ListArgs]) -> StreamingResponseManager[AsyncPage[ModelInfo]]:
        """`models.list` as `async with ... as response:`; `await response.parse()` is
        the first `AsyncPage`."""
        result: StreamingResponseManager[AsyncPage[ModelInfo]] = self._impl.list(**args)
        return result
