"""`Claude.files` and `Claude.beta.files`: the blocking twins of `AsyncFiles` and
`AsyncBetaFiles`.

Like the rest of the blocking client, every call runs the async resource in the client's
loop thread (see `_sync`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate

from ._sync import (
    _P,
    _S,
    APIResponse,
    _Portal,
    _Twin,
    _TwinMethod,
    blocking,
    blocking_pages,
    blocking_raw,
    blocking_raw_pages,
    blocking_streaming,
    blocking_streaming_pages,
)
from .resources import (
    AsyncBetaFiles,
    AsyncBetaFilesWithRawResponse,
    AsyncBetaFilesWithStreamingResponse,
    AsyncFiles,
    AsyncFilesWithRawResponse,
    AsyncFilesWithStreamingResponse,
)

if TYPE_CHECKING:
    import os

    from .resources import AsyncBinaryAPIResponse, AsyncFileDownload

__all__ = (
    "BetaFiles",
    "BetaFilesWithRawResponse",
    "BetaFilesWithStreamingResponse",
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


class _DownloadTwinMethod(_TwinMethod[_S, _P, BinaryAPIResponse]):
    """`download` in every blocking files twin: the response, once its head is in."""

    _returns = "the `BinaryAPIResponse` once its head is in (close it, or `with` it)"

    def _invoke(self, portal: _Portal, target: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        return _download(portal, target(*args, **kwargs))


def blocking_download(
    method: Callable[Concatenate[_S, _P], AsyncFileDownload],
) -> _DownloadTwinMethod[_S, _P]:
    """The blocking twin of `download` (the same in the raw and streaming views)."""
    return _DownloadTwinMethod(method)


class Files(_Twin[AsyncFiles]):
    """`Claude.files`: the blocking twin of `AsyncFiles`; raises what it raises."""

    __slots__ = ()

    @property
    def with_raw_response(self) -> FilesWithRawResponse:
        """The same methods, returning an `APIResponse`."""
        return FilesWithRawResponse(self._portal, self._async.with_raw_response)

    @property
    def with_streaming_response(self) -> FilesWithStreamingResponse:
        """The same methods as `with` blocks."""
        return FilesWithStreamingResponse(self._portal, self._async.with_streaming_response)

    upload = blocking(AsyncFiles.upload)
    list = blocking_pages(AsyncFiles.list)
    retrieve_metadata = blocking(AsyncFiles.retrieve_metadata)
    download = blocking_download(AsyncFiles.download)
    delete = blocking(AsyncFiles.delete)


class FilesWithRawResponse(_Twin[AsyncFilesWithRawResponse]):
    """`Claude.files.with_raw_response`: each call returns an `APIResponse`."""

    __slots__ = ()

    upload = blocking_raw(AsyncFiles.upload)
    list = blocking_raw_pages(AsyncFiles.list)
    retrieve_metadata = blocking_raw(AsyncFiles.retrieve_metadata)
    download = blocking_download(AsyncFiles.download)
    delete = blocking_raw(AsyncFiles.delete)


class FilesWithStreamingResponse(_Twin[AsyncFilesWithStreamingResponse]):
    """`Claude.files.with_streaming_response`: each call is a `with ... as response:`
    block."""

    __slots__ = ()

    upload = blocking_streaming(AsyncFiles.upload)
    list = blocking_streaming_pages(AsyncFiles.list)
    retrieve_metadata = blocking_streaming(AsyncFiles.retrieve_metadata)
    download = blocking_download(AsyncFiles.download)
    delete = blocking_streaming(AsyncFiles.delete)


# --------------------------------------------------------------------- Claude.beta.files


class BetaFiles(_Twin[AsyncBetaFiles]):
    """`Claude.beta.files`: the blocking twin of `AsyncBetaFiles` (`Files` sending the
    files beta, with `betas=`)."""

    __slots__ = ()

    @property
    def with_raw_response(self) -> BetaFilesWithRawResponse:
        """The same methods, returning an `APIResponse`."""
        return BetaFilesWithRawResponse(self._portal, self._async.with_raw_response)

    @property
    def with_streaming_response(self) -> BetaFilesWithStreamingResponse:
        """The same methods as `with` blocks."""
        return BetaFilesWithStreamingResponse(self._portal, self._async.with_streaming_response)

    upload = blocking(AsyncBetaFiles.upload)
    list = blocking_pages(AsyncBetaFiles.list)
    retrieve_metadata = blocking(AsyncBetaFiles.retrieve_metadata)
    download = blocking_download(AsyncBetaFiles.download)
    delete = blocking(AsyncBetaFiles.delete)


class BetaFilesWithRawResponse(_Twin[AsyncBetaFilesWithRawResponse]):
    """`Claude.beta.files.with_raw_response`: each call returns an `APIResponse`."""

    __slots__ = ()

    upload = blocking_raw(AsyncBetaFiles.upload)
    list = blocking_raw_pages(AsyncBetaFiles.list)
    retrieve_metadata = blocking_raw(AsyncBetaFiles.retrieve_metadata)
    download = blocking_download(AsyncBetaFiles.download)
    delete = blocking_raw(AsyncBetaFiles.delete)


class BetaFilesWithStreamingResponse(_Twin[AsyncBetaFilesWithStreamingResponse]):
    """`Claude.beta.files.with_streaming_response`: each call is a `with ... as response:`
    block."""

    __slots__ = ()

    upload = blocking_streaming(AsyncBetaFiles.upload)
    list = blocking_streaming_pages(AsyncBetaFiles.list)
    retrieve_metadata = blocking_streaming(AsyncBetaFiles.retrieve_metadata)
    download = blocking_download(AsyncBetaFiles.download)
    delete = blocking_streaming(AsyncBetaFiles.delete)
