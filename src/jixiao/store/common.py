"""共性指标库: indicators of approved targets promoted, with their 指标解释 and 计算方法, into a library
every user of the app may read and reuse when drafting a target. The only code that writes
:class:`~jixiao.store.models.CommonIndicator` rows.

Who does what: 财政绩效处 and 管理员 promote an indicator (from an approved target in their scope)
and retire or restore an entry; everyone signed in reads the library. 指标解释 and 计算方法 are
required — an indicator without them is a name, not something another unit can measure the same
way. Each write keeps a history row (django-simple-history) and an AuditEvent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet

from jixiao.core.cycle.classify import parse_function_class, shared_level
from jixiao.core.cycle.target import ANNUAL
from jixiao.store import scoring, selectors, services
from jixiao.store import target_docs as docs
from jixiao.store.errors import Conflict, Invalid, NotAllowed, NotFound
from jixiao.store.models import CommonIndicator, Evaluation, Kind, Role

EDITORS = {Role.FINANCE, Role.ADMIN}
TEXT_MAX = 2000  # 指标解释, 计算方法, 停用理由


def can_edit(actor) -> bool:
    return actor is None or bool(services._roles(actor) & EDITORS)


def _require_editor(actor) -> None:
    if not can_edit(actor):
        raise NotAllowed("只有财政绩效处或管理员可以维护共性指标库")


def _state(item: CommonIndicator) -> str:
    return scoring.digest({"name": item.name, "explanation": item.explanation, "method": item.method,
                           "value": item.value, "active": item.active, "reason": item.retired_reason})


def _required(fields: dict[str, tuple[str, object]]) -> dict[str, str]:
    """Each text bounded; every missing one reported at once, by its Chinese name."""
    out, missing = {}, []
    for key, (label, value) in fields.items():
        out[key] = services.bounded(value, label, TEXT_MAX)
        if not out[key]:
            missing.append(label)
    if missing:
        raise Invalid(f"请填写{'和'.join(missing)}：纳入共性指标库的指标须说明其含义和计算方法",
                      [{"code": "E-ST-MISSING", "where": label, "message": f"缺少{label}"} for label in missing],
                      "E-ST-MISSING")
    return out


def _target(actor, target: Evaluation | int) -> Evaluation:
    pk = target.pk if isinstance(target, Evaluation) else target
    qs = Evaluation.objects.all() if actor is None else selectors.evaluations(actor)
    ev = qs.filter(pk=pk).first()
    if ev is None:
        raise NotFound(f"找不到编号为 {pk} 的绩效目标，或您无权查看")
    if ev.kind != Kind.TARGET:
        raise Invalid("只有绩效目标申报表的指标可以纳入共性指标库", [], "E-ST-KIND")
    return ev


@transaction.atomic
def promote(*, actor, target: Evaluation | int, indicator: str, explanation: str, method: str) -> CommonIndicator:
    """One 年度 indicator of an approved target into the library, with its 指标解释 and 计算方法; the
    typical value, unit, 功能分类 and 行业 are copied from the approved version."""
    ev = _target(actor, target)  # out of scope is "not found", before the role is looked at (as elsewhere)
    _require_editor(actor)
    text = _required({"explanation": ("指标解释", explanation), "method": ("计算方法", method)})
    from jixiao.store.targets import approved_version

    v = approved_version(ev)
    if v is None:
        raise Invalid(f"“{ev.title}”（{ev.year}年度）的绩效目标尚未批复，其指标不能纳入共性指标库", [], "E-ST-NOT-APPROVED")
    name = services.bounded(indicator, "三级指标", services.NAME_MAX)
    row = next((r for r in docs.rows_of(v.facts) if r.get("期间") == ANNUAL and str(r.get("三级指标") or "") == name), None)
    if row is None:
        raise NotFound(f"批复的年度指标中没有“{name}”")
    level1, level2 = str(row.get("一级指标") or "")[:50], str(row.get("二级指标") or "")[:50]
    fc = None
    if v.facts.get("功能分类") not in (None, ""):
        try:
            fc = parse_function_class(str(v.facts.get("功能分类")))
        except ValueError:
            fc = None  # stored before the reader checked it: leave it out rather than guess
    code = fc.code if fc else ""
    same = CommonIndicator.objects.filter(active=True, level1=level1, level2=level2, name=name, function_code=code).first()
    if same is not None:
        raise Conflict(f"共性指标库中已有在用的“{name}”（编号 {same.pk}）；如需替换，请先停用它", [], "E-ST-DUPLICATE")
    value = "" if row.get("指标值") is None else str(row.get("指标值"))
    unit = str(row.get("计量单位") or "")
    op, number = "", None
    from jixiao.intake.form import BadCell, parse_target

    try:
        t = parse_target(value + (unit if unit and not value.endswith(unit) else ""))
    except BadCell:
        t = None
    if t is not None:
        op, number, unit = ("" if t.assumed else t.op), t.number, t.unit or unit
    item = CommonIndicator(
        level1=level1, level2=level2, name=name, explanation=text["explanation"], method=text["method"],
        value=value[:100], op=op[:4], number=number, unit=unit[:20], basis=str(row.get("指标值确定依据") or "")[:20],
        function_class=fc.text if fc else "", function_code=code,
        industry=" ".join(str(v.facts.get("行业") or "").split())[:40], source=ev, source_version=v.number,
        promoted_by=actor, promoted_by_name=services.actor_name(actor))
    services._save(item, actor)
    services.audit(actor=actor, action="common.promote", obj=item, evaluation=ev, after=_state(item),
                   detail={"indicator": name, "version": v.number, "explanation": item.explanation,
                           "method": item.method})
    return item


def _item(pk: int) -> CommonIndicator:
    item = CommonIndicator.objects.filter(pk=pk).first() if 0 < pk < 2 ** 63 else None
    if item is None:
        raise NotFound(f"找不到编号为 {pk} 的共性指标")
    return item


@transaction.atomic
def retire(*, actor, item: CommonIndicator | int, reason: str) -> CommonIndicator:
    """Take an entry out of use (it stays readable, with the reason); a reason is required."""
    _require_editor(actor)
    it = _item(item.pk if isinstance(item, CommonIndicator) else item)
    text = _required({"reason": ("停用理由", reason)})["reason"]
    it = CommonIndicator.objects.select_for_update().get(pk=it.pk)
    if not it.active:
        raise Conflict(f"共性指标“{it.name}”已停用", [], "E-ST-CONFLICT")
    before = _state(it)
    it.active, it.retired_reason = False, text
    services._save(it, actor)
    services.audit(actor=actor, action="common.retire", obj=it, evaluation=it.source, before=before, after=_state(it),
                   detail={"indicator": it.name, "reason": text})
    return it


@transaction.atomic
def restore(*, actor, item: CommonIndicator | int) -> CommonIndicator:
    """Put a retired entry back in use, unless another entry of the same indicator is in use now."""
    _require_editor(actor)
    it = CommonIndicator.objects.select_for_update().get(pk=_item(item.pk if isinstance(item, CommonIndicator) else item).pk)
    if it.active:
        raise Conflict(f"共性指标“{it.name}”本就在用", [], "E-ST-CONFLICT")
    same = CommonIndicator.objects.filter(active=True, level1=it.level1, level2=it.level2, name=it.name,
                                          function_code=it.function_code).first()
    if same is not None:
        raise Conflict(f"共性指标库中已有在用的“{it.name}”（编号 {same.pk}）；请先停用它", [], "E-ST-DUPLICATE")
    before = _state(it)
    it.active, it.retired_reason = True, ""
    services._save(it, actor)
    services.audit(actor=actor, action="common.restore", obj=it, evaluation=it.source, before=before, after=_state(it),
                   detail={"indicator": it.name})
    return it


def get(pk: int) -> CommonIndicator:
    return _item(pk)


def search(q: str = "", level1: str = "", function: str = "", industry: str = "",
           retired: bool = False) -> QuerySet[CommonIndicator]:
    """The library, searched like the 指标库: words in the name, 二级指标, 指标解释 or 计算方法; 功能分类
    by code prefix (digits) or name; 行业 by part of its name. Retired entries only when asked."""
    qs = CommonIndicator.objects.select_related("source__unit")
    if not retired:
        qs = qs.filter(active=True)
    for w in (q or "").split():
        qs = qs.filter(Q(name__icontains=w) | Q(level2__icontains=w) | Q(explanation__icontains=w)
                       | Q(method__icontains=w))
    if level1:
        qs = qs.filter(level1=level1)
    function = "".join((function or "").split())
    if function:
        qs = qs.filter(function_code__startswith=function) if function.isdigit() else \
            qs.filter(function_class__icontains=function)
    if industry:
        qs = qs.filter(industry__icontains=industry.strip())
    return qs


@dataclass
class Offer:
    item: CommonIndicator
    reason: str


def offers(document: dict, limit: int = 30) -> list[Offer]:
    """共性 entries in use for a target being drafted: those of its 功能分类 (most specific level
    first) or 行业, then the general ones (no 功能分类, no 行业); an indicator the form already has
    is not offered again."""
    from jixiao.store.indicators import classification

    fc, industry = classification(document)
    have = {str(r.get("三级指标") or "") for r in docs.rows_of(document)}
    ranked = []
    for it in CommonIndicator.objects.filter(active=True).order_by("level1", "level2", "name", "id")[:2000]:
        if it.name in have:
            continue
        level = shared_level(fc.code, it.function_code) if fc and fc.code and it.function_code else 0
        if not level and fc and it.function_class and not (fc.code and it.function_code) and fc.name \
                and fc.name in it.function_class:
            level = 7
        same_industry = bool(industry) and it.industry == industry
        general = not it.function_class and not it.industry
        if not (level or same_industry or general):
            continue
        reason = "；".join(x for x in (f"功能分类同属 {it.function_class}" if level else "",
                                       f"行业同为“{industry}”" if same_industry else "",
                                       "通用" if general else "") if x)
        ranked.append(((level, same_industry), Offer(it, reason)))
    ranked.sort(key=lambda x: x[0], reverse=True)
    return [o for _, o in ranked[:limit]]


def source_shown(it: CommonIndicator, viewer) -> bool:
    """Whether the viewer may see which project an entry came from: the entry is for everyone, the
    source target only for those whose scope holds it (elsewhere only its year is shown)."""
    if it.source_id is None:
        return False
    return viewer is None or selectors.evaluations(viewer).filter(pk=it.source_id).exists()


def to_json(it: CommonIndicator, viewer) -> dict:
    src = it.source
    shown = source_shown(it, viewer)
    return {"id": it.pk, "level1": it.level1, "level2": it.level2, "name": it.name, "explanation": it.explanation,
            "method": it.method, "value": it.value, "op": it.op, "number": it.number, "unit": it.unit,
            "basis": it.basis, "function_class": it.function_class, "industry": it.industry, "active": it.active,
            "retired_reason": it.retired_reason, "promoted_by": it.promoted_by_name,
            "created": services.shown_time(it.created),
            "source": None if src is None else {"year": src.year} if not shown else {
                "target": src.pk, "project": src.title, "year": src.year, "unit": src.unit.name,
                "version": it.source_version}}
