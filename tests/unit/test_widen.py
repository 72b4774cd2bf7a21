"""Q5_0 -> Q8_0 widening (appliance/engine/widen.py) on small GGUF files built here byte by
byte, checked against a per-weight reading of the Q5_0 format written independently."""

from __future__ import annotations

import mmap
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from appliance.engine import widen as w
from appliance.errors import ModelError

F32, Q4_K = 0, 12


def _string(s: bytes) -> bytes:
    return struct.pack("<Q", len(s)) + s


def _gguf(path: Path, tensors: list[tuple[bytes, tuple[int, ...], int, bytes]],
          alignment: int | None = None) -> bytes:
    """A GGUF v3 file with a few metadata kinds (a string array among them) and tensors."""
    kv = [_string(b"general.architecture") + struct.pack("<I", 8) + _string(b"test"),
          _string(b"tokenizer.tokens") + struct.pack("<IIQ", 9, 8, 3)
          + b"".join(_string(t) for t in (b"a", b"bb", b"\xe2\x96\x81c")),
          _string(b"some.floats") + struct.pack("<IIQ3f", 9, 6, 3, 1.0, 2.0, 3.0),
          _string(b"some.flag") + struct.pack("<I?", 7, True)]
    if alignment is not None:
        kv.append(_string(b"general.alignment") + struct.pack("<II", 4, alignment))
    a = alignment or 32
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv)) + b"".join(kv)
    infos, data = b"", b""
    for name, dims, kind, raw in tensors:
        infos += _string(name) + struct.pack(f"<I{len(dims)}QIQ", len(dims), *dims, kind,
                                             len(data))
        data += raw + b"\0" * (-len(raw) % a)
    head += infos
    blob = head + b"\0" * (-len(head) % a) + data
    path.write_bytes(blob)
    return b"".join(kv)


def _q5_0_blocks(rng: np.random.Generator, n: int) -> bytes:
    """Random Q5_0 blocks: any qh/qs bytes are valid; scales are finite halves."""
    out = b""
    for _ in range(n):
        d = np.float16(rng.uniform(-0.1, 0.1)).tobytes()
        out += d + rng.integers(0, 256, 20, dtype=np.uint8).tobytes()
    return out


def _q5_0_values(block: bytes) -> list[int]:
    """The 32 integers of one Q5_0 block, as ggml's dequantize_row_q5_0 reads them."""
    qh = int.from_bytes(block[2:6], "little")
    qs = block[6:22]
    values = []
    for j in range(32):
        nibble = qs[j % 16] & 0x0F if j < 16 else qs[j % 16] >> 4
        values.append((nibble | ((qh >> j) & 1) << 4) - 16)
    return values


def _tensors(path: Path) -> tuple[w.Layout, bytes]:
    data = path.read_bytes()
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        return w.read_layout(buf), data


def _read(fd: int) -> bytes:
    with open(f"/proc/self/fd/{fd}", "rb") as f:  # noqa: PTH123
        return f.read()


@pytest.mark.parametrize("alignment", [None, 64])
def test_widening_keeps_every_weight_metadata_byte_and_other_tensor(
        tmp_path: Path, alignment: int | None) -> None:
    rng = np.random.default_rng(7)
    q5 = _q5_0_blocks(rng, 40)  # a 64 x 20 matrix: 2 blocks per row
    norm = np.arange(64, dtype=np.float32).tobytes()
    other = rng.integers(0, 256, 144 * 2, dtype=np.uint8).tobytes()  # two Q4_K blocks
    src = tmp_path / "m.gguf"
    kv = _gguf(src, [(b"norm", (64,), F32, norm), (b"proj", (64, 20), w.Q5_0, q5),
                     (b"ffn", (256, 2), Q4_K, other)], alignment)

    widened = w.widen(src)
    try:
        out = _read(widened.fd)
        assert widened.size == len(out)
    finally:
        widened.close()
    dst = tmp_path / "out.gguf"
    dst.write_bytes(out)
    layout, data = _tensors(dst)
    assert kv in out  # the metadata, byte for byte
    assert layout.alignment == (alignment or 32)
    assert [(t.name, t.dims, t.type) for t in layout.tensors] == [
        (b"norm", (64,), F32), (b"proj", (64, 20), w.Q8_0), (b"ffn", (256, 2), Q4_K)]
    assert widened.tensors == 1
    assert widened.extra_bytes == 40 * 12
    by = {t.name: t for t in layout.tensors}
    for t in layout.tensors:
        assert (layout.data_start + t.offset) % layout.alignment == 0
    start = layout.data_start
    assert data[start + by[b"norm"].offset:][:len(norm)] == norm
    assert data[start + by[b"ffn"].offset:][:len(other)] == other
    q8 = data[start + by[b"proj"].offset:][:40 * 34]
    for i in range(40):
        block5, block8 = q5[i * 22:(i + 1) * 22], q8[i * 34:(i + 1) * 34]
        assert block8[:2] == block5[:2]  # the scale, bit for bit
        assert list(struct.unpack("<32b", block8[2:])) == _q5_0_values(block5)


def test_extra_bytes_reads_only_the_header(tmp_path: Path) -> None:
    src = tmp_path / "m.gguf"
    _gguf(src, [(b"proj", (32, 4), w.Q5_0, _q5_0_blocks(np.random.default_rng(1), 4))])
    assert w.extra_bytes(src) == 4 * 12
    plain = tmp_path / "plain.gguf"
    _gguf(plain, [(b"norm", (8,), F32, bytes(32))])
    assert w.extra_bytes(plain) == 0


def test_a_file_that_is_not_a_gguf_is_a_model_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"NOPE" + os.urandom(60))
    with pytest.raises(ModelError, match="not a GGUF file"):
        w.widen(bad)
    truncated = tmp_path / "short.gguf"
    _gguf(truncated, [(b"proj", (32, 4), w.Q5_0, _q5_0_blocks(np.random.default_rng(2), 4))])
    truncated.write_bytes(truncated.read_bytes()[:40])
    with pytest.raises(ModelError, match="cannot widen"):
        w.widen(truncated)
