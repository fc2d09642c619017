"""The exception tree. Every exception anyio-claude raises on purpose is one of these.

    ClaudeError (alias AnthropicError)
    ├── ProtocolError                  the peer broke the wire protocol (sans-I/O layers)
    │   ├── SSEProtocolError           bad SSE framing, or an event over the size cap
    │   └── EventProtocolError         an event that is not valid JSON / out of order
    └── APIError                       anything that went wrong talking to the API
        ├── APIConnectionError         could not connect, or the connection broke
        │   ├── APITimeoutError        connect/read/write/pool/overall/idle timeout
        │   └── IncompleteStreamError  the stream ended cleanly before `message_stop`
        ├── APIResponseValidationError the server's reply could not be understood
        └── APIStatusError             an HTTP error status, or an `error` event mid-stream
            ├── BadRequestError             400 invalid_request_error
            ├── AuthenticationError         401 authentication_error
            ├── BillingError                402 billing_error
            ├── PermissionDeniedError       403 permission_error
            ├── NotFoundError               404 not_found_error
            ├── ConflictError               409
            ├── RequestTooLargeError        413 request_too_large
            ├── UnprocessableEntityError    422
            ├── RateLimitError              429 rate_limit_error
            ├── InternalServerError         500 api_error, and any other 5xx
            │   └── GatewayTimeoutError     504 timeout_error
            └── OverloadedError             529 overloaded_error

The class names mirror the official `anthropic` SDK's, so `except` clauses port unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._ratelimits import RateLimitInfo
    from .types import Message


class ClaudeError(Exception):
    """Base class of every exception anyio-claude raises."""


class ProtocolError(ClaudeError):
    """The peer sent bytes or events that break the wire protocol."""


class SSEProtocolError(ProtocolError):
    """The event stream broke the SSE framing rules or exceeded the buffered-size cap."""


class EventProtocolError(ProtocolError):
    """A stream event was not valid JSON of a known shape, or arrived out of order."""


class APIError(ClaudeError):
    """Something went wrong talking to the API.

    `partial_message` holds the message snapshot accumulated before a stream failed
    (None outside streams, or when the failure came before `message_start`).
    """

    message: str
    request_id: str | None
    body: object | None
    partial_message: Message | None

    def __init__(
        self,
        message: str,
        *,
        request_id: str | None = None,
        body: object | None = None,
        partial_message: Message | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id
        self.body = body
        self.partial_message = partial_message

    def __str__(self) -> str:
        if self.request_id:
            return f"{self.message} (request-id: {self.request_id})"
        return self.message


class APIConnectionError(APIError):
    """The connection could not be made, or broke before the reply was complete."""


class APITimeoutError(APIConnectionError):
    """A connect, read, write, pool, overall or stream-idle timeout expired."""


class IncompleteStreamError(APIConnectionError):
    """The event stream ended without error before its `message_stop` event.

    What arrived is in `partial_message` (None if `message_start` never came); the
    message is incomplete, whatever its `stop_reason` says.
    """


class APIResponseValidationError(APIError):
    """The server answered, but not with something this client can understand."""

    status_code: int | None

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        request_id: str | None = None,
        body: object | None = None,
        partial_message: Message | None = None,
    ) -> None:
        super().__init__(message, request_id=request_id, body=body, partial_message=partial_message)
        self.status_code = status_code


class APIStatusError(APIError):
    """The API answered with an error: an HTTP error status, or an `error` event mid-stream.

    `status_code` is the HTTP status (for a mid-stream `error` event, the status the error
    type maps to), `type` the API's `error.type`, `response` the raw response (None for
    mid-stream errors raised after the response was released), `rate_limits` the parsed
    rate-limit headers.
    """

    status_code: int
    type: str | None
    response: Any
    rate_limits: RateLimitInfo | None

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        type: str | None = None,
        request_id: str | None = None,
        body: object | None = None,
        response: Any = None,
        rate_limits: RateLimitInfo | None = None,
        partial_message: Message | None = None,
    ) -> None:
        super().__init__(message, request_id=request_id, body=body, partial_message=partial_message)
        self.status_code = status_code
        self.type = type
        self.response = response
        self.rate_limits = rate_limits

    @property
    def retry_after(self) -> float | None:
        """The wait in seconds the server asked for (`retry-after(-ms)`), or None."""
        return self.rate_limits.retry_after if self.rate_limits is not None else None

    def __str__(self) -> str:
        rid = f", request-id: {self.request_id}" if self.request_id else ""
        kind = f" {self.type}" if self.type else ""
        return f"{self.status_code}{kind}: {self.message}{rid}"


class BadRequestError(APIStatusError):
    """400 `invalid_request_error`."""


class AuthenticationError(APIStatusError):
    """401 `authentication_error`."""


class BillingError(APIStatusError):
    """402 `billing_error`."""


class PermissionDeniedError(APIStatusError):
    """403 `permission_error`."""


class NotFoundError(APIStatusError):
    """404 `not_found_error`."""


class ConflictError(APIStatusError):
    """409."""


class RequestTooLargeError(APIStatusError):
    """413 `request_too_large`."""


class UnprocessableEntityError(APIStatusError):
    """422."""


class RateLimitError(APIStatusError):
    """429 `rate_limit_error`."""


class InternalServerError(APIStatusError):
    """500 `api_error`, and any 5xx without a more specific class."""


class GatewayTimeoutError(InternalServerError):
    """504 `timeout_error`."""


class OverloadedError(APIStatusError):
    """529 `overloaded_error`."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: BillingError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    500: InternalServerError,
    504: GatewayTimeoutError,
    529: OverloadedError,
}

_STATUS_BY_TYPE: dict[str, int] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The exception class for an HTTP error status."""
    cls = _BY_STATUS.get(status_code)
    if cls is not None:
        return cls
    return InternalServerError if status_code >= 500 else APIStatusError


def status_for_error_type(error_type: str | None) -> int:
    """The HTTP status an API `error.type` stands for (500 for unknown types)."""
    return _STATUS_BY_TYPE.get(error_type or "", 500)


AnthropicError = ClaudeError
