"""Sessions and readings over plain state: the bookkeeping rules of SPEC §3.4."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.ocpp_central.csms import transactions
from custom_components.ocpp_central.csms.lenient import Deviations
from custom_components.ocpp_central.csms.metering import parse_meter_values
from custom_components.ocpp_central.csms.model import CHARGING, ChargerState

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def ctx(minutes: float = 0, price: float | None = None) -> transactions.Context:
    return transactions.Context(
        now=NOW + timedelta(minutes=minutes), max_power_w=22_000, price_per_kwh=price
    )


def register(wh: float) -> list:
    raw = [{"sampled_value": [{"value": str(wh), "measurand": "Energy.Active.Import.Register"}]}]
    return parse_meter_values(raw, Deviations(), now=NOW)


def test_session_energy_and_cost_follow_register_deltas() -> None:
    charger = ChargerState("CP")
    transactions.start_transaction(charger, 1, 7, "TAG", 1000, None, ctx())
    transactions.apply_meter_values(charger, 1, 7, register(1500), ctx(5, price=0.2))
    transactions.apply_meter_values(charger, 1, 7, register(2500), ctx(10, price=0.4))
    session = charger.connector(1).session
    assert session is not None
    assert session.energy_wh == 1500
    assert session.cost == pytest.approx(0.5 * 0.2 + 1.0 * 0.4)
    closed = transactions.stop_transaction(charger, 7, 3000, None, "Local", [], ctx(15))
    assert closed is session
    assert session.energy_wh == 2000
    assert charger.connector(1).session is None
    assert charger.connector(1).energy.lifetime_wh == 3000


def test_repeated_and_unnamed_stops() -> None:
    """-1 closes the only open session (go-e, T5); a repeat is ignored (EVerest, T7)."""
    charger = ChargerState("CP")
    transactions.start_transaction(charger, 1, 3, "TAG", 0, None, ctx())
    closed = transactions.stop_transaction(charger, -1, 800, None, None, [], ctx(10))
    assert closed is not None and closed.transaction_id == 3
    assert transactions.stop_transaction(charger, 3, 800, None, None, [], ctx(11)) is None
    assert closed.energy_wh == 800


def test_orphan_stop_is_recorded() -> None:
    """A stop with no start (MicroOcpp after a reset, T8) is kept as an orphan."""
    charger = ChargerState("CP")
    orphan = transactions.stop_transaction(charger, 99, 500, None, None, [], ctx())
    assert orphan is not None and orphan.orphan
    assert list(charger.recent_sessions) == [orphan]


def test_values_after_stop_belong_to_the_closed_session() -> None:
    """Ocular LTE Plus (T1): late values with the old id never revive the session."""
    charger = ChargerState("CP")
    transactions.start_transaction(charger, 1, 5, "TAG", 0, None, ctx())
    transactions.stop_transaction(charger, 5, 1000, None, None, [], ctx(1))
    transactions.apply_meter_values(charger, 1, 5, register(1010), ctx(2))
    conn = charger.connector(1)
    assert conn.session is None
    assert conn.last_closed is not None and conn.last_closed.energy_wh == 1010


def test_transaction_id_zero_attaches_to_the_open_session() -> None:
    """Unnamed chargers send transactionId 0 for a running transaction (T10)."""
    charger = ChargerState("CP")
    transactions.start_transaction(charger, 1, 5, "TAG", 0, None, ctx())
    transactions.apply_meter_values(charger, 1, 0, register(400), ctx(1))
    assert charger.connector(1).session.energy_wh == 400


def test_unknown_running_transaction_is_adopted_only_while_charging() -> None:
    charger = ChargerState("CP")
    transactions.apply_meter_values(charger, 1, 42, register(100), ctx())
    assert charger.connector(1).session is None
    charger.connector(1).status = CHARGING
    transactions.apply_meter_values(charger, 1, 42, register(200), ctx(1))
    session = charger.connector(1).session
    assert session is not None and session.transaction_id == 42
    assert session.energy_wh == 100  # only what flowed after adoption


def test_single_connector_meter_on_connector_zero() -> None:
    charger = ChargerState("CP")
    charger.connector(1)
    updated = transactions.apply_meter_values(charger, 0, None, register(10), ctx())
    assert updated is charger.connector(1)


def test_duplicate_start_gets_the_same_transaction() -> None:
    charger = ChargerState("CP")
    stamp = NOW - timedelta(seconds=5)
    transactions.start_transaction(charger, 1, 9, "TAG", 100, stamp, ctx())
    assert transactions.find_duplicate_start(charger, 1, "TAG", 100, stamp) is not None
    assert transactions.find_duplicate_start(charger, 1, "TAG", 101, stamp) is None


def test_new_start_supersedes_an_open_session() -> None:
    charger = ChargerState("CP")
    transactions.start_transaction(charger, 1, 1, "A", 0, None, ctx())
    transactions.start_transaction(charger, 1, 2, "B", 50, None, ctx(1))
    assert charger.connector(1).session.transaction_id == 2
    assert charger.recent_sessions[-1].stop_reason == "Superseded"


def test_session_counter_start_rebases_energy() -> None:
    """Grizzl-E and Vestel count per session (M8): lifetime energy keeps growing."""
    charger = ChargerState("CP")
    transactions.start_transaction(charger, 1, 1, "A", 0, None, ctx())
    transactions.stop_transaction(charger, 1, 5000, None, None, [], ctx(30))
    transactions.start_transaction(charger, 1, 2, "A", 0, None, ctx(60))
    transactions.stop_transaction(charger, 2, 3000, None, None, [], ctx(90))
    assert charger.connector(1).energy.lifetime_wh == 8000
