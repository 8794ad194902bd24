"""Charging profiles installed on the simulated charger and the limits they impose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

TX_PROFILE = "TxProfile"
TX_DEFAULT_PROFILE = "TxDefaultProfile"
MAX_PROFILE = "ChargePointMaxProfile"
RECURRENCE = {"Daily": timedelta(days=1), "Weekly": timedelta(weeks=1)}


@dataclass(frozen=True, slots=True)
class ActiveLimit:
    """The limit of one profile's period that is in force right now."""

    profile_id: int
    purpose: str
    limit: float
    unit: str  # "A" (per phase) or "W"
    number_phases: int | None

    def watts(self, phases: int, voltage: float = 230.0) -> float:
        """This limit expressed in W for a charger with ``phases`` phases."""
        if self.unit == "W":
            return self.limit
        return self.limit * voltage * min(self.number_phases or phases, phases)

    def amps(self, phases: int, voltage: float = 230.0) -> float:
        """This limit expressed in A per phase."""
        if self.unit == "A":
            return self.limit
        return self.limit / (voltage * min(self.number_phases or phases, phases))


@dataclass(slots=True)
class InstalledProfile:
    connector: int
    profile: dict[str, Any]  # camelCase csChargingProfiles, as received

    @property
    def id(self) -> int:
        return int(self.profile["chargingProfileId"])

    @property
    def purpose(self) -> str:
        return str(self.profile["chargingProfilePurpose"])

    @property
    def stack_level(self) -> int:
        return int(self.profile["stackLevel"])


class ChargingProfileStore:
    """Installed charging profiles, with OCPP 1.6 replacement and clearing rules."""

    def __init__(self) -> None:
        self._installed: list[InstalledProfile] = []

    def __len__(self) -> int:
        return len(self._installed)

    def all(self) -> list[tuple[int, dict[str, Any]]]:
        """(connector, profile) for every installed profile."""
        return [(p.connector, p.profile) for p in self._installed]

    def install(self, connector: int, profile: dict[str, Any]) -> None:
        """Install ``profile``; it replaces one with the same id or the same slot."""
        new = InstalledProfile(connector, profile)
        self._installed = [p for p in self._installed if not _replaced_by(p, new)]
        self._installed.append(new)

    def clear(
        self,
        *,
        profile_id: int | None = None,
        connector: int | None = None,
        purpose: str | None = None,
        stack_level: int | None = None,
    ) -> int:
        """Remove matching profiles (an id match ignores the other criteria); return count."""
        before = len(self._installed)
        if profile_id is not None:
            self._installed = [p for p in self._installed if p.id != profile_id]
        else:
            criteria = (connector, purpose, stack_level)
            self._installed = [p for p in self._installed if not _matches(p, *criteria)]
        return before - len(self._installed)

    def clear_tx_profiles(self, connector: int) -> int:
        """Drop the TxProfiles of ``connector`` (done when its transaction ends)."""
        return self.clear(connector=connector, purpose=TX_PROFILE)

    def active_limits(
        self, connector: int, *, now: datetime | None = None, tx_start: datetime | None = None
    ) -> list[ActiveLimit]:
        """Limits in force for ``connector`` from its own profiles and connector 0's."""
        now = now or datetime.now(UTC)
        limits = []
        for installed in self._installed:
            if not _applies_to(installed, connector):
                continue
            limit = _active_limit(installed.profile, now, tx_start)
            if limit is not None:
                limits.append(limit)
        return limits


def lowest_limit(limits: list[ActiveLimit], phases: int, voltage: float = 230.0) -> float | None:
    """The most restrictive limit (compared in W), in its own profile's unit."""
    if not limits:
        return None
    return min(limits, key=lambda item: item.watts(phases, voltage)).limit


def parse_time(value: str | None) -> datetime | None:
    """Parse an OCPP date-time; naive values are taken as UTC."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _replaced_by(old: InstalledProfile, new: InstalledProfile) -> bool:
    same_slot = (old.connector, old.purpose, old.stack_level) == (
        new.connector,
        new.purpose,
        new.stack_level,
    )
    return old.id == new.id or same_slot


def _matches(
    p: InstalledProfile, connector: int | None, purpose: str | None, stack_level: int | None
) -> bool:
    return (
        (connector is None or p.connector == connector)
        and (purpose is None or p.purpose == purpose)
        and (stack_level is None or p.stack_level == stack_level)
    )


def _applies_to(installed: InstalledProfile, connector: int) -> bool:
    return installed.connector in (0, connector)


def _active_limit(
    profile: dict[str, Any], now: datetime, tx_start: datetime | None
) -> ActiveLimit | None:
    if not _valid_at(profile, now):
        return None
    schedule = profile["chargingSchedule"]
    start = _schedule_start(profile, now, tx_start)
    elapsed = (now - start).total_seconds()
    duration = schedule.get("duration")
    if elapsed < 0 or (duration is not None and elapsed >= duration):
        return None
    period = _period_at(schedule["chargingSchedulePeriod"], elapsed)
    if period is None:
        return None
    return ActiveLimit(
        profile_id=int(profile["chargingProfileId"]),
        purpose=str(profile["chargingProfilePurpose"]),
        limit=float(period["limit"]),
        unit=str(schedule["chargingRateUnit"]),
        number_phases=period.get("numberPhases"),
    )


def _valid_at(profile: dict[str, Any], now: datetime) -> bool:
    valid_from = parse_time(profile.get("validFrom"))
    valid_to = parse_time(profile.get("validTo"))
    return (valid_from is None or valid_from <= now) and (valid_to is None or now < valid_to)


def _schedule_start(profile: dict[str, Any], now: datetime, tx_start: datetime | None) -> datetime:
    kind = profile["chargingProfileKind"]
    declared = parse_time(profile["chargingSchedule"].get("startSchedule"))
    if kind == "Relative":
        return tx_start or now
    if kind == "Recurring":
        period = RECURRENCE.get(profile.get("recurrencyKind", "Daily"), RECURRENCE["Daily"])
        anchor = declared or now.replace(hour=0, minute=0, second=0, microsecond=0)
        return anchor + period * ((now - anchor) // period)
    return declared or now


def _period_at(periods: list[dict[str, Any]], elapsed: float) -> dict[str, Any] | None:
    started = [p for p in periods if p["startPeriod"] <= elapsed]
    return max(started, key=lambda p: p["startPeriod"]) if started else None
