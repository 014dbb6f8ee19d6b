"""Gap-analysis jobs: an uploaded message log is analysed on a background thread; clients poll.

One job runs at a time per worker (others wait, ``queued``); the models are shared with the
suggestions through the runner's lock, taken per batch, so suggestions keep flowing during a job.
Jobs live in memory (the last ``keep`` are kept); a job's upload is deleted when it finishes.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from ..errors import ReplyAssistError

__all__ = ["GapJobs", "Job"]

log = logging.getLogger("replyassist.service")


class Job:
    def __init__(self, job_id: str, filename: str, options: dict[str, Any]) -> None:
        self.id = job_id
        self.filename = filename
        self.options = options
        self.status = "queued"
        self.created = time.time()
        self.started: float | None = None
        self.finished: float | None = None
        self.result: dict[str, Any] | None = None
        self.error: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "filename": self.filename, "options": self.options,
                "created": self.created, "started": self.started, "finished": self.finished,
                "error": self.error, "report": self.result}


class GapJobs:
    def __init__(self, runner: Any, *, keep: int = 50, on_status: Callable[[str], None] | None = None) -> None:
        self.runner = runner
        self.keep = keep
        self.on_status = on_status
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="replyassist-gaps")
        self._tmp = Path(tempfile.mkdtemp(prefix="replyassist-gaps-"))

    def submit(self, data: bytes, filename: str, options: dict[str, Any]) -> Job:
        job = Job(uuid.uuid4().hex, filename, options)
        suffix = Path(filename).suffix.lower()
        if suffix not in (".csv", ".tsv", ".jsonl", ".json", ".txt"):
            suffix = ".csv"
        folder = self._tmp / job.id
        folder.mkdir()
        path = folder / f"log{suffix}"
        path.write_bytes(data)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self.keep:  # forget the oldest finished job
                old = next((j for j in self._jobs.values() if j.status in ("done", "failed")), None)
                if old is None:
                    break
                del self._jobs[old.id]
        self._notify("queued")
        self._pool.submit(self._run, job, path)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def _notify(self, status: str) -> None:
        if self.on_status is not None:
            self.on_status(status)

    def _run(self, job: Job, path: Path) -> None:
        from ..gaps import GapSettings, analyze_gaps
        job.status, job.started = "running", time.time()
        self._notify("running")
        try:
            ra = self.runner.assistant
            base = ra.settings.gaps.to_dict() if hasattr(ra.settings.gaps, "to_dict") else {}
            opts = dict(job.options)
            text_column = opts.pop("text_column", None)
            base.update(opts)
            report = analyze_gaps(str(path), ra.corpus, index=self.runner.locked(ra.index),
                                  embedder=self.runner.locked(ra.embedder), detector=self.runner.locked(ra.detector),
                                  signals=self.runner.locked(ra.signals), settings=GapSettings.from_dict(base),
                                  cache_dir=path.parent / "cache", progress=False,
                                  text_column=text_column, pipeline_settings=ra.pipeline.settings)
            job.result = report.to_dict(include_messages=False)
            job.status = "done"
        except ReplyAssistError as exc:
            job.error = {"code": exc.code, "message": exc.message}
            job.status = "failed"
        except Exception as exc:  # a bug: logged; the client gets a code, not a traceback
            log.exception("gap job %s failed", job.id)
            job.error = {"code": "E610", "message": f"internal error ({type(exc).__name__}); see the server log"}
            job.status = "failed"
        finally:
            job.finished = time.time()
            shutil.rmtree(path.parent, ignore_errors=True)
            self._notify(job.status)
