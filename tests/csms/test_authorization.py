"""Id tags, the unknown-tag policy, local lists and reservations (SPEC §3.6), pure."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta, timezone

import pytest

from custom_components.ocpp_central.csms.authorization import (
    Authorizer,
    IdTag,
    normalize_id_tag,
    valid_id_tag,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)
EARLIER = NOW - timedelta(days=1)


def info(auth: Authorizer, tag: str | None, now: datetime = NOW) -> dict:
    return auth.id_tag_info("CP1", tag, now)


# ------------------------------------------------------------------ statuses


@pytest.mark.parametrize("status", ["Accepted", "Blocked", "Expired", "Invalid"])
def test_a_known_tag_gets_its_status(status: str) -> None:
    auth = Authorizer()
    auth.set_tag("CARD1", status)
    assert info(auth, "CARD1") == {"status": status}


def test_status_is_taken_in_any_case() -> None:
    """The UI stores select keys in lower case."""
    auth = Authorizer()
    auth.set_tag("CARD1", "blocked")
    assert info(auth, "CARD1") == {"status": "Blocked"}
    with pytest.raises(ValueError):
        auth.set_tag("CARD1", "ConcurrentTx")


def test_expiry_date_and_parent_are_in_the_answer() -> None:
    auth = Authorizer()
    auth.set_tag("CARD1", "Accepted", LATER, "FAMILY")
    assert info(auth, "CARD1") == {
        "status": "Accepted",
        "expiryDate": "2026-12-24T12:00:00.000Z",
        "parentIdTag": "FAMILY",
    }


def test_an_expiry_date_in_the_past_turns_accepted_into_expired() -> None:
    auth = Authorizer()
    auth.set_tag("CARD1", "Accepted", LATER)
    auth.set_tag("CARD2", "Blocked", EARLIER)
    assert info(auth, "CARD1")["status"] == "Accepted"
    assert info(auth, "CARD1", LATER + timedelta(seconds=1))["status"] == "Expired"
    assert info(auth, "CARD1", LATER + timedelta(seconds=1))["expiryDate"].endswith("Z")
    assert info(auth, "CARD2")["status"] == "Blocked"  # blocked stays blocked


def test_expiry_in_another_time_zone_and_naive_times() -> None:
    auth = Authorizer()
    cet = datetime(2027, 1, 1, 14, 0, tzinfo=timezone(timedelta(hours=1)))
    auth.set_tag("CARD1", "Accepted", cet)
    assert info(auth, "CARD1")["expiryDate"] == "2027-01-01T13:00:00.000Z"
    auth.set_tag("CARD2", "Accepted", datetime(2026, 11, 24, 11, 0))  # naive: UTC
    assert info(auth, "CARD2", NOW.replace(tzinfo=None))["status"] == "Expired"


async def test_answers_are_schema_valid_idtaginfo() -> None:
    """Every answer passes the OCPP 1.6 JSON schema of the three responses."""
    from ocpp.messages import CallResult, validate_payload

    auth = Authorizer(policy="reject")
    auth.set_tag("CARD1", "Accepted", LATER, "P" * 20)
    auth.set_tag("CARD2", "Accepted", EARLIER)
    for tag in ("CARD1", "CARD2", "UNKNOWN", None, "x" * 40, "CARD1\x10\x0e"):
        answer = info(auth, tag)
        for action in ("Authorize", "StartTransaction", "StopTransaction"):
            payload = {"idTagInfo": answer}
            if action == "StartTransaction":
                payload["transactionId"] = 1
            await validate_payload(CallResult("1", payload, action), "1.6")


# -------------------------------------------------------------- unknown tags


def test_unknown_tags_are_accepted_by_default() -> None:
    auth = Authorizer()
    assert auth.policy == "accept"
    assert info(auth, "STRANGER") == {"status": "Accepted"}
    assert info(auth, None) == {"status": "Accepted"}


def test_unknown_tags_are_invalid_with_policy_reject() -> None:
    auth = Authorizer()
    auth.set_tag("CARD1")
    auth.policy = "reject"
    assert info(auth, "STRANGER") == {"status": "Invalid"}
    assert info(auth, None) == {"status": "Invalid"}
    assert info(auth, "") == {"status": "Invalid"}
    assert info(auth, "CARD1") == {"status": "Accepted"}


def test_policy_values() -> None:
    auth = Authorizer()
    auth.policy = "Reject"
    assert auth.policy == "reject"
    with pytest.raises(ValueError):
        auth.policy = "maybe"
    assert Authorizer(policy="reject").policy == "reject"


# ------------------------------------------------------------ matching tags


def test_matching_is_exact_but_case_insensitive_as_ocpp_cistring() -> None:
    auth = Authorizer(policy="reject")
    auth.set_tag("04A2B3C4", "Blocked")
    assert info(auth, "04A2B3C4")["status"] == "Blocked"
    assert info(auth, "04a2b3c4")["status"] == "Blocked"  # IdToken is a CiString20Type
    assert info(auth, "04A2B3C")["status"] == "Invalid"  # no prefix matching
    assert info(auth, "04A2B3C45")["status"] == "Invalid"
    auth.set_tag("04a2b3c4", "Accepted")
    assert info(auth, "04a2b3c4")["status"] == "Accepted"  # an exact match wins
    assert info(auth, "04A2B3C4")["status"] == "Blocked"


def test_trailing_control_characters_are_stripped() -> None:
    """Ocular LTE Plus echoes a 20-char tag with 0x10 0x0E appended (QUIRKS S3)."""
    tag = "A" * 20
    auth = Authorizer(policy="reject")
    auth.set_tag(tag, "Blocked")
    assert info(auth, tag + "\x10\x0e") == {"status": "Blocked"}
    assert info(auth, "\x02" + tag + "\r\n") == {"status": "Blocked"}
    assert normalize_id_tag("AB\x10\x0e") == "AB"
    assert normalize_id_tag("\x10\x0e") is None
    assert normalize_id_tag(42) is None


def test_over_long_and_odd_tags_never_crash() -> None:
    """Sigen appends '-' to a 20-char tag (QUIRKS S4): unknown, answered, no exception."""
    auth = Authorizer(policy="reject")
    auth.set_tag("B" * 20)
    assert info(auth, "B" * 20 + "-") == {"status": "Invalid"}
    assert info(auth, "x" * 5000) == {"status": "Invalid"}
    assert info(auth, 17) == {"status": "Invalid"}  # type: ignore[arg-type]
    assert info(auth, "\x00\x01") == {"status": "Invalid"}


def test_colons_and_other_printables_are_valid_tags() -> None:
    """Autocharge tags look like VID:00XXXXXXXXXX (QUIRKS N15)."""
    auth = Authorizer(policy="reject")
    auth.set_tag("VID:0012AB34CD56", "Accepted")
    assert info(auth, "VID:0012AB34CD56") == {"status": "Accepted"}
    assert valid_id_tag("RDAM|123")
    assert not valid_id_tag("")
    assert not valid_id_tag("x" * 21)
    assert not valid_id_tag("A\x10")
    assert not valid_id_tag(" A")


def test_unusable_tags_cannot_be_set() -> None:
    auth = Authorizer()
    for bad in ("", "x" * 21, "\x10\x0e"):
        with pytest.raises(ValueError):
            auth.set_tag(bad)
    with pytest.raises(ValueError):
        auth.set_tag("OK", parent_id_tag="p" * 21)
    with pytest.raises(ValueError):
        IdTag.create("OK", expiry_date="not a date")
    assert auth.tags == ()


def test_tags_are_never_logged_except_one_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    auth = Authorizer()
    auth.set_tags([IdTag.create("SECRET1"), IdTag.create("SECRET2")])
    with caplog.at_level(logging.INFO):
        info(auth, "SECRET1")
        info(auth, "OTHER")
    assert "SECRET" not in caplog.text
    assert "SECRET" not in repr(auth)
    with caplog.at_level(logging.DEBUG):
        info(auth, "SECRET1")
    assert "SECRET1" in caplog.text
    assert "SECRET2" not in caplog.text


# ------------------------------------------------------------ managing tags


def test_set_tags_replaces_only_the_ui_managed_tags() -> None:
    auth = Authorizer(policy="reject")
    changes: list[None] = []
    auth.on_change = lambda: changes.append(None)
    auth.set_tag("MANUAL", "Accepted")
    auth.set_tags([IdTag.create("UI1"), IdTag.create("UI2", "Blocked")])
    assert {t.id_tag for t in auth.tags} == {"MANUAL", "UI1", "UI2"}
    auth.set_tags([IdTag.create("UI2", "Accepted")])
    assert {t.id_tag for t in auth.tags} == {"MANUAL", "UI2"}
    assert info(auth, "UI1")["status"] == "Invalid"
    assert info(auth, "UI2")["status"] == "Accepted"
    count = len(changes)
    auth.set_tags([IdTag.create("UI2", "Accepted")])  # nothing new: no save
    assert len(changes) == count


def test_remove_tag() -> None:
    auth = Authorizer(policy="reject")
    auth.set_tag("CARD1", "Blocked")
    assert auth.tag("card1\x10") is not None
    assert auth.remove_tag("card1")
    assert not auth.remove_tag("CARD1")
    assert info(auth, "CARD1") == {"status": "Invalid"}
    assert auth.tag(None) is None


# ------------------------------------------------------------- persistence


def test_round_trip() -> None:
    auth = Authorizer(policy="reject")
    auth.set_tag("MANUAL", "Blocked", LATER, "PARENT")
    auth.set_tags([IdTag.create("UI1", "Expired")])
    auth.record_local_list("CP1", 3, "Full", auth.authorization_data(NOW))
    auth.reserve("CP1", 7, 1, "MANUAL", LATER, "PARENT")
    restored = Authorizer.from_dict(json.loads(json.dumps(auth.to_dict())))
    assert restored.to_dict() == auth.to_dict()
    assert restored.policy == "reject"
    assert info(restored, "MANUAL") == info(auth, "MANUAL")
    assert restored.local_list_version("CP1") == 3
    assert restored.reservations("CP1", NOW) == auth.reservations("CP1", NOW)
    assert restored.new_reservation_id() == 8
    restored.set_tags([])  # the UI tags stay UI tags after a restart
    assert [t.id_tag for t in restored.tags] == ["MANUAL"]


def test_damaged_storage_is_tolerated(caplog: pytest.LogCaptureFixture) -> None:
    assert Authorizer.from_dict(None).to_dict() == Authorizer().to_dict()
    assert Authorizer.from_dict("garbage").policy == "accept"
    auth = Authorizer.from_dict(
        {
            "policy": "nonsense",
            "tags": [
                {"id_tag": "GOOD", "status": "Blocked", "expiry_date": "2027-01-01T00:00:00Z"},
                {"id_tag": "", "status": "Accepted"},
                {"id_tag": "SECRETBAD", "status": "Weird"},
                "not a dict",
            ],
            "local_lists": {"CP1": {"version": "x"}, "CP2": {"version": 4, "entries": None}},
            "reservations": {"CP1": [{"reservation_id": "x"}, "junk"], "CP2": "junk"},
            "last_reservation_id": "x",
        }
    )
    assert auth.policy == "accept"
    assert [t.id_tag for t in auth.tags] == ["GOOD"]
    assert info(auth, "GOOD")["expiryDate"] == "2027-01-01T00:00:00.000Z"
    assert auth.local_list_version("CP1") is None
    assert auth.local_list_version("CP2") == 4
    assert auth.local_list_changes("CP2", NOW) is None  # contents unknown: send Full
    assert auth.reservations("CP1", NOW) == []
    assert "SECRETBAD" not in caplog.text


# ------------------------------------------------------ local authorization list


def test_local_list_full_then_differential() -> None:
    auth = Authorizer()
    assert auth.local_list_version("CP1") is None
    assert auth.next_local_list_version("CP1") == 1
    auth.set_tag("A", "Accepted", LATER)
    auth.set_tag("B", "Blocked")
    full = auth.authorization_data(NOW)
    assert full == [
        {
            "idTag": "A",
            "idTagInfo": {"status": "Accepted", "expiryDate": "2026-12-24T12:00:00.000Z"},
        },
        {"idTag": "B", "idTagInfo": {"status": "Blocked"}},
    ]
    auth.record_local_list("CP1", 1, "Full", full)
    assert auth.local_list_version("CP1") == 1
    assert auth.local_list_version("CP2") is None
    assert auth.local_list_changes("CP1", NOW) == []

    auth.remove_tag("B")
    auth.set_tag("C", "Accepted")
    auth.set_tag("A", "Blocked")
    changes = auth.local_list_changes("CP1", NOW)
    assert changes == [
        {"idTag": "A", "idTagInfo": {"status": "Blocked"}},
        {"idTag": "C", "idTagInfo": {"status": "Accepted"}},
        {"idTag": "B"},  # no idTagInfo: remove it from the charger's list
    ]
    assert auth.next_local_list_version("CP1") == 2
    auth.record_local_list("CP1", 2, "Differential", changes)
    assert auth.local_list_version("CP1") == 2
    assert auth.local_list_changes("CP1", NOW) == []

    auth.record_local_list("CP1", 3, "Full", [])  # a Full update replaces everything
    assert auth.local_list_version("CP1") == 3
    assert len(auth.local_list_changes("CP1", NOW) or []) == 2


def test_local_list_expiry_shows_in_changes() -> None:
    auth = Authorizer()
    auth.set_tag("A", "Accepted", LATER)
    auth.record_local_list("CP1", 1, "Full", auth.authorization_data(NOW))
    after = LATER + timedelta(minutes=1)
    assert auth.local_list_changes("CP1", after) == [
        {"idTag": "A", "idTagInfo": {"status": "Expired", "expiryDate": "2026-12-24T12:00:00.000Z"}}
    ]


def test_local_list_differential_on_unknown_contents_and_version_reports() -> None:
    auth = Authorizer()
    auth.record_local_list("CP1", 5, "Differential", [{"idTag": "A", "idTagInfo": {}}])
    assert auth.local_list_version("CP1") == 5
    assert auth.local_list_changes("CP1") is None  # what else is on it: unknown
    with pytest.raises(ValueError):
        auth.record_local_list("CP1", 6, "Partial", [])

    auth.record_local_list("CP2", 2, "Full", [{"idTag": "A", "idTagInfo": {"status": "Accepted"}}])
    auth.note_local_list_version("CP2", 2)  # GetLocalListVersion agrees: contents kept
    assert auth.local_list_changes("CP2", NOW) == [{"idTag": "A"}]
    auth.note_local_list_version("CP2", 9)  # changed behind our back: contents unknown
    assert auth.local_list_version("CP2") == 9
    assert auth.local_list_changes("CP2", NOW) is None
    auth.note_local_list_version("CP3", 0)  # no list installed
    assert auth.local_list_changes("CP3", NOW) == []
    auth.note_local_list_version("CP4", -1)  # not supported
    assert auth.next_local_list_version("CP4") == 1
    assert auth.next_local_list_version("CP2") == 10


def test_local_list_entries_may_be_snake_case_or_damaged() -> None:
    auth = Authorizer()
    auth.record_local_list(
        "CP1",
        1,
        "Full",
        [{"id_tag": "A", "id_tag_info": {"status": "Accepted"}}, {"idTag": None}, "junk"],  # type: ignore[list-item]
    )
    assert auth.local_list_changes("CP1", NOW) == [{"idTag": "A"}]


# ------------------------------------------------------------- reservations


def test_reservation_is_consumed_once() -> None:
    auth = Authorizer()
    reservation = auth.reserve("CP1", 11, 1, "CARD1\x10", LATER, "FAMILY")
    assert reservation.id_tag == "CARD1"
    assert auth.reservations("CP1", NOW) == [reservation]
    assert auth.reservations("CP2", NOW) == []
    assert auth.consume_reservation("CP2", 11, NOW) is None  # another charger's id
    assert auth.consume_reservation("CP1", 11, NOW) == reservation
    assert auth.consume_reservation("CP1", 11, NOW) is None
    assert auth.reservations("CP1", NOW) == []


def test_reservation_cancel() -> None:
    auth = Authorizer()
    auth.reserve("CP1", 1, 1, "CARD1", LATER)
    assert auth.cancel_reservation("CP1", 1)
    assert not auth.cancel_reservation("CP1", 1)
    assert not auth.cancel_reservation("CP9", 1)
    assert auth.reservations("CP1", NOW) == []


def test_reservations_expire() -> None:
    auth = Authorizer()
    changes: list[None] = []
    auth.on_change = lambda: changes.append(None)
    auth.reserve("CP1", 1, 1, "CARD1", NOW + timedelta(minutes=10))
    auth.reserve("CP1", 2, 2, "CARD2", NOW + timedelta(hours=1))
    later = NOW + timedelta(minutes=11)
    assert [r.reservation_id for r in auth.reservations("CP1", later)] == [2]
    assert auth.consume_reservation("CP1", 1, later) is None
    assert not auth.drop_expired(later)
    assert auth.drop_expired(NOW + timedelta(hours=2))
    assert auth.to_dict()["reservations"] == {}
    assert changes


def test_reservation_replaces_same_id_and_same_connector() -> None:
    auth = Authorizer()
    auth.reserve("CP1", 1, 1, "CARD1", LATER)
    auth.reserve("CP1", 1, 2, "CARD1", LATER)  # same id: replaced (moved to connector 2)
    auth.reserve("CP1", 2, 1, "CARD2", LATER)
    auth.reserve("CP1", 3, 2, "CARD3", LATER)  # connector 2 again: reservation 1 is gone
    assert [(r.reservation_id, r.connector_id) for r in auth.reservations("CP1", NOW)] == [
        (2, 1),
        (3, 2),
    ]
    assert auth.new_reservation_id() == 4
    with pytest.raises(ValueError):
        auth.reserve("CP1", 5, 1, "", LATER)


def test_forget_charger() -> None:
    auth = Authorizer()
    changes: list[None] = []
    auth.record_local_list("CP1", 1, "Full", [])
    auth.reserve("CP1", 1, 1, "CARD1", LATER)
    auth.on_change = lambda: changes.append(None)
    auth.forget_charger("CP1")
    auth.forget_charger("CP1")
    assert len(changes) == 1
    assert auth.local_list_version("CP1") is None
    assert auth.reservations("CP1", NOW) == []
