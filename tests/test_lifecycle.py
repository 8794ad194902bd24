"""Chargers come and go, settings change, certificates renew: nobody else is disturbed."""

from __future__ import annotations

import asyncio
import ssl
from datetime import timedelta
from types import MappingProxyType

import pytest
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ocpp_central import certificates
from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.runtime import charger_subentries
from simulator import connect_charger

from .conftest import LOCAL_CA, PASSWORD, boot, charger_subentry, settle, state, url


def _device(hass: HomeAssistant, entry: MockConfigEntry, identifier: str) -> dr.DeviceEntry | None:
    registry = dr.async_get(hass)
    return next(
        (
            d
            for d in dr.async_entries_for_config_entry(registry, entry.entry_id)
            if (DOMAIN, identifier) in d.identifiers
        ),
        None,
    )


async def test_adding_renaming_removing_chargers_keeps_others_connected(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    async with connect() as cp1:
        await boot(cp1)
        data = charger_subentry("CP2")["data"]
        hass.config_entries.async_add_subentry(
            entry,
            ConfigSubentry(
                data=MappingProxyType(data), subentry_type="charger", title="CP2", unique_id="CP2"
            ),
        )
        await hass.async_block_till_done()
        async with connect("CP2") as cp2:
            await boot(cp2)
            subentry = charger_subentries(entry)["CP2"]
            hass.config_entries.async_update_subentry(entry, subentry, title="Garage")
            await hass.async_block_till_done()
            assert _device(hass, entry, "CP2").name == "Garage"
            hass.config_entries.async_remove_subentry(entry, subentry.subentry_id)
            await hass.async_block_till_done()
            await asyncio.wait_for(cp2.connection.wait_closed(), 5)
        assert _device(hass, entry, "CP2") is None
        assert (await cp1.heartbeat())["currentTime"]
        await settle(hass)
        assert state(hass, "binary_sensor", "CP1-0-connected") == "on"


async def test_reconfigure_restarts_only_the_listener(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    """New server settings: chargers reconnect, sessions survive."""
    async with connect() as cp:
        await boot(cp)
        tx = (await cp.start_transaction(1, "TAG", meter_start=100))["transactionId"]
    hass.config_entries.async_update_entry(entry, data={**entry.data, "heartbeat_interval": 120})
    await hass.async_block_till_done()
    async with connect() as cp:
        assert (await cp.boot())["interval"] == 120
        assert await cp.stop_transaction(tx, meter_stop=150) == {}
    assert entry.state.recoverable


@pytest.mark.parametrize("entry_data", [LOCAL_CA])
async def test_generated_certificate_renews_without_restart(
    hass: HomeAssistant, entry: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The daily check re-issues the certificate (here: a new name) and new handshakes
    get it at once; the listener is not restarted."""
    tls = entry.runtime_data.tls
    context = ssl.create_default_context(cafile=str(tls.ca_file))
    port = entry.runtime_data.central.port
    monkeypatch.setattr(certificates, "default_names", lambda: ["renewed.example", "192.0.2.7"])
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(days=1, minutes=1))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.runtime_data.tls.fingerprint != tls.fingerprint
    assert entry.runtime_data.central.port == port
    async with connect_charger(url(entry), "CP1", password=PASSWORD, ssl=context) as cp:
        peer = cp.connection.transport.get_extra_info("peercert")
        assert ("DNS", "renewed.example") in peer["subjectAltName"]
