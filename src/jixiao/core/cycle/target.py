"""绩效目标申报表 and its 四性审核 (财预〔2015〕88号): the form, the edition, the automatic checks.

A target form (项目支出 or 部门整体) states the funds, the overall goals and the indicator rows of a
project or department for the 中期 and the 年度 period. The edition (``target.yaml``, kind
``target``) lists the checks a reviewer's desk would make, each as a *check kind* with its
parameters, its 四性 category (完整性, 相关性, 适当性, 可行性) and its source — the way a framework
lists scoring rules. :func:`review` runs them all and returns every finding; nothing is raised.

Check kinds (each a pure function of the form and the check's parameters):

========================  ==================================================================
``header_present``        every header field the edition names is filled in
``funds_present``         each period named has its 资金总额
``goals_present``         each period named has its 总体目标
``tasks_present``         a 部门整体 form lists its 年度主要任务
``has_indicators``        each period has indicators under a 一级指标 (and under each 二级 named)
``level2_fits``           each 二级指标 belongs to its 一级指标
``quant_complete``        each quantitative row has operator, value and unit; the 二级 named must be quantitative
``basis_allowed``         指标值确定依据 is given and one of the edition's bases
``funds_add_up``          总额 = 财政拨款 + 其他资金; the 年度 total does not exceed the 中期 total
``tasks_add_up``          the 年度主要任务 amounts add up to the 年度 funds
``cost_within_budget``    a money 成本 indicator does not exceed the period's funds, nor its 预算支出标准
``annual_within_medium``  an indicator set for both periods points the same way; a cumulative
                          年度 value does not exceed the 中期 one
``history_not_below``     a target is not set below last year's actual (needs history; see :func:`history_findings`)
========================  ==================================================================

>>> ed = TargetEdition.model_validate(EXAMPLE_EDITION)
>>> form = TargetForm(form="project", header={"项目名称": "培训"}, funds={"年度": Funds("年度", 100.0, 80.0, 20.0)},
...     goals={"年度": "培训基层人员"}, indicators=[
...     Indicator("年度", "产出指标", "数量指标", "培训人数", QUANT, op="≥", value=500.0, unit="人", basis="计划标准"),
...     Indicator("年度", "产出指标", "成本指标", "培训成本", QUANT, op="≤", value=120.0, unit="万元", basis="预算支出标准")])
>>> r = review(ed, form)
>>> [(f.category, f.code) for f in r.findings]
[('完整性', 'T_LEVEL_MISSING'), ('适当性', 'T_COST_OVER_BUDGET')]
>>> r.suggested, ed.consequence(r.suggested).next
('中', '修改后重新报送')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jixiao.core.cycle.common import MONEY, Quote, finding, to_unit
from jixiao.core.errors import Problem
from jixiao.core.review import TITLES

QUANT, QUAL = "定量", "定性"
MEDIUM, ANNUAL = "中期", "年度"
CATEGORIES = ("完整性", "相关性", "适当性", "可行性")
POSITIVE, NEGATIVE = ("≥", ">"), ("≤", "<")

CODES = {
    "T_HEADER_MISSING": "表头项目未填写",
    "T_FUNDS_MISSING": "缺少资金总额",
    "T_GOAL_MISSING": "缺少总体目标",
    "T_TASKS_MISSING": "缺少年度主要任务",
    "T_LEVEL_MISSING": "缺少某一级或二级指标",
    "T_LEVEL2_MISFIT": "二级指标不属于所填一级指标",
    "T_QUANT_INCOMPLETE": "定量指标缺少运算符、指标值或计量单位",
    "T_NOT_QUANTIFIED": "应量化的指标未量化",
    "T_BASIS_MISSING": "未填写指标值确定依据",
    "T_BASIS_UNKNOWN": "指标值确定依据不在规定范围内",
    "T_FUNDS_SUM": "资金总额不等于财政拨款与其他资金之和",
    "T_FUNDS_ANNUAL_OVER": "年度资金总额超过中期资金总额",
    "T_TASKS_SUM": "年度主要任务金额之和与年度资金总额不符",
    "T_COST_OVER_BUDGET": "成本指标超过预算资金",
    "T_COST_OVER_STANDARD": "成本指标超过预算支出标准",
    "T_PERIOD_DIRECTION": "同一指标中期与年度的方向不一致",
    "T_ANNUAL_OVER_MEDIUM": "年度指标值超过中期指标值",
    "T_TARGET_LOW": "目标设定偏低（低于上年实际完成值）",
    "T_HISTORY_NONE": "以历史标准确定指标值，但没有可比的历史完成值",
}


# --- the form ---------------------------------------------------------------------------------


@dataclass
class Indicator:
    """One indicator row of a target form, its 指标值 parsed (operator, number, unit)."""

    period: str  # 中期 or 年度
    level1: str
    level2: str
    level3: str
    kind: str = QUANT  # 定量 or 定性
    op: str = ""
    value: float | None = None
    unit: str = ""
    text: str = ""  # the 指标值 as written
    basis: str = ""  # 指标值确定依据
    standard: float | None = None  # 预算支出标准 stated for the row, in the row's unit
    where: str = ""

    @property
    def name(self) -> str:
        return self.level3


@dataclass
class Funds:
    period: str
    total: float | None = None
    fiscal: float | None = None  # 财政拨款
    other: float | None = None  # 其他资金
    where: str = ""


@dataclass
class Task:
    """A 年度主要任务 of a 部门整体 form, with its budget."""

    name: str
    content: str = ""
    total: float | None = None
    fiscal: float | None = None
    other: float | None = None
    where: str = ""


@dataclass
class Opinion:
    """A reviewer's opinion at one level (初审 or 复审): the grade and item remarks."""

    level: str
    grade: str = ""
    remarks: dict[str, str] = field(default_factory=dict)  # by 四性 category or check id
    reviewer: str = ""


@dataclass
class TargetForm:
    form: Literal["project", "dept"]
    header: dict[str, str] = field(default_factory=dict)
    funds: dict[str, Funds] = field(default_factory=dict)
    goals: dict[str, str] = field(default_factory=dict)
    tasks: list[Task] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    year: int | None = None
    money_unit: str = "万元"
    edition: str = ""
    opinions: list[Opinion] = field(default_factory=list)
    source: str = ""
    history: dict[str, list[Past]] = field(default_factory=dict)  # past actuals by 三级指标, as fed

    @property
    def subject(self) -> str:
        return self.header.get("项目名称") or self.header.get("部门名称") or ""

    def rows(self, period: str | None = None) -> list[Indicator]:
        return [r for r in self.indicators if period is None or r.period == period]


# --- the edition ------------------------------------------------------------------------------


class Level(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    parts: list[str]
    aliases: list[str] = Field(default_factory=list)


class Check(BaseModel):
    """One automatic check: a kind with its parameters, its 四性 category and its source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    category: Literal["完整性", "相关性", "适当性", "可行性"]
    kind: Literal["header_present", "funds_present", "goals_present", "tasks_present", "has_indicators",
                  "level2_fits", "quant_complete", "basis_allowed", "funds_add_up", "tasks_add_up",
                  "cost_within_budget", "annual_within_medium", "history_not_below"]
    severity: Literal["须修改", "提示"] = "须修改"
    fields: list[str] = Field(default_factory=list)  # header_present
    periods: list[str] = Field(default_factory=lambda: [ANNUAL])
    level1: str = ""  # has_indicators
    level2: list[str] = Field(default_factory=list)  # has_indicators: each required; quant_complete / cost: which rows
    bases: list[str] = Field(default_factory=list)  # history_not_below: which bases are compared (empty: all)
    cumulative_units_exclude: list[str] = Field(default_factory=lambda: ["%"])  # annual_within_medium
    tolerance: float = 0.005  # funds_add_up / tasks_add_up, in the form's money unit
    source: list[Quote] = Field(default_factory=list)


class GradeRule(BaseModel):
    """A review grade, what follows from it, and where that is said."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    grade: Literal["优", "良", "中", "差"]
    consequence: str
    next: str  # the step the target goes to
    into_budget: bool
    source: list[Quote] = Field(default_factory=list)


class Suggest(BaseModel):
    """The grade suggested from the automatic findings alone: first row whose limits hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    grade: Literal["优", "良", "中", "差"]
    max_must_fix: int | None = None
    max_hints: int | None = None


class TargetEdition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Literal["target"]
    form: Literal["project", "dept"]
    name: str
    edition: str
    extends: str = ""
    source: str = ""
    checked: str = ""
    header: list[str]
    choices: dict[str, list[str]] = Field(default_factory=dict)  # header fields with a closed list
    # Header fields read, shown and searched by the 指标库 but never required (功能分类, 行业), and
    # the lists the XLSX template offers for them as drop-downs (other text is still accepted).
    optional_header: list[str] = Field(default_factory=list)
    offered: dict[str, list[str]] = Field(default_factory=dict)
    offered_source: list[Quote] = Field(default_factory=list)
    periods: list[str] = Field(default_factory=lambda: [MEDIUM, ANNUAL])
    levels: list[Level]
    bases: list[str]
    categories_text: list[Quote] = Field(default_factory=list)
    checks: list[Check]
    grades: list[GradeRule]
    suggest: list[Suggest]
    suggest_text: list[Quote] = Field(default_factory=list)
    notes: str = ""

    @model_validator(mode="after")
    def _consistent(self):
        ids = [c.id for c in self.checks]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"检查编号重复：{'、'.join(sorted(dup))}")
        if {g.grade for g in self.grades} != {"优", "良", "中", "差"}:
            raise ValueError("grades 须恰好列出 优、良、中、差 四档")
        names = {lv.name for lv in self.levels}
        for c in self.checks:
            if c.level1 and c.level1 not in names:
                raise ValueError(f"检查“{c.id}”的一级指标“{c.level1}”不在 levels 中")
            if any(p not in self.periods for p in c.periods):
                raise ValueError(f"检查“{c.id}”的期间须为 {'、'.join(self.periods)} 之一")
        if not self.suggest or self.suggest[-1].max_must_fix is not None or self.suggest[-1].max_hints is not None:
            raise ValueError("suggest 的最后一档须不设上限（兜底）")
        return self

    def level(self, name: str) -> Level | None:
        plain = (name or "").strip()
        for lv in self.levels:
            if plain in (lv.name, *lv.aliases):
                return lv
        return None

    def consequence(self, grade: str) -> GradeRule:
        return next(g for g in self.grades if g.grade == grade)


# --- the checks --------------------------------------------------------------------------------


def _f(check: Check, code: str, message: str, where: str = "", indicator: str = "") -> Problem:
    return finding(code, message, where, indicator, check.severity, category=check.category, check=check.id)


def _header_present(ed, form, c):
    for name in c.fields or ed.header:
        value = (form.header.get(name) or "").strip()
        if not value:
            yield _f(c, "T_HEADER_MISSING", f"表头“{name}”未填写", form.source)
        elif name in ed.choices and value not in ed.choices[name]:
            yield _f(c, "T_HEADER_MISSING", f"表头“{name}”应为 {'、'.join(ed.choices[name])} 之一，实际为“{value}”", form.source)


def _funds_present(ed, form, c):
    for p in c.periods:
        f = form.funds.get(p)
        if f is None or f.total is None:
            yield _f(c, "T_FUNDS_MISSING", f"缺少{p}资金总额", f.where if f else form.source)


def _goals_present(ed, form, c):
    for p in c.periods:
        if not (form.goals.get(p) or "").strip():
            yield _f(c, "T_GOAL_MISSING", f"缺少{p}总体目标", form.source)


def _tasks_present(ed, form, c):
    if not form.tasks:
        yield _f(c, "T_TASKS_MISSING", "未列出年度主要任务（任务名称、主要内容、预算金额）", form.source)


def _has_indicators(ed, form, c):
    for p in c.periods:
        rows = [r for r in form.rows(p) if r.level1 == c.level1]
        if not rows:
            yield _f(c, "T_LEVEL_MISSING", f"{p}绩效指标中没有{c.level1}", form.source)
            continue
        have = {r.level2 for r in rows}
        for part in c.level2:
            if part not in have:
                yield _f(c, "T_LEVEL_MISSING", f"{p}{c.level1}中没有{part}", form.source)


def _level2_fits(ed, form, c):
    for r in form.indicators:
        lv = ed.level(r.level1)
        if lv is not None and r.level2 not in lv.parts:
            yield _f(c, "T_LEVEL2_MISFIT", f"二级指标“{r.level2 or '（空）'}”不属于{lv.name}（应为 {'、'.join(lv.parts)} 之一）",
                     r.where, r.name)


def _quant_complete(ed, form, c):
    for r in form.indicators:
        if r.kind == QUANT:
            missing = [what for what, ok in (("运算符", r.op), ("指标值", r.value is not None), ("计量单位", r.unit)) if not ok]
            if missing:
                yield _f(c, "T_QUANT_INCOMPLETE", f"{r.period}指标值“{r.text}”缺少{'、'.join(missing)}", r.where, r.name)
        elif r.level2 in c.level2:
            yield _f(c, "T_NOT_QUANTIFIED", f"{r.level2}应设定量指标值（运算符、数值、单位），实际为“{r.text}”", r.where, r.name)


def _basis_allowed(ed, form, c):
    for r in form.indicators:
        if not r.basis:
            yield _f(c, "T_BASIS_MISSING", f"未填写指标值确定依据（{'、'.join(ed.bases)}）", r.where, r.name)
        elif r.basis not in ed.bases:
            yield _f(c, "T_BASIS_UNKNOWN", f"指标值确定依据“{r.basis}”应为 {'、'.join(ed.bases)} 之一", r.where, r.name)


def _funds_add_up(ed, form, c):
    u = form.money_unit
    for p in c.periods:
        f = form.funds.get(p)
        if f is None or f.total is None or (f.fiscal is None and f.other is None):
            continue
        parts = (f.fiscal or 0.0) + (f.other or 0.0)
        if abs(parts - f.total) > c.tolerance:
            yield _f(c, "T_FUNDS_SUM", f"{p}资金总额 {f.total:g}{u}，财政拨款 {f.fiscal or 0:g}{u} 与其他资金 {f.other or 0:g}{u} "
                     f"之和为 {parts:g}{u}", f.where)
    med, ann = form.funds.get(MEDIUM), form.funds.get(ANNUAL)
    if med and ann and med.total is not None and ann.total is not None and ann.total > med.total + c.tolerance:
        yield _f(c, "T_FUNDS_ANNUAL_OVER", f"年度资金总额 {ann.total:g}{u} 超过中期资金总额 {med.total:g}{u}", ann.where)


def _tasks_add_up(ed, form, c):
    ann = form.funds.get(ANNUAL)
    amounts = [t.total for t in form.tasks if t.total is not None]
    if not form.tasks or ann is None or ann.total is None or not amounts:
        return
    s = sum(amounts)
    if abs(s - ann.total) > c.tolerance:
        u = form.money_unit
        yield _f(c, "T_TASKS_SUM", f"年度主要任务预算金额合计 {s:g}{u}，年度资金总额 {ann.total:g}{u}", form.tasks[0].where)


def _cost_within_budget(ed, form, c):
    for r in form.indicators:
        if r.kind != QUANT or r.level2 not in (c.level2 or ["成本指标"]) or r.value is None or r.op in POSITIVE:
            continue
        if r.standard is not None and r.value > r.standard + 1e-9:
            yield _f(c, "T_COST_OVER_STANDARD", f"{r.period}成本指标值 {r.text} 超过预算支出标准 {r.standard:g}{r.unit}",
                     r.where, r.name)
        f = form.funds.get(r.period)
        if r.unit in MONEY and f is not None and f.total is not None:
            budget = to_unit(f.total, form.money_unit, r.unit)
            if r.value > budget + 1e-9:
                yield _f(c, "T_COST_OVER_BUDGET", f"{r.period}成本指标值 {r.text} 超过{r.period}资金总额 "
                         f"{f.total:g}{form.money_unit}", r.where, r.name)


def _direction(op: str) -> str:
    return "+" if op in POSITIVE else "-" if op in NEGATIVE else "="


def _annual_within_medium(ed, form, c):
    medium = {r.name: r for r in form.rows(MEDIUM) if r.kind == QUANT and r.op}
    for r in form.rows(ANNUAL):
        m = medium.get(r.name)
        if m is None or r.kind != QUANT or not r.op or r.value is None or m.value is None:
            continue
        if _direction(r.op) != _direction(m.op):
            yield _f(c, "T_PERIOD_DIRECTION", f"年度指标值“{r.text}”与中期指标值“{m.text}”方向不一致", r.where, r.name)
        elif r.unit == m.unit and r.unit not in c.cumulative_units_exclude and r.value > m.value + 1e-9:
            # A count or an amount over the years adds up: one year's part cannot exceed the whole.
            yield _f(c, "T_ANNUAL_OVER_MEDIUM", f"年度指标值“{r.text}”超过中期指标值“{m.text}”", r.where, r.name)


def _history_not_below(ed, form, c):
    return ()  # needs the unit's history: see history_findings(), which the caller feeds


CHECKS: dict[str, Callable] = {
    "header_present": _header_present, "funds_present": _funds_present, "goals_present": _goals_present,
    "tasks_present": _tasks_present, "has_indicators": _has_indicators, "level2_fits": _level2_fits,
    "quant_complete": _quant_complete, "basis_allowed": _basis_allowed, "funds_add_up": _funds_add_up,
    "tasks_add_up": _tasks_add_up, "cost_within_budget": _cost_within_budget,
    "annual_within_medium": _annual_within_medium, "history_not_below": _history_not_below,
}


# --- history (历史标准) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Past:
    """One past 完成值 of an indicator: the year, the value and its unit (as the store holds it)."""

    year: int
    value: float
    unit: str


@dataclass(frozen=True)
class Suggestion:
    """A 历史标准 value suggested from past actuals, with the numbers it was computed from."""

    method: Literal["上年实际", "三年平均"]
    value: float
    unit: str
    years: tuple[int, ...]
    values: tuple[float, ...]

    def __str__(self) -> str:
        shown = "、".join(f"{y}年 {v:g}{self.unit}" for y, v in zip(self.years, self.values))
        return f"{self.method} {self.value:g}{self.unit}（{shown}）"


def comparable(past: list[Past], unit: str, before: int | None = None) -> list[Past]:
    """The past values in ``unit`` (money converted), before ``before`` (the form's year), newest first.
    A value in another, non-convertible unit is left out, never guessed."""
    out = []
    for p in past:
        if before is not None and p.year >= before:
            continue
        if p.unit == unit:
            out.append(p)
        elif p.unit in MONEY and unit in MONEY:
            out.append(Past(p.year, to_unit(p.value, p.unit, unit), unit))
    return sorted(out, key=lambda p: -p.year)


def suggest(past: list[Past], unit: str, method: Literal["上年实际", "三年平均"], year: int | None = None) -> Suggestion | None:
    """A 历史标准 value: last year's actual, or the average of the last three years — or None when
    the history does not have it (no value invented: 三年平均 needs three consecutive years).

    >>> h = [Past(2021, 52, "个"), Past(2020, 48, "个"), Past(2019, 44, "个")]
    >>> str(suggest(h, "个", "三年平均", 2022)), str(suggest(h, "个", "上年实际", 2022))
    ('三年平均 48个（2021年 52个、2020年 48个、2019年 44个）', '上年实际 52个（2021年 52个）')
    >>> suggest(h[1:], "个", "上年实际", 2022) is None, suggest(h[:2], "个", "三年平均", 2022) is None
    (True, True)
    """
    rows = comparable(past, unit, year)
    if not rows:
        return None
    last = year - 1 if year is not None else rows[0].year
    if method == "上年实际":
        hit = [p for p in rows if p.year == last]
        return Suggestion(method, hit[0].value, unit, (last,), (hit[0].value,)) if hit else None
    want = [last, last - 1, last - 2]
    by_year = {p.year: p.value for p in rows}
    if not all(y in by_year for y in want):
        return None
    values = tuple(by_year[y] for y in want)
    return Suggestion(method, round(sum(values) / 3, 6), unit, tuple(want), values)


def history_findings(ed: TargetEdition, form: TargetForm, history: dict[str, list[Past]]) -> list[Problem]:
    """目标设定偏低: a 年度 target below last year's actual (above it, for a ≤ target). ``history``
    maps a 三级指标 name to its past actuals; rows without comparable history are never judged,
    only a row whose basis is 历史标准 is told that nothing could be compared."""
    out: list[Problem] = []
    for c in (c for c in ed.checks if c.kind == "history_not_below"):
        for r in form.rows(ANNUAL):
            if r.kind != QUANT or r.value is None or not r.op or (c.bases and r.basis not in c.bases):
                continue
            s = suggest(history.get(r.name, []), r.unit, "上年实际", form.year)
            if s is None:
                if r.basis == "历史标准":
                    out.append(finding("T_HISTORY_NONE", "以历史标准确定指标值，但没有上年同口径的完成值可比；请附测算依据",
                                       r.where, r.name, "提示", category=c.category, check=c.id))
                continue
            low = r.value < s.value - 1e-9 if r.op in POSITIVE else r.value > s.value + 1e-9 if r.op in NEGATIVE else False
            if low:
                out.append(finding("T_TARGET_LOW", f"年度指标值 {r.text} {'低于' if r.op in POSITIVE else '宽于'}上年实际完成值 "
                                   f"{s.value:g}{r.unit}（{s.years[0]}年），目标设定偏低", r.where, r.name, c.severity,
                                   category=c.category, check=c.id))
    return out


# --- the 自评表 against the approved targets (88号 第二十九条: targets drive 自评) ---------------

TARGET_CHANGED = "TARGET_CHANGED"  # a review code of jixiao.core.review's table
TARGET_CHANGED_TITLE = TITLES[TARGET_CHANGED]


def _same_value(a: Indicator, b: Indicator) -> bool:
    if a.kind == QUANT and b.kind == QUANT and a.value is not None and b.value is not None:
        if _direction(a.op) != _direction(b.op) or a.unit != b.unit and not (a.unit in MONEY and b.unit in MONEY):
            return False
        bv = to_unit(b.value, b.unit, a.unit) if a.unit != b.unit else b.value
        return abs(a.value - bv) <= 1e-9 * max(1.0, abs(a.value))
    return "".join(a.text.split()) == "".join(b.text.split())


def compare_selfeval(approved: TargetForm, stated: list[Indicator], where: str = "") -> list[Problem]:
    """A 自评表's 年度指标值 against the approved 年度 targets, by 三级指标: a value that differs, an
    approved indicator left out, an indicator that was never approved — each a ``TARGET_CHANGED``
    finding (the reviewer decides whether an approved 调整 explains it). Money is compared in
    one unit (万元 against 元 converted exactly); ``≥50个`` and ``不低于50个`` are the same target.

    >>> ok = Indicator("年度", "产出指标", "数量指标", "培训人数", QUANT, op="≥", value=500.0, unit="人", text="≥500人")
    >>> form = TargetForm(form="project", indicators=[ok])
    >>> compare_selfeval(form, [Indicator("年度", "产出指标", "数量指标", "培训人数", QUANT, op="≥", value=500.0, unit="人", text="不低于500人")])
    []
    >>> [f.message for f in compare_selfeval(form, [Indicator("年度", "产出指标", "数量指标", "培训人数", QUANT, op="≥", value=450.0, unit="人", text="≥450人")])]
    ['年度指标值“≥450人”与批复的“≥500人”不一致']
    """
    out: list[Problem] = []
    targets = {r.name: r for r in approved.rows(ANNUAL)}
    seen = set()
    for r in stated:
        seen.add(r.name)
        t = targets.get(r.name)
        if t is None:
            out.append(finding(TARGET_CHANGED, f"指标“{r.name}”（{r.text}）不在批复的年度绩效目标中", r.where or where, r.name))
        elif not _same_value(t, r):
            out.append(finding(TARGET_CHANGED, f"年度指标值“{r.text}”与批复的“{t.text}”不一致", r.where or where, r.name))
    for name, t in targets.items():
        if name not in seen:
            out.append(finding(TARGET_CHANGED, f"批复的年度指标“{name}”（{t.text}）未列入自评表", where, name))
    return out


# --- the review ---------------------------------------------------------------------------------


@dataclass
class TargetReview:
    edition: str
    edition_name: str
    form: TargetForm
    findings: list[Problem]
    suggested: str  # the grade the automatic findings suggest
    grade: str  # the reviewers' grade (复审 over 初审), or empty
    consequence: GradeRule | None
    fingerprint: str = ""

    def by_category(self) -> dict[str, list[Problem]]:
        return {c: [f for f in self.findings if f.category == c] for c in CATEGORIES}

    def to_json(self) -> dict:
        cons = self.consequence
        return {
            "kind": "target", "edition": self.edition, "edition_hash": self.fingerprint, "subject": self.form.subject,
            "year": self.form.year, "findings": [f.to_json() for f in self.findings],
            "by_category": {c: len(v) for c, v in self.by_category().items()},
            "suggested_grade": self.suggested, "grade": self.grade or None,
            "consequence": None if cons is None else {"grade": cons.grade, "consequence": cons.consequence, "next": cons.next,
                                                        "into_budget": cons.into_budget},
            "opinions": [{"level": o.level, "grade": o.grade or None, "remarks": o.remarks, "reviewer": o.reviewer}
                         for o in self.form.opinions],
        }


def suggested_grade(ed: TargetEdition, findings: list[Problem]) -> str:
    must = sum(1 for f in findings if f.severity == "review")  # 须修改; the rest are 提示
    hints = len(findings) - must
    for s in ed.suggest:
        if (s.max_must_fix is None or must <= s.max_must_fix) and (s.max_hints is None or hints <= s.max_hints):
            return s.grade
    return ed.suggest[-1].grade


def review(ed: TargetEdition, form: TargetForm, history: dict[str, list[Past]] | None = None,
           fingerprint: str = "") -> TargetReview:
    """Every automatic check of the edition on one form, plus the history check when history is
    given; the reviewers' grade (复审 over 初审) with its consequence."""
    findings: list[Problem] = []
    for c in ed.checks:
        findings.extend(CHECKS[c.kind](ed, form, c))
    history = form.history if history is None else history
    if history:
        findings.extend(history_findings(ed, form, history))
    given = [o for o in form.opinions if o.grade]
    final = next((o for o in given if o.level == "复审"), given[0] if given else None)
    grade = final.grade if final else ""
    suggested = suggested_grade(ed, findings)
    return TargetReview(ed.id, ed.name, form, findings, suggested, grade,
                        ed.consequence(grade or suggested), fingerprint)


EXAMPLE_EDITION = {
    "id": "example/1", "kind": "target", "form": "project", "name": "示例", "edition": "1",
    "header": ["项目名称"], "levels": [{"name": "产出指标", "parts": ["数量指标", "成本指标"]},
                                     {"name": "效益指标", "parts": ["社会效益指标"]}],
    "bases": ["计划标准", "预算支出标准"],
    "checks": [{"id": "效益", "category": "完整性", "kind": "has_indicators", "level1": "效益指标", "periods": ["年度"]},
               {"id": "成本", "category": "适当性", "kind": "cost_within_budget"}],
    "grades": [{"grade": g, "consequence": g, "next": n, "into_budget": g in "优良"}
               for g, n in (("优", "预算安排"), ("良", "完善后预算安排"), ("中", "修改后重新报送"), ("差", "不得进入预算安排"))],
    "suggest": [{"grade": "优", "max_must_fix": 0, "max_hints": 0}, {"grade": "良", "max_must_fix": 0}, {"grade": "中"}],
}
