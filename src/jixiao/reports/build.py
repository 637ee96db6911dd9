"""Writing reports: draft each case, write the requested formats, convert to PDF, and only then
move everything into OUTDIR.

A report never half-writes. All files are built in a staging folder beside OUTDIR (same file
system, so the final moves are renames); LibreOffice converts every DOCX of the run in one
start; then the files move into OUTDIR. If anything fails before or during the move, files
already moved are taken back, files they replaced are restored, and OUTDIR is as it was.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import shutil
import signal
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from jixiao.core.engine import evaluate
from jixiao.core.errors import InvalidInput, Problem
from jixiao.core.evaluation import Evaluation
from jixiao.core.facts import Case
from jixiao.core.model import Framework
from jixiao.reports import (
    chart,
    compose,
    docx_writer,
    html_writer,
    md_writer,
    office,
    outline,
    tables,
    xlsx_writer,
)
from jixiao.reports.edition_outline import Outline
from jixiao.reports.figures import Figures

FORMATS = ("docx", "pdf", "html", "md", "xlsx")
# Files one LibreOffice run converts: enough to spread its start (≈ 1.5 s CPU) over many, few
# enough that the first run starts early and no core waits long for a share to be drafted.
SHARE_MIN, SHARE_MAX = 8, 25
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


def build(jobs: list[Job], outdir: Path, formats: list[str]) -> list[Job]:
    """Write every job's files under ``outdir``; on any error leave ``outdir`` as it was."""
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise _output_problem(outdir, "已存在且不是文件夹；请换一个 -o 目录")
    if "pdf" in formats:
        office.soffice()  # fail before any work when LibreOffice is missing
    try:
        made_parents = _make_parents(outdir.parent)
    except OSError as exc:
        raise _output_problem(outdir, f"的上级目录无法创建（{exc.strerror}）；请换一个 -o 目录") from None
    with _terminate_as_exit():
        return _build(jobs, outdir, formats, made_parents)


def _staging(outdir: Path) -> Path:
    """A private folder on the same file system as OUTDIR, so every final move is a rename.

    An existing OUTDIR may be a mount point or a symlink to another file system: the staging
    folder then goes inside it (its parent may be elsewhere). A new OUTDIR is created by
    renaming the staging folder, so that one is staged beside it."""
    if outdir.is_dir():
        try:
            return Path(tempfile.mkdtemp(prefix=".jixiao-", dir=outdir))
        except OSError:
            raise _output_problem(outdir, "不可写；请换一个 -o 目录") from None
    try:
        return Path(tempfile.mkdtemp(prefix=f".{outdir.name or 'out'}.jixiao-", dir=outdir.parent))
    except OSError:
        raise _output_problem(outdir, "所在目录不可写；请换一个 -o 目录") from None


@contextmanager
def _terminate_as_exit():
    """SIGTERM raised as SystemExit (in the main thread), so every ``finally`` below runs: the
    staging folder is removed, LibreOffice is stopped and its profile deleted, OUTDIR kept."""
    def handler(signum, _frame):
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _build(jobs: list[Job], outdir: Path, formats: list[str], made_parents: list[Path]) -> list[Job]:
    staging: Path | None = None
    done = False
    conversions: list[tuple[office.Conversion, list]] = []
    try:
        staging = _staging(outdir)
        payload = staging / "out"
        scratch = staging / "convert"
        payload.mkdir()
        scratch.mkdir()
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
                conversions.pop(0)  # only once finished: an interrupted run must still be stopped below
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
            if "html" in formats:
                html_writer.write(report, target / FILES["html"])
            if "md" in formats:
                md_writer.write(report, target / FILES["md"])
            if "xlsx" in formats:
                xlsx_writer.write(report, target / FILES["xlsx"])
        if ready:
            convert_ready()
        while conversions:
            _finish(conversions[0], payload)
            conversions.pop(0)
        shutil.rmtree(scratch)
        for job in jobs:
            base = outdir / job.folder if job.folder else outdir
            job.written = [base / FILES[f] for f in formats]
            if "md" in formats:
                job.written.append(base / md_writer.CHART)
        _commit(payload, outdir)
        done = True
    finally:
        for conversion, _ in conversions:  # after an error or a signal: stop what still runs
            conversion.kill()
            conversion.cleanup()
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if not done:
            for d in reversed(made_parents):
                try:
                    d.rmdir()
                except OSError:
                    pass
    return jobs


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


def _output_problem(outdir: Path, says: str) -> InvalidInput:
    return InvalidInput("输出目录无法使用", [Problem("E-OUT-DIR", f"输出目录“{outdir}”{says}", str(outdir))])


def _make_parents(path: Path) -> list[Path]:
    made = []
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for p in reversed(missing):
        p.mkdir()
        made.append(p)
    return made


def _commit(payload: Path, outdir: Path) -> None:
    """Move the staged files into ``outdir``; undo every move if one fails. SIGINT and SIGTERM
    wait until the moves are done, so a signal never leaves OUTDIR half old, half new."""
    blocked = hasattr(signal, "pthread_sigmask")
    if blocked:
        old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        _moves(payload, outdir)
    finally:
        if blocked:
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)


def _moves(payload: Path, outdir: Path) -> None:
    if not outdir.exists():
        os.replace(payload, outdir)
        return
    backup = payload.parent / "replaced"
    moved: list[Path] = []
    saved: list[tuple[Path, Path]] = []
    made: list[Path] = []
    try:
        for src in sorted(p for p in payload.rglob("*") if p.is_file()):
            rel = src.relative_to(payload)
            dest = outdir / rel
            for parent in reversed(rel.parents[:-1]):
                d = outdir / parent
                if not d.exists():
                    d.mkdir()
                    made.append(d)
            if dest.exists() or dest.is_symlink():
                if dest.is_dir():
                    raise _output_problem(outdir, f"中的“{rel}”是文件夹，无法用报告文件替换；请换一个 -o 目录")
                keep = backup / rel
                keep.parent.mkdir(parents=True, exist_ok=True)
                os.replace(dest, keep)
                saved.append((keep, dest))
            os.replace(src, dest)
            moved.append(dest)
    except BaseException:
        for dest in reversed(moved):
            dest.unlink(missing_ok=True)
        for keep, dest in reversed(saved):
            os.replace(keep, dest)
        for d in reversed(made):
            try:
                d.rmdir()
            except OSError:
                pass
        raise
