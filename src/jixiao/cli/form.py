"""``jixiao score FORM`` for a project self-evaluation form: recomputed scores, traces, disagreements.

``jixiao score`` hands a result here when the file's edition is of kind ``project-form``;
department cases keep their own table. The table shows each line's 分值, the form's stated 得分, the
recomputed 得分 and the trace; below it, every disagreement with what the form states and every
item a reviewer must look at, each with its stable code.
"""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jixiao.core.form import FormResult
from jixiao.core.numbers import fmt_pct, fmt_points

STATUS = {"scored": "已评分", "incomplete": "部分无法评分"}


def form_table(r: FormResult) -> Table:
    f = r.form
    year = f"{f.year} 年度 · " if f.year else ""
    t = Table(title=escape(f"{f.project} {year}{r.framework_name}（{r.framework}）"), title_justify="left")
    for col, justify in (("指标", "left"), ("指标值", "left"), ("完成值", "left"), ("分值", "right"),
                         ("表列得分", "right"), ("重算得分", "right"), ("评分说明", "left")):
        t.add_column(col, justify=justify, overflow="fold", no_wrap=col == "指标")
    level1 = None
    for i, ln in enumerate(r.lines):
        if i == 0:
            t.add_row("[bold]预算执行率[/bold]", "", fmt_pct(r.rate) if r.rate is not None else "—", fmt_points(ln.points),
                      _shown(ln.stated), _score(ln), escape(ln.trace))
            continue
        row = f.rows[i - 1]
        if row.level1 != level1:
            level1 = row.level1
            t.add_section()
            t.add_row(f"[bold]{escape(level1)}[/bold]", "", "", "", "", "", "")
        target = row.target_text or (f"{row.op}{row.target:g}{row.unit}" if row.op else "")
        actual = row.actual_text or ("" if row.actual is None else f"{row.actual:g}{row.unit}")
        t.add_row(f"　{escape(row.level3)}", escape(target), escape(actual), fmt_points(ln.points), _shown(ln.stated),
                  _score(ln), escape(ln.trace))
    t.add_section()
    t.add_row("[bold]总分[/bold]", "", "", fmt_points(sum(ln.points for ln in r.lines)), _shown(f.stated_total),
              f"[bold]{r.total:.2f}[/bold]", f"{STATUS[r.status]}" + (f"；等级：{r.grade}" if r.grade else "")
              + ("；表格在中途截断，总分只计已有各行，不完整" if r.truncated else ""))
    return t


def _shown(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _score(ln) -> str:
    if ln.score is None:
        return "[red]—[/red]"
    text = f"{ln.cents / 100:.2f}"
    return f"[yellow]{text}[/yellow]" if ln.diff else text


def print_form(r: FormResult, format: str) -> None:
    """Print a scored form as a table (or its JSON); exit 3 when some line cannot be scored."""
    if format == "json":
        print(json.dumps(r.to_json(), ensure_ascii=False, indent=2))
    else:
        console = Console(width=170)
        console.print(form_table(r))
        review = r.review
        if review:
            console.print(f"[bold]需复核（{len(review)} 项）：[/bold]")
            for x in review:
                console.print(f"  · {escape(str(x))}")
        else:
            console.print("与表列得分一致，无需复核的事项。")
        for x in r.findings:
            if not x.review:
                console.print(f"提示：{escape(str(x))}")
        console.print(f"指标体系版本指纹：{r.edition_hash[:16]}；各行得分四舍五入到 0.01 分，总分为各行舍入后得分之和。")
    if r.status != "scored":
        bad = [ln.name for ln in r.lines if ln.score is None]
        print(f"注意：{len(bad)} 行无法评分（{'、'.join(bad)}），总分不完整", file=sys.stderr)
        raise typer.Exit(3)
