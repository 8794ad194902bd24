"""MeterValues parsing and summarising (SPEC §3.3, QUIRKS S8–S15, S20, M1–M6, M11).

:func:`parse_meter_values` turns the snake_case ``meter_value`` (or ``transaction_data``)
field into :class:`MeterValue` lists of normalised :class:`Sample` s (canonical measurand,
phase and context; values in base units). :func:`summarise` reduces them to one
connector's :class:`Summary`. This is the hot path: lookups go through tables built at
import; one bad sampled value never drops the others.

Deviation keys noted here, besides those of :mod:`.lenient`: ``meter_value_object``,
``bad_meter_value``, ``bad_sampled_value``, ``value_as_number``, ``value_padded``,
``signed_data``, ``missing_unit``, ``unit_mismatch``, ``measurand_from_unit``,
``measurand_phase_suffix``, ``multiplier``, ``missing:timestamp``.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Final

from .lenient import (
    LOCATION,
    MEASURAND,
    PHASE,
    READING_CONTEXT,
    VALUE_FORMAT,
    Deviations,
    enum_key,
    opt_enum,
    opt_timestamp,
)

# --- canonical names -------------------------------------------------------------------

MEASURAND_CURRENT_EXPORT: Final = "Current.Export"
MEASURAND_CURRENT_IMPORT: Final = "Current.Import"
MEASURAND_CURRENT_OFFERED: Final = "Current.Offered"
MEASURAND_ENERGY_ACTIVE_EXPORT_REGISTER: Final = "Energy.Active.Export.Register"
MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER: Final = "Energy.Active.Import.Register"
MEASURAND_ENERGY_REACTIVE_EXPORT_REGISTER: Final = "Energy.Reactive.Export.Register"
MEASURAND_ENERGY_REACTIVE_IMPORT_REGISTER: Final = "Energy.Reactive.Import.Register"
MEASURAND_ENERGY_ACTIVE_EXPORT_INTERVAL: Final = "Energy.Active.Export.Interval"
MEASURAND_ENERGY_ACTIVE_IMPORT_INTERVAL: Final = "Energy.Active.Import.Interval"
MEASURAND_ENERGY_REACTIVE_EXPORT_INTERVAL: Final = "Energy.Reactive.Export.Interval"
MEASURAND_ENERGY_REACTIVE_IMPORT_INTERVAL: Final = "Energy.Reactive.Import.Interval"
MEASURAND_FREQUENCY: Final = "Frequency"
MEASURAND_POWER_ACTIVE_EXPORT: Final = "Power.Active.Export"
MEASURAND_POWER_ACTIVE_IMPORT: Final = "Power.Active.Import"
MEASURAND_POWER_FACTOR: Final = "Power.Factor"
MEASURAND_POWER_OFFERED: Final = "Power.Offered"
MEASURAND_POWER_REACTIVE_EXPORT: Final = "Power.Reactive.Export"
MEASURAND_POWER_REACTIVE_IMPORT: Final = "Power.Reactive.Import"
MEASURAND_RPM: Final = "RPM"
MEASURAND_SOC: Final = "SoC"
MEASURAND_TEMPERATURE: Final = "Temperature"
MEASURAND_VOLTAGE: Final = "Voltage"

UNIT_WH: Final = "Wh"
UNIT_W: Final = "W"
UNIT_VARH: Final = "varh"
UNIT_VAR: Final = "var"
UNIT_VA: Final = "VA"
UNIT_A: Final = "A"
UNIT_V: Final = "V"
UNIT_CELSIUS: Final = "Celsius"
UNIT_PERCENT: Final = "Percent"
UNIT_HERTZ: Final = "Hertz"
UNIT_RPM: Final = "rpm"
UNIT_NONE: Final = ""  # dimensionless (Power.Factor)

CONTEXT_PERIODIC: Final = "Sample.Periodic"
CONTEXT_TRANSACTION_BEGIN: Final = "Transaction.Begin"
CONTEXT_OTHER: Final = "Other"

CURRENT_FLOWING_A: Final = 0.5  # above this, a reported power of 0 is not believed (M11)
LIVE_VOLTAGE_V: Final = 10.0  # phases below this are left out of the voltage average
_SQRT3: Final = math.sqrt(3.0)

# --- lookup tables (built once at import) ----------------------------------------------

# measurand -> base unit it is expressed in (None: any unit is kept as given)
_MEASURAND_UNIT: Final[dict[str, str | None]] = {
    MEASURAND_CURRENT_EXPORT: UNIT_A,
    MEASURAND_CURRENT_IMPORT: UNIT_A,
    MEASURAND_CURRENT_OFFERED: UNIT_A,
    MEASURAND_ENERGY_ACTIVE_EXPORT_REGISTER: UNIT_WH,
    MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER: UNIT_WH,
    MEASURAND_ENERGY_REACTIVE_EXPORT_REGISTER: UNIT_VARH,
    MEASURAND_ENERGY_REACTIVE_IMPORT_REGISTER: UNIT_VARH,
    MEASURAND_ENERGY_ACTIVE_EXPORT_INTERVAL: UNIT_WH,
    MEASURAND_ENERGY_ACTIVE_IMPORT_INTERVAL: UNIT_WH,
    MEASURAND_ENERGY_REACTIVE_EXPORT_INTERVAL: UNIT_VARH,
    MEASURAND_ENERGY_REACTIVE_IMPORT_INTERVAL: UNIT_VARH,
    MEASURAND_FREQUENCY: UNIT_HERTZ,
    MEASURAND_POWER_ACTIVE_EXPORT: UNIT_W,
    MEASURAND_POWER_ACTIVE_IMPORT: UNIT_W,
    MEASURAND_POWER_FACTOR: None,
    MEASURAND_POWER_OFFERED: UNIT_W,
    MEASURAND_POWER_REACTIVE_EXPORT: UNIT_VAR,
    MEASURAND_POWER_REACTIVE_IMPORT: UNIT_VAR,
    MEASURAND_RPM: None,
    MEASURAND_SOC: UNIT_PERCENT,
    MEASURAND_TEMPERATURE: UNIT_CELSIUS,
    MEASURAND_VOLTAGE: UNIT_V,
}
# the unit assumed when a sampled value has none (Autel sends W without a unit, M1)
_DEFAULT_UNIT: Final[dict[str, str]] = {
    m: (u if u is not None else (UNIT_RPM if m == MEASURAND_RPM else UNIT_NONE))
    for m, u in _MEASURAND_UNIT.items()
}
# electrical units a sloppy charger may swap (W for Wh, VA for W): the scale is kept
_ELECTRICAL: Final = frozenset({UNIT_WH, UNIT_W, UNIT_VARH, UNIT_VAR, UNIT_VA})

# Without a measurand the spec default is Energy.Active.Import.Register, unless the unit
# says otherwise: Alfen Eve Pro sends unit "A" and no measurand (QUIRKS S10).
_MEASURAND_BY_UNIT: Final[dict[str, str]] = {
    UNIT_WH: MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER,
    UNIT_A: MEASURAND_CURRENT_IMPORT,
    UNIT_V: MEASURAND_VOLTAGE,
    UNIT_W: MEASURAND_POWER_ACTIVE_IMPORT,
    UNIT_PERCENT: MEASURAND_SOC,
    UNIT_CELSIUS: MEASURAND_TEMPERATURE,
    UNIT_HERTZ: MEASURAND_FREQUENCY,
    UNIT_VARH: MEASURAND_ENERGY_REACTIVE_IMPORT_REGISTER,
    UNIT_VAR: MEASURAND_POWER_REACTIVE_IMPORT,
}

# unit spelling -> (base unit, scale, offset): base = value * scale + offset
_Unit = tuple[str, float, float]
_F_SCALE: Final = 5.0 / 9.0
# OCPP 1.6 UnitOfMeasure spellings (with the errata's Hertz): not noted
_SPEC_UNITS: Final[dict[str, _Unit]] = {
    "Wh": (UNIT_WH, 1.0, 0.0),
    "kWh": (UNIT_WH, 1000.0, 0.0),
    "varh": (UNIT_VARH, 1.0, 0.0),
    "kvarh": (UNIT_VARH, 1000.0, 0.0),
    "W": (UNIT_W, 1.0, 0.0),
    "kW": (UNIT_W, 1000.0, 0.0),
    "VA": (UNIT_VA, 1.0, 0.0),
    "kVA": (UNIT_VA, 1000.0, 0.0),
    "var": (UNIT_VAR, 1.0, 0.0),
    "kvar": (UNIT_VAR, 1000.0, 0.0),
    "A": (UNIT_A, 1.0, 0.0),
    "V": (UNIT_V, 1.0, 0.0),
    "Celsius": (UNIT_CELSIUS, 1.0, 0.0),
    # oncharger sends "Celcius", the 1.6 spec's own spelling (QUIRKS S9)
    "Celcius": (UNIT_CELSIUS, 1.0, 0.0),
    "Fahrenheit": (UNIT_CELSIUS, _F_SCALE, -32.0 * _F_SCALE),
    "K": (UNIT_CELSIUS, 1.0, -273.15),
    "Percent": (UNIT_PERCENT, 1.0, 0.0),
    "Hertz": (UNIT_HERTZ, 1.0, 0.0),
}
# prefixes whose case matters (m vs M): matched exactly only
_CASED_UNITS: Final[dict[str, _Unit]] = {
    "mA": (UNIT_A, 0.001, 0.0),
    "mV": (UNIT_V, 0.001, 0.0),
    "kV": (UNIT_V, 1000.0, 0.0),
    "MW": (UNIT_W, 1e6, 0.0),
    "MWh": (UNIT_WH, 1e6, 0.0),
}
# other spellings, matched case-insensitively (noted)
_UNIT_ALIASES: Final[dict[str, str]] = {
    "Hz": "Hertz",  # ChargeAmps Halo sends unit "Hz" (QUIRKS S8)
    "%": "Percent",
    "°C": "Celsius",
    "degC": "Celsius",
    "C": "Celsius",
    "°F": "Fahrenheit",
    "F": "Fahrenheit",
    "Kelvin": "K",
    "Amp": "A",
    "Amps": "A",
    "Ampere": "A",
    "Volt": "V",
    "Volts": "V",
    "Watt": "W",
    "Watts": "W",
    "rpm": "RPM",
}
_UNIT_EXACT: Final[dict[str, _Unit]] = {**_SPEC_UNITS, **_CASED_UNITS, "RPM": (UNIT_RPM, 1, 0)}
_UNIT_LOOSE: Final[dict[str, _Unit]] = {
    **{enum_key(alias): _UNIT_EXACT[target] for alias, target in _UNIT_ALIASES.items()},
    **{enum_key(name): unit for name, unit in _SPEC_UNITS.items()},
}

# measurand spelling -> (canonical, phase from a suffix or None)
_Measurand = tuple[str, str | None]
_CANONICAL_MEASURANDS: Final = tuple(dict.fromkeys(MEASURAND.values()))
_MEASURAND_EXACT: Final[dict[str, _Measurand]] = {m: (m, None) for m in _CANONICAL_MEASURANDS}
_MEASURAND_LOOSE: Final[dict[str, _Measurand]] = {
    enum_key(m): (m, None) for m in _CANONICAL_MEASURANDS
}
# Legrand GreenUp names measurands with a phase suffix, "Current.Import.L1" (QUIRKS S6)
_MEASURAND_SUFFIXED: Final[dict[str, _Measurand]] = {
    enum_key(f"{m}.{p}"): (m, p)
    for m in _CANONICAL_MEASURANDS
    for p in dict.fromkeys(PHASE.values())
}

# context preference when one measurand is reported several times (Growatt THOR, M6)
_CONTEXT_RANK: Final[dict[str, int]] = {CONTEXT_TRANSACTION_BEGIN: 0, CONTEXT_OTHER: 1}
_DEFAULT_RANK: Final = 2

# phase tags naming one phase conductor (bare Lx is line-to-neutral, M4)
_PHASE_OF: Final[dict[str, str]] = {
    "L1": "L1",
    "L2": "L2",
    "L3": "L3",
    "L1-N": "L1",
    "L2-N": "L2",
    "L3-N": "L3",
}
_LINE_TO_LINE: Final[dict[str, str]] = {"L1-L2": "L1", "L2-L3": "L2", "L3-L1": "L3"}


# --- data ------------------------------------------------------------------------------


@dataclass(slots=True)
class Sample:
    """One sampled value, normalised: canonical names, value in ``unit`` (a base unit)."""

    measurand: str
    value: float
    phase: str | None = None
    context: str = CONTEXT_PERIODIC
    location: str | None = None
    unit: str = UNIT_WH


@dataclass(slots=True)
class MeterValue:
    """One meterValue entry: a timestamp (None: absent or implausible) and its samples."""

    timestamp: datetime | None
    samples: list[Sample] = field(default_factory=list)


@dataclass(slots=True)
class Summary:
    """One connector's view of one MeterValues message (None: not reported)."""

    timestamp: datetime | None = None
    energy_wh: float | None = None
    energy_context: str | None = None
    power_w: float | None = None
    power_derived: bool = False
    current_a: float | None = None
    current_by_phase: dict[str, float] = field(default_factory=dict)
    voltage_v: float | None = None
    voltage_by_phase: dict[str, float] = field(default_factory=dict)
    power_by_phase: dict[str, float] = field(default_factory=dict)
    current_offered_a: float | None = None
    power_offered_w: float | None = None
    soc_pct: float | None = None
    temperature_c: float | None = None
    frequency_hz: float | None = None
    energy_export_wh: float | None = None
    power_export_w: float | None = None
    measurands: frozenset[str] = frozenset()


# --- parsing ---------------------------------------------------------------------------


def parse_meter_values(
    raw: object, dev: Deviations, *, now: datetime, tz: tzinfo | None = None
) -> list[MeterValue]:
    """Parse ``meter_value`` / ``transaction_data``; keeps every value that parses."""
    if raw is None:
        return []
    if isinstance(raw, dict):
        # Huawei SCharger sends meterValue as a single object (QUIRKS S14)
        dev.note("meter_value_object")
        raw = [raw]
    elif not isinstance(raw, list):
        dev.note("bad_meter_value")
        return []
    result: list[MeterValue] = []
    for item in raw:
        value = _parse_meter_value(item, dev, now, tz)
        if value is not None:
            result.append(value)
    return result


def _parse_meter_value(
    item: object, dev: Deviations, now: datetime, tz: tzinfo | None
) -> MeterValue | None:
    """One meterValue entry; None when it holds no usable sample."""
    if not isinstance(item, dict):
        dev.note("bad_meter_value")
        return None
    sampled = item.get("sampled_value")
    if not sampled:
        # Vestel EVC04 sends "sampledValue": [] (QUIRKS S15): ignored silently
        return None
    if isinstance(sampled, dict):
        dev.note("meter_value_object")
        sampled = [sampled]
    elif not isinstance(sampled, list):
        dev.note("bad_meter_value")
        return None
    samples: list[Sample] = []
    for sv in sampled:
        sample = parse_sampled_value(sv, dev)
        if sample is not None:
            samples.append(sample)
    if not samples:
        return None
    raw_stamp = item.get("timestamp")
    if raw_stamp is None:
        dev.note("missing:timestamp")
    return MeterValue(opt_timestamp(raw_stamp, "timestamp", dev, now=now, tz=tz), samples)


def parse_sampled_value(sv: object, dev: Deviations) -> Sample | None:
    """One sampledValue as a :class:`Sample`; None (and a note) when unusable."""
    if not isinstance(sv, dict):
        dev.note("bad_sampled_value")
        return None
    get = sv.get
    fmt = get("format")
    if (
        fmt is not None
        and fmt != "Raw"
        and opt_enum(fmt, "format", VALUE_FORMAT, dev) == "SignedData"
    ):
        dev.note("signed_data")  # signed meter data is not decoded
        return None
    value = _value(get("value"), dev)
    if value is None:
        return None
    phase: str | None = None
    raw_phase = get("phase")
    if raw_phase is not None:
        phase = opt_enum(raw_phase, "phase", PHASE, dev)
        if phase is None:
            return None  # an unknown phase must not pass for a total
    unit: _Unit | None = None
    raw_unit = get("unit")
    if raw_unit is not None:
        unit = _unit(raw_unit, dev)
        if unit is None:
            return None
    raw_measurand = get("measurand")
    if raw_measurand is None:
        measurand = _measurand_from_unit(unit, dev)
        if measurand is None:
            return None
    else:
        found = _measurand(raw_measurand, dev)
        if found is None:
            return None
        measurand, suffix_phase = found
        if phase is None:
            phase = suffix_phase
    base = _to_base(measurand, value, unit, dev)
    if base is None:
        return None
    multiplier = get("multiplier")
    if multiplier is not None:
        base = _apply_multiplier(base, multiplier, dev)
    raw_context = get("context")
    context = CONTEXT_PERIODIC if raw_context is None else _context(raw_context, dev)
    raw_location = get("location")
    location = None if raw_location is None else opt_enum(raw_location, "location", LOCATION, dev)
    return Sample(measurand, base[1], phase, context, location, base[0])


def _value(raw: object, dev: Deviations) -> float | None:
    """The sampled value as a finite float (a string by the spec)."""
    if type(raw) is str:
        try:
            value = float(raw)
        except ValueError:
            dev.note("bad_sampled_value")
            return None
        if raw[0].isspace() or raw[-1].isspace():
            dev.note("value_padded")  # Enercab / eledio pad values: " 5" (QUIRKS S20)
    elif isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
        # OpenEVSE (MicroOcpp) sends the value as a JSON number: 604.213 (QUIRKS S12)
        dev.note("value_as_number")
        value = float(raw) if not isinstance(raw, Decimal) or raw.is_finite() else math.nan
    else:
        dev.note("bad_sampled_value")
        return None
    if value - value != 0.0:  # NaN or infinity
        dev.note("bad_sampled_value")
        return None
    return value


def _unit(raw: object, dev: Deviations) -> _Unit | None:
    """A unit spelling as (base, scale, offset); tolerant of case and common aliases."""
    if not isinstance(raw, str):
        dev.note("unknown_enum:unit")
        return None
    unit = _UNIT_EXACT.get(raw)
    if unit is not None:
        return unit
    unit = _UNIT_LOOSE.get(enum_key(raw))
    if unit is None:
        dev.note("unknown_enum:unit")
        return None
    # "KW", "kw", "Hz" (ChargeAmps Halo, QUIRKS S8), "%" ...
    dev.note("enum_spelling:unit")
    return unit


def _measurand(raw: object, dev: Deviations) -> _Measurand | None:
    """A measurand spelling as (canonical, phase suffix); unknown ones are noted."""
    if not isinstance(raw, str):
        dev.note("unknown_enum:measurand")
        return None
    found = _MEASURAND_EXACT.get(raw)
    if found is not None:
        return found
    key = enum_key(raw)
    found = _MEASURAND_LOOSE.get(key)
    if found is not None:
        dev.note("enum_spelling:measurand")
        return found
    found = _MEASURAND_SUFFIXED.get(key)
    if found is not None:
        dev.note("measurand_phase_suffix")  # Legrand GreenUp (QUIRKS S6)
        return found
    dev.note("unknown_enum:measurand")
    return None


def _measurand_from_unit(unit: _Unit | None, dev: Deviations) -> str | None:
    """The measurand of a sampled value without one: the spec default unless the unit
    contradicts it (Alfen Eve Pro: unit "A" and no measurand, QUIRKS S10)."""
    if unit is None:
        return MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER
    measurand = _MEASURAND_BY_UNIT.get(unit[0])
    if measurand is None:
        dev.note("unknown_enum:measurand")
    elif measurand != MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER:
        dev.note("measurand_from_unit")
    return measurand


def _to_base(
    measurand: str, value: float, unit: _Unit | None, dev: Deviations
) -> tuple[str, float] | None:
    """(base unit, value in it); None when the unit cannot express the measurand."""
    expected = _MEASURAND_UNIT[measurand]
    if unit is None:
        if expected not in (UNIT_WH, UNIT_VARH, None):  # the spec's default unit is Wh
            dev.note("missing_unit")  # Autel sends power without a unit (QUIRKS M1)
        return _DEFAULT_UNIT[measurand], value
    base, scale, offset = unit
    if base != expected and expected is not None:
        dev.note("unit_mismatch")
        if base not in _ELECTRICAL or expected not in _ELECTRICAL:
            return None
        base = expected  # e.g. energy sent with unit "kW": keep the scale
    return base, value * scale + offset


def _apply_multiplier(base: tuple[str, float], raw: object, dev: Deviations) -> tuple[str, float]:
    """A power-of-ten ``multiplier`` (not OCPP 1.6; OCPP 2.x style) applied when sane."""
    dev.note("multiplier")
    if type(raw) is int and -9 <= raw <= 9:
        return base[0], base[1] * 10.0**raw
    return base


def _context(raw: object, dev: Deviations) -> str:
    """A ReadingContext; unknown ones (Alfen's "CurrentMax", QUIRKS S10) become Other."""
    if type(raw) is str and READING_CONTEXT.get(raw) == raw:
        return raw
    return opt_enum(raw, "context", READING_CONTEXT, dev) or CONTEXT_OTHER


# --- summarising -----------------------------------------------------------------------


@dataclass(slots=True)
class _Phases:
    """One measurand's values of one group, split by phase tag."""

    untagged: float | None = None
    by_phase: dict[str, float] = field(default_factory=dict)  # L1..L3 (Lx-N folded in)
    neutral: float | None = None
    line_to_line: dict[str, float] = field(default_factory=dict)  # keyed by first phase
    first: float | None = None

    def total(self) -> float | None:
        """Untagged value, else the sum over L1..L3 (a lone L1 is the total, M5)."""
        if self.untagged is not None:
            return self.untagged
        if self.by_phase:
            return sum(self.by_phase.values())
        return None

    def highest(self) -> float | None:
        """The highest phase value, else the untagged value."""
        if self.by_phase:
            return max(self.by_phase.values())
        return self.untagged

    def single(self) -> float | None:
        """The untagged value, else the first one reported."""
        return self.untagged if self.untagged is not None else self.first


def _split(samples: list[Sample]) -> _Phases:
    result = _Phases(first=samples[0].value)
    for sample in samples:
        tag = sample.phase
        if tag is None:
            result.untagged = sample.value
        elif (phase := _PHASE_OF.get(tag)) is not None:
            result.by_phase[phase] = sample.value
        elif tag == "N":
            result.neutral = sample.value
        else:
            result.line_to_line[_LINE_TO_LINE[tag]] = sample.value
    return result


def _select(
    values: Sequence[MeterValue],
) -> tuple[dict[str, list[Sample]], dict[str, str], set[str]]:
    """Per measurand, the samples of its preferred group (message, context).

    A later message wins over an earlier one, any context over Other, and Other over
    Transaction.Begin: Growatt THOR 22AS repeats the session-start register with
    context Transaction.Begin in every periodic MeterValues (QUIRKS M6).
    """
    groups: dict[str, list[Sample]] = {}
    keys: dict[str, tuple[int, int, str]] = {}
    for index, value in enumerate(values):
        for sample in value.samples:
            measurand = sample.measurand
            context = sample.context
            key = (_CONTEXT_RANK.get(context, _DEFAULT_RANK), index, context)
            held = keys.get(measurand)
            if held is not None and held[:2] > key[:2]:
                continue
            if held == key:
                groups[measurand].append(sample)
            else:  # a better group, or a later context of equal rank
                keys[measurand] = key
                groups[measurand] = [sample]
    contexts = {measurand: key[2] for measurand, key in keys.items()}
    return groups, contexts, set(keys)


def summarise(values: Sequence[MeterValue]) -> Summary:
    """Reduce parsed MeterValues to one connector's readings (SPEC §3.3)."""
    groups, contexts, seen = _select(values)
    summary = Summary(timestamp=_latest(values), measurands=frozenset(seen))
    split = {measurand: _split(samples) for measurand, samples in groups.items()}
    energy = split.get(MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER)
    if energy is not None:
        summary.energy_wh = energy.total()
        summary.energy_context = contexts[MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER]
    current = split.get(MEASURAND_CURRENT_IMPORT)
    if current is not None:
        _set_current(summary, current)
    voltage = split.get(MEASURAND_VOLTAGE)
    if voltage is not None:
        _set_voltage(summary, voltage)
    power = split.get(MEASURAND_POWER_ACTIVE_IMPORT)
    if power is not None:
        summary.power_w = power.total()
        summary.power_by_phase = power.by_phase
    _derive_power(summary, current, voltage)
    _set_others(summary, split)
    return summary


def _latest(values: Sequence[MeterValue]) -> datetime | None:
    stamps = [value.timestamp for value in values if value.timestamp is not None]
    return max(stamps) if stamps else None


def _set_current(summary: Summary, current: _Phases) -> None:
    if not current.by_phase and current.neutral is not None:
        # INJET Sonic (1-phase) reports its current on phase "N" only (QUIRKS M2)
        current.by_phase["L1"] = current.neutral
    summary.current_by_phase = current.by_phase
    summary.current_a = current.highest()


def _set_voltage(summary: Summary, voltage: _Phases) -> None:
    """Line-to-neutral voltages per phase (QUIRKS M4); an N voltage is ignored (M3)."""
    by_phase = voltage.by_phase
    for phase, line_to_line in voltage.line_to_line.items():
        if phase not in by_phase:  # some chargers report line-to-line voltages only (M4)
            by_phase[phase] = line_to_line / _SQRT3
    summary.voltage_by_phase = by_phase
    if by_phase:
        live = [v for v in by_phase.values() if v > LIVE_VOLTAGE_V] or list(by_phase.values())
        summary.voltage_v = sum(live) / len(live)
    else:
        summary.voltage_v = voltage.untagged


def _derive_power(summary: Summary, current: _Phases | None, voltage: _Phases | None) -> None:
    """Power from current x voltage when not reported, or 0 while current flows.

    Wallbox Pulsar Max reports Power.Active.Import 0 while charging (QUIRKS M11).
    """
    if current is None or voltage is None:
        return
    reported = summary.power_w
    if reported is not None and (reported != 0.0 or not _current_flows(current)):
        return
    per_phase: dict[str, float] = {}
    if current.by_phase:
        for phase, amps in current.by_phase.items():
            volts = summary.voltage_by_phase.get(phase, voltage.untagged)
            if volts is not None:
                per_phase[phase] = amps * volts
        if not per_phase:
            return
        summary.power_w = sum(per_phase.values())
    elif current.untagged is not None and summary.voltage_v is not None:
        summary.power_w = current.untagged * summary.voltage_v  # single phase
    else:
        return
    summary.power_by_phase = per_phase
    summary.power_derived = True


def _current_flows(current: _Phases) -> bool:
    highest = current.highest()
    return highest is not None and highest > CURRENT_FLOWING_A


def _set_others(summary: Summary, split: dict[str, _Phases]) -> None:
    get = split.get
    if (phases := get(MEASURAND_CURRENT_OFFERED)) is not None:
        summary.current_offered_a = phases.highest()
    if (phases := get(MEASURAND_POWER_OFFERED)) is not None:
        summary.power_offered_w = phases.total()
    if (phases := get(MEASURAND_SOC)) is not None:
        summary.soc_pct = phases.single()
    if (phases := get(MEASURAND_TEMPERATURE)) is not None:
        summary.temperature_c = phases.single()
    if (phases := get(MEASURAND_FREQUENCY)) is not None:
        summary.frequency_hz = phases.single()
    if (phases := get(MEASURAND_ENERGY_ACTIVE_EXPORT_REGISTER)) is not None:
        summary.energy_export_wh = phases.total()
    if (phases := get(MEASURAND_POWER_ACTIVE_EXPORT)) is not None:
        summary.power_export_w = phases.total()
