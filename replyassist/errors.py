"""Every error replyassist raises, in one place.

Each error carries a stable code (``E001`` ...) and a message that says what to do,
in the manner of spaCy's ``errors.py``. Catch :class:`ReplyAssistError` to catch them all.

>>> from replyassist.errors import InputError
>>> try:
...     raise InputError.empty_message()
... except InputError as err:
...     print(err.code)
E101
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence


class ReplyAssistError(Exception):
    """Base class of every error raised by replyassist."""

    code: str = "E000"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        if code is not None:
            self.code = code
        super().__init__(f"[{self.code}] {message}")
        self.message = message


class ConfigError(ReplyAssistError, ValueError):
    """A setting is invalid (checked when the settings are given, not later)."""

    code = "E001"


class MissingDependencyError(ReplyAssistError, ImportError):
    """An optional package is needed for the requested backend."""

    code = "E002"

    @classmethod
    def for_package(cls, package: str, feature: str, extra: str | None = None) -> "MissingDependencyError":
        hint = f'pip install "replyassist[{extra}]"' if extra else f"pip install {package}"
        return cls(f"{feature} needs the optional package '{package}', which is not installed. Install it with: {hint}")


class ModelNotAvailableError(ReplyAssistError, RuntimeError):
    """A model could not be loaded (missing files, no network to fetch it, ...)."""

    code = "E003"


class InputError(ReplyAssistError, ValueError):
    """An incoming message or argument cannot be processed."""

    code = "E100"

    @classmethod
    def empty_message(cls) -> "InputError":
        return cls("The message is empty or contains only whitespace/control characters. "
                   "Pass the customer's text; nothing can be matched or drafted from an empty message.",
                   code="E101")

    @classmethod
    def not_text(cls, value: object) -> "InputError":
        return cls(f"Expected the message as str, got {type(value).__name__}. "
                   "Decode bytes first (e.g. data.decode('utf-8', errors='replace')).", code="E102")

    @classmethod
    def bad_encoding(cls, source: str, detail: str) -> "InputError":
        return cls(f"{source} is not valid UTF-8 ({detail}). Re-encode the input as UTF-8, "
                   "or accept replacement characters: --encoding-errors replace on the command line, "
                   "errors='replace' in decode_bytes().", code="E103")


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

    def __init__(self, problems: Sequence[Problem] | Iterable[Problem], *, summary: str | None = None) -> None:
        self.problems = list(problems)
        head = summary or f"The FAQ corpus has {len(self.problems)} problem(s); fix them and load again:"
        body = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{head}\n{body}" if body else head)


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
