"""整改 (rectification): problems become items with 要求, 责任单位 and 期限; the unit reports its
整改结果; the reviewer concludes. The only code that writes :class:`Rectification` rows.

Who does what (财预〔2020〕10号 第三十五条: 对绩效评价发现的问题及时整改):

* 主管部门, 财政 and 管理员 open an item on an evaluation in their scope (its unit is 责任单位 unless
  another unit in scope is named) and conclude it;
* the 责任单位's 填报人 reports the result (整改中 → 已报送结果);
* a conclusion 已整改 closes the item (已销号); 部分整改 or 未整改 sends it back to 整改中 with the
  conclusion kept, for the unit to report again.

An item not closed after its 期限 is overdue. Items still open when the unit files next year's
target for the same project are a finding there (``OPEN_RECTIFICATION``, see :mod:`jixiao.store.targets`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import transaction
from django.db.models import Q, QuerySet

from jixiao.store import scoring, selectors, services
from jixiao.store.errors import Conflict, Invalid, NotAllowed, NotFound
from jixiao.store.models import Evaluation, Rectification, Role, Unit

SOURCES = ("评价发现的问题", "复核意见", "运行监控预警", "结果应用", "其他")
OPENERS = {Role.DEPT, Role.FINANCE, Role.ADMIN}
Status, Conclusion = Rectification.Status, Rectification.Conclusion


def visible(user) -> QuerySet[Rectification]:
    """The items a user may see: those of evaluations in scope (experts see none)."""
    qs = Rectification.objects.select_related("evaluation", "unit", "created_by")
    if user is None:
        return qs
    if not selectors.roles(user) - {Role.EXPERT}:
        return qs.none()
    return qs.filter(evaluation__in=selectors.evaluations(user).values("pk"))


def overdue(item: Rectification, today: dt.date | None = None) -> bool:
    return item.status != Status.CLOSED and item.due < (today or dt.date.today())


def open_items(unit: Unit, title: str | None = None) -> QuerySet[Rectification]:
    """Items not yet closed for a unit (and a project title, when given)."""
    qs = Rectification.objects.filter(unit=unit).exclude(status=Status.CLOSED)
    return qs.filter(evaluation__title=title) if title else qs


def _item(actor, pk: int) -> Rectification:
    item = visible(actor).filter(pk=pk).first()
    if item is None:
        raise NotFound(f"找不到编号为 {pk} 的整改事项，或您无权查看")
    return item


def _date(value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise Invalid(f"整改期限“{value}”应为日期，如 2023-06-30",
                      [{"code": "E-ST-DATE", "message": "应为 YYYY-MM-DD", "where": "整改期限"}], "E-ST-DATE") from None


def _text(value, what: str, required: bool = True) -> str:
    text = services.bounded(value, what, services.TEXT_MAX)
    if required and not text:
        raise Invalid(f"{what}不能为空", [{"code": "E-ST-TEXT", "message": "必填", "where": what}], "E-ST-TEXT")
    return text


def _state(item: Rectification) -> str:
    return scoring.digest({"status": item.status, "result": item.result, "conclusion": item.conclusion,
                           "due": item.due.isoformat()})


def create(*, actor, evaluation: Evaluation | int, problem: str, requirement: str, due, source: str = SOURCES[0],
           unit_code: str | None = None) -> Rectification:
    pk = evaluation.pk if isinstance(evaluation, Evaluation) else evaluation
    ev = (selectors.evaluations(actor) if actor is not None else Evaluation.objects).filter(pk=pk).first()
    if ev is None:
        raise NotFound("没有这项评价，或您无权查看")
    if actor is not None and not OPENERS & services._roles(actor, ev):
        raise NotAllowed("只有主管部门、财政部门可以提出整改要求")
    problem, requirement = _text(problem, "问题"), _text(requirement, "整改要求")
    source = services.bounded(source, "问题来源", 50) or SOURCES[0]
    if source not in SOURCES:
        raise Invalid(f"问题来源“{source}”应为 {'、'.join(SOURCES)} 之一",
                      [{"code": "E-ST-FIELD", "message": "取值无效", "where": "问题来源"}], "E-ST-FIELD")
    due = _date(due)
    if not ev.year <= due.year <= ev.year + 5:
        raise Invalid(f"整改期限 {due} 应在评价年度 {ev.year} 至 {ev.year + 5} 年之间",
                      [{"code": "E-ST-DATE", "message": "超出范围", "where": "整改期限"}], "E-ST-DATE")
    unit = ev.unit
    if unit_code and unit_code != unit.code:
        unit = (selectors.units(actor) if actor is not None else Unit.objects).filter(code=unit_code).first()
        if unit is None:
            raise NotFound(f"找不到责任单位“{unit_code}”，或它不在您的范围内")
    with transaction.atomic():
        item = Rectification(evaluation=ev, unit=unit, source=source, problem=problem, requirement=requirement,
                             due=due, created_by=actor)
        services._save(item, actor)
        services.audit(actor=actor, action="rectify.create", obj=item, evaluation=ev, after=_state(item),
                       detail={"problem": problem, "requirement": requirement, "due": due.isoformat(),
                               "unit": unit.code, "source": source})
    return item


def report(*, actor, item: Rectification | int, result: str) -> Rectification:
    """The 责任单位 reports what it did (整改中 → 已报送结果)."""
    result = _text(result, "整改结果")
    with transaction.atomic():
        it = _item(actor, item.pk if isinstance(item, Rectification) else item)
        if actor is not None and not any(m.role == Role.UNIT and m.unit_id == it.unit_id
                                         for m in selectors.memberships(actor)):
            raise NotAllowed("只有责任单位的填报人可以报送整改结果")
        if it.status != Status.OPEN:
            raise Conflict(f"该整改事项当前为“{it.get_status_display()}”，不能报送结果", [], "E-ST-STATE")
        before = _state(it)
        it.result, it.status = result, Status.REPORTED
        services._save(it, actor)
        services.audit(actor=actor, action="rectify.report", obj=it, evaluation=it.evaluation, before=before,
                       after=_state(it), detail={"result": result})
    return it


def conclude(*, actor, item: Rectification | int, conclusion: str, note: str = "") -> Rectification:
    """The reviewer's 结论 on a reported result: 已整改 closes the item; otherwise back to 整改中."""
    if conclusion not in (Conclusion.DONE, Conclusion.PARTLY, Conclusion.NOT_DONE):
        raise Invalid(f"结论“{conclusion}”应为 done（已整改）、partly（部分整改）或 not_done（未整改）",
                      [{"code": "E-ST-FIELD", "message": "取值无效", "where": "结论"}], "E-ST-FIELD")
    note = services.bounded(note, "说明", services.TEXT_MAX)
    with transaction.atomic():
        it = _item(actor, item.pk if isinstance(item, Rectification) else item)
        if actor is not None and not OPENERS & services._roles(actor, it.evaluation):
            raise NotAllowed("只有主管部门、财政部门可以认定整改结论")
        if it.status != Status.REPORTED:
            raise Conflict(f"该整改事项当前为“{it.get_status_display()}”：须先由责任单位报送整改结果", [], "E-ST-STATE")
        before = _state(it)
        it.conclusion = conclusion
        it.status = Status.CLOSED if conclusion == Conclusion.DONE else Status.OPEN
        services._save(it, actor)
        services.audit(actor=actor, action="rectify.conclude", obj=it, evaluation=it.evaluation, before=before,
                       after=_state(it), detail={"conclusion": conclusion, "note": note, "status": it.status})
    return it


def to_json(item: Rectification, today: dt.date | None = None) -> dict:
    ev = item.evaluation
    return {"id": item.pk, "evaluation": ev.pk, "title": ev.title, "year": ev.year, "unit": item.unit.code,
            "unit_name": item.unit.name, "source": item.source, "problem": item.problem,
            "requirement": item.requirement, "due": item.due.isoformat(), "result": item.result or None,
            "conclusion": item.conclusion or None, "conclusion_label": item.get_conclusion_display() if item.conclusion else None,
            "status": item.status, "status_label": item.get_status_display(), "overdue": overdue(item, today),
            "created_by": services.actor_name(item.created_by), "created": item.created.isoformat()}


COLUMNS = ("编号", "责任单位编码", "责任单位", "来源评价", "评价年度", "问题来源", "问题", "整改要求", "整改期限",
           "状态", "是否逾期", "整改结果", "结论")


def rows(items, today: dt.date | None = None) -> list[list]:
    """The items as table rows (the XLSX export and the CLI)."""
    return [[it.pk, it.unit.code, it.unit.name, it.evaluation.title, it.evaluation.year, it.source, it.problem,
             it.requirement, it.due.isoformat(), it.get_status_display(), "逾期" if overdue(it, today) else "",
             it.result, it.get_conclusion_display() if it.conclusion else ""] for it in items]


def filtered(qs: QuerySet[Rectification], *, year: int | None = None, status: str | None = None,
             overdue_only: bool = False, today: dt.date | None = None) -> QuerySet[Rectification]:
    if year:
        qs = qs.filter(evaluation__year=year)
    if status:
        qs = qs.filter(status=status)
    if overdue_only:
        qs = qs.filter(Q(due__lt=today or dt.date.today()) & ~Q(status=Status.CLOSED))
    return qs.order_by("due", "pk")


def write_xlsx(table_rows: list[list], path: Path) -> None:
    """The list as a one-sheet workbook, written beside the target and renamed into place."""
    import openpyxl
    from openpyxl.styles import Font

    from jixiao.store.apply import as_text

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "整改事项"
    ws.append(["整改事项清单"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(list(COLUMNS))
    for c in ws[2]:
        c.font = Font(bold=True)
    for r in table_rows:
        ws.append(r)
    as_text(ws)
    for col, width in zip("ABCDEFGHIJKLM", (6, 12, 24, 24, 8, 14, 40, 40, 12, 10, 8, 40, 10)):
        ws.column_dimensions[col].width = width
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)
