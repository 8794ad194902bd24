"""The base entity: device info, availability, and writing state only on change."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription

from .csms.model import ChargerState, ConnectorState
from .devices import async_charger_device, async_connector_device, device_ref
from .runtime import OcppCentralData, charger_subentries


class OcppEntity(Entity):
    """An entity of one charger (``connector_id`` None) or one of its connectors."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self,
        data: OcppCentralData,
        charger: ChargerState,
        connector_id: int | None,
        description: EntityDescription,
        device_info: DeviceInfo,
    ) -> None:
        self.entity_description = description
        self._data = data
        self._charger = charger
        self._connector_id = connector_id
        self._attr_unique_id = f"{charger.charge_point_id}-{connector_id or 0}-{description.key}"
        self._attr_device_info = device_info
        self._written: Any = None

    @property
    def connector(self) -> ConnectorState | None:
        """The connector this entity shows (None for charger entities)."""
        if self._connector_id is None:
            return None
        return self._charger.connector(self._connector_id)

    @property
    def available(self) -> bool:
        """Unavailable while the charger is offline."""
        return self._charger.connected

    def snapshot(self) -> Any:
        """What the entity would show now; compared to decide whether to write."""
        return None

    @property
    def shown(self) -> Any:
        """The snapshot last written (what the user sees)."""
        return self._written[1] if self._written is not None else self.snapshot()

    async def async_added_to_hass(self) -> None:
        """Follow the charger's changes."""
        self._written = (self.available, self.snapshot())
        self.async_on_remove(
            self._data.bridge.subscribe(
                self._charger.charge_point_id, self._connector_id, self._wake
            )
        )

    def _wake(self) -> None:
        """Write the state only when what the user sees changed."""
        if self._charger is not self._data.central.chargers.get(self._charger.charge_point_id):
            return  # the charger was removed
        current = (self.available, self.snapshot())
        if current != self._written:
            self._written = current
            self.async_write_ha_state()


class EntityBuilder:
    """Adds a platform's entities when they become due, each once.

    Due means: the charger's subentry exists (charger entities), a connector has
    reported (connector entities), and — for measurand entities — the measurand has
    been seen, so chargers that never report a value get no "unknown" entity.
    """

    def __init__(
        self,
        data: OcppCentralData,
        add: Any,
        build: Any,
    ) -> None:
        self._data = data
        self._add = add  # AddConfigEntryEntitiesCallback
        self._build = build  # (charger, connector_id | None, device_info) -> list[OcppEntity]
        self._created: set[str] = set()

    def __call__(self, charge_point_id: str, connector_id: int | None) -> None:
        """Add the entities now due for that charger (None: and all its connectors)."""
        charger = self._data.central.chargers.get(charge_point_id)
        subentry = charger_subentries(self._data.entry).get(charge_point_id)
        if charger is None or subentry is None:
            return
        connectors = (
            [None, *sorted(c for c in charger.connectors if c > 0)]
            if connector_id is None
            else [connector_id]
        )
        new: list[OcppEntity] = []
        for conn in connectors:
            device = self._device(charger, conn, subentry)
            for entity in self._build(charger, conn, device):
                if entity.unique_id not in self._created:
                    self._created.add(entity.unique_id)
                    new.append(entity)
        if new:
            self._add(new, config_subentry_id=subentry.subentry_id)

    def _device(
        self, charger: ChargerState, connector_id: int | None, subentry: ConfigSubentry
    ) -> DeviceInfo:
        hass, entry = self._data.bridge.hass, self._data.entry
        count = charger.capabilities.number_of_connectors or 1
        if connector_id is None or (connector_id == 1 and count <= 1):
            async_charger_device(hass, entry, subentry, charger)
            return device_ref(charger.charge_point_id)
        async_connector_device(hass, entry, subentry, charger, connector_id)
        return device_ref(f"{charger.charge_point_id}-{connector_id}")


def setup_entities(data: OcppCentralData, add: Any, build: Any) -> EntityBuilder:
    """Create what is due for every known charger now, and later as chargers report."""
    builder = EntityBuilder(data, add, build)
    data.entry.async_on_unload(data.bridge.add_factory(builder))
    for cp_id in list(data.central.chargers):
        builder(cp_id, None)
    return builder
