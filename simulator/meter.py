"""Electrical readings and their OCPP 1.6 ``sampledValue`` representation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
POWER_OFFERED = "Power.Offered"
CURRENT = "Current.Import"
CURRENT_OFFERED = "Current.Offered"
VOLTAGE = "Voltage"
FREQUENCY = "Frequency"
SOC = "SoC"
TEMPERATURE = "Temperature"

# Measurands this simulated meter can actually produce.
SUPPORTED_MEASURANDS: frozenset[str] = frozenset(
    {ENERGY, POWER, POWER_OFFERED, CURRENT, CURRENT_OFFERED, VOLTAGE, FREQUENCY, SOC, TEMPERATURE}
)

# Every measurand name the OCPP 1.6 schema accepts.
OCPP_MEASURANDS: frozenset[str] = frozenset(
    {
        "Energy.Active.Export.Register",
        "Energy.Active.Import.Register",
        "Energy.Reactive.Export.Register",
        "Energy.Reactive.Import.Register",
        "Energy.Active.Export.Interval",
        "Energy.Active.Import.Interval",
        "Energy.Reactive.Export.Interval",
        "Energy.Reactive.Import.Interval",
        "Power.Active.Export",
        "Power.Active.Import",
        "Power.Offered",
        "Power.Reactive.Export",
        "Power.Reactive.Import",
        "Power.Factor",
        "Current.Import",
        "Current.Export",
        "Current.Offered",
        "Voltage",
        "Frequency",
        "Temperature",
        "SoC",
        "RPM",
    }
)

PHASES = ("L1", "L2", "L3")


@dataclass(frozen=True, slots=True)
class Reading:
    """A consistent snapshot of one connector's meter.

    ``current_a`` is the current per phase; ``power_w == phases * voltage_v * current_a``.
    """

    energy_wh: float
    power_w: float = 0.0
    phases: int = 3
    voltage_v: float = 230.0
    current_a: float = 0.0
    offered_a: float = 0.0
    offered_w: float = 0.0
    soc: float | None = None
    temperature_c: float = 25.0
    frequency_hz: float = 50.0


def parse_measurands(value: str) -> list[str]:
    """Split a ``MeterValuesSampledData`` value ("a,b, c") into measurand names."""
    return [item.strip() for item in value.split(",") if item.strip()]


def unsupported_measurands(names: Iterable[str], refused: Iterable[str] = ()) -> list[str]:
    """Return the names this meter cannot sample (unknown, unsupported, or refused)."""
    refused_set = set(refused)
    return [n for n in names if n not in SUPPORTED_MEASURANDS or n in refused_set]


def energy_sample(energy_wh: float, context: str = "Sample.Periodic") -> dict[str, Any]:
    """The lifetime import register as a ``sampledValue`` in Wh."""
    return {"value": str(round(energy_wh)), "context": context, "measurand": ENERGY, "unit": "Wh"}


def sampled_values(
    reading: Reading, measurands: Iterable[str], context: str = "Sample.Periodic"
) -> list[dict[str, Any]]:
    """Render ``reading`` as ``sampledValue`` dicts, exactly for ``measurands`` (in order)."""
    samples: list[dict[str, Any]] = []
    for measurand in measurands:
        samples.extend(_samples_for(reading, measurand))
    for sample in samples:
        sample["context"] = context
    return samples


def _samples_for(reading: Reading, measurand: str) -> list[dict[str, Any]]:
    match measurand:
        case "Energy.Active.Import.Register":
            return [energy_sample(reading.energy_wh)]
        case "Power.Active.Import":
            return [_sample(POWER, f"{reading.power_w:.1f}", "W")]
        case "Power.Offered":
            return [_sample(POWER_OFFERED, f"{reading.offered_w:.1f}", "W")]
        case "Current.Import":
            return _per_phase(CURRENT, f"{reading.current_a:.2f}", "A", reading.phases, "")
        case "Current.Offered":
            return [_sample(CURRENT_OFFERED, f"{reading.offered_a:.1f}", "A")]
        case "Voltage":
            return _per_phase(VOLTAGE, f"{reading.voltage_v:.1f}", "V", reading.phases, "-N")
        case "Frequency":
            return [_sample(FREQUENCY, f"{reading.frequency_hz:.2f}", "Hertz")]
        case "SoC":
            return _soc_sample(reading.soc)
        case "Temperature":
            sample = _sample(TEMPERATURE, f"{reading.temperature_c:.1f}", "Celsius")
            return [sample | {"location": "Body"}]
    return []


def _sample(measurand: str, value: str, unit: str) -> dict[str, Any]:
    return {"value": value, "measurand": measurand, "unit": unit}


def _per_phase(
    measurand: str, value: str, unit: str, phases: int, suffix: str
) -> list[dict[str, Any]]:
    return [
        _sample(measurand, value, unit) | {"phase": phase + suffix} for phase in PHASES[:phases]
    ]


def _soc_sample(soc: float | None) -> list[dict[str, Any]]:
    if soc is None:
        return []
    return [_sample(SOC, str(round(soc)), "Percent") | {"location": "EV"}]
