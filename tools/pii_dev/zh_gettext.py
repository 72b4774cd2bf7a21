"""Development probe for over-masking: PERSON findings in Chinese that names no one.

The text is translators' Chinese from the gettext catalogs Debian installs under
``/usr/share/locale/zh_{CN,TW}``: every message with at least six CJK ideographs and under 300
characters. A PERSON finding there is a name found where there is none. Per locale, the
messages are shuffled (one seeded generator for both) and the first ``n`` probed. Prints up to
``show`` ``OVER`` lines per locale (the found text and the start of the message, newlines shown
as a return symbol), then one JSON line: per locale, the messages probed, how many had a PERSON
finding, that rate, and the share of CJK ideographs inside a PERSON finding.

    .venv/bin/python tools/pii_dev/zh_gettext.py 2000 40  # 2,000 messages per locale, show 40
"""

from __future__ import annotations

import argparse
import gettext
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from appliance.config import PiiConfig
from appliance.privacy.analyzer import Analyzer

CJK = re.compile(r"[\u4e00-\u9fff]")
LOCALE_DIR = Path("/usr/share/locale")
LOCALES = ("zh_CN", "zh_TW")


def read_catalog(path: Path) -> dict[object, object]:
    """The translations of one ``.mo`` file, or none where gettext cannot read it.

    A catalog gettext rejects (bad magic number, unknown charset, truncated, bad plural formula)
    is left out of the probe, whatever the reason.
    """
    try:
        with path.open("rb") as fh:
            return gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined, no-any-return]
    except Exception:  # noqa: BLE001
        return {}


def messages(locale: str) -> list[str]:
    """The locale's distinct translated messages with enough CJK text, sorted."""
    found: set[str] = set()
    for path in sorted((LOCALE_DIR / locale / "LC_MESSAGES").glob("*.mo")):
        for text in read_catalog(path).values():
            if isinstance(text, str) and len(CJK.findall(text)) >= 6 and len(text) < 300:
                found.add(text)
    return sorted(found)


def probe_locale(analyzer: Analyzer, locale: str, texts: list[str], show: int) -> dict[str, object]:
    """Probe ``texts``, print up to ``show`` OVER lines, return the locale's summary."""
    with_person = person_chars = cjk_chars = shown = 0
    for text in texts:
        found = [span for span in analyzer.find(text) if span.entity_type == "PERSON"]
        cjk_chars += len(CJK.findall(text))
        if not found:
            continue
        with_person += 1
        person_chars += sum(span.end - span.start for span in found)
        if shown < show:
            shown += 1
            names = " | ".join(text[span.start : span.end] for span in found)
            print(locale, "OVER", names, "::", text.replace("\n", "⏎")[:120])
    return {
        "messages": len(texts),
        "with_person": with_person,
        "rate": round(with_person / len(texts), 4),
        "char_rate": round(person_chars / cjk_chars, 5),
    }


def run(n: int = 3000, seed: int = 5, show: int = 40) -> None:
    """Probe up to ``n`` messages per locale, then print the JSON summary."""
    analyzer = Analyzer(PiiConfig())
    rnd = random.Random(seed)
    summary = {}
    for locale in LOCALES:
        texts = messages(locale)
        rnd.shuffle(texts)
        summary[locale] = probe_locale(analyzer, locale, texts[:n], show)
    print(json.dumps(summary))


def main() -> None:
    """Parse the command line and run the probe."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "n", nargs="?", type=int, default=3000, help="messages per locale to probe (3000)"
    )
    parser.add_argument(
        "show", nargs="?", type=int, default=40, help="OVER lines to print per locale (40)"
    )
    parser.add_argument("--seed", type=int, default=5,
                        help="which messages are drawn (5); check a change on another too")
    args = parser.parse_args()
    run(args.n, seed=args.seed, show=args.show)


if __name__ == "__main__":
    main()
