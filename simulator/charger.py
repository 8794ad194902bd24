"""A scripted OCPP 1.6J charge point that tests drive step by step over a real websocket.

Everything the typed helpers send is validated against the OCPP 1.6 JSON schemas, and so is
every reply from the central system (a non-compliant reply raises). ``send_call`` and
``send_raw`` skip validation, for tests that deliberately send bad input.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import inspect
import json
import logging
import ssl as ssl_module
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from ocpp.messages import Call, CallResult, validate_payload
from ocpp.v16 import ChargePoint
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from .handlers import CentralSystemCallHandlers, Policy
from .meter import ENERGY, energy_sample
from .smart_charging import ActiveLimit, ChargingProfileStore, lowest_limit

LOG = logging.getLogger("simulator")
FRAME_LOG = logging.getLogger("simulator.frames")

CALL, CALLRESULT, CALLERROR = 2, 3, 4


class _NoReply:
    """Sentinel type of ``NO_REPLY``."""

    def __repr__(self) -> str:
        return "NO_REPLY"


NO_REPLY: Final = _NoReply()
"""Put in ``SimulatedCharger.responses`` to never answer that action (timeout tests)."""

type Responder = (
    Callable[[dict[str, Any]], Any]
    | dict[str, Any]
    | BaseException
    | type[BaseException]
    | _NoReply
)
type CallListener = Callable[[str, dict[str, Any], dict[str, Any] | None], None]
type SampleProvider = Callable[[int], list[dict[str, Any]]]

_USE_DEFAULT: Final = object()


class CallErrorReceived(Exception):
    """The central system answered one of our CALLs with a CALLERROR."""

    def __init__(self, code: str, description: str = "", details: Any = None) -> None:
        super().__init__(f"{code}: {description}" if description else code)
        self.code = code
        self.description = description
        self.details = details if details is not None else {}


class ChargerDisconnected(ConnectionError):
    """The websocket closed while a CALL was waiting for its reply."""


def default_configuration() -> dict[str, str]:
    """Realistic configuration keys of a 1.6J wallbox (NumberOfConnectors is added later)."""
    return {
        "HeartbeatInterval": "300",
        "MeterValueSampleInterval": "0",
        "MeterValuesSampledData": ENERGY,
        "SupportedFeatureProfiles": (
            "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,"
            "RemoteTrigger"
        ),
        "ChargeProfileMaxStackLevel": "8",
        "ChargingScheduleAllowedChargingRateUnit": "Current,Power",
        "ChargingScheduleMaxPeriods": "24",
        "MaxChargingProfilesInstalled": "8",
        "AuthorizeRemoteTxRequests": "false",
        "LocalAuthorizeOffline": "true",
        "ConnectionTimeOut": "60",
        "WebSocketPingInterval": "0",
    }


def default_readonly() -> set[str]:
    return {
        "NumberOfConnectors",
        "SupportedFeatureProfiles",
        "ChargeProfileMaxStackLevel",
        "ChargingScheduleAllowedChargingRateUnit",
        "ChargingScheduleMaxPeriods",
        "MaxChargingProfilesInstalled",
    }


@dataclass
class ChargerProfile:
    """What the simulated charger is.

    ``configuration`` is the charger's persistent key store: ChangeConfiguration writes into it,
    so passing the same profile to a new connection keeps the configuration across reboots.
    A ``configuration`` given explicitly replaces the defaults; ``NumberOfConnectors`` is always
    added (following ``connectors``) unless present.
    """

    vendor: str = "OCPP Central"
    model: str = "Simulated Wallbox"
    serial: str = "SIM-0001"
    firmware: str = "1.0.0"
    connectors: int = 1
    configuration: dict[str, str] = field(default_factory=default_configuration)
    readonly: set[str] = field(default_factory=default_readonly)
    reboot_required: set[str] = field(default_factory=set)
    rejected_measurands: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.configuration.setdefault("NumberOfConnectors", str(self.connectors))


@dataclass(slots=True)
class _Inbound:
    """The central system CALL currently being answered."""

    unique_id: str
    reply: dict[str, Any] | None = None


class SimulatedCharger(CentralSystemCallHandlers, ChargePoint):  # type: ignore[misc]
    """An OCPP 1.6J charge point whose every message is sent on request.

    Attributes tests use: ``received`` (every CALL from the central system, camelCase, as
    received), ``responses`` (per-action reply overrides), ``boot_response``, plus the state
    a real charger keeps: ``configuration``, ``connector_status``, ``transactions``
    (connector → transactionId), ``charging_profiles``, ``meter_wh``.
    """

    def __init__(
        self,
        charge_point_id: str,
        connection: ClientConnection,
        *,
        profile: ChargerProfile | None = None,
        response_timeout: float = 30,
    ) -> None:
        self.profile = profile or ChargerProfile()  # before the route map is built
        super().__init__(charge_point_id, connection, response_timeout)
        self.received: list[tuple[str, dict[str, Any]]] = []
        # Per-action reply override: a dict (CALLRESULT payload), an exception (CALLERROR;
        # OCPPError keeps its code), NO_REPLY, or a callable(payload) returning one of those
        # (None → the default handler). Callables run in the receive loop: an async one must
        # never await this charger's own CALLs (their replies could not be read → deadlock).
        self.responses: dict[str, Responder] = {}
        self.boot_response: dict[str, Any] | None = None
        self.listeners: list[CallListener] = []
        self.sample_provider: SampleProvider | None = None
        self.remote_start_policy: Policy | None = None
        self.remote_stop_policy: Policy | None = None
        self.closed = asyncio.Event()
        self._init_charger_state()
        self._init_plumbing()

    def _init_charger_state(self) -> None:
        connectors = range(self.profile.connectors + 1)
        self.connector_status: dict[int, str] = dict.fromkeys(connectors, "Available")
        self.connector_error: dict[int, str] = dict.fromkeys(connectors, "NoError")
        self.transactions: dict[int, int] = {}
        self.transaction_started: dict[int, datetime] = {}
        self.meter_wh: dict[int, float] = {}
        self.last_samples: dict[int, list[dict[str, Any]]] = {}
        self.charging_profiles = ChargingProfileStore()
        self.local_list_version = 0
        self.local_list: dict[str, dict[str, Any]] = {}
        self.reservations: dict[int, dict[str, Any]] = {}

    def _init_plumbing(self) -> None:
        self._inbound: _Inbound | None = None
        self._inbound_payload: dict[str, Any] = {}
        self._pending: dict[str, asyncio.Future[list[Any]]] = {}
        self._raw_waiter: asyncio.Future[list[Any]] | None = None
        self._received_event = asyncio.Event()
        self._answered: dict[str, int] = {}  # CALLs answered, per action
        self._answered_event = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._receiver: asyncio.Task[None] | None = None

    # --- Lifecycle -------------------------------------------------------------------------

    @property
    def connection(self) -> ClientConnection:
        """The websocket (e.g. ``connection.transport`` for TLS details)."""
        connection: ClientConnection = self._connection
        return connection

    @property
    def subprotocol(self) -> str | None:
        """The subprotocol the central system selected during the handshake."""
        return self.connection.subprotocol

    def start_receiving(self) -> None:
        """Run the receive loop in a task (``connect_charger`` does this for you)."""
        if self._receiver is None:
            self._receiver = asyncio.create_task(self.start(), name=f"ocpp-recv-{self.id}")

    async def start(self) -> None:
        """Receive loop: route every frame until the connection closes."""
        try:
            while True:
                message = await self._connection.recv()
                if isinstance(message, bytes):
                    message = message.decode(errors="replace")
                await self.route_message(message)
        except ConnectionClosed:
            LOG.debug("%s: connection closed", self.id)
        finally:
            self.closed.set()
            self._fail_pending()

    async def shutdown(self) -> None:
        """Cancel the receive loop and follow-up tasks, and wait for them to finish."""
        tasks = [*self._tasks, *([self._receiver] if self._receiver else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._receiver = None

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str | None = None) -> asyncio.Task[Any]:
        """Run ``coro`` in a task owned by this charger (cancelled on shutdown)."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            LOG.warning("%s: background task %s failed: %r", self.id, task.get_name(), error)

    def _fail_pending(self) -> None:
        waiters = [*self._pending.values(), *([self._raw_waiter] if self._raw_waiter else [])]
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(ChargerDisconnected(f"{self.id}: connection closed"))

    # --- Inbound frames --------------------------------------------------------------------

    async def route_message(self, raw_msg: str) -> None:
        FRAME_LOG.debug("%s <- %s", self.id, raw_msg)
        frame = _parse_frame(raw_msg)
        if frame and frame[0] in (CALLRESULT, CALLERROR) and self._deliver_reply(frame):
            return
        if frame and frame[0] == CALL and len(frame) >= 4 and isinstance(frame[3], dict):
            await self._handle_inbound_call(raw_msg, str(frame[1]), str(frame[2]), frame[3])
            return
        await super().route_message(raw_msg)  # parse errors, stray replies: library behaviour

    def _deliver_reply(self, frame: list[Any]) -> bool:
        if self._raw_waiter is not None and not self._raw_waiter.done():
            self._raw_waiter.set_result(frame)
            return True
        waiter = self._pending.get(str(frame[1])) if len(frame) > 1 else None
        if waiter is not None and not waiter.done():
            waiter.set_result(frame)
            return True
        return False

    async def _handle_inbound_call(
        self, raw_msg: str, unique_id: str, action: str, payload: dict[str, Any]
    ) -> None:
        self.received.append((action, payload))
        self._received_event.set()
        inbound = self._inbound = _Inbound(unique_id)
        self._inbound_payload = copy.deepcopy(payload)
        try:
            responder = self.responses.get(action, _USE_DEFAULT)
            if responder is not _USE_DEFAULT:
                responder = await self._resolve(responder, self._inbound_payload)
            if responder is _USE_DEFAULT:
                await super().route_message(raw_msg)
            else:
                await self._send_override(unique_id, action, responder)
        finally:
            self._inbound = None
        self._notify(action, payload, inbound.reply)

    async def _resolve(self, responder: Any, payload: dict[str, Any]) -> Any:
        if isinstance(responder, type) and issubclass(responder, BaseException):
            return responder()
        if not callable(responder) or isinstance(responder, BaseException):
            return responder
        try:
            result = responder(payload)
            if inspect.isawaitable(result):
                result = await result
        except Exception as error:  # becomes a CALLERROR, like the library does
            return error
        return _USE_DEFAULT if result is None else result

    async def _send_override(self, unique_id: str, action: str, reply: Any) -> None:
        if reply is NO_REPLY:
            return
        call = Call(unique_id, action, {})
        if isinstance(reply, BaseException):
            await self._send(call.create_call_error(reply).to_json())
        else:
            await self._send(call.create_call_result(reply).to_json())

    def _notify(self, action: str, payload: dict[str, Any], reply: dict[str, Any] | None) -> None:
        self._answered[action] = self._answered.get(action, 0) + 1
        self._answered_event.set()
        for listener in list(self.listeners):
            try:
                listener(action, payload, reply)
            except Exception:
                LOG.exception("%s: listener for %s failed", self.id, action)

    # --- Outbound frames -------------------------------------------------------------------

    async def _send(self, message: str) -> None:
        FRAME_LOG.debug("%s -> %s", self.id, message)
        if self._inbound is not None:
            self._capture_reply(self._inbound, message)
        await self._connection.send(message)

    @staticmethod
    def _capture_reply(inbound: _Inbound, message: str) -> None:
        frame = _parse_frame(message)
        if frame and len(frame) >= 3 and frame[1] == inbound.unique_id and frame[0] == CALLRESULT:
            inbound.reply = frame[2]

    async def _request(self, action: str, payload: dict[str, Any], *, validate: bool) -> Any:
        """Send a CALL, wait for its reply; CALLERROR → ``CallErrorReceived``."""
        message = Call(str(uuid.uuid4()), action, payload)
        if validate:
            await validate_payload(message, self._ocpp_version)
        frame = await self._exchange(message)
        if frame[0] == CALLERROR:
            raise CallErrorReceived(*(list(frame[2:5]) or ["GenericError"]))
        result = frame[2] if len(frame) > 2 else {}
        if validate:
            await validate_payload(CallResult(message.unique_id, result, action), "1.6")
        return result

    async def _exchange(self, message: Call) -> list[Any]:
        async with self._call_lock:  # OCPP-J: one CALL in flight at a time
            waiter: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
            # A caller cancelled while the connection closes never reads the error.
            waiter.add_done_callback(lambda f: f.cancelled() or f.exception())
            self._pending[message.unique_id] = waiter
            try:
                await self._send(message.to_json())
                async with asyncio.timeout(self._response_timeout):
                    return await waiter
            except TimeoutError:
                raise TimeoutError(
                    f"{self.id}: no reply to {message.action} within {self._response_timeout}s"
                ) from None
            finally:
                self._pending.pop(message.unique_id, None)

    async def send_call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send any CALL with a raw camelCase payload, without schema validation."""
        result: dict[str, Any] = await self._request(action, payload, validate=False)
        return result

    async def send_raw(
        self, text: str, *, expect_reply: bool = True, timeout: float = 5
    ) -> list[Any] | None:
        """Send an arbitrary text frame; return the next CALLRESULT/CALLERROR frame, or None."""
        async with self._call_lock:
            if not expect_reply:
                await self._send(text)
                return None
            self._raw_waiter = asyncio.get_running_loop().create_future()
            try:
                await self._send(text)
                async with asyncio.timeout(timeout):
                    return await self._raw_waiter
            except TimeoutError:
                return None
            finally:
                self._raw_waiter = None

    # --- Typed messages (schema-validated) -------------------------------------------------

    async def boot(self, reason: str | None = None) -> dict[str, Any]:
        """BootNotification with the profile. ``reason`` is only logged (not in OCPP 1.6)."""
        if reason:
            LOG.debug("%s: booting (%s)", self.id, reason)
        reply: dict[str, Any] = await self._request(
            "BootNotification", self._boot_payload(), validate=True
        )
        self.boot_response = reply
        interval = reply.get("interval", 0)
        if reply.get("status") == "Accepted" and interval > 0:
            self.configuration["HeartbeatInterval"] = str(interval)
        return reply

    def _boot_payload(self) -> dict[str, Any]:
        return {
            "chargePointVendor": self.profile.vendor,
            "chargePointModel": self.profile.model,
            "chargePointSerialNumber": self.profile.serial,
            "firmwareVersion": self.profile.firmware,
        }

    async def heartbeat(self) -> dict[str, Any]:
        reply: dict[str, Any] = await self._request("Heartbeat", {}, validate=True)
        return reply

    async def status(
        self, connector: int, status: str, error_code: str = "NoError", **extra: Any
    ) -> dict[str, Any]:
        """StatusNotification; ``extra`` takes info/vendor_id/vendor_error_code/timestamp."""
        payload = {"connectorId": connector, "errorCode": error_code, "status": status}
        payload |= {"timestamp": ocpp_time()} | _camel_keys(extra)
        self.connector_status[connector] = status
        self.connector_error[connector] = error_code
        reply: dict[str, Any] = await self._request("StatusNotification", payload, validate=True)
        return reply

    async def authorize(self, id_tag: str) -> dict[str, Any]:
        reply: dict[str, Any] = await self._request("Authorize", {"idTag": id_tag}, validate=True)
        return reply

    async def start_transaction(
        self,
        connector: int,
        id_tag: str,
        meter_start: int,
        *,
        reservation_id: int | None = None,
        timestamp: datetime | None = None,
    ) -> dict[str, Any]:
        """StartTransaction; remembers the returned transactionId for ``connector``."""
        payload: dict[str, Any] = {
            "connectorId": connector,
            "idTag": id_tag,
            "meterStart": meter_start,
            "timestamp": ocpp_time(timestamp),
        }
        if reservation_id is not None:
            payload["reservationId"] = reservation_id
        reply: dict[str, Any] = await self._request("StartTransaction", payload, validate=True)
        self.transactions[connector] = reply["transactionId"]
        self.transaction_started[connector] = timestamp or datetime.now(UTC)
        self.meter_wh[connector] = meter_start
        return reply

    async def meter_values(
        self,
        connector: int,
        samples: list[dict[str, Any]],
        *,
        transaction_id: int | None = None,
        timestamp: datetime | None = None,
    ) -> dict[str, Any]:
        """MeterValues with one meterValue holding ``samples`` (raw sampledValue dicts)."""
        payload: dict[str, Any] = {
            "connectorId": connector,
            "meterValue": [{"timestamp": ocpp_time(timestamp), "sampledValue": samples}],
        }
        if transaction_id is not None:
            payload["transactionId"] = transaction_id
        self._remember_samples(connector, samples)
        reply: dict[str, Any] = await self._request("MeterValues", payload, validate=True)
        return reply

    def _remember_samples(self, connector: int, samples: list[dict[str, Any]]) -> None:
        self.last_samples[connector] = copy.deepcopy(samples)
        for sample in samples:
            if sample.get("measurand", ENERGY) != ENERGY or "phase" in sample:
                continue
            scale = 1000 if sample.get("unit") == "kWh" else 1
            with suppress(TypeError, ValueError):  # tests may send garbage on purpose
                self.meter_wh[connector] = float(sample["value"]) * scale

    async def stop_transaction(
        self,
        transaction_id: int,
        meter_stop: int,
        *,
        reason: str | None = None,
        id_tag: str | None = None,
        transaction_data: list[dict[str, Any]] | None = None,
        timestamp: datetime | None = None,
    ) -> dict[str, Any]:
        """StopTransaction; forgets the transaction and its TxProfiles."""
        payload: dict[str, Any] = {
            "transactionId": transaction_id,
            "meterStop": meter_stop,
            "timestamp": ocpp_time(timestamp),
        }
        optional = {"reason": reason, "idTag": id_tag, "transactionData": transaction_data}
        payload |= {key: value for key, value in optional.items() if value is not None}
        reply: dict[str, Any] = await self._request("StopTransaction", payload, validate=True)
        self._forget_transaction(transaction_id, meter_stop)
        return reply

    def _forget_transaction(self, transaction_id: int, meter_stop: int) -> None:
        for connector, known in list(self.transactions.items()):
            if known == transaction_id:
                del self.transactions[connector]
                self.transaction_started.pop(connector, None)
                self.meter_wh[connector] = meter_stop
                self.charging_profiles.clear_tx_profiles(connector)

    # --- Observing what the central system sent ---------------------------------------------

    def calls(self, action: str) -> list[dict[str, Any]]:
        """Payloads of every CALL of ``action`` received so far."""
        return [payload for name, payload in self.received if name == action]

    async def wait_for_call(
        self, action: str, timeout: float = 5, *, count: int = 1
    ) -> dict[str, Any]:
        """Wait until ``count`` CALLs of ``action`` were received in total; return the last."""
        try:
            async with asyncio.timeout(timeout):
                while len(self.calls(action)) < count:
                    self._received_event.clear()
                    await self._received_event.wait()
        except TimeoutError:
            seen = [name for name, _ in self.received]
            raise TimeoutError(
                f"{self.id}: expected {count}x {action} within {timeout}s; received {seen}"
            ) from None
        return self.calls(action)[-1]

    async def wait_for_answer(self, action: str, timeout: float = 5, *, count: int = 1) -> None:
        """Wait until ``count`` CALLs of ``action`` were answered in total and what the
        charger sends after its answers (triggered messages) is out."""
        try:
            async with asyncio.timeout(timeout):
                while self._answered.get(action, 0) < count:
                    self._answered_event.clear()
                    await self._answered_event.wait()
                await asyncio.gather(*list(self._tasks))
        except TimeoutError:
            raise TimeoutError(
                f"{self.id}: expected {count}x {action} answered within {timeout}s"
            ) from None

    # --- Smart charging --------------------------------------------------------------------

    def active_limits(self, connector: int, now: datetime | None = None) -> list[ActiveLimit]:
        """Charging-profile limits in force for ``connector`` (its own and connector 0's)."""
        started = self.transaction_started.get(connector)
        return self.charging_profiles.active_limits(connector, now=now, tx_start=started)

    def charging_limit(
        self, connector: int, now: datetime | None = None, *, phases: int = 3
    ) -> float | None:
        """Lowest limit of the active periods, in that profile's unit; None when unlimited."""
        return lowest_limit(self.active_limits(connector, now), phases)

    # --- TriggerMessage follow-ups ---------------------------------------------------------

    def _schedule_trigger(self, requested_message: str, connector_id: int | None) -> None:
        self.spawn(self._send_triggered(requested_message, connector_id), f"trigger-{self.id}")

    async def _send_triggered(self, message: str, connector_id: int | None) -> None:
        try:
            await self._triggered_message(message, connector_id)
        except (TimeoutError, ConnectionError, ConnectionClosed, CallErrorReceived) as error:
            LOG.warning("%s: triggered %s failed: %s", self.id, message, error)

    async def _triggered_message(self, message: str, connector_id: int | None) -> None:
        match message:
            case "BootNotification":
                await self.boot("triggered")
            case "Heartbeat":
                await self.heartbeat()
            case "StatusNotification":
                await self._trigger_statuses(connector_id)
            case "MeterValues":
                await self._trigger_meter_values(connector_id)
            case "DiagnosticsStatusNotification" | "FirmwareStatusNotification":
                await self._request(message, {"status": "Idle"}, validate=True)

    async def _trigger_statuses(self, connector_id: int | None) -> None:
        targets = [connector_id] if connector_id is not None else sorted(self.connector_status)
        for connector in targets:
            status = self.connector_status.get(connector, "Available")
            await self.status(connector, status, self.connector_error.get(connector, "NoError"))

    async def _trigger_meter_values(self, connector_id: int | None) -> None:
        targets = [connector_id] if connector_id else range(1, self.connector_count + 1)
        for connector in targets:
            samples = self.current_samples(connector)
            tx = self.transactions.get(connector)
            await self.meter_values(connector, samples, transaction_id=tx)

    def current_samples(self, connector: int) -> list[dict[str, Any]]:
        """Readings for a triggered MeterValues (context Trigger)."""
        if self.sample_provider is not None:
            return self.sample_provider(connector)
        samples = copy.deepcopy(self.last_samples.get(connector)) or [
            energy_sample(self.meter_wh.get(connector, 0))
        ]
        return [sample | {"context": "Trigger"} for sample in samples]


def ocpp_time(moment: datetime | None = None) -> str:
    """An OCPP date-time (UTC, milliseconds, 'Z'); naive datetimes are taken as UTC."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def _camel_keys(extra: dict[str, Any]) -> dict[str, Any]:
    def camel(key: str) -> str:
        head, *rest = key.split("_")
        return head + "".join(part[:1].upper() + part[1:] for part in rest)

    return {
        camel(key): ocpp_time(value) if isinstance(value, datetime) else value
        for key, value in extra.items()
    }


def _parse_frame(text: str) -> list[Any] | None:
    try:
        frame = json.loads(text)
    except (ValueError, TypeError):
        return None
    return frame if isinstance(frame, list) and frame else None


def basic_auth_header(username: str, password: str) -> str:
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def ssl_context_for_ca(ca_file: str | Path | None, *, verify: bool = True) -> ssl_module.SSLContext:
    """A client TLS context trusting ``ca_file`` (system CAs if None); no checks if not verify."""
    if not verify:
        context = ssl_module.SSLContext(ssl_module.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl_module.CERT_NONE
        return context
    return ssl_module.create_default_context(cafile=str(ca_file) if ca_file else None)


@asynccontextmanager
async def connect_charger(
    url: str,
    charge_point_id: str,
    *,
    password: str | None,
    ssl: ssl_module.SSLContext | None = None,
    profile: ChargerProfile | None = None,
    subprotocols: Sequence[str] = ("ocpp1.6",),
    extra_headers: dict[str, str] | None = None,
    open_timeout: float = 10,
    response_timeout: float = 30,
) -> AsyncIterator[SimulatedCharger]:
    """Connect (Basic Auth when ``password`` is given), run the receive loop, yield the charger.

    Handshake errors propagate (e.g. ``InvalidStatus`` with ``.response.status_code == 401``).
    On exit the receive loop and follow-up tasks are cancelled and the socket closed cleanly.
    """
    headers = dict(extra_headers or {})
    if password is not None:
        headers.setdefault("Authorization", basic_auth_header(charge_point_id, password))
    options: dict[str, Any] = {"ssl": ssl} if ssl is not None else {}
    async with connect(
        url,
        subprotocols=[Subprotocol(name) for name in subprotocols],
        additional_headers=headers,
        open_timeout=open_timeout,
        close_timeout=5,
        **options,
    ) as websocket:
        charger = SimulatedCharger(
            charge_point_id, websocket, profile=profile, response_timeout=response_timeout
        )
        charger.start_receiving()
        try:
            yield charger
        finally:
            await charger.shutdown()
