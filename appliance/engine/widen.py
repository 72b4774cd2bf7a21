"""Q5_0 weights widened to Q8_0 at load, for faster prompt processing on CPUs.

K-quant GGUFs of small models store every tensor whose rows are not a multiple of 256 as
Q5_0 (all of Gemma 3 270M's 640-wide projections: 81 tensors, 17 % of the file). On x86
llama.cpp multiplies Q5_0 with tinyBLAS, which unpacks each block's fifth bit for every
tile, and has no repacked layout for it; that kernel was 46 % of llama-server's prefill
time on the default model (``perf record``, 2 threads). A Q5_0 block is a scale and 32
integers in -16..15; a Q8_0 block is the same scale and 32 integers in -127..127, so the
widened block holds exactly the same numbers (``q8 = q5 - 16``, the scale copied bit for
bit) and llama.cpp's integer dot products give the same sums. The cost is 12 more bytes per
32 weights, which single-stream decoding reads every token.

The widened file is written to a memfd (nothing on disk) and loaded without mmap, so the
memfd is closed once llama.cpp has read it.

The GGUF layout is read here rather than with the ``gguf`` package: its reader parses the
262,144-entry vocabulary of Gemma 3 into numpy views one by one (18 s); this copies the
metadata bytes as they are and parses only what it must skip (about 0.1 s).
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from appliance.errors import ModelError

Q5_0, Q8_0 = 6, 8  # enum ggml_type
_Q5_0_BLOCK, _Q8_0_BLOCK, _QK = 22, 34, 32
_UINT32, _STRING, _ARRAY = 4, 8, 9
_SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_DEFAULT_ALIGNMENT = 32


@dataclass(frozen=True)
class Tensor:
    name: bytes
    dims: tuple[int, ...]
    type: int
    offset: int  # from the start of the data section
    size: int


@dataclass(frozen=True)
class Layout:
    """What a GGUF file's header says: where its metadata ends, its tensors, its alignment."""

    version: int
    n_kv: int
    kv: tuple[int, int]  # byte range of the metadata key/value pairs
    alignment: int
    tensors: tuple[Tensor, ...]
    data_start: int

    def growth(self) -> int:
        """How many bytes widening the Q5_0 tensors adds (0: there are none)."""
        blocks = sum(t.size for t in self.tensors if t.type == Q5_0) // _Q5_0_BLOCK
        return blocks * (_Q8_0_BLOCK - _Q5_0_BLOCK)


class _Reader:
    def __init__(self, buf: mmap.mmap) -> None:
        self.buf, self.pos = buf, 0

    def take(self, fmt: str) -> int:
        (value,) = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += struct.calcsize(fmt)
        return int(value)

    def string(self) -> bytes:
        n = self.take("<Q")
        self.pos += n
        return bytes(self.buf[self.pos - n:self.pos])

    def skip_value(self, kind: int) -> None:
        if kind == _STRING:
            n = self.take("<Q")  # read before pos is: take() moves it
            self.pos += n
        elif kind == _ARRAY:
            sub, count = self.take("<I"), self.take("<Q")
            if sub in _SCALAR:
                self.pos += _SCALAR[sub] * count
            else:
                for _ in range(count):
                    self.skip_value(sub)
        elif kind in _SCALAR:
            self.pos += _SCALAR[kind]
        else:
            raise ValueError(f"unknown GGUF value type {kind}")


def read_layout(buf: mmap.mmap) -> Layout:
    """Parse a GGUF (version 2 or 3) header; ValueError when it is not one."""
    try:
        return _layout(buf)
    except struct.error as exc:
        raise ValueError("the GGUF header is truncated") from exc


def _layout(buf: mmap.mmap) -> Layout:
    r = _Reader(buf)
    if bytes(buf[:4]) != b"GGUF":
        raise ValueError("not a GGUF file")
    r.pos = 4
    version = r.take("<I")
    if version not in (2, 3):
        raise ValueError(f"GGUF version {version} is not supported")
    n_tensors, n_kv = r.take("<Q"), r.take("<Q")
    kv_start, alignment = r.pos, _DEFAULT_ALIGNMENT
    for _ in range(n_kv):
        key, kind = r.string(), r.take("<I")
        if key == b"general.alignment" and kind == _UINT32:
            alignment = r.take("<I")
        else:
            r.skip_value(kind)
    kv_end = r.pos
    infos = []
    for _ in range(n_tensors):
        name = r.string()
        dims = tuple(r.take("<Q") for _ in range(r.take("<I")))
        infos.append((name, dims, r.take("<I"), r.take("<Q")))
    data_start = _align(r.pos, alignment)
    ends = sorted({off for *_, off in infos} | {len(buf) - data_start})
    tensors = []
    for name, dims, kind, off in infos:
        # A tensor's size is the distance to the next tensor's start (padding included);
        # only the Q5_0 ones need an exact size, which their shape gives.
        size = ends[ends.index(off) + 1] - off
        if kind == Q5_0:
            size = int(np.prod(dims)) // _QK * _Q5_0_BLOCK
        if data_start + off + size > len(buf):
            raise ValueError(f"tensor {name.decode(errors='replace')} runs past the end")
        tensors.append(Tensor(name, dims, kind, off, size))
    return Layout(version, n_kv, (kv_start, kv_end), alignment, tuple(tensors), data_start)


def _align(n: int, alignment: int) -> int:
    return n + (-n % alignment)


def widen_blocks(raw: np.ndarray) -> np.ndarray:
    """Q5_0 blocks (bytes, a multiple of 22) as Q8_0 blocks holding the same values."""
    blocks = raw.reshape(-1, _Q5_0_BLOCK)
    qh = np.ascontiguousarray(blocks[:, 2:6]).view("<u4")[:, 0]
    qs = blocks[:, 6:]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1)
    high = ((qh[:, None] >> np.arange(_QK, dtype=np.uint32)) & 1).astype(np.uint8) << 4
    values = ((nibbles | high).astype(np.int16) - 16).astype(np.int8)
    out = np.empty((len(blocks), _Q8_0_BLOCK), dtype=np.uint8)
    out[:, :2] = blocks[:, :2]
    out[:, 2:] = values.view(np.uint8)
    return out.reshape(-1)


@dataclass
class Widened:
    """A widened copy of a model in a memfd; :attr:`path` opens it while the fd is open."""

    fd: int
    tensors: int
    extra_bytes: int
    size: int

    @property
    def path(self) -> Path:
        return Path(f"/proc/self/fd/{self.fd}")

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def file_layout(path: Path) -> Layout:
    """The layout of the GGUF at ``path`` (OSError, ValueError)."""
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        return read_layout(buf)


def extra_bytes(path: Path) -> int:
    """How many bytes widening the file's Q5_0 tensors would add (0: it has none)."""
    return file_layout(path).growth()


def widen(path: Path, layout: Layout | None = None) -> Widened:
    """``path`` with its Q5_0 tensors as Q8_0, in a new memfd; ``layout``, when given, is
    the file's (from :func:`file_layout`: the header is not parsed again). ModelError when
    it cannot."""
    try:
        with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            layout = layout or read_layout(buf)
            fd = os.memfd_create("llm-appliance-widened-model", os.MFD_CLOEXEC)
            try:
                with os.fdopen(os.dup(fd), "wb", buffering=1 << 20) as out:
                    n, size = _write(buf, layout, out)
            except BaseException:
                os.close(fd)
                raise
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot widen the Q5_0 tensors of {path}: {exc}",
                         path=str(path)) from exc
    return Widened(fd, n, layout.growth(), size)


def _write(buf: mmap.mmap, layout: Layout, out: BinaryIO) -> tuple[int, int]:
    """The widened file into ``out``: the header with the new tensor table, then the data
    with every tensor at its aligned offset. Returns (tensors widened, bytes written)."""
    a = layout.alignment
    out.write(b"GGUF" + struct.pack("<IQQ", layout.version, len(layout.tensors), layout.n_kv))
    out.write(buf[layout.kv[0]:layout.kv[1]])
    placed, offset = [], 0
    for t in layout.tensors:
        size = t.size // _Q5_0_BLOCK * _Q8_0_BLOCK if t.type == Q5_0 else t.size
        placed.append((t, offset, size))
        out.write(struct.pack("<Q", len(t.name)) + t.name + struct.pack("<I", len(t.dims)))
        out.write(struct.pack(f"<{len(t.dims)}Q", *t.dims))
        out.write(struct.pack("<IQ", Q8_0 if t.type == Q5_0 else t.type, offset))
        offset = _align(offset + size, a)
    pos = out.tell()
    out.write(b"\0" * (_align(pos, a) - pos))
    data = np.frombuffer(buf, dtype=np.uint8)
    widened = 0
    for t, off, size in placed:
        src = data[layout.data_start + t.offset:layout.data_start + t.offset + t.size]
        if t.type == Q5_0:
            out.write(widen_blocks(src).tobytes())
            widened += 1
        else:
            out.write(src[:size].tobytes())
        out.write(b"\0" * (_align(off + size, a) - off - size))
    return widened, out.tell()
