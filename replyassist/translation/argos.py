"""The offline machine-translation backend: argostranslate language packs run by CTranslate2 +
SentencePiece, pivoting through English when no direct pack is installed.

Packs are read lazily from argostranslate's packages folder (or ``packages_dir``) and each
CTranslate2 model is loaded once per process; nothing is downloaded here (see :mod:`.packs`).
"""
from __future__ import annotations

import contextlib
import re
import threading
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..errors import Errors, InputError, MissingDependencyError, TranslationError
from ..text import split_sentences
from ._base import INSTALL_COMMAND, PIVOT_LANGUAGE, _lang, _missing_pair_error

__all__ = ["ArgosTranslator"]

_argos_lock = threading.RLock()
_CT2_CACHE: dict[str, Any] = {}   # model dir -> ctranslate2.Translator, loaded once per process


def _import_argos() -> tuple[Any, Any]:
    try:
        from argostranslate import package as argos_package
        from argostranslate import settings as argos_settings
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError.for_package("argostranslate", "Machine translation", "translate") from exc
    return argos_package, argos_settings


@contextlib.contextmanager
def _argos_packages_dir(packages_dir: Path | None) -> Iterator[Any]:
    """Point argostranslate at ``packages_dir`` for the duration (its settings are read at import)."""
    argos_package, settings = _import_argos()
    if packages_dir is None:
        yield settings
        return
    with _argos_lock:
        old_dir, old_dirs = settings.package_data_dir, list(settings.package_dirs)
        packages_dir.mkdir(parents=True, exist_ok=True)
        settings.package_data_dir = packages_dir
        settings.package_dirs[:] = [packages_dir]
        try:
            yield settings
        finally:
            settings.package_data_dir = old_dir
            settings.package_dirs[:] = old_dirs


def _default_package_dirs() -> list[Path]:
    _, settings = _import_argos()
    return [Path(p) for p in settings.package_dirs]


def _load_installed(dirs: Sequence[Path]) -> tuple[dict[tuple[str, str], Any], list[str]]:
    argos_package, _ = _import_argos()
    pairs: dict[tuple[str, str], Any] = {}
    problems: list[str] = []
    for directory in dirs:
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if not path.is_dir():
                continue
            try:
                pkg = argos_package.Package(path)
            except Exception as exc:  # a broken folder must not hide the good ones
                problems.append(f"{path}: {exc}")
                continue
            if getattr(pkg, "type", "translate") != "translate" or not pkg.from_code or not pkg.to_code:
                continue
            if not (path / "model").is_dir() or not hasattr(pkg, "tokenizer"):
                problems.append(f"{path}: no model/ folder or tokenizer (sentencepiece.model / bpe.model)")
                continue
            key = (pkg.from_code, pkg.to_code)
            if key not in pairs or _version(pkg) > _version(pairs[key]):   # newest version of a pair wins
                pairs[key] = pkg
    return pairs, problems


def _version(pkg: Any) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", str(getattr(pkg, "package_version", "") or "0"))[:4])


class ArgosTranslator:
    """Offline MT on argostranslate language packs (CTranslate2 + SentencePiece), pivoting via English.

    Without argostranslate installed, or with no packs installed, ``supports()`` is False for every
    pair (so callers fall back to the corpus's own languages) and ``translate()`` raises
    :class:`MissingDependencyError` / :class:`TranslationError` saying what to install.

    ``packages_dir`` is the folder holding installed packs; by default argostranslate's own
    (``ARGOS_PACKAGES_DIR`` or ``~/.local/share/argos-translate/packages``). Packs are read lazily
    on first use and each CTranslate2 model is loaded once per process. Sentences are split with
    :func:`split_sentences` (argostranslate's default splitter would download a model).

    >>> t = ArgosTranslator(packages_dir="/nonexistent")   # doctest: +SKIP
    >>> t.supports("de", "hu")                             # doctest: +SKIP
    False
    """

    def __init__(self, packages_dir: str | Path | None = None, *, beam_size: int = 4, threads: int = 1,
                 device: str = "cpu", max_decoding_length: int = 256, max_input_tokens: int = 200) -> None:
        if beam_size < 1 or threads < 0 or max_decoding_length < 1 or max_input_tokens < 8:
            from ..errors import ConfigError
            raise ConfigError(Errors.E515)
        #: sentences longer than this (in the pack's subword tokens) are split at clause boundaries
        #: (, ; : – —) or, failing that, between words, so nothing is cut off by the model's limits
        self.max_input_tokens = max_input_tokens
        self.packages_dir = Path(packages_dir).expanduser() if packages_dir is not None else None
        self.beam_size = beam_size
        self.threads = threads
        self.device = device
        self.max_decoding_length = max_decoding_length
        self._pairs: dict[tuple[str, str], Any] | None = None
        self._missing_dependency: MissingDependencyError | None = None
        #: packs that could not be read (and, without argostranslate, the install hint)
        self.problems: list[str] = []

    # -- packages -------------------------------------------------------------------------
    def _packages(self) -> dict[tuple[str, str], Any]:
        if self._pairs is None:
            try:
                dirs = [self.packages_dir] if self.packages_dir is not None else _default_package_dirs()
                self._pairs, self.problems = _load_installed(dirs)
            except MissingDependencyError as exc:   # no argostranslate: nothing is supported
                self._pairs, self.problems = {}, [exc.message]
                self._missing_dependency = exc
        return self._pairs

    def reload(self) -> None:
        """Forget the list of installed packs (call after installing new ones)."""
        self._pairs = None

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Installed direct pairs, sorted."""
        return sorted(self._packages())

    @property
    def model_id(self) -> str:
        """Identifies the installed packs and their versions (part of every cache key)."""
        parts = [f"{a}-{b}@{getattr(p, 'package_version', '') or '0'}" for (a, b), p in sorted(self._packages().items())]
        return "argos:" + (",".join(parts) or "none")

    def pair_model_id(self, source: str, target: str) -> str:
        """Identifies the packs used for this pair (``argos:de-en@1.9>en-hu@1.9``); cache keys use it,
        so installing an unrelated pack does not invalidate cached translations."""
        pairs = self._packages()
        hops = self.route(source, target)
        if not hops:
            return self.model_id
        return "argos:" + ">".join(f"{a}-{b}@{getattr(pairs[(a, b)], 'package_version', '') or '0'}" for a, b in hops)

    def route(self, source: str, target: str) -> list[tuple[str, str]]:
        """The hops used for ``source -> target`` (direct, or two hops via English); [] if impossible."""
        source, target = _lang(source, "source language"), _lang(target, "target language")
        pairs = self._packages()
        if source == target:
            return []
        if (source, target) in pairs:
            return [(source, target)]
        if (source, PIVOT_LANGUAGE) in pairs and (PIVOT_LANGUAGE, target) in pairs:
            return [(source, PIVOT_LANGUAGE), (PIVOT_LANGUAGE, target)]
        return []

    def supports(self, source: str, target: str) -> bool:
        """True if a direct pack or a pivot through English is installed (or source == target)."""
        return _lang(source) == _lang(target) or bool(self.route(source, target))

    # -- translation ----------------------------------------------------------------------
    def _ct2(self, pkg: Any) -> Any:
        try:
            import ctranslate2
        except ImportError as exc:  # pragma: no cover
            raise MissingDependencyError.for_package("ctranslate2", "Machine translation", "translate") from exc
        model_dir = str((Path(pkg.package_path) / "model").resolve())
        key = f"{model_dir}|{self.device}|{self.threads}"
        with _argos_lock:
            if key not in _CT2_CACHE:
                try:
                    _CT2_CACHE[key] = ctranslate2.Translator(model_dir, device=self.device, inter_threads=1,
                                                             intra_threads=self.threads)
                except Exception as exc:
                    raise TranslationError(Errors.E304, model_dir=model_dir, exc=exc,
                                           INSTALL_COMMAND=INSTALL_COMMAND, from_code=pkg.from_code,
                                           to_code=pkg.to_code) from exc
            return _CT2_CACHE[key]

    def _translate_hop(self, text: str, pkg: Any) -> str:
        translator = self._ct2(pkg)
        out_paragraphs: list[str] = []
        for paragraph in text.split("\n"):
            sentences = split_sentences(paragraph)
            if not sentences:
                out_paragraphs.append("")
                continue
            tokenized: list[list[str]] = []
            for sentence in sentences:
                tokenized.extend(self._chunks(sentence, pkg))
            prefix = getattr(pkg, "target_prefix", "") or ""
            longest = max(len(t) for t in tokenized)
            results = translator.translate_batch(
                tokenized, target_prefix=[[prefix]] * len(tokenized) if prefix else None,
                replace_unknowns=True, beam_size=self.beam_size, num_hypotheses=1, length_penalty=0.2,
                max_decoding_length=max(self.max_decoding_length, 2 * longest + 16))
            outs = []
            for result in results:
                value = pkg.tokenizer.decode(result.hypotheses[0])
                if prefix and value.startswith(prefix):
                    value = value[len(prefix):]
                outs.append(value.strip())
            out_paragraphs.append(" ".join(o for o in outs if o))
        return "\n".join(out_paragraphs)

    def _chunks(self, sentence: str, pkg: Any) -> list[list[str]]:
        """Tokenise ``sentence``; split it at clause boundaries (then words) while it is too long."""
        tokens = pkg.tokenizer.encode(sentence)
        if len(tokens) <= self.max_input_tokens:
            return [tokens]
        cuts = [m.end() for m in re.finditer(r"[,;:–—]\s+", sentence)] or [m.end() for m in re.finditer(r"\s+", sentence)]
        if not cuts:   # one enormous "word": cut the token list itself
            n = self.max_input_tokens
            return [tokens[i:i + n] for i in range(0, len(tokens), n)]
        middle = len(sentence) / 2
        cut = min(cuts, key=lambda c: abs(c - middle))
        return self._chunks(sentence[:cut].strip(), pkg) + self._chunks(sentence[cut:].strip(), pkg)

    def translate(self, text: str, source: str, target: str) -> str:
        """Translate ``text`` (no protection; use :class:`SafeTranslator` for that)."""
        if not isinstance(text, str):
            raise InputError.not_text(text)
        source, target = _lang(source, "source language"), _lang(target, "target language")
        if source == target or not text.strip():
            return text
        hops = self.route(source, target)
        if not hops:
            if self._missing_dependency is not None:
                raise self._missing_dependency
            raise _missing_pair_error(source, target, self.pairs)
        pairs = self._packages()
        for hop in hops:
            text = self._translate_hop(text, pairs[hop])
        return text
