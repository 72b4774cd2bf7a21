"""The batch worker: lines start only while nothing interactive goes on, at most
``concurrency`` at a time; a line that cannot run now waits; a stop leaves cut-off lines to
run again. The line runner here is a fake (the real one is the pipeline: see
tests/integration/test_batches.py)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from appliance.batch.store import BatchStore, Line
from appliance.batch.worker import MAX_PREEMPTIONS, BatchWorker, NotNow
from appliance.config import Policy
from appliance.request import RequestInfo

CHAT = "/v1/chat/completions"


def _store(tmp_path: Path, n: int) -> tuple[BatchStore, str]:
    store = BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=100)
    data = "".join(json.dumps({"custom_id": f"c{i}", "method": "POST", "url": CHAT,
                               "body": {"messages": []}}) + "\n" for i in range(n))
    f = store.add_file("alice", "batch", "x.jsonl", data.encode())
    batch = store.create_batch("alice", identified=False, role="any", input_file_id=f["id"],
                               endpoint=CHAT, completion_window="24h")
    return store, batch["id"]


class FakeRunner:
    """Answers each line at once, or after ``gate`` opens; records the most at once."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.gate.set()
        self.active = 0
        self.most = 0
        self.seen: list[RequestInfo] = []
        self.refuse = 0

    async def __call__(self, line: Line, info: RequestInfo) -> tuple[int, dict]:
        if self.refuse:
            self.refuse -= 1
            raise NotNow(0.0)
        self.seen.append(info)
        self.active += 1
        self.most = max(self.most, self.active)
        try:
            await self.gate.wait()
        finally:
            self.active -= 1
        return 200, {"echo": line.custom_id}


def _worker(store: BatchStore, runner: FakeRunner, busy: list[bool],
            concurrency: int = 2) -> BatchWorker:
    return BatchWorker(store, runner, busy=lambda: busy[0], policy_of=lambda _n: Policy(),
                       concurrency=concurrency, idle_seconds=0.0)


async def _until(predicate, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.01)


def test_no_line_starts_while_interactive_work_goes_on(tmp_path: Path) -> None:
    """While busy() says so nothing is claimed; once idle, every line is answered, at most
    ``concurrency`` at a time, each as its own audited request of the submitter."""
    store, batch_id = _store(tmp_path, 6)
    runner, busy = FakeRunner(), [True]

    async def go() -> None:
        worker = _worker(store, runner, busy)
        task = asyncio.create_task(worker.run())
        await asyncio.sleep(0.3)
        assert [] == runner.seen
        runner.gate.clear()
        busy[0] = False
        await _until(lambda: runner.active == 2)
        await asyncio.sleep(0.3)  # a third would have started by now
        assert 2 == runner.active
        runner.gate.set()
        await _until(lambda: store.get_batch(None, batch_id)["status"] == "completed")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(go())
    assert 2 == runner.most
    assert 6 == len({info.request_id for info in runner.seen})
    assert {("alice", f"batch:{CHAT}", f"batch:{batch_id}")} == {
        (i.client, i.method, i.peer) for i in runner.seen}


def test_a_line_that_cannot_run_now_runs_later(tmp_path: Path) -> None:
    """NotNow (a rate limit, a drain) puts the line back; it is answered once later."""
    store, batch_id = _store(tmp_path, 1)
    runner, busy = FakeRunner(), [False]
    runner.refuse = 2

    async def go() -> None:
        task = asyncio.create_task(_worker(store, runner, busy).run())
        await _until(lambda: store.get_batch(None, batch_id)["status"] == "completed")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(go())
    done = store.get_batch(None, batch_id)
    assert (1, 0) == (done["request_counts"]["completed"], done["request_counts"]["failed"])
    assert 1 == len(store.file_content("alice", done["output_file_id"]).splitlines())


def test_a_stop_cuts_lines_off_and_they_run_at_the_next_start(tmp_path: Path) -> None:
    """stop() cancels running lines without storing an answer; the next worker on the same
    store recovers and answers them, each once."""
    store, batch_id = _store(tmp_path, 3)
    runner, busy = FakeRunner(), [False]
    runner.gate.clear()

    async def first() -> None:
        worker = _worker(store, runner, busy)
        task = asyncio.create_task(worker.run())
        await _until(lambda: runner.active == 2)
        await worker.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(first())
    assert 0 == store.get_batch(None, batch_id)["request_counts"]["completed"]
    again = FakeRunner()

    async def second() -> None:
        task = asyncio.create_task(_worker(store, again, busy).run())
        await _until(lambda: store.get_batch(None, batch_id)["status"] == "completed")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(second())
    out = store.file_content("alice", store.get_batch(None, batch_id)["output_file_id"])
    assert ["c0", "c1", "c2"] == sorted(json.loads(x)["custom_id"] for x in out.splitlines())


def test_interactive_work_preempts_running_lines_which_run_again(tmp_path: Path) -> None:
    """Lines running when interactive work arrives are cancelled and put back, none
    answered meanwhile; once idle again each is answered exactly once."""
    store, batch_id = _store(tmp_path, 2)
    runner, busy = FakeRunner(), [False]
    runner.gate.clear()

    async def go() -> None:
        task = asyncio.create_task(_worker(store, runner, busy).run())
        await _until(lambda: runner.active == 2)
        busy[0] = True
        await _until(lambda: runner.active == 0)
        assert 0 == store.get_batch(None, batch_id)["request_counts"]["completed"]
        runner.gate.set()
        busy[0] = False
        await _until(lambda: store.get_batch(None, batch_id)["status"] == "completed")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(go())
    assert 4 == len(runner.seen)  # two cut off, two answered
    out = store.file_content("alice", store.get_batch(None, batch_id)["output_file_id"])
    assert ["c0", "c1"] == sorted(json.loads(x)["custom_id"] for x in out.splitlines())


def test_a_line_cut_off_three_times_runs_to_its_end(tmp_path: Path) -> None:
    """Preemption is bounded: after MAX_PREEMPTIONS cut-offs a line runs on beside
    interactive work, so a steady interactive load cannot starve a batch."""
    store, batch_id = _store(tmp_path, 1)
    runner, busy = FakeRunner(), [False]
    runner.gate.clear()

    async def go() -> None:
        task = asyncio.create_task(_worker(store, runner, busy, concurrency=1).run())
        for _ in range(MAX_PREEMPTIONS):
            await _until(lambda: runner.active == 1)
            busy[0] = True
            await _until(lambda: runner.active == 0)
            busy[0] = False
        await _until(lambda: runner.active == 1)
        busy[0] = True
        await asyncio.sleep(0.3)  # it would have been cut off by now
        assert 1 == runner.active
        runner.gate.set()
        await _until(lambda: store.get_batch(None, batch_id)["status"] == "completed")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(go())
    assert MAX_PREEMPTIONS + 1 == len(runner.seen)
