"""Hot-path benchmark: one MeterValues frame → entity states, inside Home Assistant.

Runs a real Home Assistant core (the test harness of pytest-homeassistant-custom-component,
no sockets), sets OCPP Central up through its config entry, attaches N chargers' sessions
to in-memory connections, and feeds each a stream of MeterValues frames exactly as they
arrive from the websocket. Prints, per message: CPU time (process time, so scheduling
noise is excluded), state writes, and the same for a message whose values did not change.

    scripts/benchmark [--chargers N] [--messages M]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from homeassistant import loader
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

import custom_components.ocpp_central  # noqa: F401
from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.csms.security import hash_password
from custom_components.ocpp_central.csms.session import ChargePointSession

START = datetime.now(UTC) - timedelta(days=1)


class Sink:
    """An in-memory websocket: what the central system sends is dropped."""

    remote_address = ("127.0.0.1", 0)

    async def send(self, message: str) -> None:
        """Nothing to send to."""

    async def close(self, *_: Any) -> None:
        """Nothing to close."""


def meter_values(n: int, energy_wh: float, power_w: float) -> str:
    """A typical 3-phase MeterValues frame: energy, power, current and voltage per phase."""
    sampled = [
        {"value": f"{energy_wh:.0f}", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
        {"value": f"{power_w:.0f}", "measurand": "Power.Active.Import", "unit": "W"},
        {"value": "51", "measurand": "SoC", "unit": "Percent"},
    ]
    for phase in ("L1", "L2", "L3"):
        amps = power_w / 3 / 230
        sampled.append(
            {"value": f"{amps:.2f}", "measurand": "Current.Import", "phase": phase, "unit": "A"}
        )
        sampled.append(
            {"value": "230.1", "measurand": "Voltage", "phase": f"{phase}-N", "unit": "V"}
        )
    stamp = (START + timedelta(seconds=60 * n)).isoformat().replace("+00:00", "Z")
    payload = {
        "connectorId": 1,
        "transactionId": 1,
        "meterValue": [{"timestamp": stamp, "sampledValue": sampled}],
    }
    return json.dumps([2, f"mv{n}", "MeterValues", payload])


async def run(chargers: int, messages: int) -> None:
    """Set up, warm up, measure."""
    async with async_test_home_assistant() as hass:
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)  # allow custom integrations
        hass.config.components.add("http")  # no web server needed for the hot path
        hass.http = type("NoHttp", (), {"register_view": lambda *_: None})()
        password = hash_password("benchmark-password-1")
        entry = MockConfigEntry(
            domain=DOMAIN,
            data={"host": "127.0.0.1", "port": 0, "allow_insecure": True},
            subentries_data=[
                {
                    "data": {"charge_point_id": f"CP{i}", "password_hash": password},
                    "subentry_type": "charger",
                    "title": f"CP{i}",
                    "unique_id": f"CP{i}",
                }
                for i in range(chargers)
            ],
        )
        entry.add_to_hass(hass)
        if not await hass.config_entries.async_setup(entry.entry_id):
            sys.exit(f"setup failed: {entry.state} {entry.reason}")
        await hass.async_block_till_done()
        central = entry.runtime_data.central
        sessions = []
        for i in range(chargers):
            charger = central.chargers[f"CP{i}"]
            charger.connected = True
            session = ChargePointSession(charger, Sink(), central)  # type: ignore[arg-type]
            await session.route_message(
                '[2,"s","StatusNotification",{"connectorId":1,"status":"Charging",'
                '"errorCode":"NoError"}]'
            )
            sessions.append(session)
        writes = 0

        def count(_event: Event) -> None:
            nonlocal writes
            writes += 1

        hass.bus.async_listen(EVENT_STATE_CHANGED, count)
        frames = [
            [meter_values(m, 1000 + m * 120, 7200 + (m % 7) * 10) for m in range(messages)]
            for _ in sessions
        ]
        for session, mine in zip(sessions, frames, strict=True):  # warm-up: entities appear
            await session.route_message(mine[0])
        await hass.async_block_till_done()

        writes = 0
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        for m in range(1, messages):
            for session, mine in zip(sessions, frames, strict=True):
                await session.route_message(mine[m])
            await hass.async_block_till_done()
        cpu = time.process_time() - start_cpu
        wall = time.perf_counter() - start_wall
        total = (messages - 1) * chargers
        changed_writes = writes

        writes = 0
        same = frames[0][-1]
        start_cpu = time.process_time()
        for _ in range(messages):
            await sessions[0].route_message(same)
            await hass.async_block_till_done()
        same_cpu = time.process_time() - start_cpu
        print(f"chargers: {chargers}, MeterValues handled: {total}")
        print(f"CPU per message (values changed):   {cpu / total * 1e3:.3f} ms")
        print(f"state writes per message:           {changed_writes / total:.2f}")
        print(f"CPU per message (values unchanged): {same_cpu / messages * 1e3:.3f} ms")
        print(f"state writes per unchanged message: {writes / messages:.2f}")
        print(f"messages per second (one core):     {total / wall:.0f}")
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chargers", type=int, default=10)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.chargers, args.messages))


if __name__ == "__main__":
    main()
