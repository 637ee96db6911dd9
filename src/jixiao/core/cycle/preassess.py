"""事前绩效评估 (中发〔2018〕34号): five dimensions scored by experts, an outcome for the project.

The edition (``preassessment.yaml``, kind ``preassessment``) holds the five dimensions with their
weights, the 优/良/中/差 bands (as shares of a weight), the share a grade stands for when an
expert grades instead of scoring, the outcome bands (通过 / 再评估 / 不通过) and the dimensions whose
差 alone means 不通过 — all data with sources. :func:`assess` averages the experts per dimension,
grades each dimension and the total, and returns the outcome with its reason.

>>> ed = PreassessEdition.model_validate(EXAMPLE_EDITION)
>>> sheet = Sheet(project="示例", experts=[
...     ExpertScores("甲", {"立项必要性": 45.0, "投入经济性": 40.0}),
...     ExpertScores("乙", {"立项必要性": 47.0, "投入经济性": "良"})])
>>> r = assess(ed, sheet)
>>> [(d.name, d.score, d.grade) for d in r.dimensions], r.total, r.outcome
([('立项必要性', 46.0, '优'), ('投入经济性', 41.25, '良')], 87.25, '通过')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, model_validator

from jixiao.core.cycle.common import EDGE, Quote, finding
from jixiao.core.errors import Problem
from jixiao.core.numbers import round_half_up

GRADES = ("优", "良", "中", "差")


class Dimension(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    weight: PositiveFloat
    asks: str = ""  # what the experts judge under this dimension
    source: list[Quote] = Field(default_factory=list)


class GradeBand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    grade: Literal["优", "良", "中", "差"]
    at_least: float  # share of the weight (dimension) or of the total, lower bound inclusive
    stands_for: float  # the share an expert's grade is counted as


class OutcomeBand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: str
    at_least: float  # points of the total
    says: str


class PreassessEdition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Literal["preassessment"]
    name: str
    edition: str
    extends: str = ""
    source: str = ""
    checked: str = ""
    total: PositiveFloat = 100
    dimensions: list[Dimension]
    grades: list[GradeBand]
    grades_text: list[Quote] = Field(default_factory=list)
    outcomes: list[OutcomeBand]
    outcomes_text: list[Quote] = Field(default_factory=list)
    veto: list[str] = Field(default_factory=list)  # a 差 in any of these dimensions → the last outcome
    veto_text: list[Quote] = Field(default_factory=list)
    min_experts: int = 3
    report_sections: list[str] = Field(default_factory=list)
    report_text: list[Quote] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> PreassessEdition:
        if abs(sum(d.weight for d in self.dimensions) - self.total) > 1e-9:
            raise ValueError(f"各维度权重之和应等于总分 {self.total:g}")
        if [g.grade for g in self.grades] != list(GRADES) or self.grades[-1].at_least != 0:
            raise ValueError("grades 须依次列出 优、良、中、差，且“差”从 0 起")
        if any(a.at_least <= b.at_least for a, b in zip(self.grades, self.grades[1:])):
            raise ValueError("grades 的下限须从高到低递减")
        if not self.outcomes or self.outcomes[-1].at_least != 0:
            raise ValueError("outcomes 的最后一档须从 0 分起（兜底）")
        names = {d.name for d in self.dimensions}
        if set(self.veto) - names:
            raise ValueError(f"veto 中的“{'、'.join(sorted(set(self.veto) - names))}”不是评估维度")
        return self

    def grade_of_share(self, share: float) -> str:
        return next(g.grade for g in self.grades if share >= g.at_least - EDGE)

    def share_of_grade(self, grade: str) -> float:
        return next(g.stands_for for g in self.grades if g.grade == grade)


# Short names a sheet's 报告 block may use for the edition's report sections.
SECTION_ALIASES = {"政策或项目名称": ("名称", "项目名称"), "政策或项目绩效目标": ("绩效目标", "目标"),
                   "评估方式、方法": ("方式方法", "评估方式方法", "评估方法"), "评估的相关建议": ("建议", "相关建议"),
                   "其他需要说明的问题": ("其他问题",), "评估人员签名": ("评估人员",)}


def section_named(name: str, sections: list[str]) -> str | None:
    """The report section ``name`` stands for (itself, or a short name of it), or None."""
    name = name.strip()
    if name in sections:
        return name
    return next((s for s in sections if name in SECTION_ALIASES.get(s, ())), None)


# --- input and result -----------------------------------------------------------------------------


@dataclass
class ExpertScores:
    """One expert's marks: a number of points, or a grade 优/良/中/差, per dimension."""

    expert: str
    marks: dict[str, float | str]
    opinion: str = ""
    where: str = ""
    title: str = ""  # 职称, for the report's 评估人员
    employer: str = ""  # 工作单位


@dataclass
class Sheet:
    project: str
    experts: list[ExpertScores]
    department: str = ""
    year: int | None = None
    amount: float | None = None
    money_unit: str = "万元"
    source: str = ""
    # The report's text the scores cannot give (概况, 评估程序 …), by section name: the sheet's 报告 block.
    narrative: dict[str, object] = field(default_factory=dict)


@dataclass
class DimensionResult:
    name: str
    weight: float
    by_expert: list[float]
    score: float  # the experts' mean, rounded to 0.01
    grade: str
    trace: str


@dataclass
class PreassessResult:
    edition: str
    sheet: Sheet
    experts: list[str]
    dimensions: list[DimensionResult]
    expert_totals: list[float]
    total: float
    grade: str
    outcome: str
    reason: str
    findings: list[Problem] = field(default_factory=list)
    fingerprint: str = ""

    def to_json(self) -> dict:
        return {"kind": "preassessment", "edition": self.edition, "edition_hash": self.fingerprint,
                "project": self.sheet.project, "experts": self.experts,
                "dimensions": [{"name": d.name, "weight": d.weight, "by_expert": d.by_expert, "score": d.score,
                                "grade": d.grade, "trace": d.trace} for d in self.dimensions],
                "expert_totals": self.expert_totals, "total": self.total, "grade": self.grade, "outcome": self.outcome,
                "reason": self.reason, "findings": [f.to_json() for f in self.findings]}


def points(ed: PreassessEdition, dim: Dimension, mark: float | str) -> float:
    """An expert's mark in points: a number as given, a grade as the share it stands for."""
    return dim.weight * ed.share_of_grade(mark) if isinstance(mark, str) else float(mark)


def assess(ed: PreassessEdition, sheet: Sheet, fingerprint: str = "") -> PreassessResult:
    """The experts' mean per dimension, its grade, the total, and the outcome with its reason.
    The sheet must be complete (every expert marks every dimension, within its weight): intake
    refuses anything else, so nothing here guesses a missing mark."""
    dims = []
    for d in ed.dimensions:
        marks = [points(ed, d, e.marks[d.name]) for e in sheet.experts]
        mean = round_half_up(sum(marks) / len(marks))
        grade = ed.grade_of_share(mean / d.weight)
        shown = "、".join(f"{e.expert} {m:g}" for e, m in zip(sheet.experts, marks))
        dims.append(DimensionResult(d.name, d.weight, marks, mean, grade,
                                    f"{shown}，平均 {mean:.2f} 分（满分 {d.weight:g}，得分率 {mean / d.weight:.2%}），{grade}"))
    totals = [round_half_up(sum(points(ed, d, e.marks[d.name]) for d in ed.dimensions)) for e in sheet.experts]
    total = round_half_up(sum(x.score for x in dims))
    grade = ed.grade_of_share(total / ed.total)
    vetoed = [x.name for x in dims if x.name in ed.veto and x.grade == "差"]
    if vetoed:
        outcome = ed.outcomes[-1].outcome
        reason = f"{'、'.join(vetoed)}评为“差”，不论总分（{total:.2f} 分），结论为{outcome}"
    else:
        band = next(b for b in ed.outcomes if total >= b.at_least - EDGE)
        outcome, reason = band.outcome, f"总分 {total:.2f} 分，{band.says}"
    findings = []
    if len(sheet.experts) < ed.min_experts:
        findings.append(finding("P_FEW_EXPERTS", f"评估专家 {len(sheet.experts)} 人，少于 {ed.min_experts} 人", sheet.source,
                                severity="提示"))
    for x in dims:
        spread = max(x.by_expert) - min(x.by_expert)
        if len(x.by_expert) > 1 and spread > 0.3 * x.weight + EDGE:
            findings.append(finding("P_EXPERTS_DISAGREE", f"专家评分相差 {spread:g} 分，超过该维度权重的30%，建议复议",
                                    sheet.source, x.name, severity="提示"))
    return PreassessResult(ed.id, sheet, [e.expert for e in sheet.experts], dims, totals, total, grade, outcome, reason,
                           findings, fingerprint)


EXAMPLE_EDITION = {
    "id": "example/1", "kind": "preassessment", "name": "示例", "edition": "1",
    "dimensions": [{"name": "立项必要性", "weight": 50}, {"name": "投入经济性", "weight": 50}],
    "grades": [{"grade": "优", "at_least": 0.9, "stands_for": 0.95}, {"grade": "良", "at_least": 0.8, "stands_for": 0.85},
               {"grade": "中", "at_least": 0.6, "stands_for": 0.7}, {"grade": "差", "at_least": 0, "stands_for": 0.3}],
    "outcomes": [{"outcome": "通过", "at_least": 80, "says": "通过"}, {"outcome": "再评估", "at_least": 60, "says": "再评估"},
                 {"outcome": "不通过", "at_least": 0, "says": "不通过"}],
}
