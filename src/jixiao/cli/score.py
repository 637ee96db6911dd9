"""``jixiao score``, ``jixiao frameworks`` and ``jixiao check-framework``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jixiao.cli import fail, warn
from jixiao.core.edition import DEPARTMENT, PROJECT_FORM
from jixiao.core.errors import InvalidInput
from jixiao.core.evaluation import STATUS_TEXT, Evaluation
from jixiao.core.numbers import fmt_points, round_half_up


def table(e: Evaluation) -> Table:
    # Every text from a case or a framework is escaped: “[/]” or “[red]x[/red]” in a subject or an
    # evidence is the user's text, not rich markup (it would crash or vanish otherwise).
    t = Table(title=escape(f"{e.subject} {e.year} 年度 · {e.framework_name}（{e.framework}）"), show_lines=False,
              title_justify="left")
    t.add_column("指标", no_wrap=True)
    t.add_column("分值", justify="right")
    t.add_column("得分", justify="right")
    t.add_column("评分说明", overflow="fold")
    for r in e.results:
        name = escape("　" * (r.level - 1) + r.name)
        style = "bold" if r.level == 1 else ("" if r.level == 3 else "cyan")
        note = escape(r.trace if r.level == 3 else ("" if r.status == "scored" else STATUS_TEXT[r.status]))
        if r.status == "not_scorable":
            note = f"[red]{note}[/red]"
        t.add_row(f"[{style}]{name}[/{style}]" if style else name, fmt_points(r.weight), r.shown(), note)
    t.add_section()
    t.add_row("[bold]合计[/bold]", fmt_points(sum(r.weight for r in e.level(1))), f"[bold]{round_half_up(e.total):.2f}[/bold]",
              escape(f"{STATUS_TEXT[e.status]}" + (f"；等级：{e.grade}" if e.grade else "")))
    return t


def register(app: typer.Typer) -> None:
    @app.command()
    def score(
        case: Path = typer.Argument(..., help="案例或自评表文件（YAML、JSON 或 XLSX）"),
        framework: str | None = typer.Option(None, "--framework", "-f", help="指标体系编号或文件，默认用案例中指定的"),
        format: str = typer.Option("table", "--format", help="输出格式：table 或 json"),
    ) -> None:
        """为一个部门或项目评分，并说明每一分的得失（指标体系的种类决定如何评分）。"""
        from jixiao.services.scoring import score_file

        if format not in ("table", "json"):
            print(f"错误：--format 只能是 table 或 json，实际为“{format}”", file=sys.stderr)
            raise typer.Exit(2)
        try:
            scored = score_file(case, framework)
        except InvalidInput as exc:
            fail(exc)
        warn(scored.warnings)
        from jixiao.cli.cycle import CYCLE_KINDS, show

        if scored.kind in CYCLE_KINDS:  # target, monitoring and 事前评估: by their edition's kind
            return show(scored, format)
        if scored.kind == PROJECT_FORM:
            from jixiao.cli.form import print_form

            return print_form(scored.result, format)
        e = scored.result
        if format == "json":
            print(json.dumps(e.to_json(), ensure_ascii=False, indent=2))
        else:
            console = Console(width=160)
            console.print(table(e))
            console.print(f"指标体系版本指纹：{e.edition_hash[:16]}；得分按四舍五入保留两位小数显示，合计由未舍入得分相加。")
        if e.status != "scored":
            # The total is not final: say so on stderr and exit 3, so no script takes it for a score.
            missing = [r.name for r in e.results if r.status == "not_scorable"]
            print(f"注意：{len(missing)} 个指标无法评分（{'、'.join(missing)}），合计不完整", file=sys.stderr)
            raise typer.Exit(3)

    @app.command("frameworks")
    def list_frameworks() -> None:
        """列出随附的指标体系版本（各种类）。"""
        from jixiao.intake.editions import KINDS, REGISTRY

        t = Table(title="随附的指标体系")
        for col in ("编号", "种类", "名称", "版本", "末级指标数", "测试用例", "指纹"):
            t.add_column(col)
        for ed in sorted(REGISTRY.shipped(), key=lambda e: (e.kind != DEPARTMENT, e.kind, e.id)):
            leaves = str(len(ed.framework.leaves())) if hasattr(ed.framework, "leaves") else "按表"
            cases = str(len((ed.tests or {}).get("cases") or [])) if ed.tests else "—"
            t.add_row(ed.id, KINDS[ed.kind].label, ed.name, ed.edition, leaves, cases, ed.hash[:12])
        Console(width=170).print(t)

    @app.command("check-framework")
    def check_framework(path: str = typer.Argument(..., help="指标体系文件、版本文件夹或随附版本编号")) -> None:
        """检查一个指标体系文件（任何种类），列出全部错误。"""
        from jixiao.intake.editions import KINDS, load_edition

        try:
            ed = load_edition(path)
        except InvalidInput as exc:
            fail(exc)
        fw = ed.framework
        # Only the kinds that score have a size and a full score; the cycle's rule sets may have neither.
        size = f"{len(fw.leaves())} 个末级指标，" if hasattr(fw, "leaves") else ""
        total = f"总分 {fw.total:g}" if isinstance(getattr(fw, "total", None), (int, float)) else ""
        about = f"（{ed.id}，{size}{total}）" if size or total else f"（{ed.id}）"
        tests = f"；测试用例 {len((ed.tests or {}).get('cases') or [])} 个" if ed.tests else ""
        print(f"通过：{ed.name}{about}；种类：{KINDS[ed.kind].label}{tests}；指纹 {ed.hash[:16]}")

    @app.command("test-framework")
    def test_framework(path: str = typer.Argument(..., help="指标体系文件、版本文件夹或随附版本编号")) -> None:
        """运行指标体系旁的 tests.yaml：逐条显示通过或未通过及差异；有未通过的退出码为 1。"""
        from jixiao.intake.editions import load_edition
        from jixiao.services.testing import run_tests

        try:
            ed = load_edition(path)
            outcomes = run_tests(ed)
        except InvalidInput as exc:
            fail(exc)
        failed = 0
        for o in outcomes:
            if o.passed:
                print(f"通过  {o.name}")
                continue
            failed += 1
            print(f"未通过  {o.name}")
            for d in o.differences:
                print(f"    {d}")
        print(f"{ed.id}（{ed.tests_source}）：{len(outcomes)} 个用例，通过 {len(outcomes) - failed} 个，未通过 {failed} 个")
        if failed:
            raise typer.Exit(1)
