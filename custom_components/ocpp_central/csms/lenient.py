"""Lenient field parsers for OCPP 1.6J payloads (SPEC §6.2, QUIRKS section 3 item 1).

Payloads arrive as dicts with snake_case keys. Each ``opt_*`` parser takes the raw value
and a :class:`Deviations` counter, never raises, and notes every normalisation it made.
Only the ``require_*`` variants raise :class:`Unusable`, for a field the action depends on.

Deviation keys noted here (``<field>`` is the field name the caller passes):

- ``number_as_string:<field>``, ``too_long:<field>``, ``control_chars:<field>``,
  ``bad_type:<field>`` (strings)
- ``string_as_number:<field>``, ``float_as_int:<field>``, ``bad_int:<field>``,
  ``bad_number:<field>`` (numbers)
- ``bool_spelling:<field>``, ``bad_bool:<field>`` (booleans)
- ``enum_spelling:<field>``, ``unknown_enum:<field>`` (enums)
- ``timestamp_without_zone``, ``bad_timestamp:<field>``, ``implausible_timestamp:<field>``
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Final

MAX_DEVIATION_KEYS: Final = 200
OTHER_KEY: Final = "other"

TYPE_CONSTRAINT: Final = "TypeConstraintViolation"
PROPERTY_CONSTRAINT: Final = "PropertyConstraintViolation"
OCCURENCE_CONSTRAINT: Final = "OccurenceConstraintViolation"  # OCPP 1.6 spelling
FORMATION_VIOLATION: Final = "FormationViolation"

EARLIEST_PLAUSIBLE: Final = datetime(2015, 1, 1, tzinfo=UTC)
MAX_FUTURE: Final = timedelta(days=1)


@dataclass(slots=True)
class Deviations:
    """Per-charger counters of the normalisations its payloads needed (bounded)."""

    counts: dict[str, int] = field(default_factory=dict)

    def note(self, key: str) -> None:
        """Count one deviation; keys beyond the bound are counted under ``other``."""
        counts = self.counts
        if key in counts:
            counts[key] += 1
        elif len(counts) < MAX_DEVIATION_KEYS - 1:
            counts[key] = 1
        else:
            counts[OTHER_KEY] = counts.get(OTHER_KEY, 0) + 1

    def as_dict(self) -> dict[str, int]:
        """A copy of the counters (for diagnostics)."""
        return dict(self.counts)


class Unusable(Exception):
    """A field the action depends on cannot be used; answer a CALLERROR with ``code``."""

    def __init__(self, field: str, code: str, detail: str | None = None) -> None:
        super().__init__(detail or f"{field}: {code}")
        self.field = field
        self.code = code


# --- strings ---------------------------------------------------------------------------

# Control characters (C0 and DEL) stripped from the end of strings.
_CONTROL_CHARS: Final = "".join(chr(c) for c in range(0x20)) + "\x7f"
_CONTROL_SET: Final = frozenset(_CONTROL_CHARS)


def opt_str(value: object, field: str, dev: Deviations, max_len: int | None = None) -> str | None:
    """A string field; numbers become strings, over-long values are kept in full."""
    if value is None:
        return None
    if isinstance(value, str):
        if value and value[-1] in _CONTROL_SET:
            # Ocular LTE Plus / BS-EV echo a 20-char idTag plus 0x10 0x0E (QUIRKS S3)
            value = value.rstrip(_CONTROL_CHARS)
            dev.note(f"control_chars:{field}")
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        # configuration value sent as a JSON number, e.g. NumberOfConnectors 1 (QUIRKS S13)
        value = str(value)
        dev.note(f"number_as_string:{field}")
    else:
        dev.note(f"bad_type:{field}")
        return None
    if max_len is not None and len(value) > max_len:
        # Schneider EVlink serials of 34 chars (S1), HICI model (S2), Wallbox Copper
        # 551-char config value (S5): keep them whole; display may truncate.
        dev.note(f"too_long:{field}")
    return value


def require_str(value: object, field: str, dev: Deviations, max_len: int | None = None) -> str:
    """Like :func:`opt_str`, raising :class:`Unusable` when missing or unusable."""
    if value is None:
        raise Unusable(field, OCCURENCE_CONSTRAINT)
    result = opt_str(value, field, dev, max_len)
    if result is None:
        raise Unusable(field, TYPE_CONSTRAINT)
    return result


# --- numbers ---------------------------------------------------------------------------


def _str_to_int(value: str) -> int | None:
    if "_" in value:  # int() accepts "1_000"; no charger means that
        return None
    try:
        return int(value)
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _finite(value: float | Decimal) -> bool:
    return value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)


def opt_int(value: object, field: str, dev: Deviations) -> int | None:
    """An integer field; numeric strings and integral floats are accepted and noted."""
    if value is None:
        return None
    if type(value) is int:
        return value
    result: int | None = None
    if isinstance(value, str):
        result = _str_to_int(value)
        if result is not None:
            dev.note(f"string_as_number:{field}")
            return result
    elif isinstance(value, float | Decimal) and _finite(value):
        if value == int(value):
            dev.note(f"float_as_int:{field}")
            return int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        return int(value)  # an int subclass (not bool)
    dev.note(f"bad_int:{field}")
    return None


def require_int(value: object, field: str, dev: Deviations) -> int:
    """Like :func:`opt_int`, raising :class:`Unusable` when missing or unusable."""
    if value is None:
        raise Unusable(field, OCCURENCE_CONSTRAINT)
    result = opt_int(value, field, dev)
    if result is None:
        raise Unusable(field, TYPE_CONSTRAINT)
    return result


def opt_float(value: object, field: str, dev: Deviations) -> float | None:
    """A finite number; numeric (space-padded) strings are accepted and noted."""
    if value is None:
        return None
    number: float | None = None
    noted = False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, Decimal):
        number = float(value) if value.is_finite() else None  # float(sNaN) raises
    elif isinstance(value, str) and "_" not in value:
        try:
            # float() trims whitespace: Enercab/eledio pad numbers, " 5" (QUIRKS S20)
            number = float(value)
            noted = True
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        dev.note(f"bad_number:{field}")
        return None
    if noted:
        dev.note(f"string_as_number:{field}")
    return number


def require_float(value: object, field: str, dev: Deviations) -> float:
    """Like :func:`opt_float`, raising :class:`Unusable` when missing or unusable."""
    if value is None:
        raise Unusable(field, OCCURENCE_CONSTRAINT)
    result = opt_float(value, field, dev)
    if result is None:
        raise Unusable(field, TYPE_CONSTRAINT)
    return result


# --- booleans --------------------------------------------------------------------------

_BOOL_SPELLINGS: Final[dict[str, bool]] = {
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "yes": True,
    "no": False,
    "on": True,
    "off": False,
}


def opt_bool(value: object, field: str, dev: Deviations) -> bool | None:
    """A boolean; any case of true/false and 1/0 are accepted (spelling noted).

    Mennekes ACU sends "True" (QUIRKS S21); Vestel EVC04 "TRUE"/"False" (QUIRKS C5).
    The exact configuration-value spellings "true"/"false" are not noted.
    """
    if value is True or value is False:
        return value
    if isinstance(value, str):
        if value == "true":
            return True
        if value == "false":
            return False
        result = _BOOL_SPELLINGS.get(value.strip().lower())
        if result is not None:
            dev.note(f"bool_spelling:{field}")
            return result
    elif type(value) is int and value in (0, 1):
        dev.note(f"bool_spelling:{field}")
        return value == 1
    elif value is None:
        return None
    dev.note(f"bad_bool:{field}")
    return None


# --- enums -----------------------------------------------------------------------------

# Deleted when normalising an enum spelling: separators, quotes (Mennekes, QUIRKS S22).
_ENUM_DELETE: Final = str.maketrans("", "", " _-'\"\t")


def enum_key(value: str) -> str:
    """The normalised spelling used as a key in enum tables."""
    return value.translate(_ENUM_DELETE).lower()


def enum_table(*canonical: str, aliases: Mapping[str, str] | None = None) -> dict[str, str]:
    """Map normalised (and exact canonical) spellings to canonical values."""
    table: dict[str, str] = {}
    for name, target in (aliases or {}).items():
        table[enum_key(name)] = target
    for name in canonical:
        table[enum_key(name)] = name
        table[name] = name  # exact spelling: the fast path of opt_enum
    return table


def opt_enum(value: object, field: str, allowed: Mapping[str, str], dev: Deviations) -> str | None:
    """An enum value: exact canonical spelling, else any case/separator spelling (noted)."""
    if value is None:
        return None
    if not isinstance(value, str):
        dev.note(f"unknown_enum:{field}")
        return None
    canonical = allowed.get(value)
    if canonical == value:
        return canonical
    canonical = allowed.get(enum_key(value))
    if canonical is None:
        dev.note(f"unknown_enum:{field}")
        return None
    dev.note(f"enum_spelling:{field}")
    return canonical


def require_enum(value: object, field: str, allowed: Mapping[str, str], dev: Deviations) -> str:
    """Like :func:`opt_enum`, raising :class:`Unusable` when missing or unknown."""
    if value is None:
        raise Unusable(field, OCCURENCE_CONSTRAINT)
    result = opt_enum(value, field, allowed, dev)
    if result is None:
        raise Unusable(field, PROPERTY_CONSTRAINT)
    return result


CHARGE_POINT_STATUS: Final = enum_table(
    "Available",
    "Preparing",
    "Charging",
    "SuspendedEVSE",
    "SuspendedEV",
    "Finishing",
    "Reserved",
    "Unavailable",
    "Faulted",
)

CHARGE_POINT_ERROR_CODE: Final = enum_table(
    "ConnectorLockFailure",
    "EVCommunicationError",
    "GroundFailure",
    "HighTemperature",
    "InternalError",
    "LocalListConflict",
    "NoError",
    "OtherError",
    "OverCurrentFailure",
    "OverVoltage",
    "PowerMeterFailure",
    "PowerSwitchFailure",
    "ReaderFailure",
    "ResetFailure",
    "UnderVoltage",
    "WeakSignal",
    aliases={"Mode3Error": "EVCommunicationError"},  # the OCPP 1.5 name
)

REASON: Final = enum_table(
    "DeAuthorized",
    "EmergencyStop",
    "EVDisconnected",
    "HardReset",
    "Local",
    "Other",
    "PowerLoss",
    "Reboot",
    "Remote",
    "SoftReset",
    "UnlockCommand",
)

DIAGNOSTICS_STATUS: Final = enum_table("Idle", "Uploaded", "UploadFailed", "Uploading")

FIRMWARE_STATUS: Final = enum_table(
    "Downloaded",
    "DownloadFailed",
    "Downloading",
    "Idle",
    "InstallationFailed",
    "Installing",
    "Installed",
)

READING_CONTEXT: Final = enum_table(
    "Interruption.Begin",
    "Interruption.End",
    "Other",
    "Sample.Clock",
    "Sample.Periodic",
    "Transaction.Begin",
    "Transaction.End",
    "Trigger",
)

MEASURAND: Final = enum_table(
    "Current.Export",
    "Current.Import",
    "Current.Offered",
    "Energy.Active.Export.Register",
    "Energy.Active.Import.Register",
    "Energy.Reactive.Export.Register",
    "Energy.Reactive.Import.Register",
    "Energy.Active.Export.Interval",
    "Energy.Active.Import.Interval",
    "Energy.Reactive.Export.Interval",
    "Energy.Reactive.Import.Interval",
    "Frequency",
    "Power.Active.Export",
    "Power.Active.Import",
    "Power.Factor",
    "Power.Offered",
    "Power.Reactive.Export",
    "Power.Reactive.Import",
    "RPM",
    "SoC",
    "Temperature",
    "Voltage",
)

PHASE: Final = enum_table(
    "L1",
    "L2",
    "L3",
    "N",
    "L1-N",
    "L2-N",
    "L3-N",
    "L1-L2",
    "L2-L3",
    "L3-L1",
    # reversed line-to-line pairs have the same magnitude
    aliases={"L2-L1": "L1-L2", "L3-L2": "L2-L3", "L1-L3": "L3-L1"},
)

LOCATION: Final = enum_table("Body", "Cable", "EV", "Inlet", "Outlet")

VALUE_FORMAT: Final = enum_table("Raw", "SignedData")

NO_ERROR: Final = "NoError"
OTHER_ERROR: Final = "OtherError"


def error_code(value: object, dev: Deviations) -> tuple[str, str | None]:
    """A StatusNotification errorCode: (canonical code, raw string when not canonical).

    Legrand GreenUp sends errorCode "Error" (QUIRKS S7): unknown codes become
    OtherError and the raw string is kept. A missing code is read as NoError.
    """
    if value is None:
        dev.note("missing:error_code")
        return NO_ERROR, None
    canonical = opt_enum(value, "error_code", CHARGE_POINT_ERROR_CODE, dev)
    if canonical is not None and canonical == value:
        return canonical, None
    raw = value if isinstance(value, str) else str(value)
    return canonical or OTHER_ERROR, raw


# --- timestamps ------------------------------------------------------------------------


def _parse_iso(value: str) -> datetime | None:
    """ISO 8601 via fromisoformat, then a slower tolerant retry."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    text = value.strip().upper()
    for suffix in (" UTC", "UTC", " GMT", "GMT"):
        if text.endswith(suffix):
            text = text[: -len(suffix)] + "Z"
            break
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def opt_timestamp(
    value: object, field: str, dev: Deviations, *, now: datetime, tz: tzinfo | None = None
) -> datetime | None:
    """An ISO 8601 timestamp as an aware UTC datetime; None when absent or implausible.

    ``now`` (aware) bounds the future; ``tz`` is the zone of zone-less timestamps.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        dev.note(f"bad_timestamp:{field}")
        return None
    stamp = _parse_iso(value)
    if stamp is None:
        dev.note(f"bad_timestamp:{field}")
        return None
    zone = stamp.tzinfo
    if zone is None:
        # Growatt THOR sends local time without a zone designator (QUIRKS S16)
        dev.note("timestamp_without_zone")
        stamp = stamp.replace(tzinfo=tz or UTC).astimezone(UTC)
    elif zone is not UTC:
        stamp = stamp.astimezone(UTC)
    # MicroOcpp stamps readings taken before the Boot response 1970-01-01 (QUIRKS T8)
    if stamp < EARLIEST_PLAUSIBLE or stamp > now + MAX_FUTURE:
        dev.note(f"implausible_timestamp:{field}")
        return None
    return stamp


def iso_utc(dt: datetime) -> str:
    """The outgoing timestamp format: UTC, milliseconds, trailing Z (naive = UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    elif dt.tzinfo is not UTC:
        dt = dt.astimezone(UTC)
    return dt.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
