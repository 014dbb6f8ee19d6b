"""The one place that composes the stages into a suggestion. No NLP of its own.

>>> from replyassist import ReplyAssistant
>>> assistant = ReplyAssistant.from_corpus("faq_corpus/shop")          # doctest: +SKIP
>>> s = assistant.suggest("Wo bleibt meine Bestellung 4711?", customer_name="Jonas",
...                       channel="email", agent_name="Mira K.")       # doctest: +SKIP
>>> s.language, s.matches[0].faq_id, s.draft.text                       # doctest: +SKIP
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping, Sequence


from .corpus import FaqCorpus, load_corpus
from .drafting import Draft, Drafter, DraftRequest, asks
from .embeddings import Embedder, get_embedder
from .errors import ConfigError, Errors, InputError, ReplyAssistError
from .language import LanguageDetector, LanguageHints, LanguageResult
from .log_learning import LogLearning
from .matching import FaqIndex, Match, MatchResult
from .pipeline import AnalysisPipeline, MessageInput, PipelineSettings
from .settings import Settings, load_settings
from .signals import Escalation, ModerationResult, SentimentResult, SignalAnalyzer, Signals
from .signals.situation import detect_situations
from .text import PreparedText
from .tone import ToneChecker, ToneFinding

__all__ = ["Message", "Suggestion", "ReplyAssistant", "SCHEMA"]

#: Version tag of the JSON produced by :meth:`Suggestion.to_dict` (and ``replyassist suggest --json``).
SCHEMA = "replyassist.suggestion/1"


@dataclass(frozen=True)
class Message:
    """One incoming message and what the help desk knows around it.

    ``history``: earlier messages of this customer, oldest first, as plain texts or dicts with
    ``text``, ``date`` (ISO), ``direction`` ("in" from the customer / "out" from the team).
    ``values``: extra placeholder values for the answer template (``{"order_id": "4711"}``).
    """

    text: str
    customer_name: str | None = None
    agent_name: str | None = None
    channel: str | None = None
    customer_language: str | None = None
    locale: str | None = None
    history: Sequence[Any] = ()
    values: Mapping[str, str] = field(default_factory=dict)
    id: str | None = None

    def __post_init__(self) -> None:
        # Checked here, so a wrong type is a clear InputError (per message in suggest_many) and
        # not an AttributeError from deep inside a stage. ``text`` is checked by prepare_message.
        for name in ("customer_name", "agent_name", "channel", "customer_language", "locale"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, str):
                raise InputError(Errors.E105, name=name, v_type=type(v).__name__)
        if isinstance(self.history, (str, bytes)) or not isinstance(self.history, Iterable):
            raise InputError(Errors.E129, history_type=type(self.history).__name__)
        if not isinstance(self.values, Mapping):
            raise InputError(Errors.E130, values_type=type(self.values).__name__)
        object.__setattr__(self, "history", tuple(self.history))

    @classmethod
    def coerce(cls, item: "str | Message | Mapping[str, Any]") -> "Message":
        if isinstance(item, Message):
            return item
        if isinstance(item, str):
            return cls(text=item)
        if isinstance(item, Mapping):
            known = {f for f in cls.__dataclass_fields__}
            # keys of any type: sorted by their text ({2: 3} made sorting raise TypeError, issue 20)
            unknown = sorted((k for k in item if k not in known), key=repr)
            if unknown:
                raise InputError(Errors.E133, unknown=[k if isinstance(k, str) else repr(k) for k in unknown],
                                 known=sorted(known))
            if "text" not in item:
                raise InputError(Errors.E134, fields=sorted(map(str, item)))
            return cls(**dict(item))
        raise InputError.not_text(item)


@dataclass(frozen=True)
class Suggestion:
    """Everything replyassist found for one message. ``to_dict()`` is the stable JSON schema."""

    message: PreparedText
    language_result: LanguageResult
    match: MatchResult
    signals: Signals
    draft: Draft
    tone: tuple[ToneFinding, ...]
    message_translation: Any = None
    notes: tuple[str, ...] = ()
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    id: str | None = None

    @property
    def language(self) -> str | None:
        return self.language_result.language

    @property
    def language_confidence(self) -> float:
        return self.language_result.confidence

    @property
    def matches(self) -> tuple[Match, ...]:
        return self.match.matches

    @property
    def sentiment(self) -> SentimentResult:
        return self.signals.sentiment

    @property
    def moderation(self) -> ModerationResult:
        return self.signals.moderation

    @property
    def escalation(self) -> Escalation:
        return self.signals.escalation

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict; keys documented in ``docs/json-schema.md``."""
        return {
            "schema": SCHEMA,
            "id": self.id,
            "message": {"text": self.message.text, "clean": self.message.clean, "truncated": self.message.truncated,
                        "pii": [s.to_dict() for s in self.message.pii]},
            "language": self.language_result.to_dict(),
            "match": {"band": self.match.band, "confidence": round(float(self.match.confidence), 4),
                      "matches": [m.to_dict() for m in self.match.matches]},
            "sentiment": self.signals.sentiment.to_dict(),
            "moderation": self.signals.moderation.to_dict(),
            "escalation": self.signals.escalation.to_dict(),
            "draft": self.draft.to_dict(),
            "tone": [f.to_dict() for f in self.tone],
            "message_translation": self.message_translation.to_dict() if self.message_translation is not None else None,
            "notes": list(self.notes),
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


class ReplyAssistant:
    """Composes the stages; load once, then call :meth:`suggest` / :meth:`suggest_many` many times.

    >>> assistant = ReplyAssistant.from_corpus("faq_corpus/shop")            # doctest: +SKIP
    >>> assistant.suggest("Hol van a csomagom?").draft.language              # doctest: +SKIP
    'hu'
    """

    def __init__(self, corpus: FaqCorpus, settings: Settings | Mapping[str, Any] | str | Path | None = None, *,
                 embedder: Embedder | None = None, translator: Any = None, warm_up: bool = True) -> None:
        self.settings = load_settings(settings)
        self.corpus = corpus
        self.embedder = embedder or get_embedder(self.settings.embedder)
        cache_dir = Path(self.settings.cache_dir) / "index" if self.settings.cache_dir else None
        self.index = FaqIndex(corpus, self.embedder, self.settings.matching, cache_dir=cache_dir)
        self.signals = SignalAnalyzer(self.settings.signals)
        #: The message analysis (prepare, language, encode, match, signals) shared with the gap
        #: analysis, log learning and evaluate; drafting follows it here.
        self.pipeline = AnalysisPipeline.for_corpus(corpus, embedder=self.embedder, index=self.index,
                                                    signals=self.signals,
                                                    settings=PipelineSettings.from_settings(self.settings))
        self.detector: LanguageDetector = self.pipeline.detector
        self.translator = translator if translator is not None else self._make_translator()
        self.drafter = Drafter(self.settings.drafting, translator=self.translator)
        self.tone_checker = ToneChecker(self.settings.drafting,
                                        embedder=self.embedder if self.settings.tone_embeddings else None)
        if warm_up:
            self.warm_up()

    def warm_up(self) -> None:
        """Run one short message through every stage so lazily loaded models load now, at start-up,
        and the first real message is as fast as the rest."""
        self.suggest_many(["Hello, where is my order?"])

    @classmethod
    def from_corpus(cls, path: str | Path, settings: Settings | Mapping[str, Any] | str | Path | None = None,
                    **kwargs: Any) -> "ReplyAssistant":
        """Load the corpus at ``path`` and the offline default models."""
        return cls(load_corpus(path), settings, **kwargs)

    def learn_from_log(self, source: Any, *, text_column: str | None = None, keep: float = 0.7,
                       max_messages: int = 5000) -> "LogLearning":
        """Let the FAQ matcher learn from past, unlabelled messages (a CSV/JSONL log, a list, a DataFrame).

        The clearest matches of the log become extra paraphrases of their entries
        (:meth:`FaqIndex.learn_from_log`; measured gain on Banking77 with 3 paraphrases per intent:
        0.732 -> 0.764 top-1). Each message is cleaned, its language detected (or read from a
        ``language`` column) and encoded once. Calling it again replaces the earlier log.

        >>> ra.learn_from_log("examples/messages_log.csv").added    # doctest: +SKIP
        84
        """
        from .log_learning import learn_index_from_log
        return learn_index_from_log(self.index, source, pipeline=self.pipeline, text_column=text_column, keep=keep,
                                    max_messages=max_messages)

    def _make_translator(self) -> Any:
        if self.settings.translator == "none":
            return None
        from .translation import ArgosTranslator, SafeTranslator
        cache = Path(self.settings.cache_dir) / "translations" if self.settings.cache_dir else None
        return SafeTranslator(ArgosTranslator(), cache_dir=cache)

    # ------------------------------------------------------------------------------------------

    def suggest(self, text: str, *, customer_name: str | None = None, agent_name: str | None = None,
                channel: str | None = None, customer_language: str | None = None, locale: str | None = None,
                history: Sequence[Any] = (), values: Mapping[str, str] | None = None,
                now: datetime | None = None) -> Suggestion:
        """Suggest a reply to one message. Raises :class:`~replyassist.errors.InputError` for bad input.

        >>> s = assistant.suggest("Wo bleibt meine Bestellung 4711?", customer_name="Jonas",
        ...                       channel="email", agent_name="Mira K.")   # doctest: +SKIP
        """
        msg = Message(text=text, customer_name=customer_name, agent_name=agent_name, channel=channel,
                      customer_language=customer_language, locale=locale, history=history,
                      values=values if values is not None else {})
        result = self.suggest_many([msg], now=now, on_error="raise")[0]
        assert isinstance(result, Suggestion)
        return result

    def suggest_many(self, messages: Iterable["str | Message | Mapping[str, Any]"], *, now: datetime | None = None,
                     on_error: Literal["raise", "return"] = "raise") -> list["Suggestion | ReplyAssistError"]:
        """Suggest replies for many messages: one batched encode, vectorised matching and scoring.

        With ``on_error="return"`` a bad message yields its :class:`ReplyAssistError` in its place
        (nothing is dropped, order is kept); with ``"raise"`` the first bad message raises.
        """
        if on_error not in ("raise", "return"):
            raise ConfigError(Errors.E079, on_error=on_error)
        if isinstance(messages, (str, bytes, Mapping, Message)):  # else a str would become one message per character
            raise InputError(Errors.E131, messages_type=type(messages).__name__)
        if now is not None and not isinstance(now, datetime):
            raise InputError(Errors.E132, now_type=type(now).__name__)
        items = list(messages)
        results: list[Suggestion | ReplyAssistError | None] = [None] * len(items)
        ok: list[tuple[int, Message, PreparedText]] = []
        for i, item in enumerate(items):
            try:
                msg = Message.coerce(item)
                ok.append((i, msg, self.pipeline.prepare(msg.text)))
            except ReplyAssistError as exc:
                if on_error == "raise":
                    raise
                results[i] = exc
        if ok:
            for (i, _, _), sugg in zip(ok, self._run([(m, p) for _, m, p in ok], now)):
                results[i] = sugg
        return [r for r in results if r is not None]

    def _run(self, batch: list[tuple[Message, PreparedText]], now: datetime | None) -> list[Suggestion]:
        n = len(batch)
        # the analysis (language, ONE encode of the messages and their sentences, match, signals)
        res = self.pipeline.run([self._input(m) for m, _ in batch], prepared=[p for _, p in batch])
        analyses = res.ok
        t = {"language": res.timings["language"], "embed": res.timings["encode"], "match": res.timings["match"],
             "signals": res.timings["signals"]}
        langs = [a.language for a in analyses]
        matches = [a.match for a in analyses]
        sigs = [a.signals for a in analyses]
        sentence_notes: list[tuple[str, ...]] = [()] * n
        also: list[tuple[str, ...]] = [()] * n
        if any(a.sentences for a in analyses):
            owners = [k for k, a in enumerate(analyses) for _ in a.sentences]
            sentence_notes, also = _second_questions(matches, [x for a in analyses for x in a.sentences], owners,
                                                     [r for a in analyses for r in a.sentence_matches],
                                                     [a.language.language for a in analyses])
        t0 = time.perf_counter()
        situations = [detect_situations(p.text, r.language, _history_texts(m.history), cues=sig.escalation.signals)
                      for (m, p), r, sig in zip(batch, langs, sigs)]
        t["signals"] += time.perf_counter() - t0
        out: list[Suggestion] = []
        t_draft = t_tone = t_tr = 0.0
        for k, ((msg, prep), lang, match, sig) in enumerate(zip(batch, langs, matches, sigs)):
            t0 = time.perf_counter()
            draft = self.drafter.draft(DraftRequest(
                message=prep.text, language=lang.language, script=lang.script, match=match, corpus=self.corpus,
                sentiment_label=sig.sentiment.label, escalation_action=sig.escalation.action,
                customer_name=msg.customer_name, agent_name=msg.agent_name, channel=msg.channel,
                history=tuple(msg.history), values=self._values(msg, prep), now=now,
                situations=situations[k].kinds, also_answer=also[k], sentiment_score=sig.sentiment.score,
                variant_guessed=_variant_guessed(analyses[k].variant)))
            t_draft += time.perf_counter() - t0
            t0 = time.perf_counter()
            tone = self.tone_checker.check(draft, customer_register=draft.customer_register,
                                           negative_customer=sig.sentiment.label == "negative", channel=msg.channel)
            t_tone += time.perf_counter() - t0
            t0 = time.perf_counter()
            translation, notes = self._translate_for_agent(prep, lang, (msg.customer_name, msg.agent_name))
            t_tr += time.perf_counter() - t0
            notes = sentence_notes[len(out)] + notes
            if match.not_answered and match.matches and match.known_gap:
                notes = notes + (f"the FAQ does not answer this yet (known gap {match.known_gap!r}: "
                                 f"{match.not_answered!r}); "
                                 f"not answered from {match.matches[0].faq_id!r}. Answer it yourself, and add an "
                                 "entry to the FAQ",)
            elif match.not_answered and match.matches:
                notes = notes + (f"not answered from {match.matches[0].faq_id!r}: the message is closest to a "
                                 f"question that entry does not answer ({match.not_answered!r})",)
            variant = analyses[k].variant
            vnote = variant.note if variant is not None else None
            if vnote:
                notes = (vnote,) + notes
            if lang.language is None:
                notes = notes + ("language could not be determined; drafted in the corpus default language",)
            if prep.truncated:
                notes = notes + (f"message truncated to {len(prep.text)} characters",)
            notes = notes + _history_problems(msg.history)
            timings = {k: v * 1000 / n for k, v in t.items()} | {"draft": t_draft * 1000, "tone": t_tone * 1000}
            if translation is not None:
                timings["translate"] = t_tr * 1000
            out.append(Suggestion(message=prep, language_result=lang, match=match, signals=sig, draft=draft,
                                  tone=tuple(tone), message_translation=translation, notes=notes,
                                  timings_ms=timings, id=msg.id))
        return out

    def _values(self, msg: Message, prep: PreparedText) -> dict[str, Any]:
        """The caller's placeholder values, plus the order number the customer wrote (on private
        channels only: a public reply does not repeat it), so that the answer names their order
        instead of asking for the number they already gave."""
        values: dict[str, Any] = dict(msg.values)
        if "order_id" not in values and not self.settings.drafting.channel(msg.channel).public:
            ids = [prep.text[sp.start:sp.end] for sp in prep.pii if sp.kind == "order_id"]
            if len(set(ids)) == 1:   # one order named: that one (two: the agent decides)
                # the corpus slot takes a bare identifier ("#4711"): digits get the "#"
                values["order_id"] = "#" + ids[0] if ids[0].isdigit() else ids[0]
        return values

    def _input(self, msg: Message) -> MessageInput:
        return MessageInput(text=msg.text, customer_language=msg.customer_language, locale=msg.locale,
                            channel=msg.channel, history=tuple(_history_texts(msg.history)))

    def _hints(self, msg: Message) -> LanguageHints:
        return self._input(msg).hints(self.pipeline.corpus_languages)

    def _translate_for_agent(self, prep: PreparedText, lang: LanguageResult,
                             names: Sequence[str | None] = ()) -> tuple[Any, tuple[str, ...]]:
        target = self.settings.agent_language
        if not target or lang.language in (None, target):
            return None, ()
        if self.translator is None:
            return None, (f"message is in {lang.language}; no translator configured to show it in {target}",)
        try:
            protect = tuple(n for n in names if n)
            return self.translator.translate(prep.clean, lang.language, target, protect=protect), ()
        except ReplyAssistError as exc:
            return None, (f"message not translated for the agent: {exc.message}",)


#: P(right) a sentence's own top entry needs to become a second answer (see _second_questions):
#: a question (with "?") and a statement ("I also need an invoice.").
SECOND_QUESTION_AT = 0.6
SECOND_STATEMENT_AT = 0.9
#: ... and the entry must be among the whole message's top matches (0: no such check): a follow-up that
#: only makes sense with the sentence before it is matched alone to something unrelated.
SECOND_IN_MESSAGE_TOP = 2


def _second_questions(matches: Sequence[MatchResult], sentences: Sequence[str], owners: Sequence[int | None],
                      seg_results: Sequence[MatchResult], languages: Sequence[str | None] = ()
                      ) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """A second question in a message: a sentence (``owners[j]``: its message) matched on its own to
    another entry than the one the message is answered from, with P(right) at least
    SECOND_QUESTION_AT (a question) or SECOND_STATEMENT_AT (no question mark: complaints are not
    questions), becomes a second answer. Returns ``(notes, also_answer)`` per message."""
    notes: list[tuple[str, ...]] = [()] * len(matches)
    also: list[tuple[str, ...]] = [()] * len(matches)
    best: dict[int, tuple[float, str, str]] = {}
    for sentence, i, r in zip(sentences, owners, seg_results):
        if i is None:
            continue
        m = matches[i]
        if m is None or m.band == "no_match" or not m.matches or r.band == "no_match" or not r.matches:
            continue
        if r.matches[0].faq_id == m.matches[0].faq_id:
            continue
        if SECOND_IN_MESSAGE_TOP and r.matches[0].faq_id not in {x.faq_id for x in m.matches[:SECOND_IN_MESSAGE_TOP]}:
            continue   # the whole message does not point there either ("Wo gebe ich den ein?" after a voucher question)
        # a question, or a request without "?" ("pls close my account", "molim vas da ugasite nalog")
        lang = languages[i] if i < len(languages) else None
        if r.confidence >= (SECOND_QUESTION_AT if asks(sentence, lang) else SECOND_STATEMENT_AT) \
                and (i not in best or (r.confidence, sentence) > best[i][:2]):
            best[i] = (r.confidence, sentence, r.matches[0].faq_id)
    for i, (_, sentence, faq_id) in best.items():
        also[i] = (faq_id,)
        notes[i] = (f"second question answered from {faq_id!r}: {sentence!r}",)
    return notes, also


def _variant_guessed(variant: Any) -> bool:
    """Whether the Serbian/Croatian/Bosnian variant was guessed (``VariantDecision.guessed``; ``None``: no)."""
    return bool(variant is not None and variant.guessed)


def _history_problems(history: Sequence[Any]) -> tuple[str, ...]:
    """Notes on the history items that cannot be used as given (nothing is dropped silently)."""
    out = []
    for i, h in enumerate(history, start=1):
        if isinstance(h, str):
            continue
        if isinstance(h, Mapping):
            if not isinstance(h.get("text"), str):
                out.append(f"history item {i} ignored for the signals: its 'text' is missing or not a text")
            d = h.get("date")
            if d is not None and not isinstance(d, (date, datetime)):
                try:
                    datetime.fromisoformat(str(d))
                except ValueError:
                    out.append(f"history item {i}: date {str(d)[:40]!r} is not an ISO date (YYYY-MM-DD); "
                               "used without a date")
        elif not hasattr(h, "text"):
            out.append(f"history item {i} ignored: a {type(h).__name__} has no text; give a string or a dict "
                       "with 'text' (and 'date', 'direction')")
    return tuple(out)


def _history_texts(history: Sequence[Any]) -> list[str]:
    out = []
    for h in history:
        if isinstance(h, str):
            out.append(h)
        elif isinstance(h, Mapping) and isinstance(h.get("text"), str):
            out.append(h["text"])
        elif hasattr(h, "text"):
            out.append(str(h.text))
    return out

