"""Firmware serving and diagnostics upload for chargers (SPEC §4.5).

Chargers cannot log in to Home Assistant, so the URLs handed to them in UpdateFirmware and
GetDiagnostics carry an unguessable token instead (``secrets.token_urlsafe(32)``):

- Firmware: the user places files in ``<config>/ocpp_central/firmware/``.
  ``firmware_url(name)`` gives ``{base}/api/ocpp_central/firmware/{token}/{name}``; the token
  only fetches that one file and works any number of times until it expires (24 h by default),
  because chargers retry downloads.
- Diagnostics: ``diagnostics_upload_url(cp_id)`` gives ``{base}/api/ocpp_central/diagnostics/
  {token}``, good for one successful upload (HTTP POST or PUT) within 24 h. The file is kept as
  ``<config>/ocpp_central/diagnostics/<cp_id>/<UTC timestamp>-<file name>``.

``base`` is the Home Assistant URL that devices on the LAN reach (the configured internal URL,
else the machine's address and Home Assistant's HTTP port), never the external or cloud URL.

Tokens live in memory only: a restart of Home Assistant or a reload of the entry invalidates
every URL handed out before it (the charger then reports a failed download or upload, and the
user starts the operation again). At most ``max_tokens`` are kept; the oldest go first.

The HTTP side (parsing requests) is in ``http.py``; this module knows nothing about aiohttp.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Literal
from urllib.parse import quote, unquote

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.util import dt as dt_util

from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

FIRMWARE_PATH = "/api/ocpp_central/firmware"
DIAGNOSTICS_PATH = "/api/ocpp_central/diagnostics"
DEFAULT_TOKEN_LIFETIME = timedelta(hours=24)
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_TOKENS = 1000
_WRITE_BATCH = 256 * 1024  # bytes collected before one executor write
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 120

type UploadListener = Callable[[str, Path], None]


def files_directory(hass: HomeAssistant) -> Path:
    """The integration's folder in the configuration (tests patch this)."""
    return Path(hass.config.path(DOMAIN))


def lan_base_url(hass: HomeAssistant) -> str:
    """Home Assistant's URL as devices on the LAN reach it, without a trailing slash.

    The configured internal URL, else ``http(s)://<local ip>:<port>``. Raises
    HomeAssistantError when Home Assistant's HTTP server is not set up.
    """
    try:
        return get_url(hass, allow_external=False, prefer_external=False).rstrip("/")
    except NoURLAvailableError:
        pass
    # get_url refuses a loopback address, and with SSL any bare IP; a charger that is told
    # the address Home Assistant itself uses still has the best chance.
    api = hass.config.api
    if api is None or not api.local_ip:
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="no_local_url")
    host = f"[{api.local_ip}]" if ":" in api.local_ip else api.local_ip
    scheme = "https" if api.use_ssl else "http"
    return f"{scheme}://{host}:{api.port}"


def safe_file_name(name: str | None, default: str = "diagnostics") -> str:
    """A file name that is safe in any folder: percent-decoded (as HTTP clients encode
    form file names), the last path component, with characters other than letters,
    digits, ``.``, ``_`` and ``-`` replaced, no leading dot, bounded."""
    base = re.split(r"[\\/]", unquote(name or ""))[-1]
    cleaned = _UNSAFE.sub("_", base)[-_MAX_NAME:].lstrip(".")
    return cleaned or default


def charger_folder_name(charge_point_id: str) -> str:
    """The folder of a charger's diagnostics. Ids are arbitrary text (percent-decoded from
    the URL); an id that needs changing to be a safe name gets a hash so ids stay apart."""
    safe = _UNSAFE.sub("_", charge_point_id)[:_MAX_NAME].lstrip(".")
    if safe == charge_point_id:
        return safe
    digest = hashlib.sha256(charge_point_id.encode()).hexdigest()[:8]
    return f"{safe or 'charger'}-{digest}"


def _is_plain_name(name: str) -> bool:
    """A name directly in a folder: no separators, no ``.``/``..``, not absolute."""
    return (
        bool(name)
        and name not in (".", "..")
        and not any(c in name for c in "/\\\0")
        and not Path(name).is_absolute()
    )


class UnknownToken(LookupError):
    """The token does not exist, has expired, or is for something else."""


class UploadTooLarge(Exception):
    """The upload went past ``max_upload_bytes``; nothing was kept."""


@dataclass(slots=True)
class _Grant:
    kind: Literal["firmware", "diagnostics"]
    subject: str  # the firmware file name, or the charge point id
    expires: datetime


class FileExchange:
    """Tokens, firmware files and received diagnostics of one central system.

    Tokens are kept in memory only: a restart (or entry reload) invalidates them.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        root: Path | None = None,
        *,
        token_lifetime: timedelta = DEFAULT_TOKEN_LIFETIME,
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
        max_tokens: int = DEFAULT_MAX_TOKENS,
    ) -> None:
        self._hass = hass
        self.root = root if root is not None else files_directory(hass)
        self.token_lifetime = token_lifetime
        self.max_upload_bytes = max_upload_bytes
        self.max_tokens = max_tokens
        self.on_upload: UploadListener | None = None
        self._grants: dict[str, _Grant] = {}  # insertion order = age
        self._last_upload: dict[str, Path] = {}

    @property
    def firmware_dir(self) -> Path:
        """Where the user puts firmware files."""
        return self.root / "firmware"

    @property
    def diagnostics_dir(self) -> Path:
        """Where received diagnostics go (one folder per charger)."""
        return self.root / "diagnostics"

    async def async_prepare(self) -> None:
        """Create the firmware folder so the user finds it (entry setup)."""
        try:
            await self._hass.async_add_executor_job(self._make_firmware_dir)
        except OSError as err:
            _LOGGER.warning("Cannot create the firmware folder %s: %s", self.firmware_dir, err)

    def _make_firmware_dir(self) -> None:
        self.firmware_dir.mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------ tokens

    def _issue(self, kind: Literal["firmware", "diagnostics"], subject: str) -> str:
        now = dt_util.utcnow()
        for token in [t for t, g in self._grants.items() if g.expires <= now]:
            del self._grants[token]
        token = secrets.token_urlsafe(32)
        self._grants[token] = _Grant(kind, subject, now + self.token_lifetime)
        while len(self._grants) > self.max_tokens:
            del self._grants[next(iter(self._grants))]
        return token

    def _grant(self, token: str, kind: str) -> _Grant | None:
        grant = self._grants.get(token)
        if grant is None or grant.kind != kind:
            return None
        if grant.expires <= dt_util.utcnow():
            del self._grants[token]
            return None
        return grant

    # ---------------------------------------------------------- firmware

    def firmware_path(self, file_name: str) -> Path:
        """The firmware file of that name; FileNotFoundError unless it is a regular file
        directly in the firmware folder. Does file I/O (a stat)."""
        path = self.firmware_dir / file_name
        if not _is_plain_name(file_name) or not path.is_file():
            raise FileNotFoundError(f"no firmware file {file_name!r} in {self.firmware_dir}")
        return path

    def firmware_url(self, file_name: str) -> str:
        """A URL from which a charger downloads that firmware file (any number of times
        until the token expires). Raises FileNotFoundError for a name that is not a regular
        file directly in the firmware folder. Does a quick stat; ``async_firmware_url``
        does it in the executor."""
        self.firmware_path(file_name)
        return self._firmware_url(file_name)

    async def async_firmware_url(self, file_name: str) -> str:
        """``firmware_url`` with the file check in the executor."""
        await self._hass.async_add_executor_job(self.firmware_path, file_name)
        return self._firmware_url(file_name)

    def _firmware_url(self, file_name: str) -> str:
        base = lan_base_url(self._hass)
        token = self._issue("firmware", file_name)
        return f"{base}{FIRMWARE_PATH}/{token}/{quote(file_name, safe='')}"

    def firmware_for(self, token: str, file_name: str) -> Path | None:
        """The file a valid firmware token grants under that name, else None (no I/O)."""
        grant = self._grant(token, "firmware")
        if grant is None or grant.subject != file_name or not _is_plain_name(file_name):
            return None
        return self.firmware_dir / file_name

    # ------------------------------------------------------- diagnostics

    def diagnostics_upload_url(self, charge_point_id: str) -> str:
        """A one-time URL to which that charger uploads its diagnostics (POST or PUT)."""
        base = lan_base_url(self._hass)
        return f"{base}{DIAGNOSTICS_PATH}/{self._issue('diagnostics', charge_point_id)}"

    def upload_target(self, token: str) -> str | None:
        """The charge point id of a valid upload token, else None (the token stays)."""
        grant = self._grant(token, "diagnostics")
        return grant.subject if grant is not None else None

    def last_upload(self, charge_point_id: str) -> Path | None:
        """The file of that charger's last upload since setup."""
        return self._last_upload.get(charge_point_id)

    async def async_receive_upload(
        self, token: str, file_name: str | None, chunks: AsyncIterable[bytes]
    ) -> Path:
        """Store an upload streamed as ``chunks`` and use up the token.

        Raises UnknownToken (no such valid token), UploadTooLarge (past
        ``max_upload_bytes``); on any failure the partial file is deleted and the token
        stays valid for a retry. Only one upload per token runs at a time.
        """
        grant = self._grant(token, "diagnostics")
        if grant is None:
            raise UnknownToken
        del self._grants[token]  # reserved: a concurrent upload with it gets UnknownToken
        cp_id = grant.subject
        stamp = dt_util.utcnow().strftime("%Y%m%dT%H%M%SZ")
        name = f"{stamp}-{safe_file_name(file_name)}"
        folder = self.diagnostics_dir / charger_folder_name(cp_id)
        try:
            handle, path = await self._hass.async_add_executor_job(_create, folder, name)
        except BaseException:
            self._restore(token, grant)
            raise
        try:
            total = await self._write(handle, chunks)
        except BaseException:
            await self._hass.async_add_executor_job(_discard, handle, path)
            self._restore(token, grant)
            raise
        self._last_upload[cp_id] = path
        _LOGGER.debug("Diagnostics upload of %s: %d bytes in %s", cp_id, total, path)
        if self.on_upload is not None:
            self.on_upload(cp_id, path)
        return path

    async def _write(self, handle: BinaryIO, chunks: AsyncIterable[bytes]) -> int:
        """Write and close; UploadTooLarge as soon as the count passes the limit."""
        total = 0
        batch = bytearray()
        async for chunk in chunks:
            total += len(chunk)
            if total > self.max_upload_bytes:
                raise UploadTooLarge
            batch += chunk
            if len(batch) >= _WRITE_BATCH:
                await self._hass.async_add_executor_job(handle.write, bytes(batch))
                batch.clear()
        await self._hass.async_add_executor_job(_finish, handle, bytes(batch))
        return total

    def _restore(self, token: str, grant: _Grant) -> None:
        """A failed upload leaves its token for the charger's retry."""
        if grant.expires > dt_util.utcnow():
            self._grants[token] = grant


def _create(folder: Path, name: str) -> tuple[BinaryIO, Path]:
    """Open a new file in ``folder``, never overwriting (``-1``, ``-2``… on a clash)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, dot, suffix = name.partition(".")
    for attempt in range(1000):
        candidate = name if attempt == 0 else f"{stem}-{attempt}{dot}{suffix}"
        path = folder / candidate
        try:
            return path.open("xb"), path
        except FileExistsError:
            continue
    raise FileExistsError(folder / name)


def _finish(handle: BinaryIO, rest: bytes) -> None:
    with handle:
        handle.write(rest)


def _discard(handle: BinaryIO, path: Path | None) -> None:
    handle.close()
    if path is not None:
        path.unlink(missing_ok=True)
