"""The PII analysis cache masks a long text exactly as the whole text analysed at once does,
with its blocks remembered or not, for texts of many kinds (prose in one paragraph, chat
transcripts, mail, lists, tables, records, code, Chinese, other scripts, lower-case chat,
shouting) sharing a beginning, a middle or an end; and a block is only ever reused where the
text its analysis read is the same."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from appliance.privacy.analyzer import Span
from appliance.privacy.masker import mask_texts
from appliance.privacy.span_cache import SpanCache

FIRST = ["Maria", "James", "Aisha", "Olga", "Kenji", "Luis", "Fatima", "Ingrid", "Gábor",
         "Siobhan", "Dmitri", "Priya", "Tomasz", "Ngozi", "Mei", "Rafael"]
LAST = ["Garcia", "Smith", "Khan", "Petrova", "Sato", "Moreno", "Haddad", "Berg", "Biró",
        "O'Connell", "Ivanov", "Sharma", "Nowak", "Okafor", "Lindqvist", "Costa"]
CITIES = ["Lyon", "Austin", "Pune", "Osaka", "Leeds", "Porto", "Gdańsk", "Nairobi"]
FILLER = ["the assistant answers support questions politely and quotes the relevant section",
          "refunds are processed within ten working days after the goods come back",
          "a ticket stays open until the customer confirms that the problem is solved",
          "never reveal account data to anyone who cannot prove who they are",
          "escalate billing disputes to the second line when the amount is large",
          "the warehouse ships orders on weekdays and holds them over public holidays",
          "keep answers short, friendly and free of jargon wherever that is possible",
          "when in doubt, ask one clarifying question before giving any advice"]
ZH_NAMES = ["李明", "王芳", "张伟", "刘洋", "陈静", "杨磊", "赵丽", "黄强"]
ZH_FILLER = ["客服会在两个工作日内回复您的问题", "退款将在收到退货后十个工作日内处理",
             "请不要在聊天中透露您的密码", "订单会在工作日发货", "如有疑问请先咨询人工客服"]


class Gen:
    """Random text of many registers, with personal data in it."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def name(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def email(self) -> str:
        return (f"{self.rng.choice(FIRST).lower().replace('á', 'a')}."
                f"{self.rng.choice(LAST).lower().replace(chr(39), '').replace('ó', 'o')}"
                f"@{self.rng.choice(['example.com', 'mail.example.org', 'corp.example.net'])}")

    def phone(self) -> str:
        r = self.rng
        return r.choice([f"+1 415 555 {r.randrange(1000, 9999)}",
                         f"020 7946 {r.randrange(1000, 9999)}",
                         f"+44 20 7946 {r.randrange(1000, 9999)}",
                         f"(212) 555-{r.randrange(1000, 9999)}"])

    def sentence(self) -> str:
        r = self.rng
        filler = r.choice(FILLER)
        return r.choice([
            f"{filler.capitalize()}.",
            f"{filler.capitalize()}.",
            f"Yesterday {self.name()} wrote that {filler}.",
            f"Please call {self.name()} on {self.phone()} if {filler}.",
            f"My name is {self.name()} and my email is {self.email()}.",
            f"The card number on file is 4111 1111 1111 1111, so {filler}.",
            f"Send the invoice to {self.email()} before Friday.",
            f"Our office is at 221B Baker Street, London NW1 6XE, where {filler}.",
            f"Ask {r.choice(FIRST)} about it; {filler}.",
            f"The IBAN is DE89 3704 0044 0532 0130 00 and {filler}.",
            f"Is it true that {filler}?",
            f"{self.name()}, {self.name()} and {self.name()} agreed that {filler}!",
            f"Dr. {r.choice(LAST)} said that {filler}.",
            f"The server at 192.168.{r.randrange(256)}.{r.randrange(256)} was down, so "
            f"{filler}.",
        ])

    def prose(self, chars: int) -> str:
        out: list[str] = []
        while sum(len(s) + 1 for s in out) < chars:
            out.append(self.sentence())
        return " ".join(out)

    def transcript(self, chars: int) -> str:
        people = [self.rng.choice(FIRST) for _ in range(2)]
        out: list[str] = []
        while sum(len(s) + 1 for s in out) < chars:
            out.append(f"{self.rng.choice(people)}: {self.sentence()}")
        return "\n".join(out)

    def mail(self, chars: int) -> str:
        sender, to = self.name(), self.rng.choice(FIRST)
        return (f"From: {sender} <{self.email()}>\nTo: {to}\nSubject: Re: order "
                f"{self.rng.randrange(10000, 99999)}\n\nHi {to},\n\n{self.prose(chars)}\n\n"
                f"Best regards,\n{sender}\n{self.phone()}")

    def names_list(self, chars: int) -> str:
        mark = self.rng.choice(["-", "*", "1."])
        lines = [f"{mark} {self.name()}" for _ in range(max(2, chars // 18))]
        return "Attendees:\n" + "\n".join(lines)

    def record(self, chars: int) -> str:
        out: list[str] = []
        while sum(len(s) + 1 for s in out) < chars:
            out += [f"Name: {self.name()}", f"Email: {self.email()}",
                    f"Phone: {self.phone()}", f"City: {self.rng.choice(CITIES)}",
                    f"Ticket: {self.rng.randrange(10**5)}", "Status: open", ""]
        return "\n".join(out)

    def table(self, chars: int) -> str:
        delim = self.rng.choice([",", ";", "\t", "|"])
        rows = [delim.join(["id", self.rng.choice(["name", "full_name", "customer"]), "city"])]
        while sum(len(s) + 1 for s in rows) < chars:
            rows.append(delim.join([str(self.rng.randrange(100, 999)), self.name(),
                                    self.rng.choice(CITIES)]))
        return "\n".join(rows)

    def code(self, chars: int) -> str:
        out: list[str] = []
        while sum(len(s) + 1 for s in out) < chars:
            out.append(f'user = {{"name": "{self.name()}", "email": "{self.email()}", '
                       f'"id": {self.rng.randrange(10**6)}}}\nsend_invite(to="{self.name()}")')
        return "\n".join(out)

    def chinese(self, chars: int) -> str:
        r = self.rng
        out: list[str] = []
        while sum(len(s) for s in out) < chars:
            out.append(r.choice([
                f"{r.choice(ZH_FILLER)}。",
                f"我叫{r.choice(ZH_NAMES)}，电话是138{r.randrange(10**7, 10**8)}。",
                f"请联系{r.choice(ZH_NAMES)}经理，{r.choice(ZH_FILLER)}。",
                f"身份证号码是110101199003074578，{r.choice(ZH_FILLER)}！",
                f"{r.choice(ZH_FILLER)}吗？"]))
        return "".join(out)

    def other_scripts(self, chars: int) -> str:
        r = self.rng
        out: list[str] = []
        while sum(len(s) + 1 for s in out) < chars:
            out.append(r.choice([f"Author: {r.choice(['Финдо Стойков', 'Ευτέρπη Τσότρας'])}.",
                                 self.sentence(), self.sentence()]))
        return " ".join(out)

    def lower_chat(self, chars: int) -> str:
        out: list[str] = []
        while sum(len(s) + 1 for s in out) < chars:
            out.append(self.rng.choice([
                f"so i talked to {self.rng.choice(FIRST).lower()} yesterday.",
                f"{self.rng.choice(FILLER)}.",
                f"call me on {self.phone()} ok?",
                f"my email is {self.email()} btw."]))
        return "Hey there. " + " ".join(out)

    def shouting(self, chars: int) -> str:
        out: list[str] = []
        while sum(len(s) + 1 for s in out) < chars:
            out.append(self.rng.choice([f"PLEASE CALL {self.name().upper()} ASAP.",
                                        f"{self.rng.choice(FILLER).upper()}.",
                                        self.sentence()]))
        return " ".join(out)

    def piece(self, chars: int) -> str:
        kinds: list[Callable[[int], str]] = [
            self.prose, self.prose, self.prose, self.transcript, self.mail, self.names_list,
            self.record, self.table, self.code, self.chinese, self.other_scripts,
            self.lower_chat, self.shouting]
        return self.rng.choice(kinds)(chars)

    def text(self, chars: int) -> str:
        out: list[str] = []
        while sum(len(p) for p in out) < chars:
            out += [self.piece(self.rng.randrange(200, 1500)),
                    self.rng.choice(["\n", "\n\n", " ", "\n\n---\n\n"])]
        return "".join(out[:-1])


def _pair(gen: Gen, kind: str) -> tuple[str, str]:
    rng = gen.rng
    shared = gen.text(rng.randrange(2000, 5000))
    own = [gen.text(rng.randrange(30, 800)) for _ in range(2)]
    sep = rng.choice(["\n", "\n\n", " "])
    if kind == "prefix":
        return shared + sep + own[0], shared + sep + own[1]
    if kind == "middle":
        end = gen.text(rng.randrange(600, 2000))
        return sep.join([shared, own[0], end]), sep.join([shared, own[1], end])
    return own[0] + sep + shared, own[1] + sep + shared


@pytest.mark.parametrize("seed", range(30))
def test_blocks_mask_as_the_whole_text(analyzer: Any, seed: int) -> None:
    """Random pairs of long texts sharing a beginning, a middle or an end: the second masked
    through the cache that holds the first's blocks, through an empty one, and without any,
    gives the same spans and the same masked text."""
    gen = Gen(seed)
    kind = ("prefix", "middle", "suffix")[seed % 3]
    first, second = _pair(gen, kind)
    cache = SpanCache(entries=4096, min_chars=256)
    assert cache.find("n", first, "auto", analyzer) == analyzer.find(first)
    before = cache.reused_chars
    warm = cache.find("n", second, "auto", analyzer)
    if kind != "suffix":  # after a changed beginning, blocks line up again only by chance
        assert cache.reused_chars > before  # the shared beginning was reused
    cold = SpanCache(entries=4096, min_chars=256).find("n", second, "auto", analyzer)
    whole = analyzer.find(second)
    assert warm == cold == whole
    cached, plain = (mask_texts(analyzer, [second], cache=cache, namespace="n"),
                     mask_texts(analyzer, [second]))
    assert (cached.texts, cached.findings) == (plain.texts, plain.findings)


def test_the_bench_prefix_and_a_paragraph_reuse_all_but_the_end(analyzer: Any) -> None:
    """The shared prefix of bench/vs_llama_server, as lines and as one paragraph, then new
    questions: from the second question on, only the end is analysed again."""
    lines = "\n".join(f"Policy {i}: support answers are polite, cite section {i}, and never "
                      f"reveal account data." for i in range(60))
    for prefix in (lines, lines.replace("\n", " ")):
        cache = SpanCache(entries=4096, min_chars=256)
        cache.find("n", f"{prefix}\nQuestion: first?", "auto", analyzer)
        for q in ("Is Maria Garcia (maria@example.com) covered?", "Call +1 415 555 0134."):
            text = f"{prefix}\nQuestion: {q}"
            reused = cache.reused_chars
            assert cache.find("n", text, "auto", analyzer) == analyzer.find(text)
            assert cache.reused_chars - reused > len(text) * 0.75


class Reading:
    """A fake analyser whose findings depend on all of what it reads: every "x" is a finding
    when the text it was given has "secret" anywhere in it. Sentence ends are cut points."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def find(self, text: str, lang: str = "auto", focus: object = None) -> list[Span]:
        self.read.append(text)
        if "secret" not in text:
            return []
        return [Span("X", i, i + 1, 1.0) for i, c in enumerate(text) if c == "x"]

    def cut_points(self, text: str) -> list[int]:
        return [i + 2 for i in range(len(text) - 1) if text[i:i + 2] == ". "]


def test_a_changed_tail_never_reuses_a_stale_span() -> None:
    """Whatever an analysis depends on, a block's remembered findings are reused only where
    the text it read is the same: the text masks as it does through an empty cache."""
    body = " ".join(f"Sentence {i} has an x in it." for i in range(200))
    reader = Reading()
    cache = SpanCache(entries=4096, min_chars=64, block_chars=256, margin=64)
    with_secret = cache.find("n", f"{body} The secret is here.", "auto", reader)
    assert with_secret  # the blocks whose window reads "secret" have findings
    changed = f"{body} Nothing to see."
    warm = cache.find("n", changed, "auto", reader)
    assert warm == SpanCache(entries=4096, min_chars=64, block_chars=256,
                             margin=64).find("n", changed, "auto", Reading())
    # No block whose window reads the new end was answered from memory: no finding is left.
    assert warm == []
    assert cache.hits > 0  # and the others were


def test_each_block_is_read_in_its_own_window() -> None:
    """What a remembered block was found in is exactly its window: every analysis reads one
    block and its margins, never a run of blocks (whose findings could depend on more text
    than one block's key covers)."""
    body = " ".join(f"Sentence {i} has an x in it." for i in range(200))
    reader = Reading()
    cache = SpanCache(entries=4096, min_chars=64, block_chars=256, margin=64)
    cache.find("n", body, "auto", reader)
    assert len(reader.read) > 5
    assert max(len(t) for t in reader.read) <= 4 * 256 + 4 * 64 + 40


def test_the_blocks_whose_windows_hold_the_end_are_read_once() -> None:
    """A new question after a prompt of prose: the last block of the prompt has the question
    in its window, so it is read again anyway; it is read with the question in one analysis,
    not in two (each analysis has a fixed cost)."""
    body = " ".join(f"Sentence {i} has an x in it." for i in range(200))
    reader = Reading()
    cache = SpanCache(entries=4096, min_chars=64, block_chars=256, margin=64, fine_chars=96,
                      margin_after=32)
    cache.find("n", f"{body} Question one is about a secret thing here", "auto", reader)
    del reader.read[:]
    text = f"{body} Question two is about another secret thing"
    warm = cache.find("n", text, "auto", reader)
    assert len(reader.read) == 1
    assert text.endswith(reader.read[0])
    assert warm == SpanCache(entries=4096, min_chars=64, block_chars=256, margin=64,
                             fine_chars=96, margin_after=32).find("n", text, "auto", Reading())
