"""Shared fixtures. Models are loaded once per test session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "faq_corpus" / "shop"


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
def assistant(tmp_path_factory):
    from replyassist import ReplyAssistant
    cache = tmp_path_factory.mktemp("ra-cache")
    return ReplyAssistant.from_corpus(SHOP, {"cache_dir": str(cache)})


def write_corpus(folder: Path, files: dict[str, str]) -> Path:
    """Write a corpus folder from {file name: YAML text}."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
