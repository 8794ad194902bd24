"""Number `max_current` (or `max_power` for chargers that take only W) per charger (SPEC §4.2).

The cap is sent as a charging profile the way the charger accepts it (csms/control.py).
Which of the two numbers a charger has follows its ChargingScheduleAllowedChargingRateUnit;
when that turns out different after the charger connects, the number is replaced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import UnitOfElectricCurrent, UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import (
    CONF_MAX_CURRENT,
    CONF_MAX_POWER_KW,
    DEFAULT_MAX_CURRENT,
    DEFAULT_MAX_POWER_KW,
    DOMAIN,
    MIN_CHARGING_CURRENT,
)
from .csms import smart_charging as sc
from .csms.control import ControlError
from .csms.model import ChargerState
from .entity import OcppEntity, setup_entities
from .runtime import OcppCentralConfigEntry, OcppCentralData, charger_subentries
from .switch import control_error, control_options, controller_of, subentry_values

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class CapDescription(NumberEntityDescription):
    """A cap number and the unit its value is sent in."""

    unit: str  # smart_charging.AMPS or WATTS


MAX_CURRENT = CapDescription(
    key="max_current",
    translation_key="max_current",
    device_class=NumberDeviceClass.CURRENT,
    native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
    native_min_value=0,
    native_step=1,
    mode=NumberMode.SLIDER,
    unit=sc.AMPS,
)
MAX_POWER = CapDescription(
    key="max_power",
    translation_key="max_power",
    device_class=NumberDeviceClass.POWER,
    native_unit_of_measurement=UnitOfPower.WATT,
    native_min_value=0,
    native_step=100,
    mode=NumberMode.SLIDER,
    unit=sc.WATTS,
)

type Replace = Callable[[CapNumber], None]


def _float(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


class CapNumber(OcppEntity, NumberEntity):
    """The charger-wide limit; shows the wanted cap (the top of the range when none)."""

    entity_description: CapDescription

    def __init__(
        self,
        data: OcppCentralData,
        charger: ChargerState,
        description: CapDescription,
        device_info: DeviceInfo,
        replace: Replace,
    ) -> None:
        super().__init__(data, charger, None, description, device_info)
        self._replace = replace
        self.replaced = False

    @property
    def native_max_value(self) -> float:
        """From the charger's settings: max_current (A), or max_power_kw × 1000 (W)."""
        values = subentry_values(self._data, self._charger.charge_point_id)
        if self.entity_description.unit == sc.WATTS:
            return _float(values.get(CONF_MAX_POWER_KW), DEFAULT_MAX_POWER_KW) * 1000.0
        return _float(values.get(CONF_MAX_CURRENT), DEFAULT_MAX_CURRENT)

    @property
    def native_value(self) -> float | None:
        """The wanted cap; without one the charger may use its whole range."""
        controller = self._data.central.controllers.get(self._charger.charge_point_id)
        cap = controller.cap_in(self.entity_description.unit) if controller else None
        return cap if cap is not None else self.native_max_value

    def snapshot(self) -> Any:
        return self.native_value, self.native_max_value

    async def async_set_native_value(self, value: float) -> None:
        """Send the cap (rate-limited; unchanged values are not sent)."""
        cp_id = self._charger.charge_point_id
        controller = controller_of(self._data, self._charger)
        options = control_options(self._data, cp_id)
        unit = self.entity_description.unit
        minimum = sc.convert(MIN_CHARGING_CURRENT, sc.AMPS, unit, options.phases)
        if 0 < value < minimum:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="limit_below_minimum",
                translation_placeholders={
                    "minimum": f"{minimum:g}",
                    "unit": self.native_unit_of_measurement or unit,
                },
            )
        try:
            await controller.set_cap(value, unit, options)
        except ControlError as err:
            raise control_error(err, cp_id) from err
        finally:
            self._wake()

    def _wake(self) -> None:
        controller = self._data.central.controllers.get(self._charger.charge_point_id)
        if (
            controller is not None
            and controller.charger is self._charger
            and controller.rate_unit() != self.entity_description.unit
        ):
            self._replace(self)  # the charger turned out to take the other unit
            return
        super()._wake()


def _description(data: OcppCentralData, charger: ChargerState) -> CapDescription:
    controller = data.central.controllers.get(charger.charge_point_id)
    unit = controller.rate_unit() if controller else sc.AMPS
    return MAX_POWER if unit == sc.WATTS else MAX_CURRENT


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppCentralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the chargers' cap numbers."""
    data = entry.runtime_data

    def replace(old: CapNumber) -> None:
        """max_current ↔ max_power: add the right one, remove the other."""
        if old.replaced:
            return
        old.replaced = True
        charger = old._charger
        subentry = charger_subentries(entry).get(charger.charge_point_id)
        if subentry is None or old.device_info is None:
            return
        new = CapNumber(data, charger, _description(data, charger), old.device_info, replace)
        async_add_entities([new], config_subentry_id=subentry.subentry_id)
        if old.registry_entry is not None:
            er.async_get(hass).async_remove(old.registry_entry.entity_id)
        else:
            hass.async_create_task(old.async_remove())

    def build(
        charger: ChargerState, connector_id: int | None, device: DeviceInfo
    ) -> list[OcppEntity]:
        if connector_id is not None:
            return []
        return [CapNumber(data, charger, _description(data, charger), device, replace)]

    setup_entities(data, async_add_entities, build)
