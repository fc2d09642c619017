"""`client.models` and `client.beta.models`: list and retrieve the models the API offers."""

from __future__ import annotations

from collections.abc import Coroutine, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import quote

from .._http import Timeout
from .._request import NOT_GIVEN, NotGiven
from ..types import ModelInfo
from ..types._decode import LenientDecoder
from ._checks import beta_headers, checked_strings, option_headers
from ._ops import Op
from ._pagination import AsyncPaginator, id_cursor, list_op
from ._views import Resource, View, raw, streaming

__all__ = (
    "AsyncBetaModels",
    "AsyncBetaModelsWithRawResponse",
    "AsyncBetaModelsWithStreamingResponse",
    "AsyncModels",
    "AsyncModelsWithRawResponse",
    "AsyncModelsWithStreamingResponse",
)

_model_decoder = LenientDecoder(ModelInfo)


class AsyncModels(Resource):
    """`client.models`: list and retrieve. Methods raise what `AsyncClaude` raises;
    cancellation stops the request and closes its connection."""

    __slots__ = ()

    @property
    def with_raw_response(self) -> AsyncModelsWithRawResponse:
        """`retrieve` and `list`, returning an `AsyncAPIResponse` (body read)."""
        return AsyncModelsWithRawResponse(self._in("raw"))

    @property
    def with_streaming_response(self) -> AsyncModelsWithStreamingResponse:
        """`retrieve` and `list` as `async with` blocks giving an unread `AsyncAPIResponse`."""
        return AsyncModelsWithStreamingResponse(self._in("streaming"))

    def retrieve(
        self,
        model_id: str,
        *,
        workspace_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> Coroutine[Any, Any, ModelInfo]:
        """Get one model by id or alias; `await` it for a `ModelInfo`.

        Raises `NotFoundError` for an unknown id.
        """
        call = self._client._call(
            "GET",
            f"/v1/models/{quote(model_id, safe='')}",
            extra_headers=option_headers(extra_headers, workspace_id=workspace_id),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        result: Coroutine[Any, Any, ModelInfo] = Op(
            self._client, call, decode=_model_decoder.decode
        ).run(self._mode)
        return result

    def list(
        self,
        *,
        after_id: str | NotGiven = NOT_GIVEN,
        before_id: str | NotGiven = NOT_GIVEN,
        lifecycle: Sequence[Literal["active", "deprecated", "retired"]] | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        workspace_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> AsyncPaginator[ModelInfo]:
        """List models, newest first: `await` it for a page, `async for` every model."""
        lifecycles = (
            lifecycle
            if isinstance(lifecycle, NotGiven)
            else checked_strings("lifecycle", lifecycle)
        )
        result: AsyncPaginator[ModelInfo] = list_op(
            self._client,
            self._mode,
            "/v1/models",
            ModelInfo,
            {"after_id": after_id, "before_id": before_id, "lifecycle": lifecycles, "limit": limit},
            id_cursor,
            extra_headers=option_headers(extra_headers, workspace_id=workspace_id),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        return result


class AsyncModelsWithRawResponse(View[AsyncModels]):
    """`client.models.with_raw_response`: each call awaits to an `AsyncAPIResponse`
    (`list`: whose `await parse()` is the first `AsyncPage`)."""

    __slots__ = ()

    retrieve = raw(AsyncModels.retrieve)
    list = raw(AsyncModels.list)


class AsyncModelsWithStreamingResponse(View[AsyncModels]):
    """`client.models.with_streaming_response`: each call is an `async with ... as
    response:` block (`list`: `await response.parse()` is the first `AsyncPage`)."""

    __slots__ = ()

    retrieve = streaming(AsyncModels.retrieve)
    list = streaming(AsyncModels.list)


# -------------------------------------------------------------------- client.beta.models


class AsyncBetaModels(AsyncModels):
    """`client.beta.models`: `client.models` taking `betas=[...]`, sent as the
    `anthropic-beta` header (an `anthropic-beta` in `extra_headers` wins).

    Methods raise what `client.models` raises; cancellation stops the request and closes
    its connection.
    """

    __slots__ = ()

    # Its views are not `AsyncModels`'s: their methods carry the `betas=` signatures.
    @property
    def with_raw_response(self) -> AsyncBetaModelsWithRawResponse:  # type: ignore[override]
        """`retrieve` and `list`, returning an `AsyncAPIResponse` (body read)."""
        return AsyncBetaModelsWithRawResponse(self._in("raw"))

    @property
    def with_streaming_response(self) -> AsyncBetaModelsWithStreamingResponse:  # type: ignore[override]
        """`retrieve` and `list` as `async with` blocks giving an unread `AsyncAPIResponse`."""
        return AsyncBetaModelsWithStreamingResponse(self._in("streaming"))

    def retrieve(
        self,
        model_id: str,
        *,
        betas: Sequence[str] | None = None,
        workspace_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> Coroutine[Any, Any, ModelInfo]:
        """Get one model by id or alias, with `betas`; `await` it for a `ModelInfo`.

        Raises `NotFoundError` for an unknown id, `TypeError` for `betas` given as a string.
        """
        return super().retrieve(
            model_id,
            workspace_id=workspace_id,
            extra_headers=beta_headers(betas, extra_headers),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    def list(
        self,
        *,
        after_id: str | NotGiven = NOT_GIVEN,
        before_id: str | NotGiven = NOT_GIVEN,
        lifecycle: Sequence[Literal["active", "deprecated", "retired"]] | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        betas: Sequence[str] | None = None,
        workspace_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> AsyncPaginator[ModelInfo]:
        """List models with `betas`, newest first: `await` it for a page, `async for` every
        model. Raises `TypeError` for `betas` given as a string."""
        return super().list(
            after_id=after_id,
            before_id=before_id,
            lifecycle=lifecycle,
            limit=limit,
            workspace_id=workspace_id,
            extra_headers=beta_headers(betas, extra_headers),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )


class AsyncBetaModelsWithRawResponse(View[AsyncBetaModels]):
    """`client.beta.models.with_raw_response`: each call awaits to an `AsyncAPIResponse`."""

    __slots__ = ()

    retrieve = raw(AsyncBetaModels.retrieve)
    list = raw(AsyncBetaModels.list)


class AsyncBetaModelsWithStreamingResponse(View[AsyncBetaModels]):
    """`client.beta.models.with_streaming_response`: each call is an `async with ... as
    response:` block."""

    __slots__ = ()

    retrieve = streaming(AsyncBetaModels.retrieve)
    list = streaming(AsyncBetaModels.list)
