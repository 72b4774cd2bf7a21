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

Findings about the log as a whole (:class:`Problem`) make it not valid too:
``ANCHOR_MALFORMED`` (a line of the anchor file is not an anchor: garbled, edited or cut).

The appliance's identity may change only through ``appliance audit rotate-device-key``: the
first header the new device key signs carries a statement signed by the old one
(:func:`appliance.audit.format.rotation_from`); any other change of key is ``KEY_MISMATCH``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

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


#: Malformed anchor lines listed one by one; beyond this, one entry counts the rest.
MAX_LISTED_PROBLEMS = 100


@dataclass(frozen=True)
class Problem:
    """A finding about the log as a whole rather than one segment: its ``kind``, where (the
    anchor file's line number) and why. Never the offending text, which an attacker wrote."""

    kind: str
    detail: str
    line: int | None = None
    #: How many findings this entry stands for (more than 1: the ones not listed).
    count: int = 1


@dataclass
class Report:
    dir: str
    #: The appliance's identity: after a device key rotation, the newest one.
    appliance_id: str | None
    decrypted: bool
    anchors_checked: int = 0
    segments: list[SegmentReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: Device key rotations, oldest first: ``{segment, from, to, time}``.
    rotations: list[dict[str, Any]] = field(default_factory=list)
    #: With the officer's key: requests whose begin record has no end record, each with its
    #: segment and why, when the log says why ("in_flight": its segment is still open;
    #: "crash": its segment was closed by crash recovery; "" : nothing explains it).
    unended: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.segments) and all(s.status in OK_VERDICTS for s in self.segments) \
            and not self.problems

    @property
    def unexplained(self) -> list[dict[str, Any]]:
        return [u for u in self.unended if not u["why"]]

    @property
    def summary(self) -> str:
        counts = Counter(s.status for s in self.segments)
        verdict = "VALID" if self.ok else "NOT VALID"
        text = f"{verdict}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        kinds: dict[str, list[Problem]] = {}
        for p in self.problems:
            kinds.setdefault(p.kind, []).append(p)
        for kind, found in kinds.items():
            lines = [str(p.line) for p in found if p.line is not None]
            where = f" (anchor file line {', '.join(lines[:10])}" \
                f"{' ...' if len(lines) > 10 else ''})" if lines else ""
            text += f"; {sum(p.count for p in found)} {kind}{where}"
        for r in self.rotations:
            text += f"; device key rotated at segment {r['segment']} ({r['from']} -> {r['to']})"
        if self.unended:
            text += (f"; {len(self.unended)} requests began without an end record "
                     f"({len(self.unexplained)} unexplained)")
        return text

    def as_dict(self) -> dict[str, Any]:
        return {"dir": self.dir, "appliance_id": self.appliance_id, "ok": self.ok,
                "decrypted": self.decrypted, "anchors_checked": self.anchors_checked,
                "summary": self.summary, "segments": [asdict(s) for s in self.segments],
                "problems": [asdict(p) for p in self.problems], "rotations": self.rotations,
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
        appliance_id = _first_identity(segs)
    report = Report(str(directory), appliance_id, decrypted=officer is not None)

    deleted_upto, deleted_hash = _retention(segs)
    if not segs:
        return report
    last = max(segs)
    ends = _Ends(on_record)
    log = _Log(appliance_id, officer, ends if officer is not None else on_record,
               deleted_upto, deleted_hash, identities={appliance_id} if appliance_id else set(),
               rotations=report.rotations)
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
    report.appliance_id = log.appliance_id
    if anchors is not None:
        report.anchors_checked = _check_anchors(anchors, segs, report, log.identities,
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


def _first_identity(segs: dict[int, _Parsed]) -> str | None:
    """The appliance_id the log begins with: the one most headers descend from, following
    the rotation statements that verify back to the first device key."""
    parent: dict[str, str] = {}
    ids: list[str] = []
    for p in segs.values():
        if p.header is None or not isinstance(p.header.doc.get("appliance_id"), str):
            continue
        ids.append(p.header.doc["appliance_id"])
        old = fmt.rotation_from(p.header.doc)
        if old is not None:
            parent.setdefault(ids[-1], old)

    def root(ident: str) -> str:
        seen = {ident}
        while ident in parent and parent[ident] not in seen:
            ident = parent[ident]
            seen.add(ident)
        return ident

    counts = Counter(root(i) for i in ids)
    return counts.most_common(1)[0][0] if counts else None


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
    #: Every appliance_id the log has been handed over to so far (anchors name any of them).
    identities: set[str] = field(default_factory=set)
    #: Where the rotations found go (the report's list).
    rotations: list[dict[str, Any]] = field(default_factory=list)
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
    appliance (or handed over to a new device key by a rotation statement the old key
    signed), not a replay of another segment's."""
    h = header.doc
    device = _pub(h.get("device_pub"))
    if device is None or fmt.fingerprint(device) != h.get("appliance_id") \
            or not header.verify_device(device):
        rep.flag("TAMPERED", "segment header's device signature does not verify", 0)
        return False
    ok, rotated_from = _handover(h, rep, log)
    if not ok:
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
    if rotated_from is not None:
        new = str(h["appliance_id"])
        log.appliance_id = new
        log.identities.add(new)
        log.rotations.append({"segment": p.number, "from": rotated_from, "to": new,
                              "time": h.get("time")})
        rep.events.append(f"device key rotated: appliance {rotated_from} -> {new} (statement "
                          f"signed by the old key)")
        rep.detail = f"device key rotated from appliance {rotated_from} to {new}"
    return True


def _handover(h: dict[str, Any], rep: SegmentReport, log: _Log) -> tuple[bool, str | None]:
    """Whether the header is this appliance's: its key is the current one, or a rotation
    statement signed by the current one hands the log over to it (then also the old id)."""
    if "rotation" not in h:
        if h.get("appliance_id") == log.appliance_id:
            return True, None
        rep.flag("KEY_MISMATCH", f"segment was written by appliance {h.get('appliance_id')}, "
                 f"not {log.appliance_id} (a device key changed without appliance audit "
                 f"rotate-device-key, or another appliance's segment)", 0)
        return False, None
    rotated_from = fmt.rotation_from(h)
    if rotated_from is None:
        rep.flag("TAMPERED", "device key rotation statement does not verify (not signed by "
                 "the old device key, or not for this segment)", 0)
        return False, None
    if rotated_from != log.appliance_id:
        rep.flag("KEY_MISMATCH", f"rotation hands over from appliance {rotated_from}, not "
                 f"{log.appliance_id}", 0)
        return False, None
    return True, rotated_from


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
                   identities: set[str], deleted_upto: int | None) -> int:
    """Every checkpoint the external sink received must still be in the log, unchanged.

    Every line that is not blank must be an anchor: one that is garbled, edited or cut is a
    finding (``ANCHOR_MALFORMED``), never skipped, since skipping it would hide the newest
    segment's deletion. Anchors of other appliances (a shared file) are checked for form,
    then left out; the log's own are those of every identity a rotation handed it to."""
    identities = _anchored_identities(path, identities)
    by_number = {r.segment: r for r in report.segments}
    checked = 0
    malformed: list[Problem] = []
    for number_of_line, anchor, why in _anchor_lines(path):
        if anchor is None:
            malformed.append(Problem("ANCHOR_MALFORMED", f"anchor file line "
                                     f"{number_of_line}: {why}", number_of_line))
            continue
        if anchor.appliance_id not in identities:
            continue
        checked += 1
        number, seq = anchor.segment, anchor.seq
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
        if body is None:
            rep.flag("ROLLBACK", f"anchored checkpoint at seq {seq} is no longer in the log "
                     f"(truncated or replaced by an older copy)", seq)
        elif body != anchor.body:
            rep.flag("TAMPERED", f"checkpoint at seq {seq} differs from its anchor", seq)
    report.segments.sort(key=lambda r: r.segment)
    report.problems.extend(malformed[:MAX_LISTED_PROBLEMS])
    if len(malformed) > MAX_LISTED_PROBLEMS:
        rest = len(malformed) - MAX_LISTED_PROBLEMS
        report.problems.append(Problem("ANCHOR_MALFORMED", f"{rest} more malformed anchor "
                                       f"lines", count=rest))
    return checked


def _anchored_identities(path: Path, known: set[str]) -> set[str]:
    """``known``, and the identities the anchors' rotation statements hand the log over to
    from one of them: the lines of a rotation's segment carry its statement, so deleting
    that segment (and every later one) does not turn their anchors into a stranger's."""
    handed: dict[str, str] = {}
    for _n, anchor, _why in _anchor_lines(path, only_with='"rotation"'):
        if anchor is not None and anchor.rotated_from is not None:
            handed.setdefault(anchor.appliance_id, anchor.rotated_from)
    ids = set(known)
    grown = True
    while grown:
        new = {to for to, old in handed.items() if old in ids and to not in ids}
        ids |= new
        grown = bool(new)
    return ids


@dataclass(frozen=True)
class _Anchor:
    appliance_id: str
    segment: int
    seq: int
    #: The checkpoint frame's body, as the writer signed it.
    body: bytes
    #: The identity a rotation statement on the line hands the log over from.
    rotated_from: str | None = None


#: What precedes the JSON of an anchor line copied from syslog.
SYSLOG_MARK = "AUDIT_CHECKPOINT "


def _anchor_lines(path: Path, only_with: str = "") -> Iterator[tuple[int, _Anchor | None, str]]:
    """Each line that is not blank (and holds ``only_with``): its number, the anchor or
    None, and why not."""
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, raw in enumerate(fh, start=1):
            if only_with not in raw:
                continue
            # NUL bytes: what a power loss leaves where the file system allocated but never
            # wrote; a line of them alone is blank.
            text = raw.strip(" \t\r\n\0")
            if text:
                anchor, why = _parse_anchor(text.split(SYSLOG_MARK, 1)[-1])
                yield number, anchor, why


def _parse_anchor(text: str) -> tuple[_Anchor | None, str]:  # noqa: PLR0911 - one per defect
    """An anchor line's JSON, checked for form and against the checkpoint it carries."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return None, "not JSON"
    if not isinstance(doc, dict):
        return None, "not a JSON object"
    ident, number, seq = doc.get("appliance_id"), doc.get("segment"), doc.get("seq")
    if not isinstance(ident, str) or not ident:
        return None, "no appliance_id"
    if not _positive(number) or not _positive(seq):
        return None, "segment or seq is not a positive integer"
    try:
        body = fmt.unb64(doc["checkpoint"])
    except (KeyError, AttributeError, ValueError):
        return None, "checkpoint is missing or not base64"
    cp = fmt.parse_signed(fmt.Frame(0, fmt.CHECKPOINT, body), with_device=False)
    if cp is None or cp.doc.get("type") != "checkpoint":
        return None, "checkpoint is not a signed checkpoint"
    d = cp.doc
    if (d.get("appliance_id"), d.get("segment"), d.get("seq")) != (ident, number, seq) \
            or fmt.SEQ.unpack_from(body)[0] != seq:
        return None, "appliance_id, segment or seq differ from the checkpoint it carries"
    rotated_from = None
    if "rotation" in doc:
        rotated_from = fmt.rotation_signer(doc["rotation"], ident, number)
        if rotated_from is None:
            return None, "rotation statement does not verify"
    return _Anchor(ident, number, seq, body, rotated_from), ""


def _positive(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0

