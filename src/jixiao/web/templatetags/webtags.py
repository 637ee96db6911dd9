"""Filters for the pages: points rounded as everywhere else (四舍五入, two decimals)."""

from __future__ import annotations

from django import template

from jixiao.core.evaluation import STATUS_TEXT
from jixiao.core.numbers import round_half_up

register = template.Library()


@register.filter
def pts(value) -> str:
    if value is None or value == "":
        return "—"
    try:
        return f"{round_half_up(float(value)):.2f}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def status_text(value) -> str:
    return STATUS_TEXT.get(value, value)


@register.filter
def get(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def signed(value) -> str:
    """A change of points with its sign and an arrow, so it does not rest on colour."""
    if value is None:
        return "—"
    v = round_half_up(float(value))
    if v > 0:
        return f"▲ +{v:.2f}"
    if v < 0:
        return f"▼ {v:.2f}"
    return "0.00"


@register.filter
def sub(a, b):
    try:
        return float(a) - float(b)
    except (TypeError, ValueError):
        return None


@register.filter
def total_weight(indicators) -> float:
    return sum(i["weight"] for i in indicators or [] if i.get("level") == 1)


@register.filter
def jsonish(value) -> str:
    """A stored fact as a person reads it: 达到 / 未达到, points, a value with its evidence."""
    if isinstance(value, bool):
        return "达到" if value else "未达到"
    if isinstance(value, dict):
        parts = []
        if "met" in value:
            parts.append("达到" if value["met"] else "未达到")
        for key, word in (("points", "得分"), ("value", ""), ("level", ""), ("score", "评分")):
            if value.get(key) is not None:
                parts.append(f"{word}{value[key]}")
        ev = value.get("evidence") or value.get("justification")
        if ev:
            parts.append(f"（{ev}）")
        return " ".join(parts) or "—"
    return "—" if value is None else str(value)


@register.simple_tag(takes_context=True)
def entry_groups(context):
    """The entry form's fieldsets and fields (written in Python: jixiao.web.fields_html)."""
    from jixiao.web import fields_html

    return fields_html.groups(context.get("groups") or [], ev=context.get("ev"),
                              attachments=context.get("attachments") is not None,
                              can_attach=bool(context.get("can_attach")), readonly=bool(context.get("readonly")))


@register.simple_tag
def problems_oob(fields):
    """Each field's problem block, swapped in beside its field by the live score (HTMX out of band)."""
    from jixiao.web import fields_html

    return fields_html.problems_oob(fields or [])
