"""Benchmark of many reports: ``jixiao report --batch`` over N department cases (DOCX + PDF).

The cases are the seed (examples/shenzhen-sibao-2020) with its figures varied per case (budgets,
spending, counts, quarterly rates, judgements), so every report has its own text, table and chart.
The whole batch runs in one ``build()`` call — the same path as ``jixiao report --batch`` — and
the run prints wall time and CPU time per report, the machine's load, and the ratio to the
reference of ≈ 1.5 s a report (docs/reports.md, 20 reports with all formats, Dec 2026).

    python3 benchmarks/reports.py [--reports 200] [--formats docx,pdf] [--keep OUT]

On a shared 2-core machine the wall time depends on the load printed first; run it at full size
once, not in a loop.
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
REFERENCE = 1.5  # seconds a report before this benchmark existed (docs/reports.md)


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=200)
    ap.add_argument("--formats", default="docx,pdf")
    ap.add_argument("--keep", type=Path, default=None, help="write the reports here instead of a temp folder")
    args = ap.parse_args()

    from jixiao.intake.case import load_case
    from jixiao.reports.build import Job, build, parse_formats

    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; cores: {os.cpu_count()}")
    rng = random.Random(13)
    seed = SEED.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        jobs = []
        for k in range(args.reports):
            path = tmp / f"case{k:03d}.yaml"
            path.write_text(variant(seed, rng, k), encoding="utf-8")
            case, fw = load_case(path)
            jobs.append(Job(case, fw, folder=path.stem))
        out = args.keep or tmp / "out"
        before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        build(jobs, out, parse_formats(args.formats))
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_py = (after[0].ru_utime + after[0].ru_stime) - (before[0].ru_utime + before[0].ru_stime)
        cpu_lo = (after[1].ru_utime + after[1].ru_stime) - (before[1].ru_utime + before[1].ru_stime)
        written = sum(1 for _ in Path(out).rglob("report.*"))
    n = args.reports
    print(f"{n} reports ({args.formats}), {written} files: wall {wall:.1f} s = {wall / n:.2f} s a report; "
          f"CPU: Python {cpu_py / n:.2f} s, LibreOffice {cpu_lo / n:.2f} s a report")
    print(f"ratio to the reference {REFERENCE} s a report: {REFERENCE / (wall / n):.2f}× "
          f"({'faster' if wall / n < REFERENCE else 'slower'}); goal 0.5 s a report")


if __name__ == "__main__":
    main()
