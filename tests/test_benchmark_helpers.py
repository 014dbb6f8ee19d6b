"""The small scoring helpers the benchmarks report with (no evaluation data needed)."""
from __future__ import annotations

import numpy as np

from benchmarks import langid as lid
from benchmarks import sentiment as sent


def _items(labels: list[str], source: str = "sentences") -> list[dict]:
    return [{"eval": True, "source": source, "label": lab, "text": lab} for lab in labels]


def test_merged_accuracy_forgives_only_serbian_croatian_bosnian_confusions() -> None:
    items = _items(["hr", "bs", "sr", "sl", "de"])
    preds = ["bs", "sr", "sr", "hr", "de"]  # two sr/hr/bs swaps, one sl -> hr error
    assert lid.accuracy(items, preds, "sentences", lid.L12) == 40.0
    assert lid.accuracy_merged(items, preds, "sentences", lid.L12) == 80.0  # sl -> hr still wrong
    assert lid.accuracy_merged(items, [None] * 5, "sentences", lid.L12) == 0.0  # "und" is never right


def test_bootstrap_interval_brackets_the_figure_and_narrows_with_more_items() -> None:
    rng = np.random.default_rng(1)

    def rows_and_probs(n: int) -> tuple[list[dict], np.ndarray]:
        gold = rng.choice(["negative", "positive"], size=n)
        noisy = np.where(rng.random(n) < 0.8, gold, np.where(gold == "positive", "negative", "positive"))
        probs = np.array([[0.1, 0.0, 0.9] if p == "positive" else [0.9, 0.0, 0.1] for p in noisy])
        return [{"group": "mozetic:hun", "label": g, "source": "mozetic"} for g in gold], probs

    small_rows, small_p = rows_and_probs(100)
    big_rows, big_p = rows_and_probs(2000)
    f1 = sent.score_groups(small_rows, small_p)["mozetic:hun"]
    lo, hi = sent.bootstrap_ci(small_rows, small_p, resamples=300)["mozetic:hun"]
    assert lo < f1 < hi
    blo, bhi = sent.bootstrap_ci(big_rows, big_p, resamples=300)["mozetic mean"]
    assert 0 < bhi - blo < hi - lo
    assert sent.bootstrap_ci(small_rows, small_p, resamples=50) == sent.bootstrap_ci(small_rows, small_p, resamples=50)
    table = sent.interval_table(small_rows, small_p)
    dlo, dhi = sent.bootstrap_ci(small_rows, small_p)["mozetic mean"]  # the table's 1,000 resamples
    assert f"| mozetic mean | 100 | {f1:.3f} | {dlo:.3f}-{dhi:.3f} |" in table
    assert f"| mozetic:hun | 100 | {f1:.3f} |" in table


def test_umsab_folds_are_stratified_seeded_and_cover_every_row() -> None:
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "sentiment_train", Path(__file__).resolve().parents[1] / "models" / "sentiment" / "train.py")
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    rows = [{"group": f"umsab:{lang}", "label": lab, "text": f"{lang}{lab}{i}"}
            for lang in ("en", "de") for lab, n in (("negative", 10), ("neutral", 7), ("positive", 13))
            for i in range(n)]
    fold = train.umsab_folds(rows, 5)
    assert set(fold) == {0, 1, 2, 3, 4} and len(fold) == len(rows)
    for lang in ("en", "de"):
        for lab, n in (("negative", 10), ("neutral", 7), ("positive", 13)):
            per = np.bincount([f for f, r in zip(fold, rows) if r["group"] == f"umsab:{lang}" and r["label"] == lab],
                              minlength=5)
            assert per.max() - per.min() <= 1 and per.sum() == n  # each class spread evenly over the folds
    assert (train.umsab_folds(rows, 5) == fold).all() and not (train.umsab_folds(rows, 5, seed=1) == fold).all()
