"""结果应用 from the store: next year's budget advice for every evaluated unit and project of a year.

Each evaluation of the year (部门整体自评 and 项目自评) with a grade goes through the edition's rule
table (:func:`jixiao.core.cycle.apply.advise`): the advice, the change to the budget, next year's
figure where the rule states one, and whether 整改 is required. The budget is the evaluation's
own: a 自评表's 年度资金总额 (全年预算数, else 年初预算数), a department case's 调整预算数 (else
年初预算数), in the money unit the document declares — never converted or guessed. The project type
(连续性 / 分期实施 / 一次性) is the 自评表's ``项目类型`` when stated, else read from the approved
target's 项目属性 (延续 → 连续性; 本项目解读), else unknown (the grade's general rule applies).

The advice itself changes nothing in the store. The finance bureau may override one evaluation's
advice with a reason (:func:`decide`): an append-only ``ApplyDecision`` and an AuditEvent; the
latest decision is in force and the rule table's advice stays beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import QuerySet

from jixiao.core.cycle.apply import TYPES, ApplyTable, advise
from jixiao.store import scoring, selectors, services
from jixiao.store.errors import Invalid, NotAllowed, NotFound
from jixiao.store.models import ApplyDecision, Evaluation, Kind, Role, State
from jixiao.store.reading import with_latest

DEFAULT_TABLE = "national-apply/2020"
GRADES = ("优", "良", "中", "差")


def load_table(ref: str = DEFAULT_TABLE) -> ApplyTable:
    from jixiao.intake.cycle import load_edition

    table: ApplyTable = load_edition(ref, "apply")
    return table


def _number(v) -> float | None:
    if isinstance(v, dict):
        v = v.get("value")
    if v in (None, "") or isinstance(v, bool):
        return None
    try:
        return float(str(v).replace(",", "").strip())
    except ValueError:
        return None


def budget_of(kind: str, document: dict) -> tuple[float | None, str]:
    """This year's budget an evaluation states, and its money unit."""
    if kind == Kind.PROJECT:
        unit = str(document.get("金额单位") or "万元")
        for line in document.get("项目资金") or []:
            if isinstance(line, dict) and str(line.get("资金", "")).strip() == "年度资金总额":
                for key in ("全年预算数", "调整后预算数", "年初预算数"):
                    n = _number(line.get(key))
                    if n:
                        return n, unit
        return None, unit
    unit = str(document.get("money_unit") or "万元")
    facts = document.get("facts") or {}
    for key in ("调整预算数", "年初预算数"):
        n = _number(facts.get(key))
        if n:
            return n, unit
    return None, unit


def type_of(ev: Evaluation, document: dict) -> tuple[str | None, str]:
    """The project type and where it came from."""
    stated = str(document.get("项目类型") or "").strip()
    if stated in TYPES:
        return stated, "自评表"
    if ev.kind != Kind.PROJECT:
        return None, ""
    target = Evaluation.objects.filter(kind=Kind.TARGET, unit=ev.unit, year=ev.year, title=ev.title).first()
    if target is not None and target.current:
        facts = target.versions.get(number=target.current).facts
        if str(facts.get("项目属性") or "").strip() == "延续":
            return "连续性", "绩效目标：项目属性 延续"
    return None, ""


@dataclass
class Row:
    evaluation: Evaluation
    kind: str
    grade: str
    state: str
    type: str | None
    type_from: str
    advice: str
    says: str
    change: float | None
    budget: float | None
    next_budget: float | None
    money_unit: str
    rectify: bool
    sources: list[str]
    decision: ApplyDecision | None = None  # the bureau's override in force, if any
    table_advice: str = ""  # what the rule table said, when overridden

    def to_json(self) -> dict:
        ev, d = self.evaluation, self.decision
        return {"id": ev.id, "unit": ev.unit.code, "unit_name": ev.unit.name, "title": ev.title, "kind": self.kind,
                "year": ev.year, "state": self.state, "grade": self.grade or None, "type": self.type,
                "type_from": self.type_from or None, "advice": self.advice, "says": self.says, "change": self.change,
                "budget": self.budget, "next_budget": self.next_budget, "money_unit": self.money_unit,
                "rectify": self.rectify, "sources": self.sources,
                "decision": None if d is None else {"advice": d.advice, "table_advice": d.table_advice,
                                                    "reason": d.reason, "by": services.actor_name(d.author),
                                                    "at": d.created.isoformat()}}


def advice(qs: QuerySet[Evaluation], year: int, table: ApplyTable, final_only: bool = False) -> list[Row]:
    """Every evaluation of ``year`` in ``qs`` (部门整体 and 项目) with next year's advice, by unit."""
    evs = qs.filter(year=year, kind__in=[Kind.DEPT, Kind.PROJECT], current__gt=0)
    if final_only:
        evs = evs.filter(state=State.FINAL)
    out = []
    decisions = latest_decisions(evs)
    for ev in with_latest(evs).select_related("unit").order_by("unit__path", "kind", "title"):
        document = ev.versions.get(number=ev.current).facts or {}
        budget, money = budget_of(ev.kind, document)
        grade = ev.grade or ""
        type_, type_from = type_of(ev, document)
        state = ev.get_state_display()
        if grade not in GRADES:
            out.append(Row(ev, ev.get_kind_display(), grade, state, type_, type_from, "无建议",
                           "评价尚无等级（未评分或不完整），不能给出建议", None, budget, None, money, False, []))
            continue
        d = decisions.get(ev.id)
        a = advise(table, grade, type_, budget, override=None if d is None else (d.advice, d.reason))
        out.append(Row(ev, ev.get_kind_display(), grade, state, type_, type_from, a.advice, a.says, a.change,
                       budget, a.next_budget, money, a.rectify, [q.source for q in a.sources], d, a.table_advice))
    return out


def latest_decisions(evs: QuerySet[Evaluation]) -> dict[int, ApplyDecision]:
    """Each evaluation's decision in force (its latest), in one query."""
    out: dict[int, ApplyDecision] = {}
    for d in ApplyDecision.objects.filter(evaluation__in=evs).select_related("author").order_by("created", "id"):
        out[d.evaluation_id] = d
    return out


def advices(table: ApplyTable) -> list[str]:
    """The advice classes the rule table knows, in its order: what an override may choose."""
    return list(dict.fromkeys(r.advice for r in table.rows))


def decide(*, actor, evaluation: Evaluation | int, advice: str, reason: str, table: ApplyTable) -> ApplyDecision:
    """财政部门调整结果应用建议: only the finance bureau (or an administrator), within its scope, for a
    graded 部门整体 or 项目 evaluation, with a reason and one of the table's advice classes."""
    reason = services.bounded(reason, "理由", services.TEXT_MAX)
    advice = services.bounded(advice, "建议", 50)
    pk = evaluation.pk if isinstance(evaluation, Evaluation) else evaluation
    ev = (selectors.evaluations(actor) if actor is not None else Evaluation.objects).filter(pk=pk).first()
    if ev is None:
        raise NotFound("没有这项评价，或您无权查看")
    if actor is not None and not {Role.FINANCE, Role.ADMIN} & services._roles(actor, ev):
        raise NotAllowed("只有财政部门可以调整结果应用建议")
    if ev.kind not in (Kind.DEPT, Kind.PROJECT) or (ev.grade or "") not in GRADES:
        raise Invalid(f"“{ev.title}”没有评价等级，没有可调整的建议", [], "E-ST-STATE")
    known = advices(table)
    if advice not in known:
        raise Invalid(f"建议“{advice}”不在结果应用规则（{table.id}）中；应为 {'、'.join(known)} 之一",
                      [{"code": "E-ST-ADVICE", "message": f"应为 {'、'.join(known)} 之一", "where": "建议"}], "E-ST-ADVICE")
    if not reason:
        raise Invalid("调整结果应用建议须写明理由",
                      [{"code": "E-ST-TEXT", "message": "缺少理由", "where": "理由"}], "E-ST-TEXT")
    document = ev.versions.get(number=ev.current).facts or {}
    rule = advise(table, ev.grade, type_of(ev, document)[0])
    with transaction.atomic():
        previous = latest_decisions(Evaluation.objects.filter(pk=ev.pk)).get(ev.pk)
        d = ApplyDecision.objects.create(evaluation=ev, advice=advice, table_advice=rule.advice, table=table.id,
                                         reason=reason, author=actor)
        services.audit(actor=actor, action="apply.decide", obj=d, evaluation=ev,
                       before=scoring.digest({"advice": previous.advice if previous else rule.advice}),
                       after=scoring.digest({"advice": advice}),
                       detail={"table": table.id, "table_advice": rule.advice, "advice": advice, "reason": reason,
                               "previous": previous.advice if previous else None})
    return d


def summary(rows: list[Row]) -> list[dict]:
    """How much budget each advice touches (per money unit: amounts in different units are not added)."""
    out: dict[tuple[str, str], dict] = {}
    for r in rows:
        s = out.setdefault((r.advice, r.money_unit), {"advice": r.advice, "money_unit": r.money_unit, "count": 0,
                                                       "budget": 0.0, "next_budget": 0.0, "unknown": 0, "no_figure": 0})
        s["count"] += 1
        if r.budget is None:
            s["unknown"] += 1
            continue
        s["budget"] += r.budget
        if r.next_budget is None:
            s["no_figure"] += 1  # the rule states no figure (暂停拨付, 从严审核): nothing is added
        else:
            s["next_budget"] += r.next_budget
    return list(out.values())


COLUMNS = ("单位编码", "单位", "评价类型", "名称", "状态", "评价等级", "项目类型", "类型来源", "建议", "说明",
           "本年预算数", "金额单位", "变动比例", "下年建议数", "须整改", "依据", "规则表的建议", "调整理由", "调整人")


def as_text(ws) -> None:
    """Cells typed by people (titles, reasons) stay text: openpyxl would store a value that starts
    with "=" as a formula, which Excel then runs."""
    for row in ws.iter_rows():
        for c in row:
            if c.data_type == "f":
                c.data_type = "s"


def write_xlsx(rows: list[Row], year: int, table: ApplyTable, path: Path) -> None:
    """The advice as a workbook for the budget division: one row per evaluation, and a summary sheet."""
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = f"{year + 1}年度预算安排建议"
    ws.append([f"{year} 年度绩效评价结果应用：{year + 1} 年度预算安排建议（{table.name}，{table.id}）"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(list(COLUMNS))
    for c in ws[2]:
        c.font = Font(bold=True)
    for r in rows:
        ev = r.evaluation
        ws.append([ev.unit.code, ev.unit.name, r.kind, ev.title, r.state, r.grade or "—", r.type or "未注明",
                   r.type_from or "—", r.advice, r.says, r.budget, r.money_unit,
                   None if r.change is None else r.change, r.next_budget, "是" if r.rectify else "否",
                   "；".join(r.sources), r.table_advice or None, r.decision.reason if r.decision else None,
                   services.actor_name(r.decision.author) if r.decision else None])
        if r.change is not None:
            ws.cell(ws.max_row, 13).number_format = "0%"
    for col, width in zip("ABCDEFGHIJKLMNOPQRS", (12, 24, 12, 24, 14, 8, 10, 18, 12, 40, 12, 8, 8, 12, 6, 40, 12, 40, 12)):
        ws.column_dimensions[col].width = width
    as_text(ws)
    s = wb.create_sheet("汇总")
    s.append(["建议", "金额单位", "个数", "本年预算数合计", "下年建议数合计", "预算数未知的个数", "规则未给出数额的个数"])
    for c in s[1]:
        c.font = Font(bold=True)
    for x in summary(rows):
        s.append([x["advice"], x["money_unit"], x["count"], round(x["budget"], 6), round(x["next_budget"], 6),
                  x["unknown"], x["no_figure"]])
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)
