"""``jixiao db apply``: 结果应用 — next year's budget advice for every evaluated unit and project.

Registered on the ``jixiao db`` group (``jixiao.cli.db``); the advice is computed by
:mod:`jixiao.store.apply` from the store and the edition's rule table, and changes nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jixiao.cli import db as _db
from jixiao.cli.db import DatabaseOpt, DataOpt, db_app


@db_app.command("apply")
def apply_cmd(
    year: int = typer.Option(..., "--year", help="评价年度（建议针对下一年度预算）"),
    table_ref: str = typer.Option("national-apply/2020", "--table", help="结果应用规则（版本编号或文件）"),
    final_only: bool = typer.Option(False, "--final-only", help="只列财政已审（终审）的评价"),
    output: Path | None = typer.Option(None, "-o", "--output", help="导出为 Excel 工作簿（.xlsx），供预算处使用"),
    format: str = typer.Option("table", "--format", help="table 或 json"),
    database: str | None = DatabaseOpt,
    data: Path | None = DataOpt,
) -> None:
    """结果应用：按评价等级（与项目类型）列出每个单位、每个项目下一年度的预算安排建议。"""
    from jixiao.cli import fail
    from jixiao.core.errors import InvalidInput

    if format not in ("table", "json"):
        print(f"错误：--format 应为 table 或 json，实际为“{format}”", file=sys.stderr)
        raise typer.Exit(2)
    if output is not None and output.suffix.lower() != ".xlsx":
        print(f"错误：导出文件“{output}”应以 .xlsx 结尾", file=sys.stderr)
        raise typer.Exit(2)
    _db.connect(database, data)
    from jixiao.store import apply
    from jixiao.store.models import Evaluation

    try:
        table = apply.load_table(table_ref)
    except InvalidInput as exc:
        fail(exc)
    rows = apply.advice(Evaluation.objects.all(), year, table, final_only)
    if output is not None:
        apply.write_xlsx(rows, year, table, output)
    if format == "json":
        print(json.dumps({"year": year, "table": table.id, "rows": [r.to_json() for r in rows],
                          "summary": apply.summary(rows)}, ensure_ascii=False, indent=2))
        return
    c = Console(width=180)
    if not rows:
        c.print(f"{year} 年度没有已评分的部门整体或项目自评{'（终审）' if final_only else ''}。")
        return
    t = Table(title=f"{year} 年度评价结果应用：{year + 1} 年度预算安排建议（{table.id}）", title_justify="left")
    for col in ("单位", "名称", "类型", "状态", "等级", "项目类型", "建议", "本年预算", "下年建议数", "整改"):
        t.add_column(col, overflow="fold", justify="right" if col in ("本年预算", "下年建议数") else "left")
    for r in rows:
        ev = r.evaluation
        money = f" {r.money_unit}"
        t.add_row(escape(f"{ev.unit.code} {ev.unit.name}"), escape(ev.title), r.kind, r.state, r.grade or "—",
                  r.type or "—", escape(r.advice + (f"（财政调整，原建议：{r.table_advice}）" if r.decision else "")), "—" if r.budget is None else f"{r.budget:,.2f}{money}",
                  "—" if r.next_budget is None else f"{r.next_budget:,.2f}{money}", "须整改" if r.rectify else "")
    c.print(t)
    for s in apply.summary(rows):
        c.print(f"{s['advice']}：{s['count']} 项，本年预算 {s['budget']:,.2f} {s['money_unit']}"
                + (f"，下年建议 {s['next_budget']:,.2f} {s['money_unit']}" if s["count"] > s["unknown"] + s["no_figure"] else "")
                + (f"（{s['unknown']} 项预算数未知）" if s["unknown"] else "")
                + (f"（{s['no_figure']} 项规则未给出数额）" if s["no_figure"] else ""))
    if output is not None:
        c.print(f"已导出：{output}")


@db_app.command("decide")
def decide_cmd(
    evaluation: int = typer.Argument(..., help="评价编号（jixiao db apply --format json 中的 id）"),
    advice: str = typer.Option(..., "--advice", help="调整后的建议，须为结果应用规则中的一类（如 保障、核减）"),
    reason: str = typer.Option(..., "--reason", help="调整理由（必填，记入审计日志）"),
    table_ref: str = typer.Option("national-apply/2020", "--table", help="结果应用规则（版本编号或文件）"),
    database: str | None = DatabaseOpt,
    data: Path | None = DataOpt,
) -> None:
    """财政部门调整一项评价的结果应用建议（须写明理由；规则表的建议保留在旁）。"""
    from jixiao.cli import fail
    from jixiao.core.errors import InvalidInput

    _db.connect(database, data)
    from jixiao.store import apply

    try:
        table = apply.load_table(table_ref)
    except InvalidInput as exc:
        fail(exc)
    d = _db.run(lambda: apply.decide(actor=None, evaluation=evaluation, advice=advice, reason=reason, table=table))
    print(f"已调整：评价 {evaluation}（{d.evaluation.title} {d.evaluation.year}）的建议由“{d.table_advice}”改为“{d.advice}”")


@db_app.command("rectify")
def rectify_cmd(
    year: int | None = typer.Option(None, "--year", help="来源评价的年度"),
    status: str | None = typer.Option(None, "--status", help="open（整改中）、reported（已报送结果）或 closed（已销号）"),
    overdue: bool = typer.Option(False, "--overdue", help="只列已逾期未销号的"),
    output: Path | None = typer.Option(None, "-o", "--output", help="导出为 Excel 工作簿（.xlsx）"),
    database: str | None = DatabaseOpt,
    data: Path | None = DataOpt,
) -> None:
    """整改事项清单：问题、要求、责任单位、期限、整改结果与结论，逾期的标出。"""
    from jixiao.store.models import Rectification

    if status is not None and status not in Rectification.Status.values:
        print(f"错误：--status 应为 open、reported 或 closed，实际为“{status}”", file=sys.stderr)
        raise typer.Exit(2)
    if output is not None and output.suffix.lower() != ".xlsx":
        print(f"错误：导出文件“{output}”应以 .xlsx 结尾", file=sys.stderr)
        raise typer.Exit(2)
    _db.connect(database, data)
    from jixiao.store import rectify

    items = list(rectify.filtered(rectify.visible(None), year=year, status=status, overdue_only=overdue))
    table_rows = rectify.rows(items)
    if output is not None:
        rectify.write_xlsx(table_rows, output)
    c = Console(width=180)
    if not items:
        c.print("没有符合条件的整改事项。")
        return
    t = Table(title=f"整改事项（{len(items)} 项）", title_justify="left")
    for col in ("编号", "责任单位", "来源评价", "问题", "整改要求", "期限", "状态", "整改结果", "结论"):
        t.add_column(col, overflow="fold")
    for r in table_rows:
        t.add_row(str(r[0]), escape(f"{r[1]} {r[2]}"), escape(f"{r[3]}（{r[4]}）"), escape(r[6]), escape(r[7]),
                  r[8] + ("（逾期）" if r[10] else ""), r[9], escape(r[11] or "—"), r[12] or "—")
    c.print(t)
    if output is not None:
        c.print(f"已导出：{output}")


@db_app.command("monitor-import")
def monitor_import(
    files: list[Path] = typer.Argument(..., help="运行监控表文件（.yaml 或 .json）"),
    unit: str = typer.Option(..., "--unit", help="单位编码"),
    database: str | None = DatabaseOpt,
    data: Path | None = DataOpt,
) -> None:
    """保存运行监控表（同一项目同一期间为新版本），列出各灯与须填写纠偏措施的指标。"""
    from jixiao.core.errors import InvalidInput

    _db.connect(database, data)
    from jixiao.intake.documents import read_document
    from jixiao.store import monitoring, scoring
    from jixiao.store.errors import from_invalid_input
    from jixiao.store.models import Unit

    target = Unit.objects.filter(code=unit).first()
    if target is None:
        _db._err(f"找不到单位“{unit}”；请先用 jixiao db unit {unit} 名称 添加")
        raise typer.Exit(2)
    failed = 0
    for f in files:
        try:
            document = scoring.plain(read_document(f).data)
        except InvalidInput as exc:
            e = from_invalid_input(exc, f.name)
            _db._err(e.message, e.problems)
            failed += 1
            continue
        try:
            ev, v = _db.run(lambda d=document, name=f.name: monitoring.save(actor=None, unit=target, document=d,
                                                                           source=name))
        except typer.Exit:
            failed += 1
            continue
        counts = monitoring.light_counts(ev)
        lights = "，".join(f"{c}灯 {n}" for c, n in counts.items() if n)
        print(f"{'已保存' if v else '未变'}：{f} → 评价 {ev.id}（{ev.title} {ev.year}）第 {ev.current} 版，{ev.grade}；{lights}")
        for b in monitoring.blockers(ev):
            print(f"  须填写纠偏措施：{b.get('indicator') or '项目资金'}（送审前）")
    if failed:
        raise typer.Exit(2)


@db_app.command("monitor-map")
def monitor_map(
    year: int = typer.Option(..., "--year", help="年度"),
    database: str | None = DatabaseOpt,
    data: Path | None = DataOpt,
) -> None:
    """某年度各运行监控表的红黄绿蓝灯数，按主管部门，红灯多的在前。"""
    _db.connect(database, data)
    from jixiao.store import monitoring

    rows = monitoring.light_map(None, year)
    c = Console(width=180)
    if not rows:
        c.print(f"{year} 年度没有运行监控表。")
        return
    t = Table(title=f"{year} 年度运行监控预警（{len(rows)} 份）", title_justify="left")
    for col in ("主管部门", "单位", "项目 · 期间", "红", "黄", "绿", "蓝", "红灯指标", "状态"):
        t.add_column(col, overflow="fold", justify="right" if col in monitoring.LIGHTS else "left")
    for r in rows:
        ev = r.evaluation
        t.add_row(escape(r.dept), escape(ev.unit.name), escape(ev.title), *[str(r.counts[x]) for x in monitoring.LIGHTS],
                  escape("、".join(r.reds) or "—"), ev.get_state_display())
    c.print(t)


def register(app: typer.Typer) -> None:
    """Nothing to add at the top level: the command sits in the ``db`` group, imported with this module."""
