"""The HTTP listener: uvicorn on the daemon's own event loop (no thread, no process).

uvicorn is driven through ``startup``/``shutdown`` rather than ``serve``, so it installs no
signal handlers (SIGTERM stays the daemon's: drain, then stop both listeners). Its protocol
is h11 with two additions: the client certificate of a mutual-TLS connection is handed to the
app (``scope["state"]``), and a connection that has not sent a request's headers within
``body_timeout_seconds`` is closed (slow clients cannot hold connections open for nothing).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from appliance.config import HttpConfig, ServerConfig
from appliance.errors import ConfigError
from appliance.httpapi.app import CERTIFICATE
from appliance.listen import ListenAddress

#: The most a request line and its headers may take (a larger head is a 400 and a close).
HEAD_LIMIT_BYTES = 64 * 1024


class _Protocol(H11Protocol):
    header_timeout = 30.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        cert = transport.get_extra_info("peercert")
        if cert:
            self.app_state = {**self.app_state, CERTIFICATE: cert}
        self._header_timer = asyncio.get_running_loop().call_later(
            self.header_timeout, self._headers_overdue)

    def _headers_overdue(self) -> None:
        if self.cycle is None and not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._header_timer.cancel()
        super().connection_lost(exc)


def _protocol(header_timeout: float) -> type[H11Protocol]:
    return type("ApplianceH11Protocol", (_Protocol,), {"header_timeout": header_timeout})


class HttpListener:
    """Serves ``app`` on ``config.listen``; :meth:`stop` closes it gracefully."""

    def __init__(self, app: Any, config: HttpConfig, server: ServerConfig) -> None:
        self._config = config
        cert, key, client_ca = config.tls_files(server)
        self.tls = cert is not None
        self.mtls = client_ca is not None
        address = ListenAddress.parse(config.listen, allow_unix=False)
        self._host, self._port = address.host, address.port
        kwargs: dict[str, Any] = {}
        if cert is not None:
            kwargs = {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}
            if client_ca is not None:
                kwargs |= {"ssl_ca_certs": str(client_ca), "ssl_cert_reqs": ssl.CERT_REQUIRED}
        self._uv = uvicorn.Config(
            app, lifespan="off", log_config=None, log_level=logging.WARNING, access_log=False,
            http=_protocol(config.body_timeout_seconds), ws="none", server_header=False,
            # uvicorn trusts X-Forwarded-For from 127.0.0.1 by default: any local process
            # could name itself any peer. The app reads it, from [http] trusted_proxies only.
            proxy_headers=False,
            # h11's 16 KiB default for a request head was applied only when the head arrived
            # in more than one read: the same 60 KB header was a 200 on an idle loopback and
            # a reset under load. Now one limit, however the bytes arrive.
            h11_max_incomplete_event_size=HEAD_LIMIT_BYTES,
            timeout_keep_alive=int(max(1, round(config.keep_alive_seconds))),
            limit_concurrency=config.max_connections, timeout_graceful_shutdown=5,
            **kwargs)
        self._server: uvicorn.Server | None = None
        self.address: str | None = None

    async def start(self) -> str:
        """Bind and listen; returns the bound "HOST:PORT"."""
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self._host, self._port))
            self._uv.load()
        except OSError as exc:
            sock.close()
            raise ConfigError(f"cannot serve the HTTP API on {self._config.listen}: "
                              f"{exc.strerror or exc}", key="http.listen") from exc
        except (ssl.SSLError, FileNotFoundError) as exc:
            sock.close()
            raise ConfigError(f"HTTP TLS files: {exc}", key="http.tls_cert") from exc
        sock.listen(1024)
        sock.setblocking(False)
        self._server = uvicorn.Server(self._uv)
        self._server.lifespan = self._uv.lifespan_class(self._uv)  # as Server.serve sets it
        await self._server.startup(sockets=[sock])
        host, port = sock.getsockname()[:2]
        self.address = str(ListenAddress(host, port))
        return self.address

    async def stop(self) -> None:
        """Stop accepting, let open responses finish (bounded), close the connections."""
        if self._server is not None:
            self._server.should_exit = True
            await self._server.shutdown()
            self._server = None

