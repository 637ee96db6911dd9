"""The result of scoring one case: every indicator at every level, with how its points were won.

Scores are kept unrounded. :func:`jixiao.core.numbers.round_half_up` is applied only when shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from jixiao.core.numbers import round_half_up
from jixiao.core.rules import Step

Status = Literal["scored", "not_scorable", "incomplete"]
STATUS_TEXT = {"scored": "已评分", "not_scorable": "无法评分", "incomplete": "部分指标无法评分"}


@dataclass
class IndicatorResult:
    id: str
    name: str
    level: int
    parent: str
    weight: float
    score: float | None
    status: Status
    steps: list[Step] = field(default_factory=list)
    reason: str = ""  # the code of why it could not be scored, e.g. ZERO:调整预算数
    reason_text: str = ""
    facts: dict[str, object] = field(default_factory=dict)  # facts the rule read, as the case gave them

    @property
    def trace(self) -> str:
        if self.status == "not_scorable":
            return self.reason_text
        return "；".join(s.text for s in self.steps)

    @property
    def lost(self) -> float:
        return 0.0 if self.score is None else max(0.0, self.weight - self.score)

    @property
    def losses(self) -> list[Step]:
        """The steps where points were lost, largest loss first."""
        return sorted((s for s in self.steps if s.lost > 1e-12), key=lambda s: -s.lost)

    def shown(self) -> str:
        return "—" if self.score is None else f"{round_half_up(self.score):.2f}"


@dataclass
class Evaluation:
    framework: str
    framework_name: str
    edition: str
    edition_hash: str
    subject: str
    year: int
    total: float
    status: Status
    grade: str
    results: list[IndicatorResult]
    warnings: list = field(default_factory=list)

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
        """The stable contract of ``jixiao score --format json`` (scores unrounded)."""
        return {
            "framework": self.framework,
            "edition": self.edition,
            "edition_hash": self.edition_hash,
            "subject": self.subject,
            "year": self.year,
            "total": self.total,
            "status": self.status,
            "grade": self.grade,
            "indicators": [
                {
                    "id": r.id,
                    "name": r.name,
                    "level": r.level,
                    "parent": r.parent or None,
                    "weight": r.weight,
                    "score": r.score,
                    "status": r.status,
                    "trace": r.trace,
                    "reason": r.reason or None,
                    "lost": [{"text": s.text, "points": s.lost} for s in r.losses],
                }
                for r in self.results
            ],
            "warnings": [str(w) for w in self.warnings],
        }
