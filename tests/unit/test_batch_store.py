"""The batch store: OpenAI's shapes, exactly-once bookkeeping, sealing at rest, retention."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from appliance.batch.sealing import KEY_FILE, Sealer, Unsealable
from appliance.batch.store import BatchStore, NotFound, parse_lines
from appliance.errors import InvalidArgument

CHAT = "/v1/chat/completions"
PERSONAL = "Jane Roe, jane.roe@example.com"


def _line(custom_id: str, content: str = "hi", url: str = CHAT) -> str:
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": url,
                       "body": {"model": "v3", "messages": [{"role": "user",
                                                             "content": content}]}})


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> BatchStore:
    return BatchStore(tmp_path / "batch", retention_seconds=3600, max_lines=100, clock=clock)


def _batch(store: BatchStore, lines: list[str], owner: str = "alice") -> dict:
    f = store.add_file(owner, "batch", "in.jsonl", ("\n".join(lines) + "\n").encode())
    return store.create_batch(owner, identified=True, role="client", input_file_id=f["id"],
                              endpoint=CHAT, completion_window="24h")


def _answer(store: BatchStore, line, status: int = 200) -> None:
    store.complete(line, {"custom_id": line.custom_id, "response": {"status_code": status}},
                   error=status != 200)


def test_a_batch_of_valid_lines_is_in_progress_with_its_count(store: BatchStore) -> None:
    """A valid input file makes a batch in progress, in OpenAI's object shape."""
    batch = _batch(store, [_line("a"), _line("b")])
    assert "in_progress" == batch["status"]
    assert {"total": 2, "completed": 0, "failed": 0} == batch["request_counts"]
    assert batch["id"].startswith("batch_")
    assert "24h" == batch["completion_window"]


def test_claimed_lines_come_in_file_order_once(store: BatchStore) -> None:
    """Claiming hands each line out once, in file order, with its body."""
    _batch(store, [_line("a"), _line("b"), _line("c")])
    first = store.claim(2)
    assert ["a", "b"] == [line.custom_id for line in first]
    assert ["c"] == [line.custom_id for line in store.claim(5)]
    assert [] == store.claim(5)
    assert "hi" == first[0].body["messages"][0]["content"]


def test_a_line_running_at_a_crash_runs_again_and_is_answered_once(tmp_path: Path,
                                                                   clock: Clock) -> None:
    """A line claimed but not completed when the process died is pending again after a
    reopen; each line appears once in the output file."""
    store = BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=10, clock=clock)
    batch = _batch(store, [_line("a"), _line("b")])
    a, _b = store.claim(2)
    _answer(store, a)
    store.close()  # b was running: its answer never stored
    again = BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=10, clock=clock)
    assert 1 == again.recover()
    (rerun,) = again.claim(5)
    assert "b" == rerun.custom_id
    _answer(again, rerun)
    _answer(again, rerun)  # a second completion of the same claim changes nothing
    assert [batch["id"]] == again.finalize()
    done = again.get_batch("alice", batch["id"])
    assert ("completed", 2) == (done["status"], done["request_counts"]["completed"])
    out = again.file_content("alice", done["output_file_id"]).decode().splitlines()
    assert ["a", "b"] == [json.loads(x)["custom_id"] for x in out]
    assert done["error_file_id"] is None


def test_refused_lines_go_to_the_error_file(store: BatchStore) -> None:
    """A line answered with an error status is counted failed and listed in the error
    file, not the output file."""
    batch = _batch(store, [_line("ok"), _line("bad")])
    ok, bad = store.claim(2)
    _answer(store, ok)
    _answer(store, bad, status=400)
    store.finalize()
    done = store.get_batch("alice", batch["id"])
    assert {"total": 2, "completed": 1, "failed": 1} == done["request_counts"]
    errors = store.file_content("alice", done["error_file_id"]).decode().splitlines()
    assert ["bad"] == [json.loads(x)["custom_id"] for x in errors]
    assert "batch_error" == store.get_file("alice", done["error_file_id"])["purpose"]
    assert len(store.file_content("alice", done["output_file_id"])) == \
        store.get_file("alice", done["output_file_id"])["bytes"]


def test_an_invalid_file_fails_the_batch_naming_lines_not_values(store: BatchStore) -> None:
    """Each problem names its line and rule; no value of the file is repeated."""
    batch = _batch(store, [_line("a"), _line("a"), "not json " + PERSONAL,
                           _line("c", url="/v1/embeddings")])
    assert "failed" == batch["status"]
    problems = batch["errors"]["data"]
    assert [("duplicate_custom_id", 2), ("invalid_json_line", 3),
            ("mismatched_endpoint", 4)] == [(p["code"], p["line"]) for p in problems]
    assert PERSONAL not in json.dumps(batch)
    assert [] == store.claim(5)


def test_another_identity_sees_no_file_or_batch(store: BatchStore) -> None:
    """Files and batches are the owner's: to anyone else they do not exist."""
    batch = _batch(store, [_line("a")])
    with pytest.raises(NotFound):
        store.get_batch("mallory", batch["id"])
    with pytest.raises(NotFound):
        store.file_content("mallory", batch["input_file_id"])
    with pytest.raises(NotFound):
        store.cancel_batch("mallory", batch["id"])
    assert [] == store.list_batches("mallory")[0]


def test_cancel_stops_new_lines_and_keeps_answers_of_running_ones(store: BatchStore) -> None:
    """A cancelled batch starts no further line; a line running at the cancel is kept, and
    the batch is cancelled once it has ended."""
    batch = _batch(store, [_line("a"), _line("b"), _line("c")])
    (a,) = store.claim(1)
    assert "cancelling" == store.cancel_batch("alice", batch["id"])["status"]
    assert [] == store.claim(5)
    _answer(store, a)
    store.finalize()
    done = store.get_batch("alice", batch["id"])
    assert ("cancelled", 1) == (done["status"], done["request_counts"]["completed"])


def test_a_batch_past_its_window_expires_lines_not_run(store: BatchStore, clock: Clock) -> None:
    """Lines not started within 24 h get a batch_expired error line."""
    batch = _batch(store, [_line("a"), _line("b")])
    (a,) = store.claim(1)
    _answer(store, a)
    clock.now += 24 * 3600
    store.finalize()
    done = store.get_batch("alice", batch["id"])
    assert "expired" == done["status"]
    (error,) = store.file_content("alice", done["error_file_id"]).decode().splitlines()
    assert "batch_expired" == json.loads(error)["error"]["code"]


def test_retention_deletes_files_and_ended_batches(store: BatchStore, clock: Clock) -> None:
    """After the retention period the input file, the batch, its lines and output go."""
    batch = _batch(store, [_line("a")])
    (a,) = store.claim(1)
    _answer(store, a)
    store.finalize()
    assert 0 == store.sweep()
    clock.now += 3600
    assert store.sweep() > 0
    with pytest.raises(NotFound):
        store.get_batch("alice", batch["id"])
    with pytest.raises(NotFound):
        store.get_file("alice", batch["input_file_id"])


def test_nothing_is_stored_in_clear(tmp_path: Path, clock: Clock) -> None:
    """The database, its WAL and the key file: no prompt or answer text on disk, and the
    key file is the owner's alone."""
    store = BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=10, clock=clock)
    _batch(store, [_line("a", PERSONAL)])
    (a,) = store.claim(1)
    store.complete(a, {"custom_id": "a", "response": {"body": "answer for " + PERSONAL}},
                   error=False)
    store.finalize()
    for path in (tmp_path / "b").iterdir():
        assert b"jane.roe" not in path.read_bytes(), path.name
    assert 0o600 == stat.S_IMODE((tmp_path / "b" / KEY_FILE).stat().st_mode)
    store.close()


def test_a_sealed_value_does_not_open_in_another_row() -> None:
    """Sealed data is bound to its row: moved to another, it does not open."""
    sealer = Sealer(b"k" * 32)
    sealed = sealer.seal(b"answer", "result:batch_1:0")
    assert b"answer" == sealer.open(sealed, "result:batch_1:0")
    with pytest.raises(Unsealable):
        sealer.open(sealed, "result:batch_1:1")


def test_only_batch_files_and_known_endpoints_are_accepted(store: BatchStore) -> None:
    """purpose must be batch; endpoint one of OpenAI's three; the window 24h."""
    with pytest.raises(InvalidArgument):
        store.add_file("alice", "fine-tune", "x.jsonl", b"{}")
    f = store.add_file("alice", "batch", "x.jsonl", _line("a").encode())
    with pytest.raises(InvalidArgument):
        store.create_batch("alice", identified=True, role="client", input_file_id=f["id"],
                           endpoint="/v1/responses", completion_window="24h")
    with pytest.raises(InvalidArgument):
        store.create_batch("alice", identified=True, role="client", input_file_id=f["id"],
                           endpoint=CHAT, completion_window="1h")


def test_listing_pages_newest_first(store: BatchStore) -> None:
    """list_batches: newest first, ``after`` continues past a batch, has_more says more."""
    ids = [_batch(store, [_line("a")])["id"] for _ in range(3)]
    page, more = store.list_batches("alice", limit=2)
    assert ([ids[2], ids[1]], True) == ([b["id"] for b in page], more)
    page, more = store.list_batches("alice", after=ids[1], limit=2)
    assert ([ids[0]], False) == ([b["id"] for b in page], more)


def test_too_many_lines_fail_the_batch() -> None:
    """More lines than max_lines is a failed batch, not a truncated one."""
    lines, errors = parse_lines(("\n".join(_line(str(i)) for i in range(3))).encode(), CHAT, 2)
    assert ([], "too_many_lines") == (lines, errors[0]["code"])


def test_lines_marked_running_without_a_task_wait_again(store: BatchStore) -> None:
    """requeue_stale puts back running lines the worker has no task for, and only those."""
    batch = _batch(store, [_line("a"), _line("b")])
    a, b = store.claim(2)
    assert 1 == store.requeue_stale({(a.batch_id, a.idx)})
    assert [b.custom_id] == [line.custom_id for line in store.claim(5)]
    assert batch["id"] == a.batch_id
