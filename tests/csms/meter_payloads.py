"""Realistic MeterValues payloads (snake_case, as the ocpp library hands them over).

Each payload reproduces a charger behaviour from ../shared/QUIRKS.md; the row is named.
"""

from datetime import UTC, datetime
from typing import Any

NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)

# A typical 3-phase 11 kW charger, 10 sampled values (the benchmark message).
TYPICAL_3_PHASE: dict[str, Any] = {
    "connector_id": 1,
    "transaction_id": 17,
    "meter_value": [
        {
            "timestamp": "2026-11-24T11:59:00.000Z",
            "sampled_value": [
                {
                    "value": "1234567.8",
                    "context": "Sample.Periodic",
                    "format": "Raw",
                    "measurand": "Energy.Active.Import.Register",
                    "location": "Outlet",
                    "unit": "Wh",
                },
                {"value": "11.05", "measurand": "Power.Active.Import", "unit": "kW"},
                {"value": "16.0", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
                {"value": "16.1", "measurand": "Current.Import", "phase": "L2", "unit": "A"},
                {"value": "15.9", "measurand": "Current.Import", "phase": "L3", "unit": "A"},
                {"value": "230.1", "measurand": "Voltage", "phase": "L1-N", "unit": "V"},
                {"value": "231.0", "measurand": "Voltage", "phase": "L2-N", "unit": "V"},
                {"value": "229.5", "measurand": "Voltage", "phase": "L3-N", "unit": "V"},
                {"value": "16", "measurand": "Current.Offered", "unit": "A"},
                {
                    "value": "35.5",
                    "measurand": "Temperature",
                    "unit": "Celsius",
                    "location": "Body",
                },
            ],
        }
    ],
}

# Huawei SCharger: meterValue is one object; energy in kWh, Transaction.Begin (QUIRKS S14)
HUAWEI_KWH_OBJECT: dict[str, Any] = {
    "connector_id": 1,
    "transaction_id": 3,
    "meter_value": {
        "timestamp": "2026-11-24T11:00:00Z",
        "sampled_value": [
            {
                "value": "1530.25",
                "context": "Transaction.Begin",
                "measurand": "Energy.Active.Import.Register",
                "unit": "kWh",
            }
        ],
    },
}

# ChargeAmps Halo: Frequency with unit "Hz" (QUIRKS S8)
CHARGEAMPS_HZ: dict[str, Any] = {
    "connector_id": 1,
    "meter_value": [
        {
            "timestamp": "2026-11-24T11:59:30Z",
            "sampled_value": [
                {"value": "50.02", "measurand": "Frequency", "unit": "Hz"},
                {"value": "4321000", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"},
            ],
        }
    ],
}

# Alfen Eve Pro replaying history: int64-max transactionId, context "CurrentMax",
# sampled values without measurand but unit "A", timestamps from 2020 (QUIRKS S10)
ALFEN_NO_MEASURAND: dict[str, Any] = {
    "connector_id": 1,
    "transaction_id": 9223372036854775807,
    "meter_value": [
        {
            "timestamp": "2020-06-01T10:00:00Z",
            "sampled_value": [
                {"value": "15.8", "context": "CurrentMax", "phase": "L1", "unit": "A"},
                {"value": "15.6", "context": "CurrentMax", "phase": "L2", "unit": "A"},
                {"value": "15.7", "context": "CurrentMax", "phase": "L3", "unit": "A"},
                {"value": "880123.0", "context": "Sample.Clock"},
            ],
        }
    ],
}

# Growatt THOR 22AS: EAIR twice per periodic message, the second a stale
# Transaction.Begin value (QUIRKS M6)
GROWATT_DOUBLE_EAIR: dict[str, Any] = {
    "connector_id": 1,
    "transaction_id": 42,
    "meter_value": [
        {
            "timestamp": "2026-11-24T11:58:00Z",
            "sampled_value": [
                {
                    "value": "163630",
                    "context": "Sample.Periodic",
                    "measurand": "Energy.Active.Import.Register",
                    "unit": "Wh",
                },
                {
                    "value": "157440",
                    "context": "Transaction.Begin",
                    "measurand": "Energy.Active.Import.Register",
                    "unit": "Wh",
                },
                {"value": "7350", "measurand": "Power.Active.Import", "unit": "W"},
            ],
        }
    ],
}

# Growatt THOR (2023 fw): local time without zone designator (QUIRKS S16)
GROWATT_ZONELESS: dict[str, Any] = {
    "connector_id": 1,
    "meter_value": [
        {
            "timestamp": "2023-10-19T15:28:07",
            "sampled_value": [{"value": "1000", "measurand": "Energy.Active.Import.Register"}],
        }
    ],
}

# SyncEV Compact: Voltage N = 0 next to L1-N (QUIRKS M3)
SYNCEV_N_VOLTAGE: dict[str, Any] = {
    "connector_id": 1,
    "meter_value": [
        {
            "timestamp": "2026-11-24T11:59:00Z",
            "sampled_value": [
                {"value": "231.4", "measurand": "Voltage", "phase": "L1-N", "unit": "V"},
                {"value": "0", "measurand": "Voltage", "phase": "N", "unit": "V"},
                {"value": "10.0", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
            ],
        }
    ],
}

# INJET Sonic 7.5 kW 1-phase: power in kW while energy is in Wh, current on N only
# (QUIRKS M2)
INJET_KW_N_CURRENT: dict[str, Any] = {
    "connector_id": 1,
    "transaction_id": 5,
    "meter_value": [
        {
            "timestamp": "2026-11-24T11:59:00Z",
            "sampled_value": [
                {
                    "value": "24560",
                    "measurand": "Energy.Active.Import.Register",
                    "unit": "Wh",
                    "context": "Sample.Periodic",
                },
                {"value": "3.5", "measurand": "Power.Active.Import", "unit": "kW"},
                {"value": "15.6", "measurand": "Current.Import", "phase": "N", "unit": "A"},
                {"value": "229.0", "measurand": "Voltage", "unit": "V"},
            ],
        }
    ],
}

# Wallbox Pulsar Max: 3-phase current and voltage, power reported as 0 (QUIRKS M11)
WALLBOX_POWER_ZERO: dict[str, Any] = {
    "connector_id": 1,
    "transaction_id": 8,
    "meter_value": [
        {
            "timestamp": "2026-11-24T11:59:00Z",
            "sampled_value": [
                {"value": "0", "measurand": "Power.Active.Import", "unit": "W"},
                {"value": "10.0", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
                {"value": "10.0", "measurand": "Current.Import", "phase": "L2", "unit": "A"},
                {"value": "10.0", "measurand": "Current.Import", "phase": "L3", "unit": "A"},
                {"value": "230", "measurand": "Voltage", "phase": "L1", "unit": "V"},
                {"value": "230", "measurand": "Voltage", "phase": "L2", "unit": "V"},
                {"value": "230", "measurand": "Voltage", "phase": "L3", "unit": "V"},
                {"value": "55123", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
            ],
        }
    ],
}

# 3-phase current x voltage and no power at all (SPEC §3.3 fallback configuration)
THREE_PHASE_NO_POWER: dict[str, Any] = {
    "connector_id": 1,
    "meter_value": [
        {
            "timestamp": "2026-11-24T11:59:00Z",
            "sampled_value": [
                {"value": "16", "measurand": "Current.Import", "phase": "L1", "unit": "A"},
                {"value": "15", "measurand": "Current.Import", "phase": "L2", "unit": "A"},
                {"value": "14", "measurand": "Current.Import", "phase": "L3", "unit": "A"},
                {"value": "230", "measurand": "Voltage", "phase": "L1-N", "unit": "V"},
                {"value": "232", "measurand": "Voltage", "phase": "L2-N", "unit": "V"},
                {"value": "228", "measurand": "Voltage", "phase": "L3-N", "unit": "V"},
                {"value": "77000", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
            ],
        }
    ],
}

# Line-to-line voltages (QUIRKS M4) with a current tagged "L1-N"
LINE_TO_LINE: dict[str, Any] = {
    "connector_id": 1,
    "meter_value": [
        {
            "timestamp": "2026-11-24T11:59:00Z",
            "sampled_value": [
                {"value": "400", "measurand": "Voltage", "phase": "L1-L2", "unit": "V"},
                {"value": "400", "measurand": "Voltage", "phase": "L2-L3", "unit": "V"},
                {"value": "400", "measurand": "Voltage", "phase": "L3-L1", "unit": "V"},
                {"value": "10", "measurand": "Current.Import", "phase": "L1-N", "unit": "A"},
                {"value": "10", "measurand": "Current.Import", "phase": "L2-N", "unit": "A"},
                {"value": "10", "measurand": "Current.Import", "phase": "L3-N", "unit": "A"},
            ],
        }
    ],
}

# OpenEVSE (MicroOcpp): values as JSON numbers (QUIRKS S12)
OPENEVSE_NUMBERS: dict[str, Any] = {
    "connector_id": 1,
    "meter_value": [
        {
            "timestamp": "2026-11-24T11:59:00Z",
            "sampled_value": [
                {"value": 604.213, "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": 0.0, "measurand": "Power.Active.Import", "unit": "W"},
            ],
        }
    ],
}

# MicroOcpp before the Boot response: 1970 timestamps (QUIRKS T8)
MICROOCPP_1970: dict[str, Any] = {
    "connector_id": 1,
    "meter_value": [
        {
            "timestamp": "1970-01-01T00:00:12.000Z",
            "sampled_value": [{"value": "604", "measurand": "Energy.Active.Import.Register"}],
        }
    ],
}

# Enercab smart / eledio go: space-padded values (QUIRKS S20)
ENERCAB_PADDED: dict[str, Any] = {
    "connector_id": 1,
    "meter_value": [
        {
            "timestamp": "2026-11-24T11:59:00Z",
            "sampled_value": [
                {"value": " 5", "measurand": "Current.Import", "unit": "A"},
                {"value": "2300 ", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
            ],
        }
    ],
}

# Vestel EVC04 after a firmware update: empty sampledValue list (QUIRKS S15)
VESTEL_EMPTY: dict[str, Any] = {
    "connector_id": 1,
    "meter_value": [
        {"timestamp": "2026-11-24T11:59:00Z", "sampled_value": []},
        {
            "timestamp": "2026-11-24T11:59:30Z",
            "sampled_value": [{"value": "100", "measurand": "Energy.Active.Import.Register"}],
        },
    ],
}

# Legrand GreenUp: phase-suffixed measurand names (QUIRKS S6)
LEGRAND_SUFFIXED: dict[str, Any] = {
    "connector_id": 1,
    "meter_value": [
        {
            "timestamp": "2026-11-24T11:59:00Z",
            "sampled_value": [
                {"value": "12.5", "measurand": "Current.Import.L1", "unit": "A"},
                {"value": "12.0", "measurand": "Current.Import.L2", "unit": "A"},
                {"value": "11.5", "measurand": "Current.Import.L3", "unit": "A"},
            ],
        }
    ],
}

# Autel MaxiCharger: Power.Active.Import without unit, in W (QUIRKS M1)
AUTEL_NO_UNIT: dict[str, Any] = {
    "connector_id": 1,
    "meter_value": [
        {
            "timestamp": "2026-11-24T11:59:00Z",
            "sampled_value": [
                {"value": "500.38", "measurand": "Power.Active.Import"},
                {"value": "2.2", "measurand": "Current.Import"},
            ],
        }
    ],
}

# Single-phase chargers tagging the energy register "L1" (QUIRKS M5)
SINGLE_PHASE_L1_EAIR: dict[str, Any] = {
    "connector_id": 1,
    "meter_value": [
        {
            "timestamp": "2026-11-24T11:59:00Z",
            "sampled_value": [
                {
                    "value": "9876",
                    "measurand": "Energy.Active.Import.Register",
                    "phase": "L1",
                    "unit": "Wh",
                }
            ],
        }
    ],
}

# oncharger: "Celcius", the 1.6 spec's own spelling (QUIRKS S9)
ONCHARGER_CELCIUS: dict[str, Any] = {
    "connector_id": 1,
    "meter_value": [
        {
            "timestamp": "2026-11-24T11:59:00Z",
            "sampled_value": [{"value": "41.5", "measurand": "Temperature", "unit": "Celcius"}],
        }
    ],
}
