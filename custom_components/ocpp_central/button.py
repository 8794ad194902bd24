"""Buttons: refresh or reset a charger, unlock a connector, open the pairing window
(SPEC §2.5, §4.4, §5)."""

from __future__ import annotations

import logging

from homeassistant.components.button import (
    ButtonDeviceClass,
    ButtonEntity,
    ButtonEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from ocpp.v16 import call

from .const import DOMAIN, PAIRING_MINUTES
from .csms.control import ControlError
from .csms.model import ChargerState
from .csms.session import CallFailed, NotConnected
from .devices import device_ref
from .entity import OcppEntity, setup_entities
from .runtime import OcppCentralConfigEntry, OcppCentralData
from .switch import control_error, controller_of

_LOGGER = logging.getLogger(__name__)
PARALLEL_UPDATES = 1

REFRESH = ButtonEntityDescription(key="refresh", translation_key="refresh")
RESET = ButtonEntityDescription(
    key="reset",
    translation_key="reset",
    device_class=ButtonDeviceClass.RESTART,
    entity_category=EntityCategory.CONFIG,
)
UNLOCK = ButtonEntityDescription(key="unlock", translation_key="unlock")


class RefreshButton(OcppEntity, ButtonEntity):
    """Ask the charger for its status and meter values now (TriggerMessage)."""

    async def async_press(self) -> None:
        """Trigger StatusNotification and MeterValues."""
        session = self._data.central.sessions.get(self._charger.charge_point_id)
        if session is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="charger_offline",
                translation_placeholders={"charger": self._charger.charge_point_id},
            )
        for message in ("StatusNotification", "MeterValues"):
            try:
                answer = await session.request(call.TriggerMessage(requested_message=message))
            except (CallFailed, TimeoutError, NotConnected) as err:
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="trigger_failed",
                    translation_placeholders={"message": message, "error": str(err) or "timeout"},
                ) from err
            if answer.get("status") != "Accepted":
                _LOGGER.info(
                    "%s answered %s to TriggerMessage(%s)",
                    self._charger.charge_point_id,
                    answer.get("status"),
                    message,
                )


class ResetButton(OcppEntity, ButtonEntity):
    """Soft-reset the charger (a hard reset stays an action)."""

    async def async_press(self) -> None:
        """Reset (Soft); raises when the charger does not accept it."""
        controller = controller_of(self._data, self._charger)
        try:
            await controller.request(call.Reset(type="Soft"))
        except ControlError as err:
            raise control_error(err, self._charger.charge_point_id) from err


class UnlockButton(OcppEntity, ButtonEntity):
    """Unlock the connector (release a stuck cable)."""

    async def async_press(self) -> None:
        """UnlockConnector; raises unless the charger answers Unlocked."""
        assert self._connector_id is not None
        controller = controller_of(self._data, self._charger)
        try:
            await controller.request(
                call.UnlockConnector(connector_id=self._connector_id), ok=("Unlocked",)
            )
        except ControlError as err:
            raise control_error(err, self._charger.charge_point_id) from err


class OpenPairingButton(ButtonEntity):
    """Open the pairing window: unknown chargers with a 16+ character password may join."""

    _attr_has_entity_name = True
    _attr_translation_key = "open_pairing"

    def __init__(self, data: OcppCentralData, device: DeviceInfo) -> None:
        self._data = data
        self._attr_unique_id = f"{data.entry.entry_id}-open_pairing"
        self._attr_device_info = device

    async def async_press(self) -> None:
        """Open the window for ten minutes."""
        self._data.bridge.open_pairing(PAIRING_MINUTES)


def _build(
    data: OcppCentralData, charger: ChargerState, connector_id: int | None, device: DeviceInfo
) -> list[OcppEntity]:
    if connector_id is None:
        return [
            RefreshButton(data, charger, None, REFRESH, device),
            ResetButton(data, charger, None, RESET, device),
        ]
    return [UnlockButton(data, charger, connector_id, UNLOCK, device)]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppCentralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the pairing button and the chargers' refresh buttons."""
    data = entry.runtime_data
    async_add_entities([OpenPairingButton(data, device_ref(entry.entry_id))])
    setup_entities(data, async_add_entities, lambda c, k, d: _build(data, c, k, d))
