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
from jixiao.store.workflow import TRANSITIONS
from jixiao.web import entry, stored
from jixiao.web.access import evaluation_or_404


@login_required
def review(request, pk: int):
    ev = evaluation_or_404(request.user, pk)
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


def _value_for(spec_type: str, post, before) -> object:
    """What an adjustment sets a fact to, in the form the store's ``adjust`` expects: a judgement
    stated as {met, evidence} gets the new ``met`` (its evidence stays; the reason is the
    adjustment's), anything stated bare is replaced whole, with the reason as its evidence."""
    value = (post.get("value") or "").strip()
    points = (post.get("points") or "").strip()
    reason = (post.get("reason") or "").strip()
    if spec_type == "judgement":
        if points:
            if isinstance(before, dict) and "met" in before:
                raise ValueError("该项原为“达到/未达到”的判断，复核时请改判是否达到；如需酌情给分，请退回单位修改")
            return {"points": points, "evidence": reason}
        if isinstance(before, dict) and "met" in before:
            return value == entry.MET
        return {"met": value == entry.MET, "evidence": reason}
    if spec_type == "score":
        return {"score": value, "justification": reason}
    return value


@login_required
@require_POST
def adjust(request, pk: int):
    ev = evaluation_or_404(request.user, pk)
    fw = stored.framework(ev)
    target = request.POST.get("target") or ""
    spec = fw.facts.get(target)
    if spec is None:
        messages.error(request, f"没有事实“{target}”。")
        return redirect("web:review", pk=ev.pk)
    if not (request.POST.get("reason") or "").strip():
        messages.error(request, f"调整“{spec.label or target}”必须填写理由。")
        return redirect("web:review", pk=ev.pk)
    if not (request.POST.get("value") or request.POST.get("points") or "").strip():
        messages.error(request, f"请为“{spec.label or target}”选择或填写调整后的值。")
        return redirect("web:review", pk=ev.pk)
    try:
        base = int(request.POST.get("base") or 0)
        cur = stored.current(ev)
        before = ((cur.facts if cur else {}).get("facts") or {}).get(target)
        adj = services.adjust(actor=request.user, evaluation=ev, target=target, value=_value_for(spec.type, request.POST, before),
                              reason=request.POST["reason"], base_version=base)
    except (StoreError, ValueError) as exc:
        messages.error(request, stored.error_text(exc))
        return redirect("web:review", pk=ev.pk)
    total = adj.version.score.total
    messages.success(request, f"已调整“{spec.label or target}”，保存为第 {adj.version.number} 版，复核分 {stored.pts(total)}。")
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
