"""Strict OCPP-J framing (SPEC §6.1): the envelope is checked here, payloads elsewhere.

An OCPP-J frame is a JSON array: ``[2, id, action, payload]`` (CALL),
``[3, id, payload]`` (CALLRESULT) or ``[4, id, code, description, details]`` (CALLERROR).
Anything else is answered with the CALLERROR code OCPP-J 1.6 §4.2.3 names for it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

CALL: Final = 2
CALL_RESULT: Final = 3
CALL_ERROR: Final = 4

MAX_UNIQUE_ID_LENGTH: Final = 36
# When a frame is not JSON at all, the unique id may still be readable at its start
# (ZJ Beny BCP-A2N-L sends MeterValues with a stray comma, QUIRKS S19; Grizzl-E truncates
# CALLRESULTs, QUIRKS S17): salvage it so the CALLERROR or the pending call can be matched.
_ID_PREFIX = re.compile(r'^\s*\[\s*([234])\s*,\s*"([^"\\]{1,36})"')
UNKNOWN_ID: Final = "-1"


@dataclass(slots=True, frozen=True)
class Frame:
    """A well-formed OCPP-J frame."""

    message_type: int
    unique_id: str
    action: str = ""
    payload: Any = None
    error_code: str = ""
    error_description: str = ""


class FramingError(Exception):
    """A frame that violates OCPP-J framing.

    ``message_type`` and ``unique_id`` are what could be salvaged (``UNKNOWN_ID`` when none).
    """

    def __init__(self, code: str, description: str, unique_id: str, message_type: int) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.unique_id = unique_id
        self.message_type = message_type


def parse_frame(text: str | bytes) -> Frame:
    """Parse one websocket message into a Frame, or raise FramingError."""
    if isinstance(text, bytes):
        # OCPP-J uses text frames only; a binary frame is a framing error.
        raise FramingError("FormationViolation", "binary frames are not OCPP-J", UNKNOWN_ID, 0)
    try:
        data = json.loads(text)
    except ValueError:
        salvaged = _ID_PREFIX.match(text)
        if salvaged:
            raise FramingError(
                "FormationViolation", "frame is not valid JSON", salvaged[2], int(salvaged[1])
            ) from None
        raise FramingError("FormationViolation", "frame is not valid JSON", UNKNOWN_ID, 0) from None
    if not isinstance(data, list) or not data:
        raise FramingError("FormationViolation", "frame is not a JSON array", UNKNOWN_ID, 0)
    message_type = data[0]
    unique_id = data[1] if len(data) > 1 else None
    if not isinstance(unique_id, str) or not unique_id or len(unique_id) > MAX_UNIQUE_ID_LENGTH:
        kind = message_type if isinstance(message_type, int) else 0
        raise FramingError("FormationViolation", "missing or invalid unique id", UNKNOWN_ID, kind)
    if message_type == CALL:
        return _call(data, unique_id)
    if message_type == CALL_RESULT:
        return _call_result(data, unique_id)
    if message_type == CALL_ERROR:
        return _call_error(data, unique_id)
    raise FramingError("ProtocolError", "unknown message type id", unique_id, 0)


def _call(data: list[Any], unique_id: str) -> Frame:
    if len(data) < 4:
        raise FramingError("ProtocolError", "CALL is missing elements", unique_id, CALL)
    if len(data) > 4:
        raise FramingError("FormationViolation", "CALL has extra elements", unique_id, CALL)
    action, payload = data[2], data[3]
    if not isinstance(action, str) or not action:
        raise FramingError("FormationViolation", "CALL action is not a string", unique_id, CALL)
    if not isinstance(payload, dict):
        raise FramingError("FormationViolation", "CALL payload is not an object", unique_id, CALL)
    return Frame(CALL, unique_id, action=action, payload=payload)


def _call_result(data: list[Any], unique_id: str) -> Frame:
    if len(data) != 3 or not isinstance(data[2], dict):
        raise FramingError(
            "FormationViolation", "CALLRESULT is not [3, id, {payload}]", unique_id, CALL_RESULT
        )
    return Frame(CALL_RESULT, unique_id, payload=data[2])


def _call_error(data: list[Any], unique_id: str) -> Frame:
    if len(data) < 4 or not isinstance(data[2], str):
        raise FramingError("FormationViolation", "malformed CALLERROR", unique_id, CALL_ERROR)
    description = data[3] if isinstance(data[3], str) else ""
    return Frame(CALL_ERROR, unique_id, error_code=data[2], error_description=description)


def dumps(value: Any) -> str:
    """Serialise a frame compactly (what goes on the wire)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def call_result(unique_id: str, payload: dict[str, Any]) -> str:
    """A CALLRESULT frame."""
    return dumps([CALL_RESULT, unique_id, payload])


def call_error(unique_id: str, code: str, description: str = "") -> str:
    """A CALLERROR frame (1.6 codes; description kept short, details empty)."""
    return dumps([CALL_ERROR, unique_id, code, description[:255], {}])


def call(unique_id: str, action: str, payload: dict[str, Any]) -> str:
    """A CALL frame."""
    return dumps([CALL, unique_id, action, payload])
