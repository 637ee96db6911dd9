"""Reading a 项目支出绩效目标执行监控表 from YAML, JSON or its workbook (:mod:`jixiao.intake.monitoring_xlsx`).

    framework: national-monitoring/2019
    年度: 2022
    监控期间: 1—7月                       # or 已过月数: 7; default: the edition's period
    项目名称: 委托业务项目
    金额单位: 万元
    项目资金: {年初预算数: 90, 执行数: 52.5, 全年预计执行数: 90, 偏差原因: …, 纠偏措施: …}
    绩效指标:
      - {一级指标: 产出指标, 二级指标: 数量指标, 三级指标: 委托业务项目数量, 年度指标值: ≥50个,
         执行情况: 30个, 全年预计完成: 50个, 偏差原因: [经费保障], 偏差原因说明: …,
         完成目标可能性: 确定能, 纠偏措施: …, 是否需要整改: 否}
    处理决定: 继续执行                     # where the edition requires one (四川)

A 部门整体 form (an edition with ``form: dept``) names 部门名称 instead of 项目名称, its funds are
部门资金 (the department's budget), and it lists 年度主要任务, each lit by the funds rules:

    年度主要任务:
      - {任务名称: 社保基金征收及偿付, 预算数: 9000, 执行数: 5200, 全年预计执行数: 9000, 偏差原因: …, 纠偏措施: …}

年度指标值 is parsed by the project form's parser; 执行情况 and 全年预计完成 are read in its unit.
Refused with their place: a negative figure, a 执行数 above the annual budget, a 全年预计 below
what is already done, a period that is not 1–12 months.
"""

from __future__ import annotations

import re
from pathlib import Path

from jixiao.core.cycle.monitoring import (
    POSSIBILITY,
    REASON_FLAGS,
    MonIndicator,
    MonitoringEdition,
    MonitoringForm,
    MonTask,
)
from jixiao.core.errors import InvalidInput, Problem, Problems
from jixiao.core.rules.target import GRADES
from jixiao.intake.cycle import load_edition
from jixiao.intake.documents import read_document
from jixiao.intake.form import (
    MONEY,
    BadCell,
    _plain,
    canonical,
    grade_of,
    normalise_heading,
    parse_actual,
    parse_money,
    parse_target,
)
from jixiao.intake.yamlio import Located

KEYS = {
    "framework": ("framework", "预警规则"), "表名": ("表名",), "年度": ("年度",), "监控期间": ("监控期间", "期间"),
    "已过月数": ("已过月数",), "项目名称": ("项目名称",), "主管部门及代码": ("主管部门及代码", "主管部门"),
    "实施单位": ("实施单位",), "金额单位": ("金额单位",),
    "项目资金": ("项目资金", "预算执行情况", "部门资金", "部门预算执行情况"), "部门名称": ("部门名称", "部门（单位）名称"),
    "年度主要任务": ("年度主要任务", "主要任务"),
    "年度总体目标": ("年度总体目标",), "绩效指标": ("绩效指标",), "处理决定": ("处理决定",), "说明": ("说明", "备注"),
}
FUND_KEYS = {"预算数": ("年初预算数", "全年预算数", "预算数", "调整后预算数"), "执行数": ("执行数", "累计执行数"),
             "执行率": ("执行率",), "全年预计执行数": ("全年预计执行数", "全年预计执行"), "偏差原因": ("偏差原因", "偏差原因分析"),
             "纠偏措施": ("纠偏措施",)}
ROW_KEYS = {"一级指标": ("一级指标",), "二级指标": ("二级指标",), "三级指标": ("三级指标",),
            "年度指标值": ("年度指标值", "指标值"), "执行情况": ("执行情况", "累计完成"),
            "全年预计完成": ("全年预计完成", "全年预计完成情况"), "偏差原因": ("偏差原因", "偏差原因分析"),
            "偏差原因说明": ("偏差原因说明", "说明"), "完成目标可能性": ("完成目标可能性",), "纠偏措施": ("纠偏措施",),
            "是否需要整改": ("是否需要整改",), "备注": ("备注",)}
TASK_KEYS = {"任务名称": ("任务名称", "任务"), "预算数": ("预算数", "年初预算数", "总额", "预算金额"),
             "执行数": ("执行数", "累计执行数"), "全年预计执行数": ("全年预计执行数", "全年预计执行"),
             "偏差原因": ("偏差原因", "偏差原因分析"), "纠偏措施": ("纠偏措施",)}
GRADE_SHORT = dict(zip(GRADES, ("达成", "部分达成", "未达成")))
_PERIOD = re.compile(r"^(?:1[-—–~至]+)?(\d{1,2})月(?:末|底)?$")


def read_monitoring(path: str | Path, edition: str | Path | None = None) -> tuple[MonitoringForm, MonitoringEdition, list[Problem]]:
    path = Path(path)
    from jixiao.intake.monitoring_xlsx import read_workbook

    doc = read_document(path, read_workbook)  # the one reader: its limits, JSON field paths, workbook guards
    return bind_monitoring(doc, path.parent, edition)


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def months_of(raw) -> int:
    """'1—7月' → 7, '7月末' → 7, 7 → 7; anything else is refused."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        n = raw
    else:
        m = _PERIOD.match(_plain(raw).replace("－", "-"))
        if not m:
            raise BadCell(f"监控期间“{raw}”无法识别；请写成“1—7月”或填写已过月数 7", "E-IN-MON-PERIOD")
        n = int(m.group(1))
    if not 1 <= n <= 12:
        raise BadCell(f"已过月数应在 1 到 12 之间，实际为 {n}", "E-IN-MON-PERIOD")
    return n


def bind_monitoring(doc: Located, base: Path, edition: str | Path | None = None,
                    loaded: MonitoringEdition | None = None) -> tuple[MonitoringForm, MonitoringEdition, list[Problem]]:
    data = doc.data
    if not isinstance(data, dict):
        raise InvalidInput("监控表无效", [Problem("E-IN-SCHEMA", "监控表应为键值映射（项目名称、项目资金、绩效指标……）", doc.source)])
    problems, warnings = Problems(), []
    top, keys, unknown = canonical(data, KEYS)
    for k in unknown:
        problems.add("E-IN-UNKNOWN-KEY", f"不认识的字段“{k}”；可用：{'、'.join(KEYS)}", doc.where((k,)))

    def at(*p) -> str:
        return doc.where((keys.get(p[0], p[0]),) + tuple(p[1:]))

    ref = edition or top.get("framework") or "national-monitoring/2019"
    candidate = base / str(ref)
    ed: MonitoringEdition = loaded or load_edition(candidate if candidate.is_file() else ref, "monitoring")
    unit = _text(top.get("金额单位")) or "万元"
    if unit not in MONEY:
        problems.add("E-IN-UNIT", f"金额单位应为 元、千元、万元 或 亿元，实际为“{unit}”", at("金额单位"))
        unit = "万元"
    months, label = ed.months, ed.period_label
    raw_period = top.get("已过月数") if top.get("已过月数") not in (None, "") else top.get("监控期间")
    if raw_period not in (None, ""):
        try:
            months = months_of(raw_period)
            label = _text(top.get("监控期间")) or f"1—{months}月"
        except BadCell as exc:
            problems.add(exc.code, str(exc), at("已过月数" if "已过月数" in keys else "监控期间"))
    year = top.get("年度")
    try:
        year = int(_plain(year).rstrip("年度").rstrip("年")) if year not in (None, "") else None
    except ValueError:
        problems.add("E-IN-YEAR", f"年度应为四位年份，实际为“{top.get('年度')}”", at("年度"))
        year = None
    dept = ed.form == "dept"
    name = _text(top.get("部门名称" if dept else "项目名称"))
    form = MonitoringForm(project=name, months=months, department=_text(top.get("主管部门及代码")) or (name if dept else ""),
                          unit=_text(top.get("实施单位")) or (name if dept else ""), year=year, money_unit=unit,
                          period_label=label, edition=ed.id, decision=_text(top.get("处理决定")), source=doc.source,
                          funds_where=at("项目资金"), form=ed.form)
    if not form.project:
        problems.add("E-IN-MISSING", "缺少部门名称" if dept else "缺少项目名称", at("部门名称") if dept else doc.source)
    other = "项目名称" if dept else "部门名称"
    if top.get(other) not in (None, "") or (not dept and top.get("年度主要任务") not in (None, "", [])):
        field = other if top.get(other) not in (None, "") else "年度主要任务"
        fix = ("部门整体监控表填写部门名称；项目的监控请用 national-monitoring/2019" if dept
               else "这是项目支出监控表；部门整体监控请在 framework 中写 national-monitoring-dept/2019")
        problems.add("E-IN-UNKNOWN-KEY", f"“{field}”不属于{ed.name}：{fix}", at(field))
    if form.decision and ed.decisions and form.decision not in ed.decisions:
        problems.add("E-IN-VALUE", f"处理决定“{form.decision}”应为 {'、'.join(ed.decisions)} 之一", at("处理决定"))
    goal = top.get("年度总体目标")
    if isinstance(goal, dict):
        form.goal = _text(goal.get("目标") or goal.get("年度目标"))
        form.goal_forecast = _text(goal.get("全年预计完成情况"))
    elif goal:
        form.goal = _text(goal)
    _funds(top.get("项目资金"), keys.get("项目资金", "项目资金"), form, doc, problems)
    if dept:
        form.tasks = _tasks(top.get("年度主要任务"), keys.get("年度主要任务", "年度主要任务"), form, doc, problems)
    form.indicators = _rows(top.get("绩效指标"), keys.get("绩效指标", "绩效指标"), doc, problems)
    problems.raise_if_errors("监控表有误")
    return form, ed, warnings


def bind_monitoring_to(doc: Located, edition) -> tuple[MonitoringForm | None, list[Problem]]:
    """The edition registry's binder (see :func:`jixiao.intake.target.bind_target_to`)."""
    try:
        form, _, warnings = bind_monitoring(doc, Path("."), loaded=edition.framework)
    except InvalidInput as exc:
        return None, exc.problems
    return form, warnings


def _funds(raw, key, form: MonitoringForm, doc, problems) -> None:
    label = form.funds_label
    if not isinstance(raw, dict):
        problems.add("E-IN-MISSING", f"缺少{label}（年初预算数、执行数、全年预计执行数）", doc.where((key,)) if raw is not None else doc.source)
        return
    v, orig, unk = canonical(raw, FUND_KEYS)
    for k in unk:
        problems.add("E-IN-UNKNOWN-KEY", f"{label}：不认识的字段“{k}”；可用：{'、'.join(FUND_KEYS)}", doc.where((key, k)))

    def at(name):
        return doc.where((key, orig.get(name, name)))

    form.budget, form.spent, form.forecast = _figures(v, orig, at, label, form, problems)
    form.funds_reason, form.funds_measures = _text(v.get("偏差原因")), _text(v.get("纠偏措施"))
    if form.budget is None:
        problems.add("E-IN-MISSING", f"{label}缺少年初预算数（或全年预算数）", at("预算数"))
    if form.spent is None:
        problems.add("E-IN-MISSING", f"{label}缺少{form.period_label}执行数", at("执行数"))


def _figures(v: dict, orig: dict, at, label: str, form: MonitoringForm, problems) -> tuple:
    """(预算数, 执行数, 全年预计执行数) of a funds line or a task, in the form's unit; refused with
    their place: a negative or unreadable figure, 执行数 above the budget, 全年预计 below 执行数."""
    u = form.money_unit
    out: dict[str, float | None] = {}
    for name in ("预算数", "执行数", "全年预计执行数"):
        try:
            out[name] = parse_money(v.get(name), u, u)
        except BadCell as exc:
            problems.add(exc.code, f"{label}的{orig.get(name, name)}：{exc}", at(name))
            out[name] = None
    budget, spent, forecast = out["预算数"], out["执行数"], out["全年预计执行数"]
    if budget is not None and spent is not None and spent > budget + 1e-9:
        problems.add("E-IN-MON-OVER", f"{label}：{form.period_label}执行数 {spent:g}{u} 超过全年预算数 {budget:g}{u}；"
                     "请核对执行数，或按调整后预算填写预算数", at("执行数"))
    if forecast is not None and spent is not None and forecast < spent - 1e-9:
        problems.add("E-IN-MON-FORECAST", f"{label}：全年预计执行数 {forecast:g}{u} 低于已执行的 {spent:g}{u}；"
                     "全年预计应包含已执行部分", at("全年预计执行数"))
    return budget, spent, forecast


def _tasks(raw, key, form: MonitoringForm, doc, problems) -> list[MonTask]:
    """A department's 年度主要任务: each a funds line of its own; together within the department's budget."""
    if not isinstance(raw, list) or not raw:
        problems.add("E-IN-MISSING", "缺少年度主要任务（每项：任务名称、预算数、执行数、全年预计执行数）",
                     doc.where((key,)) if raw else doc.source)
        return []
    out: list[MonTask] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            problems.add("E-IN-SCHEMA", f"年度主要任务第 {i + 1} 项应为键值映射", doc.where((key, i)))
            continue
        v, orig, unk = canonical(item, TASK_KEYS)
        for k in unk:
            problems.add("E-IN-UNKNOWN-KEY", f"年度主要任务第 {i + 1} 项：不认识的字段“{k}”；可用：{'、'.join(TASK_KEYS)}",
                         doc.where((key, i, k)))

        def at(name, _i=i, _o=orig):
            return doc.where((key, _i, _o.get(name, name)))

        name = _text(v.get("任务名称"))
        label = f"年度主要任务第 {i + 1} 项“{name or '（未命名）'}”"
        if not name:
            problems.add("E-IN-MISSING", f"年度主要任务第 {i + 1} 项缺少任务名称", at("任务名称"))
        elif name in {t.name for t in out} or name == form.funds_label:
            problems.add("E-IN-DUPLICATE", f"{label}：任务名称重复；每项任务的名称应不同", at("任务名称"))
        budget, spent, forecast = _figures(v, orig, at, label, form, problems)
        if budget is None:
            problems.add("E-IN-MISSING", f"{label}缺少预算数", at("预算数"))
        out.append(MonTask(name or f"任务{i + 1}", budget, spent, forecast, _text(v.get("偏差原因")),
                           _text(v.get("纠偏措施")), doc.where((key, i))))
    total = sum(t.budget for t in out if t.budget is not None)
    if form.budget is not None and total > form.budget + 1e-6:
        u = form.money_unit
        problems.add("E-IN-MON-TASKS", f"年度主要任务的预算数合计 {total:g}{u} 超过部门年初预算数 {form.budget:g}{u}；"
                     "请核对各任务金额（任务预算是部门预算的一部分）", doc.where((key,)))
    return out


def _rows(raw, key, doc, problems) -> list[MonIndicator]:
    if not isinstance(raw, list) or not raw:
        problems.add("E-IN-MISSING", "缺少绩效指标（每行：三级指标、年度指标值、执行情况、全年预计完成……）", doc.where((key,)) if raw else doc.source)
        return []
    out, level1, level2 = [], "", ""
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            problems.add("E-IN-SCHEMA", f"绩效指标第 {i + 1} 行应为键值映射", doc.where((key, i)))
            continue
        v, orig, unk = canonical(item, ROW_KEYS)

        def at(label, _i=i, _o=orig):
            return doc.where((key, _i, _o.get(label, label)))

        for k in unk:
            problems.add("E-IN-UNKNOWN-KEY", f"绩效指标第 {i + 1} 行：不认识的字段“{k}”；可用：{'、'.join(ROW_KEYS)}", doc.where((key, i, k)))
        level1 = normalise_heading(_text(v.get("一级指标"))) or level1
        level2 = _text(v.get("二级指标")) or level2
        name = _text(v.get("三级指标")) or f"第{i + 1}行"
        label = f"绩效指标第 {i + 1} 行“{name}”"
        row = MonIndicator(level1, level2, name, where=doc.where((key, i)))
        row.target_text = _text(v.get("年度指标值"))
        flags = v.get("偏差原因")
        flags = [flags] if isinstance(flags, str) else (flags or [])
        bad = [f for f in flags if _text(f) not in REASON_FLAGS]
        if bad:
            problems.add("E-IN-VALUE", f"{label}：偏差原因“{'、'.join(map(str, bad))}”应为 {'、'.join(REASON_FLAGS)} 之一"
                         "（文字说明请写在“偏差原因说明”）", at("偏差原因"))
        row.reasons = [_text(f) for f in flags if _text(f) in REASON_FLAGS]
        row.reason_text = _text(v.get("偏差原因说明"))
        row.possibility = _text(v.get("完成目标可能性"))
        if row.possibility and row.possibility not in POSSIBILITY:
            problems.add("E-IN-VALUE", f"{label}：完成目标可能性应为 {'、'.join(POSSIBILITY)} 之一", at("完成目标可能性"))
        row.measures = _text(v.get("纠偏措施"))
        rect = _text(v.get("是否需要整改"))
        row.rectify = {"是": True, "否": False}.get(rect) if rect else None
        try:
            t = parse_target(v.get("年度指标值"))
        except BadCell as exc:
            problems.add(exc.code, f"{label}：{exc}", at("年度指标值"))
            out.append(row)
            continue
        if v.get("年度指标值") in (None, ""):
            problems.add("E-IN-MISSING", f"{label}：缺少年度指标值（取自批复的绩效目标）", at("年度指标值"))
        elif t is None:
            row.kind = "定性"
            done = v.get("执行情况")
            g = grade_of(done)
            row.grade = GRADE_SHORT.get(g, "") if g else ""
            if done not in (None, "") and not row.grade:
                problems.add("E-IN-VALUE", f"{label}：定性指标的执行情况“{done}”应为 达成、部分达成、未达成 之一", at("执行情况"))
        else:
            row.op, row.target, row.unit = t.op, t.number, t.unit
            for attr, lab in (("done", "执行情况"), ("forecast", "全年预计完成")):
                if v.get(lab) in (None, ""):
                    continue
                try:
                    value = parse_actual(v.get(lab), row.unit)
                except BadCell as exc:
                    problems.add(exc.code, f"{label}：{str(exc).replace('实际完成值', lab)}", at(lab))
                    continue
                if value < 0:
                    problems.add("E-IN-MON-NEGATIVE", f"{label}：{lab} {value:g} 为负数", at(lab))
                    continue
                setattr(row, attr, value)
            if (row.done is not None and row.forecast is not None and row.unit != "%" and row.op not in ("≤", "<")
                    and row.forecast < row.done - 1e-9):
                problems.add("E-IN-MON-FORECAST", f"{label}：全年预计完成 {row.forecast:g}{row.unit} 低于已完成的 "
                             f"{row.done:g}{row.unit}", at("全年预计完成"))
        out.append(row)
    return out
