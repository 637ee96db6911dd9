"""``jixiao score``, ``jixiao frameworks`` and ``jixiao check-framework``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from jixiao.cli import fail, warn
from jixiao.core.engine import evaluate
from jixiao.core.errors import InvalidInput
from jixiao.core.evaluation import STATUS_TEXT, Evaluation
from jixiao.core.numbers import fmt_points, round_half_up
from jixiao.frameworks import editions


def table(e: Evaluation) -> Table:
    t = Table(title=f"{e.subject} {e.year} 年度 · {e.framework_name}（{e.framework}）", show_lines=False,
              title_justify="left")
    t.add_column("指标", no_wrap=True)
    t.add_column("分值", justify="right")
    t.add_column("得分", justify="right")
    t.add_column("评分说明", overflow="fold")
    for r in e.results:
        name = "　" * (r.level - 1) + r.name
        style = "bold" if r.level == 1 else ("" if r.level == 3 else "cyan")
        note = r.trace if r.level == 3 else ("" if r.status == "scored" else STATUS_TEXT[r.status])
        if r.status == "not_scorable":
            note = f"[red]{note}[/red]"
        t.add_row(f"[{style}]{name}[/{style}]" if style else name, fmt_points(r.weight), r.shown(), note)
    t.add_section()
    t.add_row("[bold]合计[/bold]", fmt_points(sum(r.weight for r in e.level(1))), f"[bold]{round_half_up(e.total):.2f}[/bold]",
              f"{STATUS_TEXT[e.status]}" + (f"；等级：{e.grade}" if e.grade else ""))
    return t


def register(app: typer.Typer) -> None:
    @app.command()
    def score(
        case: Path = typer.Argument(..., help="案例文件（YAML、JSON 或 XLSX）"),
        framework: Optional[str] = typer.Option(None, "--framework", "-f", help="指标体系编号或文件，默认用案例中指定的"),
        format: str = typer.Option("table", "--format", help="输出格式：table 或 json"),
    ) -> None:
        """为一个部门或项目评分，并说明每一分的得失。"""
        from jixiao.intake.case import load_case

        if format not in ("table", "json"):
            print(f"错误：--format 只能是 table 或 json，实际为“{format}”", file=__import__("sys").stderr)
            raise typer.Exit(2)
        from jixiao.cli.cycle import cycle_kind_of, show  # target, monitoring and 事前评估 forms

        if (kind := cycle_kind_of(case)) is not None:
            return show(case, kind, framework, format)
        from jixiao.intake.form import looks_like_form  # a project self-evaluation form has its own path

        if looks_like_form(case):
            from jixiao.cli.form import show_form

            return show_form(case, framework, format)
        try:
            c, fw = load_case(case, framework)
        except InvalidInput as exc:
            fail(exc)
        warn(c.warnings)
        e = evaluate(fw, c)
        if format == "json":
            print(json.dumps(e.to_json(), ensure_ascii=False, indent=2))
        else:
            console = Console(width=160)
            console.print(table(e))
            console.print(f"指标体系版本指纹：{e.edition_hash[:16]}；得分按四舍五入保留两位小数显示，合计由未舍入得分相加。")
        if e.status != "scored":
            # The total is not final: say so on stderr and exit 3, so no script takes it for a score.
            missing = [r.name for r in e.results if r.status == "not_scorable"]
            print(f"注意：{len(missing)} 个指标无法评分（{'、'.join(missing)}），合计不完整", file=__import__("sys").stderr)
            raise typer.Exit(3)

    @app.command("frameworks")
    def list_frameworks() -> None:
        """列出随附的指标体系版本。"""
        from jixiao.intake.framework import load_framework

        t = Table(title="随附的指标体系")
        for col in ("编号", "名称", "版本", "末级指标数", "指纹"):
            t.add_column(col)
        for ref in editions():
            fw = load_framework(ref)
            t.add_row(ref, fw.name, fw.edition, str(len(fw.leaves())), fw.fingerprint()[:12])
        from jixiao.intake.form import form_editions, load_form_framework  # project self-evaluation forms

        for ref in form_editions():
            ff = load_form_framework(ref)
            t.add_row(ref, ff.name, ff.edition, "按表", ff.fingerprint()[:12])
        from jixiao.intake.cycle import KINDS, cycle_editions, fingerprint, load_edition  # the cycle's editions

        for ref, kind in cycle_editions():
            ed = load_edition(ref, kind)
            t.add_row(ref, ed.name, ed.edition, KINDS[kind][1], fingerprint(ed)[:12])
        Console(width=160).print(t)

    @app.command("check-framework")
    def check_framework(path: str = typer.Argument(..., help="指标体系文件或随附版本编号")) -> None:
        """检查一个指标体系文件，列出全部错误。"""
        from jixiao.intake.framework import load_framework
        from jixiao.intake.form import form_editions, load_form_framework

        from jixiao.intake.cycle import KINDS, fingerprint, kind_of_ref, load_edition

        if (kind := kind_of_ref(path)) is not None:  # a target, monitoring, 事前评估 or 结果应用 edition
            try:
                ed = load_edition(path, kind)
            except InvalidInput as exc:
                fail(exc)
            return print(f"通过：{ed.name}（{ed.id}，{KINDS[kind][1]}），指纹 {fingerprint(ed)[:16]}")
        if path in form_editions() or Path(path).name == "form.yaml":  # a project-form edition
            try:
                ff = load_form_framework(path)
            except InvalidInput as exc:
                fail(exc)
            return print(f"通过：{ff.name}（{ff.id}，项目自评表，总分 {ff.total:g}），指纹 {ff.fingerprint()[:16]}")
        try:
            fw = load_framework(path)
        except InvalidInput as exc:
            fail(exc)
        print(f"通过：{fw.name}（{fw.id}，{len(fw.leaves())} 个末级指标，总分 {fw.total:g}），指纹 {fw.fingerprint()[:16]}")
