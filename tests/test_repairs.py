"""Repairs: an unknown charger can be added from its issue (SPEC §2.3, §2.5)."""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.components.repairs import (
    ConfirmRepairFlow,
    RepairsFlowManager,
    repairs_flow_manager,
)
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import (
    CONF_ALLOW_INSECURE,
    CONF_CHARGE_POINT_ID,
    CONF_HOST,
    CONF_MAX_CURRENT,
    CONF_MAX_POWER_KW,
    CONF_NAME,
    CONF_PASSWORD,
    CONF_PASSWORD_HASH,
    CONF_PAUSE_METHOD,
    CONF_PHASES,
    CONF_PORT,
    DEFAULT_MAX_CURRENT,
    DEFAULT_MAX_POWER_KW,
    DEFAULT_PAUSE_METHOD,
    DEFAULT_PHASES,
    DOMAIN,
    SUBENTRY_CHARGER,
)
from custom_components.ocpp_central.csms.security import verify_password
from custom_components.ocpp_central.repairs import (
    UnknownChargerRepairFlow,
    async_create_fix_flow,
)
from custom_components.ocpp_central.runtime import charger_subentries, unknown_charger_issue_id

PASSWORD = "the-password-set-on-the-charger"  # a test password
CP_ID = "GaroCS-49152E2A66280"


@pytest.fixture(autouse=True)
def mock_setup_entry() -> Iterator[AsyncMock]:
    """The repair is tested without starting a server."""
    with patch("custom_components.ocpp_central.async_setup_entry", return_value=True) as mock_setup:
        yield mock_setup


@pytest.fixture
async def entry(hass: HomeAssistant) -> MockConfigEntry:
    """A loaded central system, with the repairs integration running."""
    assert await async_setup_component(hass, "repairs", {})
    config_entry = MockConfigEntry(
        domain=DOMAIN,
        title="OCPP Central (port 9000)",
        unique_id="9000",
        data={CONF_HOST: "0.0.0.0", CONF_PORT: 9000, CONF_ALLOW_INSECURE: False},
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


def create_unknown_charger_issue(hass: HomeAssistant, entry_id: str, cp_id: str = CP_ID) -> str:
    """The issue the central system raises when an unknown charger is refused."""
    issue_id = unknown_charger_issue_id(entry_id, cp_id)
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="unknown_charger",
        translation_placeholders={"charge_point_id": cp_id, "remote": "192.168.1.50"},
        data={"entry_id": entry_id, "charge_point_id": cp_id},
    )
    return issue_id


def manager(hass: HomeAssistant) -> RepairsFlowManager:
    """The repairs flow manager (what the frontend's "Fix" button talks to)."""
    flow_manager = repairs_flow_manager(hass)
    assert flow_manager is not None
    return flow_manager


async def start_fix(hass: HomeAssistant, issue_id: str) -> dict[str, Any]:
    """Press "Fix" on the issue."""
    return dict(await manager(hass).async_init(DOMAIN, data={"issue_id": issue_id}))


async def test_fix_adds_the_charger_and_the_issue_is_gone(
    hass: HomeAssistant, entry: MockConfigEntry, mock_setup_entry: AsyncMock
) -> None:
    """The charger becomes a subentry with only the password's hash; no reload."""
    issue_id = create_unknown_charger_issue(hass, entry.entry_id)
    result = await start_fix(hass, issue_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert not result["errors"]  # the manager's {"issue_id": ...} is no submission
    assert result["description_placeholders"] == {
        "charge_point_id": CP_ID,
        "remote": "192.168.1.50",
    }
    defaults = {str(key): key.default() for key in result["data_schema"].schema}
    assert defaults[CONF_NAME] == CP_ID
    assert len(defaults[CONF_PASSWORD]) >= 16

    result = await manager(hass).async_configure(
        result["flow_id"], {CONF_NAME: " Driveway ", CONF_PASSWORD: PASSWORD}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    subentry = charger_subentries(entry)[CP_ID]
    assert subentry.subentry_type == SUBENTRY_CHARGER
    assert subentry.unique_id == CP_ID
    assert subentry.title == "Driveway"
    data = dict(subentry.data)
    assert verify_password(PASSWORD.encode(), data.pop(CONF_PASSWORD_HASH))
    assert data == {
        CONF_CHARGE_POINT_ID: CP_ID,
        CONF_NAME: "Driveway",
        CONF_MAX_POWER_KW: DEFAULT_MAX_POWER_KW,
        CONF_MAX_CURRENT: DEFAULT_MAX_CURRENT,
        CONF_PHASES: DEFAULT_PHASES,
        CONF_PAUSE_METHOD: DEFAULT_PAUSE_METHOD,
    }
    assert mock_setup_entry.call_count == 1


async def test_fix_with_the_offered_password(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Keeping the generated password (to set on the charger) works as is."""
    issue_id = create_unknown_charger_issue(hass, entry.entry_id)
    result = await start_fix(hass, issue_id)
    offered = next(
        key.default() for key in result["data_schema"].schema if str(key) == CONF_PASSWORD
    )
    result = await manager(hass).async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    subentry = charger_subentries(entry)[CP_ID]
    assert subentry.title == CP_ID
    assert verify_password(offered.encode(), subentry.data[CONF_PASSWORD_HASH])


async def test_short_password_is_refused(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """The form explains the 16-character minimum and nothing is added."""
    issue_id = create_unknown_charger_issue(hass, entry.entry_id)
    result = await start_fix(hass, issue_id)
    result = await manager(hass).async_configure(
        result["flow_id"], {CONF_NAME: CP_ID, CONF_PASSWORD: "short"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_PASSWORD: "password_too_short"}
    assert not entry.subentries
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None


async def test_entry_removed_meanwhile(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """The central system is gone: nothing to add, the issue is dropped."""
    issue_id = create_unknown_charger_issue(hass, "no-such-entry")
    result = await start_fix(hass, issue_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_found"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_entry_removed_while_the_form_is_open(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Removing the central system while the user types also aborts cleanly."""
    issue_id = create_unknown_charger_issue(hass, entry.entry_id)
    result = await start_fix(hass, issue_id)
    await hass.config_entries.async_remove(entry.entry_id)
    result = await manager(hass).async_configure(
        result["flow_id"], {CONF_NAME: CP_ID, CONF_PASSWORD: PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_found"


async def test_charger_added_meanwhile(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Paired (or added by hand) while the form was open: no duplicate."""
    issue_id = create_unknown_charger_issue(hass, entry.entry_id)
    result = await start_fix(hass, issue_id)
    hass.config_entries.async_add_subentry(
        entry,
        ConfigSubentry(
            data=MappingProxyType({CONF_CHARGE_POINT_ID: CP_ID, CONF_PASSWORD_HASH: "x"}),
            subentry_type=SUBENTRY_CHARGER,
            title=CP_ID,
            unique_id=CP_ID,
        ),
    )
    result = await manager(hass).async_configure(
        result["flow_id"], {CONF_NAME: CP_ID, CONF_PASSWORD: PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(entry.subentries) == 1
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_other_issues_are_only_confirmed(hass: HomeAssistant) -> None:
    """Any other issue gets the plain confirmation flow."""
    flow = await async_create_fix_flow(hass, "insecure_connections_x", None)
    assert isinstance(flow, ConfirmRepairFlow)
    issue_id = create_unknown_charger_issue(hass, "entry")
    flow = await async_create_fix_flow(hass, issue_id, {"entry_id": "entry"})
    assert isinstance(flow, ConfirmRepairFlow)
    flow = await async_create_fix_flow(
        hass, issue_id, {"entry_id": "entry", "charge_point_id": CP_ID}
    )
    assert isinstance(flow, UnknownChargerRepairFlow)
