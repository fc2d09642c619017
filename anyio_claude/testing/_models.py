"""`GET /v1/models` and `GET /v1/models/{id}`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..types import encode_json
from ._fake_model import ModelSpec, RequestError
from ._http import Response
from ._routing import ApiRequest, json_response, page

__all__ = ("ModelsRoute",)


_STAGES = {"active", "deprecated", "retired"}


class ModelsRoute:
    """Lists and retrieves the models the server was given, newest first: `lifecycle[]`
    filters the list (by default active and deprecated models, as the API lists them)."""

    def __init__(self, models: Mapping[str, ModelSpec]) -> None:
        self.models = models

    async def __call__(self, request: ApiRequest) -> Response:
        if request.method != "GET":
            raise RequestError(
                404, "not_found_error", f"Not found: {request.method} {request.path}"
            )
        if request.path == "/v1/models":
            stages = set(request.query_list("lifecycle")) or {"active", "deprecated"}
            if not stages <= _STAGES:
                raise RequestError(
                    400,
                    "invalid_request_error",
                    f"lifecycle: each value must be one of {', '.join(sorted(_STAGES))}",
                )
            unique = {m.id: m for m in self.models.values()}.values()  # not aliases
            listed = [m for m in unique if m.lifecycle in stages]
            ordered = sorted(listed, key=lambda m: m.created_at, reverse=True)
            return page(request.query, [model_object(m) for m in ordered])
        model_id = request.path.removeprefix("/v1/models/")
        model = self.models.get(model_id)
        if model is None:
            raise RequestError(404, "not_found_error", f"model: {model_id.rsplit('/', 1)[-1]}")
        return json_response(encode_json(model_object(model)))


def model_object(model: ModelSpec) -> dict[str, Any]:
    """The API's model object."""
    return {
        "id": model.id,
        "type": "model",
        "display_name": model.display_name,
        "created_at": model.created_at,
        "max_tokens": model.max_tokens,
        "lifecycle": model.lifecycle,
    }
