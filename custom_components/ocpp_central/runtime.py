"""The Home Assistant side of one central system: runtime data and the listener.

The core calls the listener (``Bridge``) when state changes; the bridge wakes exactly the
entities of that charger and connector — no dispatcher fan-out, no polling timer — and
turns core events into Home Assistant things: subentries, repairs, storage writes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later

from .certificates import TlsSetup
from .const import (
    CONF_CHARGE_POINT_ID,
    CONF_MAX_POWER_KW,
    CONF_NAME,
    CONF_PASSWORD_HASH,
    CONF_PRICE_ENTITY,
    CONF_PRICE_PER_KWH,
    DEFAULT_MAX_POWER_KW,
    DOMAIN,
    SUBENTRY_CHARGER,
)
from .csms.central import CentralSystem, ChargerConfig
from .csms.model import Identity
from .devices import async_update_charger_identity
from .files import FileExchange
from .store import CentralStore

_LOGGER = logging.getLogger(__name__)

type OcppCentralConfigEntry = ConfigEntry[OcppCentralData]
Wake = Callable[[], None]
EntityFactory = Callable[[str, int | None], None]


def charger_subentries(entry: ConfigEntry) -> dict[str, ConfigSubentry]:
    """Charge point id → its subentry."""
    return {
        str(s.data[CONF_CHARGE_POINT_ID]): s
        for s in entry.subentries.values()
        if s.subentry_type == SUBENTRY_CHARGER and CONF_CHARGE_POINT_ID in s.data
    }


def charger_config(subentry: ConfigSubentry) -> ChargerConfig:
    """A subentry as the core's ChargerConfig."""
    data = subentry.data
    max_kw = data.get(CONF_MAX_POWER_KW) or DEFAULT_MAX_POWER_KW
    return ChargerConfig(
        charge_point_id=str(data[CONF_CHARGE_POINT_ID]),
        password_hash=data.get(CONF_PASSWORD_HASH),
        max_power_w=float(max_kw) * 1000.0,
    )


def unknown_charger_issue_id(entry_id: str, charge_point_id: str) -> str:
    """The repair issue that offers to add an unknown charger."""
    return f"unknown_charger_{entry_id}_{charge_point_id}"


class Bridge:
    """The core's listener inside Home Assistant."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        self.hass = hass
        self._entry = entry
        # charge point id → connector id (None: charger entities) → entities to wake
        self._wake: dict[str, dict[int | None, list[Wake]]] = defaultdict(lambda: defaultdict(list))
        self._factories: list[EntityFactory] = []
        self._measurand_counts: dict[tuple[str, int], int] = {}
        self._identities: dict[str, Identity | None] = {}
        self._pairing_listeners: list[Wake] = []
        self._pairing_timer: CALLBACK_TYPE | None = None
        self.store: CentralStore | None = None
        self.central: CentralSystem | None = None
        # charge point id → subentry; read on hot paths (price, cap range), so kept
        # instead of scanning every subentry per message
        self._subentries: dict[str, ConfigSubentry] = charger_subentries(entry)

    def charger_subentry(self, charge_point_id: str) -> ConfigSubentry | None:
        """The charger's subentry (None once it was removed)."""
        return self._subentries.get(charge_point_id)

    def refresh_subentries(self) -> set[str]:
        """Re-read the chargers' subentries after a change; returns the new ids."""
        before = self._subentries
        self._subentries = charger_subentries(self._entry)
        return self._subentries.keys() - before.keys()

    # -------------------------------------------------- entity wiring

    @callback
    def subscribe(
        self, charge_point_id: str, connector_id: int | None, wake: Wake
    ) -> CALLBACK_TYPE:
        """Call ``wake`` when that charger (None) or connector changes."""
        wakes = self._wake[charge_point_id][connector_id]
        wakes.append(wake)
        return lambda: wakes.remove(wake)

    @callback
    def add_factory(self, factory: EntityFactory) -> CALLBACK_TYPE:
        """``factory(cp_id, connector_id)`` adds the entities that are now due."""
        self._factories.append(factory)
        return lambda: self._factories.remove(factory)

    @callback
    def create_entities(self, charge_point_id: str, connector_id: int | None) -> None:
        """Let every platform add what is due for that charger or connector."""
        for factory in self._factories:
            factory(charge_point_id, connector_id)

    # ------------------------------------------------ CentralListener

    @callback
    def charger_changed(self, charge_point_id: str, connector_id: int | None) -> None:
        """Wake the entities of the connector; a charger-level change wakes them all."""
        by_connector = self._wake.get(charge_point_id, {})
        if connector_id is None:
            self._sync_device(charge_point_id)
            groups = list(by_connector.values())
        else:
            self._check_measurands(charge_point_id, connector_id)
            groups = [by_connector.get(connector_id, []), by_connector.get(None, [])]
        for wakes in groups:
            for wake in list(wakes):
                wake()

    def _check_measurands(self, charge_point_id: str, connector_id: int) -> None:
        """A measurand reported for the first time brings its entities."""
        charger = self.central.chargers.get(charge_point_id) if self.central else None
        conn = charger.connectors.get(connector_id) if charger else None
        if conn is None:
            return
        key = (charge_point_id, connector_id)
        if self._measurand_counts.get(key) != len(conn.measurands):
            self._measurand_counts[key] = len(conn.measurands)
            self.create_entities(charge_point_id, connector_id)

    def _sync_device(self, charge_point_id: str) -> None:
        """A new BootNotification identity goes to the device registry."""
        charger = self.central.chargers.get(charge_point_id) if self.central else None
        if charger is None or charger.identity == self._identities.get(charge_point_id):
            return
        self._identities[charge_point_id] = charger.identity
        async_update_charger_identity(self.hass, self._entry, charger)

    # ------------------------------------------------------- pairing

    @callback
    def subscribe_pairing(self, listener: Wake) -> CALLBACK_TYPE:
        """Call ``listener`` when the pairing window opens or closes."""
        self._pairing_listeners.append(listener)
        return lambda: self._pairing_listeners.remove(listener)

    @callback
    def open_pairing(self, minutes: float) -> None:
        """Open the window and close it (for the UI) when it expires."""
        if self.central is None:
            return
        self.central.open_pairing(minutes)
        self._notify_pairing()
        self._cancel_pairing_timer()
        self._pairing_timer = async_call_later(
            self.hass, minutes * 60 + 1, lambda _now: self._notify_pairing()
        )

    def _notify_pairing(self) -> None:
        for listener in list(self._pairing_listeners):
            listener()

    def _cancel_pairing_timer(self) -> None:
        if self._pairing_timer is not None:
            self._pairing_timer()
            self._pairing_timer = None

    @callback
    def shutdown(self) -> None:
        """Cancel timers (entry unload)."""
        self._cancel_pairing_timer()

    @callback
    def connector_added(self, charge_point_id: str, connector_id: int) -> None:
        """New connector: its entities appear without a reload."""
        self.create_entities(charge_point_id, connector_id)

    @callback
    def save(self, urgent: bool) -> None:
        """Persist the snapshot."""
        if self.store is not None:
            self.store.schedule(urgent)

    @callback
    def price_per_kwh(self, charge_point_id: str) -> float | None:
        """A price entity's state, else the fixed price, else None."""
        subentry = self._subentries.get(charge_point_id)
        if subentry is None:
            return None
        if entity_id := subentry.data.get(CONF_PRICE_ENTITY):
            state = self.hass.states.get(entity_id)
            if state is not None and state.state not in (STATE_UNKNOWN, STATE_UNAVAILABLE):
                try:
                    return float(state.state)
                except ValueError:
                    return None
            return None
        price = subentry.data.get(CONF_PRICE_PER_KWH)
        return float(price) if price is not None else None

    @callback
    def unknown_charger(self, charge_point_id: str, remote: str) -> None:
        """A repair issue per unknown id, whose fix flow adds it (SPEC §2.5)."""
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            unknown_charger_issue_id(self._entry.entry_id, charge_point_id),
            is_fixable=True,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="unknown_charger",
            translation_placeholders={"charge_point_id": charge_point_id, "remote": remote},
            data={"entry_id": self._entry.entry_id, "charge_point_id": charge_point_id},
        )

    @callback
    def password_confirmed(self, charge_point_id: str, password_hash: str) -> None:
        """The charger logged in with the password of an unanswered change: store it."""
        if (subentry := charger_subentries(self._entry).get(charge_point_id)) is not None:
            self.hass.config_entries.async_update_subentry(
                self._entry, subentry, data={**subentry.data, CONF_PASSWORD_HASH: password_hash}
            )

    @callback
    def charger_paired(self, charge_point_id: str, password_hash: str) -> None:
        """Trust on first use: the admitted charger becomes a subentry."""
        if charge_point_id in charger_subentries(self._entry):
            return
        self.hass.config_entries.async_add_subentry(
            self._entry,
            ConfigSubentry(
                data=MappingProxyType(
                    {
                        CONF_CHARGE_POINT_ID: charge_point_id,
                        CONF_NAME: charge_point_id,
                        CONF_PASSWORD_HASH: password_hash,
                    }
                ),
                subentry_type=SUBENTRY_CHARGER,
                title=charge_point_id,
                unique_id=charge_point_id,
            ),
        )
        ir.async_delete_issue(
            self.hass, DOMAIN, unknown_charger_issue_id(self._entry.entry_id, charge_point_id)
        )


@dataclass
class OcppCentralData:
    """What a loaded central system entry holds (``entry.runtime_data``)."""

    entry: ConfigEntry
    central: CentralSystem
    bridge: Bridge
    store: CentralStore
    tls: TlsSetup
    files: FileExchange  # firmware serving and diagnostics upload (SPEC §4.5)
    data: dict[str, Any] = field(default_factory=dict)  # entry.data the server runs with
