"""Charging profiles and the strategy ladder, quirk by quirk (pure; QUIRKS P1–P5, P15, C7, C8)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from ocpp.messages import Call, validate_payload

from custom_components.ocpp_central.csms import configuration
from custom_components.ocpp_central.csms import smart_charging as sc
from custom_components.ocpp_central.csms.control import default_remote_id_tag
from custom_components.ocpp_central.csms.model import ChargerState, ControlState
from custom_components.ocpp_central.csms.smart_charging import (
    ABSOLUTE,
    MAX_PROFILE,
    RELATIVE,
    TX_DEFAULT_PROFILE,
    TX_PROFILE,
    Outcome,
    Shape,
)

NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)

Answer = Callable[[Shape], Outcome]


def walk(shapes: list[Shape], answer: Answer) -> tuple[Shape | None, list[Shape]]:
    """What the controller does with a ladder: try, prune, until one is accepted."""
    remaining, tried = list(shapes), []
    while remaining:
        shape = remaining.pop(0)
        tried.append(shape)
        outcome = answer(shape)
        if outcome is Outcome.ACCEPTED:
            return shape, tried
        remaining = sc.prune(remaining, shape, outcome)
    return None, tried


def keys(shapes: list[Shape]) -> list[tuple[str, str, int]]:
    return [(s.purpose, s.kind, s.stack_level) for s in shapes]


# --- capabilities -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit"),
    [
        ("Current,Power", "A"),
        ("Current", "A"),
        ("Power", "W"),
        ("power", "W"),  # Huawei SCharger (C8)
        ("W", "W"),  # unnamed chargers (C8)
        ("A", "A"),
        (None, "A"),  # key missing: Teison, SmartEVSE (C7)
        ("garbage", "A"),
    ],
)
def test_unit_is_amps_unless_the_charger_takes_only_power(value: str | None, unit: str) -> None:
    assert sc.rate_unit(configuration.rate_units(value)) == unit


@pytest.mark.parametrize(("reported", "used"), [(None, 0), (-1, 0), (0, 0), (3, 3), (16, 8)])
def test_stack_level_follows_the_charger_capped(reported: int | None, used: int) -> None:
    assert sc.stack_level(reported) == used


def test_watts_are_amps_times_230_volts_times_phases() -> None:
    assert sc.convert(16, "A", "W", 3) == pytest.approx(11040)
    assert sc.convert(16, "A", "W", 1) == pytest.approx(3680)
    assert sc.convert(11040, "W", "A", 3) == pytest.approx(16)
    assert sc.convert(10, "A", "A", 3) == 10
    assert sc.convert(6, "A", "W", 0) == pytest.approx(1380)  # nonsense phases → at least 1


def test_limits_are_multiples_of_a_tenth_and_never_negative() -> None:
    assert sc.limit_value(16.04) == 16.0
    assert sc.limit_value(7.25) in (7.2, 7.3)
    assert sc.limit_value(-3) == 0.0


# --- the cap ladder -----------------------------------------------------------------


def test_default_cap_ladder() -> None:
    """ChargePointMaxProfile first, then TxDefaultProfile; Absolute before Relative;
    each at our stack level, then at 0."""
    assert keys(sc.cap_ladder(stack=8, unit="A")) == [
        (MAX_PROFILE, ABSOLUTE, 8),
        (MAX_PROFILE, ABSOLUTE, 0),
        (TX_DEFAULT_PROFILE, ABSOLUTE, 8),
        (TX_DEFAULT_PROFILE, ABSOLUTE, 0),
        (TX_DEFAULT_PROFILE, RELATIVE, 8),
        (TX_DEFAULT_PROFILE, RELATIVE, 0),
    ]
    assert keys(sc.cap_ladder(stack=0, unit="A")) == [
        (MAX_PROFILE, ABSOLUTE, 0),
        (TX_DEFAULT_PROFILE, ABSOLUTE, 0),
        (TX_DEFAULT_PROFILE, RELATIVE, 0),
    ]
    assert {s.unit for s in sc.cap_ladder(stack=0, unit="W")} == {"W"}


def test_a_relative_charge_point_max_profile_is_never_sent() -> None:
    """Autel: CALLERROR PropertyConstraintViolation for a Relative ChargePointMaxProfile (P3)."""
    for learned in (
        None,
        {"purpose": MAX_PROFILE, "kind": ABSOLUTE, "stack_level": 2, "unit": "A"},
    ):
        ladder = sc.cap_ladder(stack=8, unit="A", learned=learned)
        assert all(s.kind == ABSOLUTE for s in ladder if s.purpose == MAX_PROFILE)


def test_abb_rejects_its_own_maximum_stack_level() -> None:
    """ABB Terra AC reports 3 and rejects 3; stack level 0 is accepted (P1)."""
    ladder = sc.cap_ladder(stack=sc.stack_level(3), unit="A")
    found, tried = walk(
        ladder, lambda s: Outcome.ACCEPTED if s.stack_level == 0 else Outcome.REJECTED
    )
    assert found == Shape(MAX_PROFILE, ABSOLUTE, 0, "A")
    assert len(tried) == 2


def test_wallbox_wants_relative_tx_default_at_stack_level_zero() -> None:
    """Wallbox rejects Absolute TxDefaultProfile; FW 5 also needs stack level 0 (P2)."""

    def wallbox(shape: Shape) -> Outcome:
        ok = (
            shape.purpose == TX_DEFAULT_PROFILE
            and shape.kind == RELATIVE
            and shape.stack_level == 0
        )
        return Outcome.ACCEPTED if ok else Outcome.REJECTED

    found, tried = walk(sc.cap_ladder(stack=8, unit="A"), wallbox)
    assert found == Shape(TX_DEFAULT_PROFILE, RELATIVE, 0, "A")
    assert len(tried) == 6


def test_evbox_rejects_charge_point_max_profile() -> None:
    """EVBox Elvi rejects ChargePointMaxProfile; TxDefaultProfile works (P4)."""
    found, tried = walk(
        sc.cap_ladder(stack=8, unit="A"),
        lambda s: Outcome.REJECTED if s.purpose == MAX_PROFILE else Outcome.ACCEPTED,
    )
    assert found == Shape(TX_DEFAULT_PROFILE, ABSOLUTE, 8, "A")
    assert keys(tried) == [(MAX_PROFILE, ABSOLUTE, 8), (MAX_PROFILE, ABSOLUTE, 0), keys([found])[0]]


def test_timxon_timeout_and_not_supported_skip_the_purpose() -> None:
    """Timxon: an Absolute ChargePointMaxProfile gets no answer; NotSupported otherwise (P5).
    A timeout or NotSupported is not fixed by another stack level."""
    for failure in (Outcome.TIMEOUT, Outcome.NOT_SUPPORTED, Outcome.ERROR):
        found, tried = walk(
            sc.cap_ladder(stack=8, unit="A"),
            lambda s, f=failure: f if s.purpose == MAX_PROFILE else Outcome.ACCEPTED,
        )
        assert found == Shape(TX_DEFAULT_PROFILE, ABSOLUTE, 8, "A")
        assert len(tried) == 2, failure


def test_a_charger_without_smart_charging_is_not_asked_six_times() -> None:
    """Heidelberg answers NotSupported to every SetChargingProfile (C10)."""
    found, tried = walk(sc.cap_ladder(stack=8, unit="A"), lambda _s: Outcome.NOT_SUPPORTED)
    assert found is None
    assert len(tried) == 2


def test_what_worked_is_tried_first() -> None:
    learned = {"purpose": TX_DEFAULT_PROFILE, "kind": RELATIVE, "stack_level": 0, "unit": "W"}
    ladder = sc.cap_ladder(stack=8, unit="A", learned=learned)
    assert ladder[0] == Shape(TX_DEFAULT_PROFILE, RELATIVE, 0, "A")  # the unit is the charger's
    assert len(ladder) == 6  # no duplicate further down


@pytest.mark.parametrize(
    "learned",
    [
        None,
        "TxDefaultProfile",
        {"purpose": "TxProfile", "kind": ABSOLUTE, "stack_level": 0, "unit": "A"},
        {"purpose": MAX_PROFILE, "kind": "Recurring", "stack_level": 0, "unit": "A"},
        {"purpose": MAX_PROFILE, "kind": ABSOLUTE, "stack_level": -1, "unit": "A"},
        {"purpose": MAX_PROFILE, "kind": ABSOLUTE, "stack_level": True, "unit": "A"},
        {"purpose": MAX_PROFILE, "kind": ABSOLUTE, "stack_level": 1, "unit": "kW"},
    ],
)
def test_an_unusable_remembered_strategy_is_ignored(learned: object) -> None:
    assert sc.cap_ladder(stack=8, unit="A", learned=learned) == sc.cap_ladder(stack=8, unit="A")  # type: ignore[arg-type]


def test_the_users_override_wins() -> None:
    """SPEC §6.4: evcc's stacklevelzero / profilekindrelative as per-charger overrides."""
    learned = {"purpose": MAX_PROFILE, "kind": ABSOLUTE, "stack_level": 8, "unit": "A"}
    ladder = sc.cap_ladder(stack=8, unit="A", learned=learned, override={"stack_level": 0})
    assert {s.stack_level for s in ladder} == {0}
    ladder = sc.cap_ladder(
        stack=8, unit="A", override={"kind": RELATIVE, "purpose": TX_DEFAULT_PROFILE}
    )
    assert keys(ladder) == [(TX_DEFAULT_PROFILE, RELATIVE, 8), (TX_DEFAULT_PROFILE, RELATIVE, 0)]
    assert {s.unit for s in sc.cap_ladder(stack=8, unit="A", override={"unit": "W"})} == {"W"}
    # garbage in an override changes nothing
    assert sc.cap_ladder(stack=8, unit="A", override={"stack_level": "zero", "kind": 1}) == (
        sc.cap_ladder(stack=8, unit="A")
    )


# --- the pause ladder ---------------------------------------------------------------


def test_pause_is_a_tx_profile_on_the_transaction_then_tx_default_on_the_connector() -> None:
    ladder = sc.pause_ladder(stack=8, unit="A", transaction=True)
    assert keys(ladder) == [
        (TX_PROFILE, ABSOLUTE, 8),
        (TX_PROFILE, ABSOLUTE, 0),
        (TX_PROFILE, RELATIVE, 8),
        (TX_PROFILE, RELATIVE, 0),
        (TX_DEFAULT_PROFILE, ABSOLUTE, 8),
        (TX_DEFAULT_PROFILE, ABSOLUTE, 0),
        (TX_DEFAULT_PROFILE, RELATIVE, 8),
        (TX_DEFAULT_PROFILE, RELATIVE, 0),
    ]
    assert {s.purpose for s in sc.pause_ladder(stack=8, unit="A", transaction=False)} == {
        TX_DEFAULT_PROFILE
    }


def test_pause_follows_the_learned_cap_shape() -> None:
    """A Wallbox that took a Relative cap at level 0 gets a Relative pause at level 0 (P2)."""
    cap = {"purpose": TX_DEFAULT_PROFILE, "kind": RELATIVE, "stack_level": 0, "unit": "A"}
    ladder = sc.pause_ladder(stack=8, unit="W", transaction=False, learned_cap=cap)
    assert ladder[0] == Shape(TX_DEFAULT_PROFILE, RELATIVE, 0, "W")
    pause = {"purpose": TX_DEFAULT_PROFILE, "kind": ABSOLUTE, "stack_level": 2, "unit": "A"}
    ladder = sc.pause_ladder(stack=8, unit="A", transaction=True, learned_pause=pause)
    assert ladder[0] == Shape(TX_DEFAULT_PROFILE, ABSOLUTE, 2, "A")  # Timxon: no TxProfile (P5)
    ladder = sc.pause_ladder(stack=8, unit="A", transaction=True, override={"stack_level": 0})
    assert {s.stack_level for s in ladder} == {0}


def test_pause_falls_back_to_tx_default_when_tx_profile_is_not_supported() -> None:
    found, tried = walk(
        sc.pause_ladder(stack=8, unit="A", transaction=True),
        lambda s: Outcome.NOT_SUPPORTED if s.purpose == TX_PROFILE else Outcome.ACCEPTED,
    )
    assert found == Shape(TX_DEFAULT_PROFILE, ABSOLUTE, 8, "A")
    assert len(tried) == 2


# --- profiles -----------------------------------------------------------------------


def test_absolute_cap_profile_starts_a_minute_in_the_past() -> None:
    """P15: a profile starting "now" may not be active yet on a charger with clock skew."""
    profile = sc.build_profile(Shape(MAX_PROFILE, ABSOLUTE, 8, "A"), 16.04, connector_id=0, now=NOW)
    assert profile == {
        "chargingProfileId": sc.profile_id(MAX_PROFILE, 0),
        "stackLevel": 8,
        "chargingProfilePurpose": MAX_PROFILE,
        "chargingProfileKind": ABSOLUTE,
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "startSchedule": "2026-05-01T11:59:00.000Z",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
        },
    }


def test_relative_tx_profile_has_no_start_and_names_the_transaction() -> None:
    profile = sc.build_profile(
        Shape(TX_PROFILE, RELATIVE, 0, "W"), 0, connector_id=2, now=NOW, transaction_id=77
    )
    assert profile == {
        "chargingProfileId": sc.profile_id(TX_PROFILE, 2),
        "transactionId": 77,
        "stackLevel": 0,
        "chargingProfilePurpose": TX_PROFILE,
        "chargingProfileKind": RELATIVE,
        "chargingSchedule": {
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 0.0}],
        },
    }


def test_profile_ids_are_fixed_per_purpose_and_connector() -> None:
    """A new profile of ours replaces the old one instead of piling up (P10)."""
    ids = {
        sc.profile_id(MAX_PROFILE, 0),
        sc.profile_id(TX_DEFAULT_PROFILE, 0),
        sc.profile_id(TX_DEFAULT_PROFILE, 1),
        sc.profile_id(TX_PROFILE, 1),
        sc.profile_id(TX_PROFILE, 2),
    }
    assert len(ids) == 5
    assert sc.profile_id(TX_PROFILE, 1) == sc.profile_id(TX_PROFILE, 1)


@pytest.mark.parametrize(
    "shape",
    [
        Shape(MAX_PROFILE, ABSOLUTE, 8, "A"),
        Shape(TX_DEFAULT_PROFILE, RELATIVE, 0, "W"),
        Shape(TX_PROFILE, ABSOLUTE, 3, "A"),
    ],
)
async def test_profiles_are_schema_valid(shape: Shape) -> None:
    """Strict in what we send (SPEC §6): the OCPP 1.6 SetChargingProfile schema."""
    profile = sc.build_profile(shape, 11040.0, connector_id=1, now=NOW, transaction_id=5)
    await validate_payload(
        Call("1", "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": profile}), "1.6"
    )


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("Accepted", Outcome.ACCEPTED),
        ("Rejected", Outcome.REJECTED),
        ("NotSupported", Outcome.NOT_SUPPORTED),
        (None, Outcome.REJECTED),
    ],
)
def test_outcome_of_a_status(status: object, outcome: Outcome) -> None:
    assert sc.outcome_of(status) is outcome


def test_shape_round_trip() -> None:
    shape = Shape(TX_DEFAULT_PROFILE, RELATIVE, 0, "W")
    assert Shape.from_dict(shape.as_dict()) == shape


# --- remote id tag and the persisted desired state ------------------------------------


def test_default_remote_id_tag_is_stable_and_short() -> None:
    """At most 16 characters (S3, S4), the same on every restart (R8)."""
    tag = default_remote_id_tag("CP1")
    assert len(tag) == 16
    assert tag.startswith("HA")
    assert tag == default_remote_id_tag("CP1") != default_remote_id_tag("CP2")


def test_desired_state_survives_storage_and_damage() -> None:
    charger = ChargerState("CP1")
    charger.control = ControlState(paused={1: "profile", 2: "stop"}, cap=11040.0, cap_unit="W")
    restored = ChargerState.from_dict("CP1", charger.to_dict())
    assert restored.control == charger.control
    damaged = ChargerState.from_dict(
        "CP1",
        {"control": {"paused": {"1": "nap", "x": "stop", "3": "stop"}, "cap": "16", "phases": 7}},
    )
    assert damaged.control == ControlState(paused={3: "stop"})
    assert ChargerState.from_dict("CP1", {}).control == ControlState()
