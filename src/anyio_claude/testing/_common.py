"""What every part of the fake server shares: the API error it raises, error bodies, ids."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ..types import ErrorObject, ErrorResponse, encode_json

__all__ = ("ERROR_TYPES", "Header", "RequestError", "error_body", "invalid", "make_id")

Header = tuple[bytes, bytes]

# The `error.type` the real API sends with each status (PROTOCOL.md).
ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "request_too_large",
    429: "rate_limit_error",
    431: "invalid_request_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


class RequestError(Exception):
    """A request the fake answers with an API error body (any layer may raise it)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str | None = None,
        headers: Sequence[Header] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_type = error_type or ERROR_TYPES.get(status, "api_error")
        self.headers = tuple(headers)


def invalid(message: str) -> RequestError:
    """A 400 `invalid_request_error`."""
    return RequestError(400, message)


def error_body(error_type: str, message: str, request_id: str | None) -> bytes:
    """The exact error body of PROTOCOL.md, built from the wire types."""
    error = ErrorObject(type=error_type, message=message)
    return encode_json(ErrorResponse(type="error", error=error, request_id=request_id))


_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def make_id(prefix: str, *parts: object, length: int = 24) -> str:
    """A realistic-looking id (`msg_01…`), a pure function of `parts`, so runs repeat."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=24).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(length - 2):
        number, digit = divmod(number, 62)
        chars.append(_B62[digit])
    return f"{prefix}01{''.join(chars)}"
