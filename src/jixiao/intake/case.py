"""Reading a case (YAML, JSON or XLSX) and binding it to its framework's declared facts.

Every problem is collected with its place before anything is scored: unknown or missing facts,
text where a number belongs, negative money, a judgement without its evidence, a level that is
not among the choices. Numbers are read once, here, as Decimals in the declared unit (see
:mod:`jixiao.intake.values`); the Case the core receives holds plain floats and never a unit to
guess. Suspicious but legal values become warnings (``W-IN-*``) on ``Case.warnings``
(see :mod:`jixiao.intake.checks`). The format is described in ``docs/intake.md``.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from jixiao.core.edition import DEPARTMENT, Edition
from jixiao.core.errors import InvalidInput, Problem, Problems
from jixiao.core.facts import MONEY_UNITS, NUMERIC_TYPES, Case, Fact, Judgement
from jixiao.core.model import Framework
from jixiao.intake import documents
from jixiao.intake.checks import warnings_for
from jixiao.intake.documents import JsonDoc  # noqa: F401  (re-exported: store and web bind JSON with it)
from jixiao.intake.editions import load_edition, require
from jixiao.intake.layout import layout_of
from jixiao.intake.names import normal_name, shown
from jixiao.intake.values import BadValue, flag, half_ulp, number, parse_date, to_decimal
from jixiao.intake.workbook import read_workbook_document
from jixiao.intake.yamlio import Located, decode

TOP_KEYS = {"subject", "year", "framework", "money_unit", "facts", "lists", "narrative", "stated", "notes"}
TEXT_SUFFIXES, WORKBOOK_SUFFIXES = set(documents.TEXT_SUFFIXES), set(documents.WORKBOOK_SUFFIXES)
LIST_MONEY_UNIT = "万元"  # list fields declare no unit of their own; their money is held in 万元


def read_document(path: Path) -> Located:
    """A case file (YAML or JSON) as plain data with line numbers or field paths, its numbers kept
    exactly as written (the one reader, :func:`jixiao.intake.documents.read_document`)."""
    return documents.read_document(path, exact=True)


def load_case(path: str | Path, framework: str | Path | None = None) -> tuple[Case, Framework]:
    """Read and check a case; raise :class:`InvalidInput` with every problem, or return it bound."""
    case, fw, _ = read_case(path, framework)
    return case, fw


def read_case(path: str | Path, framework: str | Path | None = None) -> tuple[Case, Framework, Path]:
    """As :func:`load_case`, also naming the framework file used (``jixiao convert`` keeps it)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return read_workbook_case(path, framework, with_source=True)
    doc = read_document(path)  # .xls and unknown extensions are refused there, saying what to use
    return bind_case(doc, path.parent, framework, with_source=True)


def read_workbook_case(path: Path, framework: str | Path | None = None, with_source: bool = False):
    """A case from a workbook: structure, then cells, then the same binding as YAML and JSON.

    Returns ``(case, framework)``, or with ``with_source`` also the framework's file."""
    doc, fw, source, warns = read_workbook_document(path, framework)
    try:
        case, fw, fw_file = bind_case(doc, Path(path).parent, source, with_source=True)
    except InvalidInput as exc:
        raise InvalidInput("工作簿有误", exc.problems + warns) from None
    case = replace(case, warnings=(*warns, *case.warnings))
    return (case, fw, fw_file) if with_source else (case, fw)


_refuse_unknown = documents.refuse_unknown  # the old name (services and tests import it)


def _named(doc: Located, path: tuple, label: str = "") -> str:
    """How a message names a field: a workbook names the fact, a text file its path."""
    namer = getattr(doc, "name", None)
    if namer is not None:
        return namer(path, label)
    text = ".".join(str(p) if not isinstance(p, int) else f"[{p + 1}]" for p in path).replace(".[", "[")
    return f"{text}（{label}）" if label and label != path[-1] else text


@dataclass
class Reading:
    """What binding learned beyond the Case: exact values and their rounding, for the checks."""

    exact: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # fact → (value, ± half ulp)
    stated: dict[str, tuple[Decimal, Decimal, str]] = field(default_factory=dict)  # name → (rate, ±, place)


def bind_case(doc: Located, base: Path, framework: str | Path | None = None, with_source: bool = False):
    """Check plain case data against its framework; every problem at once, or the bound Case.

    The framework is ``framework`` or the case's own ``framework`` field (a shipped id, or a file
    relative to ``base``). Returns ``(case, framework)``, or with ``with_source`` also the
    framework's file. Raises :class:`InvalidInput` with every error (and the warnings)."""
    ed = case_edition(doc, base, framework)
    case, problems = bind_case_to(doc, ed)
    if case is None:
        raise InvalidInput("案例文件有误", problems)
    fw: Framework = ed.framework
    return (case, fw, Path(ed.source)) if with_source else (case, fw)


def case_edition(doc: Located, base: Path | None, framework: str | Path | None = None) -> Edition:
    """The department edition a case names (``framework`` wins over the case's own field)."""
    data = doc.data
    if not isinstance(data, dict):
        raise InvalidInput("案例文件无效", [Problem("E-IN-SCHEMA", "案例文件应为键值映射（subject、year、framework、facts……）", doc.source)])
    fw_ref = framework or data.get("framework")
    if not fw_ref:
        problems = [Problem("E-IN-MISSING", f"缺少{_named(doc, (key,))}", doc.where((key,)))
                    for key in ("subject", "year", "framework") if data.get(key) in (None, "")]
        raise InvalidInput("案例文件有误", problems)  # without a framework nothing else can be checked
    if not isinstance(fw_ref, (str, Path)):
        raise InvalidInput("案例文件有误", [Problem("E-IN-SCHEMA", "framework 应为指标体系编号或文件路径", doc.where(("framework",)))])
    try:
        ed = load_edition(fw_ref, base)
    except InvalidInput as exc:
        if any(p.code == "E-IN-FRAMEWORK" for p in exc.problems) and not framework:
            raise InvalidInput(exc.title, [Problem(p.code, f"framework：{p.message}", doc.where(("framework",)))
                                           for p in exc.problems]) from None
        raise
    require(ed, DEPARTMENT, "部门整体评价案例")
    return ed


def bind_case_to(doc: Located, ed: Edition) -> tuple[Case | None, list[Problem]]:
    """Plain case data bound to a department edition: ``(case, warnings)``, or ``(None, problems)``
    with every error found (and the warnings). Reads no file: the edition brings its layout's checks."""
    data = doc.data
    if not isinstance(data, dict):
        return None, [Problem("E-IN-SCHEMA", "案例文件应为键值映射（subject、year、framework、facts……）", doc.source)]
    fw: Framework = ed.framework
    problems = Problems()
    for key in data:
        if key not in TOP_KEYS:
            problems.add("E-IN-UNKNOWN-KEY", f"不认识的顶层字段“{key}”；可用：{'、'.join(sorted(TOP_KEYS))}", doc.where((key,)))
    for key in ("subject", "year"):
        if key not in data or data[key] in (None, ""):
            problems.add("E-IN-MISSING", f"缺少{_named(doc, (key,))}", doc.where((key,)))

    year = data.get("year")
    if isinstance(year, str) and re.fullmatch(r"\d{4}", unicodedata.normalize("NFKC", year).strip()):
        year = int(unicodedata.normalize("NFKC", year).strip())  # “2020” quoted is still the year 2020
    if isinstance(year, (Decimal, float)) and math.isfinite(year) and year == int(year):
        year = int(year)
    if year is None:
        pass  # already reported as missing
    elif isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
        seen = str(year)[:40] if not isinstance(year, (dict, list)) else "列表或映射"
        why = "，不在 1990—2100 之间" if isinstance(year, int) and not isinstance(year, bool) else ""
        problems.add("E-IN-YEAR", f"{_named(doc, ('year',))}应为四位年份（如 2020），实际为“{seen}”{why}", doc.where(("year",)))
    subject = data.get("subject")
    if isinstance(subject, (dict, list, bool)):
        problems.add("E-IN-SCHEMA", f"{_named(doc, ('subject',))}应为单位名称（一段文字），实际为{'列表或映射' if not isinstance(subject, bool) else '是/否'}",
                     doc.where(("subject",)))
    money_unit = data.get("money_unit") or ""
    if money_unit and (not isinstance(money_unit, str) or money_unit not in MONEY_UNITS):
        seen = money_unit if isinstance(money_unit, str) else "列表或映射" if isinstance(money_unit, (dict, list)) else str(money_unit)
        problems.add("E-IN-UNIT", f"{_named(doc, ('money_unit',))}应为 元、万元 或 亿元，实际为“{seen}”", doc.where(("money_unit",)))
        money_unit = ""
    reading = Reading()
    lists = bind_lists(fw, data.get("lists") or {}, money_unit, doc, problems)
    facts = bind_facts(fw, data.get("facts") or {}, money_unit, doc, problems, lists, reading)
    narrative = data.get("narrative") or {}
    if not isinstance(narrative, dict):
        problems.add("E-IN-SCHEMA", "narrative 应为键值映射（各段文字）", doc.where(("narrative",)))
        narrative = {}
    for key in list(narrative):
        if not str(key).strip():  # the workbook's 文字材料 sheet names each paragraph: a blank name cannot go there
            problems.add("E-IN-SCHEMA", "narrative 的段落名不能为空；请写上段落名，如“概况”", doc.where(("narrative", key)))
    stated = bind_stated(data.get("stated") or {}, doc, problems, reading)
    if problems.errors:
        return None, problems.items
    case = Case(subject=str(data["subject"]), year=year, framework=fw.id, facts=facts, lists=lists,
                narrative=_plain(narrative), stated=stated, money_unit=money_unit or "万元", source=doc.source)
    case = replace(case, warnings=tuple(warnings_for(fw, case, reading, layout_of(ed).checks)))
    return case, list(case.warnings)


def _plain(value):
    """Narrative as plain JSON-able data (Decimals from exact reading become floats or ints)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def bind_stated(raw, doc: Located, problems: Problems, reading: Reading) -> dict[str, float]:
    out: dict[str, float] = {}
    if not isinstance(raw, dict):
        problems.add("E-IN-SCHEMA", "stated 应为键值映射（比率名: 数值）", doc.where(("stated",)))
        return out
    for name, given in raw.items():
        at = doc.where(("stated", name))
        try:
            value = number(given, "rate", "", "")
        except BadValue as exc:
            problems.add(exc.code, f"{_named(doc, ('stated', name))}：{exc}", at)
            continue
        if value < 0:
            problems.add("E-IN-NEGATIVE", f"{_named(doc, ('stated', name))}：比率不应为负数（{given}）", at)
            continue
        parsed = to_decimal(given)
        ulp = half_ulp(parsed[0]) / (100 if parsed[1] == "%" else 1) if parsed else Decimal(0)
        reading.stated[str(name)] = (value, ulp, at)
        out[str(name)] = float(value)
    return out


def bind_facts(fw: Framework, raw: dict, money_unit: str, doc: Located, problems: Problems,
               lists: dict[str, list[dict]], reading: Reading | None = None) -> dict:
    reading = reading if reading is not None else Reading()
    points = fw.judgement_points()
    experts = fw.expert_points()
    out: dict[str, Fact | Judgement] = {}
    if not isinstance(raw, dict):
        problems.add("E-IN-SCHEMA", "facts 应为键值映射（事实名: 值）", doc.where(("facts",)))
        return out
    declared = {normal_name(n): n for n in fw.facts}
    given_as: dict[str, object] = {}
    for key, given in raw.items():
        at = doc.where(("facts", key))
        name = declared.get(normal_name(key), str(key))
        spec = fw.facts.get(name)
        if spec is None:
            near = difflib.get_close_matches(normal_name(key), list(fw.facts), n=1)
            hint = f"，是否为“{near[0]}”？" if near else "；请对照指标体系的 facts 声明"
            problems.add("E-IN-UNKNOWN-FACT", f"{_named(doc, ('facts', str(key)))}：指标体系未声明此事实{hint}", at)
            continue
        if name in given_as:
            problems.add("E-IN-DUPLICATE", f"事实“{name}”写了两次（{shown(given_as[name])} 与 {shown(key)}，"
                                           "全角/半角、空格或不可见字符之差）；请只保留一个", at)
            continue
        given_as[name] = key
        label = _named(doc, ("facts", name), spec.label)
        try:
            out[name] = bind_one(name, spec, given, money_unit, at, points, experts, reading)
        except BadValue as exc:
            problems.add(exc.code, f"{label}：{exc}", at)
    for name, spec in fw.facts.items():
        derived = spec.count_of and spec.count_of in lists
        if derived and name in out:
            from jixiao.core.engine import count

            n = count(lists[spec.count_of], spec)
            if out[name].value != n:
                problems.add("E-IN-CONFLICT", f"{_named(doc, ('facts', name), spec.label)} 为 {out[name].value:g}，而清单“{spec.count_of}”数得 {n}；两者须一致，或删去其一",
                             doc.where(("facts", name)))
        elif spec.required and name not in given_as and not derived:
            unit = f"，单位{spec.unit}" if spec.unit else ""
            problems.add("E-IN-MISSING", f"缺少{_named(doc, ('facts', name), spec.label)}{unit}；请填写",
                         doc.where(("facts", name)))
    return out


def _split(given, keys: set[str], main: str):
    """A value given alone, or as a mapping with its evidence: {value: …, evidence: …}."""
    if isinstance(given, dict):
        extra = set(given) - keys
        if extra:
            raise BadValue(f"不认识的字段 {'、'.join(sorted(map(str, extra)))}；可用：{'、'.join(sorted(keys))}", "E-IN-UNKNOWN-KEY")
        return given.get(main), _text(given.get("evidence") or given.get("justification") or "")
    return given, ""


# What a spreadsheet export or a hurried editor leaves in an evidence cell when there is none. It
# is no source: kept, it printed as “（none）” in the trace and every report format.
NO_EVIDENCE = {"none", "null", "nil", "nan", "n/a", "na", "-", "--", "—", "——", "－", "/", "／", "无", "暂无",
               "（无）", "(无)", "（none）", "(none)"}


def _text(value) -> str:
    """Evidence as written, or "" when it is empty or a placeholder (see NO_EVIDENCE)."""
    if isinstance(value, (dict, list)):
        raise BadValue("依据应为一段文字", "E-IN-SCHEMA")
    text = str(value).strip()
    return "" if text.lower() in NO_EVIDENCE else text


def bind_one(name, spec, given, money_unit, at, points, experts, reading: Reading | None = None):
    if spec.type in NUMERIC_TYPES - {"score"}:
        keys = {"value", "evidence", "unit"} if spec.type == "money" else {"value", "evidence"}
        raw, evidence = _split(given, keys, "value")
        if raw is None or raw == "":
            raise BadValue("缺少数值", "E-IN-MISSING")
        unit = given.get("unit") if isinstance(given, dict) and given.get("unit") else money_unit
        if unit and (not isinstance(unit, str) or unit not in MONEY_UNITS):
            raise BadValue(f"金额单位应为 元、万元 或 亿元，实际为“{unit}”", "E-IN-UNIT")
        value = number(raw, spec.type, spec.unit, unit)
        if value < 0 and not spec.signed:
            raise BadValue(f"不应为负数（{raw}）；请核对数据", "E-IN-NEGATIVE")
        if reading is not None:
            reading.exact[name] = (value, _error(raw, value, spec.type))
        plain = int(value) if spec.type == "count" else float(value)
        return Fact(plain, evidence, at)
    if spec.type == "flag":
        raw, evidence = _split(given, {"value", "evidence"}, "value")
        return Fact(flag(raw), evidence, at)
    if spec.type == "text":
        raw, evidence = _split(given, {"value", "evidence"}, "value")
        if raw is None or isinstance(raw, (dict, list)):
            raise BadValue("应为一段文字", "E-IN-SCHEMA")
        return Fact(str(raw), evidence, at)
    if spec.type == "level":
        raw, evidence = _split(given, {"level", "evidence"}, "level")
        if not isinstance(raw, str) or raw not in spec.choices:
            raise BadValue(f"“{raw}”不是可选档次；可选：{'、'.join(spec.choices)}", "E-IN-LEVEL")
        return Fact(str(raw), evidence, at)
    if spec.type == "score":
        raw, evidence = _split(given, {"score", "justification", "evidence"}, "score")
        value = float(number(raw, "score", "", ""))
        most = experts.get(name, float("inf"))
        if not 0 <= value <= most:
            raise BadValue(f"评分 {value:g} 超出范围 0–{most:g}", "E-IN-RANGE")
        if value < most and not evidence.strip():
            raise BadValue(f"评分 {value:g} 低于满分 {most:g}，须写明理由（justification）", "E-IN-NO-EVIDENCE")
        return Fact(value, evidence, at)
    # judgement
    if isinstance(given, (bool, str)):
        if not flag(given):
            raise BadValue("未达到的标准须写明依据：请写成 {met: false, evidence: 依据}", "E-IN-NO-EVIDENCE")
        return Judgement(met=True, where=at)
    if not isinstance(given, dict):
        raise BadValue("评价判断应写成 {met: true/false, evidence: 依据} 或 {points: 得分, evidence: 扣分理由}", "E-IN-SCHEMA")
    extra = set(given) - {"met", "points", "evidence"}
    if extra:
        raise BadValue(f"不认识的字段 {'、'.join(sorted(map(str, extra)))}；可用：met、points、evidence", "E-IN-UNKNOWN-KEY")
    evidence = _text(given.get("evidence") or "")
    available = points.get(name, 0.0)
    if given.get("points") is not None:
        value = float(number(given["points"], "score", "", ""))
        if not 0 <= value <= available:
            raise BadValue(f"得分 {value:g} 超出该标准的分值范围 0–{available:g}", "E-IN-RANGE")
        if value < available and not evidence.strip():
            raise BadValue("酌情扣分须写明理由（evidence）", "E-IN-NO-EVIDENCE")
        return Judgement(points=value, evidence=evidence, where=at)
    if given.get("met") is None:
        raise BadValue("评价判断须给出 met（是否达到）或 points（酌情所得分）", "E-IN-SCHEMA")
    met = flag(given["met"])
    if not met and not evidence.strip():
        raise BadValue("未达到的标准须写明依据（evidence）", "E-IN-NO-EVIDENCE")
    return Judgement(met=met, evidence=evidence, where=at)


def _error(raw, value: Decimal, kind: str) -> Decimal:
    """How far a rounded figure may be from the truth, in the declared unit (± half its last digit)."""
    if kind == "count":
        return Decimal(0)
    parsed = to_decimal(raw)
    if parsed is None or parsed[0] == 0:
        return half_ulp(parsed[0]) if parsed else Decimal(0)
    return abs(half_ulp(parsed[0]) * value / parsed[0])


def bind_lists(fw: Framework, raw, money_unit: str, doc: Located, problems: Problems) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    if not isinstance(raw, dict):
        problems.add("E-IN-SCHEMA", "lists 应为键值映射（清单名: 条目列表）", doc.where(("lists",)))
        return out
    for name, items in raw.items():
        spec = fw.lists.get(name)
        if spec is None:
            problems.add("E-IN-UNKNOWN-LIST", f"{_named(doc, ('lists', name))}：指标体系未声明此清单；可用：{'、'.join(fw.lists) or '（无）'}", doc.where(("lists", name)))
            continue
        if not isinstance(items, list):
            problems.add("E-IN-SCHEMA", f"{_named(doc, ('lists', name))} 应为列表", doc.where(("lists", name)))
            continue
        rows, seen = [], {}
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                problems.add("E-IN-SCHEMA", f"{_named(doc, ('lists', name, i))} 应为键值映射", doc.where(("lists", name, i)))
                continue
            row = {}
            for fname, kind in spec.fields.items():
                v = item.get(fname)
                at = doc.where(("lists", name, i, fname))
                try:
                    if v is None or v == "":
                        row[fname] = None
                    elif kind == "flag":
                        row[fname] = flag(v)
                    elif kind in ("money", "number", "count"):
                        value = number(v, kind, LIST_MONEY_UNIT, money_unit or LIST_MONEY_UNIT)
                        if value < 0:
                            raise BadValue(f"不应为负数（{v}）；请核对数据", "E-IN-NEGATIVE")
                        row[fname] = int(value) if kind == "count" else float(value)
                    elif kind == "date":
                        row[fname] = parse_date(v).isoformat()
                    else:
                        if isinstance(v, (dict, list)):
                            raise BadValue("应为一段文字", "E-IN-SCHEMA")
                        row[fname] = str(v)
                except BadValue as exc:
                    problems.add(exc.code, f"{_named(doc, ('lists', name, i, fname))}：{exc}", at)
            for fname in set(item) - set(spec.fields):
                problems.add("E-IN-UNKNOWN-KEY", f"{_named(doc, ('lists', name, i))}：不认识的字段“{fname}”；可用：{'、'.join(spec.fields)}",
                             doc.where(("lists", name, i, fname)))
            if spec.key:
                key = row.get(spec.key)
                if key is None:
                    problems.add("E-IN-MISSING", f"{_named(doc, ('lists', name, i, spec.key))}：缺少{spec.key}",
                                 doc.where(("lists", name, i, spec.key)))
                elif key in seen:
                    problems.add("E-IN-DUPLICATE", f"{_named(doc, ('lists', name, i, spec.key))}：“{key}”与第 {seen[key] + 1} 项重复；每项的{spec.key}须唯一",
                                 doc.where(("lists", name, i, spec.key)))
                else:
                    seen[key] = i
            rows.append(row)
        out[name] = rows
    return out


__all__ = ["Reading", "bind_case", "bind_case_to", "case_edition", "decode", "load_case", "read_document"]
