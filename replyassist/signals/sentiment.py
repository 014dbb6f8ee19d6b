"""Sentiment: a numpy head on the message's e5 vector, plus a Hugging Face backend.

The default backend reuses the vector computed for FAQ matching (one encode per message) and
adds a few cheap, language-aware cues (emoji, exclamation, negation, a small sentiment lexicon
per language written by the project); the head itself is a small MLP ensemble trained by
``models/sentiment/train.py`` and stored as ``.npz``. Runtime is numpy only.

Sarcasm ("Amazing 👏👏" about a lost parcel, "na toll", "köszi szépen, hogy elvesztettétek",
"svaka čast" about a late delivery) is found by :func:`detect_sarcasm` from the same lexicons
and turns the result negative, with a ``"sarcasm: ..."`` reason (:func:`apply_sarcasm`); the
head's probabilities and features are not changed by it.

:class:`TransformersSentiment` runs any Hugging Face sequence-classification sentiment model
(e.g. a twitter-xlm-roberta sentiment model from a local folder) and maps its labels.

>>> import numpy as np
>>> from replyassist.embeddings import get_embedder                     # doctest: +SKIP
>>> v = get_embedder("e5-small").encode(["Danke, super Service!"])     # doctest: +SKIP
>>> VectorSentiment().predict(["Danke, super Service!"], v, ["de"])[0].label   # doctest: +SKIP
'positive'
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import ConfigError, Errors, InputError, MissingDependencyError, ModelNotAvailableError
from ._normalize import fold, letters_upper_ratio
from .lexicon import lexicon_language, load_lexicon
from .ngrams import NgramLinear

__all__ = ["SentimentResult", "SentimentHead", "VectorSentiment", "TransformersSentiment", "cue_features",
           "CUE_NAMES", "LABELS", "default_model_dir", "normalise_label", "detect_sarcasm", "apply_sarcasm"]

LABELS = ("negative", "neutral", "positive")

_PKG_DIR = Path(__file__).resolve().parent


def default_model_dir(kind: str) -> Path:
    """Where the shipped heads of ``kind`` (``sentiment``/``moderation``/``e5``) live:
    ``replyassist/models/<kind>``, package data (the training scripts in the repository's
    ``models/<kind>/`` write there).

    >>> (default_model_dir("sentiment") / "sentiment_head.npz").is_file()
    True
    """
    return _PKG_DIR.parent / "models" / kind


@dataclass(frozen=True)
class SentimentResult:
    """Sentiment of one message.

    ``score`` is P(positive) - P(negative) in [-1, 1]; ``confidence`` the probability of
    ``label``; ``reasons`` name the cues seen (emoji, words), for the agent.
    """

    label: str
    score: float
    confidence: float
    probabilities: Mapping[str, float] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()
    source: str = "head"

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": round(float(self.score), 4),
                "confidence": round(float(self.confidence), 4),
                "probabilities": {k: round(float(v), 4) for k, v in self.probabilities.items()},
                "reasons": list(self.reasons), "source": self.source}


# ---------------------------------------------------------------------------------------------
# cue features (shared by the training script and run time)

_POS_EMOJI = set("😀😁😃😄😆😉😊😋😎😍😘🥰😗😙😚🙂🤗🤩👍👏🙌💪❤♥💕💖💗💓💞💝💘🎉🥳✨🌟⭐😻👌✅🙏💯🔥🎊🤝😇☺🥂🍾")
_NEG_EMOJI = set("😞😔😟😕🙁☹😣😖😫😩🥺😢😭😤😠😡🤬😱😨😰😥😓🤮🤢💩👎💔😒🙄😑😬😪🤦🤷⚠❌🛑")
_LAUGH_EMOJI = set("😂🤣😅😹")
_POS_EMOTICON = re.compile(r"(?:[:;=]-?[)D\]pP]|<3|\^\^|\(:)(?!\w)")
_NEG_EMOTICON = re.compile(r"(?:[:;=]'?-?[(\[/\\]|>:\(|D:)(?!\w)")
_URL = re.compile(r"https?://\S+|www\.\S+")
_ELONG = re.compile(r"(\w)\1{2,}")
_SCOPE_END = re.compile(r"[.!?,;:]|\b(but|aber|de|ali|nego|hanem)\b", re.IGNORECASE)

CUE_NAMES = ("pos_words", "neg_words", "negated_pos", "negated_neg", "pos_emoji", "neg_emoji", "laugh_emoji",
             "exclamations", "questions", "caps", "url", "intensifiers", "elongation", "multi_punct")


def _cue_hits(text: str, language: str | None) -> dict[str, list[str]]:
    stem = lexicon_language(language)
    if stem is None:
        return {}
    lex = load_lexicon("sentiment", stem)
    out: dict[str, list[str]] = {}
    folded = fold(text)
    hits = lex.find(text, folded=folded)
    negs = [h for h in hits if h.category == "negator"]
    for h in hits:
        cat = h.category
        if cat in ("positive", "negative"):
            # a negator up to ~20 characters before flips the polarity ("nicht gut", "nem rossz")
            if any(0 <= h.start - n.end <= 25 and not _SCOPE_END.search(text[n.end:h.start])
                   and len(text[n.end:h.start].split()) <= 3 for n in negs):
                cat = "negated_" + cat
        out.setdefault(cat, []).append(h.text)
    return out


#: Emoji that turn praise into irony when the message also complains ("Amazing 👏👏, lost again").
_IRONY_EMOJI = ("👏", "🙄", "🙃", "😒", "🤡")


def detect_sarcasm(text: str, language: str | None) -> tuple[str, ...]:
    """The words that make ``text`` sarcastic (empty when it is not), from the ``[sarcasm]``,
    ``[ironic_praise]``, ``[complaint]`` and ``[resolution]`` sections of the sentiment lexicon.

    Sarcastic = an ironic phrase ("thanks for nothing", "na toll", "köszönöm a semmit",
    "hvala na ničemu"), or praise (or 👏 🙄 🙃) together with a complaint ("lost", "third week",
    "still nothing") and no resolution ("it arrived", "fixed"). Unknown languages: English only.

    >>> detect_sarcasm("Amazing 👏👏 third week and my parcel is still lost", "en")
    ('Amazing', '👏', 'third week', 'lost')
    >>> detect_sarcasm("Amazing service, the parcel arrived in two days!", "en")
    ()
    >>> detect_sarcasm("Svaka čast, paket kasni već tri nedelje.", "sr")[:2]
    ('Svaka čast', 'kasni')
    """
    stem = lexicon_language(language) or "en"
    lex = load_lexicon("sentiment", stem)
    hits = lex.find(text)
    by: dict[str, list[str]] = {}
    for h in hits:
        by.setdefault(h.category, []).append(h.text)
    if by.get("sarcasm"):
        return tuple(dict.fromkeys(by["sarcasm"]))
    complaint = by.get("complaint", [])
    if not complaint:
        return ()
    praise = list(by.get("ironic_praise", []))
    emoji = [e for e in _IRONY_EMOJI if e in text]
    if not praise and not emoji:
        return ()
    if by.get("resolution") and not any(e in text for e in ("🙄", "🙃", "😒", "🤡")):
        return ()
    return tuple(dict.fromkeys(praise[:2] + emoji[:1] + complaint[:2]))


def apply_sarcasm(result: "SentimentResult", words: Sequence[str]) -> "SentimentResult":
    """``result`` made negative because the message is sarcastic: the positive and negative
    probabilities are swapped (and neutral too, when it was the largest), the label is
    ``negative`` and the first reason is ``"sarcasm: ..."``. Unchanged when ``words`` is empty.

    >>> r = SentimentResult("positive", 0.8, 0.85, {"negative": 0.05, "neutral": 0.1, "positive": 0.85})
    >>> s = apply_sarcasm(r, ["Amazing", "lost"])
    >>> s.label, round(s.score, 2), s.reasons[0]
    ('negative', -0.8, "sarcasm: 'Amazing', 'lost'")
    """
    if not words:
        return result
    p = dict(result.probabilities) or {"negative": 0.0, "neutral": 1.0, "positive": 0.0}
    neg, neu, pos = p.get("negative", 0.0), p.get("neutral", 0.0), p.get("positive", 0.0)
    neg, pos = max(neg, pos), min(neg, pos)
    if neu >= neg:
        neg, neu = neu, neg
    probs = {"negative": float(neg), "neutral": float(neu), "positive": float(pos)}
    reason = "sarcasm: " + ", ".join(f"'{w}'" for w in list(dict.fromkeys(words))[:4])
    kept = tuple(r for r in result.reasons if not r.startswith(("positive words", "positive emoji")))
    return SentimentResult(label="negative", score=float(pos - neg), confidence=float(neg), probabilities=probs,
                           reasons=(reason,) + kept, source=result.source)


def cue_features(text: str, language: str | None) -> tuple[np.ndarray, dict[str, list[str]]]:
    """The cue feature vector (len ``CUE_NAMES``) of one text, and the matched words per cue.

    >>> x, hits = cue_features("Vielen Dank, super!!! 😍", "de")
    >>> hits["positive"], float(x[CUE_NAMES.index("pos_emoji")]) > 0
    (['Vielen Dank', 'super'], True)
    """
    hits = _cue_hits(text, language)
    body = _URL.sub(" ", text)
    pos_e = sum(ch in _POS_EMOJI for ch in body) + len(_POS_EMOTICON.findall(body))
    neg_e = sum(ch in _NEG_EMOJI for ch in body) + len(_NEG_EMOTICON.findall(body))
    laugh = sum(ch in _LAUGH_EMOJI for ch in body)
    ratio, n_cased = letters_upper_ratio(body)
    caps = ratio if n_cased >= 8 else 0.0
    x = np.array([
        min(len(hits.get("positive", ())), 3) / 3,
        min(len(hits.get("negative", ())), 3) / 3,
        min(len(hits.get("negated_positive", ())), 2) / 2,
        min(len(hits.get("negated_negative", ())), 2) / 2,
        min(pos_e, 3) / 3,
        min(neg_e, 3) / 3,
        min(laugh, 3) / 3,
        min(body.count("!"), 4) / 4,
        min(body.count("?"), 4) / 4,
        caps,
        1.0 if _URL.search(text) else 0.0,
        min(len(hits.get("intensifier", ())), 2) / 2,
        1.0 if _ELONG.search(body) else 0.0,
        1.0 if re.search(r"[!?]{2,}", body) else 0.0,
    ], dtype=np.float32)
    if pos_e:
        hits.setdefault("emoji", []).extend(ch for ch in body if ch in _POS_EMOJI)
    if neg_e:
        hits.setdefault("negative_emoji", []).extend(ch for ch in body if ch in _NEG_EMOJI)
    return x, hits


# ---------------------------------------------------------------------------------------------
# numpy head

class SentimentHead:
    """An ensemble of small MLPs stored in one ``.npz`` (numpy forward pass only).

    Keys: ``classes``, ``languages`` (one-hot order), ``feature_set`` (``"vec"``,
    ``"vec+lang"``, ``"vec+lang+cues"``), ``n_members``, and per member ``m{k}_W{i}``,
    ``m{k}_b{i}`` (weights ``[in, out]``, ReLU between layers), plus optional ``mean``/``scale``
    for the cue/language block and ``temperature``.

    Optionally an n-gram part (:class:`~replyassist.signals.ngrams.NgramLinear`: ``ngram_W``,
    ``ngram_b``) and its weight ``ngram_weight``; :meth:`probabilities` then fuses the two as
    ``log p = log p_mlp + ngram_weight * log p_ngram`` (renormalised).
    """

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        if not path.is_file():
            raise ModelNotAvailableError(Errors.E042, path=path)
        with np.load(path, allow_pickle=False) as z:
            self.classes = tuple(str(c) for c in z["classes"])
            self.languages = tuple(str(c) for c in z["languages"])
            self.feature_set = str(z["feature_set"])
            n = int(z["n_members"])
            self.members: list[list[tuple[np.ndarray, np.ndarray]]] = []
            for k in range(n):
                layers = []
                i = 0
                while f"m{k}_W{i}" in z:
                    layers.append((z[f"m{k}_W{i}"].astype(np.float32), z[f"m{k}_b{i}"].astype(np.float32)))
                    i += 1
                self.members.append(layers)
            self.temperature = float(z["temperature"]) if "temperature" in z else 1.0
            self.dim = int(self.members[0][0][0].shape[0])
            # auxiliary heads on the vector whose probabilities are input features ("aux")
            self.aux: list[tuple[list[tuple[np.ndarray, np.ndarray]], float]] = []
            j = 0
            while f"aux{j}_W0" in z:
                layers = []
                i = 0
                while f"aux{j}_W{i}" in z:
                    layers.append((z[f"aux{j}_W{i}"].astype(np.float32), z[f"aux{j}_b{i}"].astype(np.float32)))
                    i += 1
                self.aux.append((layers, float(z[f"aux{j}_T"])))
                j += 1
            self.ngram: NgramLinear | None = NgramLinear.from_npz(z, path=path) if "ngram_W" in z else None
            self.ngram_weight = float(z["ngram_weight"]) if "ngram_weight" in z else 0.0
        self.path = path

    def features(self, vectors: np.ndarray, texts: Sequence[str], languages: Sequence[str | None]) -> np.ndarray:
        return build_features(self.feature_set, self.languages, vectors, texts, languages, self.aux)

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        if features.shape[1] != self.dim:
            raise InputError(Errors.E126, name=self.path.name, dim=self.dim, shape=features.shape[1])
        acc = np.zeros((features.shape[0], len(self.classes)), dtype=np.float64)
        for layers in self.members:
            acc += mlp_softmax(features, layers, self.temperature)
        return acc / len(self.members)

    def probabilities(self, vectors: np.ndarray, texts: Sequence[str], languages: Sequence[str | None]) -> np.ndarray:
        """``(n, classes)`` probabilities of the whole head: the MLP ensemble, fused with the n-gram part if any."""
        p = self.predict_proba(self.features(vectors, texts, languages))
        if self.ngram is None or self.ngram_weight == 0.0 or not len(texts):
            return p
        z = self.ngram.logits(texts)
        z -= z.max(axis=1, keepdims=True)
        log_ng = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        lp = np.log(np.clip(p, 1e-12, None)) + self.ngram_weight * log_ng
        lp -= lp.max(axis=1, keepdims=True)
        q = np.exp(lp)
        return q / q.sum(axis=1, keepdims=True)


def _lang_key(language: str | None) -> str | None:
    if not language:
        return None
    code = language.lower().split("-")[0].split("_")[0]
    return {"bs": "bcms", "hr": "bcms", "sr": "bcms", "sh": "bcms", "me": "bcms", "cnr": "bcms"}.get(code, code)


def mlp_softmax(x: np.ndarray, layers: Sequence[tuple[np.ndarray, np.ndarray]], temperature: float = 1.0) -> np.ndarray:
    """Forward pass of a small MLP (weights ``[in, out]``, ReLU between layers) and a softmax."""
    z = np.asarray(x, dtype=np.float32)
    for i, (W, b) in enumerate(layers):
        z = z @ W + b
        if i < len(layers) - 1:
            z = np.maximum(z, 0.0)
    z64 = z.astype(np.float64) / temperature
    z64 -= z64.max(axis=1, keepdims=True)
    p = np.exp(z64)
    return p / p.sum(axis=1, keepdims=True)


def build_features(feature_set: str, head_languages: Sequence[str], vectors: np.ndarray,
                   texts: Sequence[str], languages: Sequence[str | None],
                   aux: Sequence[tuple[Sequence[tuple[np.ndarray, np.ndarray]], float]] = ()) -> np.ndarray:
    """Feature matrix of the head: e5 vector, language one-hot, cue features, auxiliary head outputs."""
    parts = [np.asarray(vectors, dtype=np.float32)]
    if "lang" in feature_set:
        oh = np.zeros((len(texts), len(head_languages)), dtype=np.float32)
        index = {l: i for i, l in enumerate(head_languages)}
        for r, lang in enumerate(languages):
            j = index.get(_lang_key(lang) or "")
            if j is not None:
                oh[r, j] = 1.0
        parts.append(oh)
    if "cues" in feature_set:
        parts.append(np.stack([cue_features(t, l)[0] for t, l in zip(texts, languages)])
                     if len(texts) else np.zeros((0, len(CUE_NAMES)), np.float32))
    if "aux" in feature_set:
        for layers, temp in aux:
            parts.append(mlp_softmax(parts[0], layers, temp).astype(np.float32))
    return np.concatenate(parts, axis=1)


_HEADS: dict[str, SentimentHead] = {}
_HEADS_LOCK = threading.Lock()


def load_head(path: str | Path) -> SentimentHead:
    """Load a head once per process."""
    key = str(Path(path).resolve())
    with _HEADS_LOCK:
        if key not in _HEADS:
            _HEADS[key] = SentimentHead(key)
        return _HEADS[key]


def _reasons(hits: Mapping[str, list[str]], label: str) -> tuple[str, ...]:
    out = []
    names = {"positive": "positive words", "negative": "negative words", "negated_positive": "negated positive",
             "emoji": "positive emoji", "negative_emoji": "negative emoji"}
    wanted = {"negative": ("negative", "negated_positive", "negative_emoji"),
              "positive": ("positive", "emoji"), "neutral": ()}[label]
    for key in wanted:
        if hits.get(key):
            items = list(dict.fromkeys(hits[key]))[:4]
            out.append(f"{names[key]}: " + ", ".join(f"'{w}'" for w in items))
    return tuple(out)


class VectorSentiment:
    """Sentiment from the message's e5 vector (the default, numpy only).

    ``model_dir`` holds ``sentiment_head.npz`` (see ``models/sentiment/README.md``).
    """

    def __init__(self, model_dir: str | Path | None = None, *, neutral_margin: float = 0.0,
                 head_file: str = "sentiment_head.npz") -> None:
        self.model_dir = Path(model_dir) if model_dir else default_model_dir("sentiment")
        self.neutral_margin = neutral_margin
        self.head_file = head_file
        self._head: SentimentHead | None = None

    @property
    def head(self) -> SentimentHead:
        if self._head is None:
            self._head = load_head(self.model_dir / self.head_file)
        return self._head

    def predict_proba(self, texts: Sequence[str], vectors: np.ndarray, languages: Sequence[str | None]) -> np.ndarray:
        """``(n, 3)`` probabilities in the order negative, neutral, positive."""
        head = self.head
        p = head.probabilities(vectors, texts, languages)
        order = [head.classes.index(c) for c in LABELS]
        return p[:, order]

    def predict(self, texts: Sequence[str], vectors: np.ndarray,
                languages: Sequence[str | None]) -> list[SentimentResult]:
        if len(texts) != len(vectors):
            raise InputError(Errors.E123, n_texts=len(texts), n_vectors=len(vectors))
        if not len(texts):
            return []
        return results_from_probs(texts, languages, self.predict_proba(texts, vectors, languages), "head",
                                  self.neutral_margin)


def results_from_probs(texts: Sequence[str], languages: Sequence[str | None], probs: np.ndarray, source: str,
                       neutral_margin: float = 0.0) -> list[SentimentResult]:
    """One :class:`SentimentResult` per text from ``(n, 3)`` probabilities (negative, neutral,
    positive): the cue words as evidence, sarcasm applied. Shared by every vector-based backend."""
    out = []
    for t, lang, p in zip(texts, languages, probs):
        _, hits = cue_features(t, lang)
        out.append(apply_sarcasm(_result(p, hits, source, neutral_margin), detect_sarcasm(t, lang)))
    return out


def _result(p: np.ndarray, hits: Mapping[str, list[str]], source: str, neutral_margin: float = 0.0) -> SentimentResult:
    q = p.copy()
    q[1] += neutral_margin
    k = int(np.argmax(q))
    label = LABELS[k]
    return SentimentResult(label=label, score=float(p[2] - p[0]), confidence=float(p[k]),
                           probabilities={l: float(v) for l, v in zip(LABELS, p)},
                           reasons=_reasons(hits, label), source=source)


# ---------------------------------------------------------------------------------------------
# Hugging Face backend

_SYNONYMS = {"negative": "negative", "neg": "negative", "neutral": "neutral", "neu": "neutral",
             "positive": "positive", "pos": "positive", "mixed": "neutral", "none": "neutral",
             "1 star": "negative", "2 stars": "negative", "3 stars": "neutral", "4 stars": "positive",
             "5 stars": "positive", "very negative": "negative", "very positive": "positive"}


def normalise_label(name: str, index: int, n_labels: int) -> str:
    """Map a model's label name to negative/neutral/positive.

    Named labels are matched by name (``"Negative"``, ``"NEG"``, ``"4 stars"``); ``LABEL_k``
    follows the common conventions: two labels = negative, positive; three = negative,
    neutral, positive; five = star ratings.

    >>> normalise_label("LABEL_2", 2, 3), normalise_label("NEG", 0, 3), normalise_label("LABEL_1", 1, 2)
    ('positive', 'negative', 'positive')
    """
    key = name.strip().lower()
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    m = re.fullmatch(r"label[_ ]?(\d+)", key)
    k = int(m.group(1)) if m else index
    if m or key.isdigit():
        if n_labels == 2:
            return ("negative", "positive")[k]
        if n_labels == 3:
            return LABELS[k]
        if n_labels == 5:
            return ("negative", "negative", "neutral", "positive", "positive")[k]
    raise ConfigError(Errors.E073, name=name, index=index, n_labels=n_labels)


class TransformersSentiment:
    """Any Hugging Face sequence-classification sentiment model, through ``transformers``.

    ``model_name_or_path``: a local folder (works offline) or a hub name (needs the hub the
    first time). ``label_map`` maps the model's label names (or ids) to
    negative/neutral/positive when they are not self-explanatory. The model loads lazily, once.

    >>> clf = TransformersSentiment("/models/twitter-xlm-roberta-base-sentiment")   # doctest: +SKIP
    >>> clf.predict(["Ich liebe es!"])[0].label                                       # doctest: +SKIP
    'positive'
    """

    def __init__(self, model_name_or_path: str | Path, label_map: Mapping[Any, str] | None = None, *,
                 batch_size: int = 16, max_length: int = 256, device: str = "cpu") -> None:
        self.model_name_or_path = str(model_name_or_path)
        self.label_map = dict(label_map or {})
        bad = {v for v in self.label_map.values() if v not in LABELS}
        if bad:
            raise ConfigError(Errors.E071, LABELS=list(LABELS), bad=sorted(bad))
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device
        self._model: Any = None
        self._tokenizer: Any = None
        self._labels: list[str] = []
        self._lock = threading.Lock()

    def _load(self) -> None:
        if self._model is not None:
            return
        try:
            import torch  # noqa: F401
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as exc:
            raise MissingDependencyError.for_package("transformers", "The Hugging Face sentiment backend",
                                                     extra="st") from exc
        try:
            tok = AutoTokenizer.from_pretrained(self.model_name_or_path)
            model = AutoModelForSequenceClassification.from_pretrained(self.model_name_or_path)
        except Exception as exc:
            raise ModelNotAvailableError(Errors.E043, model_name_or_path=self.model_name_or_path,
                                         exc_type=type(exc).__name__, exc=exc) from exc
        model.eval()
        model.to(self.device)
        id2label = {int(k): str(v) for k, v in (model.config.id2label or {}).items()}
        n = int(model.config.num_labels)
        labels = []
        for i in range(n):
            name = id2label.get(i, f"LABEL_{i}")
            if name in self.label_map:
                labels.append(self.label_map[name])
            elif i in self.label_map:
                labels.append(self.label_map[i])
            else:
                labels.append(normalise_label(name, i, n))
        self._labels = labels
        self._tokenizer, self._model = tok, model

    @property
    def labels(self) -> list[str]:
        """The mapped label of each model output (loads the model)."""
        with self._lock:
            self._load()
        return list(self._labels)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """``(n, 3)`` probabilities (negative, neutral, positive); classes mapped to the same label add up."""
        with self._lock:
            self._load()
            import torch
            out = np.zeros((len(texts), 3), dtype=np.float64)
            for s in range(0, len(texts), self.batch_size):
                batch = [t if t.strip() else "." for t in texts[s:s + self.batch_size]]
                enc = self._tokenizer(batch, padding=True, truncation=True, max_length=self.max_length,
                                      return_tensors="pt")
                enc = {k: v.to(self.device) for k, v in enc.items()}
                with torch.no_grad():
                    logits = self._model(**enc).logits.float().cpu().numpy()
                p = np.exp(logits - logits.max(axis=1, keepdims=True))
                p /= p.sum(axis=1, keepdims=True)
                for j, lab in enumerate(self._labels):
                    out[s:s + len(batch), LABELS.index(lab)] += p[:, j]
        return out

    def predict(self, texts: Sequence[str], vectors: np.ndarray | None = None,
                languages: Sequence[str | None] | None = None) -> list[SentimentResult]:
        if not len(texts):
            return []
        langs = languages if languages is not None else [None] * len(texts)
        return [apply_sarcasm(_result(p, cue_features(t, l)[1], f"transformers:{Path(self.model_name_or_path).name}"),
                              detect_sarcasm(t, l))
                for t, l, p in zip(texts, langs, self.predict_proba(texts))]
