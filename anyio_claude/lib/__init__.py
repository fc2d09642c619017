"""Helpers under the official SDK's module paths (`anthropic.lib`)."""
