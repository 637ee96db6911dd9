"""``jixiao batch monitor`` and ``jixiao batch monitor-synth``: monitoring lights for a whole
province's projects at once (see :mod:`jixiao.batch.monitoring` and ``docs/cycle.md``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from jixiao.cli import fail
from jixiao.core.errors import InvalidInput, Problem


def register(batch: typer.Typer) -> None:
    @batch.command("monitor")
    def monitor(
        table: Annotated[Path, typer.Argument(help="监控长表：Parquet 或 CSV，每行一个项目资金行或绩效指标（见 docs/cycle.md）")],
        framework: Annotated[str, typer.Option("--framework", "-f", help="预警规则版本编号或文件")] = "national-monitoring/2019",
        engine: Annotated[str, typer.Option("--engine", "-e", help="计算引擎：polars（默认）、duckdb、scalar（逐行参照）")] = "polars",
        out: Annotated[Path | None, typer.Option("--out", "-o", help="写出每盏灯（Parquet）")] = None,
        top: Annotated[int, typer.Option("--top", help="列出红灯项目最多的主管部门数")] = 10,
    ) -> None:
        """为一批监控表亮灯，按主管部门列出红灯项目。"""
        from jixiao.batch.monitoring import ENGINES, read_table, red_by_department
        from jixiao.intake.cycle import load_edition

        if engine not in ENGINES:
            fail(InvalidInput("参数有误", [Problem("E-BATCH-ARG", f"--engine 只能是 {'、'.join(ENGINES)}，实际为“{engine}”")]))
        try:
            ed = load_edition(framework, "monitoring")
            df = read_table(table)
        except InvalidInput as exc:
            fail(exc)
        start = time.perf_counter()
        lit = ENGINES[engine](ed, df)
        seconds = time.perf_counter() - start
        if out is not None:
            from jixiao.batch.output import staged_file

            try:
                with staged_file(out) as tmp:
                    lit.write_parquet(tmp)
            except OSError as exc:
                fail(InvalidInput("无法写出亮灯结果", [Problem("E-BATCH-WRITE", f"无法写入：{exc.strerror or exc}", str(out))]))
        console = Console(width=160)
        counts = dict(lit.group_by("灯").len().iter_rows())
        forms = df["表号"].n_unique()
        console.print(f"{ed.name}（{ed.id}）：{forms:,} 份监控表、{len(lit):,} 盏灯，引擎 {engine}，用时 {seconds:.2f} 秒")
        console.print("　".join(f"{k} {counts.get(k, 0):,}" for k in ("红", "黄", "绿", "蓝", "未判断")))
        red = red_by_department(lit).head(top)
        t = Table(title="红灯项目按主管部门", title_justify="left")
        for col in ("主管部门", "项目数", "预警数", "项目（前 5 个）"):
            t.add_column(col)
        for dept, n, k, projects in red.iter_rows():
            t.add_row(str(dept), f"{n:,}", f"{k:,}", "、".join(projects[:5]) + ("……" if len(projects) > 5 else ""))
        console.print(t)

    @batch.command("monitor-synth")
    def monitor_synth(
        out: Annotated[Path, typer.Option("--out", "-o", help="输出的长表（.parquet 或 .csv）")],
        forms: Annotated[int, typer.Option("--forms", "-n", help="监控表份数")] = 1000,
        seed: Annotated[int, typer.Option("--seed", help="随机种子")] = 0,
    ) -> None:
        """生成合成的监控长表（每份：项目资金一行、绩效指标四行）。"""
        from jixiao.batch.monitoring import synth

        if forms < 1:
            fail(InvalidInput("参数有误", [Problem("E-BATCH-ARG", "--forms 至少为 1")]))
        from jixiao.batch.output import staged_file

        df = synth(forms, seed)
        try:
            with staged_file(out) as tmp:
                df.write_csv(tmp) if out.suffix.lower() == ".csv" else df.write_parquet(tmp)
        except OSError as exc:
            fail(InvalidInput("无法写出长表", [Problem("E-BATCH-WRITE", f"无法写入：{exc.strerror or exc}", str(out))]))
        print(f"已写出 {out}：{forms:,} 份监控表，{len(df):,} 行")
