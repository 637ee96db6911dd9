"""Reading a 绩效目标申报表 (项目支出 or 部门整体) from YAML, JSON or XLSX.

The keys are the printed form's labels (see ``docs/cycle.md``)::

    framework: national-target-project/2015
    年度: 2022
    金额单位: 万元
    项目名称: 委托业务项目
    主管部门及代码: 219-池州市贵池区棠溪镇人民政府
    实施单位: 池州市贵池区棠溪镇人民政府
    项目属性: 延续
    项目期: 2022—2024年
    资金:
      中期: {资金总额: 270, 财政拨款: 270, 其他资金: 0}
      年度: {资金总额: 90, 财政拨款: 90, 其他资金: 0}
    总体目标: {中期: …, 年度: …}
    绩效指标:
      - {期间: 年度, 一级指标: 产出指标, 二级指标: 数量指标, 三级指标: 委托业务项目数量, 指标值: ≥50个, 指标值确定依据: 历史标准}

指标值 is parsed by the project form's parser (:func:`jixiao.intake.form.parse_target`): "≥50个",
"≤90万元", "=100%", "不低于95%"; an operator without a readable number is refused with its place;
text without a number is a qualitative value. Optional: 功能分类 (支出功能分类科目 code of 3, 5 or 7
digits and/or its name, "2080109 社会保险经办机构") and 行业 (free text, at most 40 characters) in the
header, for the 指标库's search and similar-project suggestions; 审核 (the reviewers' opinions, 初审/复审
with 等级 and 意见) and 历史完成值 (past actuals by 三级指标, until the store provides them).
"""

from __future__ import annotations

from pathlib import Path

from jixiao.core.cycle.classify import check_industry, parse_function_class
from jixiao.core.cycle.target import (
    ANNUAL,
    QUAL,
    QUANT,
    Funds,
    Indicator,
    Opinion,
    Past,
    TargetEdition,
    TargetForm,
    Task,
)
from jixiao.core.errors import InvalidInput, Problem, Problems
from jixiao.intake.cycle import load_edition
from jixiao.intake.documents import read_document
from jixiao.intake.form import (
    MONEY,
    SYMBOLS,
    WORDS,
    BadCell,
    _plain,
    _unit,
    canonical,
    parse_actual,
    parse_money,
    parse_target,
)
from jixiao.intake.target_labels import (
    DEPT_HEADER,
    FUND_KEYS,
    KEYS,
    OPTIONAL_HEADER,
    PERIODS,
    PROJECT_HEADER,
    ROW_KEYS,
    TASK_KEYS,
)
from jixiao.intake.yamlio import Located

__all__ = ["DEPT_HEADER", "FUND_KEYS", "KEYS", "OPTIONAL_HEADER", "PERIODS", "PROJECT_HEADER", "ROW_KEYS", "TASK_KEYS", "bind_target",
           "bind_target_to", "looks_like_target", "read_target"]



def read_target(path: str | Path, edition: str | Path | None = None) -> tuple[TargetForm, TargetEdition, dict, list[Problem]]:
    """One target form, checked: (form, edition, history by 三级指标, warnings); refused with every problem."""
    from jixiao.intake.target_xlsx import read_workbook

    path = Path(path)
    doc = read_document(path, read_workbook)  # the one reader: its limits, JSON field paths, workbook guards
    return bind_target(doc, path.parent, edition)


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def bind_target(doc: Located, base: Path, edition: str | Path | None = None,
                loaded: TargetEdition | None = None) -> tuple[TargetForm, TargetEdition, dict, list[Problem]]:
    data = doc.data
    if not isinstance(data, dict):
        raise InvalidInput("绩效目标申报表无效", [Problem("E-IN-SCHEMA", "申报表应为键值映射（项目名称、资金、绩效指标……）", doc.source)])
    problems, warnings = Problems(), []
    top, keys, unknown = canonical(data, KEYS)
    for k in unknown:
        problems.add("E-IN-UNKNOWN-KEY", f"不认识的字段“{k}”；可用：{'、'.join(KEYS)}", doc.where((k,)))

    def at(*p) -> str:
        return doc.where((keys.get(p[0], p[0]),) + tuple(p[1:]))

    ref = edition or top.get("framework")
    if not ref:
        form_kind = "dept" if "部门名称" in top and "项目名称" not in top else "project"
        ref = "national-target-dept/2015" if form_kind == "dept" else "national-target-project/2015"
    candidate = base / str(ref)
    ed: TargetEdition = loaded or load_edition(candidate if candidate.is_file() else ref, "target")

    unit = _text(top.get("金额单位")) or "万元"
    if unit not in MONEY:
        problems.add("E-IN-UNIT", f"金额单位应为 元、千元、万元 或 亿元，实际为“{unit}”", at("金额单位"))
        unit = "万元"
    year = top.get("年度")
    if year not in (None, ""):
        try:
            year = int(_plain(year).rstrip("年度").rstrip("年"))
            if not 1990 <= year <= 2100:
                raise ValueError
        except ValueError:
            problems.add("E-IN-YEAR", f"年度应为四位年份，实际为“{top.get('年度')}”", at("年度"))
            year = None
    header = {k: _text(top.get(k)) for k in (PROJECT_HEADER if ed.form == "project" else DEPT_HEADER) if top.get(k) not in (None, "")}
    header.update(_classification(top, ed, at, problems))
    if ed.form == "project" and not header.get("项目名称"):
        problems.add("E-IN-MISSING", "缺少项目名称", doc.source)
    if ed.form == "dept" and not header.get("部门名称"):
        problems.add("E-IN-MISSING", "缺少部门名称", doc.source)
    form = TargetForm(form=ed.form, header=header, year=year or None, money_unit=unit, edition=ed.id, source=doc.source)

    funds = top.get("资金")
    if funds is not None:
        if not isinstance(funds, dict):
            problems.add("E-IN-SCHEMA", "资金应按期间填写：中期: {资金总额, 财政拨款, 其他资金}，年度: {…}", at("资金"))
        else:
            for pk, block in funds.items():
                period = PERIODS.get(_text(pk))
                place = doc.where((keys["资金"], pk))
                if period is None:
                    problems.add("E-IN-UNKNOWN-KEY", f"资金的期间“{pk}”应为 中期 或 年度", place)
                    continue
                if not isinstance(block, dict):
                    block = {"资金总额": block}
                v, orig, unk = canonical(block, FUND_KEYS)
                for k in unk:
                    problems.add("E-IN-UNKNOWN-KEY", f"{period}资金：不认识的字段“{k}”；可用：{'、'.join(FUND_KEYS)}", place)
                f = Funds(period, where=place)
                for attr, label in (("total", "资金总额"), ("fiscal", "财政拨款"), ("other", "其他资金")):
                    try:
                        setattr(f, attr, parse_money(v.get(label), unit, unit))
                    except BadCell as exc:
                        problems.add(exc.code, f"{period}资金的{label}：{exc}", doc.where((keys["资金"], pk, orig.get(label, label))))
                form.funds[period] = f

    goals = top.get("总体目标")
    if isinstance(goals, dict):
        for pk, text in goals.items():
            period = PERIODS.get(_text(pk))
            if period is None:
                problems.add("E-IN-UNKNOWN-KEY", f"总体目标的期间“{pk}”应为 中期 或 年度", doc.where((keys["总体目标"], pk)))
            else:
                form.goals[period] = "\n".join(_text(x) for x in text) if isinstance(text, list) else _text(text)
    elif goals not in (None, ""):
        form.goals[ANNUAL] = _text(goals)

    form.tasks = _tasks(top.get("年度主要任务"), keys.get("年度主要任务", "年度主要任务"), unit, doc, problems)
    form.indicators = _rows(top.get("绩效指标"), keys.get("绩效指标", "绩效指标"), ed, doc, problems, warnings)
    form.opinions = _opinions(top.get("审核"), keys.get("审核", "审核"), ed, doc, problems)
    history = _history(top.get("历史完成值"), keys.get("历史完成值", "历史完成值"), doc, problems)
    problems.raise_if_errors("绩效目标申报表有误")
    form.history = history
    return form, ed, history, warnings


def _classification(top: dict, ed: TargetEdition, at, problems: Problems) -> dict[str, str]:
    """功能分类 and 行业, when given: refused with the cell and the fix when their shape is wrong."""
    out = {}
    for k in OPTIONAL_HEADER:
        if top.get(k) in (None, ""):
            continue
        if k not in ed.optional_header:
            problems.add("E-IN-UNKNOWN-KEY", f"“{ed.name}”（{ed.id}）没有“{k}”一栏；请删去此项", at(k))
            continue
        raw = top.get(k)
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)  # a code typed into a number cell
        if not isinstance(raw, (str, int)) or isinstance(raw, bool):
            problems.add("E-IN-VALUE", f"{k}应为一行文字，如“2080109 社会保险经办机构”", at(k))
            continue
        try:
            if k == "功能分类":
                out[k] = parse_function_class(_text(raw)).text
            else:
                out[k] = check_industry(_text(raw))
        except ValueError as exc:
            problems.add("E-IN-VALUE", str(exc), at(k))
    return out


def bind_target_to(doc: Located, edition) -> tuple[TargetForm | None, list[Problem]]:
    """The edition registry's binder: a form against an already loaded edition (its ``framework``
    is the :class:`TargetEdition`); problems returned, not raised."""
    try:
        form, _, _, warnings = bind_target(doc, Path("."), loaded=edition.framework)
    except InvalidInput as exc:
        return None, exc.problems
    return form, warnings


def _tasks(raw, key, unit, doc, problems) -> list[Task]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        problems.add("E-IN-SCHEMA", "年度主要任务应为列表，每项一行（任务名称、主要内容、总额、财政拨款、其他资金）", doc.where((key,)))
        return []
    out = []
    for i, item in enumerate(raw):
        place = doc.where((key, i))
        if not isinstance(item, dict):
            problems.add("E-IN-SCHEMA", f"年度主要任务第 {i + 1} 行应为键值映射", place)
            continue
        v, orig, unk = canonical(item, TASK_KEYS)
        for k in unk:
            problems.add("E-IN-UNKNOWN-KEY", f"年度主要任务第 {i + 1} 行：不认识的字段“{k}”；可用：{'、'.join(TASK_KEYS)}", place)
        t = Task(_text(v.get("任务名称")) or f"第{i + 1}项", _text(v.get("主要内容")), where=place)
        for attr, label in (("total", "总额"), ("fiscal", "财政拨款"), ("other", "其他资金")):
            try:
                setattr(t, attr, parse_money(v.get(label), unit, unit))
            except BadCell as exc:
                problems.add(exc.code, f"年度主要任务“{t.name}”的{label}：{exc}", doc.where((key, i, orig.get(label, label))))
        out.append(t)
    return out


def _rows(raw, key, ed: TargetEdition, doc, problems, warnings) -> list[Indicator]:
    if raw in (None, "") or raw == []:
        problems.add("E-IN-MISSING", "缺少绩效指标（每行：期间、一级指标、二级指标、三级指标、指标值、指标值确定依据）", doc.source)
        return []
    if not isinstance(raw, list):
        problems.add("E-IN-SCHEMA", "绩效指标应为列表，每行一个三级指标", doc.where((key,)))
        return []
    out: list[Indicator] = []
    period, level1, level2 = ANNUAL, "", ""
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            problems.add("E-IN-SCHEMA", f"绩效指标第 {i + 1} 行应为键值映射", doc.where((key, i)))
            continue
        v, orig, unk = canonical(item, ROW_KEYS)

        def at(label, _i=i, _o=orig):
            return doc.where((key, _i, _o.get(label, label)))

        for k in unk:
            problems.add("E-IN-UNKNOWN-KEY", f"绩效指标第 {i + 1} 行：不认识的字段“{k}”；可用：{'、'.join(ROW_KEYS)}", doc.where((key, i, k)))
        # Merged cells: a blank 期间/一级/二级 continues the row above, as on the printed form.
        if _text(v.get("期间")):
            p = PERIODS.get(_text(v.get("期间")))
            if p is None:
                problems.add("E-IN-VALUE", f"绩效指标第 {i + 1} 行：期间“{v.get('期间')}”应为 中期 或 年度", at("期间"))
            else:
                period = p
        if _text(v.get("一级指标")):
            name = _text(v.get("一级指标"))
            lv = ed.level(name)
            if lv is None:
                problems.add("E-IN-FORM-LEVEL", f"绩效指标第 {i + 1} 行：一级指标“{name}”应为 "
                             f"{'、'.join(x.name for x in ed.levels)} 之一", at("一级指标"))
            level1 = lv.name if lv else name
            level2 = ""
        level2 = _text(v.get("二级指标")) or level2
        name = _text(v.get("三级指标")) or f"第{i + 1}行"
        label = f"绩效指标第 {i + 1} 行“{name}”"
        row = Indicator(period, level1, level2, name, where=doc.where((key, i)))
        row.basis = _text(v.get("指标值确定依据"))
        if not row.basis.endswith("标准") and row.basis + "标准" in ed.bases:
            row.basis += "标准"  # 计划 → 计划标准
        elif row.basis.endswith("标准") and row.basis not in ed.bases and row.basis[:-2] in ed.bases:
            row.basis = row.basis[:-2]  # 其他标准 (the vendor's word) → 其他
        _bind_value(row, v, label, at, problems, warnings)
        if v.get("预算支出标准") not in (None, ""):
            try:
                row.standard = parse_actual(v.get("预算支出标准"), row.unit)
            except BadCell as exc:
                problems.add(exc.code, f"{label}：预算支出标准：{str(exc).replace('实际完成值', '支出标准')}", at("预算支出标准"))
        out.append(row)
    return out


def _bind_value(row: Indicator, v: dict, label: str, at, problems: Problems, warnings: list) -> None:
    raw = v.get("指标值")
    nature = _plain(v.get("指标性质") or "")
    row.text = _text(raw)
    if raw in (None, ""):
        problems.add("E-IN-MISSING", f"{label}：缺少指标值", at("指标值"))
        return
    if nature in SYMBOLS or nature in dict(WORDS):  # 指标性质 as the operator, 计量单位 as the unit
        op = SYMBOLS.get(nature) or dict(WORDS)[nature]
        unit = _unit(_text(v.get("计量单位")))
        raw = f"{op}{row.text}{'' if row.text.endswith(unit) else unit}"
        row.text = raw
    try:
        t = None if nature == "定性" else parse_target(raw)
    except BadCell as exc:
        problems.add(exc.code, f"{label}：{exc}", at("指标值"))
        return
    if t is None:
        if nature == "定量":
            problems.add("E-IN-FORM-TARGET", f"{label}：标为定量指标，但指标值“{row.text}”没有可读的数字", at("指标值"))
        row.kind = QUAL
        return
    row.kind = QUANT
    row.op, row.value = ("" if t.assumed else t.op), t.number
    row.unit = t.unit or _unit(_text(v.get("计量单位")))
    if row.unit and not row.text.endswith(row.unit):
        row.text = f"{row.text}{row.unit}"


def _opinions(raw, key, ed, doc, problems) -> list[Opinion]:
    if raw in (None, ""):
        return []
    items = raw if isinstance(raw, list) else [dict(v, 审核层级=k) if isinstance(v, dict) else v for k, v in raw.items()] \
        if isinstance(raw, dict) else None
    if items is None:
        problems.add("E-IN-SCHEMA", "审核应写成 初审: {等级, 意见}、复审: {等级, 意见}", doc.where((key,)))
        return []
    out = []
    for i, item in enumerate(items):
        place = doc.where((key, i)) if isinstance(raw, list) else doc.where((key,))
        if not isinstance(item, dict):
            problems.add("E-IN-SCHEMA", "每一级审核应为键值映射（等级、意见、审核人）", place)
            continue
        level = _text(item.get("审核层级") or item.get("层级"))
        if level not in ("初审", "复审"):
            problems.add("E-IN-VALUE", f"审核层级“{level}”应为 初审 或 复审", place)
            continue
        grade = _text(item.get("等级"))
        if grade and grade not in ("优", "良", "中", "差"):
            problems.add("E-IN-VALUE", f"{level}等级“{grade}”应为 优、良、中、差 之一", place)
            grade = ""
        remarks = item.get("意见") or {}
        if isinstance(remarks, str):
            remarks = {"总体": remarks}
        out.append(Opinion(level, grade, {str(k): _text(x) for k, x in remarks.items()}, _text(item.get("审核人"))))
    return out


def _history(raw, key, doc, problems) -> dict[str, list[Past]]:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        problems.add("E-IN-SCHEMA", "历史完成值应按三级指标名称列出：{指标名: [{年度: 2021, 完成值: 52个}]}", doc.where((key,)))
        return {}
    out: dict[str, list[Past]] = {}
    for name, rows in raw.items():
        for j, r in enumerate(rows if isinstance(rows, list) else []):
            place = doc.where((key, name, j))
            try:
                year = int(r["年度"])
                text = _plain(r["完成值"]) if isinstance(r["完成值"], str) else str(r["完成值"])
                t = parse_target(text)
                if t is None:
                    raise BadCell(f"完成值“{r['完成值']}”不是数字")
                out.setdefault(str(name), []).append(Past(year, t.number, t.unit))
            except (KeyError, TypeError, ValueError) as exc:
                msg = str(exc) if isinstance(exc, BadCell) else "每条应写 年度 与 完成值（如 {年度: 2021, 完成值: 52个}）"
                problems.add("E-IN-VALUE", f"历史完成值“{name}”第 {j + 1} 条：{msg}", place)
    return out


def looks_like_target(data) -> bool:
    """A target form names a target edition, or is titled 绩效目标申报表, or has 指标值确定依据 rows."""
    if not isinstance(data, dict):
        return False
    from jixiao.intake.cycle import kind_of_ref

    ref = data.get("framework")
    if ref and kind_of_ref(str(ref)) == "target":
        return True
    return "绩效目标申报表" in _text(data.get("表名"))
