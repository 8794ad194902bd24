"""Id tags managed in the UI answer Authorize, StartTransaction and StopTransaction of real
chargers over TLS (SPEC §3.6); changes apply without a reload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import pytest
from homeassistant.config_entries import ConfigSubentry, ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import (
    CONF_EXPIRY_DATE,
    CONF_ID_TAG,
    CONF_ID_TAG_STATUS,
    CONF_NAME,
    CONF_PARENT_ID_TAG,
    CONF_UNKNOWN_ID_TAGS,
    DOMAIN,
    SUBENTRY_ID_TAG,
)
from custom_components.ocpp_central.csms.authorization import IdTag
from custom_components.ocpp_central.id_tag_flow import tags_from_subentries
from custom_components.ocpp_central.runtime import charger_subentries
from simulator import CallErrorReceived

from .conftest import boot, charger_subentry, settle

LONG_TAG = "0123456789ABCDEF0123"  # 20 characters: the Ocular echoes it with 2 more (S3)


def tag_subentry(tag: str, status: str = "accepted", **extra: Any) -> ConfigSubentryData:
    """An id tag as the subentry flow stores it."""
    return ConfigSubentryData(
        data={CONF_ID_TAG: tag, CONF_NAME: extra.pop(CONF_NAME, tag), CONF_ID_TAG_STATUS: status}
        | extra,
        subentry_type=SUBENTRY_ID_TAG,
        title=tag,
        unique_id=f"id_tag:{tag}",
    )


@pytest.fixture
def entry_data(entry_data: dict[str, Any]) -> dict[str, Any]:
    """This module's central system rejects unknown tags."""
    return {**entry_data, CONF_UNKNOWN_ID_TAGS: "reject"}


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """CP1 and a few cards."""
    return [
        charger_subentry("CP1"),
        tag_subentry("BLOCKED1", "blocked"),
        tag_subentry("FAMILY1", "accepted", **{CONF_PARENT_ID_TAG: "FAMILY"}),
        tag_subentry(LONG_TAG, "accepted"),
        tag_subentry("OLD1", "accepted", **{CONF_EXPIRY_DATE: "2020-01-01T00:00:00+00:00"}),
    ]


async def add_tag(hass: HomeAssistant, entry: MockConfigEntry, user_input: dict[str, Any]) -> Any:
    """The id tag subentry flow, as the user runs it."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_ID_TAG), context={"source": "user"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)


def tag_subentries(entry: MockConfigEntry) -> dict[str, Any]:
    return {
        s.data[CONF_ID_TAG]: s for s in entry.subentries.values() if s.subentry_type == "id_tag"
    }


# ------------------------------------------------------------------ answers


async def test_blocked_tag_is_blocked_in_authorize_and_start(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    async with connect() as cp:
        await boot(cp)
        assert await cp.authorize("BLOCKED1") == {"idTagInfo": {"status": "Blocked"}}
        reply = await cp.start_transaction(1, "BLOCKED1", meter_start=0)
        assert reply["idTagInfo"] == {"status": "Blocked"}
        assert reply["transactionId"] > 0
        assert await cp.authorize("FAMILY1") == {
            "idTagInfo": {"status": "Accepted", "parentIdTag": "FAMILY"}
        }
        old = await cp.authorize("OLD1")
        assert old["idTagInfo"]["status"] == "Expired"
        assert old["idTagInfo"]["expiryDate"] == "2020-01-01T00:00:00.000Z"
        # an id tag is case-insensitive in OCPP (CiString20Type)
        assert (await cp.authorize("blocked1"))["idTagInfo"]["status"] == "Blocked"


async def test_unknown_tag_with_policy_reject_is_invalid(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    async with connect() as cp:
        await boot(cp)
        assert await cp.authorize("STRANGER") == {"idTagInfo": {"status": "Invalid"}}
        reply = await cp.start_transaction(1, "STRANGER", meter_start=0)
        assert reply["idTagInfo"] == {"status": "Invalid"}


async def test_stop_transaction_answers_from_the_list_and_is_always_confirmed(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    """QUIRKS S3/S4: a stop is never refused, whatever its id tag."""
    central = entry.runtime_data.central
    async with connect() as cp:
        await boot(cp)
        tx = (await cp.start_transaction(1, "BLOCKED1", meter_start=0))["transactionId"]
        reply = await cp.stop_transaction(tx, 500, id_tag="BLOCKED1", reason="Local")
        assert reply == {"idTagInfo": {"status": "Blocked"}}

        tx = (await cp.start_transaction(1, LONG_TAG, meter_start=500))["transactionId"]
        # Ocular LTE Plus: the 20-char tag comes back with 0x10 0x0E (22 chars, no schema)
        reply = await cp.send_call(
            "StopTransaction",
            {
                "transactionId": tx,
                "meterStop": 900,
                "timestamp": datetime.now(UTC).isoformat(),
                "idTag": LONG_TAG + "\x10\x0e",
            },
        )
        assert reply == {"idTagInfo": {"status": "Accepted"}}
        # Sigen: 20 chars and a "-": unknown, rejected by policy, but confirmed
        tx = (await cp.start_transaction(1, LONG_TAG, meter_start=900))["transactionId"]
        reply = await cp.send_call(
            "StopTransaction",
            {
                "transactionId": tx,
                "meterStop": 1000,
                "timestamp": datetime.now(UTC).isoformat(),
                "idTag": LONG_TAG + "-",
            },
        )
        assert reply == {"idTagInfo": {"status": "Invalid"}}
        reply = await cp.send_call(
            "StopTransaction",
            {"transactionId": tx + 100, "meterStop": 1000, "idTag": ["not", "a", "tag"]},
        )
        assert "idTagInfo" not in reply or reply["idTagInfo"]["status"]
        await settle(hass)
    connector = central.chargers["CP1"].connectors[1]
    assert connector.session is None
    assert connector.last_closed.meter_stop_wh == 1000


# ----------------------------------------------------- the UI, without reloads


async def test_adding_a_tag_takes_effect_without_reload(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    runtime = entry.runtime_data
    central = runtime.central
    async with connect() as cp:
        await boot(cp)
        session = central.sessions["CP1"]
        assert await cp.authorize("VID:0012AB34CD56") == {"idTagInfo": {"status": "Invalid"}}

        result = await add_tag(
            hass,
            entry,
            {CONF_ID_TAG: " VID:0012AB34CD56 ", CONF_NAME: "Car", CONF_PARENT_ID_TAG: "HOME"},
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["title"] == "Car"
        await hass.async_block_till_done()
        subentry = tag_subentries(entry)["VID:0012AB34CD56"]
        assert subentry.unique_id == "id_tag:VID:0012AB34CD56"
        assert dict(subentry.data) == {
            CONF_ID_TAG: "VID:0012AB34CD56",
            CONF_NAME: "Car",
            CONF_ID_TAG_STATUS: "accepted",
            CONF_PARENT_ID_TAG: "HOME",
        }
        assert await cp.authorize("VID:0012AB34CD56") == {
            "idTagInfo": {"status": "Accepted", "parentIdTag": "HOME"}
        }

        # reconfigure: everything but the tag
        result = await hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_ID_TAG),
            context={"source": "reconfigure", "subentry_id": subentry.subentry_id},
        )
        assert result["step_id"] == "reconfigure"
        assert result["description_placeholders"] == {"id_tag": "VID:0012AB34CD56"}
        assert CONF_ID_TAG not in {str(k) for k in result["data_schema"].schema}
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {CONF_ID_TAG_STATUS: "blocked", CONF_NAME: "Old car"}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
        assert entry.subentries[subentry.subentry_id].title == "Old car"
        assert await cp.authorize("VID:0012AB34CD56") == {"idTagInfo": {"status": "Blocked"}}

        # removing it: unknown again
        hass.config_entries.async_remove_subentry(entry, subentry.subentry_id)
        await hass.async_block_till_done()
        assert await cp.authorize("VID:0012AB34CD56") == {"idTagInfo": {"status": "Invalid"}}

        # never reloaded, never disconnected
        assert entry.runtime_data is runtime
        assert central.sessions["CP1"] is session
        assert not session.closed
    # id tags are not chargers
    assert set(charger_subentries(entry)) == {"CP1"}
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert not any((DOMAIN, "BLOCKED1") in d.identifiers for d in devices)


async def test_policy_change_applies_in_place(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    """The unknown-tag policy changes without restarting the listener."""
    central = entry.runtime_data.central
    port = central.port
    async with connect() as cp:
        await boot(cp)
        session = central.sessions["CP1"]
        assert (await cp.authorize("STRANGER"))["idTagInfo"]["status"] == "Invalid"
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_UNKNOWN_ID_TAGS: "accept"}
        )
        await hass.async_block_till_done()
        assert (await cp.authorize("STRANGER"))["idTagInfo"]["status"] == "Accepted"
        assert central.sessions["CP1"] is session
        assert central.port == port


async def test_reconfigure_form_offers_the_policy(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    result = await entry.start_reconfigure_flow(hass)
    fields = {str(key): key for key in result["data_schema"].schema}
    assert fields[CONF_UNKNOWN_ID_TAGS].default() == "reject"
    hass.config_entries.flow.async_abort(result["flow_id"])


async def test_tag_flow_checks_its_input(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    result = await add_tag(hass, entry, {CONF_ID_TAG: "x" * 21})
    assert result["errors"] == {CONF_ID_TAG: "invalid_id_tag"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_ID_TAG: "family1"}
    )
    assert result["errors"] == {CONF_ID_TAG: "already_configured"}  # case-insensitive
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_ID_TAG: "NEW1", CONF_PARENT_ID_TAG: "p" * 21}
    )
    assert result["errors"] == {CONF_PARENT_ID_TAG: "invalid_parent_id_tag"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_ID_TAG: "NEW1", CONF_EXPIRY_DATE: "2030-06-01 12:00:00"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "NEW1"
    stored = tag_subentries(entry)["NEW1"].data
    local = datetime(2030, 6, 1, 12, 0, tzinfo=dt_util.get_default_time_zone())
    assert datetime.fromisoformat(stored[CONF_EXPIRY_DATE]) == local
    await hass.async_block_till_done()
    central = entry.runtime_data.central
    answer = central.authorizer.id_tag_info("CP1", "NEW1")
    assert answer["status"] == "Accepted"
    assert answer["expiryDate"] == local.astimezone(UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )

    # reconfigure shows the expiry in local time and can clear it
    subentry = tag_subentries(entry)["NEW1"]
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_ID_TAG),
        context={"source": "reconfigure", "subentry_id": subentry.subentry_id},
    )
    fields = {str(key): key for key in result["data_schema"].schema}
    assert fields[CONF_EXPIRY_DATE].description == {"suggested_value": "2030-06-01 12:00:00"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_ID_TAG_STATUS: "expired"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert CONF_EXPIRY_DATE not in entry.subentries[subentry.subentry_id].data
    await hass.async_block_till_done()
    assert central.authorizer.id_tag_info("CP1", "NEW1") == {"status": "Expired"}


async def test_unusable_tag_subentries_are_skipped(
    hass: HomeAssistant, entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """Damaged subentry data never breaks the others; the log never shows the tag."""
    hass.config_entries.async_add_subentry(
        entry,
        ConfigSubentry(
            data=MappingProxyType(
                {CONF_ID_TAG: "SECRET-TOO-LONG-TAG-1234", CONF_ID_TAG_STATUS: "accepted"}
            ),
            subentry_type=SUBENTRY_ID_TAG,
            title="bad",
            unique_id="bad",
        ),
    )
    await hass.async_block_till_done()
    tags = {t.id_tag for t in tags_from_subentries(entry)}
    assert tags == {"BLOCKED1", "FAMILY1", LONG_TAG, "OLD1"}
    assert "SECRET" not in caplog.text
    assert entry.runtime_data.central.authorizer.tag("BLOCKED1") == IdTag.create(
        "BLOCKED1", "Blocked"
    )


# ------------------------------------------------------------- reservations


async def test_start_transaction_with_reservation_closes_it(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    central = entry.runtime_data.central
    authorizer = central.authorizer
    expiry = datetime.now(UTC) + timedelta(hours=1)
    authorizer.reserve("CP1", 42, 1, "FAMILY1", expiry, "FAMILY")
    authorizer.reserve("CP1", 43, 2, "FAMILY1", expiry)
    async with connect() as cp:
        await boot(cp)
        reply = await cp.start_transaction(1, "FAMILY1", meter_start=0, reservation_id=42)
        assert reply["idTagInfo"] == {"status": "Accepted", "parentIdTag": "FAMILY"}
        assert [r.reservation_id for r in authorizer.reservations("CP1")] == [43]
        # a reservation id nobody knows changes nothing and still gets an answer
        reply = await cp.start_transaction(2, "FAMILY1", meter_start=0, reservation_id=99)
        assert reply["idTagInfo"]["status"] == "Accepted"
        assert [r.reservation_id for r in authorizer.reservations("CP1")] == [43]
    stored = central.snapshot()["authorization"]
    assert [r["reservation_id"] for r in stored["reservations"]["CP1"]] == [43]


async def test_authorization_state_survives_a_restart(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    authorizer = entry.runtime_data.central.authorizer
    authorizer.record_local_list("CP1", 4, "Full", authorizer.authorization_data())
    authorizer.reserve("CP1", 7, 1, "FAMILY1", datetime.now(UTC) + timedelta(hours=1))
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    restored = entry.runtime_data.central.authorizer
    assert restored is not authorizer
    assert restored.local_list_version("CP1") == 4
    assert restored.local_list_changes("CP1") == []
    assert [r.reservation_id for r in restored.reservations("CP1")] == [7]
    assert restored.policy == "reject"
    assert restored.tag("BLOCKED1").status == "Blocked"


async def test_stop_with_odd_tags_is_still_confirmed(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    """Empty, blank, control-only or over-long tags: answered, never a CALLERROR."""
    async with connect() as cp:
        await boot(cp)
        tx = (await cp.start_transaction(1, "FAMILY1", meter_start=0))["transactionId"]
        for odd in ("\x00", "", " ", "é" * 30):
            try:
                reply = await cp.send_call(
                    "StopTransaction", {"transactionId": tx, "meterStop": 10, "idTag": odd}
                )
            except CallErrorReceived as err:  # pragma: no cover - the failure being tested
                pytest.fail(f"StopTransaction refused: {err}")
            assert reply.get("idTagInfo", {"status": "Invalid"})["status"] == "Invalid"
