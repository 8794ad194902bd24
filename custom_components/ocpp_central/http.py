"""HTTP views: the local CA certificate, for installing on chargers (SPEC §2.2).

The URL is stable per central system: ``/api/ocpp_central/<entry_id>/ca.pem``. The CA
certificate is public by nature (chargers must trust it), so no authentication is
required to fetch it — a charger's web UI or an installer's laptop can download it.
"""

from __future__ import annotations

from http import HTTPStatus

from aiohttp import web
from homeassistant.components.http import KEY_HASS, HomeAssistantView

from .const import DOMAIN


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
