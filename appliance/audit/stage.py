"""The audit stage: what the pipeline calls, and the encrypted log behind it.

The pipeline calls :meth:`AuditStage.begin` once a request is admitted and :meth:`AuditStage.end`
with its outcome; the response completes only after ``end`` returns. An implementation that
cannot write raises :class:`appliance.errors.Unavailable`, so the appliance never serves
unaudited. Records of no one request, the summaries of refusals at the door
(:meth:`AuditLog.write_refusal_summaries`), are written beside them; their failure is logged,
never raised: the calls they count were refused either way.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import structlog

from appliance.audit import format as fmt
from appliance.audit.identity import SIGNER_STATE, load_device_key
from appliance.audit.keys import OFFICER_PUBLIC, generate_officer_key, load_officer_public
from appliance.audit.lock import DirectoryLock
from appliance.audit.writer import AuditUnavailable, AuditWriter, WriterSettings
from appliance.errors import Unavailable

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    from appliance.config import Config
    from appliance.observability.metrics import Metrics
    from appliance.request import RequestInfo

log = structlog.get_logger("appliance.audit")


class AuditStage(Protocol):
    pass_through: bool

    async def begin(self, info: RequestInfo) -> None: ...

    async def end(self, info: RequestInfo) -> None: ...

    def count_refusal(self) -> None:
        """A request refused at the door because the log cannot be written."""


class PassThroughAudit:
    """Records nothing. Only for tests of other stages that say so; the daemon never uses it."""

    pass_through = True

    def __init__(self) -> None:
        log.warning("audit_stage_pass_through",
                    detail="the audit log is disabled: requests are not recorded")

    async def begin(self, info: RequestInfo) -> None:
        return None

    async def end(self, info: RequestInfo) -> None:
        return None

    def count_refusal(self) -> None:
        return None


def _iso(wall: float) -> str:
    return dt.datetime.fromtimestamp(wall, dt.UTC).isoformat(timespec="milliseconds")


def begin_record(info: RequestInfo, content: str) -> dict[str, Any]:
    """The ``begin`` record: who asked what of which model, and where it was sent."""
    rec: dict[str, Any] = {
        "type": "begin", "request_id": info.request_id, "time": _iso(info.wall_started),
        "client": info.client, "role": info.role, "peer": info.peer, "method": info.method,
        "tier": info.tier,
        "model_sha256": info.model_sha256, "route": info.route, "route_reason": info.route_reason,
        "pii": dict(info.pii_counts), "prompt_tokens": info.prompt_tokens,
    }
    rec.update(_arm(info))
    if info.end_user is not None:  # masked: placeholders, never a PII value
        rec["end_user"] = info.end_user
    if content == "masked" and info.masked_prompt is not None:
        rec["prompt"] = list(info.masked_prompt)
    return rec


def _arm(info: RequestInfo) -> dict[str, str]:
    """A tier with a canary: which of its two models served (``arm``); else nothing."""
    return {"arm": info.arm} if info.arm is not None else {}


def end_record(info: RequestInfo, content: str) -> dict[str, Any]:
    """The ``end`` record: the outcome, usage, latency and (masked) answer."""
    rec: dict[str, Any] = {
        "type": "end", "request_id": info.request_id, "time": _iso(time.time()),
        "client": info.client, "role": info.role, "peer": info.peer, "method": info.method,
        "tier": info.tier,
        "model_sha256": info.model_sha256, "route": info.route, "route_reason": info.route_reason,
        "outcome": str(info.outcome), "status": info.status, "finish_reason": info.finish_reason,
        "pii": dict(info.pii_counts), "output_pii": dict(info.output_pii_counts),
        "prompt_tokens": info.prompt_tokens, "completion_tokens": info.completion_tokens,
        "latency_ms": round((time.monotonic() - info.started) * 1000, 1),
    }
    if info.error_reason is not None and info.status != "OK":
        rec["error_reason"] = info.error_reason
    rec.update(_arm(info))
    if info.queue_wait_s is not None:
        rec["queue_wait_ms"] = round(info.queue_wait_s * 1000, 1)
    if info.cached_tokens:
        rec["cached_prompt_tokens"] = info.cached_tokens
    if info.central_endpoint is not None:
        rec["central_endpoint"] = info.central_endpoint
    if info.escalated_from is not None:
        rec["escalated_from"] = info.escalated_from
    # The response cache (hit, miss or bypass; a hit's source request) and a feedback
    # call's {"request_id", "score"}.
    for key, value in (("cache", info.cache), ("cached_from", info.cached_from),
                       ("feedback", info.feedback)):
        if value is not None:
            rec[key] = value
    if info.tools_offered or info.tool_calls:
        # names and sizes only: the arguments are in the (masked) answer text
        rec["tools"] = {"offered": info.tools_offered,
                        "calls": [{"name": name, "argument_bytes": size}
                                  for name, size in info.tool_calls]}
    if content == "masked":
        if info.masked_answer is not None:
            rec["answer"] = info.masked_answer
        if info.masked_reasoning:
            rec["reasoning"] = info.masked_reasoning
    return rec


#: The fields of a ``refusals`` record (security/AUDIT_FORMAT.md), the summary of refusals at
#: the door that were counted instead of audited one by one
#: (:class:`appliance.observability.refusals.RefusalSummary`).
REFUSALS_FIELDS = ("type", "time", "peer", "status", "error_reason", "outcome", "count",
                   "methods", "window_start", "window_end")


def refusals_record(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The ``refusals`` record of ``summary``: only the documented fields, so a field added
    upstream (it could be a credential) never reaches the log unreviewed; one left out is
    logged by name, never by value."""
    extra = sorted(set(summary) - set(REFUSALS_FIELDS))
    if extra:
        log.error("audit_summary_fields_dropped", fields=extra)
    return {k: summary[k] for k in REFUSALS_FIELDS if k in summary} | {"type": "refusals"}


class AuditLog:
    """The audit stage backed by :class:`AuditWriter`."""

    pass_through = False

    def __init__(self, writer: AuditWriter, content: str,
                 state_lock: DirectoryLock | None = None, metrics: Metrics | None = None,
                 append_timeout: float | None = None) -> None:
        self.writer = writer
        self._content = content
        self._state_lock = state_lock
        #: The append-latency histogram and failure counter.
        self.metrics = metrics
        #: Seconds a record may take to become durable before its request fails closed.
        self.append_timeout = append_timeout

    async def _append(self, rec: dict[str, Any]) -> None:
        started = time.monotonic()
        try:
            durable = asyncio.wrap_future(self.writer.append(fmt.canonical(rec)))
            await asyncio.wait_for(asyncio.shield(durable), self.append_timeout)
        except TimeoutError:
            if self.metrics is not None:
                self.metrics.audit_failures.inc()
            log.error("audit_append_timeout", record=rec["type"], seconds=self.append_timeout)
            raise Unavailable(f"audit log: the {rec['type']} record was not durable within "
                              f"{self.append_timeout:g} s; not serving unaudited",
                              state="audit_timeout") from None
        except BaseException:
            if self.metrics is not None:
                self.metrics.audit_failures.inc()
            raise
        if self.metrics is not None:
            self.metrics.audit_append.labels(rec["type"]).observe(time.monotonic() - started)

    async def begin(self, info: RequestInfo) -> None:
        await self._append(begin_record(info, self._content))

    async def end(self, info: RequestInfo) -> None:
        rec = end_record(info, self._content)
        try:
            await self._append(rec)
        except AuditUnavailable:
            # The request began on the record; its end is owed, and written (marked late)
            # as soon as the log works again. The caller still gets the failure now.
            late = {**rec, "late": "the audit log was unavailable when the request ended"}
            if not self.writer.owe(fmt.canonical(late)):
                log.error("audit_end_record_dropped", request_id=info.request_id)
            raise

    async def write_refusal_summaries(self, summaries: Sequence[Mapping[str, Any]]) -> None:
        """Write one ``refusals`` record per summary (:func:`refusals_record`), all queued
        before the first wait, so a cancellation (shutdown) cannot drop some. A record not
        durable within the append timeout, or that the writer refused, is logged
        (``audit_summary_failed``), never raised: the calls it counts were refused either way,
        and no request waits on it."""
        records = [refusals_record(s) for s in summaries]
        if not records:
            return
        durable = [asyncio.wrap_future(self.writer.append(fmt.canonical(rec)))
                   for rec in records]
        try:
            results = await asyncio.wait_for(
                asyncio.shield(asyncio.gather(*durable, return_exceptions=True)),
                self.append_timeout)
        except TimeoutError:
            log.error("audit_summary_failed", records=len(records),
                      error_type="TimeoutError")
            return
        for result in results:
            if isinstance(result, BaseException):
                log.error("audit_summary_failed", record="refusals",
                          error_type=type(result).__name__)

    def count_refusal(self) -> None:
        if self.writer.suspended is not None:
            self.writer.count_refusal()

    def close(self) -> None:
        self.writer.close()
        if self._state_lock is not None:
            self._state_lock.release()


def officer_key_path(config: Config) -> Path:
    """The configured officer key, or the development one (created on first use, loudly)."""
    if config.audit.officer_public_key is not None:
        return config.audit.officer_public_key
    dev_dir = config.state_dir / "dev-officer"
    if not (dev_dir / OFFICER_PUBLIC).exists():
        generate_officer_key(dev_dir)
    log.warning("audit_development_officer_key", dir=str(dev_dir),
                detail="NOT FOR PRODUCTION: the officer's private key for this audit log lies on "
                       "this machine. Create a real one with appliance audit keygen on the "
                       "officer's machine and set audit.officer_public_key")
    return dev_dir / OFFICER_PUBLIC


def open_audit(config: Config, on_state: Callable[[bool, str], None] | None = None,
               metrics: Metrics | None = None) -> AuditLog:
    """Lock the state directory, load the keys, recover the log after a crash (the writer
    locks the audit directory first), and start the writer."""
    state_lock = DirectoryLock(config.state_dir, "state directory", ".state.lock")
    state_lock.acquire()
    try:
        return _open_audit(config, on_state, state_lock, metrics)
    except BaseException:
        state_lock.release()
        raise


def _open_audit(config: Config, on_state: Callable[[bool, str], None] | None,
                state_lock: DirectoryLock, metrics: Metrics | None) -> AuditLog:
    officer = load_officer_public(officer_key_path(config))
    device = load_device_key(config.state_dir / "keys",
                             config.audit.resolved_dir(config.state_dir))
    writer = AuditWriter(writer_settings(config, officer, device), on_state)
    writer.open()
    a = config.audit
    return AuditLog(writer, a.content, state_lock, metrics, a.append_timeout_seconds or None)


def writer_settings(config: Config, officer: X25519PublicKey, device: Ed25519PrivateKey,
                    rotate_from: Ed25519PrivateKey | None = None) -> WriterSettings:
    """The writer's settings from the config, for ``device`` (and, in the one segment a
    device key rotation writes, the retiring key that signs the hand-over)."""
    a = config.audit
    return WriterSettings(
        dir=a.resolved_dir(config.state_dir), officer=officer, device=device,
        signer_path=config.state_dir / "keys" / SIGNER_STATE, durability=a.durability,
        batch_interval=a.batch_interval_ms / 1000, checkpoint_records=a.checkpoint_every_records,
        checkpoint_seconds=a.checkpoint_every_seconds,
        segment_max_bytes=a.segment_max_mb * 1024 * 1024,
        segment_max_age=a.segment_max_age_hours * 3600, retention_days=a.retention_days,
        free_warn_bytes=a.free_space_warn_mb * 1024 * 1024,
        free_refuse_bytes=a.free_space_refuse_mb * 1024 * 1024,
        sink=a.sink(config.state_dir), rotate_from=rotate_from)
