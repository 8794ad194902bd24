"""Devices: the central system, its chargers, and connectors of multi-connector chargers.

Devices are created here, in the registry, before their entities; entities then refer
to them by identifier only. The link to the parent device uses ``via_device_id`` where
Home Assistant has it (2026.8+) and ``via_device`` before.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntry, DeviceInfo

from .const import DOMAIN
from .csms.model import ChargerState

_VIA_DEVICE_ID = "via_device_id" in DeviceInfo.__annotations__


def _via(parent: DeviceEntry) -> dict[str, Any]:
    if _VIA_DEVICE_ID:
        return {"via_device_id": parent.id}
    identifier = next(iter(parent.identifiers))
    return {"via_device": identifier}


def device_ref(identifier: str) -> DeviceInfo:
    """Entities point at an existing device by its identifier."""
    return DeviceInfo(identifiers={(DOMAIN, identifier)})


def async_central_device(hass: HomeAssistant, entry: ConfigEntry) -> DeviceEntry:
    """The central system's own device (pairing button and window live there)."""
    return dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, entry.entry_id)},
        name=entry.title,
        manufacturer="OCPP Central",
        model="OCPP 1.6J central system",
    )


def async_charger_device(
    hass: HomeAssistant,
    entry: ConfigEntry,
    subentry: ConfigSubentry,
    charger: ChargerState,
) -> DeviceEntry:
    """A charger's device, with what BootNotification said about it."""
    details: dict[str, Any] = {}
    if (identity := charger.identity) is not None:
        details = {
            "manufacturer": identity.vendor or None,
            "model": identity.model or None,
            "serial_number": identity.serial,
            "sw_version": identity.firmware,
        }
    return dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        config_subentry_id=subentry.subentry_id,
        identifiers={(DOMAIN, charger.charge_point_id)},
        name=subentry.title,
        **_via(async_central_device(hass, entry)),
        **details,
    )


def async_connector_device(
    hass: HomeAssistant,
    entry: ConfigEntry,
    subentry: ConfigSubentry,
    charger: ChargerState,
    connector_id: int,
) -> DeviceEntry:
    """A connector of a multi-connector charger gets a device of its own."""
    parent = async_charger_device(hass, entry, subentry, charger)
    return dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        config_subentry_id=subentry.subentry_id,
        identifiers={(DOMAIN, f"{charger.charge_point_id}-{connector_id}")},
        name=f"{subentry.title} connector {connector_id}",
        **_via(parent),
    )


def async_update_charger_identity(
    hass: HomeAssistant, entry: ConfigEntry, charger: ChargerState
) -> None:
    """BootNotification's vendor, model, serial and firmware go to the device."""
    identity = charger.identity
    if identity is None:
        return
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if (DOMAIN, charger.charge_point_id) in device.identifiers:
            registry.async_update_device(
                device.id,
                manufacturer=identity.vendor or None,
                model=identity.model or None,
                serial_number=identity.serial,
                sw_version=identity.firmware,
            )


def async_rename_charger(
    hass: HomeAssistant, entry: ConfigEntry, charge_point_id: str, name: str
) -> None:
    """A renamed charger subentry renames its device (unless the user named it)."""
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if (DOMAIN, charge_point_id) in device.identifiers and device.name != name:
            registry.async_update_device(device.id, name=name)
