"""Drafting the report files of one scored case: ``draft(scored, formats) -> {filename: bytes}``.

It calls the reports package's public entry points (:func:`jixiao.reports.build.build`) and
returns the files' bytes, so a caller that is not a command line (the web app, the store) never
deals with folders. Editions of a kind the reports do not cover are refused with a message that
says so.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from jixiao.core.edition import DEPARTMENT
from jixiao.core.errors import InvalidInput, Problem
from jixiao.intake.editions import KINDS
from jixiao.services.scoring import Scored

REPORT_KINDS = (DEPARTMENT,)  # the kinds the report writers know how to draft


def refuse_unreported(kind: str, source: str = "") -> None:
    """Raise a true message when reports cannot be drafted for editions of ``kind``."""
    if kind not in REPORT_KINDS:
        label = KINDS[kind].label if kind in KINDS else kind
        raise InvalidInput("暂不能为此类指标体系起草报告", [Problem(
            "E-IN-KIND", f"评价报告目前只支持{KINDS[DEPARTMENT].label}；这是{label}（kind: {kind}），"
            "请用 jixiao score 查看评分与复核事项", source)])


def draft(scored: Scored, formats: list[str]) -> dict[str, bytes]:
    """The report files of one scored case, by file name (``report.docx``, ``scoring.xlsx``, …).

    ``formats`` as :func:`jixiao.reports.build.parse_formats` returns them. Raises
    :class:`InvalidInput` for a narrative the report cannot use or an edition of another kind, and
    :class:`jixiao.reports.office.OfficeError` when a PDF is wanted and LibreOffice fails."""
    from jixiao.reports.build import Job, build
    from jixiao.reports.compose import check_narrative
    from jixiao.reports.edition_outline import outline_of

    refuse_unreported(scored.kind, scored.edition.source)
    check_narrative(scored.bound, scored.edition.framework)
    # The edition's own outline, as loaded with it: an edition outside the shipped folder (a
    # user's, or one in the store) is not found by its id.
    job = Job(scored.bound, scored.edition.framework, evaluation=scored.result, outline=outline_of(scored.edition))
    with tempfile.TemporaryDirectory(prefix="jixiao-draft-") as tmp:
        out = Path(tmp) / "out"
        build([job], out, formats)
        return {p.name: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
