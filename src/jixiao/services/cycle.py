"""Scoring the cycle's forms through the one entry point (:mod:`jixiao.services.scoring`).

The edition registry (:data:`jixiao.intake.editions.KINDS`) names a ``score(framework, bound)``
for every kind; for the cycle's forms these call the cycle's own functions unchanged — a target
form's 四性审核 (:func:`jixiao.core.cycle.target.review`), a monitoring form's lights
(:func:`jixiao.core.cycle.monitoring.monitor`) and an 事前绩效评估 (:func:`jixiao.core.cycle.preassess.assess`)
— and stamp the result with the edition's content hash, as ``jixiao score`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jixiao.core.model import content_hash

if TYPE_CHECKING:  # pragma: no cover
    from jixiao.core.cycle.monitoring import MonitoringEdition, MonitoringForm, MonitoringResult
    from jixiao.core.cycle.preassess import PreassessEdition, PreassessResult, Sheet
    from jixiao.core.cycle.target import TargetEdition, TargetForm, TargetReview


def score_target(edition: TargetEdition, form: TargetForm) -> TargetReview:
    """Every automatic check, with the history the form carries (历史完成值)."""
    from jixiao.core.cycle.target import review

    return review(edition, form, form.history, content_hash(edition))


def score_monitoring(edition: MonitoringEdition, form: MonitoringForm) -> MonitoringResult:
    from jixiao.core.cycle.monitoring import monitor

    return monitor(edition, form, content_hash(edition))


def score_preassessment(edition: PreassessEdition, sheet: Sheet) -> PreassessResult:
    from jixiao.core.cycle.preassess import assess

    return assess(edition, sheet, content_hash(edition))
