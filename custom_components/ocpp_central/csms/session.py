"""One connected charger: OCPP 1.6J over one websocket (SPEC §3.1, §3.2, §6).

Incoming CALLs are routed by the ``ocpp`` library's ``@on`` handlers; the envelope is
checked strictly first (framing.py) and payloads are read leniently, field by field
(lenient.py). Outgoing CALLs go through ``request`` one at a time.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Protocol

from ocpp.charge_point import (
    camel_to_snake_case,
    remove_nones,
    serialize_as_dict,
    snake_to_camel_case,
)
from ocpp.exceptions import (
    FormationViolationError,
    OccurenceConstraintViolationError,
    OCPPError,
    PropertyConstraintViolationError,
    TypeConstraintViolationError,
)
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action, RegistrationStatus
from websockets.exceptions import ConnectionClosed

from . import framing, lenient, metering, transactions
from .model import CHARGING, ChargerState, Identity

if TYPE_CHECKING:
    from websockets.asyncio.server import ServerConnection

_LOGGER = logging.getLogger(__name__)

BOOT_GRACE_S: Final = 5.0  # evcc's figure for chargers that never boot on their own (T2)
BOOT_FALLBACK_S: Final = 60.0
FRAME_LOG_CHARS: Final = 1024
_UNUSABLE: Final[dict[str, type[OCPPError]]] = {
    "TypeConstraintViolation": TypeConstraintViolationError,
    "PropertyConstraintViolation": PropertyConstraintViolationError,
    "OccurenceConstraintViolation": OccurenceConstraintViolationError,
    "FormationViolation": FormationViolationError,
}


class CallFailed(Exception):
    """The charger answered a CALL with a CALLERROR (or with garbage)."""

    def __init__(self, code: str, description: str = "") -> None:
        super().__init__(f"{code}: {description}" if description else code)
        self.code = code
        self.description = description


class NotConnected(Exception):
    """The charger is not connected (or the connection closed while waiting)."""


class SessionHost(Protocol):
    """What a session needs from the central system."""

    heartbeat_interval: int

    def next_transaction_id(self) -> int:
        """A fresh, persisted transaction id."""

    def authorize(
        self, charge_point_id: str, id_tag: str | None, *, reservation_id: int | None = None
    ) -> dict[str, Any]:
        """The IdTagInfo for an id tag (a StartTransaction's reservation ends)."""

    def context(self, charge_point_id: str) -> transactions.Context:
        """The environment for one incoming message."""

    def changed(self, charge_point_id: str, connector_id: int | None, *, urgent: bool) -> None:
        """State changed: tell listeners and persist (urgent = write now)."""

    def transaction_changed(
        self, charge_point_id: str, connector_id: int, *, started: bool
    ) -> None:
        """A transaction started or stopped (after the state update; must not await)."""

    async def provision(self, session: ChargePointSession) -> None:
        """Post-boot provisioning (SPEC §3.1)."""


_SNAKE_KEYS: dict[str, str] = {}
_SNAKE_KEYS_MAX: Final = 4096


def _snake_key(key: str) -> str:
    cached = _SNAKE_KEYS.get(key)
    if cached is None:
        cached = next(iter(camel_to_snake_case({key: None})))
        if len(_SNAKE_KEYS) < _SNAKE_KEYS_MAX:  # keys come from chargers: stay bounded
            _SNAKE_KEYS[key] = cached
    return cached


def snake_case(data: Any) -> Any:
    """The ``ocpp`` library's camelCase → snake_case, with the key conversions cached.

    Profiling the MeterValues hot path showed the library's regex conversion of every key
    of every message as its largest cost; the keys repeat, so they are converted once.
    """
    if isinstance(data, dict):
        return {_snake_key(k) if isinstance(k, str) else k: snake_case(v) for k, v in data.items()}
    if isinstance(data, list):
        return [snake_case(v) for v in data]
    return data


@dataclass(slots=True)
class _Pending:
    unique_id: str
    future: asyncio.Future[framing.Frame]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ChargePointSession(ChargePoint):  # type: ignore[misc]
    """The central system's side of one charger's websocket."""

    def __init__(
        self,
        charger: ChargerState,
        connection: ServerConnection,
        host: SessionHost,
        *,
        response_timeout: float = 30.0,
    ) -> None:
        super().__init__(
            charger.charge_point_id,
            connection,
            response_timeout=response_timeout,
            logger=_LOGGER,
        )
        self.charger = charger
        self.connection = connection
        self._host = host
        self._pending: _Pending | None = None
        self._closed = False
        self.boot_answered = asyncio.Event()
        self._conditions: set[str] = set()
        self._dev = charger.deviations

    # ----------------------------------------------------------------- wire

    async def run(self) -> None:
        """Receive and route frames until the connection closes."""
        try:
            async for message in self.connection:
                self.charger.last_seen = _utcnow()
                self._log_frame("<", message)
                await self.route_message(message)
        except ConnectionClosed:
            pass
        finally:
            self._closed = True
            if self._pending and not self._pending.future.done():
                self._pending.future.set_exception(NotConnected())

    @property
    def closed(self) -> bool:
        """True once the connection has closed."""
        return self._closed

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the websocket cleanly."""
        await self.connection.close(code, reason)

    def _log_frame(self, direction: str, text: str | bytes) -> None:
        if isinstance(text, bytes):
            text = f"<{len(text)} bytes binary>"
        self.charger.frames.append((time.time(), direction, text[:FRAME_LOG_CHARS]))

    async def _send(self, message: str) -> None:
        self._log_frame(">", message)
        await self.connection.send(message)

    def note_once(self, condition: str, message: str, *args: object) -> None:
        """Log a condition once per connection (then at debug level)."""
        level = logging.DEBUG if condition in self._conditions else logging.WARNING
        self._conditions.add(condition)
        _LOGGER.log(level, "%s: " + message, self.charger.charge_point_id, *args)

    async def route_message(self, raw_msg: str | bytes) -> None:
        """Check the envelope strictly, then route (SPEC §6.1)."""
        try:
            frame = framing.parse_frame(raw_msg)
        except framing.FramingError as err:
            await self._framing_error(err)
            return
        if frame.message_type == framing.CALL:
            await self._dispatch(frame)
            return
        pending = self._pending
        if pending is not None and pending.unique_id == frame.unique_id:
            if not pending.future.done():
                pending.future.set_result(frame)
            return
        self._dev.note("unexpected_response")
        self.note_once("unexpected_response", "ignoring a response to no pending request")

    async def _framing_error(self, err: framing.FramingError) -> None:
        self._dev.note(f"framing:{err.code}")
        pending = self._pending
        if err.message_type in (framing.CALL_RESULT, framing.CALL_ERROR):
            # Grizzl-E truncates CALLRESULTs (QUIRKS S17): that request failed, nothing else.
            if pending and pending.unique_id == err.unique_id and not pending.future.done():
                pending.future.set_exception(CallFailed(err.code, err.description))
            self.note_once(f"framing:{err.code}", "unreadable response (%s)", err.description)
            return
        self.note_once(
            f"framing:{err.code}", "answering %s to a bad frame (%s)", err.code, err.description
        )
        await self._send(framing.call_error(err.unique_id, err.code, err.description))

    async def _dispatch(self, frame: framing.Frame) -> None:
        handlers = self.route_map.get(frame.action)
        if not handlers or "_on_action" not in handlers:
            self._dev.note(f"unknown_action:{frame.action[:40]}")
            self.note_once(f"action:{frame.action[:40]}", "no handler for %r", frame.action[:40])
            await self._send(
                framing.call_error(frame.unique_id, "NotImplemented", "unknown action")
            )
            return
        try:
            await self._invoke(handlers["_on_action"], frame)
        except ConnectionClosed:
            raise
        except Exception as err:
            _LOGGER.error(
                "%s: internal error answering %s: %r",
                self.charger.charge_point_id,
                frame.action,
                err,
                exc_info=_LOGGER.isEnabledFor(logging.DEBUG),
            )
            await self._send(framing.call_error(frame.unique_id, "InternalError", "internal"))
            return
        if frame.action == Action.boot_notification:
            self.boot_answered.set()

    async def _invoke(self, handler: Any, frame: framing.Frame) -> None:
        """Call an ``@on`` handler with the snake_case payload and send its answer.

        The routing table is the library's (``route_map``); only the invocation is ours,
        for the cached key conversion and 1.6 CALLERROR codes.
        """
        try:
            response = handler(**snake_case(frame.payload))
            if inspect.isawaitable(response):
                response = await response
        except OCPPError as err:
            await self._send(framing.call_error(frame.unique_id, err.code, err.description))
            return
        body = snake_to_camel_case(remove_nones(serialize_as_dict(response)))
        await self._send(framing.call_result(frame.unique_id, body))

    async def request(self, payload: Any, *, timeout: float | None = None) -> dict[str, Any]:
        """Send a typed CALL (an ``ocpp.v16.call`` dataclass) and return the raw answer."""
        body = remove_nones(snake_to_camel_case(serialize_as_dict(payload)))
        return await self.request_raw(type(payload).__name__, body, timeout=timeout)

    async def request_raw(
        self, action: str, body: dict[str, Any], *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Send one CALL and wait for its answer; one CALL at a time (OCPP-J §4.1.1)."""
        if self._closed:
            raise NotConnected
        async with self._call_lock:
            unique_id = str(uuid.uuid4())
            future: asyncio.Future[framing.Frame] = asyncio.get_running_loop().create_future()
            # When the caller is cancelled as the connection drops, nobody awaits the
            # NotConnected set below: mark it retrieved so asyncio does not complain.
            future.add_done_callback(lambda f: f.cancelled() or f.exception())
            self._pending = _Pending(unique_id, future)
            try:
                await self._send(framing.call(unique_id, action, body))
                frame = await asyncio.wait_for(future, timeout or self._response_timeout)
            except ConnectionClosed as err:
                raise NotConnected from err
            finally:
                self._pending = None
        if frame.message_type == framing.CALL_ERROR:
            raise CallFailed(frame.error_code, frame.error_description)
        payload: dict[str, Any] = frame.payload
        return payload

    # ------------------------------------------------------------- helpers

    def _changed(self, connector_id: int | None = None, *, urgent: bool = False) -> None:
        self._host.changed(self.charger.charge_point_id, connector_id, urgent=urgent)

    def _unusable(self, err: lenient.Unusable) -> OCPPError:
        self.note_once(f"unusable:{err.field}", "unusable %s (%s)", err.field, err.code)
        return _UNUSABLE.get(err.code, FormationViolationError)(
            description=f"{err.field} cannot be used"
        )

    def _timestamp(self, value: object, field: str) -> datetime | None:
        return lenient.opt_timestamp(value, field, self._dev, now=_utcnow())

    # ------------------------------------------------------------ handlers

    @on(Action.boot_notification, skip_schema_validation=True)
    def on_boot_notification(self, **payload: Any) -> call_result.BootNotification:
        dev = self._dev
        # Schneider EVlink sends 33-char serials, HICI a 23-char model (QUIRKS S1, S2): kept.
        self.charger.identity = Identity(
            vendor=lenient.opt_str(payload.get("charge_point_vendor"), "vendor", dev) or "",
            model=lenient.opt_str(payload.get("charge_point_model"), "model", dev) or "",
            serial=lenient.opt_str(payload.get("charge_point_serial_number"), "serial", dev)
            or lenient.opt_str(payload.get("charge_box_serial_number"), "box_serial", dev),
            firmware=lenient.opt_str(payload.get("firmware_version"), "firmware", dev),
            meter_type=lenient.opt_str(payload.get("meter_type"), "meter_type", dev),
            meter_serial=lenient.opt_str(payload.get("meter_serial_number"), "meter_serial", dev),
            iccid=lenient.opt_str(payload.get("iccid"), "iccid", dev),
            imsi=lenient.opt_str(payload.get("imsi"), "imsi", dev),
        )
        self.charger.last_boot = _utcnow()
        self._changed(urgent=True)
        return call_result.BootNotification(
            current_time=lenient.iso_utc(_utcnow()),
            interval=self._host.heartbeat_interval,
            status=RegistrationStatus.accepted,
        )

    @on(Action.heartbeat, skip_schema_validation=True)
    def on_heartbeat(self, **_: Any) -> call_result.Heartbeat:
        now = _utcnow()
        self.charger.last_heartbeat = now
        self._changed()
        return call_result.Heartbeat(current_time=lenient.iso_utc(now))

    @on(Action.status_notification, skip_schema_validation=True)
    def on_status_notification(self, **payload: Any) -> call_result.StatusNotification:
        dev = self._dev
        try:
            connector_id = lenient.require_int(payload.get("connector_id"), "connectorId", dev)
            status = lenient.opt_enum(
                payload.get("status"), "status", lenient.CHARGE_POINT_STATUS, dev
            )
            if status is None:
                raise lenient.Unusable("status", "PropertyConstraintViolation")
        except lenient.Unusable as err:
            raise self._unusable(err) from None
        stamp = self._timestamp(payload.get("timestamp"), "timestamp")
        connector = self.charger.connector(max(connector_id, 0))
        if stamp is not None and connector.status_at is not None and stamp < connector.status_at:
            # Alfen Eve replays day-old statuses on connect (QUIRKS T9): older than held.
            dev.note("stale_status")
            return call_result.StatusNotification()
        code, raw_code = lenient.error_code(payload.get("error_code"), dev)
        connector.status = status
        connector.error_code = code
        connector.vendor_error = (
            lenient.opt_str(payload.get("vendor_error_code"), "vendorErrorCode", dev) or raw_code
        )
        connector.info = lenient.opt_str(payload.get("info"), "info", dev)
        connector.status_at = stamp or _utcnow()
        if status != CHARGING:
            transactions.clear_flow(connector)
        self._changed(connector.connector_id)
        return call_result.StatusNotification()

    @on(Action.authorize, skip_schema_validation=True)
    def on_authorize(self, **payload: Any) -> call_result.Authorize:
        id_tag = lenient.opt_str(payload.get("id_tag"), "idTag", self._dev)
        return call_result.Authorize(
            id_tag_info=self._host.authorize(self.charger.charge_point_id, id_tag)
        )

    @on(Action.start_transaction, skip_schema_validation=True)
    def on_start_transaction(self, **payload: Any) -> call_result.StartTransaction:
        dev = self._dev
        try:
            connector_id = lenient.require_int(payload.get("connector_id"), "connectorId", dev)
        except lenient.Unusable as err:
            raise self._unusable(err) from None
        id_tag = lenient.opt_str(payload.get("id_tag"), "idTag", dev)
        meter_start = lenient.opt_float(payload.get("meter_start"), "meterStart", dev)
        stamp = self._timestamp(payload.get("timestamp"), "timestamp")
        reservation_id = lenient.opt_int(payload.get("reservation_id"), "reservationId", dev)
        tag_info = self._host.authorize(
            self.charger.charge_point_id, id_tag, reservation_id=reservation_id
        )
        duplicate = transactions.find_duplicate_start(
            self.charger, connector_id, id_tag, meter_start, stamp
        )
        if duplicate is not None:
            return call_result.StartTransaction(
                transaction_id=duplicate.transaction_id, id_tag_info=tag_info
            )
        session = transactions.start_transaction(
            self.charger,
            connector_id,
            self._host.next_transaction_id(),
            id_tag,
            meter_start,
            stamp,
            self._host.context(self.charger.charge_point_id),
        )
        self._changed(connector_id, urgent=True)
        self._host.transaction_changed(
            self.charger.charge_point_id, session.connector_id, started=True
        )
        return call_result.StartTransaction(
            transaction_id=session.transaction_id, id_tag_info=tag_info
        )

    @on(Action.meter_values, skip_schema_validation=True)
    def on_meter_values(self, **payload: Any) -> call_result.MeterValues:
        dev = self._dev
        try:
            connector_id = lenient.require_int(payload.get("connector_id"), "connectorId", dev)
        except lenient.Unusable as err:
            raise self._unusable(err) from None
        ctx = self._host.context(self.charger.charge_point_id)
        values = metering.parse_meter_values(payload.get("meter_value"), dev, now=ctx.now)
        tx = lenient.opt_int(payload.get("transaction_id"), "transactionId", dev)
        connector = transactions.apply_meter_values(self.charger, connector_id, tx, values, ctx)
        if connector is not None:
            self._changed(connector.connector_id)
        return call_result.MeterValues()

    @on(Action.stop_transaction, skip_schema_validation=True)
    def on_stop_transaction(self, **payload: Any) -> call_result.StopTransaction:
        """Always confirmed, whatever it carries (SPEC §3.4, QUIRKS S3, S4, T4–T8)."""
        dev = self._dev
        # Ocular LTE Plus appends 0x10 0x0E to a 20-char idTag (QUIRKS S3): lenient keeps it.
        id_tag = lenient.opt_str(payload.get("id_tag"), "idTag", dev)
        try:
            self._record_stop(payload)
        except Exception:
            _LOGGER.exception(
                "%s: could not record a StopTransaction", self.charger.charge_point_id
            )
        if id_tag is None:
            return call_result.StopTransaction()
        return call_result.StopTransaction(
            id_tag_info=self._host.authorize(self.charger.charge_point_id, id_tag)
        )

    def _record_stop(self, payload: dict[str, Any]) -> None:
        dev = self._dev
        ctx = self._host.context(self.charger.charge_point_id)
        session = transactions.stop_transaction(
            self.charger,
            lenient.opt_int(payload.get("transaction_id"), "transactionId", dev),
            lenient.opt_float(payload.get("meter_stop"), "meterStop", dev),
            self._timestamp(payload.get("timestamp"), "timestamp"),
            lenient.opt_enum(payload.get("reason"), "reason", lenient.REASON, dev),
            metering.parse_meter_values(payload.get("transaction_data"), dev, now=ctx.now),
            ctx,
        )
        self._changed(session.connector_id if session else None, urgent=True)
        if session is not None:
            self._host.transaction_changed(
                self.charger.charge_point_id, session.connector_id, started=False
            )

    @on(Action.data_transfer, skip_schema_validation=True)
    def on_data_transfer(self, **payload: Any) -> call_result.DataTransfer:
        # EVBox Elvi sends evbStatusNotification unasked (QUIRKS T12): always answered.
        vendor = lenient.opt_str(payload.get("vendor_id"), "vendorId", self._dev)
        self._dev.note(f"data_transfer:{(vendor or '?')[:40]}")
        return call_result.DataTransfer(status="UnknownVendorId")

    @on(Action.diagnostics_status_notification, skip_schema_validation=True)
    def on_diagnostics_status(self, **payload: Any) -> call_result.DiagnosticsStatusNotification:
        self.charger.diagnostics_status = lenient.opt_enum(
            payload.get("status"), "status", lenient.DIAGNOSTICS_STATUS, self._dev
        )
        self._changed()
        return call_result.DiagnosticsStatusNotification()

    @on(Action.firmware_status_notification, skip_schema_validation=True)
    def on_firmware_status(self, **payload: Any) -> call_result.FirmwareStatusNotification:
        self.charger.firmware_status = lenient.opt_enum(
            payload.get("status"), "status", lenient.FIRMWARE_STATUS, self._dev
        )
        self._changed()
        return call_result.FirmwareStatusNotification()

    @on("SecurityEventNotification", skip_schema_validation=True)
    def on_security_event(self, **payload: Any) -> call_result.SecurityEventNotification:
        # EVerest-based chargers send this Security Whitepaper message to plain 1.6
        # central systems, even before boot (QUIRKS T11): acknowledge it.
        event = lenient.opt_str(payload.get("type"), "type", self._dev)
        _LOGGER.debug("%s: security event %s", self.charger.charge_point_id, event)
        return call_result.SecurityEventNotification()

    # ------------------------------------------------------ after connect

    async def post_connect(self) -> None:
        """Wait for the boot handshake, then provision (SPEC §3.1, QUIRKS T2, T3)."""
        if not await self._wait_boot(BOOT_GRACE_S):
            # Wallbox Pulsar Pro never boots on its own but answers a trigger (T2).
            try:
                await self.request(call.TriggerMessage(requested_message="BootNotification"))
            except (CallFailed, TimeoutError) as err:
                self.note_once("boot_trigger", "TriggerMessage(BootNotification) failed: %s", err)
            if not await self._wait_boot(BOOT_FALLBACK_S):
                self.note_once("no_boot", "no BootNotification; provisioning anyway")
        await self._host.provision(self)

    async def _wait_boot(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self.boot_answered.wait(), timeout)
        except TimeoutError:
            return False
        return True
