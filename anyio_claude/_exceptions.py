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
    "IdentityTokenFileError",
    "ProtocolError",
    "RetryableError",
    "SSEProtocolError",
    "ValidationError",
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
    """Credentials could not be loaded (the official SDK's credential providers; never
    raised here, where the key or token is passed or read from the environment)."""


class IdentityTokenFileError(CredentialsError):
    """An identity token file could not be read (`path`; never raised here)."""

    path: pathlib.Path | None

    def __init__(self, message: str, *, path: pathlib.Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class RetryableError(ClaudeError):
    """Raise it from a middleware to have the client retry the attempt, while
    `max_retries` allows (then it reaches the caller as is)."""
