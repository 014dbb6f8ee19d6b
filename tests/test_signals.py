"""Signals: escalation cues per language, moderation, sentiment sanity, policy and settings.

All messages here are written for these tests (no evaluation data).
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from replyassist.errors import ConfigError, InputError
from replyassist.signals import (ChannelRule, Escalation, ModerationResult, SentimentResult, SignalAnalyzer,
                                 Signals, SignalSettings)
from replyassist.signals._normalize import fold
from replyassist.signals.escalation import decide, detect_cues
from replyassist.signals.lexicon import find_all, parse_lexicon
from replyassist.signals.moderation import Moderator

SETTINGS = SignalSettings()

# (language, message, cue) -- one realistic message per cue and language
CUES = [
    # repeated contact
    ("en", "This is the third time I'm asking about my refund.", "repeated_contact"),
    ("de", "Ich melde mich jetzt zum vierten Mal wegen derselben Rechnung.", "repeated_contact"),
    ("hu", "Már harmadszor írok a visszatérítés miatt.", "repeated_contact"),
    ("sr", "Ово је већ трећи пут да пишем због рачуна.", "repeated_contact"),
    ("sr", "Vec treci put pisem zbog racuna.", "repeated_contact"),
    ("hr", "Već sam vam dva puta pisala zbog povrata novca.", "repeated_contact"),
    ("bs", "Treći put vas zovem zbog iste stvari.", "repeated_contact"),
    # churn
    ("en", "If this isn't fixed I'm cancelling my contract.", "churn"),
    ("de", "Dann kündige ich eben meinen Vertrag.", "churn"),
    ("hu", "Ha ez így megy, felmondom az előfizetést.", "churn"),
    ("sr", "Ако се ово понови, раскидам уговор.", "churn"),
    ("hr", "Prelazim kod drugog operatera čim istekne ugovor.", "churn"),
    ("bs", "Nikad više neću naručivati kod vas.", "churn"),
    # legal
    ("en", "My solicitor will contact you about this.", "legal"),
    ("de", "Ich werde rechtliche Schritte einleiten.", "legal"),
    ("hu", "Ügyvédhez fordulok, ha nem kapom vissza a pénzt.", "legal"),
    ("sr", "Предаћу све адвокату.", "legal"),
    ("hr", "Ovo ide na sud ako ne riješite.", "legal"),
    ("bs", "Prijavit ću vas inspekciji.", "legal"),
    # public
    ("en", "I'll be telling everyone on social media about this.", "public"),
    ("de", "Das geht an die Presse.", "public"),
    ("hu", "Megírom az egészet a sajtónak.", "public"),
    ("sr", "Objaviću sve na Fejsbuku da ljudi vide.", "public"),
    ("hr", "Javit ću se medijima.", "public"),
    ("bs", "Napisat ću lošu recenziju svugdje.", "public"),
    # safety
    ("en", "The kettle caught fire on the counter.", "safety"),
    ("de", "Das Gerät hat mir einen Stromschlag verpasst.", "safety"),
    ("hu", "A mosógép füstölt és áramütés ért.", "safety"),
    ("sr", "Пуњач се прегрејао и почео да дими.", "safety"),
    ("hr", "Dijete se ozlijedilo na oštrom rubu igračke.", "safety"),
    ("bs", "Osjeti se miris plina u stanu.", "safety"),
    # urgency
    ("en", "I need the documents by Friday, it's urgent.", "urgency"),
    ("de", "Bitte dringend bis morgen zurückrufen.", "urgency"),
    ("hu", "Sürgősen kérem, holnapig le kell adnom.", "urgency"),
    ("sr", "Hitno mi treba potvrda do sutra.", "urgency"),
    ("hr", "Molim odgovor što prije, rok je sutra.", "urgency"),
    ("bs", "Treba mi odmah, hitno je.", "urgency"),
]

NEUTRAL = [
    ("en", "Could you tell me when the store opens on Saturday?"),
    ("en", "Is the heater suitable for a bathroom?"),
    ("de", "Welche Größe empfehlen Sie für die Winterjacke?"),
    ("de", "Wie lange ist die Widerrufsfrist?"),
    ("hu", "Milyen méretű a szárító dobja?"),
    ("hu", "Mikor lesz újra raktáron a piros pulóver?"),
    ("sr", "Које су димензије ормара?"),
    ("sr", "Da li radite subotom?"),
    ("hr", "Koje su dimenzije perilice?"),
    ("hr", "Imate li ovaj model u crnoj boji?"),
    ("bs", "Kada stiže nova kolekcija?"),
]


@pytest.fixture(scope="module")
def analyzer():
    return SignalAnalyzer()


@pytest.fixture(scope="module")
def encode(e5):
    cache: dict[str, np.ndarray] = {}

    def _enc(texts):
        todo = [t for t in texts if t not in cache]
        if todo:
            for t, v in zip(todo, e5.encode(todo)):
                cache[t] = v
        return np.stack([cache[t] for t in texts])
    return _enc


def test_fold_transliterates_and_maps_back():
    text = "Већ ТРЕЋИ пут, već treći put"
    folded, offsets = fold(text)
    assert folded == "vec treci put, vec treci put"
    assert len(offsets) == len(folded)
    hits = find_all("escalation", text, ["bcms"])
    assert [h.text for h in hits] == ["Већ ТРЕЋИ пут", "već treći put"]


@pytest.mark.parametrize("lang,text,cue", CUES, ids=[f"{c}-{l}-{i}" for i, (l, _, c) in enumerate(CUES)])
def test_escalation_cue_per_language(lang, text, cue):
    cues = detect_cues(text, lang, sentiment=None, moderation=None, settings=SETTINGS)
    names = [c.name for c in cues]
    assert cue in names, f"{cue} not found in {text!r}: {cues}"
    reason = next(c.reason for c in cues if c.name == cue)
    assert "'" in reason  # the reason quotes the matched words


@pytest.mark.parametrize("lang,text", NEUTRAL)
def test_no_cue_on_neutral_questions(lang, text):
    assert detect_cues(text, lang, sentiment=None, moderation=None, settings=SETTINGS) == []
    assert not Moderator(use_model=False).check([text], None, [lang])[0].flagged


def test_shouting():
    cues = detect_cues("WHERE IS MY PARCEL, I PAID TWO WEEKS AGO", "en", sentiment=None, moderation=None,
                       settings=SETTINGS)
    assert [c.name for c in cues] == ["shouting"]
    assert detect_cues("Wo bleibt mein Paket???!!", "de", sentiment=None, moderation=None, settings=SETTINGS)[0].name == "shouting"
    happy = SentimentResult(label="positive", score=0.9, confidence=0.9)
    assert detect_cues("THANK YOU SO MUCH!!!", "en", sentiment=happy, moderation=None, settings=SETTINGS) == []
    # a single acronym is not shouting
    assert detect_cues("My DHL tracking number does not work", "en", sentiment=None, moderation=None,
                       settings=SETTINGS) == []


@pytest.mark.parametrize("lang,text,category", [
    ("en", "You are all incompetent idiots.", "insult"),
    ("en", "What the fuck is wrong with your delivery?", "profanity"),
    ("en", "I know where you live, you'll regret this.", "threat"),
    ("de", "Ihr seid so unfähige Trottel.", "insult"),
    ("de", "Scheiß Service, echt.", "profanity"),
    ("de", "Ich weiß, wo ihr wohnt.", "threat"),
    ("hu", "Hülyék vagytok mind.", "insult"),
    ("hu", "Baszd meg, megint nem jött meg.", "profanity"),
    ("hu", "Megfizettek még ezért, tudom hol laktok.", "threat"),
    ("sr", "Вы сте обични лопови.".replace("Вы", "Ви"), "insult"),
    ("sr", "Jebote, opet ništa.", "profanity"),
    ("hr", "Vi ste banda idiota, kreteni jedni.", "insult"),
    ("hr", "Platit ćete vi meni za ovo.", "threat"),
    ("bs", "Začepi i vrati mi pare.", "insult"),
])
def test_moderation_lexicons(lang, text, category):
    r = Moderator(use_model=False).check([text], None, [lang])[0]
    assert r.flagged and category in r.categories, r
    assert any(x.startswith(category + ": '") for x in r.reasons)


def test_moderation_profanity_setting():
    text = "Scheiße, das Paket ist schon wieder nicht da."
    assert Moderator(use_model=False).check([text], None, ["de"])[0].flagged
    assert not Moderator(use_model=False, flag_profanity=False).check([text], None, ["de"])[0].flagged


def test_sentiment_sanity(analyzer, encode):
    pos = [("en", "Thank you so much, the new phone works perfectly and delivery was fast!"),
           ("de", "Vielen Dank, super schnelle Lieferung, bin total zufrieden!"),
           ("hu", "Köszönöm szépen, nagyon elégedett vagyok, minden tökéletes!"),
           ("sr", "Хвала вам пуно, све је стигло и одлично ради!"),
           ("hr", "Hvala, dostava je bila brza i sve je savršeno!")]
    neg = [("en", "Terrible service, my order is broken and nobody helps. Very disappointed."),
           ("de", "Ganz schlechter Service, das Gerät ist kaputt und niemand hilft. Sehr enttäuscht."),
           ("hu", "Borzalmas szolgáltatás, a termék hibás és senki nem segít. Nagyon csalódott vagyok."),
           ("sr", "Ужасна услуга, производ је покварен и нико не помаже."),
           ("hr", "Užasna usluga, proizvod je neispravan i nitko ne pomaže. Jako sam razočarana.")]
    items = pos + neg
    sig = analyzer.analyze([t for _, t in items], encode([t for _, t in items]), [l for l, _ in items])
    labels = [s.sentiment.label for s in sig]
    assert labels == ["positive"] * len(pos) + ["negative"] * len(neg), labels
    for s in sig:
        assert -1.0 <= s.sentiment.score <= 1.0 and 0.0 < s.sentiment.confidence <= 1.0
        assert abs(sum(s.sentiment.probabilities.values()) - 1.0) < 1e-5


def test_analyze_levels_actions_and_reasons(analyzer, encode):
    msgs = [
        ("de", "email", "Schon zum dritten Mal schreibe ich, es reicht! Ich gehe zum Anwalt."),
        ("en", "email", "The charger caught fire last night and burned my hand."),
        ("hu", "facebook", "Hülyék vagytok, baszd meg, egy csomagot nem tudtok kiszállítani!"),
        ("hr", "facebook", "Kada stiže narudžba? Moj e-mail je ana.horvat@example.com"),
        ("sr", "email", "Kada stiže moja porudžbina?"),
    ]
    sig = analyzer.analyze([t for *_, t in msgs], encode([t for *_, t in msgs]), [l for l, *_ in msgs],
                           channels=[c for _, c, _ in msgs])
    legal = sig[0].escalation
    assert legal.escalate and legal.level in ("escalate", "urgent") and legal.action == "hand_to_senior"
    assert {"legal", "repeated_contact"} <= set(legal.signals)
    assert any(r.startswith("legal threat: 'Anwalt'") for r in legal.reasons)
    fire = sig[1].escalation
    assert fire.level == "urgent" and fire.action == "hand_to_senior" and "safety" in fire.signals
    abuse = sig[2]
    assert abuse.moderation.flagged and abuse.escalation.action == "warn_author"
    assert abuse.escalation.escalate
    pii = sig[3].escalation
    assert pii.action == "move_to_private" and "personal_data" in pii.signals and not pii.escalate
    calm = sig[4].escalation
    assert calm.level == "none" and calm.action == "answer_publicly" and calm.reasons == ()
    for s in sig:
        json.dumps(s.to_dict())
        assert isinstance(s, Signals) and isinstance(s.escalation, Escalation)
        assert isinstance(s.moderation, ModerationResult)


def test_false_alarms_on_neutral_messages(analyzer, encode):
    texts = [t for _, t in NEUTRAL]
    sig = analyzer.analyze(texts, encode(texts), [l for l, _ in NEUTRAL], channels=["twitter"] * len(texts))
    for (_lang, t), s in zip(NEUTRAL, sig):
        assert s.escalation.level in ("none", "watch"), (t, s.escalation)
        assert not s.escalation.escalate and not s.moderation.flagged, (t, s)
        assert s.escalation.action == "answer_publicly"


def test_history_counts_as_repeated_contact():
    hist = ["Where is my parcel?", "Any news on my parcel?", "Hello??"]
    cues = detect_cues("Still waiting.", "en", sentiment=None, moderation=None, history=hist, settings=SETTINGS)
    assert any(c.name == "repeated_contact" and "3 earlier messages" in c.reason for c in cues)
    cues = detect_cues("Still waiting.", "en", sentiment=None, moderation=None, history=hist[:1], settings=SETTINGS)
    assert not any(c.name == "repeated_contact" for c in cues)


def test_thresholds_and_channel_rules_are_settings():
    cues = detect_cues("Ich kündige meinen Vertrag.", "de", sentiment=None, moderation=None, settings=SETTINGS)
    assert decide(cues, SETTINGS.rule_for("email"), SETTINGS).level == "watch"
    strict = SignalSettings(weights={"churn": 3.0})
    assert decide(cues, strict.rule_for("email"), strict).level == "escalate"
    s = SignalSettings.from_dict({"channel_rules": {"shopforum": {"public": True, "warn_on_abuse": True}}})
    assert s.rule_for("shopforum").public and s.rule_for("Twitter").public
    assert not s.rule_for("email").public and not s.rule_for(None).public
    pii = detect_cues("Meine Nummer: 0171 2345678", "de", sentiment=None, moderation=None,
                      personal_data=["phone"], settings=s)
    assert decide(pii, s.rule_for("shopforum"), s).action == "move_to_private"
    assert decide(pii, s.rule_for("email"), s).action == "answer_publicly"
    assert decide(pii, s.rule_for("email"), s).reasons == ()
    no_private = SignalSettings(channel_rules={"forum": ChannelRule(public=True, private_on_personal_data=False)})
    assert decide(pii, no_private.rule_for("forum"), no_private).action == "answer_publicly"


def test_settings_validation():
    with pytest.raises(ConfigError, match="Unknown setting"):
        SignalSettings.from_dict({"escalte_at": 3})
    with pytest.raises(ConfigError, match="watch_at"):
        SignalSettings(watch_at=5, escalate_at=3)
    with pytest.raises(ConfigError, match="Unknown escalation signal"):
        SignalSettings(weights={"angry": 2})
    with pytest.raises(ConfigError, match="channel_rules"):
        SignalSettings.from_dict({"channel_rules": {"x": {"publik": True}}})
    with pytest.raises(ConfigError, match="sentiment_backend"):
        SignalSettings(sentiment_backend="vader")


def test_bad_input(analyzer):
    with pytest.raises(InputError):
        analyzer.analyze(["a", "b"], np.zeros((1, 384), np.float32), ["en", "en"])
    with pytest.raises(InputError):
        analyzer.analyze(["a"], np.zeros((1, 384), np.float32), ["en", "de"])
    with pytest.raises(InputError):
        analyzer.analyze(["a"], np.zeros((1, 17), np.float32), ["en"])
    assert analyzer.analyze([], np.zeros((0, 384), np.float32), []) == []
    # unknown language and empty-ish text give a safe result
    r = analyzer.analyze(["🙂", "Wann kommt mein Paket?"], np.zeros((2, 384), np.float32), [None, "xx"])
    assert [x.escalation.level for x in r] == ["none", "none"]


def test_lexicon_file_errors_name_the_line():
    with pytest.raises(ConfigError, match="x.txt:3"):
        parse_lexicon("[a]\nok\n(broken\n", "x.txt")
    with pytest.raises(ConfigError, match="before any"):
        parse_lexicon("word\n", "y.txt")


def test_extra_lexicon_dir(tmp_path):
    (tmp_path / "escalation").mkdir()
    (tmp_path / "escalation" / "de.txt").write_text("[churn]\nich bin dann mal weg\n", encoding="utf-8")
    s = SignalSettings(extra_lexicon_dir=str(tmp_path))
    cues = detect_cues("Ich bin dann mal weg, tschüss.", "de", sentiment=None, moderation=None, settings=s)
    assert [c.name for c in cues] == ["churn"]


def test_moderation_model_is_not_run_for_languages_it_does_not_apply_to():
    import numpy as np

    from replyassist.signals.moderation import Moderator
    rng = np.random.default_rng(0)
    v = rng.normal(size=(3, 384)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    texts = ["Ihr seid furchtbar langsam", "Nagyon lassúak vagytok", "Ihr seid furchtbar langsam"]
    m = Moderator()
    res = m.check(texts, v, ["de", "hu", None])
    assert res[0].score > 0 and res[1].score == 0.0 and res[2].score == 0.0
    everywhere = Moderator(model_languages=None).check(texts, v, ["de", "hu", None])
    assert everywhere[0].score == pytest.approx(res[0].score, rel=1e-5) and everywhere[1].score > 0
