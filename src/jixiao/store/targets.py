"""绩效目标 in the store: a target form is an Evaluation of kind ``target`` with versions, moved
through the same workflow (单位 送审 → 主管部门 初审 → 财政 复审 and 批复) and audited like any other.

What is particular to targets (财预〔2015〕88号):

* **审核 at two levels.** While 已送审 the 主管部门 gives the 初审, while 主管部门已审 财政 the 复审:
  per-item opinions (by 四性 category or by indicator) are the store's :class:`Opinion` rows, the
  level read from the state they were given in; the grade 优/良/中/差 is written into the document
  (``审核: {初审: {等级}}``) as a new version — like a reviewer's adjustment, with its Adjustment row
  — so the stored review carries its grade and consequence.
* **批复 freezes** (第二十七条): 财政终审通过 is the approval, and only with a 复审 grade whose
  consequence goes into the budget (优 or 良); 中 is returned, 差 never enters the budget.
* **调整** (第二十八条): an approved target changes only by an adjustment request with a reason,
  which takes it back to the unit's draft and through the whole workflow again; the approved
  version stays in force (and readable) until the change is approved in turn.
* **自评表**: the project's year-end 自评表 opens prefilled from the approved target, and a 指标值
  that differs from the approved one is a ``TARGET_CHANGED`` finding.

Every write here runs in one transaction with its AuditEvent, through the same helpers as
:mod:`jixiao.store.services`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.db import transaction

from jixiao.core.cycle.target import Finding, Past
from jixiao.core.errors import InvalidInput
from jixiao.store import scoring, selectors, services
from jixiao.store import target_docs as docs
from jixiao.store.errors import Conflict, Invalid, NotAllowed, NotFound, from_invalid_input
from jixiao.store.models import (
    Adjustment,
    AuditEvent,
    CaseVersion,
    Evaluation,
    Kind,
    Opinion,
    Role,
    State,
    Unit,
)

LEVEL_OF_STATE = {State.SUBMITTED: "初审", State.DEPT_REVIEWED: "复审"}
CHANGE = "调整申请"  # the Opinion.indicator of an adjustment request's reason
GRADE_ITEM = "综合评定"


def edition_of(ev: Evaluation) -> dict:
    return services.edition_of(ev)


def _frozen_dir():
    return services._frozen_dir()


def history_for(unit: Unit, year: int | None) -> dict[str, list[Past]]:
    """Past actuals of the unit's own indicators: the 实际完成值 of its stored 项目自评表 of earlier years."""
    if not year:
        return {}
    out: dict[str, list[Past]] = {}
    evs = Evaluation.objects.filter(unit=unit, kind=Kind.PROJECT, year__lt=year, current__gt=0)
    for v in CaseVersion.objects.filter(evaluation__in=evs).select_related("evaluation"):
        if v.number != v.evaluation.current:
            continue
        for name, rows in docs.past_actuals(v.facts).items():
            out.setdefault(name, []).extend(rows)
    return out


def score(document: dict, *, unit: Unit, source: str = "", ev: Evaluation | None = None) -> scoring.Scored:
    """Review a target document with the unit's history, under the evaluation's frozen edition."""
    try:
        year = None
        if isinstance(document, dict):
            try:
                year = int(str(document.get("年度")).rstrip("年度").rstrip("年"))
            except ValueError:
                year = None
        scored = docs.score_target(document, source=source, edition=edition_of(ev) if ev else None,
                                   frozen_dir=_frozen_dir(), history=history_for(unit, ev.year if ev else year))
    except InvalidInput as exc:
        raise from_invalid_input(exc, source or "申报表") from None
    return _with_open_rectifications(scored, unit)


def _with_open_rectifications(scored: scoring.Scored, unit: Unit) -> scoring.Scored:
    """``T_OPEN_RECTIFICATION`` (提示): the project still has 整改 items of earlier years not closed."""
    from jixiao.store import rectify

    items = list(rectify.open_items(unit, scored.title).filter(evaluation__year__lt=scored.year or 0).order_by("due"))
    if not items:
        return scored
    late = sum(1 for it in items if rectify.overdue(it))
    text = "；".join(f"{it.evaluation.year} 年度：{it.problem[:60]}（期限 {it.due}，{it.get_status_display()}）" for it in items[:5])
    scored.record = copy.deepcopy(scored.record)
    scored.record["findings"].append({
        "code": "T_OPEN_RECTIFICATION", "severity": "提示", "where": "", "indicator": "", "category": "", "check": "",
        "message": f"该项目有 {len(items)} 项以前年度的整改尚未销号" + (f"（{late} 项已逾期）" if late else "")
                   + f"，请在申报中说明整改情况：{text}"})
    return scored


def read_upload(*, name: str, data: bytes) -> dict:
    """An uploaded target form (YAML, JSON or XLSX) as its plain document; refused with every problem."""
    import tempfile
    from pathlib import Path

    from django.conf import settings

    from jixiao.intake.target import read_target

    safe = services.safe_name(name)
    if len(data) > settings.JIXIAO_MAX_UPLOAD:
        raise Invalid(f"文件“{safe}”超过大小上限 {settings.JIXIAO_MAX_UPLOAD // 1048576} MB", [], "E-ST-TOO-LARGE")
    if Path(safe).suffix.lower() not in (".yaml", ".yml", ".json", ".xlsx"):
        raise Invalid(f"不支持的文件格式“{Path(safe).suffix or '无扩展名'}”：请上传 .yaml、.json 或 .xlsx 的绩效目标申报表",
                      [], "E-IN-FORMAT")
    with tempfile.TemporaryDirectory(prefix="jixiao-target-") as tmp:
        p = Path(tmp) / safe
        p.write_bytes(data)
        try:
            read_target(p)  # every guard and check of the file reader, with cells named
            document = _document_of(p)
        except InvalidInput as exc:
            raise from_invalid_input(exc, safe) from None
    return docs.unit_document(document)


def _document_of(path) -> dict:
    from jixiao.intake.yamlio import load

    if path.suffix.lower() == ".xlsx":
        from jixiao.intake.target_xlsx import read_workbook

        return scoring.plain(read_workbook(path).data)
    if path.suffix.lower() == ".json":
        from jixiao.intake.case import read_document

        return scoring.plain(read_document(path).data)
    return scoring.plain(load(path).data)


def submit_form(*, actor, unit: Unit, document: dict, source: str, note: str = "",
                base_version: int | None = None) -> tuple[Evaluation, CaseVersion | None]:
    """A unit's target form: a new target evaluation, or the next version of the unit's draft of the
    same project and year. The reviewers' part of the document is not the unit's to state."""
    document = docs.unit_document(document)
    with transaction.atomic():
        scored = score(document, unit=unit, source=source)
        title = (scored.title or "").strip()[:300]
        ev = Evaluation.objects.filter(unit=unit, year=scored.year, kind=Kind.TARGET, title=title).first() \
            if scored.year else None
        if ev is None:
            return services.save_scored(actor=actor, scored=scored, unit=unit, year=scored.year, source=source,
                                        note=note or "新建绩效目标", base_version=base_version, title=title)
        v = save_version(actor=actor, evaluation=ev, document=document, base_version=base_version, note=note,
                         source=source)
        ev.refresh_from_db()
        return ev, v


def save_version(*, actor, evaluation: Evaluation, document: dict, base_version: int | None, note: str = "",
                 source: str = "") -> CaseVersion | None:
    """The unit's next version of a target draft (optimistic lock on ``base_version``)."""
    with transaction.atomic():
        ev = services._locked(evaluation)
        if ev.kind != Kind.TARGET:
            raise Invalid("这不是绩效目标申报表", [], "E-ST-KIND")
        if ev.state == State.FINAL:
            raise Conflict("该绩效目标已批复，不能直接修改；确需调整的，请先提交调整申请并写明理由", [], "E-ST-FROZEN")
        services._may_edit(actor, ev)
        services._conflict_if_moved(ev, base_version)
        scored = score(docs.unit_document(document), unit=ev.unit, source=source or "申报表", ev=ev)
        if scored.title and scored.title != ev.title:
            raise Invalid(f"项目名称“{scored.title}”与申报表“{ev.title}”不一致；请改回原名称，或另行新建", [], "E-ST-TITLE")
        if scored.year and scored.year != ev.year:
            raise Invalid(f"年度 {scored.year} 与申报表的 {ev.year} 年度不一致", [], "E-ST-YEAR")
        if ev.versions.filter(number=ev.current, digest=scored.digest).exists():
            return None
        return services._new_version(actor=actor, ev=ev, scored=scored, source=source, note=note)


def _target(evaluation: Evaluation | int) -> Evaluation:
    ev = services._locked(evaluation)
    if ev.kind != Kind.TARGET:
        raise Invalid("这不是绩效目标申报表", [], "E-ST-KIND")
    return ev


def level_of(state: str) -> str | None:
    return LEVEL_OF_STATE.get(state)


def give_opinion(*, actor, evaluation: Evaluation, item: str, text: str) -> Opinion:
    """A reviewer's opinion on one item (a 四性 category, or an indicator by name) at the current level."""
    if evaluation.kind != Kind.TARGET:
        raise Invalid("这不是绩效目标申报表", [], "E-ST-KIND")
    if not (item or "").strip():
        raise Invalid("请选择意见针对的审核类别或指标", [{"code": "E-ST-TEXT", "message": "缺少审核事项", "where": "item"}],
                      "E-ST-TEXT")
    return services.add_opinion(actor=actor, evaluation=evaluation, text=text, indicator=item)


def grade(*, actor, evaluation: Evaluation, grade: str, reason: str = "", base_version: int | None = None) -> Adjustment:
    """The reviewer's overall grade at the current level (初审 while 已送审, 复审 while 主管部门已审):
    a new version whose document carries it, reviewed again, with an Adjustment row and its audit."""
    if grade not in ("优", "良", "中", "差"):
        raise Invalid(f"等级“{grade}”应为 优、良、中、差 之一", [{"code": "E-ST-GRADE", "message": "等级无效", "where": "grade"}],
                      "E-ST-GRADE")
    with transaction.atomic():
        ev = _target(evaluation)
        role = services._may_review(actor, ev)
        level = level_of(ev.state)
        if level is None:
            raise Conflict(f"该申报表处于“{ev.get_state_display()}”状态，不在审核中", [], "E-ST-STATE")
        services._conflict_if_moved(ev, base_version)
        current = ev.versions.get(number=ev.current)
        document, before = docs.with_grade(current.facts, level, grade, (reason or "").strip(),
                                           services.actor_name(actor))
        scored = score(document, unit=ev.unit, source=f"{level}等级", ev=ev)
        v = services._new_version(actor=actor, ev=ev, scored=scored, source=current.source,
                                  note=f"{level}等级：{grade}" + (f"：{reason.strip()}" if (reason or "").strip() else ""))
        target = f"{docs.REVIEW_KEY}.{level}.等级"
        adj = Adjustment.objects.create(evaluation=ev, version=v, target=target, before=before, after=grade,
                                        reason=(reason or "").strip() or f"{level}综合评定", author=actor, role=role)
        cons = scored.record.get("consequence") or {}
        services.audit(actor=actor, action="target.grade", obj=adj, evaluation=ev, before=current.digest,
                       after=v.digest, detail={"level": level, "grade": grade, "before": before,
                                               "consequence": cons.get("consequence", ""), "reason": adj.reason})
        return adj


def approve(*, actor, evaluation: Evaluation, expected_state: str | None = None) -> Evaluation:
    """批复: 财政终审通过, only with a 复审 grade that goes into the budget (优 or 良)."""
    with transaction.atomic():
        ev = _target(evaluation)
        record = _record(ev)
        given = {o.get("level"): o.get("grade") for o in record.get("opinions", []) if o.get("grade")}
        g = given.get("复审")
        if not g:
            raise Conflict("批复前须给出复审等级（优、良、中、差）", [], "E-ST-GRADE")
        cons = record.get("consequence") or {}
        if not cons.get("into_budget"):
            raise Conflict(f"复审等级为“{g}”：{cons.get('consequence', '')}（下一步：{cons.get('next', '')}），不能批复；"
                           f"请退回主管部门或改定等级", [], "E-ST-GRADE")
        return services.transition(actor=actor, evaluation=ev, action="finalize", expected_state=expected_state)


def request_change(*, actor, evaluation: Evaluation, reason: str) -> Evaluation:
    """调整申请 (第二十八条): the unit asks to change an approved target, with its reason. The target
    goes back to the unit's draft and through 送审, 初审, 复审 and 批复 again; until then the
    approved version stays the one in force."""
    if not (reason or "").strip():
        raise Invalid("调整申请必须写明理由（第二十八条：因特殊原因确需调整的，按程序报批）",
                      [{"code": "E-ST-TEXT", "message": "缺少调整理由", "where": "reason"}], "E-ST-TEXT")
    with transaction.atomic():
        ev = _target(evaluation)
        if actor is not None and Role.UNIT not in services._roles(actor, ev):
            raise NotAllowed("只有本单位的填报人可以申请调整绩效目标")
        if ev.state != State.FINAL:
            raise Conflict(f"只有已批复的绩效目标可以申请调整；该申报表当前为“{ev.get_state_display()}”", [], "E-ST-STATE")
        before = ev.state
        ev.state = State.DRAFT
        services._save(ev, actor)
        Opinion.objects.create(evaluation=ev, indicator=CHANGE, text=reason.strip(), state=before, author=actor,
                               role=Role.UNIT)
        services.audit(actor=actor, action="target.change_request", obj=ev, evaluation=ev,
                       before=scoring.digest({"state": before}), after=scoring.digest({"state": ev.state}),
                       detail={"from": before, "to": ev.state, "reason": reason.strip(), "version": ev.current})
        return ev


def _record(ev: Evaluation) -> dict:
    v = ev.versions.select_related("score").filter(number=ev.current).first()
    return v.score.record if v is not None else {}


# --- reading ------------------------------------------------------------------------------------


@dataclass
class Approval:
    """One 批复: which version, when, by whom, and the adjustment reason that led to it (if any)."""

    version: CaseVersion
    at: object
    by: str
    reason: str  # the 调整申请's reason; empty for the first approval


def approvals(ev: Evaluation) -> list[Approval]:
    """Every approval of a target, oldest first, with the change request that preceded it."""
    out: list[Approval] = []
    reason = ""
    versions = {v.number: v for v in ev.versions.select_related("score")}
    for a in AuditEvent.objects.filter(evaluation=ev, action__in=("transition.finalize", "target.change_request")) \
            .order_by("at", "id"):
        if a.action == "target.change_request":
            reason = (a.detail or {}).get("reason", "")
            continue
        v = versions.get((a.detail or {}).get("version"))
        if v is not None:
            out.append(Approval(v, a.at, a.actor_name, reason))
            reason = ""
    return out


def approved_version(ev: Evaluation) -> CaseVersion | None:
    """The version in force: the last approved one (a pending 调整 does not replace it until approved)."""
    found = approvals(ev)
    return found[-1].version if found else None


def pending_change(ev: Evaluation) -> str:
    """The reason of an adjustment request not yet approved, or ''."""
    last = AuditEvent.objects.filter(evaluation=ev, action__in=("transition.finalize", "target.change_request")) \
        .order_by("-at", "-id").first()
    return (last.detail or {}).get("reason", "") if last is not None and last.action == "target.change_request" else ""


def opinions_by_level(ev: Evaluation) -> dict[str, list[Opinion]]:
    """Reviewers' opinions of a target by level (初审, 复审), oldest first; 调整申请 reasons apart."""
    out: dict[str, list[Opinion]] = {"初审": [], "复审": [], CHANGE: [], "其他": []}
    for o in ev.opinions.select_related("author").order_by("created", "id"):
        key = CHANGE if o.indicator == CHANGE else LEVEL_OF_STATE.get(o.state, "其他")
        out[key].append(o)
    return out


def target_of(user, project: Evaluation) -> Evaluation | None:
    """The approved target behind a project's 自评表: same unit, year and project name."""
    return selectors.evaluations(user).filter(kind=Kind.TARGET, unit=project.unit, year=project.year,
                                              title=project.title).first()


def selfeval_of(user, target: Evaluation) -> Evaluation | None:
    return selectors.evaluations(user).filter(kind=Kind.PROJECT, unit=target.unit, year=target.year,
                                              title=target.title).first()


def prefilled(ev: Evaluation) -> dict:
    """The year-end 自评表 document prefilled from the approved version; refused before any approval."""
    v = approved_version(ev)
    if v is None:
        raise Conflict("该绩效目标尚未批复，不能据此生成自评表", [], "E-ST-STATE")
    return docs.selfeval_document(v.facts)


def drift_findings(target: Evaluation, selfeval_document: dict) -> list[Finding]:
    """``TARGET_CHANGED``: the 自评表's 年度指标值 against the approved target (none before approval)."""
    v = approved_version(target)
    if v is None:
        return []
    return docs.drift(v.facts, docs.frozen_edition(edition_of(target), _frozen_dir()), selfeval_document)


def save_selfeval(*, actor, target: Evaluation, document: dict, note: str = "") -> tuple[Evaluation, CaseVersion | None]:
    """The unit's 自评表 for an approved target, stored as the project's self-evaluation (kind
    project); the comparison with the approved targets is kept in its record."""
    if target.kind != Kind.TARGET:
        raise Invalid("这不是绩效目标申报表", [], "E-ST-KIND")
    try:
        s = scoring.score_document(scoring.PROJECT, document, source="自评表（据批复目标预填）")
    except InvalidInput as exc:
        raise from_invalid_input(exc, "自评表") from None
    if s.title != target.title or s.year != target.year:
        raise Invalid(f"自评表的项目名称和年度（{s.title}，{s.year}）须与绩效目标（{target.title}，{target.year}）一致", [],
                      "E-ST-TITLE")
    findings = drift_findings(target, s.document)
    s.record = copy.deepcopy(s.record)
    s.record.setdefault("findings", [])
    s.record["findings"] += [{"code": f.code, "message": f.message, "line": f.indicator or f.where, "review": True,
                              "severity": "review"} for f in findings]
    s.record["approved_target"] = {"evaluation": target.pk, "version": getattr(approved_version(target), "number", None)}
    return services.save_scored(actor=actor, scored=s, unit=target.unit, year=target.year, source="据批复目标预填",
                                note=note or "据批复的绩效目标预填", title=target.title)


__all__ = ["Approval", "NotFound", "approvals", "approve", "approved_version", "give_opinion", "grade",
           "history_for", "opinions_by_level", "prefilled", "request_change", "save_selfeval", "save_version",
           "submit_form"]
