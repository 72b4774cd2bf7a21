"""Output scan: PII the model wrote on its own is masked before it leaves.

The model only ever sees placeholders, so any PII in its output was invented or regurgitated
from training data, never the caller's. It is replaced by an unnumbered placeholder of its type
(``<EMAIL_ADDRESS>``), which restore leaves alone. Placeholders from the request are skipped.

In a stream, text is scanned a sentence at a time: :class:`Segmenter` holds text until a sentence
or line ends, or until it is long, then cuts at a space that does not sit between digits (so a
phone number written with spaces is not split). This delays streamed text by up to a sentence;
it is the price of scanning what leaves, and ``pii.output_scan = "off"`` turns it off.
"""

from __future__ import annotations

import re

from appliance.privacy.analyzer import Analyzer
from appliance.privacy.restore import PLACEHOLDER

_BOUNDARY = re.compile(r"(?:[.!?](?=\s)|[。！？]|\n)")
_SAFE_SPACE = re.compile(r"(?<![0-9])\s|\s(?![0-9+(])")
MAX_SEGMENT = 240


class Segmenter:
    def __init__(self, max_segment: int = MAX_SEGMENT) -> None:
        self._buf = ""
        self._max = max_segment

    def feed(self, text: str) -> list[str]:
        self._buf += text
        out = []
        while True:
            ends = [m.end() for m in _BOUNDARY.finditer(self._buf)]
            if ends:
                cut = ends[-1]
            elif len(self._buf) > self._max:
                spaces = [m.end() for m in _SAFE_SPACE.finditer(self._buf, 0, self._max)]
                cut = spaces[-1] if spaces else len(self._buf)
            else:
                break
            out.append(self._buf[:cut])
            self._buf = self._buf[cut:]
            if not ends:
                continue
            break
        return out

    def flush(self) -> str:
        out, self._buf = self._buf, ""
        return out


def scan_output(analyzer: Analyzer, text: str) -> tuple[str, dict[str, int]]:
    """``text`` with PII that is not a request placeholder masked; and counts by type."""
    if not text.strip():
        return text, {}
    keep = [m.span() for m in PLACEHOLDER.finditer(text)]
    parts: list[str] = []
    counts: dict[str, int] = {}
    pos = 0
    for s in analyzer.find(text):
        if any(s.start < e and s.end > b for b, e in keep):
            continue
        parts += [text[pos:s.start], f"<{s.entity_type}>"]
        counts[s.entity_type] = counts.get(s.entity_type, 0) + 1
        pos = s.end
    parts.append(text[pos:])
    return "".join(parts), counts
