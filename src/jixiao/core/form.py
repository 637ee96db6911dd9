"""The project self-evaluation form (项目支出绩效自评表): the form, its framework, and its scoring.

A department framework (:mod:`jixiao.core.model`) fixes every indicator in advance. A project form
does not: each form brings its own indicator rows (三级指标, 年度指标值, 分值), and the framework only
says how a row of each kind is scored. So a *form framework* is

* the budget-execution rule (预算执行率, 10 points): a :class:`~jixiao.core.rules.rate.Rate`;
* the row rules by row type: 定量 → :class:`~jixiao.core.rules.target.Target`, 定性 →
  :class:`~jixiao.core.rules.target.Qualitative`;
* the default weights of the 一级指标 (产出 50, 效益 30, 满意度 10) and where the satisfaction
  points go when a form has no satisfaction indicator;
* the grades (优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差) and the checks a reviewer wants flagged.

Every line of a form (the 年度资金总额 line and each indicator row) is scored by ONE expression
tree, :meth:`FormFramework.score_tree`, which picks the rule by the line's ``行类型``; its reason
code comes from :meth:`FormFramework.code_tree`. The single-form scorer below walks these trees
with :func:`jixiao.core.expr.evaluate`; ``jixiao.batch`` compiles the very same trees to Polars
and SQL. Scores are rounded to cents with :func:`~jixiao.core.numbers.round_half_up` and the form's
总分 is the sum of the rounded line scores, added in whole cents so any order gives one total.

>>> fw = FormFramework.model_validate(EXAMPLE_FRAMEWORK)
>>> form = Form(project="示例项目", funds=[FundLine("年度资金总额", budget=100.0, spent=95.0)], rows=[
...     Row(kind="定量", level1="产出指标", level3="培训人数", op="≥", target=50.0, actual=40.0, unit="人",
...         points=55.0, reason="部分学员延期"),
...     Row(kind="定性", level1="效益指标", level3="服务质量提升", grade="达成年度指标", points=35.0,
...         stated=31.5, reason="回访覆盖不足")])
>>> r = score_form(fw, form)
>>> [(line.name, line.score, line.code) for line in r.lines]
[('预算执行率', 9.5, 'EXEC_BELOW'), ('培训人数', 44.0, 'BELOW'), ('服务质量提升', 31.5, 'QUAL_IN_BAND')]
>>> r.total, r.grade, [f.code for f in r.findings]
(85.0, '良', ['EXEC_NO_REASON'])
>>> r.lines[1].trace
'指标值 ≥50人，完成值 40人，完成比例 80.00%：未达到（40 < 50），按完成值与指标值之比计分，扣 11 分，得 44 分'
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PrivateAttr

from jixiao.core import expr as E
from jixiao.core.errors import Problem
from jixiao.core.evaluation import Status
from jixiao.core.form_record import (  # noqa: F401  (the form's records, re-exported)
    FORM_SCHEMA_VERSION,
    TRUNC,
    FindingJSON,
    Form,
    FormResult,
    FundLine,
    LineResult,
    Row,
    cents,
    form_json_schema,
)
from jixiao.core.model import GradeBand, content_hash, grade_of
from jixiao.core.numbers import fmt_amount, fmt_count, fmt_pct, fmt_points, round_half_up
from jixiao.core.reasons import CODE_TEXT  # noqa: F401  (re-exported: the line codes' texts)
from jixiao.core.reasons import reason_text as _reason_text
from jixiao.core.review import REVIEW_CODES, TITLES  # noqa: F401  (REVIEW_CODES re-exported)
from jixiao.core.rules.base import RuleBase, Step
from jixiao.core.rules.rate import Rate
from jixiao.core.rules.target import Qualitative, Target

# The line types of a form, as the long format writes them in 行类型.
FUNDS, QUANT, QUAL, TOTAL = "资金", "定量", "定性", "合计"
NA = "不适用"  # a row marked not applicable ("/", "不适用"): see NotApplicable
# TRUNC (截断, from core/form_record.py) marks where a form is cut off mid-table (a missing page, a
# torn scan): the rows before it are scored, the mark is a line that cannot be, so the total is
# incomplete (TRUNCATED), never a guess.
LINE_KINDS = (FUNDS, QUANT, QUAL)

T = TypeVar("T")

# What a reviewer is told, by check code: the one table of jixiao.core.review (severity, title, batch).
FINDINGS = TITLES


class Quote(BaseModel):
    """A rule sentence and where it comes from, with how sure we are of the wording."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    source: str
    status: Literal["原文", "原文（未核实）", "二手资料", "本项目解读"]
    note: str = ""


class Execution(BaseModel):
    """预算执行率: spent ÷ budget × points, capped; and when a reason for underspending is required."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = "预算执行率"
    points: PositiveFloat = 10
    numerator: str = "全年执行数"
    denominator: str = "全年预算数"
    cap: float = 1.0
    reason_below: float = 1.0  # a rate below this needs a written reason (偏差原因)
    change_reason: bool = False  # a mid-year change (调整后 ≠ 年初预算数) needs a written reason (Sichuan)
    rule_text: list[Quote] = Field(default_factory=list)

    def rule(self) -> Rate:
        return Rate(kind="rate", label=self.label, numerator=self.numerator, denominator=self.denominator,
                    points=self.points, cap=self.cap)

    def ratio(self) -> E.Node:
        return self.rule().ratio()


class Level1(BaseModel):
    """One 一级指标 with its default points, its 二级指标, and other names forms use for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    points: float
    parts: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    satisfaction: bool = False


class Indicators(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    points: PositiveFloat = 90
    levels: list[Level1]
    # Where the satisfaction points go when a form sets no satisfaction indicator.
    without_satisfaction: dict[str, float] = Field(default_factory=dict)
    rule_text: list[Quote] = Field(default_factory=list)


class RowRules(BaseModel):
    """The rule for each row type. Field names are the 行类型 values of the long format."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    quantitative: Target = Field(alias="定量")
    qualitative: Qualitative = Field(alias="定性")
    rule_text: list[Quote] = Field(default_factory=list)


class NotApplicable(BaseModel):
    """Rows marked not applicable ("/", "不适用"): dropped and the rest rescaled to the total, or
    kept at their full 分值. The edition says which, and quotes why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["rescale", "keep"] = "rescale"
    rule_text: list[Quote] = Field(default_factory=list)


class FormFramework(BaseModel):
    """A project self-evaluation form framework (national, or a regional overlay resolved)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Literal["project-form"]
    name: str
    edition: str
    extends: str = ""
    source: str = ""
    checked: str = ""
    total: PositiveFloat = 100
    execution: Execution
    indicators: Indicators
    rows: RowRules
    grades: list[GradeBand]
    grade_text: list[Quote] = Field(default_factory=list)
    not_applicable: NotApplicable = Field(default_factory=NotApplicable)
    notes: str = ""

    _memo: dict[str, Any] = PrivateAttr(default_factory=dict)  # trees and fingerprint, built once per framework

    def _cached(self, key: str, build: Callable[[], T]) -> T:
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    def fingerprint(self) -> str:
        return self._cached("fingerprint", lambda: content_hash(self))

    def compiled(self, key: str, build: Callable[[], E.Node]) -> E.Compiled:
        """The tree ``build`` makes, compiled once per framework (``key`` names it)."""
        return self._cached("compiled:" + key, lambda: E.compile_tree(build()))

    # --- the trees every engine evaluates -------------------------------------------------------

    def _is(self, kind: str) -> E.Node:
        return E.cmp("==", E.Ref("行类型"), E.const(kind))

    def _by_kind(self, funds: E.Node, quant: E.Node, qual: E.Node, other: E.Node) -> E.Node:
        return E.where(self._is(FUNDS), funds, E.where(self._is(QUANT), quant, E.where(self._is(QUAL), qual, other)))

    def _unscorable(self) -> E.Node:
        """Any other line: the mark of a form cut off (TRUNCATED), or an unknown 行类型 (ROW_TYPE)."""
        return E.where(self._is(TRUNC), E.Fail("TRUNCATED"), E.Fail("ROW_TYPE"))

    def score_tree(self) -> E.Node:
        """The score of any line of a form, by its 行类型."""
        return self._cached("score", lambda: self._by_kind(self.execution.rule().lower(), self.rows.quantitative.lower(),
                             self.rows.qualitative.lower(), self._unscorable()))

    def code_tree(self) -> E.Node:
        """Why a line scored what it did: EXEC_MET, BELOW, OVERSHOOT, QUAL_IN_BAND, …"""
        ex = E.where(E.cmp(">=", self.execution.ratio(), E.const(1.0)), E.const("EXEC_MET"), E.const("EXEC_BELOW"))
        return self._cached("code", lambda: self._by_kind(
            ex, self.rows.quantitative.code(), self.rows.qualitative.code(), self._unscorable()))

    def needs_reason_tree(self) -> E.Node:
        """True where the line must carry a written reason (偏差原因) and has none."""
        q = self.rows.qualitative
        needs = self._by_kind(
            E.cmp("<", self.execution.ratio(), E.const(self.execution.reason_below)),
            E.Unary("not", self.rows.quantitative.met()),
            E.cmp("<", E.Ref(q.score), E.Ref(q.points)),
            E.const(False))
        return self._cached("needs", lambda: E.all_of(needs, E.Unary("not", E.Call("present", (E.Ref("偏差原因"),)))))

    def ratio_tree(self) -> E.Node:
        """预算执行率 of the funds line (uncapped; missing on other lines)."""
        return E.where(self._is(FUNDS), self.execution.ratio(), E.Fail("ROW_TYPE"))

    def grade_tree(self, total: E.Node) -> E.Node:
        """The grade of a (rounded) total: bands from the top down, lower bounds inclusive."""
        bands = sorted(self.grades, key=lambda g: -g.at_least)
        out: E.Node = E.const(bands[-1].grade)
        for band in reversed(bands[:-1]):
            out = E.where(E.cmp(">=", total, E.const(band.at_least)), E.const(band.grade), out)
        return out

    def grade(self, total: float) -> str:
        """The grade of a total as the form shows it (two decimals, 四舍五入)."""
        return grade_of(self.grades, total)

    def inputs(self) -> list[str]:
        """Every column a line may be read from (the long format's scoring columns)."""
        names: set[str] = set()
        for tree in (self.score_tree(), self.code_tree(), self.needs_reason_tree()):
            names |= E.names(tree)
        return sorted(names)

    def level1(self, name: str) -> Level1 | None:
        """The 一级指标 a form's heading names, e.g. '产出指标(50分)' or '产出' → 产出指标."""
        plain = normalise_heading(name)
        for lv in self.indicators.levels:
            if plain in (lv.name, *lv.aliases) or plain and lv.name.startswith(plain):
                return lv
        return None


def normalise_heading(text: str) -> str:
    """'产出指标（50分）' → '产出指标': a heading without its points in brackets."""
    text = (text or "").strip()
    for opening in ("(", "（"):
        if opening in text:
            text = text.split(opening)[0]
    return text.strip()


def resolve(base: dict, overlay: dict) -> dict:
    """A regional edition's data: the base edition with the overlay's ``overrides`` merged in.

    Mappings merge key by key; anything else (a number, a list) replaces the base's value. The
    overlay's own top-level keys (id, name, edition, source, …) replace the base's.

    >>> base = {"id": "n", "execution": {"points": 10, "denominator": "全年预算数"}}
    >>> resolve(base, {"id": "s", "extends": "n", "overrides": {"execution": {"denominator": "调整后预算数"}}})
    {'id': 's', 'execution': {'points': 10, 'denominator': '调整后预算数'}, 'extends': 'n'}
    """

    def merge(a: Any, b: Any) -> Any:
        if isinstance(a, dict) and isinstance(b, dict):
            out = dict(a)
            for k, v in b.items():
                out[k] = merge(a[k], v) if k in a else copy.deepcopy(v)
            return out
        return copy.deepcopy(b)

    out = merge(base, overlay.get("overrides") or {})
    for k, v in overlay.items():
        if k != "overrides":
            out[k] = copy.deepcopy(v)
    return out


# --- scoring one form ------------------------------------------------------------------------------


# A reviewer's finding is a Problem (code, severity, message, place); the old name still works.
Finding = Problem


def reason_text(code: str) -> str:
    """The Chinese sentence for a line's reason code (see :func:`jixiao.core.reasons.reason_text`)."""
    return _reason_text(code, on="line")


def line_env(line: FundLine | Row, kind: str | None) -> dict[str, E.Value]:
    """The values a line's trees read, named as the long format names its columns."""
    def put(name: str, value: E.Value | None) -> None:
        env[name] = E.Missing(f"MISSING:{name}") if value is None or value == "" else value

    env: dict[str, E.Value] = {"行类型": kind if kind else E.Missing("MISSING:行类型")}
    if isinstance(line, FundLine):
        for name, value in (("年初预算数", line.initial), ("全年预算数", line.budget), ("调整后预算数", line.adjusted),
                            ("全年执行数", line.spent), ("分值", line.points), ("得分", line.stated),
                            ("偏差原因", line.reason)):
            put(name, value)
        return env
    for name, value in (("运算符", line.op), ("年度指标值", line.target), ("实际完成值", line.actual),
                        ("评价等级", line.grade), ("分值", line.points), ("得分", line.stated),
                        ("偏差原因", line.reason)):
        put(name, value)
    return env


class LineEvaluator:
    """The rules' ``explain`` asks this for values and for how to show them (with the row's unit)."""

    MONEY = frozenset({"年初预算数", "全年预算数", "调整后预算数", "全年执行数"})

    def __init__(self, env: dict[str, E.Value], unit: str, money_unit: str,
                 known: list[tuple[E.Node, E.Value]] | None = None):
        self.env, self.unit, self.money_unit = env, unit, money_unit
        # Values already computed for this line, by the identity of the rule's own trees (built
        # once per rule: jixiao.core.rules.base.once), so the trace does not compute them again.
        self.known = {id(n): (n, v) for n, v in known or ()}  # the node kept: its id stays its own

    def __call__(self, n: E.Node) -> E.Value:
        hit = self.known.get(id(n))
        if hit is not None:
            return hit[1]
        return E.evaluate(n, self.env)

    def show(self, n: E.Node, value: E.Value | None = None) -> str:
        v = self(n) if value is None else value
        if isinstance(v, E.Missing):
            return "（缺）"
        if isinstance(v, str):
            return v
        if isinstance(v, bool):
            return "是" if v else "否"
        name = n.name if isinstance(n, E.Ref) else ""
        if name in self.MONEY:
            return f"{fmt_amount(v, 6).rstrip('0').rstrip('.')}{self.money_unit}"
        text = fmt_count(v) if float(v).is_integer() else f"{v:.6f}".rstrip("0").rstrip(".")
        return f"{text}{self.unit}" if name in ("年度指标值", "实际完成值") else text

    def substitute(self, n: E.Node) -> str:
        return E.render(n, name=lambda ref: self.show(ref))

    def evidence(self, fact: str) -> str:
        return ""

    def label(self, fact: str) -> str:
        return fact


def score_line(fw: FormFramework, line: FundLine | Row, kind: str | None, money_unit: str = "万元",
               explain: bool = True) -> LineResult:
    """One line through the framework's trees, with its Chinese trace (unless ``explain`` is off)."""
    env = line_env(line, kind)
    score = fw.compiled("score", fw.score_tree)(env)
    code = fw.compiled("code", fw.code_tree)(env)
    needs = fw.compiled("needs", fw.needs_reason_tree)(env) is True
    if isinstance(line, FundLine):
        name, level1, level2, points, unit = fw.execution.label, "预算执行", "", fw.execution.points, ""
    else:
        name, level1, level2, unit = line.level3, line.level1, line.level2, line.unit
        points = line.points if line.points is not None else 0.0
    rules: dict[str, RuleBase] = {FUNDS: fw._cached("rate", fw.execution.rule), QUANT: fw.rows.quantitative,
                                  QUAL: fw.rows.qualitative}
    rule = rules.get(kind) if kind else None  # none for an unknown 行类型, which is never scored (ROW_TYPE)
    # The line's score and code are its rule's own trees on this line's branch of score_tree and
    # code_tree (the 资金 line's code is the framework's, not its rule's).
    known: list[tuple[E.Node, E.Value]] = []
    if isinstance(rule, (Target, Qualitative)):
        known = [(rule.lower(), score), (rule.code(), code)]
    ev = LineEvaluator(env, unit, money_unit, known)
    if isinstance(score, E.Missing):
        # An out-of-band score is explained with its band; a missing value by its reason code alone.
        steps = rule.explain(ev) if rule is not None and explain and score.reason == "QUAL_OUT_OF_BAND" else []
        return _line(kind, name, level1, level2, points, None, score.reason, steps, line, needs, env)
    steps = rule.explain(ev) if rule is not None and explain else []
    return _line(kind, name, level1, level2, points, float(score), str(code), steps, line, needs, env)


def _line(kind: str | None, name: str, level1: str, level2: str, points: float, score: float | None, code: str,
          steps: list[Step], line: FundLine | Row, needs: bool, env: dict[str, E.Value],
          status: Status | None = None) -> LineResult:
    """The record of a line: a form's funds line is a 一级指标 of its own, a row a 三级指标 under its groups."""
    group = ".".join(p for p in (level1, level2) if p)
    return LineResult(
        id=name if kind == FUNDS else ".".join(p for p in (group, name) if p), name=name,
        level=1 if kind == FUNDS else 3, parent="" if kind == FUNDS else group, weight=points, score=score,
        status=status or ("scored" if score is not None else "not_scorable"), steps=tuple(steps), reason=code,
        reason_text=reason_text(code),
        facts={k: None if isinstance(v, E.Missing) else v for k, v in env.items() if k != "行类型"},
        kind=kind, level1=level1, level2=level2, stated=line.stated, needs_reason=needs, where=line.where)


def not_applicable_line(fw: FormFramework, row: Row) -> LineResult:
    """A row marked not applicable: never scored as a miss; the edition decides what it counts."""
    points = row.points or 0.0
    if fw.not_applicable.mode == "keep":
        text = f"不适用：按本版本规定保留其分值，计 {fmt_points(points)} 分"
        return _line(NA, row.level3, row.level1, row.level2, points, points, "NOT_APPLICABLE",
                     [Step(text, points, points)], row, False, {}, status="not_applicable")
    text = "不适用：按本版本规定不予考核，其余指标得分按百分制折算"
    return _line(NA, row.level3, row.level1, row.level2, points, None, "NOT_APPLICABLE",
                 [Step(text, points, 0.0)], row, False, {}, status="not_applicable")


def score_form(fw: FormFramework, form: Form, explain: bool = True, warnings: list[Problem] | None = None) -> FormResult:
    """Score a form line by line with traces, add up in cents, grade it, and list what to review.

    ``explain=False`` skips writing traces (the batch's scalar engine scores millions of lines).
    ``warnings`` are intake's about this form; the result carries them (and its JSON prints them).
    """
    lines: list[LineResult] = []
    findings: list[Problem] = []
    total_line = form.funds_total()
    if total_line is None:
        total_line = FundLine("年度资金总额")
        findings.append(Problem("NOT_SCORABLE", "表中没有项目资金（年度资金总额）行，预算执行率无法评分", form.source))
    lines.append(score_line(fw, total_line, FUNDS, form.money_unit, explain))
    ratio = fw.compiled("ratio", fw.execution.ratio)(line_env(total_line, FUNDS))
    rate = None if isinstance(ratio, E.Missing) else E.number(ratio)
    for row in form.rows:
        if row.kind == NA:
            lines.append(not_applicable_line(fw, row))
        else:
            lines.append(score_line(fw, row, row.kind, form.money_unit, explain))

    scored = all(ln.score is not None or ln.status == "not_applicable" for ln in lines)
    total = sum(ln.cents for ln in lines if ln.cents is not None) / 100
    dropped = [ln for ln in lines if ln.status == "not_applicable"]
    if dropped and fw.not_applicable.mode == "rescale":
        applicable = sum(cents(ln.points) for ln in lines if ln.status != "not_applicable") / 100
        if applicable > 0:
            raw = total
            total = cents(total * float(fw.total) / applicable) / 100
            findings.append(Problem("NA_RESCALED", f"{len(dropped)} 项指标不适用，适用指标满分 {fmt_points(applicable)} 分、"
                                                   f"得 {fmt_points(raw)} 分，折算为百分制 {fmt_points(total)} 分", form.source, "总分"))
    result = FormResult(fw.id, fw.name, fw.fingerprint(), form, lines, total, "scored" if scored else "incomplete",
                        fw.grade(total) if scored else "", rate, findings, list(warnings or []))
    result.findings.extend(check_form(fw, form, result))  # the record holds its own copy of the list
    return result


def check_form(fw: FormFramework, form: Form, r: FormResult) -> list[Problem]:
    """What a reviewer (抽查复核) must look at, beyond the scores themselves."""
    out: list[Problem] = []
    exec_line = r.lines[0]
    for ln in r.lines:
        if ln.status == "not_applicable":
            continue
        if ln.score is None:
            code = "QUAL_OUT_OF_BAND" if ln.code == "QUAL_OUT_OF_BAND" else "NOT_SCORABLE"
            out.append(Problem(code, f"{FINDINGS[code]}：{reason_text(ln.code)}", ln.where, ln.name))
        elif ln.stated is not None and cents(ln.stated) != ln.cents:
            out.append(Problem("SCORE_DIFF", f"表列得分 {fmt_points(ln.stated)}，重算得分 {fmt_points(ln.score)}"
                                             f"（{ln.trace}）", ln.where, ln.name))
        if ln.code == "OVERSHOOT":
            out.append(Problem("OVERSHOOT", FINDINGS["OVERSHOOT"], ln.where, ln.name))
        if ln.needs_reason:
            if ln is exec_line:
                below = fmt_pct(fw.execution.reason_below).replace(".00%", "%")
                out.append(Problem("EXEC_NO_REASON", f"预算执行率 {fmt_pct(r.rate) if r.rate is not None else '无法计算'}，低于 {below}，须说明原因",
                                   ln.where, ln.name))
            else:
                # A line that could not be scored has no score to state: say what the form states.
                got = (f"得 {fmt_points(ln.score)}" if ln.score is not None else
                       "本行无法重算" + (f"，表列得分 {fmt_points(ln.stated)}" if ln.stated is not None else ""))
                out.append(Problem("REASON_MISSING", f"{FINDINGS['REASON_MISSING']}（{got} / {fmt_points(ln.points)} 分）",
                                   ln.where, ln.name))

    stated_lines = [ln.stated for ln in r.lines if not (ln.status == "not_applicable" and ln.stated is None)]
    if form.stated_total is not None:
        if r.status == "scored" and cents(form.stated_total) != round(r.total * 100):
            out.append(Problem("TOTAL_DIFF", f"表列总分 {fmt_points(form.stated_total)}，重算总分 {fmt_points(r.total)}",
                               form.total_where or form.source, "总分"))
        known = [s for s in stated_lines if s is not None]
        if len(known) == len(stated_lines):
            summed = sum(cents(s) for s in known) / 100
            rescaled = summed
            na = [ln for ln in r.lines if ln.status == "not_applicable"]
            if na and fw.not_applicable.mode == "rescale":  # the stated lines, rescaled as the total is
                applicable = sum(cents(ln.points) for ln in r.lines if ln.status != "not_applicable") / 100
                rescaled = cents(summed * float(fw.total) / applicable) / 100 if applicable > 0 else summed
            if cents(form.stated_total) not in (round(summed * 100), round(rescaled * 100)):
                out.append(Problem("SUM_DIFF", f"表列总分 {fmt_points(form.stated_total)}，而表列各项得分之和为 "
                                               f"{fmt_points(summed)}", form.total_where or form.source, "总分"))

    total_line, given = form.funds_total(), (form.funds[0] if form.funds else None)
    if given is not None and total_line is not given:
        wrong = []
        for attr, label in (("initial", "年初预算数"), ("budget", "全年预算数"), ("adjusted", "调整后预算数"), ("spent", "全年执行数")):
            want, got = getattr(total_line, attr), getattr(given, attr)
            if want is not None and (got is None or abs(want - got) > 1e-9 * max(1.0, abs(want))):
                wrong.append(f"{label}{'未填' if got is None else ' ' + _amount(got)}，其中各项之和为 {_amount(want)}")
        if wrong:
            out.append(Problem("FUND_SUM", f"年度资金总额{'；'.join(wrong)}（{form.money_unit}）；按其中各项之和计算",
                               given.where, "年度资金总额"))
    if given is not None and given.rate is not None and r.rate is not None:
        shown = round_half_up(min(r.rate, 1.0) * 100, given.rate_digits)
        if abs(shown - round_half_up(given.rate * 100, given.rate_digits)) > 1e-9:
            out.append(Problem("RATE_DIFF", f"表列执行率 {given.rate * 100:.{given.rate_digits}f}%，重算执行率 "
                                            f"{shown:.{given.rate_digits}f}%", given.where, "执行率"))
    out.extend(check_weights(fw, form, given))
    from jixiao.core.form_checks import form_checks

    out.extend(Problem(*found) for found in form_checks(fw, form, r))
    return out


def _amount(x: float) -> str:
    return fmt_amount(x, 6).rstrip("0").rstrip(".")


def check_weights(fw: FormFramework, form: Form, funds: FundLine | None) -> list[Problem]:
    """分值: the rows must add up to the indicators' points (90) and the funds line to its 10."""
    out: list[Problem] = []
    if funds is not None and funds.points is not None and not math.isclose(funds.points, fw.execution.points):
        out.append(Problem("WEIGHT_SUM", f"预算执行率分值为 {fmt_points(funds.points)}，应为 "
                                         f"{fmt_points(fw.execution.points)}", funds.where, "预算执行率"))
    points = [r.points for r in form.rows if r.points is not None]
    if len(points) < len(form.rows):  # a blank 分值 (or a not-applicable row without one): no sum to check
        return out
    total = sum(cents(p) for p in points) / 100
    if cents(total) != cents(fw.indicators.points):
        out.append(Problem("WEIGHT_SUM", f"绩效指标分值合计 {fmt_points(total)}，应为 {fmt_points(fw.indicators.points)}",
                           form.source, "绩效指标"))
        return out
    expected = default_weights(fw, {lv.name for r in form.rows if (lv := fw.level1(r.level1)) is not None})
    for lv in fw.indicators.levels:
        got = sum(r.points or 0.0 for r in form.rows if fw.level1(r.level1) is lv)
        want = expected.get(lv.name, 0.0)
        if got and cents(got) != cents(want):
            out.append(Problem("WEIGHT_DEFAULT", f"{lv.name}分值合计 {fmt_points(got)}，默认为 {fmt_points(want)}",
                               form.source, lv.name))
    return out


def default_weights(fw: FormFramework, present: set[str]) -> dict[str, float]:
    """The default points of each 一级指标, given which of them a form sets.

    >>> fw = FormFramework.model_validate(EXAMPLE_FRAMEWORK)
    >>> default_weights(fw, {"产出指标", "效益指标", "满意度指标"})
    {'产出指标': 50.0, '效益指标': 30.0, '满意度指标': 10.0}
    >>> default_weights(fw, {"产出指标", "效益指标"})
    {'产出指标': 55.0, '效益指标': 35.0, '满意度指标': 0.0}
    """
    out = {lv.name: float(lv.points) for lv in fw.indicators.levels}
    sat = [lv for lv in fw.indicators.levels if lv.satisfaction]
    if sat and not any(lv.name in present for lv in sat) and fw.indicators.without_satisfaction:
        out = {name: 0.0 for name in out}
        out.update({k: float(v) for k, v in fw.indicators.without_satisfaction.items()})
    return out


# A minimal framework for the doctests above; the shipped editions live under frameworks/.
EXAMPLE_FRAMEWORK = {
    "id": "example", "kind": "project-form", "name": "示例", "edition": "0",
    "execution": {"points": 10, "reason_below": 1.0},
    "indicators": {"points": 90, "levels": [
        {"name": "产出指标", "points": 50}, {"name": "效益指标", "points": 30},
        {"name": "满意度指标", "points": 10, "satisfaction": True}],
        "without_satisfaction": {"产出指标": 55, "效益指标": 35}},
    "rows": {"定量": {"kind": "target"}, "定性": {"kind": "qualitative", "score": "得分"}},
    "grades": [{"grade": "优", "at_least": 90}, {"grade": "良", "at_least": 80}, {"grade": "中", "at_least": 60},
               {"grade": "差", "at_least": 0}],
}
