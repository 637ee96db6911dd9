"""Background jobs kept in the database, so a restart neither loses them nor runs them twice.

A job is keyed by what it makes (a report's version digest and format, an upload's SHA-256): a
second click or a refresh finds the same row. The row is the queue: its state, progress, error and
result are what the progress page shows, read from here by any thread or process.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Job(models.Model):
    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATES = [(QUEUED, "排队中"), (RUNNING, "进行中"), (DONE, "已完成"), (FAILED, "失败")]

    key = models.CharField("任务标识", max_length=64, unique=True)
    kind = models.CharField("类型", max_length=20)  # which runner does it: see jixiao.web.jobs.RUNNERS
    title = models.CharField("任务", max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, on_delete=models.SET_NULL,
                              related_name="+")
    evaluation_id = models.IntegerField("评价", null=True, blank=True)  # who may watch: those who see it
    params = models.JSONField("参数", default=dict)
    state = models.CharField("状态", max_length=10, choices=STATES, default=QUEUED)
    step = models.CharField("当前步骤", max_length=300, default="排队中")
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=1)
    error = models.TextField("错误", blank=True)
    result = models.JSONField("结果", default=dict)
    worker = models.CharField("处理进程", max_length=100, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "后台任务"
        indexes = [models.Index(fields=["state"], name="web_job_state")]

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.done / self.total)) if self.total else 100

    @property
    def running(self) -> bool:
        return self.state in (self.QUEUED, self.RUNNING)
