"""绩效目标 pages: the list, a unit's upload (YAML, JSON or the XLSX template), the 四性审核 with the
reviewers' per-item opinions and grades at 初审 and 复审, 批复, 调整 requests with their reason,
every version readable with what it changed, and the year-end 自评表 prefilled from the approved
target.

Reads through the store's selectors, writes through :mod:`jixiao.store.targets` and
:mod:`jixiao.store.services` only; an evaluation outside the user's scope is a 404.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from jixiao.core.cycle.target import CATEGORIES, TARGET_CHANGED_TITLE
from jixiao.store import selectors, services, targets
from jixiao.store import target_docs as docs
from jixiao.store.errors import StoreError
from jixiao.store.models import Kind, Role, State
from jixiao.store.workflow import TRANSITIONS, allowed_from
from jixiao.web import stored
from jixiao.web.access import roles
from jixiao.web.audit import ACTIONS
from jixiao.web.overview import current_scores

TEMPLATE_EDITION = "national-target-project/2015"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 10 * 1024 * 1024
# The audit log's words for the target's own actions (the workflow's are already there).
ACTIONS.update({"target.grade": "评定绩效目标等级", "target.change_request": "申请调整绩效目标"})
COLUMNS = [(State.DRAFT, "草稿 / 已退回"), (State.SUBMITTED, "待主管部门初审"), (State.DEPT_REVIEWED, "待财政复审"),
           (State.FINAL, "已批复")]


def _target_or_404(user, pk: int):
    ev = selectors.evaluation(user, pk)
    if ev is None or ev.kind != Kind.TARGET:
        raise Http404("没有这份绩效目标申报表，或您无权查看")
    return ev


def _my_units(user):
    return [m.unit for m in selectors.memberships(user) if m.role == Role.UNIT and m.unit]


@login_required
def target_list(request):
    """Every target the user may see, by workflow state; a unit uploads new ones here."""
    mine = roles(request.user)
    qs = selectors.evaluations(request.user).filter(kind=Kind.TARGET)
    evs = list(qs.order_by("-year", "unit__path", "title")[:1000])
    scores = current_scores(qs)
    cols = []
    for state, label in COLUMNS:
        items = [e for e in evs if e.state == state]
        for e in items:
            e.turn = stored.my_turn(e, mine)
            e.record = scores[e.id].record if e.id in scores else {}
        items.sort(key=lambda e: not e.turn)
        cols.append((state, label, items))
    return render(request, "web/targets/list.html", {"nav": "targets", "columns": cols, "my_units": _my_units(request.user)})


def _read_upload(request) -> tuple[dict | None, str]:
    f = request.FILES.get("form")
    if f is None:
        messages.error(request, "请选择绩效目标申报表文件（.xlsx、.yaml 或 .json；可先下载 Excel 模板）。")
        return None, ""
    if f.size > MAX_UPLOAD:
        messages.error(request, f"文件过大（{f.size // 1024} KB），上限 {MAX_UPLOAD // 1048576} MB。")
        return None, ""
    try:
        return targets.read_upload(name=f.name, data=f.read()), services.safe_name(f.name)
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
        return None, ""


@login_required
@require_POST
def target_new(request):
    """A unit's upload: a new target form, or the next version of its draft of the same project."""
    code = request.POST.get("unit") or ""
    unit = next((u for u in _my_units(request.user) if u.code == code), None)
    if unit is None:
        messages.error(request, "请选择您填报的单位。")
        return redirect("web:targets")
    document, name = _read_upload(request)
    if document is None:
        return redirect("web:targets")
    try:
        ev, v = targets.submit_form(actor=request.user, unit=unit, document=document, source=name,
                                    note=(request.POST.get("note") or "").strip() or f"上传 {name}")
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
        return redirect("web:targets")
    _saved(request, v)
    return redirect("web:target", pk=ev.pk)


def _saved(request, v) -> None:
    if v is None:
        messages.info(request, "内容与当前版本相同，未新建版本。")
        return
    rec = v.score.record
    n = len(rec.get("findings", []))
    messages.success(request, f"已保存为第 {v.number} 版；四性审核发现 {n} 处，建议等级 {rec.get('suggested_grade')}。")


@login_required
def target_template(request):
    """The blank XLSX template of the national project target form (the intake's own layout)."""
    from jixiao.intake.cycle import load_edition
    from jixiao.intake.target_xlsx import write_workbook

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "target.xlsx"
        write_workbook({}, out, load_edition(TEMPLATE_EDITION, "target"))
        body = out.read_bytes()
    resp = HttpResponse(body, content_type=XLSX)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('项目支出绩效目标申报表-模板.xlsx')}"
    return resp


def _findings_by_category(record: dict) -> list[tuple[str, list[dict]]]:
    found = record.get("findings", [])
    return [(c, [f for f in found if f.get("category") == c]) for c in CATEGORIES] + \
        [("其他", [f for f in found if f.get("category") not in CATEGORIES])]


def _rows(document: dict, opinions, hints: dict | None = None) -> list[dict]:
    """Indicator rows for the page (ASCII keys for the templates), each with its reviewers' opinions."""
    by_item: dict[str, list] = {}
    for o in opinions:
        by_item.setdefault(o.indicator, []).append(o)
    out = []
    for r in docs.rows_of(document):
        name = str(r.get("三级指标") or "")
        value = "" if r.get("指标值") is None else str(r.get("指标值"))
        unit = str(r.get("计量单位") or "")
        out.append({"period": r.get("期间"), "level1": r.get("一级指标"), "level2": r.get("二级指标"), "name": name,
                    "value": value + (unit if unit and not value.endswith(unit) else ""),
                    "basis": r.get("指标值确定依据") or "", "opinions": by_item.get(name, []),
                    "hints": [str(h) for h in (hints or {}).get(name, [])] if r.get("期间") == "年度" else []})
    return out


HEADER = ("项目名称", "部门名称", "主管部门及代码", "实施单位", "项目属性", "项目期", "功能分类", "行业", "年度", "金额单位")


def _summary(document: dict) -> dict:
    """Header, funds and goals of a target document, as rows the templates can show."""
    d = docs.plain(document or {})
    funds = d.get("资金") if isinstance(d.get("资金"), dict) else {}
    goals = d.get("总体目标") if isinstance(d.get("总体目标"), dict) else {"年度": d.get("总体目标")}
    return {
        "header": [(k, d.get(k)) for k in HEADER if d.get(k) not in (None, "")],
        "funds": [(p, *(f.get(k) if isinstance(f, dict) else (f if k == "资金总额" else None)
                        for k in ("资金总额", "财政拨款", "其他资金"))) for p, f in funds.items()],
        "goals": [(p, t) for p, t in goals.items() if t],
        "unit": d.get("金额单位") or "万元",
    }


@login_required
def target_detail(request, pk: int):
    ev = _target_or_404(request.user, pk)
    mine = {str(r) for r in selectors.roles(request.user, ev)}
    vs = stored.versions(ev)
    cur = next((v for v in vs if v.number == ev.current), None)
    record = cur.score.record if cur else {}
    by_level = targets.opinions_by_level(ev)
    all_opinions = [o for lv in ("初审", "复审") for o in by_level[lv]]
    moves = [t for t in allowed_from(ev.state) if set(t.roles) & mine]
    approved = targets.approved_version(ev)
    level = targets.level_of(ev.state)
    can_review = stored.can_review(ev, mine) and level is not None
    items = list(CATEGORIES) + [str(r.get("三级指标")) for r in docs.rows_of(cur.facts if cur else {})
                                if r.get("期间") == "年度"]
    from jixiao.store import indicators
    from jixiao.web.indicators import target_suggestions

    hints = indicators.suggestions(ev, cur.facts) if cur else {}
    offered = target_suggestions(request.user, ev, cur.facts) if cur else {}
    project = targets.selfeval_of(request.user, ev) if approved else None
    drift = []
    if project is not None and project.current:
        drift = targets.drift_findings(ev, project.versions.get(number=project.current).facts)
    return render(request, "web/targets/detail.html", {
        "nav": "targets", "ev": ev, "versions": vs, "cur": cur, "r": record, "s": _summary(cur.facts if cur else {}),
        "categories": _findings_by_category(record), "rows": _rows(cur.facts if cur else {}, all_opinions, hints),
        "by_level": by_level, "moves": moves, "level": level, "can_review": can_review,
        "can_edit": stored.can_edit(ev, mine), "items": list(dict.fromkeys(items)),
        "can_request": ev.state == State.FINAL and Role.UNIT in mine,
        "approvals": targets.approvals(ev), "approved": approved, "pending": targets.pending_change(ev),
        "project": project, "drift": drift, "drift_title": TARGET_CHANGED_TITLE,
        "grades": ("优", "良", "中", "差"), "first": by_level["初审"], "second": by_level["复审"],
        "asked": by_level[targets.CHANGE], **offered})


@login_required
@require_POST
def target_upload(request, pk: int):
    """The unit's next version of its draft (after a return, or for an approved 调整)."""
    ev = _target_or_404(request.user, pk)
    document, name = _read_upload(request)
    if document is None:
        return redirect("web:target", pk=ev.pk)
    try:
        base = int(request.POST.get("base") or ev.current)
        v = targets.save_version(actor=request.user, evaluation=ev, document=document, base_version=base,
                                 note=(request.POST.get("note") or "").strip() or f"上传 {name}", source=name)
    except (StoreError, ValueError) as exc:
        messages.error(request, stored.error_text(exc))
        return redirect("web:target", pk=ev.pk)
    _saved(request, v)
    return redirect("web:target", pk=ev.pk)


@login_required
@require_POST
def target_opinion(request, pk: int):
    ev = _target_or_404(request.user, pk)
    item = request.POST.get("item") or ""
    try:
        targets.give_opinion(actor=request.user, evaluation=ev, item=item, text=request.POST.get("text") or "")
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
    else:
        messages.success(request, f"已记录对“{item}”的{targets.level_of(ev.state) or ''}意见。")
    return redirect("web:target", pk=ev.pk)


@login_required
@require_POST
def target_grade(request, pk: int):
    ev = _target_or_404(request.user, pk)
    g = request.POST.get("grade") or ""
    try:
        base = int(request.POST.get("base") or 0) or None
        adj = targets.grade(actor=request.user, evaluation=ev, grade=g, reason=request.POST.get("reason") or "",
                            base_version=base)
    except (StoreError, ValueError) as exc:
        messages.error(request, stored.error_text(exc))
        return redirect("web:target", pk=ev.pk)
    cons = adj.version.score.record.get("consequence") or {}
    messages.success(request, f"已评定{adj.target.split('.')[1]}等级“{g}”：{cons.get('consequence', '')}"
                              f"（第 {adj.version.number} 版）。")
    return redirect("web:target", pk=ev.pk)


@login_required
@require_POST
def target_move(request, pk: int):
    """送审、撤回、初审通过、退回、批复: one workflow row; 批复 checks the 复审 grade first."""
    ev = _target_or_404(request.user, pk)
    action = request.POST.get("action") or ""
    t = TRANSITIONS.get(action)
    expected = request.POST.get("expected_state") or None
    try:
        if action == "finalize":
            targets.approve(actor=request.user, evaluation=ev, expected_state=expected)
        else:
            services.transition(actor=request.user, evaluation=ev, action=action, text=request.POST.get("text") or "",
                                expected_state=expected)
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
    else:
        messages.success(request, "已批复，绩效目标已锁定。" if action == "finalize" else f"已{t.label}。")
    return redirect("web:target", pk=ev.pk)


@login_required
@require_POST
def target_change(request, pk: int):
    """调整申请: back to the unit's draft with the reason; the approved version stays in force."""
    ev = _target_or_404(request.user, pk)
    try:
        targets.request_change(actor=request.user, evaluation=ev, reason=request.POST.get("reason") or "")
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
    else:
        messages.success(request, "已提交调整申请：请上传调整后的申报表并送审；批复前，原批复的目标继续有效。")
    return redirect("web:target", pk=ev.pk)


@login_required
def target_version(request, pk: int, number: int):
    """One version as it was saved, its 四性审核, and what it changed against the version before."""
    ev = _target_or_404(request.user, pk)
    vs = stored.versions(ev)
    v = next((x for x in vs if x.number == number), None)
    if v is None:
        raise Http404("没有这个版本")
    prev = next((x for x in reversed(vs) if x.number < number), None)
    approved_numbers = {a.version.number for a in targets.approvals(ev)}
    return render(request, "web/targets/version.html", {
        "nav": "targets", "ev": ev, "v": v, "prev": prev, "r": v.score.record, "s": _summary(v.facts),
        "rows": _rows(v.facts, []), "changes": docs.changes(prev.facts, v.facts) if prev else [],
        "categories": _findings_by_category(v.score.record), "approved": number in approved_numbers,
        "versions": vs})


# --- the year-end 自评表, prefilled from the approved target ---------------------------------------

FUND_FIELDS = ("年初预算数", "全年预算数", "全年执行数")
ROW_FIELDS = ("年度指标值", "实际完成值", "分值", "得分", "偏差原因")


def _selfeval_base(request, ev):
    """The stored 自评表 of the project when there is one, else the prefill from the approved target."""
    project = targets.selfeval_of(request.user, ev)
    if project is not None and project.current:
        return project, project.versions.get(number=project.current).facts
    return project, targets.prefilled(ev)


def _selfeval_post(post, base: dict) -> dict:
    doc = docs.plain(base)
    for i, line in enumerate(doc.get("项目资金") or []):
        for f in FUND_FIELDS:
            if f"f{i}.{f}" not in post:
                continue
            value = (post.get(f"f{i}.{f}") or "").strip()
            if value:
                line[f] = value
            else:
                line.pop(f, None)
    goal = dict(doc.get("年度总体目标") or {})
    if "goal_actual" in post:
        goal["实际完成情况"] = (post.get("goal_actual") or "").strip()
    doc["年度总体目标"] = {k: v for k, v in goal.items() if v}
    for i, row in enumerate(doc.get("绩效指标") or []):
        for f in ROW_FIELDS:
            if f"r{i}.{f}" not in post:
                continue
            value = (post.get(f"r{i}.{f}") or "").strip()
            if value:
                row[f] = value
            else:
                row.pop(f, None)
    return doc


@login_required
def target_selfeval(request, pk: int):
    ev = _target_or_404(request.user, pk)
    mine = {str(r) for r in selectors.roles(request.user, ev)}
    try:
        project, base = _selfeval_base(request, ev)
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
        return redirect("web:target", pk=ev.pk)
    if request.method == "POST":
        if Role.UNIT not in mine:
            messages.error(request, "只有本单位的填报人可以保存自评表。")
            return redirect("web:target_selfeval", pk=ev.pk)
        doc = _selfeval_post(request.POST, base)
        try:
            project, v = targets.save_selfeval(actor=request.user, target=ev, document=doc,
                                               note=(request.POST.get("note") or "").strip())
        except StoreError as exc:
            messages.error(request, stored.error_text(exc))
            base = doc
        else:
            if v is None:
                messages.info(request, "内容与当前版本相同，未新建版本。")
            else:
                n = sum(1 for f in v.score.record.get("findings", []) if f.get("code") == "TARGET_CHANGED")
                messages.success(request, f"自评表已保存为第 {v.number} 版" +
                                 (f"；{n} 处{TARGET_CHANGED_TITLE}，已列入复核" if n else "；年度指标值与批复目标一致。"))
            return redirect("web:target_selfeval", pk=ev.pk)
    drift = targets.drift_findings(ev, base)
    approved = targets.approved_version(ev)
    goal = base.get("年度总体目标") if isinstance(base.get("年度总体目标"), dict) else {}
    return render(request, "web/targets/selfeval.html", {
        "funds": [{"name": line.get("资金"), "cells": [(f, line.get(f)) for f in FUND_FIELDS]}
                  for line in base.get("项目资金") or [] if isinstance(line, dict)],
        "rows": [{"level1": r.get("一级指标", ""), "level2": r.get("二级指标", ""), "name": r.get("三级指标", ""),
                  "cells": [(f, r.get(f)) for f in ROW_FIELDS]} for r in base.get("绩效指标") or [] if isinstance(r, dict)],
        "head": [(k, base.get(k) or "—") for k in ("项目名称", "主管部门", "实施单位", "金额单位")],
        "money": base.get("金额单位") or "万元", "row_fields": ROW_FIELDS, "goal_expected": goal.get("预期目标", ""), "goal_actual": goal.get("实际完成情况", ""),
        "nav": "targets", "ev": ev, "doc": base, "project": project, "drift": drift, "drift_title": TARGET_CHANGED_TITLE,
        "approved": approved, "can_save": Role.UNIT in mine and (project is None or project.state == State.DRAFT),
        "fund_fields": FUND_FIELDS})


@login_required
def target_selfeval_xlsx(request, pk: int):
    """The prefilled 自评表 as the national form's workbook, to fill in offline and upload later."""
    from jixiao.intake.form_xlsx import write_workbook

    ev = _target_or_404(request.user, pk)
    try:
        _, doc = _selfeval_base(request, ev)
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
        return redirect("web:target", pk=ev.pk)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "selfeval.xlsx"
        write_workbook(doc, out)
        body = out.read_bytes()
    resp = HttpResponse(body, content_type=XLSX)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{ev.title}-{ev.year}-自评表（预填）.xlsx')}"
    return resp


urlpatterns = [
    path("targets/", target_list, name="targets"),
    path("targets/new", target_new, name="target_new"),
    path("targets/template.xlsx", target_template, name="target_template"),
    path("targets/<int:pk>/", target_detail, name="target"),
    path("targets/<int:pk>/upload", target_upload, name="target_upload"),
    path("targets/<int:pk>/opinion", target_opinion, name="target_opinion"),
    path("targets/<int:pk>/grade", target_grade, name="target_grade"),
    path("targets/<int:pk>/move", target_move, name="target_move"),
    path("targets/<int:pk>/change", target_change, name="target_change"),
    path("targets/<int:pk>/v/<int:number>", target_version, name="target_version"),
    path("targets/<int:pk>/selfeval", target_selfeval, name="target_selfeval"),
    path("targets/<int:pk>/selfeval.xlsx", target_selfeval_xlsx, name="target_selfeval_xlsx"),
]
