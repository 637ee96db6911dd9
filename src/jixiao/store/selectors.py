"""Every read, scoped to the user. Scope is a unit-code prefix, never a per-object permission row:

- 单位填报 sees its unit's evaluations; 主管部门审核 its own and its units' (the code subtree);
- 财政绩效处 sees everything in its 区划 (its unit's subtree, or all when it has no unit);
- 专家/第三方 sees the evaluations it is assigned to; 管理员 sees all.

Objects outside scope are "not found" to the caller (the API answers 404, not 403).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from jixiao.store.models import Evaluation, Membership, Role, Unit


def memberships(user) -> list[Membership]:
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_jixiao_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("unit"))
        user._jixiao_memberships = cached
    return cached


def roles(user, evaluation: Evaluation | None = None) -> set[str]:
    """The roles a user holds, or, given an evaluation, the roles whose scope covers it."""
    out = set()
    for m in memberships(user):
        if evaluation is None:
            out.add(m.role)
        elif m.role == Role.EXPERT:
            if evaluation.assignments.filter(user=user).exists():
                out.add(m.role)
        elif m.unit_id is None:
            if m.role in (Role.FINANCE, Role.ADMIN):
                out.add(m.role)
        elif m.role == Role.UNIT:
            if evaluation.unit_id == m.unit_id:
                out.add(m.role)
        elif evaluation.unit.path.startswith(m.unit.path):
            out.add(m.role)
    if user is not None and getattr(user, "is_superuser", False):
        out.add(Role.ADMIN)
    return out


def _unit_q(user, prefix: str = "unit__") -> Q | None:
    """The units a user may see, as a filter; None means all."""
    q = Q(pk__in=[])
    for m in memberships(user):
        if m.role == Role.EXPERT:
            continue
        if m.unit_id is None:
            if m.role in (Role.FINANCE, Role.ADMIN):
                return None
            continue
        if m.role == Role.UNIT:
            q |= Q(**{f"{prefix}id" if prefix else "id": m.unit_id})
        else:
            q |= Q(**{f"{prefix}path__startswith": m.unit.path})
    if getattr(user, "is_superuser", False):
        return None
    return q


def evaluations(user) -> QuerySet[Evaluation]:
    qs = Evaluation.objects.select_related("unit", "edition")
    q = _unit_q(user)
    if q is None:
        return qs
    if any(m.role == Role.EXPERT for m in memberships(user)):
        q |= Q(assignments__user=user)
        return qs.filter(q).distinct()
    return qs.filter(q)


def units(user) -> QuerySet[Unit]:
    qs = Unit.objects.select_related("parent")
    q = _unit_q(user, prefix="")
    if q is None:
        return qs
    experts = Evaluation.objects.filter(assignments__user=user).values("unit_id")
    return qs.filter(q | Q(id__in=experts))


def evaluation(user, pk: int, *, framework: bool = True) -> Evaluation | None:
    """One evaluation the user may see, or None (outside scope looks exactly like missing).

    ``framework=False`` leaves its edition's frozen framework (a large JSON) unread until used."""
    qs = evaluations(user)
    return (qs if framework else qs.defer("edition__framework")).filter(pk=pk).first()
