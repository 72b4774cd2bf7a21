"""systemd integration: readiness, status, watchdog and stopping notifications.

Every function is a no-op outside systemd (no ``NOTIFY_SOCKET``), so the daemon runs the same in a
terminal, a container and a unit. Uses ``systemd.daemon.notify`` from systemd-python.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping

import structlog

log = structlog.get_logger("appliance.systemd")

Notifier = Callable[[str], object]


def _default_notifier() -> Notifier | None:
    if not os.environ.get("NOTIFY_SOCKET"):
        return None
    # mypy resolves `systemd` to this repository's systemd/ folder (a namespace package);
    # at run time the installed regular package wins.
    from systemd import daemon  # type: ignore[attr-defined]  # noqa: PLC0415

    return daemon.notify  # type: ignore[no-any-return]


class SystemdNotifier:
    """Sends sd_notify messages when running under systemd; otherwise does nothing."""

    def __init__(self, notify: Notifier | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        self._notify = notify if notify is not None else _default_notifier()
        self._env = os.environ if env is None else env

    @property
    def active(self) -> bool:
        return self._notify is not None

    def send(self, message: str) -> None:
        if self._notify is not None:
            self._notify(message)

    def status(self, text: str) -> None:
        self.send(f"STATUS={text}")

    def ready(self, status: str = "serving") -> None:
        self.send(f"READY=1\nSTATUS={status}")

    def stopping(self) -> None:
        self.send("STOPPING=1\nSTATUS=draining")

    def watchdog_interval(self) -> float | None:
        """Half the watchdog timeout systemd set for us, in seconds, or None."""
        usec = self._env.get("WATCHDOG_USEC")
        pid = self._env.get("WATCHDOG_PID")
        if not usec or not self.active or (pid and pid != str(os.getpid())):
            return None
        try:
            return max(int(usec) / 1_000_000 / 2, 0.1)
        except ValueError:
            return None

    async def watchdog_loop(self, healthy: Callable[[], bool]) -> None:
        """Ping the watchdog while ``healthy()``; a stuck event loop stops the pings."""
        interval = self.watchdog_interval()
        if interval is None:
            return
        log.info("watchdog_enabled", interval_s=interval)
        while True:
            if healthy():
                self.send("WATCHDOG=1")
            await asyncio.sleep(interval)
