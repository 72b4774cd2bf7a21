"""PII token classifiers: spaCy pipelines loaded from a local directory, run beside the rules.

``[pii] models`` names them: ``builtin:NAME`` is one shipped in this package
(``appliance/privacy/models/NAME``, trained by ``make pii-model`` from tools/pii_model/), any
other entry a directory holding a spaCy pipeline a site trained or bought (``nlp.to_disk``
output: config.cfg, meta.json, a ``ner`` component). Each is loaded with ``spacy.load(path)``
from disk only, never downloaded, and its entity labels are mapped to the analyzer's types by
``[pii] model_labels`` (PERSON -> PERSON, ADDRESS -> ADDRESS by default); labels it does not map
are ignored. Its PERSON findings pass the same checks as the main NER model's (see
:mod:`analyzer`): the lexicon of ordinary words, the digit and acronym filter, widening over
adjacent name words. Before that, a PERSON span is cut at punctuation and loses the ordinary
words at its edges ("interviewed Liwia Gębura", "Judges were Ó Murchaidhe", "Ruth, talk soon"):
a small model trained on lower-case names as well sometimes runs a name into the words beside
it; and a part made only of dictionary words, none a first name ("Free", "High"), or only of
lower-case words that no census list names ("uuid"), is dropped.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import structlog
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from appliance.config import PiiConfig
from appliance.config.schema import BUILTIN_MODEL_PREFIX
from appliance.errors import ConfigError
from appliance.privacy.lexicon import Lexicon, ordinary_word
from appliance.privacy.name_checks import checked_results
from appliance.privacy.recognizer_base import CJK_TEXT, make_result
from appliance.privacy.recognizers_gdpr import STREET_TYPES, org_word, place_name
from appliance.privacy.recognizers_ids import CALENDAR_WORDS
from appliance.privacy.recognizers_names import gazetteer, stop_words

log = structlog.get_logger("appliance.privacy")

#: Score of a model's finding: that of spaCy's NER, so where both find one thing the longer span
#: wins ("221B Baker Street", an ADDRESS, over "Baker", a PERSON).
MODEL_SCORE = 0.85
#: Texts per nlp.pipe batch when many are read ahead (see :meth:`ModelNerRecognizer.read_ahead`).
PIPE_BATCH = 64
#: Characters of text either side of a focus (see :meth:`ModelNerRecognizer.focus`) that a
#: model reads with it: about ten words, more than the reach of its reading of a word.
MODEL_CONTEXT = 48
#: ... and at least this many words (more than the four tokens either way its reading of a word
#: reaches, and an entity it may be inside).
MODEL_CONTEXT_WORDS = 8
#: A letter of any script (for "one word alone").
_LETTER = re.compile(r"[^\W\d_]")
#: Components a pipeline may need to run NER; the rest (tagger, parser …) are not loaded.
_NER_INPUTS = frozenset({"ner", "tok2vec", "transformer", "curated_transformer"})
# CJK characters and CJK/full-width punctuation, blanked out as for the main NER model (a
# Latin-script model reads a Chinese sentence as one name); offsets stay the same.
#: Tokens no name runs across: a PERSON span is cut there.
_BREAKS = frozenset({",", ";", ":", "|", "<", ">", "(", ")", "[", "]", "!", "?", '"', "/"})
#: Words before a name in letters and mail headers, part of no name.
_CUES = frozenset({"attn", "fao", "cc", "bcc", "re", "fwd"})
#: Lower-case words that open or join family names ("van der Vlist"): never trimmed off.
_PARTICLES = frozenset({"van", "von", "de", "der", "den", "del", "della", "di", "da", "dos",
                        "das", "du", "le", "la", "ter", "ten", "bin", "binti", "al", "el", "zu",
                        "y", "st", "mac", "mc"})


def builtin_models_dir() -> Path:
    """Where the package's own models are (appliance/privacy/models)."""
    return Path(str(resources.files("appliance.privacy").joinpath("models")))


def model_path(entry: str) -> Path:
    """The directory of ``[pii] models`` entry ``entry``."""
    if entry.startswith(BUILTIN_MODEL_PREFIX):
        return builtin_models_dir() / entry.removeprefix(BUILTIN_MODEL_PREFIX)
    return Path(entry)


def load_pipeline(entry: str, max_chars: int = 100_000) -> Any:
    """The spaCy pipeline of ``entry`` with only what NER needs; :class:`ConfigError` naming
    ``pii.models`` when there is none there or it has no ``ner``. Never downloads."""
    import spacy  # noqa: PLC0415 - loads spaCy

    path = model_path(entry)
    if not (path / "config.cfg").is_file():
        raise ConfigError(f"no spaCy pipeline (config.cfg) at {path} for {entry!r}",
                          key="pii.models")
    try:
        pipeline = spacy.util.load_config(path / "config.cfg")["nlp"]["pipeline"]
        if "ner" not in pipeline:
            raise ConfigError(f"the spaCy pipeline at {path} has no ner component",
                              key="pii.models")
        nlp = spacy.load(path, exclude=[c for c in pipeline if c not in _NER_INPUTS])
    except (OSError, ValueError, KeyError) as exc:  # spaCy's own errors are ValueErrors
        raise ConfigError(f"cannot load the spaCy pipeline at {path}: {exc}",
                          key="pii.models") from exc
    nlp.max_length = max(nlp.max_length, max_chars + 1)
    numpy_blas(nlp)
    return nlp


def numpy_blas(nlp: Any) -> None:
    """Run the matrix products of ``nlp``'s components on numpy's BLAS instead of the BLIS
    that thinc bundles. BLIS's wheel picks its kernels by CPU model and falls back to a
    generic C kernel on CPUs it does not know (AMD Zen 4 among them): there one (146 x 192) x
    (192 x 192) product took 311 us against numpy's 77-121 us, and the PII model read a
    330-character window in 3.6 ms against 2.4 ms (tools: /tmp-scripted, CPU time per call).
    The numbers are the same up to float rounding; the parser's per-token step (a C loop on
    BLIS) is unchanged."""
    from thinc.api import NumpyOps  # noqa: PLC0415 - loads thinc

    ops = NumpyOps(use_blis=False)
    for _name, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if model is not None and hasattr(model, "walk"):
            for node in model.walk():
                node.ops = ops


class ModelNerRecognizer(EntityRecognizer):
    """Entities of one local spaCy NER pipeline, mapped to the analyzer's types."""

    NAME = "ModelNerRecognizer"

    def __init__(self, entry: str, labels: Mapping[str, str], *,  # noqa: PLR0913 - settings
                 lexicon: Lexicon | None = None, score: float = MODEL_SCORE,
                 max_chars: int = 100_000, language: str = "en") -> None:
        self.entry = entry
        self.score = score
        self.lexicon = lexicon
        self.nlp = load_pipeline(entry, max_chars)
        self.labels = {label: labels[label] for label in self.nlp.get_pipe("ner").labels
                       if label in labels}
        #: Docs read ahead by this thread (:meth:`read_ahead`), by the text analyze gets.
        self._ahead = threading.local()
        super().__init__(supported_entities=sorted(set(self.labels.values())),
                         supported_language=language, name=self.NAME)

    def load(self) -> None:
        return None  # loaded in __init__, where a missing model is a ConfigError

    def read_ahead(self, texts: Sequence[str]) -> None:
        """Read ``texts`` (as :meth:`analyze` will be given them) in batches, for this thread's
        next calls of :meth:`analyze` on them: spaCy's ``nlp.pipe`` reads short texts about 3x
        faster per text than one ``nlp`` call each (on 32 one-sentence texts; 4x on 128).
        The docs are those ``nlp`` gives, one text at a time; :meth:`forget` drops them."""
        keys = list(dict.fromkeys(CJK_TEXT.sub(" ", t) for t in texts))
        self._ahead.docs = dict(zip(keys, self.nlp.pipe(keys, batch_size=PIPE_BATCH),
                                    strict=True))

    def forget(self) -> None:
        """Drop this thread's docs read ahead."""
        self._ahead.docs = {}

    def focus(self, text: str, start: int, end: int) -> None:
        """This thread's next :meth:`analyze` calls, of ``text`` or a text of its length,
        find what ``text[start:end]`` holds: the model reads that part and
        :data:`MODEL_CONTEXT` characters either side, out to whole words. Its reading of a
        word depends on a few words around it (four CNN layers of one token each way; the
        entity it may be inside), so what it finds in the part is what reading the whole
        text finds; what the rest of the text holds, the caller does not keep. ``(0,
        len(text))`` reads all of it again."""
        self._ahead.focus = None if start <= 0 and end >= len(text) else (start, end)

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        seen = CJK_TEXT.sub(" ", text)
        lo, hi = _read(seen, getattr(self._ahead, "focus", None))
        ahead: dict[str, Any] = getattr(self._ahead, "docs", {})
        doc = ahead.get(seen) if (lo, hi) == (0, len(seen)) else None
        if doc is None:
            doc = self.nlp(seen[lo:hi])
        # One word and nothing around it (an enum value, a title): no context to read, only
        # the word's look, where "Webinar" and "FedEx" pass for names.
        alone = sum(t.is_alpha for t in doc) <= 1 and not _LETTER.search(seen[:lo]) \
            and not _LETTER.search(seen, hi)
        out = []
        for ent in doc.ents:
            kind = self.labels.get(ent.label_)
            if kind == "ADDRESS" and "PERSON" in entities and "ADDRESS" not in entities \
                    and self.lexicon is not None and not alone and not address_like(ent.text):
                # The small model files a name in a frame it learnt addresses in ("applicant
                # Kateryna Shevchenko, DOB …", "re: Tyler-James O'Connor, 14,") under ADDRESS.
                # A span with no digit before its first comma and no street word is none; its
                # parts count as a name when a word of them is a known given name or surname
                # and none is an organisation's or a place's word.
                read = [make_result(self, "PERSON", lo + start, lo + end, self.score,
                                    f"{self.entry} {ent.label_} read as a name")
                        for start, end in capitalised_parts(ent)
                        if named(seen[lo + start:lo + end], self.lexicon)]
                out += read
                if read:
                    continue
            if kind is None or kind not in entities or (alone and kind == "PERSON"):
                continue
            spans = [(ent.start_char, ent.end_char)] if kind != "PERSON" \
                or self.lexicon is None else [
                    (start, end) for start, end in name_parts(ent, self.lexicon)
                    if not foreign_word(seen[lo + start:lo + end], short=True)]
            out += [make_result(self, kind, lo + start, lo + end, self.score,
                                f"{self.entry} {ent.label_}") for start, end in spans]
        return out if self.lexicon is None else checked_results(text, out, self.lexicon)


#: A street or a unit: what an address the model finds has, and a name lacks. Not the
#: street and house words that are surnames as often (Mill, Park, Green, Hall, Court: "Agnes
#: Mill, 88").
_ADDRESS_WORDS = re.compile(
    rf"(?<![^\W\d_])(?:{STREET_TYPES}|Apt|Apartment|Suite|Unit|Flat|Floor|Box|Building|"
    r"Bldg|House|Cottage|Farm|Tower|Lodge|Manor|Barn|"
    # … and a place's first word (Fort William, Mount Vernon, Port Talbot, St Ives)
    r"Fort|Mount|Mt|Port|Saint|St|San|Santa|Lake|Glen|Cape|Upper|Lower|North|South|East|"
    r"West)\.?(?![^\W\d_])")
#: A word of a name: capitalised, then lower case (with ' and - inside: O'Connor,
#: Tyler-James, McAllister), or an initial.
_NAME_WORD = re.compile(r"[^\W\d_a-z](?:\.|[^\W\d_]*(?:['’\-][^\W\d_]+)*)")


#: The last word of a place's name, never of a person's (Quezon City, Orange County).
_PLACE_KINDS = frozenset({"City", "Town", "Village", "County", "District", "Province", "Region",
                          "State", "Prefecture", "Borough", "Township", "Municipality"})


def address_like(span: str) -> bool:
    """Whether the model's ADDRESS ``span`` has a house number before its first comma ("Doris
    May, 76" is a name and an age) or a street or unit word."""
    head = span.partition(",")[0]
    return re.search(r"[0-9]", head) is not None or _ADDRESS_WORDS.search(span) is not None


#: Names in mixed case: McAllister, MacLeod, DeShawn, O'Connor.
_MC = re.compile(r"(?:Mc|Mac|De|La|Le|Di|Da|Van|O['’]|D['’])[A-Z][a-z]+$")


#: Articles and prepositions of other languages a name never is alone (le, el, der, am).
_FUNCTION_WORDS = frozenset((
    "le", "la", "les", "el", "los", "las", "der", "die", "das", "den", "dem", "am", "im", "zum",
    "zur", "il", "lo", "gli", "un", "une", "uno", "una", "ein", "eine", "et", "y", "und", "och",
    "og", "en", "au", "aux", "du", "des", "del", "al",
    # … and the words that place a weekday or month: el próximo lunes, la semaine prochaine
    "próximo", "próxima", "proximo", "proxima", "pasado", "pasada", "último", "última",
    "siguiente", "prochain", "prochaine", "dernier", "dernière", "nächste", "nächsten",
    "nächster", "letzte", "letzten", "prossimo", "prossima", "scorso", "scorsa", "semana",
    "semaine", "woche", "settimana"))


def foreign_word(part: str, short: bool = False) -> bool:
    """``part`` is made only of month and weekday names (Freitag, Juni, lunes) and other
    languages' function words; with ``short``, or is one lower-case word of two letters (what
    the model alone tags: "le"): no name alone."""
    firsts = gazetteer()[0]
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", part)]
    return bool(words) and (all((w in CALENDAR_WORDS or w in _FUNCTION_WORDS)
                                and w.upper() not in firsts for w in words)
                            or (short and len(words) == 1 and len(part) <= 2
                                and part.islower()))


def _trimmed_runs(ent: Any, edge: Callable[[str], bool]) -> list[list[Any]]:
    """The runs of ``ent``'s tokens between punctuation, less the tokens at their edges that
    ``edge`` says are no part of a name; empty runs left out."""
    runs: list[list[Any]] = [[]]
    for token in ent:
        if token.text in _BREAKS or token.is_space:
            runs.append([])
        else:
            runs[-1].append(token)
    for run in runs:
        while run and edge(run[0].text):
            run.pop(0)
        while run and edge(run[-1].text):
            run.pop()
    return [run for run in runs if run]


def capitalised_parts(ent: Any) -> list[tuple[int, int]]:
    """The runs of ``ent`` between punctuation, less the words at their edges that are not
    capitalised, are function words or cues ("applicant Kateryna Shevchenko", "re: …")."""
    def edge(word: str) -> bool:
        return not word[:1].isupper() or word.lower() in stop_words() \
            or word.lower() in _CUES
    return [(run[0].idx, run[-1].idx + len(run[-1].text)) for run in _trimmed_runs(ent, edge)]


def named(part: str, lexicon: Lexicon) -> bool:
    """A part of a span read as a name: a word of it a known given name or surname, or a
    capitalised word no dictionary holds (Shevchenko), and no word an organisation's (Clinic,
    Ltd, Trust), nor the part or its last word a place ("Quezon City", "Ecobank Ghana")."""
    firsts, lasts = gazetteer()
    words = part.split()
    if not all(_NAME_WORD.fullmatch(w) for w in words) or any(org_word(w) for w in words) \
            or place_name(part) or place_name(words[-1]) or words[-1] in _PLACE_KINDS:
        return False

    def known(word: str) -> bool:
        # A given name, or a surname no dictionary holds (Okonkwo; Cover and Baker are words).
        bare = word.replace("'", "").replace("’", "").upper()
        if bare in firsts and not ordinary_word(word, lexicon):
            return True
        return (bare in lasts or re.split(r"['’]", word)[-1].upper() in lasts) \
            and not lexicon.is_word(word)
    pieces = [p for w in words for p in w.split("-") if len(p) > 1]
    if not pieces or any(not (p.istitle() or _MC.match(p)) for p in pieces):
        return False  # NaN, FILE, DFSG: no name's case
    if len(words) == 1:  # one word alone: a place as often where the model saw an address
        return False  # ("moved to Austin in May"), or jargon (Changelog)
    ordinary = [p for p in pieces if ordinary_word(p, lexicon)]
    # At most three words, at most one of them a dictionary word, and that one a noun only (a
    # surname WordNet lists: Shevchenko), not a verb's or adjective's (Massive, Back, Text).
    if len(words) > 3 or len(ordinary) > 1 \
            or any(lexicon.is_not_only_a_noun(p) for p in ordinary):
        return False
    # A known name (Doris, O'Connor), or a word in no dictionary (Kateryna Shevchenko).
    return any(known(p) or (len(p) > 2 and not lexicon.is_word(p)) for p in pieces)


def _read(text: str, focus: tuple[int, int] | None) -> tuple[int, int]:
    """The part of ``text`` a model reads for ``focus`` (see :meth:`ModelNerRecognizer.focus`):
    at least :data:`MODEL_CONTEXT` characters and :data:`MODEL_CONTEXT_WORDS` words either
    side, out to whole words (a URL or a hash is one long word: characters alone would leave
    fewer words of context than the model reads); all of it without a focus."""
    if focus is None:
        return 0, len(text)
    lo, hi = focus
    words = 0
    while lo > 0 and (words < MODEL_CONTEXT_WORDS or focus[0] - lo < MODEL_CONTEXT
                      or not text[lo - 1].isspace()):
        lo -= 1
        words += text[lo].isspace() and not text[lo - 1:lo].isspace()
    words = 0
    while hi < len(text) and (words < MODEL_CONTEXT_WORDS or hi - focus[1] < MODEL_CONTEXT
                              or not text[hi].isspace()):
        words += text[hi].isspace() and not text[hi - 1:hi].isspace()
        hi += 1
    return lo, hi


def name_parts(ent: Any, lexicon: Lexicon) -> list[tuple[int, int]]:
    """The runs of ``ent`` between punctuation, less the ordinary words at their edges:
        lower-case English words, capitalised ones that are no census name (see
    :func:`lexicon.ordinary_word`); particles (van, de) stay."""
    parts = []
    for run in _trimmed_runs(ent, lambda word: _edge_word(word, lexicon)):
        words = [t.text for t in run]
        if not _all_dictionary_words(words, lexicon) and not _unknown_lower(words):
            parts.append((run[0].idx, run[-1].idx + len(run[-1].text)))
    return parts


def _unknown_lower(words: list[str]) -> bool:
    """All lower case and no word a census name: "uuid", "sku" in technical text far more often
    than a lower-case name no list knows."""
    firsts, lasts = gazetteer()
    alpha = [w for w in words if w[:1].isalpha()]
    return all(w.islower() for w in alpha) and not any(
        w.upper() in firsts or w.upper() in lasts for w in alpha)


def _all_dictionary_words(words: list[str], lexicon: Lexicon) -> bool:
    """Every word is in the dictionary and none is a first name ("Free", "Body", "High" in
    headings): stricter than the main model's check, which keeps a word that is also a common
    surname; a run of such words is what this small model gets wrong most."""
    firsts, _ = gazetteer()
    alpha = [w for w in words if w[:1].isalpha() and w.lower() not in _PARTICLES]
    return bool(alpha) and all(lexicon.is_word(w) and w.upper() not in firsts for w in alpha)


def _edge_word(word: str, lexicon: Lexicon) -> bool:
    """``word`` at the edge of a model's name is not part of it."""
    if not word[:1].isalpha():
        return word in {"-", "'", "."}
    if word.lower() in _PARTICLES:
        return False
    if word.lower() in _CUES:
        return True
    if word[:1].islower():
        # a lower-case given name the gazetteer knows stays ("ok tilde koch"), unless it is
        # a function word ("will"), also a verb, adjective or adverb ("hope", "mark"), or
        # two letters (an abbreviation as often: "2nd ed.")
        if len(word) > 2 and word.upper() in gazetteer()[0] and word.lower() not in stop_words() \
                and not lexicon.is_not_only_a_noun(word):
            return False
        return lexicon.is_word(word)
    return ordinary_word(word, lexicon)


def model_recognizers(policy: PiiConfig, lexicon: Lexicon | None = None,
                      max_chars: int = 100_000,
                      language: str = "en") -> list[ModelNerRecognizer]:
    """A recognizer for each of ``policy.models`` that finds a type the policy wants;
    ``lexicon``: the ordinary words trimmed off the edges of its names."""
    wanted = set(policy.entities)
    found = []
    for entry in policy.models:
        rec = ModelNerRecognizer(entry, policy.model_labels, lexicon=lexicon,
                                 max_chars=max_chars, language=language)
        if not wanted & set(rec.supported_entities):
            continue
        log.info("pii_model_loaded", model=entry, path=str(model_path(entry)),
                 labels=rec.labels)
        found.append(rec)
    return found
