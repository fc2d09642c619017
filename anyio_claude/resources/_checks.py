"""Argument checks shared by the resources: each raises `TypeError`/`ValueError` naming
the argument, before anything is sent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .._request import NotGiven

__all__ = ("beta_headers", "checked_strings", "listed", "option_headers", "type_name")


def type_name(value: object) -> str:
    return type(value).__name__


def listed(name: str, value: object) -> list[Any]:
    """`value` (any iterable but a string or a dict) as a list, so generators can be sent."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a list (any iterable), got {type_name(value)}")
    return value if type(value) is list else list(value)


def checked_strings(name: str, value: object) -> list[str]:
    """`value`, a list (any iterable but a string or a dict) of strings, as a list."""
    items = listed(name, value)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{name} must hold strings, got {type_name(item)}: {item!r}")
    return items


# What the official SDK sends as headers rather than in the body or the query.
_HEADER_ARGS = {
    "user_profile_id": "anthropic-user-profile-id",
    "workspace_id": "anthropic-workspace-id",
}


def option_headers(extra_headers: Mapping[str, str] | None, **args: object) -> dict[str, str]:
    """The headers of the arguments `workspace_id` and `user_profile_id` (those given: not
    None or NOT_GIVEN), then `extra_headers`, which win, as in the official SDK.

    Raises `TypeError` naming an argument that is not a str.
    """
    headers: dict[str, str] = {}
    for name, value in args.items():
        if value is None or isinstance(value, NotGiven):
            continue
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str, got {type_name(value)}: {value!r}")
        headers[_HEADER_ARGS[name]] = value
    return {**headers, **(extra_headers or {})}


def beta_headers(
    betas: Sequence[str] | None,
    extra_headers: Mapping[str, str] | None,
    *always: str,
) -> dict[str, str]:
    """`extra_headers` plus `anthropic-beta` listing `betas` then `always` (no repeats).

    As in the official SDK, an `anthropic-beta` given in `extra_headers` wins. Raises
    `TypeError` naming `betas` if it is a string rather than a list of names.
    """
    if isinstance(betas, str | bytes):
        raise TypeError(f"betas must be a list of beta names, not a string: use betas=[{betas!r}]")
    names = list(dict.fromkeys([*(betas or ()), *always]))
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"betas must hold strings, got {type(name).__name__}: {name!r}")
    headers = {"anthropic-beta": ",".join(names)} if names else {}
    return {**headers, **(extra_headers or {})}
