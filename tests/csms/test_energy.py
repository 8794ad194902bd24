"""The Energy-dashboard-safe lifetime accumulator (SPEC §3.3, QUIRKS M8, M9)."""

import json

import pytest

from custom_components.ocpp_central.csms.energy import (
    EnergyState,
    EnergyUpdate,
    allowance_wh,
    apply_register,
)

MAX_W = 22_000.0  # a 22 kW charger
T0 = 1_764_000_000.0


def _feed(state: EnergyState, wh: float, at: float, **kw: bool) -> EnergyUpdate:
    return apply_register(state, wh, at, max_power_w=MAX_W, **kw)


def test_first_reading_sets_lifetime() -> None:
    state = EnergyState()
    assert _feed(state, 5000.0, T0) == EnergyUpdate(True, 0.0, "first")
    assert state.lifetime_wh == 5000.0
    assert state.register_wh == 5000.0
    assert state.register_at == T0


def test_first_reading_keeps_restored_lifetime() -> None:
    state = EnergyState(lifetime_wh=123.0)
    assert _feed(state, 5000.0, T0).reason == "first"
    assert state.lifetime_wh == 123.0
    assert _feed(state, 5100.0, T0 + 60).delta_wh == 100.0
    assert state.lifetime_wh == 223.0


def test_normal_increments_accepted() -> None:
    state = EnergyState()
    _feed(state, 1000.0, T0)
    update = _feed(state, 1300.0, T0 + 60)
    assert update == EnergyUpdate(True, 300.0, None)
    assert state.lifetime_wh == 1300.0
    assert _feed(state, 1300.0, T0 + 120) == EnergyUpdate(True, 0.0, None)


def test_allowance() -> None:
    # 22 kW for 60 s = 366.7 Wh; x1.5 + 50 Wh
    assert allowance_wh(MAX_W, 60.0) == pytest.approx(22_000 * 60 / 3600 * 1.5 + 50)
    assert allowance_wh(MAX_W, 0.0) == allowance_wh(MAX_W, 1.0)  # at least 1 s
    state = EnergyState()
    _feed(state, 0.0, T0)
    assert _feed(state, 600.0, T0 + 60).accepted  # 600 <= 600
    assert _feed(state, 1300.0, T0 + 120).reason == "jump"  # 700 > 600


def test_jump_of_100_mwh_dropped() -> None:
    state = EnergyState()
    _feed(state, 1_000_000.0, T0)
    update = _feed(state, 101_000_000.0, T0 + 60)
    assert update == EnergyUpdate(False, 0.0, "jump")
    assert state.lifetime_wh == 1_000_000.0
    assert state.register_wh == 1_000_000.0
    assert _feed(state, 1_000_200.0, T0 + 120) == EnergyUpdate(True, 200.0, None)
    assert state.pending == []


def test_wallbox_glitch_to_zero_dropped() -> None:
    # Wallbox Pulsar Plus: 16,000,000 -> 0 -> 16,000,100 (QUIRKS M9)
    state = EnergyState()
    _feed(state, 16_000_000.0, T0)
    glitch = _feed(state, 0.0, T0 + 60)
    assert glitch == EnergyUpdate(False, 0.0, "backwards")
    assert state.lifetime_wh == 16_000_000.0
    assert state.pending == [(0.0, T0 + 60)]
    back = _feed(state, 16_000_100.0, T0 + 120)
    assert back == EnergyUpdate(True, 100.0, None)
    assert state.lifetime_wh == 16_000_100.0
    assert state.pending == []


def test_rounding_dip_is_not_backwards() -> None:
    # a periodic value in kWh then a meterStop in whole Wh: a sub-Wh dip is rounding
    state = EnergyState()
    _feed(state, 16_000_000.4, T0)
    assert _feed(state, 16_000_000.0, T0 + 10) == EnergyUpdate(True, 0.0, None)
    assert state.register_wh == 16_000_000.4
    assert _feed(state, 16_000_010.4, T0 + 20).delta_wh == pytest.approx(10.0)


def test_three_consistent_readings_after_reset_rebase() -> None:
    # meter replaced / charger reset: the register restarts low and climbs
    state = EnergyState()
    _feed(state, 50_000.0, T0)
    assert _feed(state, 100.0, T0 + 60).reason == "backwards"
    assert _feed(state, 200.0, T0 + 120).reason == "backwards"
    rebased = _feed(state, 300.0, T0 + 180)
    assert rebased == EnergyUpdate(True, 0.0, "rebased")
    assert state.lifetime_wh == 50_000.0
    assert state.register_wh == 300.0
    assert state.pending == []
    assert _feed(state, 400.0, T0 + 240) == EnergyUpdate(True, 100.0, None)
    assert state.lifetime_wh == 50_100.0


def test_inconsistent_rejections_do_not_rebase() -> None:
    state = EnergyState()
    _feed(state, 50_000.0, T0)
    _feed(state, 300.0, T0 + 60)
    _feed(state, 100.0, T0 + 120)  # goes down among the pending
    assert _feed(state, 900_000.0, T0 + 180).accepted is False  # and then jumps
    assert state.register_wh == 50_000.0
    assert len(state.pending) == 3
    # the window slides: the last three are judged
    assert _feed(state, 900_100.0, T0 + 240).accepted is False
    assert _feed(state, 900_200.0, T0 + 300).reason == "rebased"
    assert state.register_wh == 900_200.0
    assert state.lifetime_wh == 50_000.0


def test_grizzle_session_counter_across_three_sessions() -> None:
    # Grizzl-E / Vestel: the register restarts at 0 with every session (QUIRKS M8)
    state = EnergyState()
    t = T0
    sessions = [7_000.0, 12_500.0, 3_250.0]
    expected = 0.0
    for energy in sessions:
        update = _feed(state, 0.0, t, session_start=True)
        assert update.accepted
        for step in range(1, 11):
            t += 300
            assert _feed(state, energy * step / 10, t).accepted
        expected += energy
        assert state.lifetime_wh == pytest.approx(expected)
        t += 3600
    assert state.register_kind == "session"
    assert state.lifetime_wh == pytest.approx(sum(sessions))


def test_session_start_lower_rebases() -> None:
    state = EnergyState()
    _feed(state, 7_000.0, T0)
    update = _feed(state, 0.0, T0 + 60, session_start=True)
    assert update == EnergyUpdate(True, 0.0, "rebased")
    assert state.register_kind == "session"
    assert state.register_wh == 0.0
    assert state.lifetime_wh == 7_000.0


def test_small_meter_start_drop_learns_session() -> None:
    state = EnergyState()
    _feed(state, 500.0, T0)
    assert _feed(state, 200.0, T0 + 60, session_start=True).reason == "rebased"
    assert state.register_kind == "session"


def test_lifetime_kind_learned() -> None:
    state = EnergyState()
    _feed(state, 16_000_000.0, T0)
    update = _feed(state, 16_000_000.5, T0 + 60, session_start=True)
    assert update.accepted
    assert state.register_kind == "lifetime"
    # a later session start with a higher meterStart keeps the learned kind
    _feed(state, 16_000_300.0, T0 + 120, session_start=True)
    assert state.register_kind == "lifetime"


def test_session_start_jump_still_rejected() -> None:
    state = EnergyState()
    _feed(state, 1_000.0, T0)
    assert _feed(state, 5_000_000.0, T0 + 60, session_start=True).reason == "jump"
    assert state.register_kind is None


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -5.0])
def test_invalid_readings(value: float) -> None:
    state = EnergyState()
    assert _feed(state, value, T0) == EnergyUpdate(False, 0.0, "invalid")
    assert state.lifetime_wh is None
    _feed(state, 10.0, T0)
    assert _feed(state, value, T0 + 1).reason == "invalid"
    assert state.pending == []


def test_float_precision_of_small_increments() -> None:
    state = EnergyState()
    _feed(state, 0.0, T0)
    register = 0.0
    for i in range(1, 1001):
        register += 0.1
        assert _feed(state, register, T0 + i).accepted
    assert state.lifetime_wh == pytest.approx(100.0, abs=1e-6)


def test_float_precision_on_a_large_register() -> None:
    state = EnergyState()
    base = 16_000_000.0
    _feed(state, base, T0)
    for i in range(1, 1001):
        _feed(state, base + i * 0.1, T0 + i)
    assert state.lifetime_wh is not None
    assert state.lifetime_wh - base == pytest.approx(100.0, abs=1e-6)


def test_clock_going_backwards_uses_minimum_interval() -> None:
    state = EnergyState()
    _feed(state, 1000.0, T0)
    assert _feed(state, 1040.0, T0 - 30).accepted  # within the 1 s allowance (+50 Wh)
    assert _feed(state, 2000.0, T0 - 60).reason == "jump"


def test_round_trip_through_json() -> None:
    state = EnergyState()
    _feed(state, 16_000_000.0, T0)
    _feed(state, 0.0, T0 + 60)
    _feed(state, 16_000_000.0, T0 + 120, session_start=True)
    restored = EnergyState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state


def test_from_dict_tolerant() -> None:
    assert EnergyState.from_dict({}) == EnergyState()
    broken = EnergyState.from_dict(
        {
            "lifetime_wh": "lots",
            "register_wh": 12,
            "register_at": True,
            "pending": [[1, 2], "x", [1], [3.0, None], (4, 5)],
            "register_kind": "weird",
        }
    )
    assert broken == EnergyState(
        lifetime_wh=None, register_wh=12.0, register_at=None, pending=[(4.0, 5.0)]
    )
    assert EnergyState.from_dict({"pending": [[1, 1], [2, 2], [3, 3], [4, 4]]}).pending == [
        (2.0, 2.0),
        (3.0, 3.0),
        (4.0, 4.0),
    ]


def test_restored_state_without_time_is_strict() -> None:
    state = EnergyState.from_dict({"lifetime_wh": 500.0, "register_wh": 500.0})
    assert _feed(state, 540.0, T0).accepted
    assert _feed(state, 100_000.0, T0 + 1).reason == "jump"
