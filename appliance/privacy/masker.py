"""The PII stage: masks every text before any model sees it, fail closed."""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import structlog

from appliance.config import PiiConfig
from appliance.errors import PrivacyFailure
from appliance.privacy.analyzer import Analyzer
from appliance.privacy.output_scan import (
    JSON_START,
    MAX_HOLD,
    NER_TYPES,
    JsonState,
    Segmenter,
    json_walk,
    needs_scan,
    scan_output,
    scan_words,
    word_cut,
)
from appliance.privacy.span_cache import SpanCache
from appliance.privacy.stage import Finding, MaskedRequest, OutputFilter, Restorer
from appliance.privacy.surrogates import Surrogates
from appliance.privacy.vault import Vault

log = structlog.get_logger("appliance.privacy")
T = TypeVar("T")


def mask_texts(analyzer: Analyzer, texts: Sequence[str], lang: str = "auto",  # noqa: PLR0913 - the cache is optional
               restore: bool = True, *, cache: SpanCache | None = None,
               namespace: str = "", style: str = "placeholder",
               rng: random.Random | None = None) -> MaskedRequest:
    """Mask ``texts`` with one vault, so a value gets one placeholder across all of them.
    ``cache``: analyses of long texts remembered per ``namespace`` (see span_cache).
    ``style``: "placeholder" (``<PERSON_1>``) or "surrogate" (a made-up value of the same type
    and shape, drawn with ``rng``, by default a fresh one per call: see surrogates)."""
    vault = Vault(Surrogates(texts, rng) if style == "surrogate" else None)
    masked: list[str] = []
    findings: list[tuple[Finding, ...]] = []
    found_spans = [analyzer.find(text, lang) if cache is None else cache.find(
        namespace, text, lang, analyzer) for text in texts]
    # A name found once is masked wherever else the request mentions it.
    names = analyzer.names_in(texts, found_spans)
    if names:
        found_spans = [analyzer.mentions(text, spans, names)
                       for text, spans in zip(texts, found_spans, strict=True)]
    for text, spans in zip(texts, found_spans, strict=True):
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


def mask_each_text(analyzer: Analyzer, texts: Sequence[str], restore: bool = True, *,  # noqa: PLR0913 - as mask_texts
                   cache: SpanCache | None = None, namespace: str = "",
                   style: str = "placeholder", chunk: int = 64) -> list[MaskedRequest]:
    """Each of ``texts`` masked on its own (its own vault, as ``mask_texts([text])``), the PII
    models reading ``chunk`` texts at a time (see :meth:`Analyzer.reading`)."""
    out: list[MaskedRequest] = []
    for i in range(0, len(texts), chunk):
        part = texts[i:i + chunk]
        with analyzer.reading(part):
            out += [mask_texts(analyzer, [text], "auto", restore, cache=cache,
                               namespace=namespace, style=style) for text in part]
    return out


class PiiMasker:
    """Implements :class:`appliance.privacy.stage.PrivacyStage` with Presidio."""

    pass_through = False

    def __init__(self, policy: PiiConfig, analyzer: Analyzer) -> None:
        self._policy = policy
        self._analyzer = analyzer
        self._pool = ThreadPoolExecutor(max_workers=policy.workers, thread_name_prefix="pii")
        self.cache = SpanCache(policy.analysis_cache_entries, policy.analysis_cache_min_chars)

    @classmethod
    def load(cls, policy: PiiConfig, max_chars: int) -> PiiMasker:
        return cls(policy, Analyzer(policy, max_chars))

    async def mask(self, texts: Sequence[str], namespace: str | None = None) -> MaskedRequest:
        return await self._masking(functools.partial(
            mask_texts, self._analyzer, list(texts), "auto", self._policy.restore == "restore",
            cache=self.cache if namespace is not None else None, namespace=namespace or "",
            style=self._policy.style), texts)

    async def mask_each(self, texts: Sequence[str],
                        namespace: str | None = None) -> list[MaskedRequest]:
        """Each text masked on its own, as ``mask([text])`` is, in one job on the pool where
        the PII models read the texts together (:func:`mask_each_text`)."""
        return await self._masking(functools.partial(
            mask_each_text, self._analyzer, list(texts), self._policy.restore == "restore",
            cache=self.cache if namespace is not None else None, namespace=namespace or "",
            style=self._policy.style), texts)

    async def _masking(self, task: Callable[[], T], texts: Sequence[str]) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, task)
        except Exception as exc:
            # Fail closed: nothing reaches a model. Log the kind of failure, never the text.
            # Not log.exception: a traceback can quote the text being analysed.
            log.error("pii_analysis_failed",  # noqa: TRY400 - no traceback, see above
                      error_type=type(exc).__name__, texts=len(texts),
                      chars=sum(len(t) for t in texts))
            raise PrivacyFailure("PII analysis failed", error_type=type(exc).__name__) from exc

    def output(self, masked: MaskedRequest) -> OutputFilter:
        entities = (frozenset(self._policy.output_scan_entities)
                    if self._policy.output_scan == "mask" else frozenset())
        return _Output(self, masked.restorer(), entities, masked.vault.surrogates(),
                       json_output=masked.json_output)

    async def run(self, fn: Callable[..., T], text: str, *args: object) -> T:
        """Run an output-scan step on the PII pool; a failure fails the request closed."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, fn, self._analyzer, text, *args)
        except Exception as exc:
            log.error("pii_output_scan_failed",  # noqa: TRY400 - as above
                      error_type=type(exc).__name__, chars=len(text))
            raise PrivacyFailure("PII output scan failed",
                                 error_type=type(exc).__name__) from exc

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class _Output:
    """Scan, then restore: the model's text on its way to the caller (see output_scan)."""

    def __init__(self, masker: PiiMasker, restorer: Restorer, entities: frozenset[str],
                 surrogates: tuple[str, ...] = (), *, json_output: bool = False) -> None:
        self._masker = masker
        self._restorer = restorer
        self._entities = entities
        #: The request's surrogates: the model repeating one is not PII of its own.
        self._exempt = surrogates
        self._sentences = Segmenter() if entities & NER_TYPES else None
        self._held = ""
        #: A JSON answer (structured output, tool calls): where the text scanned so far left
        #: it, so that a value masked outside a string is quoted (output_scan.mask_spans).
        self._json: JsonState | None = JSON_START if json_output else None
        self.masked_counts: dict[str, int] = {}
        #: What the caller was sent, before placeholders were restored: for the audit record.
        self._masked: list[str] = []

    @property
    def masked_text(self) -> str:
        return "".join(self._masked)

    def _restore(self, masked: str) -> str:
        self._masked.append(masked)
        return self._restorer.feed(masked)

    def _count(self, counts: dict[str, int]) -> None:
        for k, v in counts.items():
            self.masked_counts[k] = self.masked_counts.get(k, 0) + v

    async def _step(self, text: str, final: bool) -> str:
        if not self._entities:
            return self._restore(text)
        if self._sentences is not None:
            segments = self._sentences.feed(text)
            if final:
                segments.append(self._sentences.flush())
            out = []
            for seg in segments:
                if seg:
                    masked, counts = await self._masker.run(scan_output, seg, self._entities,
                                                          self._exempt, self._json)
                    self._after(seg)
                    self._count(counts)
                    out.append(self._restore(masked))
            return "".join(out)
        buf = self._held + text
        cut = len(buf) if final else word_cut(buf)
        if len(buf) - cut <= MAX_HOLD and not needs_scan(buf[:cut], self._entities):
            # Nothing scannable: release without leaving the event loop.
            self._held = buf[cut:]
            self._after(buf[:cut])
            return self._restore(buf[:cut])
        released, self._held, counts = await self._masker.run(
            scan_words, buf, self._entities, final, self._exempt, self._json)
        self._after(buf[:len(buf) - len(self._held)])
        self._count(counts)
        return self._restore(released)

    def _after(self, scanned: str) -> None:
        """The model's text up to here was scanned: where a JSON answer stands now."""
        if self._json is not None:
            self._json = json_walk(scanned, self._json)[1]

    async def feed(self, text: str) -> str:
        return await self._step(text, final=False)

    async def flush(self) -> str:
        return await self._step("", final=True) + self._restorer.flush()
