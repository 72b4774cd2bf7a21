"""The engine's waiting queue and admission estimate, on an injected clock (no model)."""

from __future__ import annotations

import asyncio

import pytest

from appliance.engine.budget import ReasoningBudget
from appliance.engine.scheduler import Job, Outbox, Scheduler
from appliance.engine.types import Finished, SamplingParams, TextPiece
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
        q.push(j, running=2, owners_running={"flood": 2})  # the flood holds both slots
    quiet = owned("quiet")
    q.push(quiet, running=2, owners_running={"flood": 2})
    assert quiet is q.pop()
    assert flood == [q.pop() for _ in range(5)]


def owned_job(clock: FakeClock, owner: str, priority: int = 0,
              loop: asyncio.AbstractEventLoop | None = None) -> Job:
    j = job(clock, priority, loop=loop)
    j.owner = owner
    return j


def test_a_full_queue_turns_away_the_floods_last_request_for_another_callers() -> None:
    """When one caller holds every slot and queue place, another caller's request is still
    queued, first in line: the flood's last waiting request is refused (fair_share) instead."""
    clock = FakeClock()
    loop = asyncio.new_event_loop()
    try:
        q = Scheduler("t", slots=4, queue_limit=16, clock=clock)
        running = {"flood": 4}
        flood = [owned_job(clock, "flood", loop=loop) for _ in range(16)]
        for j in flood:
            q.push(j, running=4, owners_running=running)
        assert q.turned_away(4, "flood", owners_running=running)
        with pytest.raises(Overloaded):  # the flood itself gets no more places
            q.push(owned_job(clock, "flood"), running=4, owners_running=running)
        assert not q.turned_away(4, "probe", owners_running=running)
        probe = owned_job(clock, "probe", loop=loop)
        q.push(probe, running=4, owners_running=running)
        assert 16 == len(q)
        events = emitted(flood[-1])
        assert [Overloaded] == [type(e) for e in events]
        assert isinstance(events[0], Overloaded)
        assert "fair_share" == events[0].reason
        assert probe is q.pop()
    finally:
        loop.close()


def test_no_caller_is_turned_away_for_a_caller_with_as_many_places() -> None:
    """Shares even out: a caller holding one place more than the newcomer keeps it, so two
    busy callers do not take places from each other back and forth."""
    clock = FakeClock()
    q = Scheduler("t", slots=1, queue_limit=3, clock=clock)
    running = {"a": 1}
    for owner in ("a", "b", "b"):
        q.push(owned_job(clock, owner), running=1, owners_running=running)
    # a holds 2 places (1 running, 1 waiting), b holds 2: a third of b's is refused
    with pytest.raises(Overloaded):
        q.push(owned_job(clock, "b"), running=1, owners_running=running)
    # c holds none: b or a holds 2 >= 0 + 2, so c gets a place
    q.push(owned_job(clock, "c"), running=1, owners_running=running)
    assert 3 == len(q)


def test_a_less_urgent_newcomer_never_turns_away_a_more_urgent_request() -> None:
    """Fair share works within a priority and downwards: batch work does not take an
    interactive request's place, however many places the interactive caller holds."""
    clock = FakeClock()
    q = Scheduler("t", slots=1, queue_limit=4, clock=clock)
    running = {"flood": 1}
    for _ in range(4):
        q.push(owned_job(clock, "flood", priority=0), running=1, owners_running=running)
    with pytest.raises(Overloaded):
        q.push(owned_job(clock, "batch", priority=5), running=1, owners_running=running)
    q.push(owned_job(clock, "urgent", priority=0), running=1, owners_running=running)


def test_the_wait_estimate_counts_only_the_requests_that_rank_ahead() -> None:
    """A newcomer from a quiet caller waits for the next slot, not behind the flood's
    backlog: the admission estimate is one service time, not the backlog's."""
    clock = FakeClock()
    q = Scheduler("t", slots=1, queue_limit=8, clock=clock)
    q.finished(10.0)
    started = [clock.now]
    for _ in range(8):
        q.push(owned_job(clock, "flood"), running=1, owners_running={"flood": 1})
    full, wait = q.admission(started, "probe", owners_running={"flood": 1})
    # the running request started now and takes one service time (the one recorded, 10 s)
    assert (False, pytest.approx(10.0)) == (full, wait)
    full, wait = q.admission(started, "flood", owners_running={"flood": 1})
    assert full


def test_shares_are_weighted_by_the_identitys_queue_weight() -> None:
    """An identity of weight 2 keeps twice the places of one of weight 1 when a full queue
    turns surplus away, and its requests rank by places over weight."""
    clock = FakeClock()
    weights = {"gold": 2.0}
    q = Scheduler("t", slots=1, queue_limit=7, clock=clock,
                  weight_of=lambda owner: weights.get(owner, 1.0))
    running = {"gold": 1}
    for _ in range(7):
        q.push(owned_job(clock, "gold"), running=1, owners_running=running)
    # 8 places: gold (1 running, 7 waiting) gives them up until it holds 4, a and b 2 each
    for owner in ("a", "a", "b", "b"):
        q.push(owned_job(clock, owner), running=1, owners_running=running)
    assert 7 == len(q)
    with pytest.raises(Overloaded):  # a third for a: gold's 4 over weight 2 is not more
        q.push(owned_job(clock, "a"), running=1, owners_running=running)
    order = [q.pop() for _ in range(7)]
    # ranks: places held before over weight: a 0 and 1, b 0 and 1, gold 0.5, 1 and 1.5
    assert ["a", "b", "gold", "gold", "a", "b", "gold"] == [j.owner for j in order if j]


def test_outbox_hands_over_a_steps_events_in_one_call_per_loop_in_order() -> None:
    """The events of one engine step reach each caller in the order they were put, in one
    call_soon_threadsafe for the loop, only at flush; a job without a loop (the warm-up)
    is skipped."""
    loop = asyncio.new_event_loop()
    calls: list[object] = []
    handoff = loop.call_soon_threadsafe

    def counted(*args: object) -> object:
        calls.append(args)
        return handoff(*args)  # type: ignore[arg-type]

    loop.call_soon_threadsafe = counted  # type: ignore[method-assign]
    try:
        clock = FakeClock()
        a, b, warm = job(clock, loop=loop), job(clock, loop=loop), job(clock)
        box = Outbox()
        box.put(a, TextPiece("one"))
        box.put(b, TextPiece("x"))
        box.put(warm, TextPiece("ignored"))
        box.put(a, TextPiece("two"))
        box.put(a, Finished("stop", prompt_tokens=1, completion_tokens=2))
        assert [] == emitted(a)  # nothing before the flush
        box.flush()
        assert 1 == len(calls)
        assert [TextPiece("one"), TextPiece("two"),
                Finished("stop", prompt_tokens=1, completion_tokens=2)] == emitted(a)
        assert [TextPiece("x")] == emitted(b)
        box.flush()  # nothing left: no call
        assert 1 == len(calls)
    finally:
        loop.close()
