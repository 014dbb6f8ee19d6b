"""Packaging (issue 15): the run-time artefacts are package data in ``replyassist/models/<kind>/``,
every file a loader reads is there and loads, and the wheel carries them but no training script.

The loaders are asked for their paths (never a hard-coded list of file names), so a loader that
moves its artefact, or an artefact that is dropped from the package data, fails here.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import replyassist

PKG = Path(replyassist.__file__).resolve().parent
ROOT = PKG.parent


def loader_artefacts() -> dict[str, Path]:
    """Every shipped artefact, as the code that loads it names it."""
    from replyassist.embeddings_static import default_static_path
    from replyassist.language import _model
    from replyassist.language._lexicon import LEXICON_FILE
    from replyassist.matching.alignment import resolve_alignment_path
    from replyassist.matching.bands import BANDS_FILE
    from replyassist.signals.moderation import Moderator
    from replyassist.signals.sentiment import VectorSentiment
    from replyassist.tone.politeness import ImpolitenessScorer

    sentiment = VectorSentiment()
    moderation = Moderator()
    politeness = ImpolitenessScorer()
    return {
        "language ID model": _model.MODEL_FILE,
        "language ID lexicon": LEXICON_FILE,
        "sentiment head": sentiment.model_dir / sentiment.head_file,
        "moderation head": moderation.model_dir / "moderation_head.npz",
        **{f"politeness {n}": politeness.model_dir / f"{n}.npz" for n in ("cues", "e5", "joint")},
        "match bands": BANDS_FILE,
        "alignment maps": Path(resolve_alignment_path("xsid")),
        "e5-static": default_static_path(),
    }


def test_models_is_a_real_directory_of_the_package():
    models = PKG / "models"
    assert models.is_dir() and not models.is_symlink()
    # the training side stays out of the package: no script, no model card, no source
    strays = [p for p in models.rglob("*") if p.is_file() and p.suffix not in (".npz", ".json")]
    assert strays == []


@pytest.mark.parametrize("what", sorted(loader_artefacts()))
def test_every_loader_artefact_is_in_the_package_and_loads(what):
    path = loader_artefacts()[what].resolve()
    assert path.is_file(), f"{what}: {path} is missing"
    assert path.is_relative_to(PKG / "models"), f"{what}: {path} is not package data under replyassist/models/"
    if path.suffix == ".npz":
        with np.load(path) as z:
            assert z.files, f"{what}: {path} holds no arrays"
    else:
        assert json.loads(path.read_text(encoding="utf-8"))


def test_no_orphan_artefact():
    """Every file in replyassist/models/ is read by a loader (an unread file only makes the wheel bigger).
    ``e5/`` is the opt-in fine-tuned sentiment model: present only where it was trained."""
    used = {p.resolve() for p in loader_artefacts().values()}
    shipped = {p.resolve() for p in (PKG / "models").rglob("*") if p.is_file() and p.parent.name != "e5"}
    assert shipped - used == set()


@pytest.mark.slow
@pytest.mark.skipif(not (ROOT / "pyproject.toml").is_file(), reason="needs the source tree (pyproject.toml)")
def test_wheel_has_every_artefact_and_no_training_script(tmp_path):
    # build from a copy: setuptools writes build/ and *.egg-info next to the sources
    src = tmp_path / "src"
    src.mkdir()
    shutil.copytree(PKG, src / "replyassist", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    out = tmp_path / "wheel"
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(src), "-w", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-2000:]
    (whl,) = out.glob("replyassist-*.whl")
    names = set(zipfile.ZipFile(whl).namelist())
    for what, path in loader_artefacts().items():
        rel = path.resolve().relative_to(PKG.parent).as_posix()
        assert rel in names, f"{what}: {rel} is not in the wheel"
    model_files = sorted(n for n in names if n.startswith("replyassist/models/"))
    assert model_files and all(n.endswith((".npz", ".json")) for n in model_files), model_files
    # the training scripts and their sources stay in the repository's top-level models/
    assert not any(n.startswith("models/") for n in names)
    assert not any(n.endswith((".c", "train.py", "train_sentiment.py", "build_lexicon.py", "build.py")) for n in names)
