"""The websocket listener: TLS, the Basic Auth gate and subprotocol choice (SPEC §2).

Authentication happens in ``process_request``, before the websocket handshake: a charger
with wrong or missing credentials gets HTTP 401 with ``WWW-Authenticate`` and never
speaks OCPP.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from http import HTTPStatus
from typing import Any, Final, Protocol, cast
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from .security import parse_basic_auth

_LOGGER = logging.getLogger(__name__)
# websockets logs every frame's text at debug level; frames can carry secrets (a rotated
# AuthorizationKey, id tags), so its logger stays at WARNING even in debug mode (its INFO
# lines repeat what the central system logs per charger anyway).
_WEBSOCKETS_LOGGER = logging.getLogger(f"{__name__}.websockets")
_WEBSOCKETS_LOGGER.setLevel(logging.WARNING)

OCPP16: Final = Subprotocol("ocpp1.6")
# OCPP frames are small; the largest legitimate ones are GetConfiguration answers with
# long values (Wallbox Copper 551 chars, Legrand GreenUp lists; QUIRKS S5, S6).
MAX_FRAME_BYTES: Final = 256 * 1024
OPEN_TIMEOUT_S: Final = 10
CLOSE_TIMEOUT_S: Final = 5
REALM: Final = 'Basic realm="OCPP Central", charset="UTF-8"'
MAX_REPORTED: Final = 1024  # distinct (address, reason) pairs remembered for logging once


class Verdict(Enum):
    """What the gate decided about a charger."""

    ACCEPT = "accept"
    REJECT = "reject"


class Gatekeeper(Protocol):
    """Who may connect: implemented by the central system."""

    async def admit(self, charge_point_id: str, password: bytes | None, remote: str) -> Verdict:
        """Decide on a charger's credentials."""


@dataclass(slots=True, frozen=True)
class ListenSettings:
    """Where and how to listen."""

    host: str
    port: int
    ssl_context: ssl.SSLContext | None  # None = plain ws (only with allow_insecure)


def charge_point_id_from_path(path: str) -> str | None:
    """The last path segment, URL-decoded (Garo ids contain %7C, QUIRKS N15)."""
    segments = [s for s in urlsplit(path).path.split("/") if s]
    if not segments:
        return None
    cp_id = unquote(segments[-1]).strip()
    return cp_id if cp_id and cp_id.isprintable() else None


def _offered(request: Request) -> list[str]:
    header = ",".join(request.headers.get_all("Sec-WebSocket-Protocol"))
    return [p.strip() for p in header.split(",") if p.strip()]


def _remote(connection: ServerConnection) -> str:
    address = connection.remote_address
    return str(address[0]) if isinstance(address, tuple) and address else "?"


def _reply(status: HTTPStatus, text: str, extra: dict[str, str] | None = None) -> Response:
    headers = Headers({"Content-Type": "text/plain; charset=utf-8", "Connection": "close"})
    for key, value in (extra or {}).items():
        headers[key] = value
    body = (text + "\n").encode()
    headers["Content-Length"] = str(len(body))
    return Response(status.value, status.phrase, headers, body)


def select_subprotocol(
    connection: ServerConnection, subprotocols: Sequence[Subprotocol]
) -> Subprotocol | None:
    """``ocpp1.6`` when offered; no subprotocol offered is treated as 1.6 (SPEC §2.1)."""
    return OCPP16 if OCPP16 in subprotocols else None


class _EarlyData(asyncio.Protocol):
    """Holds what arrives between the end of the TLS handshake and the handover."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.eof = False
        self.lost = False

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)

    def eof_received(self) -> bool:
        self.eof = True
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True


class _TlsHandshakes:
    """TLS done by us after accept, so a failed handshake is one clear log line.

    asyncio's own TLS server reports every failed handshake (a charger without our CA, a
    port scanner, a TLS 1.0 client) to the event loop's exception handler, which Home
    Assistant logs as an error with a traceback. Here the handshake runs in
    ``loop.start_tls``; failures are logged once per address and reason.
    """

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self._reported: set[tuple[str, str]] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def connection_class(self) -> type[ServerConnection]:
        """A ServerConnection that becomes a websocket only after the TLS handshake."""
        handshakes = self

        class TlsServerConnection(ServerConnection):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                # Not a byte must reach the websocket parser before TLS is up.
                cast(asyncio.Transport, transport).pause_reading()
                task = asyncio.get_running_loop().create_task(
                    handshakes.upgrade(self, cast(asyncio.Transport, transport))
                )
                handshakes._tasks.add(task)
                task.add_done_callback(handshakes._tasks.discard)

            def tls_ready(self, transport: asyncio.BaseTransport) -> None:
                super().connection_made(transport)

        return TlsServerConnection

    async def upgrade(self, connection: Any, transport: asyncio.Transport) -> None:
        """Run the handshake; hand the TLS transport to the websocket connection."""
        peer = transport.get_extra_info("peername")
        remote = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        early = _EarlyData()
        try:
            tls = await asyncio.get_running_loop().start_tls(
                transport,
                early,
                self.context,
                server_side=True,
                ssl_handshake_timeout=OPEN_TIMEOUT_S,
            )
        except (ssl.SSLError, OSError, TimeoutError) as err:
            transport.abort()
            self._report(remote, err)
            return
        if tls is None or early.lost:
            transport.abort()
            return
        tls.set_protocol(connection)
        connection.tls_ready(tls)
        for chunk in early.chunks:
            connection.data_received(chunk)
        if early.eof:
            connection.eof_received()

    def _report(self, remote: str, err: BaseException) -> None:
        reason = getattr(err, "reason", None) or type(err).__name__
        key = (remote, str(reason))
        if key in self._reported:
            _LOGGER.debug("TLS handshake with %s failed again: %s", remote, reason)
            return
        if len(self._reported) < MAX_REPORTED:
            self._reported.add(key)
        _LOGGER.warning(
            "TLS handshake with %s failed (%s); a charger needs our CA certificate, "
            "TLS 1.2 or newer, and a URL starting with wss://",
            remote,
            reason,
        )


class Listener:
    """A websockets server whose handshake only lets known chargers through."""

    def __init__(
        self,
        gatekeeper: Gatekeeper,
        handler: Callable[[ServerConnection, str], Awaitable[None]],
    ) -> None:
        self._gatekeeper = gatekeeper
        self._handler = handler
        self._server: Server | None = None

    async def start(self, settings: ListenSettings) -> None:
        """Bind and listen (raises OSError when the port cannot be bound)."""
        tls = _TlsHandshakes(settings.ssl_context) if settings.ssl_context else None
        self._server = await serve(
            self._connection,
            settings.host,
            settings.port,
            create_connection=tls.connection_class() if tls else None,
            process_request=self._process_request,
            select_subprotocol=select_subprotocol,
            compression=None,  # saves ~64 KiB of zlib state per charger
            ping_interval=None,  # liveness is checked by the central system's sweeper
            max_size=MAX_FRAME_BYTES,
            open_timeout=OPEN_TIMEOUT_S,
            close_timeout=CLOSE_TIMEOUT_S,
            server_header="OCPP Central",
            logger=_WEBSOCKETS_LOGGER,
        )

    @property
    def port(self) -> int | None:
        """The bound port (useful when listening on port 0)."""
        if self._server is None:
            return None
        for sock in self._server.sockets:
            return int(sock.getsockname()[1])
        return None

    async def stop(self) -> None:
        """Stop listening and close every connection."""
        if self._server is not None:
            self._server.close(close_connections=True)
            await self._server.wait_closed()
            self._server = None

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        cp_id = charge_point_id_from_path(request.path)
        remote = _remote(connection)
        if cp_id is None:
            _LOGGER.info("Refused %s: no charge point id in path %r", remote, request.path[:80])
            return _reply(HTTPStatus.NOT_FOUND, "No charge point id in the URL path.")
        offered = _offered(request)
        if offered and OCPP16 not in offered:
            _LOGGER.warning(
                "Refused %s from %s: it offers only %s; this central system speaks ocpp1.6",
                cp_id,
                remote,
                ", ".join(offered)[:80],
            )
            return _reply(HTTPStatus.BAD_REQUEST, "Unsupported subprotocol: offer ocpp1.6.")
        password = parse_basic_auth(request.headers.get("Authorization"), cp_id)
        verdict = await self._gatekeeper.admit(cp_id, password, remote)
        if verdict is not Verdict.ACCEPT:
            return _reply(HTTPStatus.UNAUTHORIZED, "Unauthorized.", {"WWW-Authenticate": REALM})
        return None

    async def _connection(self, connection: ServerConnection) -> None:
        request = connection.request
        cp_id = charge_point_id_from_path(request.path) if request else None
        if cp_id is None:  # pragma: no cover - process_request refused it already
            return
        await self._handler(connection, cp_id)
