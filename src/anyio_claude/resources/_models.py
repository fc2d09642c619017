"""`client.models`: list and retrieve the models the API offers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import msgspec

from .._client import NOT_GIVEN, NotGiven
from .._http import Timeout
from ..types import ModelInfo
from ._messages import Mode, _Op
from ._pagination import AsyncPage, AsyncPaginator

if TYPE_CHECKING:
    from .._client import AsyncClaude

__all__ = ("AsyncModels", "paginator")

_model_decoder = msgspec.json.Decoder(ModelInfo)


class _ModelsPage(msgspec.Struct):
    data: list[ModelInfo]
    has_more: bool = False
    first_id: str | None = None
    last_id: str | None = None


def paginator(
    client: AsyncClaude,
    path: str,
    page_type: type[msgspec.Struct],
    query: Mapping[str, object],
    *,
    extra_headers: Mapping[str, str] | None,
    timeout: float | Timeout | NotGiven | None,
) -> AsyncPaginator[Any]:
    """A paginator over a cursor-paginated list endpoint (`after_id` cursors)."""
    decoder = msgspec.json.Decoder(page_type)

    async def fetch(after_id: str | None) -> AsyncPage[Any]:
        call = client._call(
            "GET",
            path,
            query={**query, "after_id": after_id} if after_id else query,
            extra_headers=extra_headers,
            timeout=timeout,
        )
        page: Any = await client._request_json(call, decoder.decode)
        return AsyncPage(
            page.data,
            has_more=page.has_more,
            first_id=page.first_id,
            last_id=page.last_id,
            fetch=fetch,
        )

    return AsyncPaginator(lambda: fetch(None))


class AsyncModels:
    """`client.models`."""

    def __init__(self, client: AsyncClaude, mode: Mode = "plain") -> None:
        self._client = client
        self._mode: Mode = mode

    @property
    def with_raw_response(self) -> AsyncModels:
        """The same methods, returning an `APIResponse` (headers, status, `parse()`)."""
        return AsyncModels(self._client, "raw")

    @property
    def with_streaming_response(self) -> AsyncModels:
        """The same methods as `async with` blocks giving an unread `AsyncAPIResponse`."""
        return AsyncModels(self._client, "streaming")

    def retrieve(
        self,
        model_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> Any:
        """Get one model by id or alias; `await` it for a `ModelInfo`.

        Raises `NotFoundError` for an unknown id.
        """
        call = self._client._call(
            "GET",
            f"/v1/models/{quote(model_id, safe='')}",
            extra_headers=extra_headers,
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
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> AsyncPaginator[ModelInfo]:
        """List models, newest first: `await` it for a page, `async for` every model."""
        return paginator(
            self._client,
            "/v1/models",
            _ModelsPage,
            {"limit": limit, "after_id": after_id, "before_id": before_id},
            extra_headers=extra_headers,
            timeout=timeout,
        )
