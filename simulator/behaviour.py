"""An autonomous, physically plausible charging session loop driving a ``SimulatedCharger``.

State that a real charger keeps survives reconnects and reboots within the process: the
lifetime energy register, the plugged-in car, running transactions, the configuration (in
``ChargerProfile.configuration``) and installed charging profiles.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Literal

from ocpp.exceptions import OCPPError
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from .charger import (
    CallErrorReceived,
    ChargerDisconnected,
    ChargerProfile,
    SimulatedCharger,
    connect_charger,
    ocpp_time,
)
from .meter import Reading, energy_sample, parse_measurands, sampled_values
from .smart_charging import ChargingProfileStore

LOG = logging.getLogger("simulator")

Outcome = Literal["reset", "closed"]
CHARGING_STATES = frozenset({"Charging", "SuspendedEV", "SuspendedEVSE"})
RECOVERABLE = (CallErrorReceived, OCPPError, TimeoutError)


@dataclass
class BehaviourSettings:
    """How the charger and the cars that visit it behave (times in seconds)."""

    power_w: float = 7400.0  # charger's maximum power
    phases: int = 3
    voltage: float = 230.0
    interval: float = 10.0  # meter interval when MeterValueSampleInterval is 0
    id_tag: str = "SIMTAG01"
    battery_wh: float = 50_000.0
    car_max_power_w: float = 11_000.0
    arrival_soc: float = 20.0
    plug_in_delay: float = 5.0  # idle → next car plugs in
    start_delay: float = 2.0  # Preparing → transaction starts
    finish_delay: float = 10.0  # Finishing → car unplugged
    full_stop_delay: float = 60.0  # car full (SuspendedEV) → driver ends the session
    tick: float = 1.0
    boot_retry: float = 10.0
    reboot_delay: float = 3.0


@dataclass
class Car:
    soc: float
    battery_wh: float
    max_power_w: float

    @property
    def full(self) -> bool:
        return self.soc >= 100.0

    def accepts_w(self) -> float:
        """Power the car draws: full power up to 80 %, then tapering to 10 % of it."""
        if self.full:
            return 0.0
        taper = 1.0 if self.soc < 80 else max(0.1, (100.0 - self.soc) / 20.0)
        return self.max_power_w * taper

    def charge(self, energy_wh: float) -> None:
        self.soc = min(100.0, self.soc + 100.0 * energy_wh / self.battery_wh)


@dataclass
class ConnectorSim:
    """One connector's physical and session state."""

    connector_id: int
    register_wh: float = 0.0
    status: str = "Available"
    car: Car | None = None
    operative: bool = True
    transaction_id: int | None = None
    id_tag: str | None = None
    meter_start_wh: float = 0.0
    power_w: float = 0.0
    offered_w: float = 0.0
    next_step_at: float | None = None  # when the next lifecycle step happens
    last_sample_at: float = 0.0
    updated_at: float | None = None
    full_since: float | None = None
    remote_id_tag: str | None = None
    stop_reason: str | None = None


@dataclass(frozen=True)
class Endpoint:
    """Where and how to connect."""

    url: str
    charge_point_id: str
    password: str | None = None
    ssl: ssl.SSLContext | None = None


@dataclass
class Backoff:
    initial: float = 1.0
    maximum: float = 60.0
    current: float = field(default=1.0, init=False)

    def reset(self) -> None:
        self.current = self.initial

    def next(self) -> float:
        delay, self.current = self.current, min(self.current * 2, self.maximum)
        return delay


class ChargingBehaviour:
    """Boots, reports statuses and charges cars on every connector, forever."""

    def __init__(
        self,
        settings: BehaviourSettings | None = None,
        *,
        connectors: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings or BehaviourSettings()
        self.connectors = {c: ConnectorSim(c) for c in range(1, connectors + 1)}
        self.charging_profiles = ChargingProfileStore()
        self._clock = clock
        self._charger: SimulatedCharger | None = None
        self._wake = asyncio.Event()
        self._reset_type: str | None = None
        self._next_heartbeat = 0.0
        self._auth_refused_reported = False
        self.name = "simulator"

    # --- Connection management -------------------------------------------------------------

    async def run_forever(self, endpoint: Endpoint, profile: ChargerProfile) -> None:
        """Connect, run, and reconnect with back-off (after drops, refusals and resets)."""
        backoff = Backoff()
        self.name = endpoint.charge_point_id
        while True:
            delay = await self._connect_once(endpoint, profile, backoff)
            await asyncio.sleep(delay)

    async def _connect_once(
        self, endpoint: Endpoint, profile: ChargerProfile, backoff: Backoff
    ) -> float:
        try:
            async with connect_charger(
                endpoint.url, endpoint.charge_point_id, password=endpoint.password,
                ssl=endpoint.ssl, profile=profile,
            ) as charger:  # fmt: skip
                self._log("connected to %s (subprotocol %s)", endpoint.url, charger.subprotocol)
                backoff.reset()
                self._auth_refused_reported = False
                outcome = await self.run(charger)
        except InvalidStatus as error:
            return self._refused(error, backoff)
        except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed) as error:
            delay = backoff.next()
            self._log("cannot connect: %s; retrying in %.0f s", _describe(error), delay)
            return delay
        if outcome == "reset":
            self._log("rebooting (%.0f s)", self.settings.reboot_delay)
            return self.settings.reboot_delay
        delay = backoff.next()
        self._log("connection lost; reconnecting in %.0f s", delay)
        return delay

    def _refused(self, error: InvalidStatus, backoff: Backoff) -> float:
        code = error.response.status_code
        if code not in (401, 403):
            delay = backoff.next()
            self._log("handshake refused with HTTP %d; retrying in %.0f s", code, delay)
            return delay
        if not self._auth_refused_reported:
            self._log(
                "HTTP %d: the central system refused our credentials — check --id and "
                "--password. Retrying every 60 s.", code,
            )  # fmt: skip
            self._auth_refused_reported = True
        return 60.0

    # --- One connected session -------------------------------------------------------------

    async def run(self, charger: SimulatedCharger) -> Outcome:
        """Drive ``charger`` until its connection closes or a Reset was accepted."""
        self._attach(charger)
        try:
            if not await self._boot(charger):
                return "closed"
            await self._report_statuses(charger)
            return await self._loop(charger)
        except (ConnectionClosed, ChargerDisconnected):
            return "closed"
        finally:
            self._detach(charger)

    def _attach(self, charger: SimulatedCharger) -> None:
        self._charger = charger
        self.name = charger.id
        self._reset_type = None
        charger.charging_profiles = self.charging_profiles
        charger.listeners.append(self._on_call)
        charger.sample_provider = self._triggered_samples
        charger.remote_start_policy = lambda payload: self._remote_target(payload) is not None
        charger.remote_stop_policy = lambda payload: self._by_transaction(payload) is not None
        for sim in self.connectors.values():
            charger.connector_status[sim.connector_id] = sim.status
            if sim.transaction_id is not None:
                charger.transactions[sim.connector_id] = sim.transaction_id

    def _detach(self, charger: SimulatedCharger) -> None:
        with suppress(ValueError):
            charger.listeners.remove(self._on_call)
        self._charger = None

    async def _boot(self, charger: SimulatedCharger) -> bool:
        """BootNotification until Accepted; False if the connection closed meanwhile."""
        while not charger.closed.is_set():
            retry = self.settings.boot_retry
            try:
                reply = await charger.boot("power up")
            except RECOVERABLE as error:
                self._log("boot failed: %s; retrying in %.0f s", error, retry)
            else:
                interval = reply.get("interval", 0)
                if reply["status"] == "Accepted":
                    self._boot_accepted(interval)
                    return True
                retry = interval or retry
                self._log("boot %s; retrying in %.0f s", reply["status"], retry)
            if await _closed_within(charger, retry):
                return False
        return False

    def _boot_accepted(self, interval: int) -> None:
        now = self._clock()
        self._next_heartbeat = now + interval
        self._log("boot accepted; heartbeat every %d s", interval)
        for sim in self.connectors.values():
            if sim.next_step_at is None:
                sim.next_step_at = now + self.settings.plug_in_delay * sim.connector_id

    async def _report_statuses(self, charger: SimulatedCharger) -> None:
        await charger.status(0, "Available")
        for sim in self.connectors.values():
            await charger.status(sim.connector_id, sim.status)

    async def _loop(self, charger: SimulatedCharger) -> Outcome:
        while not charger.closed.is_set():
            self._wake.clear()
            if self._reset_type is not None:
                await self._perform_reset(charger, self._reset_type)
                return "reset"
            await self._guarded(self._heartbeat_if_due(charger), "heartbeat")
            for sim in self.connectors.values():
                await self._guarded(self._step(charger, sim), f"connector {sim.connector_id}")
            with suppress(TimeoutError):
                async with asyncio.timeout(self.settings.tick):
                    await self._wake.wait()
        return "closed"

    async def _guarded(self, action: Any, what: str) -> None:
        """Await ``action``; a CALLERROR, invalid reply or timeout is logged, not fatal."""
        try:
            await action
        except RECOVERABLE as error:
            self._log("%s: central system problem: %s", what, _describe(error))

    async def _heartbeat_if_due(self, charger: SimulatedCharger) -> None:
        interval = _int(charger.configuration.get("HeartbeatInterval"))
        now = self._clock()
        if interval > 0 and now >= self._next_heartbeat:
            self._next_heartbeat = now + interval
            await charger.heartbeat()
            self._log("heartbeat")

    # --- Per-connector simulation ----------------------------------------------------------

    async def _step(self, charger: SimulatedCharger, sim: ConnectorSim) -> None:
        now = self._clock()
        self._integrate(sim, now)
        self._update_power(charger, sim)
        await self._advance_lifecycle(charger, sim, now)
        if sim.transaction_id is not None:
            await self._update_charging_status(charger, sim, now)
            await self._sample_if_due(charger, sim, now)

    def _integrate(self, sim: ConnectorSim, now: float) -> None:
        """Energy flows at the power set on the previous step."""
        elapsed = 0.0 if sim.updated_at is None else now - sim.updated_at
        sim.updated_at = now
        energy = sim.power_w * elapsed / 3600.0
        sim.register_wh += energy
        if sim.car is not None:
            sim.car.charge(energy)

    def _update_power(self, charger: SimulatedCharger, sim: ConnectorSim) -> None:
        # An inoperative connector finishes its running session (ChangeAvailability Scheduled).
        sim.offered_w = self._offered_w(charger, sim)
        charging = sim.transaction_id is not None and sim.car is not None
        sim.power_w = min(sim.offered_w, sim.car.accepts_w()) if charging and sim.car else 0.0

    def _offered_w(self, charger: SimulatedCharger, sim: ConnectorSim) -> float:
        phases, voltage = self.settings.phases, self.settings.voltage
        limits = charger.active_limits(sim.connector_id)
        profile_w = min((limit.watts(phases, voltage) for limit in limits), default=None)
        offered = (
            self.settings.power_w if profile_w is None else min(profile_w, self.settings.power_w)
        )
        return max(0.0, offered)

    async def _advance_lifecycle(
        self, charger: SimulatedCharger, sim: ConnectorSim, now: float
    ) -> None:
        due = sim.next_step_at is not None and now >= sim.next_step_at
        match sim.status:
            case "Available" | "Unavailable":
                await self._idle_step(charger, sim, now, due)
            case "Preparing" if due or sim.remote_id_tag is not None:
                sim.next_step_at = now + 30.0  # retry later if the start fails
                await self._start_transaction(charger, sim, now)
            case "Finishing" if due:
                await self._car_leaves(charger, sim, now)
            case status if status in CHARGING_STATES:
                await self._maybe_stop(charger, sim, now)

    async def _idle_step(
        self, charger: SimulatedCharger, sim: ConnectorSim, now: float, due: bool
    ) -> None:
        if not sim.operative:
            if sim.status != "Unavailable":
                await self._set_status(charger, sim, "Unavailable")
            return
        if sim.status == "Unavailable":
            await self._set_status(charger, sim, "Available")
        if due or sim.remote_id_tag is not None:
            sim.car = sim.car or self._new_car()
            sim.next_step_at = now + (0.0 if sim.remote_id_tag else self.settings.start_delay)
            self._log("connector %d: car plugged in (SoC %.0f %%)", sim.connector_id, sim.car.soc)
            await self._set_status(charger, sim, "Preparing")

    def _new_car(self) -> Car:
        s = self.settings
        return Car(soc=s.arrival_soc, battery_wh=s.battery_wh, max_power_w=s.car_max_power_w)

    async def _start_transaction(
        self, charger: SimulatedCharger, sim: ConnectorSim, now: float
    ) -> None:
        tag, remote = sim.remote_id_tag or self.settings.id_tag, sim.remote_id_tag is not None
        sim.remote_id_tag = None
        if (not remote or _is_true(charger, "AuthorizeRemoteTxRequests")) and not (
            await self._authorized(charger, sim, tag)
        ):
            return
        reply = await charger.start_transaction(sim.connector_id, tag, round(sim.register_wh))
        sim.transaction_id, sim.id_tag = reply["transactionId"], tag
        sim.meter_start_wh, sim.last_sample_at, sim.full_since = sim.register_wh, now, None
        self._log(
            "connector %d: transaction %d started for %s at %d Wh",
            sim.connector_id, sim.transaction_id, tag, sim.register_wh,
        )  # fmt: skip
        if reply["idTagInfo"]["status"] != "Accepted":
            self._log("connector %d: id tag %s not accepted", sim.connector_id, tag)
            sim.stop_reason = "DeAuthorized"

    async def _authorized(self, charger: SimulatedCharger, sim: ConnectorSim, tag: str) -> bool:
        reply = await charger.authorize(tag)
        status = reply["idTagInfo"]["status"]
        if status == "Accepted":
            return True
        self._log("connector %d: id tag %s %s; driver leaves", sim.connector_id, tag, status)
        await self._car_leaves(charger, sim, self._clock(), wait=60.0)
        return False

    async def _update_charging_status(
        self, charger: SimulatedCharger, sim: ConnectorSim, now: float
    ) -> None:
        full = sim.car is not None and sim.car.full
        if full and sim.full_since is None:
            sim.full_since = now
        desired = "SuspendedEVSE" if sim.offered_w <= 0 else "SuspendedEV" if full else "Charging"
        if desired != sim.status:
            await self._set_status(charger, sim, desired)

    async def _sample_if_due(
        self, charger: SimulatedCharger, sim: ConnectorSim, now: float
    ) -> None:
        configured = _int(charger.configuration.get("MeterValueSampleInterval"))
        interval = configured or self.settings.interval
        if now - sim.last_sample_at < interval:
            return
        sim.last_sample_at = now
        measurands = parse_measurands(charger.configuration.get("MeterValuesSampledData", ""))
        samples = sampled_values(self._reading(sim), measurands)
        if samples:
            await charger.meter_values(sim.connector_id, samples, transaction_id=sim.transaction_id)
            self._log_sample(sim)

    def _log_sample(self, sim: ConnectorSim) -> None:
        soc = f", SoC {sim.car.soc:.0f} %" if sim.car else ""
        self._log(
            "connector %d: %.2f kW, register %.0f Wh (+%.0f Wh)%s",
            sim.connector_id, sim.power_w / 1000, sim.register_wh,
            sim.register_wh - sim.meter_start_wh, soc,
        )  # fmt: skip

    async def _maybe_stop(self, charger: SimulatedCharger, sim: ConnectorSim, now: float) -> None:
        full_long_enough = (
            sim.full_since is not None and now - sim.full_since >= self.settings.full_stop_delay
        )
        if full_long_enough and sim.stop_reason is None:
            self._log("connector %d: car is full; driver ends the session", sim.connector_id)
            sim.stop_reason = "Local"
        if sim.stop_reason is not None:
            await self._stop_transaction(charger, sim, sim.stop_reason)
            sim.next_step_at = now + self.settings.finish_delay
            await self._set_status(charger, sim, "Finishing")

    async def _stop_transaction(
        self, charger: SimulatedCharger, sim: ConnectorSim, reason: str
    ) -> None:
        tx, meter_stop = sim.transaction_id, round(sim.register_wh)
        if tx is None:
            return
        end = [
            {
                "timestamp": ocpp_time(),
                "sampledValue": [energy_sample(meter_stop, "Transaction.End")],
            }
        ]
        sim.transaction_id, sim.stop_reason, sim.full_since, sim.power_w = None, None, None, 0.0
        id_tag = sim.id_tag if reason == "Local" else None
        await charger.stop_transaction(
            tx, meter_stop, reason=reason, id_tag=id_tag, transaction_data=end
        )
        charged = sim.register_wh - sim.meter_start_wh
        self._log(
            "connector %d: transaction %d stopped (%s), %.0f Wh charged",
            sim.connector_id, tx, reason, charged,
        )  # fmt: skip

    async def _car_leaves(
        self, charger: SimulatedCharger, sim: ConnectorSim, now: float, wait: float | None = None
    ) -> None:
        sim.car = None
        sim.next_step_at = now + (wait if wait is not None else self.settings.plug_in_delay)
        self._log("connector %d: car unplugged", sim.connector_id)
        await self._set_status(charger, sim, "Available")

    async def _set_status(self, charger: SimulatedCharger, sim: ConnectorSim, status: str) -> None:
        sim.status = status
        self._log("connector %d: %s", sim.connector_id, status)
        await charger.status(sim.connector_id, status)

    def _reading(self, sim: ConnectorSim) -> Reading:
        s = self.settings
        return Reading(
            energy_wh=sim.register_wh,
            power_w=sim.power_w,
            phases=s.phases,
            voltage_v=s.voltage,
            current_a=sim.power_w / (s.phases * s.voltage),
            offered_a=sim.offered_w / (s.phases * s.voltage),
            offered_w=sim.offered_w,
            soc=sim.car.soc if sim.car else None,
            temperature_c=25.0 + 15.0 * sim.power_w / s.power_w,
        )

    def _triggered_samples(self, connector: int) -> list[dict[str, Any]]:
        sim = self.connectors.get(connector)
        if sim is None or self._charger is None:
            return [energy_sample(0, "Trigger")]
        measurands = parse_measurands(self._charger.configuration.get("MeterValuesSampledData", ""))
        return sampled_values(self._reading(sim), measurands, "Trigger") or [
            energy_sample(sim.register_wh, "Trigger")
        ]

    # --- Reacting to the central system ----------------------------------------------------

    def _on_call(self, action: str, payload: dict[str, Any], reply: dict[str, Any] | None) -> None:
        """Listener: runs after the reply was sent; only flags work for the loop."""
        status = (reply or {}).get("status")
        if status in ("Accepted", "Scheduled", "RebootRequired"):
            self._react(action, payload)
        self._wake.set()

    def _react(self, action: str, payload: dict[str, Any]) -> None:
        match action:
            case "RemoteStartTransaction":
                if (sim := self._remote_target(payload)) is not None:
                    sim.remote_id_tag = payload["idTag"]
                    self._log(
                        "connector %d: remote start for %s", sim.connector_id, payload["idTag"]
                    )
            case "RemoteStopTransaction":
                if (sim := self._by_transaction(payload)) is not None:
                    self._log("connector %d: remote stop", sim.connector_id)
                    sim.stop_reason = "Remote"
            case "TriggerMessage":
                self._log("trigger: sending %s", payload["requestedMessage"])
            case "Reset":
                self._reset_type = payload["type"]
            case "ChangeAvailability":
                self._set_operative(payload["connectorId"], payload["type"] == "Operative")
            case "ChangeConfiguration":
                self._log("configuration %s = %s", payload["key"], payload["value"])
            case "SetChargingProfile" | "ClearChargingProfile":
                self._log("charging profiles changed (%s)", action)

    def _remote_target(self, payload: dict[str, Any]) -> ConnectorSim | None:
        wanted = payload.get("connectorId")
        candidates = [
            sim
            for sim in self.connectors.values()
            if (wanted is None or sim.connector_id == wanted)
            and sim.operative
            and sim.transaction_id is None
            and sim.status in ("Available", "Preparing")
        ]
        candidates.sort(key=lambda sim: sim.status != "Preparing")  # plugged-in cars first
        return candidates[0] if candidates else None

    def _by_transaction(self, payload: dict[str, Any]) -> ConnectorSim | None:
        wanted = payload.get("transactionId")
        return next((s for s in self.connectors.values() if s.transaction_id == wanted), None)

    def _set_operative(self, connector: int, operative: bool) -> None:
        for sim in self.connectors.values():
            if connector in (0, sim.connector_id):
                sim.operative = operative

    async def _perform_reset(self, charger: SimulatedCharger, reset_type: str) -> None:
        self._log("%s reset requested", reset_type)
        reason = "HardReset" if reset_type == "Hard" else "SoftReset"
        restart_at = self._clock() + self.settings.reboot_delay + self.settings.start_delay
        for sim in self.connectors.values():
            with suppress(*RECOVERABLE):
                await self._stop_transaction(charger, sim, reason)
            sim.status = "Preparing" if sim.car is not None else "Available"
            sim.next_step_at = restart_at if sim.car else restart_at + self.settings.plug_in_delay

    def _log(self, message: str, *args: Any) -> None:
        LOG.info("[%s] " + message, self.name, *args)


async def _closed_within(charger: SimulatedCharger, seconds: float) -> bool:
    with suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await charger.closed.wait()
    return charger.closed.is_set()


def _int(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


def _is_true(charger: SimulatedCharger, key: str) -> bool:
    return charger.configuration.get(key, "false").lower() == "true"


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__
