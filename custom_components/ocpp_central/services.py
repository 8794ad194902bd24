"""Actions: the OCPP requests a user or an automation sends to a charger (SPEC §4.3–4.5).

Every action is one row of ``OCPP_ACTIONS`` — its fields (the OCPP request's fields in
snake_case, validated before anything is sent), the OCPP action, how the request is built
and which answers are refusals — and runs through one handler: find the charger behind
``device_id``, build, send, check the status, answer with the OCPP response in snake_case.
Id tags and the charger password have handlers of their own (``LOCAL_ACTIONS``).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import pairwise
from typing import Any, Final, Literal
from urllib.parse import urlsplit

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service import async_register_admin_service
from homeassistant.util import dt as dt_util
from ocpp.v16.enums import (
    AuthorizationStatus,
    AvailabilityStatus,
    AvailabilityType,
    CancelReservationStatus,
    ChargingProfileKindType,
    ChargingProfilePurposeType,
    ChargingProfileStatus,
    ChargingRateUnitType,
    ClearCacheStatus,
    ConfigurationStatus,
    DataTransferStatus,
    GetCompositeScheduleStatus,
    MessageTrigger,
    RecurrencyKind,
    RemoteStartStopStatus,
    ReservationStatus,
    ResetStatus,
    ResetType,
    TriggerMessageStatus,
    UnlockStatus,
    UpdateStatus,
    UpdateType,
)

from .const import CONF_PASSWORD_HASH, DOMAIN
from .csms.lenient import iso_utc
from .csms.model import ChargerState
from .csms.security import generate_password, hash_password
from .csms.session import CallFailed, ChargePointSession, NotConnected, snake_case
from .runtime import OcppCentralConfigEntry, OcppCentralData, charger_subentries

_LOGGER = logging.getLogger(__name__)

REQUEST_TIMEOUT: float = 30.0  # seconds to wait for the charger's answer (tests shorten it)
REDACTED: Final = "**REDACTED**"
AUTHORIZATION_KEY: Final = "AuthorizationKey"
# Basic Auth password: 16–40 printable ASCII characters (Security Whitepaper), without
# space, '"' and '\' so that it reads the same inside a JSON frame (redaction).
_PASSWORD: Final = re.compile(r"[!#-\[\]-~]{16,40}")
_URL_SCHEMES: Final = frozenset({"http", "https", "ftp", "ftps"})

type Body = dict[str, Any]
type Connector = Literal["none", "optional", "required", "zero"]


# ---------------------------------------------------------------- validators


def _int(value: Any) -> int:
    """An integer: 3, 3.0 and "3" are fine; 3.5, True and "three" are not."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise vol.Invalid("expected an integer")


def _integer(minimum: int | None = None, maximum: int | None = None) -> vol.All:
    return vol.All(_int, vol.Range(min=minimum, max=maximum))


def _tenths(value: Any) -> float | int:
    """A number ≥ 0 with at most one decimal (OCPP's multipleOf 0.1)."""
    if isinstance(value, bool):
        raise vol.Invalid("expected a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise vol.Invalid("expected a number") from None
    if not math.isfinite(number) or number < 0:
        raise vol.Invalid("expected a number of at least 0")
    tenths = round(number * 10)
    if abs(number * 10 - tenths) > 1e-6:
        raise vol.Invalid("expected at most one decimal (a multiple of 0.1)")
    return tenths // 10 if tenths % 10 == 0 else tenths / 10


def _text(maximum: int) -> vol.All:
    return vol.All(cv.string, vol.Length(min=1, max=maximum))


def _enum(*values: str) -> vol.In:
    return vol.In([str(v) for v in values])


def _url(value: Any) -> str:
    """An http(s) or ftp(s) URL with a host."""
    text = cv.string(value).strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in _URL_SCHEMES or not parts.netloc:
        raise vol.Invalid("expected an http(s) or ftp(s) URL")
    return text


def _firmware_location(value: Any) -> str:
    """A URL, or the name of a file in the firmware folder."""
    text = cv.string(value).strip()
    if "://" in text:
        return _url(text)
    if not text or "/" in text or "\\" in text or text in (".", ".."):
        raise vol.Invalid("expected a URL or the name of a file in the firmware folder")
    return text


def _data_text(value: Any) -> str:
    """DataTransfer data is a string; an object or a list is sent as its JSON."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    text: str = cv.string(value)
    return text


def _id_tag(value: Any) -> str:
    """An id tag as OCPP has it (CiString20): 1–20 printable characters, no outer blanks."""
    text: str = cv.string(value)
    if not 0 < len(text) <= 20 or not text.isprintable() or text != text.strip():
        raise vol.Invalid("expected an id tag of 1 to 20 printable characters")
    return text


ID_TAG: Final = _id_tag
DATETIME: Final = vol.All(cv.datetime, dt_util.as_utc)
DEVICE: Final[dict[Any, Any]] = {vol.Required("device_id"): cv.string}


def _ordered_periods(periods: list[Body]) -> list[Body]:
    starts = [p["start_period"] for p in periods]
    if starts[0] != 0:
        raise vol.Invalid("the first charging_schedule_period must have start_period 0")
    if any(later <= earlier for earlier, later in pairwise(starts)):
        raise vol.Invalid("start_period must increase from one period to the next")
    return periods


def _before(first: str, second: str) -> Callable[[Body], Body]:
    def check(data: Body) -> Body:
        if first in data and second in data and data[first] >= data[second]:
            raise vol.Invalid(f"{first} must be before {second}")
        return data

    return check


CHARGING_SCHEDULE: Final = vol.Schema(
    {
        vol.Optional("duration"): _integer(0),
        vol.Optional("start_schedule"): DATETIME,
        vol.Required("charging_rate_unit"): _enum(*ChargingRateUnitType),
        vol.Required("charging_schedule_period"): vol.All(
            [
                vol.Schema(
                    {
                        vol.Required("start_period"): _integer(0),
                        vol.Required("limit"): _tenths,
                        vol.Optional("number_phases"): _integer(1, 3),
                    }
                )
            ],
            vol.Length(min=1),
            _ordered_periods,
        ),
        vol.Optional("min_charging_rate"): _tenths,
    }
)


def _profile_rules(remote_start: bool) -> Callable[[Body], Body]:
    """Rules between the fields of a ChargingProfile (OCPP 1.6 §7.8, §5.11)."""

    def check(profile: Body) -> Body:
        purpose = profile["charging_profile_purpose"]
        kind = profile["charging_profile_kind"]
        tx_profile = str(ChargingProfilePurposeType.tx_profile)
        if remote_start and purpose != tx_profile:
            raise vol.Invalid("the charging_profile of a remote start must be a TxProfile")
        if remote_start and "transaction_id" in profile:
            raise vol.Invalid("a remote start has no transaction_id yet")
        if not remote_start and (purpose == tx_profile) != ("transaction_id" in profile):
            raise vol.Invalid("transaction_id is required for, and only for, a TxProfile")
        recurring = kind == ChargingProfileKindType.recurring
        if recurring != ("recurrency_kind" in profile):
            raise vol.Invalid("recurrency_kind is required for, and only for, a Recurring kind")
        has_start = "start_schedule" in profile["charging_schedule"]
        if recurring and not has_start:
            raise vol.Invalid("a Recurring profile needs charging_schedule.start_schedule")
        if kind == ChargingProfileKindType.relative and has_start:
            raise vol.Invalid("a Relative profile has no charging_schedule.start_schedule")
        return profile

    return check


def charging_profile(*, remote_start: bool = False) -> vol.All:
    """An OCPP 1.6 ChargingProfile in snake_case (csChargingProfiles / chargingProfile)."""
    return vol.All(
        vol.Schema(
            {
                vol.Required("charging_profile_id"): _integer(0),
                vol.Optional("transaction_id"): _integer(0),
                vol.Required("stack_level"): _integer(0),
                vol.Required("charging_profile_purpose"): _enum(*ChargingProfilePurposeType),
                vol.Required("charging_profile_kind"): _enum(*ChargingProfileKindType),
                vol.Optional("recurrency_kind"): _enum(*RecurrencyKind),
                vol.Optional("valid_from"): DATETIME,
                vol.Optional("valid_to"): DATETIME,
                vol.Required("charging_schedule"): CHARGING_SCHEDULE,
            }
        ),
        _profile_rules(remote_start),
        _before("valid_from", "valid_to"),
    )


LOCAL_AUTHORIZATION: Final = vol.Schema(
    {
        vol.Required("id_tag"): ID_TAG,
        vol.Optional("id_tag_info"): vol.Schema(
            {
                vol.Required("status"): _enum(*AuthorizationStatus),
                vol.Optional("expiry_date"): DATETIME,
                vol.Optional("parent_id_tag"): ID_TAG,
            }
        ),
    }
)


def _local_list_rules(data: Body) -> Body:
    entries = data.get("local_authorization_list", [])
    tags = [e["id_tag"] for e in entries]
    if len(set(tags)) != len(tags):
        raise vol.Invalid("an id_tag appears twice in local_authorization_list")
    if data["update_type"] == UpdateType.full and any("id_tag_info" not in e for e in entries):
        raise vol.Invalid("a Full update needs id_tag_info for every id_tag")
    return data


def _one_of_stop_targets(data: Body) -> Body:
    if "transaction_id" in data and "connector_id" in data:
        raise vol.Invalid("give transaction_id or connector_id, not both")
    return data


def _in_future(key: str) -> Callable[[Body], Body]:
    def check(data: Body) -> Body:
        if data[key] <= dt_util.utcnow():
            raise vol.Invalid(f"{key} must be in the future")
        return data

    return check


class _ServiceSchema(vol.Schema):
    """A schema whose errors reach the user as a translated ServiceValidationError."""

    def __call__(self, data: Any) -> Any:
        try:
            return super().__call__(data)  # type: ignore[no-untyped-call]
        except vol.Invalid as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_input",
                translation_placeholders={"error": str(err)},
            ) from err


# ------------------------------------------------------------------ targets


@dataclass(slots=True)
class Target:
    """The charger (and the connector, for a connector's device) an action is for."""

    hass: HomeAssistant
    entry: OcppCentralConfigEntry
    charge_point_id: str
    device_connector: int | None = None

    @property
    def data(self) -> OcppCentralData:
        """The central system's runtime data."""
        return self.entry.runtime_data

    @property
    def charger(self) -> ChargerState:
        """The charger's state."""
        return self.data.central.chargers[self.charge_point_id]

    @property
    def session(self) -> ChargePointSession | None:
        """The charger's connection (None while offline)."""
        return self.data.central.sessions.get(self.charge_point_id)


def _invalid(key: str, **placeholders: Any) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={k: str(v) for k, v in placeholders.items()},
    )


def _failed(key: str, **placeholders: Any) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={k: str(v) for k, v in placeholders.items()},
    )


def _loaded_entries(hass: HomeAssistant, device: dr.DeviceEntry) -> list[OcppCentralConfigEntry]:
    """The OCPP Central entries a device belongs to (error when one is not running)."""
    entries = []
    for entry_id in device.config_entries:
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            continue
        if entry.state is not ConfigEntryState.LOADED:
            raise _invalid("entry_not_loaded", entry=entry.title)
        entries.append(entry)
    return entries


def _device(hass: HomeAssistant, device_id: str) -> dr.DeviceEntry:
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        raise _invalid("unknown_device", device_id=device_id)
    return device


def device_target(hass: HomeAssistant, device_id: str) -> Target:
    """The charger behind a charger's or a connector's device; never a guess."""
    device = _device(hass, device_id)
    for entry in _loaded_entries(hass, device):
        chargers = entry.runtime_data.central.chargers
        for domain, identifier in device.identifiers:
            if domain != DOMAIN:
                continue
            if identifier in chargers:
                return Target(hass, entry, identifier)
            cp_id, _, number = identifier.rpartition("-")
            if cp_id in chargers and number.isdigit():
                return Target(hass, entry, cp_id, int(number))
    raise _invalid("not_a_charger", device=device.name_by_user or device.name or device_id)


def central_target(hass: HomeAssistant, data: Mapping[str, Any]) -> OcppCentralData:
    """The central system of ``config_entry_id``, or of the device ``device_id``."""
    if entry_id := data.get("config_entry_id"):
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            raise _invalid("unknown_config_entry", entry_id=entry_id)
        if entry.state is not ConfigEntryState.LOADED:
            raise _invalid("entry_not_loaded", entry=entry.title)
        runtime: OcppCentralData = entry.runtime_data
        return runtime
    device = _device(hass, data["device_id"])
    for entry in _loaded_entries(hass, device):
        return entry.runtime_data
    raise _invalid("not_a_charger", device=device.name_by_user or device.name or device.id)


def _connector(target: Target, mode: Connector, given: int | None, action: str) -> int | None:
    """The connector: the field, else the targeted connector's device, else the default."""
    own = target.device_connector
    if given is not None and own is not None and given != own:
        raise _invalid("connector_mismatch", connector=given, device_connector=own)
    value = given if given is not None else own
    if value is None and mode == "zero":
        return 0
    if value is None and mode == "required":
        raise _invalid("connector_required", action=action)
    return value


# --------------------------------------------------------------------- wire


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def to_wire(value: Any) -> Any:
    """snake_case → the OCPP request: camelCase keys, UTC 'Z' timestamps, no None."""
    if isinstance(value, dict):
        return {_camel(k): to_wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [to_wire(v) for v in value]
    if isinstance(value, datetime):
        return iso_utc(dt_util.as_utc(value))
    return value


async def request(target: Target, action: str, body: Body) -> Body:
    """Send one CALL; offline, timeout and CALLERROR become translated errors."""
    cp_id = target.charge_point_id
    session = target.session
    if session is None or session.closed:
        raise _failed("charger_offline", charger=cp_id)
    _LOGGER.debug("%s: sending %s", cp_id, action)  # never the body: it may hold secrets
    try:
        return await session.request_raw(action, body, timeout=REQUEST_TIMEOUT)
    except NotConnected as err:
        raise _failed("charger_offline", charger=cp_id) from err
    except TimeoutError as err:
        raise _failed("charger_timeout", charger=cp_id, action=action) from err
    except CallFailed as err:
        raise _failed(
            "charger_error",
            charger=cp_id,
            action=action,
            code=err.code,
            description=err.description or "-",
        ) from err


def _check_status(target: Target, action: str, answer: Body, refusals: frozenset[str]) -> None:
    status = answer.get("status")
    if isinstance(status, str) and status in refusals:
        raise _failed(
            "charger_rejected", charger=target.charge_point_id, action=action, status=status
        )


# ----------------------------------------------------------- authorization key


def _redact_frames(charger: ChargerState, secret: str) -> None:
    """The frame log (diagnostics) must not keep a password readable."""
    frames = charger.frames
    for index, (at, direction, text) in enumerate(frames):
        if secret in text:
            frames[index] = (at, direction, text.replace(secret, REDACTED))


async def change_authorization_key(target: Target, password: str) -> Body:
    """ChangeConfiguration(AuthorizationKey); the new hash is stored once the charger took it.

    The hash is computed first, so a charger that reconnects right after accepting is
    not refused. RebootRequired stores it too: after its reboot the charger uses it.
    """
    subentry = charger_subentries(target.entry).get(target.charge_point_id)
    if subentry is None:
        raise _invalid("not_a_charger", device=target.charge_point_id)
    if target.session is None:  # before the (deliberately slow) hashing
        raise _failed("charger_offline", charger=target.charge_point_id)
    new_hash = await target.hass.async_add_executor_job(hash_password, password)
    body = {"key": AUTHORIZATION_KEY, "value": password}
    central = target.data.central
    try:
        answer = await request(target, "ChangeConfiguration", body)
    except HomeAssistantError as err:
        if err.translation_key in ("charger_timeout", "charger_offline"):
            # No answer: the charger may have taken it. The next login decides which
            # password stays; until then both open the door (never neither).
            central.expect_password(target.charge_point_id, new_hash)
        raise
    finally:
        _redact_frames(target.charger, password)
    central.forget_password_change(target.charge_point_id)
    refusals = frozenset({ConfigurationStatus.rejected, ConfigurationStatus.not_supported})
    _check_status(target, "ChangeConfiguration", answer, refusals)
    target.hass.config_entries.async_update_subentry(
        target.entry, subentry, data={**subentry.data, CONF_PASSWORD_HASH: new_hash}
    )
    _LOGGER.info("%s: password changed (%s)", target.charge_point_id, answer.get("status"))
    return answer


def _password(value: Any) -> str:
    text = cv.string(value)
    if not _PASSWORD.fullmatch(text):
        raise vol.Invalid(
            "the password must be 16 to 40 printable characters without space, '\"' or '\\'"
        )
    return text


# ------------------------------------------------------------ request builders


async def _as_is(_target: Target, data: Body) -> Body:
    return data


async def _remote_stop(target: Target, data: Body) -> Body:
    """A transaction id, else the open session of the connector (or of the charger)."""
    if "transaction_id" in data:
        return {"transaction_id": data["transaction_id"]}
    charger = target.charger
    connector = data.get("connector_id")
    if connector is None:
        sessions = charger.open_sessions()
        if len(sessions) != 1:
            raise _invalid("connector_required", action="remote_stop_transaction")
        return {"transaction_id": sessions[0].transaction_id}
    state = charger.connectors.get(connector)
    if state is None or state.session is None:
        raise _invalid("no_open_transaction", charger=target.charge_point_id, connector=connector)
    return {"transaction_id": state.session.transaction_id}


async def _set_charging_profile(_target: Target, data: Body) -> Body:
    profile, connector = data["charging_profile"], data["connector_id"]
    purpose = profile["charging_profile_purpose"]
    wrong = (purpose == ChargingProfilePurposeType.charge_point_max_profile and connector != 0) or (
        purpose == ChargingProfilePurposeType.tx_profile and connector == 0
    )
    if wrong:
        raise _invalid("profile_connector", purpose=purpose, connector=connector)
    return {"connector_id": connector, "cs_charging_profiles": profile}


async def _update_firmware(target: Target, data: Body) -> Body:
    location = data["location"]
    if "://" not in location:
        try:
            location = await target.data.files.async_firmware_url(location)
        except FileNotFoundError as err:
            raise _invalid("unknown_firmware_file", file_name=location) from err
    return {"retrieve_date": dt_util.utcnow()} | data | {"location": location}


async def _get_diagnostics(target: Target, data: Body) -> Body:
    if "location" in data:
        return data
    location = target.data.files.diagnostics_upload_url(target.charge_point_id)
    return data | {"location": location}


async def _get_configuration(_target: Target, data: Body) -> Body:
    return {"key": data["key"]} if data.get("key") else {}


# ----------------------------------------------------------- response shapers


def _answer(_body: Body, answer: Body) -> Body:
    return answer


def _with_location(body: Body, answer: Body) -> Body:
    return answer | {"location": body["location"]}


def _diagnostics_answer(body: Body, answer: Body) -> Body:
    return {"file_name": None} | answer | {"location": body["location"]}


def _configuration_answer(_body: Body, answer: Body) -> Body:
    for item in answer.get("configuration_key") or ():
        key = item.get("key") if isinstance(item, dict) else None
        if isinstance(key, str) and key.lower() == AUTHORIZATION_KEY.lower() and "value" in item:
            item["value"] = REDACTED
    return answer


# ------------------------------------------- what the central system remembers


def _reserved(target: Target, body: Body, _answer: Body) -> None:
    target.data.central.authorizer.reserve(
        target.charge_point_id,
        body["reservation_id"],
        body["connector_id"],
        body["id_tag"],
        body["expiry_date"],
        body.get("parent_id_tag"),
    )


def _reservation_cancelled(target: Target, body: Body, _answer: Body) -> None:
    target.data.central.authorizer.cancel_reservation(
        target.charge_point_id, body["reservation_id"]
    )


def _local_list_sent(target: Target, body: Body, _answer: Body) -> None:
    target.data.central.authorizer.record_local_list(
        target.charge_point_id,
        body["list_version"],
        body["update_type"],
        to_wire(body)["localAuthorizationList"],
    )


def _local_list_version(target: Target, _body: Body, answer: Body) -> None:
    version = answer.get("list_version")
    if isinstance(version, int) and not isinstance(version, bool):
        target.data.central.authorizer.note_local_list_version(target.charge_point_id, version)


# ---------------------------------------------------------------- senders


async def _send(target: Target, action: str, body: Body) -> Body:
    return await request(target, action, to_wire(body))


async def _send_configuration(target: Target, action: str, body: Body) -> Body:
    """AuthorizationKey is the charger's password: change it the way rotate_password does."""
    if body["key"].lower() != AUTHORIZATION_KEY.lower():
        return await _send(target, action, body)
    try:
        password = _password(body["value"])
    except vol.Invalid as err:
        raise _invalid("invalid_input", error=str(err)) from None
    return await change_authorization_key(target, password)


# ------------------------------------------------------------------ the table


@dataclass(frozen=True, slots=True)
class OcppAction:
    """One action that sends one OCPP request to one charger."""

    ocpp: str
    fields: dict[Any, Any]
    connector: Connector = "none"
    min_connector: int = 0
    refusals: frozenset[str] = frozenset()
    check: Callable[[Body], Body] | None = None
    build: Callable[[Target, Body], Awaitable[Body]] = _as_is
    respond: Callable[[Body, Body], Body] = _answer
    send: Callable[[Target, str, Body], Awaitable[Body]] = _send
    after: Callable[[Target, Body, Body], None] | None = None  # on success
    admin: bool = False

    def schema(self) -> vol.Schema:
        """The action's fields: device_id, connector_id where it applies, the request."""
        fields: dict[Any, Any] = dict(DEVICE)
        if self.connector != "none":
            fields[vol.Optional("connector_id")] = _integer(self.min_connector)
        fields.update(self.fields)
        validators = [vol.Schema(fields), *([self.check] if self.check else [])]
        return _ServiceSchema(vol.All(*validators))


def _refusals(*statuses: str) -> frozenset[str]:
    return frozenset(str(s) for s in statuses)


OCPP_ACTIONS: Final[dict[str, OcppAction]] = {
    "remote_start_transaction": OcppAction(
        "RemoteStartTransaction",
        {
            vol.Required("id_tag"): ID_TAG,
            vol.Optional("charging_profile"): charging_profile(remote_start=True),
        },
        connector="optional",
        min_connector=1,
        refusals=_refusals(RemoteStartStopStatus.rejected),
    ),
    "remote_stop_transaction": OcppAction(
        "RemoteStopTransaction",
        {vol.Optional("transaction_id"): _integer(0)},
        connector="optional",
        min_connector=1,
        refusals=_refusals(RemoteStartStopStatus.rejected),
        check=_one_of_stop_targets,
        build=_remote_stop,
    ),
    "reset": OcppAction(
        "Reset",
        {vol.Optional("type", default=str(ResetType.soft)): _enum(*ResetType)},
        refusals=_refusals(ResetStatus.rejected),
    ),
    "unlock_connector": OcppAction(
        "UnlockConnector",
        {},
        connector="required",
        min_connector=1,
        refusals=_refusals(UnlockStatus.unlock_failed, UnlockStatus.not_supported),
    ),
    "change_availability": OcppAction(
        "ChangeAvailability",
        {vol.Required("type"): _enum(*AvailabilityType)},
        connector="zero",
        refusals=_refusals(AvailabilityStatus.rejected),
    ),
    "get_configuration": OcppAction(
        "GetConfiguration",
        {vol.Optional("key"): vol.All(cv.ensure_list, [_text(50)])},
        build=_get_configuration,
        respond=_configuration_answer,
    ),
    "change_configuration": OcppAction(
        "ChangeConfiguration",
        {
            vol.Required("key"): _text(50),
            vol.Required("value"): vol.All(cv.string, vol.Length(max=500)),
        },
        refusals=_refusals(ConfigurationStatus.rejected, ConfigurationStatus.not_supported),
        send=_send_configuration,
        admin=True,
    ),
    "trigger_message": OcppAction(
        "TriggerMessage",
        {
            vol.Required("requested_message"): _enum(
                MessageTrigger.boot_notification,
                MessageTrigger.status_notification,
                MessageTrigger.meter_values,
                MessageTrigger.heartbeat,
                MessageTrigger.firmware_status_notification,
                MessageTrigger.diagnostics_status_notification,
            )
        },
        connector="optional",
        min_connector=1,  # OCPP 1.6: connectorId > 0 (none: the whole charger)
        refusals=_refusals(TriggerMessageStatus.rejected, TriggerMessageStatus.not_implemented),
    ),
    "set_charging_profile": OcppAction(
        "SetChargingProfile",
        {vol.Required("charging_profile"): charging_profile()},
        connector="required",
        refusals=_refusals(ChargingProfileStatus.rejected, ChargingProfileStatus.not_supported),
        build=_set_charging_profile,
    ),
    "clear_charging_profile": OcppAction(
        "ClearChargingProfile",
        {
            vol.Optional("id"): _integer(0),
            vol.Optional("charging_profile_purpose"): _enum(*ChargingProfilePurposeType),
            vol.Optional("stack_level"): _integer(0),
        },
        connector="optional",
    ),  # Unknown = nothing matched: an answer, not a refusal
    "get_composite_schedule": OcppAction(
        "GetCompositeSchedule",
        {
            vol.Required("duration"): _integer(0),
            vol.Optional("charging_rate_unit"): _enum(*ChargingRateUnitType),
        },
        connector="required",
        refusals=_refusals(GetCompositeScheduleStatus.rejected),
    ),
    "update_firmware": OcppAction(
        "UpdateFirmware",
        {
            vol.Required("location"): _firmware_location,
            vol.Optional("retrieve_date"): DATETIME,
            vol.Optional("retries"): _integer(0),
            vol.Optional("retry_interval"): _integer(0),
        },
        build=_update_firmware,
        respond=_with_location,
        admin=True,
    ),
    "get_diagnostics": OcppAction(
        "GetDiagnostics",
        {
            vol.Optional("location"): _url,
            vol.Optional("retries"): _integer(0),
            vol.Optional("retry_interval"): _integer(0),
            vol.Optional("start_time"): DATETIME,
            vol.Optional("stop_time"): DATETIME,
        },
        check=_before("start_time", "stop_time"),
        build=_get_diagnostics,
        respond=_diagnostics_answer,
    ),
    "data_transfer": OcppAction(
        "DataTransfer",
        {
            vol.Required("vendor_id"): _text(255),
            vol.Optional("message_id"): _text(50),
            vol.Optional("data"): _data_text,
        },
        refusals=_refusals(
            DataTransferStatus.rejected,
            DataTransferStatus.unknown_message_id,
            DataTransferStatus.unknown_vendor_id,
        ),
    ),
    "reserve_now": OcppAction(
        "ReserveNow",
        {
            vol.Required("expiry_date"): DATETIME,
            vol.Required("id_tag"): ID_TAG,
            vol.Optional("parent_id_tag"): ID_TAG,
            vol.Required("reservation_id"): _integer(0),
        },
        connector="required",
        refusals=_refusals(
            ReservationStatus.faulted,
            ReservationStatus.occupied,
            ReservationStatus.rejected,
            ReservationStatus.unavailable,
        ),
        check=_in_future("expiry_date"),
        after=_reserved,
    ),
    "cancel_reservation": OcppAction(
        "CancelReservation",
        {vol.Required("reservation_id"): _integer(0)},
        refusals=_refusals(CancelReservationStatus.rejected),
        after=_reservation_cancelled,
    ),
    "send_local_list": OcppAction(
        "SendLocalList",
        {
            vol.Required("list_version"): _integer(0),
            vol.Required("update_type"): _enum(*UpdateType),
            vol.Optional("local_authorization_list", default=list): [LOCAL_AUTHORIZATION],
        },
        refusals=_refusals(
            UpdateStatus.failed, UpdateStatus.not_supported, UpdateStatus.version_mismatch
        ),
        check=_local_list_rules,
        after=_local_list_sent,
        admin=True,
    ),
    "get_local_list_version": OcppAction("GetLocalListVersion", {}, after=_local_list_version),
    "clear_cache": OcppAction("ClearCache", {}, refusals=_refusals(ClearCacheStatus.rejected)),
}


async def _handle(name: str, spec: OcppAction, call: ServiceCall) -> ServiceResponse:
    """The one handler of every OCPP action."""
    target = device_target(call.hass, call.data["device_id"])
    data = {k: v for k, v in call.data.items() if k != "device_id"}
    if spec.connector != "none":
        data["connector_id"] = _connector(target, spec.connector, data.get("connector_id"), name)
    body = await spec.build(target, {k: v for k, v in data.items() if v is not None})
    answer = await spec.send(target, spec.ocpp, body)
    _check_status(target, spec.ocpp, answer, spec.refusals)
    response = snake_case(answer)
    if spec.after is not None:
        spec.after(target, body, response)
    return spec.respond(body, response)


# ---------------------------------------------------------- central actions


CENTRAL: Final[dict[Any, Any]] = {
    vol.Optional("config_entry_id"): cv.string,
    vol.Optional("device_id"): cv.string,
}
_ONE_TARGET: Final = vol.All(
    cv.has_at_least_one_key("config_entry_id", "device_id"),
    cv.has_at_most_one_key("config_entry_id", "device_id"),
)


async def _set_id_tag(call: ServiceCall) -> ServiceResponse:
    """Add or change an id tag of the central system's list (SPEC §3.6)."""
    runtime = central_target(call.hass, call.data)
    id_tag, status = call.data["id_tag"], call.data["status"]
    expiry, parent = call.data.get("expiry_date"), call.data.get("parent_id_tag")
    try:
        runtime.central.authorizer.set_tag(id_tag, status, expiry, parent)
    except ValueError as err:
        raise _invalid("invalid_input", error=str(err)) from err
    runtime.bridge.save(True)
    return {
        "id_tag": id_tag,
        "status": status,
        "expiry_date": expiry.isoformat() if expiry else None,
        "parent_id_tag": parent,
    }


async def _remove_id_tag(call: ServiceCall) -> ServiceResponse:
    """Remove an id tag from the central system's list."""
    runtime = central_target(call.hass, call.data)
    id_tag = call.data["id_tag"]
    if not runtime.central.authorizer.remove_tag(id_tag):
        raise _invalid("unknown_id_tag", id_tag=id_tag)
    runtime.bridge.save(True)
    return {"id_tag": id_tag, "removed": True}


async def _rotate_password(call: ServiceCall) -> ServiceResponse:
    """A new Basic Auth password for the charger; the old one stops working (SPEC §2.4)."""
    target = device_target(call.hass, call.data["device_id"])
    password = call.data.get("password") or generate_password()
    answer = await change_authorization_key(target, password)
    return {"password": password, "status": answer.get("status")}


@dataclass(frozen=True, slots=True)
class LocalAction:
    """An action handled by the central system itself (or with a custom flow)."""

    schema: vol.Schema
    handler: Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]]
    admin: bool = False


LOCAL_ACTIONS: Final[dict[str, LocalAction]] = {
    "set_id_tag": LocalAction(
        _ServiceSchema(
            vol.All(
                vol.Schema(
                    {
                        **CENTRAL,
                        vol.Required("id_tag"): ID_TAG,
                        vol.Optional("status", default=str(AuthorizationStatus.accepted)): _enum(
                            AuthorizationStatus.accepted,
                            AuthorizationStatus.blocked,
                            AuthorizationStatus.expired,
                            AuthorizationStatus.invalid,
                        ),
                        vol.Optional("expiry_date"): DATETIME,
                        vol.Optional("parent_id_tag"): ID_TAG,
                    }
                ),
                _ONE_TARGET,
            )
        ),
        _set_id_tag,
        admin=True,
    ),
    "remove_id_tag": LocalAction(
        _ServiceSchema(
            vol.All(vol.Schema({**CENTRAL, vol.Required("id_tag"): ID_TAG}), _ONE_TARGET)
        ),
        _remove_id_tag,
        admin=True,
    ),
    "rotate_password": LocalAction(
        _ServiceSchema({**DEVICE, vol.Optional("password"): _password}),
        _rotate_password,
        admin=True,
    ),
}


def _register(
    hass: HomeAssistant,
    name: str,
    handler: Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]],
    schema: vol.Schema,
    admin: bool,
) -> None:
    if admin:
        async_register_admin_service(
            hass, DOMAIN, name, handler, schema, supports_response=SupportsResponse.OPTIONAL
        )
    else:
        hass.services.async_register(
            DOMAIN, name, handler, schema=schema, supports_response=SupportsResponse.OPTIONAL
        )


def async_setup_services(hass: HomeAssistant) -> None:
    """Register every action once, for all central systems (from ``async_setup``)."""
    for name, spec in OCPP_ACTIONS.items():
        _register(hass, name, partial(_handle, name, spec), spec.schema(), spec.admin)
    for name, local in LOCAL_ACTIONS.items():
        _register(hass, name, local.handler, local.schema, local.admin)
