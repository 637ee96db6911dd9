"""指标库 and 共性指标库 in the API: the library of approved indicators (``/indicators``, searchable by
keyword, 一级指标, 功能分类 and 行业), a target's suggestions (``/targets/{pk}/suggestions``: 历史标准,
similar projects of other units in scope, 共性 entries) and the 共性 library (``/common-indicators``:
read by everyone, promoted and retired by 财政 and 管理员). Errors are the API's one shape
``{code, message, problems}`` (the handlers of :mod:`jixiao.store.api`); a target outside the
caller's scope is 404, as everywhere.
"""

from __future__ import annotations

from dataclasses import asdict

from ninja import Router, Schema, Status

from jixiao.store import common, indicators, selectors, services

router = Router(tags=["指标库"])


class PromoteIn(Schema):
    target: int
    indicator: str
    explanation: str = ""
    method: str = ""


class RetireIn(Schema):
    reason: str = ""


def _filters(q: str, level1: str, function: str, industry: str) -> dict:
    return {"q": services.bounded(q, "q", 200), "level1": services.bounded(level1, "level1", 50),
            "function": services.bounded(function, "function", 80), "industry": services.bounded(industry, "industry", 40)}


@router.get("/indicators", summary="指标库：已批复目标的年度指标及其完成值（按关键词、一级指标、功能分类、行业搜索）")
def library(request, q: str = "", level1: str = "", function: str = "", industry: str = "", limit: int = 100):
    from jixiao.store.api import _limit

    f = _filters(q, level1, function, industry)
    return {"items": [vars(e) for e in indicators.library(selectors.evaluations(request.user), f["q"], f["level1"],
                                                          _limit(limit), function=f["function"],
                                                          industry=f["industry"])]}


@router.get("/targets/{pk}/suggestions", summary="一份绩效目标的指标建议：历史标准、其他单位同类项目的指标、共性指标")
def suggestions(request, pk: int):
    from jixiao.store.api import _target

    ev = _target(request, pk)
    doc = ev.versions.get(number=ev.current).facts if ev.current else {}
    scope = selectors.evaluations(request.user)
    return {
        "history": {name: [{"method": s.method, "value": s.value, "unit": s.unit, "years": list(s.years),
                            "values": list(s.values), "text": str(s)}
                           for s in found] for name, found in indicators.suggestions(ev, doc).items()},
        "similar": [asdict(s) for s in indicators.similar(scope, ev, doc)],
        "other_units_in_scope": selectors.units(request.user).exclude(pk=ev.unit_id).exists(),
        "common": [{**common.to_json(o.item, request.user), "reason": o.reason} for o in common.offers(doc)],
    }


@router.get("/common-indicators", summary="共性指标库（所有用户可读；按关键词、一级指标、功能分类、行业搜索）")
def common_list(request, q: str = "", level1: str = "", function: str = "", industry: str = "", retired: bool = False,
                limit: int = 100):
    from jixiao.store.api import _limit

    f = _filters(q, level1, function, industry)
    qs = common.search(f["q"], f["level1"], f["function"], f["industry"], retired)[:_limit(limit)]
    return {"items": [common.to_json(it, request.user) for it in qs]}


@router.post("/common-indicators", summary="把已批复目标的一个年度指标纳入共性指标库（财政、管理员；须填指标解释和计算方法）",
             response={201: dict})
def promote(request, body: PromoteIn):
    from jixiao.store.api import _range

    _range(body.target, "target", 1)
    it = common.promote(actor=request.user, target=body.target, indicator=body.indicator,
                        explanation=body.explanation, method=body.method)
    return Status(201, common.to_json(it, request.user))


@router.get("/common-indicators/{cid}", summary="一条共性指标")
def common_item(request, cid: int):
    return common.to_json(common.get(cid), request.user)


@router.post("/common-indicators/{cid}/retire", summary="停用一条共性指标（财政、管理员；须填理由）")
def retire(request, cid: int, body: RetireIn):
    return common.to_json(common.retire(actor=request.user, item=cid, reason=body.reason), request.user)


@router.post("/common-indicators/{cid}/restore", summary="恢复一条已停用的共性指标（财政、管理员）")
def restore(request, cid: int):
    return common.to_json(common.restore(actor=request.user, item=cid), request.user)
