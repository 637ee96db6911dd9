"""Test runners for the cycle's editions (target, monitoring, 事前评估, 结果应用), in the format of
their ``tests.yaml`` (see ``docs/cycle.md``): a complete ``base`` changed by ``set`` / ``rows`` /
``drop``, and ``expect`` stating findings, lights, outcome or advice, or an input ``error``.
Registered in :data:`jixiao.services.testing.RUNNERS`."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jixiao.core.edition import Edition
from jixiao.core.errors import InvalidInput
from jixiao.intake.yamlio import Located


def _put(target: dict[str, Any], key: Any, value: Any) -> None:
    if value is None:
        target.pop(key, None)
    else:
        target[key] = copy.deepcopy(value)


def build(edition: Edition, suite: Mapping[str, Any], case: Mapping[str, Any], rows_key: str) -> Located:
    data = copy.deepcopy(dict(suite["base"]))
    for key, value in (case.get("set") or {}).items():
        _put(data, key, value)
    for n, changes in (case.get("rows") or {}).items():
        for key, value in changes.items():
            _put(data[rows_key][int(n) - 1], key, value)
    for n in sorted(case.get("drop") or [], reverse=True):
        del data[rows_key][int(n) - 1]
    if not edition.shipped:  # a user's edition: the tests' base names the file under test
        data["framework"] = edition.source
    return Located(data, {}, f"{edition.tests_source}:{case.get('name', '')}")


def _refused(case: Mapping[str, Any], exc: InvalidInput | None) -> list[str] | None:
    """The differences when a case states an input error (None when it states none)."""
    if "error" not in case:
        return [f"输入有误：{p}" for p in exc.problems if not p.is_warning] if exc else None
    codes = [p.code for p in exc.problems] if exc else []
    return [] if case["error"] in codes else [f"应报输入错误 {case['error']}，实际：{'、'.join(codes) or '没有错误'}"]


def _same_set(label: str, got: list[str], want: list[str]) -> list[str]:
    return [] if sorted(set(got)) == sorted(want) else [f"{label}应为 {sorted(want)}，实际 {sorted(set(got))}"]


def run_target(edition: Edition, suite: Mapping[str, Any], case: Mapping[str, Any]) -> list[str]:
    from jixiao.core.cycle.target import review
    from jixiao.intake.target import bind_target

    try:
        form, ed, history, _ = bind_target(build(edition, suite, case, "绩效指标"), Path("."))
    except InvalidInput as exc:
        return _refused(case, exc) or []
    refused = _refused(case, None)
    if refused is not None:
        return refused
    r = review(ed, form, history)
    want, diffs = case.get("expect") or {}, []
    codes = [f.code for f in r.findings]
    if "findings" in want:
        diffs += _same_set("审核发现", codes, want["findings"])
    for code, n in (want.get("count") or {}).items():
        if codes.count(code) != n:
            diffs.append(f"{code} 应出现 {n} 次，实际 {codes.count(code)} 次")
    for key, got in (("suggested", r.suggested), ("grade", r.grade), ("next", r.consequence.next),
                     ("into_budget", r.consequence.into_budget)):
        if key in want and got != want[key]:
            diffs.append(f"{key}：应为 {want[key]}，实际 {got}")
    return diffs


def run_monitoring(edition: Edition, suite: Mapping[str, Any], case: Mapping[str, Any]) -> list[str]:
    from jixiao.core.cycle.monitoring import monitor
    from jixiao.intake.monitoring import bind_monitoring

    try:
        form, ed, _ = bind_monitoring(build(edition, suite, case, "绩效指标"), Path("."))
    except InvalidInput as exc:
        return _refused(case, exc) or []
    refused = _refused(case, None)
    if refused is not None:
        return refused
    r = monitor(ed, form)
    want, diffs = case.get("expect") or {}, []
    lights = {lt.subject: lt for lt in r.lights}
    for subject, light in (want.get("lights") or {}).items():
        got = lights.get(subject)
        if got is None or got.light != light:
            diffs.append(f"{subject}：应为{light}灯，实际 {got.light if got else '（无）'}（{got.reason if got else ''}）")
    for subject, text in (want.get("reason_contains") or {}).items():
        got = lights.get(subject)
        if got is None or text not in got.reason:
            diffs.append(f"{subject}：理由应含“{text}”，实际“{got.reason if got else ''}”")
    if "findings" in want:
        diffs += _same_set("发现", [f.code for f in r.findings], want["findings"])
    if "status" in want and r.status != want["status"]:
        diffs.append(f"状态：应为 {want['status']}，实际 {r.status}")
    return diffs


def run_preassessment(edition: Edition, suite: Mapping[str, Any], case: Mapping[str, Any]) -> list[str]:
    from jixiao.core.cycle.preassess import assess
    from jixiao.intake.preassess import bind_preassessment

    try:
        sheet, ed, _ = bind_preassessment(build(edition, suite, case, "专家"), Path("."))
    except InvalidInput as exc:
        return _refused(case, exc) or []
    refused = _refused(case, None)
    if refused is not None:
        return refused
    r = assess(ed, sheet)
    want, diffs = case.get("expect") or {}, []
    if "total" in want and not math.isclose(r.total, float(want["total"]), abs_tol=1e-9):
        diffs.append(f"总分：应为 {want['total']}，实际 {r.total}")
    for key in ("grade", "outcome"):
        if key in want and getattr(r, key) != want[key]:
            diffs.append(f"{key}：应为 {want[key]}，实际 {getattr(r, key)}（{r.reason}）")
    dims = {d.name: d for d in r.dimensions}
    for name, (score, grade) in (want.get("dimensions") or {}).items():
        d = dims.get(name)
        if d is None or not math.isclose(d.score, float(score), abs_tol=1e-9) or d.grade != grade:
            diffs.append(f"{name}：应为 {score} 分、{grade}，实际 {d.score if d else '—'} 分、{d.grade if d else '—'}")
    if "findings" in want:
        diffs += _same_set("发现", [f.code for f in r.findings], want["findings"])
    return diffs


def run_apply(edition: Edition, suite: Mapping[str, Any], case: Mapping[str, Any]) -> list[str]:
    from jixiao.core.cycle.apply import advise

    g = case["given"]
    args = {"grade": g["grade"], "type_": g.get("type"), "budget": g.get("budget"),
            "override": tuple(g["override"]) if "override" in g else None}
    try:
        a = advise(edition.framework, **args)
    except ValueError as exc:
        if "error" in case and str(case["error"]) in str(exc):
            return []
        return [f"不应报错，实际：{exc}"] if "error" not in case else [f"应报“{case['error']}”，实际：{exc}"]
    if "error" in case:
        return [f"应报“{case['error']}”，实际没有错误"]
    diffs = []
    for key, value in (case.get("expect") or {}).items():
        got = getattr(a, key)
        same = math.isclose(got, value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and isinstance(got, (int, float)) else got == value
        if not same:
            diffs.append(f"{key}：应为 {value}，实际 {got}")
    return diffs
