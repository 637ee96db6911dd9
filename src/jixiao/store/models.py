"""The store's records. Nothing here is written directly: :mod:`jixiao.store.services` does it.

History: units, evaluations, memberships and assignments carry django-simple-history rows;
case versions, scores, adjustments, opinions and audit events are append-only by design (a
new row per change), so they need no history of their own.
"""

from __future__ import annotations

import functools
import json

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class JSONField(models.JSONField):
    """Django's JSONField, inserted in bulk as ``VALUES (…), (…)`` on PostgreSQL.

    Django 5.2 inserts a bulk of rows on PostgreSQL as ``UNNEST(%s::jsonb[], …)``: psycopg then
    writes each column as one array literal, escaping every quote of every JSON value through a
    Python regex — 19 ms of CPU a project form (its ≈ 18 KB score record, its facts, its audit
    events), five sixths of a bulk import's writing (``benchmarks/store.py``, 2,000 forms). A field with its own placeholder keeps Django on
    the ``VALUES`` form, where libpq quotes each value in C. Nothing else changes: same column
    type, same reading — and for migrations the same field as Django's: a change of class would
    make SQLite rebuild the tables, dropping the audit log's append-only trigger.

    Values are written as UTF-8 JSON (``ensure_ascii=False``): Django's ``json.dumps`` default
    writes each Chinese character as a six-byte ``\\uXXXX`` escape, so a score record of 16.6 KB
    went to the database as 23 KB that PostgreSQL's JSONB parser then had to decode again.
    The values read back are the same.
    """

    def get_placeholder(self, value, compiler, connection) -> str:
        return "%s"

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        dumps = functools.partial(json.dumps, ensure_ascii=False, cls=self.encoder)
        if connection.vendor == "postgresql":
            from psycopg.types.json import Jsonb

            return Jsonb(value, dumps=dumps)
        return dumps(value)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs


class Role(models.TextChoices):
    UNIT = "unit", "单位填报"
    DEPT = "dept", "主管部门审核"
    FINANCE = "finance", "财政绩效处"
    EXPERT = "expert", "专家/第三方"
    ADMIN = "admin", "管理员"


class Kind(models.TextChoices):
    DEPT = "dept", "部门整体自评"
    PROJECT = "project", "项目自评"
    TARGET = "target", "目标"
    MONITOR = "monitor", "监控"
    PREASSESS = "preassessment", "事前评估"


class State(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已送审"
    DEPT_REVIEWED = "dept_reviewed", "主管部门已审"
    FINAL = "final", "财政已审（终审）"


class Unit(models.Model):
    """A 主管部门 or a 单位 (or a 区划 root). ``path`` is the code chain ``/44/4403/440301/``,
    so a scope is one prefix comparison, whatever the depth."""

    code = models.CharField("编码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=200)
    parent = models.ForeignKey("self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    path = models.CharField("编码路径", max_length=1000, db_index=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "单位"
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Membership(models.Model):
    """A user's role, and the unit whose subtree it covers (none: everything, for 财政 and 管理员)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="memberships")
    role = models.CharField("角色", max_length=16, choices=Role.choices)
    unit = models.ForeignKey(Unit, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "角色"
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}" + (f" · {self.unit.code}" if self.unit_id else "")


class ApiToken(models.Model):
    """A bearer token for programs. Only its SHA-256 is kept; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    name = models.CharField("名称", max_length=100, blank=True)
    created = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "访问令牌"


class Edition(models.Model):
    """A framework edition as it was when first used: the resolved framework frozen as JSON, keyed
    by its content hash, so an evaluation always rescores under the edition it was made with."""

    hash = models.CharField("指纹", max_length=64, unique=True)
    ref = models.CharField("版本编号", max_length=200, db_index=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    name = models.CharField("名称", max_length=200)
    framework = JSONField("指标体系（冻结）")
    created = models.DateTimeField("首次使用", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "指标体系版本"

    def __str__(self) -> str:
        return f"{self.ref}（{self.hash[:12]}）"


class Evaluation(models.Model):
    """One evaluation: a unit's year under one edition (a department, or one project's form)."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="evaluations")
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    edition = models.ForeignKey(Edition, verbose_name="指标体系版本", on_delete=models.PROTECT)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    title = models.CharField("名称", max_length=300)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.DRAFT)
    current = models.PositiveIntegerField("当前版本号", default=0)
    # Copies of the current version's Score, written only by services._new_version (and the bulk
    # import beside it), so that lists and rankings read one row per evaluation.
    total = models.FloatField("当前总分", null=True, blank=True)
    grade = models.CharField("当前等级", max_length=20, blank=True, default="")
    created = models.DateTimeField("创建时间", auto_now_add=True)
    updated = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "评价"
        constraints = [models.UniqueConstraint(fields=["unit", "year", "kind", "title"], name="evaluation_unique")]
        indexes = [models.Index(fields=["year", "kind"]), models.Index(fields=["unit", "year"]),
                   models.Index(fields=["year", "id"], name="evaluation_year_page")]

    def __str__(self) -> str:
        return f"{self.title}（{self.year} 年度，{self.get_kind_display()}）"


class Assignment(models.Model):
    """An expert or third party assigned to one named evaluation."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "专家指派"
        constraints = [models.UniqueConstraint(fields=["evaluation", "user"], name="assignment_unique")]


class CaseVersion(models.Model):
    """The facts of an evaluation as saved once. Every save is a new row; rows never change."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    facts = JSONField("事实（含佐证）")
    digest = models.CharField("内容摘要", max_length=64)
    source = models.CharField("来源文件", max_length=255, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="保存人", null=True, blank=True,
                               on_delete=models.PROTECT)
    author_name = models.CharField("保存人", max_length=150)
    created = models.DateTimeField("保存时间", auto_now_add=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "案例版本"
        ordering = ["evaluation", "number"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "number"], name="version_unique")]


class Score(models.Model):
    """The engine's evaluation record for one version, stored whole; the columns are copies for
    ranking and listing."""

    version = models.OneToOneField(CaseVersion, on_delete=models.CASCADE, related_name="score")
    record = JSONField("评分记录")
    total = models.FloatField("总分")
    grade = models.CharField("等级", max_length=20, blank=True)
    status = models.CharField("状态", max_length=20)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "评分"


class Attachment(models.Model):
    """Evidence for a fact or an indicator. The file lives under the data folder by its SHA-256,
    never at a path a user chose; ``name`` is the original file name, shown only."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="attachments")
    target = models.CharField("所证事实或指标", max_length=300, blank=True)
    name = models.CharField("原文件名", max_length=255)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64, db_index=True)
    content_type = models.CharField("类型", max_length=100)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "佐证材料"


class Adjustment(models.Model):
    """A reviewer's changed judgement, or an expert's points, on one indicator's fact, with its
    reason. Applying it saves a new case version (``version``) scored like any other."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="adjustments")
    version = models.ForeignKey(CaseVersion, on_delete=models.PROTECT, related_name="adjustments")
    target = models.CharField("事实或指标", max_length=300)
    before = JSONField("原值", null=True)
    after = JSONField("新值", null=True)
    reason = models.TextField("理由")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    role = models.CharField("角色", max_length=16, choices=Role.choices)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "评分调整"


class Opinion(models.Model):
    """A reviewer's or expert's opinion on one indicator (``indicator``) or overall (blank)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="opinions")
    indicator = models.CharField("指标", max_length=300, blank=True)
    text = models.TextField("意见")
    state = models.CharField("提出时状态", max_length=16, choices=State.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    role = models.CharField("角色", max_length=16, choices=Role.choices)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "审核意见"


class ApplyDecision(models.Model):
    """财政部门对结果应用建议的调整 (the bureau overrides the rule table's advice, with a reason).
    Rows are only added: the latest one for an evaluation is in force, the earlier ones stay as its
    history, and each is also an AuditEvent."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="apply_decisions")
    advice = models.CharField("调整后的建议", max_length=50)
    table_advice = models.CharField("规则表的建议", max_length=50)
    table = models.CharField("结果应用规则", max_length=100)
    reason = models.TextField("理由")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "结果应用调整"
        ordering = ["-created", "-id"]


class Rectification(models.Model):
    """整改: a problem found by an evaluation, a review or monitoring, with its 要求, 责任单位 and 期限;
    the unit reports its 整改结果, the reviewer gives the 结论. Changes go through
    :mod:`jixiao.store.rectify` only (row history and an AuditEvent each)."""

    class Status(models.TextChoices):
        OPEN = "open", "整改中"
        REPORTED = "reported", "已报送结果"
        CLOSED = "closed", "已销号"

    class Conclusion(models.TextChoices):
        NONE = "", "—"
        DONE = "done", "已整改"
        PARTLY = "partly", "部分整改"
        NOT_DONE = "not_done", "未整改"

    evaluation = models.ForeignKey(Evaluation, verbose_name="来源评价", on_delete=models.PROTECT,
                                   related_name="rectifications")
    unit = models.ForeignKey(Unit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="rectifications")
    source = models.CharField("问题来源", max_length=50)
    problem = models.TextField("问题")
    requirement = models.TextField("整改要求")
    due = models.DateField("整改期限")
    result = models.TextField("整改结果", blank=True, default="")
    conclusion = models.CharField("结论", max_length=16, choices=Conclusion.choices, blank=True, default="")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "整改事项"
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return f"整改 {self.pk}：{self.problem[:30]}"


class CommonIndicator(models.Model):
    """共性指标: an indicator of an approved target promoted into the shared library, with its 指标解释
    and 计算方法, so that units drafting similar targets can reuse it. Written only through
    :mod:`jixiao.store.common` (财政绩效处 and 管理员; row history and an AuditEvent each); retired,
    never deleted, so a target that took one keeps a readable source."""

    level1 = models.CharField("一级指标", max_length=50)
    level2 = models.CharField("二级指标", max_length=50, blank=True, default="")
    name = models.CharField("三级指标", max_length=300)
    explanation = models.TextField("指标解释")
    method = models.TextField("计算方法")
    value = models.CharField("典型指标值", max_length=100, blank=True, default="")  # as written: "≥95%"
    op = models.CharField("运算符", max_length=4, blank=True, default="")
    number = models.FloatField("典型数值", null=True, blank=True)
    unit = models.CharField("计量单位", max_length=20, blank=True, default="")
    basis = models.CharField("指标值确定依据", max_length=20, blank=True, default="")
    function_class = models.CharField("功能分类", max_length=80, blank=True, default="")
    function_code = models.CharField("功能分类编码", max_length=7, blank=True, default="", db_index=True)
    industry = models.CharField("行业", max_length=40, blank=True, default="")
    source = models.ForeignKey(Evaluation, verbose_name="来源绩效目标", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    source_version = models.PositiveIntegerField("来源版本号", null=True, blank=True)
    promoted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="纳入人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    promoted_by_name = models.CharField("纳入人", max_length=150)
    created = models.DateTimeField("纳入时间", auto_now_add=True)
    updated = models.DateTimeField("更新时间", auto_now=True)
    active = models.BooleanField("在用", default=True, db_index=True)
    retired_reason = models.TextField("停用理由", blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "共性指标"
        ordering = ["level1", "level2", "name", "id"]

    def __str__(self) -> str:
        return f"{self.level1} · {self.level2} · {self.name}"


class AppendOnly(Exception):
    """Raised on any attempt to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("审计日志只能追加，不能修改")

    def delete(self):
        raise AppendOnly("审计日志只能追加，不能删除")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnly("审计日志只能追加，不能修改")


class AuditEvent(models.Model):
    """Who did what to which object, when, with digests of the object before and after.
    Append-only: saving an existing row or deleting one raises :class:`AppendOnly`."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    actor_name = models.CharField("操作人", max_length=150)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    action = models.CharField("操作", max_length=50)
    object_type = models.CharField("对象类型", max_length=50)
    object_id = models.CharField("对象", max_length=64)
    evaluation = models.ForeignKey(Evaluation, null=True, on_delete=models.PROTECT, related_name="audit")
    before = models.CharField("操作前摘要", max_length=64, blank=True)
    after = models.CharField("操作后摘要", max_length=64, blank=True)
    detail = JSONField("详情", default=dict)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]

    def save(self, *args, **kwargs):
        if self.pk is not None or kwargs.get("force_update"):
            raise AppendOnly("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("审计日志只能追加，不能删除")
