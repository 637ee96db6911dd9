"""项目自评表 in bulk: upload many forms (YAML, JSON or XLSX), each imported through the store's
service in a background job with a moving progress bar; the review list with the checks' codes;
any form with its line-by-line recomputation.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from jixiao.core.form import FINDINGS
from jixiao.store import selectors, services
from jixiao.store.errors import StoreError
from jixiao.store.models import Kind
from jixiao.web import jobs, stored
from jixiao.web.access import BATCH_ROLES, needs
from jixiao.web.overview import current_scores

MAX_FILES = 500
CODE_TEXT = FINDINGS  # the core's words for each check code, one table for CLI and web


@needs(BATCH_ROLES)
def batch(request):
    units = list(selectors.units(request.user).filter(children__isnull=True).order_by("path"))
    if request.method == "POST":
        return _upload(request, units)
    qs = selectors.evaluations(request.user).filter(kind=Kind.PROJECT).order_by("-year", "unit__path", "title")
    only = request.GET.get("review") == "1"
    scores = current_scores(qs)
    items = []
    for ev in qs[:5000]:
        s = scores.get(ev.id)
        if s is None:
            continue
        findings = [f for f in s.record.get("findings", []) if f.get("review")]
        if only and not findings:
            continue
        items.append((ev, s, findings))
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(request, "web/batch.html", {"nav": "batch", "page": page, "units": units, "only": only,
                                               "codes": CODE_TEXT, "flagged": sum(1 for _, _, f in items if f)})


def _upload(request, units):
    files = request.FILES.getlist("forms")
    code = request.POST.get("unit") or ""
    if not files:
        messages.error(request, "请选择要上传的自评表文件（.yaml、.json 或 .xlsx，可多选）。")
        return redirect("web:batch")
    if len(files) > MAX_FILES:
        messages.error(request, f"一次最多上传 {MAX_FILES} 份，本次 {len(files)} 份；请分批上传。")
        return redirect("web:batch")
    if code not in {u.code for u in units}:
        messages.error(request, "请选择所属单位。")
        return redirect("web:batch")
    payload = [(f.name, f.read()) for f in files]
    digest = hashlib.sha256(code.encode())
    for name, data in payload:
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    key = digest.hexdigest()  # the same files again find the same job: a refresh imports nothing twice
    user = request.user

    def work(job: jobs.Job) -> dict:
        ok, failed = 0, []
        job.advance("导入中", 0, len(payload))
        for i, (name, data) in enumerate(payload):
            job.advance(f"导入第 {i + 1}/{len(payload)} 份：{name}", i)
            try:
                services.import_upload(actor=user, name=name, data=data, unit_code=code, year=None)
                ok += 1
            except StoreError as exc:
                failed.append(f"{name}：{stored.error_text(exc)}")
        job.error = "；".join(failed[:20])
        return {"next": reverse("web:batch") + "?review=1", "ok": ok, "failed": failed}

    jobs.start(key, f"导入项目自评表 {len(payload)} 份", user.pk, work)
    return redirect("web:job", key=key)


@needs(BATCH_ROLES)
def form_detail(request, pk: int):
    ev = selectors.evaluation(request.user, pk)
    if ev is None or ev.kind != Kind.PROJECT:
        raise Http404("没有这份自评表，或您无权查看")
    v = ev.versions.select_related("score").filter(number=ev.current).first()
    if v is None:
        raise Http404("这份自评表尚无版本")
    r = v.score.record
    return render(request, "web/form_detail.html", {"nav": "batch", "ev": ev, "v": v, "r": r, "codes": CODE_TEXT})
