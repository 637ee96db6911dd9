"""Reports: the evaluation report (DOCX, PDF, HTML, Markdown) and the scoring sheet (XLSX).

Reports read an :class:`~jixiao.core.evaluation.Evaluation`, its case and its framework — never
raw files. :mod:`~jixiao.reports.compose` drafts the text from a template, the case's narrative
and the computed figures; the writers render the same outline in each format;
:mod:`~jixiao.reports.build` writes them all without ever leaving OUTDIR half-written.
See ``docs/reports.md``.
"""
