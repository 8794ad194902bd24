"""Binary sensors: connected, plugged in, charging, problem (SPEC §3.5, §5)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .csms.model import CHARGING, FAULTED, PLUGGED_IN_STATES, ChargerState, ConnectorState
from .entity import OcppEntity, setup_entities
from .runtime import OcppCentralConfigEntry, OcppCentralData

PARALLEL_UPDATES = 0
CHARGING_THRESHOLD_W: Final = 50.0  # below this a "Charging" connector is idling


@dataclass(frozen=True, kw_only=True)
class OcppBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor and how it is decided."""

    is_on_fn: Callable[[ChargerState, ConnectorState | None], bool | None]


def _charging(conn: ConnectorState) -> bool | None:
    if conn.status is None:
        return None
    power = conn.readings.power_w
    return conn.status == CHARGING and (power is None or power > CHARGING_THRESHOLD_W)


def _problem(conn: ConnectorState) -> bool | None:
    if conn.status is None:
        return None
    return conn.status == FAULTED or conn.error_code not in (None, "NoError")


def _plugged_in(conn: ConnectorState) -> bool | None:
    return None if conn.status is None else conn.status in PLUGGED_IN_STATES


CONNECTED = OcppBinarySensorDescription(
    key="connected",
    translation_key="connected",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
    is_on_fn=lambda c, _k: c.connected,
)

CONNECTOR_BINARY_SENSORS: tuple[OcppBinarySensorDescription, ...] = (
    OcppBinarySensorDescription(
        key="plugged_in",
        translation_key="plugged_in",
        device_class=BinarySensorDeviceClass.PLUG,
        is_on_fn=lambda _c, k: _plugged_in(k) if k else None,
    ),
    OcppBinarySensorDescription(
        key="charging",
        translation_key="charging",
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        is_on_fn=lambda _c, k: _charging(k) if k else None,
    ),
    OcppBinarySensorDescription(
        key="problem",
        translation_key="problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        is_on_fn=lambda _c, k: _problem(k) if k else None,
    ),
)


class OcppBinarySensor(OcppEntity, BinarySensorEntity):
    """A binary sensor of a charger or connector."""

    entity_description: OcppBinarySensorDescription

    def snapshot(self) -> Any:
        return self.entity_description.is_on_fn(self._charger, self.connector), self._attributes()

    @property
    def is_on(self) -> bool | None:
        """The decision made when the charger last reported."""
        return self.shown[0]  # type: ignore[no-any-return]

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The error code and the vendor's own code, for a problem."""
        return self.shown[1]  # type: ignore[no-any-return]

    def _attributes(self) -> dict[str, Any] | None:
        conn = self.connector
        if self.entity_description.key != "problem" or conn is None:
            return None
        return {"error_code": conn.error_code, "vendor_error": conn.vendor_error, "info": conn.info}


class ConnectedSensor(OcppBinarySensor):
    """Connectivity is known while the charger is offline: it is the reason."""

    @property
    def available(self) -> bool:
        return True


def _build(
    data: OcppCentralData, charger: ChargerState, connector_id: int | None, device: DeviceInfo
) -> list[OcppBinarySensor]:
    if connector_id is None:
        return [ConnectedSensor(data, charger, None, CONNECTED, device)]
    return [
        OcppBinarySensor(data, charger, connector_id, d, device) for d in CONNECTOR_BINARY_SENSORS
    ]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppCentralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up binary sensors for the chargers."""
    data = entry.runtime_data
    setup_entities(data, async_add_entities, lambda c, k, d: _build(data, c, k, d))
