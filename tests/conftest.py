"""Shared fixtures: TLS material, a running central system, simulated chargers."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable, Generator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import trustme
from homeassistant.config_entries import ConfigEntryState, ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

import custom_components.ocpp_central  # noqa: F401 - makes the integration loadable
from custom_components.ocpp_central.const import (
    CONF_ALLOW_INSECURE,
    CONF_CHARGE_POINT_ID,
    CONF_HOST,
    CONF_NAME,
    CONF_PASSWORD_HASH,
    CONF_PORT,
    CONF_PRICE_PER_KWH,
    CONF_SSL_CERTIFICATE,
    CONF_SSL_KEY,
    DOMAIN,
    SUBENTRY_CHARGER,
)
from custom_components.ocpp_central.csms.security import hash_password
from simulator import ChargerProfile, SimulatedCharger, connect_charger

PASSWORD = "correct-horse-battery-staple"
_HASHES: dict[str, str] = {}


def password_hash(password: str = PASSWORD) -> str:
    """scrypt is slow on purpose: hash each test password once per run."""
    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> Generator[None]:
    """Load custom_components/ocpp_central in every test."""
    yield


@pytest.fixture(autouse=True)
def files_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The generated CA, firmware and diagnostics go to a fresh folder per test, not the
    shared test config; returns the firmware and diagnostics folder."""
    monkeypatch.setattr(
        "custom_components.ocpp_central.certificates.ca_directory",
        lambda _hass: tmp_path / "tls",
    )
    root = tmp_path / "ocpp_central"
    monkeypatch.setattr("custom_components.ocpp_central.files.files_directory", lambda _hass: root)
    # No probing of this machine's addresses (tests may only touch 127.0.0.1).
    monkeypatch.setattr(
        "custom_components.ocpp_central.certificates.default_names", lambda: ["ocpp.test"]
    )
    return root


@pytest.fixture(scope="session")
def tls_ca() -> trustme.CA:
    """A throwaway CA that the simulated chargers trust."""
    return trustme.CA()


@pytest.fixture(scope="session")
def tls_files(tls_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A server certificate for 127.0.0.1 and its key, as files the user would name."""
    folder = tmp_path_factory.mktemp("tls")
    # An RSA key: chargers whose TLS stacks only do RSA key exchange need one (SPEC §2.2).
    cert = tls_ca.issue_cert("127.0.0.1", "localhost", key_type=trustme.KeyType.RSA)
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    return cert_file, key_file


@pytest.fixture
def client_ssl(tls_ca: trustme.CA) -> ssl.SSLContext:
    """What a charger with our CA installed uses."""
    context = ssl.create_default_context()
    tls_ca.configure_trust(context)
    return context


def charger_subentry(
    cp_id: str = "CP1", password: str = PASSWORD, **extra: Any
) -> ConfigSubentryData:
    """A charger as the subentry flow stores it."""
    return ConfigSubentryData(
        data={
            CONF_CHARGE_POINT_ID: cp_id,
            CONF_NAME: cp_id,
            CONF_PASSWORD_HASH: password_hash(password),
            **extra,
        },
        subentry_type=SUBENTRY_CHARGER,
        title=cp_id,
        unique_id=cp_id,
    )


@pytest.fixture
def entry_data(tls_files: tuple[Path, Path]) -> dict[str, Any]:
    """A central system on a free port with the test certificate."""
    return {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: 0,
        CONF_SSL_CERTIFICATE: str(tls_files[0]),
        CONF_SSL_KEY: str(tls_files[1]),
        CONF_ALLOW_INSECURE: False,
    }


LOCAL_CA = {"host": "127.0.0.1", "port": 0, CONF_SSL_CERTIFICATE: "", CONF_SSL_KEY: ""}
"""Entry data for a central system that generates its own CA (parametrize ``entry_data``)."""


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """The chargers the central system knows (override in a test module)."""
    return [charger_subentry("CP1", **{CONF_PRICE_PER_KWH: 0.30})]


@pytest.fixture
async def entry(
    hass: HomeAssistant,
    socket_enabled: None,
    entry_data: dict[str, Any],
    subentries: list[ConfigSubentryData],
) -> AsyncIterator[MockConfigEntry]:
    """The integration set up through its config entry, listening for real."""
    config_entry = MockConfigEntry(
        domain=DOMAIN,
        title="OCPP Central (test)",
        data=entry_data,
        subentries_data=subentries,
        unique_id="test",
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    yield config_entry
    if config_entry.state is ConfigEntryState.LOADED:
        await hass.config_entries.async_unload(config_entry.entry_id)
        await hass.async_block_till_done()


def url(entry: MockConfigEntry, cp_id: str = "CP1", scheme: str = "wss") -> str:
    """Where a charger connects."""
    port = entry.runtime_data.central.port
    return f"{scheme}://127.0.0.1:{port}/ocpp/{quote(cp_id, safe='')}"


@pytest.fixture
def connect(
    entry: MockConfigEntry, client_ssl: ssl.SSLContext
) -> Callable[..., AbstractAsyncContextManager[SimulatedCharger]]:
    """Open a simulated charger's connection: ``async with connect() as cp: ...``."""

    def _connect(
        cp_id: str = "CP1",
        password: str | None = PASSWORD,
        *,
        profile: ChargerProfile | None = None,
        **kwargs: Any,
    ) -> AbstractAsyncContextManager[SimulatedCharger]:
        kwargs.setdefault("ssl", client_ssl)
        return connect_charger(
            url(entry, cp_id), cp_id, password=password, profile=profile, **kwargs
        )

    return _connect


async def boot(cp: SimulatedCharger) -> None:
    """Boot and wait until provisioning is done: it ends with a status trigger, whose
    StatusNotifications are out when this returns (they cannot overtake a test's own)."""
    await cp.boot()
    await cp.wait_for_answer("TriggerMessage")


async def settle(hass: HomeAssistant) -> None:
    """Let the central system process what the charger sent."""
    await asyncio.sleep(0.05)
    await hass.async_block_till_done()


def entity_id(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    """The entity id behind a unique id (``CP1-1-power``)."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert found is not None, f"no {platform} entity {unique_id}"
    return found


def state(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    """The state a user sees for an entity."""
    current = hass.states.get(entity_id(hass, platform, unique_id))
    assert current is not None
    return current.state
