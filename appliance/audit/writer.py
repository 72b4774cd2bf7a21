"""The audit writer: one thread, group commit, forward-secure sealing, checkpoints, rotation,
retention, crash recovery and fail-closed suspension.

Callers hand :meth:`AuditWriter.append` a record (bytes of canonical JSON) and get a
:class:`concurrent.futures.Future` that resolves once the record is durable (``sync``: after the
``fdatasync`` of the group it was written in) or written to the kernel (``batch``: synced within
``batch_interval``). If it cannot be written, the future fails with :class:`AuditUnavailable`
and the writer is *suspended*: every append fails at once until writing works again.

All file and key state is owned by the writer thread; the public methods only enqueue.
"""

from __future__ import annotations

import contextlib
import errno
import os
import queue
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from appliance.audit import format as fmt
from appliance.audit.keys import SignerState, load_signer, save_signer
from appliance.audit.lock import DirectoryLock
from appliance.errors import Unavailable
from appliance.files import fsync_dir

log = structlog.get_logger("appliance.audit")

#: Steps the recovering writer ratchets its persisted signing seed forward to find the key the
#: log's last signed frame certified (a crash between the checkpoint and the seed save).
MAX_SIGNER_CATCH_UP = 4


class AuditUnavailable(Unavailable):
    """The audit log cannot be written; the appliance refuses requests until it can."""


@dataclass(frozen=True)
class WriterSettings:
    dir: Path
    officer: X25519PublicKey
    device: Ed25519PrivateKey
    signer_path: Path
    durability: str = "sync"          # "sync" | "batch"
    batch_interval: float = 0.2       # seconds; batch mode syncs at least this often
    checkpoint_records: int = 256     # frames between checkpoints
    checkpoint_seconds: float = 10.0  # and at most this long between them (when there is news)
    segment_max_bytes: int = 64 * 1024 * 1024
    segment_max_age: float = 86400.0
    retention_days: float = 90.0      # 0 keeps everything
    free_warn_bytes: int = 1024 * 1024 * 1024
    free_refuse_bytes: int = 256 * 1024 * 1024
    sink: str = ""                    # "" none, "syslog", or a file path
    retry_interval: float = 1.0       # while suspended, how often writing is tried again
    #: Wall-clock time (seconds since the epoch) for record and checkpoint times, retention
    #: and suspension; durations between writes use time.monotonic().
    clock: Callable[[], float] = time.time
    #: The retiring device key, only for ``appliance audit rotate-device-key``: it signs the
    #: rotation statement in the header of the first segment ``device`` signs.
    rotate_from: Ed25519PrivateKey | None = None


_STOP = object()
#: End records owed while the log is suspended, kept in memory until it works again.
MAX_OWED = 10_000


#: The local syslog socket ("syslog" sink); "syslog:/path" names another (rsyslog imuxsock).
DEV_LOG = "/dev/log"
#: <PRI> of the anchor lines: facility authpriv (10), severity notice (5).
_SYSLOG_PRI = 10 * 8 + 5


def send_syslog(path: str, message: str) -> None:
    """One message to the syslog socket at ``path``, raising OSError when it cannot be
    delivered (no socket, no listener, a full queue): Python's ``syslog`` module drops such
    messages silently, and a missing anchor must be loud."""
    import socket  # noqa: PLC0415

    data = f"<{_SYSLOG_PRI}>llm-appliance-audit[{os.getpid()}]: {message}".encode()
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.sendto(data, path)
        except OSError as exc:
            if exc.errno != errno.EPROTOTYPE:
                raise
            # A stream socket (some syslog daemons): a NUL-terminated message.
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as stream:
                stream.settimeout(1.0)
                stream.connect(path)
                stream.sendall(data + b"\0")


class AuditWriter:
    def __init__(self, settings: WriterSettings,
                 on_state: Callable[[bool, str], None] | None = None) -> None:
        self.s = settings
        self.appliance_id = fmt.fingerprint(settings.device.public_key())
        #: The appliance_id of the segment being written: this key's, or (closing a crashed
        #: segment) the id of the key that began it.
        self._segment_id = self.appliance_id
        self._rotate_from = settings.rotate_from
        #: The open segment's rotation statement, repeated in its anchor lines: the anchors
        #: then vouch for the new appliance_id even if the segment itself is deleted.
        self._rotation: dict[str, Any] | None = None
        self.officer_fp = fmt.fingerprint(settings.officer)
        self._on_state = on_state
        self._lock = DirectoryLock(settings.dir, "audit directory", ".audit.lock")
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.suspended: str | None = None  # why, while appends fail
        self._suspended_at = 0.0
        self._refused = 0
        self._counts = threading.Lock()
        #: Records refused while suspended that must still be written (end records of
        #: requests that began): written first once the log works again.
        self._owed: deque[bytes] = deque()
        self._low_space_warned = False
        # Segment state, owned by the writer thread once started.
        self._fd = -1
        self.segment = 0
        self._seq = 0
        self._head = b""
        self._chain = b""
        self._offset = 0
        self._signer: SignerState | None = None
        self._since_checkpoint = 0
        self._last_checkpoint = 0.0
        self._opened = 0.0
        self._unsynced = False
        self._last_sync = 0.0
        self._retention: dict[str, Any] | None = None
        self._committed: tuple[int, int, bytes, bytes, SignerState | None, int] | None = None
        self._pending_anchor: tuple[dict[str, Any], bytes] = ({}, b"")
        self._abandon = False
        self._halt = False
        self._last_retry = 0.0
        self._pending_link: dict[str, Any] | None = None
        self._open_signer: SignerState | None = None
        # The system calls that touch the disk; tests swap them to inject faults (ENOSPC, EIO).
        #: time.monotonic() when the running write (and fdatasync) began, None when idle.
        self.io_started: float | None = None
        self.os_write: Callable[[int, memoryview], int] = os.write
        self.os_fdatasync: Callable[[int], None] = os.fdatasync
        # Figures for status and metrics.
        self.appended = 0
        self.bytes_written = 0
        self.last_append_seconds = 0.0

    # ---- public API (any thread) -------------------------------------------------------------

    def open(self) -> None:
        """Take the directory's lock, recover what a crash left, open a new segment and start
        the writer thread."""
        self.s.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock.acquire()
        try:
            recovery = self._recover()
            self._open_segment(recovery)
            self._apply_retention()
        except BaseException:
            self._lock.release()
            raise
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()
        log.info("audit_open", dir=str(self.s.dir), segment=self.segment,
                 appliance_id=self.appliance_id, officer_key=self.officer_fp,
                 durability=self.s.durability)

    def append(self, record: bytes) -> Future[None]:
        fut: Future[None] = Future()
        if self.suspended is not None:
            self.count_refusal()
            fut.set_exception(AuditUnavailable(f"audit log unavailable: {self.suspended}",
                                               state="audit_unavailable"))
            return fut
        self._queue.put((record, fut))
        return fut

    def owe(self, record: bytes) -> bool:
        """Keep ``record`` (refused while suspended) to write as soon as the log works again;
        False when too many are owed already (the officer sees the count in the resumed
        event)."""
        with self._counts:
            if len(self._owed) >= MAX_OWED:
                return False
            self._owed.append(record)
            return True

    def count_refusal(self) -> None:
        """A request refused at the door while the log is suspended (counted in the resumed
        event with the ones the writer refused itself)."""
        with self._counts:
            self._refused += 1

    def close(self, timeout: float = 30.0) -> None:
        """Write a final checkpoint, close the segment and stop the thread."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join(timeout)
        self._thread = None
        self._lock.release()

    def halt_as_if_crashed(self) -> None:
        """Tests only: stop the thread without the final checkpoint, like a crash would."""
        self._halt = True
        self.close()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    # ---- writer thread ----------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            item = self._next_item()
            batch: list[tuple[bytes, Future[None]]] = []
            stop = False
            while item is not None:
                if item is _STOP:
                    stop = True
                else:
                    batch.append(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    item = None
            try:
                self._step(batch)
            except Exception as exc:  # fail closed on anything, and keep the thread
                log.error("audit_writer_error", error_type=type(exc).__name__, exc_info=exc)
                self._fail(batch, exc)
            if stop:
                if not self._halt:
                    self._shutdown()
                return

    def _next_item(self) -> Any:
        now = time.monotonic()
        waits = [self._last_checkpoint + self.s.checkpoint_seconds - now
                 if self._since_checkpoint else 3600.0]
        if self._unsynced:
            waits.append(self._last_sync + self.s.batch_interval - now)
        if self.suspended is not None:
            waits.append(self.s.retry_interval)
        try:
            return self._queue.get(timeout=max(min(waits), 0.0))
        except queue.Empty:
            return None

    def _step(self, batch: list[tuple[bytes, Future[None]]]) -> None:
        if self.suspended is not None:
            self._try_resume()
        if self.suspended is None:
            self._check_space()
        if self.suspended is not None:
            self._refuse(batch)
            return
        with self._counts:
            owed, self._owed = list(self._owed), deque()
        batch = [(record, Future()) for record in owed] + batch
        if batch:
            started = time.monotonic()
            # From here a caller can no longer cancel its future (it may have given up, e.g.
            # a client that went away): the record is written all the same, and only those
            # still waiting are told.
            waiting = [fut for _record, fut in batch if fut.set_running_or_notify_cancel()]
            data = bytearray()
            for record, _fut in batch:
                data += self._frame(fmt.RECORD, record)
            checkpoint = self._since_checkpoint >= self.s.checkpoint_records
            if checkpoint:
                data += self._checkpoint_frame(final=False)
            self._write(bytes(data), sync=self.s.durability == "sync" or checkpoint)
            if checkpoint:
                self._after_checkpoint()
            for fut in waiting:
                fut.set_result(None)
            self.appended += len(batch)
            self.last_append_seconds = time.monotonic() - started
        now = time.monotonic()
        if self._unsynced and now - self._last_sync >= self.s.batch_interval:
            self._sync()
        if self._since_checkpoint and now - self._last_checkpoint >= self.s.checkpoint_seconds:
            self._checkpoint(final=False)
        if self._offset >= self.s.segment_max_bytes or now - self._opened >= self.s.segment_max_age:
            self._rotate()

    # ---- frames ------------------------------------------------------------------------------

    def _frame(self, ftype: bytes, payload: bytes) -> bytes:
        """Encode the next frame and advance seq, chain head and record key (not yet written)."""
        seq = self._seq + 1
        if ftype == fmt.RECORD:
            aad = fmt.record_aad(self._segment_id, self.segment, seq, self._head)
            payload = fmt.encrypt_record(self._chain, payload, aad)
        body = fmt.SEQ.pack(seq) + payload
        self._seq = seq
        self._head = fmt.chain_next(self._head, ftype, body)
        self._chain = fmt.next_chain(self._chain)
        self._since_checkpoint += 1
        return fmt.encode_frame(ftype, body)

    def _signed_frame(self, ftype: bytes, doc: dict[str, Any], seq: int,
                      device: bool = False) -> bytes:
        if self._signer is None:
            raise RuntimeError("audit signer not initialised")
        nxt = fmt.next_signer(self._signer.seed)
        doc = {**doc, "signer_pub": self._signer.public_hex,
               "next_pub": fmt.raw_public(fmt.signer_key(nxt).public_key()).hex()}
        body = fmt.signed_body(seq, doc, fmt.signer_key(self._signer.seed),
                               self.s.device if device else None)
        self._signer = SignerState(self.appliance_id, nxt, self._signer.index + 1)
        return body

    def _checkpoint_frame(self, final: bool, **extra: Any) -> bytes:
        seq = self._seq + 1
        doc = {"type": "checkpoint", "appliance_id": self._segment_id, "segment": self.segment,
               "seq": seq, "head": self._head.hex(), "time": self.s.clock(), "final": final,
               **extra}
        body = self._signed_frame(fmt.CHECKPOINT, doc, seq)
        self._seq = seq
        self._head = fmt.chain_next(self._head, fmt.CHECKPOINT, body)
        self._chain = fmt.next_chain(self._chain)
        self._since_checkpoint = 0
        self._last_checkpoint = time.monotonic()
        self._pending_anchor = (doc, body)
        return fmt.encode_frame(fmt.CHECKPOINT, body)

    def _system(self, event: str, **fields: Any) -> bytes:
        return self._frame(fmt.SYSTEM, fmt.canonical(
            {"type": "system", "event": event, "time": self.s.clock(), **fields}))

    def _checkpoint(self, final: bool, **extra: Any) -> None:
        self._write(self._checkpoint_frame(final, **extra), sync=True)
        self._after_checkpoint()

    def _after_checkpoint(self) -> None:
        """The checkpoint is durable: only now forget the key that signed it."""
        if self._signer is None:
            raise RuntimeError("audit signer not initialised")
        save_signer(self.s.signer_path, self._signer)
        doc, body = self._pending_anchor
        self._anchor(doc, body)

    def _anchor(self, doc: dict[str, Any], body: bytes) -> None:
        if not self.s.sink:
            return
        fields = {"appliance_id": doc["appliance_id"], "segment": doc["segment"],
                  "seq": doc["seq"], "time": doc["time"], "final": doc["final"],
                  "checkpoint": fmt.b64(body)}
        if self._rotation is not None and doc["segment"] == self._rotation["segment"]:
            fields["rotation"] = self._rotation
        line = fmt.canonical(fields).decode()
        try:
            if self.s.sink == "syslog" or self.s.sink.startswith("syslog:"):
                send_syslog(self.s.sink.removeprefix("syslog").removeprefix(":") or DEV_LOG,
                            "AUDIT_CHECKPOINT " + line)
            else:
                fd = os.open(self.s.sink, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
                try:
                    os.write(fd, (line + "\n").encode())
                    os.fsync(fd)
                finally:
                    os.close(fd)
        except OSError as exc:
            # The log itself is durable; only the external anchor is missing. Loud, not fatal.
            log.error("audit_anchor_failed", sink=self.s.sink, error=exc.strerror)

    # ---- I/O ---------------------------------------------------------------------------------

    def _write(self, data: bytes, sync: bool) -> None:
        self.io_started = time.monotonic()
        try:
            self._write_sync(data, sync)
        finally:
            self.io_started = None

    def _write_sync(self, data: bytes, sync: bool) -> None:
        view = memoryview(data)
        while view:
            n = self.os_write(self._fd, view)
            if n <= 0:
                raise OSError(errno.EIO, "short write")
            view = view[n:]
        self._offset += len(data)
        self.bytes_written += len(data)
        if sync:
            self._sync()
        else:
            self._unsynced = True
        self._committed = (self._offset, self._seq, self._head, self._chain, self._signer,
                           self._since_checkpoint)

    def _rollback(self) -> None:
        """Cut off whatever the failed write left and return to the last committed frame."""
        if self._committed is None or self._fd < 0:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, self._committed[0])
        (self._offset, self._seq, self._head, self._chain, self._signer,
         self._since_checkpoint) = self._committed

    def _sync(self) -> None:
        outer = self.io_started
        self.io_started = outer or time.monotonic()
        try:
            self.os_fdatasync(self._fd)
        finally:
            self.io_started = outer
        self._unsynced = False
        self._last_sync = time.monotonic()

    # ---- segments ----------------------------------------------------------------------------

    def _segments(self) -> list[int]:
        return sorted(n for n, _ in fmt.iter_segments([p.name for p in self.s.dir.iterdir()]))

    def _path(self, number: int) -> Path:
        return self.s.dir / fmt.segment_name(number)

    def _open_segment(self, notes: dict[str, Any]) -> None:
        """Start segment ``last + 1``: header, a start (or resume) event, a checkpoint."""
        existing = self._segments()
        number = (existing[-1] if existing else 0) + 1
        prev = notes.pop("_prev", None)
        self._open_signer = self._signer
        if self._signer is None:
            self._signer = SignerState(self.appliance_id, secrets.token_bytes(32), 0)
        seed = secrets.token_bytes(32)
        self.segment = number
        self._segment_id = self.appliance_id
        header = {"type": "header", "version": fmt.VERSION, "suite": fmt.SUITE_NAME,
                  "appliance_id": self.appliance_id,
                  "device_pub": fmt.raw_public(self.s.device.public_key()).hex(),
                  "officer_key": self.officer_fp, "segment": number, "time": self.s.clock(),
                  "sealed_seed": fmt.b64(fmt.seal_seed(seed, self.s.officer, self.appliance_id,
                                                       number)),
                  "prev": prev, "retention": self._retention}
        if self._rotate_from is not None:
            header["rotation"] = fmt.rotation_statement(
                self._rotate_from, self.s.device.public_key(), number, prev, header["time"])
        self._rotation = header.get("rotation")
        body = self._signed_frame(fmt.HEADER, header, 0, device=True)
        path = self._path(number)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o640)
        self._fd = fd
        self._committed = None
        self._offset = 0
        self._seq = 0
        self._head = fmt.chain_start(body)
        self._chain = fmt.next_chain(fmt.first_chain(seed))  # c_1: the key for seq 1
        del seed
        self._since_checkpoint = 0
        self._opened = time.monotonic()
        try:
            self._write(fmt.encode_frame(fmt.HEADER, body), sync=True)
            fsync_dir(self.s.dir)
            event = notes.pop("_event", "start")
            data = self._system(event, **notes) + self._checkpoint_frame(final=False)
            self._write(data, sync=True)
        except OSError:
            # Nothing in it was acknowledged: remove the half-made segment, keep the link.
            os.close(fd)
            self._fd = -1
            with contextlib.suppress(OSError):
                path.unlink()
            self._pending_link = prev
            raise
        self._pending_link = None
        self._rotate_from = None  # the statement is in this segment's header; forget the key
        self._after_checkpoint()

    def _close_segment(self, **extra: Any) -> dict[str, Any]:
        """Final checkpoint; returns the link the next segment's header carries."""
        self._checkpoint(final=True, **extra)
        link = {"segment": self.segment, "hash": self._head.hex()}
        os.close(self._fd)
        self._fd = -1
        return link

    def _rotate(self) -> None:
        link = self._close_segment()
        self._apply_retention()
        self._open_segment({"_prev": link, "_event": "rotate"})
        log.info("audit_rotated", segment=self.segment)

    def _shutdown(self) -> None:
        if self.suspended is None and self._fd >= 0:
            try:
                self._close_segment()
            except OSError as exc:
                log.error("audit_close_failed", error=exc.strerror)
        elif self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        log.info("audit_closed", segment=self.segment, appended=self.appended)

    # ---- retention ---------------------------------------------------------------------------

    def _apply_retention(self) -> None:
        if self.s.retention_days <= 0:
            return
        cutoff = self.s.clock() - self.s.retention_days * 86400
        deleted: list[int] = []
        link: dict[str, Any] | None = None
        for number in self._segments():
            if number >= self.segment:
                break
            info = segment_close(self._path(number))
            if info is None or info["time"] > cutoff:
                break  # only a prefix of closed, expired segments goes
            self._path(number).unlink()
            deleted.append(number)
            link = {"deleted_upto": number, "hash": info["hash"], "closed": info["time"]}
        if not deleted:
            return
        fsync_dir(self.s.dir)
        self._retention = link
        self._write(self._frame(fmt.TOMBSTONE, fmt.canonical(
            {"type": "tombstone", "segments": deleted, "time": self.s.clock(), **(link or {})})),
            sync=True)
        log.info("audit_retention_deleted", segments=deleted,
                 retention_days=self.s.retention_days)

    # ---- recovery ----------------------------------------------------------------------------

    def _recover(self) -> dict[str, Any]:
        """Make the newest segment whole again after a crash; returns notes for the start event.

        A torn tail (the file ends inside a frame) is cut off; the segment is then closed with a
        checkpoint marked ``recovered`` by the key its last signed frame certified. A segment
        that is corrupt rather than torn is left exactly as found, for the officer to examine.
        """
        existing = self._segments()
        self._retention = None
        state = load_signer(self.s.signer_path)
        if not existing:
            return {}
        number = existing[-1]
        path = self._path(number)
        result = fmt.scan(path.read_bytes())
        frames = result.frames
        if not frames and result.state in ("ok", "torn"):
            return self._discard_torn_segment(path, number, result.size)
        if not frames or frames[0].ftype != fmt.HEADER:
            log.error("audit_recovery_unusable_segment", segment=number)
            return {"_event": "recovery", "problem": "newest segment has no header",
                    "segment": number}
        end = fmt.segment_end(frames)
        self._retention = end.retention
        notes: dict[str, Any] = {}
        self._signer = self._catch_up(state, end.next_pub)
        if self._signer is None:
            log.error("audit_signer_chain_broken", segment=number,
                      detail="the persisted signing key does not continue the log; a new "
                             "chain starts and verify will report the break")
            notes["signer_chain_broken"] = True
        if result.state == "corrupt":
            log.error("audit_recovery_corrupt_segment", segment=number, problem=result.problem)
            notes.update(_event="recovery", problem="corrupt", segment=number)
            return notes
        if end.closed and result.state == "ok":
            notes["_prev"] = {"segment": number, "hash": end.head.hex()}
            return notes
        return self._close_recovered(path, number, result, end.head, notes)

    def _discard_torn_segment(self, path: Path, number: int, size: int) -> dict[str, Any]:
        """A crash between creating the segment and its header reaching the disk: empty, or a
        header cut short (or zero-filled). Nothing in it was acknowledged (the header is
        synced before any record), so it goes and its number is used again; the recovery
        event of the next segment says so. Anything else without a header is corruption, left
        alone for the officer."""
        path.unlink()
        fsync_dir(self.s.dir)
        log.warning("audit_recovery_discarded_torn_segment", segment=number, size_bytes=size)
        notes = self._recover()
        notes.update(_event="recovery", discarded_torn_segment=number, discarded_bytes=size)
        return notes

    def _close_recovered(self, path: Path, number: int, result: fmt.ScanResult, head: bytes,
                         notes: dict[str, Any]) -> dict[str, Any]:
        """Cut a torn tail off and close the segment with a ``recovered`` checkpoint."""
        truncated = result.size - result.good_end
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        try:
            if truncated:
                os.ftruncate(fd, result.good_end)
                os.fsync(fd)
            self._fd, self.segment, self._offset = fd, number, result.good_end
            header = fmt.parse_signed(result.frames[0], with_device=True)
            self._segment_id = str(header.doc.get("appliance_id")) if header else \
                self.appliance_id
            self._seq, self._head = result.frames[-1].seq, head
            self._chain = b"\0" * 32  # no records are written to a recovered segment
            if self._signer is not None:
                self._checkpoint(final=True, recovered=True)
                notes["_prev"] = {"segment": number, "hash": self._head.hex()}
        finally:
            os.close(fd)
            self._fd = -1
        log.warning("audit_recovered", segment=number, truncated_bytes=truncated,
                    torn=result.state == "torn")
        notes.update(_event="recovery", segment=number, truncated_bytes=truncated,
                     torn_tail=result.problem if result.state == "torn" else None)
        return notes

    def _catch_up(self, state: SignerState | None, want: str | None) -> SignerState | None:
        """The persisted seed, ratcheted to the key ``want`` the log certified; None when it
        does not continue the log. The public key decides, not the state's appliance_id: a
        rotated device key continues the chain its predecessor left."""
        if state is None or want is None:
            return None
        for _ in range(MAX_SIGNER_CATCH_UP + 1):
            if state.public_hex == want:
                return state
            state = SignerState(state.appliance_id, fmt.next_signer(state.seed), state.index + 1)
        return None

    # ---- failure, suspension, free space -----------------------------------------------------

    def _fail(self, batch: list[tuple[bytes, Future[None]]], exc: BaseException) -> None:
        """A write or sync failed: nothing in this batch is acknowledged, the torn part is cut
        off, and appends fail until the log can be written again."""
        if isinstance(exc, OSError):
            reason = "disk_full" if exc.errno == errno.ENOSPC else f"io_error:{exc.strerror}"
        else:
            reason = f"error:{type(exc).__name__}"
        self._suspend(reason, abandon=True)
        self._refuse(batch)

    def _suspend(self, reason: str, abandon: bool) -> None:
        first = self.suspended is None
        self.suspended = reason
        if first:
            self._suspended_at = self.s.clock()
            self._abandon = abandon
            self._last_retry = self.s.clock()
            log.error("audit_suspended", reason=reason,
                      detail="requests get UNAVAILABLE until the audit log can be written")
            if self._on_state:
                self._on_state(False, reason)
        if abandon:
            self._abandon = True
            self._rollback()

    def _refuse(self, batch: list[tuple[bytes, Future[None]]]) -> None:
        for _record, fut in batch:
            if not fut.done():
                self.count_refusal()
                fut.set_exception(AuditUnavailable(
                    f"audit log unavailable: {self.suspended}", state="audit_unavailable"))

    def _free(self) -> int:
        st = os.statvfs(self.s.dir)
        return st.f_bavail * st.f_frsize

    def free_bytes(self) -> int:
        """Free space on the audit file system (any thread); 0 when it cannot be read."""
        try:
            return self._free()
        except OSError:
            return 0

    def _check_space(self) -> None:
        free = self._free()
        if free < self.s.free_refuse_bytes:
            log.error("audit_disk_space_refuse", free_bytes=free,
                      threshold=self.s.free_refuse_bytes)
            self._write(self._system("suspended", reason="disk_space", free_bytes=free),
                        sync=True)
            self._checkpoint(final=False)
            self._suspend("disk_space", abandon=False)
        elif free < self.s.free_warn_bytes:
            if not self._low_space_warned:
                log.warning("audit_disk_space_low", free_bytes=free,
                            threshold=self.s.free_warn_bytes)
                self._low_space_warned = True
        else:
            self._low_space_warned = False

    def _try_resume(self) -> None:
        now = self.s.clock()
        if now - self._last_retry < self.s.retry_interval:
            return
        self._last_retry = now
        try:
            if self._free() < self.s.free_refuse_bytes:
                return
            with self._counts:
                notes = {"reason": self.suspended, "suspended_at": self._suspended_at,
                         "refused_requests": self._refused, "late_records": len(self._owed)}
            if self._abandon:
                # Keys of frames that never became durable must not be used again: close
                # this segment at its last durable point and start a fresh one.
                if self._fd >= 0:
                    self._pending_link = self._close_segment(suspended=True)
                else:  # closed on an earlier try; the new segment could not be made
                    self._signer = self._open_signer
                self._open_segment({"_prev": self._pending_link, "_event": "resumed", **notes})
            else:
                self._write(self._system("resumed", **notes), sync=True)
                self._checkpoint(final=False)
        except OSError as exc:
            log.warning("audit_still_unavailable", error=exc.strerror)
            self._abandon = True
            self._rollback()
            return
        log.warning("audit_resumed", refused_requests=notes["refused_requests"],
                    late_records=notes["late_records"])
        self.suspended = None
        with self._counts:
            self._refused = 0
        if self._on_state:
            self._on_state(True, "")


def segment_close(path: Path) -> dict[str, Any] | None:
    """The final checkpoint of a closed segment: its time and the chain head after it."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    result = fmt.scan(data)
    if result.state != "ok" or len(result.frames) < 2 \
            or result.frames[-1].ftype != fmt.CHECKPOINT:
        return None
    cp = fmt.parse_signed(result.frames[-1], with_device=False)
    if cp is None or not cp.doc.get("final"):
        return None
    return {"time": float(cp.doc.get("time", 0)), "hash": fmt.segment_end(result.frames).head.hex()}
