"""Clean text the probes count false findings on: sentences of the licences Debian ships,
lines of the standard library's docstrings, and the English messages of gettext catalogs.
None of it names a person, a firm or a place on purpose (the licences' addresses aside)."""

from __future__ import annotations

import ast
import gettext
import random
import re
import sys
from pathlib import Path

#: Where a licence's sentences end (a capital after the stop, by default).
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def licence_sentences(limit: int, sentence_end: re.Pattern[str] = SENTENCE_END) -> list[str]:
    """``limit`` sentences of 30-400 characters of /usr/share/common-licenses (seeded)."""
    out: list[str] = []
    for path in sorted(Path("/usr/share/common-licenses").glob("*")):
        if path.is_file():
            text = re.sub(r"\s+", " ", path.read_text(errors="replace"))
            out += [s for s in sentence_end.split(text) if 30 <= len(s) <= 400]
    return random.Random(0).sample(out, min(limit, len(out)))


def docstring_lines(limit: int = 300) -> list[str]:
    """``limit`` non-empty lines of the standard library's docstrings, in file order."""
    out: list[str] = []
    for path in sorted((Path(sys.base_prefix) / "lib").glob("python3*/*.py")):
        try:
            tree = ast.parse(path.read_text(errors="replace"))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node)
                out += [line.strip() for line in (doc or "").splitlines()
                        if len(line.strip()) >= 20]
                if len(out) >= limit:
                    return out[:limit]
    return out


def gettext_messages(limit: int) -> list[str]:
    """English messages (the msgids) of the German catalogs: user-interface text (Next,
    Apply, Shell …); the ISO lists of places left out."""
    found: set[str] = set()
    for path in sorted(Path("/usr/share/locale/de/LC_MESSAGES").glob("*.mo")):
        if path.name.startswith("iso_"):
            continue
        try:
            with path.open("rb") as fh:
                catalog = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001, S112 - a catalog gettext rejects is left out
            continue
        for key in catalog:
            msg = key[0] if isinstance(key, tuple) else key
            if isinstance(msg, str) and 12 <= len(msg) <= 300 and len(msg.split()) >= 2:
                found.add(msg)
    return random.Random(0).sample(sorted(found), min(limit, len(found)))
