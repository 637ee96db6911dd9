"""指标库 (indicator library), read from the store: the 年度 indicators of approved targets across
units and years, each beside its 完成值 from the same project's stored 自评表, searchable by name,
project and keyword; and, for a target being written, 历史标准 values from the unit's own past
actuals (上年实际, 三年平均) with the figures they come from — never a value where there is none.

Reads only, scoped by the caller's queryset (:func:`jixiao.store.selectors.evaluations`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from jixiao.core.cycle.target import ANNUAL, Suggestion, suggest
from jixiao.store import target_docs as docs
from jixiao.store.models import Evaluation, Kind


@dataclass
class Entry:
    name: str
    level1: str
    level2: str
    value: str  # the approved 指标值 as written
    basis: str
    project: str
    unit: str
    year: int
    target_id: int
    actual: str  # the 实际完成值 of the project's 自评表 of that year, or ''


def _approved_doc(ev: Evaluation) -> dict | None:
    from jixiao.store.targets import approved_version

    v = approved_version(ev)
    return v.facts if v is not None else None


def library(qs: QuerySet[Evaluation], q: str = "", level1: str = "", limit: int = 500) -> list[Entry]:
    """Indicators of approved targets in ``qs`` whose name, 二级指标 or project contains ``q``."""
    words = [w for w in (q or "").split() if w]
    targets = qs.filter(kind=Kind.TARGET).select_related("unit").order_by("-year", "unit__path", "title")
    actuals: dict[tuple[int, int, str], dict[str, str]] = {}
    out: list[Entry] = []
    for ev in targets:
        doc = _approved_doc(ev)
        if doc is None:
            continue
        key = (ev.unit_id, ev.year, ev.title)
        if key not in actuals:
            actuals[key] = {}
            project = qs.filter(kind=Kind.PROJECT, unit_id=ev.unit_id, year=ev.year, title=ev.title, current__gt=0).first()
            if project is not None:
                for row in project.versions.get(number=project.current).facts.get("绩效指标") or []:
                    if isinstance(row, dict) and row.get("实际完成值") not in (None, ""):
                        actuals[key][str(row.get("三级指标"))] = str(row.get("实际完成值"))
        for r in docs.rows_of(doc):
            if r.get("期间") != ANNUAL:
                continue
            name = str(r.get("三级指标") or "")
            text = f"{name} {r.get('二级指标', '')} {ev.title}"
            if level1 and r.get("一级指标") != level1:
                continue
            if words and not all(w.lower() in text.lower() for w in words):
                continue
            value = "" if r.get("指标值") is None else str(r.get("指标值"))
            unit = str(r.get("计量单位") or "")
            out.append(Entry(name, str(r.get("一级指标") or ""), str(r.get("二级指标") or ""),
                             value + (unit if unit and not value.endswith(unit) else ""),
                             str(r.get("指标值确定依据") or ""), ev.title, ev.unit.name, ev.year, ev.pk,
                             actuals[key].get(name, "")))
            if len(out) >= limit:
                return out
    return out


def suggestions(ev: Evaluation, document: dict) -> dict[str, list[Suggestion]]:
    """历史标准 for each quantitative 年度 indicator of a target: last year's actual and the
    three-year average of the unit's own stored 自评表 (and the form's 历史完成值), in the row's unit."""
    from jixiao.store.targets import history_for

    stated = {}
    try:
        from jixiao.core.cycle.target import Past

        for name, rows in (document.get("历史完成值") or {}).items():
            for r in rows if isinstance(rows, list) else []:
                from jixiao.intake.form import parse_target

                t = parse_target(r.get("完成值"))
                if t is not None:
                    stated.setdefault(str(name), []).append(Past(int(r["年度"]), t.number, t.unit))
    except (TypeError, ValueError, KeyError, AttributeError):
        stated = {}  # the form's own history was refused by the reader already; the store's is enough
    history = docs.merge_history(stated, history_for(ev.unit, ev.year))
    out: dict[str, list[Suggestion]] = {}
    for row in docs.selfeval_indicators({"绩效指标": [
            {"三级指标": r.get("三级指标"), "年度指标值": r.get("指标值")} for r in docs.rows_of(document)
            if r.get("期间") == ANNUAL]}):
        if row.value is None or not row.unit:
            continue
        found = [s for s in (suggest(history.get(row.name, []), row.unit, m, ev.year) for m in ("上年实际", "三年平均"))
                 if s is not None]
        if found:
            out[row.name] = found
    return out
