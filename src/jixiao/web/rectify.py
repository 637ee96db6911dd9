"""整改 pages: the list (units see their own items, reviewers their scope; overdue marked; XLSX),
an item with its history, the reviewers' form to open one on an evaluation, the unit's report and
the reviewers' conclusion. Every write goes through :mod:`jixiao.store.rectify`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.store import rectify, selectors
from jixiao.store.errors import StoreError
from jixiao.store.models import AuditEvent, Rectification, Role
from jixiao.web import stored
from jixiao.web.access import evaluation_or_404, needs, roles
from jixiao.web.audit import ACTIONS
from jixiao.web.overview import xlsx_response

VIEWERS = {Role.UNIT, Role.DEPT, Role.FINANCE, Role.ADMIN}


def _filters(request) -> dict:
    g = request.GET
    try:
        year = int(g.get("year") or 0) or None
    except ValueError:
        year = None
    status = g.get("status") if g.get("status") in Rectification.Status.values else None
    return {"year": year, "status": status, "overdue_only": g.get("overdue") == "1"}


@needs(VIEWERS)
def rectify_list(request):
    f = _filters(request)
    items = list(rectify.filtered(rectify.visible(request.user), **f)[:1000])
    today = dt.date.today()
    return render(request, "web/rectify_list.html", {
        "nav": "rectify", "items": [(it, rectify.overdue(it, today)) for it in items], "f": f,
        "statuses": Rectification.Status.choices, "query": request.GET.urlencode()})


@needs(VIEWERS)
def rectify_export(request):
    items = list(rectify.filtered(rectify.visible(request.user), **_filters(request)))
    return xlsx_response("整改事项", list(rectify.COLUMNS), rectify.rows(items), "整改事项清单.xlsx")


def _item_or_404(user, pk: int) -> Rectification:
    item = rectify.visible(user).filter(pk=pk).first()
    if item is None:
        raise Http404("没有这个整改事项，或您无权查看")
    return item


@needs(VIEWERS)
def rectify_item(request, pk: int):
    item = _item_or_404(request.user, pk)
    mine = roles(request.user)
    is_unit = item.unit_id in {m.unit_id for m in selectors.memberships(request.user) if m.role == Role.UNIT}
    events = [(e, ACTIONS.get(e.action, e.action)) for e in
              AuditEvent.objects.filter(object_type="Rectification", object_id=str(item.pk)).order_by("at", "id")]
    return render(request, "web/rectify_item.html", {
        "nav": "rectify", "item": item, "overdue": rectify.overdue(item), "events": events,
        "may_report": is_unit and item.status == Rectification.Status.OPEN,
        "may_conclude": bool(mine & rectify.OPENERS) and item.status == Rectification.Status.REPORTED,
        "conclusions": [c for c in Rectification.Conclusion.choices if c[0]]})


@needs(rectify.OPENERS)
def rectify_new(request, ev_pk: int):
    ev = evaluation_or_404(request.user, ev_pk)
    form = {"problem": request.GET.get("problem", ""), "requirement": "", "due": f"{ev.year + 1}-06-30",
            "source": request.GET.get("source") or rectify.SOURCES[0]}
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("problem", "requirement", "due", "source")}
        try:
            item = rectify.create(actor=request.user, evaluation=ev, **form)
        except StoreError as exc:
            messages.error(request, stored.error_text(exc))
        else:
            messages.success(request, f"已提出整改要求（编号 {item.pk}），责任单位：{item.unit.name}。")
            return redirect("web:rectify_item", pk=item.pk)
    return render(request, "web/rectify_new.html", {"nav": "rectify", "ev": ev, "form": form,
                                                     "sources": rectify.SOURCES})


@needs(VIEWERS)
@require_POST
def rectify_report(request, pk: int):
    item = _item_or_404(request.user, pk)
    try:
        rectify.report(actor=request.user, item=item, result=request.POST.get("result") or "")
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
    else:
        messages.success(request, "整改结果已报送，等待审核认定。")
    return redirect("web:rectify_item", pk=item.pk)


@needs(rectify.OPENERS)
@require_POST
def rectify_conclude(request, pk: int):
    item = _item_or_404(request.user, pk)
    try:
        item = rectify.conclude(actor=request.user, item=item, conclusion=request.POST.get("conclusion") or "",
                                note=request.POST.get("note") or "")
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
    else:
        messages.success(request, f"已认定：{item.get_conclusion_display()}；状态：{item.get_status_display()}。")
    return redirect("web:rectify_item", pk=item.pk)
