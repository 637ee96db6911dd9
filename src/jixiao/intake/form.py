"""Reading project self-evaluation forms (项目支出绩效自评表) and their framework editions.

A form is YAML, JSON or XLSX laid out like the published form. The YAML/JSON keys are the form's
own labels (see ``docs/project-form.md``)::

    framework: national-project/2020
    项目名称: 委托业务项目
    主管部门: 池州市贵池区棠溪镇人民政府
    金额单位: 万元
    项目资金:
      - {资金: 年度资金总额, 年初预算数: 90, 全年预算数: 89.974, 全年执行数: 89.974, 分值: 10, 执行率: 100%, 得分: 10}
    绩效指标:
      - {一级指标: 产出指标, 二级指标: 数量指标, 三级指标: 委托业务项目数量, 年度指标值: ≥50个, 实际完成值: 50个, 分值: 8, 得分: 8}
    总分: 100

年度指标值 strings are parsed into operator, number and unit (:func:`parse_target`): "≥50个",
"≤90万元", "=100%", "不低于95%", full-width signs and digits; a value without a leading number is
a qualitative target. 实际完成值 is read in the target's unit, converting 元/千元/万元/亿元.
Every problem is collected with its place (``file:line`` or ``sheet!cell``) and a Chinese fix.

>>> parse_target("≥50个")
ParsedTarget(op='≥', number=50.0, unit='个', assumed=False)
>>> parse_target("＜＝９０万元"), parse_target("不低于95％")
(ParsedTarget(op='≤', number=90.0, unit='万元', assumed=False), ParsedTarget(op='≥', number=95.0, unit='%', assumed=False))
>>> parse_target("严格执行相关制度规定") is None
True
>>> parse_actual("899,740元", "万元")
89.974
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from jixiao.core.edition import PROJECT_FORM, Edition
from jixiao.core.errors import InvalidInput, Problem, Problems
from jixiao.core.form import NA, QUAL, QUANT, TRUNC, Form, FormFramework, FundLine, Row, normalise_heading
from jixiao.core.form_check import validate_form_framework  # noqa: F401  (moved to core; kept importable here)
from jixiao.core.rules.target import GRADES
from jixiao.intake.documents import read_document
from jixiao.intake.editions import REGISTRY, load_edition, locate, require
from jixiao.intake.form_labels import FUND_KEYS, KEYS, ROW_KEYS, _plain, canonical
from jixiao.intake.yamlio import Located, load

MONEY = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)}
UNIT_SYNONYMS = {"百分比": "%", "百分点": "%", "％": "%", "人次": "人次", "日": "天"}
SYMBOLS = {"≥": "≥", "≧": "≥", ">=": "≥", "=>": "≥", "≤": "≤", "≦": "≤", "<=": "≤", "=<": "≤",
           ">": ">", "<": "<", "==": "=", "=": "="}
WORDS = [("大于或等于", "≥"), ("大于等于", "≥"), ("不低于", "≥"), ("不少于", "≥"), ("不小于", "≥"), ("至少", "≥"),
         ("小于或等于", "≤"), ("小于等于", "≤"), ("不高于", "≤"), ("不超过", "≤"), ("不多于", "≤"), ("不大于", "≤"),
         ("控制在", "≤"), ("至多", "≤"), ("大于", ">"), ("高于", ">"), ("超过", ">"), ("多于", ">"),
         ("小于", "<"), ("低于", "<"), ("少于", "<"), ("等于", "=")]
_NUM = re.compile(r"^([+-]?\d+(?:\.\d+)?)([^\d]{0,12})$")
# What forms write as a qualitative 实际完成值, mapped to the three grades of the rule.
GRADE_WORDS = {
    GRADES[0]: ("达成年度指标", "达成预期指标", "达成预期目标", "达成目标", "达成", "已达成", "达到", "已达到", "达标",
                "完成", "已完成", "全部完成", "按时完成", "符合", "符合要求", "是", "好", "良好", "优", "优秀", "有效"),
    GRADES[1]: ("部分达成年度指标并具有一定效果", "部分达成", "部分达成预期指标", "部分完成", "基本达成", "基本完成",
                "基本达到", "基本符合", "较好", "一般"),
    GRADES[2]: ("未达成年度指标且效果较差", "未达成", "未达成预期指标", "未完成", "未达到", "不符合", "否", "差", "较差"),
}
GRADE_OF = {w: g for g, words in GRADE_WORDS.items() for w in words}


@dataclass(frozen=True)
class ParsedTarget:
    """A parsed 年度指标值: operator, number, unit; ``assumed`` when the operator was not written."""

    op: str
    number: float
    unit: str
    assumed: bool = False


class BadCell(ValueError):
    def __init__(self, message: str, code: str = "E-IN-FORM-VALUE"):
        super().__init__(message)
        self.code = code


# The batch reader's bounds (jixiao.batch.io.LIMITS), so a number refused in a batch is refused here.
LIMIT, POINTS_LIMIT = Decimal("1e15"), Decimal(1000)


def _bounded(value: Decimal, raw, what: str, code: str, limit: Decimal = LIMIT) -> Decimal:
    """A number a person would read as one: finite, and within the bounds no form exceeds."""
    if not value.is_finite():
        raise BadCell(f"{what}“{raw}”不是有限的数", code)
    if abs(value) > limit:
        raise BadCell(f"{what}“{raw}”超出合理范围（绝对值不超过 {limit:g}）", code)
    return value


def _unit(u: str) -> str:
    u = u.strip()
    return UNIT_SYNONYMS.get(u, u)


def parse_target(raw) -> ParsedTarget | None:
    """A 年度指标值 as operator, number and unit, or None for a qualitative target (text)."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, (int, float, Decimal)):
        number = _bounded(Decimal(str(raw)), raw, "指标值", "E-IN-FORM-TARGET")
        if number < 0:
            raise BadCell(f"指标值“{raw}”为负数；请改写为正数并选用相应的运算符", "E-IN-FORM-TARGET")
        return ParsedTarget("≥", float(number), "", True)
    text = _plain(raw)
    op = ""
    for sym in sorted(SYMBOLS, key=len, reverse=True):
        if text.startswith(sym):
            op, text = SYMBOLS[sym], text[len(sym):]
            break
    else:
        for word, sym in WORDS:
            if text.startswith(word):
                op, text = sym, text[len(word):]
                break
    m = _NUM.match(text)
    if not m:
        if op:
            raise BadCell(f"指标值“{raw}”有运算符“{op}”但没有可读的数字；请写成“{op}50个”的形式", "E-IN-FORM-TARGET")
        return None
    number = _bounded(Decimal(m.group(1)), raw, "指标值", "E-IN-FORM-TARGET")
    if number < 0:
        raise BadCell(f"指标值“{raw}”为负数；请改写为正数并选用相应的运算符", "E-IN-FORM-TARGET")
    return ParsedTarget(op or "≥", float(number), _unit(m.group(2)), not op)


def parse_actual(raw, unit: str) -> float:
    """A 实际完成值 in the target's ``unit`` (money converted between 元、千元、万元、亿元)."""
    if isinstance(raw, bool) or raw is None or raw == "":
        raise BadCell("实际完成值为空；请填写完成值", "E-IN-FORM-ACTUAL")
    if isinstance(raw, (int, float, Decimal)):
        return float(_bounded(Decimal(str(raw)), raw, "实际完成值", "E-IN-FORM-ACTUAL"))
    text = _plain(raw)
    for sym in sorted(SYMBOLS, key=len, reverse=True):
        if text.startswith(sym):  # "≥50个" written as an actual: the number is what counts
            text = text[len(sym):]
            break
    m = _NUM.match(text)
    if not m:
        raise BadCell(f"实际完成值“{raw}”不是数字；定量指标须填写数值（如 50、50个、98%）", "E-IN-FORM-ACTUAL")
    value, given = _bounded(Decimal(m.group(1)), raw, "实际完成值", "E-IN-FORM-ACTUAL"), _unit(m.group(2))
    if not given or given == unit:
        return float(value)
    if given in MONEY and unit in MONEY:
        return float(value * MONEY[given] / MONEY[unit])
    want = f"“{unit}”" if unit else "无单位"
    raise BadCell(f"实际完成值“{raw}”的单位“{given}”与指标值的单位{want}不一致；请换算为{unit or '指标值的单位'}",
                  "E-IN-FORM-UNIT")


def parse_money(raw, unit: str, default_unit: str) -> float | None:
    """An amount in ``unit``; blank and "—" are None."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float, Decimal)):
        value, given = Decimal(str(raw)), default_unit
    else:
        text = _plain(raw)
        if text in ("", "-", "—", "/", "－", "无"):
            return None
        m = _NUM.match(text)
        if not m or (m.group(2) and m.group(2) not in MONEY):
            raise BadCell(f"金额“{raw}”无法识别；请填写数字，可带单位 元/万元", "E-IN-FORM-MONEY")
        value, given = Decimal(m.group(1)), m.group(2) or default_unit
    _bounded(value * MONEY[given] / MONEY[unit], raw, "金额", "E-IN-FORM-MONEY")
    if value < 0:
        raise BadCell(f"金额“{raw}”为负数", "E-IN-FORM-MONEY")
    return float(value * MONEY[given] / MONEY[unit])


def parse_number(raw, what: str) -> float | None:
    """分值、得分: a number, or None when blank."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float, Decimal)):
        return float(_bounded(Decimal(str(raw)), raw, what, "E-IN-FORM-NUMBER", POINTS_LIMIT))
    text = _plain(raw)
    if text in ("", "-", "—", "/", "－"):
        return None
    m = _NUM.match(text)
    if not m or m.group(2) not in ("", "分"):
        raise BadCell(f"{what}“{raw}”不是数字", "E-IN-FORM-NUMBER")
    return float(_bounded(Decimal(m.group(1)), raw, what, "E-IN-FORM-NUMBER", POINTS_LIMIT))


def parse_rate(raw) -> tuple[float, int] | None:
    """执行率 as a fraction, with the decimals it was written with in percent ("99.97%" → 2)."""
    if raw is None or isinstance(raw, bool):
        return None
    if not isinstance(raw, (str, int, float, Decimal)):  # a list or a mapping where a rate belongs
        raise BadCell(f"执行率“{raw}”无法识别；请写成 99.97% 的形式", "E-IN-FORM-RATE")
    text = _plain(raw) if isinstance(raw, str) else repr(float(raw))
    if text in ("", "-", "—", "/"):
        return None
    pct = text.endswith("%")
    text = text.rstrip("%")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadCell(f"执行率“{raw}”无法识别；请写成 99.97% 的形式", "E-IN-FORM-RATE") from None
    if not pct and value <= Decimal("1.5"):
        value *= 100  # written as a fraction
    digits = max(0, -value.normalize().as_tuple().exponent) if value.is_finite() else 2
    return float(value / 100), min(int(digits), 4)


def grade_of(raw) -> str | None:
    """The qualitative grade a 实际完成值 or 评价等级 names, or None when it names none."""
    if raw is None:
        return None
    text = _plain(raw).rstrip("。.")
    return GRADE_OF.get(text)


# --- framework editions ---------------------------------------------------------------------------


def form_editions() -> list[str]:
    """Ids of the shipped project-form editions, such as ``national-project/2020`` (by kind, not file name)."""
    return [e.id for e in REGISTRY.shipped() if e.kind == PROJECT_FORM]


def form_framework_path(ref: str | Path) -> Path | None:
    """The file of a shipped project-form edition, or None when ``ref`` is not one."""
    return locate(ref) if str(ref) in form_editions() else None


def load_form_framework(ref: str | Path) -> FormFramework:
    """A shipped form edition by id, or a form framework file; an overlay is resolved on its base
    (by the one edition loader, :func:`jixiao.intake.editions.load_edition`)."""
    ed = load_edition(ref)
    require(ed, PROJECT_FORM, "项目自评表评分")
    fw: FormFramework = ed.framework
    return fw


# --- forms ------------------------------------------------------------------------------------------

def looks_like_form(path: str | Path) -> bool:
    """Whether a file is a project form rather than a department case (used by ``jixiao score``):
    its top level has 绩效指标 and 项目资金 (or 预算执行情况) and no ``facts``."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            from jixiao.intake.form_xlsx import FormBook, is_form_workbook

            book = FormBook(path)  # size, kind and zip bomb checks, then the cell budget, all
            try:  # before openpyxl parses a sheet
                return is_form_workbook(book)
            finally:
                book.close()
        if suffix == ".json":
            from jixiao.intake.yamlio import load_json

            data = load_json(path, exact=False)
        elif suffix in (".yaml", ".yml"):
            data = load(path).data
        else:
            return False
    except (OSError, UnicodeDecodeError, ValueError, RecursionError, InvalidInput):
        return False  # the case reader will say what is wrong with it
    if not isinstance(data, dict) or "facts" in data:
        return False
    keys = {str(k).strip() for k in data}
    return "绩效指标" in keys and bool(keys & {"项目资金", "预算执行情况"})


def read_form(path: str | Path, framework: str | Path | None = None) -> tuple[Form, FormFramework, list[Problem]]:
    """Read and check one form; raise :class:`InvalidInput` with every problem, or return it with warnings."""
    from jixiao.intake.form_xlsx import read_workbook  # imports this module: read when used

    path = Path(path)
    return bind_form(read_document(path, read_workbook), path.parent, framework)


DEFAULT_FORM_EDITION = "national-project/2020"  # the printed national form, when a form names none


def form_edition(doc: Located, base: Path | None, framework: str | Path | None = None) -> Edition:
    """The project-form edition a form names (``framework`` wins; the national form by default)."""
    top = canonical(doc.data, KEYS)[0] if isinstance(doc.data, dict) else {}
    ed = load_edition(framework or top.get("framework") or DEFAULT_FORM_EDITION, base)
    require(ed, PROJECT_FORM, "项目自评表")
    return ed


def bind_form(doc: Located, base: Path, framework: str | Path | None = None) -> tuple[Form, FormFramework, list[Problem]]:
    """Plain form data (from any of the three formats) checked and turned into a :class:`Form`."""
    ed = form_edition(doc, base, framework)
    form, problems = bind_form_to(doc, ed)
    if form is None:
        raise InvalidInput("自评表有误", problems)
    fw: FormFramework = ed.framework
    return form, fw, problems


def bind_form_to(doc: Located, ed: Edition) -> tuple[Form | None, list[Problem]]:
    """Plain form data bound to a project-form edition: ``(form, warnings)``, or ``(None, problems)``
    with every error found (and the warnings). Reads no file."""
    data = doc.data
    if not isinstance(data, dict):
        return None, [Problem("E-IN-SCHEMA", "自评表应为键值映射（项目名称、项目资金、绩效指标……）", doc.source)]
    problems = Problems()
    top, keys, unknown = canonical(data, KEYS)
    for k in unknown:
        problems.add("E-IN-UNKNOWN-KEY", f"不认识的字段“{k}”；可用：{'、'.join(KEYS)}", doc.where((k,)))
    at = lambda *p: doc.where((keys.get(p[0], p[0]),) + tuple(p[1:]))
    fw: FormFramework = ed.framework

    unit = str(top.get("金额单位") or "万元").strip()
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
    form = Form(project=_text(top.get("项目名称")), year=year or None, department=_text(top.get("主管部门")),
                unit=_text(top.get("实施单位")), region=_text(top.get("地区")), framework=fw.id, money_unit=unit,
                source=doc.source)
    if not form.project:
        problems.add("E-IN-MISSING", "缺少项目名称", doc.source)
    goal = top.get("年度总体目标") or {}
    if isinstance(goal, dict):
        form.goal_expected = _text(goal.get("预期目标") or goal.get("年度目标") or goal.get("项目年度目标"))
        form.goal_actual = _text(goal.get("实际完成情况") or goal.get("年度目标完成情况") or goal.get("目标实际完成情况"))
    form.funds = _funds(top.get("项目资金"), keys.get("项目资金", "项目资金"), unit, doc, problems)
    warnings: list[Problem] = []
    form.rows = _rows(top.get("绩效指标"), keys.get("绩效指标", "绩效指标"), fw, doc, problems, warnings)
    total = top.get("总分")
    if isinstance(total, dict):
        total = total.get("得分")
    form.total_where = at("总分") if "总分" in keys else doc.source
    try:
        form.stated_total = parse_number(total, "总分")
    except BadCell as exc:
        problems.add(exc.code, str(exc), at("总分"))
    if problems.errors:
        return None, problems.items + warnings
    return form, warnings


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def _funds(raw, key: str, unit: str, doc: Located, problems: Problems) -> list[FundLine]:
    if raw is None:
        problems.add("E-IN-MISSING", "缺少项目资金（年度资金总额：全年预算数、全年执行数）；请按自评表填写", doc.source)
        return []
    if isinstance(raw, dict):  # one line given as a mapping: the total
        raw = [dict(raw, 资金=raw.get("资金", "年度资金总额"))]
    if not isinstance(raw, list) or not raw:
        problems.add("E-IN-SCHEMA", "项目资金应为列表，每项一行（年度资金总额、其中各项）", doc.where((key,)))
        return []
    lines = []
    for i, item in enumerate(raw):
        place = doc.where((key, i))
        if not isinstance(item, dict):
            problems.add("E-IN-SCHEMA", f"项目资金第 {i + 1} 行应为键值映射", place)
            continue
        v, orig, unknown = canonical(item, FUND_KEYS)
        for k in unknown:
            problems.add("E-IN-UNKNOWN-KEY", f"项目资金第 {i + 1} 行：不认识的字段“{k}”；可用：{'、'.join(FUND_KEYS)}", doc.where((key, i, k)))
        line = FundLine(_text(v.get("资金")) or ("年度资金总额" if i == 0 else f"其中第{i}项"), where=place)
        line.reason = _text(v.get("原因"))
        for attr, label in (("initial", "年初预算数"), ("budget", "全年预算数"), ("adjusted", "调整后预算数"), ("spent", "全年执行数")):
            try:
                setattr(line, attr, parse_money(v.get(label), unit, unit))
            except BadCell as exc:
                problems.add(exc.code, f"项目资金“{line.name}”的{label}：{exc}", doc.where((key, i, orig.get(label, label))))
        for attr, label in (("points", "分值"), ("stated", "得分")):
            try:
                setattr(line, attr, parse_number(v.get(label), label))
            except BadCell as exc:
                problems.add(exc.code, f"项目资金“{line.name}”：{exc}", doc.where((key, i, orig.get(label, label))))
        try:
            rate = parse_rate(v.get("执行率"))
            if rate:
                line.rate, line.rate_digits = rate
        except BadCell as exc:
            problems.add(exc.code, str(exc), doc.where((key, i, orig.get("执行率", "执行率"))))
        lines.append(line)
    if lines and lines[0].budget is None and lines[0].adjusted is None and not any(
            x.budget is not None or x.adjusted is not None for x in lines[1:]):
        problems.add("E-IN-MISSING", "项目资金缺少全年预算数（或调整后预算数）；请填写", lines[0].where)
    return lines


def _rows(raw, key: str, fw: FormFramework, doc: Located, problems: Problems, warnings: list[Problem]) -> list[Row]:
    if not isinstance(raw, list) or not raw:
        problems.add("E-IN-MISSING", "缺少绩效指标（每行：一级指标、二级指标、三级指标、年度指标值、实际完成值、分值、得分）",
                     doc.where((key,)) if raw is not None else doc.source)
        return []
    rows: list[Row] = []
    level1 = level2 = ""
    for i, item in enumerate(raw):
        if cut_off(item):
            rows.append(Row(kind=TRUNC, level1=level1, level2=level2, level3=f"（第{i + 1}行起表格缺失）",
                            where=doc.where((key, i))))
            continue
        if not isinstance(item, dict):
            problems.add("E-IN-SCHEMA", f"绩效指标第 {i + 1} 行应为键值映射；表格在此截断的，请写“以下缺失”", doc.where((key, i)))
            continue
        v, orig, unknown = canonical(item, ROW_KEYS)

        def at(label: str, _i=i, _orig=orig) -> str:
            return doc.where((key, _i, _orig.get(label, label)))

        for k in unknown:
            problems.add("E-IN-UNKNOWN-KEY", f"绩效指标第 {i + 1} 行：不认识的字段“{k}”；可用：{'、'.join(ROW_KEYS)}", doc.where((key, i, k)))
        # Merged cells: a blank 一级/二级 continues the one above, as on the printed form.
        level1 = normalise_heading(_text(v.get("一级指标"))) or level1
        level2 = _text(v.get("二级指标")) or level2
        name = _text(v.get("三级指标")) or f"第{i + 1}行"
        row = Row(kind=QUANT, level1=level1, level2=level2, level3=name, where=doc.where((key, i)))
        label = f"绩效指标第 {i + 1} 行“{name}”"
        if fw.level1(level1) is None:
            problems.add("E-IN-FORM-LEVEL", f"{label}：一级指标“{level1 or '（空）'}”不是 "
                         f"{'、'.join(lv.name for lv in fw.indicators.levels)} 之一", at("一级指标"))
        row.reason = _text(v.get("偏差原因"))
        for attr, lab in (("points", "分值"), ("stated", "得分")):
            try:
                setattr(row, attr, parse_number(v.get(lab), lab))
            except BadCell as exc:
                problems.add(exc.code, f"{label}：{exc}", at(lab))
        if not_applicable(v, row.points):
            row.kind, row.target_text, row.actual_text = NA, _text(v.get("年度指标值")), _text(v.get("实际完成值"))
            rows.append(row)
            continue
        if row.points is None:
            warnings.append(Problem("W-IN-FORM-POINTS", f"{label}：缺少分值，本行无法评分", at("分值")))
        elif row.points <= 0:
            problems.add("E-IN-FORM-NUMBER", f"{label}：分值应大于 0", at("分值"))
        _bind_target(row, v, label, at, problems, warnings)
        rows.append(row)
    return rows


NA_MARKS = ("/", "不适用", "不涉及")
# A form cut off mid-table: a row that says only this (as text, or in one cell of an otherwise
# blank row). Not 以下空白, which closes a table that is complete.
CUT_MARKS = ("以下缺失", "以下内容缺失", "表格截断", "截断", "…", "……", "...", "......")


def cut_off(item) -> bool:
    """Whether an indicator item marks the form as cut off here (see CUT_MARKS)."""
    def mark(v) -> bool:
        return isinstance(v, str) and _plain(v).strip("（）()") in CUT_MARKS

    if isinstance(item, dict):
        given = [v for v in item.values() if v not in (None, "")]
        return len(given) == 1 and mark(given[0])
    return mark(item)


def not_applicable(v: dict, points: float | None) -> bool:
    """A row marked not applicable: “/” or “不适用” as its 年度指标值 or 实际完成值, or a blank 分值
    with a note saying so (偏差原因 “不适用…”). How it counts is the edition's choice."""
    for key in ("年度指标值", "实际完成值"):
        if v.get(key) is not None and _plain(v.get(key)) in NA_MARKS:
            return True
    note = _plain(v.get("偏差原因") or "")
    return points is None and any(note.startswith(m) for m in NA_MARKS[1:])


def _bind_target(row: Row, v: dict, label: str, at, problems: Problems, warnings: list[Problem]) -> None:
    nature = _plain(v.get("指标性质") or "")
    raw_target = v.get("年度指标值")
    row.target_text = _text(raw_target)
    row.actual_text = _text(v.get("实际完成值"))
    if nature in SYMBOLS or nature in dict(WORDS):  # Sichuan: 指标性质 is the operator, 度量单位 the unit
        op = SYMBOLS.get(nature) or dict(WORDS)[nature]
        unit = _unit(_text(v.get("度量单位")))
        raw_target = f"{op}{_text(raw_target)}{'' if _text(raw_target).endswith(unit) else unit}"
    try:
        target = None if nature == "定性" else parse_target(raw_target)
    except BadCell as exc:
        problems.add(exc.code, f"{label}：{exc}", at("年度指标值"))
        return
    if target is None and nature == "定量":
        problems.add("E-IN-FORM-TARGET", f"{label}：标为定量指标，但年度指标值“{row.target_text}”没有可读的数字", at("年度指标值"))
        return
    if target is None:
        row.kind = QUAL
        given = v.get("评价等级")
        row.grade = grade_of(given) if given not in (None, "") else grade_of(v.get("实际完成值"))
        if given not in (None, "") and row.grade is None:
            problems.add("E-IN-FORM-GRADE", f"{label}：评价等级“{given}”应为 {'、'.join(GRADES)} 之一", at("评价等级"))
        # Without grade words the 完成值 is evidence and the stated 得分 the evaluator's judgement
        # (scored when within 0–分值). Without a 得分 there is nothing to score: the row is not
        # scorable (MISSING:得分), the form is scored as far as it goes — never refused.
        if row.stated is None:
            warnings.append(Problem("W-IN-FORM-SCORE", f"{label}：定性指标未填评价人员给出的得分，本行无法评分", at("得分")))
        return
    row.op, row.target, row.unit = target.op, target.number, target.unit
    if target.assumed:
        warnings.append(Problem("W-IN-FORM-OP", f"{label}：指标值“{row.target_text}”未写运算符，按正向指标（≥）计分；"
                                "如为反向指标请写“≤”", at("年度指标值")))
    raw_actual = v.get("实际完成值")
    if raw_actual in (None, ""):
        warnings.append(Problem("W-IN-FORM-ACTUAL", f"{label}：缺少实际完成值，本行无法评分", at("实际完成值")))
        return
    try:
        row.actual = parse_actual(raw_actual, row.unit)
    except BadCell as exc:
        problems.add(exc.code, f"{label}：{exc}", at("实际完成值"))
        return
    if row.unit == "%" and 0 < row.actual <= 1 < row.target and not _plain(raw_actual).endswith("%"):
        warnings.append(Problem("W-IN-FORM-PERCENT", f"{label}：指标值为百分数，完成值“{raw_actual}”像是小数写法；"
                                f"如为 {row.actual:.0%} 请写成“{row.actual * 100:g}%”", at("实际完成值")))
