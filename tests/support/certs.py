"""A throwaway PKI for verifier tests: root -> intermediate -> leaf, plus bad variants.

Keys are generated once per test process (RSA 2048, the minimum the WebPKI
policy in ``cryptography.x509.verification`` accepts) and reused, because key
generation dominates the cost; certificates are cheap and made per case.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ALEXA_SAN = "echo-api.amazon.com"


@functools.cache
def rsa_key(slot: int) -> rsa.RSAPrivateKey:
    """Deterministic slot -> key, so a test can ask for "another" key cheaply."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Hip Rest Test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_ca(
    common_name: str,
    key: rsa.RSAPrivateKey,
    *,
    not_before: datetime,
    not_after: datetime,
    issuer: x509.Certificate | None = None,
    issuer_key: rsa.RSAPrivateKey | None = None,
) -> x509.Certificate:
    """A root (issuer None) or an intermediate CA certificate."""
    signer_key = issuer_key if issuer_key is not None else key
    issuer_name = issuer.subject if issuer is not None else _name(common_name)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.BasicConstraints(ca=True, path_length=None if issuer is None else 0),
            critical=True,
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()),
            critical=False,
        )
    )
    return builder.sign(signer_key, hashes.SHA256())


def make_leaf(
    key: rsa.RSAPrivateKey,
    *,
    issuer: x509.Certificate | None,
    issuer_key: rsa.RSAPrivateKey | None,
    not_before: datetime,
    not_after: datetime,
    sans: Sequence[str] = (ALEXA_SAN,),
) -> x509.Certificate:
    """A TLS-server-shaped leaf. ``issuer=None`` makes it self-signed."""
    signer_key = issuer_key if issuer_key is not None else key
    issuer_name = issuer.subject if issuer is not None else _name("leaf")
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name("leaf"))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()),
            critical=False,
        )
    )
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False
        )
    return builder.sign(signer_key, hashes.SHA256())


def to_pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def sign_b64(
    key: rsa.RSAPrivateKey, body: bytes, algorithm: hashes.HashAlgorithm | None = None
) -> str:
    """What Alexa puts in Signature-256 (SHA-256) or the legacy Signature (SHA-1)."""
    signature = key.sign(body, padding.PKCS1v15(), algorithm or hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


@dataclass(frozen=True)
class TestPki:
    """A valid Alexa-shaped chain around ``now`` and factories for broken ones."""

    now: datetime
    root: x509.Certificate
    intermediate: x509.Certificate
    leaf: x509.Certificate

    __test__ = False  # not a pytest test class despite the name

    @property
    def root_key(self) -> rsa.RSAPrivateKey:
        return rsa_key(0)

    @property
    def intermediate_key(self) -> rsa.RSAPrivateKey:
        return rsa_key(1)

    @property
    def leaf_key(self) -> rsa.RSAPrivateKey:
        return rsa_key(2)

    def chain_pem(self, leaf: x509.Certificate | None = None) -> bytes:
        return to_pem(leaf or self.leaf, self.intermediate)

    def leaf_with(
        self,
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        sans: Sequence[str] = (ALEXA_SAN,),
    ) -> x509.Certificate:
        """A leaf from the same intermediate, with the given changes."""
        return make_leaf(
            self.leaf_key,
            issuer=self.intermediate,
            issuer_key=self.intermediate_key,
            not_before=not_before or self.now - timedelta(days=30),
            not_after=not_after or self.now + timedelta(days=60),
            sans=sans,
        )

    def self_signed_leaf(self) -> x509.Certificate:
        return make_leaf(
            self.leaf_key,
            issuer=None,
            issuer_key=None,
            not_before=self.now - timedelta(days=1),
            not_after=self.now + timedelta(days=1),
        )

    def untrusted_chain(self) -> list[x509.Certificate]:
        """A well-formed chain that ends at a root the verifier does not trust."""
        other_root = make_ca(
            "Untrusted Root",
            rsa_key(3),
            not_before=self.now - timedelta(days=365),
            not_after=self.now + timedelta(days=3650),
        )
        other_intermediate = make_ca(
            "Untrusted Intermediate",
            rsa_key(4),
            not_before=self.now - timedelta(days=365),
            not_after=self.now + timedelta(days=3650),
            issuer=other_root,
            issuer_key=rsa_key(3),
        )
        leaf = make_leaf(
            self.leaf_key,
            issuer=other_intermediate,
            issuer_key=rsa_key(4),
            not_before=self.now - timedelta(days=1),
            not_after=self.now + timedelta(days=1),
        )
        return [leaf, other_intermediate, other_root]


def make_pki(now: datetime) -> TestPki:
    root = make_ca(
        "Test Root",
        rsa_key(0),
        not_before=now - timedelta(days=365),
        not_after=now + timedelta(days=3650),
    )
    intermediate = make_ca(
        "Test Intermediate",
        rsa_key(1),
        not_before=now - timedelta(days=365),
        not_after=now + timedelta(days=1825),
        issuer=root,
        issuer_key=rsa_key(0),
    )
    pki = TestPki(now=now, root=root, intermediate=intermediate, leaf=root)
    return TestPki(now=now, root=root, intermediate=intermediate, leaf=pki.leaf_with())
