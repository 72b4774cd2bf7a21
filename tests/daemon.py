"""Runs the real daemon as a subprocess for tests and benchmarks.

The daemon is started with ``--listen 127.0.0.1:0``; its JSON log goes to a file, from which the
bound address is read (the ``listening`` event) and readiness seen (the ``ready`` event).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


class Daemon:
    def __init__(self, workdir: Path, config: Path | None = None,
                 env: dict[str, str] | None = None, wrap: list[str] | None = None) -> None:
        self.workdir = workdir
        self.log_path = workdir / "daemon.log"
        cmd = [sys.executable, "-m", "appliance", "serve", "--listen", "127.0.0.1:0",
               "--metrics-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"]
        if config is not None:
            cmd += ["--config", str(config)]
        cmd = [*(wrap or ()), *cmd]  # e.g. run it inside a private mount namespace
        full_env = {**os.environ, **(env or {})}
        full_env.pop("NOTIFY_SOCKET", None)
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT,
                                     cwd=workdir, env=full_env)
        self.address: str | None = None

    def events(self) -> list[dict[str, Any]]:
        out = []
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return out

    def wait_for(self, event: str, timeout: float = 180.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.events():
                if e.get("event") == event:
                    if "address" in e and event != "metrics_listening":
                        self.address = e["address"]
                    return e
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon exited with {self.proc.returncode} before "
                                   f"{event!r}:\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.02)
        raise TimeoutError(f"no {event!r} event within {timeout}s:\n"
                           f"{self.log_path.read_text()[-3000:]}")

    @property
    def http_url(self) -> str:
        """http://HOST:PORT/v1 of the daemon's OpenAI-compatible HTTP API."""
        for e in self.events():
            if e.get("event") == "http_listening":
                return str(e["url"])
        raise RuntimeError("the daemon logged no http_listening event")

    @property
    def metrics_url(self) -> str:
        """http://HOST:PORT/metrics of the daemon's metrics listener."""
        for e in self.events():
            if e.get("event") == "metrics_listening":
                return str(e["url"])
        raise RuntimeError("the daemon logged no metrics_listening event")

    def terminate(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 60.0) -> int:
        self.terminate()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
        finally:
            self._log.close()


def officer_keys(directory: Path) -> tuple[Path, Path]:
    """The compliance officer's key pair for a test install: (private, public), made once."""
    from appliance.audit.keys import OFFICER_PRIVATE, OFFICER_PUBLIC, generate_officer_key

    if not (directory / OFFICER_PUBLIC).exists():
        generate_officer_key(directory)
    return directory / OFFICER_PRIVATE, directory / OFFICER_PUBLIC


def write_config(path: Path, model: Path, models: str = "slots = 8", **extra: str) -> Path:
    """A test config serving ``model`` on both tiers with 2 threads (``models``: more lines
    for both tiers); the officer's key pair is in ``officer/`` beside it."""
    lines = [f'state_dir = "{path.parent / "state"}"', "", "[logging]", 'format = "json"', ""]
    if "audit" not in extra:
        _private, public = officer_keys(path.parent / "officer")
        extra = {**extra, "audit": f'officer_public_key = "{public}"\n'
                                   "checkpoint_every_seconds = 1.0"}
    if "auth" not in extra:  # loopback test daemons; test_access_control turns it on
        extra = {**extra, "auth": "required = false"}
    for tier in ("v3", "r1"):
        lines += [f"[models.{tier}]", f'path = "{model}"', "n_threads = 2", "n_ctx = 2048",
                  models, 'chat_template = "gemma"', ""]
    for section, body in extra.items():
        lines += [f"[{section}]", body, ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def create_token(config: Path, name: str, role: str) -> str:
    """A bearer token for ``name`` with ``role``, made by the real CLI (``appliance token
    create``) in the tokens file of ``config``; also written beside it as NAME.token."""
    out = config.parent / f"{name}.token"
    p = subprocess.run([sys.executable, "-m", "appliance", "token", "create", "--config",
                        str(config), "--name", name, "--role", role, "--out", str(out)],
                       capture_output=True, text=True, timeout=120, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"appliance token create failed: {p.stderr}")
    return out.read_text().strip()
