"""OCPP-J envelopes: well-formed frames parse, broken ones name their CALLERROR."""

from __future__ import annotations

import json

import pytest

from custom_components.ocpp_central.csms import framing


def test_call_result_and_error_parse() -> None:
    call = framing.parse_frame('[2,"1","Heartbeat",{}]')
    assert (call.message_type, call.unique_id, call.action, call.payload) == (
        2,
        "1",
        "Heartbeat",
        {},
    )
    result = framing.parse_frame('[3,"2",{"status":"Accepted"}]')
    assert result.payload == {"status": "Accepted"}
    error = framing.parse_frame('[4,"3","NotSupported","nope",{}]')
    assert (error.error_code, error.error_description) == ("NotSupported", "nope")


@pytest.mark.parametrize(
    ("text", "code", "unique_id", "message_type"),
    [
        ("nope", "FormationViolation", "-1", 0),
        ('[2,"abc","MeterValues",{,]', "FormationViolation", "abc", 2),
        ('[3,"r1",{"configurationKey":[]', "FormationViolation", "r1", 3),
        ("[]", "FormationViolation", "-1", 0),
        ("{}", "FormationViolation", "-1", 0),
        ('[2,"' + "x" * 37 + '","Heartbeat",{}]', "FormationViolation", "-1", 2),
        ('[2,"id","Heartbeat"]', "ProtocolError", "id", 2),
        ('[2,"id","Heartbeat",{},1]', "FormationViolation", "id", 2),
        ('[2,"id",5,{}]', "FormationViolation", "id", 2),
        ('[9,"id",{}]', "ProtocolError", "id", 0),
        ('[3,"id",[]]', "FormationViolation", "id", 3),
        ('[4,"id",7]', "FormationViolation", "id", 4),
    ],
)
def test_broken_frames(text: str, code: str, unique_id: str, message_type: int) -> None:
    with pytest.raises(framing.FramingError) as err:
        framing.parse_frame(text)
    assert (err.value.code, err.value.unique_id, err.value.message_type) == (
        code,
        unique_id,
        message_type,
    )


def test_binary_frames_are_refused() -> None:
    with pytest.raises(framing.FramingError):
        framing.parse_frame(b"[2]")


def test_outgoing_frames_are_compact_json() -> None:
    assert json.loads(framing.call("u", "Reset", {"type": "Soft"})) == [
        2,
        "u",
        "Reset",
        {"type": "Soft"},
    ]
    assert framing.call_result("u", {}) == '[3,"u",{}]'
    error = json.loads(framing.call_error("u", "NotImplemented", "x" * 300))
    assert error[:3] == [4, "u", "NotImplemented"]
    assert len(error[3]) == 255
