"""The 绩效目标申报表 in its printed layout (财预〔2015〕88号 附件), as one table of merged cells.

项目支出: the header (项目名称, 主管部门及代码, 实施单位, 项目属性, 项目期), 项目资金 by period
(资金总额, 其中 财政拨款 / 其他资金), 总体目标 (中期, 年度), then a block of indicator rows per
period — 一级指标 / 二级指标 / 三级指标 / 指标值 / 指标值确定依据, the level cells merged over the
rows they cover, in the edition's order of levels. 部门（单位）整体: 部门名称, the 年度主要任务 with
their amounts, the year's funds, 年度总体目标 and the 年度 indicators. The reviewers' grades and
opinions, when the form carries them, close the table.

The same grid (:class:`jixiao.reports.tables.Table`) is written as DOCX (the official page, by
:func:`jixiao.reports.docx_writer.write_form`) and as XLSX (:func:`write_xlsx`). Nothing is added to
what the form says: a field the form leaves empty stays an empty cell, as on paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jixiao.core.cycle.target import ANNUAL, MEDIUM, Indicator, TargetEdition, TargetForm
from jixiao.core.numbers import fmt_amount
from jixiao.reports.tables import Cell, Table

# Column widths in millimetres, filling the 156 mm type area of a portrait A4 page: label, then
# 一级 / 二级 / 三级 / 指标值 / 依据 (a department's tasks: 任务名称 / 主要内容 / 总额 / 财政拨款 / 其他资金).
WIDTHS = {"project": [20, 20, 26, 38, 30, 22], "dept": [20, 24, 36, 28, 24, 24]}


@dataclass
class FormSheet:
    """A printed form: title, the line under it, the table, and what made it."""

    title: str
    subtitle: str
    left: str
    right: str
    table: Table
    subject: str
    meta: str


def sheet(ed: TargetEdition, form: TargetForm, fingerprint: str = "") -> FormSheet:
    """The printed form of ``form`` under its edition."""
    table = _project(ed, form) if form.form == "project" else _dept(ed, form)
    year = f"（{form.year}年度）" if form.year else ""
    who = form.header.get("实施单位") or form.header.get("部门名称") or ""
    title = ed.name
    meta = f"由 jixiao 根据绩效目标申报表生成；审核规则 {ed.id}" + (f"（{fingerprint[:12]}）" if fingerprint else "")
    return FormSheet(title, year, f"填报单位（盖章）：{who}", f"金额单位：{form.money_unit}", table, ed.name, meta)


def _money(x: float | None) -> str:
    return "" if x is None else fmt_amount(x)


def _c(text, **kw) -> Cell:
    return Cell("" if text is None else str(text), **kw)


def _project(ed: TargetEdition, form: TargetForm) -> Table:
    h = form.header
    rows: list[list[Cell | None]] = [
        [_c("项目名称", bold=True), _c(h.get("项目名称"), colspan=5, align="left"), None, None, None, None],
        [_c("主管部门及代码", bold=True), _c(h.get("主管部门及代码"), colspan=2, align="left"), None,
         _c("实施单位", bold=True), _c(h.get("实施单位"), colspan=2, align="left"), None],
        [_c("项目属性", bold=True), _c(h.get("项目属性"), colspan=2), None, _c("项目期", bold=True),
         _c(h.get("项目期"), colspan=2), None],
    ]
    medium, annual = form.funds.get(MEDIUM), form.funds.get(ANNUAL)
    lines = (("资金总额", "total"), ("其中：财政拨款", "fiscal"), ("其他资金", "other"))
    for i, (label, attr) in enumerate(lines):
        head = _c(f"项目资金（{form.money_unit}）", rowspan=3, bold=True) if i == 0 else None
        rows.append([head, _c(f"中期{label}" if i == 0 else label, colspan=2), None,
                     _c(_money(getattr(medium, attr)) if medium else ""),
                     _c(f"年度{label}" if i == 0 else label), _c(_money(getattr(annual, attr)) if annual else "")])
    span = h.get("项目期") or ""
    rows.append([_c("总体目标", rowspan=2, bold=True), _c(f"中期目标（{span}）" if span else "中期目标", colspan=3, bold=True),
                 None, None, _c("年度目标", colspan=2, bold=True), None])
    rows.append([None, _c(form.goals.get(MEDIUM), colspan=3, align="left"), None, None,
                 _c(form.goals.get(ANNUAL), colspan=2, align="left"), None])
    for period in ed.periods:
        rows += _indicators(ed, form.rows(period), f"{period}绩效指标")
    rows += _opinions(form)
    return Table(ed.name, [], rows, widths=WIDTHS["project"], font_pt=10.5)


def _dept(ed: TargetEdition, form: TargetForm) -> Table:
    h = form.header
    unit = form.money_unit
    rows: list[list[Cell | None]] = [
        [_c("部门（单位）名称", bold=True), _c(h.get("部门名称"), colspan=5, align="left"), None, None, None, None]]
    tasks = form.tasks
    rows.append([_c("年度主要任务", rowspan=len(tasks) + 2, bold=True), _c("任务名称", rowspan=2, bold=True),
                 _c("主要内容", rowspan=2, bold=True), _c(f"预算金额（{unit}）", colspan=3, bold=True), None, None])
    rows.append([None, None, None, _c("总额", bold=True), _c("财政拨款", bold=True), _c("其他资金", bold=True)])
    for t in tasks:
        rows.append([None, _c(t.name, align="left"), _c(t.content, align="left"), _c(_money(t.total)),
                     _c(_money(t.fiscal)), _c(_money(t.other))])
    annual = form.funds.get(ANNUAL)
    # Under the tasks' 总额 / 财政拨款 / 其他资金 columns, so the amounts read against their labels.
    rows.append([_c(f"年度资金（{unit}）", bold=True), _c("部门年度资金", colspan=2), None,
                 *(_c(_money(getattr(annual, a)) if annual else "") for a in ("total", "fiscal", "other"))])
    rows.append([_c("年度总体目标", bold=True), _c(form.goals.get(ANNUAL), colspan=5, align="left"), None, None, None, None])
    for period in ed.periods:
        rows += _indicators(ed, form.rows(period), f"{period}绩效指标")
    rows += _opinions(form)
    return Table(ed.name, [], rows, widths=WIDTHS["dept"], font_pt=10.5)


def _ordered(ed: TargetEdition, rows: list[Indicator]) -> list[Indicator]:
    """Rows grouped under their 一级 and 二级指标 in the edition's order (the form's order within)."""
    def key(r: Indicator) -> tuple[int, int]:
        lv = ed.level(r.level1)
        if lv is None:
            return (len(ed.levels), 0)
        i = ed.levels.index(lv)
        parts = lv.parts
        return (i, parts.index(r.level2) if r.level2 in parts else len(parts))

    return sorted(rows, key=key)


def _indicators(ed: TargetEdition, given: list[Indicator], label: str) -> list[list[Cell | None]]:
    rows = _ordered(ed, given)
    out: list[list[Cell | None]] = [[_c(label, rowspan=len(rows) + 1, bold=True), _c("一级指标", bold=True),
                                     _c("二级指标", bold=True), _c("三级指标", bold=True), _c("指标值", bold=True),
                                     _c("指标值确定依据", bold=True)]]
    for i, r in enumerate(rows):
        row: list[Cell | None] = [None]
        for level, attr in ((1, "level1"), (2, "level2")):
            same = i > 0 and all(getattr(rows[i - 1], a) == getattr(r, a) for a in ("level1", "level2")[:level])
            if same:
                row.append(None)
                continue
            n = 1
            while i + n < len(rows) and all(getattr(rows[i + n], a) == getattr(r, a) for a in ("level1", "level2")[:level]):
                n += 1
            row.append(_c(getattr(r, attr), rowspan=n))
        row += [_c(r.level3, align="left"), _c(r.text), _c(r.basis)]
        out.append(row)
    return out


def _opinions(form: TargetForm) -> list[list[Cell | None]]:
    out: list[list[Cell | None]] = []
    for o in form.opinions:
        said = [f"等级：{o.grade}"] if o.grade else []
        said += [f"{k}：{v}" for k, v in o.remarks.items()]
        if o.reviewer:
            said.append(f"审核人：{o.reviewer}")
        out.append([_c(f"{o.level}意见", bold=True), _c("\n".join(said), colspan=5, align="left"), None, None, None, None])
    return out


# --- XLSX -------------------------------------------------------------------------------------------


def write_xlsx(form: FormSheet, path: Path) -> None:
    """The same grid as a workbook: merged cells, borders, wrapped text, print set to one A4 page wide."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    ws.title = form.title[:31]
    t = form.table
    n = t.columns
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    ws.cell(1, 1, form.title).font = Font(name="宋体", size=18, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n)
    ws.cell(2, 1, form.subtitle).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=n - 2)
    ws.cell(3, 1, form.left)
    ws.merge_cells(start_row=3, start_column=n - 1, end_row=3, end_column=n)
    ws.cell(3, n - 1, form.right).alignment = Alignment(horizontal="right")
    top = 4
    for r, row in enumerate(t.rows()):
        for c in range(n):
            ws.cell(top + r, c + 1).border = border
        for c, cell in enumerate(row):
            if cell is None:
                continue
            target = ws.cell(top + r, c + 1, cell.text)
            target.alignment = Alignment(horizontal="left" if cell.align == "left" else "center", vertical="center",
                                         wrap_text=True)
            target.font = Font(name="宋体", size=10.5, bold=cell.bold)
            if cell.rowspan > 1 or cell.colspan > 1:
                ws.merge_cells(start_row=top + r, start_column=c + 1, end_row=top + r + cell.rowspan - 1,
                               end_column=c + cell.colspan)
    for c, width in enumerate(t.widths):
        ws.column_dimensions[chr(ord("A") + c)].width = round(width / 2.1, 1)  # mm → character widths, roughly
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:3"
    wb.properties.title = form.title
    wb.properties.description = form.meta
    wb.save(path)
