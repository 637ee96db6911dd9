"""绩效运行监控 (双监控, 财预〔2019〕136号): a monitoring form, the edition's warning lights, findings.

During the year a unit reports, for the months elapsed, how much of the budget it has spent and how
far each approved indicator has come. The edition (``monitoring.yaml``, kind ``monitoring``) holds
the warning-light rules as data, each with its source, so a province's rule is a new edition:

* a *band* rule: a value from an expression over the form's figures, and a band table
  (national default: 执行进度 = 执行数 × 12 ÷ (预算数 × 已过月数), below 60% 红, below 80% 黄, else 绿;
  for a positive indicator the same on 完成进度, and from 120% 蓝);
* a *checkpoint* rule: the value against the threshold of the latest checkpoint reached
  (Sichuan: 25% by April, 40% by June, 60% by August, 80% by October);
* a *grade* rule for qualitative indicators (达成 绿, 部分达成 黄, 未达成 红).

Every rule is ONE expression tree (:meth:`LightRule.tree`) built from the edition, so the same tree
can be walked here, case by case, and compiled to the batch engines. Each light carries its
Chinese reason, like a score's trace.

>>> ed = MonitoringEdition.model_validate(EXAMPLE_EDITION)
>>> form = MonitoringForm(project="示例", months=6, budget=100.0, spent=30.0, forecast=100.0)
>>> [(lt.light, lt.reason) for lt in monitor(ed, form).lights]
[('黄', '执行数 30 ÷ 预算数 100 = 30.00%，序时进度 50.00%，执行进度 60.00%：不低于60%且低于80%，黄灯')]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from jixiao.core import expr as E
from jixiao.core.cycle.common import EDGE, Quote, finding
from jixiao.core.cycle.workdays import Calendar, Deadline, workday_deadline
from jixiao.core.errors import Problem
from jixiao.core.numbers import fmt_pct

POSITIVE, NEGATIVE = ("≥", ">", "="), ("≤", "<")
REASON_FLAGS = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")
POSSIBILITY = ("确定能", "有可能", "完全不可能")
LIGHT_STYLE = {"红": "bold red", "黄": "yellow", "绿": "green", "蓝": "bold blue"}
GRADE_NAMES = ("达成", "部分达成", "未达成")
CODES = {
    "M_REASON_MISSING": "预警而未填写偏差原因",
    "M_MEASURE_MISSING": "红灯或完全不可能完成而未填写纠偏措施",
    "M_IMPOSSIBLE": "填报完全不可能完成目标",
    "M_DECISION_MISSING": "异常而未作出处理决定",
    "M_OVERACHIEVE": "完成进度远超序时进度，目标可能设定偏低",
    "M_NOT_JUDGED": "缺少数据，无法判断预警等级",
}


# --- the form ----------------------------------------------------------------------------------


@dataclass
class MonIndicator:
    """One approved indicator as the monitoring form reports it."""

    level1: str
    level2: str
    level3: str
    kind: str = "定量"  # 定量 or 定性
    op: str = ""
    target: float | None = None  # 年度指标值 (from the approved target)
    unit: str = ""
    target_text: str = ""
    done: float | None = None  # the period's 执行情况
    grade: str = ""  # qualitative 执行情况: 达成 / 部分达成 / 未达成
    forecast: float | None = None  # 全年预计完成情况
    reasons: list[str] = field(default_factory=list)  # 偏差原因 flags
    reason_text: str = ""
    possibility: str = ""  # 完成目标可能性
    measures: str = ""  # 纠偏措施
    rectify: bool | None = None  # 是否需要整改
    where: str = ""

    @property
    def name(self) -> str:
        return self.level3

    @property
    def has_reason(self) -> bool:
        return bool(self.reasons or self.reason_text.strip())


@dataclass
class MonTask:
    """One of a department's 年度主要任务 (部门整体 form): its budget, the period's spending and the
    year's forecast, lit by the same funds rules as the department's total."""

    name: str
    budget: float | None = None
    spent: float | None = None
    forecast: float | None = None
    reason: str = ""  # 偏差原因
    measures: str = ""  # 纠偏措施
    where: str = ""


@dataclass
class MonitoringForm:
    project: str  # the project's name, or the department's on a 部门整体 form
    months: int  # months elapsed (1–7月 → 7)
    budget: float | None = None  # 年初预算数 (or 全年预算数)
    spent: float | None = None  # the period's 执行数
    forecast: float | None = None  # 全年预计执行数
    department: str = ""
    unit: str = ""
    year: int | None = None
    money_unit: str = "万元"
    period_label: str = ""
    goal: str = ""
    goal_forecast: str = ""
    indicators: list[MonIndicator] = field(default_factory=list)
    funds_reason: str = ""
    funds_measures: str = ""
    decision: str = ""  # 继续执行 / 调剂 / 取消 (where the edition requires one)
    edition: str = ""
    source: str = ""
    funds_where: str = ""
    form: str = "project"  # project, or dept: the 部门整体 form, whose funds are the department's
    tasks: list[MonTask] = field(default_factory=list)  # 年度主要任务 (部门整体 only)

    @property
    def funds_label(self) -> str:
        return "部门资金" if self.form == "dept" else "项目资金"

    def for_task(self, task: MonTask) -> MonitoringForm:
        """The form as one task's funds: the same period, the task's figures (for the funds rules)."""
        return replace(self, budget=task.budget, spent=task.spent, forecast=task.forecast, indicators=[], tasks=[],
                       funds_reason=task.reason, funds_measures=task.measures, funds_where=task.where)

    def env(self, row: MonIndicator | None = None) -> dict:
        """The facts a light rule's expression may name; a missing figure is left out (missing)."""
        env: dict = {"已过月数": float(self.months)}
        for k, v in (("预算数", self.budget), ("执行数", self.spent), ("全年预计执行数", self.forecast)):
            if v is not None:
                env[k] = float(v)
        if row is not None:
            for k, v in (("年度指标值", row.target), ("执行情况", row.done), ("全年预计完成", row.forecast)):
                if v is not None:
                    env[k] = float(v)
            if row.grade:
                env["完成档次"] = row.grade
        return env


# --- the edition -------------------------------------------------------------------------------


class Band(BaseModel):
    """A band row: applies when the value is below ``below`` (or at most ``at_most``); the last row
    (neither set) applies otherwise. Lower bounds are inclusive, as the sources write them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    below: float | None = None
    at_most: float | None = None
    light: str
    says: str


class Checkpoint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    month: int = Field(ge=1, le=12)
    at_least: float


class LightRule(BaseModel):
    """One warning-light rule: what it applies to, the value, and the bands, checkpoints or grades."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    applies: Literal["funds", "positive", "negative", "qualitative"]
    units: list[str] | None = None  # only indicators in these units
    units_not: list[str] = Field(default_factory=list)  # not indicators in these units
    value: str = ""  # an expression over the form's figures (jixiao.core.expr)
    shows: str = ""  # how the value is explained: a template over the same figures
    bands: list[Band] = Field(default_factory=list)
    checkpoints: list[Checkpoint] = Field(default_factory=list)
    below_checkpoint: str = "红"
    at_checkpoint: str = "绿"
    before_checkpoints: str = "绿"
    grades: dict[str, str] = Field(default_factory=dict)  # qualitative: 达成 → 绿 …
    source: list[Quote] = Field(default_factory=list)

    _tree: E.Node | None = PrivateAttr(default=None)
    _value: E.Node | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _shape(self):
        if self.applies == "qualitative":
            if set(self.grades) != set(GRADE_NAMES):
                raise ValueError(f"定性指标规则“{self.id}”的 grades 须列出 {'、'.join(GRADE_NAMES)}")
            return self
        if not self.value:
            raise ValueError(f"预警规则“{self.id}”缺少 value（计算式）")
        E.parse(self.value)  # an expression outside the language is refused here, with its Chinese reason
        if bool(self.bands) == bool(self.checkpoints):
            raise ValueError(f"预警规则“{self.id}”须且只能设 bands 或 checkpoints 之一")
        if self.bands and (self.bands[-1].below is not None or self.bands[-1].at_most is not None):
            raise ValueError(f"预警规则“{self.id}”的最后一档须不设上限（兜底）")
        if self.checkpoints and [c.month for c in self.checkpoints] != sorted({c.month for c in self.checkpoints}):
            raise ValueError(f"预警规则“{self.id}”的检查节点须按月份递增且不重复")
        return self

    def fits(self, row: MonIndicator) -> bool:
        if self.applies == "qualitative":
            return row.kind == "定性"
        if row.kind != "定量":
            return False
        direction = "positive" if row.op in POSITIVE else "negative"
        if direction != self.applies:
            return False
        return (self.units is None or row.unit in self.units) and row.unit not in self.units_not

    def value_tree(self) -> E.Node:
        if self._value is None:
            self._value = E.Ref("完成档次") if self.applies == "qualitative" else E.parse(self.value)
        return self._value

    def tree(self) -> E.Node:
        """The light as one expression tree: a text such as '红', or missing with its reason."""
        if self._tree is None:
            self._tree = self._build()
        return self._tree

    def _build(self) -> E.Node:
        v = self.value_tree()
        if self.applies == "qualitative":
            out: E.Node = E.Fail("GRADE")
            for grade, light in reversed(list(self.grades.items())):
                out = E.where(E.cmp("==", v, E.const(grade)), E.const(light), out)
            return out
        if self.bands:
            out = E.const(self.bands[-1].light)
            for b in reversed(self.bands[:-1]):
                test = (E.cmp("<", v, E.const(b.below - EDGE)) if b.below is not None
                        else E.cmp("<=", v, E.const(b.at_most + EDGE)))
                out = E.where(test, E.const(b.light), out)
            return out
        out = E.const(self.before_checkpoints)
        for c in self.checkpoints:  # ascending: each later checkpoint wraps the earlier ones
            out = E.where(E.cmp(">=", E.Ref("已过月数"), E.const(float(c.month))),
                          E.where(E.cmp("<", v, E.const(c.at_least - EDGE)), E.const(self.below_checkpoint),
                                  E.const(self.at_checkpoint)), out)
        return out

    def band(self, value: float) -> Band | None:
        for b in self.bands:
            if (b.below is not None and value < b.below - EDGE) or (b.at_most is not None and value <= b.at_most + EDGE):
                return b
            if b.below is None and b.at_most is None:
                return b
        return None

    def checkpoint(self, months: int) -> Checkpoint | None:
        reached = [c for c in self.checkpoints if c.month <= months]
        return reached[-1] if reached else None


class MonitoringEdition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Literal["monitoring"]
    name: str
    edition: str
    extends: str = ""
    form: Literal["project", "dept"] = "project"  # 项目支出 or 部门整体支出 (a department's, with its 年度主要任务)
    source: str = ""
    checked: str = ""
    months: int = Field(7, ge=1, le=12)  # the default monitoring period (1–7月)
    period_label: str = "1—7月"
    lights: list[LightRule]
    abnormal: list[str] = Field(default_factory=lambda: ["红"])  # lights that make the form 异常
    needs_reason: list[str] = Field(default_factory=lambda: ["红"])  # lights that need a 偏差原因
    needs_measures: list[str] = Field(default_factory=lambda: ["红"])  # lights that need a 纠偏措施
    overachieve: list[str] = Field(default_factory=lambda: ["蓝"])
    decisions: list[str] = Field(default_factory=list)  # required decision when 异常 (Sichuan)
    decision_days: int | None = Field(None, ge=1)  # working days allowed for the decision (四川: 10)
    decision_text: list[Quote] = Field(default_factory=list)
    findings_text: list[Quote] = Field(default_factory=list)
    notes: str = ""

    @model_validator(mode="after")
    def _ids(self):
        ids = [r.id for r in self.lights]
        if len(ids) != len(set(ids)):
            raise ValueError("预警规则编号重复")
        return self


# --- the result --------------------------------------------------------------------------------


@dataclass
class Light:
    subject: str  # 项目资金 or the indicator's name
    rule: str
    light: str  # 红 / 黄 / 绿 / 蓝, or 未判断
    value: float | None
    reason: str
    where: str = ""

    @property
    def shown_value(self) -> str:
        return "—" if self.value is None else fmt_pct(self.value)

    def to_json(self) -> dict:
        return {"subject": self.subject, "rule": self.rule, "light": self.light, "value": self.value,
                "reason": self.reason, "where": self.where}


@dataclass
class MonitoringResult:
    edition: str
    form: MonitoringForm
    lights: list[Light]
    findings: list[Problem]
    status: str  # 正常 / 异常
    fingerprint: str = ""

    def to_json(self) -> dict:
        f = self.form
        return {"kind": "monitoring", "edition": self.edition, "edition_hash": self.fingerprint, "project": f.project,
                "year": f.year, "months": f.months, "status": self.status, "lights": [lt.to_json() for lt in self.lights],
                "findings": [x.to_json() for x in self.findings], "decision": f.decision or None}


def _num(x: float) -> str:
    return f"{x:,.6f}".rstrip("0").rstrip(".")


def explain(rule: LightRule, form: MonitoringForm, row: MonIndicator | None, value, light: str) -> str:
    """The Chinese reason of one light: the figures, the value, the band or checkpoint it falls in."""
    env = form.env(row)
    if isinstance(value, E.Missing):
        what = value.reason.split(":", 1)[-1]
        return f"缺少{what}或其为 0，无法判断" if value.reason.startswith(("MISSING", "ZERO")) else "无法判断"
    if rule.applies == "qualitative":
        return f"执行情况为“{value}”，{light}灯"
    nums = {k: (_num(v) if isinstance(v, float) else v) for k, v in env.items()}
    nums["序时进度"] = fmt_pct(form.months / 12)
    if env.get("预算数"):
        nums["执行率"] = fmt_pct(env.get("执行数", 0.0) / env["预算数"])
    if row is not None and env.get("年度指标值") and "执行情况" in env:
        nums["完成率"] = fmt_pct(env["执行情况"] / env["年度指标值"])
        nums["单位"] = row.unit
    nums["value"] = fmt_pct(value)
    head = rule.shows.format(**nums) if rule.shows else f"{rule.name} {fmt_pct(value)}"
    if rule.bands:
        b = rule.band(value)
        return f"{head}：{b.says}" if b else head
    cp = rule.checkpoint(form.months)
    if cp is None:
        return f"{head}：未到第一个检查节点（{rule.checkpoints[0].month}月末），{light}灯"
    verdict = "低于" if light == rule.below_checkpoint else "达到"
    return f"{head}：{verdict}{cp.month}月末节点要求 {fmt_pct(cp.at_least, 0)}，{light}灯"


def monitor(ed: MonitoringEdition, form: MonitoringForm, fingerprint: str = "") -> MonitoringResult:
    """Every light of the edition on one form, each with its reason, and the findings."""
    lights: list[Light] = []
    findings: list[Problem] = []
    # The funds (a department's total on a 部门整体 form), then each 年度主要任务 by the same rules.
    for subject, funds in [(form.funds_label, form), *((t.name, form.for_task(t)) for t in form.tasks)]:
        mine = [_light(rule, funds, None, subject, funds.funds_where) for rule in ed.lights if rule.applies == "funds"]
        lights.extend(mine)
        worst = [lt for lt in mine if lt.light in ed.needs_reason]
        if worst and not funds.funds_reason.strip():
            findings.append(finding("M_REASON_MISSING", f"{subject}{worst[0].light}灯，未填写偏差原因", funds.funds_where, subject))
        if [lt for lt in mine if lt.light in ed.needs_measures] and not funds.funds_measures.strip():
            findings.append(finding("M_MEASURE_MISSING", f"{subject}预警，未填写纠偏措施", funds.funds_where, subject))
    for row in form.indicators:
        mine = [_light(rule, form, row, row.name, row.where) for rule in ed.lights if rule.applies != "funds" and rule.fits(row)]
        lights.extend(mine)
        colours = {lt.light for lt in mine}
        if colours & set(ed.needs_reason) and not row.has_reason:
            findings.append(finding("M_REASON_MISSING", f"{'、'.join(sorted(colours & set(ed.needs_reason)))}灯，未填写偏差原因"
                                    f"（{'、'.join(REASON_FLAGS)}）", row.where, row.name))
        if row.possibility == "完全不可能":
            findings.append(finding("M_IMPOSSIBLE", "填报“完全不可能”完成年度目标，须研究调整预算或目标", row.where, row.name))
        if (colours & set(ed.needs_measures) or row.possibility == "完全不可能") and not row.measures.strip():
            findings.append(finding("M_MEASURE_MISSING", "红灯或完全不可能完成，须填写纠偏措施", row.where, row.name))
        if colours & set(ed.overachieve):
            findings.append(finding("M_OVERACHIEVE", "完成进度远超序时进度，年度指标值可能设定偏低；请在下年目标审核时复核",
                                    row.where, row.name, severity="提示"))
    for lt in lights:
        if lt.light == "未判断":
            findings.append(finding("M_NOT_JUDGED", lt.reason, lt.where, lt.subject))
    status = "异常" if any(lt.light in ed.abnormal for lt in lights) else "正常"
    if status == "异常" and ed.decisions and form.decision not in ed.decisions:
        findings.append(finding("M_DECISION_MISSING", f"监控结果异常，须作出处理决定：{'、'.join(ed.decisions)}", form.source))
    return MonitoringResult(ed.id, form, lights, findings, status, fingerprint)


def _light(rule: LightRule, form: MonitoringForm, row: MonIndicator | None, subject: str, where: str) -> Light:
    env = form.env(row)
    value = E.evaluate(rule.value_tree(), env)
    light = E.evaluate(rule.tree(), env)
    if isinstance(light, E.Missing) or not isinstance(light, str):
        return Light(subject, rule.name, "未判断", None, explain(rule, form, row, light if isinstance(light, E.Missing)
                                                               else E.Missing("GRADE"), "未判断"), where)
    shown = value if isinstance(value, float) else None
    return Light(subject, rule.name, light, shown, explain(rule, form, row, value, light), where)


EXAMPLE_EDITION = {
    "id": "example/1", "kind": "monitoring", "name": "示例", "edition": "1",
    "lights": [{"id": "funds", "name": "预算执行进度", "applies": "funds", "value": "(执行数 * 12) / (预算数 * 已过月数)",
                "shows": "执行数 {执行数} ÷ 预算数 {预算数} = {执行率}，序时进度 {序时进度}，执行进度 {value}",
                "bands": [{"below": 0.6, "light": "红", "says": "低于60%，红灯"},
                          {"below": 0.8, "light": "黄", "says": "不低于60%且低于80%，黄灯"},
                          {"light": "绿", "says": "不低于80%，绿灯"}]}],
}


@dataclass(frozen=True)
class DecisionDeadline:
    """When an abnormal form's 处理决定 is due: the edition's working days (四川: 10, 川财绩〔2025〕10号)
    counted from the day the result was found 异常, not counting that day; and whether it was missed."""

    deadline: Deadline
    decided: dt.date | None  # the day the decision was made, if it was (and is known)
    overdue: bool

    @property
    def due(self) -> dt.date:
        return self.deadline.due

    def to_json(self) -> dict:
        d = self.deadline
        return {"start": d.start.isoformat(), "working_days": d.days, "due": d.due.isoformat(),
                "estimated": d.estimated, "decided": self.decided.isoformat() if self.decided else None,
                "overdue": self.overdue}


def decision_deadline(days: int | None, decisions: list[str], status: str, start: dt.date, today: dt.date,
                      calendar: Calendar, decided: dt.date | None = None) -> DecisionDeadline | None:
    """The 处理决定 deadline, or None where there is none: the edition sets no working days or no
    decisions, or the result is not 异常. ``start`` is the day the result was found 异常; the store
    passes the day the form was first saved 异常, the command line the day it scores a file.

    >>> import datetime as dt
    >>> d = decision_deadline(10, ["继续执行"], "异常", dt.date(2026, 9, 25), dt.date(2026, 10, 12), lambda d: d.weekday() < 5)
    >>> d.due, d.overdue
    (datetime.date(2026, 10, 9), True)
    >>> decision_deadline(10, ["继续执行"], "正常", dt.date(2026, 9, 25), dt.date(2026, 10, 12), lambda d: True) is None
    True
    """
    if not days or not decisions or status != "异常":
        return None
    deadline = workday_deadline(start, int(days), calendar)
    return DecisionDeadline(deadline, decided, deadline.overdue(today, decided))
