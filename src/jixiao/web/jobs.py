"""Long work (a PDF, a bulk import) in a background thread, shown as a progress bar that moves.

Jobs are rows of :class:`jixiao.web.models.Job`: the database is the queue. A job is keyed by what
it makes, so a second click or a refresh finds the row already queued, running or done and never
starts the work twice. Each kind of job has a runner (``RUNNERS``) that reads everything it needs
from the row's ``params`` (an upload's files are kept under the data folder), so a job that a
restart interrupted is taken up again by :func:`recover` when ``jixiao serve`` starts, from where
its progress says it stood.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from jixiao.web.access import data_dir
from jixiao.web.models import Job

log = logging.getLogger(__name__)
_slots = threading.BoundedSemaphore(2)  # two cores: at most two long jobs at once, others wait their turn
KEEP = timedelta(days=7)
# This server process: a job another process left running is one a restart interrupted.
WORKER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
RUNNERS = {"report": "jixiao.web.reports.run_job", "import": "jixiao.web.batch.run_job"}
INTERRUPTED = "服务重启，任务从中断处继续"


class Progress:
    """What a runner reports through: steps and counts, written to the job's row as they change."""

    def __init__(self, job: Job):
        self.job = job
        self._saved = 0.0

    @property
    def done(self) -> int:
        return self.job.done

    def advance(self, step: str, done: int | None = None, total: int | None = None) -> None:
        j = self.job
        if total is not None:
            j.total = max(1, total)
        if done is not None:
            j.done = done
        j.step = step[:300]
        now = time.monotonic()
        if now - self._saved > 0.2 or done is None:  # a bar that moves, without a write per file of a big upload
            self.save()
            self._saved = now

    def keep(self, **result) -> None:
        """Part of the result so far (kept, so a resumed job knows what is done)."""
        self.job.result.update(result)
        self.save()

    def save(self) -> None:
        Job.objects.filter(pk=self.job.pk).update(step=self.job.step, done=self.job.done, total=self.job.total,
                                                   result=self.job.result, updated=timezone.now())


def start(kind: str, key: str, title: str, owner, params: dict, evaluation_id: int | None = None) -> Job:
    """The job for ``key``: the one already queued, running or finished, or a new one for ``params``.
    A failed job is started again (the user clicked again after reading its error)."""
    _forget_old()
    with transaction.atomic():
        job, created = Job.objects.select_for_update().get_or_create(key=key, defaults={
            "kind": kind, "title": title[:200], "owner": owner, "params": params, "evaluation_id": evaluation_id,
            "worker": WORKER})
        if not created and job.state != Job.FAILED:
            return job
        if not created:
            job.state, job.step, job.error, job.done, job.result = Job.QUEUED, "排队中", "", 0, {}
            job.params, job.owner, job.worker = params, owner, WORKER
            job.save()
    _spawn(job.pk)
    return job


def recover() -> int:
    """Take up the jobs a stopped server left queued or running; returns how many."""
    stale = list(Job.objects.filter(state__in=[Job.QUEUED, Job.RUNNING]).exclude(worker=WORKER).values_list("pk", "worker"))
    n = 0
    for pk, worker in stale:
        if Job.objects.filter(pk=pk, worker=worker).update(state=Job.QUEUED, worker=WORKER, step=INTERRUPTED):
            _spawn(pk)
            n += 1
    return n


def _spawn(pk: int) -> None:
    if getattr(settings, "JIXIAO_JOBS_INLINE", False):  # tests: the test database is not shared with threads
        _run(pk)
        return
    threading.Thread(target=_run, args=(pk,), name=f"jixiao-job-{pk}", daemon=True).start()


def _run(pk: int) -> None:
    from django.db import connections

    try:
        with _slots:
            if not Job.objects.filter(pk=pk, state=Job.QUEUED, worker=WORKER).update(state=Job.RUNNING):
                return  # another thread has it, or it was finished meanwhile
            job = Job.objects.get(pk=pk)
            p = Progress(job)
            try:
                result = import_string(RUNNERS[job.kind])(p, job.params) or {}
            except Exception as exc:  # noqa: BLE001 - any failure is shown to the user; the job may be started again
                log.exception("job %s (%s) failed", job.key, job.title)
                Job.objects.filter(pk=pk).update(state=Job.FAILED, step="失败", error=failure_text(exc),
                                                 result=job.result, updated=timezone.now())
                return
            job.result.update(result)
            Job.objects.filter(pk=pk).update(state=Job.DONE, step="完成", done=job.total, total=job.total,
                                             result=job.result, error=job.error, updated=timezone.now())
    finally:
        if not getattr(settings, "JIXIAO_JOBS_INLINE", False):
            connections.close_all()


def failure_text(exc: BaseException) -> str:
    """A failure in words a user can act on: our own errors carry a Chinese message already."""
    message = getattr(exc, "message", None)
    if message:
        return str(message)
    if isinstance(exc, OSError):
        return f"读写文件出错（{exc.strerror or exc}）；请检查数据文件夹的空间和权限后重新发起"
    return f"处理中出现意外错误（{type(exc).__name__}：{exc}）；请重新发起，仍失败请联系管理员"


def get(key: str) -> Job | None:
    return Job.objects.filter(key=key).first()


def files_dir(key: str):
    """Where a job keeps the files it works on (an upload), until it is forgotten."""
    return data_dir() / "jobs" / key


def _forget_old() -> None:
    old = Job.objects.filter(state__in=[Job.DONE, Job.FAILED], updated__lt=timezone.now() - KEEP)
    for key in old.values_list("key", flat=True):
        shutil.rmtree(files_dir(key), ignore_errors=True)
    old.delete()
