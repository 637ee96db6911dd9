"""The records of a project form: the form as read, each scored line, and the form scored.

:class:`Form` (with its :class:`FundLine` and :class:`Row`) is what intake binds from a file;
:class:`LineResult` is the one indicator record of every kind of framework with what the form
states beside it; :class:`FormResult` is one form scored — a versioned record that round-trips
through JSON losslessly, ``FormResult.from_json(r.to_json()) == r``, with its JSON Schema
generated from it (:func:`form_json_schema`, published as ``docs/schema/form-result.schema.json``).
Scoring is :mod:`jixiao.core.form`'s job.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Any, Self

from pydantic import Field, TypeAdapter, computed_field, field_serializer, model_validator
from pydantic.dataclasses import dataclass as record

from jixiao.core.errors import Problem, ProblemJSON
from jixiao.core.evaluation import RECORD, IndicatorResult
from jixiao.core.numbers import round_half_up

# Where a form is cut off mid-table (a missing page, a torn scan): a line of this 行类型 marks it.
TRUNC = "截断"
FORM_SCHEMA_VERSION = 1  # of FormResult's JSON: raised when a field changes meaning; adding a field keeps it


def cents(x: float) -> int:
    """A score in whole cents, rounded half up: the unit totals are added in."""
    return round(round_half_up(x) * 100)


# --- the form ------------------------------------------------------------------------------------


@dataclass
class FundLine:
    """A 项目资金 line: 年度资金总额, or one of its 其中 lines (当年财政拨款, 上年结转资金, 其他资金)."""

    name: str
    initial: float | None = None  # 年初预算数
    budget: float | None = None  # 全年预算数
    adjusted: float | None = None  # 调整后预算数 (Sichuan)
    spent: float | None = None  # 全年执行数 / 预算执行数
    points: float | None = None  # 分值 as stated
    rate: float | None = None  # 执行率 as stated (a fraction)
    rate_digits: int = 2  # decimals of the stated rate in percent, to compare at its precision
    stated: float | None = None  # 得分 as stated
    reason: str = ""
    where: str = ""


@dataclass
class Row:
    """One indicator row, its 年度指标值 already parsed into operator, number and unit."""

    kind: str  # 定量 or 定性
    level1: str = ""
    level2: str = ""
    level3: str = ""
    target_text: str = ""
    actual_text: str = ""
    op: str | None = None
    target: float | None = None
    unit: str = ""
    actual: float | None = None
    grade: str | None = None  # 定性: 达成年度指标 / 部分达成年度指标并具有一定效果 / 未达成年度指标且效果较差
    points: float | None = None
    stated: float | None = None
    reason: str = ""
    where: str = ""


@dataclass
class Form:
    """One filled form: header, 项目资金 lines (the first is the total), goal, rows and 总分."""

    project: str = ""
    year: int | None = None
    department: str = ""  # 主管部门
    unit: str = ""  # 实施单位
    region: str = ""
    framework: str = ""
    money_unit: str = "万元"
    funds: list[FundLine] = field(default_factory=list)
    goal_expected: str = ""
    goal_actual: str = ""
    rows: list[Row] = field(default_factory=list)
    stated_total: float | None = None
    source: str = ""
    total_where: str = ""  # where the form states its 总分, for messages

    def funds_total(self) -> FundLine | None:
        """The 年度资金总额 line; when blank or zero while its 其中 lines carry money, their sum."""
        if not self.funds:
            return None
        total, parts = self.funds[0], self.funds[1:]
        summed = {}
        for attr in ("initial", "budget", "adjusted", "spent"):
            given = [getattr(p, attr) for p in parts if getattr(p, attr) is not None]
            summed[attr] = sum(given) if given else None
        if not parts or all(v is None for v in summed.values()):
            return total
        out = copy.copy(total)
        for attr, value in summed.items():
            if value is not None:
                setattr(out, attr, value)
        return out


@record(frozen=True, config=RECORD)
class LineResult(IndicatorResult):
    """A scored line (the 预算执行率 line or an indicator row): the one indicator record of every kind
    of framework — id, name, level, parent, weight (the line's 分值), score, status, steps, reason
    code and text, facts read — plus what the form states about the line.

    ``reason`` is the line's code whether scored or not: EXEC_MET, BELOW, …, or MISSING:x / ZERO:x /
    QUAL_OUT_OF_BAND when not scorable.
    """

    kind: str | None = ""
    level1: str = ""
    level2: str = ""
    stated: float | None = None
    needs_reason: bool = False
    # Where the form states the line. Not in the line's JSON: the form in the record carries it
    # (FormResult restores it), so a line's JSON is the same whatever the file was called.
    where: str = Field(default="", exclude=True)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def points(self) -> float:
        """The line's 分值 (its ``weight``)."""
        return self.weight

    @computed_field  # type: ignore[prop-decorator]
    @property
    def code(self) -> str:
        """The line's reason code (its ``reason``), whether scored or not."""
        return self.reason

    @property
    def cents(self) -> int | None:
        return None if self.score is None else cents(self.score)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def diff(self) -> float | None:
        """表列得分 − 重算得分, in points (two decimals), when both exist."""
        if self.score is None or self.stated is None:
            return None
        return (cents(self.stated) - cents(self.score)) / 100


def _problems_json(problems: list[Problem]) -> list[FindingJSON]:
    return [p.to_json() | {"line": p.indicator, "review": p.review} for p in problems]  # type: ignore[misc]


class FindingJSON(ProblemJSON):
    """A problem in a form result's JSON: also its form ``line`` (the indicator) and whether it is for review."""

    line: str
    review: bool


@record(config=RECORD)
class FormResult:
    """One project form scored: a versioned record that round-trips through JSON losslessly
    (``FormResult.from_json(r.to_json()) == r``), the form as read included; its JSON Schema is
    :func:`form_json_schema` (published as ``docs/schema/form-result.schema.json``).

    Not frozen: :func:`score_form` adds the review findings once the lines are scored, and the
    services attach intake's warnings."""

    framework: str
    framework_name: str
    edition_hash: str
    form: Form
    lines: list[LineResult]
    total: float  # sum of rounded line scores (whole cents), scored lines only
    status: str  # scored or incomplete
    grade: str
    rate: float | None
    findings: list[Problem]
    warnings: list[Problem] = field(default_factory=list)  # intake's, about the form as read
    kind: str = "project-form"
    schema_version: int = FORM_SCHEMA_VERSION

    @model_validator(mode="after")
    def _lines_where(self) -> Self:
        """Each line's place, from the form: the funds line is its first 项目资金 line, then one line a row."""
        places = [self.form.funds[0].where if self.form.funds else "", *(r.where for r in self.form.rows)]
        if len(places) == len(self.lines) and any(not ln.where and w for ln, w in zip(self.lines, places)):
            self.lines = [ln if ln.where or not w else replace(ln, where=w) for ln, w in zip(self.lines, places)]
        return self

    @field_serializer("findings", "warnings")
    def _problems(self, v: list[Problem]) -> list[FindingJSON]:
        return _problems_json(v)

    # The form's header at the top, as the JSON has always had it (derived: the form holds them).
    @computed_field  # type: ignore[prop-decorator]
    @property
    def project(self) -> str:
        return self.form.project

    @computed_field  # type: ignore[prop-decorator]
    @property
    def year(self) -> int | None:
        return self.form.year

    @computed_field  # type: ignore[prop-decorator]
    @property
    def department(self) -> str:
        return self.form.department

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unit(self) -> str:
        return self.form.unit

    @computed_field  # type: ignore[prop-decorator]
    @property
    def region(self) -> str:
        return self.form.region

    @computed_field  # type: ignore[prop-decorator]
    @property
    def stated_total(self) -> float | None:
        return self.form.stated_total

    @property
    def review(self) -> list[Problem]:
        return [f for f in self.findings if f.review]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def truncated(self) -> bool:
        """The form is cut off mid-table (a 截断 line): its total covers only the rows it has."""
        return any(ln.kind == TRUNC for ln in self.lines)

    def to_json(self) -> dict[str, Any]:
        """The stable JSON of ``jixiao score FORM --format json`` (scores unrounded; totals in cents/100)."""
        return _FORM_RESULT.dump_python(self, mode="json", by_alias=True)

    @classmethod
    def from_json(cls, data: dict[str, Any] | str | bytes) -> FormResult:
        """The record back from :meth:`to_json` (or its text); derived keys are ignored."""
        if isinstance(data, (str, bytes)):
            return _FORM_RESULT.validate_json(data)
        return _FORM_RESULT.validate_python(data)


_FORM_RESULT: TypeAdapter[FormResult] = TypeAdapter(FormResult)


def form_json_schema() -> dict[str, Any]:
    """The JSON Schema of :meth:`FormResult.to_json`, generated from the record."""
    schema = _FORM_RESULT.json_schema(mode="serialization", by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "jixiao project form result"
    schema["description"] = (f"One project self-evaluation form scored by jixiao (schema_version {FORM_SCHEMA_VERSION}): "
                             "the form as read, every line with its steps and the facts read, the total, the grade, "
                             "the findings for review and every warning.")
    return schema
