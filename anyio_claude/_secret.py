"""Keeping credentials out of reprs, messages and tracebacks, and checking headers early.

A key can reach a traceback through any frame that holds it in a local: a traceback
formatter with `capture_locals=True` (Sentry and friends do this) prints `repr()` of each.
So credentials travel as `SecretStr`/`SecretBytes`, whose reprs are redacted, and the
checks below report what is wrong with a value without ever quoting it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import SplitResult, urlsplit

__all__ = (
    "SECRET_HEADERS",
    "SecretBytes",
    "SecretHeaders",
    "SecretStr",
    "encode_headers",
    "redact_url",
    "secret_problem",
)

SECRET_HEADERS = frozenset(
    {
        b"x-api-key",
        b"authorization",
        b"proxy-authorization",
        b"api-key",  # Foundry's second key header
        b"x-amz-security-token",  # an AWS session token, next to a SigV4 signature
    }
)

# RFC 9110 token characters, and field values: visible characters, spaces and tabs inside.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE_CHAR = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")


class SecretStr(str):
    """A str whose repr hides it (its value is the real credential)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<redacted>'"


class SecretBytes(bytes):
    """A header value whose repr hides it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "b'<redacted>'"


def secret_problem(value: object) -> str | None:
    """What is wrong with a credential (after stripping surrounding whitespace), or None.

    It returns rather than raises, so that no frame holding the value is in the
    traceback of the error the caller raises.
    """
    if not isinstance(value, str):
        return f"must be a str, got {type(value).__name__}"
    if not value.strip():
        return "is empty"
    if not _VISIBLE_ASCII.fullmatch(value.strip()):
        return (
            "contains whitespace, a control character or a non-ASCII character inside it "
            "(surrounding whitespace is stripped; check how the key was read or pasted)"
        )
    return None


class SecretHeaders(dict[str, str]):
    """A header mapping whose repr hides the values of credential headers."""

    __slots__ = ()

    def __repr__(self) -> str:
        shown = {
            name: "<redacted>" if str(name).lower().encode() in SECRET_HEADERS else value
            for name, value in self.items()
        }
        return repr(shown)


def encode_headers(argument: str, headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    """`headers` as lower-case wire pairs; raises `TypeError`/`ValueError` naming `argument`
    and the header (never the value) when a name or value cannot be sent as is.

    Values are stripped of surrounding whitespace; credential headers become `SecretBytes`.
    """
    pairs: list[tuple[bytes, bytes]] = []
    for name, value in headers.items():
        problem = _header_problem(argument, name, value)
        if problem is not None:
            # Not left in this frame's locals, which tracebacks may show.
            del value
            raise problem
        key = name.lower().encode("ascii")
        wire = SecretBytes if key in SECRET_HEADERS else bytes
        pairs.append((key, wire(value.strip().encode())))
    return pairs


def _header_problem(argument: str, name: object, value: object) -> Exception | None:
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        return ValueError(f"{argument}: {name!r} is not a valid HTTP header name")
    if not isinstance(value, str):
        return TypeError(
            f"{argument}[{name!r}] must be a str, got {type(value).__name__} "
            "(convert numbers with str())"
        )
    if _BAD_VALUE_CHAR.search(value.strip()):
        return ValueError(
            f"{argument}[{name!r}] contains a line break or control character, "
            "which cannot be sent in a header"
        )
    return None


def redact_url(url: str) -> str:
    """`url` with any `user:password@` replaced by `***@`, as a plain str (a `SecretStr`
    given comes back showing itself in a repr: nothing secret is left in it)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return str(url)
    host = parts.netloc.rpartition("@")[2]
    return SplitResult(
        parts.scheme, "***@" + host, parts.path, parts.query, parts.fragment
    ).geturl()
