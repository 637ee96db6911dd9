"""``jixiao batch``: score, check and explain project forms by the million.

* ``jixiao batch score FORMS -o RESULTS [--engine polars|duckdb|spark|scalar]`` writes
  ``RESULTS/lines.parquet`` (one row per line) and ``RESULTS/forms.parquet`` (one per form), and
  ``RESULTS/run.json`` (framework, fingerprint, engine, input, counts);
* ``jixiao batch synth --forms N --seed S -o FORMS.parquet`` writes synthetic forms;
* ``jixiao batch import FILES... -o FORMS.parquet`` turns hand-filled forms (YAML, JSON, XLSX)
  into the long table, each file whole or not at all;
* ``jixiao batch summary RESULTS`` prints grades, totals by region and department, and the forms
  a reviewer must look at, with why;
* ``jixiao batch explain RESULTS --form ID`` prints one form's Chinese trace, written from the
  rules and checked against the reason codes the batch stored.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jixiao.cli import fail
from jixiao.core.errors import InvalidInput, Problem

ENGINES = ("polars", "duckdb", "spark", "scalar")
REVIEW_TEXT = {
    "TOTAL_DIFF": "表列总分与重算不符", "SUM_DIFF": "表列总分不等于各项之和", "SCORE_DIFF": "某行表列得分与重算不符",
    "EXEC_NO_REASON": "执行率未达要求且未说明原因", "REASON_MISSING": "未得满分且未填偏差原因",
    "QUAL_OUT_OF_BAND": "定性评分超出档次区间", "OVERSHOOT": "完成值远超指标值（偏离度）",
    "NOT_SCORABLE": "缺数据或预算数为 0，无法评分", "WEIGHT_SUM": "分值合计不符",
    "FUND_SUM": "年度资金总额与其中各项之和不符", "TOTAL_ABOVE_MAX": "总分超过满分",
    "EDITION_YEAR": "表的年度早于指标体系版本", "BUDGET_CHANGE_NO_REASON": "年中预算调整未说明理由",
    "DOUBLE_COUNT": "同一笔未执行预算重复扣分",
}


def _err(message: str, code: str = "E-BATCH-ARG", where: str = "") -> None:
    fail(InvalidInput("参数有误", [Problem(code, message, where)]))


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"),
                    TimeElapsedColumn(), console=console, transient=False, disable=not console.is_terminal)


def register(app: typer.Typer) -> None:
    batch = typer.Typer(help="批量评分：项目支出绩效自评表，按百万份计。", no_args_is_help=True)
    app.add_typer(batch, name="batch")
    from jixiao.cli import cycle_batch  # monitoring lights at scale

    cycle_batch.register(batch)

    @batch.command("score")
    def score(
        forms: Path = typer.Argument(..., help="长表：Parquet 或 CSV，每行一条（资金/定量/定性/合计），以 表单编号 归属各表"),
        out: Path = typer.Option(..., "--out", "-o", help="结果目录：写入 lines.parquet、forms.parquet、run.json"),
        engine: str = typer.Option("polars", "--engine", "-e", help="计算引擎：polars（默认）、duckdb、spark、scalar（逐行参照）"),
        framework: str = typer.Option("national-project/2020", "--framework", "-f", help="项目自评表指标体系编号或文件"),
        master: str = typer.Option("local[2]", "--master", help="--engine spark 时的 Spark master URL"),
    ) -> None:
        """为一批自评表评分，写出逐行与逐表结果。"""
        from jixiao.batch.io import read_batch
        from jixiao.batch.plan import plan_for
        from jixiao.intake.form import load_form_framework

        if engine not in ENGINES:
            _err(f"--engine 只能是 {'、'.join(ENGINES)}，实际为“{engine}”")
        console = Console(stderr=True)
        started = time.perf_counter()
        try:
            fw = load_form_framework(framework)
            # The Polars engine checks the values in its one pass over the rows (the same refusals).
            batch_in = read_batch(forms, check=engine != "polars")
        except InvalidInput as exc:
            fail(exc)
        plan = plan_for(fw)
        if out.exists() and not out.is_dir():
            _err(f"--out 应为结果目录，而“{out}”是一个文件；请换一个目录名", where=str(out))
        from jixiao.batch.output import staged

        # Written into a staging folder and moved into place whole: an interrupted or failed run
        # leaves the old results (or nothing) behind.
        try:
            with staged(out) as stage:
                lines_path, forms_path = stage / "lines.parquet", stage / "forms.parquet"
                with console.status(f"正在用 {engine} 评分……"):
                    _score(engine, plan, batch_in.frame, lines_path, forms_path, master,
                           None if batch_in.checked else batch_in.source)
                elapsed = time.perf_counter() - started
                counts = _counts(forms_path)
                meta = {"framework": fw.id, "edition_hash": fw.fingerprint(), "engine": engine,
                        "input": str(forms.resolve()), "elapsed_seconds": round(elapsed, 3), **counts}
                (stage / "run.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        except InvalidInput as exc:
            fail(exc)
        except KeyboardInterrupt:
            print(f"已中断：结果目录 {out} 未改动。", file=sys.stderr)
            raise typer.Exit(130) from None
        except OSError as exc:
            fail(InvalidInput("无法写出结果", [Problem("E-BATCH-WRITE", f"无法写入结果目录：{exc.strerror or exc}；"
                                                                        "请检查磁盘空间和写权限", str(out))]))
        for note in batch_in.notes:
            print(f"提示：{note}", file=sys.stderr)
        print(f"已评分 {counts['forms']:,} 份自评表（{counts['lines']:,} 行），用时 {elapsed:.2f} 秒（{engine}）；"
              f"需复核 {counts['review']:,} 份。结果在 {out}/")

    @batch.command("synth")
    def synth_cmd(
        forms: int = typer.Option(..., "--forms", "-n", min=1, help="自评表份数"),
        seed: int = typer.Option(0, "--seed", "-s", help="随机种子（同一种子得同一批数据）"),
        out: Path = typer.Option(..., "--out", "-o", help="输出文件：.parquet 或 .csv"),
        mistakes: float = typer.Option(0.1, "--mistakes", min=0.0, max=1.0, help="植入一处错误的表所占比例"),
    ) -> None:
        """生成合成的自评表长表（含各类运算符、单位、定性行、缺数、零预算、超额完成和植入的错误）。"""
        from jixiao.batch.synth import synth

        if out.suffix.lower() not in (".parquet", ".csv"):
            _err(f"输出文件须以 .parquet 或 .csv 结尾，实际为“{out.name}”", where=str(out))
        from jixiao.batch.output import staged_file

        df = synth(forms, seed, mistakes)
        try:
            with staged_file(out) as tmp:
                if out.suffix.lower() == ".csv":
                    import polars as pl

                    df.with_columns(pl.col(c).cast(pl.String) for c, t in df.schema.items()
                                    if isinstance(t, pl.Enum)).write_csv(tmp)
                else:
                    df.write_parquet(tmp, compression="lz4")  # reads fastest; any Parquet reader takes it
        except OSError as exc:
            fail(InvalidInput("无法写出长表", [Problem("E-BATCH-WRITE", f"无法写入：{exc.strerror or exc}", str(out))]))
        seeded = df.filter(df["seeded"].is_not_null())["seeded"].value_counts(sort=True)
        share = seeded["count"].sum() / forms
        print(f"已生成 {forms:,} 份自评表（{df.height:,} 行）到 {out}；植入错误 {seeded['count'].sum():,} 份（{share:.1%}）："
              + "、".join(f"{k} {v:,}" for k, v in seeded.iter_rows()))

    @batch.command("import")
    def import_cmd(
        files: list[Path] = typer.Argument(..., help="自评表文件（YAML、JSON 或按自评表排版的 XLSX），可多个"),
        out: Path = typer.Option(..., "--out", "-o", help="输出的长表：.parquet 或 .csv"),
        framework: str | None = typer.Option(None, "--framework", "-f", help="项目自评表指标体系（默认取各表所写）"),
        skip_bad: bool = typer.Option(False, "--skip-bad", help="有误的文件跳过（列出问题），其余照常导入"),
    ) -> None:
        """把逐份填写的自评表转为批量评分用的长表；每个文件要么整份导入，要么整份不导入。"""
        from jixiao.batch.importer import import_forms

        if out.suffix.lower() not in (".parquet", ".csv"):
            _err(f"输出文件须以 .parquet 或 .csv 结尾，实际为“{out.name}”", where=str(out))
        if any(f.resolve() == out.resolve() for f in files):
            _err(f"输出文件“{out}”与输入文件相同；请另选输出文件名", where=str(out))
        try:
            done = import_forms(files, framework)
        except InvalidInput as exc:  # the framework named by --framework
            fail(exc)
        for path, problems in done.refused:
            print(f"未导入 {path}（{len([p for p in problems if not p.is_warning])} 处错误）：", file=sys.stderr)
            for p in problems:
                print(f"  {'警告' if p.is_warning else '错误'} {p}", file=sys.stderr)
        for w in done.warnings:
            print(f"警告 {w}", file=sys.stderr)
        if done.refused and not skip_bad:
            fail(InvalidInput("有自评表无法导入", [Problem(
                "E-BATCH-IMPORT", f"{len(done.refused)} 个文件有误，未写出长表；请按上面所列更正，或加 --skip-bad 只导入无误的文件",
                str(out))]))
        if not done.taken:
            fail(InvalidInput("没有可导入的自评表", [Problem("E-BATCH-IMPORT", "所有文件都有误，未写出长表", str(out))]))
        from jixiao.batch.output import staged_file

        try:
            with staged_file(out) as tmp:
                if out.suffix.lower() == ".csv":
                    done.frame.write_csv(tmp)
                else:
                    done.frame.write_parquet(tmp)
        except OSError as exc:
            fail(InvalidInput("无法写出长表", [Problem("E-BATCH-WRITE", f"无法写入：{exc.strerror or exc}", str(out))]))
        print(f"已导入 {len(done.taken):,} 份自评表（{done.frame.height:,} 行）到 {out}"
              + (f"；跳过 {len(done.refused)} 个有误的文件" if done.refused else ""))

    @batch.command("summary")
    def summary(
        results: Path = typer.Argument(..., help="jixiao batch score 的结果目录"),
        top: int = typer.Option(20, "--top", help="列出需复核的前若干份"),
        review_out: Path | None = typer.Option(None, "--review-out", help="把需复核清单写到 CSV 或 Parquet"),
    ) -> None:
        """汇总：等级分布、按地区与主管部门的合计、需复核的自评表及原因。"""
        from jixiao.batch.summary import read_forms, summarise

        console = Console(width=160)
        try:
            with _progress(Console(stderr=True)) as progress:
                forms = read_forms(results, progress)
        except InvalidInput as exc:
            fail(exc)
        s = summarise(forms)
        _print_summary(console, s, top)
        if review_out is not None:
            from jixiao.batch.output import staged_file

            review = s.review
            try:
                with staged_file(review_out) as tmp:
                    if review_out.suffix.lower() == ".csv":
                        review.write_csv(tmp)
                    else:
                        review.write_parquet(tmp)
            except OSError as exc:
                fail(InvalidInput("无法写出需复核清单", [Problem("E-BATCH-WRITE", f"无法写入：{exc.strerror or exc}",
                                                          str(review_out))]))
            console.print(f"需复核清单已写入 {review_out}（{review.height:,} 份）")

    @batch.command("explain")
    def explain(
        results: Path = typer.Argument(..., help="jixiao batch score 的结果目录"),
        form: str = typer.Option(..., "--form", help="表单编号"),
        forms: Path | None = typer.Option(None, "--forms", help="原始长表（默认取 run.json 记录的输入）"),
    ) -> None:
        """按需写出一份自评表的中文评分说明（由各行原因代码与规则生成）。"""
        from jixiao.batch.explain import explain_form
        from jixiao.cli.form import form_table

        try:
            r, mismatches = explain_form(results, form, forms)
        except InvalidInput as exc:
            fail(exc)
        console = Console(width=170)
        console.print(form_table(r))
        for x in r.review:
            console.print(f"  · 需复核：{escape(str(x))}")
        if mismatches:
            for m in mismatches:
                print(f"警告：{m}", file=sys.stderr)
            raise typer.Exit(1)
        console.print("各行原因代码与批量结果一致。")


def _score(engine: str, plan, lf, lines_path: Path, forms_path: Path, master: str,
           unchecked: str | None = None) -> None:
    if engine == "polars":
        from jixiao.batch import polars_engine

        polars_engine.write(plan, lf, lines_path, forms_path, unchecked=unchecked)
    elif engine == "duckdb":
        from jixiao.batch import duckdb_engine

        duckdb_engine.write(plan, lf, lines_path, forms_path)
    elif engine == "spark":
        from jixiao.batch import spark_engine

        spark_engine.write(plan, lf, lines_path, forms_path, master)
    else:
        from jixiao.batch import scalar
        from jixiao.batch.io import write_parquet

        lines, forms = scalar.run(plan, lf)
        write_parquet(lines, lines_path)
        write_parquet(forms, forms_path)


def _counts(forms_path: Path) -> dict:
    import polars as pl

    lf = pl.scan_parquet(forms_path if forms_path.is_file() else forms_path / "*.parquet")
    row = lf.select(pl.len().alias("forms"), pl.col("行数").sum().alias("lines"),
                    pl.col("需复核").sum().alias("review")).collect().row(0, named=True)
    return {k: int(v or 0) for k, v in row.items()}


def _print_summary(console: Console, s, top: int) -> None:
    console.print(f"[bold]共 {s.forms:,} 份自评表[/bold]，已评分 {s.scored:,} 份，部分无法评分 {s.forms - s.scored:,} 份；"
                  f"需复核 {s.review.height:,} 份（{s.review.height / max(s.forms, 1):.1%}）。")
    t = Table(title="等级分布", title_justify="left")
    for col in ("等级", "份数", "占比"):
        t.add_column(col, justify="right" if col != "等级" else "left")
    for grade, n in s.grades:
        t.add_row(grade, f"{n:,}", f"{n / max(s.forms, 1):.1%}")
    console.print(t)
    for title, frame in (("按地区", s.by_region), ("按主管部门（前 20）", s.by_department.head(20))):
        t = Table(title=title, title_justify="left")
        for i, col in enumerate(frame.columns):
            t.add_column(col, justify="left" if i == 0 else "right")
        for row in frame.iter_rows():
            t.add_row(*[_cell(v) for v in row])
        console.print(t)
    t = Table(title="需复核的原因", title_justify="left")
    for col in ("代码", "说明", "份数"):
        t.add_column(col)
    for code, n in s.reasons:
        t.add_row(code, REVIEW_TEXT.get(code, code), f"{n:,}")
    console.print(t)
    if s.review.height:
        t = Table(title=f"需复核的自评表（前 {min(top, s.review.height)} 份）", title_justify="left")
        for col in ("表单编号", "地区", "主管部门", "重算总分", "表列总分", "等级", "复核原因"):
            t.add_column(col)
        for row in s.review.head(top).iter_rows(named=True):
            reasons = "、".join(REVIEW_TEXT.get(c, c) for c in (row["复核原因"] or "").split(",") if c)
            t.add_row(str(row["表单编号"]), str(row["地区"] or ""), str(row["主管部门"] or ""), _cell(row["重算总分"]),
                      _cell(row["表列总分"]), str(row["等级"] or "—"), reasons)
        console.print(t)


def _cell(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.2f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)
