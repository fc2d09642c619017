"""The exception tree. Every exception anyio-claude raises on purpose is one of these.

    ClaudeError (alias AnthropicError)
    ├── CredentialsError               credentials could not be loaded (a profile, a provider)
    │   └── IdentityTokenFileError     an identity token file could not be read
    ├── WorkloadIdentityError          a token exchange or refresh at /v1/oauth/token failed
    ├── RetryableError                 raised by a middleware: retry the attempt
    ├── ProtocolError                  the peer broke the wire protocol (sans-I/O layers)
    │   ├── SSEProtocolError           bad SSE framing, or an event over the size cap
    │   ├── EventStreamProtocolError   bad AWS event-stream framing (a CRC, a length, a header)
    │   └── EventProtocolError         an event that is not valid JSON / out of order
    ├── ValidationError                `Model.model_validate(...)` got data it cannot accept
    │                                  (also a ValueError, as pydantic's is)
    └── APIError                       anything that went wrong talking to the API
        ├── APIConnectionError         could not connect, or the connection broke
        │   ├── APITimeoutError        connect/read/write/pool/overall/idle timeout
        │   └── IncompleteStreamError  the stream ended cleanly before `message_stop`
        ├── APIResponseValidationError the server's reply could not be understood
        ├── APIWebhookValidationError  (never raised here: no webhooks)
        └── APIStatusError             an HTTP error status, or an `error` event mid-stream
            ├── BadRequestError                   400 invalid_request_error
            ├── AuthenticationError               401 authentication_error
            ├── PaymentRequiredError              402 billing_error (alias BillingError)
            ├── PermissionDeniedError             403 permission_error
            ├── NotFoundError                     404 not_found_error
            ├── RequestTimeoutError               408
            ├── ConflictError                     409 conflict_error
            ├── PreconditionFailedError           412
            ├── ContentTooLargeError              413 request_too_large
            │                                         (alias RequestTooLargeError)
            ├── UnprocessableEntityError          422
            ├── RateLimitError                    429 rate_limit_error
            ├── RequestHeaderFieldsTooLargeError  431
            ├── ClientClosedRequestError          499
            └── InternalServerError               500 api_error, and any other 5xx
                ├── HTTPNotImplementedError       501
                ├── ServiceUnavailableError       503
                ├── GatewayTimeoutError           504 timeout_error
                │                                     (alias DeadlineExceededError)
                └── OverloadedError               529 overloaded_error

Below the status classes are the official SDK's error-code classes (`_gen_errors`, e.g.
`StorageNotReadyError(ServiceUnavailableError)` for a 503 whose body's
`error.details.error_code` is `storage_not_ready`). The class names mirror the official
`anthropic` SDK's (2.17), so `except` clauses port unchanged; other 4xx statuses raise
`APIStatusError` itself. `make_status_error` is the one place that builds these errors.
The classes marked "never raised here" belong to features of the official SDK this client
does not have; they exist so that code naming them ports too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

# The base classes live in _exceptions, below the wire types that raise them; they belong
# to this tree, and everything above imports them from here.
from ._exceptions import ClaudeError as ClaudeError
from ._exceptions import CredentialsError as CredentialsError
from ._exceptions import EventProtocolError as EventProtocolError
from ._exceptions import EventStreamProtocolError as EventStreamProtocolError
from ._exceptions import IdentityTokenFileError as IdentityTokenFileError
from ._exceptions import ProtocolError as ProtocolError
from ._exceptions import RetryableError as RetryableError
from ._exceptions import SSEProtocolError as SSEProtocolError
from ._exceptions import ValidationError as ValidationError
from ._exceptions import WorkloadIdentityError as WorkloadIdentityError

if TYPE_CHECKING:
    from ._http import HTTPRequest, HTTPResponse
    from ._ratelimits import RateLimitInfo
    from .types import Message


class APIError(ClaudeError):
    """Something went wrong talking to the API.

    `request` is the request that failed (method, url, headers with credentials redacted;
    None when the failure came before a request was built). `partial_message` holds the
    message snapshot accumulated before a stream failed (None outside streams, or when
    the failure came before `message_start`).
    """

    message: str
    request_id: str | None
    body: object | None
    partial_message: Message | None
    request: HTTPRequest | None

    def __init__(
        self,
        message: str,
        *,
        request_id: str | None = None,
        body: object | None = None,
        partial_message: Message | None = None,
        request: HTTPRequest | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id
        self.body = body
        self.partial_message = partial_message
        self.request = request

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
        request: HTTPRequest | None = None,
    ) -> None:
        super().__init__(
            message,
            request_id=request_id,
            body=body,
            partial_message=partial_message,
            request=request,
        )
        self.status_code = status_code


class APIWebhookValidationError(APIError):
    """A webhook failed validation (the official SDK's webhooks; never raised here)."""


class APIStatusError(APIError):
    """The API answered with an error: an HTTP error status, or an `error` event mid-stream.

    `status_code` is the HTTP status (for a mid-stream `error` event, the status the error
    type maps to); `type`, `api_message` and `error_code` are the body's `error.type`,
    `error.message` and `error.details.error_code` (`details` the whole `error.details`);
    `response` the `HTTPResponse` (its `.text` and `.json()` give the body);
    `rate_limits` the parsed rate-limit headers; `workspace_id` the
    `anthropic-workspace-id` header. `message` (and `str()`) is the official SDK's, e.g.
    `429 Too many requests (request_id: req_1, path: /v1/messages, type: rate_limit_error)`.
    """

    status_code: int
    type: str | None
    api_message: str | None
    error_code: str | None
    details: dict[str, Any] | None
    response: HTTPResponse | None
    rate_limits: RateLimitInfo | None

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        type: str | None = None,
        request_id: str | None = None,
        body: object | None = None,
        response: HTTPResponse | None = None,
        rate_limits: RateLimitInfo | None = None,
        partial_message: Message | None = None,
        request: HTTPRequest | None = None,
    ) -> None:
        super().__init__(
            message,
            request_id=request_id,
            body=body,
            partial_message=partial_message,
            request=request,
        )
        self.status_code = status_code
        self.type = type
        self.response = response
        self.rate_limits = rate_limits
        api_message = _member(body, "error", "message")
        self.api_message = api_message if isinstance(api_message, str) else None
        details = _member(body, "error", "details")
        self.details = details if isinstance(details, dict) else None
        self.error_code = error_code_of(body)

    @property
    def workspace_id(self) -> str | None:
        """The `anthropic-workspace-id` response header, if any."""
        return (
            None if self.response is None else self.response.headers.get("anthropic-workspace-id")
        )

    @property
    def retry_after(self) -> float | None:
        """The wait in seconds the server asked for (`retry-after(-ms)`), or None."""
        return self.rate_limits.retry_after if self.rate_limits is not None else None

    def __str__(self) -> str:
        return self.message


class BadRequestError(APIStatusError):
    """400 `invalid_request_error`."""


class AuthenticationError(APIStatusError):
    """401 `authentication_error`."""


class PaymentRequiredError(APIStatusError):
    """402 `billing_error`."""


class PermissionDeniedError(APIStatusError):
    """403 `permission_error`."""


class NotFoundError(APIStatusError):
    """404 `not_found_error`."""


class RequestTimeoutError(APIStatusError):
    """408: the server timed out waiting for the request."""


class ConflictError(APIStatusError):
    """409 `conflict_error`."""


class PreconditionFailedError(APIStatusError):
    """412."""


class ContentTooLargeError(APIStatusError):
    """413 `request_too_large`."""


class UnprocessableEntityError(APIStatusError):
    """422."""


class RateLimitError(APIStatusError):
    """429 `rate_limit_error`."""


class RequestHeaderFieldsTooLargeError(APIStatusError):
    """431: the request headers were too large."""


class ClientClosedRequestError(APIStatusError):
    """499: the request was closed before the server answered."""


class InternalServerError(APIStatusError):
    """500 `api_error`, and any 5xx without a more specific class."""


class HTTPNotImplementedError(InternalServerError):
    """501."""


class ServiceUnavailableError(InternalServerError):
    """503."""


class GatewayTimeoutError(InternalServerError):
    """504 `timeout_error`."""


class OverloadedError(InternalServerError):
    """529 `overloaded_error`."""


BillingError = PaymentRequiredError
RequestTooLargeError = ContentTooLargeError
DeadlineExceededError = GatewayTimeoutError

_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    409: ConflictError,
    412: PreconditionFailedError,
    413: ContentTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    431: RequestHeaderFieldsTooLargeError,
    499: ClientClosedRequestError,
    500: InternalServerError,
    501: HTTPNotImplementedError,
    503: ServiceUnavailableError,
    504: GatewayTimeoutError,
    529: OverloadedError,
}

_STATUS_BY_TYPE: dict[str, int] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "conflict_error": 409,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
    # The exceptions a Bedrock stream reports mid-body, with the HTTP status botocore's
    # bedrock-runtime model gives each (tests/test_platforms.py checks them against it).
    "internalServerException": 500,
    "modelStreamErrorException": 424,
    "validationException": 400,
    "throttlingException": 429,
    "modelTimeoutException": 408,
    "serviceUnavailableException": 503,
}


def status_error_class(status_code: int, error_code: str | None = None) -> type[APIStatusError]:
    """The exception class for an error status and the body's `error.details.error_code`.

    As in the official SDK: its class for the pair if it has one (`_gen_errors`), else
    the class of the status, else `InternalServerError` for a 5xx and `APIStatusError`.
    """
    if error_code is not None:
        from ._gen_errors import ERROR_CODE_CLASSES  # loaded by the first error code

        by_code = ERROR_CODE_CLASSES.get((status_code, error_code))
        if by_code is not None:
            return by_code
    cls = _BY_STATUS.get(status_code)
    if cls is not None:
        return cls
    return InternalServerError if status_code >= 500 else APIStatusError


def status_for_error_type(error_type: str | None) -> int:
    """The HTTP status an API `error.type` stands for (500 for unknown types)."""
    return _STATUS_BY_TYPE.get(error_type or "", 500)


def _member(value: object, *keys: str) -> object:
    """`value[keys[0]][keys[1]]...`; None once a level is not a dict or lacks the key."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _text(*values: object) -> str | None:
    """The first of `values` that is a non-empty str."""
    return next((v for v in values if isinstance(v, str) and v), None)


def error_code_of(body: object) -> str | None:
    """The `error.details.error_code` of an error body, if it is a str."""
    code = _member(body, "error", "details", "error_code")
    return code if isinstance(code, str) else None


def error_body(content: bytes) -> object:
    """An error reply's body as the official SDK keeps it: the JSON it holds, else its
    text without surrounding whitespace (`""` for an empty body)."""
    import json

    text = content.decode("utf-8", "replace").strip()
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def make_status_error(
    response: HTTPResponse, body: object, *, status_code: int | None = None
) -> APIStatusError:
    """The exception for an error reply, or for an `error` event of a stream.

    `body` is the reply's (`error_body`) or the event's JSON. The class is picked by
    `status_code` (the response's, unless given: for an event, the status its
    `error.type` stands for) and `error.details.error_code` (`status_error_class`). The
    message is the one the official SDK (2.17) builds from the response:
    `"{status} {error.message} ({items})"`, where the items are those present among
    `error_code`, `request_id` (the `request-id` header, else the body's), `path` (of the
    request URL) and `type` (`error.type`); without `error.message`, the body's text, or
    its JSON, or `{status} status code (no body)`; no status in front below 400 (as for
    an event of a 200 stream). When `error.details` holds more than `error_code`, its
    JSON follows on the next lines.
    """
    import json

    from ._ratelimits import RateLimitInfo

    http_status, headers, request = response.status_code, response.headers, response.request
    request_id = _text(headers.get("request-id"), _member(body, "request_id"))
    if 300 <= http_status < 400:  # not followed (the official SDK follows them)
        message = f"redirect to {headers.get('location')!r}, which is not followed (check base_url)"
        details = None
    else:
        text = _text(_member(body, "error", "message"), body)
        details = _member(body, "error", "details") if text else None
        if text is None and body == "":
            message = f"{http_status} status code (no body)"
        else:
            text = text or json.dumps(body, separators=(",", ":"), ensure_ascii=False)
            message = f"{http_status} {text}" if http_status >= 400 else text
    error_type = _text(_member(body, "error", "type"))
    items = {
        "error_code": _text(error_code_of(body)),
        "request_id": request_id,
        "path": None if request is None else urlsplit(request.url).path,
        "type": error_type,
    }
    listed = ", ".join(f"{label}: {value}" for label, value in items.items() if value)
    if listed:
        message = f"{message} ({listed})"
    if details is not None and (not isinstance(details, dict) or details.keys() - {"error_code"}):
        message += "\n\n" + json.dumps(details, indent=2, ensure_ascii=False)
    status = http_status if status_code is None else status_code
    return status_error_class(status, error_code_of(body))(
        message,
        status_code=status,
        type=error_type,
        request_id=request_id,
        body=body,
        response=response,
        rate_limits=RateLimitInfo.from_headers(headers),
        request=request,
    )


AnthropicError = ClaudeError
