"""Runs the YAML cases beside each cycle edition (``frameworks/*/*/tests.yaml`` next to a
``target.yaml``, ``monitoring.yaml``, ``preassessment.yaml`` or ``apply.yaml``). Each case changes a
complete base and states the findings, lights, outcome or advice that must follow, or the input
error that must refuse it. Names are the test ids."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from jixiao.core.errors import InvalidInput
from jixiao.frameworks import HERE
from jixiao.intake.cycle import cycle_editions
from jixiao.intake.yamlio import Located, load


def collect():
    for ref, kind in cycle_editions():
        path = HERE / ref / "tests.yaml"
        if path.is_file():
            suite = load(path).data
            for case in suite["cases"]:
                yield pytest.param(ref, kind, suite, case, id=f"{ref}:{case['name']}")


CASES = list(collect())


def _put(target: dict, key, value) -> None:
    if value is None:
        target.pop(key, None)
    else:
        target[key] = copy.deepcopy(value)


def build(suite: dict, case: dict, rows_key: str) -> dict:
    data = copy.deepcopy(suite["base"])
    for key, value in (case.get("set") or {}).items():
        _put(data, key, value)
    for n, changes in (case.get("rows") or {}).items():
        for field, value in changes.items():
            _put(data[rows_key][int(n) - 1], field, value)
    for n in sorted(case.get("drop") or [], reverse=True):
        del data[rows_key][int(n) - 1]
    return data


def run_target(ref, suite, case):
    from jixiao.core.cycle.target import review
    from jixiao.intake.target import bind_target

    doc = Located(build(suite, case, "绩效指标"), {}, f"{ref}/tests.yaml:{case['name']}")
    if "error" in case:
        with pytest.raises(InvalidInput) as info:
            bind_target(doc, Path("."))
        assert case["error"] in [p.code for p in info.value.problems], [str(p) for p in info.value.problems]
        return
    form, ed, history, _ = bind_target(doc, Path("."))
    assert ed.id == ref
    r = review(ed, form, history)
    want = case.get("expect") or {}
    codes = [f.code for f in r.findings]
    if "findings" in want:
        assert sorted(set(codes)) == sorted(want["findings"]), [str(f) for f in r.findings]
    for code, n in (want.get("count") or {}).items():
        assert codes.count(code) == n, [str(f) for f in r.findings]
    if "suggested" in want:
        assert r.suggested == want["suggested"]
    if "grade" in want:
        assert r.grade == want["grade"]
    if "next" in want:
        assert r.consequence.next == want["next"]
    if "into_budget" in want:
        assert r.consequence.into_budget is want["into_budget"]


def run_monitoring(ref, suite, case):
    from jixiao.core.cycle.monitoring import monitor
    from jixiao.intake.monitoring import bind_monitoring

    doc = Located(build(suite, case, "绩效指标"), {}, f"{ref}/tests.yaml:{case['name']}")
    if "error" in case:
        with pytest.raises(InvalidInput) as info:
            bind_monitoring(doc, Path("."))
        assert case["error"] in [p.code for p in info.value.problems], [str(p) for p in info.value.problems]
        return
    form, ed, _ = bind_monitoring(doc, Path("."))
    assert ed.id == ref
    r = monitor(ed, form)
    want = case.get("expect") or {}
    lights = {}
    for lt in r.lights:
        assert lt.subject not in lights, f"{lt.subject} has two lights"
        lights[lt.subject] = lt
    for subject, light in (want.get("lights") or {}).items():
        assert lights[subject].light == light, (subject, lights[subject].reason)
    for subject, text in (want.get("reason_contains") or {}).items():
        assert text in lights[subject].reason, lights[subject].reason
    if "findings" in want:
        assert sorted({f.code for f in r.findings}) == sorted(want["findings"]), [str(f) for f in r.findings]
    if "status" in want:
        assert r.status == want["status"]


def run_preassessment(ref, suite, case):
    from jixiao.core.cycle.preassess import assess
    from jixiao.intake.preassess import bind_preassessment

    doc = Located(build(suite, case, "专家"), {}, f"{ref}/tests.yaml:{case['name']}")
    if "error" in case:
        with pytest.raises(InvalidInput) as info:
            bind_preassessment(doc, Path("."))
        assert case["error"] in [p.code for p in info.value.problems], [str(p) for p in info.value.problems]
        return
    sheet, ed, _ = bind_preassessment(doc, Path("."))
    r = assess(ed, sheet)
    want = case.get("expect") or {}
    if "total" in want:
        assert r.total == pytest.approx(want["total"], abs=1e-9)
    for key in ("grade", "outcome"):
        if key in want:
            assert getattr(r, key) == want[key], (key, getattr(r, key), r.reason)
    dims = {d.name: d for d in r.dimensions}
    for name, (score, grade) in (want.get("dimensions") or {}).items():
        assert (dims[name].score, dims[name].grade) == (pytest.approx(score, abs=1e-9), grade), dims[name].trace
    if "findings" in want:
        assert sorted({f.code for f in r.findings}) == sorted(want["findings"]), [str(f) for f in r.findings]


def run_apply(ref, suite, case):
    from jixiao.core.cycle.apply import advise
    from jixiao.intake.cycle import load_edition

    table = load_edition(ref, "apply")
    g = case["given"]
    args = {"grade": g["grade"], "type_": g.get("type"), "budget": g.get("budget"),
            "override": tuple(g["override"]) if "override" in g else None}
    if "error" in case:
        with pytest.raises(ValueError, match=case["error"]):
            advise(table, **args)
        return
    a = advise(table, **args)
    for key, value in (case.get("expect") or {}).items():
        got = getattr(a, key)
        assert got == (pytest.approx(value) if isinstance(value, float | int) and not isinstance(value, bool) else value), (key, got)


RUNNERS = {"target": run_target, "monitoring": run_monitoring, "preassessment": run_preassessment, "apply": run_apply}


@pytest.mark.parametrize("ref,kind,suite,case", CASES)
def test_case(ref, kind, suite, case):
    RUNNERS[kind](ref, suite, case)


def test_every_cycle_edition_has_cases():
    have = {c.values[0] for c in CASES}
    assert {ref for ref, _ in cycle_editions()} <= have


@pytest.mark.parametrize("kind,binder,example", [
    ("target", "jixiao.intake.target:bind_target_to", "examples/chizhou-2022/target.yaml"),
    ("monitoring", "jixiao.intake.monitoring:bind_monitoring_to", "examples/chizhou-2022/monitoring.yaml"),
    ("preassessment", "jixiao.intake.preassess:bind_preassessment_to", "examples/chizhou-2022/preassessment.yaml"),
])
def test_registry_binders_bind_against_a_loaded_edition_and_return_problems(kind, binder, example):
    import importlib
    from types import SimpleNamespace

    from jixiao.intake.cycle import load_edition

    module, _, name = binder.partition(":")
    bind = getattr(importlib.import_module(module), name)
    root = Path(__file__).resolve().parents[1]
    doc = load(root / example)
    edition = SimpleNamespace(framework=load_edition(doc.data["framework"], kind))
    bound, problems = bind(doc, edition)
    assert bound is not None and not [p for p in problems if not p.is_warning]
    broken = Located({"framework": doc.data["framework"]}, {}, "x.yaml")
    bound, problems = bind(broken, edition)
    assert bound is None and any(p.code == "E-IN-MISSING" for p in problems)


def test_every_rule_of_every_cycle_edition_cites_its_source():
    from jixiao.intake.cycle import load_edition

    for ref, kind in cycle_editions():
        ed = load_edition(ref, kind)
        rules = {"target": lambda e: [*e.checks, *e.grades], "monitoring": lambda e: e.lights,
                 "preassessment": lambda e: e.dimensions, "apply": lambda e: e.rows}[kind](ed)
        unsourced = [getattr(r, "id", None) or getattr(r, "name", None) or getattr(r, "grade", "") for r in rules if not r.source]
        assert rules and not unsourced, (ref, unsourced)
        if kind == "monitoring" and ed.decisions:
            assert ed.decision_text
