"""Building real audit logs for the adversarial, crash and fault tests."""

from __future__ import annotations

import shutil
import struct
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from appliance.audit import format as fmt
from appliance.audit.verify import Report, verify_dir
from appliance.audit.writer import AuditWriter, WriterSettings


@dataclass
class Log:
    root: Path
    officer: X25519PrivateKey
    settings: WriterSettings

    @property
    def dir(self) -> Path:
        return self.settings.dir

    @property
    def anchors(self) -> Path:
        return Path(self.settings.sink)

    def segment(self, n: int) -> Path:
        return self.dir / fmt.segment_name(n)

    def writer(self, **changes: object) -> AuditWriter:
        w = AuditWriter(replace(self.settings, **changes))  # type: ignore[arg-type]
        w.open()
        return w

    def write_session(self, records: int, tag: str = "r") -> list[bytes]:
        """Open the writer, append ``records`` records (each durable), close: one segment."""
        w = self.writer()
        sent = [fmt.canonical({"type": "begin", "request_id": f"{tag}{i}", "n": i})
                for i in range(records)]
        for rec in sent:
            w.append(rec).result(10)
        w.close()
        return sent

    def verify(self, key: bool = True, anchors: bool = False) -> Report:
        return verify_dir(self.dir, self.officer if key else None,
                          self.anchors if anchors else None)

    def records(self) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        verify_dir(self.dir, self.officer, None, out.append)
        return out

    def copy(self, dest: Path) -> Log:
        shutil.copytree(self.root, dest)
        s = self.settings
        return Log(dest, self.officer, replace(
            s, dir=dest / "audit", signer_path=dest / "state" / "signer.json",
            sink=str(dest / "anchors.jsonl")))


def new_log(root: Path, device: Ed25519PrivateKey | None = None,
            officer: X25519PrivateKey | None = None, **settings: object) -> Log:
    root.mkdir(parents=True, exist_ok=True)
    officer = officer or X25519PrivateKey.generate()
    s = WriterSettings(dir=root / "audit", officer=officer.public_key(),
                       device=device or Ed25519PrivateKey.generate(),
                       signer_path=root / "state" / "signer.json",
                       sink=str(root / "anchors.jsonl"), checkpoint_records=4,
                       free_warn_bytes=0, free_refuse_bytes=0, retry_interval=0.05)
    return Log(root, officer, replace(s, **settings))  # type: ignore[arg-type]


def frames(path: Path) -> list[fmt.Frame]:
    return fmt.scan(path.read_bytes()).frames


def reframe(data: bytes, frame: fmt.Frame, body: bytes) -> bytes:
    """Replace one frame's body and fix its CRC, as a careful attacker would."""
    return data[:frame.offset] + fmt.encode_frame(frame.ftype, body) + data[frame.end:]


def raw_frame(data: bytes, frame: fmt.Frame) -> bytes:
    return data[frame.offset:frame.end]


def crc_ok(data: bytes) -> bool:
    head = data[:7]
    (length,) = struct.unpack(">I", head[3:7])
    return struct.unpack(">I", data[7 + length:11 + length])[0] == zlib.crc32(
        data[2:7 + length])


def full_count(ci: int, full: int) -> int:
    """Slow tests run ``ci`` iterations in CI and ``full`` under ``make test-full``."""
    import os

    return full if os.environ.get("APPLIANCE_FULL_TESTS") == "1" else ci
