"""The models the fake offers, and the cursor pagination that `models` and `batches` share."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TypeVar

from ..types import ModelInfo, Page
from ._common import invalid

__all__ = ("DEFAULT_MODELS", "ModelCatalog", "paginate")

_T = TypeVar("_T")


def _model(
    id: str, name: str, date: tuple[int, int, int], max_tokens: int, max_input: int = 200_000
) -> ModelInfo:
    created = datetime(*date, tzinfo=timezone.utc)
    return ModelInfo(
        id=id,
        type="model",
        display_name=name,
        created_at=created,
        max_input_tokens=max_input,
        max_tokens=max_tokens,
    )


DEFAULT_MODELS: tuple[ModelInfo, ...] = (
    _model("claude-opus-4-5-20250929", "Claude Opus 4.5", (2025, 9, 29), 64_000),
    _model("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", (2025, 9, 29), 64_000),
    _model("claude-haiku-4-5-20251001", "Claude Haiku 4.5", (2025, 10, 1), 64_000),
    _model("claude-opus-4-1-20250805", "Claude Opus 4.1", (2025, 8, 5), 32_000),
    _model("claude-opus-4-20250514", "Claude Opus 4", (2025, 5, 14), 32_000),
    _model("claude-sonnet-4-20250514", "Claude Sonnet 4", (2025, 5, 14), 64_000),
    _model("claude-3-7-sonnet-20250219", "Claude Sonnet 3.7", (2025, 2, 19), 64_000),
    _model("claude-3-5-haiku-20241022", "Claude Haiku 3.5", (2024, 10, 22), 8_192),
    _model("claude-3-haiku-20240307", "Claude Haiku 3", (2024, 3, 7), 4_096),
)
"""The models a `FakeClaude` knows unless told otherwise, newest first."""

_DATED = re.compile(r"^(?P<base>.+)-(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")


def model_from_id(model_id: str) -> ModelInfo:
    """A plausible `ModelInfo` for a bare id (`claude-foo-2-1-20260101` → "Claude Foo 2.1")."""
    match = _DATED.match(model_id)
    base = match["base"] if match else model_id
    created = datetime(2025, 1, 1, tzinfo=timezone.utc)
    if match:
        try:
            created = datetime(
                int(match["y"]), int(match["m"]), int(match["d"]), tzinfo=timezone.utc
            )
        except ValueError:
            pass
    words: list[str] = []
    for part in base.split("-"):
        if part.isdigit() and words and words[-1][-1:].isdigit():
            words[-1] += "." + part
        else:
            words.append(part.capitalize())
    return ModelInfo(
        id=model_id,
        type="model",
        display_name=" ".join(words),
        created_at=created,
        max_input_tokens=200_000,
        max_tokens=64_000,
    )


class ModelCatalog:
    """Model lookup by id or alias (`claude-sonnet-4-5`, `claude-3-7-sonnet-latest`)."""

    def __init__(self, models: Sequence[str | ModelInfo]) -> None:
        infos = [m if isinstance(m, ModelInfo) else model_from_id(m) for m in models]
        # sorted() is stable, so models of the same date keep the order they were given in.
        self.models: list[ModelInfo] = sorted(infos, key=lambda m: m.created_at, reverse=True)
        self._by_id: dict[str, ModelInfo] = {}
        for info in self.models:
            match = _DATED.match(info.id)
            if match:
                self._by_id.setdefault(match["base"], info)
                self._by_id.setdefault(f"{match['base']}-latest", info)
        self._by_id.update((m.id, m) for m in self.models)

    def get(self, model_id: str) -> ModelInfo | None:
        """The model an id or alias names, or None."""
        return self._by_id.get(model_id)


def _query_int(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(f"{name}: Input should be a valid integer") from None
    if not low <= value <= high:
        raise invalid(f"{name}: Input should be between {low} and {high}")
    return value


def paginate(items: Sequence[_T], key: Callable[[_T], str], query: Mapping[str, str]) -> Page:
    """One page of `items` for the `limit`, `after_id` and `before_id` query parameters.

    Raises `RequestError` (400) for a bad limit, both cursors at once, or an unknown cursor.
    """
    limit = _query_int(query, "limit", 20, 1, 1000)
    after, before = query.get("after_id"), query.get("before_id")
    if after is not None and before is not None:
        raise invalid("after_id and before_id cannot both be given")
    ids = [key(item) for item in items]
    if after is not None:
        if after not in ids:
            raise invalid(f"after_id: no object with id {after!r}")
        start = ids.index(after) + 1
        chosen = items[start : start + limit]
        has_more = start + limit < len(items)
    elif before is not None:
        if before not in ids:
            raise invalid(f"before_id: no object with id {before!r}")
        end = ids.index(before)
        chosen = items[max(0, end - limit) : end]
        has_more = end - limit > 0
    else:
        chosen = items[:limit]
        has_more = limit < len(items)
    return Page(
        data=list(chosen),
        has_more=has_more,
        first_id=key(chosen[0]) if chosen else None,
        last_id=key(chosen[-1]) if chosen else None,
    )
