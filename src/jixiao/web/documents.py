"""Printed documents of stored cycle forms, for download: a 绩效目标申报表 in its printed layout
(DOCX, PDF, XLSX), any version of it.

The document is drafted by the reports package (:mod:`jixiao.reports.target_sheet`) from the
version as stored, bound under the evaluation's frozen edition — the page shows what was filed,
however the shipped edition moved since. Each file is made once per version (its digest in the
folder's name) and kept under the data folder; the PDF is LibreOffice's, made from the DOCX.
Who may open the target may download it: anyone else gets 404, as for the page itself.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import path

from jixiao.core.errors import InvalidInput
from jixiao.store import selectors
from jixiao.store.models import Kind, Role
from jixiao.web import stored
from jixiao.web.access import data_dir

FORMATS = {"docx": "Word", "pdf": "PDF", "xlsx": "Excel"}


def _folder(ev, version) -> Path:
    return data_dir() / "documents" / str(ev.pk) / f"v{version.number}-{version.digest[:16]}"


def _target_job(ev, version):
    """The version bound under the evaluation's frozen edition, reviewed, ready to print."""
    from jixiao.intake.target import bind_target
    from jixiao.intake.yamlio import Located
    from jixiao.reports.cycle_docs import CycleJob
    from jixiao.services.cycle import score_target
    from jixiao.store import target_docs

    edition = target_docs.frozen_edition(stored.edition_dict(ev), stored.frozen_dir())
    doc = Located(target_docs.plain(version.facts), {}, f"第 {version.number} 版")
    form, ed, _, _ = bind_target(doc, Path("."), loaded=edition)
    return CycleJob("target", ed, form, score_target(ed, form))


def _version_or_404(request, ev):
    """The version ``?v=N`` names, else the current one."""
    try:
        number = int(request.GET.get("v") or ev.current)
    except ValueError:
        raise Http404("没有这个版本") from None
    version = ev.versions.select_related("score").filter(number=number).first()
    if version is None:
        raise Http404("没有这个版本")
    return version


@login_required
def target_document(request, pk: int, fmt: str):
    """The target's 申报表 in its printed layout: the current version, or ``?v=N``."""
    ev = selectors.evaluation(request.user, pk)
    if ev is None or ev.kind != Kind.TARGET or fmt not in FORMATS:
        raise Http404("没有这份绩效目标申报表，或您无权查看")
    version = _version_or_404(request, ev)
    number = version.number
    target = _folder(ev, version) / f"target.{fmt}"
    if not target.is_file():
        from jixiao.reports.cycle_docs import render_file
        from jixiao.reports.office import OfficeError

        try:
            render_file(_target_job(ev, version), fmt, target)
        except InvalidInput as exc:
            said = "；".join(str(p) for p in exc.problems[:5])
            messages.error(request, f"无法生成{FORMATS[fmt]}文件：{exc.title}" + (f"（{said}）" if said else ""))
            return redirect("web:target", pk=ev.pk)
        except OfficeError as exc:
            messages.error(request, f"无法生成{FORMATS[fmt]}文件：{exc}")
            return redirect("web:target", pk=ev.pk)
    name = f"{ev.title}-{ev.year}-绩效目标申报表-第{number}版.{fmt}"
    return FileResponse(target.open("rb"), as_attachment=True, filename=name)


# --- 事前绩效评估报告 -------------------------------------------------------------------------------

REPORT_FORMATS = {"docx": "Word", "pdf": "PDF"}


def _preassess_job(ev, version):
    """The version's sheet (without the store's own keys) bound and assessed under the frozen edition,
    with the conclusion 财政 recorded, if any."""
    from jixiao.intake.case import JsonDoc
    from jixiao.intake.editions import REGISTRY
    from jixiao.reports.cycle_docs import CycleJob
    from jixiao.services import scoring as core_scoring
    from jixiao.store import preassess, scoring

    document = scoring.plain(version.facts)
    sheet = {k: v for k, v in document.items() if k != preassess.CONCLUSION}
    sheet["专家"] = [{k: v for k, v in row.items() if k != preassess.ACCOUNT} if isinstance(row, dict) else row
                    for row in document.get("专家") or []]
    ed = REGISTRY.by_hash(ev.edition.hash)
    if ed is None or ed.kind != "preassessment":
        ed = scoring.edition_for(ev.kind, stored.edition_dict(ev), stored.frozen_dir())
    job = CycleJob.of(core_scoring.evaluate(JsonDoc(sheet, {}, f"第 {version.number} 版"), ed))
    decided = document.get(preassess.CONCLUSION)
    job.decided = decided if isinstance(decided, dict) else None
    return job


@login_required
def preassess_report(request, pk: int, fmt: str):
    """The 事前绩效评估报告 of a stored assessment (current version, or ``?v=N``). It shows every
    expert's marks, so an expert (who sees only their own) gets 404, as anyone out of scope does."""
    ev = selectors.evaluation(request.user, pk)
    if ev is None or ev.kind != Kind.PREASSESS or fmt not in REPORT_FORMATS:
        raise Http404("没有这项事前绩效评估，或您无权查看")
    if not {str(r) for r in selectors.roles(request.user, ev)} - {Role.EXPERT}:
        raise Http404("没有这项事前绩效评估，或您无权查看")
    version = _version_or_404(request, ev)
    if (version.score.record or {}).get("pending"):
        messages.error(request, "尚无专家评分，无法生成事前绩效评估报告。")
        return redirect("web:preassess_item", pk=ev.pk)
    target = _folder(ev, version) / f"report.{fmt}"
    if not target.is_file():
        from jixiao.reports.cycle_docs import render_file
        from jixiao.reports.office import OfficeError

        try:
            render_file(_preassess_job(ev, version), fmt, target)
        except InvalidInput as exc:
            said = "；".join(p.message for p in exc.problems[:8])
            messages.error(request, f"无法生成事前绩效评估报告：{exc.title}" + (f"（{said}）" if said else ""))
            return redirect("web:preassess_item", pk=ev.pk)
        except OfficeError as exc:
            messages.error(request, f"无法生成 PDF：{exc}")
            return redirect("web:preassess_item", pk=ev.pk)
    name = f"{ev.title}-{ev.year}-事前绩效评估报告-第{version.number}版.{fmt}"
    return FileResponse(target.open("rb"), as_attachment=True, filename=name)


urlpatterns = [
    path("targets/<int:pk>/form.<str:fmt>", target_document, name="target_document"),
    path("preassess/<int:pk>/report.<str:fmt>", preassess_report, name="preassess_report"),
]
