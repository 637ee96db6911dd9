"""绩效运行监控 pages: units upload their monitoring form (YAML, JSON or the XLSX template) and add 纠偏措施 to red
lights before 送审; 主管部门 and 财政 see the map of lights by 主管部门 and project, open a red
project and create a 整改 item from it. Lights and reasons come from the store's record."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core.errors import InvalidInput
from jixiao.store import monitoring, selectors, services
from jixiao.store.errors import Invalid, StoreError, from_invalid_input
from jixiao.store.models import Kind, Role, State
from jixiao.web import stored
from jixiao.web.access import evaluation_or_404, needs, roles
from jixiao.web.rectify import VIEWERS

REVIEWERS = {Role.DEPT, Role.FINANCE, Role.ADMIN}
TEMPLATE_EDITION = "national-monitoring/2019"
COLOURS = {"红": "#c0392b", "黄": "#e0a800", "绿": "#2e8b57", "蓝": "#2f6fb0"}


def _years(user) -> list[int]:
    return sorted(set(selectors.evaluations(user).filter(kind=Kind.MONITOR).values_list("year", flat=True)), reverse=True)


def _unit_of(user):
    return next((m.unit for m in selectors.memberships(user) if m.role == Role.UNIT and m.unit_id), None)


@needs(VIEWERS)
def monitoring_home(request):
    years = _years(request.user)
    try:
        year = int(request.GET.get("year") or (years[0] if years else dt.date.today().year))
    except ValueError:
        year = years[0] if years else dt.date.today().year
    rows = monitoring.light_map(request.user, year)
    current = monitoring.latest(rows)  # a project filed for several periods counts once on the map: its latest
    depts = list(dict.fromkeys(r.dept for r in current))
    chart = {"tooltip": {"trigger": "axis"}, "legend": {"data": [f"{c}灯" for c in monitoring.LIGHTS]},
             "xAxis": {"type": "category", "data": depts}, "yAxis": {"type": "value", "minInterval": 1},
             "series": [{"name": f"{c}灯", "type": "bar", "stack": "lights", "itemStyle": {"color": COLOURS[c]},
                         "data": [sum(r.counts[c] for r in current if r.dept == d) for d in depts]}
                        for c in monitoring.LIGHTS],
             "aria": {"enabled": True}}
    trend = monitoring.trend(rows)
    trend_chart = {"tooltip": {"trigger": "axis"}, "legend": {"data": [f"{c}灯" for c in monitoring.LIGHTS]},
                   "xAxis": {"type": "category", "data": trend.labels, "name": "监控期间"},
                   "yAxis": {"type": "value", "minInterval": 1, "name": "灯数"},
                   "series": [{"name": f"{c}灯", "type": "line", "itemStyle": {"color": COLOURS[c]},
                               "data": trend.totals[c]} for c in monitoring.LIGHTS],
                   "aria": {"enabled": True}}
    return render(request, "web/monitoring.html", {
        "nav": "monitoring", "years": years, "year": year, "rows": rows, "chart": chart, "trend": trend,
        "trend_chart": trend_chart, "unit": _unit_of(request.user), "reviewer": bool(roles(request.user) & REVIEWERS)})


@needs({Role.UNIT})
@require_POST
def monitoring_upload(request):
    unit = _unit_of(request.user)
    f = request.FILES.get("file")
    if unit is None or f is None:
        messages.error(request, "请选择要上传的运行监控表文件（.xlsx、.yaml 或 .json）。")
        return redirect("web:monitoring")
    try:
        document = _read(f.name, f.read(settings.JIXIAO_MAX_UPLOAD + 1))
        ev, v = monitoring.save(actor=request.user, unit=unit, document=document, source=services.safe_name(f.name))
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
        return redirect("web:monitoring")
    messages.success(request, f"已保存“{ev.title}”第 {ev.current} 版。" if v else f"“{ev.title}”内容未变。")
    return redirect("web:monitoring_item", pk=ev.pk)


def _read(name: str, data: bytes) -> dict:
    from jixiao.intake.documents import read_document
    from jixiao.intake.monitoring_xlsx import read_workbook
    from jixiao.store.scoring import plain

    safe = services.safe_name(name)
    if len(data) > settings.JIXIAO_MAX_UPLOAD:
        raise Invalid(f"文件“{safe}”超过大小上限 {settings.JIXIAO_MAX_UPLOAD // 1048576} MB", [], "E-ST-TOO-LARGE")
    if Path(safe).suffix.lower() not in (".xlsx", ".yaml", ".yml", ".json"):
        raise Invalid(f"不支持的文件格式“{Path(safe).suffix or '无扩展名'}”：请上传 .xlsx（jixiao template 生成的监控表模板）、"
                      ".yaml 或 .json 的运行监控表", [], "E-IN-FORMAT")
    with tempfile.TemporaryDirectory(prefix="jixiao-monitoring-") as tmp:
        p = Path(tmp) / safe
        p.write_bytes(data)
        try:
            return plain(read_document(p, read_workbook).data)  # a workbook: the monitoring layout, its guards
        except InvalidInput as exc:
            raise from_invalid_input(exc, safe) from None


@needs(VIEWERS)
def monitoring_template(request):
    """The blank XLSX template of a monitoring form (the intake's own layout), for ``?edition=``
    one of the shipped monitoring editions (the national project form by default)."""
    from urllib.parse import quote

    from django.http import HttpResponse

    from jixiao.intake.cycle import cycle_editions, load_edition
    from jixiao.intake.monitoring_xlsx import write_workbook

    ref = request.GET.get("edition") or TEMPLATE_EDITION
    if ref not in {i for i, _ in cycle_editions("monitoring")}:
        raise Http404("没有这个运行监控预警规则")
    ed = load_edition(ref, "monitoring")
    with tempfile.TemporaryDirectory(prefix="jixiao-monitoring-") as tmp:
        out = Path(tmp) / "monitoring.xlsx"
        write_workbook({}, out, ed)
        body = out.read_bytes()
    resp = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(ed.name + '-模板.xlsx')}"
    return resp


def _monitoring_or_404(user, pk: int):
    ev = evaluation_or_404(user, pk)
    if ev.kind != Kind.MONITOR:
        raise Http404("这不是运行监控表")
    return ev


@needs(VIEWERS)
def monitoring_item(request, pk: int):
    ev = _monitoring_or_404(request.user, pk)
    v = ev.versions.select_related("score").get(number=ev.current)
    record = v.score.record
    mine = {str(r) for r in selectors.roles(request.user, ev)}
    editable = ev.state == State.DRAFT and Role.UNIT in mine
    measures = {str(lt.get("subject", "")): next((r.get("纠偏措施") or "" for r in monitoring.measure_rows(v.facts, lt.get("subject", ""))), "")
                for lt in record.get("lights", [])}
    blockers = {f.get("indicator") or "项目资金" for f in monitoring.blockers(ev)}
    lights = [({**lt, "shown": _percent(lt.get("value"))}, measures.get(lt.get("subject", ""), ""),
               (lt.get("subject") or "项目资金") in blockers) for lt in record.get("lights", [])]
    return render(request, "web/monitoring_item.html", {
        "nav": "monitoring", "ev": ev, "version": v, "record": record, "lights": lights, "editable": editable,
        "blocked": bool(blockers), "reviewer": bool(mine & REVIEWERS), "colours": COLOURS,
        "can_submit": editable, "findings": record.get("findings", []), "decisions": monitoring.decisions(ev),
        "decision": v.facts.get("处理决定") or "", "periods": monitoring.periods_of(request.user, ev),
        "deadline": monitoring.decision_deadline(ev),
        "problem": f"{ev.title}运行监控红灯：" + "、".join(lt.get("subject") or "项目资金" for lt in record.get("lights", [])
                                                    if lt.get("light") == "红")})


def _percent(value) -> str:
    """A light's value is a share (执行进度, 完成进度); shown as the reason shows it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "—" if value is None else str(value)
    return f"{value * 100:.2f}%"


@needs({Role.UNIT})
@require_POST
def monitoring_measure(request, pk: int):
    ev = _monitoring_or_404(request.user, pk)
    indicator = request.POST.get("indicator") or ""
    try:
        monitoring.add_measure(actor=request.user, evaluation=ev, indicator=indicator,
                               measure=request.POST.get("measure") or "")
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
    else:
        messages.success(request, f"已填写“{indicator}”的纠偏措施。")
    return redirect("web:monitoring_item", pk=ev.pk)


@needs({Role.UNIT})
@require_POST
def monitoring_decide(request, pk: int):
    ev = _monitoring_or_404(request.user, pk)
    decision = request.POST.get("decision") or ""
    try:
        monitoring.decide(actor=request.user, evaluation=ev, decision=decision)
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
    else:
        messages.success(request, f"已作出处理决定：{decision}。")
    return redirect("web:monitoring_item", pk=ev.pk)


@needs(VIEWERS)
@require_POST
def monitoring_move(request, pk: int):
    """送审 by the unit (refused while a red light lacks its 纠偏措施), 审核通过 by the reviewers."""
    ev = _monitoring_or_404(request.user, pk)
    action = request.POST.get("action") or ""
    if action not in ("submit", "approve", "finalize"):
        raise Http404("没有这个操作")
    try:
        services.transition(actor=request.user, evaluation=ev, action=action,
                            expected_state=request.POST.get("expected_state") or None)
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
    else:
        messages.success(request, {"submit": "已送审。", "approve": "主管部门已审核通过。", "finalize": "财政已审核通过。"}[action])
    return redirect("web:monitoring_item", pk=ev.pk)
