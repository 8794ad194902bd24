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

PAIRING_MINUTES: Final = 10
CA_DOWNLOAD_URL: Final = "/api/ocpp_central/{entry_id}/ca.pem"
STORAGE_VERSION: Final = 1
