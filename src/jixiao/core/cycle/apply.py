"""结果应用: an evaluation's grade (and the project's type) → next year's budget advice.

The table (``apply.yaml``, kind ``apply``) is data: each row names a grade, optionally a project
type (连续性 / 分期实施 / 一次性), the advice, the change to next year's budget as a share (−0.1 for a
10% cut; None where the advice is not a figure), whether 整改 is required, and its sources. A row
for a type wins over the grade's general row. :func:`advise` never acts on a budget — it returns
advice for the budget division — and the finance bureau may override it, with a reason.

>>> t = ApplyTable.model_validate(EXAMPLE_TABLE)
>>> a = advise(t, "中", "连续性", budget=200.0)
>>> a.advice, a.change, a.next_budget, a.rectify
('核减', -0.1, 180.0, True)
>>> advise(t, "中", "连续性", budget=200.0, override=("保障", "上级配套资金要求全额安排")).advice
'保障'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from jixiao.core.cycle.common import Quote

TYPES = ("连续性", "分期实施", "一次性")


class AdviceRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    grade: Literal["优", "良", "中", "差"]
    type: Literal["连续性", "分期实施", "一次性"] | None = None  # None: any type
    advice: str
    says: str
    change: float | None = None  # share of this year's budget, −0.1 = cut by 10%; None: not a figure
    rectify: bool = False
    source: list[Quote] = Field(default_factory=list)


class ApplyTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Literal["apply"]
    name: str
    edition: str
    extends: str = ""
    source: str = ""
    checked: str = ""
    rows: list[AdviceRow]
    rectify_text: list[Quote] = Field(default_factory=list)
    override_text: list[Quote] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> ApplyTable:
        seen = set()
        for r in self.rows:
            if (r.grade, r.type) in seen:
                raise ValueError(f"“{r.grade}”{'（' + r.type + '）' if r.type else ''} 出现两次")
            seen.add((r.grade, r.type))
            if r.change is not None and not -1 <= r.change <= 1:
                raise ValueError(f"“{r.grade}”的 change 应在 −1 到 1 之间（−0.1 表示核减 10%）")
        for g in ("优", "良", "中", "差"):
            if not all((g, t) in seen for t in TYPES) and (g, None) not in seen:
                raise ValueError(f"“{g}”须有一条不限项目类型的通用规则，或为三类项目各设一条")
        return self

    def row(self, grade: str, type_: str | None) -> AdviceRow:
        for r in self.rows:
            if r.grade == grade and type_ is not None and r.type == type_:
                return r
        for r in self.rows:
            if r.grade == grade and r.type is None:
                return r
        raise KeyError(grade)


@dataclass
class Advice:
    grade: str
    type: str | None
    advice: str
    says: str
    change: float | None
    rectify: bool
    budget: float | None = None
    next_budget: float | None = None  # this year's budget × (1 + change), when both are known
    rule: AdviceRow | None = None
    overridden: str = ""  # the bureau's reason, when it overrode the table
    table_advice: str = ""  # what the table said, when overridden
    sources: list[Quote] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"grade": self.grade, "type": self.type, "advice": self.advice, "says": self.says, "change": self.change,
                "rectify": self.rectify, "budget": self.budget, "next_budget": self.next_budget,
                "overridden": self.overridden or None, "table_advice": self.table_advice or None,
                "sources": [q.source for q in self.sources]}


def advise(table: ApplyTable, grade: str, type_: str | None = None, budget: float | None = None,
           override: tuple[str, str] | None = None) -> Advice:
    """The advice for one project. ``override`` is (advice, reason): the bureau's decision, which
    needs a reason and is kept beside what the table said."""
    if grade not in ("优", "良", "中", "差"):
        raise ValueError(f"评价等级“{grade}”应为 优、良、中、差 之一")
    if type_ is not None and type_ not in TYPES:
        raise ValueError(f"项目类型“{type_}”应为 {'、'.join(TYPES)} 之一")
    row = table.row(grade, type_)
    nxt = None if budget is None or row.change is None else round(budget * (1 + row.change), 6)
    a = Advice(grade, type_, row.advice, row.says, row.change, row.rectify, budget, nxt, row, sources=list(row.source))
    if override is not None:
        advice, reason = override
        if not (reason or "").strip():
            raise ValueError("调整结果应用建议须写明理由")
        a.table_advice, a.advice, a.overridden = row.advice, advice, reason.strip()
        a.says = f"财政部门调整为“{advice}”（原建议“{row.advice}”）：{reason.strip()}"
        a.change = a.next_budget = None
    return a


EXAMPLE_TABLE = {
    "id": "example/1", "kind": "apply", "name": "示例", "edition": "1",
    "rows": [{"grade": "优", "advice": "优先保障", "says": "优先保障"}, {"grade": "良", "advice": "保障", "says": "保障"},
             {"grade": "中", "advice": "核减", "says": "核减10%", "change": -0.1, "rectify": True},
             {"grade": "差", "advice": "取消或暂停", "says": "取消或暂停", "change": -1, "rectify": True}],
}
