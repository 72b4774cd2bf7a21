"""sd_notify messages, with the notify function injected (no systemd here to receive them)."""

from __future__ import annotations

import asyncio
import os

from appliance.observability.systemd import SystemdNotifier


def test_no_notify_socket_means_no_messages() -> None:
    """Outside systemd every call is a no-op."""
    n = SystemdNotifier(env={})
    if not os.environ.get("NOTIFY_SOCKET"):
        assert not n.active
    n.ready()
    n.stopping()
    assert n.watchdog_interval() is None or n.active


def test_messages_in_lifecycle_order() -> None:
    sent: list[str] = []
    n = SystemdNotifier(notify=sent.append, env={})
    n.status("loading models")
    n.ready("serving on 127.0.0.1:1")
    n.stopping()
    assert ["STATUS=loading models", "READY=1\nSTATUS=serving on 127.0.0.1:1",
            "STOPPING=1\nSTATUS=draining"] == sent


def test_watchdog_pings_at_half_the_interval() -> None:
    """WATCHDOG_USEC=200000 gives pings every 0.1 s while healthy, none when not."""
    sent: list[str] = []
    n = SystemdNotifier(notify=sent.append,
                        env={"WATCHDOG_USEC": "200000", "WATCHDOG_PID": str(os.getpid())})
    assert 0.1 == n.watchdog_interval()

    async def run(healthy: bool) -> None:
        task = asyncio.create_task(n.watchdog_loop(lambda: healthy))
        await asyncio.sleep(0.25)
        task.cancel()

    asyncio.run(run(True))
    assert sent.count("WATCHDOG=1") >= 2
    sent.clear()
    asyncio.run(run(False))
    assert [] == sent


def test_watchdog_for_another_pid_is_ignored() -> None:
    n = SystemdNotifier(notify=lambda _m: None,
                        env={"WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"})
    assert n.watchdog_interval() is None
