from __future__ import annotations

import pytest

from replyassist.errors import InputError
from replyassist.text import decode_bytes, find_pii, mask_pii, prepare_message


@pytest.mark.parametrize("text", ["", "   ", "\n\t \r\n", "\x00\x01\x7f", "\u200b\ufeff"])
def test_empty_messages_raise_clear_error(text):
    with pytest.raises(InputError) as ei:
        prepare_message(text)
    assert ei.value.code == "E101" and "empty" in str(ei.value)


def test_not_a_string():
    with pytest.raises(InputError, match="Expected the message as str, got bytes"):
        prepare_message(b"hello")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="got NoneType"):
        prepare_message(None)  # type: ignore[arg-type]


def test_control_characters_and_whitespace():
    p = prepare_message("Wo\x00 ist \x1b mein\u200b   Paket?\r\n\r\n\r\n\r\nDanke")
    assert p.text == "Wo ist mein Paket?\n\nDanke"


def test_emoji_only_is_kept():
    p = prepare_message("😡😡🔥")
    assert p.text == "😡😡🔥" and p.clean == "😡😡🔥"


def test_huge_message_truncated_not_rejected():
    p = prepare_message("Hol van a csomagom? " * 60000)   # ~1.2 MB
    assert p.truncated and len(p.text) <= 20000
    assert p.text.startswith("Hol van a csomagom?")
    assert not prepare_message("short").truncated


def test_lone_surrogates_replaced():
    p = prepare_message("abc\udcff def")
    assert "\ufffd" in p.text


def test_clean_removes_quotes_signatures_urls_mentions():
    msg = ("@KosaricaShop Hallo, wo ist meine Bestellung 4711? #lieferung https://t.co/abc\n"
           "\nAm 12.05.2024 schrieb Kosarica <info@kosarica.example>:\n> Vielen Dank für Ihre Bestellung\n"
           "-- \nJonas Weber\nTel +49 170 1234567")
    p = prepare_message(msg)
    assert p.clean == "Hallo, wo ist meine Bestellung? lieferung"  # the bare order number is not for the models
    kinds = [s.kind for s in p.pii]
    assert {"order_id", "url", "email", "phone"} <= set(kinds)
    sig = prepare_message("Where is my refund?\n\nSent from my iPhone")
    assert sig.clean == "Where is my refund?"


def test_only_quoted_text_is_not_lost():
    p = prepare_message("> the previous message only")
    assert p.clean == "> the previous message only"


def test_pii_masking():
    t = "Pišite na ana.petrovic@example.rs ili +381 64 123 4567, porudžbina 123456, IBAN HU42 1177 3016 1111 1018 0000 0000"
    masked = mask_pii(t)
    assert "ana.petrovic" not in masked and "123 4567" not in masked and "123456" not in masked
    assert "[EMAIL]" in masked and "[PHONE]" in masked and "[ORDER_ID]" in masked and "[IBAN]" in masked
    assert find_pii("nothing here") == ()


def test_decode_bytes():
    assert decode_bytes("Grüße".encode()) == "Grüße"
    assert decode_bytes(b"\xef\xbb\xbfhi") == "hi"
    with pytest.raises(InputError, match="not valid UTF-8.*0xff at offset 3"):
        decode_bytes(b"abc\xff", source="standard input")
    assert decode_bytes(b"abc\xff", errors="replace") == "abc\ufffd"


def test_identifiers_kept_out_of_model_text_but_found():
    p = prepare_message("Rendelésszám: 123456, hol van? Írjon: kovacs.anna@example.hu, +36 30 123 4567")
    assert "123456" not in p.clean and "kovacs" not in p.clean and "4567" not in p.clean
    assert {s.kind for s in p.pii} == {"order_id", "email", "phone"}
    assert "123456" in p.text
    assert prepare_message("Der Code SAVE-2024 geht nicht").clean == "Der Code SAVE-2024 geht nicht"
