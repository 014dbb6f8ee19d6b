"""SignalAnalyzer: sentiment, moderation and escalation for a batch of messages.

>>> import numpy as np
>>> from replyassist.signals import SignalAnalyzer, SignalSettings
>>> from replyassist.embeddings import get_embedder                                    # doctest: +SKIP
>>> texts = ["Schon zum dritten Mal: wo ist mein Paket?! Sonst gehe ich zum Anwalt."]
>>> vecs = get_embedder("e5-small").encode(texts)                                      # doctest: +SKIP
>>> s = SignalAnalyzer().analyze(texts, vecs, ["de"], channels=["email"])[0]            # doctest: +SKIP
>>> s.escalation.level, s.escalation.action                                             # doctest: +SKIP
('escalate', 'hand_to_senior')
>>> s.escalation.reasons[:2]                                                            # doctest: +SKIP
("legal threat: 'Anwalt'", "repeated contact: 'Schon zum dritten Mal'")
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from .._config import checked_fields
from ..errors import ConfigError, Errors, InputError
from ..text import replace_lone_surrogates
from .escalation import ACTIONS, CUE_LABELS, Escalation, decide, detect_cues
from .moderation import ModerationResult, Moderator
from .sentiment import LABELS, SentimentResult, TransformersSentiment, VectorSentiment
from .sentiment_e5 import TunedE5Sentiment

__all__ = ["SignalSettings", "ChannelRule", "Signals", "SignalAnalyzer"]


@dataclass(frozen=True)
class ChannelRule:
    """How a channel is treated.

    ``public``: others can read the thread (social media, forums, reviews).
    ``warn_on_abuse``: community rules apply; abusive authors get a warning.
    ``private_on_personal_data`` / ``private_on_heated``: move to a private channel when the
    message shows personal data / is a heated dispute.
    ``escalate_in_private``: an escalated message on this channel is moved to a private
    channel first (except safety and legal cases, which go to a senior agent directly).
    """

    public: bool = False
    warn_on_abuse: bool = False
    private_on_personal_data: bool = True
    private_on_heated: bool = True
    escalate_in_private: bool = False

    @classmethod
    def coerce(cls, value: Any, name: str) -> "ChannelRule":
        if isinstance(value, ChannelRule):
            return value
        return cls(**checked_fields(cls, value, f"signals.channel_rules.{name}"))


_PUBLIC = ChannelRule(public=True, warn_on_abuse=True)
_DEFAULT_CHANNELS: dict[str, ChannelRule] = {
    **{c: _PUBLIC for c in ("twitter", "x", "facebook", "instagram", "tiktok", "youtube", "linkedin", "forum",
                            "community", "review", "reviews", "public", "social", "google_reviews", "trustpilot",
                            "reddit", "comments")},
    **{c: ChannelRule() for c in ("email", "chat", "phone", "sms", "whatsapp", "messenger", "dm", "ticket",
                                  "webform", "contact_form", "private")},
}

_DEFAULT_WEIGHTS: dict[str, float] = {
    "repeated_contact": 2.0, "churn": 2.0, "legal": 3.0, "public": 3.0, "safety": 5.0, "urgency": 1.0,
    "shouting": 1.5, "abuse": 3.0, "negative": 1.0, "very_negative": 1.0, "personal_data": 0.0,
}


@dataclass
class SignalSettings:
    """Every threshold and rule of the signals stage (settings, not code).

    Levels: the weights of the cues that fired are added; ``watch_at``/``escalate_at``/
    ``urgent_at`` are the thresholds; any cue in ``urgent_signals`` (``escalate_signals``)
    makes the message urgent (at least escalated) on its own.

    >>> s = SignalSettings.from_dict({"escalate_at": 4, "channel_rules": {"shopforum": {"public": True}}})
    >>> s.rule_for("shopforum").public, s.rule_for("email").public
    (True, False)
    """

    # sentiment
    sentiment_backend: str = "head"                 # "head", "e5-tuned" or "transformers:<name-or-path>"
    sentiment_model_dir: str | None = None
    sentiment_label_map: dict[str, str] | None = None
    neutral_margin: float = 0.0                     # added to P(neutral) before argmax
    negative_threshold: float = -0.3                # score at or below: cue "negative"
    very_negative_threshold: float = -0.7
    # moderation
    flag_profanity: bool = True
    moderation_model: bool = True
    moderation_threshold: float | None = None       # None: the threshold stored with the head
    moderation_model_dir: str | None = None
    moderation_model_languages: tuple[str, ...] | None = ("de", "en")   # None: every language
    extra_lexicon_dir: str | None = None            # <dir>/{escalation,abuse,sentiment}/<lang>.txt
    # escalation
    weights: dict[str, float] = field(default_factory=lambda: dict(_DEFAULT_WEIGHTS))
    watch_at: float = 1.0
    escalate_at: float = 3.0
    urgent_at: float = 6.0
    urgent_signals: tuple[str, ...] = ("safety",)
    escalate_signals: tuple[str, ...] = ("legal",)
    repeat_history_min: int = 2
    shout_caps_ratio: float = 0.7
    shout_min_letters: int = 12
    shout_min_caps_words: int = 3
    # channels
    channel_rules: dict[str, ChannelRule] = field(default_factory=lambda: dict(_DEFAULT_CHANNELS))
    default_channel_rule: ChannelRule = field(default_factory=ChannelRule)

    def __post_init__(self) -> None:
        self.channel_rules = {str(k).lower(): ChannelRule.coerce(v, str(k)) for k, v in self.channel_rules.items()}
        self.default_channel_rule = ChannelRule.coerce(self.default_channel_rule, "default")
        self.urgent_signals = tuple(self.urgent_signals)
        self.escalate_signals = tuple(self.escalate_signals)
        unknown = sorted((set(self.weights) | set(self.urgent_signals) | set(self.escalate_signals)) - set(CUE_LABELS))
        if unknown:
            raise ConfigError(Errors.E060, unknown=unknown, CUE_LABELS=sorted(CUE_LABELS))
        self.weights = {**_DEFAULT_WEIGHTS, **{k: float(v) for k, v in self.weights.items()}}
        if not self.watch_at <= self.escalate_at <= self.urgent_at:
            raise ConfigError(Errors.E061, watch_at=self.watch_at, escalate_at=self.escalate_at,
                              urgent_at=self.urgent_at)
        if not -1.0 <= self.very_negative_threshold <= self.negative_threshold <= 1.0:
            raise ConfigError(Errors.E062)
        if not (self.sentiment_backend in ("head", "e5-tuned") or self.sentiment_backend.startswith("transformers:")):
            raise ConfigError(Errors.E063, sentiment_backend=self.sentiment_backend)
        if self.sentiment_label_map:
            bad = {v for v in self.sentiment_label_map.values() if v not in LABELS}
            if bad:
                raise ConfigError(Errors.E065, LABELS=list(LABELS), bad=sorted(bad))
        if self.repeat_history_min < 1:
            raise ConfigError(Errors.E064)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SignalSettings":
        """Build from a mapping (a TOML/YAML section); unknown keys raise ConfigError."""
        data = checked_fields(cls, data, "signals")
        if "channel_rules" in data:
            # a section adds to or overrides the default channels
            data["channel_rules"] = {**_DEFAULT_CHANNELS, **dict(data["channel_rules"])}
        try:
            return cls(**data)
        except TypeError as exc:
            raise ConfigError(Errors.E011, name="signals", exc=exc) from None

    def rule_for(self, channel: str | None) -> ChannelRule:
        if not channel:
            return self.default_channel_rule
        return self.channel_rules.get(channel.strip().lower(), self.default_channel_rule)


@dataclass(frozen=True)
class Signals:
    """Sentiment, moderation and escalation of one message."""

    sentiment: SentimentResult
    moderation: ModerationResult
    escalation: Escalation

    def to_dict(self) -> dict[str, Any]:
        return {"sentiment": self.sentiment.to_dict(), "moderation": self.moderation.to_dict(),
                "escalation": self.escalation.to_dict()}


def _personal_data_kinds(text: str) -> list[str]:
    from ..text import find_pii  # public function of the text stage
    return [s.kind for s in find_pii(text) if s.kind in ("email", "phone", "iban", "card")]


class SignalAnalyzer:
    """Runs the three signals over a batch; models load lazily, once per process."""

    def __init__(self, settings: SignalSettings | None = None) -> None:
        if settings is not None and not isinstance(settings, SignalSettings):
            if isinstance(settings, Mapping):
                settings = SignalSettings.from_dict(settings)
            else:
                raise ConfigError(Errors.E067, settings_type=type(settings).__name__)
        self.settings = settings or SignalSettings()
        s = self.settings
        if s.sentiment_backend == "head":
            self.sentiment_model: VectorSentiment | TransformersSentiment | TunedE5Sentiment = VectorSentiment(
                s.sentiment_model_dir, neutral_margin=s.neutral_margin)
        elif s.sentiment_backend == "e5-tuned":  # fine-tuned e5 (models/e5): a second encoder pass
            self.sentiment_model = TunedE5Sentiment(s.sentiment_model_dir, neutral_margin=s.neutral_margin)
        else:
            self.sentiment_model = TransformersSentiment(s.sentiment_backend.split(":", 1)[1],
                                                         label_map=s.sentiment_label_map)
        self.moderator = Moderator(flag_profanity=s.flag_profanity, use_model=s.moderation_model,
                                   model_threshold=s.moderation_threshold, model_dir=s.moderation_model_dir,
                                   extra_lexicon_dir=s.extra_lexicon_dir,
                                   model_languages=s.moderation_model_languages)

    def analyze(self, texts: Sequence[str], vectors: np.ndarray, languages: Sequence[str | None],
                channels: Sequence[str | None] | None = None,
                histories: Sequence[Sequence[str]] | None = None) -> list[Signals]:
        """One :class:`Signals` per text; ``vectors`` are the e5 query vectors of the same texts."""
        n = len(texts)
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != n:
            raise InputError(Errors.E118, n=n, shape=vectors.shape)
        for name, seq in (("languages", languages), ("channels", channels), ("histories", histories)):
            if seq is not None and len(seq) != n:
                raise InputError(Errors.E121, n=n, n_seq=len(seq), name=name)
        if any(not isinstance(t, str) for t in texts):
            raise InputError.not_text(next(t for t in texts if not isinstance(t, str)))
        if channels is not None and any(c is not None and not isinstance(c, str) for c in channels):
            bad = next(c for c in channels if c is not None and not isinstance(c, str))
            raise InputError(Errors.E119, bad_type=type(bad).__name__)
        if n == 0:
            return []
        if not np.isfinite(vectors).all():
            raise InputError(Errors.E120)
        # a lone surrogate (bad decoding) cannot be encoded by the n-gram and lexicon stages
        texts = [replace_lone_surrogates(t) for t in texts]
        channels = channels if channels is not None else [None] * n
        histories = histories if histories is not None else [()] * n
        sentiments = self.sentiment_model.predict(list(texts), vectors, list(languages))
        moderations = self.moderator.check(list(texts), vectors, list(languages))
        out = []
        for text, lang, ch, hist, sent, mod in zip(texts, languages, channels, histories, sentiments, moderations):
            rule = self.settings.rule_for(ch)
            cues = detect_cues(text, lang, sentiment=sent, moderation=mod, history=list(hist or ()),
                               personal_data=_personal_data_kinds(text), settings=self.settings)
            esc = decide(cues, rule, self.settings)
            assert esc.action in ACTIONS
            out.append(Signals(sentiment=sent, moderation=mod, escalation=esc))
        return out
