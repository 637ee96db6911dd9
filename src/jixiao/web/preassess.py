"""事前绩效评估 pages: the list (a project unit, 主管部门 or 财政 starts one from a blank form or an
uploaded scoring sheet), the detail with the five dimensions by expert, the combined score, the
outcome and its reason and the hints; 财政 assigns experts (and takes off one who has not marked) and
records the outcome; an assigned expert enters their own marks — and sees only their own.

Reads through the store's selectors, writes through :mod:`jixiao.store.preassess` only; an
assessment outside the user's scope (an expert's: not assigned to them) is a 404.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from jixiao.store import preassess, selectors, services
from jixiao.store.errors import Invalid, StoreError
from jixiao.store.models import Kind, Role, State
from jixiao.web import stored
from jixiao.web.access import roles
from jixiao.web.audit import ACTIONS

ACTIONS.update({"preassess.conclude": "记录事前评估结论", "transition.conclude": "事前评估结论生效",
                "expert.unassign": "撤销专家指派"})
CREATORS = {Role.UNIT, Role.DEPT, Role.FINANCE, Role.ADMIN}
MONEY_UNITS = ("万元", "元", "千元", "亿元")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _get_or_404(user, pk: int):
    ev = selectors.evaluation(user, pk)
    if ev is None or ev.kind != Kind.PREASSESS:
        raise Http404("没有这项事前评估，或您无权查看")
    return ev


def _creatable_units(user):
    """The units the user may start an assessment for: their own, or those in their scope."""
    mine = roles(user)
    if not mine & CREATORS:
        return []
    return list(selectors.units(user).order_by("path")[:500])


@login_required
def preassess_list(request):
    try:
        year = int(request.GET.get("year") or 0) or None
    except ValueError:
        year = None
    evs = list(preassess.visible(request.user, year).annotate(n_assigned=Count("assignments", distinct=True))[:1000])
    units = _creatable_units(request.user)
    return render(request, "web/preassess.html", {
        "nav": "preassess", "evs": evs, "units": units, "year": year,
        "expert_only": roles(request.user) == {Role.EXPERT}, "new_year": dt.date.today().year + 1,
        "money_units": MONEY_UNITS})


def _unit_for(request):
    code = (request.POST.get("unit") or "").strip()
    unit = next((u for u in _creatable_units(request.user) if u.code == code), None)
    if unit is None:
        raise Invalid(f"请选择单位（“{code or '未选择'}”不在您可选的单位中）", [], "E-ST-FIELD")
    return unit


@login_required
@require_POST
def preassess_new(request):
    """A blank form: the header only; the assigned experts mark it."""
    p = request.POST
    document = {"项目名称": (p.get("project") or "").strip(), "主管部门": (p.get("department") or "").strip(),
                "申请资金": (p.get("amount") or "").strip() or None, "金额单位": p.get("money_unit") or "万元",
                "年度": (p.get("year") or "").strip() or None, "表名": "事前绩效评估专家评分表"}
    if not document["项目名称"]:
        messages.error(request, "新建未成功：请填写“项目名称”。")
        return redirect("web:preassess")
    try:
        ev, _ = preassess.create(actor=request.user, unit=_unit_for(request), document=document, source="网页新建")
    except StoreError as exc:
        messages.error(request, "新建未成功：" + stored.error_text(exc))
        return redirect("web:preassess")
    messages.success(request, f"已新建“{ev.title}”的事前评估；请指派专家评分。")
    return redirect("web:preassess_item", pk=ev.pk)


@login_required
@require_POST
def preassess_upload(request):
    f = request.FILES.get("file")
    if f is None:
        messages.error(request, "请选择要上传的事前评估专家评分表（.yaml、.json 或 .xlsx）。")
        return redirect("web:preassess")
    try:
        unit = _unit_for(request)
        document = preassess.read_upload(name=f.name, data=f.read(settings.JIXIAO_MAX_UPLOAD + 1))
        ev, _ = preassess.create(actor=request.user, unit=unit, document=document, source=services.safe_name(f.name))
    except StoreError as exc:
        messages.error(request, "上传未成功：" + stored.error_text(exc))
        return redirect("web:preassess")
    messages.success(request, f"已按评分表新建“{ev.title}”的事前评估。")
    return redirect("web:preassess_item", pk=ev.pk)


def _table(vw: preassess.View) -> list[dict]:
    """One row per dimension: each shown expert's mark (and its points), the mean and the grade."""
    result = {d["name"]: d for d in vw.record.get("dimensions", [])}
    rows = []
    for d in vw.dims:
        cells = []
        for e in vw.experts:
            given, pts = e["marks"].get(d["name"]), e["points"].get(d["name"])
            cells.append({"given": given, "points": pts, "grade": isinstance(given, str)})
        r = result.get(d["name"], {})
        rows.append({**d, "cells": cells, "score": r.get("score"), "grade": r.get("grade", ""), "trace": r.get("trace", "")})
    return rows


@login_required
def preassess_item(request, pk: int):
    ev = _get_or_404(request.user, pk)
    vw = preassess.view(request.user, ev)
    held = {str(r) for r in selectors.roles(request.user, ev)}
    is_open = ev.state != State.FINAL
    may_decide = bool(held & {Role.FINANCE, Role.ADMIN})
    may_mark = is_open and ev.assignments.filter(user=request.user).exists()
    assigned = set(vw.assigned)
    choices = [u.get_username() for u in preassess.expert_users()] if may_decide and is_open else []
    return render(request, "web/preassess_item.html", {
        "nav": "preassess", "ev": ev, "vw": vw, "rows": _table(vw), "record": vw.record,
        "hints": vw.record.get("findings", []), "may_decide": may_decide and is_open, "may_mark": may_mark,
        "assign_choices": [u for u in choices if u not in assigned], "outcomes": preassess.outcomes(ev),
        "unassignable": [u for u in vw.assigned if u not in vw.marked],
        "mine": vw.mine or {}, "dims": vw.dims, "reopenable": may_decide and not is_open})


@login_required
@require_POST
def preassess_assign(request, pk: int):
    ev = _get_or_404(request.user, pk)
    username = request.POST.get("username") or ""
    try:
        preassess.assign(actor=request.user, evaluation=ev, username=username)
    except StoreError as exc:
        messages.error(request, "指派未成功：" + stored.error_text(exc))
    else:
        messages.success(request, f"已指派专家 {username}。")
    return redirect("web:preassess_item", pk=ev.pk)


@login_required
@require_POST
def preassess_unassign(request, pk: int):
    ev = _get_or_404(request.user, pk)
    username = request.POST.get("username") or ""
    try:
        preassess.unassign(actor=request.user, evaluation=ev, username=username, reason=request.POST.get("reason") or "")
    except StoreError as exc:
        messages.error(request, "撤销指派未成功：" + stored.error_text(exc))
    else:
        messages.success(request, f"已撤销专家 {username} 的指派。")
    return redirect("web:preassess_item", pk=ev.pk)


@login_required
@require_POST
def preassess_mark(request, pk: int):
    ev = _get_or_404(request.user, pk)
    marks = {d["name"]: request.POST.get(f"mark-{i}", "") for i, d in enumerate(preassess.dimensions(ev))}
    try:
        base = int(request.POST.get("base_version") or 0) or None
        preassess.mark(actor=request.user, evaluation=ev, marks=marks, comment=request.POST.get("comment") or "",
                       title=request.POST.get("title") or "", employer=request.POST.get("employer") or "",
                       base_version=base)
    except ValueError:
        messages.error(request, "评分未保存：页面版本号无效，请刷新后重试。")
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
    else:
        messages.success(request, "已保存您的评分。")
    return redirect("web:preassess_item", pk=ev.pk)


@login_required
@require_POST
def preassess_conclude(request, pk: int):
    ev = _get_or_404(request.user, pk)
    outcome = request.POST.get("outcome") or ""
    try:
        if request.POST.get("action") == "reopen":
            services.transition(actor=request.user, evaluation=ev, action="reopen", text=request.POST.get("reason") or "")
            messages.success(request, "已重新打开，专家可以修改评分。")
        else:
            preassess.conclude(actor=request.user, evaluation=ev, outcome=outcome, reason=request.POST.get("reason") or "")
            messages.success(request, f"已记录评估结论：{outcome}。")
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
    return redirect("web:preassess_item", pk=ev.pk)


@login_required
def preassess_template(request):
    response = HttpResponse(preassess.template_bytes(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('事前绩效评估专家评分表.xlsx')}"
    return response


urlpatterns = [
    path("preassess/", preassess_list, name="preassess"),
    path("preassess/template.xlsx", preassess_template, name="preassess_template"),
    path("preassess/new", preassess_new, name="preassess_new"),
    path("preassess/upload", preassess_upload, name="preassess_upload"),
    path("preassess/<int:pk>/", preassess_item, name="preassess_item"),
    path("preassess/<int:pk>/assign", preassess_assign, name="preassess_assign"),
    path("preassess/<int:pk>/unassign", preassess_unassign, name="preassess_unassign"),
    path("preassess/<int:pk>/mark", preassess_mark, name="preassess_mark"),
    path("preassess/<int:pk>/conclude", preassess_conclude, name="preassess_conclude"),
]
