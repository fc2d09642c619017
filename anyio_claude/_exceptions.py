"""The exceptions the lowest layers raise: `ClaudeError`, the root of every exception
anyio-claude raises on purpose, and the protocol, validation and credential errors.

They sit below everything else (the wire types, the SSE decoder and the accumulator raise
them); the API errors, which carry responses, rate limits and partial messages, are in
`_errors`, which re-exports these. The whole tree is drawn there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pathlib

__all__ = (
    "ClaudeError",
    "CredentialsError",
    "EventProtocolError",
    "EventStreamProtocolError",
    "IdentityTokenFileError",
    "ProtocolError",
    "RetryableError",
    "SSEProtocolError",
    "ValidationError",
    "WorkloadIdentityError",
)


class ClaudeError(Exception):
    """Base class of every exception anyio-claude raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor arguments would break the default pickling; rebuild
        # without calling __init__ and restore the attributes (as the official SDK does).
        return _new_error, (type(self), *self.args), self.__dict__


def _new_error(cls: type[ClaudeError], *args: object) -> ClaudeError:
    error = cls.__new__(cls)
    error.args = args
    return error


class ProtocolError(ClaudeError):
    """The peer sent bytes or events that break the wire protocol."""


class SSEProtocolError(ProtocolError):
    """The event stream broke the SSE framing rules or exceeded the buffered-size cap."""


class EventStreamProtocolError(ProtocolError):
    """An AWS event stream (Bedrock's streaming framing) had a bad CRC, an impossible
    length or broken headers.

    `decoded` holds what the same feed completed before the break (the streams deliver
    it before raising): messages from `EventStreamDecoder.feed`, event JSON from
    `BedrockEventDecoder.feed_data`.
    """

    decoded: list[Any] = []  # noqa: RUF012 - replaced per instance, never mutated


class EventProtocolError(ProtocolError):
    """A stream event was not valid JSON of a known shape, or arrived out of order."""


class ValidationError(ClaudeError, ValueError):
    """`Model.model_validate` / `model_validate_json` got data that is not that type, or a
    tagged type (`TextBlock`, ...) was given another `type`.

    Also a `ValueError`, as pydantic's `ValidationError` is, so `except ValueError` written
    around the official SDK's models catches it too. The message names the type and the
    path to the value (`$.usage.input_tokens`).
    """


class CredentialsError(ClaudeError):
    """Credentials could not be loaded: a broken profile, a provider that failed, an
    http:// token endpoint."""


class WorkloadIdentityError(ClaudeError):
    """The token exchange or refresh at `/v1/oauth/token` failed: `status_code` (None
    when no reply came), `body` (only the OAuth error fields, never echoed secrets),
    `request_id`."""

    status_code: int | None
    body: object
    request_id: str | None

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        body: object = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body
        self.request_id = request_id

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} [request_id={self.request_id}]" if self.request_id else base


class IdentityTokenFileError(CredentialsError):
    """An identity token file could not be read (`path`)."""

    path: pathlib.Path | None

    def __init__(self, message: str, *, path: pathlib.Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class RetryableError(ClaudeError):
    """Raise it from a middleware to have the client retry the attempt, while
    `max_retries` allows (then it reaches the caller as is)."""
