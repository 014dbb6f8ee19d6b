"""A labelled log of personal data, written for replyassist (issue 20): no real person's data.

Every value is a documented test number (card numbers that pass the Luhn check, IBANs from the
banks' own examples), a made-up phone number in the national format of en, de, hu, sr or hr, or
an invented address or id. :func:`labelled_records` returns the log rows (as a help desk exports
them: ``id``, ``timestamp``, ``channel``, ``customer_id``, ``customer_name``, ``text``) and, for each
row, the labelled values: ``(kind, language, value, where)`` with ``where`` the column.

>>> rows, labels = labelled_records()
>>> len(rows) > 200, sorted({k for lab in labels for k, *_ in lab})[:3]
(True, ['card', 'customer_id', 'email'])
"""
from __future__ import annotations

import itertools
from typing import Any

#: kind -> language -> values, in that country's usual formats
VALUES: dict[str, dict[str, list[str]]] = {
    "phone": {
        "en": ["+44 20 7946 0958", "020 7946 0958", "07700 900123", "(555) 123-4567", "555-123-4567", "+1 555 123 4567"],
        "de": ["(030) 12345678", "030/1234567", "+49 30 12345678", "0049 30 1234567", "0170 1234567",
               "+49 (0)30 1234567", "030 1234 5678", "01701234567"],
        "hu": ["06 30 123 4567", "06301234567", "+36 30 123 4567", "06-1-234-5678", "+36-1-234-5678",
               "06 1 234 5678", "0036 30 123 4567", "06/20/987-6543"],
        "sr": ["064 123 4567", "+381 64 123 4567", "011/123-4567", "0641234567", "+381 11 123 4567", "060 12 34 567"],
        "hr": ["091 234 5678", "+385 91 234 5678", "01 2345 678", "0912345678", "+385 1 2345 678", "098 765 432"],
    },
    "card": {
        "en": ["4111111111111111", "4012888888881881", "3782 822463 10005", "5555-5555-5555-4444"],
        "de": ["4111 1111 1111 1111", "5105105105105100"],
        "hu": ["6011 1111 1111 1117", "4012 8888 8888 1881"],
        "sr": ["3530111333300000", "5555 5555 5555 4444"],
        "hr": ["4111-1111-1111-1111", "378282246310005"],
    },
    "iban": {
        "en": ["GB29 NWBK 6016 1331 9268 19", "GB29NWBK60161331926819"],
        "de": ["DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "de89 3704 0044 0532 0130 00"],
        "hu": ["HU42 1177 3016 1111 1018 0000 0000", "HU42117730161111101800000000"],
        "sr": ["RS35 2600 0560 1001 6113 79", "RS35260005601001611379"],
        "hr": ["HR12 1001 0051 8630 0016 0", "HR1210010051863000160"],
    },
    "email": {
        "en": ["margaret.ellis@example.com", "anna at example dot com", "m.ellis+shop@mail.co.uk"],
        "de": ["jonas.weber@gmx.de", "j.weber (at) example (dot) de", "lena[at]beispiel.de"],
        "hu": ["kovacs.anna@freemail.hu", "kovacs.anna kukac gmail pont com", "nagy.peter@citromail.hu"],
        "sr": ["marko@primer.co.rs", "petar (at) primer (dot) rs", "jelena.petrovic@gmail.com"],
        "hr": ["ivana[at]example.hr", "ivan.horvat@net.hr", "ana.kovac at gmail dot com"],
    },
    "order_id": {
        "en": ["order ID 556677", "order #4711", "ORD-2024-0042", "order number 88123456", "invoice 2024-0042"],
        "de": ["Bestellnummer 12345678", "Bestellung Nr. 987654", "Auftragsnummer: 2024-7788", "Bestell-Nr. 445566",
               "Rechnung 2024-0042"],
        "hu": ["rendelésszám: 123456", "a 445566 számú rendelésem", "rendelés száma 778899", "rendelesszam 665544",
               "#99812"],
        "sr": ["broj porudžbine 12345", "porudžbina #99881", "porudzbina br. 554433", "narudžba br. 556677"],
        "hr": ["narudžba br. 556677", "broj narudžbe 778812", "narudzba 99887766", "račun 2024-1187"],
    },
    "customer_id": {
        "en": ["customer number 4455667", "customer ID C-99812", "account no. 77881122"],
        "de": ["Kundennummer 99812", "Kunden-Nr. 445566", "Kundennr. 7788991"],
        "hu": ["ügyfélszám: 1234567", "ügyfélazonosító 778899", "ugyfelszam 556677"],
        "sr": ["korisnički broj 12345", "broj kupca 556677", "korisnicki broj 998877"],
        "hr": ["korisnički broj 443322", "broj kupca 887766", "klijent br. 665544"],
    },
}

#: language -> message templates ({v} is the value), written as customers write (typos, no
#: diacritics, emoji, two questions)
TEMPLATES: dict[str, list[str]] = {
    "en": ["hi, my parcel still hasnt arrived 😡 pls call me on {v}", "Where is my order?? {v} is what i have. thx",
           "can u check {v} and tell me when it ships? Also do you deliver on saturdays",
           "Hello,\nI was charged twice, the reference is {v}.\nKind regards"],
    "de": ["Hallo, wo bleibt meine Lieferung?? {v} 😤", "Guten Tag, bitte melden Sie sich unter {v}. Danke!",
           "hab immer noch nix bekommen, {v} ... wann kommt das endlich?", "Sehr geehrte Damen und Herren,\n{v} betrifft "
           "meine Rücksendung. Wie lange dauert die Erstattung?\nMfG"],
    "hu": ["Szia! Hol van a csomagom? {v} 🙏", "Jó napot, kérem hívjanak vissza: {v}. Köszönöm",
           "meg mindig nem jott meg semmi, {v}, mikor kapom meg??", "Tisztelt Ügyfélszolgálat!\n{v} ügyében írok, "
           "két hete várok.\nÜdvözlettel"],
    "sr": ["Zdravo, gde je moja porudzbina? {v}", "Postovani, molim vas pozovite me na {v}. Hvala",
           "jos nista nije stiglo 😡 {v} a cekam vec 2 nedelje!!", "Dobar dan,\npišem vezano za {v}.\nKad stiže paket?"],
    "hr": ["Bok, gdje je moj paket? {v}", "Postovani, nazovite me na {v} molim vas",
           "jos uvijek nista, {v}, kad ce stici??", "Dobar dan,\nvezano uz {v} - mogu li platiti karticom?\nLp"],
}

#: Values in the id / channel / customer_id columns (help desks key tickets by e-mail, channels by number)
ID_VALUES = [("email", "anna.kovacs@example.com"), ("phone", "+36301234567"), ("email", "j.weber@gmx.de"),
             ("phone", "+49 170 1234567"), ("email", "petar.petrovic@gmail.com")]
CHANNEL_VALUES = [("phone", "whatsapp:+36301234567"), ("phone", "sms +49 170 1234567"), ("phone", "viber:+381641234567")]
CUSTOMER_NAMES = ["Kovács Anna", "Jonas Weber", "Margaret Ellis", "Petar Petrović", "Ivana Horvat"]
#: Names after a greeting and in a sign-off (for the names option; names are not claimed by default)
NAME_MESSAGES = [
    ("Hi Margaret,\nthis is Anna, where is my parcel?\nThanks, Anna Kovacs", ["Margaret", "Anna Kovacs"]),
    ("Sehr geehrte Frau Müller,\nwo bleibt meine Bestellung?\nMit freundlichen Grüßen\nJonas Weber",
     ["Müller", "Jonas Weber"]),
    ("Kedves Kovács Anna!\nMikor jön a csomag?\nÜdvözlettel\nNagy Péter", ["Kovács Anna", "Nagy Péter"]),
    ("Poštovani gospodine Petroviću,\ngde je moja porudžbina?\nPozdrav\nMarko Marković", ["Petroviću", "Marko Marković"]),
    ("Bok Ivana,\nkad stiže paket?\nLp, Ana Horvat", ["Ivana", "Ana Horvat"]),
]
#: Text that is not personal data and must stay (dates, prices, times, quantities, postcodes)
CONTROLS = [
    "Ich habe am 03.10.2026 um 14:05 bestellt, 49,99 €, 2 Stück.", "Ordered 3 items on 2026-10-03 for 120 EUR, 15% off",
    "10115 Berlin, Lieferung bis 12.10.", "1051 Budapest, 2 db, 3 900 Ft, 2026.10.03.",
    "Poručio sam 2 komada 01.02.2026, cena 1.299 din", "Naručila sam 3 komada, 45,50 kn, 12/2026",
    "the parcel weighs 2.5 kg and is 30 x 20 x 10 cm", "size 42, model 2024, version 3.1.4",
]


def secret(kind: str, value: str) -> str:
    """The part of a labelled value that must not appear in any output: the number of
    "order ID 556677" (the keyword may stay), the whole value otherwise.

    >>> secret("order_id", "a 445566 számú rendelésem"), secret("phone", "06 30 123 4567")
    ('445566', '06 30 123 4567')
    """
    if kind in ("order_id", "customer_id"):
        import re
        found = re.findall(r"#?[A-Z]{0,4}-?\d[\d-]*\d", value)
        return found[-1].lstrip("#") if found else value
    return value


def labelled_records() -> tuple[list[dict[str, Any]], list[list[tuple[str, str, str, str]]]]:
    """The log rows and, per row, its labelled values ``(kind, language, value, column)``."""
    rows: list[dict[str, Any]] = []
    labels: list[list[tuple[str, str, str, str]]] = []
    ids = itertools.cycle(ID_VALUES)
    chans = itertools.cycle(CHANNEL_VALUES)
    names = itertools.cycle(CUSTOMER_NAMES)
    n = 0
    for kind, by_lang in VALUES.items():
        for lang, values in by_lang.items():
            tpls = TEMPLATES[lang]
            for j, v in enumerate(values):
                for k in range(2):  # each value in two messages
                    n += 1
                    tpl = tpls[(j + k * 2 + n) % len(tpls)]
                    lab = [(kind, lang, v, "text")]
                    row: dict[str, Any] = {"id": f"msg-{n:04d}", "timestamp": f"2026-10-{1 + n % 28:02d}T10:00:00",
                                           "channel": "email", "customer_id": f"C-{10000 + n}",
                                           "customer_name": next(names), "text": tpl.format(v=v)}
                    if n % 7 == 0:
                        ik, iv = next(ids)
                        row["id"] = iv
                        lab.append((ik, "id", iv, "id"))
                    if n % 11 == 0:
                        ck, cv = next(chans)
                        row["channel"] = cv
                        lab.append((ck, "channel", cv, "channel"))
                    if n % 13 == 0:
                        ik, iv = next(ids)
                        row["customer_id"] = iv
                        lab.append((ik, "customer_id", iv, "customer_id"))
                    rows.append(row)
                    labels.append(lab)
    # bad rows (no text) that carry a customer id and a phone in other columns: previews must not show them
    for i, (ik, iv) in enumerate(ID_VALUES[:3]):
        n += 1
        rows.append({"id": f"msg-{n:04d}", "timestamp": "2026-10-05T10:00:00", "channel": "email",
                     "customer_id": iv, "customer_name": CUSTOMER_NAMES[i], "text": ""})
        labels.append([(ik, "customer_id", iv, "customer_id")])
    return rows, labels


#: Formats written after the patterns were fixed and not tuned on (a check that the recall above
#: is not only the patterns learning the set): kind -> values.
UNSEEN: dict[str, list[str]] = {
    "phone": ["+44 (0)20 7946 0958", "0161 496 0000", "+49-30-12345678", "030-12345678", "(0170) 1234567",
              "+36 (30) 123-4567", "06 (30) 123 4567", "+381 (0)64 123 45 67", "064/123-45-67",
              "+385 (0)91 234 5678", "091/234-5678"],
    "card": ["4242 4242 4242 4242", "4000-0566-5566-5556", "2223003122003222"],
    "iban": ["AT61 1904 3002 3457 3201", "CH93 0076 2011 6238 5295 7", "BA39 1290 0794 0102 8494"],
    "email": ["info@shop-example.de", "petra.novak(at)gmail.com", "zoltan dot kiss at gmail dot com",
              "m_ellis@yahoo.co.uk"],
    "order_id": ["Order No: 7788-2231", "Bestellnr. 55667788", "rendelés azonosító: 9988776",
                 "narudžbina broj 776655", "order: #A-77812"],
    "customer_id": ["Kundenkonto 55443322", "customer no 5544", "ügyfél azonosító: 7766554", "broj klijenta 443311"],
}
