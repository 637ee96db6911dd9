"""复核: the self-assessed score beside the reviewer's per indicator, adjustments with a required
reason, opinions per indicator and overall, 退回 / 通过; plus evidence attachments.

Every write is one call to :mod:`jixiao.store.services`, which checks the role, the scope and
the state and writes the audit event; a refusal is shown as its Chinese message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.store import selectors, services
from jixiao.store.errors import StoreError
from jixiao.store.models import Role
from jixiao.store.workflow import TRANSITIONS
from jixiao.web import entry, stored
from jixiao.web.access import evaluation_or_404


@login_required
def review(request, pk: int):
    ev = evaluation_or_404(request.user, pk)
    if expert_only(request.user, ev):
        return redirect("web:expert_case", pk=ev.pk)
    mine = {str(r) for r in selectors.roles(request.user, ev)}
    if not stored.can_review(ev, mine):
        messages.error(request, f"当前状态为“{ev.get_state_display()}”，不在您的审核环节。")
        return redirect("web:detail", pk=ev.pk)
    cur = stored.current(ev)
    own = stored.own_version(ev)
    fw = stored.framework(ev)
    data = cur.facts if cur else {"facts": {}}
    gs = entry.groups(fw, data)
    rows = {r.id: r for r in stored.side_by_side(own.score.record if own else None, cur.score.record if cur else None)}
    for g in gs:
        g.row = rows.get(g.id)
    opinions = {}
    for o in ev.opinions.select_related("author").order_by("created"):
        opinions.setdefault(o.indicator, []).append(o)
    for g in gs:
        g.opinions = opinions.get(g.name, [])
    level1 = [r for r in rows.values() if r.level < 3]
    from jixiao.store.workflow import allowed_from

    moves = [t for t in allowed_from(ev.state) if set(t.roles) & mine]
    return render(request, "web/review.html", {
        "nav": "home", "ev": ev, "groups": gs, "cur": cur, "own": own, "upper": level1, "moves": moves,
        "overall": opinions.get("", []), "readonly": True})


def _number(text: str, label: str, most: float | None) -> str:
    """A typed score or points, checked against its bounds before the store is asked (so the message
    names the field and its range); kept as typed, as intake reads it."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"“{label}”的得分“{text}”不是数字；请填写 0 到 {_bound(most)} 之间的分数") from None
    if value != value or value < 0 or (most is not None and value > most + 1e-9):
        raise ValueError(f"“{label}”的得分 {text} 超出范围；只能在 0 到 {_bound(most)} 分之间")
    return text


def _bound(most: float | None) -> str:
    return "满分" if most is None else f"{most:g}"


def _value_for(spec, name: str, post, before, available: float | None) -> object:
    """What an adjustment sets a fact to, in the form the store's ``adjust`` expects.

    A judgement changed to 达到/未达到 keeps its evidence when stated as {met, evidence} (the reason
    is the adjustment's); a judgement given discretionary points (酌情给分) is restated whole as
    {points, evidence: reason}, within 0 and the criterion's points; an expert score as
    {score, justification: reason}, within 0 and its full marks; anything else is replaced bare."""
    value = (post.get("value") or "").strip()
    points = (post.get("points") or "").strip()
    reason = (post.get("reason") or "").strip()
    label = spec.label or name
    if spec.type == "judgement":
        if points:
            return {"points": _number(points, label, available), "evidence": reason}
        if isinstance(before, dict) and "met" in before:
            return value == entry.MET
        return {"met": value == entry.MET, "evidence": reason}
    if spec.type == "score":
        return {"score": _number(value or points, label, available), "justification": reason}
    return value


def apply_adjust(request, ev, only: set[str] | None = None) -> bool:
    """One reviewer's change of one fact from a posted form, through ``services.adjust``; the outcome
    as a message. ``only``: the fact types this page may change (an expert scores only)."""
    fw = stored.framework(ev)
    target = request.POST.get("target") or ""
    spec = fw.facts.get(target)
    if spec is None or (only is not None and spec.type not in only):
        messages.error(request, f"没有可调整的事实“{target}”。")
        return False
    label = spec.label or target
    if not (request.POST.get("reason") or "").strip():
        messages.error(request, f"调整“{label}”必须填写理由。")
        return False
    if not (request.POST.get("value") or request.POST.get("points") or "").strip():
        messages.error(request, f"请为“{label}”选择或填写调整后的值。")
        return False
    available = fw.judgement_points().get(target, fw.expert_points().get(target))
    try:
        base = int(request.POST.get("base") or 0)
        cur = stored.current(ev)
        before = ((cur.facts if cur else {}).get("facts") or {}).get(target)
        adj = services.adjust(actor=request.user, evaluation=ev, target=target,
                              value=_value_for(spec, target, request.POST, before, available),
                              reason=request.POST["reason"], base_version=base)
    except (StoreError, ValueError) as exc:
        messages.error(request, stored.error_text(exc))
        return False
    total = adj.version.score.total
    messages.success(request, f"已调整“{label}”，保存为第 {adj.version.number} 版，复核分 {stored.pts(total)}。")
    return True


def expert_only(user, ev) -> bool:
    """An expert who holds no other reviewing role on this evaluation: scores its expert facts only."""
    mine = {str(r) for r in selectors.roles(user, ev)}
    return Role.EXPERT in mine and not mine & {Role.DEPT, Role.FINANCE, Role.ADMIN}


@login_required
@require_POST
def adjust(request, pk: int):
    ev = evaluation_or_404(request.user, pk)
    apply_adjust(request, ev, {"score"} if expert_only(request.user, ev) else None)
    return redirect("web:review", pk=ev.pk)


@login_required
@require_POST
def opinion(request, pk: int):
    ev = evaluation_or_404(request.user, pk)
    try:
        services.add_opinion(actor=request.user, evaluation=ev, text=request.POST.get("text") or "",
                             indicator=request.POST.get("indicator") or "")
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
    else:
        messages.success(request, "意见已记录。")
    return redirect("web:review", pk=ev.pk)


@login_required
@require_POST
def move(request, pk: int):
    """送审、撤回、退回、通过: one workflow row; a repeated click finds the state moved and changes nothing."""
    ev = evaluation_or_404(request.user, pk)
    action = request.POST.get("action") or ""
    t = TRANSITIONS.get(action)
    try:
        services.transition(actor=request.user, evaluation=ev, action=action, text=request.POST.get("text") or "",
                            expected_state=request.POST.get("expected_state") or None)
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
    else:
        messages.success(request, f"已{t.label}。")
    return redirect("web:detail", pk=ev.pk)


@login_required
@require_POST
def attach(request, pk: int):
    ev = evaluation_or_404(request.user, pk)
    f = request.FILES.get("file")
    if f is None:
        messages.error(request, "请选择要上传的佐证文件。")
        return redirect("web:edit", pk=ev.pk)
    try:
        a = services.add_attachment(actor=request.user, evaluation=ev, name=f.name, data=f.read(),
                                    target=request.POST.get("target") or "")
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
    else:
        messages.success(request, f"已上传佐证材料“{a.name}”。")
    return redirect("web:edit", pk=ev.pk)


@login_required
def attachment(request, pk: int, aid: int):
    ev = evaluation_or_404(request.user, pk)
    a = ev.attachments.filter(pk=aid).first()
    if a is None:
        raise Http404("没有这份佐证材料")
    path = services.attachment_path(a.sha256)
    if not path.is_file():
        raise Http404("佐证材料文件已丢失")
    # Served as a download with its own type and nosniff, so an uploaded file never runs as a page.
    return FileResponse(path.open("rb"), as_attachment=True, filename=a.name, content_type=a.content_type)
