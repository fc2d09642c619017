"""The default TLS context: the system's trust store, with the CA bundles Linux
distributions keep for an OpenSSL whose compiled-in paths point nowhere."""

from __future__ import annotations

import os
import re
import ssl
import sys

# Where Linux distributions keep their CA bundle, for an OpenSSL whose compiled-in paths
# point nowhere (as truststore and the official SDK's httpcore2 look).
_CA_FILE_CANDIDATES = (
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
)


def default_ssl_context(*, trust_env: bool = True) -> ssl.SSLContext:
    """The context `verify=True` checks servers with, chosen as the official SDK's HTTP
    stack (httpx2) chooses it, so a certificate trusted there is trusted here.

    With `trust_env`, `SSL_CERT_FILE` (else `SSL_CERT_DIR`) names the CA certificates,
    as corporate TLS-inspecting proxies need. Otherwise the system's store: Windows'
    certificate stores, or the CA bundle of the OpenSSL build or of the distribution;
    certifi's bundle only where the system has none.
    """
    if trust_env and (cafile := os.environ.get("SSL_CERT_FILE")):
        return ssl.create_default_context(cafile=cafile)
    if trust_env and (capath := os.environ.get("SSL_CERT_DIR")):
        return ssl.create_default_context(capath=capath)
    if sys.platform == "win32":  # pragma: no cover - the project's tests run on Linux
        return ssl.create_default_context()
    # Not `set_default_verify_paths()`: it reads SSL_CERT_* again, whatever `trust_env` says.
    paths = ssl.get_default_verify_paths()
    cafile = paths.openssl_cafile if os.path.isfile(paths.openssl_cafile) else None
    capath = paths.openssl_capath if os.path.isdir(paths.openssl_capath) else None
    if capath is not None and not any(
        re.fullmatch(r"[0-9a-fA-F]{8}\.\d+", name) for name in os.listdir(capath)
    ):
        capath = None  # a directory without hashed names is no CA directory for OpenSSL
    if cafile is None and capath is None:
        cafile = next(filter(os.path.isfile, _CA_FILE_CANDIDATES), None)
    if cafile is None and capath is None:
        import certifi

        cafile = certifi.where()
    return ssl.create_default_context(cafile=cafile, capath=capath)
