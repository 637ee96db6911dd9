"""Every write to the store. Each function takes keyword arguments only, runs in one transaction,
checks who may do it, and writes its AuditEvent in that same transaction — so a refused or failed
write changes nothing, and nothing changes without a trace.

``actor=None`` is the command line: whoever can run ``jixiao db`` can already open the database,
so it is trusted and recorded as ``命令行（OS user）``. Rows with history are saved one by one
through the ORM (never ``queryset.update()`` or bulk writes, which django-simple-history cannot see).
"""

from __future__ import annotations

import getpass
import hashlib
import re
import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from jixiao.core.errors import InvalidInput
from jixiao.store import scoring, selectors
from jixiao.store.errors import Conflict, Invalid, NotAllowed, NotFound, StoreError, from_invalid_input
from jixiao.store.models import (
    Adjustment,
    ApiToken,
    Assignment,
    Attachment,
    AuditEvent,
    CaseVersion,
    Edition,
    Evaluation,
    Kind,
    Membership,
    Opinion,
    Role,
    Score,
    State,
    Unit,
)
from jixiao.store.workflow import EDITORS, REVIEWERS, TRANSITIONS

UNIT_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf", ".ofd": "application/ofd", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".png": "image/png", ".txt": "text/plain",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAGIC = {".pdf": (b"%PDF",), ".png": (b"\x89PNG",), ".jpg": (b"\xff\xd8",), ".jpeg": (b"\xff\xd8",),
         ".docx": (b"PK\x03\x04",), ".xlsx": (b"PK\x03\x04",), ".ofd": (b"PK\x03\x04",)}


# Upper bounds of what a caller may write, so that nothing too long reaches a column (PostgreSQL
# would refuse it with a server error) and no text field grows without limit.
TEXT_MAX = 20000  # opinions, reasons, 退回 and reopen texts
NOTE_MAX = 2000  # a version's note
NAME_MAX = 300  # an indicator or fact name (the column's width)


# --- helpers -------------------------------------------------------------------------------------

def bounded(value, what: str, limit: int) -> str:
    """``value`` stripped, or :class:`Invalid` (``E-ST-TOO-LONG``) naming the field and its limit."""
    text = str(value or "").strip()
    if len(text) > limit:
        raise Invalid(f"{what}过长：最多 {limit} 个字符，实际 {len(text)} 个；请删减后重试",
                      [{"code": "E-ST-TOO-LONG", "message": f"最多 {limit} 个字符", "where": what}], "E-ST-TOO-LONG")
    return text


def actor_name(actor) -> str:
    if actor is None:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):  # no login name in some containers
            who = "?"
        return f"命令行（{who}）"
    return actor.get_username()


def shown_time(t) -> str:
    return timezone.localtime(t).strftime("%Y-%m-%d %H:%M:%S")


def audit(*, actor, action: str, obj, evaluation: Evaluation | None = None, before: str = "", after: str = "",
          detail: dict | None = None) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor, actor_name=actor_name(actor), action=action, object_type=type(obj).__name__,
        object_id=str(obj.pk), evaluation=evaluation, before=before, after=after, detail=detail or {})


def _roles(actor, evaluation: Evaluation | None = None) -> set[str]:
    if actor is None:
        return {Role.ADMIN, Role.UNIT, Role.DEPT, Role.FINANCE}
    return selectors.roles(actor, evaluation)


def _require_admin(actor) -> None:
    if actor is not None and Role.ADMIN not in _roles(actor):
        raise NotAllowed("只有管理员可以管理单位和用户")


def _frozen_dir() -> Path:
    return Path(settings.JIXIAO_DATA_DIR) / "editions"


def edition_of(ev: Evaluation) -> dict:
    e = ev.edition
    return {"ref": e.ref, "hash": e.hash, "framework": e.framework}


def _locked(evaluation: Evaluation | int, framework: bool = True) -> Evaluation:
    """The evaluation's row, locked until the transaction ends; ``framework=False`` leaves its
    edition's frozen framework (~60 KB of JSON) unread when the caller has no use for it."""
    pk = evaluation.pk if isinstance(evaluation, Evaluation) else evaluation
    qs = Evaluation.objects.select_for_update(of=("self",)).select_related("unit", "edition")
    ev = (qs if framework else qs.defer("edition__framework")).filter(pk=pk).first()
    if ev is None:
        raise NotFound("找不到该评价")
    return ev


def _save(obj, actor) -> None:
    obj._history_user = actor
    obj.save()


# --- units, users, tokens -----------------------------------------------------------------------

@transaction.atomic
def create_unit(*, actor, code: str, name: str, parent_code: str | None = None) -> Unit:
    """A 主管部门 or 单位 under ``parent_code``; the code chain becomes its scope path."""
    _require_admin(actor)
    code, name = (code or "").strip(), bounded(name, "单位名称", 200)
    if not UNIT_CODE.match(code):
        raise Invalid(f"单位编码“{code}”无效：只能用字母、数字、点、横线和下划线，最长 64 个字符")
    if not name:
        raise Invalid("单位名称不能为空")
    parent = None
    if parent_code:
        parent = Unit.objects.filter(code=parent_code).first()
        if parent is None:
            raise NotFound(f"找不到上级单位“{parent_code}”；请先添加它")
    if Unit.objects.filter(code=code).exists():
        raise Conflict(f"单位编码“{code}”已存在")
    unit = Unit(code=code, name=name, parent=parent, path=(parent.path if parent else "/") + code + "/")
    _save(unit, actor)
    audit(actor=actor, action="unit.create", obj=unit, after=scoring.digest({"code": code, "name": name}),
          detail={"code": code, "name": name, "parent": parent_code or ""})
    return unit


@transaction.atomic
def create_user(*, actor, username: str, role: str, unit_code: str | None = None, password: str | None = None,
                email: str = ""):
    """A user with one role (add more with :func:`grant_role`); 单位填报 and 主管部门审核 need a unit."""
    _require_admin(actor)
    User = get_user_model()
    username = (username or "").strip()
    if not username or len(username) > 150:
        raise Invalid("用户名不能为空，且不超过 150 个字符")
    if User.objects.filter(username=username).exists():
        raise Conflict(f"用户“{username}”已存在")
    user = User(username=username, email=email, is_staff=role == Role.ADMIN, is_superuser=False)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit(actor=actor, action="user.create", obj=user, detail={"username": username})
    grant_role(actor=actor, username=username, role=role, unit_code=unit_code)
    return user


@transaction.atomic
def grant_role(*, actor, username: str, role: str, unit_code: str | None = None) -> Membership:
    _require_admin(actor)
    if role not in Role.values:
        names = "、".join(f"{v}（{label}）" for v, label in Role.choices)
        raise Invalid(f"角色“{role}”无效；可用：{names}")
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"找不到用户“{username}”")
    unit = None
    if unit_code:
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            raise NotFound(f"找不到单位“{unit_code}”；请先用 jixiao db unit 添加")
    elif role in (Role.UNIT, Role.DEPT):
        raise Invalid(f"角色“{Role(role).label}”必须指定单位（--unit）")
    m = Membership(user=user, role=role, unit=unit)
    try:
        with transaction.atomic():
            _save(m, actor)
    except IntegrityError:
        raise Conflict(f"用户“{username}”已有该角色") from None
    audit(actor=actor, action="role.grant", obj=m, detail={"username": username, "role": role, "unit": unit_code or ""})
    return m


@transaction.atomic
def issue_token(*, actor, username: str, name: str = "") -> str:
    """A new bearer token for ``username``; only its digest is stored, so show it to the user now."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"找不到用户“{username}”")
    if actor is not None and actor.pk != user.pk:
        _require_admin(actor)
    name = bounded(name, "令牌名称", 100)
    token = "jx_" + secrets.token_urlsafe(32)
    t = ApiToken.objects.create(user=user, digest=hashlib.sha256(token.encode()).hexdigest(), name=name)
    audit(actor=actor, action="token.issue", obj=t, detail={"username": username, "name": name})
    return token


def user_for_token(token: str):
    t = ApiToken.objects.select_related("user").filter(digest=hashlib.sha256(token.encode()).hexdigest()).first()
    return t.user if t is not None and t.user.is_active else None


@transaction.atomic
def assign_expert(*, actor, evaluation: Evaluation, username: str) -> Assignment:
    """Name an expert or third party for one evaluation (财政 or 管理员 in scope)."""
    ev = _locked(evaluation)
    if actor is not None and not _roles(actor, ev) & {Role.FINANCE, Role.ADMIN}:
        raise NotAllowed("只有财政绩效处或管理员可以指派专家")
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not Membership.objects.filter(user=user, role=Role.EXPERT).exists():
        raise NotFound(f"找不到专家用户“{username}”（须有“专家/第三方”角色）")
    a, created = Assignment.objects.get_or_create(evaluation=ev, user=user)
    if created:
        audit(actor=actor, action="expert.assign", obj=a, evaluation=ev, detail={"username": username})
    return a


# --- editions, evaluations, versions ------------------------------------------------------------

def ensure_edition(scored: scoring.Scored) -> Edition:
    ed = Edition.objects.filter(hash=scored.edition_hash).first()
    if ed is None:
        ed = Edition.objects.create(hash=scored.edition_hash, ref=scored.edition_ref, kind=scored.kind,
                                    name=scored.edition_name, framework=scored.framework)
    return ed


def _check_year(scored: scoring.Scored, year: int | None, source: str) -> int:
    if scored.year and year and scored.year != year:
        raise Invalid(f"{source}：文件中的年度为 {scored.year}，与指定的 --year {year} 不一致",
                      [{"code": "E-ST-YEAR", "message": f"年度 {scored.year} ≠ {year}", "where": source}], "E-ST-YEAR")
    y = scored.year or year
    if not y:
        raise Invalid(f"{source}：文件中没有年度，请用 --year 指定", [], "E-ST-YEAR")
    if not 1990 <= int(y) <= 2100:
        raise Invalid(f"{source}：年度 {y} 不在 1990—2100 之间", [], "E-ST-YEAR")
    return int(y)


def _new_version(*, actor, ev: Evaluation, scored: scoring.Scored, source: str, note: str) -> CaseVersion:
    number = ev.current + 1
    v = CaseVersion.objects.create(evaluation=ev, number=number, facts=scored.document, digest=scored.digest,
                                   source=source[:255], author=actor, author_name=actor_name(actor), note=note)
    Score.objects.create(version=v, record=scored.record, total=scored.total, grade=scored.grade,
                         status=scored.status)
    before = ev.versions.filter(number=ev.current).values_list("digest", flat=True).first() or ""
    ev.current, ev.total, ev.grade = number, scored.total, scored.grade
    _save(ev, actor)
    audit(actor=actor, action="version.save", obj=v, evaluation=ev, before=before, after=v.digest,
          detail={"number": number, "total": scored.total, "source": source, "note": note})
    return v


def _conflict_if_moved(ev: Evaluation, base_version: int | None) -> None:
    if base_version is None or base_version == ev.current:
        return
    latest = ev.versions.filter(number=ev.current).first()
    who = latest.author_name if latest else "他人"
    when = shown_time(latest.created) if latest else ""
    raise Conflict(f"保存冲突：{who} 已于 {when} 保存了第 {ev.current} 版，而您是在第 {base_version} 版上修改的；"
                   f"请重新加载最新版本，核对后再保存", [{"code": "E-ST-STALE", "message": "版本已过期",
                                                "where": f"第 {ev.current} 版", "by": who, "at": when}], "E-ST-STALE")


def _may_edit(actor, ev: Evaluation) -> None:
    if actor is None:
        if ev.state != State.DRAFT:
            raise Conflict(f"该评价处于“{ev.get_state_display()}”状态，只有草稿可以保存新版本；请先退回或撤回")
        return
    allowed = EDITORS.get(ev.state, ())
    if not (_roles(actor, ev) & set(allowed)):
        if ev.state != State.DRAFT:
            raise Conflict(f"该评价处于“{ev.get_state_display()}”状态，只有草稿可以保存新版本；审核人请用评分调整")
        raise NotAllowed("只有本单位的填报人可以保存新版本")


def save_scored(*, actor, scored: scoring.Scored, unit: Unit, year: int | None, source: str, note: str = "",
                base_version: int | None = None, title: str | None = None) -> tuple[Evaluation, CaseVersion | None]:
    """Store a scored document as a new version: of the evaluation with the same unit, year, kind
    and title, or of a new one. An unchanged document adds no version (returns ``None``)."""
    note = bounded(note, "说明", NOTE_MAX)
    with transaction.atomic():
        year = _check_year(scored, year, source)
        title = (title or scored.title or "").strip()[:300] or unit.name
        ev = Evaluation.objects.filter(unit=unit, year=year, kind=scored.kind, title=title).first()
        if ev is None:
            if actor is not None and not _roles(actor) & {Role.ADMIN} and unit.pk not in {
                    m.unit_id for m in selectors.memberships(actor) if m.role == Role.UNIT}:
                raise NotAllowed("只能为本单位新建评价") if selectors.units(actor).filter(pk=unit.pk).exists() \
                    else NotFound("找不到该单位")
            if base_version not in (None, 0):
                raise Conflict(f"评价“{title}”已不存在或尚未保存，不能基于第 {base_version} 版修改")
            ev = Evaluation(unit=unit, year=year, kind=scored.kind, title=title, edition=ensure_edition(scored))
            try:
                with transaction.atomic():
                    _save(ev, actor)
            except IntegrityError:
                raise Conflict(f"评价“{title}”刚被他人创建；请重新加载后再保存") from None
            audit(actor=actor, action="evaluation.create", obj=ev, evaluation=ev,
                  detail={"unit": unit.code, "year": year, "kind": scored.kind, "title": title,
                          "edition": ev.edition.ref, "edition_hash": ev.edition.hash})
        else:
            ev = _locked(ev)
            _may_edit(actor, ev)
            _conflict_if_moved(ev, base_version)
            if ev.edition.hash != scored.edition_hash:
                # Rescore under the edition the evaluation was made with, never a newer one.
                scored = _rescore(ev, scored.document, source)
            latest = ev.versions.filter(number=ev.current).values_list("digest", flat=True).first()
            if latest == scored.digest:
                return ev, None
        return ev, _new_version(actor=actor, ev=ev, scored=scored, source=source, note=note)


def _rescore(ev: Evaluation, document: dict, source: str = "") -> scoring.Scored:
    try:
        return scoring.score_document(ev.kind, document, source=source, edition=edition_of(ev),
                                      frozen_dir=_frozen_dir())
    except InvalidInput as exc:
        raise from_invalid_input(exc, source) from None


def save_version(*, actor, evaluation: Evaluation, document: dict, base_version: int | None, note: str = "",
                 source: str = "", scored: scoring.Scored | None = None) -> CaseVersion | None:
    """Save posted facts as the next version of ``evaluation`` (optimistic lock on ``base_version``).

    The document is scored before the evaluation's row is locked: scoring needs only the document
    and the evaluation's edition, which never changes, so saves of one evaluation queue behind each
    other only for the checks and the writes, not for the engine. ``scored`` is the caller's own
    scoring of ``document`` under this evaluation's edition (the entry page scores what it shows
    anyway), used instead of scoring it a second time. The checks keep their order: who may edit,
    then a version saved meanwhile, then the document's own errors."""
    if base_version is None:
        raise Invalid("请给出 base_version（您加载时的版本号），以免覆盖他人的修改", [], "E-ST-BASE")
    note = bounded(note, "说明", NOTE_MAX)
    refused: StoreError | None = None
    if scored is None:
        try:
            scored = _rescore(evaluation, document, source or "facts")
        except StoreError as exc:
            refused = exc
    with transaction.atomic():
        ev = _locked(evaluation, framework=False)
        _may_edit(actor, ev)
        _conflict_if_moved(ev, base_version)
        if refused is not None:
            raise refused
        if scored is None or scored.kind != ev.kind or scored.edition_hash != ev.edition.hash:
            scored = _rescore(ev, document, source or "facts")  # scored under another edition: never trusted
        if scored.title and scored.title != ev.title:
            raise Invalid(f"名称“{scored.title}”与评价“{ev.title}”不一致；请改回原名称，或新建评价", [], "E-ST-TITLE")
        _check_year(scored, ev.year, source or "facts")
        if ev.versions.filter(number=ev.current, digest=scored.digest).exists():
            return None
        return _new_version(actor=actor, ev=ev, scored=scored, source=source, note=note)


def score_draft(*, evaluation: Evaluation, document: dict) -> scoring.Scored:
    """Score posted facts under the evaluation's edition without saving anything."""
    return _rescore(evaluation, document, "facts")


def import_file(*, actor, path: Path, unit_code: str, year: int | None, framework: str | None = None,
                note: str = "", source: str | None = None) -> tuple[Evaluation, CaseVersion | None]:
    """Read one case or form file through intake and store it; all or nothing for this file."""
    source = source or Path(path).name
    unit = Unit.objects.filter(code=unit_code).first()
    if unit is None or (actor is not None and not selectors.units(actor).filter(pk=unit.pk).exists()):
        raise NotFound(f"找不到单位“{unit_code}”；请先用 jixiao db unit {unit_code} 名称 添加")
    try:
        scored = scoring.read_file(path, framework)
    except InvalidInput as exc:
        raise from_invalid_input(exc, source) from None
    return save_scored(actor=actor, scored=scored, unit=unit, year=year, source=source, note=note or f"导入 {source}")


def import_upload(*, actor, name: str, data: bytes, unit_code: str, year: int | None,
                  framework: str | None = None) -> tuple[Evaluation, CaseVersion | None]:
    """An uploaded file: written to a private temporary folder under a safe name, then imported."""
    safe = safe_name(name)
    if len(data) > settings.JIXIAO_MAX_UPLOAD:
        raise Invalid(f"文件“{safe}”超过大小上限 {settings.JIXIAO_MAX_UPLOAD // 1048576} MB", [], "E-ST-TOO-LARGE")
    with tempfile.TemporaryDirectory(prefix="jixiao-upload-") as tmp:
        p = Path(tmp) / safe
        p.write_bytes(data)
        return import_file(actor=actor, path=p, unit_code=unit_code, year=year, framework=framework, source=safe)


def read_upload(*, name: str, data: bytes) -> scoring.Scored:
    """Read an uploaded case file (for a new version of an existing evaluation)."""
    safe = safe_name(name)
    if len(data) > settings.JIXIAO_MAX_UPLOAD:
        raise Invalid(f"文件“{safe}”超过大小上限 {settings.JIXIAO_MAX_UPLOAD // 1048576} MB", [], "E-ST-TOO-LARGE")
    with tempfile.TemporaryDirectory(prefix="jixiao-upload-") as tmp:
        p = Path(tmp) / safe
        p.write_bytes(data)
        try:
            return scoring.read_file(p)
        except InvalidInput as exc:
            raise from_invalid_input(exc, safe) from None


def safe_name(name: str) -> str:
    """An uploaded file's name without any folder part or control characters (never a path)."""
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    return base[:200] or "upload"


# --- workflow, adjustments, opinions, attachments ------------------------------------------------

def transition(*, actor, evaluation: Evaluation, action: str, text: str = "",
               expected_state: str | None = None) -> Evaluation:
    """Apply one row of the workflow table, or change nothing and raise."""
    text = bounded(text, "意见或理由", TEXT_MAX)
    t = TRANSITIONS.get(action)
    if t is None:
        raise Invalid(f"未知的操作“{action}”；可用：{'、'.join(f'{k}（{v.label}）' for k, v in TRANSITIONS.items())}")
    with transaction.atomic():
        ev = _locked(evaluation)
        if expected_state and expected_state != ev.state:
            last = ev.audit.filter(action__startswith="transition.").first()
            by = f"{last.actor_name} 已于 {shown_time(last.at)} 将其改为" if last else "其状态已是"
            raise Conflict(f"状态已变：{by}“{ev.get_state_display()}”；请刷新后再操作", [], "E-ST-STALE")
        if actor is not None and not (_roles(actor, ev) & set(t.roles)):
            raise NotAllowed(f"您的角色不能执行“{t.label}”（需要：{'、'.join(Role(r).label for r in t.roles)}）")
        if ev.state != t.source:
            raise Conflict(f"不能“{t.label}”：该评价当前为“{ev.get_state_display()}”，"
                           f"只有“{State(t.source).label}”的评价可以{t.label}", [], "E-ST-STATE")
        if t.needs and not (text or "").strip():
            what = "退回意见" if t.needs == "opinion" else "重新打开的理由"
            raise Invalid(f"“{t.label}”必须填写{what}", [{"code": "E-ST-TEXT", "message": f"缺少{what}",
                                                         "where": "opinion"}], "E-ST-TEXT")
        if ev.current == 0 and action == "submit":
            raise Conflict("还没有保存任何版本，不能送审", [], "E-ST-EMPTY")
        if ev.kind == Kind.TARGET and action == "reopen":
            raise Conflict("已批复的绩效目标不能重新打开：确需调整的，由单位提交调整申请并写明理由，重新审核批复"
                           "（财预〔2015〕88号 第二十八条）", [], "E-ST-FROZEN")
        if ev.kind == Kind.PREASSESS and action != "reopen":
            raise Conflict("事前评估不走送审流程：专家评分后，由财政绩效处记录评估结论（jixiao.store.preassess）",
                           [], "E-ST-STATE")
        if ev.kind == Kind.MONITOR and action == "submit":
            from jixiao.store import monitoring

            monitoring.check_submittable(ev)  # a red light needs its 纠偏措施 first
        before = ev.state
        ev.state = t.target
        _save(ev, actor)
        if t.needs:
            Opinion.objects.create(evaluation=ev, indicator="", text=text.strip(), state=before, author=actor,
                                   role=_acting_role(actor, ev, t.roles))
        audit(actor=actor, action=f"transition.{action}", obj=ev, evaluation=ev,
              before=scoring.digest({"state": before}), after=scoring.digest({"state": ev.state}),
              detail={"from": before, "to": ev.state, "text": text.strip(), "version": ev.current})
        return ev


def _acting_role(actor, ev, allowed) -> str:
    held = _roles(actor, ev)
    return next((r for r in allowed if r in held), next(iter(allowed)))


def _may_review(actor, ev: Evaluation) -> str:
    allowed = REVIEWERS.get(ev.state, ())
    if actor is None:
        return allowed[0] if allowed else Role.ADMIN
    held = _roles(actor, ev) & set(allowed)
    if not held:
        if not allowed:
            raise Conflict(f"该评价处于“{ev.get_state_display()}”状态，不在审核中，不能调整或提出意见")
        raise NotAllowed(f"当前由{'、'.join(Role(r).label for r in allowed)}审核，您不能调整或提出意见")
    return next(r for r in allowed if r in held)


def adjust(*, actor, evaluation: Evaluation, target: str, value, reason: str,
           base_version: int | None = None) -> Adjustment:
    """A reviewer changes one fact (a judgement level, expert points, a row's 实际完成值): a new
    version with that change, rescored, linked to the adjustment and its reason."""
    reason, target = bounded(reason, "理由", TEXT_MAX), bounded(target, "调整对象", NAME_MAX)
    if not reason:
        raise Invalid("评分调整必须填写理由", [{"code": "E-ST-TEXT", "message": "缺少理由", "where": "reason"}], "E-ST-TEXT")
    with transaction.atomic():
        ev = _locked(evaluation)
        role = _may_review(actor, ev)
        _conflict_if_moved(ev, base_version)
        current = ev.versions.get(number=ev.current)
        document, before = _with_change(ev.kind, current.facts, target, value)
        scored = _rescore(ev, document, f"调整：{target}")
        v = _new_version(actor=actor, ev=ev, scored=scored, source=current.source, note=f"评分调整：{target}：{reason}")
        adj = Adjustment.objects.create(evaluation=ev, version=v, target=target, before=before, after=value,
                                        reason=reason.strip(), author=actor, role=role)
        audit(actor=actor, action="adjustment.create", obj=adj, evaluation=ev, before=current.digest, after=v.digest,
              detail={"target": target, "before": before, "after": value, "reason": reason.strip(),
                      "total_before": current.score.total, "total_after": scored.total})
        return adj


def _with_change(kind: str, facts: dict, target: str, value):
    import copy

    doc = copy.deepcopy(facts)
    if kind == Kind.PROJECT:
        for row in doc.get("绩效指标") or []:
            if isinstance(row, dict) and str(row.get("三级指标", "")).strip() == target:
                before = row.get("实际完成值")
                row["实际完成值"] = value
                return doc, before
        raise NotFound(f"自评表中没有三级指标“{target}”")
    facts_map = doc.setdefault("facts", {})
    if target not in facts_map:
        raise NotFound(f"案例中没有事实“{target}”；可调整的是已填写的事实（如评审判断、专家评分）")
    before = facts_map[target]
    if isinstance(value, dict):
        # a fact restated whole (a judgement's discretionary {points, evidence}, an expert's
        # {score, justification}) replaces the old statement rather than being nested inside it
        facts_map[target] = value
    elif isinstance(before, dict) and "value" in before:
        facts_map[target] = {**before, "value": value}
    elif isinstance(before, dict) and ("level" in before or "met" in before):
        key = "level" if "level" in before else "met"
        facts_map[target] = {**before, key: value}
    else:
        facts_map[target] = value
    return doc, before


def add_opinion(*, actor, evaluation: Evaluation, text: str, indicator: str = "") -> Opinion:
    """An opinion on one indicator, or overall (``indicator`` empty), by the current reviewer."""
    text, indicator = bounded(text, "意见", TEXT_MAX), bounded(indicator, "指标", NAME_MAX)
    if not text:
        raise Invalid("意见不能为空", [{"code": "E-ST-TEXT", "message": "缺少意见", "where": "text"}], "E-ST-TEXT")
    with transaction.atomic():
        ev = _locked(evaluation)
        role = _may_review(actor, ev)
        op = Opinion.objects.create(evaluation=ev, indicator=(indicator or "").strip(), text=text.strip(),
                                    state=ev.state, author=actor, role=role)
        audit(actor=actor, action="opinion.create", obj=op, evaluation=ev,
              after=scoring.digest({"indicator": op.indicator, "text": op.text}), detail={"indicator": op.indicator})
        return op


def attachment_path(sha256: str) -> Path:
    return Path(settings.JIXIAO_DATA_DIR) / "attachments" / sha256[:2] / sha256


def add_attachment(*, actor, evaluation: Evaluation, name: str, data: bytes, target: str = "") -> Attachment:
    """Evidence stored by its SHA-256 under the data folder; the type must be on the allow-list and
    the content must look like it (a PDF starts with %PDF), the size within the limit."""
    safe = safe_name(name)
    target = bounded(target, "所证事实或指标", NAME_MAX)
    suffix = Path(safe).suffix.lower()
    if suffix not in ATTACHMENT_TYPES:
        raise Invalid(f"不支持的佐证材料类型“{suffix or '无扩展名'}”；可用：{'、'.join(sorted(ATTACHMENT_TYPES))}",
                      [], "E-ST-TYPE")
    if len(data) > settings.JIXIAO_MAX_UPLOAD:
        raise Invalid(f"文件“{safe}”超过大小上限 {settings.JIXIAO_MAX_UPLOAD // 1048576} MB", [], "E-ST-TOO-LARGE")
    if not data:
        raise Invalid(f"文件“{safe}”是空的", [], "E-ST-EMPTY-FILE")
    if suffix in MAGIC and not data.startswith(MAGIC[suffix]):
        raise Invalid(f"文件“{safe}”的内容与扩展名 {suffix} 不符", [], "E-ST-TYPE")
    if suffix == ".txt":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid(f"文本文件“{safe}”不是 UTF-8 编码", [], "E-ST-TYPE") from None
    sha = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        ev = _locked(evaluation)
        if actor is not None:
            held = _roles(actor, ev)
            if not (held & set(EDITORS.get(ev.state, ())) or held & set(REVIEWERS.get(ev.state, ()))):
                raise NotAllowed("当前状态下您不能上传佐证材料")
        path = attachment_path(sha)
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + f".{secrets.token_hex(4)}.part")
            tmp.write_bytes(data)
            tmp.replace(path)
        att = Attachment.objects.create(evaluation=ev, target=(target or "")[:300], name=safe, size=len(data),
                                        sha256=sha, content_type=ATTACHMENT_TYPES[suffix], author=actor)
        audit(actor=actor, action="attachment.add", obj=att, evaluation=ev, after=sha,
              detail={"name": safe, "size": len(data), "target": att.target})
        return att
