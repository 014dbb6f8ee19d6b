"""The lean core install (issue 15): what ``pip install .`` brings is what the default path imports.

spaCy (and spacy-lookups-data), langdetect and py3langid are not core: the default path must import
without them, and without spaCy the register and politeness lexicons run on the regex tokeniser
with the same results on realistic messages (``benchmarks.tokenizer_fallback`` compares whole drafts).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Not core: an extra's packages. The default path must import and run with all of them missing.
NOT_CORE = ("spacy", "spacy_lookups_data", "langdetect", "py3langid", "sklearn", "scipy", "torch",
            "transformers", "sentence_transformers", "argostranslate", "fastapi", "uvicorn", "dask",
            "pandas", "psycopg", "playwright")

#: Messages as customers write them: no diacritics, emoji, Cyrillic, two questions, shouting.
MESSAGES = [
    ("de", "hallo, wo bleibt mein paket?? hab vor 2 wochen bestellt (nr. 4711) 😡 kannst du mal nachschauen"),
    ("de", "Sehr geehrte Damen und Herren, könnten Sie mir bitte mitteilen, wann meine Bestellung eintrifft?"),
    ("en", "hey, my order never came and nobody answers ur emails. WHERE IS IT??? also can i get a refund"),
    ("en", "Could you please let me know whether I can still change the delivery address? Thank you."),
    ("sr", "Здраво, можеш ли да ми кажеш где је мој пакет? Чекам већ недељу дана 😕"),
    ("sr", "postovani, da li mozete da mi kazete kada stize porudzbina 61733? hvala unapred"),
    ("hr", "bok, jel mi mozes reci kad stize paket, narucila sam prije 5 dana"),
    ("hu", "Tisztelt Ügyfélszolgálat! Szeretném megkérdezni, mikor érkezik a csomagom? Köszönöm"),
    ("hu", "szia, hol a csomagom?? mar ket hete varok 😤"),
    ("de", "hey, die rechnung vom 12.05. über 49,90€ — gibts die auch als pdf? brauch sie z.B. fürs finanzamt"),
    ("en", "I've paid $49.99 twice!! can u check my e-mail a.b@example.com and fix it :("),
]

_PROBE = r"""
import importlib.abc, json, sys
BLOCKED = set(sys.argv[1].split(","))
tried = set()

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            tried.add(name.split(".")[0])
            raise ImportError(f"{name} is blocked (not a core dependency)")
        return None

sys.meta_path.insert(0, Block())
import replyassist
from replyassist import ReplyAssistant, detect_language  # noqa: F401  (the public entry points)
for mod in ("assistant", "pipeline", "cli", "drafting", "tone", "signals", "language", "matching",
            "translation", "gaps", "evaluation", "log_learning", "embeddings", "text", "corpus"):
    __import__(f"replyassist.{mod}")
from replyassist.drafting import locales
from replyassist.drafting.register import detect_register
from replyassist.tone.politeness import cue_features
messages = json.loads(sys.stdin.read())
out = {"spacy_used": any(v is not None for v in locales._NLP.values()),
       "loaded": sorted(m for m in BLOCKED if m in sys.modules),
       "registers": [detect_register(t, l).register for l, t in messages],
       "cues": [cue_features(t, l).tolist() for l, t in messages],
       "tokens": [locales.tokenize(t, l) for l, t in messages]}
out["spacy_used"] = any(v is not None for v in locales._NLP.values())
print(json.dumps(out))
"""


def _probe(blocked: tuple[str, ...]) -> dict:
    p = subprocess.run([sys.executable, "-c", _PROBE, ",".join(blocked)], input=json.dumps(MESSAGES),
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def core_only() -> dict:
    return _probe(NOT_CORE)


def _core_requirements() -> list[str]:
    tomllib = pytest.importorskip("tomllib")
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].lower() for r in data["project"]["dependencies"]], data


def test_core_dependencies_leave_out_spacy_and_the_unused_detectors():
    core, data = _core_requirements()
    for name in ("spacy", "spacy-lookups-data", "langdetect", "py3langid", "scikit-learn", "torch"):
        assert name not in core
    extras = data["project"]["optional-dependencies"]
    assert any(r.startswith("spacy") for r in extras["spacy"])
    assert any(r.startswith("spacy-lookups-data") for r in extras["train"])
    assert {"langdetect", "py3langid"} <= {re.split(r"[<>=]", r)[0] for r in extras["bench"]}
    # `all` still installs every extra
    (all_,) = extras["all"]
    named = set(re.search(r"\[(.*)\]", all_).group(1).split(","))
    assert named == set(extras) - {"all"}


def test_default_path_imports_and_runs_without_any_extra(core_only):
    assert core_only["loaded"] == []
    assert core_only["spacy_used"] is False
    assert all(r in ("formal", "informal") for r in core_only["registers"])
    assert all(toks for toks in core_only["tokens"])


def test_regex_tokeniser_keeps_offsets_and_words(core_only):
    for (_, text), toks in zip(MESSAGES, core_only["tokens"]):
        for tok, at in toks:
            assert text[at:at + len(tok)] == tok
        assert "".join(t for t, _ in toks) == "".join(text.split())


@pytest.mark.slow   # two fresh interpreters, one loading spaCy's blank pipelines (~10 s)
def test_without_spacy_registers_and_politeness_cues_are_the_same():
    pytest.importorskip("spacy")
    with_spacy = _probe(())
    without = _probe(("spacy",))
    assert with_spacy["spacy_used"] is True and without["spacy_used"] is False
    # a real difference between the tokenisers exists, so the comparison below compares something
    assert with_spacy["tokens"] != without["tokens"]
    assert without["registers"] == with_spacy["registers"]
    # the expected registers of these messages (labelled when written)
    assert without["registers"] == ["informal", "formal", "informal", "formal", "informal", "formal", "informal",
                                    "formal", "informal", "informal", "informal"]
    # every politeness cue is the same; only the length feature (from the token count: "49,90" is one spaCy
    # token and three regex tokens) moves, by a few percent on the messages with numbers and e-mails
    from replyassist.tone.politeness import FEATURE_NAMES

    cues_a, cues_b = np.array(with_spacy["cues"]), np.array(without["cues"])
    length = FEATURE_NAMES.index("length")
    others = [i for i in range(len(FEATURE_NAMES)) if i != length]
    np.testing.assert_array_equal(cues_b[:, others], cues_a[:, others])
    np.testing.assert_allclose(cues_b[:, length], cues_a[:, length], rtol=0.05)
