"""POST /v1/feedback below the HTTP listener: the body's rules, the pipeline auditing a score
as a request of its own, and the officer's report averaging the scores. The pipeline runs on
test_pipeline's fakes (each named as one there); the report reads a log the real writer made.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest

from appliance.audit import format as fmt
from appliance.audit.export import Filters
from appliance.audit.report import build
from appliance.audit.stage import end_record
from appliance.config import Policy
from appliance.errors import InvalidArgument
from appliance.httpapi import feedback
from appliance.request import Outcome, RequestInfo
from tests.audit_helpers import new_log
from tests.unit.test_pipeline import rig

RID = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("body", [
    {"request_id": RID, "score": 1.5}, {"request_id": RID, "score": -2},
    {"request_id": RID}, {"request_id": RID, "score": True}, {"request_id": RID, "score": "1"},
    {"request_id": "not-an-id", "score": 1}, {"score": 1},
    {"request_id": RID, "score": 1, "comment": "Ada was rude"}, ["a list"],
])
def test_a_bad_body_is_invalid_argument(body: Any) -> None:
    with pytest.raises(InvalidArgument):
        feedback.parse(body)


def test_a_score_is_read_as_a_number() -> None:
    assert (RID, -1.0) == feedback.parse({"request_id": RID, "score": -1})
    assert (RID, 0.5) == feedback.parse({"request_id": RID, "score": 0.5})


def test_a_score_is_audited_as_a_request_of_its_own() -> None:
    """Begin and end records of the feedback call, the end naming the scored request."""
    r = rig()
    info = RequestInfo(request_id="f-1", method="http:/v1/feedback", client="alice",
                       policy=Policy())
    asyncio.run(r.pipeline.feedback(info, RID, 0.5))
    assert [("begin", "f-1", ""), ("end", "f-1", "ok")] == r.audit.records
    assert ({"request_id": RID, "score": 0.5}, Outcome.OK) == (info.feedback, info.outcome)
    assert {"request_id": RID, "score": 0.5} == end_record(info, "masked")["feedback"]


def test_the_report_shows_the_mean_score(tmp_path: Path) -> None:
    log = new_log(tmp_path / "log")
    writer = log.writer()
    for i, score in enumerate((1.0, -1.0, 0.5, 0.5)):
        info = RequestInfo(request_id=f"{i:032x}", method="http:/v1/feedback", client="alice")
        info.feedback = {"request_id": RID, "score": score}
        writer.append(fmt.canonical(end_record(info, "masked"))).result(10)
    writer.close()
    out = tmp_path / "report.html"
    build(log.dir, log.officer, out, Filters())
    page = out.read_text()
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>',
                      page, re.DOTALL)
    assert found is not None
    assert {"count": 4, "mean_score": 0.25} == json.loads(found.group(1))["feedback"]
    assert "+0.25" in page
