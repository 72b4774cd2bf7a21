"""The batch store: OpenAI's shapes, exactly-once bookkeeping, sealing at rest, retention."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from appliance.batch.sealing import KEY_FILE, Sealer, Unsealable
from appliance.batch.store import BatchStore, NotFound, parse_lines
from appliance.errors import ConfigError, InvalidArgument
from appliance.observability.metrics import Metrics

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


# -- the key file --------------------------------------------------------------------------


def test_a_crash_while_the_key_is_first_made_leaves_no_key_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key is written whole before it appears under its name: a write that fails (a
    crash) leaves no key file, so the next start makes one instead of failing on an empty
    file; that one is 32 bytes, 0600."""
    real_write = os.write

    def broken(fd: int, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", broken)
    with pytest.raises(OSError, match="No space"):
        BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=10)
    monkeypatch.setattr(os, "write", real_write)
    assert not (tmp_path / "b" / KEY_FILE).exists()
    store = BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=10)
    assert 32 == len((tmp_path / "b" / KEY_FILE).read_bytes())
    assert 0o600 == stat.S_IMODE((tmp_path / "b" / KEY_FILE).stat().st_mode)
    assert [p.name for p in (tmp_path / "b").iterdir() if p.name.endswith(".tmp")] == []
    store.close()


@pytest.mark.parametrize("content", [b"", b"short"])
def test_an_empty_or_short_key_is_refused_never_replaced(tmp_path: Path,
                                                         content: bytes) -> None:
    """A key file that is there but not a key: the start fails naming the file and the
    setting, and the file is left as it was (a new key would lose every batch)."""
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / KEY_FILE).write_bytes(content)
    with pytest.raises(ConfigError) as err:
        BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=10)
    assert "batch.key_file" == err.value.key
    assert str(tmp_path / "b" / KEY_FILE) in err.value.message
    assert f"holds {len(content)} bytes" in err.value.message
    assert content == (tmp_path / "b" / KEY_FILE).read_bytes()


def test_a_missing_key_beside_sealed_batches_is_refused(tmp_path: Path) -> None:
    """The key gone but the database holding sealed batches: no new key is made (it would
    not open them); the start fails saying what to do."""
    store = BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=10)
    batch = _batch(store, [_line("a")])
    store.close()
    key = (tmp_path / "b" / KEY_FILE).read_bytes()
    (tmp_path / "b" / KEY_FILE).unlink()
    with pytest.raises(ConfigError, match="missing") as err:
        BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=10)
    assert "batch.key_file" == err.value.key
    assert not (tmp_path / "b" / KEY_FILE).exists()
    (tmp_path / "b" / KEY_FILE).write_bytes(key)  # restored from a backup: all is there
    again = BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=10)
    assert "in_progress" == again.get_batch("alice", batch["id"])["status"]
    again.close()


def test_the_key_may_live_elsewhere(tmp_path: Path) -> None:
    """key_path ([batch] key_file) puts the key outside the batch directory: none is
    made beside the database."""
    key = tmp_path / "secrets" / "batch.key"
    store = BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=10, key_path=key)
    _batch(store, [_line("a")])
    store.close()
    assert 32 == len(key.read_bytes())
    assert not (tmp_path / "b" / KEY_FILE).exists()
    again = BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=10, key_path=key)
    assert 1 == len(again.list_batches("alice")[0])
    again.close()


# -- file names ----------------------------------------------------------------------------

NAME = "complaints_john_smith.jsonl"


def test_a_file_name_is_sealed_and_shown_to_its_owner(tmp_path: Path, clock: Clock) -> None:
    """A file's name may be personal data: it is sealed like the content (nowhere on disk in
    clear) and given back whole to the owner."""
    store = BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=10, clock=clock)
    f = store.add_file("alice", "batch", NAME, _line("a").encode())
    assert NAME == f["filename"]
    assert [NAME] == [x["filename"] for x in store.list_files("alice")]
    assert NAME == store.get_file("alice", f["id"])["filename"]
    for path in (tmp_path / "b").iterdir():
        assert b"john_smith" not in path.read_bytes(), path.name
    store.close()


def test_names_kept_in_clear_by_an_older_release_are_sealed_at_open(tmp_path: Path,
                                                                    clock: Clock) -> None:
    """A database from before names were sealed: at the next open each name is sealed and
    the clear one overwritten."""
    store = BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=10, clock=clock)
    f = store.add_file("alice", "batch", "x.jsonl", _line("a").encode())
    with store._tx() as db:  # as the first release wrote it
        db.execute("UPDATE files SET filename = ?, name = NULL WHERE id = ?", (NAME, f["id"]))
    store.close()
    again = BatchStore(tmp_path / "b", retention_seconds=3600, max_lines=10, clock=clock)
    assert NAME == again.get_file("alice", f["id"])["filename"]
    again.close()
    db = sqlite3.connect(tmp_path / "b" / "batch.db")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert [("",)] == db.execute("SELECT filename FROM files").fetchall()
    db.close()
    for path in (tmp_path / "b").iterdir():
        assert b"john_smith" not in path.read_bytes(), path.name


# -- what the worker uses ------------------------------------------------------------------


def test_a_line_put_back_with_a_delay_waits_it_out(store: BatchStore, clock: Clock) -> None:
    """release(delay=...) keeps the line from being claimed until then; failed=True counts
    an attempt, which the next claim carries."""
    _batch(store, [_line("a"), _line("b")])
    a, _b = store.claim(2)
    store.release(a, delay=10, failed=True, reason="transient")
    assert [] == store.claim(5)
    clock.now += 10
    (again,) = store.claim(5)
    assert ("a", 1) == (again.custom_id, again.attempts)
    assert {"preempted": 0, "deferred": 0, "transient": 1} == store.retried


def test_a_claim_passes_over_the_owners_it_is_told_to(store: BatchStore) -> None:
    """skip_owners: the lines of identities waiting out their limits are not claimed; the
    others' are."""
    _batch(store, [_line("a1"), _line("a2")], owner="alice")
    _batch(store, [_line("b1")], owner="bob")
    assert ["b1"] == [line.custom_id for line in store.claim(5, skip_owners={"alice"})]
    assert ["a1", "a2"] == [line.custom_id for line in store.claim(5)]


def test_a_refused_owner_fails_its_batch_with_every_line_not_run(store: BatchStore) -> None:
    """refuse_batch: the refused line and the batch's lines not yet run get owner_revoked
    error lines; answered lines stay in the output file; the batch ends failed, saying why."""
    batch = _batch(store, [_line("a"), _line("b"), _line("c")])
    a, b = store.claim(2)
    _answer(store, a)
    store.refuse_batch(b, "owner_revoked", "may no longer submit")
    assert [] == store.claim(5)
    assert [batch["id"]] == store.finalize()
    done = store.get_batch("alice", batch["id"])
    assert ("failed", {"total": 3, "completed": 1, "failed": 2}) == (
        done["status"], done["request_counts"])
    assert done["failed_at"] is not None
    assert ["owner_revoked"] == [e["code"] for e in done["errors"]["data"]]
    errors = [json.loads(x) for x in
              store.file_content("alice", done["error_file_id"]).decode().splitlines()]
    assert [("b", "owner_revoked", None), ("c", "owner_revoked", None)] == [
        (e["custom_id"], e["error"]["code"], e["response"]) for e in errors]
    assert 1 == len(store.file_content("alice", done["output_file_id"]).splitlines())


def test_prometheus_batch_metrics(store: BatchStore) -> None:
    """The scrape shows batches by status, lines waiting, lines ended by result and lines
    run again by reason (no identity in any label)."""
    metrics = Metrics()
    metrics.sources.batch_store = lambda: store
    batch = _batch(store, [_line("a"), _line("b"), _line("c")])
    _batch(store, [_line("x")], owner="bob")
    a, b = store.claim(2)
    _answer(store, a)
    _answer(store, b, status=400)
    (c,) = store.claim(1)
    store.release(c, reason="preempted")
    text = generate_latest(metrics.registry).decode()
    assert 'appliance_batches{status="in_progress"} 2.0' in text
    assert 'appliance_batches{status="completed"} 0.0' in text
    assert "appliance_batch_lines_pending 2.0" in text
    assert 'appliance_batch_lines_total{result="completed"} 1.0' in text
    assert 'appliance_batch_lines_total{result="failed"} 1.0' in text
    assert 'appliance_batch_line_retries_total{reason="preempted"} 1.0' in text
    assert 'appliance_batch_line_retries_total{reason="transient"} 0.0' in text
    assert "alice" not in text and "bob" not in text
    store.cancel_batch("alice", batch["id"])
    assert 'appliance_batches{status="cancelled"} 1.0' in \
        generate_latest(metrics.registry).decode()
