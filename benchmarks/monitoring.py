"""Benchmark of monitoring lights at scale: 1,000,000 synthetic monitoring forms (a funds row and
four indicators each: 5,000,000 rows), lit by the national edition's light trees.

Each columnar engine (Polars, DuckDB) runs in a fresh process over the same Parquet file — read,
light every row, list the red projects by 主管部门 — and reports wall time, CPU time and peak memory.
The scalar walker (the single-form rule trees, row by row) runs on a sample of the same forms in
the same run; the per-form ratio to it is printed. The engines' lights on the sample must equal
the scalar walker's, or the run stops.

    python3 benchmarks/monitoring.py [--forms 1000000] [--sample 2000] [--edition national-monitoring/2019]

The machine's load is printed first: on a shared machine the wall times depend on it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def peak_mb() -> int:
    with open("/proc/self/status") as status:  # VmHWM: this process's own peak (ru_maxrss carries a parent's)
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) // 1024


def child(engine: str, table: str, edition: str, sample: int) -> None:
    import polars as pl

    from jixiao.batch.monitoring import ENGINES, read_table, red_by_department
    from jixiao.intake.cycle import load_edition

    ed = load_edition(edition, "monitoring")
    t0, c0 = time.perf_counter(), time.process_time()
    df = read_table(table)
    if engine == "scalar":
        keep = df.select("表号").unique(maintain_order=True).head(sample)
        df = df.filter(pl.col("表号").is_in(keep["表号"].implode()))
        t0, c0 = time.perf_counter(), time.process_time()  # the sample's selection is not the engine's work
    read = time.perf_counter() - t0
    lit = ENGINES[engine](ed, df)
    red = red_by_department(lit)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    forms = df["表号"].n_unique()
    sample_lights = lit.filter(pl.col("表号").is_in([str(i) for i in range(sample)])).sort("表号", "对象", "规则")
    print(json.dumps({"engine": engine, "forms": forms, "rows": df.height, "lights": lit.height, "red_departments": red.height,
                      "read": read, "wall": wall, "cpu": cpu, "peak_mb": peak_mb(),
                      "sample": sample_lights.rows()}, ensure_ascii=False))


def run(engine: str, table: Path, edition: str, sample: int) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", engine, str(table), edition, str(sample)],
                          capture_output=True, text=True, check=False)
    if proc.returncode:
        raise SystemExit(f"{engine} 失败：\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=1_000_000)
    ap.add_argument("--sample", type=int, default=2000)
    ap.add_argument("--edition", default="national-monitoring/2019")
    a = ap.parse_args()
    from jixiao.batch.monitoring import synth

    print(f"负载（1/5/15 分钟）：{os.getloadavg()}；CPU 核数：{os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="jixiao-bench-mon-") as tmp:
        table = Path(tmp) / "monitoring.parquet"
        t = time.perf_counter()
        synth(a.forms, seed=7).write_parquet(table)
        print(f"生成 {a.forms:,} 份监控表（{table.stat().st_size / 1e6:.1f} MB Parquet）：{time.perf_counter() - t:.1f} s")
        results = {e: run(e, table, a.edition, a.sample) for e in ("scalar", "polars", "duckdb")}
    scalar = results["scalar"]
    per_scalar = scalar["wall"] / scalar["forms"]
    print(f"\n{'引擎':<8}{'份数':>11}{'行数':>12}{'读取 s':>9}{'合计 s':>9}{'CPU s':>9}{'峰值 MB':>9}{'每份 µs':>10}{'对标量':>10}")
    for e, r in results.items():
        if e != "scalar" and r["sample"] != scalar["sample"]:
            raise SystemExit(f"{e} 在样本上的亮灯结果与标量引擎不同：不计时间")
        per = r["wall"] / r["forms"]
        print(f"{e:<8}{r['forms']:>11,}{r['rows']:>12,}{r['read']:>9.2f}{r['wall']:>9.2f}{r['cpu']:>9.2f}{r['peak_mb']:>9}"
              f"{per * 1e6:>10.2f}{per_scalar / per:>9.0f}×")
    print(f"\n样本 {scalar['forms']:,} 份上三个引擎的亮灯逐行一致；红灯项目分布在 {results['polars']['red_departments']} 个主管部门。")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        main()
