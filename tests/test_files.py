"""Firmware serving and diagnostics upload over real HTTP (SPEC §4.5)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.network import NoURLAvailableError
from pytest_homeassistant_custom_component.common import MockConfigEntry
from yarl import URL

from custom_components.ocpp_central import files as files_module
from custom_components.ocpp_central.files import (
    FileExchange,
    charger_folder_name,
    lan_base_url,
    safe_file_name,
)

STAMPED = re.compile(r"^\d{8}T\d{6}Z-")


@pytest.fixture
def files(entry: MockConfigEntry) -> FileExchange:
    """The running entry's FileExchange."""
    return entry.runtime_data.files


@pytest.fixture
async def client(hass_client_no_auth: Any, entry: MockConfigEntry) -> aiohttp.ClientSession:
    """A client without Home Assistant credentials, like a charger."""
    return await hass_client_no_auth()


def path_of(url: str) -> str:
    """The part of an absolute URL the test client requests (kept percent-encoded)."""
    return URL(url).raw_path


def firmware(files: FileExchange, name: str, content: bytes) -> None:
    files.firmware_dir.joinpath(name).write_bytes(content)


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# ----------------------------------------------------------------------------- firmware


async def test_firmware_is_served(
    files: FileExchange, client: aiohttp.ClientSession, files_in_tmp: Path
) -> None:
    """Setup creates the folder; the URL is absolute, on the LAN address, and a charger
    can fetch the file (again, in parts, or just its size)."""
    assert files.firmware_dir == files_in_tmp / "firmware"
    assert files.firmware_dir.is_dir()
    content = os.urandom(300_000)
    firmware(files, "fw 1.2.bin", content)

    url = files.firmware_url("fw 1.2.bin")
    assert url.startswith("http://10.10.10.10:8123/api/ocpp_central/firmware/")
    assert url.endswith("/fw%201.2.bin")
    token = URL(url).parts[-2]
    assert len(token) >= 43  # token_urlsafe(32)

    for _retry in range(2):
        response = await client.get(path_of(url))
        assert response.status == 200
        assert await response.read() == content
        assert response.headers["Content-Type"] == "application/octet-stream"

    response = await client.get(path_of(url), headers={"Range": "bytes=10-19"})
    assert response.status == 206
    assert await response.read() == content[10:20]

    response = await client.head(path_of(url))
    assert response.status == 200
    assert response.headers["Content-Length"] == str(len(content))

    # Another URL for the same file has another token; both work.
    other = files.firmware_url("fw 1.2.bin")
    assert other != url
    assert (await client.get(path_of(other))).status == 200


async def test_async_firmware_url(files: FileExchange, client: aiohttp.ClientSession) -> None:
    firmware(files, "a.bin", b"AAAA")
    url = await files.async_firmware_url("a.bin")
    assert await (await client.get(path_of(url))).read() == b"AAAA"
    with pytest.raises(FileNotFoundError):
        await files.async_firmware_url("missing.bin")


async def test_firmware_wrong_token_or_file(
    files: FileExchange, client: aiohttp.ClientSession
) -> None:
    """A made-up token is 404, and a token only fetches the file it was made for."""
    firmware(files, "a.bin", b"AAAA")
    firmware(files, "b.bin", b"BBBB")
    url_a = files.firmware_url("a.bin")
    token_a = URL(url_a).parts[-2]

    assert (await client.get(f"/api/ocpp_central/firmware/{'x' * 43}/a.bin")).status == 404
    assert (await client.get(f"/api/ocpp_central/firmware/{token_a}/b.bin")).status == 404
    assert (await client.get(f"/api/ocpp_central/firmware/{token_a[:-1]}/a.bin")).status == 404
    assert (await client.get(path_of(files.firmware_url("b.bin")))).status == 200
    # An upload token is no firmware token.
    upload_token = URL(files.diagnostics_upload_url("CP1")).parts[-1]
    assert (await client.get(f"/api/ocpp_central/firmware/{upload_token}/a.bin")).status == 404
    # A file removed after the URL was handed out.
    files.firmware_dir.joinpath("a.bin").unlink()
    assert (await client.get(path_of(url_a))).status == 404


@pytest.mark.parametrize(
    "name",
    [
        "../secret.bin",
        "..",
        ".",
        "",
        "/etc/passwd",
        "sub/fw.bin",
        "..\\secret.bin",
        "nul\0.bin",
        "missing.bin",
        "folder",
    ],
)
async def test_firmware_url_refuses_what_is_not_a_file_in_the_folder(
    files: FileExchange, files_in_tmp: Path, name: str
) -> None:
    (files_in_tmp / "secret.bin").write_bytes(b"secret")
    (files.firmware_dir / "sub").mkdir()
    (files.firmware_dir / "sub" / "fw.bin").write_bytes(b"nested")
    (files.firmware_dir / "folder").mkdir()
    with pytest.raises(FileNotFoundError):
        files.firmware_url(name)


async def test_firmware_traversal_over_http(
    files: FileExchange, client: aiohttp.ClientSession, files_in_tmp: Path
) -> None:
    """A valid token with a traversing name fetches nothing."""
    (files_in_tmp / "secret.bin").write_bytes(b"secret")
    firmware(files, "a.bin", b"AAAA")
    token = URL(files.firmware_url("a.bin")).parts[-2]
    for name in ("..%2Fsecret.bin", "%2E%2E%2Fsecret.bin", "..%5Csecret.bin"):
        response = await client.get(f"/api/ocpp_central/firmware/{token}/{name}")
        assert response.status in (400, 404)
        assert await response.read() != b"secret"


async def test_firmware_token_expires(
    hass: HomeAssistant,
    files: FileExchange,
    client: aiohttp.ClientSession,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Valid for 24 hours, then 404."""
    firmware(files, "a.bin", b"AAAA")
    url = files.firmware_url("a.bin")
    unused = files.firmware_url("a.bin")
    freezer.tick(timedelta(hours=23, minutes=59))
    assert (await client.get(path_of(url))).status == 200
    freezer.tick(timedelta(minutes=2))
    assert (await client.get(path_of(url))).status == 404
    # Expired tokens are dropped when the next one is made.
    fresh = files.firmware_url("a.bin")
    assert URL(unused).parts[-2] not in files._grants
    assert (await client.get(path_of(fresh))).status == 200


async def test_tokens_are_bounded(files: FileExchange, client: aiohttp.ClientSession) -> None:
    """Beyond the limit the oldest token goes."""
    firmware(files, "a.bin", b"AAAA")
    files.max_tokens = 3
    urls = [files.firmware_url("a.bin") for _ in range(4)]
    assert (await client.get(path_of(urls[0]))).status == 404
    for url in urls[1:]:
        assert (await client.get(path_of(url))).status == 200


async def test_tokens_die_with_the_entry(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    files: FileExchange,
    client: aiohttp.ClientSession,
) -> None:
    firmware(files, "a.bin", b"AAAA")
    url = files.firmware_url("a.bin")
    upload = files.diagnostics_upload_url("CP1")
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert (await client.get(path_of(url))).status == 404
    assert (await client.put(path_of(upload), data=b"x")).status == 404


# -------------------------------------------------------------------------- base URL


async def test_base_url_is_the_lan_url(
    hass: HomeAssistant, files: FileExchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The internal URL when configured; without one, the local IP and port."""
    await hass.config.async_update(internal_url="http://ha.lan:8123/")
    assert lan_base_url(hass) == "http://ha.lan:8123"
    assert files.diagnostics_upload_url("CP1").startswith(
        "http://ha.lan:8123/api/ocpp_central/diagnostics/"
    )

    def no_url(*_args: Any, **_kwargs: Any) -> str:
        raise NoURLAvailableError

    monkeypatch.setattr(files_module, "get_url", no_url)
    api = hass.config.api
    assert api is not None
    assert lan_base_url(hass) == f"http://{api.local_ip}:{api.port}"
    monkeypatch.setattr(
        hass.config, "api", SimpleNamespace(local_ip="fd00::5", port=8443, use_ssl=True)
    )
    assert lan_base_url(hass) == "https://[fd00::5]:8443"
    monkeypatch.setattr(hass.config, "api", None)
    with pytest.raises(HomeAssistantError) as err:
        files.diagnostics_upload_url("CP1")
    assert err.value.translation_key == "no_local_url"


# ----------------------------------------------------------------------- diagnostics


async def test_diagnostics_multipart_upload(
    files: FileExchange,
    client: aiohttp.ClientSession,
    files_in_tmp: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A charger's multipart POST lands in the charger's folder; the token is used up."""
    content = os.urandom(700_000)
    url = files.diagnostics_upload_url("CP1")
    assert url.startswith("http://10.10.10.10:8123/api/ocpp_central/diagnostics/")
    assert files.last_upload("CP1") is None

    form = aiohttp.FormData()
    form.add_field("note", "fields before the file are skipped")
    form.add_field("file", content, filename="../diag 2025.log.gz")
    with caplog.at_level(logging.INFO, logger="custom_components.ocpp_central"):
        response = await client.post(path_of(url), data=form)
    assert response.status == 200

    stored = files.last_upload("CP1")
    assert stored is not None
    assert stored.parent == files_in_tmp / "diagnostics" / "CP1"
    assert STAMPED.match(stored.name)
    assert stored.name.endswith("-diag_2025.log.gz")
    assert stored.read_bytes() == content
    assert f"diagnostics of CP1 saved to {stored}" in caplog.text

    form = aiohttp.FormData()
    form.add_field("file", b"again", filename="diag.log")
    assert (await client.post(path_of(url), data=form)).status == 404
    assert stored_files(files_in_tmp / "diagnostics") == [stored]


async def test_diagnostics_put_upload(
    files: FileExchange, client: aiohttp.ClientSession, files_in_tmp: Path
) -> None:
    """A PUT with the raw body; the name comes from ?name= (or a default)."""
    url = files.diagnostics_upload_url("CP1")
    response = await client.put(path_of(url), params={"name": "log.tar"}, data=b"put body")
    assert response.status == 200
    stored = files.last_upload("CP1")
    assert stored is not None
    assert stored.parent == files_in_tmp / "diagnostics" / "CP1"
    assert stored.name.endswith("-log.tar")
    assert stored.read_bytes() == b"put body"
    assert (await client.put(path_of(url), data=b"again")).status == 404

    url = files.diagnostics_upload_url("CP1")
    assert (await client.put(path_of(url), data=b"no name")).status == 200
    assert files.last_upload("CP1").name.endswith("-diagnostics")


async def test_diagnostics_raw_post(files: FileExchange, client: aiohttp.ClientSession) -> None:
    """A raw POST names the file in Content-Disposition, or in a path segment it appends."""
    url = files.diagnostics_upload_url("CP1")
    response = await client.post(
        path_of(url),
        data=b"raw",
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": 'attachment; filename="cp1-diag.zip"',
        },
    )
    assert response.status == 200
    assert files.last_upload("CP1").name.endswith("-cp1-diag.zip")
    assert files.last_upload("CP1").read_bytes() == b"raw"

    url = files.diagnostics_upload_url("CP1")
    response = await client.post(f"{path_of(url)}/appended.log", data=b"appended")
    assert response.status == 200
    assert files.last_upload("CP1").name.endswith("-appended.log")


async def test_diagnostics_same_name_same_second(
    files: FileExchange, client: aiohttp.ClientSession, freezer: FrozenDateTimeFactory
) -> None:
    """Nothing is overwritten."""
    first, second = (files.diagnostics_upload_url("CP1") for _ in range(2))
    await client.put(path_of(first), params={"name": "d.log"}, data=b"1")
    one = files.last_upload("CP1")
    await client.put(path_of(second), params={"name": "d.log"}, data=b"2")
    two = files.last_upload("CP1")
    assert one != two
    assert two.name == one.name.replace("d.log", "d-1.log")
    assert (one.read_bytes(), two.read_bytes()) == (b"1", b"2")


async def test_diagnostics_too_large(
    files: FileExchange, client: aiohttp.ClientSession, files_in_tmp: Path
) -> None:
    """Past the limit: 413 and nothing kept — by Content-Length, while streaming a
    chunked body, and inside a multipart body. The token survives for a retry."""
    files.max_upload_bytes = 100_000
    big = os.urandom(300_000)
    url = files.diagnostics_upload_url("CP1")

    assert (await client.put(path_of(url), data=big)).status == 413

    async def chunked() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 16_384):
            yield big[start : start + 16_384]

    assert (await client.put(path_of(url), data=chunked())).status == 413

    form = aiohttp.FormData()
    form.add_field("file", big, filename="big.log")
    assert (await client.post(path_of(url), data=form)).status == 413

    assert stored_files(files_in_tmp / "diagnostics") == []
    assert files.last_upload("CP1") is None

    exact = big[:100_000]
    assert (await client.put(path_of(url), data=exact)).status == 200
    assert files.last_upload("CP1").read_bytes() == exact


async def test_diagnostics_rejected_requests(
    files: FileExchange, client: aiohttp.ClientSession, freezer: FrozenDateTimeFactory
) -> None:
    """Unknown, firmware and expired tokens are 404; a form without a file is 400 and
    leaves the token usable."""
    assert (await client.put(f"/api/ocpp_central/diagnostics/{'x' * 43}", data=b"x")).status == 404
    firmware(files, "a.bin", b"AAAA")
    firmware_token = URL(files.firmware_url("a.bin")).parts[-2]
    response = await client.put(f"/api/ocpp_central/diagnostics/{firmware_token}", data=b"x")
    assert response.status == 404

    url = files.diagnostics_upload_url("CP1")
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("note", "no file here")
    form.add_field("other", "nor here")
    assert (await client.post(path_of(url), data=form)).status == 400
    assert (await client.put(path_of(url), data=b"ok")).status == 200

    url = files.diagnostics_upload_url("CP1")
    freezer.tick(timedelta(hours=24, seconds=1))
    assert (await client.put(path_of(url), data=b"late")).status == 404


async def test_diagnostics_of_an_odd_charger_id(
    files: FileExchange, client: aiohttp.ClientSession, files_in_tmp: Path
) -> None:
    """A charge point id is no path: it cannot leave the diagnostics folder."""
    url = files.diagnostics_upload_url("../evil/CP")
    response = await client.put(
        path_of(url), data=b"z", headers={"Content-Disposition": 'attachment; filename="../../x"'}
    )
    assert response.status == 200
    stored = files.last_upload("../evil/CP")
    assert stored is not None
    assert stored.parent.parent == files_in_tmp / "diagnostics"
    assert stored.parent.name == charger_folder_name("../evil/CP")
    assert stored.name.endswith("-x")


def test_safe_names() -> None:
    assert safe_file_name("../../etc/passwd") == "passwd"
    assert safe_file_name("C:\\logs\\diag.zip") == "diag.zip"
    assert safe_file_name("..") == "diagnostics"
    assert safe_file_name(None) == "diagnostics"
    assert safe_file_name(".hidden") == "hidden"
    assert safe_file_name("a b;c.log") == "a_b_c.log"
    assert safe_file_name("..%2F..%2Fa%20b.log") == "a_b.log"
    assert len(safe_file_name("x" * 500 + ".log")) == 120
    assert charger_folder_name("CP-1_a.b") == "CP-1_a.b"
    assert charger_folder_name("a/b") != charger_folder_name("a b")
    assert charger_folder_name("..").startswith("charger-")


async def test_prepare_reports_a_folder_it_cannot_make(
    hass: HomeAssistant, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    await FileExchange(hass, blocker).async_prepare()
    assert "Cannot create the firmware folder" in caplog.text


async def test_diagnostics_storage_failure(
    files: FileExchange,
    client: aiohttp.ClientSession,
    files_in_tmp: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A folder that cannot be made is a 500 and a warning; the token stays for a retry."""
    files.diagnostics_dir.parent.mkdir(parents=True, exist_ok=True)
    files.diagnostics_dir.write_text("a file where the folder should be")
    url = files.diagnostics_upload_url("CP1")
    assert (await client.put(path_of(url), data=b"x")).status == 500
    assert "Diagnostics upload of CP1 failed" in caplog.text
    files.diagnostics_dir.unlink()
    assert (await client.put(path_of(url), data=b"x")).status == 200


async def test_diagnostics_malformed_multipart(
    files: FileExchange, client: aiohttp.ClientSession
) -> None:
    url = files.diagnostics_upload_url("CP1")
    response = await client.post(
        path_of(url), data=b"garbage", headers={"Content-Type": "multipart/form-data"}
    )
    assert response.status == 400
    assert (await client.put(path_of(url), data=b"x")).status == 200
