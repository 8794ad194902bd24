"""Diagnostics show what a supporter needs, and no secret."""

from __future__ import annotations

import json

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.diagnostics import (
    async_get_config_entry_diagnostics,
    async_get_device_diagnostics,
    redact_frame,
)

from .conftest import PASSWORD, boot, charger_subentry, password_hash, settle


@pytest.mark.parametrize("subentries", [[charger_subentry("CP1", remote_id_tag="REMOTE-TAG-7")]])
async def test_entry_and_device_diagnostics_redact_secrets(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    async with connect() as cp:
        cp.profile.configuration["AuthorizationKey"] = "0123456789ABCDEF0123"
        await boot(cp)
        await cp.authorize("SECRET-TAG-42")
        await cp.start_transaction(1, "SECRET-TAG-42", meter_start=0)
        await settle(hass)
        data = await async_get_config_entry_diagnostics(hass, entry)
        device = next(
            d
            for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
            if (DOMAIN, "CP1") in d.identifiers
        )
        device_data = await async_get_device_diagnostics(hass, entry, device)
    text = json.dumps(data, default=str) + json.dumps(device_data, default=str)
    secrets = ("SECRET-TAG-42", "REMOTE-TAG-7", password_hash(), PASSWORD, "0123456789ABCDEF0123")
    for secret in secrets:
        assert secret not in text
    charger = data["chargers"]["CP1"]["state"]
    assert charger["identity"]["vendor"]
    assert charger["configuration"]["MeterValueSampleInterval"]["value"] == "60"
    assert charger["connectors"]["1"]["session"]["id_tag"] == "**REDACTED**"
    assert any(f["direction"] == "received" for f in charger["frames"])
    assert device_data["capabilities"]["feature_profiles"]
    assert charger["control"] == {"paused": {}, "cap": None, "cap_unit": "A", "phases": 3}


def test_frame_redaction() -> None:
    frame = (
        '[2,"1","ChangeConfiguration",{"key":"AuthorizationKey","value":"s3cr3t"}]'
        '[3,"2",{"configurationKey":[{"value":"x1","key":"AuthorizationKey"}]}]'
        '[2,"3","Authorize",{"idTag":"TAG"}]'
    )
    redacted = redact_frame(frame)
    assert "s3cr3t" not in redacted
    assert '"x1"' not in redacted
    assert '"TAG"' not in redacted
