"""Self-check of the simulated charger against a tiny OCPP 1.6 central system made here.

The central system below is the ``ocpp`` library's own ``ChargePoint`` behind a plain
``websockets`` server, so these tests check the simulator, not the integration.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from http import HTTPStatus
from itertools import count
from pathlib import Path
from typing import Any

import pytest
import trustme
from ocpp.exceptions import NotImplementedError as OcppNotImplemented
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action, RegistrationStatus
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from simulator import (
    NO_REPLY,
    BehaviourSettings,
    CallErrorReceived,
    ChargerProfile,
    ChargingBehaviour,
    connect_charger,
    ssl_context_for_ca,
)

PASSWORD = "s3cret-pass"
ENERGY = "Energy.Active.Import.Register"


class MiniCentral(ChargePoint):  # type: ignore[misc]
    """The smallest useful central system: accepts everything, records what it got."""

    def __init__(self, charge_point_id: str, connection: ServerConnection) -> None:
        super().__init__(charge_point_id, connection, response_timeout=2)
        self.got: list[tuple[str, dict[str, Any]]] = []
        self._changed = asyncio.Event()
        self._ids = count(101)

    def _record(self, action: str, payload: dict[str, Any]) -> None:
        self.got.append((action, payload))
        self._changed.set()

    def of(self, action: str) -> list[dict[str, Any]]:
        return [payload for name, payload in self.got if name == action]

    async def wait_for(self, action: str, n: int = 1, timeout: float = 5) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while len(self.of(action)) < n:
                self._changed.clear()
                await self._changed.wait()
        return self.of(action)[-1]

    @on(Action.boot_notification)
    def on_boot_notification(self, **payload: Any) -> call_result.BootNotification:
        self._record("BootNotification", payload)
        now = datetime.now(UTC).isoformat()
        return call_result.BootNotification(
            current_time=now, interval=300, status=RegistrationStatus.accepted
        )

    @on(Action.heartbeat)
    def on_heartbeat(self, **payload: Any) -> call_result.Heartbeat:
        self._record("Heartbeat", payload)
        return call_result.Heartbeat(current_time=datetime.now(UTC).isoformat())

    @on(Action.status_notification)
    def on_status_notification(self, **payload: Any) -> call_result.StatusNotification:
        self._record("StatusNotification", payload)
        return call_result.StatusNotification()

    @on(Action.authorize)
    def on_authorize(self, **payload: Any) -> call_result.Authorize:
        self._record("Authorize", payload)
        return call_result.Authorize(id_tag_info={"status": "Accepted"})

    @on(Action.start_transaction)
    def on_start_transaction(self, **payload: Any) -> call_result.StartTransaction:
        self._record("StartTransaction", payload)
        return call_result.StartTransaction(
            transaction_id=next(self._ids), id_tag_info={"status": "Accepted"}
        )

    @on(Action.meter_values)
    def on_meter_values(self, **payload: Any) -> call_result.MeterValues:
        self._record("MeterValues", payload)
        return call_result.MeterValues()

    @on(Action.stop_transaction)
    def on_stop_transaction(self, **payload: Any) -> call_result.StopTransaction:
        self._record("StopTransaction", payload)
        return call_result.StopTransaction()


class MiniServer:
    """Checks Basic Auth on the handshake and runs one ``MiniCentral`` per connection."""

    def __init__(self) -> None:
        self.chargers: dict[str, MiniCentral] = {}
        self.connected = asyncio.Event()
        self.url = ""

    def check_auth(self, connection: ServerConnection, request: Request) -> Response | None:
        cp_id = request.path.rsplit("/", 1)[-1]
        token = base64.b64encode(f"{cp_id}:{PASSWORD}".encode()).decode()
        if request.headers.get("Authorization") == f"Basic {token}":
            return None
        return connection.respond(HTTPStatus.UNAUTHORIZED, "bad credentials\n")

    async def handle(self, websocket: ServerConnection) -> None:
        assert websocket.request is not None
        cp_id = websocket.request.path.rsplit("/", 1)[-1]
        central = self.chargers[cp_id] = MiniCentral(cp_id, websocket)
        self.connected.set()
        with suppress(ConnectionClosed):
            await central.start()

    async def central(self, cp_id: str = "CP1") -> MiniCentral:
        async with asyncio.timeout(5):
            await self.connected.wait()
        return self.chargers[cp_id]


@asynccontextmanager
async def mini_central(tls: ssl.SSLContext | None = None) -> AsyncIterator[MiniServer]:
    mini = MiniServer()
    server: Server
    async with serve(
        mini.handle,
        "127.0.0.1",
        0,
        subprotocols=[Subprotocol("ocpp1.6")],
        process_request=mini.check_auth,
        ssl=tls,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        mini.url = f"{'wss' if tls else 'ws'}://127.0.0.1:{port}/ocpp/CP1"
        yield mini


@pytest.fixture
async def mini(socket_enabled: None) -> AsyncIterator[MiniServer]:
    async with mini_central() as server:
        yield server


def connect(mini: MiniServer, **kwargs: Any) -> Any:
    return connect_charger(mini.url, "CP1", password=PASSWORD, **kwargs)


async def test_boot_start_meter_stop_reach_the_central_system(mini: MiniServer) -> None:
    async with connect(mini) as cp:
        assert cp.subprotocol == "ocpp1.6"
        boot = await cp.boot()
        assert boot["status"] == "Accepted"
        assert cp.boot_response == boot
        assert cp.configuration["HeartbeatInterval"] == "300"
        await cp.status(1, "Preparing")
        assert (await cp.authorize("TAG1"))["idTagInfo"] == {"status": "Accepted"}
        started = await cp.start_transaction(1, "TAG1", 1000)
        tx = started["transactionId"]
        assert cp.transactions == {1: tx}
        sample = {"value": "1500", "measurand": ENERGY, "unit": "Wh"}
        assert await cp.meter_values(1, [sample], transaction_id=tx) == {}
        await cp.stop_transaction(tx, 2000, reason="Local")
        assert cp.transactions == {}
        assert "currentTime" in await cp.heartbeat()

    central = await mini.central()
    assert [action for action, _ in central.got] == [
        "BootNotification",
        "StatusNotification",
        "Authorize",
        "StartTransaction",
        "MeterValues",
        "StopTransaction",
        "Heartbeat",
    ]
    assert central.of("BootNotification")[0]["charge_point_vendor"] == "OCPP Central"
    assert central.of("StartTransaction")[0]["meter_start"] == 1000
    values = central.of("MeterValues")[0]
    assert values["transaction_id"] == tx
    assert values["meter_value"][0]["sampled_value"] == [sample]
    stop = central.of("StopTransaction")[0]
    assert (stop["transaction_id"], stop["meter_stop"], stop["reason"]) == (tx, 2000, "Local")


async def test_tls_with_a_private_ca(socket_enabled: None, tmp_path: Path) -> None:
    ca = trustme.CA()
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(server_tls)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    async with (
        mini_central(server_tls) as server,
        connect(server, ssl=ssl_context_for_ca(ca_file)) as cp,
    ):
        assert (await cp.boot())["status"] == "Accepted"


async def test_wrong_password_is_refused_with_401(mini: MiniServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect_charger(mini.url, "CP1", password="wrong"):
            pass
    assert refused.value.response.status_code == 401


async def test_trigger_message_sends_the_status_after_the_reply(mini: MiniServer) -> None:
    async with connect(mini) as cp:
        await cp.boot()
        central = await mini.central()
        reply = await central.call(
            call.TriggerMessage(requested_message="StatusNotification", connector_id=1)
        )
        assert reply.status == "Accepted"
        status = await central.wait_for("StatusNotification")
        assert (status["connector_id"], status["status"]) == (1, "Available")
        assert await cp.wait_for_call("TriggerMessage") == {
            "requestedMessage": "StatusNotification",
            "connectorId": 1,
        }


async def test_configuration_keys_behave_like_a_real_charger(mini: MiniServer) -> None:
    profile = ChargerProfile(connectors=2, rejected_measurands={"SoC"})
    async with connect(mini, profile=profile) as cp:
        await cp.boot()
        central = await mini.central()

        async def change(key: str, value: str) -> str:
            reply = await central.call(call.ChangeConfiguration(key=key, value=value))
            return str(reply.status)

        assert await change("NumberOfConnectors", "4") == "Rejected"
        assert await change("HeartbeatInterval", "60") == "Accepted"
        assert await change("HeartbeatInterval", "soon") == "Rejected"
        assert await change("NoSuchKey", "1") == "NotSupported"
        assert await change("MeterValuesSampledData", f"{ENERGY},SoC") == "Rejected"
        assert await change("MeterValuesSampledData", f"{ENERGY},Voltage") == "Accepted"
        assert cp.configuration["HeartbeatInterval"] == "60"
        assert profile.configuration["MeterValuesSampledData"] == f"{ENERGY},Voltage"

        got = await central.call(call.GetConfiguration(key=["NumberOfConnectors", "Nope"]))
        assert got.configuration_key == [
            {"key": "NumberOfConnectors", "readonly": True, "value": "2"}
        ]
        assert got.unknown_key == ["Nope"]


async def test_response_overrides(mini: MiniServer) -> None:
    async with connect(mini) as cp:
        await cp.boot()
        central = await mini.central()
        central._response_timeout = 0.3
        cp.responses["GetConfiguration"] = NO_REPLY
        with pytest.raises(asyncio.TimeoutError):
            await central.call(call.GetConfiguration())
        cp.responses["Reset"] = {"status": "Rejected"}
        assert (await central.call(call.Reset(type="Soft"))).status == "Rejected"
        cp.responses["UnlockConnector"] = OcppNotImplemented()
        with pytest.raises(OcppNotImplemented):
            await central.call(call.UnlockConnector(connector_id=1), suppress=False)
        cp.responses["ClearCache"] = lambda payload: None  # None: the default reply
        assert (await central.call(call.ClearCache())).status == "Accepted"
        assert [action for action, _ in cp.received] == [
            "GetConfiguration",
            "Reset",
            "UnlockConnector",
            "ClearCache",
        ]


async def test_raw_frames_and_unvalidated_calls(mini: MiniServer) -> None:
    async with connect(mini) as cp:
        await cp.boot()
        assert await cp.send_raw("not json", timeout=0.3) is None  # the library ignores it
        with pytest.raises(CallErrorReceived) as error:
            await cp.send_call("DataTransfer", {"vendorId": "X"})
        assert error.value.code == "NotImplemented"
        assert (await cp.send_call("Heartbeat", {}))["currentTime"]
        reply = await cp.send_raw('[2,"x1","Heartbeat",{}]')
        assert reply is not None
        assert reply[:2] == [3, "x1"]
        assert "currentTime" in reply[2]


async def test_charging_profiles_set_the_limit(mini: MiniServer) -> None:
    async with connect(mini) as cp:
        await cp.boot()
        central = await mini.central()
        assert cp.charging_limit(1) is None
        profile = {
            "chargingProfileId": 7,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Relative",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
            },
        }
        reply = await central.call(
            call.SetChargingProfile(connector_id=0, cs_charging_profiles=profile)
        )
        assert reply.status == "Accepted"
        assert cp.charging_limit(1) == 16.0
        reply = await central.call(call.ClearChargingProfile(id=7))
        assert reply.status == "Accepted"
        assert cp.charging_limit(1) is None
        tx_profile = profile | {"chargingProfilePurpose": "TxProfile"}
        reply = await central.call(
            call.SetChargingProfile(connector_id=1, cs_charging_profiles=tx_profile)
        )
        assert reply.status == "Rejected"  # no transaction running on connector 1


async def test_behaviour_charges_and_obeys_remote_stop(mini: MiniServer) -> None:
    fast = BehaviourSettings(plug_in_delay=0.05, start_delay=0.05, interval=0.2, tick=0.05)
    behaviour = ChargingBehaviour(fast)
    async with connect(mini) as cp:
        runner = asyncio.create_task(behaviour.run(cp))
        try:
            central = await mini.central()
            start = await central.wait_for("StartTransaction")
            values = await central.wait_for("MeterValues", n=2)
            tx = values["transaction_id"]
            reply = await central.call(call.RemoteStopTransaction(transaction_id=tx))
            assert reply.status == "Accepted"
            stop = await central.wait_for("StopTransaction")
            finishing = await central.wait_for("StatusNotification", n=5)  # 0, then 1: A, P, C, F
        finally:
            runner.cancel()
            with suppress(asyncio.CancelledError):
                await runner
    assert start["id_tag"] == "SIMTAG01"
    assert (stop["transaction_id"], stop["reason"]) == (tx, "Remote")
    assert stop["meter_stop"] > start["meter_start"]
    statuses = [p["status"] for p in central.of("StatusNotification") if p["connector_id"] == 1]
    assert statuses[:4] == ["Available", "Preparing", "Charging", "Finishing"]
    assert finishing["status"] == "Finishing"
