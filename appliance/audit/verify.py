"""Offline verification of an audit directory, for the compliance officer.

Without the officer's private key: frames, hash chain, one-time signature chain, device
signatures, segment links, retention tombstones and (given the external anchor file) tail
truncation. With it, also: the sealed seeds open and every record decrypts and authenticates.

Verdicts per segment (see ``security/AUDIT_FORMAT.md``):

``VALID`` · ``TAMPERED`` (with the sequence number where it stops being trustworthy) ·
``MISSING`` · ``DELETED_BY_RETENTION`` · ``TORN_TAIL`` (crash, not yet recovered) ·
``UNANCHORED_TAIL`` (newest records not yet covered by a checkpoint) · ``KEY_MISMATCH`` (another
appliance, or not sealed to this officer key) · ``ROLLBACK`` (an older copy of the log, or of a
segment, stands where a newer one was).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from appliance.audit import format as fmt

OK_VERDICTS = frozenset({"VALID", "DELETED_BY_RETENTION"})
#: Verdicts in the order of how bad they are; a segment gets the worst one found.
SEVERITY = ["VALID", "DELETED_BY_RETENTION", "UNANCHORED_TAIL", "TORN_TAIL", "MISSING",
            "ROLLBACK", "KEY_MISMATCH", "TAMPERED"]


@dataclass
class SegmentReport:
    segment: int
    status: str = "VALID"
    detail: str = ""
    seq: int | None = None
    file: str | None = None
    records: int = 0
    checkpoints: int = 0
    closed: bool = False
    events: list[str] = field(default_factory=list)
    first_time: float | None = None
    last_time: float | None = None

    def flag(self, status: str, detail: str, seq: int | None = None) -> None:
        if SEVERITY.index(status) > SEVERITY.index(self.status):
            self.status, self.detail, self.seq = status, detail, seq


@dataclass
class Report:
    dir: str
    appliance_id: str | None
    decrypted: bool
    anchors_checked: int = 0
    segments: list[SegmentReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.segments) and all(s.status in OK_VERDICTS for s in self.segments)

    @property
    def summary(self) -> str:
        counts = Counter(s.status for s in self.segments)
        verdict = "VALID" if self.ok else "NOT VALID"
        return f"{verdict}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))

    def as_dict(self) -> dict[str, Any]:
        return {"dir": self.dir, "appliance_id": self.appliance_id, "ok": self.ok,
                "decrypted": self.decrypted, "anchors_checked": self.anchors_checked,
                "summary": self.summary, "segments": [asdict(s) for s in self.segments]}


@dataclass
class _Parsed:
    number: int
    path: Path
    result: fmt.ScanResult
    header: fmt.Signed | None
    end_hash: str | None = None     # chain head after the last frame
    final_next: str | None = None   # next_pub of the last signed frame
    checkpoints: dict[int, bytes] = field(default_factory=dict)


RecordSink = Callable[[dict[str, Any]], None]


def verify_dir(directory: Path, officer: X25519PrivateKey | None = None,
               anchors: Path | None = None, on_record: RecordSink | None = None,
               appliance_id: str | None = None,
               on_segment: Callable[[SegmentReport], None] | None = None) -> Report:
    """Check every segment in ``directory``; decrypted records go to ``on_record`` in order."""
    names = [p.name for p in directory.iterdir()]
    segs: dict[int, _Parsed] = {}
    for number, name in fmt.iter_segments(names):
        path = directory / name
        result = fmt.scan(path.read_bytes())
        header = None
        if result.frames and result.frames[0].ftype == fmt.HEADER:
            header = fmt.parse_signed(result.frames[0], with_device=True)
        segs[number] = _Parsed(number, path, result, header)

    if appliance_id is None:
        ids = Counter(p.header.doc.get("appliance_id") for p in segs.values() if p.header)
        appliance_id = ids.most_common(1)[0][0] if ids else None
    report = Report(str(directory), appliance_id, decrypted=officer is not None)

    deleted_upto, deleted_hash = _retention(segs)
    if not segs:
        return report
    last = max(segs)
    seen_headers: dict[bytes, int] = {}
    prev: _Parsed | None = None
    for number in range(1, last + 1):
        if number not in segs:
            rep = SegmentReport(number)
            if deleted_upto is not None and number <= deleted_upto:
                rep.status, rep.detail = "DELETED_BY_RETENTION", "deleted by retention " \
                    "(signed tombstone)"
            else:
                rep.flag("MISSING", "segment file is absent and no tombstone covers it")
            report.segments.append(rep)
            prev = None
            continue
        p = segs[number]
        rep = SegmentReport(number, file=p.path.name)
        _check(p, rep, prev, number == last, appliance_id, officer, on_record,
               deleted_upto, deleted_hash, seen_headers)
        report.segments.append(rep)
        if on_segment is not None:
            on_segment(rep)
        prev = p
    if anchors is not None:
        report.anchors_checked = _check_anchors(anchors, segs, report, appliance_id,
                                                deleted_upto)
    return report


def _retention(segs: dict[int, _Parsed]) -> tuple[int | None, str | None]:
    """The highest ``deleted_upto`` any header or tombstone vouches for."""
    best: tuple[int | None, str | None] = (None, None)
    for p in segs.values():
        docs = [p.header.doc.get("retention")] if p.header else []
        docs += [fmt.parse_json_payload(f) for f in p.result.frames if f.ftype == fmt.TOMBSTONE]
        for doc in docs:
            if isinstance(doc, dict) and isinstance(doc.get("deleted_upto"), int) \
                    and (best[0] is None or doc["deleted_upto"] > best[0]):
                best = (doc["deleted_upto"], doc.get("hash"))
    return best


def _pub(hex_key: Any) -> Ed25519PublicKey | None:
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))
    except (TypeError, ValueError):
        return None


def _check(p: _Parsed, rep: SegmentReport, prev: _Parsed | None, is_last: bool,
           appliance_id: str | None, officer: X25519PrivateKey | None,
           on_record: RecordSink | None, deleted_upto: int | None,
           deleted_hash: str | None, seen_headers: dict[bytes, int]) -> None:
    frames = p.result.frames
    if p.header is None:
        if not frames and p.result.state == "torn" and is_last:
            rep.flag("TORN_TAIL", "crash before the header was complete", 0)
        else:
            rep.flag("TAMPERED", "no valid segment header", 0)
        return
    h = p.header.doc
    device = _pub(h.get("device_pub"))
    if device is None or fmt.fingerprint(device) != h.get("appliance_id") \
            or not p.header.verify_device(device):
        rep.flag("TAMPERED", "segment header's device signature does not verify", 0)
        return
    if h.get("appliance_id") != appliance_id:
        rep.flag("KEY_MISMATCH", f"segment was written by appliance {h.get('appliance_id')}, "
                 f"not {appliance_id}", 0)
        return
    signed_bytes = p.header.signed
    if signed_bytes in seen_headers or h.get("segment") != p.number:
        other = seen_headers.get(signed_bytes, h.get("segment"))
        if isinstance(other, int) and other < p.number:
            rep.flag("ROLLBACK", f"file holds segment {other} again (an old segment replayed)",
                     0)
        else:
            rep.flag("TAMPERED", f"header names segment {h.get('segment')}", 0)
        return
    seen_headers[signed_bytes] = p.number
    signer = h.get("signer_pub")
    key = _pub(signer)
    if key is None or not p.header.verify(key):
        rep.flag("TAMPERED", "segment header's one-time signature does not verify", 0)
        return
    # The link to the segment before: its end hash, and the key its last signature certified.
    link = h.get("prev")
    if prev is not None:
        if not isinstance(link, dict) or link.get("segment") != p.number - 1 \
                or link.get("hash") != prev.end_hash or signer != prev.final_next:
            rep.flag("TAMPERED", f"does not continue segment {p.number - 1} (chain or signing "
                     f"key differ: rewritten, or the chain restarted)", 0)
    elif p.number > 1:
        if deleted_upto == p.number - 1:
            if not isinstance(link, dict) or link.get("hash") != deleted_hash:
                rep.flag("TAMPERED", "does not continue the segment retention deleted", 0)
        elif deleted_upto is None or deleted_upto < p.number - 1:
            pass  # the segment before is reported MISSING
    elif link is not None:
        rep.flag("TAMPERED", "first segment claims a predecessor", 0)

    seed_chain: bytes | None = None
    if officer is not None:
        if h.get("officer_key") != fmt.fingerprint(officer.public_key()):
            rep.flag("KEY_MISMATCH", f"sealed to officer key {h.get('officer_key')}, not to "
                     f"{fmt.fingerprint(officer.public_key())}", 0)
            officer = None
        else:
            try:
                sealed = fmt.unb64(h.get("sealed_seed", ""))
            except ValueError:
                sealed = b""
            seed = fmt.open_seed(sealed, officer, h["appliance_id"],
                                 p.number)
            if seed is None:
                rep.flag("KEY_MISMATCH", "the segment seed does not open with this key", 0)
                officer = None
            else:
                seed_chain = fmt.first_chain(seed)

    head = fmt.chain_start(frames[0].body)
    expected = h.get("next_pub")
    p.final_next = expected
    last_anchor = 0
    closed = False
    chain = seed_chain
    if chain is not None:
        chain = fmt.next_chain(chain)
    pending: list[dict[str, Any]] = []
    for i, f in enumerate(frames[1:], start=1):
        if closed:
            rep.flag("TAMPERED", "frames after the segment's final checkpoint", f.seq)
            break
        if f.seq != i:
            rep.flag("TAMPERED", f"frame {i} carries sequence number {f.seq} (records "
                     f"reordered, duplicated or removed)", i)
            break
        if f.ftype == fmt.HEADER:
            rep.flag("TAMPERED", "a second header inside the segment", i)
            break
        if f.ftype == fmt.CHECKPOINT:
            cp = fmt.parse_signed(f, with_device=False)
            ck = _pub(expected)
            if cp is None or ck is None or cp.doc.get("signer_pub") != expected \
                    or not cp.verify(ck):
                rep.flag("TAMPERED", "checkpoint not signed by the key the previous signature "
                         "certified (re-signed or forged)", i)
                break
            d = cp.doc
            if d.get("seq") != i or d.get("head") != head.hex() or d.get("segment") != p.number \
                    or d.get("appliance_id") != appliance_id:
                rep.flag("TAMPERED", "checkpoint does not match the records before it", i)
                break
            expected = d.get("next_pub")
            p.final_next = expected
            p.checkpoints[i] = f.body
            rep.checkpoints += 1
            last_anchor = i
            t = d.get("time")
            if isinstance(t, int | float):
                rep.first_time = rep.first_time if rep.first_time is not None else float(t)
                rep.last_time = float(t)
            closed = bool(d.get("final"))
            if d.get("recovered"):
                rep.events.append(f"closed by crash recovery at seq {i}")
            if on_record is not None:
                for r in pending:
                    on_record(r)
                pending.clear()
        elif f.ftype == fmt.RECORD:
            rep.records += 1
            if chain is not None:
                aad = fmt.record_aad(appliance_id or "", p.number, i, head)
                plain = fmt.decrypt_record(chain, f.payload, aad)
                if plain is None:
                    rep.flag("TAMPERED", "record does not decrypt or authenticate", i)
                    break
                try:
                    doc = json.loads(plain)
                except (UnicodeDecodeError, json.JSONDecodeError):
                    rep.flag("TAMPERED", "record is not JSON", i)
                    break
                doc["_segment"], doc["_seq"] = p.number, i
                pending.append(doc)
        else:
            doc = fmt.parse_json_payload(f)
            if doc is None:
                rep.flag("TAMPERED", "system event or tombstone is not JSON", i)
                break
            if f.ftype == fmt.SYSTEM:
                rep.events.append(f"{doc.get('event')} at seq {i}")
        head = fmt.chain_next(head, f.ftype, f.body)
        if chain is not None:
            chain = fmt.next_chain(chain)
    p.end_hash = head.hex()
    rep.closed = closed
    if on_record is not None and pending and rep.status in OK_VERDICTS:
        for r in pending:  # decrypted and authenticated, but after the last checkpoint
            r["_unanchored"] = True
            on_record(r)
    if p.result.state == "corrupt":
        rep.flag("TAMPERED", p.result.problem, len(frames))
    elif p.result.state == "torn":
        if is_last:
            rep.flag("TORN_TAIL", f"{p.result.problem} (a crash; the daemon cuts it off and "
                     f"notes a recovery on its next start)", len(frames))
        else:
            rep.flag("TAMPERED", f"segment cut short: {p.result.problem}", len(frames))
    if not closed and rep.status == "VALID":
        after = len(frames) - 1 - last_anchor
        if not is_last:
            rep.flag("TAMPERED", "segment has no final checkpoint but a newer segment exists "
                     "(truncated)", len(frames))
        elif after:
            rep.flag("UNANCHORED_TAIL", f"{after} frames after the last checkpoint (seq "
                     f"{last_anchor}) are not yet signed", last_anchor + 1)


def _check_anchors(path: Path, segs: dict[int, _Parsed], report: Report,
                   appliance_id: str | None, deleted_upto: int | None) -> int:
    """Every checkpoint the external sink received must still be in the log, unchanged."""
    by_number = {r.segment: r for r in report.segments}
    checked = 0
    for line in _anchor_lines(path):
        if line.get("appliance_id") != appliance_id:
            continue
        number, seq = line.get("segment"), line.get("seq")
        if not isinstance(number, int) or not isinstance(seq, int):
            continue
        checked += 1
        if deleted_upto is not None and number <= deleted_upto:
            continue
        rep = by_number.get(number)
        if rep is None:
            rep = SegmentReport(number)
            rep.flag("MISSING", "segment is absent but its checkpoints were anchored")
            report.segments.append(rep)
            by_number[number] = rep
            continue
        p = segs.get(number)
        if p is None:
            continue
        body = p.checkpoints.get(seq)
        try:
            anchored = fmt.unb64(line.get("checkpoint", ""))
        except ValueError:
            continue
        if body is None:
            rep.flag("ROLLBACK", f"anchored checkpoint at seq {seq} is no longer in the log "
                     f"(truncated or replaced by an older copy)", seq)
        elif body != anchored:
            rep.flag("TAMPERED", f"checkpoint at seq {seq} differs from its anchor", seq)
    report.segments.sort(key=lambda r: r.segment)
    return checked


def _anchor_lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        for raw in fh:
            text = raw.strip()
            if text.startswith("AUDIT_CHECKPOINT "):  # copied from syslog
                text = text[len("AUDIT_CHECKPOINT "):]
            elif "AUDIT_CHECKPOINT " in text:
                text = text.split("AUDIT_CHECKPOINT ", 1)[1]
            try:
                doc = json.loads(text)
            except json.JSONDecodeError:
                continue
            if isinstance(doc, dict):
                yield doc
