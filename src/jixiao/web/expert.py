"""专家评分: an expert or third party sees only the evaluations assigned to them and, in each, only
the indicators scored by experts (``score`` facts); they score their part with a justification, and
the evaluation's total follows (each score is a reviewer's adjustment: a new version, audited).

Scope is the store's (an expert's evaluations are those assigned to them); this page adds that an
expert, holding no other reviewing role there, changes expert scores only — see ``review.adjust``.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.store import selectors
from jixiao.store.models import Kind, Role
from jixiao.store.workflow import REVIEWERS
from jixiao.web import entry, stored
from jixiao.web.access import evaluation_or_404, needs
from jixiao.web.overview import current_scores
from jixiao.web.review import apply_adjust

EXPERT_ROLES = {Role.EXPERT}


def assigned(user):
    """The evaluations assigned to this user as expert (not what other roles let them see)."""
    return (selectors.evaluations(user).filter(assignments__user=user).exclude(kind__in=(Kind.PROJECT, Kind.PREASSESS))
            .order_by("-year", "unit__path"))


def _scoring_groups(ev, data: dict):
    """The indicators with expert-score facts, each with only those fields."""
    out = []
    for g in entry.groups(stored.framework(ev), data):
        fields = [f for f in g.fields if f.kind == "score"]
        if fields:
            g.fields = fields
            out.append(g)
    return out


@needs(EXPERT_ROLES)
def expert_home(request):
    evs = list(assigned(request.user))
    scores = current_scores(assigned(request.user))
    for ev in evs:
        s = scores.get(ev.id)
        ev.score_total = s.total if s else None
        ev.open = Role.EXPERT in REVIEWERS.get(ev.state, ())
    return render(request, "web/expert.html", {"nav": "expert", "evs": evs})


@needs(EXPERT_ROLES)
def expert_case(request, pk: int):
    ev = evaluation_or_404(request.user, pk)
    if not ev.assignments.filter(user=request.user).exists():
        # seen through another role (e.g. 财政 who is also an expert): that role's own pages apply
        return redirect("web:detail", pk=ev.pk)
    cur = stored.current(ev)
    data = cur.facts if cur else {"facts": {}}
    gs = _scoring_groups(ev, data)
    rows = {r.id: r for r in stored.side_by_side(None, cur.score.record if cur else None)}
    for g in gs:
        g.row = rows.get(g.id)
    can_score = Role.EXPERT in REVIEWERS.get(ev.state, ())
    mine = ev.adjustments.filter(author=request.user).select_related("version").order_by("-created")
    return render(request, "web/expert_case.html", {
        "nav": "expert", "ev": ev, "cur": cur, "groups": gs, "can_score": can_score, "mine": mine})


@needs(EXPERT_ROLES)
@require_POST
def expert_score(request, pk: int):
    ev = evaluation_or_404(request.user, pk)
    if not ev.assignments.filter(user=request.user).exists():
        messages.error(request, "您未被指派评审这项评价。")
        return redirect("web:expert")
    apply_adjust(request, ev, {"score"})
    return redirect("web:expert_case", pk=ev.pk)
