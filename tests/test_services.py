"""Actions (SPEC §4.3–4.5): what the charger receives, what the user gets back, and errors.

Every action is called through Home Assistant against a simulated charger over real TLS;
the assertions are on the exact OCPP payload the charger received and the response data.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError, Unauthorized
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import selector
from homeassistant.util.yaml import load_yaml
from ocpp.exceptions import NotSupportedError
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from websockets.exceptions import InvalidStatus

from custom_components.ocpp_central import services
from custom_components.ocpp_central.const import CONF_PASSWORD_HASH, DOMAIN
from custom_components.ocpp_central.csms.security import verify_password
from custom_components.ocpp_central.runtime import charger_subentries
from simulator import NO_REPLY, ChargerProfile, SimulatedCharger

from .conftest import PASSWORD, boot, settle

SERVICES_YAML = Path(services.__file__).with_name("services.yaml")
FUTURE = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
FUTURE_Z = FUTURE.strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.fixture
async def lan_url(hass: HomeAssistant) -> str:
    """The URL chargers reach Home Assistant at (firmware and diagnostics URLs)."""
    await hass.config.async_update(internal_url="http://ha.lan:8123")
    return "http://ha.lan:8123"


def device_id(hass: HomeAssistant, identifier: str = "CP1") -> str:
    """The device registry id of a charger ("CP1") or connector ("CP1-2") device."""
    registry = dr.async_get(hass)
    found = [
        device.id
        for entry in hass.config_entries.async_entries(DOMAIN)
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
        if (DOMAIN, identifier) in device.identifiers
    ]
    assert len(found) == 1, f"no device {identifier}"
    return found[0]


async def act(hass: HomeAssistant, action: str, **data: Any) -> dict[str, Any]:
    """Call an action on CP1 (unless ``device_id`` is given) and return its response."""
    data.setdefault("device_id", device_id(hass))
    response = await hass.services.async_call(
        DOMAIN, action, data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


def last(cp: SimulatedCharger, action: str) -> dict[str, Any]:
    """The payload of the last CALL of ``action`` the charger received."""
    calls = cp.calls(action)
    assert calls, f"the charger received no {action}"
    return calls[-1]


def our_log(caplog: pytest.LogCaptureFixture) -> str:
    """What the integration logged (the websockets library's frame dumps at debug level
    are the library's, outside the integration)."""
    return "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.ocpp_central")
    )


async def refused(
    hass: HomeAssistant, action: str, error: type[Exception] = ServiceValidationError, **data: Any
) -> Exception:
    """The action fails with ``error``; returns it for the translation key."""
    with pytest.raises(error) as caught:
        await act(hass, action, **data)
    return caught.value


# ------------------------------------------------------------------- every action


async def test_remote_start_transaction(hass: HomeAssistant, connect) -> None:
    """idTag and connectorId; a TxProfile travels as chargingProfile in camelCase."""
    async with connect() as cp:
        await boot(cp)
        assert await act(hass, "remote_start_transaction", connector_id=1, id_tag="CARD1") == {
            "status": "Accepted"
        }
        assert last(cp, "RemoteStartTransaction") == {"connectorId": 1, "idTag": "CARD1"}

        profile = {
            "charging_profile_id": 7,
            "stack_level": 2,
            "charging_profile_purpose": "TxProfile",
            "charging_profile_kind": "Relative",
            "charging_schedule": {
                "charging_rate_unit": "A",
                "charging_schedule_period": [{"start_period": 0, "limit": 10.5}],
            },
        }
        await act(hass, "remote_start_transaction", id_tag="CARD1", charging_profile=profile)
        assert last(cp, "RemoteStartTransaction") == {
            "idTag": "CARD1",
            "chargingProfile": {
                "chargingProfileId": 7,
                "stackLevel": 2,
                "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": "Relative",
                "chargingSchedule": {
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10.5}],
                },
            },
        }

        cp.remote_start_policy = lambda _payload: False
        err = await refused(hass, "remote_start_transaction", HomeAssistantError, id_tag="X")
        assert err.translation_key == "charger_rejected"
        assert err.translation_placeholders == {
            "charger": "CP1",
            "action": "RemoteStartTransaction",
            "status": "Rejected",
        }


async def test_remote_start_profile_rules(hass: HomeAssistant, connect) -> None:
    """A remote start's profile is a TxProfile without a transaction id."""
    async with connect() as cp:
        await boot(cp)
        sent = len(cp.received)
        schedule = {
            "charging_rate_unit": "A",
            "charging_schedule_period": [{"start_period": 0, "limit": 6}],
        }
        base = {"charging_profile_id": 1, "stack_level": 0, "charging_profile_kind": "Relative"}
        for profile in (
            base | {"charging_profile_purpose": "TxDefaultProfile", "charging_schedule": schedule},
            base
            | {
                "charging_profile_purpose": "TxProfile",
                "transaction_id": 3,
                "charging_schedule": schedule,
            },
        ):
            err = await refused(
                hass, "remote_start_transaction", id_tag="CARD1", charging_profile=profile
            )
            assert err.translation_key == "invalid_input"
        await refused(hass, "remote_start_transaction", id_tag="X" * 21)
        await refused(hass, "remote_start_transaction", id_tag="CARD1", connector_id=0)
        assert len(cp.received) == sent


async def test_remote_stop_transaction(hass: HomeAssistant, connect) -> None:
    """By transaction id, or the open session of a connector (or the only one)."""
    async with connect() as cp:
        await boot(cp)
        await cp.status(1, "Preparing")
        tx = (await cp.start_transaction(1, "CARD1", 1000))["transactionId"]
        await settle(hass)

        assert await act(hass, "remote_stop_transaction", transaction_id=tx) == {
            "status": "Accepted"
        }
        assert last(cp, "RemoteStopTransaction") == {"transactionId": tx}
        await act(hass, "remote_stop_transaction", connector_id=1)
        assert len(cp.calls("RemoteStopTransaction")) == 2
        await act(hass, "remote_stop_transaction")
        assert cp.calls("RemoteStopTransaction")[-1] == {"transactionId": tx}

        err = await refused(hass, "remote_stop_transaction", transaction_id=tx, connector_id=1)
        assert err.translation_key == "invalid_input"

        await cp.stop_transaction(tx, 2000)
        await settle(hass)
        err = await refused(hass, "remote_stop_transaction", connector_id=1)
        assert err.translation_key == "no_open_transaction"
        assert err.translation_placeholders == {"charger": "CP1", "connector": "1"}
        err = await refused(hass, "remote_stop_transaction")
        assert err.translation_key == "connector_required"
        assert len(cp.calls("RemoteStopTransaction")) == 3


async def test_reset(hass: HomeAssistant, connect) -> None:
    """Soft by default; Hard when asked."""
    async with connect() as cp:
        await boot(cp)
        assert await act(hass, "reset") == {"status": "Accepted"}
        assert last(cp, "Reset") == {"type": "Soft"}
        await act(hass, "reset", type="Hard")
        assert last(cp, "Reset") == {"type": "Hard"}
        await refused(hass, "reset", type="Warm")
        assert len(cp.calls("Reset")) == 2


async def test_unlock_connector(hass: HomeAssistant, connect) -> None:
    """Unlocked is success; UnlockFailed and NotSupported are refusals."""
    async with connect() as cp:
        await boot(cp)
        assert await act(hass, "unlock_connector", connector_id=1) == {"status": "Unlocked"}
        assert last(cp, "UnlockConnector") == {"connectorId": 1}

        cp.responses["UnlockConnector"] = {"status": "UnlockFailed"}
        err = await refused(hass, "unlock_connector", HomeAssistantError, connector_id=1)
        assert err.translation_key == "charger_rejected"
        assert err.translation_placeholders["status"] == "UnlockFailed"

        err = await refused(hass, "unlock_connector")
        assert err.translation_key == "connector_required"
        await refused(hass, "unlock_connector", connector_id=0)
        assert len(cp.calls("UnlockConnector")) == 2


async def test_change_availability(hass: HomeAssistant, connect) -> None:
    """Connector 0 by default; Scheduled (busy) is success too."""
    async with connect() as cp:
        await boot(cp)
        assert await act(hass, "change_availability", type="Inoperative") == {"status": "Accepted"}
        assert last(cp, "ChangeAvailability") == {"connectorId": 0, "type": "Inoperative"}

        await cp.start_transaction(1, "CARD1", 0)
        response = await act(hass, "change_availability", connector_id=1, type="Operative")
        assert response == {"status": "Scheduled"}
        assert last(cp, "ChangeAvailability") == {"connectorId": 1, "type": "Operative"}

        cp.responses["ChangeAvailability"] = {"status": "Rejected"}
        err = await refused(hass, "change_availability", HomeAssistantError, type="Operative")
        assert err.translation_key == "charger_rejected"


async def test_get_configuration(hass: HomeAssistant, connect) -> None:
    """Chosen keys or all; the answer in snake_case, an AuthorizationKey never readable."""
    async with connect() as cp:
        await boot(cp)
        response = await act(hass, "get_configuration", key=["HeartbeatInterval", "Nope"])
        assert last(cp, "GetConfiguration") == {"key": ["HeartbeatInterval", "Nope"]}
        assert response == {
            "configuration_key": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}],
            "unknown_key": ["Nope"],
        }

        cp.profile.configuration["AuthorizationKey"] = "the-old-secret-of-cp1"
        response = await act(hass, "get_configuration")
        assert last(cp, "GetConfiguration") == {}
        values = {item["key"]: item["value"] for item in response["configuration_key"]}
        assert values["AuthorizationKey"] == "**REDACTED**"
        assert values["NumberOfConnectors"] == "1"


async def test_change_configuration(hass: HomeAssistant, connect) -> None:
    """Key and value as strings; Rejected and NotSupported are refusals."""
    async with connect() as cp:
        await boot(cp)
        response = await act(hass, "change_configuration", key="HeartbeatInterval", value=600)
        assert response == {"status": "Accepted"}
        assert last(cp, "ChangeConfiguration") == {"key": "HeartbeatInterval", "value": "600"}

        cp.profile.reboot_required.add("ConnectionTimeOut")
        response = await act(hass, "change_configuration", key="ConnectionTimeOut", value="90")
        assert response == {"status": "RebootRequired"}

        err = await refused(
            hass, "change_configuration", HomeAssistantError, key="NoSuchKey", value="1"
        )
        assert err.translation_placeholders["status"] == "NotSupported"
        await refused(hass, "change_configuration", key="K" * 51, value="1")


async def test_change_configuration_of_the_authorization_key(
    hass: HomeAssistant, connect, entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """AuthorizationKey is the password: stored as a hash, never logged or kept readable."""
    caplog.set_level(logging.DEBUG)
    secret = "a-brand-new-secret-42"
    async with connect() as cp:
        await boot(cp)
        cp.profile.configuration["AuthorizationKey"] = PASSWORD
        await refused(hass, "change_configuration", key="AuthorizationKey", value="short")
        response = await act(hass, "change_configuration", key="AuthorizationKey", value=secret)
        assert response == {"status": "Accepted"}
        assert last(cp, "ChangeConfiguration") == {"key": "AuthorizationKey", "value": secret}
        await hass.async_block_till_done()
    stored = charger_subentries(entry)["CP1"].data[CONF_PASSWORD_HASH]
    assert verify_password(secret.encode(), stored)
    charger = entry.runtime_data.central.chargers["CP1"]
    assert not any(secret in text for _, _, text in charger.frames)
    assert secret not in our_log(caplog)


async def test_trigger_message(hass: HomeAssistant, connect) -> None:
    """requestedMessage and an optional connectorId; NotImplemented is a refusal."""
    async with connect() as cp:
        await boot(cp)
        assert await act(hass, "trigger_message", requested_message="Heartbeat") == {
            "status": "Accepted"
        }
        assert last(cp, "TriggerMessage") == {"requestedMessage": "Heartbeat"}
        await act(hass, "trigger_message", requested_message="MeterValues", connector_id=1)
        assert last(cp, "TriggerMessage") == {"requestedMessage": "MeterValues", "connectorId": 1}

        cp.responses["TriggerMessage"] = {"status": "NotImplemented"}
        err = await refused(
            hass, "trigger_message", HomeAssistantError, requested_message="Heartbeat"
        )
        assert err.translation_placeholders["status"] == "NotImplemented"
        await refused(hass, "trigger_message", requested_message="SignChargePointCertificate")


FULL_PROFILE: dict[str, Any] = {
    "charging_profile_id": 10,
    "stack_level": 1,
    "charging_profile_purpose": "TxDefaultProfile",
    "charging_profile_kind": "Recurring",
    "recurrency_kind": "Daily",
    "valid_from": "2026-05-01T02:00:00+02:00",
    "valid_to": datetime(2026, 6, 1, tzinfo=UTC),
    "charging_schedule": {
        "duration": 86400,
        "start_schedule": "2026-05-01T00:00:00Z",
        "charging_rate_unit": "W",
        "charging_schedule_period": [
            {"start_period": 0, "limit": 11000},
            {"start_period": 3600, "limit": 3680.5, "number_phases": 1},
        ],
        "min_charging_rate": 1380,
    },
}


async def test_set_charging_profile(hass: HomeAssistant, connect) -> None:
    """Nested snake_case becomes csChargingProfiles in camelCase, timestamps UTC with Z."""
    async with connect() as cp:
        await boot(cp)
        response = await act(
            hass, "set_charging_profile", connector_id=1, charging_profile=FULL_PROFILE
        )
        assert response == {"status": "Accepted"}
        assert last(cp, "SetChargingProfile") == {
            "connectorId": 1,
            "csChargingProfiles": {
                "chargingProfileId": 10,
                "stackLevel": 1,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Recurring",
                "recurrencyKind": "Daily",
                "validFrom": "2026-05-01T00:00:00.000Z",
                "validTo": "2026-06-01T00:00:00.000Z",
                "chargingSchedule": {
                    "duration": 86400,
                    "startSchedule": "2026-05-01T00:00:00.000Z",
                    "chargingRateUnit": "W",
                    "chargingSchedulePeriod": [
                        {"startPeriod": 0, "limit": 11000},
                        {"startPeriod": 3600, "limit": 3680.5, "numberPhases": 1},
                    ],
                    "minChargingRate": 1380,
                },
            },
        }

        tx = (await cp.start_transaction(1, "CARD1", 0))["transactionId"]
        tx_profile = {
            "charging_profile_id": 11,
            "transaction_id": tx,
            "stack_level": 0,
            "charging_profile_purpose": "TxProfile",
            "charging_profile_kind": "Absolute",
            "charging_schedule": {
                "charging_rate_unit": "A",
                "charging_schedule_period": [{"start_period": 0, "limit": 0}],
            },
        }
        await act(hass, "set_charging_profile", connector_id=1, charging_profile=tx_profile)
        assert last(cp, "SetChargingProfile")["csChargingProfiles"]["transactionId"] == tx

        cp.responses["SetChargingProfile"] = {"status": "NotSupported"}
        err = await refused(
            hass,
            "set_charging_profile",
            HomeAssistantError,
            connector_id=1,
            charging_profile=tx_profile,
        )
        assert err.translation_key == "charger_rejected"


def _profile(**changes: Any) -> dict[str, Any]:
    profile = {k: v for k, v in FULL_PROFILE.items() if v is not None}
    schedule = dict(profile["charging_schedule"])
    for key, value in changes.items():
        target = schedule if key in schedule else profile
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    profile["charging_schedule"] = schedule
    return profile


def _periods(*periods: dict[str, Any]) -> dict[str, Any]:
    return _profile(charging_schedule_period=list(periods))


INVALID_PROFILES = {
    "no purpose": _profile(charging_profile_purpose=None),
    "unknown purpose": _profile(charging_profile_purpose="MaxProfile"),
    "unknown kind": _profile(charging_profile_kind="Sometimes"),
    "negative stack level": _profile(stack_level=-1),
    "no schedule periods": _periods(),
    "first period not at 0": _periods({"start_period": 60, "limit": 6}),
    "periods not increasing": _periods(
        {"start_period": 0, "limit": 6}, {"start_period": 0, "limit": 8}
    ),
    "negative limit": _periods({"start_period": 0, "limit": -1}),
    "two decimals": _periods({"start_period": 0, "limit": 6.25}),
    "four phases": _periods({"start_period": 0, "limit": 6, "number_phases": 4}),
    "fractional start": _periods({"start_period": 0.5, "limit": 6}),
    "unknown unit": _profile(charging_rate_unit="kW"),
    "no unit": _profile(charging_rate_unit=None),
    "TxProfile without transaction": _profile(charging_profile_purpose="TxProfile"),
    "transaction on a default profile": _profile(transaction_id=5),
    "Recurring without recurrency_kind": _profile(recurrency_kind=None),
    "recurrency_kind on Absolute": _profile(charging_profile_kind="Absolute"),
    "Recurring without start": _profile(start_schedule=None),
    "bad date": _profile(valid_from="tomorrow"),
    "valid_to before valid_from": _profile(valid_to="2026-04-01T00:00:00Z"),
    "limit as text": _periods({"start_period": 0, "limit": "six"}),
    "limit as boolean": _periods({"start_period": 0, "limit": True}),
    "start as text": _periods({"start_period": "zero", "limit": 6}),
    "Relative with a start": _profile(charging_profile_kind="Relative", recurrency_kind=None),
    "unknown field": _profile(max_current=16),
    "camelCase field": _profile(stackLevel=1, stack_level=None),
}


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("trigger_message", {"requested_message": "Heartbeat", "connector_id": 0}),
        ("reserve_now", {"reservation_id": -1, "id_tag": "T", "connector_id": 1}),
        ("cancel_reservation", {"reservation_id": -1}),
        ("remote_stop_transaction", {"transaction_id": -5}),
    ],
)
async def test_out_of_range_fields_are_refused(
    hass: HomeAssistant, connect, action: str, data: dict[str, Any]
) -> None:
    """OCPP 1.6: TriggerMessage connectorId > 0; ids are not negative. Nothing is sent."""
    async with connect() as cp:
        await boot(cp)
        sent = len(cp.received)
        await refused(hass, action, **data)
        assert len(cp.received) == sent


async def test_id_tags_take_one_target(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """A central system's entry or one of its devices, not both (which would win?)."""
    await refused(hass, "set_id_tag", config_entry_id=entry.entry_id, id_tag="CARD1")


@pytest.mark.parametrize("profile", INVALID_PROFILES.values(), ids=INVALID_PROFILES.keys())
async def test_invalid_charging_profile_is_not_sent(
    hass: HomeAssistant, connect, profile: dict[str, Any]
) -> None:
    """Every OCPP rule is checked before anything goes to the charger."""
    async with connect() as cp:
        await boot(cp)
        sent = len(cp.received)
        err = await refused(hass, "set_charging_profile", connector_id=1, charging_profile=profile)
        assert err.translation_key == "invalid_input"
        assert len(cp.received) == sent


async def test_charging_profile_on_the_wrong_connector(hass: HomeAssistant, connect) -> None:
    """ChargePointMaxProfile only on connector 0, TxProfile never there."""
    async with connect() as cp:
        await boot(cp)
        sent = len(cp.received)
        max_profile = _profile(
            charging_profile_purpose="ChargePointMaxProfile",
            charging_profile_kind="Absolute",
            recurrency_kind=None,
        )
        err = await refused(
            hass, "set_charging_profile", connector_id=1, charging_profile=max_profile
        )
        assert err.translation_key == "profile_connector"
        tx_profile = _profile(
            charging_profile_purpose="TxProfile",
            transaction_id=1,
            charging_profile_kind="Absolute",
            recurrency_kind=None,
        )
        await refused(hass, "set_charging_profile", connector_id=0, charging_profile=tx_profile)
        err = await refused(hass, "set_charging_profile", charging_profile=max_profile)
        assert err.translation_key == "connector_required"
        assert len(cp.received) == sent
        assert await act(
            hass, "set_charging_profile", connector_id=0, charging_profile=max_profile
        ) == {"status": "Accepted"}


async def test_clear_charging_profile(hass: HomeAssistant, connect) -> None:
    """Every criterion optional; Unknown (nothing matched) is an answer, not an error."""
    async with connect() as cp:
        await boot(cp)
        await act(hass, "set_charging_profile", connector_id=1, charging_profile=FULL_PROFILE)
        response = await act(
            hass,
            "clear_charging_profile",
            id=10,
            connector_id=1,
            charging_profile_purpose="TxDefaultProfile",
            stack_level=1,
        )
        assert response == {"status": "Accepted"}
        assert last(cp, "ClearChargingProfile") == {
            "id": 10,
            "connectorId": 1,
            "chargingProfilePurpose": "TxDefaultProfile",
            "stackLevel": 1,
        }
        assert await act(hass, "clear_charging_profile") == {"status": "Unknown"}
        assert last(cp, "ClearChargingProfile") == {}


async def test_get_composite_schedule(hass: HomeAssistant, connect) -> None:
    """The schedule comes back in snake_case; Rejected is a refusal."""
    async with connect() as cp:
        await boot(cp)
        cp.responses["GetCompositeSchedule"] = {
            "status": "Accepted",
            "connectorId": 1,
            "scheduleStart": "2026-05-01T00:00:00Z",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
            },
        }
        response = await act(
            hass, "get_composite_schedule", connector_id=1, duration=3600, charging_rate_unit="A"
        )
        assert last(cp, "GetCompositeSchedule") == {
            "connectorId": 1,
            "duration": 3600,
            "chargingRateUnit": "A",
        }
        assert response == {
            "status": "Accepted",
            "connector_id": 1,
            "schedule_start": "2026-05-01T00:00:00Z",
            "charging_schedule": {
                "charging_rate_unit": "A",
                "charging_schedule_period": [{"start_period": 0, "limit": 16.0}],
            },
        }
        del cp.responses["GetCompositeSchedule"]
        err = await refused(
            hass, "get_composite_schedule", HomeAssistantError, connector_id=0, duration=60
        )
        assert err.translation_placeholders["status"] == "Rejected"


async def test_update_firmware(
    hass: HomeAssistant, connect, entry: MockConfigEntry, lan_url: str
) -> None:
    """A URL as given, or a file of the firmware folder served by Home Assistant."""
    async with connect() as cp:
        await boot(cp)
        url = "https://vendor.example/fw/2.2.bin"
        response = await act(
            hass,
            "update_firmware",
            location=url,
            retrieve_date=FUTURE,
            retries=3,
            retry_interval=60,
        )
        assert response == {"location": url}
        assert last(cp, "UpdateFirmware") == {
            "location": url,
            "retrieveDate": FUTURE_Z,
            "retries": 3,
            "retryInterval": 60,
        }

        files = entry.runtime_data.files
        await hass.async_add_executor_job(files.firmware_dir.mkdir, 0o755, True, True)
        await hass.async_add_executor_job(
            files.firmware_dir.joinpath("wallbox-2.2.bin").write_bytes, b"firmware"
        )
        before = datetime.now(UTC).replace(microsecond=0)
        response = await act(hass, "update_firmware", location="wallbox-2.2.bin")
        sent = last(cp, "UpdateFirmware")
        assert sent["location"] == response["location"]
        assert sent["location"].startswith(f"{lan_url}/api/ocpp_central/firmware/")
        assert sent["location"].endswith("/wallbox-2.2.bin")
        assert sent["retrieveDate"].endswith("Z")
        assert datetime.fromisoformat(sent["retrieveDate"]) >= before

        err = await refused(hass, "update_firmware", location="missing.bin")
        assert err.translation_key == "unknown_firmware_file"
        await refused(hass, "update_firmware", location="../secrets.yaml")
        await refused(hass, "update_firmware", location="file:///etc/passwd")
        assert len(cp.calls("UpdateFirmware")) == 2


async def test_get_diagnostics(hass: HomeAssistant, connect, lan_url: str) -> None:
    """Home Assistant's one-time upload URL by default; the file name comes back."""
    async with connect() as cp:
        await boot(cp)
        response = await act(hass, "get_diagnostics")
        sent = last(cp, "GetDiagnostics")
        assert sent["location"].startswith(f"{lan_url}/api/ocpp_central/diagnostics/")
        assert response == {"file_name": None, "location": sent["location"]}

        cp.responses["GetDiagnostics"] = {"fileName": "diag-cp1.zip"}
        start = datetime(2026, 5, 1, tzinfo=UTC)
        response = await act(
            hass,
            "get_diagnostics",
            location="ftp://logs.example/cp1/",
            retries=2,
            retry_interval=30,
            start_time=start,
            stop_time=start + timedelta(days=1),
        )
        assert last(cp, "GetDiagnostics") == {
            "location": "ftp://logs.example/cp1/",
            "retries": 2,
            "retryInterval": 30,
            "startTime": "2026-05-01T00:00:00.000Z",
            "stopTime": "2026-05-02T00:00:00.000Z",
        }
        assert response == {"file_name": "diag-cp1.zip", "location": "ftp://logs.example/cp1/"}
        await refused(hass, "get_diagnostics", location="not a url")
        await refused(hass, "get_diagnostics", start_time=start, stop_time=start)
        assert len(cp.calls("GetDiagnostics")) == 2


async def test_data_transfer(hass: HomeAssistant, connect) -> None:
    """vendorId, messageId, data (an object goes as JSON); UnknownVendorId is a refusal."""
    async with connect() as cp:
        await boot(cp)
        cp.responses["DataTransfer"] = {"status": "Accepted", "data": "v2.2"}
        response = await act(
            hass, "data_transfer", vendor_id="com.example", message_id="GetVersion", data="all"
        )
        assert response == {"status": "Accepted", "data": "v2.2"}
        assert last(cp, "DataTransfer") == {
            "vendorId": "com.example",
            "messageId": "GetVersion",
            "data": "all",
        }
        await act(hass, "data_transfer", vendor_id="com.example", data={"level": 2})
        assert last(cp, "DataTransfer") == {"vendorId": "com.example", "data": '{"level":2}'}

        del cp.responses["DataTransfer"]
        err = await refused(hass, "data_transfer", HomeAssistantError, vendor_id="org.other")
        assert err.translation_placeholders["status"] == "UnknownVendorId"


async def test_reserve_now_and_cancel_reservation(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    """A reservation is made and cancelled; Occupied and unknown ids are refusals."""
    async with connect() as cp:
        await boot(cp)
        response = await act(
            hass,
            "reserve_now",
            connector_id=1,
            expiry_date=FUTURE,
            id_tag="CARD1",
            parent_id_tag="FAMILY",
            reservation_id=4,
        )
        assert response == {"status": "Accepted"}
        assert last(cp, "ReserveNow") == {
            "connectorId": 1,
            "expiryDate": FUTURE_Z,
            "idTag": "CARD1",
            "parentIdTag": "FAMILY",
            "reservationId": 4,
        }
        authorizer = entry.runtime_data.central.authorizer
        (held,) = authorizer.reservations("CP1")
        assert (held.reservation_id, held.connector_id, held.id_tag) == (4, 1, "CARD1")
        assert (held.expiry_date, held.parent_id_tag) == (FUTURE, "FAMILY")
        assert await act(hass, "cancel_reservation", reservation_id=4) == {"status": "Accepted"}
        assert authorizer.reservations("CP1") == []
        assert last(cp, "CancelReservation") == {"reservationId": 4}
        err = await refused(hass, "cancel_reservation", HomeAssistantError, reservation_id=4)
        assert err.translation_placeholders["status"] == "Rejected"

        await cp.start_transaction(1, "CARD2", 0)
        err = await refused(
            hass,
            "reserve_now",
            HomeAssistantError,
            connector_id=1,
            expiry_date=FUTURE,
            id_tag="CARD1",
            reservation_id=5,
        )
        assert err.translation_placeholders["status"] == "Occupied"
        past = datetime.now(UTC) - timedelta(minutes=1)
        await refused(
            hass, "reserve_now", connector_id=1, expiry_date=past, id_tag="C", reservation_id=6
        )
        assert len(cp.calls("ReserveNow")) == 2


async def test_send_local_list_and_version(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    """Nested AuthorizationData in camelCase; the version comes back."""
    async with connect() as cp:
        await boot(cp)
        assert await act(hass, "get_local_list_version") == {"list_version": 0}
        assert last(cp, "GetLocalListVersion") == {}
        entries = [
            {"id_tag": "CARD1", "id_tag_info": {"status": "Accepted", "expiry_date": FUTURE}},
            {"id_tag": "CARD2", "id_tag_info": {"status": "Blocked", "parent_id_tag": "FAM"}},
        ]
        response = await act(
            hass,
            "send_local_list",
            list_version=3,
            update_type="Full",
            local_authorization_list=entries,
        )
        assert response == {"status": "Accepted"}
        assert last(cp, "SendLocalList") == {
            "listVersion": 3,
            "updateType": "Full",
            "localAuthorizationList": [
                {"idTag": "CARD1", "idTagInfo": {"status": "Accepted", "expiryDate": FUTURE_Z}},
                {"idTag": "CARD2", "idTagInfo": {"status": "Blocked", "parentIdTag": "FAM"}},
            ],
        }
        authorizer = entry.runtime_data.central.authorizer
        assert authorizer.local_list_version("CP1") == 3
        assert await act(hass, "get_local_list_version") == {"list_version": 3}
        await act(
            hass,
            "send_local_list",
            list_version=4,
            update_type="Differential",
            local_authorization_list=[{"id_tag": "CARD2"}],
        )
        assert last(cp, "SendLocalList")["localAuthorizationList"] == [{"idTag": "CARD2"}]
        assert authorizer.local_list_version("CP1") == 4
        cp.local_list_version = 7  # changed behind our back
        assert await act(hass, "get_local_list_version") == {"list_version": 7}
        assert authorizer.local_list_version("CP1") == 7

        for bad in (
            {"update_type": "Full", "local_authorization_list": [{"id_tag": "CARD2"}]},
            {"update_type": "Full", "local_authorization_list": [entries[0], entries[0]]},
            {"update_type": "Partial"},
        ):
            await refused(hass, "send_local_list", list_version=5, **bad)
        cp.responses["SendLocalList"] = {"status": "VersionMismatch"}
        err = await refused(
            hass, "send_local_list", HomeAssistantError, list_version=9, update_type="Full"
        )
        assert err.translation_placeholders["status"] == "VersionMismatch"
        assert last(cp, "SendLocalList") == {
            "listVersion": 9,
            "updateType": "Full",
            "localAuthorizationList": [],
        }


async def test_clear_cache(hass: HomeAssistant, connect) -> None:
    """An empty request; Rejected is a refusal."""
    async with connect() as cp:
        await boot(cp)
        assert await act(hass, "clear_cache") == {"status": "Accepted"}
        assert last(cp, "ClearCache") == {}
        cp.responses["ClearCache"] = {"status": "Rejected"}
        await refused(hass, "clear_cache", HomeAssistantError)


# ---------------------------------------------------------------- the charger's answers


async def test_charger_offline(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """A charger that is not connected: a translated error naming it."""
    err = await refused(hass, "reset", HomeAssistantError)
    assert not isinstance(err, ServiceValidationError)
    assert err.translation_key == "charger_offline"
    assert err.translation_placeholders == {"charger": "CP1"}
    err = await refused(hass, "rotate_password", HomeAssistantError)
    assert err.translation_key == "charger_offline"


async def test_charger_timeout(
    hass: HomeAssistant, connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No answer within the request timeout."""
    monkeypatch.setattr(services, "REQUEST_TIMEOUT", 0.3)
    async with connect() as cp:
        await boot(cp)
        cp.responses["Reset"] = NO_REPLY
        err = await refused(hass, "reset", HomeAssistantError)
        assert err.translation_key == "charger_timeout"
        assert err.translation_placeholders == {"charger": "CP1", "action": "Reset"}
        del cp.responses["Reset"]
        assert await act(hass, "reset") == {"status": "Accepted"}


async def test_charger_error(hass: HomeAssistant, connect) -> None:
    """A CALLERROR: its code and description."""
    async with connect() as cp:
        await boot(cp)
        cp.responses["Reset"] = NotSupportedError(description="no resets here")
        err = await refused(hass, "reset", HomeAssistantError)
        assert err.translation_key == "charger_error"
        assert err.translation_placeholders == {
            "charger": "CP1",
            "action": "Reset",
            "code": "NotSupported",
            "description": "no resets here",
        }


async def test_charger_rejects(hass: HomeAssistant, connect) -> None:
    """A refusal names the status the charger answered."""
    async with connect() as cp:
        await boot(cp)
        cp.responses["Reset"] = {"status": "Rejected"}
        err = await refused(hass, "reset", HomeAssistantError, type="Hard")
        assert err.translation_key == "charger_rejected"
        assert err.translation_placeholders == {
            "charger": "CP1",
            "action": "Reset",
            "status": "Rejected",
        }


# ---------------------------------------------------------------------- targets


async def test_unknown_or_wrong_device(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Never a guess: unknown device, the central system's device, a missing device_id."""
    err = await refused(hass, "reset", device_id="no-such-device")
    assert err.translation_key == "unknown_device"
    central = device_id(hass, entry.entry_id)
    err = await refused(hass, "reset", device_id=central)
    assert err.translation_key == "not_a_charger"
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(DOMAIN, "reset", {}, blocking=True, return_response=True)
    other = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={("other", "x")}, name="Other"
    )
    err = await refused(hass, "reset", device_id=other.id)
    assert err.translation_key == "not_a_charger"


async def test_unloaded_central_system(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """A central system that is not running is said so."""
    charger = device_id(hass)
    await hass.config_entries.async_unload(entry.entry_id)
    err = await refused(hass, "reset", device_id=charger)
    assert err.translation_key == "entry_not_loaded"


async def test_connector_devices(hass: HomeAssistant, connect) -> None:
    """A connector's device targets that connector of its charger."""
    async with connect(profile=ChargerProfile(connectors=2)) as cp:
        await boot(cp)
        await cp.status(1, "Available")
        await cp.status(2, "Available")
        await settle(hass)
        connector2 = device_id(hass, "CP1-2")

        await act(hass, "unlock_connector", device_id=connector2)
        assert last(cp, "UnlockConnector") == {"connectorId": 2}
        await act(hass, "change_availability", device_id=connector2, type="Inoperative")
        assert last(cp, "ChangeAvailability") == {"connectorId": 2, "type": "Inoperative"}
        await act(hass, "reset", device_id=connector2)
        assert last(cp, "Reset") == {"type": "Soft"}

        err = await refused(hass, "unlock_connector", device_id=connector2, connector_id=1)
        assert err.translation_key == "connector_mismatch"
        assert len(cp.calls("UnlockConnector")) == 1


# ----------------------------------------------------------------------- id tags


async def test_set_and_remove_id_tag(hass: HomeAssistant, connect, entry: MockConfigEntry) -> None:
    """Tags of the central system answer Authorize; by config entry or by device."""
    authorizer = entry.runtime_data.central.authorizer
    response = await hass.services.async_call(
        DOMAIN,
        "set_id_tag",
        {
            "config_entry_id": entry.entry_id,
            "id_tag": "CARD9",
            "status": "Blocked",
            "expiry_date": FUTURE,
            "parent_id_tag": "FAMILY",
        },
        blocking=True,
        return_response=True,
    )
    assert response == {
        "id_tag": "CARD9",
        "status": "Blocked",
        "expiry_date": FUTURE.isoformat(),
        "parent_id_tag": "FAMILY",
    }
    tag = authorizer.tag("CARD9")
    assert tag is not None
    assert (tag.status, tag.expiry_date, tag.parent_id_tag) == ("Blocked", FUTURE, "FAMILY")
    async with connect() as cp:
        await boot(cp)
        assert (await cp.authorize("CARD9"))["idTagInfo"]["status"] == "Blocked"

    await hass.services.async_call(
        DOMAIN, "set_id_tag", {"device_id": device_id(hass), "id_tag": "CARD9"}, blocking=True
    )
    assert authorizer.tag("CARD9").status == "Accepted"
    assert entry.runtime_data.central.snapshot()["authorization"]["tags"]

    response = await hass.services.async_call(
        DOMAIN,
        "remove_id_tag",
        {"config_entry_id": entry.entry_id, "id_tag": "CARD9"},
        blocking=True,
        return_response=True,
    )
    assert response == {"id_tag": "CARD9", "removed": True}
    assert authorizer.tag("CARD9") is None

    for service, data, key in (
        ("remove_id_tag", {"config_entry_id": entry.entry_id, "id_tag": "CARD9"}, "unknown_id_tag"),
        ("remove_id_tag", {"id_tag": "CARD9"}, "invalid_input"),
        ("set_id_tag", {"config_entry_id": "nope", "id_tag": "CARD9"}, "unknown_config_entry"),
        ("set_id_tag", {"device_id": "nope", "id_tag": "CARD9"}, "unknown_device"),
        ("set_id_tag", {"device_id": device_id(hass), "id_tag": "C" * 21}, "invalid_input"),
        ("set_id_tag", {"device_id": device_id(hass), "id_tag": "CA\x01RD"}, "invalid_input"),
        (
            "set_id_tag",
            {"device_id": device_id(hass), "id_tag": "C", "status": "ConcurrentTx"},
            "invalid_input",
        ),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(DOMAIN, service, data, blocking=True)
        assert err.value.translation_key == key


# --------------------------------------------------------------------- password


async def test_rotate_password(
    hass: HomeAssistant, connect, entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """The charger gets a new password; the old one is refused from then on."""
    caplog.set_level(logging.DEBUG)
    async with connect() as cp:
        await boot(cp)
        cp.profile.configuration["AuthorizationKey"] = PASSWORD
        response = await act(hass, "rotate_password")
        new = response["password"]
        assert response == {"password": new, "status": "Accepted"}
        assert len(new) >= 16
        assert last(cp, "ChangeConfiguration") == {"key": "AuthorizationKey", "value": new}
        charger = entry.runtime_data.central.chargers["CP1"]
        assert not any(new in text for _, _, text in charger.frames)
        assert any("**REDACTED**" in text for _, _, text in charger.frames)
        await hass.async_block_till_done()

    with pytest.raises(InvalidStatus) as old:
        async with connect(password=PASSWORD):
            pass
    assert old.value.response.status_code == 401
    async with connect(password=new) as cp:
        assert (await cp.boot())["status"] == "Accepted"
    assert new not in our_log(caplog)


async def test_rotate_to_a_chosen_password(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    """A password the user chooses: 16 to 40 printable characters."""
    chosen = "My-Own-Password#2026"
    async with connect() as cp:
        await boot(cp)
        cp.profile.configuration["AuthorizationKey"] = PASSWORD
        for bad in ("too-short", "x" * 41, "with space in it 12345", 'quote"inside-the-pw'):
            await refused(hass, "rotate_password", password=bad)
        assert await act(hass, "rotate_password", password=chosen) == {
            "password": chosen,
            "status": "Accepted",
        }
        await hass.async_block_till_done()
    async with connect(password=chosen) as cp:
        assert (await cp.boot())["status"] == "Accepted"


async def test_rotate_password_refused_keeps_the_old_one(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    """A charger without AuthorizationKey (NotSupported): nothing changes."""
    before = charger_subentries(entry)["CP1"].data[CONF_PASSWORD_HASH]
    async with connect() as cp:
        await boot(cp)
        err = await refused(hass, "rotate_password", HomeAssistantError)
        assert err.translation_key == "charger_rejected"
        assert err.translation_placeholders["status"] == "NotSupported"
        sent = last(cp, "ChangeConfiguration")["value"]
        charger = entry.runtime_data.central.chargers["CP1"]
        assert not any(sent in text for _, _, text in charger.frames)
    assert charger_subentries(entry)["CP1"].data[CONF_PASSWORD_HASH] == before
    async with connect(password=PASSWORD) as cp:
        assert (await cp.boot())["status"] == "Accepted"


@pytest.mark.parametrize("charger_took_it", [True, False])
async def test_an_unanswered_rotation_locks_nobody_out(
    hass: HomeAssistant,
    connect,
    entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    charger_took_it: bool,
) -> None:
    """ChangeConfiguration AuthorizationKey times out: the charger may or may not have
    taken the new password. Its next login decides; the other password is refused after."""
    monkeypatch.setattr(services, "REQUEST_TIMEOUT", 0.3)
    before = charger_subentries(entry)["CP1"].data[CONF_PASSWORD_HASH]
    async with connect() as cp:
        await boot(cp)
        cp.responses["ChangeConfiguration"] = NO_REPLY
        err = await refused(hass, "rotate_password", HomeAssistantError)
        assert err.translation_key == "charger_timeout"
        new = last(cp, "ChangeConfiguration")["value"]
    used, other = (new, PASSWORD) if charger_took_it else (PASSWORD, new)
    with pytest.raises(InvalidStatus) as wrong:
        async with connect(password="a-wrong-password-of-20"):
            pass
    assert wrong.value.response.status_code == 401  # a stranger's try changes nothing
    async with connect(password=used) as cp:
        assert (await cp.boot())["status"] == "Accepted"
    await hass.async_block_till_done()
    stored = charger_subentries(entry)["CP1"].data[CONF_PASSWORD_HASH]
    assert (stored != before) is charger_took_it
    with pytest.raises(InvalidStatus) as refused_after:
        async with connect(password=other):
            pass
    assert refused_after.value.response.status_code == 401


async def test_secret_actions_need_an_admin(
    hass: HomeAssistant, entry: MockConfigEntry, hass_read_only_user: MockUser
) -> None:
    """Passwords and id tags are for administrators (automations run as the system)."""
    from homeassistant.core import Context

    context = Context(user_id=hass_read_only_user.id)
    for service, data in (
        ("rotate_password", {"device_id": device_id(hass)}),
        ("set_id_tag", {"config_entry_id": entry.entry_id, "id_tag": "CARD1"}),
        ("change_configuration", {"device_id": device_id(hass), "key": "K", "value": "V"}),
    ):
        with pytest.raises(Unauthorized):
            await hass.services.async_call(DOMAIN, service, data, blocking=True, context=context)


# ------------------------------------------------------------------ description


async def test_services_yaml_matches_the_schemas(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Every action is described, every field has a valid selector, and nothing more."""
    described = load_yaml(str(SERVICES_YAML))
    registered = hass.services.async_services_for_domain(DOMAIN)
    assert set(described) == set(registered)
    for name, service in registered.items():
        fields = described[name].get("fields") or {}
        schema = service.schema
        assert schema is not None
        keys = _schema_keys(schema)
        assert set(fields) == keys, name
        for field, spec in fields.items():
            selector.validate_selector(spec["selector"])
            assert set(spec) <= {"required", "example", "default", "selector"}, (name, field)


def _schema_keys(schema: Any) -> set[str]:
    inner = schema.schema
    while not isinstance(inner, dict):
        inner = inner.validators[0] if hasattr(inner, "validators") else inner.schema
    return {str(key) for key in inner}
