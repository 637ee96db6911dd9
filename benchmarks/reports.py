"""Benchmark of many reports: ``jixiao report --batch`` over N department cases (DOCX + PDF).

The cases are the seed (examples/shenzhen-sibao-2020) with its figures varied per case (budgets,
spending, counts, quarterly rates, judgements), so every report has its own text, table and chart.
The whole batch runs in one ``build()`` call — the same path as ``jixiao report --batch``. With
``--pdf-engine typst`` (the default) Typst lays out the PDFs and the reports are written in worker
processes, one per core; with ``--pdf-engine libreoffice`` one LibreOffice run converts each share
of DOCX files, up to one per core at a time, while Python drafts the next.

The baseline is measured in the same run: the first ``--baseline`` cases one at a time, each with
its own LibreOffice start (the path one ``jixiao report --pdf-engine libreoffice`` per case takes,
and the batch took before shares and before Typst). The run prints the load average, wall and CPU
time per report for both, and the ratio.

    python3 benchmarks/reports.py [--reports 200] [--baseline 10] [--pdf-engine typst|libreoffice]
                                  [--formats docx,pdf] [--keep OUT]

On a shared 2-core machine the wall time depends on the load printed first; run it at full size
once, not in a loop. ``--reports 16 --baseline 2`` takes a few minutes under load, and the CPU a
report compares runs better than the wall time does; ``--formats docx`` measures the Python side
alone. CPU is this process's and its children's (LibreOffice, or the Typst batch's worker
processes, and ``pdftotext``), each counted once the child has ended.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
SEED = ROOT / "examples" / "shenzhen-sibao-2020" / "case.yaml"


def variant(text: str, rng: random.Random, k: int) -> str:
    """The seed with its figures moved: a different but valid case."""
    def money(m: re.Match) -> str:
        v = float(m.group(2)) * rng.uniform(0.85, 1.15)
        return f"{m.group(1)}{v:.2f}"

    text = re.sub(r"(\n  (?:政府采购计划金额|实际政府采购金额|日常公用经费决算数|三公经费实际支出数|调整预算数): \{value: )([\d.]+)",
                  money, text)
    text = text.replace("按时完成项目数: {value: 38", f"按时完成项目数: {{value: {rng.randint(30, 39)}")
    text = text.replace("四季度预算执行率: {value: 98.49%", f"四季度预算执行率: {{value: {rng.uniform(85, 101):.2f}%")
    if rng.random() < 0.3:
        text = text.replace("管理制度执行: {met: true", "管理制度执行: {met: false")
    text = re.sub(r"\nstated:\n(  .*\n)+", "\n", text)  # varied figures no longer match the seed's text
    return text.replace("subject: 深圳市社会保险基金管理局（局本级）", f"subject: 深圳市社会保险基金管理局（局本级）样例{k:03d}")


def cpu_times() -> tuple[float, float]:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def timed(run) -> tuple[float, float, float]:
    """Wall time, this process's CPU and its children's CPU of ``run()``."""
    before = cpu_times()
    started = time.perf_counter()
    run()
    wall = time.perf_counter() - started
    after = cpu_times()
    return wall, after[0] - before[0], after[1] - before[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=200)
    ap.add_argument("--baseline", type=int, default=10, help="cases reported one at a time, one LibreOffice start each")
    ap.add_argument("--formats", default="docx,pdf")
    ap.add_argument("--pdf-engine", default="typst", choices=("typst", "libreoffice"), help="the batch's PDF engine")
    ap.add_argument("--keep", type=Path, default=None, help="write the reports here instead of a temp folder")
    args = ap.parse_args()

    from jixiao.intake.case import load_case
    from jixiao.reports import office
    from jixiao.reports.build import Job, build, parse_formats

    formats = parse_formats(args.formats)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; cores: {os.cpu_count()}; "
          f"LibreOffice runs or report workers at a time: {office.workers()}")
    rng = random.Random(13)
    seed = SEED.read_text(encoding="utf-8")
    n, k = args.reports, min(args.baseline, args.reports)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cases = []
        for i in range(n):
            path = tmp / f"case{i:03d}.yaml"
            path.write_text(variant(seed, rng, i), encoding="utf-8")
            cases.append((path, *load_case(path)))

        def one_by_one():
            for path, case, fw in cases[:k]:
                build([Job(case, fw)], tmp / "baseline" / path.stem, formats, "libreoffice")

        base = timed(one_by_one) if k else (0.0, 0.0, 0.0)
        out = args.keep or tmp / "out"
        jobs = [Job(case, fw, folder=path.stem) for path, case, fw in cases]
        wall, cpu_py, cpu_lo = timed(lambda: build(jobs, out, formats, args.pdf_engine))
        written = sum(1 for _ in Path(out).rglob("report.*"))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if k:
        print(f"baseline, {k} reports one at a time, LibreOffice ({args.formats}): {base[0] / k:.2f} s a report "
              f"(CPU: Python {base[1] / k:.2f} s, LibreOffice {base[2] / k:.2f} s)")
    children = "worker processes" if args.pdf_engine == "typst" else "LibreOffice"
    print(f"batch, {n} reports, {args.pdf_engine} ({args.formats}), {written} files: wall {wall:.1f} s = "
          f"{wall / n:.2f} s a report (CPU: this process {cpu_py / n:.2f} s, {children} {cpu_lo / n:.2f} s)")
    if k:
        print(f"ratio baseline / batch: {base[0] / k / (wall / n):.2f}× faster")
    print(f"goal 0.5 s a report: {'met' if wall / n < 0.5 else 'not met'}")

if __name__ == "__main__":
    main()
