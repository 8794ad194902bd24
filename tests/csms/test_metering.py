"""MeterValues parsing and summarising (SPEC §3.3, QUIRKS S6–S20, M1–M6, M11)."""

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.ocpp_central.csms.lenient import Deviations
from custom_components.ocpp_central.csms.metering import (
    MEASURAND_CURRENT_IMPORT,
    MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER,
    MEASURAND_FREQUENCY,
    MEASURAND_POWER_ACTIVE_IMPORT,
    MEASURAND_SOC,
    MEASURAND_TEMPERATURE,
    MEASURAND_VOLTAGE,
    MeterValue,
    Sample,
    Summary,
    parse_meter_values,
    parse_sampled_value,
    summarise,
)

from . import meter_payloads as payloads
from .meter_payloads import NOW


def _parse(payload: dict[str, Any], dev: Deviations | None = None) -> list[MeterValue]:
    return parse_meter_values(payload["meter_value"], dev or Deviations(), now=NOW)


def _summary(payload: dict[str, Any], dev: Deviations | None = None) -> Summary:
    return summarise(_parse(payload, dev))


def _sv(dev: Deviations, **fields: object) -> Sample | None:
    return parse_sampled_value(fields, dev)


# --- parsing: shape --------------------------------------------------------------------


def test_typical_message_parses_cleanly() -> None:
    dev = Deviations()
    values = _parse(payloads.TYPICAL_3_PHASE, dev)
    assert dev.counts == {}
    assert len(values) == 1
    assert values[0].timestamp == datetime(2026, 11, 24, 11, 59, tzinfo=UTC)
    first = values[0].samples[0]
    assert first == Sample(
        MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER, 1234567.8, None, "Sample.Periodic", "Outlet", "Wh"
    )
    assert len(values[0].samples) == 10


def test_huawei_lone_object_in_kwh() -> None:
    # Huawei SCharger: meterValue as one object, energy in kWh (QUIRKS S14)
    dev = Deviations()
    values = _parse(payloads.HUAWEI_KWH_OBJECT, dev)
    assert len(values) == 1
    sample = values[0].samples[0]
    assert sample.value == pytest.approx(1530250.0)
    assert sample.unit == "Wh"
    assert sample.context == "Transaction.Begin"
    assert dev.counts == {"meter_value_object": 1}
    summary = summarise(values)
    assert summary.energy_wh == pytest.approx(1530250.0)
    assert summary.energy_context == "Transaction.Begin"


def test_vestel_empty_sampled_value_skipped_silently() -> None:
    # Vestel EVC04 sends "sampledValue": [] (QUIRKS S15)
    dev = Deviations()
    values = _parse(payloads.VESTEL_EMPTY, dev)
    assert len(values) == 1
    assert values[0].samples[0].value == 100.0
    assert dev.counts == {}


@pytest.mark.parametrize("raw", [None, [], "garbage", 5])
def test_unusable_meter_value_field(raw: object) -> None:
    assert parse_meter_values(raw, Deviations(), now=NOW) == []


def test_bad_entries_do_not_drop_others() -> None:
    dev = Deviations()
    raw = [
        "not an object",
        {"timestamp": "2026-11-24T11:00:00Z", "sampled_value": "nope"},
        {
            "timestamp": "2026-11-24T11:00:00Z",
            "sampled_value": [
                {"value": "abc", "measurand": "Voltage"},
                None,
                {"value": "230", "measurand": "Voltage", "unit": "V"},
                {"value": "1", "measurand": "Bogus.Measurand"},
                {"measurand": "Voltage"},
            ],
        },
    ]
    values = parse_meter_values(raw, dev, now=NOW)
    assert [s.value for s in values[0].samples] == [230.0]
    assert dev.counts == {
        "bad_meter_value": 2,
        "bad_sampled_value": 3,
        "unknown_enum:measurand": 1,
    }


def test_all_samples_bad_drops_the_entry() -> None:
    raw = [{"timestamp": "2026-11-24T11:00:00Z", "sampled_value": [{"value": "x"}]}]
    assert parse_meter_values(raw, Deviations(), now=NOW) == []


def test_lone_sampled_value_object_wrapped() -> None:
    dev = Deviations()
    raw = [{"timestamp": "2026-11-24T11:00:00Z", "sampled_value": {"value": "5"}}]
    values = parse_meter_values(raw, dev, now=NOW)
    assert values[0].samples[0].value == 5.0
    assert dev.counts == {"meter_value_object": 1}


def test_timestamp_rules() -> None:
    # Growatt THOR zone-less local time (QUIRKS S16), in the charger's zone
    dev = Deviations()
    values = parse_meter_values(
        payloads.GROWATT_ZONELESS["meter_value"],
        dev,
        now=NOW,
        tz=datetime(2023, 10, 19, tzinfo=UTC).astimezone().tzinfo,
    )
    assert values[0].timestamp is not None
    assert dev.counts == {"timestamp_without_zone": 1}
    # MicroOcpp 1970 stamps (QUIRKS T8): None, the caller uses the receive time
    dev = Deviations()
    values = _parse(payloads.MICROOCPP_1970, dev)
    assert values[0].timestamp is None
    assert values[0].samples[0].value == 604.0
    assert dev.counts == {"implausible_timestamp:timestamp": 1}
    # missing timestamp
    dev = Deviations()
    values = parse_meter_values([{"sampled_value": [{"value": "1"}]}], dev, now=NOW)
    assert values[0].timestamp is None
    assert dev.counts == {"missing:timestamp": 1}


# --- parsing: values -------------------------------------------------------------------


def test_openevse_numeric_values() -> None:
    # OpenEVSE (MicroOcpp) sends values as JSON numbers (QUIRKS S12)
    dev = Deviations()
    values = _parse(payloads.OPENEVSE_NUMBERS, dev)
    assert [s.value for s in values[0].samples] == [604.213, 0.0]
    assert dev.counts == {"value_as_number": 2}


def test_enercab_padded_values() -> None:
    # Enercab smart / eledio go pad values: " 5" (QUIRKS S20)
    dev = Deviations()
    summary = _summary(payloads.ENERCAB_PADDED, dev)
    assert summary.current_a == 5.0
    assert summary.energy_wh == 2300.0
    assert dev.counts == {"value_padded": 2}


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", True, None, "", [], "1,5"])
def test_unusable_values(value: object) -> None:
    dev = Deviations()
    assert _sv(dev, value=value, measurand="Voltage", unit="V") is None
    assert dev.counts == {"bad_sampled_value": 1}


def test_signed_data_skipped() -> None:
    dev = Deviations()
    assert _sv(dev, value="AABBCC", format="SignedData") is None
    assert dev.counts == {"signed_data": 1}
    assert _sv(dev, value="5", format="raw") is not None  # spelling noted, kept
    assert dev.counts["enum_spelling:format"] == 1


# --- parsing: units --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measurand", "unit", "value", "expected", "base"),
    [
        ("Energy.Active.Import.Register", "kWh", "1.5", 1500.0, "Wh"),
        ("Energy.Reactive.Import.Register", "kvarh", "2", 2000.0, "varh"),
        ("Power.Active.Import", "kW", "7.2", 7200.0, "W"),
        ("Power.Reactive.Import", "kvar", "0.5", 500.0, "var"),
        ("Current.Import", "A", "16", 16.0, "A"),
        ("Voltage", "V", "230", 230.0, "V"),
        ("SoC", "Percent", "80", 80.0, "Percent"),
        ("Temperature", "Celsius", "30", 30.0, "Celsius"),
        ("Temperature", "K", "300", 26.85, "Celsius"),
        ("Temperature", "Fahrenheit", "212", 100.0, "Celsius"),
        ("Frequency", "Hertz", "50", 50.0, "Hertz"),
    ],
)
def test_spec_units(measurand: str, unit: str, value: str, expected: float, base: str) -> None:
    dev = Deviations()
    sample = _sv(dev, value=value, measurand=measurand, unit=unit)
    assert sample is not None
    assert sample.value == pytest.approx(expected)
    assert sample.unit == base
    assert dev.counts == {}


def test_oncharger_celcius_spelling_accepted_silently() -> None:
    # oncharger: "Celcius", the spec's own spelling (QUIRKS S9)
    dev = Deviations()
    summary = _summary(payloads.ONCHARGER_CELCIUS, dev)
    assert summary.temperature_c == 41.5
    assert dev.counts == {}


def test_chargeamps_hz() -> None:
    # ChargeAmps Halo sends unit "Hz" (QUIRKS S8): normalised, the rest of the message kept
    dev = Deviations()
    summary = _summary(payloads.CHARGEAMPS_HZ, dev)
    assert summary.frequency_hz == 50.02
    assert summary.energy_wh == 4321000.0
    assert summary.power_w == pytest.approx(7200.0)
    assert dev.counts == {"enum_spelling:unit": 1}
    sample = _parse(payloads.CHARGEAMPS_HZ)[0].samples[0]
    assert sample.unit == "Hertz"


@pytest.mark.parametrize(
    ("unit", "expected"), [("KW", 7200.0), ("kw", 7200.0), ("Kw", 7200.0), ("w", 7.2)]
)
def test_unit_case_tolerated(unit: str, expected: float) -> None:
    dev = Deviations()
    sample = _sv(dev, value="7.2", measurand="Power.Active.Import", unit=unit)
    assert sample is not None
    assert sample.value == pytest.approx(expected)
    assert dev.counts == {"enum_spelling:unit": 1}


def test_unit_aliases_and_cased_prefixes() -> None:
    dev = Deviations()
    soc = _sv(dev, value="55", measurand="SoC", unit="%")
    milli = _sv(dev, value="1500", measurand="Current.Import", unit="mA")
    mega = _sv(dev, value="1.2", measurand="Energy.Active.Import.Register", unit="MWh")
    assert soc is not None
    assert milli is not None
    assert mega is not None
    assert (soc.value, soc.unit) == (55.0, "Percent")
    assert milli.value == pytest.approx(1.5)
    assert mega.value == pytest.approx(1_200_000.0)
    assert dev.counts == {"enum_spelling:unit": 1}


def test_unknown_or_contradicting_unit_dropped() -> None:
    dev = Deviations()
    assert _sv(dev, value="5", measurand="Voltage", unit="furlongs") is None
    assert _sv(dev, value="5", measurand="Voltage", unit="A") is None
    assert dev.counts == {"unknown_enum:unit": 1, "unit_mismatch": 1}


def test_electrical_unit_swap_keeps_scale() -> None:
    # energy register labelled "kW": the scale is kept, the unit corrected
    dev = Deviations()
    sample = _sv(dev, value="2.5", measurand="Energy.Active.Import.Register", unit="kW")
    assert sample is not None
    assert (sample.value, sample.unit) == (2500.0, "Wh")
    assert dev.counts == {"unit_mismatch": 1}


def test_autel_missing_unit_inferred() -> None:
    # Autel MaxiCharger sends power without a unit, in W (QUIRKS M1)
    dev = Deviations()
    values = _parse(payloads.AUTEL_NO_UNIT, dev)
    power, current = values[0].samples
    assert (power.value, power.unit) == (500.38, "W")
    assert (current.value, current.unit) == (2.2, "A")
    assert dev.counts == {"missing_unit": 2}


def test_missing_unit_defaults() -> None:
    dev = Deviations()
    cases = {
        "Energy.Active.Import.Register": "Wh",
        "Voltage": "V",
        "SoC": "Percent",
        "Temperature": "Celsius",
        "Frequency": "Hertz",
        "Power.Factor": "",
        "RPM": "rpm",
    }
    for measurand, unit in cases.items():
        sample = _sv(dev, value="1", measurand=measurand)
        assert sample is not None
        assert sample.unit == unit


def test_multiplier() -> None:
    dev = Deviations()
    sample = _sv(dev, value="15", measurand="Energy.Active.Import.Register", multiplier=3)
    assert sample is not None
    assert sample.value == 15000.0
    assert dev.counts == {"multiplier": 1}


# --- parsing: measurands, phases, contexts ---------------------------------------------


def test_alfen_without_measurand_uses_unit() -> None:
    # Alfen Eve Pro: unit "A" and no measurand, context "CurrentMax" (QUIRKS S10)
    dev = Deviations()
    values = _parse(payloads.ALFEN_NO_MEASURAND, dev)
    samples = values[0].samples
    assert [s.measurand for s in samples[:3]] == [MEASURAND_CURRENT_IMPORT] * 3
    assert [s.context for s in samples[:3]] == ["Other"] * 3
    assert samples[3].measurand == MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER  # spec default
    assert values[0].timestamp == datetime(2020, 6, 1, 10, 0, tzinfo=UTC)
    assert dev.counts == {"measurand_from_unit": 3, "unknown_enum:context": 3}
    summary = summarise(values)
    assert summary.energy_wh == 880123.0
    assert summary.current_a == 15.8


@pytest.mark.parametrize(
    ("unit", "measurand"),
    [
        ("V", MEASURAND_VOLTAGE),
        ("W", MEASURAND_POWER_ACTIVE_IMPORT),
        ("kW", MEASURAND_POWER_ACTIVE_IMPORT),
        ("Percent", MEASURAND_SOC),
        ("Celsius", MEASURAND_TEMPERATURE),
        ("Hz", MEASURAND_FREQUENCY),
        ("kWh", MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER),
    ],
)
def test_measurand_inferred_from_unit(unit: str, measurand: str) -> None:
    sample = _sv(Deviations(), value="1", unit=unit)
    assert sample is not None
    assert sample.measurand == measurand


def test_measurand_case_insensitive() -> None:
    dev = Deviations()
    sample = _sv(dev, value="1", measurand="energy.active.import.register")
    assert sample is not None
    assert sample.measurand == MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER
    assert dev.counts == {"enum_spelling:measurand": 1}


def test_legrand_phase_suffixed_measurands() -> None:
    # Legrand GreenUp: "Current.Import.L1" (QUIRKS S6)
    dev = Deviations()
    values = _parse(payloads.LEGRAND_SUFFIXED, dev)
    assert [(s.measurand, s.phase) for s in values[0].samples] == [
        (MEASURAND_CURRENT_IMPORT, "L1"),
        (MEASURAND_CURRENT_IMPORT, "L2"),
        (MEASURAND_CURRENT_IMPORT, "L3"),
    ]
    assert dev.counts == {"measurand_phase_suffix": 3}
    assert summarise(values).current_a == 12.5


def test_phase_spellings_and_unknown_phase() -> None:
    dev = Deviations()
    sample = _sv(dev, value="230", measurand="Voltage", unit="V", phase="l1-n")
    assert sample is not None
    assert sample.phase == "L1-N"
    assert _sv(dev, value="230", measurand="Voltage", unit="V", phase="L4") is None
    assert dev.counts == {"enum_spelling:phase": 1, "unknown_enum:phase": 1}


def test_context_and_location() -> None:
    dev = Deviations()
    sample = _sv(dev, value="1", context="transaction.end", location="Spaceship")
    assert sample is not None
    assert sample.context == "Transaction.End"
    assert sample.location is None
    assert dev.counts == {"enum_spelling:context": 1, "unknown_enum:location": 1}


# --- summarising: energy ---------------------------------------------------------------


def test_typical_summary() -> None:
    summary = _summary(payloads.TYPICAL_3_PHASE)
    assert summary.timestamp == datetime(2026, 11, 24, 11, 59, tzinfo=UTC)
    assert summary.energy_wh == 1234567.8
    assert summary.energy_context == "Sample.Periodic"
    assert summary.power_w == pytest.approx(11050.0)
    assert summary.power_derived is False
    assert summary.current_a == 16.1
    assert summary.current_by_phase == {"L1": 16.0, "L2": 16.1, "L3": 15.9}
    assert summary.voltage_by_phase == {"L1": 230.1, "L2": 231.0, "L3": 229.5}
    assert summary.voltage_v == pytest.approx(230.2)
    assert summary.current_offered_a == 16.0
    assert summary.temperature_c == 35.5
    assert summary.soc_pct is None
    assert summary.measurands == {
        "Energy.Active.Import.Register",
        "Power.Active.Import",
        "Current.Import",
        "Voltage",
        "Current.Offered",
        "Temperature",
    }


def test_growatt_transaction_begin_never_overrides_periodic() -> None:
    # Growatt THOR 22AS repeats the session-start register as Transaction.Begin (QUIRKS M6)
    summary = _summary(payloads.GROWATT_DOUBLE_EAIR)
    assert summary.energy_wh == 163630.0
    assert summary.energy_context == "Sample.Periodic"
    # also when the Transaction.Begin value comes first
    reordered = dict(payloads.GROWATT_DOUBLE_EAIR)
    entry = dict(reordered["meter_value"][0])
    entry["sampled_value"] = list(reversed(entry["sampled_value"]))
    reordered["meter_value"] = [entry]
    assert _summary(reordered).energy_wh == 163630.0


def test_transaction_begin_used_when_alone() -> None:
    begin = Sample(MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER, 10.0, context="Transaction.Begin")
    summary = summarise([MeterValue(NOW, [begin])])
    assert summary.energy_wh == 10.0
    assert summary.energy_context == "Transaction.Begin"


def test_several_messages_last_wins_begin_loses() -> None:
    eair = MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER
    values = [
        MeterValue(NOW, [Sample(eair, 100.0, context="Transaction.Begin")]),
        MeterValue(NOW, [Sample(eair, 200.0, context="Sample.Periodic")]),
        MeterValue(NOW, [Sample(eair, 300.0, context="Sample.Clock")]),
        MeterValue(NOW, [Sample(eair, 150.0, context="Transaction.Begin")]),
    ]
    summary = summarise(values)
    assert summary.energy_wh == 300.0
    assert summary.energy_context == "Sample.Clock"
    values.append(MeterValue(NOW, [Sample(eair, 400.0, context="Transaction.End")]))
    assert summarise(values).energy_wh == 400.0


def test_energy_untagged_preferred_then_phase_sum() -> None:
    eair = MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER
    phases = [Sample(eair, 1000.0, "L1"), Sample(eair, 1100.0, "L2"), Sample(eair, 900.0, "L3")]
    assert summarise([MeterValue(NOW, phases)]).energy_wh == 3000.0
    with_total = [*phases, Sample(eair, 3001.0)]
    assert summarise([MeterValue(NOW, with_total)]).energy_wh == 3001.0


def test_single_phase_l1_energy_is_total() -> None:
    # single-phase chargers tag the register "L1" (QUIRKS M5)
    assert _summary(payloads.SINGLE_PHASE_L1_EAIR).energy_wh == 9876.0


def test_export_values() -> None:
    values = [
        MeterValue(
            NOW,
            [
                Sample("Energy.Active.Export.Register", 12.0, unit="Wh"),
                Sample("Power.Active.Export", 100.0, "L1", unit="W"),
                Sample("Power.Active.Export", 50.0, "L2", unit="W"),
                Sample("Power.Offered", 11000.0, unit="W"),
                Sample("SoC", 64.0, unit="Percent"),
            ],
        )
    ]
    summary = summarise(values)
    assert summary.energy_export_wh == 12.0
    assert summary.power_export_w == 150.0
    assert summary.power_offered_w == 11000.0
    assert summary.soc_pct == 64.0
    assert summary.energy_wh is None
    assert summary.power_w is None


def test_empty_summary() -> None:
    summary = summarise([])
    assert summary == Summary()
    assert summary.measurands == frozenset()


# --- summarising: power, current, voltage ----------------------------------------------


def test_power_phase_sum_ignores_neutral() -> None:
    power = MEASURAND_POWER_ACTIVE_IMPORT
    samples = [
        Sample(power, 3000.0, "L1", unit="W"),
        Sample(power, 3100.0, "L2-N", unit="W"),
        Sample(power, 2900.0, "L3", unit="W"),
        Sample(power, 50.0, "N", unit="W"),
    ]
    summary = summarise([MeterValue(NOW, samples)])
    assert summary.power_w == 9000.0
    assert summary.power_by_phase == {"L1": 3000.0, "L2": 3100.0, "L3": 2900.0}
    assert summary.power_derived is False


def test_syncev_neutral_voltage_ignored() -> None:
    # SyncEV Compact sends Voltage N = 0 next to L1-N (QUIRKS M3)
    summary = _summary(payloads.SYNCEV_N_VOLTAGE)
    assert summary.voltage_v == 231.4
    assert summary.voltage_by_phase == {"L1": 231.4}
    assert summary.power_w == pytest.approx(2314.0)
    assert summary.power_derived is True


def test_injet_kw_power_and_neutral_current() -> None:
    # INJET Sonic: power in kW, current on phase N only (QUIRKS M2)
    summary = _summary(payloads.INJET_KW_N_CURRENT)
    assert summary.power_w == pytest.approx(3500.0)
    assert summary.power_derived is False
    assert summary.current_a == 15.6
    assert summary.current_by_phase == {"L1": 15.6}
    assert summary.voltage_v == 229.0
    assert summary.energy_wh == 24560.0


def test_wallbox_zero_power_while_charging_derived() -> None:
    # Wallbox Pulsar Max reports 0 W while current flows (QUIRKS M11); bare Lx voltages
    # are line-to-neutral (M4)
    summary = _summary(payloads.WALLBOX_POWER_ZERO)
    assert summary.power_w == pytest.approx(3 * 10.0 * 230.0)
    assert summary.power_derived is True
    assert summary.power_by_phase == pytest.approx({"L1": 2300.0, "L2": 2300.0, "L3": 2300.0})
    assert summary.voltage_v == 230.0


def test_zero_power_believed_when_no_current() -> None:
    samples = [
        Sample(MEASURAND_POWER_ACTIVE_IMPORT, 0.0, unit="W"),
        Sample(MEASURAND_CURRENT_IMPORT, 0.3, "L1", unit="A"),
        Sample(MEASURAND_VOLTAGE, 230.0, "L1", unit="V"),
    ]
    summary = summarise([MeterValue(NOW, samples)])
    assert summary.power_w == 0.0
    assert summary.power_derived is False


def test_three_phase_no_power_derived() -> None:
    summary = _summary(payloads.THREE_PHASE_NO_POWER)
    assert summary.power_w == pytest.approx(16 * 230 + 15 * 232 + 14 * 228)
    assert summary.power_derived is True
    assert summary.current_a == 16.0
    assert summary.voltage_v == pytest.approx(230.0)


def test_line_to_line_voltages() -> None:
    # line-to-line voltages ÷ √3; current tagged "L1-N" is the L1 current (QUIRKS M4)
    summary = _summary(payloads.LINE_TO_LINE)
    per_phase = 400.0 / math.sqrt(3.0)
    assert summary.voltage_by_phase == pytest.approx(
        {"L1": per_phase, "L2": per_phase, "L3": per_phase}
    )
    assert summary.voltage_v == pytest.approx(per_phase)
    assert summary.current_by_phase == {"L1": 10.0, "L2": 10.0, "L3": 10.0}
    assert summary.power_w == pytest.approx(3 * 10.0 * per_phase)
    assert summary.power_derived is True


def test_line_to_neutral_preferred_over_line_to_line() -> None:
    samples = [
        Sample(MEASURAND_VOLTAGE, 400.0, "L1-L2", unit="V"),
        Sample(MEASURAND_VOLTAGE, 229.0, "L1-N", unit="V"),
    ]
    assert summarise([MeterValue(NOW, samples)]).voltage_by_phase == {"L1": 229.0}


def test_untagged_current_and_voltage_single_phase() -> None:
    samples = [
        Sample(MEASURAND_CURRENT_IMPORT, 16.0, unit="A"),
        Sample(MEASURAND_VOLTAGE, 230.0, unit="V"),
    ]
    summary = summarise([MeterValue(NOW, samples)])
    assert summary.power_w == pytest.approx(3680.0)
    assert summary.power_derived is True
    assert summary.current_a == 16.0
    assert summary.voltage_v == 230.0


def test_phase_currents_with_untagged_voltage() -> None:
    samples = [
        Sample(MEASURAND_CURRENT_IMPORT, 10.0, "L1", unit="A"),
        Sample(MEASURAND_CURRENT_IMPORT, 10.0, "L2", unit="A"),
        Sample(MEASURAND_VOLTAGE, 230.0, unit="V"),
    ]
    assert summarise([MeterValue(NOW, samples)]).power_w == pytest.approx(4600.0)


def test_no_voltage_no_derivation() -> None:
    samples = [Sample(MEASURAND_CURRENT_IMPORT, 10.0, "L1", unit="A")]
    summary = summarise([MeterValue(NOW, samples)])
    assert summary.power_w is None
    assert summary.power_derived is False


def test_neutral_only_voltage_ignored() -> None:
    samples = [
        Sample(MEASURAND_VOLTAGE, 0.0, "N", unit="V"),
        Sample(MEASURAND_CURRENT_IMPORT, 10.0, "L1", unit="A"),
    ]
    summary = summarise([MeterValue(NOW, samples)])
    assert summary.voltage_v is None
    assert summary.power_w is None


def test_dead_phases_left_out_of_voltage_average() -> None:
    # a 3-phase charger on a single-phase supply reports ~0 V on L2/L3
    samples = [
        Sample(MEASURAND_VOLTAGE, 231.0, "L1-N", unit="V"),
        Sample(MEASURAND_VOLTAGE, 0.4, "L2-N", unit="V"),
        Sample(MEASURAND_VOLTAGE, 0.0, "L3-N", unit="V"),
    ]
    assert summarise([MeterValue(NOW, samples)]).voltage_v == 231.0
    dead = [Sample(MEASURAND_VOLTAGE, 0.0, "L1", unit="V")]
    assert summarise([MeterValue(NOW, dead)]).voltage_v == 0.0


def test_soc_temperature_untagged_or_first() -> None:
    samples = [
        Sample(MEASURAND_TEMPERATURE, 40.0, "L1", location="Body", unit="Celsius"),
        Sample(MEASURAND_TEMPERATURE, 45.0, "L2", location="Outlet", unit="Celsius"),
    ]
    assert summarise([MeterValue(NOW, samples)]).temperature_c == 40.0
    samples.append(Sample(MEASURAND_TEMPERATURE, 33.0, unit="Celsius"))
    assert summarise([MeterValue(NOW, samples)]).temperature_c == 33.0


def test_summary_timestamp_is_latest() -> None:
    eair = MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER
    early = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    values = [
        MeterValue(NOW, [Sample(eair, 2.0)]),
        MeterValue(early, [Sample(eair, 1.0)]),
        MeterValue(None, [Sample(eair, 3.0)]),
    ]
    assert summarise(values).timestamp == NOW


def test_odd_types_and_units_noted() -> None:
    dev = Deviations()
    assert _sv(dev, value="1", measurand="Voltage", unit=5) is None
    assert _sv(dev, value="1", measurand=5) is None
    assert _sv(dev, value="1", unit="VA") is None  # no measurand and no measurand for VA
    assert dev.counts == {"unknown_enum:unit": 1, "unknown_enum:measurand": 2}


def test_insane_multiplier_ignored() -> None:
    dev = Deviations()
    for multiplier in (20, "3", 1.5):
        sample = _sv(dev, value="15", measurand="Voltage", unit="V", multiplier=multiplier)
        assert sample is not None
        assert sample.value == 15.0
    assert dev.counts == {"multiplier": 3}


def test_neutral_only_energy_is_not_a_total() -> None:
    samples = [Sample(MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER, 5.0, "N")]
    summary = summarise([MeterValue(NOW, samples)])
    assert summary.energy_wh is None
    assert summary.measurands == {MEASURAND_ENERGY_ACTIVE_IMPORT_REGISTER}


def test_no_common_phase_no_derivation() -> None:
    samples = [
        Sample(MEASURAND_CURRENT_IMPORT, 10.0, "L1", unit="A"),
        Sample(MEASURAND_VOLTAGE, 230.0, "L2", unit="V"),
    ]
    summary = summarise([MeterValue(NOW, samples)])
    assert summary.power_w is None
    assert summary.power_derived is False


def test_line_to_line_current_not_used() -> None:
    samples = [
        Sample(MEASURAND_CURRENT_IMPORT, 10.0, "L1-L2", unit="A"),
        Sample(MEASURAND_VOLTAGE, 230.0, unit="V"),
    ]
    summary = summarise([MeterValue(NOW, samples)])
    assert summary.current_a is None
    assert summary.power_w is None
