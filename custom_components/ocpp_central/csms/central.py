"""The central system: who may connect, who is connected, what is remembered.

One instance per listening port. It owns the chargers' state (model.py), admits
connections (server.Gatekeeper), hosts their sessions (session.SessionHost), and tells
its listener — the Home Assistant layer — when something changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from websockets.asyncio.server import ServerConnection

from . import provisioning, transactions
from .authorization import Authorizer
from .control import Controller
from .model import ChargerState
from .security import MIN_PASSWORD_LENGTH, PasswordVerifier, hash_password
from .server import Listener, ListenSettings, Verdict
from .session import ChargePointSession

_LOGGER = logging.getLogger(__name__)

SWEEP_INTERVAL_S: Final = 30.0
PING_AFTER_IDLE_S: Final = 60.0
DEFAULT_MAX_POWER_W: Final = 3 * 32 * 230.0


@dataclass(slots=True, frozen=True)
class ChargerConfig:
    """A known charger, as the user configured it."""

    charge_point_id: str
    password_hash: str | None
    max_power_w: float = DEFAULT_MAX_POWER_W


@dataclass(slots=True, frozen=True)
class CentralSettings:
    """Protocol settings shared by every charger on this port."""

    heartbeat_interval: int = 300
    meter_sample_interval: int = 60
    response_timeout: float = 30.0


class CentralListener(Protocol):
    """What the central system tells the outside world (the Home Assistant layer)."""

    def charger_changed(self, charge_point_id: str, connector_id: int | None) -> None:
        """State of a charger (or one of its connectors) changed."""

    def connector_added(self, charge_point_id: str, connector_id: int) -> None:
        """A connector reported for the first time."""

    def save(self, urgent: bool) -> None:
        """Persist ``snapshot()`` soon (urgent: now)."""

    def price_per_kwh(self, charge_point_id: str) -> float | None:
        """The energy price right now, for session cost."""

    def unknown_charger(self, charge_point_id: str, remote: str) -> None:
        """An unknown charger was refused (outside the pairing window)."""

    def charger_paired(self, charge_point_id: str, password_hash: str) -> None:
        """An unknown charger was admitted during the pairing window."""

    def password_confirmed(self, charge_point_id: str, password_hash: str) -> None:
        """A charger logged in with the password whose change had no clear answer."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class CentralSystem:
    """OCPP 1.6J central system for the chargers of one port."""

    def __init__(
        self,
        settings: CentralSettings,
        listener: CentralListener,
        chargers: Iterable[ChargerConfig],
        stored: dict[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        self._listener = listener
        self._stored_chargers: dict[str, Any] = dict((stored or {}).get("chargers") or {})
        self._tx_counter = int((stored or {}).get("transaction_counter") or 0)
        self._configs: dict[str, ChargerConfig] = {}
        self.chargers: dict[str, ChargerState] = {}
        self.sessions: dict[str, ChargePointSession] = {}
        self.controllers: dict[str, Controller] = {}  # desired state, per charger
        self.authorizer = Authorizer.from_dict((stored or {}).get("authorization"))
        self.authorizer.on_change = lambda: self._listener.save(False)
        self._verifier = PasswordVerifier()
        self._announced: dict[str, set[int]] = {}
        self._refused: set[str] = set()
        # A new password sent to a charger without a clear answer (timeout, dropped
        # connection): the charger may use it from its next login (SPEC §2.4).
        self._pending_passwords: dict[str, str] = {}
        self._auth_failed: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._listen = Listener(self, self._serve)
        self._sweeper: asyncio.Task[None] | None = None
        self.pairing_until: datetime | None = None
        self.set_chargers(chargers)

    # ------------------------------------------------------------ lifecycle

    async def start(self, listen: ListenSettings) -> None:
        """Listen; raises OSError when the port cannot be bound."""
        await self._listen.start(listen)
        self._sweeper = asyncio.create_task(self._sweep(), name="ocpp_central sweeper")

    @property
    def port(self) -> int | None:
        """The bound port."""
        return self._listen.port

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        if self._sweeper:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        await self._listen.stop()
        for controller in self.controllers.values():
            controller.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def restart(self, listen: ListenSettings) -> None:
        """Listen again with new settings; the chargers' state is kept."""
        await self.stop()
        await self.start(listen)

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -------------------------------------------------------------- chargers

    def set_chargers(self, configs: Iterable[ChargerConfig]) -> None:
        """Add, update and remove chargers without touching the others' connections."""
        wanted = {c.charge_point_id: c for c in configs}
        for cp_id in set(self._configs) - set(wanted):
            self._configs.pop(cp_id)
            self._pending_passwords.pop(cp_id, None)
            if controller := self.controllers.pop(cp_id, None):
                controller.close()
            self.chargers.pop(cp_id, None)
            self._announced.pop(cp_id, None)
            if session := self.sessions.pop(cp_id, None):
                self._spawn(session.close(1000, "charger removed"), f"close {cp_id}")
        for cp_id, config in wanted.items():
            self._configs[cp_id] = config
            if cp_id not in self.chargers:
                stored = self._stored_chargers.get(cp_id)
                self.chargers[cp_id] = (
                    ChargerState.from_dict(cp_id, stored)
                    if isinstance(stored, dict)
                    else ChargerState(cp_id)
                )
                self._announced[cp_id] = {c for c in self.chargers[cp_id].connectors if c > 0}
                self.controllers[cp_id] = self._new_controller(self.chargers[cp_id])
            self._refused.discard(cp_id)

    def _new_controller(self, charger: ChargerState) -> Controller:
        cp_id = charger.charge_point_id
        return Controller(
            charger,
            session=lambda: self.sessions.get(cp_id),
            spawn=self._spawn,
            changed=lambda urgent: self.changed(cp_id, None, urgent=urgent),
        )

    def config(self, charge_point_id: str) -> ChargerConfig | None:
        """The configuration of a known charger."""
        return self._configs.get(charge_point_id)

    def snapshot(self) -> dict[str, Any]:
        """Everything to persist."""
        chargers = dict(self._stored_chargers)
        chargers.update({cp_id: state.to_dict() for cp_id, state in self.chargers.items()})
        for cp_id in list(chargers):
            if cp_id not in self._configs:
                chargers.pop(cp_id)
        return {
            "transaction_counter": self._tx_counter,
            "chargers": chargers,
            "authorization": self.authorizer.to_dict(),
        }

    # --------------------------------------------------------------- pairing

    def open_pairing(self, minutes: float = 10) -> datetime:
        """Let unknown chargers with a 16+ character password in for a while (SPEC §2.5)."""
        self.pairing_until = _utcnow() + timedelta(minutes=minutes)
        self._refused.clear()
        return self.pairing_until

    def close_pairing(self) -> None:
        """End the pairing window now."""
        self.pairing_until = None

    def pairing_open(self) -> bool:
        """True while the pairing window is open."""
        return self.pairing_until is not None and _utcnow() < self.pairing_until

    # ------------------------------------------------------------ the gate

    async def admit(self, charge_point_id: str, password: bytes | None, remote: str) -> Verdict:
        """Basic Auth (Security Profile 2) and trust on first use (SPEC §2.4, §2.5)."""
        config = self._configs.get(charge_point_id)
        if config is None:
            return await self._admit_unknown(charge_point_id, password, remote)
        if config.password_hash is None or not password:
            return self._refuse(charge_point_id, remote, "no credentials")
        loop = asyncio.get_running_loop()
        verify = self._verifier.verify
        ok = await loop.run_in_executor(None, verify, password, config.password_hash)
        pending = self._pending_passwords.get(charge_point_id)
        if not ok and pending is not None:
            ok = await loop.run_in_executor(None, verify, password, pending)
            if ok:  # it took the new password after all: from now on only that one
                _LOGGER.info("%s logged in with its new password", charge_point_id)
                self._configs[charge_point_id] = replace(config, password_hash=pending)
                self._listener.password_confirmed(charge_point_id, pending)
        if not ok:
            return self._refuse(charge_point_id, remote, "wrong password")
        self._pending_passwords.pop(charge_point_id, None)  # whichever it used stays
        self._auth_failed.discard(charge_point_id)
        return Verdict.ACCEPT

    def expect_password(self, charge_point_id: str, password_hash: str) -> None:
        """A password change had no clear answer: accept the new one at the next login
        too (which of the two the charger uses then decides which one stays)."""
        self._pending_passwords[charge_point_id] = password_hash

    def forget_password_change(self, charge_point_id: str) -> None:
        """The change was answered (or superseded): only the configured password counts."""
        self._pending_passwords.pop(charge_point_id, None)

    def _refuse(self, charge_point_id: str, remote: str, why: str) -> Verdict:
        if charge_point_id not in self._auth_failed:
            self._auth_failed.add(charge_point_id)
            _LOGGER.warning("Refused charger %s from %s: %s", charge_point_id, remote, why)
        return Verdict.REJECT

    async def _admit_unknown(
        self, charge_point_id: str, password: bytes | None, remote: str
    ) -> Verdict:
        if self.pairing_open() and password and len(password) >= MIN_PASSWORD_LENGTH:
            loop = asyncio.get_running_loop()
            hashed = await loop.run_in_executor(None, hash_password, password)
            if charge_point_id in self._configs:  # paired meanwhile by a parallel attempt
                return await self.admit(charge_point_id, password, remote)
            _LOGGER.info("Paired new charger %s from %s", charge_point_id, remote)
            self.set_chargers([*self._configs.values(), ChargerConfig(charge_point_id, hashed)])
            self._listener.charger_paired(charge_point_id, hashed)
            return Verdict.ACCEPT
        if charge_point_id not in self._refused:
            self._refused.add(charge_point_id)
            _LOGGER.warning(
                "Refused unknown charger %s from %s; add it, or open the pairing window",
                charge_point_id,
                remote,
            )
            self._listener.unknown_charger(charge_point_id, remote)
        return Verdict.REJECT

    # ----------------------------------------------------------- connections

    async def _serve(self, connection: ServerConnection, charge_point_id: str) -> None:
        charger = self.chargers.get(charge_point_id)
        if charger is None:  # removed between handshake and now
            await connection.close(1008, "unknown charger")
            return
        session = ChargePointSession(
            charger, connection, self, response_timeout=self.settings.response_timeout
        )
        old = self.sessions.get(charge_point_id)
        self.sessions[charge_point_id] = session
        if old is not None:
            _LOGGER.info("%s reconnected; closing its previous connection", charge_point_id)
            self._spawn(old.close(1000, "replaced by a new connection"), "close old")
        charger.connected = True
        charger.connected_at = charger.last_seen = _utcnow()
        charger.disconnected_reason = None
        _LOGGER.info("%s connected", charge_point_id)
        self._listener.charger_changed(charge_point_id, None)
        post = self._spawn(session.post_connect(), f"{charge_point_id} post-connect")
        try:
            await session.run()
        finally:
            post.cancel()
            if self.sessions.get(charge_point_id) is session:
                del self.sessions[charge_point_id]
                charger.connected = False
                reason = charger.disconnected_reason or _close_reason(connection)
                charger.disconnected_reason = reason
                _LOGGER.info("%s went offline: %s", charge_point_id, reason)
                self._listener.charger_changed(charge_point_id, None)
                self._listener.save(False)

    async def _sweep(self) -> None:
        """One timer for all chargers: ping the quiet ones, drop the dead ones (SPEC §2.6).

        The idle limit follows the heartbeat interval handed out at boot, because
        several chargers neither send nor answer websocket pings (QUIRKS N6).
        """
        while True:
            await asyncio.sleep(SWEEP_INTERVAL_S)
            limit = 3 * self.settings.heartbeat_interval + 60
            now = _utcnow()
            for cp_id, session in list(self.sessions.items()):
                seen = session.charger.last_seen or now
                idle = (now - seen).total_seconds()
                if idle > limit:
                    session.charger.disconnected_reason = f"no message for {int(idle)} s"
                    self._spawn(session.close(1001, "idle"), f"close idle {cp_id}")
                elif idle > PING_AFTER_IDLE_S:
                    self._spawn(self._ping(session), f"ping {cp_id}")

    async def _ping(self, session: ChargePointSession) -> None:
        with contextlib.suppress(Exception):  # a missing pong is not an error (QUIRKS N6)
            pong = await session.connection.ping()
            await asyncio.wait_for(pong, PING_AFTER_IDLE_S)
            session.charger.last_seen = _utcnow()

    # ------------------------------------------------------ SessionHost API

    @property
    def heartbeat_interval(self) -> int:
        """The interval handed out in BootNotification."""
        return self.settings.heartbeat_interval

    def next_transaction_id(self) -> int:
        """Positive, persisted, never reused."""
        self._tx_counter += 1
        return self._tx_counter

    def authorize(
        self, charge_point_id: str, id_tag: str | None, *, reservation_id: int | None = None
    ) -> dict[str, Any]:
        """The one place that decides on id tags; a StartTransaction ends its reservation."""
        now = _utcnow()
        if reservation_id is not None:
            self.authorizer.consume_reservation(charge_point_id, reservation_id, now)
        return self.authorizer.id_tag_info(charge_point_id, id_tag, now)

    def context(self, charge_point_id: str) -> transactions.Context:
        """Receive time, the charger's physical limit and the price now."""
        config = self._configs.get(charge_point_id)
        return transactions.Context(
            now=_utcnow(),
            max_power_w=config.max_power_w if config else DEFAULT_MAX_POWER_W,
            price_per_kwh=self._listener.price_per_kwh(charge_point_id),
        )

    def changed(self, charge_point_id: str, connector_id: int | None, *, urgent: bool) -> None:
        """Tell the listener; announce connectors seen for the first time."""
        connector_id = connector_id or None  # connector 0 is the charger itself
        announced = self._announced.setdefault(charge_point_id, set())
        if connector_id and connector_id not in announced:
            announced.add(connector_id)
            self._listener.connector_added(charge_point_id, connector_id)
        self._listener.charger_changed(charge_point_id, connector_id)
        self._listener.save(urgent)

    def transaction_changed(
        self, charge_point_id: str, connector_id: int, *, started: bool
    ) -> None:
        """A transaction started or stopped: the controller keeps a pause in place."""
        if controller := self.controllers.get(charge_point_id):
            controller.transaction_changed(connector_id, started=started)

    async def provision(self, session: ChargePointSession) -> None:
        """Post-boot provisioning."""
        await provisioning.provision(session, self.settings.meter_sample_interval)
        if controller := self.controllers.get(session.charger.charge_point_id):
            await controller.reapply(session)  # after every (re)connection (QUIRKS P9)
        self.changed(session.charger.charge_point_id, None, urgent=False)


def _close_reason(connection: ServerConnection) -> str:
    code = connection.close_code
    reason = connection.close_reason
    if code is None:
        return "connection lost"
    return f"closed ({code}{': ' + reason if reason else ''})"
