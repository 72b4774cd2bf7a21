"""The batch worker: lines start only while nothing interactive goes on, at most
``concurrency`` at a time; a line that cannot run now waits; a stop leaves cut-off lines to
run again. The line runner here is a fake (the real one is the pipeline: see
tests/integration/test_batches.py)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from appliance.access import Authenticator, TokenStore
from appliance.batch import worker as worker_module
from appliance.batch.owners import current_role
from appliance.batch.store import BatchStore, Line
from appliance.batch.worker import (
    MAX_ATTEMPTS,
    MAX_BACKOFF_S,
    MAX_PREEMPTIONS,
    BatchWorker,
    NotNow,
    Transient,
)
from appliance.config import AuthConfig, ModelConfig, Policy
from appliance.engine.llama_engine import LlamaEngine
from appliance.engine.types import EngineState
from appliance.errors import (
    EngineFailure,
    InvalidArgument,
    Overloaded,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)
from appliance.httpapi.batches import LineRunner
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
        info.in_engine = True  # as a line on an engine's slot
        try:
            await self.gate.wait()
        finally:
            self.active -= 1
            info.in_engine = False
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


def test_with_engines_that_hold_lines_only_a_wait_for_a_slot_cuts_them_off(
        tmp_path: Path) -> None:
    """Given ``starved`` (the engines hold batch lines while interactive work is in flight),
    interactive work alone leaves the running lines be: they are cut off only once an
    interactive request waits for a slot; every line is its request's background work."""
    store, batch_id = _store(tmp_path, 2)
    runner, busy, starved = FakeRunner(), [False], [False]
    runner.gate.clear()

    async def go() -> None:
        worker = BatchWorker(store, runner, busy=lambda: busy[0],
                             policy_of=lambda _n: Policy(), concurrency=2, idle_seconds=0.0,
                             starved=lambda: starved[0])
        task = asyncio.create_task(worker.run())
        await _until(lambda: runner.active == 2)
        busy[0] = True
        await asyncio.sleep(0.3)  # they would have been cut off by now
        assert 2 == runner.active
        starved[0] = True
        await _until(lambda: runner.active == 0)
        busy[0] = starved[0] = False
        runner.gate.set()
        await _until(lambda: store.get_batch(None, batch_id)["status"] == "completed")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(go())
    assert 4 == len(runner.seen)  # two cut off once they starved a request, two answered
    assert all(info.background for info in runner.seen)


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


def _add(store: BatchStore, owner: str, n: int, *, identified: bool = False) -> str:
    """A batch of ``n`` chat lines (custom ids OWNER-0...) submitted by ``owner``."""
    data = "".join(json.dumps({"custom_id": f"{owner}-{i}", "method": "POST", "url": CHAT,
                               "body": {"messages": []}}) + "\n" for i in range(n))
    f = store.add_file(owner, "batch", "x.jsonl", data.encode())
    return store.create_batch(owner, identified=identified, role="client" if identified
                              else "any", input_file_id=f["id"], endpoint=CHAT,
                              completion_window="24h")["id"]


def _lines_of(store: BatchStore, owner: str, file_id: str | None) -> list[dict]:
    if file_id is None:
        return []
    return [json.loads(x) for x in store.file_content(owner, file_id).splitlines()]


async def _stop(task: asyncio.Task) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def test_a_limit_of_one_identity_does_not_hold_up_the_others(tmp_path: Path) -> None:
    """A rate or concurrency limit of the submitter (NotNow with owner) makes only that
    identity's lines wait: another identity's later batch runs to its end meanwhile."""
    store = BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=100)
    limited = _add(store, "alice", 2)
    other = _add(store, "bob", 2)
    seen: list[str] = []

    async def runner(line: Line, info: RequestInfo) -> tuple[int, dict]:
        seen.append(line.custom_id)
        if line.owner == "alice":
            raise NotNow(MAX_BACKOFF_S, owner=True)  # her limit: back in 30 s
        return 200, {}

    async def go() -> None:
        task = asyncio.create_task(BatchWorker(
            store, runner, busy=lambda: False, policy_of=lambda _n: Policy(), concurrency=1,
            idle_seconds=0.0).run())
        await _until(lambda: store.get_batch(None, other)["status"] == "completed",
                     timeout=MAX_BACKOFF_S / 2)
        await _stop(task)

    asyncio.run(go())
    waiting = store.get_batch(None, limited)
    assert ("in_progress", 0) == (waiting["status"], waiting["request_counts"]["completed"])
    assert ["alice-0", "bob-0", "bob-1"] == seen  # alice's once, then not until her time
    assert {"preempted": 0, "deferred": 1, "transient": 0} == store.retried


def test_an_appliance_wide_not_now_holds_every_line(tmp_path: Path) -> None:
    """NotNow without owner (draining, out of capacity) holds every identity's lines."""
    store = BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=100)
    _add(store, "alice", 1)
    _add(store, "bob", 1)
    seen: list[str] = []

    async def runner(line: Line, info: RequestInfo) -> tuple[int, dict]:
        seen.append(line.custom_id)
        raise NotNow(MAX_BACKOFF_S)

    async def go() -> None:
        task = asyncio.create_task(BatchWorker(
            store, runner, busy=lambda: False, policy_of=lambda _n: Policy(), concurrency=1,
            idle_seconds=0.0).run())
        await _until(lambda: store.retried["deferred"] == 1)
        await asyncio.sleep(0.5)  # bob's line would have started by now
        await _stop(task)

    asyncio.run(go())
    assert ["alice-0"] == seen


def test_a_transient_failure_runs_again_a_bounded_number_of_times(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Transient: the line runs again after a back-off; a line that fails every time ends
    after MAX_ATTEMPTS runs in the error file (its last response, code retries_exhausted);
    one that fails once is answered on its second run."""
    monkeypatch.setattr(worker_module, "RETRY_BASE_S", 0.01)
    store = BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=100)
    batch_id = _add(store, "alice", 2)
    runs: dict[str, int] = {}
    unavailable = (503, {"error": {"message": "central cluster unavailable",
                                   "type": "server_error", "param": None,
                                   "code": "unavailable"}})

    async def runner(line: Line, info: RequestInfo) -> tuple[int, dict]:
        runs[line.custom_id] = runs.get(line.custom_id, 0) + 1
        if line.custom_id == "alice-0" or runs[line.custom_id] == 1:
            raise Transient(unavailable)
        return 200, {"ok": True}

    async def go() -> None:
        task = asyncio.create_task(BatchWorker(
            store, runner, busy=lambda: False, policy_of=lambda _n: Policy(), concurrency=2,
            idle_seconds=0.0).run())
        await _until(lambda: store.get_batch(None, batch_id)["status"] == "completed")
        await _stop(task)

    asyncio.run(go())
    assert {"alice-0": MAX_ATTEMPTS, "alice-1": 2} == runs
    done = store.get_batch(None, batch_id)
    assert {"total": 2, "completed": 1, "failed": 1} == done["request_counts"]
    (error,) = _lines_of(store, "alice", done["error_file_id"])
    assert ("alice-0", 503, "retries_exhausted") == (
        error["custom_id"], error["response"]["status_code"], error["error"]["code"])
    assert MAX_ATTEMPTS == store.retried["transient"]  # 2 for alice-0, 1 for alice-1


def test_a_permanent_failure_is_the_lines_result_at_once(tmp_path: Path) -> None:
    """An error answer (invalid request, a model that is not there) is not run again."""
    store = BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=100)
    batch_id = _add(store, "alice", 1)
    runs: list[str] = []

    async def runner(line: Line, info: RequestInfo) -> tuple[int, dict]:
        runs.append(line.custom_id)
        return 404, {"error": {"code": "model_not_found"}}

    async def go() -> None:
        task = asyncio.create_task(BatchWorker(
            store, runner, busy=lambda: False, policy_of=lambda _n: Policy(), concurrency=1,
            idle_seconds=0.0).run())
        await _until(lambda: store.get_batch(None, batch_id)["status"] == "completed")
        await _stop(task)

    asyncio.run(go())
    assert ["alice-0"] == runs
    (error,) = _lines_of(store, "alice", store.get_batch(None, batch_id)["error_file_id"])
    assert (404, None) == (error["response"]["status_code"], error["error"])


def test_a_revoked_owner_fails_its_batch_and_the_refusal_is_audited(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each line is admitted as its owner is now: once the owner may no longer submit, the
    refusal is audited (as a refused call: rejected, UNAUTHENTICATED, the line's method and
    peer), the lines not run fail with owner_revoked, and the batch ends failed. A refusal
    that cannot be audited now (the appliance not serving) waits instead."""
    monkeypatch.setattr(worker_module, "OWNER_UNKNOWN_RETRY_S", 0.01)
    store = BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=100)
    batch_id = _add(store, "alice", 3, identified=True)
    revoked = [False]
    serving = [False]
    audited: list[RequestInfo] = []
    runner = FakeRunner()

    def owner_role(line: Line) -> str:
        if revoked[0]:
            raise Unauthenticated("batch owner: no live token", identity=line.owner)
        return "client-now"

    async def audit_refusal(info: RequestInfo) -> bool:
        if not serving[0]:
            serving[0] = True  # the next try finds it serving
            return False
        audited.append(info)
        return True

    async def go() -> None:
        runner.gate.clear()
        worker = BatchWorker(store, runner, busy=lambda: False, policy_of=lambda _n: Policy(),
                             concurrency=1, idle_seconds=0.0, owner_role=owner_role,
                             audit_refusal=audit_refusal)
        task = asyncio.create_task(worker.run())
        await _until(lambda: runner.active == 1)
        revoked[0] = True
        runner.gate.set()
        await _until(lambda: store.get_batch(None, batch_id)["status"] == "failed")
        await _stop(task)

    asyncio.run(go())
    assert ["client-now"] == [info.role for info in runner.seen]  # one line ran, as now
    done = store.get_batch(None, batch_id)
    assert {"total": 3, "completed": 1, "failed": 2} == done["request_counts"]
    assert ["owner_revoked"] == [e["code"] for e in done["errors"]["data"]]
    errors = _lines_of(store, "alice", done["error_file_id"])
    assert [("alice-1", "owner_revoked"), ("alice-2", "owner_revoked")] == [
        (e["custom_id"], e["error"]["code"]) for e in errors]
    (refused,) = audited
    assert ("alice", f"batch:{CHAT}", f"batch:{batch_id}", "UNAUTHENTICATED", "rejected",
            "unauthenticated") == (refused.client, refused.method, refused.peer,
                                   refused.status, str(refused.outcome),
                                   refused.error_reason)
    assert 1 == store.retried["deferred"]  # the try while it could not be audited


# -- the line runner's classes --------------------------------------------------------------


class _Pipeline:
    def __init__(self, error: BaseException) -> None:
        self.error = error

    async def run(self, params: object, info: RequestInfo, deadline: object):
        raise self.error
        yield  # an async generator, as the pipeline's


class _Gate:
    def __init__(self, error: BaseException) -> None:
        self.error = error

    def pipeline(self, info: RequestInfo) -> _Pipeline:
        return _Pipeline(self.error)


def _engine_error(state: EngineState) -> Unavailable:
    """What a real engine in ``state`` raises when a request wants it."""
    engine = LlamaEngine(ModelConfig(tier="v3"), Path("model.gguf"), ["v3"])
    engine.state = state
    with pytest.raises(Unavailable) as err:
        engine.check_ready()
    return err.value


def _classify(error: BaseException) -> object:
    """What LineRunner makes of a pipeline that fails with ``error``: the answer, or the
    NotNow / Transient it raises."""
    line = Line("batch_1", 0, "alice", True, "client", CHAT, "c",
                {"model": "v3", "messages": [{"role": "user", "content": "hi"}]})
    try:
        info = RequestInfo(request_id="r", method=f"batch:{CHAT}", client="alice")
        return asyncio.run(LineRunner(_Gate(error), {})(line, info))  # type: ignore[arg-type]
    except (NotNow, Transient) as exc:
        return exc


def test_the_line_runner_tells_permanent_from_transient_failures() -> None:
    """Refused the same way again (invalid, a model failed or not there, a spent budget):
    the answer now. The appliance not taking work (a model loading, draining): NotNow for
    every line. A limit of the identity: NotNow for its lines. A failure that may pass (the
    central cluster, an engine failing mid-answer): Transient, with the error response."""
    def answer(error: BaseException) -> int:
        got = _classify(error)
        assert isinstance(got, tuple), (error, got)
        return got[0]

    def not_now(error: BaseException) -> bool:
        got = _classify(error)
        assert isinstance(got, NotNow), (error, got)
        return got.owner

    assert 503 == answer(_engine_error(EngineState.FAILED))
    assert 503 == answer(Unavailable("the embedding tier is not loaded",
                                     state="no_embed_model"))
    assert 400 == answer(InvalidArgument("temperature: too hot", field="temperature"))
    assert 429 == answer(Overloaded("day budget spent", retry_after=3600, reason="quota"))
    assert not not_now(_engine_error(EngineState.LOADING))
    assert not not_now(Unavailable("appliance is draining", state="draining"))
    assert not not_now(Overloaded("busy", retry_after=1, reason="capacity"))
    assert not_now(Overloaded("slow down", retry_after=1, reason="rate_limit"))
    assert not_now(Overloaded("one at a time", retry_after=1, reason="concurrency_limit"))
    for error in (Unavailable("central cluster request failed"),
                  EngineFailure("llama.cpp failed")):
        got = _classify(error)
        assert isinstance(got, Transient), (error, got)
        assert got.answer[0] in (500, 503)


# -- who the owner is now -------------------------------------------------------------------


def _owner_line(owner: str, *, identified: bool = True) -> Line:
    return Line("batch_1", 0, owner, identified, "client", CHAT, "c", {})


def test_the_owner_is_looked_up_as_it_is_now(tmp_path: Path) -> None:
    """current_role: a live token of the owner's name gives its role; revoked (none live),
    the owner is refused; a token of a role that may not generate is refused as such; a new
    token of the same name makes the identity live again."""
    tokens = tmp_path / "tokens.json"
    store = TokenStore(tokens)
    store.create("alice", "client")
    auth = Authenticator(AuthConfig(required=True), tokens, mtls=False)
    assert "client" == current_role(auth, _owner_line("alice"))
    store.revoke("alice")
    with pytest.raises(Unauthenticated):
        current_role(auth, _owner_line("alice"))
    store.create("alice", "auditor")
    with pytest.raises(PermissionDenied):
        current_role(auth, _owner_line("alice"))
    store.revoke("alice")
    store.create("alice", "client")
    assert "client" == current_role(auth, _owner_line("alice"))
    with pytest.raises(Unauthenticated):
        current_role(auth, _owner_line("nobody"))
    tokens.write_text("not json")
    with pytest.raises(Unavailable):  # cannot be told now: the line waits
        current_role(auth, _owner_line("alice"))


def test_certificate_and_anonymous_owners(tmp_path: Path) -> None:
    """A certificate identity is live while [auth.certificate_roles] names it (with mutual
    TLS on); an anonymous batch runs only while authentication is not required."""
    tokens = tmp_path / "tokens.json"
    roles = {"svc": "client"}
    mtls = Authenticator(AuthConfig(required=True, certificate_roles=roles), tokens, mtls=True)
    assert "client" == current_role(mtls, _owner_line("svc"))
    without = Authenticator(AuthConfig(required=True, certificate_roles=roles), tokens,
                            mtls=False)
    with pytest.raises(Unauthenticated):
        current_role(without, _owner_line("svc"))
    anonymous = _owner_line("anonymous", identified=False)
    assert "any" == current_role(Authenticator(AuthConfig(), tokens, mtls=False), anonymous)
    with pytest.raises(Unauthenticated):
        current_role(mtls, anonymous)
