"""The scoring sheet (评分表.xlsx): indicators, weights, live scores, traces, and the facts behind them.

Sheets:

``评分表``  every indicator in the framework's order with 参考分值, 公式得分 (a live formula),
           报告得分 (the engine's score, as printed in the report), a 核对 column and the trace;
           parents add up their children, the 合计 row adds up the level-one indicators;
``计算值``  every metric a rule computes (政府采购执行率, 资金调整率, 全年平均执行率 …) as a
           formula over the facts, beside the engine's value and the rate the case states;
``输入``    every fact: the value (editable, 是/否 and 档次 as drop-down lists), its unit and its
           evidence; the named cell each formula reads;
``说明``    how the sheet works.

Formulas come from :mod:`jixiao.reports.excel`, compiled from each rule's expression tree, so
changing a figure on ``输入`` moves the score exactly as the engine would.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from jixiao.core import expr as E
from jixiao.core.facts import Judgement
from jixiao.core.numbers import round_half_up
from jixiao.reports.excel import excel_name, formula
from jixiao.reports.figures import spaced

INPUT, METRICS, SCORES, NOTES = "输入", "计算值", "评分表", "说明"
RULE_NAMES = {"rate": "比率", "deduct_over": "超限扣分", "tiers": "分档", "pace": "序时进度"}


def write(report, path: Path, cached: bool = True) -> None:
    """Write the scoring sheet. ``cached=False`` leaves formula results empty (for recalculation tests)."""
    fig = report.figures
    fw, case, ev = fig.fw, fig.case, fig.ev
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                         "strings_to_urls": False})
    wb.set_properties({"title": f"{report.document.title}·评分表", "author": report.document.unit,
                       "comments": f"指标体系 {fw.id}，版本指纹 {ev.edition_hash[:16]}"})
    F = _Formats(wb)
    scores = wb.add_worksheet(SCORES)
    metrics_ws = wb.add_worksheet(METRICS)
    inputs = wb.add_worksheet(INPUT)
    notes = wb.add_worksheet(NOTES)

    taken: set[str] = set()
    fact_names = {name: excel_name(name, taken) for name in fw.facts}

    def ref(name: str) -> str:
        return fact_names.get(name) or excel_name(name, taken)

    # -- 输入 ------------------------------------------------------------------------------------
    inputs.write_row(0, 0, ["事实", "说明", "类型", "单位", "取值（可修改）", "计算用值", "依据"], F.head)
    inputs.set_column(0, 0, 22)
    inputs.set_column(1, 1, 44, F.wrap)
    inputs.set_column(2, 3, 7)
    inputs.set_column(4, 5, 16)
    inputs.set_column(6, 6, 60, F.wrap)
    inputs.freeze_panes(1, 1)
    points = fw.judgement_points()
    types = {"money": "金额", "number": "数值", "count": "计数", "rate": "比率", "flag": "是否", "judgement": "评价判断",
             "level": "档次", "score": "专家评分", "text": "文字"}
    for i, (name, spec) in enumerate(fw.facts.items(), start=1):
        given = case.facts.get(name)
        value = fig.env.get(name)
        missing = isinstance(value, E.Missing)
        label = spec.label or name
        if spec.type == "judgement":
            label += f"（达到得{points.get(name, 0):g}分；未达到填0，酌情扣分填所得分）"
        if spec.count_of:
            label += f"（由清单“{spec.count_of}”计数）"
        inputs.write_string(i, 0, name, F.name)
        inputs.write_string(i, 1, label)
        inputs.write_string(i, 2, types.get(spec.type, spec.type))
        inputs.write_string(i, 3, spec.unit or ("%" if spec.type == "rate" else ""))
        cell = xl_rowcol_to_cell(i, 4)
        if missing:
            inputs.write_blank(i, 4, None, F.entry)
        elif spec.type == "flag":
            inputs.write_string(i, 4, "是" if value else "否", F.entry)
        elif spec.type in ("level", "text"):
            inputs.write_string(i, 4, str(value), F.entry)
        else:
            fmt = F.entry_pct if spec.type == "rate" else F.entry_num
            inputs.write_number(i, 4, float(value), fmt)
        if spec.type == "flag":
            inputs.data_validation(i, 4, i, 4, {"validate": "list", "source": ["是", "否"]})
            helper = f'=IF(ISBLANK({cell}),NA(),{cell}="是")'
        elif spec.type == "level":
            inputs.data_validation(i, 4, i, 4, {"validate": "list", "source": list(spec.choices)})
            helper = f"=IF(ISBLANK({cell}),NA(),{cell})"
        elif spec.type == "judgement":
            inputs.data_validation(i, 4, i, 4, {"validate": "decimal", "criteria": "between", "minimum": 0,
                                                "maximum": points.get(name, 0)})
            helper = f"=IF(ISBLANK({cell}),NA(),{cell})"
        else:
            helper = f"=IF(ISBLANK({cell}),NA(),{cell})"
        result = "#N/A" if missing else (bool(value) if isinstance(value, bool) else value)
        inputs.write_formula(i, 5, helper, F.helper_pct if spec.type == "rate" else F.helper, result if cached else 0)
        evidence = getattr(given, "evidence", "") or ""
        if isinstance(given, Judgement) and given.met is not None and not evidence:
            evidence = "达到" if given.met else "未达到"
        inputs.write_string(i, 6, evidence)
        wb.define_name(fact_names[name], f"='{INPUT}'!$F${i + 1}")

    # -- 计算值 ----------------------------------------------------------------------------------
    metrics_ws.write_row(0, 0, ["指标值", "所属三级指标", "规则", "计算式", "公式值", "报告值", "案例所载值"], F.head)
    metrics_ws.set_column(0, 1, 22)
    metrics_ws.set_column(2, 2, 9)
    metrics_ws.set_column(3, 3, 52, F.wrap)
    metrics_ws.set_column(4, 6, 13)
    metrics_ws.freeze_panes(1, 1)
    named: dict[E.Node, str] = {}
    row = 1
    for mt in fig.metrics:
        if isinstance(mt.node, E.Ref) or mt.node in named:
            continue  # a bare fact is already a named cell
        name = excel_name(mt.label, taken)
        text = formula(mt.node, named, ref)
        fmt = F.pct if mt.as_pct else F.num
        metrics_ws.write_string(row, 0, mt.label, F.name)
        metrics_ws.write_string(row, 1, fw.find(mt.indicator).name if fw.find(mt.indicator) else mt.indicator)
        metrics_ws.write_string(row, 2, RULE_NAMES.get(mt.kind, mt.kind))
        metrics_ws.write_string(row, 3, E.render(mt.node))
        cached_value = mt.value if mt.value is not None else "#N/A"
        metrics_ws.write_formula(row, 4, f"=IFERROR({text},NA())", fmt, cached_value if cached else 0)
        if mt.value is not None:
            metrics_ws.write_number(row, 5, mt.value, fmt)
        stated = case.stated.get(mt.label, case.stated.get(name))
        if stated is not None:
            metrics_ws.write_number(row, 6, stated, fmt)
        wb.define_name(name, f"='{METRICS}'!$E${row + 1}")
        named[mt.node] = name
        row += 1

    # -- 评分表 ----------------------------------------------------------------------------------
    scores.merge_range(0, 0, 0, 7, f"{report.document.title}·评分表", F.title)
    scores.merge_range(1, 0, 1, 7, f"{case.subject}　{case.year}年度　指标体系：{fw.name}（{fw.id}，版本指纹 {ev.edition_hash[:16]}）。"
                       "“公式得分”由“输入”表中的事实实时计算，修改事实即可看到得分变化；“报告得分”为报告所载得分。", F.note)
    scores.set_row(1, 36)
    heads = ["一级指标", "二级指标", "三级指标", "参考分值", "公式得分", "报告得分", "核对", "评分说明（留痕）"]
    scores.write_row(3, 0, heads, F.head)
    scores.set_column(0, 1, 12)
    scores.set_column(2, 2, 24)
    scores.set_column(3, 6, 10)
    scores.set_column(7, 7, 90, F.wrap)
    scores.freeze_panes(4, 3)
    first = 4
    rows = {r.id: first + k for k, r in enumerate(ev.results)}
    kids: dict[str, list[str]] = {}
    for r in ev.results:
        kids.setdefault(r.parent, []).append(r.id)
    for r in ev.results:
        at = rows[r.id]
        level_fmt = F.level[min(r.level, 3)]
        scores.write_string(at, min(r.level, 3) - 1, r.name, level_fmt)
        for col in range(3):
            if col != min(r.level, 3) - 1:
                scores.write_blank(at, col, None, level_fmt)
        scores.write_number(at, 3, r.weight, F.score_fmt(r.level))
        if r.id in kids:
            parts = ",".join(f"E{rows[c] + 1}" for c in kids[r.id])
            text = f"=SUM({parts})"
        else:
            leaf = fw.find(r.id)
            text = f'=IFERROR({formula(leaf.rule.lower(), named, ref)},"无法评分")'
        value = r.score if r.score is not None else "无法评分"
        scores.write_formula(at, 4, text, F.live(r.level), value if cached else 0)
        if r.score is not None:
            scores.write_number(at, 5, r.score, F.score_fmt(r.level))
        else:
            scores.write_string(at, 5, "无法评分", F.score_fmt(r.level))
        scores.write_formula(at, 6, _check(at), F.check, "一致" if cached else "")
        trace = spaced(r.trace) if r.id not in kids else ""
        scores.write_string(at, 7, trace, F.trace)
        if trace:
            # Spreadsheet programs do not grow a row for wrapped text on their own: about 44
            # Chinese characters fit a line of the 90-wide column.
            scores.set_row(at, 14 * max(1, -(-len(trace) // 44)) + 2)
    total = first + len(ev.results)
    tops = ",".join(f"E{rows[r.id] + 1}" for r in ev.level(1))
    unscored = [r.name for r in ev.results if r.status == "not_scorable"]
    scores.write_string(total, 0, "合计（不完整）" if unscored else "合计", F.level[1])
    scores.write_blank(total, 1, None, F.level[1])
    scores.write_blank(total, 2, None, F.level[1])
    scores.write_number(total, 3, sum(r.weight for r in ev.level(1)), F.score_fmt(1))
    scores.write_formula(total, 4, f"=SUM({tops})", F.live(1), ev.total if cached else 0)
    scores.write_number(total, 5, ev.total, F.score_fmt(1))
    scores.write_formula(total, 6, _check(total), F.check, "一致" if cached else "")
    grade = f"评价等级：{ev.grade}；" if ev.grade else ""
    incomplete = (f"；得分不完整：{'、'.join(unscored)} 无法评分，未计入合计" if unscored else "")
    scores.write_string(total, 7, f"{grade}报告总分{round_half_up(ev.total):.2f}（合计由未舍入得分相加）{incomplete}",
                        F.trace)
    scores.conditional_format(first, 4, total, 4, {"type": "formula", "criteria": f"=AND(ISNUMBER(E{first + 1}),E{first + 1}<D{first + 1}-0.000001)",
                                                  "format": F.lost})
    scores.conditional_format(first, 6, total, 6, {"type": "text", "criteria": "not containing", "value": "一致", "format": F.changed})

    # -- 说明 ------------------------------------------------------------------------------------
    notes.set_column(0, 0, 110, F.wrap)
    lines = [
        "本工作簿由 jixiao 根据案例事实与评分结果生成，与评价报告同时产生。",
        ("“评分表”中“公式得分”是实时公式：每个三级指标的公式由指标体系中该指标的评分规则（比率、分档、超限扣分、序时进度等）"
         "自动生成，读取“输入”表的“计算用值”和“计算值”表的中间值。"),
        ("修改“输入”表黄色单元格中的取值（金额、人数、比率、是/否、档次、评价判断得分），得分随即重新计算；"
         "“核对”列显示公式得分与报告得分是否一致。"),
        "“输入”表中留空的取值视为缺失，相关指标显示“无法评分”，与评分引擎的处理一致。",
        "得分显示为四舍五入保留两位小数；上级指标得分与合计由下级未舍入得分相加。",
        f"指标体系：{fw.name}（{fw.id}，版本 {fw.edition}），版本指纹 {ev.edition_hash}。",
    ]
    for i, line in enumerate(lines):
        notes.write_string(i, 0, line)
    for ws, header_row in ((scores, 3), (metrics_ws, 0), (inputs, 0), (notes, None)):
        ws.set_paper(9)  # A4
        ws.set_landscape()
        ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        if header_row is not None:
            ws.repeat_rows(header_row)
        ws.set_footer("&C第 &P 页，共 &N 页")
    scores.activate()
    wb.close()


def _check(row: int) -> str:
    r = row + 1
    return f'=IF(AND(ISNUMBER(E{r}),ISNUMBER(F{r})),IF(ABS(E{r}-F{r})<0.005,"一致","变动 "&TEXT(E{r}-F{r},"+0.00;-0.00")),IF(E{r}=F{r},"一致","变动"))'


class _Formats:
    def __init__(self, wb):
        base = {"font_name": "仿宋_GB2312", "font_size": 11, "valign": "vcenter", "border": 1}
        self.wb = wb
        self.head = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "align": "center", "text_wrap": True})
        self.title = wb.add_format({"font_name": "黑体", "font_size": 14, "bold": True, "align": "center"})
        self.note = wb.add_format({"font_name": "仿宋_GB2312", "font_size": 10, "text_wrap": True, "valign": "top"})
        self.name = wb.add_format({**base, "bold": True})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top", "font_name": "仿宋_GB2312"})
        self.trace = wb.add_format({**base, "text_wrap": True, "valign": "top", "font_size": 10})
        self.entry = wb.add_format({**base, "bg_color": "#FFF2CC", "locked": False})
        self.entry_num = wb.add_format({**base, "bg_color": "#FFF2CC", "num_format": "#,##0.00##", "locked": False})
        self.entry_pct = wb.add_format({**base, "bg_color": "#FFF2CC", "num_format": "0.00%", "locked": False})
        self.helper = wb.add_format({**base, "font_color": "#595959"})
        self.helper_pct = wb.add_format({**base, "font_color": "#595959", "num_format": "0.00%"})
        self.pct = wb.add_format({**base, "num_format": "0.00%"})
        self.num = wb.add_format({**base, "num_format": "#,##0.00"})
        self.check = wb.add_format({**base, "align": "center"})
        self.lost = wb.add_format({"font_color": "#C00000"})
        self.changed = wb.add_format({"bg_color": "#FCE4D6"})
        self.level = {1: wb.add_format({**base, "bold": True, "bg_color": "#EDEDED"}),
                      2: wb.add_format({**base, "bold": True}),
                      3: wb.add_format({**base})}
        self._score = {lv: wb.add_format({**base, "num_format": "0.00", "bold": lv < 3, "bg_color": "#EDEDED" if lv == 1 else "#FFFFFF"})
                       for lv in (1, 2, 3)}
        self._live = {lv: wb.add_format({**base, "num_format": "0.00", "bold": lv < 3, "bg_color": "#E2EFDA"}) for lv in (1, 2, 3)}

    def score_fmt(self, level: int):
        return self._score[min(level, 3)]

    def live(self, level: int):
        return self._live[min(level, 3)]
