"""Lenient field parsers (SPEC §6.2, QUIRKS section 3 item 1)."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from custom_components.ocpp_central.csms.lenient import (
    CHARGE_POINT_ERROR_CODE,
    CHARGE_POINT_STATUS,
    DIAGNOSTICS_STATUS,
    FIRMWARE_STATUS,
    LOCATION,
    MAX_DEVIATION_KEYS,
    MEASURAND,
    OCCURENCE_CONSTRAINT,
    PHASE,
    PROPERTY_CONSTRAINT,
    READING_CONTEXT,
    REASON,
    TYPE_CONSTRAINT,
    VALUE_FORMAT,
    Deviations,
    Unusable,
    enum_table,
    error_code,
    iso_utc,
    opt_bool,
    opt_enum,
    opt_float,
    opt_int,
    opt_str,
    opt_timestamp,
    require_enum,
    require_float,
    require_int,
    require_str,
)

NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def dev() -> Deviations:
    return Deviations()


# --- Deviations ------------------------------------------------------------------------


def test_deviations_count_and_copy(dev: Deviations) -> None:
    dev.note("a")
    dev.note("a")
    dev.note("b")
    snapshot = dev.as_dict()
    assert snapshot == {"a": 2, "b": 1}
    snapshot["a"] = 99
    assert dev.counts["a"] == 2


def test_deviations_bounded(dev: Deviations) -> None:
    for i in range(MAX_DEVIATION_KEYS + 50):
        dev.note(f"key{i}")
    dev.note("key0")  # known keys still count
    assert len(dev.counts) == MAX_DEVIATION_KEYS
    assert dev.counts["key0"] == 2
    assert dev.counts["other"] == 51
    assert sum(dev.counts.values()) == MAX_DEVIATION_KEYS + 51


def test_unusable_carries_field_and_code() -> None:
    err = Unusable("connector_id", TYPE_CONSTRAINT)
    assert err.field == "connector_id"
    assert err.code == "TypeConstraintViolation"
    assert "connector_id" in str(err)


# --- strings ---------------------------------------------------------------------------


def test_opt_str_plain(dev: Deviations) -> None:
    assert opt_str("  ABC  ", "id_tag", dev, 20) == "  ABC  "  # not stripped
    assert opt_str(None, "id_tag", dev) is None
    assert dev.counts == {}


def test_opt_str_ocular_trailing_control_bytes(dev: Deviations) -> None:
    # Ocular LTE Plus echoes a 20-char idTag plus 0x10 0x0E in StopTransaction (QUIRKS S3)
    tag = "A" * 20
    assert opt_str(tag + "\x10\x0e", "id_tag", dev, 20) == tag
    assert dev.counts == {"control_chars:id_tag": 1}


def test_opt_str_sigen_overlong_kept(dev: Deviations) -> None:
    # Sigen EVDC: 20-char tag + "-" (QUIRKS S4); Schneider EVlink 34-char serial (S1)
    assert opt_str("B" * 20 + "-", "id_tag", dev, 20) == "B" * 20 + "-"
    serial = "S" * 34
    assert opt_str(serial, "charge_box_serial_number", dev, 25) == serial
    assert dev.counts == {"too_long:id_tag": 1, "too_long:charge_box_serial_number": 1}


def test_opt_str_number_as_string(dev: Deviations) -> None:
    # GetConfiguration value sent as a JSON integer (QUIRKS S13)
    assert opt_str(1, "value", dev) == "1"
    assert opt_str(2.5, "value", dev) == "2.5"
    assert opt_str(Decimal("3.25"), "value", dev) == "3.25"
    assert dev.counts == {"number_as_string:value": 3}


@pytest.mark.parametrize("value", [True, {"a": 1}, [1], object()])
def test_opt_str_bad_type(dev: Deviations, value: object) -> None:
    assert opt_str(value, "vendor", dev) is None
    assert dev.counts == {"bad_type:vendor": 1}


def test_require_str(dev: Deviations) -> None:
    assert require_str("x", "id_tag", dev) == "x"
    with pytest.raises(Unusable) as missing:
        require_str(None, "id_tag", dev)
    assert missing.value.code == OCCURENCE_CONSTRAINT
    with pytest.raises(Unusable) as bad:
        require_str([], "id_tag", dev)
    assert bad.value.code == TYPE_CONSTRAINT
    assert bad.value.field == "id_tag"


# --- integers --------------------------------------------------------------------------


def test_opt_int_exact(dev: Deviations) -> None:
    assert opt_int(3, "connector_id", dev) == 3
    assert opt_int(None, "connector_id", dev) is None
    # Alfen Eve Pro's int64-max transactionId stays exact (QUIRKS S10)
    assert opt_int(9223372036854775807, "transaction_id", dev) == 2**63 - 1
    assert dev.counts == {}


@pytest.mark.parametrize(("value", "expected"), [(" 42 ", 42), ("-1", -1), ("7.0", 7)])
def test_opt_int_from_string(dev: Deviations, value: str, expected: int) -> None:
    assert opt_int(value, "transaction_id", dev) == expected
    assert dev.counts == {"string_as_number:transaction_id": 1}


def test_opt_int_integral_float(dev: Deviations) -> None:
    assert opt_int(5.0, "meter_start", dev) == 5
    assert opt_int(Decimal(6), "meter_start", dev) == 6
    assert dev.counts == {"float_as_int:meter_start": 2}


@pytest.mark.parametrize(
    "value", [True, False, 1.5, float("nan"), float("inf"), "abc", "1_000", "", [], {}]
)
def test_opt_int_unusable(dev: Deviations, value: object) -> None:
    assert opt_int(value, "connector_id", dev) is None
    assert dev.counts == {"bad_int:connector_id": 1}


def test_require_int(dev: Deviations) -> None:
    assert require_int("2", "connector_id", dev) == 2
    with pytest.raises(Unusable) as missing:
        require_int(None, "connector_id", dev)
    assert (missing.value.field, missing.value.code) == ("connector_id", OCCURENCE_CONSTRAINT)
    with pytest.raises(Unusable) as bad:
        require_int("one", "connector_id", dev)
    assert bad.value.code == TYPE_CONSTRAINT


# --- floats ----------------------------------------------------------------------------


def test_opt_float_numbers(dev: Deviations) -> None:
    assert opt_float(5, "limit", dev) == 5.0
    assert opt_float(5.5, "limit", dev) == 5.5
    assert opt_float(Decimal("6.25"), "limit", dev) == 6.25
    assert opt_float(None, "limit", dev) is None
    assert dev.counts == {}


def test_opt_float_enercab_padded_string(dev: Deviations) -> None:
    # Enercab smart / eledio go pad numbers: " 5" (QUIRKS S20)
    assert opt_float(" 5", "limit", dev) == 5.0
    assert opt_float("6.5 ", "limit", dev) == 6.5
    assert dev.counts == {"string_as_number:limit": 2}


@pytest.mark.parametrize(
    "value", [True, "nan", "inf", float("nan"), float("-inf"), "x", "1_0", [], Decimal("NaN")]
)
def test_opt_float_unusable(dev: Deviations, value: object) -> None:
    assert opt_float(value, "limit", dev) is None
    assert dev.counts == {"bad_number:limit": 1}


def test_require_float(dev: Deviations) -> None:
    assert require_float("1.5", "limit", dev) == 1.5
    with pytest.raises(Unusable) as missing:
        require_float(None, "limit", dev)
    assert missing.value.code == OCCURENCE_CONSTRAINT
    with pytest.raises(Unusable) as bad:
        require_float("x", "limit", dev)
    assert bad.value.code == TYPE_CONSTRAINT


# --- booleans --------------------------------------------------------------------------


def test_opt_bool_canonical(dev: Deviations) -> None:
    assert opt_bool(True, "readonly", dev) is True
    assert opt_bool(False, "readonly", dev) is False
    assert opt_bool("true", "value", dev) is True
    assert opt_bool("false", "value", dev) is False
    assert opt_bool(None, "value", dev) is None
    assert dev.counts == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("True", True),  # Mennekes ACU (QUIRKS S21)
        ("TRUE", True),  # Vestel EVC04 DailyReboot (QUIRKS C5)
        ("False", False),  # Vestel EVC04 (QUIRKS C5)
        ("FALSE", False),
        ("1", True),
        ("0", False),
        (" true ", True),
        (1, True),
        (0, False),
    ],
)
def test_opt_bool_spellings(dev: Deviations, value: object, expected: bool) -> None:
    assert opt_bool(value, "value", dev) is expected
    assert dev.counts == {"bool_spelling:value": 1}


@pytest.mark.parametrize("value", ["maybe", 2, 1.0, [], ""])
def test_opt_bool_unusable(dev: Deviations, value: object) -> None:
    assert opt_bool(value, "value", dev) is None
    assert dev.counts == {"bad_bool:value": 1}


# --- enums -----------------------------------------------------------------------------


def test_enum_exact_no_note(dev: Deviations) -> None:
    assert opt_enum("SuspendedEVSE", "status", CHARGE_POINT_STATUS, dev) == "SuspendedEVSE"
    assert opt_enum(None, "status", CHARGE_POINT_STATUS, dev) is None
    assert dev.counts == {}


@pytest.mark.parametrize(
    "spelling", ["suspendedevse", "SUSPENDED_EVSE", "Suspended EVSE", "suspended-evse"]
)
def test_enum_other_spelling(dev: Deviations, spelling: str) -> None:
    assert opt_enum(spelling, "status", CHARGE_POINT_STATUS, dev) == "SuspendedEVSE"
    assert dev.counts == {"enum_spelling:status": 1}


@pytest.mark.parametrize("value", ["Occupied", 3, ["Charging"]])
def test_enum_unknown(dev: Deviations, value: object) -> None:
    assert opt_enum(value, "status", CHARGE_POINT_STATUS, dev) is None
    assert dev.counts == {"unknown_enum:status": 1}


def test_enum_table_aliases_and_hand_built_tables(dev: Deviations) -> None:
    table = enum_table("Current", "Power", aliases={"A": "Current", "Watts": "Power"})
    assert opt_enum("a", "unit", table, dev) == "Current"
    assert opt_enum("WATTS", "unit", table, dev) == "Power"
    # a table keyed only by normalised spellings still recognises exact values
    plain = {"current": "Current"}
    assert opt_enum("Current", "unit", plain, dev) == "Current"
    assert dev.counts == {"enum_spelling:unit": 3}


def test_enum_tables_complete() -> None:
    assert len(set(CHARGE_POINT_STATUS.values())) == 9
    assert len(set(CHARGE_POINT_ERROR_CODE.values())) == 16
    assert len(set(REASON.values())) == 11
    assert set(DIAGNOSTICS_STATUS.values()) == {"Idle", "Uploaded", "UploadFailed", "Uploading"}
    assert len(set(FIRMWARE_STATUS.values())) == 7
    assert len(set(READING_CONTEXT.values())) == 8
    assert len(set(MEASURAND.values())) == 22
    assert len(set(PHASE.values())) == 10
    assert set(LOCATION.values()) == {"Body", "Cable", "EV", "Inlet", "Outlet"}
    assert set(VALUE_FORMAT.values()) == {"Raw", "SignedData"}


def test_phase_aliases(dev: Deviations) -> None:
    assert opt_enum("L1-N", "phase", PHASE, dev) == "L1-N"
    assert opt_enum("l1n", "phase", PHASE, dev) == "L1-N"
    assert opt_enum("L2-L1", "phase", PHASE, dev) == "L1-L2"
    assert opt_enum("L1", "phase", PHASE, dev) == "L1"


def test_require_enum(dev: Deviations) -> None:
    assert require_enum("charging", "status", CHARGE_POINT_STATUS, dev) == "Charging"
    with pytest.raises(Unusable) as missing:
        require_enum(None, "status", CHARGE_POINT_STATUS, dev)
    assert missing.value.code == OCCURENCE_CONSTRAINT
    with pytest.raises(Unusable) as unknown:
        require_enum("Sleeping", "status", CHARGE_POINT_STATUS, dev)
    assert unknown.value.code == PROPERTY_CONSTRAINT


def test_error_code_canonical(dev: Deviations) -> None:
    assert error_code("NoError", dev) == ("NoError", None)
    assert error_code("GroundFailure", dev) == ("GroundFailure", None)
    assert dev.counts == {}


def test_error_code_legrand_error(dev: Deviations) -> None:
    # Legrand GreenUp: StatusNotification errorCode "Error" (QUIRKS S7)
    assert error_code("Error", dev) == ("OtherError", "Error")
    assert dev.counts == {"unknown_enum:error_code": 1}


def test_error_code_other_spellings(dev: Deviations) -> None:
    assert error_code("noerror", dev) == ("NoError", "noerror")
    assert error_code("Mode3Error", dev) == ("EVCommunicationError", "Mode3Error")
    assert error_code(7, dev) == ("OtherError", "7")
    assert error_code(None, dev) == ("NoError", None)


# --- timestamps ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-24T11:00:00Z", datetime(2026, 11, 24, 11, 0, tzinfo=UTC)),
        ("2026-11-24T11:00:00.5Z", datetime(2026, 11, 24, 11, 0, 0, 500000, tzinfo=UTC)),
        (
            "2026-11-24T11:00:00.123456789Z",
            datetime(2026, 11, 24, 11, 0, 0, 123456, tzinfo=UTC),
        ),
        ("2026-11-24T12:00:00+01:00", datetime(2026, 11, 24, 11, 0, tzinfo=UTC)),
        ("2026-11-24T06:00:00.000-05:00", datetime(2026, 11, 24, 11, 0, tzinfo=UTC)),
        ("2026-11-24 11:00:00Z", datetime(2026, 11, 24, 11, 0, tzinfo=UTC)),
        ("2026-11-24T11:00:00z", datetime(2026, 11, 24, 11, 0, tzinfo=UTC)),
        (" 2026-11-24T11:00:00Z ", datetime(2026, 11, 24, 11, 0, tzinfo=UTC)),
        ("2026-11-24T11:00:00 UTC", datetime(2026, 11, 24, 11, 0, tzinfo=UTC)),
    ],
)
def test_timestamp_formats(dev: Deviations, value: str, expected: datetime) -> None:
    parsed = opt_timestamp(value, "timestamp", dev, now=NOW)
    assert parsed == expected
    assert parsed is not None
    assert parsed.tzinfo is UTC
    assert dev.counts == {}


def test_timestamp_growatt_without_zone(dev: Deviations) -> None:
    # Growatt THOR sends local time without a zone designator (QUIRKS S16)
    value = "2023-10-19T15:28:07"
    assert opt_timestamp(value, "timestamp", dev, now=NOW) == datetime(
        2023, 10, 19, 15, 28, 7, tzinfo=UTC
    )
    local = opt_timestamp(value, "timestamp", dev, now=NOW, tz=ZoneInfo("Europe/Amsterdam"))
    assert local == datetime(2023, 10, 19, 13, 28, 7, tzinfo=UTC)
    fixed = opt_timestamp(value, "timestamp", dev, now=NOW, tz=timezone(timedelta(hours=-3)))
    assert fixed == datetime(2023, 10, 19, 18, 28, 7, tzinfo=UTC)
    assert dev.counts == {"timestamp_without_zone": 3}


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "", 1700000000, []])
def test_timestamp_garbage(dev: Deviations, value: object) -> None:
    assert opt_timestamp(value, "timestamp", dev, now=NOW) is None
    assert dev.counts == {"bad_timestamp:timestamp": 1}


@pytest.mark.parametrize(
    "value",
    [
        "1970-01-01T00:00:12.000Z",  # MicroOcpp before the Boot response (QUIRKS T8)
        "2014-12-31T23:59:59Z",
        "2026-11-25T12:00:01Z",  # more than a day ahead of now
    ],
)
def test_timestamp_implausible(dev: Deviations, value: str) -> None:
    assert opt_timestamp(value, "timestamp", dev, now=NOW) is None
    assert dev.counts == {"implausible_timestamp:timestamp": 1}


def test_timestamp_plausible_bounds(dev: Deviations) -> None:
    assert opt_timestamp("2015-01-01T00:00:00Z", "timestamp", dev, now=NOW) is not None
    assert opt_timestamp("2026-11-25T11:59:59Z", "timestamp", dev, now=NOW) is not None
    assert opt_timestamp(None, "timestamp", dev, now=NOW) is None
    assert dev.counts == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 11, 24, 12, 0, 0, 123456, tzinfo=UTC), "2026-11-24T12:00:00.123Z"),
        (datetime(2026, 11, 24, 12, 0, tzinfo=UTC), "2026-11-24T12:00:00.000Z"),
        (
            datetime(2026, 11, 24, 13, 0, tzinfo=timezone(timedelta(hours=1))),
            "2026-11-24T12:00:00.000Z",
        ),
        (datetime(2026, 11, 24, 12, 0, 0, 999999), "2026-11-24T12:00:00.999Z"),
    ],
)
def test_iso_utc(value: datetime, expected: str) -> None:
    assert iso_utc(value) == expected


def test_iso_utc_round_trips(dev: Deviations) -> None:
    text = iso_utc(NOW)
    assert opt_timestamp(text, "timestamp", dev, now=NOW) == NOW


def test_opt_int_int_subclass(dev: Deviations) -> None:
    class Id(int):
        pass

    result = opt_int(Id(4), "connector_id", dev)
    assert result == 4
    assert type(result) is int
    assert dev.counts == {}
