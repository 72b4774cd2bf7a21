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
- the same references named in **other languages**: ``Bestellnummer 4400-2291-88``, ``Die
  Bestellung 2024-99812``, ``Número de pedido: 55-8812-9031``, ``N° de commande``, ``numero
  d'ordine``, ``Rechnungs-Nr.``, ``Aktenzeichen``, ``注文番号``, ``주문번호 20250311-000482``.
  A customer, member, account, patient or policy number is *not* one of these cues: it names
  a person (GDPR's "identification number"), so a finding there stays masked;
- **meeting and dial-in codes**: the value after ``Meeting ID``, ``Conference ID``,
  ``Passcode``, ``Access code``, ``Dial-in code``, ``PIN``, ``Konferenz-ID``, ``ID de
  réunion``, ``会議ID``, ``회의 ID``, ``会议号`` (``Meeting ID: 842 1193 2270``). A dial-in
  *number* or conference *line* is a phone number and is not a cue;
- **software versions and object identifiers**: a dotted number after patch / version /
  release / build / firmware / ``v`` (``Patch 1.2.3.4``, ``v10.0.0.1``), and a dotted run of
  six or more numbers (``1.3.6.1.4.1.2021.10.1.3.1``, an SNMP OID), or of five when it cannot
  be an IPv4 address and a port (``192.168.1.5.443``, as tcpdump writes it, is one; five
  single digits are a section number): neither it nor its four-number pieces are IPv4
  addresses;
- **Unix times** after a time key (``ts=1533950364714``) and **Chinese court case numbers**
  (``(2017)京0105民初12345号``);

:func:`lookalike_spans` finds these; the analyzer drops a loosely matched finding that lies
within one. A finding whose own check digit holds (a Luhn-valid card number, a CN resident ID)
is kept wherever it stands: a checksum is stronger evidence than the word before it.
"""

from __future__ import annotations

import re

#: Types matched by form alone (no check digit): what a look-alike span suppresses.
#: An IP address is one too: four numbers and three dots are also a version or part of an OID.
LOOSE_TYPES = frozenset({"PHONE_NUMBER", "CN_MOBILE", "US_SSN", "MO_ID", "CN_PASSPORT",
                         "CN_TRAVEL_PERMIT", "US_BANK_NUMBER", "US_DRIVER_LICENSE",
                         "US_PASSPORT", "US_ITIN", "UK_NHS", "IP_ADDRESS"})

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
    r"builds?|barcode|EAN|UPC|GTIN|ASIN|catalog(?:ue)?)"
    # Dutch and German compounds of them: Ordernummer, Ticketnummer, Tracking-Nr.
    r"(?:-?(?:nummer|nr\.?))?(?![A-Za-z]))"
    r"|订单|訂單|單號|单号|运单|快递单|物流单|批号|批次|货号|貨號|商品编码|商品编号|条码|条形码|"
    r"型号|料号|物料编码|序列号|序號|案号|案件号|工单|发票|發票|收据|流水号|交易号|交易单号|"
    r"合同号|合同编号|预订号|预约号|退款单|退货单|项目编号|产品编号|产品编码|"
    # The same references in other languages. A German compound's "-nummer" / "-Nr." is
    # part of the cue (Bestellnummer, Rechnungs-Nr.); "Número de pedido", "N° de commande"
    # need only the word that names the reference. Words that also name a phone line
    # (ご注文, ご予約, お問い合わせ, suivi alone) or are English words (Fall, Charge: "charge
    # 4932 …" is a card) need their "number" word.
    r"(?i:(?<![^\W\d_])(?:"
    r"bestell(?:ung(?:en)?)?|auftrag|rechnung|lieferschein|sendung|paket|vorgang|referenz|"
    r"aktenzeichen|az\.|artikel|buchung|reservierung|transaktion|"
    r"bestätigung|vertrag|modell|beleg|quittung|gutschrift|lieferung|retoure|reklamation|"
    r"ticket|storno|(?:fall|liefer|teile|serien|bestel|zaak|charge|chargen)"
    r"(?=s?-?(?:nummer|nr))|"
    r"commandes?|factures?|r[ée]f[ée]rences?|r[ée]f\.|(?<=de\s)suivi|colis|dossier|"
    r"r[ée]servations?|contrat|bordereau|envoi|exp[ée]dition|billet|"
    r"pedidos?|facturas?|referencias?|(?<=de\s)seguimiento|env[ií]o|paquete|expediente|"
    r"reserva|lote|art[ií]culo|contrato|transacci[oó]n|albar[aá]n|incidencia|localizador|"
    r"confirmaci[oó]n|ordine|fattura|riferimento|spedizione|pacco|pratica|prenotazione|"
    r"lotto|articolo|contratto|transazione|ricevuta|encomenda|fatura|refer[eê]ncia|"
    r"rastreio|rastreamento|protocolo|bestelling|factuur|referentie|zending|pakket|"
    r"reservering|kenmerk|boeking|zam[oó]wieni[aeu]|faktur[ayz]?|przesy[lł]k[iay]|"
    r"zlecenia|rezerwacji"
    r")(?:s?-?(?:nummer|nr\.?))?(?![^\W\d_]))"
    # Japanese kanji in both forms: the analyzer reads text with traditional forms simplified.
    r"|(?:注文|受注|発注|[請请]求[書书]|伝票|[問问]い合わせ|追[跡迹]|予[約约]|管理|[製制]造|受付|"
    r"契[約约]|案件|配送|送り状|整理|取引|シリアル)番号|品番|型番|"
    r"(?:주문|송장|운송장|예약|접수|청구서|영수증|거래|계약|제품|일련|사건|배송|반품|환불|"
    r"상품)[ ]?번호")
#: Between the cue and its value: "No.", "number", "ID", "#", a colon, 号/编号/号码.
_REFERENCE_LINK = (r"(?:[ \t]*(?:(?i:no\.?|nos\.?|number|num\.?|#|id|code|ref\.?|nr\.?|n[°º]\.?|"
                   r"n\.[°º]?|n[uú]m\.|n[uú]mero|num[ée]ro|numero|nummer|numer)"
                   r"|编号|編號|号码|號碼|号|號|代码|代碼))*[ \t]*"
                   # Each optional part starts with what it needs, so spaces have one reading.
                   r"(?:[:：#=][ \t]*)?"
                   r"(?:(?i:is|was|ist|lautet|est|es|è|é|wynosi)[ \t]+|[是为為は][ \t]*)?")
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


#: Words that name a meeting's or a conference call's code: the value right after one is that
#: code, with the digit groups a space sets apart after it (Meeting ID: 842 1193 2270).
_MEETING_CUE = (
    r"(?i:(?<![^\W\d_])(?:"
    r"(?:meeting|conference|webinar|event|session|room|bridge|attendee|participant|host)"
    r"[ \t\-]*(?:id|code|key|pin)|meeting[ \t]+(?:number|no\.?)|pass[ \t\-]?code|password|"
    r"access[ \t]+code|dial[ \t\-]?in[ \t]+(?:code|pin|id)|pin(?:[ \t]+code)?|"
    r"(?:konferenz|besprechungs|meeting|raum|teilnehmer)[ \t\-]*(?:id|kennung|code|pin)|"
    r"kenncode|zugangscode|einwahl[ \t\-]?(?:code|pin)|kennwort|passwort|"
    r"(?:id|code|num[ée]ro)[ \t]+(?:de[ \t]+(?:la[ \t]+)?|du[ \t]+)?"
    r"(?:r[ée]union|conf[ée]rence|webinaire|participant)|code[ \t]+(?:d['’][ \t]?acc[eè]s|secret)|"
    r"mot[ \t]+de[ \t]+passe|"
    r"(?:id|c[oó]digo)[ \t]+(?:de[ \t]+(?:la[ \t]+)?)?(?:reuni[oó]n|conferencia|acceso|"
    r"participante)|contrase[nñ]a|clave[ \t]+de[ \t]+acceso|"
    r"(?:id|codice)[ \t]+(?:della[ \t]+|di[ \t]+|d['’][ \t]?)?(?:riunione|conferenza|accesso|"
    r"partecipante)|vergader(?:ing)?[ \t\-]*id|toegangscode"
    r")(?![^\W\d_]))"
    r"|(?:ミーティング|会[議议]|ウェビナー|参加者)[ ]?(?:ID|ＩＤ|番号)|パスコード|"
    r"(?:회의|미팅|참가자)[ ]?(?:ID|번호)|회의[ ]?암호|"
    r"会议号|會議號|会议[ ]?ID|會議[ ]?ID|入会密码|入會密碼")
_MEETING = re.compile(
    rf"(?:{_MEETING_CUE})[ \t]*(?:[:：#=][ \t]*)?(?:(?i:is|was)[ \t]+)?"
    r"(?P<v>(?=[A-Za-z0-9\-]*[0-9])[A-Za-z0-9][A-Za-z0-9\-]*(?:[ ][0-9]{2,}(?![A-Za-z]))*)")
#: A dotted version after a word that names one: Patch 1.2.3.4, version 10.0.0.1, v2.0.1.7.
_VERSION = re.compile(
    r"(?:(?i:(?<![^\W\d_])(?:patch(?:es)?|versions?|versi[oó]n|versione|versie|wersj[aiię]|vers[ãa]o|"
    r"ver\.|releases?|rel\.|"
    r"builds?|firmware|hotfix|service[ \t]+pack|kernel|rev(?:ision)?\.?)(?![^\W\d_]))"
    r"[ \t]*(?:[:：#=][ \t]*)?v?|(?<![A-Za-z0-9])[vV]|バージョン[ ]?|버전[ ]?|"
    r"版本[ ]?(?:号)?[ ：:]*)"
    r"(?P<v>[0-9]+(?:\.[0-9]+)+)(?![0-9]|\.[0-9])")
#: A dotted run of five or more numbers: an OID, a long version, a section number.
_DOTTED_RUN = re.compile(r"(?<![0-9.])(?P<v>[0-9]+(?:\.[0-9]+){4,})(?![0-9]|\.[0-9])")


def _not_an_address(run: str) -> bool:
    """A dotted run of five or more numbers is no IPv4 address, nor are its pieces, unless it
    is five numbers whose first four are octets: an address and its port (10.0.0.5.443), as
    tcpdump writes it. Five single digits are an outline's section number (4.2.1.3.7)."""
    parts = run.split(".")
    return len(parts) > 5 or any(int(p) > 255 for p in parts[:4]) \
        or all(len(p) == 1 for p in parts)


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
    spans += [m.span("v") for m in _MEETING.finditer(text)]
    spans += [m.span("v") for m in _VERSION.finditer(text)]
    spans += [m.span("v") for m in _DOTTED_RUN.finditer(text) if _not_an_address(m.group("v"))]
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
