"""The engine's waiting queue and admission estimate, on an injected clock (no model)."""

from __future__ import annotations

import asyncio

import pytest

from appliance.engine.budget import ReasoningBudget
from appliance.engine.scheduler import Job, Scheduler
from appliance.engine.types import SamplingParams
from appliance.errors import Overloaded


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def job(clock: FakeClock, priority: int = 0, wait: float | None = None,
        loop: asyncio.AbstractEventLoop | None = None) -> Job:
    j = Job(tokens=[1], params=SamplingParams(max_tokens=4), deadline=None, loop=loop,
            priority=priority, queued_at=clock())
    if wait is not None:
        j.queue_deadline = j.queued_at + wait
    return j


def emitted(j: Job) -> list[object]:
    assert j.loop is not None
    j.loop.run_until_complete(asyncio.sleep(0))  # runs the emit callbacks
    out = []
    while not j.events.empty():
        out.append(j.events.get_nowait())
    return out


def test_interactive_before_batch_and_first_come_first_served() -> None:
    clock = FakeClock()
    q = Scheduler("t", slots=1, queue_limit=8, clock=clock)
    jobs = [job(clock, 5), job(clock, 0), job(clock, 5), job(clock, 0)]
    for j in jobs:
        q.push(j, running=1)
    assert [jobs[1], jobs[3], jobs[0], jobs[2]] == [q.pop() for _ in range(4)]
    assert q.pop() is None


def test_a_full_queue_refuses_with_a_retry_after() -> None:
    clock = FakeClock()
    q = Scheduler("t", slots=2, queue_limit=1, clock=clock)
    q.push(job(clock), running=2)
    with pytest.raises(Overloaded) as err:
        q.push(job(clock), running=2)
    assert err.value.retry_after > 0
    q.push(job(clock), running=1)  # a free slot takes one more


def test_a_request_out_of_queue_allowance_leaves_with_queue_timeout() -> None:
    clock = FakeClock()
    q = Scheduler("t", slots=1, queue_limit=8, clock=clock)
    loop = asyncio.new_event_loop()
    patient, hurried = job(clock), job(clock, wait=2.0, loop=loop)
    q.push(patient, running=1)
    q.push(hurried, running=1)
    clock.now += 1.9
    q.expire()
    assert 2 == len(q)
    clock.now += 0.2
    q.expire()
    assert 1 == len(q)
    try:
        assert ["QueueTimeout"] == [type(e).__name__ for e in emitted(hurried)]
    finally:
        loop.close()
    assert q.pop() is patient


def test_the_wait_estimate_follows_the_running_sequences_and_the_queue() -> None:
    clock = FakeClock()
    q = Scheduler("t", slots=2, queue_limit=8, clock=clock)
    for _ in range(5):
        q.finished(4.0)  # service time settles near 4 s
    service = max(q.service_ewma_s, 4.0)
    assert (False, 0.0) == q.admission([clock.now])  # a slot is free
    started = [clock.now - 3.0, clock.now - 1.0]  # both slots busy: 1 s and 3 s left
    full, wait = q.admission(started)
    assert not full
    assert service - 3.0 == pytest.approx(wait)
    q.push(job(clock), running=2)  # one ahead: it takes the first slot, this one the second
    assert service - 1.0 == pytest.approx(q.admission(started)[1])


@pytest.mark.parametrize(("style", "text", "spent_at"), [
    ("think_tags", ["<thi", "nk>", "a", "b", "c"], 3),  # the tag split over two tokens
    ("think_tags_open", ["a", "b", "c"], 1),
])
def test_the_reasoning_budget_runs_out_inside_the_reasoning(style: str, text: list[str],
                                                             spent_at: int) -> None:
    budget = ReasoningBudget.of(SamplingParams(max_tokens=9, reasoning=style,
                                               reasoning_budget=2))
    results = [budget.spend(t) for t in text]
    assert spent_at == results.index(True)
    assert 1 == results.count(True)
    assert not budget.active


def test_an_answer_without_reasoning_spends_nothing() -> None:
    budget = ReasoningBudget.of(SamplingParams(max_tokens=9, reasoning="think_tags",
                                               reasoning_budget=1))
    assert not budget.spend("Paris")
    assert not budget.active
    assert not ReasoningBudget.of(SamplingParams(max_tokens=9)).active


def test_a_flooding_owner_queues_behind_everyone_elses_first_request() -> None:
    """Within one priority, a request ranks by how many requests its owner already has
    running or waiting: the quiet caller's one request goes before the flood's backlog."""
    clock = FakeClock()
    q = Scheduler("t", slots=2, queue_limit=16, clock=clock)

    def owned(owner: str) -> Job:
        j = job(clock)
        j.owner = owner
        return j

    flood = [owned("flood") for _ in range(5)]
    for j in flood:
        q.push(j, running=2, owner_running=2)  # the flood holds both slots already
    quiet = owned("quiet")
    q.push(quiet, running=2, owner_running=0)
    assert quiet is q.pop()
    assert flood == [q.pop() for _ in range(5)]
