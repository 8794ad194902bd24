"""TLS, a local CA and charger passwords for OCPP 1.6J Security Profiles 2 and 3.

Pure Python (stdlib + ``cryptography``); blocking I/O, so callers use an executor.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import os
import secrets
import socket
import ssl
import string
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# ELBSecurityPolicy-TLS-1-2-Ext-2018-06, in AWS's (server preference) order.
CIPHERS_TLS12: Final[tuple[str, ...]] = (
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA",
    "ECDHE-ECDSA-AES256-SHA",
    "AES128-GCM-SHA256",
    "AES128-SHA256",
    "AES128-SHA",
    "AES256-GCM-SHA384",
    "AES256-SHA256",
    "AES256-SHA",
)
# Level 2 (112-bit keys, no SHA-1 signatures) admits every suite above, HMAC-SHA1 included;
# pinning it keeps the result independent of the distribution's openssl.cnf.
_CIPHER_STRING: Final = ":".join(CIPHERS_TLS12) + ":@SECLEVEL=2"

REASON_CERT_NOT_FOUND: Final = "cert_not_found"
REASON_KEY_NOT_FOUND: Final = "key_not_found"
REASON_CERT_INVALID: Final = "cert_invalid"
REASON_KEY_INVALID: Final = "key_invalid"
REASON_KEY_MISMATCH: Final = "key_mismatch"
REASON_CERT_EXPIRED: Final = "cert_expired"

CA_VALIDITY: Final = timedelta(days=20 * 365 + 5)
SERVER_VALIDITY: Final = timedelta(days=397)
RENEW_BEFORE: Final = timedelta(days=30)
_BACKDATE: Final = timedelta(days=1)
_ALWAYS_NAMES: Final = ("localhost", "127.0.0.1")
_PROBE_TARGETS: Final = ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1"))

MIN_PASSWORD_LENGTH: Final = 16
_PASSWORD_LENGTH: Final = 24
_PASSWORD_ALPHABET: Final = string.ascii_letters + string.digits
_SCRYPT_N: Final = 2**14
_SCRYPT_R: Final = 8
_SCRYPT_P: Final = 1
_HEXDIGITS: Final = frozenset(b"0123456789abcdefABCDEF")

type SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class CertificateProblem(Exception):
    """A certificate or key file that cannot be used; ``reason`` is a translation key."""

    def __init__(self, reason: str) -> None:
        """Keep the reason."""
        super().__init__(reason)
        self.reason = reason


# --- TLS -------------------------------------------------------------------------------------


def build_server_ssl_context(
    cert_file: Path, key_file: Path, client_ca_file: Path | None = None
) -> ssl.SSLContext:
    """Server context: TLS 1.2 (ELB Ext-2018-06 suites) or TLS 1.3, optional client certs."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(_CIPHER_STRING)
    ctx.options |= ssl.OP_CIPHER_SERVER_PREFERENCE | ssl.OP_NO_COMPRESSION
    ctx.options |= ssl.OP_NO_RENEGOTIATION
    ctx.load_cert_chain(cert_file, key_file)
    if client_ca_file is not None:
        ctx.load_verify_locations(cafile=client_ca_file)
        ctx.verify_mode = ssl.CERT_OPTIONAL
    return ctx


def _read(path: Path, missing: str, invalid: str) -> bytes:
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise CertificateProblem(missing) from None
    except OSError:
        raise CertificateProblem(invalid) from None


def _load_cert(path: Path) -> x509.Certificate:
    """First certificate of a PEM file (the ssl module takes PEM only)."""
    data = _read(path, REASON_CERT_NOT_FOUND, REASON_CERT_INVALID)
    try:
        return x509.load_pem_x509_certificates(data)[0]
    except ValueError:
        raise CertificateProblem(REASON_CERT_INVALID) from None


def _load_key(path: Path) -> SigningKey:
    data = _read(path, REASON_KEY_NOT_FOUND, REASON_KEY_INVALID)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise CertificateProblem(REASON_KEY_INVALID) from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise CertificateProblem(REASON_KEY_INVALID)
    return key


def _same_key(cert: x509.Certificate, key: SigningKey) -> bool:
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return cert.public_key().public_bytes(*fmt) == key.public_key().public_bytes(*fmt)


def validate_certificate_pair(cert_file: Path, key_file: Path) -> None:
    """Raise CertificateProblem unless the pair is readable, matching and unexpired."""
    cert = _load_cert(cert_file)
    key = _load_key(key_file)
    if not _same_key(cert, key):
        raise CertificateProblem(REASON_KEY_MISMATCH)
    if cert.not_valid_after_utc <= datetime.now(UTC):
        raise CertificateProblem(REASON_CERT_EXPIRED)
    _check_loadable(cert_file, key_file)


def _check_loadable(cert_file: Path, key_file: Path) -> None:
    """Let OpenSSL judge too: security level 2 refuses e.g. RSA-1024 or SHA-1 signed leaves."""
    try:
        build_server_ssl_context(cert_file, key_file)
    except ssl.SSLError as err:
        weak_key = err.reason == "EE_KEY_TOO_SMALL"
        raise CertificateProblem(REASON_KEY_INVALID if weak_key else REASON_CERT_INVALID) from None


def certificate_not_after(cert_file: Path) -> datetime:
    """Expiry (UTC) of the first certificate in the file; CertificateProblem if unreadable."""
    return _load_cert(cert_file).not_valid_after_utc


# --- Local CA --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServerCertificate:
    """Files of an issued server certificate."""

    cert_file: Path
    key_file: Path
    ca_file: Path
    not_after: datetime
    names: tuple[str, ...]


def _canonical_name(raw: str) -> str | None:
    """IP addresses in compressed form, host names lower-case IDNA; None to skip."""
    name = raw.strip().strip("[]").rstrip(".")
    if not name:
        return None
    try:
        return str(ipaddress.ip_address(name.split("%", 1)[0]))
    except ValueError:
        pass
    try:
        return name.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None


def _normalize_names(names: Iterable[str]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for raw in (*names, *_ALWAYS_NAMES):
        name = _canonical_name(raw)
        if name is not None:
            found.setdefault(name)
    return tuple(found)


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _san_names(cert: x509.Certificate) -> set[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    ips = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    return ips | set(san.get_values_for_type(x509.DNSName))


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(mode)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _key_pem(key: SigningKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _ski(key: SigningKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key())


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    """CA: certificate/CRL signing; server: signing and RSA key exchange."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=not ca,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


class LocalCertificateAuthority:
    """A self-made CA in ``directory`` that issues this server's TLS certificate."""

    def __init__(self, directory: Path) -> None:
        """Remember the directory; nothing is touched until used."""
        self.directory = directory
        self.ca_file = directory / "ca.pem"
        self.ca_key_file = directory / "ca.key"
        self.cert_file = directory / "server.pem"
        self.key_file = directory / "server.key"

    def ensure(self, names: Sequence[str], now: datetime | None = None) -> ServerCertificate:
        """Create the CA if needed and (re)issue the server certificate when due."""
        now = now or datetime.now(UTC)
        wanted = _normalize_names(names)
        ca_cert, ca_key = self._ensure_ca(now)
        cert = self._current_server_cert(ca_cert, wanted, now)
        if cert is None:
            cert = self._issue_server_cert(ca_cert, ca_key, wanted, now)
        return ServerCertificate(
            cert_file=self.cert_file,
            key_file=self.key_file,
            ca_file=self.ca_file,
            not_after=cert.not_valid_after_utc,
            names=wanted,
        )

    def ca_certificate_pem(self) -> bytes:
        """Return the CA certificate (PEM) chargers must trust; create the CA if missing."""
        self._ensure_ca(datetime.now(UTC))
        return self.ca_file.read_bytes()

    def _ensure_ca(self, now: datetime) -> tuple[x509.Certificate, SigningKey]:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            cert, key = _load_cert(self.ca_file), _load_key(self.ca_key_file)
        except CertificateProblem:
            return self._create_ca(now)
        if not _same_key(cert, key) or cert.not_valid_after_utc <= now:
            return self._create_ca(now)
        return cert, key

    def _create_ca(self, now: datetime) -> tuple[x509.Certificate, SigningKey]:
        key = _new_key()
        common_name = f"OCPP Central Local CA {secrets.token_hex(4)}"
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OCPP Central"),
            ]
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + CA_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(ca=True), critical=True)
            .add_extension(_ski(key), critical=False)
            .sign(key, hashes.SHA256())
        )
        _write_atomic(self.ca_key_file, _key_pem(key), 0o600)
        _write_atomic(self.ca_file, cert.public_bytes(serialization.Encoding.PEM), 0o644)
        return cert, key

    def _current_server_cert(
        self, ca_cert: x509.Certificate, wanted: tuple[str, ...], now: datetime
    ) -> x509.Certificate | None:
        """Return the stored server certificate if still fit for use, else None."""
        try:
            cert, key = _load_cert(self.cert_file), _load_key(self.key_file)
            cert.verify_directly_issued_by(ca_cert)
        except (CertificateProblem, ValueError, TypeError, InvalidSignature):
            return None
        if not _same_key(cert, key) or _san_names(cert) != set(wanted):
            return None
        if cert.not_valid_after_utc - now <= RENEW_BEFORE:
            return None
        return cert

    def _issue_server_cert(
        self,
        ca_cert: x509.Certificate,
        ca_key: SigningKey,
        wanted: tuple[str, ...],
        now: datetime,
    ) -> x509.Certificate:
        key = _new_key()
        common_name = wanted[0] if len(wanted[0]) <= 64 else "localhost"
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + SERVER_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(ca=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName(map(_general_name, wanted)), critical=False)
            .add_extension(_ski(key), critical=False)
            .add_extension(aki, critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        chain = cert.public_bytes(serialization.Encoding.PEM)
        chain += ca_cert.public_bytes(serialization.Encoding.PEM)
        _write_atomic(self.key_file, _key_pem(key), 0o600)
        _write_atomic(self.cert_file, chain, 0o644)
        return cert


def _outbound_address(family: socket.AddressFamily, target: str) -> str | None:
    """Local address of the default route; a UDP connect sends no packet."""
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect((target, 9))
            return str(sock.getsockname()[0])
    # RuntimeError: sandboxes (e.g. pytest-socket) that forbid sockets.
    except (OSError, RuntimeError):
        return None


def _host_addresses(hostname: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(hostname, None)
    # RuntimeError: sandboxes (pytest-socket) that forbid name resolution.
    except (OSError, UnicodeError, RuntimeError):
        return []
    return [str(info[4][0]) for info in infos]


def _useful_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast:
        return None
    return ip


def default_names() -> list[str]:
    """Host name, FQDN and LAN addresses of this machine (no loopback); never raises."""
    try:
        hostname = socket.gethostname()
        fqdn = socket.getfqdn(hostname) if hostname else ""
    except (OSError, UnicodeError):
        hostname, fqdn = "", ""
    hosts = [h for h in dict.fromkeys((hostname, fqdn)) if h and not h.startswith("localhost")]
    candidates = _host_addresses(hostname) if hostname else []
    for family, target in _PROBE_TARGETS:
        if (address := _outbound_address(family, target)) is not None:
            candidates.append(address)
    ips = {ip for text in candidates if (ip := _useful_ip(text)) is not None}
    ordered = sorted(ips, key=lambda ip: (ip.version, int(ip)))
    return hosts + [str(ip) for ip in ordered]


# --- Passwords -------------------------------------------------------------------------------


def generate_password() -> str:
    """Return a random 24-character alphanumeric password (no ':', fine in any charger UI)."""
    length = max(_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH)
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: bytes, salt: bytes, cost: tuple[int, int, int], size: int) -> bytes:
    n, r, p = cost
    maxmem = 128 * r * (n + p + 2) + 1024 * 1024
    return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, dklen=size, maxmem=maxmem)


def hash_password(password: str | bytes) -> str:
    """Hash as ``scrypt$N$r$p$<salt b64>$<hash b64>``."""
    raw = password.encode("utf-8") if isinstance(password, str) else password
    salt = secrets.token_bytes(16)
    digest = _scrypt(raw, salt, (_SCRYPT_N, _SCRYPT_R, _SCRYPT_P), 32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def _parse_hash(stored: str) -> tuple[tuple[int, int, int], bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return None
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4], validate=True)
        digest = base64.b64decode(parts[5], validate=True)
    except ValueError:
        return None
    sane = 2 <= n <= 2**17 and n & (n - 1) == 0 and 1 <= r <= 16 and 1 <= p <= 4
    return ((n, r, p), salt, digest) if sane and salt and len(digest) >= 16 else None


def _password_candidates(password: bytes) -> list[bytes]:
    """Return the password, and its hex-decoded bytes if it is even-length hex."""
    candidates = [password]
    if password and len(password) % 2 == 0 and _HEXDIGITS.issuperset(password):
        candidates.append(bytes.fromhex(password.decode("ascii")))
    return candidates


def verify_password(password: bytes, stored: str) -> bool:
    """Check ``password`` (or its hex form) against a hash; False on a malformed hash."""
    parsed = _parse_hash(stored)
    if parsed is None:
        return False
    cost, salt, digest = parsed
    for candidate in _password_candidates(password):
        try:
            computed = _scrypt(candidate, salt, cost, len(digest))
        except (ValueError, MemoryError):
            return False
        if hmac.compare_digest(computed, digest):
            return True
    return False


class PasswordVerifier:
    """verify_password with an LRU cache of successes, keyed by a keyed MAC (no plaintext)."""

    def __init__(self, max_entries: int = 1024) -> None:
        """Start with an empty cache and a fresh process-random MAC key."""
        self._key = secrets.token_bytes(32)
        self._max_entries = max_entries
        self._cache: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, password: bytes, stored: str) -> bool:
        """Like verify_password, but a repeated success costs no scrypt."""
        token = hmac.digest(self._key, stored.encode("utf-8") + b"\0" + password, "sha256")
        with self._lock:
            if token in self._cache:
                self._cache.move_to_end(token)
                return True
        if not verify_password(password, stored):
            return False
        with self._lock:
            self._cache[token] = None
            while len(self._cache) > self._max_entries:
                self._cache.popitem(last=False)
        return True


def parse_basic_auth(header: str | None, charge_point_id: str) -> bytes | None:
    """Password bytes from a ``Basic`` Authorization header for this charger, else None."""
    if not header or not charge_point_id:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "basic" or not value or any(c.isspace() for c in value):
        return None
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    prefix = charge_point_id.encode("utf-8") + b":"
    if not decoded.startswith(prefix):
        return None
    return decoded[len(prefix) :] or None
