"""A project self-evaluation form as an Excel workbook laid out like the published form.

Reading is driven by the form's own labels, not by fixed cells, so the national layout (年初预算数 /
全年预算数 / 全年执行数 / 分值 / 执行率 / 得分; 年度指标值 / 实际完成值 / 分值 / 得分 / 偏差原因分析及改进措施)
and the Sichuan layout (调整后预算数 / 预算执行数 / 权重 / 原因; 指标性质 / 指标值 / 度量单位 / 完成值 /
未完成原因分析) are both found wherever they sit. Merged cells (一级指标、二级指标 spanning rows) read
as their top-left value. The result is the same plain data a YAML form gives, with every field's
``sheet!cell``, so :func:`jixiao.intake.form.bind_form` checks both alike.

:func:`write_workbook` writes plain form data back in the national layout (the example's
``form.xlsx`` and the tests' workbooks are made with it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import NamedTuple

from jixiao.core.errors import InvalidInput, Place, Problem, Where
from jixiao.intake import limits
from jixiao.intake.form_labels import FUND_KEYS, ROW_KEYS, _plain
from jixiao.intake.workbook import Book, Sheet, inspect, refuse
from jixiao.intake.yamlio import Located

STOP = ("年度总体目标", "绩效指标", "项目基本情况", "总分", "合计", "评价结论", "存在问题", "改进措施", "项目负责人", "填表人")
TITLE = "自评表"


class WorkbookForm(Located):
    """Form data read from a workbook; ``where(path)`` names the cell, e.g. ``自评表!E6``."""

    def __init__(self, data, cells: dict[tuple, str], source: str, sheet: str):
        super().__init__(data, {}, source)
        self.cells, self.sheet = cells, sheet

    def where(self, path: tuple) -> str:
        path = want = tuple(path)
        while path and path not in self.cells:
            path = path[:-1]
        cell = self.cells.get(path, "")
        # A cell on another sheet of the book (历史完成值!A5, 评估报告!C3) names that sheet, not the form's.
        sheet, _, cell = cell.rpartition("!") if "!" in cell else (self.sheet, "", cell)
        return Where(Place(file=self.source, sheet=sheet, cell=cell, path=want))


class _Cell(NamedTuple):
    row: int
    column: int
    value: object


class FormSheet:
    """One worksheet of a streamed :class:`~jixiao.intake.workbook.Book`, with the little of
    openpyxl's interface the form readers use (``title``, ``iter_rows``, ``merged_cells``). Rows and
    columns stop where the scan found the last value in the first ``limits.COLUMNS`` columns, so a
    far cell costs nothing."""

    def __init__(self, book: Book, title: str):
        self._book, self.title, self.path = book, title, book.path

    def sheet(self, rows: int | None = None) -> Sheet:
        return self._book[self.title] if rows is None else self._book.head(self.title, rows)

    def iter_rows(self, min_row: int = 1, max_row: int | None = None, max_col: int | None = None,
                  values_only: bool = False):
        sheet = self.sheet(max_row)
        cols = min(max_col or limits.COLUMNS, limits.COLUMNS)
        for r in range(min_row, sheet.max_row + 1):
            cells = tuple(_Cell(r, c, sheet.cell(r, c).value) for c in range(1, cols + 1))
            yield tuple(c.value for c in cells) if values_only else cells

    @property
    def merged_cells(self) -> SimpleNamespace:
        return SimpleNamespace(ranges=self.sheet().merged)


class FormBook:
    """A form workbook read as case workbooks are (:func:`jixiao.intake.workbook.inspect`): the
    container and zip checks, one streaming scan counting cells against the budget for all sheets,
    then openpyxl in read-only mode, sheet by sheet. The probes and the reader share one."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._book = Book(self.path, inspect(self.path), data_only=True)
        self.sheetnames = self._book.sheetnames
        self.worksheets = [FormSheet(self._book, name) for name in self.sheetnames]

    def __getitem__(self, name: str) -> FormSheet:
        return self.worksheets[self.sheetnames.index(name)]

    def close(self) -> None:
        self._book.close()


@contextmanager
def opened(source: Path | FormBook) -> Iterator[FormBook]:
    """``source`` itself when it is open already (left open), else the file opened and closed after."""
    if isinstance(source, FormBook):
        yield source
        return
    book = FormBook(Path(source))
    try:
        yield book
    finally:
        book.close()


def titled_sheet(wb: FormBook, is_title: Callable[[object], bool]) -> FormSheet | None:
    """The first sheet whose name is the form's title, else the first whose first three rows hold it
    (a sheet renamed “Sheet1” by whoever filled it in)."""
    for ws in wb.worksheets:
        if is_title(ws.title):
            return ws
    for ws in wb.worksheets:
        for row in ws.iter_rows(max_row=3):
            if any(is_title(c.value) for c in row):
                return ws
    return None


def has_titled_sheet(source: Path | FormBook, is_title: Callable[[object], bool]) -> bool:
    """Whether a workbook holds the form's sheet (:func:`titled_sheet`); an unreadable file does
    not, and the reader tried next says why."""
    try:
        with opened(source) as wb:
            return titled_sheet(wb, is_title) is not None
    except Exception:  # noqa: BLE001 - an unreadable file is not one; the next reader says why
        return False


def titled_grid(wb: FormBook, is_title: Callable[[object], bool], missing: tuple[str, str]
                ) -> tuple[FormSheet, dict[tuple[int, int], object], int, str]:
    """The form's sheet (:func:`titled_sheet`), its grid (:func:`_grid`), its last row, and the title
    written in its first three rows of column A ("" if none). Refused with ``missing`` (title, and a
    message naming the fix) when the workbook has no such sheet."""
    ws = titled_sheet(wb, is_title)
    if ws is None:
        raise InvalidInput(missing[0], [Problem("E-IN-XLSX", missing[1], str(wb.path))])
    grid = _grid(ws)
    rows = max((r for r, _ in grid), default=0)
    title = next((grid[(r, 1)] for r in range(1, 4) if is_title(grid.get((r, 1)))), "")
    return ws, grid, rows, str(title)


def _grid(ws: FormSheet) -> dict[tuple[int, int], object]:
    """Cell values by (row, column), merged ranges filled with their top-left value (what Excel
    shows there, whatever else the file holds under the merge)."""
    grid = {}
    for (r, c), cell in ws.sheet().items():
        v = cell.value
        if v is not None and not (isinstance(v, str) and not v.strip()):
            grid[(r, c)] = v.strip() if isinstance(v, str) else v
    last = ws.sheet().max_row
    filled = 0
    for rng in ws.merged_cells.ranges:
        top = grid.get((rng.min_row, rng.min_col))
        rows, cols = range(rng.min_row, min(rng.max_row, last) + 1), range(rng.min_col, min(rng.max_col, limits.COLUMNS) + 1)
        filled += len(rows) * len(cols)
        if filled > limits.CELLS:  # merges are cells too: thousands of sheet-wide ones are no form
            raise refuse("E-IN-TOO-LARGE", f"工作表“{ws.title}”的合并单元格覆盖超过 {limits.CELLS:,} 个单元格，超过上限；"
                         "请取消无关的合并", str(ws.path))
        for r in rows:
            for col in cols:
                if (r, col) == (rng.min_row, rng.min_col):
                    continue
                if top is None:
                    grid.pop((r, col), None)
                else:
                    grid[(r, col)] = top
    return grid


def _label(v) -> str:
    return _plain(v).replace(":", "").replace("其中", "") if isinstance(v, str) else ""


def _form_sheet(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows(max_row=6, max_col=64):
            if any(isinstance(c.value, str) and TITLE in c.value for c in row):
                return ws
    for ws in wb.worksheets:
        for row in ws.iter_rows(max_row=60, max_col=64):
            if any(isinstance(c.value, str) and c.value.strip() == "三级指标" for c in row):
                return ws
    return None


def is_form_workbook(source: Path | FormBook) -> bool:
    """Whether a workbook holds a project form. A file that cannot be opened is not one here:
    the department reader then says, in its own words, what is wrong with it."""
    try:
        with opened(source) as wb:
            return _form_sheet(wb) is not None
    except Exception:  # noqa: BLE001 - any unreadable file is simply "not a form"
        return False


def read_workbook(source: Path | FormBook) -> WorkbookForm:
    from openpyxl.utils import get_column_letter

    with opened(source) as wb:
        path = wb.path
        ws = _form_sheet(wb)
        if ws is None:
            raise InvalidInput("工作簿中没有自评表", [Problem(
                "E-IN-XLSX", "找不到标题含“自评表”或有“三级指标”表头的工作表；请使用自评表格式", str(path))])
        grid = _grid(ws)
    rows = max((r for r, _ in grid), default=0)
    cols = max((c for _, c in grid), default=0)
    data: dict = {}
    cells: dict[tuple, str] = {}

    def cell(r, c) -> str:
        return f"{get_column_letter(c)}{r}"

    def find(*labels) -> tuple[int, int] | None:
        for (r, c), v in sorted(grid.items()):
            if _label(v) in labels:
                return r, c
        return None

    # Header: each label's value is the next different cell to its right.
    for key, labels in (("项目名称", ("项目名称",)), ("主管部门", ("主管部门", "市级主管部门", "主管部门及代码")),
                        ("实施单位", ("实施单位", "项目实施单位", "实施单位（盖章）", "实施单位(盖章)"))):
        at = find(*labels)
        if at:
            r, c = at
            for c2 in range(c + 1, cols + 1):
                v = grid.get((r, c2))
                if v is not None and v != grid[(r, c)]:
                    data[key], cells[(key,)] = v, cell(r, c2)
                    break
    for (r, c), v in sorted(grid.items()):
        if r <= 4 and isinstance(v, str):
            m = re.search(r"(\d{4})\s*年度", v)
            if m:
                data["年度"], cells[("年度",)] = int(m.group(1)), cell(r, c)
                break

    # 项目资金: the header row holding 全年执行数 / 预算执行数; the name column is left of the amounts.
    head = find("全年执行数", "预算执行数", "年初预算数", "年初预算")
    if head:
        hr = head[0]
        columns = _columns(grid, hr, cols, FUND_KEYS)
        first = min(columns.values()) if columns else 2
        funds = []
        for r in range(hr + 1, rows + 1):
            labels = [_label(grid.get((r, c))) for c in range(1, first)]
            if any(x.startswith(s) for x in labels for s in STOP + ("预期目标", "一级指标", "实际完成情况")):
                break  # the next block of the form begins
            name = next((grid[(r, c)] for c in range(first - 1, 0, -1) if isinstance(grid.get((r, c)), str)
                         and _label(grid[(r, c)]) not in ("项目资金", "项目资金(万元)", "预算执行情况(10分)", "预算执行情况")), None)
            if name is None:
                break
            i = len(funds)
            line = {"资金": _label(name).lstrip("：") or name}
            cells[("项目资金", i)] = cell(r, first)
            for key, c in columns.items():
                if key == "资金":
                    continue
                v = grid.get((r, c))
                if v is not None and not (isinstance(v, str) and _label(v) in ("/", "—", "-")):
                    line[key] = v
                cells[("项目资金", i, key)] = cell(r, c)
            funds.append(line)
        data["项目资金"] = funds
        cells[("项目资金",)] = cell(hr, first)

    # 年度总体目标: the two texts under 预期目标 and 实际完成情况.
    goal = {}
    for key, labels in (("预期目标", ("预期目标", "年初预期目标", "项目年度目标", "年度目标")),
                        ("实际完成情况", ("实际完成情况", "年度实际完成情况", "目标实际完成情况", "年度目标完成情况"))):
        at = find(*labels)
        if at:
            v = grid.get((at[0] + 1, at[1]))
            if isinstance(v, str) and v != grid[at]:
                goal[key] = v
    if goal:
        data["年度总体目标"] = goal

    # 绩效指标: the header row with 三级指标, one row per indicator until 总分 / 合计.
    head = find("三级指标")
    if head:
        hr = head[0]
        columns = _columns(grid, hr, cols, ROW_KEYS)
        items = []
        for r in range(hr + 1, rows + 1):
            first_cells = [_label(grid.get((r, c))) for c in range(1, (columns.get("三级指标") or 2) + 1)]
            if any(x.startswith(s) for x in first_cells for s in ("总分", "合计", "评价结论", "存在问题")):
                total_col = columns.get("得分")
                if total_col and grid.get((r, total_col)) is not None:
                    data["总分"], cells[("总分",)] = grid[(r, total_col)], cell(r, total_col)
                break
            if all(grid.get((r, c)) is None for c in columns.values() if c != columns.get("一级指标")
                   and c != columns.get("二级指标")):
                continue
            i = len(items)
            item = {}
            for key, c in columns.items():
                v = grid.get((r, c))
                if v is not None:
                    item[key] = v
                cells[("绩效指标", i, key)] = cell(r, c)
            cells[("绩效指标", i)] = cell(r, columns.get("三级指标", 1))
            items.append(item)
        data["绩效指标"] = items
        cells[("绩效指标",)] = cell(hr, head[1])
    return WorkbookForm(data, cells, str(path), ws.title)


def _columns(grid, row: int, cols: int, table: dict) -> dict[str, int]:
    """Which column holds each canonical field, from the labels in a header row."""
    lookup = {alias: key for key, aliases in table.items() for alias in aliases}
    out: dict[str, int] = {}
    for c in range(1, cols + 1):
        v = grid.get((row, c))
        label = re.sub(r"[(（].*?[)）]", "", _label(v)) if isinstance(v, str) else ""
        key = lookup.get(label) or lookup.get(_label(v))
        if key and key not in out:
            out[key] = c
    return out


def write_workbook(data: dict, path: Path) -> None:
    """Plain form data (as a YAML form holds it) written in the national layout."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("自评表")
    title = wb.add_format({"bold": True, "font_size": 16, "align": "center"})
    head = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1, "text_wrap": True})
    box = wb.add_format({"border": 1, "valign": "vcenter", "text_wrap": True})
    ws.set_column(0, 0, 10)
    ws.set_column(1, 3, 16)
    ws.set_column(4, 9, 13)
    ws.merge_range(0, 0, 0, 9, "项目支出绩效自评表", title)
    ws.merge_range(1, 0, 1, 9, f"（{data.get('年度', '')}年度）", head)
    ws.write(2, 0, "项目名称", head)
    ws.merge_range(2, 1, 2, 9, data.get("项目名称", ""), box)
    ws.write(3, 0, "主管部门", head)
    ws.merge_range(3, 1, 3, 4, data.get("主管部门", ""), box)
    ws.write(3, 5, "实施单位", head)
    ws.merge_range(3, 6, 3, 9, data.get("实施单位", ""), box)
    funds = data.get("项目资金") or []
    r = 4
    ws.merge_range(r, 0, r + max(len(funds), 1), 0, f"项目资金（{data.get('金额单位', '万元')}）", head)
    ws.merge_range(r, 1, r, 2, "", head)
    for j, label in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")):
        ws.write(r, 3 + j, label, head)
    for i, line in enumerate(funds):
        name = line.get("资金", "")
        ws.merge_range(r + 1 + i, 1, r + 1 + i, 2, f"其中：{name}" if i == 1 else name, box)
        for j, label in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")):
            ws.write(r + 1 + i, 3 + j, line.get(label, "—" if i and label in ("分值", "执行率", "得分") else None), box)
    r += len(funds) + 1
    goal = data.get("年度总体目标") or {}
    ws.merge_range(r, 0, r + 1, 0, "年度总体目标", head)
    ws.merge_range(r, 1, r, 5, "预期目标", head)
    ws.merge_range(r, 6, r, 9, "实际完成情况", head)
    ws.merge_range(r + 1, 1, r + 1, 5, goal.get("预期目标", ""), box)
    ws.merge_range(r + 1, 6, r + 1, 9, goal.get("实际完成情况", ""), box)
    r += 2
    rows = data.get("绩效指标") or []
    ws.merge_range(r, 0, r + len(rows), 0, "绩效指标", head)
    labels = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施")
    for j, label in enumerate(labels):
        if label == "偏差原因分析及改进措施":
            ws.merge_range(r, 1 + j, r, 9, label, head)
        else:
            ws.write(r, 1 + j, label, head)
    for i, item in enumerate(rows):
        for j, label in enumerate(labels):
            value = item.get(label, item.get("偏差原因") if label == "偏差原因分析及改进措施" else None)
            if label == "偏差原因分析及改进措施":
                ws.merge_range(r + 1 + i, 1 + j, r + 1 + i, 9, value or "", box)
            else:
                ws.write(r + 1 + i, 1 + j, value, box)
    _merge_runs(ws, rows, r + 1, box)
    r += len(rows) + 1
    ws.merge_range(r, 0, r, 5, "总分", head)
    ws.write(r, 6, 100, box)
    total = data.get("总分")
    ws.write(r, 7, total.get("得分") if isinstance(total, dict) else total, box)
    ws.merge_range(r, 8, r, 9, "", box)
    wb.close()


def _merge_runs(ws, rows: list[dict], first: int, fmt) -> None:
    """一级指标 and 二级指标 written once per run of equal values, merged down as on the form."""
    for col, key in ((1, "一级指标"), (2, "二级指标")):
        start = 0
        values = []
        last = None
        for item in rows:
            last = item.get(key) or last
            values.append(last)
        for i in range(1, len(values) + 1):
            if i == len(values) or values[i] != values[start] or (col == 2 and values_of(rows, "一级指标", i) != values_of(rows, "一级指标", start)):
                if i - 1 > start:
                    ws.merge_range(first + start, col, first + i - 1, col, values[start], fmt)
                start = i


def values_of(rows: list[dict], key: str, i: int):
    last = None
    for item in rows[: i + 1]:
        last = item.get(key) or last
    return last
