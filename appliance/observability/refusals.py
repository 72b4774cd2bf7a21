"""Which calls refused at the door are audited one by one, and the summary of the rest.

Each refused inference call (bad or missing token, a role that may not call) is audited as a
begin/end pair of about 840 bytes, and a caller without credentials can be refused as fast as
it can ask (about 117 calls/s from one client): unbounded, that fills the audit disk. So, per
window of ``window_s`` seconds (a window opens with the first refusal after the last one
closed), the first ``per_peer`` refusals from each source host and the first ``overall`` of
all are audited one by one as before; the rest are only counted, per (host, status, reason),
and one summary record per (host, status, reason) is written when the window closes: how
many, from where, why, and the window's start and end. The hosts counted apart are bounded
too (``max_peers``): beyond them refusals are counted under host ``*``.

A source host is the peer without its port (``ipv4:10.0.0.7``), so reconnecting does not
reset the count. Nothing here sees a token: only the peer, the status and the reason.
Windows run on ``clock`` (monotonic); record times come from ``wall``. Both are parameters so
tests can fix them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Defaults: at most 100 refusals a minute audited one by one (10 from any one host).
WINDOW_S = 60.0
PER_PEER = 10
OVERALL = 100
MAX_PEERS = 1000
#: The host every refusal beyond MAX_PEERS distinct hosts in a window is counted under.
OTHER_PEERS = "*"


def source_host(peer: str) -> str:
    """``peer`` without its port: ``ipv4:10.0.0.7:51234`` -> ``ipv4:10.0.0.7``,
    ``ipv6:[::1]:5000`` -> ``ipv6:[::1]`` (brackets URI-encoded or not); a peer without a port
    (a client named by a trusted proxy) or of another kind (a unix socket) as it is."""
    kind, sep, rest = peer.partition(":")
    if kind == "ipv4" and sep:
        return f"ipv4:{rest.split(':', 1)[0]}"
    if kind == "ipv6" and sep:
        for close in ("]", "%5D", "%5d"):
            end = rest.find(close)
            if end > 0:
                return f"ipv6:{rest[:end + len(close)]}"
    return peer


def _iso(wall: float) -> str:
    return dt.datetime.fromtimestamp(wall, dt.UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class RefusalSummary:
    """Refusals of one window from one host for one status and reason, not audited singly."""

    peer: str
    status: str
    reason: str
    count: int
    #: How many of them per method (the audited methods: a bounded set).
    methods: dict[str, int]
    window_start: float
    window_end: float

    def record(self) -> dict[str, Any]:
        """The audit record (type ``refusals``): counts and where from, never a credential."""
        return {"type": "refusals", "time": _iso(self.window_end), "peer": self.peer,
                "status": self.status, "error_reason": self.reason, "outcome": "rejected",
                "count": self.count, "methods": dict(sorted(self.methods.items())),
                "window_start": _iso(self.window_start), "window_end": _iso(self.window_end)}


@dataclass
class _Window:
    started: float
    wall_started: float
    audited: Counter[str] = field(default_factory=Counter)
    audited_all: int = 0
    #: (host, status, reason) -> method -> count, of refusals not audited singly.
    counted: dict[tuple[str, str, str], Counter[str]] = field(default_factory=dict)


class RefusalSampler:
    """Decides, per refused call, whether it is audited on its own (:meth:`admit`), and hands
    out the summaries of closed windows (:meth:`take`). One event loop uses it: no lock."""

    def __init__(self, *, window_s: float = WINDOW_S, per_peer: int = PER_PEER,  # noqa: PLR0913 - limits and clocks, all keyword
                 overall: int = OVERALL, max_peers: int = MAX_PEERS,
                 clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        self.window_s = window_s
        self.per_peer = per_peer
        self.overall = overall
        self.max_peers = max_peers
        self._clock = clock
        self._wall = wall
        self._window: _Window | None = None
        self._closed: list[RefusalSummary] = []

    def admit(self, peer: str, status: str, reason: str, method: str) -> bool:
        """A call from ``peer`` was refused: True when it is to be audited on its own, False
        when it was counted for its window's summary instead."""
        now = self._clock()
        self._roll(now)
        if self._window is None:
            self._window = _Window(now, self._wall())
        w = self._window
        host = source_host(peer)
        if w.audited[host] < self.per_peer and w.audited_all < self.overall:
            w.audited[host] += 1
            w.audited_all += 1
            return True
        hosts = {key[0] for key in w.counted}
        if host not in hosts and len(hosts - {OTHER_PEERS}) >= self.max_peers:
            host = OTHER_PEERS
        w.counted.setdefault((host, status, reason), Counter())[method] += 1
        return False

    def take(self, *, final: bool = False) -> list[RefusalSummary]:
        """The summaries of every window that has closed by now (``final``: the open one
        too, closed now: at shutdown), each handed out once."""
        now = self._clock()
        self._roll(now)
        if final and self._window is not None:
            self._close(self._window, now)
            self._window = None
        out, self._closed = self._closed, []
        return out

    def _roll(self, now: float) -> None:
        w = self._window
        if w is not None and now - w.started >= self.window_s:
            self._close(w, w.started + self.window_s)
            self._window = None

    def _close(self, w: _Window, end: float) -> None:
        wall_end = w.wall_started + (end - w.started)
        for (host, status, reason), methods in w.counted.items():
            self._closed.append(RefusalSummary(host, status, reason, methods.total(),
                                               dict(methods), w.wall_started, wall_end))
