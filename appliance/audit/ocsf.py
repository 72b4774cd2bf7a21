"""One request of the audit log as an OCSF event: API Activity (class 6003), OCSF 1.8.0.

The event validates against the OCSF 1.8.0 schema (``tests/unit/test_ocsf.py`` checks every
outcome with the schema the ``ocsf-json-schema`` package generates, offline). Where things go:

- ``time``: the end record's time (the begin's when the request never ended), epoch ms;
  ``start_time``/``end_time`` likewise; ``duration``: the latency in whole milliseconds.
- ``status_id``/``status``: Success (outcome ok), Failure (error, rejected), Other
  ("Cancelled"), Unknown (began, never ended: a crash). ``status_code``: the status name
  (``OK``, ``RESOURCE_EXHAUSTED`` ...); ``api.response.code``: its gRPC number (0 = OK) on
  every transport, ``api.response.message`` the name again.
- ``severity_id``: Informational (ok, cancelled), Low (refused for capacity or bad input),
  Medium (refused by authentication or authorization), High (internal error), Unknown
  (never ended).
- ``actor.user``: the authenticated identity (``client``) and its role in ``groups``;
  ``src_endpoint``: the transport peer (ip and port, or the unix socket name).
- ``api.operation``: the method (``Generate``, ``http:/v1/chat/completions``);
  ``api.request.uid`` and ``metadata.uid``/``correlation_uid``: the request id.
- ``unmapped``: what OCSF has no attribute for — tier, model_sha256, route, route_reason,
  outcome, finish_reason, pii and output_pii counts, token counts, queue wait, end_user,
  escalated_from, late, error_reason, cached_prompt_tokens, central_endpoint, tools, cache,
  cached_from, feedback, integrity, and the masked prompt/answer/reasoning.

A ``refusals`` record (the summary of ``count`` calls refused at the door in one window, not
audited one by one) is one API Activity event too (:func:`refusals_event`), shaped like the event
of one such refused call so that one SIEM query finds both: the same status, severity,
``src_endpoint`` and ``actor.user`` (the source host, as a refused call's is its peer), plus
OCSF's ``count`` (how many calls), ``start_time``/``end_time`` (the window), ``duration`` (its
length), ``status_detail`` (the reason) and a ``message``. It has no request id: its
``metadata.uid`` is derived from the record (source host, status, reason, window), the same in
every export. ``unmapped`` holds the methods (method -> count), the window's ISO times, outcome,
error_reason and integrity.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any
from urllib.parse import unquote

from appliance import __version__

VERSION = "1.8.0"
CLASS_UID, CATEGORY_UID, ACTIVITY_OTHER = 6003, 6, 99

#: gRPC status codes by name (the numbers of the gRPC specification).
GRPC_CODES = {
    "OK": 0, "CANCELLED": 1, "UNKNOWN": 2, "INVALID_ARGUMENT": 3, "DEADLINE_EXCEEDED": 4,
    "NOT_FOUND": 5, "ALREADY_EXISTS": 6, "PERMISSION_DENIED": 7, "RESOURCE_EXHAUSTED": 8,
    "FAILED_PRECONDITION": 9, "ABORTED": 10, "OUT_OF_RANGE": 11, "UNIMPLEMENTED": 12,
    "INTERNAL": 13, "UNAVAILABLE": 14, "DATA_LOSS": 15, "UNAUTHENTICATED": 16,
}
_SEVERITY = {0: "Unknown", 1: "Informational", 2: "Low", 3: "Medium", 4: "High"}
_STATUS = {0: "Unknown", 1: "Success", 2: "Failure", 99: "Cancelled"}
_UNMAPPED = ("tier", "model_sha256", "route", "route_reason", "outcome", "finish_reason",
             "pii", "output_pii", "prompt_tokens", "completion_tokens", "queue_wait_ms",
             "end_user", "escalated_from", "late", "integrity", "role", "error_reason",
             "cached_prompt_tokens", "central_endpoint", "tools", "cache", "cached_from",
             "feedback")


def _epoch_ms(text: Any) -> int | None:
    if not text:
        return None
    try:
        t = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return int(t.timestamp() * 1000)


def _status(end: dict[str, Any] | None) -> tuple[int, int]:
    """(status_id, severity_id) from the end record."""
    if end is None:
        return 0, 0
    outcome, status = end.get("outcome"), str(end.get("status", ""))
    if outcome == "ok":
        return 1, 1
    if outcome == "cancelled":
        return 99, 1
    if status in ("UNAUTHENTICATED", "PERMISSION_DENIED"):
        return 2, 3
    if status in ("INTERNAL", "UNKNOWN", "DATA_LOSS"):
        return 2, 4
    return 2, 2


def _endpoint(peer: str) -> dict[str, Any]:
    """``src_endpoint`` of a transport peer: ``ipv4:HOST:PORT``, ``ipv6:[HOST]:PORT`` (brackets
    URI-encoded or not), either without its port (a summary's source host), else a name."""
    kind, sep, rest = peer.partition(":")
    host, port = "", ""
    if sep and kind == "ipv4":
        host, _, port = rest.partition(":")
    elif sep and kind == "ipv6":
        rest = unquote(rest)
        if rest.startswith("["):
            host, _, after = rest[1:].partition("]")
            port = after.removeprefix(":")
        else:
            host = rest
    if not host:
        return {"name": peer or "unknown"}  # unix:..., "*", or a peer the transport did not name
    out: dict[str, Any] = {"ip": host}
    if port.isdigit():
        out["port"] = int(port)
    return out


def _prune(value: Any) -> Any:
    """Without None values: OCSF types an attribute, and null is none of them."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def _metadata(uid: str | None) -> dict[str, Any]:
    return {"version": VERSION, "uid": uid, "correlation_uid": uid, "log_name": "audit",
            "product": {"name": "llm-appliance", "vendor_name": "llm-appliance",
                        "version": __version__}}


def _service(methods: list[str]) -> str:
    http = {m.startswith("http:") for m in methods}
    if http == {True}:
        return "llm-appliance HTTP API"
    return "appliance.v1.Inference" if http == {False} else "llm-appliance"


def event(begin: dict[str, Any] | None, end: dict[str, Any] | None) -> dict[str, Any]:
    """The OCSF API Activity event of one request (its begin and/or end record)."""
    rec = end or begin or {}
    status_id, severity_id = _status(end)
    status_name = str(end.get("status")) if end is not None and end.get("status") else None
    latency = end.get("latency_ms") if end is not None else None
    end_ms = _epoch_ms(end.get("time")) if end is not None else None
    start_ms = _epoch_ms(begin.get("time")) if begin is not None else None
    if start_ms is None and end_ms is not None and isinstance(latency, int | float):
        start_ms = end_ms - round(latency)
    client = str(rec.get("client") or "unknown")
    user: dict[str, Any] = {"name": client, "uid": client}
    if rec.get("role"):
        user["groups"] = [{"name": str(rec["role"])}]
    unmapped = {k: rec.get(k) for k in _UNMAPPED}
    for key, source in (("prompt", begin), ("answer", end), ("reasoning", end)):
        if source is not None and key in source:
            unmapped[key] = source[key]
    response = None
    if status_name is not None:
        response = {"code": GRPC_CODES.get(status_name, 2), "message": status_name}
    method = str(rec.get("method") or "unknown")
    request_id = str(rec.get("request_id") or "")
    doc: dict[str, Any] = _prune({
        **_api_activity(severity_id),
        "time": end_ms if end_ms is not None else start_ms,
        "start_time": start_ms, "end_time": end_ms,
        "duration": round(latency) if isinstance(latency, int | float) else None,
        "status_id": status_id, "status": _STATUS[status_id], "status_code": status_name,
        "actor": {"user": user},
        "src_endpoint": _endpoint(str(rec.get("peer") or "")),
        "api": {"operation": method, "service": {"name": _service([method])},
                "request": {"uid": request_id}, "response": response},
        "metadata": _metadata(request_id),
        "unmapped": unmapped,
    })
    return doc


def _api_activity(severity_id: int) -> dict[str, Any]:
    """The class, activity and severity every event here has: API Activity, "Other"."""
    return {"category_uid": CATEGORY_UID, "category_name": "Application Activity",
            "class_uid": CLASS_UID, "class_name": "API Activity",
            "activity_id": ACTIVITY_OTHER, "activity_name": "Other",
            "type_uid": CLASS_UID * 100 + ACTIVITY_OTHER, "type_name": "API Activity: Other",
            "severity_id": severity_id, "severity": _SEVERITY[severity_id]}


def summary_uid(rec: dict[str, Any]) -> str:
    """A ``refusals`` record's event id: 32 hex digits of the SHA-256 of what tells it apart
    (source host, status, reason, window), so every export of it gives the same one."""
    key = [rec.get(k) for k in ("peer", "status", "error_reason", "window_start",
                                "window_end")]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:32]


def refusals_event(rec: dict[str, Any]) -> dict[str, Any]:
    """The OCSF API Activity event of a ``refusals`` record: ``count`` calls from one source
    host refused (one status, one reason) in one window, counted instead of audited singly."""
    status_id, severity_id = _status(rec)
    status_name = str(rec.get("status") or "UNKNOWN")
    count = int(rec.get("count") or 0)
    methods = {str(k): int(v) for k, v in dict(rec.get("methods") or {}).items()}
    start_ms, end_ms = _epoch_ms(rec.get("window_start")), _epoch_ms(rec.get("window_end"))
    if end_ms is None:
        end_ms = _epoch_ms(rec.get("time"))
    peer = str(rec.get("peer") or "unknown")
    reason = str(rec.get("error_reason") or "")
    uid = summary_uid(rec)
    doc: dict[str, Any] = _prune({
        **_api_activity(severity_id),
        "time": end_ms, "start_time": start_ms, "end_time": end_ms,
        "duration": end_ms - start_ms if start_ms is not None and end_ms is not None else None,
        "count": count,
        "status_id": status_id, "status": _STATUS[status_id], "status_code": status_name,
        "status_detail": reason or None,
        "message": f"{count} calls from {peer} refused ({status_name}"
                   f"{': ' + reason if reason else ''}) in one window, counted instead of "
                   "audited one by one",
        "actor": {"user": {"name": peer, "uid": peer}},
        "src_endpoint": _endpoint(peer),
        "api": {"operation": ", ".join(sorted(methods)) or "unknown",
                "service": {"name": _service(sorted(methods))},
                "response": {"code": GRPC_CODES.get(status_name, 2), "message": status_name}},
        "metadata": _metadata(uid),
        "unmapped": {"methods": methods, "window_start": rec.get("window_start"),
                     "window_end": rec.get("window_end"), "outcome": rec.get("outcome"),
                     "error_reason": rec.get("error_reason"),
                     "integrity": rec.get("integrity")},
    })
    return doc
