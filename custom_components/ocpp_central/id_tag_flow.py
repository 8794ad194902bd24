"""Id tags (RFID cards) in the UI: config subentries of type ``id_tag`` (SPEC §3.6).

Each card is a subentry of its central system: the tag, a name, a status (Accepted,
Blocked, Expired, Invalid), an optional expiry date and parent tag. Adding, changing or
removing one never reloads the entry: the update listener hands the tags to the
authorizer in place (``apply_id_tag_settings``), so connected chargers stay connected.
The policy for unknown tags is a field of the central system's own form.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

import voluptuous as vol
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigSubentry,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.helpers.selector import (
    DateTimeSelector,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
from homeassistant.util import dt as dt_util

from .const import (
    CONF_EXPIRY_DATE,
    CONF_ID_TAG,
    CONF_ID_TAG_STATUS,
    CONF_NAME,
    CONF_PARENT_ID_TAG,
    CONF_UNKNOWN_ID_TAGS,
    DEFAULT_UNKNOWN_ID_TAGS,
    SUBENTRY_ID_TAG,
)
from .csms.authorization import (
    POLICIES,
    STATUSES,
    Authorizer,
    IdTag,
    normalize_id_tag,
    valid_id_tag,
)

_LOGGER = logging.getLogger(__name__)

# Select options are lowercase keys (translated); the authorizer takes either case.
STATUS_OPTIONS: Final = [status.lower() for status in STATUSES]
DEFAULT_STATUS: Final = "accepted"
_SELECTOR_FORMAT: Final = "%Y-%m-%d %H:%M:%S"
_TEXT = TextSelector()
_STATUS_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=STATUS_OPTIONS, mode=SelectSelectorMode.DROPDOWN, translation_key="id_tag_status"
    )
)
_POLICY_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=list(POLICIES), mode=SelectSelectorMode.LIST, translation_key="unknown_id_tags"
    )
)


# ------------------------------------------------------- central system: the policy


def unknown_id_tag_policy(data: Mapping[str, Any]) -> str:
    """The policy for unknown tags in entry data or form input (accept when unset)."""
    value = str(data.get(CONF_UNKNOWN_ID_TAGS) or DEFAULT_UNKNOWN_ID_TAGS).strip().lower()
    return value if value in POLICIES else DEFAULT_UNKNOWN_ID_TAGS


def unknown_id_tags_field(values: Mapping[str, Any]) -> dict[vol.Marker, Any]:
    """The policy field of the central system's user and reconfigure forms."""
    return {
        vol.Required(CONF_UNKNOWN_ID_TAGS, default=unknown_id_tag_policy(values)): _POLICY_SELECTOR
    }


# ------------------------------------------------------ subentries → the authorizer


def tags_from_subentries(entry: ConfigEntry) -> list[IdTag]:
    """The id tags of the entry's ``id_tag`` subentries (unusable ones are skipped)."""
    tags: list[IdTag] = []
    for subentry in entry.subentries.values():
        if subentry.subentry_type != SUBENTRY_ID_TAG:
            continue
        data = subentry.data
        try:
            tags.append(
                IdTag.create(
                    data.get(CONF_ID_TAG),
                    data.get(CONF_ID_TAG_STATUS) or DEFAULT_STATUS,
                    data.get(CONF_EXPIRY_DATE),
                    data.get(CONF_PARENT_ID_TAG),
                )
            )
        except ValueError as err:  # the message never holds the tag
            _LOGGER.warning("Id tag subentry %s ignored: %s", subentry.subentry_id, err)
    return tags


def apply_id_tag_settings(entry: ConfigEntry, authorizer: Authorizer) -> None:
    """Hand the policy and the tags to the authorizer (at setup and on every update)."""
    authorizer.policy = unknown_id_tag_policy(entry.data)
    authorizer.set_tags(tags_from_subentries(entry))


# ---------------------------------------------------------------------- the flow


def _to_stored(value: Any) -> str | None:
    """The date-time selector's local time as a UTC ISO string (None: none / unusable)."""
    if not value:
        return None
    parsed = value if isinstance(value, datetime) else dt_util.parse_datetime(str(value))
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt_util.get_default_time_zone())
    return parsed.astimezone(UTC).isoformat()


def _to_selector(value: Any) -> str | None:
    """A stored expiry date as the date-time selector shows it (local time)."""
    parsed = dt_util.parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        return None
    return dt_util.as_local(parsed).strftime(_SELECTOR_FORMAT)


def _settings_fields() -> dict[vol.Marker, Any]:
    return {
        vol.Optional(CONF_NAME): _TEXT,
        vol.Required(CONF_ID_TAG_STATUS, default=DEFAULT_STATUS): _STATUS_SELECTOR,
        vol.Optional(CONF_EXPIRY_DATE): DateTimeSelector(),
        vol.Optional(CONF_PARENT_ID_TAG): _TEXT,
    }


def _add_schema() -> vol.Schema:
    return vol.Schema({vol.Required(CONF_ID_TAG): _TEXT, **_settings_fields()})


def _text(user_input: Mapping[str, Any], key: str) -> str:
    return str(user_input.get(key) or "").strip()


def _settings(user_input: Mapping[str, Any], id_tag: str) -> tuple[dict[str, Any], dict[str, str]]:
    """(name, status, expiry, parent as stored, form errors)."""
    errors: dict[str, str] = {}
    settings: dict[str, Any] = {CONF_NAME: _text(user_input, CONF_NAME) or id_tag}
    # The selectors have checked status and date already.
    status = _text(user_input, CONF_ID_TAG_STATUS).lower()
    settings[CONF_ID_TAG_STATUS] = status if status in STATUS_OPTIONS else DEFAULT_STATUS
    if expiry := _to_stored(user_input.get(CONF_EXPIRY_DATE)):
        settings[CONF_EXPIRY_DATE] = expiry
    if parent := _text(user_input, CONF_PARENT_ID_TAG):
        if not valid_id_tag(parent):
            errors[CONF_PARENT_ID_TAG] = "invalid_parent_id_tag"
        settings[CONF_PARENT_ID_TAG] = parent
    return settings, errors


def id_tag_unique_id(id_tag: str) -> str:
    """Subentry unique ids are shared by all subentry types: prefix tags, so a card and
    a charger may carry the same text."""
    return f"id_tag:{id_tag}"


def id_tag_known(entry: ConfigEntry, id_tag: str) -> bool:
    """Is the tag already a card of the entry (OCPP tags are case-insensitive)?"""
    folded = id_tag.casefold()
    for subentry in entry.subentries.values():
        if subentry.unique_id == id_tag_unique_id(id_tag):
            return True
        tag = normalize_id_tag(subentry.data.get(CONF_ID_TAG))
        if subentry.subentry_type == SUBENTRY_ID_TAG and tag and tag.casefold() == folded:
            return True
    return False


class IdTagSubentryFlow(ConfigSubentryFlow):
    """Add an id tag (RFID card), or change everything about it but the tag."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """The tag and what the central system answers for it."""
        errors: dict[str, str] = {}
        if user_input is not None:
            id_tag = _text(user_input, CONF_ID_TAG)
            settings, errors = _settings(user_input, id_tag)
            if not valid_id_tag(id_tag):
                errors[CONF_ID_TAG] = "invalid_id_tag"
            elif id_tag_known(self._get_entry(), id_tag):
                errors[CONF_ID_TAG] = "already_configured"
            if not errors:
                return self.async_create_entry(
                    title=str(settings[CONF_NAME]),
                    data={CONF_ID_TAG: id_tag, **settings},
                    unique_id=id_tag_unique_id(id_tag),
                )
        schema = self.add_suggested_values_to_schema(_add_schema(), user_input)
        return self.async_show_form(step_id="user", data_schema=schema, errors=errors)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Name, status, expiry date and parent tag (not the tag itself)."""
        subentry: ConfigSubentry = self._get_reconfigure_subentry()
        id_tag = str(subentry.data.get(CONF_ID_TAG, ""))
        errors: dict[str, str] = {}
        if user_input is not None:
            settings, errors = _settings(user_input, id_tag)
            if not errors:
                return self.async_update_and_abort(
                    self._get_entry(),
                    subentry,
                    title=str(settings[CONF_NAME]),
                    data={CONF_ID_TAG: id_tag, **settings},
                )
        shown = dict(user_input or subentry.data)
        if user_input is None and (expiry := _to_selector(shown.get(CONF_EXPIRY_DATE))):
            shown[CONF_EXPIRY_DATE] = expiry
        schema = self.add_suggested_values_to_schema(vol.Schema(_settings_fields()), shown)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=schema,
            errors=errors,
            description_placeholders={"id_tag": id_tag},
        )


def without_id_tag_policy(data: Mapping[str, Any]) -> dict[str, Any]:
    """Entry data but the unknown-tag policy: a policy change needs no listener restart."""
    return {key: value for key, value in data.items() if key != CONF_UNKNOWN_ID_TAGS}
