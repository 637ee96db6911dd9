"""绩效运行监控 (双监控) in the store: a unit's monitoring form for one project and one period,
its warning lights with their reasons, the 纠偏措施 it adds, and the reviewers' map of lights.

A monitoring form is an Evaluation of kind ``monitor`` titled "项目 · 期间" (one per project and
period), versioned like any other. Its "total" is the number of red lights and its "grade" the
result's 正常 / 异常, so lists can sort by them; rankings leave the kind out
(:data:`jixiao.store.reading.RANKED`). A form with a red light (or 完全不可能) but no 纠偏措施
cannot be submitted: :func:`check_submittable` runs in :func:`jixiao.store.services.transition`.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field

from jixiao import services as core_services
from jixiao.core.cycle import workdays
from jixiao.core.cycle.monitoring import DecisionDeadline
from jixiao.core.cycle.monitoring import decision_deadline as core_deadline
from jixiao.core.errors import InvalidInput, Problem
from jixiao.store import scoring, selectors, services
from jixiao.store.errors import Conflict, Invalid, from_invalid_input
from jixiao.store.models import CaseVersion, Evaluation, Kind, Unit

MEASURE_MISSING = "M_MEASURE_MISSING"
DECISION_MISSING = "M_DECISION_MISSING"  # an edition that requires a decision when 异常 (四川: 继续执行 / 调剂 / 取消)
BLOCKING = (MEASURE_MISSING, DECISION_MISSING)
LIGHTS = ("红", "黄", "绿", "蓝")


def _title(document: dict, project: str) -> str:
    period = str(document.get("监控期间") or "").strip()
    return f"{project} · {period}" if period else project


def score(document: dict, source: str = "") -> scoring.Scored:
    """Bind a monitoring document under the edition it names and light it; refused with every problem."""
    if not isinstance(document, dict):
        raise from_invalid_input(InvalidInput("监控表数据无效", [Problem("E-IN-SCHEMA", "监控表应为键值映射", source or "监控表")]))
    document = scoring.plain(document)
    doc = scoring.JsonDoc(document, {}, source or "监控表")
    try:
        ed = core_services.scoring.edition_named(doc, None, None)
        if ed.kind != "monitoring":
            raise InvalidInput("指标体系类型不符", [Problem("E-ST-KIND", f"“{ed.id}”不是运行监控表的预警规则", source or ed.id)])
        s = core_services.evaluate(doc, ed)
    except InvalidInput as exc:
        raise from_invalid_input(exc, source or "监控表") from None
    r, form = s.result, s.bound
    reds = sum(1 for lt in r.lights if lt.light == "红")
    return scoring.Scored(Kind.MONITOR, document, _title(document, form.project), form.year, form.unit, ed.id, ed.name,
                          ed.hash, scoring.frozen_data(ed), r.to_json(), float(reds), r.status, r.status, {},
                          [str(w) for w in s.warnings])


def save(*, actor, unit: Unit, document: dict, source: str, note: str = "",
         base_version: int | None = None) -> tuple[Evaluation, CaseVersion | None]:
    """The unit's monitoring form as a new evaluation, or the next version of the same project and period."""
    scored = score(document, source)
    return services.save_scored(actor=actor, scored=scored, unit=unit, year=scored.year, source=source,
                                note=note or "运行监控表", base_version=base_version)


def add_measure(*, actor, evaluation: Evaluation, indicator: str, measure: str) -> tuple[Evaluation, CaseVersion | None]:
    """纠偏措施 for one indicator (三级指标), a department's task (任务名称), or the funds when
    ``indicator`` is 项目资金 or 部门资金: a new version."""
    measure = services.bounded(measure, "纠偏措施", services.TEXT_MAX)
    if not measure:
        raise Invalid("纠偏措施不能为空", [{"code": "E-ST-TEXT", "message": "必填", "where": indicator}], "E-ST-TEXT")
    if evaluation.kind != Kind.MONITOR:
        raise Invalid("这不是运行监控表", [], "E-ST-KIND")
    v = evaluation.versions.get(number=evaluation.current)
    doc = copy.deepcopy(v.facts)
    rows = measure_rows(doc, indicator)
    if not rows:
        raise Invalid(f"监控表中没有指标“{indicator}”", [], "E-ST-FIELD")
    for r in rows:
        r["纠偏措施"] = measure
    return services.save_scored(actor=actor, scored=score(doc, "纠偏措施"), unit=evaluation.unit, year=evaluation.year,
                                source="网页填写纠偏措施", note=f"填写纠偏措施：{indicator}", base_version=evaluation.current,
                                title=evaluation.title)


FUNDS = ("项目资金", "部门资金")


def measure_rows(doc: dict, subject: str) -> list[dict]:
    """The rows of a monitoring document a light's 纠偏措施 belongs to: an indicator (三级指标), the
    funds (项目资金, or a department's 部门资金) or one of a department's 年度主要任务 (任务名称)."""
    if subject in FUNDS:
        return [doc[k] for k in FUNDS if isinstance(doc.get(k), dict)][:1]
    named = [("绩效指标", "三级指标"), ("年度主要任务", "任务名称")]
    return [r for key, name in named for r in doc.get(key) or [] if isinstance(r, dict) and str(r.get(name, "")).strip() == subject]


def decisions(ev: Evaluation) -> list[str]:
    """The decisions the evaluation's edition requires when 异常 (empty: none required)."""
    return list((ev.edition.framework or {}).get("decisions") or [])


def decide(*, actor, evaluation: Evaluation, decision: str) -> tuple[Evaluation, CaseVersion | None]:
    """The unit's 处理决定 on an abnormal form (四川: 继续执行、调剂 or 取消): a new version."""
    allowed = decisions(evaluation)
    if not allowed:
        raise Invalid("该监控表的预警规则不要求处理决定", [], "E-ST-FIELD")
    if decision not in allowed:
        raise Invalid(f"处理决定“{decision}”应为 {'、'.join(allowed)} 之一",
                      [{"code": "E-ST-FIELD", "message": "取值无效", "where": "处理决定"}], "E-ST-FIELD")
    v = evaluation.versions.get(number=evaluation.current)
    doc = copy.deepcopy(v.facts)
    doc["处理决定"] = decision
    return services.save_scored(actor=actor, scored=score(doc, "处理决定"), unit=evaluation.unit, year=evaluation.year,
                                source="网页填写处理决定", note=f"处理决定：{decision}", base_version=evaluation.current,
                                title=evaluation.title)


def decision_deadline(ev: Evaluation, today: dt.date | None = None,
                      calendar: workdays.Calendar | None = None) -> DecisionDeadline | None:
    """The 处理决定 deadline of ``ev`` (None: its edition sets none, or the form is not 异常 now),
    counted from the day the form was first saved 异常 in its current run of 异常 versions (a form lit
    正常 in between starts afresh), by the core's :func:`~jixiao.core.cycle.monitoring.decision_deadline`."""
    from django.utils import timezone

    from jixiao.io.workdays import is_workday

    days = (ev.edition.framework or {}).get("decision_days")
    allowed = decisions(ev)
    if not days or not allowed:
        return None
    versions = list(ev.versions.select_related("score").filter(number__lte=ev.current).order_by("number"))
    status = versions[-1].score.record.get("status") if versions and hasattr(versions[-1], "score") else None
    if status != "异常":
        return None
    start = len(versions) - 1
    while start > 0 and hasattr(versions[start - 1], "score") and versions[start - 1].score.record.get("status") == "异常":
        start -= 1
    run = versions[start:]
    decided = next((timezone.localdate(v.created) for v in run if v.facts.get("处理决定") in allowed), None)
    return core_deadline(days, allowed, status, timezone.localdate(run[0].created), today or timezone.localdate(),
                         calendar or is_workday, decided)


def deadline_json(ev: Evaluation) -> dict | None:
    """The API's form of :func:`decision_deadline` (dates as ISO text)."""
    d = decision_deadline(ev)
    return d.to_json() if d is not None else None


def light_counts(ev: Evaluation) -> dict[str, int]:
    v = ev.versions.select_related("score").filter(number=ev.current).first()
    lights = v.score.record.get("lights", []) if v is not None and hasattr(v, "score") else []
    return {c: sum(1 for lt in lights if lt.get("light") == c) for c in LIGHTS}


def blockers(ev: Evaluation) -> list[dict]:
    """Findings that stop submission: red (or 完全不可能) without 纠偏措施; 异常 without the decision
    the edition requires."""
    v = ev.versions.select_related("score").filter(number=ev.current).first()
    if v is None or not hasattr(v, "score"):
        return []
    return [f for f in v.score.record.get("findings", []) if f.get("code") in BLOCKING]


def check_submittable(ev: Evaluation) -> None:
    missing = [f for f in blockers(ev) if f.get("code") == MEASURE_MISSING]
    if missing:
        names = "、".join(f.get("indicator") or f.get("where") or "项目资金" for f in missing)
        raise Conflict(f"红灯或完全不可能完成的指标须先填写纠偏措施才能送审：{names}",
                       [{"code": MEASURE_MISSING, "message": "须填写纠偏措施", "where": f.get("indicator") or f.get("where", "")}
                        for f in missing], MEASURE_MISSING)
    if any(f.get("code") == DECISION_MISSING for f in blockers(ev)):
        raise Conflict(f"监控结果异常，须先作出处理决定（{'、'.join(decisions(ev))}）才能送审",
                       [{"code": DECISION_MISSING, "message": "须作出处理决定", "where": "处理决定"}], DECISION_MISSING)


@dataclass
class Row:
    evaluation: Evaluation
    dept: str  # the 主管部门 (the unit's parent), or the unit itself at the top
    counts: dict[str, int] = field(default_factory=dict)
    status: str = ""
    reds: list[str] = field(default_factory=list)  # the red lights' subjects
    project: str = ""  # the project (or a 部门整体 form's department) the form reports on
    months: int = 0  # the period: months elapsed (1—7月 → 7)

    @property
    def key(self) -> tuple:
        """The same project across periods: one unit's forms of one project name."""
        return (self.evaluation.unit_id, self.project)

    @property
    def period(self) -> str:
        return period_label(self.months)


def period_label(months: int) -> str:
    return f"1—{months}月" if months else "—"


def light_map(user, year: int) -> list[Row]:
    """Every monitoring form of the year in scope, with its lights counted, red ones first."""
    from jixiao.store.reading import with_latest

    scope = Evaluation.objects.all() if user is None else selectors.evaluations(user)  # None: the command line
    evs = with_latest(scope.filter(kind=Kind.MONITOR, year=year, current__gt=0))
    versions = {v.evaluation_id: v for v in CaseVersion.objects.filter(evaluation__in=evs).select_related("score")
                if v.number == v.evaluation.current}
    out = []
    for ev in evs.select_related("unit__parent"):
        v = versions.get(ev.pk)
        rec = v.score.record if v is not None and hasattr(v, "score") else {}
        lights = rec.get("lights", [])
        counts = {c: sum(1 for lt in lights if lt.get("light") == c) for c in LIGHTS}
        parent = ev.unit.parent
        out.append(Row(ev, parent.name if parent else ev.unit.name, counts, rec.get("status", ""),
                       [lt.get("subject", "") for lt in lights if lt.get("light") == "红"],
                       str(rec.get("project") or ev.title), int(rec.get("months") or 0)))
    out.sort(key=lambda r: (-r.counts["红"], -r.counts["黄"], r.dept, r.evaluation.title))
    return out


def latest(rows: list[Row]) -> list[Row]:
    """Each project's latest period only, so a map by 主管部门 counts a project once, not once a period."""
    best: dict[tuple, Row] = {}
    for r in rows:
        if r.key not in best or r.months > best[r.key].months:
            best[r.key] = r
    return [r for r in rows if best[r.key] is r]


@dataclass
class Trend:
    """The lights by period: every period present (months, ascending), the count of each light per
    period, and each project's form per period (None where it filed none)."""

    periods: list[int]
    totals: dict[str, list[int]]
    projects: list[tuple[Row, list[Row | None]]]  # (the project's latest form, its form per period)

    @property
    def labels(self) -> list[str]:
        return [period_label(m) for m in self.periods]


def trend(rows: list[Row]) -> Trend:
    periods = sorted({r.months for r in rows})
    totals = {c: [sum(r.counts.get(c, 0) for r in rows if r.months == m) for m in periods] for c in LIGHTS}
    by_project: dict[tuple, dict[int, Row]] = {}
    for r in rows:
        by_project.setdefault(r.key, {})[r.months] = r
    projects = [(forms[max(forms)], [forms.get(m) for m in periods]) for forms in by_project.values()]
    projects.sort(key=lambda p: (-p[0].counts["红"], p[0].dept, p[0].project))
    return Trend(periods, totals, projects)


def periods_of(user, ev: Evaluation) -> list[Row]:
    """Every period the store holds of the project ``ev`` reports on (``ev``'s own included), in order."""
    rows = [r for r in light_map(user, ev.year) if r.evaluation.unit_id == ev.unit_id]
    mine = next((r for r in rows if r.evaluation.pk == ev.pk), None)
    if mine is None:
        return []
    return sorted((r for r in rows if r.key == mine.key), key=lambda r: r.months)
