"""The cycle's printed documents, written as the evaluation report is: the 事前绩效评估报告 (DOCX, PDF,
HTML, Markdown) and the 绩效目标申报表 in its printed layout (DOCX, PDF, XLSX).

A document is drafted from a scored form (the edition, the bound form, the result: what
:class:`jixiao.services.scoring.Scored` holds) before anything is written, so a sheet that lacks a section's text stops
the run with nothing written. Files are written as the report's are: staged on OUTDIR's file
system (:mod:`jixiao.io.staging`), the PDFs converted by one LibreOffice run, then moved in
together; on any error OUTDIR is left as it was.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.core.errors import InvalidInput, Problem
from jixiao.io import staging
from jixiao.reports import docx_writer, html_writer, md_writer, office, preassess_report, target_sheet
from jixiao.reports.build import toc_pages

PREASSESS, TARGET = "preassessment", "target"
FILES = {PREASSESS: {"docx": "report.docx", "pdf": "report.pdf", "html": "report.html", "md": "report.md"},
         TARGET: {"docx": "target.docx", "pdf": "target.pdf", "xlsx": "target.xlsx"}}
LABELS = {PREASSESS: "事前绩效评估报告", TARGET: "绩效目标申报表"}
KINDS = tuple(FILES)


@dataclass
class CycleJob:
    """One scored form to print, and the folder (relative to OUTDIR) its files go to."""

    kind: str  # preassessment or target
    edition: Any  # the edition's model (PreassessEdition, TargetEdition)
    bound: Any  # the form as bound (Sheet, TargetForm)
    result: Any  # PreassessResult, TargetReview
    folder: str = ""
    drafted: Any = None  # a CycleReport or a FormSheet, once drafted
    written: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    decided: dict | None = None  # 事前评估: the conclusion recorded in the store ({结论, 理由})

    @classmethod
    def of(cls, scored: Any, folder: str = "") -> CycleJob:
        """From what the services score (:class:`jixiao.services.scoring.Scored`)."""
        return cls(str(scored.kind), scored.edition.framework, scored.bound, scored.result, folder,
                   warnings=[str(w) for w in scored.warnings])


def draft(job: CycleJob) -> Any:
    """The job's document; :class:`InvalidInput` when the form lacks what it needs (nothing written)."""
    ed, bound, result = job.edition, job.bound, job.result
    if job.kind == PREASSESS:
        job.drafted = preassess_report.draft(ed, result, job.decided)
    elif job.kind == TARGET:
        job.drafted = target_sheet.sheet(ed, bound, getattr(result, "fingerprint", ""))
    else:
        raise InvalidInput("此类表格没有可打印的文书", [Problem(
            "E-REPORT-KIND", f"{job.kind} 类表格暂不能生成文书；可生成的是事前绩效评估报告和绩效目标申报表", str(job.kind))])
    return job.drafted


def formats_for(kind: str, formats: list[str]) -> list[str]:
    return [f for f in formats if f in FILES[kind]]


def check_formats(job: CycleJob, formats: list[str], where: str) -> list[Problem]:
    if formats_for(job.kind, formats):
        return []
    return [Problem("E-REPORT-FORMAT", f"{LABELS[job.kind]}可输出 {'、'.join(FILES[job.kind])}；--format 中没有其中任何一种",
                    where)]


def write(jobs: list[CycleJob], outdir: Path, formats: list[str]) -> list[CycleJob]:
    """Write every job's files under ``outdir`` (drafting those not drafted yet); on any error
    leave ``outdir`` as it was."""
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():  # before drafting: the folder is checked first
        raise staging.output_problem(outdir, "已存在且不是文件夹；请换一个 -o 目录")
    for job in jobs:
        if job.drafted is None:
            draft(job)
    # LibreOffice is looked for before any folder is made: a missing one fails before any work.
    ready = office.soffice if any("pdf" in formats_for(j.kind, formats) for j in jobs) else None
    with staging.output_folder(outdir, files="文书文件", ready=ready) as stage:
        _write_all(jobs, formats, stage.files, stage.scratch)
        for job in jobs:
            base = outdir / job.folder if job.folder else outdir
            job.written = [base / FILES[job.kind][f] for f in formats_for(job.kind, formats)]
    return jobs


def _write_all(jobs: list[CycleJob], formats: list[str], payload: Path, scratch: Path) -> None:
    pending: list[tuple[CycleJob, Path, Any, Path]] = []  # (job, its folder, the open DOCX or None, the copy to convert)
    for k, job in enumerate(jobs):
        target = payload / job.folder if job.folder else payload
        target.mkdir(parents=True, exist_ok=True)
        wanted, files, d = formats_for(job.kind, formats), FILES[job.kind], job.drafted
        if "docx" in wanted or "pdf" in wanted:
            docx = target / files["docx"] if "docx" in wanted else scratch / f"c{k:05d}-only.docx"
            written = None
            if job.kind == PREASSESS:
                written = docx_writer.write(d, docx)
            else:
                docx_writer.write_form(d, docx)
            if "pdf" in wanted:
                copy = scratch / f"c{k:05d}.docx"
                shutil.copyfile(docx, copy)
                pending.append((job, target, written if "docx" in wanted else None, copy))
        if "html" in wanted:
            html_writer.write(d, target / files["html"])
        if "md" in wanted:
            md_writer.write(d, target / files["md"])
        if "xlsx" in wanted:
            target_sheet.write_xlsx(d, target / files["xlsx"])
    if not pending:
        return
    run = office.Conversion([p for *_, p in pending], "pdf", scratch / "pdf")
    try:
        pdfs = run.wait()
    except BaseException:
        run.kill()
        run.cleanup()
        raise
    for (job, target, written, _), pdf in zip(pending, pdfs):
        if written is not None:  # the 目录's page numbers, as LibreOffice laid them out
            written.number(toc_pages(job.drafted, office.pdf_text(pdf, last=4)))
        os.replace(pdf, target / FILES[job.kind]["pdf"])


def render_file(job: CycleJob, fmt: str, target: Path) -> Path:
    """One file of a drafted job, for a caller that serves it (the web app): written in a private
    folder and renamed onto ``target`` whole; a PDF is LibreOffice's, made from the DOCX."""
    import tempfile

    if fmt not in FILES[job.kind]:
        raise ValueError(f"{job.kind} has no {fmt}")
    if job.drafted is None:
        draft(job)
    with tempfile.TemporaryDirectory(prefix="jixiao-doc-") as tmp:
        work = Path(tmp)
        (work / "scratch").mkdir()
        _write_all([job], ["docx", fmt] if fmt == "pdf" else [fmt], work / "out", work / "scratch")
        made = work / "out" / FILES[job.kind][fmt]
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(made, part)
        part.replace(target)  # whole or not at all: a reader never sees half a file
    return target


def summary(job: CycleJob) -> str:
    """What ``jixiao report`` prints for a written job."""
    bound, r = job.bound, job.result
    if job.kind == PREASSESS:
        return f"{bound.project}：事前绩效评估 {r.total:.2f} 分，{r.grade}，{r.outcome}"
    year = f" {bound.year} 年度" if bound.year else ""
    return f"{bound.subject}{year}绩效目标申报表（四性审核发现 {len(r.findings)} 处）"
