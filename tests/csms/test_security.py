"""Tests for csms.security: TLS context, local CA, certificate checks and passwords."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import socket
import ssl
import stat
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from custom_components.ocpp_central.csms import security
from custom_components.ocpp_central.csms.security import (
    CIPHERS_TLS12,
    MIN_PASSWORD_LENGTH,
    CertificateProblem,
    LocalCertificateAuthority,
    PasswordVerifier,
    ServerCertificate,
    build_server_ssl_context,
    certificate_not_after,
    default_names,
    generate_password,
    hash_password,
    parse_basic_auth,
    validate_certificate_pair,
    verify_password,
)

RSA_SUITES = [c for c in CIPHERS_TLS12 if "ECDSA" not in c]


# --- helpers ---------------------------------------------------------------------------------


@dataclass
class Issued:
    """A CA directory with an issued server certificate."""

    ca: LocalCertificateAuthority
    server: ServerCertificate


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Issued:
    """One CA + server certificate shared by the TLS tests (RSA key generation is slow-ish)."""
    ca = LocalCertificateAuthority(tmp_path_factory.mktemp("tls") / "ca")
    return Issued(ca, ca.ensure(["charger-gw.example", "192.0.2.10"]))


def _client(
    *,
    maximum: ssl.TLSVersion | None = None,
    minimum: ssl.TLSVersion | None = None,
    ciphers: str | None = None,
) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if ciphers is not None:
        ctx.set_ciphers(ciphers)
    if minimum is not None:
        ctx.minimum_version = minimum
    if maximum is not None:
        ctx.maximum_version = maximum
    return ctx


@dataclass
class Outcome:
    """What each side of one handshake saw."""

    version: str | None = None
    cipher: str | None = None
    peer_cert: dict[str, Any] | None = None
    server_error: Exception | None = None


def _handshake(
    server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext, hostname: str | None = None
) -> Outcome:
    """Run one TLS handshake over a real 127.0.0.1 socket; client errors propagate."""
    outcome = Outcome()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        conn.settimeout(5)
        try:
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                outcome.peer_cert = tls.getpeercert() or None
                tls.sendall(b"ok")
        except (ssl.SSLError, OSError) as err:
            outcome.server_error = err

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
            client_ctx.wrap_socket(raw, server_hostname=hostname) as tls,
        ):
            assert tls.recv(2) == b"ok"
            outcome.version = tls.version()
            outcome.cipher = tls.cipher()[0]  # type: ignore[index]
    finally:
        thread.join(5)
        listener.close()
    return outcome


def _write_pem(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _client_cert(tmp_path: Path, ca_dir: Path, name: str) -> tuple[Path, Path]:
    """Issue a client certificate signed by the CA stored in ``ca_dir``."""
    ca_cert = x509.load_pem_x509_certificate((ca_dir / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key((ca_dir / "ca.key").read_bytes(), None)
    assert isinstance(ca_key, rsa.RSAPrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return (
        _write_pem(tmp_path / f"{name}.pem", cert.public_bytes(serialization.Encoding.PEM)),
        _write_pem(tmp_path / f"{name}.key", key_pem),
    )


def _sans(cert_file: Path) -> tuple[set[str], set[str]]:
    cert = x509.load_pem_x509_certificates(cert_file.read_bytes())[0]
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return set(san.get_values_for_type(x509.DNSName)), {
        str(ip) for ip in san.get_values_for_type(x509.IPAddress)
    }


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in directory.iterdir()}


# --- TLS context -----------------------------------------------------------------------------


def test_context_settings(issued: Issued) -> None:
    """Options, versions and the exact TLS 1.2 suite list."""
    ctx = build_server_ssl_context(issued.server.cert_file, issued.server.key_file)
    assert ctx.minimum_version == ssl.TLSVersion.TLSv1_2
    assert ctx.verify_mode == ssl.CERT_NONE
    for option in (
        ssl.OP_CIPHER_SERVER_PREFERENCE,
        ssl.OP_NO_COMPRESSION,
        ssl.OP_NO_RENEGOTIATION,
    ):
        assert ctx.options & option
    tls12 = [c["name"] for c in ctx.get_ciphers() if c["protocol"] != "TLSv1.3"]
    assert sorted(tls12) == sorted(CIPHERS_TLS12)
    assert len(CIPHERS_TLS12) == 18
    assert any(c["protocol"] == "TLSv1.3" for c in ctx.get_ciphers())


def test_default_tls12_client(issued: Issued, socket_enabled: None) -> None:
    """A default client capped at TLS 1.2 gets the server's first RSA suite."""
    ctx = build_server_ssl_context(issued.server.cert_file, issued.server.key_file)
    outcome = _handshake(ctx, _client(maximum=ssl.TLSVersion.TLSv1_2))
    assert outcome.version == "TLSv1.2"
    assert outcome.cipher == "ECDHE-RSA-AES128-GCM-SHA256"


def test_server_cipher_preference(issued: Issued, socket_enabled: None) -> None:
    """The server's order wins over the client's."""
    ctx = build_server_ssl_context(issued.server.cert_file, issued.server.key_file)
    client = _client(
        maximum=ssl.TLSVersion.TLSv1_2, ciphers="AES256-SHA:ECDHE-RSA-AES256-GCM-SHA384"
    )
    assert _handshake(ctx, client).cipher == "ECDHE-RSA-AES256-GCM-SHA384"


@pytest.mark.parametrize("suite", RSA_SUITES)
def test_each_rsa_suite_over_tls12(issued: Issued, suite: str, socket_enabled: None) -> None:
    """Every RSA-certificate suite of the policy works alone, SHA-1 CBC ones included."""
    ctx = build_server_ssl_context(issued.server.cert_file, issued.server.key_file)
    outcome = _handshake(ctx, _client(maximum=ssl.TLSVersion.TLSv1_2, ciphers=suite))
    assert (outcome.version, outcome.cipher) == ("TLSv1.2", suite)


@pytest.mark.parametrize(
    "suite", ["ECDHE-RSA-CHACHA20-POLY1305", "DHE-RSA-AES128-GCM-SHA256", "AES128-SHA:@SECLEVEL=0"]
)
def test_suite_outside_policy_refused(issued: Issued, suite: str, socket_enabled: None) -> None:
    """Suites not in the policy are refused (AES128-SHA is in it: control case)."""
    ctx = build_server_ssl_context(issued.server.cert_file, issued.server.key_file)
    client = _client(maximum=ssl.TLSVersion.TLSv1_2, ciphers=suite)
    if suite.startswith("AES128-SHA"):
        assert _handshake(ctx, client).cipher == "AES128-SHA"
        return
    with pytest.raises(ssl.SSLError):
        _handshake(ctx, client)


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")
def test_tls11_client_refused(issued: Issued, socket_enabled: None) -> None:
    """A TLS 1.0/1.1-only client (security level 0, so it can try) is refused by the server."""
    ctx = build_server_ssl_context(issued.server.cert_file, issued.server.key_file)
    client = _client(
        minimum=ssl.TLSVersion.TLSv1,
        maximum=ssl.TLSVersion.TLSv1_1,
        ciphers="DEFAULT:@SECLEVEL=0",
    )
    with pytest.raises(ssl.SSLError) as caught:
        _handshake(ctx, client)
    assert caught.value.reason == "TLSV1_ALERT_PROTOCOL_VERSION"


def test_tls13_client(issued: Issued, socket_enabled: None) -> None:
    """TLS 1.3 is offered with OpenSSL's default suites."""
    ctx = build_server_ssl_context(issued.server.cert_file, issued.server.key_file)
    outcome = _handshake(ctx, _client(minimum=ssl.TLSVersion.TLSv1_3))
    assert outcome.version == "TLSv1.3"
    assert outcome.cipher is not None
    assert outcome.cipher.startswith("TLS_")


@pytest.mark.parametrize("hostname", ["localhost", "127.0.0.1", "charger-gw.example"])
def test_client_verifies_with_local_ca(issued: Issued, hostname: str, socket_enabled: None) -> None:
    """A strict default client trusting only ca.pem accepts every SAN (X509_STRICT on 3.13)."""
    ctx = build_server_ssl_context(issued.server.cert_file, issued.server.key_file)
    client = ssl.create_default_context(cafile=issued.server.ca_file)
    assert _handshake(ctx, client, hostname).version == "TLSv1.3"


def test_client_rejects_wrong_hostname(issued: Issued, socket_enabled: None) -> None:
    """A name outside the SANs fails verification."""
    ctx = build_server_ssl_context(issued.server.cert_file, issued.server.key_file)
    client = ssl.create_default_context(cafile=issued.server.ca_file)
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(ctx, client, "elsewhere.example")


def test_profile3_client_certificates(issued: Issued, tmp_path: Path, socket_enabled: None) -> None:
    """CERT_OPTIONAL: no certificate is fine, a CA-signed one is seen, a foreign one fails."""
    server = issued.server
    ctx = build_server_ssl_context(server.cert_file, server.key_file, server.ca_file)
    assert ctx.verify_mode == ssl.CERT_OPTIONAL
    assert _handshake(ctx, _client()).peer_cert is None

    cert, key = _client_cert(tmp_path, issued.ca.directory, "CP-1")
    client = _client()
    client.load_cert_chain(cert, key)
    peer = _handshake(ctx, client).peer_cert
    assert peer is not None
    assert peer["subject"] == ((("commonName", "CP-1"),),)

    other = LocalCertificateAuthority(tmp_path / "other")
    other.ensure([])
    cert, key = _client_cert(tmp_path, other.directory, "CP-2")
    client = _client()
    client.load_cert_chain(cert, key)
    with pytest.raises((ssl.SSLError, ConnectionError)):  # TLS 1.3: raised by recv()
        _handshake(ctx, client)


# --- certificate checks ----------------------------------------------------------------------


def test_validate_good_pair(issued: Issued) -> None:
    """A matching, unexpired pair passes; not_after is UTC-aware."""
    validate_certificate_pair(issued.server.cert_file, issued.server.key_file)
    not_after = certificate_not_after(issued.server.cert_file)
    assert not_after == issued.server.not_after
    assert not_after.tzinfo is not None
    assert not_after.utcoffset() == timedelta(0)


def _reason(cert_file: Path, key_file: Path) -> str:
    with pytest.raises(CertificateProblem) as caught:
        validate_certificate_pair(cert_file, key_file)
    assert str(caught.value) == caught.value.reason
    return caught.value.reason


def test_validate_reasons(issued: Issued, tmp_path: Path) -> None:
    """Each failure maps to its reason string."""
    cert, key = issued.server.cert_file, issued.server.key_file
    junk = _write_pem(tmp_path / "junk.pem", b"-----BEGIN CERTIFICATE-----\nnope\n")
    assert _reason(tmp_path / "missing.pem", key) == "cert_not_found"
    assert _reason(cert, tmp_path / "missing.key") == "key_not_found"
    assert _reason(junk, key) == "cert_invalid"
    assert _reason(tmp_path, key) == "cert_invalid"  # a directory: unreadable
    assert _reason(cert, junk) == "key_invalid"
    assert _reason(cert, issued.ca.ca_key_file) == "key_mismatch"


def _self_signed(tmp_path: Path, name: str, key: CertificateIssuerPrivateKeyTypes) -> Path:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return _write_pem(tmp_path / f"{name}.pem", cert.public_bytes(serialization.Encoding.PEM))


def _key_file(tmp_path: Path, name: str, key: rsa.RSAPrivateKey, encoding: str = "PEM") -> Path:
    data = key.private_bytes(
        getattr(serialization.Encoding, encoding),
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return _write_pem(tmp_path / f"{name}.key", data)


def test_validate_encrypted_and_der(issued: Issued, tmp_path: Path) -> None:
    """Passphrase-protected keys and DER files are refused (the ssl module needs PEM)."""
    key = serialization.load_pem_private_key(issued.server.key_file.read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    cert = issued.server.cert_file
    assert _reason(cert, _write_pem(tmp_path / "enc.key", encrypted)) == "key_invalid"
    assert _reason(cert, _key_file(tmp_path, "der", key, "DER")) == "key_invalid"
    leaf = x509.load_pem_x509_certificates(cert.read_bytes())[0]
    der_cert = _write_pem(tmp_path / "c.der", leaf.public_bytes(serialization.Encoding.DER))
    assert _reason(der_cert, issued.server.key_file) == "cert_invalid"


def test_validate_weak_for_openssl(tmp_path: Path) -> None:
    """What security level 2 would refuse at load time is reported up front."""
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    weak_cert = _self_signed(tmp_path, "weak", weak)
    assert _reason(weak_cert, _key_file(tmp_path, "weak", weak)) == "key_invalid"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    good = _self_signed(tmp_path, "good", key)
    validate_certificate_pair(good, _key_file(tmp_path, "good", key))


def test_validate_other_openssl_refusal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Any other OpenSSL refusal (e.g. CA_MD_TOO_WEAK) is cert_invalid."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert, key_file = _self_signed(tmp_path, "c", key), _key_file(tmp_path, "c", key)

    def refuse(*_args: object) -> ssl.SSLContext:
        err = ssl.SSLError(1, "ca md too weak")
        err.reason = "CA_MD_TOO_WEAK"
        raise err

    monkeypatch.setattr(security, "build_server_ssl_context", refuse)
    assert _reason(cert, key_file) == "cert_invalid"


def test_validate_expired(tmp_path: Path) -> None:
    """A certificate issued two years ago (397-day validity) has expired."""
    ca = LocalCertificateAuthority(tmp_path / "old")
    server = ca.ensure([], now=datetime.now(UTC) - timedelta(days=800))
    assert _reason(server.cert_file, server.key_file) == "cert_expired"


def test_certificate_not_after_problem(tmp_path: Path) -> None:
    """certificate_not_after raises CertificateProblem for a missing file."""
    with pytest.raises(CertificateProblem) as caught:
        certificate_not_after(tmp_path / "nope.pem")
    assert caught.value.reason == "cert_not_found"


# --- local CA --------------------------------------------------------------------------------


def test_ca_layout_and_modes(tmp_path: Path) -> None:
    """Files, permissions, chain and CA properties."""
    directory = tmp_path / "state" / "tls"
    server = LocalCertificateAuthority(directory).ensure(["gw.example"])
    assert _mode(directory) == 0o700
    assert _mode(directory / "ca.key") == 0o600
    assert _mode(directory / "server.key") == 0o600
    assert server.cert_file == directory / "server.pem"
    assert server.key_file == directory / "server.key"
    assert server.ca_file == directory / "ca.pem"
    assert sorted(p.name for p in directory.iterdir()) == [
        "ca.key",
        "ca.pem",
        "server.key",
        "server.pem",
    ]
    leaf, chain_ca = x509.load_pem_x509_certificates(server.cert_file.read_bytes())
    ca = x509.load_pem_x509_certificate(server.ca_file.read_bytes())
    assert chain_ca == ca
    leaf.verify_directly_issued_by(ca)
    common_name = ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert str(common_name).startswith("OCPP Central Local CA ")
    assert ca.not_valid_after_utc - ca.not_valid_before_utc > timedelta(days=20 * 365)
    lifetime = leaf.not_valid_after_utc - datetime.now(UTC)
    assert timedelta(days=396) < lifetime <= timedelta(days=397)
    assert leaf.not_valid_after_utc == server.not_after
    assert ca.public_key().key_size == 2048  # type: ignore[union-attr]
    assert leaf.public_key().key_size == 2048  # type: ignore[union-attr]


def test_sans_normalized(tmp_path: Path) -> None:
    """IPs become IPAddress SANs, names DNSName; deduplicated; localhost always present."""
    names = ["OCPP.example.", "ocpp.example", "", "  ", "192.168.1.10", "fe80::1%eth0"]
    server = LocalCertificateAuthority(tmp_path).ensure([*names, "[2001:db8::5]", "bücher.de"])
    dns, ips = _sans(server.cert_file)
    assert dns == {"ocpp.example", "localhost", "xn--bcher-kva.de"}
    assert ips == {"192.168.1.10", "127.0.0.1", "fe80::1", "2001:db8::5"}
    assert server.names == (
        "ocpp.example",
        "192.168.1.10",
        "fe80::1",
        "2001:db8::5",
        "xn--bcher-kva.de",
        "localhost",
        "127.0.0.1",
    )


def test_unusable_names_skipped(tmp_path: Path) -> None:
    """A name IDNA cannot encode is skipped rather than failing the whole certificate."""
    server = LocalCertificateAuthority(tmp_path).ensure(["a" * 70 + ".example", "a..b"])
    assert server.names == ("localhost", "127.0.0.1")


def test_two_installations_differ(tmp_path: Path) -> None:
    """Each CA has its own random name and key."""
    first = LocalCertificateAuthority(tmp_path / "a").ca_certificate_pem()
    second = LocalCertificateAuthority(tmp_path / "b").ca_certificate_pem()
    subjects = {x509.load_pem_x509_certificate(pem).subject for pem in (first, second)}
    assert len(subjects) == 2


def test_ensure_is_idempotent(tmp_path: Path) -> None:
    """Same names (any order, any case) rewrite nothing."""
    ca = LocalCertificateAuthority(tmp_path)
    first = ca.ensure(["gw.example", "10.0.0.2"])
    before = _snapshot(tmp_path)
    second = ca.ensure(["10.0.0.2", "GW.example", "localhost"])
    assert _snapshot(tmp_path) == before
    assert second.not_after == first.not_after
    assert ca.ca_certificate_pem() == before["ca.pem"][0]


def test_reissue_on_changed_names(tmp_path: Path) -> None:
    """A different SAN set re-issues the server certificate, keeping the CA."""
    ca = LocalCertificateAuthority(tmp_path)
    ca.ensure(["gw.example"])
    before = _snapshot(tmp_path)
    server = ca.ensure(["gw.example", "10.0.0.3"])
    after = _snapshot(tmp_path)
    assert after["ca.pem"] == before["ca.pem"]
    assert after["ca.key"] == before["ca.key"]
    assert after["server.pem"][0] != before["server.pem"][0]
    assert after["server.key"][0] != before["server.key"][0]
    assert _sans(server.cert_file)[1] == {"10.0.0.3", "127.0.0.1"}


def test_reissue_near_expiry(tmp_path: Path) -> None:
    """380 days on, less than 30 days remain: re-issue; the CA stays."""
    ca = LocalCertificateAuthority(tmp_path)
    first = ca.ensure(["gw.example"])
    before = _snapshot(tmp_path)
    later = datetime.now(UTC) + timedelta(days=380)
    second = ca.ensure(["gw.example"], now=later)
    assert second.not_after > first.not_after + timedelta(days=370)
    after = _snapshot(tmp_path)
    assert after["ca.pem"] == before["ca.pem"]
    assert after["server.pem"][0] != before["server.pem"][0]
    assert ca.ensure(["gw.example"], now=later) == second  # and stable afterwards


@pytest.mark.parametrize("damage", ["missing_key", "garbage_cert", "foreign_key"])
def test_reissue_on_damaged_files(tmp_path: Path, damage: str) -> None:
    """Missing, unreadable or mismatched server files are replaced."""
    ca = LocalCertificateAuthority(tmp_path)
    ca.ensure(["gw.example"])
    ca_pem = ca.ca_certificate_pem()
    if damage == "missing_key":
        ca.key_file.unlink()
    elif damage == "garbage_cert":
        ca.cert_file.write_bytes(b"garbage")
    else:
        ca.key_file.write_bytes(ca.ca_key_file.read_bytes())
    server = ca.ensure(["gw.example"])
    validate_certificate_pair(server.cert_file, server.key_file)
    assert ca.ca_certificate_pem() == ca_pem


def test_server_cert_from_another_ca_reissued(tmp_path: Path) -> None:
    """A server certificate not signed by the current CA is replaced."""
    ca = LocalCertificateAuthority(tmp_path / "a")
    ca.ensure(["gw.example"])
    other = LocalCertificateAuthority(tmp_path / "b")
    other.ensure(["gw.example"])
    ca.cert_file.write_bytes(other.cert_file.read_bytes())
    ca.key_file.write_bytes(other.key_file.read_bytes())
    server = ca.ensure(["gw.example"])
    leaf = x509.load_pem_x509_certificates(server.cert_file.read_bytes())[0]
    leaf.verify_directly_issued_by(x509.load_pem_x509_certificate(ca.ca_certificate_pem()))


def test_expired_or_broken_ca_regenerated(tmp_path: Path) -> None:
    """Only an expired or unusable CA is replaced."""
    ca = LocalCertificateAuthority(tmp_path)
    ca.ensure([], now=datetime.now(UTC) - timedelta(days=21 * 365))
    old = ca.ca_file.read_bytes()
    ca.ensure([])
    renewed = ca.ca_file.read_bytes()
    assert renewed != old
    assert ca.ca_certificate_pem() == renewed
    ca.ca_key_file.write_bytes(b"broken")
    assert ca.ca_certificate_pem() != renewed
    assert _mode(ca.ca_key_file) == 0o600


def test_default_names_mocked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Host name, FQDN, then sorted LAN addresses; loopback and link-local dropped."""
    monkeypatch.setattr(socket, "gethostname", lambda: "ha")
    monkeypatch.setattr(socket, "getfqdn", lambda name="": "ha.lan")
    infos = ["10.0.0.9", "127.0.1.1", "fe80::1%eth0", "2001:db8::7", "10.0.0.2", "not-an-ip"]

    def fake_getaddrinfo(host: str, port: object) -> list[tuple[object, ...]]:
        assert host == "ha"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (addr, 0)) for addr in infos]

    probes = {socket.AF_INET: "10.0.0.9", socket.AF_INET6: None}
    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    monkeypatch.setattr(security, "_outbound_address", lambda family, _t: probes[family])
    assert default_names() == ["ha", "ha.lan", "10.0.0.2", "10.0.0.9", "2001:db8::7"]


def test_default_names_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every lookup failing yields an empty list, not an exception."""

    def broken(*_args: object) -> str:
        raise OSError("no network")

    def gai(*_args: object) -> list[object]:
        raise socket.gaierror("no name")

    monkeypatch.setattr(security, "_outbound_address", lambda *_a: None)
    monkeypatch.setattr(socket, "gethostname", broken)
    assert default_names() == []
    monkeypatch.setattr(socket, "gethostname", lambda: "localhost")
    monkeypatch.setattr(socket, "getfqdn", lambda name="": "localhost.localdomain")
    monkeypatch.setattr(socket, "getaddrinfo", gai)
    assert default_names() == []


def test_default_names_real(socket_enabled: None, tmp_path: Path) -> None:
    """The real lookup never raises, has no loopback, and feeds ensure()."""
    names = default_names()
    assert all(isinstance(n, str) and n for n in names)
    for name in names:
        try:
            assert not ipaddress.ip_address(name).is_loopback
        except ValueError:
            assert not name.startswith("localhost")
    assert len(names) == len(set(names))
    LocalCertificateAuthority(tmp_path).ensure(names)


def test_outbound_address_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A socket error or a sandbox's RuntimeError gives None."""

    class Blocked:
        def __init__(self, *_args: object) -> None:
            raise RuntimeError("sockets disabled")

    monkeypatch.setattr(socket, "socket", Blocked)
    assert security._outbound_address(socket.AF_INET, "192.0.2.1") is None


# --- passwords -------------------------------------------------------------------------------


def test_generate_password() -> None:
    """24 alphanumeric characters, never a colon, never repeated."""
    passwords = {generate_password() for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        assert len(password) == 24 >= MIN_PASSWORD_LENGTH
        assert password.isalnum()
        assert password.isascii()
        assert ":" not in password


def test_hash_format_and_verify() -> None:
    """scrypt$16384$8$1$salt$hash; right password verifies, wrong does not."""
    stored = hash_password("correct horse battery")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt)) == 16
    assert len(base64.b64decode(digest)) == 32
    assert "correct" not in stored
    assert verify_password(b"correct horse battery", stored)
    assert not verify_password(b"correct horse batterY", stored)
    assert not verify_password(b"", stored)
    assert hash_password("x" * 16) != hash_password("x" * 16)  # salted


def test_bytes_password() -> None:
    """Non-UTF-8 password bytes hash and verify."""
    stored = hash_password(b"\xff\x00\xfe" * 6)
    assert verify_password(b"\xff\x00\xfe" * 6, stored)


def test_hex_form_accepted() -> None:
    """The AuthorizationKey hex form (either case) verifies; odd-length or bad hex does not."""
    password = "Secret0123456789abcd"
    stored = hash_password(password)
    hex_form = password.encode().hex()
    assert verify_password(hex_form.encode(), stored)
    assert verify_password(hex_form.upper().encode(), stored)
    assert not verify_password(hex_form[:-1].encode(), stored)
    assert not verify_password((hex_form[:-2] + "zz").encode(), stored)
    assert not verify_password(b"00" * 10, stored)


def test_hex_looking_password_verifies_raw() -> None:
    """A password that is itself hex still verifies as typed."""
    stored = hash_password("0123456789abcdef")
    assert verify_password(b"0123456789abcdef", stored)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plain",
        "bcrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 44,
        "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==",
        "scrypt$x$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 44,
        "scrypt$16383$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 44,
        "scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 44,
        "scrypt$16384$8$1$!!!$" + "A" * 44,
        "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
        "scrypt$16384$8$1$$" + "A" * 44,
    ],
)
def test_malformed_stored_hash(stored: str) -> None:
    """Malformed or absurd hashes give False, never an exception or a huge allocation."""
    assert verify_password(b"whatever-password", stored) is False


def test_scrypt_failure_is_false(monkeypatch: pytest.MonkeyPatch) -> None:
    """An scrypt error (e.g. memory limit) is a failed verification."""
    stored = hash_password("abcdefghijklmnop")

    def failing(*_args: object, **_kwargs: object) -> bytes:
        raise ValueError("memory limit exceeded")

    monkeypatch.setattr(hashlib, "scrypt", failing)
    assert verify_password(b"abcdefghijklmnop", stored) is False


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    calls: list[bytes] = []
    real = security.verify_password

    def counted(password: bytes, stored: str) -> bool:
        calls.append(password)
        return real(password, stored)

    monkeypatch.setattr(security, "verify_password", counted)
    return calls


def test_verifier_caches_success(monkeypatch: pytest.MonkeyPatch) -> None:
    """A repeated success costs no scrypt; failures are never cached."""
    calls = _counting(monkeypatch)
    stored = hash_password("abcdefghijklmnop")
    verifier = PasswordVerifier()
    assert verifier.verify(b"abcdefghijklmnop", stored)
    assert verifier.verify(b"abcdefghijklmnop", stored)
    assert len(calls) == 1
    assert not verifier.verify(b"wrong-password!!", stored)
    assert not verifier.verify(b"wrong-password!!", stored)
    assert len(calls) == 3
    other = hash_password("abcdefghijklmnop")  # same password, new hash: own entry
    assert verifier.verify(b"abcdefghijklmnop", other)
    assert len(calls) == 4
    cache = verifier._cache
    assert all(b"abcdefghijklmnop" not in key for key in cache)


def test_verifier_lru_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache holds at most max_entries, evicting the least recently used."""
    calls: list[bytes] = []

    def fake(password: bytes, _stored: str) -> bool:
        calls.append(password)
        return True

    monkeypatch.setattr(security, "verify_password", fake)
    verifier = PasswordVerifier(max_entries=2)
    for password in (b"a", b"b", b"a", b"c"):  # "b" is the least recently used when "c" comes
        verifier.verify(password, "h")
    assert calls == [b"a", b"b", b"c"]
    calls.clear()
    assert verifier.verify(b"a", "h")
    assert verifier.verify(b"c", "h")
    assert calls == []
    assert verifier.verify(b"b", "h")
    assert calls == [b"b"]
    assert len(verifier._cache) == 2


# --- Basic auth ------------------------------------------------------------------------------


def _basic(userpass: bytes, scheme: str = "Basic", pad: bool = True) -> str:
    encoded = base64.b64encode(userpass).decode()
    return f"{scheme} {encoded if pad else encoded.rstrip('=')}"


def test_basic_auth_plain() -> None:
    """The password after ``id:`` is returned."""
    assert parse_basic_auth(_basic(b"CP1:s3cret-pass"), "CP1") == b"s3cret-pass"


def test_basic_auth_colons() -> None:
    """Ids and passwords may contain ':'; the split is at the id prefix."""
    assert parse_basic_auth(_basic(b"site:CP:7:pw:with:colons"), "site:CP:7") == b"pw:with:colons"
    assert parse_basic_auth(_basic(b"site:CP:7:pw"), "site") == b"CP:7:pw"


@pytest.mark.parametrize("scheme", ["basic", "BASIC", "bAsIc"])
def test_basic_auth_scheme_case(scheme: str) -> None:
    """The scheme is case-insensitive."""
    assert parse_basic_auth(_basic(b"CP1:pw", scheme), "CP1") == b"pw"


def test_basic_auth_missing_padding() -> None:
    """Unpadded base64 is tolerated."""
    header = _basic(b"CP1:abcd", pad=False)
    assert not header.endswith("=")
    assert parse_basic_auth(header, "CP1") == b"abcd"
    assert parse_basic_auth(f"  {_basic(b'CP1:abcd')}  ", "CP1") == b"abcd"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic",
        "Basic ",
        "Bearer " + base64.b64encode(b"CP1:pw").decode(),
        "Basic !!!!",
        "Basic Q1AxOnB3x",  # impossible length
        "Basic Q1Ax OnB3",
        "Basic Q1AxOnB3ä",
        _basic(b"CP2:pw"),
        _basic(b"CP10:pw"),
        _basic(b"cp1:pw"),
        _basic(b"CP1pw"),
        _basic(b"CP1:"),
    ],
)
def test_basic_auth_rejects(header: str | None) -> None:
    """Malformed headers, other users and empty passwords give None."""
    assert parse_basic_auth(header, "CP1") is None


def test_basic_auth_empty_id() -> None:
    """An empty charge point id never matches."""
    assert parse_basic_auth(_basic(b":pw"), "") is None


def test_basic_auth_unicode_id() -> None:
    """Ids are matched as UTF-8."""
    assert parse_basic_auth(_basic("Ladesäule:pw".encode()), "Ladesäule") == b"pw"
