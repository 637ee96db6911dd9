"""A 绩效目标执行监控表 as an Excel workbook: the template to fill in, and reading it back.

The sheet (its title or first rows hold “执行监控表” or “运行监控表”) is read by its labels, not by
fixed cells, as the 绩效目标申报表 is (:mod:`jixiao.intake.target_xlsx`): header fields are
label/value pairs in the first two columns (项目名称 | …); each block starts with its title in
column A (项目资金 or 部门资金, 年度主要任务, 年度总体目标, 绩效指标), then a header row of column
labels, then data rows down to the next block or a blank row. 偏差原因 takes several flags in one
cell, separated by “、” or commas. The result is the same plain data a YAML form gives, with every
field's ``sheet!cell``, so :func:`jixiao.intake.monitoring.bind_monitoring` checks both alike.

The workbook goes through :class:`~jixiao.intake.form_xlsx.FormBook` like the other form readers:
the container and zip checks and the cell budget come before a value is read.

:func:`write_workbook` writes plain form data (or an empty template for an edition) in that layout,
with drop-down lists for 完成目标可能性, 是否需要整改 and 处理决定, and text cells where a value
carries its unit (“16个”, “92%”), so Excel does not turn 92% into 0.92.
"""

from __future__ import annotations

import re
from pathlib import Path

from jixiao.core.cycle.monitoring import POSSIBILITY, REASON_FLAGS, MonitoringEdition
from jixiao.intake.form_xlsx import FormBook, WorkbookForm, has_titled_sheet, opened, titled_grid

TITLES = ("执行监控表", "运行监控表")
PROJECT_HEADER = ("项目名称", "主管部门及代码", "实施单位")
DEPT_HEADER = ("部门名称", "主管部门及代码")
HEADER_LABELS = (*PROJECT_HEADER, "部门名称", "年度", "监控期间", "金额单位", "预警规则", "处理决定")
FUNDS = ("年初预算数", "执行数", "全年预计执行数", "偏差原因", "纠偏措施")
BLOCKS = {
    "项目资金": FUNDS, "部门资金": FUNDS,
    "年度主要任务": ("任务名称", "预算数", "执行数", "全年预计执行数", "偏差原因", "纠偏措施"),
    "年度总体目标": ("目标", "全年预计完成情况"),
    "绩效指标": ("一级指标", "二级指标", "三级指标", "年度指标值", "执行情况", "全年预计完成", "偏差原因", "偏差原因说明",
             "完成目标可能性", "纠偏措施", "是否需要整改"),
}
ONE_ROW = ("项目资金", "部门资金", "年度总体目标")  # a block of one row is a mapping, as in the YAML form
_FLAGS = re.compile(r"[、,，;；/\s]+")
COLUMNS = 12


def _is_title(v) -> bool:
    return isinstance(v, str) and any(t in v for t in TITLES)


def is_monitoring_workbook(source: Path | FormBook) -> bool:
    """Whether a workbook holds a 执行监控表 (a sheet whose title or first rows say so)."""
    return has_titled_sheet(source, _is_title)


def read_workbook(source: Path | FormBook) -> WorkbookForm:
    with opened(source) as wb:
        return _read(wb)


def _read(wb: FormBook) -> WorkbookForm:
    from openpyxl.utils import get_column_letter as col

    ws, grid, rows, title = titled_grid(wb, _is_title, (
        "工作簿中没有绩效目标执行监控表", "找不到标题含“执行监控表”或“运行监控表”的工作表；请用 jixiao template --framework "
        "national-monitoring/2019 -o 监控表.xlsx 生成模板"))
    data: dict = {}
    cells: dict[tuple, str] = {}
    if title:
        data["表名"] = title
    r = 1
    while r <= rows:
        label = grid.get((r, 1))
        if label in HEADER_LABELS:
            key = "framework" if label == "预警规则" else label
            if grid.get((r, 2)) not in (None, ""):
                data[key] = grid.get((r, 2))
            cells[(key,)] = f"B{r}"
            r += 1
            continue
        if label not in BLOCKS:
            r += 1
            continue
        head_row = r + 1
        columns = {v: c for c in range(1, COLUMNS + 1) if isinstance(v := grid.get((head_row, c)), str)}
        cells[(label,)] = f"A{r}"
        items = []
        r = head_row + 1
        while r <= rows and grid.get((r, 1)) not in BLOCKS and grid.get((r, 1)) not in HEADER_LABELS:
            values = {name: grid.get((r, c)) for name, c in columns.items() if grid.get((r, c)) not in (None, "")}
            if not values:
                break
            n = len(items)
            at = () if label in ONE_ROW else (n,)
            for name, c in columns.items():
                cells[(label, *at, name)] = f"{col(c)}{r}"
            cells[(label, *at)] = f"A{r}"
            if isinstance(values.get("偏差原因"), str) and label == "绩效指标":
                values["偏差原因"] = [f for f in _FLAGS.split(values["偏差原因"]) if f]
            items.append(values)
            r += 1
        if label in ONE_ROW:
            if items:
                data[label] = items[0]
        else:
            data[label] = items
    return WorkbookForm(data, cells, str(wb.path), ws.title)


def write_workbook(data: dict, path: Path, edition: MonitoringEdition | None = None) -> None:
    """Write plain form data (or, with ``data`` empty, a blank template for ``edition``)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    dept = (edition.form == "dept") if edition else "部门名称" in data
    wb = openpyxl.Workbook()
    ws = wb.active
    name = edition.name if edition else ("部门整体支出绩效运行监控表" if dept else "项目支出绩效目标执行监控表")
    ws.title = "部门整体支出绩效运行监控表" if dept else "项目支出绩效目标执行监控表"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    period = data.get("监控期间") or (edition.period_label if edition else "")
    year = data.get("年度")
    ws["A1"] = data.get("表名") or (f"{name}（{year}年{period}）" if year else name)
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:H1")

    def choose(cells: str, values, prompt: str) -> None:
        dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="请选择", error=f"{prompt}：请从下拉列表选择")
        ws.add_data_validation(dv)
        dv.add(cells)

    r = 2
    for label in (*(DEPT_HEADER if dept else PROJECT_HEADER), "年度", "监控期间", "金额单位", "预警规则", "处理决定"):
        value = data.get("framework" if label == "预警规则" else label)
        if value is None and label == "预警规则" and edition:
            value = edition.id
        if value is None and label == "金额单位":
            value = "万元"
        if value is None and label == "监控期间":
            value = period or None
        if label == "处理决定" and not (edition and edition.decisions) and value is None:
            continue  # only an edition that requires a decision has the row
        ws.cell(r, 1, label).font = bold
        ws.cell(r, 2, value).number_format = "@"
        if label == "处理决定" and edition and edition.decisions:
            choose(f"B{r}", edition.decisions, "处理决定")
        r += 1
    funds = "部门资金" if dept else "项目资金"
    blocks = [funds, "年度主要任务", "年度总体目标", "绩效指标"] if dept else [funds, "年度总体目标", "绩效指标"]
    for block in blocks:
        r += 1
        ws.cell(r, 1, block).font = Font(bold=True, size=12)
        r += 1
        heads = BLOCKS[block]
        for c, label in enumerate(heads, start=1):
            cell = ws.cell(r, c, label)
            cell.font, cell.fill = bold, fill
        r += 1
        given = data.get(block) or data.get("项目资金" if block == "部门资金" else block)
        items = [given] if isinstance(given, dict) else list(given or [])
        if block == "年度总体目标" and isinstance(given, str):
            items = [{"目标": given}]
        first = r
        for item in items:
            for c, label in enumerate(heads, start=1):
                value = item.get(label)
                if label == "年初预算数" and value is None:
                    value = item.get("预算数", item.get("全年预算数"))
                if isinstance(value, list):
                    value = "、".join(map(str, value))
                cell = ws.cell(r, c, value)
                if isinstance(value, str):
                    cell.data_type = "s"  # "=100%" is a value here, not a formula
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            r += 1
        if not items:  # a blank template: room for rows
            r += {"绩效指标": 20, "年度主要任务": 8}.get(block, 1)
        last = max(r - 1, first)
        if block == "绩效指标":
            for letter in "DEF":  # values with their unit stay text: “92%”, “16个”
                for row in range(first, last + 1):
                    ws[f"{letter}{row}"].number_format = "@"
            choose(f"I{first}:I{last}", POSSIBILITY, "完成目标可能性")
            choose(f"K{first}:K{last}", ("是", "否"), "是否需要整改")
            ws.cell(first - 2, 3, f"偏差原因可填多项，用“、”分隔：{'、'.join(REASON_FLAGS)}")
    for col, width in zip("ABCDEFGHIJK", (14, 16, 24, 16, 14, 16, 16, 28, 14, 28, 12)):
        ws.column_dimensions[col].width = width
    wb.save(path)
