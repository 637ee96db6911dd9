"""``jixiao score FILE`` for the cycle's forms: a target form's 四性审核, a monitoring form's lights,
an 事前绩效评估's outcome. ``jixiao score`` hands a file here when :func:`cycle_kind_of` recognises
it; everything else keeps its own path. Exit 0 when read, 2 when the file is refused."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jixiao.cli import fail, warn
from jixiao.core.errors import InvalidInput

TITLES = {"target": ("绩效目标申报表",), "monitoring": ("监控表", "执行监控"), "preassessment": ("事前绩效评估",)}


def cycle_kind_of(path: str | Path) -> str | None:
    """'target', 'monitoring' or 'preassessment' when the file is one of those forms, else None."""
    from jixiao.intake.cycle import kind_of_ref
    from jixiao.intake.yamlio import load

    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            from jixiao.intake.workbook import inspect

            titles = list(inspect(path))  # file kind, size, zip and cell budget checks; no openpyxl
            return next((k for k, words in TITLES.items() if any(w in t for t in titles for w in words)), None)
        if suffix == ".json":
            from jixiao.intake.yamlio import load_json

            data = load_json(path, exact=False)  # size checked first: never /dev/zero or a FIFO read whole
        elif suffix in (".yaml", ".yml"):
            data = load(path).data
        else:
            return None
    except Exception:  # noqa: BLE001 - unreadable here means "not recognised"; its own reader will say why
        return None
    if not isinstance(data, dict):
        return None
    ref = data.get("framework")
    if ref:
        kind = kind_of_ref(str(ref)) or kind_of_ref(path.parent / str(ref))
        if kind in TITLES:
            return kind
    title = str(data.get("表名") or "")
    return next((k for k, words in TITLES.items() if any(w in title for w in words)), None)


def show(path: Path, kind: str, framework: str | None, format: str) -> None:
    {"target": show_target, "monitoring": show_monitoring, "preassessment": show_preassessment}[kind](path, framework, format)


def show_target(path: Path, framework: str | None, format: str) -> None:
    from jixiao.core.cycle.target import CATEGORIES, review
    from jixiao.intake.cycle import fingerprint
    from jixiao.intake.target import read_target

    try:
        form, ed, history, warnings = read_target(path, framework)
    except InvalidInput as exc:
        fail(exc)
    warn(warnings)
    r = review(ed, form, history, fingerprint(ed))
    if format == "json":
        return print(json.dumps(r.to_json(), ensure_ascii=False, indent=2))
    c = Console(width=160)
    year = f"{form.year} 年度 · " if form.year else ""
    t = Table(title=f"{escape(form.subject)} {year}{ed.name}（{ed.id}）四性审核", title_justify="left")
    for col in ("审核类别", "须修改", "提示", "审核发现"):
        t.add_column(col, overflow="fold")
    for cat, items in r.by_category().items():
        must = sum(1 for f in items if f.severity == "须修改")
        text = "\n".join(escape(f"{f.indicator + '：' if f.indicator else ''}{f.message} [{f.code}]") for f in items) or "无"
        t.add_row(cat, str(must), str(len(items) - must), text)
    c.print(t)
    c.print(f"指标 {len(form.indicators)} 项（{'、'.join(f'{p} {len(form.rows(p))}' for p in ed.periods)}）；"
            f"自动检查 {len(ed.checks)} 项，发现 {len(r.findings)} 处（{'、'.join(f'{k} {len(v)}' for k, v in r.by_category().items() if v) or '无'}）。")
    c.print(f"建议等级：{r.suggested}（依自动检查，不替代审核人员的等级）")
    for o in form.opinions:
        remarks = "；".join(f"{k}：{v}" for k, v in o.remarks.items())
        c.print(f"{o.level}：{o.grade or '未评等级'}{'，' + escape(remarks) if remarks else ''}")
    cons = r.consequence
    who = "审核等级" if r.grade else "按建议等级"
    c.print(f"[bold]{who} {cons.grade}：{cons.consequence}[/bold]（下一步：{cons.next}）")
    if any(f.where for f in r.findings):
        c.print("位置：" + "；".join(escape(f"{f.check} {f.where}") for f in r.findings if f.where))
    c.print(f"审核规则版本指纹：{r.fingerprint[:16]}；四性：{'、'.join(CATEGORIES)}。")


def show_monitoring(path: Path, framework: str | None, format: str) -> None:
    from jixiao.core.cycle.monitoring import LIGHT_STYLE, monitor
    from jixiao.intake.cycle import fingerprint
    from jixiao.intake.monitoring import read_monitoring

    try:
        form, ed, warnings = read_monitoring(path, framework)
    except InvalidInput as exc:
        fail(exc)
    warn(warnings)
    r = monitor(ed, form, fingerprint(ed))
    if format == "json":
        return print(json.dumps(r.to_json(), ensure_ascii=False, indent=2))
    c = Console(width=160)
    t = Table(title=f"{escape(form.project)} {form.year or ''} 年 {form.period_label} · {ed.name}（{ed.id}）", title_justify="left")
    for col in ("对象", "预警规则", "数值", "灯", "说明"):
        t.add_column(col, overflow="fold")
    for lt in r.lights:
        style = LIGHT_STYLE.get(lt.light, "")
        shown = f"[{style}]{lt.light}[/{style}]" if style else lt.light
        t.add_row(escape(lt.subject), escape(lt.rule), lt.shown_value, shown, escape(lt.reason))
    c.print(t)
    c.print(f"结论：{r.status}" + (f"；须在规定时限内作出处理决定（{'、'.join(ed.decisions)}）" if ed.decisions and r.status == "异常" else ""))
    if r.findings:
        c.print(f"[bold]需处理（{len(r.findings)} 项）：[/bold]")
        for f in r.findings:
            c.print(f"  · {escape(str(f))}")
    c.print(f"预警规则版本指纹：{r.fingerprint[:16]}")


def show_preassessment(path: Path, framework: str | None, format: str) -> None:
    from jixiao.core.cycle.preassess import assess
    from jixiao.intake.cycle import fingerprint
    from jixiao.intake.preassess import read_preassessment

    try:
        sheet, ed, warnings = read_preassessment(path, framework)
    except InvalidInput as exc:
        fail(exc)
    warn(warnings)
    r = assess(ed, sheet, fingerprint(ed))
    if format == "json":
        return print(json.dumps(r.to_json(), ensure_ascii=False, indent=2))
    c = Console(width=160)
    t = Table(title=f"{escape(sheet.project)} · {ed.name}（{ed.id}）", title_justify="left")
    for col in ("评估维度", "权重", *[e for e in r.experts], "平均得分", "等级"):
        t.add_column(col, justify="left" if col == "评估维度" else "right")
    for d in r.dimensions:
        t.add_row(d.name, f"{d.weight:g}", *[f"{s:.2f}" for s in d.by_expert], f"{d.score:.2f}", d.grade)
    t.add_section()
    t.add_row("[bold]合计[/bold]", f"{ed.total:g}", *[f"{s:.2f}" for s in r.expert_totals], f"[bold]{r.total:.2f}[/bold]", r.grade)
    c.print(t)
    c.print(f"[bold]评估结论：{r.outcome}[/bold]——{escape(r.reason)}")
    for f in r.findings:
        c.print(f"  · {escape(str(f))}")
    c.print(f"评估规则版本指纹：{r.fingerprint[:16]}")


