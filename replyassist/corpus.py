"""The FAQ corpus: model, loading and validation.

A corpus is a folder of YAML files (see ``docs/corpus-format.md``): ``corpus.yaml`` (manifest)
and any number of entry files. Loading validates everything and reports *every* problem at once,
each with file and line, in one :class:`~replyassist.errors.CorpusError`.

>>> from replyassist.corpus import load_corpus
>>> corpus = load_corpus("faq_corpus/shop")
>>> entry = corpus.get("delivery-status")          # doctest: +SKIP
>>> entry.answers["de"].for_register("informal")   # doctest: +SKIP
'Du kannst ...'
"""
from __future__ import annotations

import hashlib
import json
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import yaml

from .errors import CorpusError, Problem
from .text import LONE_SURROGATE

__all__ = ["AnswerTemplate", "FaqEntry", "FaqCorpus", "load_corpus", "corpus_from_dicts", "placeholders_in"]

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_LANG_RE = re.compile(r"^[a-z]{2,3}$")
_PLACEHOLDER_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
MANIFEST = "corpus.yaml"
REGISTERS = ("formal", "informal")


@dataclass(frozen=True)
class AnswerTemplate:
    """An answer body in one language, in a formal and/or informal register."""

    formal: str | None = None
    informal: str | None = None

    def for_register(self, register: str) -> str:
        """The template for ``register`` ("formal"/"informal"), falling back to the other one."""
        if register == "informal":
            return self.informal or self.formal or ""
        return self.formal or self.informal or ""

    @property
    def registers(self) -> tuple[str, ...]:
        return tuple(r for r in REGISTERS if getattr(self, r))

    def to_dict(self) -> dict[str, str]:
        return {r: getattr(self, r) for r in REGISTERS if getattr(self, r)}


@dataclass(frozen=True)
class FaqEntry:
    """One FAQ entry: paraphrased questions and answer templates per language."""

    id: str
    category: str
    questions: Mapping[str, tuple[str, ...]]
    answers: Mapping[str, AnswerTemplate]
    tags: tuple[str, ...] = ()
    source: str = ""  #: "file:line" where the entry starts
    #: Questions this entry does NOT answer though they sound close ("Do you sell gift vouchers?" for
    #: gift wrapping), per language: a message closer to these than to the entry's questions is not
    #: answered from it (docs/corpus-format.md).
    not_questions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: The answer for a message that IS the request the entry explains how to make ("please delete my
    #: account", a GDPR erasure letter, "tracking says delivered, nothing here"), per language: "we have
    #: received your request ...", instead of "you can ask us by replying to this message" (optional;
    #: docs/corpus-format.md).
    requested: Mapping[str, AnswerTemplate] = field(default_factory=dict)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.questions) | set(self.answers)))

    def title(self, language: str | None = None) -> str:
        """The first question in ``language`` (or English, or any language)."""
        for lang in (language, "en", *sorted(self.questions)):
            if lang and self.questions.get(lang):
                return self.questions[lang][0]
        return self.id

    def to_dict(self) -> dict[str, Any]:
        out = {"id": self.id, "category": self.category, "tags": list(self.tags),
               "questions": {k: list(v) for k, v in self.questions.items()},
               "answers": {k: v.to_dict() for k, v in self.answers.items()}}
        if self.not_questions:
            out["not_questions"] = {k: list(v) for k, v in self.not_questions.items()}
        if self.requested:
            out["requested"] = {k: v.to_dict() for k, v in self.requested.items()}
        return out


@dataclass(frozen=True)
class FaqCorpus:
    """A validated FAQ corpus."""

    name: str
    entries: tuple[FaqEntry, ...]
    default_language: str = "en"
    placeholder_defaults: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    path: str | None = None
    content_hash: str = ""
    #: Questions the FAQ knows it does not answer (yet), by topic and language (``not_answered:`` in
    #: corpus.yaml): a message closer to one of them than to its top entry's own questions gets no
    #: answer from that entry (a holding reply), with the topic in the notes. Fill it from the gap
    #: report until the FAQ has entries for them.
    not_answered: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    _by_id: Mapping[str, FaqEntry] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self._by_id:
            object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})
        if not self.content_hash:
            h = _hash_entries(self.entries, self.placeholder_defaults)
            if self.not_answered:
                extra = json.dumps({k: {lg: list(v) for lg, v in m.items()} for k, m in self.not_answered.items()},
                                   sort_keys=True, ensure_ascii=False)
                h = hashlib.sha256((h + extra).encode("utf-8")).hexdigest()[:16]
            object.__setattr__(self, "content_hash", h)

    @property
    def languages(self) -> tuple[str, ...]:
        """Every language that has questions or answers somewhere in the corpus."""
        return tuple(sorted({lang for e in self.entries for lang in e.languages}))

    @property
    def answer_languages(self) -> tuple[str, ...]:
        return tuple(sorted({lang for e in self.entries for lang in e.answers}))

    def get(self, faq_id: str) -> FaqEntry:
        """The entry with ``faq_id``; ``KeyError`` with the known ids' count if absent."""
        try:
            return self._by_id[faq_id]
        except KeyError:
            raise KeyError(f"No FAQ entry {faq_id!r} in corpus {self.name!r} ({len(self.entries)} entries).") from None

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[FaqEntry]:
        return iter(self.entries)


def _hash_entries(entries: Iterable[FaqEntry], defaults: Mapping[str, Any]) -> str:
    payload = json.dumps({"entries": [e.to_dict() for e in entries], "placeholders": defaults},
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def placeholders_in(template: str) -> list[str]:
    """Names of the ``{placeholders}`` in ``template``.

    Raises ``ValueError`` for a malformed template (unclosed brace, bad name, format spec).

    >>> placeholders_in("Hi {customer_name}, see {{literal}} and {order_id}.")
    ['customer_name', 'order_id']
    """
    names = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"malformed placeholder ({exc}); write {{name}}, and {{{{ }}}} for literal braces") from None
    for _, name, spec, conv in parsed:
        if name is None:
            continue
        if not _PLACEHOLDER_RE.match(name) or spec or conv:
            raw = "{" + name + ("!" + conv if conv else "") + (":" + spec if spec else "") + "}"
            raise ValueError(f"invalid placeholder {raw!r}: use {{name}} with lowercase letters, digits and _")
        names.append(name)
    return names


# --------------------------------------------------------------------------------------------
# Loading with line numbers: we walk PyYAML's node tree, so every problem knows its line.


class _Ctx:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def err(self, node: yaml.Node | None, msg: str) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.problems.append(Problem(self.file, line, msg))


class _Unreadable:
    """A scalar YAML cannot build (an unknown ``!tag``, ``!!int abc``, ``!!timestamp 2024-13-45``...)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"an unreadable value ({self.reason})"


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return None
    if node.tag == "tag:yaml.org,2002:merge":
        return _Unreadable("a merge key '<<' is not supported: write the fields out")
    try:
        return yaml.safe_load(yaml.serialize(node))
    except yaml.YAMLError as exc:  # ConstructorError: a tag safe YAML does not build
        return _Unreadable(f"tag {node.tag!r} is not allowed ({getattr(exc, 'problem', None) or exc}); "
                           "remove the tag and write plain text")
    except (ValueError, TypeError, OverflowError) as exc:  # !!int abc, !!timestamp 2024-13-45, 5000 digits
        return _Unreadable(f"{node.tag.rsplit(':', 1)[-1]} value {str(node.value)[:40]!r} cannot be read ({exc}); "
                           "quote it to make it text")


def _mapping(ctx: _Ctx, node: yaml.Node | None, what: str) -> list[tuple[str, yaml.Node, yaml.Node]] | None:
    if not isinstance(node, yaml.MappingNode):
        ctx.err(node, f"{what} must be a mapping (key: value), got {_kind(node)}")
        return None
    out, seen = [], set()
    for k, v in node.value:
        key = _scalar(k)
        if isinstance(key, _Unreadable):
            ctx.err(k, f"{what}: {key.reason}")
            continue
        if not isinstance(key, str):
            ctx.err(k, f"{what}: keys must be text, got {key!r}")
            continue
        if key in seen:
            ctx.err(k, f"{what}: duplicate key {key!r}")
            continue
        seen.add(key)
        out.append((key, k, v))
    return out


def _kind(node: yaml.Node | None) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    return "a list" if isinstance(node, yaml.SequenceNode) else "a single value"


def _text(ctx: _Ctx, node: yaml.Node, what: str) -> str | None:
    val = _scalar(node)
    if isinstance(val, _Unreadable):
        ctx.err(node, f"{what}: {val.reason}")
        return None
    if isinstance(val, bool) or val is None or isinstance(val, (list, dict)):
        ctx.err(node, f"{what} must be text, got {val!r}" if val is not None else f"{what} is empty")
        return None
    text = str(val).strip()
    if not text:
        ctx.err(node, f"{what} is empty")
        return None
    if LONE_SURROGATE.search(text):
        ctx.err(node, f"{what} holds a lone surrogate (an escape such as \\ud800, not a character); "
                      "write the character itself")
        return None
    return text


def _template(ctx: _Ctx, node: yaml.Node, what: str) -> str | None:
    text = _text(ctx, node, what)
    if text is not None:
        try:
            placeholders_in(text)
        except ValueError as exc:
            ctx.err(node, f"{what}: {exc}")
            return None
    return text


def _parse_entry(ctx: _Ctx, node: yaml.Node, index: int) -> FaqEntry | None:
    items = _mapping(ctx, node, f"entry #{index + 1}")
    if items is None:
        return None
    fields = {k: (kn, v) for k, kn, v in items}
    known = {"id", "category", "tags", "questions", "answers", "not_questions", "requested"}
    for k, kn, _ in items:
        if k not in known:
            ctx.err(kn, f"entry #{index + 1}: unknown field {k!r} (expected one of {sorted(known)})")
    n_before = len(ctx.problems)
    eid = _text(ctx, fields["id"][1], f"entry #{index + 1}: id") if "id" in fields else None
    if "id" not in fields:
        ctx.err(node, f"entry #{index + 1}: missing 'id'")
    elif eid is not None and not _ID_RE.match(eid):
        ctx.err(fields["id"][1], f"id {eid!r}: use lowercase letters, digits, '-' and '_' only")
    label = f"entry {eid!r}" if eid else f"entry #{index + 1}"
    category = ""
    if "category" in fields:
        category = _text(ctx, fields["category"][1], f"{label}: category") or ""
    else:
        ctx.err(node, f"{label}: missing 'category'")
    tags: tuple[str, ...] = ()
    if "tags" in fields:
        tnode = fields["tags"][1]
        if isinstance(tnode, yaml.SequenceNode):
            tags = tuple(t for t in (_text(ctx, n, f"{label}: tag") for n in tnode.value) if t)
        else:
            ctx.err(tnode, f"{label}: tags must be a list")
    questions: dict[str, tuple[str, ...]] = {}
    if "questions" not in fields:
        ctx.err(node, f"{label}: missing 'questions' (paraphrases per language)")
    else:
        questions = _question_lists(ctx, fields["questions"][1], label, "questions")
    not_questions: dict[str, tuple[str, ...]] = {}
    if "not_questions" in fields:
        not_questions = _question_lists(ctx, fields["not_questions"][1], label, "not_questions")
    answers: dict[str, AnswerTemplate] = {}
    if "answers" not in fields:
        ctx.err(node, f"{label}: missing 'answers' (an answer template per language)")
    else:
        answers = _answer_map(ctx, fields["answers"][1], label, "answer")
        if not answers and len(ctx.problems) == n_before:
            ctx.err(fields["answers"][1], f"{label}: no answer in any language")
    requested: dict[str, AnswerTemplate] = {}
    if "requested" in fields:
        requested = _answer_map(ctx, fields["requested"][1], label, "requested")
    if len(ctx.problems) > n_before or eid is None:
        return None
    return FaqEntry(id=eid, category=category, tags=tags, questions=questions, answers=answers,
                    source=f"{ctx.file}:{node.start_mark.line + 1}", not_questions=not_questions,
                    requested=requested)


def _answer_map(ctx: _Ctx, node: yaml.Node, label: str, what: str) -> dict[str, AnswerTemplate]:
    """``{language: AnswerTemplate}`` of an ``answers:`` or ``requested:`` mapping (a text per language,
    or ``formal``/``informal`` texts)."""
    answers: dict[str, AnswerTemplate] = {}
    for lang, kn, vnode in _mapping(ctx, node, f"{label}: {what}s" if what == "answer" else f"{label}: {what}") or []:
        if not _LANG_RE.match(lang):
            ctx.err(kn, f"{label}: {lang!r} is not an ISO 639-1 language code")
            continue
        if isinstance(vnode, yaml.MappingNode):
            regs: dict[str, str | None] = {}
            n_reg = len(ctx.problems)
            for reg, rkn, rnode in _mapping(ctx, vnode, f"{label}: {what} ({lang})") or []:
                if reg not in REGISTERS:
                    ctx.err(rkn, f"{label}: {what} ({lang}): unknown register {reg!r}; use 'formal' and/or 'informal'")
                    continue
                regs[reg] = _template(ctx, rnode, f"{label}: {what} ({lang}, {reg})")
            if not any(regs.values()):
                if len(ctx.problems) == n_reg:
                    ctx.err(vnode, f"{label}: {what} ({lang}) has neither 'formal' nor 'informal' text")
            else:
                answers[lang] = AnswerTemplate(formal=regs.get("formal"), informal=regs.get("informal"))
        else:
            text = _template(ctx, vnode, f"{label}: {what} ({lang})")
            if text:
                answers[lang] = AnswerTemplate(formal=text, informal=text)
    return answers


def _question_lists(ctx: _Ctx, mnode: yaml.Node, label: str, what: str) -> dict[str, tuple[str, ...]]:
    """``{language: (question, ...)}`` of a ``questions:`` or ``not_questions:`` mapping."""
    out: dict[str, tuple[str, ...]] = {}
    for lang, kn, vnode in _mapping(ctx, mnode, f"{label}: {what}") or []:
        if not _LANG_RE.match(lang):
            ctx.err(kn, f"{label}: {lang!r} is not an ISO 639-1 language code")
            continue
        if isinstance(vnode, yaml.ScalarNode):
            qs = [_text(ctx, vnode, f"{label}: question ({lang})")]
        elif isinstance(vnode, yaml.SequenceNode):
            qs = [_text(ctx, n, f"{label}: question ({lang})") for n in vnode.value]
        else:
            ctx.err(vnode, f"{label}: {what} in {lang!r} must be a list of texts")
            continue
        kept = tuple(dict.fromkeys(q for q in qs if q))
        if not kept:
            ctx.err(vnode, f"{label}: no question in {lang!r}")
        else:
            out[lang] = kept
    return out


def _compose(path: Path, ctx: _Ctx) -> yaml.Node | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        ctx.err(None, f"cannot read file ({exc.strerror})")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line: int | None = raw[: exc.start].count(b"\n") + 1
        ctx.problems.append(Problem(ctx.file, line, f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8"))
        return None
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        ctx.problems.append(Problem(ctx.file, line, f"YAML syntax error: {exc.problem or exc}"))
        return None
    except RecursionError:  # e.g. 500 nested "[" in 1 kB
        ctx.problems.append(Problem(ctx.file, None, "the YAML is nested too deeply to read (hundreds of levels of "
                                                    "[ or {); a corpus needs at most five"))
        return None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, other control characters)
        line = text[: exc.position].count("\n") + 1
        ctx.problems.append(Problem(ctx.file, line, f"character U+{exc.character:04X} is not allowed in YAML "
                                                    "(a control or non-printable character); remove it"))
        return None
    except yaml.YAMLError as exc:  # any other parser error, without a mark
        ctx.problems.append(Problem(ctx.file, None, f"YAML error: {exc}"))
        return None


def _parse_manifest(path: Path, ctx: _Ctx) -> dict[str, Any]:
    out: dict[str, Any] = {"name": path.parent.name, "default_language": "en", "placeholders": {}}
    node = _compose(path, ctx)
    if node is None:
        return out
    for key, kn, vnode in _mapping(ctx, node, "corpus.yaml") or []:
        if key == "name":
            out["name"] = _text(ctx, vnode, "name") or out["name"]
        elif key == "default_language":
            lang = _text(ctx, vnode, "default_language")
            if lang and not _LANG_RE.match(lang):
                ctx.err(vnode, f"default_language {lang!r} is not an ISO 639-1 code")
            elif lang:
                out["default_language"] = lang
        elif key == "placeholders":
            for name, pkn, pnode in _mapping(ctx, vnode, "placeholders") or []:
                if not _PLACEHOLDER_RE.match(name):
                    ctx.err(pkn, f"placeholder name {name!r}: use lowercase letters, digits and _")
                    continue
                if isinstance(pnode, yaml.ScalarNode):
                    val = _text(ctx, pnode, f"placeholder {name}")
                    out["placeholders"][name] = {"*": val} if val else {}
                else:
                    out["placeholders"][name] = {lang: t for lang, _, ln in (_mapping(ctx, pnode, f"placeholder {name}") or [])
                                                 if (t := _text(ctx, ln, f"placeholder {name} ({lang})"))}
        elif key == "not_answered":
            topics: dict[str, dict[str, tuple[str, ...]]] = {}
            for topic, tkn, tnode in _mapping(ctx, vnode, "not_answered") or []:
                if not _PLACEHOLDER_RE.match(topic.replace("-", "_")):
                    ctx.err(tkn, f"not_answered: topic name {topic!r}: use lowercase letters, digits, - and _")
                    continue
                qs = _question_lists(ctx, tnode, f"not_answered {topic}", "questions")
                if qs:
                    topics[topic] = qs
            out["not_answered"] = topics
        elif key in ("description", "brand", "version"):
            continue
        else:
            ctx.err(kn, f"corpus.yaml: unknown key {key!r} (expected name, default_language, placeholders, "
                        "not_answered, description)")
    return out


def load_corpus(path: str | Path) -> FaqCorpus:
    """Load and validate a corpus folder (or a single YAML entry file).

    Raises :class:`~replyassist.errors.CorpusError` listing every problem with file and line.

    >>> load_corpus("faq_corpus/shop").name      # doctest: +SKIP
    'Kosarica demo shop'
    """
    root = Path(path)
    if not root.exists():
        raise CorpusError([Problem(str(root), None, "no such file or folder; pass the corpus folder (with corpus.yaml)")])
    files = sorted(p for p in root.glob("*.y*ml") if p.name != MANIFEST) if root.is_dir() else [root]
    problems: list[Problem] = []
    manifest: dict[str, Any] = {"name": root.name, "default_language": "en", "placeholders": {}}
    if root.is_dir() and (root / MANIFEST).exists():
        mctx = _Ctx(str(root / MANIFEST))
        manifest = _parse_manifest(root / MANIFEST, mctx)
        problems += mctx.problems
    if not files:
        problems.append(Problem(str(root), None, "no entry files (*.yaml) found"))
    entries: list[FaqEntry] = []
    first_seen: dict[str, str] = {}
    for f in files:
        ctx = _Ctx(str(f))
        node = _compose(f, ctx)
        if node is not None:
            items = _mapping(ctx, node, "file") if isinstance(node, yaml.MappingNode) else None
            if not isinstance(node, yaml.MappingNode):
                ctx.err(node, "the file must be a mapping with an 'entries:' list")
            elif not any(k == "entries" for k, _, _ in items or []):
                ctx.err(node, "missing 'entries:' list")
            for key, kn, vnode in items or []:
                if key != "entries":
                    ctx.err(kn, f"unknown top-level key {key!r}; entries go under 'entries:'")
                    continue
                if not isinstance(vnode, yaml.SequenceNode):
                    ctx.err(vnode, "'entries' must be a list of entries (each starting with '- id: ...')")
                    continue
                for i, enode in enumerate(vnode.value):
                    entry = _parse_entry(ctx, enode, i)
                    if entry is None:
                        continue
                    if entry.id in first_seen:
                        ctx.err(enode, f"duplicate id {entry.id!r} (first defined at {first_seen[entry.id]})")
                        continue
                    first_seen[entry.id] = entry.source
                    entries.append(entry)
        elif node is None and not ctx.problems:
            ctx.err(None, "the file is empty")
        problems += ctx.problems
    if problems:
        raise CorpusError(problems)
    return FaqCorpus(name=manifest["name"], entries=tuple(entries), default_language=manifest["default_language"],
                     placeholder_defaults=manifest["placeholders"], path=str(root),
                     not_answered=manifest.get("not_answered", {}))


def corpus_from_dicts(entries: Iterable[Mapping[str, Any]], *, name: str = "in-memory",
                      default_language: str = "en",
                      placeholders: Mapping[str, Mapping[str, str]] | None = None) -> FaqCorpus:
    """Build a corpus from Python dicts in the same shape as the YAML (validated the same way).

    >>> c = corpus_from_dicts([{"id": "hours", "category": "service",
    ...     "questions": {"en": ["When are you open?"]}, "answers": {"en": "We are open {opening_hours}."}}])
    >>> c.get("hours").answers["en"].formal
    'We are open {opening_hours}.'
    """
    if isinstance(entries, (str, bytes, Mapping)) or not isinstance(entries, Iterable):
        raise CorpusError([Problem(f"<{name}>", None, f"corpus_from_dicts() takes a list of entry dicts, got "
                                   f"{type(entries).__name__}" + ("; wrap a single entry in a list"
                                                                  if isinstance(entries, Mapping) else ""))])
    items = [dict(e) if isinstance(e, Mapping) else e for e in entries]  # a non-mapping is reported below
    try:
        text = yaml.safe_dump({"entries": items}, allow_unicode=True, sort_keys=False)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise CorpusError([Problem(f"<{name}>", None, "the entries are nested too deeply (hundreds of levels of "
                                                      "lists or dicts); an entry needs at most three")]) from None
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        raise CorpusError([Problem(f"<{name}>", None, f"entries must hold only text, numbers, lists and mappings ({exc})")]) from None
    ctx = _Ctx(f"<{name}>")
    out: list[FaqEntry] = []
    seen: set[str] = set()
    for _key, _, vnode in _mapping(ctx, node, "corpus") or []:
        for i, enode in enumerate(vnode.value if isinstance(vnode, yaml.SequenceNode) else []):
            e = _parse_entry(ctx, enode, i)
            if e is not None:
                if e.id in seen:
                    ctx.err(enode, f"duplicate id {e.id!r}")
                    continue
                seen.add(e.id)
                out.append(e)
    if ctx.problems:
        raise CorpusError(ctx.problems)
    return FaqCorpus(name=name, entries=tuple(out), default_language=default_language,
                     placeholder_defaults=dict(placeholders or {}))
