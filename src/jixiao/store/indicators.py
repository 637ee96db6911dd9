"""指标库 (indicator library), read from the store: the 年度 indicators of approved targets across
units and years, each beside its 完成值 from the same project's stored 自评表, searchable by name,
project, keyword, 一级指标, 功能分类 and 行业; for a target being written, 历史标准 values from the
unit's own past actuals (上年实际, 三年平均) with the figures they come from, and the indicators of
similar projects of other units — never a value where there is none.

Reads only, scoped by the caller's queryset (:func:`jixiao.store.selectors.evaluations`): a 单位填报
user's scope is its own unit, so it gets no other units' projects; a 主管部门 sees its subtree, 财政
its 区划, 管理员 everything (see ``docs/cycle.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from jixiao.core.cycle.classify import (
    LEVELS,
    FunctionClass,
    parse_function_class,
    shared_level,
    title_similarity,
)
from jixiao.core.cycle.target import ANNUAL, Suggestion, suggest
from jixiao.store import target_docs as docs
from jixiao.store.models import Evaluation, Kind

SCAN_LIMIT = 5000  # approved targets read for one search or suggestion (the most recent first)
SIMILAR_TITLE = 0.3  # the least 项目名称 likeness (character pairs) that counts as a similar project


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
    function_class: str = ""  # 功能分类 of the target form, as given ("2080109 社会保险经办机构"), or ''
    industry: str = ""


@dataclass
class Similar:
    """An approved target of another unit like the one being drafted, and why it was chosen."""

    project: str
    unit: str
    year: int
    target_id: int
    reason: str
    function_class: str
    industry: str
    rows: list[Entry] = field(default_factory=list)


def classification(document: dict) -> tuple[FunctionClass | None, str]:
    """The 功能分类 and 行业 of a stored target document (a value that no longer parses is left out)."""
    d = docs.plain(document or {})
    fc = None
    if d.get("功能分类") not in (None, ""):
        try:
            fc = parse_function_class(str(d.get("功能分类")))
        except ValueError:
            fc = None
    return fc, " ".join(str(d.get("行业") or "").split())


def _approved_doc(ev: Evaluation) -> dict | None:
    from jixiao.store.targets import approved_version

    v = approved_version(ev)
    return v.facts if v is not None else None


def _approved(qs: QuerySet[Evaluation]):
    targets = qs.filter(kind=Kind.TARGET).select_related("unit").order_by("-year", "unit__path", "title")
    for ev in targets[:SCAN_LIMIT]:
        doc = _approved_doc(ev)
        if doc is not None:
            yield ev, doc


class _Actuals:
    """实际完成值 by 三级指标 of each project's stored 自评表, read once per (unit, year, project)."""

    def __init__(self, qs: QuerySet[Evaluation]):
        self.qs, self.seen = qs, {}

    def of(self, ev: Evaluation) -> dict[str, str]:
        key = (ev.unit_id, ev.year, ev.title)
        if key not in self.seen:
            found: dict[str, str] = {}
            project = self.qs.filter(kind=Kind.PROJECT, unit_id=ev.unit_id, year=ev.year, title=ev.title,
                                     current__gt=0).first()
            if project is not None:
                for row in project.versions.get(number=project.current).facts.get("绩效指标") or []:
                    if isinstance(row, dict) and row.get("实际完成值") not in (None, ""):
                        found[str(row.get("三级指标"))] = str(row.get("实际完成值"))
            self.seen[key] = found
        return self.seen[key]


def _entries(ev: Evaluation, doc: dict, actuals: dict[str, str]) -> list[Entry]:
    fc, industry = classification(doc)
    out = []
    for r in docs.rows_of(doc):
        if r.get("期间") != ANNUAL:
            continue
        name = str(r.get("三级指标") or "")
        value = "" if r.get("指标值") is None else str(r.get("指标值"))
        unit = str(r.get("计量单位") or "")
        out.append(Entry(name, str(r.get("一级指标") or ""), str(r.get("二级指标") or ""),
                         value + (unit if unit and not value.endswith(unit) else ""),
                         str(r.get("指标值确定依据") or ""), ev.title, ev.unit.name, ev.year, ev.pk,
                         actuals.get(name, ""), fc.text if fc else "", industry))
    return out


def _function_matches(fc: FunctionClass | None, wanted: str) -> bool:
    """A search for 功能分类: digits are a code prefix ("208" finds every 社会保障和就业 project), other
    text a part of the name."""
    if not wanted:
        return True
    if fc is None:
        return False
    if wanted.isdigit():
        return fc.code.startswith(wanted)
    return wanted in fc.text


def library(qs: QuerySet[Evaluation], q: str = "", level1: str = "", limit: int = 500, *,
            function: str = "", industry: str = "") -> list[Entry]:
    """Indicators of approved targets in ``qs`` whose name, 二级指标 or project contains every word of
    ``q``, under ``level1``, whose form's 功能分类 starts with (or contains) ``function`` and whose
    行业 contains ``industry``."""
    words = [w.lower() for w in (q or "").split() if w]
    function, industry = "".join((function or "").split()), (industry or "").strip()
    actuals = _Actuals(qs)
    out: list[Entry] = []
    for ev, doc in _approved(qs):
        fc, ind = classification(doc)
        if not _function_matches(fc, function) or (industry and industry not in ind):
            continue
        for e in _entries(ev, doc, actuals.of(ev)):
            if level1 and e.level1 != level1:
                continue
            text = f"{e.name} {e.level2} {ev.title}".lower()
            if words and not all(w in text for w in words):
                continue
            out.append(e)
            if len(out) >= limit:
                return out
    return out


def similar(qs: QuerySet[Evaluation], ev: Evaluation, document: dict, projects: int = 8) -> list[Similar]:
    """Approved targets of *other* units in ``qs`` like ``document``: the same 功能分类 at the most
    specific level any of them shares (项, else 款, else 类) or the same 行业; failing both, a similar
    project name. Each with its 年度 indicators, 指标值 and, where stored, 实际完成值."""
    mine_fc, mine_ind = classification(document)
    title = str(docs.plain(document or {}).get("项目名称") or docs.plain(document or {}).get("部门名称") or ev.title)
    found: list[tuple[tuple, Similar, Evaluation, dict]] = []
    for other, doc in _approved(qs.exclude(unit_id=ev.unit_id)):
        fc, ind = classification(doc)
        level = 0
        if mine_fc and fc:
            if mine_fc.code and fc.code:
                level = shared_level(mine_fc.code, fc.code)
            elif mine_fc.name and mine_fc.name == fc.name:
                level = 7
        same_ind = bool(mine_ind) and mine_ind == ind
        likeness = title_similarity(title, other.title)
        reasons = []
        if level and fc:
            reasons.append(f"功能分类同属{LEVELS[level]} {fc.code[:level]}" if fc.code and mine_fc and mine_fc.code
                           else f"功能分类同为“{fc.name}”")
        if same_ind:
            reasons.append(f"行业同为“{ind}”")
        key = (level, same_ind, likeness, other.year)
        found.append((key, Similar(other.title, other.unit.name, other.year, other.pk, "；".join(reasons),
                                   fc.text if fc else "", ind), other, doc))
    best = max((k[0] for k, *_ in found), default=0)
    chosen = [f for f in found if (best and f[0][0] == best) or f[0][1]]
    if not chosen:  # nothing shares the classification: fall back on the project's name
        chosen = [f for f in found if f[0][2] >= SIMILAR_TITLE]
        for key, s, *_ in chosen:
            s.reason = f"项目名称相近（相似度 {key[2]:.0%}）"
    chosen.sort(key=lambda f: f[0], reverse=True)
    actuals = _Actuals(qs)
    out = []
    for _, s, other, doc in chosen[:projects]:
        s.rows = _entries(other, doc, actuals.of(other))
        out.append(s)
    return out


def suggestions(ev: Evaluation, document: dict) -> dict[str, list[Suggestion]]:
    """历史标准 for each quantitative 年度 indicator of a target: last year's actual and the
    three-year average of the unit's own stored 自评表 (and the form's 历史完成值), in the row's unit."""
    from jixiao.core.cycle.target import Past
    from jixiao.intake.form import parse_target
    from jixiao.store.targets import history_for

    stated: dict[str, list[Past]] = {}
    try:
        for name, rows in (document.get("历史完成值") or {}).items():
            for r in rows if isinstance(rows, list) else []:
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
