"""What our recognizers share: results Presidio can explain, and cue words."""

from __future__ import annotations

import re

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

#: Chinese, Japanese and Korean characters and CJK/full-width punctuation: what an English NER
#: model must not read (it tags whole runs of them as one PERSON), blanked to spaces for it.
CJK_TEXT = re.compile(r"[\u1100-\u11ff\u3000-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
                      r"\uac00-\ud7a3\uf900-\ufaff\uff00-\uffef]")
#: Score of an identifier whose check digit fails but which follows a strong cue word.
CUED_NEAR_MISS_SCORE = 0.6
#: How far before a value (characters) a cue word may end and still count.
CUE_WINDOW = 32


def make_result(recognizer: EntityRecognizer, entity: str, start: int, end: int, score: float,  # noqa: PLR0913, PLR0917 - a result's fields
                why: str, cued: bool = False) -> RecognizerResult:
    """A result with the explanation and metadata Presidio's engine and enhancer expect."""
    name = str(getattr(recognizer, "name", type(recognizer).__name__))
    explanation = AnalysisExplanation(recognizer=name, original_score=score,
                                      textual_explanation=why)
    return RecognizerResult(
        entity, start, end, score, analysis_explanation=explanation,
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
            # Our own cue check already raised it: Presidio's enhancer must not add again.
            RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY: cued,
        })


def cue_before(cues: re.Pattern[str], text: str, start: int, window: int = CUE_WINDOW) -> bool:
    """A cue word ends within ``window`` characters before ``start``."""
    return cues.search(text, max(0, start - window), start) is not None


class OwnRecognizer(EntityRecognizer):
    """One of ours: one entity type, named after its class (unless ``name`` is given),
    nothing to load (unless it says)."""

    ENTITY = ""

    def __init__(self, language: str = "en", name: str = "") -> None:
        super().__init__(supported_entities=[self.ENTITY], supported_language=language,
                         name=name or type(self).__name__)

    def load(self) -> None:
        return None


class RegexRecognizer(OwnRecognizer):
    """A recognizer from one regex (the value in group ``v``), cue words before it, and
    :meth:`accept`, which scores a match or drops it. Presidio's PatternRecognizer scores a
    whole match; these need a capture group and validators that see the digits."""

    REGEX: re.Pattern[str]
    SCORE = 0.85
    #: Cue words before a value that lift it (a near miss, a weak form).
    CUES: re.Pattern[str] = re.compile(r"(?!)")
    #: How far before a match (characters) a cue word may end.
    WINDOW = CUE_WINDOW

    def accept(self, match: re.Match[str], cued: bool) -> tuple[float, str] | None:
        """The score for ``match`` and why, or None to drop it."""
        return self.SCORE, "pattern"

    def value_span(self, match: re.Match[str]) -> tuple[int, int]:
        """Where the value is within ``match`` (the ``v`` group)."""
        return match.span("v")

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = []
        for m in self.REGEX.finditer(text):
            cued = cue_before(self.CUES, text, m.start(), self.WINDOW)
            accepted = self.accept(m, cued)
            if accepted is not None:
                start, end = self.value_span(m)
                score, why = accepted
                out.append(make_result(self, self.ENTITY, start, end, score, why, cued))
        return out


class CuedRecognizer(RegexRecognizer):
    """A regex recognizer with a validator (a check digit) and a score table: cue words lift
    a near miss."""

    #: Score when valid; valid and cued; invalid but cued (None: dropped); neither.
    VALID = 0.85
    VALID_CUED = 1.0
    NEAR_MISS_CUED: float | None = CUED_NEAR_MISS_SCORE
    UNCUED_INVALID: float | None = None

    def valid(self, value: str) -> bool:
        return True

    def accept(self, match: re.Match[str], cued: bool) -> tuple[float, str] | None:
        if self.valid(match.group("v")):
            return (self.VALID_CUED, "valid, cue word") if cued else (self.VALID, "valid")
        if cued and self.NEAR_MISS_CUED is not None:
            return self.NEAR_MISS_CUED, "check failed, cue word"
        if self.UNCUED_INVALID is not None:
            return self.UNCUED_INVALID, "form only"
        return None
