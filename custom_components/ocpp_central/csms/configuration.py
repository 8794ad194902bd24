"""Reading a charger's configuration leniently (QUIRKS S5, S6, S11, S13, S21–S23, C7, C8)."""

from __future__ import annotations

from typing import Any, Final

from .model import Capabilities, ConfigurationKey

_PROFILES: Final = {
    p.lower(): p
    for p in (
        "Core",
        "FirmwareManagement",
        "LocalAuthListManagement",
        "Reservation",
        "SmartCharging",
        "RemoteTrigger",
    )
}
_CURRENT_WORDS: Final = frozenset({"current", "a", "amp", "amps", "ampere", "amperes"})
_POWER_WORDS: Final = frozenset({"power", "w", "watt", "watts"})
_PHASE_SUFFIXES: Final = (".l1", ".l2", ".l3", ".n", ".l1-n", ".l2-n", ".l3-n")


def parse_configuration(payload: dict[str, Any]) -> dict[str, ConfigurationKey]:
    """GetConfiguration.conf → key → value; values of any type become strings (S13)."""
    keys: dict[str, ConfigurationKey] = {}
    for item in payload.get("configurationKey") or ():
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            continue
        value = item.get("value")
        if value is not None and not isinstance(value, str):
            value = str(value).lower() if isinstance(value, bool) else str(value)
        readonly = item.get("readonly")
        keys[item["key"]] = ConfigurationKey(
            value=value, readonly=readonly is True or str(readonly).lower() == "true"
        )
    return keys


def lookup(config: dict[str, ConfigurationKey], key: str) -> ConfigurationKey | None:
    """A key by its spec spelling, else case-insensitively (Mennekes ACU lower-cases keys, S21;
    Ebee reports HeartBeatInterval and HeartbeatInterval, S23: the exact spelling wins)."""
    if key in config:
        return config[key]
    wanted = key.lower()
    for name, value in config.items():
        if name.lower() == wanted:
            return value
    return None


def csl_items(value: str | None) -> list[str]:
    """A comma-separated list, items trimmed of spaces and quotes (Mennekes notation, S22)."""
    if not value:
        return []
    return [item.strip().strip("'\"").strip() for item in value.split(",") if item.strip()]


def measurand_set(value: str | None) -> frozenset[str]:
    """Measurand names in a CSL, lower-cased, phase suffixes removed (Legrand GreenUp, S6)."""
    names: set[str] = set()
    for item in csl_items(value):
        low = item.lower()
        for suffix in _PHASE_SUFFIXES:
            if low.endswith(suffix):
                low = low[: -len(suffix)]
                break
        names.add(low)
    return frozenset(names)


def _int(config: dict[str, ConfigurationKey], key: str) -> int | None:
    item = lookup(config, key)
    if item is None or item.value is None:
        return None
    try:
        return int(item.value.strip())
    except ValueError:
        return None


def feature_profiles(value: str | None) -> frozenset[str]:
    """Topdon writes "Smart Charging,Remote Trigger" (S11): spaces and case ignored."""
    found = set()
    for item in csl_items(value):
        canonical = _PROFILES.get(item.replace(" ", "").replace("_", "").lower())
        if canonical:
            found.add(canonical)
    return frozenset(found) or frozenset({"Core"})


def rate_units(value: str | None) -> frozenset[str]:
    """Huawei says "power", others "A" or "W" (C8); a missing key means amps (C7)."""
    units = set()
    for item in csl_items(value):
        word = item.lower()
        if word in _CURRENT_WORDS:
            units.add("Current")
        elif word in _POWER_WORDS:
            units.add("Power")
    return frozenset(units) or frozenset({"Current"})


def capabilities(config: dict[str, ConfigurationKey]) -> Capabilities:
    """What the configuration says the charger can do."""
    profiles = lookup(config, "SupportedFeatureProfiles")
    units = lookup(config, "ChargingScheduleAllowedChargingRateUnit")
    return Capabilities(
        feature_profiles=feature_profiles(profiles.value if profiles else None),
        number_of_connectors=_int(config, "NumberOfConnectors"),
        max_stack_level=_int(config, "ChargeProfileMaxStackLevel"),
        rate_units=rate_units(units.value if units else None),
        max_periods=_int(config, "ChargingScheduleMaxPeriods"),
    )
