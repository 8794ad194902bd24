"""Persistence of the central system's state in Home Assistant's storage.

Home Assistant's ``Store.async_delay_save`` postpones the write each time it is called;
with chargers sending every few seconds it would never write. Here a write is scheduled
once and not postponed: state is at most ``DELAY_S`` old on disk, and urgent changes
(transaction started or stopped, counter advanced) are written at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store

from .const import DOMAIN, STORAGE_VERSION

DELAY_S: Final = 30.0


class CentralStore:
    """Stores one central system's snapshot."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self._hass = hass
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}", private=True, atomic_writes=True
        )
        self.snapshot: Callable[[], dict[str, Any]] = dict
        self._cancel: CALLBACK_TYPE | None = None

    async def async_load(self) -> dict[str, Any] | None:
        """The stored snapshot, if any."""
        return await self._store.async_load()

    @callback
    def schedule(self, urgent: bool) -> None:
        """Write soon (urgent: in the next loop iteration)."""
        if urgent:
            self._cancel_timer()
            self._store.async_delay_save(self.snapshot, 0)
        elif self._cancel is None:
            self._cancel = async_call_later(self._hass, DELAY_S, self._write)

    @callback
    def _write(self, _now: Any) -> None:
        self._cancel = None
        self._store.async_delay_save(self.snapshot, 0)

    def _cancel_timer(self) -> None:
        if self._cancel is not None:
            self._cancel()
            self._cancel = None

    async def async_flush(self) -> None:
        """Write now (on unload and restart)."""
        self._cancel_timer()
        await self._store.async_save(self.snapshot())

    async def async_remove(self) -> None:
        """Delete the stored state (entry removed)."""
        self._cancel_timer()
        await self._store.async_remove()
