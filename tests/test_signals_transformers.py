"""The Hugging Face sentiment backend, with a tiny random model that the test builds and saves."""
from __future__ import annotations

import numpy as np
import pytest

transformers = pytest.importorskip("transformers", reason="transformers is not installed (optional: replyassist[st])")
torch = pytest.importorskip("torch", reason="torch is not installed (optional: replyassist[st])")
tokenizers = pytest.importorskip("tokenizers", reason="tokenizers is not installed")

from replyassist.errors import ConfigError, ModelNotAvailableError  # noqa: E402
from replyassist.signals import SignalAnalyzer, SignalSettings  # noqa: E402
from replyassist.signals.sentiment import TransformersSentiment, normalise_label  # noqa: E402

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "great", "bad", "service", "the", "is", "was", "ok"]


def build_model(folder, id2label: dict[int, str], winner: int, kind: str = "bert"):
    """Save a tiny sequence classifier whose classifier bias makes class ``winner`` win."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(WORDS)}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]")
    n = len(id2label)
    common = dict(vocab_size=len(WORDS), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                  intermediate_size=32, max_position_embeddings=64, num_labels=n,
                  id2label=dict(id2label), label2id={v: k for k, v in id2label.items()})
    torch.manual_seed(0)
    if kind == "bert":
        model = transformers.BertForSequenceClassification(transformers.BertConfig(**common))
        head = model.classifier
    else:
        model = transformers.XLMRobertaForSequenceClassification(
            transformers.XLMRobertaConfig(**common, pad_token_id=0, bos_token_id=2, eos_token_id=3))
        head = model.classifier.out_proj
    with torch.no_grad():
        head.weight.zero_()
        head.bias.zero_()
        head.bias[winner] = 6.0
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


@pytest.mark.parametrize("kind", ["bert", "xlmr"])
def test_named_labels(tmp_path, kind):
    path = build_model(tmp_path / "m", {0: "negative", 1: "neutral", 2: "positive"}, winner=2, kind=kind)
    clf = TransformersSentiment(path)
    assert clf.labels == ["negative", "neutral", "positive"]
    res = clf.predict(["the service was great", "bad"])
    assert [r.label for r in res] == ["positive", "positive"]
    assert res[0].score > 0.9 and res[0].source.startswith("transformers:")
    p = clf.predict_proba(["ok"])
    assert p.shape == (1, 3) and abs(p.sum() - 1) < 1e-5


def test_generic_label_names_follow_conventions(tmp_path):
    path = build_model(tmp_path / "m", {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, winner=0)
    clf = TransformersSentiment(path)
    assert clf.labels == ["negative", "neutral", "positive"]
    assert clf.predict(["the service is ok"])[0].label == "negative"
    two = build_model(tmp_path / "two", {0: "LABEL_0", 1: "LABEL_1"}, winner=1)
    clf2 = TransformersSentiment(two)
    assert clf2.labels == ["negative", "positive"]
    r = clf2.predict(["great"])[0]
    assert r.label == "positive" and r.probabilities["neutral"] == 0.0


def test_label_map_for_unusual_names(tmp_path):
    path = build_model(tmp_path / "m", {0: "bad", 1: "meh", 2: "good"}, winner=1)
    with pytest.raises(ConfigError, match="label_map"):
        _ = TransformersSentiment(path).labels
    clf = TransformersSentiment(path, label_map={"bad": "negative", "meh": "neutral", "good": "positive"})
    assert clf.predict(["ok"])[0].label == "neutral"
    with pytest.raises(ConfigError):
        TransformersSentiment(path, label_map={"bad": "angry"})


def test_analyzer_uses_transformers_backend(tmp_path):
    path = build_model(tmp_path / "m", {0: "NEG", 1: "NEU", 2: "POS"}, winner=0)
    an = SignalAnalyzer(SignalSettings(sentiment_backend=f"transformers:{path}"))
    s = an.analyze(["the service was bad"], np.zeros((1, 384), np.float32), ["en"])[0]
    assert s.sentiment.label == "negative"
    assert "negative" in s.escalation.signals


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelNotAvailableError, match="Could not load"):
        TransformersSentiment(tmp_path / "nothing-here").predict(["x"])


def test_normalise_label_star_ratings():
    assert [normalise_label(f"{k} stars" if k > 1 else "1 star", k - 1, 5) for k in range(1, 6)] == \
        ["negative", "negative", "neutral", "positive", "positive"]
    assert normalise_label("LABEL_4", 4, 5) == "positive"
