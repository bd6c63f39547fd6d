"""Alexa request verification for skills hosted outside Lambda.

Pure logic: no Flask and no ask-sdk imports. The clock, trust roots and the
certificate fetcher are injectable so every rule can be tested offline.

Order of checks in ``RequestVerifier.verify`` (cheapest and least exposed first):
certificate URL rules (no outbound request for a bad URL), certificate chain
(cached per URL), signature over the raw body bytes, JSON parsing, timestamp,
application id.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import json
import logging
import re
import ssl
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import certifi
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509 import verification as x509v

__all__ = [
    "CERT_CHAIN_URL_HEADER",
    "CERT_SAN",
    "SIGNATURE_256_HEADER",
    "SIGNATURE_HEADER",
    "CertificateCache",
    "HttpsCertFetcher",
    "RequestVerifier",
    "VerificationError",
    "VerifierConfig",
    "chain_not_after",
    "check_application_id",
    "check_cert_url",
    "check_timestamp",
    "load_chain",
    "utc_now",
    "verify_chain",
    "verify_signature",
]

log = logging.getLogger(__name__)

CERT_CHAIN_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_256_HEADER = "Signature-256"
SIGNATURE_HEADER = "Signature"
CERT_SAN = "echo-api.amazon.com"
CERT_HOST = "s3.amazonaws.com"
CERT_PATH_PREFIX = "/echo.api/"

# Real chains are 4-7 KB; anything far bigger is not an Amazon chain.
MAX_CHAIN_BYTES = 64 * 1024
MAX_URL_LENGTH = 2048
DEFAULT_FETCH_TIMEOUT_S = 2.0
# Concurrent certificate downloads per process (Alexa uses one or two URLs).
DEFAULT_MAX_CONCURRENT_FETCHES = 4
# How long a URL whose download or chain failed is refused without a new download.
FAILED_FETCH_TTL_S = 10.0

# Host, optionally ":443", nothing else: this excludes userinfo ("a@host"),
# other ports, empty ports, trailing dots and IP literals in one rule.
_NETLOC_RE = re.compile(r"(?i:s3\.amazonaws\.com)(?::443)?")
# Printable ASCII minus space, backslash and '%': percent-encoding is never
# needed in Amazon's URLs and is the usual way to smuggle "/.." past a check.
_URL_CHARS_RE = re.compile(r"[!-$&-\[\]-~]+")


class VerificationError(Exception):
    """A request failed verification. ``reason`` is short and safe to log."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def __repr__(self) -> str:
        return f"VerificationError({self.status}, {self.reason!r})"


def _bad(reason: str) -> VerificationError:
    return VerificationError(400, reason)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class VerifierConfig:
    skill_id: str | None
    verify_signature: bool = True
    verify_timestamp: bool = True
    require_sha256: bool = True
    timestamp_tolerance_s: int = 150
    event_tolerance_s: int = 3600

    def __post_init__(self) -> None:
        # Amazon's certification rules cap the window; a wider one would let
        # captured requests be replayed for longer.
        if not 0 <= self.timestamp_tolerance_s <= 150:
            raise ValueError("timestamp_tolerance_s must be within 0..150")
        if not 0 <= self.event_tolerance_s <= 3600:
            raise ValueError("event_tolerance_s must be within 0..3600")


# --------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, for an absolute path."""
    out: list[str] = []
    segments = path.split("/")[1:]
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if out:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    return "/" + "/".join(out)


def canonical_cert_url(url: str) -> str:
    """Apply the certificate URL rules and return the URL to fetch.

    The returned URL is rebuilt from the checked parts (normalised path, no
    port, lower-case scheme and host) so what is fetched is what was checked.
    """
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise _bad("cert url: missing or too long")
    if not _URL_CHARS_RE.fullmatch(url):
        raise _bad("cert url: forbidden characters")
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        raise _bad("cert url: scheme is not https")
    if not _NETLOC_RE.fullmatch(parts.netloc):
        raise _bad("cert url: host or port not allowed")
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise _bad("cert url: query or fragment not allowed")
    if not parts.path.startswith("/"):
        raise _bad("cert url: path not allowed")
    path = _remove_dot_segments(parts.path)
    if not path.startswith(CERT_PATH_PREFIX) or len(path) == len(CERT_PATH_PREFIX):
        raise _bad("cert url: path not allowed")
    return f"https://{CERT_HOST}{path}"


def check_cert_url(url: str) -> None:
    """Raise VerificationError(400) unless ``url`` may serve Alexa's signing chain."""
    canonical_cert_url(url)


def load_chain(pem: bytes) -> list[x509.Certificate]:
    """Parse a PEM bundle, leaf first. Junk or an empty bundle -> 400."""
    if not isinstance(pem, bytes | bytearray) or len(pem) > MAX_CHAIN_BYTES:
        raise _bad("cert chain: not bytes or too large")
    try:
        chain = x509.load_pem_x509_certificates(bytes(pem))
    except ValueError:
        raise _bad("cert chain: unreadable PEM") from None
    if not chain:
        raise _bad("cert chain: empty")
    return chain


def _has_san(cert: x509.Certificate, name: str) -> bool:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return any(dns.lower() == name for dns in san.get_values_for_type(x509.DNSName))


def _is_valid_at(cert: x509.Certificate, now: datetime) -> bool:
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc


def verify_chain(
    chain: Sequence[x509.Certificate],
    now: datetime,
    trust_roots: Sequence[x509.Certificate] | x509v.Store,
) -> list[x509.Certificate]:
    """Leaf valid at ``now``, SAN has echo-api.amazon.com, path to a trusted root.

    Any extra certificates in ``chain`` (intermediates, cross-signed roots) are
    only candidates for path building; trust comes from ``trust_roots`` alone.
    Returns the validated path, leaf first, root last.
    """
    if not chain:
        raise _bad("cert chain: empty")
    now = _aware(now)
    leaf = chain[0]
    if not _is_valid_at(leaf, now):
        raise _bad("cert chain: leaf not valid now")
    # Exact SAN entry, as Amazon's rules say; the policy below alone would
    # also accept a wildcard such as *.amazon.com.
    if not _has_san(leaf, CERT_SAN):
        raise _bad("cert chain: SAN lacks echo-api.amazon.com")
    store = trust_roots if isinstance(trust_roots, x509v.Store) else _store(trust_roots)
    verifier = (
        x509v.PolicyBuilder().store(store).time(now).build_server_verifier(x509.DNSName(CERT_SAN))
    )
    try:
        path = verifier.verify(leaf, list(chain[1:]))
    except x509v.VerificationError:
        raise _bad("cert chain: no path to a trusted root") from None
    return list(path)


def chain_not_after(path: Sequence[x509.Certificate]) -> datetime:
    """When the first certificate of a validated path expires: the whole path is
    only valid until then, whatever the leaf says."""
    return min(cert.not_valid_after_utc for cert in path)


def _store(roots: Sequence[x509.Certificate]) -> x509v.Store:
    if not roots:
        raise _bad("cert chain: no trust roots configured")
    return x509v.Store(list(roots))


def verify_signature(
    cert: x509.Certificate,
    signature_b64: str,
    body: bytes,
    hash_algorithm: hashes.HashAlgorithm,
) -> None:
    """RSA PKCS#1 v1.5 signature over the exact body bytes, never a re-serialisation."""
    try:
        signature = base64.b64decode(signature_b64.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise _bad("signature: not base64") from None
    if not signature:
        raise _bad("signature: empty")
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise _bad("signature: certificate key is not RSA")
    try:
        key.verify(signature, bytes(body), padding.PKCS1v15(), hash_algorithm)
    except InvalidSignature:
        raise _bad("signature: does not match body") from None


def _parse_timestamp(value: object) -> datetime:
    if not isinstance(value, str) or len(value) > 64:
        raise _bad("timestamp: missing or not a string")
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise _bad("timestamp: unreadable") from None
    return _aware(ts)


def check_timestamp(
    envelope: Mapping[str, Any],
    now: datetime,
    tolerance_s: int = 150,
    event_tolerance_s: int = 3600,
) -> None:
    """Reject replays: request.timestamp within ``tolerance_s`` of now.

    AlexaSkillEvent.* requests may be delivered late, so they may be up to
    ``event_tolerance_s`` old; none may be more than ``tolerance_s`` ahead.
    """
    request = envelope.get("request")
    if not isinstance(request, Mapping):
        raise _bad("timestamp: no request object")
    ts = _parse_timestamp(request.get("timestamp"))
    now = _aware(now)
    req_type = request.get("type")
    is_event = isinstance(req_type, str) and req_type.startswith("AlexaSkillEvent.")
    max_age = event_tolerance_s if is_event else tolerance_s
    if now - ts > timedelta(seconds=max_age):
        raise _bad("timestamp: too old")
    if ts - now > timedelta(seconds=tolerance_s):
        raise _bad("timestamp: in the future")


def _dig(obj: object, *keys: str) -> object:
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def check_application_id(envelope: Mapping[str, Any], skill_id: str) -> None:
    """403 when the request is for another skill; 400 when it names none."""
    app_id = _dig(envelope, "context", "System", "application", "applicationId")
    if app_id is None:
        app_id = _dig(envelope, "session", "application", "applicationId")
    if not isinstance(app_id, str) or not app_id:
        raise _bad("application id: missing")
    if app_id != skill_id:
        raise VerificationError(403, "application id: not this skill")


def _aware(ts: datetime) -> datetime:
    # Alexa's timestamps end in "Z"; a naive value is taken as UTC.
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


# --------------------------------------------------------------------------
# Certificate cache
# --------------------------------------------------------------------------


class CertificateCache:
    """Verified leaf certificates by canonical URL, kept until the earliest
    notAfter of the chain they were validated with (an intermediate may expire
    before the leaf; the leaf alone would be trusted past it).

    Only leaves that passed ``verify_chain`` go in, so a hit skips download
    and chain validation. Bounded (least recently used entry goes first) so
    a flood of distinct valid-looking URLs cannot grow memory.
    """

    def __init__(self, max_entries: int = 16) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be >= 1")
        self._max = max_entries
        self._items: OrderedDict[str, tuple[x509.Certificate, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, url: str, now: datetime) -> x509.Certificate | None:
        now = _aware(now)
        with self._lock:
            item = self._items.get(url)
            if item is None:
                return None
            cert, not_after = item
            if not _is_valid_at(cert, now) or now > not_after:
                del self._items[url]
                return None
            self._items.move_to_end(url)
            return cert

    def put(self, url: str, cert: x509.Certificate, not_after: datetime | None = None) -> None:
        """Keep ``cert`` until ``not_after`` (the chain's earliest expiry), or its own."""
        expires = cert.not_valid_after_utc if not_after is None else _aware(not_after)
        with self._lock:
            self._items[url] = (cert, min(expires, cert.not_valid_after_utc))
            self._items.move_to_end(url)
            while len(self._items) > self._max:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# --------------------------------------------------------------------------
# Default fetcher
# --------------------------------------------------------------------------


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    # Returning None makes urllib raise HTTPError for the 3xx instead of
    # following it to a host the URL rules never approved.
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


def _default_opener() -> urllib.request.OpenerDirector:
    context = ssl.create_default_context(cafile=certifi.where())
    return urllib.request.build_opener(
        _RefuseRedirects(), urllib.request.HTTPSHandler(context=context)
    )


class HttpsCertFetcher:
    """GET a certificate chain: bounded time, bounded size, no redirects.

    ``timeout_s`` is one deadline for the whole fetch, DNS included: the fetch
    runs on its own thread and the caller stops waiting at the deadline (a socket
    timeout does not cover ``getaddrinfo``, and a stalled resolver held requests
    for 5 s). The thread also checks the deadline between reads, so a server
    dripping bytes is cut off. At most ``max_concurrent`` fetches run at once,
    counting abandoned ones until they end: unsigned traffic naming plausible
    URLs cannot tie up every worker or pile up threads. ``allowed_schemes`` and
    ``opener`` exist so tests can drive the real transport against a plain-HTTP
    server on 127.0.0.1.
    """

    def __init__(
        self,
        *,
        timeout_s: float = DEFAULT_FETCH_TIMEOUT_S,
        max_bytes: int = MAX_CHAIN_BYTES,
        allowed_schemes: tuple[str, ...] = ("https",),
        opener: urllib.request.OpenerDirector | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        max_concurrent: int = DEFAULT_MAX_CONCURRENT_FETCHES,
    ) -> None:
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be >= 1")
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.allowed_schemes = allowed_schemes
        self._opener = opener if opener is not None else _default_opener()
        self._monotonic = monotonic
        self._slots = threading.BoundedSemaphore(max_concurrent)

    def __call__(self, url: str) -> bytes:
        if urlsplit(url).scheme.lower() not in self.allowed_schemes:
            raise _bad("cert fetch: scheme not allowed")
        if not self._slots.acquire(blocking=False):
            raise _bad("cert fetch: too many at once")
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["pem"] = self._fetch(url, self._monotonic() + self.timeout_s)
            except BaseException as exc:  # handed to the caller's thread
                outcome["error"] = exc
            finally:
                self._slots.release()

        worker = threading.Thread(target=work, name="hiprest-cert-fetch", daemon=True)
        try:
            worker.start()
        except RuntimeError:  # no thread to be had: refuse, never 5xx
            self._slots.release()
            raise _bad("cert fetch: failed") from None
        worker.join(self.timeout_s)
        if worker.is_alive():
            log.info("certificate download abandoned at the deadline")
            raise _bad("cert fetch: too slow")
        error = outcome.get("error")
        if error is not None:
            if isinstance(error, VerificationError):
                raise error
            raise _bad("cert fetch: failed")
        pem: bytes = outcome["pem"]
        return pem

    def _fetch(self, url: str, deadline: float) -> bytes:
        request = urllib.request.Request(url, headers={"Accept": "*/*"}, method="GET")
        try:
            with self._opener.open(request, timeout=self.timeout_s) as resp:
                if resp.status != 200:
                    raise _bad("cert fetch: unexpected status")
                data = bytearray()
                while True:
                    if self._monotonic() > deadline:
                        raise _bad("cert fetch: too slow")
                    chunk = resp.read1(8192)
                    if not chunk:
                        break
                    data += chunk
                    if len(data) > self.max_bytes:
                        raise _bad("cert fetch: response too large")
                return bytes(data)
        except VerificationError:
            raise
        except urllib.error.HTTPError as exc:
            exc.close()
            raise _bad(f"cert fetch: HTTP {exc.code}") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            log.info("certificate download failed: %s", type(exc).__name__)
            raise _bad("cert fetch: failed") from None


# --------------------------------------------------------------------------
# Verifier
# --------------------------------------------------------------------------


_URL_CACHE_SIZE = 32
_certifi_lock = threading.Lock()
_certifi_store: x509v.Store | None = None


def _certifi_roots() -> x509v.Store:
    """certifi's bundle as a Store, loaded once per process on first use."""
    global _certifi_store
    with _certifi_lock:
        if _certifi_store is None:
            with open(certifi.where(), "rb") as fh, warnings.catch_warnings():
                # One bundled root has a non-positive serial; harmless here.
                warnings.simplefilter("ignore", CryptographyDeprecationWarning)
                roots = x509.load_pem_x509_certificates(fh.read())
            _certifi_store = x509v.Store(roots)
        return _certifi_store


class RequestVerifier:
    """Checks one Alexa HTTPS request. Thread-safe; share one per process."""

    def __init__(
        self,
        config: VerifierConfig,
        *,
        clock: Callable[[], datetime] = utc_now,
        trust_roots: Sequence[x509.Certificate] | None = None,
        fetch: Callable[[str], bytes] | None = None,
        cache: CertificateCache | None = None,
    ) -> None:
        self.config = config
        self._clock = clock
        if trust_roots is not None and not trust_roots:
            raise ValueError("trust_roots must not be empty (None means certifi)")
        self._store = x509v.Store(list(trust_roots)) if trust_roots is not None else None
        self._fetch = fetch if fetch is not None else HttpsCertFetcher()
        self.cache = cache if cache is not None else CertificateCache()
        self._urls: dict[str, str] = {}  # header value -> canonical URL, checked
        # canonical URL -> (until, reason) of a failed download or chain: 200
        # bogus requests naming one plausible URL were 200 downloads.
        self._failed: OrderedDict[str, tuple[datetime, str]] = OrderedDict()
        self._failed_lock = threading.Lock()

    def verify(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        """Return the parsed envelope or raise VerificationError. Header lookup case-insensitive."""
        try:
            return self._verify(headers, body)
        except VerificationError:
            raise
        except Exception as exc:
            # A hostile request must never turn into a 5xx.
            log.warning("unexpected error during request verification: %s", type(exc).__name__)
            raise _bad("verification failed") from None

    def _verify(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        if not isinstance(body, bytes | bytearray):
            raise _bad("body: not bytes")
        now = _aware(self._clock())
        cfg = self.config
        if cfg.verify_signature:
            lowered = {str(k).lower(): v for k, v in headers.items()}
            url = lowered.get(CERT_CHAIN_URL_HEADER.lower())
            if not url:
                raise _bad("header: SignatureCertChainUrl missing")
            sig256 = lowered.get(SIGNATURE_256_HEADER.lower())
            sig1 = lowered.get(SIGNATURE_HEADER.lower())
            signature: str
            algorithm: hashes.HashAlgorithm
            if sig256:
                signature, algorithm = sig256, hashes.SHA256()
            elif sig1 and not cfg.require_sha256:
                signature, algorithm = sig1, hashes.SHA1()  # legacy header, opt-in only
            else:
                raise _bad("header: Signature-256 missing")
            leaf = self._leaf_for(self._canonical(url), now)
            verify_signature(leaf, signature, bytes(body), algorithm)
        try:
            envelope = json.loads(body)
        except (ValueError, RecursionError):
            raise _bad("body: malformed JSON") from None
        if not isinstance(envelope, dict):
            raise _bad("body: not a JSON object")
        if cfg.verify_timestamp:
            check_timestamp(envelope, now, cfg.timestamp_tolerance_s, cfg.event_tolerance_s)
        if cfg.skill_id is not None:
            check_application_id(envelope, cfg.skill_id)
        return envelope

    def _canonical(self, url: str) -> str:
        # Alexa sends the same few URLs on every request; checking one costs ~10 us of
        # URL parsing. Only URLs that passed are remembered (and only a few), so a
        # hostile client can neither skip the check nor grow the cache.
        canonical = self._urls.get(url)
        if canonical is None:
            canonical = canonical_cert_url(url)
            if len(self._urls) >= _URL_CACHE_SIZE:
                self._urls.clear()
            self._urls[url] = canonical
        return canonical

    def _leaf_for(self, url: str, now: datetime) -> x509.Certificate:
        cached = self.cache.get(url, now)
        if cached is not None:
            return cached
        self._refuse_recent_failure(url, now)
        try:
            pem = self._fetch(url)
            chain = load_chain(pem)
            path = verify_chain(chain, now, self._trust_store())
        except VerificationError as exc:
            if exc.reason != "cert fetch: too many at once":  # busy is not the URL's fault
                self._remember_failure(url, now, exc.reason)
            raise
        except Exception as exc:
            log.info("certificate download failed: %s", type(exc).__name__)
            self._remember_failure(url, now, "cert fetch: failed")
            raise _bad("cert fetch: failed") from None
        self.cache.put(url, chain[0], chain_not_after(path))
        return chain[0]

    def _refuse_recent_failure(self, url: str, now: datetime) -> None:
        with self._failed_lock:
            failed = self._failed.get(url)
            if failed is None:
                return
            until, reason = failed
            if now < until:
                raise _bad(reason)
            del self._failed[url]

    def _remember_failure(self, url: str, now: datetime, reason: str) -> None:
        with self._failed_lock:
            self._failed[url] = (now + timedelta(seconds=FAILED_FETCH_TTL_S), reason)
            self._failed.move_to_end(url)
            while len(self._failed) > _URL_CACHE_SIZE:
                self._failed.popitem(last=False)

    def _trust_store(self) -> x509v.Store:
        return self._store if self._store is not None else _certifi_roots()
