"""Target forms (绩效目标申报表) as stored documents: scoring them under a frozen edition, the
自评表 prefilled from approved targets, and the 自评表 compared with them. No Django here: the
store's :mod:`jixiao.store.targets` reads the database and calls these.

A stored target is the form's plain document (its printed labels, as :mod:`jixiao.intake.target`
reads them); its "score" is the 四性审核 (:func:`jixiao.core.cycle.target.review`) as JSON, with the
reviewers' grade when one was given (kept in the document under ``审核``, as a form file may carry
it). Its edition is frozen like every other: the validated edition's JSON, keyed by its hash.
"""

from __future__ import annotations

import json
from pathlib import Path

from jixiao.core.cycle.target import (
    ANNUAL,
    QUAL,
    QUANT,
    Indicator,
    Past,
    TargetEdition,
    TargetForm,
    compare_selfeval,
)
from jixiao.core.errors import InvalidInput, Problem
from jixiao.intake.cycle import fingerprint, load_edition
from jixiao.intake.form import BadCell, parse_target
from jixiao.intake.target import bind_target
from jixiao.intake.yamlio import Located
from jixiao.services import cycle as cycle_service
from jixiao.store.scoring import Scored, plain

TARGET = "target"
SELF_EVAL_EDITION = "national-project/2020"  # the national 项目支出绩效自评表 (财预〔2020〕10号)
REVIEW_KEY = "审核"  # the reviewers' part of a stored target document
LEVELS = ("初审", "复审")
_EDITIONS: dict[str, TargetEdition] = {}


def frozen_edition(edition: dict, frozen_dir: Path | None) -> TargetEdition:
    """The target edition a stored evaluation was made with: the shipped one while its hash still
    matches, else its frozen JSON (written once under ``frozen_dir``, then loaded from there)."""
    ref, want = edition["ref"], edition["hash"]
    hit = _EDITIONS.get(want)
    if hit is not None:
        return hit
    try:
        ed = load_edition(ref, TARGET)
        if fingerprint(ed) == want:
            _EDITIONS[want] = ed
            return ed
    except InvalidInput:
        pass  # the shipped edition is gone or broken: the frozen copy still reviews
    if frozen_dir is None:
        raise InvalidInput("审核规则版本已变更", [Problem(
            "E-ST-EDITION", f"随附的“{ref}”已与本申报表所用版本（{want[:12]}）不同，且未提供冻结副本的目录", ref)])
    frozen_dir.mkdir(parents=True, exist_ok=True)
    path = frozen_dir / f"{want}.target.yaml"
    if not path.is_file():
        tmp = path.with_suffix(".part")
        tmp.write_text(json.dumps(edition["framework"], ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    ed = load_edition(path, TARGET)
    _EDITIONS[want] = ed
    return ed


def merge_history(stated: dict[str, list[Past]], stored: dict[str, list[Past]]) -> dict[str, list[Past]]:
    """Past actuals: the store's for every year it holds, the form's own (``历史完成值``) for the rest."""
    out = {k: list(v) for k, v in stated.items()}
    for name, rows in stored.items():
        have = {p.year for p in rows}
        out[name] = sorted(rows + [p for p in out.get(name, []) if p.year not in have], key=lambda p: -p.year)
    return out


def score_target(document: dict, *, source: str = "", edition: dict | None = None, frozen_dir: Path | None = None,
                 history: dict[str, list[Past]] | None = None) -> Scored:
    """Bind and review one target document; raise :class:`InvalidInput` with every problem.

    ``edition`` (``ref``, ``hash``, ``framework``) pins the frozen edition, else the document's
    ``framework`` names a shipped one; ``history`` is the store's past actuals by 三级指标."""
    if not isinstance(document, dict):
        raise InvalidInput("申报表数据无效", [Problem("E-IN-SCHEMA", "申报表应为键值映射", source or "申报表")])
    document = plain(document)
    loaded = frozen_edition(edition, frozen_dir) if edition else None
    form, ed, stated, warnings = bind_target(Located(document, {}, source or "申报表"), Path("."), loaded=loaded)
    form.history = merge_history(stated, history or {})
    r = cycle_service.score_target(ed, form)  # the service jixiao score and the registry use, with the stored history
    past, fp = form.history, r.fingerprint
    record = r.to_json()
    record["history"] = {k: [{"year": p.year, "value": p.value, "unit": p.unit} for p in v] for k, v in past.items()}
    record["warnings"] = [str(w) for w in warnings]
    must = sum(1 for f in r.findings if f.severity == "review")  # 须修改 (the rest are 提示)
    return Scored(TARGET, document, form.subject, form.year, form.header.get("实施单位", ""), ed.id, ed.name, fp,
                  ed.model_dump(mode="json"), record, float(must), r.grade, f"建议{r.suggested}",
                  {}, [str(w) for w in warnings])


def unit_document(document: dict) -> dict:
    """What a unit may state: its form without the reviewers' part (grades are given in review)."""
    return {k: v for k, v in plain(document).items() if k not in (REVIEW_KEY, "审核意见")}


def with_grade(document: dict, level: str, grade: str, remark: str = "", reviewer: str = "") -> tuple[dict, str | None]:
    """The document with ``level``'s grade set (the other level's kept); returns it and the grade before."""
    if level not in LEVELS:
        raise ValueError(level)
    doc = plain(document)
    block = doc.get(REVIEW_KEY) if isinstance(doc.get(REVIEW_KEY), dict) else {}
    before = (block.get(level) or {}).get("等级") if isinstance(block.get(level), dict) else None
    entry = {"等级": grade}
    if remark:
        entry["意见"] = {"总体": remark}
    if reviewer:
        entry["审核人"] = reviewer
    doc[REVIEW_KEY] = {**block, level: entry}
    return doc, before


# --- the 自评表 prefilled from the approved targets ---------------------------------------------


def selfeval_document(target: dict, edition: str = SELF_EVAL_EDITION) -> dict:
    """The year-end 项目支出绩效自评表 as the approved target states it: header, the 年度 funds as
    年初预算数 (and 全年预算数 until a budget change says otherwise), the 年度总体目标 as 预期目标,
    and every 年度 indicator with its approved 指标值. What happened (全年执行数, 实际完成值, 分值,
    得分) is left for the unit: nothing is guessed."""
    doc = plain(target)
    unit = doc.get("金额单位") or "万元"
    funds = (doc.get("资金") or {}).get("年度") or {}
    if not isinstance(funds, dict):
        funds = {"资金总额": funds}

    def line(name: str, amount) -> dict:
        return {"资金": name, "年初预算数": amount, "全年预算数": amount} if amount not in (None, "") else {"资金": name}

    goals = doc.get("总体目标") or {}
    goal = goals.get("年度") if isinstance(goals, dict) else goals
    rows = []
    period, level1, level2 = ANNUAL, "", ""
    for item in doc.get("绩效指标") or []:
        if not isinstance(item, dict):
            continue
        period = str(item.get("期间") or period)
        level1 = str(item.get("一级指标") or level1)
        level2 = str(item.get("二级指标") or level2)
        if period != ANNUAL:
            continue
        value = item.get("指标值")
        unit_cell = item.get("计量单位")
        if unit_cell and isinstance(value, (int, float)):
            value = f"{value}{unit_cell}"
        rows.append({"一级指标": level1, "二级指标": level2, "三级指标": item.get("三级指标"), "年度指标值": value})
    out = {
        "framework": edition, "年度": doc.get("年度"), "项目名称": doc.get("项目名称"),
        "主管部门": doc.get("主管部门及代码"), "实施单位": doc.get("实施单位"), "金额单位": unit,
        "项目资金": [line("年度资金总额", funds.get("资金总额")), line("本年财政拨款", funds.get("财政拨款")),
                 {"资金": "上年结转资金"}, line("其他资金", funds.get("其他资金"))],
        "年度总体目标": {"预期目标": goal or ""},
        "绩效指标": rows,
    }
    return {k: v for k, v in out.items() if v not in (None, "")}


def selfeval_indicators(document: dict) -> list[Indicator]:
    """A 自评表's rows as target indicators (三级指标 and its 年度指标值 parsed), for comparison."""
    out = []
    level1 = level2 = ""
    for i, item in enumerate(plain(document).get("绩效指标") or []):
        if not isinstance(item, dict):
            continue
        level1 = str(item.get("一级指标") or level1)
        level2 = str(item.get("二级指标") or level2)
        text = "" if item.get("年度指标值") is None else str(item.get("年度指标值")).strip()
        row = Indicator(ANNUAL, level1, level2, str(item.get("三级指标") or f"第{i + 1}行"), QUAL, text=text,
                        where=f"绩效指标第 {i + 1} 行")
        try:
            t = parse_target(item.get("年度指标值"))
        except BadCell:
            t = None  # an unreadable value is compared as text; the form's own reader refuses it
        if t is not None:
            row.kind, row.op, row.value, row.unit = QUANT, t.op, t.number, t.unit
        out.append(row)
    return out


def approved_form(target: dict, edition: TargetEdition) -> TargetForm:
    form, _, _, _ = bind_target(Located(plain(target), {}, "批复的绩效目标"), Path("."), loaded=edition)
    return form


def drift(target: dict, edition: TargetEdition, selfeval: dict) -> list[Problem]:
    """``TARGET_CHANGED`` findings of a 自评表 against the approved target document."""
    return compare_selfeval(approved_form(target, edition), selfeval_indicators(selfeval))


def past_actuals(selfeval: dict) -> dict[str, list[Past]]:
    """The quantitative 实际完成值 of one stored 自评表, by 三级指标, in the row's 指标值 unit."""
    doc = plain(selfeval)
    year = doc.get("年度")
    try:
        year = int(str(year).rstrip("年度").rstrip("年"))
    except (TypeError, ValueError):
        return {}
    out: dict[str, list[Past]] = {}
    for r, item in zip(selfeval_indicators(doc), doc.get("绩效指标") or []):
        actual = item.get("实际完成值") if isinstance(item, dict) else None
        if r.kind != QUANT or actual in (None, ""):
            continue
        try:
            t = parse_target(actual)
        except BadCell:
            continue
        if t is None:
            continue
        out.setdefault(r.name, []).append(Past(year, t.number, t.unit or r.unit))
    return out


def rows_of(document: dict) -> list[dict]:
    """A target document's indicator rows with 期间/一级/二级 carried down (as the printed form merges them)."""
    out = []
    period, level1, level2 = ANNUAL, "", ""
    for item in plain(document).get("绩效指标") or []:
        if not isinstance(item, dict):
            continue
        period = str(item.get("期间") or period)
        level1 = str(item.get("一级指标") or level1)
        level2 = str(item.get("二级指标") or level2)
        out.append({**item, "期间": period, "一级指标": level1, "二级指标": level2})
    return out


def changes(before: dict, after: dict) -> list[tuple[str, object, object]]:
    """What a version changed against another, as (where, before, after): header fields, funds and
    goals by period, indicator rows by 期间 and 三级指标 (added, removed or with another value)."""
    a, b = plain(before or {}), plain(after or {})
    out: list[tuple[str, object, object]] = []
    skip = {"绩效指标", "资金", "总体目标", REVIEW_KEY, "历史完成值", "年度主要任务"}
    for k in list(a) + [k for k in b if k not in a]:
        if k not in skip and a.get(k) != b.get(k):
            out.append((k, a.get(k), b.get(k)))
    for block in ("资金", "总体目标"):
        pa, pb = a.get(block) or {}, b.get(block) or {}
        pa, pb = (pa if isinstance(pa, dict) else {"": pa}), (pb if isinstance(pb, dict) else {"": pb})
        for p in list(pa) + [p for p in pb if p not in pa]:
            if pa.get(p) != pb.get(p):
                va, vb = pa.get(p), pb.get(p)
                if isinstance(va, dict) and isinstance(vb, dict):
                    for f in list(va) + [f for f in vb if f not in va]:
                        if va.get(f) != vb.get(f):
                            out.append((f"{p}{block}·{f}", va.get(f), vb.get(f)))
                else:
                    out.append((f"{p}{block}", va, vb))
    ra = {(r["期间"], str(r.get("三级指标"))): r for r in rows_of(a)}
    rb = {(r["期间"], str(r.get("三级指标"))): r for r in rows_of(b)}
    for key in list(ra) + [k for k in rb if k not in ra]:
        x, y = ra.get(key), rb.get(key)
        where = f"{key[0]}指标“{key[1]}”"
        if x is None or y is None:
            out.append((where, None if x is None else x.get("指标值"), None if y is None else y.get("指标值")))
            continue
        for f in ("指标值", "计量单位", "指标值确定依据", "预算支出标准", "一级指标", "二级指标"):
            if x.get(f) != y.get(f):
                out.append((f"{where}·{f}", x.get(f), y.get(f)))
    return out
