"""Text that is written like an identifier and is not personal data.

A run of digits is a phone number to libphonenumber whenever its length fits some region's plan,
so without help the loosely matched types (phone numbers, mobile numbers, SSNs, passport and
permit numbers) also match what people write next to them every day:

- **dates and times**: ``2025-08-16 05:41:53`` (``2025-08-16 05`` is ten digits in groups; the
  time after it says what it is), ``16/08/2025 05:41``, ``2025年8月16日``, ``20221203 112833``;
- **standard and book numbers**: ``GB/T 7714-2015``, ``ISO/IEC 27001:2013``, ``ISBN
  0-306-40615-2``, and an ISBN-13 (978/979, its check digit right) with no cue at all;
- **references a cue word names**: the value right after order / 订单号, batch / lot / 批号,
  SKU / 货号, case / ticket / 工单, invoice / 发票号, tracking / 运单号, serial / 序列号 …,
  with the digit groups a space sets apart after it (``批号 452 896 5154``);
- **Unix times** after a time key (``ts=1533950364714``) and **Chinese court case numbers**
  (``(2017)京0105民初12345号``);

:func:`lookalike_spans` finds these; the analyzer drops a loosely matched finding that lies
within one. A finding whose own check digit holds (a Luhn-valid card number, a CN resident ID)
is kept wherever it stands: a checksum is stronger evidence than the word before it.
"""

from __future__ import annotations

import re

#: Types matched by form alone (no check digit): what a look-alike span suppresses.
LOOSE_TYPES = frozenset({"PHONE_NUMBER", "CN_MOBILE", "US_SSN", "MO_ID", "CN_PASSPORT",
                         "CN_TRAVEL_PERMIT", "US_BANK_NUMBER", "US_DRIVER_LICENSE",
                         "US_PASSPORT", "US_ITIN", "UK_NHS"})

_YEAR = r"(?:1[6-9]|2[0-9])[0-9]{2}"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_DAY = r"(?:0?[1-9]|[12][0-9]|3[01])"
_TIME = r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.,][0-9]{1,9})?)?"
_DATE = (rf"(?:{_YEAR}(?P<s1>[-/.]){_MONTH}(?P=s1){_DAY}"
         rf"|{_DAY}(?P<s2>[-/.]){_MONTH}(?P=s2){_YEAR}"
         rf"|{_MONTH}(?P<s3>[-/.]){_DAY}(?P=s3){_YEAR}"
         rf"|{_YEAR}年{_MONTH}月{_DAY}日?)")
#: A date with an optional time, or a time with seconds or after a date: a timestamp.
_ZONE = r"(?:\s?[AaPp][Mm])?(?:Z|[+-][0-9]{2}:?[0-9]{2})?"
#: 20221203 112833, 20221203T112833Z: a compact date and time, as logs and file names write it.
_COMPACT = (rf"{_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[ T_\-]?"
            r"(?:[01][0-9]|2[0-3])[0-5][0-9](?:[0-5][0-9])?Z?")
_DATETIME = re.compile(rf"(?<![0-9])(?:{_DATE}(?:(?:T|\s+){_TIME}{_ZONE})?|{_TIME}|{_COMPACT})"
                       r"(?![0-9])")

_ISBN_CUE = r"(?:ISBN(?:[- ]?1[03])?|ISSN|书号|書號)"
_STANDARD_CUE = (r"(?:GB(?:/[TZ])?|GJB|JJF|JJG|YY(?:/T)?|HG(?:/T)?|JB(?:/T)?|QB(?:/T)?|"
                 r"DB[0-9]{2}(?:/T)?|ISO(?:/IEC)?(?:/IEEE)?|IEC|IEEE|EN|DIN(?:\s+EN)?|ANSI|"
                 r"ASTM|BS(?:\s+EN)?|JIS|RFC|ECMA|ITU-T|NIST\s+SP|FIPS)")
#: A standard's number: 18030-2022, 8601:2004, 27001, 62443-3-3, 7714—2015, 802.11.
_STANDARD_NO = r"[0-9]+(?:[.\-—–][0-9]+)*(?:[:：—–\-](?:19|20)[0-9]{2})?"
_STANDARD = re.compile(
    rf"(?<![A-Za-z]){_STANDARD_CUE}[ \t\u00a0]*(?:[A-Z](?=[0-9]))?(?P<v>{_STANDARD_NO})"
    rf"(?![0-9])")
_ISBN_VALUE = r"[0-9][0-9 \-]{8,15}[0-9Xx]"
_ISBN = re.compile(rf"(?i){_ISBN_CUE}[ \t:：#]*(?P<v>{_ISBN_VALUE})(?![0-9])")
#: ISBN-13 (978/979) and hyphenated ISBN-10 shapes, checked by :func:`isbn_valid` uncued.
_ISBN_SHAPE = re.compile(
    r"(?<![0-9\-])(?P<v>97[89](?:[\- ]?[0-9]){10}|[0-9]{1,5}-[0-9]{1,7}-[0-9]{1,7}-[0-9Xx])"
    r"(?![0-9\-])")

#: Words that name a business reference: the value right after one is that reference.
_REFERENCE_CUE = (
    r"(?i:(?<![A-Za-z])(?:(?:purchase\s+)?orders?|PO|invoices?|receipts?|batch(?:es)?|lots?|"
    r"SKUs?|items?|parts?|models?|products?|cases?|tickets?|incidents?|tracking|"
    r"shipments?|waybills?|consignments?|parcels?|serial|S/N|SN|transactions?|txn|"
    r"confirmations?|bookings?|reservations?|RMA|claim|quote|quotations?|contract|"
    r"builds?|barcode|EAN|UPC|GTIN|ASIN|catalog(?:ue)?)(?![A-Za-z]))"
    r"|订单|訂單|單號|单号|运单|快递单|物流单|批号|批次|货号|貨號|商品编码|商品编号|条码|条形码|"
    r"型号|料号|物料编码|序列号|序號|案号|案件号|工单|发票|發票|收据|流水号|交易号|交易单号|"
    r"合同号|合同编号|预订号|预约号|退款单|退货单|项目编号|产品编号|产品编码")
#: Between the cue and its value: "No.", "number", "ID", "#", a colon, 号/编号/号码.
_REFERENCE_LINK = (r"(?:[ \t]*(?:(?i:no\.?|nos\.?|number|num\.?|#|id|code|ref\.?)"
                   r"|编号|編號|号码|號碼|号|號|代码|代碼))*[ \t]*"
                   # Each optional part starts with what it needs, so spaces have one reading.
                   r"(?:[:：#=][ \t]*)?(?:(?i:is|was)[ \t]+|[是为為][ \t]*)?")
_REFERENCE = re.compile(
    rf"(?:{_REFERENCE_CUE}){_REFERENCE_LINK}"
    # The value, and the digit groups a space sets apart after it (批号 452 896 5154).
    r"(?P<v>(?=[A-Za-z0-9\-/_.]*[0-9])[A-Za-z0-9][A-Za-z0-9\-/_.]*[A-Za-z0-9]"
    r"(?:[ ][0-9]{2,}(?![A-Za-z]))*|[0-9])")


def isbn_valid(value: str) -> bool:
    """The ISBN-10 (mod 11) or ISBN-13 (EAN mod 10) check digit of ``value`` holds."""
    s = re.sub(r"[ \-]", "", value).upper()
    if len(s) == 10 and s[:9].isdigit() and (s[9].isdigit() or s[9] == "X"):
        total = sum((10 - i) * int(c) for i, c in enumerate(s[:9]))
        total += 10 if s[9] == "X" else int(s[9])
        return total % 11 == 0
    if len(s) == 13 and s.isdigit():
        total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(s))
        return total % 10 == 0
    return False


#: A Unix time in seconds or milliseconds (2001 to 2286) after a time key: ts=1533950364714.
_EPOCH = re.compile(r"(?i)(?<![A-Za-z])(?:ts|timestamp|epoch|created(?:_at)?|updated(?:_at)?|"
                    r"modified(?:_at)?|mtime|ctime)[\"']?\s*[=:]\s*[\"']?(?P<v>1[0-9]{9}(?:[0-9]{3})?)(?![0-9])")
#: A Chinese court's case number: (2017)京0105民初12345号 — the year, the court, the kind of
#: case, the number.
_CASE_NO = re.compile(r"(?P<v>[(（](?:19|20)[0-9]{2}[)）][\u4e00-\u9fff]{1,3}[0-9]{0,4}"
                      r"[\u4e00-\u9fff]{1,3}[0-9]{1,6}号)")


def lookalike_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds dates and times, standard and book numbers, and references named
    by a cue word (see the module docstring), in order of start."""
    spans = [m.span() for m in _DATETIME.finditer(text)]
    spans += [m.span("v") for m in _STANDARD.finditer(text)]
    spans += [m.span("v") for m in _ISBN.finditer(text)]
    spans += [m.span("v") for m in _ISBN_SHAPE.finditer(text) if isbn_valid(m.group("v"))]
    spans += [m.span("v") for m in _REFERENCE.finditer(text)]
    spans += [m.span("v") for m in _EPOCH.finditer(text)]
    spans += [m.span("v") for m in _CASE_NO.finditer(text)]
    return sorted(spans)


def within_lookalike(text: str, start: int, end: int,
                     spans: list[tuple[int, int]]) -> bool:
    """The finding ``text[start:end]`` is a look-alike: the digits of it that no look-alike
    span covers are too few to be an identifier of their own (fewer than six)."""
    if not spans:
        return False
    covered = [False] * (end - start)
    for s, e in spans:
        if e <= start:
            continue
        if s >= end:
            break
        for i in range(max(s, start), min(e, end)):
            covered[i - start] = True
    if not any(covered):
        return False
    loose = sum(1 for i, c in enumerate(text[start:end]) if c.isdigit() and not covered[i])
    return loose < 6
