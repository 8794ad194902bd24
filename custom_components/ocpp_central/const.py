"""Constants of the OCPP Central integration."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "ocpp_central"

# Central system (config entry) settings
CONF_HOST: Final = "host"
CONF_PORT: Final = "port"
CONF_SSL_CERTIFICATE: Final = "ssl_certificate"
CONF_SSL_KEY: Final = "ssl_key"
CONF_ALLOW_INSECURE: Final = "allow_insecure"
CONF_HEARTBEAT_INTERVAL: Final = "heartbeat_interval"
CONF_METER_SAMPLE_INTERVAL: Final = "meter_sample_interval"
CONF_CERTIFICATE_NAMES: Final = "certificate_names"

DEFAULT_HOST: Final = "0.0.0.0"
DEFAULT_PORT: Final = 9000
DEFAULT_HEARTBEAT_INTERVAL: Final = 300
DEFAULT_METER_SAMPLE_INTERVAL: Final = 60

# Charger (config subentry) settings
SUBENTRY_CHARGER: Final = "charger"
CONF_CHARGE_POINT_ID: Final = "charge_point_id"
CONF_NAME: Final = "name"
CONF_PASSWORD: Final = "password"
CONF_PASSWORD_HASH: Final = "password_hash"
CONF_PRICE_ENTITY: Final = "price_entity"
CONF_PRICE_PER_KWH: Final = "price_per_kwh"
CONF_MAX_POWER_KW: Final = "max_power_kw"
DEFAULT_MAX_POWER_KW: Final = 22.0

# Charger control (SPEC §4.1, §4.2): per-charger subentry data keys
CONF_MAX_CURRENT: Final = "max_current"  # A, the top of the max_current number
CONF_PHASES: Final = "phases"  # for W = A x 230 V x phases
CONF_PAUSE_METHOD: Final = "pause_method"  # PAUSE_METHOD_PROFILE or PAUSE_METHOD_STOP
CONF_REMOTE_ID_TAG: Final = "remote_id_tag"  # RemoteStartTransaction idTag (<= 16 chars)
PAUSE_METHOD_PROFILE: Final = "profile"  # 0 A / 0 W charging profile (SuspendedEVSE)
PAUSE_METHOD_STOP: Final = "stop"  # RemoteStopTransaction, for chargers that ignore 0 A
DEFAULT_MAX_CURRENT: Final = 32
DEFAULT_PHASES: Final = 3
DEFAULT_PAUSE_METHOD: Final = PAUSE_METHOD_PROFILE
MIN_CHARGING_CURRENT: Final = 6  # A (IEC 61851); a cap is 0 (no charging) or at least this

# Id tags (config subentries of type "id_tag") and the policy for unknown tags (SPEC §3.6)
SUBENTRY_ID_TAG: Final = "id_tag"
CONF_ID_TAG: Final = "id_tag"
CONF_ID_TAG_STATUS: Final = "status"
CONF_EXPIRY_DATE: Final = "expiry_date"
CONF_PARENT_ID_TAG: Final = "parent_id_tag"
CONF_UNKNOWN_ID_TAGS: Final = "unknown_id_tags"
DEFAULT_UNKNOWN_ID_TAGS: Final = "accept"

PAIRING_MINUTES: Final = 10
CA_DOWNLOAD_URL: Final = "/api/ocpp_central/{entry_id}/ca.pem"
STORAGE_VERSION: Final = 1
