"""The report as Markdown that reads well as plain text (and renders on any Markdown viewer).

Headings keep the report's numbering; tables are pipe tables with the merged level cells left
blank below their first row; the chart is ``chart.png`` beside the file. Text from a case is
escaped (``\\*``, ``\\<``, ``\\&`` …) so it shows as written and never turns into markup or HTML.
"""

from __future__ import annotations

import re
from pathlib import Path

from jixiao.reports import outline
from jixiao.reports.tables import Table

CHART = "chart.png"
_SPECIAL = re.compile(r"([\\`*_\[\]<>&|])")


def esc(text: str) -> str:
    """Backslash-escape Markdown punctuation; a leading ``#`` or ``+``/``-`` too."""
    text = _SPECIAL.sub(r"\\\1", str(text))
    return re.sub(r"^([#+\-])", r"\\\1", text)


def write(report, path: Path) -> None:
    path.write_text(render(report), encoding="utf-8")
    if report.chart:  # a document without a chart (事前评估报告) leaves no empty picture beside it
        (path.parent / CHART).write_bytes(report.chart)


def render(report) -> str:
    doc = report.document
    out: list[str] = []
    for b in doc.blocks:
        if isinstance(b, outline.Heading):
            out += [f"{'#' * (b.level + 1)} {esc(b.full)}", ""]
        elif isinstance(b, outline.Para):
            body = "".join(f"**{esc(r.text)}**" if r.bold else esc(r.text) for r in b.runs)
            out += [esc(b.lead) + body, ""]
        elif b.name == "title":
            out += [f"# {esc(b.arg)}", ""]
        elif b.name == "unit":
            out += [esc(b.arg), ""]
        elif b.name == "toc":
            out += ["## 目录", ""]
            for h in doc.headings(2):
                out.append(f"{'  ' * (h.level - 1)}- {esc(h.full)}")
            for i, t in enumerate(report.attachments, 1):
                out.append(f"- 附件{i}　{esc(t.caption)}")
            out += ["", "---", ""]
        elif b.name == "scores":
            out += table(report.summary)
        elif b.name == "table":
            out += table(report.tables[int(b.arg) - 1])
        elif b.name == "chart":
            out += [f"![一级、二级指标得分与参考分值对比]({CHART})", ""]
        elif b.name == "attachments":
            for i, t in enumerate(report.attachments, 1):
                out.append(f"{'附件：' if i == 1 else '　　　'}{i}. {esc(t.caption)}  ")
            out.append("")
    for i, t in enumerate(report.attachments, 1):
        out += ["---", "", f"## 附件{i}　{esc(t.caption)}", ""]
        out += table(t, caption=False, long_columns=True)
    return "\n".join(out).rstrip() + "\n"


def table(t: Table, caption: bool = True, long_columns: bool = False) -> list[str]:
    """A pipe table; the header's bottom row names the columns (spans above it are folded in)."""
    grid = _flatten(t)
    heads, rows = grid[0], grid[1:]
    out = [f"**{esc(t.caption)}**", ""] if caption else []
    out.append("| " + " | ".join(heads) + " |")
    out.append("|" + "|".join(":---" if long_columns and len(h) > 2 and h in ("指标说明", "评分标准") else ":---:" for h in heads) + "|")
    for row in rows:
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    return out


def _flatten(t: Table) -> list[list[str]]:
    """Header rows folded into one row of names; body cells covered by a span left blank."""
    n = t.columns
    names = [""] * n
    for row in t.header:
        for i, cell in enumerate(row):
            if cell is None:
                continue
            for k in range(i, i + cell.colspan):
                names[k] = (names[k] + "·" + cell.text) if names[k] and cell.text not in ("名称",) else (names[k] or cell.text)
    # "评价指标·一级指标·名称" reads best as "一级指标", "…·参考分值" as "一级指标分值".
    clean = [re.sub(r"^评价指标·", "", x) for x in names]
    clean = [x.replace("·参考分值", "分值") for x in clean]
    out = [[esc(x) for x in clean]]
    for row in t.body:
        out.append([esc(" ".join(cell.lines)) if cell is not None else "" for cell in row])
    return out
