"""结果应用 for 主管部门 and 财政: next year's budget advice for every graded evaluation of a year, by
the rule table (:mod:`jixiao.store.apply`), with what each advice class touches, an XLSX for the
budget division, and — for 财政 only — an override with a reason that keeps the table's advice beside it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jixiao.store import apply, selectors
from jixiao.store.errors import StoreError
from jixiao.store.models import Kind, Role
from jixiao.web import stored
from jixiao.web.access import OVERVIEW_ROLES, evaluation_or_404, needs, roles

DECIDERS = {Role.FINANCE, Role.ADMIN}


def _years(user) -> list[int]:
    qs = selectors.evaluations(user).filter(kind__in=[Kind.DEPT, Kind.PROJECT], current__gt=0)
    return sorted(set(qs.values_list("year", flat=True)), reverse=True)


def _year(request, years: list[int]) -> int:
    try:
        return int(request.GET.get("year") or (years[0] if years else 0))
    except ValueError:
        return years[0] if years else 0


@needs(OVERVIEW_ROLES)
def apply_page(request):
    years = _years(request.user)
    year = _year(request, years)
    final_only = request.GET.get("final") == "1"
    table = apply.load_table()
    rows = apply.advice(selectors.evaluations(request.user), year, table, final_only)
    summary = apply.summary(rows)
    labels = [f"{s['advice']}（{s['money_unit']}）" for s in summary]
    chart = {"tooltip": {"trigger": "axis"}, "legend": {"data": ["本年预算数", "下年建议数"]},
             "xAxis": {"type": "category", "data": labels}, "yAxis": {"type": "value"},
             "series": [{"name": "本年预算数", "type": "bar", "data": [round(s["budget"], 2) for s in summary],
                         "label": {"show": True, "position": "top"}},
                        {"name": "下年建议数", "type": "bar", "data": [round(s["next_budget"], 2) for s in summary],
                         "label": {"show": True, "position": "top"}}],
             "aria": {"enabled": True}}
    return render(request, "web/apply.html", {
        "nav": "apply", "years": years, "year": year, "final_only": final_only, "table": table, "rows": rows,
        "summary": summary, "chart": chart, "advices": apply.advices(table),
        "may_decide": bool(roles(request.user) & DECIDERS)})


@needs(OVERVIEW_ROLES)
def apply_export(request):
    years = _years(request.user)
    year = _year(request, years)
    table = apply.load_table()
    rows = apply.advice(selectors.evaluations(request.user), year, table, request.GET.get("final") == "1")
    with tempfile.TemporaryDirectory(prefix="jixiao-apply-") as tmp:
        path = Path(tmp) / "apply.xlsx"
        apply.write_xlsx(rows, year, table, path)
        data = path.read_bytes()
    resp = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{year}-结果应用-{year + 1}年度预算建议.xlsx')}"
    return resp


@needs(DECIDERS)
@require_POST
def apply_decide(request, pk: int):
    ev = evaluation_or_404(request.user, pk)
    try:
        d = apply.decide(actor=request.user, evaluation=ev, advice=request.POST.get("advice") or "",
                         reason=request.POST.get("reason") or "", table=apply.load_table())
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
    else:
        messages.success(request, f"已将“{ev.title}”的建议由“{d.table_advice}”调整为“{d.advice}”。")
    return redirect(reverse("web:apply") + f"?year={ev.year}#e{ev.pk}")
