"""The lifetime energy accumulator and its guard (SPEC §3.3, QUIRKS M8, M9).

The ``energy`` sensor feeds Home Assistant's Energy dashboard, so the lifetime counter
never goes backwards and never jumps by more than the charger could physically have
delivered. Register readings are credited as deltas against the last accepted reading;
implausible ones are refused with a reason (the caller logs it once).
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Final, Self

REASON_FIRST: Final = "first"
REASON_BACKWARDS: Final = "backwards"
REASON_JUMP: Final = "jump"
REASON_REBASED: Final = "rebased"
REASON_INVALID: Final = "invalid"  # negative, NaN or infinite: never queued

KIND_LIFETIME: Final = "lifetime"
KIND_SESSION: Final = "session"
_KINDS: Final = frozenset({KIND_LIFETIME, KIND_SESSION})

SAFETY_FACTOR: Final = 1.5  # allowance over max power x elapsed time
SLACK_WH: Final = 50.0  # allowance for meter resolution and clock skew
MIN_INTERVAL_S: Final = 1.0
SAME_REGISTER_WH: Final = 1.0  # a drop this small is rounding (kWh vs Wh), not a reset
SESSION_COUNTER_MIN_WH: Final = 1000.0  # meterStart 0 after this much: a session counter
REBASE_AFTER: Final = 3  # consistent rejected readings that establish a new baseline


@dataclass(slots=True)
class EnergyState:
    """What the guard remembers per connector (persisted by the caller via to_dict)."""

    lifetime_wh: float | None = None
    register_wh: float | None = None
    register_at: float | None = None
    pending: list[tuple[float, float]] = field(default_factory=list)
    register_kind: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Serialise for storage (JSON-compatible)."""
        return {
            "lifetime_wh": self.lifetime_wh,
            "register_wh": self.register_wh,
            "register_at": self.register_at,
            "pending": [[wh, at] for wh, at in self.pending],
            "register_kind": self.register_kind,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Self:
        """Restore from storage; missing or malformed entries fall back to defaults."""
        kind = data.get("register_kind")
        return cls(
            lifetime_wh=_number(data.get("lifetime_wh")),
            register_wh=_number(data.get("register_wh")),
            register_at=_number(data.get("register_at")),
            pending=_pending(data.get("pending")),
            register_kind=kind if isinstance(kind, str) and kind in _KINDS else None,
        )


@dataclass(slots=True, frozen=True)
class EnergyUpdate:
    """The guard's verdict on one register reading."""

    accepted: bool
    delta_wh: float  # added to the lifetime counter, >= 0
    reason: str | None  # "first", "rebased", "backwards", "jump", "invalid" or None


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _pending(value: object) -> list[tuple[float, float]]:
    result: list[tuple[float, float]] = []
    if isinstance(value, list):
        for item in value[-REBASE_AFTER:]:
            if isinstance(item, (list, tuple)) and len(item) == 2:
                wh, at = _number(item[0]), _number(item[1])
                if wh is not None and at is not None:
                    result.append((wh, at))
    return result


def allowance_wh(max_power_w: float, seconds: float) -> float:
    """The most energy a register may plausibly gain in ``seconds``."""
    return max_power_w * max(seconds, MIN_INTERVAL_S) / 3600.0 * SAFETY_FACTOR + SLACK_WH


def _verdict(delta: float, seconds: float, max_power_w: float) -> str | None:
    """None when a register step is plausible, else why not."""
    if delta < -SAME_REGISTER_WH:
        return REASON_BACKWARDS
    if delta > allowance_wh(max_power_w, seconds):
        return REASON_JUMP
    return None


def apply_register(
    state: EnergyState,
    register_wh: float,
    at: float,
    *,
    max_power_w: float,
    session_start: bool = False,
) -> EnergyUpdate:
    """Feed one register reading (Wh, at UNIX seconds) to the guard; mutates ``state``.

    ``session_start`` marks a StartTransaction meterStart, where a session counter
    legitimately restarts lower.
    """
    if not (math.isfinite(register_wh) and math.isfinite(at)) or register_wh < 0.0:
        return EnergyUpdate(False, 0.0, REASON_INVALID)
    last = state.register_wh
    if last is None or state.lifetime_wh is None:
        if state.lifetime_wh is None:
            state.lifetime_wh = register_wh
        _set_baseline(state, register_wh, at)
        return EnergyUpdate(True, 0.0, REASON_FIRST)
    delta = register_wh - last
    if session_start:
        _learn_kind(state, register_wh, last)
        if delta < -SAME_REGISTER_WH:
            # Grizzl-E, Vestel EVC04: the register is a session counter restarting at
            # each StartTransaction (QUIRKS M8); the lifetime counter carries on.
            state.register_kind = KIND_SESSION
            _set_baseline(state, register_wh, at)
            return EnergyUpdate(True, 0.0, REASON_REBASED)
    since = at - state.register_at if state.register_at is not None else MIN_INTERVAL_S
    reason = _verdict(delta, since, max_power_w)
    if reason is not None:
        # Wallbox Pulsar Plus drops to 0 for a moment, then returns (QUIRKS M9)
        return _reject(state, register_wh, at, reason, max_power_w)
    if delta <= 0.0:
        # unchanged, or a rounding-size dip: keep the higher baseline
        state.pending.clear()
        return EnergyUpdate(True, 0.0, None)
    state.lifetime_wh += delta
    _set_baseline(state, register_wh, at)
    return EnergyUpdate(True, delta, None)


def _set_baseline(state: EnergyState, register_wh: float, at: float) -> None:
    state.register_wh = register_wh
    state.register_at = at
    state.pending.clear()


def _learn_kind(state: EnergyState, meter_start_wh: float, last_wh: float) -> None:
    """Learn from a meterStart whether the register is a lifetime or session counter."""
    if state.register_kind is not None:
        return
    if abs(meter_start_wh - last_wh) <= SAME_REGISTER_WH:
        state.register_kind = KIND_LIFETIME
    elif meter_start_wh == 0.0 and last_wh > SESSION_COUNTER_MIN_WH:
        state.register_kind = KIND_SESSION


def _reject(
    state: EnergyState, register_wh: float, at: float, reason: str, max_power_w: float
) -> EnergyUpdate:
    """Queue a refused reading; enough consistent ones become the new baseline."""
    pending = state.pending
    pending.append((register_wh, at))
    del pending[:-REBASE_AFTER]
    if len(pending) == REBASE_AFTER and _consistent(pending, max_power_w):
        # meter replaced or charger reset: follow the new register, lifetime unchanged
        _set_baseline(state, register_wh, at)
        return EnergyUpdate(True, 0.0, REASON_REBASED)
    return EnergyUpdate(False, 0.0, reason)


def _consistent(readings: list[tuple[float, float]], max_power_w: float) -> bool:
    """Whether readings are plausible among themselves (the same rules as the guard)."""
    return all(
        _verdict(wh - prev_wh, at - prev_at, max_power_w) is None
        for (prev_wh, prev_at), (wh, at) in pairwise(readings)
    )
