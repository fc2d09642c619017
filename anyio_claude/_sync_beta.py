"""`Claude.beta`: the blocking twins of `client.beta.messages` and `client.beta.files`.

Like the rest of the blocking client, every call runs the async resource in the client's
loop thread (see `_sync`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload

from ._sync import (
    APIResponse,
    MessageStream,
    MessageStreamingResponse,
    MessageStreamManager,
    Stream,
    StreamingResponse,
    SyncPage,
    _blocking,
    _first_page,
    _Portal,
    _raw,
    _run,
)

if TYPE_CHECKING:
    import os

    from typing_extensions import Unpack

    from .resources import (
        AsyncBeta,
        AsyncBetaMessages,
        AsyncBetaMessagesWithRawResponse,
        AsyncBetaMessagesWithStreamingResponse,
        AsyncBetaWithRawResponse,
        AsyncBetaWithStreamingResponse,
        AsyncBinaryAPIResponse,
        AsyncFileDownload,
        AsyncFiles,
        AsyncFilesWithRawResponse,
        AsyncFilesWithStreamingResponse,
    )
    from .resources._beta import BetaCountTokensArgs, BetaMessageArgs
    from .resources._files import FileListArgs, FileOptions, FileTypes, FileUploadArgs
    from .types import DeletedFile, FileMetadata, Message, MessageTokensCount

__all__ = (
    "Beta",
    "BetaMessages",
    "BetaMessagesWithRawResponse",
    "BetaMessagesWithStreamingResponse",
    "BetaWithRawResponse",
    "BetaWithStreamingResponse",
    "BinaryAPIResponse",
    "Files",
    "FilesWithRawResponse",
    "FilesWithStreamingResponse",
)


class BinaryAPIResponse(APIResponse[bytes]):
    """The blocking twin of `AsyncBinaryAPIResponse`: a downloaded file, read on demand.

    `read()` and `write_to_file()` release the connection once done; after iterating
    part of `iter_bytes()`, call `close()` or use `with`.
    """

    __slots__ = ()

    _response: AsyncBinaryAPIResponse

    def write_to_file(self, file: str | os.PathLike[str]) -> None:
        """Stream the file to the path `file`, chunk by chunk as it arrives."""
        self._portal.call(self._response.write_to_file, file)

    stream_to_file = write_to_file

    def __enter__(self) -> BinaryAPIResponse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _download(portal: _Portal, download: AsyncFileDownload) -> BinaryAPIResponse:
    async def open_response() -> AsyncBinaryAPIResponse:
        return await download

    return BinaryAPIResponse(portal, portal.call(open_response))


class Beta:
    """`Claude.beta`: `messages` with `betas=[...]`, and `files`, blocking."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, beta: AsyncBeta) -> None:
        self._portal = portal
        self._async = beta

    @property
    def messages(self) -> BetaMessages:
        """`create`, `stream` and `count_tokens`, taking `betas=[...]`."""
        return BetaMessages(self._portal, self._async.messages)

    @property
    def files(self) -> Files:
        """The Files API, blocking."""
        return Files(self._portal, self._async.files)

    @property
    def with_raw_response(self) -> BetaWithRawResponse:
        """`messages` and `files` returning `APIResponse`s."""
        return BetaWithRawResponse(self._portal, self._async.with_raw_response)

    @property
    def with_streaming_response(self) -> BetaWithStreamingResponse:
        """`messages` and `files` as `with` blocks."""
        return BetaWithStreamingResponse(self._portal, self._async.with_streaming_response)


class BetaWithRawResponse:
    """`Claude.beta.with_raw_response`."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, beta: AsyncBetaWithRawResponse) -> None:
        self._portal = portal
        self._async = beta

    @property
    def messages(self) -> BetaMessagesWithRawResponse:
        """`beta.messages`, returning `APIResponse`s."""
        return BetaMessagesWithRawResponse(self._portal, self._async.messages)

    @property
    def files(self) -> FilesWithRawResponse:
        """`beta.files`, returning `APIResponse`s."""
        return FilesWithRawResponse(self._portal, self._async.files)


class BetaWithStreamingResponse:
    """`Claude.beta.with_streaming_response`."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, beta: AsyncBetaWithStreamingResponse) -> None:
        self._portal = portal
        self._async = beta

    @property
    def messages(self) -> BetaMessagesWithStreamingResponse:
        """`beta.messages`, as `with` blocks."""
        return BetaMessagesWithStreamingResponse(self._portal, self._async.messages)

    @property
    def files(self) -> FilesWithStreamingResponse:
        """`beta.files`, as `with` blocks."""
        return FilesWithStreamingResponse(self._portal, self._async.files)


# ------------------------------------------------------------------------- messages


class BetaMessages:
    """`Claude.beta.messages`: the blocking twin of `AsyncBetaMessages`."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, messages: AsyncBetaMessages) -> None:
        self._portal = portal
        self._async = messages

    @property
    def with_raw_response(self) -> BetaMessagesWithRawResponse:
        """The same methods, returning an `APIResponse`."""
        return BetaMessagesWithRawResponse(self._portal, self._async.with_raw_response)

    @property
    def with_streaming_response(self) -> BetaMessagesWithStreamingResponse:
        """The same methods as `with` blocks."""
        return BetaMessagesWithStreamingResponse(self._portal, self._async.with_streaming_response)

    @overload
    def create(
        self, *, stream: Literal[False] = False, **args: Unpack[BetaMessageArgs]
    ) -> Message: ...
    @overload
    def create(self, *, stream: Literal[True], **args: Unpack[BetaMessageArgs]) -> Stream: ...
    @overload
    def create(self, *, stream: bool, **args: Unpack[BetaMessageArgs]) -> Message | Stream: ...
    def create(self, **args: Any) -> Any:
        """`AsyncBetaMessages.create`, blocking: the `Message`, or with `stream=True` a
        `Stream`."""
        return _blocking(self._portal, _run(self._portal, self._async.create, **args))

    def stream(self, **args: Unpack[BetaMessageArgs]) -> MessageStreamManager:
        """`with client.beta.messages.stream(...) as stream:`."""
        return MessageStreamManager(self._portal, self._async.stream(**args))

    def count_tokens(self, **args: Unpack[BetaCountTokensArgs]) -> MessageTokensCount:
        """Count the input tokens of a conversation."""
        count: MessageTokensCount = _run(self._portal, self._async.count_tokens, **args)
        return count


class BetaMessagesWithRawResponse:
    """`Claude.beta.messages.with_raw_response`."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, messages: AsyncBetaMessagesWithRawResponse) -> None:
        self._portal = portal
        self._async = messages

    @overload
    def create(
        self, *, stream: Literal[False] = False, **args: Unpack[BetaMessageArgs]
    ) -> APIResponse[Message]: ...
    @overload
    def create(
        self, *, stream: Literal[True], **args: Unpack[BetaMessageArgs]
    ) -> APIResponse[Stream]: ...
    @overload
    def create(
        self, *, stream: bool, **args: Unpack[BetaMessageArgs]
    ) -> APIResponse[Message] | APIResponse[Stream]: ...
    def create(self, **args: Any) -> Any:
        """`beta.messages.create`, returning an `APIResponse`."""
        return _raw(self._portal, self._async.create, **args)

    def stream(self, **args: Unpack[BetaMessageArgs]) -> APIResponse[MessageStream]:
        """`beta.messages.stream`, returning an `APIResponse` whose `parse()` is the open
        `MessageStream` (close it, or use it in `with`)."""
        result: APIResponse[MessageStream] = _raw(self._portal, self._async.stream, **args)
        return result

    def count_tokens(self, **args: Unpack[BetaCountTokensArgs]) -> APIResponse[MessageTokensCount]:
        """`beta.messages.count_tokens`, returning an `APIResponse`."""
        response: APIResponse[MessageTokensCount] = _raw(
            self._portal, self._async.count_tokens, **args
        )
        return response


class BetaMessagesWithStreamingResponse:
    """`Claude.beta.messages.with_streaming_response`."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, messages: AsyncBetaMessagesWithStreamingResponse) -> None:
        self._portal = portal
        self._async = messages

    @overload
    def create(
        self, *, stream: Literal[False] = False, **args: Unpack[BetaMessageArgs]
    ) -> StreamingResponse[Message]: ...
    @overload
    def create(
        self, *, stream: Literal[True], **args: Unpack[BetaMessageArgs]
    ) -> StreamingResponse[Stream]: ...
    @overload
    def create(
        self, *, stream: bool, **args: Unpack[BetaMessageArgs]
    ) -> StreamingResponse[Message] | StreamingResponse[Stream]: ...
    def create(self, **args: Any) -> Any:
        """`beta.messages.create` as `with ... as response:`."""
        return StreamingResponse(self._portal, self._async.create(**args))

    def stream(self, **args: Unpack[BetaMessageArgs]) -> MessageStreamingResponse:
        """`beta.messages.stream` as `with ... as response:`: `response.text_stream`, `for
        event in response`, or `response.parse()` for the `MessageStream`."""
        return MessageStreamingResponse(self._portal, self._async.stream(**args))

    def count_tokens(
        self, **args: Unpack[BetaCountTokensArgs]
    ) -> StreamingResponse[MessageTokensCount]:
        """`beta.messages.count_tokens` as `with ... as response:`."""
        return StreamingResponse(self._portal, self._async.count_tokens(**args))


# ---------------------------------------------------------------------------- files


class Files:
    """`Claude.beta.files`: the blocking twin of `AsyncFiles`; raises what it raises."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, files: AsyncFiles) -> None:
        self._portal = portal
        self._async = files

    @property
    def with_raw_response(self) -> FilesWithRawResponse:
        """The same methods, returning an `APIResponse`."""
        return FilesWithRawResponse(self._portal, self._async.with_raw_response)

    @property
    def with_streaming_response(self) -> FilesWithStreamingResponse:
        """The same methods as `with` blocks."""
        return FilesWithStreamingResponse(self._portal, self._async.with_streaming_response)

    def upload(self, *, file: FileTypes, **args: Unpack[FileUploadArgs]) -> FileMetadata:
        """Upload a file. Raises `TypeError` naming `file` for an unusable argument."""
        metadata: FileMetadata = _run(self._portal, self._async.upload, file=file, **args)
        return metadata

    def list(self, **args: Unpack[FileListArgs]) -> SyncPage[FileMetadata]:
        """The first page of files, newest first; iterate it for every file."""
        return _first_page(self._portal, self._async.list(**args))

    def retrieve_metadata(self, file_id: str, **options: Unpack[FileOptions]) -> FileMetadata:
        """A file's metadata. Raises `NotFoundError` for an unknown id."""
        metadata: FileMetadata = _run(
            self._portal, self._async.retrieve_metadata, file_id, **options
        )
        return metadata

    def download(self, file_id: str, **options: Unpack[FileOptions]) -> BinaryAPIResponse:
        """A file's content, streamed: a `BinaryAPIResponse` once the head is in (use it
        in `with`, or read it with `read()` / `write_to_file()`)."""
        return _download(self._portal, self._async.download(file_id, **options))

    def delete(self, file_id: str, **options: Unpack[FileOptions]) -> DeletedFile:
        """Delete a file. Raises `NotFoundError` for an unknown id."""
        deleted: DeletedFile = _run(self._portal, self._async.delete, file_id, **options)
        return deleted


class FilesWithRawResponse:
    """`Claude.beta.files.with_raw_response`."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, files: AsyncFilesWithRawResponse) -> None:
        self._portal = portal
        self._async = files

    def upload(
        self, *, file: FileTypes, **args: Unpack[FileUploadArgs]
    ) -> APIResponse[FileMetadata]:
        """`files.upload`, returning an `APIResponse`."""
        response: APIResponse[FileMetadata] = _raw(
            self._portal, self._async.upload, file=file, **args
        )
        return response

    def retrieve_metadata(
        self, file_id: str, **options: Unpack[FileOptions]
    ) -> APIResponse[FileMetadata]:
        """`files.retrieve_metadata`, returning an `APIResponse`."""
        response: APIResponse[FileMetadata] = _raw(
            self._portal, self._async.retrieve_metadata, file_id, **options
        )
        return response

    def download(self, file_id: str, **options: Unpack[FileOptions]) -> BinaryAPIResponse:
        """`files.download` (already a raw response)."""
        return _download(self._portal, self._async.download(file_id, **options))

    def delete(self, file_id: str, **options: Unpack[FileOptions]) -> APIResponse[DeletedFile]:
        """`files.delete`, returning an `APIResponse`."""
        response: APIResponse[DeletedFile] = _raw(
            self._portal, self._async.delete, file_id, **options
        )
        return response


class FilesWithStreamingResponse:
    """`Claude.beta.files.with_streaming_response`."""

    __slots__ = ("_async", "_portal")

    def __init__(self, portal: _Portal, files: AsyncFilesWithStreamingResponse) -> None:
        self._portal = portal
        self._async = files

    def upload(
        self, *, file: FileTypes, **args: Unpack[FileUploadArgs]
    ) -> StreamingResponse[FileMetadata]:
        """`files.upload` as `with ... as response:`."""
        return StreamingResponse(self._portal, self._async.upload(file=file, **args))

    def retrieve_metadata(
        self, file_id: str, **options: Unpack[FileOptions]
    ) -> StreamingResponse[FileMetadata]:
        """`files.retrieve_metadata` as `with ... as response:`."""
        return StreamingResponse(self._portal, self._async.retrieve_metadata(file_id, **options))

    def download(self, file_id: str, **options: Unpack[FileOptions]) -> BinaryAPIResponse:
        """`files.download` as `with ... as response:`."""
        return _download(self._portal, self._async.download(file_id, **options))

    def delete(
        self, file_id: str, **options: Unpack[FileOptions]
    ) -> StreamingResponse[DeletedFile]:
        """`files.delete` as `with ... as response:`."""
        return StreamingResponse(self._portal, self._async.delete(file_id, **options))
