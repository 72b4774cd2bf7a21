"""Facts about a loaded GGUF model, read from its metadata and file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# llama.h `enum llama_ftype` values to the names llama.cpp's quantize tool uses.
_FTYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
    11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
    17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS",
    23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S",
    29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0",
    38: "MXFP4_MOE",
}


def quantization_name(file_type: str | int | None) -> str:
    if file_type is None:
        return "unknown"
    try:
        code = int(file_type)
    except ValueError:
        return str(file_type)
    return _FTYPES.get(code, f"ftype {code}")


@dataclass(frozen=True)
class ModelFacts:
    path: Path
    sha256: str
    size_bytes: int
    architecture: str
    quantization: str
    trained_context: int
    context_length: int
    chat_template: str | None
    description: str

    @property
    def file_name(self) -> str:
        return self.path.name
