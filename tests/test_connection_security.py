"""Who gets in, over what (SPEC §2): Basic Auth, TLS policy, plain ws, pairing."""

from __future__ import annotations

import asyncio
import ssl
from types import MappingProxyType
from typing import Any

import pytest
import websockets
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from websockets.exceptions import InvalidStatus

from custom_components.ocpp_central.const import (
    CONF_ALLOW_INSECURE,
    DOMAIN,
)
from custom_components.ocpp_central.csms.security import verify_password
from custom_components.ocpp_central.runtime import charger_subentries
from simulator import connect_charger

from .conftest import LOCAL_CA, PASSWORD, charger_subentry, entity_id, state, url


async def _status_of_refusal(connect, *args: Any, **kwargs: Any) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(*args, **kwargs):
            pass
    return refused.value.response.status_code


async def test_wrong_or_missing_password_gets_401(hass: HomeAssistant, connect) -> None:
    """401 with WWW-Authenticate before any OCPP traffic."""
    with pytest.raises(InvalidStatus) as refused:
        async with connect(password="wrong-password-wrong-password"):
            pass
    assert refused.value.response.status_code == 401
    assert refused.value.response.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert await _status_of_refusal(connect, password=None) == 401
    async with connect() as cp:  # the right password still works
        assert (await cp.boot())["status"] == "Accepted"


async def test_unknown_charger_is_refused_and_the_user_told_once(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    """Outside the pairing window: 401 and one repair issue per unknown id."""
    assert await _status_of_refusal(connect, "STRANGER") == 401
    assert await _status_of_refusal(connect, "STRANGER") == 401
    issues = [
        i for i in ir.async_get(hass).issues.values() if i.translation_key == "unknown_charger"
    ]
    assert len(issues) == 1
    assert issues[0].translation_placeholders["charge_point_id"] == "STRANGER"


async def test_pairing_window_adds_an_unknown_charger(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    """Trust on first use: during the window a 16+ character password pairs the charger."""
    entry_id = entry.entry_id
    button = entity_id(hass, "button", f"{entry_id}-open_pairing")
    assert state(hass, "sensor", f"{entry_id}-pairing_until") == "unknown"
    await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    assert state(hass, "sensor", f"{entry_id}-pairing_until") not in ("unknown", "unavailable")
    assert await _status_of_refusal(connect, "NEWBIE", password="short") == 401
    async with connect("NEWBIE", password="a-brand-new-password-1") as cp:
        assert (await cp.boot())["status"] == "Accepted"
    await hass.async_block_till_done()
    subentry = charger_subentries(entry)["NEWBIE"]
    assert "password" not in subentry.data
    assert verify_password(b"a-brand-new-password-1", subentry.data["password_hash"])
    async with connect("NEWBIE", password="a-brand-new-password-1") as cp:
        assert (await cp.boot())["status"] == "Accepted"


async def test_ids_with_reserved_characters(
    hass: HomeAssistant, connect, entry: MockConfigEntry
) -> None:
    """Garo ids contain '|', percent-encoded in the URL (QUIRKS N15); ids may hold ':'."""
    data = charger_subentry("RDAM|12:3")["data"]
    hass.config_entries.async_add_subentry(
        entry,
        ConfigSubentry(
            data=MappingProxyType(data),
            subentry_type="charger",
            title="RDAM|12:3",
            unique_id="RDAM|12:3",
        ),
    )
    await hass.async_block_till_done()
    async with connect("RDAM|12:3") as cp:
        assert (await cp.boot())["status"] == "Accepted"


async def test_plain_ws_is_refused(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Without allow_insecure there is no ws:// at all: the TLS server refuses it."""
    with pytest.raises((OSError, websockets.exceptions.InvalidMessage, asyncio.TimeoutError)):
        async with connect_charger(
            url(entry, scheme="ws"), "CP1", password=PASSWORD, open_timeout=3
        ):
            pass


@pytest.mark.parametrize(
    "entry_data", [{"host": "127.0.0.1", "port": 0, CONF_ALLOW_INSECURE: True}]
)
async def test_insecure_option_allows_plain_ws_and_raises_a_repair(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """allow_insecure: Security Profile 1 over ws://, and a repair issue says so."""
    issue_id = f"insecure_connections_{entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    async with connect_charger(url(entry, scheme="ws"), "CP1", password=PASSWORD) as cp:
        assert (await cp.boot())["status"] == "Accepted"
    with pytest.raises(InvalidStatus):
        async with connect_charger(url(entry, scheme="ws"), "CP1", password="nope"):
            pass
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert not ir.async_get(hass).async_get_issue(DOMAIN, issue_id)


async def test_tls_policy(hass: HomeAssistant, entry: MockConfigEntry, tls_ca) -> None:
    """TLS 1.1 is refused; a TLS 1.2 client offering only AES128-GCM-SHA256 gets in."""
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tls_ca.configure_trust(old)
    old.minimum_version = ssl.TLSVersion.TLSv1
    old.maximum_version = ssl.TLSVersion.TLSv1_1
    old.set_ciphers("DEFAULT:@SECLEVEL=0")
    with pytest.raises((ssl.SSLError, OSError)):
        async with connect_charger(url(entry), "CP1", password=PASSWORD, ssl=old):
            pass

    rsa_only = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tls_ca.configure_trust(rsa_only)
    rsa_only.minimum_version = rsa_only.maximum_version = ssl.TLSVersion.TLSv1_2
    rsa_only.set_ciphers("AES128-GCM-SHA256")
    async with connect_charger(url(entry), "CP1", password=PASSWORD, ssl=rsa_only) as cp:
        assert cp.connection.transport.get_extra_info("cipher")[0] == "AES128-GCM-SHA256"
        assert (await cp.boot())["status"] == "Accepted"


async def test_charger_without_our_ca_is_refused_with_one_log_line(
    hass: HomeAssistant, entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """A failed TLS handshake is one warning naming the cause, not an error storm."""
    untrusting = ssl.create_default_context()  # does not know the test CA
    for _ in range(3):
        with pytest.raises(ssl.SSLCertVerificationError):
            async with connect_charger(url(entry), "CP1", password=PASSWORD, ssl=untrusting):
                pass
    await asyncio.sleep(0.05)
    failures = [r for r in caplog.records if "TLS handshake with 127.0.0.1" in r.message]
    assert [r.levelname for r in failures] == ["WARNING", "DEBUG", "DEBUG"]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.parametrize("entry_data", [LOCAL_CA])
async def test_generated_ca_is_downloadable_and_trusted(
    hass: HomeAssistant, entry: MockConfigEntry, hass_client_no_auth
) -> None:
    """Without certificate files the integration makes its own CA; a charger that
    installs the downloaded CA certificate connects."""
    client = await hass_client_no_auth()
    response = await client.get(f"/api/ocpp_central/{entry.entry_id}/ca.pem")
    assert response.status == 200
    pem = await response.text()
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    context = ssl.create_default_context(cadata=pem)
    async with connect_charger(url(entry), "CP1", password=PASSWORD, ssl=context) as cp:
        assert (await cp.boot())["status"] == "Accepted"
    assert (await client.get("/api/ocpp_central/nope/ca.pem")).status == 404
