"""``jixiao report``: the evaluation report (DOCX, PDF, HTML, Markdown) and the scoring sheet (XLSX).

One case writes its files straight into OUTDIR; several cases (given on the command line or by
``--batch``) each get a folder under OUTDIR. PDFs are laid out by Typst (``--pdf-engine typst``,
the default; a batch writes its reports in one worker process per core) or converted from the
DOCX by LibreOffice (``--pdf-engine libreoffice``, one start for a whole share of PDFs).
Exit status: 0 done, 2 a case or an option is wrong (nothing written), 3 the PDF could not be made
— LibreOffice missing or failed, or no Chinese font for Typst — (nothing written).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer

from jixiao.core.errors import InvalidInput, Problem
from jixiao.core.numbers import round_half_up
from jixiao.intake import limits
from jixiao.intake.yamlio import decode, read_bytes

CASE_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
GENERIC_STEMS = {"case", "案例", "facts", "input"}


def batch_cases(path: Path) -> list[Path]:
    """The case files a ``--batch`` names: every case file under a folder, or the paths listed in a
    text file (one a line, ``#`` starts a comment, relative to the list's folder)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix.lower() in CASE_SUFFIXES and p.is_file()
                      and not any(part.startswith(".") for part in p.relative_to(path).parts))
    if not path.exists() and not path.is_symlink():
        raise InvalidInput("批量清单不存在", [Problem("E-IN-BATCH", f"找不到 --batch 指定的文件或文件夹“{path}”", str(path))])
    # A list names case files, one a line: its size is checked before a byte is read, and a
    # device or FIFO (a link to /dev/zero) is refused by name, as every other file jixiao reads.
    text = decode(read_bytes(path, limits.TEXT_BYTES), str(path))
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            p = Path(line)
            out.append(p if p.is_absolute() else path.parent / p)
    return out


def folder_names(paths: list[Path]) -> list[str]:
    """A distinct, readable folder per case: its file name, or its folder's name for case.yaml."""
    names = []
    for p in paths:
        stem = p.stem
        names.append(p.parent.name if stem.lower() in GENERIC_STEMS and p.parent.name else stem)
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if names.count(n) > 1:
            seen[n] = seen.get(n, 0) + 1
            n = f"{n}-{seen[n]}"
        out.append(n)
    return out


def cycle_job(path: Path, framework: str | None, folder: str, formats: list[str]):
    """A 事前绩效评估 sheet or a 绩效目标申报表, read, scored and drafted (a CycleJob); None for a case.

    The one reader reads the file and the edition it names tells its kind; a file it cannot read
    is left to the case reader below, which says what is wrong with it as it always has."""
    from jixiao.reports import cycle_docs
    from jixiao.services import scoring

    try:
        doc, edition, warnings = scoring.read(path, framework)
    except (InvalidInput, OSError):
        return None
    if edition.kind not in cycle_docs.KINDS:
        return None
    scored = scoring.evaluate(doc, edition, warnings)
    job = cycle_docs.CycleJob.of(scored, folder)
    bad = cycle_docs.check_formats(job, formats, str(path))
    if bad:
        raise InvalidInput("输出格式有误", bad)
    cycle_docs.draft(job)  # a section without text is refused here, before anything is written
    return job


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        cases: list[Path] | None = typer.Argument(None, help="案例文件（YAML、JSON 或 XLSX），可给多个"),
        output: Path = typer.Option(..., "--output", "-o", help="输出目录；出错时保持原样"),
        format: str = typer.Option("docx,pdf,html,md,xlsx", "--format", help="输出格式，逗号分隔：docx,pdf,html,md,xlsx"),
        framework: str | None = typer.Option(None, "--framework", "-f", help="指标体系编号或文件，默认用案例中指定的"),
        batch: Path | None = typer.Option(None, "--batch", help="批量：案例文件夹，或每行一个案例路径的清单文件"),
        pdf_engine: str = typer.Option("typst", "--pdf-engine",
                                       help="PDF 排版引擎：typst（默认，无需 LibreOffice）或 libreoffice（由 DOCX 转换）"),
    ) -> None:
        """起草绩效评价报告（DOCX、PDF、HTML、Markdown）和评分表（XLSX），数字均由事实计算；
        事前绩效评估评分表生成评估报告，绩效目标申报表生成打印版式（DOCX、PDF、XLSX）。"""
        from jixiao.cli import fail, warn
        from jixiao.intake.case import read_case
        from jixiao.intake.editions import load_edition
        from jixiao.reports import cycle_docs
        from jixiao.reports.build import ENGINES, Job, build, parse_formats
        from jixiao.reports.compose import check_narrative
        from jixiao.reports.edition_outline import outline_of
        from jixiao.reports.office import OfficeError

        started = time.perf_counter()
        try:
            formats = parse_formats(format)
        except ValueError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            raise typer.Exit(2) from None
        engine = pdf_engine.strip().lower()
        if engine not in ENGINES:
            print(f"错误：--pdf-engine 只能是 {'、'.join(ENGINES)}，实际为“{pdf_engine}”", file=sys.stderr)
            raise typer.Exit(2)
        paths = list(cases or [])
        try:
            if batch is not None:
                paths += batch_cases(batch)
        except InvalidInput as exc:
            fail(exc)
        if not paths:
            print("错误：请给出案例文件，或用 --batch 指定案例文件夹或清单", file=sys.stderr)
            raise typer.Exit(2)
        several = len(paths) > 1 or batch is not None
        names = folder_names(paths) if several else [""]
        jobs, problems = [], []
        cycle_jobs: list = []
        for path, name in zip(paths, names):
            try:
                cycle = cycle_job(path, framework, name, formats)
            except InvalidInput as exc:
                problems += [p if p.where else Problem(p.code, p.message, str(path), p.indicator) for p in exc.problems]
                continue
            if cycle is not None:
                cycle_jobs.append(cycle)
                continue
            try:
                c, fw, fw_file = read_case(path, framework)
                plan = outline_of(load_edition(fw_file))  # cached: the edition read_case loaded
            except InvalidInput as exc:
                problems += [p if p.where else Problem(p.code, p.message, str(path), p.indicator) for p in exc.problems]
                continue
            except OSError as exc:
                problems.append(Problem("E-IN-READ", f"无法读取案例文件：{exc.strerror or exc}", str(path)))
                continue
            try:
                check_narrative(c, fw)
            except InvalidInput as exc:
                problems += exc.problems
                continue
            jobs.append(Job(c, fw, folder=name, outline=plan))
        if problems:
            fail(InvalidInput("案例文件有误，未生成任何报告", problems))
        try:
            if jobs:
                build(jobs, output, formats, engine)
            if cycle_jobs:
                cycle_docs.write(cycle_jobs, output, formats)
        except InvalidInput as exc:
            fail(exc)
        except OfficeError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            print(f"未写入任何文件，{output} 保持原样。", file=sys.stderr)
            raise typer.Exit(3) from None
        except OSError as exc:
            print(f"错误：写入“{exc.filename or output}”失败：{exc.strerror or exc}。未写入任何文件，{output} 保持原样。",
                  file=sys.stderr)
            raise typer.Exit(3) from None
        for job in jobs:
            warn(job.warnings)
            where = output / job.folder if job.folder else output
            total = round_half_up(job.evaluation.total) if job.evaluation else 0.0
            unscored = [r.name for r in job.evaluation.results if r.status == "not_scorable"] if job.evaluation else []
            print(f"{job.case.subject} {job.case.year} 年度：总分 {total:.2f}{'（不完整）' if unscored else ''}；已写入 {where}："
                  + "、".join(p.name for p in job.written))
            if unscored:
                print(f"注意：{len(unscored)} 个指标无法评分（{'、'.join(unscored)}），报告中的得分不完整，已在正文中注明",
                      file=sys.stderr)
        for cj in cycle_jobs:
            warn(cj.warnings)
            where = output / cj.folder if cj.folder else output
            print(f"{cycle_docs.summary(cj)}；已写入 {where}：" + "、".join(p.name for p in cj.written))
        print(f"共 {len(jobs) + len(cycle_jobs)} 份报告，用时 {time.perf_counter() - started:.1f} 秒。")
