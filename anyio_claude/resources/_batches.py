"""`client.messages.batches` and `client.beta.messages.batches`: create, retrieve, list,
cancel, delete and read results."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, urlsplit

import anyio

from .._errors import APIResponseValidationError, ClaudeError, ProtocolError
from .._http import Timeout
from .._request import NOT_GIVEN, Call, NotGiven, deadline_scope
from ..types import (
    DeletedMessageBatch,
    MessageBatch,
    MessageBatchIndividualResponse,
    decode_batch_result_line,
)
from ..types._decode import LenientDecoder
from ._checks import beta_headers, option_headers
from ._closing import ClosingCall
from ._ops import Op
from ._pagination import AsyncPaginator, id_cursor, list_op
from ._views import Resource, View, raw, streaming

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Unpack

    from .._transport import Response
    from ..types import BatchRequestParam
    from ._args import BetaOptions, WorkspaceOptions

__all__ = (
    "AsyncBatchResults",
    "AsyncBatches",
    "AsyncBatchesWithRawResponse",
    "AsyncBatchesWithStreamingResponse",
    "AsyncBetaBatches",
    "AsyncBetaBatchesWithRawResponse",
    "AsyncBetaBatchesWithStreamingResponse",
    "BatchResultsCall",
)

_batch_decoder = LenientDecoder(MessageBatch)
_deleted_decoder = LenientDecoder(DeletedMessageBatch)


class AsyncBatchResults:
    """The JSONL results of an ended batch, one `MessageBatchIndividualResponse` at a time.

    Lines are decoded as they arrive, so a large result file is never held in memory.
    Read it to the end or use `async with`; either releases the connection (one dropped
    unclosed is discarded when garbage-collected, with a `ResourceWarning`). Reading
    raises `APITimeoutError` once the call's `Timeout.total` has passed. Results come
    in any order: match them by `custom_id`.
    """

    __slots__ = ("_chunks", "_closed", "_deadline", "_lines", "_pending", "_response")

    def __init__(self, response: Response, deadline: float | None = None) -> None:
        self._response = response
        self._deadline = deadline
        self._chunks = response.aiter_bytes()
        self._pending = b""
        self._lines: list[bytes] = []
        self._closed = False

    def __aiter__(self) -> AsyncBatchResults:
        return self

    async def __anext__(self) -> MessageBatchIndividualResponse:
        while not self._lines:
            if self._closed:
                raise StopAsyncIteration
            try:
                with deadline_scope(
                    self._deadline,
                    "the request's overall timeout expired while reading batch results",
                    request_id=self._response.headers.get("request-id"),
                ):
                    chunk = await self._chunks.__anext__()
            except StopAsyncIteration:
                await self.close()
                if self._pending.strip():
                    self._lines.append(self._pending)
                    self._pending = b""
                    continue
                raise
            except BaseException:
                await self.close()
                raise
            *lines, self._pending = (self._pending + chunk).split(b"\n")
            self._lines = [line for line in lines if line.strip()]
            self._lines.reverse()
        line = self._lines.pop()
        try:
            return decode_batch_result_line(line)
        except ProtocolError as exc:
            await self.close()
            raise APIResponseValidationError(
                f"invalid batch result line: {exc}",
                status_code=self._response.status,
                request_id=self._response.headers.get("request-id"),
            ) from exc

    async def close(self) -> None:
        """Release the connection (closed, not reused, if not read to the end)."""
        self._closed = True
        await self._response.aclose()

    async def __aenter__(self) -> AsyncBatchResults:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class BatchResultsCall(ClosingCall[AsyncBatchResults]):
    """What `batches.results(id)` returns: `await` it for `AsyncBatchResults`, or use it
    as `async with ... as results:`, which closes the results on leaving."""

    __slots__ = ()


def _batch_path(message_batch_id: str, suffix: str = "") -> str:
    if not isinstance(message_batch_id, str) or not message_batch_id:
        raise ValueError(f"message_batch_id must be a non-empty string, got {message_batch_id!r}")
    return f"/v1/messages/batches/{quote(message_batch_id, safe='')}{suffix}"


class AsyncBatches(Resource):
    """`client.messages.batches`: create, retrieve, list, cancel, delete and results.

    Methods raise what `AsyncClaude` raises; cancellation stops the request and closes
    its connection.
    """

    __slots__ = ()

    @property
    def with_raw_response(self) -> AsyncBatchesWithRawResponse:
        """The same methods, returning an `AsyncAPIResponse` (headers, status, `parse()`)."""
        return AsyncBatchesWithRawResponse(self._in("raw"))

    @property
    def with_streaming_response(self) -> AsyncBatchesWithStreamingResponse:
        """The same methods as `async with` blocks giving an unread `AsyncAPIResponse`."""
        return AsyncBatchesWithStreamingResponse(self._in("streaming"))

    def _operation(
        self,
        method: str,
        path: str,
        decode: Callable[[bytes], Any],
        *,
        body: Mapping[str, Any] | None = None,
        workspace_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> Any:
        call = self._client._call(
            method,
            path,
            body=body,
            extra_headers=option_headers(extra_headers, workspace_id=workspace_id),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        return Op(self._client, call, decode=decode).run(self._mode)

    def create(
        self,
        *,
        requests: Iterable[BatchRequestParam],
        user_profile_id: str | NotGiven = NOT_GIVEN,
        workspace_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> Coroutine[Any, Any, MessageBatch]:
        """Submit a batch; `await` it for the new `MessageBatch` (status `in_progress`).

        `user_profile_id` goes out as the `anthropic-user-profile-id` header. Raises
        `BadRequestError` for invalid requests (e.g. a bad `custom_id`).
        """
        result: Coroutine[Any, Any, MessageBatch] = self._operation(
            "POST",
            "/v1/messages/batches",
            _batch_decoder.decode,
            body={"requests": requests},
            workspace_id=workspace_id,
            extra_headers=option_headers(extra_headers, user_profile_id=user_profile_id),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        return result

    def retrieve(
        self, message_batch_id: str, **options: Unpack[WorkspaceOptions]
    ) -> Coroutine[Any, Any, MessageBatch]:
        """Get a batch's current state; `await` it for a `MessageBatch`."""
        path = _batch_path(message_batch_id)
        result: Coroutine[Any, Any, MessageBatch] = self._operation(
            "GET", path, _batch_decoder.decode, **options
        )
        return result

    def list(
        self,
        *,
        after_id: str | NotGiven = NOT_GIVEN,
        before_id: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        workspace_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> AsyncPaginator[MessageBatch]:
        """List batches, newest first: `await` it for a page, `async for` every batch."""
        result: AsyncPaginator[MessageBatch] = list_op(
            self._client,
            self._mode,
            "/v1/messages/batches",
            MessageBatch,
            {"after_id": after_id, "before_id": before_id, "limit": limit},
            id_cursor,
            extra_headers=option_headers(extra_headers, workspace_id=workspace_id),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        return result

    def cancel(
        self, message_batch_id: str, **options: Unpack[WorkspaceOptions]
    ) -> Coroutine[Any, Any, MessageBatch]:
        """Ask to cancel a batch; `await` it for the `MessageBatch` (status `canceling`)."""
        path = _batch_path(message_batch_id, "/cancel")
        result: Coroutine[Any, Any, MessageBatch] = self._operation(
            "POST", path, _batch_decoder.decode, **options
        )
        return result

    def delete(
        self, message_batch_id: str, **options: Unpack[WorkspaceOptions]
    ) -> Coroutine[Any, Any, DeletedMessageBatch]:
        """Delete an ended batch; `await` it for a `DeletedMessageBatch`.

        Raises `BadRequestError` while the batch is still processing.
        """
        path = _batch_path(message_batch_id)
        result: Coroutine[Any, Any, DeletedMessageBatch] = self._operation(
            "DELETE", path, _deleted_decoder.decode, **options
        )
        return result

    def results(
        self,
        message_batch_id: str,
        *,
        workspace_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> BatchResultsCall:
        """The results of an ended batch, streamed: `async for result in await ...results(id)`
        or `async with client.messages.batches.results(id) as results:`.

        The results are fetched from the batch's `results_url` (on this client's origin):
        the batch is retrieved first, both requests with `workspace_id`. The arguments are
        checked at once; each `await` then sends the requests anew. Raises `ClaudeError`
        if the batch has not ended yet.
        """
        headers = option_headers(extra_headers, workspace_id=workspace_id)
        _batch_path(message_batch_id)  # checks the id before any I/O
        client = self._client

        async def prepare() -> Call:
            path = _batch_path(message_batch_id)
            batch: MessageBatch = await self._in("plain")._operation(
                "GET", path, _batch_decoder.decode, extra_headers=headers, timeout=timeout
            )
            if batch.results_url is None:
                raise ClaudeError(
                    f"batch {batch.id} has no results yet (processing_status="
                    f"{batch.processing_status!r}); wait until it has ended"
                )
            path = urlsplit(batch.results_url).path
            prefix = client._path_prefix.decode()
            if prefix and path.startswith(prefix):
                path = path[len(prefix) :]
            return client._call(
                "GET",
                path,
                extra_headers={"accept": "application/binary", **headers},
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
            )

        def op() -> Op:
            return Op(client, None, body_factory=AsyncBatchResults, prepare=prepare)

        if self._mode == "plain":
            return BatchResultsCall(lambda: op().run("plain"))
        result: BatchResultsCall = op().run(self._mode)
        return result

    async def wait(
        self,
        message_batch_id: str,
        *,
        poll_interval: float = 1.0,
        max_poll_interval: float = 60.0,
        timeout: float | None = None,
        on_poll: Callable[[MessageBatch], object] | None = None,
        workspace_id: str | NotGiven = NOT_GIVEN,
    ) -> MessageBatch:
        """Poll a batch until its `processing_status` is `ended`; returns that `MessageBatch`.

        Polls after `poll_interval` seconds, then 1.5 times longer each time up to
        `max_poll_interval`; `on_poll` sees every state fetched; `workspace_id` is sent
        with each poll, as `retrieve` sends it. Raises `TimeoutError` after `timeout`
        seconds (None: no limit) and what `retrieve` raises; cancelling stops the polling.
        """
        if not poll_interval > 0 or not max_poll_interval >= poll_interval:
            raise ValueError(
                "poll_interval must be positive and max_poll_interval at least poll_interval, "
                f"got {poll_interval!r} and {max_poll_interval!r}"
            )
        if timeout is not None and not timeout >= 0:
            raise ValueError(f"timeout must be 0 or more seconds or None, got {timeout!r}")
        option_headers(None, workspace_id=workspace_id)  # checks it before any I/O
        path = _batch_path(message_batch_id)
        interval = poll_interval
        with anyio.fail_after(timeout):
            while True:
                batch: MessageBatch = await self._in("plain")._operation(
                    "GET", path, _batch_decoder.decode, workspace_id=workspace_id
                )
                if on_poll is not None:
                    on_poll(batch)
                if batch.processing_status == "ended":
                    return batch
                await anyio.sleep(interval)
                interval = min(interval * 1.5, max_poll_interval)


class AsyncBatchesWithRawResponse(View[AsyncBatches]):
    """`client.messages.batches.with_raw_response` (also
    `client.messages.with_raw_response.batches`): each call awaits to an
    `AsyncAPIResponse` whose body has been read (`list`: `await parse()` is the first
    `AsyncPage`; `results`: only the head is read, `await parse()` is the unread
    `AsyncBatchResults` to close or read to the end)."""

    __slots__ = ()

    create = raw(AsyncBatches.create)
    retrieve = raw(AsyncBatches.retrieve)
    list = raw(AsyncBatches.list)
    cancel = raw(AsyncBatches.cancel)
    delete = raw(AsyncBatches.delete)
    results = raw(AsyncBatches.results)


class AsyncBatchesWithStreamingResponse(View[AsyncBatches]):
    """`client.messages.batches.with_streaming_response` (also
    `client.messages.with_streaming_response.batches`): each call is an `async with`
    block giving an unread `AsyncAPIResponse` (`results`: `await response.parse()` is the
    `AsyncBatchResults` reading the body)."""

    __slots__ = ()

    create = streaming(AsyncBatches.create)
    retrieve = streaming(AsyncBatches.retrieve)
    list = streaming(AsyncBatches.list)
    cancel = streaming(AsyncBatches.cancel)
    delete = streaming(AsyncBatches.delete)
    results = streaming(AsyncBatches.results)


# ----------------------------------------------------------- client.beta.messages.batches


class AsyncBetaBatches(AsyncBatches):
    """`client.beta.messages.batches`: `messages.batches` taking `betas=[...]`, sent as the
    `anthropic-beta` header (an `anthropic-beta` in `extra_headers` wins); the requests of
    `create` may use the beta message parameters (`mcp_servers`, `context_management`...),
    which are sent as given.

    Methods raise what `messages.batches` raises (and `TypeError` for `betas` given as a
    string, before any I/O); cancellation stops the request and closes its connection.
    """

    __slots__ = ()

    # Its views are not `AsyncBatches`'s: their methods carry the `betas=` signatures.
    @property
    def with_raw_response(self) -> AsyncBetaBatchesWithRawResponse:  # type: ignore[override]
        """The same methods, returning an `AsyncAPIResponse` (headers, status, `parse()`)."""
        return AsyncBetaBatchesWithRawResponse(self._in("raw"))

    @property
    def with_streaming_response(self) -> AsyncBetaBatchesWithStreamingResponse:  # type: ignore[override]
        """The same methods as `async with` blocks giving an unread `AsyncAPIResponse`."""
        return AsyncBetaBatchesWithStreamingResponse(self._in("streaming"))

    def create(
        self,
        *,
        requests: Iterable[BatchRequestParam | Mapping[str, Any]],
        betas: Sequence[str] | None = None,
        user_profile_id: str | NotGiven = NOT_GIVEN,
        workspace_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> Coroutine[Any, Any, MessageBatch]:
        """Submit a batch with `betas`; `await` it for the new `MessageBatch`.

        Raises `BadRequestError` for invalid requests, `TypeError` for `betas` given as a
        string.
        """
        return super().create(
            # The beta message parameters ride in each request's `params`, sent as given.
            requests=cast("Iterable[BatchRequestParam]", requests),
            user_profile_id=user_profile_id,
            workspace_id=workspace_id,
            extra_headers=beta_headers(betas, extra_headers),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    def retrieve(
        self, message_batch_id: str, **options: Unpack[BetaOptions]
    ) -> Coroutine[Any, Any, MessageBatch]:
        """Get a batch's current state, with `betas`; `await` it for a `MessageBatch`."""
        return super().retrieve(message_batch_id, **_with_betas(options))

    def list(
        self,
        *,
        after_id: str | NotGiven = NOT_GIVEN,
        before_id: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        betas: Sequence[str] | None = None,
        workspace_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> AsyncPaginator[MessageBatch]:
        """List batches with `betas`, newest first: `await` it for a page, `async for`
        every batch."""
        return super().list(
            after_id=after_id,
            before_id=before_id,
            limit=limit,
            workspace_id=workspace_id,
            extra_headers=beta_headers(betas, extra_headers),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )

    def cancel(
        self, message_batch_id: str, **options: Unpack[BetaOptions]
    ) -> Coroutine[Any, Any, MessageBatch]:
        """Ask to cancel a batch, with `betas`; `await` it for the `MessageBatch`."""
        return super().cancel(message_batch_id, **_with_betas(options))

    def delete(
        self, message_batch_id: str, **options: Unpack[BetaOptions]
    ) -> Coroutine[Any, Any, DeletedMessageBatch]:
        """Delete an ended batch, with `betas`; `await` it for a `DeletedMessageBatch`.

        Raises `BadRequestError` while the batch is still processing.
        """
        return super().delete(message_batch_id, **_with_betas(options))

    def results(
        self,
        message_batch_id: str,
        *,
        betas: Sequence[str] | None = None,
        workspace_id: str | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: float | Timeout | NotGiven | None = NOT_GIVEN,
    ) -> BatchResultsCall:
        """The results of an ended batch, streamed, with `betas` (sent with the lookup of
        the batch too): as `messages.batches.results`. Raises `ClaudeError` if the batch
        has not ended yet."""
        return super().results(
            message_batch_id,
            workspace_id=workspace_id,
            extra_headers=beta_headers(betas, extra_headers),
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )


def _with_betas(options: BetaOptions) -> WorkspaceOptions:
    """`options` (a call's own `**options`) with `betas` moved into `extra_headers`, as the
    `anthropic-beta` header."""
    betas = options.pop("betas", None)
    options["extra_headers"] = beta_headers(betas, options.get("extra_headers"))
    return options


class AsyncBetaBatchesWithRawResponse(View[AsyncBetaBatches]):
    """`client.beta.messages.batches.with_raw_response`: as
    `messages.batches.with_raw_response`, with `betas=`."""

    __slots__ = ()

    create = raw(AsyncBetaBatches.create)
    retrieve = raw(AsyncBetaBatches.retrieve)
    list = raw(AsyncBetaBatches.list)
    cancel = raw(AsyncBetaBatches.cancel)
    delete = raw(AsyncBetaBatches.delete)
    results = raw(AsyncBetaBatches.results)


class AsyncBetaBatchesWithStreamingResponse(View[AsyncBetaBatches]):
    """`client.beta.messages.batches.with_streaming_response`: as
    `messages.batches.with_streaming_response`, with `betas=`."""

    __slots__ = ()

    create = streaming(AsyncBetaBatches.create)
    retrieve = streaming(AsyncBetaBatches.retrieve)
    list = streaming(AsyncBetaBatches.list)
    cancel = streaming(AsyncBetaBatches.cancel)
    delete = streaming(AsyncBetaBatches.delete)
    results = streaming(AsyncBetaBatches.results)
