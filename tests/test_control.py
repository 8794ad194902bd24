"""Pausing, resuming and capping chargers over real sockets (SPEC §3.1, §4.1, §4.2, §6.4).

What the simulated charger receives — exact payloads — and what the user sees.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from ocpp.exceptions import NotSupportedError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.csms import control
from custom_components.ocpp_central.csms.control import default_remote_id_tag
from simulator import NO_REPLY, ChargerProfile, SimulatedCharger
from simulator.meter import energy_sample

from .conftest import boot, charger_subentry, entity_id, settle, state

MAX = "ChargePointMaxProfile"
TX_DEFAULT = "TxDefaultProfile"
TX = "TxProfile"
ID_MAX, ID_TX_DEFAULT, ID_TX = 9100, 9200, 9300  # fixed ids: base + connector (not for MAX)
SWITCH = "CP1-1-charging"
NUMBER = "CP1-0-max_current"


def expected(
    connector: int,
    purpose: str,
    limit: float,
    *,
    stack: int = 8,
    kind: str = "Absolute",
    unit: str = "A",
    tx: int | None = None,
) -> dict[str, Any]:
    """A SetChargingProfile payload as it must arrive (startSchedule checked separately)."""
    profile_connector = 0 if purpose == MAX else connector
    base = {MAX: ID_MAX, TX_DEFAULT: ID_TX_DEFAULT, TX: ID_TX}[purpose]
    profile: dict[str, Any] = {
        "chargingProfileId": base if purpose == MAX else base + profile_connector,
        "stackLevel": stack,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": kind,
        "chargingSchedule": {
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
        },
    }
    if tx is not None:
        profile["transactionId"] = tx
    return {"connectorId": connector, "csChargingProfiles": profile}


def profiles(cp: SimulatedCharger) -> list[dict[str, Any]]:
    """Every SetChargingProfile received; Absolute ones start about a minute ago (P15)."""
    out = []
    now = datetime.now(UTC)
    for received in cp.calls("SetChargingProfile"):
        payload = {**received, "csChargingProfiles": dict(received["csChargingProfiles"])}
        profile = payload["csChargingProfiles"]
        schedule = profile["chargingSchedule"] = dict(profile["chargingSchedule"])
        start = schedule.pop("startSchedule", None)
        if profile["chargingProfileKind"] == "Absolute":
            began = datetime.fromisoformat(start.replace("Z", "+00:00"))
            assert timedelta(seconds=50) < now - began < timedelta(seconds=75)
        else:
            assert start is None
        out.append(payload)
    return out


async def turn(hass: HomeAssistant, on: bool, unique_id: str = SWITCH) -> None:
    await hass.services.async_call(
        "switch",
        "turn_on" if on else "turn_off",
        {"entity_id": entity_id(hass, "switch", unique_id)},
        blocking=True,
    )


async def set_value(hass: HomeAssistant, value: float, unique_id: str = NUMBER) -> None:
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": entity_id(hass, "number", unique_id), "value": value},
        blocking=True,
    )


async def press(hass: HomeAssistant, unique_id: str) -> None:
    await hass.services.async_call(
        "button", "press", {"entity_id": entity_id(hass, "button", unique_id)}, blocking=True
    )


async def charging(hass: HomeAssistant, cp: SimulatedCharger) -> int:
    """A car charging on connector 1; returns the transaction id."""
    await boot(cp)
    await cp.status(1, "Preparing")
    tx = int((await cp.start_transaction(1, "TAG1", meter_start=0))["transactionId"])
    await cp.status(1, "Charging")
    await settle(hass)
    return tx


async def until(cp: SimulatedCharger, condition: Callable[[], bool], timeout: float = 3) -> None:
    """Wait until ``condition`` holds after one of the CALLs the charger answers."""
    reached = asyncio.Event()

    def check(*_: Any) -> None:
        if condition():
            reached.set()

    cp.listeners.append(check)
    try:
        check()
        await asyncio.wait_for(reached.wait(), timeout)
    finally:
        cp.listeners.remove(check)


def reject_max(payload: dict[str, Any]) -> dict[str, Any] | None:
    """EVBox Elvi: ChargePointMaxProfile → Rejected (P4); anything else as usual."""
    purpose = payload["csChargingProfiles"]["chargingProfilePurpose"]
    return {"status": "Rejected"} if purpose == MAX else None


@pytest.fixture
def fast_rate_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(control, "RATE_LIMIT_S", 0.3)


# --- the charging switch ---------------------------------------------------------------


async def test_switch_off_pauses_with_zero_amps_and_on_resumes(
    hass: HomeAssistant, connect
) -> None:
    """Off: a 0 A TxProfile on the running transaction; the session stays open and the
    switch goes off once the charger reports SuspendedEVSE. On: the pause is lifted."""
    async with connect() as cp:
        tx = await charging(hass, cp)
        assert state(hass, "switch", SWITCH) == "on"

        await turn(hass, False)
        assert profiles(cp) == [expected(1, TX, 0.0, tx=tx)]
        assert cp.charging_limit(1) == 0
        assert state(hass, "switch", SWITCH) == "on"  # still charging, as the charger says
        await cp.status(1, "SuspendedEVSE")
        await settle(hass)
        assert state(hass, "switch", SWITCH) == "off"
        assert cp.calls("RemoteStopTransaction") == []

        await turn(hass, True)
        assert cp.calls("ClearChargingProfile") == [
            {"id": ID_TX + 1},
            {"id": ID_TX_DEFAULT + 1},
        ]
        assert cp.charging_limit(1) is None
        assert cp.calls("RemoteStartTransaction") == []  # the transaction is still running
        await cp.status(1, "Charging")
        await settle(hass)
        assert state(hass, "switch", SWITCH) == "on"


async def test_a_paused_connector_stays_paused_for_the_next_car(
    hass: HomeAssistant, connect
) -> None:
    """Off means "not allowed": when the transaction ends, the pause moves to a
    TxDefaultProfile on the connector; a new transaction is held at 0 A too."""
    async with connect() as cp:
        tx = await charging(hass, cp)
        await turn(hass, False)
        await cp.stop_transaction(tx, meter_stop=1000, reason="EVDisconnected")
        await cp.wait_for_call("SetChargingProfile", count=2)
        assert profiles(cp)[1] == expected(1, TX_DEFAULT, 0.0)
        await cp.status(1, "Available")
        tx2 = int((await cp.start_transaction(1, "TAG2", meter_start=1000))["transactionId"])
        await cp.wait_for_call("SetChargingProfile", count=3)
        await settle(hass)
        assert profiles(cp)[2] == expected(1, TX, 0.0, tx=tx2)
        assert cp.charging_limit(1) == 0
        await cp.status(1, "SuspendedEVSE")
        await settle(hass)
        assert state(hass, "switch", SWITCH) == "off"


@pytest.mark.parametrize(
    "subentries", [[charger_subentry("CP1", remote_id_tag="MYTAG")]], indirect=False
)
async def test_switch_on_remote_starts_a_plugged_in_car(hass: HomeAssistant, connect) -> None:
    """Wallbox waits in Preparing for a RemoteStartTransaction (QUIRKS R7); it carries the
    configured id tag and no profile (go-e rejects one, P14)."""
    async with connect() as cp:
        await boot(cp)
        await cp.status(1, "Preparing")
        await settle(hass)
        await turn(hass, True)
        assert cp.calls("RemoteStartTransaction") == [{"connectorId": 1, "idTag": "MYTAG"}]
        assert cp.calls("SetChargingProfile") == []


async def test_remote_start_uses_a_stable_default_tag(hass: HomeAssistant, connect) -> None:
    """Without a configured tag: 16 characters derived from the charge point id (S3, R8)."""
    async with connect() as cp:
        await boot(cp)
        await cp.status(1, "Preparing")
        await settle(hass)
        await turn(hass, False)  # paused before the car was plugged in: TxDefault on 1
        assert profiles(cp) == [expected(1, TX_DEFAULT, 0.0)]
        await turn(hass, True)
        assert cp.calls("ClearChargingProfile") == [{"id": ID_TX_DEFAULT + 1}]
        tag = default_remote_id_tag("CP1")
        assert len(tag) == 16
        assert cp.calls("RemoteStartTransaction") == [{"connectorId": 1, "idTag": tag}]


@pytest.mark.parametrize("subentries", [[charger_subentry("CP1", pause_method="stop")]])
async def test_pause_by_stopping_for_chargers_that_ignore_zero_amps(
    hass: HomeAssistant, connect
) -> None:
    """pause_method "stop": RemoteStopTransaction to pause, RemoteStartTransaction to resume."""
    async with connect() as cp:
        tx = await charging(hass, cp)
        await turn(hass, False)
        assert cp.calls("RemoteStopTransaction") == [{"transactionId": tx}]
        assert cp.calls("SetChargingProfile") == []
        await cp.stop_transaction(tx, meter_stop=2000, reason="Remote")
        await cp.status(1, "Finishing")
        await settle(hass)
        assert state(hass, "switch", SWITCH) == "off"

        await turn(hass, True)
        assert cp.calls("RemoteStartTransaction") == [
            {"connectorId": 1, "idTag": default_remote_id_tag("CP1")}
        ]
        assert cp.calls("ClearChargingProfile") == []
        tx2 = int((await cp.start_transaction(1, "TAG1", meter_start=2000))["transactionId"])
        assert tx2 == tx + 1
        await cp.status(1, "Charging")
        await settle(hass)
        assert state(hass, "switch", SWITCH) == "on"


@pytest.mark.parametrize("subentries", [[charger_subentry("CP1", pause_method="stop")]])
async def test_a_start_at_the_charger_ends_a_pause_by_stopping(
    hass: HomeAssistant, connect
) -> None:
    """Paused by RemoteStop, then someone starts charging at the charger (RFID): their
    choice wins, the switch is on and nothing fights it."""
    async with connect() as cp:
        tx = await charging(hass, cp)
        await turn(hass, False)
        await cp.stop_transaction(tx, meter_stop=2000, reason="Remote")
        await cp.status(1, "Finishing")
        await settle(hass)
        assert state(hass, "switch", SWITCH) == "off"
        await cp.start_transaction(1, "RFID1", meter_start=2000)
        await cp.status(1, "Preparing")
        await settle(hass)
        assert state(hass, "switch", SWITCH) == "on"
        assert len(cp.calls("RemoteStopTransaction")) == 1


@pytest.mark.parametrize(
    ("response", "key", "placeholders"),
    [
        ({"status": "Rejected"}, "charger_rejected", {"status": "Rejected"}),
        (NotSupportedError(), "charger_error", {"code": "NotSupported"}),
        (NO_REPLY, "charger_timeout", {}),
    ],
)
async def test_a_refused_pause_rolls_back(
    hass: HomeAssistant,
    connect,
    monkeypatch: pytest.MonkeyPatch,
    response: Any,
    key: str,
    placeholders: dict[str, str],
) -> None:
    """Rejected, CALLERROR or no answer for every shape: a translated error, and the
    switch stays on — nothing was paused."""
    monkeypatch.setattr(control, "PROFILE_TIMEOUT_S", 0.2)
    async with connect() as cp:
        await charging(hass, cp)
        cp.responses["SetChargingProfile"] = response
        with pytest.raises(HomeAssistantError) as raised:
            await turn(hass, False)
        assert raised.value.translation_key == key
        assert (
            raised.value.translation_placeholders.items()
            >= (placeholders | {"action": "SetChargingProfile", "charger": "CP1"}).items()
        )
        shapes = [p["csChargingProfiles"]["chargingProfilePurpose"] for p in profiles(cp)]
        assert shapes[0] == TX and shapes[-1] == TX_DEFAULT  # the whole ladder was tried
        await settle(hass)
        assert state(hass, "switch", SWITCH) == "on"
        cp.responses.clear()
        await cp.status(1, "SuspendedEVSE")  # the car pauses itself: not our pause
        await settle(hass)
        assert state(hass, "switch", SWITCH) == "on"


async def test_a_charger_that_drops_off_mid_command_is_offline(
    hass: HomeAssistant, connect
) -> None:
    """The connection drops while the pause is on its way: charger_offline, rolled back."""
    async with connect() as cp:
        await charging(hass, cp)
        cp.responses["SetChargingProfile"] = NO_REPLY
        command = asyncio.create_task(turn(hass, False))
        await cp.wait_for_call("SetChargingProfile")
        await cp.connection.close()
        with pytest.raises(HomeAssistantError) as raised:
            await command
        assert raised.value.translation_key == "charger_offline"
    await settle(hass)
    assert state(hass, "switch", SWITCH) == "unavailable"
    assert state(hass, "number", NUMBER) == "unavailable"


# --- the cap --------------------------------------------------------------------------


async def test_max_current_as_charge_point_max_profile(hass: HomeAssistant, connect) -> None:
    """A charger that takes ChargePointMaxProfile: one profile on connector 0; the same
    value again sends nothing."""
    async with connect() as cp:
        await charging(hass, cp)
        assert float(state(hass, "number", NUMBER)) == 32  # no cap: the top of the range
        await set_value(hass, 16)
        assert profiles(cp) == [expected(0, MAX, 16.0)]
        assert cp.charging_limit(1) == 16
        await settle(hass)
        assert float(state(hass, "number", NUMBER)) == 16

        await set_value(hass, 16)
        await asyncio.sleep(0.1)
        assert len(cp.calls("SetChargingProfile")) == 1


async def test_max_current_falls_back_to_tx_profiles(hass: HomeAssistant, connect) -> None:
    """ChargePointMaxProfile rejected (EVBox, P4): TxDefaultProfile on connector 0 for the
    next transactions plus a TxProfile on the running one; remembered for next time."""
    async with connect() as cp:
        tx = await charging(hass, cp)
        cp.responses["SetChargingProfile"] = reject_max
        await set_value(hass, 10)
        assert profiles(cp) == [
            expected(0, MAX, 10.0),
            expected(0, MAX, 10.0, stack=0),
            expected(0, TX_DEFAULT, 10.0),
            expected(1, TX, 10.0, tx=tx),
        ]
        assert cp.charging_limit(1) == 10
        installed = {(c, p["chargingProfilePurpose"]) for c, p in cp.charging_profiles.all()}
        assert installed == {(0, TX_DEFAULT), (1, TX)}


async def test_max_power_for_chargers_that_take_only_watts(hass: HomeAssistant, connect) -> None:
    """ChargingScheduleAllowedChargingRateUnit "Power" (Huawei, C8): the number is in W and
    the profiles too; a pause is 0 W."""
    profile = ChargerProfile()
    profile.configuration["ChargingScheduleAllowedChargingRateUnit"] = "Power"
    async with connect(profile=profile) as cp:
        tx = await charging(hass, cp)
        registry = er.async_get(hass)
        assert registry.async_get_entity_id("number", DOMAIN, NUMBER) is None  # replaced
        assert float(state(hass, "number", "CP1-0-max_power")) == 22000  # max_power_kw
        await set_value(hass, 11000, "CP1-0-max_power")
        assert profiles(cp) == [expected(0, MAX, 11000.0, unit="W")]
        assert cp.charging_limit(1) == 11000
        await turn(hass, False)
        assert profiles(cp)[1] == expected(1, TX, 0.0, unit="W", tx=tx)
        with pytest.raises(ServiceValidationError):
            await set_value(hass, 1000, "CP1-0-max_power")  # below 6 A on three phases


async def test_abb_rejects_its_own_stack_level(
    hass: HomeAssistant, connect, entry: MockConfigEntry, fast_rate_limit: None
) -> None:
    """ABB Terra AC reports ChargeProfileMaxStackLevel 3 and rejects 3 (P1): stack level 0
    is tried once and remembered, so the next change goes straight to it."""
    profile = ChargerProfile()
    profile.configuration["ChargeProfileMaxStackLevel"] = "3"
    async with connect(profile=profile) as cp:
        await charging(hass, cp)
        cp.responses["SetChargingProfile"] = lambda p: (
            {"status": "Rejected"} if p["csChargingProfiles"]["stackLevel"] != 0 else None
        )
        await set_value(hass, 16)
        assert profiles(cp) == [expected(0, MAX, 16.0, stack=3), expected(0, MAX, 16.0, stack=0)]
        learned = entry.runtime_data.central.chargers["CP1"].quirks.learned["limit_strategy"]
        assert learned == {"purpose": MAX, "kind": "Absolute", "stack_level": 0, "unit": "A"}
        await asyncio.sleep(0.35)
        await set_value(hass, 20)
        assert profiles(cp)[2:] == [expected(0, MAX, 20.0, stack=0)]


async def test_the_range_follows_the_charger_settings(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    """Changing the charger's maximum current moves the top of the slider at once."""
    async with connect() as cp:
        await boot(cp)
        await settle(hass)
        number = entity_id(hass, "number", NUMBER)
        assert hass.states.get(number).attributes["max"] == 32
        (subentry,) = entry.subentries.values()
        hass.config_entries.async_update_subentry(
            entry, subentry, data={**subentry.data, "max_current": 16}
        )
        await hass.async_block_till_done()
        assert hass.states.get(number).attributes["max"] == 16
        assert float(state(hass, "number", NUMBER)) == 16


async def test_below_the_minimum_current_is_refused(hass: HomeAssistant, connect) -> None:
    async with connect() as cp:
        await charging(hass, cp)
        with pytest.raises(ServiceValidationError):
            await set_value(hass, 3)
        await set_value(hass, 0)  # 0 is allowed: no charging at all
        assert profiles(cp) == [expected(0, MAX, 0.0)]


async def test_a_rejected_cap_rolls_back(hass: HomeAssistant, connect) -> None:
    async with connect() as cp:
        await charging(hass, cp)
        cp.responses["SetChargingProfile"] = {"status": "Rejected"}
        with pytest.raises(HomeAssistantError) as raised:
            await set_value(hass, 16)
        assert raised.value.translation_key == "charger_rejected"
        await settle(hass)
        assert float(state(hass, "number", NUMBER)) == 32


async def test_changes_are_rate_limited_and_the_last_one_wins(
    hass: HomeAssistant, connect, fast_rate_limit: None
) -> None:
    """Five quick changes: the first goes out now, the last when the window ends (flash
    wear); the ones in between never."""
    async with connect() as cp:
        await charging(hass, cp)
        for value in (10, 11, 12, 13, 14):
            await set_value(hass, value)
        assert [p["csChargingProfiles"]["chargingSchedule"] for p in profiles(cp)] == [
            {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10.0}]}
        ]
        await settle(hass)
        assert float(state(hass, "number", NUMBER)) == 14  # what we want, shown at once
        await cp.wait_for_call("SetChargingProfile", count=2, timeout=2)
        await asyncio.sleep(0.5)  # and no third one
        assert profiles(cp) == [expected(0, MAX, 10.0), expected(0, MAX, 14.0)]
        assert cp.charging_limit(1) == 14

        # the window has passed: sent at once; then back and forth within the next
        # window ends where the charger already is: nothing more to send
        await set_value(hass, 15)
        assert len(cp.calls("SetChargingProfile")) == 3
        await set_value(hass, 16)
        await set_value(hass, 15)
        await asyncio.sleep(0.5)
        assert len(cp.calls("SetChargingProfile")) == 3
        assert cp.charging_limit(1) == 15


async def test_a_rejected_deferred_cap_shows_what_the_charger_has(
    hass: HomeAssistant, connect, fast_rate_limit: None, caplog: pytest.LogCaptureFixture
) -> None:
    """The value sent after the window is rejected: the number goes back to the cap the
    charger really has, with one warning."""
    async with connect() as cp:
        await charging(hass, cp)
        await set_value(hass, 16)
        cp.responses["SetChargingProfile"] = {"status": "Rejected"}
        await set_value(hass, 8)
        await settle(hass)
        assert float(state(hass, "number", NUMBER)) == 8
        await cp.wait_for_call("SetChargingProfile", count=2, timeout=2)
        await asyncio.sleep(0.2)
        await settle(hass)
        assert float(state(hass, "number", NUMBER)) == 16
        assert cp.charging_limit(1) == 16
        assert "could not apply the cap" in caplog.text


# --- re-application ---------------------------------------------------------------------


async def test_everything_is_reapplied_after_a_reconnect(hass: HomeAssistant, connect) -> None:
    """go-e loses its profiles on a reconnect (P9): the cap and the pause go out again on
    every connection, changed or not."""
    async with connect() as cp:
        await boot(cp)
        await cp.status(1, "Preparing")
        await settle(hass)
        await set_value(hass, 16)
        await turn(hass, False)
    async with connect() as cp:
        await boot(cp)
        await cp.wait_for_call("SetChargingProfile", count=2)
        await settle(hass)
        assert profiles(cp) == [expected(0, MAX, 16.0), expected(1, TX_DEFAULT, 0.0)]
        assert cp.charging_limit(1) == 0
        await cp.status(1, "Preparing")
        await settle(hass)
        assert state(hass, "switch", SWITCH) == "off"
        assert float(state(hass, "number", NUMBER)) == 16


async def test_a_failed_reapplication_is_logged_and_kept_for_next_time(
    hass: HomeAssistant, connect, caplog: pytest.LogCaptureFixture
) -> None:
    """A charger that refuses everything after a reconnect: provisioning completes, one
    warning per kind, and what we want is kept for the next connection."""
    async with connect() as cp:
        await charging(hass, cp)
        await set_value(hass, 16)
        await turn(hass, False)
    async with connect() as cp:
        cp.responses["SetChargingProfile"] = {"status": "Rejected"}
        await boot(cp)
        await cp.wait_for_call("SetChargingProfile", count=8)
        await cp.status(1, "Charging")
        await settle(hass)
        assert "could not apply the cap" in caplog.text
        assert "could not apply the pause" in caplog.text
        assert float(state(hass, "number", NUMBER)) == 16
        assert state(hass, "switch", SWITCH) == "on"  # it charges: we say so
    async with connect() as cp:
        await boot(cp)
        await until(cp, lambda: cp.charging_limit(1) == 0)
        assert cp.charging_limit(0) == 16


async def test_nothing_is_sent_when_nothing_is_wanted(hass: HomeAssistant, connect) -> None:
    async with connect() as cp:
        await boot(cp)
        await cp.heartbeat()
        await asyncio.sleep(0.1)
        assert cp.calls("SetChargingProfile") == []
        assert cp.calls("ClearChargingProfile") == []


async def test_desired_state_and_strategy_survive_a_restart(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    """Home Assistant restarts: the wanted cap and pause come back from storage and are
    applied when the charger connects, with the learned strategy first."""
    async with connect() as cp:
        await boot(cp)
        await cp.status(1, "Preparing")
        await settle(hass)
        cp.responses["SetChargingProfile"] = reject_max
        await set_value(hass, 10)
        assert [p["csChargingProfiles"]["chargingProfilePurpose"] for p in profiles(cp)] == [
            MAX,
            MAX,
            TX_DEFAULT,
        ]
        await turn(hass, False)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, "number", NUMBER) == "unavailable"
    async with connect() as cp:
        cp.responses["SetChargingProfile"] = reject_max
        await boot(cp)
        await cp.wait_for_call("SetChargingProfile", count=2)
        assert profiles(cp) == [expected(0, TX_DEFAULT, 10.0), expected(1, TX_DEFAULT, 0.0)]
        await cp.status(1, "Preparing")
        await settle(hass)
        assert float(state(hass, "number", NUMBER)) == 10
        assert state(hass, "switch", SWITCH) == "off"


# --- buttons --------------------------------------------------------------------------


async def test_reset_and_unlock_buttons(hass: HomeAssistant, connect) -> None:
    async with connect() as cp:
        await boot(cp)
        await cp.status(1, "Available")
        await settle(hass)
        await press(hass, "CP1-0-reset")
        assert cp.calls("Reset") == [{"type": "Soft"}]
        await press(hass, "CP1-1-unlock")
        assert cp.calls("UnlockConnector") == [{"connectorId": 1}]

        cp.responses["UnlockConnector"] = {"status": "UnlockFailed"}
        with pytest.raises(HomeAssistantError) as raised:
            await press(hass, "CP1-1-unlock")
        assert raised.value.translation_key == "charger_rejected"
        assert raised.value.translation_placeholders["status"] == "UnlockFailed"
        cp.responses["Reset"] = {"status": "Rejected"}
        with pytest.raises(HomeAssistantError):
            await press(hass, "CP1-0-reset")


# --- availability ---------------------------------------------------------------------

AVAILABLE = "CP1-0-available"


async def test_available_switch_changes_availability(hass: HomeAssistant, connect) -> None:
    """Off: ChangeAvailability Inoperative for the whole charger, shown at once; then the
    switch follows what the charger reports, whoever changed it."""
    async with connect() as cp:
        await boot(cp)
        await cp.status(0, "Available")
        await settle(hass)
        assert state(hass, "switch", AVAILABLE) == "on"

        await turn(hass, False, AVAILABLE)
        assert cp.calls("ChangeAvailability") == [{"connectorId": 0, "type": "Inoperative"}]
        assert state(hass, "switch", AVAILABLE) == "off"
        await cp.status(0, "Unavailable")
        await settle(hass)
        assert state(hass, "switch", AVAILABLE) == "off"

        await turn(hass, True, AVAILABLE)
        assert cp.calls("ChangeAvailability")[1] == {"connectorId": 0, "type": "Operative"}
        assert state(hass, "switch", AVAILABLE) == "on"
        await cp.status(0, "Available")

        cp.responses["ChangeAvailability"] = {"status": "Rejected"}
        with pytest.raises(HomeAssistantError) as raised:
            await turn(hass, False, AVAILABLE)
        assert raised.value.translation_key == "charger_rejected"
        await settle(hass)
        assert state(hass, "switch", AVAILABLE) == "on"

        await cp.status(0, "Unavailable")  # made inoperative at the charger itself
        await settle(hass)
        assert state(hass, "switch", AVAILABLE) == "off"


async def test_availability_scheduled_while_a_session_runs(hass: HomeAssistant, connect) -> None:
    """A charger with a running session answers Scheduled: that is success, the switch
    shows off while the session finishes, and stays off when the charger gets there."""
    async with connect() as cp:
        tx = await charging(hass, cp)
        await turn(hass, False, AVAILABLE)
        assert state(hass, "switch", AVAILABLE) == "off"
        await cp.meter_values(1, [energy_sample(500)], transaction_id=tx)
        await cp.status(1, "Finishing")  # a connector's news is not the charger's
        await settle(hass)
        assert state(hass, "switch", AVAILABLE) == "off"
        await cp.stop_transaction(tx, meter_stop=1000, reason="Local")
        await cp.status(0, "Unavailable")
        await settle(hass)
        assert state(hass, "switch", AVAILABLE) == "off"


@pytest.mark.parametrize(
    ("statuses", "shown"),
    [
        ({1: "Unavailable", 2: "Unavailable"}, "off"),
        ({1: "Unavailable", 2: "Charging"}, "on"),
    ],
)
async def test_availability_of_a_charger_that_never_reports_connector_zero(
    hass: HomeAssistant, connect, statuses: dict[int, str], shown: str
) -> None:
    """Some chargers send StatusNotification only for their connectors: the charger is
    unavailable when all of them are."""
    profile = ChargerProfile(connectors=2)
    async with connect(profile=profile) as cp:
        cp.connector_status.pop(0, None)
        await boot(cp)
        for connector, status in statuses.items():
            await cp.status(connector, status)
        await settle(hass)
        assert state(hass, "switch", AVAILABLE) == shown
