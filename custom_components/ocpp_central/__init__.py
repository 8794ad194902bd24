"""OCPP Central: an OCPP 1.6J central system inside Home Assistant."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import ConfigType

from .certificates import TlsSetup, async_renew, async_tls_setup
from .const import (
    CONF_ALLOW_INSECURE,
    CONF_HEARTBEAT_INTERVAL,
    CONF_HOST,
    CONF_METER_SAMPLE_INTERVAL,
    CONF_PORT,
    DEFAULT_HEARTBEAT_INTERVAL,
    DEFAULT_HOST,
    DEFAULT_METER_SAMPLE_INTERVAL,
    DEFAULT_PORT,
    DOMAIN,
)
from .csms.central import CentralSettings, CentralSystem
from .csms.security import CertificateProblem
from .csms.server import ListenSettings
from .devices import async_central_device, async_rename_charger
from .files import FileExchange
from .http import CaCertificateView, DiagnosticsUploadView, FirmwareView
from .id_tag_flow import apply_id_tag_settings, without_id_tag_policy
from .runtime import (
    Bridge,
    OcppCentralConfigEntry,
    OcppCentralData,
    charger_config,
    charger_subentries,
)
from .services import async_setup_services
from .store import CentralStore

_LOGGER = logging.getLogger(__name__)

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.NUMBER,
    Platform.SENSOR,
    Platform.SWITCH,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the HTTP views (once for all entries)."""
    hass.http.register_view(CaCertificateView())
    hass.http.register_view(FirmwareView())
    hass.http.register_view(DiagnosticsUploadView())
    async_setup_services(hass)
    return True


def _settings(data: dict[str, Any]) -> CentralSettings:
    return CentralSettings(
        heartbeat_interval=int(data.get(CONF_HEARTBEAT_INTERVAL, DEFAULT_HEARTBEAT_INTERVAL)),
        meter_sample_interval=int(
            data.get(CONF_METER_SAMPLE_INTERVAL, DEFAULT_METER_SAMPLE_INTERVAL)
        ),
    )


async def _listen_settings(
    hass: HomeAssistant, entry: OcppCentralConfigEntry
) -> tuple[ListenSettings, TlsSetup]:
    try:
        tls = await async_tls_setup(hass, entry)
    except CertificateProblem as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="certificate_problem",
            translation_placeholders={"reason": err.reason},
        ) from err
    listen = ListenSettings(
        host=str(entry.data.get(CONF_HOST, DEFAULT_HOST)),
        port=int(entry.data.get(CONF_PORT, DEFAULT_PORT)),
        ssl_context=tls.context,
    )
    return listen, tls


def _update_insecure_issue(hass: HomeAssistant, entry: OcppCentralConfigEntry) -> None:
    """A repair issue stays up while plain ws:// is allowed (SPEC §2.3)."""
    issue_id = f"insecure_connections_{entry.entry_id}"
    if entry.data.get(CONF_ALLOW_INSECURE):
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="insecure_connections",
            translation_placeholders={"port": str(entry.data.get(CONF_PORT, DEFAULT_PORT))},
        )
    else:
        ir.async_delete_issue(hass, DOMAIN, issue_id)


async def async_setup_entry(hass: HomeAssistant, entry: OcppCentralConfigEntry) -> bool:
    """Start the central system of one port."""
    bridge = Bridge(hass, entry)
    store = CentralStore(hass, entry.entry_id)
    central = CentralSystem(
        _settings(dict(entry.data)),
        bridge,
        [charger_config(s) for s in charger_subentries(entry).values()],
        stored=await store.async_load(),
    )
    apply_id_tag_settings(entry, central.authorizer)
    store.snapshot = central.snapshot
    bridge.central = central
    bridge.store = store
    listen, tls = await _listen_settings(hass, entry)
    files = FileExchange(hass)
    await files.async_prepare()
    files.on_upload = lambda cp_id, path: _LOGGER.info("diagnostics of %s saved to %s", cp_id, path)
    try:
        await central.start(listen)
    except OSError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_listen",
            translation_placeholders={"port": str(listen.port), "error": str(err)},
        ) from err
    entry.runtime_data = OcppCentralData(
        entry=entry,
        central=central,
        bridge=bridge,
        store=store,
        tls=tls,
        files=files,
        data=dict(entry.data),
    )
    _update_insecure_issue(hass, entry)
    async_central_device(hass, entry)

    async def _stop(_event: Event) -> None:
        await central.stop()
        await store.async_flush()

    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _stop))
    entry.async_on_unload(bridge.shutdown)

    async def _renew(_now: Any) -> None:
        entry.runtime_data.tls = await async_renew(hass, entry, entry.runtime_data.tls)

    entry.async_on_unload(async_track_time_interval(hass, _renew, timedelta(days=1)))
    entry.async_on_unload(entry.add_update_listener(_async_update_listener))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def _async_update_listener(hass: HomeAssistant, entry: OcppCentralConfigEntry) -> None:
    """Apply changes without a reload: chargers are added or removed in place, and new
    server settings restart only the listener (sessions and state are kept)."""
    data = entry.runtime_data
    central = data.central
    if without_id_tag_policy(entry.data) != without_id_tag_policy(data.data):
        listen, data.tls = await _listen_settings(hass, entry)
        central.settings = _settings(dict(entry.data))
        await central.restart(listen)
        data.data = dict(entry.data)
        _update_insecure_issue(hass, entry)
    chargers = charger_subentries(entry)
    central.set_chargers(charger_config(s) for s in chargers.values())
    apply_id_tag_settings(entry, central.authorizer)
    for cp_id in data.bridge.refresh_subentries():
        data.bridge.create_entities(cp_id, None)
    for cp_id, subentry in chargers.items():
        async_rename_charger(hass, entry, cp_id, subentry.title)
        data.bridge.charger_changed(cp_id, None)  # settings shown by entities (ranges)
    data.store.schedule(urgent=True)


async def async_unload_entry(hass: HomeAssistant, entry: OcppCentralConfigEntry) -> bool:
    """Stop listening, close the chargers' connections, and write the state."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.central.stop()
        await entry.runtime_data.store.async_flush()
        ir.async_delete_issue(hass, DOMAIN, f"insecure_connections_{entry.entry_id}")
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: OcppCentralConfigEntry) -> None:
    """Forget the stored state of a removed central system."""
    await CentralStore(hass, entry.entry_id).async_remove()
