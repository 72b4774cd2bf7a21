"""What our recognizers share: results Presidio can explain, and cue words."""

from __future__ import annotations

import re

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

#: Score of an identifier whose check digit fails but which follows a strong cue word.
CUED_NEAR_MISS_SCORE = 0.6
#: How far before a value (characters) a cue word may end and still count.
CUE_WINDOW = 32


def make_result(recognizer: EntityRecognizer, entity: str, start: int, end: int, score: float,
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


class CuedRecognizer(EntityRecognizer):
    """One regex (value in group ``v``), a validator, and cue words that lift a near miss."""

    ENTITY = ""
    REGEX: re.Pattern[str]
    CUES: re.Pattern[str] = re.compile(r"(?!)")
    #: Score when valid; valid and cued; invalid but cued (None: dropped); neither.
    VALID = 0.85
    VALID_CUED = 1.0
    NEAR_MISS_CUED: float | None = CUED_NEAR_MISS_SCORE
    UNCUED_INVALID: float | None = None

    def __init__(self, language: str = "en") -> None:
        super().__init__(supported_entities=[self.ENTITY], supported_language=language,
                         name=type(self).__name__)

    def load(self) -> None:
        return None

    def valid(self, value: str) -> bool:
        return True

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        out = []
        for m in self.REGEX.finditer(text):
            start, end = m.span("v")
            cued = cue_before(self.CUES, text, m.start())
            ok = self.valid(m.group("v"))
            if ok:
                score, why = (self.VALID_CUED, "valid, cue word") if cued else (self.VALID,
                                                                                 "valid")
            elif cued and self.NEAR_MISS_CUED is not None:
                score, why = self.NEAR_MISS_CUED, "check failed, cue word"
            elif self.UNCUED_INVALID is not None:
                score, why = self.UNCUED_INVALID, "form only"
            else:
                continue
            out.append(make_result(self, self.ENTITY, start, end, score, why, cued))
        return out
