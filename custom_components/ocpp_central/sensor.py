"""Sensors: charger status, metering and sessions (SPEC §5)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .csms import lenient
from .csms.metering import (
    MEASURAND_CURRENT_IMPORT,
    MEASURAND_CURRENT_OFFERED,
    MEASURAND_SOC,
    MEASURAND_TEMPERATURE,
    MEASURAND_VOLTAGE,
)
from .csms.model import ChargerState, ConnectorState
from .devices import device_ref
from .entity import OcppEntity, setup_entities
from .runtime import OcppCentralConfigEntry, OcppCentralData

PARALLEL_UPDATES = 0
STATUS_OPTIONS = sorted(set(lenient.CHARGE_POINT_STATUS.values()))
ERROR_OPTIONS = sorted(set(lenient.CHARGE_POINT_ERROR_CODE.values()))
FIRMWARE_OPTIONS = sorted(set(lenient.FIRMWARE_STATUS.values()))
DIAGNOSTICS_OPTIONS = sorted(set(lenient.DIAGNOSTICS_STATUS.values()))
PHASES = ("L1", "L2", "L3")

type ValueFn = Callable[[ChargerState, ConnectorState | None, datetime], Any]


@dataclass(frozen=True, kw_only=True)
class OcppSensorDescription(SensorEntityDescription):
    """A sensor and where its value comes from."""

    value_fn: ValueFn
    measurand: str | None = None  # created only once this measurand has been reported


def _conn(fn: Callable[[ConnectorState], Any]) -> ValueFn:
    return lambda _c, conn, _n: fn(conn) if conn is not None else None


def _session(fn: Callable[[Any, datetime], Any]) -> ValueFn:
    """A value of the connector's open session, or of the one that just closed."""

    def value(_c: ChargerState, conn: ConnectorState | None, now: datetime) -> Any:
        if conn is None:
            return None
        session = conn.session or conn.last_closed
        return fn(session, now) if session is not None else None

    return value


def _enum_lower(value: str | None) -> str | None:
    return value.lower() if value else None


CHARGER_SENSORS: tuple[OcppSensorDescription, ...] = (
    OcppSensorDescription(
        key="status",
        translation_key="charger_status",
        device_class=SensorDeviceClass.ENUM,
        options=[s.lower() for s in STATUS_OPTIONS],
        value_fn=lambda c, _k, _n: _enum_lower(c.connector(0).status),
    ),
    OcppSensorDescription(
        key="error_code",
        translation_key="error_code",
        device_class=SensorDeviceClass.ENUM,
        options=[s.lower() for s in ERROR_OPTIONS],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda c, _k, _n: _enum_lower(c.connector(0).error_code),
    ),
    OcppSensorDescription(
        key="firmware_status",
        translation_key="firmware_status",
        device_class=SensorDeviceClass.ENUM,
        options=[s.lower() for s in FIRMWARE_OPTIONS],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda c, _k, _n: _enum_lower(c.firmware_status),
    ),
    OcppSensorDescription(
        key="diagnostics_status",
        translation_key="diagnostics_status",
        device_class=SensorDeviceClass.ENUM,
        options=[s.lower() for s in DIAGNOSTICS_OPTIONS],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda c, _k, _n: _enum_lower(c.diagnostics_status),
    ),
    OcppSensorDescription(
        key="last_heartbeat",
        translation_key="last_heartbeat",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda c, _k, _n: c.last_heartbeat,
    ),
)

CONNECTOR_SENSORS: tuple[OcppSensorDescription, ...] = (
    OcppSensorDescription(
        key="status",
        translation_key="status",
        device_class=SensorDeviceClass.ENUM,
        options=[s.lower() for s in STATUS_OPTIONS],
        value_fn=_conn(lambda k: _enum_lower(k.status)),
    ),
    OcppSensorDescription(
        key="power",
        translation_key="power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
        value_fn=_conn(lambda k: k.readings.power_w),
    ),
    OcppSensorDescription(
        key="energy",
        translation_key="energy",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=_conn(lambda k: k.energy.lifetime_wh),
    ),
    OcppSensorDescription(
        key="session_energy",
        translation_key="session_energy",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        suggested_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        value_fn=_session(lambda s, _n: round(s.energy_wh, 1)),
    ),
    OcppSensorDescription(
        key="session_duration",
        translation_key="session_duration",
        device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
        value_fn=_session(lambda s, now: int(s.duration_s(now))),
    ),
    OcppSensorDescription(
        key="session_cost",
        translation_key="session_cost",
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        value_fn=_session(lambda s, _n: None if s.cost is None else round(s.cost, 4)),
    ),
    OcppSensorDescription(
        key="current_import",
        translation_key="current_import",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=1,
        measurand=MEASURAND_CURRENT_IMPORT,
        value_fn=_conn(lambda k: k.readings.current_a),
    ),
    OcppSensorDescription(
        key="current_offered",
        translation_key="current_offered",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=1,
        measurand=MEASURAND_CURRENT_OFFERED,
        value_fn=_conn(lambda k: k.readings.current_offered_a),
    ),
    OcppSensorDescription(
        key="voltage",
        translation_key="voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=0,
        measurand=MEASURAND_VOLTAGE,
        value_fn=_conn(lambda k: k.readings.voltage_v),
    ),
    OcppSensorDescription(
        key="soc",
        translation_key="soc",
        device_class=SensorDeviceClass.BATTERY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        measurand=MEASURAND_SOC,
        value_fn=_conn(lambda k: k.readings.soc_pct),
    ),
    OcppSensorDescription(
        key="temperature",
        translation_key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        entity_category=EntityCategory.DIAGNOSTIC,
        measurand=MEASURAND_TEMPERATURE,
        value_fn=_conn(lambda k: k.readings.temperature_c),
    ),
)


def _phase_sensors() -> tuple[OcppSensorDescription, ...]:
    """Per-phase values: diagnostic, disabled by default (one write per quantity)."""
    out: list[OcppSensorDescription] = []
    for phase in PHASES:
        out.append(
            OcppSensorDescription(
                key=f"current_import_{phase.lower()}",
                translation_key=f"current_import_{phase.lower()}",
                device_class=SensorDeviceClass.CURRENT,
                state_class=SensorStateClass.MEASUREMENT,
                native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
                entity_category=EntityCategory.DIAGNOSTIC,
                entity_registry_enabled_default=False,
                measurand=MEASURAND_CURRENT_IMPORT,
                value_fn=_conn(lambda k, p=phase: k.readings.current_by_phase.get(p)),
            )
        )
        out.append(
            OcppSensorDescription(
                key=f"voltage_{phase.lower()}",
                translation_key=f"voltage_{phase.lower()}",
                device_class=SensorDeviceClass.VOLTAGE,
                state_class=SensorStateClass.MEASUREMENT,
                native_unit_of_measurement=UnitOfElectricPotential.VOLT,
                entity_category=EntityCategory.DIAGNOSTIC,
                entity_registry_enabled_default=False,
                measurand=MEASURAND_VOLTAGE,
                value_fn=_conn(lambda k, p=phase: k.readings.voltage_by_phase.get(p)),
            )
        )
        out.append(
            OcppSensorDescription(
                key=f"power_{phase.lower()}",
                translation_key=f"power_{phase.lower()}",
                device_class=SensorDeviceClass.POWER,
                state_class=SensorStateClass.MEASUREMENT,
                native_unit_of_measurement=UnitOfPower.WATT,
                entity_category=EntityCategory.DIAGNOSTIC,
                entity_registry_enabled_default=False,
                measurand=MEASURAND_CURRENT_IMPORT,
                value_fn=_conn(lambda k, p=phase: k.readings.power_by_phase.get(p)),
            )
        )
    return tuple(out)


PHASE_SENSORS = _phase_sensors()


class OcppSensor(OcppEntity, SensorEntity):
    """A sensor of a charger or connector."""

    entity_description: OcppSensorDescription

    @property
    def native_unit_of_measurement(self) -> str | None:
        """Session cost is in Home Assistant's currency."""
        if self.entity_description.device_class is SensorDeviceClass.MONETARY:
            return self.hass.config.currency
        return self.entity_description.native_unit_of_measurement

    def snapshot(self) -> Any:
        return self.entity_description.value_fn(self._charger, self.connector, datetime.now(UTC))

    @property
    def native_value(self) -> Any:
        """The value computed when the charger last reported."""
        return self.shown


class PairingWindowSensor(SensorEntity):
    """Until when unknown chargers may pair (SPEC §2.5)."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_translation_key = "pairing_until"
    _attr_device_class = SensorDeviceClass.TIMESTAMP

    def __init__(self, data: OcppCentralData, device: DeviceInfo) -> None:
        self._data = data
        self._attr_unique_id = f"{data.entry.entry_id}-pairing_until"
        self._attr_device_info = device

    @property
    def native_value(self) -> datetime | None:
        """The end of the window, or unknown when closed."""
        central = self._data.central
        return central.pairing_until if central.pairing_open() else None

    async def async_added_to_hass(self) -> None:
        """Refresh when the window opens or closes."""
        self.async_on_remove(self._data.bridge.subscribe_pairing(self.async_write_ha_state))


def _build(
    data: OcppCentralData, charger: ChargerState, connector_id: int | None, device: DeviceInfo
) -> list[OcppSensor]:
    if connector_id is None:
        return [OcppSensor(data, charger, None, d, device) for d in CHARGER_SENSORS]
    conn = charger.connector(connector_id)
    return [
        OcppSensor(data, charger, connector_id, d, device)
        for d in (*CONNECTOR_SENSORS, *PHASE_SENSORS)
        if d.measurand is None or d.measurand in conn.measurands
    ]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppCentralConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up sensors for the central system and its chargers."""
    data = entry.runtime_data
    async_add_entities([PairingWindowSensor(data, device_ref(entry.entry_id))])
    setup_entities(data, async_add_entities, lambda c, k, d: _build(data, c, k, d))
