"""The platform clients: Claude through AWS Bedrock (and Bedrock Mantle, AnthropicAWS),
Google Vertex AI and Microsoft Foundry. Each is an `AsyncClaude` that routes and
authenticates its own way (`_call` and a `RequestAuth`); the resources, streams and the
retry driver are the same. The modules import their optional extras on first use."""

from __future__ import annotations

__all__ = ()
