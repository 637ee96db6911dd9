"""The REST API under ``/api/v1`` (django-ninja; OpenAPI at ``/api/v1/openapi.json``).

Auth: ``Authorization: Bearer <token>`` for programs (``jixiao user token NAME``), the session
cookie (with its CSRF token on writes) for the browser. Every 4xx answer is one JSON shape,
``{code, message, problems}``, with a Chinese message (see :mod:`jixiao.store.middleware` for the
answers Django gives before the API sees a request). Objects outside the caller's scope are 404.
Lists are keyset-paginated: ``?after=<id>&limit=<n>``; the answer's ``next`` is the next ``after``.
The calls are described in ``docs/api.md``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.http import FileResponse, HttpResponse, JsonResponse
from ninja import File, Form, NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.files import UploadedFile
from ninja.security import HttpBearer, django_auth

from jixiao.core.errors import InvalidInput
from jixiao.store import bulk, selectors, services
from jixiao.store.errors import Invalid, NotAllowed, NotFound, StoreError, from_invalid_input
from jixiao.store.models import Adjustment, Attachment, AuditEvent, Evaluation, Kind, Opinion, Role
from jixiao.store.workflow import allowed_from

MAX_LIMIT = 500
REPORT_TYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "pdf": "application/pdf", "html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class Bearer(HttpBearer):
    def authenticate(self, request, token):
        user = services.user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(title="绩效评价 API", version="1", urls_namespace="jixiao-api", auth=[Bearer(), django_auth],
               description="预算绩效评价数据：单位、评价、版本、审核流程、评分调整与意见、佐证材料、报告。")


def error(status: int, code: str, message: str, problems: list | None = None) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "problems": problems or []}, status=status,
                        json_dumps_params={"ensure_ascii": False})


@api.exception_handler(StoreError)
def _store_error(request, exc: StoreError):
    return error(exc.status, exc.code, exc.message, exc.problems)


@api.exception_handler(InvalidInput)
def _invalid_input(request, exc: InvalidInput):
    e = from_invalid_input(exc)
    return error(e.status, e.code, e.message, e.problems)


@api.exception_handler(ValidationError)
def _validation(request, exc: ValidationError):
    problems = [{"code": "E-API-FIELD", "where": ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query", "form")),
                 "message": _field_text(e)} for e in exc.errors]
    return error(422, "E-API-VALIDATION", f"请求参数有误（{len(problems)} 处）", problems)


def _field_text(e: dict) -> str:
    kind = e.get("type", "")
    if kind == "missing":
        return "缺少必填项"
    if "int" in kind:
        return "应为整数"
    if "string" in kind:
        return "应为文字"
    if "dict" in kind or "model" in kind:
        return "应为键值映射"
    return f"取值无效（{e.get('msg', '')}）"


@api.exception_handler(AuthenticationError)
def _auth(request, exc):
    return error(401, "E-API-AUTH", "需要登录，或在 Authorization 头中提供访问令牌（Bearer）")


@api.exception_handler(HttpError)
def _http(request, exc: HttpError):
    text = str(exc)
    if not any("\u4e00" <= ch <= "\u9fff" for ch in text):  # ninja's own English messages
        text = {400: "请求体无法解析：应为 JSON（Content-Type: application/json）或表单"}.get(exc.status_code, f"请求无效（{text}）")
    if exc.status_code == 403 and "CSRF" in str(exc):
        return error(403, "E-API-CSRF", "CSRF 校验失败：浏览器提交须带 CSRF 令牌，程序请使用 Bearer 令牌")
    return error(exc.status_code, f"E-API-{exc.status_code}", text)


def _int(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Invalid(f"{name} 应为整数，实际为“{value}”", [{"code": "E-API-FIELD", "where": name, "message": "应为整数"}],
                      "E-API-VALIDATION") from None


MAX_ID = 2 ** 63 - 1  # the id columns are 64-bit; a larger number is refused, not sent to the database


def _range(value: int | None, name: str, low: int = 0, high: int = MAX_ID) -> int | None:
    if value is not None and not low <= value <= high:
        raise Invalid(f"{name} 应在 {low} 到 {high} 之间，实际为 {value}",
                      [{"code": "E-API-FIELD", "where": name, "message": "超出范围"}], "E-API-VALIDATION")
    return value


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit 应在 1 到 {MAX_LIMIT} 之间", [{"code": "E-API-FIELD", "where": "limit", "message": "超出范围"}],
                      "E-API-VALIDATION")
    return limit


def _evaluation(request, pk: int) -> Evaluation:
    if not 0 < pk <= MAX_ID:
        raise NotFound(f"找不到编号为 {pk} 的评价")
    # The frozen framework is large and only scoring needs it (it loads on first use then).
    ev = selectors.evaluations(request.user).defer("edition__framework").filter(pk=pk).first()
    if ev is None or _expert_only_on_preassessment(request.user, ev):
        raise NotFound(f"找不到编号为 {pk} 的评价")
    return ev


def _expert_only_on_preassessment(user, ev: Evaluation) -> bool:
    """An expert reads a 事前评估 only through /preassessments, which shows them their own marks only."""
    from jixiao.store.models import Kind

    return ev.kind == Kind.PREASSESS and not (selectors.roles(user, ev) - {Role.EXPERT})


def _time(t) -> str:
    return t.isoformat() if t else None


# --- schemas --------------------------------------------------------------------------------------

class UnitIn(Schema):
    code: str
    name: str
    parent: str | None = None


class VersionIn(Schema):
    facts: dict
    base_version: int
    note: str = ""


class FactsIn(Schema):
    facts: dict


class TransitionIn(Schema):
    action: str
    opinion: str = ""
    expected_state: str | None = None


class AdjustmentIn(Schema):
    target: str
    value: object = None
    reason: str
    base_version: int | None = None


class OpinionIn(Schema):
    text: str
    indicator: str = ""


class ExpertIn(Schema):
    username: str


class DecisionIn(Schema):
    advice: str
    reason: str


class RectificationIn(Schema):
    problem: str
    requirement: str
    due: str
    source: str = ""
    unit: str | None = None


class ReportIn(Schema):
    result: str


class MonitoringIn(Schema):
    unit: str
    document: dict
    note: str = ""


class MeasureIn(Schema):
    indicator: str
    measure: str


class TargetIn(Schema):
    unit: str
    document: dict
    note: str = ""
    base_version: int | None = None


class TargetOpinionIn(Schema):
    item: str
    text: str


class TargetGradeIn(Schema):
    grade: str
    reason: str = ""
    base_version: int | None = None


class ReasonIn(Schema):
    reason: str


class ConclusionIn(Schema):
    conclusion: str
    note: str = ""


# --- who am I, units ------------------------------------------------------------------------------

@api.get("/me", summary="当前用户及其角色")
def me(request):
    return {"username": request.user.get_username(),
            "roles": [{"role": m.role, "label": Role(m.role).label, "unit": m.unit.code if m.unit_id else None}
                      for m in selectors.memberships(request.user)]}


def unit_json(u) -> dict:
    return {"id": u.id, "code": u.code, "name": u.name, "parent": u.parent.code if u.parent_id else None}


@api.get("/units", summary="可见的单位（按编号分页）")
def units(request, after: int = 0, limit: int = 100):
    _range(after, "after")
    rows = list(selectors.units(request.user).filter(id__gt=after).order_by("id")[: _limit(limit) + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [unit_json(u) for u in rows], "next": rows[-1].id if more else None}


@api.post("/units", summary="新建单位（管理员）", response={201: dict})
def create_unit(request, body: UnitIn):
    u = services.create_unit(actor=request.user, code=body.code, name=body.name, parent_code=body.parent)
    return Status(201, unit_json(u))


# --- evaluations ----------------------------------------------------------------------------------

def summary(ev: Evaluation) -> dict:
    return {"id": ev.id, "unit": {"code": ev.unit.code, "name": ev.unit.name}, "year": ev.year, "kind": ev.kind,
            "kind_label": ev.get_kind_display(), "title": ev.title, "state": ev.state,
            "state_label": ev.get_state_display(), "edition": {"ref": ev.edition.ref, "hash": ev.edition.hash},
            "current_version": ev.current, "total": ev.total, "grade": ev.grade or None, "updated": _time(ev.updated)}


@api.get("/evaluations", summary="可见的评价（按编号分页；可按年度、单位、类型、状态筛选）")
def evaluations(request, year: int | None = None, unit: str | None = None, kind: str | None = None,
                state: str | None = None, after: int = 0, limit: int = 50):
    _range(after, "after")
    _range(year, "year", 1990, 2100)
    qs = selectors.evaluations(request.user).defer("edition__framework").filter(id__gt=after)
    if selectors.roles(request.user) == {Role.EXPERT}:  # their 事前评估 are under /preassessments
        qs = qs.exclude(kind="preassessment")
    if year:
        qs = qs.filter(year=year)
    if unit:
        qs = qs.filter(unit__code=unit)
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    rows = list(qs.order_by("id")[: _limit(limit) + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [summary(e) for e in rows], "next": rows[-1].id if more else None}


@api.post("/evaluations/import", summary="批量导入案例或项目自评表（每个文件全部成功或不变）")
def import_files(request, unit: Form[str], year: Form[int | None] = None, files: File[list[UploadedFile]] = None):
    if not files:
        raise Invalid("请上传至少一个文件（字段名 files）", [], "E-API-VALIDATION")
    _range(year, "year", 1990, 2100)
    results, failed = [], 0
    with tempfile.TemporaryDirectory(prefix="jixiao-upload-") as tmp:
        items: list = []
        for i, f in enumerate(files):
            safe = services.safe_name(f.name)
            if f.size and f.size > services.settings.JIXIAO_MAX_UPLOAD:
                items.append((safe, Invalid(f"文件“{safe}”超过大小上限 {services.settings.JIXIAO_MAX_UPLOAD // 1048576} MB",
                                            [], "E-ST-TOO-LARGE")))
                continue
            p = Path(tmp) / str(i) / safe  # a folder each: two uploads may share a name
            p.parent.mkdir()
            p.write_bytes(f.read())
            items.append(p)
        paths = [x for x in items if isinstance(x, Path)]
        read = iter(bulk.read_files(paths))
        # Files refused before reading keep their place in the answer.
        outcomes = bulk.import_scored(actor=request.user, unit_code=unit, year=year,
                                      items=(x if not isinstance(x, Path) else next(read) for x in items))
    for o in outcomes:
        if o.ok:
            results.append({"file": o.source, "ok": True, "evaluation": o.evaluation.id,
                            "version": o.version or o.evaluation.current, "unchanged": o.version is None})
        else:
            failed += 1
            results.append({"file": o.source, "ok": False, "code": o.error.code, "message": o.error.message,
                            "problems": o.error.problems})
    return {"imported": len(results) - failed, "failed": failed, "results": results}


@api.get("/evaluations/{pk}", summary="一个评价：记录、状态、版本、可执行的操作")
def evaluation(request, pk: int):
    ev = _evaluation(request, pk)
    # Only the current version's facts and record are sent: the others' are not read.
    versions = list(ev.versions.select_related("score").defer("facts", "score__record").order_by("number"))
    latest = ev.versions.select_related("score").filter(number=ev.current).first() if ev.current else None
    held = selectors.roles(request.user, ev)
    out = summary(ev)
    out.update({
        "versions": [{"number": v.number, "author": v.author_name, "created": _time(v.created), "note": v.note,
                      "source": v.source, "digest": v.digest, "total": v.score.total} for v in versions],
        "record": latest.score.record if latest else None,
        "facts": latest.facts if latest else None,
        "transitions": [{"action": t.action, "label": t.label, "needs": t.needs or None}
                        for t in allowed_from(ev.state) if held & set(t.roles)],
        "experts": list(ev.assignments.values_list("user__username", flat=True)),
    })
    if ev.kind == Kind.MONITOR:
        from jixiao.store import monitoring

        out["decision_deadline"] = monitoring.deadline_json(ev)
    return out


@api.get("/evaluations/{pk}/versions/{number}", summary="一个版本的事实与评分记录")
def version(request, pk: int, number: int):
    ev = _evaluation(request, pk)
    v = ev.versions.select_related("score").filter(number=number).first() if 0 < number <= MAX_ID else None
    if v is None:
        raise NotFound(f"评价 {pk} 没有第 {number} 版")
    return {"number": v.number, "author": v.author_name, "created": _time(v.created), "note": v.note,
            "source": v.source, "digest": v.digest, "facts": v.facts, "record": v.score.record}


def _saved(ev: Evaluation, v) -> dict:
    ev.refresh_from_db()
    if v is None:
        return {"evaluation": ev.id, "version": ev.current, "unchanged": True}
    return {"evaluation": ev.id, "version": v.number, "unchanged": False, "total": v.score.total,
            "grade": v.score.grade, "status": v.score.status}


@api.post("/evaluations/{pk}/versions", summary="保存新版本（JSON 事实；base_version 为加载时的版本号）",
          response={201: dict, 200: dict})
def post_version(request, pk: int, body: VersionIn):
    ev = _evaluation(request, pk)
    v = services.save_version(actor=request.user, evaluation=ev, document=body.facts, base_version=body.base_version,
                              note=body.note, source="API")
    return Status(200 if v is None else 201, _saved(ev, v))


@api.post("/evaluations/{pk}/upload", summary="上传案例文件（XLSX、YAML、JSON）保存为新版本",
          response={201: dict, 200: dict})
def upload_version(request, pk: int, base_version: Form[int], file: File[UploadedFile], note: Form[str] = ""):
    ev = _evaluation(request, pk)
    scored = services.read_upload(name=file.name, data=file.read())
    if scored.kind != ev.kind:
        raise Invalid(f"上传的是{'项目自评表' if scored.kind == 'project' else '部门整体自评案例'}，与该评价类型不符", [],
                      "E-ST-KIND")
    v = services.save_version(actor=request.user, evaluation=ev, document=scored.document, base_version=base_version,
                              note=note, source=services.safe_name(file.name))
    return Status(200 if v is None else 201, _saved(ev, v))


@api.post("/evaluations/{pk}/score", summary="按该评价的指标体系版本试算（不保存）")
def score_draft(request, pk: int, body: FactsIn):
    ev = _evaluation(request, pk)
    s = services.score_draft(evaluation=ev, document=body.facts)
    return {"total": s.total, "grade": s.grade, "status": s.status, "record": s.record, "warnings": s.warnings}


@api.post("/evaluations/{pk}/transitions", summary="流程操作：送审、撤回、审核通过、退回、终审、重新打开")
def post_transition(request, pk: int, body: TransitionIn):
    ev = _evaluation(request, pk)
    ev = services.transition(actor=request.user, evaluation=ev, action=body.action, text=body.opinion,
                             expected_state=body.expected_state)
    return {"id": ev.id, "state": ev.state, "state_label": ev.get_state_display()}


def adjustment_json(a: Adjustment) -> dict:
    return {"id": a.id, "target": a.target, "before": a.before, "after": a.after, "reason": a.reason,
            "version": a.version.number, "author": a.author.get_username() if a.author_id else None,
            "role": a.role, "created": _time(a.created)}


@api.get("/evaluations/{pk}/adjustments", summary="评分调整")
def adjustments(request, pk: int):
    ev = _evaluation(request, pk)
    return {"items": [adjustment_json(a) for a in ev.adjustments.select_related("version", "author").order_by("id")]}


@api.post("/evaluations/{pk}/adjustments", summary="调整一个指标的判断或专家评分（须填理由）", response={201: dict})
def post_adjustment(request, pk: int, body: AdjustmentIn):
    ev = _evaluation(request, pk)
    a = services.adjust(actor=request.user, evaluation=ev, target=body.target, value=body.value, reason=body.reason,
                        base_version=body.base_version)
    return Status(201, adjustment_json(a))


def opinion_json(o: Opinion) -> dict:
    return {"id": o.id, "indicator": o.indicator or None, "text": o.text, "state": o.state,
            "author": o.author.get_username() if o.author_id else None, "role": o.role, "created": _time(o.created)}


@api.get("/evaluations/{pk}/opinions", summary="审核意见（逐项与总体）")
def opinions(request, pk: int):
    ev = _evaluation(request, pk)
    return {"items": [opinion_json(o) for o in ev.opinions.select_related("author").order_by("id")]}


@api.post("/evaluations/{pk}/opinions", summary="提出意见（indicator 为空即总体意见）", response={201: dict})
def post_opinion(request, pk: int, body: OpinionIn):
    ev = _evaluation(request, pk)
    op = services.add_opinion(actor=request.user, evaluation=ev, text=body.text, indicator=body.indicator)
    return Status(201, opinion_json(op))


@api.post("/evaluations/{pk}/experts", summary="指派专家或第三方（财政、管理员）", response={201: dict})
def post_expert(request, pk: int, body: ExpertIn):
    ev = _evaluation(request, pk)
    services.assign_expert(actor=request.user, evaluation=ev, username=body.username)
    return Status(201, {"evaluation": ev.id, "experts": list(ev.assignments.values_list("user__username", flat=True))})


def attachment_json(a: Attachment) -> dict:
    return {"id": a.id, "name": a.name, "size": a.size, "sha256": a.sha256, "content_type": a.content_type,
            "target": a.target or None, "created": _time(a.created)}


@api.get("/evaluations/{pk}/attachments", summary="佐证材料")
def attachments(request, pk: int):
    ev = _evaluation(request, pk)
    return {"items": [attachment_json(a) for a in ev.attachments.order_by("id")]}


@api.post("/evaluations/{pk}/attachments", summary="上传佐证材料（PDF、OFD、图片、DOCX、XLSX、TXT）", response={201: dict})
def post_attachment(request, pk: int, file: File[UploadedFile], target: Form[str] = ""):
    ev = _evaluation(request, pk)
    if file.size and file.size > services.settings.JIXIAO_MAX_UPLOAD:
        raise Invalid(f"文件超过大小上限 {services.settings.JIXIAO_MAX_UPLOAD // 1048576} MB", [], "E-ST-TOO-LARGE")
    a = services.add_attachment(actor=request.user, evaluation=ev, name=file.name, data=file.read(), target=target)
    return Status(201, attachment_json(a))


@api.get("/attachments/{aid}", summary="下载佐证材料")
def download_attachment(request, aid: int):
    a = Attachment.objects.filter(pk=aid).first() if 0 < aid <= MAX_ID else None
    if a is None or selectors.evaluation(request.user, a.evaluation_id) is None:
        raise NotFound(f"找不到编号为 {aid} 的佐证材料")
    return FileResponse(services.attachment_path(a.sha256).open("rb"), as_attachment=True, filename=a.name,
                        content_type=a.content_type)


@api.get("/evaluations/{pk}/report", summary="评价报告（docx、pdf、html、md）或评分表（xlsx）")
def report(request, pk: int, format: str = "html", version: int | None = None):
    ev = _evaluation(request, pk)
    if format not in REPORT_TYPES:
        raise Invalid(f"format 只能是 {'、'.join(REPORT_TYPES)}", [{"code": "E-API-FIELD", "where": "format",
                                                                  "message": "取值无效"}], "E-API-VALIDATION")
    _range(version, "version")
    v = ev.versions.filter(number=version or ev.current).first()
    if v is None:
        raise NotFound("该评价还没有保存任何版本" if not version else f"评价 {pk} 没有第 {version} 版")
    from jixiao.reports.office import OfficeError
    from jixiao.store import scoring

    try:
        data = scoring.report_bytes(ev.kind, v.facts, format, services.edition_of(ev), services._frozen_dir())
    except InvalidInput as exc:
        raise from_invalid_input(exc) from None
    except OfficeError as exc:
        return error(503, "E-ST-OFFICE", f"PDF 转换失败：{exc}；请稍后重试，或下载 DOCX")
    resp = HttpResponse(data, content_type=REPORT_TYPES[format])
    name = f"{ev.year}-{ev.title}.{format}"
    from urllib.parse import quote

    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return resp


# --- 结果应用 -----------------------------------------------------------------------------------------

def _apply_reader(request) -> None:
    if not {Role.FINANCE, Role.DEPT, Role.ADMIN} & selectors.roles(request.user):
        raise NotAllowed("只有主管部门和财政部门可以查看结果应用建议")


@api.get("/apply", summary="结果应用：某年度各评价下一年度的预算安排建议（主管部门、财政）")
def apply_list(request, year: int, final_only: bool = False):
    from jixiao.store import apply

    _range(year, "year", 1990, 2100)
    _apply_reader(request)
    table = apply.load_table()
    rows = apply.advice(selectors.evaluations(request.user), year, table, final_only)
    return {"year": year, "table": table.id, "advices": apply.advices(table), "rows": [r.to_json() for r in rows],
            "summary": apply.summary(rows)}


@api.post("/evaluations/{pk}/apply-decisions", summary="财政部门调整结果应用建议（须填理由）", response={201: dict})
def post_apply_decision(request, pk: int, body: DecisionIn):
    from jixiao.store import apply

    ev = _evaluation(request, pk)
    d = apply.decide(actor=request.user, evaluation=ev, advice=body.advice, reason=body.reason,
                     table=apply.load_table())
    return Status(201, {"id": d.id, "evaluation": ev.id, "advice": d.advice, "table_advice": d.table_advice,
                        "reason": d.reason, "table": d.table, "created": _time(d.created)})


# --- 绩效目标 ---------------------------------------------------------------------------------------

def target_json(ev: Evaluation) -> dict:
    from jixiao.store import targets

    v = targets.approved_version(ev)
    rec = ev.versions.select_related("score").get(number=ev.current).score.record if ev.current else {}
    return {**summary(ev), "findings": rec.get("findings", []), "suggested_grade": rec.get("suggested_grade"),
            "opinions": {level: [opinion_json(o) for o in ops] for level, ops in targets.opinions_by_level(ev).items()},
            "approved_version": getattr(v, "number", None), "pending_change": targets.pending_change(ev) or None}


def _target(request, pk: int) -> Evaluation:
    from jixiao.store.models import Kind

    ev = _evaluation(request, pk)
    if ev.kind != Kind.TARGET:
        raise Invalid("这不是绩效目标申报表", [], "E-ST-KIND")
    return ev


@api.post("/targets", summary="提交绩效目标申报表（单位；同一项目同一年度为新版本），返回四性审核结果", response={201: dict, 200: dict})
def post_target(request, body: TargetIn):
    from jixiao.store import targets

    unit = selectors.units(request.user).filter(code=body.unit).first()
    if unit is None:
        raise NotFound(f"找不到单位“{body.unit}”")
    ev, v = targets.submit_form(actor=request.user, unit=unit, document=body.document, source="API", note=body.note,
                                base_version=body.base_version)
    return Status(201 if v is not None else 200, target_json(ev))


@api.get("/targets/{pk}", summary="一份绩效目标：四性审核结果、初审/复审意见、批复版本、待批的调整申请")
def get_target(request, pk: int):

    return target_json(_target(request, pk))


@api.post("/targets/{pk}/opinions", summary="逐项审核意见（主管部门初审、财政复审）", response={201: dict})
def post_target_opinion(request, pk: int, body: TargetOpinionIn):
    from jixiao.store import targets

    op = targets.give_opinion(actor=request.user, evaluation=_target(request, pk), item=body.item, text=body.text)
    return Status(201, opinion_json(op))


@api.post("/targets/{pk}/grade", summary="综合评定等级 优/良/中/差（初审或复审，按当前状态）")
def post_target_grade(request, pk: int, body: TargetGradeIn):
    from jixiao.store import targets

    ev = _target(request, pk)
    targets.grade(actor=request.user, evaluation=ev, grade=body.grade, reason=body.reason, base_version=body.base_version)
    return target_json(_target(request, pk))


@api.post("/targets/{pk}/approve", summary="批复（财政；须有进入预算安排的复审等级）")
def post_target_approve(request, pk: int):
    from jixiao.store import targets

    targets.approve(actor=request.user, evaluation=_target(request, pk))
    return target_json(_target(request, pk))


@api.post("/targets/{pk}/change-request", summary="调整申请（单位；须写明理由，重新走审核流程，批复版本在批准前仍有效）")
def post_target_change(request, pk: int, body: ReasonIn):
    from jixiao.store import targets

    targets.request_change(actor=request.user, evaluation=_target(request, pk), reason=body.reason)
    return target_json(_target(request, pk))


@api.get("/indicators", summary="指标库：已批复目标的年度指标及其完成值（按名称、项目、关键词搜索）")
def indicator_library(request, q: str = "", level1: str = "", limit: int = 100):
    from jixiao.store import indicators

    return {"items": [vars(e) for e in indicators.library(selectors.evaluations(request.user), services.bounded(q, "q", 200),
                                                            services.bounded(level1, "level1", 50), _limit(limit))]}


# --- 运行监控 ---------------------------------------------------------------------------------------

def monitoring_json(r) -> dict:
    from jixiao.store import monitoring

    ev = r.evaluation
    # Only an abnormal form can have a 处理决定 deadline: the others cost no query.
    deadline = monitoring.deadline_json(ev) if r.status == "异常" else None
    return {**summary(ev), "dept": r.dept, "lights": r.counts, "status": r.status, "red": r.reds,
            "decision_deadline": deadline}


@api.get("/monitoring", summary="某年度可见的运行监控表及其红黄绿蓝灯数（红灯多的在前）")
def monitoring_list(request, year: int):
    from jixiao.store import monitoring

    _range(year, "year", 1990, 2100)
    return {"year": year, "items": [monitoring_json(r) for r in monitoring.light_map(request.user, year)]}


@api.post("/monitoring", summary="保存运行监控表（单位；同一项目同一期间为新版本）", response={201: dict, 200: dict})
def post_monitoring(request, body: MonitoringIn):
    from jixiao.store import monitoring

    unit = selectors.units(request.user).filter(code=body.unit).first()
    if unit is None:
        raise NotFound(f"找不到单位“{body.unit}”")
    ev, v = monitoring.save(actor=request.user, unit=unit, document=body.document, source="API", note=body.note)
    return Status(201 if v is not None else 200, {**summary(ev), "blockers": monitoring.blockers(ev),
                                                  "decision_deadline": monitoring.deadline_json(ev)})


@api.post("/evaluations/{pk}/measures", summary="为红灯指标填写纠偏措施（单位；保存为新版本）", response={201: dict})
def post_measure(request, pk: int, body: MeasureIn):
    from jixiao.store import monitoring

    ev = _evaluation(request, pk)
    ev, _ = monitoring.add_measure(actor=request.user, evaluation=ev, indicator=body.indicator, measure=body.measure)
    return Status(201, {**summary(ev), "blockers": monitoring.blockers(ev), "decision_deadline": monitoring.deadline_json(ev)})


# --- 整改 -------------------------------------------------------------------------------------------

@api.get("/rectifications", summary="可见的整改事项（按编号分页；可按年度、状态、是否逾期筛选）")
def rectifications(request, year: int | None = None, status: str | None = None, overdue: bool = False,
                   after: int = 0, limit: int = 100):
    from jixiao.store import rectify

    _range(after, "after")
    _range(year, "year", 1990, 2100)
    qs = rectify.filtered(rectify.visible(request.user), year=year, status=status, overdue_only=overdue)
    rows = list(qs.filter(id__gt=after).order_by("id")[: _limit(limit) + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [rectify.to_json(r) for r in rows], "next": rows[-1].id if more else None}


@api.post("/evaluations/{pk}/rectifications", summary="提出整改要求（主管部门、财政）", response={201: dict})
def post_rectification(request, pk: int, body: RectificationIn):
    from jixiao.store import rectify

    ev = _evaluation(request, pk)
    item = rectify.create(actor=request.user, evaluation=ev, problem=body.problem, requirement=body.requirement,
                          due=body.due, source=body.source or rectify.SOURCES[0], unit_code=body.unit)
    return Status(201, rectify.to_json(item))


@api.post("/rectifications/{rid}/report", summary="报送整改结果（责任单位）")
def post_rectification_report(request, rid: int, body: ReportIn):
    from jixiao.store import rectify

    _range(rid, "rid")
    return rectify.to_json(rectify.report(actor=request.user, item=rid, result=body.result))


@api.post("/rectifications/{rid}/conclude", summary="认定整改结论：done 已整改（销号）、partly 部分整改、not_done 未整改")
def post_rectification_conclusion(request, rid: int, body: ConclusionIn):
    from jixiao.store import rectify

    _range(rid, "rid")
    return rectify.to_json(rectify.conclude(actor=request.user, item=rid, conclusion=body.conclusion, note=body.note))


@api.get("/evaluations/{pk}/audit", summary="该评价的审计日志（只读）")
def audit(request, pk: int, after: int = 0, limit: int = 100):
    ev = _evaluation(request, pk)
    _range(after, "after")
    qs = AuditEvent.objects.filter(evaluation=ev, id__gt=after).order_by("id")
    rows = list(qs[: _limit(limit) + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [{"id": e.id, "at": _time(e.at), "actor": e.actor_name, "action": e.action,
                       "object": f"{e.object_type}:{e.object_id}", "before": e.before or None, "after": e.after or None,
                       "detail": e.detail} for e in rows], "next": rows[-1].id if more else None}


from jixiao.store.api_preassess import router as _preassess  # noqa: E402  (its handlers use this module's)

api.add_router("/preassessments", _preassess)
