"""What every FakeClaude route shares: the request it gets, and how it answers."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..types import encode_json
from ._fake_model import RequestError
from ._http import Response, error_body

__all__ = (
    "INVALID",
    "MAX_DEPTH",
    "ApiRequest",
    "RequestError",
    "error_response",
    "json_response",
    "page",
    "parse_json",
    "too_deep",
)


@dataclass(frozen=True)
class ApiRequest:
    """A request as routes see it: parsed query (`query` keeps the last value of a name,
    `query_items` every pair in order), JSON body (None for multipart), raw body and its
    `request-id`."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    json: Any
    body: bytes
    request_id: str
    query_items: tuple[tuple[str, str], ...] = ()

    def query_list(self, name: str) -> list[str]:
        """Every value of a list in the query, sent as repeated `name[]` (the official
        SDK's way)."""
        return [value for key, value in self.query_items if key == f"{name}[]"]


def json_response(
    body: bytes,
    status: int = 200,
    extra: Sequence[tuple[str, str]] = (),
    content_type: str = "application/json",
) -> Response:
    """A whole JSON (or other) body with its content type and length."""
    headers = [("content-type", content_type), ("content-length", str(len(body))), *extra]
    return Response(status, headers, body)


def error_response(
    status: int,
    error_type: str,
    message: str,
    request_id: str,
    extra: Sequence[tuple[str, str]] = (),
    *,
    details: Mapping[str, Any] | None = None,
) -> Response:
    """An error in the API's shape (with `error.details` when given)."""
    return json_response(error_body(error_type, message, request_id, details), status, extra)


def page(query: Mapping[str, str], items: list[dict[str, Any]]) -> Response:
    """One page of a list endpoint (`limit`, `after_id`, `before_id`), newest first."""
    try:
        limit = int(query.get("limit", "20"))
    except ValueError:
        raise RequestError(
            400, "invalid_request_error", "limit: Input should be a valid integer"
        ) from None
    if not 1 <= limit <= 1000:
        raise RequestError(400, "invalid_request_error", "limit: range: 1..1000")
    ids = [item["id"] for item in items]
    if "after_id" in query:
        start = ids.index(query["after_id"]) + 1 if query["after_id"] in ids else len(ids)
        chosen = items[start : start + limit]
        has_more = start + limit < len(items)
    elif "before_id" in query:
        end = ids.index(query["before_id"]) if query["before_id"] in ids else 0
        chosen = items[max(0, end - limit) : end]
        has_more = end - limit > 0
    else:
        chosen, has_more = items[:limit], len(items) > limit
    body = {
        "data": chosen,
        "has_more": has_more,
        "first_id": chosen[0]["id"] if chosen else None,
        "last_id": chosen[-1]["id"] if chosen else None,
    }
    return json_response(encode_json(body))


INVALID = object()
MAX_DEPTH = 100


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number out of range: {text}")
    return value


def _reject(text: str) -> None:
    raise ValueError(f"not JSON: {text}")


def parse_json(body: bytes) -> Any:
    """The JSON body, or `INVALID` for what is not strict JSON (NaN, 1e400, ...)."""
    try:
        return json.loads(body, parse_float=_finite, parse_constant=_reject)
    except (ValueError, RecursionError):
        return INVALID


def too_deep(value: Any) -> bool:
    level: list[Any] = [value]
    for _ in range(MAX_DEPTH):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return False
    return True
