"""Register detection (formal/informal) per language: realistic customer messages written for
these tests (typos, missing diacritics, emoji, lower-case chat, Cyrillic), and the hard cases.

An informal message must come out "informal"; a formal one "formal" or None (None = no
evidence; the drafter then uses the brand default, formal).
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from replyassist.drafting import detect_register
from replyassist.drafting.register import RegisterResult, register_languages
from replyassist.errors import InputError

INFORMAL: dict[str, list[str]] = {
    "en": [
        "hey, my order still hasnt shown up, can u check? thx",
        "hi guys!! just got the parcel but the mug is smashed 😭 what do i do now",
        "yo where's my stuff lol, tracking says delivered but nothing here",
        "omg the dress is sooo nice but way too big, can i swap it for a smaller one?",
        "does anyone know if the blender is dishwasher safe? manual doesn't say",
        "pls help, cant log in since yesterday, keeps saying wrong password 🙄",
        "cheers for the quick reply mate, got it sorted",
        "wtf, charged twice for the same order?? sort it out pls",
        "Hiya! Gonna order a gift for my mum, can you wrap it? 🎁",
        "ur app keeps crashing when i open the basket, iphone 12 btw",
    ],
    "de": [
        "Hey, kannst du mal schauen wo mein Paket bleibt? Warte seit einer Woche",
        "hallo, hab gestern bestellt aber keine bestätigung bekommen. ist das normal?",
        "Moin! Könnt ihr mir sagen, ob der Mixer auch in Schwarz kommt? 😊",
        "Servus, die Jacke ist leider zu klein, kann ich die einfach zurückschicken?",
        "Hi Leute, wie lange dauert bei euch die Lieferung nach Österreich?",
        "paket ist da aber der deckel ist kaputt 😡 was jetzt??",
        "Hat jemand Erfahrung mit dem Akkusauger von euch? Lohnt sich der?",
        "Danke dir für die schnelle Hilfe! LG Jana",
        "Hallo ihr Lieben, mein Gutschein funktioniert nicht 🙈 habt ihr ne Idee?",
        "Ihr habt mir die falsche Größe geschickt. Könnt ihr das tauschen?",
    ],
    "hu": [
        "szia! meg tudod nézni hol tart a csomagom? 2 hete rendeltem",
        "Sziasztok, a kupon nem működik a kosárban, tudnátok segíteni? 🙏",
        "hali, rossz méretet küldtetek, hogyan tudom visszaküldeni?",
        "csá! van nálatok még a fekete bakancs 42-esben?",
        "Helló! Megjött a csomag, de a bögre összetört 😢 mit csináljak?",
        "nem tudok belepni az appba, mindig hibat ir ki. mit csinaljak?",
        "Megnéznéd légyszi, hogy feladták-e már a rendelésemet? Köszi!",
        "Tudja valaki, hogy a porszívóhoz lehet külön szűrőt venni?",
        "Kérlek, küldjétek el újra a számlát, mert nem kaptam meg 🙂",
        "te, ez komoly hogy 3 napja nem válaszol senki??",
    ],
    "sr-Latn": [
        "ćao, možeš li da proveriš gde mi je paket? Čekam već nedelju dana",
        "e jel mozete da mi kazete kad stize porudzbina, platio sam pre 5 dana",
        "zdravo, imate li ovu jaknu u M? 😊",
        "hej, stigla mi je pogrešna boja, kako da vratim?",
        "pozz ljudi, da li neko zna da li ovaj usisivač radi sa ovim filterom?",
        "sta je bre sa mojom porudzbinom, nista ne stize 😡",
        "Jel ima dostava za Novi Sad u subotu? Hvala ti!",
        "pošalji mi molim te ponovo račun, nije stigao na mejl",
        "brate, naplatili ste mi dva puta istu stvar?? vratite pare",
    ],
    "sr-Cyrl": [
        "ћао, можеш ли да провериш где ми је пакет?",
        "здраво, имате ли ову јакну у М величини? 😊",
        "хеј, стигла ми је погрешна боја, како да вратим?",
        "е јел можете да ми кажете кад стиже поруџбина",
        "пошаљи ми молим те поново рачун, није стигао на мејл",
        "Брате, наплатили сте ми два пута исту ствар?? Вратите паре",
        "зна ли неко да ли овај усисивач ради са овим филтером? 🙏",
        "јао, шоља је стигла разбијена 😢 шта сад да радим",
        "Здраво! Да ли знаш кад ће бити акција на патике?",
    ],
    "hr": [
        "bok, možeš li provjeriti gdje mi je paket? čekam već tjedan dana",
        "Bok ekipa! Imate li ovu jaknu u M? 😊",
        "hej, stigla mi je kriva boja, kako da vratim?",
        "e jel mozete provjerit kad stize narudzba, platila sam prije 5 dana",
        "zna li netko radi li ovaj usisavač s tim filterom?",
        "pošalji mi molim te ponovno račun, nije stigao na mail",
        "ajme, šalica je stigla razbijena 😢 što sad",
        "Hvala ti puno na pomoći!! 🙏",
        "di mi je paket vec tjedan dana, nista ne stize",
    ],
    "bs": [
        "ćao, možeš li provjeriti gdje mi je paket? čekam sedmicu dana",
        "Zdravo, imate li ovu jaknu u M? 😊",
        "e jel mozete provjerit kad stize narudzba, platio sam prije 5 dana",
        "hej ljudi, stigla mi je pogrešna boja, kako da vratim?",
        "pozdrav, jel ima dostava u Tuzlu u subotu? hvala ti",
        "pošalji mi molim te ponovo račun, nije stigao na mail",
        "ima li neko iskustva sa ovim usisivačem? 🙏",
        "šta je bre sa mojom narudžbom, ništa ne stiže 😡",
        "Здраво, можеш ли да ми кажеш гдје је пакет?",
    ],
}

FORMAL: dict[str, list[str]] = {
    "en": [
        "Dear Sir or Madam,\nI placed order 4711 two weeks ago and have not yet received it. "
        "I would be grateful for an update.\nKind regards,\nJohn Smith",
        "Good afternoon,\nCould you please confirm whether the blender is dishwasher safe?\nMany thanks,\nAnne",
        "To whom it may concern,\nI wish to complain about the condition in which my parcel arrived.",
        "Hello,\nI am writing to request a refund for order 5521, which arrived damaged.\nBest regards,\nP. Jones",
        "I would appreciate it if you could send me a copy of the invoice.\nSincerely,\nMark Brown",
        "Where is my order? I placed it on Monday.",
        "Dear team, I have been waiting three weeks for my order!! Please advise.\nRegards, Tom",
        "Good morning, would you kindly let me know when the sofa will be back in stock?",
        "Hi, I was charged twice for order 8812. Could you please refund the duplicate payment? "
        "Kind regards, Sarah",
    ],
    "de": [
        "Sehr geehrte Damen und Herren,\nleider ist meine Bestellung 4711 noch nicht angekommen. "
        "Könnten Sie bitte nachsehen?\nMit freundlichen Grüßen\nJonas Weber",
        "Guten Tag, ich möchte die Jacke zurückgeben. Wie gehe ich vor?",
        "Sie haben mir die falsche Größe geschickt. Bitte tauschen Sie die Ware um.",
        "Guten Tag,\nwürden Sie mir bitte eine Rechnung mit Firmenadresse ausstellen?\nFreundliche Grüße\nA. Krüger",
        "Ich warte seit drei Wochen auf meine Bestellung! Bitte teilen Sie mir den Stand mit.",
        "Hallo, können Sie mir sagen, ob der Mixer auch in Schwarz erhältlich ist? Vielen Dank im Voraus.",
        "Sehr geehrtes Kundenservice-Team, Ihre Sendungsverfolgung zeigt seit Tagen keinen neuen Status.",
        "Die Lieferung kam gestern. Sie war leider beschädigt. Wie soll ich nun vorgehen? "
        "Mit freundlichen Grüßen, Petra Schulz",
        "Wo bleibt meine Bestellung?",
    ],
    "hu": [
        "Tisztelt Ügyfélszolgálat!\nA 4711-es rendelésem még nem érkezett meg. Tudnának segíteni?\n"
        "Üdvözlettel:\nKovács Anna",
        "Jó napot kívánok! Meg tudná nézni, hol tart a csomagom? Előre is köszönöm.",
        "Kérem, küldjék el újra a számlát, mert az előző nem érkezett meg.\nTisztelettel: Nagy Péter",
        "Tisztelt Cím! Önöknél rendeltem egy porszívót, de hibásan érkezett.",
        "Jó napot! Ön tudja, hogy mikor lesz újra raktáron a fekete bakancs?",
        "Szeretném jelezni, hogy a csomag sérülten érkezett. Kérem, szíveskedjenek intézkedni.",
        "Jó napot! Két hete rendeltem egy kabátot, de még nem érkezett meg. Megnézné, kérem, hol tart?",
        "Hol van a csomagom?",
        "Kedves Ügyfélszolgálat! Érdeklődni szeretnék, hogy a kupon mikor jár le. Köszönettel: Tóth Éva",
    ],
    "sr-Latn": [
        "Poštovani,\nmožete li mi reći gde je moja porudžbina 4711?\nS poštovanjem,\nMarko Petrović",
        "Dobar dan, molim Vas da mi pošaljete račun za porudžbinu 5521. Unapred zahvaljujem.",
        "Poštovani, da li biste mogli da proverite status moje pošiljke? Srdačan pozdrav, Ana",
        "Dobar dan,\nporudžbina mi je stigla oštećena. Molim Vas za uputstvo kako da je vratim.",
        "Postovani, mozete li mi javiti kada ce porudzbina biti isporucena? Hvala unapred.",
        "Vi ste mi poslali pogrešnu veličinu, a ja Vas molim da to ispravite.",
        "Gde je moja porudžbina?",
        "Poštovana gospođo Jović, hvala na brzom odgovoru. Lep pozdrav, Dragan",
        "Pozdrav,\nmi smo mala firma iz Čačka i zanima nas saradnja sa vašom prodavnicom.\nHvala, Milan",
    ],
    "sr-Cyrl": [
        "Поштовани,\nможете ли ми рећи где је моја поруџбина 4711?\nС поштовањем,\nМарко Петровић",
        "Добар дан, молим Вас да ми пошаљете рачун за поруџбину 5521. Унапред захваљујем.",
        "Поштовани, да ли бисте могли да проверите статус моје пошиљке? Срдачан поздрав, Ана",
        "Добар дан,\nпоруџбина ми је стигла оштећена. Молим Вас за упутство како да је вратим.",
        "Где је моја поруџбина?",
        "Поштована госпођо Јовић, хвала на брзом одговору. Леп поздрав, Драган",
        "Добар дан, желео бих да откажем поруџбину 6120. Хвала унапред, Никола Илић",
        "Поштовани, Ваша апликација не ради већ два дана. Молим Вас да то проверите.",
    ],
    "hr": [
        "Poštovani,\nmožete li mi reći gdje je moja narudžba 4711?\nS poštovanjem,\nIvana Horvat",
        "Dobar dan, molim Vas da mi pošaljete račun za narudžbu 5521. Unaprijed zahvaljujem.",
        "Poštovani, biste li mogli provjeriti status moje pošiljke? Srdačan pozdrav, Ana",
        "Dobar dan,\nnarudžba mi je stigla oštećena. Molim Vas uputu kako je vratiti.",
        "Postovani, mozete li mi javiti kada ce narudzba biti isporucena? Hvala unaprijed.",
        "Vi ste mi poslali krivu veličinu, a ja Vas molim da to ispravite.",
        "Gdje je moja narudžba?",
        "Poštovana gospođo Kovač, hvala na brzom odgovoru. Lijep pozdrav, Tomislav",
        "Dobra večer, zanima me imate li ovaj usisavač na zalihi. Lijep pozdrav, Marija Babić",
    ],
    "bs": [
        "Poštovani,\nmožete li mi reći gdje je moja narudžba 4711?\nS poštovanjem,\nAmra Hodžić",
        "Dobar dan, molim Vas da mi pošaljete račun za narudžbu 5521. Unaprijed zahvaljujem.",
        "Poštovani, da li biste mogli provjeriti status moje pošiljke? Srdačan pozdrav, Emir",
        "Dobar dan,\nnarudžba mi je stigla oštećena. Molim Vas za uputu kako da je vratim.",
        "Postovani, mozete li mi javiti kada ce narudzba biti isporucena? Hvala unaprijed.",
        "Gdje je moja narudžba?",
        "Poštovana gospođo Hadžić, hvala na brzom odgovoru. Lijep pozdrav, Adnan",
        "Поштовани, можете ли ми рећи гдје је моја наруџба? С поштовањем, Лазар",
    ],
}


def _lang(key: str) -> str:
    return key.split("-")[0]


@pytest.mark.parametrize("key,text", [(k, t) for k, ts in INFORMAL.items() for t in ts])
def test_informal_customers(key: str, text: str) -> None:
    res = detect_register(text, _lang(key))
    assert res.register == "informal", (res.formal_score, res.informal_score, res.evidence)


@pytest.mark.parametrize("key,text", [(k, t) for k, ts in FORMAL.items() for t in ts])
def test_formal_customers(key: str, text: str) -> None:
    res = detect_register(text, _lang(key))
    assert res.register in ("formal", None), (res.formal_score, res.informal_score, res.evidence)


def test_every_language_has_enough_examples() -> None:
    for table in (INFORMAL, FORMAL):
        assert set(table) == {"en", "de", "hu", "sr-Latn", "sr-Cyrl", "hr", "bs"}
        assert all(len(v) >= 8 for v in table.values())


# ------------------------------------------------------------------------------ hard cases


@pytest.mark.parametrize("lang,text,expected", [
    # formal plural "možete li" in a polite e-mail: formal, not "a team in chat style"
    ("sr", "Poštovani,\n\nmožete li mi javiti kada će biti isporučena porudžbina 4711?\n\n"
           "Unapred hvala,\nJelena Marković", "formal"),
    ("hr", "Dobar dan,\nmožete li provjeriti moju narudžbu? Hvala unaprijed.\nLijep pozdrav,\nIvan Perić", "formal"),
    # ... while the same plural in chat style (no capitals, no diacritics, "e", "jel") is informal
    ("hr", "e jel mozete provjerit moju narudzbu", "informal"),
    # "Sie" at sentence start: formal you ...
    ("de", "Sie haben mir die falsche Farbe geschickt. Bitte tauschen Sie den Artikel um.", "formal"),
    ("de", "Sie können mir glauben, das Paket war leer.", "formal"),
    # ... or "she/it" (the parcel, the jacket) in a du-message
    ("de", "hey, hab die jacke bekommen. Sie ist leider zu klein, kannst du mir ne größere schicken?", "informal"),
    ("de", "Die Lieferung kam gestern. Sie war beschädigt.", None),
    # capitalised "Ihr" at sentence start before a 2nd person plural verb: "you all" (informal)
    ("de", "Ihr habt mir das falsche Modell geschickt. Könnt ihr das tauschen?", "informal"),
    ("de", "Ihr Paketdienst hat das Paket beim Nachbarn abgegeben.", "formal"),
    # Hungarian formal without Ön, by verb forms only
    ("hu", "Két hete rendeltem egy kabátot. Megnéznék, hol tart? Előre is köszönöm.", None),
    ("hu", "Két hete rendeltem egy kabátot, de nem érkezett meg. Megnézné, hol tart? Köszönöm.", "formal"),
    ("hu", "Tudnák jelezni, mikor szállítják ki a rendelésemet?", "formal"),
    ("hu", "Elnézést a zavarásért, szíveskedjen visszahívni a megadott számon.", "formal"),
    # Hungarian informal by verb forms only
    ("hu", "Megnéznéd, hol tart a rendelésem?", "informal"),
    ("hu", "Elküldenétek újra a számlát?", "informal"),
    # capitalised Vi/Vas inside a sentence is formal; a lone "Pozdrav" opener is no evidence
    ("hr", "Zanima me šaljete li i u Austriju, jer Vas nisam mogao dobiti telefonom.", "formal"),
    ("sr", "Pozdrav, zanima nas saradnja sa vašom prodavnicom.", None),
    # style only, weighted below words: "Sie" in a lower-case chat stays formal
    ("de", "hallo, können Sie mal schauen wo mein paket ist 😅", "formal"),
    ("en", "Where is my order?", None),
    ("en", "I have been waiting for three weeks!!", None),
    # words that only look like cues: Serbian "poslat" (sent) is not a Croatian chat infinitive,
    # "Kovácsné" is a name, not a formal verb; "cool" in a product question is no evidence
    ("sr", "Paket još nije poslat, a platio sam pre deset dana.", None),
    ("hu", "Kovácsné Nagy Anna vagyok, a rendelésem nem érkezett meg.", None),
    ("en", "Should the blender be kept in a cool, dry place?", None),
    ("de", "Die Jacke ist zu klein. Sie passt meinem Sohn nicht.", None),
])
def test_hard_cases(lang: str, text: str, expected: str | None) -> None:
    res = detect_register(text, lang)
    assert res.register == expected, (res.formal_score, res.informal_score, res.evidence)


# ------------------------------------------------------------------------------ API


def test_bosnian_and_montenegrin_use_the_south_slavic_cues() -> None:
    assert detect_register("Bok, možeš li mi reći gdje je paket?", "bs").register == "informal"
    assert detect_register("Ćao, možeš li da mi kažeš gde je paket?", "me").register == "informal"
    assert detect_register("Poštovani, molim Vas informaciju o narudžbi.", "me").register == "formal"
    assert {"bs", "me", "sr", "hr"} <= set(register_languages())


def test_locale_codes_and_unknown_languages() -> None:
    assert detect_register("Hallo, kannst du mir helfen?", "de-AT").register == "informal"
    assert detect_register("Hallo, kannst du mir helfen?", "de_CH").register == "informal"
    # no word lists for French: style cues only
    assert detect_register("salut, c'est quand la livraison?? 😅😅", "fr").register == "informal"
    assert detect_register("Bonjour, quand arrive ma commande ?", "fr").register is None
    assert detect_register("hey whats up", None).register == "informal"


def test_result_shape_and_evidence() -> None:
    res = detect_register("szia! tudnál segíteni? 🙏", "hu")
    assert isinstance(res, RegisterResult)
    assert res.register == "informal" and res.informal_score > res.formal_score
    assert "informal:szia" in res.evidence and "style:emoji" in res.evidence
    d = res.to_dict()
    assert d["register"] == "informal" and isinstance(d["evidence"], list)
    # Cyrillic evidence is reported in the customer's own script
    cyr = detect_register("Здраво, можеш ли да ми кажеш где је пакет?", "sr")
    assert "informal:можеш" in cyr.evidence


def test_cancelled_cues_are_not_evidence() -> None:
    res = detect_register("Die Jacke ist zu klein. Sie passt nicht.", "de")
    assert res.evidence == () and res.register is None
    res = detect_register("Ihr habt mir das falsche Modell geschickt.", "de")
    assert "informal:Ihr" in res.evidence and not any(e.startswith("formal:") for e in res.evidence)


def test_empty_and_bad_input() -> None:
    assert detect_register("", "de") == RegisterResult(None, 0.0, 0.0, ())
    assert detect_register("   ", "hu").register is None
    with pytest.raises(InputError):
        detect_register(None, "de")  # type: ignore[arg-type]
    # broken input (a lone surrogate) does not stop the tokeniser
    assert detect_register("Hallo \ud800, kannst du mir helfen?", "de").register == "informal"


def test_deterministic() -> None:
    text = "e jel mozete da mi kazete gde je paket 😅"
    assert len({detect_register(text, "sr") for _ in range(3)}) == 1


# ------------------------------------------------------------------------------ labelled set

_DRAFT_SET = Path(__file__).resolve().parent.parent / "benchmarks" / "draft_set"


def _draft_set_rates() -> dict[tuple[str, str], tuple[int, int]]:
    """(language[-script], register) -> (recognised, total) on benchmarks/draft_set/*.tsv."""
    out: dict[tuple[str, str], list[int]] = {}
    for path in sorted(_DRAFT_SET.glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                label, lang, text = row.get("register"), row.get("language") or "", row.get("text") or ""
                if label not in ("formal", "informal") or not text:
                    continue
                key = lang + ("-" + (row.get("script") or "") if lang == "sr" else "")
                got = detect_register(text.replace("\\n", "\n"), lang).register
                ok = got == "informal" if label == "informal" else got in ("formal", None)
                cell = out.setdefault((key, label), [0, 0])
                cell[0] += int(ok)
                cell[1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def test_labelled_draft_set_at_least_90_percent_per_class() -> None:
    rates = _draft_set_rates()
    if not rates:
        pytest.skip(f"no labelled messages in {_DRAFT_SET}")
    low = {k: f"{ok}/{n}" for k, (ok, n) in rates.items() if n >= 10 and ok / n < 0.9}
    assert not low, low
