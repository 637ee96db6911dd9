"""总览 for 财政 and 主管部门: ranking, grade distribution, points lost by indicator across units (heat
map), a unit's years side by side; every table downloadable as XLSX. Scope is the store's selector.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from jixiao.store import selectors
from jixiao.store.models import Kind, Score
from jixiao.web.access import OVERVIEW_ROLES, needs
from jixiao.web.stored import pts

GRADES = ["优", "良", "中", "差"]


@dataclass
class Ranked:
    rank: int
    ev: object
    total: float
    grade: str
    record: dict


def current_scores(qs) -> dict[int, Score]:
    """Each evaluation's current version's score, in one query."""
    rows = (Score.objects.filter(version__evaluation__in=qs, version__number=F("version__evaluation__current"))
            .select_related("version"))
    return {s.version.evaluation_id: s for s in rows}


def _years(user) -> list[int]:
    return sorted(set(selectors.evaluations(user).filter(kind=Kind.DEPT).values_list("year", flat=True)), reverse=True)


def ranking(user, year: int) -> list[Ranked]:
    # the editions' frozen frameworks (~60 KB of JSON each) are not needed for a ranking
    qs = selectors.evaluations(user).filter(kind=Kind.DEPT, year=year).defer("edition__framework")
    scores = current_scores(qs)
    evs = [e for e in qs if e.id in scores]
    evs.sort(key=lambda e: -scores[e.id].total)
    out, last, rank = [], None, 0
    for i, e in enumerate(evs, 1):
        s = scores[e.id]
        shown = pts(s.total)
        if shown != last:  # equal shown totals share a place (并列)
            rank, last = i, shown
        out.append(Ranked(rank, e, s.total, s.grade, s.record))
    return out


def losses(ranked: list[Ranked]) -> tuple[list[str], list[str], list[list]]:
    """Points lost per leaf indicator per unit: (indicators, units, [x, y, lost])."""
    indicators: list[str] = []
    for r in ranked:
        parents = {i["parent"] for i in r.record.get("indicators", [])}
        for i in r.record.get("indicators", []):
            if i["id"] not in parents and i["name"] not in indicators:
                indicators.append(i["name"])
    units = [r.ev.unit.name for r in ranked]
    cells = []
    for y, r in enumerate(ranked):
        parents = {i["parent"] for i in r.record.get("indicators", [])}
        by_name = {i["name"]: i for i in r.record.get("indicators", []) if i["id"] not in parents}
        for x, name in enumerate(indicators):
            i = by_name.get(name)
            if i is None:
                continue
            lost = i["weight"] - (i["score"] or 0.0)
            cells.append([x, y, round(max(0.0, lost), 2)])
    return indicators, units, cells


@needs(OVERVIEW_ROLES)
def overview(request):
    years = _years(request.user)
    try:
        year = int(request.GET.get("year") or (years[0] if years else 0))
    except ValueError:
        year = years[0] if years else 0
    ranked = ranking(request.user, year)
    dist = {g: sum(1 for r in ranked if r.grade == g) for g in GRADES}
    inds, units, cells = losses(ranked)
    links = {r.ev.unit.name: reverse("web:unit_years", args=[r.ev.unit_id]) for r in ranked}
    grade_chart = {"tooltip": {}, "xAxis": {"type": "category", "data": GRADES}, "yAxis": {"type": "value", "minInterval": 1},
                   "series": [{"type": "bar", "data": [dist[g] for g in GRADES], "label": {"show": True, "position": "top"}}],
                   "aria": {"enabled": True}}
    heat = {"tooltip": {"position": "top"}, "grid": {"left": 160, "bottom": 150, "top": 10, "right": 20},
            "xAxis": {"type": "category", "data": inds, "axisLabel": {"rotate": 60, "interval": 0, "fontSize": 10}},
            "yAxis": {"type": "category", "data": units, "axisLabel": {"fontSize": 11}},
            "visualMap": {"min": 0, "max": max([c[2] for c in cells] or [1]), "calculable": True, "orient": "horizontal",
                          "left": "center", "bottom": 0, "inRange": {"color": ["#f7fbff", "#fdae61", "#a50026"]}},
            "series": [{"type": "heatmap", "data": cells, "label": {"show": True, "fontSize": 9}}],
            "aria": {"enabled": True}, "links": links}
    grid = {(c[0], c[1]): c[2] for c in cells}  # one lookup per table cell, not a scan of all cells
    return render(request, "web/overview.html", {
        "nav": "overview", "years": years, "year": year, "ranked": ranked, "dist": dist,
        "grade_chart": grade_chart, "heat": heat,
        "heat_rows": [(u, [grid.get((x, y)) for x in range(len(inds))]) for y, u in enumerate(units)], "inds": inds})


def unit_history(user, uid: int):
    unit = selectors.units(user).filter(pk=uid).first()
    if unit is None:
        raise Http404("没有这个单位，或您无权查看")
    qs = selectors.evaluations(user).filter(kind=Kind.DEPT, unit=unit).order_by("year")
    scores = current_scores(qs)
    cols = [(e, scores.get(e.id)) for e in qs]
    names: list[tuple[str, int, float]] = []
    for _, s in cols:
        for i in (s.record.get("indicators", []) if s else []):
            if i["level"] <= 2 and (i["name"], i["level"], i["weight"]) not in names:
                names.append((i["name"], i["level"], i["weight"]))
    rows = []
    for name, level, weight in names:
        vals = []
        for _, s in cols:
            hit = next((i for i in (s.record.get("indicators", []) if s else []) if i["name"] == name), None)
            vals.append(hit["score"] if hit else None)
        rows.append((name, level, weight, vals))
    return unit, cols, rows


@needs(OVERVIEW_ROLES)
def unit_years(request, uid: int):
    unit, cols, rows = unit_history(request.user, uid)
    chart = {"tooltip": {"trigger": "axis"}, "xAxis": {"type": "category", "data": [str(e.year) for e, _ in cols]},
             "yAxis": {"type": "value", "min": 0, "max": 100},
             "series": [{"type": "line", "data": [round(s.total, 2) if s else None for _, s in cols], "label": {"show": True}}],
             "aria": {"enabled": True}}
    return render(request, "web/unit_years.html", {"nav": "overview", "unit": unit, "cols": cols, "rows": rows,
                                                    "chart": chart})


def xlsx_response(title: str, header: list[str], rows: list[list], filename: str) -> HttpResponse:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet(title[:31])
    bold = wb.add_format({"bold": True, "bg_color": "#EEF1F5", "border": 1})
    cell = wb.add_format({"border": 1})
    ws.write_row(0, 0, header, bold)
    for r, row in enumerate(rows, 1):
        ws.write_row(r, 0, row, cell)
    ws.set_column(0, 0, 30)
    ws.set_column(1, max(1, len(header) - 1), 14)
    wb.close()
    from urllib.parse import quote

    resp = HttpResponse(buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return resp


@needs(OVERVIEW_ROLES)
def export(request, table: str):
    """Every 总览 table as XLSX: ranking, grades, losses (heat map), or one unit's years."""
    try:
        year = int(request.GET.get("year") or 0)
    except ValueError:
        year = 0
    if table == "unit":
        try:
            unit, cols, rows = unit_history(request.user, int(request.GET.get("unit") or 0))
        except ValueError:
            raise Http404("单位编号无效") from None
        header = ["指标", "分值"] + [f"{e.year} 年" for e, _ in cols]
        body = [[("　" * (lv - 1)) + n, w] + [None if v is None else round(v, 2) for v in vals] for n, lv, w, vals in rows]
        body.append(["合计", 100] + [round(s.total, 2) if s else None for _, s in cols])
        return xlsx_response("历年对比", header, body, f"{unit.name}-历年对比.xlsx")
    ranked = ranking(request.user, year)
    if table == "ranking":
        body = [[r.rank, r.ev.unit.code, r.ev.unit.name, round(r.total, 2), r.grade, r.ev.get_state_display()] for r in ranked]
        return xlsx_response("排名", ["名次", "单位编码", "单位", "得分", "等级", "状态"], body, f"{year}-排名.xlsx")
    if table == "grades":
        body = [[g, sum(1 for r in ranked if r.grade == g)] for g in GRADES]
        return xlsx_response("等级分布", ["等级", "单位数"], body, f"{year}-等级分布.xlsx")
    if table == "losses":
        inds, units, cells = losses(ranked)
        grid = {(c[0], c[1]): c[2] for c in cells}
        body = [[u] + [grid.get((x, y)) for x in range(len(inds))] for y, u in enumerate(units)]
        return xlsx_response("失分", ["单位"] + inds, body, f"{year}-各指标失分.xlsx")
    raise Http404("没有这张表")
