"""Admission and the waiting queue of one engine: who waits for a slot, in what order, how
long a new request would wait, and which waiting requests leave before they start.

Interactive work (priority 0) goes before batch work. Within one priority the queue is fair
across callers: a request ranks by how many requests its caller already has running or
waiting, so one caller's flood queues behind everyone else's first request instead of in
front of it; first come first served among equal ranks.

Shares are weighted: ``[auth.identities.NAME] queue_weight`` (default 1) counts an identity's
places divided by its weight, so an identity of weight 2 ranks its third request with the
others' second, and holds twice the places before its surplus is turned away.

A full queue is shared fairly too. A caller may fill every place while nobody else wants one
(the capacity is not left idle for a static per-caller cap), but when another caller's request
finds the queue full, the waiting request of the caller holding the most places (running and
waiting), its last in line, is turned away (RESOURCE_EXHAUSTED, reason ``fair_share``) to make
room — as long as that caller holds at least two places more than the newcomer's. A flood
therefore never makes another caller's request fail: it waits for the next slot that frees,
at most one request's service time once it is first in line.

Reserved capacity (``[capacity.<tier>]``, :class:`ReserveConfig`): requests of the reserved
class (named identities, or a priority and more urgent) rank before all others, so one of them
takes the next slot that frees — the engine admits at every decode step, so within one step
of it freeing — and never waits for a flood that arrived first; ``reserved_queue`` places are
closed to others; with ``borrow = false`` others never hold the reserved slots.

The clock is injected (``time.monotonic`` in the daemon), so queue timeouts and the wait
prediction can be tested without waiting. Not thread-safe on its own: the engine calls it
under its lock.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from appliance.config import ReserveConfig
from appliance.engine.types import Event, SamplingParams
from appliance.errors import Cancelled, Overloaded, QueueTimeout

Clock = Callable[[], float]


@dataclass
class Job:
    """One request on its way through the engine."""

    tokens: list[int]
    params: SamplingParams
    deadline: float | None  # clock() value
    loop: asyncio.AbstractEventLoop | None
    #: 0 = interactive; higher waits behind lower.
    priority: int = 0
    #: Who asked (the identity): the queue is fair across owners within a priority.
    owner: str = ""
    #: Whose cached prefixes it may reuse and add to (the prefix cache's namespace).
    cache_namespace: str = ""
    events: asyncio.Queue[Event | BaseException] = field(default_factory=asyncio.Queue)
    cancel: threading.Event = field(default_factory=threading.Event)
    queued_at: float = field(default_factory=time.monotonic)
    #: clock() by which the job must have a slot, else QueueTimeout (None: no limit).
    queue_deadline: float | None = None
    #: Work that fills idle capacity (a batch line): held between steps while interactive
    #: work is in flight (LlamaEngine.foreground).
    background: bool = False

    def emit(self, item: Event | BaseException) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.events.put_nowait, item)


class Outbox:
    """What the engine thread tells callers during one step, handed over at its end: one
    ``call_soon_threadsafe`` per event loop and step instead of one per token and stream.
    Each such call writes to the loop's wake-up pipe and wakes it; with 8 streams that was 8
    system calls and up to 8 wake-ups a step, each taking CPU from llama.cpp's threads. A
    caller's events keep their order."""

    def __init__(self) -> None:
        self._items: list[tuple[Job, Event | BaseException]] = []

    def put(self, job: Job, item: Event | BaseException) -> None:
        if job.loop is not None:
            self._items.append((job, item))

    def flush(self) -> None:
        """Hand everything put since the last flush to the callers' loops."""
        if not self._items:
            return
        items, self._items = self._items, []
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Job, Event | BaseException]]] = {}
        for job, item in items:
            assert job.loop is not None  # noqa: S101 - put keeps only jobs with a loop
            by_loop.setdefault(job.loop, []).append((job, item))
        for loop, batch in by_loop.items():
            loop.call_soon_threadsafe(_deliver, batch)


def _deliver(batch: list[tuple[Job, Event | BaseException]]) -> None:
    for job, item in batch:
        job.events.put_nowait(item)


class Scheduler:
    """The waiting queue and the admission estimate of an engine with ``slots`` slots."""

    def __init__(self, name: str, slots: int, queue_limit: int, clock: Clock = time.monotonic,  # noqa: PLR0913 - optional parts
                 reserve: ReserveConfig | None = None, *,
                 weight_of: Callable[[str], float] | None = None) -> None:
        self.name = name
        #: An owner's share weight (its policy's queue_weight); 1 for everyone by default.
        self.weight_of = weight_of or (lambda _owner: 1.0)
        self.slots = slots
        self.queue_limit = queue_limit
        self.clock = clock
        self.reserve = reserve
        #: (0 for the reserved class else 1, priority, the owner's places ahead of it over
        #: its weight, arrival, job)
        self._pending: list[tuple[int, int, float, int, Job]] = []
        self._arrivals = itertools.count()
        #: Service time (admission to end) of recent requests: an EWMA and the last 32.
        self.service_ewma_s = 1.0
        self._recent: deque[float] = deque(maxlen=32)

    def __len__(self) -> int:
        return len(self._pending)

    def waiting_foreground(self) -> bool:
        """Whether a request other than background work waits for a slot."""
        return any(not entry[-1].background and not entry[-1].cancel.is_set()
                   for entry in self._pending)

    def reserved(self, owner: str, priority: int) -> bool:
        """Whether a request of ``owner`` at ``priority`` is of the reserved class."""
        return self.reserve is not None and self.reserve.covers(owner, priority)

    def _others_free(self, running: int, running_others: int | None) -> int:
        """Slots a request outside the reserved class may take now."""
        free = max(self.slots - running, 0)
        r = self.reserve
        if r is None or r.borrow:
            return free
        others = running if running_others is None else running_others
        return min(free, max(self.slots - r.reserved_slots - others, 0))

    def full(self, running: int, reserved: bool = False,
             running_others: int | None = None) -> bool:
        """Whether every place is taken for a request (of the reserved class or not), before
        any fair-share room is made (:meth:`turned_away`)."""
        if len(self._pending) >= self.queue_limit + max(self.slots - running, 0):
            return True
        r = self.reserve
        if r is None or reserved:
            return False
        others_waiting = sum(1 for entry in self._pending if entry[0])
        return others_waiting >= max(self.queue_limit - r.reserved_queue, 0) \
            + self._others_free(running, running_others)

    def _places(self, owners_running: Mapping[str, int]) -> Counter[str]:
        """Places each owner holds: its running requests and its waiting ones."""
        places = Counter(owners_running)
        places.update(entry[-1].owner for entry in self._pending)
        return places

    def _share(self, owner: str, places: int) -> float:
        """``places`` held by ``owner``, weighed by its share weight."""
        return places / max(self.weight_of(owner), 1e-9)

    def _victim(self, owner: str, priority: int, reserved: bool,
                places: Counter[str]) -> int | None:
        """Index of the waiting request to turn away so that one of ``owner`` fits (see the
        module docstring): its owner, one place fewer, still holds at least the newcomer's
        weighted share with one more. None when no caller holds more than its share."""
        best: tuple[float, tuple[int, int, float, int]] | None = None
        found = None
        mine = self._share(owner, places[owner] + 1)
        for i, entry in enumerate(self._pending):
            cls, prio, owned, arrival, job = entry
            if job.owner == owner or prio < priority or cls < (0 if reserved else 1) \
                    or self._share(job.owner, places[job.owner] - 1) < mine:
                continue
            rank = (self._share(job.owner, places[job.owner]), (cls, prio, owned, arrival))
            if best is None or rank > best:
                best, found = rank, i
        return found

    def turned_away(self, running: int, owner: str = "", priority: int = 0,
                    running_others: int | None = None,
                    owners_running: Mapping[str, int] | None = None) -> bool:
        """Whether a request of ``owner`` at ``priority`` would be refused now: every place is
        taken and nobody holds more than a fair share of them."""
        reserved = self.reserved(owner, priority)
        return self.full(running, reserved, running_others) and self._victim(
            owner, priority, reserved, self._places(owners_running or {})) is None

    def push(self, job: Job, running: int, running_others: int | None = None,
             owners_running: Mapping[str, int] | None = None) -> None:
        """Queue ``job``, or RESOURCE_EXHAUSTED when the queue is full and no caller holds
        more than its share. ``running_others``: how many running requests are outside the
        reserved class; ``owners_running``: how many each owner has running."""
        reserved = self.reserved(job.owner, job.priority)
        places = self._places(owners_running or {})
        if self.full(running, reserved, running_others):
            victim = self._victim(job.owner, job.priority, reserved, places)
            if victim is None:
                waiting = len(self._pending)
                raise Overloaded(
                    f"model {self.name} is busy: {running} running, {waiting} waiting "
                    f"(queue_limit {self.queue_limit})",
                    retry_after=round(self.service_ewma_s * (waiting + 1) / self.slots, 1),
                    reason="queue_full")
            self._turn_away(victim)
        heapq.heappush(self._pending, (0 if reserved else 1, job.priority,
                                       self._share(job.owner, places[job.owner]),
                                       next(self._arrivals), job))

    def _turn_away(self, index: int) -> None:
        """The waiting request at ``index`` leaves the queue to make room for another
        caller's: its owner holds more than a fair share of the places."""
        job = self._pending.pop(index)[-1]
        heapq.heapify(self._pending)
        job.emit(Overloaded(f"model {self.name} is busy: this identity holds more than its "
                            f"share of the queue while others wait", reason="fair_share",
                            retry_after=round(self.service_ewma_s, 1) or 1.0))

    def expire(self) -> None:
        """Requests abandoned while waiting, or out of queue allowance, leave the queue now,
        not when a slot frees."""
        now = self.clock()
        if not any(job.cancel.is_set() or _timed_out(job, now)
                   for *_key, job in self._pending):
            return
        kept = []
        for entry in self._pending:
            job = entry[-1]
            if job.cancel.is_set():
                job.emit(Cancelled("cancelled while waiting"))
            elif _timed_out(job, now):
                job.cancel.set()
                job.emit(QueueTimeout(f"model {self.name}: no slot within "
                                      f"{now - job.queued_at:.1f} s", retry_after=1.0))
            else:
                kept.append(entry)
        self._pending = kept
        heapq.heapify(self._pending)

    def pop(self, running_others: int | None = None) -> Job | None:
        """The next job to start (cancelled ones are told so and skipped), or None.
        ``running_others``: running requests outside the reserved class (with borrow =
        false, none of them starts while they hold every slot not reserved)."""
        while self._pending:
            r = self.reserve
            if self._pending[0][0] and r is not None and not r.borrow \
                    and running_others is not None \
                    and running_others >= self.slots - r.reserved_slots:
                return None  # only the reserved class could start, and none waits
            job = heapq.heappop(self._pending)[-1]
            if not job.cancel.is_set():
                return job
            job.emit(Cancelled("cancelled while waiting"))
        return None

    def finished(self, elapsed: float) -> None:
        """A request held its slot for ``elapsed`` seconds."""
        self.service_ewma_s = 0.8 * self.service_ewma_s + 0.2 * elapsed
        self._recent.append(elapsed)

    def admission(self, running_since: Sequence[float], owner: str = "", priority: int = 0,
                  running_others: int | None = None,
                  owners_running: Mapping[str, int] | None = None) -> tuple[bool, float]:
        """Whether a request of ``owner`` at ``priority`` would be turned away now, and the
        seconds until it would get a slot.

        Each running sequence is expected to finish one service time after it started (never
        below zero); the waiting requests that rank before this one take the slots in that
        order, and every further round adds a service time. A request therefore waits for the
        slot that frees ``ahead + 1``-th, not for an average share of the slots. The service
        time is the 90th percentile of the last 32 (or the EWMA, if higher):
        fallback.max_local_wait_ms is a bound for the tail, and with the mean a quarter of
        the locally admitted requests waited past it under overload (bench/overload.py).
        """
        now = self.clock()
        free = self.slots - len(running_since)
        reserved = self.reserved(owner, priority)
        places = self._places(owners_running or {})
        rank = (0 if reserved else 1, priority, self._share(owner, places[owner]))
        waiting = sum(1 for entry in self._pending if entry[:3] <= rank)
        full = self.turned_away(len(running_since), owner, priority, running_others,
                                owners_running)
        if not reserved:
            free = self._others_free(len(running_since), running_others)
        ahead = waiting - free  # requests that start before this one, beyond free slots
        if ahead < 0:
            return full, 0.0
        recent = sorted(self._recent)
        service = max(self.service_ewma_s,
                      recent[int(0.9 * (len(recent) - 1))] if recent else 0.0)
        frees = sorted([max(service - (now - started), 0.0) for started in running_since]
                       + [0.0] * max(free, 0))
        rounds, index = divmod(ahead, self.slots)
        return full, frees[index] + rounds * service


def _timed_out(job: Job, now: float) -> bool:
    return job.queue_deadline is not None and now >= job.queue_deadline
