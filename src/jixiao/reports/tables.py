"""The report's tables as plain data: cells with spans, rendered alike by every writer.

Two tables, both built from the evaluation and the framework only:

* :func:`summary_table` — chapter 四: each level-one indicator beside its level-two indicators,
  with 参考分值 and 得分, and the total;
* :func:`indicator_table` — 附件1: the full framework (一级/二级/三级 with 参考分值, 指标说明,
  评分标准, 得分), the level cells merged over the rows they cover, as in the seed.

A grid is a list of rows; each row has one entry per column, ``None`` where a span covers it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jixiao.core.evaluation import Evaluation, IndicatorResult
from jixiao.core.model import Framework
from jixiao.core.numbers import fmt_points, round_half_up
from jixiao.reports.outline import chinese_number


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    align: str = "center"  # or "left"
    bold: bool = False

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n") if self.text else [""]


@dataclass
class Table:
    caption: str
    header: list[list[Cell | None]]
    body: list[list[Cell | None]]
    widths: list[float]  # millimetres
    font_pt: float = 10.5
    notes: list[str] = field(default_factory=list)
    min_row_mm: float = 0.0  # body rows at least this tall (a row to sign in); 0: as the text needs

    @property
    def columns(self) -> int:
        return len(self.widths)

    def rows(self):
        yield from self.header
        yield from self.body


def shown(score: float | None, whole: bool = True) -> str:
    """A score as the seed's table writes it: 5, 1.67 (or always two decimals)."""
    if score is None:
        return "—"
    return fmt_points(score) if whole else f"{round_half_up(score):.2f}"


def summary_table(ev: Evaluation) -> Table:
    """一级指标 and its 二级指标 with weights and scores; the level-one cells span their children."""
    header = [[Cell("一级指标", bold=True), Cell("参考分值", bold=True), Cell("得分", bold=True),
               Cell("二级指标", bold=True), Cell("参考分值", bold=True), Cell("得分", bold=True)]]
    body: list[list[Cell | None]] = []
    for top in ev.level(1):
        kids = ev.children(top.id) or [top]
        for i, kid in enumerate(kids):
            if i == 0:
                span = len(kids)
                row: list[Cell | None] = [Cell(top.name, rowspan=span), Cell(fmt_points(top.weight), rowspan=span),
                                          Cell(shown(top.score, False), rowspan=span)]
            else:
                row = [None, None, None]
            row += [Cell(kid.name), Cell(fmt_points(kid.weight)), Cell(shown(kid.score, False))]
            body.append(row)
    total_weight = sum(r.weight for r in ev.level(1))
    body.append([Cell("合计", bold=True), Cell(fmt_points(total_weight), bold=True),
                 Cell(f"{round_half_up(ev.total):.2f}", bold=True), Cell("—"), Cell("—"), Cell("—")])
    return Table("一级、二级指标得分情况", header, body, widths=[32, 20, 22, 40, 20, 22], font_pt=12)


def indicator_table(fw: Framework, ev: Evaluation) -> Table:
    """附件1: the whole framework with every leaf's score, levels merged as in the seed."""
    levels = max((r.level for r in ev.results), default=1)
    names = ["一级指标", "二级指标", "三级指标", "四级指标"]
    ncols = 2 * levels + 3
    header: list[list[Cell | None]] = [
        [Cell("评价指标", colspan=2 * levels, bold=True)] + [None] * (2 * levels - 1)
        + [Cell("指标说明", rowspan=3, bold=True), Cell("评分标准", rowspan=3, bold=True), Cell("得分", rowspan=3, bold=True)],
        [], [],
    ]
    for lv in range(levels):
        header[1] += [Cell(names[lv] if lv < len(names) else f"{chinese_number(lv + 1)}级指标", colspan=2, bold=True), None]
        header[2] += [Cell("名称", bold=True), Cell("参考分值", bold=True)]
    header[1] += [None, None, None]
    header[2] += [None, None, None]

    by_id = {r.id: r for r in ev.results}
    leaves = ev.leaves()
    body: list[list[Cell | None]] = []

    def chain(leaf: IndicatorResult) -> list[IndicatorResult]:
        out = [leaf]
        while out[0].parent:
            out.insert(0, by_id[out[0].parent])
        return out

    def count_leaves(r: IndicatorResult) -> int:
        return sum(1 for leaf in leaves if r.id in (x.id for x in chain(leaf)))

    seen: set[str] = set()
    for leaf in leaves:
        path = chain(leaf)
        row: list[Cell | None] = []
        for lv in range(levels):
            node = path[lv] if lv < len(path) else None
            if node is None:
                row += [Cell(""), Cell("")]
            elif node.id in seen:
                row += [None, None]
            else:
                seen.add(node.id)
                span = count_leaves(node)
                row += [Cell(node.name, rowspan=span), Cell(fmt_points(node.weight), rowspan=span)]
        spec = fw.find(leaf.id)
        row += [Cell(lines(spec.definition if spec else ""), align="left"),
                Cell(lines(spec.scoring if spec else ""), align="left"),
                Cell(shown(leaf.score))]
        body.append(row)
    total: list[Cell | None] = [Cell("总分", bold=True), Cell(fmt_points(sum(r.weight for r in ev.level(1))), bold=True)]
    for lv in range(1, levels):
        total += [Cell("—"), Cell(fmt_points(sum(r.weight for r in ev.level(lv + 1))), bold=True)]
    total += [Cell("—"), Cell("—"), Cell(f"{round_half_up(ev.total):.2f}", bold=True)]
    body.append(total)
    # 225 mm is the type area of a landscape A4 page with the official margins turned sideways.
    names_mm = {1: [24], 2: [18, 24], 3: [18, 18, 24]}.get(levels, [18] * levels)
    fixed = [w for name in names_mm for w in (name, 11)]
    rest = 225 - sum(fixed) - 13
    widths = fixed + [rest * 0.4, rest * 0.6, 13]
    assert len(widths) == ncols
    return Table(fw.name, header, body, widths=widths, font_pt=10.5)


_BREAK = re.compile(r"(?<![A-Za-z.])\s+(?=(?:\d+[.．、]|[（(]\d+[)）]|注[:：]|其中[:：]|[^\sA-Za-z\d]))")


_LEAD = re.compile(r"(^|\n)([（(]\d+[)）])\n")


def lines(text: str) -> str:
    """The framework's folded text with its line breaks back: a space left by YAML folding between
    Chinese sentences, or before a numbered item, was a line break in the source."""
    text = _BREAK.sub("\n", " ".join(str(text or "").split()))
    return _LEAD.sub(r"\1\2 ", text)
