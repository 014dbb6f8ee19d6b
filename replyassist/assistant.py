"""The one place that composes the stages into a suggestion. No NLP of its own.

>>> from replyassist import ReplyAssistant
>>> assistant = ReplyAssistant.from_corpus("faq_corpus/shop")          # doctest: +SKIP
>>> s = assistant.suggest("Wo bleibt meine Bestellung 4711?", customer_name="Jonas",
...                       channel="email", agent_name="Mira K.")       # doctest: +SKIP
>>> s.language, s.matches[0].faq_id, s.draft.text                       # doctest: +SKIP
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping, Sequence


from .corpus import FaqCorpus, load_corpus
from .drafting import Draft, Drafter, DraftRequest
from .embeddings import Embedder, get_embedder
from .errors import ConfigError, InputError, ReplyAssistError
from .language import LanguageDetector, LanguageHints, LanguageResult
from .language.variant import BCMS_LANGUAGES, resolve_variant
from .log_learning import LogLearning
from .matching import FaqIndex, Match, MatchResult
from .settings import Settings, load_settings
from .signals import Escalation, ModerationResult, SentimentResult, SignalAnalyzer, Signals
from .signals.situation import detect_situations
from .text import PreparedText, prepare_message, segment_batch
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
                raise InputError(f"Message.{name} must be a str or None, got {type(v).__name__}; "
                                 f"pass e.g. {name}=str(value).", code="E105")
        if isinstance(self.history, (str, bytes)) or not isinstance(self.history, Iterable):
            raise InputError(f"Message.history must be a list of earlier messages (texts or dicts), got "
                             f"{type(self.history).__name__}; wrap a single message in a list.", code="E105")
        if not isinstance(self.values, Mapping):
            raise InputError(f"Message.values must be a mapping of placeholder names to values, got "
                             f"{type(self.values).__name__}; e.g. values={{'order_id': '4711'}}.", code="E105")
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
                raise InputError(f"Unknown message field(s) {[k if isinstance(k, str) else repr(k) for k in unknown]}; "
                                 f"valid: {sorted(known)}.", code="E105")
            if "text" not in item:
                raise InputError(f"The message has no 'text' field (fields given: {sorted(map(str, item))}); "
                                 "pass {'text': ..., ...}.", code="E105")
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
        languages = corpus.languages if self.settings.restrict_languages else None
        self.detector = LanguageDetector(languages=languages) if languages else LanguageDetector()
        #: The Serbian/Croatian/Bosnian answer sets of the corpus (the reply variant is chosen among them).
        self._bcms_available = tuple(lg for lg in BCMS_LANGUAGES
                                     if any(lg in e.answers for e in getattr(corpus, "entries", ())))
        self.signals = SignalAnalyzer(self.settings.signals)
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
        return learn_index_from_log(self.index, source, detect=lambda t: self.detector.detect(t).language,
                                    text_column=text_column, keep=keep, max_messages=max_messages,
                                    max_chars=self.settings.max_message_chars)

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
            raise ConfigError(f"on_error must be 'raise' or 'return', got {on_error!r}.")
        if isinstance(messages, (str, bytes, Mapping, Message)):  # else a str would become one message per character
            raise InputError(f"suggest_many() takes a list of messages, got a single {type(messages).__name__}; "
                             "use suggest() for one message, or wrap it in a list.", code="E105")
        if now is not None and not isinstance(now, datetime):
            raise InputError(f"now must be a datetime (timezone-aware, e.g. datetime.now(timezone.utc)) or None, "
                             f"got {type(now).__name__}.", code="E105")
        items = list(messages)
        results: list[Suggestion | ReplyAssistError | None] = [None] * len(items)
        ok: list[tuple[int, Message, PreparedText]] = []
        for i, item in enumerate(items):
            try:
                msg = Message.coerce(item)
                ok.append((i, msg, prepare_message(msg.text, max_chars=self.settings.max_message_chars)))
            except ReplyAssistError as exc:
                if on_error == "raise":
                    raise
                results[i] = exc
        if ok:
            for (i, _, _), sugg in zip(ok, self._run([(m, p) for _, m, p in ok], now)):
                results[i] = sugg
        return [r for r in results if r is not None]

    def _run(self, batch: list[tuple[Message, PreparedText]], now: datetime | None) -> list[Suggestion]:
        t: dict[str, float] = {}
        n = len(batch)
        t0 = time.perf_counter()
        langs = [self.detector.detect(p.clean, hints=self._hints(m)) for m, p in batch]
        # Serbian, Croatian or Bosnian, and the script: the variant the reply is written in
        variants = [resolve_variant(p.clean, r, customer_language=m.customer_language, locale=m.locale,
                                    available=self._bcms_available, default=self.settings.bcms_default)
                    for (m, p), r in zip(batch, langs)]
        langs = [r if v.decided_by == "not_bcms" or (v.language == r.language and v.script == r.script)
                 else replace(r, language=v.language, script=v.script or r.script)
                 for r, v in zip(langs, variants)]
        t["language"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        # What is matched: the message without its greeting and sign-off, and (match_sentences) its
        # sentences; all encoded in ONE batch. The message vectors also feed the signals.
        all_texts, parts = segment_batch([p.clean for _, p in batch], segments=self.settings.match_sentences)
        all_vectors = self.embedder.encode(all_texts)
        vectors = all_vectors[:n]
        t["embed"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        all_langs = [r.language for r in langs] + [langs[i].language for i in parts[n:] if i is not None]
        # one search: each message (whole text + its best sentence) and each sentence on its own
        found = self.index.search(all_vectors, texts=all_texts, languages=all_langs, parts=parts, include_parts=True)
        matches = found[:n]
        sentence_notes: list[tuple[str, ...]] = [()] * n
        also: list[tuple[str, ...]] = [()] * n
        if len(all_texts) > n:
            sentence_notes, also = _second_questions(matches, all_texts[n:], parts[n:], found[n:])
        t["match"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        sigs = self.signals.analyze([p.text for _, p in batch], vectors, [r.language for r in langs],
                                    channels=[m.channel for m, _ in batch],
                                    histories=[_history_texts(m.history) for m, _ in batch])
        situations = [detect_situations(p.text, r.language, _history_texts(m.history), cues=sig.escalation.signals)
                      for (m, p), r, sig in zip(batch, langs, sigs)]
        t["signals"] = time.perf_counter() - t0
        out: list[Suggestion] = []
        t_draft = t_tone = t_tr = 0.0
        for k, ((msg, prep), lang, match, sig) in enumerate(zip(batch, langs, matches, sigs)):
            t0 = time.perf_counter()
            draft = self.drafter.draft(DraftRequest(
                message=prep.text, language=lang.language, script=lang.script, match=match, corpus=self.corpus,
                sentiment_label=sig.sentiment.label, escalation_action=sig.escalation.action,
                customer_name=msg.customer_name, agent_name=msg.agent_name, channel=msg.channel,
                history=tuple(msg.history), values=self._values(msg, prep), now=now,
                situations=situations[k].kinds, also_answer=also[k], sentiment_score=sig.sentiment.score))
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
            vnote = variants[k].note
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

    def _hints(self, msg: Message) -> LanguageHints:
        return LanguageHints(customer_language=msg.customer_language, locale=msg.locale,
                             corpus_languages=self.corpus.languages)

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


def _second_questions(matches: Sequence[MatchResult], sentences: Sequence[str], owners: Sequence[int | None],
                      seg_results: Sequence[MatchResult]) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """A second question in a message: a sentence (``owners[j]``: its message) matched on its own to
    another entry than the one the message is answered from, with P(right) at least
    SECOND_QUESTION_AT (a question) or SECOND_STATEMENT_AT (no question mark: complaints are not
    questions), becomes a second answer. Returns ``(notes, also_answer)`` per message."""
    notes: list[tuple[str, ...]] = [()] * len(matches)
    also: list[tuple[str, ...]] = [()] * len(matches)
    best: dict[int, tuple[float, str, str]] = {}
    for sentence, i, r in zip(sentences, owners, seg_results):
        m = matches[i] if i is not None else None
        if m is None or m.band == "no_match" or not m.matches or r.band == "no_match" or not r.matches:
            continue
        if r.matches[0].faq_id == m.matches[0].faq_id:
            continue
        if r.confidence >= (SECOND_QUESTION_AT if "?" in sentence else SECOND_STATEMENT_AT) \
                and (i not in best or (r.confidence, sentence) > best[i][:2]):
            best[i] = (r.confidence, sentence, r.matches[0].faq_id)
    for i, (_, sentence, faq_id) in best.items():
        also[i] = (faq_id,)
        notes[i] = (f"second question answered from {faq_id!r}: {sentence!r}",)
    return notes, also


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
            out.append(str(getattr(h, "text")))
    return out

