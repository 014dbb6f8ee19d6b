"""The Dask engine of the gap analysis (``analyze_gaps(..., engine="dask")``, ``replyassist gaps --engine dask``).

The per-message stages (prepare, language, encode, match, sentiment: the message pipeline of
:mod:`replyassist.pipeline`, through :func:`run_message_stages`) run as partitions of the log on a Dask cluster; coverage, clustering and the report run here,
on the partitions' results joined in row order, with the in-process code. So the report is the
same as the in-process one, whatever the number of workers.

- **Cluster**: a ``LocalCluster`` of ``workers`` processes (one thread each) when no address is
  given, else ``Client("tcp://host:8786")`` to a running scheduler. The dashboard link is printed.
- **Models load once per worker**: a ``WorkerPlugin`` builds the embedder, language detector,
  sentiment analyzer and FAQ index when a worker joins (also a worker that joins late or replaces
  a lost one); tasks only look them up.
- **The FAQ index is built once, here**, and shipped to the workers as vectors (the paraphrase
  texts and their vectors): a worker's index never encodes the FAQ again.
- **Checkpoints**: each finished partition is written here (``checkpoint_dir``, default
  ``<cache_dir>/gaps-partitions``) under a key of its rows and the components, atomically. A re-run
  of the same log reads finished partitions back and submits only the others, so a run resumes
  after a crash, a lost worker or Ctrl-C. A lost worker's partition is re-run by Dask on another.
- **Accounting**: every input row is either processed or a bad row, in exactly one partition;
  the join checks ``processed + bad == total``.
- **Progress**: workers publish per-stage progress as Dask events; one line here shows every
  stage summed over the workers (``[gaps] dask 2 workers | prepare 100% ... | partitions 3/10``).

``dask[distributed]`` is optional: ``pip install "replyassist[dask]"``.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import ClusterError, ConfigError, Errors, MissingDependencyError, ReplyAssistError

__all__ = ["WorkerSpec", "GapsWorkerPlugin", "run_dask", "embedder_name", "DEFAULT_PARTITION_SIZE"]

#: Messages per partition when not given: large enough that the per-task overhead is negligible,
#: small enough that a lost worker costs little and the progress moves.
DEFAULT_PARTITION_SIZE = 20000
_TOPIC = "replyassist-gaps-progress"
_CHECKPOINT_VERSION = "gaps-partition/2"   # 2: the shared message pipeline (replyassist.pipeline)
_STAGES = ("prepare", "language", "encoding", "matching", "sentiment")


def _require_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise MissingDependencyError.for_package("dask[distributed]", "The Dask engine (engine='dask')",
                                                 extra="dask") from exc
    return distributed


def embedder_name(embedder: Any) -> str:
    """The registry name of an embedder (or of the one a ``CachedEmbedder`` wraps), so that workers
    can load the same one; a ``ClusterError`` (E803) for an embedder that has no name.

    >>> embedder_name("e5-static")
    'e5-static'
    """
    if embedder is None:
        return "e5-small"
    if isinstance(embedder, str):
        return embedder
    from .. import embeddings as E
    inner = getattr(embedder, "inner", embedder)
    for name, emb in E._LOADED.items():
        if emb is inner:
            return name
    raise ClusterError(Errors.E803, inner_type=type(inner).__name__)


class _TableEmbedder:
    """The real embedder, but texts the driver already encoded (the FAQ paraphrases) come from
    the shipped vectors: the worker's FAQ index is built without encoding the FAQ."""

    def __init__(self, inner: Any, texts: Sequence[str], vectors: np.ndarray) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self._table = {t: i for i, t in enumerate(texts)}
        self._vectors = vectors

    def encode(self, texts: Sequence[str], **kw: Any) -> np.ndarray:
        texts = list(texts)
        rows = [self._table.get(t) for t in texts]
        if all(r is not None for r in rows):
            return self._vectors[np.asarray(rows, dtype=np.int64)] if rows else np.zeros((0, self.dim), np.float32)
        return np.asarray(self.inner.encode(texts), dtype=np.float32)


@dataclass
class WorkerSpec:
    """Everything a worker needs to build the stages (pickled once into the worker plugin)."""

    embedder: str
    cache_dir: str
    corpus: Any
    match_settings: Any
    index_texts: list[str]
    index_vectors: np.ndarray
    detector: Any = None      # None: the library's LanguageDetector; False: the language column only
    signals: Any = None       # None: the library's SignalAnalyzer; False: no sentiment
    settings: Any = None
    pipeline_settings: Any = None   # PipelineSettings of the message pipeline (None: the defaults)
    key: str = field(default="")


def _components(spec: WorkerSpec) -> dict[str, Any]:
    """Build the stages on a worker (once per worker, from the plugin)."""
    from ..embeddings import CachedEmbedder, get_embedder
    from ..matching import FaqIndex
    from ._analysis import default_components, message_pipeline
    root = Path(spec.cache_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:  # the driver's cache folder does not exist on this machine: a local one
        root = Path(tempfile.gettempdir()) / "replyassist-gaps-worker"
        root.mkdir(parents=True, exist_ok=True)
    inner = get_embedder(spec.embedder)
    embedder = CachedEmbedder(inner, root / "embeddings.sqlite") if getattr(inner, "cacheable", True) else inner
    index = FaqIndex(spec.corpus, _TableEmbedder(embedder, spec.index_texts, spec.index_vectors),
                     spec.match_settings, cache_dir=root / "index")
    index.embedder = embedder
    index, embedder, detector, signals = default_components(spec.corpus, index=index, embedder=embedder,
                                                            detector=spec.detector, signals=spec.signals,
                                                            cache_root=root,
                                                            language_mode=getattr(spec.settings, "language_mode", "full"))
    # the message pipeline of ReplyAssistant.suggest and the in-process analysis, built once per worker
    pipeline = message_pipeline(spec.corpus, index=index, embedder=embedder, detector=detector, signals=signals,
                                settings=spec.pipeline_settings)
    return {"index": index, "embedder": embedder, "detector": detector, "signals": signals, "root": root,
            "pipeline": pipeline}


_WorkerPluginBase: Any
try:  # the plugin class needs distributed; the module stays importable without it
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPluginBase
except ImportError:  # pragma: no cover - without the extra
    _WorkerPluginBase = object


class GapsWorkerPlugin(_WorkerPluginBase):
    """Loads the gap-analysis stages once per worker (also on workers that join later)."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self.name = f"replyassist-gaps-{spec.key}"
        self.components: dict[str, Any] | None = None
        self.load_seconds = 0.0

    def setup(self, worker: Any) -> None:
        t0 = time.perf_counter()
        self.components = _components(self.spec)
        self.load_seconds = time.perf_counter() - t0

    def teardown(self, worker: Any) -> None:
        self.components = None


def _worker_progress(part: int) -> Callable[[str, int], Callable[..., None]]:
    """A progress factory that publishes (partition, stage, done, total) as Dask events, throttled."""
    from distributed import get_worker
    worker = get_worker()

    def factory(label: str, total: int) -> Callable[..., None]:
        state = {"last": 0.0, "total": total}

        def cb(done: int, total_: int | None = None) -> None:
            if total_ is not None:
                state["total"] = total_
            now = time.monotonic()
            if done < state["total"] and now - state["last"] < 0.5:
                return
            state["last"] = now
            try:
                worker.log_event(_TOPIC, {"part": part, "stage": label, "done": int(done), "total": int(state["total"])})
            except Exception:  # progress must never fail a partition
                pass
        return cb
    return factory


def _run_partition(part: int, rows: list[Any], plugin_name: str) -> Any:
    """One partition on a worker: the per-message stages with the worker's loaded components."""
    from distributed import get_worker

    from ._analysis import run_message_stages
    worker = get_worker()
    plugin: Any = worker.plugins.get(plugin_name)
    if plugin is None:  # pragma: no cover - the plugin is registered before any task
        raise RuntimeError(f"worker plugin {plugin_name} missing")
    if plugin.components is None:  # pragma: no cover - setup failed or was torn down
        plugin.setup(worker)
    c = plugin.components
    t0 = time.perf_counter()
    ms = run_message_stages(rows, plugin.spec.corpus, index=c["index"], embedder=c["embedder"],
                            detector=c["detector"], signals=c["signals"], settings=plugin.spec.settings,
                            cache_root=c["root"], progress=_worker_progress(part), pipeline=c["pipeline"])
    ms.timings["worker_seconds"] = time.perf_counter() - t0
    ms.timings["worker_model_load"] = 0.0
    return ms


# --------------------------------------------------------------------------- driver side

def _digest(*parts: Any) -> str:
    h = hashlib.sha1()
    for p in parts:
        h.update(repr(p).encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def _rows_digest(rows: Sequence[Any]) -> str:
    h = hashlib.sha1()
    for r in rows:
        h.update(f"{r.row}\x1f{r.text}\x1f{r.language}\x1f{r.channel}\x1e".encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:16]


class _StageBoard:
    """Progress summed over partitions and workers, drawn on one line (or given to a callable)."""

    def __init__(self, total: int, n_parts: int, workers: int, progress: Any, stream: Any = None) -> None:
        self.total, self.n_parts, self.workers = total, n_parts, workers
        self.done: dict[str, dict[int, int]] = {s: {} for s in _STAGES}
        self.parts_done = 0
        self.finished: set[int] = set()
        self.user = progress if callable(progress) and not isinstance(progress, bool) else None
        self.enabled = bool(progress)
        self.stream = stream if stream is not None else sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self._last = 0.0
        self._lock = threading.Lock()

    def event(self, msg: Any) -> None:
        try:
            _, data = msg if isinstance(msg, tuple) else (None, msg)
            stage, part, done = data["stage"], int(data["part"]), int(data["done"])
        except (KeyError, TypeError, ValueError):
            return
        if stage not in self.done:
            return
        with self._lock:
            if part in self.finished:  # a late event of a partition already counted in full
                return
            self.done[stage][part] = done
        self.draw()

    def part_finished(self, part: int, size_by_stage: dict[str, int]) -> None:
        """A partition is through: every stage counts all its rows (bad rows included) as done."""
        with self._lock:
            self.finished.add(part)
            self.parts_done += 1
            for s in _STAGES:
                self.done[s][part] = size_by_stage.get(s, self.done[s].get(part, 0))
        self.draw(force=True)

    def draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        with self._lock:
            sums = {s: sum(v.values()) for s, v in self.done.items()}
            parts = self.parts_done
        if self.user is not None:
            for s in _STAGES:
                self.user(s, sums[s], self.total)
            return
        now = time.monotonic()
        if not force and now - self._last < 0.5:
            return
        self._last = now
        el = now - self.start
        frac = parts / max(1, self.n_parts)
        eta = f" eta {el / frac - el:.0f}s" if 0 < frac < 1 else ""
        stages = " ".join(f"{s} {100 * sums[s] / max(1, self.total):3.0f}%" for s in _STAGES)
        line = f"[gaps] dask {self.workers} workers | {stages} | partitions {parts}/{self.n_parts}{eta}"
        if self.live:
            self.stream.write("\r" + line + "   ")
            if parts >= self.n_parts:
                self.stream.write("\n")
        elif force:
            self.stream.write(line + "\n")
        self.stream.flush()


def _atomic_pickle(obj: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _load_checkpoint(path: Path, rows_digest: str) -> Any | None:
    try:
        with open(path, "rb") as fh:
            data = pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError):
        return None  # missing or half-written (a crash while writing): computed again
    if not isinstance(data, dict) or data.get("version") != _CHECKPOINT_VERSION or data.get("rows") != rows_digest:
        return None
    return data.get("result")


def _probe(address: str) -> None:
    """Fail fast and clearly when nothing listens at a ``tcp://host:port`` scheduler address."""
    import socket
    from urllib.parse import urlsplit
    if not address.startswith("tcp://"):
        return  # tls://, inproc:// ...: left to distributed
    try:
        u = urlsplit(address)
        host, port = u.hostname, u.port or 8786
    except ValueError as exc:
        raise ConfigError(Errors.E501, address=address) from exc
    try:
        with socket.create_connection((host, port), timeout=5):
            pass
    except OSError as exc:
        raise ClusterError(Errors.E801, address=address, detail=exc.strerror or exc) from exc


def _connect(scheduler: str | None, workers: int | None, stream: Any) -> tuple[Any, Any, int, str | None]:
    distributed = _require_distributed()
    import logging
    dash: str | None = None
    if scheduler:
        _probe(scheduler)
        try:
            client = distributed.Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise ClusterError(Errors.E801, address=scheduler, detail=f"{type(exc).__name__}: {exc}") from exc
        cluster = None
        try:
            client.wait_for_workers(1, timeout=60)
            dash = "remote"
        except (OSError, TimeoutError) as exc:
            client.close()
            raise ClusterError(Errors.E806, scheduler=scheduler) from exc
    else:
        n = int(workers or 2)
        if n < 1:
            raise ConfigError(Errors.E502, workers=workers)
        try:
            import bokeh  # noqa: F401
            dash = "127.0.0.1:0"
        except ImportError:
            dash = None
        cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                           dashboard_address=dash, silence_logs=logging.ERROR)
        client = distributed.Client(cluster)
    n_workers = len(client.scheduler_info().get("workers", {}))
    link = getattr(client, "dashboard_link", None) if (cluster is None or dash) else None
    if stream is not None:
        where = scheduler or "local cluster"
        stream.write(f"[gaps] dask: {where}, {n_workers} workers" + (f"; dashboard: {link}" if link else "") + "\n")
        stream.flush()
    return client, cluster, n_workers, link


def run_dask(rows: Sequence[Any], corpus: Any, *, index: Any, embedder: Any, detector: Any, signals: Any,
             settings: Any, cache_root: Path, scheduler: str | None, workers: int | None,
             partition_size: int | None, checkpoint_dir: str | Path | None,
             progress: Any, pipeline_settings: Any = None) -> tuple[Any, dict[str, Any]]:
    """Run the per-message stages of ``rows`` on Dask; returns the joined
    :class:`MessageStages` and the run information (engine, workers, partitions, resumed, ...)."""
    from ._analysis import MessageStages
    _require_distributed()
    t_start = time.perf_counter()
    size = int(partition_size or DEFAULT_PARTITION_SIZE)
    if size < 1:
        raise ConfigError(Errors.E500, partition_size=partition_size)
    # ---- the components, once, here: the embedder by name, the index as vectors ----
    name = embedder_name(getattr(index, "embedder", None) if embedder is None and index is not None else embedder)
    from ..embeddings import CachedEmbedder, get_embedder
    from ..matching import FaqIndex
    inner = get_embedder(name)
    drv_embedder = (CachedEmbedder(inner, cache_root / "embeddings.sqlite")
                    if getattr(inner, "cacheable", True) else inner)
    if index is None:
        from ._analysis import index_settings
        index = FaqIndex(corpus, drv_embedder, index_settings(drv_embedder), cache_dir=cache_root / "index")
    elif not isinstance(index, FaqIndex):
        raise ClusterError(Errors.E804, index_type=type(index).__name__)
    corpus_for_index = index.corpus
    texts = list(index.texts) + list(index.not_texts)
    vecs = np.concatenate([index.para_vecs, index.not_vecs]) if len(index.not_texts) else np.asarray(index.para_vecs)
    for comp, what in ((detector, "detector"), (signals, "signals")):
        if comp not in (None, False):
            try:
                pickle.dumps(comp)
            except Exception as exc:
                raise ClusterError(Errors.E807, what=what, exc_type=type(exc).__name__, exc=exc) from exc
    spec = WorkerSpec(embedder=name, cache_dir=str(cache_root), corpus=corpus_for_index,
                      match_settings=index.settings, index_texts=texts, index_vectors=np.asarray(vecs, np.float32),
                      detector=detector, signals=signals, settings=settings, pipeline_settings=pipeline_settings)
    comp_key = _digest(_CHECKPOINT_VERSION, drv_embedder.model_id, index.content_hash, repr(index.settings),
                       type(detector).__name__ if detector not in (None, False) else detector,
                       repr(getattr(detector, "settings", None)),
                       type(signals).__name__ if signals not in (None, False) else signals,
                       repr(getattr(signals, "settings", None)), settings.batch_size, repr(pipeline_settings),
                       getattr(settings, "language_mode", None) if detector is None else None)
    spec.key = comp_key[:12]

    # ---- partitions and checkpoints ----
    ck_root = Path(checkpoint_dir) if checkpoint_dir is not None else cache_root / "gaps-partitions"
    ck_dir = ck_root / comp_key[:16]
    parts = [list(rows[s:s + size]) for s in range(0, len(rows), size)]
    digests = [_rows_digest(p) for p in parts]
    results: list[Any] = [None] * len(parts)
    for i, d in enumerate(digests):
        results[i] = _load_checkpoint(ck_dir / f"part-{i:05d}-{d}.pkl", d)
    resumed = sum(r is not None for r in results)
    todo = [i for i, r in enumerate(results) if r is None]
    stream = sys.stderr if progress is True else None
    info: dict[str, Any] = {"engine": "dask", "scheduler": scheduler or "local", "partitions": len(parts),
                            "partition_size": size, "resumed_partitions": resumed, "checkpoints": str(ck_dir)}
    if todo:
        client, cluster, n_workers, link = _connect(scheduler, workers, stream)
        info["workers"] = n_workers
        info["dashboard"] = link
        board = _StageBoard(len(rows), len(parts), n_workers, progress)
        for i, r in enumerate(results):
            if r is not None:
                board.part_finished(i, {s: len(parts[i]) for s in _STAGES})
        try:
            distributed = _require_distributed()
            plugin = GapsWorkerPlugin(spec)
            try:
                client.register_plugin(plugin, name=plugin.name)
            except Exception as exc:
                raise ClusterError(Errors.E808, exc_type=type(exc).__name__, exc=exc) from exc
            client.subscribe_topic(_TOPIC, board.event)
            futures = {client.submit(_run_partition, i, parts[i], plugin.name, pure=False,
                                     key=f"replyassist-gaps-{spec.key}-{digests[i]}-{i}"): i for i in todo}
            for fut in distributed.as_completed(list(futures)):
                i = futures[fut]
                try:
                    ms = fut.result()
                except ReplyAssistError:
                    raise
                except Exception as exc:
                    raise ClusterError(Errors.E809, part=i + 1, n_parts=len(parts), row=parts[i][0].row,
                                       row_2=parts[i][-1].row, exc_type=type(exc).__name__, exc=exc, ck_dir=ck_dir) from exc
                fut.release()
                _atomic_pickle({"version": _CHECKPOINT_VERSION, "rows": digests[i], "result": ms},
                               ck_dir / f"part-{i:05d}-{digests[i]}.pkl")
                results[i] = ms
                board.part_finished(i, {s: len(parts[i]) for s in _STAGES})
        finally:
            try:
                client.unsubscribe_topic(_TOPIC)
                if scheduler:  # a long-lived cluster: do not leave the corpus and its vectors on the workers
                    client.unregister_worker_plugin(f"replyassist-gaps-{spec.key}")
            except Exception:
                pass
            client.close()
            if cluster is not None:
                cluster.close()
    else:
        info["workers"] = 0
    joined = MessageStages.concat(results, int(getattr(drv_embedder, "dim", 384)))
    if len(joined.rows) + len(joined.bad) != len(rows):  # pragma: no cover - invariant
        raise ClusterError(Errors.E802, n_rows=len(rows), n_rows_2=len(joined.rows), n_bad=len(joined.bad))
    info["wall_seconds"] = time.perf_counter() - t_start
    info["_driver_embedder"] = drv_embedder
    return joined, info
