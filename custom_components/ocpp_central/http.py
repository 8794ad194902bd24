"""HTTP views: the local CA certificate, for installing on chargers (SPEC §2.2), and the
firmware download and diagnostics upload URLs handed to chargers (SPEC §4.5, files.py).

The CA URL is stable per central system: ``/api/ocpp_central/<entry_id>/ca.pem``. The CA
certificate is public by nature (chargers must trust it), so no authentication is
required to fetch it — a charger's web UI or an installer's laptop can download it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from http import HTTPStatus
from urllib.parse import quote

from aiohttp import BodyPartReader, hdrs, web
from aiohttp.multipart import content_disposition_filename, parse_content_disposition
from homeassistant.components.http import KEY_HASS, HomeAssistantView
from homeassistant.core import HomeAssistant

from .const import DOMAIN
from .files import DIAGNOSTICS_PATH, FIRMWARE_PATH, FileExchange, UnknownToken, UploadTooLarge

_LOGGER = logging.getLogger(__name__)


class CaCertificateView(HomeAssistantView):
    """Serves the CA certificate of a central system that uses the generated one."""

    url = "/api/ocpp_central/{entry_id}/ca.pem"
    name = "api:ocpp_central:ca"
    requires_auth = False

    async def get(self, request: web.Request, entry_id: str) -> web.Response:
        """The PEM file, or 404 when this entry does not use the local CA."""
        hass = request.app[KEY_HASS]
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN or not hasattr(entry, "runtime_data"):
            return web.Response(status=HTTPStatus.NOT_FOUND)
        ca_file = entry.runtime_data.tls.ca_file
        if ca_file is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        body = await hass.async_add_executor_job(ca_file.read_bytes)
        return web.Response(
            body=body,
            content_type="application/x-pem-file",
            headers={"Content-Disposition": 'attachment; filename="ocpp-central-ca.pem"'},
        )


# --------------------------------------------------- firmware and diagnostics (SPEC §4.5)
#
# Chargers cannot log in: these views need no authentication; the unguessable token in the
# URL (see files.py) is the credential. A wrong, expired or used-up token is a plain 404.


def _exchanges(hass: HomeAssistant) -> Iterator[FileExchange]:
    """The FileExchange of every loaded central system."""
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        files = getattr(getattr(entry, "runtime_data", None), "files", None)
        if files is not None:
            yield files


class FirmwareView(HomeAssistantView):
    """Serves a firmware file to a charger that got the URL in UpdateFirmware."""

    url = f"{FIRMWARE_PATH}/{{token}}/{{file_name}}"
    name = "api:ocpp_central:firmware"
    requires_auth = False

    async def get(self, request: web.Request, token: str, file_name: str) -> web.StreamResponse:
        """The file, streamed (ranges supported), or 404."""
        hass = request.app[KEY_HASS]
        for files in _exchanges(hass):
            path = files.firmware_for(token, file_name)
            if path is not None and await hass.async_add_executor_job(path.is_file):
                return web.FileResponse(
                    path,
                    headers={
                        hdrs.CONTENT_TYPE: "application/octet-stream",
                        hdrs.CONTENT_DISPOSITION: f'attachment; filename="{quote(file_name)}"',
                    },
                )
        return web.Response(status=HTTPStatus.NOT_FOUND)

    async def head(self, request: web.Request, token: str, file_name: str) -> web.StreamResponse:
        """Some chargers ask for the size first."""
        return await self.get(request, token, file_name)


class DiagnosticsUploadView(HomeAssistantView):
    """Receives the diagnostics file a charger uploads after GetDiagnostics.

    POST as multipart/form-data (the first part with a file name, or a part named
    ``file``), or POST/PUT with the file as the raw body (name from ``?name=``, the
    Content-Disposition header, or a last path segment that some chargers append).
    """

    url = f"{DIAGNOSTICS_PATH}/{{token}}"
    extra_urls = [f"{DIAGNOSTICS_PATH}/{{token}}/{{file_name}}"]  # noqa: RUF012 - as the base
    name = "api:ocpp_central:diagnostics"
    requires_auth = False

    async def post(
        self, request: web.Request, token: str, file_name: str | None = None
    ) -> web.Response:
        """multipart/form-data or a raw body."""
        return await self._receive(request, token, file_name)

    async def put(
        self, request: web.Request, token: str, file_name: str | None = None
    ) -> web.Response:
        """A raw body."""
        return await self._receive(request, token, file_name)

    async def _receive(
        self, request: web.Request, token: str, path_name: str | None
    ) -> web.Response:
        hass = request.app[KEY_HASS]
        for files in _exchanges(hass):
            if (charge_point_id := files.upload_target(token)) is not None:
                break
        else:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        multipart = request.method == hdrs.METH_POST and request.content_type.startswith(
            "multipart/"
        )
        if (
            not multipart
            and request.content_length is not None
            and request.content_length > files.max_upload_bytes
        ):
            return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        try:
            if multipart:
                part = await _file_part(request)
                if part is None:
                    return web.Response(status=HTTPStatus.BAD_REQUEST, text="no file part")
                name = part.filename or path_name
                chunks = _part_chunks(part)
            else:
                name = request.query.get("name") or _disposition_name(request) or path_name
                chunks = request.content.iter_chunked(64 * 1024)
            await files.async_receive_upload(token, name, chunks)
        except UnknownToken:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        except UploadTooLarge:
            return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        except ValueError as err:  # malformed multipart
            return web.Response(status=HTTPStatus.BAD_REQUEST, text=str(err))
        except OSError as err:  # the disk, or the charger went away mid-upload
            _LOGGER.warning("Diagnostics upload of %s failed: %s", charge_point_id, err)
            return web.Response(status=HTTPStatus.INTERNAL_SERVER_ERROR)
        return web.Response(status=HTTPStatus.OK, text="OK")


async def _file_part(request: web.Request) -> BodyPartReader | None:
    """The part that holds the file; parts before it are skipped."""
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if isinstance(part, BodyPartReader) and (part.filename or part.name == "file"):
            return part
        await part.release()
    return None


async def _part_chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(64 * 1024):
        yield chunk


def _disposition_name(request: web.Request) -> str | None:
    header = request.headers.get(hdrs.CONTENT_DISPOSITION)
    if not header:
        return None
    _kind, params = parse_content_disposition(header)
    return content_disposition_filename(params, "filename")
