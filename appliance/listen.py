"""Listen addresses: ``HOST:PORT`` (IPv6 in brackets, port 0 picks a free one) or
``unix:///PATH``, parsed in one place for the gRPC listener, the metrics listener and the
tools that connect to them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

UNIX = "unix://"
LOOPBACK_NAMES = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class ListenAddress:
    #: The host without IPv6 brackets ("" for a unix socket).
    host: str = ""
    port: int = 0
    #: The socket file of a unix:// address.
    path: Path | None = None

    @classmethod
    def parse(cls, text: str, *, allow_unix: bool = True) -> ListenAddress:
        """The address ``text`` names; ValueError saying what form it must have."""
        if text.startswith(UNIX):
            if not allow_unix:
                raise ValueError(f"must be HOST:PORT (port 0-65535), got {text!r}")
            if not text[len(UNIX):]:
                raise ValueError("unix:// address needs a path, e.g. unix:///run/x.sock")
            return cls(path=Path(text[len(UNIX):]))
        host, sep, port = text.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            form = "HOST:PORT (port 0-65535) or unix:///PATH" if allow_unix \
                else "HOST:PORT (port 0-65535)"
            raise ValueError(f"must be {form}, got {text!r}")
        return cls(host=host.strip("[]"), port=int(port))

    @property
    def is_unix(self) -> bool:
        return self.path is not None

    @property
    def is_loopback(self) -> bool:
        """A unix socket, or a TCP address only this machine can reach."""
        return self.is_unix or self.host in LOOPBACK_NAMES or self.host.startswith("127.")

    def with_port(self, port: int) -> ListenAddress:
        return ListenAddress(self.host, port, self.path)

    def __str__(self) -> str:
        if self.path is not None:
            return f"{UNIX}{self.path}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"
