"""Shared fixtures, the test markers and the session's one cache folder.

Models are loaded once per test session.

Markers (registered in ``pyproject.toml``; ``python -m pytest -q`` runs everything):

- ``unit``: no model-backed fixture, no server; the whole set runs in well under a minute
  (``python -m pytest -q -m unit``).
- ``integration``: uses the real models through a shared fixture (``assistant``, ``e5``...), a
  server or a browser, or is marked ``slow``. Marked here by the fixtures a test uses and by
  module (:data:`INTEGRATION_MODULES`); a test or module can also mark itself.
- ``slow``: takes more than a few seconds (always also ``integration``).

The cache: every test of the session shares one cache folder (corpus vectors, calibration and
per-text embeddings): ``$REPLYASSIST_CACHE`` when it is set (CI sets an empty folder, so a cold
run encodes the demo corpus once, in the first test that needs it), else the library's default
folder (``~/.cache/replyassist``), where an earlier run left the vectors. The folder is put into
``REPLYASSIST_CACHE`` for the session so that library defaults and fixtures agree; a test that
needs a cache of its own uses ``tmp_path`` or ``monkeypatch.setenv`` (and then pays an encode).
"""
from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "faq_corpus" / "shop"

#: A test that uses one of these fixtures (directly or through another fixture) is ``integration``.
MODEL_FIXTURES = frozenset({"assistant", "fresh_assistant", "e5"})
#: Modules whose tests load real models, start servers, processes or a browser in the test body
#: itself (test_cli: the command line with the default models; test_evaluation: the matcher's
#: English second opinion, MiniLM; test_fuzz_hostile: hundreds of generated examples per test;
#: test_packaging, test_lean_install: build the wheel, run the package in fresh interpreters).
INTEGRATION_MODULES = frozenset({
    "test_assistant", "test_bosnian", "test_cli", "test_desk", "test_desk_workers", "test_drafts_pipeline",
    "test_e5_torch", "test_e5_torch_runtime", "test_embeddings", "test_evaluation", "test_feedback_learning",
    "test_fuzz_hostile", "test_gaps_dask", "test_known_gaps", "test_lean_install", "test_packaging",
    "test_service", "test_service_batching", "test_service_ops", "test_signals_transformers",
    "test_static_embedder", "test_translation_argos",
})
#: Single tests of otherwise fast modules that load a real model or start a database server
#: (``module::name`` prefix of the test id; parametrised cases included).
INTEGRATION_TESTS = frozenset({
    "test_matching::test_real_e5_cross_lingual",
    "test_signals_ngrams::test_shipped_head_reads_negation_in_serbian_and_hungarian",
    "test_feedback_store::test_postgresql_store_contract",
    "test_feedback_store::test_postgresql_two_processes_and_a_second_migration_race",
    "test_feedback_store::test_two_processes_writing_at_once_lose_nothing",
})


def _session_cache_root() -> Path:
    env = os.environ.get("REPLYASSIST_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "replyassist"


def pytest_configure(config: pytest.Config) -> None:
    # one cache folder for the whole session, also for the library's defaults (FaqIndex, CachedEmbedder,
    # analyze_gaps): set before any test imports or builds anything
    os.environ["REPLYASSIST_CACHE"] = str(_session_cache_root())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        explicit = {m.name for m in item.iter_markers()} & {"unit", "integration"}
        if item.get_closest_marker("slow") is not None and "integration" not in explicit:
            item.add_marker(pytest.mark.integration)
            continue
        if explicit:
            continue
        module = item.module.__name__.rsplit(".", 1)[-1] if getattr(item, "module", None) else ""
        uses = set(getattr(item, "fixturenames", ()))
        name = f"{module}::{getattr(item, 'originalname', None) or item.name}"
        if module in INTEGRATION_MODULES or name in INTEGRATION_TESTS or uses & MODEL_FIXTURES:
            item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.unit)


@pytest.fixture(scope="session")
def ra_cache() -> Path:
    """The session's one cache folder (see the module docstring); corpus vectors live in ``index/``."""
    root = _session_cache_root()
    root.mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture(scope="session")
def shop_corpus_path() -> Path:
    return SHOP


@pytest.fixture(scope="session")
def shop_corpus():
    from replyassist.corpus import load_corpus
    return load_corpus(SHOP)


@pytest.fixture(scope="session")
def e5():
    from replyassist.embeddings import get_embedder
    return get_embedder("e5-small")


@pytest.fixture(scope="session")
def assistant(ra_cache):
    """The session's shared assistant (demo corpus, offline defaults). Read-only: a test that
    changes an assistant (settings, ``learn_from_log``, attributes) takes ``fresh_assistant``.
    At the end of the session it is checked that no test changed it."""
    from replyassist import ReplyAssistant
    a = ReplyAssistant.from_corpus(SHOP, {"cache_dir": str(ra_cache)})
    settings = copy.deepcopy(a.settings)
    parts = {name: getattr(a, name, None) for name in ("corpus", "embedder", "index", "settings", "detector",
                                                         "signals", "drafter", "translator")}
    scorer = getattr(a.index, "scorer", None)
    yield a
    changed = [name for name, obj in parts.items() if getattr(a, name, None) is not obj]
    if a.settings != settings:
        changed.append("settings (a value)")
    if getattr(a.index, "scorer", None) is not scorer or getattr(a.index, "log_paraphrases", 0):
        changed.append("index (learned paraphrases)")
    assert not changed, (f"a test changed the session's shared assistant: {', '.join(changed)}; "
                         "use the fresh_assistant fixture (or make_assistant) for tests that change one")


def make_assistant(corpus: Any, cache: Path, settings: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """A new assistant over ``corpus`` with the session's cache (the corpus vectors are read, not encoded)."""
    from replyassist import ReplyAssistant
    return ReplyAssistant(corpus, {"cache_dir": str(cache), **(settings or {})}, **kwargs)


@pytest.fixture()
def fresh_assistant(assistant, ra_cache):
    """An assistant of this test's own (same corpus, settings and embedder as the shared one, its
    own index and settings objects), for tests that change it."""
    return make_assistant(assistant.corpus, ra_cache, embedder=assistant.embedder, warm_up=False)


def write_corpus(folder: Path, files: dict[str, str]) -> Path:
    """Write a corpus folder from {file name: YAML text}."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
