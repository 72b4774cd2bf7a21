"""The external anchor file against an attacker who can edit it: every line that is not blank
must be an anchor, or verify says ``ANCHOR_MALFORMED`` (with the line number, never the text)
and the log is not valid.

Real logs from the real writer; the anchors are the lines it appended to its sink.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from appliance.audit import format as fmt
from appliance.audit.export import Filters
from appliance.audit.follow import follow
from appliance.audit.report import integrity
from appliance.audit.verify import MAX_LISTED_PROBLEMS
from appliance.cli import main
from tests.audit_helpers import Log, new_log

#: Text an attacker put in a line; no report may repeat it.
MARK = "ATTACKER-TEXT-7f3a"


@pytest.fixture
def log3(tmp_path: Path) -> Log:
    """Three closed segments of 10 records each (checkpoints every 4 frames)."""
    log = new_log(tmp_path / "log")
    for s in range(3):
        log.write_session(10, tag=f"s{s}-")
    return log


def _lines(log: Log) -> list[str]:
    return log.anchors.read_text().splitlines()


def _edit(doc: dict[str, Any], **changes: Any) -> str:
    return json.dumps({**doc, **changes})


def _other_id(ident: str) -> str:
    return ("0" if ident[0] != "0" else "1") + ident[1:]


GARBLE: dict[str, Callable[[dict[str, Any]], str]] = {
    "not JSON": lambda d: MARK + " {" + json.dumps(d)[:40],
    "not an object": lambda d: json.dumps([MARK, d["segment"]]),
    "no appliance_id": lambda d: json.dumps({k: v for k, v in d.items() if k != "appliance_id"}),
    "appliance_id not a string": lambda d: _edit(d, appliance_id=7),
    "segment a string": lambda d: _edit(d, segment=str(d["segment"])),
    "seq a boolean": lambda d: _edit(d, seq=True),
    "seq zero": lambda d: _edit(d, seq=0),
    "checkpoint missing": lambda d: json.dumps({k: v for k, v in d.items()
                                                if k != "checkpoint"}),
    "checkpoint not base64": lambda d: _edit(d, checkpoint=MARK + "!!"),
    "checkpoint not a checkpoint": lambda d: _edit(d, checkpoint=fmt.b64(MARK.encode() * 4)),
    "segment edited": lambda d: _edit(d, segment=d["segment"] + 1),
    "appliance_id edited": lambda d: _edit(d, appliance_id=_other_id(d["appliance_id"])),
}


@pytest.mark.parametrize("kind", list(GARBLE))
def test_a_malformed_anchor_line_fails_verification(log3: Log, kind: str) -> None:
    """Each kind of malformed line is reported with its line number and fails the log."""
    lines = _lines(log3)
    lines[4] = GARBLE[kind](json.loads(lines[4]))
    log3.anchors.write_text("\n".join(lines) + "\n")
    report = log3.verify(anchors=True)
    assert not report.ok
    assert [("ANCHOR_MALFORMED", 5)] == [(p.kind, p.line) for p in report.problems]
    assert all(s.status == "VALID" for s in report.segments)
    assert "NOT VALID" in report.summary
    assert "ANCHOR_MALFORMED" in report.summary
    assert MARK not in json.dumps(report.as_dict())


def test_deleting_the_newest_segment_and_garbling_its_anchors_is_detected(
        log3: Log, capsys: pytest.CaptureFixture[str]) -> None:
    """The reported attack: segment 3 deleted, every anchor line of it garbled so that it no
    longer parses. Verify (and the CLI's exit status) says the log is not valid."""
    log3.segment(3).unlink()
    lines = _lines(log3)
    third = [i for i, line in enumerate(lines) if json.loads(line)["segment"] == 3]
    assert third
    for i in third:
        lines[i] = lines[i][: len(lines[i]) // 2] + MARK
    log3.anchors.write_text("\n".join(lines) + "\n")
    report = log3.verify(anchors=True)
    assert not report.ok
    assert [i + 1 for i in third] == [p.line for p in report.problems]
    assert len(lines) - len(third) == report.anchors_checked
    assert 1 == main(["audit", "verify", "--dir", str(log3.dir), "--anchors",
                      str(log3.anchors)])
    out = capsys.readouterr().out
    assert "NOT VALID" in out
    assert "ANCHOR_MALFORMED" in out
    assert MARK not in out


def test_the_report_page_lists_a_malformed_anchor_as_a_breach(log3: Log) -> None:
    """``audit report``'s verdict shows the finding, as bad, with its line number."""
    lines = _lines(log3)
    lines[0] = MARK
    log3.anchors.write_text("\n".join(lines) + "\n")
    verdict = integrity(log3.verify(anchors=True), log3.anchors)
    assert "bad" == verdict["level"]
    bad = [f["text"] for f in verdict["findings"] if f["level"] == "bad"]
    assert any("ANCHOR_MALFORMED" in t and "line 1" in t for t in bad)
    assert MARK not in json.dumps(verdict)


def test_syslog_lines_blank_lines_and_power_loss_zeros_still_verify(log3: Log) -> None:
    """Lines as a syslog server stores them (a prefix before ``AUDIT_CHECKPOINT``), blank
    lines, and a run of NUL bytes a power loss leaves are not findings."""
    lines = _lines(log3)
    stored = [f"Nov 20 08:00:0{i % 10} host llm-appliance-audit[42]: AUDIT_CHECKPOINT {line}"
              for i, line in enumerate(lines)]
    stored.insert(3, "")
    stored.insert(6, "   ")
    stored.insert(9, "\0" * 16)
    log3.anchors.write_text("\n".join(stored) + "\n")
    report = log3.verify(anchors=True)
    assert report.ok, report.as_dict()
    assert len(lines) == report.anchors_checked


def test_anchors_of_another_appliance_in_a_shared_file_are_left_out(log3: Log,
                                                                   tmp_path: Path) -> None:
    """A well-formed anchor of another appliance is neither checked nor a finding."""
    other = new_log(tmp_path / "other", officer=log3.officer)
    other.write_session(3)
    mine = _lines(log3)
    log3.anchors.write_text("\n".join(mine + _lines(other)) + "\n")
    report = log3.verify(anchors=True)
    assert report.ok, report.as_dict()
    assert len(mine) == report.anchors_checked


def test_many_malformed_lines_are_listed_up_to_a_bound_and_counted(log3: Log) -> None:
    """A file of garbage does not make a report of unbounded size; the count stays exact."""
    garbage = [f"{MARK} {i}" for i in range(MAX_LISTED_PROBLEMS + 50)]
    log3.anchors.write_text("\n".join(_lines(log3) + garbage) + "\n")
    report = log3.verify(anchors=True)
    assert MAX_LISTED_PROBLEMS + 1 == len(report.problems)
    assert MAX_LISTED_PROBLEMS + 50 == sum(p.count for p in report.problems)
    assert f"{MAX_LISTED_PROBLEMS + 50} ANCHOR_MALFORMED" in report.summary


def test_export_follow_reports_a_malformed_anchor_line_once(log3: Log, tmp_path: Path) -> None:
    """``audit export --follow`` says so on its report channel, by line number, once."""
    lines = _lines(log3)
    lines[2] = MARK
    log3.anchors.write_text("\n".join(lines) + "\n")
    said: list[str] = []
    for _ in range(2):  # a restarted exporter (the cursor remembers what it reported)
        follow(log3.dir, log3.officer, tmp_path / "out.jsonl", "jsonl", Filters(),
               tmp_path / "cursor.json", anchors=log3.anchors, stop=lambda: True,
               report=said.append)
    assert ["ANCHOR_MALFORMED: anchor file line 3: not JSON"] == said
