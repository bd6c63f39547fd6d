"""A test certificate authority so Hip Rest is timed with request verification ON.

The chain (root -> intermediate -> leaf with echo-api.amazon.com) comes from
``tests/support/certs.py``; the verifier trusts only that root and "downloads"
the chain from memory, so the certificate cache is warm after the first request
and nothing leaves the machine. Workers in other processes rebuild the verifier
from the PEM files written by :func:`write_pki`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from skill.verify import RequestVerifier, VerifierConfig
from tests.support.certs import make_pki, sign_b64

CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-bench.pem"


@dataclass(frozen=True)
class BenchPki:
    root_pem: bytes
    chain_pem: bytes
    leaf_key: rsa.RSAPrivateKey

    def headers(self, body: bytes) -> dict[str, str]:
        """What Alexa sends with a request: the chain URL and Signature-256."""
        return {
            "Content-Type": "application/json",
            "SignatureCertChainUrl": CERT_URL,
            "Signature-256": sign_b64(self.leaf_key, body),
        }


def make_bench_pki() -> BenchPki:
    pki = make_pki(datetime.now(UTC))
    return BenchPki(
        root_pem=pki.root.public_bytes(serialization.Encoding.PEM),
        chain_pem=pki.chain_pem(),
        leaf_key=pki.leaf_key,
    )


def write_pki(pki: BenchPki, directory: Path) -> Path:
    """Root and chain as files (never the key) for server processes; returns the JSON path."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "root.pem").write_bytes(pki.root_pem)
    (directory / "chain.pem").write_bytes(pki.chain_pem)
    info = directory / "pki.json"
    info.write_text(json.dumps({"root": "root.pem", "chain": "chain.pem"}))
    return info


def verifier_from(root_pem: bytes, chain_pem: bytes, skill_id: str | None) -> RequestVerifier:
    """The production verifier (timestamp and skill id checks on), trusting the test root."""
    roots = x509.load_pem_x509_certificates(root_pem)

    def fetch(url: str) -> bytes:
        if url != CERT_URL:
            raise OSError("unknown certificate URL")
        return chain_pem

    return RequestVerifier(VerifierConfig(skill_id=skill_id), trust_roots=roots, fetch=fetch)


def verifier_from_files(info: Path, skill_id: str | None) -> RequestVerifier:
    names: dict[str, Any] = json.loads(info.read_text())
    root = (info.parent / names["root"]).read_bytes()
    chain = (info.parent / names["chain"]).read_bytes()
    return verifier_from(root, chain, skill_id)
