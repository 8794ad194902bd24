"""Bad frames and odd payloads (SPEC §6): the right CALLERROR, nothing lost, no crash."""

from __future__ import annotations

import logging

import pytest
from homeassistant.core import HomeAssistant

from .conftest import boot, settle, state


@pytest.mark.parametrize(
    ("frame", "unique_id", "code"),
    [
        ("this is not json", "-1", "FormationViolation"),
        (
            '[2,"abc","MeterValues",{"connectorId":1,"meterValue":[{,]}]',
            "abc",
            "FormationViolation",
        ),
        ('{"not": "an array"}', "-1", "FormationViolation"),
        ('[2,"short","Heartbeat"]', "short", "ProtocolError"),
        ('[7,"m7",{}]', "m7", "ProtocolError"),
        ('[2,"na","NoSuchAction",{}]', "na", "NotImplemented"),
        ('[2,"x","Heartbeat",[]]', "x", "FormationViolation"),
        (
            '[2,"sn","StatusNotification",{"status":"Available","errorCode":"NoError"}]',
            "sn",
            "OccurenceConstraintViolation",
        ),
        (
            '[2,"sx","StatusNotification",{"connectorId":"one","status":"Available"}]',
            "sx",
            "TypeConstraintViolation",
        ),
        (
            '[2,"st","StatusNotification",{"connectorId":1,"status":"Sleeping"}]',
            "st",
            "PropertyConstraintViolation",
        ),
    ],
)
async def test_bad_frames_get_the_named_callerror(
    hass: HomeAssistant, connect, frame: str, unique_id: str, code: str
) -> None:
    """Each broken frame is answered; the connection and the charger keep working."""
    async with connect() as cp:
        await cp.boot()
        reply = await cp.send_raw(frame)
        assert reply is not None
        assert reply[:3] == [4, unique_id, code]
        assert (await cp.heartbeat())["currentTime"]
        await settle(hass)
        assert state(hass, "binary_sensor", "CP1-0-connected") == "on"


async def test_lenient_payloads_are_kept(hass: HomeAssistant, connect) -> None:
    """Real chargers' deviations are normalised, and one bad value drops nothing else."""
    async with connect() as cp:
        await boot(cp)
        await cp.status(1, "Charging")
        # Huawei: meterValue as an object (S14); ChargeAmps: "Hz" (S8); OpenEVSE: numbers
        # (S12); Growatt: a zone-less timestamp (S16); plus one garbage value.
        await cp.send_call(
            "MeterValues",
            {
                "connectorId": 1,
                "meterValue": {
                    "timestamp": "2026-11-24T10:00:00",
                    "sampledValue": [
                        {"value": 7200, "measurand": "Power.Active.Import", "unit": "W"},
                        {"value": "50", "measurand": "Frequency", "unit": "Hz"},
                        {"value": "garbage", "measurand": "Voltage", "unit": "V"},
                        {"value": " 20.5", "measurand": "Temperature", "unit": "Celcius"},
                    ],
                },
            },
        )
        await settle(hass)
        assert state(hass, "sensor", "CP1-1-power") == "7200.0"
        assert state(hass, "sensor", "CP1-1-temperature") == "20.5"


async def test_over_long_boot_fields_are_accepted(hass: HomeAssistant, connect) -> None:
    """Schneider EVlink sends 33-character serials (QUIRKS S1): the charger registers."""
    async with connect() as cp:
        reply = await cp.send_call(
            "BootNotification",
            {
                "chargePointVendor": "Schneider Electric",
                "chargePointModel": "EVlink Smart Wallbox with a long model name",
                "chargeBoxSerialNumber": "3N1234567890123456789012345678901",
            },
        )
        assert reply["status"] == "Accepted"


async def test_unsolicited_messages_are_acknowledged(hass: HomeAssistant, connect) -> None:
    """DataTransfer (EVBox, T12) and SecurityEventNotification (EVerest, T11)."""
    async with connect() as cp:
        reply = await cp.send_call(
            "DataTransfer", {"vendorId": "EV-BOX", "messageId": "evbStatusNotification"}
        )
        assert reply == {"status": "UnknownVendorId"}
        assert (
            await cp.send_call(
                "SecurityEventNotification", {"type": "StartupOfTheDevice", "timestamp": "x"}
            )
            == {}
        )
        await cp.boot()


async def test_a_flood_of_bad_frames_logs_one_line(
    hass: HomeAssistant, connect, caplog: pytest.LogCaptureFixture
) -> None:
    """One clear log line per condition, not a traceback storm (SPEC §6.3)."""
    caplog.set_level(logging.DEBUG, logger="custom_components.ocpp_central")
    async with connect() as cp:
        await cp.boot()
        for _ in range(20):
            await cp.send_raw("not json")
    warnings = [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and "FormationViolation" in r.getMessage()
    ]
    assert len(warnings) == 1
    assert not [r for r in caplog.records if r.exc_info]
