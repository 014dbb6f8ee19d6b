"""Installing argostranslate language packs: from the Argos package index (needs internet; the
direct pack, else both legs of the pivot through English) or from a local ``.argosmodel`` file
(offline). Never called at run time: ``replyassist models install-translation`` (cli.py) runs it.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any, Sequence

from ..errors import Errors, TranslationError
from ._base import PIVOT_LANGUAGE, _bad_package_error, _lang, _offline_error, _pair
from .argos import ArgosTranslator, _argos_packages_dir, _import_argos

__all__ = ["installed_pairs", "install_package_file", "install_translation_pair"]


def installed_pairs(packages_dir: str | Path | None = None) -> list[tuple[str, str]]:
    """Language pairs installed in ``packages_dir`` (default: argostranslate's packages folder)."""
    return ArgosTranslator(packages_dir).pairs


def install_package_file(path: str | Path, *, packages_dir: str | Path | None = None) -> tuple[str, str]:
    """Install a local ``.argosmodel`` file (offline); return its ``(from_code, to_code)``.

    The archive is checked first (zip with one top folder holding metadata.json, model/ and a
    tokenizer), then installed with ``argostranslate.package.install_from_path``.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise _bad_package_error(path, "file not found")
    if not zipfile.is_zipfile(path):
        raise _bad_package_error(path, "not a zip archive")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        metas = [n for n in names if n.count("/") == 1 and n.endswith("/metadata.json")]
        if len(metas) != 1:
            raise _bad_package_error(path, "expected exactly one <folder>/metadata.json")
        top = metas[0].split("/")[0]
        if any(not n.startswith(top + "/") for n in names):
            raise _bad_package_error(path, f"every file must be inside the folder {top}/")
        if not any(n.startswith(f"{top}/model/") for n in names):
            raise _bad_package_error(path, "no model/ folder")
        if f"{top}/sentencepiece.model" not in names and f"{top}/bpe.model" not in names:
            raise _bad_package_error(path, "no sentencepiece.model or bpe.model")
        try:
            meta = json.loads(zf.read(metas[0]).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _bad_package_error(path, f"metadata.json is not valid JSON: {exc}") from None
    src, tgt = meta.get("from_code"), meta.get("to_code")
    if not (isinstance(src, str) and isinstance(tgt, str)):
        raise _bad_package_error(path, "metadata.json lacks from_code/to_code")
    argos_package, _ = _import_argos()
    target_dir = Path(packages_dir).expanduser() if packages_dir is not None else None
    with _argos_packages_dir(target_dir):
        argos_package.install_from_path(path)
    return src, tgt


def _fetch_index(settings: Any, timeout: float) -> list[dict[str, Any]]:
    import urllib.error
    import urllib.request

    url = settings.remote_package_index
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "ArgosTranslate"}),
                                    timeout=timeout) as response:
            data = response.read()
        index = json.loads(data.decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise _offline_error(url, f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from None
    if not isinstance(index, list):
        raise _offline_error(url, "the index is not a JSON list")
    Path(settings.local_package_index).write_bytes(data)
    return index


def _download(links: Sequence[str], dest: Path, timeout: float) -> None:
    import urllib.error
    import urllib.request

    errors = []
    for url in links:
        if not str(url).startswith(("http://", "https://")):
            errors.append(f"{url}: not an http(s) link")
            continue
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "ArgosTranslate"})
            with urllib.request.urlopen(request, timeout=timeout) as response, open(dest, "wb") as fh:
                while True:
                    chunk = response.read(1 << 20)
                    if not chunk:
                        break
                    fh.write(chunk)
            return
        except (urllib.error.URLError, OSError, ValueError) as exc:
            errors.append(f"{url}: {type(exc).__name__}: {getattr(exc, 'reason', exc)}")
    raise _offline_error(", ".join(map(str, links)) or "(no download link in the index)",
                         "download failed: " + "; ".join(errors or ["no links"]))


def install_translation_pair(source: str, target: str, *, packages_dir: str | Path | None = None,
                             timeout: float = 30.0) -> list[str]:
    """Download and install what is needed to translate ``source -> target`` (needs internet).

    Installs the direct pack if the Argos index has one, otherwise ``source -> en`` and
    ``en -> target``. Packs already installed are skipped (and then nothing is fetched). Returns
    the pairs installed (``["de→en", "en→hu"]``). Offline, raises :class:`TranslationError` (E302)
    saying so; E301 when the index has neither a direct pack nor both pivot legs.

    >>> install_translation_pair("de", "hu")     # doctest: +SKIP
    ['de→en', 'en→hu']
    """
    import tempfile

    source, target = _lang(source, "source language"), _lang(target, "target language")
    if source == target:
        return []
    target_dir = Path(packages_dir).expanduser() if packages_dir is not None else None
    have = set(installed_pairs(target_dir))
    pivot = [(source, PIVOT_LANGUAGE), (PIVOT_LANGUAGE, target)]
    if (source, target) in have or all(p in have for p in pivot):
        return []
    with _argos_packages_dir(target_dir) as settings:
        index = _fetch_index(settings, timeout)
    available: dict[tuple[str, str], dict[str, Any]] = {}
    for meta in index:
        if isinstance(meta, dict) and meta.get("type", "translate") == "translate":
            src, tgt = meta.get("from_code"), meta.get("to_code")
            if isinstance(src, str) and isinstance(tgt, str):
                available.setdefault((src, tgt), meta)
    if (source, target) in available:
        plan = [(source, target)]
    else:
        plan = pivot
        missing = [p for p in plan if p not in available and p not in have]
        if missing:
            offered = sorted(f"{a}→{b}" for a, b in available if source in (a, b) or target in (a, b))
            raise TranslationError(Errors.E305, pair=_pair(source, target),
                                   names=', '.join(_pair(*p) for p in missing), offered=', '.join(offered) or 'none')
    done: list[str] = []
    with tempfile.TemporaryDirectory(prefix="replyassist-argos-") as tmp:
        for pair in plan:
            if pair in have:
                continue
            meta = available[pair]
            dest = Path(tmp) / f"translate-{pair[0]}_{pair[1]}.argosmodel"
            _download(list(meta.get("links") or []), dest, timeout)
            install_package_file(dest, packages_dir=target_dir)
            done.append(_pair(*pair))
    return done
