"""Writing reports: draft each case, write the requested formats, convert to PDF, and only then
move everything into OUTDIR.

A report never half-writes. All files are built in a staging folder on OUTDIR's file system
(:mod:`jixiao.io.staging`, so the final moves are renames); then the files move into OUTDIR. If
anything fails before or during the move (an error, Ctrl-C, SIGTERM), LibreOffice or the worker
processes are stopped, files already moved are taken back, files they replaced are restored, OUTDIR
is as it was, and no staging folder or LibreOffice profile is left.

Two PDF engines (``engine``): ``libreoffice`` converts the DOCX files in shares, one LibreOffice
run per share, while Python drafts the next; ``typst`` lays out each report with Typst
(:mod:`typst_writer`), and a batch drafts and writes whole reports in worker processes, one per
core, since then all the work is Python's.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import re
import shutil
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from jixiao.core.engine import evaluate
from jixiao.core.evaluation import Evaluation
from jixiao.core.facts import Case
from jixiao.core.model import Framework
from jixiao.io import staging
from jixiao.reports import (
    chart,
    compose,
    docx_writer,
    html_writer,
    md_writer,
    office,
    outline,
    tables,
    typst_writer,
    xlsx_writer,
)
from jixiao.reports.edition_outline import Outline
from jixiao.reports.figures import Figures

FORMATS = ("docx", "pdf", "html", "md", "xlsx")
# Files one LibreOffice run converts: enough to spread its start (≈ 1.5 s CPU) over many, few
# enough that the first run starts early and no core waits long for a share to be drafted.
SHARE_MIN, SHARE_MAX = 8, 25
ENGINES = ("typst", "libreoffice")
# Fewer reports than this are written in this process: starting the workers (≈ 1 s of CPU each
# to import jixiao) would cost more than they save.
POOL_MIN = 4
FILES = {"docx": "report.docx", "pdf": "report.pdf", "html": "report.html", "md": "report.md", "xlsx": "scoring.xlsx"}


@dataclass
class Report:
    """One case's report, ready for any writer: the outline, its figures and its tables."""

    document: outline.Document
    figures: Figures
    problems: list
    summary: tables.Table
    attachments: list[tables.Table]
    chart: bytes = b""
    review: list[str] = field(default_factory=list)  # narrative sentences the figures contradict

    @property
    def evaluation(self) -> Evaluation:
        return self.figures.ev


def draft(fw: Framework, case: Case, ev: Evaluation | None = None, with_chart: bool = True,
          plan: Outline | None = None) -> Report:
    """Draft the report for one case (scoring it first unless ``ev`` is given), with the edition's
    outline ``plan`` (default: the one shipped beside the framework, else the generic report)."""
    ev = ev or evaluate(fw, case)
    doc, fig, items, review = compose.compose(fw, case, ev, plan)
    report = Report(doc, fig, items, tables.summary_table(ev), [tables.indicator_table(fw, ev)], review=review)
    if with_chart:
        report.chart = chart.render(ev)
    return report


@dataclass
class Job:
    """One case to report on, and the folder (relative to OUTDIR) its files go to."""

    case: Case
    framework: Framework
    folder: str = ""  # "" for a single case: the files go straight into OUTDIR
    evaluation: Evaluation | None = None
    outline: Outline | None = None  # the edition's (edition_outline.load_outline); None: found by id
    written: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_formats(text: str) -> list[str]:
    """``docx,pdf`` → ['docx', 'pdf']; ValueError (Chinese) for anything else."""
    wanted = [f.strip().lower() for f in re.split(r"[,，\s]+", text or "") if f.strip()]
    bad = [f for f in wanted if f not in FORMATS]
    if bad or not wanted:
        raise ValueError(f"--format 只能是 {','.join(FORMATS)} 中的一个或几个（用逗号分隔），实际为“{text}”")
    return [f for f in FORMATS if f in wanted]


def build(jobs: list[Job], outdir: Path, formats: list[str], engine: str = "libreoffice") -> list[Job]:
    """Write every job's files under ``outdir``, PDFs laid out by ``engine`` (one of
    :data:`ENGINES`); on any error leave ``outdir`` as it was."""
    outdir = Path(outdir)
    if engine not in ENGINES:
        raise ValueError(f"--pdf-engine 只能是 {'、'.join(ENGINES)}，实际为“{engine}”")
    typst = engine == "typst" and "pdf" in formats
    # LibreOffice (or Typst's fonts) is looked for once OUTDIR is checked: fails before any work.
    ready = None if "pdf" not in formats else typst_writer.fonts if typst else office.soffice
    conversions: list[tuple[office.Conversion, list]] = []
    with staging.output_folder(outdir, files="报告文件", ready=ready) as stage:
        try:
            if typst:
                _write_typst(jobs, formats, stage.files, stage.scratch)
            else:
                _write_all(jobs, formats, stage.files, stage.scratch, conversions)
        finally:
            for conversion, _ in conversions:  # after an error or a signal: stop what still runs
                conversion.kill()
                conversion.cleanup()
        for job in jobs:
            base = outdir / job.folder if job.folder else outdir
            job.written = [base / FILES[f] for f in formats]
            if "md" in formats:
                job.written.append(base / md_writer.CHART)
    return jobs


def _write_all(jobs: list[Job], formats: list[str], payload: Path, scratch: Path,
               conversions: list[tuple[office.Conversion, list]]) -> None:
    # PDFs are converted in shares, each by one LibreOffice run with its own profile (started
    # once for the share, not per file), up to one run per core at a time: LibreOffice converts
    # the shares already drafted while Python drafts the next.
    workers = office.workers()
    share = min(SHARE_MAX, max(SHARE_MIN, math.ceil(len(jobs) / (2 * workers))))
    ready: list[tuple[Job, Report, Path, object]] = []
    runs = itertools.count()

    def convert_ready():
        while sum(1 for c, _ in conversions if c.proc is not None and c.proc.poll() is None) >= workers:
            _finish(conversions[0], payload)  # at most one LibreOffice run per worker at a time
            conversions.pop(0)  # only once finished: an interrupted run must still be stopped
        outdir_pdf = scratch / f"pdf{next(runs):03d}"
        conversions.append((office.Conversion([p for _, _, p, _ in ready], "pdf", outdir_pdf), list(ready)))
        ready.clear()

    for k, job in enumerate(jobs):
        target = payload / job.folder if job.folder else payload
        target.mkdir(parents=True, exist_ok=True)
        ev = job.evaluation or evaluate(job.framework, job.case)
        job.evaluation = ev
        visual = any(f in formats for f in ("docx", "pdf", "html", "md"))
        report = draft(job.framework, job.case, ev, with_chart=visual, plan=job.outline)
        # What jixiao score says about the case, checked once on intake (stated rates allow for the
        # rounding of the inputs they come from): the evaluation carries it.
        job.warnings += [str(w) for w in ev.warnings]
        job.warnings += [f"叙述与数据不一致：{w}（已列入报告的审阅提示页）" for w in report.review]
        if "docx" in formats or "pdf" in formats:
            docx = target / FILES["docx"] if "docx" in formats else scratch / f"c{k:05d}-only.docx"
            written = docx_writer.write(report, docx)
            if "pdf" in formats:
                link = scratch / f"c{k:05d}.docx"
                shutil.copyfile(docx, link)
                ready.append((job, report, link, written if "docx" in formats else None))
                if len(ready) >= share:
                    convert_ready()
        _write_others(report, formats, target)
    if ready:
        convert_ready()
    while conversions:
        _finish(conversions[0], payload)
        conversions.pop(0)


def _write_others(report: Report, formats: list[str], target: Path) -> None:
    if "html" in formats:
        html_writer.write(report, target / FILES["html"])
    if "md" in formats:
        md_writer.write(report, target / FILES["md"])
    if "xlsx" in formats:
        xlsx_writer.write(report, target / FILES["xlsx"])


def _write_typst(jobs: list[Job], formats: list[str], payload: Path, scratch: Path) -> None:
    """Every report with its PDF laid out by Typst: in worker processes for a batch (one per core,
    ``JIXIAO_OFFICE_WORKERS`` as for LibreOffice), else here."""
    tasks = []
    for k, job in enumerate(jobs):
        job.evaluation = job.evaluation or evaluate(job.framework, job.case)
        target = payload / job.folder if job.folder else payload
        target.mkdir(parents=True, exist_ok=True)
        tasks.append((job, formats, target, scratch / f"t{k:05d}"))
    workers = min(office.workers(), len(jobs))
    if workers < 2 or len(jobs) < POOL_MIN:
        for job, task in zip(jobs, tasks):
            job.warnings += _typst_report(task)
        return
    # Spawned, not forked: Typst's and the BLAS library's threads may run here already, and a
    # forked copy of a thread pool can hang. Each worker imports jixiao once (≈ 1 s of CPU).
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_start)
    try:
        for job, warnings in zip(jobs, pool.map(_typst_report, tasks)):
            job.warnings += warnings
    except BrokenProcessPool:
        _stop(pool)
        raise office.OfficeError("生成报告的子进程意外退出（可能是内存不足），未写入任何文件；"
                                 "请设置环境变量 JIXIAO_OFFICE_WORKERS=1 后重试") from None
    except BaseException:
        _stop(pool)  # after an error or a signal: no worker goes on writing into the stage
        raise
    pool.shutdown(wait=True)


def _stop(pool: ProcessPoolExecutor) -> None:
    stop = getattr(pool, "terminate_workers", None)  # Python 3.14
    if stop is not None:
        stop()
    else:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _worker_start() -> None:
    # Ctrl-C reaches the whole process group: the parent decides, and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    office._die_with_parent()  # a worker never outlives jixiao, even killed by SIGKILL


def _typst_report(task: tuple) -> list[str]:
    """One report (a worker's task): draft it, lay out its PDF with Typst, write the other
    formats; the 目录 page numbers the DOCX shows are the PDF's. Returns the report's warnings."""
    job, formats, target, work = task
    ev = job.evaluation
    visual = any(f in formats for f in ("docx", "pdf", "html", "md"))
    report = draft(job.framework, job.case, ev, with_chart=visual, plan=job.outline)
    warnings = [str(w) for w in ev.warnings]
    warnings += [f"叙述与数据不一致：{w}（已列入报告的审阅提示页）" for w in report.review]
    pages: dict[str, str] = {}
    if "pdf" in formats:
        work.mkdir(parents=True, exist_ok=True)
        pdf = target / FILES["pdf"]
        typst_writer.write(report, pdf, work)
        if "docx" in formats:
            pages = toc_pages(report, office.pdf_text(pdf, last=4))
    if "docx" in formats:
        docx_writer.write(report, target / FILES["docx"], pages)
    _write_others(report, formats, target)
    return warnings


def _finish(conversion: tuple, payload: Path) -> None:
    """Wait for one LibreOffice run; number each DOCX's 目录 from its PDF and stage the PDFs."""
    run, items = conversion
    for (job, report, _, written), pdf in zip(items, run.wait()):
        target = payload / job.folder if job.folder else payload
        if written is not None:
            # The PDF's 目录 was numbered by LibreOffice; Word shows these until it updates.
            written.number(toc_pages(report, office.pdf_text(pdf, last=4)))
        os.replace(pdf, target / FILES["pdf"])


def toc_pages(report: Report, pages: list[str] | None) -> dict[str, str]:
    """The page number LibreOffice printed after each 目录 entry, by the entry's bookmark."""
    if not pages:
        return {}
    entries = [(h.full, h.anchor) for h in report.document.headings(2)]
    entries += [(f"附件{i}　{t.caption}", f"_TocAtt{i}") for i, t in enumerate(report.attachments, 1)]
    lines = [line for page in pages[:4] for line in page.splitlines()]
    found: dict[str, str] = {}
    start = 0
    for text, anchor in entries:
        key = re.sub(r"\s+", "", text)
        for i in range(start, len(lines)):
            flat = re.sub(r"\s+", "", lines[i])
            m = re.search(r"(\d+)$", flat)
            if flat.startswith(key) and m:
                found[anchor] = m.group(1)
                start = i + 1
                break
        else:
            return {}  # an entry not found: let Word compute the numbers instead
    return found
