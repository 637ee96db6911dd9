"""Pages of one evaluation and the 工作台: login, tasks, detail, entry with live scoring, diff.

Reads go through the store's selectors (scope) and :mod:`jixiao.web.stored`; writes through
:mod:`jixiao.store.services` only. Every page here is login-only; an evaluation outside the
user's scope is a 404.
"""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
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
    # Totals come from the evaluation's own copy of its current score; the editions' frozen
    # frameworks (~60 KB of JSON each) are not read for a list.
    evs = list(selectors.evaluations(request.user).filter(kind=Kind.DEPT).defer("edition__framework")
               .order_by("-year", "unit__path")[:500])
    returned = stored.returned_ids(evs)
    columns = {key: [] for key, _ in stored.TASK_STATES}
    for ev in evs:
        ev.due = stored.deadline(ev)
        ev.turn = stored.my_turn(ev, mine)
        ev.score_total = ev.total if ev.current else None
        columns[stored.task_state(ev, returned)].append(ev)
    for items in columns.values():
        items.sort(key=lambda e: (not e.turn, e.due or datetime.date.max))
    projects = selectors.evaluations(request.user).filter(kind=Kind.PROJECT).count()
    from jixiao.frameworks import editions

    shipped = editions()
    my_units = [m.unit for m in selectors.memberships(request.user) if m.role == Role.UNIT and m.unit]
    # the year after the newest one the user has: the 自评 most likely due next
    latest = max(e.year for e in evs) + 1 if evs else datetime.date.today().year - 1
    # the edition of the user's newest department evaluation: a unit keeps its framework year to year
    dept = [e for e in evs if e.edition.ref in shipped]
    usual = max(dept, key=lambda e: e.year).edition.ref if dept else None
    return render(request, "web/home.html", {
        "nav": "home", "columns": [(key, label, columns[key]) for key, label in stored.TASK_STATES],
        "projects": projects, "my_units": my_units, "new_year": latest, "editions": shipped, "usual_edition": usual})


@login_required
def detail(request, pk: int):
    ev = evaluation_or_404(request.user, pk, framework=False)
    if ev.kind == Kind.TARGET:  # a target has its own pages (jixiao.web.targets)
        return redirect("web:target", pk=ev.pk)
    if ev.kind == Kind.MONITOR:  # so is a monitoring form (jixiao.web.monitoring)
        return redirect("web:monitoring_item", pk=ev.pk)
    if ev.kind == Kind.PREASSESS:  # and a pre-assessment (jixiao.web.preassess)
        return redirect("web:preassess_item", pk=ev.pk)
    mine = {str(r) for r in selectors.roles(request.user, ev)}
    # The list shows totals only; the two versions compared below are read whole (their records).
    vs = stored.version_list(ev)
    own = stored.own_version(ev, facts=False)
    cur = own if own is not None and own.number == ev.current else stored.current(ev, facts=False)
    rows = stored.side_by_side(own.score.record if own and hasattr(own, "score") else None,
                               cur.score.record if cur and hasattr(cur, "score") else None)
    from jixiao.store.workflow import allowed_from

    moves = [t for t in allowed_from(ev.state) if set(t.roles) & mine]
    return render(request, "web/detail.html", {
        "nav": "home", "ev": ev, "versions": vs, "cur": cur, "own": own, "rows": rows,
        "differs": any(r.differs for r in rows), "moves": moves, "can_edit": stored.can_edit(ev, mine),
        "can_review": stored.can_review(ev, mine), "opinions": ev.opinions.select_related("author").order_by("-created"),
        "adjustments": ev.adjustments.select_related("author").order_by("-created")})


class Target:
    """What an entry form fills in: an evaluation's next version, or a new evaluation (unit, year, edition)."""

    def __init__(self, ev=None, unit=None, year=None, fw_ref=None):
        self.ev = ev
        self.unit = ev.unit if ev else unit
        self.year = ev.year if ev else year
        self.fw_ref = ev.edition.ref if ev else fw_ref

    def source(self) -> str:
        return stored.framework_source(self.ev) if self.ev else self.fw_ref

    def framework(self):
        if self.ev:
            return stored.framework(self.ev)
        from jixiao.intake.framework import load_framework

        return load_framework(self.fw_ref)

    def base(self) -> dict:
        facts = stored.current_facts(self.ev) if self.ev else None
        if facts:
            return dict(facts)
        return {"subject": self.unit.name, "year": self.year, "framework": self.fw_ref, "money_unit": "万元", "facts": {}}

    def score(self, document: dict) -> entry.Draft:
        if self.ev:
            return stored.score_draft(self.ev, document)
        return stored.score_new(document)

    def urls(self) -> dict:
        if self.ev:
            pk = self.ev.pk
            return {"save_url": reverse("web:edit", args=[pk]), "live_url": reverse("web:live", args=[pk]),
                    "upload_url": reverse("web:upload", args=[pk]), "template_url": reverse("web:template", args=[pk]),
                    "back_url": reverse("web:detail", args=[pk])}
        q = "?" + urlencode({"unit": self.unit.code, "year": self.year, "framework": self.fw_ref})
        return {"save_url": reverse("web:new") + q, "live_url": reverse("web:new_live") + q,
                "upload_url": reverse("web:new_upload") + q, "template_url": reverse("web:new_template") + q,
                "back_url": reverse("web:home")}


def _entry_context(request, t: Target, data: dict, problems=(), places=None, record=None, live=False):
    fw = t.framework()
    gs = entry.groups(fw, data, problems, places)
    atts = list(t.ev.attachments.order_by("created")) if t.ev else []
    by_target: dict[str, list] = {}
    for a in atts:
        by_target.setdefault(a.target, []).append(a)
    for g in gs:
        for f in g.fields:
            f.attachments = by_target.get(f.name, [])
    errors = [p for p in problems if not p.is_warning]
    ctx = {"nav": "home", "ev": t.ev, "unit": t.unit, "year": t.year, "fw_name": fw.name, "fw_ref": t.fw_ref,
           "groups": gs, "record": record, "live": live, "errors": errors, "unplaced": entry.unplaced(problems, places),
           "base": t.ev.current if t.ev else 0, "attachments": atts if t.ev else None, "can_attach": bool(t.ev)}
    ctx.update(t.urls())
    return ctx


def _editable(request, pk: int) -> Target | None:
    ev = evaluation_or_404(request.user, pk, framework=False)
    mine = {str(r) for r in selectors.roles(request.user, ev)}
    if not stored.can_edit(ev, mine):
        messages.error(request, f"当前状态为“{ev.get_state_display()}”，您不能修改填报内容。")
        return None
    return Target(ev)


def _new_target(request) -> Target | None:
    """A new evaluation: only for a unit the user fills in for, a sane year, a shipped department edition."""
    from jixiao.frameworks import editions

    code = request.GET.get("unit") or ""
    unit = next((m.unit for m in selectors.memberships(request.user) if m.role == Role.UNIT and m.unit and m.unit.code == code), None)
    try:
        year = int(request.GET.get("year") or 0)
    except ValueError:
        year = 0
    ref = request.GET.get("framework") or ""
    if unit is None or not 1990 <= year <= 2100 or ref not in editions():
        raise Http404("无法新建：单位、年度或指标体系无效")
    existing = selectors.evaluations(request.user).filter(unit=unit, year=year, kind=Kind.DEPT).first()
    if existing is not None:
        return Target(existing)
    return Target(None, unit, year, ref)


@login_required
def edit(request, pk: int):
    """Entry: the form from the edition's facts; the score beside it follows what is typed."""
    t = _editable(request, pk)
    if t is None:
        return redirect("web:detail", pk=pk)
    return _entry(request, t)


@login_required
def new(request):
    t = _new_target(request)
    if t.ev is not None:
        return redirect("web:edit", pk=t.ev.pk)
    return _entry(request, t)


def _entry(request, t: Target):
    if request.method == "POST":
        return _save(request, t, t.base())
    cur = stored.current(t.ev) if t.ev else None  # the form's facts and the score beside it, one read
    data = dict(cur.facts) if cur else t.base()
    record = cur.score.record if cur and hasattr(cur, "score") else None
    return render(request, "web/entry.html", _entry_context(request, t, data, record=record))


def _live(request, t: Target):
    fw = t.framework()
    data = entry.read_post(fw, request.POST, t.base())
    draft = t.score(data)
    gs = entry.groups(fw, data, draft.problems)
    return render(request, "web/_score.html", {
        "record": draft.record, "live": True, "errors": draft.errors, "unplaced": entry.unplaced(draft.problems),
        "oob_fields": [f for g in gs for f in g.fields]})


@login_required
@require_POST
def live_score(request, pk: int):
    """HTMX: score the form as it stands, save nothing; each field's problems swapped in beside it."""
    return _live(request, Target(evaluation_or_404(request.user, pk, framework=False)))


@login_required
@require_POST
def new_live(request):
    return _live(request, _new_target(request))


def _save(request, t: Target, base: dict):
    fw = t.framework()
    data = entry.read_post(fw, request.POST, base)
    # Scored once: the store saves this very scoring (the edition of an evaluation never changes).
    draft, scored = stored.score_for_save(t.ev, data) if t.ev else (t.score(data), None)
    note = (request.POST.get("note") or "").strip()
    if draft.errors:
        messages.error(request, f"未保存：还有 {len(draft.errors)} 处需要更正，见各栏下方的说明。")
        return render(request, "web/entry.html", _entry_context(request, t, data, draft.problems, live=True,
                                                                  record=draft.record), status=400)
    try:
        base_number = int(request.POST.get("base") or 0)
    except ValueError:
        return HttpResponseBadRequest("base")
    try:
        if t.ev:
            v = services.save_version(actor=request.user, evaluation=t.ev, document=data, base_version=base_number,
                                      note=note, source=stored.SAVE_SOURCE, scored=scored)
            ev = t.ev
        else:
            from jixiao.store import scoring

            scored = scoring.score_document(Kind.DEPT, data, source="网页填报")
            ev, v = services.save_scored(actor=request.user, scored=scored, unit=t.unit, year=t.year,
                                         source="网页填报", note=note or "网页新建", base_version=0)
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
        ctx = _entry_context(request, t, data, draft.problems, record=draft.record, live=True)
        return render(request, "web/entry.html", ctx, status=exc.status)
    if v is None:
        messages.info(request, "内容与当前版本相同，未新建版本。")
    else:
        messages.success(request, f"已保存为第 {v.number} 版，得分 {_pts(v.score.total)}。")
    return redirect("web:detail", pk=ev.pk)


def _upload(request, t: Target):
    """Excel upload into the same form: the workbook's values fill the fields, its problems sit beside
    the fields naming their cells; nothing is saved until the user saves."""
    f = request.FILES.get("workbook")
    back = t.urls()["save_url"]
    if f is None or not f.name.lower().endswith((".xlsx", ".xlsm")):
        messages.error(request, "请选择 .xlsx 工作簿（可先下载填报模板）。")
        return redirect(back)
    if f.size > MAX_UPLOAD:
        messages.error(request, f"工作簿过大（{f.size // 1024} KB），上限 {MAX_UPLOAD // 1024 // 1024} MB。")
        return redirect(back)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.xlsx"  # never the user's file name
        with path.open("wb") as out:
            for chunk in f.chunks():
                out.write(chunk)
        data, problems, places = entry.read_workbook(path, t.source())
    if not data:
        messages.error(request, "工作簿无法读取：" + "；".join(f"{p.where} {p.message}" for p in problems[:8]))
        return redirect(back)
    merged = t.base()
    merged["facts"] = data.get("facts") or {}
    if data.get("money_unit"):
        merged["money_unit"] = data["money_unit"]
    draft = t.score(merged)
    errors = [p for p in problems if not p.is_warning]
    if errors:
        messages.warning(request, f"已读入工作簿“{f.name}”，有 {len(errors)} 处问题，已标在对应栏目下（含单元格位置）。尚未保存。")
    else:
        messages.info(request, f"已读入工作簿“{f.name}”，请核对后保存。")
    ctx = _entry_context(request, t, merged, problems, places, record=draft.record, live=True)
    ctx["uploaded"] = f.name
    return render(request, "web/entry.html", ctx)


@login_required
@require_POST
def upload(request, pk: int):
    t = _editable(request, pk)
    if t is None:
        return redirect("web:detail", pk=pk)
    return _upload(request, t)


@login_required
@require_POST
def new_upload(request):
    return _upload(request, _new_target(request))


def _template(t: Target):
    """The workbook to fill in for this edition (the intake's own template)."""
    from jixiao.intake.framework import framework_path
    from jixiao.intake.layout import layout_for
    from jixiao.intake.template import build_workbook

    source = t.source()
    fw = t.framework()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "template.xlsx"
        build_workbook(fw, layout_for(fw, framework_path(source))).save(out)
        body = out.read_bytes()
    resp = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(f'{t.unit.name}-{t.year}-填报模板.xlsx')}"
    return resp


@login_required
def new_template(request):
    return _template(_new_target(request))


@login_required
def template_xlsx(request, pk: int):
    return _template(Target(evaluation_or_404(request.user, pk)))


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


__all__ = ["Login", "Role", "State", "detail", "diff", "edit", "home", "live_score", "upload"]
