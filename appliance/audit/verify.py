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
    #: With the officer's key: requests whose begin record has no end record, each with its
    #: segment and why, when the log says why ("in_flight": its segment is still open;
    #: "crash": its segment was closed by crash recovery; "" : nothing explains it).
    unended: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.segments) and all(s.status in OK_VERDICTS for s in self.segments)

    @property
    def unexplained(self) -> list[dict[str, Any]]:
        return [u for u in self.unended if not u["why"]]

    @property
    def summary(self) -> str:
        counts = Counter(s.status for s in self.segments)
        verdict = "VALID" if self.ok else "NOT VALID"
        text = f"{verdict}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        if self.unended:
            text += (f"; {len(self.unended)} requests began without an end record "
                     f"({len(self.unexplained)} unexplained)")
        return text

    def as_dict(self) -> dict[str, Any]:
        return {"dir": self.dir, "appliance_id": self.appliance_id, "ok": self.ok,
                "decrypted": self.decrypted, "anchors_checked": self.anchors_checked,
                "summary": self.summary, "segments": [asdict(s) for s in self.segments],
                "unended": self.unended}


@dataclass
class _Parsed:
    number: int
    path: Path
    #: The segment's frames, while it is being checked (one segment in memory at a time).
    result: fmt.ScanResult | None
    header: fmt.Signed | None
    end_hash: str | None = None     # chain head after the last frame
    final_next: str | None = None   # next_pub of the last signed frame
    checkpoints: dict[int, bytes] = field(default_factory=dict)
    tombstones: list[Any] = field(default_factory=list)

    @property
    def frames(self) -> fmt.ScanResult:
        if self.result is None:  # a wiring bug: frames are read while the segment is checked
            raise RuntimeError(f"segment {self.number} is not loaded")
        return self.result


RecordSink = Callable[[dict[str, Any]], None]


def verify_dir(directory: Path, officer: X25519PrivateKey | None = None,  # noqa: PLR0913, PLR0917 - optional views
               anchors: Path | None = None, on_record: RecordSink | None = None,
               appliance_id: str | None = None,
               on_segment: Callable[[SegmentReport], None] | None = None) -> Report:
    """Check every segment in ``directory``; decrypted records go to ``on_record`` in order.

    Memory holds one segment's frames at a time (and the small facts kept of each: header,
    tombstones, checkpoints): a first pass reads the headers and retention tombstones, the
    second checks each segment in order and lets its frames go."""
    segs = _read_headers(directory)
    if appliance_id is None:
        ids = Counter(p.header.doc.get("appliance_id") for p in segs.values() if p.header)
        appliance_id = ids.most_common(1)[0][0] if ids else None
    report = Report(str(directory), appliance_id, decrypted=officer is not None)

    deleted_upto, deleted_hash = _retention(segs)
    if not segs:
        return report
    last = max(segs)
    ends = _Ends(on_record)
    log = _Log(appliance_id, officer, ends if officer is not None else on_record,
               deleted_upto, deleted_hash)
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
        try:
            p.result = fmt.scan(p.path.read_bytes())
        except FileNotFoundError:
            rep.flag("MISSING", "segment file disappeared while it was being verified")
            report.segments.append(rep)
            prev = None
            continue
        _check(p, rep, prev, number == last, log)
        p.result = None
        report.segments.append(rep)
        if on_segment is not None:
            on_segment(rep)
        prev = p
    if anchors is not None:
        report.anchors_checked = _check_anchors(anchors, segs, report, appliance_id,
                                                deleted_upto)
    report.unended = ends.report(report.segments, last)
    return report


def _read_headers(directory: Path) -> dict[int, _Parsed]:
    """The first pass: each segment's header and retention tombstones (frames let go)."""
    names = [p.name for p in directory.iterdir()]
    segs: dict[int, _Parsed] = {}
    for number, name in fmt.iter_segments(names):
        path = directory / name
        try:
            result = fmt.scan(path.read_bytes())
        except FileNotFoundError:  # deleted by retention while we listed the directory
            continue
        header = None
        if result.frames and result.frames[0].ftype == fmt.HEADER:
            header = fmt.parse_signed(result.frames[0], with_device=True)
        tombstones = [fmt.parse_json_payload(f) for f in result.frames
                      if f.ftype == fmt.TOMBSTONE]
        segs[number] = _Parsed(number, path, None, header, tombstones=tombstones)
    return segs


class _Ends:
    """Passes decrypted records on, keeping the begin records no end record has closed."""

    def __init__(self, sink: RecordSink | None) -> None:
        self._sink = sink
        self._open: dict[str, int] = {}

    def __call__(self, rec: dict[str, Any]) -> None:
        rid = rec.get("request_id")
        if isinstance(rid, str):
            if rec.get("type") == "begin":
                self._open[rid] = int(rec["_segment"])
            elif rec.get("type") == "end":
                self._open.pop(rid, None)
        if self._sink is not None:
            self._sink(rec)

    def report(self, segments: list[SegmentReport], last: int) -> list[dict[str, Any]]:
        by_number = {s.segment: s for s in segments}
        out = []
        for rid, number in self._open.items():
            seg = by_number.get(number)
            why = ""
            if seg is not None and number == last and not seg.closed:
                why = "in_flight"
            elif seg is not None and any("crash recovery" in e for e in seg.events):
                why = "crash"
            out.append({"request_id": rid, "segment": number, "why": why})
        return out


def _retention(segs: dict[int, _Parsed]) -> tuple[int | None, str | None]:
    """The highest ``deleted_upto`` any header or tombstone vouches for."""
    best: tuple[int | None, str | None] = (None, None)
    for p in segs.values():
        docs = [p.header.doc.get("retention")] if p.header else []
        docs += p.tombstones
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


@dataclass
class _Log:
    """What checking one segment needs to know about the whole log."""

    appliance_id: str | None
    officer: X25519PrivateKey | None
    on_record: RecordSink | None
    deleted_upto: int | None
    deleted_hash: str | None
    #: Signed header bytes seen so far -> the segment they were found in (replays).
    seen_headers: dict[bytes, int] = field(default_factory=dict)


def _check(p: _Parsed, rep: SegmentReport, prev: _Parsed | None, is_last: bool,
           log: _Log) -> None:
    """One segment: its header, its link to the one before, then every frame in order."""
    if p.header is None:
        if not p.frames.frames and p.frames.state == "torn" and is_last:
            rep.flag("TORN_TAIL", "crash before the header was complete", 0)
        else:
            rep.flag("TAMPERED", "no valid segment header", 0)
        return
    header = p.header
    if not _check_header(p, header, rep, log):
        return
    _check_link(p, header.doc, rep, prev, log)
    walk = _Walk(p, header.doc, rep, log, _record_chain(p, header.doc, rep, log))
    for i, f, head in fmt.walk(p.frames.frames):
        if not walk.frame(i, f, head):
            break
    p.end_hash = walk.end_head.hex()
    rep.closed = walk.closed
    _check_end(p, rep, walk, is_last, log)


def _check_header(p: _Parsed, header: fmt.Signed, rep: SegmentReport, log: _Log) -> bool:
    """The header: signed by the device and by the segment's first one-time key, for this
    appliance, not a replay of another segment's."""
    h = header.doc
    device = _pub(h.get("device_pub"))
    if device is None or fmt.fingerprint(device) != h.get("appliance_id") \
            or not header.verify_device(device):
        rep.flag("TAMPERED", "segment header's device signature does not verify", 0)
        return False
    if h.get("appliance_id") != log.appliance_id:
        rep.flag("KEY_MISMATCH", f"segment was written by appliance {h.get('appliance_id')}, "
                 f"not {log.appliance_id}", 0)
        return False
    signed_bytes = header.signed
    if signed_bytes in log.seen_headers or h.get("segment") != p.number:
        other = log.seen_headers.get(signed_bytes, h.get("segment"))
        if isinstance(other, int) and other < p.number:
            rep.flag("ROLLBACK", f"file holds segment {other} again (an old segment replayed)",
                     0)
        else:
            rep.flag("TAMPERED", f"header names segment {h.get('segment')}", 0)
        return False
    log.seen_headers[signed_bytes] = p.number
    key = _pub(h.get("signer_pub"))
    if key is None or not header.verify(key):
        rep.flag("TAMPERED", "segment header's one-time signature does not verify", 0)
        return False
    return True


def _check_link(p: _Parsed, h: dict[str, Any], rep: SegmentReport, prev: _Parsed | None,
                log: _Log) -> None:
    """The link to the segment before: its end hash, and the key its last signature
    certified (or, after retention, the hash the tombstone vouches for)."""
    link, signer = h.get("prev"), h.get("signer_pub")
    if prev is not None:
        if not isinstance(link, dict) or link.get("segment") != p.number - 1 \
                or link.get("hash") != prev.end_hash or signer != prev.final_next:
            rep.flag("TAMPERED", f"does not continue segment {p.number - 1} (chain or signing "
                     f"key differ: rewritten, or the chain restarted)", 0)
    elif p.number > 1:
        # With a gap before it, the segment before is reported MISSING instead.
        if log.deleted_upto == p.number - 1 and (
                not isinstance(link, dict) or link.get("hash") != log.deleted_hash):
            rep.flag("TAMPERED", "does not continue the segment retention deleted", 0)
    elif link is not None:
        rep.flag("TAMPERED", "first segment claims a predecessor", 0)


def _record_chain(p: _Parsed, h: dict[str, Any], rep: SegmentReport,
                  log: _Log) -> bytes | None:
    """With the officer's key: the chain key of the segment's first record (None without
    the key, or when the seed is not sealed to it)."""
    officer = log.officer
    if officer is None:
        return None
    if h.get("officer_key") != fmt.fingerprint(officer.public_key()):
        rep.flag("KEY_MISMATCH", f"sealed to officer key {h.get('officer_key')}, not to "
                 f"{fmt.fingerprint(officer.public_key())}", 0)
        return None
    try:
        sealed = fmt.unb64(h.get("sealed_seed", ""))
    except ValueError:
        sealed = b""
    seed = fmt.open_seed(sealed, officer, h["appliance_id"], p.number)
    if seed is None:
        rep.flag("KEY_MISMATCH", "the segment seed does not open with this key", 0)
        return None
    return fmt.next_chain(fmt.first_chain(seed))


class _Walk:
    """The frames of one segment in order: sequence numbers, checkpoints signed by the key
    the previous signature certified, records that decrypt and authenticate."""

    def __init__(self, p: _Parsed, h: dict[str, Any], rep: SegmentReport, log: _Log,
                 chain: bytes | None) -> None:
        self.p, self.rep, self.log, self.chain = p, rep, log, chain
        self.expected = h.get("next_pub")
        p.final_next = self.expected
        self.end_head = fmt.chain_start(p.frames.frames[0].body)
        self.last_anchor = 0
        self.closed = False
        #: Decrypted records not yet covered by a checkpoint.
        self.pending: list[dict[str, Any]] = []

    def frame(self, i: int, f: fmt.Frame, head: bytes) -> bool:
        """Check frame ``i`` (``head``: the chain before it); False stops the walk."""
        rep = self.rep
        self.end_head = head
        if self.closed:
            rep.flag("TAMPERED", "frames after the segment's final checkpoint", f.seq)
            return False
        if f.seq != i:
            rep.flag("TAMPERED", f"frame {i} carries sequence number {f.seq} (records "
                     f"reordered, duplicated or removed)", i)
            return False
        if f.ftype == fmt.HEADER:
            rep.flag("TAMPERED", "a second header inside the segment", i)
            return False
        ok = self._checkpoint(i, f, head) if f.ftype == fmt.CHECKPOINT else \
            self._record(i, f, head) if f.ftype == fmt.RECORD else self._event(i, f)
        if ok:
            self.end_head = fmt.chain_next(head, f.ftype, f.body)
            if self.chain is not None:
                self.chain = fmt.next_chain(self.chain)
        return ok

    def _checkpoint(self, i: int, f: fmt.Frame, head: bytes) -> bool:
        rep, p = self.rep, self.p
        cp = fmt.parse_signed(f, with_device=False)
        ck = _pub(self.expected)
        if cp is None or ck is None or cp.doc.get("signer_pub") != self.expected \
                or not cp.verify(ck):
            rep.flag("TAMPERED", "checkpoint not signed by the key the previous signature "
                     "certified (re-signed or forged)", i)
            return False
        d = cp.doc
        if d.get("seq") != i or d.get("head") != head.hex() or d.get("segment") != p.number \
                or d.get("appliance_id") != self.log.appliance_id:
            rep.flag("TAMPERED", "checkpoint does not match the records before it", i)
            return False
        self.expected = p.final_next = d.get("next_pub")
        p.checkpoints[i] = f.body
        rep.checkpoints += 1
        self.last_anchor = i
        t = d.get("time")
        if isinstance(t, int | float):
            rep.first_time = rep.first_time if rep.first_time is not None else float(t)
            rep.last_time = float(t)
        self.closed = bool(d.get("final"))
        if d.get("recovered"):
            rep.events.append(f"closed by crash recovery at seq {i}")
        if self.log.on_record is not None:
            for r in self.pending:
                self.log.on_record(r)
            self.pending.clear()
        return True

    def _record(self, i: int, f: fmt.Frame, head: bytes) -> bool:
        self.rep.records += 1
        if self.chain is None:
            return True
        aad = fmt.record_aad(self.log.appliance_id or "", self.p.number, i, head)
        plain = fmt.decrypt_record(self.chain, f.payload, aad)
        if plain is None:
            self.rep.flag("TAMPERED", "record does not decrypt or authenticate", i)
            return False
        try:
            doc = json.loads(plain)
        except (UnicodeDecodeError, json.JSONDecodeError):
            self.rep.flag("TAMPERED", "record is not JSON", i)
            return False
        doc["_segment"], doc["_seq"] = self.p.number, i
        self.pending.append(doc)
        return True

    def _event(self, i: int, f: fmt.Frame) -> bool:
        doc = fmt.parse_json_payload(f)
        if doc is None:
            self.rep.flag("TAMPERED", "system event or tombstone is not JSON", i)
            return False
        if f.ftype == fmt.SYSTEM:
            self.rep.events.append(f"{doc.get('event')} at seq {i}")
        return True


def _check_end(p: _Parsed, rep: SegmentReport, walk: _Walk, is_last: bool, log: _Log) -> None:
    """How the segment ends: records after the last checkpoint, a torn or corrupt tail, a
    missing final checkpoint."""
    frames = p.frames.frames
    if log.on_record is not None and walk.pending and rep.status in OK_VERDICTS:
        for r in walk.pending:  # decrypted and authenticated, but after the last checkpoint
            r["_unanchored"] = True
            log.on_record(r)
    scanned = p.frames
    if scanned.state == "corrupt":
        rep.flag("TAMPERED", scanned.problem, len(frames))
    elif scanned.state == "torn":
        if is_last:
            rep.flag("TORN_TAIL", f"{scanned.problem} (a crash; the daemon cuts it off and "
                     f"notes a recovery on its next start)", len(frames))
        else:
            rep.flag("TAMPERED", f"segment cut short: {scanned.problem}", len(frames))
    if not walk.closed and rep.status == "VALID":
        after = len(frames) - 1 - walk.last_anchor
        if not is_last:
            rep.flag("TAMPERED", "segment has no final checkpoint but a newer segment exists "
                     "(truncated)", len(frames))
        elif after:
            rep.flag("UNANCHORED_TAIL", f"{after} frames after the last checkpoint (seq "
                     f"{walk.last_anchor}) are not yet signed", walk.last_anchor + 1)


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
