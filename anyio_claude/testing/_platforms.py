"""FakeClaude as Amazon Bedrock and Google Vertex AI: their routes, authentication and
framing, in front of the same messages route.

Bedrock: `POST /model/{id}/invoke` and `/invoke-with-response-stream` (streams in AWS's
event-stream framing), authenticated with a Bedrock API key (`Authorization: Bearer`) or
a SigV4 signature that is recomputed here with botocore from the known test credentials
(`FakeClaude.aws_credentials`); a wrong one gets 403. Errors come in Bedrock's shape
(`{"message": ...}` with `x-amzn-ErrorType`).

Vertex AI: `POST /v1/projects/{p}/locations/{r}/publishers/anthropic/models/{m}:rawPredict`
(`:streamRawPredict` for streams, `count-tokens:rawPredict` for token counting), with a
bearer token; Claude on Google Cloud: the API's own routes under
`/v1/projects/{p}/locations/{l}/workspaces/{w}/invoke`, with a bearer token.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ._fake_model import ModelSpec, RequestError
from ._http import Response
from ._messages import Framing
from ._routing import ApiRequest, error_response, json_response

if TYPE_CHECKING:
    from ._server import FakeClaude

__all__ = ("AwsTestCredentials", "BedrockRoute", "VertexRoute", "platform_model")


@dataclass(frozen=True)
class AwsTestCredentials:
    """Credentials the fake Bedrock accepts SigV4 signatures from (a session token, when
    set, must come with them)."""

    access_key: str
    secret_key: str
    session_token: str | None = None

    def __repr__(self) -> str:
        return f"AwsTestCredentials(access_key={self.access_key[:4]!r}...)"


_BEDROCK_PATH = re.compile(
    r"/model/(?P<model>[^/]+)/(?P<action>invoke|invoke-with-response-stream)"
)
_BEDROCK_ID = re.compile(r"^(?:[a-z]{2,6}\.)?anthropic\.(?P<name>.+?)(?:-v\d+(?::\d+)?)?$")
_VERTEX_PATH = re.compile(
    r"/v1/projects/(?P<project>[^/]+)/locations/(?P<region>[^/]+)/publishers/anthropic/"
    r"models/(?P<model>[^/:]+):(?P<action>rawPredict|streamRawPredict)"
)
_GATEWAY_PATH = re.compile(
    r"/v1/projects/[^/]+/locations/[^/]+/workspaces/[^/]+/invoke(?P<rest>/v1/.*)"
)
_SIGV4 = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})"
)
# Bedrock names its errors by exception; the status says which.
_BEDROCK_ERRORS = {
    400: "ValidationException",
    401: "UnrecognizedClientException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    413: "ValidationException",
    429: "ThrottlingException",
    503: "ServiceUnavailableException",
    529: "ServiceUnavailableException",
}


def platform_model(models: Mapping[str, ModelSpec], name: str) -> str | None:
    """The fake's model a platform's model id names: Bedrock's
    `[geo.]anthropic.{model}[-v1:0]`, Vertex's `{model}@{date}`, or the model itself."""
    candidates = [name]
    bedrock = _BEDROCK_ID.match(name)
    if bedrock:
        candidates.append(bedrock["name"])
    base, at, date = name.partition("@")
    if at:
        candidates += [f"{base}-{date}", base]
    return next((models[c].id for c in candidates if c in models), None)


def bedrock_error(status: int, message: str) -> Response:
    """An error as Bedrock sends it (the request id comes in the header every reply gets)."""
    name = _BEDROCK_ERRORS.get(status, "InternalServerException")
    body = json.dumps({"message": message}).encode()
    return json_response(
        body,
        status,
        [("x-amzn-errortype", f"{name}:http://internal.amazon.com/coral/com.amazon.bedrock/")],
    )


class BedrockRoute:
    """The Bedrock runtime routes of a `FakeClaude`."""

    def __init__(self, server: FakeClaude) -> None:
        self.server = server

    def authenticate(self, request: ApiRequest, target: str) -> str | None:
        """Why the request is not authenticated, or None when it is."""
        authorization = request.headers.get("authorization", "")
        if authorization.startswith("Bearer "):
            key = authorization.removeprefix("Bearer ")
            keys = self.server.api_keys
            return None if key and (keys is None or key in keys) else "Invalid API key"
        if not authorization.startswith("AWS4-HMAC-SHA256 "):
            return "Missing Authentication Token"
        return self.check_signature(request, target, ("bedrock",))

    def check_signature(
        self, request: ApiRequest, target: str, services: tuple[str, ...]
    ) -> str | None:
        """Why the SigV4 signature of `request` (sent to `target`) is not one of the known
        credentials' for one of `services`, or None when it is."""
        authorization = request.headers.get("authorization", "")
        from botocore.auth import SigV4Auth  # type: ignore[import-untyped]
        from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]
        from botocore.credentials import Credentials  # type: ignore[import-untyped]

        parts = _SIGV4.fullmatch(authorization)
        if parts is None:
            return "Authorization header is malformed"
        known = {c.access_key: c for c in self.server.aws_credentials}.get(parts["key"])
        if known is None:
            return "The security token included in the request is invalid."
        if known.session_token is not None and (
            request.headers.get("x-amz-security-token") != known.session_token
        ):
            return "The security token included in the request is invalid."
        timestamp = request.headers.get("x-amz-date", "")
        if timestamp[:8] != parts["date"] or parts["service"] not in services:
            return f"Credential should be scoped to a valid date and to {' or '.join(services)}."
        signed = parts["signed"].split(";")
        if "host" not in signed:
            return "'Host' must be a signed header."
        headers = {name: request.headers.get(name, "") for name in signed}
        aws_request = AWSRequest(
            method=request.method,
            url=f"http://{request.headers.get('host', '')}{target}",
            headers=headers,
            data=request.body,
        )
        aws_request.context["timestamp"] = timestamp
        signer = SigV4Auth(
            Credentials(known.access_key, known.secret_key, known.session_token),
            parts["service"],
            parts["region"],
        )
        expected = signer.signature(
            signer.string_to_sign(aws_request, signer.canonical_request(aws_request)),
            aws_request,
        )
        if not hmac.compare_digest(expected, parts["signature"]):
            return (
                "The request signature we calculated does not match the signature you "
                "provided. Check your AWS Secret Access Key and signing method."
            )
        return None

    async def handle(self, request: ApiRequest, target: str) -> Response:
        """`POST /model/{id}/invoke[-with-response-stream]`."""
        problem = self.authenticate(request, target)
        if problem is not None:
            return bedrock_error(403, problem)
        route = _BEDROCK_PATH.fullmatch(request.path)
        if route is None or request.method != "POST":
            return bedrock_error(404, f"Not found: {request.method} {request.path}")
        body = request.json
        if not isinstance(body, dict):
            return bedrock_error(
                400, "Malformed input request, please reformat your input and try again."
            )
        problem = _bedrock_body_problem(body)
        if problem is not None:
            return bedrock_error(400, f"Malformed input request: {problem}")
        model = platform_model(self.server.models, unquote(route["model"]))
        if model is None:
            return bedrock_error(400, "The provided model identifier is invalid.")
        streaming = route["action"] == "invoke-with-response-stream"
        inner = _as_messages_request(request, body, model, streaming)
        framing: Framing = "eventstream" if streaming else "sse"
        try:
            response = await self.server._messages.create(inner, framing)
        except RequestError as exc:
            return bedrock_error(exc.status, exc.message)
        if response.status >= 400 and isinstance(response.body, bytes):
            return bedrock_error(response.status, _message_of(response.body))
        return response


def _bedrock_body_problem(body: Mapping[str, Any]) -> str | None:
    if not isinstance(body.get("anthropic_version"), str):
        return "#: required key [anthropic_version] not found"
    for key in ("model", "stream"):
        if key in body:
            return f"#: extraneous key [{key}] is not permitted"
    return None


def _as_messages_request(
    request: ApiRequest, body: Mapping[str, Any], model: str, streaming: bool
) -> ApiRequest:
    """The `POST /v1/messages` a platform request stands for."""
    inner = {k: v for k, v in body.items() if k not in ("anthropic_version", "anthropic_beta")}
    inner["model"] = model
    if streaming:
        inner["stream"] = True
    headers = dict(request.headers)
    betas = body.get("anthropic_beta")
    if isinstance(betas, list):
        headers["anthropic-beta"] = ",".join(str(b) for b in betas)
    return replace(request, method="POST", path="/v1/messages", json=inner, headers=headers)


def _message_of(body: bytes) -> str:
    try:
        error = json.loads(body).get("error") or {}
    except (ValueError, AttributeError):
        return body.decode("utf-8", "replace")
    message = error.get("message") if isinstance(error, dict) else None
    return message if isinstance(message, str) else body.decode("utf-8", "replace")


class VertexRoute:
    """The Vertex AI routes of a `FakeClaude`: Anthropic's API under the publisher path,
    and a Google OAuth token endpoint (`POST /google/token`: a refresh-token grant, or a
    service account's JWT-bearer grant, its signature not checked) whose access tokens it
    then accepts."""

    def __init__(self, server: FakeClaude) -> None:
        self.server = server
        self.issued: list[str] = []  # the access tokens minted, in order

    async def token(self, request: ApiRequest) -> Response:
        """`POST /google/token`: an access token for a refresh token or a JWT assertion."""
        from urllib.parse import parse_qs

        form = parse_qs(request.body.decode("utf-8", "replace"))
        grant = form.get("grant_type", [""])[0]
        if not (
            (grant == "refresh_token" and form.get("refresh_token"))
            or (grant == "urn:ietf:params:oauth:grant-type:jwt-bearer" and form.get("assertion"))
        ):
            body = json.dumps({"error": "invalid_grant", "error_description": "Bad Request"})
            return json_response(body.encode(), 400)
        token = f"ya29.fake-{len(self.issued) + 1}"
        self.issued.append(token)
        body = json.dumps({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})
        return json_response(body.encode())

    async def handle(self, request: ApiRequest) -> Response:
        """`POST .../models/{model}:rawPredict|streamRawPredict` and
        `.../models/count-tokens:rawPredict`."""
        rid = request.request_id
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        tokens = self.server.google_tokens
        if tokens is not None:
            tokens = tokens | set(self.issued)
        if not token or (tokens is not None and token not in tokens):
            return _google_error(
                401, "UNAUTHENTICATED", "Request had invalid authentication credentials."
            )
        gateway = _GATEWAY_PATH.fullmatch(request.path)
        if gateway is not None:
            # Claude on Google Cloud: the API itself, under the workspace's path.
            return await self.server._route(replace(request, path=gateway["rest"]))
        route = _VERTEX_PATH.fullmatch(request.path)
        if route is None or request.method != "POST":
            return error_response(
                404, "not_found_error", f"Not found: {request.method} {request.path}", rid
            )
        body = request.json
        if not isinstance(body, dict) or not isinstance(body.get("anthropic_version"), str):
            return error_response(
                400, "invalid_request_error", "anthropic_version: Field required", rid
            )
        if "model" in body and route["model"] != "count-tokens":
            return error_response(
                400, "invalid_request_error", "model: Extra inputs are not permitted", rid
            )
        messages = self.server._messages
        try:
            if route["model"] == "count-tokens":
                inner_body = {k: v for k, v in body.items() if k != "anthropic_version"}
                if isinstance(body.get("model"), str):
                    named = platform_model(self.server.models, body["model"])
                    inner_body["model"] = named or body["model"]
                inner = replace(request, path="/v1/messages/count_tokens", json=inner_body)
                return await messages.count_tokens(inner)
            model = platform_model(self.server.models, unquote(route["model"]))
            if model is None:
                return error_response(
                    404, "not_found_error", f"Publisher model {route['model']} not found", rid
                )
            streaming = route["action"] == "streamRawPredict"
            inner = _as_messages_request(request, body, model, streaming)
            return await messages.create(inner)
        except RequestError as exc:
            return error_response(exc.status, exc.error_type, exc.message, rid)


def _google_error(status: int, state: str, message: str) -> Response:
    body = json.dumps({"error": {"code": status, "message": message, "status": state}}).encode()
    return json_response(body, status)
