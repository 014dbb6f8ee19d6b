"""Customer-message evidence for telling Serbian, Croatian and Bosnian apart (used by
:mod:`replyassist.language.variant`).

Every entry maps a word form (``*`` = any ending) to a weight triple ``(sr, hr, bs)``: how much
seeing that form in a customer's message speaks for each standard. The lists are about chat and
e-mail to a shop (orders, delivery, money, devices, greetings), not news text. Forms are written
with diacritics; the lookup also matches the same form typed without them (``porudzbina``,
``tocno``, ``takodje``/``takode``) unless that spelling is an ordinary word of its own
(:data:`NO_FOLD`).

>>> WEIGHTS["sr"], WEIGHTS["ijek"]
((2.0, 0.0, 0.0), (0.0, 2.0, 2.0))
"""
from __future__ import annotations

__all__ = ["WEIGHTS", "WORDS", "BIGRAMS", "NO_FOLD", "MODALS", "MODALS_DA", "CLITICS", "FUTURE_NOT_VERBS"]

# (sr, hr, bs)
WEIGHTS: dict[str, tuple[float, float, float]] = {
    "ek": (2.0, 0.0, 0.0),        # ekavian reflex of jat: Serbian (Bosnian and Croatian are ijekavian)
    "ijek": (0.0, 2.0, 2.0),      # ijekavian reflex: Croatian or Bosnian (Serbian ijekavian is rare in shop mail)
    "ikav": (0.0, 2.0, 0.0),      # Dalmatian ikavian (lipo, vrime): Croatian
    "hr": (0.0, 2.0, 0.0),        # Croatian standard word
    "hr-": (0.0, 1.0, 0.0),       # leans Croatian, also heard elsewhere
    "hr~": (0.0, 0.5, 0.0),       # weak: a Croatian habit Serbian writers share (što)
    "hrbs": (0.0, 1.5, 1.5),      # Croatian and Bosnian, not Serbian
    "sr": (2.0, 0.0, 0.0),        # Serbian only
    "sr-": (1.5, 0.0, 1.0),       # Serbian, also Bosnian colloquial (pare)
    "srbs": (2.0, 0.0, 2.0),      # Serbian and Bosnian, not Croatian
    "srbs-": (1.0, 0.0, 1.0),     # leans Serbian/Bosnian, Croatians use it too
    "bs": (0.0, 0.0, 2.0),        # Bosnian only
}

_GROUPS: dict[str, str] = {
    # --------------------------------------------------------------- jat reflexes (minimal pairs)
    "ek": """
        gde ovde onde negde nigde svugde igde pre posle posled* posledn* uvek napred unapred dole
        dve dvema sledeć* sledi usled mesec* meseč* nedelj* ponedelj* sreda sredu srede sredom
        vreme vredi vredn* vrednost* cena cene ceni cenu cenom cenama cenovnik* lep* hteo htela hteli
        htelo hteti želeo želela želeli želeti voleo volela voleli voleti umeo umela smeo smela
        razumeo razumela razumem razumeš razumete razumemo razumeti videla videli videti videćemo
        živeo živela živeti sedeti promen* izmen* zamen* menja* menjam prover* obavest* obavešt*
        uveren* uveri* uverava* verovat* veruj* neverovatn* poveren* poverlji* poset*
        primera primeru primerak primerka primerom primeri primerc*
        primet* zahtev* savet* ocen* mesto mesta mestu mestima namest* namešt* smest* smešt*
        delimičn* podel* odeljenj* deo delovi delova delove ceo cela celo celu celi celog celom
        celokup* rešen* rešav* rešit* reši rešio rešila rešili rešite rešimo rešim rešiće čovek*
        besan besna besni besno bedn* uvred* povređen* namer* oseć* retk* setio setila setim
        svetsk* svetl* lekar* lekov* dete deteta detetu deca dece deci decu decom
        dečij* mleko mleka leto letos letovanj* reka reke vest vesti zvezd* pesm* vežb* telo
        beli bela belo belu bele sneg izveštaj* obezbed* pogrešim pogrešiš pogrešio pogrešila
        pogrešili grej* zagrej* zaves* levo leva levi leve levu levoj
    """,
    "ijek": """
        gdje dje đe ovdje ondje negdje nigdje svugdje igdje prije poslije posljed* posljedn* uvijek naprijed
        unaprijed dolje dvije dvjema sljedeć* slijedi uslijed mjesec* mjeseč* nedjelj* ponedjelj*
        srijeda srijedu srijede srijedom vrijeme vrijedi vrijedn* cijen* cjenovnik* lijep* ljepš*
        htio htjela htjeli htjelo htjeti želio željela željeli željeti volio voljela voljeli voljeti
        umio umjela smio smjela razumio razumjela razumijem razumiješ razumijete razumijemo razumjeti
        vidio vidjela vidjeli vidjeti vidjet živio živjela živjeti sjediti promijen* promjen*
        izmijen* izmjen* zamijen* zamjen* mijenja* mjenja* provjer* obavijest* obavjest* obavješt*
        uvjeren* uvjeri* uvjerava* vjerovat* vjeruj* nevjerovatn* povjeren* povjerlji* posjet*
        primjer* primijet* primjet* zahtjev* savjet* ocjen* mjesto mjesta mjestu mjestima namjest*
        namješt* smjest* smješt* djelimičn* podijel* odjeljenj* dio dijelovi dijelova dijelove dijel*
        cijel* cjelokup* riješ* rješen* rješav* čovjek* bijesan bijesna bijesni bijesno bijedn*
        uvrijed* uvrjed* povrijeđen* namjer* osjeć* rijetk* sjetio sjetila sjetim svijet svijeta
        svijetu svjetsk* svjetl* lijek* liječ* ljekov* dijete djeteta djetetu djeca djece djeci djecu
        djecom dječj* dječij* mlijeko mlijeka ljeto ljetos ljetovanj* rijeka rijeke vijest vijesti
        zvijezd* pjesm* vježb* tijelo bijeli bijela bijelo bijelu bijele snijeg izvještaj* pogriješ*
        grij* zagrij* zavjes* lijevo lijeva lijevi lijeve lijevu lijevoj
    """,
    "ikav": "lipo vrime mliko divojk* triba tribam tribate tribalo",
    # --------------------------------------------------------------- Croatian
    "hr": """
        tjed* tisuć* tko netko nitko itko kruh* sukladno osobn* tvrtk* zrakoplov* obitelj* glazb* kolodvor*
        izvješć* točn* točk* siječ* veljač* ožuj* travanj travnja svibanj svibnja lipanj lipnja srpanj srpnja
        kolovoz kolovoza rujan rujna listopad listopada studenog studenoga prosinac prosinca tijekom
        vjerojatn* nevjerojatn* računal* jamstv* kupnj* ispričavam* ispričavamo ispriku isprika
        prodavatelj* milijun* putovnic* inozemstv* povijest* kemij* hlače tenisice tanjur žlic* ljekarn*
        hladnjak* perilic* postavk* nogomet* vlak vlaka vlakom bok kaj cjenik* usisavač* pričeka* zaslon*
        tipkovnic* pisač* preglednik* odjel odjela odjelu poduzeć* sveučiliš* kuna kune kn šalic* privit*
        prozir* plaht* ručnik* pregač* štednjak* pećnic* mikrovaln* glačal* kabel kabela kabelom
        traperic* natrag oib
    """,
    "hr-": """
        ured ureda kat zrak doma dogodi* dogodil* prigovor* nazovit* nazovi nazvati nazvat kava kavu kave
        odabra* odabir* krivu krivo krive krivom
    """,
    "hr~": "što",
    "hrbs": """
        također narudžb* euro eura eure uopće općin* opći kćer* kćerk* sretan sretn* sretno uvjet*
        mobitel* ponovno novci novce novcima jučer jucer juha
    """,
    # --------------------------------------------------------------- Serbian
    "sr": """
        hleb* porudžbin* narudžbin* takođe istorij* ćerk* evro evra evrom evre dinar* rsd pib bre poručio
        poručila poručili poručiti poručujem poručim poručiću poručen poručena srećan srećn* opštin*
        pasulj* šargarep* testenin*
    """,
    "sr-": "pare parama",
    "srbs": """
        hiljad* tačn* tačk* uopšte šta lično lični lična lične ličnog ličnih ličnim tokom uslov* sajt*
        mejl* imejl* računar* milion* pasoš* inostranstv* vazduh* zvanično zvanični zvanična izvinite
        izvini izvinjenje izvinjavam* juče juce neko nekog nekoga nekome niko nikog nikoga nikome iko ikog
        ikoga peškir* paradajz* usisivač* ponovo sedmic* hemij* fudbal* voz voza vozom sprat* pantalon*
        patike patika patikama kašik* viljušk* apotek* kancelarij* tastatur* štampač* podešavanj* sačeka*
        desilo desila desio dešava* kafa kafu kafe kafom uradi* uradio uradila januar* februar* avgust*
        septemb* oktob* novemb* decemb* marta juna jula šolj* providn* providan povraćaj* čaršav* kecelj*
        šporet* rern* mikrotalasn* kabl kabla kablom farmerk* duks* kaiš* tašn* nazad jmbg
    """,
    "srbs-": """
        ko ćao frižider* garancij* faktur* nalog naloga nalogu zdravo prodavac prodavca kupovin* aerodrom*
        firma firme firmu firmi preduzeć* ulogov* podesi*
    """,
    # --------------------------------------------------------------- Bosnian
    "bs": """
        hljeb* kahv* lahko polahko sahat sahata hefta hefte heftu jarane jaran haman selam merhaba
        inšallah inshallah mašallah bujrum bona ba historij* ljekar* bezbjedn* obezbijed* hudovi ahbab*
        konvertibiln* maraka
    """,
}

# Two-word phrases, lower case, as typed (folded spellings are added automatically).
_PHRASES: dict[str, str] = {
    "srbs": "da li|lična karta|veš mašina|mašina za veš",
    "hr": "zračna luka|zračnoj luci|osobna iskaznica|osobnu iskaznicu|dobra večer",
    "hr-": "je li|hoće li",
    "ek": "lep pozdrav|hvala lepo|hvala unapred",
    "ijek": "hvala unaprijed|hvala lijepa|lijep pozdrav",
}

# A folded spelling that is a different, ordinary word (or too ambiguous) is not matched.
NO_FOLD = frozenset({"sto", "reci", "cu", "ce", "sat", "de", "pisac", "poruci"})

# Verbs after which Serbian/Bosnian prefer ``da`` + present and Croatian the infinitive
# (``mogu da vratim`` / ``mogu vratiti``). Only for these is ``da`` + present counted: after
# ``želim``/``htio bih`` a ``da`` clause with another subject is ordinary Croatian too.
MODALS_DA = frozenset("""
    mogu možeš može možemo možete mogli mogla mogao moram moraš mora moramo morate treba trebalo
    trebam trebaš trebamo trebate trebao trebala
""".split())
MODALS = frozenset("""
    mogu možeš može možemo možete mogli mogla mogao moram moraš mora moramo morate želim želiš želi
    želimo želite hoću hoćeš hoće hoćemo hoćete trebam trebaš treba trebamo trebate trebalo trebao
    trebala htio hteo htjela htela htjeli hteli volio voleo volela voljela pokušavam pokušao pokušala
    planiram namjeravam nameravam
""".split())
CLITICS = frozenset("li mi ti vam nam ga je ih se joj mu to ja vi me te nas vas bih bi već jos još nešto ovo "
                    "sad sada odmah nekako ikako ipak".split())
# Words ending like a fused Serbian future (-aću, -iću) that are not verbs.
FUTURE_NOT_VERBS = frozenset("plaću kraću veću kuću braću sreću pomoću noću moguću vruću skuću".split())

WORDS: dict[str, tuple[str, float, float, float]] = {}
"""Word form or ``stem*`` -> (group, sr, hr, bs). Filled below from :data:`_GROUPS`."""
BIGRAMS: dict[str, tuple[str, float, float, float]] = {}


def _build() -> None:
    for group, blob in _GROUPS.items():
        w = WEIGHTS[group]
        for item in blob.split():
            if item.endswith("-"):   # "-" marks a form listed elsewhere with a stronger group: skip here
                continue
            WORDS.setdefault(item, (group, *w))
    for group, blob in _PHRASES.items():
        w = WEIGHTS[group]
        for item in blob.split("|"):
            BIGRAMS.setdefault(item.strip(), (group, *w))


_build()
