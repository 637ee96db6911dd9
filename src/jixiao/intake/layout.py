"""Which fact goes on which sheet of a case workbook, and which values deserve a warning.

A department edition may keep a ``workbook.yaml`` beside its file, or name one with ``layout:``
(data, not code; see :mod:`jixiao.intake.editions`):

.. code-block:: yaml

    sheets:
      - {name: 政府采购, note: 填写政府采购计划与实际采购金额, facts: [政府采购计划金额, 实际政府采购金额]}
      - {name: 项目清单, facts: [计划完成项目数], list: 项目清单}
      - {name: 定性评价, kind: judgements, types: [judgement, level, score]}
    checks:
      - {value: 资金调整率, above: 0.5, code: W-IN-ADJUST-HIGH, says: 年度中预算调整幅度超过 50%}

``kind`` is ``facts`` (the default), ``info`` (the case's identity rows, then facts),
``judgements`` (criterion, conclusion, evidence), ``stated`` (rates the report states) or
``narrative``. ``types`` pulls in every fact of those types not placed elsewhere. A fact no sheet
names lands on 其他数据, so a fact added to a framework is never lost. A framework without a
``workbook.yaml`` gets :func:`default_layout`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jixiao.core.edition import Edition
from jixiao.core.errors import InvalidInput, Problem
from jixiao.core.model import Framework
from jixiao.intake.editions import companion_doc, load_edition
from jixiao.intake.yamlio import Located

LAYOUT_FILE = "workbook.yaml"
SHEET_KINDS = ("info", "facts", "judgements", "stated", "narrative")
INFO_SHEET, STATED_SHEET, NARRATIVE_SHEET, OTHER_SHEET, JUDGEMENT_SHEET = "基本信息", "报告所述比率", "文字材料", "其他数据", "定性评价"


class SheetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=31)  # Excel's limit on sheet names
    kind: str = "facts"
    note: str = ""
    facts: list[str] = Field(default_factory=list)
    types: list[str] = Field(default_factory=list)
    table: str = Field("", alias="list")  # a declared list shown on this sheet


class CheckSpec(BaseModel):
    """A suspicious-value check: ``value`` is a rule label (its formula) or an expression."""

    model_config = ConfigDict(extra="forbid")

    value: str
    above: float
    code: str = Field(pattern=r"^W-IN-[A-Z0-9-]+$")
    says: str


class LayoutFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sheets: list[SheetSpec]
    checks: list[CheckSpec] = Field(default_factory=list)


@dataclass
class Sheet:
    """One sheet as it will be written and read: its facts in order, and its list if any."""

    name: str
    kind: str
    note: str = ""
    facts: list[str] = field(default_factory=list)
    table: str = ""  # the declared list shown below the facts, if any


@dataclass
class Layout:
    sheets: list[Sheet]
    checks: list[CheckSpec]
    source: str = ""  # the workbook.yaml it came from, or "" for the default

    def sheet(self, name: str) -> Sheet | None:
        return next((s for s in self.sheets if s.name == name), None)

    def sheet_of(self, fact: str) -> Sheet | None:
        return next((s for s in self.sheets if fact in s.facts), None)


DEFAULT_CHECKS = [
    CheckSpec(value="资金调整率", above=0.5, code="W-IN-ADJUST-HIGH",
              says="年度中预算调整幅度超过 50%，请核对年初预算数与调整预算数"),
]


def default_layout(fw: Framework) -> Layout:
    """For a framework without ``workbook.yaml``: identity, figures, each list, judgements, text."""
    numeric = [n for n, s in fw.facts.items() if s.type in ("money", "number", "count", "rate", "flag", "text")]
    sheets = [Sheet(INFO_SHEET, "info", "被评价单位、年度与指标体系")]
    sheets.append(Sheet("数据", "facts", "各项数值：金额填在“数值”列，单位见“单位”列", numeric))
    for name, spec in fw.lists.items():
        sheets.append(Sheet(name[:31], "facts", f"{spec.label or name}：每行一项", [], name))
    judged = [n for n, s in fw.facts.items() if s.type in ("judgement", "level", "score")]
    sheets.append(Sheet(JUDGEMENT_SHEET, "judgements", "逐条评价标准填写结论与依据", judged))
    sheets.append(Sheet(STATED_SHEET, "stated", "报告正文所述比率（选填），用于与原始数据核对"))
    sheets.append(Sheet(NARRATIVE_SHEET, "narrative", "报告所需的文字材料（选填）"))
    return Layout(sheets, list(DEFAULT_CHECKS))


_CACHE: dict[tuple, Layout] = {}


def layout_of(ed: Edition) -> Layout:
    """An edition's workbook layout (its ``workbook.yaml`` completed), or the default one."""
    fw: Framework = ed.framework
    if ed.layout is None:
        return default_layout(fw)
    key = (ed.hash, ed.layout_source, id(ed.layout))
    if key not in _CACHE:
        if len(_CACHE) > 32:
            _CACHE.clear()
        _CACHE[key] = _read_layout(fw, companion_doc(ed.layout_source, ed.layout))
    return _CACHE[key]


def layout_problems(ed: Edition) -> list[Problem]:
    """Every problem of an edition's layout (run when the edition is loaded)."""
    if ed.layout is None:
        return []
    try:
        layout_of(ed)
    except InvalidInput as exc:
        return exc.problems
    return []


def layout_for(fw: Framework, framework_file: Path | None) -> Layout:
    """The layout of the edition defined in ``framework_file`` (any file name), or the default."""
    if framework_file is None:
        return default_layout(fw)
    return layout_of(load_edition(framework_file))


def _read_layout(fw: Framework, doc: Located) -> Layout:
    path = doc.source
    try:
        spec = LayoutFile.model_validate(doc.data)
    except ValidationError as exc:
        problems = [Problem("E-FW-WORKBOOK", f"{'.'.join(map(str, e['loc']))}：{e['msg']}", doc.where(tuple(e["loc"])))
                    for e in exc.errors()]
        raise InvalidInput(f"工作簿布局 {path} 有误", problems) from None
    problems = []
    placed: set[str] = set()
    sheets: list[Sheet] = []
    for i, s in enumerate(spec.sheets):
        if s.kind not in SHEET_KINDS:
            problems.append(Problem("E-FW-WORKBOOK", f"工作表“{s.name}”的 kind 应为 {'、'.join(SHEET_KINDS)} 之一",
                                    doc.where(("sheets", i, "kind"))))
        if s.table and s.table not in fw.lists:
            problems.append(Problem("E-FW-WORKBOOK", f"工作表“{s.name}”的清单“{s.table}”未在指标体系中声明",
                                    doc.where(("sheets", i, "list"))))
        # A fact the framework no longer declares is skipped, so a framework edit never breaks intake.
        facts = [f for f in s.facts if f in fw.facts and f not in placed]
        placed.update(facts)
        sheets.append(Sheet(s.name, s.kind, s.note, facts, s.table))
    if len({s.name for s in sheets}) != len(sheets):
        problems.append(Problem("E-FW-WORKBOOK", "工作表名称重复", doc.where(("sheets",))))
    if problems:
        raise InvalidInput(f"工作簿布局 {path} 有误", problems)
    for s, given in zip(sheets, spec.sheets):
        for name, fspec in fw.facts.items():
            if given.types and fspec.type in given.types and name not in placed:
                s.facts.append(name)
                placed.add(name)
    for name, lspec in fw.lists.items():
        if not any(s.table == name for s in sheets):
            sheets.append(Sheet(name[:31], "facts", f"{lspec.label or name}：每行一项", [], name))
    rest = [n for n in fw.facts if n not in placed]
    if rest:
        sheets.insert(len([s for s in sheets if s.kind in ("info", "facts")]), Sheet(OTHER_SHEET, "facts", "其他数值", rest))
    for kind, name, note in (("info", INFO_SHEET, "被评价单位、年度与指标体系"),
                             ("stated", STATED_SHEET, "报告正文所述比率（选填）"),
                             ("narrative", NARRATIVE_SHEET, "报告所需的文字材料（选填）")):
        if not any(s.kind == kind for s in sheets):
            sheets.insert(0 if kind == "info" else len(sheets), Sheet(name, kind, note))
    return Layout(sheets, spec.checks, str(path))
