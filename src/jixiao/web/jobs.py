"""Long work (a PDF, a bulk import) in a background thread, shown as a progress bar that moves.

A job is keyed by what it makes (the version's digest and the format, the upload's SHA-256), so a
second click or a refresh finds the job already running or done and never starts the work twice.
Jobs live in this server process; their results are files under the data folder, so a finished
report is found again after a restart without being drafted anew.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

_lock = threading.Lock()
_jobs: dict[str, Job] = {}
_slots = threading.BoundedSemaphore(2)  # two cores: at most two long jobs at once, others wait their turn
KEEP_SECONDS = 6 * 3600


@dataclass
class Job:
    key: str
    title: str
    owner: int  # the user who started it; another user's job is not theirs to see
    done: int = 0
    total: int = 1
    step: str = "排队中"
    state: str = "running"  # running | done | failed
    error: str = ""
    result: dict = field(default_factory=dict)
    started: float = field(default_factory=time.time)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100

    def advance(self, step: str, done: int | None = None, total: int | None = None) -> None:
        if total is not None:
            self.total = max(1, total)
        if done is not None:
            self.done = done
        self.step = step


def start(key: str, title: str, owner: int, work: Callable[[Job], dict]) -> Job:
    """The job for ``key``: the one already running or finished, or a new one running ``work``."""
    with _lock:
        _forget_old()
        job = _jobs.get(key)
        if job is not None and job.state != "failed":
            return job
        job = Job(key, title, owner)
        _jobs[key] = job

    def run():
        with _slots:
            try:
                job.result = work(job) or {}
                job.done = job.total
                job.state = "done"
                job.step = "完成"
            except Exception as exc:  # noqa: BLE001 - any failure is shown to the user; the job may be started again
                job.state = "failed"
                job.error = getattr(exc, "message", None) or str(exc) or type(exc).__name__
                job.step = "失败"
                traceback.print_exc()
            finally:
                from django.db import connections

                connections.close_all()

    threading.Thread(target=run, name=f"jixiao-job-{key[:16]}", daemon=True).start()
    return job


def get(key: str) -> Job | None:
    return _jobs.get(key)


def _forget_old() -> None:
    now = time.time()
    for k in [k for k, j in _jobs.items() if j.state != "running" and now - j.started > KEEP_SECONDS]:
        del _jobs[k]
