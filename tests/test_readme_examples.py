"""The README's action examples are what the actions accept: one for every action, each
valid against the schema Home Assistant registered for it (validated only, nothing sent)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from homeassistant.core import HomeAssistant, Service, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import service
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import DOMAIN

README = Path(__file__).parents[1] / "README.md"
DEVICE_PLACEHOLDER = "0123456789abcdef0123456789abcdef"
ENTRY_PLACEHOLDER = "01JDZ8Q4XN3M5V7T9W2Y6B0C1D"
TARGETS = ("device_id", "config_entry_id")
_YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def readme_examples() -> list[dict[str, Any]]:
    """Every ```yaml block of the README that calls one of our actions."""
    examples = []
    for block in _YAML_BLOCK.findall(README.read_text(encoding="utf-8")):
        if f"action: {DOMAIN}." in block:
            example = yaml.safe_load(block)
            assert isinstance(example, dict), block
            examples.append(example)
    return examples


EXAMPLES = readme_examples()


def with_real_ids(
    hass: HomeAssistant, entry: MockConfigEntry, example: dict[str, Any]
) -> dict[str, Any]:
    """The example aimed at the set-up entry and its charger CP1 instead of the placeholders."""
    [device] = [
        device
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        if (DOMAIN, "CP1") in device.identifiers
    ]
    real = {DEVICE_PLACEHOLDER: device.id, ENTRY_PLACEHOLDER: entry.entry_id}
    data = dict(example.get("data") or {})
    aimed = [key for key in TARGETS if key in data]
    assert aimed, "an example names its target"
    for key in aimed:
        assert data[key] in real, f"{key} is not a README placeholder: {data[key]}"
        data[key] = real[data[key]]
    return {**example, "data": data}


def service_data(hass: HomeAssistant, entry: MockConfigEntry, example: dict[str, Any]) -> Any:
    """What a script running the example passes to the action (templates rendered)."""
    step = cv.SERVICE_SCHEMA(with_real_ids(hass, entry, example))  # a valid script step
    params = service.async_prepare_call_from_config(hass, step)
    assert params["domain"] == DOMAIN
    return params["service_data"]


def registered(hass: HomeAssistant, name: str) -> Service:
    """The action as Home Assistant registered it (its schema, response support)."""
    actions = hass.services.async_services_for_domain(DOMAIN)
    assert name in actions, f"no action {DOMAIN}.{name}"
    return actions[name]


@pytest.mark.parametrize("example", EXAMPLES, ids=[str(e.get("action")) for e in EXAMPLES])
async def test_example_is_accepted(
    hass: HomeAssistant, entry: MockConfigEntry, example: dict[str, Any]
) -> None:
    """The registered schema takes the example's data as it is."""
    action = registered(hass, str(example["action"]).removeprefix(f"{DOMAIN}."))
    assert action.schema is not None
    action.schema(service_data(hass, entry, example))
    if "response_variable" in example:
        assert action.supports_response is not SupportsResponse.NONE


async def test_every_action_has_an_example(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """No action goes undocumented, and no example names an action that does not exist."""
    documented = {str(e["action"]).removeprefix(f"{DOMAIN}.") for e in EXAMPLES}
    assert documented == set(hass.services.async_services_for_domain(DOMAIN))


async def test_a_misspelled_field_is_refused(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """The schemas are strict: a typo in an optional field fails instead of being ignored."""
    for example in EXAMPLES:
        name = str(example["action"]).removeprefix(f"{DOMAIN}.")
        schema = registered(hass, name).schema
        assert schema is not None
        with pytest.raises(ServiceValidationError, match="conector_id"):
            schema(service_data(hass, entry, example) | {"conector_id": 1})
