"""Lexicons that know each language: ordinary sentences with look-alike words give no cue (also
when read by the lexicons of the other languages that share the script), real incidents do.

Every message here is written for these tests (no evaluation data): chat-style, typos, no
diacritics, emoji, Cyrillic. Cross-language reading matters because a message whose language is
unknown is read by every lexicon, and a message in de/hu/sr/hr/bs also by the English one.
"""
from __future__ import annotations

import numpy as np
import pytest

from replyassist.signals import ModerationResult, SignalAnalyzer, SignalSettings
from replyassist.signals.escalation import decide, detect_cues
from replyassist.signals.lexicon import find_all
from replyassist.signals.moderation import Moderator
from replyassist.signals.sentiment import SentimentResult, apply_sarcasm, detect_sarcasm

SETTINGS = SignalSettings()
STEMS = ("en", "de", "hu", "bcms")
LEXICON_CUES = ("safety", "legal", "public", "churn", "repeated_contact", "urgency")

# Ordinary customer sentences whose words look like cues (in this language or another one that
# shares the script). Neither the own-language lexicons nor any other Latin-script lexicon may fire.
ORDINARY: dict[str, list[str]] = {
    "en": [
        "What brand is the kettle? I'd like a gift card for my mum too.",
        "The screen is a bit dim in the evening, is there a night mode?",
        "You guys are on fire today, thanks for the quick help! 🔥",
        "I'm just killing time until the courier arrives, no rush.",
        "Can I fire up the grill straight away or does it need assembly?",
        "Did my parcel get lost? The tracking hasn't moved since Monday.",
        "The dress is drop dead gorgeous, do you have it in blue?",
        "Do you sell jerk chicken seasoning and pigs in blankets for Christmas?",
        "Is this plant toxic for cats? Asking before I order.",
        "Is the heater safe for a child's room?",
        "Got a finger prick test kit last week, how do I order refills?",
        "Will I find the receipt in the app or by email?",
        "This deal sparks joy, ordering two!",
        "My dad is in hospital so I'm ordering for him, can you deliver to my address?",
        "The glass bowl arrived broken, can you send a new one?",
        "The colours bleeding in the wash, is this shirt colourfast?",
        "Is the box thick enough? In German 'dick' means thick, lol.",
        "I spoke with a lawyer friend and she said I can return it within 14 days, is that right?",
        "Can I cancel order 4471? Wrong size.",
        "My internet was cut off after the storm, is there an outage?",
        "sorry to write again, I forgot to attach the receipt",
        "Until today I thought the sale ended on Sunday, can I still use the code?",
        "pls close my account, I'm moving abroad. thx",
        "I saw your post on Facebook about the discount, does it apply to kettles?",
        "This is the second time I've ordered from you, love it!",
        "Nobody answers the door at the depot, is it open today?",
        "The price gave me a shock, any discount codes?",
    ],
    "de": [
        "Welche Marke hat das Gerät? Ist das Gift für Katzen oder unbedenklich?",
        "Ich bin Feuer und Flamme für die neue Kollektion!",
        "Das Paket wurde dem Zusteller übergeben, wann kommt es an?",
        "Die Preise sind ja explodiert, gibt es bald wieder Rabatt?",
        "Kann ich das Regal an die Wand stellen oder muss ich es aufhängen?",
        "Wir bringen sie um 10 Uhr vorbei, passt das?",
        "Ich schlage hier nur die Zeit tot, bis die Lieferung kommt.",
        "Ist das 6er-Pack Batterien wieder lieferbar?",
        "Habt ihr ein Mittel gegen Zecken und Parasiten für Hunde?",
        "Die Jacke ist leider schlecht genäht, ich möchte sie umtauschen.",
        "Die Lampe brennt nicht mehr, brauche ich ein neues Leuchtmittel?",
        "Die Schokolade ist bei der Hitze geschmolzen, kann ich sie zurückgeben?",
        "Der Karton ist zu dick für den Briefkasten.",
        "Der Automat hat meine Karte verschluckt, wer hilft mir?",
        "Ist das gefährlich für Kinder?",
        "Ein befreundeter Anwalt meinte, ich habe 14 Tage Widerrufsrecht. Stimmt das?",
        "Mein Kabelfernsehen geht nicht, ist eine Störung bekannt?",
        "Meine Zeitung kam heute nicht an.",
        "Das Bad ist klein, passt der Heizkörper trotzdem?",
        "Das war das letzte Mal, dass ich so lange für ein Geschenk gesucht habe, super Auswahl!",
        "Entschuldigung, dass ich nochmal schreibe, ich habe den Anhang vergessen.",
        "Wie kann ich mein Abo kündigen? Ich ziehe um.",
        "Ich habe Ihre Anzeige in der Zeitung gesehen, gilt das Angebot noch?",
        "Ich habe am 3. und 10. Mai Urlaub, können Sie davor liefern?",
        "Am Montag und Mittwoch bin ich zu Hause.",
        "Mein Mann hat früher geraucht, riecht man das an der Jacke?",
    ],
    "hu": [
        "Milyen a tűzhely teljesítménye? És a füstölt sonka mikor lesz újra?",
        "Hányas méret a legnagyobb ebből a cipőből?",
        "A csomag sérült volt, de a termék rendben van.",
        "Gyönyörű kék az ég, végre megjött a napernyő is!",
        "Bomba ár, bombajó termék, köszönöm!",
        "Mi újság a rendelésemmel? Még nem kaptam értesítést.",
        "Nem kapcsol be a televízió, mit tegyek?",
        "A Media Markt-ban láttam olcsóbban, tudnak árat egyeztetni?",
        "Felmondta a szolgálatot a mosógép, javítják garanciában?",
        "Ez egy selejt darab, kérem cseréljék ki.",
        "A gyökerek rohadnak a virágföldben, mit javasolnak?",
        "Erős a basszus ezen a hangszórón?",
        "Mocskos volt a doboz, de a termék ép.",
        "Van tetű elleni samponjuk és patkányméreg?",
        "Kiégett az izzó a lámpában, lehet külön kapni?",
        "Veszélyes ez a gyereknek?",
        "Az automata lenyelte a kártyámat.",
        "Megtaláljuk a megoldást, ugye? 🙂",
        "Egy jogász ismerősöm szerint 14 napom van elállni. Így van?",
        "Váltok egy másik méretre, ha lehet.",
        "Megolvadt a csoki a melegben, visszaküldhetem?",
        "Már próbáltam újraindítani, de nem segített.",
        "Elnézést, hogy újra írok, kimaradt a számla a levélből.",
        "Hogyan tudom lemondani az előfizetést? Külföldre költözöm.",
    ],
    "sr": [
        "Za koliko dana mogu da očekujem povraćaj novca?",
        "За колико дана могу да очекујем повраћај новца?",
        "Koliki je rok za povraćaj robe i povraćaj PDV-a?",
        "Kada će mi vratiti novac? Vratio sam paket u ponedeljak.",
        "Imate li svinjski vrat i svinjetinu za roštilj?",
        "Hrana za stoku stiže sutra?",
        "Crkla mi je baterija na daljinskom, koju da kupim?",
        "Gubi se signal na ruteru svako veče.",
        "Začepio se odvod na mašini za sudove, šta da radim?",
        "Deca su mi bolesna, oni su bolesni pa ne mogu da preuzmem paket.",
        "Zapalila se crvena lampica na bojleru, da li je to normalno?",
        "Izgorela mi je sijalica u frižideru, da li se prodaje posebno?",
        "Bankomat mi je progutao karticu, a htela sam da platim pouzećem.",
        "Da li je ovo opasno za decu?",
        "Da li je posuda vatrootporna?",
        "Kablovska televizija ne radi od jutros.",
        "Ubijam vreme dok čekam kurira 😄",
        "Bomba cena za ovaj usisivač, uzimam dva!",
        "Drugi put ću naručiti ranije.",
        "Pošaljite račun na drugi mejl, molim vas.",
        "Regulator temperature na pegli ne radi.",
        "Kanta za smeće je stigla, hvala!",
        "Izvinite što ponovo pišem, zaboravila sam da priložim račun.",
        "Kako da otkažem pretplatu? Selim se u inostranstvo.",
        "Do danas nisam znala da imate i prodavnicu u Nišu, super!",
        "Video sam reklamu na televiziji, važi li popust i onlajn?",
        "Sud za pečenje je stigao, hvala.",
        "Nisam kod kuće 3. i 10. marta, možete li posle?",
        "U ponedeljak i sredu sam kod kuće.",
    ],
    "hr": [
        "Kada mogu očekivati povrat novca za vraćenu haljinu?",
        "Prolivena je kava po kutiji, ali proizvod je ok.",
        "Isjekla sam kupon iz kataloga, vrijedi li još?",
        "Je li ova tava vatrootporna i ide li u pećnicu?",
        "Zapalilo se svjetlo na perilici, što to znači?",
        "Plamenik na štednjaku slabo gori, koji dio trebam?",
        "Dim light na lampi, ima li jaču žarulju?",
        "Novina u aplikaciji mi se sviđa, bravo! 👏",
        "Vidjela sam oglas u novinama, imate li još taj model?",
        "Lampica se zapalila crveno, što to znači?",
    ],
    # Slovenian shares the Latin script with BCMS (read by every lexicon when undetected)
    "sl": [
        "Kdaj bo vračilo denarja za vrnjeno obleko?",
        "Super, hvala za hitro dostavo, pošiljka je prišla v dveh dneh!",
        "Ali je ta grelec primeren za otroško sobo? Ni nevaren?",
        "Kje je moja pošiljka? Naročila sem prejšnji teden.",
        "Ali imate ta šal tudi v modri barvi za vrat?",
    ],
    "bs": [
        "Kad stiže povrat para za vraćeni telefon?",
        "Kuhinjski vrat od svinjetine imate li?",
        "Mašina je prosula vodu jer se začepio filter.",
        "Osigurač je pregorio nakon oluje, treba li mi novi?",
    ],
}

# Real incidents: each must give the cue named (level urgent for safety, in the real pipeline below).
INCIDENTS: list[tuple[str, str, str]] = [
    # safety
    ("en", "The charger caught fire while my son was using it!!", "safety"),
    ("en", "my daughter cut her hand on the glass lid, it just shattered and she needed stitches", "safety"),
    ("en", "Got an electric shock from the kettle this morning, my arm is still tingling", "safety"),
    ("en", "the plug melted and there was a burning smell", "safety"),
    ("en", "Our toddler swallowed a magnet from the toy set", "safety"),
    ("de", "Das Ladegerät hat Feuer gefangen, die Feuerwehr war da.", "safety"),
    ("de", "Mein Sohn hat sich an der Glasschüssel geschnitten und musste genäht werden.", "safety"),
    ("de", "Habe beim Einschalten einen Stromschlag bekommen.", "safety"),
    ("de", "Der Akku ist explodiert, überall Rauch!", "safety"),
    ("de", "Nach dem Verzehr musste ich mich übergeben, Lebensmittelvergiftung.", "safety"),
    ("hu", "Kigyulladt a töltő az éjjel, szerencsére észrevettük.", "safety"),
    ("hu", "A lányom megvágta a kezét az üveggel, ügyeletre kellett vinnünk.", "safety"),
    ("hu", "Áramütés ért, amikor hozzáértem a radiátorhoz.", "safety"),
    ("hu", "fust jott ki a hajszaritobol es szikrazott", "safety"),
    ("hu", "A kisfiam rosszul lett és hányt a joghurttól.", "safety"),
    ("sr", "Punjač se zapalio noćas, izgoreo je i deo stola.", "safety"),
    ("sr", "Дете се посекло на стакло, морали смо на хитну.", "safety"),
    ("sr", "udarila me struja kad sam uključila bojler", "safety"),
    ("sr", "Dete je povraćalo celu noć posle tog soka.", "safety"),
    ("hr", "Dijete je povraćalo i moralo je u bolnicu nakon jogurta.", "safety"),
    ("hr", "Iz utičnice su letjele iskre i osjetio se miris paljevine.", "safety"),
    ("bs", "ketler me udario strujom kad sam ga ukljucio", "safety"),
    ("bs", "Osjeti se miris plina otkako je serviser bio.", "safety"),
    # repeated contact: dates and counts
    ("en", "I wrote on 3 and 10 March and nobody replied.", "repeated_contact"),
    ("en", "I emailed you on March 3rd, 10th and 17th about the refund.", "repeated_contact"),
    ("en", "This is my fourth e-mail about order 5512.", "repeated_contact"),
    ("en", "fourth email now, still nothing", "repeated_contact"),
    ("de", "Ich habe am 2., 9. und 16. Mai geschrieben.", "repeated_contact"),
    ("de", "Das ist meine vierte E-Mail zu dieser Bestellung.", "repeated_contact"),
    ("de", "Habe am 3.3. und am 10.3. angerufen, keiner meldet sich.", "repeated_contact"),
    ("hu", "Már negyedszer írok ugyanemiatt.", "repeated_contact"),
    ("hu", "Március 3-án és 10-én is írtam, de nem kaptam választ.", "repeated_contact"),
    ("hu", "Ez már a negyedik e-mail, amit küldök.", "repeated_contact"),
    ("sr", "Ovo je četvrti mejl koji vam šaljem.", "repeated_contact"),
    ("sr", "Писао сам вам 3. и 10. марта, без одговора.", "repeated_contact"),
    ("hr", "Pisala sam 23. veljače i 2. ožujka, nitko se ne javlja.", "repeated_contact"),
    ("bs", "Ovo je moja treća poruka, javite se.", "repeated_contact"),
    ("en", "I called on Monday and again on Wednesday, nothing", "repeated_contact"),
    ("en", "I keep getting the same automated reply", "repeated_contact"),
    ("de", "Ich habe am Montag und am Mittwoch angerufen", "repeated_contact"),
    ("de", "Ich bekomme immer nur die gleiche automatische Antwort", "repeated_contact"),
    ("hu", "Hétfőn és szerdán is hívtam", "repeated_contact"),
    ("sr", "Zvala sam u ponedeljak i opet u sredu", "repeated_contact"),
    ("hr", "Dobivam samo automatski odgovor", "repeated_contact"),
    # legal, also as a firm's letter
    ("en", "We act for Mrs Grant; our client will issue proceedings without further notice.", "legal"),
    ("de", "Wir vertreten Frau Berger; unsere Mandantin wird Klage einreichen.", "legal"),
    ("de", "Ich erstatte Anzeige wegen Betrugs.", "legal"),
    ("hu", "Feljelentést teszek, és a fogyasztóvédelemhez fordulok.", "legal"),
    ("sr", "Prijaviću vas tržišnoj inspekciji.", "legal"),
    # going public
    ("en", "I'm going to leave a 1 star review everywhere", "public"),
    ("de", "Das kommt in die Zeitung, verlassen Sie sich drauf.", "public"),
    ("hu", "Kiteszem a Facebookra az egészet.", "public"),
    ("hr", "Ovo ide u novine.", "public"),
    # nobody answers
    ("de", "WARUM ANTWORTET HIER KEINER???", "repeated_contact"),
    ("hu", "Senki nem veszi fel a telefont!", "repeated_contact"),
]

SARCASTIC: list[tuple[str, str]] = [
    ("en", "Amazing 👏👏 my parcel is lost for the third week"),
    ("en", "thanks for nothing, still waiting for my refund"),
    ("en", "Great job guys, the blender arrived broken. Again."),
    ("en", "wow just brilliant, still no answer 🙄"),
    ("de", "Super gemacht, das Paket ist verloren gegangen 👏"),
    ("de", "Na toll, schon wieder zu spät."),
    ("de", "Bravo! Seit drei Wochen keine Antwort."),
    ("hu", "Köszi szépen, hogy elvesztettétek a csomagomat."),
    ("hu", "Gratulálok, már három hete várok és semmi. 👏"),
    ("hu", "Szuper, megint hibás a termék 🙄"),
    ("sr", "Svaka čast, paket kasni već tri nedelje."),
    ("sr", "Браво! Пакет и даље није стигао."),
    ("hr", "Bravo majstori, opet ništa od dostave."),
    ("bs", "Super usluga, paket izgubljen 👏👏"),
]

GENUINE: list[tuple[str, str]] = [
    ("en", "Amazing service, the parcel arrived in two days!"),
    ("en", "Thanks so much, the replacement for the broken mixer arrived today."),
    ("en", "Hi, my parcel is lost, can you help? Thank you"),
    ("de", "Super, das Paket ist angekommen, danke!"),
    ("de", "Vielen Dank für die schnelle Hilfe, jetzt funktioniert alles wieder."),
    ("hu", "Köszönöm szépen, hogy ilyen gyorsan válaszoltak!"),
    ("hu", "Szuper, megérkezett a csomag, minden rendben."),
    ("sr", "Svaka čast, paket je stigao za dva dana!"),
    ("hr", "Bravo, sve je stiglo i radi odlično."),
    ("bs", "Hvala puno, dobio sam zamjenu i radi bez problema."),
]


def _lex_cues(text: str, stems) -> list[tuple[str, str]]:
    return [(h.category, h.text) for h in find_all("escalation", text, stems)
            if h.category in LEXICON_CUES]


def _ordinary_cases():
    for lang, texts in ORDINARY.items():
        for i, t in enumerate(texts):
            yield pytest.param(lang, t, id=f"{lang}-{i}")


@pytest.mark.parametrize("lang,text", list(_ordinary_cases()))
def test_ordinary_sentence_gives_no_cue(lang, text):
    cues = detect_cues(text, lang, sentiment=None, moderation=None, settings=SETTINGS)
    assert not [c for c in cues if c.name in LEXICON_CUES], cues
    assert not Moderator(use_model=False).check([text], None, [lang])[0].flagged


@pytest.mark.parametrize("lang,text", list(_ordinary_cases()))
def test_ordinary_sentence_gives_no_cue_in_other_languages_of_the_script(lang, text):
    """Read by every Latin-script lexicon (what happens when the language is unknown)."""
    assert _lex_cues(text, STEMS) == []
    assert [h.text for h in find_all("abuse", text, STEMS)] == []
    cues = detect_cues(text, None, sentiment=None, moderation=None, settings=SETTINGS)
    assert not [c for c in cues if c.name in LEXICON_CUES], cues


@pytest.mark.parametrize("lang,text,cue", INCIDENTS, ids=[f"{c}-{l}-{i}" for i, (l, _, c) in enumerate(INCIDENTS)])
def test_incident_gives_cue(lang, text, cue):
    cues = detect_cues(text, lang, sentiment=None, moderation=None, settings=SETTINGS)
    assert cue in [c.name for c in cues], (text, cues)
    if cue == "safety":
        assert decide(cues, SETTINGS.rule_for("twitter"), SETTINGS).level == "urgent"


def test_povracaj_is_a_refund_but_vomiting_is_safety():
    for text in ("Za koliko dana mogu da očekujem povraćaj novca?", "Zahtev za povraćaj je poslat.",
                 "О повраћају новца нисам добио обавештење."):
        assert _lex_cues(text, ["bcms", "en"]) == [], text
    assert ("safety", "povraća") in _lex_cues("Dete povraća od jutros.", ["bcms"])


@pytest.mark.parametrize("lang,text", SARCASTIC)
def test_sarcasm_is_detected(lang, text):
    assert detect_sarcasm(text, lang), text


@pytest.mark.parametrize("lang,text", GENUINE)
def test_genuine_praise_is_not_sarcasm(lang, text):
    assert detect_sarcasm(text, lang) == (), text


def test_apply_sarcasm_never_leaves_a_positive_label():
    for probs in ({"negative": 0.05, "neutral": 0.1, "positive": 0.85},
                  {"negative": 0.1, "neutral": 0.7, "positive": 0.2}):
        r = SentimentResult("positive", probs["positive"] - probs["negative"], 0.8, probs,
                            ("positive words: 'Amazing'",))
        s = apply_sarcasm(r, ["Amazing", "lost"])
        assert s.label == "negative" and s.score < 0 and s.reasons[0].startswith("sarcasm: ")
        assert max(s.probabilities, key=s.probabilities.get) == "negative"
        assert abs(sum(s.probabilities.values()) - 1.0) < 1e-6
    assert apply_sarcasm(r, []) is r


def test_legal_threat_on_public_channel_goes_to_senior():
    for lang, text in (("en", "@ShopCo see you in court, my lawyer has everything"),
                       ("de", "Ihr Betrüger, mein Anwalt meldet sich!"),
                       ("hu", "Ügyvédhez fordulok, csalók vagytok!"),
                       ("sr", "Vi ste lopovi, tužiću vas sudu!")):
        for abusive in (False, True):
            mod = ModerationResult(flagged=abusive, categories=("insult",) if abusive else ())
            cues = detect_cues(text, lang, sentiment=None, moderation=mod, settings=SETTINGS)
            esc = decide(cues, SETTINGS.rule_for("twitter"), SETTINGS)
            assert "legal" in esc.signals and esc.escalate, (text, esc)
            assert esc.action == "hand_to_senior", (text, abusive, esc)


@pytest.fixture(scope="module")
def analyzer():
    return SignalAnalyzer()


@pytest.mark.slow
def test_pipeline_safety_urgent_and_sarcasm_negative(analyzer, e5):
    safety = [(l, t) for l, t, c in INCIDENTS if c == "safety"]
    items = safety + SARCASTIC
    texts = [t for _, t in items]
    sig = analyzer.analyze(texts, e5.encode(texts), [l for l, _ in items], channels=["twitter"] * len(items))
    for (_lang, t), s in zip(safety, sig[:len(safety)]):
        assert s.escalation.level == "urgent" and "safety" in s.escalation.signals, (t, s.escalation)
        assert s.escalation.action == "hand_to_senior"
    for (_lang, t), s in zip(SARCASTIC, sig[len(safety):]):
        assert s.sentiment.label == "negative", (t, s.sentiment)
        assert any(r.startswith("sarcasm: ") for r in s.sentiment.reasons), (t, s.sentiment)


@pytest.mark.slow
def test_pipeline_ordinary_sentences_are_not_escalated(analyzer, e5):
    items = [(l, t) for l, ts in ORDINARY.items() for t in ts]
    texts = [t for _, t in items]
    vecs = np.asarray(e5.encode(texts))
    sig = analyzer.analyze(texts, vecs, [l for l, _ in items], channels=["email"] * len(items))
    bad = [(t, s.escalation.level, s.escalation.reasons) for (_, t), s in zip(items, sig) if s.escalation.escalate]
    assert not bad
