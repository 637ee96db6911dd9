"""Reading a case file (YAML or JSON) and binding it to its framework's declared facts.

Every problem is collected with its place before anything is scored: unknown or missing facts,
text where a number belongs, negative money, a judgement without its evidence, a level that is
not among the choices. See ``docs/case-format.md`` for the format.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from jixiao.core.errors import InvalidInput, Problem, Problems
from jixiao.core.facts import MONEY_UNITS, NUMERIC_TYPES, Case, Fact, Judgement
from jixiao.core.model import Framework
from jixiao.intake.framework import load_framework
from jixiao.intake.values import BadValue, flag, number
from jixiao.intake.yamlio import Located, load, read_text

TOP_KEYS = {"subject", "year", "framework", "money_unit", "facts", "lists", "narrative", "stated", "notes"}


def read_document(path: Path) -> Located:
    """A case file as plain data with line numbers (YAML) or field paths (JSON)."""
    if path.suffix.lower() == ".json":
        text = read_text(path)

        def no_duplicates(pairs):
            keys = [k for k, _ in pairs]
            dup = {k for k in keys if keys.count(k) > 1}
            if dup:
                raise InvalidInput("JSON 键重复", [Problem("E-IN-JSON", f"键重复：{'、'.join(sorted(dup))}", str(path))])
            return dict(pairs)

        try:
            data = json.loads(text, object_pairs_hook=no_duplicates)
        except json.JSONDecodeError as exc:
            raise InvalidInput("JSON 格式错误", [Problem("E-IN-JSON", f"JSON 格式错误：{exc.msg}", f"{path}:{exc.lineno}")]) from None
        return Located(data, {}, str(path))
    return load(path)


def load_case(path: str | Path, framework: str | Path | None = None) -> tuple[Case, Framework]:
    """Read and check a case; raise :class:`InvalidInput` with every problem, or return it bound."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from jixiao.intake.workbook import read_workbook_case  # the Excel intake, when present

        return read_workbook_case(path, framework)
    doc = read_document(path)
    return bind_case(doc, path.parent, framework)


def bind_case(doc: Located, base: Path, framework: str | Path | None = None) -> tuple[Case, Framework]:
    data = doc.data
    if not isinstance(data, dict):
        raise InvalidInput("案例文件无效", [Problem("E-IN-SCHEMA", "案例文件应为键值映射（subject、year、framework、facts……）", doc.source)])
    problems = Problems()
    for key in data:
        if key not in TOP_KEYS:
            problems.add("E-IN-UNKNOWN-KEY", f"不认识的顶层字段“{key}”；可用：{'、'.join(sorted(TOP_KEYS))}", doc.where((key,)))
    for key in ("subject", "year", "framework", "facts"):
        if key not in data and not (key == "framework" and framework):
            problems.add("E-IN-MISSING", f"缺少顶层字段“{key}”", doc.source)
    problems.raise_if_errors("案例文件有误")

    fw_ref = framework or data["framework"]
    candidate = base / str(fw_ref)
    fw = load_framework(candidate if candidate.is_file() else fw_ref) if isinstance(fw_ref, (str, Path)) else None
    if fw is None:
        raise InvalidInput("案例文件有误", [Problem("E-IN-SCHEMA", "framework 应为指标体系编号或文件路径", doc.where(("framework",)))])

    year = data["year"]
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
        problems.add("E-IN-YEAR", f"year 应为四位年份，实际为“{year}”", doc.where(("year",)))
    money_unit = data.get("money_unit", "")
    if money_unit and money_unit not in MONEY_UNITS:
        problems.add("E-IN-UNIT", f"money_unit 应为 元、万元 或 亿元，实际为“{money_unit}”", doc.where(("money_unit",)))
        money_unit = ""
    lists = bind_lists(fw, data.get("lists") or {}, doc, problems)
    facts = bind_facts(fw, data.get("facts") or {}, money_unit, doc, problems, lists)
    narrative = data.get("narrative") or {}
    if not isinstance(narrative, dict):
        problems.add("E-IN-SCHEMA", "narrative 应为键值映射（各段文字）", doc.where(("narrative",)))
        narrative = {}
    stated = {}
    for name, raw in (data.get("stated") or {}).items():
        try:
            stated[name] = float(number(raw, "rate", "", ""))
        except BadValue as exc:
            problems.add("E-IN-NOT-NUMBER", f"stated.{name}：{exc}", doc.where(("stated", name)))
    problems.raise_if_errors("案例文件有误")
    case = Case(subject=str(data["subject"]), year=year, framework=fw.id, facts=facts, lists=lists,
                narrative=narrative, stated=stated, money_unit=money_unit or "万元", source=doc.source)
    return case, fw


def bind_facts(fw: Framework, raw: dict, money_unit: str, doc: Located, problems: Problems,
               lists: dict[str, list[dict]]) -> dict:
    points = fw.judgement_points()
    experts = fw.expert_points()
    out: dict[str, Fact | Judgement] = {}
    if not isinstance(raw, dict):
        problems.add("E-IN-SCHEMA", "facts 应为键值映射（事实名: 值）", doc.where(("facts",)))
        return out
    for name, given in raw.items():
        at = doc.where(("facts", name))
        spec = fw.facts.get(name)
        if spec is None:
            near = difflib.get_close_matches(str(name), list(fw.facts), n=1)
            hint = f"，是否为“{near[0]}”？" if near else "；请对照指标体系的 facts 声明"
            problems.add("E-IN-UNKNOWN-FACT", f"facts.{name}：指标体系未声明此事实{hint}", at)
            continue
        label = f"facts.{name}（{spec.label or name}）"
        try:
            out[name] = bind_one(name, spec, given, money_unit, at, points, experts)
        except BadValue as exc:
            problems.add(exc.code, f"{label}：{exc}", at)
    for name, spec in fw.facts.items():
        derived = spec.count_of and spec.count_of in lists
        if derived and name in out:
            from jixiao.core.engine import count

            n = count(lists[spec.count_of], spec)
            if out[name].value != n:
                problems.add("E-IN-CONFLICT", f"facts.{name} 为 {out[name].value:g}，而清单“{spec.count_of}”数得 {n}；两者须一致", doc.where(("facts", name)))
        elif spec.required and name not in raw and not derived:
            unit = f"，单位{spec.unit}" if spec.unit else ""
            problems.add("E-IN-MISSING", f"缺少 facts.{name}（{spec.label or name}{unit}）；请在 facts 中填写", doc.where(("facts",)))
    return out


def _split(given, keys: set[str], main: str):
    """A value given alone, or as a mapping with its evidence: {value: …, evidence: …}."""
    if isinstance(given, dict):
        extra = set(given) - keys
        if extra:
            raise BadValue(f"不认识的字段 {'、'.join(sorted(map(str, extra)))}；可用：{'、'.join(sorted(keys))}", "E-IN-UNKNOWN-KEY")
        return given.get(main), str(given.get("evidence") or given.get("justification") or "")
    return given, ""


def bind_one(name, spec, given, money_unit, at, points, experts):
    if spec.type in NUMERIC_TYPES - {"score"}:
        raw, evidence = _split(given, {"value", "evidence"}, "value")
        value = number(raw, spec.type, spec.unit, money_unit)
        if value < 0 and not spec.signed:
            raise BadValue(f"不应为负数（{raw}）；请核对数据", "E-IN-NEGATIVE")
        return Fact(float(value), evidence, at)
    if spec.type == "flag":
        raw, evidence = _split(given, {"value", "evidence"}, "value")
        return Fact(flag(raw), evidence, at)
    if spec.type == "text":
        raw, evidence = _split(given, {"value", "evidence"}, "value")
        return Fact(str(raw), evidence, at)
    if spec.type == "level":
        raw, evidence = _split(given, {"level", "evidence"}, "level")
        if raw not in spec.choices:
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
    if isinstance(given, bool) or isinstance(given, str):
        if not flag(given):
            raise BadValue("未达到的标准须写明依据：请写成 {met: false, evidence: 依据}", "E-IN-NO-EVIDENCE")
        return Judgement(met=True, where=at)
    if not isinstance(given, dict):
        raise BadValue("评价判断应写成 {met: true/false, evidence: 依据} 或 {points: 得分, evidence: 扣分理由}", "E-IN-SCHEMA")
    extra = set(given) - {"met", "points", "evidence"}
    if extra:
        raise BadValue(f"不认识的字段 {'、'.join(sorted(map(str, extra)))}；可用：met、points、evidence", "E-IN-UNKNOWN-KEY")
    evidence = str(given.get("evidence") or "")
    available = points.get(name, 0.0)
    if "points" in given:
        value = float(number(given["points"], "score", "", ""))
        if not 0 <= value <= available:
            raise BadValue(f"得分 {value:g} 超出该标准的分值范围 0–{available:g}", "E-IN-RANGE")
        if value < available and not evidence.strip():
            raise BadValue("酌情扣分须写明理由（evidence）", "E-IN-NO-EVIDENCE")
        return Judgement(points=value, evidence=evidence, where=at)
    if "met" not in given:
        raise BadValue("评价判断须给出 met（是否达到）或 points（酌情所得分）", "E-IN-SCHEMA")
    met = flag(given["met"])
    if not met and not evidence.strip():
        raise BadValue("未达到的标准须写明依据（evidence）", "E-IN-NO-EVIDENCE")
    return Judgement(met=met, evidence=evidence, where=at)


def bind_lists(fw: Framework, raw, doc: Located, problems: Problems) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    if not isinstance(raw, dict):
        problems.add("E-IN-SCHEMA", "lists 应为键值映射（清单名: 条目列表）", doc.where(("lists",)))
        return out
    for name, items in raw.items():
        spec = fw.lists.get(name)
        if spec is None:
            problems.add("E-IN-UNKNOWN-LIST", f"lists.{name}：指标体系未声明此清单；可用：{'、'.join(fw.lists) or '（无）'}", doc.where(("lists", name)))
            continue
        if not isinstance(items, list):
            problems.add("E-IN-SCHEMA", f"lists.{name} 应为列表", doc.where(("lists", name)))
            continue
        rows, seen = [], set()
        for i, item in enumerate(items):
            at = doc.where(("lists", name, i))
            if not isinstance(item, dict):
                problems.add("E-IN-SCHEMA", f"lists.{name}[{i + 1}] 应为键值映射", at)
                continue
            row = {}
            for field, kind in spec.fields.items():
                v = item.get(field)
                try:
                    if v is None:
                        row[field] = None
                    elif kind == "flag":
                        row[field] = flag(v)
                    elif kind in ("money", "number", "count"):
                        row[field] = float(number(v, kind, "万元", "万元"))
                    else:
                        row[field] = str(v)
                except BadValue as exc:
                    problems.add("E-IN-NOT-NUMBER", f"lists.{name}[{i + 1}].{field}：{exc}", at)
            for field in set(item) - set(spec.fields):
                problems.add("E-IN-UNKNOWN-KEY", f"lists.{name}[{i + 1}]：不认识的字段“{field}”", at)
            if spec.key:
                key = row.get(spec.key)
                if key in seen:
                    problems.add("E-IN-DUPLICATE", f"lists.{name}：名称“{key}”重复出现", at)
                seen.add(key)
            rows.append(row)
        out[name] = rows
    return out
