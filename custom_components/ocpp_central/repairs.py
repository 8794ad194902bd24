"""Repairs: add an unknown charger that tried to connect (SPEC §2.5)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import voluptuous as vol
from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType

from .config_flow import (
    async_charger_data,
    charger_known,
    charger_settings,
    password_error,
)
from .const import CONF_NAME, CONF_PASSWORD, DOMAIN, SUBENTRY_CHARGER
from .csms.security import generate_password

UNKNOWN_CHARGER = "unknown_charger"


class UnknownChargerRepairFlow(RepairsFlow):
    """Add the charger that was refused as a subentry of its central system."""

    def __init__(self, entry_id: str, charge_point_id: str) -> None:
        """Remember which charger of which central system; offer a fresh password."""
        self._entry_id = entry_id
        self._charge_point_id = charge_point_id
        self._password = generate_password()

    def _entry(self) -> ConfigEntry | None:
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        return entry if entry is not None and entry.domain == DOMAIN else None

    def _abort_obsolete(self, entry: ConfigEntry | None) -> FlowResult:
        """Nothing left to fix: the entry is gone or the charger was added meanwhile."""
        ir.async_delete_issue(self.hass, DOMAIN, self.issue_id)
        return self.async_abort(reason="entry_not_found" if entry is None else "already_configured")

    def _schema(self) -> vol.Schema:
        return vol.Schema(
            {
                vol.Required(CONF_NAME, default=self._charge_point_id): TextSelector(),
                vol.Required(CONF_PASSWORD, default=self._password): TextSelector(
                    TextSelectorConfig(type=TextSelectorType.TEXT, autocomplete="off")
                ),
            }
        )

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> FlowResult:
        """Name the charger and give the password it uses (or a new one to set on it)."""
        entry = self._entry()
        if entry is None or charger_known(entry, self._charge_point_id):
            return self._abort_obsolete(entry)
        form = _form_input(user_input)
        errors: dict[str, str] = {}
        if form is not None:
            password = str(form.get(CONF_PASSWORD, ""))
            if error := password_error(password):
                errors[CONF_PASSWORD] = error
            else:
                return await self._async_add(password, form)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(self._schema(), form),
            errors=errors,
            description_placeholders=self._placeholders(),
        )

    def _placeholders(self) -> dict[str, str]:
        """The issue's placeholders (id, remote address) for the form's text."""
        issue = ir.async_get(self.hass).async_get_issue(DOMAIN, self.issue_id)
        placeholders = dict(issue.translation_placeholders or {}) if issue else {}
        placeholders.setdefault("remote", "?")
        return placeholders | {"charge_point_id": self._charge_point_id}

    async def _async_add(self, password: str, user_input: dict[str, Any]) -> FlowResult:
        settings = charger_settings(user_input, self._charge_point_id)
        data = await async_charger_data(self.hass, self._charge_point_id, password, settings)
        entry = self._entry()  # hashing took a while: check again
        if entry is None or charger_known(entry, self._charge_point_id):
            return self._abort_obsolete(entry)
        self.hass.config_entries.async_add_subentry(
            entry,
            ConfigSubentry(
                data=MappingProxyType(data),
                subentry_type=SUBENTRY_CHARGER,
                title=str(data[CONF_NAME]),
                unique_id=self._charge_point_id,
            ),
        )
        return self.async_create_entry(data={})


def _form_input(user_input: dict[str, Any] | None) -> dict[str, Any] | None:
    """The submitted form, or None for the ``{"issue_id": ...}`` that ``init`` starts with."""
    if user_input is None or user_input.keys() <= {"issue_id"}:
        return None
    return user_input


def _translation_key(hass: HomeAssistant, issue_id: str) -> str | None:
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    return issue.translation_key if issue is not None else None


async def async_create_fix_flow(
    hass: HomeAssistant,
    issue_id: str,
    data: dict[str, str | int | float | None] | None,
) -> RepairsFlow:
    """The fix flow of an issue: unknown chargers can be added, others only confirmed."""
    if (
        _translation_key(hass, issue_id) == UNKNOWN_CHARGER
        and data
        and data.get("entry_id")
        and data.get("charge_point_id")
    ):
        return UnknownChargerRepairFlow(str(data["entry_id"]), str(data["charge_point_id"]))
    return ConfirmRepairFlow()
