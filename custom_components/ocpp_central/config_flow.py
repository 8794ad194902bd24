"""Configuration UI: the central system (one entry per port) and its chargers (subentries).

No flow here ever reloads the entry: the integration's update listener adds and removes
chargers in place and restarts only the listener when the server settings change.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import voluptuous as vol
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntityFilterSelectorConfig,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .const import (
    CA_DOWNLOAD_URL,
    CONF_ALLOW_INSECURE,
    CONF_CERTIFICATE_NAMES,
    CONF_CHARGE_POINT_ID,
    CONF_HEARTBEAT_INTERVAL,
    CONF_HOST,
    CONF_MAX_CURRENT,
    CONF_MAX_POWER_KW,
    CONF_METER_SAMPLE_INTERVAL,
    CONF_NAME,
    CONF_PASSWORD,
    CONF_PASSWORD_HASH,
    CONF_PAUSE_METHOD,
    CONF_PHASES,
    CONF_PORT,
    CONF_PRICE_ENTITY,
    CONF_PRICE_PER_KWH,
    CONF_REMOTE_ID_TAG,
    CONF_SSL_CERTIFICATE,
    CONF_SSL_KEY,
    CONF_UNKNOWN_ID_TAGS,
    DEFAULT_HEARTBEAT_INTERVAL,
    DEFAULT_HOST,
    DEFAULT_MAX_CURRENT,
    DEFAULT_MAX_POWER_KW,
    DEFAULT_METER_SAMPLE_INTERVAL,
    DEFAULT_PAUSE_METHOD,
    DEFAULT_PHASES,
    DEFAULT_PORT,
    DOMAIN,
    MIN_CHARGING_CURRENT,
    PAUSE_METHOD_PROFILE,
    PAUSE_METHOD_STOP,
    SUBENTRY_CHARGER,
    SUBENTRY_ID_TAG,
)
from .csms.control import REMOTE_TAG_LENGTH
from .csms.security import (
    MIN_PASSWORD_LENGTH,
    CertificateProblem,
    generate_password,
    hash_password,
    validate_certificate_pair,
)
from .id_tag_flow import IdTagSubentryFlow, unknown_id_tag_policy, unknown_id_tags_field
from .runtime import charger_subentries, unknown_charger_issue_id

MAX_CHARGE_POINT_ID_LENGTH = 255
UNKNOWN_HOST = "<home-assistant-ip>"
_WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]"})
# Which form field a certificate problem belongs to (anything else: the whole form).
_CERTIFICATE_ERROR_FIELDS = {
    "cert_not_found": CONF_SSL_CERTIFICATE,
    "cert_invalid": CONF_SSL_CERTIFICATE,
    "cert_expired": CONF_SSL_CERTIFICATE,
    "key_not_found": CONF_SSL_KEY,
    "key_invalid": CONF_SSL_KEY,
}
# The charger settings a user may change after adding it (not the id, not the password).
_CHARGER_SETTINGS = (
    CONF_NAME,
    CONF_PRICE_PER_KWH,
    CONF_PRICE_ENTITY,
    CONF_MAX_POWER_KW,
    CONF_MAX_CURRENT,
    CONF_PHASES,
    CONF_PAUSE_METHOD,
    CONF_REMOTE_ID_TAG,
)
MAX_CHARGER_CURRENT = 80  # A: the largest AC charger (IEC 62196-2 type 1 single phase)

_TEXT = TextSelector()
_INTEGER = vol.Coerce(int)


def _box(
    minimum: float,
    maximum: float | None = None,
    step: float | Literal["any"] = 1,
    unit: str | None = None,
) -> NumberSelector:
    """A number typed into a box (not a slider)."""
    config = NumberSelectorConfig(min=minimum, step=step, mode=NumberSelectorMode.BOX)
    if maximum is not None:
        config["max"] = maximum
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


# --------------------------------------------------------------------- central system


def central_title(port: int) -> str:
    """The entry's title."""
    return f"OCPP Central (port {port})"


def _suggested(value: Any) -> dict[str, Any]:
    return {"suggested_value": value}


def _central_schema(values: Mapping[str, Any]) -> vol.Schema:
    """The central system's fields, pre-filled from ``values`` (input or entry data)."""
    return vol.Schema(
        {
            vol.Required(CONF_HOST, default=values.get(CONF_HOST, DEFAULT_HOST)): _TEXT,
            vol.Required(CONF_PORT, default=values.get(CONF_PORT, DEFAULT_PORT)): vol.All(
                _box(1, 65535), _INTEGER
            ),
            vol.Optional(
                CONF_SSL_CERTIFICATE, description=_suggested(values.get(CONF_SSL_CERTIFICATE))
            ): _TEXT,
            vol.Optional(CONF_SSL_KEY, description=_suggested(values.get(CONF_SSL_KEY))): _TEXT,
            vol.Required(
                CONF_ALLOW_INSECURE, default=bool(values.get(CONF_ALLOW_INSECURE, False))
            ): BooleanSelector(),
            vol.Required(
                CONF_HEARTBEAT_INTERVAL,
                default=values.get(CONF_HEARTBEAT_INTERVAL, DEFAULT_HEARTBEAT_INTERVAL),
            ): vol.All(_box(30, 86400, unit="s"), _INTEGER),
            vol.Required(
                CONF_METER_SAMPLE_INTERVAL,
                default=values.get(CONF_METER_SAMPLE_INTERVAL, DEFAULT_METER_SAMPLE_INTERVAL),
            ): vol.All(_box(0, 3600, unit="s"), _INTEGER),
            vol.Optional(
                CONF_CERTIFICATE_NAMES, description=_suggested(values.get(CONF_CERTIFICATE_NAMES))
            ): _TEXT,
            **unknown_id_tags_field(values),
        }
    )


def _text(user_input: Mapping[str, Any], key: str) -> str:
    return str(user_input.get(key) or "").strip()


def _names(value: str) -> str:
    """Comma-separated names, tidied: ``"a,  b,,"`` → ``"a, b"``."""
    return ", ".join(name.strip() for name in value.split(",") if name.strip())


def central_data(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The form's input as the flat entry data (every key always present)."""
    return {
        CONF_HOST: _text(user_input, CONF_HOST),
        CONF_PORT: int(user_input[CONF_PORT]),
        CONF_SSL_CERTIFICATE: _text(user_input, CONF_SSL_CERTIFICATE),
        CONF_SSL_KEY: _text(user_input, CONF_SSL_KEY),
        CONF_ALLOW_INSECURE: bool(user_input.get(CONF_ALLOW_INSECURE, False)),
        CONF_HEARTBEAT_INTERVAL: int(user_input[CONF_HEARTBEAT_INTERVAL]),
        CONF_METER_SAMPLE_INTERVAL: int(user_input[CONF_METER_SAMPLE_INTERVAL]),
        CONF_CERTIFICATE_NAMES: _names(_text(user_input, CONF_CERTIFICATE_NAMES)),
        CONF_UNKNOWN_ID_TAGS: unknown_id_tag_policy(user_input),
    }


def _bind_reason(err: OSError) -> str:
    if err.errno == errno.EADDRINUSE:
        return "port_in_use"
    if err.errno == errno.EADDRNOTAVAIL:
        return "invalid_host"
    return "cannot_listen"


def _bind_problem(host: str, port: int) -> tuple[str, str] | None:
    """(field, error) when ``host:port`` cannot be listened on. Blocking: executor."""
    if not host:
        return CONF_HOST, "invalid_host"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError):
        return CONF_HOST, "invalid_host"
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(address)
            except OSError as err:
                reason = _bind_reason(err)
                return (CONF_HOST if reason == "invalid_host" else CONF_PORT), reason
    return None


def _bound_port(entry: ConfigEntry) -> int | None:
    """The port the entry's own server is listening on, while it is loaded."""
    if entry.state is not ConfigEntryState.LOADED:
        return None
    central = getattr(getattr(entry, "runtime_data", None), "central", None)
    port = getattr(central, "port", None)
    return port if isinstance(port, int) and port > 0 else None


def own_ports(entry: ConfigEntry) -> set[int]:
    """The ports a loaded entry's own server holds (bound and configured)."""
    if (bound := _bound_port(entry)) is None:
        return set()
    return {bound, int(entry.data.get(CONF_PORT, bound))}


async def _async_listen_errors(
    hass: HomeAssistant, data: Mapping[str, Any], skip_ports: set[int]
) -> dict[str, str]:
    """Can the server listen there? Our own server's port is not checked, only the host."""
    port = 0 if data[CONF_PORT] in skip_ports else data[CONF_PORT]
    problem = await hass.async_add_executor_job(_bind_problem, data[CONF_HOST], port)
    return dict([problem]) if problem else {}


async def _async_certificate_errors(hass: HomeAssistant, data: Mapping[str, Any]) -> dict[str, str]:
    """Both files or none; a given pair must be readable, matching and valid."""
    cert, key = data[CONF_SSL_CERTIFICATE], data[CONF_SSL_KEY]
    if data[CONF_ALLOW_INSECURE] or not (cert or key):
        return {}
    if not (cert and key):
        return {CONF_SSL_KEY if cert else CONF_SSL_CERTIFICATE: "certificate_pair_incomplete"}
    try:
        await hass.async_add_executor_job(validate_certificate_pair, Path(cert), Path(key))
    except CertificateProblem as err:
        return {_CERTIFICATE_ERROR_FIELDS.get(err.reason, "base"): err.reason}
    return {}


async def async_validate_central(
    hass: HomeAssistant, data: Mapping[str, Any], skip_ports: set[int]
) -> dict[str, str]:
    """Form errors for central system settings (empty when they can be used)."""
    errors = await _async_listen_errors(hass, data, skip_ports)
    return errors | await _async_certificate_errors(hass, data)


class OcppCentralConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a central system: one entry per listening port."""

    VERSION = 1
    MINOR_VERSION = 1

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Chargers and id tags are subentries of their central system."""
        return {SUBENTRY_CHARGER: ChargerSubentryFlow, SUBENTRY_ID_TAG: IdTagSubentryFlow}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Where to listen and with which certificate."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = central_data(user_input)
            await self.async_set_unique_id(str(data[CONF_PORT]))
            self._abort_if_unique_id_configured()
            errors = await async_validate_central(self.hass, data, set())
            if not errors:
                return self.async_create_entry(title=central_title(data[CONF_PORT]), data=data)
        return self.async_show_form(
            step_id="user", data_schema=_central_schema(user_input or {}), errors=errors
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the settings; the listener restarts, sessions are kept."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = central_data(user_input)
            unique_id = str(data[CONF_PORT])
            if self._port_taken_by_other(entry, unique_id):
                return self.async_abort(reason="already_configured")
            errors = await async_validate_central(self.hass, data, own_ports(entry))
            if not errors:
                return self.async_update_and_abort(
                    entry, unique_id=unique_id, title=self._new_title(entry, data), data=data
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_central_schema(user_input or entry.data),
            errors=errors,
        )

    def _port_taken_by_other(self, entry: ConfigEntry, unique_id: str) -> bool:
        return any(
            other.unique_id == unique_id and other.entry_id != entry.entry_id
            for other in self._async_current_entries(include_ignore=False)
        )

    @staticmethod
    def _new_title(entry: ConfigEntry, data: Mapping[str, Any]) -> str:
        """Follow the port, unless the user renamed the entry."""
        if entry.title == central_title(entry.data.get(CONF_PORT, DEFAULT_PORT)):
            return central_title(data[CONF_PORT])
        return entry.title


# --------------------------------------------------------------------------- chargers


def password_error(password: str) -> str | None:
    """The error key for an unusable charger password."""
    return "password_too_short" if len(password) < MIN_PASSWORD_LENGTH else None


def charge_point_id_error(charge_point_id: str) -> str | None:
    """The error key for an unusable charge point id (already stripped)."""
    valid = 0 < len(charge_point_id) <= MAX_CHARGE_POINT_ID_LENGTH and charge_point_id.isprintable()
    return None if valid else "invalid_charge_point_id"


def remote_id_tag_error(tag: str) -> str | None:
    """The error key for an unusable id tag for remote starts (already stripped)."""
    valid = len(tag) <= REMOTE_TAG_LENGTH and tag.isascii() and tag.isprintable()
    return None if valid else "invalid_remote_id_tag"


def charger_settings(user_input: Mapping[str, Any], charge_point_id: str) -> dict[str, Any]:
    """Name, price, limits and control options; empty optional values are left out."""
    pause_method = user_input.get(CONF_PAUSE_METHOD)
    settings: dict[str, Any] = {
        CONF_NAME: _text(user_input, CONF_NAME) or charge_point_id,
        CONF_MAX_POWER_KW: float(user_input.get(CONF_MAX_POWER_KW) or DEFAULT_MAX_POWER_KW),
        CONF_MAX_CURRENT: int(user_input.get(CONF_MAX_CURRENT) or DEFAULT_MAX_CURRENT),
        CONF_PHASES: int(user_input.get(CONF_PHASES) or DEFAULT_PHASES),
        CONF_PAUSE_METHOD: pause_method
        if pause_method in (PAUSE_METHOD_PROFILE, PAUSE_METHOD_STOP)
        else DEFAULT_PAUSE_METHOD,
    }
    if user_input.get(CONF_PRICE_PER_KWH) is not None:
        settings[CONF_PRICE_PER_KWH] = float(user_input[CONF_PRICE_PER_KWH])
    if price_entity := user_input.get(CONF_PRICE_ENTITY):
        settings[CONF_PRICE_ENTITY] = str(price_entity)
    if remote_id_tag := _text(user_input, CONF_REMOTE_ID_TAG):
        settings[CONF_REMOTE_ID_TAG] = remote_id_tag
    return settings


async def async_charger_data(
    hass: HomeAssistant, charge_point_id: str, password: str, settings: Mapping[str, Any]
) -> dict[str, Any]:
    """A charger's subentry data: the password only as its hash (scrypt, in the executor)."""
    password_hash = await hass.async_add_executor_job(hash_password, password)
    return {CONF_CHARGE_POINT_ID: charge_point_id, CONF_PASSWORD_HASH: password_hash, **settings}


def charger_known(entry: ConfigEntry, charge_point_id: str) -> bool:
    """Is this charge point id already a charger of the entry?"""
    return charge_point_id in charger_subentries(entry) or any(
        subentry.unique_id == charge_point_id for subentry in entry.subentries.values()
    )


def _charger_setting_fields() -> dict[vol.Marker, Any]:
    return {
        vol.Optional(CONF_PRICE_PER_KWH): _box(0, step="any"),
        vol.Optional(CONF_PRICE_ENTITY): EntitySelector(
            EntitySelectorConfig(
                filter=EntityFilterSelectorConfig(domain=["sensor", "input_number", "number"])
            )
        ),
        vol.Required(CONF_MAX_POWER_KW, default=DEFAULT_MAX_POWER_KW): _box(
            1, 400, step=0.1, unit="kW"
        ),
        vol.Required(CONF_MAX_CURRENT, default=DEFAULT_MAX_CURRENT): vol.All(
            _box(MIN_CHARGING_CURRENT, MAX_CHARGER_CURRENT, unit="A"), _INTEGER
        ),
        vol.Required(CONF_PHASES, default=str(DEFAULT_PHASES)): SelectSelector(
            SelectSelectorConfig(
                options=["1", "2", "3"], mode=SelectSelectorMode.LIST, translation_key=CONF_PHASES
            )
        ),
        vol.Required(CONF_PAUSE_METHOD, default=DEFAULT_PAUSE_METHOD): SelectSelector(
            SelectSelectorConfig(
                options=[PAUSE_METHOD_PROFILE, PAUSE_METHOD_STOP],
                mode=SelectSelectorMode.LIST,
                translation_key=CONF_PAUSE_METHOD,
            )
        ),
        vol.Optional(CONF_REMOTE_ID_TAG): _TEXT,
    }


def _add_charger_schema(password: str) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_CHARGE_POINT_ID): _TEXT,
            vol.Optional(CONF_NAME): _TEXT,
            vol.Required(CONF_PASSWORD, default=password): TextSelector(
                TextSelectorConfig(type=TextSelectorType.TEXT, autocomplete="off")
            ),
            **_charger_setting_fields(),
        }
    )


def _settings_errors(user_input: Mapping[str, Any]) -> dict[str, str]:
    """Form errors for the settings a user may change later."""
    if error := remote_id_tag_error(_text(user_input, CONF_REMOTE_ID_TAG)):
        return {CONF_REMOTE_ID_TAG: error}
    return {}


def _settings_schema() -> vol.Schema:
    return vol.Schema({vol.Optional(CONF_NAME): _TEXT, **_charger_setting_fields()})


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _internal_base_url(hass: HomeAssistant) -> str | None:
    try:
        return get_url(hass, allow_external=False, allow_cloud=False, prefer_external=False)
    except NoURLAvailableError:
        return None


def home_assistant_host(hass: HomeAssistant) -> str:
    """A name or address chargers can reach Home Assistant at."""
    if (base := _internal_base_url(hass)) and (host := urlsplit(base).hostname):
        return host
    api = hass.config.api
    if api is not None and api.local_ip:
        return str(api.local_ip)
    return UNKNOWN_HOST


def listening_port(entry: ConfigEntry) -> int:
    """The bound port when the server runs, else the configured one."""
    return _bound_port(entry) or int(entry.data.get(CONF_PORT, DEFAULT_PORT))


def charger_url(hass: HomeAssistant, entry: ConfigEntry, charge_point_id: str) -> str:
    """What to enter as the central system URL on the charger."""
    host = str(entry.data.get(CONF_HOST) or "").strip()
    if host in _WILDCARD_HOSTS:
        host = home_assistant_host(hass)
    scheme = "ws" if entry.data.get(CONF_ALLOW_INSECURE) else "wss"
    path = quote(charge_point_id, safe="!$&'()*+,;=:@")
    return f"{scheme}://{_bracket(host)}:{listening_port(entry)}/{path}"


def ca_download_url(hass: HomeAssistant, entry: ConfigEntry) -> str:
    """Where to download the local CA certificate (absolute when Home Assistant knows its URL)."""
    path = CA_DOWNLOAD_URL.format(entry_id=entry.entry_id)
    base = _internal_base_url(hass)
    return f"{base.rstrip('/')}{path}" if base else path


class ChargerSubentryFlow(ConfigSubentryFlow):
    """Add a charger (id, password, price, power) or change its settings."""

    def __init__(self) -> None:
        """Offer a fresh password; the data is kept until the credentials are shown."""
        self._password = generate_password()
        self._pending: dict[str, Any] | None = None

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Who the charger is and how it logs in."""
        errors: dict[str, str] = {}
        if user_input is not None:
            charge_point_id = _text(user_input, CONF_CHARGE_POINT_ID)
            errors = self._add_errors(charge_point_id, str(user_input.get(CONF_PASSWORD, "")))
            errors |= _settings_errors(user_input)
            if not errors:
                self._password = str(user_input[CONF_PASSWORD])
                settings = charger_settings(user_input, charge_point_id)
                self._pending = await async_charger_data(
                    self.hass, charge_point_id, self._password, settings
                )
                return await self.async_step_credentials()
        schema = self.add_suggested_values_to_schema(
            _add_charger_schema(self._password), user_input
        )
        return self.async_show_form(step_id="user", data_schema=schema, errors=errors)

    def _add_errors(self, charge_point_id: str, password: str) -> dict[str, str]:
        errors: dict[str, str] = {}
        if id_error := charge_point_id_error(charge_point_id):
            errors[CONF_CHARGE_POINT_ID] = id_error
        elif charger_known(self._get_entry(), charge_point_id):
            errors[CONF_CHARGE_POINT_ID] = "already_configured"
        if pw_error := password_error(password):
            errors[CONF_PASSWORD] = pw_error
        return errors

    async def async_step_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Show once what to enter on the charger; submitting adds the charger."""
        if self._pending is None:
            return await self.async_step_user()
        entry = self._get_entry()
        charge_point_id = str(self._pending[CONF_CHARGE_POINT_ID])
        if user_input is None:
            return self.async_show_form(
                step_id="credentials",
                data_schema=vol.Schema({}),
                description_placeholders={
                    "charge_point_id": charge_point_id,
                    "password": self._password,
                    "url": charger_url(self.hass, entry, charge_point_id),
                    "ca_url": ca_download_url(self.hass, entry),
                },
            )
        if charger_known(entry, charge_point_id):
            return self.async_abort(reason="already_configured")
        ir.async_delete_issue(
            self.hass, DOMAIN, unknown_charger_issue_id(entry.entry_id, charge_point_id)
        )
        return self.async_create_entry(
            title=str(self._pending[CONF_NAME]), data=self._pending, unique_id=charge_point_id
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Name, price and power limit (not the id, not the password)."""
        subentry = self._get_reconfigure_subentry()
        errors = _settings_errors(user_input) if user_input is not None else {}
        if user_input is not None and not errors:
            charge_point_id = str(subentry.data.get(CONF_CHARGE_POINT_ID, subentry.unique_id))
            settings = charger_settings(user_input, charge_point_id)
            kept = {k: v for k, v in subentry.data.items() if k not in _CHARGER_SETTINGS}
            return self.async_update_and_abort(
                self._get_entry(),
                subentry,
                title=str(settings[CONF_NAME]),
                data=kept | settings,
            )
        shown = user_input or {
            **subentry.data,
            CONF_PHASES: str(subentry.data.get(CONF_PHASES, DEFAULT_PHASES)),
        }
        schema = self.add_suggested_values_to_schema(_settings_schema(), shown)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=schema,
            errors=errors,
            description_placeholders={
                "charge_point_id": str(subentry.data.get(CONF_CHARGE_POINT_ID, ""))
            },
        )
