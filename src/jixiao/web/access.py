"""Who may see which page. Scope comes from the store's selectors; this only adds the page-level rules.

An evaluation outside the user's scope is answered with 404, exactly as if it did not exist, so a
unit cannot learn by typing addresses which other units' evaluations there are.
"""

from __future__ import annotations

from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404

from jixiao.store import selectors
from jixiao.store.models import Kind, Role

ROLE_TEXT = dict(Role.choices)
OVERVIEW_ROLES = {Role.DEPT, Role.FINANCE, Role.ADMIN}
AUDIT_ROLES = {Role.DEPT, Role.FINANCE, Role.ADMIN}
BATCH_ROLES = {Role.UNIT, Role.DEPT, Role.FINANCE, Role.ADMIN}


def roles(user) -> set[str]:
    return {str(r) for r in selectors.roles(user)}


def context(request) -> dict:
    """Template context for every page: the user's roles and which menu entries they may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    mine = roles(user)
    return {
        "my_roles": mine,
        "role_names": "、".join(ROLE_TEXT.get(r, r) for r in sorted(mine)),
        "perms_web": {"overview": bool(mine & OVERVIEW_ROLES), "audit": bool(mine & AUDIT_ROLES),
                      "batch": bool(mine & BATCH_ROLES), "expert": Role.EXPERT in mine},
    }


def needs(allowed: set[str]):
    """A view only for some roles; others get 404 (the page's existence is not theirs to know)."""

    def wrap(view):
        @wraps(view)
        @login_required
        def inner(request, *args, **kwargs):
            if not roles(request.user) & allowed:
                raise Http404("页面不存在")
            return view(request, *args, **kwargs)

        return inner

    return wrap


def evaluation_or_404(user, pk: int, *, framework: bool = True):
    """The evaluation, if in the user's scope; ``framework=False``: see :func:`selectors.evaluation`."""
    ev = selectors.evaluation(user, pk, framework=framework)
    if ev is None:
        raise Http404("没有这项评价，或您无权查看")
    if ev.kind == Kind.PREASSESS and not ({str(r) for r in selectors.roles(user, ev)} - {Role.EXPERT}):
        # an expert reads a 事前评估 only on its own page, which shows them their own marks only
        raise Http404("没有这项评价，或您无权查看")
    return ev


def data_dir() -> Path:
    return Path(getattr(settings, "JIXIAO_DATA_DIR", "jixiao-data"))
