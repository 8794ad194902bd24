"""Reading configuration the way real chargers report it."""

from __future__ import annotations

from custom_components.ocpp_central.csms import configuration


def test_values_of_any_type_become_strings() -> None:
    """An unnamed wallbox sends NumberOfConnectors as an integer (QUIRKS S13)."""
    keys = configuration.parse_configuration(
        {
            "configurationKey": [
                {"key": "NumberOfConnectors", "readonly": True, "value": 1},
                {"key": "AuthorizeRemoteTxRequests", "readonly": "true", "value": True},
                {"key": "Broken"},
                "garbage",
            ]
        }
    )
    assert keys["NumberOfConnectors"].value == "1"
    assert keys["NumberOfConnectors"].readonly
    assert keys["AuthorizeRemoteTxRequests"].value == "true"
    assert keys["Broken"].value is None


def test_lookup_is_case_insensitive_but_prefers_the_spec_spelling() -> None:
    """Mennekes lower-cases keys (S21); Ebee reports two spellings (S23)."""
    keys = configuration.parse_configuration(
        {
            "configurationKey": [
                {"key": "HeartBeatInterval", "value": "10"},
                {"key": "HeartbeatInterval", "value": "300"},
                {"key": "metervaluessampleddata", "value": "Energy.Active.Import.Register"},
            ]
        }
    )
    assert configuration.lookup(keys, "HeartbeatInterval").value == "300"
    assert configuration.lookup(keys, "MeterValuesSampledData") is not None
    assert configuration.lookup(keys, "Missing") is None


def test_measurand_lists() -> None:
    """Mennekes quotes items (S22); Legrand suffixes phases (S6)."""
    assert configuration.measurand_set(
        "'Energy.Active.Import.Register', Current.Import.L1,Current.Import.L2"
    ) == frozenset({"energy.active.import.register", "current.import"})
    assert configuration.measurand_set(None) == frozenset()


def test_capabilities_are_read_tolerantly() -> None:
    """Topdon's spaced profile names (S11), Huawei's "power" (C8), a missing unit (C7)."""
    keys = configuration.parse_configuration(
        {
            "configurationKey": [
                {"key": "SupportedFeatureProfiles", "value": "Core,Smart Charging, Remote Trigger"},
                {"key": "ChargingScheduleAllowedChargingRateUnit", "value": "power"},
                {"key": "NumberOfConnectors", "value": " 2 "},
                {"key": "ChargeProfileMaxStackLevel", "value": "x"},
            ]
        }
    )
    caps = configuration.capabilities(keys)
    assert caps.feature_profiles == {"Core", "SmartCharging", "RemoteTrigger"}
    assert caps.rate_units == {"Power"}
    assert caps.number_of_connectors == 2
    assert caps.max_stack_level is None
    empty = configuration.capabilities({})
    assert empty.rate_units == {"Current"}
    assert empty.feature_profiles == {"Core"}
