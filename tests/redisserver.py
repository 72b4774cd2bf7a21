"""A real redis-server (Debian's) for tests: loopback, a free port, its own directory, no
persistence (no RDB snapshot, no AOF), a password."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """``tls``: (certificate, key, CA) files: TLS only, and clients must show a certificate
    that CA signed (``client_tls``: the client's certificate and key, for :meth:`client`)."""

    def __init__(self, workdir: Path, password: str = "", port: int = 0,
                 tls: tuple[Path, Path, Path] | None = None,
                 client_tls: tuple[Path, Path] | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (make setup installs Debian's)")
        self.binary = binary
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.password = password
        self.port = port or _free_port()
        self.tls = tls
        self.client_tls = client_tls
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"{'rediss' if self.tls else 'redis'}://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        ports = ["--port", str(self.port)]
        if self.tls:
            cert, key, ca = self.tls
            ports = ["--port", "0", "--tls-port", str(self.port), "--tls-cert-file", str(cert),
                     "--tls-key-file", str(key), "--tls-ca-cert-file", str(ca),
                     "--tls-auth-clients", "yes"]
        args = [self.binary, *ports, "--bind", "127.0.0.1",
                "--dir", str(self.workdir), "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--logfile", str(self.workdir / "redis.log")]
        if self.password:
            args += ["--requirepass", self.password]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.client().ping():
                    return self
            except Exception:  # noqa: BLE001 - not up yet
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    log = (self.workdir / "redis.log").read_text(errors="replace")
                    raise RuntimeError(f"redis-server did not start:\n{log[-2000:]}") from None
            time.sleep(0.05)

    def client(self) -> Any:
        import redis

        tls: dict[str, Any] = {}
        if self.tls and self.client_tls:
            tls = {"ssl": True, "ssl_ca_certs": str(self.tls[2]),
                   "ssl_certfile": str(self.client_tls[0]),
                   "ssl_keyfile": str(self.client_tls[1])}
        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password or None,
                           decode_responses=True, socket_timeout=5, **tls)

    def kill(self) -> None:
        """SIGKILL: Redis gone without a goodbye, as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def dump(self) -> dict[str, Any]:
        """Every key and its value, whatever its type (a test reads all Redis holds)."""
        r = self.client()
        out: dict[str, Any] = {}
        for key in r.scan_iter(count=1000):
            kind = r.type(key)
            if kind == "string":
                out[key] = r.get(key)
            elif kind == "hash":
                out[key] = r.hgetall(key)
            elif kind == "set":
                out[key] = sorted(r.smembers(key))
            elif kind == "zset":
                out[key] = r.zrange(key, 0, -1, withscores=True)
            elif kind == "list":
                out[key] = r.lrange(key, 0, -1)
            else:
                out[key] = f"<{kind}>"
        return out
