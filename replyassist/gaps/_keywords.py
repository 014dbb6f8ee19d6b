"""Distinctive keywords per topic (class-based TF-IDF) with stop-words for en, de, hu, sr, hr.

Serbian Cyrillic is transliterated to Latin first, so ``поруџбина`` and ``porudžbina`` count as
one word. A token counts once per message (a message repeating a word does not dominate).

>>> kw = cluster_keywords(["gift card balance", "my gift card expired", "Paket fehlt noch", "mein Paket fehlt"],
...                       [0, 0, 1, 1], top_k=2)
>>> kw[0], kw[1]
(['card', 'gift'], ['fehlt', 'paket'])
"""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable, Sequence

__all__ = ["STOPWORDS", "tokenize", "transliterate_sr", "cluster_keywords"]

_STOP_EN = """a about above after again against all also am an and any are aren't as at be because been before being
below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each few for
from further get got had hadn't has hasn't have haven't having he her here hers herself him himself his how i i'm i've if
in into is isn't it it's its itself just let's me more most mustn't my myself no nor not now of off on once only or other
ought our ours ourselves out over own same she should shouldn't so some such than that that's the their theirs them
themselves then there there's these they this those through to too under until up very was wasn't we were weren't what
what's when where which while who whom why will with won't would wouldn't you you're your yours yourself yourselves
hello hi hey dear thanks thank thx please pls regards best kind sir madam team still already yet want need know like
would could one two also really just ok okay yes today yesterday tomorrow""".split()

_STOP_DE = """aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes auch auf aus
bei bin bis bist da damit dann das dass dein deine deinem deinen deiner dem den denn der des dessen dich dir du dies diese
diesem diesen dieser dieses doch dort durch ein eine einem einen einer eines er es etwas euch euer eure für gegen gewesen
hab habe haben hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im in indem ins ist
jede jedem jeden jeder jedes jetzt kann kein keine keinem keinen keiner können könnte machen man manche mein meine meinem
meinen meiner mich mir mit muss musste nach nicht nichts noch nun nur ob oder ohne sehr sein seine seinem seinen seiner
sich sie sind so solche soll sollte sondern sonst über um und uns unser unsere unter viel vom von vor war waren warum was
weil welche welchem welchen welcher wenn wer werde werden wie wieder will wir wird wo wollen würde würden zu zum zur
zwar zwischen hallo guten tag danke bitte grüße gruß freundlichen viele liebe lieber sehr geehrte geehrter damen herren
mfg schon leider gerne bereits heute gestern morgen mal immer""".split()

_STOP_HU = """a az egy és is nem hogy de meg már még csak ez azt ezt van vagy volt mint ha mert kell lesz lett pedig
sem se itt ott mi mit ki kit hol hova mikor miért hogyan melyik ami amit aki akit amely amelyik amikor ahol minden
valami valaki semmi senki nagyon most után előtt alatt felett között mellett nélkül szerint miatt által vele neki nekem
nekünk tőle tőlem rám rá benne belőle én te ő mi ti ők engem téged őt minket titeket őket az azok ezek volna lenne
vannak voltak lesznek legyen sok kicsit egyik másik pedig tehát akkor aztán majd mindig soha úgy így olyan ilyen
jó napot jónapot kedves tisztelt üdvözlettel köszönöm köszönjük köszi szia sziasztok kérem kérném kérek szeretném
szeretnék tudom tudja tudják lehet lehetne már még mégis sajnos ma tegnap holnap hello helló""".split()

_STOP_SH = """i a ali ili da ne je su sam si smo ste bi bih bio bila bilo bili biti će ću ćeš ćemo ćete nije nisu nisam
što šta sto sta koji koja koje kojeg kome ko tko gde gdje kada kad kako zašto zasto zato jer ako već vec još jos samo
to taj ta te ti tu tamo ovde ovdje ovaj ova ovo ovi one oni ona ono on ja mi vi ga ju je joj mu im ih me mene meni nam
nas vas vam se sa s u na za od do iz po pri kod prema o bez nad pod između izmedju kroz preko oko li pa te ni niti već
svoj svoja svoje moj moja moje moji vaš vaša vaše vas vasa vase naš naša naše imam ima imamo imate nemam nema može moze
mogu možete mozete hoću hocu hoće hvala molim lijepo lepo pozdrav pozdravi poštovani postovani poštovanje postovanje
dobar dan zdravo bok hej danas juče jučer jucer sutra bilo kao kaj nešto nesto neki neka neko sve svi sva jako vrlo
treba trebam trebao trebala želim zelim htio htela hteo htjela""".split()

#: Stop-words by language (Serbian and Croatian share one list; Cyrillic is transliterated first).
STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(_STOP_EN), "de": frozenset(_STOP_DE), "hu": frozenset(_STOP_HU),
    "sr": frozenset(_STOP_SH), "hr": frozenset(_STOP_SH), "bs": frozenset(_STOP_SH),
}
_ALL_STOP = frozenset().union(*STOPWORDS.values())

_CYR = dict(zip("абвгдђежзијклљмнњопрстћуфхцчџш",
                ["a", "b", "v", "g", "d", "đ", "e", "ž", "z", "i", "j", "k", "l", "lj", "m", "n", "nj", "o", "p", "r",
                 "s", "t", "ć", "u", "f", "h", "c", "č", "dž", "š"]))
_TOKEN = re.compile(r"[^\W\d_][^\W\d_'’-]*[^\W\d_]|[^\W\d_]")


def transliterate_sr(text: str) -> str:
    """Serbian Cyrillic to Latin (lower-case input expected).

    >>> transliterate_sr("где је моја поруџбина")
    'gde je moja porudžbina'
    """
    return "".join(_CYR.get(ch, ch) for ch in text)


def tokenize(text: str, *, min_len: int = 3) -> list[str]:
    """Lower-cased word tokens without digits, e-mail/URL parts or stop-words of any supported language."""
    t = transliterate_sr(text.lower())
    t = re.sub(r"\S*@\S*|https?://\S+|www\.\S+|\[[a-z_]+\]", " ", t)
    return [w for w in _TOKEN.findall(t) if len(w) >= min_len and w not in _ALL_STOP]


def cluster_keywords(texts: Sequence[str], labels: Sequence[int], *, top_k: int = 8,
                     background: Iterable[str] | None = None, min_docs: int = 2) -> dict[int, list[str]]:
    """Top ``top_k`` distinctive tokens per label (labels < 0 are ignored).

    c-TF-IDF: ``tf(t, c) * log(1 + A / f(t))`` with ``tf`` the share of cluster ``c``'s tokens that
    are ``t``, ``f(t)`` the frequency of ``t`` over the clustered texts plus ``background`` (e.g. the
    whole log, so words common to every support message rank low) and ``A`` the mean number of
    tokens per cluster. A token must occur in at least ``min_docs`` messages of the cluster (or all
    of them, for smaller clusters).
    """
    per: dict[int, Counter[str]] = {}
    docs: dict[int, int] = {}
    freq: Counter[str] = Counter()
    for text, lab in zip(texts, labels):
        if lab < 0:
            continue
        toks = set(tokenize(text))
        per.setdefault(int(lab), Counter()).update(toks)
        docs[int(lab)] = docs.get(int(lab), 0) + 1
        freq.update(toks)
    if background is not None:
        for text in background:
            freq.update(set(tokenize(text)))
    if not per:
        return {}
    A = sum(sum(c.values()) for c in per.values()) / len(per)
    out: dict[int, list[str]] = {}
    for lab, cnt in per.items():
        total = sum(cnt.values()) or 1
        need = min(min_docs, docs[lab])
        scored = [(c / total * math.log(1 + A / freq[t]), t) for t, c in cnt.items() if c >= need]
        scored.sort(key=lambda x: (-x[0], x[1]))
        out[lab] = [t for _, t in scored[:top_k]]
    return out
