"""FakeClaude's token endpoint, `POST /v1/oauth/token`: workload-identity exchanges
(RFC 7523 `jwt-bearer`) and `refresh_token` grants, with the tokens it issued accepted as
`Authorization: Bearer` on the API's other routes."""

from __future__ import annotations

import itertools
from typing import Any

import anyio

from ..types import encode_json
from ._http import Response
from ._routing import ApiRequest, json_response

__all__ = ("FakeTokenEndpoint",)

_JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_FEDERATION_BETA = "oidc-federation-2026-04-01"
OAUTH_BETA = "oauth-2025-04-20"


def _oauth_error(status: int, error: str, description: str) -> Response:
    body = encode_json({"error": error, "error_description": description})
    return json_response(body, status)


class FakeTokenEndpoint:
    """`server.oauth`: what the token endpoint accepts, and what it did.

    `identity_tokens` are the assertions it exchanges (None: any non-empty one),
    `refresh_tokens` the refresh tokens it honours (None: any); `expires_in` is the life
    of each access token in seconds, `delay` a wait before each answer (to overlap
    requests). `exchanges` counts the grants answered; `issued` lists the access tokens
    minted, in order; `revoke(token)` makes the API answer a request bearing it with 401,
    and `accept_issued = False` does that for every token (old and new).
    """

    def __init__(self) -> None:
        self.identity_tokens: set[str] | None = None
        self.refresh_tokens: set[str] | None = None
        self.expires_in = 600
        self.delay = 0.0
        self.accept_issued = True
        self.exchanges = 0
        self.issued: list[str] = []
        self.grants: list[dict[str, Any]] = []
        self._valid: set[str] = set()
        self._counter = itertools.count(1)

    def revoke(self, token: str) -> None:
        """Reject `token` from now on (as a revoked or expired token is)."""
        self._valid.discard(token)

    def knows(self, token: str) -> bool:
        """Whether `token` was minted here (valid or not)."""
        return token in self.issued

    def accepts(self, token: str) -> bool:
        """Whether `token` was minted here and not revoked."""
        return self.accept_issued and token in self._valid

    def _mint(self) -> dict[str, Any]:
        token = f"sk-ant-oat01-fake-{next(self._counter):06d}"
        self.issued.append(token)
        self._valid.add(token)
        return {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}

    async def handle(self, request: ApiRequest) -> Response:
        """Answer one grant."""
        if self.delay:
            await anyio.sleep(self.delay)
        body = request.json
        if request.method != "POST" or not isinstance(body, dict):
            return _oauth_error(400, "invalid_request", "expected a JSON object POST")
        grant: dict[str, Any] = body  # pyright: ignore[reportUnknownVariableType]
        self.grants.append(
            {k: v for k, v in grant.items() if k not in ("assertion", "refresh_token")}
        )
        betas = [b.strip() for b in request.headers.get("anthropic-beta", "").split(",")]
        kind = grant.get("grant_type")
        if kind == _JWT_BEARER:
            if _FEDERATION_BETA not in betas:
                return _oauth_error(
                    400, "invalid_request", f"the {_FEDERATION_BETA} beta is required"
                )
            assertion = grant.get("assertion")
            missing = [k for k in ("federation_rule_id", "organization_id") if not grant.get(k)]
            if missing:
                return _oauth_error(400, "invalid_request", f"missing {', '.join(missing)}")
            if (
                not isinstance(assertion, str)
                or not assertion
                or (self.identity_tokens is not None and assertion not in self.identity_tokens)
            ):
                return _oauth_error(
                    401, "invalid_grant", "the assertion matches no federation rule"
                )
            self.exchanges += 1
            return json_response(encode_json(self._mint()))
        if kind == "refresh_token":
            refresh = grant.get("refresh_token")
            if (
                not isinstance(refresh, str)
                or not refresh
                or (self.refresh_tokens is not None and refresh not in self.refresh_tokens)
            ):
                return _oauth_error(400, "invalid_grant", "unknown refresh token")
            self.exchanges += 1
            reply = self._mint()
            reply["refresh_token"] = f"{refresh}-r"
            if self.refresh_tokens is not None:
                self.refresh_tokens.add(reply["refresh_token"])
            return json_response(encode_json(reply))
        return _oauth_error(400, "unsupported_grant_type", f"grant_type {kind!r}")
