"""Every OCSF event the export writes validates against the OCSF schema of the version it
declares, for every way a request can end and for the summary of refusals at the door
(``refusals`` records). The schema is OCSF 1.8.0's API Activity class as
the ``ocsf-json-schema`` package generates it from the OCSF schema it bundles (offline), checked
with ``jsonschema``. The records are built by the audit stage's own record functions."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import jsonschema
import pytest

from appliance.audit import ocsf
from appliance.audit.stage import begin_record, end_record, refusals_record
from appliance.observability.refusals import RefusalSummary
from appliance.request import Outcome, RequestInfo


@cache
def _validator() -> jsonschema.protocols.Validator:
    from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(version=ocsf.VERSION))
    name = schema.lookup_class_name_from_uid(class_uid=ocsf.CLASS_UID)
    doc = schema.get_class_schema(class_name=name, profiles=[])
    jsonschema.Draft202012Validator.check_schema(doc)
    return jsonschema.Draft202012Validator(doc)


def _info(**kw: Any) -> RequestInfo:
    base: dict[str, Any] = {"request_id": "0" * 32, "method": "Generate", "client": "app",
                            "peer": "ipv4:10.0.0.7:51234", "role": "client", "tier": "v3",
                            "route": "local", "route_reason": "default",
                            "model_sha256": "a" * 64, "prompt_tokens": 12,
                            "completion_tokens": 8, "pii_counts": {"EMAIL_ADDRESS": 1},
                            "masked_prompt": ("Mail <EMAIL_ADDRESS_1>",),
                            "masked_answer": "Done."}
    base.update(kw)
    return RequestInfo(**base)


def _pair(**kw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    info = _info(**kw)
    return begin_record(info, "masked"), end_record(info, "masked")


CASES: dict[str, Callable[[], tuple[dict[str, Any] | None, dict[str, Any] | None]]] = {
    "ok": _pair,
    "error": lambda: _pair(outcome=Outcome.ERROR, status="INVALID_ARGUMENT"),
    "internal": lambda: _pair(outcome=Outcome.ERROR, status="INTERNAL"),
    "rejected": lambda: _pair(outcome=Outcome.REJECTED, status="RESOURCE_EXHAUSTED"),
    "cancelled": lambda: _pair(outcome=Outcome.CANCELLED, status="CANCELLED"),
    "deadline": lambda: _pair(outcome=Outcome.ERROR, status="DEADLINE_EXCEEDED"),
    "refused_before_pipeline": lambda: _pair(
        outcome=Outcome.REJECTED, status="UNAUTHENTICATED", client="ipv4:10.0.0.7:51234",
        role="", tier=None, route=None, route_reason=None, model_sha256=None,
        prompt_tokens=0, completion_tokens=0, pii_counts={}, masked_answer=None),
    "fallback": lambda: _pair(route="central", route_reason="fallback:queue_full"),
    "escalated": lambda: _pair(tier="r1", route_reason="escalated:low_confidence",
                               escalated_from={"tier": "v3", "reason": "low_confidence",
                                               "mean_logprob": -2.5}),
    "http": lambda: _pair(method="http:/v1/chat/completions", end_user="<EMAIL_ADDRESS_1>"),
    "unix_peer": lambda: _pair(peer="unix:/run/llm-appliance/grpc.sock"),
    "ipv6_peer": lambda: _pair(peer="ipv6:[::1]:40000"),
    "began_never_ended": lambda: (_pair()[0], None),
    "end_only": lambda: (None, _pair()[1]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_outcome_validates_against_ocsf(case: str) -> None:
    begin, end = CASES[case]()
    event = ocsf.event(begin, end)
    errors = sorted(_validator().iter_errors(event), key=lambda e: list(e.absolute_path))
    assert [] == [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    assert ocsf.VERSION == event["metadata"]["version"]


def test_attributes_go_where_ocsf_puts_them() -> None:
    begin, end = _pair(outcome=Outcome.REJECTED, status="PERMISSION_DENIED")
    event = ocsf.event(begin, end)
    assert {"name": "app", "uid": "app", "groups": [{"name": "client"}]} == \
        event["actor"]["user"]
    assert {"ip": "10.0.0.7", "port": 51234} == event["src_endpoint"]
    assert (2, "Failure", "PERMISSION_DENIED") == (event["status_id"], event["status"],
                                                   event["status_code"])
    assert {"code": 7, "message": "PERMISSION_DENIED"} == event["api"]["response"]
    assert (3, "Medium") == (event["severity_id"], event["severity"])
    assert isinstance(event["duration"], int)
    assert event["time"] == event["end_time"] >= event["start_time"]
    assert "a" * 64 == event["unmapped"]["model_sha256"]
    assert {"EMAIL_ADDRESS": 1} == event["unmapped"]["pii"]
    never = ocsf.event(begin, None)
    assert (0, "Unknown", 0) == (never["status_id"], never["status"], never["severity_id"])
    ok = ocsf.event(*_pair())
    assert (1, "Success", 1) == (ok["status_id"], ok["status"], ok["severity_id"])
    cancelled = ocsf.event(*_pair(outcome=Outcome.CANCELLED, status="CANCELLED"))
    assert (99, "Cancelled") == (cancelled["status_id"], cancelled["status"])


def _summary(peer: str = "ipv4:10.0.0.7", status: str = "UNAUTHENTICATED",
             reason: str = "unauthenticated",
             methods: dict[str, int] | None = None) -> dict[str, Any]:
    methods = methods or {"Generate": 40, "http:/v1/chat/completions": 2}
    start = 1_790_000_000.0
    summary = RefusalSummary(peer, status, reason, sum(methods.values()), methods, start,
                             start + 60)
    return {**refusals_record(summary.record()), "integrity": "VALID"}


SUMMARIES: dict[str, Callable[[], dict[str, Any]]] = {
    "grpc_and_http": _summary,
    "one_method": lambda: _summary(methods={"GenerateStream": 7}),
    "ipv6_host": lambda: _summary(peer="ipv6:[2001:db8::7]"),
    "uri_encoded_ipv6_host": lambda: _summary(peer="ipv6:%5B::1%5D"),
    "hosts_beyond_the_bound": lambda: _summary(peer="*"),
    "permission_denied": lambda: _summary(status="PERMISSION_DENIED",
                                          reason="permission_denied"),
}


@pytest.mark.parametrize("case", sorted(SUMMARIES))
def test_every_refusal_summary_validates_against_ocsf(case: str) -> None:
    """A ``refusals`` record (calls refused at the door, counted instead of audited singly)
    becomes one API Activity event that validates against OCSF 1.8.0, whatever its host."""
    event = ocsf.refusals_event(SUMMARIES[case]())
    errors = sorted(_validator().iter_errors(event), key=lambda e: list(e.absolute_path))
    assert [] == [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_a_refusal_summary_is_one_event_with_its_count_and_window() -> None:
    """The summary's event carries the number of calls in OCSF's ``count``, the window in
    start/end time and duration, and the same status, severity, endpoint and actor as the
    event of one such refused call, so one SIEM query finds both."""
    rec = _summary()
    event = ocsf.refusals_event(rec)
    single = ocsf.event(*CASES["refused_before_pipeline"]())
    assert 42 == event["count"]
    assert (1_790_000_000_000, 1_790_000_060_000, 60_000) == (
        event["start_time"], event["end_time"], event["duration"])
    assert event["time"] == event["end_time"]
    for key in ("class_uid", "activity_id", "status_id", "severity_id", "status_code"):
        assert single[key] == event[key], key
    assert {"ip": "10.0.0.7"} == event["src_endpoint"]
    assert {"name": "ipv4:10.0.0.7", "uid": "ipv4:10.0.0.7"} == event["actor"]["user"]
    assert {"code": 16, "message": "UNAUTHENTICATED"} == event["api"]["response"]
    assert "unauthenticated" == event["status_detail"]
    assert {"Generate": 40, "http:/v1/chat/completions": 2} == event["unmapped"]["methods"]
    assert (rec["window_start"], rec["window_end"]) == (event["unmapped"]["window_start"],
                                                        event["unmapped"]["window_end"])
    assert ocsf.summary_uid(rec) == event["metadata"]["uid"]
    assert ocsf.summary_uid(rec) != ocsf.summary_uid(_summary(peer="ipv4:10.0.0.8"))


def test_a_peer_without_its_port_is_still_an_address() -> None:
    """``src_endpoint`` of a source host (a peer without its port, as summaries hold it) is its
    IP address, not an empty one; a URI-encoded IPv6 peer is decoded."""
    assert {"ip": "2001:db8::7"} == ocsf.refusals_event(
        _summary(peer="ipv6:[2001:db8::7]"))["src_endpoint"]
    single = ocsf.event(*_pair(peer="ipv6:%5B::1%5D:40000"))
    assert {"ip": "::1", "port": 40000} == single["src_endpoint"]
    assert {"name": "*"} == ocsf.refusals_event(_summary(peer="*"))["src_endpoint"]
