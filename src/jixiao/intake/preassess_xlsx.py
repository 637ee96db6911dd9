"""An 事前绩效评估 expert scoring sheet as an Excel workbook: the template to fill in, and reading it back.

The sheet (its title, or one of its first rows, holds “事前绩效评估”) is read by its labels, not
by fixed cells: header fields are label/value pairs in the first two columns (项目名称 | 乡村道路养护项目;
评估规则, 年度, 主管部门, 申请资金, 金额单位, 说明); the row whose column A says 姓名 heads the
experts' table (姓名, 职称, 工作单位, one column per dimension, 意见), one expert per row down to the first blank
row. The result is the same plain data a YAML sheet gives, with every field's ``sheet!cell``, so
:func:`jixiao.intake.preassess.bind_preassessment` checks both alike and names the cell.
"""

from __future__ import annotations

from pathlib import Path

from jixiao.core.cycle.preassess import PreassessEdition
from jixiao.core.errors import InvalidInput, Problem
from jixiao.intake.form_xlsx import FormBook, WorkbookForm, _grid, opened, titled_sheet

TITLE = "事前绩效评估"
HEADER_LABELS = ("评估规则", "年度", "项目名称", "主管部门", "申请资金", "金额单位", "说明")
NAME = "姓名"
PERSON = ("职称", "工作单位")  # for the report's 评估人员


def _sheet(wb):
    return titled_sheet(wb, lambda v: isinstance(v, str) and TITLE in v)


def read_workbook(source: Path | FormBook) -> WorkbookForm:
    with opened(source) as wb:
        return _read(wb)


def _read(wb: FormBook) -> WorkbookForm:
    from openpyxl.utils import get_column_letter as col

    ws = _sheet(wb)
    if ws is None:
        raise InvalidInput("工作簿中没有事前绩效评估专家评分表", [Problem(
            "E-IN-XLSX", f"找不到标题含“{TITLE}”的工作表；请在事前评估页面下载评分表模板填写", str(wb.path))])
    grid = _grid(ws)
    rows = max((r for r, _ in grid), default=0)
    data: dict = {}
    cells: dict[tuple, str] = {}
    title = next((grid[(r, 1)] for r in range(1, 4) if isinstance(grid.get((r, 1)), str) and TITLE in grid[(r, 1)]), "")
    if title:
        data["表名"] = title
    r = 1
    while r <= rows:
        label = grid.get((r, 1))
        if label in HEADER_LABELS:
            key = "framework" if label == "评估规则" else label
            if grid.get((r, 2)) not in (None, ""):
                data[key] = grid.get((r, 2))
            cells[(key,)] = f"B{r}"
        elif label == NAME:
            columns = {str(v).strip(): c for (row, c), v in grid.items() if row == r and v not in (None, "")}
            experts = []
            r += 1
            while r <= rows:
                values = {name: grid.get((r, c)) for name, c in columns.items() if grid.get((r, c)) not in (None, "")}
                if not values:
                    break
                n = len(experts)
                cells[("专家", n)] = f"A{r}"
                for name, c in columns.items():
                    cells[("专家", n, name)] = f"{col(c)}{r}"
                experts.append(values)
                r += 1
            data["专家"] = experts
            cells[("专家",)] = f"A{r - len(experts) - 1}"
            continue
        r += 1
    return WorkbookForm(data, cells, str(wb.path), ws.title)


def write_workbook(data: dict, path: Path, edition: PreassessEdition) -> None:
    """Write a sheet's plain data (or, with ``data`` empty, a blank template for ``edition``)."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter as col
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "事前绩效评估专家评分表"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    ws["A1"] = data.get("表名") or "事前绩效评估专家评分表"
    ws["A1"].font = Font(bold=True, size=14)
    r = 2
    for label in HEADER_LABELS:
        ws.cell(r, 1, label).font = bold
        value = data.get("framework" if label == "评估规则" else label)
        ws.cell(r, 2, value if value is not None else {"评估规则": edition.id, "金额单位": "万元"}.get(label))
        r += 1
    r += 1
    names = [d.name for d in edition.dimensions]
    heads = [NAME, *PERSON, *names, "意见"]
    for c, h in enumerate(heads, start=1):
        cell = ws.cell(r, c, h)
        cell.font, cell.fill = bold, fill
    ws.cell(r - 1, 1, "每位专家一行；各维度填 0 到权重之间的分数，或 优、良、中、差（"
            + "、".join(f"{d.name} {d.weight:g} 分" for d in edition.dimensions) + "）")
    for i, row in enumerate(data.get("专家") or [], start=r + 1):
        for c, h in enumerate(heads, start=1):
            ws.cell(i, c, row.get(h))
    dv = DataValidation(type="list", formula1='"优,良,中,差"', allow_blank=True, showErrorMessage=False)
    ws.add_data_validation(dv)
    first = 1 + len(PERSON) + 1  # the first dimension's column
    dv.add(f"{col(first)}{r + 1}:{col(first + len(names) - 1)}{r + 200}")
    for c in range(1, len(heads) + 1):
        ws.column_dimensions[col(c)].width = 16
    wb.save(path)
