"""The audit log's on-disk format: frames, segment headers, checkpoints, and the key schedules.

See ``security/AUDIT_FORMAT.md`` for the whole design; this module is its executable form and is
shared by the writer (daemon) and the verifier (officer). In short::

    segment file seg-NNNNNNNN.alog = frame*
    frame   = "AL" | type (1 byte) | length (u32 BE) | body | CRC-32 (u32 BE) of type..body
    body    = seq (u64 BE) | payload          seq 0 is the header, then 1, 2, 3 ... per frame
    chain   h_0 = SHA-256("llm-appliance audit chain v1" | header body)
            h_n = SHA-256(h_{n-1} | type | body_n)

Frame types: ``H`` header, ``R`` encrypted record, ``C`` signed checkpoint, ``S`` system event
(start, recovery, suspend, resume; plaintext), ``T`` retention tombstone (plaintext).

Two key schedules:

* **Records** (confidentiality, forward secure): each segment has a random 32-byte seed, sealed to
  the officer's X25519 key with HPKE in the header. ``c_0 = HKDF(seed, "chain")``;
  ``c_{n+1} = HKDF(c_n, "chain")``; frame ``n`` uses ``k_n = HKDF(c_n, "record")``. The writer
  keeps only the newest ``c``, so nothing it holds decrypts an earlier record.
* **Signatures** (integrity, forward secure): a one-time Ed25519 key per signed frame.
  ``s_{i+1} = HKDF(s_i, "signer")``; every signed frame carries ``next_pub`` = the public key of
  ``s_{i+1}``, and the writer then forgets ``s_i``. A checkpoint can only be signed by the key the
  previous signed frame certified, so nothing the writer holds can re-sign an old checkpoint.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

VERSION = 1
MAGIC = b"AL"
FRAME_OVERHEAD = 2 + 1 + 4 + 4
#: The largest body a frame may declare; anything larger is corruption, not a record.
MAX_BODY = 32 * 1024 * 1024
SEQ = struct.Struct(">Q")
HEAD = struct.Struct(">2scI")
CRC = struct.Struct(">I")
NONCE = b"\0" * 12  # every record key encrypts exactly one record

HEADER, RECORD, CHECKPOINT, SYSTEM, TOMBSTONE = b"H", b"R", b"C", b"S", b"T"
TYPES = frozenset({HEADER, RECORD, CHECKPOINT, SYSTEM, TOMBSTONE})

HPKE_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
SUITE_NAME = "HPKE(X25519,HKDF-SHA256,AES-256-GCM)+HKDF-SHA256 ratchet+AES-256-GCM+Ed25519"


def segment_name(number: int) -> str:
    return f"seg-{number:08d}.alog"


def parse_segment_name(name: str) -> int | None:
    if name.startswith("seg-") and name.endswith(".alog") and name[4:-5].isdigit():
        return int(name[4:-5])
    return None


def canonical(obj: Any) -> bytes:
    """The one JSON encoding that is signed and hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _hkdf(key: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"llm-appliance audit v1 " + label).derive(key)


def next_chain(chain: bytes) -> bytes:
    return _hkdf(chain, b"chain")


def record_key(chain: bytes) -> bytes:
    return _hkdf(chain, b"record")


def first_chain(seed: bytes) -> bytes:
    return _hkdf(seed, b"chain")


def next_signer(seed: bytes) -> bytes:
    return _hkdf(seed, b"signer")


def signer_key(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


def raw_public(key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def fingerprint(key: Ed25519PublicKey | X25519PublicKey) -> str:
    """A key's identity: the first 16 bytes of SHA-256 of its raw public bytes, in hex."""
    return hashlib.sha256(raw_public(key)).hexdigest()[:32]


def seal_info(appliance_id: str, segment: int) -> bytes:
    return f"llm-appliance audit v1 seed|{appliance_id}|{segment}".encode()


def seal_seed(seed: bytes, officer: X25519PublicKey, appliance_id: str, segment: int) -> bytes:
    return HPKE_SUITE.encrypt(seed, officer, info=seal_info(appliance_id, segment))


def open_seed(sealed: bytes, officer: X25519PrivateKey, appliance_id: str,
              segment: int) -> bytes | None:
    try:
        return HPKE_SUITE.decrypt(sealed, officer, info=seal_info(appliance_id, segment))
    except (InvalidTag, ValueError):
        return None


def record_aad(appliance_id: str, segment: int, seq: int, prev: bytes) -> bytes:
    return b"llm-appliance audit v1 record|" + appliance_id.encode() + struct.pack(
        ">IQ", segment, seq) + prev


def encrypt_record(chain: bytes, plaintext: bytes, aad: bytes) -> bytes:
    return AESGCM(record_key(chain)).encrypt(NONCE, plaintext, aad)


def decrypt_record(chain: bytes, ciphertext: bytes, aad: bytes) -> bytes | None:
    try:
        return AESGCM(record_key(chain)).decrypt(NONCE, ciphertext, aad)
    except InvalidTag:
        return None


def chain_start(header_body: bytes) -> bytes:
    return hashlib.sha256(b"llm-appliance audit chain v1" + header_body).digest()


def chain_next(head: bytes, ftype: bytes, body: bytes) -> bytes:
    return hashlib.sha256(head + ftype + body).digest()


def encode_frame(ftype: bytes, body: bytes) -> bytes:
    head = HEAD.pack(MAGIC, ftype, len(body))
    return head + body + CRC.pack(zlib.crc32(head[2:] + body))


def signed_body(seq: int, doc: dict[str, Any], sign: Ed25519PrivateKey,
                device: Ed25519PrivateKey | None = None) -> bytes:
    """Header and checkpoint payload: canonical JSON | one-time signature [| device signature].

    The one-time signature covers seq and the JSON; the device signature (headers only) also
    covers the one-time signature."""
    text = canonical(doc)
    signed = SEQ.pack(seq) + text
    sig = sign.sign(signed)
    out = SEQ.pack(seq) + struct.pack(">I", len(text)) + text + sig
    if device is not None:
        out += device.sign(signed + sig)
    return out


#: Domain separation of the statement by which a retiring device key hands the log over.
ROTATION_CONTEXT = b"llm-appliance audit v1 device rotation|"


def rotation_statement(old: Ed25519PrivateKey, new: Ed25519PublicKey, segment: int,
                       prev: dict[str, Any] | None, time: float) -> dict[str, Any]:
    """The ``rotation`` field of the first header a new device key signs: the old key says
    which key continues the log, from which segment and after which link (no secrets)."""
    doc = {"old_appliance_id": fingerprint(old.public_key()),
           "old_device_pub": raw_public(old.public_key()).hex(),
           "new_appliance_id": fingerprint(new), "new_device_pub": raw_public(new).hex(),
           "segment": segment, "prev": prev, "time": time}
    return {**doc, "sig": b64(old.sign(ROTATION_CONTEXT + canonical(doc)))}


def rotation_from(header: dict[str, Any]) -> str | None:
    """The appliance_id a header's ``rotation`` statement hands the log over from, when the
    statement is signed by that (old) device key and names this header's key, segment and
    link; None when there is no statement or it does not verify."""
    st = header.get("rotation")
    if not isinstance(st, dict) or st.get("new_device_pub") != header.get("device_pub") \
            or st.get("prev") != header.get("prev"):
        return None
    return rotation_signer(st, header.get("appliance_id"), header.get("segment"))


def rotation_signer(st: Any, appliance_id: Any, segment: Any) -> str | None:
    """The old appliance_id, when ``st`` is a rotation statement signed by that device key
    handing the log over to ``appliance_id`` at ``segment`` (the check an anchor line that
    carries the statement gets); None otherwise."""
    if not isinstance(st, dict) or st.get("new_appliance_id") != appliance_id \
            or st.get("segment") != segment:
        return None
    doc = {k: v for k, v in st.items() if k != "sig"}
    try:
        old = Ed25519PublicKey.from_public_bytes(bytes.fromhex(doc["old_device_pub"]))
        new = Ed25519PublicKey.from_public_bytes(bytes.fromhex(doc["new_device_pub"]))
        old.verify(unb64(st["sig"]), ROTATION_CONTEXT + canonical(doc))
    except (KeyError, TypeError, AttributeError, ValueError, InvalidSignature):
        return None
    old_id = fingerprint(old)
    if doc.get("old_appliance_id") != old_id or fingerprint(new) != appliance_id:
        return None
    return old_id


@dataclass(frozen=True)
class Frame:
    offset: int
    ftype: bytes
    body: bytes

    @property
    def seq(self) -> int:
        return int(SEQ.unpack_from(self.body)[0]) if len(self.body) >= SEQ.size else -1

    @property
    def end(self) -> int:
        return self.offset + FRAME_OVERHEAD + len(self.body)

    @property
    def payload(self) -> bytes:
        return self.body[SEQ.size:]


@dataclass(frozen=True)
class Signed:
    """A parsed header or checkpoint: its JSON, the signed bytes and the signatures."""

    doc: dict[str, Any]
    signed: bytes
    sig: bytes
    device_sig: bytes | None

    def verify(self, key: Ed25519PublicKey) -> bool:
        try:
            key.verify(self.sig, self.signed)
        except InvalidSignature:
            return False
        return True

    def verify_device(self, key: Ed25519PublicKey) -> bool:
        if self.device_sig is None:
            return False
        try:
            key.verify(self.device_sig, self.signed + self.sig)
        except InvalidSignature:
            return False
        return True


def parse_signed(frame: Frame, with_device: bool) -> Signed | None:
    """Split a header/checkpoint body; None when it is malformed."""
    body = frame.body
    if len(body) < SEQ.size + 4:
        return None
    (n,) = struct.unpack_from(">I", body, SEQ.size)
    start = SEQ.size + 4
    text = body[start:start + n]
    rest = body[start + n:]
    if len(text) != n or len(rest) != (128 if with_device else 64):
        return None
    try:
        doc = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(doc, dict):
        return None
    return Signed(doc=doc, signed=body[:SEQ.size] + text, sig=rest[:64],
                  device_sig=rest[64:] if with_device else None)


def parse_json_payload(frame: Frame) -> dict[str, Any] | None:
    try:
        doc = json.loads(frame.payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return doc if isinstance(doc, dict) else None


@dataclass
class ScanResult:
    frames: list[Frame]
    #: Offset after the last whole frame.
    good_end: int
    size: int
    #: "ok", "torn" (the file ends inside a frame, or in zeros) or "corrupt" (a frame is wrong
    #: where a whole one should be: bad magic, type, length or CRC).
    state: str
    problem: str = ""


def scan(data: bytes) -> ScanResult:  # noqa: PLR0911 - one return per way a file ends
    """Split a segment into frames, telling a torn tail from corruption.

    A crash can only leave the end of the file short, or filled with zeros the file system
    allocated but never wrote; anything else that is wrong is corruption (or tampering).
    """
    frames: list[Frame] = []
    pos, size = 0, len(data)
    while pos < size:
        # Only a tail that starts with a zero byte can be all zeros (a frame starts with MAGIC):
        # copying the rest of the file for every frame made a scan quadratic in its size.
        if data[pos] == 0 and not data[pos:].strip(b"\0"):
            return ScanResult(frames, pos, size, "torn", "zero-filled tail")
        if size - pos < 7:
            rest = data[pos:]
            if MAGIC.startswith(rest[:2]) and (len(rest) < 3 or rest[2:3] in TYPES):
                return ScanResult(frames, pos, size, "torn", "partial frame header")
            return ScanResult(frames, pos, size, "corrupt", f"bad frame at offset {pos}")
        magic, ftype, length = HEAD.unpack_from(data, pos)
        if magic != MAGIC or ftype not in TYPES or length > MAX_BODY or length < SEQ.size:
            return ScanResult(frames, pos, size, "corrupt", f"bad frame header at offset {pos}")
        end = pos + 7 + length + 4
        if end > size:
            return ScanResult(frames, pos, size, "torn", f"frame at offset {pos} cut short")
        body = data[pos + 7:pos + 7 + length]
        (crc,) = CRC.unpack_from(data, pos + 7 + length)
        if crc != zlib.crc32(data[pos + 2:pos + 7 + length]):
            return ScanResult(frames, pos, size, "corrupt", f"CRC mismatch at offset {pos}")
        frames.append(Frame(pos, ftype, body))
        pos = end
    return ScanResult(frames, pos, size, "ok")


def iter_segments(names: list[str]) -> Iterator[tuple[int, str]]:
    for name in sorted(names):
        number = parse_segment_name(name)
        if number is not None:
            yield number, name


def walk(frames: Sequence[Frame]) -> Iterator[tuple[int, Frame, bytes]]:
    """The frames after the header (``frames[0]``), each with its index and the chain head
    *before* it: what its checkpoint signs and its record's AAD binds. The one walk of the
    hash chain that recovery, retention and verify all use."""
    head = chain_start(frames[0].body)
    for i, f in enumerate(frames[1:], start=1):
        yield i, f, head
        head = chain_next(head, f.ftype, f.body)


@dataclass
class SegmentEnd:
    """What a segment's own frames say about how it ends (trusted by the writer, which wrote
    them; verify checks every signature instead)."""

    #: The chain head after the last frame.
    head: bytes
    #: The signer key the last signature (header or checkpoint) certified.
    next_pub: str | None
    #: The last checkpoint is a final one: the segment was closed.
    closed: bool
    #: That final checkpoint's time.
    closed_at: float | None
    #: The newest retention link (from the header, or a tombstone after it).
    retention: dict[str, Any] | None


def segment_end(frames: Sequence[Frame]) -> SegmentEnd:
    header = parse_signed(frames[0], with_device=True)
    doc = header.doc if header else {}
    end = SegmentEnd(head=chain_start(frames[0].body), next_pub=doc.get("next_pub"),
                     closed=False, closed_at=None, retention=doc.get("retention"))
    for _i, f, before in walk(frames):
        end.head = chain_next(before, f.ftype, f.body)
        if f.ftype == CHECKPOINT:
            cp = parse_signed(f, with_device=False)
            if cp:
                end.next_pub = cp.doc.get("next_pub")
                end.closed = bool(cp.doc.get("final"))
                end.closed_at = float(cp.doc.get("time", 0)) if end.closed else None
        elif f.ftype == TOMBSTONE:
            tomb = parse_json_payload(f)
            if tomb and "deleted_upto" in tomb:
                end.retention = {k: tomb[k] for k in ("deleted_upto", "hash", "closed")
                                 if k in tomb}
    return end
