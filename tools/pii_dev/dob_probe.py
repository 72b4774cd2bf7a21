"""Development probe for dates of birth outside English-centric frames (issue 37).

Birth dates from Faker (``date_of_birth``) in fourteen locales, written in that locale's usual
styles (numeric with its own separator, month names in its own language and case, ordinal
English prose, two-digit years, CJK 年月日/년월일, year and month only, a bare year where a
birth frame allows it), are placed in templates written for this probe: forms, chats, Q&A
across a line break, CVs, obituaries, medical intake. Two template groups, written apart:
``base`` (rules are tuned on it) and ``fresh`` (only reported). A value counts as masked when
every letter and digit of it lies inside a DATE_OF_BIRTH finding
(``leaked_as_any_type``: inside no finding of any type).

Negatives in the same languages — dates under other cues (invoice, appointment, version),
years in prose, "born" without a date (first-born, born-again, born and raised in …) — count
as a false finding when any DATE_OF_BIRTH finding falls in the text.

Prints one JSON line per group: ``[values, leaked, leak rate]`` overall, per locale and per
form, and ``[negatives, false, rate]``; then up to ``show`` missed and false texts.

    .venv/bin/python tools/pii_dev/dob_probe.py 1400 --set all
    .venv/bin/python tools/pii_dev/dob_probe.py 1400 --set fresh --seed 97 --show 20
"""

# ruff: noqa: RUF001 - templates in the languages they stand for: full-width punctuation,
# Cyrillic and dotless i on purpose

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path

from faker import Faker

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from appliance.config import PiiConfig
from appliance.privacy.analyzer import Analyzer, Span
from appliance.privacy.masker import mask_texts

LOCALES = ["de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "nl_NL", "pl_PL", "tr_TR", "ru_RU",
           "ja_JP", "ko_KR", "zh_CN", "en_GB", "en_US"]

#: Month names as a date writes them (genitive where the language inflects).
MONTHS: dict[str, list[str]] = {
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
           "octubre", "noviembre", "diciembre"],
    "it": ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"],
    "pt": ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
           "setembro", "outubro", "novembro", "dezembro"],
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"],
    "pl": ["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia",
           "września", "października", "listopada", "grudnia"],
    "tr": ["Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül",
           "Ekim", "Kasım", "Aralık"],
    "ru": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
           "октября", "ноября", "декабря"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
}


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


Fmt = Callable[[date], str]


def _numeric(sep: str, order: str = "dmy", pad: bool = True, yy: bool = False) -> Fmt:
    def fmt(d: date) -> str:
        day = f"{d.day:02d}" if pad else str(d.day)
        month = f"{d.month:02d}" if pad else str(d.month)
        year = f"{d.year % 100:02d}" if yy else str(d.year)
        parts = {"d": day, "m": month, "y": year}
        return sep.join(parts[c] for c in order)
    return fmt


def _named(lang: str, pattern: str) -> Fmt:
    def fmt(d: date) -> str:
        month = MONTHS.get(lang, MONTHS["en"])[d.month - 1]
        return pattern.format(d=d.day, D=ordinal(d.day), m=month, M=month[:3], y=d.year,
                              yy=f"{d.year % 100:02d}", mm=d.month, m2=f"{d.month:02d}")
    return fmt


#: Full dates per language, in the styles its writers use.
FULL: dict[str, list[Fmt]] = {
    "de": [_numeric("."), _numeric(".", pad=False), _named("de", "{d}. {m} {y}"),
           _numeric(".", yy=True)],
    "fr": [_numeric("/"), _named("fr", "{d} {m} {y}"),
           _numeric(".")],
    "es": [_numeric("/"), _named("es", "{d} de {m} de {y}"), _numeric("-"),
           _named("es", "{d} {m} {y}")],
    "it": [_numeric("/"), _named("it", "{d} {m} {y}"), _numeric("."), _numeric("-")],
    "pt": [_numeric("/"), _named("pt", "{d} de {m} de {y}"), _numeric("/", pad=False)],
    "nl": [_numeric("-"), _named("nl", "{d} {m} {y}"), _numeric("/")],
    "pl": [_numeric("."), _named("pl", "{d} {m} {y}"), _named("pl", "{d} {m} {y} r."),
           _numeric("-", order="ymd")],
    "tr": [_numeric("."), _named("tr", "{d} {m} {y}"), _numeric("/")],
    "ru": [_numeric("."), _named("ru", "{d} {m} {y}"), _named("ru", "{d} {m} {y} г."),
           _named("ru", "{d} {m} {y} года")],
    "ja": [_named("ja", "{y}年{mm}月{d}日"), _numeric("/", order="ymd"),
           _named("ja", "{y}年{m2}月{d}日")],
    "ko": [_named("ko", "{y}년 {mm}월 {d}일"), _numeric(".", order="ymd"),
           _named("ko", "{y}. {mm}. {d}.")],
    "zh": [_named("zh", "{y}年{mm}月{d}日"), _numeric("-", order="ymd"),
           _numeric(".", order="ymd", pad=False), _named("zh", "{y}年{mm}月{d}号")],
    "en_GB": [_numeric("/"), _named("en", "{d} {m} {y}"), _named("en", "the {D} of {m}, {y}"),
              _named("en", "{d} {M} {yy}"), _named("en", "{D} {m} {y}"),
              _numeric("/", yy=True)],
    "en_US": [_numeric("/", order="mdy"), _named("en", "{m} {D}, {y}"),
              _named("en", "{m} {D} '{yy}"), _numeric("/", order="mdy", pad=False, yy=True),
              _named("en", "{M} {d}, {y}"), _numeric("-", order="ymd")],
}
#: Year and month only.
MONTH_YEAR: dict[str, list[Fmt]] = {
    "de": [_named("de", "{m} {y}"), _named("de", "{m2}/{y}")],
    "fr": [_named("fr", "{m} {y}"), _named("fr", "{m2}/{y}")],
    "es": [_named("es", "{m} de {y}"), _named("es", "{m2}/{y}")],
    "it": [_named("it", "{m} {y}")], "pt": [_named("pt", "{m} de {y}")],
    "nl": [_named("nl", "{m} {y}")], "pl": [_named("pl", "{m2}.{y}")],
    "tr": [_named("tr", "{m} {y}")], "ru": [_named("ru", "{m2}.{y}")],
    "ja": [_named("ja", "{y}年{mm}月")], "ko": [_named("ko", "{y}년 {mm}월")],
    "zh": [_named("zh", "{y}年{mm}月"), _named("zh", "{y}.{m2}")],
    "en_GB": [_named("en", "{m} {y}"), _named("en", "{m2}/{y}")],
    "en_US": [_named("en", "{m} {y}"), _named("en", "{mm}/{y}")],
}


def lang_of(locale: str) -> str:
    return locale if locale.startswith("en") else locale[:2]


#: Templates per group and language. ``{dob}`` a full date, ``{ym}`` year and month, ``{yr}``
#: a bare year, ``{yr2}`` the year of death (not a birth date, not scored), ``{name}`` a name.
BASE: dict[str, list[str]] = {
    "de": ["Personalien: {name}, geb. {dob}, wohnhaft in Köln.",
           "Geburtsdatum: {dob}\nStaatsangehörigkeit: deutsch",
           "Ich bin am {dob} geboren und wohne in Bremen.",
           "Patient {name}, geboren am {dob}, klagt über Kopfschmerzen.",
           "F: Wann sind Sie geboren?\nA: {dob}",
           "Lebenslauf\n{name}\ngeb. {dob} in Leipzig",
           "Wir trauern um {name} (* {dob})",
           "Geburtsmonat und -jahr: {ym}"],
    "fr": ["Nom : {name}  Né(e) le : {dob}  Tél : 01 23 45 67 89",
           "Date de naissance : {dob}",
           "Je suis née le {dob} à Lyon.",
           "M. {name}, né le {dob}, demeurant à Nantes",
           "Q : Quelle est votre date de naissance ?\nR : {dob}",
           "CV — {name}, née en {ym}",
           "{name} ({yr}–{yr2}) nous a quittés."],
    "es": ["Nombre: {name}\nFecha de nacimiento: {dob}",
           "F. nac.: {dob}",
           "Yo nací el {dob} en Sevilla.",
           "El paciente {name}, nacido el {dob}, ingresa por fiebre.",
           "—¿Cuándo naciste?\n—El {dob}",
           "Nacida en {ym}"],
    "it": ["Cognome e nome: {name}\nData di nascita: {dob}",
           "{name}, nato il {dob} a Bari",
           "Sono nata il {dob}.",
           "D: Qual è la sua data di nascita?\nR: {dob}",
           "nata a Torino il {dob}"],
    "pt": ["Nome: {name}\nData de nascimento: {dob}",
           "{name}, nascido em {dob}, natural de Recife",
           "Eu nasci em {dob}.",
           "P: Qual a sua data de nascimento?\nR: {dob}",
           "Dt. nasc.: {dob}"],
    "nl": ["Naam: {name}\nGeboortedatum: {dob}",
           "{name}, geboren op {dob} te Utrecht",
           "Ik ben geboren op {dob}.",
           "V: Wat is uw geboortedatum?\nA: {dob}"],
    "pl": ["Imię i nazwisko: {name}\nData urodzenia: {dob}",
           "{name}, ur. {dob} w Krakowie",
           "Urodziłam się {dob} w Gdańsku.",
           "P: Kiedy się Pan urodził?\nO: {dob}"],
    "tr": ["Adı Soyadı: {name}\nDoğum tarihi: {dob}",
           "{dob} tarihinde doğdum.",
           "Hasta {name}, doğum tarihi {dob}",
           "S: Doğum tarihiniz nedir?\nC: {dob}"],
    "ru": ["ФИО: {name}\nДата рождения: {dob}",
           "{name}, {dob} года рождения, проживает в Казани",
           "Я родилась {dob} в Твери.",
           "Он родился {dob}.",
           "В: Ваша дата рождения?\nО: {dob}",
           "Дата рожд.: {dob}"],
    "ja": ["氏名：{name}\n生年月日：{dob}",
           "{dob}生まれ、東京都出身。",
           "問：生年月日を教えてください。\n答：{dob}です。",
           "生年月日 {dob}（満35歳）"],
    "ko": ["성명: {name}\n생년월일: {dob}",
           "{dob} 출생, 서울 거주",
           "질문: 생년월일이 어떻게 되세요?\n답변: {dob}입니다.",
           "저는 {dob}에 태어났어요."],
    "zh": ["姓名：{name}\n出生日期：{dob}",
           "问：您的出生年月？\n答：{ym}",
           "{name}，{dob}出生，汉族",
           "客服：请问您的生日是？\n用户：{dob}",
           "本人出生于{dob}。",
           "出生年月：{ym}"],
    "en_GB": ["Q: When were you born?\nA: {dob}",
              "my dob is {dob} and postcode is SW1A 1AA",
              "Patient: {name}\nD.O.B. {dob}\nNHS no: 485 777 3456",
              "RIP Uncle {first}, {yr}–{yr2}",
              "{name} (b. {yr}) is a British painter.",
              "Q: What year were you born?\nA: {yr}, so a while ago.",
              "I was born {ym} in Leeds.",
              "Born: {dob}, Manchester"],
    "en_US": ["Q: When were you born?\nA: {dob}",
              "Agent: Can I get your date of birth?\nCaller: um {dob}",
              "{name} ({yr}–{yr2})",
              "She was born {yr} in Ohio.",
              "Q: What year were you born?\nA: {yr}, so 25.",
              "Birthday: {dob}",
              "born {dob} in Tulsa, OK"],
}

#: The second group, written apart from the first: other registers and wordings.
FRESH: dict[str, list[str]] = {
    "de": ["Anmeldung Sportverein\nName: {name}\nGeburtsdatum {dob}\nVerein: TSV",
           "Hallo, ich heiße {first} und bin am {dob} geboren.",
           "Nachruf: {name}, geboren {dob} in Ulm, verstorben am 3. Mai 2024.",
           "Geb.-Datum: {dob}"],
    "fr": ["Formulaire d'inscription\nNom : {name}\nDate de naissance : {dob}\nVille : Lille",
           "salut c'est {first}, je suis né le {dob} lol",
           "Avis de décès : {name}, née le {dob}, s'est éteinte paisiblement.",
           "Patient(e) : {name} — né(e) le {dob}"],
    "es": ["Solicitud de empleo\nApellidos y nombre: {name}\nFecha nacimiento: {dob}",
           "hola soy {first}, nací el {dob}",
           "Esquela: {name}, nacida el {dob} en Cádiz.",
           "Paciente: {name}. Fecha de nac.: {dob}"],
    "it": ["Modulo iscrizione\nNominativo: {name}\nNato/a il: {dob}",
           "ciao, sono {first}, sono nato il {dob}",
           "Necrologio: {name}, nata il {dob}, ci ha lasciati."],
    "pt": ["Ficha do paciente\nNome: {name}\nNascimento: {dob}",
           "oi, sou {first}, nasci em {dob}",
           "{name}, nascida em {dob}, faleceu ontem."],
    "nl": ["Inschrijfformulier\nNaam: {name}\nGeb. datum: {dob}",
           "hoi, ik ben {first} en ben geboren op {dob}",
           "Overlijdensbericht: {name}, geboren {dob} te Gouda."],
    "pl": ["Formularz\nNazwisko i imię: {name}\nData ur.: {dob}",
           "cześć, jestem {first}, urodzony {dob}",
           "Nekrolog: {name}, ur. {dob}, zm. 2024"],
    "tr": ["Başvuru formu\nAd Soyad: {name}\nDoğum Tarihi: {dob}",
           "merhaba ben {first}, doğum tarihim {dob}"],
    "ru": ["Анкета\nФИО: {name}\nДата рождения {dob}\nГород: Омск",
           "привет, я {first}, родился {dob}",
           "Некролог: {name}, родилась {dob}, скончалась в 2024 году."],
    "ja": ["履歴書\n氏名 {name}\n生年月日 {dob}",
           "はじめまして、{dob}生まれの{name}です。",
           "患者：{name}（{dob}生）"],
    "ko": ["이력서\n이름: {name}\n생년월일 {dob}",
           "안녕하세요, {dob}생 {name}입니다.",
           "환자: {name} (출생: {dob})"],
    "zh": ["个人简历\n姓名：{name}\n出生年月：{ym}\n籍贯：湖南",
           "你好，我叫{name}，生日是{dob}",
           "讣告：{name}同志，{dob}出生于上海。",
           "患者{name}，出生日期{dob}，主诉头痛。"],
    "en_GB": ["Membership form\nName: {name}\nDate of birth {dob}\nClub: Leeds RFC",
              "hi im {first} btw, born {dob}",
              "Obituary: {name}, born {dob} in Cork, died peacefully.",
              "Interviewer: And what year were you born?\n{first}: {yr}, I think.",
              "In loving memory of {name} ({yr}–{yr2})"],
    "en_US": ["Intake form\nPatient name: {name}\nDOB {dob}\nInsurance: Aetna",
              "Agent: how old are you, when were you born?\nCustomer: {dob}",
              "{name} (born {dob}) is an American actor.",
              "Rep: What year were you born in?\nCaller: {yr}",
              "{name}, b. {yr}, lives in Maine."],
}

#: Negatives: dates and years no birth frame claims, and "born" with no date.
NEGATIVE: dict[str, list[str]] = {
    "de": ["Rechnungsdatum: {date}", "Termin am {date} um 10 Uhr", "Version 1.2.{yr}",
           "Im Jahr {yr} sind wir umgezogen.", "Er ist in Hamburg geboren und aufgewachsen.",
           "Protokoll\n* {date} Teamsitzung\n* {date} Review",
           "Geschäftsbericht Deutsche Bahn (2005–2024)"],
    "fr": ["Date de facture : {date}", "Rendez-vous le {date}", "En {yr} nous avons déménagé.",
           "Elle est née à Paris et y a grandi."],
    "es": ["Fecha de factura: {date}", "Cita el {date} a las 9", "En {yr} nos mudamos."],
    "it": ["Data fattura: {date}", "Appuntamento il {date}", "Nel {yr} ci siamo trasferiti.",
           "La NATO il {date} ha tenuto un vertice."],
    "pt": ["Data da fatura: {date}", "Consulta em {date}", "Em {yr} nos mudamos."],
    "nl": ["Factuurdatum: {date}", "Afspraak op {date}", "In {yr} zijn we verhuisd."],
    "pl": ["Data faktury: {date}", "Wizyta {date} o 10:00", "W {yr} roku przeprowadziliśmy się."],
    "tr": ["Fatura tarihi: {date}", "Randevu {date} saat 10:00"],
    "ru": ["Дата счёта: {date}", "Приём {date} в 10:00", "В {yr} году мы переехали."],
    "ja": ["請求日：{date}", "予約日 {date}", "{yr}年に引っ越しました。"],
    "ko": ["청구일: {date}", "예약일 {date}", "{yr}년에 이사했어요."],
    "zh": ["发票日期：{date}", "预约时间：{date}", "{yr}年我们搬了家。", "版本号 1.2.{yr}"],
    "en_GB": ["invoice date {date}", "in {yr} we moved to Bath", "version 1.2.{yr}",
              "born and raised in Leeds, moved in {yr}", "our first-born started school {date}",
              "a born-again cyclist since {yr}", "Meeting on {date} at 10am",
              "see section b. {yr} figures", "Annual Revenue, 1990–2020, is in the appendix",
              "Growth Strategy (2019–2024) approved"],
    "en_US": ["Invoice date: {date}", "in {yr} we moved", "release 3.1.{yr}",
              "She's the first-born; the lease started {date}.", "Delivery by {date}",
              "Q: When does the contract start?\nA: {date}",
              "Q: What's your date of birth?\nA: not sure, ask HR. Ticket opened {date}.",
              "Agent: confirm your DOB please.\nCaller: hang on. Order 2024 items shipped?"],
}


def fill(template: str, values: dict[str, str]) -> tuple[str, list[tuple[str, int, int]]]:
    """The template filled in, and each scored placeholder's form and span in the text."""
    out: list[str] = []
    placed: list[tuple[str, int, int]] = []
    at = 0
    rest = template
    while "{" in rest:
        head, _, tail = rest.partition("{")
        key, _, rest = tail.partition("}")
        out.append(head)
        at += len(head)
        value = values[key]
        if key in ("dob", "ym", "yr", "date"):
            # "the 3rd of June, 1966": the article is no part of the date to mask.
            skip = 4 if value.startswith("the ") else 0
            placed.append((key, at + skip, at + len(value)))
        out.append(value)
        at += len(value)
    out.append(rest)
    return "".join(out), placed


def covered(text: str, start: int, end: int, spans: list[Span]) -> bool:
    return all(any(s.start <= j < s.end for s in spans)
               for j in range(start, end) if text[j].isalnum())


def run(n: int, seed: int, group: str, show: int) -> None:
    rnd = random.Random(seed)
    fakers = {loc: Faker(loc) for loc in LOCALES}
    for i, f in enumerate(fakers.values()):
        f.seed_instance(seed + i)
    analyzer = Analyzer(PiiConfig())
    templates = {"base": BASE, "fresh": FRESH}[group]
    per: dict[str, defaultdict[str, list[int]]] = {
        k: defaultdict(lambda: [0, 0]) for k in ("locale", "form", "template")}
    misses: list[str] = []
    false: list[str] = []
    neg = [0, 0]
    any_leaked = [0, 0]
    for i in range(n):
        locale = LOCALES[i % len(LOCALES)]
        lang = lang_of(locale)
        faker = fakers[locale]
        born = faker.date_of_birth(minimum_age=16, maximum_age=95)
        values = {"dob": rnd.choice(FULL[lang])(born), "ym": rnd.choice(MONTH_YEAR[lang])(born),
                  "yr": str(born.year),
                  "yr2": str(rnd.randint(min(born.year + 1, 2025), min(born.year + 100, 2025))),
                  "name": faker.name(), "first": faker.first_name(),
                  "date": rnd.choice(FULL[lang])(faker.date_between("-3y", "+1y"))}
        negative = i % 4 == 3
        template = rnd.choice(NEGATIVE[lang] if negative else templates[lang])
        if negative:
            values["yr"] = str(rnd.randint(1950, 2024))
        text, placed = fill(template, values)
        every = list(mask_texts(analyzer, [text]).findings[0])
        spans = [s for s in every if s.entity_type == "DATE_OF_BIRTH"]
        if negative:
            neg[0] += 1
            if spans:
                neg[1] += 1
                false.append(f"[{locale}] {text!r} :: {[text[s.start:s.end] for s in spans]}")
            continue
        for form, start, end in placed:
            leaked = not covered(text, start, end, spans)
            any_leaked[0] += 1
            any_leaked[1] += not covered(text, start, end, every)
            for key, name in (("locale", locale), ("form", form),
                              ("template", f"{lang}:{templates[lang].index(template)}")):
                per[key][name][0] += 1
                per[key][name][1] += leaked
            if leaked:
                misses.append(f"[{locale}] {text[start:end]!r} :: {text!r}")
    total = sum(v[0] for v in per["locale"].values())
    leaked = sum(v[1] for v in per["locale"].values())
    summary: dict[str, object] = {
        "group": group, "seed": seed, "values": total, "leaked": leaked,
        "leak_rate": round(leaked / max(total, 1), 4),
        "leaked_as_any_type": any_leaked[1],
        "negatives_false": [*neg, round(neg[1] / max(neg[0], 1), 4)]}
    for key in ("locale", "form"):
        summary[key] = {k: [c, m, round(m / c, 3)] for k, (c, m) in sorted(per[key].items())}
    print(json.dumps(summary, ensure_ascii=False))
    for line in misses[:show]:
        print("MISS", line)
    for line in false[:show]:
        print("FALSE", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=1400, help="texts per group (1400)")
    parser.add_argument("--set", default="base", choices=["base", "fresh", "all"])
    parser.add_argument("--seed", type=int, default=37)
    parser.add_argument("--show", type=int, default=0, help="misses and false finds shown")
    args = parser.parse_args()
    for group in (["base", "fresh"] if args.set == "all" else [args.set]):
        run(args.n, args.seed, group, args.show)


if __name__ == "__main__":
    main()
