"""Sessions and meter readings over ChargerState (pure; SPEC §3.3, §3.4).

The rules that keep session energy and the lifetime register right whatever a charger
sends: stops are always recorded, late readings of a closed transaction stay with it,
and energy is only ever credited as accepted register deltas.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from .energy import EnergyUpdate, apply_register
from .metering import MeterValue, Summary, summarise
from .model import (
    CHARGING,
    SUSPENDED_EV,
    SUSPENDED_EVSE,
    ChargerState,
    ConnectorState,
    Readings,
    Session,
)

_LOGGER = logging.getLogger(__name__)
RUNNING_STATES = frozenset({CHARGING, SUSPENDED_EV, SUSPENDED_EVSE})
NO_TRANSACTION_IDS = frozenset({0, -1})


@dataclass(slots=True)
class Context:
    """The environment of one incoming message."""

    now: datetime  # receive time, UTC
    max_power_w: float  # what the charger could physically deliver (energy guard)
    price_per_kwh: float | None = None


def meter_connector(charger: ChargerState, connector_id: int) -> int:
    """Where readings of ``connector_id`` belong.

    Single-connector chargers often report their meter on connector 0 (the charger):
    those readings are the connector's.
    """
    if connector_id != 0:
        return connector_id
    count = charger.capabilities.number_of_connectors
    known = {c for c in charger.connectors if c > 0}
    if count == 1 or (count is None and known <= {1}):
        return 1
    return 0


def _guard_time(ctx: Context, stamp: datetime | None) -> float:
    """The energy guard's clock: the charger's own timestamps when it sends them.

    A charger that was offline replays its readings in one burst, seconds apart on our
    clock but hours apart on its own; only its clock tells how much energy could have
    flowed. Our receive time stands in when a reading has no (plausible) timestamp.
    """
    return stamp.timestamp() if stamp is not None else ctx.now.timestamp()


def credit_register(
    charger: ChargerState,
    connector: ConnectorState,
    register_wh: float,
    stamp: datetime | None,
    ctx: Context,
    *,
    session: Session | None,
    session_start: bool = False,
) -> EnergyUpdate:
    """Feed one register reading to the guard; credit what it accepts to ``session``."""
    at = _guard_time(ctx, stamp)
    update = apply_register(
        connector.energy, register_wh, at, max_power_w=ctx.max_power_w, session_start=session_start
    )
    if not update.accepted:
        _LOGGER.warning(
            "%s connector %s: energy register %.0f Wh dropped (%s; last accepted %.0f Wh)",
            charger.charge_point_id,
            connector.connector_id,
            register_wh,
            update.reason,
            connector.energy.register_wh or 0.0,
        )
    elif update.delta_wh and session is not None:
        session.energy_wh += update.delta_wh
        if ctx.price_per_kwh is not None:
            session.cost = (session.cost or 0.0) + update.delta_wh / 1000.0 * ctx.price_per_kwh
    return update


def _session_for(
    charger: ChargerState, connector: ConnectorState, transaction_id: int | None, ctx: Context
) -> Session | None:
    """The session a reading belongs to (QUIRKS T1, T10)."""
    open_session = connector.session
    if transaction_id is None or transaction_id in NO_TRANSACTION_IDS:
        return open_session  # unnamed chargers send 0 for a running transaction (T10)
    if open_session is not None and open_session.transaction_id == transaction_id:
        return open_session
    closed = connector.last_closed
    if closed is not None and closed.transaction_id == transaction_id:
        # Ocular LTE Plus sends closing MeterValues after StopTransaction (T1):
        # they belong to the closed session and never revive it.
        return closed
    if open_session is None and connector.status in RUNNING_STATES:
        return _adopt(charger, connector, transaction_id, ctx)
    return open_session


def _adopt(
    charger: ChargerState, connector: ConnectorState, transaction_id: int, ctx: Context
) -> Session:
    """Recover a running transaction this central system has no record of."""
    _LOGGER.info(
        "%s connector %s: adopting running transaction %s",
        charger.charge_point_id,
        connector.connector_id,
        transaction_id,
    )
    session = Session(
        transaction_id=transaction_id,
        connector_id=connector.connector_id,
        started_at=ctx.now,
        meter_start_wh=connector.energy.register_wh or 0.0,
    )
    connector.session = session
    return session


def _update_readings(readings: Readings, summary: Summary, now: datetime) -> None:
    """Copy what the message reported; keep earlier values of what it did not."""
    if summary.power_w is not None:
        readings.power_w = summary.power_w
        readings.power_derived = summary.power_derived
    for name in (
        "current_a",
        "current_offered_a",
        "voltage_v",
        "soc_pct",
        "temperature_c",
        "frequency_hz",
    ):
        value = getattr(summary, name)
        if value is not None:
            setattr(readings, name, value)
    readings.current_by_phase.update(summary.current_by_phase)
    readings.voltage_by_phase.update(summary.voltage_by_phase)
    readings.power_by_phase.update(summary.power_by_phase)
    readings.at = now


def apply_meter_values(
    charger: ChargerState,
    connector_id: int,
    transaction_id: int | None,
    values: list[MeterValue],
    ctx: Context,
) -> ConnectorState | None:
    """Apply one MeterValues message; returns the connector it updated (None: nothing)."""
    if not values:
        return None
    connector = charger.connector(meter_connector(charger, connector_id))
    session = _session_for(charger, connector, transaction_id, ctx)
    for value in values:
        summary = summarise([value])
        connector.measurands.update(summary.measurands)
        if summary.energy_wh is not None:
            credit_register(
                charger, connector, summary.energy_wh, value.timestamp, ctx, session=session
            )
        if session is not None and session is connector.last_closed:
            continue  # late values of a closed session are not live readings
        _update_readings(connector.readings, summary, ctx.now)
    return connector


def start_transaction(
    charger: ChargerState,
    connector_id: int,
    transaction_id: int,
    id_tag: str | None,
    meter_start_wh: float | None,
    stamp: datetime | None,
    ctx: Context,
) -> Session:
    """Open a session; a session still open on that connector is closed first."""
    connector = charger.connector(connector_id)
    if connector.session is not None:
        _LOGGER.info(
            "%s connector %s: transaction %s replaced by a new StartTransaction",
            charger.charge_point_id,
            connector_id,
            connector.session.transaction_id,
        )
        _close(charger, connector, connector.session, stamp or ctx.now, None, "Superseded")
    start_wh = meter_start_wh if meter_start_wh is not None else connector.energy.register_wh
    session = Session(
        transaction_id=transaction_id,
        connector_id=connector_id,
        started_at=stamp or ctx.now,
        meter_start_wh=start_wh or 0.0,
        id_tag=id_tag,
    )
    if meter_start_wh is not None:
        credit_register(
            charger, connector, meter_start_wh, stamp, ctx, session=None, session_start=True
        )
    connector.session = session
    return session


def find_duplicate_start(
    charger: ChargerState,
    connector_id: int,
    id_tag: str | None,
    meter_start_wh: float | None,
    stamp: datetime | None,
) -> Session | None:
    """A StartTransaction re-sent because our answer was lost gets the same transaction."""
    session = charger.connector(connector_id).session
    if (
        session is not None
        and session.id_tag == id_tag
        and meter_start_wh is not None
        and session.meter_start_wh == meter_start_wh
        and stamp is not None
        and session.started_at == stamp
    ):
        return session
    return None


def _close(
    charger: ChargerState,
    connector: ConnectorState,
    session: Session,
    stamp: datetime,
    meter_stop_wh: float | None,
    reason: str | None,
) -> None:
    session.stopped_at = max(stamp, session.started_at)
    session.meter_stop_wh = meter_stop_wh
    session.stop_reason = reason
    if connector.session is session:
        connector.session = None
    connector.last_closed = session
    charger.recent_sessions.append(session)
    clear_flow(connector)


def clear_flow(connector: ConnectorState) -> None:
    """No energy flows: zero power and current that were reported as flowing.

    Many chargers stop sending MeterValues when charging ends; without this the last
    power reading would stay on screen forever.
    """
    readings = connector.readings
    if readings.power_w:
        readings.power_w = 0.0
        readings.power_by_phase = dict.fromkeys(readings.power_by_phase, 0.0)
    if readings.current_a:
        readings.current_a = 0.0
        readings.current_by_phase = dict.fromkeys(readings.current_by_phase, 0.0)


def _find_session(charger: ChargerState, transaction_id: int | None) -> Session | None:
    """The open session a StopTransaction means (QUIRKS T5–T7)."""
    open_sessions = charger.open_sessions()
    for session in open_sessions:
        if session.transaction_id == transaction_id:
            return session
    # go-e V4, Hager witty and EVerest send -1 (T5, T6, T7): when exactly one
    # session is open, that is the one.
    unnamed = transaction_id is None or transaction_id in NO_TRANSACTION_IDS or transaction_id < 0
    if unnamed and len(open_sessions) == 1:
        return open_sessions[0]
    return None


def stop_transaction(
    charger: ChargerState,
    transaction_id: int | None,
    meter_stop_wh: float | None,
    stamp: datetime | None,
    reason: str | None,
    data: list[MeterValue],
    ctx: Context,
) -> Session | None:
    """Close the session a StopTransaction names, idempotently.

    Returns the closed session, or None when the stop was a repeat of one already
    closed. A stop matching nothing is recorded as an orphan session (never rejected:
    a rejected stop is retried for weeks and can leave a car charging, QUIRKS S3/S4).
    """
    if (
        transaction_id is not None
        and transaction_id > 0
        and any(s.transaction_id == transaction_id for s in charger.recent_sessions)
    ):
        return None  # a repeated stop (EVerest after a reboot T7, Sigen retrying S4)
    session = _find_session(charger, transaction_id)
    if session is None:
        return _record_orphan(charger, transaction_id, meter_stop_wh, stamp, reason, ctx)
    connector = charger.connector(session.connector_id)
    if data:
        apply_meter_values(charger, session.connector_id, session.transaction_id, data, ctx)
    if meter_stop_wh is not None:
        credit_register(charger, connector, meter_stop_wh, stamp, ctx, session=session)
    _close(charger, connector, session, stamp or ctx.now, meter_stop_wh, reason)
    return session


def _record_orphan(
    charger: ChargerState,
    transaction_id: int | None,
    meter_stop_wh: float | None,
    stamp: datetime | None,
    reason: str | None,
    ctx: Context,
) -> Session:
    _LOGGER.info(
        "%s: StopTransaction for unknown transaction %s recorded as orphan",
        charger.charge_point_id,
        transaction_id,
    )
    when = stamp or ctx.now
    session = Session(
        transaction_id=transaction_id if transaction_id is not None else -1,
        connector_id=0,
        started_at=when,
        meter_start_wh=meter_stop_wh or 0.0,
        stopped_at=when,
        meter_stop_wh=meter_stop_wh,
        stop_reason=reason,
        orphan=True,
    )
    charger.recent_sessions.append(session)
    return session
