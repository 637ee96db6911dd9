"""指标库 pages: the library of approved indicators (search by keyword, 一级指标, 功能分类 and 行业),
promotion of a row into the 共性指标库 (财政绩效处 and 管理员), the 共性 library itself (everyone reads;
the same two roles retire and restore), and the suggestions shown on a target's page.

Reads through :mod:`jixiao.store.indicators` and :mod:`jixiao.store.common` with the user's scope;
writes through :mod:`jixiao.store.common` only. A target outside the user's scope is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from jixiao.store import common, indicators, selectors
from jixiao.store.errors import NotFound, StoreError
from jixiao.web import stored
from jixiao.web.audit import ACTIONS

LIBRARY_LIMIT = 500
LEVELS = ("产出指标", "效益指标", "满意度指标")
ACTIONS.update({"common.promote": "纳入共性指标库", "common.retire": "停用共性指标", "common.restore": "恢复共性指标"})


def _filters(request) -> dict:
    """The search form's fields, cut to their bounds (a longer value could not match anything)."""
    g = request.GET
    return {"q": (g.get("q") or "").strip()[:100], "level1": (g.get("level1") or "").strip()[:50],
            "function": (g.get("function") or "").strip()[:80], "industry": (g.get("industry") or "").strip()[:40]}


@login_required
def target_library(request):
    """Indicators of approved targets in the user's scope, beside their 完成值; search by keyword,
    一级指标, 功能分类 (code prefix or name) and 行业."""
    f = _filters(request)
    entries = indicators.library(selectors.evaluations(request.user), f["q"], f["level1"], LIBRARY_LIMIT,
                                 function=f["function"], industry=f["industry"])
    return render(request, "web/targets/library.html", {
        "nav": "targets", "entries": entries, "f": f, "limit": LIBRARY_LIMIT, "levels": LEVELS,
        "can_promote": common.can_edit(request.user)})


@login_required
def common_list(request):
    """The 共性指标库: everyone reads it; 财政 and 管理员 also see retired entries and may retire or restore."""
    f = _filters(request)
    editor = common.can_edit(request.user)
    retired = editor and request.GET.get("retired") == "1"
    items = list(common.search(f["q"], f["level1"], f["function"], f["industry"], retired)[:LIBRARY_LIMIT])
    for it in items:
        it.shown_source = common.source_shown(it, request.user)
    return render(request, "web/targets/common.html", {
        "nav": "targets", "items": items, "f": f, "levels": LEVELS, "limit": LIBRARY_LIMIT, "can_edit": editor,
        "retired": retired})


def _back(request, fallback: str):
    """Back to the page the form was on (the library with its search), never to another site."""
    nxt = request.POST.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(nxt)
    return redirect(fallback)


@login_required
@require_POST
def common_promote(request):
    try:
        target = int(request.POST.get("target") or 0)
    except ValueError:
        raise Http404("没有这份绩效目标") from None
    try:
        it = common.promote(actor=request.user, target=target, indicator=request.POST.get("indicator") or "",
                            explanation=request.POST.get("explanation") or "", method=request.POST.get("method") or "")
    except NotFound as exc:
        raise Http404(exc.message) from None
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
        return _back(request, "web:target_library")
    messages.success(request, f"已将“{it.name}”纳入共性指标库（编号 {it.pk}）。")
    return _back(request, "web:common_indicators")


@login_required
@require_POST
def common_retire(request, pk: int):
    return _common_change(request, lambda: common.retire(actor=request.user, item=pk,
                                                         reason=request.POST.get("reason") or ""), "已停用共性指标“{}”。")


@login_required
@require_POST
def common_restore(request, pk: int):
    return _common_change(request, lambda: common.restore(actor=request.user, item=pk), "已恢复共性指标“{}”。")


def _common_change(request, change, done: str):
    """Retire or restore a 共性 entry: 404 outside reach, the service's refusal as a message, back to the list."""
    try:
        it = change()
    except NotFound as exc:
        raise Http404(exc.message) from None
    except StoreError as exc:
        messages.error(request, stored.error_text(exc))
    else:
        messages.success(request, done.format(it.name))
    return _back(request, "web:common_indicators")


def target_suggestions(user, ev, facts: dict) -> dict:
    """What a target's page shows beside its rows: similar projects of other units in the user's scope
    (none for a 单位填报 user, whose scope is its own unit) and the 共性 entries on offer."""
    others = selectors.units(user).exclude(pk=ev.unit_id).exists()
    return {"similar": indicators.similar(selectors.evaluations(user), ev, facts) if others else [],
            "other_units": others, "offers": common.offers(facts)}


urlpatterns = [
    path("targets/library/", target_library, name="target_library"),
    path("targets/common/", common_list, name="common_indicators"),
    path("targets/common/promote", common_promote, name="common_promote"),
    path("targets/common/<int:pk>/retire", common_retire, name="common_retire"),
    path("targets/common/<int:pk>/restore", common_restore, name="common_restore"),
]
