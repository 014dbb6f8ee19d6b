"""The real argostranslate path, end to end, with tiny language packs built here.

No language pack can be downloaded in CI, so the tests build their own: a SentencePiece model
trained on a few hundred generated sentences, and CTranslate2 Transformer models whose weights
are set by hand:

* a *copy* model (cross-attention attends from decoder position t to source position t and the
  value/output projections carry the token through), so "translation" is the identity -- this
  gives a positive round-trip test through the real install -> load -> tokenise -> CTranslate2
  -> detokenise path;
* a *random* model (seeded random weights) that outputs gibberish, so protection must detect
  that the protected items were lost.

They are packed as .argosmodel zips and installed with argostranslate.package.install_from_path
into a temporary packages folder (session-scoped fixture, built once).
"""
from __future__ import annotations

import io
import json
import random
import types
import zipfile
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
ctranslate2 = pytest.importorskip("ctranslate2")
spm = pytest.importorskip("sentencepiece")
pytest.importorskip("argostranslate")

from replyassist.errors import TranslationError  # noqa: E402
from replyassist.cli import main as cli_main  # noqa: E402
from replyassist.translation import (  # noqa: E402
    ArgosTranslator,
    SafeTranslator,
    install_package_file,
    install_translation_pair,
    installed_pairs,
)

MAX_POS = 128


def _training_sentences(n: int = 400) -> list[str]:
    rng = random.Random(7)
    words = ("order shipped refund invoice customer thanks please delivery package address "
             "Bestellung Rechnung versandt Lieferung danke bitte Adresse Kunde "
             "rendelés számla szállítás köszönöm kérem cím ügyfél "
             "porudžbina račun dostava hvala molim adresa kupac narudžba poslana "
             "поруџбина рачун достава хвала молим адреса купац "
             "őű áé čćžšđ ČĆŽŠĐ ÄÖÜß äöü € XQ0 XQ1 XQ2 XQ3 XQ4 XQ5 XQ6 XQ7 XQ8 XQ9 12 4711 , . ! ? { } _ @ # : /").split()
    return [" ".join(rng.choice(words) for _ in range(rng.randint(4, 14))) for _ in range(n)]


def _train_sentencepiece(path: Path) -> list[str]:
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_training_sentences()), model_writer=buf, vocab_size=400,
        byte_fallback=True, character_coverage=1.0, model_type="unigram", unk_id=0, bos_id=1, eos_id=2,
        pad_id=-1, num_threads=1, minloglevel=2, hard_vocab_limit=False)
    path.write_bytes(buf.getvalue())
    sp = spm.SentencePieceProcessor(model_file=str(path))
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def _linear(layer, out: int, inp: int, weight=None, rng=None) -> None:
    if weight is None:
        weight = rng.normal(0, 0.3, (out, inp)) if rng is not None else np.zeros((out, inp))
    layer.weight = np.asarray(weight, dtype=np.float32)
    layer.bias = (rng.normal(0, 0.1, out) if rng is not None else np.zeros(out)).astype(np.float32)


def _norm(layer, d: int) -> None:
    layer.gamma = np.ones(d, np.float32)
    layer.beta = np.zeros(d, np.float32)


def _build_ct2_model(out_dir: Path, vocab: list[str], *, copy: bool, seed: int = 0) -> None:
    """A 1-layer CTranslate2 Transformer: exact copy of the input (copy=True) or seeded random."""
    from ctranslate2.specs import transformer_spec

    V = len(vocab)
    rng = None if copy else np.random.default_rng(seed)
    D = V + MAX_POS if copy else 64
    F = 4
    spec = transformer_spec.TransformerSpec.from_config(1, 1)
    enc, dec = spec.encoder, spec.decoder
    enc.scale_embeddings = False
    dec.scale_embeddings = False
    if copy:
        # token one-hot in dims [0, V), position one-hot in dims [V, V + MAX_POS)
        enc.embeddings[0].weight = np.eye(V, D, dtype=np.float32)
        dec.embeddings.weight = np.zeros((V, D), np.float32)
        pos = np.zeros((MAX_POS, D), np.float32)
        pos[np.arange(MAX_POS), V + np.arange(MAX_POS)] = 1.0
    else:
        enc.embeddings[0].weight = rng.normal(0, 1, (V, D)).astype(np.float32)
        dec.embeddings.weight = rng.normal(0, 1, (V, D)).astype(np.float32)
        pos = rng.normal(0, 0.5, (512, D)).astype(np.float32)
    enc.position_encodings.encodings = pos
    dec.position_encodings.encodings = pos
    for layer in enc.layer:
        _norm(layer.self_attention.layer_norm, D)
        _linear(layer.self_attention.linear[0], 3 * D, D, rng=rng)
        _linear(layer.self_attention.linear[1], D, D, rng=rng)
        _norm(layer.ffn.layer_norm, D)
        _linear(layer.ffn.linear_0, F, D, rng=rng)
        _linear(layer.ffn.linear_1, D, F, rng=rng)
    _norm(enc.layer_norm, D)
    for layer in dec.layer:
        _norm(layer.self_attention.layer_norm, D)
        _linear(layer.self_attention.linear[0], 3 * D, D, rng=rng)
        _linear(layer.self_attention.linear[1], D, D, rng=rng)
        _norm(layer.attention.layer_norm, D)
        if copy:
            wq = np.zeros((D, D))
            wq[V:, V:] = 8.0 * np.eye(MAX_POS)          # query = own position
            wkv = np.zeros((2 * D, D))
            wkv[V:D, V:D] = np.eye(MAX_POS)         # key = source position
            wkv[D:D + V, :V] = np.eye(V)                                         # value = source token
            wo = np.zeros((D, D))
            wo[:V, :V] = np.eye(V)
            _linear(layer.attention.linear[0], D, D, wq)
            _linear(layer.attention.linear[1], 2 * D, D, wkv)
            _linear(layer.attention.linear[2], D, D, wo)
        else:
            _linear(layer.attention.linear[0], D, D, rng=rng)
            _linear(layer.attention.linear[1], 2 * D, D, rng=rng)
            _linear(layer.attention.linear[2], D, D, rng=rng)
        _norm(layer.ffn.layer_norm, D)
        _linear(layer.ffn.linear_0, F, D, rng=rng)
        _linear(layer.ffn.linear_1, D, F, rng=rng)
    _norm(dec.layer_norm, D)
    _linear(dec.projection, V, D, np.eye(V, D) if copy else None, rng=rng)
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.config.add_source_eos = True      # the copy model copies </s> as its last token
    spec.validate()
    out_dir.mkdir(parents=True, exist_ok=True)
    spec.save(str(out_dir))


def _make_argosmodel(work: Path, sp_model: Path, vocab: list[str], src: str, tgt: str, *, copy: bool,
                     version: str = "0.1", name: str | None = None) -> Path:
    name = name or f"translate-{src}_{tgt}-tiny"
    folder = work / "build" / name
    _build_ct2_model(folder / "model", vocab, copy=copy, seed=hash((src, tgt)) % 1000)
    (folder / "sentencepiece.model").write_bytes(sp_model.read_bytes())
    (folder / "metadata.json").write_text(json.dumps({
        "package_version": version, "argos_version": "1.0", "from_code": src, "from_name": src.upper(),
        "to_code": tgt, "to_name": tgt.upper(), "type": "translate", "links": []}))
    archive = work / f"{name}.argosmodel"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(folder.rglob("*")):
            zf.write(path, path.relative_to(folder.parent).as_posix())
    return archive


@pytest.fixture(scope="session")
def argos_home(tmp_path_factory):
    work = tmp_path_factory.mktemp("argos")
    sp_model = work / "sentencepiece.model"
    vocab = _train_sentencepiece(sp_model)
    archives = {
        ("de", "en"): _make_argosmodel(work, sp_model, vocab, "de", "en", copy=True),
        ("en", "hu"): _make_argosmodel(work, sp_model, vocab, "en", "hu", copy=True),
        ("en", "sr"): _make_argosmodel(work, sp_model, vocab, "en", "sr", copy=False),
    }
    packages = work / "packages"
    for archive in archives.values():
        install_package_file(archive, packages_dir=packages)
    return types.SimpleNamespace(work=work, packages=packages, archives=archives, sp_model=sp_model, vocab=vocab)


# ---------------------------------------------------------------------------------------------

def test_install_and_list_pairs(argos_home):
    assert installed_pairs(argos_home.packages) == [("de", "en"), ("en", "hu"), ("en", "sr")]
    folders = sorted(p.name for p in argos_home.packages.iterdir())
    assert folders == ["translate-de_en-tiny", "translate-en_hu-tiny", "translate-en_sr-tiny"]
    assert (argos_home.packages / "translate-de_en-tiny" / "model" / "model.bin").is_file()


def test_direct_translation_runs_through_ctranslate2(argos_home):
    tr = ArgosTranslator(argos_home.packages)
    assert tr.model_id == "argos:de-en@0.1,en-hu@0.1,en-sr@0.1"
    text = "Hallo Welt. Ihre Bestellung kommt morgen! Danke, Frau Müller?"
    # the copy model reproduces every sentence; sentences are split and joined again
    assert tr.translate(text, "de", "en") == text
    # argostranslate's SentencePiece decoding turns '_' into ' ': a real mangling protection must undo
    assert tr.translate("Kontakt {agent_name} bitte.", "de", "en") == "Kontakt {agent name} bitte."
    assert tr.translate("Zeile eins.\nZeile zwei.", "de-AT", "EN") == "Zeile eins.\nZeile zwei."


def test_long_sentences_are_split_not_cut(argos_home):
    # the tiny model has 128 positions: a long sentence must be split at clause boundaries, not cut
    long = ", ".join(f"Bestellung {i} wurde am Montag versandt" for i in range(12)) + "."
    tr = ArgosTranslator(argos_home.packages, max_input_tokens=100)
    assert tr.translate(long, "de", "en") == long
    no_commas = " ".join(["Bestellung"] * 80) + "."
    assert tr.translate(no_commas, "de", "en") == no_commas


def test_pivot_through_english(argos_home):
    tr = ArgosTranslator(argos_home.packages)
    assert tr.route("de", "hu") == [("de", "en"), ("en", "hu")]
    assert tr.pair_model_id("de", "hu") == "argos:de-en@0.1>en-hu@0.1"
    assert SafeTranslator(tr).translate("Hallo.", "de", "hu").model_id == "argos:de-en@0.1>en-hu@0.1"
    assert tr.supports("de", "hu") and tr.supports("de", "sr") and not tr.supports("hu", "de")
    assert tr.translate("Ihre Bestellung ist unterwegs.", "de", "hu") == "Ihre Bestellung ist unterwegs."


def test_safe_round_trip_keeps_every_protected_item(argos_home):
    safe = SafeTranslator(ArgosTranslator(argos_home.packages))
    text = ("Sehr geehrte Frau Đurđa Čolić, Ihre Bestellung ORD-2024-0042 über 1.234,56 € wird am "
            "12. Mai 2024 um 14:30 geliefert. Fragen an {agent_name} oder support_team@shop.de, "
            "Status: https://shop.de/track?id=4711&x=a_b")
    result = safe.translate(text, "de", "hu", protect=["Đurđa Čolić", "{agent_name}"])
    assert result.ok and result.lost == () and result.machine_translated
    assert result.text == text            # identity model: the exact text comes back, '_' included
    for item in ("Đurđa Čolić", "ORD-2024-0042", "1.234,56 €", "12. Mai 2024", "14:30", "{agent_name}",
                 "support_team@shop.de", "https://shop.de/track?id=4711&x=a_b"):
        assert item in result.protected and result.text.count(item) == 1
    assert "Machine-translated from German (de) into Hungarian (hu)" in result.disclosure


def test_gibberish_model_is_detected_and_source_offered(argos_home):
    safe = SafeTranslator(ArgosTranslator(argos_home.packages))
    text = "Dear Ana Petrović, your order #4711 of 49,99 EUR ships on 2024-05-12."
    result = safe.translate(text, "en", "sr", protect=["Ana Petrović"])
    assert not result.ok and not result.machine_translated
    assert set(result.lost) == {"Ana Petrović", "#4711", "49,99 EUR", "2024-05-12"}
    assert result.text == text and result.attempt != text
    assert "rejected" in result.disclosure


def test_newest_version_of_a_pair_wins(argos_home, tmp_path):
    newer = _make_argosmodel(tmp_path, argos_home.sp_model, argos_home.vocab, "de", "en", copy=False,
                             version="0.10", name="translate-de_en-aaa-newer")
    packs = tmp_path / "packs"
    install_package_file(argos_home.archives[("de", "en")], packages_dir=packs)
    install_package_file(newer, packages_dir=packs)
    tr = ArgosTranslator(packs)
    assert tr.model_id == "argos:de-en@0.10"
    assert tr.translate("Hallo Welt.", "de", "en") != "Hallo Welt."   # the (random) 0.10 model is used


def test_missing_pair_error_says_how_to_install(argos_home):
    safe = SafeTranslator(ArgosTranslator(argos_home.packages))
    with pytest.raises(TranslationError) as err:
        safe.translate("Köszönöm a rendelést.", "hu", "de")
    msg = str(err.value)
    assert err.value.code == "E301"
    assert "replyassist models install-translation hu de" in msg and "hu→en" in msg
    assert "de→en" in msg  # lists what is installed


def test_empty_packages_dir_supports_nothing(tmp_path):
    tr = ArgosTranslator(tmp_path / "none")
    assert tr.pairs == [] and not tr.supports("de", "en") and tr.supports("de", "de")
    with pytest.raises(TranslationError):
        tr.translate("Hallo", "de", "en")


def test_cache_hits_memory_and_disk(argos_home, tmp_path):
    class Counting:
        def __init__(self, inner):
            self.inner, self.calls = inner, 0

        @property
        def model_id(self):
            return self.inner.model_id

        def supports(self, s, t):
            return self.inner.supports(s, t)

        def translate(self, text, s, t):
            self.calls += 1
            return self.inner.translate(text, s, t)

    counting = Counting(ArgosTranslator(argos_home.packages))
    safe = SafeTranslator(counting, cache_dir=tmp_path / "cache")
    a = safe.translate("Danke, Frau Kovács, Bestellung #4711 ist da.", "de", "en", protect=["Kovács"])
    b = safe.translate("Danke, Frau Kovács, Bestellung #4711 ist da.", "de", "en", protect=["Kovács"])
    # a different customer and order number: same masked text -> no second model call
    c = safe.translate("Danke, Frau Horvat, Bestellung #9999 ist da.", "de", "en", protect=["Horvat"])
    assert counting.calls == 1 and not a.cached and b.cached and c.cached
    assert c.text == "Danke, Frau Horvat, Bestellung #9999 ist da."
    fresh = SafeTranslator(counting, cache_dir=tmp_path / "cache")
    d = fresh.translate("Danke, Frau Kovács, Bestellung #4711 ist da.", "de", "en", protect=["Kovács"])
    assert d.cached and counting.calls == 1
    # another pair is another key
    safe.translate("Danke, Frau Kovács, Bestellung #4711 ist da.", "de", "hu", protect=["Kovács"])
    assert counting.calls == 2


def test_install_package_file_rejects_bad_archives(tmp_path, argos_home):
    bad = tmp_path / "x.argosmodel"
    bad.write_text("not a zip")
    with pytest.raises(TranslationError, match="not a zip"):
        install_package_file(bad, packages_dir=tmp_path / "p")
    nometa = tmp_path / "y.argosmodel"
    with zipfile.ZipFile(nometa, "w") as zf:
        zf.writestr("pkg/model/model.bin", b"")
    with pytest.raises(TranslationError, match="metadata.json"):
        install_package_file(nometa, packages_dir=tmp_path / "p")
    with pytest.raises(TranslationError, match="file not found"):
        install_package_file(tmp_path / "missing.argosmodel")


def test_install_pair_offline_gives_precise_error(tmp_path, monkeypatch):
    from argostranslate import settings

    monkeypatch.setattr(settings, "remote_package_index", "http://127.0.0.1:9/index.json")
    with pytest.raises(TranslationError) as err:
        install_translation_pair("de", "en", packages_dir=tmp_path / "p", timeout=5)
    assert err.value.code == "E302"
    assert "needs internet access" in str(err.value) and "--file" in str(err.value)


def test_cli_install_from_file_and_offline(tmp_path, argos_home, monkeypatch, capsys):
    from argostranslate import settings

    assert cli_main(["models", "install-translation", "--file", str(argos_home.archives[("de", "en")]),
                     "--packages-dir", str(tmp_path / "p")]) == 0
    assert "installed pairs: de→en" in capsys.readouterr().out
    monkeypatch.setattr(settings, "remote_package_index", "http://127.0.0.1:9/index.json")
    assert cli_main(["models", "install-translation", "de", "hu", "--packages-dir", str(tmp_path / "p")]) == 2
    assert "E302" in capsys.readouterr().err


@pytest.fixture()
def package_server(argos_home, tmp_path, monkeypatch):
    """A local HTTP server playing the Argos package index (index.json + .argosmodel files)."""
    import functools
    import http.server
    import shutil
    import threading

    from argostranslate import settings

    root = tmp_path / "www"
    root.mkdir()
    for (src, tgt), archive in argos_home.archives.items():
        if (src, tgt) != ("en", "sr"):
            shutil.copy(archive, root / archive.name)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    index = [{"type": "translate", "from_code": src, "to_code": tgt, "from_name": src, "to_name": tgt,
              "package_version": "0.1", "argos_version": "1.0", "links": [base + archive.name]}
             for (src, tgt), archive in argos_home.archives.items() if (src, tgt) != ("en", "sr")]
    (root / "index.json").write_text(json.dumps(index))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(settings, "remote_package_index", base + "index.json")
    monkeypatch.setattr(settings, "local_package_index", tmp_path / "index.json")
    yield base
    server.shutdown()
    server.server_close()


def test_install_pair_from_index_pivots_and_skips_installed(package_server, tmp_path):
    target = tmp_path / "packs"
    assert install_translation_pair("de", "hu", packages_dir=target) == ["de→en", "en→hu"]
    assert installed_pairs(target) == [("de", "en"), ("en", "hu")]
    assert ArgosTranslator(target).translate("Guten Tag.", "de", "hu") == "Guten Tag."
    assert install_translation_pair("de", "hu", packages_dir=target) == []   # nothing fetched again
    with pytest.raises(TranslationError) as err:
        install_translation_pair("hu", "sr", packages_dir=target)
    assert err.value.code == "E305" and "hu→en" in str(err.value) and "en→sr" in str(err.value)
