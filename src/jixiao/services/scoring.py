"""Reading, binding and scoring one case or form, whatever its kind.

The file's format chooses the reader (YAML, JSON, a case workbook, a printed form workbook); the
edition's ``kind`` chooses the binder and the scorer, through :data:`jixiao.intake.editions.KINDS`.
Nothing here looks at a file's content to decide what kind of thing it is.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.core.edition import DEPARTMENT, PROJECT_FORM, Edition
from jixiao.core.errors import InvalidInput, Problem
from jixiao.intake.documents import FORM_DEFAULT
from jixiao.intake.editions import KINDS, load_edition
from jixiao.intake.yamlio import Located

TITLES = {DEPARTMENT: "案例文件有误", PROJECT_FORM: "自评表有误", "target": "绩效目标申报表有误",
          "monitoring": "监控表有误", "preassessment": "事前绩效评估评分表有误"}
# A target workbook that names no 审核规则: a project's or (部门名称, no 项目名称) a department's.
TARGET_DEFAULT = {False: "national-target-project/2015", True: "national-target-dept/2015"}
MONITORING_DEPT = "national-monitoring-dept/2019"  # a 部门整体支出绩效运行监控表 that names no 预警规则
# The edition of a form that names none, by its printed heading (表名); see default_edition.
TITLE_DEFAULT = ((("执行监控", "监控表"), "national-monitoring/2019"), (("事前绩效评估",), "national-preassessment/2018"),
                 (("自评表",), FORM_DEFAULT))
# Where a document names its edition: framework, or the heading of its kind's printed form.
EDITION_KEYS = ("framework", "指标体系", "审核规则", "预警规则", "评估规则")


@dataclass(frozen=True)
class Scored:
    """One scored case or form: its edition, the bound input, the result and every warning."""

    edition: Edition
    bound: Any  # a Case, a Form, or a cycle form (TargetForm, MonitoringForm, Sheet)
    result: Any  # an Evaluation, a FormResult, or a cycle result (TargetReview, MonitoringResult, PreassessResult)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.edition.kind


def read(path: str | Path, framework: str | Path | None = None) -> tuple[Located, Edition, list[Problem]]:
    """A case or form file as located data (the one reader, :func:`jixiao.intake.documents.read_file`),
    the edition it names (``framework`` wins), and the reader's own warnings. Raises
    :class:`InvalidInput` when the file cannot be read."""
    from jixiao.intake.documents import read_file

    path = Path(path)
    read_ = read_file(path, framework)
    if read_.edition is not None:  # a case workbook names its edition in a cell, found by its reader
        return read_.doc, load_edition(read_.edition, path.parent), list(read_.warnings)
    return read_.doc, edition_named(read_.doc, path.parent, framework, read_.default), list(read_.warnings)


def default_edition(data: dict) -> str | None:
    """The edition of a form that names none: the one its printed heading (表名) is the form of.

    The heading is part of the printed form (a 绩效目标申报表's title says whether it is a project's
    or a department's), so a file copied from the printed form needs no ``framework`` line."""
    title = str(data.get("表名") or "")
    if "绩效目标申报表" in title:
        dept = "部门名称" in data and "项目名称" not in data or ("部门" in title and "项目" not in title)
        return TARGET_DEFAULT[dept]
    if "监控" in title and ("部门整体" in title or "部门名称" in data and "项目名称" not in data):
        return MONITORING_DEPT
    return next((ref for words, ref in TITLE_DEFAULT if any(w in title for w in words)), None)


def edition_named(doc: Located, base: Path | None, framework: str | Path | None = None,
                  default: str | None = None) -> Edition:
    """The edition ``framework`` names, or the one the data names in ``framework`` (or in the
    Chinese heading its kind uses: 指标体系, 审核规则, 预警规则, 评估规则), else ``default``."""
    if not isinstance(doc.data, dict):
        raise InvalidInput("文件无效", [Problem(
            "E-IN-SCHEMA", "文件应为键值映射（案例：subject、year、framework、facts……；自评表：项目名称、项目资金、绩效指标……）",
            doc.source)])
    data = doc.data
    key = next((k for k in EDITION_KEYS if data.get(k)), "framework")
    ref = framework or data.get(key) or default or default_edition(data)
    if not ref:
        raise InvalidInput("未指定指标体系", [Problem(
            "E-IN-MISSING", "缺少 framework（指标体系编号或文件）；请在文件中填写，或用 --framework 指定（见 jixiao frameworks）",
            doc.where(("framework",)))])
    if not isinstance(ref, (str, Path)):
        raise InvalidInput("案例文件有误", [Problem("E-IN-SCHEMA", f"{key} 应为指标体系编号或文件路径", doc.where((key,)))])
    try:
        return load_edition(ref, base)
    except InvalidInput as exc:
        if framework or not any(p.code == "E-IN-FRAMEWORK" for p in exc.problems):
            raise
        raise InvalidInput(exc.title, [Problem(p.code, f"{key}：{p.message}", doc.where((key,)))
                                       for p in exc.problems]) from None


def bind(doc: Located, edition: Edition) -> tuple[Any, list[Problem]]:
    """``(case or form, warnings)``, or ``(None, problems)`` with every error and warning.

    Pure: the data is already read and the edition resolved; the edition's kind picks the binder."""
    kind = KINDS.get(edition.kind)
    if kind is None:
        raise InvalidInput("未知的指标体系种类", [Problem("E-FW-KIND", f"未知的 kind“{edition.kind}”", edition.source)])
    bound, problems = kind.function("bind")(doc, edition)
    return bound, list(problems)


def evaluate(doc: Located, edition: Edition, reader_warnings: list[Problem] | None = None) -> Scored:
    """Bind and score; raises :class:`InvalidInput` with every problem when the data has errors."""
    bound, problems = bind(doc, edition)
    problems = list(reader_warnings or []) + problems
    if bound is None:
        title = TITLES.get(edition.kind, f"{KINDS[edition.kind].label}的表有误")
        raise InvalidInput(title, problems)
    if edition.kind == DEPARTMENT and reader_warnings:
        # A case is immutable; the reader's warnings join it before scoring, so the record carries them.
        bound = dataclasses.replace(bound, warnings=(*reader_warnings, *bound.warnings))
    result = KINDS[edition.kind].function("score")(edition.framework, bound)
    if hasattr(result, "warnings") and not result.warnings:
        try:
            result.warnings = list(problems)
        except (AttributeError, TypeError):
            pass  # an immutable result carries its warnings already
    return Scored(edition, bound, result, problems)


def score(doc: Located, edition: Edition) -> Any:
    """``score(data, edition) -> Evaluation`` (a ``FormResult`` for a project form)."""
    return evaluate(doc, edition).result


def score_file(path: str | Path, framework: str | Path | None = None) -> Scored:
    """Read, bind and score one file (the CLI's and the web upload's path)."""
    doc, edition, warnings = read(path, framework)
    return evaluate(doc, edition, warnings)
