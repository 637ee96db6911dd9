"""The 事前绩效评估报告, drafted from an expert scoring sheet and its result.

The sections are the edition's ``report_sections``, in its order (政策或项目名称 … 评估人员签名).
What the scores give is written from them: each dimension's weight, what it judges, every
expert's mark (a grade with the points it counts as), the mean, its share and grade; the total,
the grade, the outcome with its reason and the veto when it applied; the method, from the
edition's own bands; the hints (fewer experts than required, experts far apart) under
其他需要说明的问题; the experts' opinions under 建议 when the sheet gives no text of its own.
What only the assessors can write (绩效目标, 概况, 评估程序, 评估思路 …) comes from the sheet's
``报告`` block. A section with neither is refused before drafting (``E-REPORT-MISSING``): the
report never prints a placeholder or text nobody wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jixiao.core.cycle.preassess import PreassessEdition, PreassessResult, Sheet
from jixiao.core.errors import InvalidInput, Problem
from jixiao.core.numbers import fmt_amount, fmt_bound, fmt_pct, fmt_points
from jixiao.reports import outline
from jixiao.reports.compose import paragraphs
from jixiao.reports.tables import Cell, Table

NAME, GOAL, FUNDS, METHOD = "政策或项目名称", "政策或项目绩效目标", "资金构成", "评估方式、方法"
CONCLUSION, ADVICE, OTHER, SIGN = "总体结论", "评估的相关建议", "其他需要说明的问题", "评估人员签名"
# Sections the scores say something of; every other one needs the sheet's own text.
COMPUTED = {NAME, METHOD, CONCLUSION, OTHER, SIGN}
_CODE_PREFIX = re.compile(r"^\s*\d+\s*[-－—]\s*")


@dataclass
class CycleReport:
    """A drafted document any writer takes: the outline, the tables its ``::table N`` places."""

    document: outline.Document
    tables: list[Table] = field(default_factory=list)
    attachments: list[Table] = field(default_factory=list)
    chart: bytes = b""
    subject: str = ""  # the DOCX's subject property
    meta: str = ""  # what the files say made them (DOCX comments, the HTML's last line)


def missing(ed: PreassessEdition, r: PreassessResult) -> list[Problem]:
    """Each report section the sheet leaves without text where the scores cannot give one."""
    sheet = r.sheet
    dims = {d.name for d in ed.dimensions}
    out = []
    for section in ed.report_sections:
        if section in COMPUTED or section in dims or paragraphs(_raw(sheet, section)):
            continue
        if section == FUNDS and sheet.amount is not None:
            continue
        if section == ADVICE and any(e.opinion for e in sheet.experts):
            continue
        out.append(Problem("E-REPORT-MISSING", f"报告的“{section}”一节没有内容：请在评分表的 报告.{section} 中填写"
                           + ("（或在各专家的“意见”中写明建议）" if section == ADVICE else "")
                           + ("（或填写申请资金）" if section == FUNDS else ""), sheet.source or "评分表"))
    return out


def draft(ed: PreassessEdition, r: PreassessResult, decided: dict | None = None) -> CycleReport:
    """The report as an outline; raises :class:`InvalidInput` naming every section without text.

    ``decided`` is the conclusion 财政 recorded in the store (``{结论, 理由}``), stated in 总体结论
    beside the one the scores give."""
    gaps = missing(ed, r)
    if gaps:
        raise InvalidInput("事前绩效评估报告缺少内容，未生成报告", gaps)
    sheet = r.sheet
    title = f"{sheet.project}事前绩效评估报告"
    unit = _CODE_PREFIX.sub("", sheet.department)
    lines = [f"::title {outline.escape(title)}"]
    if unit:
        lines.append(f"::unit {outline.escape(unit)}")
    lines.append("::toc")
    tables: list[Table] = []
    dims = {d.name: d for d in ed.dimensions}
    results = {d.name: d for d in r.dimensions}
    for section in ed.report_sections:
        lines += ["", f"# {outline.escape(section)}", ""]
        own = _raw(sheet, section)
        if section in dims:
            lines += _dimension(ed, r, section, results[section], own)
        elif section == NAME:
            lines += _text(own) or [_esc(_name(sheet))]
        elif section == FUNDS:
            lines += _funds(sheet, own)
        elif section == METHOD:
            lines += _text(own, "前") + [_esc(_method(ed, r))] + _text(own, "后")
        elif section == CONCLUSION:
            tables.append(_scores_table(ed, r))
            lines += _text(own, "前") + [_esc(_conclusion(ed, r)), ""] + _decided(r, decided)
            lines += [f"::table {len(tables)}", ""] + _text(own, "后")
        elif section == ADVICE:
            lines += _advice(sheet, own)
        elif section == OTHER:
            lines += _other(r, own)
        elif section == SIGN:
            tables.append(_people_table(sheet))
            lines += _text(own) + [f"::table {len(tables)}"]
        else:
            lines += _text(own)
    doc = outline.Document(outline.parse("\n".join(lines)), title=title, unit=unit)
    meta = f"由 jixiao 根据事前绩效评估评分表与评估规则生成；评估规则 {ed.id}（{r.fingerprint[:12]}）"
    return CycleReport(doc, tables, subject="事前绩效评估报告", meta=meta)


# --- sections ------------------------------------------------------------------------------------


def _raw(sheet: Sheet, section: str):
    return sheet.narrative.get(section)


def _esc(text: str) -> str:
    return outline.escape(text)


def _text(value, part: str = "") -> list[str]:
    """The sheet's text as markup paragraphs; ``part`` 前/后 picks one side of a {前, 后} entry
    (a plain entry counts as 前: it leads into the generated text)."""
    if isinstance(value, dict):
        value = value.get(part) if part else [value.get("前"), value.get("后")]
    elif part == "后":
        value = None
    out = []
    for p in paragraphs(value):
        out += [_esc(p), ""]
    return out


def _name(sheet: Sheet) -> str:
    facts = [f"主管部门：{sheet.department}"] if sheet.department else []
    if sheet.year:
        facts.append(f"申请{sheet.year}年度预算")
    return f"{sheet.project}" + (f"（{'，'.join(facts)}）" if facts else "") + "。"


def _money(sheet: Sheet, amount: float) -> str:
    return f"{fmt_amount(amount)}{sheet.money_unit}"


def _funds(sheet: Sheet, own) -> list[str]:
    said = [_esc(f"项目申请资金{_money(sheet, sheet.amount)}。"), ""] if sheet.amount is not None else []
    if isinstance(own, dict):
        return _text(own, "前") + said + _text(own, "后")
    return said + _text(own)  # the composition follows the amount it explains


def _mark(ed: PreassessEdition, mark, points: float) -> str:
    return f"评为“{mark}”（按{fmt_points(points)}分计）" if isinstance(mark, str) else f"{fmt_points(points)}分"


def _dimension(ed: PreassessEdition, r: PreassessResult, name: str, d, own) -> list[str]:
    dim = next(x for x in ed.dimensions if x.name == name)
    marks = "，".join(f"{e.expert}{_mark(ed, e.marks[name], p)}" for e, p in zip(r.sheet.experts, d.by_expert))
    asks = f"重点评估{dim.asks.rstrip('。')}。" if dim.asks else ""
    said = (f"本维度满分{fmt_points(d.weight)}分。{asks}{len(d.by_expert)}名专家评分：{marks}；平均{d.score:.2f}分，"
            f"得分率{fmt_pct(d.score / d.weight)}，评为“{d.grade}”。")
    if d.name in ed.veto and d.grade == "差":
        said += f"按评估规则，{d.name}评为“差”的，评估不通过。"
    spread = [f for f in r.findings if f.code == "P_EXPERTS_DISAGREE" and f.indicator == name]
    if spread:
        said += f"{spread[0].message}。"
    return _text(own, "前") + [_esc(said), ""] + _text(own, "后")


def _method(ed: PreassessEdition, r: PreassessResult) -> str:
    dims = ed.dimensions
    weights = {d.weight for d in dims}
    each = (f"各维度满分{fmt_points(dims[0].weight)}分" if len(weights) == 1
            else "各维度分值为" + "、".join(f"{d.name}{fmt_points(d.weight)}分" for d in dims))
    bands = "、".join(f"{g.grade}{'不低于' + fmt_bound(g.at_least) if g.at_least > 0 else '低于' + fmt_bound(prev)}"
                      for g, prev in zip(ed.grades, [0.0] + [g.at_least for g in ed.grades]))
    stands = "、".join(f"{g.grade}按{fmt_bound(g.stands_for)}" for g in ed.grades)
    outcomes = "；".join(f"{o.outcome}：{'总分不低于' + fmt_points(o.at_least) + '分' if o.at_least > 0 else '其余'}"
                        for o in ed.outcomes)
    text = (f"采用专家评分法。{len(r.experts)}名专家按{'、'.join(d.name for d in dims)}{_count(len(dims))}个维度独立评分，"
            f"{each}，合计{fmt_points(ed.total)}分；专家可给分数，也可给等级（优、良、中、差），等级按该维度分值的一定比例计分"
            f"（{stands}）。各维度得分取专家评分的平均值，按得分率评定等级（{bands}），总分为各维度得分之和。"
            f"评估结论分为{'、'.join(o.outcome for o in ed.outcomes)}（{outcomes}）")
    if ed.veto:
        text += f"；{'或'.join(ed.veto)}评为“差”的，不论总分，结论为{ed.outcomes[-1].outcome}"
    return text + "。"


def _count(n: int) -> str:
    return outline.chinese_number(n) if 0 < n < 100 else str(n)


def _conclusion(ed: PreassessEdition, r: PreassessResult) -> str:
    vetoed = [d.name for d in r.dimensions if d.name in ed.veto and d.grade == "差"]
    if vetoed:
        why = f"{'、'.join(vetoed)}评为“差”，按评估规则，不论总分，评估结论为{r.outcome}"
    else:
        band = next((o for o in ed.outcomes if o.outcome == r.outcome), None)
        why = f"总分{r.total:.2f}分，{band.says}" if band else r.reason
    return (f"{len(r.experts)}名专家评分，各维度平均得分合计{r.total:.2f}分（满分{fmt_points(ed.total)}分），"
            f"综合等级“{r.grade}”。评估结论：**{r.outcome}**。{why.rstrip('。')}。")


def _decided(r: PreassessResult, decided: dict | None) -> list[str]:
    outcome = str((decided or {}).get("结论") or "").strip()
    if not outcome:
        return []
    why = str((decided or {}).get("理由") or "").strip().rstrip("。")
    said = f"财政部门记录的评估结论为“{outcome}”" + (f"，理由：{why}" if why else "")
    if outcome != r.outcome:
        said += f"（按评分计算的结论为“{r.outcome}”）"
    return [_esc(said + "。"), ""]


def _advice(sheet: Sheet, own) -> list[str]:
    out = _text(own)
    opinions = [e for e in sheet.experts if e.opinion]
    if opinions:
        out += ["专家意见如下：", ""]
        out += [f"+ {_esc(e.expert)}：{_esc(e.opinion.rstrip('。'))}。" for e in opinions]
    return out


def _other(r: PreassessResult, own) -> list[str]:
    out = _text(own)
    for f in r.findings:  # every finding of an 事前评估 is a hint (P_FEW_EXPERTS, P_EXPERTS_DISAGREE)
        out.append(f"+ {_esc((f.indicator + '：') if f.indicator else '')}{_esc(f.message.rstrip('。'))}。")
    if not out:
        out.append("专家人数与评分一致性的检查未发现需要说明的问题。")
    return out


# --- tables --------------------------------------------------------------------------------------


def _scores_table(ed: PreassessEdition, r: PreassessResult) -> Table:
    n = len(r.experts)
    rest = 156 - 34 - 14 - 20 - 14
    each = rest / max(n, 1)
    header = [[Cell("评估维度", bold=True), Cell("分值", bold=True), *[Cell(e, bold=True) for e in r.experts],
               Cell("平均得分", bold=True), Cell("等级", bold=True)]]
    body: list[list[Cell | None]] = []
    for d in r.dimensions:
        body.append([Cell(d.name), Cell(fmt_points(d.weight)), *[Cell(f"{p:.2f}") for p in d.by_expert],
                     Cell(f"{d.score:.2f}"), Cell(d.grade)])
    body.append([Cell("合计", bold=True), Cell(fmt_points(ed.total), bold=True),
                 *[Cell(f"{t:.2f}", bold=True) for t in r.expert_totals], Cell(f"{r.total:.2f}", bold=True),
                 Cell(r.grade, bold=True)])
    font = 10.5 if n <= 5 else 9
    return Table("事前绩效评估专家评分汇总", header, body, widths=[34, 14, *([each] * n), 20, 14], font_pt=font)


def _people_table(sheet: Sheet) -> Table:
    header = [[Cell("序号", bold=True), Cell("姓名", bold=True), Cell("职称", bold=True), Cell("工作单位", bold=True),
               Cell("签名", bold=True)]]
    body: list[list[Cell | None]] = [[Cell(str(i)), Cell(e.expert), Cell(e.title), Cell(e.employer, align="left"), Cell("")]
                                     for i, e in enumerate(sheet.experts, 1)]
    return Table("评估人员", header, body, widths=[14, 28, 30, 54, 30], font_pt=12, min_row_mm=12)
