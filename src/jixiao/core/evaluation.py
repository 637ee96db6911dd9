"""The result of scoring one case: a versioned, immutable record that round-trips through JSON.

Every indicator at every level, with how its points were won: the steps (points available, won,
lost, and the Chinese sentence) and the facts its rule read, with their values. The evaluation
carries what it was scored with (framework id, edition, content hash) and every warning about the
case, intake's included. ``Evaluation.from_json(e.to_json()) == e`` for every evaluation; the JSON
Schema of the record is :func:`json_schema` (published as ``docs/schema/evaluation.schema.json``).

Scores are kept unrounded. :func:`jixiao.core.numbers.round_half_up` is applied only when shown.

>>> from jixiao.core.rules.base import Step
>>> r = IndicatorResult("甲.乙", "乙", 2, "甲", 2.0, 1.5, "scored", (Step("扣 0.5 分", 2.0, 1.5),), facts={"a": 1.0})
>>> e = Evaluation("f", "指标体系", "2020", "0" * 64, "某单位", 2020, 1.5, "scored", "差", (r,))
>>> Evaluation.from_json(e.to_json()) == e, e.to_json()["indicators"][0]["steps"][0]["lost"]
(True, 0.5)
"""

from __future__ import annotations

import json
from dataclasses import field
from typing import Any, Literal

from pydantic import ConfigDict, Field, TypeAdapter, computed_field, field_serializer, field_validator
from pydantic.dataclasses import dataclass

from jixiao.core.errors import Problem, ProblemJSON
from jixiao.core.numbers import round_half_up
from jixiao.core.rules.base import Step

SCHEMA_VERSION = 1  # raised when a field changes meaning; adding a field keeps it

# not_applicable: a form's row marked “/” or 不适用, which its edition drops or keeps (never a miss).
Status = Literal["scored", "not_scorable", "incomplete", "not_applicable"]
STATUS_TEXT = {"scored": "已评分", "not_scorable": "无法评分", "incomplete": "部分指标无法评分", "not_applicable": "不适用"}

# A fact as the rule read it: a number, yes/no, a level or text, or absent.
FactValue = bool | int | float | str | None

RECORD = ConfigDict(validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)


@dataclass(frozen=True, config=RECORD)
class IndicatorResult:
    """One indicator of any kind of framework: its place in the tree, score, status, steps and facts."""

    id: str
    name: str
    level: int
    parent: str  # "" at level one (null in JSON)
    weight: float
    score: float | None
    status: Status
    steps: tuple[Step, ...] = ()
    reason: str = ""  # the code of why it could not be scored, e.g. ZERO:调整预算数 (null in JSON when none)
    reason_text: str = ""
    facts: dict[str, FactValue] = field(default_factory=dict)  # facts the rule read, as the case gave them

    @field_validator("parent", "reason", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return "" if v is None else v

    @field_serializer("parent", "reason")
    def _empty_is_null(self, v: str) -> str | None:
        return v or None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def trace(self) -> str:
        """The steps' sentences; without steps, the reason (why it could not be scored)."""
        if self.steps:
            return "；".join(s.text for s in self.steps)
        return self.reason_text

    @computed_field(alias="lost")  # type: ignore[prop-decorator]
    @property
    def lost_steps(self) -> list[dict[str, Any]]:
        """The steps that lost points, largest loss first (the JSON's ``lost``, kept for old readers)."""
        return [{"text": s.text, "points": s.lost} for s in self.losses]

    @property
    def lost(self) -> float:
        return 0.0 if self.score is None else max(0.0, self.weight - self.score)

    @property
    def losses(self) -> list[Step]:
        """The steps where points were lost, largest loss first."""
        return sorted((s for s in self.steps if s.lost > 1e-12), key=lambda s: -s.lost)

    def shown(self) -> str:
        return "—" if self.score is None else f"{round_half_up(self.score):.2f}"


@dataclass(frozen=True, config=RECORD)
class Evaluation:
    """One case scored: what with, whom, every indicator, the total, grade and every warning."""

    framework: str
    framework_name: str
    edition: str
    edition_hash: str
    subject: str
    year: int
    total: float
    status: Status
    grade: str
    results: tuple[IndicatorResult, ...] = Field(alias="indicators")
    warnings: tuple[Problem, ...] = ()
    kind: str = "department"  # the kind of framework: department (部门整体) or project-form
    schema_version: int = SCHEMA_VERSION

    @field_serializer("warnings")
    def _warnings(self, v: tuple[Problem, ...]) -> list[ProblemJSON]:
        return [p.to_json() for p in v]  # every record writes a problem alike (Problem.to_json)

    def __getitem__(self, id_or_name: str) -> IndicatorResult:
        for r in self.results:
            if id_or_name in (r.id, r.name):
                return r
        raise KeyError(id_or_name)

    def level(self, n: int) -> list[IndicatorResult]:
        return [r for r in self.results if r.level == n]

    def children(self, parent_id: str) -> list[IndicatorResult]:
        return [r for r in self.results if r.parent == parent_id]

    def leaves(self) -> list[IndicatorResult]:
        parents = {r.parent for r in self.results}
        return [r for r in self.results if r.id not in parents]

    def losses(self) -> list[IndicatorResult]:
        """Leaves that lost points, largest loss first (the order a report lists problems in)."""
        return sorted((r for r in self.leaves() if r.lost > 1e-12), key=lambda r: -r.lost)

    def to_json(self) -> dict:
        """The record as plain JSON data: what ``jixiao score CASE --format json`` prints (scores unrounded)."""
        return _EVALUATION.dump_python(self, mode="json", by_alias=True)

    @classmethod
    def from_json(cls, data: dict | str | bytes) -> Evaluation:
        """The record back from :meth:`to_json` (or its text); derived keys (trace, lost) are ignored."""
        if isinstance(data, (str, bytes)):
            return _EVALUATION.validate_json(data)
        return _EVALUATION.validate_python(data)


_EVALUATION: TypeAdapter[Evaluation] = TypeAdapter(Evaluation)


def json_schema() -> dict:
    """The JSON Schema of :meth:`Evaluation.to_json`, generated from the record (derived keys read-only)."""
    schema = _EVALUATION.json_schema(mode="serialization", by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "jixiao evaluation"
    schema["description"] = (f"One case scored by jixiao (schema_version {SCHEMA_VERSION}): every indicator with its "
                             "steps and the facts read, the total, the grade, and every warning.")
    return schema


def dumps(e: Evaluation) -> str:
    """The record as JSON text, as ``jixiao score --format json`` prints it."""
    return json.dumps(e.to_json(), ensure_ascii=False, indent=2)
