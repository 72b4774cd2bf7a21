"""Feedback over gRPC (Inference.Feedback, the SDK and ``appliance feedback``) and the two
routing rules it and the clock drive, through real daemons on loopback (real model, real
encrypted audit log):

- on the session daemon, a gRPC score of a real answer is audited like POST /v1/feedback's,
  and a bad one is INVALID_ARGUMENT naming the field;
- on a daemon of its own (the rules change where ``auto`` requests go, which other tests
  read): an all-day ``[[routing.auto_split]]`` window with r1_weight 1 answers ``auto``
  requests on r1 with ``route_reason = auto_split:r1@00:00-00:00``, audited; and an identity
  with ``escalate_after_low_scores = 2`` is answered by r1 after two low scores
  (``low_scores:2``) until a good score puts it back.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from appliance.audit.keys import load_officer_private
from appliance.audit.verify import verify_dir
from appliance.client import NO_RETRY, Client, Credentials, RpcError
from tests.daemon import Daemon, create_token, write_config

GEN: dict[str, Any] = {"max_tokens": 2, "temperature": 0.0, "allow_escalation": False}


def _records(d: Daemon) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    key = load_officer_private(d.workdir / "officer" / "officer.key")
    verify_dir(d.workdir / "state" / "audit", key, None, records.append)
    return records


def test_a_grpc_score_is_audited_like_the_http_one(client: Client, daemon: Daemon) -> None:
    scored = client.generate("The sky is", model="v3", **GEN).request_id
    got = client.feedback(scored, -0.5)
    assert (scored, -0.5) == (got.request_id, got.score)
    ends = [r for r in _records(daemon) if r.get("type") == "end"
            and r.get("method") == "Feedback"]
    assert [({"request_id": scored, "score": -0.5}, "OK")] == [
        (r["feedback"], r["status"]) for r in ends if r["feedback"]["request_id"] == scored]
    with pytest.raises(RpcError) as bad:
        client.feedback(scored, 3.0)
    assert grpc.StatusCode.INVALID_ARGUMENT == bad.value.code and "score" in bad.value.message
    with pytest.raises(RpcError) as bad:
        client.feedback("not-an-id", 1.0)
    assert grpc.StatusCode.INVALID_ARGUMENT == bad.value.code
    assert "request_id" in bad.value.message


@pytest.fixture(scope="module")
def routed(tmp_path_factory: pytest.TempPathFactory,
           model_path: Path) -> Iterator[tuple[Daemon, str]]:
    """A daemon whose ``auto`` requests without a task_type rule go to r1 all day, and whose
    identity ``scorer`` escalates to r1 after two low scores; the scorer's token."""
    work = tmp_path_factory.mktemp("routed")
    cfg = write_config(
        work / "appliance.toml", model_path, models="slots = 2",
        routing='auto_split = [{from = "00:00", to = "00:00", r1_weight = 1.0}]',
        auth="required = false\n\n[auth.identities.scorer]\nescalate_after_low_scores = 2\n"
             "low_score_below = 0.0")
    token = create_token(cfg, "scorer", "client")
    d = Daemon(work, cfg)
    try:
        d.wait_for("ready")
        yield d, token
    finally:
        assert 0 == d.stop(), d.log_path.read_text()[-3000:]


def test_an_auto_split_window_routes_and_is_audited(routed: tuple[Daemon, str]) -> None:
    d, _token = routed
    with Client(d.address or "", timeout=120, retry=NO_RETRY) as c:
        r = c.generate("The sky is", model="auto", **GEN)
        assert ("r1", "auto_split:r1@00:00-00:00") == (r.model, r.route_reason)
        # a task_type rule still wins over the window
        chat = c.generate("The sky is", model="auto", task_type="chat", **GEN)
        assert ("v3", "task_type:chat") == (chat.model, chat.route_reason)
    end = next(x for x in _records(d) if x.get("type") == "end"
               and x.get("request_id") == r.request_id)
    assert ("r1", "auto_split:r1@00:00-00:00") == (end["tier"], end["route_reason"])


def test_low_scores_send_an_identity_to_r1_until_a_good_score(
        routed: tuple[Daemon, str]) -> None:
    d, token = routed
    with Client(d.address or "", timeout=120, retry=NO_RETRY,
                credentials=Credentials(token=token)) as c:
        def ask() -> tuple[str, str]:
            r = c.generate("The sky is", model="auto", task_type="chat", **GEN)
            return r.model, r.route_reason

        first = c.generate("The sky is", model="auto", task_type="chat", **GEN)
        assert ("v3", "task_type:chat") == (first.model, first.route_reason)
        c.feedback(first.request_id, -1.0)
        assert ("v3", "task_type:chat") == ask()  # one low score is not a run
        c.feedback(first.request_id, -0.5)
        assert ("r1", "low_scores:2") == ask()
        assert ("r1", "low_scores:2") == ask()  # its next requests, not only one
        # the CLI's score, with the identity's token: not low, so the run is over
        done = subprocess.run(
            [sys.executable, "-m", "appliance", "feedback", "--target", d.address or "",
             "--token-file", str(d.workdir / "scorer.token"), first.request_id, "0.5"],
            capture_output=True, text=True, timeout=120, check=False)
        assert 0 == done.returncode, done.stderr
        assert f"recorded score 0.5 for request {first.request_id}" in done.stdout
        assert ("v3", "task_type:chat") == ask()
    # an anonymous caller's auto requests were never escalated by the scorer's run
    with Client(d.address or "", timeout=120, retry=NO_RETRY) as anon:
        r = anon.generate("The sky is", model="auto", task_type="chat", **GEN)
        assert ("v3", "task_type:chat") == (r.model, r.route_reason)
