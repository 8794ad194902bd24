"""The per-charger controller: what Home Assistant wants, sent the way the charger takes it.

SPEC §3.1 (re-apply after every (re)connection), §4.1 (pause / resume), §4.2 (cap), §6.4
(what works is learned per charger). The desired state lives in ``ChargerState.control``
and is persisted with the charger; this class turns it into OCPP calls:

* a cap: SetChargingProfile following the strategy ladder of smart_charging.py; the first
  shape the charger accepts is remembered and tried first next time; unchanged values are
  not re-sent and changes are rate-limited (the last value wins);
* a pause: a 0 A / 0 W profile on the connector (SuspendedEVSE, the session stays open),
  or RemoteStopTransaction for chargers that ignore 0 A; resume lifts it, re-sends the
  cap (go-e ignores later limits after a 0 A pause, QUIRKS P8) and remote-starts a car
  that is plugged in without a transaction (QUIRKS R7);
* after every (re)connection everything is sent again, changed or not: go-e loses its
  profiles on a reconnect (QUIRKS P9).

No Home Assistant here; errors are ``ControlError`` subclasses the entities translate.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from ocpp.v16 import call

from . import smart_charging as sc
from .model import (
    CHARGING,
    FINISHING,
    PREPARING,
    SUSPENDED_EV,
    SUSPENDED_EVSE,
    UNAVAILABLE,
    ChargerState,
    ControlState,
)
from .session import CallFailed, ChargePointSession, NotConnected

_LOGGER = logging.getLogger(__name__)

RATE_LIMIT_S = 10.0  # at most one cap per charger per window (flash wear); tests patch it
PROFILE_TIMEOUT_S = 15.0  # Timxon never answers some shapes (P5): don't wait 30 s each

PAUSE_PROFILE: Final = "profile"
PAUSE_STOP: Final = "stop"
LIMIT_STRATEGY: Final = "limit_strategy"  # quirk keys (learned, or the user's override)
PAUSE_STRATEGY: Final = "pause_strategy"
RATE_UNIT: Final = "rate_unit"
REMOTE_TAG_LENGTH: Final = 16  # S3, S4: chargers break on longer idTags
_PLUGGED_IN_IDLE: Final = frozenset({PREPARING, SUSPENDED_EV, SUSPENDED_EVSE, FINISHING})
_CLEARED: Final = ("Accepted", "Unknown")  # Unknown: nothing of ours was installed

type Spawn = Callable[[Coroutine[Any, Any, Any], str], Any]


def default_remote_id_tag(charge_point_id: str) -> str:
    """A stable 16-character id tag per charger ("HA" + 14 hex digits)."""
    digest = hashlib.sha256(charge_point_id.encode()).hexdigest().upper()
    return ("HA" + digest)[:REMOTE_TAG_LENGTH]


@dataclass(frozen=True, slots=True)
class ControlOptions:
    """The user's per-charger settings that a command needs."""

    pause_method: str = PAUSE_PROFILE
    remote_id_tag: str | None = None  # None: default_remote_id_tag
    phases: int = 3


class ControlError(Exception):
    """A command did not take effect."""

    def __init__(self, action: str, message: str = "") -> None:
        super().__init__(f"{action}: {message}" if message else action)
        self.action = action


class ChargerOffline(ControlError):
    """The charger is not connected."""


class ChargerRejected(ControlError):
    """The charger answered, with a status other than the one we asked for."""

    def __init__(self, action: str, status: str) -> None:
        super().__init__(action, status)
        self.status = status


class ChargerTimeout(ControlError):
    """The charger did not answer in time."""


class ChargerCallError(ControlError):
    """The charger answered with a CALLERROR."""

    def __init__(self, action: str, code: str, description: str) -> None:
        super().__init__(action, f"{code} {description}".strip())
        self.code = code
        self.description = description


def _outcome(err: ControlError) -> sc.Outcome:
    if isinstance(err, ChargerRejected):
        return sc.outcome_of(err.status)
    if isinstance(err, ChargerTimeout):
        return sc.Outcome.TIMEOUT
    return sc.Outcome.ERROR


class Controller:
    """Desired state, applied to one charger."""

    def __init__(
        self,
        charger: ChargerState,
        *,
        session: Callable[[], ChargePointSession | None],
        spawn: Spawn,
        changed: Callable[[bool], None],
    ) -> None:
        self.charger = charger
        self._session = session
        self._spawn = spawn
        self._changed = changed
        self._lock = asyncio.Lock()
        self._applied: tuple[float, str] | None = None  # cap accepted on this connection
        self._last_cap_send = -float("inf")  # monotonic time of the last cap sent
        self._timer: asyncio.TimerHandle | None = None
        self._warned: set[str] = set()
        # ChangeAvailability accepted or scheduled: (wanted, status marks when asked)
        self._availability: tuple[bool, tuple[Any, ...]] | None = None

    # ------------------------------------------------------------------ state

    @property
    def desired(self) -> ControlState:
        """What Home Assistant wants (persisted with the charger)."""
        return self.charger.control

    def is_paused(self, connector_id: int) -> bool:
        """True while the user wants this connector paused."""
        return connector_id in self.desired.paused

    def shows_charging(self, connector_id: int) -> bool:
        """What the charging switch shows: what the charger does, and what we want.

        Charging or suspended by the car: on (even when a pause was ignored, P8).
        Suspended by the charger: on unless we paused it (Easee idles there for minutes
        after being enabled, R14). Otherwise (no car, plugged in, finishing): our wish.
        """
        conn = self.charger.connectors.get(connector_id)
        if conn is not None and conn.status in (CHARGING, SUSPENDED_EV):
            return True
        return not self.is_paused(connector_id)

    def shows_available(self) -> bool:
        """What the `available` switch shows: Operative unless the charger says Unavailable.

        After an accepted or scheduled ChangeAvailability the wanted value shows until the
        charger reports a new status (a scheduled change waits for the session to end).
        Chargers that never report connector 0 are unavailable when all connectors are.
        """
        if self._availability is not None:
            wanted, marks = self._availability
            if marks == self._status_marks():
                return wanted
        connectors = self.charger.connectors
        if (whole := connectors.get(0)) is not None and whole.status is not None:
            return whole.status != UNAVAILABLE
        statuses = [c.status for k, c in connectors.items() if k > 0 and c.status is not None]
        return not statuses or any(s != UNAVAILABLE for s in statuses)

    def _status_marks(self) -> tuple[Any, ...]:
        """Connector 0's last status report, or every connector's when it has none."""
        connectors = self.charger.connectors
        if (whole := connectors.get(0)) is not None and whole.status_at is not None:
            return ((0, whole.status, whole.status_at),)
        return tuple(sorted((k, c.status, c.status_at) for k, c in connectors.items()))

    def rate_unit(self) -> str:
        """A or W: the user's override, else what the charger's configuration says."""
        unit = self.charger.quirks.get(RATE_UNIT)
        if unit in (sc.AMPS, sc.WATTS):
            return str(unit)
        return sc.rate_unit(self.charger.capabilities.rate_units)

    def cap_in(self, unit: str) -> float | None:
        """The desired cap in ``unit`` (None: no cap)."""
        state = self.desired
        if state.cap is None:
            return None
        return round(sc.convert(state.cap, state.cap_unit, unit, state.phases), 1)

    # --------------------------------------------------------------- commands

    async def request(
        self,
        payload: Any,
        *,
        ok: tuple[str, ...] | None = ("Accepted",),
        session: ChargePointSession | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send one CALL; failures (and a status not in ``ok``) become ControlErrors."""
        action = type(payload).__name__
        session = session or self._session()
        if session is None or session.closed:
            raise ChargerOffline(action)
        try:
            answer = await session.request(payload, timeout=timeout)
        except NotConnected as err:
            raise ChargerOffline(action) from err
        except TimeoutError as err:
            raise ChargerTimeout(action) from err
        except CallFailed as err:
            raise ChargerCallError(action, err.code, err.description) from err
        status = answer.get("status")
        if ok is not None and status not in ok:
            raise ChargerRejected(action, str(status))
        return answer

    async def set_charging(self, connector_id: int, allowed: bool, options: ControlOptions) -> None:
        """The charging switch: pause (keeping the session open) or allow charging."""
        async with self._lock:
            session = self._require_session("SetChargingProfile")
            state = self.desired
            previous = state.paused.get(connector_id)
            state.phases = options.phases
            try:
                if allowed:
                    state.paused.pop(connector_id, None)
                    if previous == PAUSE_PROFILE:
                        await self._lift_pause(session, connector_id)
                elif options.pause_method == PAUSE_STOP:
                    state.paused[connector_id] = PAUSE_STOP
                    await self._stop(session, connector_id, lift=previous == PAUSE_PROFILE)
                else:
                    state.paused[connector_id] = PAUSE_PROFILE
                    await self._pause(session, connector_id)
            except ControlError:
                if previous is None:
                    state.paused.pop(connector_id, None)
                else:
                    state.paused[connector_id] = previous
                raise
            finally:
                self._changed(True)
            if allowed:
                await self._remote_start(session, connector_id, options)

    async def set_availability(self, operative: bool) -> str:
        """ChangeAvailability for the whole charger; Scheduled counts as done (it waits for
        the running session). The charger keeps it across reboots (OCPP 1.6 §5.2)."""
        kind = "Operative" if operative else "Inoperative"
        answer = await self.request(
            call.ChangeAvailability(connector_id=0, type=kind), ok=("Accepted", "Scheduled")
        )
        self._availability = (operative, self._status_marks())
        self._changed(False)
        return str(answer["status"])

    async def set_cap(self, value: float, unit: str, options: ControlOptions) -> None:
        """The cap: sent now, or — within the rate-limit window — when it ends (last wins)."""
        value = sc.limit_value(value)
        async with self._lock:
            state = self.desired
            previous = (state.cap, state.cap_unit, state.phases)
            state.cap, state.cap_unit, state.phases = value, unit, options.phases
            if self._applied == (value, unit):
                self._cancel_timer()  # back to what the charger has: nothing to send
                self._changed(False)
                return
            session = self._session()
            if session is None or session.closed:
                state.cap, state.cap_unit, state.phases = previous
                raise ChargerOffline("SetChargingProfile")
            self._changed(False)
            wait = self._last_cap_send + RATE_LIMIT_S - time.monotonic()
            if wait > 0 or self._timer is not None:
                if self._timer is None:
                    loop = asyncio.get_running_loop()
                    self._timer = loop.call_later(max(wait, 0.0), self._timer_fired)
                return
            try:
                await self._send_cap(session)
            except ControlError:
                state.cap, state.cap_unit, state.phases = previous
                self._changed(False)
                raise

    async def reapply(self, session: ChargePointSession) -> None:
        """After every (re)connection: send everything wanted, changed or not (P9)."""
        self._learn_rate_unit()
        self._availability = None  # the charger reports its status again
        async with self._lock:
            self._cancel_timer()
            self._applied = None
            try:
                if self.desired.cap is not None:
                    await self._try(self._send_cap(session), "cap")
                for connector_id, method in sorted(self.desired.paused.items()):
                    if method == PAUSE_PROFILE:
                        await self._try(self._pause(session, connector_id), "pause")
            except ChargerOffline:
                _LOGGER.debug("%s: went offline while re-applying", self._cp_id)
        self._changed(False)

    def transaction_changed(self, connector_id: int, *, started: bool) -> None:
        """StartTransaction / StopTransaction seen (called from a handler: never awaits).

        A paused connector stays paused across transactions: its TxProfile ends with
        the transaction, so the pause moves to a TxDefaultProfile, and a new
        transaction gets it again. Someone starting a transaction at a charger that we
        paused by stopping is the user's choice: that pause ends.
        """
        method = self.desired.paused.get(connector_id)
        if method == PAUSE_PROFILE:
            self._spawn(self._repause(connector_id), f"{self._cp_id} keep paused")
        elif method == PAUSE_STOP and started:
            _LOGGER.info(
                "%s: a transaction started on paused connector %s; pause ended",
                self._cp_id,
                connector_id,
            )
            del self.desired.paused[connector_id]
            self._changed(True)

    def close(self) -> None:
        """Stop the timer (the central system stops or forgets the charger)."""
        self._cancel_timer()

    # ---------------------------------------------------------------- helpers

    @property
    def _cp_id(self) -> str:
        return self.charger.charge_point_id

    def _require_session(self, action: str) -> ChargePointSession:
        session = self._session()
        if session is None or session.closed:
            raise ChargerOffline(action)
        return session

    def _transaction(self, connector_id: int) -> int | None:
        conn = self.charger.connectors.get(connector_id)
        return conn.session.transaction_id if conn and conn.session else None

    def _stack(self) -> int:
        return sc.stack_level(self.charger.capabilities.max_stack_level)

    def _learn(self, key: str, shape: sc.Shape) -> None:
        if self.charger.quirks.learn(key, shape.as_dict()):
            _LOGGER.info("%s: %s learned: %s", self._cp_id, key, shape.as_dict())
            self._changed(False)

    def _learn_rate_unit(self) -> None:
        if not self.charger.configuration:  # GetConfiguration failed: keep what we know
            return
        unit = sc.rate_unit(self.charger.capabilities.rate_units)
        if self.charger.quirks.learn(RATE_UNIT, unit):
            self._changed(False)

    def _warn_once(self, what: str, err: ControlError) -> None:
        level = logging.DEBUG if what in self._warned else logging.WARNING
        self._warned.add(what)
        _LOGGER.log(level, "%s: could not apply the %s: %s", self._cp_id, what, err)

    async def _try(self, work: Awaitable[Any], what: str) -> None:
        """Background work: log failures (once per kind), never raise but offline."""
        try:
            await work
        except ChargerOffline:
            raise
        except ControlError as err:
            self._warn_once(what, err)

    async def _ladder(
        self, shapes: list[sc.Shape], send: Callable[[sc.Shape], Awaitable[None]]
    ) -> sc.Shape:
        """Try shapes in order until one is accepted; raise the last failure."""
        remaining = list(shapes)
        last: ControlError | None = None
        while remaining:
            shape = remaining.pop(0)
            try:
                await send(shape)
            except ChargerOffline:
                raise
            except ControlError as err:
                _LOGGER.debug("%s: %s refused: %s", self._cp_id, shape.as_dict(), err)
                last = err
                remaining = sc.prune(remaining, shape, _outcome(err))
                continue
            return shape
        raise last or ChargerRejected("SetChargingProfile", "Rejected")

    async def _set_profile(
        self,
        session: ChargePointSession,
        connector_id: int,
        shape: sc.Shape,
        limit: float,
        transaction_id: int | None = None,
    ) -> None:
        profile = sc.build_profile(
            shape,
            limit,
            connector_id=connector_id,
            now=datetime.now(UTC),
            transaction_id=transaction_id,
        )
        await self.request(
            call.SetChargingProfile(connector_id=connector_id, cs_charging_profiles=profile),
            session=session,
            timeout=PROFILE_TIMEOUT_S,
        )

    # --------------------------------------------------------------- the cap

    def _timer_fired(self) -> None:
        self._timer = None
        self._spawn(self._send_pending(), f"{self._cp_id} pending cap")

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def _send_pending(self) -> None:
        """The window ended: send the latest wanted cap (if it still differs)."""
        async with self._lock:
            state = self.desired
            if state.cap is None or self._applied == (state.cap, state.cap_unit):
                return
            session = self._session()
            if session is None or session.closed:
                return  # re-applied when the charger is back
            try:
                await self._send_cap(session)
            except ControlError as err:
                self._warn_once("cap", err)
                if self._applied is not None:  # show what the charger really has
                    state.cap, state.cap_unit = self._applied
                    self._changed(False)

    async def _send_cap(self, session: ChargePointSession) -> None:
        state = self.desired
        if state.cap is None:
            return
        unit = self.rate_unit()
        limit = sc.convert(state.cap, state.cap_unit, unit, state.phases)
        quirks = self.charger.quirks
        shapes = sc.cap_ladder(
            stack=self._stack(),
            unit=unit,
            learned=quirks.learned.get(LIMIT_STRATEGY),
            override=quirks.overrides.get(LIMIT_STRATEGY),
        )
        self._last_cap_send = time.monotonic()
        shape = await self._ladder(shapes, lambda s: self._send_cap_shape(session, s, limit))
        self._applied = (state.cap, state.cap_unit)
        self._learn(LIMIT_STRATEGY, shape)

    async def _send_cap_shape(
        self, session: ChargePointSession, shape: sc.Shape, limit: float
    ) -> None:
        """ChargePointMaxProfile; or TxDefaultProfile for the next transactions plus a
        TxProfile on each running one (not on a paused connector: its 0 holds)."""
        await self._set_profile(session, 0, shape, limit)
        if shape.purpose == sc.MAX_PROFILE:
            return
        tx_shape = sc.Shape(sc.TX_PROFILE, shape.kind, shape.stack_level, shape.unit)
        for connector_id in sorted(self.charger.connectors):
            tx = self._transaction(connector_id)
            if connector_id == 0 or tx is None or self.is_paused(connector_id):
                continue
            try:
                await self._set_profile(session, connector_id, tx_shape, limit, tx)
            except ChargerOffline:
                raise
            except ControlError as err:  # the TxDefaultProfile holds from the next one
                self._warn_once("cap on the running transaction", err)

    # ------------------------------------------------------- pause and resume

    async def _pause(self, session: ChargePointSession, connector_id: int) -> None:
        """0 A / 0 W on the connector: TxProfile on its transaction, else TxDefaultProfile."""
        tx = self._transaction(connector_id)
        quirks = self.charger.quirks
        shapes = sc.pause_ladder(
            stack=self._stack(),
            unit=self.rate_unit(),
            transaction=tx is not None,
            learned_pause=quirks.learned.get(PAUSE_STRATEGY),
            learned_cap=quirks.learned.get(LIMIT_STRATEGY),
            override=quirks.overrides.get(LIMIT_STRATEGY),
        )

        async def send(shape: sc.Shape) -> None:
            on_tx = tx if shape.purpose == sc.TX_PROFILE else None
            await self._set_profile(session, connector_id, shape, 0.0, on_tx)

        shape = await self._ladder(shapes, send)
        if tx is not None:  # only then was there a choice of purpose to remember
            self._learn(PAUSE_STRATEGY, shape)

    async def _lift_pause(self, session: ChargePointSession, connector_id: int) -> None:
        """Remove our pause profiles from the connector, then re-send the cap (P8)."""
        purposes = [sc.TX_DEFAULT_PROFILE]
        if self._transaction(connector_id) is not None:
            purposes.insert(0, sc.TX_PROFILE)
        for purpose in purposes:
            await self.request(
                call.ClearChargingProfile(id=sc.profile_id(purpose, connector_id)),
                ok=_CLEARED,
                session=session,
                timeout=PROFILE_TIMEOUT_S,
            )
        if self.desired.cap is not None:
            await self._try(self._send_cap(session), "cap")

    async def _stop(self, session: ChargePointSession, connector_id: int, *, lift: bool) -> None:
        """Pause by RemoteStopTransaction (for chargers that ignore 0 A)."""
        tx = self._transaction(connector_id)
        if tx is not None:
            await self.request(call.RemoteStopTransaction(transaction_id=tx), session=session)
        if lift:  # never leave a 0 A profile behind a stop (Huawei keeps it, P7)
            await self._try(self._lift_pause(session, connector_id), "clear pause")

    async def _remote_start(
        self, session: ChargePointSession, connector_id: int, options: ControlOptions
    ) -> None:
        """A car plugged in without a transaction gets one (R7: Wallbox waits for it).

        No profile inside the request: go-e rejects RemoteStart with one (P14).
        """
        conn = self.charger.connectors.get(connector_id)
        if conn is None or conn.status not in _PLUGGED_IN_IDLE or conn.session is not None:
            return
        tag = options.remote_id_tag or default_remote_id_tag(self._cp_id)
        await self.request(
            call.RemoteStartTransaction(id_tag=tag[:REMOTE_TAG_LENGTH], connector_id=connector_id),
            session=session,
        )

    async def _repause(self, connector_id: int) -> None:
        async with self._lock:
            session = self._session()
            if session is None or session.closed:
                return
            if self.desired.paused.get(connector_id) != PAUSE_PROFILE:
                return
            try:
                await self._try(self._pause(session, connector_id), "pause")
            except ChargerOffline:
                return
