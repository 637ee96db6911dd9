"""Running an edition's YAML tests (``tests.yaml``): each case passed or failed, with the difference.

Each kind has its own test format, both described in ``docs/framework-format.md`` and
``docs/project-form.md``:

* department: ``base_facts`` (a complete set of facts) and ``cases``, each changing ``facts``,
  ``drop``-ping some or giving ``lists``, and stating ``expect`` (scores by indicator, ``total``),
  ``grade`` (decided on the total as shown), ``status``, ``trace_contains``, ``reason`` or an input
  ``error`` code;
* project-form: a complete ``base`` form and ``cases`` changing ``set`` / ``funds`` / ``rows``,
  stating ``expect`` (total, grade, status, lines, codes, review, notes), an input ``error`` or a
  ``warning`` code.

A new kind adds its runner to :data:`RUNNERS`. ``jixiao test-framework`` prints the outcomes.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.core.edition import DEPARTMENT, PROJECT_FORM, Edition
from jixiao.core.errors import InvalidInput, Problem
from jixiao.core.numbers import round_half_up
from jixiao.intake.editions import KINDS
from jixiao.intake.yamlio import Located
from jixiao.services import testing_cycle

TOLERANCE = 1e-9


@dataclass(frozen=True)
class CaseOutcome:
    """One test case: its name and, when it failed, what differed (Chinese, one line each)."""

    name: str
    differences: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.differences


def run_tests(edition: Edition) -> list[CaseOutcome]:
    """Every case of the edition's tests, in the file's order. Raises :class:`InvalidInput` when the
    edition has no tests or its kind has no test runner."""
    where = edition.tests_source or edition.source
    if edition.tests is None:
        raise InvalidInput("没有测试用例", [Problem(
            "E-FW-TESTS", f"“{edition.id}”没有 tests.yaml；请在指标体系文件旁放置 tests.yaml，或在文件中用 tests: 指明", where)])
    runner = RUNNERS.get(edition.kind)
    if runner is None:
        raise InvalidInput("此类指标体系没有测试运行器", [Problem(
            "E-FW-TESTS", f"kind“{edition.kind}”还没有测试运行器（见 jixiao.services.testing.RUNNERS）", where)])
    suite = edition.tests
    if not isinstance(suite, Mapping) or not isinstance(suite.get("cases"), list) or not all(
            isinstance(c, Mapping) for c in suite["cases"]):
        raise InvalidInput("测试文件格式有误", [Problem(
            "E-FW-TESTS", "测试文件应为键值映射，cases 为用例列表（每个用例是键值映射，含 name）", where)])
    out = []
    for case in suite["cases"]:
        try:
            out.append(runner(edition, suite, case))
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            # A malformed case fails on its own; the other cases still run.
            out.append(CaseOutcome(str(case.get("name", "")), [f"用例格式有误：{type(exc).__name__} {exc}"]))
    return out


def _bind(edition: Edition, data: dict[str, Any], source: str) -> tuple[Any, list[Any]]:
    bound, problems = KINDS[edition.kind].function("bind")(Located(data, {}, source), edition)
    return bound, problems


def _expect_error(name: str, want: str, bound: Any, problems: list[Any]) -> CaseOutcome:
    codes = [p.code for p in problems]
    if bound is not None or want not in codes:
        return CaseOutcome(name, [f"应报输入错误 {want}，实际：{'、'.join(codes) or '没有错误'}"])
    return CaseOutcome(name)


def _close(got: float | None, want: float) -> bool:
    return got is not None and math.isclose(got, want, abs_tol=TOLERANCE)


# --- department ----------------------------------------------------------------------------------------


def run_department(edition: Edition, suite: Mapping[str, Any], case: Mapping[str, Any]) -> CaseOutcome:
    name = str(case.get("name", ""))
    facts = dict(suite.get("base_facts") or {})
    facts.update(case.get("facts") or {})
    for fact in case.get("drop") or []:
        facts.pop(fact, None)
    data: dict[str, Any] = {"subject": "测试单位", "year": 2020, "framework": edition.id,
                            "money_unit": suite.get("money_unit", "万元"), "facts": facts}
    if "lists" in case:
        data["lists"] = case["lists"]
    bound, problems = _bind(edition, data, f"{edition.tests_source}:{name}")
    if "error" in case:
        return _expect_error(name, str(case["error"]), bound, problems)
    if bound is None:
        return CaseOutcome(name, [f"输入有误：{p}" for p in problems if not p.is_warning])
    e = KINDS[DEPARTMENT].function("score")(edition.framework, bound)
    diffs: list[str] = []

    def result(key: str) -> Any:
        try:
            return e[key]
        except KeyError:
            diffs.append(f"{key}：没有这个指标")
            return None

    for key, want in (case.get("expect") or {}).items():
        if key == "total":
            got = round_half_up(e.total)
            if not _close(got, float(want)):
                diffs.append(f"总分：应为 {float(want):g}，实际 {got:g}")
            continue
        r = result(key)
        if r is None:
            continue
        if r.score is None:
            diffs.append(f"{key}：应得 {float(want):g} 分，实际无法评分（{r.reason_text}）")
        elif not _close(round_half_up(r.score), float(want)):
            diffs.append(f"{key}：应得 {float(want):g} 分，实际 {round_half_up(r.score):g} 分（{r.trace}）")
    # A grade is decided on the total as shown, by the bands of the edition the tests were written
    # for: an overlay that inherits them may have its own bands, so it is held to the scores only.
    own_tests = Path(edition.tests_source).parent == Path(edition.source).parent
    if "grade" in case and own_tests and e.grade != str(case["grade"]):
        diffs.append(f"等级：应为 {case['grade']}，实际 {e.grade or '（无）'}（总分显示为 {round_half_up(e.total):.2f}）")
    for key, want in (case.get("status") or {}).items():
        r = result(key)
        if r is not None and r.status != want:
            diffs.append(f"{key}：状态应为 {want}，实际 {r.status}（{r.trace}）")
    for key, fragment in (case.get("trace_contains") or {}).items():
        r = result(key)
        if r is not None and str(fragment) not in r.trace:
            diffs.append(f"{key}：评分说明应含“{fragment}”，实际“{r.trace}”")
    for key, code in (case.get("reason") or {}).items():
        r = result(key)
        if r is not None and not r.reason.startswith(str(code)):
            diffs.append(f"{key}：原因代码应为 {code}，实际 {r.reason or '（无）'}")
    return CaseOutcome(name, diffs)


# --- project form --------------------------------------------------------------------------------------

FUNDS_KEYS = ("项目资金", "预算执行情况")


def _put(row: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        row.pop(key, None)
    else:
        row[key] = copy.deepcopy(value)


def form_data(suite: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, Any]:
    """The form a case describes: the suite's ``base`` with the case's changes."""
    data = copy.deepcopy(dict(suite["base"]))
    for key, value in (case.get("set") or {}).items():
        data[key] = copy.deepcopy(value)
    funds_key = next((k for k in FUNDS_KEYS if k in data), None)
    for key, value in (case.get("funds") or {}).items():
        if funds_key is not None:
            _put(data[funds_key][0], key, value)
    for n, changes in (case.get("rows") or {}).items():
        for key, value in changes.items():
            _put(data["绩效指标"][int(n) - 1], key, value)
    return data


def run_project_form(edition: Edition, suite: Mapping[str, Any], case: Mapping[str, Any]) -> CaseOutcome:
    name = str(case.get("name", ""))
    bound, problems = _bind(edition, form_data(suite, case), f"{edition.tests_source}:{name}")
    if "error" in case:
        return _expect_error(name, str(case["error"]), bound, problems)
    if bound is None:
        return CaseOutcome(name, [f"输入有误：{p}" for p in problems if not p.is_warning])
    diffs: list[str] = []
    warned = [p.code for p in problems if p.is_warning]
    if "warning" in case and case["warning"] not in warned:
        diffs.append(f"应有警告 {case['warning']}，实际：{'、'.join(warned) or '没有警告'}")
    elif "warning" not in case and warned:
        diffs.append(f"不应有警告，实际：{'、'.join(warned)}")
    r = KINDS[PROJECT_FORM].function("score")(edition.framework, bound)
    want = case.get("expect") or {}
    lines = {ln.name: ln for ln in r.lines}
    if "total" in want and not _close(r.total, float(want["total"])):
        diffs.append(f"总分：应为 {float(want['total']):g}，实际 {r.total:g}")
    for key, label in (("grade", "等级"), ("status", "状态")):
        if key in want and getattr(r, key) != want[key]:
            diffs.append(f"{label}：应为 {want[key]}，实际 {getattr(r, key)}")
    for line, score in (want.get("lines") or {}).items():
        ln = lines.get(line)
        if ln is None:
            diffs.append(f"{line}：没有这一行")
        elif ln.cents != round(float(score) * 100):
            diffs.append(f"{line}：应得 {float(score):g} 分，实际 {ln.score}（{ln.trace}）")
    for line, code in (want.get("codes") or {}).items():
        ln = lines.get(line)
        if ln is None or ln.code != code:
            diffs.append(f"{line}：代码应为 {code}，实际 {ln.code if ln else '（无此行）'}")
    if "review" in want:
        got = sorted({f.code for f in r.review})
        if got != sorted(want["review"]):
            diffs.append(f"复核事项应为 {sorted(want['review'])}，实际 {got}")
    if "notes" in want:
        got = sorted({f.code for f in r.findings if not f.review})
        if got != sorted(want["notes"]):
            diffs.append(f"提示应为 {sorted(want['notes'])}，实际 {got}")
    return CaseOutcome(name, diffs)


def _differences(run: Callable[[Edition, Mapping[str, Any], Mapping[str, Any]], list[str]]) -> Runner:
    def runner(edition: Edition, suite: Mapping[str, Any], case: Mapping[str, Any]) -> CaseOutcome:
        return CaseOutcome(str(case.get("name", "")), run(edition, suite, case))

    return runner


Runner = Callable[[Edition, Mapping[str, Any], Mapping[str, Any]], CaseOutcome]
RUNNERS: dict[str, Runner] = {
    DEPARTMENT: run_department,
    PROJECT_FORM: run_project_form,
    "target": _differences(testing_cycle.run_target),
    "monitoring": _differences(testing_cycle.run_monitoring),
    "preassessment": _differences(testing_cycle.run_preassessment),
    "apply": _differences(testing_cycle.run_apply),
}


def outcomes(editions: list[Edition]) -> Iterator[tuple[Edition, CaseOutcome]]:
    """Every case of every edition that has tests (for a suite run)."""
    for ed in editions:
        if ed.tests is not None and ed.kind in RUNNERS:
            for outcome in run_tests(ed):
                yield ed, outcome
