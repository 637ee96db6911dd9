"""项目自评表 in bulk: upload many forms (YAML, JSON or XLSX, or ``jixiao batch``'s long table), each imported through the store's
service in a background job with a moving progress bar; the review list with the checks' codes;
any form with its line-by-line recomputation.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from jixiao.core.form import FINDINGS
from jixiao.intake.form import form_editions
from jixiao.store import selectors, services
from jixiao.store.errors import StoreError
from jixiao.store.models import Kind
from jixiao.web import jobs, longtable, stored
from jixiao.web.access import BATCH_ROLES, needs
from jixiao.web.overview import current_scores

MAX_FILES = 500
DEFAULT_FORM_EDITION = "national-project/2020"  # as ``jixiao batch score --framework``
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
                                               "form_editions": form_editions(), "default_edition": DEFAULT_FORM_EDITION,
                                               "money_units": longtable.MONEY_UNITS,
                                               "codes": CODE_TEXT, "flagged": sum(1 for _, _, f in items if f)})


def _upload(request, units):
    files = request.FILES.getlist("forms")
    code = request.POST.get("unit") or ""
    if not files:
        messages.error(request, "请选择要上传的自评表文件（.yaml、.json、.xlsx，或批量长表 .csv、.parquet，可多选）。")
        return redirect("web:batch")
    if len(files) > MAX_FILES:
        messages.error(request, f"一次最多上传 {MAX_FILES} 份，本次 {len(files)} 份；请分批上传。")
        return redirect("web:batch")
    if code not in {u.code for u in units}:
        messages.error(request, "请选择所属单位。")
        return redirect("web:batch")
    options = _long_options(request)
    if options is None:
        return redirect("web:batch")
    payload = [(f.name, f.read()) for f in files]
    digest = hashlib.sha256(code.encode() + repr(sorted(options.items())).encode())
    for name, data in payload:
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    key = digest.hexdigest()  # the same files again find the same job: a refresh imports nothing twice
    existing = jobs.get(key)
    if existing is None or existing.state == existing.FAILED:
        # kept under the data folder, so a job a restart interrupted can read them again
        folder = jobs.files_dir(key)
        folder.mkdir(parents=True, exist_ok=True)
        kept = []
        for i, (name, data) in enumerate(payload):
            path = folder / f"{i:04d}{Path(services.safe_name(name)).suffix.lower()[:10]}"  # readers go by the suffix
            path.write_bytes(data)
            kept.append({"name": name, "file": path.name})
        jobs.start("import", key, f"导入项目自评表 {len(payload)} 个文件", request.user,
                   {"user": request.user.pk, "unit": code, "files": kept, **options})
    return redirect("web:job", key=key)


def _long_options(request) -> dict | None:
    """For long tables: the form edition (as ``jixiao batch --framework``), and the 年度 and 金额单位
    for tables without those columns — asked, never guessed."""
    framework = request.POST.get("framework") or DEFAULT_FORM_EDITION
    if framework not in form_editions():
        messages.error(request, f"没有项目自评表指标体系“{framework}”；可选：{'、'.join(form_editions())}。")
        return None
    year_text = (request.POST.get("year") or "").strip()
    year = None
    if year_text:
        try:
            year = int(year_text)
        except ValueError:
            year = 0
        if not 1990 <= year <= 2100:
            messages.error(request, f"年度“{year_text}”应为四位年份。")
            return None
    money = request.POST.get("money_unit") or ""
    if money and money not in longtable.MONEY_UNITS:
        messages.error(request, f"金额单位应为 {'、'.join(longtable.MONEY_UNITS)} 之一。")
        return None
    return {"framework": framework, "year": year, "money_unit": money or None}


def _import_long(user, params: dict, name: str, path, progress, at: str, i: int) -> tuple[int, list[str]]:
    """A long table: each 表单编号 a form, scored by the single-form intake and stored as an upload is."""
    from jixiao.core.errors import InvalidInput
    from jixiao.store import scoring
    from jixiao.store.errors import from_invalid_input
    from jixiao.store.models import Unit

    try:
        forms = longtable.read_forms(path)
    except InvalidInput as exc:
        # the problems name the kept copy; the user knows the file by the name they uploaded
        text = stored.error_text(from_invalid_input(exc, name)).replace(str(path), name)
        return 0, [f"{name}：{text}"]
    unit = Unit.objects.get(code=params["unit"])
    ok, failed = 0, []
    for j, (key, rows) in enumerate(forms):
        source = f"{services.safe_name(name)}#{key}"
        progress.advance(f"导入{at}：表单 {j + 1}/{len(forms)}（{key}）", i * STEP + STEP * j // len(forms))
        doc = longtable.document(rows, params.get("framework") or DEFAULT_FORM_EDITION, params.get("year"),
                                 params.get("money_unit"))
        missing = [what for what, key in (("年度", "年度"), ("金额单位", "金额单位")) if not doc.get(key)]
        if missing:
            failed.append(f"{source}：长表没有“{'”“'.join(missing)}”列；请在上传页的“批量长表的选项”中填写后重新上传")
            continue
        try:
            scored = scoring.score_document(Kind.PROJECT, doc, source=source)
            services.save_scored(actor=user, scored=scored, unit=unit, year=params.get("year"), source=source,
                                 note=f"导入长表 {source}")
            ok += 1
        except InvalidInput as exc:
            failed.append(f"{source}：{stored.error_text(from_invalid_input(exc, source))}")
        except StoreError as exc:
            failed.append(f"{source}：{stored.error_text(exc)}")
    return ok, failed


STEP = 1000  # progress units per file: a long table of many forms moves the bar form by form


def run_job(progress, params: dict) -> dict:
    """The import job's runner: each kept file through the store's import service, the same intake
    as ``jixiao import``; a job taken up again after a restart goes on from the file it stood at."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=params["user"])
    files = params["files"]
    folder = jobs.files_dir(progress.job.key)
    done = dict(progress.job.result)
    ok, failed = int(done.get("ok", 0)), list(done.get("failed", []))
    start = int(done.get("files", 0))
    progress.advance("导入中", start * STEP, len(files) * STEP)
    for i in range(start, len(files)):
        name = files[i]["name"]
        at = f"第 {i + 1}/{len(files)} 个文件：{name}"
        progress.advance(f"导入{at}", i * STEP)
        if longtable.is_long_table(name):
            # a long table's forms again after a restart add no version: an unchanged form is not saved twice
            n, bad = _import_long(user, params, name, folder / files[i]["file"], progress, at, i)
            ok, failed = ok + n, failed + bad
        else:
            try:
                services.import_upload(actor=user, name=name, data=(folder / files[i]["file"]).read_bytes(),
                                       unit_code=params["unit"], year=None)
                ok += 1
            except StoreError as exc:
                failed.append(f"{name}：{stored.error_text(exc)}")
        progress.job.done = (i + 1) * STEP
        progress.keep(ok=ok, failed=failed, files=i + 1)
    return {"next": reverse("web:batch") + "?review=1", "ok": ok, "failed": failed}


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
