"""The entry form's fields as HTML, written here rather than by the template engine.

The entry page has some fifty fields of a dozen inputs and labels each; through templates
(``{% include %}`` per field, ~60 variable lookups and filters per field) that was ~25 ms of its
~35 ms of CPU, and the live score rewrote every field's problem block the same way. Here it is a
few milliseconds. The markup is what the templates wrote; every value from the edition or the user
goes through :func:`conditional_escape` (as a template's ``{{ }}`` does), and tests check a fact
containing ``<script>`` renders as text.
"""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat, floatformat, linebreaksbr, truncatechars
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from jixiao.web.entry import Field, Group


def _e(value) -> str:
    return conditional_escape("" if value is None else value)


def groups(gs: list[Group], *, ev=None, attachments: bool = False, can_attach: bool = False,
           readonly: bool = False) -> SafeString:
    """Every indicator's fieldset with its fields (the entry form's body)."""
    out: list[str] = []
    for i, g in enumerate(gs, 1):
        path = f'<span class="muted">{_e(g.path)} › </span>' if g.path else ""
        weight = f'<span class="muted">（{_e(floatformat(g.weight, "-2"))} 分）</span>' if g.weight else ""
        out.append(f'<fieldset class="ind" id="g-{i}">\n  <legend>{path}{_e(g.name)}{weight}</legend>\n')
        if g.definition or g.scoring:
            out.append('  <details class="help"><summary>指标说明与评分标准</summary>\n')
            if g.definition:
                out.append(f"    <p><strong>指标说明：</strong>{linebreaksbr(g.definition, autoescape=True)}</p>\n")
            if g.scoring:
                out.append(f"    <p><strong>评分标准：</strong>{linebreaksbr(g.scoring, autoescape=True)}</p>\n")
            out.append("  </details>\n")
        for f in g.fields:
            out.append(field(f, ev=ev, attachments=attachments, can_attach=can_attach, readonly=readonly))
        if not g.fields:
            out.append('<p class="muted">本指标没有需要填写的事实。</p>')
        out.append("</fieldset>\n")
    return mark_safe("".join(out))


def field(f: Field, *, ev=None, attachments: bool = False, can_attach: bool = False, readonly: bool = False) -> str:
    """One fact: its label and help, its inputs, its problems, its evidence files."""
    n, name = _e(f.n), _e(f.name)
    invalid = ' aria-invalid="true"' if f.errors else ""
    ro = " readonly" if readonly else ""
    unit = f'<span class="muted">（{_e(f.unit)}）</span>' if f.unit else ""
    available = f" · {_e(floatformat(f.available, '-2'))} 分" if f.available else ""
    optional = "" if f.spec.required else " · 选填"
    help_ = f'<div class="muted">{_e(f.spec.help)}</div>' if f.spec.help else ""
    out = [f'<div class="fact">\n  <div>\n    <label for="f{n}">{_e(f.label)}</label>{unit}\n'
           f'    <div class="muted">{name} · {_e(f.type_text)}{available}{optional}</div>\n    {help_}\n  </div>\n'
           f'  <div>\n    <div class="inputs">\n']
    kind = f.kind
    choices = f.choices
    if choices:
        options = "".join(f"<option{' selected' if c == f.value else ''}>{_e(c)}</option>" for c in choices)
        out.append(f'      <select id="f{n}" name="v.{name}" aria-describedby="err-f{n}"{invalid}'
                   f'{" disabled" if readonly else ""}>\n        <option value="">（未填）</option>\n'
                   f"        {options}\n      </select>\n")
    elif kind == "text":
        out.append(f'      <textarea id="f{n}" name="v.{name}" aria-describedby="err-f{n}"{ro}>{_e(f.value)}</textarea>\n')
    else:
        out.append(f'      <input type="text" inputmode="decimal" size="14" id="f{n}" name="v.{name}" value="{_e(f.value)}" '
                   f'aria-describedby="err-f{n}"{invalid}{ro}>\n')
    if kind == "judgement":
        out.append(f'      <label for="p{n}" class="muted">或酌情得分</label>\n'
                   f'      <input type="text" inputmode="decimal" size="5" id="p{n}" name="p.{name}" value="{_e(f.points)}"{ro}>\n')
    if kind != "text":
        out.append(f'      <label for="e{n}" class="muted">{"理由" if kind == "score" else "依据"}</label>\n'
                   f'      <input type="text" class="ev" id="e{n}" name="e.{name}" value="{_e(f.evidence)}"{ro}>\n')
    if f.fixed_unit:
        out.append(f'      <input type="hidden" name="u.{name}" value="{_e(f.fixed_unit)}">\n')
    out.append("    </div>\n    ")
    out.append(problems(f))
    if attachments:
        out.append(_attachments(f, ev, can_attach))
    out.append("\n  </div>\n</div>\n")
    return "".join(out)


def problems(f: Field, oob: bool = False) -> str:
    """The field's problem block; the live score swaps it in out of band (``oob``)."""
    items = []
    for p in f.problems:
        cell = f"（单元格 {_e(p.where)}）" if p.where and "!" in p.where else ""
        items.append(f'<p class="problem{" warning" if p.is_warning else ""}"><strong>'
                     f'{"△ 提示" if p.is_warning else "⚠ 错误"}</strong>：{_e(p.message)}{cell} '
                     f'<span class="muted">[{_e(p.code)}]</span></p>')
    swap = ' hx-swap-oob="true"' if oob else ""
    return f'<div id="err-f{_e(f.n)}" aria-live="polite"{swap}>{"".join(items)}</div>\n'


def problems_oob(fields: list[Field]) -> SafeString:
    return mark_safe("".join(problems(f, oob=True) for f in fields))


def _attachments(f: Field, ev, can_attach: bool) -> str:
    files = getattr(f, "attachments", None) or []
    links = "；".join(f'<a href="{_e(reverse("web:attachment", args=[ev.pk, a.pk]))}">📎 {_e(a.name)}</a>'
                     f"（{_e(filesizeformat(a.size))}）" for a in files)
    upload = ""
    if can_attach:
        n = _e(f.n)
        upload = (f'\n  <details><summary>上传佐证材料</summary>\n'
                  f'    <label for="att-file-{n}">“{_e(truncatechars(f.label, 20))}”的佐证文件（PDF、图片、Word、Excel、TXT）</label>\n'
                  f'    <input type="file" id="att-file-{n}" name="file" form="att-{n}" required>\n'
                  f'    <input type="hidden" name="target" value="{_e(f.name)}" form="att-{n}">\n'
                  f'    <button type="submit" class="secondary" form="att-{n}">上传</button>\n  </details>')
    return f'<div class="muted">\n  {links}{upload}\n</div>'
