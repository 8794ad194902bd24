"""Charging profiles for a cap or a pause, and the ladder of shapes to try (pure).

SPEC §4.1, §4.2, §6.4. Real chargers disagree on which profile shape they accept
(QUIRKS P1–P5, P15, C7, C8), and their preferences exclude each other — Autel rejects a
Relative ChargePointMaxProfile, Wallbox an Absolute TxDefaultProfile — so the shapes are
tried in order, the first accepted one is remembered per charger and tried first next
time, and a user's override of any part of the shape wins.

Nothing here does I/O: the controller (control.py) sends what these functions build.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from .lenient import iso_utc

MAX_PROFILE: Final = "ChargePointMaxProfile"
TX_DEFAULT_PROFILE: Final = "TxDefaultProfile"
TX_PROFILE: Final = "TxProfile"
ABSOLUTE: Final = "Absolute"
RELATIVE: Final = "Relative"
AMPS: Final = "A"
WATTS: Final = "W"

NOMINAL_VOLTAGE_V: Final = 230.0
STACK_LEVEL_CAP: Final = 8  # above anything a charger installs itself, below absurd values
START_IN_THE_PAST: Final = timedelta(minutes=1)  # evcc's fix for "not active yet" (P15)

# Fixed ids: a new profile of ours replaces the previous one instead of piling up.
# A cap and a pause that land on the same connector and purpose share the id on purpose:
# pausing replaces the cap's TxProfile, resuming puts the cap back in its place.
_PROFILE_ID_BASE: Final = {MAX_PROFILE: 9100, TX_DEFAULT_PROFILE: 9200, TX_PROFILE: 9300}
_CAP_PURPOSES: Final = frozenset({MAX_PROFILE, TX_DEFAULT_PROFILE})
_KINDS: Final = frozenset({ABSOLUTE, RELATIVE})
_UNITS: Final = frozenset({AMPS, WATTS})


class Outcome(StrEnum):
    """How a charger answered one SetChargingProfile."""

    ACCEPTED = "Accepted"
    REJECTED = "Rejected"
    NOT_SUPPORTED = "NotSupported"
    ERROR = "CallError"  # a CALLERROR (Autel's PropertyConstraintViolation, P3)
    TIMEOUT = "Timeout"  # no answer at all (Timxon, P5)


def outcome_of(status: object) -> Outcome:
    """A SetChargingProfile.conf status; anything unexpected counts as a rejection."""
    if status == "Accepted":
        return Outcome.ACCEPTED
    if status == "NotSupported":
        return Outcome.NOT_SUPPORTED
    return Outcome.REJECTED


@dataclass(frozen=True, slots=True)
class Shape:
    """How a limit is sent: purpose, kind, stack level and unit.

    For a cap the purpose is ChargePointMaxProfile (connector 0), or TxDefaultProfile
    (connector 0) together with a TxProfile of the same kind and level on each running
    transaction. For a pause it is the purpose of the connector's own profile.
    """

    purpose: str
    kind: str
    stack_level: int
    unit: str

    def as_dict(self) -> dict[str, Any]:
        """What is remembered in the charger's quirk profile."""
        return {
            "purpose": self.purpose,
            "kind": self.kind,
            "stack_level": self.stack_level,
            "unit": self.unit,
        }

    @classmethod
    def from_dict(cls, data: object, *, purposes: Iterable[str] = _CAP_PURPOSES) -> Shape | None:
        """A remembered shape; None when it is missing or unusable."""
        if not isinstance(data, Mapping):
            return None
        purpose, kind, unit = data.get("purpose"), data.get("kind"), data.get("unit")
        level = data.get("stack_level")
        if (
            purpose not in set(purposes)
            or kind not in _KINDS
            or unit not in _UNITS
            or not isinstance(level, int)
            or isinstance(level, bool)
            or level < 0
        ):
            return None
        return cls(str(purpose), str(kind), level, str(unit))


# ---------------------------------------------------------------- capabilities


def rate_unit(rate_units: Iterable[str]) -> str:
    """Amps unless the charger takes only power (C7: a missing key means amps)."""
    return WATTS if set(rate_units) == {"Power"} else AMPS


def stack_level(max_stack_level: int | None) -> int:
    """Our stack level: the charger's ChargeProfileMaxStackLevel, capped; 0 when unknown."""
    if max_stack_level is None or max_stack_level < 0:
        return 0
    return min(max_stack_level, STACK_LEVEL_CAP)


def convert(value: float, unit: str, to_unit: str, phases: int) -> float:
    """A limit in another unit: W = A × 230 V × phases."""
    if unit == to_unit:
        return value
    factor = NOMINAL_VOLTAGE_V * max(1, phases)
    return value * factor if to_unit == WATTS else value / factor


def limit_value(value: float) -> float:
    """OCPP limits are multiples of 0.1; never negative."""
    return max(0.0, round(value, 1))


# ---------------------------------------------------------------- the ladders


def _override(shape: Shape, override: Mapping[str, Any] | None, *, purpose: bool) -> Shape:
    """The user's override of parts of a shape wins (SPEC §6.4)."""
    if not override:
        return shape
    changes: dict[str, Any] = {}
    if purpose and override.get("purpose") in _CAP_PURPOSES:
        changes["purpose"] = override["purpose"]
    if override.get("kind") in _KINDS:
        changes["kind"] = override["kind"]
    level = override.get("stack_level")
    if isinstance(level, int) and not isinstance(level, bool) and level >= 0:
        changes["stack_level"] = level
    if override.get("unit") in _UNITS:
        changes["unit"] = override["unit"]
    return replace(shape, **changes) if changes else shape


def _unique(shapes: Iterable[Shape]) -> list[Shape]:
    seen: set[Shape] = set()
    out = []
    for shape in shapes:
        if shape not in seen:
            seen.add(shape)
            out.append(shape)
    return out


def cap_ladder(
    *,
    stack: int,
    unit: str,
    learned: Mapping[str, Any] | None = None,
    override: Mapping[str, Any] | None = None,
) -> list[Shape]:
    """The shapes to try for a charger-wide cap, best first.

    What worked before comes first. Then ChargePointMaxProfile (Absolute: Autel rejects
    it Relative, P3), then TxDefaultProfile (P4, P5), Absolute before Relative (Wallbox
    wants Relative, P2); each at our stack level and again at 0 (ABB rejects its own
    maximum, P1). The unit is the charger's, never the remembered one.
    """
    base = [
        Shape(MAX_PROFILE, ABSOLUTE, stack, unit),
        Shape(MAX_PROFILE, ABSOLUTE, 0, unit),
        Shape(TX_DEFAULT_PROFILE, ABSOLUTE, stack, unit),
        Shape(TX_DEFAULT_PROFILE, ABSOLUTE, 0, unit),
        Shape(TX_DEFAULT_PROFILE, RELATIVE, stack, unit),
        Shape(TX_DEFAULT_PROFILE, RELATIVE, 0, unit),
    ]
    first = Shape.from_dict(learned)
    shapes = ([replace(first, unit=unit)] if first else []) + base
    return _unique(_override(s, override, purpose=True) for s in shapes)


def pause_ladder(
    *,
    stack: int,
    unit: str,
    transaction: bool,
    learned_pause: Mapping[str, Any] | None = None,
    learned_cap: Mapping[str, Any] | None = None,
    override: Mapping[str, Any] | None = None,
) -> list[Shape]:
    """The shapes to try for a 0 A / 0 W pause of one connector, best first.

    The connector's own profile: a TxProfile on its transaction, else (or when the
    charger refuses TxProfile, P5) a TxDefaultProfile on that connector, which also
    holds the next transaction at 0. Kind and stack level follow what worked before
    (a pause, else the cap); a remembered pause comes first when its purpose fits.
    """
    purposes = [TX_PROFILE, TX_DEFAULT_PROFILE] if transaction else [TX_DEFAULT_PROFILE]
    learned = Shape.from_dict(learned_pause, purposes=(TX_PROFILE, TX_DEFAULT_PROFILE))
    pause = learned if learned is not None and learned.purpose in purposes else None
    hint = learned or Shape.from_dict(learned_cap) or Shape(MAX_PROFILE, ABSOLUTE, stack, unit)
    other = RELATIVE if hint.kind == ABSOLUTE else ABSOLUTE
    variants = [
        (hint.kind, hint.stack_level),
        (hint.kind, 0),
        (other, hint.stack_level),
        (other, 0),
    ]
    shapes = [replace(pause, unit=unit)] if pause else []
    shapes += [Shape(p, kind, level, unit) for p in purposes for kind, level in variants]
    return _unique(_override(s, override, purpose=False) for s in shapes)


def prune(remaining: list[Shape], tried: Shape, outcome: Outcome) -> list[Shape]:
    """What is still worth trying after ``tried`` failed with ``outcome``.

    Rejected: anything may help, the same shape at stack level 0 first (P1).
    NotSupported: the purpose is not supported (P5). A CALLERROR or no answer: this
    purpose and kind fail whatever the stack level (P3, P5).
    """
    if outcome in (Outcome.ACCEPTED, Outcome.REJECTED):
        return list(remaining)
    if outcome is Outcome.NOT_SUPPORTED:
        return [s for s in remaining if s.purpose != tried.purpose]
    return [s for s in remaining if (s.purpose, s.kind) != (tried.purpose, tried.kind)]


# -------------------------------------------------------------- building profiles


def profile_id(purpose: str, connector_id: int) -> int:
    """Our fixed chargingProfileId for a purpose on a connector."""
    base = _PROFILE_ID_BASE[purpose]
    return base if purpose == MAX_PROFILE else base + connector_id


def build_profile(
    shape: Shape,
    limit: float,
    *,
    connector_id: int,
    now: datetime,
    transaction_id: int | None = None,
) -> dict[str, Any]:
    """A camelCase csChargingProfiles with one period: ``limit`` from the start, no end.

    Absolute profiles start a minute in the past so clock skew cannot leave them
    "not active yet" (P15).
    """
    schedule: dict[str, Any] = {"chargingRateUnit": shape.unit}
    if shape.kind == ABSOLUTE:
        schedule["startSchedule"] = iso_utc(now - START_IN_THE_PAST)
    schedule["chargingSchedulePeriod"] = [{"startPeriod": 0, "limit": limit_value(limit)}]
    profile: dict[str, Any] = {"chargingProfileId": profile_id(shape.purpose, connector_id)}
    if shape.purpose == TX_PROFILE and transaction_id is not None:
        profile["transactionId"] = transaction_id
    profile |= {
        "stackLevel": shape.stack_level,
        "chargingProfilePurpose": shape.purpose,
        "chargingProfileKind": shape.kind,
        "chargingSchedule": schedule,
    }
    return profile
