"""Where the central system's TLS certificate comes from (SPEC §2.2)."""

from __future__ import annotations

import hashlib
import ssl
from dataclasses import dataclass
from pathlib import Path

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .const import CONF_ALLOW_INSECURE, CONF_CERTIFICATE_NAMES, CONF_SSL_CERTIFICATE, CONF_SSL_KEY
from .csms.security import (
    LocalCertificateAuthority,
    ServerCertificate,
    build_server_ssl_context,
    default_names,
)


@dataclass(slots=True, frozen=True)
class TlsSetup:
    """The server's TLS context and the CA file chargers should trust (if ours)."""

    context: ssl.SSLContext | None
    ca_file: Path | None
    fingerprint: str | None = None  # of the generated server certificate file


def ca_directory(hass: HomeAssistant) -> Path:
    """Where the local CA lives (one per Home Assistant installation)."""
    return Path(hass.config.path("ocpp_central", "tls"))


def extra_names(value: str | None) -> list[str]:
    """The user's extra certificate names, from a comma-separated field."""
    return [n.strip() for n in (value or "").split(",") if n.strip()]


def _build(directory: Path, data: dict[str, object]) -> TlsSetup:
    if data.get(CONF_ALLOW_INSECURE):
        return TlsSetup(None, None)
    cert = str(data.get(CONF_SSL_CERTIFICATE) or "").strip()
    key = str(data.get(CONF_SSL_KEY) or "").strip()
    if cert and key:
        return TlsSetup(build_server_ssl_context(Path(cert), Path(key)), None)
    issued = _issue(directory, data)
    return TlsSetup(
        build_server_ssl_context(issued.cert_file, issued.key_file),
        issued.ca_file,
        _fingerprint(issued.cert_file),
    )


def _fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _issue(directory: Path, data: dict[str, object]) -> ServerCertificate:
    names = default_names() + extra_names(str(data.get(CONF_CERTIFICATE_NAMES) or ""))
    return LocalCertificateAuthority(directory).ensure(names)


def _renew(directory: Path, data: dict[str, object], tls: TlsSetup) -> TlsSetup:
    """Re-issue the generated certificate when due and load it into the running context.

    New handshakes use the new certificate at once; connected chargers are not dropped.
    """
    issued = _issue(directory, data)
    fingerprint = _fingerprint(issued.cert_file)
    if tls.context is None or fingerprint == tls.fingerprint:
        return tls
    tls.context.load_cert_chain(issued.cert_file, issued.key_file)
    return TlsSetup(tls.context, issued.ca_file, fingerprint)


async def async_renew(hass: HomeAssistant, entry: ConfigEntry, tls: TlsSetup) -> TlsSetup:
    """Daily: keep the generated server certificate well before its expiry (SPEC §2.2)."""
    if tls.ca_file is None:
        return tls
    return await hass.async_add_executor_job(_renew, ca_directory(hass), dict(entry.data), tls)


async def async_tls_setup(hass: HomeAssistant, entry: ConfigEntry) -> TlsSetup:
    """Build the TLS setup in the executor (key generation and file I/O block)."""
    return await hass.async_add_executor_job(_build, ca_directory(hass), dict(entry.data))
