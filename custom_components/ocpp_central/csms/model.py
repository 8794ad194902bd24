"""Plain state the central system learns about chargers (no I/O, no Home Assistant)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from .energy import EnergyState
from .lenient import Deviations

FRAME_LOG_SIZE: Final = 200
RECENT_SESSIONS: Final = 10

# ChargePointStatus values (OCPP 1.6 §7.7)
AVAILABLE: Final = "Available"
PREPARING: Final = "Preparing"
CHARGING: Final = "Charging"
SUSPENDED_EVSE: Final = "SuspendedEVSE"
SUSPENDED_EV: Final = "SuspendedEV"
FINISHING: Final = "Finishing"
RESERVED: Final = "Reserved"
UNAVAILABLE: Final = "Unavailable"
FAULTED: Final = "Faulted"
PLUGGED_IN_STATES: Final = frozenset({PREPARING, CHARGING, SUSPENDED_EVSE, SUSPENDED_EV, FINISHING})
PAUSE_METHODS: Final = frozenset({"profile", "stop"})  # 0 A/0 W profile, or RemoteStop


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_dt(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


@dataclass(slots=True)
class Identity:
    """What BootNotification says about the charger."""

    vendor: str = ""
    model: str = ""
    serial: str | None = None
    firmware: str | None = None
    meter_type: str | None = None
    meter_serial: str | None = None
    iccid: str | None = None
    imsi: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Serialise for storage."""
        return {
            "vendor": self.vendor,
            "model": self.model,
            "serial": self.serial,
            "firmware": self.firmware,
            "meter_type": self.meter_type,
            "meter_serial": self.meter_serial,
            "iccid": self.iccid,
            "imsi": self.imsi,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Identity:
        """Restore from storage, ignoring unknown keys."""
        known = {k: data[k] for k in cls.__slots__ if k in data}  # type: ignore[attr-defined]
        return cls(**known)


@dataclass(slots=True)
class Session:
    """One transaction, from StartTransaction to StopTransaction."""

    transaction_id: int
    connector_id: int
    started_at: datetime
    meter_start_wh: float
    id_tag: str | None = None
    energy_wh: float = 0.0
    cost: float | None = None  # None until an increment had a price
    stopped_at: datetime | None = None
    meter_stop_wh: float | None = None
    stop_reason: str | None = None
    orphan: bool = False  # a stop for a transaction this central system never started

    def duration_s(self, now: datetime) -> float:
        """Seconds from start to stop (or to now while open), never negative."""
        end = self.stopped_at or now
        return max(0.0, (end - self.started_at).total_seconds())

    def to_dict(self) -> dict[str, Any]:
        """Serialise for storage."""
        return {
            "transaction_id": self.transaction_id,
            "connector_id": self.connector_id,
            "started_at": _dt(self.started_at),
            "meter_start_wh": self.meter_start_wh,
            "id_tag": self.id_tag,
            "energy_wh": self.energy_wh,
            "cost": self.cost,
            "stopped_at": _dt(self.stopped_at),
            "meter_stop_wh": self.meter_stop_wh,
            "stop_reason": self.stop_reason,
            "orphan": self.orphan,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session | None:
        """Restore from storage; None when the record is unusable."""
        started = _parse_dt(data.get("started_at"))
        tx = data.get("transaction_id")
        if started is None or not isinstance(tx, int):
            return None
        return cls(
            transaction_id=tx,
            connector_id=int(data.get("connector_id") or 0),
            started_at=started,
            meter_start_wh=float(data.get("meter_start_wh") or 0.0),
            id_tag=data.get("id_tag"),
            energy_wh=float(data.get("energy_wh") or 0.0),
            cost=float(data["cost"]) if isinstance(data.get("cost"), (int, float)) else None,
            stopped_at=_parse_dt(data.get("stopped_at")),
            meter_stop_wh=data.get("meter_stop_wh"),
            stop_reason=data.get("stop_reason"),
            orphan=bool(data.get("orphan")),
        )


@dataclass(slots=True)
class Readings:
    """The latest instantaneous values of one connector (None = not reported)."""

    power_w: float | None = None
    power_derived: bool = False
    current_a: float | None = None
    current_offered_a: float | None = None
    voltage_v: float | None = None
    soc_pct: float | None = None
    temperature_c: float | None = None
    frequency_hz: float | None = None
    current_by_phase: dict[str, float] = field(default_factory=dict)
    voltage_by_phase: dict[str, float] = field(default_factory=dict)
    power_by_phase: dict[str, float] = field(default_factory=dict)
    at: datetime | None = None


@dataclass(slots=True)
class ConnectorState:
    """A connector (connector 0 is the charger itself)."""

    connector_id: int
    status: str | None = None
    error_code: str | None = None
    vendor_error: str | None = None
    info: str | None = None
    status_at: datetime | None = None
    readings: Readings = field(default_factory=Readings)
    energy: EnergyState = field(default_factory=EnergyState)
    session: Session | None = None
    last_closed: Session | None = None
    measurands: set[str] = field(default_factory=set)

    def to_dict(self) -> dict[str, Any]:
        """Serialise what must survive a restart."""
        return {
            "energy": self.energy.to_dict(),
            "session": self.session.to_dict() if self.session else None,
            "last_closed": self.last_closed.to_dict() if self.last_closed else None,
            "measurands": sorted(self.measurands),
        }

    @classmethod
    def from_dict(cls, connector_id: int, data: dict[str, Any]) -> ConnectorState:
        """Restore from storage."""
        state = cls(connector_id)
        state.energy = EnergyState.from_dict(data.get("energy") or {})
        if isinstance(data.get("session"), dict):
            state.session = Session.from_dict(data["session"])
        if isinstance(data.get("last_closed"), dict):
            state.last_closed = Session.from_dict(data["last_closed"])
        state.measurands = {m for m in data.get("measurands") or () if isinstance(m, str)}
        return state


@dataclass(slots=True)
class ConfigurationKey:
    """A configuration key as GetConfiguration reported it."""

    value: str | None
    readonly: bool


@dataclass(slots=True)
class Capabilities:
    """What the charger's configuration says it can do."""

    feature_profiles: frozenset[str] = frozenset()
    number_of_connectors: int | None = None
    max_stack_level: int | None = None
    rate_units: frozenset[str] = frozenset()
    max_periods: int | None = None


@dataclass(slots=True)
class QuirkProfile:
    """What the central system learned about this charger, and what the user overrides.

    SPEC §6.4: learned values persist; overrides win.
    """

    learned: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """The effective value: the user's override, else the learned one."""
        if key in self.overrides:
            return self.overrides[key]
        return self.learned.get(key, default)

    def learn(self, key: str, value: Any) -> bool:
        """Record a learned value; True when it changed."""
        if self.learned.get(key) == value:
            return False
        self.learned[key] = value
        return True


@dataclass(slots=True)
class ControlState:
    """What Home Assistant wants the charger to do; persisted and re-applied on every
    (re)connection (SPEC §3.4, §4.1, §4.2)."""

    paused: dict[int, str] = field(default_factory=dict)  # connector -> pause method used
    cap: float | None = None  # charger-wide limit, in ``cap_unit``
    cap_unit: str = "A"
    phases: int = 3  # for converting between A and W

    def to_dict(self) -> dict[str, Any]:
        """Serialise for storage."""
        return {
            "paused": {str(k): v for k, v in self.paused.items()},
            "cap": self.cap,
            "cap_unit": self.cap_unit,
            "phases": self.phases,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ControlState:
        """Restore from storage, dropping what cannot be used."""
        paused = data.get("paused") if isinstance(data.get("paused"), dict) else {}
        cap = data.get("cap")
        phases = data.get("phases")
        return cls(
            paused={
                int(k): v for k, v in paused.items() if str(k).isdigit() and v in PAUSE_METHODS
            },
            cap=float(cap) if isinstance(cap, (int, float)) and not isinstance(cap, bool) else None,
            cap_unit="W" if data.get("cap_unit") == "W" else "A",
            phases=phases if isinstance(phases, int) and phases in (1, 2, 3) else 3,
        )


@dataclass(slots=True)
class ChargerState:
    """Everything known about one charger, across its connections."""

    charge_point_id: str
    identity: Identity | None = None
    connected: bool = False
    connected_at: datetime | None = None
    disconnected_reason: str | None = None
    last_seen: datetime | None = None
    last_heartbeat: datetime | None = None
    last_boot: datetime | None = None
    firmware_status: str | None = None
    diagnostics_status: str | None = None
    configuration: dict[str, ConfigurationKey] = field(default_factory=dict)
    capabilities: Capabilities = field(default_factory=Capabilities)
    connectors: dict[int, ConnectorState] = field(default_factory=dict)
    recent_sessions: deque[Session] = field(default_factory=lambda: deque(maxlen=RECENT_SESSIONS))
    quirks: QuirkProfile = field(default_factory=QuirkProfile)
    deviations: Deviations = field(default_factory=Deviations)
    frames: deque[tuple[float, str, str]] = field(
        default_factory=lambda: deque(maxlen=FRAME_LOG_SIZE)
    )
    provisioning: dict[str, float] = field(default_factory=dict)  # key -> last change (epoch s)
    control: ControlState = field(default_factory=ControlState)

    def connector(self, connector_id: int) -> ConnectorState:
        """The connector, created on first use."""
        state = self.connectors.get(connector_id)
        if state is None:
            state = self.connectors[connector_id] = ConnectorState(connector_id)
        return state

    def open_sessions(self) -> list[Session]:
        """Sessions currently open on any connector."""
        return [c.session for c in self.connectors.values() if c.session is not None]

    def to_dict(self) -> dict[str, Any]:
        """Serialise what must survive a restart."""
        return {
            "identity": self.identity.to_dict() if self.identity else None,
            "connectors": {str(k): v.to_dict() for k, v in self.connectors.items()},
            "recent_sessions": [s.to_dict() for s in self.recent_sessions],
            "quirks": {"learned": self.quirks.learned, "overrides": self.quirks.overrides},
            "provisioning": self.provisioning,
            "control": self.control.to_dict(),
        }

    @classmethod
    def from_dict(cls, charge_point_id: str, data: dict[str, Any]) -> ChargerState:
        """Restore from storage, tolerating missing or damaged parts."""
        state = cls(charge_point_id)
        if isinstance(data.get("identity"), dict):
            state.identity = Identity.from_dict(data["identity"])
        for key, value in (data.get("connectors") or {}).items():
            if str(key).isdigit() and isinstance(value, dict):
                state.connectors[int(key)] = ConnectorState.from_dict(int(key), value)
        for item in data.get("recent_sessions") or ():
            if isinstance(item, dict) and (session := Session.from_dict(item)):
                state.recent_sessions.append(session)
        quirks = data.get("quirks") or {}
        state.quirks = QuirkProfile(
            learned=dict(quirks.get("learned") or {}), overrides=dict(quirks.get("overrides") or {})
        )
        state.provisioning = {
            k: float(v)
            for k, v in (data.get("provisioning") or {}).items()
            if isinstance(v, (int, float))
        }
        if isinstance(data.get("control"), dict):
            state.control = ControlState.from_dict(data["control"])
        return state
