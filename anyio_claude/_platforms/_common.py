"""What every platform client shares: no credential read from the Anthropic environment,
copies built from the platform's own constructor options, and the path checks."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .._client import AsyncClaude, _checked_secret
from .._secret import SecretStr

__all__ = ("PlatformClient", "checked_key", "env", "given", "path_segment", "secret_or_none")

_DOT_SEGMENT = re.compile(r"^(?:\.|%2[eE]){1,2}$")


class PlatformClient(AsyncClaude):
    """An `AsyncClaude` whose credentials are the platform's: it never reads
    `ANTHROPIC_API_KEY`/`ANTHROPIC_AUTH_TOKEN` or a profile, and its copies
    (`with_options`) are built from its own constructor options."""

    _discover_credentials = False
    # The platform constructor's own arguments (credentials as SecretStr), for copies.
    _platform_options: dict[str, Any]
    # Whether the base URL was derived (from a region): a copy derives its own.
    _derived_url: bool

    def _construct(self, platform: Mapping[str, Any], **options: Any) -> AsyncClaude:
        del options["api_key"], options["auth_token"]
        if self._derived_url and options["base_url"] == self._raw_base_url:
            options["base_url"] = None
        return type(self)(**{**self._platform_options, **platform}, **options)


def env(name: str) -> str | None:
    """The environment variable `name`, None when unset (an empty value counts, as in
    the official SDK's `os.environ.get`)."""
    return os.environ.get(name)


def secret_or_none(value: str | None) -> SecretStr | None:
    return None if value is None else SecretStr(value)


def checked_key(argument: str, value: SecretStr | None) -> SecretStr | None:
    """`value` stripped, or `ValueError`/`TypeError` naming `argument` (never showing the
    value): the check `AsyncClaude` makes of its own key, under the platform's name."""
    return _checked_secret(argument, value)


def path_segment(name: str, value: object) -> str:
    """`value` percent-encoded for one path segment (RFC 3986 `pchar` kept), as the
    official SDK's path templates; raises `ValueError` naming `name` for an empty value,
    a dot-segment, or one that starts with `;`."""
    text = str(value)
    if text == "":
        raise ValueError(f"Expected a non-empty value for `{name}` but received {value!r}")
    quoted = quote(text, safe="!$&'()*+,;=:@")
    if _DOT_SEGMENT.match(quoted.partition(";")[0]) or quoted.startswith(";"):
        raise ValueError(f"`{name}` {value!r} cannot be a path segment")
    return quoted


def given(**values: object) -> dict[str, object]:
    """The keyword arguments that are not None (what a `with_options` call changes)."""
    return {name: value for name, value in values.items() if value is not None}
