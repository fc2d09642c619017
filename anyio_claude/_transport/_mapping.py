"""httpcore, imported on first use, and the one map from foreign exceptions (httpcore's,
anyio's, ssl's, OSError) to ours, `_mapped`, always with the original chained as
`__cause__`."""

from __future__ import annotations

import traceback
from types import ModuleType
from typing import Any

import anyio

from .._errors import APIConnectionError, APITimeoutError
from .._http import Request

_httpcore: ModuleType | None = None
_h11: Any = None


def load_httpcore() -> ModuleType:
    """httpcore, imported on first use (with h11, kept in `_h11`)."""
    global _httpcore, _h11
    if _httpcore is None:
        import h11
        import httpcore

        _httpcore, _h11 = httpcore, h11
    return _httpcore


_TIMEOUT_KINDS = {
    "ConnectTimeout": "connect",
    "ReadTimeout": "read",
    "WriteTimeout": "write",
    "PoolTimeout": "pool",
}


def final(error: APIConnectionError) -> APIConnectionError:
    """Mark `error` as one another attempt cannot mend, so it is not retried."""
    error._final = True  # type: ignore[attr-defined]
    return error


def _scrub(exc: BaseException | None) -> None:
    # Frames that finished executing may hold the request's bytes (credential headers
    # included) in locals, which tracebacks formatted with capture_locals would show.
    seen = 0
    while exc is not None and seen < 8:
        traceback.clear_frames(exc.__traceback__)
        exc = exc.__cause__ or exc.__context__
        seen += 1


class _mapped:
    """Turn any transport failure into `APIConnectionError`/`APITimeoutError` (see `_map`)."""

    __slots__ = ("_action", "_origin", "_request", "_where")

    def __init__(self, action: str, where: str, request: Request, origin: str) -> None:
        self._action = action
        self._where = where
        self._request = request
        self._origin = origin

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if exc is None:
            return
        mapped = _map(exc, self._action, self._where, self._request, self._origin)
        if mapped is not None:
            raise mapped from exc


def _map(
    exc: BaseException, action: str, where: str, request: Request, origin: str
) -> APIConnectionError | None:
    """Our exception for the transport failure `exc`, or None to let it propagate."""
    if not isinstance(exc, Exception) or isinstance(exc, APIConnectionError):
        return None
    from .._http import HTTPRequest

    core = load_httpcore()
    _scrub(exc)
    redacted = HTTPRequest.redacted(request, origin)
    if isinstance(exc, core.LocalProtocolError | core.UnsupportedProtocol):
        return final(
            APIConnectionError(
                f"{action} could not be sent ({where}): {_detail(exc)}", request=redacted
            )
        )
    if isinstance(exc, core.TimeoutException | TimeoutError):
        kind = _TIMEOUT_KINDS.get(type(exc).__name__, action)
        detail = f": {exc}" if str(exc) else ""
        return APITimeoutError(f"{kind} timeout talking to {where}{detail}", request=redacted)
    if isinstance(
        exc,
        core.NetworkError
        | core.ProtocolError
        | core.UnsupportedProtocol
        | core.ProxyError
        | anyio.BrokenResourceError
        | anyio.ClosedResourceError
        | anyio.EndOfStream
        | OSError,
    ):
        return APIConnectionError(f"{action} failed ({where}): {_detail(exc)}", request=redacted)
    return None


def _detail(exc: BaseException) -> str:
    # trio wraps TLS and socket errors in exceptions with empty messages; the useful
    # text (say, CERTIFICATE_VERIFY_FAILED) is further down the cause chain.
    link: BaseException | None = exc
    for _ in range(8):
        if link is None:
            break
        if str(link):
            return str(link) if link is exc else f"{type(exc).__name__}: {link}"
        link = link.__cause__ or link.__context__
    return type(exc).__name__
