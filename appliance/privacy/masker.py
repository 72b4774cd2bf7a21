"""The PII stage: masks every text before any model sees it, fail closed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import structlog

from appliance.config import PiiConfig
from appliance.errors import PrivacyFailure
from appliance.privacy.analyzer import Analyzer
from appliance.privacy.output_scan import Segmenter, scan_output
from appliance.privacy.stage import Finding, MaskedRequest, OutputFilter, Restorer
from appliance.privacy.vault import Vault

log = structlog.get_logger("appliance.privacy")


def mask_texts(analyzer: Analyzer, texts: Sequence[str], lang: str = "auto",
               restore: bool = True) -> MaskedRequest:
    """Mask ``texts`` with one vault, so a value gets one placeholder across all of them."""
    vault = Vault()
    masked: list[str] = []
    findings: list[tuple[Finding, ...]] = []
    for text in texts:
        spans = analyzer.find(text, lang)
        parts: list[str] = []
        found: list[Finding] = []
        pos = 0
        for s in spans:
            placeholder = vault.placeholder_for(s.entity_type, text[s.start:s.end])
            parts += [text[pos:s.start], placeholder]
            found.append(Finding(s.entity_type, s.start, s.end, placeholder, s.score))
            pos = s.end
        parts.append(text[pos:])
        masked.append("".join(parts))
        findings.append(tuple(found))
    return MaskedRequest(texts=tuple(masked), findings=tuple(findings), vault=vault,
                         restore=restore)


class PiiMasker:
    """Implements :class:`appliance.privacy.stage.PrivacyStage` with Presidio."""

    pass_through = False

    def __init__(self, policy: PiiConfig, analyzer: Analyzer) -> None:
        self._policy = policy
        self._analyzer = analyzer
        self._pool = ThreadPoolExecutor(max_workers=policy.workers, thread_name_prefix="pii")

    @classmethod
    def load(cls, policy: PiiConfig, max_chars: int) -> PiiMasker:
        return cls(policy, Analyzer(policy, max_chars))

    async def mask(self, texts: Sequence[str]) -> MaskedRequest:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._pool, mask_texts, self._analyzer, list(texts), "auto",
                self._policy.restore == "restore")
        except Exception as exc:
            # Fail closed: nothing reaches a model. Log the kind of failure, never the text.
            # Not log.exception: a traceback can quote the text being analysed.
            log.error("pii_analysis_failed",  # noqa: TRY400 error_type=type(exc).__name__,
                      texts=len(texts), chars=sum(len(t) for t in texts))
            raise PrivacyFailure("PII analysis failed", error_type=type(exc).__name__) from exc

    def output(self, masked: MaskedRequest) -> OutputFilter:
        return _Output(self, masked.restorer(), scan=self._policy.output_scan == "mask")

    async def scan(self, text: str) -> tuple[str, dict[str, int]]:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, scan_output, self._analyzer, text)
        except Exception as exc:
            log.error("pii_output_scan_failed",  # noqa: TRY400 - as above
                      error_type=type(exc).__name__, chars=len(text))
            raise PrivacyFailure("PII output scan failed",
                                 error_type=type(exc).__name__) from exc

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class _Output:
    """Segment, scan, restore: the model's text on its way to the caller."""

    def __init__(self, masker: PiiMasker, restorer: Restorer, scan: bool) -> None:
        self._masker = masker
        self._restorer = restorer
        self._segmenter = Segmenter() if scan else None
        self.masked_counts: dict[str, int] = {}

    async def _scanned(self, segment: str) -> str:
        text, counts = await self._masker.scan(segment)
        for k, v in counts.items():
            self.masked_counts[k] = self.masked_counts.get(k, 0) + v
        return text

    async def feed(self, text: str) -> str:
        if self._segmenter is None:
            return self._restorer.feed(text)
        out = [self._restorer.feed(await self._scanned(seg))
               for seg in self._segmenter.feed(text)]
        return "".join(out)

    async def flush(self) -> str:
        tail = ""
        if self._segmenter is not None:
            rest = self._segmenter.flush()
            if rest:
                tail = self._restorer.feed(await self._scanned(rest))
        return tail + self._restorer.flush()
