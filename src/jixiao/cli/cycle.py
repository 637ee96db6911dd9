"""How ``jixiao score`` shows the cycle's forms: a target form's 四性审核, a monitoring form's lights,
an 事前绩效评估's outcome. The file is read, bound and scored by the services, as every kind is
(:func:`jixiao.services.scoring.score_file`); the edition's ``kind`` picks the display here."""

from __future__ import annotations

import datetime as dt
import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jixiao.core.cycle.monitoring import DecisionDeadline
from jixiao.services.scoring import Scored

CYCLE_KINDS = ("target", "monitoring", "preassessment")


def today() -> dt.date:
    """The day a file is scored (a function, so a test can fix it)."""
    return dt.date.today()


def decision_deadline(scored: Scored) -> DecisionDeadline | None:
    """An abnormal form's 处理决定 deadline, counted from today: a file is not stored, so the day it is
    found 异常 is the day it is scored (the store counts from the day the form was first saved 异常).
    A form that already carries its decision has none: when it was made is not on the form."""
    from jixiao.core.cycle.monitoring import decision_deadline as deadline
    from jixiao.io.workdays import is_workday

    ed, r = scored.edition.framework, scored.result
    if r.form.decision in ed.decisions:
        return None
    return deadline(ed.decision_days, ed.decisions, r.status, today(), today(), is_workday)


def show(scored: Scored, format: str) -> None:
    if format == "json":
        out = scored.result.to_json()
        if scored.kind == "monitoring" and scored.edition.framework.decision_days:  # as the form's web page shows it
            d = decision_deadline(scored)
            out["decision_deadline"] = d.to_json() if d is not None else None
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    {"target": show_target, "monitoring": show_monitoring, "preassessment": show_preassessment}[scored.kind](scored)


def show_target(scored: Scored) -> None:
    from jixiao.core.cycle.target import CATEGORIES

    form, ed, r = scored.bound, scored.edition.framework, scored.result
    c = Console(width=160)
    year = f"{form.year} 年度 · " if form.year else ""
    t = Table(title=f"{escape(form.subject)} {year}{ed.name}（{ed.id}）四性审核", title_justify="left")
    for col in ("审核类别", "须修改", "提示", "审核发现"):
        t.add_column(col, overflow="fold")
    for cat, items in r.by_category().items():
        must = sum(1 for f in items if f.severity == "review")  # 须修改; the rest are 提示
        text = "\n".join(escape(f"{f.indicator + '：' if f.indicator else ''}{f.message} [{f.code}]") for f in items) or "无"
        t.add_row(cat, str(must), str(len(items) - must), text)
    c.print(t)
    c.print(f"指标 {len(form.indicators)} 项（{'、'.join(f'{p} {len(form.rows(p))}' for p in ed.periods)}）；"
            f"自动检查 {len(ed.checks)} 项，发现 {len(r.findings)} 处（{'、'.join(f'{k} {len(v)}' for k, v in r.by_category().items() if v) or '无'}）。")
    c.print(f"建议等级：{r.suggested}（依自动检查，不替代审核人员的等级）")
    for o in form.opinions:
        remarks = "；".join(f"{k}：{v}" for k, v in o.remarks.items())
        c.print(f"{o.level}：{o.grade or '未评等级'}{'，' + escape(remarks) if remarks else ''}")
    cons = r.consequence
    who = "审核等级" if r.grade else "按建议等级"
    c.print(f"[bold]{who} {cons.grade}：{cons.consequence}[/bold]（下一步：{cons.next}）")
    if any(f.where for f in r.findings):
        c.print("位置：" + "；".join(escape(f"{f.check} {f.where}") for f in r.findings if f.where))
    c.print(f"审核规则版本指纹：{r.fingerprint[:16]}；四性：{'、'.join(CATEGORIES)}。")


def show_monitoring(scored: Scored) -> None:
    from jixiao.core.cycle.monitoring import LIGHT_STYLE

    form, ed, r = scored.bound, scored.edition.framework, scored.result
    c = Console(width=160)
    t = Table(title=f"{escape(form.project)} {form.year or ''} 年 {form.period_label} · {ed.name}（{ed.id}）", title_justify="left")
    for col in ("对象", "预警规则", "数值", "灯", "说明"):
        t.add_column(col, overflow="fold")
    for lt in r.lights:
        style = LIGHT_STYLE.get(lt.light, "")
        shown = f"[{style}]{lt.light}[/{style}]" if style else lt.light
        t.add_row(escape(lt.subject), escape(lt.rule), lt.shown_value, shown, escape(lt.reason))
    c.print(t)
    c.print(f"结论：{r.status}" + (f"；须在规定时限内作出处理决定（{'、'.join(ed.decisions)}）" if ed.decisions and r.status == "异常" else ""))
    d = decision_deadline(scored)
    if d is not None:
        how = "含尚无法定节假日安排的年份，按周一至周五估算" if d.deadline.estimated else "已计入法定节假日和调休"
        c.print(f"处理期限：[bold]{d.due:%Y-%m-%d}[/bold]（自今日 {d.deadline.start:%Y-%m-%d} 起第 {d.deadline.days} 个工作日，{how}；"
                "入库后自首次保存为异常之日起算）")
    elif ed.decisions and r.status == "异常" and r.form.decision in ed.decisions:
        c.print(f"处理决定：{escape(r.form.decision)}")
    if r.findings:
        c.print(f"[bold]需处理（{len(r.findings)} 项）：[/bold]")
        for f in r.findings:
            c.print(f"  · {escape(str(f))}")
    c.print(f"预警规则版本指纹：{r.fingerprint[:16]}")


def show_preassessment(scored: Scored) -> None:
    sheet, ed, r = scored.bound, scored.edition.framework, scored.result
    c = Console(width=160)
    t = Table(title=f"{escape(sheet.project)} · {ed.name}（{ed.id}）", title_justify="left")
    for col in ("评估维度", "权重", *[e for e in r.experts], "平均得分", "等级"):
        t.add_column(col, justify="left" if col == "评估维度" else "right")
    for d in r.dimensions:
        t.add_row(d.name, f"{d.weight:g}", *[f"{s:.2f}" for s in d.by_expert], f"{d.score:.2f}", d.grade)
    t.add_section()
    t.add_row("[bold]合计[/bold]", f"{ed.total:g}", *[f"{s:.2f}" for s in r.expert_totals], f"[bold]{r.total:.2f}[/bold]", r.grade)
    c.print(t)
    c.print(f"[bold]评估结论：{r.outcome}[/bold]——{escape(r.reason)}")
    for f in r.findings:
        c.print(f"  · {escape(str(f))}")
    c.print(f"评估规则版本指纹：{r.fingerprint[:16]}")


