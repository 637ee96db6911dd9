"""Reports across evaluations, for ``jixiao db history`` and ``db rank`` and the API: plain data,
scoped by the queryset the caller passes in."""

from __future__ import annotations

from collections import Counter

from django.db.models import OuterRef, QuerySet, Subquery

from jixiao.store.models import Evaluation, Kind, Score

GRADE_ORDER = ["优", "良", "中", "差"]
RANKED = (Kind.DEPT, Kind.PROJECT)  # kinds whose total is points out of 100


def level1_of(kind: str, record: dict) -> dict[str, float | None]:
    """Level-1 scores from a stored record: a case's level-1 indicators, a form's 一级指标 groups."""
    if kind == Kind.PROJECT:
        out: dict[str, float | None] = {}
        for ln in record.get("lines", []):
            key = ln.get("level1") or "预算执行"
            out[key] = (out.get(key) or 0.0) + (ln.get("score") or 0.0)
        return out
    return {i["name"]: i["score"] for i in record.get("indicators", []) if i.get("level") == 1}


def with_latest(qs: QuerySet[Evaluation], record: bool = False) -> QuerySet[Evaluation]:
    """Total and grade are on the evaluation already; the current record is one subquery more."""
    if record:
        latest = Score.objects.filter(version__evaluation=OuterRef("pk"), version__number=OuterRef("current"))
        qs = qs.annotate(record=Subquery(latest.values("record")[:1]))
    return qs


def history(qs: QuerySet[Evaluation]) -> list[dict]:
    """Years side by side for one unit's evaluations: per kind and title, each year's total, grade,
    level-1 scores and the change from the year before."""
    rows = []
    for ev in with_latest(qs.filter(current__gt=0), record=True).order_by("kind", "title", "year"):
        rows.append({"kind": ev.kind, "kind_label": ev.get_kind_display(), "title": ev.title, "year": ev.year,
                     "total": ev.total, "grade": ev.grade or "", "state": ev.get_state_display(),
                     "level1": level1_of(ev.kind, ev.record or {}), "id": ev.id})
    previous: dict[tuple, float] = {}
    for r in rows:
        key = (r["kind"], r["title"])
        r["change"] = None if key not in previous or r["total"] is None else r["total"] - previous[key]
        if r["total"] is not None:
            previous[key] = r["total"]
    return rows


def rank(qs: QuerySet[Evaluation], year: int, edition: str | None = None, kind: str | None = None) -> dict:
    """Evaluations of one year ranked by total (ties share a rank), and the grade distribution.
    Only self-evaluations are ranked: a target's or a monitoring sheet's "total" counts its findings,
    not points."""
    qs = qs.filter(year=year, current__gt=0, kind__in=RANKED)
    if edition:
        qs = qs.filter(edition__ref=edition) | qs.filter(edition__hash__startswith=edition)
    if kind:
        qs = qs.filter(kind=kind)
    rows = list(with_latest(qs).select_related("unit", "edition").order_by("-total", "unit__code", "title"))
    out, last, place = [], None, 0
    for i, ev in enumerate(rows, 1):
        if ev.total != last:
            place, last = i, ev.total
        out.append({"rank": place, "unit": ev.unit.code, "unit_name": ev.unit.name, "title": ev.title,
                    "kind": ev.get_kind_display(), "edition": ev.edition.ref, "total": ev.total, "grade": ev.grade or "",
                    "state": ev.get_state_display(), "id": ev.id})
    counts = Counter(r["grade"] or "无" for r in out)
    grades = [g for g in GRADE_ORDER if g in counts] + sorted(g for g in counts if g not in GRADE_ORDER)
    return {"rows": out, "grades": {g: counts[g] for g in grades}, "count": len(out)}
