"""Reading an 事前绩效评估 expert scoring sheet from YAML, JSON or its workbook (:mod:`jixiao.intake.preassess_xlsx`).

    framework: national-preassessment/2018
    表名: 事前绩效评估专家评分表
    项目名称: 乡村道路养护项目
    主管部门: 某县交通运输局
    申请资金: 300               # in 金额单位 (万元 by default)
    专家:
      - {姓名: 专家甲, 立项必要性: 18, 投入经济性: 良, 绩效目标合理性: 16, 实施方案可行性: 17, 筹资合规性: 19, 意见: …}
    报告:                       # optional: the report's text the scores cannot give, by section name
      概况: 项目背景、内容……        # (政策或项目绩效目标, 概况, 评估程序, 评估思路 …; see docs/reports.md)

Each expert marks every dimension with points (0 to its weight) or a grade 优/良/中/差. A missing
mark, a mark above the weight, a negative mark or an unknown dimension refuses the sheet with its place.
"""

from __future__ import annotations

from pathlib import Path

from jixiao.core.cycle.preassess import GRADES, ExpertScores, PreassessEdition, Sheet, section_named
from jixiao.core.errors import InvalidInput, Problem, Problems
from jixiao.intake.cycle import load_edition
from jixiao.intake.documents import read_document
from jixiao.intake.form import MONEY, BadCell, _plain, canonical, parse_money, parse_number
from jixiao.intake.preassess_xlsx import read_workbook
from jixiao.intake.yamlio import Located

KEYS = {"framework": ("framework", "评估规则"), "表名": ("表名",), "年度": ("年度",), "项目名称": ("项目名称", "政策或项目名称"),
        "主管部门": ("主管部门", "主管部门及代码"), "申请资金": ("申请资金", "资金总额"), "金额单位": ("金额单位",),
        "专家": ("专家", "专家评分"), "说明": ("说明", "备注"),
        "报告": ("报告", "narrative", "报告内容")}


def read_preassessment(path: str | Path, edition: str | Path | None = None) -> tuple[Sheet, PreassessEdition, list[Problem]]:
    path = Path(path)
    doc = read_document(path, read_workbook)  # the one reader; a workbook is the scoring sheet's template
    return bind_preassessment(doc, path.parent, edition)


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def bind_preassessment(doc: Located, base: Path, edition=None,
                       loaded: PreassessEdition | None = None) -> tuple[Sheet, PreassessEdition, list[Problem]]:
    data = doc.data
    if not isinstance(data, dict):
        raise InvalidInput("评分表无效", [Problem("E-IN-SCHEMA", "评分表应为键值映射（项目名称、专家……）", doc.source)])
    problems = Problems()
    top, keys, unknown = canonical(data, KEYS)
    for k in unknown:
        problems.add("E-IN-UNKNOWN-KEY", f"不认识的字段“{k}”；可用：{'、'.join(KEYS)}", doc.where((k,)))
    ref = edition or top.get("framework") or "national-preassessment/2018"
    candidate = base / str(ref)
    ed: PreassessEdition = loaded or load_edition(candidate if candidate.is_file() else ref, "preassessment")
    unit = _text(top.get("金额单位")) or "万元"
    if unit not in MONEY:
        problems.add("E-IN-UNIT", f"金额单位应为 元、千元、万元 或 亿元，实际为“{unit}”", doc.where((keys.get("金额单位"),)))
        unit = "万元"
    sheet = Sheet(project=_text(top.get("项目名称")), experts=[], department=_text(top.get("主管部门")), money_unit=unit,
                  source=doc.source)
    if not sheet.project:
        problems.add("E-IN-MISSING", "缺少项目名称", doc.where((keys.get("项目名称", "项目名称"),)))
    year = top.get("年度")
    if year not in (None, ""):
        try:
            sheet.year = int(str(year).strip().removesuffix("年度").removesuffix("年"))
        except ValueError:
            problems.add("E-IN-SCHEMA", f"年度应为四位年份，实际为“{year}”", doc.where((keys.get("年度"),)))
    sheet.narrative = _narrative(top.get("报告"), keys.get("报告", "报告"), ed, doc, problems)
    try:
        sheet.amount = parse_money(top.get("申请资金"), unit, unit)
    except BadCell as exc:
        problems.add(exc.code, f"申请资金：{exc}", doc.where((keys.get("申请资金"),)))
    raw = top.get("专家")
    key = keys.get("专家", "专家")
    if not isinstance(raw, list) or not raw:
        problems.add("E-IN-MISSING", "缺少专家评分（每位专家一行：姓名及五个维度的分数或等级）", doc.where((key,)) if raw is not None else doc.source)
        raw = []
    names = {d.name: d for d in ed.dimensions}
    for i, item in enumerate(raw):
        place = doc.where((key, i))
        if not isinstance(item, dict):
            problems.add("E-IN-SCHEMA", f"专家第 {i + 1} 行应为键值映射", place)
            continue
        who = _text(item.get("姓名")) or f"专家{i + 1}"
        marks: dict[str, float | str] = {}
        for k, v in item.items():
            k = str(k).strip()
            if k in ("姓名", "意见", "职称", "工作单位"):
                continue
            if k not in names:
                problems.add("E-IN-UNKNOWN-KEY", f"{who}：“{k}”不是评估维度；维度为 {'、'.join(names)}", doc.where((key, i, k)))
                continue
            d = names[k]
            text = _plain(v) if isinstance(v, str) else None
            if text in GRADES:
                marks[k] = text
                continue
            try:
                n = parse_number(v, f"{who}的{k}评分")
            except BadCell as exc:
                problems.add("E-IN-PRE-MARK", f"{exc}；请填写 0 到 {d.weight:g} 的分数或 优、良、中、差", doc.where((key, i, k)))
                continue
            if n is None or n < 0 or n > d.weight + 1e-9:
                problems.add("E-IN-PRE-MARK", f"{who}的{k}评分“{v}”应在 0 到 {d.weight:g} 分之间", doc.where((key, i, k)))
                continue
            marks[k] = n
        missing = [n for n in names if n not in marks]
        if missing and not any(p.where.startswith(place) for p in problems.errors):
            problems.add("E-IN-MISSING", f"{who}未对 {'、'.join(missing)} 评分；每位专家须对全部维度评分", place)
        sheet.experts.append(ExpertScores(who, marks, _text(item.get("意见")), place, _text(item.get("职称")),
                                          _text(item.get("工作单位"))))
    problems.raise_if_errors("事前绩效评估评分表有误")
    return sheet, ed, []


def _narrative(raw, key, ed: PreassessEdition, doc: Located, problems: Problems) -> dict[str, object]:
    """The 报告 block: text (or a list of paragraphs) by report section; a name that is not one of the
    edition's sections is refused, so a misspelt section never silently drops its text."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        problems.add("E-IN-SCHEMA", "报告 应为键值映射：章节名称: 文字", doc.where((key,)))
        return {}
    out: dict[str, object] = {}
    for k, v in raw.items():
        name = section_named(str(k), ed.report_sections)
        if name is None:
            problems.add("E-IN-UNKNOWN-KEY", f"报告中的“{k}”不是报告章节；章节为 {'、'.join(ed.report_sections)}",
                         doc.where((key, k)))
            continue
        if isinstance(v, list):
            v = [_text(p) for p in v if _text(p)]
        elif isinstance(v, dict) and set(v) <= {"前", "后"}:
            v = {part: _text(v.get(part)) for part in ("前", "后") if _text(v.get(part))}
        elif not isinstance(v, (str, int, float)) and v is not None:
            problems.add("E-IN-SCHEMA", f"报告.{k} 应为文字、段落列表或 {{前, 后}}", doc.where((key, k)))
            continue
        else:
            v = _text(v)
        if v:
            out[name] = v
    return out


def bind_preassessment_to(doc: Located, edition) -> tuple[Sheet | None, list[Problem]]:
    """The edition registry's binder (see :func:`jixiao.intake.target.bind_target_to`)."""
    try:
        sheet, _, warnings = bind_preassessment(doc, Path("."), loaded=edition.framework)
    except InvalidInput as exc:
        return None, exc.problems
    return sheet, warnings
