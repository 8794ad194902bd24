"""Diagnostics: settings, chargers, sessions and recent frames — secrets redacted."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, Final

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry

from .const import CA_DOWNLOAD_URL, CONF_PASSWORD_HASH, CONF_REMOTE_ID_TAG, DOMAIN
from .csms.model import ChargerState, Session
from .runtime import OcppCentralConfigEntry

REDACTED: Final = "**REDACTED**"
TO_REDACT: Final = {
    CONF_PASSWORD_HASH,
    CONF_REMOTE_ID_TAG,
    "password",
    "id_tag",
    "idTag",
    "parentIdTag",
}
# Inside raw frames: id tags and the AuthorizationKey (EVBox Elvi returns it readable in
# GetConfiguration, QUIRKS C6; ChangeConfiguration carries it when rotated).
_FRAME_SECRETS: Final = re.compile(r'("(?:idTag|parentIdTag)"\s*:\s*)"(?:[^"\\]|\\.)*"')
_AUTH_KEY: Final = re.compile(
    r'("key"\s*:\s*"AuthorizationKey"[^}]*?"value"\s*:\s*)"(?:[^"\\]|\\.)*"'
    r'|("value"\s*:\s*)"(?:[^"\\]|\\.)*"(?=[^}]*"key"\s*:\s*"AuthorizationKey")',
    re.IGNORECASE,
)


def redact_frame(text: str) -> str:
    """A frame with id tags and authorization keys replaced."""
    text = _FRAME_SECRETS.sub(rf'\1"{REDACTED}"', text)
    return _AUTH_KEY.sub(lambda m: f'{m.group(1) or m.group(2)}"{REDACTED}"', text)


def _session(session: Session | None) -> dict[str, Any] | None:
    if session is None:
        return None
    data = session.to_dict()
    data["id_tag"] = REDACTED if session.id_tag else None
    return data


def _charger(charger: ChargerState) -> dict[str, Any]:
    return {
        "connected": charger.connected,
        "connected_at": charger.connected_at,
        "disconnected_reason": charger.disconnected_reason,
        "last_seen": charger.last_seen,
        "last_boot": charger.last_boot,
        "identity": charger.identity.to_dict() if charger.identity else None,
        "capabilities": {
            k: sorted(v) if isinstance(v, frozenset) else v
            for k, v in asdict(charger.capabilities).items()
        },
        "configuration": {
            key: {
                "value": REDACTED if key.lower() == "authorizationkey" else item.value,
                "readonly": item.readonly,
            }
            for key, item in charger.configuration.items()
        },
        "quirk_profile": {"learned": charger.quirks.learned, "overrides": charger.quirks.overrides},
        "control": charger.control.to_dict(),  # the pause and cap Home Assistant wants
        "deviations": charger.deviations.as_dict(),
        "connectors": {
            str(cid): {
                "status": conn.status,
                "error_code": conn.error_code,
                "vendor_error": conn.vendor_error,
                "measurands": sorted(conn.measurands),
                "readings": asdict(conn.readings),
                "energy": conn.energy.to_dict(),
                "session": _session(conn.session),
                "last_closed": _session(conn.last_closed),
            }
            for cid, conn in sorted(charger.connectors.items())
        },
        "recent_sessions": [_session(s) for s in charger.recent_sessions],
        "frames": [
            {
                "at": datetime.fromtimestamp(at, UTC).isoformat(),
                "direction": "received" if direction == "<" else "sent",
                "frame": redact_frame(text),
            }
            for at, direction, text in charger.frames
        ],
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: OcppCentralConfigEntry
) -> dict[str, Any]:
    """Everything about this central system."""
    data = entry.runtime_data
    central = data.central
    return {
        "settings": async_redact_data(dict(entry.data), TO_REDACT),
        "port": central.port,
        "ca_certificate_url": CA_DOWNLOAD_URL.format(entry_id=entry.entry_id)
        if data.tls.ca_file
        else None,
        "pairing_until": central.pairing_until if central.pairing_open() else None,
        "chargers": {
            s.title: async_redact_data(dict(s.data), TO_REDACT)
            | {"state": _charger(central.chargers[cp_id])}
            for s in entry.subentries.values()
            if (cp_id := s.data.get("charge_point_id")) in central.chargers
        },
    }


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: OcppCentralConfigEntry, device: DeviceEntry
) -> dict[str, Any]:
    """One charger's state (or the central system's, for its own device)."""
    central = entry.runtime_data.central
    for domain, identifier in device.identifiers:
        if domain == DOMAIN and (charger := central.chargers.get(identifier)):
            return _charger(charger)
    return await async_get_config_entry_diagnostics(hass, entry)
