"""The configuration UI: central system entries and charger subentries (SPEC §2)."""

from __future__ import annotations

import json
import socket
from collections.abc import Generator, Iterator
from pathlib import Path
from types import MappingProxyType, SimpleNamespace
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
import trustme
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.network import NoURLAvailableError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central import async_setup_entry as real_async_setup_entry
from custom_components.ocpp_central.const import (
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
    DOMAIN,
    SUBENTRY_CHARGER,
)
from custom_components.ocpp_central.csms.security import hash_password, verify_password
from custom_components.ocpp_central.runtime import unknown_charger_issue_id

PASSWORD = "a-sixteen-plus-char-password"  # a test password
ENTRY_KEYS = {
    CONF_HOST,
    CONF_PORT,
    CONF_SSL_CERTIFICATE,
    CONF_SSL_KEY,
    CONF_ALLOW_INSECURE,
    CONF_HEARTBEAT_INTERVAL,
    CONF_METER_SAMPLE_INTERVAL,
    CONF_CERTIFICATE_NAMES,
    CONF_UNKNOWN_ID_TAGS,
}


@pytest.fixture(autouse=True)
def mock_setup_entry() -> Iterator[AsyncMock]:
    """The flows are tested without starting a server."""
    with patch("custom_components.ocpp_central.async_setup_entry", return_value=True) as mock_setup:
        yield mock_setup


@pytest.fixture
def no_port_check() -> Generator[None]:
    """Pretend every port is free (tests that are not about the port)."""
    with patch("custom_components.ocpp_central.config_flow._bind_problem", return_value=None):
        yield


@pytest.fixture
def listening_socket(socket_enabled: None) -> Iterator[socket.socket]:
    """Another program listening on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A certificate, its key, another certificate's key, and a file that is no PEM."""
    folder = tmp_path_factory.mktemp("certs")
    ca = trustme.CA()
    first, second = ca.issue_cert("ocpp.local"), ca.issue_cert("other.local")
    files = {
        "cert": folder / "server.pem",
        "key": folder / "server.key",
        "other_key": folder / "other.key",
        "garbage": folder / "garbage.pem",
    }
    first.cert_chain_pems[0].write_to_path(str(files["cert"]))
    first.private_key_pem.write_to_path(str(files["key"]))
    second.private_key_pem.write_to_path(str(files["other_key"]))
    files["garbage"].write_text("not a certificate")
    return {name: str(path) for name, path in files.items()}


def central_input(**overrides: Any) -> dict[str, Any]:
    """What a user submits in the central system form."""
    return {
        CONF_HOST: "0.0.0.0",
        CONF_PORT: 9000,
        CONF_ALLOW_INSECURE: False,
        CONF_HEARTBEAT_INTERVAL: 300,
        CONF_METER_SAMPLE_INTERVAL: 60,
        **overrides,
    }


def central_entry(hass: HomeAssistant, port: int = 9000, **data: Any) -> MockConfigEntry:
    """A central system entry as the user step creates it."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"OCPP Central (port {port})",
        unique_id=str(port),
        data={
            CONF_HOST: "0.0.0.0",
            CONF_PORT: port,
            CONF_SSL_CERTIFICATE: "",
            CONF_SSL_KEY: "",
            CONF_ALLOW_INSECURE: False,
            CONF_HEARTBEAT_INTERVAL: 300,
            CONF_METER_SAMPLE_INTERVAL: 60,
            CONF_CERTIFICATE_NAMES: "",
            **data,
        },
    )
    entry.add_to_hass(hass)
    return entry


async def submit_user(hass: HomeAssistant, user_input: dict[str, Any]) -> dict[str, Any]:
    """Open the central system flow and submit the form once."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return dict(await hass.config_entries.flow.async_configure(result["flow_id"], user_input))


# ------------------------------------------------------------------- central system


@pytest.mark.usefixtures("no_port_check")
async def test_user_step_creates_a_flat_entry(hass: HomeAssistant) -> None:
    """Defaults fill the form; the entry holds exactly the documented keys."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    schema = {str(key): key for key in result["data_schema"].schema}
    assert set(schema) == ENTRY_KEYS
    assert schema[CONF_HOST].default() == "0.0.0.0"
    assert schema[CONF_PORT].default() == 9000

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], central_input(**{CONF_CERTIFICATE_NAMES: " ha.local,, 10.0.0.2 "})
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "OCPP Central (port 9000)"
    entry = result["result"]
    assert entry.unique_id == "9000"
    assert dict(entry.data) == {
        CONF_HOST: "0.0.0.0",
        CONF_PORT: 9000,
        CONF_SSL_CERTIFICATE: "",
        CONF_SSL_KEY: "",
        CONF_ALLOW_INSECURE: False,
        CONF_HEARTBEAT_INTERVAL: 300,
        CONF_METER_SAMPLE_INTERVAL: 60,
        CONF_CERTIFICATE_NAMES: "ha.local, 10.0.0.2",
        CONF_UNKNOWN_ID_TAGS: "accept",
    }


async def test_port_in_use(hass: HomeAssistant, listening_socket: socket.socket) -> None:
    """A port another program listens on is refused, in words; a free one is accepted."""
    port = listening_socket.getsockname()[1]
    result = await submit_user(hass, central_input(**{CONF_HOST: "127.0.0.1", CONF_PORT: port}))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_PORT: "port_in_use"}

    listening_socket.close()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], central_input(**{CONF_HOST: "127.0.0.1", CONF_PORT: port})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("socket_enabled")
async def test_address_that_is_not_local(hass: HomeAssistant) -> None:
    """An address of another machine cannot be listened on."""
    result = await submit_user(hass, central_input(**{CONF_HOST: "192.0.2.1"}))
    assert result["errors"] == {CONF_HOST: "invalid_host"}


@pytest.mark.usefixtures("no_port_check")
@pytest.mark.parametrize(
    ("files", "errors"),
    [
        ({CONF_SSL_CERTIFICATE: "cert"}, {CONF_SSL_KEY: "certificate_pair_incomplete"}),
        ({CONF_SSL_KEY: "key"}, {CONF_SSL_CERTIFICATE: "certificate_pair_incomplete"}),
        (
            {CONF_SSL_CERTIFICATE: "missing", CONF_SSL_KEY: "key"},
            {CONF_SSL_CERTIFICATE: "cert_not_found"},
        ),
        ({CONF_SSL_CERTIFICATE: "cert", CONF_SSL_KEY: "missing"}, {CONF_SSL_KEY: "key_not_found"}),
        (
            {CONF_SSL_CERTIFICATE: "garbage", CONF_SSL_KEY: "key"},
            {CONF_SSL_CERTIFICATE: "cert_invalid"},
        ),
        ({CONF_SSL_CERTIFICATE: "cert", CONF_SSL_KEY: "other_key"}, {"base": "key_mismatch"}),
    ],
)
async def test_certificate_problems(
    hass: HomeAssistant,
    certificates: dict[str, str],
    tmp_path: Path,
    files: dict[str, str],
    errors: dict[str, str],
) -> None:
    """Each unusable certificate setting gets its own message."""
    paths = {**certificates, "missing": str(tmp_path / "missing.pem")}
    result = await submit_user(hass, central_input(**{k: paths[v] for k, v in files.items()}))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors


@pytest.mark.usefixtures("no_port_check")
async def test_certificate_pair_is_accepted(
    hass: HomeAssistant, certificates: dict[str, str]
) -> None:
    """A matching certificate and key are stored as given."""
    result = await submit_user(
        hass,
        central_input(
            **{CONF_SSL_CERTIFICATE: certificates["cert"], CONF_SSL_KEY: certificates["key"]}
        ),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SSL_CERTIFICATE] == certificates["cert"]
    assert result["data"][CONF_SSL_KEY] == certificates["key"]


@pytest.mark.usefixtures("no_port_check")
async def test_insecure_ignores_certificates(hass: HomeAssistant) -> None:
    """With plain ws:// allowed the certificate fields are not checked."""
    result = await submit_user(
        hass, central_input(**{CONF_ALLOW_INSECURE: True, CONF_SSL_CERTIFICATE: "/nowhere"})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_ALLOW_INSECURE] is True


@pytest.mark.usefixtures("no_port_check")
async def test_one_entry_per_port(hass: HomeAssistant) -> None:
    """A second central system on the same port is refused."""
    central_entry(hass, 9000)
    result = await submit_user(hass, central_input())
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def start_reconfigure(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    """Open the reconfigure flow; its form is pre-filled from the entry."""
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    defaults = {
        str(key): key.default() for key in result["data_schema"].schema if callable(key.default)
    }
    assert defaults[CONF_PORT] == entry.data[CONF_PORT]
    return dict(result)


@pytest.mark.usefixtures("no_port_check")
async def test_reconfigure_moves_the_port_without_reload(
    hass: HomeAssistant, mock_setup_entry: AsyncMock
) -> None:
    """New settings, new unique id and title; the entry is updated, not reloaded."""
    entry = central_entry(hass, 9000)
    assert await hass.config_entries.async_setup(entry.entry_id)
    result = await start_reconfigure(hass, entry)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], central_input(**{CONF_PORT: 9001, CONF_HEARTBEAT_INTERVAL: 120})
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.unique_id == "9001"
    assert entry.title == "OCPP Central (port 9001)"
    assert entry.data[CONF_PORT] == 9001
    assert entry.data[CONF_HEARTBEAT_INTERVAL] == 120
    assert set(entry.data) == ENTRY_KEYS
    assert mock_setup_entry.call_count == 1  # no reload


@pytest.mark.usefixtures("no_port_check")
async def test_reconfigure_keeps_a_title_the_user_chose(hass: HomeAssistant) -> None:
    """A renamed entry keeps its name when the port changes."""
    entry = central_entry(hass, 9000)
    hass.config_entries.async_update_entry(entry, title="Garage chargers")
    result = await start_reconfigure(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], central_input(**{CONF_PORT: 9002})
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.title == "Garage chargers"


@pytest.mark.usefixtures("no_port_check")
async def test_reconfigure_onto_another_entrys_port(hass: HomeAssistant) -> None:
    """Two central systems cannot share a port."""
    entry = central_entry(hass, 9000)
    central_entry(hass, 9001)
    result = await start_reconfigure(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], central_input(**{CONF_PORT: 9001})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_PORT] == 9000


async def test_reconfigure_skips_the_port_our_server_holds(
    hass: HomeAssistant, listening_socket: socket.socket
) -> None:
    """The running server's own port is not "in use"; another program's port is."""
    port = listening_socket.getsockname()[1]
    entry = central_entry(hass, port, **{CONF_HOST: "127.0.0.1"})
    assert await hass.config_entries.async_setup(entry.entry_id)
    entry.runtime_data = SimpleNamespace(central=SimpleNamespace(port=port))

    result = await start_reconfigure(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], central_input(**{CONF_HOST: "127.0.0.1", CONF_PORT: port})
    )
    assert result["reason"] == "reconfigure_successful"

    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        result = await start_reconfigure(hass, entry)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            central_input(**{CONF_HOST: "127.0.0.1", CONF_PORT: other.getsockname()[1]}),
        )
    assert result["errors"] == {CONF_PORT: "port_in_use"}


@pytest.mark.usefixtures("no_port_check")
async def test_reconfigure_checks_certificates(hass: HomeAssistant) -> None:
    """The same checks as when setting up."""
    entry = central_entry(hass, 9000)
    result = await start_reconfigure(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], central_input(**{CONF_SSL_KEY: "/ssl/privkey.pem"})
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SSL_CERTIFICATE: "certificate_pair_incomplete"}


# --------------------------------------------------------------------------- chargers


_HASH = hash_password(PASSWORD)  # scrypt is slow on purpose: hash once


def charger(cp_id: str = "CP1") -> ConfigSubentry:
    """A charger as the subentry flow stores it."""
    return ConfigSubentry(
        data=MappingProxyType(
            {
                CONF_CHARGE_POINT_ID: cp_id,
                CONF_NAME: cp_id,
                CONF_PASSWORD_HASH: _HASH,
                CONF_PRICE_PER_KWH: 0.25,
                CONF_MAX_POWER_KW: 22.0,
            }
        ),
        subentry_type=SUBENTRY_CHARGER,
        title=cp_id,
        unique_id=cp_id,
    )


async def start_add_charger(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    """Open the "Add charger" flow of a central system."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_CHARGER), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return dict(result)


def charger_input(cp_id: str = "GaroCS-49152E2A66280", **overrides: Any) -> dict[str, Any]:
    """What a user submits to add a charger."""
    return {
        CONF_CHARGE_POINT_ID: cp_id,
        CONF_PASSWORD: PASSWORD,
        CONF_MAX_POWER_KW: 11,
        **overrides,
    }


@pytest.fixture
def internal_url(hass: HomeAssistant) -> str:
    """Home Assistant's own address on the LAN."""
    hass.config.internal_url = "http://192.168.1.10:8123"
    return hass.config.internal_url


@pytest.mark.usefixtures("internal_url")
async def test_add_charger_shows_credentials_once_and_stores_only_a_hash(
    hass: HomeAssistant,
) -> None:
    """The password is shown in the credentials step and stored only as a hash."""
    entry = central_entry(hass, 9000)
    result = await start_add_charger(hass, entry)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        charger_input(**{CONF_CHARGE_POINT_ID: "  GaroCS-49152E2A66280 ", CONF_PRICE_PER_KWH: 0.3}),
    )

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "credentials"
    placeholders = result["description_placeholders"]
    assert placeholders["url"] == "wss://192.168.1.10:9000/GaroCS-49152E2A66280"
    assert placeholders["password"] == PASSWORD
    assert placeholders["charge_point_id"] == "GaroCS-49152E2A66280"
    assert placeholders["ca_url"] == (
        f"http://192.168.1.10:8123/api/ocpp_central/{entry.entry_id}/ca.pem"
    )
    assert not entry.subentries  # nothing is stored before the user has seen the password

    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    (subentry,) = entry.subentries.values()
    assert subentry.subentry_type == SUBENTRY_CHARGER
    assert subentry.unique_id == "GaroCS-49152E2A66280"
    assert subentry.title == "GaroCS-49152E2A66280"
    data = dict(subentry.data)
    assert verify_password(PASSWORD.encode(), data.pop(CONF_PASSWORD_HASH))
    assert data == {
        CONF_CHARGE_POINT_ID: "GaroCS-49152E2A66280",
        CONF_NAME: "GaroCS-49152E2A66280",
        CONF_PRICE_PER_KWH: 0.3,
        CONF_MAX_POWER_KW: 11.0,
        CONF_MAX_CURRENT: 32,
        CONF_PHASES: 3,
        CONF_PAUSE_METHOD: "profile",
    }
    assert PASSWORD not in json.dumps(entry.as_dict(), default=str)


async def test_generated_password_and_url_details(hass: HomeAssistant) -> None:
    """The offered password works as is; the URL follows host, scheme and id."""
    entry = central_entry(hass, 9100, **{CONF_HOST: "10.0.0.5", CONF_ALLOW_INSECURE: True})
    result = await start_add_charger(hass, entry)
    offered = next(
        key.default() for key in result["data_schema"].schema if str(key) == CONF_PASSWORD
    )
    assert len(offered) >= 16

    user_input = charger_input("RDAM|12:3", **{CONF_NAME: "Driveway"})
    del user_input[CONF_PASSWORD]
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)

    assert result["description_placeholders"]["url"] == "ws://10.0.0.5:9100/RDAM%7C12:3"
    assert result["description_placeholders"]["password"] == offered
    assert result["description_placeholders"]["ca_url"].endswith(
        f"/api/ocpp_central/{entry.entry_id}/ca.pem"
    )
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {})
    (subentry,) = entry.subentries.values()
    assert subentry.title == "Driveway"
    assert verify_password(offered.encode(), subentry.data[CONF_PASSWORD_HASH])


async def test_url_without_a_known_address(hass: HomeAssistant) -> None:
    """Listening on every interface and no known address: a placeholder to replace."""
    entry = central_entry(hass, 9000)
    result = await start_add_charger(hass, entry)
    with patch.object(hass.config, "api", None):
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], charger_input("CP1")
        )
    assert result["description_placeholders"]["url"] == "wss://<home-assistant-ip>:9000/CP1"
    assert result["description_placeholders"]["ca_url"] == (
        f"/api/ocpp_central/{entry.entry_id}/ca.pem"
    )


async def test_url_from_home_assistants_address(hass: HomeAssistant) -> None:
    """Without an internal URL, the address Home Assistant's HTTP server found is used."""
    entry = central_entry(hass, 9000)
    result = await start_add_charger(hass, entry)
    api = SimpleNamespace(local_ip="192.168.7.7", use_ssl=False, port=8123)
    with (
        patch.object(hass.config, "api", api),
        patch(
            "custom_components.ocpp_central.config_flow.get_url", side_effect=NoURLAvailableError
        ),
    ):
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], charger_input("CP1")
        )
    assert result["description_placeholders"]["url"] == "wss://192.168.7.7:9000/CP1"


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        (charger_input("CP1"), {CONF_CHARGE_POINT_ID: "already_configured"}),
        (charger_input("   "), {CONF_CHARGE_POINT_ID: "invalid_charge_point_id"}),
        (charger_input("CP\x002"), {CONF_CHARGE_POINT_ID: "invalid_charge_point_id"}),
        (charger_input("C" * 256), {CONF_CHARGE_POINT_ID: "invalid_charge_point_id"}),
        (charger_input("CP2", **{CONF_PASSWORD: "x" * 15}), {CONF_PASSWORD: "password_too_short"}),
        (
            charger_input("CP2", **{CONF_REMOTE_ID_TAG: "T" * 17}),
            {CONF_REMOTE_ID_TAG: "invalid_remote_id_tag"},
        ),
        (
            charger_input("CP2", **{CONF_REMOTE_ID_TAG: "KARTE-GRÜN"}),
            {CONF_REMOTE_ID_TAG: "invalid_remote_id_tag"},
        ),
    ],
)
async def test_add_charger_errors(
    hass: HomeAssistant, user_input: dict[str, Any], errors: dict[str, str]
) -> None:
    """Duplicate or unusable ids and short passwords are explained; nothing is added."""
    entry = central_entry(hass, 9000)
    hass.config_entries.async_add_subentry(entry, charger("CP1"))
    result = await start_add_charger(hass, entry)
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == errors
    assert len(entry.subentries) == 1


async def test_adding_a_charger_resolves_its_unknown_charger_issue(hass: HomeAssistant) -> None:
    """Once added by hand, the "unknown charger" repair is no longer needed."""
    entry = central_entry(hass, 9000)
    issue_id = unknown_charger_issue_id(entry.entry_id, "CP9")
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key="unknown_charger",
        translation_placeholders={"charge_point_id": "CP9", "remote": "192.168.1.50"},
    )
    result = await start_add_charger(hass, entry)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], charger_input("CP9")
    )
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_charger_added_meanwhile(hass: HomeAssistant) -> None:
    """Paired while the credentials were shown: the flow ends without a duplicate."""
    entry = central_entry(hass, 9000)
    result = await start_add_charger(hass, entry)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], charger_input("CP1")
    )
    hass.config_entries.async_add_subentry(entry, charger("CP1"))
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(entry.subentries) == 1


async def test_reconfigure_charger(hass: HomeAssistant, mock_setup_entry: AsyncMock) -> None:
    """Name, price and power change; id and password hash stay; no reload."""
    entry = central_entry(hass, 9000)
    hass.config_entries.async_add_subentry(entry, charger("CP1"))
    assert await hass.config_entries.async_setup(entry.entry_id)
    (subentry,) = entry.subentries.values()
    password_hash = subentry.data[CONF_PASSWORD_HASH]

    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_CHARGER),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry.subentry_id},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert {str(key) for key in result["data_schema"].schema} == {
        CONF_NAME,
        CONF_PRICE_PER_KWH,
        CONF_PRICE_ENTITY,
        CONF_MAX_POWER_KW,
        CONF_MAX_CURRENT,
        CONF_PHASES,
        CONF_PAUSE_METHOD,
        CONF_REMOTE_ID_TAG,
    }
    settings = {
        CONF_NAME: "Garage",
        CONF_PRICE_ENTITY: "sensor.price",
        CONF_MAX_POWER_KW: 7.4,
        CONF_MAX_CURRENT: 16,
        CONF_PHASES: "1",
        CONF_PAUSE_METHOD: "stop",
    }
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], settings | {CONF_REMOTE_ID_TAG: "X" * 17}
    )
    assert result["type"] is FlowResultType.FORM  # too long for some chargers: said, not cut
    assert result["errors"] == {CONF_REMOTE_ID_TAG: "invalid_remote_id_tag"}
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], settings | {CONF_REMOTE_ID_TAG: " GARAGE-1 "}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    subentry = entry.subentries[subentry.subentry_id]
    assert subentry.title == "Garage"
    assert dict(subentry.data) == {
        CONF_CHARGE_POINT_ID: "CP1",
        CONF_NAME: "Garage",
        CONF_PASSWORD_HASH: password_hash,
        CONF_PRICE_ENTITY: "sensor.price",
        CONF_MAX_POWER_KW: 7.4,
        CONF_MAX_CURRENT: 16,
        CONF_PHASES: 1,
        CONF_PAUSE_METHOD: "stop",
        CONF_REMOTE_ID_TAG: "GARAGE-1",
    }
    assert mock_setup_entry.call_count == 1


@pytest.mark.usefixtures("socket_enabled")
async def test_reconfigure_while_the_real_server_listens(
    hass: HomeAssistant, mock_setup_entry: AsyncMock
) -> None:
    """The running central system's own port passes the check; the listener restarts."""
    mock_setup_entry.side_effect = real_async_setup_entry
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    entry = central_entry(hass, port, **{CONF_HOST: "127.0.0.1", CONF_ALLOW_INSECURE: True})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.runtime_data.central.port == port

    result = await start_reconfigure(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        central_input(
            **{CONF_HOST: "127.0.0.1", CONF_PORT: port, CONF_ALLOW_INSECURE: True},
            **{CONF_METER_SAMPLE_INTERVAL: 30},
        ),
    )
    await hass.async_block_till_done()

    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_METER_SAMPLE_INTERVAL] == 30
    assert entry.runtime_data.central.port == port
    assert mock_setup_entry.call_count == 1  # restarted in place, not reloaded
    assert await hass.config_entries.async_unload(entry.entry_id)
