"""Development probe: person names written in a non-Latin script inside English text.

Names come from Faker's non-Latin locales (``zh_CN`` for contrast); the English frames are
grouped by register (code, list, prose, nickname, chat, email) and written for this probe.
A name counts as masked when one PERSON span covers it whole. Two over-masking checks run
beside it: bullet lists of ordinary words in each script (shopping lists, menus, UI strings
written here, no names), and translators' messages from the gettext catalogs under
``/usr/share/locale/<lang>/LC_MESSAGES``; for both it prints the share of texts with a PERSON
finding.

    .venv/bin/python tools/pii_dev/script_names.py names --seed 11 --per 8
    .venv/bin/python tools/pii_dev/script_names.py words
    .venv/bin/python tools/pii_dev/script_names.py gettext --n 300
"""

# ruff: noqa: RUF001
from __future__ import annotations

import argparse
import gettext
import json
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from appliance.config import PiiConfig
from appliance.privacy.analyzer import Analyzer

LOCALES = ("ru_RU", "uk_UA", "bg_BG", "el_GR", "ja_JP", "ko_KR", "ar_AA", "fa_IR", "he_IL",
           "hi_IN", "th_TH", "hy_AM", "ka_GE", "zh_CN")

#: English frames per register; {a} is the name scored, {b} a second name.
FRAMES = {
    "code": ['reviewer: "{a}"', "assignee = '{a}'", 'Contact(full_name="{a}", role="pm")',
             "| 7 | {a} | active |", "-- owner: {a}", '<author>{a}</author>'],
    "list": ["* {a}\n* {b}", "1. {a}\n2. {b}", "- {a}\n- {b}\n- Budget review",
             "Speakers: {a}, {b}", "Members: {a}; {b}", "• {a}\n• {b}"],
    "prose": ["Last week {a} signed the lease on the flat.", "Please forward this to {a}.",
              "According to {a}, the shipment is delayed.", "My neighbour {a} lent us a ladder.",
              "The keynote was given by {a} this morning."],
    "nickname": ["Her friends know her as {a}.", "a.k.a. {a}", "nickname: {a}",
                 "He signs his posts as {a}.", "also known as {a}"],
    "chat": ["[09:14] {a}: running late, start without me", "{a} joined the channel",
             "@{a} can you take a look?", "<{a}> lgtm, merging"],
    "email": ["Dear {a},\n\nthanks for the quick reply.", "Best regards,\n{a}",
              "From: {a}\nSubject: invoice", "Hi {a}, see the attachment."],
}

#: Ordinary words (no names) per script: groceries, dishes, UI labels.
WORDS = {
    "ru": "Молоко Хлеб Сыр Масло Яйца Сахар Соль Мука Рис Гречка Чай Кофе Яблоки Морковь "
          "Картофель Лук Сохранить Отмена Открыть Закрыть Настройки Помощь Выход Борщ Пельмени "
          "Салат Компот Суп Свекла Капуста Курица",
    "uk": "Молоко Хліб Сир Масло Яйця Цукор Сіль Борошно Рис Гречка Чай Кава Яблука Морква "
          "Картопля Цибуля Зберегти Скасувати Відкрити Закрити Налаштування Довідка Вихід Борщ "
          "Вареники Салат Узвар Суп Буряк Капуста Курка",
    "bg": "Мляко Хляб Сирене Масло Яйца Захар Сол Брашно Ориз Леща Чай Кафе Ябълки Моркови "
          "Картофи Лук Запази Отказ Отвори Затвори Настройки Помощ Изход Баница Шопска салата "
          "Таратор Боб Супа Зеле Пиле Кашкавал",
    "el": "Γάλα Ψωμί Τυρί Βούτυρο Αυγά Ζάχαρη Αλάτι Αλεύρι Ρύζι Φακές Τσάι Καφές Μήλα Καρότα "
          "Πατάτες Κρεμμύδια Αποθήκευση Ακύρωση Άνοιγμα Κλείσιμο Ρυθμίσεις Βοήθεια Έξοδος "
          "Μουσακάς Σουβλάκι Σαλάτα Φασολάδα Σούπα Λάχανο Κοτόπουλο Φέτα",
    "ja": "牛乳 パン チーズ バター 卵 砂糖 塩 小麦粉 米 味噌 お茶 コーヒー "
          "りんご にんじん じゃがいも 玉ねぎ 保存 キャンセル 開く 閉じる 設定 "
          "ヘルプ 終了 ラーメン 寿司 サラダ 天ぷら 味噌汁 キャベツ 鶏肉 豆腐 醤油",
    "ko": "우유 빵 치즈 버터 계란 설탕 소금 밀가루 쌀 된장 녹차 커피 사과 "
          "당근 감자 양파 저장 취소 열기 닫기 설정 도움말 종료 김치 비빔밥 "
          "샐러드 불고기 국수 배추 닭고기 두부 간장",
    "ar": "حليب خبز جبن زبدة بيض سكر ملح دقيق أرز عدس شاي قهوة تفاح جزر بطاطس بصل حفظ إلغاء "
          "فتح إغلاق الإعدادات مساعدة خروج فلافل حمص سلطة شوربة ملفوف دجاج زيتون تمر",
    "fa": "شیر نان پنیر کره تخم‌مرغ شکر نمک آرد برنج عدس چای قهوه سیب هویج سیب‌زمینی پیاز ذخیره "
          "لغو باز بستن تنظیمات راهنما خروج کباب قورمه‌سبزی سالاد آش کلم مرغ ماست خرما",
    "he": "חלב לחם גבינה חמאה ביצים סוכר מלח קמח אורז עדשים תה קפה תפוחים גזר תפוחי אדמה בצל "
          "שמירה ביטול פתיחה סגירה הגדרות עזרה יציאה פלאפל חומוס סלט מרק כרוב עוף זיתים",
    "hi": "दूध रोटी पनीर मक्खन अंडे चीनी नमक आटा चावल दाल चाय कॉफ़ी सेब गाजर आलू प्याज़ सहेजें रद्द "
          "खोलें बंद सेटिंग्स सहायता बाहर समोसा पराठा सलाद सब्ज़ी गोभी मुर्गा दही",
    "th": "นม ขนมปัง ชีส เนย ไข่ น้ำตาล เกลือ แป้ง ข้าว ถั่ว ชา กาแฟ แอปเปิล แครอท มันฝรั่ง หัวหอม "
          "บันทึก ยกเลิก เปิด ปิด การตั้งค่า ช่วยเหลือ ออก ผัดไทย ต้มยำ ส้มตำ แกงเขียวหวาน กะหล่ำ ไก่ เต้าหู้",
    "hy": "Կաթ Հաց Պանիր Կարագ Ձու Շաքար Աղ Ալյուր Բրինձ Ոսպ Թեյ Սուրճ Խնձոր Գազար Կարտոֆիլ "
          "Սոխ Պահպանել Չեղարկել Բացել Փակել Կարգավորումներ Օգնություն Ելք Խորոված Դոլմա "
          "Աղցան Ապուր Կաղամբ Հավ Լավաշ",
    "ka": "რძე პური ყველი კარაქი კვერცხი შაქარი მარილი ფქვილი ბრინჯი ოსპი ჩაი ყავა ვაშლი სტაფილო "
          "კარტოფილი ხახვი შენახვა გაუქმება გახსნა დახურვა პარამეტრები დახმარება გასვლა ხაჭაპური "
          "ხინკალი სალათი სუპი კომბოსტო ქათამი ლობიო",
}
#: The frames a few ordinary words are put in: lists with and without an English heading.
WORD_FRAMES = ("- {a}\n- {b}", "- {a}\n- {b}\n- {c}", "Shopping list:\n- {a}\n- {b}\n- {c}",
               "* {a}\n* {b}", "1. {a}\n2. {b}\n3. {c}", "Menu: {a}, {b}, {c}",
               'label = "{a}"', "[{a}] [{b}]", "Buttons: {a} | {b}", "Today: {a} and {b}")
GETTEXT_LANGS = ("ru", "uk", "bg", "el", "ja", "ko", "ar", "fa", "he", "hi", "th", "ka")


def _person(spans: list) -> list:
    return [s for s in spans if s.entity_type == "PERSON"]


def probe_names(an: Analyzer, seed: int, per: int, show: int) -> None:
    from faker import Faker
    rnd = random.Random(seed)
    hits: Counter[tuple[str, str]] = Counter()
    total: Counter[tuple[str, str]] = Counter()
    misses: list[tuple[str, str, str]] = []
    for loc in LOCALES:
        fake = Faker(loc)
        fake.seed_instance(seed)
        for reg, frames in FRAMES.items():
            for _ in range(per):
                a, b = fake.name(), fake.name()
                text = rnd.choice(frames).format(a=a, b=b)
                i = text.index(a)
                ok = any(s.start <= i and s.end >= i + len(a) for s in _person(an.find(text)))
                total[loc, reg] += 1
                hits[loc, reg] += ok
                if not ok:
                    misses.append((loc, reg, text))
    for loc in LOCALES:
        print(loc, " ".join(f"{r}={hits[loc, r]}/{total[loc, r]}" for r in FRAMES))
    shown: Counter[str] = Counter()
    for loc, reg, text in misses:
        if shown[loc] < show:
            shown[loc] += 1
            print("MISS", loc, reg, repr(text))
    print(json.dumps({"seed": seed, "masked": sum(hits.values()), "total": sum(total.values()),
                      "by_register": {r: f"{sum(hits[loc, r] for loc in LOCALES)}/"
                                         f"{sum(total[loc, r] for loc in LOCALES)}"
                                      for r in FRAMES}}))


def probe_words(an: Analyzer, seed: int, per: int, show: int) -> None:
    rnd = random.Random(seed)
    flagged: Counter[str] = Counter()
    for lang, words in WORDS.items():
        items = words.split()
        for k in range(per):
            a, b, c = rnd.sample(items, 3)
            text = WORD_FRAMES[k % len(WORD_FRAMES)].format(a=a, b=b, c=c)
            found = _person(an.find(text))
            if found:
                flagged[lang] += 1
                if flagged[lang] <= show:
                    print("OVER", lang, repr(text), [text[s.start:s.end] for s in found])
    print(json.dumps({"texts_per_script": per, "flagged": dict(flagged),
                      "flagged_total": sum(flagged.values()), "total": per * len(WORDS)}))


def probe_gettext(an: Analyzer, seed: int, n: int, show: int, dump: str | None) -> None:
    rnd = random.Random(seed)
    out = {}
    flagged_msgs = []
    for lang in GETTEXT_LANGS:
        msgs: set[str] = set()
        for path in sorted(Path("/usr/share/locale", lang, "LC_MESSAGES").glob("*.mo")):
            if path.name.startswith("iso_"):
                continue  # names of countries and languages, proper nouns by design
            try:
                with path.open("rb") as fh:
                    catalog = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001, S112 - a catalog gettext cannot read stays out
                continue
            msgs.update(v for v in catalog.values() if isinstance(v, str) and 0 < len(v) < 300
                        and any(ord(c) > 0x36f for c in v))
        sample = sorted(msgs)
        rnd.shuffle(sample)
        sample = sample[:n]
        bad = 0
        for msg in sample:
            found = _person(an.find(msg))
            if found:
                bad += 1
                flagged_msgs.append(json.dumps([lang, msg, [msg[s.start:s.end] for s in found]],
                                               ensure_ascii=False))
                if bad <= show:
                    print("OVER", lang, [msg[s.start:s.end] for s in found],
                          repr(msg[:80].replace("\n", "⏎")))
        out[lang] = f"{bad}/{len(sample)}"
    if dump:  # the flagged messages, one JSON line each, to compare two runs
        Path(dump).write_text("\n".join(flagged_msgs) + "\n", encoding="utf-8")
    print(json.dumps({"seed": seed, "flagged": out}))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=("names", "words", "gettext"))
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--per", type=int, default=8, help="texts per locale and register / script")
    p.add_argument("--n", type=int, default=300, help="gettext messages per language")
    p.add_argument("--show", type=int, default=4)
    p.add_argument("--dump", help="gettext: write the flagged messages to this file")
    args = p.parse_args()
    an = Analyzer(PiiConfig(), 100000)
    if args.mode == "names":
        probe_names(an, args.seed, args.per, args.show)
    elif args.mode == "words":
        probe_words(an, args.seed, max(args.per, 30), args.show)
    else:
        probe_gettext(an, args.seed, args.n, args.show, args.dump)


if __name__ == "__main__":
    main()
