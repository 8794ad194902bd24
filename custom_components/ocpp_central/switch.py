"""Switches: `charging` per connector (pause / allow, SPEC §4.1) and `available` per
charger (ChangeAvailability, SPEC §5)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.switch import (
    SwitchDeviceClass,
    SwitchEntity,
    SwitchEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import (
    CONF_PAUSE_METHOD,
    CONF_PHASES,
    CONF_REMOTE_ID_TAG,
    DEFAULT_PAUSE_METHOD,
    DEFAULT_PHASES,
    DOMAIN,
    PAUSE_METHOD_PROFILE,
    PAUSE_METHOD_STOP,
)
from .csms.control import (
    ChargerCallError,
    ChargerOffline,
    ChargerRejected,
    ChargerTimeout,
    ControlError,
    Controller,
    ControlOptions,
)
from .csms.model import ChargerState
from .entity import OcppEntity, setup_entities
from .runtime import OcppCentralConfigEntry, OcppCentralData

PARALLEL_UPDATES = 1  # one command per charger at a time

CHARGING = SwitchEntityDescription(
    key="charging", translation_key="charging", device_class=SwitchDeviceClass.SWITCH
)
AVAILABLE = SwitchEntityDescription(
    key="available",
    translation_key="available",
    device_class=SwitchDeviceClass.SWITCH,
    entity_category=EntityCategory.CONFIG,
)


def subentry_values(data: OcppCentralData, charge_point_id: str) -> Mapping[str, Any]:
    """The charger's subentry data (empty when it was just removed)."""
    subentry = data.bridge.charger_subentry(charge_point_id)
    return subentry.data if subentry is not None else {}


def control_options(data: OcppCentralData, charge_point_id: str) -> ControlOptions:
    """The per-charger control settings, read when a command is given."""
    values = subentry_values(data, charge_point_id)
    method = values.get(CONF_PAUSE_METHOD, DEFAULT_PAUSE_METHOD)
    if method not in (PAUSE_METHOD_PROFILE, PAUSE_METHOD_STOP):
        method = DEFAULT_PAUSE_METHOD
    try:
        phases = int(values.get(CONF_PHASES, DEFAULT_PHASES))
    except (TypeError, ValueError):
        phases = DEFAULT_PHASES
    tag = str(values.get(CONF_REMOTE_ID_TAG) or "").strip()
    return ControlOptions(
        pause_method=method,
        remote_id_tag=tag or None,
        phases=phases if phases in (1, 2, 3) else DEFAULT_PHASES,
    )


def control_error(err: ControlError, charge_point_id: str) -> HomeAssistantError:
    """A controller failure as a translated Home Assistant error."""
    placeholders = {"charger": charge_point_id, "action": err.action}
    if isinstance(err, ChargerOffline):
        key = "charger_offline"
    elif isinstance(err, ChargerRejected):
        key = "charger_rejected"
        placeholders["status"] = err.status
    elif isinstance(err, ChargerTimeout):
        key = "charger_timeout"
    else:
        key = "charger_error"
        code = err.code if isinstance(err, ChargerCallError) else "GenericError"
        description = err.description if isinstance(err, ChargerCallError) else str(err)
        placeholders |= {"code": code, "description": description or "-"}
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def controller_of(data: OcppCentralData, charger: ChargerState) -> Controller:
    """The charger's controller; offline when the charger was removed meanwhile."""
    controller = data.central.controllers.get(charger.charge_point_id)
    if controller is None or controller.charger is not charger:
        raise control_error(ChargerOffline("command"), charger.charge_point_id)
    return controller


class ChargingSwitch(OcppEntity, SwitchEntity):
    """On: charging allowed. Off: paused, the session kept open (or stopped, per option).

    The state shows what the charger does: charging or suspended by the car is on, even
    when a pause was ignored; suspended by the charger after we paused it is off.
    """

    def snapshot(self) -> Any:
        return self.is_on

    @property
    def is_on(self) -> bool:
        """What the charger does, and what we want."""
        controller = self._data.central.controllers.get(self._charger.charge_point_id)
        if controller is None or self._connector_id is None:
            return False
        return controller.shows_charging(self._connector_id)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Allow charging: lift the pause; remote-start a plugged-in car."""
        await self._set(allowed=True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Pause charging."""
        await self._set(allowed=False)

    async def _set(self, *, allowed: bool) -> None:
        assert self._connector_id is not None
        cp_id = self._charger.charge_point_id
        controller = controller_of(self._data, self._charger)
        try:
            await controller.set_charging(
                self._connector_id, allowed, control_options(self._data, cp_id)
            )
        except ControlError as err:
            raise control_error(err, cp_id) from err
        finally:
            self._wake()


class AvailableSwitch(OcppEntity, SwitchEntity):
    """On: Operative. Off: Inoperative (no new sessions; a running one may finish first)."""

    def snapshot(self) -> Any:
        return self.is_on

    @property
    def is_on(self) -> bool:
        """What the charger reports, or what it accepted until it reports again."""
        controller = self._data.central.controllers.get(self._charger.charge_point_id)
        return controller.shows_available() if controller is not None else False

    async def async_turn_on(self, **kwargs: Any) -> None:
        """ChangeAvailability Operative."""
        await self._set(operative=True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """ChangeAvailability Inoperative."""
        await self._set(operative=False)

    async def _set(self, *, operative: bool) -> None:
        controller = controller_of(self._data, self._charger)
        try:
            await controller.set_availability(operative)
        except ControlError as err:
            raise control_error(err, self._charger.charge_point_id) from err
        finally:
            self._wake()


def _build(
    data: OcppCentralData, charger: ChargerState, connector_id: int | None, device: DeviceInfo
) -> list[OcppEntity]:
    if connector_id is None:
        return [AvailableSwitch(data, charger, None, AVAILABLE, device)]
    return [ChargingSwitch(data, charger, connector_id, CHARGING, device)]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppCentralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the chargers' availability and the connectors' charging switches."""
    data = entry.runtime_data
    setup_entities(data, async_add_entities, lambda c, k, d: _build(data, c, k, d))
