"""Work every server process would otherwise do on its first requests, done once before serving.

A fresh process pays, on its first pages, for importing every view, compiling the templates,
reading and validating the shipped editions (twelve YAML files: by far the most of it) and each
edition's framework in use: measured on PostgreSQL, the first 工作台 cost 1.6 s of CPU and the first
entry page 2.4 s, against 20 ms and 60 ms afterwards. Under load such a request holds its process's
GIL for seconds, and every request in that process waits behind it. ``jixiao serve`` calls
:func:`warm` after migrating and before serving, so under gunicorn the processes are forked already
warm (sharing it copy-on-write) instead of each paying it in front of its first users.

What is loaded is the same for everyone (code, templates, immutable editions keyed by content
hash): nothing here depends on who asks.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)
EDITIONS_IN_USE = 50  # bounded: a store with more editions than this warms the most recent ones


def warm() -> dict[str, int]:
    """Load what the pages need on first use; returns counts of what was loaded (for tests)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # imports every view module  # noqa: B018
    return {"templates": _templates(), "editions": _shipped(), "frameworks": _frameworks()}


def _templates() -> int:
    """Compile the pages' templates into the cached loader, as a first render would."""
    from django.template import TemplateDoesNotExist, TemplateSyntaxError
    from django.template.loader import get_template

    root = Path(__file__).resolve().parent / "templates"
    n = 0
    for path in sorted(root.rglob("*.html")):
        try:
            get_template(path.relative_to(root).as_posix())
            n += 1
        except (TemplateDoesNotExist, TemplateSyntaxError):  # pragma: no cover - a broken template fails its own page's tests
            log.exception("模板无法预先编译：%s", path)
    return n


def _shipped() -> int:
    from jixiao.intake.editions import REGISTRY

    return len(REGISTRY.shipped())


def _frameworks() -> int:
    """The framework of each edition the store's evaluations use, as their pages load it."""
    from django.db.models import Max

    from jixiao.core.errors import InvalidInput
    from jixiao.store.models import Evaluation
    from jixiao.web import stored

    n = 0
    newest = (Evaluation.objects.filter(kind=stored.scoring.DEPT).values("edition_id").annotate(last=Max("id"))
              .order_by("-last")[:EDITIONS_IN_USE])
    for ev in Evaluation.objects.filter(id__in=[row["last"] for row in newest]).select_related("edition"):
        try:
            stored.framework(ev)
            n += 1
        except InvalidInput:  # an edition that cannot be restored says so on its own pages
            log.warning("评价 %s 的指标体系无法预先读入", ev.pk)
    return n
