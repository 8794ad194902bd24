"""A charger's life over real TLS websockets, as the user sees it in Home Assistant."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from custom_components.ocpp_central.const import DOMAIN

from .conftest import boot, settle, state

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


def at(minutes: float) -> datetime:
    """The charger's clock: the energy guard measures time by it."""
    return T0 + timedelta(minutes=minutes)


BOOT = {"vendor": "Acme", "model": "Wallbox 7", "serial": "SN-42", "firmware": "2.1.0"}


def energy(value: str, unit: str = "Wh", **extra: Any) -> dict[str, Any]:
    return {"value": value, "measurand": "Energy.Active.Import.Register", "unit": unit, **extra}


def power(value: str, unit: str = "W") -> dict[str, Any]:
    return {"value": value, "measurand": "Power.Active.Import", "unit": unit}


async def test_boot_registers_the_device_and_provisions(
    hass: HomeAssistant, connect, entry
) -> None:
    """BootNotification fills the device registry; provisioning follows the boot."""
    async with connect() as cp:
        cp.profile.vendor, cp.profile.model = BOOT["vendor"], BOOT["model"]
        cp.profile.serial, cp.profile.firmware = BOOT["serial"], BOOT["firmware"]
        reply = await cp.boot()
        assert reply["status"] == "Accepted"
        assert reply["interval"] == 300
        assert reply["currentTime"].endswith("Z")
        await cp.wait_for_call("TriggerMessage")
        await settle(hass)
        assert state(hass, "binary_sensor", "CP1-0-connected") == "on"

        registry = dr.async_get(hass)
        device = next(
            d
            for d in dr.async_entries_for_config_entry(registry, entry.entry_id)
            if (DOMAIN, "CP1") in d.identifiers
        )
        assert (device.manufacturer, device.model) == ("Acme", "Wallbox 7")
        assert (device.serial_number, device.sw_version) == ("SN-42", "2.1.0")

        actions = [action for action, _ in cp.received]
        assert actions[0] == "GetConfiguration"
        changes = {p["key"]: p["value"] for p in cp.calls("ChangeConfiguration")}
        assert changes == {
            "MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import",
            "MeterValueSampleInterval": "60",
        }
        assert cp.calls("TriggerMessage") == [{"requestedMessage": "StatusNotification"}]
    await settle(hass)
    assert state(hass, "binary_sensor", "CP1-0-connected") == "off"
    assert state(hass, "sensor", "CP1-0-status") == "unavailable"


async def test_provisioning_not_repeated_when_values_match(hass: HomeAssistant, connect) -> None:
    """A charger already configured as wanted gets no ChangeConfiguration."""
    async with connect() as cp:
        cp.profile.configuration["MeterValuesSampledData"] = (
            "Power.Active.Import, Energy.Active.Import.Register"
        )
        cp.profile.configuration["MeterValueSampleInterval"] = "60"
        await cp.boot()
        await cp.wait_for_call("TriggerMessage")
    assert cp.calls("ChangeConfiguration") == []


async def test_nothing_is_sent_before_boot_and_silent_chargers_are_triggered(
    hass: HomeAssistant, connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wallbox Pulsar Pro never boots on its own (QUIRKS T2): after a grace period the
    central system asks for a BootNotification, and nothing else comes before it."""
    monkeypatch.setattr("custom_components.ocpp_central.csms.session.BOOT_GRACE_S", 0.3)
    async with connect() as cp:
        trigger = await cp.wait_for_call("TriggerMessage", timeout=5)
        assert trigger == {"requestedMessage": "BootNotification"}
        assert [a for a, _ in cp.received] == ["TriggerMessage"]
        await cp.wait_for_call("GetConfiguration", timeout=5)


async def test_full_session_with_power_in_watts(hass: HomeAssistant, connect) -> None:
    """A whole session: energy, power, session energy, duration and cost."""
    async with connect() as cp:
        await boot(cp)
        await cp.status(1, "Preparing")
        started = await cp.start_transaction(1, "TAG1", meter_start=1000, timestamp=at(0))
        tx = started["transactionId"]
        assert tx == 1
        assert started["idTagInfo"]["status"] == "Accepted"
        await cp.status(1, "Charging")
        await cp.meter_values(
            1, [energy("1500"), power("7400")], transaction_id=tx, timestamp=at(5)
        )
        await settle(hass)

        assert state(hass, "sensor", "CP1-1-power") == "7400.0"
        assert float(state(hass, "sensor", "CP1-1-energy")) == pytest.approx(1.5)
        assert float(state(hass, "sensor", "CP1-1-session_energy")) == pytest.approx(0.5)
        assert float(state(hass, "sensor", "CP1-1-session_cost")) == pytest.approx(0.15)
        assert state(hass, "binary_sensor", "CP1-1-charging") == "on"
        assert state(hass, "binary_sensor", "CP1-1-plugged_in") == "on"
        assert state(hass, "sensor", "CP1-1-status") == "charging"

        await cp.stop_transaction(tx, meter_stop=3000, reason="EVDisconnected", timestamp=at(20))
        await cp.status(1, "Available")
        await settle(hass)
        assert float(state(hass, "sensor", "CP1-1-session_energy")) == pytest.approx(2.0)
        assert float(state(hass, "sensor", "CP1-1-energy")) == pytest.approx(3.0)
        assert state(hass, "sensor", "CP1-1-power") == "0.0"
        assert state(hass, "binary_sensor", "CP1-1-charging") == "off"
        assert state(hass, "binary_sensor", "CP1-1-plugged_in") == "off"


async def test_power_in_kilowatts_and_energy_in_kilowatt_hours(
    hass: HomeAssistant, connect
) -> None:
    """INJET reports kW (QUIRKS M2), Huawei kWh (S14): both are scaled."""
    async with connect() as cp:
        await boot(cp)
        await cp.status(1, "Charging")
        tx = (await cp.start_transaction(1, "TAG1", meter_start=10_000, timestamp=at(0)))[
            "transactionId"
        ]
        await cp.meter_values(
            1, [energy("10.25", "kWh"), power("3.5", "kW")], transaction_id=tx, timestamp=at(5)
        )
        await settle(hass)
        assert state(hass, "sensor", "CP1-1-power") == "3500.0"
        assert float(state(hass, "sensor", "CP1-1-energy")) == pytest.approx(10.25)
        assert float(state(hass, "sensor", "CP1-1-session_energy")) == pytest.approx(0.25)


async def test_power_derived_from_current_and_voltage(hass: HomeAssistant, connect) -> None:
    """Without Power.Active.Import, power is the sum over phases of current × voltage."""
    async with connect() as cp:
        await boot(cp)
        await cp.status(1, "Charging")
        samples = [
            {"value": "16", "measurand": "Current.Import", "phase": phase, "unit": "A"}
            for phase in ("L1", "L2", "L3")
        ] + [
            {"value": "230", "measurand": "Voltage", "phase": f"{phase}-N", "unit": "V"}
            for phase in ("L1", "L2", "L3")
        ]
        await cp.meter_values(1, samples)
        await settle(hass)
        assert float(state(hass, "sensor", "CP1-1-power")) == pytest.approx(11040)
        assert float(state(hass, "sensor", "CP1-1-current_import")) == pytest.approx(16)
        assert float(state(hass, "sensor", "CP1-1-voltage")) == pytest.approx(230)


async def test_entities_for_unreported_measurands_are_not_created(
    hass: HomeAssistant, connect
) -> None:
    """No walls of "unknown": SoC appears only once a charger reports it."""
    async with connect() as cp:
        await boot(cp)
        await cp.status(1, "Available")
        await settle(hass)
        ids = {e.unique_id for e in hass.data["entity_registry"].entities.values()}
        assert "CP1-1-status" in ids
        assert "CP1-1-soc" not in ids
        await cp.meter_values(1, [{"value": "55", "measurand": "SoC", "unit": "Percent"}])
        await settle(hass)
        assert state(hass, "sensor", "CP1-1-soc") == "55.0"


async def test_second_connector_appears_without_reload(hass: HomeAssistant, connect) -> None:
    """Connector entities appear when a connector first reports."""
    async with connect() as cp:
        await boot(cp)
        await cp.status(1, "Available")
        await cp.status(2, "Faulted", error_code="GroundFailure")
        await settle(hass)
        assert state(hass, "sensor", "CP1-2-status") == "faulted"
        assert state(hass, "binary_sensor", "CP1-2-problem") == "on"
        assert state(hass, "binary_sensor", "CP1-1-problem") == "off"


async def test_reconnect_replaces_the_old_connection(hass: HomeAssistant, connect) -> None:
    """A second connection for the same id replaces the first cleanly (SPEC §2.6)."""
    async with connect() as first:
        await first.boot()
        async with connect() as second:
            await second.boot()
            await asyncio.wait_for(first.connection.wait_closed(), 5)
            assert first.connection.close_code == 1000
            reply = await second.heartbeat()
            assert reply["currentTime"].endswith("Z")
            await settle(hass)
            assert state(hass, "binary_sensor", "CP1-0-connected") == "on"


async def test_restart_mid_session_loses_nothing(hass: HomeAssistant, connect, entry) -> None:
    """Home Assistant restarts mid-session: energy continues, the old StopTransaction
    closes the pre-restart session."""
    async with connect() as cp:
        await boot(cp)
        tx = (await cp.start_transaction(1, "TAG1", meter_start=5000, timestamp=at(0)))[
            "transactionId"
        ]
        await cp.meter_values(1, [energy("6000")], transaction_id=tx, timestamp=at(10))
        await settle(hass)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    async with connect() as cp:
        await boot(cp)
        await cp.meter_values(1, [energy("6500")], transaction_id=tx, timestamp=at(15))
        await settle(hass)
        assert float(state(hass, "sensor", "CP1-1-session_energy")) == pytest.approx(1.5)
        await cp.stop_transaction(tx, meter_stop=7000, timestamp=at(20))
        await settle(hass)
        assert float(state(hass, "sensor", "CP1-1-session_energy")) == pytest.approx(2.0)
        assert float(state(hass, "sensor", "CP1-1-energy")) == pytest.approx(7.0)
        nxt = (await cp.start_transaction(1, "TAG1", meter_start=7000, timestamp=at(30)))[
            "transactionId"
        ]
        assert nxt == tx + 1


async def test_stop_transaction_is_always_confirmed(hass: HomeAssistant, connect) -> None:
    """Unknown, -1 and repeated stops and over-long id tags are confirmed (QUIRKS S3, T5–T7)."""
    async with connect() as cp:
        await boot(cp)
        assert await cp.stop_transaction(999, meter_stop=100, timestamp=at(0)) == {}
        tx = (await cp.start_transaction(1, "A" * 20, meter_start=0, timestamp=at(1)))[
            "transactionId"
        ]
        reply = await cp.send_call(
            "StopTransaction",
            {
                "transactionId": -1,
                "meterStop": 1200,
                "timestamp": at(20).isoformat(),
                "idTag": "A" * 20 + "\x10\x0e",
            },
        )
        assert reply["idTagInfo"]["status"] == "Accepted"
        await settle(hass)
        assert float(state(hass, "sensor", "CP1-1-session_energy")) == pytest.approx(1.2)
        # the same stop again: confirmed, counted once
        assert await cp.stop_transaction(tx, meter_stop=1200, timestamp=at(21)) == {}
        await settle(hass)
        assert float(state(hass, "sensor", "CP1-1-energy")) == pytest.approx(1.2)


async def test_late_meter_values_do_not_revive_a_closed_session(
    hass: HomeAssistant, connect
) -> None:
    """Ocular LTE Plus sends closing MeterValues after StopTransaction (QUIRKS T1)."""
    async with connect() as cp:
        await boot(cp)
        tx = (await cp.start_transaction(1, "TAG1", meter_start=0, timestamp=at(0)))[
            "transactionId"
        ]
        await cp.status(1, "Charging")
        await cp.stop_transaction(tx, meter_stop=2000, timestamp=at(20))
        await cp.status(1, "Finishing")
        await cp.meter_values(1, [energy("2000"), power("0")], transaction_id=tx, timestamp=at(21))
        await settle(hass)
        assert float(state(hass, "sensor", "CP1-1-session_energy")) == pytest.approx(2.0)
        assert state(hass, "binary_sensor", "CP1-1-charging") == "off"
