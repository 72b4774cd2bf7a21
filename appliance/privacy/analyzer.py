"""Presidio, set up to run offline, with our recognizers and the site's policy.

- spaCy: the configured model package is loaded with ``spacy.load`` and only the components NER
  needs; a model that is not installed is an error, never a download (Presidio's own
  ``SpacyNlpEngine.load`` would download it through the spaCy command line).
- tldextract: Presidio's recognizers may call ``tldextract.extract``, whose default extractor
  fetches the public suffix list over the network on first use. We replace that extractor with
  one that reads only the snapshot bundled in the package (``suffix_list_urls=()``, no cache).
  E-mail addresses are ours (:class:`recognizers_ids.EmailAddressRecognizer`), which reads the
  same snapshot's top-level names.
- Words the NER model alone tags as names are checked against the model's own lexicon of
  ordinary words (see :mod:`lexicon`).
- Languages: pattern recognizers (ours for Chinese identifiers included) run on all text; the
  English NER model reads only the Latin parts (CJK is blanked out for it), and Chinese names
  come from :class:`CnPersonRecognizer`.
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from appliance.config import PiiConfig
from appliance.errors import ConfigError
from appliance.privacy.lexicon import model_lexicon, not_a_name, ordinary_word
from appliance.privacy.lookalikes import LOOSE_TYPES, lookalike_spans, within_lookalike
from appliance.privacy.model_ner import (
    ModelNerRecognizer,
    foreign_word,
    model_recognizers,
    numpy_blas,
)
from appliance.privacy.name_checks import CheckedSpacyRecognizer, person_context
from appliance.privacy.normalize import Normalized, load_tables, normalize
from appliance.privacy.recognizer_base import CJK_TEXT
from appliance.privacy.recognizers_context import context_recognizers, in_field_label
from appliance.privacy.recognizers_context import recognizer_names as context_recognizer_names
from appliance.privacy.recognizers_gdpr import EN_PLACE_NAMES, doubtful, gdpr_recognizers
from appliance.privacy.recognizers_handles import handle_recognizers
from appliance.privacy.recognizers_ids import id_recognizers
from appliance.privacy.recognizers_names import (
    StructuredNameRecognizer,
    gazetteer,
    name_recognizers,
    widen_names,
)
from appliance.privacy.recognizers_phone import VERSION_LIKE, FastPhoneRecognizer, glued
from appliance.privacy.recognizers_places import GazetteerPlaceRecognizer
from appliance.privacy.recognizers_scripts import ForeignScriptNameRecognizer
from appliance.privacy.recognizers_vi import (
    VietnameseNameRecognizer,
    vietnamese_letters,
    vietnamese_name,
    vietnamese_place,
    vietnamese_text,
)
from appliance.privacy.recognizers_zh import (
    SURNAMES,
    CnBankCardRecognizer,
    CnPersonRecognizer,
    chinese_recognizers,
)
from appliance.privacy.recognizers_zh_names import (
    COMPOUND_SURNAMES,
    CnNameSegmentRecognizer,
    given_name_alone,
)
from appliance.privacy.site_recognizers import site_recognizers

log = structlog.get_logger("appliance.privacy")

#: Chinese, Japanese and Korean script: ideographs, kana, Hangul.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7a3]")
_DIGIT = re.compile(r"[0-9]")
_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĶĹĻĽĿŁŃŅŇŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽḀ-Ỿ"
_LETTER = "A-Za-zÀ-ÖØ-öø-ÿĀ-žƀ-ʯḀ-ỿ"
_LIST_ITEM = (rf"(?P<v>[{_UPPER}][{_LETTER}'’\-]+(?:[ \t]+(?:(?:van|von|der|den|de|del|della|da|"
              rf"das|do|dos|du|di|la|le|bin|al|ibn|ter|ten)[ \t]+)*[{_UPPER}][{_LETTER}'’\-]+)"
              rf"{{0,2}})")
#: Joins between the items of a list on one line: commas, semicolons, "and", "&", "/", and
#: the numbers of an enumeration written inline ("1. Ana Lima 2. Rosa Diaz", "(2) ...").
# Possessive blanks, each run read once: with three optional runs around the join, a run of
# tabs was split every way (a match over 4,000 tabs took 0.17 s, growing as its square).
_LIST_JOIN = (r"[ \t]*+(?:,[ \t]*+(?:and[ \t]++|&[ \t]*+)?|;|(?<=[ \t])and[ \t]++|&|/"
              r"|(?<=[ \t])\(?[0-9]{1,2}[.)][ \t]++)[ \t]*+")
#: The item listed right after a name, and right before one.
_LIST_NEXT = re.compile(rf"{_LIST_JOIN}{_LIST_ITEM}(?![{_LETTER}'’\-]|[ \t]+[A-Z])")
_LIST_PREV = re.compile(rf"(?<![{_LETTER}'’\-]){_LIST_ITEM}{_LIST_JOIN}$")
#: A line that is an item of a list: a bullet, number or letter, then one to
#: three capitalised words, then nothing or a note set apart ("(chair)", ", CFO", " <a@b.c>").
_LINE_ITEM = re.compile(
    rf"(?m)^[ \t]*(?P<mark>[-*•+·‣▪]|[0-9]{{1,3}}[.)]|[a-z][.)])[ \t]+{_LIST_ITEM}"
    # Possessive: a long run of spaces is read once, not split every way (it was quadratic).
    rf"[ \t]*+(?:[(\[<,;:–—][^\n]*|(?<=[ \t])-[ \t][^\n]*)?\r?$")
#: A capitalised word right before or after a name, one space or tab apart.
_CAP_BEFORE = re.compile(rf"(?<![{_LETTER}'’\-])(?P<w>[{_UPPER}][{_LETTER}'’\-]+)[ \t]$")
_CAP_AFTER = re.compile(rf"[ \t](?P<w>[{_UPPER}][{_LETTER}'’\-]+)(?![{_LETTER}'’\-])")
#: The words of a name, for looking for each on its own (Smith of John Smith).
_NAME_PART = re.compile(r"[^\W\d_][\w'’\-]*")
#: A CJK finding with these is a phrase, not a name to look for elsewhere.
_NOT_CJK_NAME = re.compile(r"[\s\d,，。、:：]")
#: A line break that may end a block of text analysed on its own (see :meth:`Analyzer.cut_points`).
_LINE_END = re.compile(r"\n")
#: The end of a sentence, where a block may end too: a word of two or more lower-case letters
#: (not an initial, a title such as Dr. or Mrs., or a number), ".", "!" or "?", maybe a closing
#: quote or bracket, spaces, then a capital (maybe after an opening quote or bracket); or a
#: Chinese or Japanese full stop, exclamation or question mark with text right after it.
_SENTENCE_END = re.compile(
    r"(?<![^\W\d_])[a-zß-öø-ÿ]{2,}[.!?][\"'”’)\]]?[ \t]+(?=[\"'“‘(\[]?[A-ZÀ-ÖØ-Þ])"
    r"|[。！？][」』”’）)]*(?=\S)")
#: Three or more capitalised words in a row: text the NER model reads as shouting, not names.
_SHOUTED = re.compile(r"(?<![A-Za-z])[A-Z][A-Z'\-]+(?:[ \t]+[A-Z][A-Z'\-]+){2,}(?![A-Za-z])")
#: Score of a name found in the title-cased copy of ALL-CAPS text.
SHOUTED_NAME_SCORE = 0.6


def _distractor(text: str, entity_type: str, start: int, end: int, recognizer: str,  # noqa: PLR0913, PLR0917 - a finding and its text
                lookalikes: list[tuple[int, int]]) -> bool:
    """Findings that are really part of a version, ticket, order or standard number, or of a
    date and time (``lookalikes``: see :mod:`lookalikes`).

    Only the loosely matched types are filtered: checksummed identifiers (cards, IBANs, CN
    resident IDs) and e-mail addresses are always kept, since a leak costs more than a
    false positive."""
    value = text[start:end]
    if recognizer in _NER_RECOGNIZERS:
        # The small English model tags things like "v2.14.3" as names; names have no digits,
        # and it reads short acronyms (GB, HR) as names too.
        if entity_type == "PERSON":
            return _DIGIT.search(value) is not None or (len(value) <= 3 and value.isupper())
        # The models read codes as addresses or firms ("SKU-90889-WHT-XL", "ISBN 978-7-…"):
        # such a finding that is mostly a look-alike is one. (Dates are look-alikes too, and
        # the strict profile's DATE_TIME is meant to find them.)
        return entity_type in _NOT_CODES and _mostly_lookalike(text, start, end, lookalikes)
    if entity_type in LOOSE_TYPES and within_lookalike(text, start, end, lookalikes):
        return True
    if entity_type != "PHONE_NUMBER":
        return False
    return glued(text, start, end) or VERSION_LIKE.fullmatch(value) is not None


#: Types a model finds that are never a code, a reference or a date.
_NOT_CODES = frozenset({"ADDRESS", "LOCATION", "ORGANIZATION", "NRP", "POSTCODE"})


def _mostly_lookalike(text: str, start: int, end: int, lookalikes: list[tuple[int, int]]) -> bool:
    """At least half the letters and digits of ``text[start:end]`` lie in look-alikes."""
    covered: set[int] = set()
    for s, e in lookalikes:  # only the look-alikes that overlap the finding, each once
        if s < end and start < e:
            covered.update(range(max(s, start), min(e, end)))
    total = sum(1 for i in range(start, end) if text[i].isalnum())
    inside = sum(1 for i in covered if text[i].isalnum())
    return total > 0 and inside * 2 >= total


_NER_RECOGNIZER = "SpacyRecognizer"
#: spaCy's NER (through Presidio) and the PII models of [pii] models: the same checks apply.
_NER_RECOGNIZERS = frozenset({_NER_RECOGNIZER, ModelNerRecognizer.NAME})
_EN_NAME_RECOGNIZERS = frozenset({*_NER_RECOGNIZERS, "GazetteerNameRecognizer",
                                  "CuedNameRecognizer", ForeignScriptNameRecognizer.__name__,
                                  VietnameseNameRecognizer.__name__,
                                  *context_recognizer_names()})
#: Words after which Vietnamese names a place: at, in, from, to, lives in, city, province.
_VI_PLACE_CUE = re.compile(r"(?i)(?:tại|ở|từ|đến|sống|trú|thành[ \t]+phố|tỉnh|tp\.?)[ \t]+\Z")


#: A Vietnamese title of address (brother, sister, Mr, Mrs, teacher …) before a given name
#: without its family name.
_VI_TITLED = re.compile(r"(?i:anh|chị|em|ông|bà|cô|chú|bác|cậu|thầy|cháu|bạn)[ \t]+"
                        r"(?P<v>[^\W\d_]{1,7}(?:[ \t]+[^\W\d_]{1,7}){0,2})(?![^\W\d_])")


def _around(text: str, start: int, end: int) -> str:
    """The line a finding is on, at most 300 characters either side of it: whether that is in
    Vietnamese is decided there, not for the whole text (an English signature under a
    Vietnamese address)."""
    lo = max(text.rfind("\n", 0, start) + 1, start - 300)
    hi = text.find("\n", end)
    return text[lo:min(hi if hi >= 0 else len(text), end + 300)]


class Names(dict[str, float]):
    """The names a request's texts hold, with their scores (:meth:`Analyzer.names_in`), and
    which of them are a Chinese given name alone: looked for only with no Chinese character
    either side ("思远, …", not 思远 of 思远科技)."""

    def __init__(self) -> None:
        super().__init__()
        self.alone: set[str] = set()


#: A title in lower case before a name ("mrs lindqvist"): the name is looked for without it.
_LOWER_TITLE = re.compile(r"(?:mr|mrs|ms|miss|dr|prof)\.?[ \t]+(?=[a-z])")
#: Chinese surnames of one character: a three-character name is surname + given name.
_ONE_CHAR_SURNAMES = frozenset(s for s in SURNAMES if len(s) == 1)
_ZH_NAME_RECOGNIZERS = frozenset({CnPersonRecognizer.__name__, CnNameSegmentRecognizer.__name__})


def quiet_presidio() -> None:
    """Presidio logs through the standard library; keep it to errors, which never quote text."""
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)


def use_bundled_suffix_list() -> None:
    """Make every ``tldextract.extract`` call use the bundled public suffix list, offline."""
    import tldextract  # noqa: PLC0415
    import tldextract.tldextract as impl  # noqa: PLC0415

    if getattr(impl.TLD_EXTRACTOR, "suffix_list_urls", None) == ():
        return
    impl.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                               fallback_to_snapshot=True)


@dataclass(frozen=True)
class Span:
    entity_type: str
    start: int
    end: int
    score: float


def _context_enhancer() -> Any:
    from appliance.privacy.context import BoundedContextEnhancer  # noqa: PLC0415 - loads Presidio

    return BoundedContextEnhancer()


def _drop_unused_tok2vec(nlp: Any) -> None:
    """Remove the shared tok2vec when NER has its own (as in spaCy's en_core_web_* models):
    it then only feeds the tagger and parser we excluded, and costs half of NER's time."""
    from spacy.pipeline.tok2vec import Tok2VecListener  # noqa: PLC0415

    if "tok2vec" not in nlp.pipe_names:
        return
    listens = any(isinstance(node, Tok2VecListener)
                  for node in nlp.get_pipe("ner").model.walk())
    if not listens:
        nlp.remove_pipe("tok2vec")


#: Entity types that only spaCy's NER finds (Presidio maps its GPE/LOC, ORG, NORP and DATE/TIME
#: labels to them); PERSON has the PII models too.
_SPACY_ONLY_TYPES = frozenset({"LOCATION", "ORGANIZATION", "NRP", "DATE_TIME"})


def spacy_ner_needed(policy: PiiConfig, wanted: set[str]) -> bool:
    """Whether spaCy's NER runs for ``policy`` (see ``[pii] spacy_ner``)."""
    return policy.spacy_ner == "on" or not policy.models or bool(wanted & _SPACY_ONLY_TYPES)


def _nlp_engine(policy: PiiConfig, max_chars: int, ner: bool = True) -> Any:
    import spacy  # noqa: PLC0415
    from presidio_analyzer.nlp_engine import SpacyNlpEngine  # noqa: PLC0415
    from spacy.attrs import IS_PUNCT, IS_STOP  # type: ignore[import-not-found]  # noqa: PLC0415

    class OfflineSpacyNlpEngine(SpacyNlpEngine):
        """Presidio's spaCy engine without its download path, loading only what NER needs."""

        def load(self) -> None:
            if not spacy.util.is_package(policy.spacy_model):
                raise ConfigError(
                    f"spaCy model package {policy.spacy_model!r} is not installed; install it "
                    f"with pip (it is never downloaded at run time)", key="pii.spacy_model")
            exclude = [*policy.spacy_exclude, *(() if ner else ("ner", "tok2vec"))]
            nlp = spacy.load(policy.spacy_model, exclude=exclude)
            if ner and "ner" not in nlp.pipe_names:
                raise ConfigError(f"spaCy model {policy.spacy_model!r} has no ner component "
                                  f"(or pii.spacy_exclude removes it)", key="pii.spacy_model")
            if ner:
                _drop_unused_tok2vec(nlp)
            numpy_blas(nlp)
            nlp.max_length = max(nlp.max_length, max_chars + 1)
            self.nlp = {"en": nlp}  # type: ignore[assignment]

        def _doc_to_nlp_artifact(self, doc: Any, language: str) -> Any:
            from presidio_analyzer.nlp_engine import NlpArtifacts  # noqa: PLC0415

            # Without the lemmatizer, lemma_ is empty; context words then match the lower form
            # (with "" for every lemma, no context word would ever raise a score). Presidio
            # derives its context keywords from the lemmas in the artifacts' constructor, by
            # way of is_stopword and is_punct below.
            entities, scores = self._get_updated_entities(
                self._get_entities(doc), self._get_scores_for_entities(doc))
            return NlpArtifacts(entities=entities, tokens=doc,
                                tokens_indices=[t.idx for t in doc],
                                lemmas=[t.lemma_ or t.lower_ for t in doc], nlp_engine=self,
                                language=language, scores=scores)

        # Presidio asks the vocabulary for a lexeme of each lemma, which makes a new one
        # (with its 23 attributes) for every word not seen before: the same getters the
        # lexeme's flags come from, called on the string, answer the same.
        def is_stopword(self, word: str, language: str) -> bool:
            return bool(self.nlp[language].vocab.lex_attr_getters[IS_STOP](word))  # type: ignore[index]

        def is_punct(self, word: str, language: str) -> bool:
            return bool(self.nlp[language].vocab.lex_attr_getters[IS_PUNCT](word))  # type: ignore[index]

    engine = OfflineSpacyNlpEngine(models=[{"lang_code": "en",
                                            "model_name": policy.spacy_model}])
    engine.load()
    return engine


def _engine_class(base: Any) -> Any:
    """Presidio's engine, with its per-recognizer pass of context enhancement made linear."""
    from presidio_analyzer import EntityRecognizer, RecognizerResult  # noqa: PLC0415

    key = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY

    class Engine(base):  # type: ignore[misc]
        def _enhance_using_context(self, text: str, raw_results: list[Any],
                                   nlp_artifacts: Any, recognizers: list[Any],
                                   context: list[str] | None = None) -> list[Any]:
            # Presidio splits the results into each recognizer's and the others' for every
            # recognizer (0.3 ms a record with our 50) and hands both to the recognizer's own
            # enhance_using_context, which none of ours overrides: the base one returns its
            # own results as they are. Same results, same order, for the rest.
            own: dict[str, list[Any]] = {}
            for r in raw_results:
                own.setdefault(r.recognition_metadata[key], []).append(r)
            results: list[Any] = []
            for recognizer in recognizers:
                mine = own.get(recognizer.id, [])
                if type(recognizer).enhance_using_context \
                        is not EntityRecognizer.enhance_using_context:
                    mine = recognizer.enhance_using_context(
                        text=text, raw_recognizer_results=mine,
                        other_raw_recognizer_results=[
                            r for r in raw_results
                            if r.recognition_metadata[key] != recognizer.id],
                        nlp_artifacts=nlp_artifacts, context=context)
                results.extend(mine)
            return self.context_aware_enhancer.enhance_using_context(  # type: ignore[no-any-return]
                text=text, raw_results=results, nlp_artifacts=nlp_artifacts,
                recognizers=recognizers, context=context)

    return Engine


class Analyzer:
    """Finds PII spans in text according to the policy. Thread-safe after construction."""

    def __init__(self, policy: PiiConfig, max_chars: int = 100_000) -> None:
        from presidio_analyzer import (  # noqa: PLC0415
            AnalyzerEngine,
            PatternRecognizer,
            RecognizerRegistry,
        )
        from presidio_analyzer.predefined_recognizers import (  # noqa: PLC0415
            EmailRecognizer,
            PhoneRecognizer,
            SpacyRecognizer,
        )

        use_bundled_suffix_list()
        quiet_presidio()
        load_tables()
        self.policy = policy
        wanted = set(policy.entities) | ({"DENY_LIST"} if policy.deny_list else set())
        class OrderedRegistry(RecognizerRegistry):
            """Presidio's registry hands the engine its recognizers as a set, so the order in
            which they run - and so which of two identical findings survives Presidio's
            removal of duplicates, and with it which recognizer's checks apply in
            :meth:`_kept` - changed from process to process (by the objects' addresses):
            "I work for IT" was masked in one run and not in the next. Here they run in the
            order they were registered, the more specific recognizer first."""

            _chosen: dict[Any, list[Any]]

            def get_recognizers(self, *args: Any, **kwargs: Any) -> list[Any]:
                # The same few selections every request (0.2 ms a record to make): kept, by
                # the arguments and the registered recognizers themselves.
                key = None
                if not kwargs.get("ad_hoc_recognizers"):
                    entities = kwargs.get("entities")
                    key = (args, tuple(sorted((k, v) for k, v in kwargs.items()
                                              if k != "entities")),
                           tuple(entities) if entities is not None else None,
                           tuple(map(id, self.recognizers)))
                    chosen = self.__dict__.setdefault("_chosen", {}).get(key)
                    if chosen is not None:
                        return list(chosen)
                found = set(super().get_recognizers(*args, **kwargs))
                order = {id(r): i for i, r in enumerate(self.recognizers)}
                chosen = sorted(found, key=lambda r: order.get(id(r), len(order)))
                if key is not None:
                    if len(self._chosen) >= 64:  # a few profiles' entity lists; bounded
                        self._chosen.clear()
                    self._chosen[key] = chosen
                return list(chosen)

        registry = OrderedRegistry(supported_languages=["en"])
        registry.load_predefined_recognizers(languages=["en"])
        registry.recognizers = [
            r for r in registry.recognizers
            if set(r.supported_entities) & wanted
            # ours: recognizers_phone.FastPhoneRecognizer, recognizers_ids.EmailAddressRecognizer
            and not isinstance(r, PhoneRecognizer | EmailRecognizer)]
        if "PHONE_NUMBER" in wanted:
            registry.add_recognizer(FastPhoneRecognizer(
                policy.phone_regions,
                # Only when those recognizers are on and their scores pass the policy.
                skip_cards="CN_BANK_CARD" in wanted
                and policy.thresholds.get("CN_BANK_CARD", policy.score_threshold)
                <= CnBankCardRecognizer.OTHER_CARD_SCORE,
                skip_resident_ids="CN_RESIDENT_ID" in wanted))
        self._lexicon = model_lexicon(policy.spacy_model)
        registry.recognizers = [
            CheckedSpacyRecognizer(self._lexicon, list(r.supported_entities))
            if isinstance(r, SpacyRecognizer) else r for r in registry.recognizers]
        for rec in [*chinese_recognizers("en"), CnNameSegmentRecognizer("en"),
                    ForeignScriptNameRecognizer("en"), VietnameseNameRecognizer("en"),
                    *id_recognizers("en"), *name_recognizers("en", self._lexicon.is_word),
                    *gdpr_recognizers("en", self._lexicon,
                                      [GazetteerPlaceRecognizer("en", self._lexicon)]),
                    *context_recognizers(self._lexicon, "en"),
                    *handle_recognizers(self._lexicon, "en")]:
            if set(rec.supported_entities) & wanted:
                registry.add_recognizer(rec)
        self._models = model_recognizers(policy, self._lexicon, max_chars)  # [pii] models
        for rec in self._models:
            registry.add_recognizer(rec)
        self.spacy_ner = spacy_ner_needed(policy, wanted)
        if policy.deny_list:
            registry.add_recognizer(PatternRecognizer(supported_entity="DENY_LIST",
                                                      deny_list=list(policy.deny_list)))
        for rec in site_recognizers(policy):  # the site's own types: defined to be masked
            registry.add_recognizer(rec)
            wanted.update(rec.supported_entities)
        self._entities = sorted(wanted)
        self._patterns = [r for r in registry.recognizers
                          if getattr(r, "name", "") not in _NER_RECOGNIZERS]
        self._floor = min([policy.score_threshold, *policy.thresholds.values()])
        self._nlp = _nlp_engine(policy, max_chars, ner=self.spacy_ner)
        self._table_reader = StructuredNameRecognizer("en")
        self._engine = _engine_class(AnalyzerEngine)(
            registry=registry, nlp_engine=self._nlp, supported_languages=["en"],
            context_aware_enhancer=_context_enhancer())
        self.recognizer_names: list[str] = sorted(
            str(getattr(r, "name", type(r).__name__)) for r in registry.recognizers)
        log.info("pii_analyzer_loaded", spacy_model=policy.spacy_model, spacy_ner=self.spacy_ner,
                 entities=self._entities, recognizers=self.recognizer_names)

    def find(self, text: str, lang: str = "auto",
             focus: tuple[int, int] | None = None) -> list[Span]:
        """Non-overlapping PII spans in ``text``, in order. ``lang``: auto, en or zh.

        The recognizers read a normalised view of the text (see :mod:`normalize`); the spans
        returned are positions in ``text`` itself. ``focus``: the part of ``text`` whose
        findings the caller keeps (a block in its window, see :mod:`span_cache`): the PII
        models read only it and a few words around it (:data:`MODEL_CONTEXT`), the rules
        the whole text."""
        if not text:
            return []
        view = normalize(text)
        seen = view.text
        if focus is not None and len(seen) == len(text):
            for rec in self._models:
                rec.focus(seen, *focus)
        try:
            return self._find(text, view, lang)
        finally:
            for rec in self._models:
                rec.focus(seen, 0, len(seen))

    def _find(self, text: str, view: Normalized, lang: str) -> list[Span]:
        seen = view.text
        artifacts = None
        if _CJK.search(seen):
            # The English model cannot read Chinese (it tags whole Chinese sentences as one
            # PERSON). It gets the text with CJK blanked to spaces: offsets stay the same, so
            # its findings line up with the original, which pattern recognizers still see.
            artifacts = self._nlp.process_text(CJK_TEXT.sub(" ", seen), "en")
        results = self._engine.analyze(
            text=seen, language="en", entities=self._entities, nlp_artifacts=artifacts,
            allow_list=list(self.policy.allow_list) or None, score_threshold=self._floor)
        spans = []
        people: list[tuple[int, int, float]] = []  # English names found, in ``seen``
        lookalikes = lookalike_spans(seen)
        for r in results:
            kept = self._kept(seen, r, lang, lookalikes)
            if kept is None:
                continue
            start, end, recognizer = kept
            if r.entity_type == "PERSON" and recognizer in _EN_NAME_RECOGNIZERS:
                start, end = self._widen(seen, *widen_names(seen, start, end))
                while end > start + 1 and seen[end - 1] in "'’":
                    end -= 1  # "VALUES ('Ann al-Farsi', …": the quote closes the string
                if recognizer in _NER_RECOGNIZERS and seen[start:end] in EN_PLACE_NAMES \
                        and not person_context(seen, start, end):
                    continue  # "Lumpur" found, widened over "Kuala": the city
                people.append((start, end, r.score))
            spans.append(Span(r.entity_type, *view.span(start, end), r.score))
        spans += [Span("PERSON", *view.span(s, e), score)
                  for s, e, score in self._listed_with(seen, people)]
        if lang != "zh" and "PERSON" in self._entities and _SHOUTED.search(seen):
            spans += [Span("PERSON", *view.span(s, e), score)
                      for s, e, score in self._shouted_names(seen)]
        return non_overlapping(spans)

    @contextlib.contextmanager
    def reading(self, texts: Sequence[str]) -> Iterator[None]:
        """While open, this thread's :meth:`find` of any of ``texts`` uses the PII models'
        reading of all of them in batches (see :meth:`ModelNerRecognizer.read_ahead`): the same
        spans, in less time when there are many short texts (an embeddings request's inputs)."""
        views = [normalize(t).text for t in texts if t]
        try:
            for rec in self._models:
                rec.read_ahead(views)
            yield
        finally:
            for rec in self._models:
                rec.forget()

    def _kept(self, seen: str, r: Any, lang: str, lookalikes: list[tuple[int, int]],
              ) -> tuple[int, int, str] | None:
        """Where finding ``r`` of ``seen`` is, and its recognizer's name, or None when the
        policy or one of the checks below drops it."""
        if r.score < self.policy.thresholds.get(r.entity_type, self.policy.score_threshold):
            return None
        recognizer = str((r.recognition_metadata or {}).get("recognizer_name", ""))
        if (recognizer in _NER_RECOGNIZERS and lang == "zh") \
                or (recognizer in _ZH_NAME_RECOGNIZERS and lang == "en"):
            return None
        # Names from NER models were checked in their recognizers already (name_checks),
        # before Presidio's de-duplication could let them hide what they contain.
        start, end = r.start, r.end
        if recognizer == "GazetteerNameRecognizer" \
                and in_field_label(seen, start, end, self._lexicon):
            return None  # "Summer Sale:": a census first name and surname as a heading
        if r.entity_type == "PERSON" and foreign_word(seen[start:end]):
            return None  # "am Freitag, 12. Juni", "le 3 mars": a date's words, no one
        if r.entity_type == "PERSON" and vietnamese_text(_around(seen, start, end)) \
                and (recognizer in _NER_RECOGNIZERS or recognizer == "UnknownPairRecognizer"):
            start, end = self._in_vietnamese(seen, r) or (-1, -1)
        if start < 0 or _distractor(seen, r.entity_type, start, end, recognizer, lookalikes) \
                or doubtful(seen, r.entity_type, start, end, recognizer,
                            recognizer in _NER_RECOGNIZERS, self._lexicon):
            return None  # look-alikes; strict types: "the Order Status" as ORG, "today"
        return start, end, recognizer

    def _in_vietnamese(self, seen: str, r: Any) -> tuple[int, int] | None:
        """Where a PERSON finding of the English model (or of two capitalised words) in
        Vietnamese text is, or None to drop it: "Khách hàng" (customer) and "Hà Nội" are no
        one, "Anh Trần Văn Hùng" is a title and a name, "Cảm ơn John Smith đã" holds a name
        from elsewhere."""
        if vietnamese_place(seen, r.start, r.end):
            return None if "LOCATION" not in self._entities else self._as_place(r)
        name = vietnamese_name(seen, r.start, r.end)
        if name is not None:
            return name
        titled = _VI_TITLED.match(seen, r.start, r.end)
        if titled is not None:  # "chị Lan Anh", "Anh Tuấn": a title and a given name
            at, end = titled.start("v"), titled.start("v")
            for part in re.finditer(r"\S+", titled.group("v")):
                if not part.group(0)[0].isupper():
                    break
                end = titled.start("v") + part.end()
            if end > at:
                return at, end
        # The run of capitalised words without a Vietnamese letter that holds a census name
        firsts, lasts = gazetteer()
        run: list[re.Match[str]] = []
        best: tuple[int, int] | None = None
        for w in [*re.finditer(r"\S+", seen[r.start:r.end]), None]:
            word = w.group(0).strip(",.;:()") if w is not None else ""
            if w is not None and word[:1].isupper() and not vietnamese_letters(word):
                run.append(w)
                continue
            if any(x.group(0).strip(",.;:()").upper() in firsts | lasts for x in run) \
                    and (best is None or run[-1].end() - run[0].start() > best[1] - best[0]):
                lo, hi = r.start + run[0].start(), r.start + run[-1].end()
                best = (lo, lo + len(seen[lo:hi].rstrip(",.;:)")))
            run = []
        if best is not None:
            return best
        # Where places are masked, a run after a word that places it is one ("trú tại Đà
        # Nẵng", "ở Hà Nội"); the rest is dropped.
        if "LOCATION" not in self._entities \
                or not _VI_PLACE_CUE.search(seen, max(0, r.start - 12), r.start):
            return None
        return self._as_place(r)

    @staticmethod
    def _as_place(r: Any) -> tuple[int, int]:
        r.entity_type = "LOCATION"
        return r.start, r.end

    def _listed_with(self, seen: str, people: list[tuple[int, int, float]],
                     ) -> list[tuple[int, int, float]]:
        """Items listed with a name are names: "Ana Lima, Piet Hein and Rosa Diaz" where only
        one was found. An item is one to three capitalised words (particles and apostrophes
        allowed) that are not all ordinary words or a known place, joined by a comma,
        semicolon, "and", "&" or "/". It is a list when it has three items or more, or a join
        other than a comma: "Prepared for Dominik Cvetko, Ardore Marina" is a name and a
        place."""
        found: list[tuple[int, int, float]] = self._line_listed(seen, people)
        done: set[tuple[int, int]] = {(s, e) for s, e, _ in found}
        for start, end, score in people:
            if (start, end) in done or _CJK.search(seen[start:end]):
                continue
            chain: list[tuple[int, int]] = []
            joins: list[str] = []
            at = end
            while len(chain) < 16 and (m := _LIST_NEXT.match(seen, at)) is not None:
                chain.append(m.span("v"))
                joins.append(seen[at:m.start("v")])
                at = m.end("v")
            at = start
            while len(chain) < 16 and (m := _LIST_PREV.search(seen, max(0, at - 80), at)) \
                    is not None:
                chain.append(m.span("v"))
                joins.append(seen[m.end("v"):at])
                at = m.start("v")
            if not chain or (len(chain) < 2 and all(j.strip() == "," for j in joins)):
                continue
            for s, e in chain:
                done.add((s, e))
                if not_a_name(seen, s, e, self._lexicon) or seen[s:e] in EN_PLACE_NAMES \
                        or any(s < pe and ps < e for ps, pe, _ in people):
                    continue
                found.append((s, e, score))
        return found

    def _widen(self, seen: str, start: int, end: int) -> tuple[int, int]:
        """One more capitalised word either side of a name, when it is no ordinary word, no
        known place and no possessive: the given name or surname that no census list has
        ("Ömer" of "Ömer Şahin", "Yıldırım" of "Kutay Yıldırım"), so no name is half masked."""
        if (m := _CAP_BEFORE.search(seen, max(0, start - 40), start)) is not None \
                and self._name_part(seen, *m.span("w")):
            start = m.start("w")
        if (m := _CAP_AFTER.match(seen, end)) is not None and self._name_part(seen, *m.span("w")):
            end = m.end("w")
        return start, end

    def _name_part(self, seen: str, start: int, end: int) -> bool:
        word = seen[start:end]
        return not (word.endswith(("'s", "’s")) or word in EN_PLACE_NAMES
                    or not_a_name(seen, start, end, self._lexicon))

    def _line_listed(self, seen: str, people: list[tuple[int, int, float]],  # noqa: C901 - one pass
                     ) -> list[tuple[int, int, float]]:
        """Items of a list written one per line, beside a name that is one: the other lines
        of a bulleted, numbered or plain list ("- Gábor Biró", "2. Evde Soylu") whose item is
        one to three capitalised words that are not all ordinary words or a known place. The
        list is the run of neighbouring lines with the same kind of mark. Lines without a
        mark are not read as a list: headings and addresses are written that way too."""
        if "\n" not in seen or not people:
            return []
        items = list(_LINE_ITEM.finditer(seen))
        if len(items) < 2:
            return []
        starts = [m.start("v") for m in items]
        found: list[tuple[int, int, float]] = []
        taken: set[int] = set()

        def kind(m: re.Match[str]) -> str:
            mark = m.group("mark")
            return "1" if mark[:1].isdigit() else "a" if mark[:1].isalpha() else mark

        def next_to(a: re.Match[str], b: re.Match[str]) -> bool:
            """``b`` is on the line right after ``a``'s."""
            gap = seen[a.end():b.start()]
            return gap.count("\n") == 1 and not gap.strip()

        for start, end, score in people:
            i = bisect.bisect_right(starts, start) - 1
            if i < 0 or not (items[i].start("v") == start and end <= items[i].end("v") + 1) \
                    or i in taken:
                continue
            run = [i]
            for step in (-1, 1):
                j = i
                while 0 <= j + step < len(items) and len(run) < 64:
                    a, b = (items[j], items[j + step]) if step > 0 else (items[j + step], items[j])
                    if not next_to(a, b) or kind(items[j + step]) != kind(items[i]):
                        break
                    j += step
                    run.append(j)
            if len(run) < 2:
                continue
            for k in run:
                taken.add(k)
                s, e = items[k].span("v")
                if k == i or not_a_name(seen, s, e, self._lexicon) \
                        or seen[s:e] in EN_PLACE_NAMES \
                        or any(ps <= s and e <= pe for ps, pe, _ in people):
                    continue
                found.append((s, e, score))
        return found

    def names_in(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> Names:
        """The names found in ``texts`` (PERSON findings ``spans``), and the words of each that
        are a name on their own, with the score of the finding they came from: what
        :meth:`mentions` looks for elsewhere. A finding that is all ordinary words
        (:func:`not_a_name`) is not looked for again: a wrong guess stays one mistake."""
        names = Names()
        for text, found in zip(texts, spans, strict=True):
            for s in found:
                if s.entity_type != "PERSON":
                    continue
                value = text[s.start:s.end].strip()
                if _CJK.search(value):
                    if len(value) >= 2 and not _NOT_CJK_NAME.search(value):
                        names[value] = max(names.get(value, 0.0), s.score)
                        # "@陈思远 思远, …": the given name of a three-character name, alone
                        if len(value) == 3 and value[0] in _ONE_CHAR_SURNAMES \
                                and value[:2] not in COMPOUND_SURNAMES \
                                and given_name_alone(value[1:]):
                            names[value[1:]] = max(names.get(value[1:], 0.0), s.score)
                            names.alone.add(value[1:])
                    continue
                titled = _LOWER_TITLE.match(value)
                if titled:  # "mrs lindqvist", then "lindqvist will confirm"
                    value = value[titled.end():]
                if len(value) < 3 or not_a_name(value, 0, len(value), self._lexicon):
                    continue
                names[value] = max(names.get(value, 0.0), s.score)
                words = _NAME_PART.findall(value)
                if len(words) > 1:
                    for word in words:
                        if len(word) >= 3 and word[0].isupper() \
                                and not not_a_name(word, 0, len(word), self._lexicon):
                            names[word] = max(names.get(word, 0.0), s.score)
        return names

    def mentions(self, text: str, spans: list[Span], names: Mapping[str, float]) -> list[Span]:
        """``spans`` plus every other mention in ``text`` of ``names`` (see :meth:`names_in`):
        "Sorry to hear that, Mineko" after a transcript line "Mineko: …", "Smith said" after
        "John Smith"."""
        extra = []
        starts = [s.start for s in spans]  # spans are in order and do not overlap
        # Found with str.find, not one alternation of the names: a pattern new to each text
        # would be compiled each time and push the recognizers' and phonenumbers' patterns out
        # of re's cache (512, first in first out), which then compiled them again (0.4 ms a
        # record). Leftmost first, the longest name at a place, as the alternation read them.
        found = []
        alone: set[str] | frozenset[str] = getattr(names, "alone", frozenset())
        for name in names:
            latin = _CJK.search(name) is None
            at = text.find(name) if name else -1
            while at >= 0:
                end = at + len(name)
                if latin:
                    apart = not (_word_char(text, at - 1) or _word_char(text, end))
                elif name in alone:  # no Chinese character either side
                    apart = not (at and _CJK.match(text, at - 1)) and not _CJK.match(text, end)
                else:
                    apart = True
                if apart:
                    found.append((at, -end))
                at = text.find(name, at + 1)
        last = 0
        for found_at, neg_end in sorted(found):
            if found_at < last:
                continue
            at, last = found_at, -neg_end
            i = bisect.bisect_left(starts, last)  # spans starting before this mention ends
            if i == 0 or spans[i - 1].end <= at:
                score = names[text[at:last]]
                if _CJK.search(text, at, last) is None:
                    # "Sousa" of "Hugo de Sousa Lima", again in "Felipe de Sousa Lima": the
                    # names around it too, unless that reaches a finding
                    wide = widen_names(text, at, last)
                    j = bisect.bisect_left(starts, wide[1])
                    if not j or spans[j - 1].end <= wide[0]:
                        at, last = wide
                extra.append(Span("PERSON", at, last, score))
        return non_overlapping([*spans, *extra]) if extra else spans

    def cut_points(self, text: str) -> list[int]:
        """Where ``text`` may be cut into blocks that are analysed apart (span_cache): just
        after a line break, or at the start of a sentence (after :data:`_SENTENCE_END`), not
        inside a delimited table (its header row decides how every row below is read) or a
        list of lines with its heading (:func:`_list_runs`), and not between two digits (a
        number wrapped over two lines is read as one). Every other
        recognizer, and the NER model, read only a few words either side of a finding, so a
        block analysed with some text of its neighbours as context finds what the whole text
        would."""
        view = normalize(text)
        seen = view.text
        inside = sorted(view.span(s, e) for s, e in
                        [*self._table_reader.tables(seen)[1], *_list_runs(seen)])
        lines = {m.end() for m in _LINE_END.finditer(text)}
        cuts, t = [], 0
        for cut in sorted(lines.union(m.end() for m in _SENTENCE_END.finditer(text))):
            while t < len(inside) and inside[t][1] < cut:
                t += 1
            if t < len(inside) and inside[t][0] < cut:
                continue
            if cut in lines and _next_char(text, cut - 2, -1).isdigit() \
                    and _next_char(text, cut, 1).isdigit():
                continue
            cuts.append(cut)
        return cuts

    def _shouted_names(self, seen: str) -> list[tuple[int, int, float]]:
        """Names in ALL-CAPS text, which the NER model cannot read: it runs again over a copy
        with the capitalised runs in title case (same length, so offsets hold)."""
        runs = list(_SHOUTED.finditer(seen))
        titled = _SHOUTED.sub(lambda m: m.group(0).title(), seen)
        if len(titled) != len(seen):
            return []
        score = SHOUTED_NAME_SCORE
        if score < self.policy.thresholds.get("PERSON", self.policy.score_threshold):
            return []
        blanked = CJK_TEXT.sub(" ", titled)
        if self.spacy_ner:
            ents = [(e.start_char, e.end_char) for e in
                    self._nlp.process_text(blanked, "en").entities if e.label_ == "PERSON"]
        else:
            ents = [(r.start, r.end) for rec in self._models
                    for r in rec.analyze(blanked, ["PERSON"]) if r.entity_type == "PERSON"]
        found = []
        for start, end in ents:
            if any(m.start() <= start and end <= m.end() for m in runs):
                if self.policy.allow_list and seen[start:end] in self.policy.allow_list:
                    continue
                if not_a_name(titled, start, end, self._lexicon) or any(
                        ordinary_word(w, self._lexicon)
                        for w in _NAME_PART.findall(titled[start:end])):
                    continue  # "SIZE, WIDTH AND COLOR", "THREE FRUITS AS JSON": shouted words
                found.append((start, end, score))
        return found

    def find_patterns(self, text: str, entities: frozenset[str]) -> list[Span]:
        """Like :meth:`find`, with pattern recognizers only (no NER, no context): cheap enough
        to run on every few tokens of a stream."""
        view = normalize(text)
        seen = view.text
        spans = []
        lookalikes = lookalike_spans(seen)
        for rec in self._patterns:
            if not entities.intersection(rec.supported_entities):
                continue
            for r in rec.analyze(seen, list(entities), None) or ():  # type: ignore[arg-type]
                if r.entity_type not in entities or r.score < self.policy.thresholds.get(
                        r.entity_type, self.policy.score_threshold):
                    continue
                name = str(getattr(rec, "name", ""))
                if _distractor(seen, r.entity_type, r.start, r.end, "", lookalikes) \
                        or doubtful(seen, r.entity_type, r.start, r.end, name, False,
                                    self._lexicon):
                    continue
                spans.append(Span(r.entity_type, *view.span(r.start, r.end), r.score))
        return non_overlapping(spans)


def _list_runs(seen: str) -> list[tuple[int, int]]:
    """The extent of every run of two or more list lines in a row, from the line before it
    (a heading such as "Attendees:" says what the items are; and see
    :meth:`Analyzer._line_listed`: a name on one line makes the others names)."""
    runs: list[tuple[int, int, int]] = []  # heading line's start, first item's, last's end
    last: re.Match[str] | None = None
    for m in _LINE_ITEM.finditer(seen):
        gap = seen[last.end():m.start()] if last is not None else ""
        if last is not None and gap.count("\n") == 1 and not gap.strip():
            runs[-1] = (runs[-1][0], runs[-1][1], m.end())
        else:
            runs.append((seen.rfind("\n", 0, max(m.start() - 1, 0)) + 1, m.start(), m.end()))
        last = m
    return [(s, e) for s, first, e in runs if seen.count("\n", first, e) > 0]


def _next_char(text: str, i: int, step: int) -> str:
    """The first character from ``i`` on, going ``step``, that is not a space, tab or CR."""
    while 0 <= i < len(text) and text[i] in " \t\r":
        i += step
    return text[i] if 0 <= i < len(text) else ""


def _word_char(text: str, at: int) -> bool:
    """Whether ``text[at]`` is a character ``\\w`` matches (False outside the text)."""
    return 0 <= at < len(text) and (text[at].isalnum() or text[at] == "_")


def non_overlapping(spans: list[Span]) -> list[Span]:
    """Overlapping findings merge into one span covering all of them, typed by the most
    confident. Keeping only one would leave the rest of the other in clear text (a 16-digit
    card found inside a 19-digit UnionPay number would leave 3 digits)."""
    merged: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and s.start < merged[-1].end:
            last = merged[-1]
            best = last if (last.score, last.end - last.start) >= (s.score, s.end - s.start) \
                else s
            merged[-1] = Span(best.entity_type, last.start, max(last.end, s.end),
                              max(last.score, s.score))
        else:
            merged.append(s)
    return merged
