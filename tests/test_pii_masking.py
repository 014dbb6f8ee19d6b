"""Personal data in reports (issue 20, defect 7): every written file is searched for the raw values.

The values are documented test numbers and made-up numbers in en/de/hu/sr/hr formats (the full
labelled set and the measured rates: ``benchmarks/pii_set.py``, ``benchmarks/pii.py``).
"""
from __future__ import annotations

import csv
import hashlib
import json

import numpy as np
import pytest

from replyassist.text import find_names, mask_identifier, mask_pii, prepare_message

#: The values the robustness campaign found in reports (4 of 12 phones, 3 of 8 cards, ...)
LEAKED_BEFORE = ["(030) 12345678", "06 30 123 4567", "06301234567", "4111111111111111", "4012888888881881",
                 "3782 822463 10005", "556677", "anna at example dot com"]


@pytest.mark.parametrize("text, secret", [
    ("Bitte rufen Sie mich an: (030) 12345678, danke", "12345678"),
    ("hivjanak vissza a 06 30 123 4567 szamon", "06 30 123 4567"),
    ("a szamom 06301234567 koszi", "06301234567"),
    ("pay with 4111111111111111 pls", "4111111111111111"),
    ("kartica 4012888888881881", "4012888888881881"),
    ("amex 3782 822463 10005 was charged twice", "3782 822463 10005"),
    ("where is my order ID 556677??", "556677"),
    ("write me: anna at example dot com", "example"),
    ("IBAN de89 3704 0044 0532 0130 00 danke", "3704"),
    ("ügyfélszám: 1234567, rendelésszám 778899", "1234567"),
    ("a 445566 számú rendelésem nem jött meg", "445566"),
    ("broj porudžbine 12345, pozovite +381 64 123 4567", "12345"),
])
def test_values_that_leaked_are_masked(text, secret):
    p = prepare_message(text)
    assert secret not in mask_pii(p.text, p.pii), mask_pii(p.text, p.pii)


@pytest.mark.parametrize("text", [
    "Ich habe am 03.10.2026 um 14:05 bestellt, 49,99 €, 2 Stück.", "1051 Budapest, 2 db, 3 900 Ft, 2026.10.03.",
    "Ordered 3 items on 2026-10-03 for 120 EUR", "Poručio sam 01 02 2026, cena 1.299 din", "size 42, version 3.1.4",
    "IBAN? DE89 3704 0044 0532 0130 00 danke schön",
])
def test_dates_prices_and_words_after_an_iban_are_not_masked(text):
    masked = mask_pii(text)
    for word in ("03.10.2026", "49,99", "1051", "2026-10-03", "01 02 2026", "3.1.4", "danke schön"):
        if word in text:
            assert word in masked, masked


def test_identifiers_keep_codes_and_lose_personal_data():
    assert [mask_identifier(v) for v in ("msg-0042", "gap-001", "ORD-2024-0042", "anna@example.com",
                                         "whatsapp:+36301234567", "email", "+49 170 1234567")] == \
        ["msg-0042", "gap-001", "ORD-2024-0042", "[EMAIL]", "whatsapp:[PHONE]", "email", "[PHONE]"]


def test_names_option_greetings_sign_offs_and_known_names():
    t = "Sehr geehrte Frau Müller,\nwo ist mein Paket? Jonas ist sauer.\nMit freundlichen Grüßen\nJonas Weber"
    assert mask_pii(t, names=True) == ("Sehr geehrte Frau [NAME],\nwo ist mein Paket? Jonas ist sauer.\n"
                                       "Mit freundlichen Grüßen\n[NAME]")
    assert "Jonas" not in mask_pii(t, names=["Jonas Weber"])  # the customer-name column: everywhere
    assert [t[s.start:s.end] for s in find_names("Dear team,\nwhere is it?\nThanks")] == []  # "team" is no name
    assert mask_pii("Kedves Kovács Anna!\nMikor jön?\nÜdvözlettel\nNagy Péter", names=True) == \
        "Kedves [NAME]!\nMikor jön?\nÜdvözlettel\n[NAME]"


class Bow:
    model_id = "test-bow-16"
    dim = 16

    def encode(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % self.dim] += 1
            out[i, 0] += 0.5
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def _report(tmp_path, mask_names=False):
    from replyassist.corpus import corpus_from_dicts
    from replyassist.embeddings import CachedEmbedder
    from replyassist.gaps import GapSettings, analyze_gaps, read_messages
    log = tmp_path / "log.csv"
    rows = [
        {"id": "anna.kovacs@example.com", "channel": "whatsapp:+36301234567", "customer_id": "C-10001",
         "customer_name": "Kovács Anna", "text": "Szia! Hol van a csomagom? 06 30 123 4567\nÜdv, Kovács Anna"},
        {"id": "+49 170 1234567", "channel": "sms +49 170 1234567", "customer_id": "j.weber@gmx.de",
         "customer_name": "Jonas Weber", "text": "gift cards please, order ID 556677, card 4111111111111111"},
        {"id": "msg-0003", "channel": "email", "customer_id": "C-10003", "customer_name": "Ivana Horvat",
         "text": "gift cards for my mum, write to anna at example dot com"},
        {"id": "msg-0004", "channel": "email", "customer_id": "C-10004", "customer_name": "Petar Petrović",
         "text": "gift cards voucher? (030) 12345678"},
        {"id": "msg-0005", "channel": "email", "customer_id": "C-99812", "customer_name": "Margaret Ellis",
         "text": ""},  # a bad row: its preview must not show the customer id or name
    ]
    with open(log, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    corpus = corpus_from_dicts([{"id": "delivery", "category": "d", "questions": {"en": ["where is my parcel"]},
                                 "answers": {"en": "On its way."}}])
    from replyassist.matching import FaqIndex, MatchSettings
    emb = CachedEmbedder(Bow(), tmp_path / "e.sqlite")
    index = FaqIndex(corpus, emb, MatchSettings(second_embedder="none"), cache_dir=tmp_path / "index")
    rep = analyze_gaps(read_messages(log, mask_names=mask_names), corpus, index=index,
                       embedder=emb, detector=False, signals=False,
                       cache_dir=tmp_path / "cache", progress=False,
                       settings=GapSettings(min_gap_size=2, cluster_threshold=-1.0, unanswered_below=1.0,
                                            center_languages=False))
    out = tmp_path / f"out-{mask_names}"
    rep.write(out)
    return {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}


SECRETS = ["anna.kovacs@example.com", "36301234567", "170 1234567", "j.weber@gmx.de", "C-99812", "556677",
           "4111111111111111", "example dot com", "12345678", "06 30 123 4567"]


def test_nothing_personal_in_any_report_file(tmp_path):
    """ids and channels were never masked in report.json; customer ids were in bad-row previews."""
    files = _report(tmp_path)
    assert set(files) >= {"report.html", "report.json", "messages.csv", "bad_rows.csv", "gaps.csv"}
    for name, body in files.items():
        for s in SECRETS:
            assert s not in body, (name, s)
    data = json.loads(files["report.json"])
    ids = [m["id"] for m in data["messages"]]
    assert ids == ["[EMAIL]", "[PHONE]", "msg-0003", "msg-0004"]   # codes stay, personal data goes
    assert {m["channel"] for m in data["messages"]} == {"whatsapp:[PHONE]", "sms [PHONE]", "email"}
    assert all(g["id"].startswith("gap-") for g in data["gaps"])   # not taken for order codes
    gaps_csv = list(csv.DictReader(files["gaps.csv"].splitlines()))
    assert gaps_csv and all(r["gap_id"].startswith("gap-") for r in gaps_csv)


def test_names_are_in_the_report_by_default_and_gone_with_the_option(tmp_path):
    plain = _report(tmp_path)
    assert "Kovács Anna" in plain["report.json"]  # names are not claimed by default (docs/robustness.md)
    masked = _report(tmp_path, mask_names=True)
    for body in masked.values():
        for name in ("Kovács", "Margaret Ellis", "Jonas Weber"):
            assert name not in body
