"""Serbian, Croatian, Bosnian and Montenegrin: script, transliteration and markers.

The four standards share most of their grammar and vocabulary; what separates them in a
short message is (a) the script (Cyrillic is Serbian, or Macedonian when it has ѓ ќ ѕ),
(b) the reflex of old *jat*: ekavian ``mleko, lepo, vreme`` is Serbian, ijekavian
``mlijeko, lijepo, vrijeme`` is Croatian, Bosnian or Montenegrin, (c) lexical and
orthographic choices (Croatian ``tko, tjedan, kruh, točno, tisuća``; Serbian/Bosnian
``ko, nedelja/sedmica, hleb/hljeb, tačno, hiljada``; Bosnian ``h`` in ``lahko, kahva,
historija``), and (d) Montenegrin ``ś``/``ź`` and forms like ``đe``, ``śutra``.

:func:`bcms_markers` counts these markers; the detector uses the counts as features of its
trained combiner, so their weight is learned, not guessed.

>>> to_latin("Добар дан, где је мој пакет?")
'Dobar dan, gde je moj paket?'
>>> sorted(k for k, v in bcms_markers("Gdje je moj paket, tjedan dana čekam").items() if v)
['hr', 'ijekavian']
"""
from __future__ import annotations

import re

__all__ = ["to_latin", "bcms_markers", "MARKER_KEYS"]

_CYR2LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž", "з": "z", "и": "i",
    "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "ћ": "ć", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "č", "џ": "dž", "ш": "š",
}
_CYR2LAT.update({k.upper(): v.capitalize() for k, v in list(_CYR2LAT.items())})
_TRANS = str.maketrans({k: v for k, v in _CYR2LAT.items()})


def to_latin(text: str) -> str:
    """Transliterate Serbian Cyrillic to Serbian Latin (gaj's alphabet), one-to-one by letter.

    >>> to_latin("Љубазно молим одговор")
    'Ljubazno molim odgovor'
    """
    return text.translate(_TRANS)


def _words(*items: str) -> frozenset[str]:
    # "_" joins a two-word phrase: "je_li" is the bigram "je li"
    return frozenset(w.replace("_", " ") for item in items for w in item.split())


# Word forms (lower case, Latin script). Kept short and specific: a form is listed only if it
# is typical of one variety and rare in the others.
_EKAVIAN = _words(
    "mleko lepo lep lepa lepe lepi vreme deca dece deci reč reči reka mesto mesta mestu "
    "hteo htela sedeti videti videla video želeo želela pesma pesme cena cene cenu svet sveta svetu "
    "dete deteta belo beli bela ponedeljak nedelja nedelje nedelju uvek pre posle prevod sneg gde ovde "
    "negde nigde primer primera primerak razumeo razumela uspeo uspela umeo umela voleo volela "
    "mesec meseca mesecu srećan srećna sedi sede pevati pesmu leto letos cveće vera verovati isprobao "
    "zahtev zahteva obaveštenje obaveštenja obavešten svedok vest vesti lekar lek leka "
    "telo tela delovi deo ceo cela celo celu belu predlog")
_IJEKAVIAN = _words(
    "mlijeko lijepo lijep lijepa lijepe lijepi vrijeme djeca djece djeci riječ riječi rijeka mjesto "
    "mjesta mjestu htio htjela sjediti vidjeti vidjela vidio želio željela pjesma pjesme cijena cijene "
    "cijenu svijet svijeta svijetu dijete djeteta bijelo bijeli bijela uvijek prije poslije prijevod "
    "snijeg gdje ovdje negdje nigdje svugdje primjer primjera primjerak razumio razumjela uspio uspjela "
    "umio umjela volio voljela mjesec mjeseca mjesecu sretan sretna sjedi pjevati pjesmu ljeto cvijeće "
    "vjera vjerovati zahtjev zahtjeva obavještenje obavijest obavijesti svjedok vijest vijesti "
    "tijek liječnik lijek lijeka tijelo tijela dio cijeli cijela cijelo cijelu bijelu ovisi prijedlog "
    "nedjelja nedjelje nedjelju ponedjeljak vjerujem")
_HR = _words(
    "tko što tjedan tjedna tjedno tjednu kruh tisuća tisuće točno točan točna točka zrakoplov nogomet "
    "kolodvor vlak vlaka sveučilište obitelj obitelji glazba povijest znanost kazalište općina općenito "
    "uopće siječanj veljača ožujak travanj svibanj lipanj srpanj kolovoz rujan listopad studeni prosinac "
    "siječnja veljače ožujka travnja svibnja lipnja srpnja kolovoza rujna listopada studenoga prosinca "
    "kat kemija tvrtka tvrtke tvrtki zaposlenik izvješće izvješća zračna_luka zrakoplova "
    "je_li hoće_li može_li ured poduzeće računalo računala datoteka datoteke "
    "sigurnost promet prometa okoliš europski europska vanjski tijekom tisuću lijep_pozdrav srdačan_pozdrav "
    "tjedan_dana gospodine gospođo")
_SR = _words(
    "ko šta hleb hiljada hiljade hiljadu tačno tačan tačna tačka avion fudbal voz voza univerzitet "
    "porodica porodice muzika istorija nauka pozorište opština opšte opšti uopšte januar februar mart "
    "april maj jun jul avgust septembar oktobar novembar decembar sprat hemija firma preduzeće "
    "izveštaj izveštaja bezbednost saobraćaj saobraćaja evropski evropska inostranstvo kompjuter "
    "da_li radiću biću videćemo reći_ću moći_ćemo ćerka kašika takođe poslato "
    "porudžbinom porudžbina porudžbine porudžbinu narudžbina narudžbine izvinite uplatio uplatila "
    "srdačno_vas nedelju_dana")
_BS = _words(
    "lahko lahka mehko kahva kahve kahvu sahat sahata historija historije hljeb hljeba sedmica sedmice "
    "sedmicu hiljada hiljade šta ko uopšte opština općina tačno fudbal voz univerzitet porodica muzika "
    "nauka pozorište mahala avlija merhaba selam selamun inšallah inshallah mašallah dženaza bajram "
    "jarane bolan haman kafana čaršija bezbeli hudovi dženet akšam sabah")
# Stems: a token starting with one of these counts (catches inflected forms).
_EKAVIAN_STEMS = ("promen", "izmen", "zamen", "prover", "obavest", "obaveš", "uveri", "uveren", "verovat", "poset",
                  "razumem", "razumeš", "razumemo", "primet", "lep", "mesec", "devojk", "pesm", "mlek", "belo",
                  "uspe", "videl", "videt", "želeo", "želel", "posledn", "zahtev", "primer", "dece", "deci",
                  "nedelj", "ponedelj", "celokup", "lekar", "lekov")
_IJEKAVIAN_STEMS = ("promijen", "promjen", "izmijen", "izmjen", "zamijen", "zamjen", "provjer", "obavijest",
                    "obavješt", "uvjer", "vjerovat", "vjerojat", "vjerovatn", "posjet", "razumij", "primijet",
                    "primjet", "lijep", "mjesec", "djevojk", "pjesm", "mlijek", "bijel", "uspje", "vidjel", "vidjet",
                    "željel", "poslj", "zahtjev", "primjer", "djec", "nedjelj", "ponedjelj", "cijel", "cijen",
                    "mjest", "vrijem", "vrijed", "riječ", "rijek", "lijek", "liječ", "tijel", "sjedi", "svjet",
                    "snijeg", "uvijek", "dijel", "podijel", "odjel", "pogrješ", "grješ", "htjel", "cvijet", "vjer")
_ME = _words("đe đeca đevojka śutra śekira śeme śedi śeđeti pośeta iđe iđemo ćeraj ćerati neđelja")
_ME_LETTERS = re.compile(r"[śźŚŹ]")
_MK_LETTERS = re.compile(r"[ѓќѕЃЌЅ]")
_SR_CYR_LETTERS = re.compile(r"[ђћЂЋ]")
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

MARKER_KEYS = ("ekavian", "ijekavian", "hr", "sr", "bs", "me", "mk_letters", "sr_cyr_letters")


def bcms_markers(text: str) -> dict[str, int]:
    """Count the variety markers in ``text`` (Cyrillic is transliterated first).

    Keys are :data:`MARKER_KEYS`. A word can count for several varieties (``šta`` is both
    Serbian and Bosnian), since only their balance is informative.

    >>> m = bcms_markers("Da li je stigla pošiljka? Čekam već nedelju dana.")
    >>> (m["sr"], m["ekavian"], m["ijekavian"])
    (2, 1, 0)
    """
    counts = dict.fromkeys(MARKER_KEYS, 0)
    counts["mk_letters"] = len(_MK_LETTERS.findall(text))
    counts["sr_cyr_letters"] = len(_SR_CYR_LETTERS.findall(text))
    counts["me"] = len(_ME_LETTERS.findall(text))
    lat = to_latin(text).lower()
    toks = _TOKEN.findall(lat)
    bigrams = [a + " " + b for a, b in zip(toks, toks[1:])]
    for tok in toks:
        if tok in _EKAVIAN or (len(tok) > 3 and tok.startswith(_EKAVIAN_STEMS)):
            counts["ekavian"] += 1
        elif tok in _IJEKAVIAN or (len(tok) > 3 and tok.startswith(_IJEKAVIAN_STEMS)):
            counts["ijekavian"] += 1
    for tok in toks + bigrams:
        if tok in _HR:
            counts["hr"] += 1
        if tok in _SR:
            counts["sr"] += 1
        if tok in _BS:
            counts["bs"] += 1
        if tok in _ME:
            counts["me"] += 1
    return counts
