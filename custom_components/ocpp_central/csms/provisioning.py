"""After every (re)connection: read the configuration, set metering, ask for status.

SPEC §3.1. Never resets a charger, respects read-only keys and RebootRequired, and never
changes the same key again within a day when the charger did not keep it — a charger
that reboots after a change (ABB Terra AC, QUIRKS C1) is not sent into a boot loop.
"""

from __future__ import annotations

import logging
import time
from typing import Final

from ocpp.v16 import call

from . import configuration
from .model import ChargerState
from .session import CallFailed, ChargePointSession, NotConnected

_LOGGER = logging.getLogger(__name__)

MEASURANDS: Final = ("Energy.Active.Import.Register", "Power.Active.Import")
MEASURANDS_FALLBACK: Final = ("Energy.Active.Import.Register", "Current.Import", "Voltage")
RETRY_AFTER_S: Final = 24 * 3600
SAMPLED_DATA_KEY: Final = "MeterValuesSampledData"
SAMPLE_INTERVAL_KEY: Final = "MeterValueSampleInterval"
POWER_REFUSED: Final = "power_measurand_refused"

_FAILURES = (CallFailed, TimeoutError)


async def provision(session: ChargePointSession, sample_interval: int) -> None:
    """Run the provisioning sequence; failures are logged once and never raised."""
    try:
        await _read_configuration(session)
        await _ensure_measurands(session)
        await _ensure_value(session, SAMPLE_INTERVAL_KEY, str(sample_interval))
        await _trigger(session, "StatusNotification")
    except NotConnected:
        _LOGGER.debug("%s: disconnected during provisioning", session.charger.charge_point_id)


async def _read_configuration(session: ChargePointSession) -> None:
    """All keys at once: Vestel and EVBox allow only one key per request (QUIRKS C5)."""
    try:
        answer = await session.request(call.GetConfiguration())
    except _FAILURES as err:
        session.note_once("get_configuration", "GetConfiguration failed: %s", err or "timeout")
        return
    charger = session.charger
    charger.configuration = configuration.parse_configuration(answer)
    charger.capabilities = configuration.capabilities(charger.configuration)


async def _trigger(session: ChargePointSession, message: str) -> None:
    """Station-wide trigger: Mennekes ACU ignores per-connector ones (QUIRKS R12)."""
    try:
        await session.request(call.TriggerMessage(requested_message=message))
    except _FAILURES as err:
        session.note_once(f"trigger:{message}", "TriggerMessage(%s) failed: %s", message, err)


def _may_change(session: ChargePointSession, key: str) -> bool:
    charger = session.charger
    item = configuration.lookup(charger.configuration, key)
    if item is not None and item.readonly:
        # Fronius Wattpilot and go-e make MeterValuesSampledData read-only (QUIRKS C2).
        _LOGGER.debug("%s: %s is read-only; leaving it", charger.charge_point_id, key)
        return False
    last = charger.provisioning.get(key)
    if last is not None and time.time() - last < RETRY_AFTER_S:
        session.note_once(
            f"not_kept:{key}",
            "did not keep %s after it was changed; not changing it again today",
            key,
        )
        return False
    return True


async def _change(session: ChargePointSession, key: str, value: str) -> str | None:
    """ChangeConfiguration; returns the charger's status (None when it failed)."""
    charger = session.charger
    charger.provisioning[key] = time.time()
    try:
        answer = await session.request(call.ChangeConfiguration(key=key, value=value))
    except _FAILURES as err:
        session.note_once(f"change:{key}", "ChangeConfiguration %s failed: %s", key, err)
        return None
    status = str(answer.get("status"))
    if status == "Accepted":
        item = configuration.lookup(charger.configuration, key)
        if item is not None:
            item.value = value
    elif status == "RebootRequired":
        # AMTRON 4Business (QUIRKS C4): pending until the user restarts the charger;
        # the central system never resets a charger on its own.
        session.note_once(f"reboot:{key}", "%s takes effect after the charger restarts", key)
    return status


async def _ensure_value(session: ChargePointSession, key: str, value: str) -> None:
    item = configuration.lookup(session.charger.configuration, key)
    if item is not None and item.value is not None and item.value.strip() == value:
        session.charger.provisioning.pop(key, None)
        return
    if _may_change(session, key):
        await _change(session, key, value)


async def _ensure_measurands(session: ChargePointSession) -> None:
    charger: ChargerState = session.charger
    wanted = MEASURANDS_FALLBACK if charger.quirks.get(POWER_REFUSED) else MEASURANDS
    item = configuration.lookup(charger.configuration, SAMPLED_DATA_KEY)
    current = configuration.measurand_set(item.value if item else None)
    if current == configuration.measurand_set(",".join(wanted)):
        charger.provisioning.pop(SAMPLED_DATA_KEY, None)
        return
    if not _may_change(session, SAMPLED_DATA_KEY):
        return
    status = await _change(session, SAMPLED_DATA_KEY, ",".join(wanted))
    if status in ("Rejected", "NotSupported") and wanted is MEASURANDS:
        # Power.Active.Import refused: power is derived from current × voltage instead.
        charger.quirks.learn(POWER_REFUSED, True)
        await _change(session, SAMPLED_DATA_KEY, ",".join(MEASURANDS_FALLBACK))
