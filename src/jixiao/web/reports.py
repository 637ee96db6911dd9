"""Reports of any version (DOCX, PDF, XLSX) drafted by the reports package, in a background job.

The reports package drafts from one evaluation. When a reviewer changed the score, the web adds a
clearly labelled table — 自评分与复核分对照 — to the drafted DOCX (and so to the PDF made from it)
and a sheet of the same name to the XLSX: every indicator's self-assessed and reviewed score.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.store import selectors
from jixiao.web import jobs, stored
from jixiao.web.access import data_dir, evaluation_or_404

FORMATS = {"docx": ("report.docx", "评价报告（Word）"), "pdf": ("report.pdf", "评价报告（PDF）"),
           "xlsx": ("scoring.xlsx", "评分表（Excel）")}
COMPARE_TITLE = "附：自评分与复核分对照"


def _folder(ev, version) -> Path:
    return data_dir() / "reports" / str(ev.pk) / f"v{version.number}-{version.digest[:16]}"


def _key(ev, version, fmt: str) -> str:
    return hashlib.sha256(f"report|{ev.pk}|{version.number}|{version.digest}|{fmt}".encode()).hexdigest()


@login_required
def reports(request, pk: int):
    ev = evaluation_or_404(request.user, pk)
    rows = []
    for v in reversed(stored.versions(ev)):
        have = {fmt: (_folder(ev, v) / name).is_file() for fmt, (name, _) in FORMATS.items()}
        rows.append((v, have))
    own = stored.own_version(ev)
    return render(request, "web/reports.html", {"nav": "home", "ev": ev, "rows": rows, "formats": FORMATS,
                                                 "own": own})


@login_required
@require_POST
def make(request, pk: int):
    """Start (or find) the job drafting one version's report in one format."""
    ev = evaluation_or_404(request.user, pk)
    fmt = request.POST.get("format") or ""
    try:
        number = int(request.POST.get("version") or 0)
    except ValueError:
        number = 0
    version = ev.versions.select_related("score").filter(number=number).first()
    if fmt not in FORMATS or version is None:
        raise Http404("没有这个版本或格式")
    target = _folder(ev, version) / FORMATS[fmt][0]
    if target.is_file():
        return redirect("web:report_file", pk=ev.pk, number=number, fmt=fmt)
    key = _key(ev, version, fmt)
    title = f"{ev.unit.name} {ev.year} 第 {number} 版 {FORMATS[fmt][1]}"
    jobs.start("report", key, title, request.user, {"evaluation": ev.pk, "version": number, "fmt": fmt},
               evaluation_id=ev.pk)
    return redirect("web:job", key=key)


def run_job(progress: jobs.Progress, params: dict) -> dict:
    """The report job's runner: everything from its parameters, so a restart can take it up again."""
    from jixiao.store.models import Evaluation

    ev = Evaluation.objects.select_related("unit", "edition").get(pk=params["evaluation"])
    version = ev.versions.select_related("score").get(number=params["version"])
    fmt = params["fmt"]
    return _draft(progress, ev, version, stored.own_version(ev), fmt, _folder(ev, version) / FORMATS[fmt][0])


@login_required
def report_file(request, pk: int, number: int, fmt: str):
    ev = evaluation_or_404(request.user, pk)
    version = ev.versions.filter(number=number).first()
    if fmt not in FORMATS or version is None:
        raise Http404("没有这个版本或格式")
    path = _folder(ev, version) / FORMATS[fmt][0]
    if not path.is_file():
        messages.info(request, "该报告尚未生成，请先点“生成”。")
        return redirect("web:reports", pk=ev.pk)
    name = f"{ev.unit.name}-{ev.year}-第{number}版-{FORMATS[fmt][0]}"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)


def _draft(job: jobs.Progress, ev, version, own, fmt: str, target: Path) -> dict:
    from jixiao.intake.case import JsonDoc, bind_case
    from jixiao.reports import office
    from jixiao.reports.build import Job, build

    job.advance("读取案例", 0, 4)
    case, fw = bind_case(JsonDoc(version.facts, {}, f"第 {version.number} 版"), Path("."), stored.framework_source(ev))
    rows = stored.side_by_side(own.score.record if own else None, version.score.record)
    differs = own is not None and own.number != version.number and any(r.differs for r in rows)
    with tempfile.TemporaryDirectory(prefix="jixiao-report-") as tmp:
        out = Path(tmp) / "out"
        job.advance("起草报告", 1)
        # DOCX and PDF together: the reports package numbers the DOCX's 目录 from its own PDF, so
        # both carry page numbers (the comparison table is appended after the last numbered page)
        build([Job(case, fw)], out, ["xlsx"] if fmt == "xlsx" else ["docx", "pdf"])
        job.advance("写入对照表" if differs else "整理文件", 2)
        if fmt == "xlsx":
            made = out / "scoring.xlsx"
            if differs:
                add_compare_sheet(made, rows, own, version)
        else:
            made = out / "report.docx"
            if differs:
                add_compare_table(made, rows, own, version)
            if fmt == "pdf" and differs:
                job.advance("转换为 PDF（LibreOffice）", 3)
                made = office.convert([made], "pdf", Path(tmp) / "pdf")[0]
            elif fmt == "pdf":
                made = out / "report.pdf"
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(made, part)
        part.replace(target)
    from django.urls import reverse

    return {"url": reverse("web:report_file", args=[ev.pk, version.number, fmt]), "differs": differs}


def compare_rows(rows, own, version) -> list[list[str]]:
    out = [["指标", "分值", f"自评分（第 {own.number} 版）", f"复核分（第 {version.number} 版）", "差异"]]
    for r in rows:
        delta = "" if not r.differs or r.own is None or r.reviewed is None else f"{r.reviewed - r.own:+.2f}"
        out.append(["　" * (r.level - 1) + r.name, stored.pts(r.weight), stored.pts(r.own), stored.pts(r.reviewed), delta])
    out.append(["合计", "", stored.pts(own.score.total), stored.pts(version.score.total),
                f"{version.score.total - own.score.total:+.2f}"])
    return out


def add_compare_table(path: Path, rows, own, version) -> None:
    import docx

    d = docx.Document(str(path))
    d.add_page_break()
    p = d.add_paragraph()
    p.add_run(COMPARE_TITLE).bold = True
    d.add_paragraph(f"复核调整后总分由 {stored.pts(own.score.total)} 分变为 {stored.pts(version.score.total)} 分；"
                    f"下表逐项列出自评分与复核分，差异一栏为复核分减自评分。")
    data = compare_rows(rows, own, version)
    t = d.add_table(rows=len(data), cols=len(data[0]))
    try:
        t.style = "Table Grid"
    except (KeyError, ValueError):
        pass  # the template has no such style: a plain table still reads
    for i, row in enumerate(data):
        for j, text in enumerate(row):
            t.cell(i, j).text = text
    d.save(str(path))


def add_compare_sheet(path: Path, rows, own, version) -> None:
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("自评与复核对照")
    ws.append([COMPARE_TITLE])
    ws["A1"].font = Font(bold=True)
    for row in compare_rows(rows, own, version):
        ws.append(row)
    ws.column_dimensions["A"].width = 36
    for col in "BCDE":
        ws.column_dimensions[col].width = 18
    wb.save(path)


def _job_for(request, key: str):
    """A job its owner may watch, and anyone who may see the evaluation it drafts a report of."""
    job = jobs.get(key)
    if job is None:
        raise Http404("没有这项任务（已完成的任务保留 7 天）")
    if job.owner_id != request.user.pk and (
            job.evaluation_id is None or selectors.evaluation(request.user, job.evaluation_id) is None):
        raise Http404("没有这项任务")
    return job


@login_required
def job_page(request, key: str):
    job = _job_for(request, key)
    return render(request, "web/job.html", {"job": job, "key": key})


@login_required
def job_progress(request, key: str):
    job = _job_for(request, key)
    resp = render(request, "web/_job.html", {"job": job, "key": key})
    if not job.running:
        resp["HX-Trigger"] = "jobDone"
    return resp
