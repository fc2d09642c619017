"""Google credentials for tests: a service account file whose token endpoint is a
FakeClaude on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

from anyio_claude.testing import FakeClaude


def service_account_file(tmp_path: Path, server: FakeClaude) -> Path:
    """A fresh service account (a new RSA key) whose token URI is `server`'s."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "sa-project",
                "private_key_id": "k1",
                "private_key": pem,
                "client_email": "claude@sa-project.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": f"{server.url}/google/token",
            }
        )
    )
    return path
