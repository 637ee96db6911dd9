"""Pages of one evaluation and the 工作台: login, tasks, detail, entry with live scoring, diff.

Reads go through the store's selectors (scope) and :mod:`jixiao.web.stored`; writes through
:mod:`jixiao.store.services` only. Every page here is login-only; an evaluation outside the
user's scope is a 404.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.store import selectors, services
from jixiao.store.errors import StoreError
from jixiao.store.models import Kind, Role, State
from jixiao.web import entry, stored
from jixiao.web.access import evaluation_or_404, roles

MAX_UPLOAD = 10 * 1024 * 1024


class Login(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


@login_required
def home(request):
    """工作台: the user's evaluations by state, with deadlines; those waiting on the user first."""
    mine = roles(request.user)
    evs = list(selectors.evaluations(request.user).filter(kind=Kind.DEPT).order_by("-year", "unit__path")[:500])
    returned = stored.returned_ids(evs)
    columns = {key: [] for key, _ in stored.TASK_STATES}
    for ev in evs:
        ev.due = stored.deadline(ev)
        ev.turn = stored.my_turn(ev, mine)
        columns[stored.task_state(ev, returned)].append(ev)
    for items in columns.values():
        items.sort(key=lambda e: (not e.turn, e.due or __import__("datetime").date.max))
    projects = selectors.evaluations(request.user).filter(kind=Kind.PROJECT).count()
    return render(request, "web/home.html", {
        "nav": "home", "columns": [(key, label, columns[key]) for key, label in stored.TASK_STATES],
        "projects": projects})


@login_required
def detail(request, pk: int):
    ev = evaluation_or_404(request.user, pk)
    mine = {str(r) for r in selectors.roles(request.user, ev)}
    vs = stored.versions(ev)
    cur = next((v for v in vs if v.number == ev.current), None)
    own = stored.own_version(ev)
    rows = stored.side_by_side(own.score.record if own and hasattr(own, "score") else None,
                               cur.score.record if cur and hasattr(cur, "score") else None)
    from jixiao.store.workflow import allowed_from

    moves = [t for t in allowed_from(ev.state) if set(t.roles) & mine]
    return render(request, "web/detail.html", {
        "nav": "home", "ev": ev, "versions": vs, "cur": cur, "own": own, "rows": rows,
        "differs": any(r.differs for r in rows), "moves": moves, "can_edit": stored.can_edit(ev, mine),
        "can_review": stored.can_review(ev, mine), "opinions": ev.opinions.select_related("author").order_by("-created"),
        "adjustments": ev.adjustments.select_related("author").order_by("-created")})


def _entry_context(request, ev, data: dict, problems=(), places=None, record=None, live=False):
    fw = stored.framework(ev)
    gs = entry.groups(fw, data, problems, places)
    atts = list(ev.attachments.order_by("created")) if ev.kind == Kind.DEPT else []
    by_target: dict[str, list] = {}
    for a in atts:
        by_target.setdefault(a.target, []).append(a)
    for g in gs:
        for f in g.fields:
            f.attachments = by_target.get(f.name, [])
    errors = [p for p in problems if not p.is_warning]
    return {"nav": "home", "ev": ev, "groups": gs, "record": record, "live": live, "errors": errors,
            "unplaced": entry.unplaced(problems, places), "base": ev.current, "attachments": atts}


@login_required
def edit(request, pk: int):
    """Entry: the form from the edition's facts; the score beside it follows what is typed."""
    ev = evaluation_or_404(request.user, pk)
    mine = {str(r) for r in selectors.roles(request.user, ev)}
    if not stored.can_edit(ev, mine):
        messages.error(request, f"当前状态为“{ev.get_state_display()}”，您不能修改填报内容。")
        return redirect("web:detail", pk=ev.pk)
    cur = stored.current(ev)
    data = dict(cur.facts) if cur else {"subject": ev.unit.name, "year": ev.year, "framework": ev.edition.ref,
                                        "money_unit": "万元", "facts": {}}
    if request.method == "POST":
        return _save(request, ev, data)
    record = cur.score.record if cur and hasattr(cur, "score") else None
    ctx = _entry_context(request, ev, data, record=record)
    return render(request, "web/entry.html", ctx)


def _posted(request, ev, base: dict) -> tuple[dict, entry.Draft]:
    fw = stored.framework(ev)
    data = entry.read_post(fw, request.POST, base)
    return data, stored.score_draft(ev, data)


@login_required
@require_POST
def live_score(request, pk: int):
    """HTMX: score the form as it stands, save nothing; each field's problems swapped in beside it."""
    ev = evaluation_or_404(request.user, pk)
    cur = stored.current(ev)
    base = dict(cur.facts) if cur else {"subject": ev.unit.name, "year": ev.year, "framework": ev.edition.ref,
                                        "money_unit": "万元", "facts": {}}
    data, draft = _posted(request, ev, base)
    fw = stored.framework(ev)
    gs = entry.groups(fw, data, draft.problems)
    fields = [f for g in gs for f in g.fields]
    return render(request, "web/_score.html", {
        "record": draft.record, "live": True, "errors": draft.errors, "unplaced": entry.unplaced(draft.problems),
        "oob_fields": fields})


def _save(request, ev, base: dict):
    data, draft = _posted(request, ev, base)
    note = (request.POST.get("note") or "").strip()
    if draft.errors:
        messages.error(request, f"未保存：还有 {len(draft.errors)} 处需要更正，见各栏下方的说明。")
        return render(request, "web/entry.html", _entry_context(request, ev, data, draft.problems, live=True,
                                                                  record=draft.record), status=400)
    try:
        base_number = int(request.POST.get("base") or 0)
    except ValueError:
        return HttpResponseBadRequest("base")
    try:
        v = services.save_version(actor=request.user, evaluation=ev, document=data, base_version=base_number,
                                  note=note, source="网页填报")
    except StoreError as exc:
        messages.error(request, exc.message)
        ctx = _entry_context(request, ev, data, draft.problems, record=draft.record, live=True)
        return render(request, "web/entry.html", ctx, status=exc.status)
    if v is None:
        messages.info(request, "内容与当前版本相同，未新建版本。")
    else:
        messages.success(request, f"已保存为第 {v.number} 版，得分 {_pts(v.score.total)}。")
    return redirect("web:detail", pk=ev.pk)


@login_required
@require_POST
def upload(request, pk: int):
    """Excel upload into the same form: the workbook's values fill the fields, its problems sit beside
    the fields naming their cells; nothing is saved until the user saves."""
    ev = evaluation_or_404(request.user, pk)
    mine = {str(r) for r in selectors.roles(request.user, ev)}
    if not stored.can_edit(ev, mine):
        return redirect("web:detail", pk=ev.pk)
    f = request.FILES.get("workbook")
    if f is None or not f.name.lower().endswith((".xlsx", ".xlsm")):
        messages.error(request, "请选择 .xlsx 工作簿（可先下载填报模板）。")
        return redirect("web:edit", pk=ev.pk)
    if f.size > MAX_UPLOAD:
        messages.error(request, f"工作簿过大（{f.size // 1024} KB），上限 {MAX_UPLOAD // 1024 // 1024} MB。")
        return redirect("web:edit", pk=ev.pk)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.xlsx"  # never the user's file name
        with path.open("wb") as out:
            for chunk in f.chunks():
                out.write(chunk)
        data, problems, places = entry.read_workbook(path, stored.framework_source(ev))
    cur = stored.current(ev)
    base = dict(cur.facts) if cur else {"subject": ev.unit.name, "year": ev.year, "framework": ev.edition.ref,
                                        "money_unit": "万元", "facts": {}}
    if not data:
        messages.error(request, "工作簿无法读取：" + "；".join(f"{p.where} {p.message}" for p in problems[:8]))
        return redirect("web:edit", pk=ev.pk)
    merged = dict(base)
    merged["facts"] = data.get("facts") or {}
    if data.get("money_unit"):
        merged["money_unit"] = data["money_unit"]
    draft = stored.score_draft(ev, merged)
    errors = [p for p in problems if not p.is_warning]
    if errors:
        messages.warning(request, f"已读入工作簿“{f.name}”，有 {len(errors)} 处问题，已标在对应栏目下（含单元格位置）。尚未保存。")
    else:
        messages.info(request, f"已读入工作簿“{f.name}”，请核对后保存。")
    ctx = _entry_context(request, ev, merged, problems, places, record=draft.record, live=True)
    ctx["uploaded"] = f.name
    return render(request, "web/entry.html", ctx)


@login_required
def template_xlsx(request, pk: int):
    """The workbook to fill in for this evaluation's edition (the intake's own template)."""
    ev = evaluation_or_404(request.user, pk)
    from jixiao.intake.framework import framework_path
    from jixiao.intake.layout import layout_for
    from jixiao.intake.template import build_workbook

    source = stored.framework_source(ev)
    fw = stored.framework(ev)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "template.xlsx"
        build_workbook(fw, layout_for(fw, framework_path(source))).save(out)
        body = out.read_bytes()
    resp = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(f'{ev.unit.name}-{ev.year}-填报模板.xlsx')}"
    return resp


def _pts(x) -> str:
    from jixiao.core.numbers import round_half_up

    return f"{round_half_up(x):.2f}"


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@login_required
def diff(request, pk: int):
    """Facts and scores of any two versions side by side."""
    ev = evaluation_or_404(request.user, pk)
    vs = stored.versions(ev)
    if not vs:
        messages.info(request, "尚无已保存的版本。")
        return redirect("web:detail", pk=ev.pk)
    numbers = [v.number for v in vs]

    def pick(name, default):
        try:
            n = int(request.GET.get(name, default))
        except ValueError:
            n = default
        return next((v for v in vs if v.number == n), None) or next(v for v in vs if v.number == default)

    a = pick("a", numbers[-2] if len(numbers) > 1 else numbers[0])
    b = pick("b", numbers[-1])
    rows = stored.side_by_side(a.score.record if hasattr(a, "score") else None,
                               b.score.record if hasattr(b, "score") else None)
    return render(request, "web/diff.html", {
        "nav": "home", "ev": ev, "versions": vs, "a": a, "b": b, "rows": rows,
        "facts": stored.diff_facts(a.facts, b.facts)})


__all__ = ["Login", "home", "detail", "edit", "live_score", "upload", "diff", "Role", "State"]
