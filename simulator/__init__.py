"""Simulated OCPP 1.6J charge point: a scripted charger for tests and a charging CLI.

Tests::

    async with connect_charger(url, "CP1", password="secret", ssl=ctx) as charger:
        await charger.boot()
        await charger.status(1, "Available")

Command line: ``python -m simulator --help``.
"""

from .behaviour import BehaviourSettings, ChargingBehaviour, Endpoint
from .charger import (
    NO_REPLY,
    CallErrorReceived,
    ChargerDisconnected,
    ChargerProfile,
    SimulatedCharger,
    connect_charger,
    ocpp_time,
    ssl_context_for_ca,
)
from .meter import Reading, sampled_values
from .smart_charging import ActiveLimit, ChargingProfileStore

__all__ = [
    "NO_REPLY",
    "ActiveLimit",
    "BehaviourSettings",
    "CallErrorReceived",
    "ChargerDisconnected",
    "ChargerProfile",
    "ChargingBehaviour",
    "ChargingProfileStore",
    "Endpoint",
    "Reading",
    "SimulatedCharger",
    "connect_charger",
    "ocpp_time",
    "sampled_values",
    "ssl_context_for_ca",
]
